/*
** test_writer.c -- the native-schema writer: hand-built records are written,
** the database is reopened with SQLite and its rows, ids, dates and NULLs
** checked; the temporary-file protocol (finish renames, abort deletes, an
** existing file survives an abort) and error reporting are exercised.
*/
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "out/writer.h"
#include "sim/record.h"
#include "sim/vtime.h"
#include "test.h"

static const vt_code enc_wellness = {"SNOMED-CT", "410620009", "Well child visit (procedure)"};
static const vt_code enc_emergency = {"SNOMED-CT", "50849002", "Emergency room admission (procedure)"};
static const vt_code cond_appendicitis = {"SNOMED-CT", "74400008", "Appendicitis"};
static const vt_code cond_asthma = {"SNOMED-CT", "195967001", "Asthma"};
static const vt_code obs_height = {"LOINC", "8302-2", "Body Height"};
static const vt_code obs_smoking = {"LOINC", "72166-2", "Tobacco smoking status"};
static const vt_code med_amox = {"RxNorm", "308192", "Amoxicillin 500 MG Oral Tablet"};
static const vt_code proc_append = {"SNOMED-CT", "80146002", "Appendectomy"};
static const vt_code imm_hepb = {"CVX", "08", "Hep B, adolescent or pediatric"};
static const vt_code cp_resp = {"SNOMED-CT", "53950000", "Respiratory therapy"};
static const vt_code allergy_bee = {"SNOMED-CT", "288328004", "Bee venom (substance)"};
static const vt_code dev_neb = {"SNOMED-CT", "170615005", "Home nebulizer (physical object)"};
static const vt_code img_site = {"SNOMED-CT", "51299004", "Clavicle"};
static const vt_code img_mod = {"DICOM-DCM", "DX", "Digital Radiography"};
static const vt_code sup_strips = {"SNOMED-CT", "337388004", "Blood glucose testing strips (physical object)"};

static vt_time T(int y, int m, int d, int hh, int mm, int ss) {
  return vt_time_from_date(y, m, d) + hh * VT_MS_HOUR + mm * VT_MS_MINUTE + ss * VT_MS_SECOND;
}

static void person(vt_record *r, int64_t index, vt_time birth, vt_time death, char gender) {
  vt_person_row *p = &r->person;
  p->index = index; p->birth = birth; p->death = death; p->gender = gender;
  p->first = vt_record_strdup(r, index == 0 ? "Alice1" : index == 1 ? "Bob2" : "Carol3");
  p->last = "Tester"; p->race = "white"; p->ethnicity = "nonhispanic";
  p->marital = index == 1 ? "M" : NULL;
  p->city = "Lincoln"; p->state = "Nebraska"; p->county = "Lancaster County"; p->zip = "68504";
  p->lat = 40.8; p->lon = -96.7; p->income = 50000 + 1000.0 * (double)index;
  p->ses = "Middle"; p->education = "hs_degree"; p->ssn = "999-12-3456";
}

static vt_row *add(vt_record *r, vt_table t, int32_t enc, vt_time start, vt_time stop, const vt_code *code) {
  size_t i = vt_record_add(r, t);   /* may move r->rows: index after the call */
  vt_row *row = &r->rows[i];
  row->encounter = enc; row->start = start; row->stop = stop; row->code = code;
  row->module = "test_module"; row->state = "Some_State";
  return row;
}

static vt_row *encounter(vt_record *r, vt_time start, vt_time stop, const char *cls, const vt_code *code) {
  vt_row *row = add(r, VT_T_ENCOUNTER, -1, start, stop, code);
  row->id = r->nencounters++;
  row->text = cls;
  return row;
}

