/*
** sink.c -- the output format switch (see sink.h).
*/
#include "sink.h"

#include <stdlib.h>

#include "out/omop.h"

struct vt_sink {
  int format;
  vt_writer *native;
  vt_omop_writer *omop;
  int has_vocab;
};

vt_sink *vt_sink_open(int format, const char *path, const struct vt_vocab *vocab, char *err, size_t errlen) {
  vt_sink *s = calloc(1, sizeof *s);
  if (!s) { snprintf(err, errlen, "out of memory"); return NULL; }
  s->format = format;
  s->has_vocab = vocab != NULL;
  if (format == VT_SINK_OMOP) s->omop = vt_omop_open(path, vocab, err, errlen);
  else s->native = vt_writer_open(path, err, errlen);
  if (!s->native && !s->omop) { free(s); return NULL; }
  return s;
}

int vt_sink_write(vt_sink *s, const vt_record *rec, char *err, size_t errlen) {
  return s->omop ? vt_omop_write(s->omop, rec, err, errlen) : vt_writer_write(s->native, rec, err, errlen);
}

int vt_sink_set_info(vt_sink *s, const char *key, const char *value) {
  return s->omop ? vt_omop_set_info(s->omop, key, value) : vt_writer_set_info(s->native, key, value);
}

int vt_sink_add_module_state(vt_sink *s, const char *module, const char *path, const char *state,
                             const char *type, int64_t patients, int64_t entries, char *err, size_t errlen) {
  if (s->omop) return 0;
  return vt_writer_add_module_state(s->native, module, path, state, type, patients, entries, err, errlen);
}

int vt_sink_finish(vt_sink *s, char *err, size_t errlen) {
  return s->omop ? vt_omop_finish(s->omop, err, errlen) : vt_writer_finish(s->native, err, errlen);
}

void vt_sink_abort(vt_sink *s) {
  if (!s) return;
  if (s->omop) vt_omop_abort(s->omop);
  else vt_writer_abort(s->native);
  free(s);
}

void vt_sink_free(vt_sink *s) {
  if (!s) return;
  if (s->omop) vt_omop_free(s->omop);
  else vt_writer_free(s->native);
  free(s);
}

const vt_writer_stats *vt_sink_stats(const vt_sink *s) {
  return s->omop ? vt_omop_get_stats(s->omop) : vt_writer_get_stats(s->native);
}

const char *vt_sink_temp_path(const vt_sink *s) {
  return s->omop ? vt_omop_temp_path(s->omop) : vt_writer_temp_path(s->native);
}

void vt_sink_report(const vt_sink *s, FILE *f) {
  if (!s->omop || !s->has_vocab) return;
  vt_omop_report_unmapped(s->omop, f);
}
