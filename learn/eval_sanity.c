/*
** eval_sanity.c -- the clinical sanity area of `vitae eval` (learn/eval.h):
** a public list of rules for records that cannot be real, counted on every
** side (synthetic, real, holdout) from the raw events the reader yields
** (vt_eval_sanity_hook is called by vt_ecohort_load with every person).
**
** The rules (ids stable, listed in docs/eval.md with the same words):
**
**   female_code_male     a female-only code on a male
**   male_code_female     a male-only code on a female
**   event_before_birth   an event starting before the birth day
**   event_after_death    an event starting after the day of death
**   pregnancy_age        a pregnancy code before age 10 or after age 60
**   dementia_age         a dementia / Alzheimer's code before age 30
**   prostate_cancer_age  a prostate cancer code before age 20
**   menopause_age        a (natural) menopause code before age 30
**   inpatient_overlap    an inpatient stay starting before an earlier one ended
**   death_before_birth   a death dated before the birth (per person)
**   observation_after_death an observation period ending > 30 days after death (per person)
**
** Codes are matched by (vocabulary, code) as the reader gives them (system
** "SNOMED", "LOINC"), by OMOP concept id where an event carries one (the
** standard concept or the source concept), and by code text alone when the
** event has no vocabulary (an OMOP extract written without one).  The code
** lists and their sources are in the table `codes` below.
*/
#include "learn/eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/strbuf.h"

/* ---- the rules ------------------------------------------------------------ */

enum {
  R_FEMALE_ON_MALE,
  R_MALE_ON_FEMALE,
  R_BEFORE_BIRTH,
  R_AFTER_DEATH,
  R_PREGNANCY_AGE,
  R_DEMENTIA_AGE,
  R_PROSTATE_AGE,
  R_MENOPAUSE_AGE,
  R_INPATIENT_OVERLAP,
  R_DEATH_BEFORE_BIRTH,
  R_OBS_AFTER_DEATH,
  NRULES
};

typedef struct rule {
  const char *id, *title, *rationale;
  int per_person;                /* counts persons, not events */
} rule;

static const rule rules[NRULES] = {
  { "female_code_male", "Female-only code on a male",
    "Pregnancy and its outcomes (delivery, miscarriage, termination), antenatal care and cervical cytology need a "
    "uterus or cervix; recorded on a person whose sex is male they are a generator or coding error (in real data "
    "also a recorded-sex mismatch, e.g. a transgender person; compare with the real side).", 0 },
  { "male_code_female", "Male-only code on a female",
    "Prostate neoplasms, prostate biopsy and prostatectomy, PSA tests and vasectomy need a prostate or vas "
    "deferens; recorded on a person whose sex is female they are an error (or, in real data, a recorded-sex "
    "mismatch).", 0 },
  { "event_before_birth", "Event before birth",
    "An event whose start day is before the person's birth day (prenatal procedures are recorded on the mother).",
    0 },
  { "event_after_death", "Event after the day of death",
    "An event whose start day is after the person's day of death (the day of death itself is allowed).", 0 },
  { "pregnancy_age", "Pregnancy before age 10 or after age 60",
    "Pregnancy, delivery or miscarriage codes at an age outside 10-60 years; the youngest and oldest recorded "
    "mothers are near these bounds, so the limits are conservative.", 0 },
  { "dementia_age", "Dementia or Alzheimer's disease before age 30",
    "Even familial early-onset Alzheimer's disease starts in the 30s at the earliest; dementia codes before 30 "
    "are not credible.", 0 },
  { "prostate_cancer_age", "Prostate cancer before age 20",
    "Prostate carcinoma is essentially unknown before 20 (a handful of case reports of sarcomas in children); "
    "the limit is conservative.", 0 },
  { "menopause_age", "Menopause before age 30",
    "Natural menopause before 30 is not credible; premature ovarian insufficiency has its own codes, which are "
    "not in the list.", 0 },
  { "inpatient_overlap", "Overlapping inpatient stays",
    "An inpatient visit that starts before an earlier inpatient visit of the same person has ended: a person is "
    "in one hospital bed at a time (a same-day discharge and readmission is not an overlap; transfers to an "
    "intensive care unit inside a stay are not inpatient admission codes here).", 0 },
  { "death_before_birth", "Death before birth",
    "A person whose death day is before the birth day (counted once per person).", 1 },
  { "observation_after_death", "Observation period ending after death",
    "A person whose observation period ends more than 30 days after the day of death: nobody is observed after "
    "death (30 days allow for late administrative records; counted once per person).", 1 },
};

