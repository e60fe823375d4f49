/*
** fuzz_ehr_native.c -- the input as a SQLite database read through the EHR
** reader's vitae: source (learn/src_native.c): every person streamed, then
** (odd sizes) person "1" found on a fresh reader.  Errors are expected;
** crashes, leaks and undefined behaviour are not.
*/
#include "tests/fuzz/fuzz.h"
#include "learn/ehr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_dir();
  const char *db = fz_write("cohort.db", data, size);
  char spec[600], err[1024];
  snprintf(spec, sizeof spec, "vitae:%s", db);
  vt_ehr *r = NULL;
  const vt_person *p;
  if (vt_ehr_open(&r, spec, NULL, err, sizeof err) == VT_EHR_OK) {
    size_t n = 0;
    while (vt_ehr_next(r, &p, err, sizeof err) == 1) n += p->nevents + p->nperiods;
    vt_ehr_close(r);
    (void)n;
  }
  if (size % 2 && vt_ehr_open(&r, spec, NULL, err, sizeof err) == VT_EHR_OK) {
    (void)vt_ehr_find(r, "1", &p, err, sizeof err);
    vt_ehr_close(r);
  }
  return 0;
}
