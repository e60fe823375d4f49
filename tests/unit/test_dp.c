/*
** test_dp.c -- the noise and the accountant of `vitae learn`
** (learn/dp_noise.h, learn/dp_account.h), held to their contracts:
** exactness of the uniform draw, Bernoulli(exp(-g)) frequencies, a
** chi-square fit of the discrete Gaussian against its exact pmf, mean and
** variance for small and large sigma, the accountant's golden values,
** composition, refusals, overflow, and a statistical privacy test on
** neighbouring counts that passes for the real noise and fails for noise
** a quarter the size (what a bug looks like).
**
** The deterministic stream (tests/unit/dp_stream.h) lives only in the
** tests: no command can reach it.  Every statistical check has a false-
** failure probability of about 1e-8 or less for a correct sampler, and a
** fixed seed makes the run reproducible.
*/
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "learn/dp_account.h"
#include "learn/dp_noise.h"
#include "tests/unit/dp_stream.h"
#include "tests/unit/test.h"

/* ---- deterministic test streams ----------------------------------------- */

/* Bytes 0, 1, ..., 255, 0, 1, ... */
static int cycle_fill(void *ctx, unsigned char *buf, size_t n) {
  unsigned *c = ctx;
  for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)((*c)++ & 255);
  return 0;
}

/* A source that fails after `*left` successful fills. */
static int failing_fill(void *ctx, unsigned char *buf, size_t n) {
  int *left = ctx;
  if (*left <= 0) return -1;
  (*left)--;
  memset(buf, 7, n);
  return 0;
}

static xoshiro XO;
static vt_dp_rng RNG;

static void test_rng(uint64_t seed) {
  xo_seed(&XO, seed);
  vt_dp_rng_custom(&RNG, xo_fill, &XO);
}

/* ---- exact pmf and statistics ------------------------------------------- */

/* The discrete Gaussian's pmf on [-m, m] (m covers all but < 1e-30 of the
** mass) in long double; p[x + m]. */
static long double *dg_pmf(long double sigma2, int64_t m) {
  long double *p = calloc((size_t)(2 * m + 1), sizeof *p), z = 0;
  for (int64_t x = -m; x <= m; x++) z += p[x + m] = expl(-(long double)x * x / (2 * sigma2));
  for (int64_t x = -m; x <= m; x++) p[x + m] /= z;
  return p;
}

/* Regularised upper incomplete gamma Q(a, x) (series or continued fraction,
** after Numerical Recipes), for the chi-square p-value. */
static double gamma_q(double a, double x) {
  double gln = lgamma(a);
  if (x < a + 1) {
    double ap = a, sum = 1 / a, del = sum;
    for (int n = 0; n < 1000; n++) { ap += 1; del *= x / ap; sum += del; if (fabs(del) < fabs(sum) * 1e-15) break; }
    return 1 - sum * exp(-x + a * log(x) - gln);
  }
  double b = x + 1 - a, c = 1e300, d = 1 / b, h = d;
  for (int i = 1; i < 1000; i++) {
    double an = -i * (i - a);
    b += 2; d = an * d + b; if (fabs(d) < 1e-300) d = 1e-300;
    c = b + an / c; if (fabs(c) < 1e-300) c = 1e-300;
    d = 1 / d; double del = d * c; h *= del; if (fabs(del - 1) < 1e-15) break;
  }
  return exp(-x + a * log(x) - gln) * h;
}

/* ---- sampler tests ------------------------------------------------------- */

static void test_uniform(void) {
  unsigned c = 0;
  vt_dp_rng r;
  vt_dp_rng_custom(&r, cycle_fill, &c);
  int seen[200] = { 0 }, ok = 1;
  for (int i = 0; i < 200; i++) {
    uint64_t u;
    if (vt_dp_uniform(&r, 200, &u) != 0 || u >= 200) { ok = 0; break; }
    seen[u]++;
  }
  for (int i = 0; i < 200; i++) ok = ok && seen[i] == 1;
  CHECK(ok, "uniform on [0,200) by rejection: one pass over the 256 byte values gives each value "
        "exactly once (no modulo bias: modulo would give 0..55 twice)");
  uint64_t u = 9;
  CHECK(vt_dp_uniform(&r, 1, &u) == 0 && u == 0, "uniform on [0,1) is 0");
  CHECK(vt_dp_uniform(&r, 0, &u) == -1, "uniform on an empty range is refused");
}

