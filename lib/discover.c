/*
 * discover: the engine. A discovery runs one pass per address (a redirectAddr starts a new
 * pass for the new address, with a fresh queue). A pass is a queue of candidates
 * (candidates.h) in PROTOCOL.md §1.3 order; a POST candidate gets an anonymous POST, then, on
 * a 401 from a validated https server offering Basic, the same POST with credentials. Every
 * attempt becomes one step of the journey. Redirects are followed here, by inserting the
 * target as the next candidate, under the rules of redirect.h and trust.h; the libcurl layer
 * never follows anything. The first settings answer wins; otherwise the best failure explains
 * the outcome (an Autodiscover error beats a refusal of credentials, which beats a redirect
 * not followed, which beats an unusable answer, which beats no answer).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "cache.h"
#include "client_mobilesync.h"
#include "client_soap.h"
#include "journey.h"
#include "trust.h"
#include "xmlsafe.h"

long journey_remaining_ms(const struct discovery *d)
{
    if (atomic_load(&d->client->cancelled))
        return 0; /* cancelled: every later wait is cut to nothing */
    if (!d->has_deadline)
        return LONG_MAX;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (long)((d->deadline.tv_sec - now.tv_sec) * 1000 +
                     (d->deadline.tv_nsec - now.tv_nsec) / 1000000);
    return ms > 0 ? ms : 0;
}

long journey_attempt_timeout(const struct discovery *d)
{
    long remaining = journey_remaining_ms(d);
    return remaining < d->client->timeout_ms ? (remaining > 0 ? remaining : 1)
                                             : d->client->timeout_ms;
}

int journey_stop(struct discovery *d, ad_code code, const char *fmt, ...)
{
    if (d->stopped)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&d->stop_reason, fmt, ap);
    va_end(ap);
    if (n < 0) {
        d->stop_reason = NULL;
        return -1;
    }
    d->stopped = true;
    d->stop_code = code;
    return 0;
}

int journey_add_step(struct discovery *d, const struct candidate *cand, const char *url, int status,
                     long elapsed_ms, enum step_auth auth, const struct verdict *v)
{
    if (result_add_step(d->result, method_name(cand->method), url, status, v->code, elapsed_ms,
                        auth, v->decision, v->reason) < 0)
        return -1;
    struct result_step *s = result_last_step(d->result);
    if (result_step_set_context(s, d->addr.email, cand->hop, cand->redirected_from) < 0)
        return -1;
    journey_trace(d, s);
    return 0;
}

/* Remembers a failure if it is the best so far (the first of equals wins). */
static int note_failure(struct discovery *d, const char *where, const struct verdict *v)
{
    if (d->best_reason && v->outcome <= d->best)
        return 0;
    char *reason = NULL;
    if (asprintf(&reason, "%s: %s", where, v->reason) < 0)
        return -1;
    free(d->best_reason);
    d->best_reason = reason;
    d->best = v->outcome;
    return 0;
}

/* A redirect to a URL (3xx, redirectUrl): follow it next, or say why not. */
static int follow_url(struct discovery *d, const struct candidate *cand, struct verdict *v)
{
    int max = d->client->max_redirects;
    const char *why = d->client->protocol == AD_PROTOCOL_SOAP ? redirect_soap_url_problem(v->target)
                                                              : redirect_url_problem(v->target);
    char *host;
    if (trust_url_host(d->client->psl, v->target, &why, &host) < 0)
        return -1;
    int rc = 0;
    if (why) {
        verdict_amend(v, STEP_NEXT_CANDIDATE, "not followed (%s)", why);
    } else if (string_set_contains(&d->chain_urls, v->target)) {
        verdict_amend(v, STEP_STOP, "redirect loop: %s was already asked in this chain", v->target);
        rc = journey_stop(d, AD_E_REDIRECT_LIMIT, "redirect loop: %s redirected back to %s",
                          cand->url, v->target);
    } else if (string_set_contains(&d->visited_urls, v->target)) {
        verdict_amend(v, STEP_NEXT_CANDIDATE, "not followed (already tried for this address)");
    } else if (d->hops >= max) {
        verdict_amend(v, STEP_STOP, "redirect limit of %d reached", max);
        rc = journey_stop(d, AD_E_REDIRECT_LIMIT, "redirect limit of %d reached at %s", max,
                          cand->url);
    } else {
        d->hops++;
        struct candidate next = {.method = cand->method,
                                 .url = v->target,
                                 .host = host,
                                 .untrusted = cand->untrusted,
                                 .hop = d->hops,
                                 .redirected_from = cand->url};
        rc = candidates_insert(&d->queue, 0, &next);
        verdict_amend(v, STEP_FOLLOW_REDIRECT, "following (redirect %d of at most %d)", d->hops,
                      max);
    }
    free(host);
    return rc;
}