/* ---- the code lists -------------------------------------------------------- */

/* Sets a code belongs to. */
enum {
  S_FEMALE = 1 << 0,
  S_MALE = 1 << 1,
  S_PREGNANCY = 1 << 2,
  S_DEMENTIA = 1 << 3,
  S_PROSTATE_CA = 1 << 4,
  S_MENOPAUSE = 1 << 5,
  S_INPATIENT = 1 << 6,
};

/* One listed code: OMOP vocabulary, code, OMOP concept id (0 where the
** concept is not in the shared vocabulary subset and is not matched by id),
** its sets.  Sources: [S] Synthea's modules (synthea/modules, grep of the
** code), [V] /work/shared/data/vocab CONCEPT.csv (Eunomia's vocabulary
** subset: the concept ids), [W] vitae's modules (modules/wellness.lua,
** appendicitis.lua, ...), [C] the SNOMED CT International release (codes
** not in the shared subsets).  See docs/eval.md, "Clinical sanity". */
typedef struct lcode {
  const char *system, *code;
  int64_t concept;
  unsigned sets;
} lcode;

#define PREG (S_FEMALE | S_PREGNANCY)
static const lcode codes[] = {
  /* pregnancy and its outcomes: Synthea pregnancy.json [S], concepts [V] */
  { "SNOMED", "72892002", 4217975, PREG },    /* Normal pregnancy */
  { "SNOMED", "77386006", 0, PREG },          /* Pregnant [S] (concept not in [V]) */
  { "SNOMED", "47200007", 4188598, PREG },    /* High risk pregnancy */
  { "SNOMED", "79586000", 199076, PREG },     /* Tubal pregnancy */
  { "SNOMED", "198992004", 137613, PREG },    /* Eclampsia in pregnancy */
  { "SNOMED", "609496007", 43530950, PREG },  /* Complication occurring during pregnancy */
  { "SNOMED", "19169002", 4078393, PREG },    /* Miscarriage in first trimester */
  { "SNOMED", "85116003", 4224646, PREG },    /* Miscarriage in second trimester */
  { "SNOMED", "156073000", 40318618, PREG },  /* Complete miscarriage */
  { "SNOMED", "714812005", 37018340, PREG },  /* Induced termination of pregnancy */
  { "SNOMED", "11466000", 4015701, PREG },    /* Cesarean section */
  { "SNOMED", "177157003", 4073422, PREG },   /* Spontaneous breech delivery */
  { "SNOMED", "236974004", 4128031, PREG },   /* Instrumental delivery */
  { "SNOMED", "31208007", 4150970, PREG },    /* Medical induction of labor */
  { "SNOMED", "237001001", 4127260, PREG },   /* Augmentation of labor */
  { "SNOMED", "445912000", 40493226, PREG },  /* Excision of fallopian tube and removal of ectopic pregnancy */
  { "SNOMED", "424441002", 4311447, PREG },   /* Prenatal initial visit */
  { "SNOMED", "424619006", 4313474, PREG },   /* Prenatal visit */
  { "SNOMED", "134435003", 4047564, PREG },   /* Routine antenatal care */
  { "SNOMED", "183460006", 4080059, PREG | S_INPATIENT }, /* Obstetric emergency hospital admission */
  /* cervical screening: vitae wellness.lua [W], concept [V] */
  { "SNOMED", "90226004", 4234541, S_FEMALE }, /* Cytopathology procedure, preparation of smear, genital source */
  /* male-only: Synthea veteran_prostate_cancer.json, male_sterilization.json [S], concepts [V] */
  { "SNOMED", "126906006", 4129902, S_MALE | S_PROSTATE_CA }, /* Neoplasm of prostate */
  { "SNOMED", "92691004", 200970, S_MALE | S_PROSTATE_CA },   /* Carcinoma in situ of prostate */
  { "SNOMED", "399068003", 4163261, S_MALE | S_PROSTATE_CA }, /* Malignant tumor of prostate [C] */
  { "SNOMED", "314994000", 4196262, S_MALE | S_PROSTATE_CA }, /* Metastasis from malignant tumor of prostate */
  { "SNOMED", "94503003", 0, S_MALE },                        /* Metastatic malignant neoplasm to prostate [S] */
  { "SNOMED", "65575008", 4278515, S_MALE },                  /* Biopsy of prostate */
  { "SNOMED", "90470006", 4235738, S_MALE },                  /* Prostatectomy */
  { "SNOMED", "22523008", 4330583, S_MALE },                  /* Vasectomy */
  { "LOINC", "2857-1", 3013603, S_MALE },                     /* Prostate specific Ag [Mass/volume] in Serum or Plasma */
  /* dementia: Synthea dementia.json [S], concepts [V] */
  { "SNOMED", "26929004", 378419, S_DEMENTIA },    /* Alzheimer's disease */
  { "SNOMED", "230265002", 4043241, S_DEMENTIA },  /* Familial Alzheimer's disease of early onset */
  { "SNOMED", "52448006", 0, S_DEMENTIA },         /* Dementia [C] */
  { "SNOMED", "386257007", 4296253, S_DEMENTIA },  /* Dementia management */
  /* menopause [C]: not in Synthea's modules nor the shared vocabulary */
  { "SNOMED", "161712005", 0, S_FEMALE | S_MENOPAUSE }, /* Menopause present */
  { "SNOMED", "76498008", 0, S_FEMALE | S_MENOPAUSE },  /* Postmenopausal state */
  /* inpatient encounter codes: Synthea's Encounter states of class inpatient [S] and vitae's [W]; concepts [V] */
  { "SNOMED", "32485007", 8715, S_INPATIENT },     /* Hospital admission */
  { "SNOMED", "183452005", 4079617, S_INPATIENT }, /* Emergency hospital admission */
  { "SNOMED", "305408004", 4123946, S_INPATIENT }, /* Admission to surgical department */
  { "SNOMED", "305342007", 0, S_INPATIENT },       /* Admission to ward */
  { "SNOMED", "183495009", 4084675, S_INPATIENT }, /* Non-urgent orthopedic admission */
  { "SNOMED", "305432006", 0, S_INPATIENT },       /* Admission to surgical transplant department */
  { "SNOMED", "305411003", 4138948, S_INPATIENT }, /* Admission to thoracic surgery department */
  { "SNOMED", "308251003", 0, S_INPATIENT },       /* Admission to clinical oncology department */
  { "SNOMED", "1505002", 4034691, S_INPATIENT },   /* Hospital admission for isolation */
  { "SNOMED", "76464004", 4295146, S_INPATIENT },  /* Hospital admission, for observation */
  { "SNOMED", "308540004", 4205408, S_INPATIENT }, /* Inpatient stay */
  { "SNOMED", "183801001", 4081277, S_INPATIENT }, /* Inpatient stay 3 days */
  /* OMOP visit concepts [V]: 9201 Inpatient Visit, 262 Emergency Room and Inpatient Visit */
  { "Visit", "IP", 9201, S_INPATIENT },
  { "Visit", "ERIP", 262, S_INPATIENT },
};
#define NCODES (sizeof codes / sizeof codes[0])