/* Patient 0: alive, two encounters, one row of every table. */
static void build_p0(vt_record *r) {
  vt_record_reset(r);
  person(r, 0, vt_time_from_date(1950, 3, 1), VT_NO_TIME, 'F');
  vt_time e0 = T(2000, 1, 2, 3, 4, 5), e1 = T(2001, 6, 7, 8, 9, 10);
  encounter(r, e0, e0 + 15 * VT_MS_MINUTE, "wellness", &enc_wellness);
  vt_row *er = encounter(r, e1, e1 + VT_MS_HOUR, "emergency", &enc_emergency);
  er->reason = &cond_appendicitis;
  add(r, VT_T_CONDITION, 1, e1, VT_NO_TIME, &cond_appendicitis);          /* open */
  add(r, VT_T_CONDITION, 0, e0, e1, &cond_asthma);                         /* closed */
  add(r, VT_T_CONDITION, -1, e0, VT_NO_TIME, NULL);                       /* no encounter, no code */
  vt_row *o = add(r, VT_T_OBSERVATION, 0, e0, VT_NO_TIME, &obs_height);
  o->value_type = VT_OBS_NUMERIC; o->value = 172.5; o->units = "cm"; o->category = "vital-signs";
  o = add(r, VT_T_OBSERVATION, 0, e0, VT_NO_TIME, &obs_smoking);
  o->value_type = VT_OBS_TEXT; o->text = vt_record_strdup(r, "Never smoker"); o->category = "survey";
  vt_row *m = add(r, VT_T_MEDICATION, 1, e1, e1 + 14 * VT_MS_DAY, &med_amox);
  m->aux = 3; m->reason = &cond_appendicitis;
  vt_row *pr = add(r, VT_T_PROCEDURE, 1, e1, e1 + 40 * VT_MS_MINUTE, &proc_append);
  pr->reason = &cond_appendicitis;
  add(r, VT_T_IMMUNIZATION, 0, e0, VT_NO_TIME, &imm_hepb);
  vt_row *cp = add(r, VT_T_CAREPLAN, 0, e0, VT_NO_TIME, &cp_resp);
  cp->id = r->ncareplans++; cp->reason = &cond_asthma;
  vt_row *al = add(r, VT_T_ALLERGY, 0, e0, VT_NO_TIME, &allergy_bee);
  al->text = "allergy"; al->category = "environment";
  vt_row *dv = add(r, VT_T_DEVICE, 0, e0, VT_NO_TIME, &dev_neb);
  dv->text = "(01)30026754031591(21)79142877";
  vt_row *im = add(r, VT_T_IMAGING, 1, e1, VT_NO_TIME, &img_site);
  im->id = 0; im->aux = 0; im->value = 0; im->reason = &img_mod;
  im->category = "1.2.840.10008.5.1.4.1.1.1.1"; im->text = "Digital X-Ray Image Storage"; im->units = "168594001";
  vt_row *su = add(r, VT_T_SUPPLY, 0, e0, VT_NO_TIME, &sup_strips);
  su->aux = 50;
}

/* Patient 1: dead, one encounter with an observation. */
static void build_p1(vt_record *r) {
  vt_record_reset(r);
  person(r, 1, vt_time_from_date(1930, 12, 31), T(2020, 2, 29, 23, 59, 59), 'M');
  vt_time e0 = T(2019, 12, 31, 23, 30, 0);
  encounter(r, e0, e0 + 2 * VT_MS_HOUR, "inpatient", &enc_emergency);
  vt_row *o = add(r, VT_T_OBSERVATION, 0, e0, VT_NO_TIME, &obs_height);
  o->value_type = VT_OBS_NUMERIC; o->value = 180; o->units = "cm";
}

/* Patient 2: three encounters, two care plans, rows that refer to encounter 1. */
static void build_p2(vt_record *r) {
  vt_record_reset(r);
  person(r, 2, vt_time_from_date(2010, 7, 4), VT_NO_TIME, 'F');
  for (int i = 0; i < 3; i++) {
    vt_time e = T(2015 + i, 3, 1, 9, 0, 0);
    encounter(r, e, e + 30 * VT_MS_MINUTE, "ambulatory", &enc_wellness);
  }
  add(r, VT_T_CONDITION, 1, T(2016, 3, 1, 9, 0, 0), VT_NO_TIME, &cond_asthma);
  for (int i = 0; i < 2; i++) {
    vt_row *cp = add(r, VT_T_CAREPLAN, 1, T(2016, 3, 1, 9, 0, 0), VT_NO_TIME, &cp_resp);
    cp->id = r->ncareplans++;
  }
}

