/*
** omop_sql.c -- the queries of the OMOP source (see omop_sql.h): which
** tables and columns a database has, its CDM version, and one SELECT per
** table with the concept table joined in, so that a full read is one
** ordered cursor per table and no lookup per row.
*/
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "learn/omop_sql.h"

/* The event tables, occurrence tables first, then the era tables read in
** place of an empty or missing occurrence table.  Columns of one CDM
** version only are looked up and read as NULL where absent. */
const vt_omop_table vt_omop_tables[VT_OMOP_NTABLES] = {
  { "condition_occurrence", VT_DOMAIN_CONDITION, "condition_concept_id", "condition_start_date",
    "condition_start_datetime", "condition_end_date", "condition_source_value", "condition_source_concept_id",
    NULL, NULL, NULL, 0 },
  { "drug_exposure", VT_DOMAIN_DRUG, "drug_concept_id", "drug_exposure_start_date", "drug_exposure_start_datetime",
    "drug_exposure_end_date", "drug_source_value", "drug_source_concept_id", NULL, NULL, NULL, 0 },
  { "procedure_occurrence", VT_DOMAIN_PROCEDURE, "procedure_concept_id", "procedure_date", "procedure_datetime",
    "procedure_end_date", "procedure_source_value", "procedure_source_concept_id", NULL, NULL, NULL, 0 },
  { "measurement", VT_DOMAIN_MEASUREMENT, "measurement_concept_id", "measurement_date", "measurement_datetime",
    NULL, "measurement_source_value", "measurement_source_concept_id", "value_as_number", "unit_concept_id",
    "unit_source_value", 0 },
  { "observation", VT_DOMAIN_OBSERVATION, "observation_concept_id", "observation_date", "observation_datetime",
    NULL, "observation_source_value", "observation_source_concept_id", "value_as_number", "unit_concept_id",
    "unit_source_value", 0 },
  { "device_exposure", VT_DOMAIN_DEVICE, "device_concept_id", "device_exposure_start_date",
    "device_exposure_start_datetime", "device_exposure_end_date", "device_source_value",
    "device_source_concept_id", NULL, NULL, NULL, 0 },
  { "visit_occurrence", VT_DOMAIN_VISIT, "visit_concept_id", "visit_start_date", "visit_start_datetime",
    "visit_end_date", "visit_source_value", "visit_source_concept_id", NULL, NULL, NULL, 0 },
  { "condition_era", VT_DOMAIN_CONDITION, "condition_concept_id", "condition_era_start_date", NULL,
    "condition_era_end_date", NULL, NULL, NULL, NULL, NULL, 1 },
  { "drug_era", VT_DOMAIN_DRUG, "drug_concept_id", "drug_era_start_date", NULL, "drug_era_end_date", NULL, NULL,
    NULL, NULL, NULL, 1 },
};

/* Run a one-row query with up to two text parameters: 1 if it gives a row,
** 0 if none, -1 on an error. */
static int query_exists(sqlite3 *db, const char *sql, const char *a, const char *b) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
  if (a) sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
  if (b) sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int vt_omop_has_table(sqlite3 *db, const char *table) {
  return query_exists(db, "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND lower(name) = lower(?1)",
                      table, NULL);
}

int vt_omop_has_rows(sqlite3 *db, const char *table) {
  char sql[160];
  snprintf(sql, sizeof sql, "SELECT 1 FROM \"%s\" LIMIT 1", table);
  return query_exists(db, sql, NULL, NULL);
}

int vt_omop_has_column(sqlite3 *db, const char *table, const char *column) {
  if (!column) return 0;
  return query_exists(db, "SELECT 1 FROM pragma_table_info(?1) WHERE lower(name) = lower(?2)", table, column);
}

/* "5.3" / "5.4" from a cdm_version as written ("v5.3.1", "5.4", "CDM v5.4.0"),
** or the text itself. */
static void version_of(const char *v, char *out, size_t outlen) {
  const char *p = v;
  while (*p && !isdigit((unsigned char)*p)) p++;
  if (p[0] && p[1] == '.' && isdigit((unsigned char)p[2])) snprintf(out, outlen, "%c.%c", p[0], p[2]);
  else snprintf(out, outlen, "%s", v);
}

