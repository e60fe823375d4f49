/*
** writer.c -- the native-schema SQLite writer (see writer.h).
**
** Speed is the point of this file: a cohort is millions of rows and the
** writer is the part of a run the engine cannot overlap.  So the connection
** is set up for a bulk load (no journal, no syncs, exclusive lock), one
** prepared INSERT per table is reused for every row, values are bound
** without copies (SQLITE_STATIC: strings live in the module data or in the
** record, dates in buffers owned by the writer), dates are formatted by hand
** with a one-entry cache per column, rows are committed in batches and the
** indexes are built once at the end.
*/
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <sqlite3.h>

#include "out/dbfile.h"
#include "sim/embedded.h"
#include "sim/vtime.h"
#include "sim/window.h"

#define SCHEMA_FILE   "schemas/native.sql"

/* The prepared inserts: one per clinical table, then these two. */
enum { ST_PATIENT = VT_T__COUNT, ST_PERIOD, ST__COUNT };

/* Bulk-load settings.  No journal and no syncs while writing (finish syncs
** once, before the rename): an unfinished file is never renamed into place,
** so a crash can only lose a temporary file.  The cache
** holds a whole batch (50,000 rows, a few MB) and bounds the sorter of the
** index build; a larger one did not write faster in our measurements but
** made peak memory grow with the cohort (139 MB against 39 MB at 10,000
** patients with 64 MiB). */
const char vt_writer_pragmas[] =
  "PRAGMA page_size=8192;"
  "PRAGMA journal_mode=OFF;"
  "PRAGMA synchronous=OFF;"
  "PRAGMA locking_mode=EXCLUSIVE;"
  "PRAGMA cache_size=-16384;"        /* 16 MiB, 8 times the default */
  "PRAGMA temp_store=FILE;";

/* Column lists follow schemas/native.sql; organization, provider and payer
** are the single default rows (id 1) the writer inserts at finish. */
static const char *const insert_sql[ST__COUNT] = {
  [VT_T_ENCOUNTER] =
    "INSERT INTO encounters (id,start,stop,patient,organization,provider,payer,"
    "encounterclass,code,description,reasoncode,reasondescription,module,state)"
    " VALUES (?1,?2,?3,?4,1,1,1,?5,?6,?7,?8,?9,?10,?11)",
  [VT_T_CONDITION] =
    "INSERT INTO conditions (start,stop,patient,encounter,system,code,description,"
    "module,state) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
  [VT_T_MEDICATION] =
    "INSERT INTO medications (start,stop,patient,payer,encounter,code,description,"
    "dispenses,reasoncode,reasondescription,module,state)"
    " VALUES (?1,?2,?3,1,?4,?5,?6,?7,?8,?9,?10,?11)",
  [VT_T_OBSERVATION] =
    "INSERT INTO observations (date,patient,encounter,category,code,description,"
    "value,units,type,module,state) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
  [VT_T_PROCEDURE] =
    "INSERT INTO procedures (start,stop,patient,encounter,system,code,description,"
    "reasoncode,reasondescription,module,state)"
    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
  [VT_T_IMMUNIZATION] =
    "INSERT INTO immunizations (date,patient,encounter,code,description,module,state)"
    " VALUES (?1,?2,?3,?4,?5,?6,?7)",
  [VT_T_CAREPLAN] =
    "INSERT INTO careplans (id,start,stop,patient,encounter,code,description,"
    "reasoncode,reasondescription,module,state)"
    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
  [VT_T_ALLERGY] =
    "INSERT INTO allergies (start,stop,patient,encounter,code,system,description,"
    "type,category,module,state) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
  [VT_T_DEVICE] =
    "INSERT INTO devices (start,stop,patient,encounter,code,description,udi,"
    "module,state) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
  [VT_T_IMAGING] =
    "INSERT INTO imaging_studies (id,date,patient,encounter,series_uid,"
    "bodysite_code,bodysite_description,modality_code,modality_description,"
    "instance_uid,sop_code,sop_description,procedure_code,module,state)"
    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
  [VT_T_SUPPLY] =
    "INSERT INTO supplies (date,patient,encounter,code,description,quantity,"
    "module,state) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
  [VT_T_TRACE] =
    "INSERT INTO state_trace (patient,module,state,entered,exited) VALUES (?1,?2,?3,?4,?5)",
  [ST_PERIOD] =
    "INSERT INTO observation_periods (patient,start,stop,whole_life) VALUES (?1,?2,?3,?4)",
  [ST_PATIENT] =
  "INSERT INTO patients (id,birthdate,deathdate,ssn,drivers,passport,prefix,"
  "first,last,suffix,maiden,marital,race,ethnicity,gender,birthplace,address,"
  "city,state,county,zip,lat,lon,income,ses,education) VALUES (?1,?2,?3,?4,?5,"
  "?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26)",
};

