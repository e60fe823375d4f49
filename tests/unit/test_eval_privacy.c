/*
** test_eval_privacy.c -- the privacy area of `vitae eval`
** (learn/eval_privacy.c): a "synthetic" cohort that copies the training
** cohort is caught (exact copies ~1, distance-attack AUROC > 0.9), an
** independent cohort from the same generator is not (AUROC near 0.5,
** copies near the baseline); Wilson intervals and Anonymeter's risk against
** hand-computed values; the same figures for the same seed and for 1 or 2
** threads; the not-measured paths; the JSON parses, the HTML closes.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "learn/eval.h"
#include "learn/eval_privacy_int.h"
#include "lua/json.h"
#include "lualib.h"
#include "sim/rng.h"
#include <sqlite3.h>
#include <unistd.h>
#include "test.h"

#define NCODES 150

/* A generator of patients: sex, birth in 1930-2010, codes drawn with
** Zipf-like prevalence (some rare), each with days and counts. */
static vt_ecohort *gen(const char *name, uint64_t seed, size_t n) {
  vt_ecohort *c = vt_ecohort_new(name);
  vt_rng r;
  vt_rng_seed(&r, seed);
  for (size_t i = 0; i < n; i++) {
    vt_eperson p;
    memset(&p, 0, sizeof p);
    p.sex = vt_rng_uniform(&r) < 0.5 ? 'F' : 'M';
    p.birth = (vt_day)vt_rng_int(&r, -40 * 365, 40 * 365);
    p.death = vt_rng_uniform(&r) < 0.1 ? p.birth + 70 * 365 : VT_NO_DAY;
    p.obs_start = p.birth;
    p.obs_end = p.birth + 80 * 365;
    vt_ecohort_add_person(c, &p);
    int k = (int)vt_rng_int(&r, 2, 14);
    uint8_t seen[NCODES] = { 0 };
    for (int j = 0; j < k; j++) {
      uint32_t code = (uint32_t)(NCODES * vt_rng_uniform(&r) * vt_rng_uniform(&r) * vt_rng_uniform(&r));
      if (code >= NCODES || seen[code]) continue;
      seen[code] = 1;
      vt_euse u = { code, p.birth + (vt_day)vt_rng_int(&r, 0, 20000), 0, (uint32_t)vt_rng_int(&r, 1, 5) };
      u.last = u.first + (vt_day)vt_rng_int(&r, 0, 3000);
      vt_ecohort_add_use(c, &u);
    }
    vt_ecohort_end_person(c);
  }
  return c;
}

static vt_ecohort *copy_of(const vt_ecohort *src) {
  vt_ecohort *c = vt_ecohort_new("copy");
  for (size_t i = 0; i < src->n; i++) {
    vt_eperson p = src->persons[i];
    vt_ecohort_add_person(c, &p);
    const vt_euse *u = vt_ecohort_uses(src, &src->persons[i]);
    for (uint32_t k = 0; k < src->persons[i].nuse; k++) vt_ecohort_add_use(c, &u[k]);
    vt_ecohort_end_person(c);
  }
  return c;
}

static vt_eval_ctx ctx(const vt_ecohort *s, const vt_ecohort *r, const vt_ecohort *h, uint64_t seed, int threads) {
  vt_eval_ctx cx;
  memset(&cx, 0, sizeof cx);
  cx.synth = s;
  cx.real = r;
  cx.holdout = h;
  cx.seed = seed;
  cx.threads = threads;
  cx.quiet = 1;
  return cx;
}

/* The area's JSON object as text (caller frees). */
static char *json_of(const vt_eval_privacy *r) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  vt_jsonw w;
  vt_jw_init(&w, f);
  vt_jw_obj(&w, 0);
  vt_eval_privacy_json(r, &w);
  vt_jw_end(&w);
  fclose(f);
  return buf;
}

static char *html_of(const vt_eval_privacy *r, int *rc) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  *rc = vt_eval_privacy_html(r, f);
  fclose(f);
  return buf;
}

/* A number at a dotted path of the parsed JSON ("mia.distance.auroc"); NAN
** for null or missing; -2 when the text does not parse. */
static double json_num(const char *text, const char *path) {
  lua_State *L = luaL_newstate();
  char err[256];
  if (vt_json_push(L, text, strlen(text), "privacy.json", err, sizeof err) != 0) {
    printf("# %s\n", err);
    lua_close(L);
    return -2;
  }
  char p[128];
  snprintf(p, sizeof p, "%s", path);
  double v = NAN;
  for (char *k = strtok(p, "."); k; k = strtok(NULL, ".")) {
    if (!lua_istable(L, -1)) { lua_pushnil(L); break; }
    lua_getfield(L, -1, k);
  }
  if (lua_isnumber(L, -1)) v = lua_tonumber(L, -1);
  else if (lua_isboolean(L, -1)) v = lua_toboolean(L, -1);
  lua_close(L);
  return v;
}

