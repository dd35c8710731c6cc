/*
 * analyzer_render: HTML and SVG from a report JSON (analyzer_render.h). Only known keys are
 * read, each through str()/num(), and every value is written through analyzer_html.h.
 */
#include "analyzer_render.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "analyzer_html.h"

/* --- reading the JSON --- */

static const char *str(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* An integer field, or def when absent or not an integer. */
static long long num(const json_t *obj, const char *key, long long def)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

static unsigned depth_of(const json_t *v)
{
    unsigned deepest = 0, d;
    const char *key;
    json_t *child;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, child) if ((d = depth_of(child)) > deepest) deepest =
            d;
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, child) if ((d = depth_of(child)) > deepest) deepest = d;
    } else {
        return 0;
    }
    return deepest + 1;
}

json_t *analyzer_report_parse(const char *text, size_t len, char *err, size_t errlen)
{
    if (len > ANALYZER_REPORT_MAX_BYTES) {
        snprintf(err, errlen, "the file is larger than %u bytes", ANALYZER_REPORT_MAX_BYTES);
        return NULL;
    }
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errlen, "not a JSON report: line %d: %s", je.line, je.text);
        return NULL;
    }
    const char *problem = NULL;
    const json_t *steps = json_object_get(root, "steps");
    const json_t *checks = json_object_get(root, "checks");
    const json_t *result = json_object_get(root, "result");
    if (!json_is_object(root))
        problem = "the report is not a JSON object";
    else if (depth_of(root) > ANALYZER_MAX_DEPTH)
        problem = "the report is nested too deeply";
    else if (!json_is_array(steps) && !json_is_array(checks))
        problem = "the report has no \"steps\" (autodiscover --json) or \"checks\" (selftest)";
    else if (result && !json_is_object(result) && !json_is_null(result))
        problem = "\"result\" is not an object";
    else if (json_array_size(steps) > ANALYZER_MAX_STEPS ||
             json_array_size(checks) > ANALYZER_MAX_STEPS)
        problem = "the report has too many steps";
    for (size_t i = 0; !problem && i < json_array_size(steps); i++)
        if (!json_is_object(json_array_get(steps, i)))
            problem = "a step is not an object";
    for (size_t i = 0; !problem && i < json_array_size(checks); i++)
        if (!json_is_object(json_array_get(checks, i)))
            problem = "a check is not an object";
    if (problem) {
        snprintf(err, errlen, "%s", problem);
        json_decref(root);
        return NULL;
    }
    return root;
}

/* --- colours --- */

const char *analyzer_decision_class(const char *d)
{
    static const struct {
        const char *decision, *cls;
    } map[] = {
        {"success", "ok"},
        {"proceed", "info"},
        {"retry-with-credentials", "info"},
        {"follow-redirect", "info"},
        {"restart-with-address", "info"},
        {"retry-after-timeout", "info"},
        {"held", "held"},
        {"cancelled", "cancelled"},
        {"refused-consent", "warn"},
        {"running", "info"},
    };
    for (size_t i = 0; d && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(d, map[i].decision) == 0)
            return map[i].cls;
    return "fail";
}

/* Fill and stroke per class: presentation attributes, so the drawing needs no stylesheet. */
static void colours(const char *cls, const char **fill, const char **stroke)
{
    static const struct {
        const char *cls, *fill, *stroke;
    } map[] = {
        {"ok", "#e6f4ea", "#1e7b34"},   {"fail", "#fdecea", "#b3261e"},
        {"held", "#fff4d6", "#9a6b00"}, {"cancelled", "#eeeeee", "#6b6b6b"},
        {"warn", "#fff0e0", "#b45309"}, {"info", "#e8f0fe", "#1a56c4"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(cls, map[i].cls) == 0) {
            *fill = map[i].fill;
            *stroke = map[i].stroke;
            return;
        }
    }
    *fill = "#fdecea";
    *stroke = "#b3261e";
}

/* Copies at most max bytes of s into buf (whole UTF-8 characters), "..." when cut. */
static const char *clip(const char *s, char *buf, size_t bufsize, size_t max)
{
    if (!s)
        return "";
    size_t len = strlen(s);
    if (max + 4 > bufsize)
        max = bufsize - 4;
    if (len <= max)
        return s;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    memcpy(buf, s, max);
    memcpy(buf + max, "...", 4);
    return buf;
}

