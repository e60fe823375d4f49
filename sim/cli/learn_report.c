/*
** learn_report.c -- the params file `vitae learn` writes and the report it
** prints (see learn_report.h; formats in schemas/params.md and
** docs/learn.md).
*/
#include "sim/cli/learn_report.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "sim/lifecycle.h"
#include "sim/strbuf.h"

/* Names shown per group of reasons in the report. */
#define GROUP_SHOWN 3

int vt_learn_nrows(const vt_learn_out *o) { return o->lc->n + o->ndecls; }

/* The default of lifecycle param `name` (the index i is its place in
** `vitae params --lifecycle`, which the fit keeps; checked by name). */
static double lifecycle_default(int i, const char *name) {
  char n[64];
  double def = NAN;
  if (vt_lifecycle_param(i, n, sizeof n, &def) == 0 && !strcmp(n, name)) return def;
  for (int k = 0; k < vt_lifecycle_nparams(); k++)
    if (vt_lifecycle_param(k, n, sizeof n, &def) == 0 && !strcmp(n, name)) return def;
  return NAN;
}

void vt_learn_row_get(const vt_learn_out *o, int i, vt_learn_row *r) {
  memset(r, 0, sizeof *r);
  if (i < o->lc->n) {
    const vt_lcfit_item *it = &o->lc->items[i];
    r->name = it->name;
    r->module = "lifecycle";
    r->numeric = 1;
    r->deflt = lifecycle_default(i, it->name);
    r->fitted = it->fitted && isfinite(it->value);
    r->value = r->fitted ? it->value : r->deflt;
    r->se = r->fitted ? it->se : 0;
    r->why = r->fitted ? "" : it->fitted ? "the estimate is not finite" : it->why;
    return;
  }
  const vt_param_decl *d = &o->decls[i - o->lc->n];
  r->decl = d;
  r->name = d->name;
  r->module = d->module ? d->module : "";
  r->numeric = d->kind == VT_PARAM_NUMBER;
  r->deflt = r->numeric && d->has_default ? d->number : NAN;
  r->value = r->deflt;
  if (!o->mf) { r->why = o->mf_skipped; return; }
  if (i - o->lc->n >= o->mf->n) { r->why = "the module fit did not list it"; return; }
  const vt_mfit_item *it = &o->mf->items[i - o->lc->n];
  r->fitted = it->fitted && isfinite(it->value);
  if (r->fitted) { r->value = it->value; r->se = it->se; r->why = ""; }
  else r->why = it->fitted ? "the estimate is not finite" : it->why;
}

