/*
** simulate.c -- the fitter's in-memory simulator (learn/simulate.h): N lives
** on worker threads, each seen through the public pseudo-windows and
** measured by learn/measure.c as a real person is, the per-thread vectors
** summed at the end.
**
** Each worker opens an engine of its own (the modules loaded with the
** candidate params, one random stream per module) in its thread, takes
** chunks of patient indexes from a shared counter and keeps its buffers
** (record, matched rows, window events) from life to life: nothing is
** allocated per event.  Only the rows whose code is a workload code are
** kept for the windows (measure.c ignores the others), mapped to OMOP
** vocabulary ids the way learn/src_native.c reads a vitae cohort.
*/
#include "learn/simulate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "learn/ehr.h"
#include "learn/measure.h"
#include "learn/vocab.h"
#include "sim/engine.h"
#include "sim/hash.h"
#include "sim/strbuf.h"

/* Patients a worker takes at a time from the shared counter. */
#define CHUNK 16

/* ---- params ------------------------------------------------------------------ */

static int cmp_param(const void *a, const void *b) {
  return strcmp(((const vt_param *)a)->name, ((const vt_param *)b)->name);
}

vt_params *vt_params_from_numbers(const char *const *names, const double *values, size_t n, char *err,
                                  size_t errlen) {
  if (n > (size_t)(1 << 30)) { snprintf(err, errlen, "too many params (%zu)", n); return NULL; }
  vt_params *p = calloc(1, sizeof *p);
  if (!p) { snprintf(err, errlen, "out of memory"); return NULL; }
  p->path = malloc(sizeof "candidate params");
  p->items = calloc(n ? n : 1, sizeof *p->items);
  if (!p->path || !p->items) { vt_params_free(p); snprintf(err, errlen, "out of memory"); return NULL; }
  memcpy(p->path, "candidate params", sizeof "candidate params");
  uint64_t h = 14695981039346656037ull;   /* FNV-1a of "name=value\n" lines, in the order given */
  for (size_t i = 0; i < n; i++) {
    vt_param *it = &p->items[i];
    size_t len = strlen(names[i]);
    if (!(it->name = malloc(len + 1))) { vt_params_free(p); snprintf(err, errlen, "out of memory"); return NULL; }
    memcpy(it->name, names[i], len + 1);
    p->n++;
    it->kind = VT_PARAM_NUMBER;
    it->number = values[i];
    it->line = (int)i + 1;   /* messages say "candidate params:LINE": the position in the list */
    char line[64];
    int k = snprintf(line, sizeof line, "=%.17g\n", values[i]);
    h = vt_fnv1a64(h, it->name, len);
    h = vt_fnv1a64(h, line, (size_t)k);
  }
  if (n > 1) qsort(p->items, n, sizeof *p->items, cmp_param);
  for (size_t i = 1; i < n; i++)
    if (strcmp(p->items[i].name, p->items[i - 1].name) == 0) {
      snprintf(err, errlen, "param '%s' is given twice", p->items[i].name);
      vt_params_free(p);
      return NULL;
    }
  snprintf(p->hash, sizeof p->hash, "%016llx", (unsigned long long)h);
  return p;
}

/* ---- one life through the pseudo-windows -------------------------------------- */

/* A record row whose code is a workload code. */
typedef struct mrow {
  vt_time start, stop;
  const char *system;        /* OMOP vocabulary id */
  const char *code;
  vt_domain domain;
  int lasting;               /* still active when a window opens: carried in */
} mrow;

typedef struct lsim_shared lsim_shared;

typedef struct lsim_worker {
  pthread_t th;
  int started;
  lsim_shared *sh;
  vt_engine *eng;
  vt_measure *ms;
  vt_record rec;             /* the life just simulated (swapped with the engine's) */
  mrow *rows; size_t nrows, caprows;
  vt_event *ev; size_t capev;
  int64_t *vec;
  int64_t windows;
} lsim_worker;

struct lsim_shared {
  const vt_lsim_opts *o;
  vt_sim_opts so;
  vt_params *params;
  const vt_workload *wl;
  const vt_codematch *m;
  size_t vlen;
  pthread_mutex_t mu;
  int64_t next;              /* the next patient index to hand out */
  int stop;                  /* a failure: no more chunks */
  int failed;
  int64_t err_index;         /* the failing patient (-1: loading), the lowest one */
  char err[2048];
};

