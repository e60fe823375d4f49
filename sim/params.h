/*
** params.h -- params files (schemas/params.md): values that override the
** `param("name", default)` numbers of modules by name, from `--params FILE`.
*/
#ifndef VT_PARAMS_H
#define VT_PARAMS_H

#include <stdint.h>
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

/* One measurement of a params file's privacy_ledger (schemas/params.md). */
typedef struct vt_ledger_entry {
  char *name;
  double sensitivity, sigma, rho;
  int has_epsilon;      /* epsilon is optional */
  double epsilon;       /* what this measurement alone converts to, at the ledger's delta */
  int line;
} vt_ledger_entry;

/* The privacy_ledger section: present = 0 when the file has none. */
typedef struct vt_ledger {
  int present;
  char *mechanism, *unit;          /* unit may be NULL */
  double epsilon, delta;           /* the budget */
  int has_rho_budget;
  double rho_budget, rho;          /* rho: spent in total */
  vt_ledger_entry *items;
  int n;
} vt_ledger;

/* One entry of the dp_summary section: a noisy statistic. */
typedef struct vt_summary_entry {
  char *name;
  int64_t value;
  double sigma;
  int line;
} vt_summary_entry;

typedef struct vt_params {
  char *path;
  vt_param *items;      /* sorted by name */
  int n;
  char hash[17];        /* FNV-1a 64 of the file's bytes, 16 lowercase hex digits */
  vt_ledger ledger;     /* privacy_ledger, if any */
  vt_summary_entry *summary;  /* dp_summary, in file order */
  int nsummary;
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

/* ---- the params a module set declares (what `vitae learn` can fit) ---- */

/* Where a declared param was found. */
typedef enum {
  VT_PDECL_LOAD,        /* a param() call the module ran while loading */
  VT_PDECL_FUNCTION,    /* a param("name", literal) in the module's source
                        ** not run at load time (inside a function) */
  VT_PDECL_GMF          /* a constant branch probability of a GMF JSON module */
} vt_pdecl_origin;

typedef struct vt_param_decl {
  char *name;
  vt_param_kind kind;
  int has_default;      /* 0: the default is an expression the source scan cannot read */
  double number;        /* VT_PARAM_NUMBER */
  char *string;         /* VT_PARAM_STRING (NULL otherwise) */
  int boolean;          /* VT_PARAM_BOOL */
  char *module;         /* module path ("copd", "medications/otc_pain") */
  char *file;           /* module file */
  int line;             /* line of the param() call or of the GMF option, 0 if unknown */
  vt_pdecl_origin origin;
  char *state, *target; /* VT_PDECL_GMF: the state and the branch's target */
  int remainder;        /* VT_PDECL_GMF: the last branch of its list, which the
                        ** engine gives 1 - the others (its value is never read) */
} vt_param_decl;

/* The declared params, one per name, in the order first found, and notes:
** "FILE:LINE: message" lines on what could not be listed (a name built at
** run time) or is doubtful (one name with two defaults). */
typedef struct vt_param_list {
  vt_param_decl *items; int n, cap;
  char **notes; int nnotes;
} vt_param_list;

/* Add a copy of d (its strings copied) unless its name is already listed.
** Returns 1 if added, 0 if the name was there (a different default then
** adds a note), -1 out of memory. */
int vt_param_list_add(vt_param_list *l, const vt_param_decl *d);
/* The entry called name, or NULL. */
const vt_param_decl *vt_param_list_find(const vt_param_list *l, const char *name);
/* Add a note "FILE:LINE: message" (printf-style).  0 or -1 out of memory. */
int vt_param_list_note(vt_param_list *l, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;
void vt_param_list_free(vt_param_list *l);

#endif
