#include "adbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void adbuf_init(struct adbuf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void adbuf_free(struct adbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void adbuf_reset(struct adbuf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

int adbuf_reserve(struct adbuf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int adbuf_append(struct adbuf *b, const void *data, size_t len)
{
    if (adbuf_reserve(b, len) < 0)
        return -1;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int adbuf_puts(struct adbuf *b, const char *s)
{
    return adbuf_append(b, s, strlen(s));
}

int adbuf_vprintf(struct adbuf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0 || adbuf_reserve(b, (size_t)n) < 0)
        return -1;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int adbuf_printf(struct adbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = adbuf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int adbuf_put_xml_escaped(struct adbuf *b, const char *s)
{
    size_t start = b->len;
    for (const char *p = s; *p; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&apos;"; break;
        default: break;
        }
        int rc = rep ? adbuf_puts(b, rep) : adbuf_append(b, p, 1);
        if (rc < 0) {
            b->len = start; /* all or nothing */
            if (b->data)
                b->data[start] = '\0';
            return -1;
        }
    }
    return 0;
}

char *adbuf_steal(struct adbuf *b)
{
    char *p = b->data ? b->data : strdup("");
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
