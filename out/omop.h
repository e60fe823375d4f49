/*
** omop.h -- the OMOP CDM 5.4 SQLite writer (schemas/omop.sql).
**
** The same contract as the native writer (out/writer.h): a run opens one
** writer, hands it each finished patient record in patient index order, sets
** its provenance keys and finishes.  Rows go to "<path>.partial-<pid>", which
** vt_omop_finish renames onto the path after the indexes are built; a killed
** or failed run never leaves a file that looks complete.  Not thread-safe.
**
** What a record becomes (schemas/omop.md has the details and the reasons):
**   person, observation_period, location (from the address), death    one per patient
**   encounters        visit_occurrence (visit_concept_id by class)
**   conditions        condition_occurrence
**   medications       drug_exposure (EHR prescription)
**   immunizations     drug_exposure (EHR administration record)
**   procedures        procedure_occurrence
**   imaging studies   procedure_occurrence, one per study (none when the
**                     record already holds the study's procedure row)
**   observations      measurement if numeric or laboratory / vital-signs,
**                     else observation
**   allergies         observation ("Drug allergy" / "Allergy to substance",
**                     the allergen in value_as_concept_id)
**   devices, supplies device_exposure
**   care plans        not written (OMOP has no table for plans)
**   condition_era, drug_era  derived per patient (30-day persistence window)
**   concept           at finish, the vocabulary's row of every concept id
**                     the output uses (empty without a vocabulary)
** With a vocabulary a code's row goes to the table of its standard
** concept's domain instead (a SNOMED finding of the Observation domain to
** observation, ...).  Ids are global and given in write order, so a run
** writes the same ids whatever its threads; visit_occurrence_id is the
** native encounters.id and person_id the patient index + 1.
*/
#ifndef VT_OMOP_H
#define VT_OMOP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "out/writer.h"
#include "sim/record.h"

struct vt_vocab;
typedef struct vt_omop_writer vt_omop_writer;

/* Open a writer for the final path `path` (parent folders are created),
** mapping codes with `vocab` (may be NULL: every concept id is then 0 and
** the *_source_value columns carry the codes).  The vocabulary must outlive
** the writer.  NULL and a message in err on failure. */
vt_omop_writer *vt_omop_open(const char *path, const struct vt_vocab *vocab, char *err, size_t errlen);

/* Write one patient's record: person, observation period, location, death,
** every row of rec, and the patient's eras.  The observation period is
** rec->person.obs_start..obs_end; a record whose window is unset (both 0, as
** vt_record_reset leaves them, or VT_NO_TIME) is given birth to death or to
** its last event; one whose window is empty (sim/window.h, vt_window_empty:
** never observed) gets no observation_period row.  0, or -1 with err; after a failure every further call
** fails and the writer should be abandoned with vt_omop_abort. */
int vt_omop_write(vt_omop_writer *w, const vt_record *rec, char *err, size_t errlen);

/* Set a provenance key (copied; a key set twice keeps the last value): each
** becomes a metadata row at finish, and "vitae_version", "seed",
** "population", "reference_date" (source_release_date) and "finished"
** (cdm_release_date) also fill cdm_source.  0, or -1 on a NULL key or out
** of memory. */
int vt_omop_set_info(vt_omop_writer *w, const char *key, const char *value);

/* Write the care site, provider, cdm_source, metadata and concept rows,
** commit, build the indexes, sync and rename the temporary file onto the
** path.  0, or -1 with err; on failure release the writer with
** vt_omop_abort. */
int vt_omop_finish(vt_omop_writer *w, char *err, size_t errlen);

/* Abandon: close and delete the temporary file and free w (the file at the
** path, if any, is untouched).  Safe after any failure and on NULL. */
void vt_omop_abort(vt_omop_writer *w);

/* Release a writer after a successful vt_omop_finish (on an unfinished
** writer it does what vt_omop_abort does). */
void vt_omop_free(vt_omop_writer *w);

/* Patients, alive, dead, total_rows (every OMOP row, including those finish
** writes) and tables[]: the OMOP tables of schemas/omop.sql in order with
** their row counts.  rows[] counts the vitae rows read per native table. */
const vt_writer_stats *vt_omop_get_stats(const vt_omop_writer *w);

/* Path of the temporary file, so that a signal handler can unlink it. */
const char *vt_omop_temp_path(const vt_omop_writer *w);

/* Print to f how many coded rows were written and how many have a concept,
** and the codes written without one: the number of distinct (system, code)
** pairs, their rows, and the 10 most frequent.  Valid after finish too. */
void vt_omop_report_unmapped(const vt_omop_writer *w, FILE *f);

/* The concept ids the writer assigns itself rather than looking them up
** (type, gender, race, ethnicity, visit, allergy, provider specialty and
** CDM version concepts): up to `max` of them into out.  Returns how many
** there are.  vt_vocab_load keeps these concepts, so that the concept
** table can hold them. */
size_t vt_omop_fixed_concepts(int64_t *out, size_t max);

/* Rows written with a source code (visits excepted: their concept comes from
** the encounter class), and those of them that got a non-zero concept. */
int64_t vt_omop_coded_rows(const vt_omop_writer *w);
int64_t vt_omop_mapped_rows(const vt_omop_writer *w);

#endif
