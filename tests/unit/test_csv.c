/*
** test_csv.c -- unit tests of the CSV reader (learn/csv.h): plain and
** quoted comma files (the delimiter, "" and line breaks inside quotes),
** Athena's tab files without quoting and tab files with it, LF, CRLF and
** lone-CR line ends, blank lines, the byte order mark, the header's names;
** the errors with their file and line (a NUL byte, a quote not closed, text
** after a closing quote, an empty file); records longer than the read
** buffer and line ends across its edge (the fast path falling back to the
** copying one); counting the rest of a file; and 3 MiB of random records,
** quoted or not, read back field by field with their line numbers.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "learn/csv.h"
#include "sim/strbuf.h"
#include "tests/unit/test.h"

static void sb_putc(vt_sbuf *b, char c) { vt_sb_add(b, &c, 1); }

static char tmpdir[] = "/tmp/vt_csvXXXXXX";

static const char *write_file(const char *name, const char *text, size_t len) {
  static char path[4200];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) { perror(path); exit(2); }
  return path;
}

/* Every record of the file as "LINE:f1|f2|...\n" into out; returns the rc
** of the last vt_csv_next (0 at the end, -1 with err). */
static int dump(const char *name, const char *text, size_t len, int flags, vt_sbuf *out, char *err, size_t errlen) {
  const char *path = write_file(name, text, len);
  vt_csv *r = vt_csv_open(path, flags, err, errlen);
  if (!r) return -1;
  int rc;
  while ((rc = vt_csv_next(r, err, errlen)) == 1) {
    vt_sb_printf(out, "%ld:", vt_csv_line(r));
    for (size_t k = 0; k < vt_csv_count(r); k++) {
      const char *f = vt_csv_field(r, k);
      if (k) sb_putc(out, '|');
      if (strlen(f) != vt_csv_field_len(r, k) || vt_csv_spans(r, NULL)[k].s != f) vt_sb_puts(out, "<LEN?>");
      vt_sb_add(out, f, vt_csv_field_len(r, k));
    }
    sb_putc(out, '\n');
  }
  vt_csv_close(r);
  return rc;
}

/* The file `text` reads as `want`. */
static void expect_rows(const char *what, const char *text, size_t len, int flags, const char *want) {
  char err[4400] = "";
  vt_sbuf out = {0};
  int rc = dump("rows.csv", text, len, flags, &out, err, sizeof err);
  int ok = rc == 0 && out.n == strlen(want) && memcmp(out.p ? out.p : "", want, out.n) == 0;
  CHECK(ok, "%s", what);
  if (!ok) printf("# rc %d %s; got \"%.*s\"\n", rc, err, (int)(out.n > 200 ? 200 : out.n), out.p ? out.p : "");
  free(out.p);
}
#define ROWS(what, text, flags, want) expect_rows(what, text, sizeof text - 1, flags, want)

/* The file `text` fails with "PATH:LINE: piece...". */
static void expect_error(const char *what, const char *text, size_t len, int flags, long line, const char *piece) {
  char err[4400] = "", want[4400];
  vt_sbuf out = {0};
  int rc = dump("bad.csv", text, len, flags, &out, err, sizeof err);
  snprintf(want, sizeof want, "%s/bad.csv:%ld: %s", tmpdir, line, piece);
  CHECK(rc < 0 && strncmp(err, want, strlen(want)) == 0, "error: %s -> %s", what, err);
  free(out.p);
}
#define ERR(what, text, flags, line, piece) expect_error(what, text, sizeof text - 1, flags, line, piece)

static void test_basics(void) {
  ROWS("plain comma file", "a,b,c\n1,2,3\n", 0, "1:a|b|c\n2:1|2|3\n");
  ROWS("quotes: delimiter, doubled quote, line break, empty fields",
       "x,\"a,b\",\"say \"\"hi\"\"\"\n\"multi\nline\",2,3\nlast,,\n,\n", 0,
       "1:x|a,b|say \"hi\"\n2:multi\nline|2|3\n4:last||\n5:|\n");
  ROWS("a quote inside an unquoted field is text", "a,b\"c\"\n", 0, "1:a|b\"c\"\n");
  ROWS("an empty quoted field", "\"\",x\n", 0, "1:|x\n");
  ROWS("tab file (auto): no quoting", "a\tb\n\"q\tx\"y\n", 0, "1:a|b\n2:\"q|x\"y\n");
  ROWS("tab file with quoting", "\"a\tb\"\tc\n", VT_CSV_TAB | VT_CSV_QUOTED_TABS, "1:a\tb|c\n");
  ROWS("commas in a tab file are text", "a,b\tc\n", VT_CSV_TAB, "1:a,b|c\n");
  ROWS("CRLF and a blank CRLF line", "a,b\r\n1,2\r\n\r\n3,4\r\n", 0, "1:a|b\n2:1|2\n4:3|4\n");
  ROWS("lone CR line ends, no final line end", "a,b\r1,2\r\r3,4", 0, "1:a|b\n2:1|2\n4:3|4\n");
  ROWS("a lone CR inside quotes is kept and counted", "\"x\ry\",1\r2,3\n", 0, "1:x\ry|1\n3:2|3\n");
  ROWS("CRLF inside quotes is kept", "\"x\r\ny\",1\r\n2,3\r\n", 0, "1:x\r\ny|1\n3:2|3\n");
  ROWS("a quoted last field before CRLF and CR", "a,\"b\"\r\nc,\"d\"\re,f", 0, "1:a|b\n2:c|d\n3:e|f\n");
  ROWS("blank lines and a file ending in one", "\n\na\n\n", 0, "3:a\n");
  ROWS("tab file with CRLF", "a\tb\r\n1\t\r\n", 0, "1:a|b\n2:1|\n");
  ROWS("byte order mark skipped", "\xEF\xBB\xBFid,v\n1,2\n", 0, "1:id|v\n2:1|2\n");
  ROWS("empty file", "", 0, "");
}

