/*
 * libautodiscover: find the server settings of a mailbox from its e-mail address, the way
 * Microsoft Exchange Autodiscover clients do, and explain every step of the journey.
 *
 * The library never prints. Handles are opaque; every function is prefixed ad_. Strings
 * returned by accessors belong to the object they came from and live as long as it does.
 * Functions that return char * hand ownership to the caller: release it with ad_free().
 */
#ifndef AUTODISCOVER_AUTODISCOVER_H
#define AUTODISCOVER_AUTODISCOVER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(AD_BUILDING_LIBRARY) && defined(__GNUC__)
#define AD_EXTERN __attribute__((visibility("default")))
#else
#define AD_EXTERN
#endif

#define AD_VERSION_STRING "0.1.0"

/* Result codes. Append only: never renumber or remove one. */
typedef enum {
    AD_OK = 0,
    AD_E_INVALID_ARGUMENT = 1, /* a NULL handle, an empty string, a value out of range */
    AD_E_NOMEM = 2,
    AD_E_BAD_ADDRESS = 3,    /* the e-mail address is not of the form local@domain */
    AD_E_FILE = 4,           /* a file named in the options cannot be read */
    AD_E_NOT_FOUND = 5,      /* every candidate failed: nothing answered Autodiscover */
    AD_E_AUTH = 6,           /* an Autodiscover server answered, but refused the credentials */
    AD_E_SERVER_ERROR = 7,   /* the best answer was an Autodiscover ErrorCode (e.g. 500) */
    AD_E_INTERNAL = 8,       /* a library failure (libcurl or libxml2 would not start) */
    AD_E_REDIRECT_LIMIT = 9, /* redirects went on past the limit, or looped */
} ad_code;

/* Discovery methods, as Outlook names them; ad_client_exclude() takes a mask of them. */
enum {
    AD_METHOD_ROOT = 1u << 0,         /* https://DOMAIN/autodiscover/autodiscover.xml */
    AD_METHOD_AUTODISCOVER = 1u << 1, /* https://autodiscover.DOMAIN/autodiscover/autodiscover.xml */
    /* Added with the journey beyond steps 4-5. */
    AD_METHOD_REDIRECT = 1u << 2,  /* GET http://autodiscover.DOMAIN/..., its 302 taken */
    AD_METHOD_SRV = 1u << 3,       /* DNS SRV _autodiscover._tcp.DOMAIN */
    AD_METHOD_LOCALXML = 1u << 4,  /* a local file (ad_client_add_local_xml) */
    AD_METHOD_LASTKNOWN = 1u << 5, /* the last-known-good URL cache */
    AD_METHOD_O365 = 1u << 6,      /* the explicit hosted endpoint (ad_client_set_o365_url) */
    AD_METHOD_SCP = 1u << 7,       /* Active Directory SCP (ad_client_set_ldap) */
};

typedef struct ad_client ad_client;
typedef struct ad_result ad_result;

AD_EXTERN const char *ad_version(void);
AD_EXTERN const char *ad_strerror(ad_code code);
AD_EXTERN void ad_free(void *ptr);

/* A client holds the options of a discovery; one client may run many discoveries in turn. */
AD_EXTERN ad_client *ad_client_new(void);
AD_EXTERN void ad_client_free(ad_client *client);

/* The user name sent with the password; NULL (the default) means the e-mail address. */
AD_EXTERN ad_code ad_client_set_credentials(ad_client *client, const char *username,
                                            const char *password);
/* A PEM file of trusted CA certificates, instead of the system's trust store. */
AD_EXTERN ad_code ad_client_set_cacert(ad_client *client, const char *path);
/* Per-attempt timeout (connect, TLS and answer together), 1 ms .. 10 minutes; default 10 s. */
AD_EXTERN ad_code ad_client_set_timeout_ms(ad_client *client, long timeout_ms);
/* Skip the methods in the mask (AD_METHOD_*). */
AD_EXTERN ad_code ad_client_exclude(ad_client *client, unsigned methods);

/*
 * Run the journey for email. On AD_OK or any failure but AD_E_NOMEM and AD_E_INVALID_ARGUMENT,
 * *result is set and holds every step taken, so a failure can be explained; free it with
 * ad_result_free().
 */
