/*
** modtest.c -- `vitae test`: module tests in Lua run by the real engine
** (sim/modtest.h, docs/module-tests.md).
**
** Each test file gets its own vt_lua (lua/bridge.h): the safe globals and
** the prelude's helpers as modules see them, read-only, under a fresh
** environment that adds the harness functions below.  simulate{} opens an
** engine (sim/engine.h) on the modules asked for, simulates patients 0..N-1
** with the seed as `vitae run` does, and keeps per patient only a summary
** (mt_patient): sex, birth, death and its cause, per code and table the
** first and last time and the count, the states entered, and with trace the
** states in the order entered.  The queries of the cohort object read that
** summary.  load_module compiles a module in a separate, fresh vt_lua, so
** that sealing its functions (vt_lua_seal) never touches the test's state.
*/
#include "sim/modtest.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "lauxlib.h"
#include "lua/bridge.h"
#include "lua/loader.h"
#include "sim/engine.h"
#include "sim/hash.h"
#include "sim/params.h"
#include "sim/strbuf.h"
#include "sim/vtime.h"

#define COHORT_MT "vitae.cohort"
#define DEFAULT_REFERENCE "2025-01-01"
#define DEFAULT_PATIENTS 1000
#define MAX_PATIENTS 1000000

/* ---- the file being run --------------------------------------------------- */

typedef struct mt_ctx {
  const char *file;         /* the test file as given */
  char dir[4096];           /* its folder ("." if none) */
  FILE *out;
  int passed, failed;
} mt_ctx;

static mt_ctx *ctx_of(lua_State *L) { return lua_touserdata(L, lua_upvalueindex(1)); }

/* Print "#   " before every line of text. */
static void print_detail(FILE *out, const char *text) {
  const char *s = text;
  while (*s) {
    const char *e = strchr(s, '\n');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    fprintf(out, "#   %.*s\n", (int)n, s);
    s += n;
    if (*s == '\n') s++;
  }
}

/* One assertion's line; detail (may be NULL) follows a failure. */
static void report(mt_ctx *c, const char *name, int good, const char *detail) {
  if (good) {
    c->passed++;
    fprintf(c->out, "ok - %s: %s\n", c->file, name);
  } else {
    c->failed++;
    fprintf(c->out, "not ok - %s: %s\n", c->file, name);
    if (detail && *detail) print_detail(c->out, detail);
  }
  fflush(c->out);
}

/* The value at i as text for a message: numbers %.6g, strings quoted. */
static void show_value(lua_State *L, int i, char *buf, size_t len) {
  switch (lua_type(L, i)) {
    case LUA_TNUMBER:
      if (lua_isinteger(L, i)) snprintf(buf, len, "%lld", (long long)lua_tointeger(L, i));
      else snprintf(buf, len, "%.6g", lua_tonumber(L, i));
      break;
    case LUA_TSTRING: snprintf(buf, len, "\"%s\"", lua_tostring(L, i)); break;
    case LUA_TBOOLEAN: snprintf(buf, len, "%s", lua_toboolean(L, i) ? "true" : "false"); break;
    case LUA_TNIL: snprintf(buf, len, "nil"); break;
    default: snprintf(buf, len, "a %s", luaL_typename(L, i)); break;
  }
}

/* The assertion name at argument 1. */
static const char *check_name(lua_State *L, const char *fn) {
  if (lua_type(L, 1) != LUA_TSTRING) luaL_error(L, "%s: the first argument must be the assertion's name (a string)", fn);
  return lua_tostring(L, 1);
}

/* ---- assertions ------------------------------------------------------------ */

/* expect(name, cond [, detail]) -> cond: ok when cond is true (any value but
** false and nil); a failure prints detail (a string or any value) under it. */
static int l_expect(lua_State *L) {
  const char *name = check_name(L, "expect");
  int good = lua_toboolean(L, 2);
  char buf[4096] = "";
  if (!good) {
    if (lua_type(L, 3) == LUA_TSTRING) snprintf(buf, sizeof buf, "expect: %s", lua_tostring(L, 3));
    else if (!lua_isnoneornil(L, 3)) { char v[2048]; show_value(L, 3, v, sizeof v); snprintf(buf, sizeof buf, "expect: %s", v); }
    else { char v[2048]; show_value(L, 2, v, sizeof v); snprintf(buf, sizeof buf, "expect: got %s, expected a true condition", v); }
  }
  report(ctx_of(L), name, good, buf);
  lua_pushboolean(L, good);
  return 1;
}

/* expect_between(name, value, lo, hi) -> bool: ok when lo <= value <= hi. */
static int l_expect_between(lua_State *L) {
  const char *name = check_name(L, "expect_between");
  lua_Number lo = luaL_checknumber(L, 3), hi = luaL_checknumber(L, 4);
  char buf[4096] = "", v[1024];
  int good = lua_type(L, 2) == LUA_TNUMBER && lua_tonumber(L, 2) >= lo && lua_tonumber(L, 2) <= hi;
  if (!good) {
    show_value(L, 2, v, sizeof v);
    snprintf(buf, sizeof buf, "expect_between: got %s, expected between %.6g and %.6g", v, lo, hi);
  }
  report(ctx_of(L), name, good, buf);
  lua_pushboolean(L, good);
  return 1;
}

/* expect_near(name, value, target, tol) -> bool: ok when |value - target| <= tol. */
static int l_expect_near(lua_State *L) {
  const char *name = check_name(L, "expect_near");
  lua_Number target = luaL_checknumber(L, 3), tol = luaL_checknumber(L, 4);
  char buf[4096] = "", v[1024];
  int isnum = lua_type(L, 2) == LUA_TNUMBER;
  lua_Number x = isnum ? lua_tonumber(L, 2) : 0;
  int good = isnum && fabs(x - target) <= tol;
  if (!good) {
    show_value(L, 2, v, sizeof v);
    if (isnum)
      snprintf(buf, sizeof buf, "expect_near: got %s, expected %.6g +/- %.6g (off by %.6g)", v, target, tol, x - target);
    else
      snprintf(buf, sizeof buf, "expect_near: got %s, expected a number near %.6g", v, target);
  }
  report(ctx_of(L), name, good, buf);
  lua_pushboolean(L, good);
  return 1;
}

/* expect_error(name, fn [, text]) -> bool: ok when calling fn() raises an
** error whose message contains text (plain text, not a Lua pattern; any
** error when text is absent). */
static int l_expect_error(lua_State *L) {
  const char *name = check_name(L, "expect_error");
  luaL_checktype(L, 2, LUA_TFUNCTION);
  const char *want = luaL_optstring(L, 3, NULL);
  lua_pushvalue(L, 2);
  int rc = lua_pcall(L, 0, 0, 0);
  char buf[4096] = "";
  int good;
  if (rc == LUA_OK) {
    good = 0;
    snprintf(buf, sizeof buf, "expect_error: got no error, expected an error%s%s%s", want ? " containing \"" : "",
             want ? want : "", want ? "\"" : "");
  } else {
    const char *msg = lua_tostring(L, -1);
    if (!msg) msg = "(error object is not a string)";
    good = !want || strstr(msg, want) != NULL;
    if (!good) snprintf(buf, sizeof buf, "expect_error: got error \"%s\", expected one containing \"%s\"", msg, want);
    lua_pop(L, 1);
  }
  report(ctx_of(L), name, good, buf);
  lua_pushboolean(L, good);
  return 1;
}

