/*
** eval_common.c -- what every area of `vitae eval` shares (learn/eval.h):
** progress lines, verdict names, text escaped for the HTML report.
*/
#include "learn/eval.h"

#include <stdarg.h>

#include "learn/eval_svg.h"

void vt_eval_progress(const vt_eval_ctx *cx, const char *fmt, ...) {
  if (cx && cx->quiet) return;
  va_list ap;
  va_start(ap, fmt);
  fputs("eval: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

const char *vt_eval_level_name(vt_eval_level l) {
  switch (l) {
  case VT_EVAL_GOOD: return "good";
  case VT_EVAL_CAUTION: return "caution";
  case VT_EVAL_POOR: return "poor";
  default: return "not measured";
  }
}

int vt_eval_html_text(FILE *f, const char *text) { return vt_svg_text(f, text ? text : ""); }
