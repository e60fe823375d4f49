/*
** test_eval_fidelity.c -- `vitae eval`'s fidelity area (learn/eval_fidelity.c):
** a cohort against itself scores exactly 1 with every distance 0; hand-built
** cohorts with known gaps give the prevalence figures, the pyramid's total
** variation, the onset KS, the next-code TV and the linked-code days worked
** out by hand; shifted onsets and other prevalences score lower; without
** real data the area says it is not measured; the HTML section opens,
** closes and holds its plots, and the JSON parses (vitae's strict reader)
** with every documented key.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lauxlib.h"
#include "learn/eval.h"
#include "lua/json.h"
#include "lualib.h"
#include "test.h"

static vt_ecodes *codes;
static long cA, cB, cC, cD, cE, cF;

static void person(vt_ecohort *c, char sex, vt_day birth, vt_day death, vt_day os, vt_day oe, uint32_t nev) {
  vt_eperson p;
  memset(&p, 0, sizeof p);
  p.sex = sex;
  p.birth = birth;
  p.death = death;
  p.obs_start = os;
  p.obs_end = oe;
  p.nevents = nev;
  vt_ecohort_add_person(c, &p);
}

static void use(vt_ecohort *c, long code, vt_day first) {
  vt_euse u = { (uint32_t)code, first, first, 1 };
  vt_ecohort_add_use(c, &u);
}

/* A varied cohort from a simple generator: shift moves every condition's
** first day (days), drop removes code D from every other person. */
static vt_ecohort *varied(const char *spec, size_t n, uint64_t seed, vt_day shift, int drop) {
  vt_ecohort *c = vt_ecohort_new(spec);
  uint64_t s = seed;
#define RND() (s = s * 6364136223846793005ULL + 1442695040888963407ULL, (uint32_t)(s >> 33))
  for (size_t i = 0; i < n; i++) {
    vt_day birth = -20000 + (vt_day)(RND() % 30000);
    vt_day os = birth + (vt_day)(RND() % 3000), oe = os + 1000 + (vt_day)(RND() % 20000);
    int dies = RND() % 5 == 0;
    person(c, i % 2 ? 'M' : 'F', birth, dies ? oe : VT_NO_DAY, os, oe, 10 + RND() % 50);
    long cs[6] = { cA, cB, cC, cD, cE, cF };
    for (int k = 0; k < 6; k++) {
      if (RND() % 10 >= (uint32_t)(9 - k)) continue;
      if (drop && cs[k] == cD && i % 2) continue;
      vt_day first = os + (vt_day)(RND() % (uint32_t)(oe - os));
      if (cs[k] != cE) first += shift;
      use(c, cs[k], first);
    }
    vt_ecohort_end_person(c);
  }
#undef RND
  return c;
}

/* The area's JSON as a string (caller frees). */
static char *json_of(const vt_eval_fidelity *r) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  vt_jsonw w;
  vt_jw_init(&w, f);
  vt_jw_obj(&w, 0);
  vt_eval_fidelity_json(r, &w);
  vt_jw_end(&w);
  fclose(f);
  return text;
}

/* The number after key k2 that follows key k1 in the JSON text (NAN when
** absent or null). */
static double jnum(const char *js, const char *k1, const char *k2) {
  char a[80], b[80];
  if (k1[0] == '"') snprintf(a, sizeof a, "%s", k1);
  else snprintf(a, sizeof a, "\"%s\"", k1);
  snprintf(b, sizeof b, "\"%s\":", k2);
  const char *p = strstr(js, a);
  if (!p) return NAN;
  p = strstr(p, b);
  if (!p) return NAN;
  p += strlen(b);
  while (*p == ' ' || *p == '[') p++;
  char *end;
  double v = strtod(p, &end);
  return end == p ? NAN : v;
}


static vt_eval_fidelity *run(const vt_ecohort *synth, const vt_ecohort *real, const vt_ecohort *holdout) {
  vt_eval_ctx cx = { .codes = codes, .synth = synth, .real = real, .holdout = holdout, .seed = 7, .threads = 1,
                     .quiet = 1 };
  vt_eval_fidelity *r = NULL;
  char err[256];
  int rc = vt_eval_fidelity_run(&cx, &r, err, sizeof err);
  CHECK(rc == 0 && r, "run: returns 0 with a result");
  return r;
}

