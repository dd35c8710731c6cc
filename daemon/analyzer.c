/*
 * analyzer: routing, authentication, forms and pages of the connectivity analyzer
 * (analyzer.h). The report itself is drawn by analyzer_render.c; runs live in
 * analyzer_run.c. Every page is plain HTML that works without scripts.
 */
#include "analyzer.h"

#include <autodiscover/autodiscover.h>
#include <gnutls/crypto.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "access_log.h"
#include "analyzer_html.h"
#include "analyzer_render.h"
#include "http_auth.h"
#include "log.h"
#include "password.h"

#define PAGE_MAX (4u << 20)
#define AUTH_MEMORY_SECONDS 60

/* --- authentication --- */

/*
 * yescrypt costs tens of milliseconds by design; a polling page would pay it twice a
 * second. The SHA-256 of the last accepted Authorization header is kept for a minute.
 */
static pthread_mutex_t auth_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char auth_digest[32];
static time_t auth_until;

static bool remembered(const char *header, unsigned char digest[32])
{
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, header, strlen(header), digest) != 0)
        return false;
    pthread_mutex_lock(&auth_lock);
    unsigned char diff = 0;
    for (size_t i = 0; i < 32; i++)
        diff |= (unsigned char)(digest[i] ^ auth_digest[i]);
    bool hit = diff == 0 && time(NULL) < auth_until;
    pthread_mutex_unlock(&auth_lock);
    return hit;
}

bool analyzer_authorized(struct analyzer *a, const struct config_analyzer *conf,
                         struct MHD_Connection *conn, const char *client)
{
    (void)a;
    const char *header =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    struct basic_credentials creds;
    if (!header || http_basic_parse(header, &creds) < 0)
        return false;
    unsigned char digest[32];
    bool ok = remembered(header, digest);
    if (!ok) {
        ok = strcmp(creds.user, conf->user) == 0 &&
             password_verify(creds.password, conf->password_hash);
        if (ok) {
            pthread_mutex_lock(&auth_lock);
            memcpy(auth_digest, digest, sizeof digest);
            auth_until = time(NULL) + AUTH_MEMORY_SECONDS;
            pthread_mutex_unlock(&auth_lock);
        } else {
            char escaped[256];
            access_log_escape(creds.user, escaped, sizeof escaped);
            log_auth("analyzer authentication failure for %s from %s", escaped,
                     client && *client ? client : "-");
        }
    }
    basic_credentials_clear(&creds);
    explicit_bzero(digest, sizeof digest);
    return ok;
}

/* --- replies --- */

static void reply_init(struct analyzer_reply *r, int status, const char *type)
{
    memset(r, 0, sizeof *r);
    adbuf_init(&r->body, PAGE_MAX);
    r->status = status;
    r->headers[r->nheaders][0] = "Content-Type";
    r->headers[r->nheaders++][1] = type;
    r->headers[r->nheaders][0] = "Cache-Control";
    r->headers[r->nheaders++][1] = "no-store";
    r->headers[r->nheaders][0] = "X-Content-Type-Options";
    r->headers[r->nheaders++][1] = "nosniff";
    /* Nothing but our own files: no inline script, no foreign loads, no framing. */
    r->headers[r->nheaders][0] = "Content-Security-Policy";
    r->headers[r->nheaders++][1] =
        "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    r->headers[r->nheaders][0] = "Referrer-Policy";
    r->headers[r->nheaders++][1] = "no-referrer";
}

static void add_header(struct analyzer_reply *r, const char *name, const char *value)
{
    if (r->nheaders < ANALYZER_MAX_HEADERS) {
        r->headers[r->nheaders][0] = name;
        r->headers[r->nheaders++][1] = value;
    }
}

void analyzer_challenge(struct analyzer_reply *out)
{
    reply_init(out, 401, "text/plain; charset=utf-8");
    add_header(out, "WWW-Authenticate", "Basic realm=\"autodiscover analyzer\", charset=\"UTF-8\"");
    adbuf_puts(&out->body, "401 Unauthorized: the analyzer needs its own user and password\n");
}

static void page_head(struct adbuf *b, const char *title, const char *extra_head)
{
    adbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width\">"
                  "<link rel=\"stylesheet\" href=\"/analyzer/style.css\">");
    html_wrap(b, "<title>", title, " - autodiscover analyzer</title>");
    adbuf_puts(b, extra_head ? extra_head : "");
    adbuf_puts(b, "</head><body><p><a href=\"/analyzer\">Analyzer</a></p>\n");
    html_wrap(b, "<h1>", title, "</h1>\n");
}

