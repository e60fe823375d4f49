/*
** writer.h -- the native-schema SQLite writer (schemas/native.sql).
**
** A run opens one writer, hands it each finished patient record in patient
** index order, sets its run_info keys and finishes.  Rows go to a temporary
** file next to the final path ("<path>.partial-<pid>") which is renamed onto
** the path only by vt_writer_finish, after the indexes are built: a killed or
** failed run never leaves a file that looks complete, and an existing file at
** the path is replaced only then.
**
** A writer is not thread-safe: one thread at a time may call it.
**
** How vt_row fields map to columns (besides start/stop, encounter, code,
** module, state, which mean the same everywhere):
**   encounters       text = encounterclass, reason = reasoncode/description
**   conditions       code->system = system
**   medications      aux = dispenses, reason = reasoncode/description
**   observations     category, units; value_type VT_OBS_NUMERIC: value (REAL),
**                    type 'numeric'; VT_OBS_TEXT: text, type 'text'
**   procedures       code->system = system, reason = reasoncode/description
**   careplans        id = per-patient care plan number, reason
**   allergies        text = type, category, code->system = system
**   devices          text = udi
**   imaging_studies  id = per-patient study number, aux = series number,
**                    value = instance number (both within the study),
**                    code = body site, reason = modality, category = SOP
**                    class UID, text = SOP description, units = procedure code
**   supplies         aux = quantity
**   state_trace      start = entered, stop = exited (module, state)
** Encounter, care plan and imaging study numbers become global ids, from 1,
** in write order; patients.id is the patient index + 1.
*/
#ifndef VT_WRITER_H
#define VT_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include "sim/record.h"

typedef struct vt_writer vt_writer;

#define VT_STATS_MAX_TABLES 32

/* What a writer (native or OMOP) wrote; tables[] lists the tables with
** their row counts in schema order (filled by the writer's get_stats). */
typedef struct vt_writer_stats {
  int64_t patients, alive, dead;
  int64_t rows[VT_T__COUNT];   /* native: rows written per clinical table */
  int64_t total_rows;          /* all rows, including patients */
  int ntables;
  struct { const char *name; int64_t rows; } tables[VT_STATS_MAX_TABLES];
} vt_writer_stats;

/* The PRAGMA statements of a bulk-load connection (journal off, no syncs, a
** large cache, exclusive lock); bench/raw_insert uses the same. */
extern const char vt_writer_pragmas[];

/* Open a writer for the final path `path`: create the parent folder if
** missing, create the temporary file, apply the pragmas and the DDL, prepare
** the inserts and begin the first transaction.  NULL and a message in err on
** failure ("cannot create output/x.db: Permission denied"). */
vt_writer *vt_writer_open(const char *path, char *err, size_t errlen);

/* Write one patient's record: the patients row, its observation_periods
** row (none for an empty window: sim/window.h, vt_window_empty) and every
** row of rec.  Returns 0, or -1 with a message in err ("writing output/x.db: database or
** disk is full"); after a failure every further call fails and the writer
** should be abandoned with vt_writer_abort. */
int vt_writer_write(vt_writer *w, const vt_record *rec, char *err, size_t errlen);

/* Add a module_states row (schemas/native.sql): how many patients entered
** a state and how often.  0, or -1 with err (the writer is then failed). */
int vt_writer_add_module_state(vt_writer *w, const char *module, const char *path, const char *state,
                               const char *type, int64_t patients, int64_t entries, char *err, size_t errlen);

/* Add a module_transitions row (schemas/native.sql): how often patients
** went from one state to another.  0, or -1 with err (the writer is then
** failed). */
int vt_writer_add_module_transition(vt_writer *w, const char *module, const char *path, const char *from,
                                    const char *to, int64_t transitions, char *err, size_t errlen);

/* Add a privacy_ledger row (schemas/native.sql) now; a NaN number is
** written NULL.  0, or -1 with err (the writer is then failed). */
int vt_writer_add_privacy(vt_writer *w, const char *measurement, const char *mechanism, double sensitivity,
                          double sigma, double rho, double epsilon, double delta, const char *params_file,
                          char *err, size_t errlen);

/* Set a run_info key (copied; written at finish; a key set twice keeps the
** last value).  0, or -1 on a NULL key or out of memory. */
int vt_writer_set_info(vt_writer *w, const char *key, const char *value);

/* Commit, build the indexes, write run_info and the default organization,
** provider and payer counts, close, and rename the temporary file onto the
** path.  0, or -1 with err; on failure the writer must still be released with
** vt_writer_abort, which deletes the temporary file. */
int vt_writer_finish(vt_writer *w, char *err, size_t errlen);

/* Abandon: close and delete the temporary file and free w.  The file at the
** path, if any, is untouched.  Safe after any failure and on NULL. */
void vt_writer_abort(vt_writer *w);

/* Release a writer after a successful vt_writer_finish (on an unfinished
** writer it does what vt_writer_abort does). */
void vt_writer_free(vt_writer *w);

const vt_writer_stats *vt_writer_get_stats(const vt_writer *w);

/* Path of the temporary file, so that a signal handler can unlink it. */
const char *vt_writer_temp_path(const vt_writer *w);

#endif