static void test_errors(void) {
  ERR("NUL in a comma file", "a,b\n1,\0\n", 0, 2, "a NUL byte");
  ERR("NUL in a tab file", "a\tb\n1\t2\n3\0\t4\n", 0, 3, "a NUL byte");
  ERR("NUL in a quoted field", "a,b\n\"1\0\",2\n", 0, 2, "a NUL byte");
  ERR("quote not closed (reported on its record's line)", "a,b\n1,\"open\n2,3\n", 0, 2,
      "a quoted field has no closing quote before the end of the file");
  ERR("text after a closing quote", "a,b\n\"x\"y,1\n", 0, 2, "text after the closing quote of a field");
  ERR("text after a closing quote, last field", "a,b\n1,\"x\" \n", 0, 2, "text after the closing quote of a field");
  ERR("text after a closing quote, after a quoted line break", "a\n\"x\ny\"z\n", 0, 3,
      "text after the closing quote of a field");
  char err[4400];
  vt_csv *r = vt_csv_open(write_file("empty.csv", "\n\n", 2), 0, err, sizeof err);
  CHECK(r && vt_csv_header(r, err, sizeof err) < 0 && strstr(err, "empty.csv: empty file"), "empty file: %s", err);
  vt_csv_close(r);
  r = vt_csv_open("/nonexistent/x.csv", 0, err, sizeof err);
  CHECK(!r && strncmp(err, "/nonexistent/x.csv: cannot open:", 32) == 0, "missing file: %s", err);
}

static void test_header_and_count(void) {
  char err[4400] = "";
  static const char text[] = "\xEF\xBB\xBF Person_ID ,\"Name, full\"\n1,a\n2,\"b\nc\"\r3,x\r\n\n4,y";
  vt_csv *r = vt_csv_open(write_file("h.csv", text, sizeof text - 1), 0, err, sizeof err);
  CHECK(r && vt_csv_header(r, err, sizeof err) == 0, "header (%s)", err);
  if (!r) return;
  CHECK(vt_csv_columns(r) == 2 && vt_csv_column(r, "person_id") == 0 && vt_csv_column(r, "name, full") == 1,
        "header names trimmed and lower-cased, BOM skipped");
  CHECK(vt_csv_delimiter(r) == ',', "comma detected");
  CHECK(vt_csv_next(r, err, sizeof err) == 1 && vt_csv_line(r) == 2 && strcmp(vt_csv_field(r, 5), "") == 0 &&
        vt_csv_field_len(r, 5) == 0, "a field out of range is empty");
  int64_t n = -1;
  CHECK(vt_csv_count_rest(r, &n, err, sizeof err) == 0 && n == 3 && vt_csv_records(r) == 5,
        "count_rest: quoted line break, lone CR, CRLF, blank line, no final line end (%lld)", (long long)n);
  vt_csv_close(r);
  static const char open_q[] = "a\n\"x\ny\n";
  r = vt_csv_open(write_file("q.csv", open_q, sizeof open_q - 1), 0, err, sizeof err);
  CHECK(r && vt_csv_header(r, err, sizeof err) == 0 && vt_csv_count_rest(r, &n, err, sizeof err) < 0 &&
        strstr(err, "q.csv:2: a quoted field has no closing quote"), "count_rest: quote not closed -> %s", err);
  vt_csv_close(r);
}

