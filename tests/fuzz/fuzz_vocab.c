/*
** fuzz_vocab.c -- the input as an OHDSI vocabulary folder (learn/vocab.h): cut
** at form feeds into CONCEPT.csv, CONCEPT_RELATIONSHIP.csv,
** CONCEPT_ANCESTOR.csv and VOCABULARY.csv (tests/fuzz/fuzz.h), loaded with
** vt_vocab_load for a few codes; a loaded vocabulary is then queried
** through every lookup.
*/
#include "tests/fuzz/fuzz.h"
#include "learn/vocab.h"

static const vt_code codes[] = {
  { "SNOMED-CT", "44054006", NULL }, { "SNOMED-CT", "275272006", NULL },
  { "ICD10CM", "K92.2", NULL },      { "LOINC", "8480-6", NULL },
  { "RxNorm", "855332", NULL },      { "RxNorm", "749785", NULL },
  { "NDC", "00056017270", NULL },    { "CVX", "140", NULL },
  { "NUBC", "01", NULL },            { "LOINC", "1111-1", NULL },
};
#define NCODES (sizeof codes / sizeof codes[0])
static const int64_t ids[] = { 0, 8507, 8532, 32817, 44818518 };

static int each(const vt_concept_row *r, void *ud) {
  size_t *n = ud;
  (*n) += strlen(r->concept_name) + strlen(r->domain_id) + strlen(r->vocabulary_id) + strlen(r->concept_code);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[] = { "CONCEPT.csv", "CONCEPT_RELATIONSHIP.csv", "CONCEPT_ANCESTOR.csv", "VOCABULARY.csv" };
  const char *dir = fz_dir();
  fz_write_parts(data, size, names, 4);
  const vt_code *wanted[NCODES];
  for (size_t i = 0; i < NCODES; i++) wanted[i] = &codes[i];
  char err[1024];
  vt_vocab *v = vt_vocab_load(dir, wanted, NCODES, ids, sizeof ids / sizeof ids[0], err, sizeof err);
  if (v) {
    for (size_t i = 0; i < NCODES; i++) {
      const vt_concept *c = vt_vocab_find(v, codes[i].system, codes[i].code);
      if (c) {
        vt_concept_row row;
        vt_vocab_ingredient(v, c->concept_id);
        vt_vocab_concept(v, c->concept_id, &row);
        vt_vocab_concept(v, c->source_concept_id, &row);
      }
    }
    vt_vocab_unit(v, "mg/dL");
    size_t n = 0;
    vt_vocab_each(v, each, &n);
    vt_vocab_version(v);
    vt_vocab_size(v);
    vt_vocab_rows(v);
    vt_vocab_free(v);
  }
  return 0;
}
