/*
** test_ehr.c -- the EHR reader's core (learn/ehr.c) directly and through the
** native source (learn/src_native.c): dates, domain and issue names, sex
** words; a small messy vitae database built here with SQLite giving the
** right quality counts, flags and examples (table, row, column); two reads
** giving the same lines; find giving the lines of the full read; sources
** that cannot be read named in a message; nothing written beside the file.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "learn/dump.h"
#include "learn/ehr.h"
#include "learn/source.h"
#include "sim/vtime.h"
#include "test.h"

/* ---- dates --------------------------------------------------------------------- */

static int day_ok(const char *s, int y, int m, int d) {
  vt_day v;
  return vt_day_parse(s, &v) == 0 && v == (vt_day)vt_days_from_civil(y, m, d);
}

static int day_bad(const char *s) {
  vt_day v = 12345;
  return vt_day_parse(s, &v) == -1;
}

static void test_dates(void) {
  vt_day v;
  CHECK(vt_day_parse("1970-01-01", &v) == 0 && v == 0, "1970-01-01 is day 0");
  CHECK(vt_day_parse("19700102", &v) == 0 && v == 1, "YYYYMMDD: 19700102 is day 1");
  CHECK(vt_day_parse("1969-12-31", &v) == 0 && v == -1, "1969-12-31 is day -1");
  CHECK(day_ok("2000-02-29", 2000, 2, 29), "leap day of a year divisible by 400");
  CHECK(day_ok("2024-02-29", 2024, 2, 29), "leap day of 2024");
  CHECK(day_bad("1900-02-29"), "no leap day in 1900");
  CHECK(day_bad("2023-02-29"), "no leap day in 2023");
  CHECK(day_ok("0001-01-01", 1, 1, 1), "year 1");
  CHECK(day_ok("9999-12-31", 9999, 12, 31), "year 9999");
  CHECK(day_bad("0000-12-31"), "year 0 refused");
  CHECK(day_bad("10000-01-01"), "year 10000 refused");
  CHECK(day_ok("2150-06-15", 2150, 6, 15), "a date-shifted year (2150) read as it is");
  CHECK(day_ok("2019-01-02T10:00:00Z", 2019, 1, 2), "ISO time suffix");
  CHECK(day_ok("2019-01-02 10:00:00", 2019, 1, 2), "space and a time");
  CHECK(day_ok("20190102T000000", 2019, 1, 2), "YYYYMMDD with a time");
  CHECK(day_ok("  2019-01-02", 2019, 1, 2), "leading spaces");
  CHECK(day_bad("2019-01-02x"), "junk after the date refused");
  CHECK(day_bad("2019-01-02 noon"), "a time that is not a time refused");
  CHECK(day_bad("2019-13-01"), "month 13 refused");
  CHECK(day_bad("2019-00-10"), "month 0 refused");
  CHECK(day_bad("2019-04-31"), "April 31 refused");
  CHECK(day_bad("2019-01-00"), "day 0 refused");
  CHECK(day_bad("2019-1-01"), "one-digit month refused");
  CHECK(day_bad("2019/01/02"), "slashes refused");
  CHECK(day_bad(""), "empty refused");
  CHECK(day_bad(NULL), "NULL refused");
  CHECK(day_bad("abcd-ef-gh"), "letters refused");
  vt_day bad = 777;
  CHECK(vt_day_parse("nope", &bad) == -1 && bad == 777, "a refused date leaves *out alone");
  char buf[11];
  int round = 1;
  const char *samples[] = { "0001-01-01", "1600-02-29", "1969-12-31", "1970-01-01", "2024-02-29", "2150-06-15",
                            "9999-12-31" };
  for (size_t k = 0; k < sizeof samples / sizeof *samples; k++) {
    if (vt_day_parse(samples[k], &v) != 0) { round = 0; break; }
    vt_day_format(v, buf);
    if (strcmp(buf, samples[k]) != 0) round = 0;
  }
  CHECK(round, "vt_day_format(vt_day_parse(s)) == s from year 1 to 9999");
  vt_day_format(VT_NO_DAY, buf);
  CHECK_STR(buf, "", "VT_NO_DAY formats as empty");
}