static int64_t q_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st;
  int64_t v = -999;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    printf("# prepare failed: %s: %s\n", sql, sqlite3_errmsg(db));
    return v;
  }
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* First column of the first row as text ("(null)" for NULL) in buf. */
static const char *q_text(sqlite3 *db, const char *sql, char *buf, size_t n) {
  sqlite3_stmt *st;
  snprintf(buf, n, "(no row)");
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    snprintf(buf, n, "(error: %s)", sqlite3_errmsg(db));
    return buf;
  }
  if (sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(buf, n, "%s", t ? (const char *)t : "(null)");
  }
  sqlite3_finalize(st);
  return buf;
}

static int exists(const char *path) { struct stat sb; return stat(path, &sb) == 0; }

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f) { fputs(text, f); fclose(f); }
}

static int file_is(const char *path, const char *text) {
  char buf[256] = {0};
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return strcmp(buf, text) == 0;
}

static void test_cohort(const char *root) {
  char dir[600], path[700], err[512], buf[256];
  snprintf(dir, sizeof dir, "%s/writer/new/sub", root);
  snprintf(path, sizeof path, "%s/cohort.db", dir);
  unlink(path);
  rmdir(dir);

  vt_writer *w = vt_writer_open(path, err, sizeof err);
  CHECK(w != NULL, "open creates missing folders (%s)", w ? "ok" : err);
  if (!w) return;
  const char *tmp = vt_writer_temp_path(w);
  char tmpcopy[800];
  snprintf(tmpcopy, sizeof tmpcopy, "%s", tmp);
  char expect_tmp[800];
  snprintf(expect_tmp, sizeof expect_tmp, "%s.partial-%ld", path, (long)getpid());
  CHECK(strcmp(tmp, expect_tmp) == 0, "temporary file is <path>.partial-<pid>");
  CHECK(exists(tmpcopy) && !exists(path), "writing goes to the temporary file only");

  vt_record r;
  vt_record_init(&r);
  int rc = 0;
  build_p0(&r); rc |= vt_writer_write(w, &r, err, sizeof err);
  build_p1(&r); rc |= vt_writer_write(w, &r, err, sizeof err);
  build_p2(&r); rc |= vt_writer_write(w, &r, err, sizeof err);
  CHECK(rc == 0, "three records written (%s)", rc ? err : "ok");
  CHECK(vt_writer_set_info(w, "seed", "1") == 0 && vt_writer_set_info(w, "seed", "42") == 0 &&
        vt_writer_set_info(w, "population", "3") == 0 && vt_writer_set_info(w, "empty", NULL) == 0,
        "set_info");

  const vt_writer_stats *s = vt_writer_get_stats(w);
  CHECK(s->patients == 3 && s->alive == 2 && s->dead == 1, "stats: 3 patients, 2 alive, 1 dead");
  CHECK(s->rows[VT_T_ENCOUNTER] == 6 && s->rows[VT_T_CONDITION] == 4 && s->rows[VT_T_OBSERVATION] == 3 &&
        s->rows[VT_T_CAREPLAN] == 3, "stats: rows per table");
  CHECK(s->total_rows == 3 + 3 + 15 + 2 + 6, "stats: total rows incl. patients and their observation periods (%lld)",
        (long long)s->total_rows);

  rc = vt_writer_finish(w, err, sizeof err);
  CHECK(rc == 0, "finish (%s)", rc ? err : "ok");
  CHECK(!exists(tmpcopy), "temporary file gone after finish");
  CHECK(exists(path), "final file in place after finish");
  vt_writer_free(w);
  vt_record_free(&r);

  sqlite3 *db;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    CHECK(0, "reopen %s: %s", path, sqlite3_errmsg(db));
    sqlite3_close(db);
    return;
  }
  CHECK(q_int(db, "SELECT count(*) FROM patients") == 3, "patients: 3 rows");
  CHECK(q_int(db, "SELECT count(*) FROM encounters") == 6, "encounters: 6 rows");
  CHECK(q_int(db, "SELECT count(*) FROM conditions") == 4, "conditions: 4 rows");
  CHECK(q_int(db, "SELECT count(*) FROM observations") == 3, "observations: 3 rows");
  CHECK(q_int(db, "SELECT count(*) FROM medications") == 1, "medications: 1 row");
  CHECK(q_int(db, "SELECT count(*) FROM procedures") == 1, "procedures: 1 row");
  CHECK(q_int(db, "SELECT count(*) FROM immunizations") == 1, "immunizations: 1 row");
  CHECK(q_int(db, "SELECT count(*) FROM careplans") == 3, "careplans: 3 rows");
  CHECK(q_int(db, "SELECT count(*) FROM allergies") == 1, "allergies: 1 row");
  CHECK(q_int(db, "SELECT count(*) FROM devices") == 1, "devices: 1 row");
  CHECK(q_int(db, "SELECT count(*) FROM imaging_studies") == 1, "imaging_studies: 1 row");
  CHECK(q_int(db, "SELECT count(*) FROM supplies") == 1, "supplies: 1 row");
  CHECK(q_int(db, "SELECT count(*) FROM organizations") == 1 && q_int(db, "SELECT count(*) FROM providers") == 1 &&
        q_int(db, "SELECT count(*) FROM payers") == 1, "one default organization, provider, payer");
  CHECK(q_int(db, "SELECT utilization FROM organizations") == 6, "organization utilization counts encounters");

  /* Ids: patients index+1, encounters global in write order. */
  CHECK(q_int(db, "SELECT group_concat(id) = '1,2,3' FROM (SELECT id FROM patients ORDER BY id)") == 1,
        "patient ids are index + 1");
  CHECK_STR(q_text(db, "SELECT group_concat(id || ':' || patient, ' ') FROM (SELECT * FROM encounters ORDER BY id)", buf, sizeof buf),
            "1:1 2:1 3:2 4:3 5:3 6:3", "encounter ids global, in write order");
  CHECK(q_int(db, "SELECT count(*) FROM conditions c JOIN encounters e ON e.id = c.encounter WHERE e.patient <> c.patient") == 0,
        "condition encounters belong to the same patient");
  CHECK(q_int(db, "SELECT encounter FROM conditions WHERE patient = 3") == 5, "patient 2's encounter 1 is global id 5");
  CHECK(q_int(db, "SELECT encounter FROM medications") == 2, "medication refers to patient 0's encounter 1 (id 2)");
  CHECK(q_int(db, "SELECT encounter FROM observations WHERE patient = 2") == 3, "patient 1's observation refers to id 3");
  CHECK(q_int(db, "SELECT count(*) FROM conditions WHERE encounter IS NULL") == 1, "encounter -1 is NULL");
  CHECK_STR(q_text(db, "SELECT group_concat(id || ':' || patient || ':' || encounter, ' ') FROM (SELECT * FROM careplans ORDER BY id)", buf, sizeof buf),
            "1:1:1 2:3:5 3:3:5", "care plan ids global");

  /* Dates. */
  CHECK_STR(q_text(db, "SELECT birthdate FROM patients WHERE id = 1", buf, sizeof buf), "1950-03-01", "birthdate before 1970");
  CHECK_STR(q_text(db, "SELECT deathdate FROM patients WHERE id = 1", buf, sizeof buf), "(null)", "alive: deathdate NULL");
  CHECK_STR(q_text(db, "SELECT deathdate FROM patients WHERE id = 2", buf, sizeof buf), "2020-02-29", "deathdate as YYYY-MM-DD");
  CHECK_STR(q_text(db, "SELECT start FROM encounters WHERE id = 1", buf, sizeof buf), "2000-01-02T03:04:05Z", "encounter start ISO");
  CHECK_STR(q_text(db, "SELECT stop FROM encounters WHERE id = 1", buf, sizeof buf), "2000-01-02T03:19:05Z", "encounter stop ISO");
  CHECK_STR(q_text(db, "SELECT start FROM encounters WHERE id = 3", buf, sizeof buf), "2019-12-31T23:30:00Z", "encounter start ISO (year end)");
  CHECK_STR(q_text(db, "SELECT stop FROM encounters WHERE id = 3", buf, sizeof buf), "2020-01-01T01:30:00Z", "encounter stop ISO (next year)");
  CHECK(q_int(db, "SELECT count(*) FROM (SELECT start AS t FROM encounters UNION ALL SELECT start FROM conditions "
                  "UNION ALL SELECT date FROM observations UNION ALL SELECT stop FROM medications) "
                  "WHERE t NOT GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z'") == 0,
        "every event time is YYYY-MM-DDTHH:MM:SSZ");
  {
    char want[24];
    vt_time t = T(2001, 6, 7, 8, 9, 10);
    vt_time_format_iso(t, want);
    CHECK(strcmp(q_text(db, "SELECT start FROM procedures", buf, sizeof buf), want) == 0,
          "fast formatter agrees with vt_time_format_iso");
  }

  /* NULLs and values. */
  CHECK(q_int(db, "SELECT count(*) FROM conditions WHERE code = '74400008' AND stop IS NULL") == 1, "open condition: stop NULL");
  CHECK_STR(q_text(db, "SELECT stop FROM conditions WHERE code = '195967001' AND patient = 1", buf, sizeof buf),
            "2001-06-07T08:09:10Z", "closed condition: stop set");
  CHECK(q_int(db, "SELECT count(*) FROM conditions WHERE code IS NULL AND description IS NULL AND system IS NULL") == 1,
        "NULL code: NULL code, description, system");
  CHECK_STR(q_text(db, "SELECT system FROM conditions WHERE code = '74400008'", buf, sizeof buf), "SNOMED-CT", "condition system");
  CHECK_STR(q_text(db, "SELECT typeof(value) || ' ' || value || ' ' || type || ' ' || units FROM observations WHERE code = '8302-2' AND patient = 1", buf, sizeof buf),
            "real 172.5 numeric cm", "numeric observation is REAL");
  CHECK_STR(q_text(db, "SELECT typeof(value) || ' ' || value || ' ' || type || ' ' || category FROM observations WHERE code = '72166-2'", buf, sizeof buf),
            "text Never smoker text survey", "text observation is TEXT");
  CHECK_STR(q_text(db, "SELECT encounterclass || ' ' || reasoncode || ' ' || reasondescription FROM encounters WHERE id = 2", buf, sizeof buf),
            "emergency 74400008 Appendicitis", "encounter class and reason");
  CHECK(q_int(db, "SELECT count(*) FROM encounters WHERE reasoncode IS NULL") == 5, "encounters without reason: NULL reason");
  CHECK_STR(q_text(db, "SELECT dispenses || ' ' || reasoncode || ' ' || payer FROM medications", buf, sizeof buf),
            "3 74400008 1", "medication dispenses, reason, payer");
  CHECK_STR(q_text(db, "SELECT type || ' ' || category || ' ' || system FROM allergies", buf, sizeof buf),
            "allergy environment SNOMED-CT", "allergy type, category, system");
  CHECK_STR(q_text(db, "SELECT id || ' ' || series_uid || ' ' || instance_uid || ' ' || bodysite_code || ' ' || modality_code || ' ' || sop_code || ' ' || procedure_code FROM imaging_studies", buf, sizeof buf),
            "1 1.0 1.0.0 51299004 DX 1.2.840.10008.5.1.4.1.1.1.1 168594001", "imaging study columns");
  CHECK(q_int(db, "SELECT quantity FROM supplies") == 50, "supply quantity");
  CHECK_STR(q_text(db, "SELECT udi FROM devices", buf, sizeof buf), "(01)30026754031591(21)79142877", "device udi");
  CHECK_STR(q_text(db, "SELECT module || '/' || state FROM immunizations", buf, sizeof buf), "test_module/Some_State", "provenance columns");
  CHECK_STR(q_text(db, "SELECT gender || first || ' ' || ses || ' ' || education || ' ' || income FROM patients WHERE id = 2", buf, sizeof buf),
            "MBob2 Middle hs_degree 51000.0", "patient columns");
  CHECK_STR(q_text(db, "SELECT marital FROM patients WHERE id = 1", buf, sizeof buf), "(null)", "NULL patient field stays NULL");

  /* run_info and indexes. */
  CHECK_STR(q_text(db, "SELECT value FROM run_info WHERE key = 'seed'", buf, sizeof buf), "42", "run_info: last value of a key");
  CHECK(q_int(db, "SELECT count(*) FROM run_info") == 3, "run_info: 3 keys");
  CHECK(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN "
                  "('conditions_patient', 'observations_patient', 'medications_code')") == 3, "indexes built at finish");
  CHECK(q_int(db, "SELECT count(*) FROM privacy_ledger") == 0, "privacy_ledger exists, empty");
  CHECK_STR(q_text(db, "PRAGMA integrity_check", buf, sizeof buf), "ok", "integrity_check");
  sqlite3_close(db);
}