/* Deep comparison of the values at a and b (plain values and tables, read
** raw; views of the prelude's shared tables are seen through).  1 if the
** same, else 0 with where (a path such as value.codes[1].code) and why. */
static int same_value(lua_State *L, int a, int b, char *where, size_t wlen, char *why, size_t ylen, int depth) {
  a = lua_absindex(L, a); b = lua_absindex(L, b);
  if (depth > 50) { snprintf(why, ylen, "nested more than 50 deep"); return 0; }
  if (lua_type(L, a) != lua_type(L, b) || lua_type(L, a) != LUA_TTABLE) {
    if (lua_type(L, a) == LUA_TTABLE || lua_type(L, b) == LUA_TTABLE || !lua_rawequal(L, a, b)) {
      char va[512], vb[512];
      show_value(L, a, va, sizeof va); show_value(L, b, vb, sizeof vb);
      snprintf(why, ylen, "got %s, expected %s", va, vb);
      return 0;
    }
    return 1;
  }
  lua_pushvalue(L, a); vt_lua_unview(L, -1);
  lua_pushvalue(L, b); vt_lua_unview(L, -1);
  int ta = lua_gettop(L) - 1, tb = lua_gettop(L);
  size_t wl = strlen(where);
  for (int pass = 0; pass < 2; pass++) {       /* keys of a in b, then keys of b missing in a */
    int from = pass ? tb : ta, other = pass ? ta : tb;
    lua_pushnil(L);
    while (lua_next(L, from)) {
      if (lua_type(L, -2) == LUA_TNUMBER) snprintf(where + wl, wlen - wl, "[%lld]", (long long)lua_tointeger(L, -2));
      else if (lua_type(L, -2) == LUA_TSTRING) snprintf(where + wl, wlen - wl, ".%s", lua_tostring(L, -2));
      else snprintf(where + wl, wlen - wl, "[?]");
      lua_pushvalue(L, -2);
      lua_rawget(L, other);
      int good;
      if (pass == 0) good = same_value(L, -2, -1, where, wlen, why, ylen, depth + 1);
      else {
        good = !lua_isnil(L, -1);
        if (!good) { char vb[512]; show_value(L, -2, vb, sizeof vb); snprintf(why, ylen, "got nil, expected %s", vb); }
      }
      lua_pop(L, 2);
      if (!good) {
        lua_pop(L, 3);
        return 0;
      }
    }
    where[wl] = 0;
  }
  lua_pop(L, 2);
  return 1;
}

/* expect_same(name, got, want) -> bool: ok when got and want are equal,
** tables compared deeply (key by key); a failure names the first place
** they differ. */
static int l_expect_same(lua_State *L) {
  const char *name = check_name(L, "expect_same");
  lua_settop(L, 3);
  char where[1024] = "value", why[1200] = "", buf[2400] = "";
  int good = same_value(L, 2, 3, where, sizeof where, why, sizeof why, 0);
  if (!good) snprintf(buf, sizeof buf, "expect_same: at %s: %s", where, why);
  report(ctx_of(L), name, good, buf);
  lua_pushboolean(L, good);
  return 1;
}

/* ---- statistics --------------------------------------------------------------- */

/* The numbers of the array at i, into a malloc'd array (*n of them). */
static double *numbers_of(lua_State *L, int i, const char *fn, size_t *n) {
  luaL_checktype(L, i, LUA_TTABLE);
  size_t k = (size_t)lua_rawlen(L, i);
  double *v = vt_xmalloc((k ? k : 1) * sizeof *v);
  for (size_t j = 0; j < k; j++) {
    lua_rawgeti(L, i, (lua_Integer)j + 1);
    if (lua_type(L, -1) != LUA_TNUMBER) { free(v); lua_pop(L, 1); luaL_error(L, "%s: item %d is not a number", fn, (int)j + 1); }
    v[j] = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  *n = k;
  return v;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* mean(xs) -> the mean of the numbers in array xs, nil for an empty array. */
static int l_mean(lua_State *L) {
  size_t n;
  double *v = numbers_of(L, 1, "mean", &n), s = 0;
  for (size_t i = 0; i < n; i++) s += v[i];
  free(v);
  if (n == 0) lua_pushnil(L); else lua_pushnumber(L, s / (double)n);
  return 1;
}

/* sd(xs) -> the sample standard deviation of xs (n - 1), nil below 2 items. */
static int l_sd(lua_State *L) {
  size_t n;
  double *v = numbers_of(L, 1, "sd", &n), s = 0, ss = 0;
  for (size_t i = 0; i < n; i++) s += v[i];
  double m = n ? s / (double)n : 0;
  for (size_t i = 0; i < n; i++) ss += (v[i] - m) * (v[i] - m);
  free(v);
  if (n < 2) lua_pushnil(L); else lua_pushnumber(L, sqrt(ss / (double)(n - 1)));
  return 1;
}

/* quantile(xs, q) -> the q-quantile (0 <= q <= 1) of xs, linear between
** order statistics (R's type 7: quantile(xs, 0.5) is the median); nil for
** an empty array.  xs need not be sorted. */
static int l_quantile(lua_State *L) {
  size_t n;
  lua_Number q = luaL_checknumber(L, 2);
  if (!(q >= 0 && q <= 1)) return luaL_error(L, "quantile: q must be between 0 and 1, got %f", q);
  double *v = numbers_of(L, 1, "quantile", &n);
  if (n == 0) { free(v); lua_pushnil(L); return 1; }
  qsort(v, n, sizeof *v, cmp_double);
  double h = (double)(n - 1) * q;
  size_t lo = (size_t)floor(h);
  double r = lo + 1 < n ? v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]) : v[lo];
  free(v);
  lua_pushnumber(L, r);
  return 1;
}

/* binomial_se(p, n) -> sqrt(p (1 - p) / n): the standard error of a share
** p measured on n patients, to size the tolerance of a prevalence check. */
static int l_binomial_se(lua_State *L) {
  lua_Number p = luaL_checknumber(L, 1), n = luaL_checknumber(L, 2);
  if (!(p >= 0 && p <= 1) || !(n > 0)) return luaL_error(L, "binomial_se: needs 0 <= p <= 1 and n > 0");
  lua_pushnumber(L, sqrt(p * (1 - p) / n));
  return 1;
}

/* ---- the cohort ------------------------------------------------------------------ */

typedef struct mt_pcode { int32_t code; uint8_t table; int32_t count; vt_time first, last; } mt_pcode;
typedef struct mt_step { int32_t state; vt_time t; } mt_step;
typedef struct mt_patient {
  char sex;
  vt_time birth, death;     /* death VT_NO_TIME if alive at the reference date */
  int32_t cause;            /* code id of the cause of death, -1 if none */
  size_t code0, ent0, step0;
  uint32_t ncode, nent, nstep;
} mt_patient;
typedef struct mt_module { char *name, *path, *file; int state0, nstates, submodule; } mt_module;
typedef struct mt_state { int module; char *name; const char *type; int line; } mt_state;

typedef struct mt_cohort {
  int64_t n;
  uint64_t seed;
  vt_time reference;
  int trace;
  mt_patient *pats;
  mt_pcode *pc; size_t npc, cappc;
  int32_t *ents; size_t nents, capents;
  mt_step *steps; size_t nsteps, capsteps;
  /* codes: id -> system, code, display; "SYSTEM\tCODE" -> id */
  vt_strmap codemap;
  char **csys, **ccode, **cdisp; size_t ncodes, capcodes;
  mt_module *mods; int nmods;
  mt_state *states; int nstates;
} mt_cohort;

static void cohort_free(mt_cohort *c) {
  free(c->pats); free(c->pc); free(c->ents); free(c->steps);
  for (size_t i = 0; i < c->ncodes; i++) { free(c->csys[i]); free(c->ccode[i]); free(c->cdisp[i]); }
  free(c->csys); free(c->ccode); free(c->cdisp);
  vt_strmap_free(&c->codemap);
  for (int i = 0; i < c->nmods; i++) { free(c->mods[i].name); free(c->mods[i].path); free(c->mods[i].file); }
  free(c->mods);
  for (int i = 0; i < c->nstates; i++) free(c->states[i].name);
  free(c->states);
  memset(c, 0, sizeof *c);
}

static int l_cohort_gc(lua_State *L) {
  cohort_free(luaL_checkudata(L, 1, COHORT_MT));
  return 0;
}

