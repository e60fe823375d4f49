/*
** test_time_limits.c -- what a life can hold (sim/vtime.h), end to end
** through the loader and the engine:
** - a constant Delay, duration or PriorState `within` longer than any life
**   (2^32 months, 1e300 days, a range up to 1e300), not finite or
**   negative, and a Date condition outside years 1-9999 (2^63), are refused
**   at load time with a message naming the file, line and state (fixtures
**   in tests/fixtures/time_limits/bad/, Lua and GMF JSON, and small modules
**   written to tests/tmp/time_limits/);
** - a span computed at run time (a Lua function returning 1e300, 2^32
**   months, inf or NaN; distributions with a computed 1e300 parameter) is
**   "never": the module waits past the patient's death, with no error and
**   no row dated before birth or after death (tests/fixtures/time_limits/
**   never/).  Run from the repository root.
*/
#include "sim/engine.h"
#include "sim/vtime.h"
#include "test.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FIX "tests/fixtures/time_limits/"
#define TMP "tests/tmp/time_limits/"

static vt_time REF;   /* the reference date of every run: 2020-01-01 */

static int mkdirs(const char *path) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *s = buf + 1; *s; s++)
    if (*s == '/') {
      *s = 0;
      if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
      *s = '/';
    }
  return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* An engine for the modules at `path`, patients aged `age` at REF; NULL
** with the loader's message in err. */
static vt_engine *engine(const char *path, int age, char *err, size_t errlen) {
  char p[512];
  char *paths[1] = { p };
  snprintf(p, sizeof p, "%s", path);
  vt_sim_opts o = { 20240611u, REF, age, age, 0, 0, { 0, 0 }, 0 };
  err[0] = 0;
  return vt_engine_new(&o, paths, 1, NULL, NULL, err, errlen);
}

/* Loading `path` fails with a message holding every piece of the
** NULL-terminated list. */
static void expect_error(const char *what, const char *path, const char *const *pieces) {
  char err[2048];
  vt_engine *e = engine(path, 30, err, sizeof err);
  CHECK(!e, "%s: refused at load time", what);
  if (e) { vt_engine_free(e); return; }
  const char *missing = NULL;
  for (const char *const *p = pieces; !missing && *p; p++)
    if (!strstr(err, *p)) missing = *p;
  CHECK(!missing, "%s: the message says it (missing '%s'; got: %s)", what, missing ? missing : "", err);
}

#define PIECES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Write a one-state module (state `Wait`, line 3) whose body is `wait`,
** then expect an error (pieces non-NULL) or a clean load. */
static void inline_module(const char *what, const char *name, const char *wait, const char *const *pieces) {
  char path[256];
  snprintf(path, sizeof path, TMP "%s.lua", name);
  FILE *f = fopen(path, "wb");
  if (!f) { CHECK(0, "%s: cannot write %s", what, path); return; }
  fprintf(f, "return { name = '%s', states = {\n"
             "  Initial = { type = 'Initial', direct_transition = 'Wait', line = 2 },\n"
             "  Wait = { line = 3, %s },\n"
             "  Done = { type = 'Terminal', line = 4 },\n} }\n", name, wait);
  fclose(f);
  if (pieces) { expect_error(what, path, pieces); return; }
  char err[2048];
  vt_engine *e = engine(path, 30, err, sizeof err);
  CHECK(e != NULL, "%s: loads (%s)", what, err);
  vt_engine_free(e);
}

