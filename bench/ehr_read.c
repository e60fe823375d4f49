/*
** ehr_read.c -- `make bench`: how fast the EHR reader (learn/ehr.h) streams
** a source.  Reads every person of KIND:PATH (descriptions left out unless
** --descriptions) and prints one line:
**   ehr_read: kind=K persons=N events=E seconds=S persons_per_s=P events_per_s=Q peak_rss_kb=M
** peak_rss_kb is getrusage's maximum resident set size of the whole process.
** --max N stops after N persons; --events-csv FILE also writes what was read
** in the events format (schemas/events.md), so that the bench can make an
** events: source of any size from a generated cohort.
** Usage: ehr_read [--descriptions] [--max N] [--events-csv FILE] KIND:PATH.
** Exit 0, or 2 with the reader's message.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "learn/ehr.h"

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void csv_field(FILE *f, const char *s, int last) {
  if (s && strpbrk(s, ",\"\r\n")) {
    fputc('"', f);
    for (; *s; s++) { if (*s == '"') fputc('"', f); fputc(*s, f); }
    fputc('"', f);
  } else if (s) {
    fputs(s, f);
  }
  fputc(last ? '\n' : ',', f);
}

/* p as rows of the events format: the person, its periods, its events. */
static void write_events(FILE *f, const vt_person *p) {
  char a[11], b[11], c[11], sex[2] = { p->sex, 0 }, val[32];
  vt_day_format(p->birth, a);
  vt_day_format(p->death, b);
  fputs("person,", f);
  csv_field(f, p->id, 0);
  fprintf(f, "%s,%s,%s,,,,,,,,", sex, a, b);
  csv_field(f, p->race, 0);
  csv_field(f, p->ethnicity, 1);
  for (size_t k = 0; k < p->nperiods; k++) {
    vt_day_format(p->periods[k].start, a);
    vt_day_format(p->periods[k].end, b);
    fputs("period,", f);
    csv_field(f, p->id, 0);
    fprintf(f, ",,,%s,%s,,,,,,,\n", a, b);
  }
  for (size_t k = 0; k < p->nevents; k++) {
    const vt_event *e = &p->events[k];
    vt_day_format(e->start, a);
    vt_day_format(e->end, c);
    fputs("event,", f);
    csv_field(f, p->id, 0);
    fprintf(f, ",,,%s,%s,%s,", a, c, vt_domain_name(e->domain));
    csv_field(f, e->system, 0);
    csv_field(f, e->code, 0);
    val[0] = 0;
    if (e->has_value) snprintf(val, sizeof val, "%.17g", e->value);
    csv_field(f, val, 0);
    csv_field(f, e->unit, 0);
    fputs(",\n", f);
  }
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  const char *spec = NULL;
  vt_ehr_options opt = { 1 };
  long long max = -1;
  FILE *csv = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--descriptions") == 0) opt.no_descriptions = 0;
    else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc) max = atoll(argv[++i]);
    else if (strcmp(argv[i], "--events-csv") == 0 && i + 1 < argc) {
      if (!(csv = fopen(argv[++i], "w"))) { perror(argv[i]); return 2; }
      fputs("record,person,sex,birth_date,death_date,start_date,end_date,domain,system,code,value,unit,race,ethnicity\n",
            csv);
    }
    else spec = argv[i];
  }
  if (!spec) {
    fputs("usage: ehr_read [--descriptions] [--max N] [--events-csv FILE] KIND:PATH\n", stderr);
    return 2;
  }
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
    if (csv) write_events(csv, p);
  }
  if (max >= 0 && persons >= max) rc = 0;
  double secs = now() - t0;
  if (csv && fclose(csv) != 0) { perror("ehr_read: --events-csv"); rc = -2; }
  if (rc == -2) { vt_ehr_close(r); return 2; }
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
