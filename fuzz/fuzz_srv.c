/*
 * Fuzz target: DNS SRV answers. The input is a raw DNS answer as a server sends it; it goes
 * through the client's own conversion (lib/dns.c, compiled in for its static fill_records:
 * c-ares' ares_parse_srv_reply, then lower-casing and trailing-dot removal) and then through
 * the RFC 2782 ordering (lib/srv.c). The order is a permutation of the records, by
 * non-decreasing priority, the same for the same seed.
 */
#include "../lib/dns.c"

#include "fuzz_common.h"

static int by_identity(const void *a, const void *b)
{
    const struct srv_record *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    if (x->weight != y->weight)
        return x->weight < y->weight ? -1 : 1;
    if (x->port != y->port)
        return x->port < y->port ? -1 : 1;
    return strcmp(x->target, y->target);
}

static void check_order(const struct srv_record *records, size_t n, uint64_t seed)
{
    struct srv_record *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);
    FUZZ_ASSERT(a && b);
    memcpy(a, records, n * sizeof *a);
    memcpy(b, records, n * sizeof *b);
    uint64_t s1 = seed, s2 = seed;
    srv_order(a, n, &s1);
    srv_order(b, n, &s2);
    for (size_t i = 0; i < n; i++) {
        FUZZ_ASSERT(i == 0 || a[i - 1].priority <= a[i].priority);
        FUZZ_ASSERT(a[i].target == b[i].target); /* repeatable */
    }
    /* A permutation: the same multiset as the input. */
    struct srv_record *c = malloc((n ? n : 1) * sizeof *c);
    FUZZ_ASSERT(c);
    memcpy(c, records, n * sizeof *c);
    qsort(a, n, sizeof *a, by_identity);
    qsort(c, n, sizeof *c, by_identity);
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT(by_identity(&a[i], &c[i]) == 0);
    free(a);
    free(b);
    free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65535)
        return 0; /* a DNS message over TCP is at most 64 KiB */
    struct dns_srv_answer out = {.outcome = DNS_ANSWER};
    unsigned char *copy = malloc(size ? size : 1);
    FUZZ_ASSERT(copy);
    memcpy(copy, data, size);
    struct query_state q = {.out = &out, .abuf = copy, .alen = (int)size};
    fill_records(&q);
    if (out.outcome == DNS_ANSWER) {
        FUZZ_ASSERT(out.count > 0 && out.records);
        for (size_t i = 0; i < out.count; i++) {
            const char *t = out.records[i].target;
            FUZZ_ASSERT(t && out.records[i].port <= 65535 && out.records[i].priority <= 65535);
            for (; *t; t++)
                FUZZ_ASSERT(*t < 'A' || *t > 'Z');
        }
        check_order(out.records, out.count, size);
    } else {
        FUZZ_ASSERT(out.count == 0 || out.outcome == DNS_NOMEM);
    }
    dns_srv_answer_free(&out);
    free(copy);
    return 0;
}
