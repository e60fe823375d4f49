/*
** cmd_learn.c -- `vitae learn`: fit the lifecycle and the module params to
** an EHR source with differential privacy (DESIGN.md, "Learning (DP)";
** docs/learn.md).  The steps, in this order:
**
**   1. the options (a bad one: exit 2, nothing read or written);
**   2. the modules, loaded as `vitae run --modules` loads them, give the
**      public workload (learn/workload.h) and its code matcher;
**   3. the budget is planned (vt_release_plan) BEFORE any data is read;
**   4. the source is read once and measured (learn/measure.h);
**   5. the vector is released once with OS randomness (learn/release.h);
**   6. the lifecycle and the modules are fitted from the release only;
**   7. params.yaml is written atomically and the report printed
**      (sim/cli/learn_report.c).
**
** Exit status: 0 written; 2 a usage error, a refused budget, an unreadable,
** empty or unmatched source; 1 a module failed, the fit failed, or the file
** could not be written.  Nothing is written unless the status is 0.
*/
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "learn/codematch.h"
#include "learn/dp_noise.h"
#include "learn/ehr.h"
#include "learn/fit_lifecycle.h"
#include "learn/fit_modules.h"
#include "learn/measure.h"
#include "learn/release.h"
#include "learn/simulate.h"
#include "learn/workload.h"
#include "sim/cli/args.h"
#include "sim/cli/cli.h"
#include "sim/cli/learn_report.h"
#include "sim/engine.h"
#include "sim/run.h"
#include "sim/strbuf.h"

#define DEFAULT_SIM_PATIENTS 5000
#define DEFAULT_DELTA 1e-6
#define FIT_ITERATIONS 6
#define MAX_THREADS 256

static const char *usage_text =
  "usage: vitae learn --from SRC [-m PATH...] --epsilon E [--delta D] -o FILE [options]\n"
  "\n"
  "Fit the native lifecycle and the modules' params to an EHR source with\n"
  "patient-level differential privacy, and write them as a params file that\n"
  "`vitae run --params FILE` takes.  The data is read once; its statistics are\n"
  "released once with discrete Gaussian noise under the (epsilon, delta)\n"
  "budget; the fit sees only the released statistics.  See docs/learn.md.\n"
  "\n"
  "options:\n"
  "      --from [KIND:]PATH   the source: omop:, omop-csv:, synthea-csv:, vitae:,\n"
  "                           events: (see docs/ehr.md)\n"
  "  -m, --modules PATH...    module files or folders, repeatable (default: the\n"
  "                           built-in modules)\n"
  "      --vocab DIR          an OHDSI vocabulary folder for code ancestry\n"
  "                           (default: the source's own, if any)\n"
  "      --epsilon E          the privacy budget's epsilon, > 0 (required)\n"
  "      --delta D            the budget's delta, in (0, 1) (default 1e-6)\n"
  "  -o, --output FILE        the params file to write (required)\n"
  "      --sim-patients N     lives simulated per fitting step (default 5000;\n"
  "                           Jacobian steps use a quarter)\n"
  "      --threads T          simulating threads, 1-256 (default: one per CPU)\n"
  "  -s, --seed S             the fit's simulation seed (default 1; never the\n"
  "                           noise's, which comes from the operating system)\n"
  "      --no-module-fit      fit the lifecycle only (module params keep their\n"
  "                           defaults)\n"
  "  -q, --quiet              no progress on stderr\n"
  "  -h, --help               show this help\n";

/* The options. */
typedef struct learn_opts {
  const char *from, *vocab, *output;
  char **paths;                  /* into argv */
  int npaths;
  double epsilon, delta;
  int64_t sim_patients;
  int threads;
  uint64_t seed;
  int no_module_fit, quiet;
} learn_opts;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- options ---------------------------------------------------------- */

/* Check one numeric option's value; -1 with a message when bad. */
static int check_number(const char *name, const char *v, int ok, const char *expected) {
  if (ok) return 0;
  fprintf(stderr, "vitae learn: %s: expected %s, got '%s'\n", name, expected, v);
  return -1;
}

