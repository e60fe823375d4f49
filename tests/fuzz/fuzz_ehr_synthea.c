/*
** fuzz_ehr_synthea.c -- the input as a Synthea CSV export read whole through
** the EHR reader (learn/src_synthea.c, learn/stage.c, learn/ehr.c): cut at
** form feeds into patients.csv, conditions.csv, observations.csv,
** procedures.csv, encounters.csv (tests/fuzz/fuzz.h); every person and the
** quality report.
*/
#include "tests/fuzz/fuzz.h"
#include "learn/ehr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[] = {
    "patients.csv", "conditions.csv", "observations.csv", "procedures.csv", "encounters.csv",
  };
  const char *dir = fz_dir();
  fz_write_parts(data, size, names, 5);
  char spec[600], err[1024];
  snprintf(spec, sizeof spec, "synthea-csv:%s", dir);
  vt_ehr *r = NULL;
  if (vt_ehr_open(&r, spec, NULL, err, sizeof err) != VT_EHR_OK) return 0;
  const vt_person *p;
  while (vt_ehr_next(r, &p, err, sizeof err) == 1)
    for (size_t k = 0; k < p->nevents; k++) (void)p->events[k].code[0];
  FILE *devnull = fopen("/dev/null", "w");
  if (devnull) { vt_ehr_report(r, devnull); fclose(devnull); }
  vt_ehr_close(r);
  return 0;
}
