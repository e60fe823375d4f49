/*
** omop.c -- the OMOP CDM 5.4 SQLite writer (see omop.h, schemas/omop.sql
** and schemas/omop.md).
**
** Built like the native writer (out/writer.c), for the same reason: the
** writer is the part of a run the engine cannot overlap.  A bulk-load
** connection (vt_writer_pragmas), one prepared INSERT per OMOP table reused
** for every row, values bound without copies, dates formatted by hand with a
** one-entry cache per column, a transaction per batch of about 50,000 rows,
** the indexes built once at the end, then fsync and rename.
**
** Each record is written in one pass over its rows: a row's code is looked
** up in the vocabulary (when there is one), the row goes to the table of its
** concept's domain or, without a concept, to the table vitae's own table
** implies, and the conditions and drugs with a concept are kept aside to
** build the patient's eras once the pass is over.  With a vocabulary every
** concept id written goes into a hash set, and finish writes the concept
** row of each that the vocabulary kept.
*/
#include "omop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "out/dbfile.h"
#include "learn/vocab.h"
#include "sim/embedded.h"
#include "sim/hash.h"
#include "sim/version.h"
#include "sim/vtime.h"
#include "sim/window.h"

#define SCHEMA_FILE   "schemas/omop.sql"

/* The OHDSI era rules (CDM 5.4 documentation of CONDITION_ERA and DRUG_ERA;
** OHDSI's era-building scripts): occurrences of a concept whose start falls
** within 30 days of the end of the previous one belong to the same era. */
#define ERA_GAP_DAYS  30

/* ---- Concepts ------------------------------------------------------------
** Standard concepts of the OHDSI vocabularies (athena.ohdsi.org) that vitae
** assigns itself rather than looking up. */

/* Type Concept vocabulary (CDM 5.4 "Type Concepts" convention): provenance. */
#define TYPE_EHR              32817   /* EHR */
#define TYPE_EHR_ENCOUNTER    32827   /* EHR encounter record */
#define TYPE_EHR_PRESCRIPTION 32838   /* EHR prescription */
#define TYPE_EHR_ADMIN        32818   /* EHR administration record */

/* Gender, Race and Ethnicity vocabularies (as in Eunomia's Synthea27Nj). */
#define GENDER_MALE     8507
#define GENDER_FEMALE   8532
#define ETHN_HISPANIC   38003563      /* Hispanic or Latino */
#define ETHN_NOT_HISP   38003564      /* Not Hispanic or Latino */

/* Allergies as OHDSI THEMIS proposes them (OHDSI/Themis issues 59 and 69):
** an observation of "Drug allergy" or "Allergy to substance" whose
** value_as_concept_id is the allergen. */
#define OBS_DRUG_ALLERGY       439224
#define OBS_SUBSTANCE_ALLERGY  4169307

#define CDM_VERSION_54          756265   /* OMOP CDM Version 5.4.0 (Metadata) */
#define SPECIALTY_GENERAL_PRACT 38004446 /* General Practice (NUCC/Medicare Specialty) */

/* Visit concepts by Synthea encounter class (CDM 5.4 VISIT_OCCURRENCE user
** guidance lists the top-level Visit concepts).  Synthea's "urgentcare" is
** the Place of Service concept "Urgent Care Facility", which rolls up to
** Outpatient Visit; "snf" and "hospice" are long stays in a non-hospital
** institution. */
static const struct { const char *cls; int64_t concept; } visit_classes[] = {
  { "inpatient",    9201 },     /* Inpatient Visit */
  { "ambulatory",   9202 },     /* Outpatient Visit */
  { "outpatient",   9202 },
  { "wellness",     9202 },
  { "emergency",    9203 },     /* Emergency Room Visit */
  { "urgentcare",   8782 },     /* Urgent Care Facility */
  { "virtual",      5083 },     /* Telehealth */
  { "telemedicine", 5083 },
  { "home",         581476 },   /* Home Visit */
  { "snf",          42898160 }, /* Non-hospital institution Visit */
  { "hospice",      42898160 },
};

/* vitae race names (sim/demographics.c) to OMOP Race concepts; "other" has
** no standard concept (0, as in Eunomia). */
static const struct { const char *name; int64_t concept; } races[] = {
  { "white", 8527 }, { "black", 8516 }, { "asian", 8515 },
  { "native", 8657 }, { "hawaiian", 8557 },
};

/* US state names to USPS codes (location.state is varchar(2)). */
static const char *const us_states[][2] = {
  {"Alabama","AL"},{"Alaska","AK"},{"Arizona","AZ"},{"Arkansas","AR"},{"California","CA"},
  {"Colorado","CO"},{"Connecticut","CT"},{"Delaware","DE"},{"District of Columbia","DC"},
  {"Florida","FL"},{"Georgia","GA"},{"Hawaii","HI"},{"Idaho","ID"},{"Illinois","IL"},
  {"Indiana","IN"},{"Iowa","IA"},{"Kansas","KS"},{"Kentucky","KY"},{"Louisiana","LA"},
  {"Maine","ME"},{"Maryland","MD"},{"Massachusetts","MA"},{"Michigan","MI"},{"Minnesota","MN"},
  {"Mississippi","MS"},{"Missouri","MO"},{"Montana","MT"},{"Nebraska","NE"},{"Nevada","NV"},
  {"New Hampshire","NH"},{"New Jersey","NJ"},{"New Mexico","NM"},{"New York","NY"},
  {"North Carolina","NC"},{"North Dakota","ND"},{"Ohio","OH"},{"Oklahoma","OK"},{"Oregon","OR"},
  {"Pennsylvania","PA"},{"Puerto Rico","PR"},{"Rhode Island","RI"},{"South Carolina","SC"},
  {"South Dakota","SD"},{"Tennessee","TN"},{"Texas","TX"},{"Utah","UT"},{"Vermont","VT"},
  {"Virginia","VA"},{"Washington","WA"},{"West Virginia","WV"},{"Wisconsin","WI"},{"Wyoming","WY"},
};

/* ---- Tables ---------------------------------------------------------------- */

enum {
  OT_PERSON, OT_PERIOD, OT_VISIT, OT_VISIT_DETAIL, OT_CONDITION, OT_DRUG, OT_PROCEDURE,
  OT_DEVICE, OT_MEASUREMENT, OT_OBSERVATION, OT_DEATH, OT_NOTE, OT_SPECIMEN, OT_LOCATION,
  OT_CARE_SITE, OT_PROVIDER, OT_CDM_SOURCE, OT_METADATA, OT_CONDITION_ERA, OT_DRUG_ERA,
  OT_DOSE_ERA, OT_CONCEPT, OT__COUNT
};

/* In the order of schemas/omop.sql. */
static const char *const omop_tables[OT__COUNT] = {
  "person", "observation_period", "visit_occurrence", "visit_detail", "condition_occurrence",
  "drug_exposure", "procedure_occurrence", "device_exposure", "measurement", "observation",
  "death", "note", "specimen", "location", "care_site", "provider", "cdm_source", "metadata",
  "condition_era", "drug_era", "dose_era", "concept",
};

