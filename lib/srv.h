/*
 * srv: the order in which SRV targets are tried (RFC 2782): lowest priority first; within a
 * priority, a weighted random draw, repeated until every record is placed. The random
 * numbers come from a seeded generator so a test (--seed) gets a repeatable order.
 */
#ifndef AD_LIB_SRV_H
#define AD_LIB_SRV_H

#include <stddef.h>
#include <stdint.h>

struct srv_record {
    unsigned priority;
    unsigned weight;
    unsigned port;
    char *target; /* lower case, without the trailing dot */
};

/* splitmix64: small, fast, good enough for a weighted choice; state is any 64-bit value. */
uint64_t srv_random(uint64_t *state);

/* Reorders records in place into the order RFC 2782 says to try them. */
void srv_order(struct srv_record *records, size_t n, uint64_t *state);

void srv_records_free(struct srv_record *records, size_t n);

#endif
