/*
** window.h -- observation windows: what part of a simulated life a cohort
** shows, as a real EHR extract shows only the years a patient was seen.
**
** By default the window is the whole life (birth to death, or to the
** reference date).  `--history-years N` keeps the last N years; `--observation
** random` gives each patient an enrolment window of their own, drawn from a
** stream separate from the simulation's, so the same seed gives the same
** windows and the same lives whatever the window options.  vt_window_apply
** cuts a finished record to its window (rules in window.c).
*/
#ifndef VT_WINDOW_H
#define VT_WINDOW_H

#include <stdint.h>
#include "record.h"

typedef enum { VT_OBS_FULL = 0, VT_OBS_RANDOM = 1 } vt_obs_mode;

typedef struct vt_window_opts {
  int history_years;        /* 0: no limit */
  int mode;                 /* vt_obs_mode */
} vt_window_opts;

/* Choose the window of patient `index` (run seed `seed`) for a record whose
** person row has birth, death (or VT_NO_TIME) and whose simulation ended at
** `end`; store it in rec->person.obs_start / obs_end. */
void vt_window_choose(vt_record *rec, const vt_window_opts *o, uint64_t seed, int64_t index, vt_time end);

/* Cut rec to its window: drop what happened outside it, keep what was still
** active when it opened (conditions, medications, care plans, allergies,
** devices) as first recorded at its start, end open entries that outlive
** it, and forget a death after it.  A whole-life window changes nothing. */
void vt_window_apply(vt_record *rec);

#endif