/* The id of code k, added if new. */
static int32_t code_id(mt_cohort *c, const vt_code *k) {
  const char *sys = k->system ? k->system : "", *code = k->code ? k->code : "";
  char key[1024];
  int len = snprintf(key, sizeof key, "%s\t%s", sys, code);
  if (len >= (int)sizeof key) len = (int)sizeof key - 1;
  int added = 0;
  long i = vt_strmap_add(&c->codemap, key, (size_t)len, &added);
  if (i < 0) { fprintf(stderr, "vitae: out of memory\n"); abort(); }
  if (added) {
    if (c->ncodes == c->capcodes) {
      c->capcodes = c->capcodes ? c->capcodes * 2 : 256;
      c->csys = vt_xrealloc(c->csys, c->capcodes * sizeof *c->csys);
      c->ccode = vt_xrealloc(c->ccode, c->capcodes * sizeof *c->ccode);
      c->cdisp = vt_xrealloc(c->cdisp, c->capcodes * sizeof *c->cdisp);
    }
    c->csys[c->ncodes] = vt_xstrdup(sys);
    c->ccode[c->ncodes] = vt_xstrdup(code);
    c->cdisp[c->ncodes] = vt_xstrdup(k->display ? k->display : "");
    *vt_strmap_value(&c->codemap, (size_t)i) = c->ncodes++;
  }
  return (int32_t)*vt_strmap_value(&c->codemap, (size_t)i);
}

static void add_known_code(const vt_code *k, void *ud) { code_id(ud, k); }

/* The code ids `spec` names ("44054006": that code in any system;
** "SNOMED-CT:44054006": in that system, case-insensitively) into a new
** array *ids; their count.  Raises an error when no module of the cohort
** writes such a code (a typo would otherwise read as prevalence 0). */
static int code_ids(lua_State *L, mt_cohort *c, const char *fn, const char *spec, int32_t **ids) {
  const char *colon = strrchr(spec, ':');
  size_t syslen = colon ? (size_t)(colon - spec) : 0;
  const char *code = colon ? colon + 1 : spec;
  int n = 0;
  *ids = vt_xmalloc((c->ncodes ? c->ncodes : 1) * sizeof **ids);
  for (size_t i = 0; i < c->ncodes; i++) {
    if (strcmp(c->ccode[i], code) != 0) continue;
    if (colon && (strlen(c->csys[i]) != syslen || strncasecmp(c->csys[i], spec, syslen) != 0)) continue;
    (*ids)[n++] = (int32_t)i;
  }
  if (n == 0) {
    free(*ids);
    *ids = NULL;
    luaL_error(L, "%s: no module of this cohort records code %s", fn, spec);
  }
  return n;
}

/* The table argument at i (a native table name such as "conditions"), or
** -1 for any table when absent. */
static int table_arg(lua_State *L, int i, const char *fn) {
  if (lua_isnoneornil(L, i)) return -1;
  const char *name = luaL_checkstring(L, i);
  for (int t = 0; t < VT_T_TRACE; t++)
    if (!strcmp(vt_table_names[t], name)) return t;
  vt_sbuf b = {0};
  for (int t = 0; t < VT_T_TRACE; t++) vt_sb_printf(&b, "%s%s", t ? ", " : "", vt_table_names[t]);
  lua_pushfstring(L, "%s: unknown table \"%s\" (one of: %s)", fn, name, b.p ? b.p : "");
  free(b.p);
  return luaL_error(L, "%s", lua_tostring(L, -1));
}

/* Does pcode e match ids[0..n) and table (-1 any)? */
static int pcode_matches(const mt_pcode *e, const int32_t *ids, int n, int table) {
  if (table >= 0 && e->table != table) return 0;
  for (int i = 0; i < n; i++) if (ids[i] == e->code) return 1;
  return 0;
}

/* Patient p's first time and total count of the codes (VT_NO_TIME / 0 if none). */
static vt_time first_time(const mt_cohort *c, const mt_patient *p, const int32_t *ids, int n, int table, int64_t *count) {
  vt_time first = VT_NO_TIME;
  int64_t k = 0;
  for (uint32_t j = 0; j < p->ncode; j++) {
    const mt_pcode *e = &c->pc[p->code0 + j];
    if (!pcode_matches(e, ids, n, table)) continue;
    if (first == VT_NO_TIME || e->first < first) first = e->first;
    k += e->count;
  }
  if (count) *count = k;
  return first;
}

static double years_between(vt_time a, vt_time b) { return (double)(b - a) / (double)VT_MS_YEAR; }

/* Patients with the code (in `table` only, -1 any) into *pats and their
** records into *recs; errors name the method fn. */
static void count_code(lua_State *L, mt_cohort *c, const char *fn, int64_t *pats, int64_t *recs) {
  const char *spec = luaL_checkstring(L, 2);
  int table = table_arg(L, 3, fn);
  int32_t *ids;
  int n = code_ids(L, c, fn, spec, &ids);
  *pats = *recs = 0;
  for (int64_t i = 0; i < c->n; i++) {
    int64_t k;
    if (first_time(c, &c->pats[i], ids, n, table, &k) != VT_NO_TIME) { (*pats)++; *recs += k; }
  }
  free(ids);
}

/* c:count(code [, table]) -> number of patients with the code recorded at
** least once (in that native table only, when given), and the number of
** records in all. */
static int l_count(lua_State *L) {
  mt_cohort *c = luaL_checkudata(L, 1, COHORT_MT);
  int64_t pats, recs;
  count_code(L, c, "count", &pats, &recs);
  lua_pushinteger(L, pats);
  lua_pushinteger(L, recs);
  return 2;
}

/* c:prevalence(code [, table]) -> share of the cohort's patients with the
** code recorded at least once (0..1), and that number of patients. */
static int l_prevalence(lua_State *L) {
  mt_cohort *c = luaL_checkudata(L, 1, COHORT_MT);
  int64_t pats, recs;
  count_code(L, c, "prevalence", &pats, &recs);
  lua_pushnumber(L, c->n ? (double)pats / (double)c->n : 0);
  lua_pushinteger(L, pats);
  return 2;
}

/* c:onset_ages(code [, table]) -> the ages in years (fractional) at which
** patients first had the code recorded, one per patient who has it, sorted. */
static int l_onset_ages(lua_State *L) {
  mt_cohort *c = luaL_checkudata(L, 1, COHORT_MT);
  const char *spec = luaL_checkstring(L, 2);
  int table = table_arg(L, 3, "onset_ages");
  int32_t *ids;
  int n = code_ids(L, c, "onset_ages", spec, &ids);
  double *ages = vt_xmalloc((size_t)(c->n ? c->n : 1) * sizeof *ages);
  size_t k = 0;
  for (int64_t i = 0; i < c->n; i++) {
    vt_time t = first_time(c, &c->pats[i], ids, n, table, NULL);
    if (t != VT_NO_TIME) ages[k++] = years_between(c->pats[i].birth, t);
  }
  free(ids);
  qsort(ages, k, sizeof *ages, cmp_double);
  lua_createtable(L, (int)k, 0);
  for (size_t i = 0; i < k; i++) { lua_pushnumber(L, ages[i]); lua_rawseti(L, -2, (lua_Integer)i + 1); }
  free(ages);
  return 1;
}

/* The module of the cohort named `name` (its GMF name or its path). */
static int find_module(lua_State *L, mt_cohort *c, const char *fn, const char *name) {
  for (int i = 0; i < c->nmods; i++)
    if (!strcmp(c->mods[i].path, name)) return i;
  for (int i = 0; i < c->nmods; i++)
    if (!strcmp(c->mods[i].name, name)) return i;
  vt_sbuf b = {0};
  for (int i = 0; i < c->nmods && i < 40; i++) vt_sb_printf(&b, "%s%s", i ? ", " : "", c->mods[i].path);
  lua_pushfstring(L, "%s: no module \"%s\" in this cohort (its modules: %s)", fn, name, b.p ? b.p : "none");
  free(b.p);
  return luaL_error(L, "%s", lua_tostring(L, -1));
}

