/*
** fuzz_ehr_omop.c -- the EHR reader's omop: and omop-csv: sources
** (learn/src_omop.c, learn/omop_sql.c, learn/stage.c).  An input starting
** with the SQLite header is written as a database and read as omop:FILE;
** any other input is cut at form feeds into PERSON.csv,
** OBSERVATION_PERIOD.csv, CONDITION_OCCURRENCE.csv, MEASUREMENT.csv,
** CONCEPT.csv, DEATH.csv, DRUG_ERA.csv and CDM_SOURCE.csv (tests/fuzz/fuzz.h)
** and read as omop-csv:DIR.  Every person is read, then person "1" found;
** the report goes to /dev/null.
*/
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "learn/ehr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[] = {
    "PERSON.csv", "OBSERVATION_PERIOD.csv", "CONDITION_OCCURRENCE.csv", "MEASUREMENT.csv",
    "CONCEPT.csv", "DEATH.csv", "DRUG_ERA.csv", "CDM_SOURCE.csv",
  };
  const char *dir = fz_dir();
  char spec[600];
  if (size >= 16 && memcmp(data, "SQLite format 3", 16) == 0) {
    snprintf(spec, sizeof spec, "omop:%s", fz_write("cdm.sqlite", data, size));
  } else {
    fz_write_parts(data, size, names, 8);
    snprintf(spec, sizeof spec, "omop-csv:%s", dir);
  }
  char err[1024];
  for (int pass = 0; pass < 2; pass++) {
    vt_ehr *r;
    if (vt_ehr_open(&r, spec, NULL, err, sizeof err) != VT_EHR_OK) return 0;
    const vt_person *p;
    if (pass == 0) {
      int64_t n = 0;
      while (vt_ehr_next(r, &p, err, sizeof err) == 1) n += (int64_t)p->nevents;
      (void)n;
    } else {
      (void)vt_ehr_find(r, "1", &p, err, sizeof err);
    }
    FILE *devnull = fopen("/dev/null", "w");
    if (devnull) { vt_ehr_report(r, devnull); fclose(devnull); }
    vt_ehr_close(r);
  }
  return 0;
}
