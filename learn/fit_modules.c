/*
** fit_modules.c -- the method of simulated moments for the module params
** (learn/fit_modules.h; the method and its limits: docs/learn-statistics.md,
** "Fitting the modules").
**
** Moments: for every workload code and stratum group (sex by 15-year age
** group), the released first-onset count against the count a simulation
** predicts for the real person-days at risk (the simulated onset rate per
** day at risk, band by band, times the released days at risk); for every
** linked pair (A, B) and bin of the time since A, B's released onsets
** after A in the bin against the simulated hazard of the bin (onsets over
** patients at risk through the whole bin) times the released patients at
** risk.  Each moment's variance adds the noise, the real count's sampling
** variance and the simulation's.
**
** Parameters: a param p with default d is fitted as d * exp(u); the
** Jacobian of the moments in u comes from one simulation per group of
** params whose influences (the moments of the codes each can lead to)
** share no code, all with the same random numbers (learn/simulate.h).
** Instrumental-variable Gauss-Newton steps are solved per connected
** component with LAPACKE (QR with column pivoting finds confounded params;
** the standard errors are the sandwich of the same equations).
*/
#include "learn/fit_modules.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/vocab.h"
#include "sim/engine.h"
#include "sim/strbuf.h"

#define NGROUPS (VT_WL_NSEX * (VT_WL_NBANDS / 3))   /* 2 sexes x 6 age groups of 15 years */
#define STEP 0.25            /* the perturbation of u for the Jacobian */
#define MAX_STEP 1.5         /* the largest change of u in one Gauss-Newton step */
#define MAX_U 3.0            /* |u| <= 3: a fitted value within a factor e^3 of its default */
#define MAX_SE_U 1.0         /* a standard error of u above this: too weakly informed */
#define MIN_SIGNAL_Z 2.0     /* a module's codes' onsets must exceed this many sigmas */
#define CONFOUND_SIN 0.05    /* a column this close to the span of the others is confounded */
#define JACOBIAN_SHARE 4     /* a Jacobian simulation has a quarter of the lives ... */
#define JACOBIAN_MIN_LIVES 1000  /* ... but at least this many */
#define CONVERGED 0.01
#define MIN_DENOM_Z 2.0      /* a moment whose real at-risk count or days are within 2 noise sigmas of 0 is left out */
#define MIN_JACOBIAN_EVENTS 2  /* a derivative seen through fewer changed simulated onsets is taken as 0 */
#define BACKOFFS 4           /* a step whose values make a module fail is halved at most this often */       /* a step whose largest change of u is below this ends the fit */

/* One param of the fit. */
typedef struct fparam {
  int decl;                  /* index in the declarations */
  int module;                /* the owning module (engine index), or -1 */
  int list;                  /* GMF: first param index of its branch list, else -1 */
  const char *rem_target;    /* GMF: the target of its list's last branch (it takes the rest) */
  int group;                 /* the simulation that perturbs it for the Jacobian */
  int comp;                  /* the connected component it is solved in */
  double d, u, step;         /* default; fitted log-offset; the Jacobian's step */
  double se;                 /* standard error of u */
  int active;                /* still being fitted */
} fparam;

/* Everything the fit works on. */
typedef struct fit {
  const vt_mfit_opts *o;
  const vt_workload *wl;
  const vt_codematch *m;
  const double *values, *sigmas;
  const vt_params *fixed;
  vt_mfit *out;
  size_t nmom;               /* moments: ncodes * NGROUPS, then one per pair and bin */
  size_t npairs;             /* linked pairs (each VT_WL_PAIR_NBINS moments) */
  double *O, *VO;            /* released onsets and their noise variance, per moment */
  int *mom_code;             /* the code a moment is about (B for a pair) */
  fparam *ps; int np;
  int nmods;
  unsigned char *owns;       /* [module * ncodes + code]: the module (or a submodule it calls) emits the code */
  unsigned char *infl;       /* [param * ncodes + code]: the param's influence (see influence()) */
  size_t **mlist; size_t *mlen;  /* per param: the moments of the codes it influences */
  double *Ebase, *Vbase;     /* predicted moments and variances at the current params */
  double **J;                /* per param, over its mlist: the instrument (scaled simulated onsets) / d u at u = 0 */
  double **D;                /* per param, over its mlist: d E / d u at u = 0 (E with the released denominators) */
  int sims, nsims_total;
  double time_real;          /* the released days at risk, all strata (a scale, nearly noise-free) */
  double time_sim;           /* the same of the last simulation */
  double windows[VT_WL_NOBS];/* the released observation lengths (clipped at 0): the simulation's windows */
  int have_windows;
  char *err; size_t errlen;
} fit;

/* ---- the moments ------------------------------------------------------------ */

static size_t off(const fit *f, vt_wl_block b) { return vt_workload_block_offset(f->wl, b); }

/* The released value and noise variance of vector entry i. */
static double val(const fit *f, size_t i) { return f->values[i]; }
static double var(const fit *f, size_t i) { return f->sigmas[i] * f->sigmas[i]; }

