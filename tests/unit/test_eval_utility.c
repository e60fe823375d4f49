/*
** test_eval_utility.c -- the utility area of `vitae eval`
** (learn/eval_utility.c) on cohorts built by hand: death that depends on a
** code gives a TRTR AUROC well above 0.5; a synthetic cohort drawn from the
** same rule gives TSTR close to TRTR, one where the code has no effect a
** clearly lower TSTR; censored rows are left out (rows counted); the onset
** task's target is picked from the chronic list, else the condition with
** most onsets, else --target, and an unknown --target is an error; the
** not-measured paths; one seed, one report; the JSON parses (lua/json.c)
** and the HTML closes its section.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "learn/eval.h"
#include "lua/json.h"
#include "lualib.h"
#include "sim/rng.h"
#include "sim/vtime.h"
#include "test.h"

#define X_CODE "1001"            /* the code death depends on */
#define NOISE_CODE "2002"        /* a code with no effect */
#define CHRONIC "44054006"       /* diabetes type 2: on the area's chronic list */
#define OTHER_COND "9999"        /* a condition not on the list */

static vt_day day(int y, int m, int d) { return (vt_day)vt_days_from_civil(y, m, d); }

typedef struct rule {
  double p_x;                    /* share of persons with X_CODE (from age 30) */
  double die_x, die_nox;         /* chance of dying (at an age uniform in 41-85) with / without it */
  double p_chronic;              /* share with CHRONIC (onset at an age uniform in 35-85) */
  double p_other;                /* share with OTHER_COND (same) */
} rule;

static void add_use(vt_ecohort *c, vt_ecodes *codes, const char *code, vt_domain dom, vt_day first) {
  long k = vt_ecodes_intern(codes, "SNOMED", code, dom, NULL);
  vt_euse u = { (uint32_t)k, first, first, 1 };
  vt_ecohort_add_use(c, &u);
}

/* n persons born 1920-1935 under rule, observed from birth to death or 2023-12-31. */
static vt_ecohort *make(vt_ecodes *codes, const char *spec, size_t n, uint64_t seed, const rule *ru) {
  vt_ecohort *c = vt_ecohort_new(spec);
  vt_rng r;
  vt_rng_seed(&r, seed);
  vt_day end = day(2023, 12, 31);
  for (size_t i = 0; i < n; i++) {
    vt_eperson p;
    memset(&p, 0, sizeof p);
    p.sex = vt_rng_uniform(&r) < 0.5 ? 'F' : 'M';
    p.birth = day(1920, 1, 1) + (vt_day)vt_rng_int(&r, 0, 16 * 365);
    int x = vt_rng_uniform(&r) < ru->p_x;
    double pd = x ? ru->die_x : ru->die_nox;
    p.death = VT_NO_DAY;
    if (vt_rng_uniform(&r) < pd) p.death = p.birth + (vt_day)(vt_rng_range(&r, 41, 85) * 365.25);
    p.obs_start = p.birth;
    p.obs_end = p.death != VT_NO_DAY && p.death < end ? p.death : end;
    vt_ecohort_add_person(c, &p);
    if (x) add_use(c, codes, X_CODE, VT_DOMAIN_CONDITION, p.birth + 30 * 365);
    if (vt_rng_uniform(&r) < 0.5) add_use(c, codes, NOISE_CODE, VT_DOMAIN_OBSERVATION, p.birth + 20 * 365);
    if (vt_rng_uniform(&r) < ru->p_chronic)
      add_use(c, codes, CHRONIC, VT_DOMAIN_CONDITION, p.birth + (vt_day)(vt_rng_range(&r, 35, 85) * 365.25));
    if (vt_rng_uniform(&r) < ru->p_other)
      add_use(c, codes, OTHER_COND, VT_DOMAIN_CONDITION, p.birth + (vt_day)(vt_rng_range(&r, 35, 85) * 365.25));
    vt_ecohort_end_person(c);
  }
  return c;
}

/* The area's JSON object as a string (caller frees). */
static char *json_of(const vt_eval_utility *u) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  vt_jsonw w;
  vt_jw_init(&w, f);
  vt_jw_obj(&w, 0);
  vt_eval_utility_json(u, &w);
  vt_jw_end(&w);
  fclose(f);
  return buf;
}

static char *html_of(const vt_eval_utility *u, int *rc) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  *rc = vt_eval_utility_html(u, f);
  fclose(f);
  return buf;
}

