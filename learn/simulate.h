/*
** simulate.h -- the fitter's simulator (DESIGN.md, "Learning (DP)", step 3):
** N patients through a module set with candidate params, in memory (no
** SQLite), each life measured by learn/measure.c exactly as a real person
** is, so that the simulated workload vector and the released one mean the
** same thing.
**
** A simulated life is seen through pseudo-windows.  With window weights
** (vt_lsim_opts.window_weights: the released lengths of the real
** observation periods, public once released), windows of drawn lengths are
** laid end to end backwards from the end of the life (death or the
** reference date) over its last VT_LSIM_SPAN_YEARS, so that short windows,
** recurrent codes and the recent calendar years an EHR extract covers are
** seen as the extract sees them.  Without (fixed, public): window j
** (j = 0, 1, ...) is a person with one observation
** period from age 10j years minus VT_LSIM_WASHOUT days (from birth for
** j = 0) to VT_LSIM_WASHOUT + VT_WL_HORIZON days later (or to death, or to
** the end of the simulation), so that the risk windows of measure.c cover
** every age of the life.  A window shows what vitae's own observation
** windows show (sim/window.h): events inside it, and what was still active
** when it opened (conditions, medications, care plans, allergies, devices)
** as recorded on its first day.  Lives are those of vitae run's defaults
** (ages 0-100 at the reference date, both sexes); the events are read as
** learn/src_native.c reads a vitae cohort (systems as OMOP vocabulary ids).
** Each call loads the modules once per thread (about 0.1 s for modules/,
** 0.3 s for Synthea's), as the params are read when a module loads.
**
** Common random numbers: patient i of a call is drawn from (seed, i) with
** one random stream per module (vt_sim_opts.module_streams), so two calls
** with the same seed and params that differ in one module differ only where
** that module's draws lead.  The result does not depend on the number of
** threads.
*/
#ifndef VT_SIMULATE_H
#define VT_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

#include "learn/codematch.h"
#include "learn/workload.h"
#include "lua/bridge.h"
#include "sim/params.h"
#include "sim/vtime.h"

#define VT_LSIM_WASHOUT VT_WL_WASHOUT
#define VT_LSIM_WINDOW_YEARS 10
#define VT_LSIM_WINDOW_STREAM 0x0B5E7A12u  /* the random stream of the drawn windows' lengths */
#define VT_LSIM_SPAN_YEARS 20    /* drawn windows cover the last 20 years of a life */

/* What to simulate. */
typedef struct vt_lsim_opts {
  char *const *paths;          /* module files or folders (as vitae run --modules) */
  int npaths;
  const vt_lua_limits *limits; /* NULL: the defaults of vitae run */
  int64_t patients;            /* N lives */
  uint64_t seed;               /* the simulation seed (never the noise's) */
  int threads;                 /* worker threads, >= 1 */
  vt_time reference;           /* end of the simulation (everyone is simulated up to it);
                               ** 0: today, as vitae run (give a fixed date to repeat) */
  const double *window_weights;/* NULL: the fixed ten-year pseudo-windows; else VT_WL_NOBS
                               ** weights of the bins of vt_wl_obs_edges (the released
                               ** obs_length counts): windows of lengths drawn from them
                               ** (see above), so that the simulation is censored as the
                               ** real extract is */
} vt_lsim_opts;

/* Build an in-memory params set of n numbers (names need not be sorted;
** they are copied), to pass as `params` below or to vt_engine_open.  NULL
** when out of memory or a name is repeated (err says which). */
vt_params *vt_params_from_numbers(const char *const *names, const double *values, size_t n, char *err,
                                  size_t errlen);

/* Simulate o->patients lives with `params` (NULL: the modules' defaults;
** lifecycle.* entries apply too), and add every pseudo-window person's
** bounded contribution (vt_measure_person with matcher m of wl) to vec
** (vt_workload_size(wl) entries; set to 0 first).  *windows (may be NULL)
** gets the number of pseudo-window persons measured.  0, or -1 with err: a
** module failed to load or to run ("FILE: state S: ..." as vitae run says
** it), a params value has the wrong type, or out of memory. */
int vt_lsim_run(const vt_lsim_opts *o, vt_params *params, const vt_workload *wl, const vt_codematch *m, int64_t *vec,
                int64_t *windows, char *err, size_t errlen);

#endif
