/*
** src_omop.c -- the omop: and omop-csv: sources of the EHR reader (ehr.h):
** OMOP CDM 5.3 / 5.4 in a SQLite file, or a folder of OMOP CSV files
** staged into a temporary SQLite database (learn/stage.h) and read by the
** same code.  One cursor per table ordered by person_id (person,
** observation_period, death and each event table, the concept table joined
** in the query: learn/omop_sql.c), merged person by person, so memory is
** that of one person and a full read is one pass over each table.
** docs/ehr.md ("omop: and omop-csv:") says what is read from where.
*/
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/omop_sql.h"
#include "learn/source.h"
#include "learn/codematch.h"
#include "learn/sqlite_ro.h"
#include "learn/stage.h"
#include "sim/vtime.h"

/* A person id as SQLite sorts it: class (0 NULL, 1 number, 2 text, 3
** blob), then the number or the bytes. */
typedef struct key {
  int cls, isint;
  sqlite3_int64 i;
  double d;
  char *s;
  size_t n, cap;
} key;

enum { C_PERIOD, C_DEATH, C_EVENT };

/* One table's cursor; row is 1 while st is on a row. */
typedef struct cursor {
  sqlite3_stmt *st;
  int row;
  int kind;
  const vt_omop_table *t;        /* C_EVENT: the table read */
  const char *table;             /* the table's name */
  const char *file;              /* the CSV file it was staged from, or NULL */
} cursor;

enum { F_PERSON = VT_OMOP_NTABLES, F_PERIOD, F_DEATH, F__COUNT };

typedef struct omop {
  sqlite3 *db;                   /* the database (owned unless staged) */
  vt_stage *stage;               /* omop-csv: the staged folder */
  vt_omop_q q;
  char *files[F__COUNT];         /* omop-csv: the file of each table */
  int use[VT_OMOP_NTABLES];      /* the event tables read */
  int has_period, has_death;
  int scanning;                  /* the scan cursors are open */
  cursor person;
  cursor cur[2 + VT_OMOP_NTABLES];
  int ncur;
  key pk, prev, rk;
  int have_prev;
  vt_sbuf sql;
} omop;

static const char *const table_names[F__COUNT] = {
  [F_PERSON] = "person", [F_PERIOD] = "observation_period", [F_DEATH] = "death",
};

static const char *name_of(int f) { return f < VT_OMOP_NTABLES ? vt_omop_tables[f].table : table_names[f]; }

/* ---- keys ------------------------------------------------------------------ */

static void key_load(key *k, sqlite3_stmt *st, int col) {
  int type = sqlite3_column_type(st, col);
  k->isint = 0;
  if (type == SQLITE_NULL) { k->cls = 0; return; }
  if (type == SQLITE_INTEGER) { k->cls = 1; k->isint = 1; k->i = sqlite3_column_int64(st, col); return; }
  if (type == SQLITE_FLOAT) { k->cls = 1; k->d = sqlite3_column_double(st, col); return; }
  k->cls = type == SQLITE_TEXT ? 2 : 3;
  const void *p = type == SQLITE_TEXT ? (const void *)sqlite3_column_text(st, col) : sqlite3_column_blob(st, col);
  size_t n = (size_t)sqlite3_column_bytes(st, col);
  if (n + 1 > k->cap) {
    k->cap = n + 64;
    k->s = vt_xrealloc(k->s, k->cap);
  }
  if (n) memcpy(k->s, p, n);
  k->s[n] = 0;
  k->n = n;
}

/* <0, 0, >0 as a sorts before, with, after b in SQLite's ORDER BY. */
static int key_cmp(const key *a, const key *b) {
  if (a->cls != b->cls) return a->cls - b->cls;
  if (a->cls == 0) return 0;
  if (a->cls == 1) {
    if (a->isint && b->isint) return (a->i > b->i) - (a->i < b->i);
    double x = a->isint ? (double)a->i : a->d, y = b->isint ? (double)b->i : b->d;
    return (x > y) - (x < y);
  }
  size_t n = a->n < b->n ? a->n : b->n;
  int c = n ? memcmp(a->s, b->s, n) : 0;
  return c ? c : (a->n > b->n) - (a->n < b->n);
}

static void key_swap(key *a, key *b) {
  key t = *a;
  *a = *b;
  *b = t;
}