/* redirectAddr: start over for the new address, or say why not. */
static int follow_address(struct discovery *d, struct verdict *v)
{
    int max = d->client->max_redirects;
    struct address next;
    const char *why = NULL;
    ad_code parsed = address_parse(v->target, &next, &why);
    if (parsed == AD_E_NOMEM)
        return -1;
    int rc = 0;
    if (parsed != AD_OK) {
        verdict_amend(v, STEP_NEXT_CANDIDATE, "not followed (not a valid address: %s)",
                      why ? why : "empty");
    } else if (strcasecmp(next.email, d->addr.email) == 0) {
        verdict_amend(v, STEP_NEXT_CANDIDATE,
                      "the address just sent: this URL is not valid for it");
    } else if (string_set_contains(&d->visited_addrs, next.email)) {
        verdict_amend(v, STEP_STOP, "address loop: %s was already discovered", next.email);
        rc = journey_stop(d, AD_E_REDIRECT_LIMIT, "redirectAddr loop: %s leads back to %s",
                          d->addr.email, next.email);
    } else if (d->hops >= max) {
        verdict_amend(v, STEP_STOP, "redirect limit of %d reached", max);
        rc = journey_stop(d, AD_E_REDIRECT_LIMIT, "redirect limit of %d reached at %s", max,
                          next.email);
    } else {
        d->hops++;
        free(d->restart_address);
        if (!(d->restart_address = strdup(next.email)))
            rc = -1;
        verdict_amend(v, STEP_RESTART_WITH_ADDRESS,
                      "starting over for %s (redirect %d of at most %d)", next.email, d->hops, max);
    }
    address_free(&next);
    return rc;
}

/* What a redirect verdict leads to (shared by POST answers and local XML files). */
static int apply_redirect(struct discovery *d, const struct candidate *cand, struct verdict *v)
{
    if (v->redirect == REDIRECT_URL)
        return follow_url(d, cand, v);
    if (v->redirect == REDIRECT_ADDR)
        return follow_address(d, v);
    if (v->outcome == OUTCOME_REDIRECT)
        verdict_amend(v, STEP_NEXT_CANDIDATE, "not followed (no usable target)");
    return 0;
}

/*
 * The "switcheroo" (PROTOCOL.md §8): only Basic, from a host that needed consent or after a
 * stronger scheme was offered in this journey, gets no password without the opt-in.
 */
static void guard_basic(const struct discovery *d, const struct candidate *cand,
                        const struct http_response *resp, struct verdict *v)
{
    if (v->outcome != OUTCOME_NEEDS_AUTH || d->client->allow_basic_after_redirect ||
        resp->offers_strong || !(cand->untrusted || d->seen_strong_auth))
        return;
    verdict_set(v, OUTCOME_AUTH_REFUSED, OUTLOOK_CODE_NONE,
                "401 Unauthorized: only Basic offered by %s %s; credentials withheld (allow "
                "with --allow-basic-after-redirect)",
                cand->host,
                cand->untrusted ? "(reached through the port-80 probe or SRV)"
                                : "after Negotiate/NTLM was offered earlier");
}

