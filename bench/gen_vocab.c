/*
** gen_vocab.c -- write a large synthetic OHDSI vocabulary for benchmarking
** learn/vocab.c.
**
**   gen_vocab DIR [N] [--relationships]
**
** Writes into DIR (which must exist):
**   CONCEPT.csv               N concepts (default 5,000,000) in Athena's
**                             layout: tab-separated, header, dates YYYYMMDD;
**   VOCABULARY.csv            the "None" row that carries the version;
**   wanted.tsv                2,000 "system<TAB>code" lines as vitae would
**                             ask for them: 1,900 codes of the file (SNOMED,
**                             LOINC, RxNorm, CVX, spread over the whole file)
**                             and 100 that are not in it;
**   CONCEPT_RELATIONSHIP.csv  with --relationships: for every concept a
**                             "Maps to" row and its "Mapped from" reverse
**                             (to itself for a standard concept, as Athena
**                             has them; else to a standard concept of the
**                             same vocabulary).
**
** The mix of vocabularies is modelled on a default Athena download with
** RxNorm Extension and NDC (RxNorm Extension, NDC and SNOMED are the big
** ones, then LOINC, RxNorm, ICD10PCS, ICD10CM, ...); the shares below are a
** rough picture of such a download, not measured figures.  Names are made
** of clinical-sounding words, 10 to 200 characters long (Athena's
** concept_name is at most 255), so a line is about 110 bytes on average.
** The output depends only on N: the generator is seeded with a constant.
*/
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WANTED_FOUND   1900
#define WANTED_MISSING 100

typedef struct vocab {
  const char *id;            /* vocabulary_id */
  const char *system;        /* vitae's system for wanted.tsv, or NULL */
  double share;              /* fraction of the concepts */
  double standard;           /* fraction that is standard ("S") */
  const char *const *domains;
  const char *const *classes;
  int code_kind;
  int target;                /* vocabulary whose standard concepts the
                                non-standard ones map to, -1: none */
  uint64_t count;            /* concepts written so far */
  int64_t last_standard;     /* id of the last standard concept written */
} vocab;

enum { K_SNOMED, K_LOINC, K_RXNORM, K_RXE, K_NDC, K_ICD10CM, K_ICD10PCS, K_ICD9CM, K_HCPCS, K_CVX, K_UCUM, K_ATC };

static const char *const d_snomed[] = { "Condition", "Procedure", "Observation", "Measurement", "Spec Anatomic Site", "Condition", NULL };
static const char *const c_snomed[] = { "Clinical Finding", "Procedure", "Observable Entity", "Body Structure", "Substance", "Disorder", NULL };
static const char *const d_loinc[] = { "Measurement", "Measurement", "Observation", NULL };
static const char *const c_loinc[] = { "Lab Test", "Clinical Observation", "Survey", NULL };
static const char *const d_drug[] = { "Drug", NULL };
static const char *const c_rxnorm[] = { "Clinical Drug", "Branded Drug", "Ingredient", "Clinical Drug Comp", "Quant Clinical Drug", NULL };
static const char *const c_rxe[] = { "Clinical Drug Box", "Quant Branded Box", "Branded Drug Box", "Marketed Product", NULL };
static const char *const c_ndc[] = { "11-digit NDC", "9-digit NDC", NULL };
static const char *const d_cond[] = { "Condition", NULL };
static const char *const c_icd10cm[] = { "5-char billing code", "4-char billing code", "3-char nonbill code", NULL };
static const char *const d_proc[] = { "Procedure", NULL };
static const char *const c_icd10pcs[] = { "ICD10PCS", NULL };
static const char *const c_icd9cm[] = { "4-dig billing code", "5-dig billing code", NULL };
static const char *const d_hcpcs[] = { "Procedure", "Device", "Drug", "Observation", NULL };
static const char *const c_hcpcs[] = { "HCPCS", NULL };
static const char *const c_cvx[] = { "CVX", NULL };
static const char *const d_unit[] = { "Unit", NULL };
static const char *const c_unit[] = { "Unit", NULL };
static const char *const c_atc[] = { "ATC 5th", "ATC 4th", "ATC 3rd", NULL };

