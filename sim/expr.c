/*
** expr.c -- GMF `expression` values (see expr.h): a recursive-descent
** compiler from the CQL subset to a postfix program with jumps, type-checked
** at compile time (integer, decimal, boolean), and a stack evaluator.
**
** A compiled expression is one malloc'd block: the header, the constants,
** the instructions, and the variable names.  Each instruction carries the
** column of its token so that evaluation errors point into the source.
*/
#include "expr.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STACK 256   /* evaluation stack, checked at compile time */
#define MAX_NEST  256   /* parser recursion: two levels per parenthesis */

enum {
  OP_CONST, OP_VAR, OP_NEG, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_IDIV, OP_MOD, OP_POW,
  OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE, OP_NOT, OP_XOR,
  OP_JF,    /* pop; jump if false */
  OP_JMP,   /* jump */
  OP_JAND,  /* if top is false jump (keeping it), else pop */
  OP_JOR,   /* if top is true jump (keeping it), else pop */
  OP_JIMP,  /* if top is false replace it with true and jump, else pop */
  OP_ABS, OP_CEIL, OP_FLOOR, OP_TRUNC, OP_ROUND, OP_ROUND2, OP_LN, OP_EXP, OP_LOG,
  OP_MIN, OP_MAX, OP_SUM, OP_AVG   /* arg = number of list items */
};

typedef struct {
  uint8_t op;
  uint8_t pad;
  uint16_t col;  /* source column, 1-based, saturated */
  int32_t arg;
} ins;

struct vt_expr {
  int ncode, nconst, nvars, type, maxstack;
  const ins *code;
  const double *k;
  const char *const *names;
};

/* ------------------------------------------------------------------ */
/* Lexer                                                               */
/* ------------------------------------------------------------------ */

enum {
  T_END, T_NUM, T_VAR, T_IDENT, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_CARET, T_LPAREN, T_RPAREN,
  T_COMMA, T_LBRACE, T_RBRACE, T_LT, T_LE, T_GT, T_GE, T_EQ, T_NE, T_EQUIV, T_NEQUIV
};

enum { TY_INT = VT_EXPR_INTEGER, TY_DEC = VT_EXPR_DECIMAL, TY_BOOL = VT_EXPR_BOOLEAN };

typedef struct {
  const char *p;        /* cursor */
  int pcol;             /* column of the cursor */
  /* current token */
  int tok, col;
  const char *ts;       /* token text */
  size_t tn;
  double num;
  int num_int;
  /* output */
  ins *code;
  int ncode, capcode;
  double *k;
  int nk, capk;
  char **vars;
  int nvars, capvars;
  int depth, maxdepth, nest;
  char *err;
  size_t errlen;
  int failed;
} parser;

/* Record the first error as "column N: message"; returns -1. */
static int perr(parser *ps, int col, const char *fmt, ...) {
  if (!ps->failed) {
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (ps->err && ps->errlen) snprintf(ps->err, ps->errlen, "column %d: %s", col, msg);
    ps->failed = 1;
  }
  return -1;
}

/* Advance the cursor by n bytes, counting characters (not UTF-8
** continuation bytes) for the column. */
static void adv(parser *ps, size_t n) {
  for (size_t i = 0; i < n; i++, ps->p++)
    if (((unsigned char)*ps->p & 0xC0) != 0x80) ps->pcol++;
}

static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Add a variable name (n bytes at s) if new; its index, or -1. */
static int add_var(parser *ps, const char *s, size_t n) {
  for (int i = 0; i < ps->nvars; i++)
    if (strlen(ps->vars[i]) == n && memcmp(ps->vars[i], s, n) == 0) return i;
  if (ps->nvars == ps->capvars) {
    int cap = ps->capvars ? ps->capvars * 2 : 8;
    char **v = realloc(ps->vars, (size_t)cap * sizeof *v);
    if (!v) return perr(ps, ps->col, "not enough memory");
    ps->vars = v;
    ps->capvars = cap;
  }
  char *name = malloc(n + 1);
  if (!name) return perr(ps, ps->col, "not enough memory");
  memcpy(name, s, n);
  name[n] = '\0';
  ps->vars[ps->nvars] = name;
  return ps->nvars++;
}

/* Shows the current token for messages. */
static const char *tok_text(const parser *ps, char *buf, size_t n) {
  if (ps->tok == T_END) return "the end of the expression";
  snprintf(buf, n, "'%.*s'", (int)(ps->tn > 40 ? 40 : ps->tn), ps->ts);
  return buf;
}