static void test_bernoulli_exp(void) {
  static const int64_t g[][2] = { { 0, 1 }, { 1, 3 }, { 1, 1 }, { 5, 2 }, { 7, 1 } };
  const int n = 200000;
  test_rng(11);
  for (size_t k = 0; k < sizeof g / sizeof g[0]; k++) {
    long hits = 0;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
      int b;
      rc = vt_dp_bernoulli_exp(&RNG, g[k][0], g[k][1], &b);
      hits += b;
    }
    double p = exp(-(double)g[k][0] / (double)g[k][1]), ph = (double)hits / n;
    double se = sqrt(p * (1 - p) / n);
    CHECK(rc == 0 && fabs(ph - p) <= 6 * se + 1.0 / n,
          "Bernoulli(exp(-%" PRId64 "/%" PRId64 ")): frequency %.5f vs exp(-g) %.5f (6 SE %.5f)",
          g[k][0], g[k][1], ph, p, 6 * se);
  }
  int b;
  CHECK(vt_dp_bernoulli_exp(&RNG, -1, 1, &b) == -1 && vt_dp_bernoulli_exp(&RNG, 1, 0, &b) == -1,
        "Bernoulli(exp(-g)) refuses g < 0 and a zero denominator");
}

static void test_dlaplace(void) {
  const int n = 200000, t = 3;
  long double s = 0, s2 = 0;
  int rc = 0;
  test_rng(12);
  for (int i = 0; i < n && rc == 0; i++) {
    int64_t x;
    rc = vt_dp_dlaplace(&RNG, t, &x);
    s += x; s2 += (long double)x * x;
  }
  double q = exp(-1.0 / t), var = 2 * q / ((1 - q) * (1 - q));
  double mean = (double)(s / n), v = (double)(s2 / n - (s / n) * (s / n));
  /* fourth moment of the discrete Laplace: 2q(1 + 10q + q^2) / (1 - q)^4 */
  double m4 = 2 * q * (1 + 10 * q + q * q) / pow(1 - q, 4);
  CHECK(rc == 0 && fabs(mean) <= 6 * sqrt(var / n) && fabs(v - var) <= 6 * sqrt((m4 - var * var) / n),
        "discrete Laplace t=3: mean %.4f (0), variance %.4f (exact %.4f)", mean, v, var);
}

/* Chi-square goodness of fit of n samples of sigma^2 = num/den against
** the exact pmf: cells with expected count >= 5, the two tails pooled. */
static void chi_square(int64_t num, int64_t den, int n) {
  long double sigma2 = (long double)num / den;
  int64_t m = (int64_t)(12 * sqrtl(sigma2)) + 12;
  long double *p = dg_pmf(sigma2, m);
  long *cnt = calloc((size_t)(2 * m + 1), sizeof *cnt);
  int rc = 0;
  test_rng(100 + (uint64_t)num);
  for (int i = 0; i < n && rc == 0; i++) {
    int64_t x;
    rc = vt_dp_dgauss(&RNG, num, den, &x);
    if (x < -m) x = -m;
    if (x > m) x = m;
    cnt[x + m]++;
  }
  /* the central cells [-hi, hi]: each cell and each tail beyond expects >= 5 */
  int64_t hi = 0;
  for (;;) {
    long double tail = 0;
    for (int64_t x = hi + 2; x <= m; x++) tail += p[x + m];
    if (hi + 1 >= m || p[hi + 1 + m] * n < 5 || tail * n < 5) break;
    hi++;
  }
  double chi = 0, obs_tail;
  long double exp_tail;
  int cells = 0;
  for (int64_t x = -m; x <= m; x++) {
    if (x >= -hi && x <= hi) {
      double e = (double)(p[x + m] * n), o = (double)cnt[x + m];
      chi += (o - e) * (o - e) / e;
      cells++;
    }
  }
  /* the two tails: x < -hi and x > hi */
  for (int side = -1; side <= 1; side += 2) {
    obs_tail = 0; exp_tail = 0;
    for (int64_t x = hi + 1; x <= m; x++) { obs_tail += (double)cnt[side * x + m]; exp_tail += p[side * x + m] * n; }
    chi += (obs_tail - (double)exp_tail) * (obs_tail - (double)exp_tail) / (double)exp_tail;
    cells++;
  }
  int df = cells - 1;
  double crit = df + 6 * sqrt(2.0 * df), pval = gamma_q(df / 2.0, chi / 2.0);
  CHECK(rc == 0 && chi <= crit,
        "discrete Gaussian sigma^2=%" PRId64 "/%" PRId64 ": chi-square %.2f on %d df over %d samples "
        "(p-value %.3f; fails above df + 6 sqrt(2 df) = %.1f)", num, den, chi, df, n, pval, crit);
  free(p);
  free(cnt);
}

