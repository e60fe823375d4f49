/*
** test_sandbox.c -- unit tests of the Lua sandbox (lua/bridge.c): what
** module code cannot reach (io, os, require, load, debug, the real string
** table, other modules' globals, the shared library tables), the limits
** (instruction budget, memory cap) and that pcall inside a module cannot
** swallow them, binary chunks, per-patient math.random, the read-only
** patient proxy, param() with and without a params file, and how run-time
** errors in function slots are reported.
**
** Module code is run either directly in a vt_lua state (load-time code) or
** through an engine (function slots at run time).  Module files are written
** to tests/tmp/sandbox/ at run time.  Run from the repository root.
*/
#include "lauxlib.h"
#include "lualib.h"
#include "lua/loader.h"
#include "sim/engine.h"
#include "sim/params.h"
#include "sim/vtime.h"
#include "test.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TMP "tests/tmp/sandbox/"

/* Small limits keep the runaway tests fast. */
static const vt_lua_limits SMALL = { 16u << 20, 1000000LL, 1000000LL, 0 };

static int write_file(const char *path, const char *text, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  int ok = fwrite(text, 1, n, f) == n;
  return fclose(f) == 0 && ok ? 0 : -1;
}

static int write_text(const char *path, const char *text) { return write_file(path, text, strlen(text)); }

static vt_lua *new_lua(const vt_lua_limits *lim, vt_params *params) {
  char err[1024];
  vt_lua *vl = vt_lua_new(lim, params, err, sizeof err);
  if (!vl) printf("# vt_lua_new: %s\n", err);
  return vl;
}

/* Run `src` as module file TMP name.lua in vl.  Returns 1 if it ran and
** returned true, 0 if it ran and returned anything else, -1 on an error
** (message in err). */
static int run(vt_lua *vl, const char *name, const char *src, char *err, size_t errlen) {
  char path[256];
  snprintf(path, sizeof path, TMP "%s.lua", name);
  err[0] = 0;
  if (write_text(path, src) != 0) { snprintf(err, errlen, "cannot write %s", path); return -1; }
  if (vt_lua_load_file(vl, path, err, errlen) != 0) return -1;
  int r = lua_type(vl->L, -1) == LUA_TBOOLEAN && lua_toboolean(vl->L, -1);
  lua_pop(vl->L, 1);
  return r;
}

/* Check that `src` runs and returns true. */
static void expect_true(vt_lua *vl, const char *what, const char *src) {
  char err[1024];
  int r = run(vl, "check", src, err, sizeof err);
  CHECK(r == 1, "%s%s%s", what, r < 0 ? ": " : "", r < 0 ? err : "");
}

/* Check that `src` fails with a message containing each piece (NULL-ended). */
static void expect_fail(vt_lua *vl, const char *what, const char *name, const char *src, const char *const *pieces) {
  char err[1024];
  int r = run(vl, name, src, err, sizeof err);
  const char *missing = NULL;
  for (const char *const *p = pieces; r < 0 && *p; p++) if (!strstr(err, *p)) { missing = *p; break; }
  if (r < 0 && !missing) CHECK(1, "%s", what);
  else CHECK(0, "%s (missing '%s'; got %s)", what, missing ? missing : "", r < 0 ? err : "no error");
}

#define PIECES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* ---- what module code cannot reach -------------------------------------- */

static void test_escapes(void) {
  vt_lua *vl = new_lua(&SMALL, NULL);
  CHECK(vl != NULL, "sandbox: a state with small limits (the prelude fits in them)");
  if (!vl) return;
  static const char *const absent[] = {
    "io", "os", "require", "load", "loadstring", "dofile", "loadfile", "debug", "collectgarbage",
    "package", "coroutine", "vt_require", "vt_caller_line", NULL
  };
  for (const char *const *g = absent; *g; g++) {
    char src[256], what[128];
    snprintf(src, sizeof src, "return %s == nil and rawget(_ENV, '%s') == nil", *g, *g);
    snprintf(what, sizeof what, "escape: '%s' is not reachable", *g);
    expect_true(vl, what, src);
  }
  expect_true(vl, "escape: io.open fails", "return not pcall(function() return io.open('/etc/passwd') end)");
  expect_true(vl, "escape: os.execute fails", "return not pcall(function() return os.execute('true') end)");
  expect_true(vl, "escape: require fails", "return not pcall(function() return require('os') end)");
  expect_true(vl, "escape: load of source fails", "return not pcall(function() return load('return 1') end)");
  expect_true(vl, "escape: collectgarbage fails", "return not pcall(function() return collectgarbage('count') end)");
  expect_true(vl, "escape: string.dump is gone", "return string.dump == nil and ('').dump == nil");
  expect_true(vl, "escape: math.randomseed is gone", "return math.randomseed == nil");
  expect_true(vl, "escape: getmetatable('') is not the real metatable",
              "return type(getmetatable('')) ~= 'table'");
  expect_true(vl, "escape: getmetatable('').__index does not reach the real string table",
              "local ok, s = pcall(function() return getmetatable('').__index end)\n"
              "return not ok or s == nil or (type(s) == 'table' and s.dump == nil)");
  expect_true(vl, "escape: rawget(_G, 'io') gives nothing",
              "local ok, v = pcall(function() return rawget(_G, 'io') end)\nreturn not ok or v == nil");
  expect_true(vl, "escape: the environment's metatable is hidden", "return type(getmetatable(_ENV)) ~= 'table'");
  expect_true(vl, "escape: the environment's metatable cannot be replaced",
              "return not pcall(setmetatable, _ENV, nil)");
  expect_true(vl, "escape: the string table's metatable cannot be replaced",
              "return not pcall(setmetatable, string, nil) and type(getmetatable(string)) ~= 'table'");
  expect_true(vl, "escape: the string metatable cannot be replaced through a string",
              "return not pcall(setmetatable, '', {})");

  /* a global set by one module is not seen by another */
  char err[1024];
  int r = run(vl, "leak_a", "leak = 42\nrawset(_ENV, 'leak2', 43)\nreturn leak == 42", err, sizeof err);
  CHECK(r == 1, "isolation: a module may set its own globals%s%s", r < 0 ? ": " : "", r < 0 ? err : "");
  expect_true(vl, "isolation: another module does not see them", "return leak == nil and leak2 == nil");

  /* the shared library tables cannot be changed, not even with rawset */
  expect_fail(vl, "isolation: assigning string.upper is an error", "poke_string",
              "string.upper = function() return 'pwned' end\nreturn true", PIECES("poke_string.lua:1:"));
  expect_fail(vl, "isolation: assigning math.pi is an error", "poke_math", "math.pi = 3\nreturn true",
              PIECES("poke_math.lua:1:"));
  r = run(vl, "rawset_a",
          "pcall(rawset, string, 'upper', function() return 'pwned' end)\n"
          "pcall(rawset, string, 'dump', function() return 'pwned' end)\n"
          "pcall(rawset, math, 'floor', function() return -1 end)\n"
          "pcall(rawset, table, 'concat', function() return 'pwned' end)\n"
          "pcall(rawset, utf8, 'char', function() return 'pwned' end)\n"
          "return true", err, sizeof err);
  CHECK(r == 1, "isolation: a module tries rawset on the shared tables%s%s", r < 0 ? ": " : "", r < 0 ? err : "");
  expect_true(vl, "isolation: rawset on string does not reach another module",
              "return ('abc'):upper() == 'ABC' and string.upper('abc') == 'ABC' and string.dump == nil");
  expect_true(vl, "isolation: rawset on math/table/utf8 does not reach another module",
              "return math.floor(2.5) == 2 and table.concat({'a','b'}) == 'ab' and utf8.char(65) == 'A'");
  /* the prelude's shared values */
  r = run(vl, "prelude_a",
          "pcall(function() units.mg_dL = 'pwned' end)\n"
          "pcall(rawset, units, 'mg_dL', 'pwned')\n"
          "local mt = getmetatable(years(1))\n"
          "if type(mt) == 'table' then pcall(rawset, mt, 'pwned', true) end\n"
          "return true", err, sizeof err);
  CHECK(r == 1, "isolation: a module tries to change the prelude's tables%s%s", r < 0 ? ": " : "", r < 0 ? err : "");
  expect_true(vl, "isolation: the prelude's units table is not changed for another module",
              "return units.mg_dL == 'mg/dL'");
  expect_true(vl, "isolation: the prelude's metatables are not changed for another module",
              "local mt = getmetatable(years(1))\nreturn type(mt) ~= 'table' or rawget(mt, 'pwned') == nil");
  expect_fail(vl, "math.random at load time is refused (it would not be per patient)", "random_at_load",
              "return math.random()", PIECES("random_at_load.lua:1:"));
  vt_lua_free(vl);
}

