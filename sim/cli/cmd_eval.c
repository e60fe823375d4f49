/*
** cmd_eval.c -- `vitae eval`: the evidence a data owner needs before
** sharing a cohort (DESIGN.md, "Evaluation"; docs/eval.md).  The steps:
**
**   1. the options (a bad one: exit 2, nothing read or written);
**   2. the cohorts are read into memory (learn/eval_cohort.h), the
**      synthetic one first so that the real sources' codes are matched
**      onto its codes; the sanity rules see every raw person on the way;
**   3. each area runs (learn/eval.h): fidelity, utility, privacy, sanity,
**      and the comparison with a DP summary when --against is given;
**   4. the HTML report (-o) and the JSON (--json, keys in schemas/eval.md)
**      are written atomically, and a summary line printed.
**
** Exit status: 0 written; 2 a usage error or a source that cannot be read
** or has no persons; 1 an area failed (memory, LAPACK) or a file could not
** be written.  Nothing is written unless the status is 0.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "learn/eval.h"
#include "sim/cli/args.h"
#include "sim/cli/cli.h"
#include "sim/strbuf.h"
#include "sim/version.h"

#define MAX_THREADS 256

static const char *usage_text =
  "usage: vitae eval --synth SRC [--real SRC [--holdout SRC]] [--against FILE]\n"
  "                  [-o report.html] [--json report.json] [options]\n"
  "       (--real, --against or both)\n"
  "\n"
  "Measure how close a cohort is to real data (fidelity), how useful it is\n"
  "(train on synthetic, test on real), how much it could reveal about the\n"
  "real patients it was learned from (membership inference, singling out,\n"
  "linkability, inference, copies), and whether its records could be real\n"
  "(clinical sanity).  Writes one self-contained HTML report and the same\n"
  "figures as JSON.  See docs/eval.md.\n"
  "\n"
  "options:\n"
  "      --synth [KIND:]PATH  the cohort to evaluate (required)\n"
  "      --real [KIND:]PATH   the real data the cohort was learned from\n"
  "      --holdout [KIND:]PATH real data of the same population not used to\n"
  "                           learn (needed for the membership attacks)\n"
  "      --against FILE       a params file from `vitae learn`: compare the\n"
  "                           cohort with the DP summary it released\n"
  "                           (no real data needed, no privacy cost)\n"
  "  -o, --output FILE        the HTML report\n"
  "      --json FILE          the figures as JSON (schemas/eval.md)\n"
  "      --target SYSTEM:CODE the chronic condition of the utility's onset\n"
  "                           task (default: chosen from a public list)\n"
  "  -s, --seed S             bootstraps and subsamples (default 1)\n"
  "      --threads T          threads, 1-256 (default: one per CPU)\n"
  "  -q, --quiet              no progress on stderr\n"
  "  -h, --help               show this help\n"
  "\n"
  "Sources are KIND:PATH with KIND one of omop, omop-csv, synthea-csv, vitae,\n"
  "events (docs/ehr.md); the kind may be left out where the path tells it.\n";

typedef struct eval_opts {
  const char *synth, *real, *holdout, *against, *html, *json, *target;
  uint64_t seed;
  int threads, quiet;
} eval_opts;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- options ---------------------------------------------------------- */

/* One option with a value.  0, or -1 (message printed). */
static int apply_value(eval_opts *o, const char *name, const char *v) {
  long long n;
  if (!*v) { fprintf(stderr, "vitae eval: %s: empty value\n", name); return -1; }
  if (!strcmp(name, "--synth")) o->synth = v;
  else if (!strcmp(name, "--real")) o->real = v;
  else if (!strcmp(name, "--holdout")) o->holdout = v;
  else if (!strcmp(name, "--against")) o->against = v;
  else if (!strcmp(name, "--output")) o->html = v;
  else if (!strcmp(name, "--json")) o->json = v;
  else if (!strcmp(name, "--target")) {
    if (!strchr(v, ':') || v[0] == ':' || !strchr(v, ':')[1]) {
      fprintf(stderr, "vitae eval: --target: expected SYSTEM:CODE (e.g. SNOMED:44054006), got '%s'\n", v);
      return -1;
    }
    o->target = v;
  } else if (!strcmp(name, "--threads")) {
    if (vt_arg_int(v, 1, MAX_THREADS, &n)) {
      fprintf(stderr, "vitae eval: --threads: expected a whole number from 1 to 256, got '%s'\n", v);
      return -1;
    }
    o->threads = (int)n;
  } else if (!strcmp(name, "--seed")) {
    if (vt_arg_int(v, 0, INT64_MAX, &n)) {
      fprintf(stderr, "vitae eval: --seed: expected a whole number >= 0, got '%s'\n", v);
      return -1;
    }
    o->seed = (uint64_t)n;
  }
  return 0;
}

