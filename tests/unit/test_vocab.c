/*
** test_vocab.c -- unit tests of the OHDSI vocabulary loader (learn/vocab.c):
** standard concepts, "Maps to" targets (invalid ones and invalid
** relationships skipped, the smallest of several), concept 0 with the
** source concept when there is none, ingredients from CONCEPT_ANCESTOR,
** UCUM units, the version from VOCABULARY.csv, systems to vocabulary ids;
** the same vocabulary tab-separated and comma-separated (quotes, line
** breaks in quotes, CRLF, byte order mark, upper-case and reordered
** headers); every load error with its file and line (missing file, missing
** column, short, long and truncated rows, non-numeric ids, NUL bytes; lines
** longer than the buffer read whole, blank lines); large files that cross the
** reader's chunks, with errors and anomalies in the middle; 600 randomly
** damaged files, each loaded or refused with a message; and -- when the
** shared data folder is beside the repository ($VITAE_SHARED or ../shared)
** -- the 482 Synthea codes of Eunomia's ETL looked up in the tab-separated
** and the comma-separated concept tables, and Eunomia's GiBleed and
** Synthea27Nj vocabularies as they are.  The rows of the kept concepts
** (vt_vocab_concept, vt_vocab_each): every field, both date layouts,
** defaults without dates, bad dates, the OMOP writer's own concepts.
*/
#include "learn/vocab.h"
#include "test.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[4096];

static int contains(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

/* tmpdir/name, created as a folder; a static buffer, one of four. */
static const char *subdir(const char *name) {
  static char paths[4][4200];
  static int next;
  char *p = paths[next++ % 4];
  snprintf(p, sizeof paths[0], "%s/%s", tmpdir, name);
  if (mkdir(p, 0777) != 0 && errno != EEXIST) { perror(p); exit(2); }
  return p;
}

/* Write len bytes to dir/name. */
static void write_n(const char *dir, const char *name, const char *text, size_t len) {
  char p[4400];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "wb");
  if (!f) { perror(p); exit(2); }
  if (len && fwrite(text, 1, len, f) != len) { perror(p); exit(2); }
  if (fclose(f) != 0) { perror(p); exit(2); }
}

static void write_s(const char *dir, const char *name, const char *text) { write_n(dir, name, text, strlen(text)); }

/* A growing string. */
typedef struct sbuf { char *s; size_t n, cap; } sbuf;

static void sb_add(sbuf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + n + 1) cap *= 2;
    char *p = realloc(b->s, cap);
    if (!p) { perror("realloc"); exit(2); }
    b->s = p;
    b->cap = cap;
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = '\0';
}