static void test_load_errors(void) {
  expect_error("a Delay of 2^32 months (Lua)", FIX "bad/delay_months.lua",
               PIECES("delay_months.lua:6: state 'Wait': delay of 4294967296 months is longer than any life (at most 1000 years)"));
  expect_error("a Delay of 1e300 days (GMF JSON)", FIX "bad/delay_days.json",
               PIECES("delay_days.json:5: state 'Wait': delay of 1e+300 days is longer than any life (at most 1000 years)"));
  expect_error("a Delay drawn in range {low = 1, high = 1e300}", FIX "bad/range_high.lua",
               PIECES("range_high.lua:6: state 'Wait': delay of 1e+300 days is longer than any life"));
  expect_error("a Date condition in year 2^63 (Lua)", FIX "bad/date_year.lua",
               PIECES("date_year.lua:6: state 'Wait': Date condition: year must be a whole number from 1 to 9999, got 9.22337e+18"));
  expect_error("a Date condition on year 2^63 (GMF JSON)", FIX "bad/date_year.json",
               PIECES("date_year.json:5: state 'Wait'", "year must be a whole number from 1 to 9999"));
  expect_error("an exponential Delay with a mean of 1e300 years (GMF JSON)", FIX "bad/exponential.json",
               PIECES("exponential.json:5: state 'Wait'", "delay mean of 1e+300 years is longer than any life"));

  if (mkdirs(TMP) != 0) { CHECK(0, "cannot create " TMP); return; }
  inline_module("a Delay of 1,000 GMF years (365,000 days) loads", "thousand_years",
                "type = 'Delay', exact = { quantity = 1000, unit = 'years' }, direct_transition = 'Done'", NULL);
  inline_module("a Delay of 1,001 GMF years", "thousand_one_years",
                "type = 'Delay', exact = { quantity = 1001, unit = 'years' }, direct_transition = 'Done'",
                PIECES(":3: state 'Wait': delay of 1001 years is longer than any life (at most 1000 years)"));
  inline_module("a Delay of INT64_MAX milliseconds", "int64_max",
                "type = 'Delay', exact = { quantity = math.maxinteger, unit = 'milliseconds' }, direct_transition = 'Done'",
                PIECES(":3: state 'Wait': delay of 9.22337e+18 milliseconds is longer than any life"));
  inline_module("a Delay of infinite days", "infinite",
                "type = 'Delay', exact = { quantity = math.huge, unit = 'days' }, direct_transition = 'Done'",
                PIECES(":3: state 'Wait': delay of inf days is not a finite number"));
  inline_module("a Delay of NaN days", "nan",
                "type = 'Delay', exact = { quantity = 0/0, unit = 'days' }, direct_transition = 'Done'",
                PIECES(":3: state 'Wait': delay of ", "nan days is not a finite number"));
  inline_module("a Delay of -1e300 days", "negative",
                "type = 'Delay', exact = { quantity = -1e300, unit = 'days' }, direct_transition = 'Done'",
                PIECES(":3: state 'Wait': delay of -1e+300 days is negative"));
  inline_module("a gaussian Delay with a standard deviation of 1e300 days", "gaussian_sd",
                "type = 'Delay', distribution = { kind = 'GAUSSIAN', parameters = { mean = 10, standardDeviation = 1e300 } },"
                " unit = 'days', direct_transition = 'Done'",
                PIECES(":3: state 'Wait': delay standard deviation of 1e+300 days is longer than any life"));
  inline_module("a Procedure lasting up to 2^32 months", "procedure",
                "type = 'Procedure', codes = { { system = 'SNOMED-CT', code = '1', display = 'x' } },"
                " duration = { low = 1, high = 2^32, unit = 'months' }, direct_transition = 'Done'",
                PIECES(":3: state 'Wait': duration of 4294967296 months is longer than any life"));
  inline_module("a Death 1e300 days later", "death",
                "type = 'Death', exact = { quantity = 1e300, unit = 'days' }, direct_transition = 'Done'",
                PIECES(":3: state 'Wait': delay of 1e+300 days is longer than any life"));
  inline_module("a PriorState within 1e300 years", "within",
                "type = 'Guard', allow = { condition_type = 'PriorState', name = 'Initial',"
                " within = { quantity = 1e300, unit = 'years' } }, direct_transition = 'Done'",
                PIECES(":3: state 'Wait': PriorState 'within' of 1e+300 years is longer than any life"));
  inline_module("a Date condition in month 13", "month",
                "type = 'Guard', allow = { condition_type = 'Date', operator = '>', date = { year = 2000, month = 13 } },"
                " direct_transition = 'Done'",
                PIECES(":3: state 'Wait': Date condition: month must be a whole number from 1 to 12, got 13"));
  inline_module("a Date condition on 30 February", "february",
                "type = 'Guard', allow = { condition_type = 'Date', operator = '>', date = { year = 2021, month = 2, day = 29 } },"
                " direct_transition = 'Done'",
                PIECES(":3: state 'Wait': Date condition: day must be a whole number from 1 to 28, got 29"));
  inline_module("a Date condition in year 0", "year_zero",
                "type = 'Guard', allow = { condition_type = 'Date', operator = '>', year = 0 }, direct_transition = 'Done'",
                PIECES(":3: state 'Wait': Date condition: year must be a whole number from 1 to 9999, got 0"));
  inline_module("a Date condition at 24:00", "hour",
                "type = 'Guard', allow = { condition_type = 'Date', operator = '>', date = { year = 2000, hour = 24 } },"
                " direct_transition = 'Done'",
                PIECES(":3: state 'Wait': Date condition: hour must be a whole number from 0 to 23, got 24"));
  inline_module("a Date condition on 9999-12-31 23:59:59.999 loads", "last_ms",
                "type = 'Guard', allow = { condition_type = 'Date', operator = '>', date = { year = 9999, month = 12, day = 31,"
                " hour = 23, minute = 59, second = 59, millisecond = 999 } }, direct_transition = 'Done'", NULL);
}

/* Rows of module `module` with code `code`. */
static int count_rows(const vt_engine *e, const char *module, const char *code) {
  int n = 0;
  for (size_t i = 0; i < e->p.rec.nrows; i++) {
    const vt_row *r = &e->p.rec.rows[i];
    if (r->module && strcmp(r->module, module) == 0 && r->code && strcmp(r->code->code, code) == 0) n++;
  }
  return n;
}