/* One option with a value.  0, or -1 (message printed). */
static int apply_value(learn_opts *o, const char *name, const char *v) {
  long long n;
  if (!strcmp(name, "--from")) o->from = v;
  else if (!strcmp(name, "--vocab")) o->vocab = v;
  else if (!strcmp(name, "--output")) o->output = v;
  else if (!strcmp(name, "--epsilon"))
    return check_number(name, v, vt_arg_double(v, &o->epsilon) == 0 && o->epsilon > 0, "a finite number > 0");
  else if (!strcmp(name, "--delta"))
    return check_number(name, v, vt_arg_double(v, &o->delta) == 0 && o->delta > 0 && o->delta < 1,
                        "a number in (0, 1), e.g. 1e-6");
  else if (!strcmp(name, "--sim-patients")) {
    if (check_number(name, v, vt_arg_int(v, 1, 100000000, &n) == 0, "a whole number from 1 to 100000000")) return -1;
    o->sim_patients = n;
  } else if (!strcmp(name, "--threads")) {
    if (check_number(name, v, vt_arg_int(v, 1, MAX_THREADS, &n) == 0, "a whole number from 1 to 256")) return -1;
    o->threads = (int)n;
  } else if (!strcmp(name, "--seed")) {
    if (check_number(name, v, vt_arg_int(v, 0, INT64_MAX, &n) == 0, "a whole number >= 0")) return -1;
    o->seed = (uint64_t)n;
  }
  if (!*v) { fprintf(stderr, "vitae learn: %s: empty value\n", name); return -1; }
  return 0;
}

/* Parse argv into o.  0, 1 for --help, -1 with a message printed. */
static int parse_args(int argc, char **argv, learn_opts *o) {
  static const struct { const char *shortf, *longf; } valued[] = {
    {NULL, "--from"}, {NULL, "--vocab"}, {"-o", "--output"}, {NULL, "--epsilon"}, {NULL, "--delta"},
    {NULL, "--sim-patients"}, {NULL, "--threads"}, {"-s", "--seed"},
  };
  int have_eps = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *val;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) return 1;
    if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) { o->quiet = 1; continue; }
    if (!strcmp(a, "--no-module-fit")) { o->no_module_fit = 1; continue; }
    if (vt_arg_is_opt(a, "-m", "--modules", &val)) {
      if (!(val = vt_arg_take("learn", argc, argv, &i, "--modules", val))) return -1;
      o->paths[o->npaths++] = (char *)val;
      while (i + 1 < argc && !vt_arg_is_flag(argv[i + 1])) o->paths[o->npaths++] = argv[++i];
      continue;
    }
    size_t k = 0, nv = sizeof valued / sizeof valued[0];
    while (k < nv && !vt_arg_is_opt(a, valued[k].shortf, valued[k].longf, &val)) k++;
    if (k == nv) {
      if (a[0] == '-' && a[1]) fprintf(stderr, "vitae learn: unknown option '%s' (see 'vitae learn --help')\n", a);
      else fprintf(stderr, "vitae learn: unexpected argument '%s' (see 'vitae learn --help')\n", a);
      return -1;
    }
    if (!(val = vt_arg_take("learn", argc, argv, &i, valued[k].longf, val))) return -1;
    if (apply_value(o, valued[k].longf, val)) return -1;
    if (!strcmp(valued[k].longf, "--epsilon")) have_eps = 1;
  }
  const char *missing = !o->from ? "--from [KIND:]PATH" : !have_eps ? "--epsilon E" : !o->output ? "-o FILE" : NULL;
  if (missing) {
    fprintf(stderr, "vitae learn: %s is required (see 'vitae learn --help')\n", missing);
    return -1;
  }
  return 0;
}

/* ---- the steps -------------------------------------------------------- */

/* Everything a learn holds, released by learn_free. */
typedef struct learn {
  learn_opts o;
  char *const *paths;
  int npaths;
  char defdir[4096];
  char *def_paths[1];
  vt_engine *eng;
  vt_workload wl;
  vt_codematch *m;
  vt_release plan, rel;
  vt_ehr *r;
  int64_t *vec;
  vt_measure_stats st;
  vt_lcfit lc;
  vt_mfit mf;
  int have_mf;
  double t0, measure_s, fit_s;
  char kind[32];             /* the source's kind ("omop", ...), kept when it is closed */
  char err[4096];
} learn;

static void learn_free(learn *L) {
  vt_ehr_close(L->r);
  vt_release_free(&L->plan);
  vt_release_free(&L->rel);
  if (L->vec) memset(L->vec, 0, vt_workload_size(&L->wl) * sizeof *L->vec);   /* exact data */
  free(L->vec);
  vt_codematch_free(L->m);
  vt_workload_free(&L->wl);
  if (L->have_mf) vt_mfit_free(&L->mf);
  vt_engine_free(L->eng);
}

