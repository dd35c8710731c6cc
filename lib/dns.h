/*
 * dns: DNS SRV look-ups with c-ares (PROTOCOL.md §1.3 step 7). The server is the one given
 * (ADDR[:PORT], c-ares' CSV syntax) or the system's resolver configuration.
 */
#ifndef AD_LIB_DNS_H
#define AD_LIB_DNS_H

#include <stddef.h>

#include "srv.h"

enum dns_outcome {
    DNS_ANSWER = 0, /* records arrived (possibly none usable) */
    DNS_NO_RECORDS, /* NXDOMAIN or no SRV data */
    DNS_FAIL,       /* timeout, server failure, refused, ... */
    DNS_NOMEM,
};

struct dns_srv_answer {
    enum dns_outcome outcome;
    char *detail; /* one line when not DNS_ANSWER ("NXDOMAIN", "timed out"), else NULL */
    struct srv_record *records;
    size_t count;
    long elapsed_ms;
};

/* Checks an ADDR[:PORT] server spec without querying; 0 when c-ares accepts it. */
int dns_server_valid(const char *server);

/* Queries name for SRV; always fills *out (outcome DNS_NOMEM on out of memory). */
void dns_query_srv(const char *name, const char *server, long timeout_ms,
                   struct dns_srv_answer *out);
void dns_srv_answer_free(struct dns_srv_answer *a);

#endif
