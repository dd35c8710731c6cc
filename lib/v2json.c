/* v2json: Autodiscover v2 requests and answers (see v2json.h). */
#include "v2json.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Names seen from Exchange Online (PROTOCOL.md §5), in the spelling it documents. */
static const char *const protocols[] = {
    "AutodiscoverV1",
    "ActiveSync",
    "Ews",
    "Rest",
    "Substrate",
    "SubstrateSearchService",
    "SubstrateNotificationService",
    "OutlookMeetingScheduler",
    "OutlookPay",
    "Actions",
    "Connectors",
};
#define NPROTOCOLS (sizeof protocols / sizeof protocols[0])

const char *v2json_protocol_canonical(const char *name)
{
    for (size_t i = 0; name && i < NPROTOCOLS; i++)
        if (strcasecmp(protocols[i], name) == 0)
            return protocols[i];
    return NULL;
}

const char *v2json_protocol_list(void)
{
    return "AutodiscoverV1, ActiveSync, Ews, Rest, Substrate, SubstrateSearchService, "
           "SubstrateNotificationService, OutlookMeetingScheduler, OutlookPay, Actions, "
           "Connectors";
}

/* ---- request ---- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Strict percent-decoding of s[0..n): every '%' takes exactly two hex digits, and no control
 * byte (NUL included) may come out. '+' stays '+' (RFC 3986): a space is never valid here
 * anyway, and an address's '+' must survive clients that do not encode it.
 * 0 with *out set, V2JSON_BAD_QUERY, or V2JSON_NOMEM.
 */
static enum v2json_parse_error pct_decode(const char *s, size_t n, size_t cap, char **out)
{
    char *d = malloc(n + 1);
    if (!d)
        return V2JSON_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hex_value(s[i + 1]) : -1;
            int lo = i + 2 < n ? hex_value(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                goto bad;
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        }
        if (c < 0x20 || c == 0x7f)
            goto bad;
        d[k++] = (char)c;
    }
    d[k] = '\0';
    if (k > cap)
        goto bad;
    *out = d;
    return V2JSON_OK;
bad:
    free(d);
    return V2JSON_BAD_QUERY;
}

static bool domain_valid(const char *d)
{
    size_t len = strlen(d);
    if (len == 0 || len > 253 || !strchr(d, '.'))
        return false;
    size_t label = 0;
    for (size_t i = 0; i <= len; i++) {
        char c = d[i];
        if (c == '.' || c == '\0') {
            /* labels: 1..63 characters, no leading or trailing hyphen */
            if (label == 0 || label > 63 || d[i - 1] == '-' || d[i - label] == '-')
                return false;
            label = 0;
            continue;
        }
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok)
            return false;
        label++;
    }
    return true;
}

/*
 * A plausible address: ASCII, one '@', a local part of 1..64 characters without anything
 * that could change how a URL or a header is read, and a DNS name as domain.
 */
static bool email_valid(const char *e)
{
    const char *at = strchr(e, '@');
    if (!at || strchr(at + 1, '@') || at == e || (size_t)(at - e) > 64)
        return false;
    for (const char *p = e; p < at; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || strchr("\"(),/:;<>[\\]?#%&=", c))
            return false;
    }
    return domain_valid(at + 1);
}

enum param { P_EMAIL, P_PROTOCOL, P_REDIRECT_COUNT, P_SERVER_LOCATION, P_COUNT };
static const char *const param_names[P_COUNT] = {"Email", "Protocol", "RedirectCount",
                                                 "ServerLocation"};

/* Splits the raw query into decoded values, one per known parameter; all of vals freed by caller.
 */
