/*
 * discover: the engine. A discovery is a queue of candidate URLs (candidates.h) and, for
 * each, one or two attempts: an anonymous POST, then, on a 401 from a validated https
 * server offering Basic, the same POST with credentials. Every attempt becomes one step of
 * the journey. The first settings answer wins; otherwise the best failure explains the
 * outcome (an Autodiscover error beats a refusal of credentials, which beats no answer).
 *
 * Later methods (SCP, SRV, the port-80 probe, redirects) add candidates to the queue; a
 * parallel version starts several attempts with http_start() and waits with http_wait().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "candidates.h"
#include "client.h"
#include "http.h"
#include "pox.h"
#include "result.h"
#include "xmlsafe.h"

#define POX_CONTENT_TYPE "text/xml; charset=utf-8"
#define NOT_FOLLOWED "not followed (redirects arrive in a later issue)"

/* What an attempt came to, from worst to best: the best one explains a failed discovery. */
enum outcome {
    OUTCOME_UNREACHABLE,  /* DNS, connect, TLS, timeout, broken transfer */
    OUTCOME_BAD_ANSWER,   /* an unexpected status, or a body that is not Autodiscover */
    OUTCOME_REDIRECT,     /* an HTTP or Autodiscover redirect, not followed yet */
    OUTCOME_AUTH_REFUSED, /* 401 with nothing (more) to send */
    OUTCOME_SERVER_ERROR, /* an Autodiscover Error answer */
    OUTCOME_NEEDS_AUTH,   /* 401: the same URL is tried again with credentials */
    OUTCOME_SETTINGS,
    OUTCOME_INTERNAL, /* the library itself failed: stop */
};

struct verdict {
    enum outcome outcome;
    enum step_decision decision;
    const char *code; /* OUTLOOK_CODE_* */
    char reason[512];
};

struct discovery {
    ad_client *client;
    struct address addr;
    struct candidate_queue queue;
    struct ad_result *result;
    struct http_options http_opts;
    struct adbuf request; /* the POX request body, the same for every candidate */
    enum outcome best;    /* the best failure so far */
    char *best_reason;    /* "URL: reason" of that failure */
};

static void verdict_set(struct verdict *v, enum outcome outcome, const char *code, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));

static void verdict_set(struct verdict *v, enum outcome outcome, const char *code, const char *fmt,
                        ...)
{
    v->outcome = outcome;
    v->code = code;
    switch (outcome) {
    case OUTCOME_SETTINGS:
        v->decision = STEP_SUCCESS;
        break;
    case OUTCOME_NEEDS_AUTH:
        v->decision = STEP_RETRY_WITH_CREDENTIALS;
        break;
    case OUTCOME_INTERNAL:
        v->decision = STEP_STOP;
        break;
    default:
        v->decision = STEP_NEXT_CANDIDATE;
        break;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->reason, sizeof v->reason, fmt, ap);
    va_end(ap);
}

static const char *status_text(long status)
{
    switch (status) {
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Payload Too Large";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "";
    }
}

static void judge_transport_failure(const struct http_response *resp, struct verdict *v)
{
    const char *detail = resp->detail ? resp->detail : "transfer failed";
    if (resp->outcome == HTTP_FAIL_TOO_BIG)
        verdict_set(v, OUTCOME_BAD_ANSWER, OUTLOOK_CODE_NONE, "%s", detail);
    else if (resp->outcome == HTTP_FAIL_NOMEM)
        verdict_set(v, OUTCOME_INTERNAL, OUTLOOK_CODE_NONE, "out of memory");
    else
        verdict_set(v, OUTCOME_UNREACHABLE, OUTLOOK_CODE_UNREACHABLE, "%s", detail);
}

/*
 * A 401. Credentials go out only in answer to a challenge for Basic from an https server
 * whose certificate validated (PROTOCOL.md §8 rule 1), and only once per URL.
 */
static void judge_unauthorized(const struct discovery *d, const struct http_response *resp,
                               bool sent_credentials, struct verdict *v)
{
    if (sent_credentials)
        verdict_set(v, OUTCOME_AUTH_REFUSED, OUTLOOK_CODE_NONE,
                    "401 Unauthorized: credentials refused");
    else if (!d->client->password)
        verdict_set(v, OUTCOME_AUTH_REFUSED, OUTLOOK_CODE_NONE,
                    "401 Unauthorized: no password to send");
    else if (!resp->verified_https)
        verdict_set(v, OUTCOME_AUTH_REFUSED, OUTLOOK_CODE_NONE,
                    "401 Unauthorized: not a validated https server, credentials withheld");
    else if (!resp->offers_basic)
        verdict_set(v, OUTCOME_AUTH_REFUSED, OUTLOOK_CODE_NONE,
                    "401 Unauthorized: the server does not offer Basic authentication");
    else
        verdict_set(v, OUTCOME_NEEDS_AUTH, OUTLOOK_CODE_NONE,
                    "401 Unauthorized: retrying with credentials");
}

