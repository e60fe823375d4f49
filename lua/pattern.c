/*
** pattern.c -- string.find, match, gmatch and gsub for module code: Lua 5.4
** pattern semantics, every matching step counted and charged to a budget.
** See pattern.h for why.
**
** The matcher is a backtracking matcher over the pattern text, as the
** manual describes it: a pattern is a sequence of items, each a
** single-character class (., %x, [set], or a byte) with an optional
** quantifier (* + - ?), or one of ( ) () %n %bxy %f[set], and a final $.
** Malformed parts of a pattern are reported when the matcher reaches them
** (as Lua does: string.find("abc", "x[") is nil, not an error).  Recursion
** happens at captures and quantifiers only, at most VT_PATTERN_MAXDEPTH
** nested calls ("pattern too complex"), so the C stack is bounded.
** Errors are raised with luaL_error, i.e. by longjmp: nothing here holds a
** resource across a call that can raise (gsub's result is a luaL_Buffer,
** owned by the Lua state and subject to its memory cap).
*/
#include "lua/pattern.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "lauxlib.h"

#define CAP_OPEN (-1)   /* capture length while its ')' is not reached */
#define CAP_POS  (-2)   /* capture length of a position capture () */

static vt_pattern_charge_fn charge_hook;

void vt_pattern_set_charge(vt_pattern_charge_fn fn) { charge_hook = fn; }

/* The state of one call (or one gmatch iteration). */
typedef struct {
  lua_State *L;
  const char *s0, *s1;        /* subject [s0, s1) */
  const char *p1;             /* end of the pattern */
  int depth;                  /* nested pm_match calls still allowed */
  int ncap;                   /* captures started */
  struct { const char *at; ptrdiff_t len; } cap[VT_PATTERN_MAXCAPTURES];
  long pending;               /* steps not yet passed to the hook */
  long total;                 /* steps charged in this call (no hook) */
} matcher;

static int uc(char c) { return (unsigned char)c; }

/* Pass the pending steps to the hook, or count them against the default
** per-call limit; either may raise a Lua error. */
static void pm_flush(matcher *m) {
  long n = m->pending;
  if (n <= 0) return;
  m->pending = 0;
  if (charge_hook) {
    charge_hook(m->L, n);
    return;
  }
  m->total += n;
  if (m->total > VT_PATTERN_DEFAULT_LIMIT) luaL_error(m->L, "pattern matching too expensive");
}

/* Count n steps; charge them once VT_PATTERN_STEP have gathered. */
static void pm_charge(matcher *m, long n) {
  m->pending += n;
  if (m->pending >= VT_PATTERN_STEP) pm_flush(m);
}

static void pm_init(matcher *m, lua_State *L, const char *s, size_t sl, const char *p1) {
  m->L = L;
  m->s0 = s;
  m->s1 = s + sl;
  m->p1 = p1;
  m->pending = 0;
  m->total = 0;
  m->ncap = 0;
  m->depth = VT_PATTERN_MAXDEPTH;
}

/* Forget the captures of a failed attempt before trying the next start. */
static void pm_reset(matcher *m) {
  m->ncap = 0;
  m->depth = VT_PATTERN_MAXDEPTH;
}

/* ---- single-character classes ---------------------------------------- */

/* Does byte c belong to %k?  For a, c, d, g, l, p, s, u, w, x it is the
** ctype class, for z the byte 0 (the upper-case letter is the
** complement); any other k stands for itself. */
static int class_has(int c, int k) {
  int in;
  switch (k | 0x20) {
    case 'a': in = isalpha(c); break;
    case 'c': in = iscntrl(c); break;
    case 'd': in = isdigit(c); break;
    case 'g': in = isgraph(c); break;
    case 'l': in = islower(c); break;
    case 'p': in = ispunct(c); break;
    case 's': in = isspace(c); break;
    case 'u': in = isupper(c); break;
    case 'w': in = isalnum(c); break;
    case 'x': in = isxdigit(c); break;
    case 'z': in = c == 0; break;     /* not in the 5.4 manual, but in 5.4 */
    default: return k == c;
  }
  return k <= 'Z' ? !in : in != 0;   /* k is a letter here */
}

