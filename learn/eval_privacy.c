/*
** eval_privacy.c -- the privacy area of `vitae eval` (learn/eval.h; the
** method in docs/eval.md, "Privacy"; the JSON keys in schemas/eval.md).
**
** Sides: members = the training data (cx->real), non-members = the
** holdout (cx->holdout), the synthetic cohort (cx->synth).  Members are
** subsampled (seeded) to the holdout's size so that every attack and
** baseline compares like with like.
**
** A patient is a set of tokens for the distances: its codes, a sex token
** and a 5-year birth-band token, as a bitset (learn/eval_nn.h, Jaccard,
** exact nearest neighbour by VP tree, ties to the lowest index).
**
**   1. membership inference, distance attack: score -(distance to the
**      nearest synthetic record);
**   2. membership inference, density ratio (after DOMIAS, van Breugel et
**      al., AISTATS 2023): PCA (LAPACKE_dsyevr) of the most prevalent codes'
**      indicators, sex and birth year to 8 dimensions, Gaussian kernel
**      densities (Scott's bandwidth; distances by cblas_dgemm) of the
**      synthetic records and of the holdout (leave-one-out), score
**      log p_synth - log p_ref;
**   3. both restricted to the patients with a rare code (< 1% of the
**      members and holdout records pooled);
**   4. Anonymeter's three risks (learn/eval_privacy_anon.c);
**   5. exact and near copies; 6. rare-case memorisation; 7. DCR and NNDR
**      (diagnostics only); 8. the privacy ledger of a vitae cohort.
*/
#include "learn/eval.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "learn/eval_nn.h"
#include "learn/eval_privacy_int.h"
#include "learn/eval_stats.h"
#include "learn/eval_svg.h"
#include "learn/sqlite_ro.h"
#include "sim/rng.h"
#include "sim/strbuf.h"
#include "sim/vtime.h"

#define NTOK (3 + PV_NBAND)      /* sex tokens, birth-band tokens */
#define PCA_CODES 64
#define PCA_DIM 8
#define KDE_MAX 20000
#define DCR_MAX 20000
#define BOOT_REPS 200
#define RARE_PREV 0.01
#define RARE_MIN 10              /* per class, for the rare patients' figures */

/* ---- shared helpers (eval_privacy_int.h) ------------------------------------ */

typedef struct par_arg { pv_range_fn fn; void *ud; size_t lo, hi; } par_arg;

static void *par_main(void *a) {
  par_arg *p = a;
  p->fn(p->ud, p->lo, p->hi);
  return NULL;
}

void pv_parallel(int threads, size_t n, pv_range_fn fn, void *ud) {
  if (threads > 64) threads = 64;
  if (threads <= 1 || n < 64) { fn(ud, 0, n); return; }
  pthread_t th[64];
  par_arg arg[64];
  int started[64] = { 0 };
  for (int t = 0; t < threads; t++) {
    arg[t] = (par_arg){ fn, ud, n * (size_t)t / (size_t)threads, n * (size_t)(t + 1) / (size_t)threads };
    if (t > 0) started[t] = pthread_create(&th[t], NULL, par_main, &arg[t]) == 0;
  }
  fn(ud, arg[0].lo, arg[0].hi);
  for (int t = 1; t < threads; t++) {
    if (started[t]) pthread_join(th[t], NULL);
    else fn(ud, arg[t].lo, arg[t].hi);   /* no thread: do it here */
  }
}

int pv_birth_year(const vt_eperson *p) {
  if (p->birth == VT_NO_DAY) return -1;
  int y, m, d;
  vt_civil_from_days(p->birth, &y, &m, &d);
  return y;
}

int pv_band(const vt_eperson *p) {
  int y = pv_birth_year(p);
  if (y < 0) return PV_NBAND - 1;
  int b = (y - 1880) / 5;
  if (y < 1880) b = 0;
  return b > PV_NBAND - 2 ? PV_NBAND - 2 : b;
}

int pv_sex(const vt_eperson *p) { return p->sex == 'F' ? 0 : p->sex == 'M' ? 1 : 2; }

static int cmp_size(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return x < y ? -1 : x > y;
}

