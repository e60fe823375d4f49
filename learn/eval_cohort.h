/*
** eval_cohort.h -- a cohort held in memory for `vitae eval` (DESIGN.md,
** "Evaluation"): any source the EHR reader takes (learn/ehr.h), read once
** into a compact per-person view that every evaluation (fidelity, utility,
** privacy) works on.
**
** Each person keeps sex, birth, death, race and ethnicity, the span of its
** observation and, for every code it has (every domain but visits), one
** `use`: the code's index in the shared code list, its first and last day
** and how many events carried it.  Uses are sorted by first day, then code
** index: the person's trajectory of new codes.  Memory is about 16 bytes
** per (person, distinct code), never per event.
**
** The sides of an evaluation share one code list (vt_ecodes), so code i
** means the same thing in the real, holdout and synthetic cohorts.  Codes
** are matched as `vitae learn` matches them (docs/codes.md): the first
** cohort loaded (the synthetic one) lists its codes by (vocabulary, code);
** a later cohort whose source carries concept ancestry (OMOP) maps an event
** to the listed code whose concept is the event's concept or one of its
** ancestors; an event without a vocabulary (an OMOP extract written without
** one) to the listed code of the same code text and domain when only one
** fits, and an event with a vocabulary to such a listed code without one
** (the first cohort was that extract); any other event to its own
** (vocabulary, code), added to the list.
**
**   vt_ecodes *codes = vt_ecodes_new();
**   vt_ecohort *synth, *real;
**   if (vt_ecohort_load(&synth, "vitae:cohort.db", codes, NULL, err, sizeof err)) ...
**   if (vt_ecohort_load(&real, "omop:train.sqlite", codes, NULL, err, sizeof err)) ...
*/
#ifndef VT_EVAL_COHORT_H
#define VT_EVAL_COHORT_H

#include <stddef.h>
#include <stdint.h>

#include "learn/ehr.h"

/* The shared code list: code i is (system[i], code[i]) of domain
** domain[i] (the first seen), with a description where a source gave one. */
typedef struct vt_ecodes {
  size_t n, cap;
  char **system;                 /* OMOP vocabulary ids ("SNOMED", "RxNorm", ...) */
  char **code;
  char **desc;                   /* NULL when no source described it */
  uint8_t *domain;               /* vt_domain */
  void *index;                   /* private: (system, code) -> i */
} vt_ecodes;

vt_ecodes *vt_ecodes_new(void);
void vt_ecodes_free(vt_ecodes *c);
/* The index of (system, code), added when new (domain and description
** noted on first sight; a later description fills a missing one).  -1
** when out of memory. */
long vt_ecodes_intern(vt_ecodes *c, const char *system, const char *code, vt_domain domain,
                      const char *desc);
/* The index of (system, code), or -1 when it is not listed. */
long vt_ecodes_find(const vt_ecodes *c, const char *system, const char *code);
/* "SNOMED:44054006" into out. */
void vt_ecodes_key(const vt_ecodes *c, size_t i, char *out, size_t outlen);
/* A label for tables and plots: the description when known, else the key. */
const char *vt_ecodes_label(const vt_ecodes *c, size_t i, char *buf, size_t buflen);

/* One code of one person. */
typedef struct vt_euse {
  uint32_t code;                 /* index into the shared vt_ecodes */
  vt_day first, last;            /* its first and last start day */
  uint32_t count;                /* events that carried it */
} vt_euse;

/* One person. */
typedef struct vt_eperson {
  char sex;                      /* 'F', 'M', 'U' */
  uint8_t race, eth;             /* vt_wl_race_index / vt_wl_eth_index (learn/workload.h) */
  vt_day birth, death;           /* VT_NO_DAY when unknown / alive */
  vt_day obs_start, obs_end;     /* first observation day and last one, both
                                    included: the periods' span, or (without
                                    periods) the span of the person's events
                                    (VT_NO_DAY when it has none either) */
  uint32_t use0, nuse;           /* its uses: cohort->uses[use0 .. use0 + nuse) */
  uint32_t nevents;              /* events read, every domain, visits too */
} vt_eperson;

/* A cohort. */
typedef struct vt_ecohort {
  char *spec;                    /* as named: "omop:train.sqlite" */
  char kind[16];                 /* the reader's kind: "omop", "vitae", ... */
  size_t n;                      /* persons */
  vt_eperson *persons;           /* in the source's person order */
  size_t nuses;
  vt_euse *uses;
  int has_ancestry;              /* its source carried concept ancestry */
  int64_t matched_by_ancestry;   /* events mapped to a listed ancestor's code */
  int64_t matched_by_code;       /* events without a vocabulary matched by code text */
  vt_quality quality;            /* the reader's data-quality counts */
  vt_day latest;                 /* the last day seen anywhere (an event, a period end, a death) */
  size_t pcap, ucap;             /* private: allocated persons and uses */
} vt_ecohort;

/* Called with every raw person as it is read (the clinical sanity rules
** look at events as the source has them), before it is reduced. */
typedef void (*vt_ecohort_hook)(void *ud, const vt_person *p);

typedef struct vt_ecohort_options {
  vt_ecohort_hook hook;          /* may be NULL */
  void *hook_ud;
  /* Called with hook_ud once the source is open, before any person is
  ** read (another pass over the same persons takes the source's concept
  ** ancestry); 0, or -1 with err to stop the read.  May be NULL. */
  int (*on_open)(void *ud, vt_ehr *r, char *err, size_t errlen);
  /* Progress: called every `every` persons (0: 10,000) and at the end
  ** with the persons read so far; may be NULL. */
  void (*progress)(void *ud, const char *spec, int64_t persons, int done);
  void *progress_ud;
  int64_t every;
} vt_ecohort_options;

/* Read every person of the source named spec (KIND:PATH or PATH, as
** vt_ehr_open) into *out, extending codes.  0, or -1 with err (the
** reader's message, naming the file and the row; out of memory).  A source
** with no person is an error ("SPEC: no persons"). */
int vt_ecohort_load(vt_ecohort **out, const char *spec, vt_ecodes *codes, const vt_ecohort_options *opt,
                    char *err, size_t errlen);
void vt_ecohort_free(vt_ecohort *c);

/* A person's uses. */
static inline const vt_euse *vt_ecohort_uses(const vt_ecohort *c, const vt_eperson *p) {
  return c->uses + p->use0;
}
/* The use of code k by person p (binary search is not possible: uses are
** by day; a scan), or NULL. */
const vt_euse *vt_ecohort_find_use(const vt_ecohort *c, const vt_eperson *p, uint32_t k);

/* Age in whole years at day d of a person born on birth (-1 when either
** is unknown or d is before birth). */
int vt_eval_age_years(vt_day birth, vt_day d);

/* Build a cohort by hand (tests, and the evaluations' own subsets): an
** empty cohort named spec, then persons and each person's uses (in any
** order: vt_ecohort_end_person sorts them by first day, then code).
** 0, or -1 when out of memory. */
vt_ecohort *vt_ecohort_new(const char *spec);
int vt_ecohort_add_person(vt_ecohort *c, const vt_eperson *p);
int vt_ecohort_add_use(vt_ecohort *c, const vt_euse *u);
void vt_ecohort_end_person(vt_ecohort *c);

#endif