/* p is at the '[' of a set: return the byte after its closing ']'.  The
** first byte of the set (after an optional '^') belongs to it even when it
** is ']', and '%' escapes the byte after it. */
static const char *set_end(matcher *m, const char *p) {
  const char *q = p + 1;
  if (q < m->p1 && *q == '^') q++;
  for (;;) {
    if (q >= m->p1) luaL_error(m->L, "malformed pattern (missing ']')");
    q += (*q == '%' && m->p1 - q > 1) ? 2 : 1;
    if (q < m->p1 && *q == ']') break;
  }
  pm_charge(m, q - p);
  return q + 1;
}

/* Is byte c in the set from '[' at p to its ']' at close?  Members are
** %classes, ranges x-y and single bytes; a leading '^' complements. */
static int set_has(matcher *m, int c, const char *p, const char *close) {
  int want = 1, found = 0;
  const char *q = p + 1;
  if (*q == '^') {
    want = 0;
    q++;
  }
  long looked = 0;
  for (; q < close && !found; q++) {
    looked++;
    if (*q == '%') {
      q++;
      found = class_has(c, uc(*q));
    } else if (close - q > 2 && q[1] == '-') {
      found = uc(q[0]) <= c && c <= uc(q[2]);
      q += 2;
    } else {
      found = uc(*q) == c;
    }
  }
  pm_charge(m, looked);
  return found ? want : !want;
}

/* p starts a single-character class: return the byte after it. */
static const char *item_end(matcher *m, const char *p) {
  if (*p == '%') {
    if (m->p1 - p < 2) luaL_error(m->L, "malformed pattern (ends with '%%')");
    return p + 2;
  }
  if (*p == '[') return set_end(m, p);
  return p + 1;
}

/* Does the subject byte at s match the class [p, ep)?  One step. */
static int one(matcher *m, const char *s, const char *p, const char *ep) {
  pm_charge(m, 1);
  if (s >= m->s1) return 0;
  int c = uc(*s);
  switch (*p) {
    case '.': return 1;
    case '%': return class_has(c, uc(p[1]));
    case '[': return set_has(m, c, p, ep - 1);
    default: return uc(*p) == c;
  }
}

/* ---- the matcher ------------------------------------------------------ */

static const char *pm_match(matcher *m, const char *s, const char *p);

/* Match [p, end of pattern) at s, reusing this frame for items that need
** no backtracking.  Returns the end of the match or NULL. */
static const char *pm_walk(matcher *m, const char *s, const char *p);

/* Try to extend the match with as many repetitions of [p, ep) from s as
** possible, giving them back one at a time; the rest of the pattern
** follows ep's quantifier. */
static const char *greedy(matcher *m, const char *s, const char *p, const char *ep) {
  ptrdiff_t n = 0;
  while (one(m, s + n, p, ep)) n++;
  for (; n >= 0; n--) {
    pm_charge(m, 1);
    const char *r = pm_match(m, s + n, ep + 1);
    if (r) return r;
  }
  return NULL;
}

/* As greedy, but with as few repetitions as possible first. */
static const char *lazy(matcher *m, const char *s, const char *p, const char *ep) {
  for (;;) {
    pm_charge(m, 1);
    const char *r = pm_match(m, s, ep + 1);
    if (r) return r;
    if (!one(m, s, p, ep)) return NULL;
    s++;
  }
}

/* Start capture number m->ncap at s (len CAP_OPEN, or CAP_POS for ()) and
** match the rest of the pattern from p; undone if that fails. */
static const char *open_capture(matcher *m, const char *s, const char *p, ptrdiff_t kind) {
  if (m->ncap >= VT_PATTERN_MAXCAPTURES) luaL_error(m->L, "too many captures");
  m->cap[m->ncap].at = s;
  m->cap[m->ncap].len = kind;
  m->ncap++;
  const char *r = pm_match(m, s, p);
  if (!r) m->ncap--;
  return r;
}

/* Close the innermost open capture at s and match the rest from p. */
static const char *close_capture(matcher *m, const char *s, const char *p) {
  int i = m->ncap - 1;
  while (i >= 0 && m->cap[i].len != CAP_OPEN) i--;
  if (i < 0) {
    luaL_error(m->L, "invalid pattern capture");
    return NULL;
  }
  m->cap[i].len = s - m->cap[i].at;
  const char *r = pm_match(m, s, p);
  if (!r) m->cap[i].len = CAP_OPEN;
  return r;
}

