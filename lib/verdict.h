/*
 * verdict: what one answer means for the journey (PROTOCOL.md §7 status handling). Pure:
 * an HTTP response, or a body read from a file, goes in; an outcome, a step decision, an
 * Outlook label, a reason and (for redirects) the target come out.
 */
#ifndef AD_LIB_VERDICT_H
#define AD_LIB_VERDICT_H

#include <stdbool.h>

#include "autodiscover/autodiscover.h"
#include "http.h"
#include "pox.h"
#include "result.h"
#include "soap.h"

#define VERDICT_TARGET_MAX 2048

/* What an attempt came to, from worst to best: the best one explains a failed discovery. */
enum outcome {
    OUTCOME_UNREACHABLE,  /* DNS, connect, TLS, timeout, broken transfer */
    OUTCOME_BAD_ANSWER,   /* an unexpected status, or a body that is not Autodiscover */
    OUTCOME_REDIRECT,     /* an HTTP or Autodiscover redirect (followed or not) */
    OUTCOME_AUTH_REFUSED, /* 401 with nothing (more) to send */
    OUTCOME_SERVER_ERROR, /* an Autodiscover Error answer */
    OUTCOME_NEEDS_AUTH,   /* 401: the same URL is tried again with credentials */
    OUTCOME_SETTINGS,
    OUTCOME_INTERNAL, /* the library itself failed: stop */
};

enum redirect_kind {
    REDIRECT_NONE,
    REDIRECT_URL,  /* HTTP 3xx or Action redirectUrl: target is a URL */
    REDIRECT_ADDR, /* Action redirectAddr: target is an address */
};

struct verdict {
    enum outcome outcome;
    enum step_decision decision;
    const char *code; /* OUTLOOK_CODE_* */
    char reason[768];
    enum redirect_kind redirect;
    char target[VERDICT_TARGET_MAX]; /* the redirect's target when redirect != NONE */
};

/* What a settings answer holds, whatever the protocol. */
struct answer {
    struct pox_response pox;   /* POX, and mobilesync read into it (client_mobilesync.c) */
    bool has_soap;             /* SOAP: soap.responses[0] is the UserResponse */
    struct soap_response soap;
    char *v2_protocol; /* v2 JSON for a protocol other than AutodiscoverV1: its answer */
    char *v2_url;
};
void answer_free(struct answer *a);

void verdict_set(struct verdict *v, enum outcome outcome, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Appends ": text" to the reason (truncating) and sets the decision. */
void verdict_amend(struct verdict *v, enum step_decision decision, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

const char *verdict_status_text(long status);
/* Records a redirect's target; a target too long to keep is no target at all. */
void verdict_set_target(struct verdict *v, enum redirect_kind kind, const char *target);

/*
 * Judges an answer to a POST of protocol (POX, SOAP or mobilesync). have_password says
 * whether credentials could be sent. On settings the parsed answer is left in *answer (the
 * caller frees it with answer_free).
 */
void verdict_judge(const struct http_response *resp, ad_protocol protocol, bool sent_credentials,
                   bool have_password, struct answer *answer, struct verdict *v);

/* Judges an Autodiscover document that came without HTTP (a local file; POX only). */
void verdict_judge_body(const char *body, size_t len, struct pox_response *answer,
                        struct verdict *v);

/* What a parsed POX answer (or a mobilesync one read into POX) means; frees it unless settings. */
void verdict_judge_pox(struct pox_response *answer, const char *prefix, struct verdict *v);

/* client_soap.c: a SOAP GetUserSettings answer (200, or a fault with 500). */
void client_soap_judge(const char *body, size_t len, long status, struct answer *answer,
                       struct verdict *v);
/* client_mobilesync.c: a mobilesync answer; prefix as for verdict_judge_pox. */
void client_mobilesync_judge(const char *body, size_t len, const char *prefix,
                             struct answer *answer, struct verdict *v);

#endif
