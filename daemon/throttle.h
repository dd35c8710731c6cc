/*
 * throttle: counts failed authentications per client address and per account name, and
 * says when a source or an account has failed too often to be allowed another attempt.
 *
 * Policy (doc/autodiscoverd.md, "Throttling"): when an address or an account reaches limit
 * failures within window seconds, every further attempt from that address, or for that
 * account, is refused for window seconds after the failure that reached the limit, without
 * running yescrypt. Refused attempts are not counted (an attacker cannot extend a block
 * forever with cheap requests). A success resets the account's count, never the address's:
 * an attacker holding one valid account cannot launder the failures of its address.
 *
 * Memory is fixed: each of the two tables has a fixed number of slots found by a keyed
 * hash (SipHash-2-4 under a random key, so clients cannot aim at a slot) in a small
 * neighbourhood; when every slot there is in use the least recently failed entry is
 * replaced. Names are never stored, only their tags. Thread-safe: one mutex per table,
 * held for a few comparisons.
 */
#ifndef AD_DAEMON_THROTTLE_H
#define AD_DAEMON_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define THROTTLE_DEFAULT_LIMIT 5u
#define THROTTLE_DEFAULT_WINDOW 60u
#define THROTTLE_DEFAULT_SLOTS 8192u

struct throttle;

/* Milliseconds on a clock that never goes back; CLOCK_MONOTONIC unless a test injects one. */
typedef uint64_t (*throttle_clock_fn)(void);

/*
 * limit failures within window_seconds; slots per table (rounded up to a power of two).
 * limit 0 disables throttling (every check passes). NULL on failure.
 */
struct throttle *throttle_new(unsigned limit, unsigned window_seconds, size_t slots);
void throttle_free(struct throttle *t);
void throttle_set_clock(struct throttle *t, throttle_clock_fn now_ms);

/*
 * 0 when an attempt from address for account may proceed; otherwise the number of seconds
 * (at least 1) until it may, for a Retry-After header. account is compared ignoring ASCII
 * case; either argument may be NULL or empty (not checked).
 */
unsigned throttle_check(struct throttle *t, const char *address, const char *account);
/* Records a failed attempt (wrong password, unknown account). */
void throttle_failure(struct throttle *t, const char *address, const char *account);
/* Records a success: forgets the account's failures (not the address's). */
void throttle_success(struct throttle *t, const char *account);

#endif
