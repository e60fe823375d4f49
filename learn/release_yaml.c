/*
** release_yaml.c -- write a release (learn/release.h) as the
** `privacy_ledger` and `dp_summary` sections of params.yaml
** (schemas/params.md, read back by sim/params_ledger.c).  Numbers are
** written with 17 significant digits so that they read back exactly.
*/
#include "learn/release.h"

#include <inttypes.h>

/* Write s as a double-quoted YAML scalar (\" \\ and control characters
** escaped). */
static void put_quoted(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') { fputc('\\', f); fputc(c, f); }
    else if (c < 0x20 || c == 0x7f) fprintf(f, "\\x%02x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

int vt_release_write_yaml(const vt_release *r, FILE *f) {
  fprintf(f, "privacy_ledger:\n");
  fprintf(f, "  mechanism: discrete_gaussian\n");
  fprintf(f, "  unit: patient\n");
  fprintf(f, "  epsilon: %.17g\n", r->epsilon);
  fprintf(f, "  delta: %.17g\n", r->delta);
  fprintf(f, "  rho_budget: %.17g\n", r->rho_budget);
  fprintf(f, "  rho: %.17g\n", r->rho);
  fprintf(f, "  measurements:%s\n", r->nledger ? "" : " []");
  for (size_t i = 0; i < r->nledger; i++) {
    const vt_release_measure *m = &r->ledger[i];
    fprintf(f, "    - {name: ");
    put_quoted(f, m->name);
    fprintf(f, ", sensitivity: %.17g, sigma: %.17g, rho: %.17g, epsilon: %.17g}\n", m->sensitivity, m->sigma,
            m->rho, m->epsilon);
  }
  fprintf(f, "dp_summary:\n");
  for (size_t i = 0; i < r->nstats; i++) {
    const vt_release_stat *s = &r->stats[i];
    fprintf(f, "  - {name: ");
    put_quoted(f, s->name);
    fprintf(f, ", value: %" PRId64 ", sigma: %.17g}\n", s->value, s->sigma);
  }
  if (r->nstats == 0) fprintf(f, "  []\n");
  return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