/* Read the next token.  0, or -1 on a lexical error. */
static int next(parser *ps) {
  while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r') adv(ps, 1);
  ps->ts = ps->p;
  ps->col = ps->pcol;
  ps->tn = 1;
  char c = *ps->p;
  if (c == '\0') { ps->tok = T_END; ps->tn = 0; return 0; }
  if (is_digit(c)) {
    const char *s = ps->p;
    size_t n = 0;
    while (is_digit(s[n])) n++;
    ps->num_int = 1;
    if (s[n] == '.') {
      if (!is_digit(s[n + 1])) return perr(ps, ps->col, "malformed number '%.*s' (write 2.0, not 2.)", (int)n + 1, s);
      n++;
      while (is_digit(s[n])) n++;
      ps->num_int = 0;
    }
    if (is_alpha(s[n]) || s[n] == '.') {
      size_t m = n;
      while (is_alpha(s[m]) || is_digit(s[m]) || s[m] == '.') m++;
      return perr(ps, ps->col, "malformed number '%.*s'", (int)(m > 40 ? 40 : m), s);
    }
    char buf[64];
    if (n >= sizeof buf) return perr(ps, ps->col, "number too long");
    memcpy(buf, s, n);
    buf[n] = '\0';
    ps->num = strtod(buf, NULL);
    if (!isfinite(ps->num)) return perr(ps, ps->col, "number out of range");
    ps->tok = T_NUM;
    ps->tn = n;
    adv(ps, n);
    return 0;
  }
  if (is_alpha(c)) {
    size_t n = 0;
    while (is_alpha(ps->p[n]) || is_digit(ps->p[n])) n++;
    ps->tok = T_IDENT;
    ps->tn = n;
    adv(ps, n);
    return 0;
  }
  if (c == '#') {
    if (ps->p[1] != '{') return perr(ps, ps->col, "'#' must start a reference #{name}");
    const char *s = ps->p + 2, *e = s;
    while (*e && *e != '}' && *e != '\n') e++;
    if (*e != '}') return perr(ps, ps->col, "'#{' without its closing '}'");
    const char *a = s, *b = e;
    while (a < b && (unsigned char)*a <= ' ') a++;   /* Java's String.trim */
    while (b > a && (unsigned char)b[-1] <= ' ') b--;
    if (a == b) return perr(ps, ps->col, "empty reference #{}");
    ps->tok = T_VAR;
    ps->tn = (size_t)(e + 1 - ps->p);
    int v = add_var(ps, a, (size_t)(b - a));
    if (v < 0) return -1;
    ps->num = v;
    adv(ps, ps->tn);
    return 0;
  }
  static const struct { const char *s; int tok; } ops[] = {
    {"<=", T_LE}, {">=", T_GE}, {"!=", T_NE}, {"!~", T_NEQUIV}, {"<", T_LT}, {">", T_GT}, {"=", T_EQ},
    {"~", T_EQUIV}, {"+", T_PLUS}, {"-", T_MINUS}, {"*", T_STAR}, {"/", T_SLASH}, {"^", T_CARET},
    {"(", T_LPAREN}, {")", T_RPAREN}, {",", T_COMMA}, {"{", T_LBRACE}, {"}", T_RBRACE},
  };
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    size_t n = strlen(ops[i].s);
    if (strncmp(ps->p, ops[i].s, n) == 0) {
      ps->tok = ops[i].tok;
      ps->tn = n;
      adv(ps, n);
      return 0;
    }
  }
  {
    size_t n = 1;
    while ((((unsigned char)ps->p[n]) & 0xC0) == 0x80) n++;
    return perr(ps, ps->col, "unexpected character '%.*s'", (int)n, ps->p);
  }
}

/* Is the current token the identifier (keyword) `w`? */
static int is_kw(const parser *ps, const char *w) {
  return ps->tok == T_IDENT && strlen(w) == ps->tn && memcmp(ps->ts, w, ps->tn) == 0;
}

static const char *const keywords[] = {"and", "or", "xor", "implies", "not", "div", "mod", "if", "then",
                                       "else", "case", "when", "end", "true", "false"};

