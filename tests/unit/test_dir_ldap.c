/* Unit tests of the LDAP backend's parts that need no server: the mailboxes block and the
 * lookup cache (tests/ldap/dir_ldap_e2e.sh covers the rest against real slapd). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dir_ldap_cache.h"
#include "dir_ldap_config.h"
#include "testutil.h"

#define LISTEN "listen 127.0.0.1 8443 { tls-certificate \"/c\"; tls-key \"/k\" }\n"

static struct config *parse(const char *block, char *err, size_t errlen)
{
    char text[2048];
    snprintf(text, sizeof text, "directory \"sqlite:/x.db\"\n%s\n" LISTEN, block);
    return config_parse_string("t", text, err, errlen);
}

static void expect_error(const char *block, const char *needle)
{
    char err[512];
    struct config *conf = parse(block, err, sizeof err);
    CHECK(conf == NULL);
    if (!strstr(err, needle))
        test_fail_str(__FILE__, __LINE__, block, err, needle);
    config_free(conf);
}

static void test_config(void)
{
    char err[512];
    struct config *conf = parse("", err, sizeof err);
    CHECK(conf && conf->mailboxes_ldap == NULL); /* backward compatible: no block, no LDAP */
    config_free(conf);

    conf = parse("mailboxes ldap {\n"
                 "  uri \"ldaps://a:636, ldaps://b\"\n  base \"DC=x\"; scope one\n"
                 "  bind-dn \"CN=svc\"; bind-password-file \"/pw\"\n"
                 "  attribute display-name cn\n  attribute change-stamp entryCSN\n"
                 "  enabled-filter \"(!(description=off))\"\n  cache-ttl 0; pool-size 2\n}",
                 err, sizeof err);
    CHECK(conf != NULL);
    if (!conf) {
        test_fail_str(__FILE__, __LINE__, "parse", err, "");
        return;
    }
    const struct dir_ldap_config *c = conf->mailboxes_ldap;
    CHECK(c && c->nuris == 2);
    CHECK_STR(c->uris[0], "ldaps://a:636");
    CHECK_STR(c->uris[1], "ldaps://b");
    CHECK(c->scope == 1 && c->cache_ttl == 0 && c->pool_size == 2 && c->timeout_ms == 5000);
    CHECK_STR(c->attrs[DIR_LDAP_ATTR_DISPLAY_NAME], "cn");
    CHECK_STR(c->attrs[DIR_LDAP_ATTR_STAMP], "entryCSN");
    CHECK_STR(c->attrs[DIR_LDAP_ATTR_MAIL], "mail"); /* defaults filled in */
    CHECK_STR(c->filter, "(|(mail=%s)(proxyAddresses=smtp:%s))");
    config_free(conf);

    expect_error("mailboxes ldap { base \"x\" }", "uri missing");
    expect_error("mailboxes ldap { uri \"ldap://a\"; base \"x\" }", "starttls is off");
    expect_error("mailboxes ldap { uri \"ldaps://a\"; base \"x\"; starttls yes }",
                 "starttls yes needs ldap://");
    expect_error("mailboxes ldap { uri \"http://a\"; base \"x\" }", "not an ldap");
    expect_error("mailboxes ldap { uri \"ldaps://a\"; base \"x\"; filter \"mail=%s\" }",
                 "parenthesised");
    expect_error("mailboxes ldap { uri \"ldaps://a\"; base \"x\"; filter \"(mail=%d)\" }",
                 "only %s");
    expect_error("mailboxes ldap { uri \"ldaps://a\"; base \"x\"; attribute shoe size }",
                 "unknown \"shoe\"");
    expect_error("mailboxes ldap { uri \"ldaps://a\"; base \"x\"; base \"y\" }", "duplicate base");
    expect_error("mailboxes ldap { uri \"ldaps://a\"; base \"x\"; cache-ttl 9999 }", "0..3600");
    expect_error("mailboxes ldap { uri \"ldaps://a\"; base \"x\"; listen 1 }",
                 "unknown directive \"listen\"");
    expect_error("mailboxes sql { }", "expected ldap");
    expect_error("mailboxes ldap { uri \"ldaps://a\"; base \"x\" }\n"
                 "mailboxes ldap { uri \"ldaps://a\"; base \"x\" }",
                 "duplicate mailboxes");
}

static void test_cache(void)
{
    struct dir_ldap_cache *cache = dir_ldap_cache_new(8, 60);
    CHECK(cache != NULL);
    char *aliases[] = {"robert@x.test"};
    struct dir_mailbox mb = {.address = "bob@x.test",
                             .display_name = "Bob",
                             .legacy_dn = "",
                             .organisation = "x",
                             .deployment_id = "g",
                             .aliases = aliases,
                             .naliases = 1};
    struct dir_mailbox got;
    char *stamp;
    CHECK(dir_ldap_cache_get(cache, "a:bob@x.test", &got, &stamp) == 0);
    dir_ldap_cache_put(cache, "a:bob@x.test", &mb, "ts\ncn=bob");
    CHECK(dir_ldap_cache_get(cache, "a:bob@x.test", &got, &stamp) == 1);
    CHECK_STR(got.address, "bob@x.test");
    CHECK_STR(got.target_address, NULL);
    CHECK(got.naliases == 1 && strcmp(got.aliases[0], "robert@x.test") == 0);
    CHECK_STR(stamp, "ts\ncn=bob");
    dir_mailbox_free(&got);
    free(stamp);
    /* Bounded: many more keys than slots, memory stays fixed, recent keys are found. */
    char key[64];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "a:u%d@x.test", i);
        dir_ldap_cache_put(cache, key, &mb, "s");
    }
    CHECK(dir_ldap_cache_get(cache, "a:u999@x.test", &got, &stamp) == 1);
    dir_mailbox_free(&got);
    free(stamp);
    dir_ldap_cache_free(cache);

    cache = dir_ldap_cache_new(8, 0); /* ttl 0: never remembers */
    dir_ldap_cache_put(cache, "a:bob@x.test", &mb, "s");
    CHECK(dir_ldap_cache_get(cache, "a:bob@x.test", &got, &stamp) == 0);
    dir_ldap_cache_free(cache);
}

int main(void)
{
    test_config();
    test_cache();
    return test_done("dir_ldap");
}