/* The global state id of state `name` of module m. */
static int find_state(lua_State *L, mt_cohort *c, const char *fn, int m, const char *name) {
  for (int s = 0; s < c->mods[m].nstates; s++)
    if (!strcmp(c->states[c->mods[m].state0 + s].name, name)) return c->mods[m].state0 + s;
  return luaL_error(L, "%s: module \"%s\" has no state \"%s\"", fn, c->mods[m].path, name);
}

/* c:entered(module, state) -> share of patients who entered the state at
** least once (0..1), and their number.  module: the module's path
** ("asthma", "medications/otc_pain") or its name ("Asthma"). */
static int l_entered(lua_State *L) {
  mt_cohort *c = luaL_checkudata(L, 1, COHORT_MT);
  int m = find_module(L, c, "entered", luaL_checkstring(L, 2));
  int s = find_state(L, c, "entered", m, luaL_checkstring(L, 3));
  int64_t k = 0;
  for (int64_t i = 0; i < c->n; i++) {
    const mt_patient *p = &c->pats[i];
    for (uint32_t j = 0; j < p->nent; j++) if (c->ents[p->ent0 + j] == s) { k++; break; }
  }
  lua_pushnumber(L, c->n ? (double)k / (double)c->n : 0);
  lua_pushinteger(L, k);
  return 2;
}

/* c:path_share(module, {"A", "B", ...}) -> share of patients whose states in
** the module, in the order entered, contain A, later B, ... (not
** necessarily one right after the other), and their number.  Needs a
** cohort simulated with trace = true. */
static int l_path_share(lua_State *L) {
  mt_cohort *c = luaL_checkudata(L, 1, COHORT_MT);
  if (!c->trace) return luaL_error(L, "path_share: needs a cohort simulated with trace = true");
  int m = find_module(L, c, "path_share", luaL_checkstring(L, 2));
  luaL_checktype(L, 3, LUA_TTABLE);
  int len = (int)lua_rawlen(L, 3);
  if (len < 1) return luaL_error(L, "path_share: the path needs at least one state");
  int *want = vt_xmalloc((size_t)len * sizeof *want);
  for (int i = 0; i < len; i++) {
    lua_rawgeti(L, 3, i + 1);
    if (lua_type(L, -1) != LUA_TSTRING) { free(want); return luaL_error(L, "path_share: item %d is not a state name", i + 1); }
    const char *nm = lua_tostring(L, -1);
    int s = -1;
    for (int k = 0; k < c->mods[m].nstates; k++)
      if (!strcmp(c->states[c->mods[m].state0 + k].name, nm)) s = c->mods[m].state0 + k;
    lua_pop(L, 1);
    if (s < 0) { free(want); return luaL_error(L, "path_share: module \"%s\" has no state \"%s\"", c->mods[m].path, nm); }
    want[i] = s;
  }
  int64_t k = 0;
  for (int64_t i = 0; i < c->n; i++) {
    const mt_patient *p = &c->pats[i];
    int at = 0;
    for (uint32_t j = 0; j < p->nstep && at < len; j++)
      if (c->steps[p->step0 + j].state == want[at]) at++;
    if (at == len) k++;
  }
  free(want);
  lua_pushnumber(L, c->n ? (double)k / (double)c->n : 0);
  lua_pushinteger(L, k);
  return 2;
}

/* c:deaths([code]) -> number of patients who died before the reference
** date (of that cause only, when a code is given), and that share. */
static int l_deaths(lua_State *L) {
  mt_cohort *c = luaL_checkudata(L, 1, COHORT_MT);
  int32_t *ids = NULL;
  int n = lua_isnoneornil(L, 2) ? 0 : code_ids(L, c, "deaths", luaL_checkstring(L, 2), &ids);
  int64_t k = 0;
  for (int64_t i = 0; i < c->n; i++) {
    const mt_patient *p = &c->pats[i];
    if (p->death == VT_NO_TIME) continue;
    if (ids) {
      int hit = 0;
      for (int j = 0; j < n; j++) if (ids[j] == p->cause) hit = 1;
      if (!hit) continue;
    }
    k++;
  }
  free(ids);
  lua_pushinteger(L, k);
  lua_pushnumber(L, c->n ? (double)k / (double)c->n : 0);
  return 2;
}

/* "SYSTEM:CODE" of code id i on the stack. */
static void push_code_key(lua_State *L, const mt_cohort *c, int32_t i) {
  lua_pushfstring(L, "%s:%s", c->csys[i], c->ccode[i]);
}

static void push_date(lua_State *L, vt_time t) {
  char d[11];
  vt_time_format_date(t, d);
  lua_pushstring(L, d);
}

