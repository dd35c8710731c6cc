/* address.c and candidates.c: address syntax, and the public suffix guard on candidates. */
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "candidates.h"
#include "testutil.h"

static void check_valid(const char *text, const char *email, const char *local, const char *domain)
{
    struct address a;
    CHECK(address_parse(text, &a, NULL) == AD_OK);
    CHECK_STR(a.email, email);
    CHECK_STR(a.local, local);
    CHECK_STR(a.domain, domain);
    address_free(&a);
}

static void check_invalid(const char *text)
{
    struct address a;
    const char *why = NULL;
    ad_code rc = address_parse(text, &a, &why);
    if (rc != AD_E_BAD_ADDRESS)
        test_fail_str(__FILE__, __LINE__, "accepted", text, "rejected");
    test_checks++;
    CHECK(why != NULL && *why != '\0');
    CHECK(a.email == NULL && a.domain == NULL);
    CHECK(ad_address_problem(text) != NULL);
}

static char *repeat(char c, size_t n, const char *suffix)
{
    char *s = malloc(n + strlen(suffix) + 1);
    if (!s)
        abort();
    memset(s, c, n);
    strcpy(s + n, suffix);
    return s;
}

static void test_syntax(void)
{
    check_valid("bob@contoso.test", "bob@contoso.test", "bob", "contoso.test");
    check_valid("Bob.Smith+tag@Contoso.TEST", "Bob.Smith+tag@contoso.test", "Bob.Smith+tag",
                "contoso.test");
    check_valid("a@b-c.xn--p1ai", "a@b-c.xn--p1ai", "a", "b-c.xn--p1ai");
    check_valid("x@test", "x@test", "x", "test"); /* valid syntax; the guard stops it later */
    check_invalid("");
    check_invalid("bob");
    check_invalid("@contoso.test");
    check_invalid("bob@");
    check_invalid("bob@@contoso.test");
    check_invalid("bob@contoso@test");
    check_invalid("b ob@contoso.test");
    check_invalid("bob@contoso.test ");
    check_invalid("bob\t@contoso.test");
    check_invalid("bob\n@contoso.test");
    check_invalid(".bob@contoso.test");
    check_invalid("bob.@contoso.test");
    check_invalid("b..ob@contoso.test");
    check_invalid("\"bob\"@contoso.test");
    check_invalid("bob@contoso..test");
    check_invalid("bob@.contoso.test");
    check_invalid("bob@contoso.test.");
    check_invalid("bob@-contoso.test");
    check_invalid("bob@contoso-.test");
    check_invalid("bob@con_toso.test");
    check_invalid("bob@[192.0.2.1]");
    check_invalid("bob@contosö.test");
    CHECK(ad_address_problem("bob@contoso.test") == NULL);
    CHECK(ad_address_problem(NULL) != NULL);

    /* RFC 5321 limits: local part 64, label 63, domain 253, whole address 254. */
    char *local64 = repeat('a', 64, "@contoso.test");
    char *local65 = repeat('a', 65, "@contoso.test");
    char *label63 = repeat('b', 63, ".test");
    char *label64 = repeat('b', 64, ".test");
    struct address a;
    CHECK(address_parse(local64, &a, NULL) == AD_OK);
    address_free(&a);
    check_invalid(local65);
    char *with63 = NULL, *with64 = NULL;
    CHECK(asprintf(&with63, "x@%s", label63) > 0 && asprintf(&with64, "x@%s", label64) > 0);
    CHECK(address_parse(with63, &a, NULL) == AD_OK);
    address_free(&a);
    check_invalid(with64);
    /* Four 63-octet labels make a 255-octet domain: past both limits. */
    char *long_domain = NULL;
    CHECK(asprintf(&long_domain, "x@%s.%s.%s.%s", label63, label63, label63, label63) > 0);
    check_invalid(long_domain);
    free(local64), free(local65), free(label63), free(label64);
    free(with63), free(with64), free(long_domain);
}

