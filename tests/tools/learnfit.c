/*
** learnfit.c -- a test tool: the `vitae learn` pipeline with the noise
** switched off, for the non-private column of the round-trip error table
** (docs/learn-statistics.md) and for telling model error from noise.  It
** measures the exact workload of a source (learn/measure.h), fits the
** lifecycle (learn/fit_lifecycle.h) and the modules (learn/fit_modules.h)
** with every sigma 0, and prints one line per param:
**   NAME  fitted|cannot  VALUE  SE  [WHY]
** It is a test tool only: the command users run always adds noise.
** With LEARNFIT_EPSILON=E in the environment it adds instead rounded
** Gaussian noise of the release's sigmas at (E, 1e-6) from a seeded
** stream (LEARNFIT_NOISE_SEED, default 1), so that a noisy fit can be
** replayed; the noise of `vitae learn` itself is tested in test_dp.
** Usage: learnfit KIND:PATH MODULES [SIM_PATIENTS [THREADS [SEED]]].
** Exit 0, or 2 with a message.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "learn/ehr.h"
#include "learn/fit_lifecycle.h"
#include "learn/fit_modules.h"
#include "learn/measure.h"
#include "learn/release.h"
#include "learn/workload.h"
#include "sim/engine.h"

int main(int argc, char **argv) {
  if (argc < 3 || argc > 6) { fputs("usage: learnfit KIND:PATH MODULES [SIM_PATIENTS [THREADS [SEED]]]\n", stderr); return 2; }
  char err[4096], failed[1024];
  char *paths[1] = { argv[2] };
  vt_sim_opts so = { .seed = 1, .age_min = 0, .age_max = 140 };
  so.reference = ((int64_t)time(NULL) / 86400) * VT_MS_DAY;
  vt_lua_limits lim;
  vt_lua_default_limits(&lim);
  vt_engine *e = NULL;
  if (vt_engine_open(&e, &so, paths, 1, NULL, &lim, failed, sizeof failed, err, sizeof err) != VT_ENGINE_OK) {
    fprintf(stderr, "learnfit: %s\n", err);
    return 2;
  }
  vt_ehr *r = NULL;
  vt_workload wl;
  vt_codematch *m = NULL;
  int rc = 2;
  int64_t *vec = NULL;
  double *values = NULL, *sigmas = NULL;
  char **names = NULL;
  size_t n = 0;
  if (vt_workload_from_modset(&wl, &e->ms) != 0 || !(m = vt_measure_matcher(&wl))) {
    fputs("learnfit: out of memory\n", stderr);
    vt_engine_free(e);
    return 2;
  }
  if (vt_ehr_open(&r, argv[1], NULL, err, sizeof err) != VT_EHR_OK) { fprintf(stderr, "learnfit: %s\n", err); goto done; }
  n = vt_workload_size(&wl);
  vec = calloc(n ? n : 1, sizeof *vec);
  values = calloc(n ? n : 1, sizeof *values);
  sigmas = calloc(n ? n : 1, sizeof *sigmas);
  names = calloc(n ? n : 1, sizeof *names);
  if (!vec || !values || !sigmas || !names) { fputs("learnfit: out of memory\n", stderr); goto done; }
  if (vt_ehr_ancestry(r, m, err, sizeof err) < 0) { fprintf(stderr, "learnfit: %s\n", err); goto done; }
  if (vt_measure_run(&wl, r, m, vec, NULL, err, sizeof err) != 0) { fprintf(stderr, "learnfit: %s\n", err); goto done; }
  for (size_t i = 0; i < n; i++) {
    char buf[256];
    vt_workload_name(&wl, i, buf, sizeof buf);
    if (!(names[i] = strdup(buf))) { fputs("learnfit: out of memory\n", stderr); goto done; }
    values[i] = (double)vec[i];
  }
  const char *eps = getenv("LEARNFIT_EPSILON");
  if (eps) {   /* replayable noise: Box-Muller on a seeded 64-bit LCG (a test tool, not the DP path) */
    vt_release plan;
    if (vt_release_plan(&wl, atof(eps), 1e-6, &plan, err, sizeof err) != 0) { fprintf(stderr, "learnfit: %s\n", err); goto done; }
    uint64_t x = getenv("LEARNFIT_NOISE_SEED") ? strtoull(getenv("LEARNFIT_NOISE_SEED"), NULL, 10) : 1;
    for (size_t i = 0; i < n; i++) {
      vt_wl_block b = vt_workload_block_of(&wl, i);
      double sg = 0;
      for (size_t k = 0; k < plan.nledger; k++)
        if (strcmp(plan.ledger[k].name, vt_workload_block_name(b)) == 0) sg = plan.ledger[k].sigma;
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      double u1 = ((x >> 11) + 1.0) / 9007199254740993.0;
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      double u2 = (x >> 11) / 9007199254740992.0;
      values[i] = floor(values[i] + sg * sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2) + 0.5);
      sigmas[i] = sg;
    }
    vt_release_free(&plan);
  }
  vt_lcfit lc;
  vt_fit_lifecycle((const char *const *)names, values, sigmas, n, &lc);
  const char *lcn[VT_LCFIT_N];
  double lcv[VT_LCFIT_N];
  size_t nl = 0;
  for (int i = 0; i < lc.n; i++) {
    const vt_lcfit_item *it = &lc.items[i];
    printf("%s\t%s\t%.6g\t%.6g\t%s\n", it->name, it->fitted ? "fitted" : "cannot", it->value, it->se, it->why);
    if (it->fitted) { lcn[nl] = it->name; lcv[nl++] = it->value; }
  }
  vt_params *fixed = vt_params_from_numbers(lcn, lcv, nl, err, sizeof err);
  if (!fixed) { fprintf(stderr, "learnfit: %s\n", err); goto done; }
  const vt_param_decl *decls;
  int ndecls;
  vt_engine_params(e, &decls, &ndecls);
  vt_mfit_opts mo = { .iterations = 6 };
  mo.sim.paths = paths;
  mo.sim.npaths = 1;
  mo.sim.patients = argc > 3 ? atoll(argv[3]) : 10000;
  mo.sim.threads = argc > 4 ? atoi(argv[4]) : 2;
  mo.sim.seed = argc > 5 ? strtoull(argv[5], NULL, 10) : 1;
  mo.sim.reference = so.reference;
  vt_mfit mf;
  int frc = vt_fit_modules(&mo, &wl, m, decls, ndecls, fixed, values, sigmas, &mf, err, sizeof err);
  vt_params_free(fixed);
  if (frc != 0) { fprintf(stderr, "learnfit: %s\n", err); goto done; }
  for (int i = 0; i < mf.n; i++) {
    const vt_mfit_item *it = &mf.items[i];
    printf("%s\t%s\t%.6g\t%.6g\t%s\n", it->name, it->fitted ? "fitted" : "cannot", it->value, it->se, it->why);
  }
  printf("simulations\t%d\n", mf.simulations);
  vt_mfit_free(&mf);
  rc = 0;
done:
  for (size_t i = 0; names && i < n; i++) free(names[i]);
  free(names); free(values); free(sigmas); free(vec);
  vt_codematch_free(m);
  vt_workload_free(&wl);
  vt_ehr_close(r);
  vt_engine_free(e);
  return rc;
}
