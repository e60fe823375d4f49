/*
** src_native.c -- the EHR reader's source for vitae's native format
** (`vitae:FILE.db`, schemas/native.sql): patients, their observation_periods
** and the clinical tables, each read as the OMOP writer (out/omop.c) writes
** it, so that the native and OMOP views of one cohort agree (docs/ehr.md,
** "vitae:", has the table of what each table becomes).
**
** The database is opened read-only (learn/sqlite_ro.h: nothing is ever
** written beside it).
** The full scan runs one cursor per table ordered by patient (the tables
** have an index on patient) and merges them person by person with the
** patients cursor (ordered by id): memory is that of the largest person.
** vt_ehr_find reads one person with a WHERE patient = ? query per table.
*/
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "learn/source.h"
#include "learn/sqlite_ro.h"
#include "learn/vocab.h"

/* The columns every event query selects, in this order. */
enum { C_ROWID, C_PATIENT, C_START, C_STOP, C_SYSTEM, C_CODE, C_DESC, C_VALUE, C_UNITS, C_TYPE, C_CATEGORY, C__COUNT };

/* How a clinical table is read: its columns for the slots above (NULL: the
** table has none, NULL is selected), which of them must exist, its domain
** and the code system of a table without a system column. */
typedef struct tspec {
  const char *name;
  vt_domain domain;               /* observations: decided per row */
  const char *system;             /* default system, an OMOP vocabulary id */
  const char *cols[C__COUNT];
  unsigned required;              /* bits (1 << C_*) of the columns that must exist */
  int study;                      /* imaging_studies: one event per study */
} tspec;

#define REQ(c) (1u << (c))
#define REQ_EVENT (REQ(C_PATIENT) | REQ(C_START) | REQ(C_CODE))

/* What each table becomes (docs/ehr.md): as out/omop.c writes it without a
** vocabulary.  Care plans, which OMOP does not write, are observations. */
/* The columns of an event table: rowid, patient, then those given, "code"
** and "description" (C_* order). */
#define COLS(start, stop, system) { "rowid", "patient", start, stop, system, "code", "description", NULL, NULL, NULL, NULL }
static const tspec specs[] = {
  { "encounters", VT_DOMAIN_VISIT, "SNOMED", COLS("start", "stop", NULL), REQ_EVENT, 0 },
  { "conditions", VT_DOMAIN_CONDITION, "SNOMED", COLS("start", "stop", "system"), REQ_EVENT, 0 },
  { "medications", VT_DOMAIN_DRUG, "RxNorm", COLS("start", "stop", NULL), REQ_EVENT, 0 },
  { "observations", VT_DOMAIN_OBSERVATION, "LOINC",
    { "rowid", "patient", "date", NULL, NULL, "code", "description", "value", "units", "type", "category" },
    REQ_EVENT, 0 },
  { "procedures", VT_DOMAIN_PROCEDURE, "SNOMED", COLS("start", "stop", "system"), REQ_EVENT, 0 },
  { "immunizations", VT_DOMAIN_IMMUNIZATION, "CVX", COLS("date", NULL, NULL), REQ_EVENT, 0 },
  { "careplans", VT_DOMAIN_OBSERVATION, "SNOMED", COLS("start", "stop", NULL), REQ_EVENT, 0 },
  { "allergies", VT_DOMAIN_OBSERVATION, "SNOMED", COLS("start", "stop", "system"), REQ_EVENT, 0 },
  { "devices", VT_DOMAIN_DEVICE, "SNOMED", COLS("start", "stop", NULL), REQ_EVENT, 0 },
  { "supplies", VT_DOMAIN_DEVICE, "SNOMED", COLS("date", NULL, NULL), REQ_EVENT, 0 },
  { "imaging_studies", VT_DOMAIN_PROCEDURE, "SNOMED",
    { "rowid", "patient", "date", NULL, NULL, "procedure_code", NULL, NULL, NULL, NULL, NULL },
    REQ_EVENT | REQ(C_ROWID), 1 },
};
#define NTABLES (sizeof specs / sizeof specs[0])

