/*
** eval_fidelity.c -- `vitae eval`'s fidelity area (learn/eval.h; DESIGN.md,
** "Evaluation"; docs/eval.md, "Fidelity"): how close the synthetic cohort is
** to the reference (the holdout when given, else the real data) in six
** parts, each a distance in [0, 1]:
**
**   pyramid        total variation between the (sex x 5-year band) shares of
**                  the age at the end of observation
**   survival       the largest gap between the Kaplan-Meier curves of age at
**                  death by sex (left-truncated at the observation start)
**   prevalence     sum |p_k - q_k| / sum (p_k + q_k) over the codes used
**   onset          mean KS statistic of the age at first onset of the 10
**                  most prevalent conditions
**   cooccurrence   mean |phi_real - phi_synth| over the off-diagonal pairs of
**                  the top 20 codes (phi from cblas_dsyrk), halved
**   sequences      mean total variation of the next new code after each of
**                  the top 20 codes
**
** score = 1 - mean of the parts measured.  Side 0 is the reference, side 1
** the synthetic cohort; everything is a deterministic function of the two.
*/
#include "learn/eval.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn/eval_stats.h"
#include "learn/eval_svg.h"
#include "sim/strbuf.h"

#define NBANDS 18        /* 0-4 ... 80-84, 85+ */
#define NAGES 101        /* survival curves at ages 0..100 */
#define TOPK 20          /* co-occurrence and sequence codes */
#define NONSET 10        /* onset codes */
#define NGAPS 10         /* largest prevalence gaps, linked-code pairs */
#define MIN_PERSONS 20   /* per side: an onset code, a survival curve */
#define SCATTER_MAX 300  /* codes drawn in the prevalence scatter */
#define YEAR 365.25

enum { P_PYRAMID, P_SURVIVAL, P_PREVALENCE, P_ONSET, P_COOC, P_SEQ, NPARTS };
static const char *const part_name[NPARTS] = { "pyramid_tv", "survival_distance", "prevalence_scaled_diff",
                                                "onset_mean_ks", "cooccurrence_half_diff", "sequences_mean_tv" };
static const char *const part_title[NPARTS] = { "Age and sex structure", "Survival", "Prevalence of codes",
                                                 "Age at first onset", "Co-occurrence", "Sequences" };

typedef struct codeinfo {
  uint32_t code;
  char key[96];
  char label[160];
} codeinfo;

typedef struct gapinfo {
  codeinfo c;
  double real, synth;
} gapinfo;

typedef struct onsetinfo {
  codeinfo c;
  size_t n[2];
  double ks;
  double cdf[2][NAGES];          /* share with onset at or before age a */
} onsetinfo;

typedef struct pairinfo {
  codeinfo from, to;
  size_t n[2];
  double median[2], ks;
} pairinfo;

struct vt_eval_fidelity {
  int measured;
  char reason[200];
  int holdout;                   /* the reference is the holdout */
  size_t n[2];
  double score;
  double part[NPARTS];           /* NAN when left out */
  char missing[NPARTS][120];     /* why a part was left out */
  /* pyramid */
  double pyr[2][2][NBANDS];      /* side, sex (F, M), band: share of the side's persons */
  double pyr_tv;
  /* survival */
  double surv[2][2][NAGES];      /* NAN where a curve is not drawn */
  double surv_dist[2];           /* per sex, NAN when too few */
  double surv_distance;
  /* prevalence */
  size_t n_codes;
  double prev_corr, prev_mad, prev_scaled;
  size_t nscatter;
  double *sc_x, *sc_y;
  int ngaps;
  gapinfo gaps[NGAPS];
  double epy[2];
  /* onset */
  int nonset;
  onsetinfo onset[NONSET];
  /* co-occurrence and sequences */
  int k;
  codeinfo top[TOPK];
  double *cm[2];                 /* k x k correlations */
  double cooc_mad;
  double seq_tv[TOPK], seq_mean_tv;
  int npairs;
  pairinfo pairs[NGAPS];
};

static void info(const vt_ecodes *codes, uint32_t k, codeinfo *ci) {
  ci->code = k;
  vt_ecodes_key(codes, k, ci->key, sizeof ci->key);
  char buf[160];
  const char *l = vt_ecodes_label(codes, k, buf, sizeof buf);
  snprintf(ci->label, sizeof ci->label, "%s", l ? l : ci->key);
}

/* The day a person's observation ends: obs_end, or death when earlier. */
static vt_day end_day(const vt_eperson *p) {
  vt_day e = p->obs_end;
  if (p->death != VT_NO_DAY && (e == VT_NO_DAY || p->death < e)) e = p->death;
  return e;
}

