/*
** eval_against.c -- `vitae eval --against params.yaml` (learn/eval.h): the
** synthetic cohort against the DP summary `vitae learn` released, at no
** privacy cost (the summary is public; the cohort is synthetic).
**
** The workload is rebuilt from the released names alone (codes from the
** onset/postonset names, linked pairs from the pair names, in order of
** first appearance, as vt_workload_from_modset listed them) and checked:
** every released name must be what vt_workload_name gives the rebuilt
** workload at the same position.  The synthetic cohort's source is
** measured exactly as `vitae learn` measures (learn/measure.h: the matcher,
** the source's own ancestry, vt_measure_person), in the same read that
** loads the cohort (vt_eval_against_open / _person as the loader's
** callbacks), and every statistic compared:
**
**   scale  = released persons (sum of the "sex/..." entries) / synthetic persons
**   z      = (scale * synth - released) / sqrt(sigma^2 + scale^2 * var_synth)
**
** var_synth is the sampling variance of the synthetic value: the value
** itself for count blocks (Poisson), and VT_WL_CAP * value for person-day
** blocks (persontime, risktime, postonset): a sum over persons of
** contributions 0 <= x <= CAP has variance at most sum E[x^2] <= CAP * sum
** x, a conservative bound.
**
** Codes are added to the rebuilt workload as conditions: the kind matters
** only for events without a vocabulary (vt_measure_domain_kinds), which a
** synthetic vitae, Synthea or vocabulary-mapped OMOP cohort does not have.
*/
#include "learn/eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn/codematch.h"
#include "learn/eval_svg.h"
#include "learn/measure.h"
#include "learn/workload.h"
#include "sim/params.h"
#include "sim/strbuf.h"

#define NWORST 10

typedef struct stat {
  char *name;
  double released, sigma, scaled, z;
} stat;

typedef struct block {
  const char *name;
  size_t n;
  double median_abs_z, share2;
  size_t nworst;
  stat worst[NWORST];
} block;

struct vt_eval_against {
  char *params;
  double epsilon, delta;
  int has_ledger;
  double scale;
  int64_t synth_persons;
  double released_persons;
  size_t n;                      /* statistics */
  stat *stats;                   /* in workload order */
  vt_wl_block *blk;              /* [n] */
  block blocks[VT_WL_BLOCK__COUNT];
  size_t overall_within;
};

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* "onset/SYS:CODE/F/40-44" -> "SYS:CODE" (the part between the first '/'
** and the one before the last two components); into out.  0, or -1. */
static int middle(const char *name, int tail, char *out, size_t outlen) {
  const char *a = strchr(name, '/');
  if (!a) return -1;
  a++;
  const char *e = name + strlen(name);
  for (int t = 0; t < tail; t++) {
    while (e > a && e[-1] != '/') e--;
    if (e <= a) return -1;
    e--;
  }
  size_t n = (size_t)(e - a);
  if (n == 0 || n >= outlen) return -1;
  memcpy(out, a, n);
  out[n] = 0;
  return 0;
}

/* "SYS:CODE" -> its index in wl, added when new; -1 when malformed. */
static long code_index(vt_workload *wl, char *key) {
  char *c = strchr(key, ':');
  if (!c) return -1;
  *c = 0;
  const char *sys = key, *code = c + 1;
  for (size_t i = 0; i < wl->ncodes; i++)
    if (strcmp(wl->systems[i], sys) == 0 && strcmp(wl->codes[i], code) == 0) { *c = ':'; return (long)i; }
  if (vt_workload_add(wl, sys, code, VT_WL_CONDITION) != 0) { *c = ':'; return -1; }
  *c = ':';
  return (long)wl->ncodes - 1;
}