static int is_keyword(const parser *ps) {
  for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
    if (is_kw(ps, keywords[i])) return 1;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Code                                                                */
/* ------------------------------------------------------------------ */

/* Stack effect of an instruction on the fall-through path. */
static int effect(int op, int arg) {
  switch (op) {
  case OP_CONST: case OP_VAR: return 1;
  case OP_NEG: case OP_NOT: case OP_ABS: case OP_CEIL: case OP_FLOOR: case OP_TRUNC: case OP_ROUND:
  case OP_LN: case OP_EXP: case OP_JMP: return 0;
  case OP_MIN: case OP_MAX: case OP_SUM: case OP_AVG: return 1 - arg;
  default: return -1; /* binary operators, OP_JF, and the short-circuit jumps */
  }
}

/* Room for one more item in array `p` of `*cap` items of `size` bytes, `n`
** of them in use (the capacity doubles, from `first`): the array, perhaps
** moved, or NULL when out of memory (p is then left as it was). */
static void *grow(void *p, int n, int *cap, size_t size, int first) {
  if (n < *cap) return p;
  int ncap = *cap ? *cap * 2 : first;
  void *q = realloc(p, (size_t)ncap * size);
  if (q) *cap = ncap;
  return q;
}

/* Append an instruction; its index, or -1. */
static int emit(parser *ps, int op, int arg, int col) {
  ins *code = grow(ps->code, ps->ncode, &ps->capcode, sizeof *code, 32);
  if (!code) return perr(ps, col, "not enough memory");
  ps->code = code;
  ins *i = &ps->code[ps->ncode];
  i->op = (uint8_t)op;
  i->pad = 0;
  i->col = (uint16_t)(col > 65535 ? 65535 : col);
  i->arg = arg;
  ps->depth += effect(op, arg);
  if (ps->depth > ps->maxdepth) ps->maxdepth = ps->depth;
  if (ps->maxdepth > MAX_STACK) return perr(ps, col, "expression too large (more than %d values pending)", MAX_STACK);
  return ps->ncode++;
}

static int emit_const(parser *ps, double v, int col) {
  double *k = grow(ps->k, ps->nk, &ps->capk, sizeof *k, 16);
  if (!k) return perr(ps, col, "not enough memory");
  ps->k = k;
  ps->k[ps->nk] = v;
  return emit(ps, OP_CONST, ps->nk++, col);
}

/* Point the jump at `at` to the next instruction. */
static void patch(parser *ps, int at) { ps->code[at].arg = ps->ncode; }

/* ------------------------------------------------------------------ */
/* Parser: each level returns the type of what it compiled, or -1.     */
/* ------------------------------------------------------------------ */

static int parse_expr(parser *ps);

static const char *type_name(int ty) { return ty == TY_BOOL ? "a condition (true/false)" : "a number"; }

static int need_num(parser *ps, int ty, int col, const char *what) {
  if (ty < 0) return -1;
  if (ty == TY_BOOL) return perr(ps, col, "%s needs a number, not %s", what, type_name(ty));
  return 0;
}

static int need_bool(parser *ps, int ty, int col, const char *what) {
  if (ty < 0) return -1;
  if (ty != TY_BOOL) return perr(ps, col, "%s needs a condition (true/false), not a number", what);
  return 0;
}

/* Type of two branches meeting (if, case): numbers merge to decimal unless
** both are integers. */
static int merge(parser *ps, int a, int b, int col, const char *what) {
  if (a < 0 || b < 0) return -1;
  if ((a == TY_BOOL) != (b == TY_BOOL))
    return perr(ps, col, "the branches of '%s' give a number and a condition", what);
  if (a == TY_BOOL) return TY_BOOL;
  return (a == TY_INT && b == TY_INT) ? TY_INT : TY_DEC;
}

static int expect(parser *ps, int tok, const char *what) {
  char buf[64];
  if (ps->tok != tok) return perr(ps, ps->col, "expected %s, found %s", what, tok_text(ps, buf, sizeof buf));
  return next(ps);
}

static int expect_kw(parser *ps, const char *kw) {
  char buf[64];
  if (!is_kw(ps, kw)) return perr(ps, ps->col, "expected '%s', found %s", kw, tok_text(ps, buf, sizeof buf));
  return next(ps);
}

typedef struct { const char *name; int op, minargs, maxargs, list; } func;

static const func funcs[] = {
  {"Abs", OP_ABS, 1, 1, 0},     {"Ceiling", OP_CEIL, 1, 1, 0}, {"Floor", OP_FLOOR, 1, 1, 0},
  {"Truncate", OP_TRUNC, 1, 1, 0}, {"Round", OP_ROUND, 1, 2, 0}, {"Ln", OP_LN, 1, 1, 0},
  {"Exp", OP_EXP, 1, 1, 0},     {"Log", OP_LOG, 2, 2, 0},      {"Power", OP_POW, 2, 2, 0},
  {"Min", OP_MIN, 1, 1, 1},     {"Max", OP_MAX, 1, 1, 1},      {"Sum", OP_SUM, 1, 1, 1},
  {"Avg", OP_AVG, 1, 1, 1},
};

/* A function call; the current token is its name. */
static int parse_call(parser *ps, const func *f) {
  int col = ps->col, ty[2] = {0, 0}, n = 0;
  if (next(ps) < 0 || expect(ps, T_LPAREN, "'(' after the function name") < 0) return -1;
  if (f->list) {
    int all_int = 1;
    if (ps->tok != T_LBRACE) return perr(ps, ps->col, "%s takes a list: %s({a, b, ...})", f->name, f->name);
    if (next(ps) < 0) return -1;
    for (;;) {
      int icol = ps->col, t = parse_expr(ps);
      if (need_num(ps, t, icol, "a list item") < 0) return -1;
      if (t != TY_INT) all_int = 0;
      if (++n > MAX_STACK) return perr(ps, icol, "list too long");
      if (ps->tok != T_COMMA) break;
      if (next(ps) < 0) return -1;
    }
    if (expect(ps, T_RBRACE, "',' or '}' in the list") < 0 || expect(ps, T_RPAREN, "')'") < 0) return -1;
    if (emit(ps, f->op, n, col) < 0) return -1;
    return (f->op == OP_AVG || !all_int) ? TY_DEC : TY_INT;
  }
  if (ps->tok != T_RPAREN)
    for (;;) {
      int acol = ps->col, t = parse_expr(ps);
      if (n >= f->maxargs) return perr(ps, acol, "%s takes at most %d argument%s", f->name, f->maxargs,
                                       f->maxargs > 1 ? "s" : "");
      if (need_num(ps, t, acol, f->name) < 0) return -1;
      ty[n++] = t;
      if (ps->tok != T_COMMA) break;
      if (next(ps) < 0) return -1;
    }
  if (n < f->minargs)
    return perr(ps, col, "%s takes %d argument%s", f->name, f->minargs, f->minargs > 1 ? "s" : "");
  if (expect(ps, T_RPAREN, "')'") < 0) return -1;
  if (f->op == OP_ROUND && n == 2) {
    if (ty[1] != TY_INT) return perr(ps, col, "Round's second argument (digits) must be an integer");
    return emit(ps, OP_ROUND2, 0, col) < 0 ? -1 : TY_DEC;
  }
  if (emit(ps, f->op, 0, col) < 0) return -1;
  switch (f->op) {
  case OP_ABS: return ty[0];
  case OP_CEIL: case OP_FLOOR: case OP_TRUNC: return TY_INT;
  case OP_POW: return (ty[0] == TY_INT && ty[1] == TY_INT) ? TY_INT : TY_DEC;
  default: return TY_DEC;
  }
}

/* if C then A else B;  case when C then A ... else B end */
static int parse_conditional(parser *ps) {
  int col = ps->col, ty = -1;
  if (is_kw(ps, "if")) {
    if (next(ps) < 0) return -1;
    int c = parse_expr(ps);
    if (need_bool(ps, c, col, "'if'") < 0 || expect_kw(ps, "then") < 0) return -1;
    int jf = emit(ps, OP_JF, 0, col);
    if (jf < 0) return -1;
    int a = parse_expr(ps);
    if (a < 0) return -1;
    int jmp = emit(ps, OP_JMP, 0, col);
    if (jmp < 0) return -1;
    patch(ps, jf);
    ps->depth--; /* the else branch starts without the then branch's value */
    if (expect_kw(ps, "else") < 0) return -1;
    int b = parse_expr(ps);
    patch(ps, jmp);
    return merge(ps, a, b, col, "if");
  }
  /* case */
  int ends[64], nends = 0;
  if (next(ps) < 0) return -1;
  if (!is_kw(ps, "when")) {
    char buf[64];
    return perr(ps, ps->col, "expected 'when' after 'case' (only 'case when ... then ... else ... end' is "
                "supported), found %s", tok_text(ps, buf, sizeof buf));
  }
  while (is_kw(ps, "when")) {
    int wcol = ps->col;
    if (next(ps) < 0) return -1;
    int c = parse_expr(ps);
    if (need_bool(ps, c, wcol, "'when'") < 0 || expect_kw(ps, "then") < 0) return -1;
    int jf = emit(ps, OP_JF, 0, wcol);
    if (jf < 0) return -1;
    int a = parse_expr(ps);
    ty = ty == -1 ? a : merge(ps, ty, a, col, "case");
    if (ty < 0) return -1;
    if (nends == 64) return perr(ps, wcol, "more than 64 'when' in one 'case'");
    if ((ends[nends++] = emit(ps, OP_JMP, 0, wcol)) < 0) return -1;
    patch(ps, jf);
    ps->depth--;
  }
  if (expect_kw(ps, "else") < 0) return -1;
  int b = parse_expr(ps);
  ty = merge(ps, ty, b, col, "case");
  if (ty < 0 || expect_kw(ps, "end") < 0) return -1;
  for (int i = 0; i < nends; i++) patch(ps, ends[i]);
  return ty;
}

static int parse_primary(parser *ps) {
  char buf[64];
  int col = ps->col;
  switch (ps->tok) {
  case T_NUM: {
    int ty = ps->num_int ? TY_INT : TY_DEC;
    if (emit_const(ps, ps->num, col) < 0 || next(ps) < 0) return -1;
    return ty;
  }
  case T_VAR:
    if (emit(ps, OP_VAR, (int)ps->num, col) < 0 || next(ps) < 0) return -1;
    return TY_DEC;
  case T_LPAREN: {
    if (next(ps) < 0) return -1;
    int ty = parse_expr(ps);
    if (ty < 0 || expect(ps, T_RPAREN, "')'") < 0) return -1;
    return ty;
  }
  case T_IDENT:
    if (is_kw(ps, "true") || is_kw(ps, "false")) {
      if (emit_const(ps, is_kw(ps, "true") ? 1 : 0, col) < 0 || next(ps) < 0) return -1;
      return TY_BOOL;
    }
    if (is_kw(ps, "if") || is_kw(ps, "case")) return parse_conditional(ps);
    for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
      if (is_kw(ps, funcs[i].name)) return parse_call(ps, &funcs[i]);
    if (is_keyword(ps)) return perr(ps, col, "unexpected %s", tok_text(ps, buf, sizeof buf));
    while (*ps->p == ' ' || *ps->p == '\t') adv(ps, 1);
    if (*ps->p == '(') return perr(ps, col, "unknown function %s", tok_text(ps, buf, sizeof buf));
    return perr(ps, col, "unknown name %s (a patient value is written #{%.*s})", tok_text(ps, buf, sizeof buf),
                (int)(ps->tn > 40 ? 40 : ps->tn), ps->ts);
  case T_END:
    return perr(ps, col, "unexpected end of the expression");
  default:
    return perr(ps, col, "unexpected %s", tok_text(ps, buf, sizeof buf));
  }
}

/* Unary + and - bind tighter than ^ in CQL: -2^2 is (-2)^2. */
static int parse_unary(parser *ps) {
  int col = ps->col, ty;
  if (++ps->nest > MAX_NEST) return perr(ps, col, "expression nested too deeply");
  if (ps->tok == T_PLUS || ps->tok == T_MINUS) {
    int neg = ps->tok == T_MINUS;
    if (next(ps) < 0) return -1;
    ty = parse_unary(ps);
    if (need_num(ps, ty, col, neg ? "'-'" : "'+'") < 0) return -1;
    if (neg && emit(ps, OP_NEG, 0, col) < 0) return -1;
  } else {
    ty = parse_primary(ps);
  }
  ps->nest--;
  return ty;
}

static int arith(parser *ps, int a, int b, int op, int col, const char *what) {
  if (need_num(ps, a, col, what) < 0 || need_num(ps, b, col, what) < 0) return -1;
  if (emit(ps, op, 0, col) < 0) return -1;
  if (op == OP_DIV) return TY_DEC;
  return (a == TY_INT && b == TY_INT) ? TY_INT : TY_DEC;
}

/* ^ is left-associative in CQL: 2^3^2 is (2^3)^2. */
static int parse_power(parser *ps) {
  int ty = parse_unary(ps);
  while (ty >= 0 && ps->tok == T_CARET) {
    int col = ps->col;
    if (next(ps) < 0) return -1;
    ty = arith(ps, ty, parse_unary(ps), OP_POW, col, "'^'");
  }
  return ty;
}

static int parse_mul(parser *ps) {
  int ty = parse_power(ps);
  for (;;) {
    int op, col = ps->col;
    const char *what;
    if (ty < 0) return -1;
    if (ps->tok == T_STAR) op = OP_MUL, what = "'*'";
    else if (ps->tok == T_SLASH) op = OP_DIV, what = "'/'";
    else if (is_kw(ps, "div")) op = OP_IDIV, what = "'div'";
    else if (is_kw(ps, "mod")) op = OP_MOD, what = "'mod'";
    else return ty;
    if (next(ps) < 0) return -1;
    ty = arith(ps, ty, parse_power(ps), op, col, what);
  }
}

static int parse_add(parser *ps) {
  int ty = parse_mul(ps);
  while (ty >= 0 && (ps->tok == T_PLUS || ps->tok == T_MINUS)) {
    int col = ps->col, plus = ps->tok == T_PLUS;
    if (next(ps) < 0) return -1;
    ty = arith(ps, ty, parse_mul(ps), plus ? OP_ADD : OP_SUB, col, plus ? "'+'" : "'-'");
  }
  return ty;
}

/* not binds tighter than comparisons in CQL: write not (a < b). */
static int parse_not(parser *ps) {
  if (is_kw(ps, "not")) {
    int col = ps->col, ty;
    if (++ps->nest > MAX_NEST) return perr(ps, col, "expression nested too deeply");
    if (next(ps) < 0) return -1;
    ty = parse_not(ps);
    if (need_bool(ps, ty, col, "'not'") < 0 || emit(ps, OP_NOT, 0, col) < 0) return -1;
    ps->nest--;
    return TY_BOOL;
  }
  return parse_add(ps);
}

static int parse_compare(parser *ps) {
  int ty = parse_not(ps);
  for (;;) {
    int op, col = ps->col, t2;
    char what[8];
    if (ty < 0) return -1;
    switch (ps->tok) {
    case T_LT: op = OP_LT; break;
    case T_LE: op = OP_LE; break;
    case T_GT: op = OP_GT; break;
    case T_GE: op = OP_GE; break;
    default: return ty;
    }
    snprintf(what, sizeof what, "'%.*s'", (int)ps->tn, ps->ts);
    if (next(ps) < 0) return -1;
    t2 = parse_not(ps);
    if (need_num(ps, ty, col, what) < 0 || need_num(ps, t2, col, what) < 0 || emit(ps, op, 0, col) < 0) return -1;
    ty = TY_BOOL;
  }
}

static int parse_equality(parser *ps) {
  int ty = parse_compare(ps);
  for (;;) {
    int eq, col = ps->col, t2;
    char what[8];
    if (ty < 0) return -1;
    if (ps->tok == T_EQ || ps->tok == T_EQUIV) eq = 1;
    else if (ps->tok == T_NE || ps->tok == T_NEQUIV) eq = 0;
    else return ty;
    snprintf(what, sizeof what, "'%.*s'", (int)ps->tn, ps->ts);
    if (next(ps) < 0) return -1;
    t2 = parse_compare(ps);
    if (t2 < 0) return -1;
    if ((ty == TY_BOOL) != (t2 == TY_BOOL))
      return perr(ps, col, "%s compares a number with a condition", what);
    if (emit(ps, eq ? OP_EQ : OP_NE, 0, col) < 0) return -1;
    ty = TY_BOOL;
  }
}

static int parse_and(parser *ps) {
  int ty = parse_equality(ps);
  while (ty >= 0 && is_kw(ps, "and")) {
    int col = ps->col, j;
    if (need_bool(ps, ty, col, "'and'") < 0 || (j = emit(ps, OP_JAND, 0, col)) < 0 || next(ps) < 0) return -1;
    ty = parse_equality(ps);
    if (need_bool(ps, ty, col, "'and'") < 0) return -1;
    patch(ps, j);
  }
  return ty;
}

static int parse_or(parser *ps) {
  int ty = parse_and(ps);
  while (ty >= 0 && (is_kw(ps, "or") || is_kw(ps, "xor"))) {
    int col = ps->col, j = -1, x = is_kw(ps, "xor");
    const char *what = x ? "'xor'" : "'or'";
    if (need_bool(ps, ty, col, what) < 0) return -1;
    if (!x && (j = emit(ps, OP_JOR, 0, col)) < 0) return -1;
    if (next(ps) < 0) return -1;
    ty = parse_and(ps);
    if (need_bool(ps, ty, col, what) < 0) return -1;
    if (x) {
      if (emit(ps, OP_XOR, 0, col) < 0) return -1;
    } else {
      patch(ps, j);
    }
  }
  return ty;
}

static int parse_implies(parser *ps) {
  int ty = parse_or(ps);
  while (ty >= 0 && is_kw(ps, "implies")) {
    int col = ps->col, j;
    if (need_bool(ps, ty, col, "'implies'") < 0 || (j = emit(ps, OP_JIMP, 0, col)) < 0 || next(ps) < 0)
      return -1;
    ty = parse_or(ps);
    if (need_bool(ps, ty, col, "'implies'") < 0) return -1;
    patch(ps, j);
  }
  return ty;
}

static int parse_expr(parser *ps) {
  int ty;
  if (++ps->nest > MAX_NEST) return perr(ps, ps->col, "expression nested too deeply");
  ty = parse_implies(ps);
  ps->nest--;
  return ty;
}

/* ------------------------------------------------------------------ */
/* Public interface                                                    */
/* ------------------------------------------------------------------ */

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

vt_expr *vt_expr_compile(const char *src, char *err, size_t errlen) {
  parser ps;
  vt_expr *x = NULL;
  int ty;

  memset(&ps, 0, sizeof ps);
  ps.err = err;
  ps.errlen = errlen;
  if (err && errlen) err[0] = '\0';
  if (!src) src = "";
  ps.p = src;
  ps.pcol = 1;
  if (next(&ps) < 0) goto done;
  if (ps.tok == T_END) {
    perr(&ps, ps.col, "empty expression");
    goto done;
  }
  ty = parse_expr(&ps);
  if (ty < 0) goto done;
  if (ps.tok != T_END) {
    char buf[64];
    perr(&ps, ps.col, "unexpected %s after the end of the expression", tok_text(&ps, buf, sizeof buf));
    goto done;
  }

  /* One block: header, constants, code, name pointers, names. */
  size_t names = 0;
  for (int i = 0; i < ps.nvars; i++) names += strlen(ps.vars[i]) + 1;
  size_t o_k = align8(sizeof *x);
  size_t o_code = o_k + (size_t)ps.nk * sizeof(double);
  size_t o_names = align8(o_code + (size_t)ps.ncode * sizeof(ins));
  size_t o_chars = o_names + (size_t)ps.nvars * sizeof(char *);
  char *block = malloc(o_chars + names + 1);
  if (!block) {
    perr(&ps, 1, "not enough memory");
    goto done;
  }
  x = (vt_expr *)(void *)block;
  x->ncode = ps.ncode;
  x->nconst = ps.nk;
  x->nvars = ps.nvars;
  x->type = ty;
  x->maxstack = ps.maxdepth;
  double *k = (double *)(void *)(block + o_k);
  ins *code = (ins *)(void *)(block + o_code);
  const char **np = (const char **)(void *)(block + o_names);
  char *chars = block + o_chars;
  if (ps.nk) memcpy(k, ps.k, (size_t)ps.nk * sizeof *k);
  memcpy(code, ps.code, (size_t)ps.ncode * sizeof *code);
  for (int i = 0; i < ps.nvars; i++) {
    size_t n = strlen(ps.vars[i]) + 1;
    memcpy(chars, ps.vars[i], n);
    np[i] = chars;
    chars += n;
  }
  x->k = k;
  x->code = code;
  x->names = np;

done:
  free(ps.code);
  free(ps.k);
  for (int i = 0; i < ps.nvars; i++) free(ps.vars[i]);
  free(ps.vars);
  return x;
}

void vt_expr_free(vt_expr *x) { free(x); }

int vt_expr_nvars(const vt_expr *x) { return x->nvars; }

const char *vt_expr_var_name(const vt_expr *x, int i) { return (i >= 0 && i < x->nvars) ? x->names[i] : NULL; }

int vt_expr_type(const vt_expr *x) { return x->type; }

static int eval_fail(char *err, size_t errlen, int col, const char *fmt, ...) {
  if (err && errlen) {
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "column %d: %s", col, msg);
  }
  return -1;
}

