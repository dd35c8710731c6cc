/*
 * Helpers shared by the POX request and response code: the XML writer, string and tree
 * helpers, error blocks, builders, error messages and action names.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pox.h"
#include "pox_internal.h"
#include "xmlsafe.h"

/* ---- writer ---- */

void pox_w_begin(struct pox_writer *w, struct adbuf *out)
{
    w->out = out;
    w->start_len = out->len;
    w->depth = 0;
    w->failed = false;
}

int pox_w_end(struct pox_writer *w)
{
    if (!w->failed)
        return 0;
    w->out->len = w->start_len;
    if (w->out->data)
        w->out->data[w->start_len] = '\0';
    return -1;
}

static void w_append(struct pox_writer *w, const char *s, size_t n)
{
    if (!w->failed && adbuf_append(w->out, s, n) < 0)
        w->failed = true;
}

void pox_w_raw(struct pox_writer *w, const char *s)
{
    w_append(w, s, strlen(s));
}

/*
 * Escapes s so that a parser gives back exactly s. In attribute values, tab, newline and
 * carriage return must be character references (a parser normalises literal ones to spaces);
 * in text only carriage return must (a parser turns it into a newline). Other C0 controls
 * cannot be represented in XML 1.0 at all and are dropped.
 */
static void w_escaped(struct pox_writer *w, const char *s, bool attr)
{
    const char *run = s;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        const char *rep = NULL;
        switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = attr ? "&quot;" : NULL; break;
        case '\r': rep = "&#13;"; break;
        case '\t': rep = attr ? "&#9;" : NULL; break;
        case '\n': rep = attr ? "&#10;" : NULL; break;
        default: rep = c < 0x20 ? "" : NULL; break;
        }
        if (!rep)
            continue;
        w_append(w, run, (size_t)(p - run));
        pox_w_raw(w, rep);
        run = p + 1;
    }
    pox_w_raw(w, run);
}

static void w_indent(struct pox_writer *w)
{
    static const char spaces[] = "                                ";
    size_t n = 2 * (size_t)w->depth;
    while (n > 0) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        w_append(w, spaces, k);
        n -= k;
    }
}

/* "<name attr=\"v\" ...", without the closing ">" or "/>". */
static void w_start_tag(struct pox_writer *w, const char *name, const struct pox_attr *attrs,
                        size_t nattrs)
{
    w_indent(w);
    pox_w_raw(w, "<");
    pox_w_raw(w, name);
    for (size_t i = 0; i < nattrs; i++) {
        if (!attrs[i].name || !attrs[i].value)
            continue;
        pox_w_raw(w, " ");
        pox_w_raw(w, attrs[i].name);
        pox_w_raw(w, "=\"");
        w_escaped(w, attrs[i].value, true);
        pox_w_raw(w, "\"");
    }
}

void pox_w_open(struct pox_writer *w, const char *name, const struct pox_attr *attrs,
                size_t nattrs)
{
    w_start_tag(w, name, attrs, nattrs);
    pox_w_raw(w, ">\n");
    w->depth++;
}

void pox_w_close(struct pox_writer *w, const char *name)
{
    if (w->depth > 0)
        w->depth--;
    w_indent(w);
    pox_w_raw(w, "</");
    pox_w_raw(w, name);
    pox_w_raw(w, ">\n");
}

void pox_w_leaf(struct pox_writer *w, const char *name, const struct pox_attr *attrs,
                size_t nattrs, const char *text)
{
    w_start_tag(w, name, attrs, nattrs);
    if (!text || !*text) {
        pox_w_raw(w, "/>\n"); /* like Exchange's "<DebugData/>" */
        return;
    }
    pox_w_raw(w, ">");
    w_escaped(w, text, false);
    pox_w_raw(w, "</");
    pox_w_raw(w, name);
    pox_w_raw(w, ">\n");
}

void pox_w_opt(struct pox_writer *w, const char *name, const char *text)
{
    if (text)
        pox_w_leaf(w, name, NULL, 0, text);
}

