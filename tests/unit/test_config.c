/*
** test_config.c -- unit tests of the run configuration (sim/config.c: YAML
** run config, `vitae run` flags, help texts, YAML write-back) and of params
** files (sim/params.c).  Run from the repository root: the fixtures are read
** from tests/fixtures/config/ and tests/fixtures/params/, and scratch files
** go to tests/tmp/.
*/
#include "sim/cli/cli.h"
#include "sim/config.h"
#include "sim/params.h"
#include "sim/vtime.h"
#include "test.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define CFG "tests/fixtures/config/"
#define PAR "tests/fixtures/params/"
#define TMP "tests/tmp/"

static int starts_with(const char *s, const char *prefix) {
  return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static int contains(const char *s, const char *part) {
  return s && strstr(s, part) != NULL;
}

/* Write text to path; returns 0 or -1. */
static int write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t n = strlen(text);
  int ok = fwrite(text, 1, n, f) == n;
  return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* Read a whole (small) file into a malloc'd string, or NULL. */
static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf;
  size_t cap = 1 << 16, n;
  if (!f) return NULL;
  buf = malloc(cap + 1);
  if (!buf) { fclose(f); return NULL; }
  n = fread(buf, 1, cap, f);
  fclose(f);
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

static int parse(vt_config *c, char *err, size_t errlen, int argc, char **argv) {
  return vt_config_parse_run(c, argc, argv, err, errlen);
}
#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- defaults ---- */

static void test_defaults(void) {
  vt_config c;
  vt_config_defaults(&c);
  CHECK(c.population == 1000, "defaults: population 1000");
  CHECK(c.seed == 1, "defaults: seed 1");
  CHECK(c.nmodules == 0 && c.modules == NULL, "defaults: no modules (default set)");
  CHECK_STR(c.output, "output/cohort.db", "defaults: output");
  CHECK(c.threads == 0, "defaults: threads 0 (all CPUs)");
  CHECK(c.reference_date == 0, "defaults: reference date 0 (today)");
  CHECK(c.age_min == 0 && c.age_max == 100, "defaults: age 0-100");
  CHECK(c.gender == 0, "defaults: both genders");
  CHECK(c.params_file == NULL && c.config_file == NULL, "defaults: no params, no config file");
  CHECK(c.quiet == 0, "defaults: not quiet");
  vt_config_free(&c);
  vt_config_free(&c);   /* freeing twice is harmless: free resets to defaults */
  CHECK(c.population == 1000, "free resets to defaults");
}

/* ---- YAML ---- */

static void test_yaml_good(void) {
  vt_config c;
  char err[1024] = "";
  vt_time t;
  vt_config_defaults(&c);
  int rc = vt_config_load_yaml(&c, CFG "good.yaml", err, sizeof err);
  CHECK(rc == 0, "good.yaml loads (%s)", err);
  CHECK(c.population == 250, "good.yaml: population");
  CHECK(c.seed == UINT64_MAX, "good.yaml: seed up to 2^64-1");
  CHECK(c.nmodules == 2, "good.yaml: two modules");
  if (c.nmodules == 2) {
    CHECK_STR(c.modules[0], "modules/appendicitis.lua", "good.yaml: module 1");
    CHECK_STR(c.modules[1], "modules/copd", "good.yaml: module 2 (quoted)");
  }
  CHECK_STR(c.output, "out/test cohort.db", "good.yaml: output with a space");
  CHECK(c.threads == 4, "good.yaml: threads");
  CHECK(vt_time_parse_date("2020-02-29", &t) == 0 && c.reference_date == t,
        "good.yaml: reference_date (leap day) at 00:00 UTC");
  CHECK(c.reference_date == 1582934400000LL, "good.yaml: 2020-02-29 is 1582934400000 ms");
  CHECK(c.age_min == 18 && c.age_max == 65, "good.yaml: age 18-65");
  CHECK(c.gender == 'F', "good.yaml: gender F");
  CHECK_STR(c.params_file, "tests/fixtures/params/good.yaml", "good.yaml: params");
  CHECK(c.quiet == 1, "good.yaml: quiet");
  CHECK(c.config_file == NULL, "load_yaml does not set config_file");
  vt_config_free(&c);
}

static void test_yaml_forms(void) {
  vt_config c;
  char err[1024] = "";
  vt_config_defaults(&c);
  c.population = 77;
  c.quiet = 1;
  c.threads = 3;
  c.params_file = malloc(8);
  if (c.params_file) strcpy(c.params_file, "old.yml");
  int rc = vt_config_load_yaml(&c, CFG "good_forms.yaml", err, sizeof err);
  CHECK(rc == 0, "good_forms.yaml loads (%s)", err);
  CHECK(c.population == 77, "keys absent from the file are kept");
  CHECK(c.nmodules == 1 && c.modules && !strcmp(c.modules[0], "modules/asthma.lua"),
        "modules as a single string");
  CHECK(c.age_min == 40 && c.age_max == 70, "age as a mapping {min, max}");
  CHECK(c.gender == 'M', "gender: male");
  CHECK(c.threads == 0, "threads: auto");
  CHECK(c.quiet == 0, "quiet: no");
  CHECK(c.params_file == NULL, "params: ~ clears the params file");
  CHECK(c.reference_date == 0, "reference_date: today");
  vt_config_free(&c);

  vt_config_defaults(&c);
  c.seed = 99;
  rc = vt_config_load_yaml(&c, CFG "empty.yaml", err, sizeof err);
  CHECK(rc == 0 && c.seed == 99 && c.population == 1000, "a file of comments changes nothing");
  vt_config_free(&c);
}

/* One bad config: the file, "LINE:COL", and a part of the message. */
static const struct { const char *file, *pos, *part; } bad_yaml[] = {
  {"bad_unknown_key.yaml",        "3:1",  "unknown key 'popluation' (known keys: population, seed,"},
  {"bad_unknown_key.yaml",        "3:1",  "did you mean 'population'?"},
  {"bad_population_type.yaml",    "2:13", "'population' must be a positive integer, got 'abc'"},
  {"bad_population_negative.yaml","1:13", "'population' must be a positive integer, got '-5'"},
  {"bad_population_zero.yaml",    "1:13", "'population' must be a positive integer, got '0'"},
  {"bad_population_list.yaml",    "2:3",  "'population' must be a positive integer, got a list"},
  {"bad_seed.yaml",               "1:7",  "'seed' must be an integer from 0 to 18446744073709551615, got '18446744073709551616'"},
  {"bad_threads.yaml",            "1:10", "'threads' must be an integer from 1 to 256"},
  {"bad_date.yaml",               "2:17", "'reference_date' must be a date YYYY-MM-DD or 'today', got '2023-02-30' (no such day)"},
  {"bad_date_format.yaml",        "1:17", "'reference_date' must be a date YYYY-MM-DD or 'today', got '1/2/2023'"},
  {"bad_age_range.yaml",          "1:6",  "'age' must be an age range MIN-MAX with 0 <= MIN <= MAX <= 120, got '70-20'"},
  {"bad_age_max.yaml",            "1:6",  "'age' must be an age range MIN-MAX with 0 <= MIN <= MAX <= 120, got '0-130'"},
  {"bad_age_map.yaml",            "2:3",  "'age' must have min <= max, got min 80, max 30"},
  {"bad_age_map_key.yaml",        "3:3",  "unknown key 'maximum' in 'age' (known keys: min, max)"},
  {"bad_gender.yaml",             "1:9",  "'gender' must be M, F or both, got 'X'"},
  {"bad_quiet.yaml",              "1:8",  "'quiet' must be true or false, got 'maybe'"},
  {"bad_modules.yaml",            "3:5",  "each item of 'modules' must be a path, got a mapping"},
  {"bad_output_empty.yaml",       "1:9",  "'output' must be a path, got ''"},
  {"bad_syntax.yaml",             "3:7",  "did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 7)"},
  {"bad_toplevel.yaml",           "1:1",  "the run config must be a mapping of key: value"},
  {"bad_duplicate.yaml",          "3:1",  "duplicate key 'population' (first given at line 1)"},
  {"bad_two_docs.yaml",           "2:1",  "a second YAML document"},
};

static void test_yaml_bad(void) {
  for (size_t i = 0; i < sizeof bad_yaml / sizeof bad_yaml[0]; i++) {
    vt_config c;
    char err[1024] = "", path[256], prefix[300];
    vt_config_defaults(&c);
    c.population = 77;
    snprintf(path, sizeof path, CFG "%s", bad_yaml[i].file);
    snprintf(prefix, sizeof prefix, "%s:%s: ", path, bad_yaml[i].pos);
    int rc = vt_config_load_yaml(&c, path, err, sizeof err);
    CHECK(rc == -1 && starts_with(err, prefix) && contains(err, bad_yaml[i].part),
          "%s: error at %s names '%s' (got: %s)", bad_yaml[i].file, bad_yaml[i].pos,
          bad_yaml[i].part, err);
    CHECK(c.population == 77 && c.nmodules == 0 && c.output && !strcmp(c.output, "output/cohort.db"),
          "%s: config unchanged after the error", bad_yaml[i].file);
    vt_config_free(&c);
  }
}

static void test_yaml_misc(void) {
  vt_config c;
  char err[1024] = "";
  vt_config_defaults(&c);
  CHECK(vt_config_load_yaml(&c, CFG "no_such_file.yaml", err, sizeof err) == -1 &&
        starts_with(err, CFG "no_such_file.yaml: cannot open: "),
        "missing file: '%s'", err);
  CHECK(vt_config_load_yaml(&c, "tests/fixtures", err, sizeof err) == -1 &&
        starts_with(err, "tests/fixtures: cannot read"), "a folder: '%s'", err);

  /* Inline texts written to tests/tmp. */
  static const struct { const char *text, *want; } cases[] = {
    {"population: 1e6\n", ":1:13: 'population' must be a positive integer, got '1e6'"},
    {"population: 9223372036854775808\n", ":1:13: 'population' must be a positive integer"},
    {"population:\n", ":1:12: 'population' must be a positive integer, got no value"},
    {"seed: -1\n", ":1:7: 'seed' must be an integer from 0"},
    {"threads: 257\n", ":1:10: 'threads' must be"},
    {"reference_date: 2023-13-01\n", ":1:17: 'reference_date' must be a date YYYY-MM-DD or 'today', got '2023-13-01' (no such day)"},
    {"reference_date: 1970-01-01\n", "(1970-01-01 cannot be used"},
    {"reference_date: 2023-1-1\n", "got '2023-1-1'"},
    {"age: 30\n", ":1:6: 'age' must be an age range"},
    {"age: {min: 10, min: 20}\n", ":1:16: duplicate key 'min' in 'age'"},
    {"age: {min: -1}\n", ":1:12: 'age.min' must be an integer from 0 to 120, got '-1'"},
    {"age: {min: 110}\n", ":1:6: 'age' must have min <= max, got min 110, max 100"},
    {"gender: [M]\n", ":1:9: 'gender' must be M, F or both, got a list"},
    {"modules: {a: 1}\n", ":1:10: 'modules' must be a path or a list of paths, got a mapping"},
    {"modules: [a.lua, \"\"]\n", ":1:18: each item of 'modules' must be a path, got ''"},
    {"output: \"a\\0b\"\n", ":1:9: 'output' must be a path, got a value with a NUL character"},
    {"? [a, b]\n: 1\n", ":1:3: keys must be names"},
    {"42\n", ":1:1: the run config must be a mapping of key: value"},
    {"seed: *nothing\n", ":1:7: found undefined alias"},
    {"a: \"\\xff\\xfe\"\nb: \xff\n", ":2:4: invalid leading UTF-8 octet (byte 0xFF)"},
    {"threads: 4\nthread: 2\n", ":2:1: unknown key 'thread' (known keys: population,"},
  };
  mkdir("tests/tmp", 0777);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char path[64];
    snprintf(path, sizeof path, TMP "inline_%zu.yaml", i);
    if (write_file(path, cases[i].text)) {
      CHECK(0, "write %s: %s", path, strerror(errno));
      continue;
    }
    vt_config_defaults(&c);
    int rc = vt_config_load_yaml(&c, path, err, sizeof err);
    CHECK(rc == -1 && starts_with(err, path) && contains(err, cases[i].want),
          "inline config %zu gives '%s' (got: %s)", i, cases[i].want, rc ? err : "no error");
    vt_config_free(&c);
  }

  /* Aliases resolve through the document API. */
  if (write_file(TMP "alias.yaml", "seed: &s 12\npopulation: *s\n") == 0) {
    vt_config_defaults(&c);
    CHECK(vt_config_load_yaml(&c, TMP "alias.yaml", err, sizeof err) == 0 &&
          c.seed == 12 && c.population == 12, "anchors and aliases");
    vt_config_free(&c);
  }
  /* Small error buffers are truncated, never overrun. */
  {
    char small[12];
    vt_config_defaults(&c);
    CHECK(vt_config_load_yaml(&c, CFG "bad_gender.yaml", small, sizeof small) == -1 &&
          strlen(small) == sizeof small - 1, "error message truncated to the buffer");
    CHECK(vt_config_load_yaml(&c, CFG "bad_gender.yaml", NULL, 0) == -1, "NULL error buffer accepted");
    vt_config_free(&c);
  }
}

