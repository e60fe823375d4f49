/*
** ehr.c -- the core of the EHR reader (see ehr.h): source names and kinds,
** building one person at a time from what a source hands over (strings
** copied into a per-person pool, reused from person to person so memory is
** that of the largest person), sorting, the checks every source shares
** (events before birth, after death, outside observation; unknown sex; no
** observation period) and the data-quality counts.
*/
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "learn/source.h"
#include "sim/vtime.h"

/* The strings of one event, as pool offsets + 1 (0 = NULL) while the person
** is built: the pool may move as it grows. */
enum { S_SYSTEM, S_CODE, S_SRC_SYSTEM, S_SRC_CODE, S_DESCRIPTION, S_UNIT, S__COUNT };

typedef struct built_event {
  vt_event ev;
  size_t str[S__COUNT];
} built_event;

struct vt_ehr {
  const vt_ehr_source *src;
  void *state;
  char *kind, *path;
  vt_ehr_options opt;
  int csv;                       /* a CSV kind: a source's row is a line of its file */
  char **notes; size_t nnotes;
  vt_quality q;
  /* the person being built */
  int begun;
  int64_t seq;
  vt_person person;
  size_t id_off, race_off, eth_off;
  char *pool; size_t npool, cappool;
  vt_period *periods; size_t nperiods, capperiods;
  built_event *raw; size_t nraw, capraw;
  vt_event *events; size_t capevents;
};

const char *const vt_ehr_kinds[] = { "omop", "omop-csv", "synthea-csv", "vitae", "events", NULL };
static const vt_ehr_source *const sources[] = {
  &vt_source_omop, &vt_source_omop_csv, &vt_source_synthea_csv, &vt_source_native, &vt_source_events,
};

/* ---- dates, domains, issues ------------------------------------------------ */

static int digits(const char *s, int n, int *out) {
  int v = 0;
  for (int k = 0; k < n; k++) {
    if (!isdigit((unsigned char)s[k])) return -1;
    v = v * 10 + (s[k] - '0');
  }
  *out = v;
  return 0;
}

int vt_day_parse(const char *s, vt_day *out) {
  if (!s) return -1;
  while (*s == ' ') s++;
  int y, m, d;
  const char *rest;
  if (digits(s, 4, &y) == 0 && s[4] == '-' && digits(s + 5, 2, &m) == 0 && s[7] == '-' && digits(s + 8, 2, &d) == 0)
    rest = s + 10;
  else if (digits(s, 4, &y) == 0 && digits(s + 4, 2, &m) == 0 && digits(s + 6, 2, &d) == 0)
    rest = s + 8;
  else
    return -1;
  /* a time may follow ("T00:00:00Z", " 10:00:00"), nothing else */
  if (*rest && *rest != 'T' && *rest != ' ') return -1;
  if (*rest == ' ') {
    const char *t = rest;
    while (*t == ' ') t++;
    if (*t && !isdigit((unsigned char)*t)) return -1;
  }
  if (y < VT_YEAR_MIN || y > VT_YEAR_MAX || m < 1 || m > 12 || d < 1 || d > vt_days_in_month(y, m)) return -1;
  *out = (vt_day)vt_days_from_civil(y, m, d);
  return 0;
}

void vt_day_format(vt_day d, char out[11]) {
  if (d == VT_NO_DAY) { out[0] = 0; return; }
  int y, m, dd;
  vt_civil_from_days(d, &y, &m, &dd);
  snprintf(out, 11, "%04d-%02d-%02d", y, m, dd);
}

static const char *const domain_names[VT_DOMAIN__COUNT] = {
  "condition", "drug", "procedure", "measurement", "observation", "immunization", "device", "visit",
};

const char *vt_domain_name(vt_domain d) { return (unsigned)d < VT_DOMAIN__COUNT ? domain_names[d] : "?"; }

int vt_domain_parse(const char *name) {
  if (!name) return -1;
  for (int k = 0; k < VT_DOMAIN__COUNT; k++)
    if (strcasecmp(name, domain_names[k]) == 0) return k;
  return -1;
}