/* CQL's Round: halves go up (toward +infinity).  A value within rounding
** noise of a half (2.675 * 100 = 267.49999999999997) counts as the half,
** as the decimal it was written as would. */
static double round_half_up(double a, double digits) {
  double scale, s, f, tol;
  if (digits > 15) return a;
  scale = pow(10, digits);
  s = a * scale;
  if (scale == 0 || !isfinite(s) || fabs(s) >= 4503599627370496.0) return a; /* 2^52: already whole */
  f = floor(s);
  tol = fabs(s) < 1099511627776.0 ? 4 * DBL_EPSILON * fabs(s) : 0; /* 2^40 */
  return (s - f >= 0.5 - tol ? f + 1 : f) / scale;
}

static const char *op_name(int op) {
  switch (op) {
  case OP_NEG: return "'-'";
  case OP_ADD: return "'+'";
  case OP_SUB: return "'-'";
  case OP_MUL: return "'*'";
  case OP_DIV: return "'/'";
  case OP_POW: return "'^' (Power)";
  case OP_EXP: return "Exp";
  case OP_SUM: return "Sum";
  case OP_AVG: return "Avg";
  case OP_ROUND2: return "Round";
  default: return "the operation";
  }
}

int vt_expr_eval(const vt_expr *x, const double *vars, double *out, char *err, size_t errlen) {
  double st[MAX_STACK + 1];
  int sp = 0;

  if (err && errlen) err[0] = '\0';
  for (int pc = 0; pc < x->ncode; pc++) {
    const ins *in = &x->code[pc];
    double a, b, r = 0;
    switch (in->op) {
    case OP_CONST:
      st[sp++] = x->k[in->arg];
      continue;
    case OP_VAR:
      a = vars ? vars[in->arg] : NAN;
      if (isnan(a)) return eval_fail(err, errlen, in->col, "#{%s} has no value", x->names[in->arg]);
      if (!isfinite(a)) return eval_fail(err, errlen, in->col, "#{%s} is not a finite number", x->names[in->arg]);
      st[sp++] = a;
      continue;
    case OP_JF:
      if (st[--sp] == 0) pc = in->arg - 1;
      continue;
    case OP_JMP:
      pc = in->arg - 1;
      continue;
    case OP_JAND:
      if (st[sp - 1] == 0) pc = in->arg - 1;
      else sp--;
      continue;
    case OP_JOR:
      if (st[sp - 1] != 0) pc = in->arg - 1;
      else sp--;
      continue;
    case OP_JIMP:
      if (st[sp - 1] == 0) { st[sp - 1] = 1; pc = in->arg - 1; }
      else sp--;
      continue;
    case OP_MIN: case OP_MAX: case OP_SUM: case OP_AVG: {
      int n = in->arg;
      double *v = st + sp - n;
      r = v[0];
      for (int i = 1; i < n; i++) {
        if (in->op == OP_MIN) r = v[i] < r ? v[i] : r;
        else if (in->op == OP_MAX) r = v[i] > r ? v[i] : r;
        else r += v[i];
      }
      if (in->op == OP_AVG) r /= n;
      sp -= n;
      break;
    }
    case OP_NEG: case OP_NOT: case OP_ABS: case OP_CEIL: case OP_FLOOR: case OP_TRUNC: case OP_ROUND:
    case OP_LN: case OP_EXP:
      a = st[--sp];
      switch (in->op) {
      case OP_NEG: r = -a; break;
      case OP_NOT: r = a == 0; break;
      case OP_ABS: r = fabs(a); break;
      case OP_CEIL: r = ceil(a); break;
      case OP_FLOOR: r = floor(a); break;
      case OP_TRUNC: r = trunc(a); break;
      case OP_ROUND: r = round_half_up(a, 0); break;
      case OP_LN:
        if (a <= 0) return eval_fail(err, errlen, in->col, "Ln of %g (it needs a number > 0)", a);
        r = log(a);
        break;
      default: r = exp(a); break;
      }
      break;
    default:
      b = st[--sp];
      a = st[--sp];
      switch (in->op) {
      case OP_ADD: r = a + b; break;
      case OP_SUB: r = a - b; break;
      case OP_MUL: r = a * b; break;
      case OP_DIV: case OP_IDIV: case OP_MOD:
        if (b == 0) return eval_fail(err, errlen, in->col, "division by zero");
        r = in->op == OP_DIV ? a / b : in->op == OP_IDIV ? trunc(a / b) : fmod(a, b);
        break;
      case OP_POW:
        r = pow(a, b);
        if (isnan(r)) return eval_fail(err, errlen, in->col, "(%g) ^ %g is not a real number", a, b);
        break;
      case OP_LOG:
        if (a <= 0 || b <= 0 || b == 1)
          return eval_fail(err, errlen, in->col, "Log(%g, %g) is undefined (it needs numbers > 0 and a base other "
                           "than 1)", a, b);
        r = log(a) / log(b);
        break;
      case OP_ROUND2: r = round_half_up(a, b); break;
      case OP_LT: r = a < b; break;
      case OP_LE: r = a <= b; break;
      case OP_GT: r = a > b; break;
      case OP_GE: r = a >= b; break;
      case OP_EQ: r = a == b; break;
      case OP_NE: r = a != b; break;
      case OP_XOR: r = (a != 0) != (b != 0); break;
      default: return eval_fail(err, errlen, in->col, "internal error: bad instruction %d", in->op);
      }
      break;
    }
    if (!isfinite(r)) return eval_fail(err, errlen, in->col, "%s does not give a finite number", op_name(in->op));
    st[sp++] = r;
  }
  if (sp != 1) return eval_fail(err, errlen, 1, "internal error: stack depth %d at the end", sp);
  *out = st[0] == 0 ? 0 : st[0]; /* no -0 */
  return 0;
}