/* Rebuild the workload from the summary's names.  0, or -1 with err. */
static int rebuild(const vt_params *p, vt_workload *wl, char *err, size_t errlen) {
  char key[512], a[512];
  for (int i = 0; i < p->nsummary; i++) {
    const char *nm = p->summary[i].name;
    if (strncmp(nm, "onset/", 6) == 0 || strncmp(nm, "postonset/", 10) == 0) {
      if (middle(nm, 2, key, sizeof key) || code_index(wl, key) < 0) goto bad;
    } else if (strncmp(nm, "pair_onset/", 11) == 0 || strncmp(nm, "pair_atrisk/", 12) == 0) {
      if (middle(nm, 1, key, sizeof key)) goto bad;
      char *gt = strchr(key, '>');
      if (!gt) goto bad;
      *gt = 0;
      snprintf(a, sizeof a, "%s", key);
      long ia = code_index(wl, a), ib = code_index(wl, gt + 1);
      if (ia < 0 || ib < 0 || vt_workload_add_pair(wl, (size_t)ia, (size_t)ib) < 0) goto bad;
    }
    continue;
  bad:
    snprintf(err, errlen, "%s:%d: dp_summary entry '%s': not a workload statistic's name", p->path,
             p->summary[i].line, nm);
    return -1;
  }
  size_t n = vt_workload_size(wl);
  char name[1024];
  for (int i = 0; i < p->nsummary; i++) {
    if ((size_t)i >= n) {
      snprintf(err, errlen, "%s:%d: dp_summary entry '%s' is not reproduced by the rebuilt workload (it has %zu "
               "statistics)", p->path, p->summary[i].line, p->summary[i].name, n);
      return -1;
    }
    vt_workload_name(wl, (size_t)i, name, sizeof name);
    if (strcmp(name, p->summary[i].name) != 0) {
      snprintf(err, errlen, "%s:%d: dp_summary entry '%s' is not reproduced by the rebuilt workload (expected '%s' "
               "at position %d)", p->path, p->summary[i].line, p->summary[i].name, name, i + 1);
      return -1;
    }
  }
  if ((size_t)p->nsummary != n) {
    vt_workload_name(wl, (size_t)p->nsummary, name, sizeof name);
    snprintf(err, errlen, "%s: dp_summary has %d entries, the rebuilt workload %zu: '%s' is missing", p->path,
             p->nsummary, n, name);
    return -1;
  }
  return 0;
}

static int is_time_block(vt_wl_block b) {
  return b == VT_WL_BLOCK_PERSONTIME || b == VT_WL_BLOCK_RISKTIME || b == VT_WL_BLOCK_POSTONSET;
}

/* What --against holds while the synthetic cohort is read: the params file,
** the workload rebuilt from it, and the measurement of the source so far. */
struct vt_eval_against_pass {
  vt_params *p;
  vt_workload wl;
  vt_codematch *m;
  vt_measure *ms;
  int64_t *vec;                  /* vt_workload_size(&wl) entries */
  vt_measure_stats st;
};

void vt_eval_against_pass_free(vt_eval_against_pass *ps) {
  if (!ps) return;
  vt_measure_free(ps->ms);
  vt_codematch_free(ps->m);
  free(ps->vec);
  vt_workload_free(&ps->wl);
  vt_params_free(ps->p);
  free(ps);
}

int vt_eval_against_prepare(const char *params_path, vt_eval_against_pass **out, char *err, size_t errlen) {
  *out = NULL;
  vt_eval_against_pass *ps = vt_xcalloc(1, sizeof *ps);
  vt_workload_init(&ps->wl);
  if (!(ps->p = vt_params_load(params_path, err, errlen))) goto fail;
  if (ps->p->nsummary == 0) {
    snprintf(err, errlen, "%s:1: no dp_summary section: --against needs the params file `vitae learn` wrote",
             params_path);
    goto fail;
  }
  if (rebuild(ps->p, &ps->wl, err, errlen) != 0) goto fail;
  size_t n = vt_workload_size(&ps->wl);
  ps->vec = calloc(n ? n : 1, sizeof *ps->vec);
  if (!ps->vec || !(ps->m = vt_measure_matcher(&ps->wl)) || !(ps->ms = vt_measure_new(&ps->wl, ps->m))) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  *out = ps;
  return 0;
fail:
  vt_eval_against_pass_free(ps);
  return -1;
}

int vt_eval_against_open(void *pass, vt_ehr *r, char *err, size_t errlen) {
  vt_eval_against_pass *ps = pass;
  return vt_ehr_ancestry(r, ps->m, err, errlen) < 0 ? -1 : 0;
}

