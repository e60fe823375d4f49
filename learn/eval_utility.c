/*
** eval_utility.c -- the utility area of `vitae eval` (learn/eval.h; the
** method in docs/eval.md, "Utility"; the JSON keys in schemas/eval.md):
** train on synthetic, test on real (TSTR) against train on real, test on
** real (TRTR), for two person-period prediction tasks:
**
**   death_5y   death within 5 years (1826 days) of an index age
**   onset_5y   onset of a chronic condition within 5 years of an index age
**
** One row per person and index age A in 40, 45, ..., 80 whose A-th
** birthday lies in the person's observation and before any death; a row
** whose observation ends within the 5 years without the outcome is
** censored and left out.  The features (sex, age, the 40 codes most often
** present before the index among the real training rows) are chosen from
** the real training data only; a logistic regression (learn/eval_stats.h,
** LAPACKE) is fitted on the real training rows (TRTR) and on the synthetic
** rows (TSTR) and both are scored on the same real test rows: the holdout,
** or without one a seeded 30% of the real persons.
*/
#include "learn/eval.h"

#include <cblas.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn/eval_stats.h"
#include "learn/eval_svg.h"
#include "sim/strbuf.h"
#include "sim/vtime.h"

#define UT_AGE_FIRST 40
#define UT_AGE_LAST 80
#define UT_AGE_STEP 5
#define UT_NAGES ((UT_AGE_LAST - UT_AGE_FIRST) / UT_AGE_STEP + 1)
#define UT_HORIZON 1826          /* 5 years, in days */
#define UT_NCODES 40             /* code indicators among the features */
#define UT_LAMBDA 1e-3           /* L2 penalty on the slopes */
#define UT_REPS 200              /* bootstrap resamples of the AUROC */
#define UT_MIN_CLASS 10          /* rows of each class needed on every side */
#define UT_MIN_ONSETS 30         /* a listed chronic condition is used with this many onsets */
#define UT_TRAIN_SHARE 0.7       /* the real persons' split without a holdout */

/* The public list of chronic conditions the onset task picks from, in
** order (SNOMED CT; sources in docs/eval.md, "Utility"). */
static const struct { const char *code, *name; } chronic[] = {
  { "59621000", "essential hypertension" },
  { "38341003", "hypertensive disorder" },
  { "44054006", "diabetes mellitus type 2" },
  { "55822004", "hyperlipidemia" },
  { "431855005", "chronic kidney disease stage 1" },
  { "433144002", "chronic kidney disease stage 3" },
  { "13645005", "chronic obstructive lung disease" },
  { "195967001", "asthma" },
  { "49436004", "atrial fibrillation" },
  { "53741008", "coronary arteriosclerosis" },
  { "396275006", "osteoarthritis" },
  { "239873007", "osteoarthritis of knee" },
};
#define UT_NCHRONIC (sizeof chronic / sizeof chronic[0])

typedef struct ut_model { double auroc, lo, hi; } ut_model;

typedef struct ut_task {
  const char *name, *description;
  long target;                   /* code index; -1: death */
  char target_code[96], target_label[256];
  const char *target_source;     /* "--target", "chronic list", "most onsets", NULL */
  size_t n_train_real, n_train_synth, n_test;
  size_t pos_train_real, pos_train_synth, pos_test;
  int k;                         /* features */
  char **features;               /* k names */
  ut_model trtr, tstr;
  double ratio, difference;
  int measured;
  char reason[200];
} ut_task;

struct vt_eval_utility {
  int measured;
  char reason[200];
  const char *test_set;
  int ntasks;
  ut_task tasks[2];
};

/* ---- rows -------------------------------------------------------------- */

typedef struct ut_rows {
  size_t n, cap, pos;
  uint32_t *person;
  vt_day *bday;
  uint8_t *age;
  uint8_t *y;
} ut_rows;

static void rows_free(ut_rows *r) {
  free(r->person); free(r->bday); free(r->age); free(r->y);
  memset(r, 0, sizeof *r);
}