/* Load the modules as `vitae run` does, then the workload and matcher.
** An exit status (VT_EXIT_OK to go on). */
static int load_modules(learn *L) {
  char failed[4096];
  L->paths = L->o.paths;
  L->npaths = L->o.npaths;
  if (L->npaths == 0) {
    if (!vt_default_modules_dir(L->defdir, sizeof L->defdir)) {
      fprintf(stderr, "vitae: no module folder: run from the vitae folder or give modules with -m\n");
      return VT_EXIT_USAGE;
    }
    L->def_paths[0] = L->defdir;
    L->paths = L->def_paths;
    L->npaths = 1;
  }
  vt_sim_opts so = { .seed = L->o.seed, .reference = 0, .age_min = 0, .age_max = 100 };
  vt_lua_limits lim;
  vt_lua_default_limits(&lim);
  vt_engine_status es = vt_engine_open(&L->eng, &so, L->paths, L->npaths, NULL, &lim, failed, sizeof failed,
                                       L->err, sizeof L->err);
  if (es != VT_ENGINE_OK) {
    fprintf(stderr, "vitae: %s\n", L->err);
    return es == VT_ENGINE_EPARAM ? VT_EXIT_USAGE : VT_EXIT_FAIL;
  }
  if (vt_workload_from_modset(&L->wl, &L->eng->ms) != 0 || !(L->m = vt_measure_matcher(&L->wl))) {
    fprintf(stderr, "vitae: out of memory\n");
    return VT_EXIT_FAIL;
  }
  return VT_EXIT_OK;
}

/* Measure every person of the open source into L->vec, with a progress
** line on stderr about every second unless quiet.  0, or -1 with L->err. */
static int measure(learn *L) {
  size_t n = vt_workload_size(&L->wl);
  vt_measure *ms = vt_measure_new(&L->wl, L->m);
  L->vec = calloc(n ? n : 1, sizeof *L->vec);
  if (!ms || !L->vec) { vt_measure_free(ms); vt_seterr(L->err, sizeof L->err, "out of memory"); return -1; }
  memset(&L->st, 0, sizeof L->st);
  const vt_person *p;
  int rc, tty = isatty(2);
  double t0 = now_s(), next = t0 + 1;
  while ((rc = vt_ehr_next(L->r, &p, L->err, sizeof L->err)) == 1) {
    vt_measure_person(ms, p, L->vec, &L->st);
    if (!L->o.quiet && (L->st.persons & 255) == 0 && now_s() >= next) {
      double el = now_s() - t0;
      fprintf(stderr, "%smeasuring: %lld persons read, %.0f persons/s%s", tty ? "\r" : "", (long long)L->st.persons,
              (double)L->st.persons / el, tty ? "" : "\n");
      next = now_s() + 1;
    }
  }
  L->measure_s = now_s() - t0;
  if (!L->o.quiet)
    fprintf(stderr, "%smeasured: %lld persons read in %.1f s\n", tty ? "\r" : "", (long long)L->st.persons,
            L->measure_s);
  vt_measure_free(ms);
  return rc < 0 ? -1 : 0;
}

/* Open the source, give the matcher its ancestry, measure, and refuse an
** empty or unmatched source.  An exit status. */
static int read_source(learn *L) {
  if (vt_ehr_open(&L->r, L->o.from, NULL, L->err, sizeof L->err) != VT_EHR_OK) {
    fprintf(stderr, "vitae learn: %s\n", L->err);
    return VT_EXIT_USAGE;
  }
  if (L->o.vocab) {
    if (vt_codematch_load_vocab(L->m, L->o.vocab, L->err, sizeof L->err) < 0) {
      fprintf(stderr, "vitae learn: %s\n", L->err);
      return VT_EXIT_USAGE;
    }
  } else if (vt_ehr_ancestry(L->r, L->m, L->err, sizeof L->err) < 0) {
    fprintf(stderr, "vitae learn: %s\n", L->err);
    return VT_EXIT_USAGE;
  }
  if (measure(L) != 0) {
    fprintf(stderr, "vitae learn: %s\n", L->err);
    return VT_EXIT_USAGE;
  }
  const vt_measure_stats *s = &L->st;
  if (s->persons == 0) {
    fprintf(stderr, "vitae learn: %s: the source has no person: nothing to learn, nothing written\n", L->o.from);
    return VT_EXIT_USAGE;
  }
  if (s->onsets + s->carryins + s->in_gap + s->after_window == 0) {
    fprintf(stderr,
            "vitae learn: %s: no event of the source matched any code the modules use (%zu codes): nothing to "
            "learn, nothing written (is it the right module set? --vocab DIR maps codes by ancestry)\n",
            L->o.from, L->wl.ncodes);
    return VT_EXIT_USAGE;
  }
  return VT_EXIT_OK;
}

