/*
 * v2json: Autodiscover v2, the JSON flavour (PROTOCOL.md §5), both directions.
 *
 * Server side: a GET's raw (still percent-encoded) path and query are parsed strictly into a
 * request: the two URL forms
 *   /autodiscover/autodiscover.json/v1.0/<email>?Protocol=P
 *   /autodiscover/autodiscover.json?Email=<urlencoded>&Protocol=P&RedirectCount=n
 * (path matched ignoring case), every length capped, malformed escapes, duplicate or unknown
 * parameters refused. Answers are written with jansson, so no input reaches them unescaped.
 * Client side: the 200 answer {"Protocol":"...","Url":"..."} and the error document are parsed.
 */
#ifndef AD_LIB_V2JSON_H
#define AD_LIB_V2JSON_H

#include <stddef.h>

#include "adbuf.h"

#define V2JSON_PATH "/autodiscover/autodiscover.json"
#define V2JSON_MAX_EMAIL 320u    /* decoded address: 64 + '@' + 255 */
#define V2JSON_MAX_PROTOCOL 64u  /* decoded Protocol value */
#define V2JSON_MAX_URI 2048u     /* raw path, and raw query, each */
#define V2JSON_MAX_REDIRECTS 10u /* RedirectCount above this is refused */
#define V2JSON_MAX_ANSWER (64u * 1024u)

enum v2json_parse_error {
    V2JSON_OK = 0,
    V2JSON_NOT_FOUND,    /* the path is not one of the two forms */
    V2JSON_BAD_QUERY,    /* bad escape, duplicate, unknown or over-long parameter */
    V2JSON_BAD_EMAIL,    /* missing, or not a plausible address */
    V2JSON_BAD_PROTOCOL, /* missing, or not in the protocol table */
    V2JSON_BAD_REDIRECT_COUNT,
    V2JSON_BAD_ANSWER, /* client side: not a v2 answer document */
    V2JSON_NOMEM,
};

struct v2json_request {
    char *email;          /* decoded, as given */
    const char *protocol; /* canonical spelling from the table, NULL when not recognised */
    unsigned redirect_count;
};

/*
 * path and query are raw (percent-encoded); query may be NULL or "". On V2JSON_OK every
 * field is set; on an error out holds nothing to free beyond what v2json_request_free frees.
 */
enum v2json_parse_error v2json_request_parse(const char *path, const char *query,
                                             struct v2json_request *out);
void v2json_request_free(struct v2json_request *req);

/* Canonical spelling of a protocol name matched ignoring case ("ews" -> "Ews"), or NULL. */
const char *v2json_protocol_canonical(const char *name);
/* "AutodiscoverV1, ActiveSync, ..." for error messages. */
const char *v2json_protocol_list(void);

/*
 * Appends the query form for req ("/autodiscover/autodiscover.json?Email=..&Protocol=..
 * &RedirectCount=n"), the email percent-encoded. 0, or -1 (buffer full or out of memory).
 */
int v2json_request_write_path(const struct v2json_request *req, struct adbuf *out);

/* Answers: {"Protocol":..,"Url":..} and {"ErrorCode":..,"ErrorMessage":..}. 0 or -1. */
int v2json_answer_write(const char *protocol, const char *url, struct adbuf *out);
int v2json_error_write(const char *code, const char *message, struct adbuf *out);

/* Client side: a 200 answer, or an error document. */
struct v2json_answer {
    char *protocol; /* NULL in an error document */
    char *url;
    char *error_code; /* NULL in a success document */
    char *error_message;
};
enum v2json_parse_error v2json_answer_parse(const char *body, size_t len,
                                            struct v2json_answer *out);
void v2json_answer_free(struct v2json_answer *ans);

#endif