static void test_yaml_roundtrip(void) {
  vt_config a, b;
  char err[1024] = "";
  vt_config_defaults(&a);
  vt_config_defaults(&b);
  int rc = vt_config_load_yaml(&a, CFG "good.yaml", err, sizeof err);
  /* Odd characters survive the trip through vt_config_to_yaml. */
  free(a.modules[1]);
  a.modules[1] = malloc(64);
  if (a.modules[1]) strcpy(a.modules[1], "mods/\"quoted\" \\back\\ tab\there: #x é");
  char *yaml = vt_config_to_yaml(&a);
  CHECK(rc == 0 && yaml != NULL, "to_yaml returns text");
  CHECK(contains(yaml, "population: 250\n") && contains(yaml, "seed: 18446744073709551615\n") &&
        contains(yaml, "reference_date: 2020-02-29\n") && contains(yaml, "age: 18-65\n") &&
        contains(yaml, "gender: F\n") && contains(yaml, "quiet: true\n") &&
        contains(yaml, "threads: 4\n") && contains(yaml, "output: \"out/test cohort.db\"\n"),
        "to_yaml writes every key");
  if (yaml && write_file(TMP "roundtrip.yaml", yaml) == 0) {
    rc = vt_config_load_yaml(&b, TMP "roundtrip.yaml", err, sizeof err);
    CHECK(rc == 0, "to_yaml output loads back (%s)", err);
    CHECK(b.population == a.population && b.seed == a.seed && b.threads == a.threads &&
          b.reference_date == a.reference_date && b.age_min == a.age_min &&
          b.age_max == a.age_max && b.gender == a.gender && b.quiet == a.quiet,
          "round trip: numbers, date, age, gender, quiet");
    CHECK(b.nmodules == 2 && !strcmp(b.modules[0], a.modules[0]) && !strcmp(b.modules[1], a.modules[1]),
          "round trip: modules, with quotes, backslashes, tab and UTF-8");
    CHECK_STR(b.output, a.output, "round trip: output");
    CHECK_STR(b.params_file, a.params_file, "round trip: params");
  }
  free(yaml);
  vt_config_free(&a);
  vt_config_free(&b);

  /* Defaults round-trip too (today, both, null params, no modules). */
  vt_config_defaults(&a);
  a.config_file = malloc(32);
  if (a.config_file) strcpy(a.config_file, "my\nrun.yaml");
  yaml = vt_config_to_yaml(&a);
  CHECK(yaml && contains(yaml, "# config file: my?run.yaml\n") && contains(yaml, "modules: []\n") &&
        contains(yaml, "params: null\n") && contains(yaml, "reference_date: today\n") &&
        contains(yaml, "gender: both\n"), "to_yaml of the defaults");
  vt_config_defaults(&b);
  b.seed = 5;
  b.params_file = malloc(4);
  if (b.params_file) strcpy(b.params_file, "p.y");
  if (yaml && write_file(TMP "roundtrip2.yaml", yaml) == 0) {
    rc = vt_config_load_yaml(&b, TMP "roundtrip2.yaml", err, sizeof err);
    CHECK(rc == 0 && b.seed == 1 && b.params_file == NULL && b.nmodules == 0 &&
          b.reference_date == 0 && b.gender == 0, "defaults round trip (%s)", err);
  }
  free(yaml);
  vt_config_free(&a);
  vt_config_free(&b);
}

