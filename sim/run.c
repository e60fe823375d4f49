/*
** run.c -- the run of a cohort: worker threads simulate patients, the main
** thread writes them in patient-index order (so ids and rows do not depend
** on the number of threads), prints progress and the summary.
**
** Workers take patient indexes from a shared counter but never more than
** RING slots ahead of the writer: memory stays flat whatever N is.  A worker
** hands a finished record over by swapping buffers with a free ring slot.
** The output format is the sink's business (out/sink.h); the engine is
** used through its functions (sim/engine.h).
*/
#include "run.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "out/dbfile.h"
#include "out/sink.h"
#include "sim/engine.h"
#include "sim/params.h"
#include "sim/strbuf.h"
#include "sim/version.h"

typedef struct slot { vt_record rec; int ready; } slot;

typedef struct shared {
  pthread_mutex_t mu;
  pthread_cond_t ready, space;
  int64_t n, next, written;
  int ring;
  slot *slots;
  int stop;                 /* an error or a signal: everyone stops */
  char err[4096];
  char err_module[4096];    /* the file of the module of err, or "" */
  int64_t err_index;        /* the patient of err, or -1 (a write error) */
} shared;

typedef struct worker { pthread_t th; vt_engine *eng; shared *sh; } worker;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *worker_main(void *arg) {
  worker *w = arg;
  shared *sh = w->sh;
  pthread_mutex_lock(&sh->mu);
  while (!sh->stop && sh->next < sh->n) {
    int64_t i = sh->next;
    if (i >= sh->written + sh->ring) { pthread_cond_wait(&sh->space, &sh->mu); continue; }
    sh->next++;
    pthread_mutex_unlock(&sh->mu);
    int rc = vt_engine_simulate(w->eng, i);
    pthread_mutex_lock(&sh->mu);
    if (rc != 0) {
      /* report the lowest failing index: the same error whatever the threads */
      if (!sh->stop || i < sh->err_index) {
        const char *mod = vt_engine_error_module(w->eng);
        snprintf(sh->err, sizeof sh->err, "%s", vt_engine_error(w->eng));
        snprintf(sh->err_module, sizeof sh->err_module, "%s", mod ? mod : "");
        sh->err_index = i;
      }
      sh->stop = 1;
      pthread_cond_broadcast(&sh->ready);
      pthread_cond_broadcast(&sh->space);
      break;
    }
    slot *s = &sh->slots[i % sh->ring];
    vt_engine_swap_record(w->eng, &s->rec);
    s->ready = 1;
    pthread_cond_broadcast(&sh->ready);
  }
  pthread_mutex_unlock(&sh->mu);
  return NULL;
}

/* ---- signals: a killed run leaves no database behind ------------------ */

static char g_temp_path[4096];
static volatile sig_atomic_t g_have_temp;
/* the output's lock file (out/dbfile.c): removed after the temporary file,
** while the lock is still held (it is released by _exit) */
static char g_lock_path[4096];
static volatile sig_atomic_t g_have_lock;

static void on_signal(int sig) {
  if (g_have_temp) unlink(g_temp_path);
  if (g_have_lock && g_lock_path[0]) unlink(g_lock_path);
  static const char msg[] = "\nvitae: interrupted; no database was written\n";
  ssize_t r = write(2, msg, sizeof msg - 1);
  (void)r;
  _exit(128 + sig);   /* the shell's convention: 130 for SIGINT */
}

void vt_run_on_signals(void (*handler)(int), int sigpipe) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  if (sigpipe) sigaction(SIGPIPE, &sa, NULL);
}

const char *vt_default_modules_dir(char *buf, size_t len) {
  struct stat st;
  if (stat("modules", &st) == 0 && S_ISDIR(st.st_mode)) { snprintf(buf, len, "modules"); return buf; }
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = 0;
      snprintf(buf, len, "%s/modules", exe);
      if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode)) return buf;
    }
  }
  return NULL;
}