static int rows_push(ut_rows *r, uint32_t person, vt_day bday, int age, int y) {
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 1024;
    uint32_t *p = realloc(r->person, cap * sizeof *p);
    if (!p) return -1;
    r->person = p;
    vt_day *b = realloc(r->bday, cap * sizeof *b);
    if (!b) return -1;
    r->bday = b;
    uint8_t *a = realloc(r->age, cap), *yy;
    if (!a) return -1;
    r->age = a;
    if (!(yy = realloc(r->y, cap))) return -1;
    r->y = yy;
    r->cap = cap;
  }
  r->person[r->n] = person;
  r->bday[r->n] = bday;
  r->age[r->n] = (uint8_t)age;
  r->y[r->n] = (uint8_t)(y != 0);
  r->n++;
  r->pos += y != 0;
  return 0;
}

/* The day of the age-th birthday of a person born on birth (29 February
** falls on 28 February in other years). */
static vt_day birthday(vt_day birth, int age) {
  int y, m, d;
  vt_civil_from_days(birth, &y, &m, &d);
  y += age;
  int dim = vt_days_in_month(y, m);
  if (d > dim) d = dim;
  return (vt_day)vt_days_from_civil(y, m, d);
}

/* The index birthdays of p that open a row (in its observation, before any
** death), into bd[]; how many. */
static int index_days(const vt_eperson *p, vt_day *bd, int *ages) {
  if (p->birth == VT_NO_DAY || p->obs_start == VT_NO_DAY || p->obs_end == VT_NO_DAY) return 0;
  int n = 0;
  for (int a = UT_AGE_FIRST; a <= UT_AGE_LAST; a += UT_AGE_STEP) {
    vt_day b = birthday(p->birth, a);
    if (b < p->obs_start || b > p->obs_end) continue;
    if (p->death != VT_NO_DAY && p->death <= b) continue;
    bd[n] = b;
    ages[n] = a;
    n++;
  }
  return n;
}

/* The rows of the persons i of c with part[i] == want (part NULL: all) for
** the task of target (-1: death), into r.  0, or -1 (memory). */
static int build_rows(const vt_ecohort *c, const uint8_t *part, uint8_t want, long target, ut_rows *r) {
  memset(r, 0, sizeof *r);
  for (size_t i = 0; i < c->n; i++) {
    if (part && part[i] != want) continue;
    const vt_eperson *p = &c->persons[i];
    vt_day bd[UT_NAGES];
    int ages[UT_NAGES];
    int nb = index_days(p, bd, ages);
    if (!nb) continue;
    const vt_euse *tu = target >= 0 ? vt_ecohort_find_use(c, p, (uint32_t)target) : NULL;
    for (int j = 0; j < nb; j++) {
      vt_day b = bd[j], end = b + UT_HORIZON;
      int y;
      if (target < 0) {
        y = p->death != VT_NO_DAY && p->death > b && p->death <= end;
      } else {
        if (tu && tu->first <= b) continue;          /* had it already */
        y = tu && tu->first <= end;
      }
      if (!y && p->obs_end < end) continue;          /* censored */
      if (rows_push(r, (uint32_t)i, b, ages[j], y)) { rows_free(r); return -1; }
    }
  }
  return 0;
}

/* Onset rows of every code among the persons of c with part[i] == want:
** cnt[code] += rows whose 5 years see the code's first day (domain
** condition only). */
static void count_onsets(const vt_ecohort *c, const vt_ecodes *codes, const uint8_t *part, uint8_t want,
                         size_t *cnt) {
  for (size_t i = 0; i < c->n; i++) {
    if (part && part[i] != want) continue;
    const vt_eperson *p = &c->persons[i];
    vt_day bd[UT_NAGES];
    int ages[UT_NAGES];
    int nb = index_days(p, bd, ages);
    if (!nb) continue;
    const vt_euse *u = vt_ecohort_uses(c, p);
    for (uint32_t k = 0; k < p->nuse; k++) {
      if (codes->domain[u[k].code] != VT_DOMAIN_CONDITION) continue;
      for (int j = 0; j < nb; j++)
        if (u[k].first > bd[j] && u[k].first <= bd[j] + UT_HORIZON) cnt[u[k].code]++;
    }
  }
}

