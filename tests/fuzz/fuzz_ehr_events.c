/*
** fuzz_ehr_events.c -- the input as an events: file (schemas/events.md)
** read whole through the EHR reader (learn/src_events.c, learn/stage.c,
** learn/ehr.c): every person, the quality report; inputs of odd size also
** look one person up ("1") on a fresh reader.
*/
#include "tests/fuzz/fuzz.h"
#include "learn/ehr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_dir();
  const char *path = fz_write("events.csv", data, size);
  char spec[600], err[1024];
  snprintf(spec, sizeof spec, "events:%s", path);
  vt_ehr *r = NULL;
  if (vt_ehr_open(&r, spec, NULL, err, sizeof err) != VT_EHR_OK) return 0;
  const vt_person *p;
  if (size % 2) {
    (void)vt_ehr_find(r, "1", &p, err, sizeof err);
  } else {
    while (vt_ehr_next(r, &p, err, sizeof err) == 1)
      for (size_t k = 0; k < p->nevents; k++) (void)p->events[k].code[0];
  }
  FILE *devnull = fopen("/dev/null", "w");
  if (devnull) { vt_ehr_report(r, devnull); fclose(devnull); }
  vt_ehr_close(r);
  return 0;
}