/* A formatted time and the time it formats, so that runs of rows at the same
** time (an encounter's observations) format it once. */
typedef struct tcache { vt_time t; char s[24]; } tcache;

struct vt_writer {
  vt_dbout o;               /* the file, its inserts (ST_*), its state */
  int64_t enc_base, cp_base, img_base;   /* global id of each patient's number 0, minus 1 */
  tcache tstart, tstop;
  vt_kv info;                  /* run provenance, written at finish */
  vt_writer_stats stats;
};


/* Write "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" for t; years outside 0-9999
** are left to vtime's general formatter. */
static void format_time(vt_time t, char *out, int with_time) {
  int64_t days = t / VT_MS_DAY, ms = t % VT_MS_DAY;
  if (ms < 0) { ms += VT_MS_DAY; days--; }
  if (vt_format_day(days, out) < 0) {
    if (with_time) vt_time_format_iso(t, out); else vt_time_format_date(t, out);
    return;
  }
  if (!with_time) return;
  out[10] = 'T';
  vt_format_hms((int)(ms / 1000), out + 11);
  out[19] = 'Z'; out[20] = '\0';
}

/* Bind helpers: each returns the sqlite3_bind_* result code.  Strings are
** bound SQLITE_STATIC: they outlive the statement's step. */

static int bind_time(sqlite3_stmt *st, int i, vt_time t, tcache *c) {
  if (t == VT_NO_TIME) return sqlite3_bind_null(st, i);
  if (c->t != t || c->s[0] == '\0') { format_time(t, c->s, 1); c->t = t; }
  return sqlite3_bind_text(st, i, c->s, -1, SQLITE_STATIC);
}

/* A per-patient number (encounter, care plan, study) as a global id, or NULL. */
static int bind_ref(sqlite3_stmt *st, int i, int32_t local, int64_t base) {
  return local >= 0 ? sqlite3_bind_int64(st, i, base + local + 1) : sqlite3_bind_null(st, i);
}

static int bind_code(sqlite3_stmt *st, int icode, int idesc, const vt_code *c) {
  if (!c) return sqlite3_bind_null(st, icode) | sqlite3_bind_null(st, idesc);
  return vt_bind_text(st, icode, c->code) | vt_bind_text(st, idesc, c->display);
}

/* Run one bound statement and reset it for the next row; the step result. */
static int step_reset(sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  int rc2 = sqlite3_reset(st);
  if (rc == SQLITE_DONE) rc = rc2 == SQLITE_OK ? SQLITE_OK : rc2;
  return rc;
}



vt_writer *vt_writer_open(const char *path, char *err, size_t errlen) {
  const char *names[ST__COUNT];
  for (int t = 0; t < VT_T__COUNT; t++) names[t] = vt_table_names[t];
  names[ST_PATIENT] = "patients";
  names[ST_PERIOD] = "observation_periods";
  vt_writer *w = calloc(1, sizeof *w);
  if (!w) { vt_seterr(err, errlen, "out of memory"); return NULL; }
  w->tstart.t = w->tstop.t = VT_NO_TIME;
  if (vt_dbout_open(&w->o, path, SCHEMA_FILE, vt_writer_pragmas, insert_sql, names, ST__COUNT, err, errlen) != 0) {
    free(w);
    return NULL;
  }
  return w;
}