/* Parse json into the global J of L; 0 or -1. */
static int parse(lua_State *L, const char *json) {
  char err[256];
  if (vt_json_push(L, json, strlen(json), "utility.json", err, sizeof err)) {
    printf("# %s\n", err);
    return -1;
  }
  lua_setglobal(L, "J");
  return 0;
}

/* The number the Lua expression expr (over J) gives, or NAN. */
static double num(lua_State *L, const char *expr) {
  char code[256];
  snprintf(code, sizeof code, "return %s", expr);
  if (luaL_dostring(L, code) != LUA_OK) { lua_pop(L, 1); return NAN; }
  double v = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : NAN;
  lua_pop(L, 1);
  return v;
}

/* The string expr gives ("" when not a string; static buffer). */
static const char *str(lua_State *L, const char *expr) {
  static char out[256];
  char code[256];
  snprintf(code, sizeof code, "return %s", expr);
  out[0] = 0;
  if (luaL_dostring(L, code) != LUA_OK) { lua_pop(L, 1); return out; }
  if (lua_type(L, -1) == LUA_TSTRING) snprintf(out, sizeof out, "%s", lua_tostring(L, -1));
  lua_pop(L, 1);
  return out;
}

static int bool_of(lua_State *L, const char *expr) {
  char code[256];
  snprintf(code, sizeof code, "return %s", expr);
  if (luaL_dostring(L, code) != LUA_OK) { lua_pop(L, 1); return -1; }
  int v = lua_type(L, -1) == LUA_TBOOLEAN ? lua_toboolean(L, -1) : -1;
  lua_pop(L, 1);
  return v;
}

static vt_eval_utility *run(vt_eval_ctx *cx, char *err, size_t errlen) {
  vt_eval_utility *u = NULL;
  if (vt_eval_utility_run(cx, &u, err, errlen)) return NULL;
  return u;
}

static const rule effect = { 0.4, 0.9, 0.15, 0.5, 0.3 };
static const rule no_effect = { 0.4, 0.43, 0.43, 0.5, 0.3 };

