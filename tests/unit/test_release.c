/*
** test_release.c -- learn/release.c: the public budget split, refusals that
** release nothing, the noise of each block, the params.yaml sections it
** writes and their reading back by sim/params.c (strict, with file:line).
**
** The deterministic stream (tests/unit/dp_stream.h, shared with
** test_dp.c) lives only in the tests, plugged in with vt_dp_rng_custom.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/dp_account.h"
#include "learn/release.h"
#include "learn/workload.h"
#include "sim/params.h"
#include "tests/unit/dp_stream.h"
#include "tests/unit/test.h"

static int fail_fill(void *ctx, unsigned char *buf, size_t n) { (void)ctx; (void)buf; (void)n; return -1; }

/* A workload of ncodes codes, the pairs (i, i+1) when `pairs`, and an exact
** vector 1000 + i. */
static int64_t *make_wl_pairs(vt_workload *wl, int ncodes, int pairs) {
  char code[32];
  vt_workload_init(wl);
  for (int i = 0; i < ncodes; i++) {
    snprintf(code, sizeof code, "%d", 1000 + i);
    if (vt_workload_add(wl, "SNOMED-CT", code, VT_WL_CONDITION) != 0) return NULL;
  }
  for (int i = 0; pairs && i + 1 < ncodes; i++)
    if (vt_workload_add_pair(wl, (size_t)i, (size_t)i + 1) < 0) return NULL;
  size_t n = vt_workload_size(wl);
  int64_t *v = malloc(n * sizeof *v);
  for (size_t i = 0; v && i < n; i++) v[i] = 1000 + (int64_t)i;
  return v;
}

static int64_t *make_wl(vt_workload *wl, int ncodes) { return make_wl_pairs(wl, ncodes, 1); }

static int empty(const vt_release *r) {
  return r->nstats == 0 && !r->stats && r->nledger == 0 && !r->ledger;
}