static const char *const parts[] = { "pyramid_tv", "survival_distance", "prevalence_scaled_diff", "onset_mean_ks",
                                     "cooccurrence_half_diff", "sequences_mean_tv" };

static void test_self(void) {
  vt_ecohort *c = varied("self", 400, 11, 0, 0);
  vt_eval_fidelity *r = run(c, c, NULL);
  vt_eval_verdict v;
  vt_eval_fidelity_verdict(r, &v);
  CHECK(v.value == 1.0, "self: score exactly 1 (%.17g)", v.value);
  CHECK(v.level == VT_EVAL_GOOD && strcmp(v.verdict, "close to the real data") == 0, "self: verdict good, close");
  CHECK_STR(v.metric, "fidelity score", "self: metric named");
  char *js = json_of(r);
  for (int i = 0; i < 6; i++) CHECK(jnum(js, "parts", parts[i]) == 0.0, "self: %s is 0", parts[i]);
  CHECK(jnum(js, "prevalence", "correlation") == 1.0, "self: prevalence correlation 1");
  CHECK(jnum(js, "events_per_patient_year", "real") == jnum(js, "events_per_patient_year", "synth"),
        "self: same events per patient-year");
  CHECK(strstr(js, "\"reference\": \"real\"") != NULL, "self: reference named real");
  CHECK(strstr(js, "\"largest_gaps\": []") != NULL, "self: no prevalence gap listed");
  free(js);
  vt_eval_fidelity_free(r);
  /* the same cohort as holdout: the holdout is the reference */
  r = run(c, c, c);
  js = json_of(r);
  CHECK(strstr(js, "\"reference\": \"holdout\"") != NULL, "self: holdout preferred as reference");
  free(js);
  vt_eval_fidelity_free(r);
  vt_ecohort_free(c);
}