static const struct { const char *name, *text; int drops; } issues[VT_ISSUE__COUNT] = {
  [VT_ISSUE_BAD_DATE] = { "bad_date", "events whose date cannot be read", 1 },
  [VT_ISSUE_NO_CODE] = { "no_code", "events without a code", 1 },
  [VT_ISSUE_UNKNOWN_PERSON] = { "unknown_person", "rows of a person the person table does not have", 1 },
  [VT_ISSUE_BAD_PERSON] = { "bad_person", "persons without an id or a readable birth date", 1 },
  [VT_ISSUE_BAD_PERIOD] = { "bad_period", "observation periods whose dates cannot be read or end before they start", 1 },
  [VT_ISSUE_BEFORE_BIRTH] = { "before_birth", "events dated before birth", 0 },
  [VT_ISSUE_AFTER_DEATH] = { "after_death", "events dated after death", 0 },
  [VT_ISSUE_OUTSIDE_OBSERVATION] = { "outside_observation", "events outside every observation period", 0 },
  [VT_ISSUE_END_BEFORE_START] = { "end_before_start", "events ending before they start (end ignored)", 0 },
  [VT_ISSUE_BAD_END_DATE] = { "bad_end_date", "events whose end date cannot be read (end ignored)", 0 },
  [VT_ISSUE_BAD_VALUE] = { "bad_value", "values that are not numbers (kept without value)", 0 },
  [VT_ISSUE_UNKNOWN_SEX] = { "unknown_sex", "persons of unknown sex", 0 },
  [VT_ISSUE_NO_OBSERVATION] = { "no_observation_period", "persons without an observation period", 0 },
  [VT_ISSUE_BAD_DEATH_DATE] = { "bad_death_date", "death dates that cannot be read (taken as unknown)", 0 },
};

const char *vt_issue_name(vt_issue i) { return (unsigned)i < VT_ISSUE__COUNT ? issues[i].name : "?"; }
const char *vt_issue_text(vt_issue i) { return (unsigned)i < VT_ISSUE__COUNT ? issues[i].text : "?"; }
int vt_issue_drops(vt_issue i) { return (unsigned)i < VT_ISSUE__COUNT ? issues[i].drops : 0; }

int vt_ehr_parse_number(const char *text, double *out) {
  if (!text) return -1;
  char *end;
  double x = strtod(text, &end);
  if (end == text) return -1;
  while (isspace((unsigned char)*end)) end++;
  if (*end || !isfinite(x)) return -1;
  *out = x;
  return 0;
}

char vt_ehr_sex(const char *t) {
  if (!t) return 'U';
  while (*t == ' ') t++;
  if (strcasecmp(t, "F") == 0 || strcasecmp(t, "female") == 0 || strcmp(t, "8532") == 0) return 'F';
  if (strcasecmp(t, "M") == 0 || strcasecmp(t, "male") == 0 || strcmp(t, "8507") == 0) return 'M';
  return 'U';
}

/* ---- the issue counts -------------------------------------------------------- */

static void issue_v(vt_ehr *r, vt_issue why, const char *file, const char *table, int64_t row, long line,
                    const char *column, const char *fmt, va_list ap) {
  r->q.count[why]++;
  int n = r->q.nexamples[why];
  if (n >= VT_ISSUE_EXAMPLES) return;
  vt_issue_example *x = &r->q.examples[why][n];
  r->q.nexamples[why] = n + 1;
  vt_sbuf w = { 0 };
  vt_sb_puts(&w, file ? file : r->path);
  if (line > 0) vt_sb_printf(&w, ":%ld", line);
  const char *sep = ": ";
  if (table) { vt_sb_printf(&w, "%stable %s", sep, table); sep = ", "; }
  if (row > 0) { vt_sb_printf(&w, "%srow %lld", sep, (long long)row); sep = ", "; }
  if (column) vt_sb_printf(&w, "%scolumn %s", sep, column);
  snprintf(x->where, sizeof x->where, "%s", w.p ? w.p : "");
  free(w.p);
  vsnprintf(x->what, sizeof x->what, fmt, ap);
}

void vt_ehr_issue(vt_ehr *r, vt_issue why, const char *file, const char *table, int64_t row, long line,
                  const char *column, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  issue_v(r, why, file, table, row, line, column, fmt, ap);
  va_end(ap);
}

/* ---- building a person ------------------------------------------------------- */