/* ---- rows -------------------------------------------------------------------- */

/* The text of a column, NULL when NULL or empty. */
static const char *txt(sqlite3_stmt *st, int col) {
  const char *s = (const char *)sqlite3_column_text(st, col);
  return s && *s ? s : NULL;
}

static int step(const omop *o, cursor *c, char *err, size_t errlen) {
  int rc = sqlite3_step(c->st);
  if (rc == SQLITE_ROW) { c->row = 1; return 0; }
  c->row = 0;
  if (rc == SQLITE_DONE) return 0;
  snprintf(err, errlen, "%s: table %s: %s", c->file ? c->file : o->q.file, c->table, sqlite3_errmsg(o->db));
  return -1;
}

/* Count the cursor's current row under why, its place named: "FILE: table
** T, row N" (SQLite) or "FILE:LINE" (CSV). */
static void row_issue(vt_ehr *r, const cursor *c, vt_issue why, const char *column, const char *fmt, ...)
    VT_PRINTF(5, 6);
static void row_issue(vt_ehr *r, const cursor *c, vt_issue why, const char *column, const char *fmt, ...) {
  char what[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  int64_t row = sqlite3_column_int64(c->st, 1);
  if (c->file) vt_ehr_issue(r, why, c->file, NULL, 0, (long)row, column, "%s", what);
  else vt_ehr_issue(r, why, NULL, c->table, row, 0, column, "%s", what);
}

static void unknown_row(vt_ehr *r, const cursor *c, const char *why) {
  const char *id = (const char *)sqlite3_column_text(c->st, 0);
  row_issue(r, c, VT_ISSUE_UNKNOWN_PERSON, "person_id", "person_id '%s'%s", id ? id : "", why);
}

/* A date from a date column, or its datetime column when empty: 0 and
** *d; 1 when both are empty; -1 when it cannot be read (*bad = the text). */
static int row_date(sqlite3_stmt *st, int col, int col_dt, vt_day *d, const char **bad) {
  const char *s = txt(st, col);
  if (!s && col_dt >= 0) s = txt(st, col_dt);
  *bad = s;
  if (!s) return 1;
  return vt_day_parse(s, d) == 0 ? 0 : -1;
}

/* ---- events -------------------------------------------------------------------- */

/* The code of an event row: the standard concept's vocabulary and code when
** the concept table has it; else the source concept's; else the source
** value with an unknown system ("").  0, or -1 when there is none. */
static int event_code(sqlite3_stmt *st, vt_event *ev) {
  const char *vocab = txt(st, EV_VOCAB), *code = txt(st, EV_CODE);
  const char *svocab = txt(st, EV_SRC_VOCAB), *scode = txt(st, EV_SRC_CODE), *sval = txt(st, EV_SRC_VALUE);
  ev->concept_id = sqlite3_column_int64(st, EV_CONCEPT);
  ev->source_concept_id = sqlite3_column_int64(st, EV_SRC_CONCEPT);
  if (!ev->concept_id) vocab = code = NULL;
  if (!ev->source_concept_id) svocab = scode = NULL;
  if (vocab && code) {
    ev->system = vocab;
    ev->code = code;
    ev->description = txt(st, EV_NAME);
    if (svocab && scode && (strcmp(svocab, vocab) != 0 || strcmp(scode, code) != 0)) {
      ev->source_system = svocab;
      ev->source_code = scode;
    } else if (!(svocab && scode) && sval && strcmp(sval, code) != 0) {
      ev->source_code = sval;
    }
    return 0;
  }
  if (svocab && scode) {
    ev->system = svocab;
    ev->code = scode;
    ev->description = txt(st, EV_SRC_NAME);
    if (sval && strcmp(sval, scode) != 0) ev->source_code = sval;
    return 0;
  }
  if (sval) {
    ev->system = "";
    ev->code = sval;
    return 0;
  }
  return -1;
}

/* The numeric value of an event row: 1 with *v, 0 when none, -1 when the
** text is not a number. */
static int event_value(sqlite3_stmt *st, double *v) {
  int type = sqlite3_column_type(st, EV_VALUE);
  if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
    *v = sqlite3_column_double(st, EV_VALUE);
    return 1;
  }
  const char *s = txt(st, EV_VALUE);
  if (!s) return 0;
  while (*s == ' ') s++;
  if (!*s) return 0;
  char *end;
  *v = strtod(s, &end);
  while (*end == ' ') end++;
  return *end || !isfinite(*v) ? -1 : 1;
}

