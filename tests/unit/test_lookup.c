/*
** test_lookup.c -- unit tests of the lookup tables behind GMF
** lookup_table_transition (sim/lookup.c): matching by strings and by
** inclusive age and time ranges, first match in file order, repeats, the
** effective probabilities of rows that do not sum to 1, CSV details (byte
** order mark, quotes, CRLF, lone CR, blank lines), every load error with its file and
** line, the segmented index against a brute-force scan, and -- when Synthea's
** corpus is beside the repository ($VITAE_SHARED or ../shared) -- every
** lookup table its modules and test modules use, loaded with the targets
** read from those modules.
*/
#include "sim/lookup.h"
#include "lua/json.h"
#include "test.h"

#include "lauxlib.h"
#include "lualib.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[4096];

static int contains(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

/* Write len bytes of `text` to tmpdir/name; returns the path (a static
** buffer, one of eight in rotation). */
static const char *write_tmp_n(const char *name, const char *text, size_t len) {
  static char paths[8][4200];
  static int next;
  char *p = paths[next++ % 8];
  snprintf(p, sizeof paths[0], "%s/%s", tmpdir, name);
  FILE *f = fopen(p, "wb");
  if (!f) { perror(p); exit(2); }
  if (fwrite(text, 1, len, f) != len) { perror(p); exit(2); }
  fclose(f);
  return p;
}

static const char *write_tmp(const char *name, const char *text) { return write_tmp_n(name, text, strlen(text)); }

static vt_lookup *load_text(const char *name, const char *text, const char *const *targets, int n,
                            char *err, size_t errlen) {
  return vt_lookup_load(write_tmp(name, text), targets, n, err, errlen);
}

/* ------------------------------------------------------------------ */

static void test_basic(void) {
  const char *targets[] = {"Mild", "Extreme", "Moderate"};
  char err[512];
  double p[3];
  vt_lookup *t = load_text("basic.csv",
                           "age,Gender,state,ethnicity,Moderate,Mild,Extreme\n"
                           "0-50,M,Massachusetts,english,0,1,0\n"
                           "51-140,M,Massachusetts,english,0,0,1\n"
                           "0-50,F,Massachusetts,english,1,0,0\n"
                           "50-0,F,Massachusetts,irish,0.25,0.25,0.5\n",
                           targets, 3, err, sizeof err);
  CHECK(t != NULL, "basic table loads (%s)", err);
  if (!t) return;
  CHECK(vt_lookup_nkeys(t) == 4 && vt_lookup_nrows(t) == 4, "four key columns, four rows");
  CHECK_STR(vt_lookup_key_name(t, 1), "gender", "key names are lowercased (Gender -> gender)");
  CHECK(vt_lookup_key_kind(t, 0) == VT_LOOKUP_AGE && vt_lookup_key_is_range(t, 0) &&
        vt_lookup_key_kind(t, 2) == VT_LOOKUP_STRING && !vt_lookup_key_is_range(t, 2),
        "age is a range key, state a string key");
  CHECK(vt_lookup_key_name(t, 4) == NULL && vt_lookup_key_kind(t, -1) == -1, "out-of-range key index");

  int64_t nums[4] = {0, 0, 0, 0};
  const char *strs[4] = {NULL, "M", "Massachusetts", "english"};
  nums[0] = 30;
  CHECK(vt_lookup_match(t, nums, strs, p) == 1 && p[0] == 1 && p[1] == 0 && p[2] == 0,
        "M english 30 -> Mild (probabilities in target order)");
  nums[0] = 50;
  CHECK(vt_lookup_match(t, nums, strs, p) == 1 && p[0] == 1, "upper bound 50 is inclusive");
  nums[0] = 0;
  CHECK(vt_lookup_match(t, nums, strs, p) == 1 && p[0] == 1, "lower bound 0 is inclusive");
  nums[0] = 51;
  CHECK(vt_lookup_match(t, nums, strs, p) == 1 && p[1] == 1, "51 -> Extreme");
  nums[0] = 141;
  CHECK(vt_lookup_match(t, nums, strs, p) == 0, "141 is past every range: no match");
  nums[0] = 20;
  strs[1] = "F";
  CHECK(vt_lookup_match(t, nums, strs, p) == 1 && p[2] == 1, "F english 20 -> Moderate");
  strs[3] = "irish";
  nums[0] = 50;
  CHECK(vt_lookup_match(t, nums, strs, p) == 1 && p[0] == 0.25 && p[1] == 0.5 && p[2] == 0.25,
        "'50-0' is the range 0..50");
  strs[3] = "Irish";
  CHECK(vt_lookup_match(t, nums, strs, p) == 0, "string keys compare case-sensitively");
  strs[3] = "italian";
  CHECK(vt_lookup_match(t, nums, strs, p) == 0, "unknown string value: no match");
  strs[3] = NULL;
  CHECK(vt_lookup_match(t, nums, strs, p) == -1, "missing attribute -> -1");
  strs[3] = "english";
  nums[0] = VT_LOOKUP_NONE;
  CHECK(vt_lookup_match(t, nums, strs, p) == -1, "missing age -> -1");
  CHECK(vt_lookup_match(t, NULL, strs, p) == -1 && vt_lookup_match(t, nums, NULL, p) == -1,
        "NULL value arrays for a table that needs them -> -1");
  vt_lookup_free(t);
}

static void test_time_and_order(void) {
  const char *targets[] = {"A", "B"};
  char err[512];
  double p[2];
  vt_lookup *t = load_text("time.csv",
                           "time,age,A,B\n"
                           "0-536457600922,0-150,0.0,1.0\n"
                           "536457600922-1230768000921,13-24,0.234,0.766\n"
                           "536457600922-1230768000921,25-34,0.284,0.716\n"
                           "536457600922-1230768000921,20-30,0.9,0.1\n",
                           targets, 2, err, sizeof err);
  CHECK(t != NULL, "time table loads (%s)", err);
  if (!t) return;
  int64_t nums[2] = {536457600922LL, 40};
  CHECK(vt_lookup_match(t, nums, NULL, p) == 1 && p[0] == 0.0,
        "time in ms: the first range ends at ...922 inclusive (the next starts there too: first row wins)");
  nums[0] = 536457600923LL;
  CHECK(vt_lookup_match(t, nums, NULL, p) == 0, "next ms, age 40: no age band covers it");
  nums[1] = 24;
  CHECK(vt_lookup_match(t, nums, NULL, p) == 1 && p[0] == 0.234, "time and age both ranges");
  nums[1] = 25;
  CHECK(vt_lookup_match(t, nums, NULL, p) == 1 && p[0] == 0.284,
        "overlapping rows (25-34, 20-30): the first in file order wins");
  nums[1] = 30;
  CHECK(vt_lookup_match(t, nums, NULL, p) == 1 && p[0] == 0.284, "age 30: still the earlier of the two rows");
  nums[0] = 1230768000922LL;
  CHECK(vt_lookup_match(t, nums, NULL, p) == 0, "after the last time range: no match");
  vt_lookup_free(t);

  /* Exact repeats: the later row's probabilities replace the earlier's. */
  t = load_text("repeat.csv", "gender,A,B\nM,0.1,0.9\nF,0.5,0.5\nM,0.7,0.3\n", targets, 2, err, sizeof err);
  CHECK(t != NULL, "table with a repeated key loads (%s)", err);
  if (t) {
    const char *s[1] = {"M"};
    CHECK(vt_lookup_match(t, NULL, s, p) == 1 && p[0] == 0.7, "a repeated key: the later row wins (HashMap.put)");
    vt_lookup_free(t);
  }
  /* No key columns: every patient matches the (last) row. */
  t = load_text("nokeys.csv", "A,B\n0.2,0.8\n0.4,0.6\n", targets, 2, err, sizeof err);
  CHECK(t != NULL && vt_lookup_nkeys(t) == 0, "a table with no key columns loads (%s)", err);
  if (t) {
    CHECK(vt_lookup_match(t, NULL, NULL, p) == 1 && p[0] == 0.4, "no keys: every patient matches");
    vt_lookup_free(t);
  }
}

static void test_effective(void) {
  const char *targets[] = {"X", "Y", "Z"};
  char err[512];
  double p[3];
  const char *s[1] = {"a"};
  /* CSV order Z, X, Y differs from the target order X, Y, Z. */
  vt_lookup *t = load_text("eff.csv",
                           "k,Z,X,Y\n"
                           "a,0.3,0.6,0\n"
                           "b,0.75,0.5,0.3\n"
                           "c, 2.5e-1 ,0.25,0.5\n",
                           targets, 3, err, sizeof err);
  CHECK(t != NULL, "table loads (%s)", err);
  if (!t) return;
  CHECK(vt_lookup_match(t, NULL, s, p) == 1 && fabs(p[2] - 0.3) < 1e-15 && fabs(p[0] - 0.6) < 1e-15 &&
        fabs(p[1] - 0.1) < 1e-12, "sum 0.9: the leftover 0.1 goes to the last column (Y)");
  s[0] = "b";
  CHECK(vt_lookup_match(t, NULL, s, p) == 1 && p[2] == 0.75 && fabs(p[0] - 0.25) < 1e-15 && p[1] == 0,
        "sum 1.55: Z 0.75, X 0.25, Y nothing");
  s[0] = "c";
  CHECK(vt_lookup_match(t, NULL, s, p) == 1 && p[2] == 0.25 && p[0] == 0.25 && p[1] == 0.5,
        "blanks around a number and exponent notation are accepted");
  vt_lookup_free(t);
}

static void test_csv_details(void) {
  const char *targets[] = {"Go", "Stay"};
  char err[512];
  double p[2];
  vt_lookup *t = load_text("bom.csv", "\xEF\xBB\xBF" "age,Go,Stay\r\n0-9,1,0\r\n\r\n10-19,0,1\r\n", targets, 2, err,
                           sizeof err);
  CHECK(t != NULL, "BOM, CRLF and a blank line (%s)", err);
  if (t) {
    int64_t n[1] = {15};
    CHECK(vt_lookup_key_kind(t, 0) == VT_LOOKUP_AGE, "the BOM is not part of the first column name");
    CHECK(vt_lookup_nrows(t) == 2 && vt_lookup_match(t, n, NULL, p) == 1 && p[1] == 1, "the blank line is skipped");
    vt_lookup_free(t);
  }
  t = load_text("cr.csv", "age,Go,Stay\r0-9,1,0\r\r10-19,0,1\r", targets, 2, err, sizeof err);
  CHECK(t != NULL && vt_lookup_nrows(t) == 2, "lone CR line ends (old Mac files) and a blank CR line (%s)", err);
  vt_lookup_free(t);
  t = load_text("quoted.csv",
                "state,\"name, with comma\",Go,Stay\n"
                "\"Massachusetts\",\"say \"\"hi\"\"\",\"0.5\",0.5\n"
                "\"multi\nline\",x,1,0\n"
                "plain,,0,1",
                targets, 2, err, sizeof err);
  CHECK(t != NULL, "quoted fields, doubled quotes, a quoted newline, no final newline (%s)", err);
  if (t) {
    const char *s[2] = {"Massachusetts", "say \"hi\""};
    CHECK_STR(vt_lookup_key_name(t, 1), "name, with comma", "a quoted header name keeps its comma");
    CHECK(vt_lookup_match(t, NULL, s, p) == 1 && p[0] == 0.5, "quoted values are unquoted");
    s[0] = "multi\nline";
    s[1] = "x";
    CHECK(vt_lookup_match(t, NULL, s, p) == 1 && p[0] == 1, "a newline inside quotes is part of the value");
    s[0] = "plain";
    s[1] = "";
    CHECK(vt_lookup_match(t, NULL, s, p) == 1 && p[1] == 1, "an empty value matches an empty attribute text");
    vt_lookup_free(t);
  }
}

/* Expect a load error starting with "PATH:LINE:" (or "PATH:" when line is
** 0) and holding `piece`. */
static void expect_error(const char *what, const char *name, const char *text, const char *const *targets, int n,
                         int line, const char *piece) {
  char err[512] = "", where[4300];
  const char *path = write_tmp(name, text);
  vt_lookup *t = vt_lookup_load(path, targets, n, err, sizeof err);
  if (line > 0) snprintf(where, sizeof where, "%s:%d: ", path, line);
  else snprintf(where, sizeof where, "%s: ", path);
  CHECK(t == NULL && strncmp(err, where, strlen(where)) == 0 && contains(err, piece), "error: %s -> %s", what,
        err);
  vt_lookup_free(t);
}

static void test_errors(void) {
  const char *tg[] = {"Go", "Stay"};
  const char *typo[] = {"Go", "Stya"};
  const char *dup[] = {"Go", "Go"};
  const char *three[] = {"A", "B", "C"};
  char err[512] = "";

  vt_lookup *t = vt_lookup_load("/nonexistent/dir/x.csv", tg, 2, err, sizeof err);
  CHECK(t == NULL && strncmp(err, "/nonexistent/dir/x.csv: cannot open:", 36) == 0, "error: missing file -> %s",
        err);
  expect_error("empty file", "e1.csv", "", tg, 2, 1, "no header");
  expect_error("header only", "e2.csv", "age,Go,Stay\n", tg, 2, 2, "no rows");
  expect_error("target without a column", "e3.csv", "age,Go,Stay\n0-9,1,0\n", typo, 2, 1, "'Stya' has no column");
  expect_error("column naming no target", "e3b.csv", "age,Go,Stay\n0-9,1,0\n", typo, 2, 1,
               "column 'Stay' matches no transition");
  expect_error("fewer columns than targets", "e4.csv", "A,B\n1,0\n", three, 3, 1, "fewer than the 3 transitions");
  expect_error("a target listed twice", "e5.csv", "Go,Stay\n1,0\n", dup, 2, 0, "listed twice");
  expect_error("duplicate key column", "e6.csv", "state,State,Go,Stay\na,b,1,0\n", tg, 2, 1, "appears twice");
  expect_error("empty key column name", "e6b.csv", "state,,Go,Stay\na,b,1,0\n", tg, 2, 1, "has no name");
  expect_error("too few fields", "e7.csv", "age,Go,Stay\n0-9,1,0\n10-19,1\n", tg, 2, 3, "2 fields");
  expect_error("too many fields", "e8.csv", "age,Go,Stay\r\n0-9,1,0\r\n10-19,1,0,0\r\n", tg, 2, 3, "4 fields");
  expect_error("age '-50' (Synthea's invalid test table)", "e9.csv", "age,Go,Stay\n0-50,1,0\n-50,0,1\n", tg, 2, 3,
               "found '-50'");
  expect_error("age '5-'", "e10.csv", "age,Go,Stay\n5-,1,0\n", tg, 2, 2, "'low-high'");
  expect_error("age without a dash", "e11.csv", "age,Go,Stay\n42,1,0\n", tg, 2, 2, "found '42'");
  expect_error("age with letters", "e12.csv", "age,Go,Stay\na-b,1,0\n", tg, 2, 2, "column 'age'");
  expect_error("age with a blank", "e12b.csv", "age,Go,Stay\n0 - 5,1,0\n", tg, 2, 2, "found '0 - 5'");
  expect_error("time too large", "e13.csv", "time,Go,Stay\n0-99999999999999999999,1,0\n", tg, 2, 2, "column 'time'");
  expect_error("probability not a number", "e14.csv", "age,Go,Stay\n0-9,1,0\n10-19,x,1\n", tg, 2, 3,
               "column 'Go': not a probability");
  expect_error("empty probability", "e15.csv", "age,Go,Stay\n0-9,,1\n", tg, 2, 2, "not a probability");
  expect_error("negative probability", "e16.csv", "age,Go,Stay\n0-9,-0.5,1\n", tg, 2, 2, "'-0.5'");
  expect_error("NaN probability", "e17.csv", "age,Go,Stay\n0-9,nan,1\n", tg, 2, 2, "'nan'");
  expect_error("infinite probability", "e18.csv", "age,Go,Stay\n0-9,1e999,1\n", tg, 2, 2, "'1e999'");
  expect_error("unterminated quote", "e19.csv", "age,Go,Stay\n0-9,\"1,0\n", tg, 2, 2, "closing quote");
  expect_error("text after a closing quote", "e20.csv", "age,Go,Stay\n\"0-9\"x,1,0\n", tg, 2, 2,
               "after the closing quote");
  expect_error("lone CR line ends count lines", "e21b.csv", "age,Go,Stay\r0-9,1,0\r\r10-19,x,1\r", tg, 2, 4,
               "column 'Go': not a probability");
  expect_error("line numbers count quoted newlines", "e21.csv", "k,Go,Stay\n\"a\nb\",1,0\nc,1\n", tg, 2, 4,
               "2 fields");
  {
    static const char nul[] = "age,Go,Stay\n0-9,1\0,0\n";
    t = vt_lookup_load(write_tmp_n("e22.csv", nul, sizeof nul - 1), tg, 2, err, sizeof err);
    CHECK(t == NULL && contains(err, "e22.csv:2: a NUL byte: not a text file"), "error: NUL byte -> %s", err);
  }
  t = vt_lookup_load(write_tmp("e23.csv", "Go,Stay\n1,0\n"), tg, 0, err, sizeof err);
  CHECK(t == NULL && contains(err, "at least one option"), "error: no targets -> %s", err);
  /* err may be NULL: no crash. */
  CHECK(vt_lookup_load("/nonexistent/x.csv", tg, 2, NULL, 0) == NULL, "a NULL err buffer is accepted");
}

/* ------------------------------------------------------------------ */
/* Segmented index against a brute-force scan                          */
/* ------------------------------------------------------------------ */

typedef struct { int g; int64_t tlo, thi, alo, ahi; double a; } genrow;

static uint64_t rnd_state = 88172645463325252ULL;
static uint64_t rnd(void) {
  rnd_state ^= rnd_state << 13;
  rnd_state ^= rnd_state >> 7;
  rnd_state ^= rnd_state << 17;
  return rnd_state;
}

static void test_index_vs_scan(void) {
  enum { NR = 3000 };
  static genrow rows[NR];
  const char *targets[] = {"A", "B"};
  const char *genders[] = {"M", "F", "X"};
  char err[512];
  size_t cap = (size_t)NR * 96 + 64, len = 0;
  char *text = malloc(cap);
  if (!text) { CHECK(0, "malloc"); return; }
  len += (size_t)snprintf(text + len, cap - len, "gender,time,age,A,B\n");
  for (int i = 0; i < NR; i++) {
    genrow *r = &rows[i];
    r->g = (int)(rnd() % 3);
    /* Mostly tiled periods and age bands, some random (overlapping) rows. */
    if (i % 7 == 0) {
      r->tlo = (int64_t)(rnd() % 100000);
      r->thi = r->tlo + (int64_t)(rnd() % 20000);
      r->alo = (int64_t)(rnd() % 100);
      r->ahi = r->alo + (int64_t)(rnd() % 40);
    } else {
      r->tlo = (i / 10) * 300;
      r->thi = r->tlo + 299;
      r->alo = (i % 10) * 10;
      r->ahi = r->alo + 9;
    }
    r->a = (double)(i % 1000) / 1000.0;
    len += (size_t)snprintf(text + len, cap - len, "%s,%lld-%lld,%lld-%lld,%.3f,%.3f\n", genders[r->g],
                            (long long)r->tlo, (long long)r->thi, (long long)r->alo, (long long)r->ahi, r->a,
                            1.0 - r->a);
  }
  vt_lookup *t = load_text("big.csv", text, targets, 2, err, sizeof err);
  free(text);
  CHECK(t != NULL, "3000-row generated table loads (%s)", err);
  if (!t) return;
  int bad = 0, matched = 0;
  for (int q = 0; q < 200000; q++) {
    int g = (int)(rnd() % 3);
    int64_t tm = (int64_t)(rnd() % 125000) - 1000, age = (int64_t)(rnd() % 150);
    int64_t nums[3] = {0, tm, age};
    const char *strs[3] = {genders[g], NULL, NULL};
    double p[2];
    int want = -1, got = vt_lookup_match(t, nums, strs, p);
    /* Brute force: first row in file order, repeats folded (later wins). */
    for (int i = 0; i < NR && want < 0; i++)
      if (rows[i].g == g && tm >= rows[i].tlo && tm <= rows[i].thi && age >= rows[i].alo && age <= rows[i].ahi)
        want = i;
    if (want >= 0) {
      double a = rows[want].a;
      for (int i = want + 1; i < NR; i++)
        if (rows[i].g == g && rows[i].tlo == rows[want].tlo && rows[i].thi == rows[want].thi &&
            rows[i].alo == rows[want].alo && rows[i].ahi == rows[want].ahi)
          a = rows[i].a;
      if (got != 1 || fabs(p[0] - a) > 1e-12) bad++;
      matched++;
    } else if (got != 0) {
      bad++;
    }
  }
  CHECK(bad == 0 && matched > 1000, "segmented index agrees with a brute-force scan (%d mismatches, %d matched)",
        bad, matched);

  /* Speed: the hot path should be well under a microsecond. */
  struct timespec a, b;
  double sink = 0, p[2];
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int q = 0; q < 1000000; q++) {
    int64_t nums[3] = {0, ((int64_t)q * 7919) % 120000, q % 100};
    const char *strs[3] = {genders[q % 3], NULL, NULL};
    if (vt_lookup_match(t, nums, strs, p) == 1) sink += p[0];
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e6;
  CHECK(ns < 5000 && sink >= 0, "1e6 matches on a 3000-row table: %.0f ns each", ns);
  vt_lookup_free(t);
}

/* ------------------------------------------------------------------ */
/* Synthea's corpus                                                    */
/* ------------------------------------------------------------------ */

typedef struct {
  char table[256];
  char module[512];
  char *targets[64];
  int ntargets;
} use;

static use uses[512];
static int nuses;

/* Record the lookup_table_transition at the top of L's stack. */
static void add_use(lua_State *L, const char *module) {
  use u;
  memset(&u, 0, sizeof u);
  snprintf(u.module, sizeof u.module, "%.500s", module);
  lua_Integer n = luaL_len(L, -1);
  for (lua_Integer i = 1; i <= n && u.ntargets < 64; i++) {
    lua_rawgeti(L, -1, i);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "transition");
      lua_getfield(L, -2, "lookup_table_name");
      if (lua_type(L, -2) == LUA_TSTRING) u.targets[u.ntargets++] = strdup(lua_tostring(L, -2));
      if (lua_type(L, -1) == LUA_TSTRING && !u.table[0]) snprintf(u.table, sizeof u.table, "%s", lua_tostring(L, -1));
      lua_pop(L, 2);
    }
    lua_pop(L, 1);
  }
  if (nuses < (int)(sizeof uses / sizeof uses[0])) uses[nuses++] = u;
  else for (int i = 0; i < u.ntargets; i++) free(u.targets[i]);
}