/* The text columns of the patients row: parameter, field. */
static const struct { int param; size_t off; } patient_text[] = {
  { 4, offsetof(vt_person_row, ssn) },        { 5, offsetof(vt_person_row, drivers) },
  { 6, offsetof(vt_person_row, passport) },   { 7, offsetof(vt_person_row, prefix) },
  { 8, offsetof(vt_person_row, first) },      { 9, offsetof(vt_person_row, last) },
  { 10, offsetof(vt_person_row, suffix) },    { 11, offsetof(vt_person_row, maiden) },
  { 12, offsetof(vt_person_row, marital) },   { 13, offsetof(vt_person_row, race) },
  { 14, offsetof(vt_person_row, ethnicity) }, { 16, offsetof(vt_person_row, birthplace) },
  { 17, offsetof(vt_person_row, address) },   { 18, offsetof(vt_person_row, city) },
  { 19, offsetof(vt_person_row, state) },     { 20, offsetof(vt_person_row, county) },
  { 21, offsetof(vt_person_row, zip) },       { 25, offsetof(vt_person_row, ses) },
  { 26, offsetof(vt_person_row, education) },
};

/* A date column: "YYYY-MM-DD" in buf, or NULL when t is VT_NO_TIME. */
static int bind_date(sqlite3_stmt *st, int i, vt_time t, char buf[11]) {
  if (t == VT_NO_TIME) return sqlite3_bind_null(st, i);
  format_time(t, buf, 0);
  return sqlite3_bind_text(st, i, buf, -1, SQLITE_STATIC);
}

/* Bind the patients row of `p`. */
static int bind_patient(vt_writer *w, const vt_person_row *p, char birth[11], char death[11], char gender[2]) {
  sqlite3_stmt *st = w->o.st[ST_PATIENT];
  int rc = sqlite3_bind_int64(st, 1, p->index + 1);
  rc |= bind_date(st, 2, p->birth, birth);    /* no birth date: refused by the schema, which names the patient */
  rc |= bind_date(st, 3, p->death, death);
  for (size_t i = 0; i < sizeof patient_text / sizeof patient_text[0]; i++)
    rc |= vt_bind_text(st, patient_text[i].param, *(const char *const *)(const void *)((const char *)p + patient_text[i].off));
  gender[0] = p->gender; gender[1] = '\0';
  rc |= p->gender ? sqlite3_bind_text(st, 15, gender, 1, SQLITE_STATIC) : sqlite3_bind_null(st, 15);
  rc |= sqlite3_bind_double(st, 22, p->lat);   /* NaN binds as NULL */
  rc |= sqlite3_bind_double(st, 23, p->lon);
  rc |= sqlite3_bind_double(st, 24, p->income);
  return rc;
}

/* What a clinical table's parameters hold, in order from ?1: one kind a
** parameter, except the codes (code and description: two). */
typedef enum {
  C_END, C_ID, C_START, C_STOP, C_PATIENT, C_ENCOUNTER, C_SYSTEM, C_CODE, C_CODE_ONLY, C_DISPLAY, C_REASON,
  C_TEXT, C_CATEGORY, C_UNITS, C_AUX, C_VALUE, C_VALUE_TYPE, C_UID0, C_UID1, C_MODULE, C_STATE,
} colkind;

