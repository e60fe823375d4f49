/*
** record.c -- the per-patient row buffer and its string arena.
*/
#include "record.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const vt_table_names[VT_T__COUNT] = {
  "encounters", "conditions", "medications", "observations", "procedures",
  "immunizations", "careplans", "allergies", "devices", "imaging_studies", "supplies",
  "state_trace",
};

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (!q) { fprintf(stderr, "vitae: out of memory\n"); abort(); }
  return q;
}

void vt_record_init(vt_record *r) { memset(r, 0, sizeof *r); }

void vt_record_reset(vt_record *r) {
  for (size_t i = 0; i < r->nold; i++) free(r->old[i]);
  r->nold = 0;
  r->nrows = 0; r->nstrs = 0;
  r->nencounters = 0; r->ncareplans = 0; r->nimaging = 0;
  memset(&r->person, 0, sizeof r->person);
}

void vt_record_free(vt_record *r) {
  vt_record_reset(r);
  free(r->rows); free(r->strs); free(r->old);
  memset(r, 0, sizeof *r);
}

size_t vt_record_add(vt_record *r, vt_table table) {
  if (r->nrows == r->caprows) {
    r->caprows = r->caprows ? r->caprows * 2 : 1024;
    r->rows = xrealloc(r->rows, r->caprows * sizeof *r->rows);
  }
  vt_row *row = &r->rows[r->nrows];
  memset(row, 0, sizeof *row);
  row->table = (uint8_t)table;
  row->encounter = -1;
  row->stop = VT_NO_TIME;
  return r->nrows++;
}

/* Strings are never moved once handed out: when the current chunk is full a
** new one is started and the old one is kept on r->old until reset. */
const char *vt_record_strdup(vt_record *r, const char *s) {
  size_t n = strlen(s) + 1;
  if (r->nstrs + n > r->capstrs) {
    if (r->strs && r->nstrs) {
      if (r->nold == r->capold) {
        r->capold = r->capold ? r->capold * 2 : 8;
        r->old = xrealloc(r->old, r->capold * sizeof *r->old);
      }
      r->old[r->nold++] = r->strs;
      r->strs = NULL;
    }
    size_t cap = r->capstrs > n ? r->capstrs : (n > 4096 ? n : 4096);
    r->strs = xrealloc(r->strs, cap);
    r->capstrs = cap; r->nstrs = 0;
  }
  char *d = r->strs + r->nstrs;
  memcpy(d, s, n);
  r->nstrs += n;
  return d;
}