static void judge_error_answer(const struct pox_error *e, struct verdict *v)
{
    const char *message = e->message && *e->message ? e->message : pox_error_message(e->code);
    verdict_set(v, OUTCOME_SERVER_ERROR, OUTLOOK_CODE_NONE, "ErrorCode %d: %s", e->code,
                message ? message : "(no message)");
}

static const char *parse_error_text(enum pox_parse_error e)
{
    switch (e) {
    case POX_PARSE_TOO_BIG:
        return "too big";
    case POX_PARSE_XML:
        return "not well-formed or forbidden XML";
    case POX_PARSE_SCHEMA:
        return "not an Autodiscover response";
    default:
        return "unreadable";
    }
}

/* A 200: the body decides. On settings the parsed answer is left in *answer. */
static void judge_answer(const struct http_response *resp, struct pox_response *answer,
                         struct verdict *v)
{
    enum pox_parse_error pe = pox_response_parse(resp->body.data, resp->body.len, answer);
    if (pe == POX_PARSE_NOMEM) {
        verdict_set(v, OUTCOME_INTERNAL, OUTLOOK_CODE_NONE, "out of memory");
        return;
    }
    if (pe != POX_PARSE_OK) {
        verdict_set(v, OUTCOME_BAD_ANSWER, OUTLOOK_CODE_NONE, "200 OK but the body is %s",
                    parse_error_text(pe));
        return;
    }
    if (answer->is_error)
        judge_error_answer(&answer->error, v);
    else if (answer->has_account_error)
        judge_error_answer(&answer->account_error, v);
    else if (answer->action == POX_ACTION_REDIRECT_ADDR)
        verdict_set(v, OUTCOME_REDIRECT, OUTLOOK_CODE_ADDR_REDIRECT, "redirectAddr to %s: %s",
                    answer->redirect_addr ? answer->redirect_addr : "(none)", NOT_FOLLOWED);
    else if (answer->action == POX_ACTION_REDIRECT_URL)
        verdict_set(v, OUTCOME_REDIRECT, OUTLOOK_CODE_URL_REDIRECT, "redirectUrl to %s: %s",
                    answer->redirect_url ? answer->redirect_url : "(none)", NOT_FOLLOWED);
    /* An Account without Action but with protocols is read as settings, as Outlook does. */
    else if (answer->action == POX_ACTION_SETTINGS || answer->nprotocols > 0)
        verdict_set(v, OUTCOME_SETTINGS, OUTLOOK_CODE_NONE, "settings");
    else
        verdict_set(v, OUTCOME_BAD_ANSWER, OUTLOOK_CODE_NONE,
                    "200 OK but the answer has neither settings nor a redirect");
    if (v->outcome != OUTCOME_SETTINGS)
        pox_response_free(answer);
}

static void judge(const struct discovery *d, const struct http_response *resp,
                  bool sent_credentials, struct pox_response *answer, struct verdict *v)
{
    if (resp->outcome != HTTP_DONE)
        judge_transport_failure(resp, v);
    else if (resp->status == 200)
        judge_answer(resp, answer, v);
    else if (resp->status == 401)
        judge_unauthorized(d, resp, sent_credentials, v);
    else if (resp->status >= 300 && resp->status < 400)
        verdict_set(v, OUTCOME_REDIRECT, OUTLOOK_CODE_URL_REDIRECT, "%ld %s to %s: %s",
                    resp->status, status_text(resp->status),
                    resp->location ? resp->location : "(no Location)", NOT_FOLLOWED);
    else
        verdict_set(v, OUTCOME_BAD_ANSWER, OUTLOOK_CODE_NONE, "HTTP %ld %s", resp->status,
                    status_text(resp->status));
}

/* Remembers a failure if it is the best so far (the first of equals wins). */
static int note_failure(struct discovery *d, const struct candidate *cand, const struct verdict *v)
{
    if (d->best_reason && v->outcome <= d->best)
        return 0;
    char *reason = NULL;
    if (asprintf(&reason, "%s: %s", cand->url, v->reason) < 0)
        return -1;
    free(d->best_reason);
    d->best_reason = reason;
    d->best = v->outcome;
    return 0;
}

