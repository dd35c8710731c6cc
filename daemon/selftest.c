/*
 * selftest: the checks (selftest.h). The journeys are libautodiscover's, one per path, so
 * the self-test sees what our client sees; the quirks real clients trip over are read from
 * raw answers (selftest_http.c).
 */
#include "selftest.h"

#include <autodiscover/autodiscover.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "analyzer_guard.h"
#include "selftest_http.h"
#include "xmlsafe.h"

#define ALL_METHODS                                                                                \
    (AD_METHOD_ROOT | AD_METHOD_AUTODISCOVER | AD_METHOD_REDIRECT | AD_METHOD_SRV |                \
     AD_METHOD_LOCALXML | AD_METHOD_LASTKNOWN | AD_METHOD_O365 | AD_METHOD_SCP)

struct st {
    const struct selftest_options *o;
    json_t *checks;
    json_t *hosts; /* https host -> {"ok": steps that had an answer, "tls": first TLS error} */
    char best_url[1024]; /* a POX URL that gave settings */
};

static void add(struct st *st, const char *id, const char *status, const char *title,
                const char *detail, const char *fix)
{
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "id", id, "status", status, "title", title,
                          "detail", detail ? detail : "", "fix", fix);
    if (c)
        json_array_append_new(st->checks, c);
}

static const char *host_of_url(const char *url, char *out, size_t outlen)
{
    return url && guard_url_host(url, out, outlen) ? out : NULL;
}

/* May the self-test contact host? (the analyzer's SSRF rule; always yes on the command line) */
static bool may_contact(struct st *st, const char *host, char *why, size_t whylen)
{
    return !st->o->allow_host || st->o->allow_host(st->o->allow_data, host, why, whylen);
}

/* --- journeys --- */

static ad_result *journey(struct st *st, ad_protocol protocol, unsigned only, bool creds)
{
    const struct selftest_options *o = st->o;
    ad_client *c = ad_client_new();
    if (!c)
        return NULL;
    for (size_t i = 0; i < o->nconnect_to; i++)
        ad_client_add_connect_to(c, o->connect_to[i]);
    for (size_t i = 0; i < o->nallow_redirect; i++)
        ad_client_allow_redirect_host(c, o->allow_redirect[i]);
    if (o->cacert)
        ad_client_set_cacert(c, o->cacert);
    if (o->dns_server)
        ad_client_set_dns_server(c, o->dns_server);
    ad_client_set_timeout_ms(c, o->timeout_ms > 0 ? o->timeout_ms : 10000);
    ad_client_set_sequential(c, 1);
    ad_client_set_protocol(c, protocol);
    ad_client_exclude(c, ALL_METHODS & ~only);
    if (creds && o->password && *o->password)
        ad_client_set_credentials(c, NULL, o->password);
    char probe[400];
    snprintf(probe, sizeof probe, "selftest@%s", o->domain);
    ad_result *r = NULL;
    ad_discover(c, o->address ? o->address : probe, &r);
    ad_client_free(c);
    /* Remember what each https host showed of its certificate. */
    for (size_t i = 0; r && i < ad_result_step_count(r); i++) {
        const char *url = ad_result_step_url(r, i), *reason = ad_result_step_reason(r, i);
        char host[256];
        if (!url || strncmp(url, "https://", 8) != 0 || !host_of_url(url, host, sizeof host))
            continue;
        json_t *h = json_object_get(st->hosts, host);
        if (!h) {
            h = json_object();
            json_object_set_new(st->hosts, host, h);
        }
        if (reason && strncmp(reason, "TLS", 3) == 0 && !json_object_get(h, "tls"))
            json_object_set_new(h, "tls", json_string(reason));
        if (ad_result_step_status(r, i) > 0)
            json_object_set_new(h, "ok", json_true());
    }
    return r;
}

/* true when every step failed before any answer because the host is absent or closed. */
static bool nothing_there(const ad_result *r)
{
    for (size_t i = 0; i < ad_result_step_count(r); i++) {
        const char *reason = ad_result_step_reason(r, i);
        if (ad_result_step_status(r, i) != 0 || !reason)
            return false;
        if (!strstr(reason, "resolve") && !strstr(reason, "connect") && !strstr(reason, "SRV") &&
            !strstr(reason, "no record"))
            return false;
    }
    return true;
}