/* A value of a patient column as SQLite orders it: NULL < numbers < text <
** blobs; numbers by value, text and blobs bytewise. */
typedef struct pkey {
  int cls;                        /* 0 NULL, 1 number, 2 text, 3 blob */
  int is_int;
  int64_t i;
  double d;
  char *s; size_t n, cap;
} pkey;

/* One table's cursors. */
typedef struct ntable {
  const tspec *spec;
  int present;
  sqlite3_stmt *scan;             /* the whole table, by patient */
  sqlite3_stmt *one;              /* one patient's rows (?1) */
  int has;                        /* scan is on a row */
} ntable;

typedef struct nstate {
  sqlite3 *db;
  const char *path;
  ntable t[NTABLES];
  sqlite3_stmt *persons, *person_one;
  sqlite3_stmt *periods, *periods_one;  /* NULL without observation_periods */
  int persons_has, periods_has, started;
  pkey key;                       /* the current person's id */
} nstate;

/* ---- opening --------------------------------------------------------------- */

/* The columns of table name, lower case, as a NUL-separated list in b (an
** empty list when the table is missing).  0, or -1 with err. */
static int table_columns(nstate *s, const char *name, vt_sbuf *b, char *err, size_t errlen) {
  char *sql = vt_xprintf("PRAGMA table_info(\"%s\")", name);
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
  free(sql);
  b->n = 0;
  if (rc == SQLITE_OK) rc = SQLITE_ROW;
  while (rc == SQLITE_ROW && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *c = (const char *)sqlite3_column_text(st, 1);
    for (; c && *c; c++) { char l = (char)tolower((unsigned char)*c); vt_sb_add(b, &l, 1); }
    vt_sb_add(b, "", 1);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    snprintf(err, errlen, "%s: table %s: %s", s->path, name, sqlite3_errmsg(s->db));
    return -1;
  }
  return 0;
}

static int has_column(const vt_sbuf *cols, const char *name) {
  if (strcmp(name, "rowid") == 0) return 1;
  for (size_t k = 0; k < cols->n; k += strlen(cols->p + k) + 1)
    if (strcmp(cols->p + k, name) == 0) return 1;
  return 0;
}

static int prepare(nstate *s, const char *sql, sqlite3_stmt **st, const char *table, char *err, size_t errlen) {
  if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) == SQLITE_OK) return 0;
  snprintf(err, errlen, "%s: table %s: %s", s->path, table, sqlite3_errmsg(s->db));
  return -1;
}

/* 1 if the procedures table was found (imaging studies are checked
** against it). */
static int procedures_present(const nstate *s) {
  for (size_t k = 0; k < NTABLES; k++)
    if (s->t[k].spec && strcmp(s->t[k].spec->name, "procedures") == 0) return s->t[k].present;
  return 0;
}

