/*
** loader.c -- compile one module table into sim/model.h structures (its
** states, transitions, conditions, quantities and lookup tables); the module
** set of a run (files, folders, submodules) is lua/modset.c.
**
** The table is read with raw accesses only; errors are raised with longjmp
** to the compile entry point and name file, state, line and field.
*/
#define _XOPEN_SOURCE 700   /* realpath */
#include "loader.h"
#include "loader_int.h"

#include <limits.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lauxlib.h"
#include "lua/json.h"
#include "lua/param_decl.h"
#include "sim/arena.h"
#include "sim/expr.h"
#include "sim/hash.h"
#include "sim/lookup.h"
#include "sim/params.h"
#include "sim/patient.h"
#include "sim/suggest.h"

const char *const vt_state_type_names[VT_S__COUNT] = {
  "Initial", "Terminal", "Simple", "Guard", "Delay", "SetAttribute", "Counter",
  "CallSubmodule", "Encounter", "EncounterEnd", "ConditionOnset", "ConditionEnd",
  "AllergyOnset", "AllergyEnd", "MedicationOrder", "MedicationEnd", "CarePlanStart",
  "CarePlanEnd", "Procedure", "Observation", "VitalSign", "Symptom", "Vaccine", "Death",
  "MultiObservation", "DiagnosticReport", "ImagingStudy", "Device", "DeviceEnd",
  "SupplyList", "Physiology",
};

int vt_module_find_state(const vt_module *m, const char *name) {
  /* states are sorted by name */
  int lo = 0, hi = m->nstates - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2, c = strcmp(m->states[mid].name, name);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1; else hi = mid - 1;
  }
  return VT_NOSTATE;
}

int vt_state_successors(const vt_module *m, const vt_state *s, int *out, int max) {
  int n = 0;
  const vt_transition *t = &s->tr;
#define PUSH(x) do { int x_ = (x); if (x_ >= 0 && x_ < m->nstates && n < max) out[n++] = x_; } while (0)
  switch (t->kind) {
  case VT_TR_DIRECT: PUSH(t->target); break;
  case VT_TR_DISTRIBUTED:
  case VT_TR_LOOKUP: for (int i = 0; i < t->ndists; i++) PUSH(t->dists[i].target); break;
  case VT_TR_CONDITIONAL:
  case VT_TR_COMPLEX:
    for (int i = 0; i < t->nopts; i++) {
      if (t->opts[i].dists) for (int j = 0; j < t->opts[i].ndists; j++) PUSH(t->opts[i].dists[j].target);
      else PUSH(t->opts[i].target);
    }
    break;
  case VT_TR_TYPE_OF_CARE: for (int i = 0; i < VT_CARE__COUNT; i++) PUSH(t->care[i]); break;
  default: break;
  }
#undef PUSH
  return n;
}

typedef struct ctx {
  vt_lua *vl;
  lua_State *L;
  vt_arena *a;
  vt_module *m;
  const char *file;
  const char *state;   /* state being compiled, NULL at module level */
  int line;
  int mline;           /* the module's line: module-level messages give it */
  jmp_buf jb;
  char *err; size_t errlen;
  char **names;        /* sorted state names (freed on error too) */
  char root[PATH_MAX]; /* real path of the module's root folder */
  const char *root_shown;  /* that root as given, for messages */
  int physiology;      /* Physiology states seen */
  int cond_depth;      /* conditions open around the one being compiled */
  int *refs, nrefs, caprefs;   /* registry references of the function slots */
  int json;            /* a GMF JSON module: its branch probabilities are params */
  /* check mode (vt_module_check_compile): errors are collected, not fatal */
  vt_load_report *rep;
  jmp_buf *cur;        /* where cerr unwinds to when not c->jb (a state's compile) */
  int eline;           /* the line of the last error */
  size_t emsg;         /* where its message starts in c->err, after the place */
  struct readset *reads;   /* the (table, key) pairs the compiler read */
  int ign_from;        /* rep->msgs[ign_from..]: this module's unknown-field messages */
  int *ign_count, ign_cap;   /* for each of them: further states with the same ignored field */
} ctx;

/* ---- check mode: the (table, key) pairs the compiler reads ------------- */

typedef struct readent { const void *t; const char *k; } readent;   /* k NULL: "table t was read" */
typedef struct readset { readent *e; size_t n, cap; } readset;

static size_t read_hash(const void *t, const char *k) {
  size_t h = (size_t)(uintptr_t)t * 0x9E3779B97F4A7C15u;
  if (k) for (const unsigned char *q = (const unsigned char *)k; *q; q++) h = (h ^ *q) * 0x100000001B3u;
  return h ^ (h >> 29);
}

static readent *read_slot(readset *rs, const void *t, const char *k) {
  size_t i = read_hash(t, k) & (rs->cap - 1);
  for (;; i = (i + 1) & (rs->cap - 1)) {
    readent *e = &rs->e[i];
    if (!e->t) return e;
    if (e->t == t && (k == e->k || (k && e->k && strcmp(k, e->k) == 0))) return e;
  }
}

/* Note that the compiler read key k (NULL: anything) of table t. */
static int read_add(readset *rs, const void *t, const char *k) {
  if ((rs->n + 1) * 2 > rs->cap) {
    size_t cap = rs->cap ? rs->cap * 2 : 1024;
    readent *old = rs->e;
    size_t oldcap = rs->cap;
    rs->e = calloc(cap, sizeof *rs->e);
    if (!rs->e) { rs->e = old; return -1; }
    rs->cap = cap;
    for (size_t i = 0; i < oldcap; i++) if (old[i].t) *read_slot(rs, old[i].t, old[i].k) = old[i];
    free(old);
  }
  readent *e = read_slot(rs, t, k);
  if (!e->t) { e->t = t; e->k = k; rs->n++; }
  return 0;
}

static int read_has(const readset *rs, const void *t, const char *k) {
  return rs->cap && read_slot((readset *)rs, t, k)->t != NULL;
}

static int report_add(vt_load_report *r, int line, int warning, const char *state, const char *text) {
  if (r->n == r->cap) {
    int cap = r->cap ? r->cap * 2 : 16;
    vt_load_msg *m = realloc(r->msgs, sizeof *m * (size_t)cap);
    if (!m) return -1;
    r->msgs = m; r->cap = cap;
  }
  vt_load_msg *m = &r->msgs[r->n];
  m->line = line;
  m->warning = warning;
  m->state = state ? strdup(state) : NULL;
  m->text = strdup(text);
  m->key = NULL;
  if (!m->text || (state && !m->state)) { free(m->state); free(m->text); return -1; }
  r->n++;
  return 0;
}

void vt_load_report_free(vt_load_report *r) {
  for (int i = 0; i < r->n; i++) { free(r->msgs[i].state); free(r->msgs[i].text); free(r->msgs[i].key); }
  free(r->msgs);
  memset(r, 0, sizeof *r);
}

/* Report an error in the current state and unwind to the compile entry. */
static void cerr(ctx *c, const char *fmt, ...) {
  /* a state without a line of its own (a plain Lua table) gets the
  ** module's line: every message has one */
  int line = c->state && c->line > 0 ? c->line : c->mline;
  int n;
  if (c->state && line > 0) n = snprintf(c->err, c->errlen, "%s:%d: state '%s': ", c->file, line, c->state);
  else if (c->state) n = snprintf(c->err, c->errlen, "%s: state '%s': ", c->file, c->state);
  else if (line > 0) n = snprintf(c->err, c->errlen, "%s:%d: ", c->file, line);
  else n = snprintf(c->err, c->errlen, "%s: ", c->file);
  c->eline = line;
  c->emsg = n >= 0 && (size_t)n < c->errlen ? (size_t)n : c->errlen - 1;
  if (n >= 0 && (size_t)n < c->errlen) {   /* the message after the place */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
  }
  if (c->cur) longjmp(*c->cur, 1);
  longjmp(c->jb, 1);
}

/* Push t[name] (raw); return its type. */
static int field(ctx *c, int t, const char *name) {
  t = lua_absindex(c->L, t);
  if (!lua_checkstack(c->L, 4)) cerr(c, "out of Lua stack space");
  if (vt_lua_unview(c->L, t) == 0 && lua_type(c->L, t) != LUA_TTABLE) cerr(c, "expected a table");
  if (c->reads && (read_add(c->reads, lua_topointer(c->L, t), NULL) || read_add(c->reads, lua_topointer(c->L, t), name)))
    cerr(c, "out of memory");
  lua_pushstring(c->L, name);
  int ty = lua_rawget(c->L, t);
  if (ty == LUA_TTABLE) vt_lua_unview(c->L, -1);   /* shared read-only tables are read through */
  if (ty == LUA_TLIGHTUSERDATA) {   /* JSON null (lua/json.h): same as absent */
    lua_pop(c->L, 1);
    lua_pushnil(c->L);
    return LUA_TNIL;
  }
  return ty;
}

static int has(ctx *c, int t, const char *name) {
  int ty = field(c, t, name);
  lua_pop(c->L, 1);
  return ty != LUA_TNIL;
}

static const char *tostr_dup(ctx *c, int i, const char *what) {
  lua_State *L = c->L;
  char buf[64];
  if (lua_isinteger(L, i)) { snprintf(buf, sizeof buf, "%lld", (long long)lua_tointeger(L, i)); return vt_arena_strdup(c->a, buf); }
  if (lua_type(L, i) == LUA_TNUMBER) {
    double d = lua_tonumber(L, i);
    if (d == floor(d) && fabs(d) < 1e18) snprintf(buf, sizeof buf, "%.0f", d);
    else snprintf(buf, sizeof buf, "%.17g", d);
    return vt_arena_strdup(c->a, buf);
  }
  if (lua_type(L, i) != LUA_TSTRING) cerr(c, "field '%s' must be a string, got %s", what, luaL_typename(L, i));
  return vt_arena_strdup(c->a, lua_tostring(L, i));
}

/* Optional string field (numbers are accepted and written as text). */
static const char *opt_str(ctx *c, int t, const char *name) {
  if (field(c, t, name) == LUA_TNIL) { lua_pop(c->L, 1); return NULL; }
  const char *s = tostr_dup(c, -1, name);
  lua_pop(c->L, 1);
  return s;
}

static const char *req_str(ctx *c, int t, const char *name) {
  const char *s = opt_str(c, t, name);
  if (!s) cerr(c, "field '%s' is required", name);
  return s;
}

/* Push optional field `name` of the table at t when it has Lua type `want`
** and return 1; return 0 (nothing pushed) when it is absent; raise "field
** 'name' must be WHAT" when it has another type. */
static int opt_typed(ctx *c, int t, const char *name, int want, const char *what) {
  int ty = field(c, t, name);
  if (ty == want) return 1;
  if (ty != LUA_TNIL) cerr(c, "field '%s' must be %s, got %s", name, what, luaL_typename(c->L, -1));
  lua_pop(c->L, 1);
  return 0;
}

static int opt_bool(ctx *c, int t, const char *name, int dflt) {
  if (!opt_typed(c, t, name, LUA_TBOOLEAN, "true or false")) return dflt;
  int v = lua_toboolean(c->L, -1);
  lua_pop(c->L, 1);
  return v;
}

static double opt_num(ctx *c, int t, const char *name, double dflt) {
  if (!opt_typed(c, t, name, LUA_TNUMBER, "a number")) return dflt;
  double v = lua_tonumber(c->L, -1);
  lua_pop(c->L, 1);
  return v;
}

