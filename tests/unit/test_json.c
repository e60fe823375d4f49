/*
** test_json.c -- unit tests of the strict JSON reader (lua/json.c): the Lua
** values it builds, every syntax error with its line:column, refusal under
** memory exhaustion without raising, and (when present beside the
** repository) every JSON file of Synthea's module corpus.  Run from the
** repository root: fixtures are read from tests/fixtures/json/ and the corpus
** from ../shared/synthea/modules.
*/
#include "lua/json.h"
#include "test.h"

#include "lauxlib.h"
#include "lualib.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define FIX "tests/fixtures/json/"
#define CORPUS "../shared/synthea/modules"

static int starts_with(const char *s, const char *prefix) {
  return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static int contains(const char *s, const char *part) {
  return s && strstr(s, part) != NULL;
}

/* Parse NUL-terminated text under the name "t"; returns vt_json_push's code. */
static int parse(lua_State *L, const char *text, char *err, size_t errlen) {
  return vt_json_push(L, text, strlen(text), "t", err, errlen);
}

/* Check that `text` is refused with a message starting with `where`
** ("t:LINE:COL:") and containing `piece`, and that nothing was pushed. */
static void expect_error(lua_State *L, const char *what, const char *text, size_t len,
                         const char *where, const char *piece) {
  char err[512] = "";
  int top = lua_gettop(L);
  int rc = vt_json_push(L, text, len, "t", err, sizeof err);
  CHECK(rc == -1 && lua_gettop(L) == top && starts_with(err, where) && contains(err, piece),
        "error: %s -> %s", what, err);
}
#define EXPECT_ERROR(L, what, text, where, piece) expect_error(L, what, text, strlen(text), where, piece)

/* Field `key` of the table at the top (pushed). */
static int field(lua_State *L, const char *key) {
  lua_pushstring(L, key);
  return lua_rawget(L, -2);
}

static void test_scalars(lua_State *L) {
  char err[256];
  int top = lua_gettop(L);
  CHECK(parse(L, "true", err, sizeof err) == 0 && lua_isboolean(L, -1) && lua_toboolean(L, -1), "true -> boolean true");
  lua_pop(L, 1);
  CHECK(parse(L, " \n\tfalse \r\n", err, sizeof err) == 0 && lua_isboolean(L, -1) && !lua_toboolean(L, -1),
        "false with surrounding whitespace -> boolean false");
  lua_pop(L, 1);
  CHECK(parse(L, "null", err, sizeof err) == 0 && vt_json_isnull(L, -1) && !lua_isnil(L, -1), "null -> sentinel, not nil");
  lua_pop(L, 1);
  CHECK(parse(L, "42", err, sizeof err) == 0 && lua_isinteger(L, -1) && lua_tointeger(L, -1) == 42, "42 -> integer");
  lua_pop(L, 1);
  CHECK(parse(L, "-7", err, sizeof err) == 0 && lua_isinteger(L, -1) && lua_tointeger(L, -1) == -7, "-7 -> integer");
  lua_pop(L, 1);
  CHECK(parse(L, "0", err, sizeof err) == 0 && lua_isinteger(L, -1) && lua_tointeger(L, -1) == 0, "0 -> integer");
  lua_pop(L, 1);
  CHECK(parse(L, "-0", err, sizeof err) == 0 && lua_isinteger(L, -1) && lua_tointeger(L, -1) == 0, "-0 -> integer 0");
  lua_pop(L, 1);
  CHECK(parse(L, "3.5", err, sizeof err) == 0 && !lua_isinteger(L, -1) && lua_tonumber(L, -1) == 3.5, "3.5 -> float");
  lua_pop(L, 1);
  CHECK(parse(L, "1.0", err, sizeof err) == 0 && !lua_isinteger(L, -1) && lua_tonumber(L, -1) == 1.0, "1.0 -> float");
  lua_pop(L, 1);
  CHECK(parse(L, "1e2", err, sizeof err) == 0 && !lua_isinteger(L, -1) && lua_tonumber(L, -1) == 100.0, "1e2 -> float 100");
  lua_pop(L, 1);
  CHECK(parse(L, "-2.5E-3", err, sizeof err) == 0 && !lua_isinteger(L, -1) && lua_tonumber(L, -1) == -2.5e-3,
        "-2.5E-3 -> float");
  lua_pop(L, 1);
  CHECK(parse(L, "0.1e+1", err, sizeof err) == 0 && lua_tonumber(L, -1) == 1.0, "0.1e+1 -> 1.0");
  lua_pop(L, 1);
  CHECK(parse(L, "9223372036854775807", err, sizeof err) == 0 && lua_isinteger(L, -1) &&
        lua_tointeger(L, -1) == LUA_MAXINTEGER, "max integer stays integer");
  lua_pop(L, 1);
  CHECK(parse(L, "-9223372036854775808", err, sizeof err) == 0 && lua_isinteger(L, -1) &&
        lua_tointeger(L, -1) == LUA_MININTEGER, "min integer stays integer");
  lua_pop(L, 1);
  CHECK(parse(L, "9223372036854775808", err, sizeof err) == 0 && !lua_isinteger(L, -1) &&
        lua_tonumber(L, -1) == 9223372036854775808.0, "max integer + 1 -> float");
  lua_pop(L, 1);
  CHECK(parse(L, "-9223372036854775809", err, sizeof err) == 0 && !lua_isinteger(L, -1) &&
        lua_tonumber(L, -1) == -9223372036854775808.0, "min integer - 1 -> float");
  lua_pop(L, 1);
  CHECK(parse(L, "123456789012345678901234567890", err, sizeof err) == 0 && !lua_isinteger(L, -1) &&
        fabs(lua_tonumber(L, -1) / 1.2345678901234568e29 - 1) < 1e-15, "30-digit integer -> float");
  lua_pop(L, 1);
  {
    char big[200];
    memset(big, '0', sizeof big);
    big[0] = '1'; big[1] = '.'; big[sizeof big - 2] = '5'; big[sizeof big - 1] = 0;
    CHECK(parse(L, big, err, sizeof err) == 0 && lua_tonumber(L, -1) == 1.0, "199-character float");
    lua_pop(L, 1);
  }
  CHECK(parse(L, "\"hi\"", err, sizeof err) == 0 && lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "hi") == 0,
        "string");
  lua_pop(L, 1);
  CHECK(parse(L, "\"\"", err, sizeof err) == 0 && lua_rawlen(L, -1) == 0, "empty string");
  lua_pop(L, 1);
  CHECK(lua_gettop(L) == top, "stack balanced after scalars");
}