void vt_eval_against_person(void *pass, const vt_person *p) {
  vt_eval_against_pass *ps = pass;
  vt_measure_person(ps->ms, p, ps->vec, &ps->st);
}

int vt_eval_against_run(const vt_eval_ctx *cx, const vt_eval_against_pass *ps, vt_eval_against **out, char *err,
                        size_t errlen) {
  *out = NULL;
  const vt_params *p = ps->p;
  const vt_workload *wlp = &ps->wl;
  const int64_t *vec = ps->vec;
  const vt_measure_stats st = ps->st;
  size_t n = vt_workload_size(wlp);
  int rc = -1;
  vt_eval_against *a = calloc(1, sizeof *a);
  if (!a) { snprintf(err, errlen, "out of memory"); goto done; }
  a->params = vt_xstrdup(cx->params_path);
  a->has_ledger = p->ledger.present;
  a->epsilon = p->ledger.present ? p->ledger.epsilon : NAN;
  a->delta = p->ledger.present ? p->ledger.delta : NAN;
  a->synth_persons = st.persons;
  double rel = 0;
  for (int i = 0; i < p->nsummary; i++)
    if (strncmp(p->summary[i].name, "sex/", 4) == 0) rel += (double)p->summary[i].value;
  a->released_persons = rel;
  a->scale = st.persons > 0 && rel > 0 ? rel / (double)st.persons : 1;
  a->n = n;
  a->stats = calloc(n ? n : 1, sizeof *a->stats);
  a->blk = calloc(n ? n : 1, sizeof *a->blk);
  double *absz = calloc(n ? n : 1, sizeof *absz);
  if (!a->stats || !a->blk || !absz || !a->params) { free(absz); snprintf(err, errlen, "out of memory"); goto done; }
  for (size_t i = 0; i < n; i++) {
    stat *s = &a->stats[i];
    vt_wl_block b = vt_workload_block_of(wlp, i);
    a->blk[i] = b;
    s->name = vt_xstrdup(p->summary[i].name);
    s->released = (double)p->summary[i].value;
    s->sigma = p->summary[i].sigma;
    double v = (double)vec[i];
    s->scaled = a->scale * v;
    double var = is_time_block(b) ? (double)VT_WL_CAP * v : v;
    double den = sqrt(s->sigma * s->sigma + a->scale * a->scale * var);
    s->z = den > 0 ? (s->scaled - s->released) / den : (s->scaled == s->released ? 0 : INFINITY);
    if (fabs(s->z) <= 2) a->overall_within++;
  }
  for (int b = 0; b < VT_WL_BLOCK__COUNT; b++) {
    block *bk = &a->blocks[b];
    bk->name = vt_workload_block_name((vt_wl_block)b);
    size_t k = 0, within = 0;
    for (size_t i = 0; i < n; i++)
      if (a->blk[i] == (vt_wl_block)b) {
        absz[k++] = fabs(a->stats[i].z);
        if (fabs(a->stats[i].z) <= 2) within++;
      }
    bk->n = k;
    if (!k) { bk->median_abs_z = NAN; bk->share2 = NAN; continue; }
    qsort(absz, k, sizeof *absz, cmp_double);
    bk->median_abs_z = k % 2 ? absz[k / 2] : 0.5 * (absz[k / 2 - 1] + absz[k / 2]);
    bk->share2 = (double)within / (double)k;
    /* the worst, by |z| (ties: workload order) */
    for (size_t i = 0; i < n; i++) {
      if (a->blk[i] != (vt_wl_block)b) continue;
      double z = fabs(a->stats[i].z);
      size_t pos = bk->nworst;
      while (pos > 0 && fabs(bk->worst[pos - 1].z) < z) pos--;
      if (pos >= NWORST) continue;
      size_t last = bk->nworst < NWORST ? bk->nworst : NWORST - 1;
      memmove(&bk->worst[pos + 1], &bk->worst[pos], (last - pos) * sizeof *bk->worst);
      bk->worst[pos] = a->stats[i];
      if (bk->nworst < NWORST) bk->nworst++;
    }
  }
  free(absz);
  vt_eval_progress(cx, "against: %zu of %zu statistics within 2 sigma (scale %.4g)", a->overall_within, n, a->scale);
  *out = a;
  a = NULL;
  rc = 0;
done:
  vt_eval_against_free(a);
  return rc;
}