size_t *pv_sample(size_t n, size_t k, uint64_t seed) {
  size_t *idx = vt_xmalloc((n ? n : 1) * sizeof *idx);
  for (size_t i = 0; i < n; i++) idx[i] = i;
  if (k > n) k = n;
  if (k < n) {
    vt_rng r;
    vt_rng_seed(&r, seed);
    for (size_t i = 0; i < k; i++) {
      size_t j = i + (size_t)vt_rng_int(&r, 0, (int64_t)(n - i - 1)), t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    qsort(idx, k, sizeof *idx, cmp_size);
  }
  return idx;
}

/* ---- records as token sets -------------------------------------------------- */

static size_t ncodes_of(const vt_eval_ctx *cx) {
  size_t n = cx->codes ? cx->codes->n : 0;
  const vt_ecohort *sides[3] = { cx->synth, cx->real, cx->holdout };
  for (int s = 0; s < 3; s++)
    if (sides[s])
      for (size_t i = 0; i < sides[s]->nuses; i++)
        if ((size_t)sides[s]->uses[i].code + 1 > n) n = (size_t)sides[s]->uses[i].code + 1;
  return n;
}

/* Bitsets of persons c[idx[0..n)] (idx NULL: all), `words` each. */
static uint64_t *bitsets(const vt_ecohort *c, const size_t *idx, size_t n, size_t ncodes, size_t words) {
  uint64_t *b = vt_xcalloc((n ? n : 1) * words, sizeof *b);
  for (size_t i = 0; i < n; i++) {
    const vt_eperson *p = &c->persons[idx ? idx[i] : i];
    uint64_t *s = b + i * words;
    const vt_euse *u = vt_ecohort_uses(c, p);
    for (uint32_t k = 0; k < p->nuse; k++) s[u[k].code / 64] |= 1ull << (u[k].code % 64);
    size_t t1 = ncodes + (size_t)pv_sex(p), t2 = ncodes + 3 + (size_t)pv_band(p);
    s[t1 / 64] |= 1ull << (t1 % 64);
    s[t2 / 64] |= 1ull << (t2 % 64);
  }
  return b;
}

typedef struct nn_q {
  const vt_vptree *t;
  const uint64_t *q;
  size_t words;
  double *d1, *d2;               /* nearest; second nearest (NULL: not wanted) */
} nn_q;

static void nn_range(void *ud, size_t lo, size_t hi) {
  nn_q *j = ud;
  for (size_t i = lo; i < hi; i++) {
    const uint64_t *q = j->q + i * j->words;
    size_t best = vt_vptree_nearest(j->t, q, SIZE_MAX, &j->d1[i], NULL);
    if (j->d2) {
      if (best == SIZE_MAX) j->d2[i] = 1.0;
      else vt_vptree_nearest(j->t, q, best, &j->d2[i], NULL);
    }
  }
}

/* ---- figures of a score ----------------------------------------------------- */

static void mia_figures(const double *score, const uint8_t *label, size_t n, uint64_t seed, mia_fig *f) {
  memset(f, 0, sizeof *f);
  for (size_t i = 0; i < n; i++) {
    if (label[i]) f->n_members++;
    else f->n_nonmembers++;
  }
  f->auroc = f->lo = f->hi = f->tpr1 = f->tpr01 = NAN;
  if (f->n_members == 0 || f->n_nonmembers == 0) return;
  f->measured = 1;
  f->auroc = vt_auroc(score, label, n);
  if (vt_auroc_ci(score, label, n, BOOT_REPS, 0.95, seed, &f->lo, &f->hi) != 0) f->lo = f->hi = NAN;
  f->tpr1 = vt_tpr_at_fpr(score, label, n, 0.01);
  f->tpr01 = vt_tpr_at_fpr(score, label, n, 0.001);
}

typedef struct sc_lab { double s; uint8_t l; } sc_lab;

static int cmp_sc_desc(const void *a, const void *b) {
  double x = ((const sc_lab *)a)->s, y = ((const sc_lab *)b)->s;
  return x > y ? -1 : x < y;
}

/* The ROC curve at ROC_POINTS false-positive rates 0, 0.01, ..., 1: the
** vertices of the curve at each distinct score, tied scores joined by a
** straight segment (as the AUROC counts ties one half), interpolated. */
static void roc_curve(const double *score, const uint8_t *label, size_t n, double *fpr, double *tpr) {
  sc_lab *v = vt_xmalloc((n ? n : 1) * sizeof *v);
  size_t np = 0, nn = 0;
  for (size_t i = 0; i < n; i++) {
    v[i] = (sc_lab){ score[i], label[i] };
    if (label[i]) np++;
    else nn++;
  }
  qsort(v, n, sizeof *v, cmp_sc_desc);
  double *vx = vt_xmalloc((n + 2) * sizeof *vx), *vy = vt_xmalloc((n + 2) * sizeof *vy);
  size_t nv = 0, tp = 0, fp = 0;
  vx[nv] = 0; vy[nv++] = 0;
  for (size_t i = 0; i < n;) {
    size_t e = i;
    while (e < n && v[e].s == v[i].s) { if (v[e].l) tp++; else fp++; e++; }
    vx[nv] = nn ? (double)fp / (double)nn : 0;
    vy[nv++] = np ? (double)tp / (double)np : 0;
    i = e;
  }
  size_t k = 0;
  for (int i = 0; i < ROC_POINTS; i++) {
    double f = (double)i / (ROC_POINTS - 1);
    fpr[i] = f;
    while (k + 1 < nv && vx[k + 1] < f) k++;
    if (k + 1 >= nv) { tpr[i] = vy[nv - 1]; continue; }
    double dx = vx[k + 1] - vx[k];
    tpr[i] = dx > 0 ? vy[k] + (f - vx[k]) / dx * (vy[k + 1] - vy[k]) : vy[k + 1];
  }
  free(v);
  free(vx);
  free(vy);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The q-quantile of v[0..n) (sorted in place; linear interpolation). */
static double quantile(double *v, size_t n, double q) {
  if (n == 0) return NAN;
  qsort(v, n, sizeof *v, cmp_double);
  double pos = q * (double)(n - 1);
  size_t i = (size_t)pos;
  if (i + 1 >= n) return v[n - 1];
  return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

/* ---- density ratio (DOMIAS-style) ------------------------------------------- */

typedef struct kde_job {
  const double *q;               /* nq x PCA_DIM, scaled by the bandwidth */
  const double *p;               /* np x PCA_DIM, scaled */
  size_t np;
  const double *pn;              /* |p|^2 */
  long loo_offset;               /* query i leaves out point i + loo_offset (< 0: none) */
  double *out;                   /* log density up to the dataset's constant */
} kde_job;

#define KDE_BLOCK 64

static void kde_range(void *ud, size_t blo, size_t bhi) {
  kde_job *j = ud;
  double *g = vt_xmalloc(KDE_BLOCK * j->np * sizeof *g);
  for (size_t b = blo; b < bhi; b++) {
    size_t nb = KDE_BLOCK;
    const double *qb = j->q + b * KDE_BLOCK * PCA_DIM;
    /* G = Q_b P' */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)j->np, PCA_DIM, 1.0, qb, PCA_DIM, j->p,
                PCA_DIM, 0.0, g, (int)j->np);
    for (size_t r = 0; r < nb; r++) {
      size_t qi = b * KDE_BLOCK + r;
      double qn = cblas_ddot(PCA_DIM, qb + r * PCA_DIM, 1, qb + r * PCA_DIM, 1);
      double *gr = g + r * j->np, mx = -INFINITY;
      long skip = j->loo_offset >= 0 ? (long)qi + j->loo_offset : -1;
      for (size_t k = 0; k < j->np; k++) {
        double d2 = qn + j->pn[k] - 2 * gr[k];
        gr[k] = -0.5 * (d2 > 0 ? d2 : 0);
        if ((long)k != skip && gr[k] > mx) mx = gr[k];
      }
      double s = 0;
      for (size_t k = 0; k < j->np; k++)
        if ((long)k != skip) s += exp(gr[k] - mx);
      j->out[qi] = mx + log(s);
    }
  }
  free(g);
}

/* log p(x) of the Gaussian KDE of points p (np x PCA_DIM) at queries q
** (nq x PCA_DIM), Scott's bandwidth per dimension; query i leaves out point
** i + loo_offset when loo_offset >= 0. */
static void kde_logp(const double *p, size_t np, const double *q, size_t nq, long loo_offset, int threads,
                     double *out) {
  double h[PCA_DIM], mean[PCA_DIM] = { 0 }, logh = 0;
  double factor = pow((double)np, -1.0 / (PCA_DIM + 4));
  for (size_t i = 0; i < np; i++)
    for (int d = 0; d < PCA_DIM; d++) mean[d] += p[i * PCA_DIM + d] / (double)np;
  for (int d = 0; d < PCA_DIM; d++) {
    double v = 0;
    for (size_t i = 0; i < np; i++) v += (p[i * PCA_DIM + d] - mean[d]) * (p[i * PCA_DIM + d] - mean[d]);
    double sd = np > 1 ? sqrt(v / (double)(np - 1)) : 1;
    h[d] = factor * (sd > 1e-9 ? sd : 1e-3);
    logh += log(h[d]);
  }
  size_t nblk = (nq + KDE_BLOCK - 1) / KDE_BLOCK;
  double *ps = vt_xmalloc((np ? np : 1) * PCA_DIM * sizeof *ps), *pn = vt_xmalloc((np ? np : 1) * sizeof *pn);
  double *qs = vt_xcalloc(nblk * KDE_BLOCK * PCA_DIM + 1, sizeof *qs);
  double *o = vt_xmalloc((nblk * KDE_BLOCK + 1) * sizeof *o);
  for (size_t i = 0; i < np; i++) {
    for (int d = 0; d < PCA_DIM; d++) ps[i * PCA_DIM + d] = p[i * PCA_DIM + d] / h[d];
    pn[i] = cblas_ddot(PCA_DIM, ps + i * PCA_DIM, 1, ps + i * PCA_DIM, 1);
  }
  for (size_t i = 0; i < nq; i++)
    for (int d = 0; d < PCA_DIM; d++) qs[i * PCA_DIM + d] = q[i * PCA_DIM + d] / h[d];
  kde_job j = { qs, ps, np, pn, loo_offset, o };
  pv_parallel(threads, nblk, kde_range, &j);
  for (size_t i = 0; i < nq; i++) {
    size_t used = np - (loo_offset >= 0 && (long)i + loo_offset < (long)np ? 1 : 0);
    out[i] = o[i] - log(used ? (double)used : 1) - logh - 0.5 * PCA_DIM * log(2 * 3.14159265358979323846);
  }
  free(ps);
  free(pn);
  free(qs);
  free(o);
}

/* Features of persons c[idx[0..n)]: indicators of the nt codes (col_of: code -> column or -1), sex
** (1 female), birth year (the fallback year when unknown). */
static void features(const vt_ecohort *c, const size_t *idx, size_t n, int nt, const int *col_of,
                     size_t ncodes, double fallback_year, double *x) {
  int p = nt + 2;
  for (size_t i = 0; i < n; i++) {
    const vt_eperson *pe = &c->persons[idx ? idx[i] : i];
    double *r = x + i * (size_t)p;
    memset(r, 0, (size_t)p * sizeof *r);
    const vt_euse *u = vt_ecohort_uses(c, pe);
    for (uint32_t k = 0; k < pe->nuse; k++)
      if (u[k].code < ncodes && col_of[u[k].code] >= 0) r[col_of[u[k].code]] = 1;
    r[nt] = pe->sex == 'F';
    int y = pv_birth_year(pe);
    r[nt + 1] = y < 0 ? fallback_year : (double)y;
  }
}

/* Scores log p_synth(x) - log p_ref(x) for the m members (rows of R by
** midx) then the m holdout records; 0, or -1 (LAPACK). */
static int density_scores(const vt_eval_ctx *cx, const size_t *midx, const size_t *hidx, size_t m, size_t ncodes,
                          double *score, char *err, size_t errlen) {
  const vt_ecohort *S = cx->synth;
  /* the synthetic cohort's most prevalent codes (what the attacker sees) */
  size_t *cnt = vt_xcalloc(ncodes ? ncodes : 1, sizeof *cnt);
  for (size_t i = 0; i < S->nuses; i++) cnt[S->uses[i].code]++;
  int nt = 0, *col_of = vt_xmalloc((ncodes ? ncodes : 1) * sizeof *col_of);
  for (size_t k = 0; k < ncodes; k++) col_of[k] = -1;
  while (nt < PCA_CODES) {
    size_t best = 0, bi = SIZE_MAX;
    for (size_t k = 0; k < ncodes; k++)
      if (cnt[k] > best) { best = cnt[k]; bi = k; }
    if (bi == SIZE_MAX) break;
    cnt[bi] = 0;
    col_of[bi] = nt;
    nt++;
  }
  free(cnt);
  int p = nt + 2;
  size_t ns = S->n < KDE_MAX ? S->n : KDE_MAX;
  size_t *sidx = pv_sample(S->n, ns, cx->seed ^ 0xD0A1A5);
  double *xs = vt_xmalloc(ns * (size_t)p * sizeof *xs), *xq = vt_xmalloc(2 * m * (size_t)p * sizeof *xq);
  double fy = 0;
  size_t ny = 0;
  for (size_t i = 0; i < ns; i++) {
    int y = pv_birth_year(&S->persons[sidx[i]]);
    if (y >= 0) { fy += y; ny++; }
  }
  fy = ny ? fy / (double)ny : 1970;
  features(S, sidx, ns, nt, col_of, ncodes, fy, xs);
  features(cx->real, midx, m, nt, col_of, ncodes, fy, xq);
  features(cx->holdout, hidx, m, nt, col_of, ncodes, fy, xq + m * (size_t)p);
  free(sidx);
  free(col_of);
  /* standardise by the synthetic records' means and deviations */
  double *mu = vt_xcalloc((size_t)p, sizeof *mu), *sd = vt_xcalloc((size_t)p, sizeof *sd);
  for (size_t i = 0; i < ns; i++)
    for (int c = 0; c < p; c++) mu[c] += xs[i * (size_t)p + c] / (double)ns;
  for (size_t i = 0; i < ns; i++)
    for (int c = 0; c < p; c++) sd[c] += pow(xs[i * (size_t)p + c] - mu[c], 2);
  for (int c = 0; c < p; c++) sd[c] = ns > 1 && sd[c] > 0 ? sqrt(sd[c] / (double)(ns - 1)) : 1;
  for (size_t i = 0; i < ns; i++)
    for (int c = 0; c < p; c++) xs[i * (size_t)p + c] = (xs[i * (size_t)p + c] - mu[c]) / sd[c];
  for (size_t i = 0; i < 2 * m; i++)
    for (int c = 0; c < p; c++) xq[i * (size_t)p + c] = (xq[i * (size_t)p + c] - mu[c]) / sd[c];
  /* covariance and its top PCA_DIM eigenvectors */
  double *cov = vt_xcalloc((size_t)p * (size_t)p, sizeof *cov), *w = vt_xmalloc((size_t)p * sizeof *w);
  double *v = vt_xcalloc((size_t)p * PCA_DIM, sizeof *v);
  lapack_int *isuppz = vt_xmalloc(2 * (size_t)p * sizeof *isuppz), found = 0;
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, p, (int)ns, 1.0 / (double)(ns > 1 ? ns - 1 : 1), xs, p, 0.0,
              cov, p);
  int dims = p < PCA_DIM ? p : PCA_DIM;
  int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', p, cov, p, 0, 0, p - dims + 1, p, 0, &found, w, v,
                            PCA_DIM, isuppz);
  int rc = 0;
  if (info != 0) {
    snprintf(err, errlen, "privacy: density attack: LAPACKE_dsyevr failed (info %d)", info);
    rc = -1;
  } else {
    /* project (row-major: Z = X V) and whiten by the eigenvalues */
    double *zs = vt_xcalloc(ns * PCA_DIM, sizeof *zs), *zq = vt_xcalloc(2 * m * PCA_DIM, sizeof *zq);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)ns, PCA_DIM, p, 1.0, xs, p, v, PCA_DIM, 0.0, zs,
                PCA_DIM);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(2 * m), PCA_DIM, p, 1.0, xq, p, v, PCA_DIM, 0.0, zq,
                PCA_DIM);
    double *ls = vt_xmalloc(2 * m * sizeof *ls), *lr = vt_xmalloc(2 * m * sizeof *lr);
    kde_logp(zs, ns, zq, 2 * m, -1, cx->threads, ls);
    /* the reference is the holdout (rows m..2m of zq): members see all of
    ** it; a holdout record leaves its own kernel out */
    kde_logp(zq + m * PCA_DIM, m, zq, m, -1, cx->threads, lr);
    kde_logp(zq + m * PCA_DIM, m, zq + m * PCA_DIM, m, 0, cx->threads, lr + m);
    for (size_t i = 0; i < 2 * m; i++) score[i] = ls[i] - lr[i];
    free(ls);
    free(lr);
    free(zs);
    free(zq);
  }
  free(cov);
  free(w);
  free(v);
  free(isuppz);
  free(mu);
  free(sd);
  free(xs);
  free(xq);
  return rc;
}