static void sb_puts(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

/* ---- the fixture ----------------------------------------------------- */

#define NCOL 10
static const char *const concept_header[NCOL] = {
  "concept_id", "concept_name", "domain_id", "vocabulary_id", "concept_class_id",
  "standard_concept", "concept_code", "valid_start_date", "valid_end_date", "invalid_reason",
};

/* A small vocabulary in Athena's layout: standard codes, an upgraded code
** with its replacement, one without, a code with two targets and an
** invalid relationship to a smaller id, one whose only target is invalid,
** drugs with ingredients (one a combination), an NDC code mapped to a
** drug, UCUM units (one invalid), a NUBC discharge status, a code on two
** rows, concepts nobody wants. */
static const char *const concepts[][NCOL] = {
  { "0", "No matching concept", "Metadata", "None", "Undefined", "", "No matching concept", "19700101", "20991231", "" },
  { "9000001", "Diabetes (duplicate row)", "Condition", "SNOMED", "Clinical Finding", "", "44054006", "19700101", "20991231", "" },
  { "201826", "Type 2 diabetes mellitus", "Condition", "SNOMED", "Clinical Finding", "S", "44054006", "19700101", "20991231", "" },
  { "4166590", "Traumatic brain injury (old)", "Condition", "SNOMED", "Clinical Finding", "", "275272006", "19700101", "20020131", "U" },
  { "4132546", "Traumatic brain injury \"TBI\"", "Condition", "SNOMED", "Clinical Finding", "S", "127295002", "19700101", "20991231", "" },
  { "40316773", "Prediabetes (old)", "Condition", "SNOMED", "Clinical Finding", "", "15777000", "19700101", "20020131", "U" },
  { "35208414", "Gastrointestinal hemorrhage, unspecified", "Condition", "ICD10CM", "4-char billing code", "", "K92.2", "20070101", "20991231", "" },
  { "4291028", "Gastrointestinal hemorrhage NOS", "Condition", "SNOMED", "Clinical Finding", "S", "1111111", "19700101", "20991231", "" },
  { "192671", "Gastrointestinal hemorrhage", "Condition", "SNOMED", "Clinical Finding", "S", "74474003", "19700101", "20991231", "" },
  { "100", "Bogus small target", "Condition", "SNOMED", "Clinical Finding", "S", "100100", "19700101", "20991231", "" },
  { "4000001", "Deprecated target", "Observation", "SNOMED", "Clinical Finding", "", "999001", "19700101", "20100101", "D" },
  { "500001", "Mapped to a deprecated concept only", "Observation", "LOINC", "Lab Test", "", "1111-1", "19700101", "20991231", "" },
  { "3004249", "Systolic blood pressure", "Measurement", "LOINC", "Clinical Observation", "S", "8480-6", "19700101", "20991231", "" },
  { "40163554", "Warfarin Sodium 5 MG Oral Tablet", "Drug", "RxNorm", "Clinical Drug", "S", "855332", "19700101", "20991231", "" },
  { "1310149", "Warfarin", "Drug", "RxNorm", "Ingredient", "S", "11289", "19700101", "20991231", "" },
  { "21600961", "Vitamin K antagonists", "Drug", "ATC", "ATC 4th", "C", "B01AA", "19700101", "20991231", "" },
  { "19128022", "Combination pack", "Drug", "RxNorm", "Branded Pack", "S", "749785", "19700101", "20991231", "" },
  { "1549786", "Ethinyl Estradiol", "Drug", "RxNorm", "Ingredient", "S", "4124", "19700101", "20991231", "" },
  { "1515774", "norgestimate", "Drug", "RxNorm", "Ingredient", "S", "31994", "19700101", "20991231", "" },
  { "1000100", "Warfarin 5 MG NDC", "Drug", "NDC", "11-digit NDC", "", "00056017270", "19700101", "20991231", "" },
  { "40213154", "Influenza, seasonal, injectable, preservative free", "Drug", "CVX", "CVX", "S", "140", "19700101", "20991231", "" },
  { "8840", "milligram per deciliter", "Unit", "UCUM", "Unit", "S", "mg/dL", "19700101", "20991231", "" },
  { "8876", "millimeter mercury column", "Unit", "UCUM", "Unit", "S", "mm[Hg]", "19700101", "20991231", "" },
  { "9999999", "Old unit", "Unit", "UCUM", "Unit", "", "xyz", "19700101", "20100101", "D" },
  { "8536", "Discharged to home or self care", "Visit", "UB04 Pt dis status", "UB04 Pt dis status", "S", "01", "19700101", "20991231", "" },
  { "4311629", "Nobody wants this", "Condition", "SNOMED", "Clinical Finding", "S", "999999", "19700101", "20991231", "" },
};
#define NCONCEPTS (sizeof concepts / sizeof concepts[0])

static const char *const rel_header[6] = {
  "concept_id_1", "concept_id_2", "relationship_id", "valid_start_date", "valid_end_date", "invalid_reason",
};
static const char *const relationships[][6] = {
  { "201826", "201826", "Maps to", "19700101", "20991231", "" },
  { "4166590", "4132546", "Concept replaced by", "20020131", "20991231", "" },
  { "4166590", "4132546", "Maps to", "20020131", "20991231", "" },
  { "35208414", "4291028", "Maps to", "19700101", "20991231", "" },
  { "35208414", "100", "Maps to", "19700101", "20100101", "D" },
  { "35208414", "192671", "Maps to", "19700101", "20991231", "" },
  { "4291028", "35208414", "Mapped from", "19700101", "20991231", "" },
  { "500001", "4000001", "Maps to", "19700101", "20991231", "" },
  { "1000100", "40163554", "Maps to", "19700101", "20991231", "" },
};
#define NRELS (sizeof relationships / sizeof relationships[0])

static const char *const anc_header[4] = {
  "ancestor_concept_id", "descendant_concept_id", "min_levels_of_separation", "max_levels_of_separation",
};
static const char *const ancestors[][4] = {
  { "40163554", "40163554", "0", "0" },
  { "21600961", "40163554", "1", "1" },
  { "1310149", "40163554", "2", "2" },
  { "19128022", "19128022", "0", "0" },
  { "1549786", "19128022", "3", "3" },
  { "1515774", "19128022", "3", "3" },
  { "1310149", "1310149", "0", "0" },
  { "4132546", "4132546", "0", "0" },
};
#define NANCS (sizeof ancestors / sizeof ancestors[0])

static const char *const voc_header[5] = {
  "vocabulary_id", "vocabulary_name", "vocabulary_reference", "vocabulary_version", "vocabulary_concept_id",
};
static const char *const vocabularies[][5] = {
  { "SNOMED", "Systematic Nomenclature of Medicine", "http://www.snomed.org/", "2024-03-01 SNOMED", "44819097" },
  { "None", "OMOP Standardized Vocabularies", "OMOP generated", "v5.0 30-AUG-24", "44819096" },
};

/* How a table is written. */
enum {
  W_CSV = 1,        /* comma-separated, quotes where needed */
  W_QUOTE_ALL = 2,  /* (with W_CSV) every field quoted */
  W_CRLF = 4,       /* CRLF line breaks */
  W_BOM = 8,        /* UTF-8 byte order mark */
  W_UPPER = 16,     /* upper-case header */
  W_REVERSE = 32,   /* columns in reverse order */
};

/* Write a table of nrows rows of ncol fields (rows given as a flat array)
** to dir/name. */
static void write_table(const char *dir, const char *name, const char *const *header, const char *const *rows,
                        size_t nrows, int ncol, int how) {
  sbuf b = {0};
  if (how & W_BOM) sb_puts(&b, "\xEF\xBB\xBF");
  for (size_t r = 0; r <= nrows; r++) {
    const char *const *row = r ? rows + (r - 1) * (size_t)ncol : header;
    for (int j = 0; j < ncol; j++) {
      const char *f = row[how & W_REVERSE ? ncol - 1 - j : j];
      if (j) sb_puts(&b, how & W_CSV ? "," : "\t");
      if (!r && (how & W_UPPER)) {
        for (const char *c = f; *c; c++) {
          char u = *c >= 'a' && *c <= 'z' ? (char)(*c - 'a' + 'A') : *c;
          sb_add(&b, &u, 1);
        }
      } else if ((how & W_CSV) && ((how & W_QUOTE_ALL) || strpbrk(f, ",\"\n\r"))) {
        sb_puts(&b, "\"");
        for (const char *c = f; *c; c++) {
          sb_add(&b, c, 1);
          if (*c == '"') sb_add(&b, c, 1);   /* doubled inside quotes */
        }
        sb_puts(&b, "\"");
      } else {
        sb_puts(&b, f);
      }
    }
    sb_puts(&b, how & W_CRLF ? "\r\n" : "\n");
  }
  write_n(dir, name, b.s, b.n);
  free(b.s);
}

/* Write the whole fixture into folder `name`. */
static const char *write_fixture(const char *name, int how) {
  const char *dir = subdir(name);
  write_table(dir, "CONCEPT.csv", concept_header, &concepts[0][0], NCONCEPTS, NCOL, how);
  write_table(dir, "CONCEPT_RELATIONSHIP.csv", rel_header, &relationships[0][0], NRELS, 6, how);
  write_table(dir, "CONCEPT_ANCESTOR.csv", anc_header, &ancestors[0][0], NANCS, 4, how);
  write_table(dir, "VOCABULARY.csv", voc_header, &vocabularies[0][0], 2, 5, how);
  return dir;
}

/* The codes a run of the fixture wants (with a duplicate, a NULL, a code
** without a system, an unknown system and a missing code). */
static vt_code wanted_codes[] = {
  { "SNOMED-CT", "44054006", "Diabetes" },
  { "SNOMED-CT", "275272006", "TBI" },
  { "SNOMED-CT", "15777000", "Prediabetes" },
  { "ICD-10-CM", "K92.2", "GI bleed" },
  { "LOINC", "1111-1", "deprecated target" },
  { "LOINC", "8480-6", "SBP" },
  { "RxNorm", "855332", "Warfarin" },
  { "RxNorm", "749785", "pack" },
  { "NDC", "00056017270", "NDC warfarin" },
  { "CVX", "140", "flu" },
  { "NUBC", "01", "home" },
  { "SNOMED-CT", "44054006", "Diabetes again" },
  { "NullFlavor", "UNK", "unknown" },
  { "SNOMED-CT", "12345678", "not in the vocabulary" },
  { NULL, "44054006", "no system" },
};
#define NWANTED (sizeof wanted_codes / sizeof wanted_codes[0])

static vt_vocab *load_fixture(const char *dir, char *err, size_t errlen) {
  const vt_code *w[NWANTED + 1];
  for (size_t i = 0; i < NWANTED; i++) w[i] = &wanted_codes[i];
  w[NWANTED] = NULL;
  return vt_vocab_load(dir, w, NWANTED + 1, NULL, 0, err, errlen);
}

/* vt_vocab_each: counts the rows and checks each is whole and its id new;
** stops (returning 7) at concept `stop_at`. */
typedef struct each_ctx { size_t rows, bad; int64_t ids[64]; int64_t stop_at; } each_ctx;

static int each_row(const vt_concept_row *c, void *ud) {
  each_ctx *x = ud;
  for (size_t i = 0; i < x->rows && i < 64; i++)
    if (x->ids[i] == c->concept_id) x->bad++;
  if (x->rows < 64) x->ids[x->rows] = c->concept_id;
  x->rows++;
  if (!c->concept_name || !c->domain_id || !c->vocabulary_id || !c->concept_class_id || !c->concept_code ||
      strlen(c->valid_start_date) != 10 || strlen(c->valid_end_date) != 10 ||
      (c->standard_concept && !*c->standard_concept) || (c->invalid_reason && !*c->invalid_reason))
    x->bad++;
  return c->concept_id == x->stop_at ? 7 : 0;
}

/* The rows of the kept concepts of the fixture. */
static void check_rows(const char *label, const vt_vocab *v) {
  vt_concept_row r;
  memset(&r, 0, sizeof r);
  int ok = vt_vocab_concept(v, 4166590, &r);
  CHECK(ok && r.concept_id == 4166590, "%s: row of a kept concept", label);
  CHECK(ok && strcmp(r.concept_name, "Traumatic brain injury (old)") == 0 && strcmp(r.domain_id, "Condition") == 0 &&
        strcmp(r.vocabulary_id, "SNOMED") == 0 && strcmp(r.concept_class_id, "Clinical Finding") == 0 &&
        r.standard_concept == NULL && strcmp(r.concept_code, "275272006") == 0,
        "%s: name, domain, vocabulary, class, no standard flag, code", label);
  CHECK(ok && strcmp(r.valid_start_date, "1970-01-01") == 0 && strcmp(r.valid_end_date, "2002-01-31") == 0 &&
        r.invalid_reason && strcmp(r.invalid_reason, "U") == 0, "%s: dates as YYYY-MM-DD, invalid reason U", label);
  ok = vt_vocab_concept(v, 35208414, &r);
  CHECK(ok && strcmp(r.concept_class_id, "4-char billing code") == 0 && strcmp(r.vocabulary_id, "ICD10CM") == 0 &&
        strcmp(r.valid_start_date, "2007-01-01") == 0 && r.invalid_reason == NULL,
        "%s: a source concept's row (ICD10CM, its own start date)", label);
  ok = vt_vocab_concept(v, 4132546, &r);
  CHECK(ok && strcmp(r.concept_name, "Traumatic brain injury \"TBI\"") == 0 && r.standard_concept &&
        strcmp(r.standard_concept, "S") == 0 && strcmp(r.valid_end_date, "2099-12-31") == 0,
        "%s: a \"Maps to\" target's row (fetched in pass 4)", label);
  ok = vt_vocab_concept(v, 1515774, &r);
  CHECK(ok && strcmp(r.concept_class_id, "Ingredient") == 0 && strcmp(r.concept_code, "31994") == 0,
        "%s: an ingredient's row", label);
  ok = vt_vocab_concept(v, 8876, &r);
  CHECK(ok && strcmp(r.domain_id, "Unit") == 0 && strcmp(r.concept_code, "mm[Hg]") == 0, "%s: a unit's row", label);
  ok = vt_vocab_concept(v, 4000001, &r);
  CHECK(ok && r.invalid_reason && strcmp(r.invalid_reason, "D") == 0 && strcmp(r.valid_end_date, "2010-01-01") == 0,
        "%s: a deprecated target: invalid reason D", label);
  CHECK(!vt_vocab_concept(v, 4311629, &r) && !vt_vocab_concept(v, 21600961, &r) && !vt_vocab_concept(v, 0, &r),
        "%s: no row for concepts not kept", label);
  CHECK(!vt_vocab_concept(NULL, 4166590, &r) && !vt_vocab_concept(v, 4166590, NULL), "%s: vt_vocab_concept(NULL)", label);

  each_ctx x;
  memset(&x, 0, sizeof x);
  x.stop_at = -1;
  CHECK(vt_vocab_each(v, each_row, &x) == 0 && x.rows == vt_vocab_size(v) && x.bad == 0,
        "%s: vt_vocab_each: every kept concept once, each row whole (%zu rows, %zu bad)", label, x.rows, x.bad);
  size_t all = x.rows;
  memset(&x, 0, sizeof x);
  x.stop_at = 201826;
  CHECK(vt_vocab_each(v, each_row, &x) == 7 && x.rows >= 1 && x.rows < all, "%s: vt_vocab_each stops when fn says so", label);
  CHECK(vt_vocab_each(NULL, each_row, &x) == 0 && vt_vocab_each(v, NULL, NULL) == 0, "%s: vt_vocab_each(NULL)", label);
}

/* The checks of the fixture, whichever way it was written. */
static void check_fixture(const char *label, const char *dir) {
  char err[1024];
  vt_vocab *v = load_fixture(dir, err, sizeof err);
  CHECK(v != NULL, "%s: loads (%s)", label, v ? "ok" : err);
  if (!v) return;
  const vt_concept *c;

  c = vt_vocab_find(v, "SNOMED-CT", "44054006");
  CHECK(c && c->concept_id == 201826 && c->source_concept_id == 201826, "%s: standard SNOMED code is its own concept (the valid standard row of two)", label);
  CHECK(c && contains(c->domain_id, "Condition") && contains(c->name, "Type 2 diabetes mellitus"), "%s: domain and name", label);
  c = vt_vocab_find(v, "SNOMED", "44054006");
  CHECK(c && c->concept_id == 201826, "%s: the OMOP vocabulary id works as a system too", label);
  c = vt_vocab_find(v, "http://snomed.info/sct", "44054006");
  CHECK(c && c->concept_id == 201826, "%s: and SNOMED's FHIR URI", label);

  c = vt_vocab_find(v, "SNOMED-CT", "275272006");
  CHECK(c && c->concept_id == 4132546 && c->source_concept_id == 4166590, "%s: upgraded code -> its \"Maps to\" target, source kept", label);
  CHECK(c && c->name && strcmp(c->name, "Traumatic brain injury \"TBI\"") == 0, "%s: target's name, quotes as they were", label);

  c = vt_vocab_find(v, "SNOMED-CT", "15777000");
  CHECK(c && c->concept_id == 0 && c->source_concept_id == 40316773, "%s: invalid code without a mapping -> 0, source concept reported", label);
  CHECK(c && contains(c->domain_id, "Condition") && contains(c->name, "Prediabetes"), "%s: ... with the source's domain and name", label);

  c = vt_vocab_find(v, "ICD-10-CM", "K92.2");
  CHECK(c && c->concept_id == 192671 && c->source_concept_id == 35208414, "%s: two targets -> the smaller id; invalid relationship to id 100 ignored", label);

  c = vt_vocab_find(v, "LOINC", "1111-1");
  CHECK(c && c->concept_id == 0 && c->source_concept_id == 500001, "%s: only target deprecated -> 0", label);

  c = vt_vocab_find(v, "LOINC", "8480-6");
  CHECK(c && c->concept_id == 3004249 && contains(c->domain_id, "Measurement"), "%s: LOINC", label);

  c = vt_vocab_find(v, "RxNorm", "855332");
  CHECK(c && c->concept_id == 40163554, "%s: RxNorm", label);
  CHECK(vt_vocab_ingredient(v, 40163554) == 1310149, "%s: ingredient of a clinical drug (ATC class ancestor skipped)", label);
  CHECK(vt_vocab_ingredient(v, 19128022) == 1515774, "%s: combination: the smaller of two ingredients at the same level", label);
  CHECK(vt_vocab_ingredient(v, 201826) == 201826, "%s: no ingredient: the concept itself", label);
  CHECK(vt_vocab_ingredient(v, 777) == 777, "%s: unknown concept: itself", label);

  c = vt_vocab_find(v, "NDC", "00056017270");
  CHECK(c && c->concept_id == 40163554 && c->source_concept_id == 1000100 && contains(c->domain_id, "Drug"),
        "%s: NDC -> RxNorm drug", label);

  c = vt_vocab_find(v, "CVX", "140");
  CHECK(c && c->concept_id == 40213154, "%s: CVX", label);
  c = vt_vocab_find(v, "NUBC", "01");
  CHECK(c && c->concept_id == 8536, "%s: NUBC -> UB04 Pt dis status", label);

  CHECK(vt_vocab_find(v, "SNOMED-CT", "12345678") == NULL, "%s: code not in the vocabulary -> NULL", label);
  CHECK(vt_vocab_find(v, "NullFlavor", "UNK") == NULL, "%s: unknown system -> NULL", label);
  CHECK(vt_vocab_find(v, "SNOMED-CT", "999999") == NULL, "%s: concept nobody wanted is not kept", label);
  CHECK(vt_vocab_find(v, "SNOMED-CT", NULL) == NULL && vt_vocab_find(v, NULL, "1") == NULL, "%s: NULL arguments", label);

  CHECK(vt_vocab_unit(v, "mg/dL") == 8840 && vt_vocab_unit(v, "mm[Hg]") == 8876, "%s: UCUM units", label);
  CHECK(vt_vocab_unit(v, "xyz") == 0, "%s: invalid UCUM unit -> 0", label);
  CHECK(vt_vocab_unit(v, "furlong") == 0, "%s: unknown unit -> 0", label);
  c = vt_vocab_find(v, "UCUM", "mg/dL");
  CHECK(c && c->concept_id == 8840, "%s: units through vt_vocab_find", label);

  CHECK_STR(vt_vocab_version(v), "v5.0 30-AUG-24", "%s: version of the None vocabulary", label);
  CHECK(vt_vocab_rows(v) == NCONCEPTS, "%s: %zu rows read", label, vt_vocab_rows(v));
  /* 12 concepts of wanted codes (44054006 twice), 3 UCUM units, 4 targets
  ** (4132546, 4291028, 192671, 4000001), 3 ingredient ancestors (1310149,
  ** 1549786, 1515774; not the ATC class 21600961). */
  CHECK(vt_vocab_size(v) == 22, "%s: 22 concepts kept (%zu)", label, vt_vocab_size(v));
  check_rows(label, v);
  vt_vocab_free(v);
}

static void test_fixture(void) {
  check_fixture("tsv", write_fixture("tsv", 0));
  check_fixture("tsv crlf bom", write_fixture("tsv_crlf", W_CRLF | W_BOM));
  check_fixture("csv", write_fixture("csv", W_CSV));
  check_fixture("csv quoted crlf upper", write_fixture("csv_q", W_CSV | W_QUOTE_ALL | W_CRLF | W_UPPER));
  check_fixture("tsv reversed upper bom", write_fixture("tsv_rev", W_REVERSE | W_UPPER | W_BOM));
  check_fixture("csv reversed", write_fixture("csv_rev", W_CSV | W_REVERSE));

  /* Without the optional files: no mappings, no ingredients, no version. */
  const char *dir = subdir("concept_only");
  write_table(dir, "CONCEPT.csv", concept_header, &concepts[0][0], NCONCEPTS, NCOL, 0);
  char err[1024];
  vt_vocab *v = load_fixture(dir, err, sizeof err);
  CHECK(v != NULL, "concept only: loads (%s)", v ? "ok" : err);
  if (v) {
    const vt_concept *c = vt_vocab_find(v, "SNOMED-CT", "275272006");
    CHECK(c && c->concept_id == 0 && c->source_concept_id == 4166590, "concept only: no relationships -> 0 with the source");
    c = vt_vocab_find(v, "SNOMED-CT", "44054006");
    CHECK(c && c->concept_id == 201826, "concept only: standard code still found");
    CHECK(vt_vocab_ingredient(v, 40163554) == 40163554, "concept only: no ancestors -> the drug itself");
    CHECK(vt_vocab_version(v) == NULL, "concept only: no version");
    CHECK(vt_vocab_size(v) == 15, "concept only: 15 concepts kept (%zu)", vt_vocab_size(v));
    vt_vocab_free(v);
  }

  /* No wanted codes at all: the units only. */
  v = vt_vocab_load(dir, NULL, 0, NULL, 0, err, sizeof err);
  CHECK(v && vt_vocab_size(v) == 3 && vt_vocab_unit(v, "mm[Hg]") == 8876, "no wanted codes: UCUM units only");
  vt_vocab_free(v);
}

static void test_systems(void) {
  CHECK_STR(vt_vocab_id("SNOMED-CT"), "SNOMED", "system SNOMED-CT -> SNOMED");
  CHECK_STR(vt_vocab_id("SNOMED"), "SNOMED", "system SNOMED -> SNOMED");
  CHECK_STR(vt_vocab_id("LOINC"), "LOINC", "system LOINC");
  CHECK_STR(vt_vocab_id("http://loinc.org"), "LOINC", "LOINC's URI");
  CHECK_STR(vt_vocab_id("RxNorm"), "RxNorm", "system RxNorm");
  CHECK_STR(vt_vocab_id("http://www.nlm.nih.gov/research/umls/rxnorm"), "RxNorm", "RxNorm's URI");
  CHECK_STR(vt_vocab_id("CVX"), "CVX", "system CVX");
  CHECK_STR(vt_vocab_id("NUBC"), "UB04 Pt dis status", "system NUBC");
  CHECK_STR(vt_vocab_id("DICOM-DCM"), "DICOM", "system DICOM-DCM");
  CHECK_STR(vt_vocab_id("ICD10CM"), "ICD10CM", "an OMOP vocabulary id stands for itself");
  CHECK(vt_vocab_id(NULL) == NULL, "NULL system");
}

/* ---- errors ---------------------------------------------------------- */

#define HDR "concept_id\tconcept_name\tdomain_id\tvocabulary_id\tconcept_class_id\tstandard_concept\tconcept_code\tvalid_start_date\tvalid_end_date\tinvalid_reason\n"
#define ROW_DM "201826\tType 2 diabetes mellitus\tCondition\tSNOMED\tClinical Finding\tS\t44054006\t19700101\t20991231\t\n"
#define ROW_MG "8840\tmilligram per deciliter\tUnit\tUCUM\tUnit\tS\tmg/dL\t19700101\t20991231\t\n"

/* Load folder `name` with CONCEPT.csv = text (len bytes; other files as
** given); returns 1 if it loaded, and the message in err. */
static int try_load_n(const char *name, const char *text, size_t len, char *err, size_t errlen) {
  const char *dir = subdir(name);
  write_n(dir, "CONCEPT.csv", text, len);
  vt_code dm = { "SNOMED-CT", "44054006", "" };
  const vt_code *w[1] = { &dm };
  vt_vocab *v = vt_vocab_load(dir, w, 1, NULL, 0, err, errlen);
  vt_vocab_free(v);
  return v != NULL;
}

static int try_load(const char *name, const char *text, char *err, size_t errlen) {
  return try_load_n(name, text, strlen(text), err, errlen);
}

/* Expect folder `name` with CONCEPT.csv = text to fail with a message that
** contains `part`. */
static void expect_error(const char *name, const char *text, size_t len, const char *part) {
  char err[1024] = "";
  int ok = try_load_n(name, text, len, err, sizeof err);
  CHECK(!ok && contains(err, part), "error %s: \"%s\" (wanted \"%s\")", name, err, part);
}

static void test_errors(void) {
  char err[1024];
  vt_vocab *v;
  const char *dir = subdir("e_missing");
  v = vt_vocab_load(dir, NULL, 0, NULL, 0, err, sizeof err);
  CHECK(!v && contains(err, "CONCEPT.csv: no such file"), "missing CONCEPT.csv: \"%s\"", err);
  v = vt_vocab_load(NULL, NULL, 0, NULL, 0, err, sizeof err);
  CHECK(!v && contains(err, "no vocabulary folder"), "no folder: \"%s\"", err);
  v = vt_vocab_load(tmpdir, NULL, 0, NULL, 0, NULL, 0);
  CHECK(!v, "error without a message buffer");

#define E(name, text, part) expect_error(name, text, sizeof text - 1, part)
  E("e_empty", "", "CONCEPT.csv: empty file");
  E("e_blank", "\n\n", "empty file");
  E("e_nocol", "concept_id\tconcept_name\tdomain_id\tvocabulary_id\tconcept_class_id\tstandard_concept\n" ROW_DM,
    "CONCEPT.csv:1: no column concept_code in the header");
  E("e_nosep", "concept_id concept_name\n1 x\n", "CONCEPT.csv:1: header has neither tabs nor commas");
  E("e_short", HDR ROW_MG "1\t2\t3\t4\t5\n" ROW_DM, "CONCEPT.csv:3: 5 fields, the header has 10");
  E("e_extra", HDR ROW_DM ROW_MG "1\tx\tCondition\tSNOMED\tc\tS\t1\t19700101\t20991231\t\textra\n",
    "CONCEPT.csv:4: 11 fields, the header has 10");
  E("e_trunc", HDR ROW_DM "8840\tmilligram per deciliter\tUnit\tUCU", "CONCEPT.csv:3: 4 fields, the header has 10");
  E("e_id", HDR ROW_MG "12a\tx\tCondition\tSNOMED\tc\tS\t1\t19700101\t20991231\t\n", "CONCEPT.csv:3: concept_id '12a' is not a number");
  E("e_id_empty", HDR "\tx\tCondition\tSNOMED\tc\tS\t1\t19700101\t20991231\t\n", "CONCEPT.csv:2: concept_id '' is not a number");
  E("e_id_big", HDR "99999999999999999999\tx\tCondition\tSNOMED\tc\tS\t1\t19700101\t20991231\t\n",
    "concept_id '99999999999999999999' is not a number");
  E("e_nul", HDR ROW_MG ROW_MG "1\tx\0y\tCondition\tSNOMED\tc\tS\t1\t19700101\t20991231\t\n", "CONCEPT.csv:4: a NUL byte");
  E("e_nul_header", "concept_id\0\tconcept_name\n", "CONCEPT.csv:1: a NUL byte");
  E("e_blank_lines", HDR "\n" ROW_MG "\n\n" ROW_DM "\r\n" "x\t\t\t\t\t\t\t\t\t\n", "CONCEPT.csv:8: concept_id 'x'");
  E("e_csv_quote", "concept_id,concept_name,domain_id,vocabulary_id,concept_class_id,standard_concept,concept_code,invalid_reason\n"
    "1,\"never closed,Condition,SNOMED,c,S,1,\n", "CONCEPT.csv:2: a quoted field has no closing quote");
  E("e_csv_after", "concept_id,concept_name,domain_id,vocabulary_id,concept_class_id,standard_concept,concept_code,invalid_reason\n"
    "1,\"closed\"x,Condition,SNOMED,c,S,1,\n", "CONCEPT.csv:2: text after the closing quote of a field");
  /* A quoted field over two lines: the next record starts on line 4. */
  E("e_csv_lines", "concept_id,concept_name,domain_id,vocabulary_id,concept_class_id,standard_concept,concept_code,invalid_reason\n"
    "1,\"two\nlines\",Condition,SNOMED,c,S,1,\n" "2,short\n", "CONCEPT.csv:4: 2 fields, the header has 8");
#undef E

  /* More columns than the reader takes. */
  {
    sbuf b = {0};
    sb_puts(&b, "concept_id\tconcept_name\tdomain_id\tvocabulary_id\tconcept_class_id\tstandard_concept\tconcept_code");
    for (int i = 0; i < 60; i++) sb_puts(&b, "\textra");
    sb_puts(&b, "\n");
    expect_error("e_columns", b.s, b.n, "CONCEPT.csv:1: more than 64 columns");
    free(b.s);
  }

  /* Lines longer than the reader's buffer (1 MiB) and than its fast
  ** path's chunks are read whole, with the rows around them. */
  {
    size_t big = (1u << 20) + 100;
    sbuf b = {0};
    char *x = malloc(big);
    if (!x) exit(2);
    memset(x, 'x', big);
    const size_t sizes[2] = { 300000, big };
    for (int i = 0; i < 2; i++) {
      b.n = 0;
      sb_puts(&b, HDR ROW_MG "201826\t");
      sb_add(&b, x, sizes[i]);
      sb_puts(&b, "\tCondition\tSNOMED\tc\tS\t44054006\t19700101\t20991231\t\n" ROW_MG);
      const char *d = subdir(i ? "longline2" : "longline");
      write_n(d, "CONCEPT.csv", b.s, b.n);
      vt_code dm = { "SNOMED-CT", "44054006", "" };
      const vt_code *w[1] = { &dm };
      v = vt_vocab_load(d, w, 1, NULL, 0, err, sizeof err);
      const vt_concept *c = v ? vt_vocab_find(v, "SNOMED-CT", "44054006") : NULL;
      CHECK(c && c->concept_id == 201826 && strlen(c->name) == sizes[i], "a %zu-byte line is read whole (%s)", sizes[i],
            v ? "ok" : err);
      CHECK(v && vt_vocab_rows(v) == 3, "... and the rows around it");
      vt_vocab_free(v);
    }
    free(x);
    free(b.s);
  }

  /* Complete last line without a line break: fine. */
  CHECK(try_load("nonl", HDR ROW_MG "201826\tT2DM\tCondition\tSNOMED\tClinical Finding\tS\t44054006\t19700101\t20991231\t", err, sizeof err),
        "last line without a line break loads (%s)", err);

  /* CRLF: the last column (invalid_reason) must not keep the CR, or every
  ** concept would look invalid. */
  {
    const char *d = subdir("crlf");
    write_s(d, "CONCEPT.csv", "concept_id\tconcept_name\tdomain_id\tvocabulary_id\tconcept_class_id\tstandard_concept\tconcept_code\tinvalid_reason\r\n"
                              "201826\tT2DM\tCondition\tSNOMED\tClinical Finding\tS\t44054006\t\r\n");
    vt_code dm = { "SNOMED-CT", "44054006", "" };
    const vt_code *w[1] = { &dm };
    v = vt_vocab_load(d, w, 1, NULL, 0, err, sizeof err);
    const vt_concept *c = v ? vt_vocab_find(v, "SNOMED-CT", "44054006") : NULL;
    CHECK(c && c->concept_id == 201826, "CRLF: valid concept stays valid");
    vt_vocab_free(v);
  }

  /* Errors in the other files. */
  {
    const char *d = subdir("e_rel");
    write_table(d, "CONCEPT.csv", concept_header, &concepts[0][0], NCONCEPTS, NCOL, 0);
    write_s(d, "CONCEPT_RELATIONSHIP.csv", "concept_id_1\tconcept_id_2\trelationship_id\tvalid_start_date\tvalid_end_date\tinvalid_reason\n"
                                           "4166590\t4132546\tMaps to\t20020131\t20991231\t\n"
                                           "4166590\t4132546\tMaps to\n");
    v = load_fixture(d, err, sizeof err);
    CHECK(!v && contains(err, "CONCEPT_RELATIONSHIP.csv:3: 3 fields, the header has 6"), "relationship row too short: \"%s\"", err);
    write_s(d, "CONCEPT_RELATIONSHIP.csv", "concept_id_1\tconcept_id_2\tvalid_start_date\n");
    v = load_fixture(d, err, sizeof err);
    CHECK(!v && contains(err, "CONCEPT_RELATIONSHIP.csv:1: no column relationship_id"), "relationship header: \"%s\"", err);
    write_s(d, "CONCEPT_RELATIONSHIP.csv", "concept_id_1\tconcept_id_2\trelationship_id\n4166590\tabc\tMaps to\n");
    v = load_fixture(d, err, sizeof err);
    CHECK(!v && contains(err, "CONCEPT_RELATIONSHIP.csv:2: concept_id_2 'abc' is not a number"), "relationship id: \"%s\"", err);
    write_s(d, "CONCEPT_RELATIONSHIP.csv", "concept_id_1\tconcept_id_2\trelationship_id\n4166590\t4132546\tMaps to\n");
    write_s(d, "CONCEPT_ANCESTOR.csv", "ancestor_concept_id\tdescendant_concept_id\tmin_levels_of_separation\n1\t2\t3\n1\tx\t0\n");
    v = load_fixture(d, err, sizeof err);
    CHECK(!v && contains(err, "CONCEPT_ANCESTOR.csv:3: descendant_concept_id 'x' is not a number"), "ancestor id: \"%s\"", err);
    write_s(d, "CONCEPT_ANCESTOR.csv", "ancestor_concept_id\tdescendant_concept_id\tmin_levels_of_separation\n1310149\t40163554\ttwo\n");
    v = load_fixture(d, err, sizeof err);
    CHECK(!v && contains(err, "CONCEPT_ANCESTOR.csv:2: min_levels_of_separation 'two' is not a number"), "ancestor level: \"%s\"", err);
    write_s(d, "CONCEPT_ANCESTOR.csv", "ancestor_concept_id\tdescendant_concept_id\n1310149\t40163554\n");
    write_s(d, "VOCABULARY.csv", "vocabulary_id\tvocabulary_name\nNone\tx\n");
    v = load_fixture(d, err, sizeof err);
    CHECK(!v && contains(err, "VOCABULARY.csv:1: no column vocabulary_version"), "vocabulary header: \"%s\"", err);
    write_s(d, "VOCABULARY.csv", "vocabulary_id\tvocabulary_version\nNone\tv5 test\n");
    v = load_fixture(d, err, sizeof err);
    CHECK(v && vt_vocab_ingredient(v, 40163554) == 1310149 && contains(vt_vocab_version(v), "v5 test"),
          "optional columns absent (min_levels_of_separation, invalid_reason): loads (%s)", v ? "ok" : err);
    vt_vocab_free(v);
  }
}

/* ---- large files ----------------------------------------------------- */

#define BIG_ROWS 60000

/* Dates in both layouts, defaults without them, bad dates, and the
** concepts the OMOP writer assigns itself. */
static void test_rows(void) {
  char err[1024];
  vt_code dm = { "SNOMED-CT", "44054006", "" };
  const vt_code *w[1] = { &dm };
  vt_concept_row r;

  const char *dir = subdir("rows_dashes");
  write_s(dir, "CONCEPT.csv",
          "concept_id,concept_name,domain_id,vocabulary_id,concept_class_id,standard_concept,concept_code,valid_start_date,valid_end_date,invalid_reason\n"
          "201826,\"Type 2 diabetes mellitus\",Condition,SNOMED,\"Clinical Finding\",S,44054006,1970-01-01,2099-12-31,\n"
          "8507,MALE,Gender,Gender,Gender,S,M,1970-01-01,2099-12-31,\n"
          "9202,Outpatient Visit,Visit,Visit,Visit,S,OP,1970-01-01,2099-12-31,\n"
          "32817,EHR,Type Concept,Type Concept,Type Concept,S,32817,2020-08-20,2099-12-31,\n"
          "8551,Unknown gender,Gender,Gender,Gender,,U,1970-01-01,2099-12-31,D\n");
  static const int64_t own[] = { 8507, 9202, 32817 };   /* concepts a writer assigns itself */
  vt_vocab *v = vt_vocab_load(dir, w, 1, own, 3, err, sizeof err);
  CHECK(v != NULL, "YYYY-MM-DD dates: loads (%s)", v ? "ok" : err);
  CHECK(v && vt_vocab_concept(v, 201826, &r) && strcmp(r.valid_start_date, "1970-01-01") == 0 &&
        strcmp(r.valid_end_date, "2099-12-31") == 0, "YYYY-MM-DD dates: kept as they are");
  CHECK(v && vt_vocab_concept(v, 8507, &r) && strcmp(r.concept_name, "MALE") == 0 && strcmp(r.domain_id, "Gender") == 0 &&
        strcmp(r.concept_code, "M") == 0, "concept ids asked for are kept: gender");
  CHECK(v && vt_vocab_concept(v, 9202, &r) && vt_vocab_concept(v, 32817, &r) && strcmp(r.valid_start_date, "2020-08-20") == 0,
        "concept ids asked for are kept: visit, type concept");
  CHECK(v && !vt_vocab_concept(v, 8551, &r), "other gender concepts are not");
  CHECK(v && vt_vocab_size(v) == 4, "4 concepts kept (%zu)", v ? vt_vocab_size(v) : 0);
  vt_vocab_free(v);

  dir = subdir("rows_nodates");
  write_s(dir, "CONCEPT.csv",
          "concept_id\tconcept_name\tdomain_id\tvocabulary_id\tconcept_class_id\tstandard_concept\tconcept_code\n"
          "201826\tType 2 diabetes mellitus\tCondition\tSNOMED\tClinical Finding\tS\t44054006\n");
  v = vt_vocab_load(dir, w, 1, NULL, 0, err, sizeof err);
  CHECK(v && vt_vocab_concept(v, 201826, &r) && strcmp(r.valid_start_date, "1970-01-01") == 0 &&
        strcmp(r.valid_end_date, "2099-12-31") == 0 && r.invalid_reason == NULL,
        "no date or invalid_reason columns: 1970-01-01 to 2099-12-31, valid (%s)", v ? "ok" : err);
  vt_vocab_free(v);

  dir = subdir("rows_emptydates");
  write_s(dir, "CONCEPT.csv", HDR "201826\tType 2 diabetes mellitus\tCondition\tSNOMED\tClinical Finding\tS\t44054006\t\t\t\n");
  v = vt_vocab_load(dir, w, 1, NULL, 0, err, sizeof err);
  CHECK(v && vt_vocab_concept(v, 201826, &r) && strcmp(r.valid_start_date, "1970-01-01") == 0 &&
        strcmp(r.valid_end_date, "2099-12-31") == 0, "empty dates: the defaults (%s)", v ? "ok" : err);
  vt_vocab_free(v);

  /* A bad date matters only in a row that is kept. */
#define E2(name, text, part) expect_error(name, text, sizeof text - 1, part)
  E2("rows_baddate", HDR ROW_MG "201826\tT2DM\tCondition\tSNOMED\tClinical Finding\tS\t44054006\t1970-1-1\t20991231\t\n",
     "CONCEPT.csv:3: valid_start_date '1970-1-1' is not a date");
  E2("rows_badmonth", HDR "201826\tT2DM\tCondition\tSNOMED\tClinical Finding\tS\t44054006\t19700101\t20991331\t\n",
     "CONCEPT.csv:2: valid_end_date '20991331' is not a date");
  E2("rows_baddigit", HDR ROW_DM ROW_MG "8876\tmm\tUnit\tUCUM\tUnit\tS\tmm[Hg]\t1970O101\t20991231\t\n",
     "CONCEPT.csv:4: valid_start_date '1970O101' is not a date");
  CHECK(try_load("rows_unkept", HDR ROW_DM "4311629\tNobody\tCondition\tSNOMED\tClinical Finding\tS\t999\tnever\t\t\n",
                 err, sizeof err), "a bad date in a row not kept is not looked at (%s)", err);
#undef E2
}

/* Row i of the large table (TSV, no line break) into b. */
static void big_row(sbuf *b, int i) {
  static const char *const vocs[] = { "SNOMED", "LOINC", "RxNorm", "ICD10CM", "RxNorm Extension" };
  char line[512];
  snprintf(line, sizeof line, "%d\tConcept number %d with a name of some length %.*s\t%s\t%s\tClass\t%s\tC%d\t19700101\t20991231\t%s",
           1000 + 3 * i, i, i % 40, "..........................................", i % 3 ? "Condition" : "Measurement",
           vocs[i % 5], i % 4 ? "S" : "", i, i % 11 == 0 ? "D" : "");
  sb_puts(b, line);
}

/* Write the large table with `eol` line breaks, calling `extra` (if any)
** before row i to insert something. */
static sbuf big_table(const char *eol, void (*extra)(sbuf *, int)) {
  sbuf b = {0};
  sb_puts(&b, "concept_id\tconcept_name\tdomain_id\tvocabulary_id\tconcept_class_id\tstandard_concept\tconcept_code\tvalid_start_date\tvalid_end_date\tinvalid_reason");
  sb_puts(&b, eol);
  for (int i = 0; i < BIG_ROWS; i++) {
    if (extra) extra(&b, i);
    big_row(&b, i);
    sb_puts(&b, eol);
  }
  return b;
}

static void blank_at_30000(sbuf *b, int i) { if (i == 30000) sb_puts(b, "\n"); }
static void long_at_20000(sbuf *b, int i) {
  if (i != 20000) return;
  sb_puts(b, "5\t");
  for (int k = 0; k < 200000; k++) sb_add(b, "y", 1);
  sb_puts(b, "\tCondition\tLOINC\tc\tS\tLONG\t19700101\t20991231\t\n");
}
static void bad_at_45000(sbuf *b, int i) { if (i == 45000) sb_puts(b, "6\tshort\tCondition\n"); }
static void nul_at_50000(sbuf *b, int i) {
  static const char row[] = "7\tn\0l\tCondition\tSNOMED\tc\tS\tNUL\t19700101\t20991231\t\n";
  if (i == 50000) sb_add(b, row, sizeof row - 1);
}

/* Load the large table with the codes of every 7th RxNorm and SNOMED row
** and check them all. */
static void check_big(const char *label, const char *name, const sbuf *b, int extra_rows) {
  const char *dir = subdir(name);
  write_n(dir, "CONCEPT.csv", b->s, b->n);
  static vt_code codes[BIG_ROWS];
  static char names[BIG_ROWS][16];
  static const vt_code *w[BIG_ROWS];
  size_t n = 0;
  for (int i = 0; i < BIG_ROWS; i += 7) {
    if (i % 5 != 0 && i % 5 != 2) continue;
    snprintf(names[n], sizeof names[n], "C%d", i);
    codes[n].system = i % 5 == 0 ? "SNOMED-CT" : "RxNorm";
    codes[n].code = names[n];
    codes[n].display = NULL;
    w[n] = &codes[n];
    n++;
  }
  char err[1024];
  vt_vocab *v = vt_vocab_load(dir, w, n, NULL, 0, err, sizeof err);
  CHECK(v != NULL, "%s: loads (%s)", label, v ? "ok" : err);
  if (!v) return;
  size_t bad = 0;
  for (size_t k = 0; k < n; k++) {
    int i = atoi(names[k] + 1);
    const vt_concept *c = vt_vocab_find(v, codes[k].system, codes[k].code);
    int64_t want = (i % 4 && i % 11) ? 1000 + 3 * i : 0;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "Concept number %d with", i);
    if (!c || c->source_concept_id != 1000 + 3 * i || c->concept_id != want || strncmp(c->name, prefix, strlen(prefix)) != 0 ||
        strlen(c->name) != strlen(prefix) + 23 + (size_t)(i % 40) || strcmp(c->domain_id, i % 3 ? "Condition" : "Measurement") != 0) {
      if (bad < 3)
        printf("# %s: %s %s: got %lld/%lld '%s' %s\n", label, codes[k].system, codes[k].code, c ? (long long)c->concept_id : -1LL,
               c ? (long long)c->source_concept_id : -1LL, c ? c->name : "-", c ? c->domain_id : "-");
      bad++;
    }
  }
  CHECK(bad == 0, "%s: %zu codes found with their ids, names and domains (%zu wrong)", label, n, bad);
  CHECK(vt_vocab_rows(v) == (size_t)BIG_ROWS + (size_t)extra_rows, "%s: %zu rows", label, vt_vocab_rows(v));
  vt_vocab_free(v);
}

