/*
** json.c -- a strict JSON (RFC 8259) reader that builds Lua values.
**
** One recursive-descent pass over the text: each value is pushed on the Lua
** stack as soon as it is read, strings without escapes are pushed straight
** from the source and strings with escapes go through a luaL_Buffer, so no
** memory is allocated per character.  The building runs inside lua_pcall of
** a C function, so an allocation failure (or the bridge's memory cap)
** becomes an error return instead of a longjmp through the caller's frames.
** Syntax errors do not use the Lua error machinery at all: they are written
** to the caller's buffer and unwound by return codes.  Line and column are
** computed only when an error is reported, by rescanning the text up to the
** error, so the hot path tracks nothing.
*/
#include "lua/json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lauxlib.h"

/* The null sentinel: a light userdata holding this object's address. */
static const char json_null_tag = 0;
#define JSON_NULL ((void *)&json_null_tag)

/* Parser state; lives in vt_json_push's frame. */
typedef struct jctx {
  lua_State *L;
  const char *src, *p, *end;   /* whole text, cursor, end of text */
  const char *name;            /* for messages */
  char *err; size_t errlen;
  int failed;                  /* a syntax error was written to err */
  int depth;                   /* containers open around the cursor */
  int line;                    /* line of the cursor, 1-based (newlines only occur between tokens) */
  int states_depth;            /* depth of the module's "states" object, 0 until seen */
  int mark_next;               /* the next object read is the module's "states" */
} jctx;

/* 1 for bytes that end the fast scan of a string: '"', '\\', control
** characters (forbidden raw) and non-ASCII bytes (checked as UTF-8). */
static const unsigned char str_stop[256] = {
  1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
  0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
  1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
  1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
  1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
};

static int has_bom(const char *s, const char *end) {
  return end - s >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF;
}

/* Describe the byte at `at` for a message: 'x', byte 0xNN or end of input. */
static const char *describe(const char *at, const char *end, char *buf, size_t n) {
  if (at >= end) return "end of input";
  unsigned char ch = (unsigned char)*at;
  if (ch > 0x20 && ch < 0x7F) snprintf(buf, n, "'%c'", ch);
  else snprintf(buf, n, "byte 0x%02X", ch);
  return buf;
}

/* Record a syntax error at `at` as "NAME:LINE:COL: message"; returns -1.
** The column counts UTF-8 characters (bytes that are not continuation
** bytes) from the start of the line. */
static int jfail(jctx *c, const char *at, const char *fmt, ...) {
  long line = 1, col = 1;
  const char *ls = has_bom(c->src, c->end) ? c->src + 3 : c->src;
  if (at < ls) at = ls;
  for (const char *s = ls; s < at; s++)
    if (*s == '\n') { line++; ls = s + 1; }
  for (const char *s = ls; s < at; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) col++;
  int n = c->err && c->errlen ? snprintf(c->err, c->errlen, "%s:%ld:%ld: ", c->name, line, col) : -1;
  if (n >= 0 && (size_t)n < c->errlen) {   /* the message after the place */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
  }
  c->failed = 1;
  return -1;
}

static void skip_ws(jctx *c) {
  const char *p = c->p, *e = c->end;
  while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) c->line += *p++ == '\n';
  c->p = p;
}

/* After an item of an array or object (`what`, closed by `close`): read a
** ',' and return 1 (another item follows), or the closing bracket and
** return 0 (the container ends, one level less deep); else -1 with a
** syntax error (a trailing comma included). */
static int next_item(jctx *c, char close, const char *what) {
  char d[16];
  skip_ws(c);
  const char *p = c->p;
  if (p < c->end && *p == ',') {
    c->p++;
    skip_ws(c);
    if (c->p < c->end && *c->p == close) return jfail(c, p, "trailing comma in %s", what);
    return 1;
  }
  if (p < c->end && *p == close) { c->p++; c->depth--; return 0; }
  return jfail(c, p, "expected ',' or '%c' in %s, got %s", close, what, describe(p, c->end, d, sizeof d));
}