static void test_split(void) {
  vt_workload wl;
  int64_t *ex = make_wl(&wl, 30);
  xoshiro x; vt_dp_rng rng; vt_release r;
  char err[512] = "";
  xo_seed(&x, 1);
  vt_dp_rng_custom(&rng, xo_fill, &x);
  int rc = vt_release_run(&wl, ex, 1.0, 1e-6, &rng, &r, err, sizeof err);
  CHECK(rc == 0, "release at epsilon 1, delta 1e-6 (%s)", err);
  if (rc) { free(ex); vt_workload_free(&wl); return; }
  double sum = 0, wsum = 0;
  for (int b = 0; b < VT_WL_BLOCK__COUNT; b++) wsum += vt_release_default_weights[b];
  for (size_t i = 0; i < r.nledger; i++) sum += r.ledger[i].rho;
  CHECK(r.nledger == VT_WL_BLOCK__COUNT, "one measurement per block (%zu)", r.nledger);
  CHECK_NEAR(r.rho_budget, 0.02436, 1e-5, "rho budget of (1, 1e-6) is 0.02436 (%.6f)", r.rho_budget);
  CHECK(sum <= r.rho_budget && r.rho <= r.rho_budget, "the blocks' rho add up to at most the budget (%.12g <= %.12g)",
        sum, r.rho_budget);
  CHECK(sum >= r.rho_budget * (1 - 1e-6), "and spend it (%.12g of %.12g)", sum, r.rho_budget);
  int prop = 1;
  for (int b = 0; b < VT_WL_BLOCK__COUNT && (size_t)b < r.nledger; b++) {
    double want = r.rho_budget * vt_release_default_weights[b] / wsum;
    prop = prop && !strcmp(r.ledger[b].name, vt_workload_block_name((vt_wl_block)b)) &&
           fabs(r.ledger[b].rho - want) <= want * 1e-6;
    double d2 = (double)vt_workload_block_delta2(&wl, (vt_wl_block)b);
    prop = prop && fabs(r.ledger[b].sensitivity * r.ledger[b].sensitivity - d2) <= d2 * 1e-12;
    prop = prop && fabs(r.ledger[b].rho - d2 / (2 * r.ledger[b].sigma * r.ledger[b].sigma)) <= r.ledger[b].rho * 1e-6;
  }
  CHECK(prop, "each block gets its weight's share, its declared Delta^2 and rho = Delta^2 / (2 sigma^2)");
  CHECK(r.nstats == vt_workload_size(&wl), "every statistic released (%zu)", r.nstats);
  int names = 1, sig = 1;
  char nm[1024];
  for (size_t i = 0; i < r.nstats; i++) {
    vt_wl_block b = vt_workload_block_of(&wl, i);
    names = names && vt_workload_name(&wl, i, nm, sizeof nm) == 0 && !strcmp(nm, r.stats[i].name);
    sig = sig && r.stats[i].sigma == r.ledger[b].sigma;
  }
  CHECK(names, "statistics carry their stable names, in workload order");
  CHECK(sig, "each statistic carries its block's sigma");
  /* The onset block: noise differs from exact with the block's sigma. */
  size_t off = vt_workload_block_offset(&wl, VT_WL_BLOCK_ONSET), n = vt_workload_block_size(&wl, VT_WL_BLOCK_ONSET);
  double s = r.ledger[VT_WL_BLOCK_ONSET].sigma, m = 0, v = 0;
  size_t same = 0;
  for (size_t i = 0; i < n; i++) { double d = (double)(r.stats[off + i].value - ex[off + i]); m += d; v += d * d; same += d == 0; }
  m /= (double)n;
  v /= (double)n;
  CHECK(same < n / 4, "noisy onset values differ from the exact ones (%zu of %zu equal)", same, n);
  CHECK(fabs(m) <= 6 * s / sqrt((double)n), "onset noise mean %.3f within 6 SE of 0 (sigma %.3f, n %zu)", m, s, n);
  CHECK(fabs(v - s * s) <= 6 * s * s * sqrt(2.0 / (double)n), "onset noise variance %.2f within 6 SE of sigma^2 %.2f", v,
        s * s);
  vt_release r2;
  xo_seed(&x, 1);
  vt_dp_rng_custom(&rng, xo_fill, &x);
  rc = vt_release_run(&wl, ex, 1.0, 1e-6, &rng, &r2, err, sizeof err);
  int eq = rc == 0 && r2.nstats == r.nstats;
  for (size_t i = 0; eq && i < r.nstats; i++) eq = r.stats[i].value == r2.stats[i].value;
  CHECK(eq, "the same test stream gives the same release");
  vt_release_free(&r2);
  vt_release_free(&r);
  CHECK(empty(&r), "vt_release_free empties the release");
  free(ex);
  vt_workload_free(&wl);
}

static void test_refusals(void) {
  vt_workload wl;
  int64_t *ex = make_wl(&wl, 3);
  xoshiro x; vt_dp_rng rng; vt_release r;
  char err[512] = "";
  xo_seed(&x, 2);
  vt_dp_rng_custom(&rng, xo_fill, &x);
  int rc = vt_release_run(&wl, ex, 1e-7, 1e-6, &rng, &r, err, sizeof err);
  CHECK(rc == -1 && empty(&r) && x.bytes == 0, "epsilon 1e-7: sigma beyond the sampler's range refused, nothing released, "
        "no noise drawn (%s)", err);
  CHECK(strstr(err, "nothing released") != NULL, "the message says nothing was released");
  double over[VT_WL_BLOCK__COUNT] = { 0.5, 0.3, 0.3, 0, 0 };
  err[0] = 0;
  rc = vt_release_run_split(&wl, ex, 1.0, 1e-6, over, &rng, &r, err, sizeof err);
  CHECK(rc == -1 && empty(&r) && x.bytes == 0, "shares over the budget refused before any noise is drawn (%s)", err);
  double none[VT_WL_BLOCK__COUNT] = { 0 };
  rc = vt_release_run_split(&wl, ex, 1.0, 1e-6, none, &rng, &r, err, sizeof err);
  CHECK(rc == -1 && empty(&r), "no block measured: refused (%s)", err);
  rc = vt_release_run(&wl, ex, 0, 1e-6, &rng, &r, err, sizeof err);
  CHECK(rc == -1 && empty(&r), "epsilon 0 refused (%s)", err);
  rc = vt_release_run(&wl, ex, 1, 1, &rng, &r, err, sizeof err);
  CHECK(rc == -1 && empty(&r), "delta 1 refused (%s)", err);
  vt_dp_rng_custom(&rng, fail_fill, NULL);
  rc = vt_release_run(&wl, ex, 1, 1e-6, &rng, &r, err, sizeof err);
  CHECK(rc == -1 && empty(&r), "a failing random source: refused, nothing released (%s)", err);
  vt_workload empty_wl;
  vt_workload_init(&empty_wl);
  double demog_only[VT_WL_BLOCK__COUNT] = { [VT_WL_BLOCK_ONSET] = 1 };
  rc = vt_release_run_split(&empty_wl, ex, 1.0, 1e-6, demog_only, &rng, &r, err, sizeof err);
  CHECK(rc == -1 && empty(&r), "a share for an empty block measures nothing: refused (%s)", err);
  vt_workload_free(&empty_wl);
  free(ex);
  vt_workload_free(&wl);
}