/* The moments predicted by simulated vector v for the released at-risk time
** (codes) or at-risk patients (pairs): E[k] and the variance of O[k] -
** E[k], V[k] (noise, the real count's sampling, the at-risk entries'
** noise, the simulation's sampling).  A moment the simulation cannot
** predict (no simulated days or patients at risk) gets V = 0. */
static void predict(const fit *f, const int64_t *v, double *E, double *V, double *S) {
  const vt_workload *wl = f->wl;
  size_t ro = off(f, VT_WL_BLOCK_RISKTIME), oo = off(f, VT_WL_BLOCK_ONSET), lo = off(f, VT_WL_BLOCK_POSTONSET);
  for (size_t c = 0; c < wl->ncodes; c++)
    for (int g = 0; g < NGROUPS; g++) {
      size_t k = c * NGROUPS + (size_t)g;
      double e = 0, vv = f->VO[k], osum = 0, asum = 0, areal[3], asim[3], avar[3];
      int sex = g / (NGROUPS / 2), ag = g % (NGROUPS / 2);
      for (int j = 0; j < 3; j++) {
        size_t s = (size_t)(sex * VT_WL_NBANDS + 3 * ag + j);
        areal[j] = val(f, ro + s) - val(f, lo + c * VT_WL_NSTRATA + s);
        avar[j] = var(f, ro + s) + var(f, lo + c * VT_WL_NSTRATA + s);
        asim[j] = (double)(v[ro + s] - v[lo + c * VT_WL_NSTRATA + s]);
        double osim = (double)v[oo + c * VT_WL_NSTRATA + s];
        if (areal[j] < 0) areal[j] = 0;
        if (asim[j] <= 0) continue;
        e += osim / asim[j] * areal[j];
        vv += (osim / asim[j]) * (osim / asim[j]) * avar[j];
        osum += osim;
        asum += asim[j];
      }
      E[k] = e;
      if (S) S[k] = osum;
      double ar = areal[0] + areal[1] + areal[2], av = avar[0] + avar[1] + avar[2];
      if (asum <= 0 || ar <= MIN_DENOM_Z * sqrt(av)) { V[k] = 0; continue; }   /* no real days at risk above the noise */
      /* the counts' Poisson variances at the group's rate, smoothed by one
      ** event so that a cell the simulation left empty is not certain */
      double rs = (osum + 1) / asum;
      for (int j = 0; j < 3; j++)
        if (asim[j] > 0) vv += rs * areal[j] + rs * areal[j] * areal[j] / asim[j];
      V[k] = vv > 1 ? vv : 1;
    }
  if (f->npairs) {   /* one moment per pair and bin of the time since A */
    size_t po = off(f, VT_WL_BLOCK_PAIR_ONSET), pr = off(f, VT_WL_BLOCK_PAIR_ATRISK);
    for (size_t p = 0; p < f->npairs * VT_WL_PAIR_NBINS; p++) {
      size_t k = wl->ncodes * NGROUPS + p;
      /* the bin's discrete hazard among the patients at risk at its start
      ** and followed through it (complete bins: the same on both sides
      ** whatever the windows' lengths), times the real patients at risk */
      double nreal = val(f, pr + p), nsim = (double)v[pr + p], osim = (double)v[po + p];
      if (nreal < 0) nreal = 0;
      if (S) S[k] = osim;
      if (nsim <= 0 || nreal <= MIN_DENOM_Z * sqrt(var(f, pr + p))) { E[k] = 0; V[k] = 0; continue; }
      double h = osim / nsim, hs = (osim + 1) / (nsim + 2);
      E[k] = h * nreal;
      V[k] = f->VO[k] + h * h * var(f, pr + p) + hs * (1 - hs) * nreal + hs * (1 - hs) * nreal * nreal / nsim;
      if (V[k] < 1) V[k] = 1;
    }
  }
}

/* The released onsets per moment and their noise variance. */
static void observe(fit *f) {
  const vt_workload *wl = f->wl;
  double wsum = 0;
  size_t wo = off(f, VT_WL_BLOCK_OBSLEN);
  for (int b = 0; b < VT_WL_NOBS; b++) {
    f->windows[b] = val(f, wo + (size_t)b) > 0 ? val(f, wo + (size_t)b) : 0;
    wsum += f->windows[b];
  }
  /* windows of the released lengths, unless there is next to no signal (then the fixed ones) */
  f->have_windows = wsum > 10 * sqrt(var(f, wo)) * VT_WL_NOBS;
  size_t oo = off(f, VT_WL_BLOCK_ONSET), ro = off(f, VT_WL_BLOCK_RISKTIME);
  f->time_real = 0;
  for (size_t s = 0; s < VT_WL_NSTRATA; s++) f->time_real += val(f, ro + s);
  for (size_t c = 0; c < wl->ncodes; c++)
    for (int g = 0; g < NGROUPS; g++) {
      size_t k = c * NGROUPS + (size_t)g;
      int sex = g / (NGROUPS / 2), ag = g % (NGROUPS / 2);
      f->O[k] = f->VO[k] = 0;
      f->mom_code[k] = (int)c;
      for (int b = 3 * ag; b < 3 * ag + 3; b++) {
        size_t s = (size_t)(sex * VT_WL_NBANDS + b);
        f->O[k] += val(f, oo + c * VT_WL_NSTRATA + s);
        f->VO[k] += var(f, oo + c * VT_WL_NSTRATA + s);
      }
    }
  if (f->npairs) {
    size_t po = off(f, VT_WL_BLOCK_PAIR_ONSET);
    for (size_t p = 0; p < f->npairs * VT_WL_PAIR_NBINS; p++) {   /* [pair][bin], as the blocks */
      size_t k = wl->ncodes * NGROUPS + p;
      f->O[k] = val(f, po + p);
      f->VO[k] = var(f, po + p);
      f->mom_code[k] = (int)wl->pair_b[p / VT_WL_PAIR_NBINS];
    }
  }
}

/* 1 if moment k is about a code the source kind cannot hold (its own, or
** a pair's A): left out, as the real side is 0 whatever the params. */
static int absent_moment(const fit *f, size_t k) {
  unsigned absent = f->o->absent_kinds;
  if (!absent) return 0;
  if (absent & (1u << f->wl->kinds[f->mom_code[k]])) return 1;
  size_t first_pair = f->wl->ncodes * NGROUPS;
  return k >= first_pair && (absent & (1u << f->wl->kinds[f->wl->pair_a[(k - first_pair) / VT_WL_PAIR_NBINS]]));
}

/* ---- who owns which code ------------------------------------------------------ */

/* Mark in row the workload codes state s records. */
static void mark_state(const fit *f, const vt_state *s, unsigned char *row) {
  for (int i = 0; i < s->ncodes; i++) {
    long c = vt_codematch_find(f->m, 0, vt_vocab_id(s->codes[i].system), s->codes[i].code);
    if (c >= 0) row[c] = 1;
  }
  if (s->procedure_code) {
    long c = vt_codematch_find(f->m, 0, vt_vocab_id(s->procedure_code->system), s->procedure_code->code);
    if (c >= 0) row[c] = 1;
  }
}

/* Mark in row the workload codes module m emits, and those of the
** submodules it calls (depth-limited: submodule chains are short). */
static void mark_codes(const fit *f, const vt_engine *e, const vt_module *mod, unsigned char *row, int depth) {
  if (depth > 8) return;
  for (int k = 0; k < mod->nstates; k++) {
    const vt_state *s = &mod->states[k];
    mark_state(f, s, row);
    if (s->type == VT_S_CALL_SUBMODULE && s->submodule_index >= 0 && s->submodule_index < vt_engine_nmodules(e))
      mark_codes(f, e, vt_engine_module(e, s->submodule_index), row, depth + 1);
  }
}

