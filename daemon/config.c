/*
 * config: a small hand-written tokenizer and a table-driven parser for autodiscoverd.conf.
 *
 * Tokens are bare words, double-quoted strings (\" and \\ escapes), '{', '}', ';' and
 * newlines; '#' starts a comment. A statement is a directive name, its arguments, and then
 * either a newline, a ';', a '}' or the end of the file, or a '{' for directives that open
 * a block. Blocks nest: listen { host NAME { ... } }.
 * Every directive is one row of the table below: adding one means adding a row and, when
 * it needs one, a small apply function.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dir_ldap_config.h"
#include "xmlsafe.h"

#define TOKEN_MAX 4096

enum token_kind { TOK_WORD, TOK_STRING, TOK_LBRACE, TOK_RBRACE, TOK_NEWLINE, TOK_EOF };

struct token {
    enum token_kind kind;
    char text[TOKEN_MAX];
    int line;
};

/* Bit flags, so a directive can be allowed in several kinds of block. */
enum block {
    BLOCK_TOP = 1,
    BLOCK_LISTEN = 2,
    BLOCK_HOST = 4,
    BLOCK_ANALYZER = 8,
    BLOCK_MAILBOXES = 16,
};

struct parser {
    const char *name;
    const char *text;
    size_t pos;
    int line;
    struct config *conf;
    enum block block;
    struct config_listener *listener; /* the open listen block */
    struct config_host implicit;      /* the role directives written in the listen block */
    struct config_host *host;         /* where role directives go: implicit, or a host block */
    unsigned numbers_set;             /* top-level numbers given, one bit per directive */
    char *err;
    size_t errlen;
    bool failed;
};

enum arg_type { ARG_STRING, ARG_NUMBER };

struct arg {
    const char *text;
    unsigned long long number;
    int line;
};

#define MAX_ARGS 2

struct directive {
    const char *name;
    unsigned where; /* enum block flags */
    size_t nargs;
    enum arg_type types[MAX_ARGS];
    unsigned long long min, max; /* range of every ARG_NUMBER argument */
    bool opens_block;
    int (*apply)(struct parser *p, const struct arg *args);
};

static int parse_error(struct parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int parse_error(struct parser *p, int line, const char *fmt, ...)
{
    if (p->failed)
        return -1; /* keep the first error: later ones are usually consequences */
    p->failed = true;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "%s:%d: %s", p->name, line, msg);
    return -1;
}

/* --- tokenizer --- */

