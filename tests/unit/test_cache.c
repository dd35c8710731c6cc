/* cache.c and localxml.c: the last-known-good entries and the local XML map. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "localxml.h"
#include "testutil.h"

#define URL "https://autodiscover.contoso.test/autodiscover/autodiscover.xml"

static void test_cache(const char *dir)
{
    time_t now = 1700000000;
    CHECK(cache_lookup(dir, "bob@contoso.test", now) == NULL); /* no directory yet */
    CHECK(cache_store(dir, "bob@contoso.test", URL, 1, now) == 0);
    struct stat st;
    CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
    char *url = cache_lookup(dir, "BOB@contoso.test", now + 3599);
    CHECK_STR(url, URL);
    free(url);
    CHECK(cache_lookup(dir, "bob@contoso.test", now + 3600) == NULL); /* expired */
    CHECK(cache_lookup(dir, "alice@contoso.test", now) == NULL);
    /* TTL 0 stores nothing and drops what was there; a newline cannot sneak in. */
    CHECK(cache_store(dir, "carol@contoso.test", URL, 1, now) == 0);
    CHECK(cache_store(dir, "carol@contoso.test", URL, 0, now) == 0);
    CHECK(cache_lookup(dir, "carol@contoso.test", now) == NULL);
    errno = 0;
    CHECK(cache_store(dir, "carol@contoso.test", URL "\nurl https://evil.test/", 1, now) < 0);
    CHECK(errno == EINVAL);
    CHECK(cache_lookup(dir, "carol@contoso.test", now) == NULL);
    /* A replaced entry: the new URL. */
    CHECK(cache_store(dir, "bob@contoso.test",
                      "https://b.contoso.test/autodiscover/autodiscover.xml", 2, now) == 0);
    url = cache_lookup(dir, "bob@contoso.test", now + 7000);
    CHECK_STR(url, "https://b.contoso.test/autodiscover/autodiscover.xml");
    free(url);
    /* An entry edited to point at a non-Autodiscover or http URL is ignored. */
    char *path = cache_path(dir, "dave@contoso.test");
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fprintf(f, "autodiscover-cache 1\naddress dave@contoso.test\nurl http://x.test/"
                   "autodiscover/autodiscover.xml\nexpires 9999999999\n");
        fclose(f);
    }
    CHECK(cache_lookup(dir, "dave@contoso.test", now) == NULL);
    free(path);
    cache_drop(dir, "bob@contoso.test");
    CHECK(cache_lookup(dir, "bob@contoso.test", now) == NULL);
    cache_drop(dir, "bob@contoso.test"); /* twice is fine */
}

static void test_localxml(const char *dir)
{
    struct localxml_map map = {0};
    CHECK(localxml_add(&map, "contoso.test=/a.xml") == 0);
    CHECK(localxml_add(&map, "bob@contoso.test=/b.xml") == 0);
    CHECK(localxml_add(&map, "noequals") != 0);
    CHECK(localxml_add(&map, "=x") != 0);
    CHECK(localxml_add(&map, "x=") != 0);
    CHECK_STR(localxml_lookup(&map, "bob@contoso.test", "contoso.test"), "/b.xml");
    CHECK_STR(localxml_lookup(&map, "eve@contoso.test", "contoso.test"), "/a.xml");
    CHECK(localxml_lookup(&map, "eve@fabrikam.test", "fabrikam.test") == NULL);
    localxml_free(&map);

    struct adbuf body;
    const char *why = NULL;
    adbuf_init(&body, 16);
    char path[512];
    snprintf(path, sizeof path, "%s/small.xml", dir);
    FILE *f = fopen(path, "w");
    CHECK(f && fputs("<x/>", f) >= 0 && fclose(f) == 0);
    CHECK(localxml_read(path, &body, &why) == 0 && body.len == 4);
    adbuf_reset(&body);
    f = fopen(path, "w");
    CHECK(f && fputs("<this-is-longer-than-the-cap/>", f) >= 0 && fclose(f) == 0);
    CHECK(localxml_read(path, &body, &why) < 0 && strstr(why, "cap") != NULL);
    adbuf_reset(&body);
    CHECK(localxml_read("/nonexistent/file.xml", &body, &why) < 0 &&
          strcmp(why, "No such file or directory") == 0);
    adbuf_free(&body);
    unlink(path);
}

int main(void)
{
    char base[] = "/tmp/test_cache.XXXXXX";
    CHECK(mkdtemp(base) != NULL);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/autodiscover", base);
    test_cache(dir);
    test_localxml(base);
    /* Clean up: the entries left, then the directories. */
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    CHECK(system(cmd) == 0);
    return test_done("cache");
}