static void test_big(void) {
  sbuf b = big_table("\n", NULL);
  check_big("large tsv", "big", &b, 0);
  free(b.s);
  b = big_table("\r\n", NULL);
  check_big("large tsv crlf", "big_crlf", &b, 0);
  free(b.s);
  b = big_table("\n", blank_at_30000);
  check_big("large tsv with a blank line", "big_blank", &b, 0);
  free(b.s);
  b = big_table("\n", long_at_20000);
  check_big("large tsv with a 200 kB line", "big_long", &b, 1);
  free(b.s);

  /* Errors deep in the file have their line: row i is on line i + 2. */
  char err[1024];
  b = big_table("\n", bad_at_45000);
  CHECK(!try_load_n("big_bad", b.s, b.n, err, sizeof err) && contains(err, "CONCEPT.csv:45002: 3 fields, the header has 10"),
        "large tsv, short row on line 45002: \"%s\"", err);
  free(b.s);
  b = big_table("\n", nul_at_50000);
  CHECK(!try_load_n("big_nul", b.s, b.n, err, sizeof err) && contains(err, "CONCEPT.csv:50002: a NUL byte"),
        "large tsv, NUL on line 50002: \"%s\"", err);
  free(b.s);
  b = big_table("\r\n", blank_at_30000);
  {
    /* After a blank line, lines are one further on. */
    sbuf c = {0};
    sb_add(&c, b.s, b.n);
    sb_puts(&c, "x\ty\n");
    CHECK(!try_load_n("big_end", c.s, c.n, err, sizeof err) && contains(err, "CONCEPT.csv:60003: 2 fields"),
          "large tsv, short row at the end after a blank line: \"%s\"", err);
    free(c.s);
  }
  free(b.s);
}

