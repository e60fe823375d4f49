/*
** ehr_dump.c -- a test tool: read an EHR source through learn/ehr.h and
** print its patient-level view (learn/dump.h), then the quality report on
** stderr.  Usage: ehr_dump [--omit N] [--find ID] KIND:PATH.  Exit 0, or 2
** with the reader's message.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/dump.h"
#include "learn/ehr.h"

int main(int argc, char **argv) {
  int omit = 0;
  const char *find = NULL, *spec = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--omit") == 0 && i + 1 < argc) omit = atoi(argv[++i]);
    else if (strcmp(argv[i], "--find") == 0 && i + 1 < argc) find = argv[++i];
    else spec = argv[i];
  }
  if (!spec) { fputs("usage: ehr_dump [--omit N] [--find ID] KIND:PATH\n", stderr); return 2; }
  char err[1024];
  vt_ehr *r;
  if (vt_ehr_open(&r, spec, NULL, err, sizeof err) != VT_EHR_OK) { fprintf(stderr, "ehr_dump: %s\n", err); return 2; }
  const vt_person *p;
  int rc;
  if (find) {
    rc = vt_ehr_find(r, find, &p, err, sizeof err);
    if (rc == 1) vt_person_dump(stdout, p, omit);
    else if (rc == 0) fprintf(stderr, "ehr_dump: no person %s\n", find);
  } else {
    while ((rc = vt_ehr_next(r, &p, err, sizeof err)) == 1) vt_person_dump(stdout, p, omit);
  }
  if (rc < 0) { fprintf(stderr, "ehr_dump: %s\n", err); vt_ehr_close(r); return 2; }
  const char *const *notes;
  size_t nn = vt_ehr_notes(r, &notes);
  for (size_t k = 0; k < nn; k++) fprintf(stderr, "note: %s\n", notes[k]);
  const vt_quality *q = vt_ehr_quality(r);
  fprintf(stderr, "persons %lld events %lld periods %lld\n", (long long)q->persons, (long long)q->events,
          (long long)q->periods);
  vt_ehr_report(r, stderr);
  vt_ehr_close(r);
  return find && rc == 0 ? 1 : 0;
}
