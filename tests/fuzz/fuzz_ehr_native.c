/*
** fuzz_ehr_native.c -- the input as a SQLite database read through the EHR
** reader's vitae: source (learn/src_native.c): every person streamed, then
** (odd sizes) person "1" found on a fresh reader.  Errors are expected;
** crashes, leaks and undefined behaviour are not.
*/
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_ehr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_dir();
  const char *db = fz_write("cohort.db", data, size);
  char spec[600];
  snprintf(spec, sizeof spec, "vitae:%s", db);
  fz_ehr_read(spec, 0);
  if (size % 2) fz_ehr_read(spec, 1);
  return 0;
}