static int next_token(struct parser *p, struct token *t)
{
    const char *s = p->text;
    for (;;) {
        while (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\r')
            p->pos++;
        if (s[p->pos] != '#')
            break;
        while (s[p->pos] && s[p->pos] != '\n')
            p->pos++;
    }
    t->line = p->line;
    t->text[0] = '\0';
    char c = s[p->pos];
    if (c == '\0') {
        t->kind = TOK_EOF;
        return 0;
    }
    if (c == '\n' || c == ';' || c == '{' || c == '}') {
        p->pos++;
        if (c == '\n' || c == ';') {
            /* ';' ends a statement just like a newline, to allow several on one line. */
            p->line += c == '\n';
            t->kind = TOK_NEWLINE;
        } else {
            t->kind = c == '{' ? TOK_LBRACE : TOK_RBRACE;
        }
        return 0;
    }
    size_t n = 0;
    if (c == '"') {
        t->kind = TOK_STRING;
        p->pos++;
        for (;;) {
            c = s[p->pos];
            if (c == '\0' || c == '\n')
                return parse_error(p, t->line, "unterminated string");
            p->pos++;
            if (c == '"')
                break;
            if (c == '\\') {
                c = s[p->pos];
                if (c != '"' && c != '\\')
                    return parse_error(p, t->line, "unknown escape in string");
                p->pos++;
            }
            if (n + 1 >= sizeof t->text)
                return parse_error(p, t->line, "string too long");
            t->text[n++] = c;
        }
    } else {
        t->kind = TOK_WORD;
        while ((c = s[p->pos]) && !strchr(" \t\r\n#{};\"", c)) {
            if (n + 1 >= sizeof t->text)
                return parse_error(p, t->line, "word too long");
            t->text[n++] = c;
            p->pos++;
        }
    }
    t->text[n] = '\0';
    return 0;
}

/* --- apply functions --- */

static int set_string_once(struct parser *p, char **slot, const struct arg *a,
                           const char *directive)
{
    if (*slot)
        return parse_error(p, a->line, "duplicate %s", directive);
    if (a->text[0] == '\0')
        return parse_error(p, a->line, "%s: empty value", directive);
    if (!(*slot = strdup(a->text)))
        return parse_error(p, a->line, "out of memory");
    return 0;
}

static int apply_directory(struct parser *p, const struct arg *args)
{
    /* Only SQLite today; "ldap:" comes with dir_ldap.c. */
    if (strncmp(args[0].text, "sqlite:", 7) != 0 || args[0].text[7] == '\0')
        return parse_error(p, args[0].line, "directory: expected \"sqlite:/path/to/directory.db\"");
    return set_string_once(p, &p->conf->directory, &args[0], "directory");
}

static int apply_access_log(struct parser *p, const struct arg *args)
{
    return set_string_once(p, &p->conf->access_log, &args[0], "access-log");
}

static int apply_max_body(struct parser *p, const struct arg *args)
{
    /* 0 is below the allowed range, so it marks "not set yet". */
    if (p->conf->max_body != 0)
        return parse_error(p, args[0].line, "duplicate max-body");
    p->conf->max_body = (size_t)args[0].number;
    return 0;
}

/* Numbers for which 0 is a value: "given" is tracked in p->numbers_set. */
static int set_number_once(struct parser *p, unsigned *slot, unsigned bit, const struct arg *a,
                           const char *directive)
{
    if (p->numbers_set & bit)
        return parse_error(p, a->line, "duplicate %s", directive);
    p->numbers_set |= bit;
    *slot = (unsigned)a->number;
    return 0;
}

static int apply_cred_cache_ttl(struct parser *p, const struct arg *args)
{
    return set_number_once(p, &p->conf->cred_cache_ttl, 1u, &args[0], "credential-cache-ttl");
}

static int apply_auth_failure_limit(struct parser *p, const struct arg *args)
{
    return set_number_once(p, &p->conf->auth_failure_limit, 2u, &args[0], "auth-failure-limit");
}

static int apply_auth_failure_window(struct parser *p, const struct arg *args)
{
    return set_number_once(p, &p->conf->auth_failure_window, 4u, &args[0], "auth-failure-window");
}

static int apply_request_deadline(struct parser *p, const struct arg *args)
{
    return set_number_once(p, &p->conf->request_deadline, 8u, &args[0], "request-deadline");
}

static int apply_worker_threads(struct parser *p, const struct arg *args)
{
    return set_number_once(p, &p->conf->worker_threads, 16u, &args[0], "worker-threads");
}

static int apply_user(struct parser *p, const struct arg *args)
{
    return set_string_once(p, &p->conf->user, &args[0], "user");
}

static int apply_listen(struct parser *p, const struct arg *args)
{
    struct config *conf = p->conf;
    unsigned char sa[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, args[0].text, sa) != 1 && inet_pton(AF_INET6, args[0].text, sa) != 1)
        return parse_error(p, args[0].line, "listen: \"%s\" is not a numeric IPv4 or IPv6 address",
                           args[0].text);
    for (size_t i = 0; i < conf->nlisteners; i++)
        if (conf->listeners[i].port == args[1].number &&
            strcmp(conf->listeners[i].address, args[0].text) == 0)
            return parse_error(p, args[0].line, "listen %s %llu: already declared on line %d",
                               args[0].text, args[1].number, conf->listeners[i].line);
    struct config_listener *grown =
        realloc(conf->listeners, (conf->nlisteners + 1) * sizeof *grown);
    if (!grown)
        return parse_error(p, args[0].line, "out of memory");
    conf->listeners = grown;
    struct config_listener *l = &conf->listeners[conf->nlisteners];
    memset(l, 0, sizeof *l);
    l->line = args[0].line;
    l->port = (unsigned)args[1].number;
    if (!(l->address = strdup(args[0].text)))
        return parse_error(p, args[0].line, "out of memory");
    conf->nlisteners++;
    p->listener = l;
    memset(&p->implicit, 0, sizeof p->implicit);
    p->implicit.line = l->line;
    p->host = &p->implicit;
    return 0;
}

/* Host names: letters, digits, '-' and '.', stored lower-case. */
static bool valid_host_name(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > 253 || s[0] == '.' || s[len - 1] == '.' || strstr(s, ".."))
        return false;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.", *s))
            return false;
    return true;
}