/* ---- names ----------------------------------------------------------------------- */

static void test_names(void) {
  const char *names[] = { "condition", "drug", "procedure", "measurement", "observation", "immunization", "device",
                          "visit" };
  int all = 1;
  for (int d = 0; d < VT_DOMAIN__COUNT; d++) {
    if (strcmp(vt_domain_name((vt_domain)d), names[d]) != 0) all = 0;
    if (vt_domain_parse(names[d]) != d) all = 0;
  }
  CHECK(all, "each domain's name, and the name parsed back");
  CHECK(vt_domain_parse("Measurement") == VT_DOMAIN_MEASUREMENT && vt_domain_parse("VISIT") == VT_DOMAIN_VISIT,
        "domain names in any case");
  CHECK(vt_domain_parse("careplan") == -1 && vt_domain_parse(NULL) == -1, "unknown domain names are -1");
  CHECK_STR(vt_domain_name(VT_DOMAIN__COUNT), "?", "a domain out of range names '?'");
  int named = 1;
  for (int i = 0; i < VT_ISSUE__COUNT; i++)
    if (!vt_issue_name((vt_issue)i) || !*vt_issue_name((vt_issue)i) || strcmp(vt_issue_name((vt_issue)i), "?") == 0 ||
        !vt_issue_text((vt_issue)i) || !*vt_issue_text((vt_issue)i))
      named = 0;
  CHECK(named, "every issue has a name and a text");
  CHECK(vt_issue_drops(VT_ISSUE_BAD_DATE) && vt_issue_drops(VT_ISSUE_UNKNOWN_PERSON) &&
            vt_issue_drops(VT_ISSUE_BAD_PERSON) && !vt_issue_drops(VT_ISSUE_BEFORE_BIRTH) &&
            !vt_issue_drops(VT_ISSUE_UNKNOWN_SEX) && !vt_issue_drops(VT_ISSUE_BAD_VALUE),
        "dropped and kept issues");
  CHECK_STR(vt_issue_name(VT_ISSUE_OUTSIDE_OBSERVATION), "outside_observation", "issue name outside_observation");
  CHECK(vt_ehr_sex("F") == 'F' && vt_ehr_sex("female") == 'F' && vt_ehr_sex("8532") == 'F' && vt_ehr_sex("M") == 'M' &&
            vt_ehr_sex("MALE") == 'M' && vt_ehr_sex("8507") == 'M' && vt_ehr_sex("X") == 'U' && vt_ehr_sex(NULL) == 'U',
        "sex words");
}

/* ---- a messy native database --------------------------------------------------- */