/* --- the diagram --- */

#define SVG_ROW 46
#define SVG_BOX 38
#define SVG_WIDTH 900
#define SVG_BOX_RIGHT 640
#define SVG_MAX_INDENT 6
/* Warnings drawn from a report: the library keeps at most 16 (RESULT_MAX_WARNINGS). */
#define RENDER_MAX_WARNINGS 16

static int step_x(const json_t *step)
{
    long long hop = num(step, "hop", 0);
    if (hop < 0)
        hop = 0;
    return 12 + (int)(hop > SVG_MAX_INDENT ? SVG_MAX_INDENT : hop) * 26;
}

/* The index of the latest step before i whose url is url, or -1. */
static long source_of(const json_t *steps, size_t i, const char *url)
{
    for (size_t j = i; url && j-- > 0;) {
        const char *u = str(json_array_get(steps, j), "url");
        if (u && strcmp(u, url) == 0)
            return (long)j;
    }
    return -1;
}

static int svg_arrow(struct adbuf *b, size_t from, size_t to, bool restart)
{
    int y1 = (int)from * SVG_ROW + 10 + SVG_BOX / 2, y2 = (int)to * SVG_ROW + 10 + SVG_BOX / 2;
    int bend = SVG_BOX_RIGHT + 40 + (int)((to - from) % 5) * 16;
    return adbuf_printf(b,
                        "<path class=\"%s\" d=\"M%d %d C%d %d %d %d %d %d\" fill=\"none\" "
                        "stroke=\"%s\" stroke-width=\"1.6\"%s marker-end=\"url(#arrow)\"/>"
                        "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#444\">%s</text>\n",
                        restart ? "restart" : "redirect", SVG_BOX_RIGHT, y1, bend, y1, bend, y2,
                        SVG_BOX_RIGHT + 4, y2, restart ? "#7b1fa2" : "#1a56c4",
                        restart ? " stroke-dasharray=\"5 3\"" : "", bend + 4, (y1 + y2) / 2 + 4,
                        restart ? "restart" : "redirect");
}

static int svg_step(struct adbuf *b, const json_t *step, size_t i)
{
    const char *decision = str(step, "decision");
    const char *cls = analyzer_decision_class(decision);
    const char *fill, *stroke;
    colours(cls, &fill, &stroke);
    const char *where = str(step, "url") ? str(step, "url") : str(step, "query");
    char clipped[128], status[64];
    int x = step_x(step), y = (int)i * SVG_ROW + 10;
    long long code = num(step, "status", 0), ms = num(step, "elapsed_ms", -1);
    if (ms >= 0)
        snprintf(status, sizeof status, "%s%lld · %lld ms", code ? "HTTP " : "", code, ms);
    else
        snprintf(status, sizeof status, "%s%lld", code ? "HTTP " : "", code);
    if (code == 0)
        snprintf(status, sizeof status, ms >= 0 ? "no answer · %lld ms" : "no answer", ms);
    int rc = adbuf_printf(b, "<a href=\"#step-%zu\"><g class=\"step %s\"><title>", i + 1, cls);
    rc |= html_text(b, str(step, "reason"));
    rc |=
        adbuf_printf(b,
                     "</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"5\" "
                     "fill=\"%s\" stroke=\"%s\"/>"
                     "<text x=\"%d\" y=\"%d\" font-size=\"12\" font-weight=\"bold\" fill=\"%s\">"
                     "%zu ",
                     x, y, SVG_BOX_RIGHT - x, SVG_BOX, fill, stroke, x + 8, y + 15, stroke, i + 1);
    rc |= html_text(b, clip(str(step, "method"), clipped, sizeof clipped, 20));
    rc |= adbuf_puts(b, " · ");
    rc |= html_text(b, clip(decision, clipped, sizeof clipped, 30));
    rc |= adbuf_printf(b, " · %s</text><text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#222\">",
                       status, x + 8, y + 30);
    rc |= html_text(b, clip(where, clipped, sizeof clipped, (size_t)(SVG_BOX_RIGHT - x) / 7));
    rc |= adbuf_puts(b, "</text></g></a>\n");
    return rc ? -1 : 0;
}