static int apply_host(struct parser *p, const struct arg *args)
{
    struct config_listener *l = p->listener;
    if (!valid_host_name(args[0].text))
        return parse_error(p, args[0].line, "host: \"%s\" is not a host name", args[0].text);
    for (size_t i = 0; i < l->nhosts; i++)
        if (strcasecmp(l->hosts[i].name, args[0].text) == 0)
            return parse_error(p, args[0].line, "host %s: already declared on line %d",
                               args[0].text, l->hosts[i].line);
    struct config_host *grown = realloc(l->hosts, (l->nhosts + 1) * sizeof *grown);
    if (!grown)
        return parse_error(p, args[0].line, "out of memory");
    l->hosts = grown;
    struct config_host *h = &l->hosts[l->nhosts];
    memset(h, 0, sizeof *h);
    h->line = args[0].line;
    if (!(h->name = strdup(args[0].text)))
        return parse_error(p, args[0].line, "out of memory");
    for (char *c = h->name; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    l->nhosts++;
    p->host = h;
    return 0;
}

/* In a listen block the certificate is the listener's default; in a host block, the host's. */
static int apply_tls_certificate(struct parser *p, const struct arg *args)
{
    char **slot = p->block == BLOCK_HOST ? &p->host->tls_certificate
                                         : &p->listener->tls_certificate;
    return set_string_once(p, slot, &args[0], "tls-certificate");
}

static int apply_tls_key(struct parser *p, const struct arg *args)
{
    char **slot = p->block == BLOCK_HOST ? &p->host->tls_key : &p->listener->tls_key;
    return set_string_once(p, slot, &args[0], "tls-key");
}

static int apply_role(struct parser *p, const struct arg *args)
{
    static const char *const names[] = {[ROLE_SERVICE] = "service",
                                        [ROLE_REDIRECTOR] = "redirector",
                                        [ROLE_ROUTER] = "router",
                                        [ROLE_ADMIN] = "admin"};
    if (p->host->role_set)
        return parse_error(p, args[0].line, "duplicate role");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(args[0].text, names[i]) == 0) {
            p->host->role = (enum config_role)i;
            p->host->role_set = true;
            return 0;
        }
    }
    return parse_error(p, args[0].line,
                       "role: \"%s\" is not one of service, redirector, router, admin",
                       args[0].text);
}

static int apply_route_mode(struct parser *p, const struct arg *args)
{
    if (p->host->route_mode_set)
        return parse_error(p, args[0].line, "duplicate route-mode");
    if (strcmp(args[0].text, "redirecturl") == 0)
        p->host->route_mode = ROUTE_MODE_REDIRECTURL;
    else if (strcmp(args[0].text, "http302") == 0)
        p->host->route_mode = ROUTE_MODE_HTTP302;
    else
        return parse_error(p, args[0].line, "route-mode: \"%s\" is not redirecturl or http302",
                           args[0].text);
    p->host->route_mode_set = true;
    return 0;
}