/* A function at the top of the stack -> registry reference (popped). */
/* Keep the function at the top (popped) in the registry; its reference is
** also listed in c->refs for vt_lua_seal. */
static int take_fn(ctx *c) {
  if (c->nrefs == c->caprefs) {
    int cap = c->caprefs ? c->caprefs * 2 : 16;
    int *r = realloc(c->refs, sizeof *r * (size_t)cap);
    if (!r) cerr(c, "out of memory");
    c->refs = r; c->caprefs = cap;
  }
  int ref = luaL_ref(c->L, LUA_REGISTRYINDEX);
  c->refs[c->nrefs++] = ref;
  return ref;
}

/* vt_num from the value at index i: a number or a function. */
static vt_num num_at(ctx *c, int i, const char *what) {
  vt_num n = { 0, VT_NOFN };
  int ty = lua_type(c->L, i);
  if (ty == LUA_TNUMBER) n.v = lua_tonumber(c->L, i);
  else if (ty == LUA_TFUNCTION) { lua_pushvalue(c->L, i); n.fn = take_fn(c); }
  else cerr(c, "field '%s' must be a number or a function, got %s", what, luaL_typename(c->L, i));
  return n;
}

static vt_num req_num(ctx *c, int t, const char *name) {
  if (field(c, t, name) == LUA_TNIL) cerr(c, "field '%s' is required", name);
  vt_num n = num_at(c, -1, name);
  lua_pop(c->L, 1);
  return n;
}

/* codes = { {system=, code=, display=}, ... } -> array in the arena. */
static const vt_code *codes_at(ctx *c, int i, const char *what, int *n) {
  lua_State *L = c->L;
  if (!lua_istable(L, i)) cerr(c, "field '%s' must be a list of codes", what);
  int len = (int)lua_rawlen(L, i);
  vt_code *codes = vt_arena_alloc(c->a, sizeof *codes * (size_t)(len ? len : 1));
  int top = lua_gettop(L);
  i = lua_absindex(L, i);
  for (int k = 1; k <= len; k++) {
    if (lua_rawgeti(L, i, k) != LUA_TTABLE) cerr(c, "%s[%d] must be a table {system, code, display}", what, k);
    int t = lua_gettop(L);
    codes[k - 1].system = opt_str(c, t, "system");
    codes[k - 1].code = opt_str(c, t, "code");
    codes[k - 1].display = opt_str(c, t, "display");
    if (!codes[k - 1].code) cerr(c, "%s[%d] has no 'code'", what, k);
    if (!codes[k - 1].system) codes[k - 1].system = "SNOMED-CT";
    if (!codes[k - 1].display) codes[k - 1].display = codes[k - 1].code;
    lua_settop(L, top);
  }
  *n = len;
  return codes;
}

static const vt_code *opt_codes(ctx *c, int t, const char *name, int *n) {
  *n = 0;
  if (field(c, t, name) == LUA_TNIL) { lua_pop(c->L, 1); return NULL; }
  const vt_code *codes = codes_at(c, -1, name, n);
  lua_pop(c->L, 1);
  return codes;
}

/* A single code: value_code = {system, code, display}. */
static const vt_code *opt_code(ctx *c, int t, const char *name) {
  if (field(c, t, name) == LUA_TNIL) { lua_pop(c->L, 1); return NULL; }
  if (!lua_istable(c->L, -1)) cerr(c, "field '%s' must be a code {system, code, display}", name);
  lua_newtable(c->L);
  lua_pushvalue(c->L, -2);
  lua_rawseti(c->L, -2, 1);
  int n;
  const vt_code *code = codes_at(c, -1, name, &n);
  lua_pop(c->L, 2);
  return code;
}

static int resolve_state(ctx *c, const char *name, const char *what) {
  int s = vt_module_find_state(c->m, name);
  if (s == VT_NOSTATE) {
    const char *near = vt_suggest_closest(name, (const char *const *)c->names, c->m->nstates);
    if (near) cerr(c, "%s '%s' is not a state of this module (did you mean '%s'?)", what, name, near);
    cerr(c, "%s '%s' is not a state of this module", what, name);
  }
  return s;
}

static uint8_t parse_op(ctx *c, const char *op) {
  static const struct { const char *s; vt_op op; } ops[] = {
    {"<", VT_OP_LT}, {"<=", VT_OP_LE}, {"==", VT_OP_EQ}, {">=", VT_OP_GE}, {">", VT_OP_GT},
    {"!=", VT_OP_NE}, {"is nil", VT_OP_IS_NIL}, {"is not nil", VT_OP_IS_NOT_NIL},
  };
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (strcmp(op, ops[i].s) == 0) return (uint8_t)ops[i].op;
  cerr(c, "unknown operator '%s' (use <, <=, ==, >=, >, !=, is nil, is not nil)", op);
  return 0;
}

/* A scalar value (number, string, boolean) at index i. */
static vt_value value_at(ctx *c, int i, const char *what) {
  vt_value v = { VT_V_NIL, { 0 } };
  switch (lua_type(c->L, i)) {
    case LUA_TNIL: break;
    case LUA_TNUMBER: v.kind = VT_V_NUM; v.u.n = lua_tonumber(c->L, i); break;
    case LUA_TBOOLEAN: v.kind = VT_V_BOOL; v.u.b = lua_toboolean(c->L, i); break;
    case LUA_TSTRING: v.kind = VT_V_STR; v.u.s = vt_arena_strdup(c->a, lua_tostring(c->L, i)); break;
    default: cerr(c, "field '%s' must be a number, string or boolean, got %s", what, luaL_typename(c->L, i));
  }
  return v;
}

static void compile_cond(ctx *c, int i, vt_cond *out);
static void compile_cond_body(ctx *c, int i, vt_cond *out);

