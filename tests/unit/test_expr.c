/*
** test_expr.c -- unit tests of GMF expressions (sim/expr.c): CQL precedence
** and associativity, unary minus, decimal and truncated division, the CQL
** functions, conditions and short-circuit evaluation, #{name} variables,
** result types, every syntax and type error with its column, evaluation
** errors, limits, Synthea's vital sign names, and -- when Synthea's corpus is
** beside the repository ($VITAE_SHARED or ../shared) -- every `expression`
** found in its modules and test modules.
*/
#include "sim/expr.h"
#include "lua/json.h"
#include "test.h"

#include "lauxlib.h"
#include "lualib.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int contains(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

/* Compile and evaluate src with up to three variables bound in order of
** first appearance; returns 0 and *out, or -1 (err set). */
static int run(const char *src, const double *vars, double *out, int *type, char *err, size_t errlen) {
  vt_expr *x = vt_expr_compile(src, err, errlen);
  if (!x) return -1;
  if (type) *type = vt_expr_type(x);
  int rc = vt_expr_eval(x, vars, out, err, errlen);
  vt_expr_free(x);
  return rc;
}

static void expect_value(const char *src, const double *vars, double want, int want_type) {
  char err[256] = "";
  double v = NAN;
  int ty = -1;
  int rc = run(src, vars, &v, &ty, err, sizeof err);
  CHECK(rc == 0 && fabs(v - want) <= 1e-12 * (1 + fabs(want)) && (want_type < 0 || ty == want_type),
        "%s = %.17g (type %d) %s", src, v, ty, err);
}
#define VAL(src, want) expect_value(src, NULL, want, -1)
#define VALT(src, want, ty) expect_value(src, NULL, want, ty)

/* A compile error "column COL: ...PIECE...". */
static void expect_syntax(const char *src, int col, const char *piece) {
  char err[256] = "", where[32];
  vt_expr *x = vt_expr_compile(src, err, sizeof err);
  snprintf(where, sizeof where, "column %d: ", col);
  CHECK(x == NULL && strncmp(err, where, strlen(where)) == 0 && contains(err, piece), "syntax error: \"%s\" -> %s",
        src, err);
  vt_expr_free(x);
}

/* An evaluation error "column COL: ...PIECE...". */
static void expect_eval_error(const char *src, const double *vars, int col, const char *piece) {
  char err[256] = "", where[32];
  double v = 0;
  vt_expr *x = vt_expr_compile(src, err, sizeof err);
  int rc = x ? vt_expr_eval(x, vars, &v, err, sizeof err) : 0;
  snprintf(where, sizeof where, "column %d: ", col);
  CHECK(x && rc == -1 && strncmp(err, where, strlen(where)) == 0 && contains(err, piece),
        "evaluation error: \"%s\" -> %s", src, err);
  vt_expr_free(x);
}

static void test_arithmetic(void) {
  VALT("10 + 3", 13, VT_EXPR_INTEGER);
  VALT("25 / 2", 12.5, VT_EXPR_DECIMAL);
  VALT("2 * (10 + 6) + 4 + 3 * ((10 / 2) * (9 / 3))", 81, VT_EXPR_DECIMAL);
  VAL("2 + 3 * 4", 14);
  VAL("(2 + 3) * 4", 20);
  VAL("10 - 4 - 3", 3);
  VAL("100 / 10 / 5", 2);
  VAL("2 * 3 / 4", 1.5);
  VAL("2 ^ 3 ^ 2", 64);       /* left-associative in CQL */
  VAL("2 ^ (3 ^ 2)", 512);
  VAL("2 * 3 ^ 2", 18);
  VAL("-2 ^ 2", 4);           /* unary minus binds tighter than ^ */
  VAL("-(2 ^ 2)", -4);
  VAL("2 ^ -1", 0.5);
  VAL("- -3", 3);
  VAL("+5 - +2", 3);
  VAL("2 * -3", -6);
  VAL("1 - -1", 2);
  VAL("3 - 2 + 1", 2);
  VALT("7 div 2", 3, VT_EXPR_INTEGER);
  VAL("-7 div 2", -3);
  VAL("7.5 div 2", 3);
  VALT("7 mod 3", 1, VT_EXPR_INTEGER);
  VAL("-7 mod 3", -1);
  VALT("7.5 mod 2", 1.5, VT_EXPR_DECIMAL);
  VAL("1 + 2 * 3 mod 4", 3);
  {
    double v = 0;
    char err[128];
    CHECK(run(" \t12.25\r\n", NULL, &v, NULL, err, sizeof err) == 0 && v == 12.25, "blanks, tabs and line ends are skipped");
  }
  VALT("2.0", 2, VT_EXPR_DECIMAL);
  VALT("0 - 0", 0, VT_EXPR_INTEGER);
  {
    double v = 1;
    char err[128];
    CHECK(run("-0", NULL, &v, NULL, err, sizeof err) == 0 && v == 0 && !signbit(v), "-0 evaluates to +0");
  }
  /* Synthea's test modules. */
  VAL("2.5 + 10/4 - 15.0", -10);
}