/* Enough rows for several batch commits; ids stay global across them. */
static void test_batches(const char *root) {
  char path[600], err[512];
  snprintf(path, sizeof path, "%s/writer/batches.db", root);
  vt_writer *w = vt_writer_open(path, err, sizeof err);
  CHECK(w != NULL, "open batches.db (%s)", w ? "ok" : err);
  if (!w) return;
  vt_record r;
  vt_record_init(&r);
  int rc = 0;
  for (int64_t i = 0; i < 60 && rc == 0; i++) {
    vt_record_reset(&r);
    person(&r, i, vt_time_from_date(1980, 1, 1), VT_NO_TIME, 'M');
    for (int e = 0; e < 100; e++) {
      vt_time t = vt_time_from_date(1990, 1, 1) + e * VT_MS_WEEK;
      encounter(&r, t, t + VT_MS_HOUR, "wellness", &enc_wellness);
      for (int k = 0; k < 20; k++) {
        vt_row *o = add(&r, VT_T_OBSERVATION, e, t, VT_NO_TIME, &obs_height);
        o->value = k;
      }
    }
    rc = vt_writer_write(w, &r, err, sizeof err);
  }
  CHECK(rc == 0, "126,060 rows over several batches (%s)", rc ? err : "ok");
  rc = vt_writer_finish(w, err, sizeof err);
  CHECK(rc == 0, "finish batches.db (%s)", rc ? err : "ok");
  vt_writer_free(w);
  vt_record_free(&r);
  sqlite3 *db;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
    CHECK(q_int(db, "SELECT count(*) FROM observations") == 120000, "all observations present");
    CHECK(q_int(db, "SELECT max(id) FROM encounters") == 6000 && q_int(db, "SELECT count(DISTINCT id) FROM encounters") == 6000,
          "6000 distinct encounter ids");
    CHECK(q_int(db, "SELECT count(*) FROM observations o JOIN encounters e ON e.id = o.encounter "
                    "WHERE e.patient <> o.patient OR e.start <> o.date") == 0,
          "observations point at their own encounters");
  } else {
    CHECK(0, "reopen batches.db");
  }
  sqlite3_close(db);
  unlink(path);
}

