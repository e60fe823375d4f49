/*
** loader_int.h -- what lua/loader.c (compiling one module) and lua/modset.c
** (the module set of a run and its tree) and lua/check.c share; not for other callers,
** whose API is lua/loader.h.
*/
#ifndef VT_LOADER_INT_H
#define VT_LOADER_INT_H

#include <stddef.h>

/* Is the resolved path `real` the resolved folder `root` or inside it?
** 1 or 0 (modset.c). */
int vt_path_within(const char *real, const char *root);
/* 1 if file name `name` ends in ".json" (a GMF JSON module), else 0
** (modset.c). */
int vt_module_is_json(const char *name);
/* Length of the module extension of file name `name` (4 for ".lua", 5 for
** ".json"), or 0 if it is not a module file (modset.c). */
size_t vt_module_ext_len(const char *name);
/* 1 if a folder scan takes the entry `name` as a module: *.lua or *.json,
** but not a module test (test_*.lua, docs/module-tests.md), which may sit
** beside the modules it tests; else 0 (modset.c). */
int vt_module_in_folder(const char *name);
/* The line in `file` a module-level message gives when the module table
** has none: for JSON (`json`) the line where the value starts, for Lua
** the line of the last unindented `return`, else the last line that is not
** blank; 1 for an empty or unreadable file (loader.c). */
int vt_module_source_line(const char *file, int json);

#endif
