/* srv: RFC 2782 target selection. */
#include "srv.h"

#include <stdlib.h>
#include <string.h>

uint64_t srv_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int by_priority(const void *a, const void *b)
{
    const struct srv_record *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    /* RFC 2782: weight-0 records first, so they get a small chance of being chosen. */
    if ((x->weight != 0) != (y->weight != 0))
        return (x->weight != 0) - (y->weight != 0);
    /* Then by name: resolvers rotate answers, and --seed must give the same order anyway. */
    return strcmp(x->target ? x->target : "", y->target ? y->target : "");
}

static void swap(struct srv_record *a, struct srv_record *b)
{
    struct srv_record t = *a;
    *a = *b;
    *b = t;
}

/* Orders records[0..n) (one priority) by repeated weighted draws. */
static void order_priority(struct srv_record *records, size_t n, uint64_t *state)
{
    for (size_t placed = 0; placed + 1 < n; placed++) {
        uint64_t total = 0;
        for (size_t i = placed; i < n; i++)
            total += records[i].weight;
        /* A running sum reaching a random number in [0, total] picks the record. */
        uint64_t pick = srv_random(state) % (total + 1), sum = 0;
        size_t chosen = n - 1;
        for (size_t i = placed; i < n; i++) {
            sum += records[i].weight;
            if (sum >= pick) {
                chosen = i;
                break;
            }
        }
        swap(&records[placed], &records[chosen]);
    }
}

void srv_order(struct srv_record *records, size_t n, uint64_t *state)
{
    if (n < 2)
        return;
    qsort(records, n, sizeof *records, by_priority);
    size_t start = 0;
    while (start < n) {
        size_t end = start + 1;
        while (end < n && records[end].priority == records[start].priority)
            end++;
        order_priority(records + start, end - start, state);
        start = end;
    }
}

void srv_records_free(struct srv_record *records, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(records[i].target);
    free(records);
}
