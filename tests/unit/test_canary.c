/*
** test_canary.c -- the one-run canary audit of the workload release
** (Steinke, Nasr, Jagielski 2023, "Privacy auditing with one (1) training
** run"; docs/privacy.md, "Canary audit"): m canary patients, each with its
** own K codes, are each put into a base cohort with probability 1/2; the
** cohort is measured (vt_measure_person) and released once
** (vt_release_run, epsilon 1, delta 1e-6); the auditor scores every canary
** from the released values, guesses "in" for the R/2 highest scores and
** "out" for the R/2 lowest (abstaining on the rest), and turns the number
** of correct guesses into an empirical epsilon lower bound at 95%
** confidence.  The real release must stay below its nominal epsilon; a
** test-only release whose declared Delta^2 is divided by WRONG_FACTOR
** (sigma too small by sqrt(WRONG_FACTOR)) must be caught above it.  The
** noise comes from the deterministic stream of tests/unit/dp_stream.h, so
** the figures are the same on every run.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/dp_account.h"
#include "learn/measure.h"
#include "learn/release.h"
#include "learn/workload.h"
#include "sim/vtime.h"
#include "tests/unit/dp_stream.h"
#include "tests/unit/test.h"

#define M_CANARIES 500        /* canary patients */
#define N_GUESS 100           /* guesses: 50 "in" (highest scores), 50 "out" (lowest), fixed in advance */
#define N_BASE 200            /* base patients (never canaries) */
#define N_BASE_CODES 10
#define WRONG_FACTOR 100      /* the test-only release declares Delta^2 / WRONG_FACTOR */
#define CONFIDENCE_BETA 0.05  /* 95% confidence */
#define EPS 1.0
#define DELTA 1e-6

/* log P[Binomial(n, p) >= k]. */
static double log_binom_tail(int n, int k, double p) {
  double terms[N_GUESS + 1], mx = -INFINITY;
  int nt = 0;
  for (int j = k; j <= n; j++) {
    double t = lgamma(n + 1.0) - lgamma(j + 1.0) - lgamma(n - j + 1.0) + j * log(p) + (n - j) * log1p(-p);
    terms[nt++] = t;
    if (t > mx) mx = t;
  }
  if (nt == 0) return -INFINITY;
  double s = 0;
  for (int j = 0; j < nt; j++) s += exp(terms[j] - mx);
  return mx + log(s);
}

/* The empirical epsilon lower bound of `correct` right guesses out of r
** among m canaries at confidence 1 - beta (Steinke et al. 2023, Theorem
** 5.2: under (eps, delta)-DP, P[correct >= v] <= P[Binomial(r,
** e^eps / (1 + e^eps)) >= v] + 2 m delta, the delta term taken here as a
** conservative allowance): the largest eps the observation rejects, by
** bisection on [0, 20].  0 when no eps is rejected. */
static double eps_lower_bound(int r, int correct, int m, double delta, double beta) {
  double b = beta - 2.0 * m * delta;
  if (b <= 0) return 0;
  double lo = 0, hi = 20, lb = log(b);
  if (log_binom_tail(r, correct, 0.5) > lb) return 0;
  for (int it = 0; it < 200; it++) {
    double mid = (lo + hi) / 2, p = exp(mid) / (1 + exp(mid));
    if (log_binom_tail(r, correct, p) <= lb) lo = mid;   /* mid still rejected */
    else hi = mid;
  }
  return lo;
}

static char codebuf[M_CANARIES * VT_WL_K + N_BASE_CODES][16];

/* Canary i: F born 2000-01-01, observed from birth to 2012-12-31 (no
** washout), its K codes incident on days 1 .. K: K onsets and almost the
** whole window after each (the most a patient adds to the code blocks). */
static void canary_person(int i, vt_person *p, vt_period *per, vt_event *ev) {
  memset(p, 0, sizeof *p);
  p->id = "canary";
  p->sex = 'F';
  p->birth = (vt_day)vt_days_from_civil(2000, 1, 1);
  p->death = VT_NO_DAY;
  per->start = p->birth;
  per->end = (vt_day)vt_days_from_civil(2012, 12, 31);
  p->periods = per;
  p->nperiods = 1;
  for (int k = 0; k < VT_WL_K; k++) {
    ev[k] = (vt_event){ 0 };
    ev[k].system = "SNOMED";
    ev[k].code = codebuf[(size_t)i * VT_WL_K + (size_t)k];
    ev[k].start = (vt_day)(p->birth + 1 + k);
    ev[k].end = VT_NO_DAY;
  }
  p->events = ev;
  p->nevents = VT_WL_K;
}