/* Release the measured vector once, with OS randomness.  An exit status. */
static int release(learn *L) {
  vt_dp_rng rng;
  vt_dp_rng_os(&rng);
  int rc = vt_release_run(&L->wl, L->vec, L->o.epsilon, L->o.delta, &rng, &L->rel, L->err, sizeof L->err);
  vt_dp_rng_clear(&rng);
  memset(L->vec, 0, vt_workload_size(&L->wl) * sizeof *L->vec);   /* the exact data is no longer needed */
  snprintf(L->kind, sizeof L->kind, "%s", vt_ehr_kind(L->r));
  vt_ehr_close(L->r);                                              /* nor the source: the fit never reads it */
  L->r = NULL;
  if (rc != 0) { fprintf(stderr, "vitae learn: %s\n", L->err); return VT_EXIT_FAIL; }
  return VT_EXIT_OK;
}

/* The fit's progress on stderr. */
static void fit_progress(int done, int total, const char *what, void *ud) {
  (void)ud;
  fprintf(stderr, "fitting modules: simulation %d of about %d (%s)\n", done, total, what ? what : "");
}

/* The module fit (learn/fit_modules.h) of the released vector: values and
** sigmas in workload order, the fitted lifecycle applied in every
** simulation.  0 with L->mf, or -1 with L->err. */
static int fit_modules_step(learn *L, const double *values, const double *sigmas) {
  const char *names[VT_LCFIT_N];
  double lcv[VT_LCFIT_N];
  size_t nfixed = 0;
  for (int i = 0; i < L->lc.n; i++)
    if (L->lc.items[i].fitted && isfinite(L->lc.items[i].value)) {
      names[nfixed] = L->lc.items[i].name;
      lcv[nfixed++] = L->lc.items[i].value;
    }
  vt_params *fixed = vt_params_from_numbers(names, lcv, nfixed, L->err, sizeof L->err);
  if (!fixed) return -1;
  const vt_param_decl *decls;
  int ndecls;
  vt_engine_params(L->eng, &decls, &ndecls);
  vt_mfit_opts mo;
  memset(&mo, 0, sizeof mo);
  mo.sim.paths = L->paths;
  mo.sim.npaths = L->npaths;
  mo.sim.limits = NULL;
  mo.sim.patients = L->o.sim_patients;
  mo.sim.seed = L->o.seed;
  mo.sim.threads = L->o.threads;
  mo.sim.reference = ((int64_t)time(NULL) / 86400) * VT_MS_DAY;
  mo.iterations = FIT_ITERATIONS;
  if (strcmp(L->kind, "omop") == 0 || strcmp(L->kind, "omop-csv") == 0)
    mo.absent_kinds = 1u << VT_WL_CAREPLAN;   /* OMOP CDM has no care plan table */
  mo.progress = L->o.quiet ? NULL : fit_progress;
  int rc = vt_fit_modules(&mo, &L->wl, L->m, decls, ndecls, fixed, values, sigmas, &L->mf, L->err, sizeof L->err);
  vt_params_free(fixed);
  if (rc == 0) L->have_mf = 1;
  return rc;
}