/* The inserts prepared at open; the columns not named stay NULL.  Constant
** concepts are part of the SQL text. */
#define STR_(x) #x
#define STR(x) STR_(x)
static const char *const insert_sql[OT__COUNT] = {
  [OT_PERSON] =
    "INSERT INTO person (person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth,"
    "birth_datetime,race_concept_id,ethnicity_concept_id,location_id,person_source_value,"
    "gender_source_value,gender_source_concept_id,race_source_value,race_source_concept_id,"
    "ethnicity_source_value,ethnicity_source_concept_id)"
    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,0,?12,0,?13,0)",
  [OT_PERIOD] =
    "INSERT INTO observation_period (observation_period_id,person_id,observation_period_start_date,"
    "observation_period_end_date,period_type_concept_id) VALUES (?1,?2,?3,?4," STR(TYPE_EHR) ")",
  [OT_VISIT] =
    "INSERT INTO visit_occurrence (visit_occurrence_id,person_id,visit_concept_id,visit_start_date,"
    "visit_start_datetime,visit_end_date,visit_end_datetime,visit_type_concept_id,provider_id,"
    "care_site_id,visit_source_value,visit_source_concept_id,preceding_visit_occurrence_id)"
    " VALUES (?1,?2,?3,?4,?5,?6,?7," STR(TYPE_EHR_ENCOUNTER) ",1,1,?8,0,?9)",
  [OT_CONDITION] =
    "INSERT INTO condition_occurrence (condition_occurrence_id,person_id,condition_concept_id,"
    "condition_start_date,condition_start_datetime,condition_end_date,condition_end_datetime,"
    "condition_type_concept_id,visit_occurrence_id,condition_source_value,condition_source_concept_id)"
    " VALUES (?1,?2,?3,?4,?5,?6,?7," STR(TYPE_EHR) ",?8,?9,?10)",
  [OT_DRUG] =
    "INSERT INTO drug_exposure (drug_exposure_id,person_id,drug_concept_id,drug_exposure_start_date,"
    "drug_exposure_start_datetime,drug_exposure_end_date,drug_exposure_end_datetime,verbatim_end_date,"
    "drug_type_concept_id,visit_occurrence_id,drug_source_value,drug_source_concept_id)"
    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
  [OT_PROCEDURE] =
    "INSERT INTO procedure_occurrence (procedure_occurrence_id,person_id,procedure_concept_id,"
    "procedure_date,procedure_datetime,procedure_end_date,procedure_end_datetime,"
    "procedure_type_concept_id,visit_occurrence_id,procedure_source_value,procedure_source_concept_id)"
    " VALUES (?1,?2,?3,?4,?5,?6,?7," STR(TYPE_EHR) ",?8,?9,?10)",
  [OT_DEVICE] =
    "INSERT INTO device_exposure (device_exposure_id,person_id,device_concept_id,"
    "device_exposure_start_date,device_exposure_start_datetime,device_exposure_end_date,"
    "device_exposure_end_datetime,device_type_concept_id,unique_device_id,quantity,"
    "visit_occurrence_id,device_source_value,device_source_concept_id)"
    " VALUES (?1,?2,?3,?4,?5,?6,?7," STR(TYPE_EHR) ",?8,?9,?10,?11,?12)",
  [OT_MEASUREMENT] =
    "INSERT INTO measurement (measurement_id,person_id,measurement_concept_id,measurement_date,"
    "measurement_datetime,measurement_type_concept_id,value_as_number,unit_concept_id,"
    "visit_occurrence_id,measurement_source_value,measurement_source_concept_id,unit_source_value,"
    "value_source_value) VALUES (?1,?2,?3,?4,?5," STR(TYPE_EHR) ",?6,?7,?8,?9,?10,?11,?12)",
  [OT_OBSERVATION] =
    "INSERT INTO observation (observation_id,person_id,observation_concept_id,observation_date,"
    "observation_datetime,observation_type_concept_id,value_as_number,value_as_string,"
    "value_as_concept_id,unit_concept_id,visit_occurrence_id,observation_source_value,"
    "observation_source_concept_id,unit_source_value,qualifier_source_value)"
    " VALUES (?1,?2,?3,?4,?5," STR(TYPE_EHR) ",?6,?7,?8,?9,?10,?11,?12,?13,?14)",
  [OT_DEATH] =
    "INSERT INTO death (person_id,death_date,death_datetime,death_type_concept_id,cause_concept_id,"
    "cause_source_value,cause_source_concept_id) VALUES (?1,?2,?3," STR(TYPE_EHR) ",?4,?5,?6)",
  [OT_LOCATION] =
    "INSERT INTO location (location_id,address_1,city,state,zip,county,country_source_value,"
    "latitude,longitude) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
  [OT_CONDITION_ERA] =
    "INSERT INTO condition_era (condition_era_id,person_id,condition_concept_id,"
    "condition_era_start_date,condition_era_end_date,condition_occurrence_count)"
    " VALUES (?1,?2,?3,?4,?5,?6)",
  [OT_DRUG_ERA] =
    "INSERT INTO drug_era (drug_era_id,person_id,drug_concept_id,drug_era_start_date,"
    "drug_era_end_date,drug_exposure_count,gap_days) VALUES (?1,?2,?3,?4,?5,?6,?7)",
  [OT_CONCEPT] =
    "INSERT INTO concept (concept_id,concept_name,domain_id,vocabulary_id,concept_class_id,"
    "standard_concept,concept_code,valid_start_date,valid_end_date,invalid_reason)"
    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
};

/* ---- Writer state -------------------------------------------------------- */

/* A time formatted as a date and as a datetime, and the time it formats. */
typedef struct tcache { vt_time t; char d[16]; char dt[32]; } tcache;

/* One (system, code) written without a concept. */
typedef struct unmapped {
  char *system, *code, *display;
  int64_t rows;
} unmapped;

/* An occurrence kept for the eras: concept (ingredient for drugs) and days. */
typedef struct era_item { int64_t concept, start, end; } era_item;

/* An encounter of the record being written. */
typedef struct enc_item { int32_t id; vt_time start; int64_t preceding; } enc_item;

struct vt_omop_writer {
  vt_dbout o;                 /* the file, its inserts (OT_*), its state */
  const vt_vocab *vocab;
  int64_t last_id[OT__COUNT]; /* last id given, per table */
  int64_t enc_base;           /* global visit id of the patient's encounter 0, minus 1 */
  tcache tstart, tend;
  vt_kv info;                  /* run provenance, written at finish */
  /* codes without a concept: entry i of umap is um[i] */
  unmapped *um; size_t num, capum;
  vt_strmap umap;
  int64_t coded, mapped, careplans;
  /* the non-zero concept ids written (with a vocabulary only) */
  vt_idmap used;
  /* per-record scratch */
  era_item *cera, *dera; size_t ncera, capcera, ndera, capdera;
  enc_item *encs; size_t nencs, capencs;
  int32_t *studies; size_t nstudies, capstudies;
  vt_time obs_end;            /* the current record's observation end */
  int64_t rows[OT__COUNT];    /* rows written per table */
  vt_writer_stats stats;
};


/* ---- Dates ------------------------------------------------------------------ */

static int64_t day_of(vt_time t) { return vt_time_day(t); }