AD_EXTERN ad_code ad_discover(ad_client *client, const char *email, ad_result **result);

AD_EXTERN void ad_result_free(ad_result *result);
AD_EXTERN ad_code ad_result_code(const ad_result *result);
/* One line explaining the outcome: "settings from https://...", "no candidate answered". */
AD_EXTERN const char *ad_result_reason(const ad_result *result);
/* The address the settings are for (after any redirectAddr), and the URL that answered. */
AD_EXTERN const char *ad_result_email(const ad_result *result);
AD_EXTERN const char *ad_result_url(const ad_result *result);
/* A User field by its POX element name: "DisplayName", "LegacyDN", "AutoDiscoverSMTPAddress". */
AD_EXTERN const char *ad_result_user(const ad_result *result, const char *name);

/* Protocol sections of the answer (EXCH, EXPR, WEB, IMAP, ...), in document order. */
AD_EXTERN size_t ad_result_protocol_count(const ad_result *result);
AD_EXTERN const char *ad_result_protocol_type(const ad_result *result, size_t index);
/* A field of a protocol by its path below <Protocol>: "EwsUrl", "Server", "Internal/OWAUrl". */
AD_EXTERN const char *ad_result_protocol_get(const ad_result *result, size_t index,
                                             const char *path);
AD_EXTERN size_t ad_result_protocol_field_count(const ad_result *result, size_t index);
AD_EXTERN ad_code ad_result_protocol_field(const ad_result *result, size_t index, size_t field,
                                           const char **path, const char **value);

/* The journey: one step per attempt (an HTTP request, a DNS query, ...), in order. */
AD_EXTERN size_t ad_result_step_count(const ad_result *result);
AD_EXTERN const char *ad_result_step_method(const ad_result *result, size_t index);
AD_EXTERN const char *ad_result_step_url(const ad_result *result, size_t index);
AD_EXTERN int ad_result_step_status(const ad_result *result, size_t index);
AD_EXTERN const char *ad_result_step_decision(const ad_result *result, size_t index);
AD_EXTERN const char *ad_result_step_reason(const ad_result *result, size_t index);
AD_EXTERN long ad_result_step_elapsed_ms(const ad_result *result, size_t index);

/* The whole result and journey as one JSON document: {"result": {...}, "steps": [...]}. */
AD_EXTERN char *ad_result_to_json(const ad_result *result);

/* --- Added in 0.1.0 by the first client (append only below this line) --- */

/* The method that found the answering URL ("root", "autodiscover"), NULL without settings. */
AD_EXTERN const char *ad_result_method(const ad_result *result);
/* The Account/Action of the answer ("settings"), NULL without an answer. */
AD_EXTERN const char *ad_result_action(const ad_result *result);
/* A step's Outlook-style label ("0x800C8203" unreachable), "" when none fits. */
AD_EXTERN const char *ad_result_step_code(const ad_result *result, size_t index);
/* The authentication a step's request carried: "none" or "basic" (never the credentials). */
AD_EXTERN const char *ad_result_step_auth(const ad_result *result, size_t index);
/* The enum name of a code: "AD_OK", "AD_E_NOT_FOUND", ... */
AD_EXTERN const char *ad_code_name(ad_code code);

/*
 * A method by its Outlook name, as --exclude takes it: scp, root, autodiscover, redirect, srv,
 * lastknown, o365, localxml. AD_OK with *method set to its AD_METHOD_* bit (0 for a method this
 * version does not implement yet, so there is nothing to exclude); AD_E_INVALID_ARGUMENT for
 * a name that is not a method.
 */
AD_EXTERN ad_code ad_method_from_name(const char *name, unsigned *method);

/*
 * Connect to another host and port than the URL names, like curl's --connect-to: the spec is
 * "HOST:PORT:CONNECT-HOST:CONNECT-PORT" (empty parts match any). The certificate is still
 * verified against the URL's host, so this moves the TCP connection only, never the trust.
 * For tests and for trying a server before its DNS exists. May be called several times.
 */
AD_EXTERN ad_code ad_client_add_connect_to(ad_client *client, const char *spec);