int analyzer_render_svg(const json_t *steps, struct adbuf *b)
{
    size_t n = json_array_size(steps);
    if (n > ANALYZER_MAX_STEPS)
        n = ANALYZER_MAX_STEPS;
    int height = (int)n * SVG_ROW + 20;
    int rc = adbuf_printf(b,
                          "<svg class=\"journey\" xmlns=\"http://www.w3.org/2000/svg\" "
                          "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
                          "aria-label=\"journey diagram\" font-family=\"sans-serif\">\n"
                          "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
                          "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
                          "<path d=\"M0 0 L10 5 L0 10 z\" fill=\"#333\"/></marker></defs>\n",
                          SVG_WIDTH, height, SVG_WIDTH, height);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const json_t *step = json_array_get(steps, i);
        rc = svg_step(b, step, i);
        /* A redirect target: an arrow from the step that redirected. */
        long from = source_of(steps, i, str(step, "redirected_from"));
        if (rc == 0 && from >= 0)
            rc = svg_arrow(b, (size_t)from, i, false);
        /* A restart for a new address: an arrow to the next step (the new journey). */
        const char *d = str(step, "decision");
        if (rc == 0 && d && strcmp(d, "restart-with-address") == 0 && i + 1 < n)
            rc = svg_arrow(b, i, i + 1, true);
    }
    return rc == 0 ? adbuf_puts(b, "</svg>\n") : -1;
}

/* --- the summary and the list --- */

static int row(struct adbuf *b, const char *name, const char *value)
{
    if (!value)
        return 0;
    return html_wrap(b, "<dt>", name, "</dt>") | html_wrap(b, "<dd>", value, "</dd>\n");
}

static int row_num(struct adbuf *b, const char *name, const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        return 0;
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
    return row(b, name, text);
}

/* The TLS outcome a step tells: its reason when TLS failed, else verified for https answers. */
static const char *tls_outcome(const json_t *step)
{
    const char *url = str(step, "url"), *reason = str(step, "reason");
    if (!url || strncmp(url, "https://", 8) != 0)
        return NULL;
    if (reason && strncmp(reason, "TLS", 3) == 0)
        return reason;
    if (num(step, "status", 0) > 0)
        return "verified: chain and host name (TLS 1.2 or later)";
    return "no TLS session (see the reason)";
}

/* A list of strings (certificate names, authentication schemes) as one row; others skipped. */
static int row_list(struct adbuf *b, const char *name, const json_t *list)
{
    if (!json_is_array(list))
        return 0;
    int rc = html_wrap(b, "<dt>", name, "</dt>") | adbuf_puts(b, "<dd><ul>");
    for (size_t k = 0; k < json_array_size(list) && k < ANALYZER_MAX_STEPS; k++)
        if (json_is_string(json_array_get(list, k)))
            rc |= html_wrap(b, "<li>", json_string_value(json_array_get(list, k)), "</li>");
    return rc | adbuf_puts(b, json_array_size(list) ? "</ul></dd>\n" : "</ul>none</dd>\n");
}

/* The step's "tls" object (autodiscover --json): session, certificate and error. */
static int render_tls(struct adbuf *b, const json_t *step)
{
    const json_t *tls = json_object_get(step, "tls");
    if (!json_is_object(tls))
        return 0;
    const json_t *verified = json_object_get(tls, "verified");
    int rc = row(b, "TLS verified",
                 json_is_boolean(verified) ? (json_is_true(verified) ? "yes" : "no") : NULL);
    rc |= row(b, "TLS version", str(tls, "version"));
    rc |= row(b, "TLS cipher", str(tls, "cipher"));
    rc |= row(b, "TLS error", str(tls, "error"));
    rc |= row(b, "Certificate subject", str(tls, "subject"));
    rc |= row(b, "Certificate issuer", str(tls, "issuer"));
    rc |= row_list(b, "Certificate names", json_object_get(tls, "names"));
    rc |= row(b, "Certificate valid from", str(tls, "not_before"));
    rc |= row(b, "Certificate valid until", str(tls, "not_after"));
    return rc;
}

