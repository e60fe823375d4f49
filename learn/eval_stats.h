/*
** eval_stats.h -- the statistics `vitae eval` (issue 11; DESIGN.md,
** "Evaluation") builds its utility and privacy figures on: a logistic
** regression fitted with LAPACKE (train on synthetic, test on real; the
** membership attacks' classifiers), the AUROC of a score with its
** bootstrap interval, the true-positive rate at a low false-positive rate,
** and the fidelity distances (two-sample Kolmogorov-Smirnov, total
** variation).  Groundwork: the command itself is issue 11's.
*/
#ifndef VT_EVAL_STATS_H
#define VT_EVAL_STATS_H

#include <stddef.h>
#include <stdint.h>

/* A logistic regression: p(y = 1 | x) = 1 / (1 + exp(-(b0 + b . x))). */
typedef struct vt_logit {
  int k;              /* features */
  double *beta;       /* k + 1 coefficients, the intercept first */
  int iterations;     /* Newton steps taken */
} vt_logit;

/* Fit a logistic regression to n rows of k features (x row-major, n x k)
** and 0/1 outcomes y, with an L2 penalty lambda on the slopes (not the
** intercept; 1e-6 is enough to keep separable data finite) by Newton's
** method (iteratively reweighted least squares, each step solved with
** LAPACKE_dposv), at most 50 steps, until no coefficient moves more than
** 1e-8.  0 with *out filled, or -1 (n or k out of range, a row count
** without both outcomes, memory, LAPACK). */
int vt_logit_fit(const double *x, const uint8_t *y, size_t n, int k, double lambda, vt_logit *out);

/* The fitted probability for one row of k features. */
double vt_logit_predict(const vt_logit *m, const double *row);
void vt_logit_free(vt_logit *m);

/* The area under the ROC curve of scores (higher: more likely positive)
** against labels, n of each: the probability that a random positive
** scores above a random negative, ties counting one half (Mann-Whitney,
** computed in O(n log n)).  NAN when either class is empty. */
double vt_auroc(const double *score, const uint8_t *label, size_t n);

/* The AUROC's percentile bootstrap interval at level `level` (0.95) from
** `reps` resamples of the n pairs, drawn with the seeded stream of `seed`
** (reproducible): *lo and *hi.  0, or -1 (memory, too few of a class). */
int vt_auroc_ci(const double *score, const uint8_t *label, size_t n, int reps, double level, uint64_t seed,
                double *lo, double *hi);

/* The true-positive rate at false-positive rate `fpr` (0.01, 0.001): the
** share of positives scoring above the threshold that lets at most that
** share of negatives through (ties at the threshold are not let through).
** NAN when either class is empty. */
double vt_tpr_at_fpr(const double *score, const uint8_t *label, size_t n, double fpr);

/* The two-sample Kolmogorov-Smirnov statistic: the largest distance
** between the empirical distribution functions of a[0..na) and b[0..nb)
** (ages at first onset, say).  NAN when either is empty. */
double vt_ks_statistic(const double *a, size_t na, const double *b, size_t nb);

/* The total variation distance between two distributions over the same k
** categories given as counts (any scale): half the sum of the absolute
** differences of the shares.  NAN when either total is 0. */
double vt_total_variation(const double *p, const double *q, size_t k);

#endif
