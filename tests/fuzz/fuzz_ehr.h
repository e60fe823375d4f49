/*
** fuzz_ehr.h -- what the EHR reader's harnesses (fuzz_ehr_*.c) share: read
** a source named KIND:PATH through learn/ehr.h, touching every event, or
** look one person up, then print the quality report to /dev/null.
*/
#ifndef VT_FUZZ_EHR_H
#define VT_FUZZ_EHR_H

#include <stdio.h>

#include "learn/ehr.h"

/* Open spec on a fresh reader; find person "1" when find, else stream every
** person.  Errors are expected and ignored; crashes, leaks and undefined
** behaviour are what the fuzzer looks for. */
static inline void fz_ehr_read(const char *spec, int find) {
  char err[1024];
  vt_ehr *r = NULL;
  if (vt_ehr_open(&r, spec, NULL, err, sizeof err) != VT_EHR_OK) return;
  const vt_person *p;
  if (find) {
    (void)vt_ehr_find(r, "1", &p, err, sizeof err);
  } else {
    size_t n = 0;
    while (vt_ehr_next(r, &p, err, sizeof err) == 1)
      for (size_t k = 0; k < p->nevents; k++) n += p->events[k].code ? (unsigned char)p->events[k].code[0] : 0;
    (void)n;
  }
  FILE *devnull = fopen("/dev/null", "w");
  if (devnull) { vt_ehr_report(r, devnull); fclose(devnull); }
  vt_ehr_close(r);
}

#endif