/* c:patients() -> an array of plain tables, one per patient in index order:
**   { index = 0.., sex = "M"|"F", birth = "YYYY-MM-DD", death = date or nil,
**     age = years at death or at the reference date, cause = "SYS:CODE" or nil,
**     codes = { ["SYS:CODE"] = { count, first_age, last_age, first, last
**               (dates), display, tables = { "conditions", ... } } },
**     entered = { ["module/State"] = true, ... },
**     states = { {module = path, state = name, age = years}, ... } (trace only) } */
static int l_patients(lua_State *L) {
  mt_cohort *c = luaL_checkudata(L, 1, COHORT_MT);
  lua_createtable(L, (int)c->n, 0);
  for (int64_t i = 0; i < c->n; i++) {
    const mt_patient *p = &c->pats[i];
    lua_createtable(L, 0, 10);
    lua_pushinteger(L, i); lua_setfield(L, -2, "index");
    lua_pushlstring(L, &p->sex, 1); lua_setfield(L, -2, "sex");
    push_date(L, p->birth); lua_setfield(L, -2, "birth");
    vt_time end = p->death != VT_NO_TIME ? p->death : c->reference;
    if (p->death != VT_NO_TIME) { push_date(L, p->death); lua_setfield(L, -2, "death"); }
    lua_pushnumber(L, years_between(p->birth, end)); lua_setfield(L, -2, "age");
    if (p->cause >= 0) { push_code_key(L, c, p->cause); lua_setfield(L, -2, "cause"); }
    lua_newtable(L);
    for (uint32_t j = 0; j < p->ncode; j++) {
      const mt_pcode *e = &c->pc[p->code0 + j];
      push_code_key(L, c, e->code);
      lua_pushvalue(L, -1);
      if (lua_rawget(L, -3) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_createtable(L, 0, 8);
        lua_pushinteger(L, 0); lua_setfield(L, -2, "count");
        lua_pushstring(L, c->cdisp[e->code]); lua_setfield(L, -2, "display");
        lua_newtable(L); lua_setfield(L, -2, "tables");
        lua_pushvalue(L, -2); lua_pushvalue(L, -2); lua_rawset(L, -5);
      }
      lua_getfield(L, -1, "count");
      lua_Integer cnt = lua_tointeger(L, -1) + e->count;
      lua_pop(L, 1);
      lua_pushinteger(L, cnt); lua_setfield(L, -2, "count");
      lua_getfield(L, -1, "first_age");
      double fa = years_between(p->birth, e->first), la = years_between(p->birth, e->last);
      int newfirst = lua_isnil(L, -1) || lua_tonumber(L, -1) > fa;
      lua_pop(L, 1);
      if (newfirst) {
        lua_pushnumber(L, fa); lua_setfield(L, -2, "first_age");
        push_date(L, e->first); lua_setfield(L, -2, "first");
      }
      lua_getfield(L, -1, "last_age");
      int newlast = lua_isnil(L, -1) || lua_tonumber(L, -1) < la;
      lua_pop(L, 1);
      if (newlast) {
        lua_pushnumber(L, la); lua_setfield(L, -2, "last_age");
        push_date(L, e->last); lua_setfield(L, -2, "last");
      }
      lua_getfield(L, -1, "tables");
      lua_pushstring(L, vt_table_names[e->table]);
      lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
      lua_pop(L, 3);
    }
    lua_setfield(L, -2, "codes");
    lua_newtable(L);
    for (uint32_t j = 0; j < p->nent; j++) {
      const mt_state *s = &c->states[c->ents[p->ent0 + j]];
      lua_pushfstring(L, "%s/%s", c->mods[s->module].path, s->name);
      lua_pushboolean(L, 1);
      lua_rawset(L, -3);
    }
    lua_setfield(L, -2, "entered");
    if (c->trace) {
      lua_createtable(L, (int)p->nstep, 0);
      for (uint32_t j = 0; j < p->nstep; j++) {
        const mt_step *st = &c->steps[p->step0 + j];
        const mt_state *s = &c->states[st->state];
        lua_createtable(L, 0, 3);
        lua_pushstring(L, c->mods[s->module].path); lua_setfield(L, -2, "module");
        lua_pushstring(L, s->name); lua_setfield(L, -2, "state");
        lua_pushnumber(L, years_between(p->birth, st->t)); lua_setfield(L, -2, "age");
        lua_rawseti(L, -2, (lua_Integer)j + 1);
      }
      lua_setfield(L, -2, "states");
    }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* c:modules() -> an array of { name, path, file, submodule = bool,
** states = { "Initial", ... } } for every module the cohort loaded, the
** top-level ones first. */
static int l_modules(lua_State *L) {
  mt_cohort *c = luaL_checkudata(L, 1, COHORT_MT);
  lua_createtable(L, c->nmods, 0);
  for (int i = 0; i < c->nmods; i++) {
    const mt_module *m = &c->mods[i];
    lua_createtable(L, 0, 5);
    lua_pushstring(L, m->name); lua_setfield(L, -2, "name");
    lua_pushstring(L, m->path); lua_setfield(L, -2, "path");
    lua_pushstring(L, m->file); lua_setfield(L, -2, "file");
    lua_pushboolean(L, m->submodule); lua_setfield(L, -2, "submodule");
    lua_createtable(L, m->nstates, 0);
    for (int s = 0; s < m->nstates; s++) { lua_pushstring(L, c->states[m->state0 + s].name); lua_rawseti(L, -2, s + 1); }
    lua_setfield(L, -2, "states");
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* Fields and methods of a cohort: c.n (patients), c.seed, c.trace. */
static int l_cohort_index(lua_State *L) {
  mt_cohort *c = luaL_checkudata(L, 1, COHORT_MT);
  const char *k = luaL_checkstring(L, 2);
  if (!strcmp(k, "n")) { lua_pushinteger(L, c->n); return 1; }
  if (!strcmp(k, "seed")) { lua_pushinteger(L, (lua_Integer)c->seed); return 1; }
  if (!strcmp(k, "trace")) { lua_pushboolean(L, c->trace); return 1; }
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  return luaL_error(L, "a cohort has no field or method \"%s\" (see docs/module-tests.md)", k);
}

/* ---- simulate ------------------------------------------------------------------ */

/* Grow *p (an array of *cap items of size sz) to hold n + 1. */
static void *grow(void *p, size_t n, size_t *cap, size_t sz) {
  if (n < *cap) return p;
  *cap = *cap ? *cap * 2 : 1024;
  return vt_xrealloc(p, *cap * sz);
}

/* Keep the summary of the patient just simulated by e as c->pats[i]. */
static void keep_patient(mt_cohort *c, vt_engine *e, int64_t i, vt_idmap *modmap, int32_t **slot, size_t *nslot) {
  vt_record *r = &e->p.rec;
  mt_patient *p = &c->pats[i];
  p->sex = r->person.gender;
  p->birth = r->person.birth;
  p->death = r->person.death;
  p->cause = r->person.death_cause && p->death != VT_NO_TIME ? code_id(c, r->person.death_cause) : -1;
  p->code0 = c->npc; p->ncode = 0;
  p->step0 = c->nsteps; p->nstep = 0;
  for (size_t k = 0; k < r->nrows; k++) {
    const vt_row *row = &r->rows[k];
    if (row->table == VT_T_TRACE) {
      uint64_t mi;
      if (!vt_idmap_get(modmap, (int64_t)(intptr_t)row->module, &mi)) continue;
      const vt_module *m = vt_engine_module(e, (int)mi);
      int s = vt_module_find_state(m, row->state);
      if (s == VT_NOSTATE) continue;
      c->steps = grow(c->steps, c->nsteps, &c->capsteps, sizeof *c->steps);
      c->steps[c->nsteps++] = (mt_step){ c->mods[mi].state0 + s, row->start };
      p->nstep++;
      continue;
    }
    if (!row->code) continue;
    int32_t id = code_id(c, row->code);
    size_t key = (size_t)id * VT_T__COUNT + row->table;
    if (key >= *nslot) {
      size_t n = (key + 1) * 2;
      *slot = vt_xrealloc(*slot, n * sizeof **slot);
      for (size_t j = *nslot; j < n; j++) (*slot)[j] = -1;
      *nslot = n;
    }
    int32_t at = (*slot)[key];
    if (at < 0 || (size_t)at < p->code0 || (size_t)at >= c->npc) {
      c->pc = grow(c->pc, c->npc, &c->cappc, sizeof *c->pc);
      c->pc[c->npc] = (mt_pcode){ id, row->table, 0, row->start, row->start };
      (*slot)[key] = (int32_t)c->npc;   /* valid while at >= p->code0: this patient's */
      at = (int32_t)c->npc++;
      p->ncode++;
    }
    mt_pcode *pc = &c->pc[at];
    pc->count++;
    if (row->start < pc->first) pc->first = row->start;
    if (row->start > pc->last) pc->last = row->start;
  }
  p->ent0 = c->nents; p->nent = 0;
  for (int mi = 0; mi < c->nmods; mi++) {
    const vt_module *m = vt_engine_module(e, mi);
    int off = e->p.hist.offset[m->index];
    for (int s = 0; s < m->nstates; s++) {
      if (e->p.hist.entered[off + s] == VT_NO_TIME) continue;
      c->ents = grow(c->ents, c->nents, &c->capents, sizeof *c->ents);
      c->ents[c->nents++] = c->mods[mi].state0 + s;
      p->nent++;
    }
  }
}

static int cmp_param(const void *a, const void *b) {
  return strcmp(((const vt_param *)a)->name, ((const vt_param *)b)->name);
}

/* The params table at i ({ ["name"] = number|string|boolean }) as a
** vt_params (what a params file gives). */
static vt_params *params_from_table(lua_State *L, int i) {
  vt_params *p = vt_xcalloc(1, sizeof *p);
  p->path = vt_xstrdup("simulate{params}");
  int cap = 0;
  lua_pushnil(L);
  while (lua_next(L, i)) {
    if (lua_type(L, -2) != LUA_TSTRING) { vt_params_free(p); luaL_error(L, "simulate: params keys must be param names (strings)"); }
    if (p->n == cap) { cap = cap ? cap * 2 : 16; p->items = vt_xrealloc(p->items, (size_t)cap * sizeof *p->items); }
    vt_param *it = &p->items[p->n];
    memset(it, 0, sizeof *it);
    int t = lua_type(L, -1);
    if (t == LUA_TNUMBER) { it->kind = VT_PARAM_NUMBER; it->number = lua_tonumber(L, -1); }
    else if (t == LUA_TBOOLEAN) { it->kind = VT_PARAM_BOOL; it->boolean = lua_toboolean(L, -1); }
    else if (t == LUA_TSTRING) { it->kind = VT_PARAM_STRING; it->string = vt_xstrdup(lua_tostring(L, -1)); }
    else {
      const char *nm = lua_tostring(L, -2);
      lua_pushfstring(L, "simulate: param \"%s\" must be a number, a string or a boolean", nm);
      vt_params_free(p);
      lua_error(L);
    }
    it->name = vt_xstrdup(lua_tostring(L, -2));
    it->line = p->n + 1;
    p->n++;
    lua_pop(L, 1);
  }
  if (p->n) qsort(p->items, (size_t)p->n, sizeof *p->items, cmp_param);
  return p;
}

/* A path of the test as given: relative paths are taken from the current
** folder, as `vitae run -m` takes them (here() gives the test's folder). */
static const char *const sim_keys[] = {
  "modules", "patients", "seed", "params", "gender", "age", "reference_date", "trace", NULL
};

/* Everything simulate allocates, freed on any exit (errors longjmp). */
typedef struct sim_job {
  char **paths; int npaths;
  vt_params *params;
  vt_engine *e;
  vt_idmap modmap;
  int32_t *slot; size_t nslot;
} sim_job;

static int l_sim_job_gc(lua_State *L) {
  sim_job *j = lua_touserdata(L, 1);
  for (int i = 0; i < j->npaths; i++) free(j->paths[i]);
  free(j->paths); j->paths = NULL; j->npaths = 0;
  vt_params_free(j->params); j->params = NULL;
  vt_engine_free(j->e); j->e = NULL;
  vt_idmap_free(&j->modmap);
  free(j->slot); j->slot = NULL;
  return 0;
}

/* The module paths of option `modules` (a string or an array of them). */
static void get_paths(lua_State *L, sim_job *j, int opts) {
  int t = lua_getfield(L, opts, "modules");
  if (t == LUA_TSTRING) {
    j->paths = vt_xmalloc(sizeof *j->paths);
    j->paths[j->npaths++] = vt_xstrdup(lua_tostring(L, -1));
  } else if (t == LUA_TTABLE) {
    int n = (int)lua_rawlen(L, -1);
    if (n == 0) luaL_error(L, "simulate: modules is empty");
    j->paths = vt_xcalloc((size_t)n, sizeof *j->paths);
    for (int i = 0; i < n; i++) {
      if (lua_rawgeti(L, -1, i + 1) != LUA_TSTRING) luaL_error(L, "simulate: modules[%d] is not a path", i + 1);
      j->paths[j->npaths++] = vt_xstrdup(lua_tostring(L, -1));
      lua_pop(L, 1);
    }
  } else {
    luaL_error(L, "simulate: modules must be a path or an array of paths (module files or folders)");
  }
  lua_pop(L, 1);
  for (int i = 0; i < j->npaths; i++) {
    struct stat st;
    if (stat(j->paths[i], &st) != 0)
      luaL_error(L, "simulate: module path %s: %s (relative paths start at the current folder; here(\"x\") gives the test's folder)",
                 j->paths[i], strerror(errno));
  }
}

/* An integer option, default def, within [lo, hi]. */
static lua_Integer int_opt(lua_State *L, int opts, const char *key, lua_Integer def, lua_Integer lo, lua_Integer hi) {
  lua_Integer v = def;
  if (lua_getfield(L, opts, key) != LUA_TNIL) {
    if (!lua_isinteger(L, -1)) luaL_error(L, "simulate: %s must be an integer", key);
    v = lua_tointeger(L, -1);
    if (v < lo || v > hi) luaL_error(L, "simulate: %s must be between %I and %I, got %I", key, lo, hi, v);
  }
  lua_pop(L, 1);
  return v;
}

/* simulate{ modules = PATH | {PATH...}, patients = N (1000), seed = S (1),
**   params = { ["name"] = value } | "params.yaml", gender = "M"|"F",
**   age = {MIN, MAX} (age at the reference date, default {0, 100}),
**   reference_date = "YYYY-MM-DD" (default 2025-01-01), trace = bool }
** -> a cohort.  Runs the engine as `vitae run -p N -s S -m PATH...` would,
** patient by patient in memory.  Raises an error naming the problem for
** an unknown option, a module that fails to load or to run, or a param
** that no loaded module uses. */
static int l_simulate(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    int known = 0;
    if (lua_type(L, -2) == LUA_TSTRING)
      for (int i = 0; sim_keys[i]; i++) if (!strcmp(sim_keys[i], lua_tostring(L, -2))) known = 1;
    if (!known) {
      lua_pop(L, 1);
      const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1);
      return luaL_error(L, "simulate: unknown option \"%s\" (options: modules, patients, seed, params, gender, age, "
                           "reference_date, trace)", k);
    }
    lua_pop(L, 1);
  }
  sim_job *j = lua_newuserdatauv(L, sizeof *j, 0);   /* index 2: freed by __gc on any exit */
  memset(j, 0, sizeof *j);
  lua_newtable(L);
  lua_pushcfunction(L, l_sim_job_gc); lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, l_sim_job_gc); lua_setfield(L, -2, "__close");
  lua_setmetatable(L, -2);
  lua_toclose(L, 2);
  get_paths(L, j, 1);
  vt_sim_opts so;
  memset(&so, 0, sizeof so);
  lua_Integer n = int_opt(L, 1, "patients", DEFAULT_PATIENTS, 1, MAX_PATIENTS);
  so.seed = (uint64_t)int_opt(L, 1, "seed", 1, 0, INT64_MAX);
  so.age_min = 0; so.age_max = 100;
  if (lua_getfield(L, 1, "age") != LUA_TNIL) {
    if (!lua_istable(L, -1)) return luaL_error(L, "simulate: age must be {MIN, MAX} in years");
    lua_rawgeti(L, -1, 1); lua_rawgeti(L, -2, 2);
    if (!lua_isinteger(L, -2) || !lua_isinteger(L, -1)) return luaL_error(L, "simulate: age must be {MIN, MAX}, two whole numbers of years");
    lua_Integer lo = lua_tointeger(L, -2), hi = lua_tointeger(L, -1);
    if (lo < 0 || hi > 120 || lo > hi) return luaL_error(L, "simulate: age {%I, %I}: need 0 <= MIN <= MAX <= 120", lo, hi);
    so.age_min = (int)lo; so.age_max = (int)hi;
    lua_pop(L, 2);
  }
  lua_pop(L, 1);
  if (lua_getfield(L, 1, "gender") != LUA_TNIL) {
    const char *g = lua_tostring(L, -1);
    if (!g || (strcmp(g, "M") && strcmp(g, "F"))) return luaL_error(L, "simulate: gender must be \"M\" or \"F\"");
    so.gender = g[0];
  }
  lua_pop(L, 1);
  const char *ref = DEFAULT_REFERENCE;
  if (lua_getfield(L, 1, "reference_date") != LUA_TNIL) {
    ref = lua_tostring(L, -1);
    if (!ref) return luaL_error(L, "simulate: reference_date must be a date YYYY-MM-DD");
  }
  if (vt_time_parse_date(ref, &so.reference) != 0)
    return luaL_error(L, "simulate: reference_date \"%s\" is not a date YYYY-MM-DD", ref);
  lua_pop(L, 1);
  lua_getfield(L, 1, "trace");
  so.trace = lua_toboolean(L, -1);
  lua_pop(L, 1);
  char err[4096];
  int pt = lua_getfield(L, 1, "params");
  if (pt == LUA_TTABLE) j->params = params_from_table(L, lua_gettop(L));
  else if (pt == LUA_TSTRING) {
    if (!(j->params = vt_params_load(lua_tostring(L, -1), err, sizeof err))) return luaL_error(L, "simulate: %s", err);
  } else if (pt != LUA_TNIL) return luaL_error(L, "simulate: params must be a table {name = value} or a params file");
  lua_pop(L, 1);

  vt_lua_limits lim;
  vt_lua_default_limits(&lim);
  vt_engine_status st = vt_engine_open(&j->e, &so, j->paths, j->npaths, j->params, &lim, NULL, 0, err, sizeof err);
  if (st != VT_ENGINE_OK) return luaL_error(L, "simulate: %s", err);

  mt_cohort *c = lua_newuserdatauv(L, sizeof *c, 0);
  memset(c, 0, sizeof *c);
  luaL_setmetatable(L, COHORT_MT);
  c->n = n; c->seed = so.seed; c->reference = so.reference; c->trace = so.trace;
  c->nmods = vt_engine_nmodules(j->e);
  c->mods = vt_xcalloc((size_t)(c->nmods ? c->nmods : 1), sizeof *c->mods);
  int total = 0;
  for (int i = 0; i < c->nmods; i++) total += vt_engine_module(j->e, i)->nstates;
  c->states = vt_xcalloc((size_t)(total ? total : 1), sizeof *c->states);
  for (int i = 0; i < c->nmods; i++) {
    const vt_module *m = vt_engine_module(j->e, i);
    mt_module *mm = &c->mods[i];
    mm->name = vt_xstrdup(m->name ? m->name : "");
    mm->path = vt_xstrdup(m->path ? m->path : "");
    mm->file = vt_xstrdup(m->file ? m->file : "");
    mm->submodule = m->is_submodule;
    mm->state0 = c->nstates;
    mm->nstates = m->nstates;
    for (int s = 0; s < m->nstates; s++)
      c->states[c->nstates++] = (mt_state){ i, vt_xstrdup(m->states[s].name), vt_state_type_names[m->states[s].type],
                                            m->states[s].line };
    if (vt_idmap_put(&j->modmap, (int64_t)(intptr_t)m->name, (uint64_t)i, NULL) < 0) return luaL_error(L, "out of memory");
  }
  vt_engine_each_code(j->e, add_known_code, c);
  c->pats = vt_xcalloc((size_t)n, sizeof *c->pats);
  for (int64_t i = 0; i < n; i++) {
    if (vt_engine_simulate(j->e, i) != 0) {
      c->n = i;
      return luaL_error(L, "simulate: patient %I: %s", (lua_Integer)i, vt_engine_error(j->e));
    }
    keep_patient(c, j->e, i, &j->modmap, &j->slot, &j->nslot);
  }
  if (j->params) {
    for (int i = 0; i < j->params->n; i++)
      if (!j->params->items[i].used)
        return luaL_error(L, "simulate: param \"%s\" is not used by any loaded module", j->params->items[i].name);
  }
  return 1;    /* the cohort; the job is closed (to-be-closed slot 2) */
}

/* declared_params(PATH | {PATH...}) -> params, notes: the params the
** modules under the paths declare (what `vitae params` lists), as an array
** of { name, default (nil when the source gives an expression), module,
** file, line }, and the loader's notes ("FILE:LINE: message": a name
** built at run time, one name with two defaults) as an array of strings. */
static int l_declared_params(lua_State *L) {
  lua_settop(L, 1);
  lua_newtable(L);
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, "modules");
  lua_replace(L, 1);
  sim_job *j = lua_newuserdatauv(L, sizeof *j, 0);
  memset(j, 0, sizeof *j);
  lua_newtable(L);
  lua_pushcfunction(L, l_sim_job_gc); lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, l_sim_job_gc); lua_setfield(L, -2, "__close");
  lua_setmetatable(L, -2);
  lua_toclose(L, 2);
  get_paths(L, j, 1);
  vt_sim_opts so;
  memset(&so, 0, sizeof so);
  so.age_max = 100;
  so.reference = vt_time_from_date(2025, 1, 1);
  char err[4096];
  vt_lua_limits lim;
  vt_lua_default_limits(&lim);
  if (vt_engine_open(&j->e, &so, j->paths, j->npaths, NULL, &lim, NULL, 0, err, sizeof err) != VT_ENGINE_OK)
    return luaL_error(L, "declared_params: %s", err);
  const vt_param_decl *list;
  int n;
  vt_engine_params(j->e, &list, &n);
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    const vt_param_decl *d = &list[i];
    lua_createtable(L, 0, 5);
    lua_pushstring(L, d->name); lua_setfield(L, -2, "name");
    if (d->has_default) {
      if (d->kind == VT_PARAM_NUMBER) lua_pushnumber(L, d->number);
      else if (d->kind == VT_PARAM_STRING) lua_pushstring(L, d->string ? d->string : "");
      else lua_pushboolean(L, d->boolean);
      lua_setfield(L, -2, "default");
    }
    lua_pushstring(L, d->module ? d->module : ""); lua_setfield(L, -2, "module");
    lua_pushstring(L, d->file ? d->file : ""); lua_setfield(L, -2, "file");
    lua_pushinteger(L, d->line); lua_setfield(L, -2, "line");
    lua_rawseti(L, -2, i + 1);
  }
  char *const *notes;
  int nn;
  vt_modset_param_notes(&j->e->ms, &notes, &nn);
  lua_createtable(L, nn, 0);
  for (int i = 0; i < nn; i++) { lua_pushstring(L, notes[i]); lua_rawseti(L, -2, i + 1); }
  return 2;
}