/* Real: 100 women born on day 0, observed to day 14700 (aged 40), all with
** B at day 2000, 50 of them with A at day 4000.  Synthetic: 50 women and 50
** men alike, all with B at day 2000, 20 with A at day 7000. */
static void test_known(void) {
  vt_ecohort *real = vt_ecohort_new("real"), *syn = vt_ecohort_new("synth");
  for (int i = 0; i < 100; i++) {
    person(real, 'F', 0, VT_NO_DAY, 0, 14700, 10);
    use(real, cB, 2000);
    if (i < 50) use(real, cA, 4000);
    vt_ecohort_end_person(real);
    person(syn, i < 50 ? 'F' : 'M', 0, VT_NO_DAY, 0, 14700, 20);
    use(syn, cB, 2000);
    if (i < 20) use(syn, cA, 7000);
    vt_ecohort_end_person(syn);
  }
  vt_eval_fidelity *r = run(syn, real, NULL);
  char *js = json_of(r);
  if (getenv("FID_DUMP")) fputs(js, stderr);
  CHECK(jnum(js, "prevalence", "n_codes") == 2, "known: 2 codes used");
  CHECK_NEAR(jnum(js, "prevalence", "mean_abs_diff"), 0.15, 1e-12, "known: mean |prevalence difference| 0.15");
  CHECK_NEAR(jnum(js, "prevalence", "scaled_diff"), 0.3 / 2.7, 1e-6, "known: scaled difference 0.3 / 2.7");
  CHECK_NEAR(jnum(js, "prevalence", "correlation"), 1, 1e-12, "known: correlation 1 over two codes");
  CHECK_NEAR(jnum(js, "largest_gaps", "real"), 0.5, 1e-12, "known: largest gap real share 0.5");
  CHECK_NEAR(jnum(js, "largest_gaps", "synth"), 0.2, 1e-12, "known: largest gap synthetic share 0.2");
  CHECK(strstr(js, "\"code\": \"SNOMED:A1\", \"label\": \"Asthma\"") != NULL, "known: largest gap named A");
  CHECK_NEAR(jnum(js, "pyramid", "tv"), 0.5, 1e-12, "known: pyramid TV 0.5 (half the men)");
  CHECK_NEAR(jnum(js, "pyramid", "F"), 0, 1e-12, "known: no real woman in band 0-4");
  CHECK_NEAR(jnum(js, "events_per_patient_year", "synth") / jnum(js, "events_per_patient_year", "real"), 2, 1e-5,
             "known: twice the events per patient-year");
  CHECK_NEAR(jnum(js, "survival", "distance"), 0, 1e-12, "known: nobody dies: survival distance 0");
  /* onset: B at the same age (KS 0), A at 10.95 vs 19.17 years (KS 1) */
  CHECK_NEAR(jnum(js, "\"label\": \"Asthma\", \"n_real\"", "ks"), 1, 1e-12, "known: onset KS of A is 1");
  CHECK_NEAR(jnum(js, "\"label\": \"Bronchitis\", \"n_real\"", "ks"), 0, 1e-12, "known: onset KS of B is 0");
  CHECK_NEAR(jnum(js, "parts", "onset_mean_ks"), 0.5, 1e-12, "known: mean onset KS 0.5");
  /* next code after B: real {A 50, none 50}, synthetic {A 20, none 80} */
  CHECK_NEAR(jnum(js, "\"code\": \"SNOMED:B1\", \"label\": \"Bronchitis\", \"tv\"", "tv"), 0.3, 1e-12,
             "known: next-code TV after B is 0.3");
  CHECK_NEAR(jnum(js, "\"code\": \"SNOMED:A1\", \"label\": \"Asthma\", \"tv\"", "tv"), 0, 1e-12,
             "known: next-code TV after A is 0 (none on both sides)");
  CHECK_NEAR(jnum(js, "sequences", "mean_tv"), 0.15, 1e-12, "known: mean next-code TV 0.15");
  CHECK(strstr(js, "\"from\": \"SNOMED:B1\", \"to\": \"SNOMED:A1\", \"n_real\": 50, \"n_synth\": 20") != NULL,
        "known: linked pair B -> A with 50 and 20 persons");
  CHECK_NEAR(jnum(js, "gaps", "median_days_real"), 2000, 0, "known: B -> A after 2000 days in the real data");
  CHECK_NEAR(jnum(js, "gaps", "median_days_synth"), 5000, 0, "known: B -> A after 5000 days in the synthetic");
  CHECK_NEAR(jnum(js, "gaps", "ks"), 1, 1e-12, "known: B -> A days KS 1");
  /* B is in everyone: constant, its correlations 0; A's diagonal 1 */
  CHECK(strstr(js, "\"real\": [\n      [1, 0],\n      [0, 1]\n    ]") != NULL, "known: correlation matrix [[1,0],[0,1]]");
  CHECK_NEAR(jnum(js, "cooccurrence", "mean_abs_diff"), 0, 1e-12, "known: co-occurrence difference 0");
  double mean = (0.5 + 0 + 0.3 / 2.7 + 0.5 + 0 + 0.15) / 6;
  vt_eval_verdict v;
  vt_eval_fidelity_verdict(r, &v);
  CHECK_NEAR(v.value, 1 - mean, 1e-14, "known: score is 1 - mean of the six parts (%.4f)", v.value);
  CHECK(v.level == VT_EVAL_CAUTION, "known: verdict caution between 0.75 and 0.9");
  free(js);
  vt_eval_fidelity_free(r);
  vt_ecohort_free(real);
  vt_ecohort_free(syn);
}

/* Co-occurrence: A and C always together on one side, never on the other. */
static void test_cooc(void) {
  vt_ecohort *real = vt_ecohort_new("real"), *syn = vt_ecohort_new("synth");
  for (int i = 0; i < 40; i++) {
    person(real, 'F', 0, VT_NO_DAY, 0, 14700, 10);
    if (i % 2) { use(real, cA, 100); use(real, cC, 200); }
    vt_ecohort_end_person(real);
    person(syn, 'F', 0, VT_NO_DAY, 0, 14700, 10);
    use(syn, i % 2 ? cA : cC, 100);
    vt_ecohort_end_person(syn);
  }
  vt_eval_fidelity *r = run(syn, real, NULL);
  char *js = json_of(r);
  CHECK_NEAR(jnum(js, "cooccurrence", "mean_abs_diff"), 2, 1e-12, "cooc: phi +1 against -1: difference 2");
  CHECK_NEAR(jnum(js, "parts", "cooccurrence_half_diff"), 1, 1e-12, "cooc: part is half of it");
  free(js);
  vt_eval_fidelity_free(r);
  vt_ecohort_free(real);
  vt_ecohort_free(syn);
}

