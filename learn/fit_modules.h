/*
** fit_modules.h -- fitting the module params (every param() of the Lua
** modules, every constant branch probability of the GMF JSON modules) to
** the released workload statistics by the method of simulated moments
** (DESIGN.md, "Learning (DP)", step 3; docs/learn-statistics.md, "Fitting
** the modules").  Post-processing only: it reads the released values and
** their noise sigmas, never the data.
**
**   vt_mfit fit;
**   vt_mfit_opts o = { sim options, iterations, progress };
**   if (vt_fit_modules(&o, &wl, m, decls, ndecls, lifecycle, values, sigmas, &fit, err, sizeof err) != 0) ...
**   ... fit.items[i] ...
**   vt_mfit_free(&fit);
*/
#ifndef VT_FIT_MODULES_H
#define VT_FIT_MODULES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "learn/codematch.h"
#include "learn/simulate.h"
#include "learn/workload.h"
#include "sim/params.h"

/* One module param: fitted (value, se) or not (why), its default. */
typedef struct vt_mfit_item {
  char *name;
  char *module;
  int fitted;              /* 0: cannot fit, value = default, why says why */
  double value, se, deflt;
  char why[200];
} vt_mfit_item;

typedef struct vt_mfit {
  vt_mfit_item *items;     /* in the order of the declarations given */
  int n, nfitted;
  int simulations;         /* simulations run */
} vt_mfit;

/* Called after each simulation: done of about total, and what it was for. */
typedef void (*vt_mfit_progress)(int done, int total, const char *what, void *ud);

typedef struct vt_mfit_opts {
  vt_lsim_opts sim;        /* the simulation (patients, seed, threads, modules) */
  unsigned absent_kinds;   /* bit k (vt_wl_kind): the source kind cannot hold codes of kind k
                           ** (OMOP has no care plans): their moments are left out */
  int iterations;          /* Gauss-Newton steps after the Jacobian (>= 1) */
  vt_mfit_progress progress;
  void *progress_ud;
} vt_mfit_opts;

/* Fit the numeric params of decls[0..n) (declared by the module set in
** o->sim.paths; origin GMF remainders, strings and booleans are listed as
** not fitted with their reason) to the released workload vector `values`
** with noise sigmas `sigmas` (vt_workload_size(wl) entries each; sigma 0 =
** exact).  `fixed` (may be NULL) holds params applied in every simulation
** and not fitted (the fitted lifecycle.* values).  0 with *out filled, or
** -1 with err (a module failed in simulation, out of memory, or LAPACK
** failed). */
int vt_fit_modules(const vt_mfit_opts *o, const vt_workload *wl, const vt_codematch *m, const vt_param_decl *decls,
                   int n, const vt_params *fixed, const double *values, const double *sigmas, vt_mfit *out,
                   char *err, size_t errlen);

void vt_mfit_free(vt_mfit *f);

#endif