static void test_nested(lua_State *L) {
  char err[256];
  int top = lua_gettop(L);
  const char *doc = "{\"a\": [1, {\"b\": null, \"c\": [[], {}]}, \"x\"], \"d\": {\"a\": {\"a\": 1}}, \"e\": []}";
  int rc = parse(L, doc, err, sizeof err);
  CHECK(rc == 0 && lua_istable(L, -1), "nested document parses: %s", rc ? err : "");
  if (rc) return;
  CHECK(field(L, "a") == LUA_TTABLE && lua_rawlen(L, -1) == 3, "array a has 3 items");
  CHECK(lua_rawgeti(L, -1, 1) == LUA_TNUMBER && lua_isinteger(L, -1) && lua_tointeger(L, -1) == 1, "a[1] == 1");
  lua_pop(L, 1);
  CHECK(lua_rawgeti(L, -1, 2) == LUA_TTABLE, "a[2] is a table");
  CHECK(field(L, "b") == LUA_TLIGHTUSERDATA && vt_json_isnull(L, -1), "a[2].b is null and the key is kept");
  lua_pop(L, 1);
  CHECK(field(L, "c") == LUA_TTABLE && lua_rawlen(L, -1) == 2, "a[2].c has 2 items");
  CHECK(lua_rawgeti(L, -1, 1) == LUA_TTABLE && lua_rawlen(L, -1) == 0, "empty array -> empty table");
  lua_pop(L, 1);
  CHECK(lua_rawgeti(L, -1, 2) == LUA_TTABLE, "empty object -> table");
  lua_pushnil(L);
  CHECK(lua_next(L, -2) == 0, "empty object has no keys");
  lua_pop(L, 3);
  CHECK(lua_rawgeti(L, -1, 3) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "x") == 0, "a[3] == \"x\"");
  CHECK(lua_rawgeti(L, -2, 4) == LUA_TNIL, "a[4] is nil");
  lua_pop(L, 3);
  CHECK(field(L, "d") == LUA_TTABLE && field(L, "a") == LUA_TTABLE && field(L, "a") == LUA_TNUMBER &&
        lua_tointeger(L, -1) == 1, "same key at different depths is not a duplicate");
  lua_pop(L, 3);
  CHECK(field(L, "e") == LUA_TTABLE && lua_rawlen(L, -1) == 0, "e is an empty table");
  lua_pop(L, 2);
  CHECK(lua_gettop(L) == top, "stack balanced after nested");

  /* Arrays keep nulls in place. */
  rc = parse(L, "[null, 2, null]", err, sizeof err);
  CHECK(rc == 0 && lua_rawlen(L, -1) == 3, "array with nulls keeps its length");
  if (rc == 0) {
    lua_rawgeti(L, -1, 1); lua_rawgeti(L, -2, 3);
    CHECK(vt_json_isnull(L, -1) && vt_json_isnull(L, -2), "nulls in array are sentinels");
    lua_pop(L, 3);
  }

  /* Depth 200 is allowed. */
  char deep[2 * VT_JSON_MAX_DEPTH + 1];
  memset(deep, '[', VT_JSON_MAX_DEPTH);
  memset(deep + VT_JSON_MAX_DEPTH, ']', VT_JSON_MAX_DEPTH);
  deep[2 * VT_JSON_MAX_DEPTH] = 0;
  rc = parse(L, deep, err, sizeof err);
  CHECK(rc == 0 && lua_istable(L, -1), "nesting of exactly %d levels is accepted: %s", VT_JSON_MAX_DEPTH, rc ? err : "");
  if (rc == 0) lua_pop(L, 1);
  CHECK(lua_gettop(L) == top, "stack balanced after arrays");
}