/* Write s as a double-quoted YAML scalar. */
static void put_quoted(FILE *f, const char *s) {
  fputc('"', f);
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') { fputc('\\', f); fputc(c, f); }
    else if (c < 0x20 || c == 0x7f) fprintf(f, "\\x%02x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

/* A number as YAML: 17 digits (reads back exactly), .nan for none. */
static void put_number(FILE *f, double v) {
  if (isfinite(v)) fprintf(f, "%.17g", v);
  else fputs(".nan", f);
}

/* The default of row r as a YAML scalar. */
static void put_default(FILE *f, const vt_learn_row *r) {
  const vt_param_decl *d = r->decl;
  if (d && !d->has_default) { fputs("null", f); return; }
  if (!d || d->kind == VT_PARAM_NUMBER) { put_number(f, r->deflt); return; }
  if (d->kind == VT_PARAM_BOOL) { fputs(d->boolean ? "true" : "false", f); return; }
  put_quoted(f, d->string ? d->string : "");
}

int vt_learn_write_yaml(const vt_learn_out *o, FILE *f) {
  int n = vt_learn_nrows(o), nfit = 0;
  vt_learn_row r;
  for (int i = 0; i < n; i++) { vt_learn_row_get(o, i, &r); nfit += r.fitted; }
  fprintf(f, "# Written by vitae learn (docs/learn.md).  params: the fitted values;\n"
             "# fit: every param with its default, value, standard error, and why it\n"
             "# was not fitted; privacy_ledger and dp_summary: the DP release.\n");
  fprintf(f, "params:%s\n", nfit ? "" : " {}");
  for (int i = 0; i < n; i++) {
    vt_learn_row_get(o, i, &r);
    if (!r.fitted) continue;
    fputs("  ", f);
    put_quoted(f, r.name);
    fputs(": ", f);
    put_number(f, r.value);
    fputc('\n', f);
  }
  fprintf(f, "fit:%s\n", n ? "" : " []");
  for (int i = 0; i < n; i++) {
    vt_learn_row_get(o, i, &r);
    fputs("  - {name: ", f);
    put_quoted(f, r.name);
    fputs(", module: ", f);
    put_quoted(f, r.module);
    fputs(", default: ", f);
    put_default(f, &r);
    if (r.fitted) {
      fputs(", value: ", f);
      put_number(f, r.value);
      fputs(", se: ", f);
      put_number(f, r.se);
      fputs(", fitted: true}\n", f);
    } else {
      fputs(", fitted: false, why: ", f);
      put_quoted(f, r.why && *r.why ? r.why : "not fitted");
      fputs("}\n", f);
    }
  }
  if (ferror(f)) return -1;
  return vt_release_write_yaml(o->rel, f);
}

/* The group of a reason: its words, every word holding a digit replaced by
** '#' ("persontime/F/85+: 12 person-days" -> "#: # person-days"). */
static void reason_key(const char *why, char *out, size_t len) {
  size_t k = 0;
  const char *s = why && *why ? why : "not fitted";
  while (*s && k + 2 < len) {
    if (isspace((unsigned char)*s)) { out[k++] = *s++; continue; }
    const char *e = s;
    int digit = 0;
    while (*e && !isspace((unsigned char)*e)) digit |= isdigit((unsigned char)*e++);
    if (digit) {
      out[k++] = '#';
      if (e > s && e[-1] == ':' && k + 2 < len) out[k++] = ':';
    } else {
      for (; s < e && k + 2 < len; s++) out[k++] = *s;
    }
    s = e;
  }
  out[k] = '\0';
}

typedef struct reason_group { char key[220]; int count; const char *names[GROUP_SHOWN]; } reason_group;

/* Print the params not fitted, grouped by reason (groups in order of first
** appearance). */
static void report_not_fitted(FILE *f, const vt_learn_out *o) {
  int n = vt_learn_nrows(o), ng = 0;
  reason_group *g = vt_xcalloc((size_t)(n ? n : 1), sizeof *g);
  vt_learn_row r;
  for (int i = 0; i < n; i++) {
    vt_learn_row_get(o, i, &r);
    if (r.fitted) continue;
    char key[220];
    reason_key(r.why, key, sizeof key);
    int j = 0;
    while (j < ng && strcmp(g[j].key, key)) j++;
    if (j == ng) snprintf(g[ng++].key, sizeof g[0].key, "%s", key);
    if (g[j].count < GROUP_SHOWN) g[j].names[g[j].count] = r.name;
    g[j].count++;
  }
  for (int j = 0; j < ng; j++) {
    fprintf(f, "  %5d  %s\n         e.g. ", g[j].count, g[j].key);
    for (int k = 0; k < g[j].count && k < GROUP_SHOWN; k++) fprintf(f, "%s%s", k ? ", " : "", g[j].names[k]);
    fprintf(f, "%s\n", g[j].count > GROUP_SHOWN ? ", ..." : "");
  }
  free(g);
}

/* The process's peak resident memory in KiB (0 if unknown). */
static long peak_rss_kb(void) {
  struct rusage ru;
  return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

void vt_learn_report(FILE *f, const vt_learn_out *o, const vt_measure_stats *st, const char *output, double seconds) {
  int n = vt_learn_nrows(o), nfit = 0, lcfit = 0;
  vt_learn_row r;
  for (int i = 0; i < n; i++) {
    vt_learn_row_get(o, i, &r);
    nfit += r.fitted;
    if (i < o->lc->n) lcfit += r.fitted;
  }
  fprintf(f, "Read (shown here only, never written: counts of the data):\n");
  fprintf(f, "  persons read                         %12" PRId64 "\n", st->persons);
  fprintf(f, "  sex or birth unknown (demog only)    %12" PRId64 "\n", st->unstratified);
  fprintf(f, "  no observation period (demog only)   %12" PRId64 "\n", st->no_observation);
  fprintf(f, "  deaths counted / outside the window  %12" PRId64 " / %" PRId64 "\n", st->deaths, st->deaths_outside);
  fprintf(f, "  onsets counted                       %12" PRId64 "\n", st->onsets);
  fprintf(f, "  codes carried in (not onsets)        %12" PRId64 "\n", st->carryins);
  fprintf(f, "  codes first seen in a gap / after    %12" PRId64 " / %" PRId64 "\n", st->in_gap, st->after_window);
  fprintf(f, "  risk windows stopped at K codes      %12" PRId64 "\n", st->k_censored);
  fprintf(f, "  windows stopped by the stratum cap   %12" PRId64 "\n", st->cap_censored);
  fprintf(f, "  events matched by code alone (no vocabulary) / ambiguous %" PRId64 " / %" PRId64 "\n",
          st->code_only, st->code_ambiguous);
  fprintf(f, "Fitted %d of %d params (lifecycle %d of %d, modules %d of %d%s)\n", nfit, n, lcfit, o->lc->n,
          nfit - lcfit, o->ndecls, o->mf ? "" : ": module fit skipped");
  if (nfit < n) {
    fprintf(f, "Not fitted (they keep their defaults), by reason:\n");
    report_not_fitted(f, o);
  }
  fprintf(f, "Budget: epsilon %g, delta %g: rho %.6g of rho_budget %.6g, in %zu measurements\n", o->rel->epsilon,
          o->rel->delta, o->rel->rho, o->rel->rho_budget, o->rel->nledger);
  fprintf(f, "Wrote %s\n", output);
  fprintf(f, "summary: persons=%" PRId64 " params=%d fitted=%d not_fitted=%d lifecycle_fitted=%d module_fitted=%d "
             "epsilon=%.17g delta=%.17g rho=%.17g rho_budget=%.17g simulations=%d measure_seconds=%.3f "
             "fit_seconds=%.3f seconds=%.3f peak_rss_kb=%ld output=%s\n",
          st->persons, n, nfit, n - nfit, lcfit, nfit - lcfit, o->rel->epsilon, o->rel->delta, o->rel->rho,
          o->rel->rho_budget, o->mf ? o->mf->simulations : 0, o->measure_seconds, o->fit_seconds, seconds, peak_rss_kb(), output);
}
