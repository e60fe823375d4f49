/*
** check.c -- `vitae check`: the module set read by the loader's check mode
** and the static analyses on the compiled modules (lua/check.h,
** docs/check.md).
*/
#define _XOPEN_SOURCE 700   /* realpath */
#include "check.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lua/code_shape.h"
#include "lua/loader.h"
#include "lua/loader_int.h"
#include "lua/param_decl.h"
#include "sim/expr.h"
#include "sim/suggest.h"

/* ---- messages ---------------------------------------------------------- */

int vt_check_add(vt_check *ck, const char *file, int line, int warning, const char *state, const char *fmt, ...) {
  char text[2048];
  int n = 0;
  if (state) n = snprintf(text, sizeof text, "state '%s': ", state);
  if (n < 0 || (size_t)n >= sizeof text) n = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text + n, sizeof text - (size_t)n, fmt, ap);
  va_end(ap);
  if (ck->n == ck->cap) {
    int cap = ck->cap ? ck->cap * 2 : 64;
    vt_check_msg *m = realloc(ck->msgs, sizeof *m * (size_t)cap);
    if (!m) return -1;
    ck->msgs = m; ck->cap = cap;
  }
  vt_check_msg *m = &ck->msgs[ck->n];
  m->file = strdup(file);
  m->text = strdup(text);
  m->line = line;
  m->warning = warning;
  if (!m->file || !m->text) { free(m->file); free(m->text); return -1; }
  ck->n++;
  return 0;
}

static int cmp_msg(const void *a, const void *b) {
  const vt_check_msg *x = a, *y = b;
  int c = strcmp(x->file, y->file);
  if (c) return c;
  if (x->line != y->line) return x->line < y->line ? -1 : 1;
  if (x->warning != y->warning) return x->warning - y->warning;
  return strcmp(x->text, y->text);
}

void vt_check_sort(vt_check *ck) {
  if (ck->n > 1) qsort(ck->msgs, (size_t)ck->n, sizeof *ck->msgs, cmp_msg);
  /* the same message twice (a submodule reached twice) once */
  int w = 0;
  for (int i = 0; i < ck->n; i++) {
    if (w > 0 && cmp_msg(&ck->msgs[w - 1], &ck->msgs[i]) == 0) { free(ck->msgs[i].file); free(ck->msgs[i].text); continue; }
    ck->msgs[w++] = ck->msgs[i];
  }
  ck->n = w;
}

void vt_check_counts(const vt_check *ck, int *errors, int *warnings) {
  *errors = *warnings = 0;
  for (int i = 0; i < ck->n; i++) { if (ck->msgs[i].warning) (*warnings)++; else (*errors)++; }
}

void vt_check_free(vt_check *ck) {
  for (int i = 0; i < ck->n; i++) { free(ck->msgs[i].file); free(ck->msgs[i].text); }
  free(ck->msgs);
  for (int i = 0; i < ck->nmods; i++) vt_module_free(ck->mods[i]);
  free(ck->mods);
  for (int i = 0; i < ck->nroots; i++) free(ck->roots[i]);
  free(ck->roots);
  vt_param_list_free(&ck->params);
  memset(ck, 0, sizeof *ck);
}

/* ---- reading the module set --------------------------------------------- */

/* A load error "FILE:LINE: message" or "FILE:LINE:COL: message" of `file`
** as a message at its line. */
static void add_load_error(vt_check *ck, const char *file, const char *err) {
  size_t n = strlen(file);
  int line = 0;
  const char *msg = err;
  if (strncmp(err, file, n) == 0 && err[n] == ':') {
    char *end;
    long l = strtol(err + n + 1, &end, 10);
    if (end != err + n + 1 && *end == ':' && l > 0 && l < INT_MAX) {
      line = (int)l;
      msg = end + 1;
      if (*msg >= '0' && *msg <= '9') {   /* a column */
        strtol(msg, &end, 10);
        if (*end == ':') msg = end + 1;
      }
    } else msg = err + n + 1;
    while (*msg == ' ') msg++;
  }
  vt_check_add(ck, file, line, 0, NULL, "%s", msg);
}

