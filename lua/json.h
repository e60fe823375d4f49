/*
** json.h -- a strict JSON (RFC 8259) reader that builds Lua values.
**
** Synthea's GMF modules are JSON; this reader turns one into the Lua table a
** Lua module would have returned, so both meet in the same compiler
** (vt_module_compile in lua/loader.c).  Objects become tables with string
** keys, arrays become sequences 1..n, strings are UTF-8 Lua strings, numbers
** are Lua integers when written as integers that fit, else floats, and null
** is a light userdata sentinel (not nil, so keys holding null are kept).
**
** The objects inside the top-level object's "states" object (a module's
** states) get a field `line` holding the line of their opening brace,
** unless they have one, so that module errors can name the line.
**
** The top-level object and that "states" object also get a metatable
** holding, under the key VT_JSON_LINES, a table of the line of each of
** their keys (lines.name, lines.states, lines.Initial, ...), with lines[1]
** and lines[2] the lines of the opening and closing braces: module-level
** errors name them.  Raw accesses and lua_next do not see it.
**
** Anything outside the grammar is refused with "NAME:LINE:COL: message"
** (1-based; the column counts UTF-8 characters): unexpected characters,
** unterminated strings, bad escapes, invalid UTF-8, leading zeros, trailing
** commas, garbage after the value, nesting deeper than VT_JSON_MAX_DEPTH and
** duplicate keys in one object.  A leading UTF-8 byte order mark is skipped.
*/
#ifndef VT_JSON_H
#define VT_JSON_H

#include <stddef.h>
#include "lua.h"

#define VT_JSON_MAX_DEPTH 200
#define VT_JSON_LINES "__vt_lines"

/* Parse the JSON text `src` (len bytes) and push the equivalent Lua value on
** L's stack.  Returns 0, or -1 with err "NAME:LINE:COL: message" and nothing
** pushed.  `name` names the text in messages.  Never raises a Lua error:
** memory errors are caught and reported as "NAME: not enough memory". */
int vt_json_push(lua_State *L, const char *src, size_t len, const char *name, char *err, size_t errlen);

/* Read the file `path` and vt_json_push it under its path.  Same contract;
** a file that cannot be read gives "PATH: cannot read: reason". */
int vt_json_push_file(lua_State *L, const char *path, char *err, size_t errlen);

/* 1 if the value at idx is the JSON null sentinel, else 0. */
int vt_json_isnull(lua_State *L, int idx);

#endif
