/*
** evalagainst.c -- `vitae eval --against` without the command: load the
** synthetic cohort, compare it with the DP summary of a params file
** (learn/eval_against.c) and print the area's JSON and, with a third
** argument, its HTML section to that file:
**   evalagainst PARAMS SPEC [HTML]
** Exit 0, or 2 with the message.
*/
#include <stdio.h>

#include "learn/eval.h"

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) { fprintf(stderr, "usage: evalagainst PARAMS SPEC [HTML]\n"); return 2; }
  char err[1024];
  vt_ecodes *codes = vt_ecodes_new();
  vt_ecohort *c = NULL;
  if (vt_ecohort_load(&c, argv[2], codes, NULL, err, sizeof err) != 0) {
    fprintf(stderr, "evalagainst: %s\n", err);
    return 2;
  }
  vt_eval_ctx cx = { .codes = codes, .synth = c, .params_path = argv[1], .seed = 1, .threads = 1, .quiet = 1 };
  vt_eval_against *r;
  if (vt_eval_against_run(&cx, &r, err, sizeof err) != 0) {
    fprintf(stderr, "evalagainst: %s\n", err);
    vt_ecohort_free(c);
    vt_ecodes_free(codes);
    return 2;
  }
  vt_jsonw w;
  vt_jw_init(&w, stdout);
  vt_jw_obj(&w, 0);
  vt_eval_against_json(r, &w);
  vt_jw_end(&w);
  fputc('\n', stdout);
  vt_eval_verdict v;
  vt_eval_against_verdict(r, &v);
  fprintf(stderr, "%s: %s (%s = %g)\n", vt_eval_level_name(v.level), v.verdict, v.metric, v.value);
  int rc = 0;
  if (argc > 3) {
    FILE *f = fopen(argv[3], "w");
    if (!f || vt_eval_against_html(r, f) != 0) rc = 2;
    if (f) fclose(f);
  }
  vt_eval_against_free(r);
  vt_ecohort_free(c);
  vt_ecodes_free(codes);
  return rc;
}