/* ---- the helpers of a run ------------------------------------------------ */

static uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/* The design matrix of rows r of cohort c: n x (2 + ncol) (sex, age,
** indicators of the codes col[] maps to columns), or NULL (memory). */
static double *design(const vt_ecohort *c, const ut_rows *r, const int32_t *col, int k) {
  double *x = calloc(r->n ? r->n * (size_t)k : 1, sizeof *x);
  if (!x) return NULL;
  for (size_t i = 0; i < r->n; i++) {
    const vt_eperson *p = &c->persons[r->person[i]];
    double *row = x + i * (size_t)k;
    row[0] = p->sex == 'F';
    row[1] = ((double)r->age[i] - 60.0) / 10.0;
    const vt_euse *u = vt_ecohort_uses(c, p);
    for (uint32_t j = 0; j < p->nuse && u[j].first <= r->bday[i]; j++)
      if (col[u[j].code] >= 0) row[2 + col[u[j].code]] = 1;
  }
  return x;
}

/* The linear predictor of every row of x (n x k) under m: a ranking score. */
static void score_rows(const vt_logit *m, const double *x, size_t n, int k, double *s) {
  for (size_t i = 0; i < n; i++) s[i] = m->beta[0];
  if (n && k) cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, k, 1.0, x, k, m->beta + 1, 1, 1.0, s, 1);
}

/* Why a side's rows cannot be used (0: they can). */
static int too_few(const ut_rows *r, const char *outcome, const char *side, char *reason, size_t len) {
  if (r->pos < UT_MIN_CLASS) {
    snprintf(reason, len, "only %zu %s in the %s rows (%d needed)", r->pos, outcome, side, UT_MIN_CLASS);
    return 1;
  }
  if (r->n - r->pos < UT_MIN_CLASS) {
    snprintf(reason, len, "only %zu rows without %s in the %s rows (%d needed)", r->n - r->pos, outcome, side,
             UT_MIN_CLASS);
    return 1;
  }
  return 0;
}

/* Fit on (x, r) and score the test rows: the model's AUROC and interval. */
static int fit_score(const double *x, const ut_rows *r, const double *xt, const ut_rows *rt, int k, uint64_t seed,
                     double *s, ut_model *out) {
  vt_logit m;
  if (vt_logit_fit(x, r->y, r->n, k, UT_LAMBDA, &m)) return -1;
  score_rows(&m, xt, rt->n, k, s);
  vt_logit_free(&m);
  out->auroc = vt_auroc(s, rt->y, rt->n);
  if (vt_auroc_ci(s, rt->y, rt->n, UT_REPS, 0.95, seed, &out->lo, &out->hi)) out->lo = out->hi = NAN;
  return 0;
}

typedef struct ut_sides {
  const vt_ecohort *train, *test, *synth;
  const uint8_t *part;           /* real persons: 0 train, 1 test; NULL with a holdout */
  const vt_ecodes *codes;
} ut_sides;

