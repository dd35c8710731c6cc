/*
 * Command-line options. One table drives both getopt_long() and --help, so they cannot
 * drift apart; doc/autodiscover.md describes the same options.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
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
    OPT_ALLOW_BASIC_AFTER_REDIRECT,
    OPT_ALLOW_REDIRECT,
    OPT_CACHE_DIR,
    OPT_CONFIG,
    OPT_DEADLINE,
    OPT_DNS_SERVER,
    OPT_LOCAL_XML,
    OPT_MAX_REDIRECTS,
    OPT_NO_CACHE,
    OPT_O365_URL,
    OPT_PREFER_LOCAL_XML,
    OPT_RETRIES,
    OPT_SEED,
    OPT_SEQUENTIAL,
    OPT_PRE_AUTH,
    OPT_STAGGER,
    /* SCP and LDAP (doc/scp.md). */
    OPT_LDAP,
    OPT_LDAP_PASSWORD_FILE,
    OPT_LDAP_STARTTLS,
    OPT_LDAP_USER,
    OPT_SITE,
    /* Protocols and the live trace (doc/autodiscover.md). */
    OPT_PROTOCOL,
    OPT_SETTING,
    OPT_TRACE,
    OPT_V2_PROTOCOL,
};

struct option_spec {
    const char *name;
    const char *arg; /* the argument's name in --help, NULL for a flag */
    int id;
    const char *help;
};

/* Sorted by name. The same table parses the command line and the config file. */
static const struct option_spec option_table[] = {
    {"allow-basic-after-redirect", NULL, OPT_ALLOW_BASIC_AFTER_REDIRECT,
     "send Basic credentials to a probe/SRV host, or after Negotiate/NTLM was offered"},
    {"allow-redirect", "HOST", OPT_ALLOW_REDIRECT,
     "trust HOST from the port-80 probe or SRV without asking (repeatable)"},
    {"cache-dir", "DIR", OPT_CACHE_DIR,
     "last-known-good cache (default $XDG_CACHE_HOME/autodiscover)"},
    {"cacert", "FILE", OPT_CACERT, "trust the CA certificates in FILE (PEM), not the system's"},
    {"config", "FILE", OPT_CONFIG,
     "read options from FILE (default $XDG_CONFIG_HOME/autodiscover/config)"},
    {"connect-to", "H:P:H2:P2", OPT_CONNECT_TO,
     "connect to H2:P2 for H:P (the certificate must still name H)"},
    {"deadline", "SECONDS", OPT_DEADLINE, "overall time budget of the discovery (default none)"},
    {"dns-server", "ADDR[:PORT]", OPT_DNS_SERVER,
     "DNS server for the SRV look-up (default: the system's)"},
    {"exclude", "LIST", OPT_EXCLUDE,
     "skip methods: scp,root,autodiscover,redirect,srv,lastknown,o365,localxml"},
    {"help", NULL, OPT_HELP, "show this help and exit"},
    {"json", NULL, OPT_JSON, "print the result and every step as one JSON document"},
    {"ldap", "URI", OPT_LDAP,
     "directory for the SCP look-up: ldap://H[:P], ldaps://H[:P], auto[:DOMAIN] (DNS SRV)"},
    {"ldap-password-file", "FILE", OPT_LDAP_PASSWORD_FILE,
     "password of --ldap-user (default: the mailbox password)"},
    {"ldap-starttls", NULL, OPT_LDAP_STARTTLS, "StartTLS on ldap:// directories (--cacert)"},
    {"ldap-user", "DN", OPT_LDAP_USER, "simple bind to the directory as DN (default anonymous)"},
    {"local-xml", "KEY=FILE", OPT_LOCAL_XML,
     "an answer in FILE for a domain or an address KEY (repeatable)"},
    {"log", NULL, OPT_LOG, "log every step first, Outlook style (on stderr with --json)"},
    {"max-redirects", "N", OPT_MAX_REDIRECTS, "redirects followed in all, 0..100 (default 10)"},
    {"no-cache", NULL, OPT_NO_CACHE, "neither read nor write the last-known-good cache"},
    {"o365-url", "URL", OPT_O365_URL, "explicit hosted endpoint, tried before the domain"},
    {"password-file", "FILE", OPT_PASSWORD_FILE, "read the password from the first line of FILE"},
    {"pre-auth", NULL, OPT_PRE_AUTH,
     "send credentials with the first POST to trusted hosts (default: only after a 401)"},
    {"prefer-local-xml", NULL, OPT_PREFER_LOCAL_XML, "try --local-xml first, before the network"},
    {"protocol", "NAME", OPT_PROTOCOL, "pox (default), soap, json (v2, then POX) or mobilesync"},
    {"retries", "N", OPT_RETRIES, "retries of an attempt that timed out, 0..10 (default 0)"},
    {"seed", "N", OPT_SEED, "seed of the SRV weighted choice, for a repeatable order"},
    {"sequential", NULL, OPT_SEQUENTIAL,
     "one attempt at a time, in order (default: overlap them, order still decides)"},
    {"setting", "NAME", OPT_SETTING,
     "a SOAP user setting to ask for (repeatable; default a useful set)"},
    {"site", "NAME", OPT_SITE, "this computer's AD site, for the SCP site buckets"},
    {"stagger", "MS", OPT_STAGGER,
     "start the next candidate after MS ms (sooner if a SYN goes unanswered), 0..60000 "
     "(default 250)"},
    {"timeout", "SECONDS", OPT_TIMEOUT, "per-attempt timeout, fractions allowed (default 10)"},
    {"trace", NULL, OPT_TRACE, "print every step on stderr as it happens"},
    {"user", "NAME", OPT_USER, "user name to authenticate as (default: the address)"},
    {"v2-protocol", "NAME", OPT_V2_PROTOCOL,
     "with --protocol json: the v2 Protocol asked (default AutodiscoverV1)"},
    {"version", NULL, OPT_VERSION, "show the version and exit"},
};
#define OPTION_COUNT (sizeof option_table / sizeof option_table[0])

