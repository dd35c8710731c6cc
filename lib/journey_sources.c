/*
 * journey_sources: where the candidates of a pass come from, in the order of PROTOCOL.md
 * §1.3: local XML (when preferred), the last-known-good cache, the explicit hosted endpoint,
 * SCP (a hook: nothing yet), the two domain-derived URLs, local XML (when not preferred),
 * the unauthenticated port-80 probe, DNS SRV. The probe and SRV are candidates of their own
 * kind: running them inserts what they found as the next candidates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "dns.h"
#include "journey.h"
#include "localxml.h"
#include "scp_journey.h"
#include "trust.h"
#include "xmlsafe.h"

#define AUTODISCOVER_PATH "/autodiscover/autodiscover.xml"
#define HTTPS_PORT 443

static bool wanted(const struct discovery *d, unsigned method)
{
    return !(d->client->excluded & method);
}

/* Appends a candidate of kind for method; the count of added ones goes to *added. */
static int queue(struct discovery *d, unsigned method, enum candidate_kind kind, const char *url,
                 const char *host, int *added)
{
    struct candidate c = {.method = method, .kind = kind, .url = (char *)url, .host = (char *)host};
    int rc = candidates_append(&d->queue, &c);
    if (rc > 0)
        (*added)++;
    return rc < 0 ? -1 : 0;
}

static int queue_localxml(struct discovery *d, int *added)
{
    const char *path = localxml_lookup(&d->client->local_xml, d->addr.email, d->addr.domain);
    if (!path || !wanted(d, AD_METHOD_LOCALXML))
        return 0;
    return queue(d, AD_METHOD_LOCALXML, CANDIDATE_LOCALXML, path, NULL, added);
}

/* A POST candidate for a full URL (cache, hosted endpoint). */
static int queue_url(struct discovery *d, unsigned method, const char *url, int *added)
{
    char *host = redirect_url_host(url);
    if (!host)
        return -1;
    int rc = queue(d, method, CANDIDATE_POST, url, host, added);
    free(host);
    return rc;
}

static int queue_lastknown(struct discovery *d, int *added)
{
    if (!d->client->cache_dir || !wanted(d, AD_METHOD_LASTKNOWN))
        return 0;
    char *url = cache_lookup(d->client->cache_dir, d->addr.email, time(NULL));
    int rc = url ? queue_url(d, AD_METHOD_LASTKNOWN, url, added) : 0;
    free(url);
    return rc;
}

/* The probe and SRV: DNS-derived, so never for a public-suffix domain (§8 rule 2). */
static int queue_last_ditch(struct discovery *d, int *added)
{
    const char *domain = d->addr.domain;
    if (address_is_public_suffix(d->client->psl, domain))
        return 0;
    char *name = NULL;
    int rc = 0;
    if (wanted(d, AD_METHOD_REDIRECT)) {
        if (asprintf(&name, "autodiscover.%s", domain) < 0)
            return -1;
        char *url = NULL;
        if (trust_host_problem(d->client->psl, name) == NULL &&
            asprintf(&url, "http://%s" AUTODISCOVER_PATH, name) < 0)
            rc = -1;
        if (rc == 0 && url)
            rc = queue(d, AD_METHOD_REDIRECT, CANDIDATE_PROBE, url, name, added);
        free(url);
        free(name);
        name = NULL;
    }
    if (rc == 0 && wanted(d, AD_METHOD_SRV)) {
        if (asprintf(&name, "_autodiscover._tcp.%s", domain) < 0)
            return -1;
        rc = queue(d, AD_METHOD_SRV, CANDIDATE_SRV, name, NULL, added);
        free(name);
    }
    return rc;
}