/* Parse argv into o.  0, 1 for --help, -1 with a message printed. */
static int parse_args(int argc, char **argv, eval_opts *o) {
  static const struct { const char *shortf, *longf; } valued[] = {
    {NULL, "--synth"}, {NULL, "--real"}, {NULL, "--holdout"}, {NULL, "--against"}, {"-o", "--output"},
    {NULL, "--json"}, {NULL, "--target"}, {"-s", "--seed"}, {NULL, "--threads"},
  };
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *val;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) return 1;
    if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) { o->quiet = 1; continue; }
    size_t k = 0, nv = sizeof valued / sizeof valued[0];
    while (k < nv && !vt_arg_is_opt(a, valued[k].shortf, valued[k].longf, &val)) k++;
    if (k == nv) {
      if (a[0] == '-' && a[1]) fprintf(stderr, "vitae eval: unknown option '%s' (see 'vitae eval --help')\n", a);
      else fprintf(stderr, "vitae eval: unexpected argument '%s' (see 'vitae eval --help')\n", a);
      return -1;
    }
    if (!(val = vt_arg_take("eval", argc, argv, &i, valued[k].longf, val))) return -1;
    if (apply_value(o, valued[k].longf, val)) return -1;
  }
  const char *problem = NULL;
  if (!o->synth) problem = "--synth [KIND:]PATH is required";
  else if (!o->real && !o->against) problem = "nothing to compare the cohort with: give --real SRC or --against FILE";
  else if (o->holdout && !o->real) problem = "--holdout needs --real (the data the cohort was learned from)";
  else if (!o->html && !o->json) problem = "no output: give -o report.html, --json report.json, or both";
  else if (o->html && o->json && !strcmp(o->html, o->json)) problem = "-o and --json name the same file";
  if (problem) {
    fprintf(stderr, "vitae eval: %s (see 'vitae eval --help')\n", problem);
    return -1;
  }
  return 0;
}

/* ---- the evaluation ----------------------------------------------------- */

/* Everything an evaluation holds, released by eval_free. */
typedef struct eval {
  eval_opts o;
  vt_ecodes *codes;
  vt_ecohort *synth, *real, *holdout;
  vt_eval_sanity_side *sides[3];
  vt_eval_ctx cx;
  vt_eval_fidelity *fidelity;
  vt_eval_utility *utility;
  vt_eval_privacy *privacy;
  vt_eval_sanity *sanity;
  vt_eval_against *against;
  vt_eval_against_pass *pass;    /* --against: measures the synthetic source as it is read */
  vt_eval_verdict verdicts[5];
  const char *areas[5];
  int nverdicts;
  double load_seconds, area_seconds[5], t0;
  char err[1024];
} eval;

static void eval_free(eval *E) {
  vt_eval_fidelity_free(E->fidelity);
  vt_eval_utility_free(E->utility);
  vt_eval_privacy_free(E->privacy);
  vt_eval_sanity_free(E->sanity);
  vt_eval_against_free(E->against);
  vt_eval_against_pass_free(E->pass);
  for (int i = 0; i < 3; i++) vt_eval_sanity_side_free(E->sides[i]);
  vt_ecohort_free(E->synth);
  vt_ecohort_free(E->real);
  vt_ecohort_free(E->holdout);
  vt_ecodes_free(E->codes);
}

/* Progress of a load (vt_ecohort_options.progress). */
static void load_progress(void *ud, const char *spec, int64_t persons, int done) {
  const eval *E = ud;
  if (E->o.quiet) return;
  if (done) fprintf(stderr, "eval: %s: %lld persons read\n", spec, (long long)persons);
  else fprintf(stderr, "eval: %s: %lld persons...\n", spec, (long long)persons);
}

