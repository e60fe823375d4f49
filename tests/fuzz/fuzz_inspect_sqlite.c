/*
** fuzz_inspect_sqlite.c -- the input as a SQLite database file given to
** `vitae inspect` (sim/cli/cmd_inspect.c, through its command entry), which
** opens it read-only.  The report on stdout goes to /dev/null.
*/
#include "tests/fuzz/fuzz.h"
#include "sim/cli/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_dir();
  const char *db = fz_write("cohort.db", data, size);
  char a0[] = "inspect", a2[] = "--json";
  char path[512];
  snprintf(path, sizeof path, "%s", db);
  char *argv[] = { a0, path, a2, NULL };
  fz_stdout_off();
  vt_cmd_inspect(size % 2 ? 3 : 2, argv);
  fz_stdout_restore();
  return 0;
}