/* The engine index of the module with path `path`, or -1. */
static int module_index(const vt_engine *e, const char *path) {
  for (int i = 0; i < vt_engine_nmodules(e); i++) {
    const vt_module *m = vt_engine_module(e, i);
    if (m->path && strcmp(m->path, path) == 0) return i;
  }
  return -1;
}

/* Mark in row the workload codes reachable from state `from` of module
** mod (following every transition, submodule calls included through
** owns), and those of `from` itself. */
static void mark_reachable(fit *f, const vt_engine *e, const vt_module *mod, int from, unsigned char *row) {
  size_t nc = f->wl->ncodes;
  int ns = mod->nstates, *queue = malloc((size_t)(ns ? ns : 1) * sizeof *queue), succ[256];
  unsigned char *seen = calloc((size_t)(ns ? ns : 1), 1);
  if (!queue || !seen || from < 0 || from >= ns) { free(queue); free(seen); return; }
  int head = 0, tail = 0;
  queue[tail++] = from;
  seen[from] = 1;
  while (head < tail) {
    const vt_state *s = &mod->states[queue[head++]];
    mark_state(f, s, row);
    if (s->type == VT_S_CALL_SUBMODULE && s->submodule_index >= 0 && s->submodule_index < vt_engine_nmodules(e)) {
      const unsigned char *sub = f->owns + (size_t)s->submodule_index * nc;
      for (size_t c = 0; c < nc; c++) row[c] |= sub[c];
    }
    int n = vt_state_successors(mod, s, succ, 256);
    for (int i = 0; i < n; i++) if (!seen[succ[i]]) { seen[succ[i]] = 1; queue[tail++] = succ[i]; }
  }
  free(queue);
  free(seen);
}

/* The influence of param p, into row: the workload codes whose moments it
** can move.  A GMF branch probability moves what its target and its list's
** last branch (which takes the rest) lead to; a Lua param, whose use the
** fit cannot see, everything its module emits.  Modules also interact
** through attributes; that is left out (docs/learn-statistics.md). */
static void influence(fit *f, const vt_engine *e, const fparam *p, const vt_param_decl *d, unsigned char *row) {
  size_t nc = f->wl->ncodes;
  const vt_module *mod = vt_engine_module(e, p->module);
  int t = d->origin == VT_PDECL_GMF && d->target ? vt_module_find_state(mod, d->target) : VT_NOSTATE;
  if (t == VT_NOSTATE) {
    memcpy(row, f->owns + (size_t)p->module * nc, nc);
    return;
  }
  mark_reachable(f, e, mod, t, row);
  int r = p->rem_target ? vt_module_find_state(mod, p->rem_target) : VT_NOSTATE;
  if (r != VT_NOSTATE) mark_reachable(f, e, mod, r, row);
}


/* ---- params -------------------------------------------------------------- */

static vt_mfit_item *item(fit *f, const fparam *p) { return &f->out->items[p->decl]; }

/* Mark param p as not fitted, keeping its default, with the reason. */
static void give_up(fit *f, fparam *p, const char *fmt, ...) {
  vt_mfit_item *it = item(f, p);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(it->why, sizeof it->why, fmt, ap);
  va_end(ap);
  it->fitted = 0;
  p->active = 0;
  p->u = 0;
}

/* The value of p at offset u, kept in its range: a GMF branch probability
** or a param whose default is in (0, 1] is a probability (at most 1). */
static double value_at(const fparam *p, double u) {
  double x = p->d * exp(u);
  if (p->d > 0 && p->d <= 1 && x > 1) x = 1;
  return x;
}

/* The list key of a GMF implicit name (up to its last '.'), length. */
static size_t list_key(const char *name) {
  const char *dot = strrchr(name, '.');
  return dot ? (size_t)(dot - name) : strlen(name);
}

/* Keep a GMF branch list (the params from `first` with list == first)
** feasible: every value at most 1, and the values of the params being
** fitted scaled down so that the whole list adds up to at most 1 - 1e-6
** (the last branch, not a param here, takes what is left).  Params not
** fitted keep their defaults. */
static void keep_list_feasible(fit *f, int first) {
  double fixed = 0, moving = 0;
  for (int i = first; i < f->np && f->ps[i].list == first; i++) {
    fparam *p = &f->ps[i];
    if (!p->active || p->d <= 0) { fixed += value_at(p, p->u); continue; }
    if (p->u > log(1 / p->d)) p->u = log(1 / p->d);
    moving += value_at(p, p->u);
  }
  double room = 1 - 1e-6 - fixed;
  if (moving <= room || moving <= 0) return;
  double scale = room > 0 ? room / moving : 0;
  for (int i = first; i < f->np && f->ps[i].list == first; i++) {
    fparam *p = &f->ps[i];
    if (!p->active || p->d <= 0) continue;
    p->u = scale > 0 ? p->u + log(scale) : -MAX_U;
    if (p->u < -MAX_U) p->u = -MAX_U;
  }
}

/* ---- simulations ------------------------------------------------------------- */

/* Simulate `patients` lives at the current params, with the params of
** Jacobian group `group` (-1: none) moved by their step, and predict the
** moments into E, V (and the simulated onsets behind each into S, unless
** NULL).  0, or -1 with the error set. */
static int simulate(fit *f, int group, int64_t patients, double *E, double *V, double *S, const char *what) {
  size_t nfixed = f->fixed ? (size_t)f->fixed->n : 0, n = 0;
  const char **names = malloc((nfixed + (size_t)f->np + 1) * sizeof *names);
  double *vals = malloc((nfixed + (size_t)f->np + 1) * sizeof *vals);
  size_t W = vt_workload_size(f->wl);
  int64_t *vec = malloc((W ? W : 1) * sizeof *vec);
  int rc = -1;
  if (!names || !vals || !vec) { snprintf(f->err, f->errlen, "out of memory"); goto done; }
  for (size_t i = 0; i < nfixed; i++)
    if (f->fixed->items[i].kind == VT_PARAM_NUMBER) {
      names[n] = f->fixed->items[i].name;
      vals[n++] = f->fixed->items[i].number;
    }
  for (int i = 0; i < f->np; i++) {
    const fparam *p = &f->ps[i];
    if (!p->active && p->u == 0) continue;
    names[n] = f->out->items[p->decl].name;
    vals[n++] = value_at(p, p->u + (p->active && p->group == group ? p->step : 0));
  }
  vt_params *params = vt_params_from_numbers(names, vals, n, f->err, f->errlen);
  if (!params) goto done;
  int64_t windows = 0;
  vt_lsim_opts so = f->o->sim;
  if (f->have_windows) so.window_weights = f->windows;
  so.patients = patients;
  rc = vt_lsim_run(&so, params, f->wl, f->m, vec, &windows, f->err, f->errlen);
  vt_params_free(params);
  if (rc == 0) {
    predict(f, vec, E, V, S);
    size_t ro = off(f, VT_WL_BLOCK_RISKTIME);
    f->time_sim = 0;
    for (size_t s = 0; s < VT_WL_NSTRATA; s++) f->time_sim += (double)vec[ro + s];
    f->sims++;
    f->out->simulations = f->sims;
    if (f->o->progress) f->o->progress(f->sims, f->nsims_total, what, f->o->progress_ud);
  }
done:
  free(names);
  free(vals);
  free(vec);
  return rc;
}

