/*
** dp_account.h -- the privacy accountant of `vitae learn`: zero-concentrated
** DP (zCDP).  A discrete Gaussian of variance sigma^2 on an integer vector of
** L2 sensitivity Delta is rho = Delta^2 / (2 sigma^2)-zCDP (Canonne, Kamath,
** Steinke 2020, Theorem 14); rho adds up under composition; the total is
** converted to (epsilon, delta) by the tight bound of CKS20 Proposition 12 /
** Corollary 13.
**
** Floating point is allowed here: it is public, data-independent
** arithmetic.  Every rounding is taken on the safe side: the rho charged for
** a measurement is at least its real rho, the rho a budget allows is at most
** what (epsilon, delta) permits, and a variance chosen for a target rho is
** rounded up.
**
**   vt_dp_budget b;
**   if (vt_dp_budget_init(&b, 1.0, 1e-6, err, sizeof err) != 0) ...
**   vt_dp_sigma2_for_rho(b.rho_total / 2, 2, 1, &s2n, &s2d, err, sizeof err);
**   if (vt_dp_spend(&b, "onsets", 2, 1, s2n, s2d, err, sizeof err) != 0) ...refused
**   vt_dp_noise_counts(&rng, counts, noisy, n, s2n, s2d, err, sizeof err);
**   vt_dp_ledger_print(&b, stdout);
**   vt_dp_budget_free(&b);
*/
#ifndef VT_DP_ACCOUNT_H
#define VT_DP_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The tight (epsilon, delta) of a rho-zCDP mechanism (CKS20 Prop. 12):
** delta(eps) = inf over alpha > 1 of
**   exp((alpha-1)(alpha rho - eps)) / (alpha - 1) * (1 - 1/alpha)^alpha,
** capped at 1.  The log of the term is convex in alpha; the infimum is found
** by bisection on its derivative.  rho >= 0, eps >= 0. */
double vt_dp_zcdp_delta(double rho, double eps);
/* The smallest epsilon (to 1e-12, rounded up) with vt_dp_zcdp_delta(rho,
** epsilon) <= delta, by bisection.  rho >= 0, 0 < delta < 1 (infinity for
** delta <= 0, 0 for delta >= 1 or rho <= 0). */
double vt_dp_zcdp_epsilon(double rho, double delta);
/* The largest rho (to 1e-12, rounded down) with vt_dp_zcdp_delta(rho, eps)
** <= delta, by bisection.  eps > 0, 0 < delta < 1 (0, no budget, outside
** those ranges). */
double vt_dp_zcdp_rho(double eps, double delta);

/* Real rho of a discrete Gaussian: sens2 / (2 sigma2) for the rationals
** sens2_num/sens2_den (the squared L2 sensitivity) and sigma2_num/sigma2_den,
** rounded up.  -1 when an argument is <= 0. */
double vt_dp_rho_of(int64_t sens2_num, int64_t sens2_den, int64_t sigma2_num, int64_t sigma2_den);

/* A variance sigma2_num/sigma2_den (num <= 2^48, den a power of two <=
** 2^32: the range where vt_dp_dgauss's 128-bit arithmetic is safe) with
** sens2 / (2 sigma2) <= rho: sigma2 is rounded up (by a relative 1e-12 and
** one unit of den), so the real rho never exceeds the target.  0, or -1
** with a message (rho <= 0, sensitivity <= 0, or a variance above 2^48,
** i.e. sigma above 2^24 = 16,777,216). */
int vt_dp_sigma2_for_rho(double rho, int64_t sens2_num, int64_t sens2_den,
                         int64_t *sigma2_num, int64_t *sigma2_den, char *err, size_t errlen);

/* One measurement of the ledger. */
typedef struct vt_dp_entry {
  char *name;
  int64_t sens2_num, sens2_den;    /* squared L2 sensitivity */
  int64_t sigma2_num, sigma2_den;  /* variance of the discrete Gaussian */
  double rho;                      /* charged: sens2 / (2 sigma2), rounded up */
} vt_dp_entry;

/* A privacy budget and its ledger. */
typedef struct vt_dp_budget {
  double epsilon, delta;   /* the target */
  double rho_total;        /* vt_dp_zcdp_rho(epsilon, delta) */
  double rho_spent;        /* sum of the entries' rho, rounded up */
  vt_dp_entry *entries;
  size_t n, cap;
} vt_dp_budget;

/* A budget of rho_total = vt_dp_zcdp_rho(epsilon, delta), nothing spent.
** 0, or -1 with a message when epsilon <= 0 (or not finite) or delta is
** not in (0, 1). */
int vt_dp_budget_init(vt_dp_budget *b, double epsilon, double delta, char *err, size_t errlen);
void vt_dp_budget_free(vt_dp_budget *b);

/* Charge a discrete Gaussian measurement named `name` of squared L2
** sensitivity sens2_num/sens2_den and variance sigma2_num/sigma2_den before
** it is taken.  Refused (-1 with a message, nothing recorded, nothing
** spent) when the name is missing, the sensitivity or the variance is
** missing, zero or negative, or when the spent rho would exceed the
** total.  0 once recorded. */
int vt_dp_spend(vt_dp_budget *b, const char *name, int64_t sens2_num, int64_t sens2_den,
                int64_t sigma2_num, int64_t sigma2_den, char *err, size_t errlen);

/* rho still available (never negative). */
double vt_dp_remaining(const vt_dp_budget *b);
/* The epsilon (at the budget's delta) of what was spent so far. */
double vt_dp_spent_epsilon(const vt_dp_budget *b);

/* Print the ledger: one line per measurement (name, sensitivity, sigma,
** rho) and the totals.  0, or -1 when writing fails. */
int vt_dp_ledger_print(const vt_dp_budget *b, FILE *f);

#endif
