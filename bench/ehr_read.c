/*
** ehr_read.c -- `make bench`: how fast the EHR reader (learn/ehr.h) streams
** a source.  Reads every person of KIND:PATH (descriptions left out unless
** --descriptions) and prints one line:
**   ehr_read: kind=K persons=N events=E seconds=S persons_per_s=P events_per_s=Q peak_rss_kb=M
** peak_rss_kb is getrusage's maximum resident set size of the whole process.
** Usage: ehr_read [--descriptions] [--max N] KIND:PATH.  Exit 0, or 2 with
** the reader's message.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "learn/ehr.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  const char *spec = NULL;
  vt_ehr_options opt = { 1 };
  long long max = -1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--descriptions") == 0) opt.no_descriptions = 0;
    else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc) max = atoll(argv[++i]);
    else spec = argv[i];
  }
  if (!spec) { fputs("usage: ehr_read [--descriptions] [--max N] KIND:PATH\n", stderr); return 2; }
  char err[1024];
  double t0 = now();
  vt_ehr *r;
  if (vt_ehr_open(&r, spec, &opt, err, sizeof err) != VT_EHR_OK) { fprintf(stderr, "ehr_read: %s\n", err); return 2; }
  const vt_person *p;
  int rc;
  long long persons = 0, events = 0;
  while ((max < 0 || persons < max) && (rc = vt_ehr_next(r, &p, err, sizeof err)) == 1) {
    persons++;
    events += (long long)p->nevents;
  }
  if (max >= 0 && persons >= max) rc = 0;
  double secs = now() - t0;
  if (rc < 0) { fprintf(stderr, "ehr_read: %s\n", err); vt_ehr_close(r); return 2; }
  const char *kind = vt_ehr_kind(r);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("ehr_read: kind=%s persons=%lld events=%lld seconds=%.3f persons_per_s=%.0f events_per_s=%.0f peak_rss_kb=%ld\n",
         kind, persons, events, secs, secs > 0 ? (double)persons / secs : 0, secs > 0 ? (double)events / secs : 0,
         ru.ru_maxrss);
  vt_ehr_close(r);
  return 0;
}