/* ---- copies and memorisation ------------------------------------------------ */

static uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 31);
}

/* The whole coded trajectory (sex, birth day, every use). */
static uint64_t traj_hash(const vt_ecohort *c, const vt_eperson *p) {
  uint64_t h = mix(0x51, (uint64_t)(unsigned char)p->sex);
  h = mix(h, (uint64_t)(uint32_t)p->birth);
  const vt_euse *u = vt_ecohort_uses(c, p);
  for (uint32_t k = 0; k < p->nuse; k++) {
    h = mix(h, u[k].code);
    h = mix(h, (uint64_t)(uint32_t)u[k].first);
    h = mix(h, (uint64_t)(uint32_t)u[k].last);
    h = mix(h, u[k].count);
  }
  return h;
}

static int traj_equal(const vt_ecohort *a, const vt_eperson *p, const vt_ecohort *b, const vt_eperson *q) {
  if (p->sex != q->sex || p->birth != q->birth || p->nuse != q->nuse) return 0;
  const vt_euse *u = vt_ecohort_uses(a, p), *v = vt_ecohort_uses(b, q);
  for (uint32_t k = 0; k < p->nuse; k++)
    if (u[k].code != v[k].code || u[k].first != v[k].first || u[k].last != v[k].last || u[k].count != v[k].count)
      return 0;
  return 1;
}