/* An absolute https URL of printable ASCII: it goes into a Location header verbatim. */
static bool valid_https_url(const char *s)
{
    if (strncmp(s, "https://", 8) != 0 || s[8] == '\0' || s[8] == '/' || strlen(s) > 2048)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

static int apply_redirect_to(struct parser *p, const struct arg *args)
{
    if (!valid_https_url(args[0].text))
        return parse_error(p, args[0].line,
                           "redirect-to: \"%s\" is not an https:// URL without spaces",
                           args[0].text);
    return set_string_once(p, &p->host->redirect_to, &args[0], "redirect-to");
}

static int apply_redirect_to_svc(struct parser *p, const struct arg *args)
{
    if (!valid_https_url(args[0].text))
        return parse_error(p, args[0].line,
                           "redirect-to-svc: \"%s\" is not an https:// URL without spaces",
                           args[0].text);
    return set_string_once(p, &p->host->redirect_to_svc, &args[0], "redirect-to-svc");
}

/*
 * The SOAP target a redirector derives from its POX one: the same URL with the file name
 * autodiscover.xml (any case) swapped for autodiscover.svc. NULL (and 0) when redirect-to
 * does not end that way: the .svc path then stays 404 unless redirect-to-svc is given.
 */
static int derive_redirect_to_svc(struct config_host *h)
{
    static const char xml[] = "/autodiscover.xml";
    size_t len = strlen(h->redirect_to), tl = sizeof xml - 1;
    if (len <= tl || strcasecmp(h->redirect_to + len - tl, xml) != 0)
        return 0;
    if (!(h->redirect_to_svc = strdup(h->redirect_to)))
        return -1;
    memcpy(h->redirect_to_svc + len - 3, "svc", 3);
    return 0;
}

/* --- the analyzer block of a listener (doc/analyzer.md) --- */

static int apply_analyzer(struct parser *p, const struct arg *args)
{
    struct config_listener *l = p->listener;
    if (l->analyzer)
        return parse_error(p, p->line, "duplicate analyzer block");
    if (!(l->analyzer = calloc(1, sizeof *l->analyzer)))
        return parse_error(p, p->line, "out of memory");
    l->analyzer->line = p->line;
    return 0;
}

static int apply_analyzer_string(struct parser *p, const struct arg *args)
{
    struct config_analyzer *a = p->listener->analyzer;
    /* args[-1] is the directive itself (parse_statement puts it there). */
    const char *name = args[-1].text;
    char **slot = strcmp(name, "user") == 0            ? &a->user
                  : strcmp(name, "password-hash") == 0 ? &a->password_hash
                  : strcmp(name, "cacert") == 0        ? &a->cacert
                                                       : &a->dns_server;
    return set_string_once(p, slot, &args[0], name);
}

static int append_string(struct parser *p, char ***list, size_t *n, const struct arg *a)
{
    char **grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (!grown)
        return parse_error(p, a->line, "out of memory");
    *list = grown;
    if (!(grown[*n] = strdup(a->text)))
        return parse_error(p, a->line, "out of memory");
    (*n)++;
    return 0;
}

static int apply_analyzer_list(struct parser *p, const struct arg *args)
{
    struct config_analyzer *a = p->listener->analyzer;
    if (strcmp(args[-1].text, "connect-to") == 0)
        return append_string(p, &a->connect_to, &a->nconnect_to, &args[0]);
    return append_string(p, &a->allow_redirect, &a->nallow_redirect, &args[0]);
}

static int apply_analyzer_number(struct parser *p, const struct arg *args)
{
    struct config_analyzer *a = p->listener->analyzer;
    if (strcmp(args[-1].text, "max-runs") == 0)
        a->max_runs = (unsigned)args[0].number;
    else
        a->deadline = (unsigned)args[0].number;
    return 0;
}

static int apply_analyzer_allow_local(struct parser *p, const struct arg *args)
{
    if (strcmp(args[0].text, "on") != 0 && strcmp(args[0].text, "off") != 0)
        return parse_error(p, args[0].line, "allow-local: expected on or off");
    p->listener->analyzer->allow_local = strcmp(args[0].text, "on") == 0;
    return 0;
}

/* --- the mailboxes block: its statements go to dir_ldap_config.c (doc/autodiscoverd.md) --- */

static int apply_mailboxes(struct parser *p, const struct arg *args)
{
    if (strcmp(args[0].text, "ldap") != 0)
        return parse_error(p, args[0].line, "mailboxes: expected ldap, got \"%s\"", args[0].text);
    if (p->conf->mailboxes_ldap)
        return parse_error(p, args[0].line, "duplicate mailboxes block");
    if (!(p->conf->mailboxes_ldap = dir_ldap_config_new()))
        return parse_error(p, args[0].line, "out of memory");
    return 0;
}

static bool ends_statement(const struct token *t);

/* One statement of the block, whose name is in t: up to two arguments, terminator left in t. */
static int parse_mailboxes_statement(struct parser *p, struct token *t)
{
    char name[64], texts[MAX_ARGS][TOKEN_MAX], msg[512];
    const char *args[MAX_ARGS];
    size_t nargs = 0;
    int line = t->line;
    /* Longer names are unknown anyway; dir_ldap_config_set says so. */
    snprintf(name, sizeof name, "%.63s", t->text);
    for (;;) {
        if (next_token(p, t) < 0)
            return -1;
        if (ends_statement(t))
            break;
        if (t->kind == TOK_LBRACE || nargs == MAX_ARGS)
            return parse_error(p, line, "%s: too many arguments", name);
        memcpy(texts[nargs], t->text, sizeof texts[nargs]);
        args[nargs] = texts[nargs];
        nargs++;
    }
    if (dir_ldap_config_set(p->conf->mailboxes_ldap, name, args, nargs, msg, sizeof msg) < 0)
        return parse_error(p, line, "%s", msg);
    return 0;
}

static const struct directive directives[] = {
    {"directory", BLOCK_TOP, 1, {ARG_STRING}, 0, 0, false, apply_directory},
    {"mailboxes", BLOCK_TOP, 1, {ARG_STRING}, 0, 0, true, apply_mailboxes},
    {"access-log", BLOCK_TOP, 1, {ARG_STRING}, 0, 0, false, apply_access_log},
    {"max-body", BLOCK_TOP, 1, {ARG_NUMBER}, 1, XMLSAFE_REQUEST_MAX_BYTES, false, apply_max_body},
    {"user", BLOCK_TOP, 1, {ARG_STRING}, 0, 0, false, apply_user},
    {"credential-cache-ttl", BLOCK_TOP, 1, {ARG_NUMBER}, 0, 3600, false, apply_cred_cache_ttl},
    {"auth-failure-limit", BLOCK_TOP, 1, {ARG_NUMBER}, 0, 1000, false, apply_auth_failure_limit},
    {"auth-failure-window", BLOCK_TOP, 1, {ARG_NUMBER}, 1, 86400, false, apply_auth_failure_window},
    {"request-deadline", BLOCK_TOP, 1, {ARG_NUMBER}, 0, 3600, false, apply_request_deadline},
    {"worker-threads", BLOCK_TOP, 1, {ARG_NUMBER}, 0, CONFIG_MAX_WORKER_THREADS, false,
     apply_worker_threads},
    {"listen", BLOCK_TOP, 2, {ARG_STRING, ARG_NUMBER}, 1, 65535, true, apply_listen},
    {"host", BLOCK_LISTEN, 1, {ARG_STRING}, 0, 0, true, apply_host},
    {"tls-certificate", BLOCK_LISTEN | BLOCK_HOST, 1, {ARG_STRING}, 0, 0, false,
     apply_tls_certificate},
    {"tls-key", BLOCK_LISTEN | BLOCK_HOST, 1, {ARG_STRING}, 0, 0, false, apply_tls_key},
    {"role", BLOCK_LISTEN | BLOCK_HOST, 1, {ARG_STRING}, 0, 0, false, apply_role},
    {"route-mode", BLOCK_LISTEN | BLOCK_HOST, 1, {ARG_STRING}, 0, 0, false, apply_route_mode},
    {"redirect-to", BLOCK_LISTEN | BLOCK_HOST, 1, {ARG_STRING}, 0, 0, false, apply_redirect_to},
    {"redirect-to-svc", BLOCK_LISTEN | BLOCK_HOST, 1, {ARG_STRING}, 0, 0, false,
     apply_redirect_to_svc},
    {"analyzer", BLOCK_LISTEN, 0, {ARG_STRING}, 0, 0, true, apply_analyzer},
    {"user", BLOCK_ANALYZER, 1, {ARG_STRING}, 0, 0, false, apply_analyzer_string},
    {"password-hash", BLOCK_ANALYZER, 1, {ARG_STRING}, 0, 0, false, apply_analyzer_string},
    {"cacert", BLOCK_ANALYZER, 1, {ARG_STRING}, 0, 0, false, apply_analyzer_string},
    {"dns-server", BLOCK_ANALYZER, 1, {ARG_STRING}, 0, 0, false, apply_analyzer_string},
    {"connect-to", BLOCK_ANALYZER, 1, {ARG_STRING}, 0, 0, false, apply_analyzer_list},
    {"allow-redirect", BLOCK_ANALYZER, 1, {ARG_STRING}, 0, 0, false, apply_analyzer_list},
    {"max-runs", BLOCK_ANALYZER, 1, {ARG_NUMBER}, 1, 16, false, apply_analyzer_number},
    {"deadline", BLOCK_ANALYZER, 1, {ARG_NUMBER}, 1, 600, false, apply_analyzer_number},
    {"allow-local", BLOCK_ANALYZER, 1, {ARG_STRING}, 0, 0, false, apply_analyzer_allow_local},
};

static const char *block_name(enum block b)
{
    return b == BLOCK_TOP      ? "the top level"
           : b == BLOCK_LISTEN ? "a listen block"
           : b == BLOCK_HOST   ? "a host block"
                               : "an analyzer block";
}

const char *config_role_name(enum config_role role)
{
    return role == ROLE_REDIRECTOR ? "redirector"
           : role == ROLE_ROUTER   ? "router"
           : role == ROLE_ADMIN    ? "admin"
                                   : "service";
}

/* --- statements --- */

/* The row for name allowed in block, else any row of that name (for the error), else NULL. */
static const struct directive *find_directive(const char *name, enum block block)
{
    const struct directive *any = NULL;
    for (size_t i = 0; i < sizeof directives / sizeof directives[0]; i++) {
        if (strcmp(directives[i].name, name) != 0)
            continue;
        if (directives[i].where & block)
            return &directives[i];
        if (!any)
            any = &directives[i];
    }
    return any;
}

static int parse_number(struct parser *p, const struct directive *d, const struct token *t,
                        unsigned long long *out)
{
    const char *s = t->text;
    if (t->kind != TOK_WORD || s[0] < '0' || s[0] > '9')
        return parse_error(p, t->line, "%s: expected a number, got \"%s\"", d->name, s);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0')
        return parse_error(p, t->line, "%s: expected a number, got \"%s\"", d->name, s);
    if (errno == ERANGE || v < d->min || v > d->max)
        return parse_error(p, t->line, "%s: %s is out of range (%llu..%llu)", d->name, s, d->min,
                           d->max);
    *out = v;
    return 0;
}

static bool ends_statement(const struct token *t)
{
    return t->kind == TOK_NEWLINE || t->kind == TOK_EOF || t->kind == TOK_RBRACE;
}

/* Parses one statement whose first token (a word) is in t; leaves the terminator in t. */
static int parse_statement(struct parser *p, struct token *t)
{
    const struct directive *d = find_directive(t->text, p->block);
    if (!d)
        return parse_error(p, t->line, "unknown directive \"%s\"", t->text);
    if (!(d->where & p->block))
        return parse_error(p, t->line, "\"%s\" is not allowed in %s", d->name,
                           block_name(p->block));
    /* argv[0] is the directive itself, so shared apply functions can tell rows apart. */
    struct arg argv[MAX_ARGS + 1] = {{.text = d->name, .line = t->line}};
    struct arg *args = argv + 1;
    char texts[MAX_ARGS][TOKEN_MAX];
    int line = t->line;
    for (size_t i = 0; i < d->nargs; i++) {
        if (next_token(p, t) < 0)
            return -1;
        if (ends_statement(t) || t->kind == TOK_LBRACE)
            return parse_error(p, line, "%s: expected %zu argument%s", d->name, d->nargs,
                               d->nargs == 1 ? "" : "s");
        memcpy(texts[i], t->text, sizeof texts[i]);
        args[i].text = texts[i];
        args[i].line = t->line;
        args[i].number = 0;
        if (d->types[i] == ARG_NUMBER && parse_number(p, d, t, &args[i].number) < 0)
            return -1;
    }
    if (next_token(p, t) < 0)
        return -1;
    if (d->opens_block) {
        if (t->kind != TOK_LBRACE)
            return parse_error(p, t->line, "%s: expected '{'", d->name);
    } else if (!ends_statement(t)) {
        return parse_error(p, t->line, "%s: too many arguments", d->name);
    }
    if (d->apply(p, args) < 0)
        return -1;
    if (d->opens_block) {
        p->block = d->apply == apply_analyzer    ? BLOCK_ANALYZER
                   : d->apply == apply_mailboxes ? BLOCK_MAILBOXES
                   : p->block == BLOCK_TOP    ? BLOCK_LISTEN
                                              : BLOCK_HOST;
        if (next_token(p, t) < 0)
            return -1;
    }
    return 0;
}

static void host_free(struct config_host *h)
{
    free(h->name);
    free(h->redirect_to);
    free(h->redirect_to_svc);
    free(h->tls_certificate);
    free(h->tls_key);
    memset(h, 0, sizeof *h);
}

/* Checks one host once its listener is complete; what names it in messages. */
static int check_host(struct parser *p, const struct config_listener *l, struct config_host *h,
                      const char *what)
{
    if (!h->tls_certificate != !h->tls_key)
        return parse_error(p, h->line, "%s: %s missing", what,
                           h->tls_key ? "tls-certificate" : "tls-key");
    if (h->tls_certificate && !l->tls_certificate)
        return parse_error(p, h->line,
                           "%s: a host certificate needs the listener's default tls-certificate",
                           what);
    if (!l->tls_certificate && h->role != ROLE_REDIRECTOR && h->role != ROLE_ADMIN)
        return parse_error(p, h->line,
                           "%s: tls-certificate missing (a plain HTTP listener may only carry the "
                           "redirector or admin role, not %s)",
                           what, config_role_name(h->role));
    if (h->role == ROLE_REDIRECTOR && !h->redirect_to)
        return parse_error(p, h->line, "%s: role redirector needs redirect-to", what);
    if (h->role != ROLE_REDIRECTOR && (h->redirect_to || h->redirect_to_svc))
        return parse_error(p, h->line, "%s: %s is only for role redirector", what,
                           h->redirect_to ? "redirect-to" : "redirect-to-svc");
    if (h->role == ROLE_REDIRECTOR && !h->redirect_to_svc && derive_redirect_to_svc(h) < 0)
        return parse_error(p, h->line, "out of memory");
    if (h->role != ROLE_ROUTER && h->route_mode_set)
        return parse_error(p, h->line, "%s: route-mode is only for role router", what);
    return 0;
}

static bool is_loopback_address(const char *address)
{
    unsigned char a[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, address, a) == 1)
        return a[0] == 127;
    return inet_pton(AF_INET6, address, a) == 1 && memcmp(a, &in6addr_loopback, 16) == 0;
}