/* ---- command line ---- */

static void test_cli_flags(void) {
  vt_config c;
  char err[1024] = "";
  vt_time t;
  vt_config_defaults(&c);
  char *none[] = {"run"};
  CHECK(parse(&c, err, sizeof err, ARGC(none), none) == 0 && c.population == 1000,
        "no flags: defaults");

  char *all[] = {"run", "-p", "50", "-s", "9", "-m", "a.lua", "b", "-o", "x.db", "--threads", "2",
                 "--reference-date", "2024-01-31", "--age", "10 - 20", "--gender", "m",
                 "--params", "p.yaml", "-q", "-m", "c"};
  int rc = parse(&c, err, sizeof err, ARGC(all), all);
  CHECK(rc == 0, "every flag parses (%s)", err);
  CHECK(c.population == 50 && c.seed == 9 && c.threads == 2 && c.quiet == 1, "-p -s --threads -q");
  CHECK(c.nmodules == 3 && !strcmp(c.modules[0], "a.lua") && !strcmp(c.modules[1], "b") &&
        !strcmp(c.modules[2], "c"), "-m takes several paths and repeats");
  CHECK_STR(c.output, "x.db", "-o");
  CHECK(vt_time_parse_date("2024-01-31", &t) == 0 && c.reference_date == t, "--reference-date");
  CHECK(c.age_min == 10 && c.age_max == 20, "--age with spaces around the dash");
  CHECK(c.gender == 'M', "--gender m");
  CHECK_STR(c.params_file, "p.yaml", "--params");
  vt_config_free(&c);

  vt_config_defaults(&c);
  char *eq[] = {"run", "--population=60", "--seed=3", "--threads=8", "--reference-date=2021-12-31",
                "--age=5-6", "--gender=F", "--output=y.db", "--modules=m1", "m2", "--params=q.yaml",
                "--quiet", "-p70", "-s=4"};
  rc = parse(&c, err, sizeof err, ARGC(eq), eq);
  CHECK(rc == 0, "--flag=value forms parse (%s)", err);
  CHECK(c.population == 70 && c.seed == 4 && c.threads == 8 && c.age_min == 5 && c.age_max == 6 &&
        c.gender == 'F' && c.quiet, "--flag=value, -p70 and -s=4 values; the last one wins");
  CHECK(vt_time_parse_date("2021-12-31", &t) == 0 && c.reference_date == t, "--reference-date=");
  CHECK(c.nmodules == 2 && !strcmp(c.modules[0], "m1") && !strcmp(c.modules[1], "m2"),
        "--modules=m1 m2");
  CHECK_STR(c.output, "y.db", "--output=");
  CHECK_STR(c.params_file, "q.yaml", "--params=");
  vt_config_free(&c);

  vt_config_defaults(&c);
  char *big[] = {"run", "-s", "18446744073709551615", "--threads", "256", "--gender", "both",
                 "--age", "0-120", "--threads", "auto"};
  CHECK(parse(&c, err, sizeof err, ARGC(big), big) == 0 && c.seed == UINT64_MAX && c.threads == 0 &&
        c.age_max == 120 && c.gender == 0, "limits: seed 2^64-1, threads 256 then auto, age 0-120");
  vt_config_free(&c);
}

