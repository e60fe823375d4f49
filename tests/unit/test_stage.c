/*
** test_stage.c -- unit tests of CSV staging (learn/stage.c): wanted columns
** matched case-insensitively in any order, the line column, empty and
** short fields as NULL, optional columns absent, quoted fields with
** commas and line breaks, tab-separated files; errors: a missing required
** column (with the columns named), broken quoting (with the line), an
** empty file, a missing file; an index; the finder of a file by a name in
** any case; and a larger file staged and read back in order.
*/
#include "learn/stage.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[4096];

static const char *write_file(const char *name, const char *text) {
  static char paths[4][4200];
  static int next;
  char *p = paths[next++ % 4];
  snprintf(p, 4200, "%s/%s", tmpdir, name);
  FILE *f = fopen(p, "wb");
  if (!f) { perror(p); exit(1); }
  fputs(text, f);
  fclose(f);
  return p;
}

static int contains(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

/* The value of "SELECT sql" as text into out ("NULL" for NULL, "" if no row). */
static void query1(vt_stage *s, const char *sql, char *out, size_t outlen) {
  sqlite3_stmt *st = NULL;
  out[0] = 0;
  if (sqlite3_prepare_v2(vt_stage_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
    snprintf(out, outlen, "ERROR %s", sqlite3_errmsg(vt_stage_db(s)));
    return;
  }
  if (sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(out, outlen, "%s", t ? (const char *)t : "NULL");
  }
  sqlite3_finalize(st);
}

static void test_basic(void) {
  char err[512] = "", v[512];
  vt_stage *s = NULL;
  CHECK(vt_stage_open(&s, err, sizeof err) == 0, "stage opens (%s)", err);
  const char *p = write_file("patients.csv",
                             "Id,BIRTHDATE, Gender ,Note\r\n"
                             "p2,2001-02-03,F,\"a, b\"\r\n"
                             "\r\n"
                             "p1,1990-01-01,,\"two\nlines\"\r\n"
                             "p3,1980-05-05\r\n");
  static const char *const cols[] = { "id", "gender", "birthdate", "deathdate", "note" };
  uint64_t present = 0;
  int64_t rows = -1;
  int rc = vt_stage_table(s, p, "patients", cols, 5, VT_STAGE_COL(0) | VT_STAGE_COL(2), &present, &rows, err, sizeof err);
  CHECK(rc == 0, "a file with the required columns in another case and order is staged (%s)", err);
  CHECK(rows == 3, "rows counted without header or blank lines (%lld)", (long long)rows);
  CHECK(present == (VT_STAGE_COL(0) | VT_STAGE_COL(1) | VT_STAGE_COL(2) | VT_STAGE_COL(4)),
        "present mask lacks only deathdate (%llx)", (unsigned long long)present);
  query1(s, "SELECT group_concat(id || ':' || line, ' ') FROM (SELECT * FROM patients ORDER BY id)", v, sizeof v);
  CHECK_STR(v, "p1:4 p2:2 p3:6", "line column holds each row's first line (%s)", v);
  query1(s, "SELECT note FROM patients WHERE id = 'p2'", v, sizeof v);
  CHECK_STR(v, "a, b", "quoted comma kept (%s)", v);
  query1(s, "SELECT note FROM patients WHERE id = 'p1'", v, sizeof v);
  CHECK_STR(v, "two\nlines", "quoted line break kept");
  query1(s, "SELECT coalesce(gender, 'NULL') FROM patients WHERE id = 'p1'", v, sizeof v);
  CHECK_STR(v, "NULL", "empty field is NULL (%s)", v);
  query1(s, "SELECT coalesce(gender, 'NULL') || coalesce(note, 'NULL') FROM patients WHERE id = 'p3'", v, sizeof v);
  CHECK_STR(v, "NULLNULL", "fields of a short row are NULL (%s)", v);
  query1(s, "SELECT count(deathdate) FROM patients", v, sizeof v);
  CHECK_STR(v, "0", "a column the file lacks is NULL (%s)", v);
  CHECK(vt_stage_index(s, "patients", "id", err, sizeof err) == 0, "index made (%s)", err);
  query1(s, "SELECT count(*) FROM sqlite_master WHERE type = 'index'", v, sizeof v);
  CHECK_STR(v, "1", "index exists (%s)", v);
  CHECK(vt_stage_index(s, "patients", "id", err, sizeof err) == 0, "index made twice is fine (%s)", err);
  /* the same table staged again replaces it */
  rc = vt_stage_table(s, p, "patients", cols, 1, VT_STAGE_COL(0), NULL, NULL, err, sizeof err);
  query1(s, "SELECT count(*) FROM patients", v, sizeof v);
  CHECK(rc == 0 && strcmp(v, "3") == 0, "staging a table again replaces it (%s)", v);
  /* tab-separated */
  p = write_file("tabs.tsv", "ID\tCODE\nx\t1\ny\t2\n");
  static const char *const tc[] = { "id", "code" };
  rc = vt_stage_table(s, p, "tabs", tc, 2, 3, NULL, &rows, err, sizeof err);
  query1(s, "SELECT group_concat(code, '') FROM tabs", v, sizeof v);
  CHECK(rc == 0 && rows == 2 && strcmp(v, "12") == 0, "tab-separated file staged (%s %s)", err, v);
  vt_stage_close(s);
}

static void test_errors(void) {
  char err[512] = "";
  vt_stage *s = NULL;
  if (vt_stage_open(&s, err, sizeof err) != 0) { CHECK(0, "stage opens (%s)", err); return; }
  static const char *const cols[] = { "id", "code" };
  const char *p = write_file("nocode.csv", "ID,Start,Stop\na,b,c\n");
  int rc = vt_stage_table(s, p, "t", cols, 2, 3, NULL, NULL, err, sizeof err);
  CHECK(rc == -1 && contains(err, "nocode.csv: no column 'code' (the columns: id, start, stop)"),
        "missing required column named with the columns (%s)", err);
  rc = vt_stage_table(s, p, "t", cols, 2, 1, NULL, NULL, err, sizeof err);
  CHECK(rc == 0, "a missing optional column is fine (%s)", err);
  p = write_file("quote.csv", "id,code\na,1\nb,\"2\nc,3\n");
  rc = vt_stage_table(s, p, "q", cols, 2, 3, NULL, NULL, err, sizeof err);
  CHECK(rc == -1 && contains(err, "quote.csv:3: a quoted field has no closing quote"), "broken quoting names the line (%s)", err);
  char v[64];
  query1(s, "SELECT count(*) FROM q", v, sizeof v);
  CHECK_STR(v, "0", "a failed staging leaves no rows (%s)", v);
  p = write_file("empty.csv", "");
  rc = vt_stage_table(s, p, "e", cols, 2, 3, NULL, NULL, err, sizeof err);
  CHECK(rc == -1 && contains(err, "empty.csv: empty file"), "empty file refused (%s)", err);
  p = write_file("nul.csv", "id,code\na,1\n");
  FILE *f = fopen(p, "ab");
  fputs("b,", f);
  fputc(0, f);
  fputs("\n", f);
  fclose(f);
  rc = vt_stage_table(s, p, "n", cols, 2, 3, NULL, NULL, err, sizeof err);
  CHECK(rc == -1 && contains(err, "nul.csv:3: a NUL byte"), "NUL byte refused with its line (%s)", err);
  char missing[4200];
  snprintf(missing, sizeof missing, "%s/none.csv", tmpdir);
  rc = vt_stage_table(s, missing, "m", cols, 2, 3, NULL, NULL, err, sizeof err);
  CHECK(rc == -1 && contains(err, "none.csv: cannot open"), "missing file refused (%s)", err);
  vt_stage_close(s);
}

static void test_find(void) {
  char err[512] = "", out[4300];
  write_file("PERSON.csv", "x\n");
  int rc = vt_stage_find_file(tmpdir, "person.csv", out, sizeof out, err, sizeof err);
  CHECK(rc == 1 && contains(out, "/PERSON.csv"), "PERSON.csv found as person.csv (%s)", out);
  rc = vt_stage_find_file(tmpdir, "Patients.CSV", out, sizeof out, err, sizeof err);
  CHECK(rc == 1 && contains(out, "/patients.csv"), "patients.csv found as Patients.CSV (%s)", out);
  rc = vt_stage_find_file(tmpdir, "devices.csv", out, sizeof out, err, sizeof err);
  CHECK(rc == 0 && out[0] == 0, "absent file not found");
  rc = vt_stage_find_file("/nonexistent-folder-xyz", "a.csv", out, sizeof out, err, sizeof err);
  CHECK(rc == -1 && contains(err, "/nonexistent-folder-xyz: cannot read the folder"), "unreadable folder (%s)", err);
}

static void test_large(void) {
  char err[512] = "", v[128];
  char path[4200];
  snprintf(path, sizeof path, "%s/large.csv", tmpdir);
  FILE *f = fopen(path, "wb");
  fputs("person,date,code\n", f);
  for (int k = 0; k < 200000; k++) fprintf(f, "%d,2020-01-%02d,\"c%d\"\n", (k * 7919) % 5000, k % 28 + 1, k);
  fclose(f);
  vt_stage *s = NULL;
  if (vt_stage_open(&s, err, sizeof err) != 0) { CHECK(0, "stage opens (%s)", err); return; }
  static const char *const cols[] = { "person", "date", "code" };
  int64_t rows = 0;
  int rc = vt_stage_table(s, path, "ev", cols, 3, 7, NULL, &rows, err, sizeof err);
  CHECK(rc == 0 && rows == 200000, "200,000 rows staged (%lld, %s)", (long long)rows, err);
  CHECK(vt_stage_index(s, "ev", "person", err, sizeof err) == 0, "index on person (%s)", err);
  query1(s, "SELECT count(DISTINCT person) || ' ' || max(line) FROM ev", v, sizeof v);
  CHECK_STR(v, "5000 200001", "persons and last line (%s)", v);
  vt_stage_close(s);
  vt_stage_close(NULL);
}

int main(void) {
  const char *t = getenv("TMPDIR");
  snprintf(tmpdir, sizeof tmpdir, "%s/vt_stage_XXXXXX", t && *t ? t : "/tmp");
  if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 1; }
  test_basic();
  test_errors();
  test_find();
  test_large();
  char cmd[4300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
  return test_done();
}