int vt_omop_version(sqlite3 *db, char *out, size_t outlen, char *how, size_t howlen) {
  int has = vt_omop_has_table(db, "cdm_source");
  if (has < 0) return -1;
  if (has && (has = vt_omop_has_column(db, "cdm_source", "cdm_version")) < 0) return -1;
  if (has) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT cdm_version FROM cdm_source WHERE trim(cdm_version) <> '' LIMIT 1", -1, &st,
                           NULL) != SQLITE_OK)
      return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      const char *v = (const char *)sqlite3_column_text(st, 0);
      version_of(v ? v : "", out, outlen);
      snprintf(how, howlen, "cdm_source.cdm_version '%s'", v ? v : "");
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) return 0;
    if (rc != SQLITE_DONE) return -1;
  }
  /* no version written: 5.4 renamed or added these columns */
  static const char *const v54[][2] = {
    { "visit_occurrence", "admitted_from_concept_id" }, { "visit_occurrence", "discharged_to_concept_id" },
    { "procedure_occurrence", "procedure_end_date" },   { "measurement", "unit_source_concept_id" },
    { "observation", "value_source_value" },
  };
  for (size_t k = 0; k < sizeof v54 / sizeof *v54; k++) {
    int c = vt_omop_has_column(db, v54[k][0], v54[k][1]);
    if (c < 0) return -1;
    if (c) {
      snprintf(out, outlen, "5.4");
      snprintf(how, howlen, "by its columns: %s.%s", v54[k][0], v54[k][1]);
      return 0;
    }
  }
  snprintf(out, outlen, "5.3");
  snprintf(how, howlen, "by its columns: none of 5.4's renamed columns");
  return 0;
}

static int missing(const char *file, const char *table, const char *column, char *err, size_t errlen) {
  snprintf(err, errlen, "%s: table %s has no column %s", file, table, column);
  return -1;
}

static int read_error(sqlite3 *db, const char *file, char *err, size_t errlen) {
  snprintf(err, errlen, "%s: %s", file, sqlite3_errmsg(db));
  return -1;
}

/* Add "t.COLUMN" to sql if table has column, else "NULL"; then ", " unless
** last.  0, or -1 on a read error. */
static int add_col(sqlite3 *db, vt_sbuf *sql, const char *table, const char *column, int *has) {
  int c = column ? vt_omop_has_column(db, table, column) : 0;
  if (c < 0) return -1;
  if (c) vt_sb_printf(sql, "t.\"%s\", ", column);
  else vt_sb_puts(sql, "NULL, ");
  if (has) *has = c;
  return 0;
}

/* The person id and the row number of a table: "t.person_id, t.rowid"
** ("0" for a view or a table without a rowid); from a staged CSV file
** (every column text), the id as an integer when it is one (so that ids
** sort as numbers, the way a typed column sorts) and the CSV line.  0, or
** -1 when the table has no person_id. */
static int add_id_row(const vt_omop_q *q, vt_sbuf *sql, const char *table, char *err, size_t errlen) {
  int has = vt_omop_has_column(q->db, table, "person_id");
  if (has < 0) return read_error(q->db, q->file, err, errlen);
  if (!has) return missing(q->file, table, "person_id", err, errlen);
  if (q->csv) {
    vt_sb_puts(sql, VT_OMOP_CSV_ID ", t.line, ");
    return 0;
  }
  vt_sb_puts(sql, "t.person_id, ");
  char qs[200];
  snprintf(qs, sizeof qs, "SELECT rowid FROM \"%s\" LIMIT 0", table);
  sqlite3_stmt *st = NULL;
  int ok = sqlite3_prepare_v2(q->db, qs, -1, &st, NULL) == SQLITE_OK;
  sqlite3_finalize(st);
  vt_sb_puts(sql, ok ? "t.rowid, " : "0, ");
  return 0;
}

/* Close the query: one person's rows or all ordered by person. */
static void add_tail(const vt_omop_q *q, vt_sbuf *sql, int by_person) {
  if (by_person) vt_sb_puts(sql, " WHERE t.person_id = ?1");
  else vt_sb_puts(sql, q->csv ? " ORDER BY " VT_OMOP_CSV_ID : " ORDER BY t.person_id");
}

int vt_omop_event_sql(const vt_omop_q *q, const vt_omop_table *t, int by_person, vt_sbuf *sql, char *err,
                      size_t errlen) {
  sqlite3 *db = q->db;
  const char *T = t->table, *file = q->file;
  int concept = q->concept, start, start_dt, cid, scid = 0, ucid = 0, usrc;
  sql->n = 0;
  vt_sb_puts(sql, "SELECT ");
  if (add_id_row(q, sql, T, err, errlen) < 0) return -1;
  if (add_col(db, sql, T, t->start, &start) < 0 || add_col(db, sql, T, t->start_dt, &start_dt) < 0 ||
      add_col(db, sql, T, t->end, NULL) < 0 || add_col(db, sql, T, t->concept, &cid) < 0)
    return read_error(db, file, err, errlen);
  if (!start && !start_dt) return missing(file, T, t->start, err, errlen);
  if (t->era && !cid) return missing(file, T, t->concept, err, errlen);
  vt_sb_puts(sql, concept && cid ? "c.vocabulary_id, c.concept_code, c.concept_name, " : "NULL, NULL, NULL, ");
  if (add_col(db, sql, T, t->source_value, NULL) < 0 || add_col(db, sql, T, t->source_concept, &scid) < 0)
    return read_error(db, file, err, errlen);
  vt_sb_puts(sql, concept && scid ? "sc.vocabulary_id, sc.concept_code, sc.concept_name, " : "NULL, NULL, NULL, ");
  if (add_col(db, sql, T, t->value, NULL) < 0) return read_error(db, file, err, errlen);
  if (t->unit_concept && (ucid = vt_omop_has_column(db, T, t->unit_concept)) < 0)
    return read_error(db, file, err, errlen);
  vt_sb_puts(sql, concept && ucid ? "u.concept_code, " : "NULL, ");
  if (add_col(db, sql, T, t->unit_source, &usrc) < 0) return read_error(db, file, err, errlen);
  sql->n -= 2; /* the last ", " */
  sql->p[sql->n] = 0;
  vt_sb_printf(sql, " FROM \"%s\" t", T);
  static const char join[] = " LEFT JOIN concept %s ON %s.concept_id = t.\"%s\" AND CAST(t.\"%s\" AS INTEGER) <> 0";
  if (concept && cid) vt_sb_printf(sql, join, "c", "c", t->concept, t->concept);
  if (concept && scid) vt_sb_printf(sql, join, "sc", "sc", t->source_concept, t->source_concept);
  if (concept && ucid) vt_sb_printf(sql, join, "u", "u", t->unit_concept, t->unit_concept);
  add_tail(q, sql, by_person);
  return 0;
}