typedef struct hash_at { uint64_t h; size_t i; } hash_at;

static int cmp_hidx(const void *a, const void *b) {
  const hash_at *x = a, *y = b;
  if (x->h != y->h) return x->h < y->h ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

/* Share of synthetic records whose trajectory equals one of ref[idx[0..n)]. */
static double exact_share(const vt_ecohort *S, const vt_ecohort *ref, const size_t *idx, size_t n) {
  if (S->n == 0 || n == 0) return NAN;
  hash_at *t = vt_xmalloc(n * sizeof *t);
  for (size_t i = 0; i < n; i++) t[i] = (hash_at){ traj_hash(ref, &ref->persons[idx[i]]), idx[i] };
  qsort(t, n, sizeof *t, cmp_hidx);
  size_t hits = 0;
  for (size_t s = 0; s < S->n; s++) {
    const vt_eperson *p = &S->persons[s];
    uint64_t h = traj_hash(S, p);
    size_t lo = 0, hi = n;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (t[mid].h < h) lo = mid + 1;
      else hi = mid;
    }
    for (; lo < n && t[lo].h == h; lo++)
      if (traj_equal(S, p, ref, &ref->persons[t[lo].i])) { hits++; break; }
  }
  free(t);
  return (double)hits / (double)S->n;
}

