/*
** test_omop.c -- the OMOP CDM 5.4 writer: hand-built records are written
** without and with a (tiny, hand-made) vocabulary, and the database is
** reopened with SQLite to check the rows: persons, periods, visits and
** their concepts, the routing of each vitae table (and of each concept
** domain), dates, ids and references, allergies, imaging studies, care
** plans, death, the condition and drug eras, cdm_source and metadata, the
** concept table (empty without a vocabulary; with one, the rows of the
** concepts used and only those); then the temporary-file protocol and the
** error paths.
*/
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "out/omop.h"
#include "learn/vocab.h"
#include "out/writer.h"
#include "sim/record.h"
#include "sim/vtime.h"
#include "test.h"

static const vt_code enc_wellness = {"SNOMED-CT", "410620009", "Well child visit (procedure)"};
static const vt_code enc_emergency = {"SNOMED-CT", "50849002", "Emergency room admission (procedure)"};
static const vt_code enc_other = {"SNOMED-CT", "185347001", "Encounter for problem"};
static const vt_code cond_diabetes = {"SNOMED-CT", "44054006", "Diabetes"};
static const vt_code cond_prediabetes = {"SNOMED-CT", "15777000", "Prediabetes"};
static const vt_code cond_employment = {"SNOMED-CT", "160903007", "Full-time employment (finding)"};
static const vt_code cond_made_up = {"SNOMED-CT", "999999999", "Not in any vocabulary"};
static const vt_code cond_mi = {"SNOMED-CT", "22298006", "Myocardial infarction"};
static const vt_code obs_height = {"LOINC", "8302-2", "Body Height"};
static const vt_code obs_smoking = {"LOINC", "72166-2", "Tobacco smoking status"};
static const vt_code obs_ua = {"LOINC", "5778-6", "Color of Urine"};
static const vt_code med_metformin = {"RxNorm", "860975", "24 HR Metformin 500 MG ER Tablet"};
static const vt_code med_metformin2 = {"RxNorm", "861007", "Metformin 500 MG Oral Tablet"};
static const vt_code med_amox = {"RxNorm", "308192", "Amoxicillin 500 MG Oral Tablet"};
static const vt_code imm_flu = {"CVX", "140", "Influenza, seasonal, injectable"};
static const vt_code proc_append = {"SNOMED-CT", "80146002", "Appendectomy"};
static const vt_code proc_a1c = {"SNOMED-CT", "43396009", "Hemoglobin A1c measurement"};
static const vt_code proc_site = {"SNOMED-CT", "51299004", "Clavicle"};
static const vt_code cp_diabetes = {"SNOMED-CT", "698360004", "Diabetes self management plan"};
static const vt_code allergy_bee = {"SNOMED-CT", "288328004", "Bee venom (substance)"};
static const vt_code allergy_pen = {"RxNorm", "7984", "Penicillin V"};
static const vt_code dev_neb = {"SNOMED-CT", "170615005", "Home nebulizer (physical object)"};
static const vt_code img_site = {"SNOMED-CT", "51185008", "Chest"};
static const vt_code img_mod = {"DICOM-DCM", "DX", "Digital Radiography"};
static const vt_code sup_strips = {"SNOMED-CT", "337388004", "Blood glucose testing strips"};

static char tmpdir[256];

static vt_time T(int y, int m, int d, int hh, int mm, int ss) {
  return vt_time_from_date(y, m, d) + hh * VT_MS_HOUR + mm * VT_MS_MINUTE + ss * VT_MS_SECOND;
}

static void person(vt_record *r, int64_t index, vt_time birth, vt_time death, char gender) {
  vt_person_row *p = &r->person;
  p->index = index; p->birth = birth; p->death = death; p->gender = gender;
  p->first = "Test"; p->last = "Tester"; p->race = "white"; p->ethnicity = "nonhispanic";
  p->address = "1 Main Street"; p->city = "Boston"; p->state = "Massachusetts";
  p->county = "Suffolk County"; p->zip = "02108"; p->lat = 42.36; p->lon = -71.06;
  p->income = 50000; p->ses = "Middle"; p->education = "hs_degree";
}