/* The first step's reason that explains a failure (not a 401 retry), else the result's. */
static const char *failure_reason(const ad_result *r)
{
    for (size_t i = 0; i < ad_result_step_count(r); i++) {
        const char *d = ad_result_step_decision(r, i);
        if (d && (strcmp(d, "next-candidate") == 0 || strcmp(d, "stop") == 0 ||
                  strcmp(d, "refused-consent") == 0))
            return ad_result_step_reason(r, i);
    }
    return ad_result_reason(r);
}

static const char *fix_for(const char *reason)
{
    if (!reason)
        return NULL;
    if (strstr(reason, "certificate name"))
        return "add this host name to the certificate's subjectAltName (every Autodiscover "
               "host needs its own name in the certificate)";
    if (strstr(reason, "TLS"))
        return "serve a certificate chain clients trust (the full chain, not expired)";
    if (strstr(reason, "ErrorCode 500") || strstr(reason, "cannot be found"))
        return "the address is unknown to the directory: check the mailbox and its domain";
    if (strstr(reason, "credentials refused"))
        return "check the password (--password-file) and the mailbox's login";
    if (strstr(reason, "HTTP 404"))
        return "answer POST /autodiscover/autodiscover.xml (any case) on this host";
    return "see the step's reason in `autodiscover --log` for this path";
}

static void path_check(struct st *st, const char *id, const char *title, unsigned method,
                       const char *absent_status, const char *absent_fix)
{
    ad_result *r = journey(st, AD_PROTOCOL_POX, method, true);
    if (!r) {
        add(st, id, "fail", title, "the client could not run", NULL);
        return;
    }
    char detail[2400];
    ad_code code = ad_result_code(r);
    if (code == AD_OK) {
        snprintf(detail, sizeof detail, "settings from %s", ad_result_url(r));
        if (!st->best_url[0])
            snprintf(st->best_url, sizeof st->best_url, "%s", ad_result_url(r));
        add(st, id, "pass", title, detail, NULL);
    } else if (code == AD_E_AUTH && !(st->o->password && *st->o->password)) {
        snprintf(detail, sizeof detail, "answers and asks for credentials (%s)",
                 ad_result_reason(r));
        add(st, id, "pass", title, detail,
            "give --address and --password-file to check the answer too");
    } else if (nothing_there(r)) {
        snprintf(detail, sizeof detail, "not served: %s", failure_reason(r));
        add(st, id, absent_status, title, detail, absent_fix);
    } else {
        snprintf(detail, sizeof detail, "%s", failure_reason(r));
        add(st, id, "fail", title, detail, fix_for(failure_reason(r)));
    }
    ad_result_free(r);
}

/* SRV: the record itself is read from the DNS step of an SRV-only journey. */
static void srv_check(struct st *st)
{
    ad_result *r = journey(st, AD_PROTOCOL_POX, AD_METHOD_SRV, true);
    if (!r)
        return;
    char detail[2400] = "";
    for (size_t i = 0; i < ad_result_step_count(r); i++)
        if (ad_result_step_query(r, i)) {
            snprintf(detail, sizeof detail, "%s: %s", ad_result_step_query(r, i),
                     ad_result_step_reason(r, i));
            break;
        }
    bool record = false;
    for (size_t i = 0; i < ad_result_step_count(r); i++)
        if (!ad_result_step_query(r, i) && ad_result_step_url(r, i))
            record = true; /* a target was tried: there is a usable record */
    if (ad_result_code(r) == AD_OK ||
        (ad_result_code(r) == AD_E_AUTH && !(st->o->password && *st->o->password)))
        add(st, "srv", "pass", "DNS SRV _autodiscover._tcp", detail, NULL);
    else if (!record)
        add(st, "srv", "warn", "DNS SRV _autodiscover._tcp", detail,
            "optional: an SRV record (0 0 443 HOST) lets Outlook, the EWS Managed API and "
            "ews-javascript-api find a host outside the domain");
    else
        add(st, "srv", "fail", "DNS SRV _autodiscover._tcp", failure_reason(r),
            fix_for(failure_reason(r)));
    ad_result_free(r);
}

