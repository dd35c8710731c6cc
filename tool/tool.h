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
};

/* tool_options.c: -1 to run; otherwise the exit status (0 after --help or --version). */
int tool_parse_options(int argc, char **argv, struct tool_options *opts);

/* tool_password.c: 0 with *password set (NULL: none); -1 after printing why. */
int tool_read_password(const struct tool_options *opts, char **password);
void tool_free_password(char *password);

/* tool_output.c */
void tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tool_print_json(const ad_result *result);
void tool_print_log(const ad_result *result, bool to_stderr);
void tool_print_settings(const ad_result *result);

#endif