static void test_cli_config(void) {
  vt_config c;
  char err[1024] = "";
  vt_config_defaults(&c);
  char *a[] = {"run", "-p", "5", "--config", CFG "good.yaml", "-m", "z.lua", "--gender", "both"};
  int rc = parse(&c, err, sizeof err, ARGC(a), a);
  CHECK(rc == 0, "--config with flags (%s)", err);
  CHECK(c.population == 5, "a flag before --config still overrides the file");
  CHECK(c.seed == UINT64_MAX && c.threads == 4 && c.quiet == 1 && c.age_min == 18,
        "keys of the file apply where no flag is given");
  CHECK(c.nmodules == 1 && !strcmp(c.modules[0], "z.lua"), "-m replaces the file's module list");
  CHECK(c.gender == 0, "--gender both overrides the file's F");
  CHECK_STR(c.config_file, CFG "good.yaml", "config_file recorded");
  char *yaml = vt_config_to_yaml(&c);
  CHECK(yaml && contains(yaml, "# config file: " CFG "good.yaml\n"), "to_yaml names the config file");
  free(yaml);
  vt_config_free(&c);

  vt_config_defaults(&c);
  char *b[] = {"run", "--config=" CFG "good_forms.yaml"};
  CHECK(parse(&c, err, sizeof err, ARGC(b), b) == 0 && c.age_min == 40 && c.nmodules == 1,
        "--config=FILE form");
  vt_config_free(&c);
}