int journey_queue_pass(struct discovery *d)
{
    if (d->client->protocol == AD_PROTOCOL_JSON)
        return journey_queue_v2(d); /* v2 JSON has its own two candidates (client_v2.c) */
    int added = 0;
    bool prefer = d->client->prefer_local_xml;
    if ((prefer && queue_localxml(d, &added) < 0) || queue_lastknown(d, &added) < 0)
        return -1;
    if (d->client->o365_url && wanted(d, AD_METHOD_O365) &&
        queue_url(d, AD_METHOD_O365, d->client->o365_url, &added) < 0)
        return -1;
    /* SCP (step 3): an LDAP look-up now, its URLs queued in site-bucket order. */
    if (journey_queue_scp(d, &added) < 0)
        return -1;
    int derived =
        candidates_add_domain_derived(&d->queue, &d->addr, d->client->psl, d->client->excluded);
    if (derived < 0)
        return -1;
    added += derived;
    if ((!prefer && queue_localxml(d, &added) < 0) || queue_last_ditch(d, &added) < 0)
        return -1;
    return added;
}

/* Judges the probe's answer: only a 301/302 to a valid https Autodiscover URL is taken. */
static int judge_probe(struct discovery *d, const struct candidate *cand,
                       const struct http_response *resp, struct verdict *v)
{
    if (resp->outcome != HTTP_DONE) {
        verdict_set(v, OUTCOME_UNREACHABLE, OUTLOOK_CODE_UNREACHABLE, "%s",
                    resp->detail ? resp->detail : "transfer failed");
        return 0;
    }
    long status = resp->status;
    if (status != 301 && status != 302) {
        verdict_set(v, OUTCOME_BAD_ANSWER, OUTLOOK_CODE_GENERIC,
                    "HTTP %ld %s: ignored (the probe takes only a 301/302 redirect)", status,
                    verdict_status_text(status));
        return 0;
    }
    const char *location = resp->location;
    verdict_set(v, OUTCOME_REDIRECT, OUTLOOK_CODE_URL_REDIRECT, "%ld %s to %s", status,
                verdict_status_text(status), location ? location : "(no Location)");
    const char *why = location ? redirect_url_problem(location) : "no Location";
    char *host;
    if (trust_url_host(d->client->psl, location, &why, &host) < 0)
        return -1;
    int rc = 0;
    if (why) {
        verdict_amend(v, STEP_NEXT_CANDIDATE, "ignored (%s)", why);
    } else {
        /* Not a hop: the probe is a source of candidates, like SRV; consent comes next. */
        struct candidate next = {.method = AD_METHOD_REDIRECT,
                                 .url = (char *)location,
                                 .host = host,
                                 .needs_consent = true,
                                 .redirected_from = cand->url};
        rc = candidates_insert(&d->queue, 0, &next);
        verdict_amend(v, STEP_FOLLOW_REDIRECT, "taken as the next candidate");
    }
    free(host);
    return rc;
}

int journey_run_probe(struct discovery *d, const struct candidate *cand, struct verdict *v)
{
    struct fetch f;
    int rc = 0;
    if (schedule_fetch(d, cand, false, &f) < 0) {
        if (f.resp.outcome == HTTP_FAIL_NOMEM)
            rc = -1;
        else
            verdict_set(v, OUTCOME_INTERNAL, OUTLOOK_CODE_NONE, "libcurl refused the request");
    } else {
        rc = judge_probe(d, cand, &f.resp, v);
        schedule_annotate(&f, v);
    }
    if (rc == 0)
        rc = journey_add_step(d, cand, cand->url, (int)f.resp.status, f.resp.elapsed_ms,
                              STEP_AUTH_NONE, v);
    http_response_free(&f.resp);
    return rc;
}

/* Why a record is not used, or NULL. */
static const char *srv_record_problem(const struct discovery *d, const struct srv_record *r)
{
    if (!r->target[0] || strcmp(r->target, ".") == 0)
        return "no service (target \".\")";
    if (r->port != HTTPS_PORT)
        return "not port 443";
    return trust_host_problem(d->client->psl, r->target);
}