/* One request, taken from the schedule; v says what came of it. 0 or -1 (OOM). */
static int fetch_and_judge(struct discovery *d, const struct candidate *cand, bool with_credentials,
                           struct answer *answer, struct fetch *f, struct verdict *v)
{
    if (schedule_fetch(d, cand, with_credentials, f) < 0) {
        if (f->resp.outcome == HTTP_FAIL_NOMEM)
            return -1;
        verdict_set(v, OUTCOME_INTERNAL, OUTLOOK_CODE_NONE, "libcurl refused the request");
        return 0;
    }
    if (!with_credentials && journey_ask_credentials(d, cand->url, &f->resp) < 0)
        return -1;
    verdict_judge(&f->resp, journey_post_protocol(d), with_credentials,
                  journey_password(d) != NULL, answer, v);
    return 0;
}

/* One request (retried on timeout), recorded as steps. *answer holds settings if any. */
static int attempt(struct discovery *d, const struct candidate *cand, bool with_credentials,
                   struct answer *answer, struct verdict *v)
{
    ad_client *c = d->client;
    enum step_auth auth = with_credentials ? STEP_AUTH_BASIC : STEP_AUTH_NONE;
    struct fetch f;
    for (int tries = 0;; tries++) {
        int rc = fetch_and_judge(d, cand, with_credentials, answer, &f, v);
        if (rc < 0 || v->outcome == OUTCOME_INTERNAL) {
            http_response_free(&f.resp);
            if (rc < 0)
                return -1;
            break;
        }
        if (f.resp.outcome != HTTP_FAIL_TIMEOUT || tries >= c->retries ||
            journey_remaining_ms(d) == 0)
            break;
        verdict_amend(v, STEP_RETRY_AFTER_TIMEOUT, "retry %d of %d", tries + 1, c->retries);
        rc = journey_add_step(d, cand, cand->url, 0, f.resp.elapsed_ms, auth, v);
        if (rc == 0)
            rc = result_step_set_http(result_last_step(d->result), &f.resp);
        http_response_free(&f.resp);
        if (rc < 0)
            return -1;
    }
    const struct http_response *resp = &f.resp;
    guard_basic(d, cand, resp, v);
    if (resp->status == 401 && resp->offers_strong)
        d->seen_strong_auth = true;
    int rc = apply_redirect(d, cand, v);
    schedule_annotate(&f, v);
    if (rc == 0)
        rc = journey_add_step(d, cand, cand->url, (int)resp->status, resp->elapsed_ms, auth, v);
    /* The step's TLS outcome and the schemes a 401 offered (never a header's value). */
    if (rc == 0)
        rc = result_step_set_http(result_last_step(d->result), resp);
    http_response_free(&f.resp);
    return rc;
}

/* Whether a host learnt from an unauthenticated source may be contacted. */
static bool consent_given(struct discovery *d, const struct candidate *cand, struct verdict *v)
{
    ad_client *c = d->client;
    if (trust_consent_settled(c->psl, &c->allowed_hosts, d->addr.domain, cand->host))
        return true;
    char why[512];
    snprintf(why, sizeof why, "%s was learnt from %s and is outside %s", cand->host,
             cand->method == AD_METHOD_SRV    ? "DNS SRV"
             : cand->method == AD_METHOD_JSON ? "an Autodiscover v2 (JSON) answer"
                                              : "the unauthenticated port-80 probe",
             d->addr.domain);
    if (c->consent && c->consent(c->consent_data, d->addr.email, cand->url, why))
        return true;
    verdict_set(v, OUTCOME_REDIRECT, OUTLOOK_CODE_NONE,
                "consent refused: %s; nothing sent (allow it with --allow-redirect %s)", why,
                cand->host);
    v->decision = STEP_REFUSED_CONSENT;
    return false;
}