static vt_row *add(vt_record *r, vt_table t, int32_t enc, vt_time start, vt_time stop, const vt_code *code) {
  size_t i = vt_record_add(r, t);
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

static vt_row *observation(vt_record *r, int32_t enc, vt_time t, const vt_code *c, const char *category) {
  vt_row *o = add(r, VT_T_OBSERVATION, enc, t, VT_NO_TIME, c);
  o->category = category;
  return o;
}

static void imaging(vt_record *r, int32_t enc, vt_time t, int32_t study, int instances) {
  for (int k = 0; k < instances; k++) {
    vt_row *row = add(r, VT_T_IMAGING, enc, t, VT_NO_TIME, &img_site);
    row->id = study; row->aux = 1; row->value = k + 1; row->reason = &img_mod;
    row->category = "1.2.840.10008.5.1.4.1.1.1.1"; row->text = "Digital X-Ray"; row->units = "399208008";
  }
  if (study >= r->nimaging) r->nimaging = study + 1;
}

/* Patient 0: alive woman, window 1990-01-01 .. 2020-01-01; a row of every
** table.  Encounters: 0 wellness 2000-01-02, 1 emergency 2001-06-07, 2
** "ambulatory" in 1999 (written after, so ordered before by time). */
static void build_p0(vt_record *r) {
  vt_record_reset(r);
  person(r, 0, vt_time_from_date(1950, 3, 1), VT_NO_TIME, 'F');
  r->person.obs_start = vt_time_from_date(1990, 1, 1);
  r->person.obs_end = T(2020, 1, 1, 12, 0, 0);
  vt_time e0 = T(2000, 1, 2, 3, 4, 5), e1 = T(2001, 6, 7, 8, 9, 10), e2 = T(1999, 5, 5, 9, 0, 0);
  encounter(r, e0, e0 + 15 * VT_MS_MINUTE, "wellness", &enc_wellness);
  encounter(r, e1, e1 + 2 * VT_MS_DAY, "emergency", &enc_emergency);
  encounter(r, e2, e2 + VT_MS_HOUR, "ambulatory", &enc_other);
  add(r, VT_T_CONDITION, 1, e1, VT_NO_TIME, &cond_diabetes);             /* open */
  add(r, VT_T_CONDITION, 0, e0, e1, &cond_prediabetes);                  /* closed */
  add(r, VT_T_CONDITION, -1, e0, VT_NO_TIME, NULL);                      /* no code */
  add(r, VT_T_CONDITION, 7, e0, VT_NO_TIME, &cond_employment);           /* encounter not in the record */
  vt_row *o = observation(r, 0, e0, &obs_height, "vital-signs");
  o->value_type = VT_OBS_NUMERIC; o->value = 172.5; o->units = "cm";
  o = observation(r, 0, e0, &obs_smoking, "survey");
  o->value_type = VT_OBS_TEXT; o->text = "Never smoker";
  o = observation(r, 0, e0, &obs_ua, "laboratory");
  o->value_type = VT_OBS_TEXT; o->text = "Yellow";
  add(r, VT_T_MEDICATION, 1, e1, e1 + 14 * VT_MS_DAY, &med_amox);        /* closed */
  add(r, VT_T_MEDICATION, 1, e1, VT_NO_TIME, &med_metformin);            /* still active */
  add(r, VT_T_IMMUNIZATION, 0, e0, VT_NO_TIME, &imm_flu);
  add(r, VT_T_PROCEDURE, 1, e1 + VT_MS_HOUR, e1 + 2 * VT_MS_HOUR, &proc_append);
  vt_row *cp = add(r, VT_T_CAREPLAN, 0, e0, VT_NO_TIME, &cp_diabetes);
  cp->id = r->ncareplans++;
  vt_row *a = add(r, VT_T_ALLERGY, 0, e0, VT_NO_TIME, &allergy_bee);
  a->text = "allergy"; a->category = "environment";
  a = add(r, VT_T_ALLERGY, 1, e1, VT_NO_TIME, &allergy_pen);
  a->text = "intolerance"; a->category = "medication";
  vt_row *d = add(r, VT_T_DEVICE, 1, e1, VT_NO_TIME, &dev_neb);
  d->text = "(01)12345(21)678";
  vt_row *s = add(r, VT_T_SUPPLY, 1, e1, VT_NO_TIME, &sup_strips);
  s->aux = 50;
  /* study 0 with its procedure row (as the engine writes it), study 1 without */
  imaging(r, 1, e1, 0, 2);
  static const vt_code study_proc = {"SNOMED-CT", "399208008", "Plain chest X-ray"};
  add(r, VT_T_PROCEDURE, 1, e1, e1 + 30 * VT_MS_MINUTE, &study_proc);
  imaging(r, 1, e1 + VT_MS_HOUR, 1, 3);
}

/* Patient 1: a man who died, black and hispanic, unknown address fields
** partly; encounters of the other classes. */
static void build_p1(vt_record *r) {
  vt_record_reset(r);
  person(r, 1, vt_time_from_date(1940, 7, 4), T(2010, 5, 6, 7, 8, 9), 'M');
  r->person.race = "black"; r->person.ethnicity = "hispanic";
  r->person.state = "Nebraska";
  r->person.death_cause = &cond_mi;
  r->person.obs_start = vt_time_from_date(1940, 7, 4);
  r->person.obs_end = T(2010, 5, 6, 7, 8, 9);
  vt_time t = T(2005, 1, 1, 10, 0, 0);
  const char *classes[] = {"inpatient", "urgentcare", "virtual", "home", "snf", "hospice", "outpatient", "spaceship"};
  for (int i = 0; i < 8; i++) encounter(r, t + i * VT_MS_WEEK, t + i * VT_MS_WEEK + VT_MS_HOUR, classes[i], &enc_other);
  add(r, VT_T_CONDITION, 0, t, VT_NO_TIME, &cond_mi);
}

/* Patient 2: no window set (0, 0), no address, other race; two rows. */
static void build_p2(vt_record *r) {
  vt_record_reset(r);
  r->person.index = 2;
  r->person.birth = vt_time_from_date(1980, 2, 29);
  r->person.death = VT_NO_TIME;
  r->person.gender = 'F';
  r->person.race = "other"; r->person.ethnicity = "nonhispanic";
  r->person.lat = r->person.lon = NAN;
  vt_time t = T(2015, 3, 3, 3, 3, 3);
  encounter(r, t, t + VT_MS_HOUR, "wellness", &enc_wellness);
  add(r, VT_T_CONDITION, 0, t, T(2016, 8, 8, 0, 0, 0), &cond_made_up);
}

/* ---- queries ---------------------------------------------------------------- */

static sqlite3 *open_db(const char *path) {
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    fprintf(stderr, "cannot open %s\n", path);
    sqlite3_close(db);
    return NULL;
  }
  return db;
}

/* The integer a query returns (first column of the first row), -999 on error
** and -998 if no row. */
static long long qi(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "# SQL error: %s in %s\n", sqlite3_errmsg(db), sql);
    return -999;
  }
  long long v = -998;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -997 : sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* The text a query returns, joined with '|' over columns and ',' over rows,
** "NULL" for NULL; in a static buffer. */
static const char *qs(sqlite3 *db, const char *sql) {
  static char buf[4096];
  sqlite3_stmt *st;
  buf[0] = '\0';
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    snprintf(buf, sizeof buf, "SQL error: %s", sqlite3_errmsg(db));
    return buf;
  }
  size_t n = 0;
  int row = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (row++ && n + 1 < sizeof buf) buf[n++] = ',';
    for (int c = 0; c < sqlite3_column_count(st); c++) {
      const char *s = (const char *)sqlite3_column_text(st, c);
      n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", c ? "|" : "", s ? s : "NULL");
      if (n >= sizeof buf) n = sizeof buf - 1;
    }
  }
  buf[n] = '\0';
  sqlite3_finalize(st);
  return buf;
}

static int file_exists(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0;
}

/* Write the records with a writer on vocab; 0 or -1 (with the error printed). */
static int write_all(const char *path, const vt_vocab *vocab, vt_record *recs, int n, vt_omop_writer **out) {
  char err[512];
  vt_omop_writer *w = vt_omop_open(path, vocab, err, sizeof err);
  if (!w) { printf("# open: %s\n", err); return -1; }
  vt_omop_set_info(w, "vitae_version", "0.0-test");
  vt_omop_set_info(w, "seed", "42");
  vt_omop_set_info(w, "population", "3");
  vt_omop_set_info(w, "reference_date", "2020-01-01");
  vt_omop_set_info(w, "finished", "2020-02-03T04:05:06Z");
  vt_omop_set_info(w, "seed", "7");   /* the last value wins */
  for (int i = 0; i < n; i++) {
    if (vt_omop_write(w, &recs[i], err, sizeof err) != 0) { printf("# write: %s\n", err); vt_omop_abort(w); return -1; }
  }
  if (vt_omop_finish(w, err, sizeof err) != 0) { printf("# finish: %s\n", err); vt_omop_abort(w); return -1; }
  *out = w;
  return 0;
}

/* ---- without a vocabulary --------------------------------------------------- */