static int online_cpus(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

static void progress(int64_t done, int64_t n, double t0, int final) {
  double el = now_s() - t0;
  double rate = el > 0 ? (double)done / el : 0;
  double left = rate > 0 ? (double)(n - done) / rate : 0;
  fprintf(stderr, "\r  %lld/%lld patients  %.0f/s  %s %.0fs   %s", (long long)done, (long long)n, rate,
          final ? "took" : "ETA", final ? el : left, final ? "\n" : "");
  fflush(stderr);
}



static void set_run_info(vt_sink *w, const vt_config *cfg, const vt_sim_opts *so, const vt_engine *eng,
                         const vt_params *params, int threads, const char *started) {
  char buf[64];
  vt_sink_set_info(w, "vitae_version", VT_VERSION);
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)cfg->seed);
  vt_sink_set_info(w, "seed", buf);
  snprintf(buf, sizeof buf, "%lld", (long long)cfg->population);
  vt_sink_set_info(w, "population", buf);
  char d[11];
  vt_time_format_date(so->reference, d);
  vt_sink_set_info(w, "reference_date", d);
  snprintf(buf, sizeof buf, "%d", threads);
  vt_sink_set_info(w, "threads", buf);
  vt_sink_set_info(w, "started", started);
  size_t cap = 256, len = 0;
  int nmods = vt_engine_nmodules(eng);
  for (int i = 0; i < nmods; i++)
    cap += strlen(vt_engine_module(eng, i)->file) + strlen(vt_engine_module(eng, i)->name) + 40;
  char *mods = malloc(cap);
  if (mods) {
    mods[0] = 0;
    for (int i = 0; i < nmods; i++) {
      const vt_module *m = vt_engine_module(eng, i);
      len += (size_t)snprintf(mods + len, cap - len, "%s\t%s\t%s%s\n", m->name, m->file, m->hash,
                              m->is_submodule ? "\tsubmodule" : "");
    }
    vt_sink_set_info(w, "modules", mods);
    free(mods);
  }
  if (params) {
    vt_sink_set_info(w, "params_file", params->path);
    vt_sink_set_info(w, "params_hash", params->hash);
  }
  char *yaml = vt_config_to_yaml(cfg);
  if (yaml) { vt_sink_set_info(w, "config", yaml); free(yaml); }
}

/* One module_states row (vt_engine_each_state_count). */
typedef struct state_rows { vt_sink *sink; char *err; size_t errlen; } state_rows;

static int add_state_row(const vt_module *m, const vt_state *s, int64_t patients, int64_t entries, void *ud) {
  state_rows *r = ud;
  return vt_sink_add_module_state(r->sink, m->name, m->path, s->name, vt_state_type_names[s->type], patients,
                                  entries, r->err, r->errlen);
}

/* One module_transitions row (vt_engine_each_transition_count). */
static int add_transition_row(const vt_module *m, const vt_state *from, const vt_state *to, int64_t n, void *ud) {
  state_rows *r = ud;
  return vt_sink_add_module_transition(r->sink, m->name, m->path, from->name, to->name, n, r->err, r->errlen);
}

/* ---- the run, step by step ------------------------------------------- */

/* Everything a run holds; released by run_free. */
typedef struct run {
  const vt_config *cfg;
  vt_run_result *res;
  double t0;
  vt_sim_opts so;
  vt_lua_limits limits;
  int threads;
  vt_params *params;
  worker *ws;
  vt_engine **engines;     /* ws[i].eng, for vt_engine_each_state_count */
  shared sh;
  int nstarted;            /* worker threads started */
  vt_sink *sink;
  vt_out_lock *lock;       /* one run per output: out/dbfile.c */
  int show;                /* progress on a terminal */
} run;

/* Record the run's failure in res.  Returns its status. */
static vt_run_status fail(run *r, vt_run_status st, const char *fmt, ...) VT_PRINTF(3, 4);
static vt_run_status fail(run *r, vt_run_status st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->res->error, sizeof r->res->error, fmt, ap);
  va_end(ap);
  r->res->status = st;
  return st;
}