static void compile_cond_list(ctx *c, int t, const char *name, vt_cond *out) {
  lua_State *L = c->L;
  if (field(c, t, name) != LUA_TTABLE) cerr(c, "condition needs a list '%s'", name);
  int lt = lua_gettop(L);
  int n = (int)lua_rawlen(L, lt);
  out->subs = vt_arena_alloc(c->a, sizeof *out->subs * (size_t)(n ? n : 1));
  out->nsubs = n;
  for (int k = 1; k <= n; k++) {
    lua_rawgeti(L, lt, k);
    compile_cond(c, -1, &out->subs[k - 1]);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

/* ---- time quantities: what a life can hold (sim/vtime.h) -------------- */

/* A number as a module author would write it: 4294967296, 1.5, 1e+300. */
static const char *num_text(double v, char *buf, size_t len) {
  if (v == floor(v) && fabs(v) < 1e18) snprintf(buf, len, "%.0f", v);
  else snprintf(buf, len, "%g", v);
  return buf;
}

/* Refuse a constant time quantity: `v` units of `unit` (unit_ms each) must
** be finite, not negative (unless `signed_ok`), and no longer than
** VT_TIME_MAX_SPAN.  `what` names it in the message ("delay", "duration").
** Returns only if it is fine. */
static void check_span(ctx *c, const char *what, double v, const char *unit, int64_t unit_ms, int signed_ok) {
  char buf[64];
  if (!isfinite(v)) cerr(c, "%s of %s %s is not a finite number", what, num_text(v, buf, sizeof buf), unit);
  if (v < 0 && !signed_ok) cerr(c, "%s of %s %s is negative", what, num_text(v, buf, sizeof buf), unit);
  if (fabs(v) * (double)unit_ms > (double)VT_TIME_MAX_SPAN)
    cerr(c, "%s of %s %s is longer than any life (at most %d years)", what, num_text(v, buf, sizeof buf), unit,
         VT_TIME_MAX_SPAN_YEARS);
}

/* A whole-number part `name` of a Date condition's `date` (dflt when
** absent), refused unless it lies in [lo, hi]: checked before any
** conversion, so a year of 2^63 is an error, not undefined behaviour. */
static int date_part(ctx *c, int t, const char *name, int dflt, int lo, int hi) {
  double v = opt_num(c, t, name, dflt);
  char buf[64];
  if (!(v >= lo && v <= hi) || v != floor(v))
    cerr(c, "Date condition: %s must be a whole number from %d to %d, got %s", name, lo, hi, num_text(v, buf, sizeof buf));
  return (int)v;
}

/* Compile the condition at index i (a table with condition_type, or a function). */
static void compile_cond(ctx *c, int i, vt_cond *out) {
  lua_State *L = c->L;
  i = lua_absindex(L, i);
  vt_lua_unview(L, i);   /* is_male, always, ... are shared read-only views */
  /* each level of nesting holds a few values on the Lua stack while the
  ** level below it compiles: bound the depth, and make room before pushing */
  if (c->cond_depth >= VT_MAX_COND_DEPTH)
    cerr(c, "conditions nested deeper than %d levels (And/Or/Not/At Least/At Most inside each other)", VT_MAX_COND_DEPTH);
  if (!lua_checkstack(L, 8)) cerr(c, "out of Lua stack space while compiling a condition");
  c->cond_depth++;
  compile_cond_body(c, i, out);
  c->cond_depth--;
}

/* compile_cond without the depth and stack checks. */
static void compile_cond_body(ctx *c, int i, vt_cond *out) {
  lua_State *L = c->L;
  memset(out, 0, sizeof *out);
  out->ref_state = out->since_state = VT_NOSTATE;
  out->fn = VT_NOFN;
  if (lua_type(L, i) == LUA_TFUNCTION) {
    out->kind = VT_C_LUA;
    lua_pushvalue(L, i);
    out->fn = take_fn(c);
    return;
  }
  if (lua_type(L, i) != LUA_TTABLE) cerr(c, "a condition must be a table or a function, got %s", luaL_typename(L, i));
  const char *type = req_str(c, i, "condition_type");
  static const struct { const char *name; vt_cond_kind k; } kinds[] = {
    {"True", VT_C_TRUE}, {"False", VT_C_FALSE}, {"And", VT_C_AND}, {"Or", VT_C_OR}, {"Not", VT_C_NOT},
    {"At Least", VT_C_AT_LEAST}, {"At Most", VT_C_AT_MOST}, {"Gender", VT_C_GENDER}, {"Age", VT_C_AGE},
    {"Date", VT_C_DATE}, {"Race", VT_C_RACE}, {"Socioeconomic Status", VT_C_SES},
    {"Attribute", VT_C_ATTRIBUTE}, {"Symptom", VT_C_SYMPTOM}, {"Observation", VT_C_OBSERVATION},
    {"Vital Sign", VT_C_VITAL}, {"Active Condition", VT_C_ACTIVE_CONDITION},
    {"Active Medication", VT_C_ACTIVE_MEDICATION}, {"Active CarePlan", VT_C_ACTIVE_CAREPLAN},
    {"Active Allergy", VT_C_ACTIVE_ALLERGY}, {"PriorState", VT_C_PRIOR_STATE},
  };
  int found = 0;
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
    if (strcmp(type, kinds[k].name) == 0) { out->kind = (uint8_t)kinds[k].k; found = 1; break; }
  if (!found) {
    const char *names[sizeof kinds / sizeof kinds[0]];
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) names[k] = kinds[k].name;
    const char *near = vt_suggest_closest(type, names, (int)(sizeof kinds / sizeof kinds[0]));
    if (near) cerr(c, "unknown condition_type '%s' (did you mean '%s'?)", type, near);
    cerr(c, "unknown condition_type '%s'", type);
  }
  switch (out->kind) {
    case VT_C_TRUE: case VT_C_FALSE: break;
    case VT_C_AND: case VT_C_OR: compile_cond_list(c, i, "conditions", out); break;
    case VT_C_NOT:
      if (field(c, i, "condition") == LUA_TNIL) cerr(c, "Not condition needs 'condition'");
      out->subs = vt_arena_alloc(c->a, sizeof *out->subs); out->nsubs = 1;
      compile_cond(c, -1, out->subs);
      lua_pop(L, 1);
      break;
    case VT_C_AT_LEAST: case VT_C_AT_MOST:
      out->count = (int)opt_num(c, i, out->kind == VT_C_AT_LEAST ? "minimum" : "maximum", -1);
      if (out->count < 0) cerr(c, "%s condition needs '%s'", type, out->kind == VT_C_AT_LEAST ? "minimum" : "maximum");
      compile_cond_list(c, i, "conditions", out);
      break;
    case VT_C_GENDER:
      out->name = req_str(c, i, "gender");
      if (strcmp(out->name, "M") != 0 && strcmp(out->name, "F") != 0) cerr(c, "gender must be \"M\" or \"F\", got '%s'", out->name);
      break;
    case VT_C_AGE: {
      out->op = parse_op(c, req_str(c, i, "operator"));
      out->quantity = opt_num(c, i, "quantity", NAN);
      if (isnan(out->quantity)) cerr(c, "Age condition needs a numeric 'quantity'");
      const char *unit = req_str(c, i, "unit");
      out->unit_ms = vt_time_unit_ms(unit);
      if (!out->unit_ms) cerr(c, "unknown time unit '%s'", unit);
      break;
    }
    case VT_C_DATE: {
      out->op = parse_op(c, req_str(c, i, "operator"));
      if (has(c, i, "year")) { out->by_year = 1; out->quantity = date_part(c, i, "year", 0, VT_YEAR_MIN, VT_YEAR_MAX); }
      else if (has(c, i, "month")) {
        out->by_year = 2;   /* the month of the year, 1-12 */
        out->quantity = opt_num(c, i, "month", 0);
        if (out->quantity < 1 || out->quantity > 12) cerr(c, "Date condition: month must be 1 to 12, got %g", out->quantity);
      }
      else if (field(c, i, "date") == LUA_TTABLE) {
        int dt = lua_gettop(L);
        int y = date_part(c, dt, "year", 1970, VT_YEAR_MIN, VT_YEAR_MAX), mo = date_part(c, dt, "month", 1, 1, 12);
        int d = date_part(c, dt, "day", 1, 1, vt_days_in_month(y, mo));
        out->date = vt_time_from_date(y, mo, d) + date_part(c, dt, "hour", 0, 0, 23) * VT_MS_HOUR
                    + date_part(c, dt, "minute", 0, 0, 59) * VT_MS_MINUTE
                    + date_part(c, dt, "second", 0, 0, 59) * VT_MS_SECOND + date_part(c, dt, "millisecond", 0, 0, 999);
        lua_pop(L, 1);
      } else cerr(c, "Date condition needs 'year', 'month' or 'date'");
      break;
    }
    case VT_C_RACE: out->name = req_str(c, i, "race"); break;
    case VT_C_SES: out->name = req_str(c, i, "category"); break;
    case VT_C_ATTRIBUTE: case VT_C_SYMPTOM: case VT_C_VITAL: case VT_C_OBSERVATION:
      if (out->kind == VT_C_ATTRIBUTE) out->name = req_str(c, i, "attribute");
      else if (out->kind == VT_C_SYMPTOM) out->name = req_str(c, i, "symptom");
      else if (out->kind == VT_C_VITAL) out->name = req_str(c, i, "vital_sign");
      else {
        out->codes = opt_codes(c, i, "codes", &out->ncodes);
        out->name = opt_str(c, i, "referenced_by_attribute");
        if (!out->ncodes && !out->name) cerr(c, "Observation condition needs 'codes' or 'referenced_by_attribute'");
      }
      if (out->name) out->hash = vt_key_hash(out->name);
      out->op = parse_op(c, req_str(c, i, "operator"));
      field(c, i, "value");
      out->value = value_at(c, -1, "value");
      lua_pop(L, 1);
      if (out->value.kind == VT_V_NIL) {
        /* value_code: compared with a coded value, which vitae holds as
        ** the code's display text (as the observations table shows it) */
        const vt_code *vc = opt_code(c, i, "value_code");
        if (vc) { out->value.kind = VT_V_STR; out->value.u.s = vc->display; }
      }
      if (out->value.kind == VT_V_NIL && out->op != VT_OP_IS_NIL && out->op != VT_OP_IS_NOT_NIL)
        cerr(c, "%s condition with operator needs a 'value'", type);
      break;
    case VT_C_ACTIVE_CONDITION: case VT_C_ACTIVE_MEDICATION: case VT_C_ACTIVE_CAREPLAN: case VT_C_ACTIVE_ALLERGY:
      out->codes = opt_codes(c, i, "codes", &out->ncodes);
      out->name = opt_str(c, i, "referenced_by_attribute");
      if (!out->ncodes && !out->name) cerr(c, "%s condition needs 'codes' or 'referenced_by_attribute'", type);
      break;
    case VT_C_PRIOR_STATE: {
      const char *name = req_str(c, i, "name");
      out->name = name;
      out->ref_state = resolve_state(c, name, "PriorState name");
      const char *since = opt_str(c, i, "since");
      if (since) out->since_state = resolve_state(c, since, "PriorState since");
      if (field(c, i, "within") == LUA_TTABLE) {
        int wt = lua_gettop(L);
        double q = opt_num(c, wt, "quantity", NAN);
        const char *unit = req_str(c, wt, "unit");
        if (isnan(q) || !vt_time_unit_ms(unit)) cerr(c, "PriorState 'within' needs a quantity and a time unit");
        check_span(c, "PriorState 'within'", q, unit, vt_time_unit_ms(unit), 0);
        out->unit_ms = vt_time_span_ms(q, vt_time_unit_ms(unit), NULL);
      }
      lua_pop(L, 1);
      break;
    }
    default: break;
  }
}

/* A distributed option's probability: number, function or {attribute, default}. */
static void compile_dist_opt(ctx *c, int t, vt_dist_opt *o) {
  lua_State *L = c->L;
  o->p.fn = VT_NOFN;
  int ty = field(c, t, "distribution");
  if (ty == LUA_TTABLE) {
    int dt = lua_gettop(L);
    o->attr = req_str(c, dt, "attribute");
    o->p.v = opt_num(c, dt, "default", 0);
  } else if (ty == LUA_TNIL) cerr(c, "a distributed transition option needs 'distribution'");
  else o->p = num_at(c, -1, "distribution");
  lua_pop(L, 1);
  if (!o->attr && o->p.fn == VT_NOFN && (o->p.v < 0 || o->p.v > 1))
    cerr(c, "probability %g is outside [0, 1]", o->p.v);
  o->target = resolve_state(c, req_str(c, t, "transition"), "transition");
}

static void gmf_params(ctx *c, vt_dist_opt *opts, int n, int option);

/* A distributed transition's list at lt (`option`: the complex option it
** belongs to, 1-based, or 0). */
static vt_dist_opt *compile_dist_list(ctx *c, int lt, int *n, int option) {
  lua_State *L = c->L;
  if (!lua_istable(L, lt)) cerr(c, "distributed transition must be a list");
  *n = (int)lua_rawlen(L, lt);
  if (*n == 0) cerr(c, "distributed transition has no options");
  vt_dist_opt *opts = vt_arena_alloc(c->a, sizeof *opts * (size_t)*n);
  double total = 0;
  for (int k = 1; k <= *n; k++) {
    if (lua_rawgeti(L, lt, k) != LUA_TTABLE) cerr(c, "distributed transition option %d must be a table", k);
    compile_dist_opt(c, lua_gettop(L), &opts[k - 1]);
    if (opts[k - 1].p.fn == VT_NOFN && !opts[k - 1].attr) total += opts[k - 1].p.v;
    lua_pop(L, 1);
  }
  /* probabilities adding up to more than 1 are accepted, as Synthea does
  ** (Synthea's cerebral_palsy.json has 1.05): they are cumulative, so an
  ** option past a cumulative 1 is never taken */
  (void)total;
  if (c->json) gmf_params(c, opts, *n, option);
  return opts;
}

/* Record the implicit param of a GMF branch (name: vt_gmf_param_name) and
** return the --params value given for it, or NULL.  A value that is not a
** number in [0, 1] is an error naming the param and the state. */
static const vt_param *gmf_branch(ctx *c, const vt_dist_opt *o, int k, int n, int option, int occ,
                                  char *name, size_t namelen) {
  vt_lua *vl = c->vl;
  const char *target = c->m->states[o->target].name;
  if (vt_gmf_param_name(name, namelen, c->m->path, c->state, option, target, occ))
    cerr(c, "branch to '%s': its param name would be too long", target);
  if (vl->record) {
    vt_param_decl d;
    memset(&d, 0, sizeof d);
    d.name = name;
    d.kind = VT_PARAM_NUMBER;
    d.has_default = 1;
    d.number = o->p.v;
    d.module = (char *)c->m->path;
    d.file = (char *)c->file;
    d.line = c->line;      /* json.c notes lines down to states: the state's line */
    d.origin = VT_PDECL_GMF;
    d.state = (char *)c->state;
    d.target = (char *)target;
    d.remainder = k == n - 1;
    if (vt_param_list_add(vl->record, &d) < 0) cerr(c, "out of memory");
  }
  const vt_param *pv = vt_params_get(vl->params, name);
  if (!pv) return NULL;
  if (pv->kind != VT_PARAM_NUMBER) {
    vl->param_type_error = 1;
    cerr(c, "param '%s': %s:%d gives a %s, but a branch probability is a number", name, vl->params->path,
         pv->line, pv->kind == VT_PARAM_STRING ? "string" : "boolean");
  }
  if (!(pv->number >= 0 && pv->number <= 1)) {
    vl->param_type_error = 1;
    cerr(c, "param '%s': %s:%d gives %g, but a branch probability must be between 0 and 1", name,
         vl->params->path, pv->line, pv->number);
  }
  return pv;
}

/* The implicit params of one GMF distribution list (schemas/params.md,
** "GMF branch probabilities"): each constant probability is recorded under
** its name and replaced by the --params value given for it.  The last branch
** takes what the others leave, as the engine and Synthea do: after a value
** is given the others may add up to at most 1, and a value given for the
** last branch must be what they leave. */
static void gmf_params(ctx *c, vt_dist_opt *opts, int n, int option) {
  vt_lua *vl = c->vl;
  char name[1024], last[1024] = "";
  const vt_param *lastv = NULL;
  int given = 0, others_const = 1;
  double sum = 0;
  for (int k = 0; k < n; k++) {
    vt_dist_opt *o = &opts[k];
    if (o->attr || o->p.fn != VT_NOFN) { others_const &= k == n - 1; continue; }
    int occ = 1;
    for (int j = 0; j < k; j++) occ += opts[j].target == o->target;
    const vt_param *pv = gmf_branch(c, o, k, n, option, occ, name, sizeof name);
    if (pv) {
      given++;
      o->p.v = pv->number;
      if (k == n - 1) { lastv = pv; snprintf(last, sizeof last, "%s", name); }
    }
    if (k < n - 1) sum += o->p.v;
  }
  if (!given) return;
  if (sum > 1 + 1e-9) {
    vl->param_type_error = 1;
    cerr(c, "with the values of %s the branch probabilities add up to %g, over 1", vl->params->path, sum);
  }
  if (lastv && !others_const) {
    vl->param_type_error = 1;
    cerr(c, "param '%s' (%s:%d): the last branch takes what the others leave, and they are not all "
         "constants; set the other branches instead", last, vl->params->path, lastv->line);
  }
  if (lastv && (lastv->number - (1 - sum) > 1e-9 || (1 - sum) - lastv->number > 1e-9)) {
    vl->param_type_error = 1;
    cerr(c, "param '%s' (%s:%d) gives %g, but the last branch takes what the others leave: 1 - %g = %g; "
         "set the other branches instead", last, vl->params->path, lastv->line, lastv->number, sum, 1 - sum);
  }
}

/* Load the CSV named by tr->lookup_file from the lookup_tables folder beside
** the module file, or beside a folder above it up to the module's root (a
** submodule in modules/medications/ finds modules/lookup_tables/), and
** attach it to the module, which owns it.  A name with '..' or an absolute
** one, or a table whose real path (symlinks followed) leaves the root, is
** an error, and the file is not read. */
static void load_lookup_table(ctx *c, vt_transition *tr) {
  char dir[PATH_MAX], path[PATH_MAX + 300], real[PATH_MAX];
  if (!vt_module_name_safe(tr->lookup_file))
    cerr(c, "lookup table '%s' is outside the module tree (%s)", tr->lookup_file, c->root_shown);
  snprintf(path, sizeof path, "%s", c->file);
  char *slash = strrchr(path, '/');
  if (slash) *slash = 0; else snprintf(path, sizeof path, ".");
  if (!realpath(path, dir)) cerr(c, "cannot resolve the folder of %s: %s", c->file, strerror(errno));
  int found = 0;
  for (;;) {
    snprintf(path, sizeof path, "%s/lookup_tables/%s", strcmp(dir, "/") ? dir : "", tr->lookup_file);
    struct stat st;
    if (lstat(path, &st) == 0) {
      if (!realpath(path, real) || !vt_path_within(real, c->root))
        cerr(c, "lookup table '%s' is outside the module tree (%s): %s leads out of it",
             tr->lookup_file, c->root_shown, path);
      if (stat(real, &st) == 0 && S_ISREG(st.st_mode)) { found = 1; break; }
    }
    if (strcmp(dir, c->root) == 0 || !vt_path_within(dir, c->root)) break;
    if ((slash = strrchr(dir, '/')) && slash != dir) *slash = 0;
    else if (slash) dir[1] = 0;
    else break;
  }
  if (!found)
    cerr(c, "lookup table '%s' not found in a lookup_tables folder beside %s or above it (up to %s)",
         tr->lookup_file, c->file, c->root_shown);
  const char **targets = vt_arena_alloc(c->a, sizeof *targets * (size_t)tr->ndists);
  for (int k = 0; k < tr->ndists; k++) targets[k] = c->m->states[tr->dists[k].target].name;
  char msg[1024];
  vt_lookup *t = vt_lookup_load(path, targets, tr->ndists, msg, sizeof msg);
  if (!t) cerr(c, "lookup_table_transition: %s", msg);
  vt_lookup **ls = realloc(c->m->lookups, sizeof *ls * (size_t)(c->m->nlookups + 1));
  if (!ls) { vt_lookup_free(t); cerr(c, "out of memory"); }
  c->m->lookups = ls;
  ls[c->m->nlookups++] = t;
  tr->lookup = t;
  tr->lookup_file = vt_arena_strdup(c->a, path);
}

/* lookup_table_transition: options {transition, default_probability,
** lookup_table_name}; the table is loaded from a lookup_tables folder. */
static void compile_lookup(ctx *c, int lt, vt_transition *tr) {
  lua_State *L = c->L;
  if (!lua_istable(L, lt)) cerr(c, "lookup_table_transition must be a list");
  int n = (int)lua_rawlen(L, lt);
  if (n == 0) cerr(c, "lookup_table_transition has no options");
  tr->ndists = n;
  tr->dists = vt_arena_alloc(c->a, sizeof *tr->dists * (size_t)n);
  for (int k = 1; k <= n; k++) {
    if (lua_rawgeti(L, lt, k) != LUA_TTABLE) cerr(c, "lookup_table_transition option %d must be a table", k);
    int ot = lua_gettop(L);
    vt_dist_opt *o = &tr->dists[k - 1];
    o->attr = NULL;
    o->p.fn = VT_NOFN;
    o->target = resolve_state(c, req_str(c, ot, "transition"), "transition");
    /* default_probability: a number, or a number written as a string */
    int ty = field(c, ot, "default_probability");
    if (ty == LUA_TNUMBER) o->p.v = lua_tonumber(L, -1);
    else if (ty == LUA_TSTRING) {
      char *end;
      const char *txt = lua_tostring(L, -1);
      o->p.v = strtod(txt, &end);
      if (end == txt || *end) cerr(c, "lookup_table_transition option %d: default_probability '%s' is not a number", k, txt);
    } else if (ty == LUA_TNIL) o->p.v = 0;
    else cerr(c, "lookup_table_transition option %d: default_probability must be a number", k);
    lua_pop(L, 1);
    if (o->p.v < 0 || o->p.v > 1) cerr(c, "lookup_table_transition option %d: default_probability %g is not between 0 and 1", k, o->p.v);
    const char *name = req_str(c, ot, "lookup_table_name");
    if (!tr->lookup_file) tr->lookup_file = name;
    else if (strcmp(tr->lookup_file, name) != 0)
      cerr(c, "lookup_table_transition options name different tables ('%s' and '%s')", tr->lookup_file, name);
    lua_pop(L, 1);
  }
  load_lookup_table(c, tr);
}

static void compile_transition(ctx *c, int st, vt_transition *tr, int terminal) {
  lua_State *L = c->L;
  const char *kinds[] = {"direct_transition", "distributed_transition", "conditional_transition", "complex_transition",
                         "lookup_table_transition", "type_of_care_transition"};
  int which = -1, count = 0;
  for (int k = 0; k < 6; k++) if (has(c, st, kinds[k])) { which = k; count++; }
  if (count > 1) cerr(c, "has more than one transition");
  if (count == 0) {
    if (!terminal) cerr(c, "has no transition (direct_transition, distributed_transition, conditional_transition, "
                           "complex_transition, lookup_table_transition or type_of_care_transition)");
    tr->kind = VT_TR_NONE;
    return;
  }
  if (terminal) cerr(c, "a Terminal state cannot have a transition");
  field(c, st, kinds[which]);
  int lt = lua_gettop(L);
  switch (which) {
    case 0:
      tr->kind = VT_TR_DIRECT;
      tr->target = resolve_state(c, tostr_dup(c, lt, kinds[0]), "direct_transition");
      break;
    case 1:
      tr->kind = VT_TR_DISTRIBUTED;
      tr->dists = compile_dist_list(c, lt, &tr->ndists, 0);
      break;
    case 2: case 3: {
      tr->kind = which == 2 ? VT_TR_CONDITIONAL : VT_TR_COMPLEX;
      if (!lua_istable(L, lt)) cerr(c, "%s must be a list", kinds[which]);
      tr->nopts = (int)lua_rawlen(L, lt);
      if (tr->nopts == 0) cerr(c, "%s has no options", kinds[which]);
      tr->opts = vt_arena_alloc(c->a, sizeof *tr->opts * (size_t)tr->nopts);
      for (int k = 1; k <= tr->nopts; k++) {
        vt_cond_opt *o = &tr->opts[k - 1];
        if (lua_rawgeti(L, lt, k) != LUA_TTABLE) cerr(c, "%s option %d must be a table", kinds[which], k);
        int ot = lua_gettop(L);
        if (field(c, ot, "condition") != LUA_TNIL) {
          o->cond = vt_arena_alloc(c->a, sizeof *o->cond);
          compile_cond(c, -1, o->cond);
        }
        lua_pop(L, 1);
        o->target = VT_NOSTATE;
        /* a complex option goes to its `transition` when it has one (even
        ** beside an empty `distributions`, as Synthea reads it), else draws
        ** from its distributions */
        if (which == 3 && !has(c, ot, "transition") && field(c, ot, "distributions") != LUA_TNIL) {
          o->dists = compile_dist_list(c, lua_gettop(L), &o->ndists, k);
          lua_pop(L, 1);
        } else {
          o->target = resolve_state(c, req_str(c, ot, "transition"), "transition");
        }
        lua_pop(L, 1);
      }
      break;
    }
    case 4:
      tr->kind = VT_TR_LOOKUP;
      compile_lookup(c, lt, tr);
      break;
    case 5: {
      static const char *const care[VT_CARE__COUNT] = { "ambulatory", "emergency", "telemedicine" };
      tr->kind = VT_TR_TYPE_OF_CARE;
      if (!lua_istable(L, lt)) cerr(c, "type_of_care_transition must be a table {ambulatory=, emergency=, telemedicine=}");
      for (int k = 0; k < VT_CARE__COUNT; k++) {
        const char *target = opt_str(c, lt, care[k]);
        tr->care[k] = target ? resolve_state(c, target, care[k]) : VT_NOSTATE;
      }
      if (tr->care[VT_CARE_AMBULATORY] == VT_NOSTATE) cerr(c, "type_of_care_transition needs an 'ambulatory' target");
      break;
    }
  }
  lua_pop(L, 1);
}

/* A quantity: exact / range / distribution (GMF 2), with its unit.
** `need_unit` for time quantities.  Returns 0 if none is present. */
static int compile_quantity(ctx *c, int st, vt_dist *d, int need_unit, const char *range_name) {
  lua_State *L = c->L;
  memset(d, 0, sizeof *d);
  d->a.fn = d->b.fn = VT_NOFN;
  d->min = d->max = NAN;
  const char *unit = NULL;
  const char *rname = has(c, st, "range") ? "range" : (range_name && has(c, st, range_name)) ? range_name : NULL;
  if (has(c, st, "exact")) {
    if (field(c, st, "exact") != LUA_TTABLE) cerr(c, "field 'exact' must be a table {quantity, unit}");
    int t = lua_gettop(L);
    d->kind = VT_D_EXACT;
    d->a = req_num(c, t, "quantity");
    unit = opt_str(c, t, "unit");
  } else if (rname) {
    if (field(c, st, rname) != LUA_TTABLE) cerr(c, "field '%s' must be a table {low, high, unit}", rname);
    int t = lua_gettop(L);
    d->kind = VT_D_UNIFORM;
    d->a = req_num(c, t, "low");
    d->b = req_num(c, t, "high");
    unit = opt_str(c, t, "unit");
  } else if (has(c, st, "distribution")) {
    if (field(c, st, "distribution") != LUA_TTABLE) cerr(c, "field 'distribution' must be a table {kind, parameters}");
    int t = lua_gettop(L);
    const char *kind = req_str(c, t, "kind");
    d->round = (uint8_t)opt_bool(c, t, "round", 0);
    if (field(c, t, "parameters") != LUA_TTABLE) cerr(c, "distribution needs 'parameters'");
    int pt = lua_gettop(L);
    if (strcmp(kind, "EXACT") == 0) { d->kind = VT_D_EXACT; d->a = req_num(c, pt, "value"); }
    else if (strcmp(kind, "UNIFORM") == 0) { d->kind = VT_D_UNIFORM; d->a = req_num(c, pt, "low"); d->b = req_num(c, pt, "high"); }
    else if (strcmp(kind, "GAUSSIAN") == 0) {
      d->kind = VT_D_GAUSSIAN; d->a = req_num(c, pt, "mean"); d->b = req_num(c, pt, "standardDeviation");
      d->min = opt_num(c, pt, "min", NAN); d->max = opt_num(c, pt, "max", NAN);
    } else if (strcmp(kind, "EXPONENTIAL") == 0) { d->kind = VT_D_EXPONENTIAL; d->a = req_num(c, pt, "mean"); }
    else cerr(c, "unknown distribution kind '%s' (EXACT, UNIFORM, GAUSSIAN, EXPONENTIAL)", kind);
    lua_pop(L, 1);
    unit = opt_str(c, st, "unit");
  } else return 0;
  lua_pop(L, 1);
  if (need_unit) {
    if (!unit) cerr(c, "a time quantity needs a 'unit'");
    d->unit_ms = vt_time_unit_ms(unit);
    if (!d->unit_ms) cerr(c, "unknown time unit '%s'", unit);
    /* constant parameters longer than a life are refused here; computed
    ** ones become "never" at run time (sim/engine.c draw_ms) */
    const char *what = range_name ? range_name : "delay";
    char w[64];
    switch (d->kind) {
      case VT_D_EXACT: case VT_D_UNIFORM:
        if (d->a.fn == VT_NOFN) check_span(c, what, d->a.v, unit, d->unit_ms, 0);
        if (d->kind == VT_D_UNIFORM && d->b.fn == VT_NOFN) check_span(c, what, d->b.v, unit, d->unit_ms, 0);
        break;
      case VT_D_GAUSSIAN:
        snprintf(w, sizeof w, "%s mean", what);
        if (d->a.fn == VT_NOFN) check_span(c, w, d->a.v, unit, d->unit_ms, 1);
        snprintf(w, sizeof w, "%s standard deviation", what);
        if (d->b.fn == VT_NOFN) check_span(c, w, d->b.v, unit, d->unit_ms, 0);
        break;
      case VT_D_EXPONENTIAL:
        snprintf(w, sizeof w, "%s mean", what);
        if (d->a.fn == VT_NOFN) check_span(c, w, d->a.v, unit, d->unit_ms, 0);
        break;
    }
  }
  /* a range with low above high is drawn between the two, as Synthea does
  ** (its chronic_kidney_disease.json has {low = 45, high = 2}) */
  return 1;
}

/* Value of SetAttribute / Observation / VitalSign / Symptom: `value` (or a
** function), a quantity, value_code, value_attribute, series_data, and for
** Observations (allow_refs) attribute, vital_sign and sampled_data. */
/* `expression` (sim/expr.h): compiled once, owned by the module.  1 if present. */
static int compile_expression(ctx *c, int st, vt_state *s) {
  const char *src = opt_str(c, st, "expression");
  if (!src) return 0;
  char msg[256];
  vt_expr *x = vt_expr_compile(src, msg, sizeof msg);
  if (!x) cerr(c, "expression \"%s\": %s", src, msg);
  vt_expr **xs = realloc(c->m->exprs, sizeof *xs * (size_t)(c->m->nexprs + 1));
  if (!xs) { vt_expr_free(x); cerr(c, "out of memory"); }
  c->m->exprs = xs;
  xs[c->m->nexprs++] = x;
  s->expr = x;
  return 1;
}

static void compile_value(ctx *c, int st, vt_state *s, int allow_refs) {
  lua_State *L = c->L;
  int ty = field(c, st, "value");
  if (ty == LUA_TFUNCTION) { s->val_src = VT_VAL_LUA; s->fn = take_fn(c); return; }
  /* Synthea's SetAttribute draws from an expression, a range, series data
  ** or a distribution before it takes a constant `value` (its
  ** State.SetAttribute.process); congestive_heart_failure.json's
  ** "Inpatient LOS" has both a value 0 and an exponential distribution */
  if (ty != LUA_TNIL && s->type == VT_S_SET_ATTRIBUTE &&
      (has(c, st, "distribution") || has(c, st, "range") || has(c, st, "expression") ||
       has(c, st, "series_data") || has(c, st, "seriesData")))
    ty = LUA_TNIL;
  else if (ty != LUA_TNIL) { s->val_src = VT_VAL_CONST; s->value = value_at(c, -1, "value"); lua_pop(L, 1); return; }
  lua_pop(L, 1);
  /* exact = {quantity = "text"}: a text value (Synthea's homelessness.json) */
  if (field(c, st, "exact") == LUA_TTABLE) {
    if (field(c, -1, "quantity") == LUA_TSTRING) {
      s->val_src = VT_VAL_CONST;
      s->value.kind = VT_V_STR;
      s->value.u.s = vt_arena_strdup(c->a, lua_tostring(L, -1));
      lua_pop(L, 2);
      return;
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  if (compile_quantity(c, st, &s->dist, 0, NULL)) { s->val_src = VT_VAL_DIST; return; }
  if ((s->value_code = opt_code(c, st, "value_code"))) { s->val_src = VT_VAL_CODE; return; }
  if ((s->value_attr = opt_str(c, st, "value_attribute"))) { s->val_src = VT_VAL_ATTRIBUTE; return; }
  if (compile_expression(c, st, s)) { s->val_src = VT_VAL_EXPR; return; }
  const char *series = opt_str(c, st, "series_data");
  if (!series) series = opt_str(c, st, "seriesData");
  if (series) {
    s->val_src = VT_VAL_CONST;
    s->value.kind = VT_V_STR;
    s->value.u.s = series;
    return;
  }
  if (allow_refs) {
    const char *a = opt_str(c, st, "attribute");
    if (a) { s->val_src = VT_VAL_ATTRIBUTE; s->value_attr = a; return; }
    const char *v = opt_str(c, st, "vital_sign");
    if (v) { s->val_src = VT_VAL_VITAL; s->vital = v; return; }
    if (field(c, st, "sampled_data") != LUA_TNIL) {
      int t = lua_gettop(L);
      if (!lua_istable(L, t) || field(c, t, "attributes") != LUA_TTABLE)
        cerr(c, "field 'sampled_data' must be a table with a list 'attributes'");
      int at = lua_gettop(L);
      s->nsampled = (int)lua_rawlen(L, at);
      s->sampled = vt_arena_alloc(c->a, sizeof *s->sampled * (size_t)(s->nsampled ? s->nsampled : 1));
      for (int k = 1; k <= s->nsampled; k++) {
        lua_rawgeti(L, at, k);
        s->sampled[k - 1] = tostr_dup(c, -1, "sampled_data.attributes");
        lua_pop(L, 1);
      }
      lua_pop(L, 2);
      s->val_src = VT_VAL_SAMPLED;
      return;
    }
    lua_pop(L, 1);
  }
  s->val_src = VT_VAL_NONE;
}

/* The fields of an Observation: codes, category, unit and a value.  Used for
** Observation states and for the observations of a MultiObservation or
** DiagnosticReport (tables without type or transition). */
static void compile_observation(ctx *c, int t, vt_state *s) {
  s->type = VT_S_OBSERVATION;
  if (!s->codes) s->codes = opt_codes(c, t, "codes", &s->ncodes);
  if (s->ncodes == 0) cerr(c, "an observation needs 'codes'");
  s->category = opt_str(c, t, "category");
  s->unit = opt_str(c, t, "unit");
  compile_value(c, t, s, 1);
  if (s->val_src == VT_VAL_NONE) {
    /* sampled_data and attachment carry data Synthea draws from attribute
    ** series or files; vitae records the observation without a value */
    if (!has(c, t, "sampled_data") && !has(c, t, "attachment"))
      cerr(c, "an observation needs a value: exact, range, distribution, attribute, vital_sign, value_code, expression or value");
  }
}

/* `observations` of a MultiObservation or DiagnosticReport. */
static void compile_observation_list(ctx *c, int st, vt_state *s) {
  lua_State *L = c->L;
  if (field(c, st, "observations") != LUA_TTABLE) cerr(c, "field 'observations' must be a list of observations");
  int lt = lua_gettop(L);
  s->nobs = (int)lua_rawlen(L, lt);
  s->obs = vt_arena_alloc(c->a, sizeof *s->obs * (size_t)(s->nobs ? s->nobs : 1));
  memset(s->obs, 0, sizeof *s->obs * (size_t)(s->nobs ? s->nobs : 1));
  for (int k = 1; k <= s->nobs; k++) {
    if (lua_rawgeti(L, lt, k) != LUA_TTABLE) cerr(c, "observations[%d] must be a table", k);
    vt_state *o = &s->obs[k - 1];
    o->name = s->name;
    o->fn = VT_NOFN;
    o->reason_state = o->ref_state = o->submodule_index = VT_NOSTATE;
    compile_observation(c, lua_gettop(L), o);
    if (!o->category) o->category = s->category;
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

/* One code in field `name` of table t (required). */
static const vt_code *req_code(ctx *c, int t, const char *name) {
  const vt_code *code = opt_code(c, t, name);
  if (!code) cerr(c, "field '%s' is required", name);
  return code;
}

/* Push the list field `name` of the table at t and return its length;
** raise "field 'name' must be a list" when it is not a table, or `empty`
** (what a state needs) when it has no item.  The length fits an int. */
static int req_list(ctx *c, int t, const char *name, const char *empty) {
  if (field(c, t, name) != LUA_TTABLE) cerr(c, "field '%s' must be a list", name);
  size_t n = lua_rawlen(c->L, -1);
  if (n == 0) cerr(c, "%s", empty);
  if (n > INT_MAX / 2) cerr(c, "field '%s' has too many items", name);
  return (int)n;
}

/* ImagingStudy `series`: body_site, modality, instances [{title, sop_class}]. */
static void compile_series(ctx *c, int st, vt_state *s) {
  lua_State *L = c->L;
  s->nimg_series = req_list(c, st, "series", "an ImagingStudy needs at least one series");
  int lt = lua_gettop(L);
  s->img_series = vt_arena_alloc(c->a, sizeof *s->img_series * (size_t)s->nimg_series);
  for (int k = 1; k <= s->nimg_series; k++) {
    if (lua_rawgeti(L, lt, k) != LUA_TTABLE) cerr(c, "series[%d] must be a table", k);
    int t = lua_gettop(L);
    vt_img_series *se = &s->img_series[k - 1];
    se->body_site = req_code(c, t, "body_site");
    se->modality = req_code(c, t, "modality");
    if (field(c, t, "instances") != LUA_TTABLE) cerr(c, "series[%d].instances must be a list", k);
    int it = lua_gettop(L);
    se->ninstances = (int)lua_rawlen(L, it);
    if (se->ninstances == 0) cerr(c, "series[%d] needs at least one instance", k);
    se->instances = vt_arena_alloc(c->a, sizeof *se->instances * (size_t)se->ninstances);
    for (int j = 1; j <= se->ninstances; j++) {
      if (lua_rawgeti(L, it, j) != LUA_TTABLE) cerr(c, "series[%d].instances[%d] must be a table", k, j);
      int jt = lua_gettop(L);
      se->instances[j - 1].title = opt_str(c, jt, "title");
      se->instances[j - 1].sop = req_code(c, jt, "sop_class");
      lua_pop(L, 1);
    }
    lua_pop(L, 2);
  }
  lua_pop(L, 1);
}

/* SupplyList `supplies`: [{quantity, code}]. */
static void compile_supplies(ctx *c, int st, vt_state *s) {
  lua_State *L = c->L;
  s->nsupplies = req_list(c, st, "supplies", "a SupplyList needs at least one supply");
  int lt = lua_gettop(L);
  s->supplies = vt_arena_alloc(c->a, sizeof *s->supplies * (size_t)s->nsupplies);
  for (int k = 1; k <= s->nsupplies; k++) {
    if (lua_rawgeti(L, lt, k) != LUA_TTABLE) cerr(c, "supplies[%d] must be a table {quantity, code}", k);
    int t = lua_gettop(L);
    s->supplies[k - 1].code = req_code(c, t, "code");
    double q = opt_num(c, t, "quantity", 1);
    if (q < 0 || q > 1e9 || q != floor(q)) cerr(c, "supplies[%d].quantity must be a whole number, got %g", k, q);
    s->supplies[k - 1].quantity = (int)q;
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

static void compile_state(ctx *c, int st, vt_state *s) {
  lua_State *L = c->L;
  /* check mode: the prelude's constructor of this state failed and left its
  ** message here (lua/vitae/states.lua, constructor) */
  if (c->rep && field(c, st, "__vt_check_error") == LUA_TSTRING) cerr(c, "%s", lua_tostring(L, -1));
  if (c->rep) lua_pop(L, 1);
  const char *type = req_str(c, st, "type");
  int t = -1;
  for (int k = 0; k < VT_S__COUNT; k++) if (strcmp(type, vt_state_type_names[k]) == 0) t = k;
  if (t < 0) {
    const char *near = vt_suggest_closest(type, vt_state_type_names, VT_S__COUNT);
    if (near) cerr(c, "unknown state type '%s' (did you mean '%s'?)", type, near);
    cerr(c, "unknown state type '%s'", type);
  }
  s->type = (uint8_t)t;
  s->reason_state = s->ref_state = s->submodule_index = VT_NOSTATE;
  s->fn = VT_NOFN;
  s->probability = 1;
  if (t == VT_S_PHYSIOLOGY && has(c, st, "alt_direct_transition")) {
    /* Synthea runs without physiology simulation by default
    ** (physiology.state.enabled = false): the state then goes to its
    ** alt_direct_transition.  vitae has no physiology model and does the same. */
    s->tr.kind = VT_TR_DIRECT;
    s->tr.target = resolve_state(c, req_str(c, st, "alt_direct_transition"), "alt_direct_transition");
    const char *d = opt_str(c, st, "direct_transition");
    if (d) resolve_state(c, d, "direct_transition");
  } else compile_transition(c, st, &s->tr, t == VT_S_TERMINAL);
  s->codes = opt_codes(c, st, "codes", &s->ncodes);
  s->assign_to_attribute = opt_str(c, st, "assign_to_attribute");
  s->target_encounter = opt_str(c, st, "target_encounter");
  if (s->target_encounter && !*s->target_encounter) s->target_encounter = NULL;   /* "" means none */
  s->reason = opt_str(c, st, "reason");
  if (s->reason) s->reason_state = vt_module_find_state(c->m, s->reason);
  static const int need_codes[] = { VT_S_CONDITION_ONSET, VT_S_ALLERGY_ONSET, VT_S_MEDICATION_ORDER,
                                    VT_S_CAREPLAN_START, VT_S_PROCEDURE, VT_S_OBSERVATION, VT_S_VACCINE,
                                    VT_S_MULTI_OBSERVATION, VT_S_DIAGNOSTIC_REPORT };
  for (size_t k = 0; k < sizeof need_codes / sizeof need_codes[0]; k++)
    if (t == need_codes[k] && s->ncodes == 0) cerr(c, "a %s state needs 'codes'", type);
  switch (t) {
    case VT_S_GUARD:
      if (field(c, st, "allow") == LUA_TNIL) cerr(c, "a Guard needs 'allow'");
      s->allow = vt_arena_alloc(c->a, sizeof *s->allow);
      compile_cond(c, -1, s->allow);
      lua_pop(L, 1);
      break;
    case VT_S_DELAY:
      if (!compile_quantity(c, st, &s->dist, 1, NULL)) cerr(c, "a Delay needs 'exact', 'range' or 'distribution'");
      break;
    case VT_S_SET_ATTRIBUTE:
      s->attribute = req_str(c, st, "attribute");
      compile_value(c, st, s, 0);
      break;
    case VT_S_COUNTER: {
      s->attribute = req_str(c, st, "attribute");
      const char *action = req_str(c, st, "action");
      int amount = (int)opt_num(c, st, "amount", 1);
      if (strcmp(action, "increment") == 0) s->amount = amount;
      else if (strcmp(action, "decrement") == 0) s->amount = -amount;
      else cerr(c, "Counter action must be \"increment\" or \"decrement\", got '%s'", action);
      break;
    }
    case VT_S_CALL_SUBMODULE: s->submodule = req_str(c, st, "submodule"); break;
    case VT_S_ENCOUNTER:
      s->wellness = opt_bool(c, st, "wellness", 0);
      s->encounter_class = opt_str(c, st, "encounter_class");
      if (!s->wellness && !s->encounter_class) cerr(c, "an Encounter needs 'encounter_class' or wellness = true");
      if (!s->wellness && s->ncodes == 0) cerr(c, "an Encounter needs 'codes'");
      {
        const char *tp = opt_str(c, st, "telemedicine_possibility");
        if (!tp || strcmp(tp, "none") == 0) s->telemedicine = VT_TELE_NONE;
        else if (strcmp(tp, "possible") == 0) s->telemedicine = VT_TELE_POSSIBLE;
        else if (strcmp(tp, "always") == 0) s->telemedicine = VT_TELE_ALWAYS;
        else cerr(c, "field 'telemedicine_possibility' must be \"none\", \"possible\" or \"always\", got '%s'", tp);
      }
      break;
    case VT_S_CONDITION_END: case VT_S_ALLERGY_END: case VT_S_MEDICATION_END: case VT_S_CAREPLAN_END: {
      const char *by = t == VT_S_CONDITION_END ? "condition_onset" : t == VT_S_ALLERGY_END ? "allergy_onset"
                     : t == VT_S_MEDICATION_END ? "medication_order" : "careplan";
      const char *ref = opt_str(c, st, by);
      if (ref) {
        s->ref_state = resolve_state(c, ref, by);
        int want = t == VT_S_CONDITION_END ? VT_S_CONDITION_ONSET : t == VT_S_ALLERGY_END ? VT_S_ALLERGY_ONSET
                 : t == VT_S_MEDICATION_END ? VT_S_MEDICATION_ORDER : VT_S_CAREPLAN_START;
        if (c->m->states[s->ref_state].type != want)
          cerr(c, "%s '%s' is a state of type %s, not %s", by, ref,
               c->m->states[s->ref_state].type < VT_S__COUNT ? vt_state_type_names[c->m->states[s->ref_state].type] : "not yet compiled",
               vt_state_type_names[want]);
      }
      s->ref_attr = opt_str(c, st, "referenced_by_attribute");
      if (!ref && !s->ref_attr && s->ncodes == 0) cerr(c, "a %s needs '%s', 'referenced_by_attribute' or 'codes'", type, by);
      break;
    }
    case VT_S_ALLERGY_ONSET:
      s->allergy_type = opt_str(c, st, "allergy_type");
      s->category = opt_str(c, st, "category");
      break;
    case VT_S_MEDICATION_ORDER: s->chronic = opt_bool(c, st, "chronic", 0); break;
    case VT_S_CAREPLAN_START: s->activities = opt_codes(c, st, "activities", &s->nactivities); break;
    case VT_S_PROCEDURE: compile_quantity(c, st, &s->dist, 1, "duration"); break;
    case VT_S_OBSERVATION: compile_observation(c, st, s); break;
    case VT_S_MULTI_OBSERVATION: case VT_S_DIAGNOSTIC_REPORT:
      s->category = opt_str(c, st, "category");
      compile_observation_list(c, st, s);
      break;
    case VT_S_IMAGING_STUDY:
      s->procedure_code = req_code(c, st, "procedure_code");
      compile_series(c, st, s);
      break;
    case VT_S_DEVICE:
      if (!s->codes) {
        s->codes = opt_code(c, st, "code");
        s->ncodes = s->codes ? 1 : 0;
      }
      if (!s->codes) cerr(c, "a Device needs 'code'");
      break;
    case VT_S_DEVICE_END: {
      const char *ref = opt_str(c, st, "device");
      /* a `device` naming no state of the module ends nothing, as in
      ** Synthea (its dentures.json ends "Operating room", a state it names
      ** "Operating_room") */
      if (ref) s->ref_state = vt_module_find_state(c->m, ref);
      s->ref_attr = opt_str(c, st, "referenced_by_attribute");
      if (!ref && !s->ref_attr && s->ncodes == 0) cerr(c, "a DeviceEnd needs 'device', 'referenced_by_attribute' or 'codes'");
      break;
    }
    case VT_S_SUPPLY_LIST: compile_supplies(c, st, s); break;
    case VT_S_PHYSIOLOGY:
      c->physiology++;
      break;
    case VT_S_VITAL_SIGN:
      s->vital = req_str(c, st, "vital_sign");
      s->unit = opt_str(c, st, "unit");
      compile_value(c, st, s, 0);
      if (s->val_src == VT_VAL_NONE) cerr(c, "a VitalSign needs exact, range or value");
      break;
    case VT_S_SYMPTOM:
      s->probability = opt_num(c, st, "probability", 1);
      if (s->probability < 0 || s->probability > 1) cerr(c, "field 'probability' must be between 0 and 1, got %g", s->probability);
      s->symptom = req_str(c, st, "symptom");
      s->cause = opt_str(c, st, "cause");
      if (!s->cause) s->cause = c->m->name;
      compile_value(c, st, s, 0);
      if (s->val_src == VT_VAL_NONE) cerr(c, "a Symptom needs exact, range or value");
      break;
    case VT_S_VACCINE: s->series = (int)opt_num(c, st, "series", 1); break;
    case VT_S_DEATH: {
      compile_quantity(c, st, &s->dist, 1, NULL);
      const char *ref = opt_str(c, st, "condition_onset");
      if (ref) s->ref_state = resolve_state(c, ref, "condition_onset");
      s->ref_attr = opt_str(c, st, "referenced_by_attribute");
      break;
    }
    default: break;
  }
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The line in `file` a module-level message gives when the module table
** has none: for JSON (`json`) the line where the value starts, for Lua
** the line of the last unindented `return`, else the last line that is not
** blank; 1 for an empty or unreadable file. */
int vt_module_source_line(const char *file, int json) {
  FILE *f = fopen(file, "rb");
  if (!f) return 1;
  int line = 1, at_start = 1, found = 0, last_text = 0, ch;
  char word[8];
  size_t nw = 0;
  while ((ch = getc(f)) != EOF) {
    if (json) {
      if (ch == '\n') line++;
      else if (ch != ' ' && ch != '\t' && ch != '\r' && ch != 0xEF && ch != 0xBB && ch != 0xBF) { found = line; break; }
      continue;
    }
    if (ch == '\n') { line++; at_start = 1; nw = 0; continue; }
    if (ch != ' ' && ch != '\t' && ch != '\r') last_text = line;
    if (at_start && nw < sizeof word - 1) {
      word[nw++] = (char)ch;
      word[nw] = 0;
      if (nw == 6 && strcmp(word, "return") == 0) {
        int next = getc(f);
        if (next == EOF || next == ' ' || next == '\t' || next == '\n' || next == '\r' || next == '{' || next == '(' || next == '"') found = line;
        if (next != EOF) ungetc(next, f);
        at_start = 0;
      }
    } else at_start = 0;
  }
  fclose(f);
  if (found) return found;
  return last_text ? last_text : 1;
}

/* The line noted by lua/json.c for key `key` of the table at t (an
** integer key: 1 the opening brace, 2 the closing one), or 0. */
static int json_line(ctx *c, int t, const char *key, int ikey) {
  lua_State *L = c->L;
  int line = 0;
  t = lua_absindex(L, t);
  if (!lua_getmetatable(L, t)) return 0;
  if (lua_getfield(L, -1, VT_JSON_LINES) == LUA_TTABLE) {
    if (key) lua_pushstring(L, key); else lua_pushinteger(L, ikey);
    if (lua_rawget(L, -2) == LUA_TNUMBER && lua_isinteger(L, -1) && lua_tointeger(L, -1) > 0 && lua_tointeger(L, -1) < INT_MAX)
      line = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
  }
  lua_pop(L, 2);
  return line;
}

/* Raise a module-level error at the line of key `key` of the table at t
** when known, else at the module's line. */
static void kerr(ctx *c, int t, const char *key, const char *fmt, ...) {
  char msg[512];
  int line = json_line(c, t, key, 0);
  if (line > 0) c->mline = line;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  cerr(c, "%s", msg);
}

/* The fields a module table may have besides its states. */
static const char *const module_fields[] = { "name", "states", "remarks", "gmf_version", "specialty", "line" };

/* The root of module file `file` into c->root (real path) and
** c->root_shown: the first of `roots` whose real path holds the file's,
** else the file's own folder.  0, or -1 (the file's folder cannot be
** resolved; c->root is then the folder as written). */
static int find_root(ctx *c, const char *file, char *const *roots, int nroots) {
  char real[PATH_MAX], dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", file);
  char *slash = strrchr(dir, '/');
  if (slash && slash != dir) *slash = 0; else if (slash) dir[1] = 0; else snprintf(dir, sizeof dir, ".");
  if (!realpath(file, real)) { snprintf(c->root, sizeof c->root, "%s", dir); c->root_shown = file; return -1; }
  for (int i = 0; i < nroots; i++) {
    char r[PATH_MAX];
    if (realpath(roots[i], r) && vt_path_within(real, r)) {
      snprintf(c->root, sizeof c->root, "%s", r);
      c->root_shown = roots[i];
      return 0;
    }
  }
  /* the folder of the file itself (followed if the file is a symlink) */
  slash = strrchr(real, '/');
  if (slash && slash != real) *slash = 0; else if (slash) real[1] = 0;
  snprintf(c->root, sizeof c->root, "%s", real);
  c->root_shown = c->root;
  return 0;
}

vt_module *vt_module_compile(vt_lua *vl, const char *file, const char *path, char *err, size_t errlen) {
  return vt_module_compile_in(vl, file, path, NULL, 0, err, errlen);
}

/* Compile state s from its table in the states table at `states`, with its
** name and line as the place of any error (which unwinds through c->cur). */
static void compile_named_state(ctx *c, int states, vt_state *s) {
  lua_State *L = c->L;
  c->state = s->name;
  c->line = 0;
  lua_getfield(L, states, s->name);
  int st = lua_gettop(L);
  c->line = (int)opt_num(c, st, "line", 0);
  s->line = c->line;
  compile_state(c, st, s);
  lua_settop(L, states);
}

/* Compile the state k of the states table at `states` in check mode: an
** error is recorded in c->rep and leaves the state broken.  0 or -1. */
static int check_state(ctx *c, int states, int k) {
  lua_State *L = c->L;
  vt_state *s = &c->m->states[k];
  jmp_buf jb;
  jmp_buf *outer = c->cur;
  c->cur = &jb;
  if (setjmp(jb)) {
    c->cur = outer;
    const char *name = s->name;
    int line = s->line;
    memset(s, 0, sizeof *s);
    s->name = name;
    s->line = line;
    s->type = VT_S__COUNT;
    s->reason_state = s->ref_state = s->submodule_index = s->tr.target = VT_NOSTATE;
    s->fn = VT_NOFN;
    for (int i = 0; i < VT_CARE__COUNT; i++) s->tr.care[i] = VT_NOSTATE;
    c->cond_depth = 0;
    lua_settop(L, states);
    if (report_add(c->rep, c->eline, 0, name, c->err + c->emsg) != 0) cerr(c, "out of memory");
    return -1;
  }
  compile_named_state(c, states, s);
  c->cur = outer;
  return 0;
}

static void unknown_fields(ctx *c, int states);

static vt_module *compile_module(vt_lua *vl, const char *file, const char *path, char *const *roots, int nroots,
                                 char *err, size_t errlen, vt_load_report *rep) {
  lua_State *L = vl->L;
  int base = lua_gettop(L);          /* the module table is at `base` */
  ctx *c = calloc(1, sizeof *c);
  vt_module *m = calloc(1, sizeof *m);
  if (!c || !m) { free(c); free(m); snprintf(err, errlen, "out of memory"); lua_settop(L, base - 1); return NULL; }
  c->vl = vl; c->L = L; c->file = file; c->err = err; c->errlen = errlen; c->m = m;
  c->a = vt_arena_new();
  m->arena = c->a;
  c->rep = rep;
  readset reads = { NULL, 0, 0 };
  if (rep) c->reads = &reads;
  if (setjmp(c->jb)) {
    if (rep) {
      report_add(rep, c->eline, 0, c->state, c->err + c->emsg);
      free(reads.e);
    }
    free(c->names);
    free(c->refs);
    lua_settop(L, base - 1);
    vt_module_free(m);
    free(c);
    return NULL;
  }
  find_root(c, file, roots, nroots);
  int json = vt_module_is_json(file);
  c->json = json;
  if (!lua_istable(L, base)) {
    c->mline = vt_module_source_line(file, json);
    if (json) cerr(c, "a GMF module must be a JSON object, got %s",
                   lua_type(L, base) == LUA_TLIGHTUSERDATA ? "null" : luaL_typename(L, base));
    cerr(c, "a module file must return a table (got %s)%s", luaL_typename(L, base),
         lua_isnil(L, base) ? "; write `return module \"Name\" { ... }`" : "");
  }
  /* the module's line: `line` (the prelude's module() sets it to the line
  ** of its call), the opening brace of a JSON object, else a guess */
  if (field(c, base, "line") == LUA_TNUMBER && lua_tonumber(L, -1) >= 1 && lua_tonumber(L, -1) < INT_MAX)
    c->mline = (int)lua_tonumber(L, -1);
  lua_pop(L, 1);
  if (!c->mline) c->mline = json_line(c, base, NULL, 1);
  if (!c->mline) c->mline = vt_module_source_line(file, json);
  if (json && !json_line(c, base, NULL, 1)) cerr(c, "a GMF module must be a JSON object, got an array");
  m->file = vt_arena_strdup(c->a, file);
  m->path = vt_arena_strdup(c->a, path);
  m->line = c->mline;
  lua_pushnil(L);
  while (lua_next(L, base)) {
    int known = 0;
    if (lua_type(L, -2) == LUA_TSTRING)
      for (size_t k = 0; k < sizeof module_fields / sizeof module_fields[0]; k++)
        known |= strcmp(lua_tostring(L, -2), module_fields[k]) == 0;
    if (!known) {
      if (lua_type(L, -2) == LUA_TSTRING)
        kerr(c, base, lua_tostring(L, -2), "unknown module field '%s' (a module has name, states, remarks, "
             "gmf_version, specialty; states go inside 'states')", lua_tostring(L, -2));
      cerr(c, "unknown module field %s (a module has name, states, remarks, gmf_version, specialty)",
           luaL_typename(L, -2));
    }
    lua_pop(L, 1);
  }
  if (field(c, base, "name") == LUA_TNIL) cerr(c, "the module has no 'name' (name = \"...\" beside states)");
  lua_pop(L, 1);
  {
    int saved = c->mline, kl = json_line(c, base, "name", 0);
    if (kl > 0) c->mline = kl;
    m->name = req_str(c, base, "name");
    c->mline = saved;
  }
  (void)vt_file_hash(file, m->hash);   /* "0" x 16 when unreadable */
  int sty = field(c, base, "states");
  if (sty != LUA_TTABLE) {
    if (sty == LUA_TNIL) cerr(c, "module '%s' has no 'states' table", m->name);
    kerr(c, base, "states", "module '%s': 'states' must be a table of states, got %s", m->name, luaL_typename(L, -1));
  }
  int states = lua_gettop(L);
  if (json && !json_line(c, states, NULL, 1))
    kerr(c, base, "states", "module '%s': 'states' must be an object of states, got an array", m->name);
  /* collect and sort the state names, so indices do not depend on hashing */
  int n = 0, cap = 64;
  c->names = malloc(sizeof *c->names * (size_t)cap);
  if (!c->names) cerr(c, "out of memory");
  lua_pushnil(L);
  while (lua_next(L, states)) {
    if (lua_type(L, -2) != LUA_TSTRING) cerr(c, "state names must be strings, got %s", luaL_typename(L, -2));
    if (!lua_istable(L, -1))
      kerr(c, states, lua_tostring(L, -2), "state '%s' must be a table, got %s", lua_tostring(L, -2),
           lua_type(L, -1) == LUA_TLIGHTUSERDATA ? "null" : luaL_typename(L, -1));
    if (n == cap) {
      char **nn = realloc(c->names, sizeof *c->names * (size_t)(cap *= 2));
      if (!nn) cerr(c, "out of memory");
      c->names = nn;
    }
    c->names[n++] = vt_arena_strdup(c->a, lua_tostring(L, -2));
    lua_pop(L, 1);
  }
  char **names = c->names;
  qsort(names, (size_t)n, sizeof *names, cmp_str);
  m->nstates = n;
  m->states = vt_arena_alloc(c->a, sizeof *m->states * (size_t)(n ? n : 1));
  for (int k = 0; k < n; k++) m->states[k].name = names[k];
  m->initial = vt_module_find_state(m, "Initial");
  if (m->initial == VT_NOSTATE) kerr(c, base, "states", "module '%s' has no state named 'Initial'", m->name);
  /* every state's type first, so that a state can check the type of a state
  ** it refers to (ConditionEnd -> ConditionOnset) whatever the order */
  for (int k = 0; k < n; k++) {
    m->states[k].type = VT_S__COUNT;
    lua_getfield(L, states, m->states[k].name);
    if (lua_istable(L, -1) && lua_getfield(L, -1, "type") == LUA_TSTRING)
      for (int t = 0; t < VT_S__COUNT; t++)
        if (strcmp(lua_tostring(L, -1), vt_state_type_names[t]) == 0) m->states[k].type = (uint8_t)t;
    lua_settop(L, states);
  }
  /* check mode: every state's line first, so that a message of one state
  ** can name another's */
  for (int k = 0; k < n && rep; k++) {
    lua_getfield(L, states, m->states[k].name);
    if (lua_getfield(L, -1, "line") == LUA_TNUMBER && lua_tonumber(L, -1) >= 1 && lua_tonumber(L, -1) < INT_MAX)
      m->states[k].line = (int)lua_tonumber(L, -1);
    lua_settop(L, states);
  }
  for (int k = 0; k < n; k++) {
    if (rep) check_state(c, states, k);
    else compile_named_state(c, states, &m->states[k]);
  }
  c->state = NULL;
  if (rep) unknown_fields(c, states);
  /* the state named Initial starts the module, whatever its type (a plain
  ** Initial, or e.g. a Simple or Delay as hand-written modules may use) */
  if (m->states[m->initial].type == VT_S_TERMINAL) {
    if (rep) {
      if (report_add(rep, m->states[m->initial].line, 0, "Initial", "the state named Initial cannot be Terminal") != 0)
        cerr(c, "out of memory");
    } else {
      c->state = "Initial";
      c->line = m->states[m->initial].line;
      cerr(c, "the state named Initial cannot be Terminal");
    }
  }
  if (c->physiology && rep) {
    if (report_add(rep, m->line, 1, NULL, "Physiology states are no-ops: vitae has no physiology model, so they "
                   "take their alt_direct_transition, as Synthea does by default") != 0)
      cerr(c, "out of memory");
  } else if (c->physiology) {
    /* said once per process: every worker loads the same modules */
    static int warned;
    if (!warned) {
      warned = 1;
      fprintf(stderr, "vitae: warning: %s: Physiology states are no-ops: vitae has no physiology model, so they "
              "take their alt_direct_transition, as Synthea does by default (physiology.state.enabled = false)\n", file);
    }
  }
  /* the module's code may not keep state from one patient to the next */
  if (vt_lua_seal(vl, c->refs, c->nrefs, file, err, errlen) != 0) {
    if (rep) report_add(rep, m->line, 0, NULL, err);
    free(reads.e);
    free(c->names); free(c->refs); lua_settop(L, base - 1); vt_module_free(m); free(c);
    return NULL;
  }
  free(reads.e);
  free(c->names);
  free(c->refs);
  lua_settop(L, base - 1);
  free(c);
  return m;
}

/* ---- check mode: fields the compiler never read ----------------------- */

/* Keys that document a state rather than configure it, never reported:
** `name` repeats the state's name in modules written with Synthea's module
** builder, `value_set` names the value set a code was taken from. */
static const char *const doc_keys[] = { "type", "line", "remarks", "comment", "comments", "description", "notes",
                                        "name", "value_set" };

/* GMF fields of Synthea's corpus that vitae reads nowhere, on purpose
** (docs/check.md): reported as warnings, once per module and field. */
static const char *const ignored_gmf[] = {
  "prescription", "administration", "number_of_observations", "discharge_disposition", "decimals", "reactions",
  "goals", "min_number_instances", "max_number_instances", "model", "solver", "step_size", "sim_duration",
  "lead_time", "inputs", "outputs",
};

/* The fields vitae reads in some place: one where the compiler did not
** read it is ignored there (a warning; Synthea's corpus has `value` in Age
** conditions, `unit` beside a Procedure's duration, `vital_sign` beside an
** observation's range), any other key is unknown (an error). */
static const char *const gmf_fields[] = {
  "action", "activities", "allergy_type", "allow", "alt_direct_transition", "amount", "assign_to_attribute",
  "attachment", "attribute", "attributes", "body_site", "category", "cause", "chronic", "code", "codes",
  "condition", "condition_onset", "condition_type", "conditions", "date", "day", "default", "default_probability",
  "device", "direct_transition", "display", "distribution", "distributions", "encounter_class", "exact",
  "expression", "gender", "high", "hour", "instances", "kind", "lookup_table_name", "low", "max", "mean",
  "millisecond", "min", "minute", "modality", "month", "observations", "operator", "parameters", "probability",
  "procedure_code", "quantity", "race", "range", "reason", "referenced_by_attribute", "round", "sampled_data",
  "second", "series", "seriesData", "series_data", "since", "sop_class", "standardDeviation", "submodule",
  "supplies", "symptom", "system", "target_encounter", "telemedicine_possibility", "title", "transition", "unit",
  "value", "value_attribute", "value_code", "vital_sign", "wellness", "within", "year", "distributed_transition",
  "conditional_transition", "complex_transition", "lookup_table_transition", "type_of_care_transition",
  "ambulatory", "emergency", "telemedicine", "allergy_onset", "medication_order", "careplan", "minimum",
  "maximum", "duration", "severity",
};

static int in_list(const char *k, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++) if (strcmp(k, list[i]) == 0) return 1;
  return 0;
}

/* Report the keys of the table at t (reached by `path` from state s) that
** the compiler never read, when it read any of them, and go down into the
** tables it holds. */
static void walk_unknown(ctx *c, int t, const vt_state *s, const char *path, const char *what, int depth,
                         readset *seen) {
  lua_State *L = c->L;
  t = lua_absindex(L, t);
  if (depth > 32 || !lua_checkstack(L, 8)) return;
  vt_lua_unview(L, t);
  /* what reads this table: the state, or a condition ("an Age condition") */
  char own[128];
  const char *tn = s->type < VT_S__COUNT ? vt_state_type_names[s->type] : "";
  if (!what) {
    snprintf(own, sizeof own, "%s %s state", strchr("AEIOU", tn[0]) ? "an" : "a", tn);
    what = own;
  }
  lua_pushstring(L, "condition_type");
  if (lua_rawget(L, t) == LUA_TSTRING) {
    const char *ct = lua_tostring(L, -1);
    snprintf(own, sizeof own, "%s %.80s condition", strchr("AEIOU", ct[0]) ? "an" : "a", ct);
    what = own;
  }
  lua_pop(L, 1);
  const void *tp = lua_topointer(L, t);
  if (read_has(seen, tp, NULL)) return;
  if (read_add(seen, tp, NULL) != 0) return;
  int readany = read_has(c->reads, tp, NULL);
  lua_pushnil(L);
  while (lua_next(L, t)) {
    char sub[512];
    if (lua_type(L, -2) == LUA_TSTRING) {
      const char *k = lua_tostring(L, -2);
      if (in_list(k, doc_keys, sizeof doc_keys / sizeof doc_keys[0])) { lua_pop(L, 1); continue; }
      snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", k);
      if (readany && !read_has(c->reads, tp, k)) {
        const char *cand[64];
        int nc = 0;
        for (size_t i = 0; i < c->reads->cap && nc < 64; i++)
          if (c->reads->e[i].t == tp && c->reads->e[i].k) cand[nc++] = c->reads->e[i].k;
        const char *near = vt_suggest_closest(k, cand, nc);
        int ignored = in_list(k, ignored_gmf, sizeof ignored_gmf / sizeof ignored_gmf[0]);
        int elsewhere = !ignored && in_list(k, gmf_fields, sizeof gmf_fields / sizeof gmf_fields[0]);
        char msg[1024];
        if (ignored) {
          /* once per module and field: the first, with a count of the others */
          int seenk = -1;
          for (int i = c->ign_from; i < c->rep->n && seenk < 0; i++)
            if (c->rep->msgs[i].warning == 2 && strcmp(c->rep->msgs[i].key, k) == 0) seenk = i;
          if (seenk >= 0) {
            if (seenk - c->ign_from < c->ign_cap) c->ign_count[seenk - c->ign_from]++;
            lua_pop(L, 1);
            continue;
          }
          snprintf(msg, sizeof msg, "field '%s' is a GMF field vitae ignores", sub);
        } else if (elsewhere)
          snprintf(msg, sizeof msg, "field '%s' is not used by %s here: vitae ignores it", sub, what);
        else if (near)
          snprintf(msg, sizeof msg, "field '%s' is not used by %s (did you mean '%s'?)", sub, what, near);
        else snprintf(msg, sizeof msg, "field '%s' is not used by %s", sub, what);
        if (report_add(c->rep, s->line, ignored ? 2 : elsewhere, s->name, msg) == 0) {
          c->rep->msgs[c->rep->n - 1].key = strdup(k);
          if (ignored) {
            int *ic = realloc(c->ign_count, sizeof *ic * (size_t)(c->rep->n - c->ign_from));
            if (ic) { c->ign_count = ic; c->ign_cap = c->rep->n - c->ign_from; ic[c->ign_cap - 1] = 0; }
          }
        }
        lua_pop(L, 1);
        continue;
      }
    } else if (lua_isinteger(L, -2)) {
      snprintf(sub, sizeof sub, "%s[%lld]", path, (long long)lua_tointeger(L, -2));
    } else { lua_pop(L, 1); continue; }
    if (lua_type(L, -1) == LUA_TTABLE) walk_unknown(c, -1, s, sub, what, depth + 1, seen);
    lua_pop(L, 1);
  }
}

static void unknown_fields(ctx *c, int states) {
  lua_State *L = c->L;
  readset seen = { NULL, 0, 0 };
  c->ign_from = c->rep->n;
  c->ign_count = NULL;
  c->ign_cap = 0;
  for (int k = 0; k < c->m->nstates; k++) {
    const vt_state *s = &c->m->states[k];
    if (s->type >= VT_S__COUNT) continue;   /* broken: it stopped reading at its error */
    lua_getfield(L, states, s->name);
    if (lua_istable(L, -1)) walk_unknown(c, -1, s, "", NULL, 0, &seen);
    lua_settop(L, states);
  }
  for (int i = c->ign_from; i < c->rep->n; i++) {
    vt_load_msg *lm = &c->rep->msgs[i];
    if (lm->warning != 2) continue;
    lm->warning = 1;
    int more = i - c->ign_from < c->ign_cap ? c->ign_count[i - c->ign_from] : 0;
    if (more) {
      size_t len = strlen(lm->text) + 64;
      char *t = malloc(len);
      if (t) {
        snprintf(t, len, "%s (and in %d more state%s of this module)", lm->text, more, more == 1 ? "" : "s");
        free(lm->text);
        lm->text = t;
      }
    }
  }
  free(c->ign_count);
  c->ign_count = NULL;
  free(seen.e);
}

vt_module *vt_module_compile_in(vt_lua *vl, const char *file, const char *path, char *const *roots, int nroots,
                                char *err, size_t errlen) {
  return compile_module(vl, file, path, roots, nroots, err, errlen, NULL);
}

vt_module *vt_module_check_compile(vt_lua *vl, const char *file, const char *path, char *const *roots, int nroots,
                                   vt_load_report *rep) {
  char err[2048];
  return compile_module(vl, file, path, roots, nroots, err, sizeof err, rep);
}

void vt_module_free(vt_module *m) {
  if (!m) return;
  for (int i = 0; i < m->nlookups; i++) vt_lookup_free(m->lookups[i]);
  for (int i = 0; i < m->nexprs; i++) vt_expr_free(m->exprs[i]);
  free(m->lookups);
  free(m->exprs);
  vt_arena_free(m->arena);
  free(m);
}
