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
/* A module file of a module set: its file, its module path
** ("medications/otc_pain"), 1 if a submodule (found in a subfolder). */
typedef struct vt_module_file { char *file, *path; int sub; } vt_module_file;
/* The module files of `paths` as vt_modset_load reads them: a folder's
** *.lua and *.json files are top-level modules and its subfolders' files,
** recursively, submodules (lookup_tables, hidden entries and module tests
** skipped); a file is itself.  *files (*n of them) are sorted, top-level
** modules first, then submodules, each by path; the folders submodules are
** looked up in are added to *roots (*nroots).  0, or -1 with err (a path
** that does not exist or is not a module, a folder without modules, an
** entry that leads outside its tree) and *files NULL (modset.c). */
int vt_module_files(char *const *paths, int npaths, vt_module_file **files, int *n, char ***roots,
                    int *nroots, char *err, size_t errlen);
void vt_module_files_free(vt_module_file *files, int n);
/* The line in `file` a module-level message gives when the module table
** has none: for JSON (`json`) the line where the value starts, for Lua
** the line of the last unindented `return`, else the last line that is not
** blank; 1 for an empty or unreadable file (loader.c). */
int vt_module_source_line(const char *file, int json);

#endif