static int count(const char *s, const char *what) {
  int n = 0;
  for (const char *p = strstr(s, what); p; p = strstr(p + 1, what)) n++;
  return n;
}

static int html_closes(const char *h) {
  size_t n = strlen(h);
  return strncmp(h, "<section id=\"privacy\">", 22) == 0 && n > 11 && strcmp(h + n - 11, "</section>\n") == 0 &&
         count(h, "<table") == count(h, "</table>") && count(h, "<figure") == count(h, "</figure>") &&
         count(h, "<svg") == count(h, "</svg>") && count(h, "<tr>") == count(h, "</tr>");
}

static void test_wilson_and_risk(void) {
  double c, h;
  pv_wilson(30, 100, 1.959963984540054, &c, &h);
  CHECK_NEAR(c, 0.307398699641, 1e-9, "wilson_centre: 30 of 100, centre 0.307399 (by hand)");
  CHECK_NEAR(h, 0.088449846692, 1e-9, "wilson_half: 30 of 100, half-width 0.088450 (by hand)");
  pv_risk k;
  pv_risk_from(30, 10, 100, &k);
  CHECK_NEAR(k.risk, 0.217578778240, 1e-9, "risk_formula: (attack - control) / (1 - control) = 0.217579");
  CHECK_NEAR(k.lo, 0.117658323170, 1e-9, "risk_ci_low: from the attack's Wilson interval, 0.117658");
  CHECK_NEAR(k.hi, 0.317499233309, 1e-9, "risk_ci_high: 0.317499");
  pv_risk_from(0, 0, 0, &k);
  CHECK(!k.measured && isnan(k.risk), "risk_empty: no attacks, not measured, NaN");
}

static void test_copy_is_caught(void) {
  vt_ecohort *train = gen("train", 1, 1500), *hold = gen("hold", 2, 1500), *syn = copy_of(train);
  vt_eval_ctx cx = ctx(syn, train, hold, 42, 2);
  vt_eval_privacy *r = NULL;
  char err[256] = "";
  CHECK(vt_eval_privacy_run(&cx, &r, err, sizeof err) == 0 && r, "copy_run: the area runs on a copied cohort %s", err);
  if (!r) return;
  char *j = json_of(r);
  double auc = json_num(j, "mia.distance.auroc"), ex = json_num(j, "copies.exact_train");
  double exh = json_num(j, "copies.exact_holdout"), rd = json_num(j, "rare_memorisation.difference");
  CHECK(ex > 0.99, "copy_exact_share: exact copies of training records ~1 (%.4f)", ex);
  CHECK(exh < 0.01, "copy_exact_baseline: exact copies of holdout records ~0 (%.4f)", exh);
  CHECK(auc > 0.9, "copy_distance_auroc: distance attack AUROC > 0.9 on a copy (%.3f)", auc);
  CHECK(json_num(j, "mia.density_ratio.auroc") > 0.55, "copy_density_auroc: density-ratio attack sees it too (%.3f)",
        json_num(j, "mia.density_ratio.auroc"));
  double ra = json_num(j, "mia.distance.rare.auroc");
  CHECK(ra > 0.9, "copy_rare_auroc: the distance attack on rare patients finds the copies too (%.3f)", ra);
  CHECK(rd > 0.5, "copy_rare_memorisation: the copy reproduces rare trajectories (difference %.3f)", rd);
  CHECK(json_num(j, "dcr.median_train") == 0, "copy_dcr: median DCR to training is 0");
  vt_eval_verdict v;
  vt_eval_privacy_verdict(r, &v);
  CHECK(v.level == VT_EVAL_POOR, "copy_verdict: poor (%s)", v.verdict);
  free(j);
  vt_eval_privacy_free(r);
  vt_ecohort_free(train);
  vt_ecohort_free(hold);
  vt_ecohort_free(syn);
}