/* "YYYY-MM-DD" of a day number (years outside 0-9999 as printf makes them). */
static void format_day(int64_t day, char out[16]) {
  if (vt_format_day(day, out) == 0) return;
  int y, m, d;
  vt_civil_from_days(day, &y, &m, &d);
  snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

/* Fill c with t as "YYYY-MM-DD" and "YYYY-MM-DD HH:MM:SS" unless it holds t. */
static void format_time(tcache *c, vt_time t) {
  if (c->t == t && c->d[0]) return;
  int64_t day = day_of(t);
  int s = (int)((t - day * VT_MS_DAY) / 1000);
  format_day(day, c->d);
  size_t n = strlen(c->d);
  memcpy(c->dt, c->d, n);
  c->dt[n] = ' ';
  vt_format_hms(s, c->dt + n + 1);
  c->t = t;
}

/* ---- Binding -------------------------------------------------------------- */

/* Bind helpers: each returns the sqlite3_bind_* result.  Strings are bound
** SQLITE_STATIC: they outlive the statement's step (text: vt_bind_text). */
/* The id, or NULL for 0. */
static int bind_id(sqlite3_stmt *st, int i, int64_t id) {
  return id ? sqlite3_bind_int64(st, i, id) : sqlite3_bind_null(st, i);
}

/* Date and datetime of t in columns i and i+1 (NULL, NULL for VT_NO_TIME). */
static int bind_when(sqlite3_stmt *st, int i, vt_time t, tcache *c) {
  if (t == VT_NO_TIME) return sqlite3_bind_null(st, i) | sqlite3_bind_null(st, i + 1);
  format_time(c, t);
  return sqlite3_bind_text(st, i, c->d, -1, SQLITE_STATIC) |
         sqlite3_bind_text(st, i + 1, c->dt, -1, SQLITE_STATIC);
}

/* Run one bound statement, reset it and clear its bindings; the result. */
static int step_reset(sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  int rc2 = sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (rc == SQLITE_DONE) rc = rc2 == SQLITE_OK ? SQLITE_OK : rc2;
  return rc;
}

/* ---- Files ------------------------------------------------------------------ */




static void free_writer(vt_omop_writer *w) {
  vt_dbout_close(&w->o);
  vt_kv_free(&w->info);
  for (size_t i = 0; i < w->num; i++) { free(w->um[i].system); free(w->um[i].code); free(w->um[i].display); }
  free(w->um); vt_strmap_free(&w->umap);
  free(w->cera); free(w->dera); free(w->encs); free(w->studies);
  vt_idmap_free(&w->used);
  free(w);
}

/* ---- Open --------------------------------------------------------------------- */

vt_omop_writer *vt_omop_open(const char *path, const struct vt_vocab *vocab, char *err, size_t errlen) {
  vt_omop_writer *w = calloc(1, sizeof *w);
  if (!w) { vt_seterr(err, errlen, "out of memory"); return NULL; }
  w->vocab = vocab;
  w->tstart.t = w->tend.t = VT_NO_TIME;
  if (vt_dbout_open(&w->o, path, SCHEMA_FILE, vt_writer_pragmas, insert_sql, omop_tables, OT__COUNT, err, errlen) != 0) {
    free(w);
    return NULL;
  }
  return w;
}

/* ---- Concepts used ---------------------------------------------------------- */

size_t vt_omop_fixed_concepts(int64_t *out, size_t max) {
  static const int64_t own[] = {
    TYPE_EHR, TYPE_EHR_ENCOUNTER, TYPE_EHR_PRESCRIPTION, TYPE_EHR_ADMIN, GENDER_MALE, GENDER_FEMALE,
    ETHN_HISPANIC, ETHN_NOT_HISP, OBS_DRUG_ALLERGY, OBS_SUBSTANCE_ALLERGY, CDM_VERSION_54,
    SPECIALTY_GENERAL_PRACT,
  };
  size_t n = 0;
  for (size_t i = 0; i < sizeof own / sizeof own[0]; i++, n++)
    if (out && n < max) out[n] = own[i];
  for (size_t i = 0; i < sizeof visit_classes / sizeof visit_classes[0]; i++, n++)
    if (out && n < max) out[n] = visit_classes[i].concept;
  for (size_t i = 0; i < sizeof races / sizeof races[0]; i++, n++)
    if (out && n < max) out[n] = races[i].concept;
  return n;
}

/* Is concept id in the used set? */
static int is_used(const vt_omop_writer *w, int64_t id) {
  return id != 0 && vt_idmap_get(&w->used, id, NULL);
}

/* Note the `n` concept ids in ids as used (0s are skipped), when there is a
** vocabulary.  SQLITE_OK, or SQLITE_NOMEM. */
static int use_ids(vt_omop_writer *w, const int64_t *ids, size_t n) {
  if (!w->vocab) return SQLITE_OK;
  for (size_t k = 0; k < n; k++)
    if (ids[k] != 0 && vt_idmap_put(&w->used, ids[k], 0, NULL) < 0) return SQLITE_NOMEM;
  return SQLITE_OK;
}

/* Grow *p (of *cap elements of `size`) to hold n + 1; 0 or -1. */
static int reserve(void **p, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return 0;
  size_t c = *cap ? *cap * 2 : 64;
  while (c <= n) c *= 2;
  void *q = realloc(*p, c * size);
  if (!q) return -1;
  *p = q; *cap = c;
  return 0;
}

/* ---- Codes without a concept ---------------------------------------------- */

/* Count one row of code c written without a concept; 0 or -1 (no memory).
** The key of a code: 0 for no system or 1 and the system, a NUL, the code. */
static int note_unmapped(vt_omop_writer *w, const vt_code *c) {
  size_t ns = c->system ? strlen(c->system) : 0, nc = strlen(c->code);
  char stack[256], *key = ns + nc + 2 <= sizeof stack ? stack : malloc(ns + nc + 2);
  if (!key || reserve((void **)&w->um, &w->capum, w->num, sizeof *w->um) != 0) {
    if (key != stack) free(key);
    return -1;
  }
  key[0] = c->system ? 1 : 0;
  if (ns) memcpy(key + 1, c->system, ns);
  key[ns + 1] = '\0';
  memcpy(key + ns + 2, c->code, nc);
  int added;
  long i = vt_strmap_add(&w->umap, key, ns + nc + 2, &added);
  if (key != stack) free(key);
  if (i < 0) return -1;
  if (!added) { w->um[i].rows++; return 0; }
  unmapped *u = &w->um[w->num];
  u->system = c->system ? strdup(c->system) : NULL;
  u->code = strdup(c->code);
  u->display = c->display ? strdup(c->display) : NULL;
  if ((c->system && !u->system) || !u->code || (c->display && !u->display)) {
    free(u->system); free(u->code); free(u->display);
    return -1;
  }
  u->rows = 1;
  w->num++;
  return 0;
}

/* Count a coded row: mapped if concept != 0, else noted by code.  0 or -1. */
static int count_code(vt_omop_writer *w, const vt_code *c, int64_t concept) {
  if (!c || !c->code) return 0;
  w->coded++;
  if (concept) { w->mapped++; return 0; }
  return note_unmapped(w, c);
}

/* ---- Routing ------------------------------------------------------------------ */

/* Where a coded row goes and with which concepts. */
typedef struct route {
  int table;                  /* OT_* */
  int64_t concept, source_concept;
} route;

static const vt_concept *find_concept(const vt_omop_writer *w, const vt_code *c) {
  if (!w->vocab || !c || !c->code || !c->system) return NULL;
  return vt_vocab_find(w->vocab, c->system, c->code);
}

/* The event table of a concept domain, or -1 for a domain without one. */
static int domain_table(const char *domain) {
  static const struct { const char *domain; int table; } map[] = {
    { "Condition", OT_CONDITION }, { "Drug", OT_DRUG }, { "Procedure", OT_PROCEDURE },
    { "Measurement", OT_MEASUREMENT }, { "Observation", OT_OBSERVATION }, { "Device", OT_DEVICE },
  };
  if (!domain) return -1;
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp(domain, map[i].domain) == 0) return map[i].table;
  return -1;
}

/* The table of code c without a vocabulary: `deflt`.  With one, the table of
** its standard concept's domain, or `deflt` with concept 0 when the code is
** not in the vocabulary, has no standard concept, or its domain has no event
** table (OHDSI's rule: a concept id only ever goes to its domain's table). */
static route route_code(const vt_omop_writer *w, const vt_code *c, int deflt) {
  route r = { deflt, 0, 0 };
  const vt_concept *k = find_concept(w, c);
  if (!k) return r;
  r.source_concept = k->source_concept_id;
  if (k->concept_id == 0) return r;
  int t = domain_table(k->domain_id);
  if (t < 0) return r;
  r.table = t;
  r.concept = k->concept_id;
  return r;
}

/* vitae's own table for a row without a concept (schemas/omop.md). */
static int default_table(const vt_row *r) {
  switch (r->table) {
  case VT_T_CONDITION: return OT_CONDITION;
  case VT_T_MEDICATION: case VT_T_IMMUNIZATION: return OT_DRUG;
  case VT_T_PROCEDURE: case VT_T_IMAGING: return OT_PROCEDURE;
  case VT_T_DEVICE: case VT_T_SUPPLY: return OT_DEVICE;
  case VT_T_OBSERVATION:
    if (r->value_type == VT_OBS_NUMERIC) return OT_MEASUREMENT;
    if (r->category && (strcmp(r->category, "laboratory") == 0 || strcmp(r->category, "vital-signs") == 0))
      return OT_MEASUREMENT;
    return OT_OBSERVATION;
  default: return OT_OBSERVATION;
  }
}

static int64_t visit_concept(const char *cls) {
  if (!cls) return 0;
  for (size_t i = 0; i < sizeof visit_classes / sizeof visit_classes[0]; i++)
    if (strcmp(cls, visit_classes[i].cls) == 0) return visit_classes[i].concept;
  return 0;
}

static int64_t race_concept(const char *race) {
  if (!race) return 0;
  for (size_t i = 0; i < sizeof races / sizeof races[0]; i++)
    if (strcmp(race, races[i].name) == 0) return races[i].concept;
  return 0;
}