#define PROV C_MODULE, C_STATE, C_END
static const uint8_t row_cols[VT_T__COUNT][16] = {
  [VT_T_ENCOUNTER]    = { C_ID, C_START, C_STOP, C_PATIENT, C_TEXT, C_CODE, C_REASON, PROV },
  [VT_T_CONDITION]    = { C_START, C_STOP, C_PATIENT, C_ENCOUNTER, C_SYSTEM, C_CODE, PROV },
  [VT_T_MEDICATION]   = { C_START, C_STOP, C_PATIENT, C_ENCOUNTER, C_CODE, C_AUX, C_REASON, PROV },
  [VT_T_OBSERVATION]  = { C_START, C_PATIENT, C_ENCOUNTER, C_CATEGORY, C_CODE, C_VALUE, C_UNITS, C_VALUE_TYPE, PROV },
  [VT_T_PROCEDURE]    = { C_START, C_STOP, C_PATIENT, C_ENCOUNTER, C_SYSTEM, C_CODE, C_REASON, PROV },
  [VT_T_IMMUNIZATION] = { C_START, C_PATIENT, C_ENCOUNTER, C_CODE, PROV },
  [VT_T_CAREPLAN]     = { C_ID, C_START, C_STOP, C_PATIENT, C_ENCOUNTER, C_CODE, C_REASON, PROV },
  [VT_T_ALLERGY]      = { C_START, C_STOP, C_PATIENT, C_ENCOUNTER, C_CODE_ONLY, C_SYSTEM, C_DISPLAY, C_TEXT,
                          C_CATEGORY, PROV },
  [VT_T_DEVICE]       = { C_START, C_STOP, C_PATIENT, C_ENCOUNTER, C_CODE, C_TEXT, PROV },
  [VT_T_IMAGING]      = { C_ID, C_START, C_PATIENT, C_ENCOUNTER, C_UID0, C_CODE, C_REASON, C_UID1, C_CATEGORY,
                          C_TEXT, C_UNITS, PROV },
  [VT_T_SUPPLY]       = { C_START, C_PATIENT, C_ENCOUNTER, C_CODE, C_AUX, PROV },
  [VT_T_TRACE]        = { C_PATIENT, C_MODULE, C_STATE, C_START, C_STOP, C_END },
};
#undef PROV

/* Bind one clinical row to its table's statement, column by column as
** row_cols lays them out.  `uid` is scratch space for the imaging UIDs,
** which must live until the step. */
static int bind_row(vt_writer *w, sqlite3_stmt *st, const vt_row *r, int64_t pid, char uid[2][64]) {
  int rc = SQLITE_OK, i = 1;
  const vt_code *c = r->code;
  int64_t eb = w->enc_base;
  int64_t id = r->table == VT_T_ENCOUNTER ? eb : r->table == VT_T_CAREPLAN ? w->cp_base : w->img_base;
  id += r->id + 1;
  if (row_cols[r->table][0] == C_END) return SQLITE_RANGE;    /* a table without a layout */
  if (r->table == VT_T_IMAGING) {
    /* vitae's own UIDs: study.series and study.series.instance. */
    snprintf(uid[0], 64, "%lld.%d", (long long)id, (int)r->aux);
    long long inst = r->value >= 0 && r->value < 1e15 ? (long long)r->value : 0;
    snprintf(uid[1], 64, "%lld.%d.%lld", (long long)id, (int)r->aux, inst);
  }
  for (const uint8_t *k = row_cols[r->table]; *k != C_END; k++, i++) {
    switch ((colkind)*k) {
    case C_ID:         rc |= sqlite3_bind_int64(st, i, id); break;
    case C_START:      rc |= bind_time(st, i, r->start, &w->tstart); break;
    case C_STOP:       rc |= bind_time(st, i, r->stop, &w->tstop); break;
    case C_PATIENT:    rc |= sqlite3_bind_int64(st, i, pid); break;
    case C_ENCOUNTER:  rc |= bind_ref(st, i, r->encounter, eb); break;
    case C_SYSTEM:     rc |= vt_bind_text(st, i, c ? c->system : NULL); break;
    case C_CODE:       rc |= bind_code(st, i, i + 1, c); i++; break;
    case C_CODE_ONLY:  rc |= vt_bind_text(st, i, c ? c->code : NULL); break;
    case C_DISPLAY:    rc |= vt_bind_text(st, i, c ? c->display : NULL); break;
    case C_REASON:     rc |= bind_code(st, i, i + 1, r->reason); i++; break;
    case C_TEXT:       rc |= vt_bind_text(st, i, r->text); break;
    case C_CATEGORY:   rc |= vt_bind_text(st, i, r->category); break;
    case C_UNITS:      rc |= vt_bind_text(st, i, r->units); break;
    case C_AUX:        rc |= sqlite3_bind_int(st, i, r->aux); break;
    case C_VALUE:
      rc |= r->value_type == VT_OBS_TEXT ? vt_bind_text(st, i, r->text) : sqlite3_bind_double(st, i, r->value);
      break;
    case C_VALUE_TYPE:
      rc |= r->value_type == VT_OBS_TEXT ? sqlite3_bind_text(st, i, "text", 4, SQLITE_STATIC)
                                         : sqlite3_bind_text(st, i, "numeric", 7, SQLITE_STATIC);
      break;
    case C_UID0:       rc |= sqlite3_bind_text(st, i, uid[0], -1, SQLITE_STATIC); break;
    case C_UID1:       rc |= sqlite3_bind_text(st, i, uid[1], -1, SQLITE_STATIC); break;
    case C_MODULE:     rc |= vt_bind_text(st, i, r->module); break;
    case C_STATE:      rc |= vt_bind_text(st, i, r->state); break;
    case C_END:        break;
    }
  }
  return rc;
}