/* The threads, the module paths, the params file, one engine per thread. */
static vt_run_status load(run *r) {
  const vt_config *cfg = r->cfg;
  char err[4096];
  /* the writer (this thread) needs a core of its own: by default one
  ** worker per CPU but one (measured on 2 cores: 1 worker + writer writes
  ** 30% more rows/s than 2 workers + writer) */
  int threads = cfg->threads > 0 ? cfg->threads : (online_cpus() > 1 ? online_cpus() - 1 : 1);
  if (threads > cfg->population) threads = (int)cfg->population;
  r->threads = threads < 1 ? 1 : threads;

  char defdir[PATH_MAX];
  char *def_paths[1];
  char *const *paths = cfg->modules;
  int npaths = cfg->nmodules;
  if (npaths == 0) {
    if (!vt_default_modules_dir(defdir, sizeof defdir))
      return fail(r, VT_RUN_EUSAGE, "no module folder: run from the vitae folder or give modules with -m");
    def_paths[0] = defdir;
    paths = def_paths; npaths = 1;
  }
  if (cfg->params_file && !(r->params = vt_params_load(cfg->params_file, err, sizeof err)))
    return fail(r, VT_RUN_EUSAGE, "%s", err);
  r->ws = calloc((size_t)r->threads, sizeof *r->ws);
  r->engines = calloc((size_t)r->threads, sizeof *r->engines);
  if (!r->ws || !r->engines) return fail(r, VT_RUN_EFAIL, "out of memory");
  for (int i = 0; i < r->threads; i++) {
    vt_engine_status st = vt_engine_open(&r->ws[i].eng, &r->so, paths, npaths, r->params, &r->limits, r->res->module,
                                         sizeof r->res->module, err, sizeof err);
    if (st != VT_ENGINE_OK) return fail(r, st == VT_ENGINE_EPARAM ? VT_RUN_EUSAGE : VT_RUN_EFAIL, "%s", err);
    r->ws[i].sh = &r->sh;
    r->engines[i] = r->ws[i].eng;
  }
  if (r->params) vt_params_warn_unused(r->params, stderr);
  return VT_RUN_OK;
}

/* The codes the run can write, for the vocabulary (vt_engine_each_code). */
typedef struct code_list { const vt_code **items; size_t n, cap; } code_list;

static void collect_code(const vt_code *c, void *ud) {
  code_list *l = ud;
  if (l->n == (size_t)-1) return;   /* out of memory earlier */
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 1024;
    const vt_code **n = realloc(l->items, cap * sizeof *n);
    if (!n) { free(l->items); l->items = NULL; l->n = (size_t)-1; return; }
    l->items = n; l->cap = cap;
  }
  l->items[l->n++] = c;
}

