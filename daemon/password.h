/*
 * password: yescrypt hashes through libxcrypt. Both functions are thread-safe (crypt_rn
 * with a per-call work area) and never keep a copy of the password.
 */
#ifndef AD_DAEMON_PASSWORD_H
#define AD_DAEMON_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

/* Hashes password with a fresh yescrypt salt into out ("$y$..."); 0, or -1 on failure. */
int password_hash(const char *password, char *out, size_t outlen);
/* true when password matches hash; the final comparison takes constant time. */
bool password_verify(const char *password, const char *hash);

#endif
