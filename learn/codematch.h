/*
** codematch.h -- which module code a data event's code matches, the way
** OHDSI tools compare codes (docs/codes.md has the rules).
**
** Built from the codes a set of modules uses (system as vitae writes it:
** "SNOMED-CT", "LOINC", "RxNorm", "CVX", ..., and the code).  With ancestry
** (an OHDSI vocabulary's CONCEPT.csv and CONCEPT_ANCESTOR.csv, or an OMOP
** source's own concept and concept_ancestor tables fed through
** vt_codematch_add_concept and vt_codematch_add_ancestry) a module code
** matches an event whose concept is the module code's concept or one of
** its descendants.  Without ancestry (or for an event without a concept id)
** it matches an event with the same vocabulary and code, vitae's system
** names and OMOP vocabulary ids being the same vocabulary (vt_vocab_id).
**
** Memory is proportional to the module codes and to the descendants of
** their concepts, never to the vocabulary: only the concepts of the module
** codes and the ancestry rows whose ancestor is one of them are kept.
**
**   vt_codematch *m = vt_codematch_new(systems, codes, n);
**   if (vt_codematch_load_vocab(m, "vocab", err, sizeof err) != 0) ...
**   long k = vt_codematch_find(m, event_concept_id, "SNOMED", "40055000");
**   // k: the index (into systems/codes) of the module code matched, or -1
**   vt_codematch_free(m);
*/
#ifndef VT_CODEMATCH_H
#define VT_CODEMATCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct vt_codematch vt_codematch;

/* A matcher of the n module codes (systems[i], codes[i]); both copied.  A
** code listed twice is one code: matches give its first index.  NULL only
** when out of memory. */
vt_codematch *vt_codematch_new(const char *const *systems, const char *const *codes, size_t n);

/* Read CONCEPT.csv and then CONCEPT_ANCESTOR.csv in folder dir (tab- or
** comma-separated, as learn/csv.h reads them).  A missing
** CONCEPT_ANCESTOR.csv is no error (no ancestry: matching stays exact);
** a missing CONCEPT.csv is.  0, or -1 with "FILE:LINE: message" in err. */
int vt_codematch_load_vocab(vt_codematch *m, const char *dir, char *err, size_t errlen);

/* The same from two files; ancestor_path may be NULL. */
int vt_codematch_load_files(vt_codematch *m, const char *concept_path, const char *ancestor_path,
                            char *err, size_t errlen);

/* Note that concept concept_id is (vocabulary_id, concept_code); only the
** concepts of module codes are kept.  vocabulary_id is an OMOP vocabulary
** id or a vitae system name.  0, or -1 when out of memory. */
int vt_codematch_add_concept(vt_codematch *m, int64_t concept_id, const char *vocabulary_id,
                             const char *concept_code);

/* Note that descendant_id descends from ancestor_id (a CONCEPT_ANCESTOR
** row; the concept itself with level 0 is implied).  Kept only when the
** ancestor is the concept of a module code, so add the concepts first.
** Turns ancestry on.  0, or -1 when out of memory. */
int vt_codematch_add_ancestry(vt_codematch *m, int64_t ancestor_id, int64_t descendant_id);

/* The index of the module code an event matches, or -1: for concept_id !=
** 0, the module code whose concept is concept_id, else (with ancestry) the
** lowest-index module code whose concept is an ancestor of concept_id; when
** that finds none, the module code of the same vocabulary and code.
** vocabulary_id and code may be NULL. */
long vt_codematch_find(const vt_codematch *m, int64_t concept_id, const char *vocabulary_id, const char *code);

/* Whether ancestry rows were given (see vt_codematch_add_ancestry); how
** many module codes have a concept; how many descendant concepts are kept. */
int vt_codematch_has_ancestry(const vt_codematch *m);
size_t vt_codematch_concepts(const vt_codematch *m);
size_t vt_codematch_descendants(const vt_codematch *m);

void vt_codematch_free(vt_codematch *m);

#endif
