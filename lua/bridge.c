/*
** bridge.c -- the sandboxed Lua state of a worker, limits, the patient proxy
** and param().  See bridge.h.
*/
#include "bridge.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lualib.h"
#include "sim/embedded.h"
#include "sim/params.h"
#include "sim/patient.h"

#define HOOK_STEP 1000          /* instructions between two budget checks */
#define MEM_GRACE (1u << 20)    /* room to build the error message after the cap */

static vt_lua *VL(lua_State *L) { return *(vt_lua **)lua_getextraspace(L); }

void vt_lua_default_limits(vt_lua_limits *l) {
  l->memory = 256u << 20;
  l->instructions = 20000000LL;
  l->load_instructions = 200000000LL;
}

/* Remember where the Lua code that hit the memory cap was: a memory error
** carries no position.  lua_getstack/lua_getinfo("Sl") do not allocate. */
static void note_memory_position(vt_lua *vl) {
  vl->mem_where[0] = 0;
  if (!vl->L) return;
  lua_Debug ar;
  for (int level = 0; level < 8 && lua_getstack(vl->L, level, &ar); level++) {
    if (lua_getinfo(vl->L, "Sl", &ar) && ar.currentline > 0) {
      snprintf(vl->mem_where, sizeof vl->mem_where, "%s:%d", ar.short_src, ar.currentline);
      return;
    }
  }
}

/* The allocator: refuses to grow past the cap (Lua then raises a memory error). */
static void *l_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  vt_lua *vl = ud;
  if (ptr == NULL) osize = 0;
  if (nsize == 0) { free(ptr); vl->mem_used -= osize; return NULL; }
  if (nsize > osize) {
    size_t limit = vl->mem_limit + (vl->mem_grace ? MEM_GRACE : 0);
    if (vl->mem_used + (nsize - osize) > limit) {
      if (!vl->mem_grace) {
        vl->limit_hit |= VT_LIMIT_MEMORY;
        vl->mem_grace = 1;
        note_memory_position(vl);
      }
      return NULL;
    }
  }
  void *q = realloc(ptr, nsize);
  if (!q) return NULL;
  vl->mem_used = vl->mem_used - osize + nsize;
  return q;
}

/* Count hook: charge HOOK_STEP instructions; past the budget raise an error
** (and keep raising it: the pcall wrappers below re-raise it as well). */
static void count_hook(lua_State *L, lua_Debug *ar) {
  vt_lua *vl = VL(L);
  vl->budget -= HOOK_STEP;
  if (vl->budget < 0 || (vl->limit_hit & VT_LIMIT_INSTRUCTIONS)) {
    vl->limit_hit |= VT_LIMIT_INSTRUCTIONS;
    lua_getinfo(L, "Sl", ar);
    lua_pushfstring(L, "%s:%d: instruction budget exceeded (a loop that does not end?)",
                    ar->short_src, ar->currentline);
    lua_error(L);
  }
}

/* pcall(f, ...) -> ok, results...  Like the standard one, but a sandbox limit
** (instructions, memory) cannot be caught: it is raised again. */
static int l_safe_pcall(lua_State *L) {
  luaL_checkany(L, 1);
  int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
  if (VL(L)->limit_hit) return lua_error(L);
  lua_pushboolean(L, status == LUA_OK);
  lua_insert(L, 1);
  return lua_gettop(L);
}

/* Message handler of xpcall: a sandbox limit passes through unchanged (the
** user's handler, upvalue 1, could loop with hooks off); other errors go to
** the user's handler. */
static int xpcall_handler(lua_State *L) {
  if (VL(L)->limit_hit) return 1;
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

/* xpcall(f, handler, ...) -> ok, results...  Limits are raised again. */
static int l_safe_xpcall(lua_State *L) {
  int n = lua_gettop(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, xpcall_handler, 1);   /* wrapped handler */
  lua_pushvalue(L, 1);                      /* f */
  lua_replace(L, 2);                        /* f at 2 */
  lua_replace(L, 1);                        /* wrapped handler at 1 */
  int status = lua_pcall(L, n - 2, LUA_MULTRET, 1);
  if (VL(L)->limit_hit) return lua_error(L);
  lua_pushboolean(L, status == LUA_OK);
  lua_replace(L, 1);
  return lua_gettop(L);
}

/* Is the metatable of the value at i flagged with `flag`? */
static int mt_flag(lua_State *L, int i, const char *flag) {
  if (!lua_getmetatable(L, i)) return 0;
  lua_pushstring(L, flag);
  int r = lua_rawget(L, -2) != LUA_TNIL;
  lua_pop(L, 2);
  return r;
}

/* getmetatable(v) for module code: like the standard one, but the prelude's
** private marker metatables stay hidden. */
static int l_safe_getmetatable(lua_State *L) {
  luaL_checkany(L, 1);
  if (!lua_getmetatable(L, 1)) { lua_pushnil(L); return 1; }
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) return 1;
  lua_pushliteral(L, "__vitae_private");
  if (lua_rawget(L, -2) != LUA_TNIL) { lua_pushnil(L); return 1; }
  lua_pop(L, 1);
  return 1;
}