/* The sorted codes of a person (into buf, at most cap): its count. */
static uint32_t code_set(const vt_ecohort *c, const vt_eperson *p, uint32_t *buf) {
  const vt_euse *u = vt_ecohort_uses(c, p);
  for (uint32_t k = 0; k < p->nuse; k++) buf[k] = u[k].code;
  for (uint32_t k = 1; k < p->nuse; k++) {   /* insertion sort: a person has few codes */
    uint32_t x = buf[k], j = k;
    while (j > 0 && buf[j - 1] > x) { buf[j] = buf[j - 1]; j--; }
    buf[j] = x;
  }
  return p->nuse;
}

typedef struct near_job {
  const vt_ecohort *S, *ref;
  const size_t *ref_idx;         /* ref persons by (sex, birth year), sorted */
  const int64_t *ref_key;
  size_t nref;
  const uint64_t *sbits, *rbits; /* code bitsets (synthetic: all; ref: by position in ref_idx) */
  size_t words;
  uint8_t *hit;
} near_job;

static int64_t sy_key(const vt_eperson *p) { return (int64_t)pv_sex(p) * 100000 + pv_birth_year(p); }

static void near_range(void *ud, size_t lo, size_t hi) {
  near_job *j = ud;
  for (size_t s = lo; s < hi; s++) {
    const vt_eperson *p = &j->S->persons[s];
    j->hit[s] = 0;
    int y = pv_birth_year(p);
    if (p->nuse < 5 || y < 0) continue;
    int64_t k0 = sy_key(p) - 1, k1 = sy_key(p) + 1;
    size_t a = 0, b = j->nref;
    while (a < b) {
      size_t mid = (a + b) / 2;
      if (j->ref_key[mid] < k0) a = mid + 1;
      else b = mid;
    }
    for (; a < j->nref && j->ref_key[a] <= k1; a++)
      if (vt_jaccard(j->sbits + s * j->words, j->rbits + a * j->words, j->words) <= 0.1 + 1e-12) {
        j->hit[s] = 1;
        break;
      }
  }
}

typedef struct key_pos { int64_t key; size_t i; } key_pos;