static double share_overall(const vt_eval_against *r) {
  return r->n ? (double)r->overall_within / (double)r->n : NAN;
}

void vt_eval_against_verdict(const vt_eval_against *r, vt_eval_verdict *v) {
  memset(v, 0, sizeof *v);
  snprintf(v->metric, sizeof v->metric, "share of released statistics within 2 sigma");
  double s = share_overall(r);
  v->value = s;
  if (isnan(s)) {
    v->level = VT_EVAL_NOT_MEASURED;
    snprintf(v->verdict, sizeof v->verdict, "no statistic to compare");
    snprintf(v->text, sizeof v->text, "The DP summary has no statistic.");
    return;
  }
  v->level = s >= 0.9 ? VT_EVAL_GOOD : s >= 0.75 ? VT_EVAL_CAUTION : VT_EVAL_POOR;
  snprintf(v->verdict, sizeof v->verdict, "%s", s >= 0.9 ? "agrees with the DP summary"
                                                : s >= 0.75 ? "mostly agrees with the DP summary"
                                                            : "departs from the DP summary");
  snprintf(v->text, sizeof v->text,
           "%.1f%% of the %zu statistics `vitae learn` released are within 2 sigma of the synthetic cohort's "
           "(scaled to the released population; about 95%% expected when the model fits).", 100 * s, r->n);
}

void vt_eval_against_json(const vt_eval_against *r, vt_jsonw *w) {
  vt_jw_kstr(w, "params", r->params);
  vt_jw_key(w, "epsilon");
  if (isnan(r->epsilon)) vt_jw_null(w); else vt_jw_real(w, r->epsilon);
  vt_jw_key(w, "delta");
  if (isnan(r->delta)) vt_jw_null(w); else vt_jw_real(w, r->delta);
  vt_jw_kreal(w, "scale", r->scale);
  vt_jw_kreal(w, "released_persons", r->released_persons);
  vt_jw_kint(w, "synthetic_persons", r->synth_persons);
  vt_jw_key(w, "blocks");
  vt_jw_arr(w, 0);
  for (int b = 0; b < VT_WL_BLOCK__COUNT; b++) {
    const block *bk = &r->blocks[b];
    if (!bk->n) continue;
    vt_jw_obj(w, 0);
    vt_jw_kstr(w, "name", bk->name);
    vt_jw_kint(w, "n", (int64_t)bk->n);
    vt_jw_kreal(w, "median_abs_z", bk->median_abs_z);
    vt_jw_kreal(w, "share_within_2sigma", bk->share2);
    vt_jw_key(w, "worst");
    vt_jw_arr(w, 0);
    for (size_t i = 0; i < bk->nworst; i++) {
      const stat *s = &bk->worst[i];
      vt_jw_obj(w, 1);
      vt_jw_kstr(w, "name", s->name);
      vt_jw_kreal(w, "released", s->released);
      vt_jw_kreal(w, "sigma", s->sigma);
      vt_jw_kreal(w, "synthetic_scaled", s->scaled);
      vt_jw_key(w, "z");
      if (isfinite(s->z)) vt_jw_real(w, s->z); else vt_jw_null(w);
      vt_jw_end(w);
    }
    vt_jw_end(w);
    vt_jw_end(w);
  }
  vt_jw_end(w);
  vt_jw_key(w, "overall");
  vt_jw_obj(w, 1);
  vt_jw_kint(w, "n", (int64_t)r->n);
  vt_jw_key(w, "share_within_2sigma");
  if (r->n) vt_jw_real(w, share_overall(r)); else vt_jw_null(w);
  vt_jw_end(w);
}