static void test_strings(lua_State *L) {
  char err[256];
  size_t n;
  const char *s;
  CHECK(parse(L, "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", err, sizeof err) == 0 &&
        strcmp(lua_tostring(L, -1), "\"\\/\b\f\n\r\t") == 0, "simple escapes");
  lua_pop(L, 1);
  CHECK(parse(L, "\"A\\u0041\\u00e9\\u20AC\"", err, sizeof err) == 0 &&
        strcmp(lua_tostring(L, -1), "AA\xC3\xA9\xE2\x82\xAC") == 0, "\\u escapes -> UTF-8 (1, 2, 3 bytes)");
  lua_pop(L, 1);
  CHECK(parse(L, "\"\\uD83D\\uDE00!\"", err, sizeof err) == 0 &&
        strcmp(lua_tostring(L, -1), "\xF0\x9F\x98\x80!") == 0, "surrogate pair -> 4-byte UTF-8");
  lua_pop(L, 1);
  CHECK(parse(L, "\"\\udbff\\udfff\"", err, sizeof err) == 0 &&
        strcmp(lua_tostring(L, -1), "\xF4\x8F\xBF\xBF") == 0, "highest surrogate pair -> U+10FFFF");
  lua_pop(L, 1);
  CHECK(parse(L, "\"a\\u0000b\"", err, sizeof err) == 0 && (s = lua_tolstring(L, -1, &n)) && n == 3 &&
        memcmp(s, "a\0b", 3) == 0, "\\u0000 -> embedded NUL");
  lua_pop(L, 1);
  CHECK(parse(L, "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xED\x9F\xBF \xEE\x80\x80\"", err, sizeof err) == 0 &&
        strcmp(lua_tostring(L, -1), "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xED\x9F\xBF \xEE\x80\x80") == 0,
        "raw UTF-8 passes through");
  lua_pop(L, 1);
  {
    /* A long string with escapes spread out, past the luaL_Buffer's first
    ** block. */
    char src[10000], want[10000];
    size_t sn = 0, wn = 0;
    src[sn++] = '"';
    for (int i = 0; i < 1500; i++) {
      memcpy(src + sn, "ab\\ncd", 6); sn += 6;
      memcpy(want + wn, "ab\ncd", 5); wn += 5;
    }
    src[sn++] = '"';
    int rc = vt_json_push(L, src, sn, "t", err, sizeof err);
    CHECK(rc == 0 && (s = lua_tolstring(L, -1, &n)) && n == wn && memcmp(s, want, wn) == 0, "long string with escapes");
    if (rc == 0) lua_pop(L, 1);
  }
  /* Not NUL-terminated input: only len bytes are read. */
  CHECK(vt_json_push(L, "[1,2]xyz", 5, "t", err, sizeof err) == 0 && lua_rawlen(L, -1) == 2, "len bounds the text");
  lua_pop(L, 1);
  /* A leading byte order mark is skipped. */
  CHECK(parse(L, "\xEF\xBB\xBF{\"a\": 1}", err, sizeof err) == 0 && lua_istable(L, -1), "leading BOM skipped");
  lua_pop(L, 1);
  EXPECT_ERROR(L, "error column after BOM", "\xEF\xBB\xBF[x]", "t:1:2:", "expected a value");
}