/* The synthetic side's raw persons go to the sanity rules and, with
** --against, to its measurement (vt_ecohort_options.hook, .on_open). */
static void synth_hook(void *ud, const vt_person *p) {
  eval *E = ud;
  vt_eval_sanity_hook(E->sides[0], p);
  vt_eval_against_person(E->pass, p);
}
static int synth_open(void *ud, vt_ehr *r, char *err, size_t errlen) {
  eval *E = ud;
  return vt_eval_against_open(E->pass, r, err, errlen);
}

/* Load one side (sanity side index `side`).  An exit status. */
static int load_side(eval *E, const char *spec, int side, const char *name, vt_ecohort **out) {
  E->sides[side] = vt_eval_sanity_side_new(name);
  if (!E->sides[side]) { fprintf(stderr, "vitae eval: out of memory\n"); return VT_EXIT_FAIL; }
  vt_ecohort_options opt = {0};
  opt.hook = vt_eval_sanity_hook;
  opt.hook_ud = E->sides[side];
  if (side == 0 && E->pass) {
    opt.hook = synth_hook;
    opt.on_open = synth_open;
    opt.hook_ud = E;
  }
  opt.progress = load_progress;
  opt.progress_ud = E;
  opt.every = 20000;
  if (vt_ecohort_load(out, spec, E->codes, &opt, E->err, sizeof E->err) != 0) {
    fprintf(stderr, "vitae eval: --%s: %s; nothing written\n", name, E->err);
    return VT_EXIT_USAGE;
  }
  return VT_EXIT_OK;
}

/* Run the areas.  An exit status. */
static int run_areas(eval *E) {
  vt_eval_ctx *cx = &E->cx;
  double t;
#define AREA(i, name, call)                                                                          \
  do {                                                                                               \
    t = now_s();                                                                                     \
    vt_eval_progress(cx, "%s...", name);                                                             \
    if ((call) != 0) {                                                                               \
      fprintf(stderr, "vitae eval: %s: %s; nothing written\n", name, E->err);                        \
      return VT_EXIT_FAIL;                                                                           \
    }                                                                                                \
    E->area_seconds[i] = now_s() - t;                                                                \
  } while (0)
  AREA(0, "fidelity", vt_eval_fidelity_run(cx, &E->fidelity, E->err, sizeof E->err));
  AREA(1, "utility", vt_eval_utility_run(cx, &E->utility, E->err, sizeof E->err));
  AREA(2, "privacy", vt_eval_privacy_run(cx, &E->privacy, E->err, sizeof E->err));
  AREA(3, "sanity", vt_eval_sanity_run(cx, E->sides[0], E->sides[1], E->sides[2], &E->sanity, E->err,
                                        sizeof E->err));
  E->sides[0] = E->sides[1] = E->sides[2] = NULL;   /* owned by the sanity area now */
  if (E->pass) AREA(4, "against", vt_eval_against_run(cx, E->pass, &E->against, E->err, sizeof E->err));
#undef AREA
  vt_eval_fidelity_verdict(E->fidelity, &E->verdicts[0]);
  vt_eval_utility_verdict(E->utility, &E->verdicts[1]);
  vt_eval_privacy_verdict(E->privacy, &E->verdicts[2]);
  vt_eval_sanity_verdict(E->sanity, &E->verdicts[3]);
  E->areas[0] = "fidelity"; E->areas[1] = "utility"; E->areas[2] = "privacy"; E->areas[3] = "sanity";
  E->nverdicts = 4;
  if (E->against) {
    vt_eval_against_verdict(E->against, &E->verdicts[4]);
    E->areas[4] = "against";
    E->nverdicts = 5;
  }
  return VT_EXIT_OK;
}

/* ---- the JSON ------------------------------------------------------------ */

static void json_side(vt_jsonw *w, const char *key, const vt_ecohort *c) {
  vt_jw_key(w, key);
  if (!c) { vt_jw_null(w); return; }
  vt_jw_obj(w, 1);
  vt_jw_kstr(w, "source", c->spec);
  vt_jw_kstr(w, "kind", c->kind);
  vt_jw_kint(w, "persons", (int64_t)c->n);
  vt_jw_kint(w, "events", c->quality.events);
  vt_jw_kbool(w, "ancestry", c->has_ancestry);
  vt_jw_kint(w, "matched_by_ancestry", c->matched_by_ancestry);
  vt_jw_kint(w, "matched_by_code", c->matched_by_code);
  vt_jw_end(w);
}