/* Copy s into the pool: its offset + 1, or 0 for NULL. */
static size_t pool_add(vt_ehr *r, const char *s) {
  if (!s) return 0;
  size_t n = strlen(s) + 1;
  if (r->npool + n > r->cappool) {
    size_t cap = r->cappool ? r->cappool : 4096;
    while (r->npool + n > cap) cap *= 2;
    r->pool = vt_xrealloc(r->pool, cap);
    r->cappool = cap;
  }
  memcpy(r->pool + r->npool, s, n);
  r->npool += n;
  return r->npool - n + 1;
}

static const char *pool_str(const vt_ehr *r, size_t off) { return off ? r->pool + off - 1 : NULL; }

void *vt_ehr_state(const vt_ehr *r) { return r->state; }
void vt_ehr_set_state(vt_ehr *r, void *state) { r->state = state; }
const vt_ehr_options *vt_ehr_options_of(const vt_ehr *r) { return &r->opt; }

void vt_ehr_note(vt_ehr *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char buf[512];
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  r->notes = vt_xrealloc(r->notes, (r->nnotes + 1) * sizeof *r->notes);
  r->notes[r->nnotes++] = vt_xstrdup(buf);
}

void vt_ehr_begin(vt_ehr *r, const char *id, char sex, vt_day birth, vt_day death, const char *race,
                  const char *ethnicity, const char *table, int64_t row) {
  r->begun = 1;
  r->npool = 0;
  r->nperiods = 0;
  r->nraw = 0;
  memset(&r->person, 0, sizeof r->person);
  r->id_off = pool_add(r, id ? id : "");
  r->race_off = pool_add(r, race);
  r->eth_off = pool_add(r, ethnicity);
  r->person.sex = sex == 'F' || sex == 'M' ? sex : 'U';
  r->person.birth = birth;
  r->person.death = death;
  r->person.table = table;
  r->person.row = row;
}

void vt_ehr_add_period(vt_ehr *r, vt_day start, vt_day end) {
  if (r->nperiods == r->capperiods) {
    r->capperiods = r->capperiods ? r->capperiods * 2 : 8;
    r->periods = vt_xrealloc(r->periods, r->capperiods * sizeof *r->periods);
  }
  r->periods[r->nperiods].start = start;
  r->periods[r->nperiods].end = end;
  r->nperiods++;
}

void vt_ehr_add_event(vt_ehr *r, const vt_event *ev) {
  if (r->nraw == r->capraw) {
    r->capraw = r->capraw ? r->capraw * 2 : 64;
    r->raw = vt_xrealloc(r->raw, r->capraw * sizeof *r->raw);
  }
  built_event *b = &r->raw[r->nraw++];
  b->ev = *ev;
  b->ev.flags &= VT_EVENT_FROM_ERA;
  b->str[S_SYSTEM] = pool_add(r, ev->system);
  b->str[S_CODE] = pool_add(r, ev->code);
  b->str[S_SRC_SYSTEM] = pool_add(r, ev->source_system);
  b->str[S_SRC_CODE] = pool_add(r, ev->source_code);
  b->str[S_DESCRIPTION] = r->opt.no_descriptions ? 0 : pool_add(r, ev->description);
  b->str[S_UNIT] = pool_add(r, ev->unit);
}

static int strcmp_null(const char *a, const char *b) {
  if (!a || !b) return (a != NULL) - (b != NULL);
  return strcmp(a, b);
}

static int cmp_period(const void *pa, const void *pb) {
  const vt_period *a = pa, *b = pb;
  if (a->start != b->start) return a->start < b->start ? -1 : 1;
  return (a->end > b->end) - (a->end < b->end);
}

static int cmp_event(const void *pa, const void *pb) {
  const vt_event *a = pa, *b = pb;
  if (a->start != b->start) return a->start < b->start ? -1 : 1;
  if (a->domain != b->domain) return a->domain < b->domain ? -1 : 1;
  int c = strcmp_null(a->system, b->system);
  if (c) return c;
  if ((c = strcmp_null(a->code, b->code)) != 0) return c;
  if (a->end != b->end) return a->end < b->end ? -1 : 1;
  if ((c = strcmp_null(a->source_code, b->source_code)) != 0) return c;
  if (a->has_value != b->has_value) return a->has_value - b->has_value;
  if (a->has_value && a->value != b->value) return a->value < b->value ? -1 : 1;
  if ((c = strcmp_null(a->unit, b->unit)) != 0) return c;
  if (a->table != b->table) return strcmp_null(a->table, b->table);
  return (a->row > b->row) - (a->row < b->row);
}

