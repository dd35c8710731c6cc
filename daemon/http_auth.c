/* http_auth: Basic credentials from an Authorization header (see http_auth.h). */
#include "http_auth.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

long base64_decode(const char *in, size_t inlen, unsigned char *out, size_t outlen)
{
    if (inlen % 4 != 0)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < inlen; i += 4) {
        bool last = i + 4 == inlen;
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            char c = in[i + k];
            /* '=' only at the end of the last quantum, and at most two of them. */
            if (c == '=' && last && k >= 2 && (k == 3 || in[i + 3] == '=')) {
                v[k] = 0;
                pad++;
                continue;
            }
            if ((v[k] = base64_value(c)) < 0)
                return -1;
        }
        unsigned triple =
            (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
        /* Canonical form: the bits dropped by the padding must be zero. */
        if ((pad == 1 && (triple & 0xff)) || (pad == 2 && (triple & 0xffff)))
            return -1;
        size_t bytes = 3 - (size_t)pad;
        if (n + bytes > outlen)
            return -1;
        unsigned char b[3] = {(unsigned char)(triple >> 16), (unsigned char)(triple >> 8),
                              (unsigned char)triple};
        memcpy(out + n, b, bytes);
        n += bytes;
    }
    return (long)n;
}

int http_basic_parse(const char *header, struct basic_credentials *out)
{
    memset(out, 0, sizeof *out);
    if (!header || strncasecmp(header, "Basic", 5) != 0 || (header[5] != ' ' && header[5] != '\t'))
        return -1;
    const char *p = header + 5;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t len = strlen(p);
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    long n = base64_decode(p, len, (unsigned char *)out->buf, HTTP_AUTH_MAX_DECODED);
    if (n <= 0)
        goto bad;
    out->buf[n] = '\0';
    for (long i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out->buf[i];
        if (c < 0x20 || c == 0x7f)
            goto bad; /* NUL would truncate the user name; others have no business here */
    }
    char *colon = strchr(out->buf, ':');
    if (!colon || colon == out->buf)
        goto bad;
    *colon = '\0';
    out->user = out->buf;
    out->password = colon + 1;
    return 0;
bad:
    basic_credentials_clear(out);
    return -1;
}

void basic_credentials_clear(struct basic_credentials *creds)
{
    explicit_bzero(creds->buf, sizeof creds->buf);
    creds->user = NULL;
    creds->password = NULL;
}