/* Queues the usable records in order, notes the rest; the reason lists both. */
static int queue_srv_targets(struct discovery *d, const struct candidate *cand,
                             struct dns_srv_answer *a, struct verdict *v)
{
    srv_order(a->records, a->count, &d->rng);
    char used[512] = "", ignored[512] = "";
    size_t nused = 0;
    for (size_t i = 0; i < a->count; i++) {
        const struct srv_record *r = &a->records[i];
        const char *why = srv_record_problem(d, r);
        char *list = why ? ignored : used;
        size_t len = strlen(list);
        snprintf(list + len, sizeof used - len, "%s%s%s%s%s", len ? ", " : "", r->target,
                 why ? " (" : "", why ? why : "", why ? ")" : "");
        if (why)
            continue;
        char *url = NULL;
        if (asprintf(&url, "https://%s" AUTODISCOVER_PATH, r->target) < 0)
            return -1;
        struct candidate next = {.method = AD_METHOD_SRV,
                                 .url = url,
                                 .host = r->target,
                                 .needs_consent = true,
                                 .redirected_from = NULL};
        int rc = candidates_insert(&d->queue, nused++, &next);
        free(url);
        if (rc < 0)
            return -1;
    }
    if (nused)
        verdict_set(v, OUTCOME_UNREACHABLE, OUTLOOK_CODE_NONE,
                    "%zu target%s to try in order: %s%s%s", nused, nused == 1 ? "" : "s", used,
                    ignored[0] ? "; ignored: " : "", ignored);
    else
        verdict_set(v, OUTCOME_UNREACHABLE, OUTLOOK_CODE_UNREACHABLE,
                    "no usable record; ignored: %s", ignored);
    (void)cand;
    return 0;
}

int journey_run_srv(struct discovery *d, const struct candidate *cand, struct verdict *v)
{
    struct dns_srv_answer a;
    dns_query_srv(cand->url, d->client->dns_server, journey_attempt_timeout(d), &a);
    int rc = 0;
    if (a.outcome == DNS_NOMEM)
        rc = -1;
    else if (a.outcome == DNS_ANSWER)
        rc = queue_srv_targets(d, cand, &a, v);
    else
        verdict_set(v, OUTCOME_UNREACHABLE, OUTLOOK_CODE_UNREACHABLE, "%s",
                    a.detail ? a.detail : "no answer");
    char query[320];
    snprintf(query, sizeof query, "%s SRV", cand->url);
    struct result_step *s = NULL;
    if (rc == 0 && journey_add_step(d, cand, NULL, 0, a.elapsed_ms, STEP_AUTH_NONE, v) < 0)
        rc = -1;
    if (rc == 0 && (s = result_last_step(d->result)) && result_step_set_query(s, query) < 0)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < a.count; i++) {
        char line[320];
        const struct srv_record *r = &a.records[i];
        snprintf(line, sizeof line, "%u %u %u %s", r->priority, r->weight, r->port, r->target);
        rc = result_step_add_answer(s, line);
    }
    dns_srv_answer_free(&a);
    return rc;
}

int journey_run_localxml(struct discovery *d, const struct candidate *cand,
                         struct pox_response *answer, struct verdict *v)
{
    struct adbuf body;
    adbuf_init(&body, XMLSAFE_RESPONSE_MAX_BYTES);
    const char *why = NULL;
    if (localxml_read(cand->url, &body, &why) < 0) {
        if (strcmp(why, "out of memory") == 0) {
            adbuf_free(&body);
            return -1;
        }
        verdict_set(v, OUTCOME_BAD_ANSWER, OUTLOOK_CODE_NO_DATA, "cannot read %s: %s", cand->url,
                    why);
    } else {
        verdict_judge_body(body.data ? body.data : "", body.len, answer, v);
    }
    adbuf_free(&body);
    (void)d;
    return 0;
}

long journey_answer_ttl(const struct pox_response *answer)
{
    long ttl = -1;
    for (size_t p = 0; p < answer->nprotocols; p++) {
        const struct pox_protocol *proto = &answer->protocols[p];
        for (size_t f = 0; f < proto->nfields; f++) {
            if (strcmp(proto->fields[f].path, "TTL") != 0)
                continue;
            char *end = NULL;
            long hours = strtol(proto->fields[f].value, &end, 10);
            if (end != proto->fields[f].value && *end == '\0' && hours >= 0 &&
                (ttl < 0 || hours < ttl))
                ttl = hours;
        }
    }
    return ttl < 0 ? CACHE_DEFAULT_TTL_HOURS : ttl;
}
