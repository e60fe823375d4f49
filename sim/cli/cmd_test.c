/*
** cmd_test.c -- `vitae test FILE.lua|DIR...`: run module tests written in
** Lua against the real engine (sim/modtest.h, docs/module-tests.md).
**
** Each file (a folder: its test_*.lua, sorted) runs in a fresh Lua state;
** output is TAP-like ("ok - FILE: name", "not ok - FILE: name" with "#"
** detail lines) and ends with a "# N passed, M failed" summary.
**
** Exit status: 0 every assertion held; 1 an assertion failed or a test file
** errored (the other files still run); 2 a usage error or a path that does
** not exist / a folder without test files.
*/
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim/cli/cli.h"
#include "sim/modtest.h"

static const char *usage_text =
  "usage: vitae test FILE.lua|DIR...\n"
  "\n"
  "Run module tests written in Lua (docs/module-tests.md): each file, or\n"
  "each test_*.lua of a folder, runs in a fresh Lua state with the module\n"
  "prelude and a harness (simulate, load_module, expect, ...) that runs the\n"
  "real engine in memory.  Prints \"ok - FILE: name\" / \"not ok - FILE: name\"\n"
  "lines and a summary.  Exit status 0 when every assertion holds, 1 when\n"
  "one fails or a test file errors, 2 on a usage error or a missing path.\n"
  "\n"
  "options:\n"
  "  -h, --help  show this help\n";

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int vt_cmd_test(int argc, char **argv) {
  int npaths = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { fputs(usage_text, stdout); return VT_EXIT_OK; }
    if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "vitae test: unknown option %s\n%s", argv[i], usage_text);
      return VT_EXIT_USAGE;
    }
    npaths++;
  }
  if (npaths == 0) { fprintf(stderr, "vitae test: give test files or folders\n%s", usage_text); return VT_EXIT_USAGE; }
  /* every path is checked before any test runs */
  char err[4096];
  for (int i = 1; i < argc; i++) {
    char **files; int n;
    if (vt_modtest_collect(argv[i], &files, &n, err, sizeof err) != 0) {
      fprintf(stderr, "vitae test: %s\n", err);
      return VT_EXIT_USAGE;
    }
    vt_modtest_free_list(files, n);
  }
  vt_modtest_totals t = {0};
  double t0 = now_s();
  int status = VT_EXIT_OK;
  for (int i = 1; i < argc; i++) {
    char **files; int n;
    if (vt_modtest_collect(argv[i], &files, &n, err, sizeof err) != 0) {
      fprintf(stderr, "vitae test: %s\n", err);
      return VT_EXIT_USAGE;
    }
    for (int k = 0; k < n; k++) {
      int rc = vt_modtest_run_file(files[k], stdout, &t, err, sizeof err);
      if (rc < 0) {
        fprintf(stderr, "vitae test: %s: %s\n", files[k], err);
        vt_modtest_free_list(files, n);
        return VT_EXIT_FAIL;
      }
      if (rc) status = VT_EXIT_FAIL;
    }
    vt_modtest_free_list(files, n);
  }
  printf("# %d passed, %d failed in %d file%s (%d with errors), %.1f s\n", t.passed, t.failed, t.files,
         t.files == 1 ? "" : "s", t.errored, now_s() - t0);
  return status;
}