static void dns_check(struct st *st, const char *host, const char *id)
{
    char title[320], detail[600];
    snprintf(title, sizeof title, "DNS A/AAAA (or CNAME) for %s", host);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_CANONNAME}, *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    struct analyzer_guard g = {.connect_to = st->o->connect_to, .nconnect_to = st->o->nconnect_to};
    if (rc == 0) {
        char addr[64] = "";
        getnameinfo(res->ai_addr, res->ai_addrlen, addr, sizeof addr, NULL, 0, NI_NUMERICHOST);
        const char *canon = res->ai_canonname;
        if (canon && strcasecmp(canon, host) != 0)
            snprintf(detail, sizeof detail, "CNAME %s, address %s", canon, addr);
        else
            snprintf(detail, sizeof detail, "address %s", addr);
        add(st, id, "pass", title, detail, NULL);
        freeaddrinfo(res);
    } else if (guard_host_mapped(&g, host)) {
        snprintf(detail, sizeof detail, "not in DNS here (%s); reached through --connect-to",
                 gai_strerror(rc));
        add(st, id, "warn", title, detail, "publish an A or CNAME record before clients use it");
    } else {
        snprintf(detail, sizeof detail, "%s", gai_strerror(rc));
        add(st, id, "warn", title, detail,
            "publish an A record (or a CNAME to the Autodiscover host), or an SRV record");
    }
}

static void tls_checks(struct st *st)
{
    const char *host;
    json_t *h;
    json_object_foreach(st->hosts, host, h)
    {
        char id[300], title[320];
        snprintf(id, sizeof id, "tls:%s", host);
        snprintf(title, sizeof title, "certificate covers %s", host);
        const json_t *tls = json_object_get(h, "tls");
        if (tls)
            add(st, id, "fail", title, json_string_value(tls), fix_for(json_string_value(tls)));
        else if (json_is_true(json_object_get(h, "ok")))
            add(st, id, "pass", title, "verified: chain and host name", NULL);
    }
}

/* GET of the POX path must be refused with X-SOAP-Enabled, or SOAP clients skip the host. */
static void soap_header_check(struct st *st)
{
    char url[400], why[400], host[300];
    snprintf(host, sizeof host, "autodiscover.%s", st->o->domain);
    if (!may_contact(st, host, why, sizeof why)) {
        add(st, "soap-header", "skip", "X-SOAP-Enabled on the GET", why, NULL);
        return;
    }
    snprintf(url, sizeof url, "https://%s/autodiscover/autodiscover.xml", host);
    struct st_response r;
    st_request(st->o, "GET", url, NULL, NULL, NULL, NULL, &r);
    char detail[2400];
    if (r.status == 0) {
        snprintf(detail, sizeof detail, "%s: no answer (%s)", url, r.error);
        add(st, "soap-header", "skip", "X-SOAP-Enabled on the GET", detail, NULL);
    } else if (r.soap_enabled) {
        snprintf(detail, sizeof detail, "GET %s: %ld with X-SOAP-Enabled", url, r.status);
        add(st, "soap-header", "pass", "X-SOAP-Enabled on the GET", detail, NULL);
    } else {
        snprintf(detail, sizeof detail, "GET %s: %ld without X-SOAP-Enabled", url, r.status);
        add(st, "soap-header", "fail", "X-SOAP-Enabled on the GET", detail,
            "answer the unauthenticated GET with 401 and X-SOAP-Enabled: True (a reverse proxy "
            "must pass the header): the EWS Managed API and ews-javascript-api skip the host "
            "without it");
    }
    st_response_free(&r);
}

/* The port-80 302: https, and the path exactly lower-case for ews-javascript-api. */
static void redirect_path_check(struct st *st)
{
    char url[400], why[400], host[300], detail[1400];
    const char *title = "port-80 redirect Location";
    snprintf(host, sizeof host, "autodiscover.%s", st->o->domain);
    if (!may_contact(st, host, why, sizeof why)) {
        add(st, "redirect-path", "skip", title, why, NULL);
        return;
    }
    snprintf(url, sizeof url, "http://%s/autodiscover/autodiscover.xml", host);
    struct st_response r;
    st_request(st->o, "GET", url, NULL, NULL, NULL, NULL, &r);
    const char *loc = r.location;
    const char *path = strstr(loc, "://") ? strchr(strstr(loc, "://") + 3, '/') : NULL;
    if (r.status < 300 || r.status > 308 || !loc[0]) {
        snprintf(detail, sizeof detail, "GET %s: %s", url,
                 r.status ? "answered without a redirect" : r.error);
        add(st, "redirect-path", "skip", title, detail, NULL);
    } else if (strncasecmp(loc, "https://", 8) != 0) {
        snprintf(detail, sizeof detail, "%ld to %s", r.status, loc);
        add(st, "redirect-path", "fail", title, detail,
            "redirect to an https:// URL: clients refuse an http target");
    } else if (path && strcmp(path, "/autodiscover/autodiscover.xml") == 0) {
        snprintf(detail, sizeof detail, "%ld to %s", r.status, loc);
        add(st, "redirect-path", "pass", title, detail, NULL);
    } else {
        snprintf(detail, sizeof detail, "%ld to %s", r.status, loc);
        add(st, "redirect-path", "warn", title, detail,
            "use the path /autodiscover/autodiscover.xml exactly, lower-case: "
            "ews-javascript-api's case-sensitive check ignores any other spelling");
    }
    st_response_free(&r);
}