/* Mean and variance of n samples against the exact values, 6 SE. */
static void moments(int64_t num, int64_t den, int n, const char *label) {
  long double sigma2 = (long double)num / den, var, m4;
  if (sigma2 < 1e4) {   /* exact from the pmf */
    int64_t m = (int64_t)(40 * sqrtl(sigma2)) + 40;
    long double *p = dg_pmf(sigma2, m);
    var = m4 = 0;
    for (int64_t x = -m; x <= m; x++) { var += p[x + m] * x * x; m4 += p[x + m] * x * x * x * x; }
    free(p);
  } else {              /* equal to the continuous Gaussian's up to exp(-2 pi^2 sigma^2) */
    var = sigma2;
    m4 = 3 * sigma2 * sigma2;
  }
  long double s = 0, s2 = 0;
  int rc = 0;
  test_rng(200 + (uint64_t)num);
  clock_t t0 = clock();
  for (int i = 0; i < n && rc == 0; i++) {
    int64_t x;
    rc = vt_dp_dgauss(&RNG, num, den, &x);
    s += x; s2 += (long double)x * x;
  }
  double us = 1e6 * (double)(clock() - t0) / CLOCKS_PER_SEC / n;
  long double mean = s / n, v = s2 / n - mean * mean;
  double zm = (double)(mean / sqrtl(var / n)), zv = (double)((v - var) / sqrtl((m4 - var * var) / n));
  CHECK(rc == 0 && fabs(zm) <= 6 && fabs(zv) <= 6,
        "discrete Gaussian sigma=%s: mean %.4Lg (z %.2f), variance %.6Lg vs exact %.6Lg (z %.2f), "
        "%d samples, %.2f us/sample", label, mean, zm, v, var, zv, n, us);
}

static void test_dgauss_args(void) {
  int64_t x = 5, y;
  test_rng(3);
  CHECK(vt_dp_dgauss(&RNG, 0, 1, &x) == -1 && vt_dp_dgauss(&RNG, 1, 0, &x) == -1 &&
        vt_dp_dgauss(&RNG, -4, 1, &x) == -1 && vt_dp_dgauss(&RNG, 4, -1, &x) == -1 && x == 5,
        "discrete Gaussian refuses a zero or negative variance part");
  CHECK(vt_dp_dgauss(&RNG, INT64_MAX, INT64_MAX - 1, &x) == -1 && x == 5,
        "discrete Gaussian fails closed when its 128-bit intermediates would overflow");
  int fine = 1;
  for (int i = 0; i < 20000; i++) {
    fine &= vt_dp_dgauss(&RNG, (int64_t)1 << 48, 1, &x) == 0;
    fine &= vt_dp_dgauss(&RNG, ((int64_t)1 << 48) - 1, (int64_t)1 << 48, &x) == 0;
    fine &= vt_dp_dgauss(&RNG, 1, (int64_t)1 << 48, &x) == 0 && x == 0;
  }
  CHECK(fine, "discrete Gaussian at the edges of its range: sigma^2 = 2^48, (2^48-1)/2^48 and 2^-48 "
        "(20,000 draws each, no overflow)");
  x = 5;
  /* 9/4 and 18/8 are the same rational: the same stream gives the same draws */
  int same = 1;
  xoshiro a, b;
  vt_dp_rng ra, rb;
  xo_seed(&a, 5); xo_seed(&b, 5);
  vt_dp_rng_custom(&ra, xo_fill, &a);
  vt_dp_rng_custom(&rb, xo_fill, &b);
  for (int i = 0; i < 1000; i++) {
    if (vt_dp_dgauss(&ra, 9, 4, &x) != 0 || vt_dp_dgauss(&rb, 18, 8, &y) != 0 || x != y) same = 0;
  }
  CHECK(same, "discrete Gaussian depends on sigma^2 as a rational only (9/4 and 18/8 draw alike)");
}