/* Shares add up to 1; CVX and UCUM are fixed counts (see main). */
static vocab vocabs[] = {
  [K_SNOMED]   = { "SNOMED", "SNOMED-CT", 0.190, 0.70, d_snomed, c_snomed, K_SNOMED, K_SNOMED, 0, 0 },
  [K_LOINC]    = { "LOINC", "LOINC", 0.070, 0.85, d_loinc, c_loinc, K_LOINC, K_LOINC, 0, 0 },
  [K_RXNORM]   = { "RxNorm", "RxNorm", 0.060, 0.80, d_drug, c_rxnorm, K_RXNORM, K_RXNORM, 0, 0 },
  [K_RXE]      = { "RxNorm Extension", NULL, 0.360, 0.75, d_drug, c_rxe, K_RXE, K_RXE, 0, 0 },
  [K_NDC]      = { "NDC", NULL, 0.200, 0.0, d_drug, c_ndc, K_NDC, K_RXNORM, 0, 0 },
  [K_ICD10CM]  = { "ICD10CM", NULL, 0.020, 0.0, d_cond, c_icd10cm, K_ICD10CM, K_SNOMED, 0, 0 },
  [K_ICD10PCS] = { "ICD10PCS", NULL, 0.040, 0.90, d_proc, c_icd10pcs, K_ICD10PCS, K_ICD10PCS, 0, 0 },
  [K_ICD9CM]   = { "ICD9CM", NULL, 0.005, 0.0, d_cond, c_icd9cm, K_ICD9CM, K_SNOMED, 0, 0 },
  [K_HCPCS]    = { "HCPCS", NULL, 0.010, 0.60, d_hcpcs, c_hcpcs, K_HCPCS, K_HCPCS, 0, 0 },
  [K_CVX]      = { "CVX", "CVX", 0.0, 1.0, d_drug, c_cvx, K_CVX, K_CVX, 0, 0 },
  [K_UCUM]     = { "UCUM", NULL, 0.0, 1.0, d_unit, c_unit, K_UCUM, -1, 0, 0 },
  [K_ATC]      = { "ATC", NULL, 0.045, 0.0, d_drug, c_atc, K_ATC, -1, 0, 0 },
};
#define NVOCAB (sizeof vocabs / sizeof vocabs[0])
#define N_CVX  280
#define N_UCUM 1100

static const char *const words[] = {
  "acute", "chronic", "disorder", "of", "left", "right", "upper", "lower", "lobe", "pneumonia",
  "fracture", "tablet", "oral", "MG", "injection", "solution", "measurement", "serum", "plasma",
  "blood", "urine", "concentration", "mass", "volume", "by", "automated", "count", "hemoglobin",
  "syndrome", "primary", "secondary", "malignant", "neoplasm", "benign", "structure", "procedure",
  "with", "without", "complication", "mellitus", "type", "diabetes", "hypertension", "renal",
  "cardiac", "artery", "vein", "insufficiency", "Extended Release", "Box of 30", "[Brand]",
  "Ethinyl Estradiol", "Amoxicillin", "Acetaminophen", "0.5 ML", "Prefilled Syringe", "Suspension",
  "examination", "screening", "assessment", "history", "finding", "status", "post", "removal",
};
#define NWORDS (sizeof words / sizeof words[0])

static const char *const units[] = {
  "mg", "mg/dL", "mm[Hg]", "kg", "cm", "g/dL", "mmol/L", "%", "/min", "kg/m2", "[degF]", "Cel",
  "mL", "L", "10*3/uL", "10*6/uL", "fL", "pg", "U/L", "ng/mL", "ug/L", "mL/min/{1.73_m2}", "{score}",
  "/[HPF]", "[lb_av]", "[in_i]", "g", "meq/L", "umol/L", "mosm/kg", "[IU]/L", "s", "h", "d", "a",
};
#define NUNITS (sizeof units / sizeof units[0])

/* splitmix64: a small, good generator for synthetic data. */
static uint64_t rng_state = 0x5eed5eed5eedULL;
static uint64_t rnd(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static double unif(void) { return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0); }
static uint64_t below(uint64_t n) { return rnd() % n; }

