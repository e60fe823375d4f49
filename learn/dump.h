/*
** dump.h -- the patient-level view as text: one line per person, period and
** event, tab-separated, in the reader's order.  Two sources that hold the
** same patients give the same lines (tests compare them; `vitae inspect
** --view` prints them).
**
**   person  ID  SEX  BIRTH  DEATH  RACE  ETHNICITY
**   period  ID  START  END
**   event   ID  START  END  DOMAIN  SYSTEM  CODE  VALUE  UNIT  FLAGS
** Dates are YYYY-MM-DD, empty when unknown; VALUE is printed with %.6g;
** FLAGS are the VT_EVENT_* names joined by ',' (before_birth, after_death,
** outside_observation, from_era), empty when none.
*/
#ifndef VT_EHR_DUMP_H
#define VT_EHR_DUMP_H

#include <stdio.h>
#include "learn/ehr.h"

/* What to leave out of the lines (to compare sources that differ in it). */
enum {
  VT_DUMP_NO_ID = 1,        /* print the stream position instead of the source id */
  VT_DUMP_NO_RACE = 2,      /* leave race and ethnicity empty */
  VT_DUMP_NO_END = 4,       /* leave event end dates empty */
  VT_DUMP_NO_VALUE = 8,     /* leave values and units empty */
  VT_DUMP_NO_FLAGS = 16,
};

/* Print p's lines to f.  Returns 0, or -1 on a write error. */
int vt_person_dump(FILE *f, const vt_person *p, int omit);

#endif