static void test_functions(void) {
  VALT("Abs(-3)", 3, VT_EXPR_INTEGER);
  VALT("Abs(-3.5)", 3.5, VT_EXPR_DECIMAL);
  VALT("Ceiling(1.2)", 2, VT_EXPR_INTEGER);
  VAL("Ceiling(-1.2)", -1);
  VALT("Floor(-1.2)", -2, VT_EXPR_INTEGER);
  VAL("Truncate(-1.7)", -1);
  VAL("Truncate(1.7)", 1);
  VALT("Round(1.5)", 2, VT_EXPR_DECIMAL);
  VAL("Round(2.4)", 2);
  VAL("Round(-1.5)", -1);     /* the CQL engine: half up for negatives too */
  VAL("Round(-1.6)", -2);
  VAL("Round(-0.5)", 0);
  VAL("Round(2.675, 2)", 2.68);
  VAL("Round(1.005, 2)", 1.01);
  VAL("Round(3.14159, 3)", 3.142);
  VAL("Round(1234.5, -2)", 1200);
  VAL("Ln(Exp(2))", 2);
  VAL("Exp(0)", 1);
  VAL("Log(100, 10)", 2);
  VAL("Log(8, 2)", 3);
  VALT("Power(2, 10)", 1024, VT_EXPR_INTEGER);
  VALT("Power(2.0, 0.5)", sqrt(2.0), VT_EXPR_DECIMAL);
  VALT("Max({1, 5, 3})", 5, VT_EXPR_INTEGER);
  VALT("Min({2.5, -1})", -1, VT_EXPR_DECIMAL);
  VAL("Sum({1, 2, 3})", 6);
  VALT("Avg({1, 2})", 1.5, VT_EXPR_DECIMAL);
  VAL("Max({7})", 7);
  VAL("Abs(Floor(-2.5) * 2) + Max({1, Round(2.5)})", 9);
}

static void test_conditions(void) {
  double x0[2] = {0, NAN}, x5[2] = {5, 12}, xm[2] = {-1, NAN};
  VALT("3 > 2", 1, VT_EXPR_BOOLEAN);
  VAL("3 < 2", 0);
  VAL("2 <= 2 and 2 >= 2", 1);
  VAL("1 = 1.0", 1);
  VAL("1 != 1", 0);
  VAL("1 ~ 1", 1);
  VAL("1 !~ 2", 1);
  VAL("true = false", 0);
  VAL("true or false and false", 1); /* and binds tighter than or */
  VAL("(true or false) and false", 0);
  VAL("true xor true", 0);
  VAL("true xor false", 1);
  VAL("false implies false", 1);
  VAL("true implies false", 0);
  VAL("not true or true", 1);
  VAL("not (1 > 2)", 1);
  VAL("1 + 1 = 2", 1);       /* arithmetic binds tighter than comparison */
  VALT("if 3 > 2 then 1 else 2", 1, VT_EXPR_INTEGER);
  VALT("if 3 < 2 then 1 else 2.5", 2.5, VT_EXPR_DECIMAL);
  VAL("if false then 1 else 2 + 3", 5); /* the else branch runs to the end */
  VAL("1 + if true then 2 else 3", 3);
  VAL("if true then if false then 1 else 2 else 3", 2);
  VAL("case when 1 > 2 then 10 when 2 > 1 then 20 else 30 end", 20);
  VAL("case when false then 10 else 30 end * 2", 60);
  VALT("if true then true else false", 1, VT_EXPR_BOOLEAN);
  /* Short-circuit: the untaken side is not evaluated. */
  expect_value("#{x} != 0 and 1 / #{x} > 0.5", x0, 0, VT_EXPR_BOOLEAN);
  expect_value("#{x} = 0 or 1 / #{x} > 0.5", x0, 1, -1);
  expect_value("#{x} != 0 implies 1 / #{x} > 0.5", x0, 1, -1);
  expect_value("if #{x} > 0 then #{y} else 0", xm, 0, -1);
  expect_value("if #{x} > 0 then #{y} else 0", x5, 12, -1);
  expect_value("case when #{x} > 0 then #{y} else -1 end", xm, -1, -1);
}

