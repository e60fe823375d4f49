/*
** fuzz_ehr_synthea.c -- the input as a Synthea CSV export read whole through
** the EHR reader (learn/src_synthea.c, learn/stage.c, learn/ehr.c): cut at
** form feeds into patients.csv, conditions.csv, observations.csv,
** procedures.csv, encounters.csv (tests/fuzz/fuzz.h); every person and the
** quality report.
*/
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_ehr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[] = {
    "patients.csv", "conditions.csv", "observations.csv", "procedures.csv", "encounters.csv",
  };
  const char *dir = fz_dir();
  fz_write_parts(data, size, names, 5);
  char spec[600];
  snprintf(spec, sizeof spec, "synthea-csv:%s", dir);
  fz_ehr_read(spec, 0);
  return 0;
}