/* Read the cursor's row as an event of the person begun, or count why not. */
static void add_event(vt_ehr *r, const cursor *c) {
  const vt_omop_table *t = c->t;
  sqlite3_stmt *st = c->st;
  vt_event ev;
  memset(&ev, 0, sizeof ev);
  const char *bad;
  int rc = row_date(st, EV_START, EV_START_DT, &ev.start, &bad);
  if (rc) {
    if (rc > 0) row_issue(r, c, VT_ISSUE_BAD_DATE, t->start, "no start date");
    else row_issue(r, c, VT_ISSUE_BAD_DATE, t->start, "'%s'", bad);
    return;
  }
  if (event_code(st, &ev) < 0) {
    long long cid = sqlite3_column_int64(st, EV_CONCEPT);
    if (cid) row_issue(r, c, VT_ISSUE_NO_CODE, t->concept, "concept %lld is not in the concept table%s", cid,
                       t->source_value ? " and no source value" : "");
    else row_issue(r, c, VT_ISSUE_NO_CODE, t->concept, "no concept%s", t->source_value ? " and no source value" : "");
    return;
  }
  ev.end = VT_NO_DAY;
  if (t->end && (rc = row_date(st, EV_END, -1, &ev.end, &bad)) != 0) {
    ev.end = VT_NO_DAY;
    if (rc < 0) row_issue(r, c, VT_ISSUE_BAD_END_DATE, t->end, "'%s'", bad);
  }
  ev.domain = t->domain;
  if (ev.domain == VT_DOMAIN_DRUG && strcmp(ev.system, "CVX") == 0) ev.domain = VT_DOMAIN_IMMUNIZATION;
  if (t->value) {
    rc = event_value(st, &ev.value);
    if (rc > 0) ev.has_value = 1;
    else if (rc < 0) row_issue(r, c, VT_ISSUE_BAD_VALUE, t->value, "'%s'", txt(st, EV_VALUE));
    ev.unit = txt(st, EV_UNIT_CODE);
    if (!ev.unit) ev.unit = txt(st, EV_UNIT_SOURCE);
  }
  if (t->era) ev.flags = VT_EVENT_FROM_ERA;
  ev.table = c->file ? c->file : t->table;   /* omop-csv: the file, the row its line */
  ev.row = sqlite3_column_int64(st, 1);
  ev.date_column = t->start;
  vt_ehr_add_event(r, &ev);
}

/* ---- one person ------------------------------------------------------------------ */

/* Step c past the rows of persons before pk (each counted as of an
** unknown person): 0, or -1 with err. */
static int skip_before(vt_ehr *r, omop *o, cursor *c, const key *pk, char *err, size_t errlen) {
  while (c->row) {
    key_load(&o->rk, c->st, 0);
    if (key_cmp(&o->rk, pk) >= 0) return 0;
    unknown_row(r, c, "");
    if (step(o, c, err, errlen) < 0) return -1;
  }
  return 0;
}

/* 1 if c is on a row of person pk (any row when pk is NULL: a find). */
static int on_person(omop *o, cursor *c, const key *pk) {
  if (!c->row) return 0;
  if (!pk) return 1;
  key_load(&o->rk, c->st, 0);
  return key_cmp(&o->rk, pk) == 0;
}

/* Count every row of person pk in every cursor as of an unknown person
** (the person row was dropped): 0, or -1 with err. */
static int drop_rows(vt_ehr *r, omop *o, const key *pk, const char *why, char *err, size_t errlen) {
  for (int k = 0; k < o->ncur; k++) {
    cursor *c = &o->cur[k];
    if (pk && skip_before(r, o, c, pk, err, errlen) < 0) return -1;
    while (on_person(o, c, pk)) {
      unknown_row(r, c, why);
      if (step(o, c, err, errlen) < 0) return -1;
    }
  }
  return 0;
}

