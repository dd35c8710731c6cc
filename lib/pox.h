/*
 * pox: the Autodiscover "plain old XML" protocol, Outlook schema (MS-OXDSCLI; PROTOCOL.md §2).
 * Requests and responses are parsed into, and written from, the plain structures below.
 * Every string is owned by its structure and freed by the matching _free function.
 *
 * A Protocol section is kept generic: its type plus an ordered list of fields, each named by
 * its path below <Protocol> ("EwsUrl", "Internal/OWAUrl", "MailStore/ExternalUrl"), so every
 * element Exchange sends survives a parse and a write, including ones this code has no name for.
 */
#ifndef AD_LIB_POX_H
#define AD_LIB_POX_H

#include <stdbool.h>
#include <stddef.h>

#include "adbuf.h"

#define POX_NS_REQUEST "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
#define POX_NS_RESPONSE "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
#define POX_NS_OUTLOOK_RESPONSE \
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"

/* ErrorCode values of MS-OXDSCLI 2.2.4.1.1.3.2. */
enum pox_error_code {
    POX_ERR_UNKNOWN_ADDRESS = 500,  /* the e-mail address cannot be found */
    POX_ERR_NO_SETTINGS = 501,      /* known address, no configuration options */
    POX_ERR_INVALID_REQUEST = 600,  /* malformed or invalid request */
    POX_ERR_NO_PROVIDER = 601,      /* requested response schema not available */
    POX_ERR_BROKEN_SETTINGS = 602,  /* known address, broken configuration */
    POX_ERR_INTERNAL = 603,         /* internal server error */
};

/* Why a document was not accepted. */
enum pox_parse_error {
    POX_PARSE_OK = 0,
    POX_PARSE_TOO_BIG,     /* over the byte cap: a server answers 413 */
    POX_PARSE_XML,         /* not well-formed, or forbidden (DTD), too deep, too many elements */
    POX_PARSE_SCHEMA,      /* well-formed, but not an Autodiscover document of this kind */
    POX_PARSE_NOMEM,
};

struct pox_request {
    char *email;           /* <EMailAddress>, or NULL */
    char *legacy_dn;       /* <LegacyDN>, or NULL; wins over email on a server (§2.1) */
    char *response_schema; /* <AcceptableResponseSchema>, or NULL */
};

enum pox_action {
    POX_ACTION_NONE = 0, /* no Account, or an Account without Action */
    POX_ACTION_SETTINGS,
    POX_ACTION_REDIRECT_ADDR,
    POX_ACTION_REDIRECT_URL,
};

struct pox_attr {
    char *name;
    char *value;
};

struct pox_field {
    char *path;  /* below <Protocol>, components separated by '/' */
    char *value; /* text content; "" for an empty element */
    struct pox_attr *attrs;
    size_t nattrs;
};

struct pox_protocol {
    char *type;         /* <Type> text, or the Type attribute (mapiHttp) */
    bool type_as_attr;  /* written as <Protocol Type=".." Version=".."> */
    char *version;      /* Version attribute, or NULL */
    struct pox_field *fields;
    size_t nfields;
};

struct pox_user {
    char *display_name;
    char *legacy_dn;
    char *smtp_address;  /* AutoDiscoverSMTPAddress */
    char *deployment_id;
};

struct pox_error {
    int code;        /* ErrorCode, 0 when absent or not a number */
    char *message;
    char *debug_data;
    char *time;      /* Time attribute, or NULL */
    char *id;        /* Id attribute, or NULL */
};

struct pox_response {
    bool is_error;             /* Response/Error: the whole answer is an error */
    struct pox_error error;

    bool has_user;
    struct pox_user user;

    bool has_account;
    char *account_type;        /* "email" */
    enum pox_action action;
    char *microsoft_online;    /* "True" or "False", or NULL */
    char *redirect_addr;
    char *redirect_url;        /* parsed from RedirectUrl or RedirectURL; written RedirectUrl */
    char *image;
    char *service_home;
    char *public_folder_smtp;  /* PublicFolderInformation/SmtpAddress */
    bool has_account_error;    /* Account/Error */
    struct pox_error account_error;

    struct pox_protocol *protocols;
    size_t nprotocols;
};

/* Requests. Parsing applies the request caps of xmlsafe.h. */
enum pox_parse_error pox_request_parse(const char *body, size_t len, struct pox_request *out);
int pox_request_write(const struct pox_request *req, struct adbuf *out);
void pox_request_free(struct pox_request *req);

/* Responses. Parsing applies the response caps of xmlsafe.h. */
enum pox_parse_error pox_response_parse(const char *body, size_t len, struct pox_response *out);
int pox_response_write(const struct pox_response *resp, struct adbuf *out);
void pox_response_free(struct pox_response *resp);

/* Builders used by servers and tests; each copies its arguments; -1 on out of memory. */
struct pox_protocol *pox_response_add_protocol(struct pox_response *resp, const char *type);
int pox_protocol_add_field(struct pox_protocol *proto, const char *path, const char *value);
/* strdup that accepts NULL; *dst replaced (old value freed); -1 on OOM. */
int pox_set_str(char **dst, const char *src);
/* 1 if uri is want, or want with https:// instead of http:// (PROTOCOL.md §0 trap 1). */
bool pox_ns_match(const char *uri, const char *want);
/* Removes protocols[index], keeping the order of the others. */
void pox_response_remove_protocol(struct pox_response *resp, size_t index);
/* Looks a field up by path; NULL when absent. */
const char *pox_protocol_get(const struct pox_protocol *proto, const char *path);
/* Fills resp with an error answer: code, its standard message, the current time and an Id. */
int pox_response_set_error(struct pox_response *resp, int code, const char *debug_data);
/* The standard Message text for an ErrorCode ("The e-mail address cannot be found."). */
const char *pox_error_message(int code);
const char *pox_action_name(enum pox_action action); /* "settings", "redirectAddr", ... */

#endif