static void page_foot(struct adbuf *b)
{
    adbuf_puts(b, "</body></html>\n");
}

static void error_page(struct analyzer_reply *out, int status, const char *message)
{
    reply_init(out, status, "text/html; charset=utf-8");
    page_head(&out->body, "Cannot do that", NULL);
    html_wrap(&out->body, "<p class=\"error\">", message, "</p>\n");
    page_foot(&out->body);
}

static void see_other(struct analyzer_reply *out, const char *id, const char *suffix)
{
    reply_init(out, 303, "text/plain; charset=utf-8");
    snprintf(out->location, sizeof out->location, "/analyzer/run/%s%s", id, suffix);
    add_header(out, "Location", out->location);
    adbuf_puts(&out->body, "303 See Other\n");
}

/* --- the form page --- */

static const char *const method_names[] = {"root", "autodiscover", "redirect", "srv"};

static void index_page(struct analyzer_reply *out)
{
    reply_init(out, 200, "text/html; charset=utf-8");
    struct adbuf *b = &out->body;
    page_head(b, "Autodiscover connectivity analyzer", NULL);
    adbuf_puts(b,
               "<form method=\"post\" action=\"/analyzer/run\" autocomplete=\"off\">"
               "<h2>Run a discovery</h2>\n"
               "<label>Address <input type=\"email\" name=\"email\" required "
               "maxlength=\"319\"></label>\n"
               "<label>Password (optional) <input type=\"password\" name=\"password\" "
               "maxlength=\"255\" autocomplete=\"new-password\"></label>\n"
               "<p class=\"note\">The password is used for this run only, never stored nor "
               "logged, and wiped when the run ends.</p>\n"
               "<fieldset><legend>Protocol</legend>"
               "<label><input type=\"radio\" name=\"protocol\" value=\"pox\" checked> POX "
               "(Outlook)</label><label><input type=\"radio\" name=\"protocol\" value=\"soap\"> "
               "SOAP (EWS)</label><label><input type=\"radio\" name=\"protocol\" value=\"json\"> "
               "v2 JSON</label><label><input type=\"radio\" name=\"protocol\" "
               "value=\"mobilesync\"> mobilesync</label></fieldset>\n"
               "<fieldset><legend>Methods to try</legend>");
    for (size_t i = 0; i < sizeof method_names / sizeof method_names[0]; i++)
        adbuf_printf(b,
                     "<label><input type=\"checkbox\" name=\"try\" value=\"%s\" checked> "
                     "%s</label>",
                     method_names[i], method_names[i]);
    adbuf_puts(b, "<input type=\"hidden\" name=\"try\" value=\"-\"></fieldset>\n"
                  "<label>Allow redirects to (host names, space-separated) "
                  "<input type=\"text\" name=\"allow\" maxlength=\"1024\"></label>\n"
                  "<p><button type=\"submit\">Run</button></p></form>\n"
                  "<form method=\"post\" action=\"/analyzer/selftest\" autocomplete=\"off\">"
                  "<h2>Self-test of a deployment</h2>\n"
                  "<label>Domain <input type=\"text\" name=\"domain\" required "
                  "maxlength=\"253\"></label>\n"
                  "<label>Address (optional) <input type=\"email\" name=\"email\" "
                  "maxlength=\"319\"></label>\n"
                  "<label>Password (optional) <input type=\"password\" name=\"password\" "
                  "maxlength=\"255\" autocomplete=\"new-password\"></label>\n"
                  "<p><button type=\"submit\">Run the self-test</button></p></form>\n"
                  "<form method=\"post\" action=\"/analyzer/view\" "
                  "enctype=\"multipart/form-data\"><h2>Open a saved report</h2>\n"
                  "<p class=\"note\">The JSON of <code>autodiscover --json</code>, of a "
                  "downloaded run or of <code>autodiscoverctl selftest --json</code>. It is "
                  "drawn and forgotten: nothing is kept.</p>\n"
                  "<label>File <input type=\"file\" name=\"report\" "
                  "accept=\"application/json,.json\"></label>\n"
                  "<label>or paste it <textarea name=\"json\" rows=\"3\" cols=\"60\">"
                  "</textarea></label>\n"
                  "<p><button type=\"submit\">Draw it</button></p></form>\n");
    page_foot(b);
}

/* --- forms --- */

struct form {
    struct adbuf email, password, protocol, allow, domain, report, json;
    unsigned tried; /* AD_METHOD_* bits of the "try" boxes ticked */
    bool try_seen;
};

