/*
** release.h -- step 1's release of `vitae learn`: the exact workload vector
** (learn/measure.h) noised once with the discrete Gaussian, block by block,
** under a zCDP budget split by a public rule, with its ledger.  The result
** is what params.yaml carries as `privacy_ledger` and `dp_summary`
** (schemas/params.md; vt_release_write_yaml in learn/release_yaml.c).
**
** Budget split (public, fixed before any data is read): rho_total =
** vt_dp_zcdp_rho(epsilon, delta) goes to the workload's non-empty blocks in
** proportion to the fixed weights vt_release_default_weights (demog 1,
** deaths 2, persontime 1, risktime 1, onset 4, postonset 2, pair_onset 2, pair_atrisk 1),
** times (1 - 1e-9) so that rounding never overspends.  A workload without
** linked pairs has empty pair blocks: they take no share, and the other
** blocks split the budget as before.  A block's size depends on the module set only,
** so which blocks share the budget is public too.
**
**   vt_dp_rng rng; vt_dp_rng_os(&rng);
**   vt_release rel;
**   if (vt_release_run(&wl, exact, 1.0, 1e-6, &rng, &rel, err, sizeof err) != 0) ...refused
**   vt_release_write_yaml(&rel, f);
**   vt_release_free(&rel);
*/
#ifndef VT_RELEASE_H
#define VT_RELEASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "learn/dp_noise.h"
#include "learn/workload.h"

/* One released statistic: its stable name (vt_workload_name), the noisy
** value and the standard deviation of its noise (its block's sigma). */
typedef struct vt_release_stat {
  char *name;
  int64_t value;
  double sigma;
} vt_release_stat;

/* One measurement of the ledger (a block): name (vt_workload_block_name),
** L2 sensitivity, sigma, the rho charged, and the epsilon it alone converts
** to at the release's delta. */
typedef struct vt_release_measure {
  char *name;
  double sensitivity, sigma, rho, epsilon;
} vt_release_measure;

/* A release: everything in it is public or noisy; nothing else derived from
** the data (no exact counts, no data-dependent lists). */
typedef struct vt_release {
  vt_release_stat *stats;
  size_t nstats;
  vt_release_measure *ledger;
  size_t nledger;
  double epsilon, delta;     /* the budget asked for */
  double rho_budget;         /* vt_dp_zcdp_rho(epsilon, delta) */
  double rho;                /* spent (sum of the ledger's rho, rounded up) */
} vt_release;

/* The fixed block weights of the default split (see the header comment). */
extern const double vt_release_default_weights[VT_WL_BLOCK__COUNT];

/* Release the exact vector `exact` (vt_workload_size(wl) entries) of
** workload wl under (epsilon, delta): split rho by the default weights, then
** as vt_release_run_split. */
int vt_release_run(const vt_workload *wl, const int64_t *exact, double epsilon, double delta, vt_dp_rng *rng,
                   vt_release *out, char *err, size_t errlen);

/* Release with block b given the share shares[b] of rho_total (shares[b] <=
** 0 or an empty block: not measured, not released).  Every measured block
** is first given its variance (vt_dp_sigma2_for_rho from its declared
** Delta^2) and charged to one budget; only when all are charged is anything
** noised.  Refused, -1 with err and *out empty (nothing released), when the
** budget is bad, a block has no sensitivity, its sigma is beyond the
** sampler's range, the charges exceed the budget, noise fails (the random
** source) or memory runs out.  0 with *out filled. */
int vt_release_run_split(const vt_workload *wl, const int64_t *exact, double epsilon, double delta,
                         const double shares[VT_WL_BLOCK__COUNT], vt_dp_rng *rng, vt_release *out,
                         char *err, size_t errlen);

/* What vt_release_run would charge, without data and without noise: the
** same split and charges, giving *out's ledger (every block's sensitivity,
** sigma, rho, epsilon) and totals, with no statistics (nstats 0).  Refused,
** -1 with the message vt_release_run would give and *out empty, when the
** budget is bad or a block cannot be charged.  `vitae learn` calls it
** before it reads any data, so that a refused budget reads nothing. */
int vt_release_plan(const vt_workload *wl, double epsilon, double delta, vt_release *out, char *err, size_t errlen);

void vt_release_free(vt_release *r);

/* Write r as the `privacy_ledger` and `dp_summary` top-level sections of a
** params file (schemas/params.md), to follow a `params:` mapping.  0, or -1
** when writing fails. */
int vt_release_write_yaml(const vt_release *r, FILE *f);

#endif
