/*
** test.h -- the tiny harness of the C unit tests.
** Each check prints "ok - NAME" or "not ok - NAME: detail"; tests/run.sh counts
** those lines.  main() returns test_done(), non-zero if anything failed.
*/
#ifndef VT_TEST_H
#define VT_TEST_H
#include <math.h>
#include <stdio.h>
#include <string.h>

static int test_failures, test_count;

#define CHECK(cond, ...) do { \
    test_count++; \
    if (cond) { printf("ok - "); printf(__VA_ARGS__); printf("\n"); } \
    else { test_failures++; printf("not ok - "); printf(__VA_ARGS__); \
           printf("  [%s:%d: %s]\n", __FILE__, __LINE__, #cond); } \
    fflush(stdout); \
  } while (0)

#define CHECK_NEAR(a, b, tol, ...) CHECK(fabs((double)(a) - (double)(b)) <= (tol), __VA_ARGS__)
#define CHECK_STR(a, b, ...) do { \
    const char *check_a_ = (a), *check_b_ = (b); \
    CHECK(check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0, __VA_ARGS__); \
  } while (0)

static inline int test_done(void) { return test_failures ? 1 : 0; }

#endif
