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
#include "lua/pattern.h"
#include "sim/embedded.h"
#include "sim/params.h"
#include "sim/patient.h"
#include "sim/suggest.h"

#define HOOK_STEP 1000          /* instructions between two budget checks */
#define MEM_GRACE (1u << 20)    /* room to build the error message after the cap */

static vt_lua *VL(lua_State *L) { return *(vt_lua **)lua_getextraspace(L); }

static const char *view_kind(lua_State *L, int i);
static void push_view_target(lua_State *L, int i);
static int error_at_lua_line(lua_State *L, const char *msg);
static int time_limit_error(lua_State *L);
static int over_time(vt_lua *vl);

void vt_lua_default_limits(vt_lua_limits *l) {
  l->memory = 256u << 20;
  l->instructions = 20000000LL;
  l->load_instructions = 200000000LL;
  l->patient_seconds = VT_LUA_PATIENT_SECONDS;
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
  if (over_time(vl)) time_limit_error(L);
  vl->budget -= HOOK_STEP;
  if (vl->budget < 0 || (vl->limit_hit & VT_LIMIT_INSTRUCTIONS)) {
    vl->limit_hit |= VT_LIMIT_INSTRUCTIONS;
    lua_getinfo(L, "Sl", ar);
    lua_pushfstring(L, "%s:%d: instruction budget exceeded (a loop that does not end?)",
                    ar->short_src, ar->currentline);
    lua_error(L);
  }
}

static int view_newindex(lua_State *L);

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

/* ---- pairs in a fixed order --------------------------------------------
**
** Lua seeds its string hashes per state, so `next` visits the keys of a
** table in an order that differs from one worker's state to another's; a
** module whose result depends on that order would give other rows with
** another thread count.  Module code's pairs() therefore visits numbers in
** ascending order, then strings in byte order, then false and true, then
** any other keys (tables, functions) as next finds them. */

typedef struct pair_key {
  int rank;            /* 0 number, 1 string, 2 boolean, 3 other */
  lua_Number num;
  const char *str; size_t len;
  int pos;             /* position in the unsorted key list (1-based) */
} pair_key;

static int cmp_pair_key(const void *a, const void *b) {
  const pair_key *x = a, *y = b;
  if (x->rank != y->rank) return x->rank - y->rank;
  switch (x->rank) {
    case 0: return x->num < y->num ? -1 : x->num > y->num;
    case 1: {
      size_t n = x->len < y->len ? x->len : y->len;
      int c = memcmp(x->str, y->str, n);
      return c ? c : (x->len < y->len ? -1 : x->len > y->len);
    }
    case 2: return (int)x->num - (int)y->num;
    default: return x->pos - y->pos;
  }
}