/* vt_atomic_write's writer of the JSON. */
static int write_json(FILE *f, void *ud) {
  eval *E = ud;
  vt_jsonw w;
  vt_jw_init(&w, f);
  vt_jw_obj(&w, 0);
  vt_jw_kint(&w, "vitae_eval", 1);
  vt_jw_kstr(&w, "vitae_version", VT_VERSION);
  vt_jw_key(&w, "inputs");
  vt_jw_obj(&w, 0);
  json_side(&w, "synth", E->synth);
  json_side(&w, "real", E->real);
  json_side(&w, "holdout", E->holdout);
  vt_jw_kstr(&w, "against", E->o.against);
  vt_jw_kint(&w, "codes", (int64_t)E->codes->n);
  vt_jw_kint(&w, "seed", (int64_t)E->o.seed);
  vt_jw_end(&w);
  vt_jw_key(&w, "summary");
  vt_jw_arr(&w, 0);
  for (int i = 0; i < E->nverdicts; i++) {
    const vt_eval_verdict *v = &E->verdicts[i];
    vt_jw_obj(&w, 1);
    vt_jw_kstr(&w, "area", E->areas[i]);
    vt_jw_kstr(&w, "level", vt_eval_level_name(v->level));
    vt_jw_kstr(&w, "verdict", v->verdict);
    vt_jw_kstr(&w, "metric", v->metric);
    vt_jw_kreal(&w, "value", v->value);
    vt_jw_kstr(&w, "text", v->text);
    vt_jw_end(&w);
  }
  vt_jw_end(&w);
  vt_jw_key(&w, "fidelity"); vt_jw_obj(&w, 0); vt_eval_fidelity_json(E->fidelity, &w); vt_jw_end(&w);
  vt_jw_key(&w, "utility"); vt_jw_obj(&w, 0); vt_eval_utility_json(E->utility, &w); vt_jw_end(&w);
  vt_jw_key(&w, "privacy"); vt_jw_obj(&w, 0); vt_eval_privacy_json(E->privacy, &w); vt_jw_end(&w);
  vt_jw_key(&w, "sanity"); vt_jw_obj(&w, 0); vt_eval_sanity_json(E->sanity, &w); vt_jw_end(&w);
  if (E->against) { vt_jw_key(&w, "against"); vt_jw_obj(&w, 0); vt_eval_against_json(E->against, &w); vt_jw_end(&w); }
  vt_jw_key(&w, "seconds");
  vt_jw_obj(&w, 1);
  vt_jw_kreal(&w, "load", E->load_seconds);
  static const char *const names[5] = {"fidelity", "utility", "privacy", "sanity", "against"};
  for (int i = 0; i < 5; i++) vt_jw_kreal(&w, names[i], E->area_seconds[i]);
  vt_jw_end(&w);
  vt_jw_end(&w);
  return ferror(f) ? -1 : 0;
}

/* ---- the HTML ------------------------------------------------------------ */

static const char *stylesheet =
  "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1100px;"
  "padding:1em 2em;color:#222;line-height:1.45}\n"
  "h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}\n"
  "h3{margin-top:1.4em}\n"
  "table.figures{border-collapse:collapse;margin:.6em 0;font-size:.92em}\n"
  "table.figures th,table.figures td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}\n"
  "table.figures th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
  ".badge{display:inline-block;padding:.1em .6em;border-radius:.8em;font-weight:600;font-size:.9em}\n"
  ".badge.good{background:#d6f5d6;color:#135e13}.badge.caution{background:#fff0c2;color:#7a5a00}\n"
  ".badge.poor{background:#fbd3d0;color:#8a1c13}.badge.na{background:#e6e6e6;color:#555}\n"
  "table.summary td{font-size:1.02em}\n"
  "figure.plot{display:inline-block;margin:.5em 1em .5em 0;vertical-align:top}\n"
  "figure.plot figcaption{font-size:.85em;color:#555;max-width:520px}\n"
  "p.note{color:#555;font-size:.9em}code{background:#f5f5f5;padding:0 .2em}\n"
  "nav a{margin-right:1em}\n";

static const char *badge_class(vt_eval_level l) {
  switch (l) {
  case VT_EVAL_GOOD: return "good";
  case VT_EVAL_CAUTION: return "caution";
  case VT_EVAL_POOR: return "poor";
  default: return "na";
  }
}

