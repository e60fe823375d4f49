/*
** loader.h -- turns module files into compiled modules (sim/model.h).
**
** A module set is every module of a run: the top-level modules given with
** -m (or the default folder), and the submodules they call, found by path
** ("medications/otc_pain" -> ROOT/medications/otc_pain.lua) beside them.
** Each worker loads its own set into its own Lua state; the sets are
** identical because loading is deterministic (modules sorted by path,
** states by name).
*/
#ifndef VT_LOADER_H
#define VT_LOADER_H

#include "lua/bridge.h"
#include "sim/model.h"
#include "sim/params.h"

/* Conditions (And, Or, Not, At Least, At Most) nest at most this deep in a
** module; deeper is a load error naming the file and state.  Synthea's
** corpus nests at most a few levels. */
#define VT_MAX_COND_DEPTH 64

typedef struct vt_modset {
  vt_module **mods; int n, cap;   /* sorted: top-level modules by path, then submodules */
  int ntop;                       /* mods[0..ntop) run for every patient */
  char **roots; int nroots;       /* folders submodules are looked up in */
  vt_param_list params;           /* the params the modules declare (vt_modset_params) */
} vt_modset;

/* Load every module under `paths` (folders: their *.lua and *.json files
** are top-level modules, files in their subfolders, recursively, are
** submodules named by relative path; files: themselves) and the submodules
** they call.  Returns 0, or -1 with err naming the file, the state, the
** line and the field, and `failed` (failedlen bytes; may be NULL) the file
** of the module the error is in ("" for an error in no module: a folder
** without modules, a path that does not exist). */
int vt_modset_load(vt_modset *ms, vt_lua *vl, char *const *paths, int npaths, char *failed, size_t failedlen,
                   char *err, size_t errlen);
void vt_modset_free(vt_modset *ms);
/* Call fn for every code the modules can write: state codes, value codes,
** care plan activities, panel observations, imaging, supplies (a code may
** come more than once). */
void vt_modset_each_code(const vt_modset *ms, void (*fn)(const vt_code *c, void *ud), void *ud);
/* The params the loaded modules declare, one per name, in load order
** (schemas/params.md, "Listing params"): the param() calls each Lua module
** ran while loading, those its source holds inside functions (found by a
** scan of the text), and the implicit params of GMF JSON modules' constant
** branch probabilities.  *list stays valid until vt_modset_free.  Returns
** the count, also put in *n. */
int vt_modset_params(const vt_modset *ms, const vt_param_decl **list, int *n);
/* What the listing could not cover: "FILE:LINE: message" lines (a param
** name built at run time, one name with two defaults).  Returns the count. */
int vt_modset_param_notes(const vt_modset *ms, char *const **notes, int *n);
/* Index of the module with this path, or -1. */
int vt_modset_find(const vt_modset *ms, const char *path);
/* Compile the module table at the top of vl's stack (popped). `file` names
** the source in messages; `path` is its module path.  NULL and err on error. */
vt_module *vt_module_compile(vt_lua *vl, const char *file, const char *path, char *err, size_t errlen);
/* The same, with the module folders of the run: the lookup tables of the
** module are looked for up to the root that holds it (by real path) and
** never outside it.  vt_module_compile's root is the module's own folder. */
vt_module *vt_module_compile_in(vt_lua *vl, const char *file, const char *path, char *const *roots, int nroots,
                                char *err, size_t errlen);
void vt_module_free(vt_module *m);

/* Check mode (`vitae check`, lua/check.h): what compiling a module found.
** A message is about one state (state non-NULL) or the module; `line` is
** its line in the module's file (0 if unknown); `key` (may be NULL) the
** field an unknown-field message is about. */
typedef struct vt_load_msg { int line; int warning; char *state, *text, *key; } vt_load_msg;
typedef struct vt_load_report { vt_load_msg *msgs; int n, cap; } vt_load_report;
/* Compile the module table at the top of vl's stack (popped) as
** vt_module_compile_in does, but do not stop at a state's error: each
** state that fails is recorded in rep and left broken in the module (type
** VT_S__COUNT, no transition), and the others compile.  Then every string
** key of a state's tables that the compiler never read is reported
** ("field 'colour' is not used by a Simple state"): an error, or a warning
** for a GMF field vitae deliberately ignores.  Returns the module, or NULL
** when the error is the module's (no Initial, not a table; in rep too). */
vt_module *vt_module_check_compile(vt_lua *vl, const char *file, const char *path, char *const *roots, int nroots,
                                   vt_load_report *rep);
void vt_load_report_free(vt_load_report *r);
/* 1 if `name`, a submodule or lookup table path written in a module, is
** relative and has no '..' component; else 0. */
int vt_module_name_safe(const char *name);
/* Run the module file `file` (Lua, or GMF JSON by its .json name) and leave
** its module table on vl's stack: 0, or -1 with err "file:line: message". */
int vt_module_push_file(vt_lua *vl, const char *file, char *err, size_t errlen);
/* 1 if the real path of `file` (symlinks followed) is folder `root`'s real
** path or inside it; 0 if not or if either cannot be resolved. */
int vt_path_inside(const char *file, const char *root);

#endif