/* %bxy with p at x: a balanced run from an x at s to its matching y.
** Returns the byte after the y, or NULL. */
static const char *balance(matcher *m, const char *s, const char *p) {
  if (m->p1 - p < 2) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
  pm_charge(m, 1);
  if (s >= m->s1 || *s != p[0]) return NULL;
  long open = 1;
  for (const char *q = s + 1; q < m->s1; q++) {
    pm_charge(m, 1);
    if (*q == p[1]) {
      if (--open == 0) return q + 1;
    } else if (*q == p[0]) {
      open++;
    }
  }
  return NULL;
}

/* %k (k a digit) at s: the text of capture k again.  Returns the byte
** after it, or NULL (always for a position capture). */
static const char *backref(matcher *m, const char *s, int k) {
  int i = k - '1';
  if (i < 0 || i >= m->ncap || m->cap[i].len == CAP_OPEN) {
    luaL_error(m->L, "invalid capture index %%%d", i + 1);
    return NULL;
  }
  ptrdiff_t len = m->cap[i].len;
  pm_charge(m, 1);
  if (len < 0 || m->s1 - s < len) return NULL;
  pm_charge(m, len);
  return memcmp(m->cap[i].at, s, (size_t)len) == 0 ? s + len : NULL;
}

static const char *pm_match(matcher *m, const char *s, const char *p) {
  if (m->depth-- == 0) luaL_error(m->L, "pattern too complex");
  const char *r = pm_walk(m, s, p);
  m->depth++;
  return r;
}

static const char *pm_walk(matcher *m, const char *s, const char *p) {
  while (p < m->p1) {
    switch (*p) {
      case '(':
        if (m->p1 - p > 1 && p[1] == ')') return open_capture(m, s, p + 2, CAP_POS);
        return open_capture(m, s, p + 1, CAP_OPEN);
      case ')':
        return close_capture(m, s, p + 1);
      case '$':
        if (p + 1 == m->p1) return s == m->s1 ? s : NULL;
        break;                                  /* elsewhere a plain '$' */
      case '%':
        if (m->p1 - p < 2) break;               /* item_end reports it */
        if (p[1] == 'b') {
          s = balance(m, s, p + 2);
          if (!s) return NULL;
          p += 4;
          continue;
        }
        if (p[1] == 'f') {
          p += 2;
          if (p >= m->p1 || *p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
          const char *ep = set_end(m, p);
          int before = s > m->s0 ? uc(s[-1]) : 0;
          int here = s < m->s1 ? uc(*s) : 0;
          if (set_has(m, before, p, ep - 1) || !set_has(m, here, p, ep - 1)) return NULL;
          p = ep;
          continue;
        }
        if (p[1] >= '0' && p[1] <= '9') {
          s = backref(m, s, uc(p[1]));
          if (!s) return NULL;
          p += 2;
          continue;
        }
        break;
      default:
        break;
    }
    /* a single-character class, maybe quantified */
    const char *ep = item_end(m, p);
    int q = ep < m->p1 ? *ep : 0;
    if (!one(m, s, p, ep)) {
      if (q == '*' || q == '?' || q == '-') {   /* zero repetitions */
        p = ep + 1;
        continue;
      }
      return NULL;
    }
    switch (q) {
      case '?': {
        const char *r = pm_match(m, s + 1, ep + 1);
        if (r) return r;
        p = ep + 1;
        continue;
      }
      case '+': return greedy(m, s + 1, p, ep);
      case '*': return greedy(m, s, p, ep);
      case '-': return lazy(m, s, p, ep);
      default:
        s++;
        p = ep;
        continue;
    }
  }
  return s;
}

/* ---- results ---------------------------------------------------------- */

/* Push capture i of the match [s, e): its text, its position (for ()), or
** the whole match when i is 0 and the pattern has no captures. */
static void push_capture(matcher *m, int i, const char *s, const char *e) {
  if (i >= m->ncap) {
    if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
    lua_pushlstring(m->L, s, (size_t)(e - s));
  } else if (m->cap[i].len == CAP_OPEN) {
    luaL_error(m->L, "unfinished capture");
  } else if (m->cap[i].len == CAP_POS) {
    lua_pushinteger(m->L, (lua_Integer)(m->cap[i].at - m->s0) + 1);
  } else {
    lua_pushlstring(m->L, m->cap[i].at, (size_t)m->cap[i].len);
  }
}

/* Push all captures (or the whole match [s, e) if there are none and s is
** not NULL); returns how many values were pushed. */
static int push_captures(matcher *m, const char *s, const char *e) {
  int n = (m->ncap == 0 && s) ? 1 : m->ncap;
  luaL_checkstack(m->L, n, "too many captures");
  for (int i = 0; i < n; i++) push_capture(m, i, s, e);
  return n;
}

/* The 0-based offset where argument `arg` (a 1-based init, negative counts
** from the end, default 1) starts in a subject of len bytes. */
static size_t start_offset(lua_State *L, int arg, size_t len) {
  lua_Integer i = luaL_optinteger(L, arg, 1);
  if (i > 0) return (size_t)i - 1;
  if (i == 0 || i < -(lua_Integer)len) return 0;
  return (size_t)((lua_Integer)len + i);
}

/* Does the pattern use any magic character?  If not, find searches plainly. */
static int has_specials(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] && strchr("^$*+?.([%-", p[i])) return 1;
  return 0;
}

