/* srv.c: RFC 2782 order: priority ascending, weighted random within a priority, seeded. */
#include <stdlib.h>
#include <string.h>

#include "srv.h"
#include "testutil.h"

static struct srv_record *records(void)
{
    static const struct {
        unsigned p, w;
        const char *t;
    } spec[] = {{10, 5, "backup"}, {0, 5, "mail"}, {0, 1, "mail2"}, {0, 0, "zero"}, {5, 0, "five"}};
    struct srv_record *r = calloc(5, sizeof *r);
    for (size_t i = 0; r && i < 5; i++)
        r[i] = (struct srv_record){spec[i].p, spec[i].w, 443, strdup(spec[i].t)};
    return r;
}

static void test_priority_order(void)
{
    for (uint64_t seed = 0; seed < 50; seed++) {
        struct srv_record *r = records();
        uint64_t state = seed;
        srv_order(r, 5, &state);
        CHECK(r[0].priority == 0 && r[1].priority == 0 && r[2].priority == 0);
        CHECK_STR(r[3].target, "five");
        CHECK_STR(r[4].target, "backup");
        srv_records_free(r, 5);
    }
}

static void test_weights_and_seed(void)
{
    int first[3] = {0}; /* mail, mail2, zero */
    for (uint64_t seed = 0; seed < 2000; seed++) {
        struct srv_record *r = records();
        uint64_t state = seed;
        srv_order(r, 5, &state);
        first[strcmp(r[0].target, "mail") == 0 ? 0 : strcmp(r[0].target, "mail2") == 0 ? 1 : 2]++;
        srv_records_free(r, 5);
    }
    /* Weights 5:1:0 with the weight-0 record first (RFC 2782): roughly 5/7, 1/7, 1/7 here. */
    CHECK(first[0] > first[1] * 3);
    CHECK(first[1] > 100 && first[2] > 100 && first[2] < first[0]);

    /* The same seed and the same records in another order give the same result. */
    struct srv_record *a = records(), *b = records();
    struct srv_record t = b[0];
    b[0] = b[2];
    b[2] = t;
    uint64_t sa = 42, sb = 42;
    srv_order(a, 5, &sa);
    srv_order(b, 5, &sb);
    for (size_t i = 0; i < 5; i++)
        CHECK_STR(a[i].target, b[i].target);
    srv_records_free(a, 5);
    srv_records_free(b, 5);
    srv_order(NULL, 0, &sa); /* nothing to do */
}

int main(void)
{
    test_priority_order();
    test_weights_and_seed();
    return test_done("srv_select");
}