/* Assign each active param a Jacobian group: the first group none of whose
** params influences a code it influences (so each moment moves with one
** param of the group at most).  Returns the number of groups, or -1 out of
** memory. */
static int assign_groups(fit *f) {
  size_t nc = f->wl->ncodes ? f->wl->ncodes : 1;
  unsigned char *used = NULL;            /* [group][code]: influenced by a member */
  int ng = 0;
  for (int i = 0; i < f->np; i++) {
    fparam *p = &f->ps[i];
    if (!p->active) continue;
    const unsigned char *row = f->infl + (size_t)i * f->wl->ncodes;
    int g;
    for (g = 0; g < ng; g++) {
      const unsigned char *u = used + (size_t)g * nc;
      size_t c = 0;
      while (c < f->wl->ncodes && !(row[c] && u[c])) c++;
      if (c == f->wl->ncodes) break;
    }
    if (g == ng) {
      unsigned char *t = realloc(used, (size_t)(ng + 1) * nc);
      if (!t) { free(used); return -1; }
      used = t;
      memset(used + (size_t)ng * nc, 0, nc);
      ng++;
    }
    p->group = g;
    unsigned char *u = used + (size_t)g * nc;
    for (size_t c = 0; c < f->wl->ncodes; c++) u[c] |= row[c];
  }
  free(used);
  return ng;
}

/* The root of x in the union-find forest up. */
static int root(int *up, int x) {
  while (up[x] != x) x = up[x] = up[up[x]];
  return x;
}

/* Connected components of the active params: two params are connected
** when they influence a common code.  Sets p->comp; returns the count, or
** -1 out of memory. */
static int assign_components(fit *f) {
  size_t nc = f->wl->ncodes;
  int *up = malloc((size_t)(f->np ? f->np : 1) * sizeof *up), *first = malloc((nc ? nc : 1) * sizeof *first);
  int *id = malloc((size_t)(f->np ? f->np : 1) * sizeof *id);
  if (!up || !first || !id) { free(up); free(first); free(id); return -1; }
  for (int i = 0; i < f->np; i++) { up[i] = i; id[i] = -1; }
  for (size_t c = 0; c < nc; c++) first[c] = -1;
  for (int i = 0; i < f->np; i++) {
    if (!f->ps[i].active) continue;
    const unsigned char *row = f->infl + (size_t)i * nc;
    for (size_t c = 0; c < nc; c++) {
      if (!row[c]) continue;
      if (first[c] < 0) first[c] = i;
      else { int a = root(up, first[c]), b = root(up, i); if (a != b) up[b] = a; }
    }
  }
  int ncomp = 0;
  for (int i = 0; i < f->np; i++) {
    if (!f->ps[i].active) continue;
    int r = root(up, i);
    if (id[r] < 0) id[r] = ncomp++;
    f->ps[i].comp = id[r];
  }
  free(up); free(first); free(id);
  return ncomp;
}

/* ---- the weighted least-squares step of one component ---------------------- */

/* The rows and columns of component `comp`'s problem. */
typedef struct wls {
  int *cols; int ncols;      /* param indexes */
  size_t *rows; size_t nrows;/* moment indexes (V > 0) */
  double *A, *B, *b;         /* rows x cols (column-major), weighted: the instrument J and
                             ** the derivative D; and the weighted residual */
} wls;

static void wls_free(wls *w) {
  free(w->cols); free(w->rows); free(w->A); free(w->B); free(w->b);
  memset(w, 0, sizeof *w);
}

/* Build component comp's weighted Jacobian at the current u (the Jacobian
** at u = 0 scaled by exp(u): onset moments are close to linear in a
** param's value) and the weighted residual.  0, or -1 out of memory. */
static int wls_build(fit *f, int comp, int *rowmap, wls *w) {
  memset(w, 0, sizeof *w);
  w->cols = malloc((size_t)f->np * sizeof *w->cols);
  size_t caprows = 64;
  w->rows = malloc(caprows * sizeof *w->rows);
  if (!w->cols || !w->rows) return -1;
  for (int i = 0; i < f->np; i++) {
    fparam *p = &f->ps[i];
    if (!p->active || p->comp != comp) continue;
    w->cols[w->ncols++] = i;
    for (size_t j = 0; j < f->mlen[w->cols[w->ncols - 1]]; j++) {
      size_t k = f->mlist[w->cols[w->ncols - 1]][j];
      if (rowmap[k] >= 0 || f->Vbase[k] <= 0) continue;
      if (w->nrows == caprows) {
        size_t *t = realloc(w->rows, 2 * caprows * sizeof *t);
        if (!t) return -1;
        w->rows = t; caprows *= 2;
      }
      rowmap[k] = (int)w->nrows;
      w->rows[w->nrows++] = k;
    }
  }
  size_t R = w->nrows ? w->nrows : 1, C = (size_t)(w->ncols ? w->ncols : 1);
  w->A = calloc(R * C, sizeof *w->A);
  w->B = calloc(R * C, sizeof *w->B);
  w->b = calloc(R, sizeof *w->b);
  if (!w->A || !w->B || !w->b) return -1;
  for (size_t r = 0; r < w->nrows; r++) {
    size_t k = w->rows[r];
    w->b[r] = (f->O[k] - f->Ebase[k]) / sqrt(f->Vbase[k]);
  }
  for (int c = 0; c < w->ncols; c++) {
    fparam *p = &f->ps[w->cols[c]];
    double scale = exp(p->u);
    for (size_t j = 0; j < f->mlen[w->cols[c]]; j++) {
      size_t k = f->mlist[w->cols[c]][j];
      if (rowmap[k] < 0) continue;
      w->A[(size_t)c * R + (size_t)rowmap[k]] = f->J[w->cols[c]][j] * scale / sqrt(f->Vbase[k]);
      w->B[(size_t)c * R + (size_t)rowmap[k]] = f->D[w->cols[c]][j] * scale / sqrt(f->Vbase[k]);
    }
  }
  for (size_t r = 0; r < w->nrows; r++) rowmap[w->rows[r]] = -1;
  return 0;
}

