/*
** eval_utility.c -- drive the utility area of `vitae eval` alone
** (learn/eval_utility.c): load the cohorts, run the area, print its JSON
** object to stdout and the time taken to stderr; with --html FILE also
** write its section.
**
**   eval_utility SYNTH REAL [--holdout H] [--target SYS:CODE] [--seed S] [--html FILE]
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "learn/eval.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  const char *pos[2] = { NULL, NULL }, *holdout = NULL, *target = NULL, *html = NULL;
  uint64_t seed = 1;
  int np = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--holdout") && i + 1 < argc) holdout = argv[++i];
    else if (!strcmp(argv[i], "--target") && i + 1 < argc) target = argv[++i];
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--html") && i + 1 < argc) html = argv[++i];
    else if (np < 2) pos[np++] = argv[i];
    else { fprintf(stderr, "usage: eval_utility SYNTH [REAL] [--holdout H] [--target SYS:CODE] [--seed S] [--html F]\n"); return 2; }
  }
  if (!np) { fprintf(stderr, "usage: eval_utility SYNTH [REAL] [--holdout H] [--target SYS:CODE] [--seed S] [--html F]\n"); return 2; }
  char err[512];
  vt_ecodes *codes = vt_ecodes_new();
  vt_ecohort *c[3] = { NULL, NULL, NULL };
  const char *spec[3] = { pos[0], pos[1], holdout };
  double t0 = now();
  for (int i = 0; i < 3; i++) {
    if (!spec[i]) continue;
    if (vt_ecohort_load(&c[i], spec[i], codes, NULL, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
  }
  double t1 = now();
  vt_eval_ctx cx = { codes, c[0], c[1], c[2], NULL, target, seed, 1, 0 };
  vt_eval_utility *r;
  if (vt_eval_utility_run(&cx, &r, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
  double t2 = now();
  vt_jsonw w;
  vt_jw_init(&w, stdout);
  vt_jw_obj(&w, 0);
  vt_eval_utility_json(r, &w);
  vt_jw_end(&w);
  if (html) {
    FILE *f = fopen(html, "w");
    if (!f || vt_eval_utility_html(r, f) || fclose(f)) { fprintf(stderr, "%s: cannot write\n", html); return 1; }
  }
  vt_eval_verdict v;
  vt_eval_utility_verdict(r, &v);
  fprintf(stderr, "verdict: %s (%s = %.3f): %s\n", vt_eval_level_name(v.level), v.metric, v.value, v.text);
  fprintf(stderr, "time: load %.2f s, utility %.2f s (synthetic %zu persons, real %zu)\n", t1 - t0, t2 - t1, c[0]->n,
          c[1] ? c[1]->n : (size_t)0);
  vt_eval_utility_free(r);
  for (int i = 0; i < 3; i++) vt_ecohort_free(c[i]);
  vt_ecodes_free(codes);
  return 0;
}