/* Take the output's lock and open the sink (with its vocabulary). */
static vt_run_status open_output(run *r) {
  const vt_config *cfg = r->cfg;
  char err[4096];
  /* only a regular file may be replaced: never a device, FIFO or folder */
  struct stat ost;
  if (stat(cfg->output, &ost) == 0 && !S_ISREG(ost.st_mode))
    return fail(r, VT_RUN_EFAIL, "%s exists and is not a regular file; not replacing it", cfg->output);
  /* before anything is simulated: stop if another run is writing the same
  ** output, and remove the temporary files of runs that were killed */
  if (vt_out_lock_take(cfg->output, stderr, &r->lock, err, sizeof err) != 0)
    return fail(r, VT_RUN_EFAIL, "%s", err);
  snprintf(g_lock_path, sizeof g_lock_path, "%s", vt_out_lock_path(r->lock));
  g_have_lock = 1;
  vt_run_on_signals(on_signal, 1);
  int omop = cfg->format == VT_FORMAT_OMOP;
  if (cfg->trace && omop)
    fprintf(stderr, "vitae: note: --trace writes the state_trace table of the native format; OMOP has no place for it\n");
  if (cfg->vocab_dir && !omop)
    fprintf(stderr, "vitae: note: --vocab is used by --format omop only; the native format keeps the source codes\n");
  if (!cfg->vocab_dir && omop)
    fprintf(stderr, "vitae: note: no --vocab: OMOP concept ids are 0, and the codes are in the *_source_value columns\n");
  code_list codes = { NULL, 0, 0 };
  if (cfg->vocab_dir && omop) {
    vt_engine_each_code(r->ws[0].eng, collect_code, &codes);
    if (codes.n == (size_t)-1) return fail(r, VT_RUN_EFAIL, "out of memory");
  }
  vt_sink_opts so = { cfg->format, cfg->output, omop ? cfg->vocab_dir : NULL, codes.items, codes.n };
  double tv = now_s();
  int rc = vt_sink_open(&r->sink, &so, err, sizeof err);
  free(codes.items);
  if (rc != VT_SINK_OK) return fail(r, rc == VT_SINK_EVOCAB ? VT_RUN_EUSAGE : VT_RUN_EFAIL, "%s", err);
  size_t kept, read;
  if (!cfg->quiet && vt_sink_vocab_size(r->sink, &kept, &read))
    fprintf(stderr, "vitae: vocabulary %s: %zu concepts kept of %zu read, in %.1f s\n", cfg->vocab_dir, kept, read,
            now_s() - tv);
  snprintf(g_temp_path, sizeof g_temp_path, "%s", vt_sink_temp_path(r->sink));
  g_have_temp = 1;
  r->res->output_lost = 1;
  return VT_RUN_OK;
}

/* Start the workers: the ring of slots and the threads. */
static vt_run_status start_workers(run *r) {
  shared *sh = &r->sh;
  sh->n = r->cfg->population;
  sh->ring = r->threads * 4 + 4;
  sh->err_index = -1;
  sh->slots = calloc((size_t)sh->ring, sizeof *sh->slots);
  if (!sh->slots) return fail(r, VT_RUN_EFAIL, "out of memory");
  pthread_mutex_init(&sh->mu, NULL);
  pthread_cond_init(&sh->ready, NULL);
  pthread_cond_init(&sh->space, NULL);
  for (int i = 0; i < r->threads; i++) {
    if (pthread_create(&r->ws[i].th, NULL, worker_main, &r->ws[i]) != 0) {
      pthread_mutex_lock(&sh->mu); sh->stop = 1; snprintf(sh->err, sizeof sh->err, "cannot start a thread");
      pthread_cond_broadcast(&sh->space); pthread_mutex_unlock(&sh->mu);
      break;
    }
    r->nstarted++;
  }
  return VT_RUN_OK;
}

/* Stop everyone after the writer failed with err. */
static void stop_on_write_error(shared *sh, const char *err) {
  pthread_mutex_lock(&sh->mu);
  sh->stop = 1;
  snprintf(sh->err, sizeof sh->err, "%s", err);
  sh->err_index = -1;
  sh->err_module[0] = '\0';
  pthread_cond_broadcast(&sh->space);
  pthread_mutex_unlock(&sh->mu);
}

/* This thread writes the records in patient order as the workers finish
** them, then joins the workers. */
static vt_run_status write_all(run *r) {
  shared *sh = &r->sh;
  char err[4096];
  double last = 0;
  for (int64_t i = 0; i < sh->n; i++) {
    slot *s = &sh->slots[i % sh->ring];
    pthread_mutex_lock(&sh->mu);
    while (!s->ready && !sh->stop) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_nsec += 200000000L;
      if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
      pthread_cond_timedwait(&sh->ready, &sh->mu, &ts);
      if (r->show && now_s() - last > 0.25) { last = now_s(); progress(sh->written, sh->n, r->t0, 0); }
    }
    int stop = sh->stop && !s->ready;
    pthread_mutex_unlock(&sh->mu);
    if (stop) break;
    if (vt_sink_write(r->sink, &s->rec, err, sizeof err) != 0) { stop_on_write_error(sh, err); break; }
    vt_record_reset(&s->rec);
    pthread_mutex_lock(&sh->mu);
    s->ready = 0;
    sh->written++;
    pthread_cond_broadcast(&sh->space);
    pthread_mutex_unlock(&sh->mu);
    if (r->show && now_s() - last > 0.25) { last = now_s(); progress(sh->written, sh->n, r->t0, 0); }
  }
  for (int i = 0; i < r->nstarted; i++) pthread_join(r->ws[i].th, NULL);
  r->nstarted = 0;
  if (!sh->stop) return VT_RUN_OK;
  if (r->show) fputc('\n', stderr);
  r->res->stopped_at = sh->err_index;
  snprintf(r->res->module, sizeof r->res->module, "%s", sh->err_module);
  return fail(r, VT_RUN_EFAIL, "%s", sh->err);
}

