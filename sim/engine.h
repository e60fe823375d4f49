/*
** engine.h -- simulate one patient from birth to death (or the reference
** date) through the native lifecycle and the modules of a run.
**
** An engine belongs to one worker thread: it owns a sandboxed Lua state, the
** module set loaded into it, and a reusable patient.  vt_engine_simulate
** fills the patient's record (e->p.rec), which the caller hands to the
** writer.  Everything drawn for patient i comes from the generator seeded by
** (seed, i, 0), so the record does not depend on the thread.
*/
#ifndef VT_ENGINE_H
#define VT_ENGINE_H

#include "lua/bridge.h"
#include "lua/loader.h"
#include "sim/lifetables.h"
#include "sim/patient.h"
#include "sim/window.h"

typedef struct vt_sim_opts {
  uint64_t seed;
  vt_time reference;        /* simulation end: everyone is simulated up to here */
  int age_min, age_max;     /* age at the reference date */
  char gender;              /* 'M', 'F', or 0 for both */
  int trace;                /* record every state entered (state_trace rows) */
  vt_window_opts window;    /* observation window (sim/window.h) */
} vt_sim_opts;

typedef struct vt_engine {
  vt_sim_opts opts;
  vt_lua *lua;
  vt_modset ms;
  vt_patient p;
  vt_growth growth;
  vt_time next_wellness;    /* next scheduled wellness visit */
  int32_t wellness_row;     /* row of this step's wellness encounter */
  vt_time wellness_time;    /* when this step's wellness visit began */
  vt_time death_at;         /* death scheduled by a Death state with a delay */
  const vt_code *death_cause;
  /* per state of every module, [p.hist.offset[module] + state]: patients
  ** who entered it, and entries, summed over the patients simulated */
  int64_t *state_patients, *state_entries;
  /* completed years and months of age on one day, cached: Age conditions
  ** ask for them many times a step */
  int64_t age_day, age_until;   /* valid for days [age_day, age_until) */
  int age_years, age_months;
  char err[2048];           /* message of the last failure */
} vt_engine;

/* Create an engine: a Lua state with `limits` and `params`, and the modules
** under `paths`.  NULL and err on failure (a module error names file, state,
** line).  `param_error` (may be NULL) is set when the failure came from a
** params value of the wrong type. */
vt_engine *vt_engine_new(const vt_sim_opts *o, char *const *paths, int npaths,
                         struct vt_params *params, const vt_lua_limits *limits,
                         char *err, size_t errlen);
void vt_engine_free(vt_engine *e);
/* Call fn for every code a run can write: the lifecycle's own (wellness
** visits, vital signs, natural death) and the modules' (lua/loader.h). */
void vt_engine_each_code(const vt_engine *e, void (*fn)(const vt_code *c, void *ud), void *ud);
/* Simulate patient `index` into e->p.rec.  0, or -1 with e->err set (a
** module error at run time: file, module, state, line, message). */
int vt_engine_simulate(vt_engine *e, int64_t index);

#endif