/* Length of the well-formed UTF-8 sequence at s (Unicode 15, table 3-7:
** no overlong forms, no encoded surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s, const unsigned char *e) {
  unsigned c0 = s[0], lo = 0x80, hi = 0xBF;
  if (c0 < 0xC2) return 0;
  if (c0 < 0xE0) return (e - s >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
  if (c0 < 0xF0) {
    if (c0 == 0xE0) lo = 0xA0;
    else if (c0 == 0xED) hi = 0x9F;
    return (e - s >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80) ? 3 : 0;
  }
  if (c0 < 0xF5) {
    if (c0 == 0xF0) lo = 0x90;
    else if (c0 == 0xF4) hi = 0x8F;
    return (e - s >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) ? 4 : 0;
  }
  return 0;
}

/* The value of 4 hex digits at s (s + 4 <= end is the caller's check), or -1. */
static long hex4(const char *s) {
  long v = 0;
  for (int i = 0; i < 4; i++) {
    int ch = (unsigned char)s[i], d;
    if (ch >= '0' && ch <= '9') d = ch - '0';
    else if (ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
    else return -1;
    v = v * 16 + d;
  }
  return v;
}

/* Encode code point cp (<= 0x10FFFF, not a surrogate) as UTF-8 in buf;
** returns the length. */
static size_t utf8_encode(unsigned long cp, char *buf) {
  if (cp < 0x80) { buf[0] = (char)cp; return 1; }
  if (cp < 0x800) {
    buf[0] = (char)(0xC0 | (cp >> 6)); buf[1] = (char)(0x80 | (cp & 0x3F)); return 2;
  }
  if (cp < 0x10000) {
    buf[0] = (char)(0xE0 | (cp >> 12)); buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    buf[2] = (char)(0x80 | (cp & 0x3F)); return 3;
  }
  buf[0] = (char)(0xF0 | (cp >> 18)); buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); buf[3] = (char)(0x80 | (cp & 0x3F)); return 4;
}

/* Decode the escape whose backslash is at *pq into b and advance *pq past
** it.  `open` is the string's opening quote.  0 or -1 (error recorded). */
static int read_escape(jctx *c, luaL_Buffer *b, const char **pq, const char *open) {
  const char *bs = *pq, *q = bs + 1;
  char tmp[16];
  if (q >= c->end) return jfail(c, open, "unterminated string");
  switch (*q) {
    case '"': luaL_addchar(b, '"'); break;
    case '\\': luaL_addchar(b, '\\'); break;
    case '/': luaL_addchar(b, '/'); break;
    case 'b': luaL_addchar(b, '\b'); break;
    case 'f': luaL_addchar(b, '\f'); break;
    case 'n': luaL_addchar(b, '\n'); break;
    case 'r': luaL_addchar(b, '\r'); break;
    case 't': luaL_addchar(b, '\t'); break;
    case 'u': {
      long cp = c->end - q >= 5 ? hex4(q + 1) : -1;
      if (cp < 0) return jfail(c, bs, "invalid \\u escape: expected 4 hex digits");
      q += 4;
      if (cp >= 0xDC00 && cp <= 0xDFFF)
        return jfail(c, bs, "unpaired surrogate \\u%04lX (a low surrogate must follow a high one)", cp);
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        long lo = (c->end - q >= 7 && q[1] == '\\' && q[2] == 'u') ? hex4(q + 3) : -1;
        if (lo < 0xDC00 || lo > 0xDFFF)
          return jfail(c, bs, "unpaired surrogate \\u%04lX (a high surrogate must be followed by \\uDC00-\\uDFFF)", cp);
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        q += 6;
      }
      luaL_addlstring(b, tmp, utf8_encode((unsigned long)cp, tmp));
      break;
    }
    default:
      if ((unsigned char)*q > 0x20 && (unsigned char)*q < 0x7F)
        return jfail(c, bs, "invalid escape '\\%c'", *q);
      return jfail(c, bs, "invalid escape: '\\' followed by %s", describe(q, c->end, tmp, sizeof tmp));
  }
  *pq = q + 1;
  return 0;
}

