/*
** src_synthea.c -- the synthea-csv: source of the EHR reader: a Synthea CSV
** export (patients.csv and the event files), staged into a temporary
** SQLite database (learn/stage.h) and read back as one cursor per file in
** patient order, merged patient by patient.  docs/ehr.md, "synthea-csv:",
** says what each file becomes.
*/
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "learn/csv.h"
#include "learn/source.h"
#include "learn/stage.h"
#include "learn/vocab.h"

/* An event file of the export and what its rows become. */
typedef struct table_spec {
  const char *file;              /* the file, found in any case */
  const char *table;             /* its staged table */
  vt_domain domain;
  const char *system;            /* OMOP vocabulary of CODE without a SYSTEM column */
  const char *date;              /* the start column (procedures of Synthea 3.0 have DATE) */
  int observations;              /* VALUE, UNITS, TYPE read: numeric -> measurement */
} table_spec;

static const table_spec specs[] = {
  { "encounters.csv", "encounters", VT_DOMAIN_VISIT, "SNOMED", "start", 0 },
  { "conditions.csv", "conditions", VT_DOMAIN_CONDITION, "SNOMED", "start", 0 },
  { "medications.csv", "medications", VT_DOMAIN_DRUG, "RxNorm", "start", 0 },
  { "procedures.csv", "procedures", VT_DOMAIN_PROCEDURE, "SNOMED", "start", 0 },
  { "observations.csv", "observations", VT_DOMAIN_OBSERVATION, "LOINC", "date", 1 },
  { "immunizations.csv", "immunizations", VT_DOMAIN_IMMUNIZATION, "CVX", "date", 0 },
  { "allergies.csv", "allergies", VT_DOMAIN_OBSERVATION, "SNOMED", "start", 0 },
  { "careplans.csv", "careplans", VT_DOMAIN_OBSERVATION, "SNOMED", "start", 0 },
  { "devices.csv", "devices", VT_DOMAIN_DEVICE, "SNOMED", "start", 0 },
};
#define NSPECS (sizeof specs / sizeof *specs)

/* The columns of a staged row, in the order of every event query. */
enum { C_PATIENT, C_LINE, C_DATE, C_STOP, C_SYSTEM, C_CODE, C_DESCRIPTION, C_VALUE, C_UNITS, C_TYPE };

typedef struct syn_table {
  const table_spec *spec;
  char path[4096];               /* "" when the export has no such file */
  const char *date_column;       /* "START" or "DATE", for messages */
  vt_stage_cursor cur;
} syn_table;

typedef struct synthea {
  vt_stage *stage;
  char patients[4096];
  int numeric;                   /* every patient Id is digits: ordered as numbers */
  vt_day export_end;             /* the latest date of the export (VT_NO_DAY if none) */
  vt_stage_cursor persons;
  char *last_id;                 /* the last patient yielded (duplicates) */
  syn_table t[NSPECS];
} synthea;

static const char *text(sqlite3_stmt *st, int col) { return (const char *)sqlite3_column_text(st, col); }

/* The start column a file has: spec's, or DATE for a procedures.csv of
** Synthea 3.0 that has DATE and no START.  A file that cannot be read keeps
** spec's: staging then says what is wrong. */
static const char *date_column(const char *path, const table_spec *spec) {
  char err[256];
  vt_csv *c = vt_csv_open(path, VT_CSV_AUTO, err, sizeof err);
  const char *col = spec->date;
  if (c && vt_csv_header(c, err, sizeof err) == 0 && vt_csv_column(c, col) < 0 && vt_csv_column(c, "date") >= 0)
    col = "date";
  vt_csv_close(c);
  return col;
}

/* Stage patients.csv: 0, or -1 with err. */
static int stage_patients(vt_ehr *r, synthea *s, const char *dir, char *err, size_t errlen) {
  int rc = vt_stage_find_file(dir, "patients.csv", s->patients, sizeof s->patients, err, errlen);
  if (rc < 0) return -1;
  if (rc == 0) {
    snprintf(err, errlen, "%s: no patients.csv: not a Synthea CSV export", dir);
    return -1;
  }
  static const char *const cols[] = { "id", "birthdate", "deathdate", "gender", "race", "ethnicity" };
  int64_t rows = 0;
  if (vt_stage_table(s->stage, s->patients, "patients", cols, 6, VT_STAGE_COL(0) | VT_STAGE_COL(1) | VT_STAGE_COL(3),
                     NULL, &rows, err, errlen) != 0 ||
      vt_stage_index(s->stage, "patients", "id", err, errlen) != 0)
    return -1;
  vt_ehr_note(r, "patients.csv: %lld rows", (long long)rows);
  return 0;
}