int vt_writer_write(vt_writer *w, const vt_record *rec, char *err, size_t errlen) {
  if (!w || !rec) { vt_seterr(err, errlen, "vt_writer_write: no writer or record"); return -1; }
  if (vt_dbout_check(&w->o, err, errlen) != 0) return -1;
  const vt_person_row *p = &rec->person;
  char birth[24], death[24], gender[2], uid[2][64];
  int rc = bind_patient(w, p, birth, death, gender);
  if (rc != SQLITE_OK || (rc = step_reset(w->o.st[ST_PATIENT])) != SQLITE_OK) {
    vt_dbout_write_error(&w->o, rc, p->index, NULL, (size_t)-1, err, errlen);
    w->o.failed = 1;
    return -1;
  }
  int64_t pid = p->index + 1;
  if (!vt_window_empty(p)) {   /* an empty window (never observed): no period row */
    sqlite3_stmt *st = w->o.st[ST_PERIOD];
    rc = sqlite3_bind_int64(st, 1, pid);
    rc |= bind_time(st, 2, p->obs_start, &w->tstart);
    rc |= bind_time(st, 3, p->obs_end, &w->tstop);
    rc |= sqlite3_bind_int(st, 4, !p->obs_cut);
    if (rc != SQLITE_OK || (rc = step_reset(st)) != SQLITE_OK) {
      vt_dbout_write_error(&w->o, rc, p->index, NULL, (size_t)-1, err, errlen);
      w->o.failed = 1;
      return -1;
    }
  }
  int32_t max_enc = rec->nencounters - 1, max_cp = rec->ncareplans - 1, max_img = -1;
  int64_t counts[VT_T__COUNT] = {0};
  for (size_t i = 0; i < rec->nrows; i++) {
    const vt_row *r = &rec->rows[i];
    if (vt_dbout_check_row(&w->o, r, i, p->index, err, errlen) < 0) return -1;
    sqlite3_stmt *st = w->o.st[r->table];
    rc = bind_row(w, st, r, pid, uid);
    if (rc != SQLITE_OK || (rc = step_reset(st)) != SQLITE_OK) {
      vt_dbout_write_error(&w->o, rc, p->index, vt_table_names[r->table], i, err, errlen);
      w->o.failed = 1;
      return -1;
    }
    counts[r->table]++;
    if (r->encounter > max_enc) max_enc = r->encounter;
    switch (r->table) {
    case VT_T_ENCOUNTER: if (r->id > max_enc) max_enc = r->id; break;
    case VT_T_CAREPLAN:  if (r->id > max_cp) max_cp = r->id; break;
    case VT_T_IMAGING:   if (r->id > max_img) max_img = r->id; break;
    default: break;
    }
  }
  w->enc_base += (int64_t)max_enc + 1;
  w->cp_base += (int64_t)max_cp + 1;
  w->img_base += (int64_t)max_img + 1;
  w->stats.patients++;
  if (p->death == VT_NO_TIME) w->stats.alive++; else w->stats.dead++;
  for (int t = 0; t < VT_T__COUNT; t++) w->stats.rows[t] += counts[t];
  w->stats.total_rows += (int64_t)rec->nrows + 2;
  return vt_dbout_rows(&w->o, (int64_t)rec->nrows + 2, err, errlen);
}

