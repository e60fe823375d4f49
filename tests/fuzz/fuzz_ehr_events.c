/*
** fuzz_ehr_events.c -- the input as an events: file (schemas/events.md)
** read whole through the EHR reader (learn/src_events.c, learn/stage.c,
** learn/ehr.c): every person, the quality report; inputs of odd size also
** look one person up ("1") on a fresh reader.
*/
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_ehr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_dir();
  const char *path = fz_write("events.csv", data, size);
  char spec[600];
  snprintf(spec, sizeof spec, "events:%s", path);
  fz_ehr_read(spec, size % 2);
  return 0;
}
