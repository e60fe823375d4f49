/*
** fuzz_lua_module.c -- the input as the source of a Lua module: loaded in a
** sandboxed state (lua/bridge.h) and compiled (vt_module_compile), as
** `vitae run -m FILE.lua` does.  Limits are lowered so that runaway inputs
** stop quickly: 64 MiB, 2 million instructions at load time.
**
** A new state loads the prelude under the instruction hook, which costs
** far more than most inputs, so one state serves RENEW inputs in a row, as
** one worker's state serves every module of a run (each loads into a fresh
** _ENV over read-only shared tables); it is renewed sooner when an input
** hit a limit.  An input that fails only after others ran in its state
** still fails alone if the sandbox isolates modules as it should; if it
** does not, that is worth a report of its own.
*/
#include "tests/fuzz/fuzz.h"
#include "lua/bridge.h"
#include "lua/loader.h"

#define RENEW 128

static vt_lua *vl;
static int uses;

static void free_state(void) { vt_lua_free(vl); vl = NULL; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[1024];
  if (vl && (vl->limit_hit || uses >= RENEW)) free_state();
  if (!vl) {
    vt_lua_limits lim;
    vt_lua_default_limits(&lim);
    lim.memory = 64u << 20;
    lim.instructions = lim.load_instructions = 2000000LL;
    if (!(vl = vt_lua_new(&lim, NULL, err, sizeof err))) { fprintf(stderr, "fuzz_lua_module: vt_lua_new: %s\n", err); abort(); }
    static int registered;
    if (!registered) { atexit(free_state); registered = 1; }
    uses = 0;
  }
  uses++;
  /* a file that cannot exist: vt_module_compile hashes the file it names */
  const char *file = "/dev/null/fuzz.lua";
  int top = lua_gettop(vl->L);
  if (vt_lua_load_string(vl, (const char *)data, size, file, err, sizeof err) == 0) {
    vt_module *m = vt_module_compile(vl, file, "fuzz", err, sizeof err);
    vt_module_free(m);
  }
  if (lua_gettop(vl->L) != top) { fprintf(stderr, "fuzz_lua_module: Lua stack %d -> %d\n", top, lua_gettop(vl->L)); abort(); }
  lua_gc(vl->L, LUA_GCCOLLECT);
  return 0;
}
