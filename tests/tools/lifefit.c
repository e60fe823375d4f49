/*
** lifefit.c -- a test tool: measure the exact (non-noised) workload of an
** EHR source (learn/measure.h; no codes, so only the demog and mortality
** blocks matter) and fit the lifecycle params from it (learn/
** fit_lifecycle.h) with every sigma 0.  Prints one line per param:
**   NAME  fitted|cannot  VALUE  SE  [WHY]
** then "stat NAME VALUE" for every demog and mortality statistic, and
** "expected deaths/S/BAND VALUE" for every mortality stratum: the deaths
** its person-days give at the life table's rates (multiplier 1).
** Usage: lifefit KIND:PATH.  Exit 0, or 2 with the reader's message.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/ehr.h"
#include "learn/fit_lifecycle.h"
#include "learn/measure.h"
#include "learn/workload.h"
#include "sim/lifecycle.h"

int main(int argc, char **argv) {
  if (argc != 2) { fputs("usage: lifefit KIND:PATH\n", stderr); return 2; }
  char err[1024];
  vt_ehr *r;
  if (vt_ehr_open(&r, argv[1], NULL, err, sizeof err) != VT_EHR_OK) { fprintf(stderr, "lifefit: %s\n", err); return 2; }
  vt_workload wl;
  vt_workload_init(&wl);
  size_t n = vt_workload_size(&wl);
  vt_codematch *m = vt_measure_matcher(&wl);
  int64_t *vec = calloc(n, sizeof *vec);
  char **names = calloc(n, sizeof *names);
  double *values = calloc(n, sizeof *values), *sigmas = calloc(n, sizeof *sigmas);
  int rc = 2;
  if (!m || !vec || !names || !values || !sigmas) { fputs("lifefit: out of memory\n", stderr); goto done; }
  if (vt_measure_run(&wl, r, m, vec, NULL, err, sizeof err) != 0) { fprintf(stderr, "lifefit: %s\n", err); goto done; }
  for (size_t i = 0; i < n; i++) {
    char buf[128];
    vt_workload_name(&wl, i, buf, sizeof buf);
    if (!(names[i] = strdup(buf))) { fputs("lifefit: out of memory\n", stderr); goto done; }
    values[i] = (double)vec[i];
  }
  vt_lcfit fit;
  vt_fit_lifecycle((const char *const *)names, values, sigmas, n, &fit);
  for (int i = 0; i < fit.n; i++) {
    const vt_lcfit_item *it = &fit.items[i];
    printf("%s\t%s\t%.6f\t%.6f\t%s\n", it->name, it->fitted ? "fitted" : "cannot", it->value, it->se, it->why);
  }
  for (size_t i = 0; i < n; i++) printf("stat\t%s\t%.0f\n", names[i], values[i]);
  for (int sx = 0; sx < 2; sx++)
    for (int b = 0; b < VT_LC_NBANDS; b++) {
      char pn[48];
      snprintf(pn, sizeof pn, "persontime/%c/%s", "FM"[sx], vt_lc_band_names[b]);
      for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], pn) == 0)
          printf("expected\tdeaths/%c/%s\t%.4f\n", "FM"[sx], vt_lc_band_names[b],
                 values[i] * vt_lcfit_band_hazard("FM"[sx], b, 1.0));
    }
  rc = 0;
done:
  for (size_t i = 0; names && i < n; i++) free(names[i]);
  free(names); free(values); free(sigmas); free(vec);
  vt_codematch_free(m);
  vt_workload_free(&wl);
  vt_ehr_close(r);
  return rc;
}
