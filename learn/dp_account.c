/*
** dp_account.c -- the zCDP accountant of `vitae learn`: conversions between
** rho and (epsilon, delta), the calibration of a discrete Gaussian, and the
** budget with its ledger.  See dp_account.h and docs/privacy.md.
** Every floating-point rounding is nudged to the safe side (more rho
** charged, less rho allowed, more variance).
*/
#include "learn/dp_account.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/strbuf.h"

#define BISECT_STEPS 200

/* log of the term of CKS20 Prop. 12 at alpha > 1. */
static double log_delta_term(double rho, double eps, double alpha) {
  return (alpha - 1.0) * (alpha * rho - eps) + alpha * log1p(-1.0 / alpha) - log(alpha - 1.0);
}

double vt_dp_zcdp_delta(double rho, double eps) {
  if (rho <= 0.0) return 0.0;
  if (eps < 0.0) eps = 0.0;
  /* The derivative of log_delta_term in alpha, (2 alpha - 1) rho - eps +
  ** log(1 - 1/alpha), increases with alpha; it is positive at amax. */
  double amin = 1.0 + 1e-9, amax = (eps + 1.0) / (2.0 * rho) + 2.0;
  for (int i = 0; i < BISECT_STEPS; i++) {
    double alpha = 0.5 * (amin + amax);
    double deriv = (2.0 * alpha - 1.0) * rho - eps + log1p(-1.0 / alpha);
    if (deriv < 0.0) amin = alpha;
    else amax = alpha;
  }
  /* Any alpha > 1 gives a valid bound: take the better of the two ends. */
  double l = fmin(log_delta_term(rho, eps, amin), log_delta_term(rho, eps, amax));
  double d = exp(l);
  return d > 1.0 ? 1.0 : d;
}

double vt_dp_zcdp_epsilon(double rho, double delta) {
  if (!(delta > 0.0)) return INFINITY;   /* the safe side for delta 0 */
  if (rho <= 0.0 || delta >= 1.0) return 0.0;
  double lo = 0.0, hi = rho + 2.0 * sqrt(rho * log(1.0 / delta)) + 1.0;
  for (int i = 0; i < BISECT_STEPS && hi - lo > 1e-13; i++) {
    double eps = 0.5 * (lo + hi);
    if (vt_dp_zcdp_delta(rho, eps) <= delta) hi = eps;
    else lo = eps;
  }
  return hi * (1.0 + 1e-9);
}

double vt_dp_zcdp_rho(double eps, double delta) {
  if (!(eps > 0.0) || !(delta > 0.0 && delta < 1.0)) return 0.0;   /* no budget */
  double lo = 0.0, hi = eps + 1.0;
  for (int i = 0; i < BISECT_STEPS && hi - lo > 1e-13; i++) {
    double rho = 0.5 * (lo + hi);
    if (vt_dp_zcdp_delta(rho, eps) <= delta) lo = rho;
    else hi = rho;
  }
  /* A relative margin far above the rounding error of the delta formula. */
  return lo * (1.0 - 1e-9);
}

double vt_dp_rho_of(int64_t sens2_num, int64_t sens2_den, int64_t sigma2_num, int64_t sigma2_den) {
  if (sens2_num <= 0 || sens2_den <= 0 || sigma2_num <= 0 || sigma2_den <= 0) return -1.0;
  long double num = (long double)sens2_num * (long double)sigma2_den;
  long double den = 2.0L * (long double)sens2_den * (long double)sigma2_num;
  /* long double rounding is below 2^-60 relative; 4 double ulps cover it. */
  return (double)(num / den) * (1.0 + 4.0 * DBL_EPSILON);
}

int vt_dp_sigma2_for_rho(double rho, int64_t sens2_num, int64_t sens2_den,
                         int64_t *sigma2_num, int64_t *sigma2_den, char *err, size_t errlen) {
  const long double top = (long double)((int64_t)1 << 48);
  if (!(rho > 0.0) || !isfinite(rho)) {
    vt_seterr(err, errlen, "privacy calibration: rho must be > 0 (got %g)", rho);
    return -1;
  }
  if (sens2_num <= 0 || sens2_den <= 0) {
    vt_seterr(err, errlen, "privacy calibration: the sensitivity must be > 0 (got %lld/%lld)",
              (long long)sens2_num, (long long)sens2_den);
    return -1;
  }
  /* sigma^2 >= x, as num/den with den a power of two up to 2^32 and num up
  ** to 2^48 (the range of vt_dp_dgauss's 128-bit arithmetic). */
  long double x = (long double)sens2_num / (2.0L * (long double)sens2_den * (long double)rho);
  int64_t den = (int64_t)1 << 32;
  while (den > 1 && x * (long double)den * (1.0L + 1e-12L) + 2.0L > top) den >>= 1;
  long double scaled = ceill(x * (long double)den * (1.0L + 1e-12L)) + 1.0L;
  if (!(scaled <= top)) {
    vt_seterr(err, errlen, "privacy calibration: rho %g for squared sensitivity %lld/%lld needs "
              "a variance above the sampler's range (2^48)", rho, (long long)sens2_num,
              (long long)sens2_den);
    return -1;
  }
  int64_t num = (int64_t)scaled;
  if (vt_dp_rho_of(sens2_num, sens2_den, num, den) > rho) {
    vt_seterr(err, errlen, "privacy calibration: rounding failed for rho %g", rho);
    return -1;
  }
  *sigma2_num = num;
  *sigma2_den = den;
  return 0;
}