/* ---- load_module ------------------------------------------------------------------- */

/* Copy the plain value at i of L (nil, boolean, number, string, table of
** those; views seen through) onto D's stack.  NULL, or what cannot be
** copied. */
static const char *copy_value(lua_State *L, int i, lua_State *D, int depth) {
  i = lua_absindex(L, i);
  switch (lua_type(L, i)) {
    case LUA_TNIL: lua_pushnil(D); return NULL;
    case LUA_TBOOLEAN: lua_pushboolean(D, lua_toboolean(L, i)); return NULL;
    case LUA_TNUMBER:
      if (lua_isinteger(L, i)) lua_pushinteger(D, lua_tointeger(L, i)); else lua_pushnumber(D, lua_tonumber(L, i));
      return NULL;
    case LUA_TSTRING: { size_t n; const char *s = lua_tolstring(L, i, &n); lua_pushlstring(D, s, n); return NULL; }
    case LUA_TTABLE: break;
    default: return luaL_typename(L, i);
  }
  if (depth > 64) return "a table nested more than 64 deep (a cycle?)";
  lua_checkstack(L, 4); lua_checkstack(D, 4);
  lua_pushvalue(L, i);
  vt_lua_unview(L, -1);
  lua_newtable(D);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    const char *bad = copy_value(L, -2, D, depth + 1);
    if (!bad) bad = copy_value(L, -1, D, depth + 1);
    if (bad) { lua_pop(L, 3); return bad; }
    lua_rawset(D, -3);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return NULL;
}

