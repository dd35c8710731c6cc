/*
 * analyzer_render: a discovery report (the JSON of `autodiscover --json`, or of
 * `autodiscoverctl selftest --json`) drawn as HTML: a summary, an SVG diagram of the hops
 * and an expandable list of the steps. Pure functions of the JSON: the same drawing for a
 * live run, a finished one and an uploaded file. The JSON is untrusted: its size, the
 * number of steps and every value's length are capped, and every value is escaped
 * (analyzer_html.h); nothing from it becomes markup, a URL the page loads, or a script.
 */
#ifndef AD_DAEMON_ANALYZER_RENDER_H
#define AD_DAEMON_ANALYZER_RENDER_H

#include <jansson.h>
#include <stddef.h>

#include "adbuf.h"

#define ANALYZER_REPORT_MAX_BYTES (1u << 20)
#define ANALYZER_MAX_STEPS 512u
#define ANALYZER_MAX_DEPTH 16u

/*
 * Parses and checks a report: an object with "steps" (an array of objects, at most
 * ANALYZER_MAX_STEPS) and "result" (an object or null), or a self-test report with
 * "checks". NULL with a one-line reason in err (safe to show, once escaped).
 */
json_t *analyzer_report_parse(const char *text, size_t len, char *err, size_t errlen);

/* The whole report section (summary, diagram, steps or checks). 0, or -1 when out is full. */
int analyzer_render_report(const json_t *report, struct adbuf *out);
/* The diagram alone: one <svg> element drawn from a "steps" array. */
int analyzer_render_svg(const json_t *steps, struct adbuf *out);

/* The colour class of a step decision: "ok", "fail", "held", "cancelled", "warn", "info". */
const char *analyzer_decision_class(const char *decision);

#endif
