/*
 * adbuf: a growable byte buffer with a hard maximum size. Appending past the maximum fails
 * exactly like running out of memory, so callers bound everything an attacker can grow.
 * The contents are always NUL-terminated (the NUL is not counted in len).
 */
#ifndef AD_COMMON_ADBUF_H
#define AD_COMMON_ADBUF_H

#include <stdarg.h>
#include <stddef.h>

struct adbuf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* bytes of content allowed, not counting the terminating NUL */
};

void adbuf_init(struct adbuf *b, size_t max);
void adbuf_free(struct adbuf *b);
void adbuf_reset(struct adbuf *b);
/*
 * Makes room for extra more bytes plus the NUL (growing geometrically, up to max), so the
 * appends that follow need no reallocation. 0, or -1 as adbuf_append (b is unchanged).
 */
int adbuf_reserve(struct adbuf *b, size_t extra);
/* 0 on success; -1 when the result would exceed max or memory ran out (b is unchanged). */
int adbuf_append(struct adbuf *b, const void *data, size_t len);
int adbuf_puts(struct adbuf *b, const char *s);
int adbuf_printf(struct adbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int adbuf_vprintf(struct adbuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends s with &, <, >, " and ' escaped for XML text and attribute values. */
int adbuf_put_xml_escaped(struct adbuf *b, const char *s);
/* Hands the contents to the caller (never NULL: an empty buffer gives ""); b becomes empty. */
char *adbuf_steal(struct adbuf *b);

#endif