/* The sets of an event's code (0: none listed). */
static unsigned sets_of_code(const char *system, const char *code, int64_t concept) {
  unsigned s = 0;
  int novocab = !system || !*system || strcmp(system, "None") == 0;
  for (size_t i = 0; i < NCODES; i++) {
    const lcode *c = &codes[i];
    if (concept && c->concept == concept) { s |= c->sets; continue; }
    if (code && strcmp(c->code, code) == 0 && (novocab || strcmp(c->system, system) == 0)) s |= c->sets;
  }
  return s;
}

static unsigned event_sets(const vt_event *e) {
  unsigned s = sets_of_code(e->system, e->code, e->concept_id);
  if (e->source_code || e->source_concept_id) s |= sets_of_code(e->source_system, e->source_code, e->source_concept_id);
  /* inpatient counts only as a visit */
  if (e->domain != VT_DOMAIN_VISIT) s &= ~(unsigned)S_INPATIENT;
  return s;
}

/* ---- a side's counts --------------------------------------------------- */

#define NEX 3

typedef struct example {
  char *person;
  char code[96];
  char date[11];
  char where[160];
} example;

typedef struct rcount {
  int64_t events, persons;
  int nex;
  example ex[NEX];
} rcount;

struct vt_eval_sanity_side {
  char name[16];
  int64_t persons;
  rcount r[NRULES];
};

vt_eval_sanity_side *vt_eval_sanity_side_new(const char *side_name) {
  vt_eval_sanity_side *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  snprintf(s->name, sizeof s->name, "%s", side_name ? side_name : "");
  return s;
}

void vt_eval_sanity_side_free(vt_eval_sanity_side *s) {
  if (!s) return;
  for (int k = 0; k < NRULES; k++)
    for (int i = 0; i < s->r[k].nex; i++) free(s->r[k].ex[i].person);
  free(s);
}