static double col_norm(const wls *w, int c) {
  return cblas_dnrm2((int)w->nrows, w->A + (size_t)c * w->nrows, 1);
}

/* Drop the columns that have no effect or are confounded with others
** (QR with column pivoting: a pivot whose R diagonal is below
** CONFOUND_SIN of its column's norm lies almost in the span of the earlier
** pivots), giving their params up with the reason.  Returns how many were
** dropped (the caller rebuilds), or -1 when LAPACK fails. */
static int drop_unidentified(fit *f, wls *w) {
  int dropped = 0;
  for (int c = 0; c < w->ncols; c++)
    if (col_norm(w, c) == 0) {
      give_up(f, &f->ps[w->cols[c]], "no effect: changing it moved no measured statistic by 2 or more simulated onsets (more --sim-patients may show one)");
      dropped++;
    }
  if (dropped || w->ncols < 2 || w->nrows == 0) return dropped;
  size_t R = w->nrows, C = (size_t)w->ncols;
  double *Q = malloc(R * C * sizeof *Q), *tau = malloc(C * sizeof *tau);
  lapack_int *jpvt = calloc(C, sizeof *jpvt);
  if (!Q || !tau || !jpvt) { free(Q); free(tau); free(jpvt); return -1; }
  memcpy(Q, w->A, R * C * sizeof *Q);
  lapack_int info = LAPACKE_dgeqp3(LAPACK_COL_MAJOR, (lapack_int)R, (lapack_int)C, Q, (lapack_int)R, jpvt, tau);
  if (info != 0) { free(Q); free(tau); free(jpvt); return -1; }
  size_t kmax = R < C ? R : C;
  for (size_t i = 1; i < C; i++) {
    int c = jpvt[i] - 1;
    double rii = i < kmax ? fabs(Q[i * R + i]) : 0;
    if (rii >= CONFOUND_SIN * col_norm(w, c)) continue;
    int best = jpvt[0] - 1;     /* the earlier pivot most aligned with it */
    double bestcos = -1;
    for (size_t j = 0; j < i; j++) {
      int e = jpvt[j] - 1;
      double cs = fabs(cblas_ddot((int)R, w->A + (size_t)c * R, 1, w->A + (size_t)e * R, 1)) /
                  (col_norm(w, c) * col_norm(w, e));
      if (cs > bestcos) { bestcos = cs; best = e; }
    }
    give_up(f, &f->ps[w->cols[c]], "confounded with %s: in simulation their effects on the measured statistics "
            "are nearly proportional (|cos| %.3f)", f->out->items[f->ps[w->cols[best]].decl].name, bestcos);
    dropped++;
  }
  free(Q); free(tau); free(jpvt);
  return dropped;
}

/* M = A'B (C x C, column-major) of the component. */
static void cross(const wls *w, double *M) {
  size_t C = (size_t)w->ncols;
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)C, (int)C, (int)w->nrows, 1.0, w->A, (int)w->nrows,
              w->B, (int)w->nrows, 0.0, M, (int)C);
}

/* One damped Gauss-Newton step of the instrumental-variable equations
** J'W (O - E(u)) = 0: solve (A'B + lambda diag|A'B|) d = A'b with
** LAPACKE_dgesv (A the weighted instrument, B the weighted derivative),
** then move u by d (each change at most MAX_STEP, |u| at most MAX_U);
** *maxd gets the largest change.  0, or -1 when LAPACK fails. */
static int wls_step(fit *f, wls *w, double *maxd) {
  if (w->ncols == 0 || w->nrows == 0) return 0;
  size_t C = (size_t)w->ncols;
  const double lambda = 1e-3;
  double *M = malloc(C * C * sizeof *M), *d = malloc(C * sizeof *d);
  lapack_int *piv = malloc(C * sizeof *piv);
  if (!M || !d || !piv) { free(M); free(d); free(piv); return -1; }
  cross(w, M);
  for (size_t c = 0; c < C; c++) M[c * C + c] += lambda * fabs(M[c * C + c]);
  cblas_dgemv(CblasColMajor, CblasTrans, (int)w->nrows, (int)C, 1.0, w->A, (int)w->nrows, w->b, 1, 0.0, d, 1);
  lapack_int info = LAPACKE_dgesv(LAPACK_COL_MAJOR, (lapack_int)C, 1, M, (lapack_int)C, piv, d, (lapack_int)C);
  if (info == 0)
    for (size_t c = 0; c < C; c++) {
      fparam *p = &f->ps[w->cols[c]];
      double x = d[c];
      if (!isfinite(x)) continue;
      if (x > MAX_STEP) x = MAX_STEP;
      if (x < -MAX_STEP) x = -MAX_STEP;
      if (fabs(x) > *maxd) *maxd = fabs(x);
      p->u += x;
      if (p->u > MAX_U) p->u = MAX_U;
      if (p->u < -MAX_U) p->u = -MAX_U;
    }
  free(M); free(d); free(piv);
  return info < 0 ? -1 : 0;   /* info > 0: singular, no step */
}

