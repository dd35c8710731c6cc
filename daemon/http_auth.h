/*
 * http_auth: the Authorization header, Basic scheme (RFC 7617), parsed without libmicrohttpd
 * so every malformed form can be unit-tested. The decoded secret lives only in the struct;
 * wipe it with basic_credentials_clear() as soon as it has been checked.
 */
#ifndef AD_DAEMON_HTTP_AUTH_H
#define AD_DAEMON_HTTP_AUTH_H

#include <stddef.h>

#define HTTP_AUTH_MAX_DECODED 1024

struct basic_credentials {
    char buf[HTTP_AUTH_MAX_DECODED + 1];
    const char *user;     /* points into buf; never empty */
    const char *password; /* points into buf; may be empty */
};

/*
 * Parses "Basic <base64(user:password)>" (scheme case-insensitive). 0 on success, -1 when
 * the header is absent (NULL), uses another scheme, is not canonical base64, decodes to
 * more than HTTP_AUTH_MAX_DECODED bytes, contains a control character, or has no ':'.
 */
int http_basic_parse(const char *header, struct basic_credentials *out);
void basic_credentials_clear(struct basic_credentials *creds);

/*
 * Decodes padded base64 (RFC 4648 §4) into out, which holds outlen bytes. Returns the
 * decoded length, or -1 on a character outside the alphabet, bad padding, or no room.
 */
long base64_decode(const char *in, size_t inlen, unsigned char *out, size_t outlen);

#endif