/* lua_Writer collecting a dumped chunk. */
typedef struct buf { char data[8192]; size_t n; } buf;
static int collect(lua_State *L, const void *p, size_t sz, void *ud) {
  buf *b = ud;
  if (b->n + sz > sizeof b->data) return 1;
  memcpy(b->data + b->n, p, sz);
  b->n += sz;
  return 0;
}

static void test_binary(void) {
  /* a real precompiled chunk, made with a plain Lua state */
  lua_State *L = luaL_newstate();
  static buf b;
  b.n = 0;
  int ok = L && luaL_loadstring(L, "return { name = 'Bin', states = { Initial = { type = 'Initial', "
                                   "direct_transition = 'Terminal' }, Terminal = { type = 'Terminal' } } }") == LUA_OK &&
           lua_dump(L, collect, &b, 0) == 0;
  if (L) lua_close(L);
  CHECK(ok && b.n > 4 && memcmp(b.data, "\x1bLua", 4) == 0, "binary: a precompiled chunk is made");
  char path[] = TMP "binary.lua", err[1024];
  if (write_file(path, b.data, b.n) != 0) { CHECK(0, "binary: cannot write %s", path); return; }
  vt_lua *vl = new_lua(&SMALL, NULL);
  if (!vl) return;
  int r = vt_lua_load_file(vl, path, err, sizeof err);
  CHECK(r != 0 && strstr(err, path) && strstr(err, "binary"), "binary: the chunk is refused, naming the file (%s)", err);
  vt_lua_free(vl);
  char *paths[1] = { path };
  vt_sim_opts o = { 1, vt_time_from_date(2020, 1, 1), 30, 30, 0, 0, { 0, 0 }, 0 };
  vt_engine *e = vt_engine_new(&o, paths, 1, NULL, &SMALL, err, sizeof err);
  CHECK(e == NULL && strstr(err, path), "binary: the engine refuses it (%s)", err);
  vt_engine_free(e);
  char path2[] = TMP "escape_text.lua";
  write_text(path2, "\x1bLua garbage");
  vl = new_lua(&SMALL, NULL);
  if (!vl) return;
  r = vt_lua_load_file(vl, path2, err, sizeof err);
  CHECK(r != 0 && strstr(err, path2), "binary: any file starting with ESC Lua is refused (%s)", err);
  vt_lua_free(vl);
}

/* ---- limits -------------------------------------------------------------- */

static void test_budget(void) {
  vt_lua *vl = new_lua(&SMALL, NULL);
  if (!vl) return;
  expect_fail(vl, "budget: an endless loop at load time stops", "loop",
              "local n = 0\nwhile true do\n  n = n + 1\nend\n", PIECES("instruction budget", "loop.lua:"));
  char err[1024];
  int r = run(vl, "loop2", "local n = 0\nwhile true do n = n + 1 end\n", err, sizeof err);
  CHECK(r < 0 && strstr(err, TMP "loop2.lua:2:"), "budget: the error names file and line (%s)", err);
  expect_fail(vl, "budget: pcall cannot swallow it", "pcall_loop",
              "local ok = pcall(function()\n  while true do end\nend)\nreturn { swallowed = ok }\n",
              PIECES("instruction budget", "pcall_loop.lua:2:"));
  expect_fail(vl, "budget: xpcall cannot swallow it", "xpcall_loop",
              "local ok = xpcall(function() while true do end end, function(m) return m end)\nreturn ok\n",
              PIECES("instruction budget", "xpcall_loop.lua:1:"));
  expect_fail(vl, "budget: nested pcall cannot swallow it", "nested_pcall",
              "local ok = pcall(pcall, pcall, function() while true do end end)\nreturn ok\n",
              PIECES("instruction budget"));
  expect_fail(vl, "budget: a loop after a swallowed error still stops", "pcall_again",
              "local a = pcall(error, 'x')\nlocal b = pcall(function() while true do end end)\n"
              "while true do end\n", PIECES("instruction budget"));
  expect_fail(vl, "budget: endless tail recursion stops", "tail",
              "local function f(n) return f(n + 1) end\nreturn f(1)\n", PIECES("instruction budget"));
  expect_fail(vl, "budget: a loop in a string.gsub callback stops", "gsub_loop",
              "local ok = pcall(string.gsub, 'aaa', 'a', function() while true do end end)\nreturn ok\n",
              PIECES("instruction budget"));
  expect_true(vl, "budget: the state works again after a budget error", "return 1 + 1 == 2");
  vt_lua_free(vl);
}