static const char *messy_sql =
  "CREATE TABLE patients (id INTEGER PRIMARY KEY, birthdate TEXT, deathdate TEXT, race TEXT, ethnicity TEXT,"
  " gender TEXT);"
  "CREATE TABLE observation_periods (patient INTEGER, start TEXT, stop TEXT, whole_life INTEGER);"
  "CREATE TABLE conditions (start TEXT, stop TEXT, patient INTEGER, encounter INTEGER, system TEXT, code TEXT,"
  " description TEXT);"
  "CREATE TABLE observations (date TEXT, patient INTEGER, encounter INTEGER, category TEXT, code TEXT,"
  " description TEXT, value, units TEXT, type TEXT);"
  "CREATE TABLE immunizations (date TEXT, patient INTEGER, encounter INTEGER, code TEXT, description TEXT);"
  "CREATE TABLE medications (start TEXT, stop TEXT, patient INTEGER, code TEXT, description TEXT);"
  "CREATE INDEX conditions_patient ON conditions (patient);"
  "INSERT INTO patients VALUES (1, '1980-01-01', '2020-01-01', 'white', 'nonhispanic', 'F');"
  "INSERT INTO patients VALUES (2, '1990-05-05', NULL, 'black', 'hispanic', 'X');"      /* unknown sex */
  "INSERT INTO patients VALUES (3, 'notadate', NULL, NULL, NULL, 'M');"                 /* bad person */
  "INSERT INTO patients VALUES (4, '1995-02-03', NULL, NULL, NULL, 'M');"               /* no period */
  "INSERT INTO patients VALUES (5, '1999-12-31', 'garbage', NULL, NULL, 'M');"          /* bad death date */
  "INSERT INTO observation_periods VALUES (1, '1990-01-01T00:00:00Z', '2020-01-01T00:00:00Z', 0);"
  "INSERT INTO observation_periods VALUES (2, '1995-01-01', '2010-01-01', 0);"
  "INSERT INTO observation_periods VALUES (5, '2000-01-01', '1999-01-01', 0);"          /* ends before it starts */
  "INSERT INTO observation_periods VALUES (5, '2000-01-01', '2010-01-01', 0);"
  "INSERT INTO observation_periods VALUES (99, '2000-01-01', '2010-01-01', 0);"         /* unknown person */
  "INSERT INTO observation_periods VALUES (3, '2000-01-01', '2010-01-01', 0);"          /* a dropped person's */
  "INSERT INTO conditions VALUES ('1979-06-01T08:00:00Z', NULL, 1, NULL, 'SNOMED-CT', 'A1', 'before birth');"
  "INSERT INTO conditions VALUES ('2021-03-01T08:00:00Z', NULL, 1, NULL, 'SNOMED-CT', 'B2', 'after death');"
  "INSERT INTO conditions VALUES ('2000-01-01T10:00:00Z', 'zz', 1, NULL, 'SNOMED-CT', 'C3', 'bad end');"
  "INSERT INTO conditions VALUES ('bad', NULL, 1, NULL, 'SNOMED-CT', 'X4', 'bad date');"
  "INSERT INTO conditions VALUES ('2000-02-01', NULL, 1, NULL, 'SNOMED-CT', NULL, 'no code');"
  "INSERT INTO conditions VALUES ('2000-02-01', NULL, 42, NULL, 'SNOMED-CT', 'U6', 'unknown person');"
  "INSERT INTO conditions VALUES ('2000-02-01', NULL, 3, NULL, 'SNOMED-CT', 'U7', 'a dropped person''s');"
  "INSERT INTO conditions VALUES ('2005-01-01', '2004-01-01', 1, NULL, 'ICD10CM', 'E8', 'ends before start');"
  "INSERT INTO observations VALUES ('2000-01-01T09:00:00Z', 2, NULL, 'vital-signs', '29463-7', 'Body Weight', 5.5,"
  " 'kg', 'numeric');"
  "INSERT INTO observations VALUES ('2000-01-02', 2, NULL, 'laboratory', '1-1', 'lab', 'abc', 'mg', 'numeric');"
  "INSERT INTO observations VALUES ('2000-01-03', 2, NULL, 'survey', '2-2', 'answer', 'yes', NULL, 'text');"
  "INSERT INTO observations VALUES ('2012-01-01', 2, NULL, 'survey', '3-3', 'score', 3, '{score}', 'numeric');"
  "INSERT INTO immunizations VALUES ('2001-01-01T00:00:00Z', 4, NULL, '08', 'Hep B');"
  "INSERT INTO medications VALUES ('2005-05-05', NULL, 5, '123', 'a drug');";

static char db_path[256];

/* Create the messy database at db_path; 0 or -1. */
static int make_db(const char *sql) {
  unlink(db_path);
  sqlite3 *db = NULL;
  int rc = sqlite3_open(db_path, &db);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK) fprintf(stderr, "make_db: %s\n", sqlite3_errmsg(db));
  sqlite3_close(db);
  return rc == SQLITE_OK ? 0 : -1;
}