static void html_side(FILE *f, const char *name, const vt_ecohort *c) {
  if (!c) return;
  fprintf(f, "<tr><th>%s</th><td><code>", name);
  vt_eval_html_text(f, c->spec);
  fprintf(f, "</code></td><td>%s</td><td class=\"num\">%zu</td><td class=\"num\">%lld</td></tr>\n", c->kind, c->n,
          (long long)c->quality.events);
}

/* vt_atomic_write's writer of the HTML report. */
static int write_html(FILE *f, void *ud) {
  eval *E = ud;
  fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
             "<title>vitae eval: ");
  vt_eval_html_text(f, E->synth->spec);
  fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", stylesheet);
  fprintf(f, "<h1>Evaluation of a synthetic cohort</h1>\n<p class=\"note\">vitae %s, seed %llu. "
             "Everything on this page was computed on this machine from the sources below; "
             "the page needs no network.</p>\n",
          VT_VERSION, (unsigned long long)E->o.seed);
  fprintf(f, "<table class=\"figures\" id=\"inputs\"><tr><th>side</th><th>source</th><th>kind</th>"
             "<th>persons</th><th>events</th></tr>\n");
  html_side(f, "synthetic", E->synth);
  html_side(f, "real (training)", E->real);
  html_side(f, "real (holdout)", E->holdout);
  if (E->o.against) {
    fprintf(f, "<tr><th>DP summary</th><td><code>");
    vt_eval_html_text(f, E->o.against);
    fprintf(f, "</code></td><td>params</td><td></td><td></td></tr>\n");
  }
  fprintf(f, "</table>\n");
  fprintf(f, "<section id=\"summary\"><h2>Summary</h2>\n<table class=\"figures summary\">"
             "<tr><th>area</th><th>verdict</th><th>figure</th><th>what it means</th></tr>\n");
  for (int i = 0; i < E->nverdicts; i++) {
    const vt_eval_verdict *v = &E->verdicts[i];
    fprintf(f, "<tr><th><a href=\"#%s\">%s</a></th><td><span class=\"badge %s\">", E->areas[i], E->areas[i],
            badge_class(v->level));
    vt_eval_html_text(f, v->verdict[0] ? v->verdict : vt_eval_level_name(v->level));
    fprintf(f, "</span></td><td>");
    vt_eval_html_text(f, v->metric);
    if (isfinite(v->value)) fprintf(f, " <b>%.3g</b>", v->value);
    fprintf(f, "</td><td>");
    vt_eval_html_text(f, v->text);
    fprintf(f, "</td></tr>\n");
  }
  fprintf(f, "</table>\n</section>\n");
  int rc = 0;
  rc |= vt_eval_fidelity_html(E->fidelity, f);
  rc |= vt_eval_utility_html(E->utility, f);
  rc |= vt_eval_privacy_html(E->privacy, f);
  rc |= vt_eval_sanity_html(E->sanity, f);
  if (E->against) rc |= vt_eval_against_html(E->against, f);
  fprintf(f, "<p class=\"note\">Read %zu codes in %.1f s; fidelity %.1f s, utility %.1f s, privacy %.1f s, "
             "sanity %.1f s. The figures are in the JSON report under the keys of schemas/eval.md.</p>\n"
             "</body>\n</html>\n",
          E->codes->n, E->load_seconds, E->area_seconds[0], E->area_seconds[1], E->area_seconds[2],
          E->area_seconds[3]);
  return rc || ferror(f) ? -1 : 0;
}

/* ---- the command ---------------------------------------------------------- */