static int render_step(struct adbuf *b, const json_t *step, size_t i)
{
    const char *decision = str(step, "decision");
    const char *where = str(step, "url") ? str(step, "url") : str(step, "query");
    char status[48];
    long long code = num(step, "status", 0), ms = num(step, "elapsed_ms", -1);
    snprintf(status, sizeof status, "%lld", code);
    int rc = adbuf_printf(b, "<li id=\"step-%zu\" class=\"%s\"><details><summary>", i + 1,
                          analyzer_decision_class(decision));
    rc |= html_wrap(b, "<span class=\"method\">", str(step, "method"), "</span> ");
    rc |= html_wrap(b, "<span class=\"where\">", where, "</span> ");
    rc |= html_wrap(b, "<span class=\"decision\">", decision, "</span>");
    if (ms >= 0)
        rc |= adbuf_printf(b, " <span class=\"ms\">%lld ms</span>", ms);
    rc |= adbuf_puts(b, "</summary><dl>\n");
    rc |= row(b, "URL", str(step, "url"));
    rc |= row(b, "DNS query", str(step, "query"));
    const json_t *answers = json_object_get(step, "answers");
    if (json_is_array(answers)) {
        rc |= adbuf_puts(b, "<dt>DNS answers</dt><dd><ul>");
        for (size_t k = 0; k < json_array_size(answers) && k < ANALYZER_MAX_STEPS; k++)
            if (json_is_string(json_array_get(answers, k)))
                rc |= html_wrap(b, "<li>", json_string_value(json_array_get(answers, k)), "</li>");
        rc |= adbuf_puts(b, json_array_size(answers) ? "</ul></dd>\n" : "</ul>none</dd>\n");
    }
    rc |= row(b, "TLS", tls_outcome(step));
    rc |= render_tls(b, step);
    rc |= row_list(b, "Authentication offered", json_object_get(step, "auth_offered"));
    rc |= row(b, "Credentials sent", str(step, "auth"));
    rc |= row(b, "HTTP status", code ? status : "no answer");
    rc |=
        row(b, "Outlook code", str(step, "code") && *str(step, "code") ? str(step, "code") : NULL);
    rc |= row(b, "Decision", decision);
    rc |= row(b, "Reason", str(step, "reason"));
    rc |= row_num(b, "Elapsed (ms)", step, "elapsed_ms");
    rc |= row_num(b, "Started at (ms)", step, "at_ms");
    rc |= row(b, "Address asked", str(step, "email"));
    rc |= row_num(b, "Hop", step, "hop");
    rc |= row(b, "Redirected from", str(step, "redirected_from"));
    rc |= adbuf_puts(b, "</dl></details></li>\n");
    return rc ? -1 : 0;
}

/* Protocols: an array of objects of strings (or arrays of strings). */
static int render_protocols(struct adbuf *b, const json_t *protocols)
{
    int rc = 0;
    for (size_t i = 0; i < json_array_size(protocols) && i < ANALYZER_MAX_STEPS; i++) {
        const json_t *p = json_array_get(protocols, i);
        if (!json_is_object(p))
            continue;
        rc |= html_wrap(b, "<details><summary>Protocol ", str(p, "Type"), "</summary><dl>");
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)p, key, v)
        {
            if (json_is_string(v))
                rc |= row(b, key, json_string_value(v));
        }
        rc |= adbuf_puts(b, "</dl></details>\n");
    }
    return rc;
}

static int render_settings(struct adbuf *b, const json_t *settings)
{
    if (!json_is_object(settings) || json_object_size(settings) == 0)
        return 0;
    int rc = adbuf_puts(b, "<details><summary>Settings</summary><dl>");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)settings, key, v)
    {
        if (json_is_string(v))
            rc |= row(b, key, json_string_value(v));
        for (size_t k = 0; json_is_array(v) && k < json_array_size(v) && k < 64; k++)
            if (json_is_string(json_array_get(v, k)))
                rc |= row(b, key, json_string_value(json_array_get(v, k)));
    }
    return rc | adbuf_puts(b, "</dl></details>\n");
}

/* result.warnings: one row each, as many as a report can hold (a loaded file may hold more). */
static int render_warnings(struct adbuf *b, const json_t *warnings)
{
    int rc = 0;
    size_t n = json_array_size(warnings);
    for (size_t i = 0; i < n && i < RENDER_MAX_WARNINGS; i++)
        rc |= row(b, "Warning", json_string_value(json_array_get(warnings, i)));
    return rc;
}