/* Read the whole source into a malloc'd text (the dump); NULL on error. */
static char *read_all(const char *spec, vt_quality *q, int *persons) {
  char err[512], *text = NULL;
  size_t len = 0;
  vt_ehr *r;
  if (vt_ehr_open(&r, spec, NULL, err, sizeof err) != VT_EHR_OK) { printf("# %s\n", err); return NULL; }
  FILE *f = open_memstream(&text, &len);
  const vt_person *p;
  int rc, n = 0;
  while ((rc = vt_ehr_next(r, &p, err, sizeof err)) == 1) { vt_person_dump(f, p, 0); n++; }
  fclose(f);
  if (rc < 0) { printf("# %s\n", err); free(text); text = NULL; }
  if (q) *q = *vt_ehr_quality(r);
  if (persons) *persons = n;
  vt_ehr_close(r);
  return text;
}

/* 1 if the first example of issue i has `where` and `what` containing the
** given texts. */
static int example_has(const vt_quality *q, vt_issue i, const char *where, const char *what) {
  for (int k = 0; k < q->nexamples[i]; k++)
    if (strstr(q->examples[i][k].where, where) && strstr(q->examples[i][k].what, what)) return 1;
  return 0;
}

static void test_messy(void) {
  if (make_db(messy_sql) != 0) { CHECK(0, "messy database built"); return; }
  char spec[300];
  snprintf(spec, sizeof spec, "vitae:%s", db_path);
  vt_quality q;
  int n = 0;
  char *text = read_all(spec, &q, &n);
  CHECK(text != NULL, "the messy database reads");
  if (!text) return;
  CHECK(n == 4 && q.persons == 4, "4 persons yielded (one bad person row dropped): %d", n);
  CHECK(q.events == 10, "10 events yielded: %lld", (long long)q.events);
  CHECK(q.periods == 3, "3 periods yielded: %lld", (long long)q.periods);
  CHECK(q.count[VT_ISSUE_BAD_PERSON] == 1, "bad person counted");
  CHECK(example_has(&q, VT_ISSUE_BAD_PERSON, "table patients, row 3, column birthdate", "notadate"),
        "bad person example names table, row, column and value");
  CHECK(q.count[VT_ISSUE_BAD_DATE] == 1, "bad date counted");
  CHECK(example_has(&q, VT_ISSUE_BAD_DATE, "table conditions, row 4, column start", "'bad'"),
        "bad date example: %s", q.nexamples[VT_ISSUE_BAD_DATE] ? q.examples[VT_ISSUE_BAD_DATE][0].where : "none");
  CHECK(q.count[VT_ISSUE_NO_CODE] == 1 && example_has(&q, VT_ISSUE_NO_CODE, "table conditions, row 5, column code", ""),
        "an event without a code counted, with its row");
  CHECK(q.count[VT_ISSUE_UNKNOWN_PERSON] == 4, "unknown persons: 2 conditions and 2 periods: %lld",
        (long long)q.count[VT_ISSUE_UNKNOWN_PERSON]);
  CHECK(example_has(&q, VT_ISSUE_UNKNOWN_PERSON, "table conditions, row 7, column patient", "'3'") &&
            example_has(&q, VT_ISSUE_UNKNOWN_PERSON, "table observation_periods, row 5", "99"),
        "unknown person examples name the table, row and patient");
  CHECK(q.count[VT_ISSUE_BAD_PERIOD] == 1 && example_has(&q, VT_ISSUE_BAD_PERIOD, "observation_periods, row 3, column stop",
                                                         "1999-01-01"),
        "a period ending before its start counted");
  CHECK(q.count[VT_ISSUE_BEFORE_BIRTH] == 1 && example_has(&q, VT_ISSUE_BEFORE_BIRTH, "table conditions, row 1, column start",
                                                           "A1"),
        "before birth counted with its row");
  CHECK(q.count[VT_ISSUE_AFTER_DEATH] == 1 && example_has(&q, VT_ISSUE_AFTER_DEATH, "row 2", "B2"),
        "after death counted");
  CHECK(q.count[VT_ISSUE_OUTSIDE_OBSERVATION] == 3, "outside observation: 3 (%lld)",
        (long long)q.count[VT_ISSUE_OUTSIDE_OBSERVATION]);
  CHECK(example_has(&q, VT_ISSUE_OUTSIDE_OBSERVATION, "table observations, row 4, column date", "3-3"),
        "outside observation example in observations");
  CHECK(q.count[VT_ISSUE_BAD_END_DATE] == 1 && example_has(&q, VT_ISSUE_BAD_END_DATE, "row 3, column stop", "zz"),
        "bad end date counted");
  CHECK(q.count[VT_ISSUE_END_BEFORE_START] == 1, "end before start counted");
  CHECK(q.count[VT_ISSUE_BAD_VALUE] == 1 && example_has(&q, VT_ISSUE_BAD_VALUE, "observations, row 2, column value", "abc"),
        "a numeric observation whose value is not a number counted");
  CHECK(q.count[VT_ISSUE_UNKNOWN_SEX] == 1 && example_has(&q, VT_ISSUE_UNKNOWN_SEX, "row 2", "person 2"),
        "unknown sex counted");
  CHECK(q.count[VT_ISSUE_NO_OBSERVATION] == 1 && example_has(&q, VT_ISSUE_NO_OBSERVATION, "row 4", "person 4"),
        "a person without a period counted");
  CHECK(q.count[VT_ISSUE_BAD_DEATH_DATE] == 1 && example_has(&q, VT_ISSUE_BAD_DEATH_DATE, "column deathdate", "garbage"),
        "a bad death date counted");
  /* 14 clinical rows = 10 events + bad date + no code + 2 unknown persons */
  CHECK(q.events + q.count[VT_ISSUE_BAD_DATE] + q.count[VT_ISSUE_NO_CODE] + 2 == 14, "every clinical row accounted for");
  CHECK(strstr(text, "person\t1\tF\t1980-01-01\t2020-01-01\twhite\tnonhispanic\n") != NULL, "person 1's line");
  CHECK(strstr(text, "person\t2\tU\t1990-05-05\t\tblack\thispanic\n") != NULL, "unknown sex prints U");
  CHECK(strstr(text, "person\t5\tM\t1999-12-31\t\t\t\n") != NULL, "an unreadable death is unknown");
  CHECK(strstr(text, "period\t1\t1990-01-01\t2020-01-01\n") != NULL, "period of person 1");
  CHECK(strstr(text, "event\t1\t1979-06-01\t\tcondition\tSNOMED\tA1\t\t\tbefore_birth,outside_observation\n") != NULL,
        "SNOMED-CT read as SNOMED, flags before birth and outside observation");
  CHECK(strstr(text, "event\t1\t2021-03-01\t\tcondition\tSNOMED\tB2\t\t\tafter_death,outside_observation\n") != NULL,
        "after death flagged");
  CHECK(strstr(text, "event\t1\t2000-01-01\t\tcondition\tSNOMED\tC3\t\t\t\n") != NULL, "a bad end is cleared");
  CHECK(strstr(text, "event\t1\t2005-01-01\t\tcondition\tICD10CM\tE8\t\t\t\n") != NULL, "an end before start is cleared");
  CHECK(strstr(text, "event\t2\t2000-01-01\t\tmeasurement\tLOINC\t29463-7\t5.5\tkg\t\n") != NULL,
        "a numeric vital sign is a measurement with value and unit");
  CHECK(strstr(text, "event\t2\t2000-01-02\t\tmeasurement\tLOINC\t1-1\t\tmg\t\n") != NULL,
        "a bad numeric value is kept without a value");
  CHECK(strstr(text, "event\t2\t2000-01-03\t\tobservation\tLOINC\t2-2\t\t\t\n") != NULL,
        "a text survey answer is an observation");
  CHECK(strstr(text, "event\t2\t2012-01-01\t\tmeasurement\tLOINC\t3-3\t3\t{score}\toutside_observation\n") != NULL,
        "a numeric survey score is a measurement (as out/omop.c)");
  CHECK(strstr(text, "event\t4\t2001-01-01\t\timmunization\tCVX\t08\t\t\t\n") != NULL,
        "immunization, CVX, no outside flag without a period");
  CHECK(strstr(text, "event\t5\t2005-05-05\t\tdrug\tRxNorm\t123\t\t\t\n") != NULL, "medication: drug, RxNorm");
  CHECK(strstr(text, "\tU6\t") == NULL && strstr(text, "\tU7\t") == NULL && strstr(text, "\tX4\t") == NULL,
        "dropped rows are not in the view");

  /* determinism: a second read gives the same lines */
  char *again = read_all(spec, NULL, NULL);
  CHECK(again && strcmp(again, text) == 0, "two reads give the same lines");
  free(again);

  /* find: the lines of the full read; counts of that person only */
  char err[512];
  vt_ehr *r;
  int ok = vt_ehr_open(&r, spec, NULL, err, sizeof err) == VT_EHR_OK;
  CHECK(ok, "reopened");
  if (ok) {
    const vt_person *p;
    char *one = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&one, &len);
    int rc = vt_ehr_find(r, "1", &p, err, sizeof err);
    if (rc == 1) vt_person_dump(f, p, 0);
    fclose(f);
    CHECK(rc == 1 && one && strncmp(text, one, strlen(one)) == 0 && text[strlen(one)] == 'p',
          "find 1 gives person 1's lines of the full read");
    const vt_quality *fq = vt_ehr_quality(r);
    CHECK(fq->persons == 1 && fq->events == 4 && fq->count[VT_ISSUE_BAD_DATE] == 1 && fq->count[VT_ISSUE_UNKNOWN_PERSON] == 0,
          "find's counts cover that person");
    CHECK(p && p->row == 1 && strcmp(p->table, "patients") == 0, "the person row's table and row");
    free(one);
    CHECK(vt_ehr_find(r, "3", &p, err, sizeof err) == 0, "find of a bad person row finds none");
    CHECK(vt_ehr_find(r, "77", &p, err, sizeof err) == 0, "find of an absent id finds none");
    CHECK(vt_ehr_find(r, "x'; DROP TABLE patients; --", &p, err, sizeof err) == 0, "find of a text id finds none");
    vt_ehr_close(r);
  }
  free(text);

  /* no_descriptions */
  vt_ehr_options opt = { 1 };
  if (vt_ehr_open(&r, spec, &opt, err, sizeof err) == VT_EHR_OK) {
    const vt_person *p;
    int desc = 0, rc;
    while ((rc = vt_ehr_next(r, &p, err, sizeof err)) == 1)
      for (size_t k = 0; k < p->nevents; k++) desc += p->events[k].description != NULL;
    CHECK(rc == 0 && desc == 0, "no_descriptions leaves descriptions NULL");
    vt_ehr_close(r);
  }
  if (vt_ehr_open(&r, spec, NULL, err, sizeof err) == VT_EHR_OK) {
    const vt_person *p;
    int rc = vt_ehr_next(r, &p, err, sizeof err);
    CHECK(rc == 1 && p->nevents && p->events[0].description && strcmp(p->events[0].description, "before birth") == 0 &&
              strcmp(p->events[0].table, "conditions") == 0 && p->events[0].row == 1,
          "descriptions, table and row of an event");
    const char *const *notes;
    size_t nn = vt_ehr_notes(r, &notes);
    CHECK(nn == 1 && strstr(notes[0], "encounters") && strstr(notes[0], "careplans"), "missing tables noted: %s",
          nn ? notes[0] : "none");
    vt_ehr_close(r);
  }
}

