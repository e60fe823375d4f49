/*
** sink.c -- the output format switch (see sink.h).
*/
#include "sink.h"

#include <stdlib.h>

#include "out/omop.h"
#include "learn/vocab.h"

struct vt_sink {
  vt_format format;
  vt_writer *native;
  vt_omop_writer *omop;
  vt_vocab *vocab;        /* OMOP concept ids, or NULL; the sink owns it */
};

/* The vocabulary of o for the OMOP writer: the concepts of the run's codes
** and those the writer assigns itself.  NULL with err when it cannot be read. */
static vt_vocab *load_vocab(const vt_sink_opts *o, char *err, size_t errlen) {
  int64_t fixed[64];
  size_t nfixed = vt_omop_fixed_concepts(fixed, sizeof fixed / sizeof fixed[0]);
  if (nfixed > sizeof fixed / sizeof fixed[0]) nfixed = sizeof fixed / sizeof fixed[0];
  return vt_vocab_load(o->vocab_dir, o->codes, o->ncodes, fixed, nfixed, err, errlen);
}

int vt_sink_open(vt_sink **out, const vt_sink_opts *o, char *err, size_t errlen) {
  *out = NULL;
  vt_sink *s = calloc(1, sizeof *s);
  if (!s) { snprintf(err, errlen, "out of memory"); return VT_SINK_EOPEN; }
  s->format = o->format;
  if (o->format == VT_FORMAT_OMOP) {
    if (o->vocab_dir && !(s->vocab = load_vocab(o, err, errlen))) { free(s); return VT_SINK_EVOCAB; }
    s->omop = vt_omop_open(o->path, s->vocab, err, errlen);
  } else {
    s->native = vt_writer_open(o->path, err, errlen);
  }
  if (!s->native && !s->omop) { vt_vocab_free(s->vocab); free(s); return VT_SINK_EOPEN; }
  *out = s;
  return VT_SINK_OK;
}

int vt_sink_vocab_size(const vt_sink *s, size_t *kept, size_t *read) {
  if (!s->vocab) return 0;
  *kept = vt_vocab_size(s->vocab);
  *read = vt_vocab_rows(s->vocab);
  return 1;
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

int vt_sink_add_module_transition(vt_sink *s, const char *module, const char *path, const char *from,
                                  const char *to, int64_t transitions, char *err, size_t errlen) {
  if (s->omop) return 0;
  return vt_writer_add_module_transition(s->native, module, path, from, to, transitions, err, errlen);
}

int vt_sink_add_privacy(vt_sink *s, const char *measurement, const char *mechanism, double sensitivity,
                        double sigma, double rho, double epsilon, double delta, const char *params_file,
                        char *err, size_t errlen) {
  if (s->omop) return 0;
  return vt_writer_add_privacy(s->native, measurement, mechanism, sensitivity, sigma, rho, epsilon, delta,
                               params_file, err, errlen);
}

int vt_sink_set_privacy_info(vt_sink *s, const char *key, const char *value) {
  return s->omop ? vt_omop_set_info(s->omop, key, value) : 0;
}

int vt_sink_finish(vt_sink *s, char *err, size_t errlen) {
  return s->omop ? vt_omop_finish(s->omop, err, errlen) : vt_writer_finish(s->native, err, errlen);
}

void vt_sink_abort(vt_sink *s) {
  if (!s) return;
  if (s->omop) vt_omop_abort(s->omop);
  else vt_writer_abort(s->native);
  vt_vocab_free(s->vocab);
  free(s);
}

void vt_sink_free(vt_sink *s) {
  if (!s) return;
  if (s->omop) vt_omop_free(s->omop);
  else vt_writer_free(s->native);
  vt_vocab_free(s->vocab);
  free(s);
}

const vt_writer_stats *vt_sink_stats(const vt_sink *s) {
  return s->omop ? vt_omop_get_stats(s->omop) : vt_writer_get_stats(s->native);
}

const char *vt_sink_temp_path(const vt_sink *s) {
  return s->omop ? vt_omop_temp_path(s->omop) : vt_writer_temp_path(s->native);
}

void vt_sink_report(const vt_sink *s, FILE *f) {
  if (!s->omop || !s->vocab) return;
  vt_omop_report_unmapped(s->omop, f);
}