/* setmetatable(t, mt) for module code: no __gc finalizers (they would run
** outside the limits and at times that depend on other patients), and no
** change to a protected metatable. */
static int l_safe_setmetatable(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  int t = lua_type(L, 2);
  luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
  if (t == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL) return luaL_error(L, "__gc finalizers are not allowed in modules");
    lua_pop(L, 1);
  }
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL || mt_flag(L, 1, "__vitae_private"))
    return luaL_error(L, "cannot change a protected metatable");
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

/* rawset(t, k, v) for module code: refused on the shared read-only views. */
static int l_safe_rawset(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (mt_flag(L, 1, "__vitae_readonly")) return luaL_error(L, "cannot change a shared read-only table");
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

/* math.random([m [, n]]): Lua's contract, drawn from the current patient's
** generator so that module code stays deterministic. */
static int l_random(lua_State *L) {
  vt_lua *vl = VL(L);
  if (!vl->patient) return luaL_error(L, "math.random is only available while simulating a patient");
  vt_rng *r = &vl->patient->rng;
  switch (lua_gettop(L)) {
    case 0: lua_pushnumber(L, vt_rng_uniform(r)); return 1;
    case 1: {
      lua_Integer m = luaL_checkinteger(L, 1);
      luaL_argcheck(L, m >= 1, 1, "interval is empty");
      lua_pushinteger(L, (lua_Integer)vt_rng_int(r, 1, m)); return 1;
    }
    default: {
      lua_Integer lo = luaL_checkinteger(L, 1), hi = luaL_checkinteger(L, 2);
      luaL_argcheck(L, lo <= hi, 2, "interval is empty");
      lua_pushinteger(L, (lua_Integer)vt_rng_int(r, lo, hi)); return 1;
    }
  }
}

/* param(name, default) -> value.  A learnable number (or string, boolean):
** the value of `name` in the --params file, else `default`.  A params value
** of another type than the default is an error at the caller's line. */
static int l_param(lua_State *L) {
  vt_lua *vl = VL(L);
  const char *name = luaL_checkstring(L, 1);
  luaL_checkany(L, 2);
  int t = lua_type(L, 2);
  if (t != LUA_TNUMBER && t != LUA_TSTRING && t != LUA_TBOOLEAN)
    return luaL_error(L, "param '%s': the default must be a number, a string or a boolean", name);
  const vt_param *pv = vl->params ? vt_params_get(vl->params, name) : NULL;
  if (!pv) { lua_pushvalue(L, 2); return 1; }
  static const char *kinds[] = {"number", "string", "boolean"};
  int want = t == LUA_TNUMBER ? VT_PARAM_NUMBER : t == LUA_TSTRING ? VT_PARAM_STRING : VT_PARAM_BOOL;
  if ((int)pv->kind != want)
    return luaL_error(L, "param '%s': %s:%d gives a %s, but the module's default is a %s",
                      name, vl->params->path, pv->line, kinds[pv->kind], kinds[want]);
  switch (pv->kind) {
    case VT_PARAM_NUMBER: lua_pushnumber(L, pv->number); break;
    case VT_PARAM_STRING: lua_pushstring(L, pv->string); break;
    case VT_PARAM_BOOL: lua_pushboolean(L, pv->boolean); break;
  }
  return 1;
}

/* ---- the patient proxy ------------------------------------------------ */

static vt_patient *checkpatient(lua_State *L) {
  vt_lua *vl = VL(L);
  if (!vl->patient) luaL_error(L, "no patient: the patient is only available while simulating");
  return vl->patient;
}

/* A code argument as text: numbers are written as integers. */
static const char *code_arg(lua_State *L, int i, char buf[32]) {
  if (lua_isinteger(L, i)) { snprintf(buf, 32, "%lld", (long long)lua_tointeger(L, i)); return buf; }
  if (lua_type(L, i) == LUA_TNUMBER) {
    double d = lua_tonumber(L, i);
    if (d == floor(d) && fabs(d) < 1e18) { snprintf(buf, 32, "%.0f", d); return buf; }
  }
  return luaL_checkstring(L, i);
}

static void push_value(lua_State *L, const vt_patient *p, const vt_value *v) {
  switch (v->kind) {
    case VT_V_NUM: lua_pushnumber(L, v->u.n); break;
    case VT_V_BOOL: lua_pushboolean(L, v->u.b); break;
    case VT_V_STR: lua_pushstring(L, v->u.s); break;
    case VT_V_ENTRY: {
      const vt_row *r = &p->rec.rows[v->u.entry];
      if (r->code) lua_pushstring(L, r->code->code); else lua_pushboolean(L, 1);
      break;
    }
    default: lua_pushnil(L);
  }
}

/* p:attr(name) -> the attribute's value, or nil.  An attribute holding a
** recorded entry gives that entry's code. */
static int m_attr(lua_State *L) {
  vt_patient *p = checkpatient(L);
  vt_slot *s = vt_map_get(&p->attrs, luaL_checkstring(L, 2));
  if (!s) { lua_pushnil(L); return 1; }
  push_value(L, p, &s->v);
  return 1;
}

static int has_active(lua_State *L, int which) {
  vt_patient *p = checkpatient(L);
  char buf[32];
  lua_pushboolean(L, vt_actives_find_code(&p->active[which], code_arg(L, 2, buf)) >= 0);
  return 1;
}
/* p:has_condition(code) -> boolean: is a condition with this code active? */
static int m_has_condition(lua_State *L) { return has_active(L, VT_ACT_CONDITION); }
/* p:has_medication(code) -> boolean */
static int m_has_medication(lua_State *L) { return has_active(L, VT_ACT_MEDICATION); }
/* p:has_careplan(code) -> boolean */
static int m_has_careplan(lua_State *L) { return has_active(L, VT_ACT_CAREPLAN); }
/* p:has_allergy(code) -> boolean */
static int m_has_allergy(lua_State *L) { return has_active(L, VT_ACT_ALLERGY); }

/* p:symptom(name) -> the highest severity of that symptom over its causes, 0 if none. */
static int m_symptom(lua_State *L) {
  vt_patient *p = checkpatient(L);
  const char *name = luaL_checkstring(L, 2);
  double best = 0;
  for (int i = 0; i < p->symptoms.n; i++)
    if (strcmp(p->symptoms.slots[i].key, name) == 0 && p->symptoms.slots[i].v.u.n > best)
      best = p->symptoms.slots[i].v.u.n;
  lua_pushnumber(L, best);
  return 1;
}

/* p:observation(code) -> latest value of that observation, or nil. */
static int m_observation(lua_State *L) {
  vt_patient *p = checkpatient(L);
  char buf[32];
  vt_slot *s = vt_map_get(&p->observations, code_arg(L, 2, buf));
  if (!s) { lua_pushnil(L); return 1; }
  push_value(L, p, &s->v);
  return 1;
}

/* p:vital(name) -> vital sign value, or nil. */
static int m_vital(lua_State *L) {
  vt_patient *p = checkpatient(L);
  vt_slot *s = vt_map_get(&p->vitals, luaL_checkstring(L, 2));
  if (!s) { lua_pushnil(L); return 1; }
  push_value(L, p, &s->v);
  return 1;
}

/* p:random() -> uniform number in [0,1) from the patient's generator. */
static int m_random(lua_State *L) {
  lua_pushnumber(L, vt_rng_uniform(&checkpatient(L)->rng));
  return 1;
}
/* p:uniform(a, b) -> uniform number in [a,b). */
static int m_uniform(lua_State *L) {
  vt_patient *p = checkpatient(L);
  lua_pushnumber(L, vt_rng_range(&p->rng, luaL_checknumber(L, 2), luaL_checknumber(L, 3)));
  return 1;
}
/* p:normal(mean, sd) -> normally distributed number. */
static int m_normal(lua_State *L) {
  vt_patient *p = checkpatient(L);
  lua_pushnumber(L, vt_rng_normal(&p->rng, luaL_checknumber(L, 2), luaL_checknumber(L, 3)));
  return 1;
}

static const luaL_Reg proxy_methods[] = {
  {"attr", m_attr}, {"has_condition", m_has_condition}, {"has_medication", m_has_medication},
  {"has_careplan", m_has_careplan}, {"has_allergy", m_has_allergy}, {"symptom", m_symptom},
  {"observation", m_observation}, {"vital", m_vital}, {"random", m_random},
  {"uniform", m_uniform}, {"normal", m_normal}, {NULL, NULL}
};

/* __index of the proxy: properties first, then methods (upvalue 1). */
static int proxy_index(lua_State *L) {
  const char *k = luaL_checkstring(L, 2);
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  vt_patient *p = checkpatient(L);
  const vt_person_row *pr = &p->rec.person;
  if (strcmp(k, "age") == 0) lua_pushnumber(L, vt_patient_age(p));
  else if (strcmp(k, "age_months") == 0) lua_pushnumber(L, (double)(p->now - pr->birth) / (double)VT_MS_MONTH);
  else if (strcmp(k, "gender") == 0) { char g[2] = { pr->gender, 0 }; lua_pushstring(L, g); }
  else if (strcmp(k, "race") == 0) lua_pushstring(L, pr->race);
  else if (strcmp(k, "ethnicity") == 0) lua_pushstring(L, pr->ethnicity);
  else if (strcmp(k, "ses") == 0) lua_pushstring(L, pr->ses);
  else if (strcmp(k, "income") == 0) lua_pushnumber(L, pr->income);
  else if (strcmp(k, "education") == 0) lua_pushstring(L, pr->education);
  else if (strcmp(k, "year") == 0) lua_pushinteger(L, vt_time_year(p->now));
  else if (strcmp(k, "time") == 0) lua_pushinteger(L, (lua_Integer)p->now);
  else if (strcmp(k, "alive") == 0) lua_pushboolean(L, p->alive);
  else return luaL_error(L, "the patient has no field '%s' (see docs/module-format.md)", k);
  return 1;
}

static int proxy_newindex(lua_State *L) {
  return luaL_error(L, "the patient is read-only in module code (use a SetAttribute state)");
}

static int proxy_tostring(lua_State *L) {
  vt_lua *vl = VL(L);
  if (vl->patient) lua_pushfstring(L, "patient %d", (int)vl->patient->rec.person.index);
  else lua_pushliteral(L, "patient");
  return 1;
}

static void make_proxy(lua_State *L, vt_lua *vl) {
  lua_newuserdatauv(L, 1, 0);
  lua_newtable(L);                       /* metatable */
  luaL_newlib(L, proxy_methods);
  lua_pushcclosure(L, proxy_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, proxy_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushcfunction(L, proxy_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushliteral(L, "patient");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  vl->proxy_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

/* ---- the sandbox's globals --------------------------------------------- */

static int readonly_newindex(lua_State *L) {
  return luaL_error(L, "cannot change the shared library table (field '%s')", luaL_optstring(L, 2, "?"));
}

/* Replace the table at the top of the stack by a read-only view of it: an
** empty table whose __index is the original (rawset refuses it too). */
static void make_readonly_view(lua_State *L) {
  lua_newtable(L);
  lua_newtable(L);
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, readonly_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushliteral(L, "protected");
  lua_setfield(L, -2, "__metatable");
  lua_pushboolean(L, 1);
  lua_setfield(L, -2, "__vitae_readonly");
  lua_setmetatable(L, -2);
  lua_remove(L, -2);
}

/* Copy library `lib` without the fields in `drop`, replace fields from
** `repl`, and leave a read-only view of it on the stack. */
static void push_library_copy(lua_State *L, const char *lib, const char *const *drop, const luaL_Reg *repl) {
  lua_newtable(L);                               /* the copy */
  lua_getglobal(L, lib);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    int skip = 0;
    if (lua_type(L, -2) == LUA_TSTRING)
      for (const char *const *d = drop; d && *d; d++)
        if (strcmp(lua_tostring(L, -2), *d) == 0) skip = 1;
    if (!skip) { lua_pushvalue(L, -2); lua_insert(L, -2); lua_rawset(L, -5); }
    else lua_pop(L, 1);
  }
  lua_pop(L, 1);
  if (repl) luaL_setfuncs(L, repl, 0);
  make_readonly_view(L);
}

/* Build the safe globals into the table at the top of the stack. */
static void fill_safe_globals(lua_State *L) {
  static const char *const base_names[] = {
    "assert", "error", "ipairs", "next", "pairs", "select", "tonumber", "tostring",
    "type", "rawequal", "rawget", "rawlen", "rawset", "setmetatable", "getmetatable", NULL
  };
  int t = lua_gettop(L);
  for (const char *const *n = base_names; *n; n++) {
    lua_getglobal(L, *n);
    lua_setfield(L, t, *n);
  }
  lua_pushcfunction(L, l_safe_pcall); lua_setfield(L, t, "pcall");
  lua_pushcfunction(L, l_safe_xpcall); lua_setfield(L, t, "xpcall");
  lua_getglobal(L, "table"); lua_getfield(L, -1, "unpack"); lua_setfield(L, t, "unpack"); lua_pop(L, 1);
  lua_pushcfunction(L, l_param); lua_setfield(L, t, "param");
  static const char *const no_dump[] = {"dump", NULL};
  static const luaL_Reg math_repl[] = {{"random", l_random}, {NULL, NULL}};
  static const char *const no_seed[] = {"randomseed", NULL};
  push_library_copy(L, "string", no_dump, NULL); lua_setfield(L, t, "string");
  push_library_copy(L, "table", NULL, NULL); lua_setfield(L, t, "table");
  push_library_copy(L, "math", no_seed, math_repl); lua_setfield(L, t, "math");
  push_library_copy(L, "utf8", NULL, NULL); lua_setfield(L, t, "utf8");
  lua_pushliteral(L, "Lua 5.4"); lua_setfield(L, t, "_VERSION");
}

/* vt_require(name) -> the table returned by the embedded lua/vitae/NAME.lua,
** run once in the prelude's environment (upvalue 1) and cached (upvalue 2). */
static int l_vt_require(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  lua_settop(L, 1);
  if (lua_getfield(L, lua_upvalueindex(2), name) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  char path[256];
  snprintf(path, sizeof path, "lua/vitae/%s.lua", name);
  const char *src = vt_embedded_get(path);
  if (!src) return luaL_error(L, "vt_require: no prelude file %s", path);
  char chunk[270];
  snprintf(chunk, sizeof chunk, "@%s", path);
  if (luaL_loadbufferx(L, src, strlen(src), chunk, "t") != LUA_OK) return lua_error(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_setupvalue(L, -2, 1);
  lua_call(L, 0, 1);
  if (lua_isnil(L, -1)) { lua_pop(L, 1); lua_pushboolean(L, 1); }
  lua_pushvalue(L, -1);
  lua_setfield(L, lua_upvalueindex(2), name);
  return 1;
}

/* vt_caller_line(level) -> current line of the function `level` levels up
** (1 = the caller of vt_caller_line), or 0 when unknown. */
static int l_vt_caller_line(lua_State *L) {
  lua_Debug ar;
  int level = (int)luaL_optinteger(L, 1, 1);
  if (lua_getstack(L, level, &ar) && lua_getinfo(L, "l", &ar) && ar.currentline > 0)
    lua_pushinteger(L, ar.currentline);
  else
    lua_pushinteger(L, 0);
  return 1;
}

/* ---- the watchdog ------------------------------------------------------ */

#define WATCH_SIGNAL SIGUSR2

static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static vt_lua *live;                       /* states that may be in a call */
static pthread_once_t watch_once = PTHREAD_ONCE_INIT;
static _Thread_local vt_lua *tl_calling;   /* the state this thread is calling into */

static long long mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* On the worker thread: install the count hook on the state it is running. */
static void on_watch_signal(int sig) {
  (void)sig;
  vt_lua *vl = tl_calling;
  if (vl && vl->call_start_ns && !vl->hooked) {
    vl->hooked = 1;
    lua_sethook(vl->L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
  }
}

static void *watchdog(void *arg) {
  (void)arg;
  for (;;) {
    struct timespec ts = { 0, 10 * 1000000L };
    nanosleep(&ts, NULL);
    long long now = mono_ns();
    pthread_mutex_lock(&live_mu);
    for (vt_lua *vl = live; vl; vl = vl->next_live) {
      long long start = vl->call_start_ns;
      if (start && !vl->hooked && now - start > VT_LUA_WATCH_MS * 1000000LL)
        pthread_kill((pthread_t)vl->thread, WATCH_SIGNAL);
    }
    pthread_mutex_unlock(&live_mu);
  }
  return NULL;
}

static void start_watchdog(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_watch_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(WATCH_SIGNAL, &sa, NULL);
  pthread_t th;
  pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
  /* the watchdog must not receive process signals meant for the run */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  pthread_create(&th, &at, watchdog, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&at);
}

static void live_add(vt_lua *vl) {
  pthread_once(&watch_once, start_watchdog);
  pthread_mutex_lock(&live_mu);
  vl->next_live = live;
  live = vl;
  pthread_mutex_unlock(&live_mu);
}

static void live_remove(vt_lua *vl) {
  pthread_mutex_lock(&live_mu);
  for (vt_lua **p = &live; *p; p = &(*p)->next_live)
    if (*p == vl) { *p = vl->next_live; break; }
  pthread_mutex_unlock(&live_mu);
}

/* Enter / leave a call into module code at run time. */
static void call_enter(vt_lua *vl) {
  tl_calling = vl;
  vl->thread = (unsigned long)pthread_self();
  vl->call_start_ns = mono_ns();
}

static void call_leave(vt_lua *vl) {
  vl->call_start_ns = 0;
  tl_calling = NULL;
  if (vl->hooked) {
    lua_sethook(vl->L, NULL, 0, 0);
    vl->hooked = 0;
  }
}

static void set_budget(vt_lua *vl, long long n) {
  vl->budget = n;
  vl->limit_hit = 0;
  if (vl->mem_grace && vl->mem_used < vl->mem_limit) vl->mem_grace = 0;
}

/* Turn the error on the stack into "message" in err (with the limit said
** plainly when one was hit), pop it, return -1. */
static int fail(vt_lua *vl, char *err, size_t errlen) {
  lua_State *L = vl->L;
  const char *msg = lua_tostring(L, -1);
  if (vl->limit_hit & VT_LIMIT_MEMORY)
    snprintf(err, errlen, "%s%smemory limit of %zu MiB per Lua state exceeded", vl->mem_where,
             vl->mem_where[0] ? ": " : "", vl->mem_limit >> 20);
  else
    snprintf(err, errlen, "%s", msg ? msg : "(error object is not a string)");
  lua_pop(L, 1);
  return -1;
}

/* Run the prelude and copy its exports into the base table. */
static int load_prelude(vt_lua *vl, char *err, size_t errlen) {
  lua_State *L = vl->L;
  const char *src = vt_embedded_get("lua/vitae/prelude.lua");
  if (!src) { snprintf(err, errlen, "the Lua prelude is missing from this build"); return -1; }
  /* the prelude's environment: safe globals plus its two private helpers */
  lua_newtable(L);
  fill_safe_globals(L);
  lua_pushvalue(L, -1);
  lua_newtable(L);
  lua_pushcclosure(L, l_vt_require, 2);
  lua_setfield(L, -2, "vt_require");
  lua_pushcfunction(L, l_vt_caller_line);
  lua_setfield(L, -2, "vt_caller_line");
  if (luaL_loadbufferx(L, src, strlen(src), "@lua/vitae/prelude.lua", "t") != LUA_OK) {
    lua_remove(L, -2);
    return fail(vl, err, errlen);
  }
  lua_pushvalue(L, -2);
  lua_setupvalue(L, -2, 1);
  set_budget(vl, vl->limits.load_instructions);
  lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
  int prc = lua_pcall(L, 0, 1, 0);
  lua_sethook(L, NULL, 0, 0);
  if (prc != LUA_OK) { lua_remove(L, -2); return fail(vl, err, errlen); }
  if (!lua_istable(L, -1)) {
    snprintf(err, errlen, "lua/vitae/prelude.lua must return a table of helpers");
    lua_pop(L, 2);
    return -1;
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, vl->base_ref);
  lua_pushnil(L);
  while (lua_next(L, -3)) {           /* exports -> base; tables as read-only views */
    /* GMF values (the ready-made conditions is_male, always, ...) must stay
    ** plain tables: the loader reads them raw */
    if (lua_istable(L, -1)) {
      int gmf = lua_getfield(L, -1, "condition_type") != LUA_TNIL;
      lua_pop(L, 1);
      if (!gmf) make_readonly_view(L);
    }
    lua_pushvalue(L, -2); lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  /* module code gets the guarded metatable and rawset functions */
  lua_pushcfunction(L, l_safe_getmetatable); lua_setfield(L, -2, "getmetatable");
  lua_pushcfunction(L, l_safe_setmetatable); lua_setfield(L, -2, "setmetatable");
  lua_pushcfunction(L, l_safe_rawset); lua_setfield(L, -2, "rawset");
  lua_pop(L, 3);
  return 0;
}

vt_lua *vt_lua_new(const vt_lua_limits *limits, struct vt_params *params, char *err, size_t errlen) {
  vt_lua *vl = calloc(1, sizeof *vl);
  if (!vl) { snprintf(err, errlen, "out of memory"); return NULL; }
  if (limits) vl->limits = *limits; else vt_lua_default_limits(&vl->limits);
  vl->mem_limit = vl->limits.memory;
  vl->params = params;
  vl->L = lua_newstate(l_alloc, vl);
  if (!vl->L) { snprintf(err, errlen, "cannot create a Lua state"); free(vl); return NULL; }
  lua_State *L = vl->L;
  *(vt_lua **)lua_getextraspace(L) = vl;
  /* the real libraries are opened only to copy safe parts from them */
  luaL_requiref(L, LUA_GNAME, luaopen_base, 1); lua_pop(L, 1);
  luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1); lua_pop(L, 1);
  luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1); lua_pop(L, 1);
  luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1); lua_pop(L, 1);
  luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1); lua_pop(L, 1);
  lua_newtable(L);
  fill_safe_globals(L);
  vl->base_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  /* strings index the read-only copy, and their metatable is hidden */
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  lua_rawgeti(L, LUA_REGISTRYINDEX, vl->base_ref);
  lua_getfield(L, -1, "string");
  lua_setfield(L, -3, "__index");
  lua_pop(L, 1);
  lua_pushliteral(L, "protected");
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 2);
  make_proxy(L, vl);
  if (load_prelude(vl, err, errlen) != 0) { lua_close(vl->L); free(vl); return NULL; }
  live_add(vl);
  /* from here on module code sees nothing but the base table */
  lua_pushglobaltable(L);
  lua_pushnil(L);
  while (lua_next(L, -2)) { lua_pop(L, 1); lua_pushvalue(L, -1); lua_pushnil(L); lua_rawset(L, -4); }
  lua_pop(L, 1);
  return vl;
}

void vt_lua_free(vt_lua *vl) {
  if (!vl) return;
  live_remove(vl);
  if (vl->L) lua_close(vl->L);
  free(vl);
}

/* Run the chunk on the stack in a fresh _ENV; leaves its result. */
static int run_module_chunk(vt_lua *vl, char *err, size_t errlen) {
  lua_State *L = vl->L;
  lua_newtable(L);                          /* _ENV */
  lua_newtable(L);                          /* its metatable */
  lua_rawgeti(L, LUA_REGISTRYINDEX, vl->base_ref);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, "protected");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_setupvalue(L, -2, 1);
  set_budget(vl, vl->limits.load_instructions);
  vl->patient = NULL;
  lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
  int rc = lua_pcall(L, 0, 1, 0);
  lua_sethook(L, NULL, 0, 0);
  if (rc != LUA_OK) return fail(vl, err, errlen);
  return 0;
}

/* Make sure a load error names the file (errors raised by the prelude's
** checks may not carry a position). */
static int name_file(const char *name, char *err, size_t errlen) {
  size_t n = strlen(name);
  if (strncmp(err, name, n) != 0) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s: %s", name, err);
    snprintf(err, errlen, "%s", tmp);
  }
  return -1;
}

