/*
** param_decl.h -- finding the params a module declares without running its
** functions: the param("name", default) calls written in a Lua module's
** source, and the implicit names of a GMF JSON module's branch
** probabilities (schemas/params.md, "Listing params").
*/
#ifndef VT_PARAM_DECL_H
#define VT_PARAM_DECL_H

#include <stddef.h>

#include "sim/params.h"

/* Scan Lua source `src` (len bytes) of module `module` in `file` for calls
** param("literal name", default) outside comments and strings, and add each
** name not yet in l as VT_PDECL_FUNCTION with its line and its default (a
** number, string or boolean literal; has_default 0 when it is an
** expression).  A call whose name is not a string literal adds a note.
** Returns the number of calls found, or -1 out of memory. */
int vt_param_scan_lua(const char *src, size_t len, const char *file, const char *module, vt_param_list *l);

/* Read file `file` and scan it as vt_param_scan_lua does.  -1 when it
** cannot be read (err set) or out of memory. */
int vt_param_scan_lua_file(const char *file, const char *module, vt_param_list *l, char *err, size_t errlen);

/* The implicit name of a GMF branch probability into out:
** "gmf.MODULE.STATE.TARGET" for a distributed_transition,
** "gmf.MODULE.STATE.optionK.TARGET" for the distributions of option K
** (1-based) of a complex_transition, with "#N" added for the N-th (N >= 2)
** branch to the same target in one list.  In MODULE, STATE and TARGET the
** bytes '.', '#', '%', space, control characters and DEL are written %XX,
** so that different branches never share a name.  Returns 0, or -1 if out
** is too small. */
int vt_gmf_param_name(char *out, size_t outlen, const char *module, const char *state, int option,
                      const char *target, int occurrence);

#endif