/* The line of `"key"` in a JSON file from line `from` on (the line of the
** state holding it), or `from`. */
static int key_line(const char *file, int from, const char *key) {
  FILE *f = fopen(file, "rb");
  if (!f) return from;
  char buf[8192], pat[300];
  snprintf(pat, sizeof pat, "\"%s\"", key);
  int line = 0, found = from;
  while (fgets(buf, sizeof buf, f)) {
    size_t len = strlen(buf);
    if (len && buf[len - 1] == '\n') line++;
    else if (feof(f)) line++;
    else continue;   /* a longer line: its rest is read next */
    if (line >= from && strstr(buf, pat)) { found = line; break; }
  }
  fclose(f);
  return found;
}

/* Read, compile and record one module file. */
static int load_one(vt_check *ck, vt_lua *vl, const char *file, const char *path, int sub) {
  char err[4096];
  vt_param_list own;
  memset(&own, 0, sizeof own);
  ck->nfiles++;
  vl->record = &own;
  vl->record_module = path;
  vl->record_file = file;
  vt_module *m = NULL;
  vt_load_report rep = { NULL, 0, 0 };
  vl->checking = 1;
  int pushed = vt_module_push_file(vl, file, err, sizeof err);
  vl->checking = 0;
  if (pushed != 0) add_load_error(ck, file, err);
  else m = vt_module_check_compile(vl, file, path, ck->roots, ck->nroots, &rep);
  vl->record = NULL;
  vl->record_module = vl->record_file = NULL;
  int json = vt_module_is_json(file);
  for (int i = 0; i < rep.n; i++) {
    const vt_load_msg *lm = &rep.msgs[i];
    int line = lm->line;
    if (json && lm->key && line > 0) line = key_line(file, line, lm->key);
    vt_check_add(ck, file, line, lm->warning, lm->state, "%s", lm->text);
  }
  vt_load_report_free(&rep);
  if (m && !json && vt_param_scan_lua_file(file, path, &own, err, sizeof err) < 0) add_load_error(ck, file, err);
  /* params: one name with two defaults in this module (a note of its own
  ** list), or a default other than another module's */
  for (int i = 0; i < own.nnotes; i++) add_load_error(ck, file, own.notes[i]);
  for (int i = 0; i < own.n; i++) {
    const vt_param_decl *d = &own.items[i];
    const vt_param_decl *o = vt_param_list_find(&ck->params, d->name);
    if (!o) { vt_param_list_add(&ck->params, d); continue; }
    if (!o->has_default || !d->has_default || o->kind != d->kind) continue;
    int same = d->kind == VT_PARAM_NUMBER ? o->number == d->number
             : d->kind == VT_PARAM_STRING ? (o->string && d->string && strcmp(o->string, d->string) == 0)
             : o->boolean == d->boolean;
    if (!same)
      vt_check_add(ck, file, d->line, 0, NULL, "param '%s' has another default here than at %s:%d: a run would "
                   "use the first one loaded for both", d->name, o->file ? o->file : "?", o->line);
  }
  vt_param_list_free(&own);
  if (!m) return -1;
  m->is_submodule = sub;
  if (ck->nmods == ck->capmods) {
    int cap = ck->capmods ? ck->capmods * 2 : 64;
    vt_module **mm = realloc(ck->mods, sizeof *mm * (size_t)cap);
    if (!mm) { vt_module_free(m); return -1; }
    ck->mods = mm; ck->capmods = cap;
  }
  m->index = ck->nmods;
  ck->mods[ck->nmods++] = m;
  return 0;
}

static int find_mod(const vt_check *ck, const char *path) {
  for (int i = 0; i < ck->nmods; i++) if (strcmp(ck->mods[i]->path, path) == 0) return i;
  return -1;
}