/* Run one task (its name, description and target set). */
static int run_task(const ut_sides *sd, uint64_t seed, int ti, ut_task *t, char *err, size_t errlen) {
  ut_rows rr = { 0 }, rs = { 0 }, rt = { 0 };
  double *xr = NULL, *xs = NULL, *xt = NULL, *s = NULL;
  size_t *cnt = NULL;
  int32_t *col = NULL;
  int rc = -1;
  t->trtr.auroc = t->trtr.lo = t->trtr.hi = NAN;
  t->tstr = t->trtr;
  t->ratio = t->difference = NAN;
  const char *outcome = t->target < 0 ? "deaths" : "onsets";
  if (build_rows(sd->train, sd->part, 0, t->target, &rr) ||
      build_rows(sd->synth, NULL, 0, t->target, &rs) ||
      build_rows(sd->test, sd->part, sd->part ? 1 : 0, t->target, &rt))
    goto oom;
  t->n_train_real = rr.n; t->pos_train_real = rr.pos;
  t->n_train_synth = rs.n; t->pos_train_synth = rs.pos;
  t->n_test = rt.n; t->pos_test = rt.pos;

  /* the features, from the real training rows */
  size_t nc = sd->codes->n;
  cnt = calloc(nc ? nc : 1, sizeof *cnt);
  col = malloc((nc ? nc : 1) * sizeof *col);
  if (!cnt || !col) goto oom;
  for (size_t i = 0; i < rr.n; i++) {
    const vt_eperson *p = &sd->train->persons[rr.person[i]];
    const vt_euse *u = vt_ecohort_uses(sd->train, p);
    for (uint32_t j = 0; j < p->nuse && u[j].first <= rr.bday[i]; j++) cnt[u[j].code]++;
  }
  if (t->target >= 0) cnt[t->target] = 0;
  for (size_t c = 0; c < nc; c++) col[c] = -1;
  int ncode = 0;
  t->features = vt_xcalloc(2 + UT_NCODES, sizeof *t->features);
  t->features[0] = vt_xstrdup("sex_female");
  t->features[1] = vt_xstrdup("age_minus_60_per_10");
  while (ncode < UT_NCODES) {
    size_t best = nc;
    for (size_t c = 0; c < nc; c++)
      if (cnt[c] && col[c] < 0 && (best == nc || cnt[c] > cnt[best])) best = c;
    if (best == nc) break;
    col[best] = ncode;
    char key[160];
    vt_ecodes_key(sd->codes, best, key, sizeof key);
    t->features[2 + ncode] = vt_xstrdup(key);
    ncode++;
  }
  int k = 2 + ncode;
  t->k = k;

  if (too_few(&rr, outcome, "real training", t->reason, sizeof t->reason) ||
      too_few(&rs, outcome, "synthetic", t->reason, sizeof t->reason) ||
      too_few(&rt, outcome, sd->part ? "real test" : "holdout", t->reason, sizeof t->reason)) {
    rc = 0;
    goto done;
  }
  if (!(xr = design(sd->train, &rr, col, k)) || !(xs = design(sd->synth, &rs, col, k)) ||
      !(xt = design(sd->test, &rt, col, k)) || !(s = malloc(rt.n * sizeof *s)))
    goto oom;
  if (fit_score(xr, &rr, xt, &rt, k, mix64(seed ^ (0x7574696cULL + (uint64_t)ti * 2)), s, &t->trtr)) {
    snprintf(err, errlen, "utility: task %s: the logistic regression on the real training rows failed", t->name);
    goto done;
  }
  if (fit_score(xs, &rs, xt, &rt, k, mix64(seed ^ (0x7574696cULL + (uint64_t)ti * 2 + 1)), s, &t->tstr)) {
    snprintf(err, errlen, "utility: task %s: the logistic regression on the synthetic rows failed", t->name);
    goto done;
  }
  t->ratio = t->tstr.auroc / t->trtr.auroc;
  t->difference = t->tstr.auroc - t->trtr.auroc;
  t->measured = 1;
  t->reason[0] = 0;
  rc = 0;
  goto done;
oom:
  snprintf(err, errlen, "utility: task %s: out of memory", t->name);
done:
  rows_free(&rr); rows_free(&rs); rows_free(&rt);
  free(xr); free(xs); free(xt); free(s); free(cnt); free(col);
  return rc;
}