static void test_no_vocab(void) {
  vt_record recs[3];
  for (int i = 0; i < 3; i++) vt_record_init(&recs[i]);
  build_p0(&recs[0]); build_p1(&recs[1]); build_p2(&recs[2]);
  char path[512];
  snprintf(path, sizeof path, "%s/sub/novocab.db", tmpdir);
  vt_omop_writer *w = NULL;
  int rc = write_all(path, NULL, recs, 3, &w);
  CHECK(rc == 0, "write three records without a vocabulary");
  if (rc != 0) { for (int i = 0; i < 3; i++) vt_record_free(&recs[i]); return; }
  CHECK(file_exists(path), "the database is at its path (parent folder created)");

  const vt_writer_stats *st = vt_omop_get_stats(w);
  CHECK(st->patients == 3 && st->alive == 2 && st->dead == 1, "stats: 3 patients, 2 alive, 1 dead");
  CHECK(st->ntables == 22 && strcmp(st->tables[0].name, "person") == 0 && st->tables[0].rows == 3,
        "stats: 22 OMOP tables, person first with 3 rows");
  CHECK(strcmp(st->tables[21].name, "concept") == 0 && st->tables[21].rows == 0, "stats: concept last, no rows");
  int64_t sum = 0;
  for (int i = 0; i < st->ntables; i++) sum += st->tables[i].rows;
  CHECK(sum == st->total_rows, "stats: total_rows is the sum over tables (%lld)", (long long)st->total_rows);
  CHECK(st->rows[VT_T_ENCOUNTER] == 12, "stats: 12 encounter rows read");
  CHECK(vt_omop_mapped_rows(w) == 0, "no vocabulary: no row mapped");
  CHECK(vt_omop_coded_rows(w) == 19, "coded rows counted (%lld)", (long long)vt_omop_coded_rows(w));

  char rpath[512];
  snprintf(rpath, sizeof rpath, "%s/report.txt", tmpdir);
  FILE *f = fopen(rpath, "w+");
  if (f) {
    vt_omop_report_unmapped(w, f);
    rewind(f);
    char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    CHECK(strstr(text, "19 coded rows, 0 with a concept") != NULL, "report: coded and mapped rows");
    CHECK(strstr(text, "no vocabulary given") != NULL, "report: says no vocabulary was given");
    CHECK(strstr(text, "1 care plan rows not written") != NULL, "report: care plans not written");
    CHECK(strstr(text, "distinct codes") != NULL && strstr(text, "8302-2") != NULL, "report: lists codes");
  }
  vt_omop_free(w);

  sqlite3 *db = open_db(path);
  if (!db) { CHECK(0, "reopen the database"); return; }
  CHECK_STR(qs(db, "PRAGMA integrity_check"), "ok", "integrity_check");

  /* person */
  CHECK_STR(qs(db, "SELECT person_id, gender_concept_id, year_of_birth, month_of_birth, day_of_birth, birth_datetime,"
                   " race_concept_id, ethnicity_concept_id, location_id, person_source_value, gender_source_value,"
                   " race_source_value, ethnicity_source_value, gender_source_concept_id FROM person ORDER BY 1"),
            "1|8532|1950|3|1|1950-03-01 00:00:00|8527|38003564|1|1|F|white|nonhispanic|0,"
            "2|8507|1940|7|4|1940-07-04 00:00:00|8516|38003563|2|2|M|black|hispanic|0,"
            "3|8532|1980|2|29|1980-02-29 00:00:00|0|38003564|NULL|3|F|other|nonhispanic|0",
            "person rows: gender, birth, race, ethnicity, location, source values");
  CHECK_STR(qs(db, "SELECT location_id, address_1, city, state, zip, county, country_source_value,"
                   " round(latitude, 2), round(longitude, 2) FROM location ORDER BY 1"),
            "1|1 Main Street|Boston|MA|02108|Suffolk County|US|42.36|-71.06,"
            "2|1 Main Street|Boston|NE|02108|Suffolk County|US|42.36|-71.06",
            "location: one per patient with an address, state as its USPS code");
  /* observation period */
  CHECK_STR(qs(db, "SELECT observation_period_id, person_id, observation_period_start_date, observation_period_end_date,"
                   " period_type_concept_id FROM observation_period ORDER BY 1"),
            "1|1|1990-01-01|2020-01-01|32817,2|2|1940-07-04|2010-05-06|32817,3|3|1980-02-29|2016-08-08|32817",
            "observation_period: the window, or birth to the last event when unset");
  /* visits */
  CHECK(qi(db, "SELECT count(*) FROM visit_occurrence") == 12, "12 visits");
  CHECK_STR(qs(db, "SELECT visit_occurrence_id, person_id, visit_concept_id, visit_start_date, visit_start_datetime,"
                   " visit_end_date, visit_end_datetime, visit_type_concept_id, provider_id, care_site_id,"
                   " visit_source_value, ifnull(preceding_visit_occurrence_id, 'NULL')"
                   " FROM visit_occurrence WHERE person_id = 1 ORDER BY 1"),
            "1|1|9202|2000-01-02|2000-01-02 03:04:05|2000-01-02|2000-01-02 03:19:05|32827|1|1|wellness|3,"
            "2|1|9203|2001-06-07|2001-06-07 08:09:10|2001-06-09|2001-06-09 08:09:10|32827|1|1|emergency|1,"
            "3|1|9202|1999-05-05|1999-05-05 09:00:00|1999-05-05|1999-05-05 10:00:00|32827|1|1|ambulatory|NULL",
            "visits of patient 1: ids from 1, concepts, dates, preceding visit by time");
  CHECK_STR(qs(db, "SELECT group_concat(visit_concept_id) FROM (SELECT visit_concept_id FROM visit_occurrence"
                   " WHERE person_id = 2 ORDER BY visit_occurrence_id)"),
            "9201,8782,5083,581476,42898160,42898160,9202,0", "visit concepts by class (unknown class: 0)");
  CHECK(qi(db, "SELECT min(visit_occurrence_id) FROM visit_occurrence WHERE person_id = 2") == 9 &&
        qi(db, "SELECT visit_occurrence_id FROM visit_occurrence WHERE person_id = 3") == 17,
        "visit ids continue across patients in write order (numbers referenced count, as in the native writer)");

  /* conditions */
  CHECK_STR(qs(db, "SELECT condition_occurrence_id, person_id, condition_concept_id, condition_start_date,"
                   " condition_start_datetime, ifnull(condition_end_date, 'NULL'), ifnull(condition_end_datetime, 'NULL'),"
                   " condition_type_concept_id, ifnull(visit_occurrence_id, 'NULL'), ifnull(condition_source_value, 'NULL'),"
                   " condition_source_concept_id FROM condition_occurrence WHERE person_id = 1 ORDER BY 1"),
            "1|1|0|2001-06-07|2001-06-07 08:09:10|NULL|NULL|32817|2|44054006|0,"
            "2|1|0|2000-01-02|2000-01-02 03:04:05|2001-06-07|2001-06-07 08:09:10|32817|1|15777000|0,"
            "3|1|0|2000-01-02|2000-01-02 03:04:05|NULL|NULL|32817|NULL|NULL|0,"
            "4|1|0|2000-01-02|2000-01-02 03:04:05|NULL|NULL|32817|NULL|160903007|0",
            "condition_occurrence: concept 0, codes in source values, visits resolved (a missing encounter: NULL)");
  /* observations: numeric vital sign and text lab -> measurement, survey -> observation */
  CHECK_STR(qs(db, "SELECT measurement_source_value, measurement_concept_id, measurement_date, measurement_datetime,"
                   " measurement_type_concept_id, ifnull(value_as_number, 'NULL'), ifnull(unit_concept_id, 'NULL'),"
                   " ifnull(unit_source_value, 'NULL'), ifnull(value_source_value, 'NULL'), visit_occurrence_id"
                   " FROM measurement ORDER BY measurement_id"),
            "8302-2|0|2000-01-02|2000-01-02 03:04:05|32817|172.5|0|cm|NULL|1,"
            "5778-6|0|2000-01-02|2000-01-02 03:04:05|32817|NULL|NULL|NULL|Yellow|1",
            "measurement: numeric value with its unit; a laboratory text value in value_source_value");
  CHECK_STR(qs(db, "SELECT observation_source_value, observation_concept_id, ifnull(value_as_string, 'NULL'),"
                   " ifnull(value_as_number, 'NULL'), ifnull(value_as_concept_id, 'NULL'),"
                   " ifnull(qualifier_source_value, 'NULL'), observation_type_concept_id"
                   " FROM observation ORDER BY observation_id"),
            "72166-2|0|Never smoker|NULL|NULL|NULL|32817,"
            "288328004|4169307|NULL|NULL|0|allergy|32817,"
            "7984|439224|NULL|NULL|0|intolerance|32817",
            "observation: survey text; allergies as Allergy to substance / Drug allergy");
  /* drugs */
  CHECK_STR(qs(db, "SELECT drug_source_value, drug_concept_id, drug_exposure_start_date, drug_exposure_end_date,"
                   " drug_exposure_end_datetime, ifnull(verbatim_end_date, 'NULL'), drug_type_concept_id, visit_occurrence_id"
                   " FROM drug_exposure ORDER BY drug_exposure_id"),
            "308192|0|2001-06-07|2001-06-21|2001-06-21 08:09:10|2001-06-21|32838|2,"
            "860975|0|2001-06-07|2020-01-01|2020-01-01 12:00:00|NULL|32838|2,"
            "140|0|2000-01-02|2000-01-02|2000-01-02 03:04:05|NULL|32818|1",
            "drug_exposure: prescriptions (an active one lasts to the period's end), immunization administrations");
  /* procedures: the appendectomy, study 0's procedure row, study 1 as one procedure */
  CHECK_STR(qs(db, "SELECT procedure_source_value, procedure_date, procedure_datetime, ifnull(procedure_end_datetime, 'NULL'),"
                   " procedure_type_concept_id, visit_occurrence_id FROM procedure_occurrence ORDER BY procedure_occurrence_id"),
            "80146002|2001-06-07|2001-06-07 09:09:10|2001-06-07 10:09:10|32817|2,"
            "399208008|2001-06-07|2001-06-07 08:09:10|2001-06-07 08:39:10|32817|2,"
            "399208008|2001-06-07|2001-06-07 09:09:10|NULL|32817|2",
            "procedure_occurrence: one per imaging study without its own procedure row");
  CHECK_STR(qs(db, "SELECT device_source_value, device_exposure_start_date, ifnull(device_exposure_end_date, 'NULL'),"
                   " ifnull(unique_device_id, 'NULL'), ifnull(quantity, 'NULL'), device_type_concept_id"
                   " FROM device_exposure ORDER BY device_exposure_id"),
            "170615005|2001-06-07|NULL|(01)12345(21)678|NULL|32817,337388004|2001-06-07|NULL|NULL|50|32817",
            "device_exposure: devices with their UDI, supplies with their quantity");
  CHECK(qi(db, "SELECT count(*) FROM observation WHERE observation_source_value = '698360004'") == 0 &&
        qi(db, "SELECT count(*) FROM procedure_occurrence WHERE procedure_source_value = '698360004'") == 0,
        "care plans are not written");
  /* death */
  CHECK_STR(qs(db, "SELECT person_id, death_date, death_datetime, death_type_concept_id, cause_concept_id,"
                   " cause_source_value, cause_source_concept_id FROM death"),
            "2|2010-05-06|2010-05-06 07:08:09|32817|0|22298006|0", "death: one row, cause code as source value");
  /* eras: no concepts, no eras */
  CHECK(qi(db, "SELECT count(*) FROM condition_era") == 0 && qi(db, "SELECT count(*) FROM drug_era") == 0,
        "no vocabulary: no eras (concept 0 is left out)");
  /* empty tables */
  CHECK(qi(db, "SELECT (SELECT count(*) FROM visit_detail) + (SELECT count(*) FROM note) +"
               " (SELECT count(*) FROM specimen) + (SELECT count(*) FROM dose_era)") == 0,
        "visit_detail, note, specimen, dose_era are empty");
  CHECK(qi(db, "SELECT count(*) FROM concept") == 0, "no vocabulary: the concept table is empty");
  /* health system and metadata */
  CHECK_STR(qs(db, "SELECT care_site_id, care_site_name FROM care_site"), "1|vitae default care site", "one care site");
  CHECK_STR(qs(db, "SELECT provider_id, care_site_id, specialty_concept_id FROM provider"), "1|1|38004446", "one provider");
  CHECK_STR(qs(db, "SELECT cdm_source_name, cdm_source_abbreviation, cdm_holder, source_release_date, cdm_release_date,"
                   " cdm_version, cdm_version_concept_id, vocabulary_version, cdm_etl_reference FROM cdm_source"),
            "vitae synthetic cohort|vitae|vitae|2020-01-01|2020-02-03|v5.4|756265|none|vitae 0.0-test, out/omop.c",
            "cdm_source: one row from the run's keys");
  CHECK(strstr(qs(db, "SELECT source_description FROM cdm_source"), "3 patients, seed 7") != NULL,
        "cdm_source.source_description names the population and seed");
  CHECK_STR(qs(db, "SELECT group_concat(name || '=' || ifnull(value_as_string, value_as_number), ';') FROM"
                   " (SELECT * FROM metadata ORDER BY metadata_id)"),
            "vitae_version=0.0-test;seed=7;population=3;reference_date=2020-01-01;finished=2020-02-03T04:05:06Z;"
            "omop_coded_rows=19.0;omop_mapped_rows=0.0",
            "metadata: the keys in order (a key set twice once), then the coded and mapped rows");
  CHECK(qi(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'idx_%'") >= 30,
        "the indexes are built");
  sqlite3_close(db);
  for (int i = 0; i < 3; i++) vt_record_free(&recs[i]);
}

/* The native writer numbers encounters as the OMOP writer numbers visits. */
static void test_ids_match_native(void) {
  vt_record recs[3];
  for (int i = 0; i < 3; i++) vt_record_init(&recs[i]);
  build_p0(&recs[0]); build_p1(&recs[1]); build_p2(&recs[2]);
  char npath[512], opath[512], err[512];
  snprintf(npath, sizeof npath, "%s/native.db", tmpdir);
  snprintf(opath, sizeof opath, "%s/sub/novocab.db", tmpdir);
  vt_writer *nw = vt_writer_open(npath, err, sizeof err);
  int ok = nw != NULL;
  for (int i = 0; ok && i < 3; i++) ok = vt_writer_write(nw, &recs[i], err, sizeof err) == 0;
  ok = ok && vt_writer_finish(nw, err, sizeof err) == 0;
  if (nw) vt_writer_free(nw);
  CHECK(ok, "native writer wrote the same records%s%s", ok ? "" : ": ", ok ? "" : err);
  if (ok) {
    sqlite3 *db = open_db(opath);
    char sql[1024];
    snprintf(sql, sizeof sql, "ATTACH '%s' AS n", npath);
    int attached = db && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
    CHECK(attached && qi(db, "SELECT count(*) FROM visit_occurrence v JOIN n.encounters e ON e.id = v.visit_occurrence_id"
                             " AND e.patient = v.person_id AND substr(e.start, 1, 10) = v.visit_start_date") == 12,
          "visit_occurrence_id = the native encounters.id, person_id = patients.id");
    sqlite3_close(db);
  }
  for (int i = 0; i < 3; i++) vt_record_free(&recs[i]);
}

/* Ends after the observation period's end are cut as window.c cuts records. */
static void test_ends_cut(void) {
  vt_record r;
  vt_record_init(&r);
  person(&r, 0, vt_time_from_date(1970, 1, 1), VT_NO_TIME, 'M');
  r.person.obs_start = vt_time_from_date(1970, 1, 1);
  r.person.obs_end = T(2020, 1, 1, 12, 0, 0);
  vt_time t = T(2020, 1, 1, 11, 30, 0), late = T(2020, 1, 2, 1, 0, 0);
  encounter(&r, t, late, "emergency", &enc_emergency);
  add(&r, VT_T_PROCEDURE, 0, t, late, &proc_append);
  add(&r, VT_T_CONDITION, 0, t, T(2020, 3, 1, 0, 0, 0), &cond_diabetes);
  add(&r, VT_T_MEDICATION, 0, t, T(2020, 3, 1, 0, 0, 0), &med_amox);
  add(&r, VT_T_DEVICE, 0, t, late, &dev_neb);
  char path[512];
  snprintf(path, sizeof path, "%s/ends.db", tmpdir);
  vt_omop_writer *w = NULL;
  CHECK(write_all(path, NULL, &r, 1, &w) == 0, "write a record with ends after its period");
  vt_omop_free(w);
  sqlite3 *db = open_db(path);
  CHECK_STR(qs(db, "SELECT (SELECT visit_end_datetime FROM visit_occurrence), (SELECT procedure_end_datetime FROM procedure_occurrence),"
                   " (SELECT ifnull(condition_end_date, 'NULL') FROM condition_occurrence),"
                   " (SELECT drug_exposure_end_datetime || '/' || ifnull(verbatim_end_date, 'NULL') FROM drug_exposure),"
                   " (SELECT ifnull(device_exposure_end_date, 'NULL') FROM device_exposure)"),
            "2020-01-01 12:00:00|2020-01-01 12:00:00|NULL|2020-01-01 12:00:00/NULL|NULL",
            "ends after the period: visits and procedures end with it, conditions and devices go on, drugs last to it");
  sqlite3_close(db);
  vt_record_free(&r);
}

/* ---- with a vocabulary --------------------------------------------------------- */

static int write_text(const char *dir, const char *name, const char *text) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  if (!f) return -1;
  int rc = fputs(text, f) < 0 ? -1 : 0;
  if (fclose(f) != 0) rc = -1;
  return rc;
}