/* CallSubmodule targets: loaded, found under a root, or an error. */
static void resolve_submodules(vt_check *ck, vt_lua *vl) {
  for (int mi = 0; mi < ck->nmods; mi++) {
    for (int si = 0; si < ck->mods[mi]->nstates; si++) {
      const vt_module *m = ck->mods[mi];
      const vt_state *s = &m->states[si];
      if (s->type != VT_S_CALL_SUBMODULE || !s->submodule) continue;
      int line = s->line > 0 ? s->line : m->line;
      if (find_mod(ck, s->submodule) >= 0) continue;
      if (!vt_module_name_safe(s->submodule)) {
        vt_check_add(ck, m->file, line, 0, s->name, "submodule '%s' is outside the module tree", s->submodule);
        continue;
      }
      int found = 0;
      for (int r = 0; r < ck->nroots && !found; r++)
        for (int x = 0; x < 2 && !found; x++) {
          char file[PATH_MAX + 300];
          struct stat st;
          snprintf(file, sizeof file, "%s/%s%s", ck->roots[r], s->submodule, x ? ".json" : ".lua");
          if (stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
            found = 1;
            if (!vt_path_inside(file, ck->roots[r]))
              vt_check_add(ck, m->file, line, 0, s->name, "submodule '%s' is outside the module tree: %s leads out of it",
                           s->submodule, file);
            else load_one(ck, vl, file, s->submodule, 1);
          }
        }
      if (found) continue;
      m = ck->mods[mi];
      s = &m->states[si];
      const char **paths = malloc(sizeof *paths * (size_t)(ck->nmods ? ck->nmods : 1));
      const char *near = NULL;
      if (paths) {
        for (int i = 0; i < ck->nmods; i++) paths[i] = ck->mods[i]->path;
        near = vt_suggest_closest(s->submodule, paths, ck->nmods);
      }
      char alt[600] = "";
      if (near) snprintf(alt, sizeof alt, " (did you mean '%s'?)", near);
      vt_check_add(ck, m->file, line, 0, s->name, "submodule '%s' not found (looked for %s.lua and .json in %s%s)%s",
                   s->submodule, s->submodule, ck->nroots ? ck->roots[0] : ".",
                   ck->nroots > 1 ? " and the other module folders" : "", alt);
      free(paths);
    }
  }
}

int vt_check_paths(vt_check *ck, char *const *paths, int npaths, char *err, size_t errlen) {
  memset(ck, 0, sizeof *ck);
  vt_module_file *files = NULL;
  int nfiles = 0;
  if (vt_module_files(paths, npaths, &files, &nfiles, &ck->roots, &ck->nroots, err, errlen) != 0) goto fail;
  char lerr[512];
  vt_lua *vl = vt_lua_new(NULL, NULL, lerr, sizeof lerr);
  if (!vl) { snprintf(err, errlen, "%s", lerr); goto fail; }
  for (int i = 0; i < nfiles; i++) {
    int dup = 0;
    for (int k = 0; k < i && !dup; k++) dup = strcmp(files[k].file, files[i].file) == 0;
    for (int k = 0; k < ck->nmods && !dup; k++) dup = files[i].sub && strcmp(ck->mods[k]->path, files[i].path) == 0;
    if (!dup) load_one(ck, vl, files[i].file, files[i].path, files[i].sub);
  }
  resolve_submodules(ck, vl);
  for (int i = 0; i < ck->nmods; i++) vt_check_module(ck, ck->mods[i]);
  vt_check_attributes(ck);
  vt_check_sort(ck);
  vt_lua_free(vl);
  vt_module_files_free(files, nfiles);
  return 0;
fail:
  vt_module_files_free(files, nfiles);
  vt_check_free(ck);
  return -1;
}

/* ---- the analyses of one module ---------------------------------------- */

static const char *type_name(const vt_state *s) {
  return s->type < VT_S__COUNT ? vt_state_type_names[s->type] : "broken";
}

static int state_line(const vt_module *m, const vt_state *s) { return s->line > 0 ? s->line : m->line; }

/* States that let time pass (or may: a submodule can wait), and so break
** a loop: the engine moves on to the next weekly step there. */
static int waits(const vt_state *s) {
  return s->type == VT_S_DELAY || s->type == VT_S_GUARD || (s->type == VT_S_ENCOUNTER && s->wellness)
      || s->type == VT_S_DEATH || s->type == VT_S_CALL_SUBMODULE || s->type == VT_S_TERMINAL;
}