int vt_lua_load_string(vt_lua *vl, const char *src, size_t len, const char *name, char *err, size_t errlen) {
  char chunk[1024];
  snprintf(chunk, sizeof chunk, "@%s", name);
  if (luaL_loadbufferx(vl->L, src, len, chunk, "t") != LUA_OK) { fail(vl, err, errlen); return name_file(name, err, errlen); }
  if (run_module_chunk(vl, err, errlen) != 0) return name_file(name, err, errlen);
  return 0;
}

int vt_lua_load_file(vt_lua *vl, const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
  size_t cap = 65536, n = 0;
  char *buf = malloc(cap);
  size_t k;
  while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
    n += k;
    if (n == cap) { char *b = realloc(buf, cap *= 2); if (!b) { free(buf); buf = NULL; } else buf = b; }
  }
  int rerr = ferror(f);
  fclose(f);
  if (!buf || rerr) { free(buf); snprintf(err, errlen, "%s: cannot read the file", path); return -1; }
  int rc = vt_lua_load_string(vl, buf, n, path, err, errlen);
  free(buf);
  return rc;
}

/* Push function `fn` and the proxy, call it with the per-call budget. */
static int call_slot(vt_lua *vl, int fn, struct vt_patient *p, char *err, size_t errlen) {
  lua_State *L = vl->L;
  vl->patient = p;
  lua_rawgeti(L, LUA_REGISTRYINDEX, fn);
  lua_rawgeti(L, LUA_REGISTRYINDEX, vl->proxy_ref);
  set_budget(vl, vl->limits.instructions);
  call_enter(vl);
  int rc = lua_pcall(L, 1, 1, 0);
  call_leave(vl);
  if (rc != LUA_OK) return fail(vl, err, errlen);
  return 0;
}

