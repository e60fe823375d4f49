/*
** eval_privacy_anon.c -- Anonymeter's three attacks (Giomi et al., "A
** Unified Framework for Quantifying Privacy Risk in Synthetic Data", PETS
** 2023) for the privacy area of `vitae eval`: singling out, linkability and
** inference, the three criteria of the Article 29 Working Party's Opinion
** 05/2014 on anonymisation techniques (now the EDPB's).
**
** Each attack is run against training records (members) and, the same
** way, against holdout records (the control): what the attack achieves on
** the control is what the synthetic data tells about anyone of the
** population; only the excess on training records is a privacy risk:
** risk = (attack - control) / (1 - control).
**
** The records are seen as a table of 23 categorical columns: sex,
** birth-year band, death (yes/no) and the indicators of the training
** data's 20 most prevalent codes.  The synthetic cohort is subsampled to
** the members' size (Anonymeter's setting of equal sizes).
*/
#include "learn/eval_privacy_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/rng.h"
#include "sim/strbuf.h"

#define NCOL 23
#define NTOP 20
#define MAX_ATTACKS 2000
#define NSECRET 4

void pv_wilson(size_t k, size_t n, double z, double *centre, double *half) {
  if (n == 0) { *centre = NAN; *half = NAN; return; }
  double nn = (double)n, kk = (double)k, z2 = z * z;
  *centre = (kk + 0.5 * z2) / (nn + z2);
  *half = z / (nn + z2) * sqrt(kk * (nn - kk) / nn + z2 / 4);
}

void pv_risk_from(size_t att_succ, size_t ctl_succ, size_t n, pv_risk *r) {
  memset(r, 0, sizeof *r);
  r->n = n;
  r->att_succ = att_succ;
  r->ctl_succ = ctl_succ;
  if (n == 0) { r->attack = r->control = r->risk = r->lo = r->hi = NAN; return; }
  r->measured = 1;
  double ha, hc;
  pv_wilson(att_succ, n, 1.959963984540054, &r->attack, &ha);
  pv_wilson(ctl_succ, n, 1.959963984540054, &r->control, &hc);
  double den = 1 - r->control;
  if (den <= 0) den = 1e-12;
  r->risk = (r->attack - r->control) / den;
  r->lo = (r->attack - ha - r->control) / den;
  r->hi = (r->attack + ha - r->control) / den;
}

/* The table rows of persons c[idx[0..n)] (idx NULL: all). */
static void tab_rows(const vt_ecohort *c, const size_t *idx, size_t n, const uint32_t *top, uint8_t *rows) {
  for (size_t i = 0; i < n; i++) {
    const vt_eperson *p = &c->persons[idx ? idx[i] : i];
    uint8_t *r = rows + i * NCOL;
    memset(r, 0, NCOL);
    r[0] = (uint8_t)pv_sex(p);
    r[1] = (uint8_t)pv_band(p);
    r[2] = p->death != VT_NO_DAY;
    const vt_euse *u = vt_ecohort_uses(c, p);
    for (uint32_t k = 0; k < p->nuse; k++)
      for (int t = 0; t < NTOP; t++)
        if (u[k].code == top[t]) r[3 + t] = 1;
  }
}

/* ---- singling out ---------------------------------------------------------- */

/* Persons of rows[0..n) matching row `pr` on the columns cols[0..nc),
** counted up to 2. */
static int matches(const uint8_t *rows, size_t n, const uint8_t *pr, const int *cols, int nc) {
  int hits = 0;
  for (size_t i = 0; i < n && hits < 2; i++) {
    const uint8_t *r = rows + i * NCOL;
    int ok = 1;
    for (int c = 0; c < nc && ok; c++) ok = r[cols[c]] == pr[cols[c]];
    hits += ok;
  }
  return hits;
}