/* Base patient j: a few base codes, various ages. */
static void base_person(int j, vt_person *p, vt_period *per, vt_event *ev) {
  memset(p, 0, sizeof *p);
  p->id = "base";
  p->sex = j % 2 ? 'M' : 'F';
  p->birth = (vt_day)vt_days_from_civil(1930 + j % 80, 1 + j % 12, 1);
  p->death = VT_NO_DAY;
  per->start = (vt_day)(p->birth + 365 * (j % 40));
  per->end = (vt_day)(per->start + 365 * 15);
  p->periods = per;
  p->nperiods = 1;
  p->nevents = 3;
  for (int k = 0; k < 3; k++) {
    ev[k] = (vt_event){ 0 };
    ev[k].system = "SNOMED";
    ev[k].code = codebuf[M_CANARIES * VT_WL_K + (size_t)((j + 3 * k) % N_BASE_CODES)];
    ev[k].start = (vt_day)(per->start + 400 + 700 * k + j);
    ev[k].end = VT_NO_DAY;
  }
  p->events = ev;
}

/* A test-only release that declares every block's Delta^2 divided by
** `factor` (the bug the audit must catch): the default weights' shares of
** rho, sigma2 from the wrong Delta^2, the production sampler.  noisy and
** sigma get vt_workload_size entries.  0, or -1. */
static int wrong_release(const vt_workload *wl, const int64_t *exact, int64_t factor, vt_dp_rng *rng, int64_t *noisy,
                         double *sigma) {
  char err[256];
  double rho = vt_dp_zcdp_rho(EPS, DELTA), wsum = 0;
  for (int b = 0; b < VT_WL_BLOCK__COUNT; b++)
    if (vt_workload_block_size(wl, (vt_wl_block)b)) wsum += vt_release_default_weights[b];
  for (int b = 0; b < VT_WL_BLOCK__COUNT; b++) {
    size_t off = vt_workload_block_offset(wl, (vt_wl_block)b), n = vt_workload_block_size(wl, (vt_wl_block)b);
    if (n == 0) continue;
    int64_t s2n, s2d;
    if (vt_dp_sigma2_for_rho(rho * vt_release_default_weights[b] / wsum, (int64_t)vt_workload_block_delta2(wl, (vt_wl_block)b),
                             factor, &s2n, &s2d, err, sizeof err) != 0 ||
        vt_dp_noise_counts(rng, exact + off, noisy + off, n, s2n, s2d, err, sizeof err) != 0) {
      printf("# wrong release: %s\n", err);
      return -1;
    }
    for (size_t i = 0; i < n; i++) sigma[off + i] = sqrt((double)s2n / (double)s2d);
  }
  return 0;
}

static int by_score_desc(const void *a, const void *b) {
  const double *x = a, *y = b;
  return x[0] < y[0] ? 1 : x[0] > y[0] ? -1 : (x[1] > y[1]) - (x[1] < y[1]);
}

/* A canary's own entries: its nonzero contribution to the code blocks
** (the entries of its own codes; the shared blocks identify no one). */
typedef struct sparse { size_t n, idx[4 * VT_WL_K * 4]; int64_t val[4 * VT_WL_K * 4]; } sparse;

/* Score each canary from the released vector (matched filter: the canary's
** own contribution c over the entries of its codes, weighted by 1/sigma^2),
** guess, and count the right guesses.  *correct out of N_GUESS. */
static void audit(const sparse *contrib, const int *in, const int64_t *noisy, const double *sigma, int *correct) {
  static double sc[M_CANARIES][2];
  for (int i = 0; i < M_CANARIES; i++) {
    double s = 0;
    for (size_t k = 0; k < contrib[i].n; k++) {
      size_t j = contrib[i].idx[k];
      s += (double)contrib[i].val[k] * (double)noisy[j] / (sigma[j] * sigma[j]);
    }
    sc[i][0] = s;
    sc[i][1] = i;
  }
  qsort(sc, M_CANARIES, sizeof sc[0], by_score_desc);
  *correct = 0;
  for (int g = 0; g < N_GUESS / 2; g++) {
    *correct += in[(int)sc[g][1]];                        /* guessed in */
    *correct += !in[(int)sc[M_CANARIES - 1 - g][1]];      /* guessed out */
  }
}