static void test_abort_and_replace(const char *root) {
  char path[600], err[512], tmp[700];
  snprintf(path, sizeof path, "%s/writer/existing.db", root);
  write_file(path, "keep me");
  vt_writer *w = vt_writer_open(path, err, sizeof err);
  CHECK(w != NULL, "open over an existing file (%s)", w ? "ok" : err);
  if (!w) return;
  snprintf(tmp, sizeof tmp, "%s", vt_writer_temp_path(w));
  vt_record r;
  vt_record_init(&r);
  build_p0(&r);
  CHECK(vt_writer_write(w, &r, err, sizeof err) == 0, "write before abort");
  CHECK(exists(tmp), "temporary file exists before abort");
  vt_writer_abort(w);
  CHECK(!exists(tmp), "abort deletes the temporary file");
  CHECK(file_is(path, "keep me"), "abort leaves the existing file intact");

  /* A failing row: NOT NULL start names the patient and table; abort cleans up. */
  w = vt_writer_open(path, err, sizeof err);
  CHECK(w != NULL, "reopen over the existing file");
  if (!w) { vt_record_free(&r); return; }
  snprintf(tmp, sizeof tmp, "%s", vt_writer_temp_path(w));
  build_p1(&r);
  r.rows[1].start = VT_NO_TIME;
  err[0] = '\0';
  int rc = vt_writer_write(w, &r, err, sizeof err);
  CHECK(rc == -1 && strstr(err, "NOT NULL") && strstr(err, "observations") && strstr(err, "patient 1"),
        "bad row is reported with table and patient (%s)", err);
  build_p2(&r);
  CHECK(vt_writer_write(w, &r, err, sizeof err) == -1, "writes after a failure fail");
  CHECK(vt_writer_finish(w, err, sizeof err) == -1, "finish after a failure fails");
  vt_writer_abort(w);
  CHECK(!exists(tmp) && file_is(path, "keep me"), "abort after failure: no temp file, existing file intact");

  /* finish replaces the existing file. */
  w = vt_writer_open(path, err, sizeof err);
  if (!w) { CHECK(0, "open for replace: %s", err); vt_record_free(&r); return; }
  build_p0(&r);
  rc = vt_writer_write(w, &r, err, sizeof err);
  rc |= vt_writer_finish(w, err, sizeof err);
  vt_writer_free(w);
  sqlite3 *db;
  int ok = rc == 0 && sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK;
  CHECK(ok && q_int(db, "SELECT count(*) FROM patients") == 1, "finish replaces the existing file");
  if (ok) sqlite3_close(db);
  unlink(path);
  vt_record_free(&r);
  vt_writer_abort(NULL);
}