void pox_w_decl(struct pox_writer *w)
{
    pox_w_raw(w, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
}

/* ---- strings and trees ---- */

char *pox_text(const xmlNode *node)
{
    return xmlsafe_text(node);
}

int pox_take_text(char **dst, const xmlNode *node)
{
    if (*dst)
        return 0; /* the first occurrence wins */
    *dst = pox_text(node);
    return *dst ? 0 : -1;
}

int pox_set_str(char **dst, const char *src)
{
    char *copy = NULL;
    if (src && !(copy = strdup(src)))
        return -1;
    free(*dst);
    *dst = copy;
    return 0;
}

const char *pox_ns(const xmlNode *node)
{
    return node->ns && node->ns->href ? (const char *)node->ns->href : NULL;
}

bool pox_ns_match(const char *uri, const char *want)
{
    if (!uri)
        return false;
    if (strcmp(uri, want) == 0)
        return true;
    /* want is always an http:// constant; accept its https:// rendering too. */
    return strncmp(uri, "https://", 8) == 0 && strncmp(want, "http://", 7) == 0 &&
           strcmp(uri + 8, want + 7) == 0;
}

enum pox_parse_error pox_parse_xml(const char *body, size_t len, bool request, xmlDoc **doc)
{
    enum xmlsafe_error err;
    *doc = xmlsafe_parse(body, len, request ? &xmlsafe_request_limits : &xmlsafe_response_limits,
                         &err);
    if (*doc)
        return POX_PARSE_OK;
    switch (err) {
    case XMLSAFE_TOO_BIG: return POX_PARSE_TOO_BIG;
    case XMLSAFE_NOMEM: return POX_PARSE_NOMEM;
    default: return POX_PARSE_XML;
    }
}

/* ---- error blocks ---- */

/* ErrorCode as a number: 1 to 9 digits, else 0 ("absent or not a number"). */
static int parse_code(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 9 || strspn(s, "0123456789") != n)
        return 0;
    return atoi(s);
}

static int take_attr(char **dst, const xmlNode *node, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(node, (const xmlChar *)name);
    if (!v)
        return 0;
    *dst = strdup((const char *)v);
    xmlFree(v);
    return *dst ? 0 : -1;
}

int pox_error_parse(const xmlNode *node, struct pox_error *err)
{
    if (take_attr(&err->time, node, "Time") < 0 || take_attr(&err->id, node, "Id") < 0)
        return -1;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (xmlsafe_is(c, NULL, "ErrorCode") && err->code == 0) {
            char *s = pox_text(c);
            if (!s)
                return -1;
            err->code = parse_code(s);
            free(s);
        } else if (xmlsafe_is(c, NULL, "Message")) {
            if (pox_take_text(&err->message, c) < 0)
                return -1;
        } else if (xmlsafe_is(c, NULL, "DebugData")) {
            if (pox_take_text(&err->debug_data, c) < 0)
                return -1;
        }
    }
    return 0;
}

void pox_error_write(struct pox_writer *w, const struct pox_error *err)
{
    struct pox_attr attrs[2] = {{"Time", err->time}, {"Id", err->id}};
    pox_w_open(w, "Error", attrs, 2);
    if (err->code > 0) {
        char code[16];
        snprintf(code, sizeof code, "%d", err->code);
        pox_w_leaf(w, "ErrorCode", NULL, 0, code);
    }
    pox_w_opt(w, "Message", err->message);
    pox_w_opt(w, "DebugData", err->debug_data);
    pox_w_close(w, "Error");
}

void pox_error_clear(struct pox_error *err)
{
    free(err->message);
    free(err->debug_data);
    free(err->time);
    free(err->id);
    memset(err, 0, sizeof *err);
}

/* ---- protocols and fields ---- */

static void field_clear(struct pox_field *f)
{
    free(f->path);
    free(f->value);
    for (size_t i = 0; i < f->nattrs; i++) {
        free(f->attrs[i].name);
        free(f->attrs[i].value);
    }
    free(f->attrs);
}

void pox_protocol_clear(struct pox_protocol *proto)
{
    free(proto->type);
    free(proto->version);
    for (size_t i = 0; i < proto->nfields; i++)
        field_clear(&proto->fields[i]);
    free(proto->fields);
    memset(proto, 0, sizeof *proto);
}

int pox_field_add_attr(struct pox_field *field, const char *name, const char *value)
{
    struct pox_attr *a = realloc(field->attrs, (field->nattrs + 1) * sizeof *a);
    if (!a)
        return -1;
    field->attrs = a;
    char *n = strdup(name), *v = strdup(value ? value : "");
    if (!n || !v) {
        free(n);
        free(v);
        return -1;
    }
    a[field->nattrs].name = n;
    a[field->nattrs].value = v;
    field->nattrs++;
    return 0;
}