/* What a pairs() returns: the iterator `next` closed over the `nup` values
** on top of the stack, the iterated value (argument 1) and nil.  Returns 3,
** the number of results. */
static int pairs_triple(lua_State *L, lua_CFunction next, int nup) {
  lua_pushcclosure(L, next, nup);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

/* The iterator of l_sorted_pairs: upvalue 1 the sorted keys, 2 the table,
** 3 the position reached. */
static int sorted_pairs_next(lua_State *L) {
  lua_Integer i = lua_tointeger(L, lua_upvalueindex(3)) + 1;
  if (lua_rawgeti(L, lua_upvalueindex(1), i) == LUA_TNIL) return 1;
  lua_pushinteger(L, i);
  lua_replace(L, lua_upvalueindex(3));
  lua_pushvalue(L, -1);
  lua_gettable(L, lua_upvalueindex(2));
  return 2;
}

/* pairs(t) -> iterator, t, nil: every key of t (of a read-only view's
** contents) in the fixed order above; a table with its own __pairs uses it. */
static int l_sorted_pairs(lua_State *L) {
  luaL_checkany(L, 1);
  lua_settop(L, 1);
  int view = view_kind(L, 1) != NULL;
  if (!view && luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) {
    lua_pushvalue(L, 1);
    lua_call(L, 1, 3);
    return 3;
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  if (view) push_view_target(L, 1); else lua_pushvalue(L, 1);
  int t = lua_gettop(L);
  lua_newtable(L);                        /* keys in next's order */
  int keys = lua_gettop(L);
  lua_Integer n = 0;
  lua_pushnil(L);
  while (lua_next(L, t)) { lua_pop(L, 1); lua_pushvalue(L, -1); lua_rawseti(L, keys, ++n); }
  pair_key *pk = n ? lua_newuserdatauv(L, sizeof *pk * (size_t)n, 0) : NULL;
  for (lua_Integer i = 1; i <= n; i++) {
    pair_key *k = &pk[i - 1];
    memset(k, 0, sizeof *k);
    k->pos = (int)i;
    switch (lua_rawgeti(L, keys, i)) {
      case LUA_TNUMBER: k->rank = 0; k->num = lua_tonumber(L, -1); break;
      case LUA_TSTRING: k->rank = 1; k->str = lua_tolstring(L, -1, &k->len); break;   /* kept alive by keys */
      case LUA_TBOOLEAN: k->rank = 2; k->num = lua_toboolean(L, -1); break;
      default: k->rank = 3;
    }
    lua_pop(L, 1);
  }
  if (n) qsort(pk, (size_t)n, sizeof *pk, cmp_pair_key);
  lua_createtable(L, (int)(n < 1000000 ? n : 0), 0);   /* keys sorted */
  int sorted = lua_gettop(L);
  for (lua_Integer i = 1; i <= n; i++) { lua_rawgeti(L, keys, pk[i - 1].pos); lua_rawseti(L, sorted, i); }
  lua_pushvalue(L, sorted);
  lua_pushvalue(L, t);
  lua_pushinteger(L, 0);
  return pairs_triple(L, sorted_pairs_next, 3);
}

/* Is the metatable of the value at i flagged with `flag`? */
static int mt_flag(lua_State *L, int i, const char *flag) {
  if (!lua_getmetatable(L, i)) return 0;
  lua_pushstring(L, flag);
  int r = lua_rawget(L, -2) != LUA_TNIL;
  lua_pop(L, 2);
  return r;
}

/* getmetatable(v) for module code: like the standard one, but a read-only
** view answers for its target, and the prelude's private marker metatables
** stay hidden. */
static int l_safe_getmetatable(lua_State *L) {
  luaL_checkany(L, 1);
  lua_settop(L, 1);
  if (view_kind(L, 1)) { push_view_target(L, 1); lua_replace(L, 1); }
  if (!lua_getmetatable(L, 1)) { lua_pushnil(L); return 1; }
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) return 1;
  lua_pushliteral(L, "__vitae_private");
  if (lua_rawget(L, -2) != LUA_TNIL) { lua_pushnil(L); return 1; }
  lua_pop(L, 1);
  return 1;
}

/* getmetatable(v) for the prelude (trusted): the standard one, except that a
** read-only view answers for its target, so that the prelude's checks
** (getmetatable(v) == nil for a plain table, == base.QUANTITY ...) hold for
** shared and sealed tables alike. */
static int l_prelude_getmetatable(lua_State *L) {
  luaL_checkany(L, 1);
  lua_settop(L, 1);
  if (view_kind(L, 1)) { push_view_target(L, 1); lua_replace(L, 1); }
  if (!lua_getmetatable(L, 1)) { lua_pushnil(L); return 1; }
  luaL_getmetafield(L, 1, "__metatable");
  return 1;
}

/* setmetatable(t, mt) for module code: no __gc finalizers (they would run
** outside the limits and at times that depend on other patients), and no
** change to a protected metatable or to a read-only table. */
static int l_safe_setmetatable(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  int t = lua_type(L, 2);
  luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
  if (t == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL) return luaL_error(L, "__gc finalizers are not allowed in modules");
    lua_pop(L, 1);
  }
  if (view_kind(L, 1)) return luaL_error(L, "cannot change the metatable of a read-only table");
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
  if (view_kind(L, 1)) return view_newindex(L);
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

/* Record the param() call being made at load time (name, default at index 2
** of type t, the caller's line) in vl->record (schemas/params.md). */
static void record_param(lua_State *L, vt_lua *vl, const char *name, int t) {
  vt_param_decl d;
  lua_Debug ar;
  memset(&d, 0, sizeof d);
  d.name = (char *)name;
  d.has_default = 1;
  d.kind = t == LUA_TNUMBER ? VT_PARAM_NUMBER : t == LUA_TSTRING ? VT_PARAM_STRING : VT_PARAM_BOOL;
  if (t == LUA_TNUMBER) d.number = lua_tonumber(L, 2);
  else if (t == LUA_TSTRING) d.string = (char *)lua_tostring(L, 2);
  else d.boolean = lua_toboolean(L, 2);
  d.module = (char *)vl->record_module;
  d.file = (char *)vl->record_file;
  if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar) && ar.currentline > 0) d.line = ar.currentline;
  d.origin = VT_PDECL_LOAD;
  if (vt_param_list_add(vl->record, &d) < 0) luaL_error(L, "out of memory");
}