/* First occurrence of [n, n+nl) in [h, h+hl), or NULL.  Charges one step
** per candidate position plus the bytes compared there. */
static const char *plain_find(matcher *m, const char *h, size_t hl, const char *n, size_t nl) {
  if (nl == 0) return h;
  if (nl > hl) return NULL;
  const char *last = h + (hl - nl);
  for (const char *q = h; q <= last; q++) {
    q = memchr(q, n[0], (size_t)(last - q) + 1);
    if (!q) return NULL;
    size_t j = 1;
    while (j < nl && q[j] == n[j]) j++;
    pm_charge(m, (long)j);
    if (j == nl) return q;
  }
  return NULL;
}

/* ---- the four functions ----------------------------------------------- */

/* string.find (find = 1) and string.match (find = 0). */
static int find_or_match(lua_State *L, int find) {
  size_t sl, pl;
  const char *s = luaL_checklstring(L, 1, &sl);
  const char *p = luaL_checklstring(L, 2, &pl);
  size_t at = start_offset(L, 3, sl);
  if (at > sl) {
    luaL_pushfail(L);
    return 1;
  }
  matcher m;
  pm_init(&m, L, s, sl, p + pl);
  if (find && (lua_toboolean(L, 4) || !has_specials(p, pl))) {
    const char *hit = plain_find(&m, s + at, sl - at, p, pl);
    pm_flush(&m);
    if (hit) {
      lua_pushinteger(L, (lua_Integer)(hit - s) + 1);
      lua_pushinteger(L, (lua_Integer)(hit - s + pl));
      return 2;
    }
  } else {
    int anchored = pl > 0 && *p == '^';
    if (anchored) p++;
    for (const char *t = s + at;; t++) {
      pm_reset(&m);
      pm_charge(&m, 1);
      const char *e = pm_match(&m, t, p);
      if (e) {
        pm_flush(&m);
        if (!find) return push_captures(&m, t, e);
        lua_pushinteger(L, (lua_Integer)(t - s) + 1);
        lua_pushinteger(L, (lua_Integer)(e - s));
        return 2 + push_captures(&m, NULL, NULL);
      }
      if (anchored || t >= m.s1) break;
    }
    pm_flush(&m);
  }
  luaL_pushfail(L);
  return 1;
}

static int vt_find(lua_State *L) { return find_or_match(L, 1); }
static int vt_match(lua_State *L) { return find_or_match(L, 0); }

/* Where a gmatch iterator resumes. */
typedef struct {
  size_t next;          /* offset of the next start to try */
  ptrdiff_t last;       /* end offset of the previous match, -1 if none */
} gmatch_pos;

/* The gmatch iterator: upvalues subject, pattern, gmatch_pos.  Returns the
** captures of the next match, or nothing at the end.  A match may not be
** empty at the end of the previous one (the 5.4 rule). */
static int gmatch_next(lua_State *L) {
  size_t sl, pl;
  const char *s = lua_tolstring(L, lua_upvalueindex(1), &sl);
  const char *p = lua_tolstring(L, lua_upvalueindex(2), &pl);
  gmatch_pos *g = lua_touserdata(L, lua_upvalueindex(3));
  matcher m;
  pm_init(&m, L, s, sl, p + pl);
  for (size_t at = g->next; at <= sl; at++) {
    pm_reset(&m);
    pm_charge(&m, 1);
    const char *e = pm_match(&m, s + at, p);
    if (e && e - s != g->last) {
      g->next = (size_t)(e - s);
      g->last = e - s;
      pm_flush(&m);
      return push_captures(&m, s + at, e);
    }
  }
  g->next = sl + 1;
  pm_flush(&m);
  return 0;
}

