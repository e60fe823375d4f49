/*
** eval_stats.c -- logistic regression (IRLS with LAPACKE), AUROC with a
** bootstrap interval, TPR at a fixed FPR (learn/eval_stats.h).
*/
#include "learn/eval_stats.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/rng.h"

#define LOGIT_MAX_STEPS 50
#define LOGIT_TOL 1e-8

/* The linear predictor b0 + b . row. */
static double eta(const double *beta, const double *row, int k) {
  return beta[0] + cblas_ddot(k, beta + 1, 1, row, 1);
}

static double sigmoid(double z) {
  return z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z));
}

int vt_logit_fit(const double *x, const uint8_t *y, size_t n, int k, double lambda, vt_logit *out) {
  memset(out, 0, sizeof *out);
  if (n < 2 || k < 0 || k > 10000) return -1;
  size_t pos = 0;
  for (size_t i = 0; i < n; i++) pos += y[i] != 0;
  if (pos == 0 || pos == n) return -1;
  size_t p = (size_t)k + 1;
  double *beta = calloc(p, sizeof *beta), *H = malloc(p * p * sizeof *H), *g = malloc(p * sizeof *g);
  double *z = malloc(p * sizeof *z);
  if (!beta || !H || !g || !z) goto fail;
  beta[0] = log((double)pos / (double)(n - pos));
  int step;
  for (step = 1; step <= LOGIT_MAX_STEPS; step++) {
    /* Newton: (X'WX + L) d = X'(y - mu) - L beta, X with a leading 1 */
    memset(H, 0, p * p * sizeof *H);
    memset(g, 0, p * sizeof *g);
    for (size_t i = 0; i < n; i++) {
      const double *row = x + i * (size_t)k;
      double mu = sigmoid(eta(beta, row, k)), w = mu * (1 - mu), r = (y[i] ? 1.0 : 0.0) - mu;
      z[0] = 1;
      memcpy(z + 1, row, (size_t)k * sizeof *z);
      cblas_dsyr(CblasColMajor, CblasUpper, (int)p, w, z, 1, H, (int)p);   /* H += w z z' */
      cblas_daxpy((int)p, r, z, 1, g, 1);                                  /* g += r z */
    }
    for (size_t j = 1; j < p; j++) { H[j * p + j] += lambda; g[j] -= lambda * beta[j]; }
    H[0] += 1e-12;                                       /* an all-equal outcome is refused above */
    if (LAPACKE_dposv(LAPACK_COL_MAJOR, 'U', (lapack_int)p, 1, H, (lapack_int)p, g, (lapack_int)p) != 0) goto fail;
    double move = 0;
    for (size_t j = 0; j < p; j++) {
      beta[j] += g[j];
      if (fabs(g[j]) > move) move = fabs(g[j]);
    }
    if (!(move == move)) goto fail;                      /* NaN */
    if (move < LOGIT_TOL) break;
  }
  free(H); free(g); free(z);
  out->k = k;
  out->beta = beta;
  out->iterations = step > LOGIT_MAX_STEPS ? LOGIT_MAX_STEPS : step;
  return 0;
fail:
  free(beta); free(H); free(g); free(z);
  return -1;
}

double vt_logit_predict(const vt_logit *m, const double *row) { return sigmoid(eta(m->beta, row, m->k)); }

void vt_logit_free(vt_logit *m) {
  if (!m) return;
  free(m->beta);
  memset(m, 0, sizeof *m);
}

/* ---- ranking ------------------------------------------------------------- */

typedef struct scored { double s; uint8_t y; } scored;

static int by_score(const void *a, const void *b) {
  double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
  return x < y ? -1 : x > y;
}

/* The AUROC of the pairs in v (sorted here), or NAN. */
static double auroc_sorted(scored *v, size_t n) {
  qsort(v, n, sizeof *v, by_score);
  double rank_sum = 0, npos = 0;
  for (size_t i = 0; i < n;) {       /* average ranks over ties */
    size_t j = i;
    while (j < n && v[j].s == v[i].s) j++;
    double avg = (double)(i + j + 1) / 2.0, pos = 0;
    for (size_t t = i; t < j; t++) pos += v[t].y != 0;
    rank_sum += avg * pos;
    npos += pos;
    i = j;
  }
  double nneg = (double)n - npos;
  if (npos == 0 || nneg == 0) return NAN;
  return (rank_sum - npos * (npos + 1) / 2.0) / (npos * nneg);
}