static void test_errors(lua_State *L) {
  /* Structure. */
  EXPECT_ERROR(L, "empty input", "", "t:1:1:", "expected a value, got end of input");
  EXPECT_ERROR(L, "whitespace only", "  \n   ", "t:2:4:", "end of input");
  EXPECT_ERROR(L, "unexpected character", "[}", "t:1:2:", "expected a value, got '}'");
  EXPECT_ERROR(L, "unexpected byte", "[\x01]", "t:1:2:", "byte 0x01");
  EXPECT_ERROR(L, "missing comma in array", "[1 2]", "t:1:4:", "expected ',' or ']' in array, got '2'");
  EXPECT_ERROR(L, "unclosed array", "[1, 2", "t:1:6:", "expected ',' or ']' in array, got end of input");
  EXPECT_ERROR(L, "missing colon", "{\"a\" 1}", "t:1:6:", "expected ':' after key \"a\", got '1'");
  EXPECT_ERROR(L, "non-string key", "{1: 2}", "t:1:2:", "expected a string key in object, got '1'");
  EXPECT_ERROR(L, "single-quoted key", "{'a': 2}", "t:1:2:", "expected a string key");
  EXPECT_ERROR(L, "missing comma in object", "{\"a\": 1 \"b\": 2}", "t:1:9:", "expected ',' or '}' in object, got '\"'");
  EXPECT_ERROR(L, "unclosed object", "{\"a\": 1", "t:1:8:", "got end of input");
  EXPECT_ERROR(L, "missing value", "{\"a\":}", "t:1:6:", "expected a value, got '}'");
  EXPECT_ERROR(L, "trailing comma in object", "{\"a\":1,}", "t:1:7:", "trailing comma in object");
  EXPECT_ERROR(L, "trailing comma in array", "[1,2,]", "t:1:5:", "trailing comma in array");
  EXPECT_ERROR(L, "trailing comma before whitespace", "[1,\n  ]", "t:1:3:", "trailing comma in array");
  EXPECT_ERROR(L, "leading comma", "[,1]", "t:1:2:", "expected a value, got ','");
  EXPECT_ERROR(L, "double comma", "[1,,2]", "t:1:4:", "expected a value, got ','");
  EXPECT_ERROR(L, "trailing garbage", "{} x", "t:1:4:", "unexpected 'x' after the JSON value");
  EXPECT_ERROR(L, "two values", "1 2", "t:1:3:", "unexpected '2' after the JSON value");
  EXPECT_ERROR(L, "literal followed by letters", "truex", "t:1:5:", "unexpected 'x' after the JSON value");
  EXPECT_ERROR(L, "truncated literal", "[tru]", "t:1:2:", "invalid literal");
  EXPECT_ERROR(L, "capitalised literal", "True", "t:1:1:", "expected a value, got 'T'");
  EXPECT_ERROR(L, "NaN", "NaN", "t:1:1:", "expected a value, got 'N'");
  EXPECT_ERROR(L, "comment", "// x\n1", "t:1:1:", "expected a value, got '/'");
  expect_error(L, "embedded NUL byte", "[1]\0", 4, "t:1:4:", "unexpected byte 0x00 after the JSON value");
  EXPECT_ERROR(L, "error on a later line", "{\n  \"a\": 1,\n  \"b\": tru\n}", "t:3:8:", "invalid literal");
  EXPECT_ERROR(L, "CRLF lines", "[1,\r\n 2,\r\n x]", "t:3:2:", "expected a value, got 'x'");
  EXPECT_ERROR(L, "column counts UTF-8 characters", "[\"\xC3\xA9\xE2\x82\xAC\", x]", "t:1:8:", "got 'x'");

  /* Numbers. */
  EXPECT_ERROR(L, "leading zero", "01", "t:1:1:", "leading zeros are not allowed");
  EXPECT_ERROR(L, "leading zero, negative", "[-012]", "t:1:2:", "leading zeros are not allowed");
  EXPECT_ERROR(L, "leading zeros before fraction", "00.5", "t:1:1:", "leading zeros");
  EXPECT_ERROR(L, "bare minus", "-", "t:1:2:", "expected a digit after '-', got end of input");
  EXPECT_ERROR(L, "minus then letter", "[-a]", "t:1:3:", "expected a digit after '-', got 'a'");
  EXPECT_ERROR(L, "no digit after point", "1.", "t:1:3:", "expected a digit after '.'");
  EXPECT_ERROR(L, "no digit after point, exponent", "1.e5", "t:1:3:", "expected a digit after '.', got 'e'");
  EXPECT_ERROR(L, "empty exponent", "1e+", "t:1:4:", "expected a digit in the exponent");
  EXPECT_ERROR(L, "leading point", ".5", "t:1:1:", "expected a value, got '.'");
  EXPECT_ERROR(L, "leading plus", "+1", "t:1:1:", "expected a value, got '+'");
  EXPECT_ERROR(L, "hex number", "0x10", "t:1:2:", "unexpected 'x'");
  EXPECT_ERROR(L, "out of range", "[1e999]", "t:1:2:", "number out of range");
  EXPECT_ERROR(L, "out of range, negative", "-1e400", "t:1:1:", "number out of range");

  /* Strings. */
  EXPECT_ERROR(L, "unterminated string", "\"abc", "t:1:1:", "unterminated string");
  EXPECT_ERROR(L, "unterminated string in object", "{\"a\": \"abc", "t:1:7:", "unterminated string");
  EXPECT_ERROR(L, "unterminated after backslash", "\"abc\\", "t:1:1:", "unterminated string");
  EXPECT_ERROR(L, "raw newline in string", "\"ab\ncd\"", "t:1:4:", "control character 0x0A in string");
  EXPECT_ERROR(L, "raw tab in string", "[\"a\tb\"]", "t:1:4:", "control character 0x09");
  EXPECT_ERROR(L, "bad escape", "\"a\\qb\"", "t:1:3:", "invalid escape '\\q'");
  EXPECT_ERROR(L, "bad escape, non-printable", "\"a\\\x01\"", "t:1:3:", "invalid escape: '\\' followed by byte 0x01");
  EXPECT_ERROR(L, "escaped single quote", "\"\\'\"", "t:1:2:", "invalid escape '\\''");
  EXPECT_ERROR(L, "\\u with bad hex", "\"\\u12G4\"", "t:1:2:", "invalid \\u escape: expected 4 hex digits");
  EXPECT_ERROR(L, "\\u cut short", "\"\\u12\"", "t:1:2:", "invalid \\u escape");
  EXPECT_ERROR(L, "\\u at end of input", "\"\\u12", "t:1:2:", "invalid \\u escape");
  EXPECT_ERROR(L, "lone high surrogate", "\"x\\uD800\"", "t:1:3:", "unpaired surrogate \\uD800");
  EXPECT_ERROR(L, "high surrogate + non-surrogate", "\"\\uD800\\u0041\"", "t:1:2:", "unpaired surrogate \\uD800");
  EXPECT_ERROR(L, "high surrogate + high surrogate", "\"\\uDBFF\\uDBFF\"", "t:1:2:", "unpaired surrogate \\uDBFF");
  EXPECT_ERROR(L, "high surrogate + text", "\"\\uD83Dabcdef\"", "t:1:2:", "unpaired surrogate");
  EXPECT_ERROR(L, "lone low surrogate", "\"\\uDC00\"", "t:1:2:", "unpaired surrogate \\uDC00");
  EXPECT_ERROR(L, "invalid UTF-8: bad continuation", "\"a\xC3(\"", "t:1:3:", "invalid UTF-8 in string (byte 0xC3)");
  EXPECT_ERROR(L, "invalid UTF-8: stray continuation", "\"\x80\"", "t:1:2:", "invalid UTF-8");
  EXPECT_ERROR(L, "invalid UTF-8: overlong 2-byte", "\"\xC0\xAF\"", "t:1:2:", "invalid UTF-8");
  EXPECT_ERROR(L, "invalid UTF-8: overlong 3-byte", "\"\xE0\x80\xAF\"", "t:1:2:", "invalid UTF-8");
  EXPECT_ERROR(L, "invalid UTF-8: encoded surrogate", "\"\xED\xA0\x80\"", "t:1:2:", "invalid UTF-8");
  EXPECT_ERROR(L, "invalid UTF-8: above U+10FFFF", "\"\xF4\x90\x80\x80\"", "t:1:2:", "invalid UTF-8");
  EXPECT_ERROR(L, "invalid UTF-8: F5 lead", "\"\xF5\x80\x80\x80\"", "t:1:2:", "invalid UTF-8");
  EXPECT_ERROR(L, "invalid UTF-8: truncated at end", "\"\xE2\x82", "t:1:2:", "invalid UTF-8");
  EXPECT_ERROR(L, "invalid UTF-8 after escapes", "\"\\n\xFF\"", "t:1:4:", "invalid UTF-8");
  EXPECT_ERROR(L, "non-ASCII outside strings", "[\xC3\xA9]", "t:1:2:", "expected a value, got byte 0xC3");

  /* Nesting. */
  {
    char deep[2 * (VT_JSON_MAX_DEPTH + 1) + 1];
    memset(deep, '[', VT_JSON_MAX_DEPTH + 1);
    memset(deep + VT_JSON_MAX_DEPTH + 1, ']', VT_JSON_MAX_DEPTH + 1);
    deep[2 * (VT_JSON_MAX_DEPTH + 1)] = 0;
    EXPECT_ERROR(L, "nesting of 201 arrays", deep, "t:1:201:", "nesting deeper than 200 levels");
    char objs[20 * (VT_JSON_MAX_DEPTH + 1) + 8];
    size_t n = 0;
    for (int i = 0; i <= VT_JSON_MAX_DEPTH; i++) { memcpy(objs + n, "{\"k\":", 5); n += 5; }
    objs[n] = 0;
    char where[32];
    snprintf(where, sizeof where, "t:1:%d:", 5 * VT_JSON_MAX_DEPTH + 1);
    EXPECT_ERROR(L, "nesting of 201 objects", objs, where, "nesting deeper than 200 levels");
  }

  /* Duplicate keys. */
  EXPECT_ERROR(L, "duplicate key", "{\"a\":1,\"b\":2,\"a\":3}", "t:1:14:", "duplicate key \"a\" in object");
  EXPECT_ERROR(L, "duplicate key after escape decoding", "{\"ab\":1, \"a\\u0062\":2}", "t:1:10:", "duplicate key \"ab\"");
  EXPECT_ERROR(L, "duplicate key with null values", "{\"n\":null,\n \"n\":null}", "t:2:2:", "duplicate key \"n\"");
  EXPECT_ERROR(L, "duplicate key, nested", "[{\"x\":{}}, {\"y\":1, \"y\":2}]", "t:1:20:", "duplicate key \"y\"");

  /* Messages without a buffer, or with a tiny one, are safe. */
  CHECK(vt_json_push(L, "[", 1, "t", NULL, 0) == -1, "NULL err buffer accepted");
  char tiny[6];
  CHECK(vt_json_push(L, "[", 1, "t", tiny, sizeof tiny) == -1 && strcmp(tiny, "t:1:2") == 0, "tiny err buffer truncated");
  char err[128];
  CHECK(vt_json_push(L, NULL, 0, NULL, err, sizeof err) == -1 && starts_with(err, "(json):1:1:"), "NULL text and name");
}