/* Parse --target "SYSTEM:CODE" into its code index. */
static long find_target(const vt_ecodes *codes, const char *target, char *err, size_t errlen) {
  const char *colon = strchr(target, ':');
  if (!colon || colon == target || !colon[1]) {
    snprintf(err, errlen, "--target %s: expected SYSTEM:CODE, as SNOMED:44054006", target);
    return -1;
  }
  char sys[64];
  size_t ls = (size_t)(colon - target);
  if (ls >= sizeof sys) ls = sizeof sys - 1;
  memcpy(sys, target, ls);
  sys[ls] = 0;
  long k = vt_ecodes_find(codes, sys, colon + 1);
  if (k < 0)
    snprintf(err, errlen, "--target %s: no such code in the cohorts (neither the synthetic nor the real data has it)",
             target);
  return k;
}

int vt_eval_utility_run(const vt_eval_ctx *cx, vt_eval_utility **out, char *err, size_t errlen) {
  *out = NULL;
  long given = -1;
  if (cx->target && (given = find_target(cx->codes, cx->target, err, errlen)) < 0) return -1;
  vt_eval_utility *r = vt_xcalloc(1, sizeof *r);
  if (!cx->real) {
    snprintf(r->reason, sizeof r->reason,
             "no real data was given: training on real data (TRTR), the yardstick, needs it");
    *out = r;
    return 0;
  }
  r->measured = 1;
  uint8_t *part = NULL;
  ut_sides sd = { cx->real, cx->holdout, cx->synth, NULL, cx->codes };
  if (cx->holdout) {
    r->test_set = "holdout";
  } else {
    r->test_set = "split of real 30%";
    part = vt_xmalloc(cx->real->n ? cx->real->n : 1);
    uint64_t salt = mix64(cx->seed ^ 0x73706c6974ULL);
    for (size_t i = 0; i < cx->real->n; i++)
      part[i] = (double)(mix64(salt ^ (uint64_t)i) >> 11) * 0x1.0p-53 < UT_TRAIN_SHARE ? 0 : 1;
    sd.test = cx->real;
    sd.part = part;
  }

  /* task 1: death */
  ut_task *t = &r->tasks[0];
  t->name = "death_5y";
  t->description = "death within 5 years of an index age";
  t->target = -1;
  vt_eval_progress(cx, "utility: death within 5 years (TRTR, TSTR)");
  if (run_task(&sd, cx->seed, 0, t, err, errlen)) goto fail;
  r->ntasks = 1;

  /* task 2: onset of a chronic condition */
  t = &r->tasks[1];
  t->name = "onset_5y";
  t->description = "onset of a chronic condition within 5 years of an index age";
  t->target = -1;
  if (given >= 0) {
    t->target = given;
    t->target_source = "--target";
  } else {
    for (size_t c = 0; c < UT_NCHRONIC && t->target < 0; c++) {
      long k = vt_ecodes_find(cx->codes, "SNOMED", chronic[c].code);
      if (k < 0) continue;
      ut_rows a, b;
      if (build_rows(cx->real, part, 0, k, &a)) goto oom;
      size_t pa = a.pos;
      rows_free(&a);
      if (pa < UT_MIN_ONSETS) continue;
      if (build_rows(cx->synth, NULL, 0, k, &b)) goto oom;
      size_t pb = b.pos;
      rows_free(&b);
      if (pb < UT_MIN_ONSETS) continue;
      t->target = k;
      t->target_source = "chronic list";
    }
    if (t->target < 0) {
      size_t nc = cx->codes->n;
      size_t *cr = calloc(nc ? nc : 1, sizeof *cr), *cs = calloc(nc ? nc : 1, sizeof *cs);
      if (!cr || !cs) { free(cr); free(cs); goto oom; }
      count_onsets(cx->real, cx->codes, part, 0, cr);
      for (size_t i = 0; i < cx->synth->n; i++) {     /* present in the synthetic data */
        const vt_eperson *p = &cx->synth->persons[i];
        const vt_euse *u = vt_ecohort_uses(cx->synth, p);
        for (uint32_t j = 0; j < p->nuse; j++) cs[u[j].code] = 1;
      }
      size_t best = nc;
      for (size_t c = 0; c < nc; c++)
        if (cs[c] && cr[c] && (best == nc || cr[c] > cr[best])) best = c;
      if (best < nc) { t->target = (long)best; t->target_source = "most onsets"; }
      free(cr);
      free(cs);
    }
  }
  if (t->target >= 0) {
    vt_ecodes_key(cx->codes, (size_t)t->target, t->target_code, sizeof t->target_code);
    const char *lab = vt_ecodes_label(cx->codes, (size_t)t->target, t->target_label, sizeof t->target_label);
    if (lab != t->target_label) snprintf(t->target_label, sizeof t->target_label, "%s", lab);
    vt_eval_progress(cx, "utility: onset of %s within 5 years (TRTR, TSTR)", t->target_code);
    if (run_task(&sd, cx->seed, 1, t, err, errlen)) goto fail;
  } else {
    t->trtr.auroc = t->trtr.lo = t->trtr.hi = NAN;
    t->tstr = t->trtr;
    t->ratio = t->difference = NAN;
    snprintf(t->reason, sizeof t->reason, "no condition has an onset in the real training rows");
  }
  r->ntasks = 2;
  free(part);
  *out = r;
  return 0;
oom:
  snprintf(err, errlen, "utility: out of memory");
fail:
  free(part);
  vt_eval_utility_free(r);
  return -1;
}

