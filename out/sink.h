/*
** sink.h -- where a run's records go: the native writer (out/writer.h) or
** the OMOP CDM writer (out/omop.h), behind one interface, so that sim/run.c
** does not care which format it writes.
*/
#ifndef VT_SINK_H
#define VT_SINK_H

#include <stdio.h>
#include "out/writer.h"

struct vt_vocab;
typedef struct vt_sink vt_sink;

enum { VT_SINK_NATIVE = 0, VT_SINK_OMOP = 1 };

/* Open a writer of `format` for the final path (vocab: OMOP concept ids, may
** be NULL).  NULL and err on failure. */
vt_sink *vt_sink_open(int format, const char *path, const struct vt_vocab *vocab, char *err, size_t errlen);
/* Write one patient's record.  0, or -1 with err. */
int vt_sink_write(vt_sink *s, const vt_record *rec, char *err, size_t errlen);
/* Run provenance (native: run_info; OMOP: metadata and cdm_source).  0 or -1. */
int vt_sink_set_info(vt_sink *s, const char *key, const char *value);
/* One module_states row (native only; OMOP has no such table: 0, nothing written). */
int vt_sink_add_module_state(vt_sink *s, const char *module, const char *path, const char *state,
                             const char *type, int64_t patients, int64_t entries, char *err, size_t errlen);
/* Finish: indexes, fsync, rename onto the path.  0, or -1 with err. */
int vt_sink_finish(vt_sink *s, char *err, size_t errlen);
/* Abandon (deletes the temporary file) / release after finish.  NULL is fine. */
void vt_sink_abort(vt_sink *s);
void vt_sink_free(vt_sink *s);
const vt_writer_stats *vt_sink_stats(const vt_sink *s);
const char *vt_sink_temp_path(const vt_sink *s);
/* After the run: what the user should know about the mapping (OMOP: codes
** without a concept, and the share of coded rows mapped); nothing for native. */
void vt_sink_report(const vt_sink *s, FILE *f);

#endif