static bool has_charset(const char *content_type)
{
    return strcasestr(content_type, "charset=") != NULL;
}

/* The Protocol sections of a POX answer: implicit-TLS ports must say SSL on. */
static void encryption_checks(struct st *st, xmlNode *account)
{
    for (xmlNode *p = account ? account->children : NULL; p; p = p->next) {
        if (!xmlsafe_is(p, NULL, "Protocol"))
            continue;
        char *type = xmlsafe_text(xmlsafe_child(p, NULL, "Type"));
        char *port = xmlsafe_text(xmlsafe_child(p, NULL, "Port"));
        char *ssl = xmlsafe_text(xmlsafe_child(p, NULL, "SSL"));
        char *enc = xmlsafe_text(xmlsafe_child(p, NULL, "Encryption"));
        if (enc && !*enc) { /* an absent element reads as "" */
            free(enc);
            enc = NULL;
        }
        if (ssl && !*ssl) {
            free(ssl);
            ssl = NULL;
        }
        if (type &&
            (!strcasecmp(type, "IMAP") || !strcasecmp(type, "POP3") || !strcasecmp(type, "SMTP"))) {
            long n = port ? strtol(port, NULL, 10) : 0;
            bool implicit = n == 993 || n == 995 || n == 465;
            char detail[300], id[64];
            snprintf(id, sizeof id, "encryption:%s", type);
            snprintf(detail, sizeof detail, "%s port %s: SSL %s, Encryption %s", type,
                     port ? port : "-", ssl ? ssl : "-", enc ? enc : "-");
            if (implicit && ((enc && strcasecmp(enc, "SSL") != 0) ||
                             (!enc && ssl && strcasecmp(ssl, "on") != 0))) {
                add(st, id, "fail", "Encryption versus SSL", detail,
                    "an implicit-TLS port (993, 995, 465) must say <Encryption>SSL</Encryption> "
                    "(or <SSL>on</SSL>): with TLS Outlook tries STARTTLS and fails (Stalwart's "
                    "bug)");
            } else if (!implicit && n && enc && strcasecmp(enc, "SSL") == 0) {
                add(st, id, "warn", "Encryption versus SSL", detail,
                    "a STARTTLS port (143, 110, 587) should say <Encryption>TLS</Encryption>");
            } else {
                add(st, id, "pass", "Encryption versus SSL", detail, NULL);
            }
        }
        free(type);
        free(port);
        free(ssl);
        free(enc);
    }
}

