/*
 * testutil: the small harness every unit test program uses. CHECK records a failure with
 * file and line and goes on; test_done() prints a summary and gives the exit status.
 */
#ifndef AD_TESTS_TESTUTIL_H
#define AD_TESTS_TESTUTIL_H

#include <stddef.h>
#include <string.h>

extern int test_failures;
extern int test_checks;

void test_fail(const char *file, int line, const char *what);
void test_fail_str(const char *file, int line, const char *what, const char *got,
                   const char *want);

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        test_checks++;                                                                      \
        if (!(cond))                                                                        \
            test_fail(__FILE__, __LINE__, #cond);                                           \
    } while (0)

/* Compares two strings, either of which may be NULL. */
#define CHECK_STR(got, want)                                                                \
    do {                                                                                    \
        const char *g_ = (got), *w_ = (want);                                               \
        test_checks++;                                                                      \
        if (!((g_ == NULL && w_ == NULL) || (g_ && w_ && strcmp(g_, w_) == 0)))             \
            test_fail_str(__FILE__, __LINE__, #got, g_, w_);                                \
    } while (0)

/* Reads tests/data/NAME (the directory comes from $AD_TEST_DATA); aborts the test if absent. */
char *test_read_data(const char *name, size_t *len);
/* Prints "name: N checks, M failed" and returns the exit status for main(). */
int test_done(const char *name);

#endif