/*
 * SOAP: the capability GET first (journey_soap.c), then the POST goes to the candidate's
 * autodiscover.svc with a request addressed (wsa:To) to it. *post is cand with that URL
 * (*endpoint holds it, for the caller to free). 1 go on, 0 skipped (step recorded), -1 OOM.
 */
static int prepare_soap(struct discovery *d, const struct candidate *cand, struct candidate *post,
                        char **endpoint, struct verdict *v)
{
    int capable = journey_soap_capable(d, cand, v);
    if (capable <= 0)
        return capable;
    if (!(*endpoint = client_soap_endpoint(cand->url)))
        return -1;
    post->url = *endpoint;
    const ad_client *c = d->client;
    return client_soap_request(d->addr.email, *endpoint, c->settings, c->nsettings,
                               &d->request) < 0
               ? -1
               : 1;
}

/*
 * --pre-auth: credentials on the first POST, only to a host the user trusts without being
 * asked (its own registrable domain, an allowed host, or a source that is already trusted:
 * SCP, the cache, the o365 URL), and never along a chain that went through a consent host.
 */
static bool pre_auth_allowed(const struct discovery *d, const struct candidate *cand)
{
    const ad_client *c = d->client;
    if (!c->pre_auth || cand->untrusted || !journey_password(d))
        return false;
    if (cand->method == AD_METHOD_SCP || cand->method == AD_METHOD_LASTKNOWN ||
        cand->method == AD_METHOD_O365)
        return true;
    return trust_consent_settled(c->psl, &c->allowed_hosts, d->addr.domain, cand->host);
}

/* The POST (and its retry with credentials) of a candidate not tried yet in this pass. */
static int post_once(struct discovery *d, struct candidate *cand, struct answer *answer,
                     struct verdict *v, bool *skipped)
{
    if (string_set_contains(&d->visited_urls, cand->url)) {
        *skipped = true;
        return 0;
    }
    if (string_set_add(&d->visited_urls, cand->url) < 0 ||
        string_set_add(&d->chain_urls, cand->url) < 0)
        return -1;
    bool pre = pre_auth_allowed(d, cand);
    if (attempt(d, cand, pre, answer, v) < 0)
        return -1;
    if (!pre && v->outcome == OUTCOME_NEEDS_AUTH && attempt(d, cand, true, answer, v) < 0)
        return -1;
    return 0;
}

/* A POST candidate; *skipped when it was already tried in this pass (no step then). */
static int run_post(struct discovery *d, struct candidate *cand, struct answer *answer,
                    struct verdict *v, bool *skipped)
{
    *skipped = false;
    const char *why = trust_host_problem(d->client->psl, cand->host);
    if (why) {
        verdict_set(v, OUTCOME_UNREACHABLE, OUTLOOK_CODE_NONE, "not contacted: %s", why);
        return journey_add_step(d, cand, cand->url, 0, 0, STEP_AUTH_NONE, v);
    }
    if (cand->needs_consent && !consent_given(d, cand, v))
        return journey_add_step(d, cand, cand->url, 0, 0, STEP_AUTH_NONE, v);
    if (cand->needs_consent && !trust_same_site(d->client->psl, d->addr.domain, cand->host))
        cand->untrusted = true;
    if (d->client->protocol != AD_PROTOCOL_SOAP)
        return post_once(d, cand, answer, v, skipped);
    struct candidate post = *cand;
    char *endpoint = NULL;
    int rc = prepare_soap(d, cand, &post, &endpoint, v);
    if (rc > 0)
        rc = post_once(d, &post, answer, v, skipped);
    free(endpoint);
    return rc < 0 ? -1 : 0;
}

/* The URL that answered: a SOAP POST went to the .svc of its candidate. */
static const char *last_posted_url(const struct discovery *d, const struct candidate *cand)
{
    const struct result_step *s = d->result->nsteps ? &d->result->steps[d->result->nsteps - 1]
                                                     : NULL;
    return s && s->decision == STEP_SUCCESS && s->url && *s->url ? s->url : cand->url;
}