static int sex_index(char s) { return s == 'F' ? 0 : s == 'M' ? 1 : -1; }

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median_sorted(const double *v, size_t n) {
  if (!n) return NAN;
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ---- pyramid ------------------------------------------------------------- */

static void pyramid(vt_eval_fidelity *r, const vt_ecohort *const side[2]) {
  double cnt[2][2 * NBANDS];
  memset(cnt, 0, sizeof cnt);
  double tot[2] = { 0, 0 };
  for (int s = 0; s < 2; s++)
    for (size_t i = 0; i < side[s]->n; i++) {
      const vt_eperson *p = &side[s]->persons[i];
      int x = sex_index(p->sex), age = vt_eval_age_years(p->birth, end_day(p));
      if (x < 0 || age < 0) continue;
      int b = age / 5 < NBANDS ? age / 5 : NBANDS - 1;
      cnt[s][x * NBANDS + b]++;
      tot[s]++;
    }
  for (int s = 0; s < 2; s++)
    for (int x = 0; x < 2; x++)
      for (int b = 0; b < NBANDS; b++) r->pyr[s][x][b] = tot[s] > 0 ? cnt[s][x * NBANDS + b] / tot[s] : NAN;
  if (tot[0] > 0 && tot[1] > 0) {
    r->pyr_tv = vt_total_variation(cnt[0], cnt[1], 2 * NBANDS);
    r->part[P_PYRAMID] = r->pyr_tv;
  } else {
    r->pyr_tv = NAN;
    snprintf(r->missing[P_PYRAMID], sizeof r->missing[0], "no person with a known sex, birth and end of observation");
  }
}

/* ---- survival ------------------------------------------------------------ */

typedef struct kmrec { int32_t entry, exit; int event; } kmrec;

static int cmp_entry(const void *a, const void *b) {
  int32_t x = ((const kmrec *)a)->entry, y = ((const kmrec *)b)->entry;
  return (x > y) - (x < y);
}
static int cmp_exit(const void *a, const void *b) {
  int32_t x = ((const kmrec *)a)->exit, y = ((const kmrec *)b)->exit;
  return (x > y) - (x < y);
}

/* Kaplan-Meier of age at death (days) with left truncation: a person is at
** risk at t when entry <= t <= exit.  curve[a] = S(a years), NAN at ages
** with fewer than MIN_PERSONS at risk.  Returns the number of persons used. */
static size_t km_curve(const vt_ecohort *c, int sex, double curve[NAGES]) {
  kmrec *rec = vt_xmalloc((c->n ? c->n : 1) * sizeof *rec);
  size_t n = 0;
  for (size_t i = 0; i < c->n; i++) {
    const vt_eperson *p = &c->persons[i];
    if (sex_index(p->sex) != sex || p->birth == VT_NO_DAY) continue;
    vt_day ex = p->death != VT_NO_DAY ? p->death : p->obs_end;
    if (ex == VT_NO_DAY || ex < p->birth) continue;
    vt_day en = p->obs_start != VT_NO_DAY && p->obs_start > p->birth ? p->obs_start : p->birth;
    if (en > ex) en = ex;
    rec[n].entry = en - p->birth;
    rec[n].exit = ex - p->birth;
    rec[n].event = p->death != VT_NO_DAY;
    n++;
  }
  kmrec *byexit = vt_xmalloc((n ? n : 1) * sizeof *byexit);
  memcpy(byexit, rec, n * sizeof *rec);
  qsort(rec, n, sizeof *rec, cmp_entry);
  qsort(byexit, n, sizeof *byexit, cmp_exit);
  /* sweep the exit times; at each time with deaths, the risk set is
  ** #(entry <= t) - #(exit < t) */
  double s = 1;
  size_t ie = 0, ix = 0;
  int a = 0;
  for (size_t j = 0; j < n;) {
    int32_t t = byexit[j].exit;
    size_t d = 0, k = j;
    for (; k < n && byexit[k].exit == t; k++) d += (size_t)byexit[k].event;
    while (a < NAGES && a * YEAR < t) curve[a++] = s;
    if (d) {
      while (ie < n && rec[ie].entry <= t) ie++;
      while (ix < n && byexit[ix].exit < t) ix++;
      double atrisk = (double)ie - (double)ix;
      if (atrisk > 0) s *= 1.0 - (double)d / atrisk;
    }
    j = k;
  }
  while (a < NAGES) curve[a++] = s;
  /* persons at risk at each age: the curve is not read where fewer than
  ** MIN_PERSONS are (a flat tail there says nothing) */
  ie = ix = 0;
  for (a = 0; a < NAGES; a++) {
    double t = a * YEAR;
    while (ie < n && rec[ie].entry <= t) ie++;
    while (ix < n && byexit[ix].exit < t) ix++;
    if ((double)ie - (double)ix < MIN_PERSONS) curve[a] = NAN;
  }
  free(rec);
  free(byexit);
  return n;
}

static void survival(vt_eval_fidelity *r, const vt_ecohort *const side[2]) {
  r->surv_distance = NAN;
  for (int x = 0; x < 2; x++) {
    size_t m[2];
    for (int s = 0; s < 2; s++) m[s] = km_curve(side[s], x, r->surv[s][x]);
    r->surv_dist[x] = NAN;
    if (m[0] < MIN_PERSONS || m[1] < MIN_PERSONS) {
      for (int s = 0; s < 2; s++) for (int a = 0; a < NAGES; a++) r->surv[s][x][a] = NAN;
      continue;
    }
    double d = 0;
    int read = 0;
    for (int a = 0; a < NAGES; a++) {
      double u = r->surv[0][x][a], w = r->surv[1][x][a];
      if (u == u && w == w) { d = fmax(d, fabs(u - w)); read++; }
    }
    if (!read) continue;
    r->surv_dist[x] = d;
    if (!(r->surv_distance >= d)) r->surv_distance = d;
  }
  if (r->surv_distance == r->surv_distance) r->part[P_SURVIVAL] = r->surv_distance;
  else
    snprintf(r->missing[P_SURVIVAL], sizeof r->missing[0], "fewer than %d persons of either sex on a side",
             MIN_PERSONS);
}

/* ---- prevalence ---------------------------------------------------------- */

typedef struct rank { uint32_t code; double key; } rank;
static int cmp_rank(const void *a, const void *b) {
  const rank *x = a, *y = b;
  if (x->key != y->key) return x->key > y->key ? -1 : 1;
  return (x->code > y->code) - (x->code < y->code);
}

static void prevalence(vt_eval_fidelity *r, const vt_ecodes *codes, const vt_ecohort *const side[2],
                       double *const cnt[2]) {
  size_t nc = codes->n;
  double *p[2];
  for (int s = 0; s < 2; s++) {
    p[s] = vt_xcalloc(nc ? nc : 1, sizeof(double));
    for (size_t k = 0; k < nc; k++) p[s][k] = side[s]->n ? cnt[s][k] / (double)side[s]->n : 0;
  }
  rank *rk = vt_xmalloc((nc ? nc : 1) * sizeof *rk);
  size_t m = 0;
  double sx = 0, sy = 0, sad = 0, ssum = 0;
  for (size_t k = 0; k < nc; k++) {
    if (cnt[0][k] == 0 && cnt[1][k] == 0) continue;
    rk[m].code = (uint32_t)k;
    rk[m].key = fmax(p[0][k], p[1][k]);
    m++;
    sx += p[0][k];
    sy += p[1][k];
    sad += fabs(p[0][k] - p[1][k]);
    ssum += p[0][k] + p[1][k];
  }
  r->n_codes = m;
  r->prev_corr = r->prev_mad = r->prev_scaled = NAN;
  if (m) {
    double mx = sx / (double)m, my = sy / (double)m, cxx = 0, cyy = 0, cxy = 0;
    for (size_t i = 0; i < m; i++) {
      double dx = p[0][rk[i].code] - mx, dy = p[1][rk[i].code] - my;
      cxx += dx * dx;
      cyy += dy * dy;
      cxy += dx * dy;
    }
    r->prev_corr = cxx > 0 && cyy > 0 ? cxy / sqrt(cxx * cyy) : (sad == 0 ? 1.0 : NAN);
    r->prev_mad = sad / (double)m;
    r->prev_scaled = ssum > 0 ? sad / ssum : 0;
    r->part[P_PREVALENCE] = r->prev_scaled;
    /* the scatter: the most prevalent codes */
    qsort(rk, m, sizeof *rk, cmp_rank);
    r->nscatter = m < SCATTER_MAX ? m : SCATTER_MAX;
    r->sc_x = vt_xmalloc(r->nscatter * sizeof(double));
    r->sc_y = vt_xmalloc(r->nscatter * sizeof(double));
    for (size_t i = 0; i < r->nscatter; i++) {
      r->sc_x[i] = p[0][rk[i].code];
      r->sc_y[i] = p[1][rk[i].code];
    }
    /* the largest gaps */
    for (size_t i = 0; i < m; i++) rk[i].key = fabs(p[0][rk[i].code] - p[1][rk[i].code]);
    qsort(rk, m, sizeof *rk, cmp_rank);
    for (size_t i = 0; i < m && r->ngaps < NGAPS; i++) {
      if (rk[i].key <= 0) break;
      gapinfo *g = &r->gaps[r->ngaps++];
      info(codes, rk[i].code, &g->c);
      g->real = p[0][rk[i].code];
      g->synth = p[1][rk[i].code];
    }
  } else {
    snprintf(r->missing[P_PREVALENCE], sizeof r->missing[0], "no code on either side");
  }
  free(rk);
  free(p[0]);
  free(p[1]);
  /* events per patient-year */
  for (int s = 0; s < 2; s++) {
    double ev = 0, yrs = 0;
    for (size_t i = 0; i < side[s]->n; i++) {
      const vt_eperson *q = &side[s]->persons[i];
      if (q->obs_start == VT_NO_DAY || q->obs_end == VT_NO_DAY || q->obs_end < q->obs_start) continue;
      ev += q->nevents;
      yrs += (double)(q->obs_end - q->obs_start + 1) / YEAR;
    }
    r->epy[s] = yrs > 0 ? ev / yrs : NAN;
  }
}

/* ---- onset --------------------------------------------------------------- */

static void onset(vt_eval_fidelity *r, const vt_ecodes *codes, const vt_ecohort *const side[2],
                  double *const cnt[2]) {
  size_t nc = codes->n;
  rank *rk = vt_xmalloc((nc ? nc : 1) * sizeof *rk);
  size_t m = 0;
  for (size_t k = 0; k < nc; k++)
    if (codes->domain[k] == VT_DOMAIN_CONDITION && cnt[0][k] >= MIN_PERSONS && cnt[1][k] >= MIN_PERSONS)
      rk[m++] = (rank){ (uint32_t)k, cnt[0][k] / (double)side[0]->n };
  qsort(rk, m, sizeof *rk, cmp_rank);
  int no = m < NONSET ? (int)m : NONSET;
  int *slot = vt_xmalloc((nc ? nc : 1) * sizeof *slot);
  for (size_t k = 0; k < nc; k++) slot[k] = -1;
  for (int i = 0; i < no; i++) slot[rk[i].code] = i;
  double *ages[2][NONSET];
  size_t cap[2][NONSET];
  memset(ages, 0, sizeof ages);
  for (int s = 0; s < 2; s++)
    for (int i = 0; i < no; i++) {
      cap[s][i] = (size_t)cnt[s][rk[i].code] + 1;
      ages[s][i] = vt_xmalloc(cap[s][i] * sizeof(double));
      r->onset[i].n[s] = 0;
    }
  for (int s = 0; s < 2; s++)
    for (size_t pi = 0; pi < side[s]->n; pi++) {
      const vt_eperson *p = &side[s]->persons[pi];
      if (p->birth == VT_NO_DAY) continue;
      const vt_euse *u = vt_ecohort_uses(side[s], p);
      for (uint32_t j = 0; j < p->nuse; j++) {
        int i = slot[u[j].code];
        if (i < 0 || u[j].first == VT_NO_DAY || r->onset[i].n[s] >= cap[s][i]) continue;
        ages[s][i][r->onset[i].n[s]++] = (double)(u[j].first - p->birth) / YEAR;
      }
    }
  r->nonset = 0;
  double sks = 0;
  int nks = 0;
  for (int i = 0; i < no; i++) {
    onsetinfo *o = &r->onset[i];
    info(codes, rk[i].code, &o->c);
    o->ks = vt_ks_statistic(ages[0][i], o->n[0], ages[1][i], o->n[1]);
    for (int s = 0; s < 2; s++) {
      qsort(ages[s][i], o->n[s], sizeof(double), cmp_double);
      size_t j = 0;
      for (int a = 0; a < NAGES; a++) {
        while (j < o->n[s] && ages[s][i][j] <= a) j++;
        o->cdf[s][a] = o->n[s] ? (double)j / (double)o->n[s] : NAN;
      }
      free(ages[s][i]);
    }
    if (o->ks == o->ks) { sks += o->ks; nks++; }
  }
  r->nonset = no;
  if (nks) r->part[P_ONSET] = sks / nks;
  else
    snprintf(r->missing[P_ONSET], sizeof r->missing[0], "no condition with at least %d persons on each side",
             MIN_PERSONS);
  free(slot);
  free(rk);
}

/* ---- co-occurrence and sequences ----------------------------------------- */

/* The k x k correlations of the indicators of codes top[] (slot[] maps a
** code to its column) over the cohort's persons: the centred n x k
** indicator matrix X, C = X'X by cblas_dsyrk, scaled to correlations (0 for
** a constant column, 1 on the diagonal). */
static void phi_matrix(const vt_ecohort *c, const int *slot, int k, double *out) {
  size_t n = c->n;
  double *x = vt_xcalloc((n ? n : 1) * (size_t)k, sizeof(double));
  double *mean = vt_xcalloc((size_t)k, sizeof(double));
  for (size_t i = 0; i < n; i++) {
    const vt_eperson *p = &c->persons[i];
    const vt_euse *u = vt_ecohort_uses(c, p);
    for (uint32_t j = 0; j < p->nuse; j++) {
      int col = slot[u[j].code];
      if (col >= 0) x[i * (size_t)k + (size_t)col] = 1;
    }
  }
  for (size_t i = 0; i < n; i++)
    for (int j = 0; j < k; j++) mean[j] += x[i * (size_t)k + (size_t)j];
  for (int j = 0; j < k; j++) mean[j] /= n ? (double)n : 1;
  for (size_t i = 0; i < n; i++)
    for (int j = 0; j < k; j++) x[i * (size_t)k + (size_t)j] -= mean[j];
  double *cv = vt_xcalloc((size_t)k * (size_t)k, sizeof(double));
  if (n) cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, k, (int)n, 1.0, x, k, 0.0, cv, k);
  for (int i = 0; i < k; i++)
    for (int j = i; j < k; j++) {
      double v;
      if (i == j) v = 1;
      else {
        double d = cv[i * k + i] * cv[j * k + j];
        v = d > 0 ? cv[i * k + j] / sqrt(d) : 0;
        if (v > 1) v = 1;
        if (v < -1) v = -1;
      }
      out[i * k + j] = out[j * k + i] = v;
    }
  free(cv);
  free(mean);
  free(x);
}