static void test_null_sentinel(lua_State *L) {
  static int other;
  lua_pushnil(L);
  lua_pushlightuserdata(L, &other);
  lua_pushboolean(L, 0);
  CHECK(!vt_json_isnull(L, -1) && !vt_json_isnull(L, -2) && !vt_json_isnull(L, -3) && !vt_json_isnull(L, 10),
        "isnull false for false, other light userdata, nil and none");
  lua_pop(L, 3);
  char err[128];
  CHECK(parse(L, "[null]", err, sizeof err) == 0, "parse [null]");
  lua_rawgeti(L, -1, 1);
  CHECK(parse(L, "null", err, sizeof err) == 0 && lua_rawequal(L, -1, -2), "all nulls are the same value");
  lua_pop(L, 3);
}

/* An allocator that fails once `limit` bytes are in use. */
typedef struct capped { size_t used, limit; } capped;
static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  capped *c = ud;
  if (ptr == NULL) osize = 0;
  if (nsize == 0) { free(ptr); c->used -= osize; return NULL; }
  if (nsize > osize && c->used + (nsize - osize) > c->limit) return NULL;
  void *q = realloc(ptr, nsize);
  if (q) c->used = c->used + nsize - osize;
  return q;
}

/* Under every memory cap from tight to loose, parsing either succeeds or
** fails with "not enough memory", never raises, and leaves the stack as it
** was on failure. */
static void test_memory(void) {
  char doc[8192];
  size_t n = 0;
  n += (size_t)snprintf(doc + n, sizeof doc - n, "{\"list\": [");
  for (int i = 0; i < 60; i++)
    n += (size_t)snprintf(doc + n, sizeof doc - n, "%s{\"k%d\": \"v\\u00e9%d long string value %d\", \"n\": %d.5}",
                          i ? "," : "", i, i, i, i);
  n += (size_t)snprintf(doc + n, sizeof doc - n, "]}");
  int clean = 1, failures = 0, successes = 0;
  for (size_t extra = 0; extra <= 40000; extra += 250) {
    capped cap = { 0, (size_t)-1 };
    lua_State *L = lua_newstate(capped_alloc, &cap);
    if (!L) { clean = 0; break; }
    cap.limit = cap.used + extra;
    char err[256];
    int rc = vt_json_push(L, doc, n, "mem", err, sizeof err);
    if (rc == 0) { successes++; if (lua_gettop(L) != 1 || !lua_istable(L, 1)) clean = 0; }
    else {
      failures++;
      if (lua_gettop(L) != 0 || strcmp(err, "mem: not enough memory to build the JSON value") != 0) {
        clean = 0;
        printf("# unexpected: %s\n", err);
      }
    }
    cap.limit = (size_t)-1;
    lua_close(L);
  }
  CHECK(clean && failures > 0 && successes > 0, "memory exhaustion is reported, not raised (%d failed, %d succeeded)",
        failures, successes);
}

