/*
** test_codematch.c -- unit tests of code matching (learn/codematch.c): the
** fixture vocabulary of tests/fixtures/codematch (a few SNOMED, RxNorm and
** LOINC concepts with their ancestry), matching without ancestry, ancestry
** fed by calls (as an OMOP source does), bad files, and -- when the shared
** data is there ($VITAE_SHARED or ../shared) -- GiBleed's concept and
** concept_ancestor tables.
*/
#include "learn/codematch.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIX "tests/fixtures/codematch"

static const char *const systems[] = { "SNOMED-CT", "SNOMED-CT", "RxNorm", "LOINC", "SNOMED-CT", "SNOMED-CT" };
static const char *const codes[] = { "36971009", "195967001", "161", "4548-4", "40055000", "36971009" };
#define NCODES (sizeof codes / sizeof codes[0])

static void test_fixture(void) {
  char err[512] = "";
  vt_codematch *m = vt_codematch_new(systems, codes, NCODES);
  CHECK(m != NULL, "matcher of %zu codes", NCODES);
  if (!m) return;
  /* before any vocabulary: exact (vocabulary, code), vitae's system name
  ** and the OMOP vocabulary id alike */
  CHECK(!vt_codematch_has_ancestry(m), "no ancestry before a vocabulary");
  CHECK(vt_codematch_find(m, 0, "SNOMED", "36971009") == 0, "exact: OMOP vocabulary id SNOMED");
  CHECK(vt_codematch_find(m, 0, "SNOMED-CT", "36971009") == 0, "exact: vitae's system SNOMED-CT");
  CHECK(vt_codematch_find(m, 0, "LOINC", "4548-4") == 3, "exact: LOINC");
  CHECK(vt_codematch_find(m, 0, "SNOMED", "444814009") == -1, "no ancestry: a descendant code does not match");
  CHECK(vt_codematch_find(m, 0, "LOINC", "36971009") == -1, "the vocabulary counts, not only the code");
  CHECK(vt_codematch_find(m, 40481087, "SNOMED", "444814009") == -1, "no ancestry: a descendant concept does not match");
  CHECK(vt_codematch_find(m, 0, NULL, NULL) == -1, "no code: no match");

  int rc = vt_codematch_load_vocab(m, FIX, err, sizeof err);
  CHECK(rc == 0, "load the fixture vocabulary: %s", err);
  CHECK(vt_codematch_has_ancestry(m), "the fixture carries ancestry");
  CHECK(vt_codematch_concepts(m) == 5, "5 module codes have a concept (%zu)", vt_codematch_concepts(m));
  CHECK(vt_codematch_find(m, 4283893, "SNOMED", "36971009") == 0, "the concept itself");
  CHECK(vt_codematch_find(m, 40481087, "SNOMED", "444814009") == 0, "viral sinusitis is a sinusitis");
  CHECK(vt_codematch_find(m, 257012, "SNOMED", "40055000") == 4,
        "chronic sinusitis: its own module code first (4), not its ancestor's (0)");
  CHECK(vt_codematch_find(m, 4051466, NULL, NULL) == 1, "childhood asthma is an asthma (by concept alone)");
  CHECK(vt_codematch_find(m, 1125315, "RxNorm", "313782") == 2, "a clinical drug matches its ingredient");
  CHECK(vt_codematch_find(m, 3004410, "LOINC", "4548-4") == 3, "LOINC by concept");
  CHECK(vt_codematch_find(m, 317009, "SNOMED", "36971009") == 1, "the concept wins over the code");
  CHECK(vt_codematch_find(m, 999, "SNOMED", "36971009") == 0, "an unknown concept falls back to the code");
  CHECK(vt_codematch_find(m, 999, "SNOMED", "1") == -1, "an unknown concept and code: no match");
  vt_codematch_free(m);
}

static void test_fed(void) {
  /* an OMOP source's own concept and concept_ancestor tables */
  vt_codematch *m = vt_codematch_new(systems, codes, NCODES);
  CHECK(m && vt_codematch_add_concept(m, 10, "SNOMED", "36971009") == 0 &&
        vt_codematch_add_concept(m, 11, "SNOMED", "99999") == 0 &&
        vt_codematch_add_ancestry(m, 10, 20) == 0 && vt_codematch_add_ancestry(m, 11, 21) == 0 &&
        vt_codematch_add_ancestry(m, 30, 31) == 0, "concepts and ancestry fed by calls");
  if (!m) return;
  CHECK(vt_codematch_concepts(m) == 1 && vt_codematch_descendants(m) == 1,
        "only module codes' concepts and their descendants are kept");
  CHECK(vt_codematch_find(m, 20, NULL, NULL) == 0, "fed descendant matches");
  CHECK(vt_codematch_find(m, 21, NULL, NULL) == -1 && vt_codematch_find(m, 31, NULL, NULL) == -1,
        "descendants of other concepts do not");
  vt_codematch_free(m);
}