static int render_summary(struct adbuf *b, const json_t *result)
{
    if (!json_is_object(result) || json_is_true(json_object_get(result, "running")))
        return adbuf_puts(b, "<section class=\"summary running\"><h2>Running…</h2>"
                             "<p>Steps appear below as they are taken.</p></section>\n");
    bool ok = json_is_true(json_object_get(result, "ok"));
    int rc = adbuf_printf(b, "<section class=\"summary %s\"><h2>%s</h2><dl>\n", ok ? "ok" : "fail",
                          ok ? "Settings found" : "No settings");
    rc |= row(b, "Outcome", str(result, "code"));
    rc |= row(b, "Reason", str(result, "reason"));
    rc |= row(b, "Address", str(result, "email"));
    rc |= row(b, "Protocol", str(result, "protocol"));
    rc |= row(b, "Answered by", str(result, "url"));
    rc |= row(b, "Method", str(result, "method"));
    rc |= row_num(b, "Redirects", result, "redirects");
    rc |= render_warnings(b, json_object_get(result, "warnings"));
    const json_t *user = json_object_get(result, "user");
    if (json_is_object(user)) {
        rc |= row(b, "Display name", str(user, "DisplayName"));
        rc |= row(b, "SMTP address", str(user, "AutoDiscoverSMTPAddress"));
    }
    rc |= adbuf_puts(b, "</dl>\n");
    rc |= render_protocols(b, json_object_get(result, "protocols"));
    rc |= render_settings(b, json_object_get(result, "settings"));
    return rc | adbuf_puts(b, "</section>\n");
}

/* A self-test report: {"selftest": {...}, "checks": [{id, status, title, detail, fix}]}. */
static int render_checks(struct adbuf *b, const json_t *report)
{
    const json_t *checks = json_object_get(report, "checks");
    const json_t *head = json_object_get(report, "selftest");
    int rc = adbuf_puts(b, "<section class=\"selftest\"><h2>Self-test");
    rc |= html_wrap(b, " of ", str(head, "domain"), "</h2>\n");
    rc |= html_wrap(b, "<p class=\"verdict\">", str(head, "verdict"), "</p>\n");
    rc |= adbuf_puts(b, "<table><thead><tr><th>Result</th><th>Check</th><th>What was seen</th>"
                        "<th>What to change</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < json_array_size(checks); i++) {
        const json_t *c = json_array_get(checks, i);
        const char *status = str(c, "status");
        const char *cls = !status                       ? "fail"
                          : strcmp(status, "pass") == 0 ? "ok"
                          : strcmp(status, "warn") == 0 ? "warn"
                          : strcmp(status, "skip") == 0 ? "cancelled"
                                                        : "fail";
        rc |= adbuf_printf(b, "<tr class=\"%s\">", cls);
        rc |= html_wrap(b, "<td>", status, "</td>");
        rc |= html_wrap(b, "<td>", str(c, "title"), "");
        rc |= html_wrap(b, " <code>", str(c, "id"), "</code></td>");
        rc |= html_wrap(b, "<td>", str(c, "detail"), "</td>");
        rc |= html_wrap(b, "<td>", str(c, "fix"), "</td></tr>\n");
    }
    return rc | adbuf_puts(b, "</tbody></table></section>\n");
}

int analyzer_render_report(const json_t *report, struct adbuf *b)
{
    if (json_is_array(json_object_get(report, "checks")))
        return render_checks(b, report) ? -1 : 0;
    const json_t *steps = json_object_get(report, "steps");
    int rc = render_summary(b, json_object_get(report, "result"));
    rc |= adbuf_printf(b, "<section class=\"diagram\"><h2>Journey (%zu steps)</h2>\n",
                       json_array_size(steps));
    rc |= analyzer_render_svg(steps, b);
    rc |= adbuf_puts(b, "</section>\n<section class=\"list\"><h2>Steps</h2><ol class=\"steps\">\n");
    for (size_t i = 0; rc == 0 && i < json_array_size(steps); i++)
        rc = render_step(b, json_array_get(steps, i), i);
    rc |= adbuf_puts(b, "</ol></section>\n");
    return rc ? -1 : 0;
}