static void test_memory(void) {
  vt_lua *vl = new_lua(&SMALL, NULL);
  if (!vl) return;
  expect_fail(vl, "memory: string doubling stops at the cap", "bomb_string",
              "local s = 'x'\nwhile true do s = s .. s end\n", PIECES("memory limit"));
  expect_fail(vl, "memory: table growth stops at the cap", "bomb_table",
              "local t, i = {}, 0\nwhile true do i = i + 1; t[i] = string.rep('y', 1000) .. i end\n",
              PIECES("memory limit"));
  expect_fail(vl, "memory: a huge string.rep stops at the cap", "bomb_rep",
              "return string.rep('x', 1 << 30)\n", PIECES("memory"));
  expect_fail(vl, "memory: pcall cannot swallow the memory error", "bomb_pcall",
              "local ok = pcall(function() local s = 'x' while true do s = s .. s end end)\nreturn { swallowed = ok }\n",
              PIECES("memory limit"));
  expect_fail(vl, "memory: the memory error names the module file", "bomb_named",
              "local s = 'x'\nwhile true do s = s .. s end\n", PIECES("bomb_named.lua"));
  expect_true(vl, "memory: the state works again after a memory error",
              "local t = {} for i = 1, 1000 do t[i] = i end return #t == 1000");
  CHECK(vl->mem_used <= vl->mem_limit, "memory: usage is back under the cap (%zu bytes)", vl->mem_used);
  vt_lua_free(vl);
}

/* ---- run time: function slots through the engine --------------------------- */

/* An engine for module source `src` written to TMP name.lua. */
static vt_engine *engine_src(const char *name, const char *src, const vt_lua_limits *lim, vt_params *params,
                             char *err, size_t errlen) {
  char path[256];
  snprintf(path, sizeof path, TMP "%s.lua", name);
  if (write_text(path, src) != 0) { snprintf(err, errlen, "cannot write %s", path); return NULL; }
  char *paths[1] = { path };
  vt_sim_opts o = { 99, vt_time_from_date(2020, 1, 1), 30, 30, 0, 0, { 0, 0 }, 0 };
  return vt_engine_new(&o, paths, 1, params, lim, err, errlen);
}

/* Simulate patient 0 of a module whose function slot fails; check that
** vt_engine_simulate returns -1 and e->err holds every piece. */
static void expect_runtime_error(const char *what, const char *name, const char *src, const vt_lua_limits *lim,
                                 const char *const *pieces) {
  char err[2048];
  vt_engine *e = engine_src(name, src, lim, NULL, err, sizeof err);
  CHECK(e != NULL, "%s: the module loads%s%s", what, e ? "" : ": ", e ? "" : err);
  if (!e) return;
  int rc = vt_engine_simulate(e, 0);
  const char *missing = NULL;
  for (const char *const *p = pieces; *p; p++) if (!strstr(e->err, *p)) { missing = *p; break; }
  if (rc == -1 && !missing) CHECK(1, "%s", what);
  else CHECK(0, "%s (missing '%s'; got %s)", what, missing ? missing : "", rc == -1 ? e->err : "rc 0");
  vt_engine_free(e);
}

static void test_runtime_limits(void) {
  expect_runtime_error("run time: an endless loop in a condition function stops", "rt_loop",
    "return { name = 'RtLoop', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Guard', direct_transition = 'Terminal',\n"
    "           allow = function(p) while true do end end },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", &SMALL,
    PIECES("instruction budget", TMP "rt_loop.lua", "rt_loop.lua:4:", "module 'RtLoop'", "state 'Wait'"));
  expect_runtime_error("run time: pcall in a condition function cannot swallow the budget", "rt_pcall",
    "return { name = 'RtPcall', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Guard', direct_transition = 'Terminal',\n"
    "           allow = function(p) local ok = pcall(function() while true do end end) return true end },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", &SMALL, PIECES("instruction budget", "rt_pcall.lua:4:", "module 'RtPcall'", "state 'Wait'"));
  expect_runtime_error("run time: a memory bomb in a value function stops", "rt_memory",
    "return { name = 'RtMemory', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Grow' },\n"
    "  Grow = { type = 'SetAttribute', attribute = 'x', direct_transition = 'Terminal',\n"
    "           value = function(p) local t = {} for i = 1, 1e8 do t[i] = string.rep('z', 100) .. i end return 1 end },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", &SMALL, PIECES("memory limit", "rt_memory.lua", "module 'RtMemory'", "state 'Grow'"));
  expect_runtime_error("run time: pcall cannot swallow the memory error", "rt_memory_pcall",
    "return { name = 'RtMemoryPcall', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Grow' },\n"
    "  Grow = { type = 'SetAttribute', attribute = 'x', direct_transition = 'Terminal',\n"
    "           value = function(p) pcall(function() local s = 'x' while true do s = s .. s end end) return 1 end },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", &SMALL, PIECES("memory limit", "module 'RtMemoryPcall'", "state 'Grow'"));
  expect_runtime_error("run time: an error in a function slot names file, module, state and line", "rt_error",
    "-- a module whose value function raises\n"
    "return { name = 'RtError', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Fail' },\n"
    "  Fail = { type = 'SetAttribute', attribute = 'x', direct_transition = 'Terminal',\n"
    "           value = function(p) error('boom') end },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", NULL, PIECES(TMP "rt_error.lua", "rt_error.lua:5:", "module 'RtError'", "state 'Fail'", "boom"));
  expect_runtime_error("run time: a Lua error in a probability function", "rt_arith",
    "return { name = 'RtArith', states = {\n"
    "  Initial = { type = 'Initial', distributed_transition = {\n"
    "    { distribution = function(p)\n"
    "        return p:attr('missing') + 1\n"
    "      end, transition = 'Terminal' }, { distribution = 0.5, transition = 'Terminal' } } },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", NULL, PIECES("rt_arith.lua:4:", "module 'RtArith'", "state 'Initial'", "arithmetic"));
  expect_runtime_error("run time: a function returning the wrong type", "rt_type",
    "return { name = 'RtType', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Delay', exact = { quantity = function(p) return 'soon' end, unit = 'days' },\n"
    "           direct_transition = 'Terminal' },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", NULL, PIECES("rt_type.lua:3:", "module 'RtType'", "state 'Wait'", "number"));
  expect_runtime_error("run time: the patient proxy is read-only", "rt_readonly",
    "return { name = 'RtReadOnly', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Poke' },\n"
    "  Poke = { type = 'SetAttribute', attribute = 'x', direct_transition = 'Terminal',\n"
    "           value = function(p) p.age = 3 return 1 end },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", NULL, PIECES("read-only", "rt_readonly.lua:4:", "module 'RtReadOnly'", "state 'Poke'"));
  expect_runtime_error("run time: an unknown patient field is an error", "rt_field",
    "return { name = 'RtField', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Peek' },\n"
    "  Peek = { type = 'SetAttribute', attribute = 'x', direct_transition = 'Terminal',\n"
    "           value = function(p) return p.ssn end },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", NULL, PIECES("'ssn'", "rt_field.lua:4:", "state 'Peek'"));
}