static void test_cli_help(void) {
  vt_config c;
  char err[1024] = "";
  vt_config_defaults(&c);
  char *a[] = {"run", "-h"};
  char *b[] = {"run", "--bogus", "-p", "x", "--help"};
  char *d[] = {"run", "--config", CFG "bad_gender.yaml", "--help"};
  CHECK(parse(&c, err, sizeof err, ARGC(a), a) == 1, "-h returns 1");
  CHECK(parse(&c, err, sizeof err, ARGC(b), b) == 1, "--help wins over bad flags");
  CHECK(parse(&c, err, sizeof err, ARGC(d), d) == 1, "--help does not read the config file");
  CHECK(c.population == 1000, "--help leaves the config alone");
  vt_config_free(&c);

  const char *u = vt_config_run_usage();
  static const char *const flags[] = {"-p, --population", "-s, --seed", "-m, --modules",
    "-o, --output", "--threads", "--reference-date", "--config", "--age", "--gender",
    "--params", "-q, --quiet", "-h, --help", "default 1000", "default 1)", "output/cohort.db",
    "default 0-100", "default today"};
  int all = u != NULL;
  for (size_t i = 0; all && i < sizeof flags / sizeof flags[0]; i++)
    if (!strstr(u, flags[i])) { all = 0; printf("# usage lacks '%s'\n", flags[i]); }
  CHECK(all && starts_with(u, "usage: vitae run"), "run usage names every flag and default");
  const char *m = vt_config_main_usage();
  CHECK(m && starts_with(m, "usage: vitae") && contains(m, "  run ") && contains(m, "--help") &&
        contains(m, "--version"), "main usage: run, --help, --version");
}

/* One bad command line and the exact message. */
typedef struct { int argc; char *argv[8]; const char *want; } bad_cli;

