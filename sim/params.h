/*
** params.h -- params files (schemas/params.md): values that override the
** `param("name", default)` numbers of modules by name, from `--params FILE`.
*/
#ifndef VT_PARAMS_H
#define VT_PARAMS_H

#include <stdio.h>

typedef enum { VT_PARAM_NUMBER, VT_PARAM_STRING, VT_PARAM_BOOL } vt_param_kind;

typedef struct vt_param {
  char *name;
  vt_param_kind kind;
  double number;        /* VT_PARAM_NUMBER */
  char *string;         /* VT_PARAM_STRING (NULL otherwise) */
  int boolean;          /* VT_PARAM_BOOL: 0 or 1 */
  int line;             /* 1-based line of the entry in the file */
  int used;             /* set by vt_params_get; read it with vt_params_warn_unused */
} vt_param;

typedef struct vt_params {
  char *path;
  vt_param *items;      /* sorted by name */
  int n;
  char hash[17];        /* FNV-1a 64 of the file's bytes, 16 lowercase hex digits */
} vt_params;

/* Load a params file.  Returns NULL with err = "FILE:LINE:COL: message" on a
** YAML error, a missing `params` mapping, a non-scalar or empty value, or a
** duplicate name.  Plain numbers are NUMBER, plain true/false are BOOL, any
** other scalar (and any quoted one) is STRING. */
vt_params *vt_params_load(const char *path, char *err, size_t errlen);

/* The entry called name, or NULL (also when p is NULL); marks it used.  Safe
** to call from several threads at once. */
const vt_param *vt_params_get(vt_params *p, const char *name);

/* Print "vitae: warning: FILE:LINE: parameter 'x' is not used by any loaded
** module" for every entry never looked up, in file order.  Returns how many. */
int vt_params_warn_unused(const vt_params *p, FILE *out);

void vt_params_free(vt_params *p);

#endif