/*
 * Checks an address without discovering anything: NULL when email is a usable address,
 * else a static phrase saying what is wrong ("the address has no @"). Lets a program refuse a
 * typo before it asks for a password.
 */
AD_EXTERN const char *ad_address_problem(const char *email);

/* --- Added in 0.1.0 by the journey beyond steps 4-5 (append only below this line) --- */

/*
 * Consent for a host learnt from an unauthenticated source (the port-80 probe's 302, DNS
 * SRV) whose registrable domain differs from the address's (PROTOCOL.md §8 rule 4). The
 * callback gets the address, the URL about to be contacted and a one-line reason; it returns
 * non-zero to allow. Nothing is sent to the host before it answers. Without a callback (the
 * default) such hosts are refused. Hosts given to ad_client_allow_redirect_host() are allowed
 * without asking.
 */
typedef int (*ad_consent_fn)(void *user_data, const char *email, const char *url,
                             const char *why);
AD_EXTERN ad_code ad_client_set_consent_callback(ad_client *client, ad_consent_fn callback,
                                                 void *user_data);
/* Allows HOST (exact name, any case) without consent; may be called several times. */
AD_EXTERN ad_code ad_client_allow_redirect_host(ad_client *client, const char *host);
/*
 * The "switcheroo" guard: a host that needed consent (and any redirect it leads to), or any
 * host after a Negotiate/NTLM challenge was seen in the same discovery, gets no Basic
 * credentials unless this is set (default 0: withheld).
 */
AD_EXTERN ad_code ad_client_allow_basic_after_redirect(ad_client *client, int allow);
/* Redirects followed in all (URL and address hops together), 0 .. 100; default 10. */
AD_EXTERN ad_code ad_client_set_max_redirects(ad_client *client, int max);
/* The DNS server for SRV look-ups, "ADDR" or "ADDR:PORT" ("[v6]:PORT"); NULL: the system's. */
AD_EXTERN ad_code ad_client_set_dns_server(ad_client *client, const char *server);
/* Seeds the RFC 2782 weighted choice among SRV records, for a repeatable order. */
AD_EXTERN ad_code ad_client_set_srv_seed(ad_client *client, unsigned long seed);
/* "DOMAIN=FILE" or "ADDRESS=FILE": an Autodiscover answer read from FILE (method localxml). */
AD_EXTERN ad_code ad_client_add_local_xml(ad_client *client, const char *spec);
/* Non-zero: local XML first (step 0); otherwise it comes after the autodiscover. host. */
AD_EXTERN ad_code ad_client_prefer_local_xml(ad_client *client, int prefer);
/* The last-known-good cache directory (created 0700 if missing); NULL (default): no cache. */
AD_EXTERN ad_code ad_client_set_cache_dir(ad_client *client, const char *dir);
/* Retries of an attempt that timed out, 0 .. 10; default 0. */
AD_EXTERN ad_code ad_client_set_retries(ad_client *client, int retries);
/* An overall budget for one discovery, 1 ms .. 1 hour; 0 (default): none. */
AD_EXTERN ad_code ad_client_set_deadline_ms(ad_client *client, long deadline_ms);
/*
 * Stops the discovery running on this client, from any thread: transfers in flight are aborted,
 * no further step starts, and ad_discover returns AD_E_NOT_FOUND with the reason "the discovery
 * was cancelled". Sticky: later discoveries on this client stop at once too.
 */
AD_EXTERN ad_code ad_client_cancel(ad_client *client);
/* The explicit hosted endpoint (https, Autodiscover path); NULL (default): none. */
AD_EXTERN ad_code ad_client_set_o365_url(ad_client *client, const char *url);

/* Step details added by the journey: NULL / 0 when absent. */
AD_EXTERN const char *ad_result_step_query(const ad_result *result, size_t index);
AD_EXTERN const char *ad_result_step_email(const ad_result *result, size_t index);
AD_EXTERN const char *ad_result_step_redirected_from(const ad_result *result, size_t index);
AD_EXTERN int ad_result_step_hop(const ad_result *result, size_t index);
/* Non-zero when the answering URL came from the last-known-good cache. */
AD_EXTERN int ad_result_from_cache(const ad_result *result);
/* Redirects followed in all. */
AD_EXTERN int ad_result_redirects(const ad_result *result);