/* Read the string whose opening quote is at the cursor and push it. */
static int read_string(jctx *c) {
  const char *open = c->p, *q = open + 1, *run = q, *end = c->end;
  luaL_Buffer b;
  int buffered = 0;
  for (;;) {
    while (q < end && !str_stop[(unsigned char)*q]) q++;
    if (q >= end) return jfail(c, open, "unterminated string");
    unsigned char ch = (unsigned char)*q;
    if (ch == '"') {
      if (buffered) { luaL_addlstring(&b, run, (size_t)(q - run)); luaL_pushresult(&b); }
      else lua_pushlstring(c->L, run, (size_t)(q - run));
      c->p = q + 1;
      return 0;
    }
    if (ch == '\\') {
      if (!buffered) { luaL_buffinit(c->L, &b); buffered = 1; }
      luaL_addlstring(&b, run, (size_t)(q - run));
      if (read_escape(c, &b, &q, open)) return -1;
      run = q;
    } else if (ch < 0x20) {
      return jfail(c, q, "control character 0x%02X in string (write it as an escape)", ch);
    } else {
      size_t n = utf8_len((const unsigned char *)q, (const unsigned char *)end);
      if (!n) return jfail(c, q, "invalid UTF-8 in string (byte 0x%02X)", ch);
      q += n;
    }
  }
}

static int is_digit(const char *p, const char *end) { return p < end && *p >= '0' && *p <= '9'; }

/* Read the number at the cursor and push it: an integer when written
** without fraction or exponent and within lua_Integer, else a float. */
static int read_number(jctx *c) {
  const char *s = c->p, *p = s, *end = c->end;
  char buf[64], d[16];
  int neg = 0, isint = 1;
  if (*p == '-') { neg = 1; p++; }
  if (!is_digit(p, end)) return jfail(c, p, "expected a digit after '-', got %s", describe(p, end, d, sizeof d));
  if (*p == '0') {
    p++;
    if (is_digit(p, end)) return jfail(c, s, "leading zeros are not allowed in numbers");
  } else {
    while (is_digit(p, end)) p++;
  }
  if (p < end && *p == '.') {
    isint = 0; p++;
    if (!is_digit(p, end)) return jfail(c, p, "expected a digit after '.', got %s", describe(p, end, d, sizeof d));
    while (is_digit(p, end)) p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    isint = 0; p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (!is_digit(p, end)) return jfail(c, p, "expected a digit in the exponent, got %s", describe(p, end, d, sizeof d));
    while (is_digit(p, end)) p++;
  }
  c->p = p;
  if (isint) {
    /* Accumulate the magnitude; fall through to float on overflow. */
    lua_Unsigned lim = neg ? (lua_Unsigned)LUA_MAXINTEGER + 1u : (lua_Unsigned)LUA_MAXINTEGER, v = 0;
    const char *q = s + neg;
    for (; q < p; q++) {
      unsigned dg = (unsigned)(*q - '0');
      if (v > (lim - dg) / 10) break;
      v = v * 10 + dg;
    }
    if (q == p) {
      lua_pushinteger(c->L, neg ? (lua_Integer)(0u - v) : (lua_Integer)v);
      return 0;
    }
  }
  /* Float (or an integer too big): lua_stringtonumber reads it the way Lua
  ** reads a numeral; it needs a terminated copy. */
  size_t n = (size_t)(p - s), ok;
  if (n < sizeof buf) {
    memcpy(buf, s, n); buf[n] = 0;
    ok = lua_stringtonumber(c->L, buf);
  } else {
    const char *copy = lua_pushlstring(c->L, s, n);
    ok = lua_stringtonumber(c->L, copy);
    if (ok) lua_remove(c->L, -2); else lua_pop(c->L, 1);
  }
  if (!ok) return jfail(c, s, "cannot convert number '%.*s'", (int)(n < 40 ? n : 40), s);
  if (!isfinite(lua_tonumber(c->L, -1))) return jfail(c, s, "number out of range");
  return 0;
}

static int read_value(jctx *c);

/* Enter a container at the cursor: depth and stack checks; 0 or -1. */
static int enter(jctx *c) {
  if (++c->depth > VT_JSON_MAX_DEPTH) return jfail(c, c->p, "nesting deeper than %d levels", VT_JSON_MAX_DEPTH);
  if (!lua_checkstack(c->L, 8)) return jfail(c, c->p, "out of Lua stack space");
  c->p++;
  return 0;
}

