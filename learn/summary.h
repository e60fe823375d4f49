/*
** summary.h -- what a patient-level view holds, in numbers: persons by sex,
** age and vital status, the observation periods, and per domain the codes
** with their rows, distinct persons and most frequent description; with
** the reader's data-quality counts beside them.  Built by feeding every
** person of a read (vt_ehr_next) in turn, so memory grows with the distinct
** codes, never with the persons.  `vitae inspect` prints it; `vitae eval`
** compares two of them.
**
**   vt_summary *s = vt_summary_new();
**   while ((rc = vt_ehr_next(r, &p, err, sizeof err)) == 1)
**     if (vt_summary_add(s, p) < 0) ... out of memory ...
**   vt_summary_finish(s, vt_ehr_quality(r));
**   ... s->domain[VT_DOMAIN_CONDITION].codes[0] is the most frequent ...
**   vt_summary_free(s);
*/
#ifndef VT_SUMMARY_H
#define VT_SUMMARY_H

#include <stdint.h>
#include "learn/ehr.h"

/* One code of a domain. */
typedef struct vt_code_count {
  const char *system;            /* as the events name it ("" when none) */
  const char *code;
  int64_t concept_id;            /* the first non-zero concept seen, else 0 */
  const char *description;       /* the most frequent one; NULL if none */
  int64_t rows;                  /* events */
  int64_t persons;               /* distinct persons */
} vt_code_count;

/* The events of one domain. */
typedef struct vt_domain_summary {
  int64_t rows, persons;         /* events; persons with at least one */
  int64_t no_concept;            /* events whose concept_id is 0 */
  size_t ncodes;
  vt_code_count *codes;          /* after vt_summary_finish: by rows, most
                                    first (ties: system, code) */
} vt_domain_summary;

/* Ages at the end of each person's record (death, else the end of the last
** observation period, else the last event): bands of ten years, the last
** one open (100 and over). */
#define VT_AGE_BANDS 11

enum { VT_SEX_F, VT_SEX_M, VT_SEX_U, VT_SEX__COUNT };

typedef struct vt_summary {
  int64_t persons;
  int64_t sex[VT_SEX__COUNT];          /* by VT_SEX_* */
  int64_t dead;                        /* with a death date */
  int64_t no_birth;                    /* birth date unknown */
  vt_day first_birth, last_birth;      /* VT_NO_DAY when none */
  int64_t ages[VT_AGE_BANDS][VT_SEX__COUNT];
  int64_t age_unknown;                 /* no birth date or no end of record */
  /* the observation periods */
  int64_t periods;
  int64_t persons_observed;            /* with at least one period */
  vt_day obs_start, obs_end;           /* earliest start, latest end */
  double obs_days;                     /* the days of all periods, ends included */
  int64_t events;
  vt_domain_summary domain[VT_DOMAIN__COUNT];
  vt_quality quality;                  /* copied by vt_summary_finish */
  struct vt_summary_tally *tally;      /* internal */
} vt_summary;

/* A new, empty summary (exits on out of memory, as vt_xmalloc). */
vt_summary *vt_summary_new(void);

/* Count person p.  0, or -1 when out of memory. */
int vt_summary_add(vt_summary *s, const vt_person *p);

/* Fill the domains' code lists (sorted), pick the descriptions, and copy
** the quality counts q (may be NULL).  Call once, after the last add. */
void vt_summary_finish(vt_summary *s, const vt_quality *q);

void vt_summary_free(vt_summary *s);

/* Whole years from birth to day at (VT_NO_DAY either way: -1). */
int vt_age_years(vt_day birth, vt_day at);

#endif