/* The standard errors of u in the component, from the sandwich of the
** instrumental-variable estimator: Var = (A'B)^-1 (A'A) (B'A)^-1
** (cblas_dsyrk, cblas_dgemm, LAPACKE_dgesv).  With A = B it is the usual
** (J'WJ)^-1.  0, or -1 when A'B is singular (se left infinite). */
static int wls_se(fit *f, wls *w) {
  size_t C = (size_t)w->ncols;
  if (!C) return 0;
  for (size_t c = 0; c < C; c++) f->ps[w->cols[c]].se = INFINITY;
  if (!w->nrows) return -1;
  double *M = malloc(C * C * sizeof *M), *N = calloc(C * C, sizeof *N), *Mi = calloc(C * C, sizeof *Mi);
  double *T = malloc(C * C * sizeof *T);
  lapack_int *piv = malloc(C * sizeof *piv);
  int rc = -1;
  if (!M || !N || !Mi || !T || !piv) goto done;
  cross(w, M);
  for (size_t c = 0; c < C; c++) Mi[c * C + c] = 1;
  if (LAPACKE_dgesv(LAPACK_COL_MAJOR, (lapack_int)C, (lapack_int)C, M, (lapack_int)C, piv, Mi, (lapack_int)C) != 0)
    goto done;
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)C, (int)w->nrows, 1.0, w->A, (int)w->nrows, 0.0, N, (int)C);
  for (size_t a = 0; a < C; a++)            /* complete the symmetric matrix */
    for (size_t b = a + 1; b < C; b++) N[a * C + b] = N[b * C + a];
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)C, (int)C, (int)C, 1.0, Mi, (int)C, N, (int)C, 0.0, T,
              (int)C);
  for (size_t c = 0; c < C; c++) {         /* diag(T Mi') */
    double v = 0;
    for (size_t k = 0; k < C; k++) v += T[k * C + c] * Mi[k * C + c];
    f->ps[w->cols[c]].se = v > 0 ? sqrt(v) : INFINITY;
  }
  rc = 0;
done:
  free(M); free(N); free(Mi); free(T); free(piv);
  return rc;
}

/* Run one step of every component, or (se = 1) compute the standard
** errors; *maxd gets the largest change of u.  0, or -1 with the error set. */
static int step_all(fit *f, int ncomp, int se, double *maxd) {
  int *rowmap = malloc((f->nmom ? f->nmom : 1) * sizeof *rowmap);
  if (!rowmap) { snprintf(f->err, f->errlen, "out of memory"); return -1; }
  for (size_t k = 0; k < f->nmom; k++) rowmap[k] = -1;
  int rc = 0;
  for (int c = 0; c < ncomp && rc == 0; c++) {
    wls w;
    for (;;) {
      if (wls_build(f, c, rowmap, &w) != 0) { snprintf(f->err, f->errlen, "out of memory"); rc = -1; break; }
      int d = se ? 0 : drop_unidentified(f, &w);
      if (d < 0) { snprintf(f->err, f->errlen, "LAPACK failed in the QR of the Jacobian"); rc = -1; break; }
      if (d == 0) break;
      wls_free(&w);
    }
    if (rc == 0) {
      if (se) wls_se(f, &w);
      else if (wls_step(f, &w, maxd) != 0) { snprintf(f->err, f->errlen, "LAPACK failed in the least-squares step"); rc = -1; }
    }
    wls_free(&w);
  }
  for (int i = 0; i < f->np; i++) if (f->ps[i].list == i) keep_list_feasible(f, i);
  free(rowmap);
  return rc;
}

/* ---- setting up -------------------------------------------------------------- */

/* Fill out->items from the declarations and f->ps with the numeric params
** that can be fitted; the others are listed with their reason.  0 or -1. */
static int list_params(fit *f, const vt_param_decl *decls, int n) {
  vt_mfit *out = f->out;
  out->items = calloc((size_t)(n ? n : 1), sizeof *out->items);
  f->ps = calloc((size_t)(n ? n : 1), sizeof *f->ps);
  if (!out->items || !f->ps) return -1;
  out->n = n;
  for (int i = 0; i < n; i++) {
    const vt_param_decl *d = &decls[i];
    vt_mfit_item *it = &out->items[i];
    it->name = strdup(d->name);
    it->module = strdup(d->module ? d->module : "");
    if (!it->name || !it->module) return -1;
    it->deflt = it->value = d->kind == VT_PARAM_NUMBER ? d->number : NAN;
    if (d->kind != VT_PARAM_NUMBER) { snprintf(it->why, sizeof it->why, "not a number"); continue; }
    if (!d->has_default) { snprintf(it->why, sizeof it->why, "its default is an expression the fit cannot read"); continue; }
    if (d->origin == VT_PDECL_GMF && d->remainder) {
      snprintf(it->why, sizeof it->why, "the last branch of its list: the engine gives it 1 minus the others");
      size_t kl = list_key(d->name);     /* the list's branches take its target along */
      for (int j = f->np - 1; j >= 0 && f->ps[j].list >= 0; j--) {
        const char *qn = out->items[f->ps[j].decl].name;
        if (list_key(qn) != kl || strncmp(qn, d->name, kl) != 0) break;
        f->ps[j].rem_target = d->target;
      }
      continue;
    }
    fparam *p = &f->ps[f->np];
    p->decl = i; p->d = d->number; p->list = -1; p->group = -1; p->comp = -1; p->step = STEP; p->active = 1;
    if (d->origin == VT_PDECL_GMF) {     /* branches of one list are declared one after another */
      size_t kl = list_key(d->name);
      if (f->np > 0) {
        fparam *q = &f->ps[f->np - 1];
        const char *qn = out->items[q->decl].name;
        if (q->list >= 0 && list_key(qn) == kl && strncmp(qn, d->name, kl) == 0) p->list = q->list;
      }
      if (p->list < 0) p->list = f->np;
    }
    f->np++;
    if (p->d == 0) give_up(f, p, "its default is 0: a value fitted as a multiple of the default cannot move");
  }
  return 0;
}

/* The step sign of each param: down when up would leave its range (a
** probability above 1, a branch list summing to more than 1). */
static void choose_steps(fit *f) {
  for (int i = 0; i < f->np; i++) {
    fparam *p = &f->ps[i];
    double up = p->d * exp(STEP);
    if (p->list >= 0) {
      double sum = 0;
      for (int j = p->list; j < f->np && f->ps[j].list == p->list; j++) sum += f->ps[j].d;
      if (sum - p->d + up > 1 - 1e-6) p->step = -STEP;
    } else if (p->d > 0 && p->d <= 1 && up > 1) p->step = -STEP;
  }
}