/* Whether lap after lap of a loop can change what its conditions see:
** anything but Simple/Initial states records or sets something, and a
** distributed or lookup transition draws again. */
static int changes(const vt_state *s) {
  if (s->type != VT_S_SIMPLE && s->type != VT_S_INITIAL) return 1;
  return s->tr.kind == VT_TR_DISTRIBUTED || s->tr.kind == VT_TR_LOOKUP || s->tr.kind == VT_TR_COMPLEX;
}

#define MAXSUCC 1024

/* Tarjan's strongly connected components of the states for which `keep`
** holds, edges between kept states only (iterative). */
static void scc(const vt_module *m, const unsigned char *keep, int *comp, int *ncomp) {
  int n = m->nstates;
  int *index = malloc(sizeof *index * (size_t)n), *low = malloc(sizeof *low * (size_t)n);
  int *stack = malloc(sizeof *stack * (size_t)n), *on = calloc((size_t)n, sizeof *on);
  int *cs = malloc(sizeof *cs * (size_t)n), *ci = malloc(sizeof *ci * (size_t)n);
  int *succ = malloc(sizeof *succ * MAXSUCC);
  *ncomp = 0;
  if (!index || !low || !stack || !on || !cs || !ci || !succ) goto done;
  for (int i = 0; i < n; i++) { index[i] = -1; comp[i] = -1; }
  int next = 0, sp = 0;
  for (int r = 0; r < n; r++) {
    if (!keep[r] || index[r] >= 0) continue;
    int csp = 0;
    cs[csp] = r; ci[csp] = 0; csp++;
    index[r] = low[r] = next++; stack[sp++] = r; on[r] = 1;
    while (csp > 0) {
      int v = cs[csp - 1];
      int ns = vt_state_successors(m, &m->states[v], succ, MAXSUCC);
      if (ci[csp - 1] < ns) {
        int w = succ[ci[csp - 1]++];
        if (!keep[w]) continue;
        if (index[w] < 0) {
          index[w] = low[w] = next++; stack[sp++] = w; on[w] = 1;
          cs[csp] = w; ci[csp] = 0; csp++;
        } else if (on[w] && index[w] < low[v]) low[v] = index[w];
        continue;
      }
      if (low[v] == index[v]) {
        int w;
        do { w = stack[--sp]; on[w] = 0; comp[w] = *ncomp; } while (w != v);
        (*ncomp)++;
      }
      csp--;
      if (csp > 0) { int u = cs[csp - 1]; if (low[v] < low[u]) low[u] = low[v]; }
    }
  }
done:
  free(index); free(low); free(stack); free(on); free(cs); free(ci); free(succ);
}

/* Loops that let no time pass: components of the states that do not wait,
** with more than one state or a state going to itself. */
static void check_loops(vt_check *ck, const vt_module *m) {
  int n = m->nstates;
  unsigned char *keep = malloc((size_t)n);
  int *comp = malloc(sizeof *comp * (size_t)n), ncomp = 0;
  int *succ = malloc(sizeof *succ * MAXSUCC);
  if (!keep || !comp || !succ) goto done;
  for (int i = 0; i < n; i++) keep[i] = !waits(&m->states[i]);
  scc(m, keep, comp, &ncomp);
  for (int c = 0; c < ncomp; c++) {
    int size = 0, first = -1, self = 0, exits = 0, changing = 0;
    for (int i = 0; i < n; i++) {
      if (comp[i] != c) continue;
      if (first < 0 || state_line(m, &m->states[i]) < state_line(m, &m->states[first])) first = i;
      size++;
      changing |= changes(&m->states[i]);
      int ns = vt_state_successors(m, &m->states[i], succ, MAXSUCC);
      for (int k = 0; k < ns; k++) { self |= succ[k] == i; exits |= comp[succ[k]] != c; }
    }
    if (size < 2 && !self) continue;
    /* the loop's states in order from the first, for the message */
    char path[512] = "";
    size_t len = 0;
    for (int i = 0, shown = 0; i < n; i++) {
      if (comp[i] != c) continue;
      if (shown == 6) { snprintf(path + len, sizeof path - len, ", ..."); break; }
      int w = snprintf(path + len, sizeof path - len, "%s'%s'", shown ? ", " : "", m->states[i].name);
      if (w < 0 || (size_t)w >= sizeof path - len) break;
      len += (size_t)w;
      shown++;
    }
    const vt_state *s = &m->states[first];
    if (!exits)
      vt_check_add(ck, m->file, state_line(m, s), 0, s->name, "loop of states that let no time pass and have no way "
                   "out (%s): the engine would spin until it gives up (add a Delay or Guard)", path);
    else if (!changing)
      vt_check_add(ck, m->file, state_line(m, s), 1, s->name, "loop of states that let no time pass (%s), and "
                   "nothing on it changes between laps: a patient who goes round once goes round until the "
                   "engine gives up", path);
  }
done:
  free(keep); free(comp); free(succ);
}