/* Predicates drawn from synthetic records: a record and columns in random
** order, added one at a time until the predicate fits that record alone
** among the synthetic ones.  Success: it fits exactly one member (attack),
** exactly one holdout record (control). */
static void singling_out(const uint8_t *srows, size_t ns, const uint8_t *mrows, const uint8_t *hrows, size_t m,
                         uint64_t seed, pv_risk *out) {
  vt_rng r;
  vt_rng_seed(&r, seed);
  size_t want = m < MAX_ATTACKS ? m : MAX_ATTACKS, done = 0, att = 0, ctl = 0;
  size_t *cand = vt_xmalloc((ns ? ns : 1) * sizeof *cand);
  for (size_t tries = 0; done < want && tries < 10 * want; tries++) {
    size_t t = (size_t)vt_rng_int(&r, 0, (int64_t)ns - 1);
    const uint8_t *tr = srows + t * NCOL;
    int cols[NCOL];
    for (int c = 0; c < NCOL; c++) cols[c] = c;
    for (int c = NCOL - 1; c > 0; c--) {
      int j = (int)vt_rng_int(&r, 0, c), tmp = cols[c];
      cols[c] = cols[j];
      cols[j] = tmp;
    }
    size_t nc = ns;
    for (size_t i = 0; i < ns; i++) cand[i] = i;
    int used = 0;
    while (used < NCOL && nc > 1) {
      int col = cols[used++];
      size_t k = 0;
      for (size_t i = 0; i < nc; i++)
        if (srows[cand[i] * NCOL + col] == tr[col]) cand[k++] = cand[i];
      nc = k;
    }
    if (nc != 1) continue;   /* the record has a twin on every column: no predicate */
    done++;
    att += matches(mrows, m, tr, cols, used) == 1;
    ctl += matches(hrows, m, tr, cols, used) == 1;
  }
  free(cand);
  pv_risk_from(att, ctl, done, out);
}

/* ---- linkability and inference --------------------------------------------- */

typedef struct nn_job {
  const uint8_t *srows;
  size_t ns;
  const uint8_t *targets;        /* nt rows */
  uint32_t half_a, half_b;       /* column masks */
  int secret[NSECRET];
  uint8_t *linked;               /* per target: 1 when both halves point to one record */
  uint8_t *guessed;              /* per target and secret: 1 when guessed right */
} nn_job;

static void nn_range(void *ud, size_t lo, size_t hi) {
  nn_job *j = ud;
  for (size_t t = lo; t < hi; t++) {
    const uint8_t *tr = j->targets + t * NCOL;
    int best_a = 99, best_b = 99, best_s[NSECRET];
    size_t ia = 0, ib = 0, is[NSECRET] = { 0 };
    for (int s = 0; s < NSECRET; s++) best_s[s] = 99;
    for (size_t i = 0; i < j->ns; i++) {
      const uint8_t *r = j->srows + i * NCOL;
      uint32_t mis = 0;
      for (int c = 0; c < NCOL; c++) mis |= (uint32_t)(r[c] != tr[c]) << c;
      int da = __builtin_popcount(mis & j->half_a), db = __builtin_popcount(mis & j->half_b);
      if (da < best_a) { best_a = da; ia = i; }   /* strict: ties keep the lowest index */
      if (db < best_b) { best_b = db; ib = i; }
      for (int s = 0; s < NSECRET; s++) {
        int ds = __builtin_popcount(mis & ~(1u << j->secret[s]));
        if (ds < best_s[s]) { best_s[s] = ds; is[s] = i; }
      }
    }
    j->linked[t] = ia == ib;
    for (int s = 0; s < NSECRET; s++)
      j->guessed[t * NSECRET + s] = j->srows[is[s] * NCOL + j->secret[s]] == tr[j->secret[s]];
  }
}