int vt_omop_person_sql(const vt_omop_q *q, int by_person, vt_sbuf *sql, char *err, size_t errlen) {
  static const char *const cols[] = { "gender_concept_id", "gender_source_value", "birth_datetime",
                                      "year_of_birth", "month_of_birth", "day_of_birth" };
  sqlite3 *db = q->db;
  const char *file = q->file;
  int has, year = 0, race, eth;
  sql->n = 0;
  vt_sb_puts(sql, "SELECT ");
  if (add_id_row(q, sql, "person", err, errlen) < 0) return -1;
  for (size_t k = 0; k < sizeof cols / sizeof *cols; k++) {
    if (add_col(db, sql, "person", cols[k], &has) < 0) return read_error(db, file, err, errlen);
    if (k == 3) year = has;
  }
  if (!year) return missing(file, "person", "year_of_birth", err, errlen);
  if ((race = vt_omop_has_column(db, "person", "race_concept_id")) < 0 ||
      (eth = vt_omop_has_column(db, "person", "ethnicity_concept_id")) < 0)
    return read_error(db, file, err, errlen);
  vt_sb_puts(sql, q->concept && race ? "rc.concept_name, " : "NULL, ");
  if (add_col(db, sql, "person", "race_source_value", NULL) < 0) return read_error(db, file, err, errlen);
  vt_sb_puts(sql, q->concept && eth ? "ec.concept_name, " : "NULL, ");
  if (add_col(db, sql, "person", "ethnicity_source_value", NULL) < 0 ||
      add_col(db, sql, "person", "death_datetime", NULL) < 0)
    return read_error(db, file, err, errlen);
  sql->n -= 2;
  sql->p[sql->n] = 0;
  vt_sb_puts(sql, " FROM person t");
  if (q->concept && race)
    vt_sb_puts(sql, " LEFT JOIN concept rc ON rc.concept_id = t.race_concept_id"
                    " AND CAST(t.race_concept_id AS INTEGER) <> 0");
  if (q->concept && eth)
    vt_sb_puts(sql, " LEFT JOIN concept ec ON ec.concept_id = t.ethnicity_concept_id"
                    " AND CAST(t.ethnicity_concept_id AS INTEGER) <> 0");
  add_tail(q, sql, by_person);
  return 0;
}

/* SELECT person_id, row, A, B FROM table: a required, b required or (when
** not b_required) NULL where absent. */
static int pair_sql(const vt_omop_q *q, const char *table, const char *a, const char *b, int b_required,
                    int by_person, vt_sbuf *sql, char *err, size_t errlen) {
  int has;
  sql->n = 0;
  vt_sb_puts(sql, "SELECT ");
  if (add_id_row(q, sql, table, err, errlen) < 0) return -1;
  if (add_col(q->db, sql, table, a, &has) < 0) return read_error(q->db, q->file, err, errlen);
  if (!has) return missing(q->file, table, a, err, errlen);
  if (add_col(q->db, sql, table, b, &has) < 0) return read_error(q->db, q->file, err, errlen);
  if (!has && b_required) return missing(q->file, table, b, err, errlen);
  sql->n -= 2;
  sql->p[sql->n] = 0;
  vt_sb_printf(sql, " FROM \"%s\" t", table);
  add_tail(q, sql, by_person);
  return 0;
}

int vt_omop_period_sql(const vt_omop_q *q, int by_person, vt_sbuf *sql, char *err, size_t errlen) {
  return pair_sql(q, "observation_period", "observation_period_start_date", "observation_period_end_date", 1,
                  by_person, sql, err, errlen);
}

int vt_omop_death_sql(const vt_omop_q *q, int by_person, vt_sbuf *sql, char *err, size_t errlen) {
  return pair_sql(q, "death", "death_date", "death_datetime", 0, by_person, sql, err, errlen);
}