static struct adbuf *form_field(struct form *f, const char *key)
{
    static const struct {
        const char *name;
        size_t offset;
    } fields[] = {
        {"email", offsetof(struct form, email)},
        {"password", offsetof(struct form, password)},
        {"protocol", offsetof(struct form, protocol)},
        {"allow", offsetof(struct form, allow)},
        {"domain", offsetof(struct form, domain)},
        {"report", offsetof(struct form, report)},
        {"json", offsetof(struct form, json)},
    };
    for (size_t i = 0; key && i < sizeof fields / sizeof fields[0]; i++)
        if (strcmp(fields[i].name, key) == 0)
            return (struct adbuf *)((char *)f + fields[i].offset);
    return NULL;
}

static enum MHD_Result form_iterator(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *filename, const char *content_type,
                                     const char *transfer_encoding, const char *data, uint64_t off,
                                     size_t size)
{
    struct form *f = cls;
    if (key && strcmp(key, "try") == 0) {
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)(size < 31 ? size : 31), data);
        unsigned bit = 0;
        f->try_seen = true;
        if (ad_method_from_name(name, &bit) == AD_OK)
            f->tried |= bit;
        return MHD_YES;
    }
    struct adbuf *b = form_field(f, key);
    if (b && size > 0 && adbuf_append(b, data, size) < 0)
        return MHD_NO; /* over the field's cap */
    return MHD_YES;
}

static void form_init(struct form *f)
{
    memset(f, 0, sizeof *f);
    adbuf_init(&f->email, 319);
    adbuf_init(&f->password, 255);
    adbuf_init(&f->protocol, 16);
    adbuf_init(&f->allow, 1024);
    adbuf_init(&f->domain, 253);
    adbuf_init(&f->report, ANALYZER_REPORT_MAX_BYTES);
    adbuf_init(&f->json, ANALYZER_REPORT_MAX_BYTES);
}

static void form_free(struct form *f)
{
    if (f->password.data)
        explicit_bzero(f->password.data, f->password.cap);
    struct adbuf *all[] = {&f->email,  &f->password, &f->protocol, &f->allow,
                           &f->domain, &f->report,   &f->json};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        adbuf_free(all[i]);
}

/* 0, or -1 when the body is not a form this analyzer reads (or a field is too long). */
static int form_parse(struct MHD_Connection *conn, const char *body, size_t len, struct form *f)
{
    struct MHD_PostProcessor *pp = MHD_create_post_processor(conn, 4096, form_iterator, f);
    if (!pp)
        return -1;
    enum MHD_Result rc = len ? MHD_post_process(pp, body, len) : MHD_YES;
    if (MHD_destroy_post_processor(pp) != MHD_YES)
        rc = MHD_NO;
    return rc == MHD_YES ? 0 : -1;
}

static const char *text_of(const struct adbuf *b)
{
    return b->data ? b->data : "";
}

/* --- actions --- */

static void start_run(struct analyzer *a, struct form *f, struct analyzer_reply *out)
{
    struct analyzer_request req = {0};
    const char *email = text_of(&f->email);
    const char *problem = ad_address_problem(email);
    if (problem) {
        error_page(out, 400, problem);
        return;
    }
    static const char *const protocols[] = {"pox", "soap", "json", "mobilesync"};
    const char *proto = f->protocol.len ? text_of(&f->protocol) : "pox";
    req.protocol = -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(proto, protocols[i]) == 0)
            req.protocol = i;
    if (req.protocol < 0) {
        error_page(out, 400, "unknown protocol (pox, soap, json or mobilesync)");
        return;
    }
    /* The methods not ticked are excluded; without the form's boxes, nothing is. */
    unsigned all = AD_METHOD_ROOT | AD_METHOD_AUTODISCOVER | AD_METHOD_REDIRECT | AD_METHOD_SRV;
    /* The server's own cache and local files are never the analyzer's business. */
    req.exclude = AD_METHOD_LASTKNOWN | AD_METHOD_LOCALXML | AD_METHOD_SCP | AD_METHOD_O365 |
                  (f->try_seen ? all & ~f->tried : 0);
    snprintf(req.email, sizeof req.email, "%s", email);
    snprintf(req.password, sizeof req.password, "%s", text_of(&f->password));
    char *save = NULL, *allow = f->allow.data;
    for (char *h = allow ? strtok_r(allow, " ,\t\r\n", &save) : NULL;
         h && req.nallow < ANALYZER_MAX_ALLOW; h = strtok_r(NULL, " ,\t\r\n", &save))
        if (strlen(h) < sizeof req.allow[0])
            snprintf(req.allow[req.nallow++], sizeof req.allow[0], "%s", h);
    char id[ANALYZER_ID_LEN + 1], err[256];
    if (analyzer_start(a, &req, id, err, sizeof err) < 0)
        error_page(out, 503, err);
    else
        see_other(out, id, "");
}