/* Records longer than the 1 MiB buffer, and a CRLF split by its edge. */
static void test_long_records(void) {
  const size_t mib = 1u << 20;
  vt_sbuf in = {0}, want = {0};
  char *x = vt_xmalloc(3 * mib);
  memset(x, 'x', 3 * mib);
  /* Header "a,b\r\n" (5 bytes), then a record whose CR is the buffer's
  ** last byte and its LF the next buffer's first. */
  vt_sb_puts(&in, "a,b\r\n");
  vt_sb_add(&in, x, mib - 8);
  vt_sb_puts(&in, ",1\r\n");
  vt_sb_puts(&in, "y,2\r\n");
  vt_sb_add(&in, x, 2 * mib + 77);          /* unquoted, longer than the buffer */
  vt_sb_puts(&in, ",3\n\"");
  vt_sb_add(&in, x, mib + 5);               /* quoted, with a line break */
  vt_sb_puts(&in, "\nz\",4\nlast,5");
  vt_sb_puts(&want, "1:a|b\n2:");
  vt_sb_add(&want, x, mib - 8);
  vt_sb_puts(&want, "|1\n3:y|2\n4:");
  vt_sb_add(&want, x, 2 * mib + 77);
  vt_sb_puts(&want, "|3\n5:");
  vt_sb_add(&want, x, mib + 5);
  vt_sb_puts(&want, "\nz|4\n7:last|5\n");
  char err[4400] = "";
  vt_sbuf out = {0};
  int rc = dump("long.csv", in.p, in.n, 0, &out, err, sizeof err);
  CHECK(rc == 0 && out.n == want.n && memcmp(out.p, want.p, want.n) == 0,
        "records of 1, 2 and 1 MiB, a CRLF across the buffer's edge (rc %d%s%s)", rc, rc ? ": " : "", rc ? err : "");
  free(x);
  free(in.p);
  free(want.p);
  free(out.p);
}

static uint64_t rng_state = 88172645463325252ULL;
static unsigned rnd(unsigned n) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (unsigned)(rng_state % n);
}

/* 3 MiB of random records (quoted fields with delimiters, quotes and line
** breaks, long fields, LF, CRLF and CR line ends, blank lines) read back. */
static void test_random(char delim, int flags) {
  static const char plain[] = "abcdefghij0123456789 .-_";
  vt_sbuf in = {0}, want = {0};
  long line = 1;
  int quoting = delim == ',' || (flags & VT_CSV_QUOTED_TABS);
  while (in.n < (3u << 20)) {
    if (rnd(50) == 0) { vt_sb_puts(&in, "\r\n"); line++; }   /* a blank line (CRLF: after a lone CR too) */
    unsigned nf = 1 + rnd(6);
    long breaks = 0;
    vt_sb_printf(&want, "%ld:", line);
    for (unsigned k = 0; k < nf; k++) {
      if (k) { sb_putc(&in, delim); sb_putc(&want, '|'); }
      unsigned len = rnd(20) == 0 ? rnd(200000) : rnd(30);
      int quoted = quoting && rnd(4) == 0;
      if (nf == 1 && len == 0) len = 1;                   /* not a blank line */
      if (quoted) sb_putc(&in, '"');
      for (unsigned i = 0; i < len; i++) {
        char c = plain[rnd(sizeof plain - 1)];
        if (quoted && rnd(40) == 0) {
          static const char special[] = { '"', ',', '\t', '\n', '\r' };
          c = special[rnd(5)];
          if (c == '"') sb_putc(&in, '"');
          if (c == '\n') breaks++;
          if (c == '\r') { sb_putc(&in, '\r'); sb_putc(&want, '\r'); c = '\n'; breaks++; }
        }
        sb_putc(&in, c);
        sb_putc(&want, c);
      }
      if (quoted) sb_putc(&in, '"');
    }
    static const char *const ends[3] = { "\n", "\r\n", "\r" };
    vt_sb_puts(&in, ends[rnd(3)]);
    sb_putc(&want, '\n');
    line += 1 + breaks;
  }
  char err[4400] = "";
  vt_sbuf out = {0};
  int rc = dump("random.csv", in.p, in.n, flags, &out, err, sizeof err);
  size_t same = 0;
  while (same < out.n && same < want.n && out.p[same] == want.p[same]) same++;
  int ok = rc == 0 && out.n == want.n && same == want.n;
  CHECK(ok, "%zu bytes of random %s records read back with their lines", in.n,
        delim == ',' ? "comma" : quoting ? "quoted tab" : "tab");
  if (!ok) printf("# rc %d %s; first difference at %zu: \"%.40s\"\n", rc, err, same, out.p ? out.p + same : "");
  free(in.p);
  free(want.p);
  free(out.p);
}

int main(void) {
  if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 2; }
  test_basics();
  test_errors();
  test_header_and_count();
  test_long_records();
  test_random(',', 0);
  test_random('\t', VT_CSV_TAB);
  test_random('\t', VT_CSV_TAB | VT_CSV_QUOTED_TABS);
  static const char *const names[] = { "rows.csv", "bad.csv", "empty.csv", "h.csv", "q.csv", "long.csv", "random.csv" };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", tmpdir, names[i]);
    unlink(p);
  }
  rmdir(tmpdir);
  return test_done();
}
