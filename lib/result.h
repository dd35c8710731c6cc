/*
 * result: the outcome of a discovery and its journey, one step per attempt. The engine
 * builds it with the functions below; users read it through the ad_result_* accessors.
 * No step ever holds a password or an Authorization header: steps are built from URLs,
 * statuses and reasons only.
 */
#ifndef AD_LIB_RESULT_H
#define AD_LIB_RESULT_H

#include <stdbool.h>
#include <stddef.h>

#include "autodiscover/autodiscover.h"
#include "http.h"
#include "pox.h"

enum step_decision {
    STEP_SUCCESS,
    STEP_RETRY_WITH_CREDENTIALS,
    STEP_NEXT_CANDIDATE,
    STEP_STOP,
    /* Added with the journey beyond steps 4-5 (doc/decisions.md "Client journey"). */
    STEP_FOLLOW_REDIRECT,      /* a 3xx or redirectUrl (or the probe's 302) is taken next */
    STEP_RESTART_WITH_ADDRESS, /* redirectAddr: the journey starts over for the new address */
    STEP_REFUSED_CONSENT,      /* a host needing consent did not get it: nothing was sent */
    STEP_RETRY_AFTER_TIMEOUT,  /* the same request again (--retries) */
    /* Added with parallel probing (doc/decisions.md "Client journey"). */
    STEP_CANCELLED, /* still running when the pass was decided, or given up (no connection) */
    STEP_HELD,      /* answered ahead of its turn; not used, an earlier candidate decided */
    /* Added with SOAP (doc/decisions.md "Client journey"). */
    STEP_PROCEED, /* the SOAP capability GET passed: the POST to autodiscover.svc follows */
};

enum step_auth {
    STEP_AUTH_NONE,
    STEP_AUTH_BASIC,
};

/* Outlook "Test E-mail AutoConfiguration" labels (PROTOCOL.md §9). */
#define OUTLOOK_CODE_NONE ""
#define OUTLOOK_CODE_UNREACHABLE "0x800C8203"
#define OUTLOOK_CODE_URL_REDIRECT "0x800C8204"
#define OUTLOOK_CODE_ADDR_REDIRECT "0x800C8205"
#define OUTLOOK_CODE_GENERIC "0x80004005"   /* E_FAIL: the port-80 probe found nothing */
#define OUTLOOK_CODE_NO_DATA "0x8004010F"   /* MAPI_E_NOT_FOUND: no local data (file, SCP) */

struct result_step {
    const char *method; /* static: "root", "autodiscover", ... */
    char *url;
    int status;       /* HTTP status, 0 when none arrived */
    const char *code; /* static: an OUTLOOK_CODE_* */
    long elapsed_ms;
    enum step_auth auth;
    enum step_decision decision;
    char *reason;
    char *email;           /* the address the request asked about, or NULL */
    int hop;               /* redirects followed before this step (URL and address hops) */
    char *redirected_from; /* the URL whose redirect produced this candidate, or NULL */
    char *query;           /* DNS steps: "_autodiscover._tcp.DOMAIN SRV" (url is NULL) */
    char **answers;        /* DNS steps: the records, "PRIO WEIGHT PORT TARGET" */
    size_t nanswers;
    /* https steps: the TLS outcome (http.h; tls.present false when no TLS happened). */
    struct http_tls tls;
    char *auth_offered; /* a 401's scheme names, "Negotiate, Basic", or NULL */
};

/* A setting (SOAP UserSetting, v2 answer) or a refused one (SOAP UserSettingError). */
struct result_setting {
    char *name;
    char *value;   /* settings: the value; errors: the ErrorCode */
    char *message; /* errors only, may be NULL */
};

struct ad_result {
    ad_code code;
    char *reason;
    char *email;        /* the address discovered for (domain in lower case) */
    char *url;          /* the URL that answered with settings, or NULL */
    const char *method; /* static name of the method that found url, or NULL */
    bool from_cache;    /* url came from the last-known-good cache */
    int redirects;      /* redirects followed in all */
    bool has_answer;
    struct pox_response answer; /* the settings answer when has_answer */
    const char *protocol;       /* static: "pox", "soap", "json", "mobilesync" */
    struct result_setting *settings;
    size_t nsettings;
    struct result_setting *setting_errors;
    size_t nsetting_errors;
    struct result_step *steps;
    size_t nsteps;
    size_t capacity;
    char **warnings; /* what went wrong without failing the discovery (result_add_warning) */
    size_t nwarnings;
};

/* Warnings kept per result; more are dropped (each names a distinct problem). */
#define RESULT_MAX_WARNINGS 16

const char *step_decision_name(enum step_decision decision);
const char *step_auth_name(enum step_auth auth);
/* "AD_OK", "AD_E_NOT_FOUND", ...; "AD_E_UNKNOWN" for a value outside the enum. */
const char *result_code_name(ad_code code);

/* A result for email (copied; may be NULL for a malformed address), code AD_E_INTERNAL. */
struct ad_result *result_new(const char *email);
/* Appends a step; url and reason are copied. 0, or -1 on out of memory. */
int result_add_step(struct ad_result *r, const char *method, const char *url, int status,
                    const char *code, long elapsed_ms, enum step_auth auth,
                    enum step_decision decision, const char *reason);
/* The last step added (to annotate it), or NULL when there is none. */
struct result_step *result_last_step(struct ad_result *r);
/* Context of a step: copies email and from (either may be NULL). 0 or -1 (OOM). */
int result_step_set_context(struct result_step *s, const char *email, int hop, const char *from);
/* Makes s a DNS step: url becomes NULL, query is copied. 0 or -1 (OOM). */
int result_step_set_query(struct result_step *s, const char *query);
int result_step_add_answer(struct result_step *s, const char *answer);
/* One line on what went wrong without failing the discovery (a cache not written). 0 or -1. */
int result_add_warning(struct ad_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * Copies what a step keeps of an HTTP answer: its TLS outcome (bounded as http.h says) and
 * the authentication schemes a 401 offered. Never a header value. 0 or -1 (OOM).
 */
int result_step_set_http(struct result_step *s, const struct http_response *resp);
/* A TLS field by name ("version", "subject", ..., "verified": "true"/"false"), or NULL. */
const char *result_step_tls_field(const struct result_step *s, const char *name);
/* Replaces the address the result is for (after a redirectAddr). 0 or -1 (OOM). */
int result_set_email(struct ad_result *r, const char *email);

/* Keeps the settings answer (moved out of *answer, which is left empty). 0 or -1 (OOM). */
int result_set_answer(struct ad_result *r, const char *url, const char *method,
                      struct pox_response *answer);
/* Appends a setting, or a setting error (code and message). 0 or -1 (OOM). */
int result_add_setting(struct ad_result *r, const char *name, const char *value);
int result_add_setting_error(struct ad_result *r, const char *name, const char *code,
                             const char *message);

/* Sets the outcome; the reason is formatted. 0 or -1 (OOM). */
int result_set_outcome(struct ad_result *r, ad_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