/* Prepare table t's two queries from its spec and the columns it has.
** 0, or -1 with err (a required column missing). */
static int prepare_table(nstate *s, ntable *t, const vt_sbuf *cols, int descriptions, char *err, size_t errlen) {
  const tspec *sp = t->spec;
  vt_sbuf sel = { 0 };
  vt_sb_puts(&sel, "SELECT ");
  for (int c = 0; c < C__COUNT; c++) {
    const char *name = sp->cols[c];
    if (name && !has_column(cols, name)) {
      if (sp->required & REQ(c)) {
        snprintf(err, errlen, "%s: table %s: no column %s", s->path, sp->name, name);
        free(sel.p);
        return -1;
      }
      name = NULL;
    }
    if (c == C_DESC && !descriptions) name = NULL;
    if (c) vt_sb_puts(&sel, ", ");
    if (c == C_ROWID && sp->study) vt_sb_puts(&sel, "min(rowid)");
    else if (name) vt_sb_printf(&sel, "\"%s\"", name);
    else vt_sb_puts(&sel, "NULL");
  }
  vt_sb_printf(&sel, " FROM \"%s\" AS x", sp->name);
  char *scan, *one;
  if (sp->study) {
    /* one procedure per study, unless the patient has that procedure row
    ** on that date already (as out/omop.c write_study) */
    const char *dedup = procedures_present(s)
        ? " AND NOT EXISTS (SELECT 1 FROM procedures AS p WHERE p.patient = x.patient AND p.start = x.date"
          " AND p.code = x.procedure_code)"
        : "";
    scan = vt_xprintf("%s WHERE 1%s GROUP BY patient, id ORDER BY patient, 1", sel.p, dedup);
    one = vt_xprintf("%s WHERE patient = ?1%s GROUP BY patient, id ORDER BY 1", sel.p, dedup);
  } else {
    scan = vt_xprintf("%s ORDER BY patient, rowid", sel.p);
    one = vt_xprintf("%s WHERE patient = ?1 ORDER BY rowid", sel.p);
  }
  int rc = prepare(s, scan, &t->scan, sp->name, err, errlen);
  if (rc == 0) rc = prepare(s, one, &t->one, sp->name, err, errlen);
  free(scan);
  free(one);
  free(sel.p);
  return rc;
}

static const char *const person_cols[] = { "id", "gender", "birthdate", "deathdate", "race", "ethnicity" };
static const char *const period_cols[] = { "patient", "start", "stop" };

/* A SELECT of rowid and the columns named (NULL for those cols lacks; an
** error naming the first of the `required` first ones missing). */
static char *select_of(nstate *s, const char *table, const char *const *names, size_t n, size_t required,
                       const vt_sbuf *cols, char *err, size_t errlen) {
  vt_sbuf b = { 0 };
  vt_sb_puts(&b, "SELECT rowid");
  for (size_t k = 0; k < n; k++) {
    if (has_column(cols, names[k])) { vt_sb_printf(&b, ", \"%s\"", names[k]); continue; }
    if (k < required) {
      snprintf(err, errlen, "%s: table %s: no column %s", s->path, table, names[k]);
      free(b.p);
      return NULL;
    }
    vt_sb_puts(&b, ", NULL");
  }
  vt_sb_printf(&b, " FROM \"%s\"", table);
  return b.p;
}

/* Prepare the patients and observation_periods queries.  0, or -1. */
static int prepare_persons(vt_ehr *r, nstate *s, vt_sbuf *cols, char *err, size_t errlen) {
  if (table_columns(s, "patients", cols, err, errlen) < 0) return -1;
  if (!cols->n) {
    snprintf(err, errlen, "%s: no patients table: not a vitae database (schemas/native.sql)", s->path);
    return -1;
  }
  char *sel = select_of(s, "patients", person_cols, 6, 3, cols, err, errlen);
  if (!sel) return -1;
  char *scan = vt_xprintf("%s ORDER BY id", sel), *one = vt_xprintf("%s WHERE id = ?1 ORDER BY rowid", sel);
  int rc = prepare(s, scan, &s->persons, "patients", err, errlen);
  if (rc == 0) rc = prepare(s, one, &s->person_one, "patients", err, errlen);
  free(sel); free(scan); free(one);
  if (rc < 0) return -1;
  if (table_columns(s, "observation_periods", cols, err, errlen) < 0) return -1;
  if (!cols->n) {
    vt_ehr_note(r, "no observation_periods table: persons have no observation period");
    return 0;
  }
  if (!(sel = select_of(s, "observation_periods", period_cols, 3, 3, cols, err, errlen))) return -1;
  scan = vt_xprintf("%s ORDER BY patient, rowid", sel);
  one = vt_xprintf("%s WHERE patient = ?1 ORDER BY rowid", sel);
  rc = prepare(s, scan, &s->periods, "observation_periods", err, errlen);
  if (rc == 0) rc = prepare(s, one, &s->periods_one, "observation_periods", err, errlen);
  free(sel); free(scan); free(one);
  return rc;
}

