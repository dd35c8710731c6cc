/*
 * mobilesync: the ActiveSync flavour of POX Autodiscover (MS-ASCMD 2.2.1.1; PROTOCOL.md §2.5),
 * both directions. Schema and provider failures (ErrorCode 600/601) use the Outlook POX error
 * document (struct pox_error, written by pox_response_write), which this parser also reads.
 */
#ifndef AD_LIB_MOBILESYNC_H
#define AD_LIB_MOBILESYNC_H

#include <stdbool.h>
#include <stddef.h>

#include "adbuf.h"
#include "pox.h"

#define MOBILESYNC_NS_REQUEST                                                                      \
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006"
#define MOBILESYNC_NS_RESPONSE                                                                     \
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"
/* Action/Error/Status: 1 success (never sent), 2 protocol error (MS-ASCMD 2.2.3.164). */
#define MOBILESYNC_STATUS_PROTOCOL_ERROR "2"

struct mobilesync_request {
    char *email;           /* Request/EMailAddress */
    char *response_schema; /* Request/AcceptableResponseSchema (http:// form kept as sent) */
    unsigned nrequests;    /* more than one Request is an error (600) for a server */
};

enum mobilesync_action {
    MOBILESYNC_ACTION_NONE = 0,
    MOBILESYNC_ACTION_SETTINGS,
    MOBILESYNC_ACTION_REDIRECT,
    MOBILESYNC_ACTION_ERROR,
};

struct mobilesync_server {
    char *type; /* MobileSync or CertEnroll */
    char *url;
    char *name;
    char *server_data;
};

struct mobilesync_response {
    bool is_error; /* Response/Error (600, 601, ...) */
    struct pox_error error;
    char *culture;
    char *display_name; /* User/DisplayName */
    char *email;        /* User/EMailAddress */
    enum mobilesync_action action;
    char *redirect; /* Action/Redirect: an address */
    struct mobilesync_server *servers;
    size_t nservers;
    char *status; /* Action/Error */
    char *message;
    char *debug_data;
};

enum pox_parse_error mobilesync_request_parse(const char *body, size_t len,
                                              struct mobilesync_request *out);
int mobilesync_request_write(const struct mobilesync_request *req, struct adbuf *out);
void mobilesync_request_free(struct mobilesync_request *req);

enum pox_parse_error mobilesync_response_parse(const char *body, size_t len,
                                               struct mobilesync_response *out);
/* Writes a success, redirect or Action/Error answer (is_error: use pox_response_write). */
int mobilesync_response_write(const struct mobilesync_response *resp, struct adbuf *out);
void mobilesync_response_free(struct mobilesync_response *resp);
/* Appends a Server; -1 on out of memory. */
int mobilesync_add_server(struct mobilesync_response *resp, const char *type, const char *url,
                          const char *name);

#endif