/* The domain and the OMOP vocabulary id of a row of table t with code c, as
** learn/src_native.c reads the table from a vitae cohort: tables with a
** system column map it with vt_vocab_id, the others have a fixed one.
** -1 for tables not read as events here (imaging studies: their procedure
** is a procedure row too; state_trace). */
static int row_kind(vt_table t, const vt_code *c, vt_domain *d, const char **system) {
  switch (t) {
    case VT_T_ENCOUNTER: *d = VT_DOMAIN_VISIT; *system = "SNOMED"; return 0;
    case VT_T_CONDITION: *d = VT_DOMAIN_CONDITION; break;
    case VT_T_MEDICATION: *d = VT_DOMAIN_DRUG; *system = "RxNorm"; return 0;
    case VT_T_OBSERVATION: *d = VT_DOMAIN_OBSERVATION; *system = "LOINC"; return 0;
    case VT_T_PROCEDURE: *d = VT_DOMAIN_PROCEDURE; break;
    case VT_T_IMMUNIZATION: *d = VT_DOMAIN_IMMUNIZATION; *system = "CVX"; return 0;
    case VT_T_CAREPLAN: *d = VT_DOMAIN_OBSERVATION; *system = "SNOMED"; return 0;
    case VT_T_ALLERGY: *d = VT_DOMAIN_OBSERVATION; break;
    case VT_T_DEVICE: case VT_T_SUPPLY: *d = VT_DOMAIN_DEVICE; *system = "SNOMED"; return 0;
    default: return -1;
  }
  *system = c->system && *c->system ? vt_vocab_id(c->system) : "SNOMED";
  return 0;
}

static int is_lasting(vt_table t) {
  return t == VT_T_CONDITION || t == VT_T_MEDICATION || t == VT_T_CAREPLAN || t == VT_T_ALLERGY ||
         t == VT_T_DEVICE;
}

/* Keep w->rec's rows whose code the workload has, in w->rows. */
static void match_rows(lsim_worker *w) {
  const vt_record *rec = &w->rec;
  w->nrows = 0;
  for (size_t i = 0; i < rec->nrows; i++) {
    const vt_row *r = &rec->rows[i];
    vt_domain d;
    const char *system;
    if (!r->code || !r->code->code || row_kind((vt_table)r->table, r->code, &d, &system) != 0) continue;
    if (vt_codematch_find(w->sh->m, 0, system, r->code->code) < 0) continue;
    if (w->nrows == w->caprows) {
      w->caprows = w->caprows ? 2 * w->caprows : 256;
      w->rows = vt_xrealloc(w->rows, w->caprows * sizeof *w->rows);
    }
    mrow *m = &w->rows[w->nrows++];
    m->start = r->start;
    m->stop = r->stop;
    m->system = system;
    m->code = r->code->code;
    m->domain = d;
    m->lasting = is_lasting((vt_table)r->table);
  }
  if (w->capev < w->nrows) {
    w->capev = w->caprows;
    w->ev = vt_xrealloc(w->ev, w->capev * sizeof *w->ev);
  }
}

/* Measure the life in w->rec through one pseudo-window: one observation
** period [sd, ed] (days), the life's death when inside it, and the rows it
** shows (sim/window.c's rules: only what is still active is carried in). */
static void measure_window(lsim_worker *w, vt_person *p, vt_period *per, int64_t sd, int64_t ed) {
  const vt_person_row *pr = &w->rec.person;
  int dead = pr->death != VT_NO_TIME;
  per->start = (vt_day)sd;
  per->end = (vt_day)ed;
  p->death = dead && vt_time_day(pr->death) <= ed ? (vt_day)vt_time_day(pr->death) : VT_NO_DAY;
  vt_time s = sd * VT_MS_DAY, e = (ed + 1) * VT_MS_DAY - 1;
  size_t n = 0;
  for (size_t i = 0; i < w->nrows; i++) {
    const mrow *r = &w->rows[i];
    if (r->start > e) continue;
    vt_time start = r->start;
    if (start < s) {          /* as sim/window.c: only what is still active is carried in */
      if (!r->lasting || (r->stop != VT_NO_TIME && r->stop <= s)) continue;
      start = s;
    }
    vt_event *ev = &w->ev[n++];
    memset(ev, 0, sizeof *ev);
    ev->domain = r->domain;
    ev->start = (vt_day)vt_time_day(start);
    ev->end = r->stop != VT_NO_TIME && r->stop <= e ? (vt_day)vt_time_day(r->stop) : VT_NO_DAY;
    ev->system = r->system;
    ev->code = r->code;
  }
  /* measure.c needs each code's first date only: the events are left in
  ** record order, not sorted as a reader's are */
  p->nevents = n;
  p->seq = w->windows;
  vt_measure_person(w->ms, p, w->vec, NULL);
  w->windows++;
}