/* param(name, default) -> value.  A learnable number (or string, boolean):
** the value of `name` in the --params file, else `default`.  A params value
** of another type than the default is an error at the caller's line.  While
** a module loads, the call is recorded (vl->record). */
static int l_param(lua_State *L) {
  vt_lua *vl = VL(L);
  const char *name = luaL_checkstring(L, 1);
  luaL_checkany(L, 2);
  int t = lua_type(L, 2);
  if (t != LUA_TNUMBER && t != LUA_TSTRING && t != LUA_TBOOLEAN)
    return luaL_error(L, "param '%s': the default must be a number, a string or a boolean", name);
  if (vl->record && !vl->patient) record_param(L, vl, name, t);
  const vt_param *pv = vl->params ? vt_params_get(vl->params, name) : NULL;
  if (!pv) { lua_pushvalue(L, 2); return 1; }
  static const char *kinds[] = {"number", "string", "boolean"};
  int want = t == LUA_TNUMBER ? VT_PARAM_NUMBER : t == LUA_TSTRING ? VT_PARAM_STRING : VT_PARAM_BOOL;
  if ((int)pv->kind != want) {
    vl->param_type_error = 1;
    return luaL_error(L, "param '%s': %s:%d gives a %s, but the module's default is a %s",
                      name, vl->params->path, pv->line, kinds[pv->kind], kinds[want]);
  }
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

/* Push the value under `key` in map `m` of patient p (as push_value), or
** nil when there is none; returns 1, the number of results. */
static int push_entry(lua_State *L, const vt_patient *p, const vt_map *m, const char *key) {
  vt_slot *s = vt_map_get(m, key);
  if (s) push_value(L, p, &s->v); else lua_pushnil(L);
  return 1;
}

/* p:attr(name) -> the attribute's value, or nil.  An attribute holding a
** recorded entry gives that entry's code. */
static int m_attr(lua_State *L) {
  vt_patient *p = checkpatient(L);
  return push_entry(L, p, &p->attrs, luaL_checkstring(L, 2));
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
  return push_entry(L, p, &p->observations, code_arg(L, 2, buf));
}

/* p:vital(name) -> vital sign value, or nil. */
static int m_vital(lua_State *L) {
  vt_patient *p = checkpatient(L);
  return push_entry(L, p, &p->vitals, luaL_checkstring(L, 2));
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
  static const luaL_Reg meta[] = { { "__newindex", proxy_newindex }, { "__tostring", proxy_tostring }, { NULL, NULL } };
  lua_newuserdatauv(L, 1, 0);
  lua_newtable(L);                       /* metatable */
  luaL_setfuncs(L, meta, 0);
  luaL_newlib(L, proxy_methods);
  lua_pushcclosure(L, proxy_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, "patient");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  vl->proxy_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

/* ---- the sandbox's globals --------------------------------------------- */

/* ---- read-only views ---------------------------------------------------
**
** A table is made read-only by sealing it in place: its contents move to a
** hidden target table, and the now empty table gets a metatable whose
** __index is the target and whose __newindex refuses.  The object keeps its
** identity, so every reference anyone holds is a reference to the view.
** Views carry the flag __vitae_readonly (the kind: VIEW_SHARED for what the
** prelude shares between modules, VIEW_MODULE for a module's own tables once
** it has loaded); rawset, setmetatable and the loader know them.  The
** prelude and module code see through a view with getmetatable (they get
** the target's metatable), `#`, pairs and ipairs work on it; rawget and next
** see an empty table. */

#define VIEW_SHARED "shared"
#define VIEW_MODULE "module"

/* The kind of the view at i (VIEW_SHARED or VIEW_MODULE), or NULL when the
** value is not a view.  Pushes nothing. */
static const char *view_kind(lua_State *L, int i) {
  if (lua_type(L, i) != LUA_TTABLE || !lua_getmetatable(L, i)) return NULL;
  const char *kind = NULL;
  lua_pushliteral(L, "__vitae_readonly");
  if (lua_rawget(L, -2) == LUA_TSTRING) kind = lua_tostring(L, -1);
  lua_pop(L, 2);
  /* the string lives in the metatable, which the view keeps alive */
  return kind;
}

/* Push the target of the view at i. */
static void push_view_target(lua_State *L, int i) {
  lua_getmetatable(L, i);
  lua_rawgetp(L, -1, (void *)&view_kind);
  lua_remove(L, -2);
}

int vt_lua_unview(lua_State *L, int i) {
  i = lua_absindex(L, i);
  if (!view_kind(L, i)) return 0;
  push_view_target(L, i);
  lua_replace(L, i);
  return 1;
}

/* Raise `msg` at the nearest Lua line on the stack: the running function's
** in a hook, else a caller's (a write may come through a C function such as
** table.insert, which has no line of its own). */
static int error_at_lua_line(lua_State *L, const char *msg) {
  lua_Debug ar;
  for (int level = 0; lua_getstack(L, level, &ar); level++) {
    if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
      lua_pushfstring(L, "%s:%d: %s", ar.short_src, ar.currentline, msg);
      return lua_error(L);
    }
  }
  lua_pushstring(L, msg);
  return lua_error(L);
}

/* __newindex of a view: refuse, saying why. */
static int view_newindex(lua_State *L) {
  const char *kind = view_kind(L, 1);
  char key[64];
  if (lua_type(L, 2) == LUA_TSTRING) snprintf(key, sizeof key, "field '%.40s'", lua_tostring(L, 2));
  else snprintf(key, sizeof key, "a %s key", luaL_typename(L, 2));
  char msg[512];
  /* a module's _ENV, sealed, is a view whose target reads through to the base table */
  int is_env = 0;
  if (kind && strcmp(kind, VIEW_MODULE) == 0 && lua_type(L, 2) == LUA_TSTRING) {
    push_view_target(L, 1);
    if (lua_getmetatable(L, -1)) {
      lua_pushliteral(L, "__index");
      lua_rawget(L, -2);
      lua_rawgeti(L, LUA_REGISTRYINDEX, VL(L)->base_ref);
      is_env = lua_rawequal(L, -1, -2);
      lua_pop(L, 3);
    }
    lua_pop(L, 1);
  }
  if (is_env)
    snprintf(msg, sizeof msg, "cannot assign the global '%.40s' while simulating: a module's globals and tables are "
             "read-only once it has loaded, because vitae carries no state from one patient to the next (use a "
             "local variable, or keep a patient's state in attributes: set_attribute, p:attr)", lua_tostring(L, 2));
  else if (kind && strcmp(kind, VIEW_MODULE) == 0)
    snprintf(msg, sizeof msg, "cannot change %s of a module table while simulating: module tables and globals are "
             "read-only once the module has loaded, because vitae carries no state from one patient to "
             "the next (keep a patient's state in attributes: set_attribute, p:attr)", key);
  else snprintf(msg, sizeof msg, "cannot change %s of a table the prelude shares between modules (it is read-only)", key);
  return error_at_lua_line(L, msg);
}

/* __len of a view: the length of its target (honouring the target's __len). */
static int view_len(lua_State *L) {
  push_view_target(L, 1);
  lua_pushinteger(L, luaL_len(L, -1));
  return 1;
}

/* The iterator of view_pairs: next over the target (upvalue 1). */
static int view_next(lua_State *L) {
  lua_settop(L, 2);
  if (lua_next(L, lua_upvalueindex(1))) return 2;
  lua_pushnil(L);
  return 1;
}

/* __pairs of a view: iterate over its target. */
static int view_pairs(lua_State *L) {
  push_view_target(L, 1);
  return pairs_triple(L, view_next, 1);
}

/* Seal the table at i in place (see above); `kind` is VIEW_SHARED or
** VIEW_MODULE.  Metamethods of the table's own metatable stay in effect:
** the target gets that metatable (so __index chains keep working) and the
** view's metatable copies its other metamethods. */
static void seal_in_place(lua_State *L, int i, const char *kind) {
  static const char *const keep[] = {
    "__call", "__tostring", "__name", "__eq", "__lt", "__le", "__concat", "__unm", "__add", "__sub",
    "__mul", "__div", "__mod", "__pow", "__idiv", "__band", "__bor", "__bxor", "__shl", "__shr", "__bnot", NULL
  };
  i = lua_absindex(L, i);
  luaL_checkstack(L, 8, "sealing a table");
  lua_newtable(L);                               /* the target */
  int target = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, i)) { lua_pushvalue(L, -2); lua_insert(L, -2); lua_rawset(L, target); }
  /* clearing existing fields during a traversal is allowed */
  lua_pushnil(L);
  while (lua_next(L, i)) { lua_pop(L, 1); lua_pushvalue(L, -1); lua_pushnil(L); lua_rawset(L, i); }
  lua_newtable(L);                               /* the view's metatable */
  int mt = lua_gettop(L);
  if (lua_getmetatable(L, i)) {
    for (const char *const *k = keep; *k; k++) {
      if (lua_getfield(L, -1, *k) != LUA_TNIL) lua_setfield(L, mt, *k); else lua_pop(L, 1);
    }
    lua_setmetatable(L, target);
  }
  lua_pushvalue(L, target); lua_setfield(L, mt, "__index");
  lua_pushvalue(L, target); lua_rawsetp(L, mt, (void *)&view_kind);
  lua_pushcfunction(L, view_newindex); lua_setfield(L, mt, "__newindex");
  lua_pushcfunction(L, view_len); lua_setfield(L, mt, "__len");
  lua_pushcfunction(L, view_pairs); lua_setfield(L, mt, "__pairs");
  lua_pushstring(L, kind); lua_setfield(L, mt, "__vitae_readonly");
  lua_setmetatable(L, i);
  lua_pop(L, 1);                                 /* the target */
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
  /* find, match, gmatch, gsub: the bounded implementation, charged to the
  ** budgets by pattern_charge */
  if (strcmp(lib, "string") == 0) vt_pattern_register(L, lua_gettop(L));
  seal_in_place(L, -1, VIEW_SHARED);
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
  push_library_copy(L, "string", no_dump, NULL); lua_setfield(L, t, "string");   /* with lua/pattern.c */
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