/* Without linked pairs the pair blocks are empty: not measured, no share,
** and the other blocks split the whole budget by their weights. */
static void test_no_pairs(void) {
  vt_workload wl;
  int64_t *ex = make_wl_pairs(&wl, 4, 0);
  xoshiro x; vt_dp_rng rng; vt_release r;
  char err[512] = "";
  xo_seed(&x, 5);
  vt_dp_rng_custom(&rng, xo_fill, &x);
  int rc = vt_release_run(&wl, ex, 1.0, 1e-6, &rng, &r, err, sizeof err);
  CHECK(rc == 0, "release of a workload without pairs (%s)", err);
  if (rc) { free(ex); vt_workload_free(&wl); return; }
  double wsum = 0, sum = 0;
  int named = 1;
  for (int b = 0; b < VT_WL_BLOCK_PAIR_ONSET; b++) wsum += vt_release_default_weights[b];
  for (size_t i = 0; i < r.nledger; i++) {
    sum += r.ledger[i].rho;
    named = named && strncmp(r.ledger[i].name, "pair_", 5) != 0;
  }
  double want = r.rho_budget * vt_release_default_weights[VT_WL_BLOCK_ONSET] / wsum;
  CHECK(r.nledger == VT_WL_BLOCK_PAIR_ONSET && named, "no pairs: the pair blocks are not measured (%zu measurements)",
        r.nledger);
  CHECK(sum >= r.rho_budget * (1 - 1e-6) && fabs(r.ledger[VT_WL_BLOCK_ONSET].rho - want) <= want * 1e-6,
        "no pairs: the five other blocks share the whole budget by their weights (onset %.6g of %.6g)",
        r.ledger[VT_WL_BLOCK_ONSET].rho, want);
  vt_release_free(&r);
  free(ex);
  vt_workload_free(&wl);
}

static const char *TMP = "tests/tmp/test_release";

static void test_yaml_round_trip(void) {
  vt_workload wl;
  int64_t *ex = make_wl(&wl, 2);
  xoshiro x; vt_dp_rng rng; vt_release r;
  char err[512] = "", path[256];
  xo_seed(&x, 3);
  vt_dp_rng_custom(&rng, xo_fill, &x);
  int rc = vt_release_run(&wl, ex, 2.0, 1e-7, &rng, &r, err, sizeof err);
  CHECK(rc == 0, "release for the round trip (%s)", err);
  snprintf(path, sizeof path, "%s.yaml", TMP);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL, "open %s", path);
  if (rc || !f) { if (f) fclose(f); free(ex); vt_workload_free(&wl); return; }
  fprintf(f, "params:\n  a.b: 0.5\n");
  CHECK(vt_release_write_yaml(&r, f) == 0, "vt_release_write_yaml writes");
  fclose(f);
  vt_params *p = vt_params_load(path, err, sizeof err);
  CHECK(p != NULL, "the written file loads as a params file (%s)", err);
  if (p) {
    const vt_ledger *l = &p->ledger;
    CHECK(l->present && !strcmp(l->mechanism, "discrete_gaussian") && l->unit && !strcmp(l->unit, "patient"),
          "ledger read: mechanism and unit");
    CHECK(l->epsilon == r.epsilon && l->delta == r.delta && l->rho == r.rho && l->has_rho_budget &&
          l->rho_budget == r.rho_budget, "ledger totals equal (epsilon, delta, rho, rho_budget)");
    int eq = l->n == (int)r.nledger;
    for (int i = 0; eq && i < l->n; i++)
      eq = !strcmp(l->items[i].name, r.ledger[i].name) && l->items[i].sensitivity == r.ledger[i].sensitivity &&
           l->items[i].sigma == r.ledger[i].sigma && l->items[i].rho == r.ledger[i].rho &&
           l->items[i].has_epsilon && l->items[i].epsilon == r.ledger[i].epsilon;
    CHECK(eq, "ledger measurements equal (%d)", l->n);
    eq = p->nsummary == (int)r.nstats;
    for (int i = 0; eq && i < p->nsummary; i++)
      eq = !strcmp(p->summary[i].name, r.stats[i].name) && p->summary[i].value == r.stats[i].value &&
           p->summary[i].sigma == r.stats[i].sigma;
    CHECK(eq, "dp_summary equal: names, noisy values, sigma (%d)", p->nsummary);
    CHECK(p->n == 1 && vt_params_get(p, "a.b") != NULL, "the params mapping is unchanged");
    vt_params_free(p);
  }
  vt_release_free(&r);
  free(ex);
  vt_workload_free(&wl);
}