/* A tiny Athena-layout vocabulary (tab-separated); ids are made up except
** where a standard one is quoted. */
static const char fixture_concepts[] =
  "concept_id\tconcept_name\tdomain_id\tvocabulary_id\tconcept_class_id\tstandard_concept\tconcept_code\tvalid_start_date\tvalid_end_date\tinvalid_reason\n"
  "201826\tType 2 diabetes mellitus\tCondition\tSNOMED\tClinical Finding\tS\t44054006\t19700101\t20991231\t\n"
  "40316773\tPrediabetes\tCondition\tSNOMED\tClinical Finding\t\t15777000\t19700101\t20020131\tU\n"
  "37018196\tPrediabetes\tCondition\tSNOMED\tClinical Finding\tS\t714628002\t20170131\t20991231\t\n"
  "4033521\tFull-time employment\tObservation\tSNOMED\tSocial Context\tS\t160903007\t19700101\t20991231\t\n"
  "4329847\tMyocardial infarction\tCondition\tSNOMED\tClinical Finding\tS\t22298006\t19700101\t20991231\t\n"
  "3036277\tBody height\tMeasurement\tLOINC\tClinical Observation\tS\t8302-2\t19700101\t20991231\t\n"
  "40766362\tTobacco smoking status\tObservation\tLOINC\tClinical Observation\tS\t72166-2\t19700101\t20991231\t\n"
  "40163924\t24 HR metformin 500 MG Extended Release Oral Tablet\tDrug\tRxNorm\tClinical Drug\tS\t860975\t19700101\t20991231\t\n"
  "40163925\tmetformin 500 MG Oral Tablet\tDrug\tRxNorm\tClinical Drug\tS\t861007\t19700101\t20991231\t\n"
  "1503297\tmetformin\tDrug\tRxNorm\tIngredient\tS\t6809\t19700101\t20991231\t\n"
  "19073183\tamoxicillin 500 MG Oral Tablet\tDrug\tRxNorm\tClinical Drug\tS\t308192\t19700101\t20991231\t\n"
  "1713332\tamoxicillin\tDrug\tRxNorm\tIngredient\tS\t723\t19700101\t20991231\t\n"
  "40213154\tinfluenza, seasonal, injectable\tDrug\tCVX\tCVX\tS\t140\t19700101\t20991231\t\n"
  "4198190\tAppendectomy\tProcedure\tSNOMED\tProcedure\tS\t80146002\t19700101\t20991231\t\n"
  "4184637\tHemoglobin A1c measurement\tMeasurement\tSNOMED\tProcedure\tS\t43396009\t19700101\t20991231\t\n"
  "4303447\tClavicle\tSpec Anatomic Site\tSNOMED\tBody Structure\tS\t51299004\t19700101\t20991231\t\n"
  "4122068\tBee venom\tObservation\tSNOMED\tSubstance\tS\t288328004\t19700101\t20991231\t\n"
  "1728416\tpenicillin V\tDrug\tRxNorm\tIngredient\tS\t7984\t19700101\t20991231\t\n"
  "8582\tcentimeter\tUnit\tUCUM\tUnit\tS\tcm\t19700101\t20991231\t\n"
  "8554\tpercent\tUnit\tUCUM\tUnit\tS\t%\t19700101\t20991231\t\n"
  /* concepts the writer assigns itself (9203 is not used by the records) */
  "8507\tMALE\tGender\tGender\tGender\tS\tM\t19700101\t20991231\t\n"
  "8532\tFEMALE\tGender\tGender\tGender\tS\tF\t19700101\t20991231\t\n"
  "9202\tOutpatient Visit\tVisit\tVisit\tVisit\tS\tOP\t19700101\t20991231\t\n"
  "9203\tEmergency Room Visit\tVisit\tVisit\tVisit\tS\tER\t19700101\t20991231\t\n"
  "32817\tEHR\tType Concept\tType Concept\tType Concept\tS\t32817\t20200820\t20991231\t\n"
  "32838\tEHR prescription\tType Concept\tType Concept\tType Concept\tS\t32838\t20200820\t20991231\t\n"
  "439224\tDrug allergy\tObservation\tSNOMED\tClinical Finding\tS\t416098002\t20020131\t20991231\t\n"
  "756265\tOMOP CDM Version 5.4.0\tMetadata\tCDM\tCDM\tS\tCDM v5.4.0\t20210901\t20991231\t\n";

