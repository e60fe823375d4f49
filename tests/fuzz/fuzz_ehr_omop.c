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
#include "tests/fuzz/fuzz_ehr.h"

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
  fz_ehr_read(spec, 0);
  fz_ehr_read(spec, 1);
  return 0;
}