/* load_module(source_or_table [, name]) -> module, or nil and the error.
** source: Lua module text, run as a module file called name (default
** "test_module.lua": error messages read "test_module.lua:LINE: ...");
** table: a module table built in the test (module "X" {...}), copied plain
** (it may not hold functions: give those modules as source).  Either is
** compiled by the real loader in a fresh Lua state.  module =
** { name, path, states = { [NAME] = { type = "Simple", line = N } }, nstates }. */
static int l_load_module(lua_State *L) {
  const char *name = luaL_optstring(L, 2, "test_module.lua");
  int t = lua_type(L, 1);
  if (t != LUA_TSTRING && t != LUA_TTABLE) return luaL_error(L, "load_module: give the module's source text or its table");
  char err[4096];
  vt_lua_limits lim;
  vt_lua_default_limits(&lim);
  vt_lua *vl = vt_lua_new(&lim, NULL, err, sizeof err);
  if (!vl) return luaL_error(L, "load_module: %s", err);
  int rc;
  if (t == LUA_TSTRING) {
    size_t len;
    const char *src = lua_tolstring(L, 1, &len);
    rc = vt_lua_load_string(vl, src, len, name, err, sizeof err);
  } else {
    const char *bad = copy_value(L, 1, vl->L, 0);
    if (bad) {
      vt_lua_free(vl);
      return luaL_error(L, "load_module: the module table holds %s, which cannot be copied: give the module as source text",
                        bad);
    }
    rc = 0;
  }
  vt_module *m = NULL;
  if (rc == 0) {
    char path[1024];
    snprintf(path, sizeof path, "%s", name);
    char *dot = strrchr(path, '.');
    if (dot && !strcmp(dot, ".lua")) *dot = 0;
    m = vt_module_compile(vl, name, path, err, sizeof err);
  }
  if (!m) {
    vt_lua_free(vl);
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
  }
  lua_createtable(L, 0, 4);
  lua_pushstring(L, m->name ? m->name : ""); lua_setfield(L, -2, "name");
  lua_pushstring(L, m->path ? m->path : ""); lua_setfield(L, -2, "path");
  lua_pushinteger(L, m->nstates); lua_setfield(L, -2, "nstates");
  lua_createtable(L, 0, m->nstates);
  for (int s = 0; s < m->nstates; s++) {
    lua_createtable(L, 0, 2);
    lua_pushstring(L, vt_state_type_names[m->states[s].type]); lua_setfield(L, -2, "type");
    lua_pushinteger(L, m->states[s].line); lua_setfield(L, -2, "line");
    lua_setfield(L, -2, m->states[s].name);
  }
  lua_setfield(L, -2, "states");
  vt_module_free(m);
  vt_lua_free(vl);
  return 1;
}

