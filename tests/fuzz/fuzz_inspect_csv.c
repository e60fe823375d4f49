/*
** fuzz_inspect_csv.c -- the input as a folder of OMOP CDM CSV files given to
** `vitae inspect` (sim/cli/cmd_inspect.c, through its command entry): cut at
** form feeds into PERSON.csv, CONDITION_OCCURRENCE.csv, CONCEPT.csv,
** OBSERVATION_PERIOD.csv, DRUG_EXPOSURE.csv, MEASUREMENT.csv, DEATH.csv,
** CDM_SOURCE.csv (tests/fuzz/fuzz.h).  Every other input runs with --json
** and --top 3; the report on stdout goes to /dev/null.
*/
#include "tests/fuzz/fuzz.h"
#include "sim/cli/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[] = {
    "PERSON.csv", "CONDITION_OCCURRENCE.csv", "CONCEPT.csv", "OBSERVATION_PERIOD.csv",
    "DRUG_EXPOSURE.csv", "MEASUREMENT.csv", "DEATH.csv", "CDM_SOURCE.csv",
  };
  const char *dir = fz_dir();
  fz_write_parts(data, size, names, 8);
  char a0[] = "inspect", a2[] = "--json", a3[] = "--top", a4[] = "3";
  char path[512];
  snprintf(path, sizeof path, "%s", dir);
  char *argv[] = { a0, path, a2, a3, a4, NULL };
  int argc = size % 2 ? 5 : 2;
  fz_stdout_off();
  vt_cmd_inspect(argc, argv);
  fz_stdout_restore();
  return 0;
}