static const char fixture_relationships[] =
  "concept_id_1\tconcept_id_2\trelationship_id\tvalid_start_date\tvalid_end_date\tinvalid_reason\n"
  "40316773\t37018196\tMaps to\t20170131\t20991231\t\n";

static const char fixture_ancestors[] =
  "ancestor_concept_id\tdescendant_concept_id\tmin_levels_of_separation\tmax_levels_of_separation\n"
  "1503297\t40163924\t2\t2\n"
  "1503297\t40163925\t2\t2\n"
  "1713332\t19073183\t2\t2\n";

static const char fixture_vocabularies[] =
  "vocabulary_id\tvocabulary_name\tvocabulary_reference\tvocabulary_version\tvocabulary_concept_id\n"
  "None\tOMOP Standardized Vocabularies\tOMOP generated\tv5.0 TEST\t44819096\n";

static vt_vocab *load_fixture(void) {
  char dir[512], err[512];
  snprintf(dir, sizeof dir, "%s/vocab", tmpdir);
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) return NULL;
  if (write_text(dir, "CONCEPT.csv", fixture_concepts) || write_text(dir, "CONCEPT_RELATIONSHIP.csv", fixture_relationships) ||
      write_text(dir, "CONCEPT_ANCESTOR.csv", fixture_ancestors) || write_text(dir, "VOCABULARY.csv", fixture_vocabularies))
    return NULL;
  const vt_code *wanted[] = {
    &cond_diabetes, &cond_prediabetes, &cond_employment, &cond_made_up, &cond_mi, &obs_height, &obs_smoking,
    &obs_ua, &med_metformin, &med_metformin2, &med_amox, &imm_flu, &proc_append, &proc_a1c, &proc_site,
    &allergy_bee, &allergy_pen, &dev_neb, &sup_strips,
  };
  int64_t fixed[64];
  size_t nfixed = vt_omop_fixed_concepts(fixed, sizeof fixed / sizeof fixed[0]);
  if (nfixed > sizeof fixed / sizeof fixed[0]) nfixed = sizeof fixed / sizeof fixed[0];
  vt_vocab *v = vt_vocab_load(dir, wanted, sizeof wanted / sizeof wanted[0], fixed, nfixed, err, sizeof err);
  if (!v) printf("# vocabulary: %s\n", err);
  return v;
}