static void test_proxy(void) {
  char err[2048];
  vt_engine *e = engine_src("proxy",
    "return { name = 'Proxy', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Meta' },\n"
    "  Meta = { type = 'SetAttribute', attribute = 'meta', direct_transition = 'Raw',\n"
    "           value = function(p) return type(getmetatable(p)) end },\n"
    "  Raw = { type = 'SetAttribute', attribute = 'raw', direct_transition = 'SetMeta',\n"
    "          value = function(p) return (pcall(rawset, p, 'age', 3)) end },\n"
    "  SetMeta = { type = 'SetAttribute', attribute = 'setmeta', direct_transition = 'Caught',\n"
    "              value = function(p) return (pcall(setmetatable, p, {})) end },\n"
    "  Caught = { type = 'SetAttribute', attribute = 'caught', direct_transition = 'Age',\n"
    "             value = function(p) return (pcall(function() p.gender = 'X' end)) end },\n"
    "  Age = { type = 'SetAttribute', attribute = 'age', direct_transition = 'Terminal',\n"
    "          value = function(p) return p.age end },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", NULL, NULL, err, sizeof err);
  CHECK(e != NULL, "proxy: the module loads%s%s", e ? "" : ": ", e ? "" : err);
  if (!e) return;
  int rc = vt_engine_simulate(e, 0);
  CHECK(rc == 0, "proxy: simulated%s%s", rc ? ": " : "", rc ? e->err : "");
  vt_slot *s = vt_map_get(&e->p.attrs, "meta");
  CHECK(s && s->v.kind == VT_V_STR && strcmp(s->v.u.s, "table") != 0, "proxy: its metatable is hidden");
  s = vt_map_get(&e->p.attrs, "raw");
  CHECK(s && s->v.kind == VT_V_BOOL && !s->v.u.b, "proxy: rawset on it fails");
  s = vt_map_get(&e->p.attrs, "setmeta");
  CHECK(s && s->v.kind == VT_V_BOOL && !s->v.u.b, "proxy: setmetatable on it fails");
  s = vt_map_get(&e->p.attrs, "caught");
  CHECK(s && s->v.kind == VT_V_BOOL && !s->v.u.b, "proxy: assigning a field fails");
  CHECK(e->p.rec.person.gender == 'M' || e->p.rec.person.gender == 'F', "proxy: the patient is unchanged");
  s = vt_map_get(&e->p.attrs, "age");
  CHECK(s && s->v.kind == VT_V_NUM && s->v.u.n >= 0 && s->v.u.n < 0.1, "proxy: p.age still reads (%g)",
        s && s->v.kind == VT_V_NUM ? s->v.u.n : -1.0);
  vt_engine_free(e);
}

/* ---- determinism of module randomness ---------------------------------------- */

static const char *RANDOM_MODULE =
  "return { name = 'Random', states = {\n"
  "  Initial = { type = 'Initial', direct_transition = 'R1' },\n"
  "  R1 = { type = 'SetAttribute', attribute = 'r1', value = function(p) return math.random() end,\n"
  "         direct_transition = 'R2' },\n"
  "  R2 = { type = 'SetAttribute', attribute = 'r2', value = function(p) return math.random(1, 6) end,\n"
  "         direct_transition = 'R3' },\n"
  "  R3 = { type = 'SetAttribute', attribute = 'r3', value = function(p) return p:random() + math.random(10) end,\n"
  "         direct_transition = 'Wait' },\n"
  "  Wait = { type = 'Delay', exact = { quantity = function(p) return math.random(1, 100) end, unit = 'days' },\n"
  "           direct_transition = 'R4' },\n"
  "  R4 = { type = 'SetAttribute', attribute = 'r4', value = function(p) return math.random() end,\n"
  "         direct_transition = 'Terminal' },\n"
  "  Terminal = { type = 'Terminal' },\n"
  "} }\n";

static int draws(vt_engine *e, int64_t index, double out[4]) {
  static const char *names[4] = { "r1", "r2", "r3", "r4" };
  if (vt_engine_simulate(e, index) != 0) { printf("# %s\n", e->err); return -1; }
  for (int k = 0; k < 4; k++) {
    vt_slot *s = vt_map_get(&e->p.attrs, names[k]);
    if (!s || s->v.kind != VT_V_NUM) return -1;
    out[k] = s->v.u.n;
  }
  return 0;
}