/* 1 if day d lies in one of the sorted periods. */
static int observed(const vt_period *p, size_t n, vt_day d) {
  for (size_t k = 0; k < n && p[k].start <= d; k++)
    if (d <= p[k].end) return 1;
  return 0;
}

/* Count an issue of the core's own checks at a row a source gave (table,
** row).  CSV sources give the CSV line as the row and the file as the
** table ("conditions.csv", or a path): the example then reads
** "DIR/conditions.csv:LINE: column C" as for rows the sources count. */
static void issue_at(vt_ehr *r, vt_issue why, const char *table, int64_t row, const char *column, const char *fmt,
                     ...) VT_PRINTF(6, 7);
static void issue_at(vt_ehr *r, vt_issue why, const char *table, int64_t row, const char *column, const char *fmt,
                     ...) {
  char file[4096];
  const char *f = NULL;
  long line = 0;
  if (r->csv && row > 0) {
    line = (long)row;
    row = 0;
    if (!table || r->src == &vt_source_events) f = r->path;
    else if (strchr(table, '/')) f = table;
    else { snprintf(file, sizeof file, "%s/%s", r->path, table); f = file; }
    table = NULL;
  }
  va_list ap;
  va_start(ap, fmt);
  issue_v(r, why, f, table, row, line, column, fmt, ap);
  va_end(ap);
}

/* Flag an event and count it (the example names the event's row). */
static void flag(vt_ehr *r, vt_event *e, unsigned bit, vt_issue why, const char *fmt_day) {
  e->flags |= bit;
  char d[11];
  vt_day_format(e->start, d);
  issue_at(r, why, e->table, e->row, e->date_column, "%s %s %s on %s, %s", vt_domain_name(e->domain),
               e->system ? e->system : "", e->code ? e->code : "", d, fmt_day);
}

/* Finish the person begun: strings resolved, periods and events sorted,
** the shared checks made and counted. */
static void finish_person(vt_ehr *r) {
  vt_person *p = &r->person;
  p->id = pool_str(r, r->id_off);
  p->race = pool_str(r, r->race_off);
  p->ethnicity = pool_str(r, r->eth_off);
  p->seq = r->seq++;
  if (r->nperiods > 1) qsort(r->periods, r->nperiods, sizeof *r->periods, cmp_period); /* NULL when none */
  p->periods = r->periods;
  p->nperiods = r->nperiods;
  if (r->capevents < r->nraw) {
    r->capevents = r->nraw;
    r->events = vt_xrealloc(r->events, r->capevents * sizeof *r->events);
  }
  for (size_t k = 0; k < r->nraw; k++) {
    vt_event *e = &r->events[k];
    *e = r->raw[k].ev;
    e->system = pool_str(r, r->raw[k].str[S_SYSTEM]);
    e->code = pool_str(r, r->raw[k].str[S_CODE]);
    e->source_system = pool_str(r, r->raw[k].str[S_SRC_SYSTEM]);
    e->source_code = pool_str(r, r->raw[k].str[S_SRC_CODE]);
    e->description = pool_str(r, r->raw[k].str[S_DESCRIPTION]);
    e->unit = pool_str(r, r->raw[k].str[S_UNIT]);
  }
  if (r->nraw > 1) qsort(r->events, r->nraw, sizeof *r->events, cmp_event); /* NULL when none */
  p->events = r->events;
  p->nevents = r->nraw;
  char d[11];
  for (size_t k = 0; k < p->nevents; k++) {
    vt_event *e = &r->events[k];
    if (e->end != VT_NO_DAY && e->end < e->start) {
      vt_day_format(e->end, d);
      issue_at(r, VT_ISSUE_END_BEFORE_START, e->table, e->row, NULL, "ends %s", d);
      e->end = VT_NO_DAY;
    }
    if (p->birth != VT_NO_DAY && e->start < p->birth) {
      vt_day_format(p->birth, d);
      char what[40];
      snprintf(what, sizeof what, "birth %s", d);
      flag(r, e, VT_EVENT_BEFORE_BIRTH, VT_ISSUE_BEFORE_BIRTH, what);
    }
    if (p->death != VT_NO_DAY && e->start > p->death) {
      vt_day_format(p->death, d);
      char what[40];
      snprintf(what, sizeof what, "death %s", d);
      flag(r, e, VT_EVENT_AFTER_DEATH, VT_ISSUE_AFTER_DEATH, what);
    }
    if (p->nperiods && !observed(p->periods, p->nperiods, e->start))
      flag(r, e, VT_EVENT_OUTSIDE_OBSERVATION, VT_ISSUE_OUTSIDE_OBSERVATION, "outside every observation period");
  }
  if (p->sex == 'U')
    issue_at(r, VT_ISSUE_UNKNOWN_SEX, p->table, p->row, NULL, "person %s", p->id);
  if (!p->nperiods)
    issue_at(r, VT_ISSUE_NO_OBSERVATION, p->table, p->row, NULL, "person %s", p->id);
  r->q.persons++;
  r->q.events += (int64_t)p->nevents;
  r->q.periods += (int64_t)p->nperiods;
}