/* Insert one module_states row now, inside the open transaction. */
int vt_writer_add_module_state(vt_writer *w, const char *module, const char *path, const char *state,
                               const char *type, int64_t patients, int64_t entries, char *err, size_t errlen) {
  if (!w || w->o.failed || !w->o.db) { vt_seterr(err, errlen, "writing module_states: the writer failed earlier"); return -1; }
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(w->o.db, "INSERT INTO module_states (module,path,state,type,patients,entries)"
                              " VALUES (?1,?2,?3,?4,?5,?6)", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    rc |= vt_bind_text(st, 1, module);
    rc |= vt_bind_text(st, 2, path);
    rc |= vt_bind_text(st, 3, state);
    rc |= vt_bind_text(st, 4, type);
    rc |= sqlite3_bind_int64(st, 5, patients);
    rc |= sqlite3_bind_int64(st, 6, entries);
    if (rc == SQLITE_OK) rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(w->o.db);
  }
  if (rc != SQLITE_OK) {
    vt_seterr(err, errlen, "writing %s: module_states row for %s/%s: %s", w->o.path, path, state, sqlite3_errmsg(w->o.db));
    sqlite3_finalize(st);
    w->o.failed = 1;
    return -1;
  }
  sqlite3_finalize(st);
  return 0;
}

/* Insert one module_transitions row now, inside the open transaction. */
int vt_writer_add_module_transition(vt_writer *w, const char *module, const char *path, const char *from,
                                    const char *to, int64_t transitions, char *err, size_t errlen) {
  if (!w || w->o.failed || !w->o.db) { vt_seterr(err, errlen, "writing module_transitions: the writer failed earlier"); return -1; }
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(w->o.db, "INSERT INTO module_transitions (module,path,from_state,to_state,transitions)"
                              " VALUES (?1,?2,?3,?4,?5)", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    rc |= vt_bind_text(st, 1, module);
    rc |= vt_bind_text(st, 2, path);
    rc |= vt_bind_text(st, 3, from);
    rc |= vt_bind_text(st, 4, to);
    rc |= sqlite3_bind_int64(st, 5, transitions);
    if (rc == SQLITE_OK) rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(w->o.db);
  }
  if (rc != SQLITE_OK) {
    vt_seterr(err, errlen, "writing %s: module_transitions row for %s/%s -> %s: %s", w->o.path, path, from, to,
              sqlite3_errmsg(w->o.db));
    sqlite3_finalize(st);
    w->o.failed = 1;
    return -1;
  }
  sqlite3_finalize(st);
  return 0;
}

/* Bind x to parameter i of st, NULL when x is NaN. */
static int bind_real_or_null(sqlite3_stmt *st, int i, double x) {
  return x == x ? sqlite3_bind_double(st, i, x) : sqlite3_bind_null(st, i);
}

int vt_writer_add_privacy(vt_writer *w, const char *measurement, const char *mechanism, double sensitivity,
                          double sigma, double rho, double epsilon, double delta, const char *params_file,
                          char *err, size_t errlen) {
  if (!w || w->o.failed || !w->o.db) { vt_seterr(err, errlen, "writing privacy_ledger: the writer failed earlier"); return -1; }
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(w->o.db, "INSERT INTO privacy_ledger (measurement,mechanism,sensitivity,sigma,rho,"
                              "epsilon,delta,params_file) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    rc |= vt_bind_text(st, 1, measurement);
    rc |= vt_bind_text(st, 2, mechanism);
    rc |= bind_real_or_null(st, 3, sensitivity);
    rc |= bind_real_or_null(st, 4, sigma);
    rc |= bind_real_or_null(st, 5, rho);
    rc |= bind_real_or_null(st, 6, epsilon);
    rc |= bind_real_or_null(st, 7, delta);
    rc |= vt_bind_text(st, 8, params_file);
    if (rc == SQLITE_OK) rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(w->o.db);
  }
  if (rc != SQLITE_OK) {
    vt_seterr(err, errlen, "writing %s: privacy_ledger row %s: %s", w->o.path, measurement, sqlite3_errmsg(w->o.db));
    sqlite3_finalize(st);
    w->o.failed = 1;
    return -1;
  }
  sqlite3_finalize(st);
  return 0;
}