/* The start of the first row with `code`, or VT_NO_TIME. */
static vt_time start_of(const vt_engine *e, const char *code) {
  for (size_t i = 0; i < e->p.rec.nrows; i++) {
    const vt_row *r = &e->p.rec.rows[i];
    if (r->code && strcmp(r->code->code, code) == 0) return r->start;
  }
  return VT_NO_TIME;
}

/* Patients aged `age` at REF: born after 1970 (times > 0) or before it
** (times < 0), where an unchecked overflow wraps the other way. */
static void test_never(int age) {
  static const struct { const char *module, *before, *after; } never[] = {
    {"lua_delay", "7100", "7101"}, {"lua_months", "7110", "7111"}, {"lua_inf", "7120", "7121"},
    {"lua_nan", "7130", "7131"}, {"exponential", "7140", "7141"}, {"gaussian", "7150", "7151"},
    {"range_fn", "7160", "7161"}, {"procedure", "7170", "7171"},
  };
  enum { NNEVER = sizeof never / sizeof never[0], PATIENTS = 40 };
  char err[2048];
  vt_engine *e = engine(FIX "never", age, err, sizeof err);
  CHECK(e != NULL, "run-time spans, aged %d: the modules load (%s)", age, err);
  if (!e) return;
  int errors = 0, reached[NNEVER] = {0}, started[NNEVER] = {0}, open_procs = 0, closed_procs = 0;
  int bad_rows = 0, dead = 0, death_marks = 0, negative_at_birth = 0;
  char first_bad[160] = "";
  for (int64_t i = 0; i < PATIENTS; i++) {
    if (vt_engine_simulate(e, i) != 0) {
      if (!errors++) printf("# simulate %lld: %s\n", (long long)i, e->err);
      continue;
    }
    const vt_patient *p = &e->p;
    vt_time birth = p->rec.person.birth, death = p->rec.person.death;
    vt_time last = death != VT_NO_TIME ? death : REF;
    const vt_code *cause = p->rec.person.death_cause;
    dead += death != VT_NO_TIME && !(cause && strcmp(cause->code, "419620001") == 0);   /* not a natural death */
    for (int k = 0; k < NNEVER; k++) {
      started[k] += count_rows(e, never[k].module, never[k].before) == 1;
      reached[k] += count_rows(e, never[k].module, never[k].after);
    }
    death_marks += count_rows(e, "death", "7181") == 1;
    negative_at_birth += start_of(e, "7191") == birth;
    for (size_t k = 0; k < p->rec.nrows; k++) {
      const vt_row *r = &p->rec.rows[k];
      if (r->code && strcmp(r->code->code, "7172") == 0) {
        open_procs += r->stop == VT_NO_TIME;
        closed_procs += r->stop != VT_NO_TIME;
      }
      /* a wellness visit may end 30 minutes after the reference date */
      int bad = r->start < birth || r->start > last ||
                (r->stop != VT_NO_TIME && (r->stop < r->start || r->stop > last + VT_MS_HOUR));
      if (bad && !bad_rows++) {
        char a[21], b[21], c[21];
        vt_time_format_iso(r->start, a);
        vt_time_format_iso(birth, b);
        vt_time_format_iso(last, c);
        snprintf(first_bad, sizeof first_bad, "%s/%s at %s, life %s to %s", r->module, r->state, a, b, c);
      }
    }
  }
  CHECK(errors == 0, "aged %d: no run-time error (no loop blamed on a module) in %d patients", age, PATIENTS);
  for (int k = 0; k < NNEVER; k++) {
    CHECK(started[k] == PATIENTS, "aged %d, %s: the module starts for every patient (%d)", age, never[k].module, started[k]);
    CHECK(reached[k] == 0, "aged %d, %s: the span is never over: the state after it is never reached (%d rows)",
          age, never[k].module, reached[k]);
  }
  CHECK(open_procs == PATIENTS && closed_procs == 0, "aged %d, procedure: a never-ending duration leaves the procedure open (%d open, %d closed)",
        age, open_procs, closed_procs);
  CHECK(death_marks == PATIENTS, "aged %d, death: a Death 1e300 days later lets the module go on (%d)", age, death_marks);
  CHECK(dead == 0, "aged %d, death: ... and never comes: only natural deaths (%d other deaths)", age, dead);
  CHECK(negative_at_birth == PATIENTS, "aged %d, negative: a Delay of -1e300 days is over at once, at birth (%d)", age, negative_at_birth);
  CHECK(bad_rows == 0, "aged %d: no row dated before birth or after death or the end (%d; first: %s)", age, bad_rows, first_bad);
  vt_engine_free(e);
}

int main(void) {
  REF = vt_time_from_date(2020, 1, 1);
  test_load_errors();
  test_never(30);
  test_never(75);
  return test_done();
}
