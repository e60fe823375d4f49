/*
** jsonget.c -- read values out of a JSON file for the end-to-end tests
** (`vitae eval --json`): strict parsing by vitae's own JSON reader
** (lua/json.h), then a dotted path per argument.
**
**   jsonget FILE PATH...     PATH like "fidelity.score" or "summary.1.level"
**                            (array positions from 1); prints one line per
**                            PATH: a number (%.17g), a string, true, false,
**                            null, or "<object>" / "<array>" (with its
**                            length: "<array 3>").
**   jsonget FILE             only checks that FILE is valid JSON.
** Exit status: 0; 1 when the file is not valid JSON (the reader's
** "FILE:LINE:COL: message") or a path is missing ("PATH: no such key").
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "lua/json.h"

/* Walk path from the value on top of the stack; leaves the value found on
** top.  0, or -1 when a key is missing. */
static int walk(lua_State *L, const char *path) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *part = strtok(buf, "."); part; part = strtok(NULL, ".")) {
    if (!lua_istable(L, -1)) return -1;
    char *end;
    long i = strtol(part, &end, 10);
    if (*end == '\0' && end != part) lua_rawgeti(L, -1, i);
    else lua_getfield(L, -1, part);
    if (lua_isnil(L, -1)) return -1;
    lua_remove(L, -2);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: jsonget FILE [PATH...]\n"); return 2; }
  lua_State *L = luaL_newstate();
  char err[1024];
  if (vt_json_push_file(L, argv[1], err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); lua_close(L); return 1; }
  int status = 0;
  for (int a = 2; a < argc; a++) {
    lua_pushvalue(L, 1);
    if (walk(L, argv[a]) != 0) { fprintf(stderr, "%s: no such key\n", argv[a]); status = 1; lua_settop(L, 1); continue; }
    if (vt_json_isnull(L, -1)) printf("null\n");
    else if (lua_isinteger(L, -1)) printf("%lld\n", (long long)lua_tointeger(L, -1));
    else if (lua_type(L, -1) == LUA_TNUMBER) printf("%.17g\n", lua_tonumber(L, -1));
    else if (lua_type(L, -1) == LUA_TSTRING) printf("%s\n", lua_tostring(L, -1));
    else if (lua_type(L, -1) == LUA_TBOOLEAN) printf("%s\n", lua_toboolean(L, -1) ? "true" : "false");
    else if (lua_istable(L, -1)) {
      lua_Integer n = luaL_len(L, -1);
      if (n > 0) printf("<array %lld>\n", (long long)n);
      else { lua_pushnil(L); printf(lua_next(L, -2) ? "<object>\n" : "<empty>\n"); }
    } else printf("?\n");
    lua_settop(L, 1);
  }
  lua_close(L);
  return status;
}
