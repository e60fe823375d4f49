/*
** fuzz_lua_run.c -- the input as a Lua module that is loaded and then run:
** an engine (sim/engine.h) is built on it, as `vitae run -m FILE.lua` builds
** one per worker, and simulates patients 0 and 1.  Where fuzz_lua_module
** stops after compiling, this reaches what runs while simulating: function
** slots called with the patient proxy, sealed module tables and upvalues put
** back between patients (lua/bridge.c), the bounded pattern functions
** (lua/pattern.c), the time and memory budgets, and the engine's use of
** what the functions return.  Limits are lowered so that runaway inputs
** stop quickly: 64 MiB, 2 million instructions per call and at load time,
** 0.5 s of module code per patient.
**
** A new engine per input (a Lua state, the prelude, the module): slower
** than reusing one, but no input can see what an earlier one left.
*/
#include "tests/fuzz/fuzz.h"
#include "lua/bridge.h"
#include "sim/engine.h"
#include "sim/vtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[2048];
  fz_dir();
  char *path = (char *)fz_write("fuzz.lua", data, size);
  vt_lua_limits lim;
  vt_lua_default_limits(&lim);
  lim.memory = 64u << 20;
  lim.instructions = lim.load_instructions = 2000000LL;
  lim.patient_seconds = 0.5;
  vt_sim_opts o;
  memset(&o, 0, sizeof o);
  o.seed = 7;
  o.reference = vt_time_from_date(2020, 1, 1);
  o.age_min = 0;
  o.age_max = 90;
  char *paths[1] = { path };
  vt_engine *e = vt_engine_new(&o, paths, 1, NULL, &lim, err, sizeof err);
  if (!e) return 0;
  for (int64_t i = 0; i < 2; i++)
    if (vt_engine_simulate(e, i) != 0) break;
  vt_engine_free(e);
  return 0;
}