static int store_in_cache(struct discovery *d, const char *url)
{
    ad_client *c = d->client;
    if (!c->cache_dir || (c->excluded & AD_METHOD_LASTKNOWN))
        return 0;
    /* A cache is only a shortcut: failing to write one is a warning, not a failure. */
    if (cache_store(c->cache_dir, d->requested, url, journey_answer_ttl(&d->result->answer),
                    time(NULL)) < 0)
        return result_add_warning(d->result, "last-known-good cache not written: %s: %s",
                                  c->cache_dir, strerror(errno));
    return 0;
}

/* The settings of a SOAP or v2 answer, by name, into the result. */
static int keep_settings(struct ad_result *r, const struct answer *answer)
{
    if (answer->has_soap && answer->soap.nresponses > 0 &&
        client_soap_to_result(r, &answer->soap.responses[0]) < 0)
        return -1;
    if (answer->v2_url && (result_add_setting(r, "Protocol", answer->v2_protocol) < 0 ||
                           result_add_setting(r, "Url", answer->v2_url) < 0))
        return -1;
    return 0;
}

/* Settings: the answer goes into the result and the journey ends. */
static int succeed(struct discovery *d, const struct candidate *cand, struct answer *answer)
{
    const char *url = last_posted_url(d, cand);
    if (keep_settings(d->result, answer) < 0 ||
        result_set_answer(d->result, url, method_name(cand->method), &answer->pox) < 0)
        return -1;
    d->result->from_cache = cand->method == AD_METHOD_LASTKNOWN;
    /* A SOAP URL (.svc) is no candidate for the other protocols: it is not cached. */
    if (cand->kind == CANDIDATE_POST && d->client->protocol != AD_PROTOCOL_SOAP &&
        store_in_cache(d, url) < 0)
        return -1;
    return result_set_outcome(d->result, AD_OK, "settings from %s", url);
}

/* A last-known-good URL that did not lead anywhere is forgotten. */
static void drop_failed_cache_entry(struct discovery *d, const struct candidate *cand,
                                    const struct verdict *v)
{
    if (cand->method == AD_METHOD_LASTKNOWN && cand->hop == 0 && d->client->cache_dir &&
        v->decision != STEP_FOLLOW_REDIRECT && v->decision != STEP_RESTART_WITH_ADDRESS)
        cache_drop(d->client->cache_dir, d->addr.email);
}

/* One candidate of any kind. 1 when the pass is over (settings, stop, restart), 0, -1. */
static int run_candidate(struct discovery *d, struct candidate *cand)
{
    struct verdict v = {.outcome = OUTCOME_UNREACHABLE};
    struct answer answer = {0};
    bool skipped = false;
    int rc;
    if (cand->hop == 0)
        string_set_clear(&d->chain_urls); /* a new redirect chain starts */
    switch (cand->kind) {
    case CANDIDATE_PROBE:
        rc = journey_run_probe(d, cand, &v);
        break;
    case CANDIDATE_SRV:
        rc = journey_run_srv(d, cand, &v);
        break;
    case CANDIDATE_LOCALXML:
        rc = journey_run_localxml(d, cand, &answer.pox, &v);
        if (rc == 0 && v.outcome != OUTCOME_SETTINGS)
            rc = apply_redirect(d, cand, &v);
        if (rc == 0)
            rc = journey_add_step(d, cand, cand->url, 0, 0, STEP_AUTH_NONE, &v);
        break;
    case CANDIDATE_V2JSON:
        rc = journey_run_v2(d, cand, &answer, &v);
        break;
    default:
        rc = run_post(d, cand, &answer, &v, &skipped);
        break;
    }
    if (rc == 0 && v.outcome == OUTCOME_SETTINGS && !skipped)
        rc = succeed(d, cand, &answer);
    answer_free(&answer);
    if (rc < 0)
        return -1;
    if (skipped)
        return 0;
    if (v.outcome == OUTCOME_SETTINGS)
        return 1;
    drop_failed_cache_entry(d, cand, &v);
    if (v.outcome == OUTCOME_INTERNAL)
        return journey_stop(d, AD_E_INTERNAL, "%s: %s", cand->url, v.reason) < 0 ? -1 : 1;
    if (note_failure(d, cand->url, &v) < 0)
        return -1;
    return d->stopped || d->restart_address ? 1 : 0;
}