static void print_help(void)
{
    printf("Usage: %s [OPTIONS] EMAIL\n", TOOL_NAME);
    printf("Find the server settings of a mailbox with Exchange Autodiscover\n"
           "(POX; SOAP, v2 JSON or ActiveSync with --protocol).\n\n"
           "Options:\n");
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct option_spec *o = &option_table[i];
        char left[40];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        printf("  %-30s %s\n", left, o->help);
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

/* Seconds, fractions allowed, in (0, max], to milliseconds; -1 if not valid. */
static long parse_seconds(const char *text, double max)
{
    char *end = NULL;
    errno = 0;
    double seconds = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(seconds) || seconds <= 0 || seconds > max)
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

/* A whole decimal number in [min, max]; -1 if not valid (min is never negative). */
static long parse_count(const char *text, long min, long max)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(text, &end, 10);
    if (errno || end == text || *end || n < min || n > max)
        return -1;
    return n;
}

/* Adds to a bounded list; an exit status when full, else -1. */
static int add_to_list(const char **list, size_t *n, const char *value, const char *name)
{
    if (*n == TOOL_MAX_LIST) {
        tool_error("--%s: at most %d", name, TOOL_MAX_LIST);
        return EXIT_USAGE;
    }
    list[(*n)++] = value;
    return -1;
}