static void native_close(vt_ehr *r);

static int native_open(vt_ehr *r, const char *path, char *err, size_t errlen) {
  nstate *s = vt_xcalloc(1, sizeof *s);
  vt_ehr_set_state(r, s);
  s->path = path;
  struct stat sb;
  if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    snprintf(err, errlen, "%s: a folder, not a vitae database", path);
    return VT_EHR_EREAD;
  }
  if (vt_sqlite_open_ro(path, &s->db, err, errlen) < 0) return VT_EHR_EREAD;
  vt_sbuf cols = { 0 };
  int rc = prepare_persons(r, s, &cols, err, errlen);
  const vt_ehr_options *opt = vt_ehr_options_of(r);
  vt_sbuf missing = { 0 };
  for (size_t k = 0; rc == 0 && k < NTABLES; k++) {
    ntable *t = &s->t[k];
    t->spec = &specs[k];
    if ((rc = table_columns(s, t->spec->name, &cols, err, errlen)) < 0) break;
    if (!cols.n) {
      vt_sb_printf(&missing, "%s%s", missing.n ? ", " : "", t->spec->name);
      continue;
    }
    t->present = 1;
    rc = prepare_table(s, t, &cols, !opt->no_descriptions, err, errlen);
  }
  if (rc == 0 && missing.n) vt_ehr_note(r, "no %s table: none of those events", missing.p);
  free(cols.p);
  free(missing.p);
  return rc == 0 ? VT_EHR_OK : VT_EHR_EREAD;
}

static void native_close(vt_ehr *r) {
  nstate *s = vt_ehr_state(r);
  if (!s) return;
  for (size_t k = 0; k < NTABLES; k++) {
    sqlite3_finalize(s->t[k].scan);
    sqlite3_finalize(s->t[k].one);
  }
  sqlite3_finalize(s->persons);
  sqlite3_finalize(s->person_one);
  sqlite3_finalize(s->periods);
  sqlite3_finalize(s->periods_one);
  sqlite3_close(s->db);
  free(s->key.s);
  free(s);
  vt_ehr_set_state(r, NULL);
}

/* ---- rows -------------------------------------------------------------------- */

/* Step st: 1 on a row, 0 at the end, -1 with err naming the table. */
static int step(nstate *s, sqlite3_stmt *st, const char *table, char *err, size_t errlen) {
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) return 1;
  if (rc == SQLITE_DONE) return 0;
  snprintf(err, errlen, "%s: table %s: %s", s->path, table, sqlite3_errmsg(s->db));
  return -1;
}

static const char *col_text(sqlite3_stmt *st, int c) {
  const char *v = (const char *)sqlite3_column_text(st, c);
  return v && *v ? v : NULL;
}

/* The value of an observation row: 1 and *v for a number, 0 for none;
** *bad set when the row says numeric and the value is not a number. */
static int row_value(sqlite3_stmt *st, double *v, int *bad) {
  *bad = 0;
  const char *type = col_text(st, C_TYPE);
  int kind = sqlite3_column_type(st, C_VALUE);
  int numeric = type ? strcmp(type, "numeric") == 0 : kind == SQLITE_INTEGER || kind == SQLITE_FLOAT;
  if (!numeric) return 0;
  if (kind == SQLITE_INTEGER || kind == SQLITE_FLOAT) { *v = sqlite3_column_double(st, C_VALUE); return 1; }
  const char *t = col_text(st, C_VALUE);
  char *end = NULL;
  errno = 0;
  double d = t ? strtod(t, &end) : 0;
  if (t && end != t && *end == 0 && errno == 0) { *v = d; return 1; }
  *bad = 1;
  return 0;
}