static void answer_checks(struct st *st)
{
    const char *title_user = "<User> in the settings answer";
    if (!st->o->address || !st->o->password || !*st->o->password || !st->best_url[0]) {
        add(st, "answer", "skip", "the settings answer",
            st->best_url[0] ? "no address and password given" : "no path gave settings",
            "give --address and --password-file to check the answer");
        return;
    }
    char body[1200];
    snprintf(body, sizeof body,
             "<?xml version=\"1.0\" encoding=\"utf-8\"?><Autodiscover xmlns=\"http://schemas."
             "microsoft.com/exchange/autodiscover/outlook/requestschema/2006\"><Request>"
             "<EMailAddress>%s</EMailAddress><AcceptableResponseSchema>http://schemas."
             "microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
             "</AcceptableResponseSchema></Request></Autodiscover>",
             st->o->address);
    struct st_response r;
    st_request(st->o, "POST", st->best_url, body, "text/xml; charset=utf-8", st->o->address,
               st->o->password, &r);
    char detail[2400];
    snprintf(detail, sizeof detail, "%s: %ld, Content-Type %s", st->best_url, r.status,
             r.content_type[0] ? r.content_type : "(none)");
    if (has_charset(r.content_type))
        add(st, "content-type", "pass", "Content-Type with charset", detail, NULL);
    else
        add(st, "content-type", "warn", "Content-Type with charset", detail,
            "send Content-Type: text/xml; charset=utf-8");
    enum xmlsafe_error xe;
    xmlDoc *doc =
        r.body.len ? xmlsafe_parse(r.body.data, r.body.len, &xmlsafe_response_limits, &xe) : NULL;
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    xmlNode *resp = root ? xmlsafe_child(root, NULL, "Response") : NULL;
    xmlNode *account = resp ? xmlsafe_child(resp, NULL, "Account") : NULL;
    if (!account) {
        add(st, "user", "fail", title_user, "the answer has no Response/Account",
            "check the answer with autodiscover --log");
    } else {
        if (xmlsafe_child(resp, NULL, "User"))
            add(st, "user", "pass", title_user, "present", NULL);
        else
            add(st, "user", "fail", title_user, "missing",
                "always send <User> (DisplayName, AutoDiscoverSMTPAddress): exchangelib crashes "
                "without it");
        if (xmlsafe_child(account, NULL, "RedirectUrl"))
            add(st, "redirecturl-spelling", "warn", "RedirectUrl spelling",
                "the answer is a redirectUrl spelled <RedirectUrl>",
                "this is the spelling of the specification and of Exchange; exchangelib 4.9 "
                "only understands <RedirectURL> and crashes on it: nothing to change here, but "
                "expect exchangelib users to report it");
        encryption_checks(st, account);
    }
    if (doc)
        xmlFreeDoc(doc);
    st_response_free(&r);
}

/* v2: the answer for an unknown address of the domain must be the known one's, byte for byte. */
static void v2_checks(struct st *st)
{
    char host[300], why[400];
    snprintf(host, sizeof host, "autodiscover.%s", st->o->domain);
    if (!may_contact(st, host, why, sizeof why)) {
        add(st, "v2-enumeration", "skip", "v2 answers do not tell users apart", why, NULL);
        return;
    }
    unsigned char rnd[6];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        memset(rnd, 7, sizeof rnd);
    char known[400], unknown[400], url[1000];
    snprintf(known, sizeof known, "%s", st->o->address ? st->o->address : "");
    if (!known[0])
        snprintf(known, sizeof known, "postmaster@%s", st->o->domain);
    snprintf(unknown, sizeof unknown, "nobody-%02x%02x%02x%02x%02x%02x@%s", rnd[0], rnd[1], rnd[2],
             rnd[3], rnd[4], rnd[5], st->o->domain);
    struct st_response a, b;
    snprintf(url, sizeof url, "https://%s/autodiscover/autodiscover.json/v1.0/%s?Protocol=Ews",
             host, known);
    st_request(st->o, "GET", url, NULL, NULL, NULL, NULL, &a);
    snprintf(url, sizeof url, "https://%s/autodiscover/autodiscover.json/v1.0/%s?Protocol=Ews",
             host, unknown);
    st_request(st->o, "GET", url, NULL, NULL, NULL, NULL, &b);
    char detail[2400];
    if (a.status == 0) {
        snprintf(detail, sizeof detail, "no answer: %s", a.error);
        add(st, "v2", "warn", "Autodiscover v2 JSON", detail,
            "new Outlook and the mobile apps ask v2 first: serve /autodiscover/autodiscover.json");
    } else {
        snprintf(detail, sizeof detail, "%s for %s (Content-Type %s)",
                 a.status == 200 ? "answers" : "HTTP error", known,
                 a.content_type[0] ? a.content_type : "none");
        add(st, "v2", a.status == 200 ? "pass" : "warn", "Autodiscover v2 JSON", detail,
            a.status == 200 ? NULL : "configure the Ews protocol (EXPR EwsUrl) for v2");
        bool same = a.status == b.status && a.body.len == b.body.len &&
                    (a.body.len == 0 || memcmp(a.body.data, b.body.data, a.body.len) == 0);
        snprintf(detail, sizeof detail, "%s: %ld, %s: %ld%s", known, a.status, unknown, b.status,
                 same ? ", same bytes" : ", different answers");
        add(st, "v2-enumeration", same ? "pass" : "fail", "v2 answers do not tell users apart",
            detail,
            same ? NULL
                 : "answer an unknown address of an accepted domain exactly as a known "
                   "one: otherwise v2 (unauthenticated) lists your mailboxes");
        if (a.status == 200 && !has_charset(a.content_type))
            add(st, "v2-content-type", "warn", "v2 Content-Type with charset", a.content_type,
                "send Content-Type: application/json; charset=utf-8");
    }
    st_response_free(&a);
    st_response_free(&b);
}