/* Every state reachable from Initial; closed groups without a Terminal. */
static void check_reach(vt_check *ck, const vt_module *m) {
  int n = m->nstates;
  unsigned char *seen = calloc((size_t)n, 1);
  int *queue = malloc(sizeof *queue * (size_t)n), *succ = malloc(sizeof *succ * MAXSUCC);
  if (!seen || !queue || !succ) goto done;
  int qh = 0, qt = 0;
  queue[qt++] = m->initial; seen[m->initial] = 1;
  while (qh < qt) {
    int v = queue[qh++];
    int ns = vt_state_successors(m, &m->states[v], succ, MAXSUCC);
    for (int k = 0; k < ns; k++) if (!seen[succ[k]]) { seen[succ[k]] = 1; queue[qt++] = succ[k]; }
  }
  for (int i = 0; i < n; i++)
    if (!seen[i])
      vt_check_add(ck, m->file, state_line(m, &m->states[i]), 1, m->states[i].name,
                   "cannot be reached from Initial (no transition leads here)");
done:
  free(seen); free(queue); free(succ);
}

/* Constant probabilities of a distributed list. */
static void check_dist(vt_check *ck, const vt_module *m, const vt_state *s, const vt_dist_opt *o, int n, int option) {
  double sum = 0;
  for (int i = 0; i < n; i++) {
    if (o[i].attr || o[i].p.fn != VT_NOFN) return;
    sum += o[i].p.v;
  }
  char where[64] = "";
  if (option) snprintf(where, sizeof where, " of complex option %d", option);
  const char *last = o[n - 1].target >= 0 && o[n - 1].target < m->nstates ? m->states[o[n - 1].target].name : "?";
  if (sum > 1 + 1e-6)
    vt_check_add(ck, m->file, state_line(m, s), 1, s->name, "distributed probabilities%s add up to %.10g, over 1: "
                 "they are taken cumulatively, as Synthea does, so what lies past 1 is never taken", where, sum);
  else if (sum < 1 - 1e-6)
    vt_check_add(ck, m->file, state_line(m, s), 1, s->name, "distributed probabilities%s add up to %.10g, under 1: "
                 "the last option ('%s') takes the %.10g left", where, sum, last, 1 - sum);
}

static void check_code(vt_check *ck, const vt_module *m, const vt_state *s, const vt_code *c) {
  char why[256];
  if (c && c->code && c->system && vt_code_shape(c->system, c->code, why, sizeof why) != 0)
    vt_check_add(ck, m->file, state_line(m, s), 1, s->name, "%s code '%s' is not a valid %s code: %s", c->system,
                 c->code, c->system, why);
}