/* ---- opening, reading ---------------------------------------------------------- */

static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int has_file_ci(const char *dir, const char *name) {
  char buf[4096], up[256];
  snprintf(buf, sizeof buf, "%s/%s", dir, name);
  struct stat st;
  if (stat(buf, &st) == 0) return 1;
  size_t k = 0;
  for (; name[k] && k + 1 < sizeof up; k++) up[k] = (char)toupper((unsigned char)name[k]);
  up[k] = 0;
  /* keep the extension lower case, as Eunomia's PERSON.csv */
  char *dot = strrchr(up, '.');
  if (dot) for (char *c = dot; *c; c++) *c = (char)tolower((unsigned char)*c);
  snprintf(buf, sizeof buf, "%s/%s", dir, up);
  return stat(buf, &st) == 0;
}

/* 1 if the SQLite file at path has table name, 0 if not, -1 on error. */
static int sqlite_has_table(sqlite3 *db, const char *name) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND lower(name) = ?1", -1,
                         &st, NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

const char *vt_ehr_detect(const char *path, char *err, size_t errlen) {
  struct stat st;
  if (stat(path, &st) != 0) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return NULL; }
  if (S_ISDIR(st.st_mode)) {
    if (has_file_ci(path, "person.csv")) return "omop-csv";
    if (has_file_ci(path, "patients.csv")) return "synthea-csv";
    snprintf(err, errlen, "%s: a folder with neither PERSON.csv (OMOP) nor patients.csv (Synthea): name its kind (KIND:PATH)",
             path);
    return NULL;
  }
  FILE *f = fopen(path, "rb");
  if (!f) { snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno)); return NULL; }
  char head[16] = { 0 };
  size_t n = fread(head, 1, sizeof head, f);
  fclose(f);
  if (n == 16 && memcmp(head, "SQLite format 3", 16) == 0) {
    sqlite3 *db = NULL;
    const char *kind = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
      int person = sqlite_has_table(db, "person"), patients = sqlite_has_table(db, "patients");
      if (person == 1) kind = "omop";
      else if (patients == 1) kind = "vitae";
      else if (person < 0 || patients < 0)
        snprintf(err, errlen, "%s: cannot read the database: %s", path, sqlite3_errmsg(db));
      else
        snprintf(err, errlen, "%s: a SQLite database with neither a person table (OMOP) nor a patients table (vitae)",
                 path);
    } else {
      snprintf(err, errlen, "%s: cannot open the database: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
    }
    sqlite3_close(db);
    return kind;
  }
  size_t len = strlen(path);
  if (len > 4 && strcasecmp(path + len - 4, ".csv") == 0) return "events";
  snprintf(err, errlen, "%s: neither a SQLite database, a folder nor a .csv file: name its kind (KIND:PATH)", path);
  return NULL;
}