/* vt_checking() -> true while `vitae check` loads a module (vt_lua.checking):
** module() then leaves its whole-module checks to the loader, which reports
** every state's problem at the state's line instead of the first one. */
static int l_vt_checking(lua_State *L) {
  lua_pushboolean(L, VL(L)->checking);
  return 1;
}

/* vt_suggest(word, names) -> the name of the list `names` closest to
** `word` (sim/suggest.h: within 2 edits), or nil: the prelude's "did you
** mean" for a mistyped field. */
static int l_vt_suggest(lua_State *L) {
  const char *word = luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_Integer n = luaL_len(L, 2);
  if (n < 0 || n > 256) n = 256;
  luaL_checkstack(L, (int)n + 2, "vt_suggest");
  const char *names[256];
  int k = 0;
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, 2, i);          /* stays on the stack: the strings live while we compare */
    names[k++] = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
  }
  const char *best = vt_suggest_closest(word, names, k);
  if (best) lua_pushstring(L, best); else lua_pushnil(L);
  return 1;
}

/* The charge hook of lua/pattern.c: matching steps count as instructions of
** the current call (from the first step, armed hook or not) and against the
** patient's time budget; past either, a limit error that pcall cannot catch. */
static void pattern_charge(lua_State *L, long steps) {
  vt_lua *vl = VL(L);
  vl->budget -= steps;
  if (vl->budget < 0 || (vl->limit_hit & VT_LIMIT_INSTRUCTIONS)) {
    vl->limit_hit |= VT_LIMIT_INSTRUCTIONS;
    error_at_lua_line(L, "instruction budget exceeded in pattern matching (a pattern that backtracks "
                         "without end?)");
  }
  if (over_time(vl)) time_limit_error(L);
}

