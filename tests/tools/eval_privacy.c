/*
** eval_privacy.c -- a test tool: run the privacy area of `vitae eval` on
** three sources and print its JSON object (stdout), the verdict and the
** time taken (stderr).  Usage: eval_privacy [-t THREADS] [-s SEED]
** [--html FILE] SYNTH REAL [HOLDOUT].  Exit 0, or 2 with the message.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "learn/eval.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  const char *src[3] = { NULL, NULL, NULL }, *html = NULL;
  int ns = 0, threads = 1;
  uint64_t seed = 1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) threads = atoi(argv[++i]);
    else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--html") == 0 && i + 1 < argc) html = argv[++i];
    else if (ns < 3) src[ns++] = argv[i];
  }
  if (ns < 2) { fputs("usage: eval_privacy [-t THREADS] [-s SEED] [--html FILE] SYNTH REAL [HOLDOUT]\n", stderr); return 2; }
  char err[1024];
  vt_ecodes *codes = vt_ecodes_new();
  vt_ecohort *c[3] = { NULL, NULL, NULL };
  double t0 = now();
  for (int k = 0; k < ns; k++)
    if (vt_ecohort_load(&c[k], src[k], codes, NULL, err, sizeof err)) { fprintf(stderr, "eval_privacy: %s\n", err); return 2; }
  double t1 = now();
  vt_eval_ctx cx = { .codes = codes, .synth = c[0], .real = c[1], .holdout = c[2], .seed = seed, .threads = threads };
  vt_eval_privacy *r;
  if (vt_eval_privacy_run(&cx, &r, err, sizeof err)) { fprintf(stderr, "eval_privacy: %s\n", err); return 2; }
  double t2 = now();
  vt_jsonw w;
  vt_jw_init(&w, stdout);
  vt_jw_obj(&w, 0);
  vt_eval_privacy_json(r, &w);
  vt_jw_end(&w);
  vt_eval_verdict v;
  vt_eval_privacy_verdict(r, &v);
  fprintf(stderr, "verdict: %s (%s %.3f): %s\n", vt_eval_level_name(v.level), v.metric, v.value, v.text);
  fprintf(stderr, "load %.1f s, privacy %.1f s (%d threads; %zu codes)\n", t1 - t0, t2 - t1, threads, codes->n);
  if (html) {
    FILE *f = fopen(html, "w");
    if (!f || vt_eval_privacy_html(r, f) || fclose(f)) { fprintf(stderr, "eval_privacy: %s: cannot write\n", html); return 2; }
  }
  vt_eval_privacy_free(r);
  for (int k = 0; k < 3; k++) vt_ecohort_free(c[k]);
  vt_ecodes_free(codes);
  return 0;
}