#define DAY(n) (T(2010, 1, 1, 9, 0, 0) + (vt_time)(n) * VT_MS_DAY)

/* Patient 0 of the vocabulary run: the routing cases and the eras. */
static void build_v0(vt_record *r) {
  vt_record_reset(r);
  person(r, 0, vt_time_from_date(1960, 1, 1), VT_NO_TIME, 'F');
  r->person.obs_start = vt_time_from_date(1960, 1, 1);
  r->person.obs_end = DAY(400);
  encounter(r, DAY(0), DAY(0) + VT_MS_HOUR, "ambulatory", &enc_other);
  add(r, VT_T_CONDITION, 0, DAY(0), VT_NO_TIME, &cond_employment);      /* Observation domain */
  add(r, VT_T_CONDITION, 0, DAY(0), VT_NO_TIME, &cond_made_up);         /* not in the vocabulary */
  add(r, VT_T_CONDITION, 0, DAY(0), DAY(5), &cond_prediabetes);         /* Maps to */
  add(r, VT_T_PROCEDURE, 0, DAY(0), VT_NO_TIME, &proc_a1c);             /* Measurement domain */
  add(r, VT_T_PROCEDURE, 0, DAY(0), VT_NO_TIME, &proc_site);            /* domain without a table */
  add(r, VT_T_PROCEDURE, 0, DAY(0), VT_NO_TIME, &proc_append);
  vt_row *o = observation(r, 0, DAY(0), &obs_height, "vital-signs");
  o->value_type = VT_OBS_NUMERIC; o->value = 160; o->units = "cm";
  o = observation(r, 0, DAY(0), &obs_smoking, "survey");
  o->value_type = VT_OBS_TEXT; o->text = "Former smoker";
  vt_row *a = add(r, VT_T_ALLERGY, 0, DAY(0), VT_NO_TIME, &allergy_bee);
  a->text = "allergy"; a->category = "environment";
  a = add(r, VT_T_ALLERGY, 0, DAY(0), VT_NO_TIME, &allergy_pen);
  a->text = "allergy"; a->category = "medication";
  /* condition eras of diabetes: [0,10] + [35,40] (25 days apart) ; [100] open + [125] point */
  add(r, VT_T_CONDITION, -1, DAY(0), DAY(10), &cond_diabetes);
  add(r, VT_T_CONDITION, -1, DAY(35), DAY(40), &cond_diabetes);
  add(r, VT_T_CONDITION, -1, DAY(125), DAY(125), &cond_diabetes);
  add(r, VT_T_CONDITION, -1, DAY(100), VT_NO_TIME, &cond_diabetes);
  /* drug eras of metformin: [0,30] [20,40] [60,90] (two products) ; [200,210] */
  add(r, VT_T_MEDICATION, -1, DAY(0), DAY(30), &med_metformin);
  add(r, VT_T_MEDICATION, -1, DAY(20), DAY(40), &med_metformin);
  add(r, VT_T_MEDICATION, -1, DAY(60), DAY(90), &med_metformin2);
  add(r, VT_T_MEDICATION, -1, DAY(200), DAY(210), &med_metformin);
  add(r, VT_T_MEDICATION, -1, DAY(5), DAY(15), &med_amox);
  add(r, VT_T_MEDICATION, -1, DAY(380), VT_NO_TIME, &med_amox);         /* active at the end: to day 400 */
  add(r, VT_T_IMMUNIZATION, -1, DAY(300), VT_NO_TIME, &imm_flu);        /* no ingredient: itself */
}

/* Patient 1 of the vocabulary run: dead of a mapped cause. */
static void build_v1(vt_record *r) {
  vt_record_reset(r);
  person(r, 1, vt_time_from_date(1930, 1, 1), DAY(50), 'M');
  r->person.death_cause = &cond_mi;
  r->person.obs_start = vt_time_from_date(1930, 1, 1);
  r->person.obs_end = DAY(50);
  add(r, VT_T_CONDITION, -1, DAY(10), VT_NO_TIME, &cond_mi);
  add(r, VT_T_CONDITION, -1, DAY(45), VT_NO_TIME, &cond_mi);
}