int vt_eval_against_html(const vt_eval_against *r, FILE *f) {
  vt_eval_verdict v;
  vt_eval_against_verdict(r, &v);
  static const char *const badge[] = { "good", "caution", "poor" };
  fprintf(f, "<section id=\"against\"><h2>Against the released DP summary</h2>\n<p><span class=\"badge %s\">",
          v.level >= 0 && v.level <= 2 ? badge[v.level] : "na");
  vt_eval_html_text(f, v.verdict);
  fprintf(f, "</span> ");
  vt_eval_html_text(f, v.text);
  fprintf(f, "</p>\n<p>Params file <code>");
  vt_eval_html_text(f, r->params);
  if (r->has_ledger) fprintf(f, "</code>: privacy ledger epsilon %.4g, delta %.3g", r->epsilon, r->delta);
  else fprintf(f, "</code>: no privacy ledger");
  fprintf(f, "; released persons %.0f, synthetic persons %lld, scale %.4g.</p>\n", r->released_persons,
          (long long)r->synth_persons, r->scale);
  fprintf(f, "<table class=\"figures\">\n<tr><th>block</th><th>statistics</th><th>median |z|</th>"
             "<th>within 2 sigma</th></tr>\n");
  for (int b = 0; b < VT_WL_BLOCK__COUNT; b++) {
    const block *bk = &r->blocks[b];
    if (!bk->n) continue;
    fprintf(f, "<tr><td>%s</td><td class=\"num\">%zu</td><td class=\"num\">%.2f</td><td class=\"num\">%.1f%%</td>"
               "</tr>\n", bk->name, bk->n, bk->median_abs_z, 100 * bk->share2);
  }
  fprintf(f, "<tr><td><b>all</b></td><td class=\"num\">%zu</td><td></td><td class=\"num\">%.1f%%</td></tr>\n"
             "</table>\n", r->n, 100 * share_overall(r));
  fprintf(f, "<table class=\"figures\">\n<tr><th>worst statistics</th><th>released</th><th>sigma</th>"
             "<th>synthetic (scaled)</th><th>z</th></tr>\n");
  for (int b = 0; b < VT_WL_BLOCK__COUNT; b++) {
    const block *bk = &r->blocks[b];
    for (size_t i = 0; i < bk->nworst && i < 3; i++) {
      const stat *s = &bk->worst[i];
      fprintf(f, "<tr><td>");
      vt_eval_html_text(f, s->name);
      fprintf(f, "</td><td class=\"num\">%.0f</td><td class=\"num\">%.3g</td><td class=\"num\">%.1f</td>"
                 "<td class=\"num\">%.2f</td></tr>\n", s->released, s->sigma, s->scaled, s->z);
    }
  }
  fprintf(f, "</table>\n");
  const block *on = &r->blocks[VT_WL_BLOCK_ONSET];
  if (on->n) {
    double *x = calloc(on->n, sizeof *x), *y = calloc(on->n, sizeof *y);
    if (!x || !y) { free(x); free(y); return -1; }
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++)
      if (r->blk[i] == VT_WL_BLOCK_ONSET) { x[k] = r->stats[i].released; y[k] = r->stats[i].scaled; k++; }
    vt_svg_series s = { "onset statistics", "#1f77b4", x, y, k };
    fprintf(f, "<figure class=\"plot\">");
    vt_svg_scatter(f, "Onsets: released vs synthetic (scaled)", "released (noisy)", "synthetic, scaled", &s);
    fprintf(f, "<figcaption>Each point is one onset statistic (code, sex, age band); the diagonal is "
               "agreement. Released values carry noise of sigma %.3g.</figcaption></figure>\n",
            on->nworst ? on->worst[0].sigma : 0.0);
    free(x);
    free(y);
  }
  fprintf(f, "<p class=\"note\">z = (scaled synthetic - released) / sqrt(sigma^2 + scale^2 var), var the synthetic "
             "value (counts, Poisson) or 1827 times it (person-days, a per-person bound). Comparing costs no "
             "privacy: the summary is already public.</p>\n</section>\n");
  return ferror(f) ? -1 : 0;
}

void vt_eval_against_free(vt_eval_against *r) {
  if (!r) return;
  if (r->stats)
    for (size_t i = 0; i < r->n; i++) free(r->stats[i].name);
  free(r->stats);
  free(r->blk);
  free(r->params);
  free(r);
}
