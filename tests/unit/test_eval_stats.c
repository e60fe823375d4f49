/*
** test_eval_stats.c -- the evaluator's statistics (learn/eval_stats.h):
** KS and total variation by hand, AUROC against hand-counted pairs (ties
** included), the bootstrap interval,
** TPR at a fixed FPR, and the logistic regression recovering known
** coefficients from simulated data, staying finite on separable data and
** refusing one-class data.
*/
#include <stdint.h>
#include <stdlib.h>

#include "learn/eval_stats.h"
#include "sim/rng.h"
#include "test.h"

static void test_auroc(void) {
  double s[] = { 0.1, 0.4, 0.35, 0.8 };
  uint8_t y[] = { 0, 0, 1, 1 };
  /* pairs (pos, neg): (0.35,0.1) win, (0.35,0.4) lose, (0.8,*) 2 wins: 3 of 4 */
  CHECK_NEAR(vt_auroc(s, y, 4), 0.75, 1e-12, "AUROC of the textbook example is 0.75 (%g)", vt_auroc(s, y, 4));
  double t[] = { 0.5, 0.5, 0.5, 0.5 };
  CHECK_NEAR(vt_auroc(t, y, 4), 0.5, 1e-12, "all scores tied: 0.5");
  double u[] = { 1, 2, 3, 4 };
  CHECK_NEAR(vt_auroc(u, y, 4), 1.0, 1e-12, "positives all above: 1");
  uint8_t one[] = { 1, 1, 1, 1 };
  CHECK(isnan(vt_auroc(u, one, 4)), "one class only: NaN");
  /* 4,000 normal scores, positives shifted by one sd: AUROC near Phi(1 / sqrt 2) */
  enum { N = 4000 };
  double *sc = malloc(N * sizeof *sc);
  uint8_t *lb = malloc(N);
  vt_rng r;
  vt_rng_seed(&r, 7);
  for (int i = 0; i < N; i++) { lb[i] = i % 2; sc[i] = vt_rng_normal(&r, lb[i] ? 1.0 : 0.0, 1.0); }
  double a = vt_auroc(sc, lb, N), expect = 0.5 * erfc(-1.0 / 2.0);   /* Phi(1 / sqrt 2) */
  CHECK(fabs(a - expect) < 0.03, "normal scores one sd apart: AUROC %.4f near %.4f", a, expect);
  double lo, hi;
  CHECK(vt_auroc_ci(sc, lb, N, 200, 0.95, 11, &lo, &hi) == 0 && lo < a && a < hi && lo < expect && expect < hi &&
        hi - lo < 0.06, "bootstrap 95%% interval [%.4f, %.4f] holds the estimate and the truth", lo, hi);
  double lo2, hi2;
  CHECK(vt_auroc_ci(sc, lb, N, 200, 0.95, 11, &lo2, &hi2) == 0 && lo2 == lo && hi2 == hi,
        "the same seed gives the same interval");
  free(sc);
  free(lb);
}

static void test_tpr(void) {
  /* 100 negatives 0..99, 10 positives 95..104: at FPR 1% the threshold is 98 (one negative above) */
  double s[110];
  uint8_t y[110];
  for (int i = 0; i < 100; i++) { s[i] = i; y[i] = 0; }
  for (int i = 0; i < 10; i++) { s[100 + i] = 95 + i; y[100 + i] = 1; }
  double t = vt_tpr_at_fpr(s, y, 110, 0.01);
  CHECK_NEAR(t, 0.6, 1e-12, "TPR at FPR 1%%: 6 of 10 positives score above 98 (%g)", t);
  t = vt_tpr_at_fpr(s, y, 110, 0.0);
  CHECK_NEAR(t, 0.5, 1e-12, "TPR at FPR 0: 5 of 10 above the top negative (%g)", t);
}

static void test_logit(void) {
  enum { N = 20000, K = 2 };
  double *x = malloc(N * K * sizeof *x);
  uint8_t *y = malloc(N);
  vt_rng r;
  vt_rng_seed(&r, 3);
  const double b0 = -1.0, b1 = 0.8, b2 = -1.5;
  for (int i = 0; i < N; i++) {
    x[i * K] = vt_rng_normal(&r, 0, 1);
    x[i * K + 1] = vt_rng_uniform(&r) < 0.3;
    double p = 1 / (1 + exp(-(b0 + b1 * x[i * K] + b2 * x[i * K + 1])));
    y[i] = vt_rng_uniform(&r) < p;
  }
  vt_logit m;
  int rc = vt_logit_fit(x, y, N, K, 1e-6, &m);
  CHECK(rc == 0, "logistic regression on 20,000 simulated rows converges (%d Newton steps)", rc == 0 ? m.iterations : -1);
  if (rc == 0) {
    /* standard errors here are about 0.02-0.04: 0.15 is > 4 of them */
    CHECK(fabs(m.beta[0] - b0) < 0.15 && fabs(m.beta[1] - b1) < 0.15 && fabs(m.beta[2] - b2) < 0.15,
          "coefficients recovered: %.3f %.3f %.3f (truth -1, 0.8, -1.5)", m.beta[0], m.beta[1], m.beta[2]);
    double row[K] = { 0, 0 };
    CHECK_NEAR(vt_logit_predict(&m, row), 1 / (1 + exp(-m.beta[0])), 1e-12, "prediction at 0 is the intercept's");
    vt_logit_free(&m);
  }
  /* separable: y = x > 0; the penalty keeps it finite */
  for (int i = 0; i < N; i++) y[i] = x[i * K] > 0;
  rc = vt_logit_fit(x, y, N, K, 1e-3, &m);
  CHECK(rc == 0 && isfinite(m.beta[1]) && m.beta[1] > 5, "separable data: a finite, steep slope (%.1f)",
        rc == 0 ? m.beta[1] : 0.0);
  if (rc == 0) vt_logit_free(&m);
  for (int i = 0; i < N; i++) y[i] = 1;
  CHECK(vt_logit_fit(x, y, N, K, 1e-6, &m) == -1, "one outcome only: refused");
  free(x);
  free(y);
}

static void test_distances(void) {
  double a[] = { 1, 2, 3, 4 }, b[] = { 3, 4, 5, 6 };
  /* F_a - F_b is largest after 2: 0.5 - 0 */
  CHECK_NEAR(vt_ks_statistic(a, 4, b, 4), 0.5, 1e-12, "KS by hand: 0.5");
  CHECK_NEAR(vt_ks_statistic(a, 4, a, 4), 0.0, 1e-12, "KS of a sample with itself: 0");
  double c[] = { 10, 11 };
  CHECK_NEAR(vt_ks_statistic(a, 4, c, 2), 1.0, 1e-12, "KS of disjoint ranges: 1");
  CHECK(isnan(vt_ks_statistic(a, 4, c, 0)), "KS with an empty sample: NaN");
  double p[] = { 1, 1, 2 }, q[] = { 2, 2, 4 }, r[] = { 0, 0, 5 };
  CHECK_NEAR(vt_total_variation(p, q, 3), 0.0, 1e-12, "TV of the same shares at another scale: 0");
  CHECK_NEAR(vt_total_variation(p, r, 3), 0.5, 1e-12, "TV by hand: (0.25 + 0.25 + 0.5) / 2 = 0.5");
}

int main(void) {
  test_distances();
  test_auroc();
  test_tpr();
  test_logit();
  return test_done();
}