/* The options added with the journey beyond steps 4-5; -1 to go on, else an exit status. */
static int apply_journey_option(int id, const char *arg, struct tool_options *opts)
{
    long n;
    switch (id) {
    case OPT_ALLOW_BASIC_AFTER_REDIRECT:
        opts->allow_basic_after_redirect = true;
        break;
    case OPT_ALLOW_REDIRECT:
        return add_to_list(opts->allow_redirect, &opts->nallow_redirect, arg, "allow-redirect");
    case OPT_CACHE_DIR:
        opts->cache_dir = arg;
        break;
    case OPT_CONFIG:
        opts->config = arg; /* read before the command line, see tool_parse_options() */
        break;
    case OPT_DEADLINE:
        if ((opts->deadline_ms = parse_seconds(arg, 3600)) < 0) {
            tool_error("--deadline: '%s' is not a number of seconds in (0, 3600]", arg);
            return EXIT_USAGE;
        }
        break;
    case OPT_DNS_SERVER:
        opts->dns_server = arg;
        break;
    case OPT_LOCAL_XML:
        return add_to_list(opts->local_xml, &opts->nlocal_xml, arg, "local-xml");
    case OPT_MAX_REDIRECTS:
        if ((n = parse_count(arg, 0, 100)) < 0) {
            tool_error("--max-redirects: '%s' is not a number in 0..100", arg);
            return EXIT_USAGE;
        }
        opts->max_redirects = (int)n;
        break;
    case OPT_NO_CACHE:
        opts->no_cache = true;
        break;
    case OPT_O365_URL:
        opts->o365_url = arg;
        break;
    case OPT_PREFER_LOCAL_XML:
        opts->prefer_local_xml = true;
        break;
    case OPT_RETRIES:
        if ((n = parse_count(arg, 0, 10)) < 0) {
            tool_error("--retries: '%s' is not a number in 0..10", arg);
            return EXIT_USAGE;
        }
        opts->retries = (int)n;
        break;
    case OPT_SEED:
        if ((n = parse_count(arg, 0, LONG_MAX)) < 0) {
            tool_error("--seed: '%s' is not a non-negative number", arg);
            return EXIT_USAGE;
        }
        opts->seeded = true;
        opts->seed = (unsigned long)n;
        break;
    case OPT_SEQUENTIAL:
        opts->sequential = true;
        break;
    case OPT_PRE_AUTH:
        opts->pre_auth = true;
        break;
    case OPT_STAGGER:
        if ((opts->stagger_ms = parse_count(arg, 0, 60000)) < 0) {
            tool_error("--stagger: '%s' is not a number of milliseconds in 0..60000", arg);
            return EXIT_USAGE;
        }
        break;
    case OPT_LDAP:
        opts->ldap = arg;
        break;
    case OPT_LDAP_PASSWORD_FILE:
        opts->ldap_password_file = arg;
        break;
    case OPT_LDAP_STARTTLS:
        opts->ldap_starttls = true;
        break;
    case OPT_LDAP_USER:
        opts->ldap_user = arg;
        break;
    case OPT_SITE:
        opts->site = arg;
        break;
    default:
        return tool_apply_protocol_option(id - OPT_PROTOCOL, arg, opts);
    }
    return -1;
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
        if ((opts->timeout_ms = parse_seconds(arg, 600)) < 0) {
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
        return apply_journey_option(id, arg, opts);
    }
    return -1;
}

int tool_apply_named_option(const char *name, const char *value, const char *where,
                            struct tool_options *opts)
{
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct option_spec *o = &option_table[i];
        if (strcmp(o->name, name) != 0)
            continue;
        /* A file may not name another file of options, nor end the program. */
        if (o->id == OPT_CONFIG || o->id == OPT_HELP || o->id == OPT_VERSION)
            break;
        if (!o->arg != !value) {
            tool_error("%s: option '%s' %s", where, name,
                       o->arg ? "needs a value" : "takes no value");
            return EXIT_USAGE;
        }
        return apply_option(o->id, value, opts);
    }
    tool_error("%s: unknown option '%s'", where, name);
    return EXIT_USAGE;
}

void tool_options_free(struct tool_options *opts)
{
    for (size_t i = 0; i < opts->nowned; i++)
        free(opts->owned[i]);
    free(opts->owned);
    opts->owned = NULL;
    opts->nowned = 0;
}

/* The --config FILE of the command line, if any (it must be read before the rest). */
static const char *config_in_argv(int argc, char **argv)
{
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config = argv[++i];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            config = argv[i] + 9;
    }
    return config;
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
    opts->max_redirects = -1;
    opts->retries = -1;
    opts->stagger_ms = -1;
    opts->protocol = AD_PROTOCOL_POX;
    /* curl's model: the file first, then the command line, which wins for single values. */
    const char *config = config_in_argv(argc, argv);
    int status = tool_read_config(config, opts, config != NULL);
    if (status >= 0)
        return status;
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
        status = apply_option(id, optarg, opts);
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
