/*
** dump.c -- the patient-level view as tab-separated lines (see dump.h).
*/
#include <stdio.h>

#include "learn/dump.h"

/* A field for a tab-separated line: tabs and line breaks become spaces. */
static void field(FILE *f, const char *s) {
  fputc('\t', f);
  for (; s && *s; s++) fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

static void day_field(FILE *f, vt_day d) {
  char buf[11];
  vt_day_format(d, buf);
  field(f, buf);
}

int vt_person_dump(FILE *f, const vt_person *p, int omit) {
  char id[32];
  const char *pid = p->id;
  if (omit & VT_DUMP_NO_ID) { snprintf(id, sizeof id, "%lld", (long long)p->seq); pid = id; }
  char sex[2] = { p->sex, 0 };
  fputs("person", f);
  field(f, pid);
  field(f, sex);
  day_field(f, p->birth);
  day_field(f, p->death);
  field(f, omit & VT_DUMP_NO_RACE ? NULL : p->race);
  field(f, omit & VT_DUMP_NO_RACE ? NULL : p->ethnicity);
  fputc('\n', f);
  for (size_t k = 0; k < p->nperiods; k++) {
    fputs("period", f);
    field(f, pid);
    day_field(f, p->periods[k].start);
    day_field(f, p->periods[k].end);
    fputc('\n', f);
  }
  static const char *const flag_names[] = { "before_birth", "after_death", "outside_observation", "from_era" };
  for (size_t k = 0; k < p->nevents; k++) {
    const vt_event *e = &p->events[k];
    fputs("event", f);
    field(f, pid);
    day_field(f, e->start);
    day_field(f, omit & VT_DUMP_NO_END ? VT_NO_DAY : e->end);
    field(f, vt_domain_name(e->domain));
    field(f, e->system);
    field(f, e->code);
    char val[32] = "";
    if (e->has_value && !(omit & VT_DUMP_NO_VALUE)) snprintf(val, sizeof val, "%.6g", e->value);
    field(f, val);
    field(f, omit & VT_DUMP_NO_VALUE ? NULL : e->unit);
    fputc('\t', f);
    int first = 1;
    for (int b = 0; b < 4 && !(omit & VT_DUMP_NO_FLAGS); b++)
      if (e->flags & (1u << b)) { fprintf(f, "%s%s", first ? "" : ",", flag_names[b]); first = 0; }
    fputc('\n', f);
  }
  return ferror(f) ? -1 : 0;
}