/* The birth date of the person row: 0, or -1 with *why set.  Missing
** month: July 1; missing day: the 15th (the middles, documented in
** docs/ehr.md). */
static int person_birth(sqlite3_stmt *st, vt_day *birth, char *why, size_t whylen) {
  const char *dt = txt(st, P_BIRTH_DT);
  if (dt && vt_day_parse(dt, birth) == 0) return 0;
  if (!txt(st, P_YEAR)) { snprintf(why, whylen, "no year_of_birth"); return -1; }
  int y = sqlite3_column_int(st, P_YEAR);
  int m = txt(st, P_MONTH) ? sqlite3_column_int(st, P_MONTH) : 7;
  int d = txt(st, P_DAY) ? sqlite3_column_int(st, P_DAY) : txt(st, P_MONTH) ? 15 : 1;
  if (y < VT_YEAR_MIN || y > VT_YEAR_MAX || m < 1 || m > 12 || d < 1 || d > vt_days_in_month(y, m)) {
    snprintf(why, whylen, "birth %s-%s-%s cannot be read", txt(st, P_YEAR), txt(st, P_MONTH) ? txt(st, P_MONTH) : "",
             txt(st, P_DAY) ? txt(st, P_DAY) : "");
    return -1;
  }
  *birth = (vt_day)vt_days_from_civil(y, m, d);
  return 0;
}

/* The cursor of a kind among o->cur, or NULL. */
static cursor *cursor_of(omop *o, int kind) {
  for (int k = 0; k < o->ncur; k++)
    if (o->cur[k].kind == kind) return &o->cur[k];
  return NULL;
}

/* The death date of the person: the earliest readable death row, else
** person.death_datetime; VT_NO_DAY if none.  0, or -1 with err. */
static int person_death(vt_ehr *r, omop *o, const key *pk, vt_day *death, char *err, size_t errlen) {
  *death = VT_NO_DAY;
  cursor *c = cursor_of(o, C_DEATH);
  if (c) {
    if (pk && skip_before(r, o, c, pk, err, errlen) < 0) return -1;
    while (on_person(o, c, pk)) {
      vt_day d;
      const char *bad;
      int rc = row_date(c->st, R_A, R_B, &d, &bad);
      if (rc == 0 && (*death == VT_NO_DAY || d < *death)) *death = d;
      else if (rc) row_issue(r, c, VT_ISSUE_BAD_DEATH_DATE, "death_date", "'%s'", bad ? bad : "");
      if (step(o, c, err, errlen) < 0) return -1;
    }
  }
  const char *dt = txt(o->person.st, P_DEATH_DT);
  if (*death == VT_NO_DAY && dt && vt_day_parse(dt, death) != 0) {
    *death = VT_NO_DAY;
    row_issue(r, &o->person, VT_ISSUE_BAD_DEATH_DATE, "death_datetime", "'%s'", dt);
  }
  return 0;
}

/* Begin the person of the person cursor's row (its id pk, or NULL in a
** find) and add its periods and events: 1, 0 when the person row is
** dropped (counted, its rows too), -1 with err. */
static int build_person(vt_ehr *r, omop *o, const key *pk, char *err, size_t errlen) {
  sqlite3_stmt *st = o->person.st;
  const char *id = txt(st, P_PERSON);
  char why[160];
  vt_day birth, death;
  if (!id) {
    row_issue(r, &o->person, VT_ISSUE_BAD_PERSON, "person_id", "no person_id");
    return 0;
  }
  if (pk && o->have_prev && key_cmp(&o->prev, pk) == 0) {
    row_issue(r, &o->person, VT_ISSUE_BAD_PERSON, "person_id", "person_id '%s' again", id);
    return 0;
  }
  if (person_birth(st, &birth, why, sizeof why) < 0) {
    row_issue(r, &o->person, VT_ISSUE_BAD_PERSON, "year_of_birth", "person %s: %s", id, why);
    return drop_rows(r, o, pk, " (its person row was dropped)", err, errlen) < 0 ? -1 : 0;
  }
  if (person_death(r, o, pk, &death, err, errlen) < 0) return -1;
  char sex = 'U';
  long long g = sqlite3_column_int64(st, P_GENDER);
  if (g == 8532) sex = 'F';
  else if (g == 8507) sex = 'M';
  else sex = vt_ehr_sex(txt(st, P_GENDER_SRC));
  const char *race = txt(st, P_RACE_NAME), *eth = txt(st, P_ETH_NAME);
  if (!race) race = txt(st, P_RACE_SRC);
  if (!eth) eth = txt(st, P_ETH_SRC);
  vt_ehr_begin(r, id, sex, birth, death, race, eth, o->person.file ? o->person.file : "person",
               sqlite3_column_int64(st, P_ROW));
  for (int k = 0; k < o->ncur; k++) {
    cursor *c = &o->cur[k];
    if (c->kind == C_DEATH) continue;
    if (pk && skip_before(r, o, c, pk, err, errlen) < 0) return -1;
    while (on_person(o, c, pk)) {
      if (c->kind == C_EVENT) {
        add_event(r, c);
      } else {
        vt_day a, b;
        const char *bad;
        int ra = row_date(c->st, R_A, -1, &a, &bad);
        if (ra) row_issue(r, c, VT_ISSUE_BAD_PERIOD, "observation_period_start_date", "'%s'", bad ? bad : "");
        int rb = ra ? 0 : row_date(c->st, R_B, -1, &b, &bad);
        if (rb) row_issue(r, c, VT_ISSUE_BAD_PERIOD, "observation_period_end_date", "'%s'", bad ? bad : "");
        else if (!ra && b < a) row_issue(r, c, VT_ISSUE_BAD_PERIOD, "observation_period_end_date", "ends before it starts");
        else if (!ra) vt_ehr_add_period(r, a, b);
      }
      if (step(o, c, err, errlen) < 0) return -1;
    }
  }
  return 1;
}