static bool valid_domain(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > 253 || !strchr(s, '.') || s[0] == '.' || s[0] == '-')
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == len;
}

static void start_selftest(struct analyzer *a, struct form *f, struct analyzer_reply *out)
{
    struct analyzer_request req = {.selftest = true};
    const char *domain = text_of(&f->domain), *email = text_of(&f->email);
    if (!valid_domain(domain)) {
        error_page(out, 400, "the domain is not a host name");
        return;
    }
    if (*email && ad_address_problem(email)) {
        error_page(out, 400, ad_address_problem(email));
        return;
    }
    snprintf(req.domain, sizeof req.domain, "%s", domain);
    snprintf(req.email, sizeof req.email, "%s", email);
    snprintf(req.password, sizeof req.password, "%s", text_of(&f->password));
    char id[ANALYZER_ID_LEN + 1], err[256];
    if (analyzer_start(a, &req, id, err, sizeof err) < 0)
        error_page(out, 503, err);
    else
        see_other(out, id, "");
}

static void view_upload(struct form *f, struct analyzer_reply *out)
{
    const struct adbuf *src = f->report.len ? &f->report : &f->json;
    char err[256];
    json_t *report = analyzer_report_parse(text_of(src), src->len, err, sizeof err);
    if (!report) {
        error_page(out, 400, err);
        return;
    }
    reply_init(out, 200, "text/html; charset=utf-8");
    page_head(&out->body, "Saved report", NULL);
    adbuf_puts(&out->body, "<p class=\"note\">Drawn from an uploaded file; nothing was kept."
                           "</p><div id=\"report\">\n");
    if (analyzer_render_report(report, &out->body) < 0)
        error_page(out, 500, "the report is too large to draw");
    else {
        adbuf_puts(&out->body, "</div>\n");
        page_foot(&out->body);
    }
    json_decref(report);
}

/* --- a run's pages --- */

static const char *state_name(enum analyzer_state s)
{
    return s == RUN_RUNNING ? "running" : s == RUN_DONE ? "done" : "cancelled";
}

/* The run id of /analyzer/run/ID[/suffix]: 32 hex digits, else NULL. */
static const char *run_id(const char *path, char id[ANALYZER_ID_LEN + 1], const char **suffix)
{
    static const char prefix[] = "/analyzer/run/";
    if (strncmp(path, prefix, sizeof prefix - 1) != 0)
        return NULL;
    path += sizeof prefix - 1;
    size_t n = strspn(path, "0123456789abcdef");
    if (n != ANALYZER_ID_LEN)
        return NULL;
    memcpy(id, path, n);
    id[n] = '\0';
    *suffix = path + n;
    return id;
}

static void run_page(struct analyzer *a, const char *id, const char *suffix,
                     struct analyzer_reply *out)
{
    enum analyzer_state state;
    char *text = analyzer_snapshot(a, id, &state);
    if (!text) {
        error_page(out, 404, "no such run (runs are kept in memory, the last 32 only)");
        return;
    }
    if (strcmp(suffix, "/report.json") == 0) {
        reply_init(out, 200, "application/json; charset=utf-8");
        add_header(out, "Content-Disposition", "attachment; filename=\"autodiscover-report.json\"");
        adbuf_puts(&out->body, text);
        adbuf_puts(&out->body, "\n");
        free(text);
        return;
    }
    char err[256];
    json_t *report = analyzer_report_parse(text, strlen(text), err, sizeof err);
    free(text);
    if (!report) {
        error_page(out, 500, err);
        return;
    }
    bool fragment = strcmp(suffix, "/fragment") == 0;
    reply_init(out, 200, "text/html; charset=utf-8");
    add_header(out, "X-Run-State", state_name(state));
    struct adbuf *b = &out->body;
    if (!fragment) {
        /* Scripts off: the page reloads itself each second until the run ends. */
        const char *head = state == RUN_RUNNING
                               ? "<noscript><meta http-equiv=\"refresh\" content=\"1\"></noscript>"
                                 "<script src=\"/analyzer/live.js\" defer></script>"
                               : NULL;
        page_head(b, json_object_get(report, "checks") ? "Self-test" : "Discovery", head);
        adbuf_printf(b, "<p>Run <code>%s</code>: <strong id=\"state\">%s</strong></p>\n", id,
                     state_name(state));
        if (state == RUN_RUNNING)
            adbuf_printf(b,
                         "<form method=\"post\" action=\"/analyzer/run/%s/cancel\">"
                         "<button type=\"submit\">Cancel</button></form>\n",
                         id);
        else
            adbuf_printf(b,
                         "<p><a href=\"/analyzer/run/%s/report.json\" download>Download the "
                         "JSON report</a></p>\n",
                         id);
        if (state == RUN_CANCELLED)
            adbuf_puts(b, "<p class=\"error\" id=\"cancelled\">This run was cancelled: its "
                          "discovery was stopped, and the steps below are those seen before "
                          "the cancel.</p>\n");
        if (state == RUN_RUNNING)
            adbuf_printf(b, "<div id=\"report\" data-live=\"/analyzer/run/%s/fragment\">\n", id);
        else
            adbuf_puts(b, "<div id=\"report\">\n");
    }
    if (analyzer_render_report(report, b) < 0) {
        json_decref(report);
        error_page(out, 500, "the report is too large to draw");
        return;
    }
    json_decref(report);
    if (!fragment) {
        adbuf_puts(b, "</div>\n");
        page_foot(b);
    }
}