/* string.gmatch(s, pattern [, init]): a '^' is not an anchor here. */
static int vt_gmatch(lua_State *L) {
  size_t sl;
  luaL_checklstring(L, 1, &sl);
  luaL_checkstring(L, 2);
  size_t at = start_offset(L, 3, sl);
  lua_settop(L, 2);
  gmatch_pos *g = lua_newuserdatauv(L, sizeof *g, 0);
  g->next = at > sl ? sl + 1 : at;
  g->last = -1;
  lua_pushcclosure(L, gmatch_next, 3);
  return 1;
}

/* Append gsub's string replacement (argument 3) for the match [s, e):
** %0 the match, %1-%9 captures, %% a '%'. */
static void add_template(matcher *m, luaL_Buffer *b, const char *s, const char *e) {
  size_t rl;
  const char *r = lua_tolstring(m->L, 3, &rl);
  const char *end = r + rl;
  pm_charge(m, 1);
  while (r < end) {
    const char *pc = memchr(r, '%', (size_t)(end - r));
    if (!pc) {
      luaL_addlstring(b, r, (size_t)(end - r));
      break;
    }
    luaL_addlstring(b, r, (size_t)(pc - r));
    pm_charge(m, 1);
    int k = pc + 1 < end ? uc(pc[1]) : -1;
    if (k == '%') {
      luaL_addchar(b, '%');
    } else if (k == '0') {
      luaL_addlstring(b, s, (size_t)(e - s));
    } else if (k >= '1' && k <= '9') {
      push_capture(m, k - '1', s, e);
      luaL_addvalue(b);
    } else {
      luaL_error(m->L, "invalid use of '%%' in replacement string");
    }
    r = pc + 2;
  }
}

/* Append gsub's replacement for the match [s, e) according to the type
** rt of argument 3; a false or nil from a table or function keeps the
** match. */
static void add_replacement(matcher *m, luaL_Buffer *b, const char *s, const char *e, int rt) {
  lua_State *L = m->L;
  if (rt == LUA_TSTRING || rt == LUA_TNUMBER) {
    add_template(m, b, s, e);
    return;
  }
  pm_flush(m);                  /* charge before running other code */
  if (rt == LUA_TFUNCTION) {
    lua_pushvalue(L, 3);
    int n = push_captures(m, s, e);
    lua_call(L, n, 1);
  } else {
    push_capture(m, 0, s, e);
    lua_gettable(L, 3);
  }
  if (!lua_toboolean(L, -1)) {
    lua_pop(L, 1);
    luaL_addlstring(b, s, (size_t)(e - s));
  } else if (!lua_isstring(L, -1)) {
    luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
  } else {
    luaL_addvalue(b);
  }
}

/* string.gsub(s, pattern, repl [, n]) -> result, number of matches. */
static int vt_gsub(lua_State *L) {
  size_t sl, pl;
  const char *s = luaL_checklstring(L, 1, &sl);
  const char *p = luaL_checklstring(L, 2, &pl);
  int rt = lua_type(L, 3);
  lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)sl + 1);
  luaL_argexpected(L, rt == LUA_TNUMBER || rt == LUA_TSTRING || rt == LUA_TFUNCTION || rt == LUA_TTABLE, 3,
                   "string/function/table");
  const char *pend = p + pl;
  int anchored = pl > 0 && *p == '^';
  if (anchored) p++;
  matcher m;
  pm_init(&m, L, s, sl, pend);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  const char *t = s, *last = NULL;
  lua_Integer n = 0;
  while (n < max) {
    pm_reset(&m);
    pm_charge(&m, 1);
    const char *e = pm_match(&m, t, p);
    if (e && e != last) {
      n++;
      add_replacement(&m, &b, t, e, rt);
      t = last = e;
    } else if (t < m.s1) {
      luaL_addchar(&b, *t++);
    } else {
      break;
    }
    if (anchored) break;
  }
  luaL_addlstring(&b, t, (size_t)(m.s1 - t));
  pm_flush(&m);
  luaL_pushresult(&b);
  lua_pushinteger(L, n);
  return 2;
}

void vt_pattern_register(lua_State *L, int t) {
  static const luaL_Reg fns[] = {
    {"find", vt_find}, {"match", vt_match}, {"gmatch", vt_gmatch}, {"gsub", vt_gsub}, {NULL, NULL},
  };
  t = lua_absindex(L, t);
  for (const luaL_Reg *f = fns; f->name; f++) {
    lua_pushstring(L, f->name);
    lua_pushcfunction(L, f->func);
    lua_rawset(L, t);
  }
}