static void test_rng_failure(void) {
  int left = 1;
  vt_dp_rng r;
  vt_dp_rng_custom(&r, failing_fill, &left);
  int64_t v[2000], x;
  char err[256] = "";
  for (int i = 0; i < 2000; i++) v[i] = 10;
  int rc = vt_dp_noise_counts(&r, v, v, 2000, 1, 1, err, sizeof err);
  int zero = 1;
  for (int i = 0; i < 2000; i++) zero = zero && v[i] == 0;
  CHECK(rc == -1 && zero && vt_dp_rng_failed(&r) && strstr(err, "random source failed"),
        "a failing random source fails closed: error, whole vector wiped (%s)", err);
  left = 5;
  CHECK(vt_dp_dgauss(&r, 1, 1, &x) == -1, "a failed random source stays failed (no retry, no fallback)");
  vt_dp_rng os;
  vt_dp_rng_os(&os);
  int64_t w[1000] = { 0 };
  int differ = 0;
  rc = vt_dp_noise_counts(&os, w, w, 1000, 100, 1, err, sizeof err);
  for (int i = 1; i < 1000; i++) differ |= w[i] != w[0];
  CHECK(rc == 0 && differ && !vt_dp_rng_failed(&os), "the getrandom(2) source draws noise");
  vt_dp_rng_clear(&os);
  CHECK(vt_dp_dgauss(&os, 1, 1, &x) == -1, "a cleared source draws nothing");
}

static void test_overflow(void) {
  int64_t v[64], w[64];
  char err[256] = "";
  for (int i = 0; i < 64; i++) v[i] = INT64_MAX - 2;
  test_rng(4);
  int rc = vt_dp_noise_counts(&RNG, v, w, 64, 1000000, 1, err, sizeof err);
  int zero = 1;
  for (int i = 0; i < 64; i++) zero = zero && w[i] == 0;
  CHECK(rc == -1 && zero && strstr(err, "overflows"),
        "a count whose noisy value overflows int64 is refused and nothing is released (%s)", err);
  for (int i = 0; i < 64; i++) v[i] = INT64_MIN + 2;
  rc = vt_dp_noise_counts(&RNG, v, v, 64, 1000000, 1, err, sizeof err);
  zero = 1;
  for (int i = 0; i < 64; i++) zero = zero && v[i] == 0;
  CHECK(rc == -1 && zero, "negative overflow too, in place: the vector is wiped");
  CHECK(vt_dp_noise_counts(&RNG, v, v, 64, 0, 1, err, sizeof err) == -1,
        "noise with a zero variance is refused (%s)", err);
}

/* ---- a privacy test on neighbouring counts --------------------------------
** The mechanism: a count released with vt_dp_noise_counts, calibrated by the
** accountant for epsilon 1, delta 1e-6 at sensitivity 1.  Neighbours: the
** counts 1000 (B) and 1001 (A).  (epsilon, delta)-DP requires, for every set
** S of outputs, P_A(S) <= e^eps P_B(S) + delta and the same with A and B
** swapped.  The likelihood ratio of two shifted discrete Gaussians is
** monotone, so the tail sets {y >= c} and {y <= c} are the most revealing
** ones; the test takes every c in a window.  With N samples per side,
** Hoeffding bounds T_c = Ahat - e^eps Bhat by its mean plus
** t = sqrt((1 + e^(2 eps)) L / (2 N)) with probability 1 - e^-L, whatever
** the mechanism: a mechanism that is (eps, delta)-DP fails the test with
** probability below 1e-9 (L covers the union over all tail sets).  The same
** test on noise of sigma / 4 must fail: that is what a bug looks like. */
typedef struct { double delta_hat, eps_lb, exact_delta, tol; } dp_probe;

