/*
** pattern.h -- Lua 5.4 string patterns with a step budget, for module code.
**
** Why this exists: the sandbox (lua/bridge.c) bounds module code with an
** instruction budget enforced by Lua's count hook, but the stock
** string.find/match/gmatch/gsub run in C, where no hook fires, so
** string.find(string.rep("a", 4000), ".-.-.-.-.-b") backtracks for minutes.
** pattern.c implements the same four functions and the same pattern language
** (Lua 5.4 reference manual, sections 6.4 and 6.4.1: classes, sets,
** quantifiers, anchors, captures, back-references, %b, %f; gsub's string,
** table and function replacements; the error messages), written from the
** manual and checked against the real functions by tests/unit/test_pattern.c.
** The difference: it counts its matching steps and passes them to a charge
** hook, which raises a Lua error when the caller's budget is spent.
*/
#ifndef VT_PATTERN_H
#define VT_PATTERN_H

#include "lua.h"

#define VT_PATTERN_STEP 4096                  /* steps between two charges */
#define VT_PATTERN_DEFAULT_LIMIT 100000000L   /* steps per call with no hook */
#define VT_PATTERN_MAXDEPTH 200               /* nested matcher calls */
#define VT_PATTERN_MAXCAPTURES 32             /* captures in one pattern */

/* Called with the steps taken since the last call: every VT_PATTERN_STEP
** steps, before calling a gsub replacement function or indexing its
** replacement table, and once with the remainder when a call ends (but not
** when it ends with an error).  To stop the matching it raises a Lua error
** (lua_error / luaL_error); otherwise it must leave the stack as it found
** it.  One step is one attempt to match a character against a single-char
** class (plus one per set element or pattern byte examined), one iteration
** of a backtracking loop, one byte scanned by %b, a back-reference or a
** plain search, one start position tried. */
typedef void (*vt_pattern_charge_fn)(lua_State *L, long steps);

/* Set the process-wide charge hook (NULL: each call may take at most
** VT_PATTERN_DEFAULT_LIMIT steps, then fails with "pattern matching too
** expensive").  Set it before any thread uses the functions. */
void vt_pattern_set_charge(vt_pattern_charge_fn fn);

/* Set fields find, match, gmatch and gsub of the table at index t (raw
** sets, no metamethods) to the counting implementations. */
void vt_pattern_register(lua_State *L, int t);

#endif
