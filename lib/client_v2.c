/*
 * client_v2: Autodiscover v2 (JSON) for the client (PROTOCOL.md §5). A pass asks
 *   https://autodiscover.DOMAIN/autodiscover/autodiscover.json/v1.0/EMAIL?Protocol=P
 * then the same on https://DOMAIN, unauthenticated. A 302 is followed when it stays https
 * on the v2 endpoint, within the redirect limit (at most V2JSON_MAX_REDIRECTS, with a
 * RedirectCount no higher). For AutodiscoverV1 the answer's Url becomes the next candidate:
 * a POX POST with credentials and every check of PROTOCOL.md §3 and §8 (the consent rule
 * too: the Url came from an unauthenticated answer). For any other Protocol the Url is the
 * answer itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "journey.h"
#include "trust.h"
#include "v2json.h"

static const char *v2_protocol(const struct discovery *d)
{
    return d->client->v2_protocol ? d->client->v2_protocol : CLIENT_DEFAULT_V2_PROTOCOL;
}

static int queue_host(struct discovery *d, const char *host, const char *escaped, int *added)
{
    if (trust_host_problem(d->client->psl, host))
        return 0;
    char *url = NULL;
    if (asprintf(&url, "https://%s" V2JSON_PATH "/v1.0/%s?Protocol=%s", host, escaped,
                 v2_protocol(d)) < 0)
        return -1;
    struct candidate c = {.method = AD_METHOD_JSON,
                          .kind = CANDIDATE_V2JSON,
                          .url = url,
                          .host = (char *)host};
    int rc = candidates_append(&d->queue, &c);
    free(url);
    if (rc > 0)
        (*added)++;
    return rc < 0 ? -1 : 0;
}

int journey_queue_v2(struct discovery *d)
{
    const char *domain = d->addr.domain;
    if ((d->client->excluded & AD_METHOD_JSON) ||
        address_is_public_suffix(d->client->psl, domain))
        return 0;
    char *escaped = curl_easy_escape(NULL, d->addr.email, 0);
    char *autodiscover = NULL;
    int added = 0, rc = -1;
    if (escaped && asprintf(&autodiscover, "autodiscover.%s", domain) >= 0)
        rc = queue_host(d, autodiscover, escaped, &added) < 0 ||
                     queue_host(d, domain, escaped, &added) < 0
                 ? -1
                 : added;
    free(autodiscover);
    curl_free(escaped);
    return rc;
}

/* RedirectCount of a v2 URL's query, 0 when absent, -1 when not a number. */
static long redirect_count(const char *url)
{
    const char *q = strchr(url, '?');
    for (const char *p = q; p; p = strchr(p + 1, '&')) {
        if (strncasecmp(p + 1, "RedirectCount=", 14) != 0)
            continue;
        char *end = NULL;
        long n = strtol(p + 15, &end, 10);
        return end != p + 15 && (*end == '\0' || *end == '&') && n >= 0 ? n : -1;
    }
    return 0;
}

/* Why a v2 302 target is not followed, or NULL. */
static const char *v2_target_problem(const struct discovery *d, const char *url)
{
    if (strncasecmp(url, "https://", 8) != 0)
        return "not an https URL";
    const char *path = strchr(url + 8, '/');
    if (!path || strncasecmp(path, V2JSON_PATH, strlen(V2JSON_PATH)) != 0 ||
        (path[strlen(V2JSON_PATH)] != '?' && path[strlen(V2JSON_PATH)] != '/'))
        return "the path is not the v2 endpoint /autodiscover/autodiscover.json";
    long count = redirect_count(url);
    if (count < 0 || count > (long)V2JSON_MAX_REDIRECTS)
        return "RedirectCount is past the v2 limit of 10";
    (void)d;
    return NULL;
}

/* A v2 302: the next candidate, or why not. 0 or -1 (OOM). */
static int follow_v2(struct discovery *d, const struct candidate *cand, const char *location,
                     struct verdict *v)
{
    int max = d->client->max_redirects < (int)V2JSON_MAX_REDIRECTS ? d->client->max_redirects
                                                                   : (int)V2JSON_MAX_REDIRECTS;
    const char *why = v2_target_problem(d, location);
    char *host;
    if (trust_url_host(d->client->psl, location, &why, &host) < 0)
        return -1;
    int rc = 0;
    if (why) {
        verdict_amend(v, STEP_NEXT_CANDIDATE, "not followed (%s)", why);
    } else if (string_set_contains(&d->visited_urls, location)) {
        verdict_amend(v, STEP_NEXT_CANDIDATE, "not followed (already asked: a loop)");
    } else if (cand->hop >= max || d->hops >= d->client->max_redirects) {
        verdict_amend(v, STEP_STOP, "redirect limit of %d reached", max);
        rc = journey_stop(d, AD_E_REDIRECT_LIMIT, "v2 redirect limit of %d reached at %s", max,
                          cand->url);
    } else {
        d->hops++;
        struct candidate next = {.method = AD_METHOD_JSON,
                                 .kind = CANDIDATE_V2JSON,
                                 .url = (char *)location,
                                 .host = host,
                                 .hop = cand->hop + 1,
                                 .redirected_from = cand->url};
        rc = candidates_insert(&d->queue, 0, &next);
        verdict_amend(v, STEP_FOLLOW_REDIRECT, "following (v2 redirect %d of at most %d)",
                      next.hop, max);
    }
    free(host);
    return rc;
}

