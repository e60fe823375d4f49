/*
** evalsanity.c -- run the clinical sanity rules of `vitae eval`
** (learn/eval_sanity.c) on one source and print the area's JSON:
**   evalsanity SPEC [REAL_SPEC]
** Exit 0, or 2 with a message when a source cannot be read.
*/
#include <stdio.h>

#include "learn/eval.h"

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) { fprintf(stderr, "usage: evalsanity SPEC [REAL_SPEC]\n"); return 2; }
  char err[1024];
  vt_ecodes *codes = vt_ecodes_new();
  vt_ecohort *c[2] = { NULL, NULL };
  vt_eval_sanity_side *sd[2] = { vt_eval_sanity_side_new("synth"), argc > 2 ? vt_eval_sanity_side_new("real") : NULL };
  for (int i = 0; i + 1 < argc; i++) {
    vt_ecohort_options o = { .hook = vt_eval_sanity_hook, .hook_ud = sd[i] };
    if (vt_ecohort_load(&c[i], argv[i + 1], codes, &o, err, sizeof err) != 0) {
      fprintf(stderr, "evalsanity: %s\n", err);
      return 2;
    }
  }
  vt_eval_ctx cx = { .codes = codes, .synth = c[0], .real = c[1], .seed = 1, .threads = 1, .quiet = 1 };
  vt_eval_sanity *r;
  if (vt_eval_sanity_run(&cx, sd[0], sd[1], NULL, &r, err, sizeof err) != 0) {
    fprintf(stderr, "evalsanity: %s\n", err);
    return 2;
  }
  vt_jsonw w;
  vt_jw_init(&w, stdout);
  vt_jw_obj(&w, 0);
  vt_eval_sanity_json(r, &w);
  vt_jw_end(&w);
  fputc('\n', stdout);
  vt_eval_verdict v;
  vt_eval_sanity_verdict(r, &v);
  fprintf(stderr, "%s: %s (%s = %g): %s\n", vt_eval_level_name(v.level), v.verdict, v.metric, v.value, v.text);
  vt_eval_sanity_free(r);
  for (int i = 0; i < 2; i++) vt_ecohort_free(c[i]);
  vt_ecodes_free(codes);
  return 0;
}