static void state_codes(vt_check *ck, const vt_module *m, const vt_state *top, const vt_state *s) {
  for (int i = 0; i < s->ncodes; i++) check_code(ck, m, top, &s->codes[i]);
  for (int i = 0; i < s->nactivities; i++) check_code(ck, m, top, &s->activities[i]);
  check_code(ck, m, top, s->value_code);
  check_code(ck, m, top, s->procedure_code);
  for (int i = 0; i < s->nimg_series; i++) {
    check_code(ck, m, top, s->img_series[i].body_site);
    check_code(ck, m, top, s->img_series[i].modality);
    for (int k = 0; k < s->img_series[i].ninstances; k++) check_code(ck, m, top, s->img_series[i].instances[k].sop);
  }
  for (int i = 0; i < s->nsupplies; i++) check_code(ck, m, top, s->supplies[i].code);
  for (int i = 0; i < s->nobs; i++) state_codes(ck, m, top, &s->obs[i]);
}

static void cond_codes(vt_check *ck, const vt_module *m, const vt_state *s, const vt_cond *c) {
  if (!c) return;
  for (int i = 0; i < c->ncodes; i++) check_code(ck, m, s, &c->codes[i]);
  for (int i = 0; i < c->nsubs; i++) cond_codes(ck, m, s, &c->subs[i]);
}

static void check_range(vt_check *ck, const vt_module *m, const vt_state *s, const vt_dist *d) {
  if (d->kind == VT_D_UNIFORM && d->a.fn == VT_NOFN && d->b.fn == VT_NOFN && d->a.v > d->b.v) {
    /* a time: a delay or duration; else a value (Synthea draws between
    ** the two either way, and so does vitae) */
    int delay = s->type == VT_S_DELAY;
    vt_check_add(ck, m->file, state_line(m, s), !delay, s->name, "%s range has low %g above high %g%s",
                 delay ? "delay" : d->unit_ms ? "duration" : "value", d->a.v, d->b.v,
                 delay ? "" : ": it is drawn between the two, as Synthea does");
  }
  if (d->kind == VT_D_GAUSSIAN && !isnan(d->min) && !isnan(d->max) && d->min > d->max)
    vt_check_add(ck, m->file, state_line(m, s), 0, s->name, "distribution min %g is above its max %g", d->min, d->max);
  if (d->kind == VT_D_GAUSSIAN && d->b.fn == VT_NOFN && d->b.v < 0)
    vt_check_add(ck, m->file, state_line(m, s), 0, s->name, "standard deviation %g is negative", d->b.v);
}

/* Conditions that can never hold: a Guard that waits forever. */
static int cond_false(const vt_cond *c) {
  if (!c) return 0;
  if (c->kind == VT_C_FALSE) return 1;
  if (c->kind == VT_C_AND) { for (int i = 0; i < c->nsubs; i++) if (cond_false(&c->subs[i])) return 1; return 0; }
  if (c->kind == VT_C_OR) { for (int i = 0; i < c->nsubs; i++) if (!cond_false(&c->subs[i])) return 0; return c->nsubs > 0; }
  if (c->kind == VT_C_NOT) return c->nsubs == 1 && c->subs[0].kind == VT_C_TRUE;
  return 0;
}

void vt_check_module(vt_check *ck, const vt_module *m) {
  int broken = 0;
  for (int i = 0; i < m->nstates; i++) broken |= m->states[i].type >= VT_S__COUNT;
  /* the graph of a module with a broken state is not whole: its checks
  ** would report what the error already explains */
  if (!broken && m->initial >= 0) {
    check_reach(ck, m);
    check_loops(ck, m);
  }
  for (int i = 0; i < m->nstates; i++) {
    const vt_state *s = &m->states[i];
    if (s->type >= VT_S__COUNT) continue;
    const vt_transition *t = &s->tr;
    if (t->kind == VT_TR_DISTRIBUTED) check_dist(ck, m, s, t->dists, t->ndists, 0);
    if (t->kind == VT_TR_COMPLEX)
      for (int k = 0; k < t->nopts; k++) if (t->opts[k].ndists) check_dist(ck, m, s, t->opts[k].dists, t->opts[k].ndists, k + 1);
    if (t->kind == VT_TR_CONDITIONAL || t->kind == VT_TR_COMPLEX)
      for (int k = 0; k < t->nopts; k++) cond_codes(ck, m, s, t->opts[k].cond);
    if (s->type != VT_S_TERMINAL && t->kind == VT_TR_NONE)
      vt_check_add(ck, m->file, state_line(m, s), 0, s->name, "a %s state with no way out: only a Terminal state "
                   "may have no transition", type_name(s));
    if (s->type == VT_S_GUARD) {
      cond_codes(ck, m, s, s->allow);
      if (cond_false(s->allow))
        vt_check_add(ck, m->file, state_line(m, s), 0, s->name, "a Guard whose condition can never hold: "
                     "no way out, the patient waits here for life");
    }
    state_codes(ck, m, s, s);
    check_range(ck, m, s, &s->dist);
    for (int k = 0; k < s->nobs; k++) check_range(ck, m, s, &s->obs[k].dist);
  }
}