static int64_t ethnicity_concept(const char *e) {
  if (!e) return 0;
  if (strcmp(e, "hispanic") == 0) return ETHN_HISPANIC;
  if (strcmp(e, "nonhispanic") == 0) return ETHN_NOT_HISP;
  return 0;
}

/* USPS code of a state name (a two-letter name is kept), or NULL. */
static const char *state_code(const char *s) {
  if (!s) return NULL;
  for (size_t i = 0; i < sizeof us_states / sizeof us_states[0]; i++)
    if (strcmp(s, us_states[i][0]) == 0 || strcmp(s, us_states[i][1]) == 0) return us_states[i][1];
  return strlen(s) <= 2 ? s : NULL;
}

/* ---- Per-record scratch ------------------------------------------------------ */

static int push_era(era_item **a, size_t *n, size_t *cap, int64_t concept, int64_t start, int64_t end) {
  if (reserve((void **)a, cap, *n, sizeof **a) != 0) return -1;
  (*a)[(*n)++] = (era_item){ concept, start, end < start ? start : end };
  return 0;
}

static int cmp_era(const void *a, const void *b) {
  const era_item *x = a, *y = b;
  if (x->concept != y->concept) return x->concept < y->concept ? -1 : 1;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

static int cmp_enc_time(const void *a, const void *b) {
  const enc_item *x = a, *y = b;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_enc_id(const void *a, const void *b) {
  const enc_item *x = a, *y = b;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* The encounter of per-patient number id in w->encs (sorted by id), or NULL. */
static const enc_item *find_enc(const vt_omop_writer *w, int32_t id) {
  size_t lo = 0, hi = w->nencs;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (w->encs[mid].id == id) return &w->encs[mid];
    if (w->encs[mid].id < id) lo = mid + 1; else hi = mid;
  }
  return NULL;
}

/* The visit_occurrence_id of a row's encounter, or 0 if it has none in the
** record (a reference to an encounter not written resolves to nothing). */
static int64_t visit_of(const vt_omop_writer *w, int32_t enc) {
  if (enc < 0 || !find_enc(w, enc)) return 0;
  return w->enc_base + enc + 1;
}

/* Has this imaging study (per-patient number) been seen in the record yet?
** Marks it seen.  1, 0, or -1 on out of memory. */
static int study_seen(vt_omop_writer *w, int32_t study) {
  for (size_t i = 0; i < w->nstudies; i++) if (w->studies[i] == study) return 1;
  if (reserve((void **)&w->studies, &w->capstudies, w->nstudies, sizeof *w->studies) != 0) return -1;
  w->studies[w->nstudies++] = study;
  return 0;
}

/* ---- Rows ------------------------------------------------------------------------ */

/* The end of row r as written to table t: an end after the observation
** period's (a procedure still under way, an encounter closed a little
** after the record's last moment) is cut as window.c cuts records: a
** procedure ends with the period, a condition or device is still going
** (no end).  VT_NO_TIME for none. */
static vt_time end_of(const vt_omop_writer *w, const vt_row *r, int t) {
  vt_time stop = r->stop;
  if (stop == VT_NO_TIME || stop <= w->obs_end) return stop;
  if (t == OT_PROCEDURE) return w->obs_end > r->start ? w->obs_end : r->start;
  return VT_NO_TIME;
}

/* value_as_number at i: a numeric observation's value, else NULL. */
static int bind_number(sqlite3_stmt *st, int i, const vt_row *r, int is_obs) {
  if (is_obs && r->value_type == VT_OBS_NUMERIC) return sqlite3_bind_double(st, i, r->value);
  return sqlite3_bind_null(st, i);
}

/* unit_concept_id at i: the concept of UCUM `units` (0 without a
** vocabulary, also in *used), or NULL without units. */
static int bind_unit(vt_omop_writer *w, sqlite3_stmt *st, int i, const char *units, int64_t *used) {
  if (!units) return sqlite3_bind_null(st, i);
  *used = w->vocab ? vt_vocab_unit(w->vocab, units) : 0;
  return sqlite3_bind_int64(st, i, *used);
}

/* visit_occurrence_id at i (NULL for none), the source value at i + 1 and
** the source concept at i + 2. */
static int bind_visit_code(sqlite3_stmt *st, int i, int64_t visit, const char *code, int64_t source_concept) {
  return bind_id(st, i, visit) | vt_bind_text(st, i + 1, code) | sqlite3_bind_int64(st, i + 2, source_concept);
}

/* Write one clinical row to table ro.table.  r is the vitae row (its values,
** units, udi, quantity are used where the target table has them), c the
** code written.  SQLite result code. */
static int write_event(vt_omop_writer *w, int64_t pid, const vt_row *r, const vt_code *c, route ro) {
  sqlite3_stmt *st = w->o.st[ro.table];
  int64_t id = ++w->last_id[ro.table];
  int64_t visit = visit_of(w, r->encounter);
  const char *code = c ? c->code : NULL;
  int is_obs = r->table == VT_T_OBSERVATION;
  vt_time stop = end_of(w, r, ro.table);
  /* the concepts of the row: type, concept, source concept, and unit or
  ** ingredient */
  int64_t used[4] = { TYPE_EHR, ro.concept, ro.source_concept, 0 };
  int rc = sqlite3_bind_int64(st, 1, id) | sqlite3_bind_int64(st, 2, pid) | sqlite3_bind_int64(st, 3, ro.concept);
  rc |= bind_when(st, 4, r->start, &w->tstart);
  int64_t sday = day_of(r->start);
  switch (ro.table) {
  case OT_CONDITION:
    rc |= bind_when(st, 6, stop, &w->tend);
    rc |= bind_visit_code(st, 8, visit, code, ro.source_concept);
    if (ro.concept && push_era(&w->cera, &w->ncera, &w->capcera, ro.concept, sday,
                               stop != VT_NO_TIME ? day_of(stop) : sday) != 0) return SQLITE_NOMEM;
    break;
  case OT_DRUG: {
    /* the end is required: a prescription still active when the record
    ** ends lasts to the end of the observation period; anything else
    ** without an end is a one-day exposure */
    vt_time end = stop;
    if (end == VT_NO_TIME)
      end = (r->table == VT_T_MEDICATION || r->stop != VT_NO_TIME) && w->obs_end > r->start ? w->obs_end : r->start;
    if (end < r->start) end = r->start;
    rc |= bind_when(st, 6, end, &w->tend);
    if (stop != VT_NO_TIME) rc |= sqlite3_bind_text(st, 8, w->tend.d, -1, SQLITE_STATIC);
    else rc |= sqlite3_bind_null(st, 8);
    int64_t type = r->table == VT_T_IMMUNIZATION ? TYPE_EHR_ADMIN
                 : r->table == VT_T_MEDICATION ? TYPE_EHR_PRESCRIPTION : TYPE_EHR;
    rc |= sqlite3_bind_int64(st, 9, type);
    used[0] = type;
    rc |= bind_visit_code(st, 10, visit, code, ro.source_concept);
    if (ro.concept) {
      int64_t ing = w->vocab ? vt_vocab_ingredient(w->vocab, ro.concept) : ro.concept;
      if (ing && push_era(&w->dera, &w->ndera, &w->capdera, ing, sday, day_of(end)) != 0) return SQLITE_NOMEM;
      used[3] = ing;
    }
    break;
  }
  case OT_PROCEDURE:
    rc |= bind_when(st, 6, stop, &w->tend);
    rc |= bind_visit_code(st, 8, visit, code, ro.source_concept);
    break;
  case OT_DEVICE:
    rc |= bind_when(st, 6, stop, &w->tend);
    rc |= vt_bind_text(st, 8, r->table == VT_T_DEVICE ? r->text : NULL);
    if (r->table == VT_T_SUPPLY) rc |= sqlite3_bind_int(st, 9, r->aux);
    else rc |= sqlite3_bind_null(st, 9);
    rc |= bind_visit_code(st, 10, visit, code, ro.source_concept);
    break;
  case OT_MEASUREMENT: {
    const char *units = is_obs ? r->units : NULL;
    rc |= bind_number(st, 6, r, is_obs);
    rc |= bind_unit(w, st, 7, units, &used[3]);
    rc |= bind_visit_code(st, 8, visit, code, ro.source_concept);
    rc |= vt_bind_text(st, 11, units);
    rc |= vt_bind_text(st, 12, is_obs && r->value_type == VT_OBS_TEXT ? r->text : NULL);
    break;
  }
  case OT_OBSERVATION: {
    const char *units = is_obs && r->value_type == VT_OBS_NUMERIC ? r->units : NULL;
    rc |= bind_number(st, 6, r, is_obs);
    rc |= vt_bind_text(st, 7, is_obs && r->value_type == VT_OBS_TEXT ? r->text : NULL);
    rc |= sqlite3_bind_null(st, 8);
    rc |= bind_unit(w, st, 9, units, &used[3]);
    rc |= bind_visit_code(st, 10, visit, code, ro.source_concept);
    rc |= vt_bind_text(st, 13, units);
    rc |= sqlite3_bind_null(st, 14);
    break;
  }
  default:
    return SQLITE_MISUSE;
  }
  if (rc != SQLITE_OK) return rc;
  if ((rc = step_reset(st)) != SQLITE_OK) return rc;
  w->rows[ro.table]++;
  if ((rc = use_ids(w, used, 4)) != SQLITE_OK) return rc;
  return count_code(w, c, ro.concept) != 0 ? SQLITE_NOMEM : SQLITE_OK;
}

/* An allergy: an observation of "Drug allergy" (a medication allergen, or
** one whose concept is a drug) or "Allergy to substance", the allergen's
** concept in value_as_concept_id and its code in observation_source_value;
** "allergy" or "intolerance" in qualifier_source_value. */
static int write_allergy(vt_omop_writer *w, int64_t pid, const vt_row *r) {
  sqlite3_stmt *st = w->o.st[OT_OBSERVATION];
  const vt_code *c = r->code;
  const vt_concept *k = find_concept(w, c);
  int drug = (r->category && strcmp(r->category, "medication") == 0) ||
             (k && k->concept_id && k->domain_id && strcmp(k->domain_id, "Drug") == 0) ||
             (c && c->system && strcmp(c->system, "RxNorm") == 0);
  int64_t allergen = k ? k->concept_id : 0;
  int64_t id = ++w->last_id[OT_OBSERVATION];
  int rc = sqlite3_bind_int64(st, 1, id) | sqlite3_bind_int64(st, 2, pid);
  rc |= sqlite3_bind_int64(st, 3, drug ? OBS_DRUG_ALLERGY : OBS_SUBSTANCE_ALLERGY);
  rc |= bind_when(st, 4, r->start, &w->tstart);
  rc |= sqlite3_bind_null(st, 6) | sqlite3_bind_null(st, 7);
  rc |= sqlite3_bind_int64(st, 8, allergen);
  rc |= sqlite3_bind_null(st, 9);
  rc |= bind_id(st, 10, visit_of(w, r->encounter));
  rc |= vt_bind_text(st, 11, c ? c->code : NULL);
  rc |= sqlite3_bind_int64(st, 12, k ? k->source_concept_id : 0);
  rc |= sqlite3_bind_null(st, 13);
  rc |= vt_bind_text(st, 14, r->text);
  if (rc != SQLITE_OK) return rc;
  if ((rc = step_reset(st)) != SQLITE_OK) return rc;
  w->rows[OT_OBSERVATION]++;
  int64_t used[4] = { TYPE_EHR, drug ? OBS_DRUG_ALLERGY : OBS_SUBSTANCE_ALLERGY, allergen, k ? k->source_concept_id : 0 };
  if ((rc = use_ids(w, used, 4)) != SQLITE_OK) return rc;
  return count_code(w, c, allergen) != 0 ? SQLITE_NOMEM : SQLITE_OK;
}

/* An encounter: a visit_occurrence with the concept of its class. */
static int write_visit(vt_omop_writer *w, int64_t pid, const vt_row *r) {
  sqlite3_stmt *st = w->o.st[OT_VISIT];
  const enc_item *e = find_enc(w, r->id);
  vt_time end = r->stop != VT_NO_TIME && r->stop >= r->start ? r->stop : r->start;
  if (end > w->obs_end) end = w->obs_end > r->start ? w->obs_end : r->start;   /* as end_of: closed at the end */
  int64_t used[2] = { TYPE_EHR_ENCOUNTER, visit_concept(r->text) };
  int rc = sqlite3_bind_int64(st, 1, w->enc_base + r->id + 1) | sqlite3_bind_int64(st, 2, pid);
  rc |= sqlite3_bind_int64(st, 3, used[1]);
  rc |= bind_when(st, 4, r->start, &w->tstart);
  rc |= bind_when(st, 6, end, &w->tend);
  rc |= vt_bind_text(st, 8, r->text);
  rc |= bind_id(st, 9, e ? e->preceding : 0);
  if (rc != SQLITE_OK) return rc;
  if ((rc = step_reset(st)) != SQLITE_OK) return rc;
  w->rows[OT_VISIT]++;
  return use_ids(w, used, 2);
}

/* The imaging study of row r, as a procedure_occurrence of the study's
** procedure code (r->units; a SNOMED CT code in Synthea's ImagingStudy
** states) on its first instance row, unless the record holds the procedure
** row itself (the engine writes one per study). */
static int write_study(vt_omop_writer *w, int64_t pid, const vt_record *rec, const vt_row *r) {
  int seen = study_seen(w, r->id);
  if (seen < 0) return SQLITE_NOMEM;
  if (seen || !r->units) return SQLITE_OK;
  for (size_t i = 0; i < rec->nrows; i++) {
    const vt_row *p = &rec->rows[i];
    if (p->table == VT_T_PROCEDURE && p->start == r->start && p->code && p->code->code &&
        strcmp(p->code->code, r->units) == 0)
      return SQLITE_OK;
  }
  vt_code proc = { "SNOMED-CT", r->units, NULL };
  return write_event(w, pid, r, &proc, route_code(w, &proc, OT_PROCEDURE));
}

/* The person, location, observation period (none when obs_s is NULL: an
** empty window) and death rows of p. */
static int write_person(vt_omop_writer *w, const vt_record *rec, int64_t pid, const vt_time *obs_s, vt_time obs_e,
                        const char **table) {
  const vt_person_row *p = &rec->person;
  char idbuf[24], gender[2] = { p->gender, '\0' };
  int has_loc = p->address || p->city || p->state || p->zip || p->county;
  /* location: location_id = person_id */
  if (has_loc) {
    *table = "location";
    sqlite3_stmt *st = w->o.st[OT_LOCATION];
    const char *state = state_code(p->state);
    int rc = sqlite3_bind_int64(st, 1, pid);
    rc |= vt_bind_text(st, 2, p->address) | vt_bind_text(st, 3, p->city) | vt_bind_text(st, 4, state);
    rc |= vt_bind_text(st, 5, p->zip) | vt_bind_text(st, 6, p->county);
    rc |= vt_bind_text(st, 7, state && p->state && strlen(p->state) > 2 ? "US" : NULL);
    rc |= sqlite3_bind_double(st, 8, p->lat);    /* NaN binds as NULL */
    rc |= sqlite3_bind_double(st, 9, p->lon);
    if (rc != SQLITE_OK || (rc = step_reset(st)) != SQLITE_OK) return rc;
    w->rows[OT_LOCATION]++;
  }
  *table = "person";
  sqlite3_stmt *st = w->o.st[OT_PERSON];
  /* person and observation period */
  int64_t used[4] = { p->gender == 'M' ? GENDER_MALE : p->gender == 'F' ? GENDER_FEMALE : 0,
                      race_concept(p->race), ethnicity_concept(p->ethnicity), TYPE_EHR };
  int rc = sqlite3_bind_int64(st, 1, pid);
  rc |= sqlite3_bind_int64(st, 2, used[0]);
  if (p->birth != VT_NO_TIME) {
    int y, m, d;
    vt_civil_from_days(day_of(p->birth), &y, &m, &d);
    format_time(&w->tstart, p->birth);
    rc |= sqlite3_bind_int(st, 3, y) | sqlite3_bind_int(st, 4, m) | sqlite3_bind_int(st, 5, d);
    rc |= sqlite3_bind_text(st, 6, w->tstart.dt, -1, SQLITE_STATIC);
  } else {
    /* refused by the schema (year_of_birth NOT NULL): names the patient */
    rc |= sqlite3_bind_null(st, 3) | sqlite3_bind_null(st, 4) | sqlite3_bind_null(st, 5) | sqlite3_bind_null(st, 6);
  }
  rc |= sqlite3_bind_int64(st, 7, used[1]);
  rc |= sqlite3_bind_int64(st, 8, used[2]);
  rc |= bind_id(st, 9, has_loc ? pid : 0);
  snprintf(idbuf, sizeof idbuf, "%lld", (long long)pid);
  rc |= sqlite3_bind_text(st, 10, idbuf, -1, SQLITE_STATIC);
  rc |= p->gender ? sqlite3_bind_text(st, 11, gender, 1, SQLITE_STATIC) : sqlite3_bind_null(st, 11);
  rc |= vt_bind_text(st, 12, p->race) | vt_bind_text(st, 13, p->ethnicity);
  if (rc != SQLITE_OK || (rc = step_reset(st)) != SQLITE_OK) return rc;
  w->rows[OT_PERSON]++;

  if (obs_s) {
    *table = "observation_period";
    st = w->o.st[OT_PERIOD];
    char sd[16], ed[16];
    format_day(day_of(*obs_s), sd);
    format_day(day_of(obs_e), ed);
    rc = sqlite3_bind_int64(st, 1, pid) | sqlite3_bind_int64(st, 2, pid);
    rc |= sqlite3_bind_text(st, 3, sd, -1, SQLITE_STATIC) | sqlite3_bind_text(st, 4, ed, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK || (rc = step_reset(st)) != SQLITE_OK) return rc;
    w->rows[OT_PERIOD]++;
  }
  if ((rc = use_ids(w, used, 4)) != SQLITE_OK) return rc;

  if (p->death != VT_NO_TIME) {
    *table = "death";
    st = w->o.st[OT_DEATH];
    const vt_code *c = p->death_cause && p->death_cause->code ? p->death_cause : NULL;
    const vt_concept *k = find_concept(w, c);
    int64_t cause = k && k->concept_id && domain_table(k->domain_id) >= 0 ? k->concept_id : 0;
    rc = sqlite3_bind_int64(st, 1, pid);
    rc |= bind_when(st, 2, p->death, &w->tend);
    if (c) {
      rc |= sqlite3_bind_int64(st, 4, cause) | vt_bind_text(st, 5, c->code);
      rc |= sqlite3_bind_int64(st, 6, k ? k->source_concept_id : 0);
    } else {
      rc |= sqlite3_bind_null(st, 4) | sqlite3_bind_null(st, 5) | sqlite3_bind_null(st, 6);
    }
    if (rc != SQLITE_OK || (rc = step_reset(st)) != SQLITE_OK) return rc;
    w->rows[OT_DEATH]++;
    int64_t dused[3] = { TYPE_EHR, cause, k ? k->source_concept_id : 0 };
    if ((rc = use_ids(w, dused, 3)) != SQLITE_OK) return rc;
    if (count_code(w, c, cause) != 0) return SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

/* ---- Eras ---------------------------------------------------------------------------- */

static int insert_era(vt_omop_writer *w, int t, int64_t pid, int64_t concept, int64_t start, int64_t end,
                      int64_t count, int64_t gap) {
  sqlite3_stmt *st = w->o.st[t];
  char sd[16], ed[16];
  format_day(start, sd);
  format_day(end, ed);
  int rc = sqlite3_bind_int64(st, 1, ++w->last_id[t]) | sqlite3_bind_int64(st, 2, pid);
  rc |= sqlite3_bind_int64(st, 3, concept);
  rc |= sqlite3_bind_text(st, 4, sd, -1, SQLITE_STATIC) | sqlite3_bind_text(st, 5, ed, -1, SQLITE_STATIC);
  rc |= sqlite3_bind_int64(st, 6, count);
  if (t == OT_DRUG_ERA) rc |= sqlite3_bind_int64(st, 7, gap);
  if (rc != SQLITE_OK || (rc = step_reset(st)) != SQLITE_OK) return rc;
  w->rows[t]++;
  return SQLITE_OK;
}

/* condition_era rows of the patient: per concept, occurrences sorted by
** start; one whose start is at most ERA_GAP_DAYS after the era's end so far
** joins the era (its end: the occurrence's end date, else its start date). */
static int write_condition_eras(vt_omop_writer *w, int64_t pid) {
  if (w->ncera > 1) qsort(w->cera, w->ncera, sizeof *w->cera, cmp_era);
  for (size_t i = 0; i < w->ncera; ) {
    const era_item *a = &w->cera[i];
    int64_t start = a->start, end = a->end, n = 1;
    size_t j = i + 1;
    for (; j < w->ncera && w->cera[j].concept == a->concept && w->cera[j].start <= end + ERA_GAP_DAYS; j++) {
      if (w->cera[j].end > end) end = w->cera[j].end;
      n++;
    }
    int rc = insert_era(w, OT_CONDITION_ERA, pid, a->concept, start, end, n, 0);
    if (rc != SQLITE_OK) return rc;
    i = j;
  }
  return SQLITE_OK;
}

/* drug_era rows, as OHDSI's script builds them: per ingredient, exposures
** sorted by start are first joined where they overlap or touch into
** sub-exposures, sub-exposures at most ERA_GAP_DAYS apart form an era;
** drug_exposure_count counts the exposures, gap_days = the era's length
** less the days its sub-exposures cover (each end - start). */
static int write_drug_eras(vt_omop_writer *w, int64_t pid) {
  if (w->ndera > 1) qsort(w->dera, w->ndera, sizeof *w->dera, cmp_era);
  for (size_t i = 0; i < w->ndera; ) {
    int64_t concept = w->dera[i].concept;
    int64_t era_start = w->dera[i].start, era_end = w->dera[i].end, n = 0, covered = 0;
    int64_t sub_start = era_start, sub_end = era_end;
    size_t j = i;
    for (; j < w->ndera && w->dera[j].concept == concept && w->dera[j].start <= era_end + ERA_GAP_DAYS; j++) {
      const era_item *x = &w->dera[j];
      if (x->start > sub_end) {            /* a new sub-exposure */
        covered += sub_end - sub_start;
        sub_start = x->start;
        sub_end = x->end;
      } else if (x->end > sub_end) {
        sub_end = x->end;
      }
      if (x->end > era_end) era_end = x->end;
      n++;
    }
    covered += sub_end - sub_start;
    int rc = insert_era(w, OT_DRUG_ERA, pid, concept, era_start, era_end, n, (era_end - era_start) - covered);
    if (rc != SQLITE_OK) return rc;
    i = j;
  }
  return SQLITE_OK;
}

/* ---- Write ---------------------------------------------------------------------------- */

/* The observation window of rec: its own, or birth to death (or to its last
** event) when unset.  Returns 1 if it is empty (sim/window.h: the patient
** was never observed and gets no observation_period row), else 0. */
static int obs_window(const vt_record *rec, vt_time *s, vt_time *e) {
  const vt_person_row *p = &rec->person;
  *s = p->obs_start;
  *e = p->obs_end;
  if (vt_window_empty(p)) return 1;
  int unset = *s == VT_NO_TIME || *e == VT_NO_TIME || *e < *s || (*s == 0 && *e == 0);
  if (!unset) return 0;
  *s = p->birth;
  if (p->death != VT_NO_TIME) { *e = p->death; return 0; }
  vt_time last = p->birth;
  for (size_t i = 0; i < rec->nrows; i++) {
    const vt_row *r = &rec->rows[i];
    if (r->table == VT_T_TRACE) continue;
    if (r->start != VT_NO_TIME && r->start > last) last = r->start;
    if (r->stop != VT_NO_TIME && r->stop > last) last = r->stop;
  }
  *e = last;
  return 0;
}

int vt_omop_write(vt_omop_writer *w, const vt_record *rec, char *err, size_t errlen) {
  if (!w || !rec) { vt_seterr(err, errlen, "vt_omop_write: no writer or record"); return -1; }
  if (vt_dbout_check(&w->o, err, errlen) != 0) return -1;
  const vt_person_row *p = &rec->person;
  int64_t pid = p->index + 1;
  int64_t before = 0;
  for (int t = 0; t < OT__COUNT; t++) before += w->rows[t];

  /* the record's encounters: per-patient numbers, and the visit before each */
  int32_t max_enc = rec->nencounters - 1;
  w->nencs = 0; w->ncera = 0; w->ndera = 0; w->nstudies = 0;
  for (size_t i = 0; i < rec->nrows; i++) {
    const vt_row *r = &rec->rows[i];
    if (vt_dbout_check_row(&w->o, r, i, p->index, err, errlen) < 0) return -1;
    if (r->encounter > max_enc) max_enc = r->encounter;
    if (r->table != VT_T_ENCOUNTER) continue;
    if (r->id > max_enc) max_enc = r->id;
    if (reserve((void **)&w->encs, &w->capencs, w->nencs, sizeof *w->encs) != 0) {
      vt_seterr(err, errlen, "writing %s: out of memory", w->o.path);
      w->o.failed = 1;
      return -1;
    }
    w->encs[w->nencs++] = (enc_item){ r->id, r->start, 0 };
  }
  if (w->nencs > 1) qsort(w->encs, w->nencs, sizeof *w->encs, cmp_enc_time);
  for (size_t i = 1; i < w->nencs; i++) w->encs[i].preceding = w->enc_base + w->encs[i - 1].id + 1;
  if (w->nencs > 1) qsort(w->encs, w->nencs, sizeof *w->encs, cmp_enc_id);
  for (size_t i = 1; i < w->nencs; i++) {
    if (w->encs[i].id == w->encs[i - 1].id) {
      vt_seterr(err, errlen, "writing %s: patient %lld: encounter number %d given twice",
             w->o.path, (long long)p->index, (int)w->encs[i].id);
      w->o.failed = 1;
      return -1;
    }
  }

  vt_time obs_s, obs_e;
  int no_period = obs_window(rec, &obs_s, &obs_e);
  w->obs_end = obs_e;
  const char *what = "person";
  int rc = write_person(w, rec, pid, no_period ? NULL : &obs_s, obs_e, &what);
  if (rc != SQLITE_OK) {
    vt_dbout_write_error(&w->o, rc, p->index, what, (size_t)-1, err, errlen);
    w->o.failed = 1;
    return -1;
  }

  int64_t counts[VT_T__COUNT] = {0};
  for (size_t i = 0; i < rec->nrows; i++) {
    const vt_row *r = &rec->rows[i];
    counts[r->table]++;
    switch (r->table) {
    case VT_T_ENCOUNTER: rc = write_visit(w, pid, r); break;
    case VT_T_ALLERGY: rc = write_allergy(w, pid, r); break;
    case VT_T_IMAGING: rc = write_study(w, pid, rec, r); break;
    case VT_T_CAREPLAN: w->careplans++; rc = SQLITE_OK; break;
    case VT_T_TRACE: rc = SQLITE_OK; break;
    default: rc = write_event(w, pid, r, r->code, route_code(w, r->code, default_table(r))); break;
    }
    if (rc != SQLITE_OK) {
      vt_dbout_write_error(&w->o, rc, p->index, vt_table_names[r->table], i, err, errlen);
      w->o.failed = 1;
      return -1;
    }
  }
  if ((rc = write_condition_eras(w, pid)) != SQLITE_OK || (rc = write_drug_eras(w, pid)) != SQLITE_OK) {
    vt_dbout_write_error(&w->o, rc, p->index, "eras", (size_t)-1, err, errlen);
    w->o.failed = 1;
    return -1;
  }

  w->enc_base += (int64_t)max_enc + 1;
  w->stats.patients++;
  if (p->death == VT_NO_TIME) w->stats.alive++; else w->stats.dead++;
  for (int t = 0; t < VT_T__COUNT; t++) w->stats.rows[t] += counts[t];
  int64_t after = 0;
  for (int t = 0; t < OT__COUNT; t++) after += w->rows[t];
  return vt_dbout_rows(&w->o, after - before, err, errlen);
}

int vt_omop_set_info(vt_omop_writer *w, const char *key, const char *value) {
  return w ? vt_kv_set(&w->info, key, value) : -1;
}

/* ---- Finish ---------------------------------------------------------------------- */


/* The date at the start of s ("YYYY-MM-DD..."), else today (UTC), in out. */
static void date_or_today(const char *s, char out[16]) {
  vt_time t;
  char d[11];
  if (s && strlen(s) >= 10) {
    memcpy(d, s, 10);
    d[10] = '\0';
    if (vt_time_parse_date(d, &t) == 0) { memcpy(out, d, 11); return; }
  }
  format_day(day_of((vt_time)time(NULL) * 1000), out);
}

/* Rows written at finish besides metadata: care_site, provider, cdm_source. */
#define TAIL_FIXED_ROWS 3
/* Metadata rows the writer adds to the info keys: coded and mapped rows. */
#define META_OWN_ROWS   2

/* Insert the care site, provider, cdm_source and metadata rows in the open
** transaction.  0, or -1 with err. */
static int write_tail_rows(vt_omop_writer *w, char *err, size_t errlen) {
  static const char fixed[] =
    "INSERT INTO care_site (care_site_id,care_site_name,care_site_source_value)"
    " VALUES (1,'vitae default care site','vitae');"
    "INSERT INTO provider (provider_id,provider_name,specialty_concept_id,care_site_id,"
    "provider_source_value,specialty_source_value,specialty_source_concept_id)"
    " VALUES (1,'vitae default provider'," STR(SPECIALTY_GENERAL_PRACT) ",1,'vitae','GENERAL PRACTICE',0);";
  if (vt_dbout_exec(&w->o, fixed, "writing", err, errlen) != 0) return -1;

  char release[16], cdm_release[16], desc[512], etl[128];
  date_or_today(vt_kv_get(&w->info, "reference_date"), release);
  date_or_today(vt_kv_get(&w->info, "finished"), cdm_release);
  const char *version = vt_kv_get(&w->info, "vitae_version");
  if (!version) version = VT_VERSION;
  const char *seed = vt_kv_get(&w->info, "seed"), *pop = vt_kv_get(&w->info, "population");
  snprintf(desc, sizeof desc,
           "Synthetic patients simulated by vitae %s (%s patients, seed %s, records up to %s). "
           "No real person is described.", version, pop ? pop : "?", seed ? seed : "?", release);
  snprintf(etl, sizeof etl, "vitae %s, out/omop.c", version);
  /* "none": no vocabulary; "unknown": a vocabulary without VOCABULARY.csv */
  const char *vocab_version = w->vocab ? vt_vocab_version(w->vocab) : "none";
  if (!vocab_version) vocab_version = "unknown";

  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(w->o.db,
    "INSERT INTO cdm_source (cdm_source_name,cdm_source_abbreviation,cdm_holder,source_description,"
    "source_documentation_reference,cdm_etl_reference,source_release_date,cdm_release_date,cdm_version,"
    "cdm_version_concept_id,vocabulary_version) VALUES ('vitae synthetic cohort','vitae','vitae',?1,"
    "'schemas/omop.md in the vitae sources',?2,?3,?4,'v5.4'," STR(CDM_VERSION_54) ",?5)", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    rc = vt_bind_text(st, 1, desc) | vt_bind_text(st, 2, etl) | vt_bind_text(st, 3, release) |
         vt_bind_text(st, 4, cdm_release) | vt_bind_text(st, 5, vocab_version);
    if (rc == SQLITE_OK) rc = step_reset(st);
  }
  sqlite3_finalize(st);
  st = NULL;
  if (rc != SQLITE_OK) {
    vt_seterr(err, errlen, "writing cdm_source to %s: %s", w->o.path, sqlite3_errmsg(w->o.db));
    return -1;
  }

  rc = sqlite3_prepare_v2(w->o.db,
    "INSERT INTO metadata (metadata_id,metadata_concept_id,metadata_type_concept_id,name,"
    "value_as_string,value_as_number,metadata_date) VALUES (?1,0,0,?2,?3,?4,?5)", -1, &st, NULL);
  int64_t id = 0;
  for (size_t i = 0; rc == SQLITE_OK && i < w->info.n + META_OWN_ROWS; i++) {
    rc = sqlite3_bind_int64(st, 1, ++id);
    if (i < w->info.n) {
      rc |= vt_bind_text(st, 2, w->info.items[i].key) | vt_bind_text(st, 3, w->info.items[i].value) | sqlite3_bind_null(st, 4);
    } else {
      int coded = i == w->info.n;
      rc |= vt_bind_text(st, 2, coded ? "omop_coded_rows" : "omop_mapped_rows") | sqlite3_bind_null(st, 3);
      rc |= sqlite3_bind_int64(st, 4, coded ? w->coded : w->mapped);
    }
    rc |= vt_bind_text(st, 5, cdm_release);
    if (rc == SQLITE_OK) rc = step_reset(st);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_OK) {
    vt_seterr(err, errlen, "writing metadata to %s: %s", w->o.path, sqlite3_errmsg(w->o.db));
    return -1;
  }
  w->rows[OT_CARE_SITE] = 1;
  w->rows[OT_PROVIDER] = 1;
  w->rows[OT_CDM_SOURCE] = 1;
  w->rows[OT_METADATA] = id;
  int64_t used[2] = { SPECIALTY_GENERAL_PRACT, CDM_VERSION_54 };
  if (use_ids(w, used, 2) != SQLITE_OK) {
    vt_seterr(err, errlen, "writing %s: out of memory", w->o.path);
    return -1;
  }
  return 0;
}

/* What vt_vocab_each hands each kept concept while the concept rows are
** written. */
typedef struct concept_ctx {
  const vt_omop_writer *w;
  int64_t rows;
} concept_ctx;

/* Insert concept c if the output uses it.  0, or the SQLite error. */
static int insert_concept(const vt_concept_row *c, void *ud) {
  concept_ctx *x = ud;
  const vt_omop_writer *w = x->w;
  if (!is_used(w, c->concept_id)) return 0;
  sqlite3_stmt *st = w->o.st[OT_CONCEPT];
  int rc = sqlite3_bind_int64(st, 1, c->concept_id);
  rc |= vt_bind_text(st, 2, c->concept_name) | vt_bind_text(st, 3, c->domain_id) | vt_bind_text(st, 4, c->vocabulary_id);
  rc |= vt_bind_text(st, 5, c->concept_class_id) | vt_bind_text(st, 6, c->standard_concept);
  rc |= vt_bind_text(st, 7, c->concept_code) | vt_bind_text(st, 8, c->valid_start_date);
  rc |= vt_bind_text(st, 9, c->valid_end_date) | vt_bind_text(st, 10, c->invalid_reason);
  if (rc != SQLITE_OK || (rc = step_reset(st)) != SQLITE_OK) return rc;
  x->rows++;
  return 0;
}

/* Counts the kept concepts the output uses, or will once write_tail_rows
** has added its own. */
static int count_concept(const vt_concept_row *c, void *ud) {
  concept_ctx *x = ud;
  int64_t id = c->concept_id;
  if (is_used(x->w, id) || id == SPECIALTY_GENERAL_PRACT || id == CDM_VERSION_54) x->rows++;
  return 0;
}

/* Insert the vocabulary's row of every concept id written (none without a
** vocabulary) in the open transaction.  0, or -1 with err. */
static int write_concepts(vt_omop_writer *w, char *err, size_t errlen) {
  concept_ctx x = { w, 0 };
  if (!w->vocab) return 0;
  int rc = vt_vocab_each(w->vocab, insert_concept, &x);
  if (rc != 0) {
    vt_seterr(err, errlen, "writing concept to %s: %s", w->o.path,
           rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(w->o.db));
    return -1;
  }
  w->rows[OT_CONCEPT] = x.rows;
  return 0;
}

int vt_omop_finish(vt_omop_writer *w, char *err, size_t errlen) {
  if (!w) { vt_seterr(err, errlen, "vt_omop_finish: no writer"); return -1; }
  if (w->o.finished) return 0;
  if (vt_dbout_finish_start(&w->o, err, errlen) != 0) return -1;
  if (write_tail_rows(w, err, errlen) != 0) return -1;
  if (write_concepts(w, err, errlen) != 0) return -1;
  return vt_dbout_finish(&w->o, err, errlen);
}

void vt_omop_abort(vt_omop_writer *w) {
  if (w) free_writer(w);
}

void vt_omop_free(vt_omop_writer *w) {
  vt_omop_abort(w);
}

/* ---- Reporting ---------------------------------------------------------------------- */

const vt_writer_stats *vt_omop_get_stats(const vt_omop_writer *w) {
  vt_writer_stats *s = (vt_writer_stats *)&w->stats;
  int64_t rows[OT__COUNT];
  memcpy(rows, w->rows, sizeof rows);
  if (!w->o.finished) {   /* what finish will add */
    rows[OT_CARE_SITE] = rows[OT_PROVIDER] = rows[OT_CDM_SOURCE] = 1;
    rows[OT_METADATA] = (int64_t)w->info.n + META_OWN_ROWS;
    if (w->vocab) {
      concept_ctx x = { w, 0 };
      vt_vocab_each(w->vocab, count_concept, &x);
      rows[OT_CONCEPT] = x.rows;
    }
  }
  s->ntables = 0;
  s->total_rows = 0;
  for (int t = 0; t < OT__COUNT && s->ntables < VT_STATS_MAX_TABLES; t++) {
    s->tables[s->ntables].name = omop_tables[t];
    s->tables[s->ntables].rows = rows[t];
    s->ntables++;
    s->total_rows += rows[t];
  }
  return s;
}

const char *vt_omop_temp_path(const vt_omop_writer *w) {
  return w ? w->o.tmp : NULL;
}

int64_t vt_omop_coded_rows(const vt_omop_writer *w) { return w ? w->coded : 0; }
int64_t vt_omop_mapped_rows(const vt_omop_writer *w) { return w ? w->mapped : 0; }

/* Order of the report: most rows first, then by system and code. */
static int cmp_unmapped(const void *a, const void *b) {
  const unmapped *x = *(const unmapped *const *)a, *y = *(const unmapped *const *)b;
  if (x->rows != y->rows) return x->rows > y->rows ? -1 : 1;
  int c = strcmp(x->system ? x->system : "", y->system ? y->system : "");
  return c ? c : strcmp(x->code, y->code);
}

void vt_omop_report_unmapped(const vt_omop_writer *w, FILE *f) {
  if (!w || !f) return;
  int64_t unmapped_rows = w->coded - w->mapped;
  double share = w->coded ? 100.0 * (double)w->mapped / (double)w->coded : 0.0;
  fprintf(f, "OMOP: %lld coded rows, %lld with a concept (%.1f%%)%s\n", (long long)w->coded,
          (long long)w->mapped, share, w->vocab ? "" : "; no vocabulary given (--vocab DIR)");
  if (w->careplans)
    fprintf(f, "OMOP: %lld care plan rows not written (no OMOP table for plans)\n", (long long)w->careplans);
  if (w->num == 0) return;
  fprintf(f, "OMOP: %lld rows without a concept, %zu distinct codes; most frequent:\n",
          (long long)unmapped_rows, w->num);
  const unmapped **order = malloc(w->num * sizeof *order);
  if (!order) { fprintf(f, "  (out of memory listing them)\n"); return; }
  for (size_t i = 0; i < w->num; i++) order[i] = &w->um[i];
  if (w->num > 1) qsort(order, w->num, sizeof *order, cmp_unmapped);
  for (size_t i = 0; i < w->num && i < 10; i++)
    fprintf(f, "  %10lld  %-10s %-16s %s\n", (long long)order[i]->rows,
            order[i]->system ? order[i]->system : "-", order[i]->code,
            order[i]->display ? order[i]->display : "");
  free(order);
}
