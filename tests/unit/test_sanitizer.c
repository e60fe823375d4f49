/*
** test_sanitizer.c -- a sanitizer report fails the test that triggered it.
**
** `make test SANITIZE=address,undefined` builds everything with
** -fno-sanitize-recover=all, and tests/run.sh sets the sanitizers' exit
** status to 86.  This test forks children that make a heap overflow and a
** signed integer overflow and checks that each dies with status 86 (so a
** report cannot pass as an ordinary failure, status 1, nor go unnoticed).
** In a build without sanitizers there is nothing to check: it says so.
*/
#include "test.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

#ifdef HAVE_ASAN
/* Volatile so that the compiler keeps the faulty accesses. */
static volatile int sink;

static void heap_overflow(void) {
  char *p = calloc(8, 1);
  volatile int i = 8;
  sink = p[i];
  free(p);
}

static void signed_overflow(void) {
  volatile int x = INT_MAX;
  sink = x + 1;
}

/* Run fn in a child; its exit status, or 1000 + signal. */
static int child_status(void (*fn)(void)) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    fn();
    _exit(0);
  }
  int st;
  if (pid < 0 || waitpid(pid, &st, 0) < 0) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st);
}
#endif

int main(void) {
#ifdef HAVE_ASAN
  const char *a = getenv("ASAN_OPTIONS"), *u = getenv("UBSAN_OPTIONS");
  CHECK(a && strstr(a, "exitcode=86"), "tests/run.sh gives AddressSanitizer its own exit status (%s)", a ? a : "unset");
  CHECK(u && strstr(u, "exitcode=86"), "tests/run.sh gives UndefinedBehaviorSanitizer its own exit status (%s)", u ? u : "unset");
  int s = child_status(heap_overflow);
  CHECK(s == 86, "a heap overflow is reported and fails (status %d)", s);
  s = child_status(signed_overflow);
  CHECK(s == 86, "a signed integer overflow is reported and fails (status %d)", s);
#else
  (void)test_count;
  printf("skip - sanitizer reports fail their test: this build has no sanitizers (make test SANITIZE=address,undefined)\n");
#endif
  return test_done();
}
