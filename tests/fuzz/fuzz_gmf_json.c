/*
** fuzz_gmf_json.c -- the input as a Synthea GMF JSON module: parsed by
** lua/json.c (vt_json_push, the buffer form of what the loader's
** vt_json_push_file does for *.json) and compiled by vt_module_compile, the
** loader's path for .json files.  JSON gives no functions, so one Lua
** state serves every input (its stack is emptied after each); it is
** renewed if a limit was hit, so no input sees a state another one spoiled.
*/
#include "tests/fuzz/fuzz.h"
#include "lua/bridge.h"
#include "lua/json.h"
#include "lua/loader.h"

static vt_lua *vl;

static void free_state(void) { vt_lua_free(vl); vl = NULL; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[1024];
  if (vl && vl->limit_hit) free_state();
  if (!vl) {
    vt_lua_limits lim;
    vt_lua_default_limits(&lim);
    lim.memory = 64u << 20;
    lim.instructions = lim.load_instructions = 2000000LL;
    if (!(vl = vt_lua_new(&lim, NULL, err, sizeof err))) { fprintf(stderr, "fuzz_gmf_json: vt_lua_new: %s\n", err); abort(); }
    static int registered;
    if (!registered) { atexit(free_state); registered = 1; }
  }
  const char *file = "/dev/null/fuzz.json";
  int top = lua_gettop(vl->L);
  if (vt_json_push(vl->L, (const char *)data, size, file, err, sizeof err) == 0) {
    vt_module *m = vt_module_compile(vl, file, "fuzz", err, sizeof err);
    vt_module_free(m);
  }
  if (lua_gettop(vl->L) != top) { fprintf(stderr, "fuzz_gmf_json: Lua stack %d -> %d\n", top, lua_gettop(vl->L)); abort(); }
  lua_gc(vl->L, LUA_GCCOLLECT);
  return 0;
}