/*
 * The analyzer needs its credentials and an admin host; over plain HTTP its Basic
 * password would cross the network in clear, so only a loopback address may carry it.
 */
static int check_analyzer(struct parser *p, const struct config_listener *l)
{
    struct config_analyzer *a = l->analyzer;
    if (!a)
        return 0;
    if (!a->user || !a->password_hash)
        return parse_error(p, a->line, "analyzer: user and password-hash are required");
    if (strncmp(a->password_hash, "$y$", 3) != 0 && strncmp(a->password_hash, "$7$", 3) != 0)
        return parse_error(p, a->line, "analyzer: password-hash is not a yescrypt hash");
    bool admin = false;
    for (size_t i = 0; i < l->nhosts; i++)
        admin = admin || l->hosts[i].role == ROLE_ADMIN;
    if (!admin)
        return parse_error(p, a->line, "analyzer: only on a listener with the admin role");
    if (!l->tls_certificate && !is_loopback_address(l->address))
        return parse_error(p, a->line,
                           "analyzer: a plain HTTP listener must be on a loopback address");
    if (a->max_runs == 0)
        a->max_runs = 2;
    if (a->deadline == 0)
        a->deadline = 60;
    return 0;
}

static void analyzer_free(struct config_analyzer *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->nconnect_to; i++)
        free(a->connect_to[i]);
    for (size_t i = 0; i < a->nallow_redirect; i++)
        free(a->allow_redirect[i]);
    free(a->connect_to);
    free(a->allow_redirect);
    free(a->user);
    free(a->password_hash);
    free(a->cacert);
    free(a->dns_server);
    free(a);
}