/* ---- the cursors ------------------------------------------------------------------ */

static void cursors_close(omop *o) {
  sqlite3_finalize(o->person.st);
  o->person.st = NULL;
  o->person.row = 0;
  for (int k = 0; k < o->ncur; k++) sqlite3_finalize(o->cur[k].st);
  o->ncur = 0;
  o->scanning = 0;
}

/* Prepare o->sql into c and, for a find, bind id: 0, or -1 with err. */
static int prepare(omop *o, cursor *c, int f, int kind, const char *id, char *err, size_t errlen) {
  memset(c, 0, sizeof *c);
  c->kind = kind;
  c->t = f < VT_OMOP_NTABLES ? &vt_omop_tables[f] : NULL;
  c->table = name_of(f);
  c->file = o->files[f];
  if (sqlite3_prepare_v2(o->db, o->sql.p, -1, &c->st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s: table %s: %s", c->file ? c->file : o->q.file, c->table, sqlite3_errmsg(o->db));
    return -1;
  }
  if (id) sqlite3_bind_text(c->st, 1, id, -1, SQLITE_TRANSIENT);
  return step(o, c, err, errlen);
}

/* Open a cursor per table: every row ordered by person, or (id) the rows
** of one person.  0, or -1 with err. */
static int cursors_open(omop *o, const char *id, char *err, size_t errlen) {
  cursors_close(o);
  int by = id != NULL;
  if (vt_omop_person_sql(&o->q, by, &o->sql, err, errlen) < 0 ||
      prepare(o, &o->person, F_PERSON, -1, id, err, errlen) < 0)
    return -1;
  if (o->has_death && (vt_omop_death_sql(&o->q, by, &o->sql, err, errlen) < 0 ||
                       prepare(o, &o->cur[o->ncur++], F_DEATH, C_DEATH, id, err, errlen) < 0))
    return -1;
  if (o->has_period && (vt_omop_period_sql(&o->q, by, &o->sql, err, errlen) < 0 ||
                        prepare(o, &o->cur[o->ncur++], F_PERIOD, C_PERIOD, id, err, errlen) < 0))
    return -1;
  for (int k = 0; k < VT_OMOP_NTABLES; k++) {
    if (!o->use[k]) continue;
    if (vt_omop_event_sql(&o->q, &vt_omop_tables[k], by, &o->sql, err, errlen) < 0 ||
        prepare(o, &o->cur[o->ncur++], k, C_EVENT, id, err, errlen) < 0)
      return -1;
  }
  o->scanning = !by;
  return 0;
}

/* ---- the source operations ------------------------------------------------------------ */

static int omop_next(vt_ehr *r, char *err, size_t errlen) {
  omop *o = vt_ehr_state(r);
  if (!o->scanning && cursors_open(o, NULL, err, errlen) < 0) return -1;
  while (o->person.row) {
    key_load(&o->pk, o->person.st, 0);
    int rc = build_person(r, o, &o->pk, err, errlen);
    if (rc < 0) return -1;
    if (rc > 0 || o->pk.cls) {
      key_swap(&o->prev, &o->pk);
      o->have_prev = 1;
    }
    if (step(o, &o->person, err, errlen) < 0) return -1;
    if (rc > 0) return 1;
  }
  /* the rows after the last person's */
  for (int k = 0; k < o->ncur; k++) {
    cursor *c = &o->cur[k];
    while (c->row) {
      unknown_row(r, c, "");
      if (step(o, c, err, errlen) < 0) return -1;
    }
  }
  return 0;
}

static int omop_find(vt_ehr *r, const char *id, char *err, size_t errlen) {
  omop *o = vt_ehr_state(r);
  if (cursors_open(o, id, err, errlen) < 0) return -1;
  int rc = o->person.row ? build_person(r, o, NULL, err, errlen) : 0;
  cursors_close(o);
  return rc;
}

static void omop_close(vt_ehr *r) {
  omop *o = vt_ehr_state(r);
  if (!o) return;
  cursors_close(o);
  if (o->stage) vt_stage_close(o->stage);
  else sqlite3_close(o->db);
  for (int f = 0; f < F__COUNT; f++) free(o->files[f]);
  free(o->pk.s);
  free(o->prev.s);
  free(o->rk.s);
  free(o->sql.p);
  free(o);
  vt_ehr_set_state(r, NULL);
}

/* Choose the tables to read and say what was found (version, concept
** table, era tables read in place of occurrence tables): VT_EHR_OK, or
** VT_EHR_EREAD with err. */
static int survey(vt_ehr *r, omop *o, int csv_v54, char *err, size_t errlen) {
  sqlite3 *db = o->db;
  char version[64], how[160];
  int has[VT_OMOP_NTABLES], rows[VT_OMOP_NTABLES];
  int person = vt_omop_has_table(db, "person");
  if (person < 0) goto fail;
  if (!person) { snprintf(err, errlen, "%s: no person table: not an OMOP CDM database", o->q.file); return VT_EHR_EREAD; }
  if (vt_omop_version(db, version, sizeof version, how, sizeof how) < 0) goto fail;
  /* staged tables have every column the reader takes: the files' headers tell */
  if (csv_v54 >= 0 && strncmp(how, "by its", 6) == 0) {
    snprintf(version, sizeof version, "%s", csv_v54 ? "5.4" : "5.3");
    snprintf(how, sizeof how, "by its columns: %s", csv_v54 ? "procedure_end_date" : "none of 5.4's new columns");
  }
  vt_ehr_note(r, "OMOP CDM %s (%s)", version, how);
  int concept = vt_omop_has_table(db, "concept");
  if (concept < 0 || (concept && (concept = vt_omop_has_rows(db, "concept")) < 0)) goto fail;
  o->q.concept = concept;
  if (!concept)
    vt_ehr_note(r, "no concept table (or an empty one): codes are the source concepts' or the *_source_value columns,"
                   " with an empty system");
  if ((o->has_period = vt_omop_has_table(db, "observation_period")) < 0 || (o->has_death = vt_omop_has_table(db, "death")) < 0)
    goto fail;
  for (int k = 0; k < VT_OMOP_NTABLES; k++) {
    rows[k] = 0;
    if ((has[k] = vt_omop_has_table(db, vt_omop_tables[k].table)) < 0) goto fail;
    if (has[k] && (rows[k] = vt_omop_has_rows(db, vt_omop_tables[k].table)) < 0) goto fail;
    o->use[k] = has[k] && !vt_omop_tables[k].era;
  }
  for (int k = 0; k < VT_OMOP_NTABLES; k++) {
    const vt_omop_table *e = &vt_omop_tables[k];
    if (!e->era || !rows[k]) continue;
    for (int j = 0; j < VT_OMOP_NTABLES; j++) {
      const vt_omop_table *t = &vt_omop_tables[j];
      if (t->era || t->domain != e->domain || rows[j]) continue;
      o->use[k] = 1;
      vt_ehr_note(r, "%s is %s: %ss are read from %s (start and end of each era)", t->table,
                  has[j] ? "empty" : "missing", vt_domain_name(t->domain), e->table);
    }
  }
  return VT_EHR_OK;
fail:
  snprintf(err, errlen, "%s: %s", o->q.file, sqlite3_errmsg(db));
  return VT_EHR_EREAD;
}

static int omop_open(vt_ehr *r, const char *path, char *err, size_t errlen) {
  omop *o = vt_xcalloc(1, sizeof *o);
  vt_ehr_set_state(r, o);
  o->q.file = vt_ehr_path(r);
  if (vt_sqlite_open_ro(path, &o->db, err, errlen) < 0) return VT_EHR_EREAD;
  o->q.db = o->db;
  return survey(r, o, -1, err, errlen);
}

/* ---- omop-csv: staging the folder ------------------------------------------------ */

/* Stage the file of table f (name.csv in any case) with the columns the
** reader takes: required are the person id and the columns without which
** a row means nothing.  0 (also when the file is absent and not required),
** or -1 with err.  *present gets the mask of the file's columns. */
static int stage_one(omop *o, const char *dir, int f, int required_file, uint64_t *present, char *err, size_t errlen) {
  const char *cols[16];
  int n = 0;
  uint64_t req = VT_STAGE_COL(0);
  cols[n++] = "person_id";
  if (f < VT_OMOP_NTABLES) {
    const vt_omop_table *t = &vt_omop_tables[f];
    const char *all[] = { t->start, t->start_dt, t->end, t->concept, t->source_value, t->source_concept,
                          t->value, t->unit_concept, t->unit_source };
    req |= VT_STAGE_COL(1);
    for (size_t k = 0; k < sizeof all / sizeof *all; k++)
      if (all[k]) {
        if (t->era && all[k] == t->concept) req |= VT_STAGE_COL(n);
        cols[n++] = all[k];
      }
  } else if (f == F_PERSON) {
    static const char *const p[] = { "year_of_birth", "gender_concept_id", "gender_source_value", "birth_datetime",
                                     "month_of_birth", "day_of_birth", "race_concept_id", "race_source_value",
                                     "ethnicity_concept_id", "ethnicity_source_value", "death_datetime" };
    req |= VT_STAGE_COL(1);
    for (size_t k = 0; k < sizeof p / sizeof *p; k++) cols[n++] = p[k];
  } else if (f == F_PERIOD) {
    cols[n++] = "observation_period_start_date";
    cols[n++] = "observation_period_end_date";
    req |= VT_STAGE_COL(1) | VT_STAGE_COL(2);
  } else {
    cols[n++] = "death_date";
    cols[n++] = "death_datetime";
    req |= VT_STAGE_COL(1);
  }
  char file[4096], name[64];
  snprintf(name, sizeof name, "%s.csv", name_of(f));
  int found = vt_stage_find_file(dir, name, file, sizeof file, err, errlen);
  if (found < 0) return -1;
  if (!found) {
    if (!required_file) return 0;
    char up[64];
    size_t k = 0;
    for (; name[k] && k + 5 < sizeof up && name[k] != '.'; k++) up[k] = (char)toupper((unsigned char)name[k]);
    snprintf(up + k, sizeof up - k, ".csv");
    snprintf(err, errlen, "%s: no %s (an OMOP CSV folder needs one; the name in any case)", dir, up);
    return -1;
  }
  if (vt_stage_table(o->stage, file, name_of(f), cols, n, req, present, NULL, err, errlen) < 0) return -1;
  o->files[f] = vt_xstrdup(file);
  return 0;
}

/* Stage a small table the reader only looks into (concept, cdm_source):
** 0 (also when absent), or -1 with err. */
static int stage_aux(omop *o, const char *dir, const char *table, const char *const *cols, int n, uint64_t req,
                     char *err, size_t errlen) {
  char file[4096], name[64];
  snprintf(name, sizeof name, "%s.csv", table);
  int found = vt_stage_find_file(dir, name, file, sizeof file, err, errlen);
  if (found <= 0) return found;
  return vt_stage_table(o->stage, file, table, cols, n, req, NULL, NULL, err, errlen);
}

static int omop_csv_open(vt_ehr *r, const char *dir, char *err, size_t errlen) {
  omop *o = vt_xcalloc(1, sizeof *o);
  vt_ehr_set_state(r, o);
  o->q.file = vt_ehr_path(r);
  o->q.csv = 1;
  if (vt_stage_open(&o->stage, err, errlen) < 0) return VT_EHR_EREAD;
  o->db = o->q.db = vt_stage_db(o->stage);
  static const char *const concept_cols[] = { "concept_id", "vocabulary_id", "concept_code", "concept_name" };
  static const char *const source_cols[] = { "cdm_version" };
  uint64_t present = 0;
  int v54 = 0;
  if (stage_one(o, dir, F_PERSON, 1, NULL, err, errlen) < 0 || stage_one(o, dir, F_PERIOD, 0, NULL, err, errlen) < 0 ||
      stage_one(o, dir, F_DEATH, 0, NULL, err, errlen) < 0)
    return VT_EHR_EREAD;
  for (int k = 0; k < VT_OMOP_NTABLES; k++) {
    if (stage_one(o, dir, k, 0, &present, err, errlen) < 0) return VT_EHR_EREAD;
    /* procedure_end_date is new in 5.4 */
    if (vt_omop_tables[k].domain == VT_DOMAIN_PROCEDURE && o->files[k] && (present & VT_STAGE_COL(3))) v54 = 1;
  }
  if (stage_aux(o, dir, "concept", concept_cols, 4, VT_STAGE_COL(0) | VT_STAGE_COL(1) | VT_STAGE_COL(2), err,
                errlen) < 0 ||
      stage_aux(o, dir, "cdm_source", source_cols, 1, 0, err, errlen) < 0)
    return VT_EHR_EREAD;
  int concept = vt_omop_has_table(o->db, "concept");
  if (concept > 0 && vt_stage_index(o->stage, "concept", "concept_id", err, errlen) < 0) return VT_EHR_EREAD;
  if (vt_stage_index(o->stage, "person", "person_id", err, errlen) < 0) return VT_EHR_EREAD;
  return survey(r, o, v54, err, errlen);
}

/* ---- concept ancestry ---------------------------------------------------------- */

/* omop: one pass over concept (codematch keeps the module codes' concepts
** only) and one over concept_ancestor (it keeps the rows whose ancestor is
** one of those): memory stays that of the module codes.  1, 0 without a
** concept_ancestor table, -1 with err. */
static int omop_ancestry(vt_ehr *r, vt_codematch *m, char *err, size_t errlen) {
  omop *o = vt_ehr_state(r);
  int has = vt_omop_has_table(o->db, "concept_ancestor");
  if (has < 0) goto fail;
  if (!o->q.concept || !has) return 0;
  static const char *const sql[2] = {
    "SELECT concept_id, vocabulary_id, concept_code FROM concept",
    "SELECT ancestor_concept_id, descendant_concept_id FROM concept_ancestor",
  };
  for (int pass = 0; pass < 2; pass++) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(o->db, sql[pass], -1, &st, NULL) != SQLITE_OK) goto fail;
    int rc, bad = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && !bad) {
      int64_t a = sqlite3_column_int64(st, 0);
      bad = pass == 0 ? vt_codematch_add_concept(m, a, txt(st, 1), txt(st, 2))
                      : vt_codematch_add_ancestry(m, a, sqlite3_column_int64(st, 1));
    }
    sqlite3_finalize(st);
    if (bad) { snprintf(err, errlen, "%s: out of memory reading the concept ancestry", o->q.file); return -1; }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) goto fail;
  }
  return 1;
fail:
  snprintf(err, errlen, "%s: reading the concept ancestry: %s", o->q.file, sqlite3_errmsg(o->db));
  return -1;
}

/* omop-csv: the folder's CONCEPT.csv and CONCEPT_ANCESTOR.csv (any case),
** read through learn/codematch.c.  1, 0 without them, -1 with err. */
static int omop_csv_ancestry(vt_ehr *r, vt_codematch *m, char *err, size_t errlen) {
  char concept[4096], ancestor[4096];
  int c = vt_stage_find_file(vt_ehr_path(r), "concept.csv", concept, sizeof concept, err, errlen);
  if (c <= 0) return c;
  int a = vt_stage_find_file(vt_ehr_path(r), "concept_ancestor.csv", ancestor, sizeof ancestor, err, errlen);
  if (a <= 0) return a;
  return vt_codematch_load_files(m, concept, ancestor, err, errlen) < 0 ? -1 : 1;
}

const vt_ehr_source vt_source_omop = { "omop", omop_open, omop_next, omop_find, omop_close, omop_ancestry };
const vt_ehr_source vt_source_omop_csv = { "omop-csv", omop_csv_open, omop_next, omop_find, omop_close,
                                           omop_csv_ancestry };