/* Count one violation of rule k by person p (e: the event, or NULL for a
** person-level rule, then day is the date shown). */
static void hit(vt_eval_sanity_side *s, int *seen, int k, const vt_person *p, const vt_event *e, vt_day day) {
  rcount *rc = &s->r[k];
  rc->events++;
  if (!seen[k]) { seen[k] = 1; rc->persons++; }
  if (rc->nex >= NEX) return;
  example *x = &rc->ex[rc->nex++];
  x->person = vt_xstrdup(p->id ? p->id : "");
  if (e) {
    snprintf(x->code, sizeof x->code, "%s:%s", e->system && *e->system ? e->system : "?", e->code ? e->code : "");
    vt_day_format(e->start, x->date);
    snprintf(x->where, sizeof x->where, "%s row %lld", e->table ? e->table : "?", (long long)e->row);
  } else {
    x->code[0] = 0;
    vt_day_format(day, x->date);
    snprintf(x->where, sizeof x->where, "%s row %lld", p->table ? p->table : "?", (long long)p->row);
  }
}

void vt_eval_sanity_hook(void *side, const vt_person *p) {
  vt_eval_sanity_side *s = side;
  if (!s || !p) return;
  int seen[NRULES] = { 0 };
  s->persons++;
  vt_day ip_end = VT_NO_DAY;     /* the latest end of the inpatient stays so far */
  for (size_t i = 0; i < p->nevents; i++) {
    const vt_event *e = &p->events[i];
    if (e->start == VT_NO_DAY) continue;
    if (p->birth != VT_NO_DAY && e->start < p->birth) hit(s, seen, R_BEFORE_BIRTH, p, e, 0);
    if (p->death != VT_NO_DAY && e->start > p->death) hit(s, seen, R_AFTER_DEATH, p, e, 0);
    unsigned st = event_sets(e);
    if (!st) continue;
    if ((st & S_FEMALE) && p->sex == 'M') hit(s, seen, R_FEMALE_ON_MALE, p, e, 0);
    if ((st & S_MALE) && p->sex == 'F') hit(s, seen, R_MALE_ON_FEMALE, p, e, 0);
    int age = vt_eval_age_years(p->birth, e->start);
    if (age >= 0) {
      if ((st & S_PREGNANCY) && (age < 10 || age > 60)) hit(s, seen, R_PREGNANCY_AGE, p, e, 0);
      if ((st & S_DEMENTIA) && age < 30) hit(s, seen, R_DEMENTIA_AGE, p, e, 0);
      if ((st & S_PROSTATE_CA) && age < 20) hit(s, seen, R_PROSTATE_AGE, p, e, 0);
      if ((st & S_MENOPAUSE) && age < 30) hit(s, seen, R_MENOPAUSE_AGE, p, e, 0);
    }
    if (st & S_INPATIENT) {
      vt_day end = e->end != VT_NO_DAY && e->end > e->start ? e->end : e->start;
      if (ip_end != VT_NO_DAY && e->start < ip_end) hit(s, seen, R_INPATIENT_OVERLAP, p, e, 0);
      if (ip_end == VT_NO_DAY || end > ip_end) ip_end = end;
    }
  }
  if (p->birth != VT_NO_DAY && p->death != VT_NO_DAY && p->death < p->birth)
    hit(s, seen, R_DEATH_BEFORE_BIRTH, p, NULL, p->death);
  if (p->death != VT_NO_DAY) {
    for (size_t i = 0; i < p->nperiods; i++)
      if (p->periods[i].end != VT_NO_DAY && (int64_t)p->periods[i].end > (int64_t)p->death + 30) {
        hit(s, seen, R_OBS_AFTER_DEATH, p, NULL, p->periods[i].end);
        break;
      }
  }
}

/* ---- the area --------------------------------------------------------- */

struct vt_eval_sanity {
  vt_eval_sanity_side *side[3];  /* synth, real, holdout (NULL: not given) */
};

static const char *const side_keys[3] = { "synth", "real", "holdout" };