static void test_errors(const char *root) {
  char path[600], err[512];
  /* A parent that is a regular file. */
  snprintf(path, sizeof path, "%s/writer/afile", root);
  write_file(path, "x");
  snprintf(path, sizeof path, "%s/writer/afile/x.db", root);
  err[0] = '\0';
  vt_writer *w = vt_writer_open(path, err, sizeof err);
  CHECK(w == NULL && strstr(err, "cannot create") && strstr(err, "Not a directory"),
        "parent is a file: %s", err);
  vt_writer_abort(w);
  /* A read-only folder (root ignores permissions: skipped then). */
  char dir[560];
  snprintf(dir, sizeof dir, "%s/writer/readonly", root);
  mkdir(dir, 0755);
  chmod(dir, 0555);
  snprintf(path, sizeof path, "%s/x.db", dir);
  if (geteuid() == 0) {
    printf("skip - unwritable folder (running as root)\n");
  } else {
    err[0] = '\0';
    w = vt_writer_open(path, err, sizeof err);
    char want[700];
    snprintf(want, sizeof want, "cannot create %s: %s", path, strerror(EACCES));
    CHECK(w == NULL && strcmp(err, want) == 0, "unwritable folder: %s", err);
    vt_writer_abort(w);
  }
  chmod(dir, 0755);
  /* A path that is a folder. */
  err[0] = '\0';
  w = vt_writer_open(dir, err, sizeof err);
  CHECK(w == NULL && strstr(err, "Is a directory"), "path is a folder: %s", err);
  vt_writer_abort(w);
  w = vt_writer_open("", err, sizeof err);
  CHECK(w == NULL, "empty path refused: %s", err);
}

int main(void) {
  const char *root = getenv("TMPROOT");
  char rootbuf[512];
  if (!root || !*root) root = "tests/tmp";
  snprintf(rootbuf, sizeof rootbuf, "%s", root);
  char wdir[600];
  snprintf(wdir, sizeof wdir, "%s/writer", rootbuf);
  mkdir(rootbuf, 0777);
  mkdir(wdir, 0777);
  test_cohort(rootbuf);
  test_batches(rootbuf);
  test_abort_and_replace(rootbuf);
  test_errors(rootbuf);
  return test_done();
}