/* ---- mutations ------------------------------------------------------- */

/* Damage the fixture in 600 seeded ways -- cut it anywhere, put separators,
** quotes, line breaks or NULs anywhere, drop or repeat stretches of it --
** and load each: the loader must either load or give a "FILE...: message"
** error (under the sanitizers, without touching memory it should not). */
static void test_mutations(void) {
  static const char bytes[] = { '\t', ',', '"', '\n', '\r', '\0', 'x', '1', (char)0xEF };
  uint64_t seed = 12345;
#define RND(n) ((seed = seed * 6364136223846793005ULL + 1442695040888963407ULL), (size_t)((seed >> 33) % (n)))
  const char *base[2] = { write_fixture("mut_tsv", 0), write_fixture("mut_csv", W_CSV | W_QUOTE_ALL | W_CRLF) };
  sbuf orig[2] = { {0}, {0} };
  for (int k = 0; k < 2; k++) {
    char p[4400];
    snprintf(p, sizeof p, "%s/CONCEPT.csv", base[k]);
    FILE *f = fopen(p, "rb");
    if (!f) { perror(p); exit(2); }
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) sb_add(&orig[k], chunk, got);
    fclose(f);
  }
  int loaded = 0, refused = 0, odd = 0;
  for (int it = 0; it < 600; it++) {
    int k = it % 2;
    sbuf m = {0};
    sb_add(&m, orig[k].s, orig[k].n);
    for (size_t nm = 1 + RND(3); nm > 0 && m.n > 0; nm--) {
      size_t at = RND(m.n);
      switch (RND(4)) {
      case 0: m.n = at; break;                                  /* cut */
      case 1: m.s[at] = bytes[RND(sizeof bytes)]; break;        /* replace a byte */
      case 2: {                                                 /* drop a stretch */
        size_t len = RND(m.n - at) + 1;
        memmove(m.s + at, m.s + at + len, m.n - at - len);
        m.n -= len;
        break;
      }
      default: {                                                /* repeat a stretch */
        size_t len = RND(m.n - at < 200 ? m.n - at : 200) + 1;
        char *copy = malloc(len);
        if (!copy) exit(2);
        memcpy(copy, m.s + at, len);
        sb_add(&m, copy, len);
        free(copy);
      }
      }
    }
    write_n(base[k], "CONCEPT.csv", m.s, m.n);
    char err[1024] = "";
    vt_vocab *v = load_fixture(base[k], err, sizeof err);
    if (v) {
      loaded++;
      (void)vt_vocab_find(v, "SNOMED-CT", "44054006");
      (void)vt_vocab_unit(v, "mg/dL");
      vt_vocab_free(v);
    } else if (contains(err, ".csv")) {
      refused++;
    } else {
      odd++;
      printf("# mutation %d: error without a file: \"%s\"\n", it, err);
    }
    free(m.s);
  }
