/*
 * Command-line options. One table drives both getopt_long() and --help, so they cannot
 * drift apart; doc/autodiscover.md describes the same options.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "tool.h"

enum option_id {
    OPT_CACERT = 256,
    OPT_CONNECT_TO,
    OPT_EXCLUDE,
    OPT_HELP,
    OPT_JSON,
    OPT_LOG,
    OPT_PASSWORD_FILE,
    OPT_TIMEOUT,
    OPT_USER,
    OPT_VERSION,
};

struct option_spec {
    const char *name;
    const char *arg; /* the argument's name in --help, NULL for a flag */
    int id;
    const char *help;
};

/* Sorted by name. */
static const struct option_spec option_table[] = {
    {"cacert", "FILE", OPT_CACERT, "trust the CA certificates in FILE (PEM), not the system's"},
    {"connect-to", "H:P:H2:P2", OPT_CONNECT_TO,
     "connect to H2:P2 for H:P (the certificate must still name H)"},
    {"exclude", "LIST", OPT_EXCLUDE,
     "skip methods: scp,root,autodiscover,redirect,srv,lastknown,o365,localxml"},
    {"help", NULL, OPT_HELP, "show this help and exit"},
    {"json", NULL, OPT_JSON, "print the result and every step as one JSON document"},
    {"log", NULL, OPT_LOG, "log every step first, Outlook style (on stderr with --json)"},
    {"password-file", "FILE", OPT_PASSWORD_FILE, "read the password from the first line of FILE"},
    {"timeout", "SECONDS", OPT_TIMEOUT, "per-attempt timeout, fractions allowed (default 10)"},
    {"user", "NAME", OPT_USER, "user name to authenticate as (default: the address)"},
    {"version", NULL, OPT_VERSION, "show the version and exit"},
};
#define OPTION_COUNT (sizeof option_table / sizeof option_table[0])

static void print_help(void)
{
    printf("Usage: %s [OPTIONS] EMAIL\n", TOOL_NAME);
    printf("Find the server settings of a mailbox with Exchange Autodiscover (POX).\n\n"
           "Options:\n");
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct option_spec *o = &option_table[i];
        char left[48];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        printf("  %-26s %s\n", left, o->help);
    }
    printf("\nThe password comes from --password-file, else $AUTODISCOVER_PASSWORD, else a\n"
           "prompt when standard input is a terminal; never from the command line.\n"
           "\nExit status:\n"
           "  0   settings found\n"
           "  2   usage error or bad input (malformed address, unreadable file, bad value)\n"
           "  3   nothing answered Autodiscover\n"
           "  4   credentials refused\n"
           "  5   an Autodiscover error answer (for example ErrorCode 500)\n"
           "  6   redirect limit reached, or a redirect loop\n"
           "  70  internal error\n");
}

static void print_version(void)
{
    printf("%s %s (libautodiscover %s, %s)\n", TOOL_NAME, AD_VERSION_STRING, ad_version(),
           curl_version());
}

/* Seconds, fractions allowed, to milliseconds in the library's range; -1 if not valid. */
static long parse_timeout(const char *text)
{
    char *end = NULL;
    errno = 0;
    double seconds = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(seconds) || seconds <= 0 || seconds > 600)
        return -1;
    long ms = (long)ceil(seconds * 1000.0);
    return ms < 1 ? 1 : ms;
}

/* A comma-separated list of method names to a mask; -1 after saying which name is unknown. */
static int parse_exclude(const char *list, unsigned *mask)
{
    char *copy = strdup(list);
    if (!copy) {
        tool_error("out of memory");
        return -1;
    }
    int rc = 0;
    char *save = NULL;
    for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        unsigned bit = 0;
        if (ad_method_from_name(name, &bit) != AD_OK) {
            tool_error("--exclude: unknown method '%s' (known: scp, root, autodiscover, "
                       "redirect, srv, lastknown, o365, localxml)",
                       name);
            rc = -1;
            break;
        }
        *mask |= bit;
    }
    free(copy);
    return rc;
}

/* Applies one option; -1 to go on, else an exit status. */
static int apply_option(int id, const char *arg, struct tool_options *opts)
{
    switch (id) {
    case OPT_CACERT:
        opts->cacert = arg;
        break;
    case OPT_CONNECT_TO:
        if (opts->nconnect_to == TOOL_MAX_CONNECT_TO) {
            tool_error("--connect-to: at most %d", TOOL_MAX_CONNECT_TO);
            return EXIT_USAGE;
        }
        opts->connect_to[opts->nconnect_to++] = arg;
        break;
    case OPT_EXCLUDE:
        if (parse_exclude(arg, &opts->excluded) < 0)
            return EXIT_USAGE;
        break;
    case OPT_HELP:
        print_help();
        return EXIT_SETTINGS;
    case OPT_JSON:
        opts->json = true;
        break;
    case OPT_LOG:
        opts->log = true;
        break;
    case OPT_PASSWORD_FILE:
        opts->password_file = arg;
        break;
    case OPT_TIMEOUT:
        if ((opts->timeout_ms = parse_timeout(arg)) < 0) {
            tool_error("--timeout: '%s' is not a number of seconds in (0, 600]", arg);
            return EXIT_USAGE;
        }
        break;
    case OPT_USER:
        opts->user = arg;
        break;
    case OPT_VERSION:
        print_version();
        return EXIT_SETTINGS;
    default:
        return EXIT_USAGE;
    }
    return -1;
}

/* One line, as for every failure: getopt_long() itself is kept quiet (opterr = 0). */
static int bad_option(int id, const char *word)
{
    if (id == ':')
        tool_error("option '%s' needs a value (see --help)", word);
    else
        tool_error("unknown option '%s' (see --help)", word);
    return EXIT_USAGE;
}

int tool_parse_options(int argc, char **argv, struct tool_options *opts)
{
    memset(opts, 0, sizeof *opts);
    struct option longopts[OPTION_COUNT + 1];
    for (size_t i = 0; i < OPTION_COUNT; i++)
        longopts[i] = (struct option){option_table[i].name,
                                      option_table[i].arg ? required_argument : no_argument, NULL,
                                      option_table[i].id};
    longopts[OPTION_COUNT] = (struct option){0};
    opterr = 0;
    int id;
    while ((id = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        if (id == '?' || id == ':')
            return bad_option(id, argv[optind - 1]);
        int status = apply_option(id, optarg, opts);
        if (status >= 0)
            return status;
    }
    if (optind != argc - 1) {
        tool_error(optind == argc ? "no e-mail address given (see --help)"
                                  : "more than one e-mail address given (see --help)");
        return EXIT_USAGE;
    }
    opts->email = argv[optind];
    return -1;
}