/* ---- verdict, JSON, HTML ------------------------------------------------ */

/* The smallest ratio over the measured tasks (NAN: none), and its task. */
static double min_ratio(const vt_eval_utility *r, const ut_task **which) {
  double m = NAN;
  *which = NULL;
  for (int i = 0; i < r->ntasks; i++) {
    const ut_task *t = &r->tasks[i];
    if (t->measured && t->ratio == t->ratio && !(m <= t->ratio)) { m = t->ratio; *which = t; }
  }
  return m;
}

void vt_eval_utility_verdict(const vt_eval_utility *r, vt_eval_verdict *v) {
  memset(v, 0, sizeof *v);
  snprintf(v->metric, sizeof v->metric, "TSTR/TRTR AUROC");
  const ut_task *t;
  double m = r ? min_ratio(r, &t) : NAN;
  v->value = m;
  if (m != m) {
    v->level = VT_EVAL_NOT_MEASURED;
    snprintf(v->verdict, sizeof v->verdict, "not measured");
    snprintf(v->text, sizeof v->text, "Utility was not measured: %s.",
             !r ? "no result" : !r->measured ? r->reason
             : r->ntasks && r->tasks[0].reason[0] ? r->tasks[0].reason : "no task had enough rows");
    return;
  }
  if (m >= 0.95) {
    v->level = VT_EVAL_GOOD;
    snprintf(v->verdict, sizeof v->verdict, "as useful as the real data");
  } else if (m >= 0.85) {
    v->level = VT_EVAL_CAUTION;
    snprintf(v->verdict, sizeof v->verdict, "somewhat less useful than the real data");
  } else {
    v->level = VT_EVAL_POOR;
    snprintf(v->verdict, sizeof v->verdict, "much less useful than the real data");
  }
  snprintf(v->text, sizeof v->text,
           "A model trained on the synthetic cohort ranks real patients with %.0f%% of the AUROC of one trained on "
           "real data (worst task: %s); %s",
           100 * m, t->description,
           v->level == VT_EVAL_GOOD ? "analyses of these tasks should carry over."
           : v->level == VT_EVAL_CAUTION ? "check findings on real data before relying on them."
                                         : "models fitted on it will not carry over to real patients.");
}

static void json_model(vt_jsonw *w, const char *key, const ut_model *m) {
  vt_jw_key(w, key);
  vt_jw_obj(w, 1);
  vt_jw_kreal(w, "auroc", m->auroc);
  vt_jw_kreal(w, "ci_low", m->lo);
  vt_jw_kreal(w, "ci_high", m->hi);
  vt_jw_end(w);
}