/*
 * At the '}' of a listen block: the implicit host (the listener's own role directives)
 * becomes hosts[0], the one answering unmatched names, when it says anything or there is
 * no host block; then every host is checked.
 */
static int finish_listener(struct parser *p)
{
    struct config_listener *l = p->listener;
    struct config_host *implicit = &p->implicit;
    bool has_own = implicit->role_set || implicit->route_mode_set || implicit->redirect_to ||
                   implicit->redirect_to_svc;
    if (!l->tls_certificate != !l->tls_key)
        return parse_error(p, l->line, "listen %s %u: %s missing", l->address, l->port,
                           l->tls_key ? "tls-certificate" : "tls-key");
    if (has_own || l->nhosts == 0) {
        struct config_host *grown = realloc(l->hosts, (l->nhosts + 1) * sizeof *grown);
        if (!grown)
            return parse_error(p, l->line, "out of memory");
        memmove(grown + 1, grown, l->nhosts * sizeof *grown);
        grown[0] = *implicit;
        memset(implicit, 0, sizeof *implicit); /* now owned by the listener */
        l->hosts = grown;
        l->nhosts++;
    }
    p->host = NULL;
    if (check_analyzer(p, l) < 0)
        return -1;
    char what[128];
    for (size_t i = 0; i < l->nhosts; i++) {
        struct config_host *h = &l->hosts[i];
        if (h->name)
            snprintf(what, sizeof what, "host %s", h->name);
        else
            snprintf(what, sizeof what, "listen %s %u", l->address, l->port);
        if (check_host(p, l, h, what) < 0)
            return -1;
    }
    return 0;
}