static void test_tstr_trtr(lua_State *L) {
  vt_ecodes *codes = vt_ecodes_new();
  vt_ecohort *syn = make(codes, "synth", 2500, 11, &effect);
  vt_ecohort *real = make(codes, "real", 2000, 22, &effect);
  vt_ecohort *hold = make(codes, "holdout", 2000, 33, &effect);
  vt_ecohort *flat = make(codes, "flat", 2500, 44, &no_effect);
  char err[256] = "";
  vt_eval_ctx cx = { codes, syn, real, hold, NULL, NULL, 5, 1, 1 };
  vt_eval_utility *u = run(&cx, err, sizeof err);
  CHECK(u != NULL, "utility runs on hand-built cohorts (%s)", err);
  if (!u) return;
  char *js = json_of(u);
  CHECK(parse(L, js) == 0, "utility JSON parses");
  CHECK(bool_of(L, "J.measured") == 1, "utility measured with real data");
  CHECK_STR(str(L, "J.test_set"), "holdout", "utility test set is the holdout when given");
  CHECK_STR(str(L, "J.tasks[1].name"), "death_5y", "utility first task is death within 5 years");
  double trtr = num(L, "J.tasks[1].trtr.auroc"), tstr = num(L, "J.tasks[1].tstr.auroc");
  CHECK(trtr > 0.65, "utility TRTR AUROC well above 0.5 when death depends on a code (%.3f)", trtr);
  double ratio = num(L, "J.tasks[1].ratio");
  CHECK(ratio > 0.9 && ratio < 1.1, "utility TSTR close to TRTR for a cohort of the same rule (ratio %.3f, %.3f/%.3f)",
        ratio, tstr, trtr);
  CHECK_NEAR(num(L, "J.tasks[1].difference"), tstr - trtr, 1e-5, "utility difference is TSTR - TRTR");
  double lo = num(L, "J.tasks[1].trtr.ci_low"), hi = num(L, "J.tasks[1].trtr.ci_high");
  CHECK(lo < trtr && trtr < hi && hi - lo < 0.2, "utility TRTR interval brackets the AUROC (%.3f %.3f %.3f)", lo, trtr, hi);
  CHECK_STR(str(L, "J.tasks[1].features[1]"), "sex_female", "utility features start with sex");
  CHECK(num(L, "#J.tasks[1].features") == 6, "utility features: sex, age, the 4 codes present before an index (%g)",
        num(L, "#J.tasks[1].features"));
  CHECK(num(L, "#J.tasks[1].index_ages") == 9 && num(L, "J.tasks[1].index_ages[9]") == 80,
        "utility index ages 40..80 by 5");
  /* the verdict */
  vt_eval_verdict v;
  vt_eval_utility_verdict(u, &v);
  CHECK(v.level == VT_EVAL_GOOD || v.level == VT_EVAL_CAUTION, "utility verdict good or caution for the same rule (%s %.3f)",
        vt_eval_level_name(v.level), v.value);
  CHECK_STR(v.metric, "TSTR/TRTR AUROC", "utility verdict metric named");
  /* HTML */
  int rc;
  char *html = html_of(u, &rc);
  CHECK(rc == 0 && strncmp(html, "<section id=\"utility\">", 22) == 0 &&
            strstr(html, "</section>\n") && strstr(html, "</section>\n")[11] == 0,
        "utility HTML opens and closes its section");
  CHECK(strstr(html, "<svg") && strstr(html, "</svg>") && strstr(html, "<table class=\"figures\">"),
        "utility HTML has the table and the bar chart");
  free(html);
  free(js);

  /* the same seed, the same figures; threads do not matter */
  cx.threads = 2;
  vt_eval_utility *u2 = run(&cx, err, sizeof err);
  char *a = json_of(u), *b = u2 ? json_of(u2) : NULL;
  CHECK(b && strcmp(a, b) == 0, "utility: the same seed gives the same JSON");
  free(a); free(b);
  vt_eval_utility_free(u2);
  cx.seed = 6;
  u2 = run(&cx, err, sizeof err);
  a = json_of(u);
  b = u2 ? json_of(u2) : NULL;
  CHECK(b && strcmp(a, b) != 0, "utility: another seed moves the bootstrap intervals");
  free(a); free(b);
  vt_eval_utility_free(u2);
  vt_eval_utility_free(u);

  /* a synthetic cohort where the code has no effect */
  cx.synth = flat;
  cx.seed = 5;
  u = run(&cx, err, sizeof err);
  js = u ? json_of(u) : NULL;
  CHECK(js && parse(L, js) == 0, "utility runs with a flat synthetic cohort");
  double t2 = num(L, "J.tasks[1].tstr.auroc"), r2 = num(L, "J.tasks[1].trtr.auroc");
  CHECK(t2 < r2 - 0.05 && num(L, "J.tasks[1].ratio") < 0.92,
        "utility TSTR clearly lower when the code has no effect in the synthetic data (%.3f vs %.3f)", t2, r2);
  vt_eval_utility_verdict(u, &v);
  CHECK(v.level != VT_EVAL_GOOD && v.level != VT_EVAL_NOT_MEASURED, "utility verdict not good for the flat cohort (%s)",
        vt_eval_level_name(v.level));
  free(js);
  vt_eval_utility_free(u);

  /* without a holdout: the real persons split 70/30 */
  cx.synth = syn;
  cx.holdout = NULL;
  u = run(&cx, err, sizeof err);
  js = u ? json_of(u) : NULL;
  CHECK(js && parse(L, js) == 0, "utility runs without a holdout");
  CHECK_STR(str(L, "J.test_set"), "split of real 30%", "utility test set is the real split without a holdout");
  double ntr = num(L, "J.tasks[1].n_train_real"), nte = num(L, "J.tasks[1].n_test");
  CHECK(nte / (ntr + nte) > 0.25 && nte / (ntr + nte) < 0.35, "utility split leaves about 30%% of rows to test (%.0f/%.0f)",
        nte, ntr + nte);
  CHECK(num(L, "J.tasks[1].ratio") > 0.85, "utility TSTR close to TRTR on the split too (%.3f)", num(L, "J.tasks[1].ratio"));
  free(js);
  vt_eval_utility_free(u);

  vt_ecohort_free(syn); vt_ecohort_free(real); vt_ecohort_free(hold); vt_ecohort_free(flat);
  vt_ecodes_free(codes);
}