/* Survival: 40 women from birth; on the real side 20 die at 50.1 years, the
** others live to 60; on the synthetic side all live to 60.  Ages past 60
** have nobody at risk: the curves stop there. */
static void test_survival(void) {
  vt_ecohort *real = vt_ecohort_new("real"), *syn = vt_ecohort_new("synth");
  for (int i = 0; i < 40; i++) {
    int dies = i < 20;
    person(real, 'F', 0, dies ? 18300 : VT_NO_DAY, 0, dies ? 18300 : 21915, 10);
    use(real, cA, 100);
    vt_ecohort_end_person(real);
    person(syn, 'F', 0, VT_NO_DAY, 0, 21915, 10);
    use(syn, cA, 100);
    vt_ecohort_end_person(syn);
  }
  vt_eval_fidelity *r = run(syn, real, NULL);
  char *js = json_of(r);
  CHECK_NEAR(jnum(js, "survival", "distance"), 0.5, 1e-12, "survival: half died at 50: distance 0.5");
  const char *f = strstr(strstr(js, "\"survival\""), "\"real\": {\n      \"F\": [");
  CHECK(f && strncmp(f + strlen("\"real\": {\n      \"F\": ["), "1, 1,", 5) == 0, "survival: real curve starts at 1");
  CHECK(strstr(js, "0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, null") != NULL,
        "survival: real curve 0.5 from 51 to 60, then not drawn (nobody at risk)");
  free(js);
  vt_eval_fidelity_free(r);
  vt_ecohort_free(real);
  vt_ecohort_free(syn);
}

static void test_lower(void) {
  vt_ecohort *base = varied("base", 600, 5, 0, 0), *shift = varied("shift", 600, 5, 1826, 0),
             *drop = varied("drop", 600, 5, 0, 1);
  vt_eval_fidelity *r0 = run(base, base, NULL), *r1 = run(shift, base, NULL), *r2 = run(drop, base, NULL);
  vt_eval_verdict v0, v1, v2;
  vt_eval_fidelity_verdict(r0, &v0);
  vt_eval_fidelity_verdict(r1, &v1);
  vt_eval_fidelity_verdict(r2, &v2);
  char *j1 = json_of(r1), *j2 = json_of(r2);
  CHECK(v1.value < v0.value - 0.02, "lower: onsets shifted by 5 years score lower (%.3f)", v1.value);
  CHECK(jnum(j1, "parts", "onset_mean_ks") > 0.1, "lower: shifted onsets: onset KS > 0.1");
  CHECK(v2.value < v0.value - 0.01, "lower: code D in half the persons scores lower (%.3f)", v2.value);
  CHECK(jnum(j2, "parts", "prevalence_scaled_diff") > 0.02, "lower: fewer D: prevalence part > 0.02");
  CHECK(strstr(j2, "\"largest_gaps\": [\n      {\"code\": \"SNOMED:D1\"") != NULL, "lower: D has the largest gap");
  free(j1);
  free(j2);
  vt_eval_fidelity_free(r0);
  vt_eval_fidelity_free(r1);
  vt_eval_fidelity_free(r2);
  vt_ecohort_free(base);
  vt_ecohort_free(shift);
  vt_ecohort_free(drop);
}

static void test_not_measured(void) {
  vt_ecohort *c = varied("alone", 50, 3, 0, 0);
  vt_eval_fidelity *r = run(c, NULL, NULL);
  vt_eval_verdict v;
  vt_eval_fidelity_verdict(r, &v);
  CHECK(v.level == VT_EVAL_NOT_MEASURED && v.value != v.value, "not measured: verdict and NaN value");
  char *js = json_of(r);
  CHECK(strstr(js, "\"measured\": false") && strstr(js, "\"reason\": \"no real data"), "not measured: JSON says why");
  free(js);
  char *html = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&html, &len);
  CHECK(vt_eval_fidelity_html(r, f) == 0, "not measured: HTML written");
  fclose(f);
  CHECK(strstr(html, "<section id=\"fidelity\">") && strstr(html, "Not measured: no real data") &&
            strstr(html, "</section>\n"), "not measured: the section says so and closes");
  free(html);
  vt_eval_fidelity_free(r);
  vt_ecohort_free(c);
}