#undef RND
  free(orig[0].s);
  free(orig[1].s);
  CHECK(odd == 0, "600 damaged files: %d loaded, %d refused with FILE:LINE messages, %d otherwise", loaded, refused, odd);
}

/* ---- the shared data ------------------------------------------------- */

static const char *shared_vocab(void) {
  static char buf[4096];
  const char *s = getenv("VITAE_SHARED");
  snprintf(buf, sizeof buf, "%s/data", s && *s ? s : "../shared");
  return buf;
}

/* Make dir/name a symbolic link to target (made absolute: the shared
** folder may be given relative to the current one). */
static void link_to(const char *dir, const char *name, const char *target) {
  char p[4400], abs[8400], cwd[4096];
  if (target[0] == '/') snprintf(abs, sizeof abs, "%s", target);
  else if (getcwd(cwd, sizeof cwd)) snprintf(abs, sizeof abs, "%s/%s", cwd, target);
  else { perror("getcwd"); exit(2); }
  snprintf(p, sizeof p, "%s/%s", dir, name);
  unlink(p);
  if (symlink(abs, p) != 0) { perror(p); exit(2); }
}

typedef struct expect { char system[16], code[32], domain[32]; int64_t source, concept; } expect;

/* Read synthea_code_to_omop_concept.csv (482 rows): the code, its source
** concept and its concept, and the domain.  Returns the number of rows. */
static size_t read_expectations(const char *path, expect *out, size_t max) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  char line[2048];
  size_t n = 0;
  if (!fgets(line, sizeof line, f)) { fclose(f); return 0; }
  while (n < max && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    /* The first six fields have no quotes; the last four neither (the
    ** concept name between them may have commas). */
    char *fld[6], *p = line;
    for (int i = 0; i < 6; i++) {
      fld[i] = p;
      p = strchr(p, ',');
      if (!p) break;
      *p++ = '\0';
    }
    if (!p) continue;
    char *tail[4], *e = p + strlen(p);
    for (int i = 3; i >= 0; i--) {
      while (e > p && e[-1] != ',') e--;
      tail[i] = e;
      if (e > p) *--e = '\0';
    }
    expect *x = &out[n];
    const char *voc = fld[4];
    snprintf(x->system, sizeof x->system, "%s", strcmp(voc, "SNOMED") == 0 ? "SNOMED-CT" : voc);
    snprintf(x->code, sizeof x->code, "%s", fld[2]);
    snprintf(x->domain, sizeof x->domain, "%s", tail[0]);
    x->source = atoll(fld[3]);
    x->concept = atoll(fld[5]);
    n++;
  }
  fclose(f);
  return n;
}