int vt_ehr_open(vt_ehr **out, const char *spec, const vt_ehr_options *opt, char *err, size_t errlen) {
  *out = NULL;
  if (!spec || !*spec) { snprintf(err, errlen, "no source given (KIND:PATH)"); return VT_EHR_EUSAGE; }
  const vt_ehr_source *src = NULL;
  const char *path = spec;
  const char *colon = strchr(spec, ':');
  if (colon) {
    for (size_t k = 0; k < sizeof sources / sizeof *sources; k++) {
      size_t n = strlen(sources[k]->kind);
      if ((size_t)(colon - spec) == n && strncmp(spec, sources[k]->kind, n) == 0) {
        src = sources[k];
        path = colon + 1;
      }
    }
  }
  if (!src && colon && !is_dir(spec)) {
    struct stat st;
    if (stat(spec, &st) != 0) {
      snprintf(err, errlen, "%.*s: unknown source kind (the kinds: omop, omop-csv, synthea-csv, vitae, events)",
               (int)(colon - spec), spec);
      return VT_EHR_EUSAGE;
    }
  }
  if (!*path) { snprintf(err, errlen, "%s: no path after the kind", spec); return VT_EHR_EUSAGE; }
  if (!src) {
    const char *kind = vt_ehr_detect(path, err, errlen);
    if (!kind) {
      struct stat st;
      return stat(path, &st) == 0 ? VT_EHR_EUSAGE : VT_EHR_EREAD;
    }
    for (size_t k = 0; k < sizeof sources / sizeof *sources; k++)
      if (strcmp(sources[k]->kind, kind) == 0) src = sources[k];
  }
  vt_ehr *r = vt_xcalloc(1, sizeof *r);
  r->src = src;
  r->kind = vt_xstrdup(src->kind);
  r->path = vt_xstrdup(path);
  r->csv = src == &vt_source_omop_csv || src == &vt_source_synthea_csv || src == &vt_source_events;
  if (opt) r->opt = *opt;
  int rc = src->open(r, r->path, err, errlen);
  if (rc != VT_EHR_OK) {
    vt_ehr_close(r);
    return rc == VT_EHR_EUSAGE ? VT_EHR_EUSAGE : VT_EHR_EREAD;
  }
  *out = r;
  return VT_EHR_OK;
}

int vt_ehr_next(vt_ehr *r, const vt_person **p, char *err, size_t errlen) {
  r->begun = 0;
  int rc = r->src->next(r, err, errlen);
  if (rc <= 0) return rc < 0 ? -1 : 0;
  if (!r->begun) { snprintf(err, errlen, "%s: internal error: a person without a beginning", r->path); return -1; }
  finish_person(r);
  *p = &r->person;
  return 1;
}

int vt_ehr_find(vt_ehr *r, const char *id, const vt_person **p, char *err, size_t errlen) {
  r->begun = 0;
  memset(&r->q, 0, sizeof r->q);
  int rc = r->src->find(r, id, err, errlen);
  if (rc <= 0) return rc < 0 ? -1 : 0;
  if (!r->begun) { snprintf(err, errlen, "%s: internal error: a person without a beginning", r->path); return -1; }
  finish_person(r);
  *p = &r->person;
  return 1;
}

int vt_ehr_ancestry(vt_ehr *r, struct vt_codematch *m, char *err, size_t errlen) {
  return r->src->ancestry ? r->src->ancestry(r, m, err, errlen) : 0;
}

const char *vt_ehr_kind(const vt_ehr *r) { return r->kind; }
const char *vt_ehr_path(const vt_ehr *r) { return r->path; }
const vt_quality *vt_ehr_quality(const vt_ehr *r) { return &r->q; }

size_t vt_ehr_notes(const vt_ehr *r, const char *const **lines) {
  *lines = (const char *const *)r->notes;
  return r->nnotes;
}

void vt_ehr_report(const vt_ehr *r, FILE *f) {
  for (int i = 0; i < VT_ISSUE__COUNT; i++) {
    if (!r->q.count[i]) continue;
    fprintf(f, "  %lld %s (%s)\n", (long long)r->q.count[i], vt_issue_text((vt_issue)i),
            vt_issue_drops((vt_issue)i) ? "dropped" : "kept");
    for (int k = 0; k < r->q.nexamples[i]; k++)
      fprintf(f, "      %s: %s\n", r->q.examples[i][k].where, r->q.examples[i][k].what);
  }
}

void vt_ehr_close(vt_ehr *r) {
  if (!r) return;
  if (r->src && r->src->close) r->src->close(r);
  for (size_t k = 0; k < r->nnotes; k++) free(r->notes[k]);
  free(r->notes);
  free(r->kind);
  free(r->path);
  free(r->pool);
  free(r->periods);
  free(r->raw);
  free(r->events);
  free(r);
}