/* An empty synthetic cohort (a hand-built one can be): no crash, every
** part that needs persons is left out and named. */
static void test_empty(void) {
  vt_ecohort *real = varied("real", 50, 4, 0, 0), *syn = vt_ecohort_new("empty");
  vt_eval_fidelity *r = run(syn, real, NULL);
  vt_eval_verdict v;
  vt_eval_fidelity_verdict(r, &v);
  char *js = json_of(r);
  CHECK(strstr(js, "\"missing\": {") && strstr(js, "\"pyramid_tv\": \"no person"), "empty: pyramid named missing");
  CHECK(strstr(js, "\"survival_distance\": \"fewer than 20"), "empty: survival named missing");
  CHECK(jnum(js, "prevalence", "scaled_diff") == 1, "empty: every code a full gap");
  char *html = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&html, &len);
  CHECK(vt_eval_fidelity_html(r, f) == 0, "empty: HTML written");
  fclose(f);
  CHECK(strstr(html, "</section>") != NULL, "empty: the section closes");
  free(html);
  free(js);
  vt_eval_fidelity_free(r);
  vt_ecohort_free(real);
  vt_ecohort_free(syn);
}

/* How many times needle occurs in text. */
static int occurrences(const char *text, const char *needle) {
  int n = 0;
  for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle)) n++;
  return n;
}

static void test_outputs(void) {
  vt_ecohort *a = varied("a", 500, 21, 0, 0), *b = varied("b", 500, 22, 300, 1);
  vt_eval_fidelity *r = run(b, a, NULL);
  char *html = NULL, *json = NULL;
  size_t hn = 0, jn = 0;
  FILE *f = open_memstream(&html, &hn);
  CHECK(f && vt_eval_fidelity_html(r, f) == 0 && fclose(f) == 0, "outputs: HTML written");
  f = open_memstream(&json, &jn);
  vt_jsonw w;
  vt_jw_init(&w, f);
  vt_jw_obj(&w, 0);
  vt_eval_fidelity_json(r, &w);
  vt_jw_end(&w);
  fclose(f);
  CHECK(html && strncmp(html, "<section id=\"fidelity\">", 23) == 0, "outputs: the section opens");
  CHECK(html && hn >= 11 && strcmp(html + hn - 11, "</section>\n") == 0, "outputs: the section closes");
  CHECK(html && occurrences(html, "<svg") >= 6 && occurrences(html, "<svg") == occurrences(html, "</svg>"),
        "outputs: at least 6 plots, each closed (%d)", html ? occurrences(html, "<svg") : 0);
  lua_State *L = luaL_newstate();
  char err[256];
  int parsed = json && vt_json_push(L, json, jn, "fidelity.json", err, sizeof err) == 0;
  CHECK(parsed, "outputs: the JSON parses (%s)", parsed ? "" : err);
  static const char *const keys[] = {"measured", "reference", "score", "parts", "pyramid", "survival", "prevalence",
                                     "events_per_patient_year", "onset", "cooccurrence", "sequences"};
  int have = 0;
  for (size_t k = 0; parsed && k < sizeof keys / sizeof keys[0]; k++) {
    lua_getfield(L, -1, keys[k]);
    have += !lua_isnil(L, -1);
    lua_pop(L, 1);
  }
  CHECK(have == (int)(sizeof keys / sizeof keys[0]), "outputs: the JSON has every documented key (%d)", have);
  lua_close(L);
  free(html);
  free(json);
  vt_eval_fidelity_free(r);
  vt_ecohort_free(a);
  vt_ecohort_free(b);
}

int main(void) {
  codes = vt_ecodes_new();
  cA = vt_ecodes_intern(codes, "SNOMED", "A1", VT_DOMAIN_CONDITION, "Asthma");
  cB = vt_ecodes_intern(codes, "SNOMED", "B1", VT_DOMAIN_CONDITION, "Bronchitis");
  cC = vt_ecodes_intern(codes, "SNOMED", "C1", VT_DOMAIN_CONDITION, "Cough & <cold>");
  cD = vt_ecodes_intern(codes, "SNOMED", "D1", VT_DOMAIN_CONDITION, "Diabetes");
  cE = vt_ecodes_intern(codes, "RxNorm", "E1", VT_DOMAIN_DRUG, "Enalapril");
  cF = vt_ecodes_intern(codes, "SNOMED", "F1", VT_DOMAIN_CONDITION, NULL);
  test_self();
  test_known();
  test_cooc();
  test_survival();
  test_lower();
  test_not_measured();
  test_empty();
  test_outputs();
  vt_ecodes_free(codes);
  return test_done();
}