void vt_eval_utility_json(const vt_eval_utility *r, vt_jsonw *w) {
  vt_jw_kbool(w, "measured", r->measured);
  if (!r->measured) {
    vt_jw_kstr(w, "reason", r->reason);
    return;
  }
  vt_jw_kstr(w, "test_set", r->test_set);
  vt_jw_kreal(w, "lambda", UT_LAMBDA);
  vt_jw_kint(w, "bootstrap_resamples", UT_REPS);
  const ut_task *wt;
  vt_jw_kreal(w, "min_ratio", min_ratio(r, &wt));
  vt_jw_key(w, "tasks");
  vt_jw_arr(w, 0);
  for (int i = 0; i < r->ntasks; i++) {
    const ut_task *t = &r->tasks[i];
    vt_jw_obj(w, 0);
    vt_jw_kstr(w, "name", t->name);
    vt_jw_kstr(w, "description", t->description);
    vt_jw_kstr(w, "target_code", t->target >= 0 ? t->target_code : NULL);
    vt_jw_kstr(w, "target_label", t->target >= 0 ? t->target_label : NULL);
    vt_jw_kstr(w, "target_source", t->target_source);
    vt_jw_key(w, "index_ages");
    vt_jw_arr(w, 1);
    for (int a = UT_AGE_FIRST; a <= UT_AGE_LAST; a += UT_AGE_STEP) vt_jw_int(w, a);
    vt_jw_end(w);
    vt_jw_kint(w, "horizon_days", UT_HORIZON);
    vt_jw_kint(w, "n_train_real", (int64_t)t->n_train_real);
    vt_jw_kint(w, "n_train_synth", (int64_t)t->n_train_synth);
    vt_jw_kint(w, "n_test", (int64_t)t->n_test);
    vt_jw_kint(w, "positives_train_real", (int64_t)t->pos_train_real);
    vt_jw_kint(w, "positives_train_synth", (int64_t)t->pos_train_synth);
    vt_jw_kint(w, "positives_test", (int64_t)t->pos_test);
    vt_jw_key(w, "features");
    vt_jw_arr(w, 1);
    for (int j = 0; j < t->k; j++) vt_jw_str(w, t->features[j]);
    vt_jw_end(w);
    json_model(w, "trtr", &t->trtr);
    json_model(w, "tstr", &t->tstr);
    vt_jw_kreal(w, "ratio", t->ratio);
    vt_jw_kreal(w, "difference", t->difference);
    vt_jw_kbool(w, "measured", t->measured);
    vt_jw_kstr(w, "reason", t->measured ? NULL : t->reason);
    vt_jw_end(w);
  }
  vt_jw_end(w);
}

static void html_auroc(FILE *f, const ut_model *m) {
  if (m->auroc != m->auroc) { fputs("<td class=\"num\">&#8211;</td>", f); return; }
  if (m->lo == m->lo) fprintf(f, "<td class=\"num\">%.3f (%.3f&#8211;%.3f)</td>", m->auroc, m->lo, m->hi);
  else fprintf(f, "<td class=\"num\">%.3f</td>", m->auroc);
}

