/*
** test_pattern.c -- unit tests of lua/pattern.c, vitae's counting
** string.find/match/gmatch/gsub.
**
** A differential test: tests/fixtures/pattern/cases.lua holds hand-written
** cases covering every feature of Lua 5.4 patterns and generates random
** ones with a fixed seed; each case runs on the real string library and on
** ours (registered into another table of the same plain lua_State) and
** every result, gmatch step and error message must be the same.  Then the
** budget: a charge hook with a small budget stops the pathological
** ".-.-.-.-.-b" on 4000 'a's quickly, the default limit stops it without a
** hook, deep recursion is refused with "pattern too complex", the hook is
** called with the steps taken, and gsub's result counts against the
** state's memory cap.  Run from the repository root.
*/
#include "lauxlib.h"
#include "lua/pattern.h"
#include "lualib.h"
#include "test.h"

#include <stdlib.h>
#include <time.h>

#define CASES "tests/fixtures/pattern/cases.lua"

static long hook_calls, hook_steps, hook_budget, hook_small_calls;

/* A charge hook with a budget: counts calls and steps, raises an error once
** the steps exceed hook_budget (if positive). */
static void test_charge(lua_State *L, long steps) {
  hook_calls++;
  hook_steps += steps;
  if (steps < VT_PATTERN_STEP) hook_small_calls++;
  if (hook_budget > 0 && hook_steps > hook_budget) luaL_error(L, "test budget exhausted after %d steps", (int)hook_steps);
}