/* The request body of a pass (a SOAP one is rewritten per endpoint by prepare_soap). */
static int build_request(struct discovery *d)
{
    const ad_client *c = d->client;
    if (journey_post_protocol(d) == AD_PROTOCOL_MOBILESYNC)
        return client_mobilesync_request(d->addr.email, &d->request);
    if (journey_post_protocol(d) == AD_PROTOCOL_SOAP)
        return client_soap_request(d->addr.email, NULL, c->settings, c->nsettings, &d->request);
    adbuf_reset(&d->request);
    struct pox_request req = {.email = d->addr.email, .response_schema = POX_NS_OUTLOOK_RESPONSE};
    return pox_request_write(&req, &d->request);
}

/* The candidates of one pass, in order. 1 when the discovery is over, 0 on restart. */
static int run_candidates(struct discovery *d)
{
    struct candidate *next;
    while ((next = (struct candidate *)candidates_next(&d->queue))) {
        if (atomic_load(&d->client->cancelled))
            return journey_stop(d, AD_E_NOT_FOUND, "the discovery was cancelled") < 0 ? -1 : 1;
        if (journey_remaining_ms(d) == 0)
            return journey_stop(d, AD_E_NOT_FOUND, "the deadline of %ld ms passed",
                                d->client->deadline_ms) < 0
                       ? -1
                       : 1;
        struct candidate cand = *next; /* the queue may move while it runs */
        int rc = run_candidate(d, &cand);
        if (rc != 0)
            return rc < 0 ? -1 : (d->restart_address ? 0 : 1);
    }
    return 1;
}

/* One pass for d->addr. 1 when the discovery is over, 0 when a new address takes over. */
static int run_pass(struct discovery *d, bool *queued_any)
{
    candidates_free(&d->queue);
    string_set_clear(&d->visited_urls);
    string_set_clear(&d->chain_urls);
    if (build_request(d) < 0 || string_set_add(&d->visited_addrs, d->addr.email) < 0 ||
        result_set_email(d->result, d->addr.email) < 0)
        return -1;
    int queued = journey_queue_pass(d);
    if (queued < 0)
        return -1;
    *queued_any = queued > 0;
    int rc = run_candidates(d);
    /* What was started ahead and not used is recorded after the pass's own steps. */
    if (rc >= 0 && schedule_end_pass(d) < 0)
        return -1;
    return rc;
}

static ad_code code_for(enum outcome best)
{
    switch (best) {
    case OUTCOME_SERVER_ERROR:
        return AD_E_SERVER_ERROR;
    case OUTCOME_AUTH_REFUSED:
        return AD_E_AUTH;
    case OUTCOME_INTERNAL:
        return AD_E_INTERNAL;
    default:
        return AD_E_NOT_FOUND;
    }
}

/* The outcome when no candidate gave settings. */
static int conclude_failure(struct discovery *d, bool queued_any)
{
    if (d->stopped)
        return result_set_outcome(d->result, d->stop_code, "%s", d->stop_reason);
    if (!queued_any && !d->best_reason) {
        if (address_is_public_suffix(d->client->psl, d->addr.domain))
            return result_set_outcome(d->result, AD_E_NOT_FOUND,
                                      "%s is a public suffix: no Autodiscover candidates are "
                                      "built from it",
                                      d->addr.domain);
        return result_set_outcome(d->result, AD_E_NOT_FOUND,
                                  "every discovery method is excluded: no candidates");
    }
    ad_code code = code_for(d->best);
    if (code == AD_E_NOT_FOUND)
        return result_set_outcome(d->result, code, "no Autodiscover server answered (best: %s)",
                                  d->best_reason ? d->best_reason : "none");
    return result_set_outcome(d->result, code, "%s", d->best_reason);
}

