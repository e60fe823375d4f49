/*
** omop_sql.h -- what the OMOP source (learn/src_omop.c) reads, as queries:
** the tables it knows (person, observation_period, death and the event
** tables with their columns in CDM 5.3 and 5.4), which of them a database
** has, its CDM version, and the SELECT of each table with the concept
** table joined in (internal to learn/).
*/
#ifndef VT_OMOP_SQL_H
#define VT_OMOP_SQL_H

#include <stddef.h>
#include <sqlite3.h>

#include "learn/ehr.h"
#include "sim/strbuf.h"

/* An event table and the columns the reader takes from it (NULL: the
** table has no such column in any CDM version). */
typedef struct vt_omop_table {
  const char *table;
  vt_domain domain;
  const char *concept, *start, *start_dt, *end, *source_value, *source_concept;
  const char *value, *unit_concept, *unit_source;
  int era;                       /* condition_era / drug_era */
} vt_omop_table;

enum { VT_OMOP_NTABLES = 9 };
extern const vt_omop_table vt_omop_tables[VT_OMOP_NTABLES];

/* The columns of an event query, in this order. */
enum {
  EV_PERSON, EV_ROW, EV_START, EV_START_DT, EV_END, EV_CONCEPT, EV_VOCAB, EV_CODE, EV_NAME, EV_SRC_VALUE,
  EV_SRC_CONCEPT, EV_SRC_VOCAB, EV_SRC_CODE, EV_SRC_NAME, EV_VALUE, EV_UNIT_CODE, EV_UNIT_SOURCE
};
/* The columns of the person query. */
enum {
  P_PERSON, P_ROW, P_GENDER, P_GENDER_SRC, P_BIRTH_DT, P_YEAR, P_MONTH, P_DAY, P_RACE_NAME, P_RACE_SRC,
  P_ETH_NAME, P_ETH_SRC, P_DEATH_DT
};
/* The columns of the observation_period and death queries. */
enum { R_PERSON, R_ROW, R_A, R_B };

/* 1 if db has table (any case), 0 if not, -1 on a read error. */
int vt_omop_has_table(sqlite3 *db, const char *table);
/* 1 if table has at least one row, 0 if none, -1 on a read error. */
int vt_omop_has_rows(sqlite3 *db, const char *table);
/* 1 if table has column (any case), 0 if not, -1 on a read error. */
int vt_omop_has_column(sqlite3 *db, const char *table, const char *column);

/* The CDM version ("5.3", "5.4", or the cdm_version as written) into out,
** and how it was told into how ("cdm_source.cdm_version 'v5.3.1'", "by
** its columns"): 0, or -1 on a read error. */
int vt_omop_version(sqlite3 *db, char *out, size_t outlen, char *how, size_t howlen);

/* What the queries are built for: the database, whether it has a concept
** table to join, whether it is staged from CSV files (every column text,
** a `line` column), and the name to give in messages. */
typedef struct vt_omop_q {
  sqlite3 *db;
  int concept;
  int csv;
  const char *file;
} vt_omop_q;

/* The person id of a staged CSV row as the queries select and sort it: an
** integer when it is written as one (no sign, no leading zero, at most 18
** digits), else the text, so that ids sort as a typed column sorts them
** (numbers first, by value, then text by bytes). */
#define VT_OMOP_CSV_ID                                                                                          \
  "(CASE WHEN t.person_id GLOB '[0-9]*' AND NOT t.person_id GLOB '*[^0-9]*' AND length(t.person_id) <= 18"      \
  " AND (t.person_id = '0' OR NOT t.person_id GLOB '0*') THEN CAST(t.person_id AS INTEGER) ELSE t.person_id END)"

/* The SELECT of an event table, the person table, observation_period or
** death into sql (which it resets): the rows of one person when by_person
** (?1 = the id as text), else every row ordered by person_id.  A required
** column the table lacks is an error: 0, or -1 with err naming q->file,
** the table and the column. */
int vt_omop_event_sql(const vt_omop_q *q, const vt_omop_table *t, int by_person, vt_sbuf *sql, char *err,
                      size_t errlen);
int vt_omop_person_sql(const vt_omop_q *q, int by_person, vt_sbuf *sql, char *err, size_t errlen);
int vt_omop_period_sql(const vt_omop_q *q, int by_person, vt_sbuf *sql, char *err, size_t errlen);
int vt_omop_death_sql(const vt_omop_q *q, int by_person, vt_sbuf *sql, char *err, size_t errlen);

#endif
