/*
 * analyzer_html: the one place where text becomes HTML. Every value that did not come from
 * a string literal in the analyzer's own source goes through html_text() or html_attr():
 * report fields, addresses, host names, reasons, error messages.
 */
#ifndef AD_DAEMON_ANALYZER_HTML_H
#define AD_DAEMON_ANALYZER_HTML_H

#include <stddef.h>

#include "adbuf.h"

/* Longest value shown; longer ones are cut (with "...") so a hostile report stays small. */
#define HTML_VALUE_MAX 2048

/*
 * Appends s escaped for HTML text and double-quoted attribute values (also valid in SVG):
 * & < > " ' become entities, control characters other than tab and newline are dropped,
 * and at most HTML_VALUE_MAX bytes are shown. NULL appends nothing. 0, or -1 when b is full.
 */
int html_text(struct adbuf *b, const char *s);
/* The same, for an attribute value (identical rules; the name says where it goes). */
int html_attr(struct adbuf *b, const char *s);
/* adbuf_printf, then the escaped value, then a literal suffix: "<td>" VALUE "</td>". */
int html_wrap(struct adbuf *b, const char *before, const char *s, const char *after);

#endif