static dp_probe probe(int64_t s2n, int64_t s2d, double eps, double delta, int n, uint64_t seed) {
  enum { W = 200 };
  static long ha[2 * W + 1], hb[2 * W + 1];
  int64_t buf[1000];
  char err[256];
  dp_probe r = { 0, -INFINITY, 0, 0 };
  memset(ha, 0, sizeof ha);
  memset(hb, 0, sizeof hb);
  test_rng(seed);
  for (int side = 0; side < 2; side++) {
    for (int done = 0; done < n; done += 1000) {
      for (int i = 0; i < 1000; i++) buf[i] = 1000 + side;
      if (vt_dp_noise_counts(&RNG, buf, buf, 1000, s2n, s2d, err, sizeof err) != 0) {
        r.delta_hat = 1e9;
        return r;
      }
      for (int i = 0; i < 1000; i++) {
        int64_t y = buf[i] - 1000;
        if (y < -W) y = -W;
        if (y > W) y = W;
        (side ? ha : hb)[y + W]++;
      }
    }
  }
  double ee = exp(eps), tests = 2.0 * (2 * W + 1);
  double L = log(tests / 1e-9);
  r.tol = sqrt((1 + ee * ee) * L / (2.0 * n));
  double h = sqrt(log(2 * tests / 1e-9) / (2.0 * n));
  /* tail sums: upper tails {y >= c} favour A, lower tails {y <= c} favour B */
  long ca = 0, cb = 0;
  for (int c = W; c >= -W; c--) {
    ca += ha[c + W]; cb += hb[c + W];
    double a = (double)ca / n, b = (double)cb / n;
    r.delta_hat = fmax(r.delta_hat, a - ee * b);
    if (a - h - delta > 0) r.eps_lb = fmax(r.eps_lb, log((a - h - delta) / (b + h)));
  }
  ca = cb = 0;
  for (int c = -W; c <= W; c++) {
    ca += ha[c + W]; cb += hb[c + W];
    double a = (double)ca / n, b = (double)cb / n;
    r.delta_hat = fmax(r.delta_hat, b - ee * a);
    if (b - h - delta > 0) r.eps_lb = fmax(r.eps_lb, log((b - h - delta) / (a + h)));
  }
  /* the exact delta(eps) of the histogram, from the pmf */
  long double sigma2 = (long double)s2n / s2d;
  int64_t m = (int64_t)(40 * sqrtl(sigma2)) + 40;
  long double *p = dg_pmf(sigma2, m), d = 0;
  for (int64_t y = -m + 1; y <= m; y++) {   /* A's pmf at y is p[y - 1], B's p[y] */
    long double pa = p[y - 1 + m], pb = p[y + m];
    if (pa > ee * pb) d += pa - ee * pb;
  }
  free(p);
  r.exact_delta = (double)d;
  return r;
}

static void test_privacy_distinguisher(void) {
  const double eps = 1, delta = 1e-6;
  const int n = 500000;
  int64_t s2n, s2d;
  char err[256];
  double rho = vt_dp_zcdp_rho(eps, delta);
  CHECK(vt_dp_sigma2_for_rho(rho, 1, 1, &s2n, &s2d, err, sizeof err) == 0,
        "calibration for epsilon 1, delta 1e-6, sensitivity 1: sigma^2 = %" PRId64 "/%" PRId64
        " = %.6f (sigma %.4f)", s2n, s2d, (double)s2n / s2d, sqrt((double)s2n / s2d));
  dp_probe ok = probe(s2n, s2d, eps, delta, n, 77);
  CHECK(ok.exact_delta <= delta,
        "the calibrated discrete Gaussian's exact delta at epsilon 1 is %.3g <= 1e-6 "
        "(the zCDP conversion holds for the real pmf)", ok.exact_delta);
  CHECK(ok.delta_hat <= delta + ok.tol && ok.eps_lb <= eps,
        "privacy test, real noise: empirical delta %.2e <= 1e-6 + %.4f, empirical epsilon "
        "lower bound %.3f <= 1 (%d samples per neighbour)", ok.delta_hat, ok.tol, ok.eps_lb, n);
  dp_probe bug = probe(s2n, s2d * 16, eps, delta, n, 78);
  CHECK(bug.delta_hat > delta + bug.tol && bug.eps_lb > eps,
        "privacy test, noise of sigma/4 (this is what a bug looks like) is caught: empirical "
        "delta %.4f > 1e-6 + %.4f (exact %.4f), empirical epsilon lower bound %.3f > 1",
        bug.delta_hat, bug.tol, bug.exact_delta, bug.eps_lb);
  dp_probe half = probe(s2n, s2d * 4, eps, delta, n, 79);
  printf("# for the record, sigma/2: exact delta %.4f, empirical %.4f, epsilon lower bound %.3f "
         "(below this test's resolution of %.4f)\n", half.exact_delta, half.delta_hat, half.eps_lb, half.tol);
}

/* ---- accountant -------------------------------------------------------- */