/* here(path) -> path taken from the test file's folder ("tests/x/" .. path). */
static int l_here(lua_State *L) {
  mt_ctx *c = ctx_of(L);
  const char *p = luaL_checkstring(L, 1);
  if (p[0] == '/') lua_pushstring(L, p);
  else lua_pushfstring(L, "%s/%s", c->dir, p);
  return 1;
}

/* print(...) -> nothing: its arguments (tostring) as a "# " comment line. */
static int l_print(lua_State *L) {
  mt_ctx *c = ctx_of(L);
  int n = lua_gettop(L);
  fputs("# ", c->out);
  for (int i = 1; i <= n; i++) {
    fputs(luaL_tolstring(L, i, NULL), c->out);
    lua_pop(L, 1);
    if (i < n) fputc('\t', c->out);
  }
  fputc('\n', c->out);
  return 0;
}

/* ---- running a file ----------------------------------------------------------- */

/* Message handler of a test file: the message with the file's full name
** (Lua shortens long chunk names to "...tail") and a traceback. */
static int traceback(lua_State *L) {
  mt_ctx *c = ctx_of(L);
  const char *msg = lua_tostring(L, 1);
  if (!msg) msg = "(error object is not a string)";
  const char *colon = strncmp(msg, "...", 3) == 0 ? strchr(msg, ':') : NULL;
  if (colon) {
    size_t tail = (size_t)(colon - msg) - 3, flen = strlen(c->file);
    if (tail <= flen && strncmp(c->file + flen - tail, msg + 3, tail) == 0) {
      lua_pushfstring(L, "%s%s", c->file, colon);
      msg = lua_tostring(L, -1);
    }
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

int vt_modtest_run_file(const char *file, FILE *out, vt_modtest_totals *t, char *err, size_t errlen) {
  mt_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.file = file;
  ctx.out = out;
  const char *slash = strrchr(file, '/');
  if (slash) snprintf(ctx.dir, sizeof ctx.dir, "%.*s", (int)(slash - file), file);
  else snprintf(ctx.dir, sizeof ctx.dir, ".");
  if (!ctx.dir[0]) snprintf(ctx.dir, sizeof ctx.dir, "/");
  vt_lua_limits lim;
  vt_lua_default_limits(&lim);
  lim.memory = (size_t)2 << 30;
  vt_lua *vl = vt_lua_new(&lim, NULL, err, errlen);
  if (!vl) return -1;
  lua_State *L = vl->L;
  /* the cohort's metatable */
  luaL_newmetatable(L, COHORT_MT);
  static const luaL_Reg methods[] = {
    { "prevalence", l_prevalence }, { "count", l_count }, { "onset_ages", l_onset_ages },
    { "entered", l_entered }, { "path_share", l_path_share }, { "deaths", l_deaths },
    { "patients", l_patients }, { "modules", l_modules }, { NULL, NULL },
  };
  luaL_newlib(L, methods);
  lua_pushcclosure(L, l_cohort_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, l_cohort_gc); lua_setfield(L, -2, "__gc");
  lua_pushliteral(L, "vitae.cohort"); lua_setfield(L, -2, "__name");
  lua_pop(L, 1);
  /* the test's environment: harness functions over the modules' globals */
  lua_pushlightuserdata(L, &ctx);
  lua_pushcclosure(L, traceback, 1);
  int msgh = lua_gettop(L);
  if (luaL_loadfilex(L, file, "t") != LUA_OK) {
    fprintf(out, "not ok - %s: the file loads\n", file);
    print_detail(out, lua_tostring(L, -1));
    t->files++; t->failed++; t->errored++;
    vt_lua_free(vl);
    return 1;
  }
  lua_newtable(L);
  static const luaL_Reg api[] = {
    { "expect", l_expect }, { "expect_between", l_expect_between }, { "expect_near", l_expect_near },
    { "expect_error", l_expect_error }, { "expect_same", l_expect_same },
    { "simulate", l_simulate }, { "load_module", l_load_module }, { "declared_params", l_declared_params },
    { "here", l_here }, { "print", l_print },
    { "mean", l_mean }, { "sd", l_sd }, { "quantile", l_quantile }, { "binomial_se", l_binomial_se },
    { NULL, NULL },
  };
  lua_pushlightuserdata(L, &ctx);
  luaL_setfuncs(L, api, 1);
  lua_newtable(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, vl->base_ref);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  lua_setupvalue(L, -2, 1);
  int rc = lua_pcall(L, 0, 0, msgh);
  int status = 0;
  if (rc != LUA_OK) {
    fprintf(out, "not ok - %s: the test file ran to its end\n", file);
    print_detail(out, lua_tostring(L, -1) ? lua_tostring(L, -1) : "(error object is not a string)");
    ctx.failed++;
    t->errored++;
    status = 1;
  } else if (ctx.passed + ctx.failed == 0) {
    fprintf(out, "not ok - %s: the test file makes at least one assertion\n", file);
    ctx.failed++;
    t->errored++;
    status = 1;
  }
  if (ctx.failed) status = 1;
  t->files++;
  t->passed += ctx.passed;
  t->failed += ctx.failed;
  lua_settop(L, 0);
  vt_lua_free(vl);
  fflush(out);
  return status;
}

/* ---- finding the files -------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int vt_modtest_collect(const char *path, char ***files, int *n, char *err, size_t errlen) {
  struct stat st;
  *files = NULL; *n = 0;
  if (stat(path, &st) != 0) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
  if (!S_ISDIR(st.st_mode)) {
    *files = vt_xmalloc(sizeof **files);
    (*files)[0] = vt_xstrdup(path);
    *n = 1;
    return 0;
  }
  DIR *d = opendir(path);
  if (!d) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
  struct dirent *de;
  int cap = 0;
  size_t plen = strlen(path);
  while ((de = readdir(d))) {
    size_t len = strlen(de->d_name);
    if (strncmp(de->d_name, "test_", 5) != 0 || len < 9 || strcmp(de->d_name + len - 4, ".lua") != 0) continue;
    if (*n == cap) { cap = cap ? cap * 2 : 16; *files = vt_xrealloc(*files, (size_t)cap * sizeof **files); }
    (*files)[(*n)++] = vt_xprintf("%s%s%s", path, plen && path[plen - 1] == '/' ? "" : "/", de->d_name);
  }
  closedir(d);
  if (*n == 0) { snprintf(err, errlen, "%s: no test_*.lua files in this folder", path); return -1; }
  qsort(*files, (size_t)*n, sizeof **files, cmp_str);
  return 0;
}

void vt_modtest_free_list(char **files, int n) {
  for (int i = 0; i < n; i++) free(files[i]);
  free(files);
}