static void test_independent_and_determinism(void) {
  vt_ecohort *train = gen("train", 11, 2000), *hold = gen("hold", 12, 2000), *syn = gen("syn", 13, 4000);
  vt_eval_ctx cx = ctx(syn, train, hold, 7, 1);
  vt_eval_privacy *r = NULL, *r2 = NULL, *r3 = NULL;
  char err[256] = "";
  CHECK(vt_eval_privacy_run(&cx, &r, err, sizeof err) == 0 && r, "indep_run: the area runs %s", err);
  if (!r) return;
  char *j = json_of(r);
  double a1 = json_num(j, "mia.distance.auroc"), a2 = json_num(j, "mia.density_ratio.auroc");
  CHECK(a1 > 0.45 && a1 < 0.55, "indep_distance_auroc: near 0.5 for an independent cohort (%.3f)", a1);
  CHECK(a2 > 0.45 && a2 < 0.55, "indep_density_auroc: near 0.5 for an independent cohort (%.3f)", a2);
  double ra = json_num(j, "mia.distance.rare.auroc"), rn = json_num(j, "mia.distance.rare.members");
  CHECK(rn >= 10 && ra > 0.35 && ra < 0.65, "indep_rare_auroc: rare patients (%g members) near 0.5 (%.3f)", rn, ra);
  double ex = json_num(j, "copies.exact_train"), exh = json_num(j, "copies.exact_holdout");
  CHECK(fabs(ex - exh) < 0.005, "indep_exact_copies: near the baseline (%.4f vs %.4f)", ex, exh);
  double nt = json_num(j, "copies.near_train"), nh = json_num(j, "copies.near_holdout");
  CHECK(fabs(nt - nh) < 0.01, "indep_near_copies: near the baseline (%.4f vs %.4f)", nt, nh);
  double rd = json_num(j, "rare_memorisation.difference");
  CHECK(fabs(rd) < 0.05, "indep_rare_memorisation: difference near 0 (%.4f)", rd);
  double so = json_num(j, "anonymeter.singling_out.risk"), li = json_num(j, "anonymeter.linkability.risk");
  double in = json_num(j, "anonymeter.inference.risk");
  CHECK(fabs(so) < 0.1 && fabs(li) < 0.1 && fabs(in) < 0.1,
        "indep_anonymeter: risks near 0 (singling out %.3f, linkability %.3f, inference %.3f)", so, li, in);
  CHECK(json_num(j, "anonymeter.singling_out.n") > 100, "indep_singling_out_n: predicates were found (%g)",
        json_num(j, "anonymeter.singling_out.n"));
  double ratio = json_num(j, "dcr.ratio");
  CHECK(ratio > 0.9 && ratio < 1.1, "indep_dcr_ratio: near 1 (%.3f)", ratio);
  vt_eval_verdict v;
  vt_eval_privacy_verdict(r, &v);
  CHECK(v.level == VT_EVAL_GOOD, "indep_verdict: good, no membership signal (%s: %s)", v.verdict, v.text);

  CHECK(vt_eval_privacy_run(&cx, &r2, err, sizeof err) == 0 && r2, "determinism_run2");
  cx.threads = 2;
  CHECK(vt_eval_privacy_run(&cx, &r3, err, sizeof err) == 0 && r3, "determinism_run_threads2");
  if (r2 && r3) {
    char *j2 = json_of(r2), *j3 = json_of(r3);
    CHECK(strcmp(j, j2) == 0, "determinism_seed: same seed, same JSON");
    CHECK(strcmp(j, j3) == 0, "determinism_threads: 1 and 2 threads, same JSON");
    int rc1, rc3;
    char *h1 = html_of(r, &rc1), *h3 = html_of(r3, &rc3);
    CHECK(rc1 == 0 && rc3 == 0 && strcmp(h1, h3) == 0, "determinism_html: 1 and 2 threads, same HTML");
    CHECK(html_closes(h1), "html_closes: the section opens and closes, tables, figures and rows balance");
    CHECK(strstr(h1, "<svg") && strstr(h1, "not a guarantee") && strstr(h1, "Opinion 05/2014") &&
              strstr(h1, "singling out") && strstr(h1, "linkability") && strstr(h1, "inference"),
          "html_content: plots, the DCR caveat and the three criteria of the European guidance");
    free(h1);
    free(h3);
    free(j2);
    free(j3);
  }
  cx.seed = 8;
  vt_eval_privacy *r4 = NULL;
  if (vt_eval_privacy_run(&cx, &r4, err, sizeof err) == 0 && r4) {
    char *j4 = json_of(r4);
    CHECK(strcmp(j, j4) != 0, "determinism_seed_matters: another seed, other bootstrap figures");
    free(j4);
    vt_eval_privacy_free(r4);
  }
  CHECK(json_num(j, "measured") == 1 && json_num(j, "members") == 2000, "json_parses: the JSON parses (members %g)",
        json_num(j, "members"));
  free(j);
  vt_eval_privacy_free(r);
  vt_eval_privacy_free(r2);
  vt_eval_privacy_free(r3);
  vt_ecohort_free(train);
  vt_ecohort_free(hold);
  vt_ecohort_free(syn);
}

