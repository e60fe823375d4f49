/*
** release.c -- noise the workload vector once under a zCDP budget split by a
** public rule, and keep the ledger (learn/release.h; docs/privacy.md,
** "Releasing the workload").  All charges are made before any noise is
** drawn, so a refusal releases nothing.
*/
#include "learn/release.h"
#include "learn/dp_account.h"
#include "sim/strbuf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const double vt_release_default_weights[VT_WL_BLOCK__COUNT] = {
  [VT_WL_BLOCK_DEMOG] = 1, [VT_WL_BLOCK_DEATHS] = 2, [VT_WL_BLOCK_PERSONTIME] = 1, [VT_WL_BLOCK_RISKTIME] = 1,
  [VT_WL_BLOCK_ONSET] = 4, [VT_WL_BLOCK_POSTONSET] = 2, [VT_WL_BLOCK_OBSLEN] = 1, [VT_WL_BLOCK_PAIR_ONSET] = 2, [VT_WL_BLOCK_PAIR_ATRISK] = 1,
};

/* Rounding margin of the default split: the shares add up to 1 - 1e-9. */
#define SPLIT_MARGIN 1e-9

void vt_release_free(vt_release *r) {
  if (!r) return;
  for (size_t i = 0; i < r->nstats; i++) free(r->stats[i].name);
  for (size_t i = 0; i < r->nledger; i++) free(r->ledger[i].name);
  free(r->stats);
  free(r->ledger);
  memset(r, 0, sizeof *r);
}

/* The default split of wl's budget into shares (see release.h). */
static void default_shares(const vt_workload *wl, double shares[VT_WL_BLOCK__COUNT]) {
  double wsum = 0;
  for (int b = 0; b < VT_WL_BLOCK__COUNT; b++)
    if (vt_workload_block_size(wl, (vt_wl_block)b) > 0) wsum += vt_release_default_weights[b];
  for (int b = 0; b < VT_WL_BLOCK__COUNT; b++)
    shares[b] = wsum > 0 && vt_workload_block_size(wl, (vt_wl_block)b) > 0
                  ? vt_release_default_weights[b] / wsum * (1 - SPLIT_MARGIN) : 0;
}

int vt_release_run(const vt_workload *wl, const int64_t *exact, double epsilon, double delta, vt_dp_rng *rng,
                   vt_release *out, char *err, size_t errlen) {
  double shares[VT_WL_BLOCK__COUNT];
  default_shares(wl, shares);
  return vt_release_run_split(wl, exact, epsilon, delta, shares, rng, out, err, errlen);
}

/* The variance chosen for each block (0/0: not measured). */
typedef struct plan { int64_t s2n[VT_WL_BLOCK__COUNT], s2d[VT_WL_BLOCK__COUNT]; int64_t d2[VT_WL_BLOCK__COUNT]; } plan;

/* Give every measured block its variance and charge it to b; nothing is
** noised here.  0, or -1 with err (nothing may be released). */
static int plan_and_spend(const vt_workload *wl, const double shares[VT_WL_BLOCK__COUNT], vt_dp_budget *bud,
                          plan *pl, char *err, size_t errlen) {
  char msg[256];
  memset(pl, 0, sizeof *pl);
  for (int b = 0; b < VT_WL_BLOCK__COUNT; b++) {
    const char *bn = vt_workload_block_name((vt_wl_block)b);
    if (vt_workload_block_size(wl, (vt_wl_block)b) == 0 || !(shares[b] > 0)) continue;
    uint64_t d2 = vt_workload_block_delta2(wl, (vt_wl_block)b);
    if (d2 == 0 || d2 > (uint64_t)INT64_MAX) {
      vt_seterr(err, errlen, "block '%s' has no declared sensitivity: nothing released", bn);
      return -1;
    }
    pl->d2[b] = (int64_t)d2;
    if (!isfinite(shares[b]) ||
        vt_dp_sigma2_for_rho(bud->rho_total * shares[b], pl->d2[b], 1, &pl->s2n[b], &pl->s2d[b], msg, sizeof msg) != 0) {
      vt_seterr(err, errlen, "block '%s': %s: nothing released", bn, isfinite(shares[b]) ? msg : "bad share");
      return -1;
    }
    if (vt_dp_spend(bud, bn, pl->d2[b], 1, pl->s2n[b], pl->s2d[b], msg, sizeof msg) != 0) {
      vt_seterr(err, errlen, "block '%s': %s: nothing released", bn, msg);
      return -1;
    }
  }
  if (bud->n == 0) {
    vt_seterr(err, errlen, "the workload has no statistic to measure: nothing released");
    return -1;
  }
  return 0;
}