/* Copy the params file's privacy ledger, if any, into the cohort
** (schemas/params.md): native privacy_ledger rows, one per measurement and
** a "total" row; OMOP metadata rows privacy_mechanism, privacy_epsilon,
** privacy_delta, privacy_rho and privacy_ledger (one tab-separated line per
** measurement).  0, or -1 with err. */
static int copy_ledger(vt_sink *s, const vt_params *p, char *err, size_t errlen) {
  const vt_ledger *l = p ? &p->ledger : NULL;
  char buf[64];
  vt_sbuf lines = { 0 };
  int rc = 0;
  if (!l || !l->present) return 0;
  for (int i = 0; i < l->n && rc == 0; i++) {
    const vt_ledger_entry *e = &l->items[i];
    rc = vt_sink_add_privacy(s, e->name, l->mechanism, e->sensitivity, e->sigma, e->rho,
                             e->has_epsilon ? e->epsilon : NAN, l->delta, p->path, err, errlen);
    vt_sb_printf(&lines, "%s\t%.17g\t%.17g\t%.17g\n", e->name, e->sensitivity, e->sigma, e->rho);
  }
  if (rc == 0)
    rc = vt_sink_add_privacy(s, "total", l->mechanism, NAN, NAN, l->rho, l->epsilon, l->delta, p->path, err, errlen);
  if (rc == 0) {
    int e = vt_sink_set_privacy_info(s, "privacy_mechanism", l->mechanism);
    snprintf(buf, sizeof buf, "%.17g", l->epsilon);
    e |= vt_sink_set_privacy_info(s, "privacy_epsilon", buf);
    snprintf(buf, sizeof buf, "%.17g", l->delta);
    e |= vt_sink_set_privacy_info(s, "privacy_delta", buf);
    snprintf(buf, sizeof buf, "%.17g", l->rho);
    e |= vt_sink_set_privacy_info(s, "privacy_rho", buf);
    e |= vt_sink_set_privacy_info(s, "privacy_ledger", lines.p ? lines.p : "");
    if (e) { snprintf(err, errlen, "out of memory writing the privacy ledger"); rc = -1; }
  }
  free(lines.p);
  return rc;
}