static void set_pattern_charge(void) { vt_pattern_set_charge(pattern_charge); }

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
      if (start && !vl->hooked && (now - start > VT_LUA_WATCH_MS * 1000000LL || over_time(vl)))
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

/* The per-patient time limit, said once for every place that enforces it. */
static void time_limit_text(const vt_lua *vl, char *buf, size_t len) {
  snprintf(buf, len, "module code has run for more than %g s for this patient (the per-patient time limit: "
           "--module-time)", vl->limits.patient_seconds);
}

/* Raise the time limit error at the current Lua line, as a limit pcall
** cannot catch. */
static int time_limit_error(lua_State *L) {
  vt_lua *vl = VL(L);
  char msg[200];
  vl->limit_hit |= VT_LIMIT_TIME;
  time_limit_text(vl, msg, sizeof msg);
  return error_at_lua_line(L, msg);
}

/* Has the current patient's module code run past its time limit, counting
** the call running now? */
static int over_time(vt_lua *vl) {
  if (vl->patient_ns_limit <= 0) return 0;
  long long start = vl->call_start_ns, used = vl->patient_ns;
  if (start) used += mono_ns() - start;
  return used > vl->patient_ns_limit;
}

/* Enter / leave a call into module code at run time. */
static void call_enter(vt_lua *vl) {
  tl_calling = vl;
  vl->thread = (unsigned long)pthread_self();
  vl->call_start_ns = mono_ns();
  /* a patient that has spent half its time budget runs its calls with the
  ** count hook on, so the call that crosses the limit stops inside, at the
  ** line it had reached (an ordinary patient uses about a millisecond) */
  if (vl->patient_ns_limit > 0 && vl->patient_ns > vl->patient_ns_limit / 2 && !vl->hooked) {
    vl->hooked = 1;
    lua_sethook(vl->L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
  }
}

static void call_leave(vt_lua *vl) {
  if (vl->call_start_ns) vl->patient_ns += mono_ns() - vl->call_start_ns;
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
  /* the prelude's environment: safe globals plus its private helpers */
  static const luaL_Reg helpers[] = {
    { "vt_caller_line", l_vt_caller_line }, { "getmetatable", l_prelude_getmetatable },
    { "vt_checking", l_vt_checking }, { "vt_suggest", l_vt_suggest }, { NULL, NULL },
  };
  lua_newtable(L);
  fill_safe_globals(L);
  luaL_setfuncs(L, helpers, 0);
  lua_pushvalue(L, -1);
  lua_newtable(L);
  lua_pushcclosure(L, l_vt_require, 2);
  lua_setfield(L, -2, "vt_require");
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
  while (lua_next(L, -3)) {           /* exports -> base; tables sealed read-only */
    /* the ready-made conditions (is_male, always, ...) and the units table
    ** are shared by every module: sealed in place, so that the prelude's own
    ** references are read-only too (the loader sees through views) */
    if (lua_istable(L, -1) && !view_kind(L, -1)) seal_in_place(L, -1, VIEW_SHARED);
    lua_pushvalue(L, -2); lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  /* module code gets the guarded metatable and rawset functions, and pairs
  ** in a fixed order */
  lua_pushcfunction(L, l_sorted_pairs); lua_setfield(L, -2, "pairs");
  lua_pushcfunction(L, l_safe_getmetatable); lua_setfield(L, -2, "getmetatable");
  lua_pushcfunction(L, l_safe_setmetatable); lua_setfield(L, -2, "setmetatable");
  lua_pushcfunction(L, l_safe_rawset); lua_setfield(L, -2, "rawset");
  lua_pop(L, 3);
  return 0;
}

/* ---- no state from one patient to the next ------------------------------
**
** Each worker has its own Lua state and simulates its own share of the
** patients, so anything module code keeps from one call to a later one would
** make a patient depend on the patients its worker simulated before it, and
** so on the thread count.  After a module loads, vt_lua_seal walks every
** object its function slots can reach and
**   - seals its tables read-only in place (a write is a clear error),
**   - records its closures' upvalues, and the contents of the tables used
**     as metatables (which the VM reads raw, so they cannot be views),
** and vt_lua_patient_begin puts those back before every patient: a local
** variable a function assigns keeps its value within one patient only.
** The walk stops at the objects the prelude owns (marked once per state). */

/* Is the value at i an object the walk follows? */
static int walkable(lua_State *L, int i) {
  int t = lua_type(L, i);
  return t == LUA_TTABLE || t == LUA_TFUNCTION || t == LUA_TUSERDATA || t == LUA_TTHREAD;
}

/* Append the value at the top (popped) to the array at `q` if walkable. */
static void enqueue(lua_State *L, int q, lua_Integer *n) {
  if (walkable(L, -1)) lua_rawseti(L, q, ++*n);
  else lua_pop(L, 1);
}

/* Breadth-first walk from the values already in the array `q` (n of them):
** every walkable object reached that is not a key of `skip` (0 for none) is
** appended once to the array `list` and set in `seen`; tables used as
** metatables are set in `metas`.  Read-only views are listed but their
** insides are followed only when `into_views`.  The walk keeps its own queue,
** so deep structures cost no C stack.  Returns the length of `list`. */
static lua_Integer graph_walk(lua_State *L, int q, lua_Integer n, int skip, int seen, int list, int metas,
                              int into_views) {
  lua_Integer head = 0, nl = 0;
  luaL_checkstack(L, 10, "walking module state");
  while (head < n) {
    lua_rawgeti(L, q, ++head);
    int v = lua_gettop(L);
    int skipped = 0;
    if (skip) {
      lua_pushvalue(L, v);
      skipped = lua_rawget(L, skip) != LUA_TNIL;
      lua_pop(L, 1);
    }
    lua_pushvalue(L, v);
    int was_seen = lua_rawget(L, seen) != LUA_TNIL;
    lua_pop(L, 1);
    if (skipped || was_seen) { lua_settop(L, v - 1); continue; }
    lua_pushvalue(L, v); lua_pushboolean(L, 1); lua_rawset(L, seen);
    lua_pushvalue(L, v); lua_rawseti(L, list, ++nl);
    switch (lua_type(L, v)) {
      case LUA_TTABLE: {
        int is_view = view_kind(L, v) != NULL;
        if (lua_getmetatable(L, v)) {
          if (!is_view) { lua_pushvalue(L, -1); lua_pushboolean(L, 1); lua_rawset(L, metas); }
          if (!is_view || into_views) enqueue(L, q, &n); else lua_pop(L, 1);
        }
        lua_pushnil(L);
        while (lua_next(L, v)) {
          lua_pushvalue(L, -2);
          enqueue(L, q, &n);          /* the key */
          enqueue(L, q, &n);          /* the value */
        }
        break;
      }
      case LUA_TFUNCTION:
        for (int i = 1; lua_getupvalue(L, v, i); i++) enqueue(L, q, &n);
        break;
      case LUA_TUSERDATA:
        if (lua_getmetatable(L, v)) enqueue(L, q, &n);
        for (int i = 1; lua_getiuservalue(L, v, i) != LUA_TNONE; i++) enqueue(L, q, &n);
        lua_pop(L, 1);
        break;
      default: break;
    }
    lua_settop(L, v - 1);
  }
  return nl;
}

/* Mark everything reachable from the base table, the string metatable and
** the patient proxy as owned by the prelude (vl->owned_ref). */
static void mark_prelude_owned(vt_lua *vl) {
  lua_State *L = vl->L;
  int top = lua_gettop(L);
  lua_newtable(L); int q = lua_gettop(L);
  lua_newtable(L); int seen = lua_gettop(L);
  lua_newtable(L); int list = lua_gettop(L);
  lua_newtable(L); int metas = lua_gettop(L);
  lua_Integer n = 0;
  lua_rawgeti(L, LUA_REGISTRYINDEX, vl->base_ref); lua_rawseti(L, q, ++n);
  lua_rawgeti(L, LUA_REGISTRYINDEX, vl->proxy_ref); lua_rawseti(L, q, ++n);
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1); lua_rawseti(L, q, ++n);
  lua_pop(L, 1);
  graph_walk(L, q, n, 0, seen, list, metas, 1);
  lua_pushvalue(L, seen);
  vl->owned_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_settop(L, top);
}

int vt_lua_seal(vt_lua *vl, const int *refs, int nrefs, const char *file, char *err, size_t errlen) {
  lua_State *L = vl->L;
  if (nrefs == 0) return 0;
  int top = lua_gettop(L);
  if (!lua_checkstack(L, 24)) { snprintf(err, errlen, "%s: out of Lua stack space", file); return -1; }
  lua_rawgeti(L, LUA_REGISTRYINDEX, vl->owned_ref); int owned = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, vl->restore_ref); int restore = lua_gettop(L);
  lua_newtable(L); int q = lua_gettop(L);
  lua_newtable(L); int seen = lua_gettop(L);
  lua_newtable(L); int list = lua_gettop(L);
  lua_newtable(L); int metas = lua_gettop(L);
  lua_Integer n = 0;
  for (int k = 0; k < nrefs; k++) { lua_rawgeti(L, LUA_REGISTRYINDEX, refs[k]); enqueue(L, q, &n); }
  lua_Integer nl = graph_walk(L, q, n, owned, seen, list, metas, 0);
  /* first refuse what cannot be made harmless, before changing anything */
  for (lua_Integer k = 1; k <= nl; k++) {
    lua_rawgeti(L, list, k);
    if (lua_iscfunction(L, -1) && lua_getupvalue(L, -1, 1)) {
      snprintf(err, errlen, "%s: the module keeps a C function with state of its own from its load (for example "
               "an iterator made by string.gmatch outside a function): it would carry that state from one patient "
               "to the next; create it inside the function that uses it", file);
      lua_settop(L, top);
      return -1;
    }
    if (lua_type(L, -1) == LUA_TTHREAD || (lua_type(L, -1) == LUA_TUSERDATA)) {
      snprintf(err, errlen, "%s: the module keeps a %s from its load, which would carry state from one patient "
               "to the next", file, luaL_typename(L, -1));
      lua_settop(L, top);
      return -1;
    }
    lua_settop(L, metas);
  }
  lua_Integer nr = (lua_Integer)vl->nrestore;
  for (lua_Integer k = 1; k <= nl; k++) {
    lua_rawgeti(L, list, k);
    int v = lua_gettop(L);
    if (lua_type(L, v) == LUA_TFUNCTION && !lua_iscfunction(L, v)) {
      for (int i = 1; ; i++) {                 /* {f, i, value} per upvalue */
        lua_createtable(L, 3, 0);
        if (!lua_getupvalue(L, v, i)) { lua_pop(L, 1); break; }
        lua_rawseti(L, -2, 3);
        lua_pushvalue(L, v); lua_rawseti(L, -2, 1);
        lua_pushinteger(L, i); lua_rawseti(L, -2, 2);
        lua_rawseti(L, restore, ++nr);
      }
    } else if (lua_type(L, v) == LUA_TTABLE && !view_kind(L, v)) {
      lua_pushvalue(L, v);
      if (lua_rawget(L, metas) != LUA_TNIL) {  /* {t, copy of t} */
        lua_pop(L, 1);
        lua_createtable(L, 2, 0);
        lua_pushvalue(L, v); lua_rawseti(L, -2, 1);
        lua_newtable(L);
        lua_pushnil(L);
        while (lua_next(L, v)) { lua_pushvalue(L, -2); lua_insert(L, -2); lua_rawset(L, -4); }
        lua_rawseti(L, -2, 2);
        lua_rawseti(L, restore, ++nr);
      } else {
        lua_pop(L, 1);
        seal_in_place(L, v, VIEW_MODULE);
      }
    }
    lua_settop(L, metas);
  }
  vl->nrestore = (int)nr;
  lua_settop(L, top);
  return 0;
}

