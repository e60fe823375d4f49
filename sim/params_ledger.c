/*
** params_ledger.c -- read the `privacy_ledger` and `dp_summary` sections
** that `vitae learn` writes into a params file (schemas/params.md).  Both
** are checked strictly: a missing, unknown, repeated or out-of-range field
** is an error at its line, so that a cohort never claims a budget its file
** does not state properly.
*/
#include "sim/params_ledger.h"
#include "sim/strbuf.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct lctx {
  yaml_document_t *doc;
  const char *path;
  char *err;
  size_t errlen;
} lctx;

#define AT(n) (unsigned long)(n)->start_mark.line + 1, (unsigned long)(n)->start_mark.column + 1

/* err = "FILE:LINE:COL: message"; returns -1. */
static int lerr(lctx *c, unsigned long line, unsigned long col, const char *fmt, ...) VT_PRINTF(4, 5);
static int lerr(lctx *c, unsigned long line, unsigned long col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = vt_vseterr_at(c->err, c->errlen, c->path, line, col, fmt, ap);
  va_end(ap);
  return rc;
}

static const char *stext(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

/* A scalar with text, no NUL inside? */
static int is_text(const yaml_node_t *n) {
  return n->type == YAML_SCALAR_NODE && n->data.scalar.length > 0 && strlen(stext(n)) == n->data.scalar.length;
}

/* Read a finite number from n into *out.  0, or -1 with err. */
static int get_number(lctx *c, const yaml_node_t *n, const char *what, double *out) {
  char *end;
  if (!is_text(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
    return lerr(c, AT(n), "%s must be a number", what);
  errno = 0;
  *out = strtod(stext(n), &end);
  if (*end || end == stext(n) || !isfinite(*out) || errno == ERANGE)
    return lerr(c, AT(n), "%s must be a number, got '%.40s'", what, stext(n));
  return 0;
}

/* Read an integer (int64) from n into *out.  0, or -1 with err. */
static int get_int(lctx *c, const yaml_node_t *n, const char *what, int64_t *out) {
  char *end;
  long long v;
  if (!is_text(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
    return lerr(c, AT(n), "%s must be an integer", what);
  errno = 0;
  v = strtoll(stext(n), &end, 10);
  if (*end || end == stext(n) || errno == ERANGE)
    return lerr(c, AT(n), "%s must be an integer, got '%.40s'", what, stext(n));
  *out = (int64_t)v;
  return 0;
}

/* Find the values of the keys names[0..n) of mapping m into vals (NULL when
** absent).  Unknown and repeated keys are errors.  0, or -1 with err. */
static int fields(lctx *c, const yaml_node_t *m, const char *what, const char *const *names, int n,
                  const yaml_node_t **vals) {
  for (int i = 0; i < n; i++) vals[i] = NULL;
  if (m->type != YAML_MAPPING_NODE) return lerr(c, AT(m), "%s must be a mapping", what);
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    const yaml_node_t *k = yaml_document_get_node(c->doc, p->key), *v = yaml_document_get_node(c->doc, p->value);
    int i;
    if (!k || !v || !is_text(k)) return lerr(c, AT(m), "%s: keys must be names", what);
    for (i = 0; i < n && strcmp(names[i], stext(k)); i++) {}
    if (i == n) return lerr(c, AT(k), "%s: unknown key '%.40s'", what, stext(k));
    if (vals[i]) return lerr(c, AT(k), "%s: key '%s' given twice", what, names[i]);
    vals[i] = v;
  }
  return 0;
}

/* The required key names[i] of mapping m is missing? Then err, -1. */
static int need(lctx *c, const yaml_node_t *m, const char *what, const char *name, const yaml_node_t *v) {
  return v ? 0 : lerr(c, AT(m), "%s: missing '%s'", what, name);
}

static int dup_text(lctx *c, const yaml_node_t *n, const char *what, char **out) {
  if (!is_text(n)) return lerr(c, AT(n), "%s must be non-empty text", what);
  if (!(*out = strdup(stext(n)))) return lerr(c, AT(n), "out of memory");
  return 0;
}

enum { E_NAME, E_SENS, E_SIGMA, E_RHO, E_EPS, E_N };
static const char *const entry_keys[E_N] = { "name", "sensitivity", "sigma", "rho", "epsilon" };

/* Read one measurement mapping into e.  0, or -1 with err. */
static int read_measure(lctx *c, const yaml_node_t *m, vt_ledger_entry *e) {
  const yaml_node_t *v[E_N];
  const char *w = "privacy_ledger measurement";
  memset(e, 0, sizeof *e);
  if (fields(c, m, w, entry_keys, E_N, v)) return -1;
  for (int i = 0; i < E_EPS; i++) if (need(c, m, w, entry_keys[i], v[i])) return -1;
  e->line = (int)m->start_mark.line + 1;
  if (dup_text(c, v[E_NAME], "measurement name", &e->name) || get_number(c, v[E_SENS], "sensitivity", &e->sensitivity) ||
      get_number(c, v[E_SIGMA], "sigma", &e->sigma) || get_number(c, v[E_RHO], "rho", &e->rho))
    return -1;
  if (!(e->sensitivity > 0)) return lerr(c, AT(v[E_SENS]), "sensitivity must be above 0");
  if (!(e->sigma > 0)) return lerr(c, AT(v[E_SIGMA]), "sigma must be above 0");
  if (!(e->rho > 0)) return lerr(c, AT(v[E_RHO]), "rho must be above 0");
  if (v[E_EPS]) {
    if (get_number(c, v[E_EPS], "epsilon", &e->epsilon)) return -1;
    if (e->epsilon < 0) return lerr(c, AT(v[E_EPS]), "epsilon must not be negative");
    e->has_epsilon = 1;
  }
  return 0;
}

enum { L_MECH, L_UNIT, L_EPS, L_DELTA, L_RHOB, L_RHO, L_MEAS, L_N };
static const char *const ledger_keys[L_N] = { "mechanism", "unit", "epsilon", "delta", "rho_budget", "rho",
                                              "measurements" };

/* The budget fields of the ledger mapping (v from fields()).  0 or -1. */
static int read_totals(lctx *c, const yaml_node_t *const *v, vt_ledger *l) {
  if (dup_text(c, v[L_MECH], "mechanism", &l->mechanism)) return -1;
  if (v[L_UNIT] && dup_text(c, v[L_UNIT], "unit", &l->unit)) return -1;
  if (get_number(c, v[L_EPS], "epsilon", &l->epsilon) || get_number(c, v[L_DELTA], "delta", &l->delta) ||
      get_number(c, v[L_RHO], "rho", &l->rho))
    return -1;
  if (!(l->epsilon > 0)) return lerr(c, AT(v[L_EPS]), "epsilon must be above 0");
  if (!(l->delta > 0 && l->delta < 1)) return lerr(c, AT(v[L_DELTA]), "delta must be between 0 and 1 (exclusive)");
  if (!(l->rho >= 0)) return lerr(c, AT(v[L_RHO]), "rho must not be negative");
  if (v[L_RHOB]) {
    if (get_number(c, v[L_RHOB], "rho_budget", &l->rho_budget)) return -1;
    if (!(l->rho_budget >= 0)) return lerr(c, AT(v[L_RHOB]), "rho_budget must not be negative");
    if (l->rho > l->rho_budget * (1 + 1e-9))
      return lerr(c, AT(v[L_RHO]), "rho spent (%.17g) is over rho_budget (%.17g)", l->rho, l->rho_budget);
    l->has_rho_budget = 1;
  }
  return 0;
}

int vt_params_read_ledger(yaml_document_t *doc, const yaml_node_t *node, const char *path, vt_params *p,
                          char *err, size_t errlen) {
  lctx c = { doc, path, err, errlen };
  const yaml_node_t *v[L_N];
  vt_ledger *l = &p->ledger;
  double sum = 0;
  if (fields(&c, node, "privacy_ledger", ledger_keys, L_N, v)) return -1;
  for (int i = 0; i < L_N; i++)
    if (i != L_UNIT && i != L_RHOB && need(&c, node, "privacy_ledger", ledger_keys[i], v[i])) return -1;
  l->present = 1;
  if (read_totals(&c, v, l)) return -1;
  const yaml_node_t *ms = v[L_MEAS];
  if (ms->type != YAML_SEQUENCE_NODE) return lerr(&c, AT(ms), "privacy_ledger: 'measurements' must be a list");
  size_t n = (size_t)(ms->data.sequence.items.top - ms->data.sequence.items.start);
  if (n == 0) return lerr(&c, AT(ms), "privacy_ledger: 'measurements' is empty");
  if (n > 1000000 || !(l->items = calloc(n, sizeof *l->items))) return lerr(&c, AT(ms), "too many measurements");
  for (yaml_node_item_t *it = ms->data.sequence.items.start; it < ms->data.sequence.items.top; it++) {
    const yaml_node_t *m = yaml_document_get_node(doc, *it);
    if (!m) return lerr(&c, AT(ms), "bad list item");
    int rc = read_measure(&c, m, &l->items[l->n]);
    l->n++;                         /* freed by vt_params_free_ledger either way */
    if (rc) return -1;
    sum += l->items[l->n - 1].rho;
  }
  if (sum > l->rho * (1 + 1e-9))
    return lerr(&c, AT(v[L_RHO]), "the measurements' rho add up to %.17g, over the total rho %.17g", sum, l->rho);
  return 0;
}

enum { S_NAME, S_VALUE, S_SIGMA, S_N };
static const char *const summary_keys[S_N] = { "name", "value", "sigma" };

int vt_params_read_summary(yaml_document_t *doc, const yaml_node_t *node, const char *path, vt_params *p,
                           char *err, size_t errlen) {
  lctx c = { doc, path, err, errlen };
  if (node->type != YAML_SEQUENCE_NODE) return lerr(&c, AT(node), "dp_summary must be a list");
  size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
  if (n > (size_t)INT32_MAX || !(p->summary = calloc(n ? n : 1, sizeof *p->summary)))
    return lerr(&c, AT(node), "dp_summary: out of memory");
  for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
    const yaml_node_t *m = yaml_document_get_node(doc, *it), *v[S_N];
    vt_summary_entry *e = &p->summary[p->nsummary++];
    if (!m) return lerr(&c, AT(node), "bad list item");
    if (fields(&c, m, "dp_summary entry", summary_keys, S_N, v)) return -1;
    for (int i = 0; i < S_N; i++) if (need(&c, m, "dp_summary entry", summary_keys[i], v[i])) return -1;
    e->line = (int)m->start_mark.line + 1;
    if (dup_text(&c, v[S_NAME], "statistic name", &e->name) || get_int(&c, v[S_VALUE], "value", &e->value) ||
        get_number(&c, v[S_SIGMA], "sigma", &e->sigma))
      return -1;
    if (!(e->sigma > 0)) return lerr(&c, AT(v[S_SIGMA]), "sigma must be above 0");
  }
  return 0;
}

void vt_params_free_ledger(vt_params *p) {
  for (int i = 0; i < p->ledger.n; i++) free(p->ledger.items[i].name);
  free(p->ledger.items);
  free(p->ledger.mechanism);
  free(p->ledger.unit);
  memset(&p->ledger, 0, sizeof p->ledger);
  for (int i = 0; i < p->nsummary; i++) free(p->summary[i].name);
  free(p->summary);
  p->summary = NULL;
  p->nsummary = 0;
}
