/*
 * config: a small hand-written tokenizer and a table-driven parser for autodiscoverd.conf.
 *
 * Tokens are bare words, double-quoted strings (\" and \\ escapes), '{', '}' and newlines;
 * '#' starts a comment. A statement is a directive name, its arguments, and then either a
 * newline, a '}' or the end of the file, or a '{' for directives that open a block.
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

#include "xmlsafe.h"

#define TOKEN_MAX 4096

enum token_kind { TOK_WORD, TOK_STRING, TOK_LBRACE, TOK_RBRACE, TOK_NEWLINE, TOK_EOF };

struct token {
    enum token_kind kind;
    char text[TOKEN_MAX];
    int line;
};

enum block { BLOCK_TOP, BLOCK_LISTEN };

struct parser {
    const char *name;
    const char *text;
    size_t pos;
    int line;
    struct config *conf;
    enum block block;
    struct config_listener *listener; /* the open listen block */
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
    enum block where;
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
    if (c == '\n' || c == '{' || c == '}') {
        p->pos++;
        if (c == '\n') {
            p->line++;
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
        while ((c = s[p->pos]) && !strchr(" \t\r\n#{}\"", c)) {
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
    l->hosts = calloc(1, sizeof *l->hosts);
    l->address = strdup(args[0].text);
    if (!l->hosts || !l->address) {
        free(l->hosts);
        free(l->address);
        return parse_error(p, args[0].line, "out of memory");
    }
    l->nhosts = 1;
    l->hosts[0].line = l->line;
    conf->nlisteners++;
    p->listener = l;
    return 0;
}

static int apply_tls_certificate(struct parser *p, const struct arg *args)
{
    return set_string_once(p, &p->listener->hosts[0].tls_certificate, &args[0], "tls-certificate");
}

static int apply_tls_key(struct parser *p, const struct arg *args)
{
    return set_string_once(p, &p->listener->hosts[0].tls_key, &args[0], "tls-key");
}

static const struct directive directives[] = {
    {"directory", BLOCK_TOP, 1, {ARG_STRING}, 0, 0, false, apply_directory},
    {"access-log", BLOCK_TOP, 1, {ARG_STRING}, 0, 0, false, apply_access_log},
    {"max-body", BLOCK_TOP, 1, {ARG_NUMBER}, 1, XMLSAFE_REQUEST_MAX_BYTES, false, apply_max_body},
    {"listen", BLOCK_TOP, 2, {ARG_STRING, ARG_NUMBER}, 1, 65535, true, apply_listen},
    {"tls-certificate", BLOCK_LISTEN, 1, {ARG_STRING}, 0, 0, false, apply_tls_certificate},
    {"tls-key", BLOCK_LISTEN, 1, {ARG_STRING}, 0, 0, false, apply_tls_key},
};

static const char *block_name(enum block b)
{
    return b == BLOCK_TOP ? "the top level" : "a listen block";
}

/* --- statements --- */

static const struct directive *find_directive(const char *name)
{
    for (size_t i = 0; i < sizeof directives / sizeof directives[0]; i++)
        if (strcmp(directives[i].name, name) == 0)
            return &directives[i];
    return NULL;
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
    const struct directive *d = find_directive(t->text);
    if (!d)
        return parse_error(p, t->line, "unknown directive \"%s\"", t->text);
    if (d->where != p->block)
        return parse_error(p, t->line, "\"%s\" is not allowed in %s", d->name,
                           block_name(p->block));
    struct arg args[MAX_ARGS];
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
        p->block = BLOCK_LISTEN;
        if (next_token(p, t) < 0)
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
    for (size_t i = 0; i < conf->nlisteners; i++) {
        const struct config_listener *l = &conf->listeners[i];
        for (size_t h = 0; h < l->nhosts; h++) {
            /* HTTPS only for now: every host needs its certificate and key. */
            if (!l->hosts[h].tls_certificate)
                return parse_error(p, l->line, "listen %s %u: tls-certificate missing", l->address,
                                   l->port);
            if (!l->hosts[h].tls_key)
                return parse_error(p, l->line, "listen %s %u: tls-key missing", l->address,
                                   l->port);
        }
    }
    if (conf->max_body == 0)
        conf->max_body = CONFIG_DEFAULT_MAX_BODY;
    return 0;
}

struct config *config_parse_string(const char *name, const char *text, char *err, size_t errlen)
{
    struct parser p = {.name = name, .text = text, .line = 1, .err = err, .errlen = errlen};
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
            p.block = BLOCK_TOP;
            p.listener = NULL;
            if (next_token(&p, t) < 0)
                goto fail;
            break;
        case TOK_WORD:
            if (p.block == BLOCK_TOP)
                block_line = t->line;
            if (parse_statement(&p, t) < 0)
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
        for (size_t h = 0; h < l->nhosts; h++) {
            free(l->hosts[h].name);
            free(l->hosts[h].tls_certificate);
            free(l->hosts[h].tls_key);
        }
        free(l->hosts);
        free(l->address);
    }
    free(conf->listeners);
    free(conf->path);
    free(conf->directory);
    free(conf->access_log);
    free(conf);
}