void vt_lua_patient_begin(vt_lua *vl) {
  vl->patient_ns = 0;
  vl->copied = 0;
  if (vl->nrestore == 0) return;
  lua_State *L = vl->L;
  lua_checkstack(L, 8);
  lua_rawgeti(L, LUA_REGISTRYINDEX, vl->restore_ref);
  int r = lua_gettop(L);
  for (int k = 1; k <= vl->nrestore; k++) {
    lua_rawgeti(L, r, k);
    int e = lua_gettop(L);
    lua_rawgeti(L, e, 1);
    if (lua_type(L, -1) == LUA_TFUNCTION) {
      lua_rawgeti(L, e, 2);
      int i = (int)lua_tointeger(L, -1);
      lua_pop(L, 1);
      lua_rawgeti(L, e, 3);
      lua_setupvalue(L, -2, i);
    } else {                                   /* a metatable: clear, copy back */
      int t = lua_gettop(L);
      lua_pushnil(L);
      while (lua_next(L, t)) { lua_pop(L, 1); lua_pushvalue(L, -1); lua_pushnil(L); lua_rawset(L, t); }
      lua_rawgeti(L, e, 2);
      int c = lua_gettop(L);
      lua_pushnil(L);
      while (lua_next(L, c)) { lua_pushvalue(L, -2); lua_insert(L, -2); lua_rawset(L, t); }
    }
    lua_settop(L, r);
  }
  lua_pop(L, 1);
}