/* Find every lookup_table_transition in the JSON modules under dir. */
static void scan_modules(lua_State *L, const char *dir, int *files) {
  DIR *d = opendir(dir);
  struct dirent *e;
  if (!d) return;
  while ((e = readdir(d)) != NULL) {
    char path[4096];
    struct stat st;
    size_t n = strlen(e->d_name);
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (stat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (strcmp(e->d_name, "lookup_tables") != 0) scan_modules(L, path, files);
      continue;
    }
    if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0) continue;
    char err[512];
    if (vt_json_push_file(L, path, err, sizeof err) != 0) continue;
    (*files)++;
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "states");
      if (lua_istable(L, -1)) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "lookup_table_transition");
            if (lua_istable(L, -1)) add_use(L, path);
            lua_pop(L, 1);
          }
          lua_pop(L, 1);
        }
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  closedir(d);
}

/* Split one CSV line (the corpus has no quotes) in place. */
static int split_line(char *s, char **f, int max) {
  int n = 0;
  f[n++] = s;
  for (; *s && n < max; s++)
    if (*s == ',') { *s = '\0'; f[n++] = s + 1; }
  return n;
}

/* Every data row of the file must match a patient with the row's own
** values at both ends of its ranges; returns the number of rows that did
** not.  *rows gets the number checked. */
static int self_match(vt_lookup *t, const char *path, int ntargets, int *rows) {
  FILE *f = fopen(path, "rb");
  char line[8192], *fld[256];
  int bad = 0, first = 1;
  *rows = 0;
  if (!f) return 1;
  while (fgets(line, sizeof line, f)) {
    size_t n = strcspn(line, "\r\n");
    line[n] = '\0';
    if (first) { first = 0; continue; }
    if (n == 0) continue;
    int nf = split_line(line, fld, 256), nk = vt_lookup_nkeys(t);
    if (nf != nk + ntargets) { bad++; continue; }
    for (int end = 0; end < 2; end++) {
      int64_t nums[64];
      const char *strs[64];
      double p[64], sum = 0;
      for (int k = 0; k < nk && k < 64; k++) {
        strs[k] = fld[k];
        nums[k] = 0;
        if (vt_lookup_key_is_range(t, k)) {
          long long lo = 0, hi = 0;
          if (sscanf(fld[k], "%lld-%lld", &lo, &hi) != 2) { bad++; break; }
          nums[k] = end ? (lo > hi ? lo : hi) : (lo < hi ? lo : hi);
        }
      }
      if (vt_lookup_match(t, nums, strs, p) != 1) { bad++; continue; }
      for (int j = 0; j < ntargets; j++) sum += p[j];
      if (fabs(sum - 1) > 1e-9) bad++;
    }
    (*rows)++;
  }
  fclose(f);
  return bad;
}