double vt_auroc(const double *score, const uint8_t *label, size_t n) {
  scored *v = malloc((n ? n : 1) * sizeof *v);
  if (!v) return NAN;
  for (size_t i = 0; i < n; i++) { v[i].s = score[i]; v[i].y = label[i] != 0; }
  double a = auroc_sorted(v, n);
  free(v);
  return a;
}

static int by_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int vt_auroc_ci(const double *score, const uint8_t *label, size_t n, int reps, double level, uint64_t seed,
                double *lo, double *hi) {
  if (n < 2 || reps < 2 || !(level > 0 && level < 1)) return -1;
  scored *v = malloc(n * sizeof *v);
  double *a = malloc((size_t)reps * sizeof *a);
  if (!v || !a) { free(v); free(a); return -1; }
  vt_rng r;
  vt_rng_seed(&r, seed);
  int m = 0;
  for (int b = 0; b < reps; b++) {
    for (size_t i = 0; i < n; i++) {
      size_t j = (size_t)(vt_rng_uniform(&r) * (double)n);
      if (j >= n) j = n - 1;
      v[i].s = score[j];
      v[i].y = label[j] != 0;
    }
    double x = auroc_sorted(v, n);
    if (x == x) a[m++] = x;          /* a resample without both classes is left out */
  }
  free(v);
  if (m < 2) { free(a); return -1; }
  qsort(a, (size_t)m, sizeof *a, by_double);
  double tail = (1 - level) / 2;
  size_t il = (size_t)floor(tail * (m - 1)), ih = (size_t)ceil((1 - tail) * (m - 1));
  *lo = a[il];
  *hi = a[ih];
  free(a);
  return 0;
}

double vt_tpr_at_fpr(const double *score, const uint8_t *label, size_t n, double fpr) {
  size_t nneg = 0, npos = 0;
  for (size_t i = 0; i < n; i++) { if (label[i]) npos++; else nneg++; }
  if (!npos || !nneg) return NAN;
  double *neg = malloc(nneg * sizeof *neg);
  if (!neg) return NAN;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) if (!label[i]) neg[k++] = score[i];
  qsort(neg, nneg, sizeof *neg, by_double);
  /* the threshold: the smallest score above which at most fpr x nneg negatives lie */
  size_t allowed = (size_t)floor(fpr * (double)nneg);
  double thr = neg[nneg - 1 - (allowed < nneg ? allowed : nneg - 1)];
  if (allowed >= nneg) thr = -INFINITY;
  free(neg);
  size_t tp = 0;
  for (size_t i = 0; i < n; i++) if (label[i] && score[i] > thr) tp++;
  return (double)tp / (double)npos;
}

/* ---- distribution distances ------------------------------------------------ */

double vt_ks_statistic(const double *a, size_t na, const double *b, size_t nb) {
  if (!na || !nb) return NAN;
  double *x = malloc(na * sizeof *x), *y = malloc(nb * sizeof *y);
  if (!x || !y) { free(x); free(y); return NAN; }
  memcpy(x, a, na * sizeof *x);
  memcpy(y, b, nb * sizeof *y);
  qsort(x, na, sizeof *x, by_double);
  qsort(y, nb, sizeof *y, by_double);
  size_t i = 0, j = 0;
  double d = 0;
  while (i < na && j < nb) {   /* step both functions past the next value, ties together */
    double v = x[i] < y[j] ? x[i] : y[j];
    while (i < na && x[i] <= v) i++;
    while (j < nb && y[j] <= v) j++;
    double gap = fabs((double)i / (double)na - (double)j / (double)nb);
    if (gap > d) d = gap;
  }
  free(x);
  free(y);
  return d;
}

double vt_total_variation(const double *p, const double *q, size_t k) {
  double sp = 0, sq = 0, tv = 0;
  for (size_t i = 0; i < k; i++) { sp += p[i]; sq += q[i]; }
  if (!(sp > 0) || !(sq > 0)) return NAN;
  for (size_t i = 0; i < k; i++) tv += fabs(p[i] / sp - q[i] / sq);
  return tv / 2;
}