static void test_variables(void) {
  char err[256];
  vt_expr *x = vt_expr_compile("#{a} + #{ a } * #{b} - #{Systolic Blood Pressure}", err, sizeof err);
  CHECK(x != NULL, "variables compile (%s)", err);
  if (x) {
    double vars[3] = {2, 3, 100}, v = 0;
    CHECK(vt_expr_nvars(x) == 3, "#{a} and #{ a } are one variable: 3 variables");
    CHECK_STR(vt_expr_var_name(x, 0), "a", "first variable 'a' (trimmed)");
    CHECK_STR(vt_expr_var_name(x, 1), "b", "second variable 'b'");
    CHECK_STR(vt_expr_var_name(x, 2), "Systolic Blood Pressure", "names keep inner blanks");
    CHECK(vt_expr_var_name(x, 3) == NULL && vt_expr_var_name(x, -1) == NULL, "out-of-range variable index");
    CHECK(vt_expr_type(x) == VT_EXPR_DECIMAL, "variables are decimals");
    CHECK(vt_expr_eval(x, vars, &v, err, sizeof err) == 0 && v == 2 + 2 * 3 - 100, "evaluates to %g", v);
    vt_expr_free(x);
  }
  double age[1] = {26}, ex[1] = {-10}, lvef[1] = {55};
  expect_value("#{age} / 2 + 7", age, 20, VT_EXPR_DECIMAL);
  expect_value("220 - #{age}", age, 194, VT_EXPR_DECIMAL);
  expect_value("70 + #{expression_example}", ex, 60, -1);
  expect_value("#{LVEF} * 2.0", lvef, 110, -1);
  x = vt_expr_compile("42", err, sizeof err);
  CHECK(x && vt_expr_nvars(x) == 0, "no variables");
  if (x) {
    double v = 0;
    CHECK(vt_expr_eval(x, NULL, &v, err, sizeof err) == 0 && v == 42, "vars may be NULL without variables");
    vt_expr_free(x);
  }
}

static void test_syntax_errors(void) {
  expect_syntax("", 1, "empty expression");
  expect_syntax("   ", 4, "empty expression");
  expect_syntax("2 +", 4, "unexpected end");
  expect_syntax("2 + * 3", 5, "unexpected '*'");
  expect_syntax("(2 + 3", 7, "expected ')'");
  expect_syntax("2 3", 3, "unexpected '3' after the end");
  expect_syntax("2 + 3)", 6, "unexpected ')'");
  expect_syntax("foo + 1", 1, "unknown name 'foo' (a patient value is written #{foo})");
  expect_syntax("1 + Sqrt(4)", 5, "unknown function 'Sqrt'");
  expect_syntax("abs(-1)", 1, "unknown function 'abs'");
  expect_syntax("1 + #{x", 5, "without its closing '}'");
  expect_syntax("#{ }", 1, "empty reference");
  expect_syntax("# {x}", 1, "'#' must start a reference");
  expect_syntax("1e5", 1, "malformed number '1e5'");
  expect_syntax("2. + 1", 1, "malformed number");
  expect_syntax("1.2.3", 1, "malformed number");
  expect_syntax(".5", 1, "unexpected character '.'");
  expect_syntax("2 $ 3", 3, "unexpected character '$'");
  expect_syntax("#{\xc3\xa9} + foo", 8, "unknown name 'foo'");   /* columns count characters */
  expect_syntax("\xc3\xa9", 1, "unexpected character '\xc3\xa9'");
  expect_syntax("1 + true", 3, "'+' needs a number, not a condition");
  expect_syntax("-true", 1, "'-' needs a number");
  expect_syntax("if 1 then 2 else 3", 1, "'if' needs a condition");
  expect_syntax("if true 2 else 3", 9, "expected 'then'");
  expect_syntax("if true then 2", 15, "expected 'else'");
  expect_syntax("if true then 2 else false", 1, "branches of 'if' give a number and a condition");
  expect_syntax("not 1", 1, "'not' needs a condition");
  expect_syntax("not 1 < 2", 1, "'not' needs a condition");
  expect_syntax("1 < 2 < 3", 7, "'<' needs a number, not a condition");
  expect_syntax("1 = true", 3, "'=' compares a number with a condition");
  expect_syntax("1 and true", 3, "'and' needs a condition");
  expect_syntax("true or 2", 6, "'or' needs a condition");
  expect_syntax("true implies 2", 6, "'implies' needs a condition");
  expect_syntax("Round(1.5, 0.5)", 1, "digits) must be an integer");
  expect_syntax("Round(1, 2, 3)", 13, "at most 2 arguments");
  expect_syntax("Log(1)", 1, "Log takes 2 arguments");
  expect_syntax("Abs()", 1, "Abs takes 1 argument");
  expect_syntax("Max(1, 2)", 5, "Max takes a list");
  expect_syntax("Max({1, true})", 9, "a list item needs a number");
  expect_syntax("Max({1, 2)", 10, "expected ',' or '}'");
  expect_syntax("Abs 1", 5, "expected '(' after the function name");
  expect_syntax("case 1 when 1 then 2 else 3 end", 6, "expected 'when' after 'case'");
  expect_syntax("case when true then 1 end", 23, "expected 'else'");
  expect_syntax("case when true then 1 else 2", 29, "expected 'end'");
  expect_syntax("then", 1, "unexpected 'then'");
  {
    char err[64] = "x";
    CHECK(vt_expr_compile(NULL, err, sizeof err) == NULL && contains(err, "empty"), "NULL source -> %s", err);
    CHECK(vt_expr_compile("1 +", NULL, 0) == NULL, "a NULL err buffer is accepted");
  }
}