/* The training data's NTOP most prevalent codes (ties: lower index). */
static void top_codes(const vt_ecohort *R, uint32_t *top) {
  uint32_t ncodes = 0;
  for (size_t i = 0; i < R->nuses; i++)
    if (R->uses[i].code + 1 > ncodes) ncodes = R->uses[i].code + 1;
  size_t *cnt = vt_xcalloc(ncodes ? ncodes : 1, sizeof *cnt);
  for (size_t i = 0; i < R->nuses; i++) cnt[R->uses[i].code]++;
  for (int t = 0; t < NTOP; t++) {
    size_t best = 0;
    uint32_t bi = UINT32_MAX;
    for (uint32_t k = 0; k < ncodes; k++)
      if (cnt[k] > best) { best = cnt[k]; bi = k; }
    top[t] = bi;   /* UINT32_MAX: fewer codes than NTOP, the column is all 0 */
    if (bi != UINT32_MAX) cnt[bi] = 0;
  }
  free(cnt);
}

int pv_anonymeter(const vt_ecohort *R, const size_t *midx, const vt_ecohort *H, const size_t *hidx, size_t m,
                  const vt_ecohort *S, uint64_t seed, int threads, pv_risk out[3]) {
  memset(out, 0, 3 * sizeof *out);
  uint32_t top[NTOP];
  top_codes(R, top);
  size_t ns = S->n < m ? S->n : m;
  size_t *sidx = pv_sample(S->n, ns, seed ^ 0xA11);
  uint8_t *srows = vt_xmalloc((ns ? ns : 1) * NCOL), *mrows = vt_xmalloc((m ? m : 1) * NCOL);
  uint8_t *hrows = vt_xmalloc((m ? m : 1) * NCOL);
  tab_rows(S, sidx, ns, top, srows);
  tab_rows(R, midx, m, top, mrows);
  tab_rows(H, hidx, m, top, hrows);
  free(sidx);
  if (ns == 0 || m == 0) {
    free(srows); free(mrows); free(hrows);
    pv_risk_from(0, 0, 0, &out[0]);
    pv_risk_from(0, 0, 0, &out[1]);
    pv_risk_from(0, 0, 0, &out[2]);
    return 0;
  }
  singling_out(srows, ns, mrows, hrows, m, seed ^ 0x5106, &out[0]);

  /* the same targets' positions on both sides */
  size_t nt = m < MAX_ATTACKS ? m : MAX_ATTACKS;
  size_t *pos = pv_sample(m, nt, seed ^ 0x7A6);
  uint8_t *tm = vt_xmalloc(nt * NCOL), *th = vt_xmalloc(nt * NCOL);
  for (size_t i = 0; i < nt; i++) {
    memcpy(tm + i * NCOL, mrows + pos[i] * NCOL, NCOL);
    memcpy(th + i * NCOL, hrows + pos[i] * NCOL, NCOL);
  }
  free(pos);
  nn_job j = { .srows = srows, .ns = ns, .secret = { 2, 3, 4, 5 } };
  /* halves: A = sex, death, codes ranked 1, 3, ..., 19; B = band, codes ranked 2, 4, ..., 20 */
  j.half_a = 1u << 0 | 1u << 2;
  j.half_b = 1u << 1;
  for (int t = 0; t < NTOP; t++) {
    if (t % 2 == 0) j.half_a |= 1u << (3 + t);
    else j.half_b |= 1u << (3 + t);
  }
  size_t succ[2][2] = { { 0, 0 }, { 0, 0 } };   /* [attack, control][link, infer] */
  j.linked = vt_xmalloc(nt);
  j.guessed = vt_xmalloc(nt * NSECRET);
  for (int side = 0; side < 2; side++) {
    j.targets = side ? th : tm;
    pv_parallel(threads, nt, nn_range, &j);
    for (size_t t = 0; t < nt; t++) {
      succ[side][0] += j.linked[t];
      for (int s = 0; s < NSECRET; s++) succ[side][1] += j.guessed[t * NSECRET + s];
    }
  }
  pv_risk_from(succ[0][0], succ[1][0], nt, &out[1]);
  pv_risk_from(succ[0][1], succ[1][1], nt * NSECRET, &out[2]);
  free(j.linked);
  free(j.guessed);
  free(tm);
  free(th);
  free(srows);
  free(mrows);
  free(hrows);
  return 0;
}
