/*
** engine.h -- simulate one patient from birth to death (or the reference
** date) through the native lifecycle and the modules of a run.
**
** An engine belongs to one worker thread: it owns a sandboxed Lua state, the
** module set loaded into it, and a reusable patient.  vt_engine_simulate
** fills the patient's record, which the caller takes with
** vt_engine_swap_record and hands to the writer.  Callers use the functions
** below, not the fields of the struct.  Everything drawn for patient i comes from the generator seeded by
** (seed, i, 0) (and, with module_streams, (seed, i, VT_MODULE_STREAM + m)
** for module m), so the record does not depend on the thread.
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
  int module_streams;       /* 1: each top-level module i draws from its own
                            ** stream (seed, index, VT_MODULE_STREAM + i), so
                            ** a change in one module moves the draws of no
                            ** other (common random numbers, learn/simulate.h);
                            ** 0 (vitae run): one stream for the whole life */
} vt_sim_opts;

/* The attempt value of top-level module 0's stream (vt_rng_seed_patient);
** module i uses VT_MODULE_STREAM + i.  The life's own stream is attempt 0
** and the observation windows' is sim/window.c's WINDOW_STREAM. */
#define VT_MODULE_STREAM 0x100u

typedef struct vt_engine {
  vt_sim_opts opts;
  vt_lua *lua;
  vt_modset ms;
  vt_patient p;
  vt_growth growth;
  vt_lifecycle lc;          /* the params file's lifecycle.* values (sim/lifecycle.h) */
  vt_time next_wellness;    /* next scheduled wellness visit */
  int32_t wellness_row;     /* row of this step's wellness encounter */
  vt_time wellness_time;    /* when this step's wellness visit began */
  vt_time death_at;         /* death scheduled by a Death state with a delay */
  const vt_code *death_cause;
  vt_rng *mod_rng;          /* module_streams: the stream of each top-level module */
  /* per state of every module, [p.hist.offset[module] + state]: patients
  ** who entered it, and entries, summed over the patients simulated */
  int64_t *state_patients, *state_entries;
  /* transitions taken, per (state, successor): the successors of global
  ** state k (its distinct targets, in transition order: module-local state
  ** indices) are tr_to[tr_off[k] .. tr_off[k+1]), their counts tr_count[]
  ** at the same places, summed over the patients simulated */
  int *tr_off, *tr_to;
  int64_t *tr_count;
  /* completed years and months of age on one day, cached: Age conditions
  ** ask for them many times a step */
  int64_t age_day, age_until;   /* valid for days [age_day, age_until) */
  int age_years, age_months;
  char err[2048];           /* message of the last failure */
  const char *err_module;   /* file of the module the last failure was in, or NULL */
} vt_engine;

/* Results of vt_engine_open. */
typedef enum vt_engine_status {
  VT_ENGINE_OK = 0,
  VT_ENGINE_EFAIL = -1,     /* a module failed to load, or out of memory */
  VT_ENGINE_EPARAM = -2     /* a --params value has another type than the module's
                            ** default, or a lifecycle.* value is not valid */
} vt_engine_status;

/* Create an engine in *out: a Lua state with `limits` and `params`, and the
** modules under `paths`.  Returns VT_ENGINE_OK, or another status with *out
** NULL, err set (a module error names file, state, line) and `failed`
** (may be NULL) the file of the module that failed to load, "" if none. */
vt_engine_status vt_engine_open(vt_engine **out, const vt_sim_opts *o, char *const *paths, int npaths,
                                struct vt_params *params, const vt_lua_limits *limits,
                                char *failed, size_t failedlen, char *err, size_t errlen);
/* vt_engine_open returning the engine, or NULL on any failure. */
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

/* The message of e's last failure (vt_engine_simulate). */
const char *vt_engine_error(const vt_engine *e);
/* The file of the module e's last failure happened in, or NULL when it was
** not in a module's state. */
const char *vt_engine_error_module(const vt_engine *e);
/* Hand the record of the patient just simulated over: swap e's record with
** *rec (an empty or reset record, which e fills next time).  No copy. */
void vt_engine_swap_record(vt_engine *e, vt_record *rec);

/* The modules e loaded: vt_engine_nmodules of them, the top-level ones
** (run for every patient) first, vt_engine_ntop of those. */
int vt_engine_nmodules(const vt_engine *e);
int vt_engine_ntop(const vt_engine *e);
const vt_module *vt_engine_module(const vt_engine *e, int i);

/* The params e's modules declare (vt_modset_params in lua/loader.h):
** *list (valid until vt_engine_free) and *n; returns the count. */
int vt_engine_params(const vt_engine *e, const vt_param_decl **list, int *n);

/* Called by vt_engine_each_state_count for one state: non-zero stops. */
typedef int (*vt_state_count_fn)(const vt_module *m, const vt_state *s, int64_t patients,
                                 int64_t entries, void *ud);
/* Call fn for every state of every module, in load order, with the patients
** who entered it and its entries summed over engines[0..n) (engines that
** loaded the same modules: the workers of one run).  Returns the first
** non-zero result of fn, else 0. */
int vt_engine_each_state_count(vt_engine *const *engines, int n, vt_state_count_fn fn, void *ud);

/* Called by vt_engine_each_transition_count for one (state, successor). */
typedef int (*vt_transition_count_fn)(const vt_module *m, const vt_state *from, const vt_state *to,
                                      int64_t transitions, void *ud);
/* Call fn for every state of every module and each of its distinct
** successors (vt_state_successors, a target named twice once), in load
** order and transition order, with the times patients went from the one to
** the other summed over engines[0..n) (as vt_engine_each_state_count; 0 for
** a transition never taken).  A patient leaves a state by a transition, so
** the transitions out of a state are its entries less the patients still in
** it at the end (a Terminal state has none); every entry of a state is a
** transition into it, but for a module's Initial state, also entered at
** birth (top-level modules) or by a CallSubmodule (submodules).  Returns the
** first non-zero result of fn, else 0. */
int vt_engine_each_transition_count(vt_engine *const *engines, int n, vt_transition_count_fn fn, void *ud);

#endif