/* Which workload codes each module emits, each param's influence and
** moments; params that cannot inform the fit are given up (no code to
** influence, or no signal in the released data).  0, or -1 with the error
** set. */
static int map_params(fit *f, const vt_param_decl *decls) {
  vt_sim_opts so = { .seed = f->o->sim.seed, .reference = f->o->sim.reference, .age_min = 0, .age_max = 140 };
  vt_lua_limits lim;
  if (!f->o->sim.limits) vt_lua_default_limits(&lim);
  vt_engine *e = NULL;
  char failed[1024];
  if (vt_engine_open(&e, &so, f->o->sim.paths, f->o->sim.npaths, NULL, f->o->sim.limits ? f->o->sim.limits : &lim,
                     failed, sizeof failed, f->err, f->errlen) != VT_ENGINE_OK)
    return -1;
  size_t nc = f->wl->ncodes;
  f->nmods = vt_engine_nmodules(e);
  f->owns = calloc((size_t)f->nmods * nc + 1, 1);
  f->infl = calloc((size_t)f->np * nc + 1, 1);
  f->mlist = calloc((size_t)f->np + 1, sizeof *f->mlist);
  f->mlen = calloc((size_t)f->np + 1, sizeof *f->mlen);
  if (!f->owns || !f->infl || !f->mlist || !f->mlen) goto oom;
  for (int i = 0; i < f->nmods; i++) mark_codes(f, e, vt_engine_module(e, i), f->owns + (size_t)i * nc, 0);
  for (int i = 0; i < f->np; i++) {
    fparam *p = &f->ps[i];
    p->module = module_index(e, f->out->items[p->decl].module);
    if (p->module < 0) { if (p->active) give_up(f, p, "its module is not in the module set"); continue; }
    unsigned char *row = f->infl + (size_t)i * nc;
    influence(f, e, p, &decls[p->decl], row);
    size_t cnt = 0;
    for (size_t k = 0; k < f->nmom; k++) cnt += row[f->mom_code[k]] && !absent_moment(f, k);
    f->mlist[i] = malloc((cnt ? cnt : 1) * sizeof **f->mlist);
    if (!f->mlist[i]) goto oom;
    for (size_t k = 0; k < f->nmom; k++) if (row[f->mom_code[k]] && !absent_moment(f, k)) f->mlist[i][f->mlen[i]++] = k;
    if (!p->active) continue;
    size_t codes = 0, held = 0;
    for (size_t c = 0; c < nc; c++) {
      codes += row[c];
      held += row[c] && !(f->o->absent_kinds & (1u << f->wl->kinds[c]));
    }
    if (!codes) { give_up(f, p, "it leads to no code the workload measures"); continue; }
    if (!held) { give_up(f, p, "the codes it leads to are of kinds this source kind cannot hold"); continue; }
    double o = 0, v = 0;   /* the data's signal: the onsets of the codes it leads to, against their noise */
    for (size_t j = 0; j < f->mlen[i]; j++) {
      size_t k = f->mlist[i][j];
      if (k >= nc * NGROUPS) continue;       /* onset moments only */
      o += f->O[k]; v += f->VO[k];
    }
    if (o < MIN_SIGNAL_Z * sqrt(v) || o <= 0)
      give_up(f, p, "its codes never appear: the %zu codes it leads to have %.0f onsets in the released "
              "statistics, within %.0f noise sigmas of none", codes, o > 0 ? o : 0, MIN_SIGNAL_Z);
  }
  vt_engine_free(e);
  return 0;
oom:
  vt_engine_free(e);
  snprintf(f->err, f->errlen, "out of memory");
  return -1;
}

/* Release everything f owns but out. */
static void fit_free(fit *f) {
  free(f->O); free(f->VO); free(f->mom_code); free(f->Ebase); free(f->Vbase);
  if (f->J) for (int i = 0; i < f->np; i++) free(f->J[i]);
  if (f->D) for (int i = 0; i < f->np; i++) free(f->D[i]);
  free(f->J); free(f->D);
  if (f->mlist) for (int i = 0; i < f->np; i++) free(f->mlist[i]);
  free(f->mlist); free(f->mlen); free(f->owns); free(f->infl); free(f->ps);
}

/* ---- the fit ------------------------------------------------------------------- */

/* The lives of a Jacobian simulation: differences under common random
** numbers need fewer lives than levels. */
static int64_t jacobian_lives(const fit *f) {
  int64_t n = f->o->sim.patients / JACOBIAN_SHARE;
  return n < JACOBIAN_MIN_LIVES ? (f->o->sim.patients < JACOBIAN_MIN_LIVES ? f->o->sim.patients : JACOBIAN_MIN_LIVES) : n;
}

/* The Jacobian at the current params: one simulation at them and one per
** group, each of jacobian_lives, each param's column over its moments.
** A column is the change of the simulated onsets behind each moment,
** scaled to the real population by the ratio of all released days at risk
** to all simulated ones, per unit of u.  It is deliberately not the change
** of E = rate x released denominator: that would carry the denominator's
** noise into the slope, which then correlates with the residual and
** attenuates every estimate towards 0 (errors in variables); the
** simulated counts are free of the release's noise, and any slope gives a
** consistent fit where the moments hold.  0, or -1 with the error set. */
static int jacobian(fit *f, int ngroups) {
  size_t nm = f->nmom ? f->nmom : 1;
  double *E = malloc(nm * sizeof *E), *V = malloc(nm * sizeof *V), *E0 = malloc(nm * sizeof *E0);
  double *S = malloc(nm * sizeof *S), *S0 = malloc(nm * sizeof *S0);
  f->J = calloc((size_t)(f->np ? f->np : 1), sizeof *f->J);
  f->D = calloc((size_t)(f->np ? f->np : 1), sizeof *f->D);
  int rc = -1;
  if (!E || !V || !E0 || !S || !S0 || !f->J || !f->D) { snprintf(f->err, f->errlen, "out of memory"); goto done; }
  int64_t lives = jacobian_lives(f);
  rc = simulate(f, -1, lives, E0, V, S0, "Jacobian base");
  double scale = rc == 0 && f->time_sim > 0 ? f->time_real / f->time_sim : 0;
  for (int g = 0; g < ngroups && rc == 0; g++) {
    char what[64];
    snprintf(what, sizeof what, "Jacobian %d of %d", g + 1, ngroups);
    if (simulate(f, g, lives, E, V, S, what) != 0) {   /* the perturbed values made a module fail */
      char why[160];
      snprintf(why, sizeof why, "%s", f->err);
      for (int i = 0; i < f->np; i++) if (f->ps[i].active && f->ps[i].group == g) f->ps[i].step = -f->ps[i].step;
      snprintf(what, sizeof what, "Jacobian %d of %d, the other way", g + 1, ngroups);
      if (simulate(f, g, lives, E, V, S, what) != 0) {
        for (int i = 0; i < f->np; i++)
          if (f->ps[i].active && f->ps[i].group == g)
            give_up(f, &f->ps[i], "a module fails when it is moved either way: %s", why);
        continue;
      }
    }
    for (int i = 0; i < f->np && rc == 0; i++) {
      fparam *p = &f->ps[i];
      if (!p->active || p->group != g) continue;
      size_t len = f->mlen[i];
      f->J[i] = malloc((len ? len : 1) * sizeof **f->J);
      f->D[i] = malloc((len ? len : 1) * sizeof **f->D);
      if (!f->J[i] || !f->D[i]) { snprintf(f->err, f->errlen, "out of memory"); rc = -1; break; }
      for (size_t j = 0; j < len; j++) {   /* a change of one simulated onset is a step, not a slope */
        size_t k = f->mlist[i][j];
        int seen = fabs(S[k] - S0[k]) >= MIN_JACOBIAN_EVENTS;
        f->J[i][j] = seen ? scale * (S[k] - S0[k]) / p->step : 0;
        f->D[i][j] = seen ? (E[k] - E0[k]) / p->step : 0;
      }
    }
  }
done:
  free(E); free(V); free(E0); free(S); free(S0);
  return rc;
}