/*
 * Parallel probing (doc/libautodiscover.md). By default the candidates overlap: the next one
 * starts when nothing has started for the stagger, sooner when the latest request's SYN is
 * unanswered (10 ms at least), or at once when the latest failed; the answer is still the
 * one the sequential order gives, except that a candidate that has no (TLS) connection is
 * given up once a later one holds settings (after the grace: doc/libautodiscover.md). Steps
 * answered ahead of their turn and never used have the decision "held", transfers stopped
 * the decision "cancelled".
 * Non-zero: one attempt at a time, in order, as Outlook does (no "held"/"cancelled" steps).
 */
AD_EXTERN ad_code ad_client_set_sequential(ad_client *client, int on);
/*
 * The stagger between the starts of overlapping candidates, 0 .. 60000 ms; default 250. A
 * request whose SYN goes unanswered is not waited for that long (see above).
 */
AD_EXTERN ad_code ad_client_set_stagger_ms(ad_client *client, long stagger_ms);


/* --- Added in 0.1.0 with the other protocols and callbacks (append only below this line) --- */

/* Which Autodiscover protocol a discovery speaks (doc/libautodiscover.md "Protocols"). */
typedef enum {
    AD_PROTOCOL_POX = 0,    /* Outlook POX: POST autodiscover.xml (the default) */
    AD_PROTOCOL_SOAP = 1,   /* SOAP GetUserSettings: POST autodiscover.svc (EWS Managed API) */
    AD_PROTOCOL_JSON = 2,   /* Autodiscover v2: GET autodiscover.json, its Url then asked POX */
    AD_PROTOCOL_MOBILESYNC = 3, /* the ActiveSync flavour of POX */
} ad_protocol;

/* The method of the Autodiscover v2 GETs (named "json" in steps and in --exclude). */
enum { AD_METHOD_JSON = 1u << 8 };

AD_EXTERN ad_code ad_client_set_protocol(ad_client *client, ad_protocol protocol);
/*
 * SOAP: a setting to ask for (UserDisplayName, ExternalEwsUrl, ...); may be called several
 * times, at most 64. Without any, a useful default set is asked (doc/libautodiscover.md).
 */
AD_EXTERN ad_code ad_client_add_setting(ad_client *client, const char *name);
/*
 * v2 JSON: the Protocol asked for (letters and digits, at most 64); default "AutodiscoverV1",
 * whose Url is then asked with POX. Any other name ("Ews", "ActiveSync") ends the discovery
 * with that Url as the setting "Url".
 */
AD_EXTERN ad_code ad_client_set_v2_protocol(ad_client *client, const char *name);

/*
 * Asked when a validated https server wants Basic credentials and none were set: fill user
 * (may be left "" for the address) and pass, NUL-terminated within ulen/plen, and return
 * non-zero; return 0 to decline. Asked at most once per discovery; the answer is kept in
 * memory for that discovery only and wiped (explicit_bzero) when it ends.
 */
typedef int (*ad_credentials_fn)(void *user_data, const char *email, const char *url, char *user,
                                 size_t ulen, char *pass, size_t plen);
AD_EXTERN ad_code ad_client_set_credentials_callback(ad_client *client, ad_credentials_fn callback,
                                                     void *user_data);
/*
 * Called once per step as it is recorded, with one line ("autodiscover https://... 401
 * retry-with-credentials: ..."); never holds a secret. NULL turns it off.
 */
typedef void (*ad_trace_fn)(void *user_data, const char *line);
AD_EXTERN ad_code ad_client_set_trace_callback(ad_client *client, ad_trace_fn callback,
                                               void *user_data);

/* The protocol the result was asked with: "pox", "soap", "json", "mobilesync". */
AD_EXTERN const char *ad_result_protocol_name(const ad_result *result);
/*
 * Settings by name (SOAP UserSettings; v2 JSON "Protocol" and "Url" for a protocol other than
 * AutodiscoverV1). A name may repeat (a collection setting gives one entry per URL or
 * connection). ad_result_setting() returns the first value of name, or NULL.
 */