vt_lua *vt_lua_new(const vt_lua_limits *limits, struct vt_params *params, char *err, size_t errlen) {
  vt_lua *vl = calloc(1, sizeof *vl);
  if (!vl) { snprintf(err, errlen, "out of memory"); return NULL; }
  if (limits) vl->limits = *limits; else vt_lua_default_limits(&vl->limits);
  vl->mem_limit = vl->limits.memory;
  vl->patient_ns_limit = (long long)(vl->limits.patient_seconds * 1e9);
  vl->params = params;
  static pthread_once_t pattern_once = PTHREAD_ONCE_INIT;
  pthread_once(&pattern_once, set_pattern_charge);
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
  mark_prelude_owned(vl);
  lua_newtable(L);                      /* what vt_lua_patient_begin puts back */
  vl->restore_ref = luaL_ref(L, LUA_REGISTRYINDEX);
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

/* Where the slot function `fn` is defined: ar->short_src, ar->linedefined. */
static void fn_source(vt_lua *vl, int fn, lua_Debug *ar) {
  lua_rawgeti(vl->L, LUA_REGISTRYINDEX, fn);
  if (!lua_getinfo(vl->L, ">S", ar)) { snprintf(ar->short_src, sizeof ar->short_src, "?"); ar->linedefined = 0; }
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
  if (over_time(vl)) {                /* the whole call ran below the watchdog's notice */
    lua_pop(L, 1);
    lua_Debug ar;
    char msg[200];
    fn_source(vl, fn, &ar);
    time_limit_text(vl, msg, sizeof msg);
    snprintf(err, errlen, "%s:%d: %s", ar.short_src, ar.linedefined, msg);
    return -1;
  }
  return 0;
}

/* Count `len` bytes the engine copies out of Lua for the current patient
** against the memory cap (with what the Lua state holds).  0, or -1 with
** err naming the function `fn`'s file and line. */
static int charge_copy(vt_lua *vl, int fn, size_t len, char *err, size_t errlen) {
  size_t used = vl->mem_used < vl->mem_limit ? vl->mem_used : vl->mem_limit;
  size_t room = vl->mem_limit - used;          /* what the Lua state leaves */
  if (vl->copied < room && len < room - vl->copied) {
    vl->copied += len + 1;
    return 0;
  }
  lua_Debug ar;
  fn_source(vl, fn, &ar);
  snprintf(err, errlen, "%s:%d: memory limit of %zu MiB exceeded: the function returned a string of %zu bytes, "
           "and module code already makes the engine hold %zu MiB for this patient beside the Lua state's %zu MiB",
           ar.short_src, ar.linedefined, vl->mem_limit >> 20, len, vl->copied >> 20, used >> 20);
  return -1;
}

static int bad_result(vt_lua *vl, int fn, const char *want, char *err, size_t errlen) {
  lua_State *L = vl->L;
  lua_Debug ar;
  fn_source(vl, fn, &ar);
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
    case LUA_TSTRING: {
      size_t len;
      const char *str = lua_tolstring(L, -1, &len);
      if (charge_copy(vl, fn, len, err, errlen) != 0) { lua_pop(L, 1); return -1; }
      out->kind = VT_V_STR; out->u.s = vt_record_strdup(&p->rec, str);
      break;
    }
    default: return bad_result(vl, fn, "a number, string, boolean or nil", err, errlen);
  }
  lua_pop(L, 1);
  return 0;
}

int vt_lua_fn_line(vt_lua *vl, int fn) {
  lua_Debug ar;
  fn_source(vl, fn, &ar);
  return ar.linedefined > 0 ? ar.linedefined : 0;
}