/* The shared CONCEPT.csv is the union of Eunomia's GiBleed (vocabulary of
** 2019) and Synthea27Nj (2022) concept tables, and where both had a
** concept it holds the newer row; the GiBleed ETL ran with the older
** vocabulary.  Three of its codes changed in between: two SNOMED allergy
** findings were made non-standard (upgraded, "U"; without
** CONCEPT_RELATIONSHIP here they have no standard concept), and asthma
** screening moved from the Procedure to the Measurement domain. */
static const struct { const char *code; int64_t concept; const char *domain; } newer[] = {
  { "91930004", 0, "Observation" },
  { "714035009", 0, "Observation" },
  { "171231001", 4062501, "Measurement" },
};

/* Look the expectations up in the vocabulary of dir; the number wrong. */
static size_t check_expectations(const char *label, const char *dir, const expect *x, size_t n) {
  static vt_code codes[1024];
  static const vt_code *w[1024];
  for (size_t i = 0; i < n; i++) {
    codes[i].system = x[i].system;
    codes[i].code = x[i].code;
    codes[i].display = NULL;
    w[i] = &codes[i];
  }
  char err[1024];
  vt_vocab *v = vt_vocab_load(dir, w, n, NULL, 0, err, sizeof err);
  CHECK(v != NULL, "%s: loads (%s)", label, v ? "ok" : err);
  if (!v) return n;
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    const vt_concept *c = vt_vocab_find(v, x[i].system, x[i].code);
    int64_t concept = x[i].concept;
    const char *domain = x[i].domain;
    for (size_t k = 0; k < sizeof newer / sizeof newer[0]; k++)
      if (strcmp(x[i].code, newer[k].code) == 0) {
        concept = newer[k].concept;
        domain = newer[k].domain;
      }
    if (!c || c->concept_id != concept || c->source_concept_id != x[i].source || strcmp(c->domain_id, domain) != 0) {
      if (bad < 5)
        printf("# %s: %s %s: got %lld/%lld %s, want %lld/%lld %s\n", label, x[i].system, x[i].code,
               c ? (long long)c->concept_id : -1LL, c ? (long long)c->source_concept_id : -1LL, c ? c->domain_id : "-",
               (long long)concept, (long long)x[i].source, domain);
      bad++;
    }
  }
  CHECK(bad == 0, "%s: %zu Synthea codes give the concepts of Eunomia's ETL, 3 updated by the newer vocabulary (%zu wrong)",
        label, n, bad);
  CHECK(vt_vocab_unit(v, "mg/dL") == 8840 && vt_vocab_unit(v, "mm[Hg]") == 8876 && vt_vocab_unit(v, "kg/m2") != 0,
        "%s: UCUM units mg/dL, mm[Hg], kg/m2", label);
  vt_vocab_free(v);
  return bad;
}