/* Hand the event of the row st is on (table t) to the core, or count why
** it cannot be used. */
static void add_row(vt_ehr *r, const ntable *t, sqlite3_stmt *st) {
  const tspec *sp = t->spec;
  const char *date_col = sp->cols[C_START];
  int64_t row = sqlite3_column_int64(st, C_ROWID);
  const char *start = col_text(st, C_START), *code = col_text(st, C_CODE);
  vt_event ev = { 0 };
  if (vt_day_parse(start, &ev.start) != 0) {
    vt_ehr_issue(r, VT_ISSUE_BAD_DATE, NULL, sp->name, row, 0, date_col, "'%s'", start ? start : "");
    return;
  }
  if (!code) {
    vt_ehr_issue(r, VT_ISSUE_NO_CODE, NULL, sp->name, row, 0, sp->cols[C_CODE], "no code");
    return;
  }
  ev.end = VT_NO_DAY;
  const char *stop = col_text(st, C_STOP);
  if (stop && vt_day_parse(stop, &ev.end) != 0) {
    vt_ehr_issue(r, VT_ISSUE_BAD_END_DATE, NULL, sp->name, row, 0, sp->cols[C_STOP], "'%s'", stop);
    ev.end = VT_NO_DAY;
  }
  ev.domain = sp->domain;
  const char *system = col_text(st, C_SYSTEM);
  ev.system = system ? vt_vocab_id(system) : sp->system;
  ev.code = code;
  ev.description = col_text(st, C_DESC);
  if (sp->cols[C_VALUE]) {
    int bad;
    ev.has_value = row_value(st, &ev.value, &bad);
    if (bad) {
      const char *v = col_text(st, C_VALUE);
      vt_ehr_issue(r, VT_ISSUE_BAD_VALUE, NULL, sp->name, row, 0, sp->cols[C_VALUE], "'%s'", v ? v : "");
    }
    ev.unit = col_text(st, C_UNITS);
    /* out/omop.c: measurement if numeric or laboratory / vital-signs */
    const char *cat = col_text(st, C_CATEGORY);
    int measured = ev.has_value || bad || (cat && (strcmp(cat, "laboratory") == 0 || strcmp(cat, "vital-signs") == 0));
    ev.domain = measured ? VT_DOMAIN_MEASUREMENT : VT_DOMAIN_OBSERVATION;
  }
  ev.table = sp->name;
  ev.row = row;
  ev.date_column = date_col;
  vt_ehr_add_event(r, &ev);
}

/* The person of the row st is on (patients query): 1 begun, 0 counted as a
** bad person (the row is not used). */
static int begin_person(vt_ehr *r, sqlite3_stmt *st) {
  int64_t row = sqlite3_column_int64(st, 0);
  const char *id = col_text(st, 1), *birth = col_text(st, 3), *death = col_text(st, 4);
  vt_day b, d = VT_NO_DAY;
  if (!id) {
    vt_ehr_issue(r, VT_ISSUE_BAD_PERSON, NULL, "patients", row, 0, "id", "no id");
    return 0;
  }
  if (vt_day_parse(birth, &b) != 0) {
    vt_ehr_issue(r, VT_ISSUE_BAD_PERSON, NULL, "patients", row, 0, "birthdate", "person %s: birth date '%s'", id,
                 birth ? birth : "");
    return 0;
  }
  if (death && vt_day_parse(death, &d) != 0) {
    vt_ehr_issue(r, VT_ISSUE_BAD_DEATH_DATE, NULL, "patients", row, 0, "deathdate", "person %s: '%s'", id, death);
    d = VT_NO_DAY;
  }
  vt_ehr_begin(r, id, vt_ehr_sex(col_text(st, 2)), b, d, col_text(st, 5), col_text(st, 6), "patients", row);
  return 1;
}