/* An AutodiscoverV1 Url: queued as a POX candidate (consent applies), or why not. */
static int take_url(struct discovery *d, const struct candidate *cand, const char *url,
                    struct verdict *v)
{
    const char *why = redirect_url_problem(url);
    char *host;
    if (trust_url_host(d->client->psl, url, &why, &host) < 0)
        return -1;
    int rc = 0;
    if (why) {
        verdict_amend(v, STEP_NEXT_CANDIDATE, "Url not used (%s)", why);
    } else {
        struct candidate next = {.method = AD_METHOD_JSON,
                                 .kind = CANDIDATE_POST,
                                 .url = (char *)url,
                                 .host = host,
                                 .needs_consent = true,
                                 .redirected_from = cand->url};
        rc = candidates_insert(&d->queue, 0, &next);
        verdict_amend(v, STEP_FOLLOW_REDIRECT, "its Url is the next candidate (POX)");
    }
    free(host);
    return rc;
}

/* A 200 answer. 0 or -1 (OOM). */
static int judge_answer(struct discovery *d, const struct candidate *cand,
                        const struct http_response *resp, struct answer *answer,
                        struct verdict *v)
{
    struct v2json_answer a;
    enum v2json_parse_error pe =
        v2json_answer_parse(resp->body.data ? resp->body.data : "", resp->body.len, &a);
    if (pe == V2JSON_NOMEM)
        return -1;
    int rc = 0;
    if (pe != V2JSON_OK || !a.url || !a.protocol) {
        verdict_set(v, OUTCOME_BAD_ANSWER, OUTLOOK_CODE_NONE,
                    "200 OK but the body is not a v2 answer");
    } else if (strcasecmp(v2_protocol(d), CLIENT_DEFAULT_V2_PROTOCOL) == 0) {
        verdict_set(v, OUTCOME_REDIRECT, OUTLOOK_CODE_URL_REDIRECT, "%s Url %s", a.protocol,
                    a.url);
        rc = take_url(d, cand, a.url, v);
    } else {
        verdict_set(v, OUTCOME_SETTINGS, OUTLOOK_CODE_NONE, "%s Url %s", a.protocol, a.url);
        answer->v2_protocol = a.protocol;
        answer->v2_url = a.url;
        a.protocol = a.url = NULL;
    }
    v2json_answer_free(&a);
    return rc;
}

/* An answer other than 200 and 3xx: an error document says why. */
static void judge_error(const struct http_response *resp, struct verdict *v)
{
    struct v2json_answer a;
    long status = resp->status;
    enum v2json_parse_error pe =
        v2json_answer_parse(resp->body.data ? resp->body.data : "", resp->body.len, &a);
    if (pe == V2JSON_OK && a.error_code)
        /* 400 is the server refusing what we asked (InvalidProtocol): its answer stands. */
        verdict_set(v, status == 400 ? OUTCOME_SERVER_ERROR : OUTCOME_BAD_ANSWER,
                    OUTLOOK_CODE_NONE, "HTTP %ld %s: %s", status, a.error_code,
                    a.error_message ? a.error_message : "(no message)");
    else
        verdict_set(v, OUTCOME_BAD_ANSWER, OUTLOOK_CODE_NONE, "HTTP %ld %s", status,
                    verdict_status_text(status));
    if (pe == V2JSON_OK)
        v2json_answer_free(&a);
}

int journey_run_v2(struct discovery *d, const struct candidate *cand, struct answer *answer,
                   struct verdict *v)
{
    struct fetch f;
    int rc = 0;
    if (string_set_add(&d->visited_urls, cand->url) < 0)
        return -1;
    if (schedule_fetch(d, cand, false, &f) < 0) {
        if (f.resp.outcome == HTTP_FAIL_NOMEM)
            return -1;
        verdict_set(v, OUTCOME_INTERNAL, OUTLOOK_CODE_NONE, "libcurl refused the request");
    } else if (f.resp.outcome != HTTP_DONE) {
        verdict_set(v, OUTCOME_UNREACHABLE, OUTLOOK_CODE_UNREACHABLE, "%s",
                    f.resp.detail ? f.resp.detail : "transfer failed");
    } else if (f.resp.status == 200) {
        rc = judge_answer(d, cand, &f.resp, answer, v);
    } else if (f.resp.status == 301 || f.resp.status == 302 || f.resp.status == 307) {
        verdict_set(v, OUTCOME_REDIRECT, OUTLOOK_CODE_URL_REDIRECT, "%ld %s to %s", f.resp.status,
                    verdict_status_text(f.resp.status),
                    f.resp.location ? f.resp.location : "(no Location)");
        rc = f.resp.location ? follow_v2(d, cand, f.resp.location, v) : 0;
    } else {
        judge_error(&f.resp, v);
    }
    if (rc == 0) {
        schedule_annotate(&f, v);
        rc = journey_add_step(d, cand, cand->url, (int)f.resp.status, f.resp.elapsed_ms,
                              STEP_AUTH_NONE, v);
    }
    http_response_free(&f.resp);
    return rc;
}