/* Fit the lifecycle, then (unless --no-module-fit) the modules, from the
** release alone.  An exit status. */
static int fit(learn *L) {
  size_t n = L->rel.nstats, total = vt_workload_size(&L->wl);
  const char **names = vt_xcalloc(n ? n : 1, sizeof *names);
  double *values = vt_xcalloc(total ? total : 1, sizeof *values), *sigmas = vt_xcalloc(total ? total : 1, sizeof *sigmas);
  int status = VT_EXIT_OK;
  for (size_t i = 0; i < n; i++) names[i] = L->rel.stats[i].name;
  /* the released statistics in workload order (every non-empty block is released) */
  size_t k = 0;
  for (int b = 0; b < VT_WL_BLOCK__COUNT && status == VT_EXIT_OK; b++) {
    size_t off = vt_workload_block_offset(&L->wl, (vt_wl_block)b), bn = vt_workload_block_size(&L->wl, (vt_wl_block)b);
    for (size_t j = 0; j < bn; j++, k++) {
      if (k >= n) { status = VT_EXIT_FAIL; break; }
      values[off + j] = (double)L->rel.stats[k].value;
      sigmas[off + j] = L->rel.stats[k].sigma;
    }
  }
  if (status != VT_EXIT_OK || k != n) {
    fprintf(stderr, "vitae learn: the release does not cover the workload (%zu of %zu statistics)\n", n, total);
    status = VT_EXIT_FAIL;
    goto done;
  }
  {
    double *v = vt_xcalloc(n ? n : 1, sizeof *v), *s = vt_xcalloc(n ? n : 1, sizeof *s);
    for (size_t i = 0; i < n; i++) { v[i] = (double)L->rel.stats[i].value; s[i] = L->rel.stats[i].sigma; }
    vt_fit_lifecycle(names, v, s, n, &L->lc);
    free(v);
    free(s);
  }
  if (!L->o.no_module_fit && fit_modules_step(L, values, sigmas) != 0) {
    fprintf(stderr, "vitae learn: fitting the modules: %s\n", L->err);
    status = VT_EXIT_FAIL;
  }
done:
  free(names);
  free(values);
  free(sigmas);
  return status;
}

/* vt_atomic_write's writer of the params file. */
static int write_params(FILE *f, void *ud) { return vt_learn_write_yaml(ud, f); }

/* Write the params file atomically (sim/cli/args.h).  An exit status. */
static int write_output(learn *L, const vt_learn_out *out) {
  return vt_atomic_write("learn", L->o.output, write_params, (void *)out) == 0 ? VT_EXIT_OK : VT_EXIT_FAIL;
}

/* Steps 2 to 7 (the options are parsed).  An exit status. */
static int learn_run(learn *L) {
  int st;
  if ((st = load_modules(L)) != VT_EXIT_OK) return st;
  /* the budget, before any data is read */
  if (vt_release_plan(&L->wl, L->o.epsilon, L->o.delta, &L->plan, L->err, sizeof L->err) != 0) {
    fprintf(stderr, "vitae learn: the budget is refused: %s; nothing read, nothing written\n", L->err);
    return VT_EXIT_USAGE;
  }
  if (!L->o.quiet)
    fprintf(stderr, "vitae learn: %zu module codes, %zu statistics; budget epsilon %g, delta %g (rho %.6g)\n",
            L->wl.ncodes, vt_workload_size(&L->wl), L->o.epsilon, L->o.delta, L->plan.rho_budget);
  if ((st = read_source(L)) != VT_EXIT_OK) return st;
  if ((st = release(L)) != VT_EXIT_OK) return st;
  double t = now_s();
  if ((st = fit(L)) != VT_EXIT_OK) return st;
  L->fit_s = now_s() - t;
  vt_learn_out out = { .lc = &L->lc, .mf = L->have_mf ? &L->mf : NULL,
                       .mf_skipped = "module fit skipped (--no-module-fit)", .rel = &L->rel,
                       .measure_seconds = L->measure_s, .fit_seconds = L->fit_s };
  vt_engine_params(L->eng, &out.decls, &out.ndecls);
  if ((st = write_output(L, &out)) != VT_EXIT_OK) return st;
  vt_learn_report(stdout, &out, &L->st, L->o.output, now_s() - L->t0);
  if (fflush(stdout) != 0 || ferror(stdout)) return VT_EXIT_FAIL;
  return VT_EXIT_OK;
}

int vt_cmd_learn(int argc, char **argv) {
  learn *L = calloc(1, sizeof *L);
  char **paths = calloc((size_t)argc + 1, sizeof *paths);
  if (!L || !paths) { free(L); free(paths); fprintf(stderr, "vitae: out of memory\n"); return VT_EXIT_FAIL; }
  L->t0 = now_s();
  L->o.paths = paths;
  L->o.delta = DEFAULT_DELTA;
  L->o.sim_patients = DEFAULT_SIM_PATIENTS;
  L->o.seed = 1;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  L->o.threads = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (int)cpus;
  vt_workload_init(&L->wl);
  int pr = parse_args(argc, argv, &L->o), st;
  if (pr == 1) { fputs(usage_text, stdout); st = VT_EXIT_OK; }
  else if (pr < 0) st = VT_EXIT_USAGE;
  else if (vt_arg_check_output("learn", L->o.output) != 0) st = VT_EXIT_USAGE;
  else st = learn_run(L);
  learn_free(L);
  free(L);
  free(paths);
  return st;
}