/* The concept_code of the c-th concept of vocabulary k (unique within k). */
static void make_code(char *out, size_t n, int k, uint64_t c) {
  switch (k) {
  case K_SNOMED:   snprintf(out, n, "%" PRIu64 "%03" PRIu64, 100000 + c * 7, (c * 37) % 1000); break;
  case K_LOINC:    snprintf(out, n, "%" PRIu64 "-%" PRIu64, 1000 + c, c % 10); break;
  case K_RXNORM:   snprintf(out, n, "%" PRIu64, 1000 + c * 3); break;
  case K_RXE:      snprintf(out, n, "OMOP%" PRIu64, 100000 + c); break;
  case K_NDC:      snprintf(out, n, "%011" PRIu64, UINT64_C(10000000000) + c * 13); break;
  case K_ICD10CM:  snprintf(out, n, "%c%02" PRIu64 ".%" PRIu64, 'A' + (int)(c % 26), (c / 26) % 100, c / 2600); break;
  case K_ICD10PCS: snprintf(out, n, "0%06" PRIX64, c); break;
  case K_ICD9CM:   snprintf(out, n, "%03" PRIu64 ".%" PRIu64, c % 1000, c / 1000); break;
  case K_HCPCS:    snprintf(out, n, "%c%04" PRIu64, 'A' + (int)(c / 10000 % 26), c % 10000); break;
  case K_CVX:      snprintf(out, n, "%" PRIu64, c + 1); break;
  case K_UCUM:
    if (c < NUNITS) snprintf(out, n, "%s", units[c]);
    else snprintf(out, n, "{u%" PRIu64 "}/%s", c, units[c % NUNITS]);
    break;
  default:         snprintf(out, n, "A%02" PRIu64 "BC%02" PRIu64, c % 100, c / 100); break;
  }
}

/* A concept name of 10 to 200 characters, mostly 30 to 80. */
static void make_name(char *out, size_t n) {
  size_t target = 10 + (size_t)(unif() * unif() * 190), len = 0;
  out[0] = '\0';
  while (len < target) {
    const char *w = words[below(NWORDS)];
    int k = snprintf(out + len, n - len, "%s%s", len ? " " : "", w);
    if (k < 0 || (size_t)k >= n - len) break;
    len += (size_t)k;
  }
}