static void test_bad(void) {
  char err[512] = "", dir[64], path[128];
  snprintf(dir, sizeof dir, "/tmp/test_codematch.%ld", (long)getpid());
  mkdir(dir, 0700);
  vt_codematch *m = vt_codematch_new(systems, codes, NCODES);
  if (!m) { CHECK(0, "matcher"); return; }
  CHECK(vt_codematch_load_vocab(m, dir, err, sizeof err) == -1 && strstr(err, "CONCEPT.csv"),
        "a folder without CONCEPT.csv: %s", err);
  snprintf(path, sizeof path, "%s/CONCEPT.csv", dir);
  FILE *f = fopen(path, "w");
  if (f) { fputs("concept_id,concept_code\n1,2\n", f); fclose(f); }
  CHECK(vt_codematch_load_vocab(m, dir, err, sizeof err) == -1 && strstr(err, "vocabulary_id"),
        "a missing column is named: %s", err);
  f = fopen(path, "w");
  if (f) { fputs("concept_id,vocabulary_id,concept_code\nx1,SNOMED,36971009\n", f); fclose(f); }
  CHECK(vt_codematch_load_vocab(m, dir, err, sizeof err) == -1 && strstr(err, "CONCEPT.csv:2:"),
        "a bad concept id of a module code names file and line: %s", err);
  f = fopen(path, "w");
  if (f) { fputs("concept_id,vocabulary_id,concept_code\n5,SNOMED,\"36971009\n", f); fclose(f); }
  CHECK(vt_codematch_load_vocab(m, dir, err, sizeof err) == -1 && strstr(err, "quoted"),
        "broken quoting: %s", err);
  f = fopen(path, "w");
  if (f) { fputs("concept_id,vocabulary_id,concept_code\n5,SNOMED,36971009\n", f); fclose(f); }
  CHECK(vt_codematch_load_vocab(m, dir, err, sizeof err) == 0 && !vt_codematch_has_ancestry(m) &&
        vt_codematch_find(m, 5, NULL, NULL) == 0, "CONCEPT.csv alone: concepts, no ancestry");
  unlink(path);
  rmdir(dir);
  vt_codematch_free(m);
}

/* GiBleed (Eunomia): SNOMED "Sinusitis" (36971009) matches the sinusitis
** conditions of GiBleed through its concept_ancestor table. */
static void test_gibleed(void) {
  const char *shared = getenv("VITAE_SHARED");
  char c[1024], a[1024], err[512] = "";
  snprintf(c, sizeof c, "%s/data/vocab/concept_GiBleed_5.3_partial.csv", shared && *shared ? shared : "../shared");
  snprintf(a, sizeof a, "%s/data/vocab/concept_ancestor_GiBleed_5.3.csv", shared && *shared ? shared : "../shared");
  if (access(c, R_OK) != 0 || access(a, R_OK) != 0) {
    printf("ok - # SKIP GiBleed: %s not found (VITAE_SHARED unset or missing)\n", c);
    return;
  }
  static const char *const s[] = { "SNOMED-CT", "SNOMED-CT", "SNOMED-CT" };
  static const char *const k[] = { "36971009", "127295002", "195967001" };   /* sinusitis, TBI, asthma */
  vt_codematch *m = vt_codematch_new(s, k, 3);
  CHECK(m && vt_codematch_load_files(m, c, a, err, sizeof err) == 0, "GiBleed loads: %s", err);
  if (!m) return;
  CHECK(vt_codematch_concepts(m) == 3, "GiBleed has the 3 concepts (%zu)", vt_codematch_concepts(m));
  CHECK(vt_codematch_find(m, 40481087, "SNOMED", "444814009") == 0, "GiBleed: viral sinusitis -> sinusitis");
  CHECK(vt_codematch_find(m, 4294548, "SNOMED", "75498004") == 0, "GiBleed: acute bacterial sinusitis -> sinusitis");
  CHECK(vt_codematch_find(m, 257012, "SNOMED", "40055000") == 0, "GiBleed: chronic sinusitis -> sinusitis");
  CHECK(vt_codematch_find(m, 378001, "SNOMED", "62106007") == 1, "GiBleed: concussion -> traumatic brain injury");
  CHECK(vt_codematch_find(m, 4051466, "SNOMED", "233678006") == 2, "GiBleed: childhood asthma -> asthma");
  CHECK(vt_codematch_find(m, 192671, "SNOMED", "74474003") == -1, "GiBleed: GI hemorrhage matches none");
  CHECK(vt_codematch_descendants(m) < 1000, "GiBleed: few descendants kept (%zu)", vt_codematch_descendants(m));
  vt_codematch_free(m);
}

int main(void) {
  test_fixture();
  test_fed();
  test_bad();
  test_gibleed();
  return test_done();
}
