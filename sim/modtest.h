/*
** modtest.h -- module tests in Lua run by the real engine (`vitae test`,
** docs/module-tests.md).
**
** A test file runs in a fresh sandboxed Lua state (lua/bridge.h: the safe
** standard library and the module prelude, as modules see them) with a
** small harness API on top: simulate{...} runs the engine in memory and
** keeps a compact summary per patient (sim/modtest.c), load_module compiles
** a module from source text or a table through the real loader, and the
** expect* assertions print TAP-like lines:
**   ok - FILE: name
**   not ok - FILE: name
**   #   got ..., expected ...
** A Lua error in a test file is one failure ("not ok - FILE: error" with
** the message, FILE:LINE first); the other files still run.
*/
#ifndef VT_MODTEST_H
#define VT_MODTEST_H

#include <stdio.h>

/* What the files run so far gave. */
typedef struct vt_modtest_totals {
  int files;        /* test files run */
  int passed;       /* assertions that held */
  int failed;       /* assertions that did not, plus files that errored */
  int errored;      /* files stopped by a Lua error (or with no assertion) */
} vt_modtest_totals;

/* The test files of `path`: the file itself (any name), or for a folder its
** test_*.lua files (not recursive), sorted by name.  *files (malloc'd array
** of malloc'd paths, free with vt_modtest_free_list) and *n.  Returns 0, or
** -1 with err when the path does not exist, cannot be read, or is a folder
** without test files. */
int vt_modtest_collect(const char *path, char ***files, int *n, char *err, size_t errlen);
void vt_modtest_free_list(char **files, int n);

/* Run the test file `file`, printing its lines to out and adding to *t.
** Returns 0 when every assertion held, 1 when one failed or the file
** errored, -1 with err when the test could not be started (out of memory,
** no prelude). */
int vt_modtest_run_file(const char *file, FILE *out, vt_modtest_totals *t, char *err, size_t errlen);

#endif