static void test_golden(void) {
  static const double g[][3] = {
    { 1, 1e-6, 0.02436 }, { 10, 1e-9, 1.09079 }, { 0.5, 1e-6, 0.00664 },
    { 3, 1e-6, 0.18507 }, { 10, 1e-6, 1.53928 }, { 1, 1e-9, 0.01497 },
  };
  for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
    double rho = vt_dp_zcdp_rho(g[i][0], g[i][1]);
    CHECK_NEAR(rho, g[i][2], 1e-5, "golden: rho for epsilon %g, delta %g is %.7f (expected %.5f)",
               g[i][0], g[i][1], rho, g[i][2]);
  }
  double rho = vt_dp_zcdp_rho(1, 1e-6), e = vt_dp_zcdp_epsilon(rho, 1e-6);
  CHECK(e <= 1 + 1e-6 && e >= 1 - 1e-6, "epsilon of rho(1, 1e-6) at 1e-6 is back to %.9f", e);
  CHECK(vt_dp_zcdp_delta(rho, 1) <= 1e-6 && vt_dp_zcdp_delta(rho * 1.001, 1) > 1e-6,
        "rho(1, 1e-6) is the largest rho whose delta at epsilon 1 is <= 1e-6");
  CHECK(vt_dp_zcdp_delta(0, 1) == 0 && vt_dp_zcdp_delta(100, 0.1) == 1,
        "delta is 0 for rho 0 and capped at 1");
  CHECK(vt_dp_zcdp_rho(0, 1e-6) == 0 && vt_dp_zcdp_rho(-1, 1e-6) == 0 && vt_dp_zcdp_rho(1, 0) == 0 &&
        vt_dp_zcdp_rho(1, 1) == 0 && isinf(vt_dp_zcdp_epsilon(0.1, 0)),
        "conversions outside their range take the safe side (no budget, infinite epsilon)");
  double r = vt_dp_rho_of(1, 1, 2, 1);
  CHECK(r >= 0.25 && r <= 0.25 * (1 + 1e-14) && vt_dp_rho_of(0, 1, 1, 1) < 0,
        "rho of sensitivity 1, sigma^2 2 is 1/4 rounded up (%.17g); a zero sensitivity has none", r);
}

static void test_calibration(void) {
  static const double rhos[] = { 0.02436, 1e-4, 1.09079, 0.5 };
  static const int64_t sens[][2] = { { 1, 1 }, { 5, 1 }, { 3, 7 }, { 400, 1 } };
  int ok = 1;
  double worst = 0;
  char err[256];
  for (size_t i = 0; i < 4; i++) {
    for (size_t j = 0; j < 4; j++) {
      int64_t n, d;
      if (vt_dp_sigma2_for_rho(rhos[i], sens[j][0], sens[j][1], &n, &d, err, sizeof err) != 0) { ok = 0; continue; }
      long double real = (long double)sens[j][0] * d / (2.0L * sens[j][1] * n);
      if (real > rhos[i]) ok = 0;
      worst = fmax(worst, (double)(1 - real / rhos[i]));
    }
  }
  CHECK(ok && worst < 1e-8, "calibration rounds sigma^2 up: the real rho never exceeds the target "
        "and falls short of it by at most %.2g relative", worst);
  int64_t n, d;
  CHECK(vt_dp_sigma2_for_rho(0, 1, 1, &n, &d, err, sizeof err) == -1 &&
        vt_dp_sigma2_for_rho(0.1, 0, 1, &n, &d, err, sizeof err) == -1 &&
        vt_dp_sigma2_for_rho(1e-30, 1, 1, &n, &d, err, sizeof err) == -1 &&
        vt_dp_sigma2_for_rho(1e-6, 1, 1, &n, &d, err, sizeof err) == 0,
        "calibration refuses rho 0, sensitivity 0 and a variance beyond the sampler (%s)", err);
}

