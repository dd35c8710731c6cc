/*
 * siphash: SipHash-2-4 (Aumasson and Bernstein, 2012), a keyed 64-bit hash. Under a random
 * key its output cannot be predicted, so clients cannot aim names at one slot of a table
 * (answer_cache.c, throttle.c). It is a PRF, not a password hash or a long MAC.
 */
#ifndef AD_DAEMON_SIPHASH_H
#define AD_DAEMON_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_BYTES 16

uint64_t siphash24(const unsigned char key[SIPHASH_KEY_BYTES], const void *data, size_t len);

#endif