/* The period of the row st is on (observation_periods query). */
static void add_period(vt_ehr *r, sqlite3_stmt *st) {
  int64_t row = sqlite3_column_int64(st, 0);
  const char *a = col_text(st, 2), *b = col_text(st, 3);
  vt_day s, e;
  if (vt_day_parse(a, &s) != 0) {
    vt_ehr_issue(r, VT_ISSUE_BAD_PERIOD, NULL, "observation_periods", row, 0, "start", "'%s'", a ? a : "");
  } else if (vt_day_parse(b, &e) != 0) {
    vt_ehr_issue(r, VT_ISSUE_BAD_PERIOD, NULL, "observation_periods", row, 0, "stop", "'%s'", b ? b : "");
  } else if (e < s) {
    vt_ehr_issue(r, VT_ISSUE_BAD_PERIOD, NULL, "observation_periods", row, 0, "stop", "'%s' before the start '%s'", b,
                 a);
  } else {
    vt_ehr_add_period(r, s, e);
  }
}

/* ---- the merge ----------------------------------------------------------------- */

/* Remember column c of st as the current person's key. */
static void key_set(pkey *k, sqlite3_stmt *st, int c) {
  int type = sqlite3_column_type(st, c);
  k->cls = type == SQLITE_NULL ? 0 : type == SQLITE_INTEGER || type == SQLITE_FLOAT ? 1 : type == SQLITE_TEXT ? 2 : 3;
  k->is_int = type == SQLITE_INTEGER;
  k->i = sqlite3_column_int64(st, c);
  k->d = sqlite3_column_double(st, c);
  k->n = 0;
  if (k->cls >= 2) {
    const void *p = k->cls == 2 ? (const void *)sqlite3_column_text(st, c) : sqlite3_column_blob(st, c);
    k->n = (size_t)sqlite3_column_bytes(st, c);
    if (k->n + 1 > k->cap) { k->cap = k->n + 1; k->s = vt_xrealloc(k->s, k->cap); }
    if (k->n) memcpy(k->s, p, k->n);
  }
}

/* Column c of st against key k, in SQLite's order: <0, 0, >0. */
static int key_cmp(sqlite3_stmt *st, int c, const pkey *k) {
  int type = sqlite3_column_type(st, c);
  int cls = type == SQLITE_NULL ? 0 : type == SQLITE_INTEGER || type == SQLITE_FLOAT ? 1 : type == SQLITE_TEXT ? 2 : 3;
  if (cls != k->cls) return cls < k->cls ? -1 : 1;
  if (cls == 0) return 0;
  if (cls == 1) {
    if (type == SQLITE_INTEGER && k->is_int) {
      int64_t v = sqlite3_column_int64(st, c);
      return (v > k->i) - (v < k->i);
    }
    double v = sqlite3_column_double(st, c);
    return (v > k->d) - (v < k->d);
  }
  const void *p = cls == 2 ? (const void *)sqlite3_column_text(st, c) : sqlite3_column_blob(st, c);
  size_t n = (size_t)sqlite3_column_bytes(st, c);
  int m = memcmp(p, k->s, n < k->n ? n : k->n);
  if (m) return m;
  return (n > k->n) - (n < k->n);
}

/* Count the row st is on (column c the patient) as one of a person the
** patients table does not have. */
static void unknown(vt_ehr *r, sqlite3_stmt *st, int c, const char *table) {
  const char *who = (const char *)sqlite3_column_text(st, c);
  vt_ehr_issue(r, VT_ISSUE_UNKNOWN_PERSON, NULL, table, sqlite3_column_int64(st, 0), 0, "patient", "patient '%s'",
               who ? who : "NULL");
}

/* Advance cursor st (on a row if *has) past the rows before key k (counted
** as unknown persons; all its rows when k is NULL) and hand over the rows
** of k, with add(r, t, st) or as periods.  0, or -1 with err. */
static int drain(vt_ehr *r, nstate *s, sqlite3_stmt *st, int *has, const ntable *t, const char *table,
                 const pkey *k, char *err, size_t errlen) {
  int c = t ? C_PATIENT : 1;
  while (*has) {
    int cmp = k ? key_cmp(st, c, k) : -1;
    if (cmp > 0) break;
    if (cmp < 0) unknown(r, st, c, table);
    else if (t) add_row(r, t, st);
    else add_period(r, st);
    if ((*has = step(s, st, table, err, errlen)) < 0) return -1;
  }
  return 0;
}