static void test_eval_errors(void) {
  double zero[1] = {0}, none[1] = {NAN}, inf[1] = {INFINITY};
  expect_eval_error("1 / #{x}", zero, 3, "division by zero");
  expect_eval_error("7 mod #{x}", zero, 3, "division by zero");
  expect_eval_error("7 div #{x}", zero, 3, "division by zero");
  expect_eval_error("1 + #{x}", none, 5, "#{x} has no value");
  expect_eval_error("#{x}", inf, 1, "#{x} is not a finite number");
  expect_eval_error("2 * Ln(0)", NULL, 5, "Ln of 0");
  expect_eval_error("Log(8, 1)", NULL, 1, "Log(8, 1) is undefined");
  expect_eval_error("Exp(1000)", NULL, 1, "Exp does not give a finite number");
  expect_eval_error("(-8) ^ 0.5", NULL, 6, "(-8) ^ 0.5 is not a real number");
  expect_eval_error("Power(0, -1)", NULL, 1, "Power) does not give a finite number");
  expect_eval_error("10.0 ^ 200 * 10.0 ^ 200", NULL, 12, "'*' does not give a finite number");
}

static void test_limits(void) {
  char err[256];
  double v = 0;
  size_t n = 100, len = 0;
  char *s = malloc(40000);
  if (!s) { CHECK(0, "malloc"); return; }
  /* 100 nested parentheses compile; 300 are refused without a crash. */
  for (size_t i = 0; i < n; i++) s[len++] = '(';
  s[len++] = '1';
  for (size_t i = 0; i < n; i++) s[len++] = ')';
  s[len] = '\0';
  CHECK(run(s, NULL, &v, NULL, err, sizeof err) == 0 && v == 1, "100 nested parentheses (%s)", err);
  len = 0;
  for (size_t i = 0; i < 300; i++) s[len++] = '(';
  s[len++] = '1';
  for (size_t i = 0; i < 300; i++) s[len++] = ')';
  s[len] = '\0';
  CHECK(vt_expr_compile(s, err, sizeof err) == NULL && contains(err, "nested too deeply"), "300 nested -> %s", err);
  len = 0;
  for (int i = 0; i < 300; i++) s[len++] = '-';
  s[len++] = '1';
  s[len] = '\0';
  CHECK(vt_expr_compile(s, err, sizeof err) == NULL && contains(err, "nested too deeply"), "300 unary minus -> %s",
        err);
  /* A long flat sum keeps the stack at two values. */
  len = 0;
  for (int i = 0; i < 5000; i++) len += (size_t)snprintf(s + len, 40000 - len, "%s1", i ? "+" : "");
  CHECK(run(s, NULL, &v, NULL, err, sizeof err) == 0 && v == 5000, "a sum of 5000 terms (%s)", err);
  /* Right-nested: 100 pending values are fine, 300 are refused. */
  len = 0;
  for (int i = 0; i < 100; i++) len += (size_t)snprintf(s + len, 40000 - len, "1+(");
  s[len++] = '1';
  for (int i = 0; i < 100; i++) s[len++] = ')';
  s[len] = '\0';
  CHECK(run(s, NULL, &v, NULL, err, sizeof err) == 0 && v == 101, "100 right-nested sums (%s)", err);
  len = 0;
  len += (size_t)snprintf(s + len, 40000 - len, "Sum({");
  for (int i = 0; i < 300; i++) len += (size_t)snprintf(s + len, 40000 - len, "%s1", i ? "," : "");
  len += (size_t)snprintf(s + len, 40000 - len, "})");
  CHECK(vt_expr_compile(s, err, sizeof err) == NULL && contains(err, "too large"), "a 300-item list -> %s", err);
  free(s);
}

