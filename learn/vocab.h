/*
** vocab.h -- OHDSI vocabulary lookups for the OMOP writer.
**
** vt_vocab_load reads an OHDSI vocabulary download (Athena's CONCEPT.csv,
** tab-separated, or comma-separated; optionally CONCEPT_RELATIONSHIP.csv
** for "Maps to" and CONCEPT_ANCESTOR.csv for drug ingredients) streaming,
** and keeps only the concepts of the codes a run can emit (with their
** "Maps to" targets and drug ingredients), the UCUM units and the concepts
** the OMOP writer assigns itself (vt_omop_fixed_concepts), so that memory
** stays small whatever the size of the download.  Each kept concept keeps
** its whole CONCEPT.csv row, for the output's concept table.
*/
#ifndef VT_VOCAB_H
#define VT_VOCAB_H

#include <stddef.h>
#include <stdint.h>
#include "sim/record.h"

typedef struct vt_vocab vt_vocab;

/* What a source code maps to. */
typedef struct vt_concept {
  int64_t concept_id;         /* the standard concept to use (the code's own
                                 concept if standard, else its "Maps to"
                                 target); 0 if none */
  int64_t source_concept_id;  /* the code's own concept */
  const char *domain_id;      /* domain of concept_id ("Condition", "Drug",
                                 "Measurement", "Observation", "Procedure",
                                 "Device", ...); of the code's own concept
                                 when concept_id is 0 */
  const char *name;           /* concept_name of concept_id (likewise) */
} vt_concept;

/* A kept concept as the OMOP concept table holds it: the fields of its
** CONCEPT.csv row.  The strings live as long as the vocabulary. */
typedef struct vt_concept_row {
  int64_t concept_id;
  const char *concept_name;
  const char *domain_id;
  const char *vocabulary_id;
  const char *concept_class_id;
  const char *standard_concept;   /* "S", "C", or NULL when empty */
  const char *concept_code;
  char valid_start_date[11];      /* "YYYY-MM-DD"; 1970-01-01 when the file */
  char valid_end_date[11];        /* has no date; 2099-12-31 likewise */
  const char *invalid_reason;     /* "D", "U", or NULL when empty */
} vt_concept_row;

/* Load the vocabulary in folder `dir`, keeping the concepts of the `n` codes
** in `wanted` (vt_code.system as vitae writes it: "SNOMED-CT", "LOINC",
** "RxNorm", "CVX", "DICOM-DCM", ...; duplicates allowed), the UCUM unit
** concepts, and the `nids` concept ids in `ids` (may be NULL: concepts a
** writer assigns itself, e.g. vt_omop_fixed_concepts).  NULL with err "FILE:LINE: message" on a missing or malformed
** file (a kept concept's valid_start_date or valid_end_date must be
** YYYYMMDD, as in Athena, or YYYY-MM-DD, or empty). */
vt_vocab *vt_vocab_load(const char *dir, const vt_code *const *wanted, size_t n, const int64_t *ids, size_t nids,
                        char *err, size_t errlen);

/* The concept of a code, or NULL if the vocabulary does not have it. */
const vt_concept *vt_vocab_find(const vt_vocab *v, const char *system, const char *code);

/* The UCUM unit concept id of a unit ("mg/dL", "mm[Hg]"), or 0. */
int64_t vt_vocab_unit(const vt_vocab *v, const char *ucum);

/* The ingredient concept of a drug concept (CONCEPT_ANCESTOR, class
** Ingredient), or drug_concept_id itself when the vocabulary has none. */
int64_t vt_vocab_ingredient(const vt_vocab *v, int64_t drug_concept_id);

/* Fill *out with the row of kept concept `id`: 1, or 0 (out untouched) if
** the vocabulary did not keep it. */
int vt_vocab_concept(const vt_vocab *v, int64_t id, vt_concept_row *out);

/* Call fn on every kept concept, once per concept id, in the order they
** were read, until fn returns non-zero.  The row passed is only valid
** during the call.  Returns 0, or what fn returned to stop. */
int vt_vocab_each(const vt_vocab *v, int (*fn)(const vt_concept_row *c, void *ud), void *ud);

/* The vocabulary version for cdm_source (VOCABULARY.csv's "None" row), or
** NULL. */
const char *vt_vocab_version(const vt_vocab *v);

/* Concepts kept, and rows read (for reporting). */
size_t vt_vocab_size(const vt_vocab *v);
size_t vt_vocab_rows(const vt_vocab *v);   /* rows of CONCEPT.csv */

/* The OMOP vocabulary_id of a vitae code system: "SNOMED-CT" -> "SNOMED",
** "NUBC" -> "UB04 Pt dis status", FHIR system URIs likewise; any other
** system is returned as is (so "LOINC", "RxNorm", "ICD10CM" stand for
** themselves).  NULL for NULL. */
const char *vt_vocab_id(const char *system);

void vt_vocab_free(vt_vocab *v);

#endif