static long peak_rss_kb(void) {
  struct rusage ru;
  return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

/* The summary line on stderr. */
static void print_summary(const eval *E) {
  if (E->o.quiet) return;
  fprintf(stderr, "summary:");
  for (int i = 0; i < E->nverdicts; i++) {
    const vt_eval_verdict *v = &E->verdicts[i];
    fprintf(stderr, " %s=%s", E->areas[i], vt_eval_level_name(v->level));
    if (isfinite(v->value)) fprintf(stderr, "(%.4g)", v->value);
  }
  fprintf(stderr, " synth=%zu real=%zu holdout=%zu seconds=%.3f peak_rss_kb=%ld\n", E->synth->n,
          E->real ? E->real->n : 0, E->holdout ? E->holdout->n : 0, now_s() - E->t0, peak_rss_kb());
  for (int i = 0; i < E->nverdicts; i++) {
    const vt_eval_verdict *v = &E->verdicts[i];
    fprintf(stderr, "  %-9s %-13s %s\n", E->areas[i], vt_eval_level_name(v->level), v->text);
  }
}

/* A --against file must be a params file with a DP summary that names
** workload statistics: read before any cohort is, into E->pass.  An exit
** status. */
static int prepare_against(eval *E) {
  char err[1024];
  if (vt_eval_against_prepare(E->o.against, &E->pass, err, sizeof err) == 0) return VT_EXIT_OK;
  fprintf(stderr, "vitae eval: --against: %s; nothing written\n", err);
  return VT_EXIT_USAGE;
}

/* A --target must name a code one of the cohorts has.  An exit status. */
static int check_target(const eval *E) {
  if (!E->o.target) return VT_EXIT_OK;
  const char *colon = strchr(E->o.target, ':');
  char system[128];
  snprintf(system, sizeof system, "%.*s", (int)(colon - E->o.target), E->o.target);
  if (vt_ecodes_find(E->codes, system, colon + 1) >= 0) return VT_EXIT_OK;
  fprintf(stderr, "vitae eval: --target %s: no cohort has this code (systems are OMOP vocabulary ids: "
                  "SNOMED, LOINC, RxNorm, CVX, ...); nothing written\n", E->o.target);
  return VT_EXIT_USAGE;
}

/* Steps 2 to 4 (the options are parsed).  An exit status. */
static int eval_run(eval *E) {
  int st;
  if (E->o.against && (st = prepare_against(E)) != VT_EXIT_OK) return st;
  E->codes = vt_ecodes_new();
  double t = now_s();
  if ((st = load_side(E, E->o.synth, 0, "synth", &E->synth)) != VT_EXIT_OK) return st;
  if (E->o.real && (st = load_side(E, E->o.real, 1, "real", &E->real)) != VT_EXIT_OK) return st;
  if (E->o.holdout && (st = load_side(E, E->o.holdout, 2, "holdout", &E->holdout)) != VT_EXIT_OK) return st;
  E->load_seconds = now_s() - t;
  if ((st = check_target(E)) != VT_EXIT_OK) return st;
  vt_eval_ctx *cx = &E->cx;
  cx->codes = E->codes;
  cx->synth = E->synth;
  cx->real = E->real;
  cx->holdout = E->holdout;
  cx->params_path = E->o.against;
  cx->target = E->o.target;
  cx->seed = E->o.seed;
  cx->threads = E->o.threads;
  cx->quiet = E->o.quiet;
  if ((st = run_areas(E)) != VT_EXIT_OK) return st;
  /* both files or neither: each is written and synced beside its place
  ** first, then both are renamed */
  int js = -1, hs = -1;
  if (E->o.json && (js = vt_atomic_prepare("eval", E->o.json, write_json, E)) < 0) return VT_EXIT_FAIL;
  if (E->o.html && (hs = vt_atomic_prepare("eval", E->o.html, write_html, E)) < 0) {
    vt_atomic_abort(js);
    return VT_EXIT_FAIL;
  }
  if (js >= 0 && vt_atomic_commit("eval", E->o.json, js) != 0) { vt_atomic_abort(hs); return VT_EXIT_FAIL; }
  if (hs >= 0 && vt_atomic_commit("eval", E->o.html, hs) != 0) return VT_EXIT_FAIL;
  print_summary(E);
  return VT_EXIT_OK;
}

int vt_cmd_eval(int argc, char **argv) {
  eval E;
  memset(&E, 0, sizeof E);
  E.t0 = now_s();
  E.o.seed = 1;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  E.o.threads = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (int)cpus;
  int pr = parse_args(argc, argv, &E.o);
  if (pr == 1) { fputs(usage_text, stdout); return VT_EXIT_OK; }
  if (pr < 0) return VT_EXIT_USAGE;
  if ((E.o.html && vt_arg_check_output("eval", E.o.html)) || (E.o.json && vt_arg_check_output("eval", E.o.json)))
    return VT_EXIT_USAGE;
  int st = eval_run(&E);
  eval_free(&E);
  return st;
}
