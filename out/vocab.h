/*
** vocab.h -- OHDSI vocabulary lookups for the OMOP writer.
**
** vt_vocab_load reads an OHDSI vocabulary download (Athena's CONCEPT.csv,
** tab-separated, or comma-separated; optionally CONCEPT_RELATIONSHIP.csv
** for "Maps to" and CONCEPT_ANCESTOR.csv for drug ingredients) streaming,
** and keeps only the concepts of the codes a run can emit, so that memory
** stays small whatever the size of the download.
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

/* Load the vocabulary in folder `dir`, keeping the concepts of the `n` codes
** in `wanted` (vt_code.system as vitae writes it: "SNOMED-CT", "LOINC",
** "RxNorm", "CVX", "DICOM-DCM", ...; duplicates allowed) and the UCUM unit
** concepts.  NULL with err "FILE:LINE: message" on a missing or malformed
** file. */
vt_vocab *vt_vocab_load(const char *dir, const vt_code *const *wanted, size_t n, char *err, size_t errlen);

/* The concept of a code, or NULL if the vocabulary does not have it. */
const vt_concept *vt_vocab_find(const vt_vocab *v, const char *system, const char *code);

/* The UCUM unit concept id of a unit ("mg/dL", "mm[Hg]"), or 0. */
int64_t vt_vocab_unit(const vt_vocab *v, const char *ucum);

/* The ingredient concept of a drug concept (CONCEPT_ANCESTOR, class
** Ingredient), or drug_concept_id itself when the vocabulary has none. */
int64_t vt_vocab_ingredient(const vt_vocab *v, int64_t drug_concept_id);

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