static int cmp_key_pos(const void *a, const void *b) {
  const key_pos *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

/* Share of synthetic records (>= 5 codes) with a near copy among
** ref[idx[0..n)]: same sex, birth year within 1, code-set Jaccard <= 0.1. */
static double near_share(const vt_ecohort *S, const uint64_t *scodes, const vt_ecohort *ref, const size_t *idx,
                         size_t n, size_t words, int threads) {
  if (S->n == 0 || n == 0) return NAN;
  key_pos *kp = vt_xmalloc(n * sizeof *kp);
  for (size_t i = 0; i < n; i++) kp[i] = (key_pos){ sy_key(&ref->persons[idx[i]]), idx[i] };
  qsort(kp, n, sizeof *kp, cmp_key_pos);
  size_t *ri = vt_xmalloc(n * sizeof *ri);
  int64_t *rk = vt_xmalloc(n * sizeof *rk);
  for (size_t i = 0; i < n; i++) { ri[i] = kp[i].i; rk[i] = kp[i].key; }
  free(kp);
  uint64_t *rb = vt_xcalloc(n * words, sizeof *rb);
  for (size_t i = 0; i < n; i++) {
    const vt_eperson *p = &ref->persons[ri[i]];
    const vt_euse *u = vt_ecohort_uses(ref, p);
    for (uint32_t k = 0; k < p->nuse; k++) rb[i * words + u[k].code / 64] |= 1ull << (u[k].code % 64);
  }
  near_job j = { S, ref, ri, rk, n, scodes, rb, words, vt_xmalloc(S->n) };
  pv_parallel(threads, S->n, near_range, &j);
  size_t hits = 0;
  for (size_t s = 0; s < S->n; s++) hits += j.hit[s];
  free(j.hit);
  free(rb);
  free(ri);
  free(rk);
  return (double)hits / (double)S->n;
}

/* Code-set trajectories (sex + set of codes) as two 64-bit hashes. */
typedef struct cs_key { uint64_t a, b; } cs_key;

static cs_key cs_hash(const vt_ecohort *c, const vt_eperson *p, uint32_t *buf) {
  uint32_t n = code_set(c, p, buf);
  cs_key k = { mix(0xC5, (uint64_t)(unsigned char)p->sex), mix(0x7C5, (uint64_t)(unsigned char)p->sex + 977) };
  for (uint32_t i = 0; i < n; i++) {
    k.a = mix(k.a, buf[i]);
    k.b = mix(k.b ^ 0x5555, (uint64_t)buf[i] * 2654435761u + 1);
  }
  return k;
}

static int cmp_cs(const void *x, const void *y) {
  const cs_key *a = x, *b = y;
  if (a->a != b->a) return a->a < b->a ? -1 : 1;
  if (a->b != b->b) return a->b < b->b ? -1 : 1;
  return 0;
}

static uint32_t max_nuse(const vt_ecohort *c) {
  uint32_t m = 1;
  for (size_t i = 0; i < c->n; i++)
    if (c->persons[i].nuse > m) m = c->persons[i].nuse;
  return m;
}

/* Of the trajectories of ref[idx[0..n)] seen fewer than 3 times there,
** the share found in the synthetic cohort (sorted keys sk[0..ns)). */
static double rare_share(const vt_ecohort *ref, const size_t *idx, size_t n, const cs_key *sk, size_t ns,
                         size_t *nrare) {
  uint32_t *buf = vt_xmalloc(max_nuse(ref) * sizeof *buf);
  cs_key *k = vt_xmalloc((n ? n : 1) * sizeof *k);
  for (size_t i = 0; i < n; i++) k[i] = cs_hash(ref, &ref->persons[idx[i]], buf);
  free(buf);
  qsort(k, n, sizeof *k, cmp_cs);
  size_t rare = 0, found = 0;
  for (size_t i = 0; i < n;) {
    size_t e = i;
    while (e < n && cmp_cs(&k[e], &k[i]) == 0) e++;
    if (e - i < 3) {
      rare++;
      if (ns && bsearch(&k[i], sk, ns, sizeof *sk, cmp_cs)) found++;
    }
    i = e;
  }
  free(k);
  *nrare = rare;
  return rare ? (double)found / (double)rare : NAN;
}

/* ---- the ledger ------------------------------------------------------------- */

static void read_ledger(const vt_ecohort *S, vt_eval_privacy *r) {
  r->ledger_present = 0;
  r->ledger_eps = r->ledger_delta = NAN;
  r->ledger_measurements = 0;
  if (strcmp(S->kind, "vitae") != 0 || !S->spec) {
    snprintf(r->ledger_note, sizeof r->ledger_note, "no ledger: the synthetic cohort is not a vitae database");
    return;
  }
  const char *path = strncmp(S->spec, "vitae:", 6) == 0 ? S->spec + 6 : S->spec;
  sqlite3 *db = NULL;
  char err[256];
  if (vt_sqlite_open_ro(path, &db, err, sizeof err) != 0) {
    snprintf(r->ledger_note, sizeof r->ledger_note, "no ledger: %.180s", err);
    return;
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT measurement, epsilon, delta FROM privacy_ledger", -1, &st, NULL) != SQLITE_OK) {
    snprintf(r->ledger_note, sizeof r->ledger_note, "no ledger: the database has no privacy_ledger table");
    sqlite3_close(db);
    return;
  }
  long rows = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    rows++;
    const char *m = (const char *)sqlite3_column_text(st, 0);
    if (m && strcmp(m, "total") == 0) {
      if (sqlite3_column_type(st, 1) != SQLITE_NULL) r->ledger_eps = sqlite3_column_double(st, 1);
      if (sqlite3_column_type(st, 2) != SQLITE_NULL) r->ledger_delta = sqlite3_column_double(st, 2);
    } else {
      r->ledger_measurements++;
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  if (rows == 0) {
    snprintf(r->ledger_note, sizeof r->ledger_note,
             "no ledger: the cohort was simulated from parameters not fitted with differential privacy");
    return;
  }
  r->ledger_present = 1;
  snprintf(r->ledger_note, sizeof r->ledger_note, "%ld measurements of the real data", r->ledger_measurements);
}

/* ---- the run ---------------------------------------------------------------- */

static void dcr_hist(const double *d, size_t n, double *h) {
  for (int b = 0; b < DCR_BINS; b++) h[b] = 0;
  for (size_t i = 0; i < n; i++) {
    int b = (int)(d[i] * DCR_BINS);
    if (b >= DCR_BINS) b = DCR_BINS - 1;
    if (b < 0) b = 0;
    h[b] += 1.0 / (double)n;
  }
}

static void nan_mia(mia_fig *f) {
  memset(f, 0, sizeof *f);
  f->auroc = f->lo = f->hi = f->tpr1 = f->tpr01 = NAN;
}

int vt_eval_privacy_run(const vt_eval_ctx *cx, vt_eval_privacy **out, char *err, size_t errlen) {
  vt_eval_privacy *r = vt_xcalloc(1, sizeof *r);
  *out = r;
  const vt_ecohort *S = cx->synth, *R = cx->real, *H = cx->holdout;
  int threads = cx->threads > 0 ? cx->threads : 1;
  nan_mia(&r->dist); nan_mia(&r->dens); nan_mia(&r->dist_rare); nan_mia(&r->dens_rare);
  for (int a = 0; a < 3; a++) pv_risk_from(0, 0, 0, &r->anon[a]);
  r->exact_train = r->exact_holdout = r->near_train = r->near_holdout = NAN;
  r->share_train = r->share_holdout = r->rare_diff = NAN;
  r->med_train = r->med_holdout = r->p5_train = r->p5_holdout = r->dcr_ratio = NAN;
  r->nndr_med_train = r->nndr_med_holdout = r->nndr_p5_train = r->nndr_p5_holdout = NAN;
  r->nsynth = S ? S->n : 0;
  read_ledger(S, r);
  if (!R || R->n == 0 || S->n == 0) {
    snprintf(r->reason, sizeof r->reason, "%s", !R || R->n == 0 ? "needs --real (the training data the cohort was learned from)"
                                                                : "the synthetic cohort has no persons");
    return 0;
  }
  r->measured = 1;
  r->has_holdout = H && H->n > 0;
  r->ntrain = R->n;
  size_t m = r->has_holdout ? (H->n < R->n ? H->n : R->n) : R->n;
  size_t *midx = pv_sample(R->n, m, cx->seed ^ 0x3E3BE5);
  size_t *hidx = r->has_holdout ? pv_sample(H->n, m, cx->seed ^ 0x401D) : NULL;
  r->members = m;
  r->nonmembers = r->has_holdout ? m : 0;
  size_t ncodes = ncodes_of(cx), words = (ncodes + NTOK + 63) / 64, cwords = (ncodes + 63) / 64;
  if (cwords == 0) cwords = 1;
  vt_eval_progress(cx, "privacy: %zu members, %zu non-members, %zu synthetic records", m, r->nonmembers, S->n);

  uint64_t *sb = bitsets(S, NULL, S->n, ncodes, words);
  uint64_t *mb = bitsets(R, midx, m, ncodes, words);
  uint64_t *hb = r->has_holdout ? bitsets(H, hidx, m, ncodes, words) : NULL;

  /* 1-3: membership inference */
  if (r->has_holdout) {
    vt_vptree *st = vt_vptree_build(sb, S->n, words);
    if (!st) { snprintf(err, errlen, "privacy: out of memory"); goto fail; }
    double *d = vt_xmalloc(2 * m * sizeof *d), *sc = vt_xmalloc(2 * m * sizeof *sc), *ds = vt_xmalloc(2 * m * sizeof *ds);
    uint8_t *lab = vt_xmalloc(2 * m);
    nn_q q1 = { st, mb, words, d, NULL }, q2 = { st, hb, words, d + m, NULL };
    vt_eval_progress(cx, "privacy: distance attack (%zu nearest-neighbour queries)", 2 * m);
    pv_parallel(threads, m, nn_range, &q1);
    pv_parallel(threads, m, nn_range, &q2);
    vt_vptree_free(st);
    for (size_t i = 0; i < 2 * m; i++) { sc[i] = -d[i]; lab[i] = i < m; }
    mia_figures(sc, lab, 2 * m, cx->seed ^ 0xB0075, &r->dist);
    roc_curve(sc, lab, 2 * m, r->roc_fpr, r->roc_dist);
    vt_eval_progress(cx, "privacy: density-ratio attack");
    if (density_scores(cx, midx, hidx, m, ncodes, ds, err, errlen) != 0) {
      free(d); free(sc); free(ds); free(lab);
      goto fail;
    }
    mia_figures(ds, lab, 2 * m, cx->seed ^ 0xB0076, &r->dens);
    roc_curve(ds, lab, 2 * m, r->roc_fpr, r->roc_dens);
    /* rare patients: a code held by fewer than 1% of the scored persons
    ** (members and holdout pooled: a rule from the training data alone
    ** would pick members by data that includes them, and bias the
    ** comparison) */
    size_t *cnt = vt_xcalloc(ncodes ? ncodes : 1, sizeof *cnt);
    for (size_t i = 0; i < 2 * m; i++) {
      const vt_ecohort *c = i < m ? R : H;
      const vt_eperson *p = &c->persons[i < m ? midx[i] : hidx[i - m]];
      const vt_euse *u = vt_ecohort_uses(c, p);
      for (uint32_t j = 0; j < p->nuse; j++) cnt[u[j].code]++;
    }
    double lim = RARE_PREV * (double)(2 * m);
    size_t k = 0;
    for (size_t i = 0; i < 2 * m; i++) {
      const vt_ecohort *c = i < m ? R : H;
      const vt_eperson *p = &c->persons[i < m ? midx[i] : hidx[i - m]];
      const vt_euse *u = vt_ecohort_uses(c, p);
      int rare = 0;
      for (uint32_t j = 0; j < p->nuse && !rare; j++) rare = (double)cnt[u[j].code] < lim;
      if (rare) { sc[k] = sc[i]; ds[k] = ds[i]; lab[k] = lab[i]; k++; }
    }
    free(cnt);
    mia_figures(sc, lab, k, cx->seed ^ 0xB0077, &r->dist_rare);
    mia_figures(ds, lab, k, cx->seed ^ 0xB0078, &r->dens_rare);
    if (r->dist_rare.n_members < RARE_MIN || r->dist_rare.n_nonmembers < RARE_MIN) {
      mia_fig keep = r->dist_rare;
      nan_mia(&r->dist_rare); nan_mia(&r->dens_rare);
      r->dist_rare.n_members = r->dens_rare.n_members = keep.n_members;
      r->dist_rare.n_nonmembers = r->dens_rare.n_nonmembers = keep.n_nonmembers;
    }
    free(d); free(sc); free(ds); free(lab);

    /* 4: Anonymeter */
    vt_eval_progress(cx, "privacy: singling out, linkability, inference");
    pv_anonymeter(R, midx, H, hidx, m, S, cx->seed ^ 0xA707, threads, r->anon);
  }

  /* 5: copies */
  vt_eval_progress(cx, "privacy: copies");
  r->exact_train = exact_share(S, R, midx, m);
  if (r->has_holdout) r->exact_holdout = exact_share(S, H, hidx, m);
  {
    uint64_t *scodes = vt_xcalloc(S->n * cwords, sizeof *scodes);   /* codes only */
    for (size_t s = 0; s < S->n; s++) {
      const vt_eperson *p = &S->persons[s];
      const vt_euse *u = vt_ecohort_uses(S, p);
      for (uint32_t k = 0; k < p->nuse; k++) scodes[s * cwords + u[k].code / 64] |= 1ull << (u[k].code % 64);
    }
    r->near_train = near_share(S, scodes, R, midx, m, cwords, threads);
    if (r->has_holdout) r->near_holdout = near_share(S, scodes, H, hidx, m, cwords, threads);
    free(scodes);
  }

  /* 6: rare-case memorisation */
  {
    uint32_t *buf = vt_xmalloc(max_nuse(S) * sizeof *buf);
    cs_key *sk = vt_xmalloc(S->n * sizeof *sk);
    for (size_t s = 0; s < S->n; s++) sk[s] = cs_hash(S, &S->persons[s], buf);
    free(buf);
    qsort(sk, S->n, sizeof *sk, cmp_cs);
    r->share_train = rare_share(R, midx, m, sk, S->n, &r->n_rare_train);
    if (r->has_holdout) {
      r->share_holdout = rare_share(H, hidx, m, sk, S->n, &r->n_rare_holdout);
      r->rare_diff = r->share_train - r->share_holdout;
    }
    free(sk);
  }

  /* 7: DCR, NNDR */
  {
    vt_eval_progress(cx, "privacy: distance to closest record");
    size_t nd = S->n < DCR_MAX ? S->n : DCR_MAX;
    size_t *didx = pv_sample(S->n, nd, cx->seed ^ 0xDC12);
    uint64_t *qb = vt_xmalloc(nd * words * sizeof *qb);
    for (size_t i = 0; i < nd; i++) memcpy(qb + i * words, sb + didx[i] * words, words * sizeof *qb);
    free(didx);
    r->dcr_n = nd;
    double *d1 = vt_xmalloc(nd * sizeof *d1), *d2 = vt_xmalloc(nd * sizeof *d2), *nn = vt_xmalloc(nd * sizeof *nn);
    for (int side = 0; side < (r->has_holdout ? 2 : 1); side++) {
      vt_vptree *t = vt_vptree_build(side ? hb : mb, m, words);
      if (!t) { free(qb); free(d1); free(d2); free(nn); snprintf(err, errlen, "privacy: out of memory"); goto fail; }
      nn_q q = { t, qb, words, d1, d2 };
      pv_parallel(threads, nd, nn_range, &q);
      vt_vptree_free(t);
      for (size_t i = 0; i < nd; i++) nn[i] = d2[i] > 0 ? d1[i] / d2[i] : 1.0;
      dcr_hist(d1, nd, side ? r->hist_holdout : r->hist_train);
      double med = quantile(d1, nd, 0.5), p5 = quantile(d1, nd, 0.05);
      double nmed = quantile(nn, nd, 0.5), np5 = quantile(nn, nd, 0.05);
      if (side) { r->med_holdout = med; r->p5_holdout = p5; r->nndr_med_holdout = nmed; r->nndr_p5_holdout = np5; }
      else { r->med_train = med; r->p5_train = p5; r->nndr_med_train = nmed; r->nndr_p5_train = np5; }
    }
    if (r->has_holdout) r->dcr_ratio = r->med_holdout > 0 ? r->med_train / r->med_holdout : NAN;
    free(qb); free(d1); free(d2); free(nn);
  }

  free(sb); free(mb); free(hb); free(midx); free(hidx);
  return 0;
fail:
  free(sb); free(mb); free(hb); free(midx); free(hidx);
  vt_eval_privacy_free(r);
  *out = NULL;
  return -1;
}

void vt_eval_privacy_free(vt_eval_privacy *r) { free(r); }