static void test_cli_bad(void) {
  static const bad_cli cases[] = {
    {2, {"run", "-x"}, "unknown option '-x' (see 'vitae run --help')"},
    {3, {"run", "--seeds", "5"}, "unknown option '--seeds'; did you mean '--seed'? (see 'vitae run --help')"},
    {2, {"run", "--populaton=5"}, "unknown option '--populaton=5'; did you mean '--population'? (see 'vitae run --help')"},
    {3, {"run", "-p", "x"}, "-p: expected a positive integer, got 'x'"},
    {3, {"run", "-p", "-5"}, "-p: expected a positive integer, got '-5'"},
    {3, {"run", "-p", "0"}, "-p: expected a positive integer, got '0'"},
    {2, {"run", "-p"}, "-p: missing value (expected a positive integer)"},
    {3, {"run", "-p", "-q"}, "-p: missing value (expected a positive integer)"},
    {2, {"run", "--population=abc"}, "--population: expected a positive integer, got 'abc'"},
    {2, {"run", "--population="}, "--population: expected a positive integer, got ''"},
    {3, {"run", "-s", "1.5"}, "-s: expected an integer from 0 to 18446744073709551615, got '1.5'"},
    {3, {"run", "--threads", "257"}, "--threads: expected an integer from 1 to 256, or 0 for one thread per CPU, got '257'"},
    {3, {"run", "--reference-date", "2023-02-30"}, "--reference-date: expected a date YYYY-MM-DD or 'today', got '2023-02-30' (no such day)"},
    {2, {"run", "--reference-date=2023/01/01"}, "--reference-date: expected a date YYYY-MM-DD or 'today', got '2023/01/01'"},
    {3, {"run", "--age", "50"}, "--age: expected an age range MIN-MAX with 0 <= MIN <= MAX <= 120, got '50'"},
    {3, {"run", "--age", "60-50"}, "--age: expected an age range MIN-MAX with 0 <= MIN <= MAX <= 120, got '60-50'"},
    {3, {"run", "--gender", "X"}, "--gender: expected M, F or both, got 'X'"},
    {3, {"run", "-o", ""}, "-o: expected a path, got ''"},
    {2, {"run", "-m"}, "-m: missing value (expected one or more paths)"},
    {2, {"run", "--quiet=yes"}, "--quiet: takes no value, got 'yes'"},
    {2, {"run", "-qv"}, "unknown option '-qv' (see 'vitae run --help')"},
    {2, {"run", "stray"}, "unexpected argument 'stray' (see 'vitae run --help')"},
    {4, {"run", "-p", "5", "6"}, "unexpected argument '6' (see 'vitae run --help')"},
    {2, {"run", "-"}, "unexpected argument '-' (see 'vitae run --help')"},
    {2, {"run", "--config"}, "--config: missing value (expected a file path)"},
    {5, {"run", "--config", "a.yaml", "--config", "b.yaml"}, "--config: given more than once"},
    {3, {"run", "--config", CFG "bad_gender.yaml"}, CFG "bad_gender.yaml:1:9: 'gender' must be M, F or both, got 'X'"},
    {3, {"run", "--config", CFG "nope.yaml"}, CFG "nope.yaml: cannot open: No such file or directory"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vt_config c;
    char err[1024] = "";
    vt_config_defaults(&c);
    c.seed = 42;
    int rc = parse(&c, err, sizeof err, cases[i].argc, (char **)cases[i].argv);
    CHECK(rc == -1 && !strcmp(err, cases[i].want), "bad flags %zu: '%s' (got %d: '%s')",
          i, cases[i].want, rc, err);
    CHECK(c.seed == 42 && c.population == 1000 && c.nmodules == 0 && c.config_file == NULL,
          "bad flags %zu: config unchanged", i);
    vt_config_free(&c);
  }
}

/* ---- paths named by the config file ---- */

/* Module and params paths from the config file are checked once the flags
** are applied; errors cite the file, line and column of the path. */
static void test_config_paths(void) {
  static const struct { const char *file, *want; } cases[] = {
    {CFG "bad_module_missing.yaml",
     CFG "bad_module_missing.yaml:5:5: modules: 'tests/fixtures/modules/no_such_module.lua' does not exist"
         " (a relative path is read from the current folder, not the config file's)"},
    {CFG "bad_module_scalar_missing.yaml",
     CFG "bad_module_scalar_missing.yaml:1:10: modules: 'tests/fixtures/no_such_folder' does not exist"
         " (a relative path is read from the current folder, not the config file's)"},
    {CFG "bad_module_not_module.yaml",
     CFG "bad_module_not_module.yaml:4:5: modules: 'README.md' is not a module (expected a .lua or .json file, or a folder)"},
    {CFG "bad_params_missing.yaml",
     CFG "bad_params_missing.yaml:3:9: params: '/nonexistent/vitae/params.yaml' does not exist"},
    {CFG "bad_params_folder.yaml",
     CFG "bad_params_folder.yaml:1:9: params: 'tests/fixtures/params' is a folder, not a params file"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vt_config c;
    char err[1024] = "";
    vt_config_defaults(&c);
    char *a[] = {"run", "--config", (char *)cases[i].file};
    int rc = parse(&c, err, sizeof err, ARGC(a), a);
    CHECK(rc == -1 && !strcmp(err, cases[i].want), "config path %zu: '%s' (got %d: '%s')", i, cases[i].want, rc, err);
    CHECK(c.nmodules == 0 && c.params_file == NULL && c.config_file == NULL, "config path %zu: config unchanged", i);
    vt_config_free(&c);
  }

  /* load_yaml alone records the positions and does not look at the paths */
  vt_config c;
  char err[1024] = "";
  vt_config_defaults(&c);
  int rc = vt_config_load_yaml(&c, CFG "bad_module_missing.yaml", err, sizeof err);
  CHECK(rc == 0 && c.nmodules == 2 && c.module_pos && c.module_pos[0].line == 4 && c.module_pos[0].col == 5 &&
        c.module_pos[1].line == 5 && c.module_pos[1].col == 5, "load_yaml records each module's line and column (%s)", err);
  rc = vt_config_load_yaml(&c, CFG "bad_params_missing.yaml", err, sizeof err);
  CHECK(rc == 0 && c.params_pos.line == 3 && c.params_pos.col == 9 && c.nmodules == 2,
        "load_yaml records the params line and column; the modules are kept");
  vt_config_free(&c);

  /* a flag replacing the path: the file's path is not checked */
  vt_config_defaults(&c);
  char *b[] = {"run", "--config", CFG "bad_module_missing.yaml", "-m", "tests/fixtures/modules/basic.lua"};
  rc = parse(&c, err, sizeof err, ARGC(b), b);
  CHECK(rc == 0 && c.nmodules == 1 && c.module_pos[0].line == 0, "-m replaces a missing module of the file (%s)", err);
  vt_config_free(&c);
  vt_config_defaults(&c);
  char *d[] = {"run", "--params", PAR "good.yaml", "--config", CFG "bad_params_missing.yaml"};
  rc = parse(&c, err, sizeof err, ARGC(d), d);
  CHECK(rc == 0 && c.params_file && !strcmp(c.params_file, PAR "good.yaml") && c.params_pos.line == 0,
        "--params replaces a missing params file of the file (%s)", err);
  vt_config_free(&c);

  /* paths that exist pass, and a flag's missing path is left to the loaders */
  vt_config_defaults(&c);
  char *e[] = {"run", "--config", CFG "good_forms.yaml", "--params", "no_such_params.yaml"};
  rc = parse(&c, err, sizeof err, ARGC(e), e);
  CHECK(rc == 0 && c.nmodules == 1 && c.module_pos[0].line == 2 && c.module_pos[0].col == 10,
        "good_forms.yaml: its module exists; a flag's path is not checked here (%s)", err);
  vt_config_free(&c);

  /* an unreadable module file (permissions do not apply to root) */
  if (geteuid() == 0) {
    printf("skip - config path: an unreadable module: running as root, permissions do not apply\n");
    return;
  }
  if (write_file(TMP "unreadable.lua", "-- unreadable\n") == 0 && chmod(TMP "unreadable.lua", 0) == 0 &&
      write_file(TMP "unreadable.yaml", "modules: " TMP "unreadable.lua\n") == 0) {
    vt_config_defaults(&c);
    char *f[] = {"run", "--config", TMP "unreadable.yaml"};
    rc = parse(&c, err, sizeof err, ARGC(f), f);
    CHECK(rc == -1 && starts_with(err, TMP "unreadable.yaml:1:10: modules: '" TMP "unreadable.lua' is not readable: "),
          "config path: an unreadable module file is named with its line (got '%s')", err);
    vt_config_free(&c);
  } else {
    CHECK(0, "config path: cannot write the unreadable module fixture");
  }
  remove(TMP "unreadable.lua");
  remove(TMP "unreadable.yaml");
}

/* ---- params ---- */

static uint64_t fnv1a(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 0x100000001b3ULL; }
  return h;
}

static void test_params_good(void) {
  char err[1024] = "";
  vt_params *p = vt_params_load(PAR "good.yaml", err, sizeof err);
  CHECK(p != NULL, "params good.yaml loads (%s)", err);
  if (!p) return;
  CHECK(p->n == 9, "9 parameters (privacy_ledger ignored)");
  CHECK_STR(p->path, PAR "good.yaml", "path kept");
  const vt_param *a = vt_params_get(p, "appendicitis.risk.male");
  CHECK(a && a->kind == VT_PARAM_NUMBER && a->number == 0.09 && a->line == 3, "number 0.09 at line 3");
  a = vt_params_get(p, "copd.smoker_multiplier");
  CHECK(a && a->kind == VT_PARAM_NUMBER && a->number == 2.5, "number 2.5");
  a = vt_params_get(p, "some.flag");
  CHECK(a && a->kind == VT_PARAM_BOOL && a->boolean == 1, "true is a boolean");
  a = vt_params_get(p, "some.off");
  CHECK(a && a->kind == VT_PARAM_BOOL && a->boolean == 0, "false is a boolean");
  a = vt_params_get(p, "some.label");
  CHECK(a && a->kind == VT_PARAM_STRING && a->string && !strcmp(a->string, "text"), "quoted text is a string");
  a = vt_params_get(p, "some.quoted_number");
  CHECK(a && a->kind == VT_PARAM_STRING && !strcmp(a->string, "3"), "a quoted number is a string");
  a = vt_params_get(p, "some.negative");
  CHECK(a && a->kind == VT_PARAM_NUMBER && a->number == -1.5e-3, "-1.5e-3 is a number");
  CHECK(vt_params_get(p, "no.such") == NULL, "an absent name gives NULL");
  CHECK(vt_params_get(NULL, "x") == NULL, "lookup in no params gives NULL");

  /* Unused: some.plain_label (line 7) and some.integer (line 10), in file order. */
  FILE *f = tmpfile();
  int n = vt_params_warn_unused(p, f);
  CHECK(n == 2, "two unused parameters");
  if (f) {
    char buf[1024] = "";
    rewind(f);
    size_t k = fread(buf, 1, sizeof buf - 1, f);
    buf[k] = '\0';
    fclose(f);
    CHECK(!strcmp(buf,
      "vitae: warning: " PAR "good.yaml:7: parameter 'some.plain_label' is not used by any loaded module\n"
      "vitae: warning: " PAR "good.yaml:10: parameter 'some.integer' is not used by any loaded module\n"),
      "unused warnings, in file order");
  }
  a = vt_params_get(p, "some.plain_label");
  CHECK(a && a->kind == VT_PARAM_STRING && !strcmp(a->string, "hello world"), "plain text is a string");
  a = vt_params_get(p, "some.integer");
  CHECK(a && a->kind == VT_PARAM_NUMBER && a->number == 42, "42 is a number");
  CHECK(vt_params_warn_unused(p, NULL) == 0, "no unused once all were looked up");

  /* The hash is FNV-1a 64 of the file bytes, and stable. */
  size_t len = 0;
  char *bytes = slurp(PAR "good.yaml", &len), want[17];
  snprintf(want, sizeof want, "%016llx", bytes ? (unsigned long long)fnv1a(bytes, len) : 0ULL);
  CHECK(bytes && strlen(p->hash) == 16 && !strcmp(p->hash, want), "hash is FNV-1a 64 of the bytes (%s)", p->hash);
  vt_params *q = vt_params_load(PAR "good.yaml", err, sizeof err);
  CHECK(q && !strcmp(q->hash, p->hash), "hash stable across loads");
  vt_params_free(q);
  if (bytes && write_file(TMP "params_changed.yaml", "params:\n  a.b: 1\n") == 0) {
    q = vt_params_load(TMP "params_changed.yaml", err, sizeof err);
    CHECK(q && strcmp(q->hash, p->hash) != 0 && q->n == 1, "another file, another hash");
    vt_params_free(q);
  }
  free(bytes);
  vt_params_free(p);

  p = vt_params_load(PAR "empty_params.yaml", err, sizeof err);
  CHECK(p && p->n == 0 && vt_params_get(p, "a") == NULL && vt_params_warn_unused(p, NULL) == 0,
        "params: {} is an empty set");
  vt_params_free(p);
  vt_params_free(NULL);
}

static void test_params_bad(void) {
  static const struct { const char *file, *want; } cases[] = {
    {PAR "bad_duplicate.yaml", PAR "bad_duplicate.yaml:4:3: duplicate parameter 'a.x' (first given at line 2)"},
    {PAR "bad_nonscalar.yaml", PAR "bad_nonscalar.yaml:3:8: parameter 'b.y' must have a number, true/false or text value, got a list"},
    {PAR "bad_null.yaml", PAR "bad_null.yaml:2:7: parameter 'a.x' has no value"},
    {PAR "bad_missing.yaml", PAR "bad_missing.yaml:1:1: missing 'params' mapping of name: value"},
    {PAR "bad_params_list.yaml", PAR "bad_params_list.yaml:2:3: 'params' must be a mapping of name: value, got a list"},
    {PAR "bad_syntax.yaml", PAR "bad_syntax.yaml:3:2: did not find expected key"},
    {PAR "bad_toplevel.yaml", PAR "bad_toplevel.yaml:1:1: the top level must be a mapping with a 'params' key, got a scalar"},
    {PAR "bad_name.yaml", PAR "bad_name.yaml:2:3: bad parameter name 'a x'"},
    {PAR "nope.yaml", PAR "nope.yaml: cannot open: No such file or directory"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char err[1024] = "";
    vt_params *p = vt_params_load(cases[i].file, err, sizeof err);
    CHECK(p == NULL && starts_with(err, cases[i].want), "params error '%s' (got: %s)", cases[i].want, err);
    vt_params_free(p);
  }
  static const struct { const char *text, *want; } inline_cases[] = {
    {"", ":1:1: empty file: expected a 'params' mapping"},
    {"params: 1\n", ":1:9: 'params' must be a mapping of name: value, got a scalar"},
    {"params:\n", ":1:8: 'params' must be a mapping of name: value, got no value"},
    {"params: {a: 1}\nparams: {b: 2}\n", ":2:1: duplicate key 'params' (first given at line 1)"},
    {"params: {a: 1e999}\n", ":1:13: parameter 'a': number '1e999' is out of range"},
    {"params: {a: {b: 1}}\n", ":1:13: parameter 'a' must have a number, true/false or text value, got a mapping"},
    {"params: {a: 1, a: 2}\n", ":1:16: duplicate parameter 'a' (first given at line 1)"},
  };
  for (size_t i = 0; i < sizeof inline_cases / sizeof inline_cases[0]; i++) {
    char path[64], err[1024] = "";
    snprintf(path, sizeof path, TMP "params_inline_%zu.yaml", i);
    if (write_file(path, inline_cases[i].text)) { CHECK(0, "write %s", path); continue; }
    vt_params *p = vt_params_load(path, err, sizeof err);
    CHECK(p == NULL && starts_with(err, path) && contains(err, inline_cases[i].want),
          "inline params %zu: '%s' (got: %s)", i, inline_cases[i].want, err);
    vt_params_free(p);
  }
  /* Plain scalars that are not YAML numbers stay strings. */
  if (write_file(TMP "params_kinds.yaml",
                 "params:\n  a: .5\n  b: 1.\n  c: .inf\n  d: 0x10\n  e: yes\n  f: '1'\n  g: +3\n  h: 1e5x\n") == 0) {
    char err[1024] = "";
    vt_params *p = vt_params_load(TMP "params_kinds.yaml", err, sizeof err);
    const vt_param *a = vt_params_get(p, "a"), *b = vt_params_get(p, "b"), *c = vt_params_get(p, "c"),
                   *d = vt_params_get(p, "d"), *e = vt_params_get(p, "e"), *f = vt_params_get(p, "f"),
                   *g = vt_params_get(p, "g"), *h = vt_params_get(p, "h");
    CHECK(p && a && a->kind == VT_PARAM_NUMBER && a->number == 0.5 && b && b->kind == VT_PARAM_NUMBER &&
          b->number == 1.0 && g && g->kind == VT_PARAM_NUMBER && g->number == 3,
          "'.5', '1.' and '+3' are numbers (%s)", err);
    CHECK(c && c->kind == VT_PARAM_STRING && d && d->kind == VT_PARAM_STRING && e && e->kind == VT_PARAM_STRING &&
          f && f->kind == VT_PARAM_STRING && h && h->kind == VT_PARAM_STRING,
          "'.inf', '0x10', 'yes', quoted '1' and '1e5x' are strings");
    vt_params_free(p);
  }
}

/* Several threads look the same names up at once. */
typedef struct { vt_params *p; int found; } lookup_job;

static void *lookup_worker(void *arg) {
  lookup_job *j = arg;
  static const char *const names[] = {"appendicitis.risk.male", "copd.smoker_multiplier", "some.flag", "absent"};
  for (int i = 0; i < 20000; i++)
    if (vt_params_get(j->p, names[i % 4])) j->found++;
  return NULL;
}

static void test_params_threads(void) {
  char err[1024] = "";
  vt_params *p = vt_params_load(PAR "good.yaml", err, sizeof err);
  pthread_t th[4];
  lookup_job jobs[4];
  int started = 0, ok = 1;
  if (!p) { CHECK(0, "load for threads: %s", err); return; }
  for (int i = 0; i < 4; i++) {
    jobs[i].p = p;
    jobs[i].found = 0;
    if (pthread_create(&th[i], NULL, lookup_worker, &jobs[i]) == 0) started++;
    else break;
  }
  for (int i = 0; i < started; i++) {
    pthread_join(th[i], NULL);
    if (jobs[i].found != 15000) ok = 0;
  }
  CHECK(started == 4 && ok, "concurrent lookups from 4 threads");
  CHECK(vt_params_warn_unused(p, NULL) == 6, "used marks from the threads");
  vt_params_free(p);
}

int main(void) {
  mkdir("tests/tmp", 0777);
  test_defaults();
  test_yaml_good();
  test_yaml_forms();
  test_yaml_bad();
  test_yaml_misc();
  test_yaml_roundtrip();
  test_cli_flags();
  test_cli_config();
  test_cli_help();
  test_cli_bad();
  test_config_paths();
  test_params_good();
  test_params_bad();
  test_params_threads();
  return test_done();
}