int vt_eval_utility_html(const vt_eval_utility *r, FILE *f) {
  vt_eval_verdict v;
  vt_eval_utility_verdict(r, &v);
  static const char *badge[] = { "good", "caution", "poor" };
  fputs("<section id=\"utility\">\n<h2>Utility: train on synthetic, test on real</h2>\n", f);
  fprintf(f, "<p><span class=\"badge %s\">", v.level == VT_EVAL_NOT_MEASURED ? "na" : badge[v.level]);
  vt_eval_html_text(f, v.verdict);
  fputs("</span> ", f);
  vt_eval_html_text(f, v.text);
  fputs("</p>\n", f);
  fputs("<p>Would a model built on the synthetic cohort work on real patients? For each task below, the same "
        "logistic regression is trained twice: once on the real training data (TRTR, the yardstick) and once on "
        "the synthetic cohort (TSTR), and both are tested on the same real patients that neither saw. The AUROC "
        "is the chance that the model ranks a patient who had the outcome above one who did not (0.5 is a coin, "
        "1 is perfect). A ratio TSTR/TRTR near 1 means the synthetic data is as useful as the real data for "
        "this task; 0.95 or more is good, 0.85 to 0.95 calls for caution, below 0.85 is poor.</p>\n", f);
  if (!r->measured) {
    fputs("<p class=\"note\">Not measured: ", f);
    vt_eval_html_text(f, r->reason);
    fputs(". Give the real data (and ideally a holdout) to measure utility.</p>\n</section>\n", f);
    return ferror(f) ? -1 : 0;
  }
  fprintf(f, "<p>Test set: %s. One row per person and index age (40, 45, &#8230;, 80) inside the person's "
             "observation; rows whose observation ends within the 5 years without the outcome are left out. "
             "Features: sex, age and the %d codes most often present before the index in the real training "
             "data.</p>\n",
          strcmp(r->test_set, "holdout") == 0 ? "the holdout (real patients not used for training)"
                                              : "30% of the real patients, set aside by a seeded draw (no holdout "
                                                "was given)",
          UT_NCODES);
  fputs("<table class=\"figures\">\n<tr><th>Task</th><th>Rows: real train / synthetic / test</th>"
        "<th>Outcomes: real train / synthetic / test</th><th>TRTR AUROC (95% CI)</th>"
        "<th>TSTR AUROC (95% CI)</th><th>TSTR/TRTR</th><th>Difference</th></tr>\n", f);
  for (int i = 0; i < r->ntasks; i++) {
    const ut_task *t = &r->tasks[i];
    fputs("<tr><td>", f);
    vt_eval_html_text(f, t->description);
    if (t->target >= 0) {
      fputs(": ", f);
      vt_eval_html_text(f, t->target_label);
      fputs(" (", f);
      vt_eval_html_text(f, t->target_code);
      fputs(")", f);
    }
    fprintf(f, "</td><td class=\"num\">%zu / %zu / %zu</td><td class=\"num\">%zu / %zu / %zu</td>", t->n_train_real,
            t->n_train_synth, t->n_test, t->pos_train_real, t->pos_train_synth, t->pos_test);
    html_auroc(f, &t->trtr);
    html_auroc(f, &t->tstr);
    if (t->measured) fprintf(f, "<td class=\"num\">%.3f</td><td class=\"num\">%+.3f</td></tr>\n", t->ratio, t->difference);
    else {
      fputs("<td colspan=\"2\">not measured: ", f);
      vt_eval_html_text(f, t->reason);
      fputs("</td></tr>\n", f);
    }
  }
  fputs("</table>\n", f);
  double a[2], b[2];
  const char *lab[2];
  size_t n = 0;
  for (int i = 0; i < r->ntasks; i++) {
    const ut_task *t = &r->tasks[i];
    if (!t->measured) continue;
    a[n] = t->trtr.auroc;
    b[n] = t->tstr.auroc;
    lab[n] = t->target >= 0 ? "onset within 5 years" : "death within 5 years";
    n++;
  }
  if (n) {
    vt_svg_series s[2] = { { "TRTR (trained on real)", "#1f77b4", NULL, a, n },
                           { "TSTR (trained on synthetic)", "#ff7f0e", NULL, b, n } };
    fputs("<figure class=\"plot\">\n", f);
    if (vt_svg_bars(f, "AUROC on real test patients", lab, n, s, 2)) return -1;
    fputs("<figcaption>AUROC of each task's model trained on real data (TRTR) and on the synthetic cohort (TSTR), "
          "tested on the same real patients; 0.5 is chance.</figcaption>\n</figure>\n", f);
  }
  fputs("</section>\n", f);
  return ferror(f) ? -1 : 0;
}

void vt_eval_utility_free(vt_eval_utility *r) {
  if (!r) return;
  for (int i = 0; i < 2; i++) {
    ut_task *t = &r->tasks[i];
    if (t->features)
      for (int j = 0; j < 2 + UT_NCODES; j++) free(t->features[j]);
    free(t->features);
  }
  free(r);
}