static void protocol_check(struct st *st, ad_protocol proto, const char *id, const char *title)
{
    ad_result *r = journey(st, proto, ALL_METHODS, true);
    if (!r)
        return;
    ad_code code = ad_result_code(r);
    char detail[2400];
    if (code == AD_OK || (code == AD_E_AUTH && !(st->o->password && *st->o->password))) {
        snprintf(detail, sizeof detail, "%s", ad_result_reason(r));
        add(st, id, "pass", title, detail, NULL);
    } else {
        snprintf(detail, sizeof detail, "%s", failure_reason(r));
        add(st, id, "fail", title, detail, fix_for(failure_reason(r)));
    }
    ad_result_free(r);
}

json_t *selftest_run(const struct selftest_options *o)
{
    struct st st = {.o = o, .checks = json_array(), .hosts = json_object()};
    if (!st.checks || !st.hosts) {
        json_decref(st.checks);
        json_decref(st.hosts);
        return NULL;
    }
    char auto_host[300], why[400];
    snprintf(auto_host, sizeof auto_host, "autodiscover.%s", o->domain);
    if (!may_contact(&st, o->domain, why, sizeof why) ||
        !may_contact(&st, auto_host, why, sizeof why)) {
        add(&st, "reach", "fail", "the deployment may be reached", why,
            "the analyzer refuses loopback and link-local hosts unless allow-local is on");
    } else {
        dns_check(&st, o->domain, "dns:root");
        dns_check(&st, auto_host, "dns:autodiscover");
        path_check(&st, "root", "POX on https://DOMAIN", AD_METHOD_ROOT, "warn",
                   "clients try the root domain first: make sure it fails fast (closed port) or "
                   "answers");
        path_check(&st, "autodiscover", "POX on https://autodiscover.DOMAIN",
                   AD_METHOD_AUTODISCOVER, "warn",
                   "serve autodiscover.DOMAIN, or the redirect or SRV below");
        path_check(&st, "redirect", "HTTP redirect (port 80)", AD_METHOD_REDIRECT, "warn",
                   "optional: a 302 from http://autodiscover.DOMAIN to the https host");
        srv_check(&st);
        protocol_check(&st, AD_PROTOCOL_SOAP, "soap", "SOAP (autodiscover.svc)");
        protocol_check(&st, AD_PROTOCOL_JSON, "json", "v2 then POX (new Outlook)");
        tls_checks(&st);
        soap_header_check(&st);
        redirect_path_check(&st);
        answer_checks(&st);
        v2_checks(&st);
        int pox = 0;
        for (size_t i = 0; i < json_array_size(st.checks); i++) {
            const char *id = json_string_value(json_object_get(json_array_get(st.checks, i), "id"));
            const char *s =
                json_string_value(json_object_get(json_array_get(st.checks, i), "status"));
            if ((!strcmp(id, "root") || !strcmp(id, "autodiscover") || !strcmp(id, "redirect") ||
                 !strcmp(id, "srv")) &&
                !strcmp(s, "pass"))
                pox++;
        }
        if (pox == 0)
            add(&st, "any-path", "fail", "at least one POX path answers",
                "no path gave an Autodiscover answer",
                "serve https://autodiscover.DOMAIN/autodiscover/autodiscover.xml");
    }
    unsigned counts[3] = {0};
    for (size_t i = 0; i < json_array_size(st.checks); i++) {
        const char *s = json_string_value(json_object_get(json_array_get(st.checks, i), "status"));
        counts[!strcmp(s, "pass")   ? 0
               : !strcmp(s, "warn") ? 1
               : !strcmp(s, "fail") ? 2
                                    : 1] += strcmp(s, "skip") != 0;
    }
    json_t *report =
        json_pack("{s:{s:s, s:s?, s:s, s:i, s:i, s:i}, s:o}", "selftest", "domain", o->domain,
                  "address", o->address, "verdict",
                  counts[2]   ? "some checks failed"
                  : counts[1] ? "passed with warnings"
                              : "all checks passed",
                  "pass", counts[0], "warn", counts[1], "fail", counts[2], "checks", st.checks);
    json_decref(st.hosts);
    return report;
}

int selftest_exit_status(const json_t *report)
{
    return json_integer_value(json_object_get(json_object_get(report, "selftest"), "fail")) > 0;
}