static const char *shared_root(void) {
  static char buf[4096];
  const char *s = getenv("VITAE_SHARED");
  snprintf(buf, sizeof buf, "%s/synthea", s && *s ? s : "../shared");
  return buf;
}

static void test_corpus(void) {
  char mods[4200], tmods[4200];
  struct stat st;
  snprintf(mods, sizeof mods, "%s/modules", shared_root());
  snprintf(tmods, sizeof tmods, "%s/test-modules", shared_root());
  if (stat(mods, &st) != 0 || !S_ISDIR(st.st_mode)) {
    printf("skip - synthea corpus not found (%s)\n", mods);
    return;
  }
  lua_State *L = luaL_newstate();
  int files = 0;
  if (!L) { CHECK(0, "luaL_newstate"); return; }
  int corpus_uses;
  scan_modules(L, mods, &files);
  corpus_uses = nuses;
  scan_modules(L, tmods, &files);
  lua_close(L);
  CHECK(nuses >= 70, "%d lookup_table_transitions found in %d module files", nuses, files);

  /* Load each (table, targets) use. */
  int loaded = 0, rows_total = 0, bad_rows = 0, unexpected = 0;
  char seen[128][256];
  int nseen = 0;
  for (int i = 0; i < nuses; i++) {
    use *u = &uses[i];
    char path[4600], err[1024] = "";
    int test_module = i >= corpus_uses;
    snprintf(path, sizeof path, "%.4200s/lookup_tables/%.250s", test_module ? tmods : mods, u->table);
    vt_lookup *t = vt_lookup_load(path, (const char *const *)u->targets, u->ntargets, err, sizeof err);
    if (strstr(u->module, "lookuptable_agerangetest.json")) {
      CHECK(t == NULL && contains(err, "lookuptable_agerangetest.csv:3:") && contains(err, "'-50'"),
            "test module lookuptable_agerangetest: '-50' refused -> %s", err);
    } else if (strstr(u->module, "lookuptable_nomatchcolumn.json")) {
      CHECK(t == NULL && contains(err, ":1:") && contains(err, "'Mild_Lokuptablitis' has no column"),
            "test module lookuptable_nomatchcolumn: misspelt transition refused -> %s", err);
    } else if (!t) {
      unexpected++;
      CHECK(0, "%s loads for %s: %s", u->table, u->module, err);
    } else {
      int rows = 0;
      int bad = self_match(t, path, u->ntargets, &rows);
      loaded++;
      rows_total += rows;
      bad_rows += bad;
      if (bad) CHECK(0, "%s: %d of %d rows do not match their own values", u->table, bad, rows);
      int k = 0;
      while (k < nseen && strcmp(seen[k], u->table) != 0) k++;
      if (k == nseen && nseen < 128) snprintf(seen[nseen++], sizeof seen[0], "%.250s", u->table);
    }
    vt_lookup_free(t);
  }
  CHECK(unexpected == 0 && loaded >= 70, "%d uses of %d distinct tables load with their modules' targets", loaded,
        nseen);
  CHECK(bad_rows == 0 && rows_total > 10000, "all %d rows match a patient with their own values (both range ends), "
        "probabilities summing to 1", rows_total);

  /* Every CSV in lookup_tables/ is accounted for. */
  int ncsv = 0, unused = 0;
  const char *dirs[2] = {mods, tmods};
  for (int di = 0; di < 2; di++) {
    char dpath[4300];
    snprintf(dpath, sizeof dpath, "%s/lookup_tables", dirs[di]);
    DIR *d = opendir(dpath);
    struct dirent *e;
    if (!d) continue;
    while ((e = readdir(d)) != NULL) {
      size_t n = strlen(e->d_name);
      if (n < 4 || strcmp(e->d_name + n - 4, ".csv") != 0) continue;
      ncsv++;
      int k = 0;
      while (k < nseen && strcmp(seen[k], e->d_name) != 0) k++;
      if (k == nseen && strcmp(e->d_name, "lookuptable_agerangetest.csv") != 0) {
        unused++;
        printf("# %s is used by no lookup_table_transition\n", e->d_name);
      }
    }
    closedir(d);
  }
  CHECK(ncsv == 73 && unused == 1, "%d CSV files in lookup_tables/, %d used by no transition (covid_dose_rates.csv, "
        "read by Synthea's Java code)", ncsv, unused);

  /* A few rows checked by hand. */
  {
    const char *tg[] = {"Levofloxacin", "No_Levofloxacin_Prophylaxis"};
    char path[4300], err[512];
    double p[2];
    snprintf(path, sizeof path, "%s/lookup_tables/AML.csv", mods);
    vt_lookup *t = vt_lookup_load(path, tg, 2, err, sizeof err);
    const char *s[3] = {"F", "white", "hispanic"};
    CHECK(t && vt_lookup_match(t, NULL, s, p) == 1 && fabs(p[0] - 0.174554813) < 1e-12,
          "AML.csv (CRLF): F white hispanic -> Levofloxacin 0.174554813");
    vt_lookup_free(t);
  }
  {
    const char *tg[] = {"Prescribe_Amlodipine_Benazepril", "Prescribe_Benazepril",
                        "Prescribe_Benazepril_Hydrochlorothiazide", "Prescribe_Enalapril",
                        "Prescribe_Hydrochlorothiazide_Lisinopril", "Prescribe_Hydrochlorothiazide_Losartan",
                        "Prescribe_Hydrochlorothiazide_Valsartan", "Prescribe_Irbesartan", "Prescribe_Lisinopril",
                        "Prescribe_Losartan", "Prescribe_Quinapril", "Prescribe_Ramipril",
                        "Prescribe_Sacubitril_Valsartan", "Prescribe_Telmisartan", "Prescribe_Valsartan"};
    char path[4300], err[512];
    double p[15];
    snprintf(path, sizeof path, "%s/lookup_tables/ace_arb_ingredient_distribution.csv", mods);
    vt_lookup *t = vt_lookup_load(path, tg, 15, err, sizeof err);
    int64_t n[3] = {65, 0, 0};
    const char *s[3] = {NULL, "M", "Alabama"};
    CHECK(t && vt_lookup_match(t, n, s, p) == 1 && fabs(p[8] - 0.468) < 1e-12,
          "ace_arb: age 65 is in '46-65' and '65-103': the earlier row wins (%s)", err);
    n[0] = 66;
    CHECK(t && vt_lookup_match(t, n, s, p) == 1 && fabs(p[8] - 0.419) < 1e-12, "ace_arb: age 66 -> '65-103'");
    n[0] = 10;
    CHECK(t && vt_lookup_match(t, n, s, p) == 0, "ace_arb: age 10 (no M Alabama row between '4-7' and '12-17') -> no row");
    vt_lookup_free(t);
  }
  {
    const char *tg[] = {"Check Vaccine Status", "Terminal", "Wait Until Exposure"};
    char path[4300], err[512];
    double p[3];
    snprintf(path, sizeof path, "%s/lookup_tables/covid19_prob.csv", mods);
    vt_lookup *t = vt_lookup_load(path, tg, 3, err, sizeof err);
    int64_t n[1] = {1579651200000LL + 3600000};
    CHECK(t && vt_lookup_match(t, n, NULL, p) == 1 && p[1] == 0.0001, "covid19_prob: 2020-01-22 01:00Z -> 0.0001");
    n[0] = 0;
    CHECK(t && vt_lookup_match(t, n, NULL, p) == 0, "covid19_prob: 1970 -> no row (defaults)");
    vt_lookup_free(t);
  }
  {
    const char *tg[] = {"Mild_Lookuptablitis", "Extreme_Lookuptablitis", "Moderate_Lookuptablitis"};
    char path[4300], err[512];
    double p[3];
    snprintf(path, sizeof path, "%s/lookup_tables/lookuptable_timerangetest.csv", tmods);
    vt_lookup *t = vt_lookup_load(path, tg, 3, err, sizeof err);
    int64_t n[3] = {999, 0, 0};
    const char *s[3] = {NULL, "M", "Massachusetts"};
    CHECK(t && vt_lookup_match(t, n, s, p) == 1 && p[2] == 1, "timerangetest: time 999 M -> Moderate");
    n[0] = 1000;
    CHECK(t && vt_lookup_match(t, n, s, p) == 1 && p[1] == 1, "timerangetest: time 1000 M -> Extreme");
    n[0] = 2000;
    CHECK(t && vt_lookup_match(t, n, s, p) == 0, "timerangetest: time 2000 -> no row");
    vt_lookup_free(t);
  }
  for (int i = 0; i < nuses; i++)
    for (int j = 0; j < uses[i].ntargets; j++) free(uses[i].targets[j]);
}

int main(void) {
  const char *root = getenv("TMPROOT");
  snprintf(tmpdir, sizeof tmpdir, "%s/lookupXXXXXX", root && *root ? root : "/tmp");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 2;
  }
  test_basic();
  test_time_and_order();
  test_effective();
  test_csv_details();
  test_errors();
  test_index_vs_scan();
  test_corpus();
  /* Remove the temporary files. */
  DIR *d = opendir(tmpdir);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      char p[4400];
      if (e->d_name[0] == '.') continue;
      snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
      remove(p);
    }
    closedir(d);
  }
  rmdir(tmpdir);
  return test_done();
}