/* Fill out's ledger from bud and plan.  0, or -1 out of memory. */
static int fill_ledger(const vt_dp_budget *bud, vt_release *out) {
  out->ledger = calloc(bud->n, sizeof *out->ledger);
  if (!out->ledger) return -1;
  for (size_t i = 0; i < bud->n; i++) {
    const vt_dp_entry *e = &bud->entries[i];
    vt_release_measure *m = &out->ledger[out->nledger++];
    if (!(m->name = strdup(e->name))) return -1;
    m->sensitivity = sqrt((double)e->sens2_num / (double)e->sens2_den);
    m->sigma = sqrt((double)e->sigma2_num / (double)e->sigma2_den);
    m->rho = e->rho;
    m->epsilon = vt_dp_zcdp_epsilon(e->rho, bud->delta);
  }
  return 0;
}

/* The ledger and the totals of a release from its charged budget.  0, or
** -1 out of memory (err says nothing was released). */
static int finish_release(const vt_dp_budget *bud, vt_release *out, char *err, size_t errlen) {
  if (fill_ledger(bud, out) != 0) {
    vt_seterr(err, errlen, "out of memory: nothing released");
    return -1;
  }
  out->epsilon = bud->epsilon;
  out->delta = bud->delta;
  out->rho_budget = bud->rho_total;
  out->rho = bud->rho_spent;
  return 0;
}

int vt_release_run_split(const vt_workload *wl, const int64_t *exact, double epsilon, double delta,
                         const double shares[VT_WL_BLOCK__COUNT], vt_dp_rng *rng, vt_release *out,
                         char *err, size_t errlen) {
  vt_dp_budget bud;
  plan pl;
  char msg[256], name[1024];
  int64_t *noisy = NULL;
  memset(out, 0, sizeof *out);
  if (vt_dp_budget_init(&bud, epsilon, delta, msg, sizeof msg) != 0) {
    vt_seterr(err, errlen, "%s: nothing released", msg);
    return -1;
  }
  if (plan_and_spend(wl, shares, &bud, &pl, err, errlen) != 0) goto fail;
  /* Every charge is made: now, and only now, draw the noise. */
  size_t total = 0;
  for (int b = 0; b < VT_WL_BLOCK__COUNT; b++) if (pl.s2n[b]) total += vt_workload_block_size(wl, (vt_wl_block)b);
  if (!(noisy = malloc((total ? total : 1) * sizeof *noisy)) || !(out->stats = calloc(total ? total : 1, sizeof *out->stats))) {
    vt_seterr(err, errlen, "out of memory: nothing released");
    goto fail;
  }
  for (int b = 0; b < VT_WL_BLOCK__COUNT; b++) {
    if (!pl.s2n[b]) continue;
    size_t off = vt_workload_block_offset(wl, (vt_wl_block)b), n = vt_workload_block_size(wl, (vt_wl_block)b);
    double sigma = sqrt((double)pl.s2n[b] / (double)pl.s2d[b]);
    if (vt_dp_noise_counts(rng, exact + off, noisy, n, pl.s2n[b], pl.s2d[b], msg, sizeof msg) != 0) {
      vt_seterr(err, errlen, "block '%s': %s: nothing released", vt_workload_block_name((vt_wl_block)b), msg);
      goto fail;
    }
    for (size_t i = 0; i < n; i++) {
      vt_release_stat *s = &out->stats[out->nstats];
      if (vt_workload_name(wl, off + i, name, sizeof name) != 0 || !(s->name = strdup(name))) {
        vt_seterr(err, errlen, "naming statistic %zu failed (out of memory?): nothing released", off + i);
        goto fail;
      }
      s->value = noisy[i];
      s->sigma = sigma;
      out->nstats++;
    }
  }
  if (finish_release(&bud, out, err, errlen) != 0) goto fail;
  memset(noisy, 0, total * sizeof *noisy);
  free(noisy);
  vt_dp_budget_free(&bud);
  return 0;
fail:
  free(noisy);
  vt_release_free(out);
  vt_dp_budget_free(&bud);
  return -1;
}

int vt_release_plan(const vt_workload *wl, double epsilon, double delta, vt_release *out, char *err, size_t errlen) {
  vt_dp_budget bud;
  plan pl;
  char msg[256];
  double shares[VT_WL_BLOCK__COUNT];
  memset(out, 0, sizeof *out);
  if (vt_dp_budget_init(&bud, epsilon, delta, msg, sizeof msg) != 0) {
    vt_seterr(err, errlen, "%s: nothing released", msg);
    return -1;
  }
  default_shares(wl, shares);
  if (plan_and_spend(wl, shares, &bud, &pl, err, errlen) != 0) goto fail;
  if (finish_release(&bud, out, err, errlen) != 0) goto fail;
  vt_dp_budget_free(&bud);
  return 0;
fail:
  vt_release_free(out);
  vt_dp_budget_free(&bud);
  return -1;
}