/* Stage the event files the export has (noting those it lacks): 0, or -1. */
static int stage_events(vt_ehr *r, synthea *s, const char *dir, char *err, size_t errlen) {
  char absent[512] = "";
  for (size_t k = 0; k < NSPECS; k++) {
    syn_table *t = &s->t[k];
    t->spec = &specs[k];
    int rc = vt_stage_find_file(dir, t->spec->file, t->path, sizeof t->path, err, errlen);
    if (rc < 0) return -1;
    if (rc == 0) {
      size_t n = strlen(absent);
      snprintf(absent + n, sizeof absent - n, "%s%s", n ? ", " : "", t->spec->file);
      continue;
    }
    const char *date = date_column(t->path, t->spec);
    t->date_column = strcmp(date, "date") == 0 ? "DATE" : "START";
    const char *cols[] = { "patient", date, "stop", "system", "code", "description", "value", "units", "type" };
    int ncols = t->spec->observations ? 9 : 6;
    int64_t rows = 0;
    if (vt_stage_table(s->stage, t->path, t->spec->table, cols, ncols,
                       VT_STAGE_COL(0) | VT_STAGE_COL(1) | VT_STAGE_COL(4), NULL, &rows, err, errlen) != 0 ||
        vt_stage_index(s->stage, t->spec->table, "patient", err, errlen) != 0)
      return -1;
    vt_ehr_note(r, "%s: %lld rows", t->spec->file, (long long)rows);
  }
  if (absent[0]) vt_ehr_note(r, "not in the export (those domains are empty): %s", absent);
  return 0;
}