/* The Gauss-Newton steps, each followed by a simulation at the new values,
** until the largest change of u is below CONVERGED or after iters steps.
** Values a step proposes can make a module fail (a Lua module that
** multiplies a param past 1 in a pick): the step is then halved, up to
** BACKOFFS times, and when it still fails the fit stops at the last values
** that ran.  0, or -1 with the error set (LAPACK, memory). */
static int iterate(fit *f, int ncomp, int iters) {
  double *prev = malloc((size_t)(f->np ? f->np : 1) * sizeof *prev);
  if (!prev) { snprintf(f->err, f->errlen, "out of memory"); return -1; }
  int rc = 0;
  for (int it = 0; it < iters && rc == 0; it++) {
    char what[96];
    double maxd = 0;
    for (int i = 0; i < f->np; i++) prev[i] = f->ps[i].u;
    if ((rc = step_all(f, ncomp, 0, &maxd)) != 0) break;
    if (maxd < CONVERGED) break;
    int ran = 0;
    for (int b = 0; b <= BACKOFFS && !ran; b++) {
      snprintf(what, sizeof what, b ? "step %d of at most %d, halved %d times" : "step %d of at most %d", it + 1,
               iters, b);
      if (simulate(f, -1, f->o->sim.patients, f->Ebase, f->Vbase, NULL, what) == 0) ran = 1;
      else for (int i = 0; i < f->np; i++) f->ps[i].u = (f->ps[i].u + prev[i]) / 2;
    }
    if (!ran) {   /* back to the last values that ran, and stop there */
      for (int i = 0; i < f->np; i++) f->ps[i].u = prev[i];
      rc = simulate(f, -1, f->o->sim.patients, f->Ebase, f->Vbase, NULL, "back to the last values that ran");
      break;
    }
  }
  free(prev);
  return rc;
}

int vt_fit_modules(const vt_mfit_opts *o, const vt_workload *wl, const vt_codematch *m, const vt_param_decl *decls,
                   int n, const vt_params *fixed, const double *values, const double *sigmas, vt_mfit *out,
                   char *err, size_t errlen) {
  fit f = { .o = o, .wl = wl, .m = m, .values = values, .sigmas = sigmas, .fixed = fixed, .out = out,
            .err = err, .errlen = errlen };
  memset(out, 0, sizeof *out);
  f.npairs = vt_workload_npairs(wl);
  f.nmom = wl->ncodes * NGROUPS + f.npairs * VT_WL_PAIR_NBINS;
  size_t nm = f.nmom ? f.nmom : 1;
  f.O = malloc(nm * sizeof *f.O); f.VO = malloc(nm * sizeof *f.VO); f.mom_code = malloc(nm * sizeof *f.mom_code);
  f.Ebase = calloc(nm, sizeof *f.Ebase); f.Vbase = calloc(nm, sizeof *f.Vbase);
  int rc = -1;
  if (!f.O || !f.VO || !f.mom_code || !f.Ebase || !f.Vbase || list_params(&f, decls, n) != 0) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  observe(&f);
  if (map_params(&f, decls) != 0) goto done;
  choose_steps(&f);
  int ngroups = assign_groups(&f), ncomp = assign_components(&f);
  if (ngroups < 0 || ncomp < 0) { snprintf(err, errlen, "out of memory"); goto done; }
  int iters = o->iterations > 0 ? o->iterations : 1;
  f.nsims_total = ngroups ? 1 + 1 + ngroups + iters : 0;
  if (ngroups == 0) { rc = 0; goto report; }
  if (simulate(&f, -1, o->sim.patients, f.Ebase, f.Vbase, NULL, "at the defaults") != 0 || jacobian(&f, ngroups) != 0)
    goto done;
  if (iterate(&f, ncomp, iters) != 0) goto done;
  double unused = 0;
  if (step_all(&f, ncomp, 1, &unused) != 0) goto done;
  rc = 0;
report:
  for (int i = 0; i < f.np; i++) {
    fparam *p = &f.ps[i];
    if (p->active && !(p->se <= MAX_SE_U))
      give_up(&f, p, "too weakly informed: the standard error of its log value is %.2f (above %.1f)", p->se, MAX_SE_U);
    else if (p->active && fabs(p->u) >= MAX_U - 1e-9)
      give_up(&f, p, "the fit ran into its bound, a factor e^%.0f from the default: the data and the module's "
              "structure disagree", MAX_U);
    else if (p->active && p->d > 0 && p->d <= 1 && p->d * exp(p->u) >= 1 - 1e-5)
      give_up(&f, p, "the fit ran into its bound, a probability of 1: the data and the module's structure "
              "disagree");
  }
  for (int i = 0; i < f.np; i++) if (f.ps[i].list == i) keep_list_feasible(&f, i);   /* after the give-ups */
  for (int i = 0; i < f.np; i++) {
    fparam *p = &f.ps[i];
    if (!p->active) continue;
    vt_mfit_item *it = item(&f, p);
    it->fitted = 1;
    it->value = value_at(p, p->u);
    it->se = it->value * p->se;
    out->nfitted++;
  }
done:
  fit_free(&f);
  if (rc != 0) vt_mfit_free(out);
  return rc;
}

void vt_mfit_free(vt_mfit *f) {
  if (!f) return;
  for (int i = 0; i < f->n; i++) { free(f->items[i].name); free(f->items[i].module); }
  free(f->items);
  memset(f, 0, sizeof *f);
}