int vt_dp_budget_init(vt_dp_budget *b, double epsilon, double delta, char *err, size_t errlen) {
  memset(b, 0, sizeof *b);
  if (!(epsilon > 0.0) || !isfinite(epsilon)) {
    vt_seterr(err, errlen, "privacy budget: epsilon must be a number > 0 (got %g)", epsilon);
    return -1;
  }
  if (!(delta > 0.0 && delta < 1.0)) {
    vt_seterr(err, errlen, "privacy budget: delta must be in (0, 1) (got %g)", delta);
    return -1;
  }
  b->epsilon = epsilon;
  b->delta = delta;
  b->rho_total = vt_dp_zcdp_rho(epsilon, delta);
  return 0;
}

void vt_dp_budget_free(vt_dp_budget *b) {
  for (size_t i = 0; i < b->n; i++) free(b->entries[i].name);
  free(b->entries);
  memset(b, 0, sizeof *b);
}

int vt_dp_spend(vt_dp_budget *b, const char *name, int64_t sens2_num, int64_t sens2_den,
                int64_t sigma2_num, int64_t sigma2_den, char *err, size_t errlen) {
  if (!name || !*name) {
    vt_seterr(err, errlen, "privacy budget: a measurement without a name is refused");
    return -1;
  }
  if (sens2_num <= 0 || sens2_den <= 0) {
    vt_seterr(err, errlen, "privacy budget: measurement %s: missing or non-positive sensitivity "
              "(%lld/%lld), refused", name, (long long)sens2_num, (long long)sens2_den);
    return -1;
  }
  if (sigma2_num <= 0 || sigma2_den <= 0) {
    vt_seterr(err, errlen, "privacy budget: measurement %s: missing or non-positive noise variance "
              "(%lld/%lld), refused", name, (long long)sigma2_num, (long long)sigma2_den);
    return -1;
  }
  double rho = vt_dp_rho_of(sens2_num, sens2_den, sigma2_num, sigma2_den);
  double after = (b->rho_spent + rho) * (1.0 + DBL_EPSILON);
  if (!(after <= b->rho_total)) {
    vt_seterr(err, errlen, "privacy budget: measurement %s needs rho %.6g but only %.6g of %.6g "
              "remains, refused", name, rho, vt_dp_remaining(b), b->rho_total);
    return -1;
  }
  if (b->n == b->cap) {
    b->cap = b->cap ? 2 * b->cap : 8;
    b->entries = vt_xrealloc(b->entries, b->cap * sizeof *b->entries);
  }
  vt_dp_entry *e = &b->entries[b->n++];
  e->name = vt_xstrdup(name);
  e->sens2_num = sens2_num;
  e->sens2_den = sens2_den;
  e->sigma2_num = sigma2_num;
  e->sigma2_den = sigma2_den;
  e->rho = rho;
  b->rho_spent = after;
  return 0;
}

double vt_dp_remaining(const vt_dp_budget *b) {
  double r = b->rho_total - b->rho_spent;
  return r > 0.0 ? r : 0.0;
}

double vt_dp_spent_epsilon(const vt_dp_budget *b) {
  return vt_dp_zcdp_epsilon(b->rho_spent, b->delta);
}

int vt_dp_ledger_print(const vt_dp_budget *b, FILE *f) {
  int rc = 0;
  if (fprintf(f, "privacy ledger (zCDP, discrete Gaussian; unit: one patient)\n"
              "  %-32s %14s %14s %12s\n", "measurement", "L2 sensitivity", "sigma", "rho") < 0)
    rc = -1;
  for (size_t i = 0; i < b->n; i++) {
    const vt_dp_entry *e = &b->entries[i];
    double sens = sqrt((double)e->sens2_num / (double)e->sens2_den);
    double sigma = sqrt((double)e->sigma2_num / (double)e->sigma2_den);
    if (fprintf(f, "  %-32s %14.6g %14.6g %12.6g\n", e->name, sens, sigma, e->rho) < 0) rc = -1;
  }
  if (fprintf(f, "  total rho %.6g of %.6g (epsilon %.6g at delta %.3g; budget epsilon %.6g)\n",
              b->rho_spent, b->rho_total, vt_dp_spent_epsilon(b), b->delta, b->epsilon) < 0)
    rc = -1;
  return rc;
}
