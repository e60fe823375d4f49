/*
** check.h -- `vitae check` (docs/check.md): static checks of a module set.
**
** The modules are compiled by the engine's own loader in its check mode
** (vt_module_check_compile, lua/loader.h), which collects every state's
** error instead of stopping at the first and reports the fields it never
** read; the analyses here then run on the compiled modules: reachability,
** loops that let no time pass, probabilities, code shapes, ranges,
** attributes read but never set, missing submodules, params declared twice
** with different defaults.  Every message is about a file and a line.
*/
#ifndef VT_CHECK_H
#define VT_CHECK_H

#include <stddef.h>
#include "lua/bridge.h"
#include "sim/model.h"
#include "sim/params.h"

typedef struct vt_check_msg {
  char *file;
  int line;          /* 0 if unknown */
  int warning;       /* 0: error */
  char *text;        /* "state 'X': text" or "text" */
} vt_check_msg;

typedef struct vt_check {
  vt_check_msg *msgs; int n, cap;
  vt_module **mods; int nmods, capmods;   /* compiled (states with errors left broken) */
  char **roots; int nroots;               /* folders submodules are looked up in */
  int nfiles;                             /* module files read */
  vt_param_list params;                   /* params of all modules, first declaration of each name */
} vt_check;

/* Check every module under `paths` (files, or folders: their *.lua and
** *.json files, subfolders' files as submodules, as vt_modset_load reads
** them) and the submodules they call.  Problems are messages in ck (sorted
** by file and line).  Returns 0, or -1 with err when a path does not exist
** or is not a module file or folder (a usage error: nothing is checked). */
int vt_check_paths(vt_check *ck, char *const *paths, int npaths, char *err, size_t errlen);
void vt_check_free(vt_check *ck);

/* Add a message (printf-style text; state may be NULL).  0 or -1. */
int vt_check_add(vt_check *ck, const char *file, int line, int warning, const char *state, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 6, 7)))
#endif
  ;
/* The analyses of one compiled module (its graph, probabilities, codes,
** ranges), into ck. */
void vt_check_module(vt_check *ck, const vt_module *m);
/* The analyses of the set: attributes read but never set, into ck. */
void vt_check_attributes(vt_check *ck);
/* Sort the messages by file, then line, then text. */
void vt_check_sort(vt_check *ck);
/* Counts of errors and warnings. */
void vt_check_counts(const vt_check *ck, int *errors, int *warnings);

#endif