/* The code of the next new use after use j of person p (uses are sorted by
** first day, then code): -1 for none. */
static long next_code(const vt_euse *u, uint32_t nuse, uint32_t j) {
  uint32_t t = j + 1;
  while (t < nuse && u[t].first == u[j].first) t++;
  return t < nuse ? (long)u[t].code : -1;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static void cooc_sequences(vt_eval_fidelity *r, const vt_ecodes *codes, const vt_ecohort *const side[2],
                           double *const cnt[2]) {
  size_t nc = codes->n;
  rank *rk = vt_xmalloc((nc ? nc : 1) * sizeof *rk);
  size_t m = 0;
  for (size_t k = 0; k < nc; k++)
    if (cnt[0][k] > 0 && cnt[1][k] > 0) rk[m++] = (rank){ (uint32_t)k, cnt[0][k] };
  qsort(rk, m, sizeof *rk, cmp_rank);
  int k = m < TOPK ? (int)m : TOPK;
  r->k = k;
  int *slot = vt_xmalloc((nc ? nc : 1) * sizeof *slot);
  for (size_t i = 0; i < nc; i++) slot[i] = -1;
  for (int i = 0; i < k; i++) {
    slot[rk[i].code] = i;
    info(codes, rk[i].code, &r->top[i]);
  }
  free(rk);
  r->cooc_mad = r->seq_mean_tv = NAN;
  if (k < 1) {
    snprintf(r->missing[P_COOC], sizeof r->missing[0], "no code present on both sides");
    snprintf(r->missing[P_SEQ], sizeof r->missing[0], "no code present on both sides");
    free(slot);
    return;
  }
  /* co-occurrence */
  for (int s = 0; s < 2; s++) {
    r->cm[s] = vt_xmalloc((size_t)k * (size_t)k * sizeof(double));
    phi_matrix(side[s], slot, k, r->cm[s]);
  }
  if (k >= 2) {
    double sum = 0;
    int np = 0;
    for (int i = 0; i < k; i++)
      for (int j = i + 1; j < k; j++) { sum += fabs(r->cm[0][i * k + j] - r->cm[1][i * k + j]); np++; }
    r->cooc_mad = sum / np;
    r->part[P_COOC] = r->cooc_mad / 2;
  } else {
    snprintf(r->missing[P_COOC], sizeof r->missing[0], "fewer than 2 codes present on both sides");
  }
  /* next new code: categories 0..k-1 the top codes, k "other", k+1 "none" */
  int nk = k + 2;
  double *nx[2];
  uint64_t *pairs = NULL;
  size_t npairs = 0, pcap = 0;
  for (int s = 0; s < 2; s++) {
    nx[s] = vt_xcalloc((size_t)k * (size_t)nk, sizeof(double));
    for (size_t pi = 0; pi < side[s]->n; pi++) {
      const vt_eperson *p = &side[s]->persons[pi];
      const vt_euse *u = vt_ecohort_uses(side[s], p);
      for (uint32_t j = 0; j < p->nuse; j++) {
        int a = slot[u[j].code];
        if (a < 0) continue;
        long b = next_code(u, p->nuse, j);
        int cat = b < 0 ? k + 1 : slot[b] >= 0 ? slot[b] : k;
        nx[s][a * nk + cat]++;
        if (s == 0 && b >= 0) {
          if (npairs == pcap) { pcap = pcap ? 2 * pcap : 4096; pairs = vt_xrealloc(pairs, pcap * sizeof *pairs); }
          pairs[npairs++] = (uint64_t)a << 32 | (uint64_t)b;
        }
      }
    }
  }
  double stv = 0;
  int ntv = 0;
  for (int a = 0; a < k; a++) {
    r->seq_tv[a] = vt_total_variation(nx[0] + a * nk, nx[1] + a * nk, (size_t)nk);
    if (r->seq_tv[a] == r->seq_tv[a]) { stv += r->seq_tv[a]; ntv++; }
  }
  if (ntv) {
    r->seq_mean_tv = stv / ntv;
    r->part[P_SEQ] = r->seq_mean_tv;
  } else {
    snprintf(r->missing[P_SEQ], sizeof r->missing[0], "no top code with a use on both sides");
  }
  free(nx[0]);
  free(nx[1]);
  /* the most frequent (A -> next B) pairs of the reference */
  if (npairs) qsort(pairs, npairs, sizeof *pairs, cmp_u64);
  rank *pr = vt_xmalloc((npairs ? npairs : 1) * sizeof *pr);
  uint64_t *pkey = vt_xmalloc((npairs ? npairs : 1) * sizeof *pkey);
  size_t nd = 0;
  for (size_t i = 0; i < npairs;) {
    size_t j = i;
    while (j < npairs && pairs[j] == pairs[i]) j++;
    pkey[nd] = pairs[i];
    pr[nd] = (rank){ (uint32_t)nd, (double)(j - i) };
    nd++;
    i = j;
  }
  qsort(pr, nd, sizeof *pr, cmp_rank);
  r->npairs = nd < NGAPS ? (int)nd : NGAPS;
  int pa[NGAPS];
  long pb[NGAPS];
  double *days[2][NGAPS];
  size_t dcap[2][NGAPS];
  for (int g = 0; g < r->npairs; g++) {
    uint64_t key = pkey[pr[g].code];
    pa[g] = (int)(key >> 32);
    pb[g] = (long)(key & 0xffffffffu);
    r->pairs[g].from = r->top[pa[g]];
    info(codes, (uint32_t)pb[g], &r->pairs[g].to);
    for (int s = 0; s < 2; s++) {
      dcap[s][g] = 64;
      days[s][g] = vt_xmalloc(dcap[s][g] * sizeof(double));
      r->pairs[g].n[s] = 0;
    }
  }
  free(pr);
  free(pkey);
  free(pairs);
  for (int s = 0; s < 2 && r->npairs; s++)
    for (size_t pi = 0; pi < side[s]->n; pi++) {
      const vt_eperson *p = &side[s]->persons[pi];
      const vt_euse *u = vt_ecohort_uses(side[s], p);
      for (uint32_t j = 0; j < p->nuse; j++) {
        int a = slot[u[j].code];
        if (a < 0) continue;
        long b = -2;
        for (int g = 0; g < r->npairs; g++) {
          if (pa[g] != a) continue;
          if (b == -2) b = next_code(u, p->nuse, j);
          if (b != pb[g]) continue;
          /* the day B first appears: the first use after j with code b */
          const vt_euse *ub = vt_ecohort_find_use(side[s], p, (uint32_t)b);
          if (!ub) continue;
          pairinfo *pp = &r->pairs[g];
          if (pp->n[s] == dcap[s][g]) {
            dcap[s][g] *= 2;
            days[s][g] = vt_xrealloc(days[s][g], dcap[s][g] * sizeof(double));
          }
          days[s][g][pp->n[s]++] = (double)(ub->first - u[j].first);
        }
      }
    }
  for (int g = 0; g < r->npairs; g++) {
    pairinfo *pp = &r->pairs[g];
    for (int s = 0; s < 2; s++) {
      qsort(days[s][g], pp->n[s], sizeof(double), cmp_double);
      pp->median[s] = median_sorted(days[s][g], pp->n[s]);
    }
    pp->ks = vt_ks_statistic(days[0][g], pp->n[0], days[1][g], pp->n[1]);
    free(days[0][g]);
    free(days[1][g]);
  }
  free(slot);
}

/* ---- the area ------------------------------------------------------------ */

int vt_eval_fidelity_run(const vt_eval_ctx *cx, vt_eval_fidelity **out, char *err, size_t errlen) {
  (void)err;
  (void)errlen;
  vt_eval_fidelity *r = vt_xcalloc(1, sizeof *r);
  *out = r;
  r->score = NAN;
  for (int i = 0; i < NPARTS; i++) r->part[i] = NAN;
  const vt_ecohort *ref = cx->holdout ? cx->holdout : cx->real;
  if (!ref || !cx->synth || !cx->codes) {
    snprintf(r->reason, sizeof r->reason,
             "no real data given (--real or --holdout): fidelity compares the cohort with real data");
    return 0;
  }
  r->measured = 1;
  r->holdout = cx->holdout != NULL;
  const vt_ecohort *side[2] = { ref, cx->synth };
  for (int s = 0; s < 2; s++) r->n[s] = side[s]->n;
  vt_eval_progress(cx, "fidelity: %zu synthetic against %zu %s persons", r->n[1], r->n[0],
                   r->holdout ? "holdout" : "real");
  /* persons per code, each side */
  size_t nc = cx->codes->n;
  double *cnt[2];
  for (int s = 0; s < 2; s++) {
    cnt[s] = vt_xcalloc(nc ? nc : 1, sizeof(double));
    for (size_t i = 0; i < side[s]->nuses; i++)
      if (side[s]->uses[i].code < nc) cnt[s][side[s]->uses[i].code]++;
  }
  pyramid(r, side);
  survival(r, side);
  prevalence(r, cx->codes, side, cnt);
  onset(r, cx->codes, side, cnt);
  cooc_sequences(r, cx->codes, side, cnt);
  free(cnt[0]);
  free(cnt[1]);
  double sum = 0;
  int np = 0;
  for (int i = 0; i < NPARTS; i++)
    if (r->part[i] == r->part[i]) {
      double v = r->part[i] < 0 ? 0 : r->part[i] > 1 ? 1 : r->part[i];
      sum += v;
      np++;
    }
  if (np) r->score = 1 - sum / np;
  else snprintf(r->reason, sizeof r->reason, "no part could be measured (too few persons or codes)");
  return 0;
}

void vt_eval_fidelity_verdict(const vt_eval_fidelity *r, vt_eval_verdict *v) {
  memset(v, 0, sizeof *v);
  snprintf(v->metric, sizeof v->metric, "fidelity score");
  v->value = r ? r->score : NAN;
  if (!r || !r->measured || r->score != r->score) {
    v->level = VT_EVAL_NOT_MEASURED;
    v->value = NAN;
    snprintf(v->verdict, sizeof v->verdict, "not measured");
    snprintf(v->text, sizeof v->text, "Fidelity was not measured: %s.", r ? r->reason : "no result");
    return;
  }
  if (r->score >= 0.9) {
    v->level = VT_EVAL_GOOD;
    snprintf(v->verdict, sizeof v->verdict, "close to the real data");
    snprintf(v->text, sizeof v->text,
             "Ages, survival, code prevalences, onset ages, co-occurrences and sequences are close to the %s data "
             "(score %.3f of 1).", r->holdout ? "holdout" : "real", r->score);
  } else if (r->score >= 0.75) {
    v->level = VT_EVAL_CAUTION;
    snprintf(v->verdict, sizeof v->verdict, "partly close to the real data");
    snprintf(v->text, sizeof v->text,
             "Some parts differ from the %s data (score %.3f of 1): check the largest distances below before "
             "relying on the cohort for those questions.", r->holdout ? "holdout" : "real", r->score);
  } else {
    v->level = VT_EVAL_POOR;
    snprintf(v->verdict, sizeof v->verdict, "far from the real data");
    snprintf(v->text, sizeof v->text,
             "The cohort differs markedly from the %s data (score %.3f of 1): analyses on it may not carry over.",
             r->holdout ? "holdout" : "real", r->score);
  }
}

/* ---- JSON ----------------------------------------------------------------- */

static void jw_reals(vt_jsonw *w, const char *key, const double *v, size_t n) {
  vt_jw_key(w, key);
  vt_jw_arr(w, 1);
  for (size_t i = 0; i < n; i++) vt_jw_real(w, v[i]);
  vt_jw_end(w);
}

static void band_label(int b, char *buf, size_t n) {
  if (b == NBANDS - 1) snprintf(buf, n, "%d+", 5 * b);
  else snprintf(buf, n, "%d-%d", 5 * b, 5 * b + 4);
}

void vt_eval_fidelity_json(const vt_eval_fidelity *r, vt_jsonw *w) {
  vt_jw_kbool(w, "measured", r->measured);
  if (!r->measured) {
    vt_jw_kstr(w, "reason", r->reason);
    return;
  }
  static const char *const sn[2] = { "real", "synth" }, *const xn[2] = { "F", "M" };
  vt_jw_kstr(w, "reference", r->holdout ? "holdout" : "real");
  vt_jw_kint(w, "n_real", (int64_t)r->n[0]);
  vt_jw_kint(w, "n_synth", (int64_t)r->n[1]);
  vt_jw_kreal(w, "score", r->score);
  vt_jw_key(w, "parts");
  vt_jw_obj(w, 0);
  for (int i = 0; i < NPARTS; i++) vt_jw_kreal(w, part_name[i], r->part[i]);
  vt_jw_end(w);
  vt_jw_key(w, "missing");
  vt_jw_obj(w, 0);
  for (int i = 0; i < NPARTS; i++) if (r->part[i] != r->part[i]) vt_jw_kstr(w, part_name[i], r->missing[i]);
  vt_jw_end(w);
  /* pyramid */
  vt_jw_key(w, "pyramid");
  vt_jw_obj(w, 0);
  vt_jw_key(w, "bands");
  vt_jw_arr(w, 1);
  for (int b = 0; b < NBANDS; b++) {
    char buf[16];
    band_label(b, buf, sizeof buf);
    vt_jw_str(w, buf);
  }
  vt_jw_end(w);
  for (int s = 0; s < 2; s++) {
    vt_jw_key(w, sn[s]);
    vt_jw_obj(w, 0);
    for (int x = 0; x < 2; x++) jw_reals(w, xn[x], r->pyr[s][x], NBANDS);
    vt_jw_end(w);
  }
  vt_jw_kreal(w, "tv", r->pyr_tv);
  vt_jw_end(w);
  /* survival */
  vt_jw_key(w, "survival");
  vt_jw_obj(w, 0);
  double ages[NAGES];
  for (int a = 0; a < NAGES; a++) ages[a] = a;
  jw_reals(w, "ages", ages, NAGES);
  for (int s = 0; s < 2; s++) {
    vt_jw_key(w, sn[s]);
    vt_jw_obj(w, 0);
    for (int x = 0; x < 2; x++) jw_reals(w, xn[x], r->surv[s][x], NAGES);
    vt_jw_end(w);
  }
  vt_jw_key(w, "distance_by_sex");
  vt_jw_obj(w, 1);
  for (int x = 0; x < 2; x++) vt_jw_kreal(w, xn[x], r->surv_dist[x]);
  vt_jw_end(w);
  vt_jw_kreal(w, "distance", r->surv_distance);
  vt_jw_end(w);
  /* prevalence */
  vt_jw_key(w, "prevalence");
  vt_jw_obj(w, 0);
  vt_jw_kint(w, "n_codes", (int64_t)r->n_codes);
  vt_jw_kreal(w, "correlation", r->prev_corr);
  vt_jw_kreal(w, "mean_abs_diff", r->prev_mad);
  vt_jw_kreal(w, "scaled_diff", r->prev_scaled);
  vt_jw_key(w, "largest_gaps");
  vt_jw_arr(w, 0);
  for (int i = 0; i < r->ngaps; i++) {
    vt_jw_obj(w, 1);
    vt_jw_kstr(w, "code", r->gaps[i].c.key);
    vt_jw_kstr(w, "label", r->gaps[i].c.label);
    vt_jw_kreal(w, "real", r->gaps[i].real);
    vt_jw_kreal(w, "synth", r->gaps[i].synth);
    vt_jw_end(w);
  }
  vt_jw_end(w);
  vt_jw_end(w);
  vt_jw_key(w, "events_per_patient_year");
  vt_jw_obj(w, 1);
  vt_jw_kreal(w, "real", r->epy[0]);
  vt_jw_kreal(w, "synth", r->epy[1]);
  vt_jw_end(w);
  /* onset */
  vt_jw_key(w, "onset");
  vt_jw_arr(w, 0);
  for (int i = 0; i < r->nonset; i++) {
    const onsetinfo *o = &r->onset[i];
    vt_jw_obj(w, 1);
    vt_jw_kstr(w, "code", o->c.key);
    vt_jw_kstr(w, "label", o->c.label);
    vt_jw_kint(w, "n_real", (int64_t)o->n[0]);
    vt_jw_kint(w, "n_synth", (int64_t)o->n[1]);
    vt_jw_kreal(w, "ks", o->ks);
    vt_jw_end(w);
  }
  vt_jw_end(w);
  /* co-occurrence */
  vt_jw_key(w, "cooccurrence");
  vt_jw_obj(w, 0);
  vt_jw_key(w, "codes");
  vt_jw_arr(w, 1);
  for (int i = 0; i < r->k; i++) vt_jw_str(w, r->top[i].key);
  vt_jw_end(w);
  for (int s = 0; s < 2; s++) {
    vt_jw_key(w, sn[s]);
    vt_jw_arr(w, 0);
    for (int i = 0; i < r->k && r->cm[s]; i++) {
      vt_jw_arr(w, 1);
      for (int j = 0; j < r->k; j++) vt_jw_real(w, r->cm[s][i * r->k + j]);
      vt_jw_end(w);
    }
    vt_jw_end(w);
  }
  vt_jw_kreal(w, "mean_abs_diff", r->cooc_mad);
  vt_jw_end(w);
  /* sequences */
  vt_jw_key(w, "sequences");
  vt_jw_obj(w, 0);
  vt_jw_key(w, "per_code");
  vt_jw_arr(w, 0);
  for (int i = 0; i < r->k; i++) {
    vt_jw_obj(w, 1);
    vt_jw_kstr(w, "code", r->top[i].key);
    vt_jw_kstr(w, "label", r->top[i].label);
    vt_jw_kreal(w, "tv", r->seq_tv[i]);
    vt_jw_end(w);
  }
  vt_jw_end(w);
  vt_jw_kreal(w, "mean_tv", r->seq_mean_tv);
  vt_jw_key(w, "gaps");
  vt_jw_arr(w, 0);
  for (int g = 0; g < r->npairs; g++) {
    const pairinfo *p = &r->pairs[g];
    vt_jw_obj(w, 1);
    vt_jw_kstr(w, "from", p->from.key);
    vt_jw_kstr(w, "to", p->to.key);
    vt_jw_kint(w, "n_real", (int64_t)p->n[0]);
    vt_jw_kint(w, "n_synth", (int64_t)p->n[1]);
    vt_jw_kreal(w, "median_days_real", p->median[0]);
    vt_jw_kreal(w, "median_days_synth", p->median[1]);
    vt_jw_kreal(w, "ks", p->ks);
    vt_jw_end(w);
  }
  vt_jw_end(w);
  vt_jw_end(w);
}

/* ---- HTML ----------------------------------------------------------------- */

static void num(FILE *f, double v, const char *fmt) {
  fputs("<td class=\"num\">", f);
  if (v == v) fprintf(f, fmt, v);
  else fputs("&#8211;", f);
  fputs("</td>", f);
}

static void td_text(FILE *f, const char *s) {
  fputs("<td>", f);
  vt_eval_html_text(f, s);
  fputs("</td>", f);
}

static void figure_open(FILE *f) { fputs("<figure class=\"plot\">\n", f); }
static void figure_close(FILE *f, const char *caption) {
  fputs("<figcaption>", f);
  vt_eval_html_text(f, caption);
  fputs("</figcaption></figure>\n", f);
}

int vt_eval_fidelity_html(const vt_eval_fidelity *r, FILE *f) {
  fputs("<section id=\"fidelity\">\n<h2>Fidelity: how close is the cohort to the real data?</h2>\n", f);
  vt_eval_verdict v;
  vt_eval_fidelity_verdict(r, &v);
  static const char *const badge[] = { "good", "caution", "poor" };
  fprintf(f, "<p><span class=\"badge %s\">", v.level == VT_EVAL_NOT_MEASURED ? "na" : badge[v.level]);
  vt_eval_html_text(f, v.verdict);
  fputs("</span> ", f);
  vt_eval_html_text(f, v.text);
  fputs("</p>\n", f);
  if (!r->measured) {
    fputs("<p class=\"note\">Not measured: ", f);
    vt_eval_html_text(f, r->reason);
    fputs(".</p>\n</section>\n", f);
    return ferror(f) ? -1 : 0;
  }
  const char *refname = r->holdout ? "holdout" : "real";
  fprintf(f, "<p>The synthetic cohort (%zu persons) is compared with the %s data (%zu persons) in six parts. Each "
             "part is a distance between 0 (identical) and 1 (nothing in common); the fidelity score is 1 minus "
             "their mean. A cohort compared with itself scores exactly 1.</p>\n",
          r->n[1], refname, r->n[0]);
  fputs("<table class=\"figures\"><tr><th>Part</th><th>Distance</th><th>Note</th></tr>\n", f);
  for (int i = 0; i < NPARTS; i++) {
    fputs("<tr>", f);
    td_text(f, part_title[i]);
    num(f, r->part[i], "%.3f");
    td_text(f, r->part[i] == r->part[i] ? "" : r->missing[i]);
    fputs("</tr>\n", f);
  }
  fputs("<tr><th>Fidelity score</th>", f);
  num(f, r->score, "%.3f");
  fputs("<td></td></tr></table>\n", f);

  /* pyramid */
  fputs("<h3>Age and sex structure</h3>\n<p>Each person's age at the end of its record (or at death), in five-year "
        "bands, as a share of everyone on its side. The bars should have the same shape on both sides; the distance "
        "is the total variation between the two (sex, band) distributions: the share of persons that would have "
        "to move to another band or sex to make them equal.</p>\n", f);
  {
    char lab[NBANDS][8];
    const char *labs[NBANDS];
    for (int b = 0; b < NBANDS; b++) {
      if (b == NBANDS - 1) snprintf(lab[b], sizeof lab[b], "%d+", 5 * b);
      else snprintf(lab[b], sizeof lab[b], "%d", 5 * b);
      labs[b] = lab[b];
    }
    vt_svg_series s[4] = {
      { "F real", "#1f77b4", NULL, r->pyr[0][0], NBANDS }, { "F synthetic", "#aec7e8", NULL, r->pyr[1][0], NBANDS },
      { "M real", "#d62728", NULL, r->pyr[0][1], NBANDS }, { "M synthetic", "#ff9896", NULL, r->pyr[1][1], NBANDS },
    };
    figure_open(f);
    vt_svg_bars(f, "Share of persons by age band (start of band) and sex", labs, NBANDS, s, 4);
    figure_close(f, "Age at the end of observation, by five-year band and sex, real and synthetic.");
  }
  fputs("<p>Total variation: ", f);
  if (r->pyr_tv == r->pyr_tv) fprintf(f, "%.3f", r->pyr_tv);
  else fputs("not measured", f);
  fputs(".</p>\n", f);

  /* survival */
  fputs("<h3>Survival</h3>\n<p>The share of persons still alive at each age (Kaplan-Meier), by sex. A person counts "
        "from the age at which its record starts and stops counting at the end of its record. The curves should "
        "overlap; the distance is the largest vertical gap between them at any age from 0 to 100 at which at least 20 "
        "persons are at risk on both sides (the curves stop where fewer are).</p>\n", f);
  if (r->surv_distance == r->surv_distance) {
    double ages[NAGES];
    for (int a = 0; a < NAGES; a++) ages[a] = a;
    vt_svg_series s[4] = {
      { "F real", "#1f77b4", ages, r->surv[0][0], NAGES }, { "F synthetic", "#aec7e8", ages, r->surv[1][0], NAGES },
      { "M real", "#d62728", ages, r->surv[0][1], NAGES }, { "M synthetic", "#ff9896", ages, r->surv[1][1], NAGES },
    };
    figure_open(f);
    vt_svg_lines(f, "Survival by age and sex", "age (years)", "share alive", s, 4, 1);
    figure_close(f, "Kaplan-Meier survival curves, left-truncated at the start of observation.");
    fprintf(f, "<p>Largest gap: %.3f (F ", r->surv_distance);
    if (r->surv_dist[0] == r->surv_dist[0]) fprintf(f, "%.3f", r->surv_dist[0]); else fputs("n/a", f);
    fputs(", M ", f);
    if (r->surv_dist[1] == r->surv_dist[1]) fprintf(f, "%.3f", r->surv_dist[1]); else fputs("n/a", f);
    fputs(").</p>\n", f);
  } else {
    fprintf(f, "<p class=\"note\">Not measured: %s.</p>\n", r->missing[P_SURVIVAL]);
  }

  /* prevalence */
  fputs("<h3>Prevalence of codes</h3>\n<p>For every code (diagnosis, drug, procedure...), the share of persons who "
        "have it at least once. Each point is a code: on the dashed diagonal the synthetic share equals the real "
        "one. The table names the codes with the largest gaps. The distance is the sum of the gaps divided by the "
        "sum of the shares on both sides.</p>\n", f);
  if (r->nscatter) {
    vt_svg_series s = { "codes", "#1f77b4", r->sc_x, r->sc_y, r->nscatter };
    figure_open(f);
    vt_svg_scatter(f, "Share of persons with each code", "real", "synthetic", &s);
    figure_close(f, "Prevalence of the most prevalent codes, real (x) against synthetic (y).");
  }
  fprintf(f, "<p>%zu codes; correlation ", r->n_codes);
  if (r->prev_corr == r->prev_corr) fprintf(f, "%.3f", r->prev_corr); else fputs("n/a", f);
  fputs("; mean absolute difference ", f);
  if (r->prev_mad == r->prev_mad) fprintf(f, "%.4f", r->prev_mad); else fputs("n/a", f);
  fputs(". Events per person-year: real ", f);
  if (r->epy[0] == r->epy[0]) fprintf(f, "%.2f", r->epy[0]); else fputs("n/a", f);
  fputs(", synthetic ", f);
  if (r->epy[1] == r->epy[1]) fprintf(f, "%.2f", r->epy[1]); else fputs("n/a", f);
  fputs(".</p>\n", f);
  if (r->ngaps) {
    fputs("<table class=\"figures\"><tr><th>Code</th><th>Description</th><th>Real</th><th>Synthetic</th>"
          "<th>Gap</th></tr>\n", f);
    for (int i = 0; i < r->ngaps; i++) {
      fputs("<tr>", f);
      td_text(f, r->gaps[i].c.key);
      td_text(f, r->gaps[i].c.label);
      num(f, r->gaps[i].real, "%.4f");
      num(f, r->gaps[i].synth, "%.4f");
      num(f, r->gaps[i].synth - r->gaps[i].real, "%+.4f");
      fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
  }

  /* onset */
  fputs("<h3>Age at first onset</h3>\n<p>For the most common conditions, the age at which each person first has "
        "it. The distance for a condition is the Kolmogorov-Smirnov statistic: the largest gap between the two "
        "cumulative distributions (0: same ages, 1: no overlap).</p>\n", f);
  if (r->nonset) {
    fputs("<table class=\"figures\"><tr><th>Code</th><th>Description</th><th>Persons real</th>"
          "<th>Persons synthetic</th><th>KS</th></tr>\n", f);
    for (int i = 0; i < r->nonset; i++) {
      const onsetinfo *o = &r->onset[i];
      fputs("<tr>", f);
      td_text(f, o->c.key);
      td_text(f, o->c.label);
      fprintf(f, "<td class=\"num\">%zu</td><td class=\"num\">%zu</td>", o->n[0], o->n[1]);
      num(f, o->ks, "%.3f");
      fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    double ages[NAGES];
    for (int a = 0; a < NAGES; a++) ages[a] = a;
    for (int i = 0; i < r->nonset && i < 4; i++) {
      const onsetinfo *o = &r->onset[i];
      vt_svg_series s[2] = { { "real", "#1f77b4", ages, o->cdf[0], NAGES },
                             { "synthetic", "#ff7f0e", ages, o->cdf[1], NAGES } };
      figure_open(f);
      vt_svg_lines(f, o->c.label, "age at first onset (years)", "share with onset by then", s, 2, 1);
      figure_close(f, "Cumulative distribution of the age at first onset.");
    }
  } else {
    fprintf(f, "<p class=\"note\">Not measured: %s.</p>\n", r->missing[P_ONSET]);
  }

  /* co-occurrence */
  fputs("<h3>Co-occurrence</h3>\n<p>For the most common codes, how often two codes go together in the same person "
        "(the correlation of having one with having the other: +1 always together, 0 unrelated, -1 never "
        "together). The synthetic pattern should look like the real one; the last map shows synthetic minus real. "
        "The distance is half the mean absolute difference between the two matrices.</p>\n", f);
  if (r->k >= 2) {
    const char *labs[TOPK];
    for (int i = 0; i < r->k; i++) labs[i] = r->top[i].label;
    double *d = vt_xmalloc((size_t)r->k * (size_t)r->k * sizeof(double));
    for (int i = 0; i < r->k * r->k; i++) d[i] = r->cm[1][i] - r->cm[0][i];
    static const char *const ht[3] = { "Correlations, real", "Correlations, synthetic",
                                       "Difference, synthetic minus real" };
    const double *ms[3] = { r->cm[0], r->cm[1], d };
    for (int m = 0; m < 3; m++) {
      figure_open(f);
      vt_svg_heatmap(f, ht[m], labs, (size_t)r->k, ms[m]);
      figure_close(f, ht[m]);
    }
    free(d);
    fprintf(f, "<p>Mean absolute difference off the diagonal: %.3f.</p>\n", r->cooc_mad);
  } else {
    fprintf(f, "<p class=\"note\">Not measured: %s.</p>\n", r->missing[P_COOC]);
  }

  /* sequences */
  fputs("<h3>Sequences</h3>\n<p>What comes next: for each common code, the distribution of the next new code in a "
        "person's record (one of the common codes, another code, or none). The distance for a code is the total "
        "variation between the real and synthetic distributions. The second table gives, for the most frequent "
        "pairs of a code and the code that follows it, the days between them.</p>\n", f);
  if (r->k >= 1 && r->seq_mean_tv == r->seq_mean_tv) {
    fputs("<table class=\"figures\"><tr><th>Code</th><th>Description</th><th>TV of the next code</th></tr>\n", f);
    for (int i = 0; i < r->k; i++) {
      fputs("<tr>", f);
      td_text(f, r->top[i].key);
      td_text(f, r->top[i].label);
      num(f, r->seq_tv[i], "%.3f");
      fputs("</tr>\n", f);
    }
    fprintf(f, "</table>\n<p>Mean total variation: %.3f.</p>\n", r->seq_mean_tv);
  } else {
    fprintf(f, "<p class=\"note\">Not measured: %s.</p>\n", r->missing[P_SEQ]);
  }
  if (r->npairs) {
    fputs("<table class=\"figures\"><tr><th>From</th><th>To</th><th>Persons real</th><th>Persons synthetic</th>"
          "<th>Median days real</th><th>Median days synthetic</th><th>KS</th></tr>\n", f);
    for (int g = 0; g < r->npairs; g++) {
      const pairinfo *p = &r->pairs[g];
      fputs("<tr>", f);
      td_text(f, p->from.label);
      td_text(f, p->to.label);
      fprintf(f, "<td class=\"num\">%zu</td><td class=\"num\">%zu</td>", p->n[0], p->n[1]);
      num(f, p->median[0], "%.0f");
      num(f, p->median[1], "%.0f");
      num(f, p->ks, "%.3f");
      fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
  }
  fputs("</section>\n", f);
  return ferror(f) ? -1 : 0;
}

void vt_eval_fidelity_free(vt_eval_fidelity *r) {
  if (!r) return;
  free(r->sc_x);
  free(r->sc_y);
  free(r->cm[0]);
  free(r->cm[1]);
  free(r);
}