/* Rows: one per index age in the observation, before death; censored left out. */
static void test_rows(lua_State *L) {
  vt_ecodes *codes = vt_ecodes_new();
  vt_ecohort *c = vt_ecohort_new("rows");
  vt_eperson p;
  memset(&p, 0, sizeof p);
  /* A: observed 1950-2000-06-01, alive: rows at 40 and 45; 50 censored (only 5 months) */
  p.sex = 'F'; p.birth = day(1950, 1, 1); p.death = VT_NO_DAY; p.obs_start = p.birth; p.obs_end = day(2000, 6, 1);
  vt_ecohort_add_person(c, &p); vt_ecohort_end_person(c);
  /* B: dies 2001-03-01: rows at 40, 45 (negatives) and 50 (a death) */
  p.sex = 'M'; p.death = day(2001, 3, 1); p.obs_end = p.death;
  vt_ecohort_add_person(c, &p); vt_ecohort_end_person(c);
  /* C: observed from 1997 only, to 2023: rows at 50, 55, 60, 65 (45th birthday before it; 70 censored: its 5
  ** years end after 2023; 75th in 2025) */
  p.sex = 'F'; p.death = VT_NO_DAY; p.obs_start = day(1997, 1, 1); p.obs_end = day(2023, 12, 31);
  vt_ecohort_add_person(c, &p); vt_ecohort_end_person(c);
  /* D: no birth: no row */
  p.birth = VT_NO_DAY;
  vt_ecohort_add_person(c, &p); vt_ecohort_end_person(c);
  char err[256] = "";
  vt_eval_ctx cx = { codes, c, c, c, NULL, NULL, 1, 1, 1 };
  vt_eval_utility *u = run(&cx, err, sizeof err);
  char *js = u ? json_of(u) : NULL;
  CHECK(js && parse(L, js) == 0, "utility runs on a four-person cohort (%s)", err);
  CHECK(num(L, "J.tasks[1].n_train_real") == 9 && num(L, "J.tasks[1].n_test") == 9,
        "utility rows: censored and out-of-observation index ages left out (%g rows, 9 expected)",
        num(L, "J.tasks[1].n_train_real"));
  CHECK(num(L, "J.tasks[1].positives_train_real") == 1, "utility rows: the one death within 5 years counted");
  CHECK(bool_of(L, "J.tasks[1].measured") == 0 && strstr(str(L, "J.tasks[1].reason"), "only 1 deaths in the real training rows"),
        "utility task with too few rows not measured, with the reason (%s)", str(L, "J.tasks[1].reason"));
  CHECK(bool_of(L, "J.tasks[2].measured") == 0 && str(L, "J.tasks[2].reason")[0],
        "utility onset task without any condition not measured, with the reason (%s)", str(L, "J.tasks[2].reason"));
  vt_eval_verdict v;
  vt_eval_utility_verdict(u, &v);
  CHECK(v.level == VT_EVAL_NOT_MEASURED && isnan(v.value), "utility verdict not measured when no task is");
  int rc;
  char *html = html_of(u, &rc);
  CHECK(rc == 0 && strstr(html, "not measured") && strstr(html, "</section>") && !strstr(html, "<svg"),
        "utility HTML says a task is not measured and draws no chart");
  free(html);
  free(js);
  vt_eval_utility_free(u);
  vt_ecohort_free(c);
  vt_ecodes_free(codes);
}