/* ---- attributes read but set nowhere ------------------------------------ */

/* The attributes vitae sets itself (sim/synthea_attrs.c, listed in
** docs/synthea-attributes.md), as Synthea's Java does. */
static const char *const lifecycle_attrs[] = {
  "gender", "race", "ethnicity", "state", "county", "city", "zip", "address", "education", "income",
  "poverty_ratio", "first_language", "birth_country", "sexual_orientation", "RH_NEG",
  "active_weight_management", "food_insecurity", "severe_housing_cost_burden", "unemployed",
  "no_vehicle_access", "insurance_status", "smoker", "quit smoking age", "alcoholic", "quit alcoholism age",
  "marital_status", "ascvd_risk", "cardio_risk", "mi_risk", "ihd_risk", "stroke_risk",
  "atrial_fibrillation_risk", "probability_of_fall_injury", "bmi_percentile",
  "current_weight_length_percentile", "weight_loss_adherence", "weight_management_start",
  "long_term_weight_loss",
};

typedef struct names { const char **v; int n, cap; } names;

static void names_add(names *ns, const char *s) {
  if (!s) return;
  for (int i = 0; i < ns->n; i++) if (strcmp(ns->v[i], s) == 0) return;
  if (ns->n == ns->cap) {
    int cap = ns->cap ? ns->cap * 2 : 256;
    const char **v = realloc(ns->v, sizeof *v * (size_t)cap);
    if (!v) return;
    ns->v = v; ns->cap = cap;
  }
  ns->v[ns->n++] = s;
}

static int names_has(const names *ns, const char *s) {
  for (int i = 0; i < ns->n; i++) if (strcmp(ns->v[i], s) == 0) return 1;
  return 0;
}

typedef void (*attr_fn)(const char *attr, const vt_module *m, const vt_state *s, void *ud);

static void cond_reads(const vt_cond *c, const vt_module *m, const vt_state *s, attr_fn fn, void *ud) {
  if (!c) return;
  switch (c->kind) {
    case VT_C_ATTRIBUTE: case VT_C_ACTIVE_CONDITION: case VT_C_ACTIVE_MEDICATION: case VT_C_ACTIVE_CAREPLAN:
    case VT_C_ACTIVE_ALLERGY:
      fn(c->name, m, s, ud);
      break;
    case VT_C_OBSERVATION:
      if (c->name) fn(c->name, m, s, ud);
      break;
    default: break;
  }
  for (int i = 0; i < c->nsubs; i++) cond_reads(&c->subs[i], m, s, fn, ud);
}

static void dist_reads(const vt_dist_opt *o, int n, const vt_module *m, const vt_state *s, attr_fn fn, void *ud) {
  for (int i = 0; i < n; i++) if (o[i].attr) fn(o[i].attr, m, s, ud);
}

static void value_reads(const vt_state *v, const vt_module *m, const vt_state *s, attr_fn fn, void *ud) {
  if (v->val_src == VT_VAL_ATTRIBUTE && v->value_attr) fn(v->value_attr, m, s, ud);
  for (int i = 0; i < v->nsampled; i++) fn(v->sampled[i], m, s, ud);
  if (v->val_src == VT_VAL_EXPR && v->expr)
    for (int i = 0; i < vt_expr_nvars(v->expr); i++) fn(vt_expr_var_name(v->expr, i), m, s, ud);
}