/* The URLs queued for email when nothing is excluded, joined by spaces ("" for none). */
static char *candidate_urls(const char *email, const psl_ctx_t *psl, unsigned excluded)
{
    struct address a;
    if (address_parse(email, &a, NULL) != AD_OK)
        return NULL;
    struct candidate_queue q;
    candidates_init(&q);
    CHECK(candidates_add_domain_derived(&q, &a, psl, excluded) >= 0);
    size_t size = 1;
    for (size_t i = 0; i < q.count; i++)
        size += strlen(q.items[i].url) + 1;
    char *joined = calloc(1, size);
    for (size_t i = 0; joined && i < q.count; i++) {
        if (i)
            strcat(joined, " ");
        strcat(joined, q.items[i].url);
    }
    candidates_free(&q);
    address_free(&a);
    return joined;
}

static void check_candidates(const psl_ctx_t *psl, const char *email, unsigned excluded,
                             const char *want)
{
    char *got = candidate_urls(email, psl, excluded);
    CHECK_STR(got, want);
    free(got);
}

static void test_public_suffix_guard(void)
{
    const psl_ctx_t *psl = address_psl_load();
    CHECK(psl != NULL);
    CHECK(address_is_public_suffix(psl, "test"));
    CHECK(address_is_public_suffix(psl, "co.uk"));
    CHECK(address_is_public_suffix(psl, "com"));
    CHECK(!address_is_public_suffix(psl, "contoso.test"));
    CHECK(!address_is_public_suffix(psl, "example.co.uk"));
    CHECK(address_is_public_suffix(NULL, "contoso.test")); /* no list: fail closed */

    /* x@test must never give autodiscover.test; a public suffix gives nothing at all. */
    check_candidates(psl, "x@test", 0, "");
    check_candidates(psl, "x@co.uk", 0, "");
    check_candidates(psl, "x@com", 0, "");
    check_candidates(psl, "x@contoso.test", 0,
                     "https://contoso.test/autodiscover/autodiscover.xml "
                     "https://autodiscover.contoso.test/autodiscover/autodiscover.xml");
    check_candidates(psl, "x@example.co.uk", AD_METHOD_ROOT,
                     "https://autodiscover.example.co.uk/autodiscover/autodiscover.xml");
    check_candidates(psl, "x@contoso.test", AD_METHOD_AUTODISCOVER,
                     "https://contoso.test/autodiscover/autodiscover.xml");
    check_candidates(psl, "x@contoso.test", AD_METHOD_ROOT | AD_METHOD_AUTODISCOVER, "");
    address_psl_free(psl);
}

static void test_queue(void)
{
    struct candidate_queue q;
    candidates_init(&q);
    CHECK(candidates_add_host(&q, AD_METHOD_ROOT, "a.test") == 1);
    CHECK(candidates_add_host(&q, AD_METHOD_AUTODISCOVER, "A.TEST") == 0); /* duplicate */
    CHECK(candidates_add_host(&q, AD_METHOD_AUTODISCOVER, "b.test") == 1);
    const struct candidate *c = candidates_next(&q);
    CHECK(c && c->method == AD_METHOD_ROOT);
    CHECK_STR(c ? c->host : NULL, "a.test");
    c = candidates_next(&q);
    CHECK_STR(c ? c->url : NULL, "https://b.test/autodiscover/autodiscover.xml");
    CHECK(candidates_next(&q) == NULL);
    candidates_free(&q);

    unsigned bit = 99;
    CHECK(ad_method_from_name("root", &bit) == AD_OK && bit == AD_METHOD_ROOT);
    CHECK(ad_method_from_name("autodiscover", &bit) == AD_OK && bit == AD_METHOD_AUTODISCOVER);
    CHECK(ad_method_from_name("srv", &bit) == AD_OK && bit == AD_METHOD_SRV);
    CHECK(ad_method_from_name("Root", &bit) == AD_E_INVALID_ARGUMENT);
    CHECK(ad_method_from_name("dns", &bit) == AD_E_INVALID_ARGUMENT);
    CHECK_STR(method_name(AD_METHOD_ROOT), "root");
    CHECK_STR(method_name(AD_METHOD_AUTODISCOVER), "autodiscover");
}

int main(void)
{
    test_syntax();
    test_public_suffix_guard();
    test_queue();
    return test_done("address");
}