int vt_eval_sanity_run(const vt_eval_ctx *cx, vt_eval_sanity_side *synth, vt_eval_sanity_side *real,
                       vt_eval_sanity_side *holdout, vt_eval_sanity **out, char *err, size_t errlen) {
  *out = NULL;
  if (!synth) {
    vt_eval_sanity_side_free(real);
    vt_eval_sanity_side_free(holdout);
    snprintf(err, errlen, "sanity: no synthetic side");
    return -1;
  }
  vt_eval_sanity *r = calloc(1, sizeof *r);
  if (!r) {
    vt_eval_sanity_side_free(synth);
    vt_eval_sanity_side_free(real);
    vt_eval_sanity_side_free(holdout);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  r->side[0] = synth;
  r->side[1] = real;
  r->side[2] = holdout;
  int64_t total = 0;
  for (int k = 0; k < NRULES; k++) total += synth->r[k].events;
  vt_eval_progress(cx, "sanity: %d rules, %lld impossible records in %lld synthetic persons", NRULES,
                   (long long)total, (long long)synth->persons);
  *out = r;
  return 0;
}

static double per_1000(const vt_eval_sanity_side *s, int64_t n) {
  return s && s->persons > 0 ? 1000.0 * (double)n / (double)s->persons : NAN;
}

static double total_per_1000(const vt_eval_sanity_side *s) {
  if (!s) return NAN;
  int64_t n = 0;
  for (int k = 0; k < NRULES; k++) n += s->r[k].events;
  return per_1000(s, n);
}

void vt_eval_sanity_verdict(const vt_eval_sanity *r, vt_eval_verdict *v) {
  memset(v, 0, sizeof *v);
  snprintf(v->metric, sizeof v->metric, "impossible records per 1,000 persons (synthetic)");
  double syn = total_per_1000(r->side[0]);
  double real = total_per_1000(r->side[1]);
  v->value = isnan(syn) ? 0 : syn;
  if (isnan(syn) || syn == 0 || (!isnan(real) && syn <= real)) {
    v->level = VT_EVAL_GOOD;
    snprintf(v->verdict, sizeof v->verdict, "no more impossible records than real data");
    if (isnan(real))
      snprintf(v->text, sizeof v->text, "%.3g records per 1,000 synthetic persons break a clinical sanity rule.",
               v->value);
    else
      snprintf(v->text, sizeof v->text,
               "%.3g records per 1,000 synthetic persons break a clinical sanity rule (real data: %.3g).", v->value,
               real);
  } else if (syn < 1) {
    v->level = VT_EVAL_CAUTION;
    snprintf(v->verdict, sizeof v->verdict, "a few impossible records");
    snprintf(v->text, sizeof v->text,
             "%.3g records per 1,000 synthetic persons break a clinical sanity rule, more than the real data; see "
             "the rules and examples below.", syn);
  } else {
    v->level = VT_EVAL_POOR;
    snprintf(v->verdict, sizeof v->verdict, "impossible records");
    snprintf(v->text, sizeof v->text,
             "%.3g records per 1,000 synthetic persons break a clinical sanity rule%s; see the rules and examples "
             "below and fix the modules before sharing.", syn, isnan(real) ? "" : ", more than the real data");
  }
}

static void jw_real_or_null(vt_jsonw *w, const char *key, double v) {
  vt_jw_key(w, key);
  if (isnan(v)) vt_jw_null(w);
  else vt_jw_real(w, v);
}

void vt_eval_sanity_json(const vt_eval_sanity *r, vt_jsonw *w) {
  vt_jw_key(w, "rules");
  vt_jw_arr(w, 0);
  for (int k = 0; k < NRULES; k++) {
    vt_jw_obj(w, 0);
    vt_jw_kstr(w, "id", rules[k].id);
    vt_jw_kstr(w, "title", rules[k].title);
    vt_jw_kstr(w, "rationale", rules[k].rationale);
    vt_jw_kstr(w, "counts", rules[k].per_person ? "persons" : "events");
    vt_jw_key(w, "sides");
    vt_jw_obj(w, 0);
    for (int s = 0; s < 3; s++) {
      const vt_eval_sanity_side *sd = r->side[s];
      if (!sd) continue;
      const rcount *rc = &sd->r[k];
      vt_jw_key(w, side_keys[s]);
      vt_jw_obj(w, 0);
      vt_jw_kint(w, "events", rc->events);
      vt_jw_kint(w, "persons", rc->persons);
      jw_real_or_null(w, "per_1000", per_1000(sd, rc->events));
      vt_jw_key(w, "examples");
      vt_jw_arr(w, 0);
      for (int i = 0; i < rc->nex; i++) {
        vt_jw_obj(w, 1);
        vt_jw_kstr(w, "person", rc->ex[i].person);
        vt_jw_kstr(w, "code", rc->ex[i].code);
        vt_jw_kstr(w, "date", rc->ex[i].date);
        vt_jw_kstr(w, "where", rc->ex[i].where);
        vt_jw_end(w);
      }
      vt_jw_end(w);
      vt_jw_end(w);
    }
    vt_jw_end(w);
    vt_jw_end(w);
  }
  vt_jw_end(w);
  vt_jw_key(w, "persons");
  vt_jw_obj(w, 1);
  for (int s = 0; s < 3; s++) {
    vt_jw_key(w, side_keys[s]);
    if (r->side[s]) vt_jw_int(w, r->side[s]->persons);
    else vt_jw_null(w);
  }
  vt_jw_end(w);
  vt_jw_key(w, "total_per_1000");
  vt_jw_obj(w, 1);
  for (int s = 0; s < 3; s++) jw_real_or_null(w, side_keys[s], total_per_1000(r->side[s]));
  vt_jw_end(w);
}

int vt_eval_sanity_html(const vt_eval_sanity *r, FILE *f) {
  vt_eval_verdict v;
  vt_eval_sanity_verdict(r, &v);
  static const char *const badge[] = { "good", "caution", "poor" };
  fprintf(f, "<section id=\"sanity\"><h2>Clinical sanity</h2>\n");
  fprintf(f, "<p><span class=\"badge %s\">", v.level >= 0 && v.level <= 2 ? badge[v.level] : "na");
  vt_eval_html_text(f, v.verdict);
  fprintf(f, "</span> ");
  vt_eval_html_text(f, v.text);
  fprintf(f, "</p>\n<table class=\"figures\">\n<tr><th>rule</th><th>counts</th>");
  static const char *const side_names[3] = { "synthetic", "real", "holdout" };
  for (int s = 0; s < 3; s++)
    if (r->side[s]) fprintf(f, "<th>%s</th><th>persons</th><th>per 1,000</th>", side_names[s]);
  fprintf(f, "<th>examples (synthetic)</th></tr>\n");
  for (int k = 0; k < NRULES; k++) {
    fprintf(f, "<tr><td><b>");
    vt_eval_html_text(f, rules[k].title);
    fprintf(f, "</b> <code>%s</code><br/><small>", rules[k].id);
    vt_eval_html_text(f, rules[k].rationale);
    fprintf(f, "</small></td><td>%s</td>", rules[k].per_person ? "persons" : "events");
    for (int s = 0; s < 3; s++) {
      const vt_eval_sanity_side *sd = r->side[s];
      if (!sd) continue;
      fprintf(f, "<td class=\"num\">%lld</td><td class=\"num\">%lld</td><td class=\"num\">%.3g</td>",
              (long long)sd->r[k].events, (long long)sd->r[k].persons, per_1000(sd, sd->r[k].events));
    }
    fprintf(f, "<td>");
    const rcount *rc = &r->side[0]->r[k];
    for (int i = 0; i < rc->nex; i++) {
      if (i) fprintf(f, "<br/>");
      fprintf(f, "person ");
      vt_eval_html_text(f, rc->ex[i].person);
      if (rc->ex[i].code[0]) { fprintf(f, ", "); vt_eval_html_text(f, rc->ex[i].code); }
      fprintf(f, ", %s, ", rc->ex[i].date);
      vt_eval_html_text(f, rc->ex[i].where);
    }
    fprintf(f, "</td></tr>\n");
  }
  fprintf(f, "<tr><td><b>all rules</b></td><td>records</td>");
  for (int s = 0; s < 3; s++) {
    const vt_eval_sanity_side *sd = r->side[s];
    if (!sd) continue;
    int64_t n = 0;
    for (int k = 0; k < NRULES; k++) n += sd->r[k].events;
    fprintf(f, "<td class=\"num\">%lld</td><td class=\"num\">%lld</td><td class=\"num\">%.3g</td>", (long long)n,
            (long long)sd->persons, total_per_1000(sd));
  }
  fprintf(f, "<td></td></tr>\n</table>\n");
  fprintf(f, "<p class=\"note\">Counts are records breaking the rule (events, or persons for the per-person "
             "rules); per 1,000 is per 1,000 persons of the side. The code lists and their sources are in "
             "docs/eval.md.</p>\n</section>\n");
  return ferror(f) ? -1 : 0;
}

void vt_eval_sanity_free(vt_eval_sanity *r) {
  if (!r) return;
  for (int s = 0; s < 3; s++) vt_eval_sanity_side_free(r->side[s]);
  free(r);
}