/* Read the array at the cursor and push it as a sequence. */
static int read_array(jctx *c) {
  lua_State *L = c->L;
  if (enter(c)) return -1;
  lua_createtable(L, 0, 0);
  skip_ws(c);
  if (c->p < c->end && *c->p == ']') { c->p++; c->depth--; return 0; }
  for (lua_Integer n = 1;; n++) {
    if (read_value(c)) return -1;
    lua_rawseti(L, -2, n);
    int more = next_item(c, ']', "array");
    if (more <= 0) return more;
  }
}

/* Give the object at the top of the stack, whose key lines are in the
** table just below it, the metatable {VT_JSON_LINES = lines}, with
** lines[1] and lines[2] the lines of its braces; the lines table is
** removed from the stack. */
static void attach_lines(jctx *c, int open_line) {
  lua_State *L = c->L;
  lua_pushinteger(L, open_line);
  lua_rawseti(L, -3, 1);
  lua_pushinteger(L, c->line);
  lua_rawseti(L, -3, 2);
  lua_createtable(L, 0, 1);
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, VT_JSON_LINES);
  lua_setmetatable(L, -2);
  lua_remove(L, -2);
}

/* Read the object at the cursor and push it as a table with string keys;
** a key given twice is an error naming it.  The top-level object and the
** module's "states" object note the line of each key (attach_lines). */
static int read_object(jctx *c) {
  lua_State *L = c->L;
  char d[16];
  int line = c->line;
  if (enter(c)) return -1;
  int depth = c->depth;
  int lines = depth == 1 || c->mark_next;   /* a lines table sits below the object */
  c->mark_next = 0;
  if (lines) lua_createtable(L, 2, 4);
  lua_createtable(L, 0, 0);
  skip_ws(c);
  if (c->p < c->end && *c->p == '}') {
    c->p++; c->depth--;
    if (lines) attach_lines(c, line);
    return 0;
  }
  for (;;) {
    const char *kpos = c->p;
    if (kpos >= c->end || *kpos != '"')
      return jfail(c, kpos, "expected a string key in object, got %s", describe(kpos, c->end, d, sizeof d));
    if (read_string(c)) return -1;
    if (lines) {
      lua_pushvalue(L, -1);
      lua_pushinteger(L, c->line);
      lua_rawset(L, -5);
    }
    lua_pushvalue(L, -1);
    if (lua_rawget(L, -3) != LUA_TNIL) {
      size_t kl;
      const char *k = lua_tolstring(L, -2, &kl);
      return jfail(c, kpos, "duplicate key \"%.*s%s\" in object", (int)(kl < 60 ? kl : 60), k, kl > 60 ? "..." : "");
    }
    lua_pop(L, 1);
    skip_ws(c);
    if (c->p >= c->end || *c->p != ':') {
      size_t kl;
      const char *k = lua_tolstring(L, -1, &kl);
      return jfail(c, c->p, "expected ':' after key \"%.*s\", got %s", (int)(kl < 60 ? kl : 60), k,
                   describe(c->p, c->end, d, sizeof d));
    }
    c->p++;
    skip_ws(c);
    if (depth == 1 && !c->states_depth && lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "states") == 0) {
      c->states_depth = 2;   /* the module's states: each state object gets its line */
      c->mark_next = 1;
    }
    if (read_value(c)) return -1;
    lua_rawset(L, -3);
    int more = next_item(c, '}', "object");
    if (more < 0) return -1;
    if (more == 0) {
      if (c->states_depth && depth == c->states_depth + 1 && lua_getfield(L, -1, "line") == LUA_TNIL) {
        lua_pop(L, 1);
        lua_pushinteger(L, line);
        lua_setfield(L, -2, "line");
      } else if (c->states_depth && depth == c->states_depth + 1) lua_pop(L, 1);
      if (lines) attach_lines(c, line);
      return 0;
    }
  }
}

/* Match the literal `word` (n bytes) at the cursor. */
static int read_literal(jctx *c, const char *word, size_t n) {
  if ((size_t)(c->end - c->p) >= n && memcmp(c->p, word, n) == 0) { c->p += n; return 0; }
  return jfail(c, c->p, "invalid literal (expected true, false or null)");
}

