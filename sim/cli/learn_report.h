/*
** learn_report.h -- what `vitae learn` (sim/cli/cmd_learn.c) writes and
** prints once the fit is done: the params file (params, fit, then the
** release's privacy_ledger and dp_summary; schemas/params.md) and the report
** on the owner's terminal (docs/learn.md, "The report").
*/
#ifndef VT_LEARN_REPORT_H
#define VT_LEARN_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "learn/fit_lifecycle.h"
#include "learn/fit_modules.h"
#include "learn/measure.h"
#include "learn/release.h"
#include "sim/params.h"

/* Everything a learn produced. */
typedef struct vt_learn_out {
  const vt_lcfit *lc;             /* the lifecycle fit */
  const vt_mfit *mf;              /* the module fit; NULL when skipped */
  const char *mf_skipped;         /* why the module fit was skipped (mf NULL) */
  const vt_param_decl *decls;     /* the params the modules declare */
  int ndecls;
  const vt_release *rel;          /* the release (public) */
  double measure_seconds;         /* reading and measuring the source */
  double fit_seconds;             /* the lifecycle and module fits */
} vt_learn_out;

/* One param of the result, lifecycle first then the modules'. */
typedef struct vt_learn_row {
  const char *name, *module, *why;
  int fitted;                     /* 1: value and se are the fit's */
  int numeric;                    /* 0: a string or boolean param (never fitted) */
  const vt_param_decl *decl;      /* module params: the declaration (else NULL) */
  double value, se, deflt;
} vt_learn_row;

/* How many rows o has, and row i into *r. */
int vt_learn_nrows(const vt_learn_out *o);
void vt_learn_row_get(const vt_learn_out *o, int i, vt_learn_row *r);

/* Write the params file: `params:` (every fitted value), `fit:` (every
** param with default, value, se, fitted and why), then the privacy_ledger
** and dp_summary of o->rel.  0, or -1 when writing fails. */
int vt_learn_write_yaml(const vt_learn_out *o, FILE *f);

/* Print the report to f: persons read and excluded (st: data-derived,
** printed here only, never written), params fitted and not fitted with the
** reasons grouped, the budget spent, the output path, and a last
** machine-readable `summary:` line. */
void vt_learn_report(FILE *f, const vt_learn_out *o, const vt_measure_stats *st, const char *output, double seconds);

#endif
