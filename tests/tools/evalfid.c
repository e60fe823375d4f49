/*
** evalfid.c -- run `vitae eval`'s fidelity area alone (learn/eval_fidelity.c):
**   evalfid SYNTH REAL [HTML]
** loads both cohorts (any vt_ehr_open spec), prints the area's JSON on
** stdout, the HTML section to HTML when named, and the load and run times
** on stderr.
*/
#include <stdio.h>
#include <time.h>

#include "learn/eval.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: evalfid SYNTH REAL [HTML]\n"); return 2; }
  char err[512];
  vt_ecodes *codes = vt_ecodes_new();
  vt_ecohort *synth = NULL, *real = NULL;
  double t0 = now();
  if (vt_ecohort_load(&synth, argv[1], codes, NULL, err, sizeof err) ||
      vt_ecohort_load(&real, argv[2], codes, NULL, err, sizeof err)) {
    fprintf(stderr, "evalfid: %s\n", err);
    return 1;
  }
  double t1 = now();
  vt_eval_ctx cx = { .codes = codes, .synth = synth, .real = real, .seed = 1, .threads = 1, .quiet = 1 };
  vt_eval_fidelity *r = NULL;
  if (vt_eval_fidelity_run(&cx, &r, err, sizeof err)) { fprintf(stderr, "evalfid: %s\n", err); return 1; }
  double t2 = now();
  vt_jsonw w;
  vt_jw_init(&w, stdout);
  vt_jw_obj(&w, 0);
  vt_eval_fidelity_json(r, &w);
  vt_jw_end(&w);
  if (argc > 3) {
    FILE *f = fopen(argv[3], "w");
    if (!f || vt_eval_fidelity_html(r, f) || fclose(f)) { fprintf(stderr, "evalfid: cannot write %s\n", argv[3]); return 1; }
  }
  fprintf(stderr, "evalfid: %zu synthetic, %zu real persons: load %.2f s, fidelity %.3f s\n", synth->n, real->n,
          t1 - t0, t2 - t1);
  vt_eval_fidelity_free(r);
  vt_ecohort_free(synth);
  vt_ecohort_free(real);
  vt_ecodes_free(codes);
  return 0;
}