static void test_vocab(void) {
  vt_vocab *v = load_fixture();
  CHECK(v != NULL, "load the fixture vocabulary");
  if (!v) return;
  vt_record recs[2];
  vt_record_init(&recs[0]); vt_record_init(&recs[1]);
  build_v0(&recs[0]); build_v1(&recs[1]);
  char path[512];
  snprintf(path, sizeof path, "%s/vocab.db", tmpdir);
  vt_omop_writer *w = NULL;
  int rc = write_all(path, v, recs, 2, &w);
  CHECK(rc == 0, "write two records with a vocabulary");
  if (rc != 0) { vt_record_free(&recs[0]); vt_record_free(&recs[1]); vt_vocab_free(v); return; }
  /* coded: 3 cond + 3 proc + 2 obs + 2 allergy + 4 diabetes + 6 meds + 1 imm = 21; + 2 conds + death = 24 */
  CHECK(vt_omop_coded_rows(w) == 24, "coded rows (%lld)", (long long)vt_omop_coded_rows(w));
  CHECK(vt_omop_mapped_rows(w) == 22, "mapped rows: all but the unknown code and the body site (%lld)",
        (long long)vt_omop_mapped_rows(w));
  char rpath[512];
  snprintf(rpath, sizeof rpath, "%s/report2.txt", tmpdir);
  FILE *f = fopen(rpath, "w+");
  if (f) {
    vt_omop_report_unmapped(w, f);
    rewind(f);
    char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    CHECK(strstr(text, "2 rows without a concept, 2 distinct codes") != NULL && strstr(text, "999999999") != NULL &&
          strstr(text, "51299004") != NULL && strstr(text, "no vocabulary") == NULL,
          "report: the two codes without a concept");
  }
  vt_omop_free(w);

  sqlite3 *db = open_db(path);
  if (!db) { CHECK(0, "reopen"); vt_record_free(&recs[0]); vt_record_free(&recs[1]); vt_vocab_free(v); return; }
  CHECK_STR(qs(db, "SELECT condition_source_value, condition_concept_id, condition_source_concept_id"
                   " FROM condition_occurrence WHERE person_id = 1 AND condition_start_date = '2010-01-01' ORDER BY 1"),
            "15777000|37018196|40316773,44054006|201826|201826,999999999|0|0",
            "conditions: standard concept, Maps to target with the source concept, unknown code 0");
  CHECK_STR(qs(db, "SELECT observation_source_value, observation_concept_id, observation_source_concept_id,"
                   " ifnull(value_as_string, 'NULL'), ifnull(value_as_concept_id, 'NULL') FROM observation ORDER BY observation_id"),
            "160903007|4033521|4033521|NULL|NULL,72166-2|40766362|40766362|Former smoker|NULL,"
            "288328004|4169307|4122068|NULL|4122068,7984|439224|1728416|NULL|1728416",
            "observation: a condition code of the Observation domain, a survey, the allergens as values");
  CHECK_STR(qs(db, "SELECT measurement_source_value, measurement_concept_id, ifnull(value_as_number, 'NULL'),"
                   " ifnull(unit_concept_id, 'NULL') FROM measurement ORDER BY measurement_id"),
            "43396009|4184637|NULL|NULL,8302-2|3036277|160.0|8582",
            "measurement: a procedure code of the Measurement domain; units by UCUM concept");
  CHECK_STR(qs(db, "SELECT procedure_source_value, procedure_concept_id, procedure_source_concept_id"
                   " FROM procedure_occurrence ORDER BY procedure_occurrence_id"),
            "51299004|0|4303447,80146002|4198190|4198190",
            "procedure: a code of a domain without a table stays, with concept 0 and its source concept");
  CHECK_STR(qs(db, "SELECT drug_source_value, drug_concept_id, drug_exposure_start_date, drug_exposure_end_date"
                   " FROM drug_exposure WHERE drug_source_value IN ('308192', '140') ORDER BY drug_exposure_id"),
            "308192|19073183|2010-01-06|2010-01-16,308192|19073183|2011-01-16|2011-02-05,140|40213154|2010-10-28|2010-10-28",
            "drug_exposure: concepts; an active prescription ends with the observation period");
  CHECK_STR(qs(db, "SELECT person_id, condition_concept_id, condition_era_start_date, condition_era_end_date,"
                   " condition_occurrence_count FROM condition_era ORDER BY person_id, condition_concept_id, condition_era_start_date"),
            "1|201826|2010-01-01|2010-02-10|2,1|201826|2010-04-11|2010-05-06|2,1|37018196|2010-01-01|2010-01-06|1,"
            "2|4329847|2010-01-11|2010-01-11|1,2|4329847|2010-02-15|2010-02-15|1",
            "condition_era: 30-day persistence, open occurrences end at their start, one era per concept and gap");
  CHECK(qi(db, "SELECT count(*) FROM condition_era WHERE condition_concept_id = 4033521") == 0,
        "no condition era for a code written to observation");
  CHECK_STR(qs(db, "SELECT drug_concept_id, drug_era_start_date, drug_era_end_date, drug_exposure_count, gap_days"
                   " FROM drug_era ORDER BY drug_concept_id, drug_era_start_date"),
            "1503297|2010-01-01|2010-04-01|3|20,1503297|2010-07-20|2010-07-30|1|0,"
            "1713332|2010-01-06|2010-01-16|1|0,1713332|2011-01-16|2011-02-05|1|0,"
            "40213154|2010-10-28|2010-10-28|1|0",
            "drug_era: by ingredient, overlaps joined, 30-day gaps, gap days, a vaccine as its own ingredient");
  CHECK_STR(qs(db, "SELECT cause_concept_id, cause_source_value, cause_source_concept_id FROM death"),
            "4329847|22298006|4329847", "death cause mapped");
  CHECK_STR(qs(db, "SELECT vocabulary_version FROM cdm_source"), "v5.0 TEST", "cdm_source.vocabulary_version");

  /* concept: the rows of the concepts used, and only those */
  CHECK_STR(qs(db, "SELECT group_concat(concept_id) FROM (SELECT concept_id FROM concept ORDER BY 1)"),
            "8507,8532,8582,9202,32817,32838,201826,439224,756265,1503297,1713332,1728416,3036277,4033521,4122068,"
            "4184637,4198190,4303447,4329847,19073183,37018196,40163924,40163925,40213154,40316773,40766362",
            "concept: every concept used that the vocabulary has (codes, sources, targets, ingredients, units,"
            " gender, visit, type, allergy, CDM version), not the unused percent unit and ER visit");
  CHECK(qi(db, "WITH used(id) AS ("
               " SELECT gender_concept_id FROM person UNION SELECT race_concept_id FROM person"
               " UNION SELECT ethnicity_concept_id FROM person UNION SELECT period_type_concept_id FROM observation_period"
               " UNION SELECT visit_concept_id FROM visit_occurrence UNION SELECT visit_type_concept_id FROM visit_occurrence"
               " UNION SELECT condition_concept_id FROM condition_occurrence UNION SELECT condition_source_concept_id FROM condition_occurrence"
               " UNION SELECT condition_type_concept_id FROM condition_occurrence"
               " UNION SELECT drug_concept_id FROM drug_exposure UNION SELECT drug_source_concept_id FROM drug_exposure"
               " UNION SELECT drug_type_concept_id FROM drug_exposure"
               " UNION SELECT procedure_concept_id FROM procedure_occurrence UNION SELECT procedure_source_concept_id FROM procedure_occurrence"
               " UNION SELECT procedure_type_concept_id FROM procedure_occurrence"
               " UNION SELECT measurement_concept_id FROM measurement UNION SELECT measurement_source_concept_id FROM measurement"
               " UNION SELECT unit_concept_id FROM measurement UNION SELECT measurement_type_concept_id FROM measurement"
               " UNION SELECT observation_concept_id FROM observation UNION SELECT observation_source_concept_id FROM observation"
               " UNION SELECT value_as_concept_id FROM observation UNION SELECT observation_type_concept_id FROM observation"
               " UNION SELECT device_concept_id FROM device_exposure UNION SELECT device_source_concept_id FROM device_exposure"
               " UNION SELECT cause_concept_id FROM death UNION SELECT cause_source_concept_id FROM death"
               " UNION SELECT death_type_concept_id FROM death"
               " UNION SELECT condition_concept_id FROM condition_era UNION SELECT drug_concept_id FROM drug_era"
               " UNION SELECT specialty_concept_id FROM provider UNION SELECT cdm_version_concept_id FROM cdm_source)"
               " SELECT count(*) FROM concept WHERE concept_id NOT IN (SELECT id FROM used WHERE id IS NOT NULL)") == 0,
        "concept: no row for a concept the output does not use");
  CHECK_STR(qs(db, "SELECT concept_id, concept_name, domain_id, vocabulary_id, concept_class_id, ifnull(standard_concept, 'NULL'),"
                   " concept_code, valid_start_date, valid_end_date, ifnull(invalid_reason, 'NULL') FROM concept"
                   " WHERE concept_id IN (40316773, 32817, 201826) ORDER BY 1"),
            "32817|EHR|Type Concept|Type Concept|Type Concept|S|32817|2020-08-20|2099-12-31|NULL,"
            "201826|Type 2 diabetes mellitus|Condition|SNOMED|Clinical Finding|S|44054006|1970-01-01|2099-12-31|NULL,"
            "40316773|Prediabetes|Condition|SNOMED|Clinical Finding|NULL|15777000|1970-01-01|2002-01-31|U",
            "concept: the CONCEPT.csv fields, dates as YYYY-MM-DD, empty standard_concept and invalid_reason as NULL");
  CHECK(qi(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'concept' AND name LIKE 'idx_concept_%'") == 4,
        "concept: its four indexes");
  sqlite3_close(db);

  /* the stats count the concept rows before finish as after */
  snprintf(path, sizeof path, "%s/vocab2.db", tmpdir);
  char err[512];
  w = vt_omop_open(path, v, err, sizeof err);
  int ok = w && vt_omop_write(w, &recs[0], err, sizeof err) == 0 && vt_omop_write(w, &recs[1], err, sizeof err) == 0;
  const vt_writer_stats *st = ok ? vt_omop_get_stats(w) : NULL;
  int64_t before = st && st->ntables == 22 ? st->tables[21].rows : -1;
  ok = ok && vt_omop_finish(w, err, sizeof err) == 0;
  st = ok ? vt_omop_get_stats(w) : NULL;
  int64_t after = st && st->ntables == 22 ? st->tables[21].rows : -1;
  CHECK(ok && before == 26 && after == 26, "stats: 26 concept rows, before finish and after (%lld, %lld)%s%s",
        (long long)before, (long long)after, ok ? "" : ": ", ok ? "" : err);
  vt_omop_free(w);
  vt_record_free(&recs[0]); vt_record_free(&recs[1]);
  vt_vocab_free(v);
}

/* ---- batches, failures, temporary files ------------------------------------------ */

static void test_batches(void) {
  char path[512], err[512];
  snprintf(path, sizeof path, "%s/batch.db", tmpdir);
  vt_omop_writer *w = vt_omop_open(path, NULL, err, sizeof err);
  CHECK(w != NULL, "open for the batch test");
  if (!w) return;
  vt_record r;
  vt_record_init(&r);
  int ok = 1;
  for (int p = 0; p < 150 && ok; p++) {
    vt_record_reset(&r);
    person(&r, p, vt_time_from_date(1970, 1, 1), VT_NO_TIME, p % 2 ? 'M' : 'F');
    r.person.obs_start = vt_time_from_date(1970, 1, 1);
    r.person.obs_end = vt_time_from_date(2020, 1, 1);
    for (int k = 0; k < 400; k++) {
      vt_time t = T(1990, 1, 1, 0, 0, 0) + (vt_time)k * VT_MS_WEEK;
      vt_row *o = observation(&r, -1, t, &obs_height, "vital-signs");
      o->value_type = VT_OBS_NUMERIC; o->value = k; o->units = "cm";
    }
    ok = vt_omop_write(w, &r, err, sizeof err) == 0;
  }
  CHECK(ok, "150 patients of 400 rows (more than one batch)%s%s", ok ? "" : ": ", ok ? "" : err);
  const char *tmp = vt_omop_temp_path(w);
  CHECK(tmp && strstr(tmp, ".partial-") && file_exists(tmp) && !file_exists(path),
        "rows go to the temporary file until finish");
  ok = ok && vt_omop_finish(w, err, sizeof err) == 0;
  CHECK(ok, "finish");
  vt_omop_free(w);
  sqlite3 *db = open_db(path);
  CHECK(db && qi(db, "SELECT count(*) FROM measurement") == 60000 && qi(db, "SELECT max(measurement_id) FROM measurement") == 60000,
        "60,000 measurements with ids 1..60,000");
  sqlite3_close(db);
  vt_record_free(&r);
}

static void test_failure_paths(void) {
  char path[512], err[512];
  /* a folder at the path */
  snprintf(path, sizeof path, "%s/adir", tmpdir);
  mkdir(path, 0777);
  vt_omop_writer *w = vt_omop_open(path, NULL, err, sizeof err);
  CHECK(w == NULL && strstr(err, "cannot create") && strstr(err, "adir"), "a folder at the path is refused: %s", err);
  vt_omop_abort(w);
  CHECK(vt_omop_open("", NULL, err, sizeof err) == NULL, "an empty path is refused");

  /* abort leaves an existing file alone and removes the temporary file */
  snprintf(path, sizeof path, "%s/keep.db", tmpdir);
  FILE *f = fopen(path, "w");
  if (f) { fputs("old", f); fclose(f); }
  w = vt_omop_open(path, NULL, err, sizeof err);
  CHECK(w != NULL, "open over an existing file");
  if (w) {
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s", vt_omop_temp_path(w));
    vt_record r;
    vt_record_init(&r);
    build_p1(&r);
    CHECK(vt_omop_write(w, &r, err, sizeof err) == 0, "write one record");
    /* a record with a bad table number fails the writer */
    size_t i = vt_record_add(&r, VT_T_CONDITION);
    r.rows[i].table = 200;
    CHECK(vt_omop_write(w, &r, err, sizeof err) != 0 && strstr(err, "bad table number 200") && strstr(err, "patient 1"),
          "a bad row is reported: %s", err);
    CHECK(vt_omop_write(w, &r, err, sizeof err) != 0 && strstr(err, "failed earlier"), "later writes fail");
    CHECK(vt_omop_finish(w, err, sizeof err) != 0, "finish fails after a failure");
    vt_omop_abort(w);
    CHECK(!file_exists(tmp), "abort removes the temporary file");
    f = fopen(path, "r");
    char buf[8] = {0};
    if (f) { size_t n = fread(buf, 1, 3, f); buf[n] = '\0'; fclose(f); }
    CHECK_STR(buf, "old", "the file at the path is untouched");

    /* a record without a birth date is refused by the schema, naming the patient */
    w = vt_omop_open(path, NULL, err, sizeof err);
    build_p1(&r);
    r.person.birth = VT_NO_TIME;
    CHECK(w && vt_omop_write(w, &r, err, sizeof err) != 0 && strstr(err, "NOT NULL") && strstr(err, "patient 1, person"),
          "a person without a birth date: %s", err);
    vt_omop_abort(w);
    vt_record_free(&r);
  }
  vt_omop_abort(NULL);
  vt_omop_free(NULL);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "%s/test_omop.%ld", getenv("TMPROOT") ? getenv("TMPROOT") : "/tmp", (long)getpid());
  if (mkdir(tmpdir, 0777) != 0 && errno != EEXIST) { printf("not ok - cannot create %s\n", tmpdir); return 1; }
  test_no_vocab();
  test_ids_match_native();
  test_ends_cut();
  test_vocab();
  test_batches();
  test_failure_paths();
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (!getenv("KEEP") && system(cmd) != 0) printf("# could not remove %s\n", tmpdir);
  return test_done();
}
