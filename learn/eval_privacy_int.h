/*
** eval_privacy_int.h -- what the two files of the privacy area share
** (learn/eval_privacy.c: the run, the membership attacks, copies, DCR, the
** report; learn/eval_privacy_anon.c: Anonymeter's three attacks).  Private
** to the area.
*/
#ifndef VT_EVAL_PRIVACY_INT_H
#define VT_EVAL_PRIVACY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "learn/eval.h"
#include "learn/eval_cohort.h"

/* Run fn(ud, lo, hi) over [0, n) in `threads` contiguous pieces (pthreads;
** inline when threads <= 1 or n is small).  fn writes only to per-index
** outputs, so results never depend on threads. */
typedef void (*pv_range_fn)(void *ud, size_t lo, size_t hi);
void pv_parallel(int threads, size_t n, pv_range_fn fn, void *ud);

/* Birth-year band (5 years, 1880 on; 0..32, 33 for unknown) and sex index
** (F 0, M 1, other 2). */
#define PV_NBAND 34
int pv_band(const vt_eperson *p);
int pv_birth_year(const vt_eperson *p);   /* -1 when unknown */
int pv_sex(const vt_eperson *p);

/* Anonymeter's risk of one attack: attack and control success rates as
** Anonymeter reports them (the centre of the 95% Wilson interval), risk =
** (attack - control) / (1 - control), and its interval from the attack
** rate's Wilson interval with the control rate held at its estimate. */
typedef struct pv_risk {
  int measured;
  size_t n;                      /* attacks (and control attacks) */
  size_t att_succ, ctl_succ;
  double attack, control, risk, lo, hi;
} pv_risk;

/* The Wilson score interval of k successes in n at normal quantile z:
** *centre and *half (the interval is centre +- half). */
void pv_wilson(size_t k, size_t n, double z, double *centre, double *half);
void pv_risk_from(size_t att_succ, size_t ctl_succ, size_t n, pv_risk *r);

/* The three attacks on the tabular view (sex, birth-year band, death,
** indicators of the training data's 20 most prevalent codes): targets are
** the members R[midx[0..m)] (attack) and the holdout H[hidx[0..m)]
** (control); the synthetic cohort is subsampled to m.  out[0] singling
** out, out[1] linkability, out[2] inference.  0, or -1 (memory). */
int pv_anonymeter(const vt_ecohort *R, const size_t *midx, const vt_ecohort *H, const size_t *hidx, size_t m,
                  const vt_ecohort *S, uint64_t seed, int threads, pv_risk out[3]);

/* k of n indices drawn without replacement (seeded stream), ascending. */
size_t *pv_sample(size_t n, size_t k, uint64_t seed);

/* The area's result (learn/eval.h's opaque vt_eval_privacy). */
#define ROC_POINTS 101
#define DCR_BINS 20


typedef struct mia_fig {
  int measured;
  size_t n_members, n_nonmembers;
  double auroc, lo, hi, tpr1, tpr01;
} mia_fig;

struct vt_eval_privacy {
  int measured, has_holdout;
  char reason[160];
  size_t members, nonmembers, nsynth, ntrain;
  mia_fig dist, dens, dist_rare, dens_rare;
  double roc_fpr[ROC_POINTS], roc_dist[ROC_POINTS], roc_dens[ROC_POINTS];
  pv_risk anon[3];
  double exact_train, exact_holdout, near_train, near_holdout;
  size_t n_rare_train, n_rare_holdout;
  double share_train, share_holdout, rare_diff;
  size_t dcr_n;
  double med_train, med_holdout, p5_train, p5_holdout, dcr_ratio;
  double nndr_med_train, nndr_med_holdout, nndr_p5_train, nndr_p5_holdout;
  double hist_train[DCR_BINS], hist_holdout[DCR_BINS];
  int ledger_present;
  double ledger_eps, ledger_delta;
  long ledger_measurements;
  char ledger_note[200];
};

#endif
