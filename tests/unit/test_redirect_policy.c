/* redirect.c: which redirect targets may be followed, and the visited sets. */
#include <stdio.h>
#include <stdlib.h>

#include "redirect.h"
#include "testutil.h"

static void test_paths(void)
{
    CHECK(redirect_path_ok("/autodiscover/autodiscover.xml"));
    CHECK(redirect_path_ok("/Autodiscover/Autodiscover.xml")); /* ews-javascript-api's bug */
    CHECK(redirect_path_ok("/AUTODISCOVER/alice/AutoDiscover.XML"));
    CHECK(redirect_path_ok("/autodiscover/a/b/c/autodiscover.xml"));
    CHECK(redirect_path_ok("/autodiscover/autodiscover.xml?x=1"));
    CHECK(!redirect_path_ok("/owa/"));
    CHECK(!redirect_path_ok("/autodiscover/autodiscover.svc"));
    CHECK(!redirect_path_ok("/autodiscover//autodiscover.xml"));
    CHECK(!redirect_path_ok("/autodiscover/xautodiscover.xml"));
    CHECK(!redirect_path_ok("/x/autodiscover/autodiscover.xml"));
    CHECK(!redirect_path_ok("/autodiscover/autodiscover.xml/"));
    CHECK(!redirect_path_ok(""));
}

static void test_urls(void)
{
    CHECK(redirect_url_problem("https://eu.provider.test/Autodiscover/alice/Autodiscover.xml") ==
          NULL);
    CHECK(redirect_url_problem("https://a.test:8443/autodiscover/autodiscover.xml") == NULL);
    CHECK_STR(redirect_url_problem("http://a.test/autodiscover/autodiscover.xml"),
              "not an https URL");
    CHECK_STR(redirect_url_problem("ftp://a.test/autodiscover/autodiscover.xml"),
              "not an https URL");
    CHECK_STR(redirect_url_problem("https://a.test/owa/"),
              "the path is not /autodiscover/.../autodiscover.xml");
    CHECK_STR(redirect_url_problem("https://u:p@a.test/autodiscover/autodiscover.xml"),
              "the URL carries a user name or password");
    CHECK_STR(redirect_url_problem(""), "no URL");
    CHECK(redirect_url_problem(NULL) != NULL);
    char *host = redirect_url_host("https://EU.Provider.TEST/autodiscover/autodiscover.xml");
    CHECK_STR(host, "eu.provider.test");
    free(host);
    CHECK(redirect_url_host("not a url") == NULL);
}

static void test_sets(void)
{
    struct string_set set = {0};
    CHECK(!string_set_contains(&set, "https://a.test/x"));
    CHECK(string_set_add(&set, "https://A.test/X") == 0);
    CHECK(string_set_contains(&set, "https://a.test/x")); /* case-insensitive */
    CHECK(string_set_add(&set, "https://a.test/x") == 0 && set.count == 1);
    for (int i = 0; i < 20; i++) {
        char url[64];
        snprintf(url, sizeof url, "https://h%d.test/", i);
        CHECK(string_set_add(&set, url) == 0);
    }
    CHECK(set.count == 21);
    string_set_clear(&set);
    CHECK(set.count == 0 && !string_set_contains(&set, "https://a.test/x"));
}

int main(void)
{
    test_paths();
    test_urls();
    test_sets();
    return test_done("redirect_policy");
}