/* Provenance, module_states and module_transitions, then the database is finished and renamed
** into place; prints the summary. */
static vt_run_status finish_output(run *r, const char *started) {
  const vt_config *cfg = r->cfg;
  char err[4096];
  set_run_info(r->sink, cfg, &r->so, r->ws[0].eng, r->params, r->threads, started);
  if (copy_ledger(r->sink, r->params, err, sizeof err) != 0) return fail(r, VT_RUN_EFAIL, "%s", err);
  state_rows rows = { r->sink, err, sizeof err };
  if (vt_engine_each_state_count(r->engines, r->threads, add_state_row, &rows) != 0 ||
      vt_engine_each_transition_count(r->engines, r->threads, add_transition_row, &rows) != 0)
    return fail(r, VT_RUN_EFAIL, "%s", err);
  char finished[21];
  vt_time_format_iso((vt_time)time(NULL) * 1000, finished);
  vt_sink_set_info(r->sink, "finished", finished);
  vt_writer_stats st = *vt_sink_stats(r->sink);
  if (vt_sink_finish(r->sink, err, sizeof err) != 0) return fail(r, VT_RUN_EFAIL, "%s", err);
  g_have_temp = 0;
  vt_sink_report(r->sink, stderr);
  vt_sink_free(r->sink);
  r->sink = NULL;
  r->res->output_lost = 0;
  double el = now_s() - r->t0;
  r->res->seconds = el;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  char a[32], b[32];
  if (!cfg->quiet) {
    printf("vitae: wrote %s\n", cfg->output);
    printf("  patients   %s (alive %lld, dead %lld)\n", vt_commas(st.patients, a), (long long)st.alive, (long long)st.dead);
    printf("  rows       %s\n", vt_commas(st.total_rows, a));
    for (int t = 0; t < st.ntables; t++)
      if (st.tables[t].rows) printf("    %-21s %s\n", st.tables[t].name, vt_commas(st.tables[t].rows, b));
    printf("  time       %.2f s: %.0f patients/s, %.0f rows/s; peak memory %.1f MB\n", el,
           (double)st.patients / el, (double)st.total_rows / el, (double)ru.ru_maxrss / 1024.0);
  }
  printf("summary: patients=%lld alive=%lld dead=%lld rows=%lld seconds=%.3f patients_per_s=%.1f rows_per_s=%.0f peak_rss_kb=%ld\n",
         (long long)st.patients, (long long)st.alive, (long long)st.dead, (long long)st.total_rows, el,
         (double)st.patients / el, (double)st.total_rows / el, ru.ru_maxrss);
  return VT_RUN_OK;
}

/* Release everything r holds; an unfinished output is removed. */
static void run_free(run *r) {
  if (r->sink) { vt_sink_abort(r->sink); g_have_temp = 0; }
  g_have_lock = 0;   /* first: the handler must not remove a lock file we no longer hold */
  vt_out_lock_release(r->lock);
  if (r->ws) for (int i = 0; i < r->threads; i++) vt_engine_free(r->ws[i].eng);
  free(r->ws);
  free(r->engines);
  shared *sh = &r->sh;
  if (sh->slots) {
    for (int i = 0; i < sh->ring; i++) vt_record_free(&sh->slots[i].rec);
    free(sh->slots);
    pthread_mutex_destroy(&sh->mu);
    pthread_cond_destroy(&sh->ready);
    pthread_cond_destroy(&sh->space);
  }
  vt_params_free(r->params);
}

vt_run_status vt_run(const vt_config *cfg, vt_run_result *res) {
  memset(res, 0, sizeof *res);
  res->stopped_at = -1;
  run r;
  memset(&r, 0, sizeof r);
  r.cfg = cfg;
  r.res = res;
  r.t0 = now_s();
  r.so = (vt_sim_opts){ cfg->seed, cfg->reference_date, cfg->age_min, cfg->age_max, cfg->gender,
                        cfg->trace && cfg->format != VT_FORMAT_OMOP,   /* OMOP has no trace table */
                        { cfg->history_years, cfg->observation }, 0 /* one random stream per life */ };
  if (!r.so.reference) r.so.reference = vt_time_today();
  vt_lua_default_limits(&r.limits);
  r.limits.patient_seconds = cfg->module_time;
  r.show = !cfg->quiet && isatty(2);
  char started[21];
  vt_run_status st = load(&r);
  if (st == VT_RUN_OK) st = open_output(&r);
  if (st == VT_RUN_OK) st = start_workers(&r);
  if (st == VT_RUN_OK) {
    vt_time_format_iso((vt_time)time(NULL) * 1000, started);
    st = write_all(&r);
  }
  if (st == VT_RUN_OK && r.show) progress(r.sh.written, r.sh.n, r.t0, 1);
  if (st == VT_RUN_OK) st = finish_output(&r, started);
  run_free(&r);
  res->status = st;
  return st;
}