/* A params file of `body` after the params mapping: refused with
** "FILE:LINE:" of the expected line? */
static void bad_ledger(const char *body, int line, const char *what) {
  char path[256], err[512] = "", want[300];
  snprintf(path, sizeof path, "%s_bad.yaml", TMP);
  FILE *f = fopen(path, "w");
  if (!f) { CHECK(0, "open %s", path); return; }
  fprintf(f, "params:\n  a.b: 1\n%s", body);
  fclose(f);
  vt_params *p = vt_params_load(path, err, sizeof err);
  snprintf(want, sizeof want, "%s:%d:", path, line);
  CHECK(!p && !strncmp(err, want, strlen(want)), "%s refused at line %d (%s)", what, line, err);
  vt_params_free(p);
}

#define LEDGER_HEAD "privacy_ledger:\n  mechanism: discrete_gaussian\n  epsilon: 1\n  delta: 1e-6\n  rho: 0.02\n"

static void test_bad_ledgers(void) {
  bad_ledger(LEDGER_HEAD "  measurements:\n    - {name: onset, sensitivity: 4, rho: 0.01}\n", 9, "a measurement without sigma");
  bad_ledger(LEDGER_HEAD "  measurements:\n    - {name: onset, sensitivity: 4, sigma: 2, rho: -0.01}\n", 9, "a negative rho");
  bad_ledger(LEDGER_HEAD "  measurements:\n    - {name: a, sensitivity: 4, sigma: 2, rho: 0.015}\n"
             "    - {name: b, sensitivity: 4, sigma: 2, rho: 0.015}\n", 7, "measurements over the total rho");
  bad_ledger(LEDGER_HEAD "  measurements:\n    - {name: a, sensitivity: x, sigma: 2, rho: 0.01}\n", 9, "a text sensitivity");
  bad_ledger(LEDGER_HEAD "  measurements:\n    - {name: a, sensitivity: 4, sigma: 2, rho: 0.01, colour: red}\n", 9,
             "an unknown key");
  bad_ledger(LEDGER_HEAD "  measurements: []\n", 8, "no measurement");
  bad_ledger("privacy_ledger:\n  mechanism: discrete_gaussian\n  epsilon: 1\n  rho: 0.02\n  measurements: []\n", 4,
             "a ledger without delta");
  bad_ledger("privacy_ledger:\n  mechanism: discrete_gaussian\n  epsilon: 1\n  delta: 2\n  rho: 0.02\n"
             "  measurements: []\n", 6, "delta 2");
  bad_ledger("privacy_ledger: [1, 2]\n", 3, "a ledger that is a list");
  bad_ledger("dp_summary:\n  - {name: sex/F, value: 12.5, sigma: 3}\n", 4, "a summary value that is not an integer");
  bad_ledger("dp_summary:\n  - {name: sex/F, value: 12}\n", 4, "a summary entry without sigma");
  bad_ledger("dp_summary: {name: sex/F}\n", 3, "a summary that is not a list");
}

int main(void) {
  test_split();
  test_refusals();
  test_no_pairs();
  test_yaml_round_trip();
  test_bad_ledgers();
  return test_done();
}