/* Call fn for every attribute state s reads. */
static void state_reads(const vt_module *m, const vt_state *s, attr_fn fn, void *ud) {
  const vt_transition *t = &s->tr;
  if (t->kind == VT_TR_DISTRIBUTED) dist_reads(t->dists, t->ndists, m, s, fn, ud);
  if (t->kind == VT_TR_CONDITIONAL || t->kind == VT_TR_COMPLEX)
    for (int k = 0; k < t->nopts; k++) {
      cond_reads(t->opts[k].cond, m, s, fn, ud);
      dist_reads(t->opts[k].dists, t->opts[k].ndists, m, s, fn, ud);
    }
  if (s->type == VT_S_GUARD) cond_reads(s->allow, m, s, fn, ud);
  if (s->ref_attr) fn(s->ref_attr, m, s, ud);
  /* `reason` names a state of the module or an attribute */
  if (s->reason && s->reason_state == VT_NOSTATE && *s->reason) fn(s->reason, m, NULL, ud);
  value_reads(s, m, s, fn, ud);
  for (int i = 0; i < s->nobs; i++) value_reads(&s->obs[i], m, s, fn, ud);
}

typedef struct attr_ctx {
  vt_check *ck;
  const vt_state *cur;   /* the state being read */
  names set;
  names warned;   /* "path\x1fattr": one warning per module and attribute */
  char **keys; int nkeys;
} attr_ctx;

static void read_one(const char *attr, const vt_module *m, const vt_state *s, void *ud) {
  attr_ctx *a = ud;
  if (!attr || !*attr || names_has(&a->set, attr)) return;
  if (!s) {
    /* a `reason` that names no state of its module: an attribute, or a
    ** state of another module (of the module that called this one as a
    ** submodule: Synthea looks in the patient's whole history) */
    for (int i = 0; i < a->ck->nmods; i++) if (vt_module_find_state(a->ck->mods[i], attr) != VT_NOSTATE) return;
    s = a->cur;
  }
  for (size_t i = 0; i < sizeof lifecycle_attrs / sizeof lifecycle_attrs[0]; i++)
    if (strcmp(attr, lifecycle_attrs[i]) == 0) return;
  size_t len = strlen(m->path) + strlen(attr) + 2;
  char *key = malloc(len);
  if (!key) return;
  snprintf(key, len, "%s\x1f%s", m->path, attr);
  if (names_has(&a->warned, key)) { free(key); return; }
  char **ks = realloc(a->keys, sizeof *ks * (size_t)(a->nkeys + 1));
  if (!ks) { free(key); return; }
  a->keys = ks;
  a->keys[a->nkeys++] = key;
  names_add(&a->warned, key);
  const char *near = vt_suggest_closest(attr, a->set.v, a->set.n);
  char alt[300] = "";
  if (near) snprintf(alt, sizeof alt, " (did you mean '%s'?)", near);
  vt_check_add(a->ck, m->file, state_line(m, s), 1, s->name, "attribute '%s' is read here but no module sets it, "
               "nor vitae's lifecycle: it is always nil%s", attr, alt);
}

void vt_check_attributes(vt_check *ck) {
  attr_ctx a;
  memset(&a, 0, sizeof a);
  a.ck = ck;
  for (int mi = 0; mi < ck->nmods; mi++) {
    const vt_module *m = ck->mods[mi];
    for (int i = 0; i < m->nstates; i++) {
      const vt_state *s = &m->states[i];
      if (s->type == VT_S_SET_ATTRIBUTE || s->type == VT_S_COUNTER) names_add(&a.set, s->attribute);
      names_add(&a.set, s->assign_to_attribute);
    }
  }
  for (int mi = 0; mi < ck->nmods; mi++) {
    const vt_module *m = ck->mods[mi];
    for (int i = 0; i < m->nstates; i++)
      if (m->states[i].type < VT_S__COUNT) { a.cur = &m->states[i]; state_reads(m, &m->states[i], read_one, &a); }
  }
  for (int i = 0; i < a.nkeys; i++) free(a.keys[i]);
  free(a.keys);
  free(a.set.v);
  free(a.warned.v);
}