static void test_fixtures(lua_State *L) {
  char err[512];
  int top = lua_gettop(L);
  int rc = vt_json_push_file(L, FIX "good.json", err, sizeof err);
  CHECK(rc == 0 && lua_istable(L, -1), "good.json parses: %s", rc ? err : "");
  if (rc == 0) {
    CHECK(field(L, "name") == LUA_TSTRING && strcmp(lua_tostring(L, -1), "Fixture") == 0, "good.json name");
    lua_pop(L, 1);
    CHECK(field(L, "remarks") == LUA_TTABLE && lua_rawgeti(L, -1, 2) == LUA_TSTRING &&
          strcmp(lua_tostring(L, -1), "with \"escapes\" and caf\xC3\xA9 and caf\xC3\x83\xC2\xA9 and "
                 "\xF0\x9F\x98\x80 \xF0\x9F\x98\x80") == 0, "good.json remarks[2] decoded");
    lua_pop(L, 2);
    CHECK(field(L, "count") == LUA_TNUMBER && lua_isinteger(L, -1) && lua_tointeger(L, -1) == 3, "good.json count");
    lua_pop(L, 1);
    CHECK(field(L, "ratio") == LUA_TNUMBER && !lua_isinteger(L, -1) && lua_tonumber(L, -1) == 0.25, "good.json ratio");
    lua_pop(L, 1);
    CHECK(field(L, "big") == LUA_TNUMBER && lua_tonumber(L, -1) == 1e300, "good.json big");
    lua_pop(L, 1);
    CHECK(field(L, "flags") == LUA_TTABLE && field(L, "none") == LUA_TLIGHTUSERDATA && vt_json_isnull(L, -1),
          "good.json flags.none is null");
    lua_pop(L, 2);
    CHECK(field(L, "states") == LUA_TTABLE && field(L, "Initial") == LUA_TTABLE && field(L, "direct_transition") == LUA_TSTRING &&
          strcmp(lua_tostring(L, -1), "Terminal") == 0, "good.json states.Initial.direct_transition");
    lua_pop(L, 4);
  }
  CHECK(lua_gettop(L) == top, "stack balanced after good.json");

  static const struct { const char *file, *where, *piece; } bad[] = {
    { "trailing_comma.json", FIX "trailing_comma.json:4:35:", "trailing comma in object" },
    { "duplicate_key.json", FIX "duplicate_key.json:5:5:", "duplicate key \"Initial\"" },
    { "unterminated.json", FIX "unterminated.json:2:11:", "unterminated string" },
    { "bad_utf8.json", FIX "bad_utf8.json:2:16:", "invalid UTF-8" },
    { "garbage.json", FIX "garbage.json:2:1:", "unexpected '}' after the JSON value" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char path[256];
    snprintf(path, sizeof path, FIX "%s", bad[i].file);
    rc = vt_json_push_file(L, path, err, sizeof err);
    CHECK(rc == -1 && lua_gettop(L) == top && starts_with(err, bad[i].where) && contains(err, bad[i].piece),
          "%s refused -> %s", bad[i].file, err);
  }
  rc = vt_json_push_file(L, FIX "no_such_file.json", err, sizeof err);
  CHECK(rc == -1 && lua_gettop(L) == top && starts_with(err, FIX "no_such_file.json: cannot read:"),
        "missing file -> %s", err);
  rc = vt_json_push_file(L, FIX, err, sizeof err);
  CHECK(rc == -1 && lua_gettop(L) == top && contains(err, "cannot read"), "a directory -> %s", err);
}

/* Parse every *.json under dir, recursively; counts files and failures
** (the first few failures are printed). */
static void parse_tree(lua_State *L, const char *dir, int *files, int *failed, size_t *bytes) {
  DIR *d = opendir(dir);
  if (!d) { (*failed)++; printf("# cannot open %s\n", dir); return; }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) != 0) { (*failed)++; continue; }
    if (S_ISDIR(st.st_mode)) { parse_tree(L, path, files, failed, bytes); continue; }
    size_t n = strlen(e->d_name);
    if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0) continue;
    char err[512];
    (*files)++;
    *bytes += (size_t)st.st_size;
    int top = lua_gettop(L);
    if (vt_json_push_file(L, path, err, sizeof err) != 0) {
      if (++*failed <= 5) printf("# %s\n", err);
      continue;
    }
    if (!lua_istable(L, -1) || lua_gettop(L) != top + 1) (*failed)++;
    lua_settop(L, top);
  }
  closedir(d);
}