int vt_writer_set_info(vt_writer *w, const char *key, const char *value) {
  return w ? vt_kv_set(&w->info, key, value) : -1;
}

/* Insert the run_info keys and the default organization, provider and payer
** (with their encounter and procedure counts) in the open transaction. */
static int write_tail_rows(vt_writer *w, char *err, size_t errlen) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(w->o.db, "INSERT OR REPLACE INTO run_info (key, value) VALUES (?1, ?2)", -1, &st, NULL);
  for (size_t i = 0; rc == SQLITE_OK && i < w->info.n; i++) {
    rc = vt_bind_text(st, 1, w->info.items[i].key) | vt_bind_text(st, 2, w->info.items[i].value);
    if (rc == SQLITE_OK) rc = step_reset(st);
  }
  if (rc != SQLITE_OK) {
    vt_seterr(err, errlen, "writing run_info to %s: %s", w->o.path, sqlite3_errmsg(w->o.db));
    sqlite3_finalize(st);
    return -1;
  }
  sqlite3_finalize(st);

  const vt_writer_stats *s = &w->stats;
  char sql[1024];
  snprintf(sql, sizeof sql,
    "INSERT INTO organizations (id,name,revenue,utilization) VALUES (1,'vitae default organization',0,%lld);"
    "INSERT INTO providers (id,organization,name,speciality,encounters,procedures)"
    " VALUES (1,1,'vitae default provider','GENERAL PRACTICE',%lld,%lld);"
    "INSERT INTO payers (id,name,ownership,amount_covered,amount_uncovered,revenue,"
    "covered_encounters,uncovered_encounters,covered_medications,uncovered_medications,"
    "covered_procedures,uncovered_procedures,covered_immunizations,uncovered_immunizations,"
    "unique_customers) VALUES (1,'NO_INSURANCE','NO_INSURANCE',0,0,0,0,%lld,0,%lld,0,%lld,0,%lld,%lld);",
    (long long)s->rows[VT_T_ENCOUNTER],
    (long long)s->rows[VT_T_ENCOUNTER], (long long)s->rows[VT_T_PROCEDURE],
    (long long)s->rows[VT_T_ENCOUNTER], (long long)s->rows[VT_T_MEDICATION],
    (long long)s->rows[VT_T_PROCEDURE], (long long)s->rows[VT_T_IMMUNIZATION],
    (long long)s->patients);
  return vt_dbout_exec(&w->o, sql, "writing", err, errlen);
}


int vt_writer_finish(vt_writer *w, char *err, size_t errlen) {
  if (!w) { vt_seterr(err, errlen, "vt_writer_finish: no writer"); return -1; }
  if (w->o.finished) return 0;
  if (vt_dbout_finish_start(&w->o, err, errlen) != 0) return -1;
  if (write_tail_rows(w, err, errlen) != 0) return -1;
  return vt_dbout_finish(&w->o, err, errlen);
}

void vt_writer_abort(vt_writer *w) {
  if (!w) return;
  vt_dbout_close(&w->o);
  vt_kv_free(&w->info);
  free(w);
}

void vt_writer_free(vt_writer *w) {
  vt_writer_abort(w);
}

const vt_writer_stats *vt_writer_get_stats(const vt_writer *w) {
  vt_writer_stats *s = (vt_writer_stats *)&w->stats;
  s->ntables = 0;
  for (int t = 0; t < VT_T__COUNT && s->ntables < VT_STATS_MAX_TABLES; t++) {
    s->tables[s->ntables].name = vt_table_names[t];
    s->tables[s->ntables].rows = s->rows[t];
    s->ntables++;
  }
  return s;
}

const char *vt_writer_temp_path(const vt_writer *w) {
  return w ? w->o.tmp : NULL;
}