static void test_random(void) {
  char err[2048];
  vt_engine *e1 = engine_src("random", RANDOM_MODULE, NULL, NULL, err, sizeof err);
  vt_engine *e2 = engine_src("random", RANDOM_MODULE, NULL, NULL, err, sizeof err);
  CHECK(e1 && e2, "random: the module loads%s%s", e1 && e2 ? "" : ": ", e1 && e2 ? "" : err);
  if (e1 && e2) {
    double a[4], b[4], c[4], d[4];
    int ok = draws(e1, 5, a) == 0 && draws(e1, 6, c) == 0 && draws(e1, 5, b) == 0 && draws(e2, 5, d) == 0;
    CHECK(ok, "random: the patients are simulated");
    if (ok) {
      CHECK(memcmp(a, b, sizeof a) == 0, "random: math.random is the same for the same patient");
      CHECK(memcmp(a, d, sizeof a) == 0, "random: ... in another engine too");
      CHECK(memcmp(a, c, sizeof a) != 0, "random: another patient draws other numbers");
      CHECK(a[0] >= 0 && a[0] < 1 && a[1] >= 1 && a[1] <= 6 && a[1] == floor(a[1]), "random: math.random's ranges");
    }
  }
  vt_engine_free(e1);
  vt_engine_free(e2);
}

/* A finalizer (__gc) runs when the collector decides, which depends on
** everything the Lua state did before: if module code could run then, a
** patient's draws would depend on the patients simulated before it in the
** same worker (and so on the number of threads). */
static const char *GC_MODULE =
  "local function junk() setmetatable({}, { __gc = function() math.random() end }) end\n"
  "return { name = 'Gc', states = {\n"
  "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
  "  Wait = { type = 'Guard', direct_transition = 'Draw',\n"
  "           allow = function(p) for i = 1, 20 do junk() end return p.age >= 20 end },\n"
  "  Draw = { type = 'SetAttribute', attribute = 'r', value = function(p) return math.random() end,\n"
  "           direct_transition = 'Terminal' },\n"
  "  Terminal = { type = 'Terminal' },\n"
  "} }\n";

static void test_gc_determinism(void) {
  char err[2048];
  vt_engine *e1 = engine_src("gc", GC_MODULE, NULL, NULL, err, sizeof err);
  vt_engine *e2 = engine_src("gc", GC_MODULE, NULL, NULL, err, sizeof err);
  if (!e1 || !e2) {
    /* refusing __gc at load time is a fine answer too */
    CHECK(strstr(err, "__gc") != NULL, "gc: finalizers are refused or harmless (%s)", err);
  } else {
    int ok = vt_engine_simulate(e1, 7) == 0;
    vt_slot *s = vt_map_get(&e1->p.attrs, "r");
    double a = s && s->v.kind == VT_V_NUM ? s->v.u.n : -1;
    size_t na = e1->p.rec.nrows;
    for (int i = 0; i < 7 && ok; i++) ok = vt_engine_simulate(e2, i) == 0;
    ok = ok && vt_engine_simulate(e2, 7) == 0;
    s = vt_map_get(&e2->p.attrs, "r");
    double b = s && s->v.kind == VT_V_NUM ? s->v.u.n : -2;
    CHECK(!ok || (a == b && na == e2->p.rec.nrows),
          "gc: a module's finalizers do not make a patient depend on the patients before it (%.6f vs %.6f)", a, b);
  }
  vt_engine_free(e1);
  vt_engine_free(e2);
}

/* ---- code that could run without the budget ------------------------------------- */