/* The latest day of column col of table (as text dates sort), or VT_NO_DAY. */
static vt_day max_day(synthea *s, const char *table, const char *col) {
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT max(substr(\"%s\", 1, 10)) FROM \"%s\"", col, table);
  sqlite3_stmt *st = NULL;
  vt_day d = VT_NO_DAY;
  if (sqlite3_prepare_v2(vt_stage_db(s->stage), sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
      vt_day_parse(text(st, 0), &d) != 0)
    d = VT_NO_DAY;
  sqlite3_finalize(st);
  return d;
}

/* The export's last date: the latest start, stop or death date in it. */
static void find_export_end(vt_ehr *r, synthea *s) {
  s->export_end = max_day(s, "patients", "deathdate");
  for (size_t k = 0; k < NSPECS; k++) {
    if (!s->t[k].path[0]) continue;
    const char *date = strcmp(s->t[k].date_column, "DATE") == 0 ? "date" : "start";
    vt_day a = max_day(s, s->t[k].spec->table, date), b = max_day(s, s->t[k].spec->table, "stop");
    if (a != VT_NO_DAY && (s->export_end == VT_NO_DAY || a > s->export_end)) s->export_end = a;
    if (b != VT_NO_DAY && (s->export_end == VT_NO_DAY || b > s->export_end)) s->export_end = b;
  }
  char d[11];
  vt_day_format(s->export_end, d);
  vt_ehr_note(r, "a Synthea export has no observation periods: each patient is observed from birth to death, or "
                 "to the export's last date (%s, its latest start, stop or death date)",
              d[0] ? d : "none");
}

/* Open the cursors: persons, and one per event file; where is "" for the
** full scan or a WHERE clause of one patient (vt_ehr_find).  0, or -1. */
static int open_cursors(synthea *s, const char *id, char *err, size_t errlen) {
  char order[256], sql[1024];
  char *where_id = id ? sqlite3_mprintf("WHERE id = %Q", id) : sqlite3_mprintf("%s", "");
  char *where_patient = id ? sqlite3_mprintf("WHERE patient = %Q", id) : sqlite3_mprintf("%s", "");
  int rc = 0;
  vt_stage_person_order("id", s->numeric, order, sizeof order);
  snprintf(sql, sizeof sql,
           "SELECT id, line, birthdate, deathdate, gender, race, ethnicity FROM patients %s ORDER BY %s, rowid",
           where_id, order);
  if (vt_stage_cursor_open(s->stage, &s->persons, sql, err, errlen) != 0) rc = -1;
  vt_stage_person_order("patient", s->numeric, order, sizeof order);
  for (size_t k = 0; k < NSPECS && rc == 0; k++) {
    syn_table *t = &s->t[k];
    if (!t->path[0]) continue;
    const char *obs = t->spec->observations ? "value, units, type" : "NULL, NULL, NULL";
    snprintf(sql, sizeof sql, "SELECT patient, line, \"%s\", stop, system, code, description, %s FROM \"%s\" %s "
             "ORDER BY %s, rowid", strcmp(t->date_column, "DATE") == 0 ? "date" : "start", obs, t->spec->table,
             where_patient, order);
    if (vt_stage_cursor_open(s->stage, &t->cur, sql, err, errlen) != 0) rc = -1;
  }
  sqlite3_free(where_id);
  sqlite3_free(where_patient);
  return rc;
}

static void close_cursors(synthea *s) {
  vt_stage_cursor_close(&s->persons);
  for (size_t k = 0; k < NSPECS; k++) vt_stage_cursor_close(&s->t[k].cur);
}

static void synthea_close(vt_ehr *r) {
  synthea *s = vt_ehr_state(r);
  if (!s) return;
  close_cursors(s);
  vt_stage_close(s->stage);
  free(s->last_id);
  free(s);
  vt_ehr_set_state(r, NULL);
}

static int synthea_open(vt_ehr *r, const char *path, char *err, size_t errlen) {
  synthea *s = vt_xcalloc(1, sizeof *s);
  vt_ehr_set_state(r, s);
  if (vt_stage_open(&s->stage, err, errlen) != 0 || stage_patients(r, s, path, err, errlen) != 0 ||
      stage_events(r, s, path, err, errlen) != 0)
    return VT_EHR_EREAD;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(vt_stage_db(s->stage),
                         "SELECT count(*), sum(id IS NULL OR id GLOB '*[^0-9]*') FROM patients", -1, &st, NULL) ==
          SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    s->numeric = sqlite3_column_int64(st, 0) > 0 && sqlite3_column_int64(st, 1) == 0;
  sqlite3_finalize(st);
  find_export_end(r, s);
  if (open_cursors(s, NULL, err, errlen) != 0) return VT_EHR_EREAD;
  return VT_EHR_OK;
}

/* Hand the current row of table t to the core as an event of the person
** begun, or count why it is dropped. */
static void add_row(vt_ehr *r, syn_table *t) {
  sqlite3_stmt *st = t->cur.st;
  long line = (long)sqlite3_column_int64(st, C_LINE);
  const char *code = text(st, C_CODE), *date = text(st, C_DATE), *stop = text(st, C_STOP);
  vt_event ev;
  memset(&ev, 0, sizeof ev);
  if (!code) {
    vt_ehr_issue(r, VT_ISSUE_NO_CODE, t->path, NULL, 0, line, "CODE", "no code");
    return;
  }
  if (vt_day_parse(date, &ev.start) != 0) {
    vt_ehr_issue(r, VT_ISSUE_BAD_DATE, t->path, NULL, 0, line, t->date_column, "'%s'", date ? date : "");
    return;
  }
  ev.end = VT_NO_DAY;
  if (stop && vt_day_parse(stop, &ev.end) != 0) {
    vt_ehr_issue(r, VT_ISSUE_BAD_END_DATE, t->path, NULL, 0, line, "STOP", "'%s'", stop);
    ev.end = VT_NO_DAY;
  }
  ev.domain = t->spec->domain;
  const char *system = text(st, C_SYSTEM);
  ev.system = system ? vt_vocab_id(system) : t->spec->system;
  ev.code = code;
  ev.description = text(st, C_DESCRIPTION);
  if (t->spec->observations) {
    const char *value = text(st, C_VALUE), *type = text(st, C_TYPE);
    int numeric = type ? strcasecmp(type, "numeric") == 0 : value && vt_ehr_parse_number(value, &ev.value) == 0;
    if (numeric) {
      ev.domain = VT_DOMAIN_MEASUREMENT;
      if (value && vt_ehr_parse_number(value, &ev.value) == 0) ev.has_value = 1;
      else if (value) vt_ehr_issue(r, VT_ISSUE_BAD_VALUE, t->path, NULL, 0, line, "VALUE", "'%s'", value);
      ev.unit = ev.has_value ? text(st, C_UNITS) : NULL;
    }
  }
  ev.table = t->spec->file;
  ev.row = line;
  ev.date_column = t->date_column;
  vt_ehr_add_event(r, &ev);
}

/* Count the current row of t as a row of a patient patients.csv lacks. */
static void unknown_row(vt_ehr *r, syn_table *t) {
  const char *id = vt_stage_cursor_id(&t->cur);
  vt_ehr_issue(r, VT_ISSUE_UNKNOWN_PERSON, t->path, NULL, 0, (long)sqlite3_column_int64(t->cur.st, C_LINE), "PATIENT",
               "'%s' (not a patient of patients.csv, or one dropped)", id ? id : "");
}

/* Move every event cursor past the rows of patients before id (counted as
** unknown patients; all rows when id is NULL), adding the rows of id when
** add: 0, or -1 with err. */
static int merge_rows(vt_ehr *r, synthea *s, const char *id, int add, char *err, size_t errlen) {
  for (size_t k = 0; k < NSPECS; k++) {
    syn_table *t = &s->t[k];
    if (!t->cur.st) continue;
    while (t->cur.on_row) {
      int c = id ? vt_stage_id_cmp(vt_stage_cursor_id(&t->cur), id, s->numeric) : -1;
      if (c > 0) break;
      if (c < 0 || !add) unknown_row(r, t);
      else add_row(r, t);
      if (vt_stage_cursor_next(&t->cur, err, errlen) != 0) return -1;
    }
  }
  return 0;
}

/* The person row under the persons cursor, begun if it can be used (1), or
** counted as a bad person (0). */
static int begin_person(vt_ehr *r, synthea *s) {
  sqlite3_stmt *st = s->persons.st;
  const char *id = text(st, 0), *birth_text = text(st, 2), *death_text = text(st, 3);
  long line = (long)sqlite3_column_int64(st, 1);
  vt_day birth, death = VT_NO_DAY;
  if (!id) {
    vt_ehr_issue(r, VT_ISSUE_BAD_PERSON, s->patients, NULL, 0, line, "Id", "no id");
    return 0;
  }
  if (s->last_id && strcmp(s->last_id, id) == 0) {
    vt_ehr_issue(r, VT_ISSUE_BAD_PERSON, s->patients, NULL, 0, line, "Id", "'%s' again (the first row is read)", id);
    return 0;
  }
  free(s->last_id);
  s->last_id = vt_xstrdup(id);
  if (vt_day_parse(birth_text, &birth) != 0) {
    vt_ehr_issue(r, VT_ISSUE_BAD_PERSON, s->patients, NULL, 0, line, "BIRTHDATE", "'%s'", birth_text ? birth_text : "");
    return 0;
  }
  if (death_text && vt_day_parse(death_text, &death) != 0) {
    vt_ehr_issue(r, VT_ISSUE_BAD_DEATH_DATE, s->patients, NULL, 0, line, "DEATHDATE", "'%s'", death_text);
    death = VT_NO_DAY;
  }
  vt_ehr_begin(r, id, vt_ehr_sex(text(st, 4)), birth, death, text(st, 5), text(st, 6), "patients.csv", line);
  vt_day end = death != VT_NO_DAY ? death : s->export_end;
  if (end != VT_NO_DAY && end >= birth) vt_ehr_add_period(r, birth, end);
  return 1;
}

static int synthea_next(vt_ehr *r, char *err, size_t errlen) {
  synthea *s = vt_ehr_state(r);
  while (s->persons.on_row) {
    int ok = begin_person(r, s);
    if (ok && merge_rows(r, s, s->last_id, 1, err, errlen) != 0) return -1;
    if (vt_stage_cursor_next(&s->persons, err, errlen) != 0) return -1;
    if (ok) return 1;
  }
  /* the rows of patients after the last one */
  return merge_rows(r, s, NULL, 0, err, errlen) != 0 ? -1 : 0;
}

static int synthea_find(vt_ehr *r, const char *id, char *err, size_t errlen) {
  synthea *s = vt_ehr_state(r);
  close_cursors(s);
  free(s->last_id);
  s->last_id = NULL;
  if (open_cursors(s, id, err, errlen) != 0) return -1;
  return synthea_next(r, err, errlen);
}

const vt_ehr_source vt_source_synthea_csv = { "synthea-csv", synthea_open, synthea_next, synthea_find, synthea_close, NULL };