/* Checks what only the whole file can tell. */
static int validate(struct parser *p)
{
    struct config *conf = p->conf;
    if (!conf->directory)
        return parse_error(p, p->line, "no directory directive");
    if (conf->nlisteners == 0)
        return parse_error(p, p->line, "no listen block");
    if (conf->max_body == 0)
        conf->max_body = CONFIG_DEFAULT_MAX_BODY;
    return 0;
}

struct config *config_parse_string(const char *name, const char *text, char *err, size_t errlen)
{
    struct parser p = {
        .name = name, .text = text, .line = 1, .block = BLOCK_TOP, .err = err, .errlen = errlen};
    if (errlen)
        err[0] = '\0';
    /* Tokens are large: keep them off the stack of callers running in small threads. */
    struct token *t = malloc(sizeof *t);
    p.conf = calloc(1, sizeof *p.conf);
    if (!t || !p.conf || !(p.conf->path = strdup(name))) {
        parse_error(&p, 0, "out of memory");
        goto fail;
    }
    p.conf->connection_limit = CONFIG_DEFAULT_CONNECTION_LIMIT;
    p.conf->per_ip_limit = CONFIG_DEFAULT_PER_IP_LIMIT;
    p.conf->timeout_seconds = CONFIG_DEFAULT_TIMEOUT_SECONDS;
    p.conf->request_deadline = CONFIG_DEFAULT_REQUEST_DEADLINE;
    p.conf->cred_cache_ttl = CONFIG_DEFAULT_CRED_CACHE_TTL;
    p.conf->auth_failure_limit = CONFIG_DEFAULT_AUTH_FAILURE_LIMIT;
    p.conf->auth_failure_window = CONFIG_DEFAULT_AUTH_FAILURE_WINDOW;
    int block_line = 0;
    if (next_token(&p, t) < 0)
        goto fail;
    while (t->kind != TOK_EOF) {
        switch (t->kind) {
        case TOK_NEWLINE:
            if (next_token(&p, t) < 0)
                goto fail;
            break;
        case TOK_RBRACE:
            if (p.block == BLOCK_TOP) {
                parse_error(&p, t->line, "unexpected '}'");
                goto fail;
            }
            if (p.block == BLOCK_MAILBOXES) {
                char msg[512];
                if (dir_ldap_config_finish(p.conf->mailboxes_ldap, msg, sizeof msg) < 0) {
                    parse_error(&p, t->line, "%s", msg);
                    goto fail;
                }
                p.block = BLOCK_TOP;
            } else if (p.block == BLOCK_ANALYZER) {
                p.block = BLOCK_LISTEN;
            } else if (p.block == BLOCK_HOST) {
                p.block = BLOCK_LISTEN;
                p.host = &p.implicit;
            } else {
                if (finish_listener(&p) < 0)
                    goto fail;
                p.block = BLOCK_TOP;
                p.listener = NULL;
            }
            if (next_token(&p, t) < 0)
                goto fail;
            break;
        case TOK_WORD:
            if (p.block == BLOCK_TOP)
                block_line = t->line; /* the listen block, for "not closed" */
            if (p.block == BLOCK_MAILBOXES ? parse_mailboxes_statement(&p, t) < 0
                                           : parse_statement(&p, t) < 0)
                goto fail;
            break;
        default:
            parse_error(&p, t->line,
                        t->kind == TOK_LBRACE ? "unexpected '{'"
                                              : "expected a directive, got \"%s\"",
                        t->text);
            goto fail;
        }
    }
    if (p.block != BLOCK_TOP) {
        parse_error(&p, block_line, "block not closed with '}'");
        goto fail;
    }
    if (validate(&p) < 0)
        goto fail;
    free(t);
    return p.conf;
fail:
    host_free(&p.implicit);
    free(t);
    config_free(p.conf);
    return NULL;
}