/* Start every cursor on its first row.  0, or -1 with err. */
static int start_cursors(nstate *s, char *err, size_t errlen) {
  s->started = 1;
  if ((s->persons_has = step(s, s->persons, "patients", err, errlen)) < 0) return -1;
  if (s->periods && (s->periods_has = step(s, s->periods, "observation_periods", err, errlen)) < 0) return -1;
  for (size_t k = 0; k < NTABLES; k++) {
    ntable *t = &s->t[k];
    if (t->present && (t->has = step(s, t->scan, t->spec->name, err, errlen)) < 0) return -1;
  }
  return 0;
}

static int native_next(vt_ehr *r, char *err, size_t errlen) {
  nstate *s = vt_ehr_state(r);
  if (!s->started && start_cursors(s, err, errlen) < 0) return -1;
  while (s->persons_has) {
    key_set(&s->key, s->persons, 1);
    /* a person row that cannot be used: its rows count as unknown persons
    ** (drained before the next person's) */
    if (!begin_person(r, s->persons)) {
      if ((s->persons_has = step(s, s->persons, "patients", err, errlen)) < 0) return -1;
      continue;
    }
    const pkey *k = &s->key;
    if (s->periods && drain(r, s, s->periods, &s->periods_has, NULL, "observation_periods", k, err, errlen) < 0)
      return -1;
    for (size_t j = 0; j < NTABLES; j++) {
      ntable *t = &s->t[j];
      if (t->present && drain(r, s, t->scan, &t->has, t, t->spec->name, k, err, errlen) < 0) return -1;
    }
    if ((s->persons_has = step(s, s->persons, "patients", err, errlen)) < 0) return -1;
    return 1;
  }
  /* past the last person: what is left belongs to no person */
  if (s->periods && drain(r, s, s->periods, &s->periods_has, NULL, "observation_periods", NULL, err, errlen) < 0)
    return -1;
  for (size_t j = 0; j < NTABLES; j++) {
    ntable *t = &s->t[j];
    if (t->present && drain(r, s, t->scan, &t->has, t, t->spec->name, NULL, err, errlen) < 0) return -1;
  }
  return 0;
}

/* Run st (bound to id) and hand over its rows.  0, or -1 with err. */
static int read_one(vt_ehr *r, nstate *s, sqlite3_stmt *st, const ntable *t, const char *table, const char *id,
                    char *err, size_t errlen) {
  sqlite3_reset(st);
  sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
  int rc;
  while ((rc = step(s, st, table, err, errlen)) == 1) {
    if (t) add_row(r, t, st);
    else add_period(r, st);
  }
  sqlite3_reset(st);
  return rc;
}

static int native_find(vt_ehr *r, const char *id, char *err, size_t errlen) {
  nstate *s = vt_ehr_state(r);
  sqlite3_reset(s->person_one);
  sqlite3_bind_text(s->person_one, 1, id, -1, SQLITE_TRANSIENT);
  int rc = step(s, s->person_one, "patients", err, errlen);
  if (rc <= 0) return rc;
  int begun = begin_person(r, s->person_one);
  sqlite3_reset(s->person_one);
  if (!begun) return 0;
  if (s->periods_one && read_one(r, s, s->periods_one, NULL, "observation_periods", id, err, errlen) < 0) return -1;
  for (size_t j = 0; j < NTABLES; j++) {
    ntable *t = &s->t[j];
    if (t->present && read_one(r, s, t->one, t, t->spec->name, id, err, errlen) < 0) return -1;
  }
  return 1;
}

const vt_ehr_source vt_source_native = { "vitae", native_open, native_next, native_find, native_close, NULL };