static void test_vitals(void) {
  CHECK_STR(vt_vital_display_name("LVEF"), "Left ventricular Ejection fraction", "LVEF display name");
  CHECK_STR(vt_vital_display_name("SYSTOLIC_BLOOD_PRESSURE"), "Systolic Blood Pressure", "SYSTOLIC_BLOOD_PRESSURE");
  CHECK_STR(vt_vital_display_name("HEART_RATE"), "Heart Rate", "HEART_RATE");
  CHECK(vt_vital_display_name("lvef") == NULL && vt_vital_display_name("Height") == NULL &&
        vt_vital_display_name(NULL) == NULL, "enum constants are exact (valueOf)");
  CHECK_STR(vt_vital_resolve("left ventricular ejection fraction"), "Left ventricular Ejection fraction",
            "display names match in any case");
  CHECK_STR(vt_vital_resolve("LVEF"), "Left ventricular Ejection fraction", "an enum constant resolves");
  CHECK_STR(vt_vital_resolve("BMI"), "BMI", "BMI");
  CHECK_STR(vt_vital_resolve("Head Circumference Percentile"), "Head Circumference Percentile",
            "Head Circumference Percentile (used by wellness_encounters.json)");
  CHECK(vt_vital_resolve("Lvef") == NULL && vt_vital_resolve("age") == NULL && vt_vital_resolve("") == NULL,
        "no vital sign: 'Lvef', 'age', ''");
}

/* ------------------------------------------------------------------ */
/* Synthea's corpus                                                    */
/* ------------------------------------------------------------------ */

static int corpus_exprs, corpus_bad;

/* Compile every string field named "expression" in the value at the top of
** L's stack (recursively). */
static void walk(lua_State *L, const char *file, int depth) {
  if (depth > 60 || !lua_istable(L, -1)) return;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    if (lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), "expression") == 0 &&
        lua_type(L, -1) == LUA_TSTRING) {
      char err[256];
      vt_expr *x = vt_expr_compile(lua_tostring(L, -1), err, sizeof err);
      corpus_exprs++;
      if (!x) {
        corpus_bad++;
        CHECK(0, "%s: \"%s\" compiles: %s", file, lua_tostring(L, -1), err);
      }
      vt_expr_free(x);
    } else if (lua_istable(L, -1)) {
      walk(L, file, depth + 1);
    }
    lua_pop(L, 1);
  }
}

static void scan(lua_State *L, const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  if (!d) return;
  while ((e = readdir(d)) != NULL) {
    char path[4096];
    struct stat st;
    size_t n = strlen(e->d_name);
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (stat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      scan(L, path);
    } else if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) {
      char err[512];
      if (vt_json_push_file(L, path, err, sizeof err) != 0) continue;
      walk(L, path, 0);
      lua_pop(L, 1);
    }
  }
  closedir(d);
}

static void test_corpus(void) {
  const char *s = getenv("VITAE_SHARED");
  char root[4096], mods[4200], tmods[4200];
  struct stat st;
  snprintf(root, sizeof root, "%s/synthea", s && *s ? s : "../shared");
  snprintf(mods, sizeof mods, "%s/modules", root);
  snprintf(tmods, sizeof tmods, "%s/test-modules", root);
  if (stat(mods, &st) != 0 || !S_ISDIR(st.st_mode)) {
    printf("skip - synthea corpus not found (%s)\n", mods);
    return;
  }
  lua_State *L = luaL_newstate();
  if (!L) { CHECK(0, "luaL_newstate"); return; }
  scan(L, mods);
  scan(L, tmods);
  lua_close(L);
  CHECK(corpus_exprs >= 4 && corpus_bad == 0, "all %d expressions of the corpus and test modules compile",
        corpus_exprs);
}

int main(void) {
  test_arithmetic();
  test_functions();
  test_conditions();
  test_variables();
  test_syntax_errors();
  test_eval_errors();
  test_limits();
  test_vitals();
  test_corpus();
  return test_done();
}