/* The length in days of a window drawn from the public bins of
** vt_wl_obs_edges with the weights o->window_weights (uniform inside a
** bin; the last bin up to its upper edge). */
static int64_t draw_length(const vt_lsim_opts *o, vt_rng *r) {
  double total = 0, x;
  for (int b = 0; b < VT_WL_NOBS; b++) total += o->window_weights[b];
  x = vt_rng_uniform(r) * total;
  int b = 0;
  while (b < VT_WL_NOBS - 1 && x >= o->window_weights[b]) x -= o->window_weights[b++];
  int64_t lo = vt_wl_obs_edges[b], hi = vt_wl_obs_edges[b + 1];
  int64_t len = lo + (int64_t)(vt_rng_uniform(r) * (double)(hi - lo));
  return len > 0 ? len : 1;
}

/* Measure life `index` in w->rec through its pseudo-windows (simulate.h):
** the fixed ten-year windows, or, with window weights, windows of drawn
** lengths laid end to end backwards from the end of the life, over its
** last VT_LSIM_SPAN_YEARS. */
static void measure_life(lsim_worker *w, int64_t index) {
  const vt_person_row *pr = &w->rec.person;
  match_rows(w);
  int64_t bday = vt_time_day(pr->birth);
  int dead = pr->death != VT_NO_TIME;
  int64_t last = vt_time_day(dead ? pr->death : w->sh->so.reference);
  vt_person p;
  memset(&p, 0, sizeof p);
  p.id = "";
  p.sex = pr->gender == 'F' || pr->gender == 'M' ? pr->gender : 'U';
  p.birth = (vt_day)bday;
  p.race = pr->race;
  p.ethnicity = pr->ethnicity;
  vt_period per;
  p.periods = &per;
  p.nperiods = 1;
  p.events = w->ev;
  if (w->sh->o->window_weights) {   /* end to end, backwards from the end of the life */
    vt_rng r;
    vt_rng_seed_patient(&r, w->sh->o->seed, (uint64_t)index, VT_LSIM_WINDOW_STREAM);
    int64_t first = last - (int64_t)(VT_LSIM_SPAN_YEARS * 365.2425);
    if (first < bday) first = bday;
    for (int64_t ed = last; ed >= first;) {
      int64_t sd = ed - draw_length(w->sh->o, &r) + 1;
      if (sd < bday) sd = bday;
      measure_window(w, &p, &per, sd, ed);
      ed = sd - 1;
    }
    return;
  }
  int by, bm, bd;   /* the fixed windows: one every VT_LSIM_WINDOW_YEARS birthdays */
  vt_civil_from_days(bday, &by, &bm, &bd);
  for (int j = 0;; j++) {
    int64_t sd = j == 0 ? bday : vt_days_from_civil(by + VT_LSIM_WINDOW_YEARS * j, bm, bd) - VT_LSIM_WASHOUT;
    if (sd > last) break;
    int64_t ed = sd + VT_LSIM_WASHOUT + VT_WL_HORIZON - 1;
    measure_window(w, &p, &per, sd, ed < last ? ed : last);
  }
}

/* ---- the workers ---------------------------------------------------------------- */

/* Note a failure at patient index i (-1: loading) with message msg; the
** lowest index wins, so the message does not depend on the threads. */
static void fail(lsim_shared *sh, int64_t i, const char *msg) {
  pthread_mutex_lock(&sh->mu);
  if (!sh->failed || i < sh->err_index) {
    sh->failed = 1;
    sh->err_index = i;
    snprintf(sh->err, sizeof sh->err, "%s", msg);
  }
  sh->stop = 1;
  pthread_mutex_unlock(&sh->mu);
}

