/* password: yescrypt hashing and verification (see password.h). */
#include "password.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

int password_hash(const char *password, char *out, size_t outlen)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    /* count 0: libxcrypt's default yescrypt cost; NULL entropy: it reads the OS RNG. */
    if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt))
        return -1;
    /* struct crypt_data is about 32 KiB: too big for a thread stack. */
    struct crypt_data *data = calloc(1, sizeof *data);
    if (!data)
        return -1;
    int rc = -1;
    const char *hash = crypt_rn(password, salt, data, sizeof *data);
    if (hash && hash[0] == '$' && strlen(hash) < outlen) {
        memcpy(out, hash, strlen(hash) + 1);
        rc = 0;
    }
    explicit_bzero(data, sizeof *data);
    free(data);
    return rc;
}

bool password_verify(const char *password, const char *hash)
{
    if (!password || !hash || hash[0] != '$')
        return false;
    struct crypt_data *data = calloc(1, sizeof *data);
    if (!data)
        return false;
    bool match = false;
    const char *computed = crypt_rn(password, hash, data, sizeof *data);
    /* crypt_rn returns NULL (or a "*" string) for a malformed setting. */
    if (computed && computed[0] == '$') {
        size_t n = strlen(hash);
        if (strlen(computed) == n) {
            unsigned char diff = 0;
            for (size_t i = 0; i < n; i++)
                diff |= (unsigned char)computed[i] ^ (unsigned char)hash[i];
            match = diff == 0;
        }
    }
    explicit_bzero(data, sizeof *data);
    free(data);
    return match;
}