static void die(const char *what, const char *path) {
  fprintf(stderr, "gen_vocab: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

static FILE *create(const char *dir, const char *name, char *path, size_t n) {
  snprintf(path, n, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) die("cannot create", path);
  static char bufs[2][1 << 20];
  static int next;
  setvbuf(f, bufs[next++ % 2], _IOFBF, sizeof bufs[0]);
  return f;
}

static void finish(FILE *f, const char *path) {
  if (ferror(f) || fclose(f) != 0) die("cannot write", path);
}

typedef struct pick { char system[16]; char code[64]; } pick;

int main(int argc, char **argv) {
  const char *dir = NULL;
  uint64_t n = 5000000;
  int rels = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--relationships") == 0) rels = 1;
    else if (!dir) dir = argv[i];
    else {
      char *end;
      errno = 0;
      n = strtoull(argv[i], &end, 10);
      if (errno || *end || n < 2000) {
        fprintf(stderr, "gen_vocab: N must be a number of at least 2000, not '%s'\n", argv[i]);
        return 2;
      }
    }
  }
  if (!dir) {
    fprintf(stderr, "usage: gen_vocab DIR [N] [--relationships]\n");
    return 2;
  }

  char cpath[4200], rpath[4200], vpath[4200], wpath[4200];
  FILE *fc = create(dir, "CONCEPT.csv", cpath, sizeof cpath);
  FILE *fr = rels ? create(dir, "CONCEPT_RELATIONSHIP.csv", rpath, sizeof rpath) : NULL;
  fputs("concept_id\tconcept_name\tdomain_id\tvocabulary_id\tconcept_class_id\tstandard_concept\t"
        "concept_code\tvalid_start_date\tvalid_end_date\tinvalid_reason\n", fc);
  if (fr)
    fputs("concept_id_1\tconcept_id_2\trelationship_id\tvalid_start_date\tvalid_end_date\tinvalid_reason\n", fr);

  /* Cumulative shares of the big vocabularies; CVX and UCUM are spread
  ** evenly through the file. */
  double cum[NVOCAB], total = 0;
  for (size_t k = 0; k < NVOCAB; k++) { total += vocabs[k].share; cum[k] = total; }
  uint64_t every_cvx = n / N_CVX, every_ucum = n / N_UCUM;

  /* Reservoir sample of the wanted codes among SNOMED, LOINC, RxNorm, CVX. */
  static pick picks[WANTED_FOUND];
  uint64_t eligible = 0;
  char name[512], code[64];
  int64_t id = 1000000;

  for (uint64_t i = 0; i < n; i++) {
    size_t k;
    if (i % every_cvx == every_cvx / 2 && vocabs[K_CVX].count < N_CVX) k = K_CVX;
    else if (i % every_ucum == every_ucum / 3 && vocabs[K_UCUM].count < N_UCUM) k = K_UCUM;
    else {
      double u = unif() * total;
      for (k = 0; k < NVOCAB - 1 && u >= cum[k]; k++) {}
      while (vocabs[k].share == 0) k = K_SNOMED;
    }
    vocab *v = &vocabs[k];
    id += 1 + (int64_t)below(4);
    make_code(code, sizeof code, v->code_kind, v->count++);
    make_name(name, sizeof name);
    int ndom = 0, ncls = 0;
    while (v->domains[ndom]) ndom++;
    while (v->classes[ncls]) ncls++;
    double u = unif();
    const char *standard = u < v->standard ? "S" : u < v->standard + 0.03 && k == K_SNOMED ? "C" : "";
    double w = unif();
    const char *invalid = *standard ? (w < 0.01 ? "D" : "") : (w < 0.05 ? "U" : w < 0.08 ? "D" : "");
    if (*invalid) standard = "";
    unsigned y = 1970 + (unsigned)below(50), m = 1 + (unsigned)below(12), d = 1 + (unsigned)below(28);
    fprintf(fc, "%" PRId64 "\t%s\t%s\t%s\t%s\t%s\t%s\t%04u%02u%02u\t%s\t%s\n", id, name,
            v->domains[below((uint64_t)ndom)], v->id, v->classes[below((uint64_t)ncls)], standard, code,
            y, m, d, *invalid ? "20200131" : "20991231", invalid);
    if (fr) {
      int64_t to = *standard == 'S' ? id : v->target >= 0 ? vocabs[v->target].last_standard : 0;
      if (to) {
        fprintf(fr, "%" PRId64 "\t%" PRId64 "\tMaps to\t19700101\t20991231\t\n", id, to);
        fprintf(fr, "%" PRId64 "\t%" PRId64 "\tMapped from\t19700101\t20991231\t\n", to, id);
      }
    }
    if (*standard == 'S') v->last_standard = id;
    if (v->system) {
      uint64_t slot = eligible < WANTED_FOUND ? eligible : below(eligible + 1);
      if (slot < WANTED_FOUND) {
        snprintf(picks[slot].system, sizeof picks[slot].system, "%s", v->system);
        snprintf(picks[slot].code, sizeof picks[slot].code, "%s", code);
      }
      eligible++;
    }
  }
  finish(fc, cpath);
  if (fr) finish(fr, rpath);

  FILE *fv = create(dir, "VOCABULARY.csv", vpath, sizeof vpath);
  fputs("vocabulary_id\tvocabulary_name\tvocabulary_reference\tvocabulary_version\tvocabulary_concept_id\n"
        "None\tOMOP Standardized Vocabularies\tOMOP generated\tv5.0 synthetic (gen_vocab)\t44819096\n", fv);
  finish(fv, vpath);

  FILE *fw = create(dir, "wanted.tsv", wpath, sizeof wpath);
  uint64_t found = eligible < WANTED_FOUND ? eligible : WANTED_FOUND;
  for (uint64_t i = 0; i < found; i++) fprintf(fw, "%s\t%s\n", picks[i].system, picks[i].code);
  for (int i = 0; i < WANTED_MISSING; i++) fprintf(fw, "%s\t%d\n", i % 2 ? "LOINC" : "SNOMED-CT", 999000000 + i);
  finish(fw, wpath);
  fprintf(stderr, "gen_vocab: %" PRIu64 " concepts in %s, %" PRIu64 " wanted codes in %s\n", n, cpath,
          found + WANTED_MISSING, wpath);
  return 0;
}