static void test_target(lua_State *L) {
  vt_ecodes *codes = vt_ecodes_new();
  vt_ecodes_intern(codes, "SNOMED", CHRONIC, VT_DOMAIN_CONDITION, "Diabetes <type 2> & co");
  vt_ecohort *syn = make(codes, "synth", 1500, 1, &effect);
  vt_ecohort *real = make(codes, "real", 1500, 2, &effect);
  char err[256] = "";
  vt_eval_ctx cx = { codes, syn, real, NULL, NULL, NULL, 3, 1, 1 };
  vt_eval_utility *u = run(&cx, err, sizeof err);
  char *js = u ? json_of(u) : NULL;
  CHECK(js && parse(L, js) == 0, "utility target: runs (%s)", err);
  CHECK_STR(str(L, "J.tasks[2].target_code"), "SNOMED:" CHRONIC, "utility target: the first listed chronic condition with 30 onsets");
  CHECK_STR(str(L, "J.tasks[2].target_source"), "chronic list", "utility target: from the chronic list");
  CHECK(bool_of(L, "J.tasks[2].measured") == 1, "utility onset task measured");
  CHECK(num(L, "J.tasks[2].positives_train_real") >= 30, "utility onset rows counted (%g)", num(L, "J.tasks[2].positives_train_real"));
  int has_target = 0;
  for (int i = 1; i <= (int)num(L, "#J.tasks[2].features"); i++) {
    char e[64];
    snprintf(e, sizeof e, "J.tasks[2].features[%d]", i);
    if (!strcmp(str(L, e), "SNOMED:" CHRONIC)) has_target = 1;
  }
  CHECK(!has_target, "utility onset task: the target is not among the features");
  CHECK_STR(str(L, "J.tasks[2].target_label"), "Diabetes <type 2> & co", "utility target label is the code's description");
  int hrc;
  char *html = html_of(u, &hrc);
  CHECK(hrc == 0 && strstr(html, "Diabetes &lt;type 2&gt; &amp; co") && !strstr(html, "<type 2>"),
        "utility HTML escapes text from the data");
  free(html);
  free(js);
  vt_eval_utility_free(u);
  vt_ecohort_free(syn);
  vt_ecohort_free(real);
  vt_ecodes_free(codes);

  /* without the listed condition: the condition with most onsets in real */
  rule none = effect;
  none.p_chronic = 0;
  vt_ecodes *c2 = vt_ecodes_new();
  syn = make(c2, "synth", 1500, 1, &none);
  real = make(c2, "real", 1500, 2, &none);
  vt_eval_ctx cx2 = { c2, syn, real, NULL, NULL, NULL, 3, 1, 1 };
  u = run(&cx2, err, sizeof err);
  js = u ? json_of(u) : NULL;
  CHECK(js && parse(L, js) == 0, "utility fallback target: runs (%s)", err);
  CHECK_STR(str(L, "J.tasks[2].target_code"), "SNOMED:" OTHER_COND, "utility fallback target: the condition with most onsets");
  CHECK_STR(str(L, "J.tasks[2].target_source"), "most onsets", "utility fallback target: named as such");
  free(js);
  vt_eval_utility_free(u);

  /* --target */
  cx2.target = "SNOMED:" OTHER_COND;
  u = run(&cx2, err, sizeof err);
  js = u ? json_of(u) : NULL;
  CHECK(js && parse(L, js) == 0 && !strcmp(str(L, "J.tasks[2].target_source"), "--target") &&
            !strcmp(str(L, "J.tasks[2].target_code"), "SNOMED:" OTHER_COND),
        "utility --target names the onset task's condition");
  free(js);
  vt_eval_utility_free(u);
  cx2.target = "SNOMED:123456";
  u = NULL;
  err[0] = 0;
  int rc = vt_eval_utility_run(&cx2, &u, err, sizeof err);
  CHECK(rc == -1 && u == NULL && strstr(err, "SNOMED:123456") && strstr(err, "no such code"),
        "utility unknown --target is an error naming it (%s)", err);
  cx2.target = "44054006";
  rc = vt_eval_utility_run(&cx2, &u, err, sizeof err);
  CHECK(rc == -1 && strstr(err, "SYSTEM:CODE"), "utility --target without a system is an error (%s)", err);
  vt_ecohort_free(syn);
  vt_ecohort_free(real);
  vt_ecodes_free(c2);
}

static void test_no_real(lua_State *L) {
  vt_ecodes *codes = vt_ecodes_new();
  vt_ecohort *syn = make(codes, "synth", 200, 1, &effect);
  char err[256] = "";
  vt_eval_ctx cx = { codes, syn, NULL, NULL, NULL, NULL, 3, 1, 1 };
  vt_eval_utility *u = run(&cx, err, sizeof err);
  CHECK(u != NULL, "utility without real data still returns a result (%s)", err);
  char *js = json_of(u);
  CHECK(parse(L, js) == 0 && bool_of(L, "J.measured") == 0 && strstr(str(L, "J.reason"), "no real data"),
        "utility without real data: measured false, with the reason");
  vt_eval_verdict v;
  vt_eval_utility_verdict(u, &v);
  CHECK(v.level == VT_EVAL_NOT_MEASURED && isnan(v.value) && strstr(v.text, "no real data"),
        "utility without real data: verdict not measured (%s)", v.text);
  int rc;
  char *html = html_of(u, &rc);
  CHECK(rc == 0 && strstr(html, "Not measured") && strstr(html, "</section>\n"), "utility without real data: HTML says so");
  free(html);
  free(js);
  vt_eval_utility_free(u);
  vt_ecohort_free(syn);
  vt_ecodes_free(codes);
}

int main(void) {
  lua_State *L = luaL_newstate();
  if (!L) { printf("not ok - luaL_newstate\n"); return 1; }
  test_tstr_trtr(L);
  test_rows(L);
  test_target(L);
  test_no_real(L);
  lua_close(L);
  return test_done();
}