static enum v2json_parse_error split_query(const char *query, char *vals[P_COUNT])
{
    if (!query || !*query)
        return V2JSON_OK;
    if (strlen(query) > V2JSON_MAX_URI)
        return V2JSON_BAD_QUERY;
    const char *p = query;
    for (;;) {
        size_t seg = strcspn(p, "&");
        const char *eq = memchr(p, '=', seg);
        if (!eq || eq == p)
            return V2JSON_BAD_QUERY; /* empty segment, no value, or no name */
        char *name;
        enum v2json_parse_error rc = pct_decode(p, (size_t)(eq - p), 32, &name);
        if (rc != V2JSON_OK)
            return rc;
        int which = -1;
        for (int i = 0; i < P_COUNT; i++)
            if (strcasecmp(name, param_names[i]) == 0)
                which = i;
        free(name);
        if (which < 0 || vals[which])
            return V2JSON_BAD_QUERY; /* unknown, or given twice */
        rc = pct_decode(eq + 1, seg - (size_t)(eq + 1 - p), V2JSON_MAX_EMAIL, &vals[which]);
        if (rc != V2JSON_OK)
            return rc;
        if (p[seg] == '\0')
            return V2JSON_OK;
        p += seg + 1;
    }
}

/* "" for the query form, the raw address segment for the path form, NULL when neither. */
static const char *match_path(const char *path, size_t *seglen)
{
    static const char prefix[] = V2JSON_PATH "/v1.0/";
    if (!path || strlen(path) > V2JSON_MAX_URI)
        return NULL;
    if (strcasecmp(path, V2JSON_PATH) == 0) {
        *seglen = 0;
        return "";
    }
    if (strncasecmp(path, prefix, sizeof prefix - 1) != 0)
        return NULL;
    const char *seg = path + sizeof prefix - 1;
    *seglen = strlen(seg);
    /* One segment, not empty: "/v1.0/a@b/../x" and "/v1.0/" are not ours. */
    if (*seglen == 0 || strchr(seg, '/'))
        return NULL;
    return seg;
}

static enum v2json_parse_error parse_count(const char *s, unsigned *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 2 || strspn(s, "0123456789") != n)
        return V2JSON_BAD_REDIRECT_COUNT;
    unsigned v = (unsigned)atoi(s);
    if (v > V2JSON_MAX_REDIRECTS)
        return V2JSON_BAD_REDIRECT_COUNT;
    *out = v;
    return V2JSON_OK;
}

static enum v2json_parse_error parse_values(const char *seg, size_t seglen, char *vals[P_COUNT],
                                            struct v2json_request *out)
{
    enum v2json_parse_error rc;
    if (seglen > 0) {
        if (vals[P_EMAIL])
            return V2JSON_BAD_QUERY; /* two addresses: which one? */
        rc = pct_decode(seg, seglen, V2JSON_MAX_EMAIL, &vals[P_EMAIL]);
        if (rc != V2JSON_OK)
            return rc == V2JSON_NOMEM ? rc : V2JSON_BAD_EMAIL;
    }
    if (!vals[P_EMAIL] || !email_valid(vals[P_EMAIL]))
        return V2JSON_BAD_EMAIL;
    out->protocol = v2json_protocol_canonical(vals[P_PROTOCOL]);
    if (!out->protocol)
        return V2JSON_BAD_PROTOCOL;
    if (vals[P_REDIRECT_COUNT] &&
        (rc = parse_count(vals[P_REDIRECT_COUNT], &out->redirect_count)) != V2JSON_OK)
        return rc;
    out->email = vals[P_EMAIL];
    vals[P_EMAIL] = NULL;
    return V2JSON_OK;
}

enum v2json_parse_error v2json_request_parse(const char *path, const char *query,
                                             struct v2json_request *out)
{
    memset(out, 0, sizeof *out);
    size_t seglen = 0;
    const char *seg = match_path(path, &seglen);
    if (!seg)
        return V2JSON_NOT_FOUND;
    char *vals[P_COUNT] = {0};
    enum v2json_parse_error rc = split_query(query, vals);
    if (rc == V2JSON_OK)
        rc = parse_values(seg, seglen, vals, out);
    for (int i = 0; i < P_COUNT; i++)
        free(vals[i]);
    if (rc != V2JSON_OK)
        v2json_request_free(out);
    return rc;
}