/* One POST to the candidate, recorded as one step. -1 on out of memory. */
static int attempt(struct discovery *d, const struct candidate *cand, bool with_credentials,
                   struct verdict *v)
{
    ad_client *c = d->client;
    struct http_request req = {
        .url = cand->url,
        .body = d->request.data,
        .body_len = d->request.len,
        .content_type = POX_CONTENT_TYPE,
        .username = with_credentials ? (c->username ? c->username : d->addr.email) : NULL,
        .password = with_credentials ? c->password : NULL,
    };
    struct http_response resp = {0};
    struct pox_response answer = {0};
    if (http_perform(c->http, &d->http_opts, &req, &resp) < 0) {
        if (resp.outcome == HTTP_FAIL_NOMEM) {
            http_response_free(&resp);
            return -1;
        }
        verdict_set(v, OUTCOME_INTERNAL, OUTLOOK_CODE_NONE, "libcurl refused the request");
    } else {
        judge(d, &resp, with_credentials, &answer, v);
    }
    int rc = result_add_step(
        d->result, method_name(cand->method), cand->url, (int)resp.status, v->code, resp.elapsed_ms,
        with_credentials ? STEP_AUTH_BASIC : STEP_AUTH_NONE, v->decision, v->reason);
    if (rc == 0 && v->outcome == OUTCOME_SETTINGS)
        rc = result_set_answer(d->result, cand->url, method_name(cand->method), &answer);
    if (v->outcome == OUTCOME_SETTINGS)
        pox_response_free(&answer);
    http_response_free(&resp);
    return rc;
}

/* Anonymous first; again with credentials when the server asks for them. */
static int try_candidate(struct discovery *d, const struct candidate *cand, struct verdict *v)
{
    if (attempt(d, cand, false, v) < 0)
        return -1;
    if (v->outcome == OUTCOME_NEEDS_AUTH && attempt(d, cand, true, v) < 0)
        return -1;
    return 0;
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

static int run_queue(struct discovery *d)
{
    const struct candidate *cand;
    while ((cand = candidates_next(&d->queue))) {
        struct verdict v;
        if (try_candidate(d, cand, &v) < 0)
            return -1;
        if (v.outcome == OUTCOME_SETTINGS)
            return result_set_outcome(d->result, AD_OK, "settings from %s", cand->url);
        if (v.outcome == OUTCOME_INTERNAL)
            return result_set_outcome(d->result, AD_E_INTERNAL, "%s: %s", cand->url, v.reason);
        if (note_failure(d, cand, &v) < 0)
            return -1;
    }
    ad_code code = code_for(d->best);
    if (code == AD_E_NOT_FOUND)
        return result_set_outcome(d->result, code, "no Autodiscover server answered (best: %s)",
                                  d->best_reason);
    return result_set_outcome(d->result, code, "%s", d->best_reason);
}

/* Why no candidate was queued at all. */
static int explain_empty_queue(struct discovery *d)
{
    if (address_is_public_suffix(d->client->psl, d->addr.domain))
        return result_set_outcome(d->result, AD_E_NOT_FOUND,
                                  "%s is a public suffix: no Autodiscover candidates are built "
                                  "from it",
                                  d->addr.domain);
    return result_set_outcome(d->result, AD_E_NOT_FOUND,
                              "every discovery method is excluded: no candidates");
}

static int build_request(struct discovery *d)
{
    struct pox_request req = {.email = d->addr.email, .response_schema = POX_NS_OUTLOOK_RESPONSE};
    return pox_request_write(&req, &d->request);
}

static int run(struct discovery *d)
{
    if (build_request(d) < 0)
        return -1;
    int queued =
        candidates_add_domain_derived(&d->queue, &d->addr, d->client->psl, d->client->excluded);
    if (queued < 0)
        return -1;
    if (queued == 0)
        return explain_empty_queue(d);
    return run_queue(d);
}

static void discovery_free(struct discovery *d)
{
    address_free(&d->addr);
    candidates_free(&d->queue);
    adbuf_free(&d->request);
    free(d->best_reason);
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
                      .connect_to = client->connect_to},
    };
    candidates_init(&d.queue);
    adbuf_init(&d.request, XMLSAFE_REQUEST_MAX_BYTES);
    const char *why = NULL;
    ad_code parsed = address_parse(email, &d.addr, &why);
    if (parsed == AD_E_NOMEM)
        return AD_E_NOMEM;
    d.result = result_new(parsed == AD_OK ? d.addr.email : email);
    int rc = d.result ? 0 : -1;
    if (rc == 0 && parsed == AD_E_BAD_ADDRESS)
        rc = result_set_outcome(d.result, AD_E_BAD_ADDRESS, "not a valid e-mail address: %s", why);
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