struct pox_protocol *pox_response_add_protocol(struct pox_response *resp, const char *type)
{
    struct pox_protocol *p = realloc(resp->protocols, (resp->nprotocols + 1) * sizeof *p);
    if (!p)
        return NULL;
    resp->protocols = p;
    struct pox_protocol *proto = &p[resp->nprotocols];
    memset(proto, 0, sizeof *proto);
    if (type && !(proto->type = strdup(type)))
        return NULL;
    resp->nprotocols++;
    resp->has_account = true;
    return proto;
}

void pox_response_remove_protocol(struct pox_response *resp, size_t index)
{
    if (index >= resp->nprotocols)
        return;
    pox_protocol_clear(&resp->protocols[index]);
    memmove(&resp->protocols[index], &resp->protocols[index + 1],
            (resp->nprotocols - index - 1) * sizeof resp->protocols[0]);
    resp->nprotocols--;
}

int pox_protocol_add_field(struct pox_protocol *proto, const char *path, const char *value)
{
    struct pox_field *f = realloc(proto->fields, (proto->nfields + 1) * sizeof *f);
    if (!f)
        return -1;
    proto->fields = f;
    struct pox_field *field = &f[proto->nfields];
    memset(field, 0, sizeof *field);
    field->path = strdup(path);
    field->value = strdup(value ? value : "");
    if (!field->path || !field->value) {
        field_clear(field);
        return -1;
    }
    proto->nfields++;
    return 0;
}

const char *pox_protocol_get(const struct pox_protocol *proto, const char *path)
{
    for (size_t i = 0; i < proto->nfields; i++)
        if (strcmp(proto->fields[i].path, path) == 0)
            return proto->fields[i].value;
    return NULL;
}

/* ---- errors, messages, names ---- */

const char *pox_error_message(int code)
{
    switch (code) {
    case POX_ERR_UNKNOWN_ADDRESS: return "The e-mail address cannot be found.";
    case POX_ERR_NO_SETTINGS: return "No configuration settings are available for this e-mail address.";
    case POX_ERR_INVALID_REQUEST: return "Invalid Request";
    case POX_ERR_NO_PROVIDER: return "Provider is not available";
    case POX_ERR_BROKEN_SETTINGS: return "The configuration for this e-mail address is invalid.";
    case POX_ERR_INTERNAL: return "Internal server error";
    default: return "Unknown error";
    }
}

const char *pox_action_name(enum pox_action action)
{
    switch (action) {
    case POX_ACTION_SETTINGS: return "settings";
    case POX_ACTION_REDIRECT_ADDR: return "redirectAddr";
    case POX_ACTION_REDIRECT_URL: return "redirectUrl";
    case POX_ACTION_NONE: break;
    }
    return "none";
}

/* Exchange writes Time as the UTC time of day with 7 fractional digits: "21:25:04.8897083". */
static int format_time(char *buf, size_t size, const struct timespec *ts)
{
    struct tm tm;
    if (!gmtime_r(&ts->tv_sec, &tm))
        return -1;
    int n = snprintf(buf, size, "%02d:%02d:%02d.%07ld", tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts->tv_nsec / 100);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

/*
 * The Id only lets an operator match an answer with a log line; it is not a secret, so a
 * process-wide counter mixed with the clock is enough (atomic: the daemon is multi-threaded).
 */
static unsigned long next_error_id(const struct timespec *ts)
{
    static atomic_uint counter;
    unsigned n = atomic_fetch_add(&counter, 1u);
    return ((unsigned long)ts->tv_sec * 1000003ul + n) % 4294967291ul;
}

int pox_response_set_error(struct pox_response *resp, int code, const char *debug_data)
{
    struct timespec ts;
    char time_s[32], id_s[24];
    if (clock_gettime(CLOCK_REALTIME, &ts) < 0 || format_time(time_s, sizeof time_s, &ts) < 0)
        time_s[0] = '\0';
    snprintf(id_s, sizeof id_s, "%lu", next_error_id(&ts));

    struct pox_error e = {.code = code};
    if (pox_set_str(&e.message, pox_error_message(code)) < 0 ||
        pox_set_str(&e.debug_data, debug_data ? debug_data : "") < 0 ||
        pox_set_str(&e.time, time_s) < 0 || pox_set_str(&e.id, id_s) < 0) {
        pox_error_clear(&e);
        return -1;
    }
    pox_error_clear(&resp->error);
    resp->error = e;
    resp->is_error = true;
    return 0;
}
