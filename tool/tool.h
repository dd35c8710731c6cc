/* The autodiscover command: shared definitions of its parts. */
#ifndef AD_TOOL_H
#define AD_TOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "autodiscover/autodiscover.h"

#define TOOL_NAME "autodiscover"

/* Exit statuses, documented in --help and doc/autodiscover.md. */
enum tool_exit {
    EXIT_SETTINGS = 0,     /* settings found */
    EXIT_USAGE = 2,        /* usage error or bad input */
    EXIT_NOT_FOUND = 3,    /* nothing answered */
    EXIT_AUTH = 4,         /* credentials refused */
    EXIT_SERVER_ERROR = 5, /* an Autodiscover error answer */
    EXIT_REDIRECT = 6,     /* redirect limit or loop */
    EXIT_INTERNAL = 70,    /* internal error (EX_SOFTWARE) */
};

#define TOOL_MAX_CONNECT_TO 16
#define TOOL_MAX_LIST 16 /* --allow-redirect, --local-xml */
#define TOOL_MAX_SETTINGS 64

struct tool_options {
    bool json;
    bool log;
    const char *cacert;
    const char *user;
    const char *password_file;
    long timeout_ms;   /* 0: the library's default */
    unsigned excluded; /* AD_METHOD_* bits */
    const char *connect_to[TOOL_MAX_CONNECT_TO];
    size_t nconnect_to;
    const char *email;
    /* The journey beyond steps 4-5. */
    int max_redirects; /* -1: the library's default */
    const char *allow_redirect[TOOL_MAX_LIST];
    size_t nallow_redirect;
    bool allow_basic_after_redirect;
    const char *dns_server;
    bool seeded;
    unsigned long seed;
    const char *local_xml[TOOL_MAX_LIST];
    size_t nlocal_xml;
    bool prefer_local_xml;
    const char *cache_dir;
    bool no_cache;
    int retries;      /* -1: the library's default */
    long deadline_ms; /* 0: none */
    const char *o365_url;
    bool sequential;  /* one attempt at a time (Outlook's way) */
    bool pre_auth;    /* credentials on the first POST to trusted hosts */
    long stagger_ms;  /* -1: the library's default */
    /* SCP and LDAP (doc/scp.md). */
    const char *ldap;
    const char *site;
    const char *ldap_user;
    const char *ldap_password_file;
    bool ldap_starttls;
    /* Protocols and the live trace (tool_protocol.c). */
    ad_protocol protocol;
    const char *settings[TOOL_MAX_SETTINGS];
    size_t nsettings;
    const char *v2_protocol;
    bool trace;
    const char *config; /* the file the options came from too, or NULL */
    char **owned;       /* strings read from the config file, freed by tool_options_free() */
    size_t nowned;
};

/* tool_options.c: -1 to run; otherwise the exit status (0 after --help or --version). */
int tool_parse_options(int argc, char **argv, struct tool_options *opts);
void tool_options_free(struct tool_options *opts);

/* tool_config.c: applies "name value" lines of path; -1 to go on, else an exit status. */
int tool_read_config(const char *path, struct tool_options *opts, bool must_exist);
/* tool_options.c: one option by its long name (the config file's way in). */
int tool_apply_named_option(const char *name, const char *value, const char *where,
                            struct tool_options *opts);

/* tool_protocol.c: the protocol options, numbered from --protocol (0), --setting, --trace,
 * --v2-protocol; -1 to go on, else an exit status. */
int tool_apply_protocol_option(int which, const char *arg, struct tool_options *opts);
/* Hands them to the client; -1 to go on, else an exit status (after saying why). */
int tool_configure_protocol(ad_client *client, const struct tool_options *opts);
/* The trace callback: the line on stderr. */
void tool_trace(void *user_data, const char *line);
/* Prints SOAP / v2 settings and refused settings (after the POX ones). */
void tool_print_named_settings(const ad_result *result);

/* tool_consent.c: the consent callback: a y/N question on the terminal, else refuse. */
int tool_consent(void *user_data, const char *email, const char *url, const char *why);

/* tool_password.c: 0 with *password set (NULL: none); -1 after printing why. */
int tool_read_password(const struct tool_options *opts, char **password);
void tool_free_password(char *password);

/* tool_output.c */
void tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tool_print_json(const ad_result *result);
void tool_print_log(const ad_result *result, bool to_stderr);
void tool_print_settings(const ad_result *result);

#endif