static void *worker_main(void *arg) {
  lsim_worker *w = arg;
  lsim_shared *sh = w->sh;
  char err[2048];
  vt_engine_status st = vt_engine_open(&w->eng, &sh->so, sh->o->paths, sh->o->npaths, sh->params, sh->o->limits,
                                       NULL, 0, err, sizeof err);
  if (st != VT_ENGINE_OK) { fail(sh, -1, err); return NULL; }
  for (;;) {
    pthread_mutex_lock(&sh->mu);
    int64_t a = sh->stop ? sh->o->patients : sh->next;
    if (a < sh->o->patients) sh->next = a + CHUNK < sh->o->patients ? a + CHUNK : sh->o->patients;
    int64_t b = sh->next;
    pthread_mutex_unlock(&sh->mu);
    if (a >= sh->o->patients) break;
    /* a chunk is finished even after another worker failed: every index
    ** below a failing one is simulated, and the lowest failure reported */
    for (int64_t i = a; i < b; i++) {
      if (vt_engine_simulate(w->eng, i) != 0) { fail(sh, i, vt_engine_error(w->eng)); return NULL; }
      vt_engine_swap_record(w->eng, &w->rec);
      measure_life(w, i);
    }
  }
  return NULL;
}

int vt_lsim_run(const vt_lsim_opts *o, vt_params *params, const vt_workload *wl, const vt_codematch *m, int64_t *vec,
                int64_t *windows, char *err, size_t errlen) {
  size_t vlen = vt_workload_size(wl);
  memset(vec, 0, vlen * sizeof *vec);
  if (windows) *windows = 0;
  if (o->patients < 0 || o->threads < 1 || o->npaths < 1) {
    snprintf(err, errlen, "simulate: %s", o->patients < 0 ? "a negative number of patients"
                                          : o->threads < 1 ? "threads must be >= 1" : "no modules given");
    return -1;
  }
  lsim_shared sh;
  memset(&sh, 0, sizeof sh);
  sh.o = o;
  sh.params = params;
  sh.wl = wl;
  sh.m = m;
  sh.vlen = vlen;
  sh.so.seed = o->seed;
  sh.so.reference = o->reference;
  if (!sh.so.reference) sh.so.reference = vt_time_today();
  sh.so.age_min = 0;      /* as vitae run's defaults: ages 0-100 at the reference date, both sexes */
  sh.so.age_max = 100;
  sh.so.module_streams = 1;
  if (pthread_mutex_init(&sh.mu, NULL) != 0) { snprintf(err, errlen, "simulate: cannot create a mutex"); return -1; }
  int nw = o->threads;
  if ((int64_t)nw > o->patients && o->patients > 0) nw = (int)o->patients;
  lsim_worker *ws = calloc((size_t)nw, sizeof *ws);
  int rc = 0;
  if (!ws) { snprintf(err, errlen, "out of memory"); pthread_mutex_destroy(&sh.mu); return -1; }
  for (int i = 0; i < nw && rc == 0; i++) {
    lsim_worker *w = &ws[i];
    w->sh = &sh;
    vt_record_init(&w->rec);
    w->vec = calloc(vlen ? vlen : 1, sizeof *w->vec);
    w->ms = vt_measure_new(wl, m);
    if (!w->vec || !w->ms) { snprintf(err, errlen, "out of memory"); rc = -1; }
  }
  /* worker 0 runs on the calling thread, below */
  for (int i = 1; i < nw && rc == 0; i++) {
    if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]) != 0) {
      fail(&sh, -1, "simulate: cannot start a worker thread");
      break;
    }
    ws[i].started = 1;
  }
  if (rc == 0) worker_main(&ws[0]);
  for (int i = 0; i < nw; i++) if (ws[i].started) pthread_join(ws[i].th, NULL);
  if (rc == 0 && sh.failed) { snprintf(err, errlen, "%s", sh.err); rc = -1; }
  for (int i = 0; i < nw; i++) {
    lsim_worker *w = &ws[i];
    if (rc == 0) {
      for (size_t k = 0; k < vlen; k++) vec[k] += w->vec[k];
      if (windows) *windows += w->windows;
    }
    vt_engine_free(w->eng);
    vt_measure_free(w->ms);
    vt_record_free(&w->rec);
    free(w->rows);
    free(w->ev);
    free(w->vec);
  }
  free(ws);
  pthread_mutex_destroy(&sh.mu);
  if (rc != 0) memset(vec, 0, vlen * sizeof *vec);
  return rc;
}