void v2json_request_free(struct v2json_request *req)
{
    if (!req)
        return;
    free(req->email);
    memset(req, 0, sizeof *req);
}

/* Percent-encodes everything but RFC 3986 unreserved characters and '@'. */
static int put_encoded(struct adbuf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || strchr("-._~@", *p);
        char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
        if ((plain ? adbuf_append(out, p, 1) : adbuf_append(out, enc, 3)) < 0)
            return -1;
    }
    return 0;
}

int v2json_request_write_path(const struct v2json_request *req, struct adbuf *out)
{
    size_t start = out->len;
    if (adbuf_puts(out, V2JSON_PATH "?Email=") < 0 || put_encoded(out, req->email) < 0 ||
        adbuf_puts(out, "&Protocol=") < 0 || put_encoded(out, req->protocol) < 0 ||
        adbuf_printf(out, "&RedirectCount=%u", req->redirect_count) < 0) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return -1;
    }
    return 0;
}

/* ---- answers ---- */

static int write_pair(const char *k1, const char *v1, const char *k2, const char *v2,
                      struct adbuf *out)
{
    json_t *obj = json_object();
    json_t *s1 = json_string(v1), *s2 = json_string(v2); /* NULL when not UTF-8 */
    int rc = -1;
    if (obj && s1 && s2 && json_object_set_new(obj, k1, s1) == 0) {
        s1 = NULL;
        if (json_object_set_new(obj, k2, s2) == 0) {
            s2 = NULL;
            char *text = json_dumps(obj, JSON_COMPACT);
            if (text) {
                rc = adbuf_puts(out, text);
                free(text);
            }
        }
    }
    json_decref(s1);
    json_decref(s2);
    json_decref(obj);
    return rc;
}

int v2json_answer_write(const char *protocol, const char *url, struct adbuf *out)
{
    return write_pair("Protocol", protocol, "Url", url, out);
}

int v2json_error_write(const char *code, const char *message, struct adbuf *out)
{
    return write_pair("ErrorCode", code, "ErrorMessage", message, out);
}

static int take_string(json_t *obj, const char *key, char **dst)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_string(v))
        return -1;
    *dst = strndup(json_string_value(v), json_string_length(v));
    return *dst ? 0 : -2;
}

enum v2json_parse_error v2json_answer_parse(const char *body, size_t len, struct v2json_answer *out)
{
    memset(out, 0, sizeof *out);
    if (len > V2JSON_MAX_ANSWER)
        return V2JSON_BAD_ANSWER;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    if (!root)
        return V2JSON_BAD_ANSWER;
    enum v2json_parse_error rc = V2JSON_BAD_ANSWER;
    int r[4] = {-1, -1, -1, -1};
    if (json_is_object(root)) {
        r[0] = take_string(root, "Protocol", &out->protocol);
        r[1] = take_string(root, "Url", &out->url);
        r[2] = take_string(root, "ErrorCode", &out->error_code);
        r[3] = take_string(root, "ErrorMessage", &out->error_message);
        if (r[0] == -2 || r[1] == -2 || r[2] == -2 || r[3] == -2)
            rc = V2JSON_NOMEM;
        else if (r[0] == 0 && r[1] == 0 && r[2] == 0 && r[3] == 0 &&
                 ((out->protocol && out->url) || out->error_code))
            rc = V2JSON_OK;
    }
    json_decref(root);
    if (rc != V2JSON_OK)
        v2json_answer_free(out);
    return rc;
}

void v2json_answer_free(struct v2json_answer *ans)
{
    if (!ans)
        return;
    free(ans->protocol);
    free(ans->url);
    free(ans->error_code);
    free(ans->error_message);
    memset(ans, 0, sizeof *ans);
}