static void test_not_measured(void) {
  vt_ecohort *train = gen("train", 21, 400), *syn = gen("syn", 23, 800);
  char err[256] = "";
  vt_eval_privacy *r = NULL;
  vt_eval_ctx cx = ctx(syn, NULL, NULL, 1, 1);
  CHECK(vt_eval_privacy_run(&cx, &r, err, sizeof err) == 0 && r, "no_real_run: runs without real data");
  if (r) {
    vt_eval_verdict v;
    vt_eval_privacy_verdict(r, &v);
    CHECK(v.level == VT_EVAL_NOT_MEASURED && isnan(v.value), "no_real_verdict: not measured (%s)", v.text);
    char *j = json_of(r);
    CHECK(json_num(j, "measured") == 0, "no_real_json: measured false, and it parses");
    int rc;
    char *h = html_of(r, &rc);
    CHECK(rc == 0 && html_closes(h) && strstr(h, "needs --real"), "no_real_html: says why, and closes");
    free(h);
    free(j);
    vt_eval_privacy_free(r);
  }
  r = NULL;
  cx = ctx(syn, train, NULL, 1, 2);
  CHECK(vt_eval_privacy_run(&cx, &r, err, sizeof err) == 0 && r, "no_holdout_run: runs without a holdout");
  if (r) {
    vt_eval_verdict v;
    vt_eval_privacy_verdict(r, &v);
    CHECK(v.level == VT_EVAL_NOT_MEASURED && strstr(v.text, "--holdout"), "no_holdout_verdict: needs --holdout (%s)",
          v.text);
    char *j = json_of(r);
    CHECK(isnan(json_num(j, "mia.distance.auroc")) && !isnan(json_num(j, "copies.exact_train")) &&
              !isnan(json_num(j, "dcr.median_train")) && isnan(json_num(j, "dcr.median_holdout")),
          "no_holdout_json: copies and DCR against training measured, the attacks null");
    int rc;
    char *h = html_of(r, &rc);
    CHECK(rc == 0 && html_closes(h) && strstr(h, "Needs --holdout"), "no_holdout_html: says needs --holdout, closes");
    CHECK(json_num(j, "ledger.present") == 0, "no_ledger: a hand-built cohort has no ledger");
    free(h);
    free(j);
    vt_eval_privacy_free(r);
  }
  vt_ecohort_free(train);
  vt_ecohort_free(syn);
}

/* A vitae database with a privacy_ledger: its total is reported. */
static void test_ledger(void) {
  char path[] = "/tmp/vt_privacy_ledger_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0, "ledger_tmpfile: a temporary database");
  if (fd < 0) return;
  close(fd);
  sqlite3 *db;
  sqlite3_open(path, &db);
  sqlite3_exec(db,
               "CREATE TABLE privacy_ledger (measurement TEXT NOT NULL, mechanism TEXT NOT NULL, sensitivity REAL,"
               " sigma REAL, rho REAL, epsilon REAL, delta REAL, params_file TEXT);"
               "INSERT INTO privacy_ledger VALUES ('prevalence', 'discrete_gaussian', 1, 10, 0.005, 0.6, 1e-6, 'p.yaml');"
               "INSERT INTO privacy_ledger VALUES ('onset', 'discrete_gaussian', 1, 10, 0.005, 0.6, 1e-6, 'p.yaml');"
               "INSERT INTO privacy_ledger VALUES ('total', 'zcdp', NULL, NULL, 0.01, 0.9, 1e-6, 'p.yaml');",
               NULL, NULL, NULL);
  sqlite3_close(db);
  vt_ecohort *train = gen("train", 31, 300), *syn = gen(path, 33, 300);
  snprintf(syn->kind, sizeof syn->kind, "vitae");
  vt_eval_ctx cx = ctx(syn, train, NULL, 1, 1);
  vt_eval_privacy *r = NULL;
  char err[256] = "";
  CHECK(vt_eval_privacy_run(&cx, &r, err, sizeof err) == 0 && r, "ledger_run");
  if (r) {
    char *j = json_of(r);
    CHECK(json_num(j, "ledger.present") == 1 && json_num(j, "ledger.epsilon") == 0.9 &&
              json_num(j, "ledger.delta") == 1e-6 && json_num(j, "ledger.measurements") == 2,
          "ledger_read: present, epsilon 0.9, delta 1e-6, 2 measurements");
    free(j);
    vt_eval_privacy_free(r);
  }
  unlink(path);
  vt_ecohort_free(train);
  vt_ecohort_free(syn);
}

int main(void) {
  test_ledger();
  test_wilson_and_risk();
  test_copy_is_caught();
  test_independent_and_determinism();
  test_not_measured();
  return test_done();
}