struct config *config_parse_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s:0: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    /* A configuration is small; refuse anything absurd rather than read it all. */
    enum { CONFIG_MAX_BYTES = 1 << 20 };
    char *text = malloc(CONFIG_MAX_BYTES + 1);
    if (!text) {
        fclose(f);
        snprintf(err, errlen, "%s:0: out of memory", path);
        return NULL;
    }
    size_t n = fread(text, 1, CONFIG_MAX_BYTES + 1, f);
    int read_failed = ferror(f);
    fclose(f);
    struct config *conf = NULL;
    if (read_failed)
        snprintf(err, errlen, "%s:0: read error", path);
    else if (n > CONFIG_MAX_BYTES)
        snprintf(err, errlen, "%s:0: file larger than %d bytes", path, CONFIG_MAX_BYTES);
    else if (memchr(text, '\0', n))
        snprintf(err, errlen, "%s:0: file contains a NUL byte", path);
    else {
        text[n] = '\0';
        conf = config_parse_string(path, text, err, errlen);
    }
    free(text);
    return conf;
}

void config_free(struct config *conf)
{
    if (!conf)
        return;
    for (size_t i = 0; i < conf->nlisteners; i++) {
        struct config_listener *l = &conf->listeners[i];
        for (size_t h = 0; h < l->nhosts; h++)
            host_free(&l->hosts[h]);
        free(l->hosts);
        analyzer_free(l->analyzer);
        free(l->address);
        free(l->tls_certificate);
        free(l->tls_key);
    }
    free(conf->listeners);
    free(conf->path);
    free(conf->directory);
    dir_ldap_config_free(conf->mailboxes_ldap);
    free(conf->access_log);
    free(conf->user);
    free(conf);
}

const struct config_host *config_listener_host(const struct config_listener *l, const char *name)
{
    if (name) {
        /* A Host header may carry a port, or be an IPv6 literal in brackets (never a name). */
        size_t len = name[0] == '[' ? 0 : strcspn(name, ":");
        if (len > 0 && name[len - 1] == '.')
            len--; /* the absolute form "host.example." names the same host */
        for (size_t i = 0; len > 0 && i < l->nhosts; i++) {
            const char *h = l->hosts[i].name;
            if (h && strlen(h) == len && strncasecmp(h, name, len) == 0)
                return &l->hosts[i];
        }
    }
    return &l->hosts[0];
}
