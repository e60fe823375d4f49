/*
** sink.h -- where a run's records go: the native writer (out/writer.h) or
** the OMOP CDM writer (out/omop.h) with its vocabulary (out/vocab.h),
** behind one interface, so that sim/run.c does not know the formats.
*/
#ifndef VT_SINK_H
#define VT_SINK_H

#include <stdio.h>
#include "out/format.h"
#include "out/writer.h"

typedef struct vt_sink vt_sink;

/* What vt_sink_open needs to know. */
typedef struct vt_sink_opts {
  vt_format format;
  const char *path;               /* the final path of the database */
  const char *vocab_dir;          /* OMOP: an OHDSI vocabulary folder (--vocab), or NULL:
                                  ** concept ids 0; ignored by the native format */
  const vt_code *const *codes;    /* the codes the run can write: the concepts of the */
  size_t ncodes;                  /* vocabulary kept in memory (vt_engine_each_code) */
} vt_sink_opts;

/* Results of vt_sink_open. */
enum { VT_SINK_OK = 0, VT_SINK_EOPEN = -1, VT_SINK_EVOCAB = -2 };

/* Open a writer of o->format for o->path, loading the vocabulary first
** when there is one.  Returns VT_SINK_OK with *out set, or with *out NULL
** and err: VT_SINK_EVOCAB when the vocabulary cannot be read (a mistake in
** the folder given), VT_SINK_EOPEN when the database cannot be created. */
int vt_sink_open(vt_sink **out, const vt_sink_opts *o, char *err, size_t errlen);
/* 1 with the vocabulary's concepts kept and CONCEPT.csv rows read, or 0 when
** the sink has no vocabulary. */
int vt_sink_vocab_size(const vt_sink *s, size_t *kept, size_t *read);
/* Write one patient's record.  0, or -1 with err. */
int vt_sink_write(vt_sink *s, const vt_record *rec, char *err, size_t errlen);
/* Run provenance (native: run_info; OMOP: metadata and cdm_source).  0 or -1. */
int vt_sink_set_info(vt_sink *s, const char *key, const char *value);
/* One module_states row (native only; OMOP has no such table: 0, nothing written). */
int vt_sink_add_module_state(vt_sink *s, const char *module, const char *path, const char *state,
                             const char *type, int64_t patients, int64_t entries, char *err, size_t errlen);
/* One module_transitions row (native only; OMOP: 0, nothing written). */
int vt_sink_add_module_transition(vt_sink *s, const char *module, const char *path, const char *from,
                                  const char *to, int64_t transitions, char *err, size_t errlen);
/* The privacy ledger of the params file the run used.  Native: one
** privacy_ledger row (NaN numbers are NULL); OMOP: nothing (0). */
int vt_sink_add_privacy(vt_sink *s, const char *measurement, const char *mechanism, double sensitivity,
                        double sigma, double rho, double epsilon, double delta, const char *params_file,
                        char *err, size_t errlen);
/* A privacy key for OMOP's metadata (the ledger's summary rows); native:
** nothing (its privacy_ledger table holds the ledger).  0 or -1. */
int vt_sink_set_privacy_info(vt_sink *s, const char *key, const char *value);
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