/* Read the value at the cursor (whitespace already skipped) and push it. */
static int read_value(jctx *c) {
  char d[16];
  if (c->p >= c->end) return jfail(c, c->p, "expected a value, got end of input");
  switch (*c->p) {
    case '{': return read_object(c);
    case '[': return read_array(c);
    case '"': return read_string(c);
    case 't': if (read_literal(c, "true", 4)) return -1; lua_pushboolean(c->L, 1); return 0;
    case 'f': if (read_literal(c, "false", 5)) return -1; lua_pushboolean(c->L, 0); return 0;
    case 'n': if (read_literal(c, "null", 4)) return -1; lua_pushlightuserdata(c->L, JSON_NULL); return 0;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return read_number(c);
    default:
      return jfail(c, c->p, "expected a value, got %s", describe(c->p, c->end, d, sizeof d));
  }
}

/* The protected body: argument 1 is the jctx.  Returns the value, or
** nothing when a syntax error was recorded. */
static int parse_protected(lua_State *L) {
  jctx *c = (jctx *)lua_touserdata(L, 1);
  char d[16];
  if (has_bom(c->p, c->end)) c->p += 3;
  skip_ws(c);
  if (read_value(c)) return 0;
  skip_ws(c);
  if (c->p < c->end) {
    jfail(c, c->p, "unexpected %s after the JSON value", describe(c->p, c->end, d, sizeof d));
    return 0;
  }
  return 1;
}

int vt_json_push(lua_State *L, const char *src, size_t len, const char *name, char *err, size_t errlen) {
  jctx c;
  memset(&c, 0, sizeof c);
  c.L = L; c.src = c.p = src ? src : ""; c.end = c.src + (src ? len : 0);
  c.line = 1;
  c.name = name ? name : "(json)";
  c.err = err; c.errlen = errlen;
  if (err && errlen) err[0] = 0;
  if (!lua_checkstack(L, 3)) {
    if (err && errlen) snprintf(err, errlen, "%s: out of Lua stack space", c.name);
    return -1;
  }
  lua_pushcfunction(L, parse_protected);
  lua_pushlightuserdata(L, &c);
  int st = lua_pcall(L, 1, 1, 0);
  if (st != LUA_OK) {
    if (err && errlen) {
      if (st == LUA_ERRMEM) snprintf(err, errlen, "%s: not enough memory to build the JSON value", c.name);
      else {
        const char *m = lua_tostring(L, -1);
        snprintf(err, errlen, "%s: %s", c.name, m ? m : "error while building the JSON value");
      }
    }
    lua_pop(L, 1);
    return -1;
  }
  if (c.failed) { lua_pop(L, 1); return -1; }
  return 0;
}

int vt_json_push_file(lua_State *L, const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (err && errlen) snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    return -1;
  }
  struct stat st;
  size_t cap = 1 << 16, n = 0;
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) cap = (size_t)st.st_size + 1;
  char *buf = malloc(cap);
  if (!buf) {
    fclose(f);
    if (err && errlen) snprintf(err, errlen, "%s: not enough memory to read the file", path);
    return -1;
  }
  for (;;) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap) break;                       /* end of file or error */
    char *nb = cap < ((size_t)-1) / 2 ? realloc(buf, cap * 2) : NULL;
    if (!nb) {
      free(buf); fclose(f);
      if (err && errlen) snprintf(err, errlen, "%s: not enough memory to read the file", path);
      return -1;
    }
    buf = nb; cap *= 2;
  }
  int bad = ferror(f);
  int saved = errno;
  if (fclose(f) != 0 && !bad) { bad = 1; saved = errno; }
  if (bad) {
    free(buf);
    if (err && errlen) snprintf(err, errlen, "%s: cannot read: %s", path, strerror(saved));
    return -1;
  }
  int rc = vt_json_push(L, buf, n, path, err, errlen);
  free(buf);
  return rc;
}

int vt_json_isnull(lua_State *L, int idx) {
  return lua_type(L, idx) == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == JSON_NULL;
}