/* ------------------------------------------------------------------ */
/* Vital signs                                                         */
/* ------------------------------------------------------------------ */

/* Synthea's VitalSign enum (world/concepts/VitalSign.java): constant and
** @SerializedName display name.  HEAD_PERCENTILE is not in the version of
** VitalSign.java we read; its display name is used as a vital_sign by
** Synthea's wellness_encounters.json, and the constant name follows the
** HEIGHT_PERCENTILE / WEIGHT_PERCENTILE pattern. */
static const struct { const char *name, *display; } vitals[] = {
  {"HEIGHT", "Height"},
  {"WEIGHT", "Weight"},
  {"HEIGHT_PERCENTILE", "Height Percentile"},
  {"WEIGHT_PERCENTILE", "Weight Percentile"},
  {"BMI", "BMI"},
  {"HEAD", "Head Circumference"},
  {"HEAD_PERCENTILE", "Head Circumference Percentile"},
  {"SYSTOLIC_BLOOD_PRESSURE", "Systolic Blood Pressure"},
  {"DIASTOLIC_BLOOD_PRESSURE", "Diastolic Blood Pressure"},
  {"OXYGEN_SATURATION", "Oxygen Saturation"},
  {"BLOOD_GLUCOSE", "Blood Glucose"},
  {"GLUCOSE", "Glucose"},
  {"UREA_NITROGEN", "Urea Nitrogen"},
  {"CREATININE", "Creatinine"},
  {"CALCIUM", "Calcium"},
  {"SODIUM", "Sodium"},
  {"POTASSIUM", "Potassium"},
  {"CHLORIDE", "Chloride"},
  {"CARBON_DIOXIDE", "Carbon Dioxide"},
  {"TOTAL_CHOLESTEROL", "Total Cholesterol"},
  {"TRIGLYCERIDES", "Triglycerides"},
  {"LDL", "LDL"},
  {"HDL", "HDL"},
  {"MICROALBUMIN_CREATININE_RATIO", "Microalbumin Creatinine Ratio"},
  {"EGFR", "EGFR"},
  {"LVEF", "Left ventricular Ejection fraction"},
  {"HEART_RATE", "Heart Rate"},
  {"RESPIRATION_RATE", "Respiration Rate"},
};

#define NVITALS ((int)(sizeof vitals / sizeof vitals[0]))

static int ieq(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    char x = *a, y = *b;
    if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
    if (x != y) return 0;
  }
  return *a == *b;
}

const char *vt_vital_display_name(const char *enum_name) {
  if (!enum_name) return NULL;
  for (int i = 0; i < NVITALS; i++)
    if (strcmp(vitals[i].name, enum_name) == 0) return vitals[i].display;
  return NULL;
}

const char *vt_vital_resolve(const char *name) {
  if (!name) return NULL;
  for (int i = 0; i < NVITALS; i++)
    if (ieq(vitals[i].display, name)) return vitals[i].display;
  return vt_vital_display_name(name);
}