/* vt_vocab_each over one vocabulary: counts the rows, and those whose row
** differs in the other. */
typedef struct same_ctx { const vt_vocab *other; size_t rows, diff; } same_ctx;

static int same_str(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

static int same_row(const vt_concept_row *c, void *ud) {
  same_ctx *x = ud;
  vt_concept_row o;
  x->rows++;
  if (!vt_vocab_concept(x->other, c->concept_id, &o) || !same_str(c->concept_name, o.concept_name) ||
      !same_str(c->domain_id, o.domain_id) || !same_str(c->vocabulary_id, o.vocabulary_id) ||
      !same_str(c->concept_class_id, o.concept_class_id) || !same_str(c->standard_concept, o.standard_concept) ||
      !same_str(c->concept_code, o.concept_code) || strcmp(c->valid_start_date, o.valid_start_date) != 0 ||
      strcmp(c->valid_end_date, o.valid_end_date) != 0 || !same_str(c->invalid_reason, o.invalid_reason))
    x->diff++;
  return 0;
}

static void test_shared(void) {
  char vocab[4200], path[4400];
  struct stat st;
  snprintf(vocab, sizeof vocab, "%s/vocab", shared_vocab());
  snprintf(path, sizeof path, "%s/CONCEPT.csv", vocab);
  if (stat(path, &st) != 0) {
    printf("skip - shared vocabulary not found (%s)\n", path);
    return;
  }
  static expect x[1024];
  snprintf(path, sizeof path, "%s/synthea_code_to_omop_concept.csv", vocab);
  size_t n = read_expectations(path, x, 1024);
  CHECK(n == 482, "482 Synthea codes read from synthea_code_to_omop_concept.csv (%zu)", n);

  /* Athena's layout as it is in the shared folder. */
  check_expectations("shared CONCEPT.csv (tsv)", vocab, x, n);

  /* The comma-separated copy of the same concepts. */
  const char *dir = subdir("shared_csv");
  snprintf(path, sizeof path, "%s/concept_union_eunomia.csv", vocab);
  link_to(dir, "CONCEPT.csv", path);
  check_expectations("shared concept_union_eunomia.csv (csv)", dir, x, n);

  /* The same rows from both: dates YYYYMMDD in one, YYYY-MM-DD in the
  ** other. */
  {
    const vt_code *w[1024];
    vt_code codes[1024];
    for (size_t i = 0; i < n; i++) {
      codes[i].system = x[i].system;
      codes[i].code = x[i].code;
      codes[i].display = NULL;
      w[i] = &codes[i];
    }
    char err[1024];
    static const int64_t own[] = { 8507, 9201 };
    vt_vocab *a = vt_vocab_load(vocab, w, n, own, 2, err, sizeof err);
    vt_vocab *b = a ? vt_vocab_load(dir, w, n, own, 2, err, sizeof err) : NULL;
    CHECK(a && b, "shared: both tables load with the 482 codes (%s)", b ? "ok" : err);
    if (a && b) {
      same_ctx sc = { b, 0, 0 };
      vt_vocab_each(a, same_row, &sc);
      CHECK(sc.rows == vt_vocab_size(b) && sc.rows > 482 && sc.diff == 0,
            "shared: tsv and csv give the same %zu concept rows (%zu differ)", sc.rows, sc.diff);
      vt_concept_row r;
      CHECK(vt_vocab_concept(a, 8507, &r) && strcmp(r.concept_name, "MALE") == 0 &&
            vt_vocab_concept(a, 9201, &r) && strcmp(r.concept_name, "Inpatient Visit") == 0,
            "shared: concept ids asked for (gender, visit) are kept");
    }
    vt_vocab_free(a);
    vt_vocab_free(b);
  }

  /* The tab-separated concepts with GiBleed's ancestors: ingredients. */
  dir = subdir("shared_anc");
  snprintf(path, sizeof path, "%s/CONCEPT.csv", vocab);
  link_to(dir, "CONCEPT.csv", path);
  snprintf(path, sizeof path, "%s/concept_ancestor_GiBleed_5.3.csv", vocab);
  link_to(dir, "CONCEPT_ANCESTOR.csv", path);
  {
    vt_code a = { "RxNorm", "311995", NULL }, b = { "RxNorm", "749785", NULL };
    const vt_code *w[2] = { &a, &b };
    char err[1024];
    vt_vocab *v = vt_vocab_load(dir, w, 2, NULL, 0, err, sizeof err);
    const vt_concept *c1 = v ? vt_vocab_find(v, "RxNorm", "311995") : NULL;
    const vt_concept *c2 = v ? vt_vocab_find(v, "RxNorm", "749785") : NULL;
    CHECK(c1 && c1->concept_id == 920334 && vt_vocab_ingredient(v, 920334) == 920293,
          "shared: nitrofurantoin 50 MG capsule -> ingredient nitrofurantoin (%s)", v ? "ok" : err);
    CHECK(c2 && vt_vocab_ingredient(v, c2->concept_id) == 1515774, "shared: ethinyl estradiol / norgestimate pack -> norgestimate");
    vt_vocab_free(v);
  }

  /* Eunomia's GiBleed vocabulary as exported: upper-case headers, commas,
  ** relationships, ancestors, VOCABULARY. */
  snprintf(path, sizeof path, "%s/eunomia/GiBleed_5.3_partial_csv", shared_vocab());
  if (stat(path, &st) == 0) {
    vt_code a = { "ICD10CM", "K92.2", NULL }, b = { "RxNorm", "855332", NULL };
    const vt_code *w[2] = { &a, &b };
    char err[1024];
    vt_vocab *v = vt_vocab_load(path, w, 2, NULL, 0, err, sizeof err);
    CHECK(v != NULL, "GiBleed vocabulary loads (%s)", v ? "ok" : err);
    const vt_concept *c = v ? vt_vocab_find(v, "ICD10CM", "K92.2") : NULL;
    CHECK(c && c->concept_id == 192671 && c->source_concept_id == 35208414, "GiBleed: ICD10CM K92.2 maps to SNOMED 192671");
    c = v ? vt_vocab_find(v, "RxNorm", "855332") : NULL;
    CHECK(c && c->concept_id == 40163554 && vt_vocab_ingredient(v, 40163554) == 1310149, "GiBleed: warfarin 5 MG -> ingredient warfarin");
    CHECK(v && contains(vt_vocab_version(v), "v5.0 18-JAN-19"), "GiBleed: vocabulary version");
    vt_vocab_free(v);
  } else {
    printf("skip - GiBleed vocabulary not found (%s)\n", path);
  }

  /* Synthea27Nj: comma-separated with "" for empty fields, 266,000
  ** relationships. */
  snprintf(path, sizeof path, "%s/eunomia/Synthea27Nj_5.4", shared_vocab());
  if (stat(path, &st) == 0) {
    vt_code a = { "SNOMED-CT", "275272006", NULL }, b = { "SNOMED-CT", "15777000", NULL }, c0 = { "SNOMED-CT", "44054006", NULL };
    const vt_code *w[3] = { &a, &b, &c0 };
    char err[1024];
    vt_vocab *v = vt_vocab_load(path, w, 3, NULL, 0, err, sizeof err);
    CHECK(v != NULL, "Synthea27Nj vocabulary loads (%s)", v ? "ok" : err);
    const vt_concept *c = v ? vt_vocab_find(v, "SNOMED-CT", "275272006") : NULL;
    CHECK(c && c->concept_id == 4132546 && c->source_concept_id == 4166590 && contains(c->name, "Traumatic brain injury"),
          "Synthea27Nj: upgraded SNOMED code -> its Maps to target");
    c = v ? vt_vocab_find(v, "SNOMED-CT", "15777000") : NULL;
    CHECK(c && c->concept_id == 0 && c->source_concept_id == 40316773, "Synthea27Nj: target not in the shard -> 0 with the source");
    c = v ? vt_vocab_find(v, "SNOMED-CT", "44054006") : NULL;
    CHECK(c && c->concept_id == 201826, "Synthea27Nj: T2DM");
    CHECK(v && contains(vt_vocab_version(v), "v5.0 09-APR-22"), "Synthea27Nj: vocabulary version");
    vt_vocab_free(v);
  } else {
    printf("skip - Synthea27Nj vocabulary not found (%s)\n", path);
  }
}

/* ---- main ------------------------------------------------------------ */

/* Remove folder p and what is in it (files, links and folders one level
** down). */
static void remove_tree(const char *p, int depth) {
  DIR *d = opendir(p);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      char q[4400];
      struct stat st;
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      snprintf(q, sizeof q, "%s/%s", p, e->d_name);
      if (lstat(q, &st) == 0 && S_ISDIR(st.st_mode) && depth < 2) remove_tree(q, depth + 1);
      else remove(q);
    }
    closedir(d);
  }
  rmdir(p);
}

int main(void) {
  const char *root = getenv("TMPROOT");
  snprintf(tmpdir, sizeof tmpdir, "%s/vocabXXXXXX", root && *root ? root : "/tmp");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 2;
  }
  test_systems();
  test_fixture();
  test_errors();
  test_rows();
  test_big();
  test_mutations();
  test_shared();
  remove_tree(tmpdir, 0);
  return test_done();
}
