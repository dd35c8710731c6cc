/* trust.c: the public-suffix guard and the same-registrable-domain rule. */
#include "address.h"
#include "testutil.h"
#include "trust.h"

int main(void)
{
    const psl_ctx_t *psl = address_psl_load();
    CHECK(psl != NULL);
    /* Never a request to a public suffix or to autodiscover.<public suffix>. */
    CHECK(trust_host_problem(psl, "mail.contoso.test") == NULL);
    CHECK(trust_host_problem(psl, "autodiscover.contoso.test") == NULL);
    CHECK_STR(trust_host_problem(psl, "test"), "the host is a public suffix");
    CHECK_STR(trust_host_problem(psl, "co.uk"), "the host is a public suffix");
    CHECK_STR(trust_host_problem(psl, "autodiscover.test"),
              "the host is autodiscover.<public suffix>");
    CHECK_STR(trust_host_problem(psl, "autodiscover.com.br"),
              "the host is autodiscover.<public suffix>");
    CHECK_STR(trust_host_problem(psl, "AUTODISCOVER.co.uk"),
              "the host is autodiscover.<public suffix>");
    CHECK(trust_host_problem(psl, "") != NULL);
    /* Same site: the registrable domains (eTLD+1) match. */
    CHECK(trust_same_site(psl, "contoso.test", "autodiscover.contoso.test"));
    CHECK(trust_same_site(psl, "contoso.test", "a.b.CONTOSO.test"));
    CHECK(trust_same_site(psl, "sub.contoso.test", "mail.contoso.test"));
    CHECK(!trust_same_site(psl, "contoso.test", "ad.provider.test"));
    CHECK(!trust_same_site(psl, "contoso.test", "contoso.test.evil.test"));
    CHECK(!trust_same_site(psl, "example.co.uk", "other.co.uk"));
    CHECK(!trust_same_site(psl, "contoso.test", "test")); /* a suffix has no registrable domain */
    /* The allow list: exact names, any case. */
    struct string_set allowed = {0};
    CHECK(string_set_add(&allowed, "ad.provider.test") == 0);
    CHECK(trust_host_listed(&allowed, "AD.provider.test"));
    CHECK(!trust_host_listed(&allowed, "x.ad.provider.test"));
    CHECK(!trust_host_listed(NULL, "ad.provider.test"));
    string_set_clear(&allowed);
    address_psl_free(psl);
    return test_done("trust");
}