static int run(struct discovery *d)
{
    ad_client *c = d->client;
    if (c->srv_seeded)
        d->rng = c->srv_seed;
    else if (getrandom(&d->rng, sizeof d->rng, 0) != (ssize_t)sizeof d->rng)
        d->rng = (uint64_t)time(NULL);
    if (c->deadline_ms > 0) {
        d->has_deadline = true;
        clock_gettime(CLOCK_MONOTONIC, &d->deadline);
        d->deadline.tv_sec += c->deadline_ms / 1000;
        d->deadline.tv_nsec += (c->deadline_ms % 1000) * 1000000L;
        if (d->deadline.tv_nsec >= 1000000000L) {
            d->deadline.tv_sec++;
            d->deadline.tv_nsec -= 1000000000L;
        }
    }
    bool queued_any = false;
    for (;;) {
        int rc = run_pass(d, &queued_any);
        d->result->redirects = d->hops;
        if (rc < 0)
            return -1;
        if (rc == 1)
            break;
        /* redirectAddr: a new pass for the new address, same credentials and user name. */
        address_free(&d->addr);
        ad_code parsed = address_parse(d->restart_address, &d->addr, NULL);
        free(d->restart_address);
        d->restart_address = NULL;
        if (parsed != AD_OK)
            return -1; /* it parsed once already: only memory can fail now */
    }
    if (d->result->code == AD_OK && d->result->has_answer)
        return 0;
    return conclude_failure(d, queued_any);
}

static void discovery_free(struct discovery *d)
{
    free(d->requested);
    address_free(&d->addr);
    candidates_free(&d->queue);
    adbuf_free(&d->request);
    free(d->best_reason);
    string_set_clear(&d->visited_urls);
    string_set_clear(&d->chain_urls);
    string_set_clear(&d->visited_addrs);
    free(d->restart_address);
    free(d->stop_reason);
    schedule_free(&d->schedule);
    journey_wipe_credentials(d);
}

ad_code ad_discover(ad_client *client, const char *email, ad_result **result)
{
    if (!result)
        return AD_E_INVALID_ARGUMENT;
    *result = NULL;
    if (!client || !email)
        return AD_E_INVALID_ARGUMENT;
    struct discovery d = {
        .client = client,
        .http_opts = {.cacert = client->cacert,
                      .timeout_ms = client->timeout_ms,
                      .connect_to = client->connect_to,
                      .cancel = &client->cancelled},
    };
    candidates_init(&d.queue);
    adbuf_init(&d.request, XMLSAFE_REQUEST_MAX_BYTES);
    const char *why = NULL;
    ad_code parsed = address_parse(email, &d.addr, &why);
    if (parsed == AD_E_NOMEM)
        return AD_E_NOMEM;
    d.result = result_new(parsed == AD_OK ? d.addr.email : email);
    int rc = d.result ? 0 : -1;
    if (d.result)
        d.result->protocol = client_protocol_name(client->protocol);
    if (rc == 0 && parsed == AD_E_BAD_ADDRESS)
        rc = result_set_outcome(d.result, AD_E_BAD_ADDRESS, "not a valid e-mail address: %s", why);
    else if (rc == 0 && !(d.requested = strdup(d.addr.email)))
        rc = -1;
    else if (rc == 0)
        rc = run(&d);
    discovery_free(&d);
    if (rc < 0) {
        ad_result_free(d.result);
        return AD_E_NOMEM;
    }
    *result = d.result;
    return d.result->code;
}