static void test_corpus(lua_State *L) {
  struct stat st;
  if (stat(CORPUS, &st) != 0 || !S_ISDIR(st.st_mode)) {
    printf("skip - synthea corpus not found\n");
    return;
  }
  int files = 0, failed = 0;
  size_t bytes = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  parse_tree(L, CORPUS, &files, &failed, &bytes);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  CHECK(files > 100 && failed == 0, "synthea corpus: %d JSON files (%.1f MB), %d errors, %.0f ms", files,
        bytes / 1e6, failed, ms);

  char err[512];
  int top = lua_gettop(L);
  int rc = vt_json_push_file(L, CORPUS "/appendicitis.json", err, sizeof err);
  CHECK(rc == 0 && lua_istable(L, -1), "appendicitis.json parses: %s", rc ? err : "");
  if (rc) return;
  CHECK(field(L, "name") == LUA_TSTRING && strcmp(lua_tostring(L, -1), "Appendicitis") == 0, "appendicitis name");
  lua_pop(L, 1);
  CHECK(field(L, "states") == LUA_TTABLE && field(L, "Initial") == LUA_TTABLE, "appendicitis has states.Initial");
  lua_settop(L, top);
}

int main(void) {
  lua_State *L = luaL_newstate();
  if (!L) { printf("not ok - luaL_newstate\n"); return 1; }
  test_scalars(L);
  test_nested(L);
  test_strings(L);
  test_errors(L);
  test_null_sentinel(L);
  test_memory();
  test_fixtures(L);
  test_corpus(L);
  CHECK(lua_gettop(L) == 0, "stack empty at the end");
  lua_close(L);
  return test_done();
}
