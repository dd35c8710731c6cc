/* Unit tests for daemon/throttle.c with an injected clock. */
#include <stdio.h>

#include "testutil.h"
#include "throttle.h"

static uint64_t fake_now = 1000000;
static uint64_t fake_clock(void)
{
    return fake_now;
}

static struct throttle *make(unsigned limit, unsigned window, size_t slots)
{
    struct throttle *t = throttle_new(limit, window, slots);
    CHECK(t != NULL);
    if (t)
        throttle_set_clock(t, fake_clock);
    return t;
}

static void test_account_block(void)
{
    struct throttle *t = make(5, 60, 1024);
    if (!t)
        return;
    for (int i = 0; i < 4; i++) {
        CHECK(throttle_check(t, "192.0.2.1", "bob@contoso.test") == 0);
        throttle_failure(t, "192.0.2.1", "bob@contoso.test");
    }
    CHECK(throttle_check(t, "192.0.2.1", "bob@contoso.test") == 0);
    throttle_failure(t, "192.0.2.1", "bob@contoso.test"); /* the fifth */
    /* The sixth attempt is refused, for the account from anywhere (any case)... */
    CHECK(throttle_check(t, "192.0.2.1", "bob@contoso.test") == 60);
    CHECK(throttle_check(t, "198.51.100.7", "BOB@Contoso.TEST") == 60);
    /* ...and for the address whatever the account. */
    CHECK(throttle_check(t, "192.0.2.1", "alice@contoso.test") == 60);
    CHECK(throttle_check(t, "198.51.100.7", "alice@contoso.test") == 0);
    fake_now += 59500;
    CHECK(throttle_check(t, "192.0.2.1", "bob@contoso.test") == 1); /* rounded up */
    fake_now += 500;
    CHECK(throttle_check(t, "192.0.2.1", "bob@contoso.test") == 0);
    /* A new window: one failure does not block again. */
    throttle_failure(t, "192.0.2.1", "bob@contoso.test");
    CHECK(throttle_check(t, "192.0.2.1", "bob@contoso.test") == 0);
    throttle_free(t);
}

static void test_window(void)
{
    struct throttle *t = make(3, 10, 1024);
    if (!t)
        return;
    /* Failures spread over more than the window never block. */
    for (int i = 0; i < 10; i++) {
        throttle_failure(t, "192.0.2.2", "carol@contoso.test");
        fake_now += 6000;
        CHECK(throttle_check(t, "192.0.2.2", "carol@contoso.test") == 0);
    }
    throttle_free(t);
}

static void test_success(void)
{
    struct throttle *t = make(3, 60, 1024);
    if (!t)
        return;
    throttle_failure(t, "192.0.2.3", "dave@contoso.test");
    throttle_failure(t, "192.0.2.3", "dave@contoso.test");
    throttle_success(t, "Dave@contoso.test");
    /* The account starts over; the address keeps its two failures. */
    throttle_failure(t, "192.0.2.3", "erin@contoso.test");
    CHECK(throttle_check(t, "192.0.2.3", NULL) > 0);
    CHECK(throttle_check(t, "192.0.2.9", "dave@contoso.test") == 0);
    throttle_failure(t, "192.0.2.9", "dave@contoso.test");
    throttle_failure(t, "192.0.2.10", "dave@contoso.test");
    /* Two since the success (four in all): not yet; a third blocks. */
    CHECK(throttle_check(t, "192.0.2.11", "dave@contoso.test") == 0);
    throttle_failure(t, "192.0.2.12", "dave@contoso.test");
    CHECK(throttle_check(t, "192.0.2.11", "dave@contoso.test") > 0);
    throttle_free(t);
}

static void test_disabled(void)
{
    struct throttle *t = make(0, 60, 64);
    if (!t)
        return;
    for (int i = 0; i < 100; i++)
        throttle_failure(t, "192.0.2.4", "frank@contoso.test");
    CHECK(throttle_check(t, "192.0.2.4", "frank@contoso.test") == 0);
    throttle_free(t);
}

static void test_bounded(void)
{
    /* A spray of distinct addresses and names: the tables never grow, old entries go. */
    struct throttle *t = make(2, 60, 64);
    if (!t)
        return;
    throttle_failure(t, "192.0.2.5", "grace@contoso.test");
    throttle_failure(t, "192.0.2.5", "grace@contoso.test");
    CHECK(throttle_check(t, "192.0.2.5", NULL) > 0);
    char addr[64], name[64];
    for (int i = 0; i < 100000; i++) {
        fake_now += 1;
        snprintf(addr, sizeof addr, "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
        snprintf(name, sizeof name, "spray%d@contoso.test", i);
        throttle_failure(t, addr, name);
    }
    /* The latest sprayed names are counted; the table kept working. */
    throttle_failure(t, addr, name);
    CHECK(throttle_check(t, addr, NULL) > 0);
    CHECK(throttle_check(t, NULL, name) > 0);
    CHECK(throttle_check(t, NULL, NULL) == 0);
    throttle_free(t);
}

int main(void)
{
    test_account_block();
    test_window();
    test_success();
    test_disabled();
    test_bounded();
    return test_done("throttle");
}