/* --- routing --- */

bool analyzer_path(const char *path)
{
    return strcmp(path, "/analyzer") == 0 || strncmp(path, "/analyzer/", 10) == 0;
}

static void static_file(struct analyzer_reply *out, const char *type, const char *text)
{
    reply_init(out, 200, type);
    adbuf_puts(&out->body, text);
}

/* A form posted from another site (with the browser's remembered credentials) is refused. */
static bool same_origin(struct MHD_Connection *conn)
{
    const char *site = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Sec-Fetch-Site");
    if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
        return false;
    const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!origin || strcmp(origin, "null") == 0)
        return !origin;
    const char *p = strstr(origin, "://");
    return p && host && strcasecmp(p + 3, host) == 0;
}

static void handle_post(struct analyzer *a, struct MHD_Connection *conn, const char *path,
                        char *body, size_t len, struct analyzer_reply *out)
{
    char id[ANALYZER_ID_LEN + 1];
    const char *suffix = NULL;
    if (!same_origin(conn)) {
        error_page(out, 403, "cross-site form refused");
        return;
    }
    if (run_id(path, id, &suffix) && strcmp(suffix, "/cancel") == 0) {
        if (analyzer_cancel(a, id) < 0)
            error_page(out, 404, "no such run");
        else
            see_other(out, id, "");
        return;
    }
    struct form f;
    form_init(&f);
    if (form_parse(conn, body, len, &f) < 0)
        error_page(out, 400, "the form could not be read (a field too long, or not a form)");
    else if (strcmp(path, "/analyzer/run") == 0)
        start_run(a, &f, out);
    else if (strcmp(path, "/analyzer/selftest") == 0)
        start_selftest(a, &f, out);
    else if (strcmp(path, "/analyzer/view") == 0)
        view_upload(&f, out);
    else
        error_page(out, 404, "no such page");
    form_free(&f);
}

void analyzer_handle(struct analyzer *a, struct MHD_Connection *conn, const char *method,
                     const char *path, char *body, size_t body_len, struct analyzer_reply *out)
{
    char id[ANALYZER_ID_LEN + 1];
    const char *suffix = NULL;
    if (strcmp(method, "POST") == 0) {
        handle_post(a, conn, path, body, body_len, out);
    } else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        error_page(out, 405, "method not allowed");
        add_header(out, "Allow", "GET, POST");
    } else if (strcmp(path, "/analyzer") == 0 || strcmp(path, "/analyzer/") == 0) {
        index_page(out);
    } else if (strcmp(path, "/analyzer/style.css") == 0) {
        static_file(out, "text/css; charset=utf-8", analyzer_css);
    } else if (strcmp(path, "/analyzer/live.js") == 0) {
        static_file(out, "text/javascript; charset=utf-8", analyzer_js);
    } else if (run_id(path, id, &suffix) && (!*suffix || strcmp(suffix, "/fragment") == 0 ||
                                             strcmp(suffix, "/report.json") == 0)) {
        run_page(a, id, suffix, out);
    } else {
        error_page(out, 404, "no such page");
    }
    if (body)
        explicit_bzero(body, body_len); /* it may have carried a mailbox password */
}
