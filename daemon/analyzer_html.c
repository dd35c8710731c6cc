/* analyzer_html: HTML escaping for the analyzer pages (analyzer_html.h). */
#include "analyzer_html.h"

#include <string.h>

int html_text(struct adbuf *b, const char *s)
{
    if (!s)
        return 0;
    size_t len = strlen(s);
    size_t shown = len > HTML_VALUE_MAX ? HTML_VALUE_MAX : len;
    /* Do not cut a UTF-8 sequence in half: back up to the start of a character. */
    while (shown < len && shown > 0 && ((unsigned char)s[shown] & 0xC0) == 0x80)
        shown--;
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        switch (c) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
                continue; /* never let a control character into the page */
        }
        if (rep ? adbuf_puts(b, rep) < 0 : adbuf_append(b, &s[i], 1) < 0)
            return -1;
    }
    return shown < len ? adbuf_puts(b, "...") : 0;
}

int html_attr(struct adbuf *b, const char *s)
{
    return html_text(b, s);
}

int html_wrap(struct adbuf *b, const char *before, const char *s, const char *after)
{
    if (adbuf_puts(b, before) < 0 || html_text(b, s) < 0 || adbuf_puts(b, after) < 0)
        return -1;
    return 0;
}
