/* verdict: judging answers. Moved out of discover.c so the engine only decides what next. */
#include "verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void verdict_set(struct verdict *v, enum outcome outcome, const char *code, const char *fmt, ...)
{
    v->outcome = outcome;
    v->code = code;
    v->redirect = REDIRECT_NONE;
    v->target[0] = '\0';
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

void verdict_amend(struct verdict *v, enum step_decision decision, const char *fmt, ...)
{
    size_t used = strlen(v->reason);
    if (used + 2 < sizeof v->reason) {
        memcpy(v->reason + used, ": ", 3);
        used += 2;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->reason + used, sizeof v->reason - used, fmt, ap);
        va_end(ap);
    }
    v->decision = decision;
}

void answer_free(struct answer *a)
{
    pox_response_free(&a->pox);
    if (a->has_soap)
        soap_response_free(&a->soap);
    free(a->v2_protocol);
    free(a->v2_url);
    memset(a, 0, sizeof *a);
}

void verdict_set_target(struct verdict *v, enum redirect_kind kind, const char *target)
{
    if (target && strlen(target) < sizeof v->target) {
        v->redirect = kind;
        strcpy(v->target, target);
    }
}

const char *verdict_status_text(long status)
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
static void judge_unauthorized(const struct http_response *resp, bool sent_credentials,
                               bool have_password, struct verdict *v)
{
    if (sent_credentials)
        verdict_set(v, OUTCOME_AUTH_REFUSED, OUTLOOK_CODE_NONE,
                    "401 Unauthorized: credentials refused");
    else if (!have_password)
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

/* The document decides; prefix says where it came from ("200 OK but the body", "the file"). */
static void judge_document(const char *body, size_t len, const char *prefix,
                           struct pox_response *answer, struct verdict *v)
{
    enum pox_parse_error pe = pox_response_parse(body, len, answer);
    if (pe == POX_PARSE_NOMEM) {
        verdict_set(v, OUTCOME_INTERNAL, OUTLOOK_CODE_NONE, "out of memory");
        return;
    }
    if (pe != POX_PARSE_OK) {
        verdict_set(v, OUTCOME_BAD_ANSWER, OUTLOOK_CODE_NONE, "%s is %s", prefix,
                    parse_error_text(pe));
        return;
    }
    verdict_judge_pox(answer, prefix, v);
}

void verdict_judge_pox(struct pox_response *answer, const char *prefix, struct verdict *v)
{
    if (answer->is_error)
        judge_error_answer(&answer->error, v);
    else if (answer->has_account_error)
        judge_error_answer(&answer->account_error, v);
    else if (answer->action == POX_ACTION_REDIRECT_ADDR) {
        verdict_set(v, OUTCOME_REDIRECT, OUTLOOK_CODE_ADDR_REDIRECT, "redirectAddr to %s",
                    answer->redirect_addr ? answer->redirect_addr : "(none)");
        verdict_set_target(v, REDIRECT_ADDR, answer->redirect_addr);
    } else if (answer->action == POX_ACTION_REDIRECT_URL) {
        verdict_set(v, OUTCOME_REDIRECT, OUTLOOK_CODE_URL_REDIRECT, "redirectUrl to %s",
                    answer->redirect_url ? answer->redirect_url : "(none)");
        verdict_set_target(v, REDIRECT_URL, answer->redirect_url);
    }
    /* An Account without Action but with protocols is read as settings, as Outlook does. */
    else if (answer->action == POX_ACTION_SETTINGS || answer->nprotocols > 0)
        verdict_set(v, OUTCOME_SETTINGS, OUTLOOK_CODE_NONE, "settings");
    else
        verdict_set(v, OUTCOME_BAD_ANSWER, OUTLOOK_CODE_NONE,
                    "%s has neither settings nor a redirect", prefix);
    if (v->outcome != OUTCOME_SETTINGS)
        pox_response_free(answer);
}

/* A body read as protocol: POX or mobilesync (SOAP bodies go to client_soap_judge). */
static void judge_body_as(const char *body, size_t len, ad_protocol protocol, const char *prefix,
                          struct answer *answer, struct verdict *v)
{
    if (protocol == AD_PROTOCOL_MOBILESYNC)
        client_mobilesync_judge(body, len, prefix, answer, v);
    else
        judge_document(body, len, prefix, &answer->pox, v);
}

void verdict_judge_body(const char *body, size_t len, struct pox_response *answer,
                        struct verdict *v)
{
    judge_document(body, len, "the file", answer, v);
}

void verdict_judge(const struct http_response *resp, ad_protocol protocol, bool sent_credentials,
                   bool have_password, struct answer *answer, struct verdict *v)
{
    /* SOAP answers 500 with a Fault envelope: that body is the explanation. */
    bool soap_body = protocol == AD_PROTOCOL_SOAP && (resp->status == 200 || resp->status == 500);
    if (resp->outcome != HTTP_DONE)
        judge_transport_failure(resp, v);
    else if (soap_body)
        client_soap_judge(resp->body.data ? resp->body.data : "", resp->body.len, resp->status,
                          answer, v);
    else if (resp->status == 200)
        judge_body_as(resp->body.data ? resp->body.data : "", resp->body.len, protocol,
                      "200 OK but the body", answer, v);
    else if (resp->status == 401)
        judge_unauthorized(resp, sent_credentials, have_password, v);
    else if (resp->status >= 300 && resp->status < 400) {
        verdict_set(v, OUTCOME_REDIRECT, OUTLOOK_CODE_URL_REDIRECT, "%ld %s to %s", resp->status,
                    verdict_status_text(resp->status),
                    resp->location ? resp->location : "(no Location)");
        /* 301/302/303/307 are re-POSTed by us (EWS API); 308 and others are not redirects we take.
         */
        if (resp->status == 301 || resp->status == 302 || resp->status == 303 ||
            resp->status == 307)
            verdict_set_target(v, REDIRECT_URL, resp->location);
    } else
        verdict_set(v, OUTCOME_BAD_ANSWER, OUTLOOK_CODE_NONE, "HTTP %ld %s", resp->status,
                    verdict_status_text(resp->status));
}