/* Run f() in a child process limited to `seconds`: code that escapes the
** instruction budget would hang the test run.  Returns f's exit status (0
** when its check held), or -1 if the child was killed (timed out) or could
** not be started. */
static int guarded(int (*f)(void), unsigned seconds) {
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    alarm(seconds);
    int r = f();
    fflush(stdout);
    _exit(r);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Load `src` into a fresh state and free it (which runs pending
** finalizers); 0 if that ends and the load failed with `want` in the
** message (or `want` is NULL), 1 otherwise. */
static int load_and_close(const char *src, const char *want) {
  char err[1024];
  vt_lua *vl = vt_lua_new(&SMALL, NULL, err, sizeof err);
  if (!vl) return 1;
  int r = vt_lua_load_string(vl, src, strlen(src), TMP "guarded.lua", err, sizeof err);
  if (r == 0) lua_pop(vl->L, 1);
  if (r == 0 && want == NULL) {
    /* make garbage so that the collector runs */
    const char *more = "local t = {} for i = 1, 20000 do t[i] = {} end return true";
    if (vt_lua_load_string(vl, more, strlen(more), TMP "garbage.lua", err, sizeof err) == 0) lua_pop(vl->L, 1);
  }
  vt_lua_free(vl);
  return want ? !(r != 0 && strstr(err, want)) : 0;
}

/* An xpcall message handler that loops is called again from inside the
** count hook, where hooks are off: it must still stop. */
static int child_handler_loop(void) {
  return load_and_close("local ok = xpcall(function() error('x') end, function() while true do end end)\n"
                        "return ok\n", "instruction budget");
}

/* A finalizer (__gc) runs with hooks off: one that loops must not hang
** the run (refusing __gc metatables is a fine answer). */
static int child_gc_loop(void) {
  return load_and_close("setmetatable({}, { __gc = function() while true do end end })\nreturn true\n", NULL);
}

static void test_unhooked(void) {
  CHECK(guarded(child_handler_loop, 1) == 0, "budget: a looping xpcall message handler stops (no hang)");
  CHECK(guarded(child_gc_loop, 1) == 0, "budget: a looping __gc finalizer stops or is refused (no hang)");
}

/* ---- param() -------------------------------------------------------------- */

static void test_params(void) {
  vt_lua *vl = new_lua(&SMALL, NULL);
  if (!vl) return;
  expect_true(vl, "param: without a params file the default is used",
              "return param('sb.rate', 0.25) == 0.25 and param('sb.label', 'x') == 'x' and param('sb.flag', true) == true");
  expect_fail(vl, "param: a default that is not a number, string or boolean is an error", "param_table",
              "local x = param('sb.table', {})\nreturn true\n", PIECES("param_table.lua:1:", "sb.table"));
  vt_lua_free(vl);

  char ppath[] = TMP "params.yaml", err[2048];
  const char *yaml =
    "params:\n"
    "  sb.rate: 0.75\n"
    "  sb.label: hello\n"
    "  sb.flag: false\n"
    "  sb.wrong: \"text\"\n";
  if (write_text(ppath, yaml) != 0) { CHECK(0, "param: cannot write %s", ppath); return; }
  vt_params *params = vt_params_load(ppath, err, sizeof err);
  CHECK(params != NULL, "param: the params file loads%s%s", params ? "" : ": ", params ? "" : err);
  if (!params) return;
  vl = new_lua(&SMALL, params);
  if (vl) {
    expect_true(vl, "param: a number is overridden", "return param('sb.rate', 0.25) == 0.75");
    expect_true(vl, "param: a string is overridden", "return param('sb.label', 'x') == 'hello'");
    expect_true(vl, "param: a boolean is overridden", "return param('sb.flag', true) == false");
    expect_true(vl, "param: a name not in the file keeps its default", "return param('sb.absent', 3) == 3");
    expect_fail(vl, "param: a params value of the wrong type is an error naming both files and lines", "param_wrong",
                "-- line 1\nlocal r = param('sb.wrong', 1)\nreturn true\n",
                PIECES("sb.wrong", "param_wrong.lua:2:", TMP "params.yaml:5"));
    vt_lua_free(vl);
  }
  /* through the engine: the override reaches the simulation */
  vt_engine *e = engine_src("param_engine",
    "local rate = param('sb.rate', 0.25)\n"
    "return { name = 'ParamEngine', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Set' },\n"
    "  Set = { type = 'SetAttribute', attribute = 'rate', value = rate, direct_transition = 'Terminal' },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", NULL, params, err, sizeof err);
  CHECK(e != NULL, "param: a module using it loads%s%s", e ? "" : ": ", e ? "" : err);
  if (e) {
    int rc = vt_engine_simulate(e, 0);
    vt_slot *s = vt_map_get(&e->p.attrs, "rate");
    CHECK(rc == 0 && s && s->v.kind == VT_V_NUM && s->v.u.n == 0.75, "param: the overridden value is simulated");
    vt_engine_free(e);
  }
  e = engine_src("param_engine_wrong",
    "-- line 1\n"
    "local n = param('sb.wrong', 2)\n"
    "return { name = 'ParamWrong', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Terminal' },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", NULL, params, err, sizeof err);
  CHECK(e == NULL && strstr(err, "param_engine_wrong.lua:2:") && strstr(err, TMP "params.yaml:5"),
        "param: the engine refuses a wrong-type override (%s)", e ? "loaded" : err);
  vt_engine_free(e);
  /* the kind of failure is a result code, not something to read in the message */
  {
    char path[256];
    snprintf(path, sizeof path, TMP "param_engine_wrong.lua");
    char *paths[1] = { path };
    vt_sim_opts o = { 99, vt_time_from_date(2020, 1, 1), 30, 30, 0, 0, { 0, 0 }, 0 };
    vt_engine_status st = vt_engine_open(&e, &o, paths, 1, params, NULL, NULL, 0, err, sizeof err);
    CHECK(st == VT_ENGINE_EPARAM && e == NULL, "param: vt_engine_open reports a wrong-type override as VT_ENGINE_EPARAM (%d)", (int)st);
    vt_engine_free(e);
    snprintf(path, sizeof path, TMP "param_engine_broken.lua");
    if (write_text(path, "return { name = 'Broken', states = { Initial = { type = 'Initial', direct_transition = 'Nowhere' } } }\n") == 0) {
      st = vt_engine_open(&e, &o, paths, 1, params, NULL, NULL, 0, err, sizeof err);
      CHECK(st == VT_ENGINE_EFAIL && e == NULL, "param: another load error is VT_ENGINE_EFAIL (%d)", (int)st);
      vt_engine_free(e);
    } else CHECK(0, "param: cannot write %s", path);
  }
  vt_params_free(params);
}

static int mkdirs(const char *path) {
  char b[256];
  snprintf(b, sizeof b, "%s", path);
  for (char *s = b + 1; *s; s++)
    if (*s == '/') {
      *s = 0;
      if (mkdir(b, 0777) != 0 && errno != EEXIST) return -1;
      *s = '/';
    }
  return mkdir(b, 0777) != 0 && errno != EEXIST ? -1 : 0;
}


/* ---- issue 8: the sandbox's promises under attack ----------------------- */

/* Source of a module whose Guard nests `depth` Not conditions (plain GMF
** tables in Lua, or JSON when `json`); malloc'd. */
static char *nested_module(int depth, int json) {
  size_t cap = (size_t)depth * 64 + 1024, n = 0;
  char *s = malloc(cap);
  if (!s) return NULL;
  const char *open = json ? "{\"condition_type\": \"Not\", \"condition\": " : "{ condition_type = 'Not', condition = ";
  n += (size_t)snprintf(s + n, cap - n, json
    ? "{\"name\": \"Deep\", \"states\": {\n\"Initial\": {\"type\": \"Initial\", \"direct_transition\": \"Wait\"},\n"
      "\"Wait\": {\"type\": \"Guard\", \"direct_transition\": \"Terminal\", \"allow\": "
    : "return { name = 'Deep', states = {\n  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
      "  Wait = { type = 'Guard', direct_transition = 'Terminal', allow = ");
  for (int k = 0; k < depth; k++) n += (size_t)snprintf(s + n, cap - n, "%s", open);
  n += (size_t)snprintf(s + n, cap - n, json ? "{\"condition_type\": \"True\"}" : "{ condition_type = 'True' }");
  for (int k = 0; k < depth; k++) n += (size_t)snprintf(s + n, cap - n, "}");
  snprintf(s + n, cap - n, json ? "},\n\"Terminal\": {\"type\": \"Terminal\"}\n}}\n" : " },\n  Terminal = { type = 'Terminal' },\n} }\n");
  return s;
}

/* Load module source `src` as TMP name (with its extension) through an
** engine; returns 0 if it loads, -1 with err. */
static int load_as(const char *file, const char *src, char *err, size_t errlen) {
  char path[256];
  snprintf(path, sizeof path, TMP "%s", file);
  if (write_text(path, src) != 0) { snprintf(err, errlen, "cannot write %s", path); return -1; }
  char *paths[1] = { path };
  vt_sim_opts o = { 99, vt_time_from_date(2020, 1, 1), 30, 30, 0, 0, { 0, 0 }, 0 };
  vt_engine *e = vt_engine_new(&o, paths, 1, NULL, NULL, err, errlen);
  if (!e) return -1;
  int rc = vt_engine_simulate(e, 0);
  if (rc != 0) snprintf(err, errlen, "%s", e->err);
  vt_engine_free(e);
  return rc;
}

/* 1. A condition nested deeper than the limit is a load error naming the
** file and state, never a crash (the loader once overflowed the Lua stack at
** about 80 levels); JSON modules likewise. */
static void test_deep_conditions(void) {
  static const int depths[] = { 80, 1000, 100000 };
  char err[2048];
  for (int json = 0; json <= 1; json++) {
    char *ok = nested_module(VT_MAX_COND_DEPTH - 1, json);
    int rc = load_as(json ? "deep_ok.json" : "deep_ok.lua", ok, err, sizeof err);
    CHECK(rc == 0, "nesting: %s conditions %d deep load and run%s%s", json ? "JSON" : "Lua", VT_MAX_COND_DEPTH - 1,
          rc ? ": " : "", rc ? err : "");
    free(ok);
    for (size_t k = 0; k < sizeof depths / sizeof depths[0]; k++) {
      char *src = nested_module(depths[k], json);
      char file[64];
      snprintf(file, sizeof file, "deep_%d.%s", depths[k], json ? "json" : "lua");
      rc = load_as(file, src, err, sizeof err);
      int named = strstr(err, file) != NULL;
      int clear = strstr(err, "nested deeper than") != NULL || strstr(err, "nesting deeper than") != NULL ||
                  strstr(err, "too many") != NULL || strstr(err, "overflow") != NULL;
      CHECK(rc != 0 && named && clear, "nesting: %s conditions %d deep are refused with a clear error naming the file (%s)",
            json ? "JSON" : "Lua", depths[k], err);
      if (depths[k] == 80)
        CHECK(strstr(err, "state 'Wait'") != NULL, "nesting: the error for %d levels names the state", depths[k]);
      free(src);
    }
  }
}

/* 3. Everything the prelude shares is read-only, so one module cannot change
** another (is_female.gender = "M" once moved female-only events to men). */
static void test_shared_tables(void) {
  vt_lua *vl = new_lua(&SMALL, NULL);
  if (!vl) { CHECK(0, "shared: a Lua state"); return; }
  static const struct { const char *name, *src; } pokes[] = {
    { "poke_is_female", "is_female.gender = 'M'\nreturn true" },
    { "poke_is_male_rawset", "rawset(is_male, 'gender', 'F')\nreturn true" },
    { "poke_always", "always.condition_type = 'False'\nreturn true" },
    { "poke_never", "rawset(never, 'condition_type', 'True')\nreturn true" },
    { "poke_nested", "local c = negate(is_female).condition\nc.gender = 'M'\nreturn true" },
    { "poke_units", "units.mg_dL = 'g'\nreturn true" },
    { "poke_setmt", "setmetatable(is_female, {})\nreturn true" },
    { "poke_table_insert", "table.insert(is_male, 1)\nreturn true" },
  };
  for (size_t k = 0; k < sizeof pokes / sizeof pokes[0]; k++) {
    char err[1024];
    int r = run(vl, pokes[k].name, pokes[k].src, err, sizeof err);
    CHECK(r < 0 && strstr(err, pokes[k].name) && (strstr(err, "read-only") || strstr(err, "protected")),
          "shared: %s is refused (%s)", pokes[k].name, r < 0 ? err : "no error");
  }
  /* a module that swallows the error changes nothing another module sees */
  expect_true(vl, "shared: a caught attempt changes nothing",
              "pcall(function() is_female.gender = 'M' end)\npcall(function() rawset(is_female, 'gender', 'M') end)\n"
              "return is_female.gender == 'F' and is_male.gender == 'M' and always.condition_type == 'True'");
  expect_true(vl, "pairs: keys in a fixed order (numbers, strings, booleans), whatever the hash seed",
              "local w = { zeta = 1, alpha = 2, mid = 3, [3] = 4, [1] = 5, [2.5] = 7, [true] = 6 }\n"
              "local o = {}\nfor k in pairs(w) do o[#o + 1] = tostring(k) end\n"
              "return table.concat(o, ',') == '1,2.5,3,alpha,mid,zeta,true'");
  expect_true(vl, "pairs: a shared read-only table is iterated over its contents",
              "local n = 0\nfor k, v in pairs(is_female) do n = n + 1 end\nreturn n == 2");
  expect_true(vl, "shared: the shared conditions still read as conditions",
              "local c = all { is_female, age_at_least(50) }\nreturn c.conditions[1].gender == 'F' and #c.conditions == 2");
  vt_lua_free(vl);
  /* and the engine still compiles them: a women-only guard admits women only */
  char err[2048];
  vt_engine *e = engine_src("shared_guard",
    "return module 'Women' {\n  Initial = initial { next = 'G' },\n  G = guard { is_female, next = 'C' },\n"
    "  C = condition_onset { snomed(44054006, 'Diabetes'), next = 'T' },\n  T = terminal {},\n}\n", NULL, NULL, err, sizeof err);
  CHECK(e != NULL, "shared: a module using is_female loads%s%s", e ? "" : ": ", e ? "" : err);
  if (!e) return;
  int wrong = 0, women = 0;
  for (int64_t i = 0; i < 40; i++) {
    if (vt_engine_simulate(e, i) != 0) { wrong++; continue; }
    int has = vt_actives_find_code(&e->p.active[VT_ACT_CONDITION], "44054006") >= 0;
    if (has && e->p.rec.person.gender != 'F') wrong++;
    women += has;
  }
  CHECK(wrong == 0 && women > 0, "shared: is_female admits women only (%d women, %d wrong)", women, wrong);
  vt_engine_free(e);
}

/* The value of attribute `name` of the engine's patient, or NAN. */
static double attr_num(vt_engine *e, const char *name) {
  vt_slot *s = vt_map_get(&e->p.attrs, name);
  return s && s->v.kind == VT_V_NUM ? s->v.u.n : NAN;
}

/* 4. Module state does not survive from patient to patient: a local counter
** is put back before every patient (so a patient's rows do not depend on
** which patients its worker simulated before), and writes to module tables
** and globals at run time are refused with a message that says why. */
static void test_patient_state(void) {
  char err[2048];
  vt_engine *e = engine_src("state_counter",
    "local n = 0\nlocal t = { k = 1 }\n"
    "return { name = 'Counter', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Count' },\n"
    "  Count = { type = 'SetAttribute', attribute = 'n', value = function(p) n = n + 1; return n end,\n"
    "            direct_transition = 'Terminal' },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", NULL, NULL, err, sizeof err);
  CHECK(e != NULL, "state: a module with a local counter loads%s%s", e ? "" : ": ", e ? "" : err);
  if (e) {
    int same = 1;
    for (int64_t i = 0; i < 5; i++) {
      if (vt_engine_simulate(e, i) != 0) { same = 0; printf("# %s\n", e->err); break; }
      if (attr_num(e, "n") != 1) same = 0;
    }
    CHECK(same, "state: a local counter starts again for every patient (n = 1 each time)");
    vt_engine_free(e);
  }
  expect_runtime_error("state: a module table changed at run time is refused", "state_table",
    "local seen = {}\n"
    "return { name = 'Seen', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Guard', direct_transition = 'Terminal',\n"
    "           allow = function(p) seen[#seen + 1] = true; return true end },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", NULL, PIECES("state_table.lua:5:", "state 'Wait'", "read-only once the module has loaded", "patient"));
  expect_runtime_error("state: a global assigned at run time is refused", "state_global",
    "return { name = 'Global', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Guard', direct_transition = 'Terminal',\n"
    "           allow = function(p) count = (count or 0) + 1; return true end },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", NULL, PIECES("state_global.lua:4:", "state 'Wait'", "global 'count'", "read-only"));
  int rc = load_as("state_gmatch.lua",
    "local it = ('a,b,c'):gmatch('[^,]+')\n"
    "return { name = 'Iter', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Guard', direct_transition = 'Terminal', allow = function(p) return it() ~= nil end },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", err, sizeof err);
  CHECK(rc != 0 && strstr(err, "state_gmatch.lua") && strstr(err, "from one patient to the next"),
        "state: an iterator kept from load time is refused at load (%s)", rc ? err : "loaded");
  /* a table that stays unchanged still works, as does state inside a call */
  e = engine_src("state_read",
    "local risk = { M = 1, F = 1 }\nlocal function twice(x) local t = {} t[1] = x t[2] = x return #t end\n"
    "return { name = 'Read', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Set' },\n"
    "  Set = { type = 'SetAttribute', attribute = 'r', value = function(p) return risk[p.gender] * twice(1) end,\n"
    "          direct_transition = 'Terminal' },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", NULL, NULL, err, sizeof err);
  rc = e ? vt_engine_simulate(e, 0) : -1;
  CHECK(e && rc == 0 && attr_num(e, "r") == 2, "state: reading module tables and building new ones still works%s%s",
        rc ? ": " : "", rc ? (e ? e->err : err) : "");
  vt_engine_free(e);
}

/* 6b. Module code has a time limit per patient: a guard that takes a few
** milliseconds every week stops with an error naming the module and state
** instead of taking many seconds per patient. */
static void test_patient_time(void) {
  vt_lua_limits lim;
  vt_lua_default_limits(&lim);
  lim.patient_seconds = 0.05;
  expect_runtime_error("time: a slow weekly guard stops at the per-patient time limit", "slow_guard",
    "return { name = 'Slow', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Guard', direct_transition = 'Terminal',\n"
    "           allow = function(p) local x = 0 for i = 1, 100000 do x = x + i end return false end },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", &lim, PIECES("slow_guard.lua:4:", "module 'Slow'", "state 'Wait'", "time limit"));
  lim.patient_seconds = 0.05;
  expect_runtime_error("time: one long call stops at the per-patient time limit", "long_call",
    "return { name = 'Long', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Guard', direct_transition = 'Terminal',\n"
    "           allow = function(p) local x = 0 for i = 1, 1e12 do x = x + i end return false end },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", &lim, PIECES("long_call.lua:4:", "state 'Wait'", "time limit"));
}

/* 6a. Pattern matching runs in C but is bounded: a backtracking bomb stops
** with an error at the module's line, and pcall cannot swallow it. */
static void test_pattern_bomb(void) {
  expect_runtime_error("patterns: a backtracking bomb stops with an error", "pattern_bomb",
    "return { name = 'Bomb', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Guard', direct_transition = 'Terminal',\n"
    "           allow = function(p) return string.find(string.rep('a', 4000), '.-.-.-.-.-b') ~= nil end },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", NULL, PIECES("pattern_bomb.lua:4:", "module 'Bomb'", "state 'Wait'", "pattern matching"));
  expect_runtime_error("patterns: pcall cannot swallow the bomb's budget error", "pattern_pcall",
    "return { name = 'BombPcall', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Guard', direct_transition = 'Terminal',\n"
    "           allow = function(p) pcall(string.match, string.rep('a', 4000), ('(.-)'):rep(30) .. 'b') return true end },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", NULL, PIECES("pattern_pcall.lua:4:", "state 'Wait'", "budget"));
  vt_lua *vl = new_lua(NULL, NULL);
  if (vl) {
    expect_true(vl, "patterns: ordinary matching works as Lua's",
                "local a, b, c = ('key=value'):find('(%w+)=(%w+)')\n"
                "return a == 1 and b == 9 and c == 'key' and ('x1y22'):gsub('%d+', '#') == 'x#y#'");
    vt_lua_free(vl);
  }
}

/* 7. Strings copied out of Lua count against the memory cap: a value
** function returning a 16 MiB string every week stops with a memory error
** instead of making the engine hold gigabytes. */
static void test_copied_memory(void) {
  vt_lua_limits lim;
  vt_lua_default_limits(&lim);
  lim.memory = 64u << 20;
  expect_runtime_error("memory: strings copied out of Lua count against the cap", "copy_bomb",
    "local big = string.rep('x', 16 * 1024 * 1024)\n"
    "return { name = 'Copy', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Set' },\n"
    "  Set = { type = 'SetAttribute', attribute = 'big', value = function(p) return big end,\n"
    "          direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Delay', exact = { quantity = 1, unit = 'weeks' }, direct_transition = 'Set' },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n", &lim, PIECES("copy_bomb.lua:4:", "state 'Set'", "memory limit of 64 MiB"));
}

int main(void) {
  if (mkdirs(TMP) != 0) { printf("not ok - cannot create %s\n", TMP); return 1; }
  /* first, while this process has a single thread: the checks fork */
  test_unhooked();
  test_escapes();
  test_binary();
  test_budget();
  test_memory();
  test_runtime_limits();
  test_proxy();
  test_random();
  test_gc_determinism();
  test_params();
  test_deep_conditions();
  test_shared_tables();
  test_patient_state();
  test_patient_time();
  test_pattern_bomb();
  test_copied_memory();
  return test_done();
}