static void test_canary(void) {
  vt_workload wl;
  vt_workload_init(&wl);
  int ok = 1;
  for (int i = 0; i < M_CANARIES * VT_WL_K + N_BASE_CODES; i++) {
    if (i < M_CANARIES * VT_WL_K) snprintf(codebuf[i], sizeof codebuf[i], "9%d", i);   /* canary-only codes */
    else snprintf(codebuf[i], sizeof codebuf[i], "7%d", i);
    ok = ok && vt_workload_add(&wl, "SNOMED-CT", codebuf[i], VT_WL_CONDITION) == 0;
  }
  vt_codematch *m = ok ? vt_measure_matcher(&wl) : NULL;
  vt_measure *ms = m ? vt_measure_new(&wl, m) : NULL;
  size_t n = vt_workload_size(&wl);
  int64_t *exact = calloc(n, sizeof *exact), *noisy = calloc(n, sizeof *noisy);
  double *sigma = calloc(n, sizeof *sigma);
  int64_t *one = calloc(n, sizeof *one);
  static sparse contrib[M_CANARIES];
  static int in[M_CANARIES];
  CHECK(ms && exact && noisy && sigma && one, "canary workload: %d canaries x K = %d own codes, %zu statistics", M_CANARIES,
        VT_WL_K, n);
  if (!ms || !exact || !noisy || !sigma || !one) goto done;
  size_t code0 = vt_workload_block_offset(&wl, VT_WL_BLOCK_ONSET);
  vt_person p;
  vt_period per;
  vt_event ev[VT_WL_K];
  for (int j = 0; j < N_BASE; j++) { base_person(j, &p, &per, ev); vt_measure_person(ms, &p, exact, NULL); }
  xoshiro coin;
  xo_seed(&coin, 20231);
  int nin = 0;
  for (int i = 0; i < M_CANARIES; i++) {
    canary_person(i, &p, &per, ev);
    memset(one, 0, n * sizeof *one);
    vt_measure_person(ms, &p, one, NULL);   /* the canary's own contribution */
    for (size_t j = code0; j < n; j++)
      if (one[j]) {
        if (contrib[i].n == sizeof contrib[i].idx / sizeof *contrib[i].idx) { ok = 0; break; }
        contrib[i].idx[contrib[i].n] = j;
        contrib[i].val[contrib[i].n++] = one[j];
      }
    in[i] = (int)(xo_next(&coin) >> 63);
    if (in[i]) { vt_measure_person(ms, &p, exact, NULL); nin++; }
  }
  CHECK(ok, "%d of %d canaries inserted (probability 1/2)", nin, M_CANARIES);
  if (!ok) goto done;

  /* the real release */
  xoshiro x;
  vt_dp_rng rng;
  vt_release rel;
  char err[512] = "";
  xo_seed(&x, 7);
  vt_dp_rng_custom(&rng, xo_fill, &x);
  int rc = vt_release_run(&wl, exact, EPS, DELTA, &rng, &rel, err, sizeof err);
  CHECK(rc == 0 && rel.nstats == n, "real release at epsilon %g, delta %g (%s)", EPS, DELTA, err);
  if (rc != 0) goto done;
  for (size_t i = 0; i < n; i++) { noisy[i] = rel.stats[i].value; sigma[i] = rel.stats[i].sigma; }
  vt_release_free(&rel);
  int correct = 0;
  audit(contrib, in, noisy, sigma, &correct);
  double lb = eps_lower_bound(N_GUESS, correct, M_CANARIES, DELTA, CONFIDENCE_BETA);
  printf("# canary audit, real release: m %d, guesses %d, correct %d, eps lower bound %.3f (95%%), nominal %g\n",
         M_CANARIES, N_GUESS, correct, lb, EPS);
  CHECK(lb < EPS, "real release: empirical epsilon lower bound %.3f < nominal %g (%d of %d guesses right)", lb, EPS,
        correct, N_GUESS);

  /* the test-only release with an under-declared sensitivity */
  xo_seed(&x, 8);
  vt_dp_rng_custom(&rng, xo_fill, &x);
  rc = wrong_release(&wl, exact, WRONG_FACTOR, &rng, noisy, sigma);
  CHECK(rc == 0, "test-only release with Delta^2 / %d", WRONG_FACTOR);
  if (rc != 0) goto done;
  audit(contrib, in, noisy, sigma, &correct);
  double lbw = eps_lower_bound(N_GUESS, correct, M_CANARIES, DELTA, CONFIDENCE_BETA);
  printf("# canary audit, Delta^2 / %d: m %d, guesses %d, correct %d, eps lower bound %.3f (95%%), nominal %g\n",
         WRONG_FACTOR, M_CANARIES, N_GUESS, correct, lbw, EPS);
  CHECK(lbw > EPS, "under-declared sensitivity (Delta^2 / %d) caught: lower bound %.3f > nominal %g (%d of %d right)",
        WRONG_FACTOR, lbw, EPS, correct, N_GUESS);
  /* the bound itself: all right is strong evidence, half right none */
  CHECK(eps_lower_bound(N_GUESS, N_GUESS / 2, M_CANARIES, DELTA, CONFIDENCE_BETA) == 0 &&
        eps_lower_bound(N_GUESS, N_GUESS, M_CANARIES, DELTA, CONFIDENCE_BETA) > 2.5,
        "the bound: 50 of 100 right gives 0, 100 of 100 gives %.3f",
        eps_lower_bound(N_GUESS, N_GUESS, M_CANARIES, DELTA, CONFIDENCE_BETA));
done:
  free(one);
  free(exact);
  free(noisy);
  free(sigma);
  vt_measure_free(ms);
  vt_codematch_free(m);
  vt_workload_free(&wl);
}

int main(void) {
  test_canary();
  return test_done();
}