static void hook_reset(long budget) {
  hook_calls = hook_steps = hook_small_calls = 0;
  hook_budget = budget;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A plain state with the standard libraries and ours in global `vt`. */
static lua_State *new_state(void) {
  lua_State *L = luaL_newstate();
  if (!L) return NULL;
  luaL_openlibs(L);
  lua_newtable(L);
  vt_pattern_register(L, -1);
  lua_setglobal(L, "vt");
  return L;
}

/* Run chunk `src`; on success return 1 and leave its first result on the
** stack, else 0 with the error message copied to err. */
static int run_lua(lua_State *L, const char *src, char *err, size_t errlen) {
  err[0] = 0;
  if (luaL_loadstring(L, src) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
    snprintf(err, errlen, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "(no message)");
    lua_pop(L, 1);
    return 0;
  }
  return 1;
}

/* Run `src`, which must return pcall's results ok, msg; returns the message
** of the expected failure (in err) or "" if it succeeded. */
static void expect_error(lua_State *L, const char *src, char *err, size_t errlen) {
  char lerr[400];
  err[0] = 0;
  if (!run_lua(L, src, lerr, sizeof lerr)) { snprintf(err, errlen, "chunk failed: %s", lerr); return; }
  const char *m = lua_tostring(L, -1);
  snprintf(err, errlen, "%s", m ? m : "");
  lua_pop(L, 1);
}

static void differential(lua_State *L) {
  char err[512];
  if (luaL_loadfile(L, CASES) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
    CHECK(0, "differential: load %s: %s", CASES, lua_tostring(L, -1));
    lua_settop(L, 0);
    return;
  }
  int mod = lua_gettop(L);
  lua_getfield(L, mod, "groups");
  int ng = (int)luaL_len(L, -1);
  long total = 0;
  for (int i = 1; i <= ng; i++) {
    lua_geti(L, mod + 1, i);
    const char *name = lua_tostring(L, -1);
    snprintf(err, sizeof err, "%s", name ? name : "?");
    lua_pop(L, 1);
    lua_getfield(L, mod, "run");
    lua_pushstring(L, err);
    lua_getglobal(L, "string");
    lua_getglobal(L, "vt");
    if (lua_pcall(L, 3, 3, 0) != LUA_OK) {
      CHECK(0, "differential %s: %s", err, lua_tostring(L, -1));
      lua_pop(L, 1);
      continue;
    }
    long n = (long)lua_tointeger(L, -3), bad = (long)lua_tointeger(L, -2);
    total += n;
    if (bad) printf("# %s\n", lua_tostring(L, -1));
    CHECK(n >= 100 && bad == 0, "differential %s: %ld cases, %ld differ from string.*", err, n, bad);
    lua_pop(L, 3);
  }
  CHECK(ng >= 5 && total >= 3000, "differential: %d groups, %ld cases in all", ng, total);
  lua_settop(L, 0);
}

static void budget(lua_State *L) {
  char err[512];
  vt_pattern_set_charge(test_charge);

  hook_reset(2000000);
  double t0 = now_s();
  expect_error(L, "return select(2, pcall(vt.find, string.rep('a', 4000), '.-.-.-.-.-b'))", err, sizeof err);
  double dt = now_s() - t0;
  CHECK(strstr(err, "test budget exhausted") && dt < 5.0,
        "find(4000 a's, '.-.-.-.-.-b') stops at a 2M-step budget in %.3f s (%s)", dt, err);
  CHECK(hook_calls > 100 && hook_steps > 2000000 && hook_steps < 2000000 + 2 * VT_PATTERN_STEP,
        "  the hook was charged %ld steps in %ld calls", hook_steps, hook_calls);

  hook_reset(2000000);
  expect_error(L, "return select(2, pcall(vt.gsub, string.rep('a', 4000), '.-.-.-.-.-b', ''))", err, sizeof err);
  CHECK(strstr(err, "test budget exhausted") != NULL, "gsub with the same pattern stops too (%s)", err);
  hook_reset(2000000);
  expect_error(L, "local ok, e = pcall(function() for _ in vt.gmatch(string.rep('(', 20000), '%b()') do end end)"
                  " return e", err, sizeof err);
  CHECK(strstr(err, "test budget exhausted") != NULL, "gmatch with %%b() over 20000 '(' stops (%s)", err);
  hook_reset(2000000);
  expect_error(L, "return select(2, pcall(vt.find, string.rep('a', 400000), string.rep('a', 20000) .. 'b'))",
               err, sizeof err);
  CHECK(strstr(err, "test budget exhausted") != NULL, "a quadratic plain find stops too (%s)", err);
  hook_reset(2000000);
  expect_error(L, "return select(2, pcall(vt.gsub, string.rep('a', 3000), '', string.rep('%0', 3000)))",
               err, sizeof err);
  CHECK(strstr(err, "test budget exhausted") != NULL, "gsub's replacement templates are charged (%s)", err);

  /* charging of ordinary calls: the remainder is charged at the end */
  hook_reset(0);
  int ok = run_lua(L, "return vt.find('hello', 'l+') == 3", err, sizeof err) && lua_toboolean(L, -1);
  lua_settop(L, 0);
  CHECK(ok && hook_calls == 1 && hook_steps > 0 && hook_steps < 100,
        "find('hello', 'l+') charges once, %ld steps", hook_steps);
  hook_reset(0);
  ok = run_lua(L, "return select(2, vt.gsub(string.rep('ab ', 10000), '%a+', '<%0>')) == 10000", err, sizeof err) &&
       lua_toboolean(L, -1);
  lua_settop(L, 0);
  CHECK(ok && hook_calls > 10 && hook_small_calls == 1 && hook_steps > 30000,
        "a gsub over 30000 bytes charges %ld steps in %ld calls of %d steps and one remainder", hook_steps, hook_calls,
        VT_PATTERN_STEP);
  hook_reset(0);
  ok = run_lua(L, "local n = 0 for w in vt.gmatch('a b c', '%a') do n = n + 1 end return n == 3", err, sizeof err) &&
       lua_toboolean(L, -1);
  lua_settop(L, 0);
  CHECK(ok && hook_calls == 4, "each gmatch step charges its remainder (%ld calls)", hook_calls);

  /* the default limit, with no hook */
  vt_pattern_set_charge(NULL);
  t0 = now_s();
  expect_error(L, "return select(2, pcall(vt.find, string.rep('a', 4000), '.-.-.-.-.-b'))", err, sizeof err);
  dt = now_s() - t0;
  CHECK(strcmp(err, "pattern matching too expensive") == 0 && dt < 30.0,
        "with no hook the default limit stops it in %.2f s (%s)", dt, err);
  ok = run_lua(L, "return vt.find(string.rep('a', 100000), '%a*$') == 1 and vt.find('xay', 'a') == 2", err,
               sizeof err) && lua_toboolean(L, -1);
  lua_settop(L, 0);
  CHECK(ok, "ordinary calls stay under the default limit %s", err);

  /* deep recursion */
  expect_error(L, "return select(2, pcall(vt.find, string.rep('a', 100000), string.rep('a?', 100000)))", err,
               sizeof err);
  CHECK(strcmp(err, "pattern too complex") == 0, "100000 nested 'a?' are refused: %s", err);
  expect_error(L, "return select(2, pcall(vt.match, string.rep('a', 100000), string.rep('a-', 100000) .. 'b'))",
               err, sizeof err);
  CHECK(strcmp(err, "pattern too complex") == 0, "100000 nested 'a-' are refused: %s", err);
  expect_error(L, "return select(2, pcall(vt.gsub, 'x', string.rep('(', 1000), ''))", err, sizeof err);
  CHECK(strcmp(err, "too many captures") == 0, "1000 captures are refused: %s", err);
}

/* An allocator that refuses to grow past *ud bytes in all. */
static size_t mem_used;
static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  size_t cap = *(size_t *)ud;
  if (!ptr) osize = 0;
  if (nsize == 0) {
    free(ptr);
    mem_used -= osize;
    return NULL;
  }
  if (nsize > osize && mem_used + (nsize - osize) > cap) return NULL;
  void *p = realloc(ptr, nsize);
  if (p) mem_used = mem_used - osize + nsize;
  return p;
}

static void memory_cap(void) {
  static size_t cap = 8u << 20;
  char err[512];
  lua_State *L = lua_newstate(capped_alloc, &cap);
  if (!L) { CHECK(0, "memory cap: no state"); return; }
  luaL_openlibs(L);
  lua_newtable(L);
  vt_pattern_register(L, -1);
  lua_setglobal(L, "vt");
  expect_error(L, "return select(2, pcall(vt.gsub, string.rep('a', 2000), '', string.rep('x', 10000)))", err,
               sizeof err);
  CHECK(strstr(err, "not enough memory") != NULL, "a 20 MB gsub result hits an 8 MB memory cap: %s", err);
  int ok = run_lua(L, "return vt.gsub('abc', 'b', 'x') == 'axc'", err, sizeof err) && lua_toboolean(L, -1);
  CHECK(ok, "the state works after that %s", err);
  lua_close(L);
}

int main(void) {
  lua_State *L = new_state();
  if (!L) { CHECK(0, "luaL_newstate"); return test_done(); }
  vt_pattern_set_charge(NULL);
  differential(L);
  budget(L);
  lua_close(L);
  vt_pattern_set_charge(NULL);
  memory_cap();
  return test_done();
}