/* ---- sources that cannot be read ------------------------------------------------- */

/* Open spec: its result code, the message in err. */
static int try_open(const char *spec, char *err, size_t errlen) {
  vt_ehr *r = NULL;
  err[0] = 0;
  int rc = vt_ehr_open(&r, spec, NULL, err, errlen);
  vt_ehr_close(r);
  return rc;
}

static void test_bad_sources(void) {
  char spec[300], err[512];
  snprintf(spec, sizeof spec, "vitae:%s.none", db_path);
  CHECK(try_open(spec, err, sizeof err) == VT_EHR_EREAD && strstr(err, db_path), "a missing file: %s", err);
  FILE *f = fopen(db_path, "w");
  if (f) { fputs("just text, not a database\n", f); fclose(f); }
  snprintf(spec, sizeof spec, "vitae:%s", db_path);
  CHECK(try_open(spec, err, sizeof err) == VT_EHR_EREAD && strstr(err, "not a SQLite database"), "not a database: %s",
        err);
  make_db("CREATE TABLE other (x);");
  CHECK(try_open(spec, err, sizeof err) == VT_EHR_EREAD && strstr(err, "no patients table"), "no patients table: %s", err);
  make_db("CREATE TABLE patients (id INTEGER PRIMARY KEY, gender TEXT);");
  CHECK(try_open(spec, err, sizeof err) == VT_EHR_EREAD && strstr(err, "table patients: no column birthdate"),
        "a required column missing is named: %s", err);
  make_db("CREATE TABLE patients (id INTEGER PRIMARY KEY, gender TEXT, birthdate TEXT);"
          "CREATE TABLE conditions (start TEXT, patient INTEGER);");
  CHECK(try_open(spec, err, sizeof err) == VT_EHR_EREAD && strstr(err, "table conditions: no column code"),
        "a clinical table without code is named: %s", err);
  make_db("CREATE TABLE patients (id INTEGER PRIMARY KEY, gender TEXT, birthdate TEXT);"
          "INSERT INTO patients VALUES (1, 'F', '2000-01-01');");
  vt_quality q;
  int n = 0;
  char *text = read_all(spec, &q, &n);
  CHECK(text && n == 1 && q.count[VT_ISSUE_NO_OBSERVATION] == 1, "a patients table alone reads (no periods)");
  free(text);
  char d[32];
  snprintf(d, sizeof d, "%s", "vitae:/");
  CHECK(try_open(d, err, sizeof err) == VT_EHR_EREAD && strstr(err, "folder"), "a folder: %s", err);
  CHECK(strcmp(vt_ehr_detect(db_path, err, sizeof err) ? vt_ehr_detect(db_path, err, sizeof err) : "", "vitae") == 0,
        "a database with a patients table is detected as vitae");
}

/* Nothing is written beside the database, and the file is unchanged. */
static void test_read_only(void) {
  if (make_db(messy_sql) != 0) return;
  struct stat before, after;
  stat(db_path, &before);
  char spec[300], side[300];
  snprintf(spec, sizeof spec, "vitae:%s", db_path);
  free(read_all(spec, NULL, NULL));
  stat(db_path, &after);
  int none = 1;
  const char *suffixes[] = { "-journal", "-wal", "-shm" };
  for (size_t k = 0; k < 3; k++) {
    snprintf(side, sizeof side, "%s%s", db_path, suffixes[k]);
    if (access(side, F_OK) == 0) none = 0;
  }
  CHECK(none, "no -journal, -wal or -shm file beside the database");
  CHECK(before.st_size == after.st_size && before.st_mtime == after.st_mtime, "the database is unchanged");
}

int main(void) {
  const char *tmp = getenv("TMPROOT");
  snprintf(db_path, sizeof db_path, "%s/test_ehr_%ld.db", tmp && *tmp ? tmp : "/tmp", (long)getpid());
  test_dates();
  test_names();
  test_messy();
  test_bad_sources();
  test_read_only();
  unlink(db_path);
  return test_done();
}