AD_EXTERN const char *ad_result_setting(const ad_result *result, const char *name);
AD_EXTERN size_t ad_result_setting_count(const ad_result *result);
AD_EXTERN ad_code ad_result_setting_at(const ad_result *result, size_t index, const char **name,
                                       const char **value);
/* SOAP UserSettingErrors: a setting asked for and refused (InvalidSetting, ...). */
AD_EXTERN size_t ad_result_setting_error_count(const ad_result *result);
AD_EXTERN ad_code ad_result_setting_error_at(const ad_result *result, size_t index,
                                             const char **name, const char **code,
                                             const char **message);

/* --- Added in 0.1.0 by SCP and LDAP (append only below this line; doc/scp.md) --- */

/*
 * The directory for the SCP look-up (PROTOCOL.md §6, step 3 of §1.3): "ldap://HOST[:PORT]",
 * "ldaps://HOST[:PORT]", "auto" (DNS SRV _ldap._tcp.<the address's domain>) or "auto:DOMAIN".
 * NULL (the default): no directory, no SCP step. ldaps:// and StartTLS trust the
 * ad_client_set_cacert() file (else the system's store).
 */
AD_EXTERN ad_code ad_client_set_ldap(ad_client *client, const char *uri);
/* The client computer's AD site, for the SCP site buckets; NULL (default): none. */
AD_EXTERN ad_code ad_client_set_site(ad_client *client, const char *site);
/* A simple bind as bind_dn with password; NULL, NULL (default): anonymous. */
AD_EXTERN ad_code ad_client_set_ldap_credentials(ad_client *client, const char *bind_dn,
                                                 const char *password);
/* Non-zero: StartTLS on ldap:// URIs, pointed-to directories included (fails without it). */
AD_EXTERN ad_code ad_client_set_ldap_starttls(ad_client *client, int on);

/*
 * Non-zero: send the credentials with the first POST instead of waiting for a 401, but only to
 * a trusted host: one of the address's registrable domain, one allowed with
 * ad_client_allow_redirect_host(), or one from SCP, the cache or the o365 URL; never to a host
 * reached through a consent-needing source, never over anything but validated HTTPS.
 * Default 0: credentials only after a 401 that offers Basic.
 */
AD_EXTERN ad_code ad_client_set_pre_auth(ad_client *client, int on);

/* --- Added in 0.1.0 with the TLS outcome of steps (append only below this line) --- */

/*
 * The TLS outcome of an https step (doc/libautodiscover.md "Steps"), by name: "verified"
 * ("true" or "false"), "version" ("TLSv1.3"), "cipher", "subject", "issuer", "not_before",
 * "not_after" (ISO 8601 UTC) and "error" (why validation failed). NULL when the step had no
 * TLS (no connection, plain http, DNS) or the field is unknown; valid while the result lives.
 */
AD_EXTERN const char *ad_result_step_tls_field(const ad_result *result, size_t index,
                                               const char *name);
/* The DNS names of the server certificate's subjectAltName (at most 32). */
AD_EXTERN size_t ad_result_step_tls_name_count(const ad_result *result, size_t index);
AD_EXTERN const char *ad_result_step_tls_name(const ad_result *result, size_t index, size_t name);
/*
 * The authentication schemes a 401 offered (WWW-Authenticate scheme names only, never their
 * parameters), "Negotiate, Basic"; NULL when the step was not a 401 or named none.
 */
AD_EXTERN const char *ad_result_step_auth_offered(const ad_result *result, size_t index);

/* --- Added in 0.1.0 with warnings (append only below this line) --- */

/*
 * Warnings: what went wrong without failing the discovery, one line each (at most 16), e.g.
 * "last-known-good cache not written: /path: No space left on device". The tool prints them
 * as "warning: ..." and the JSON report lists them in "result" "warnings".
 */
AD_EXTERN size_t ad_result_warning_count(const ad_result *result);
/* The warning at index, or NULL; valid while the result lives. */
AD_EXTERN const char *ad_result_warning(const ad_result *result, size_t index);

#ifdef __cplusplus
}
#endif
#endif