static int bad_result(vt_lua *vl, int fn, const char *want, char *err, size_t errlen) {
  lua_State *L = vl->L;
  lua_Debug ar;
  lua_rawgeti(L, LUA_REGISTRYINDEX, fn);
  lua_getinfo(L, ">S", &ar);
  snprintf(err, errlen, "%s:%d: the function returned %s, expected %s",
           ar.short_src, ar.linedefined, luaL_typename(L, -1), want);
  lua_pop(L, 1);
  return -1;
}

int vt_lua_call_bool(vt_lua *vl, int fn, struct vt_patient *p, int *out, char *err, size_t errlen) {
  if (call_slot(vl, fn, p, err, errlen)) return -1;
  if (!lua_isboolean(vl->L, -1) && !lua_isnil(vl->L, -1)) return bad_result(vl, fn, "a boolean", err, errlen);
  *out = lua_toboolean(vl->L, -1);
  lua_pop(vl->L, 1);
  return 0;
}

int vt_lua_call_number(vt_lua *vl, int fn, struct vt_patient *p, double *out, char *err, size_t errlen) {
  if (call_slot(vl, fn, p, err, errlen)) return -1;
  int isnum = 0;
  lua_Number v = lua_tonumberx(vl->L, -1, &isnum);
  if (!isnum || lua_type(vl->L, -1) != LUA_TNUMBER) return bad_result(vl, fn, "a number", err, errlen);
  *out = v;
  lua_pop(vl->L, 1);
  return 0;
}

int vt_lua_call_value(vt_lua *vl, int fn, struct vt_patient *p, vt_value *out, char *err, size_t errlen) {
  if (call_slot(vl, fn, p, err, errlen)) return -1;
  lua_State *L = vl->L;
  switch (lua_type(L, -1)) {
    case LUA_TNIL: out->kind = VT_V_NIL; break;
    case LUA_TNUMBER: out->kind = VT_V_NUM; out->u.n = lua_tonumber(L, -1); break;
    case LUA_TBOOLEAN: out->kind = VT_V_BOOL; out->u.b = lua_toboolean(L, -1); break;
    case LUA_TSTRING: out->kind = VT_V_STR; out->u.s = vt_record_strdup(&p->rec, lua_tostring(L, -1)); break;
    default: return bad_result(vl, fn, "a number, string, boolean or nil", err, errlen);
  }
  lua_pop(L, 1);
  return 0;
}

int vt_lua_fn_line(vt_lua *vl, int fn) {
  lua_Debug ar;
  lua_rawgeti(vl->L, LUA_REGISTRYINDEX, fn);
  if (!lua_getinfo(vl->L, ">S", &ar)) return 0;
  return ar.linedefined;
}
