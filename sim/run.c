/*
** run.c -- the run of a cohort: worker threads simulate patients, the main
** thread writes them in patient-index order (so ids and rows do not depend
** on the number of threads), prints progress and the summary.
**
** Workers take patient indexes from a shared counter but never more than
** RING slots ahead of the writer: memory stays flat whatever N is.  A worker
** hands a finished record over by swapping buffers with a free ring slot.
*/
#include "run.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "out/dbfile.h"
#include "out/sink.h"
#include "out/omop.h"
#include "learn/vocab.h"
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
  int64_t err_index;
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
        snprintf(sh->err, sizeof sh->err, "%s", w->eng->err);
        sh->err_index = i;
      }
      sh->stop = 1;
      pthread_cond_broadcast(&sh->ready);
      pthread_cond_broadcast(&sh->space);
      break;
    }
    slot *s = &sh->slots[i % sh->ring];
    vt_record tmp = s->rec; s->rec = w->eng->p.rec; w->eng->p.rec = tmp;
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
  _exit(sig == SIGINT ? VT_EXIT_INTERRUPTED : 128 + sig);
}

static void install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sigaction(SIGPIPE, &sa, NULL);
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

static void today(vt_time *t) {
  time_t now = time(NULL);
  *t = ((int64_t)now / 86400) * VT_MS_DAY;
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
  for (int i = 0; i < eng->ms.n; i++) cap += strlen(eng->ms.mods[i]->file) + strlen(eng->ms.mods[i]->name) + 40;
  char *mods = malloc(cap);
  if (mods) {
    mods[0] = 0;
    for (int i = 0; i < eng->ms.n; i++)
      len += (size_t)snprintf(mods + len, cap - len, "%s\t%s\t%s%s\n", eng->ms.mods[i]->name,
                              eng->ms.mods[i]->file, eng->ms.mods[i]->hash,
                              eng->ms.mods[i]->is_submodule ? "\tsubmodule" : "");
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

/* The codes a run can write, for the vocabulary (vt_engine_each_code). */
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

/* The module_states rows: each worker's counts, summed (every worker loaded
** the same modules in the same order).  0, or -1 with err. */
static int write_module_states(vt_sink *w, const worker *ws, int threads, char *err, size_t errlen) {
  const vt_engine *e0 = ws[0].eng;
  for (int m = 0; m < e0->ms.n; m++) {
    const vt_module *mod = e0->ms.mods[m];
    for (int s = 0; s < mod->nstates; s++) {
      int k = e0->p.hist.offset[m] + s;
      int64_t pats = 0, ents = 0;
      for (int i = 0; i < threads; i++) { pats += ws[i].eng->state_patients[k]; ents += ws[i].eng->state_entries[k]; }
      if (vt_sink_add_module_state(w, mod->name, mod->path, mod->states[s].name,
                                     vt_state_type_names[mod->states[s].type], pats, ents, err, errlen) != 0)
        return -1;
    }
  }
  return 0;
}

int vt_run(const vt_config *cfg) {
  double t0 = now_s();
  char err[4096];
  int status = VT_EXIT_FAIL;
  vt_sim_opts so = { cfg->seed, cfg->reference_date, cfg->age_min, cfg->age_max, cfg->gender,
                     cfg->trace && cfg->format != VT_FORMAT_OMOP,   /* OMOP has no trace table */
                     { cfg->history_years, cfg->observation } };
  if (!so.reference) today(&so.reference);
  vt_lua_limits limits;
  vt_lua_default_limits(&limits);
  limits.patient_seconds = cfg->module_time;
  /* the writer (this thread) needs a core of its own: by default one
  ** worker per CPU but one (measured on 2 cores: 1 worker + writer writes
  ** 30% more rows/s than 2 workers + writer) */
  int threads = cfg->threads > 0 ? cfg->threads : (online_cpus() > 1 ? online_cpus() - 1 : 1);
  if (threads > cfg->population) threads = (int)cfg->population;
  if (threads < 1) threads = 1;

  char defdir[PATH_MAX];
  char *def_paths[1];
  char *const *paths = cfg->modules;
  int npaths = cfg->nmodules;
  if (npaths == 0) {
    if (!vt_default_modules_dir(defdir, sizeof defdir)) {
      fprintf(stderr, "vitae: no module folder: run from the vitae folder or give modules with -m\n");
      return VT_EXIT_USAGE;
    }
    def_paths[0] = defdir;
    paths = def_paths; npaths = 1;
  }

  vt_params *params = NULL;
  if (cfg->params_file) {
    params = vt_params_load(cfg->params_file, err, sizeof err);
    if (!params) { fprintf(stderr, "vitae: %s\n", err); return VT_EXIT_USAGE; }
  }

  worker *ws = calloc((size_t)threads, sizeof *ws);
  shared sh;
  memset(&sh, 0, sizeof sh);
  vt_sink *w = NULL;
  vt_out_lock *lock = NULL;        /* one run per output: out/dbfile.c */
  struct vt_vocab *vocab = NULL;   /* OMOP concept ids (--vocab) */
  int nstarted = 0;
  if (!ws) { fprintf(stderr, "vitae: out of memory\n"); goto out; }
  for (int i = 0; i < threads; i++) {
    ws[i].eng = vt_engine_new(&so, paths, npaths, params, &limits, err, sizeof err);
    if (!ws[i].eng) {
      fprintf(stderr, "vitae: %s\n", err);
      status = strstr(err, "param '") && strstr(err, "gives a") ? VT_EXIT_USAGE : VT_EXIT_FAIL;
      goto out;
    }
    ws[i].sh = &sh;
  }
  if (params) vt_params_warn_unused(params, stderr);

  {
    /* only a regular file may be replaced: never a device, FIFO or folder */
    struct stat ost;
    if (stat(cfg->output, &ost) == 0 && !S_ISREG(ost.st_mode)) {
      fprintf(stderr, "vitae: %s exists and is not a regular file; not replacing it\n", cfg->output);
      goto out;
    }
  }
  /* before anything is simulated: stop if another run is writing the same
  ** output, and remove the temporary files of runs that were killed */
  if (vt_out_lock_take(cfg->output, stderr, &lock, err, sizeof err) != 0) {
    fprintf(stderr, "vitae: %s\n", err);
    goto out;
  }
  snprintf(g_lock_path, sizeof g_lock_path, "%s", vt_out_lock_path(lock));
  g_have_lock = 1;
  install_signals();
  if (cfg->trace && cfg->format == VT_FORMAT_OMOP)
    fprintf(stderr, "vitae: note: --trace writes the state_trace table of the native format; OMOP has no place for it\n");
  if (cfg->vocab_dir && cfg->format != VT_FORMAT_OMOP)
    fprintf(stderr, "vitae: note: --vocab is used by --format omop only; the native format keeps the source codes\n");
  if (cfg->vocab_dir && cfg->format == VT_FORMAT_OMOP) {
    double tv = now_s();
    code_list codes = { NULL, 0, 0 };
    vt_engine_each_code(ws[0].eng, collect_code, &codes);
    if (codes.n == (size_t)-1) { fprintf(stderr, "vitae: out of memory\n"); goto out; }
    int64_t fixed[64];
    size_t nfixed = vt_omop_fixed_concepts(fixed, sizeof fixed / sizeof fixed[0]);
    if (nfixed > sizeof fixed / sizeof fixed[0]) nfixed = sizeof fixed / sizeof fixed[0];
    vocab = vt_vocab_load(cfg->vocab_dir, codes.items, codes.n, fixed, nfixed, err, sizeof err);
    free(codes.items);
    if (!vocab) { fprintf(stderr, "vitae: %s\n", err); status = VT_EXIT_USAGE; goto out; }
    if (!cfg->quiet)
      fprintf(stderr, "vitae: vocabulary %s: %zu concepts kept of %zu read, in %.1f s\n", cfg->vocab_dir,
              vt_vocab_size(vocab), vt_vocab_rows(vocab), now_s() - tv);
  } else if (cfg->format == VT_FORMAT_OMOP) {
    fprintf(stderr, "vitae: note: no --vocab: OMOP concept ids are 0, and the codes are in the *_source_value columns\n");
  }
  w = vt_sink_open(cfg->format == VT_FORMAT_OMOP ? VT_SINK_OMOP : VT_SINK_NATIVE, cfg->output, vocab, err, sizeof err);
  if (!w) { fprintf(stderr, "vitae: %s\n", err); goto out; }
  snprintf(g_temp_path, sizeof g_temp_path, "%s", vt_sink_temp_path(w));
  g_have_temp = 1;

  sh.n = cfg->population;
  sh.ring = threads * 4 + 4;
  sh.slots = calloc((size_t)sh.ring, sizeof *sh.slots);
  if (!sh.slots) { fprintf(stderr, "vitae: out of memory\n"); goto out; }
  pthread_mutex_init(&sh.mu, NULL);
  pthread_cond_init(&sh.ready, NULL);
  pthread_cond_init(&sh.space, NULL);
  for (int i = 0; i < threads; i++) {
    if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]) != 0) {
      pthread_mutex_lock(&sh.mu); sh.stop = 1; snprintf(sh.err, sizeof sh.err, "cannot start a thread");
      pthread_cond_broadcast(&sh.space); pthread_mutex_unlock(&sh.mu);
      break;
    }
    nstarted++;
  }

  char started[21];
  vt_time_format_iso((vt_time)time(NULL) * 1000, started);
  int show = !cfg->quiet && isatty(2);
  double last = 0;
  int write_failed = 0;
  for (int64_t i = 0; i < sh.n; i++) {
    slot *s = &sh.slots[i % sh.ring];
    pthread_mutex_lock(&sh.mu);
    while (!s->ready && !sh.stop) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_nsec += 200000000L;
      if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
      pthread_cond_timedwait(&sh.ready, &sh.mu, &ts);
      if (show && now_s() - last > 0.25) { last = now_s(); progress(sh.written, sh.n, t0, 0); }
    }
    int stop = sh.stop && !s->ready;
    pthread_mutex_unlock(&sh.mu);
    if (stop) break;
    if (vt_sink_write(w, &s->rec, err, sizeof err) != 0) {
      pthread_mutex_lock(&sh.mu);
      sh.stop = 1;
      snprintf(sh.err, sizeof sh.err, "%s", err);
      pthread_cond_broadcast(&sh.space);
      pthread_mutex_unlock(&sh.mu);
      write_failed = 1;
      break;
    }
    vt_record_reset(&s->rec);
    pthread_mutex_lock(&sh.mu);
    s->ready = 0;
    sh.written++;
    pthread_cond_broadcast(&sh.space);
    pthread_mutex_unlock(&sh.mu);
    if (show && now_s() - last > 0.25) { last = now_s(); progress(sh.written, sh.n, t0, 0); }
  }
  for (int i = 0; i < nstarted; i++) pthread_join(ws[i].th, NULL);
  if (sh.stop) {
    if (show) fputc('\n', stderr);
    fprintf(stderr, "vitae: %s\n", sh.err);
    if (!write_failed) fprintf(stderr, "vitae: stopped at patient %lld; no database was written\n", (long long)sh.err_index);
    else fprintf(stderr, "vitae: no database was written\n");
    goto out;
  }
  if (show) progress(sh.written, sh.n, t0, 1);
  set_run_info(w, cfg, &so, ws[0].eng, params, threads, started);
  if (write_module_states(w, ws, threads, err, sizeof err) != 0) {
    fprintf(stderr, "vitae: %s\nvitae: no database was written\n", err);
    goto out;
  }
  char finished[21];
  vt_time_format_iso((vt_time)time(NULL) * 1000, finished);
  vt_sink_set_info(w, "finished", finished);
  vt_writer_stats st = *vt_sink_stats(w);
  if (vt_sink_finish(w, err, sizeof err) != 0) {
    fprintf(stderr, "vitae: %s\nvitae: no database was written\n", err);
    goto out;
  }
  g_have_temp = 0;
  vt_sink_report(w, stderr);
  vt_sink_free(w);
  w = NULL;
  {
    double el = now_s() - t0;
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
  }
  status = VT_EXIT_OK;
out:
  if (w) { vt_sink_abort(w); g_have_temp = 0; }
  g_have_lock = 0;   /* first: the handler must not remove a lock file we no longer hold */
  vt_out_lock_release(lock);
  vt_vocab_free(vocab);
  if (ws) for (int i = 0; i < threads; i++) vt_engine_free(ws[i].eng);
  free(ws);
  if (sh.slots) {
    for (int i = 0; i < sh.ring; i++) vt_record_free(&sh.slots[i].rec);
    free(sh.slots);
    pthread_mutex_destroy(&sh.mu);
    pthread_cond_destroy(&sh.ready);
    pthread_cond_destroy(&sh.space);
  }
  vt_params_free(params);
  return status;
}