static void test_budget(void) {
  vt_dp_budget b;
  char err[256];
  CHECK(vt_dp_budget_init(&b, 0, 1e-6, err, sizeof err) == -1 &&
        vt_dp_budget_init(&b, -1, 1e-6, err, sizeof err) == -1 &&
        vt_dp_budget_init(&b, NAN, 1e-6, err, sizeof err) == -1 &&
        vt_dp_budget_init(&b, INFINITY, 1e-6, err, sizeof err) == -1 &&
        vt_dp_budget_init(&b, 1, 0, err, sizeof err) == -1 &&
        vt_dp_budget_init(&b, 1, 1, err, sizeof err) == -1,
        "a budget with epsilon <= 0 or not finite, or delta outside (0, 1), is refused (%s)", err);
  CHECK(vt_dp_budget_init(&b, 1, 1e-6, err, sizeof err) == 0 && fabs(b.rho_total - 0.02436) < 1e-5,
        "a budget of epsilon 1, delta 1e-6 holds rho %.6f", b.rho_total);
  int64_t n, d;
  int rc = vt_dp_sigma2_for_rho(b.rho_total / 4, 2, 1, &n, &d, err, sizeof err);
  double one = vt_dp_rho_of(2, 1, n, d);
  rc |= vt_dp_spend(&b, "onsets", 2, 1, n, d, err, sizeof err);
  rc |= vt_dp_spend(&b, "person_time", 2, 1, n, d, err, sizeof err);
  rc |= vt_dp_spend(&b, "deaths", 2, 1, n, d, err, sizeof err);
  CHECK(rc == 0 && b.n == 3 && fabs(b.rho_spent - 3 * one) <= 1e-12 && b.rho_spent <= b.rho_total,
        "composition: three measurements of rho %.6g add up to %.6g (total %.6g)", one, b.rho_spent, b.rho_total);
  double spent = b.rho_spent;
  int64_t n2, d2;
  rc = vt_dp_sigma2_for_rho(b.rho_total / 2, 2, 1, &n2, &d2, err, sizeof err);
  CHECK(rc == 0 && vt_dp_spend(&b, "too_much", 2, 1, n2, d2, err, sizeof err) == -1 &&
        b.n == 3 && b.rho_spent == spent && strstr(err, "refused"),
        "a measurement over budget is refused and nothing is spent (%s)", err);
  CHECK(vt_dp_spend(&b, "no_sens", 0, 1, n, d, err, sizeof err) == -1 &&
        vt_dp_spend(&b, "neg_sens", -4, 1, n, d, err, sizeof err) == -1 &&
        vt_dp_spend(&b, "zero_den", 1, 0, n, d, err, sizeof err) == -1 && b.n == 3 && b.rho_spent == spent,
        "a missing, zero or negative sensitivity fails closed (%s)", err);
  CHECK(vt_dp_spend(&b, "no_noise", 1, 1, 0, 1, err, sizeof err) == -1 &&
        vt_dp_spend(&b, NULL, 1, 1, n, d, err, sizeof err) == -1 &&
        vt_dp_spend(&b, "", 1, 1, n, d, err, sizeof err) == -1 && b.n == 3,
        "a measurement without noise or without a name is refused");
  CHECK(vt_dp_spend(&b, "rest", 2, 1, n, d, err, sizeof err) == 0 && b.rho_spent <= b.rho_total &&
        vt_dp_spend(&b, "one_more", 1, 1, 1000000, 1, err, sizeof err) == -1,
        "the budget can be spent to the end (%.9f of %.9f) and not beyond", b.rho_spent, b.rho_total);
  double e = vt_dp_spent_epsilon(&b);
  /* both conversions round to the safe side (rho down by 1e-9, epsilon up by 1e-9) */
  CHECK(e <= 1 + 1e-8 && e > 0.99, "the whole budget spent is worth epsilon %.10f (1 up to the "
        "conversions' safety margins of 1e-9) at delta 1e-6", e);
  FILE *f = tmpfile();
  char text[4096] = "";
  if (f) {
    rc = vt_dp_ledger_print(&b, f);
    rewind(f);
    size_t k = fread(text, 1, sizeof text - 1, f);
    text[k] = 0;
    fclose(f);
  }
  CHECK(f && rc == 0 && strstr(text, "onsets") && strstr(text, "deaths") && strstr(text, "rest") &&
        !strstr(text, "too_much") && strstr(text, "total rho"),
        "the ledger lists every measurement taken (and none refused) with the totals");
  printf("%s", text);
  vt_dp_budget_free(&b);
}

int main(void) {
  test_uniform();
  test_bernoulli_exp();
  test_dlaplace();
  chi_square(1, 4, 200000);
  chi_square(1, 1, 200000);
  chi_square(9, 4, 200000);
  chi_square(200, 1, 200000);
  moments(1, 4, 200000, "0.5");
  moments(1, 1, 200000, "1");
  moments(1000000, 1, 100000, "1000");
  moments(1000000000000LL, 1, 100000, "1e6");
  test_dgauss_args();
  test_rng_failure();
  test_overflow();
  test_golden();
  test_calibration();
  test_budget();
  test_privacy_distinguisher();
  return test_done();
}
