/*
 * soap: SOAP Autodiscover (MS-OXWSADISC; PROTOCOL.md §4), GetUserSettings and
 * GetDomainSettings, both directions: requests and responses are parsed into, and written
 * from, the structures below; SOAP 1.1 faults are written and recognised.
 * Every string is owned by its structure and freed by the matching _free function.
 * Parsing goes through xmlsafe (request caps for requests, response caps for responses).
 */
#ifndef AD_LIB_SOAP_H
#define AD_LIB_SOAP_H

#include <stdbool.h>
#include <stddef.h>

#include "adbuf.h"
#include "pox.h" /* enum pox_parse_error, shared by every XML protocol */

#define SOAP_NS_ENVELOPE "http://schemas.xmlsoap.org/soap/envelope/"
#define SOAP_NS_AUTODISCOVER "http://schemas.microsoft.com/exchange/2010/Autodiscover"
#define SOAP_NS_ADDRESSING "http://www.w3.org/2005/08/addressing"
#define SOAP_NS_XSI "http://www.w3.org/2001/XMLSchema-instance"
/* wsa:Action is this prefix plus the operation name (plus "Response" in answers). */
#define SOAP_ACTION_PREFIX "http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/"
/* Exchange answers at most this many mailboxes or domains per request. */
#define SOAP_MAX_IDENTITIES 100u

enum soap_op {
    SOAP_OP_NONE = 0,
    SOAP_OP_GET_USER_SETTINGS,
    SOAP_OP_GET_DOMAIN_SETTINGS,
};

struct soap_request {
    enum soap_op op;
    char *requested_server_version; /* header a:RequestedServerVersion, or NULL */
    char *action;                   /* header wsa:Action, or NULL */
    char *to;                       /* header wsa:To, or NULL */
    char **identities;              /* Users/User/Mailbox, or Domains/Domain */
    size_t nidentities;
    char **settings; /* RequestedSettings/Setting */
    size_t nsettings;
    char *requested_version; /* body RequestedVersion, or NULL */
};

enum soap_setting_kind {
    SOAP_SETTING_STRING = 0,      /* StringSetting, DomainStringSetting */
    SOAP_SETTING_WEB_CLIENT_URLS, /* WebClientUrlCollectionSetting */
    SOAP_SETTING_CONNECTIONS,     /* ProtocolConnectionCollectionSetting */
};

struct soap_web_client_url {
    char *authentication_methods;
    char *url;
};

struct soap_connection {
    char *hostname;
    char *port;
    char *encryption_method;
};

struct soap_setting {
    char *name;
    enum soap_setting_kind kind;
    char *value; /* SOAP_SETTING_STRING */
    struct soap_web_client_url *urls;
    size_t nurls;
    struct soap_connection *connections;
    size_t nconnections;
};

struct soap_setting_error {
    char *name;
    char *error_code; /* InvalidSetting, SettingIsNotAvailable, ... */
    char *error_message;
};

/* A UserResponse or a DomainResponse. */
struct soap_identity_response {
    char *error_code; /* NoError, RedirectAddress, RedirectUrl, InvalidUser, InvalidDomain, ... */
    char *error_message;
    char *redirect_target; /* NULL: written i:nil="true" */
    struct soap_setting_error *errors;
    size_t nerrors;
    struct soap_setting *settings;
    size_t nsettings;
};

struct soap_server_version {
    char *major_version, *minor_version, *major_build, *minor_build, *version;
};

struct soap_response {
    enum soap_op op;
    bool is_fault;
    char *fault_code; /* e.g. "s:Client" */
    char *fault_string;
    struct soap_server_version server_version;
    char *error_code; /* Response level */
    char *error_message;
    struct soap_identity_response *responses;
    size_t nresponses;
};

/* Requests: POX_PARSE_SCHEMA when not a SOAP 1.1 envelope with one of the two operations. */
enum pox_parse_error soap_request_parse(const char *body, size_t len, struct soap_request *out);
int soap_request_write(const struct soap_request *req, struct adbuf *out);
void soap_request_free(struct soap_request *req);

/* Responses, faults included (is_fault). */
enum pox_parse_error soap_response_parse(const char *body, size_t len, struct soap_response *out);
int soap_response_write(const struct soap_response *resp, struct adbuf *out);
void soap_response_free(struct soap_response *resp);
/* A SOAP 1.1 fault envelope; code is the local part ("Client" or "Server"). 0 or -1. */
int soap_fault_write(const char *code, const char *message, struct adbuf *out);

/* Operation names: "GetUserSettings", ...; NULL for SOAP_OP_NONE. */
const char *soap_op_name(enum soap_op op);

/* Builders (each copies its arguments; NULL or -1 on out of memory). */
struct soap_identity_response *soap_response_add(struct soap_response *resp, const char *error_code,
                                                 const char *error_message);
int soap_identity_set_redirect(struct soap_identity_response *r, const char *target);
int soap_identity_add_error(struct soap_identity_response *r, const char *name,
                            const char *error_code, const char *error_message);
int soap_identity_add_string(struct soap_identity_response *r, const char *name, const char *value);
/* A collection setting, empty; fill it with the two functions after it. */
struct soap_setting *soap_identity_add_collection(struct soap_identity_response *r,
                                                  const char *name, enum soap_setting_kind kind);
int soap_setting_add_url(struct soap_setting *s, const char *authentication_methods,
                         const char *url);
int soap_setting_add_connection(struct soap_setting *s, const char *hostname, const char *port,
                                const char *encryption_method);
/* The setting called name in r, or NULL. */
const struct soap_setting *soap_identity_get(const struct soap_identity_response *r,
                                             const char *name);

#endif
