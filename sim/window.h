/*
** window.h -- observation windows: what part of a simulated life a cohort
** shows, as a real EHR extract shows only the years a patient was seen.
**
** By default the window is the whole life (birth to death, or to the
** reference date).  `--history-years N` keeps the last N years; `--observation
** random` gives each patient an enrolment window of their own, drawn from a
** stream separate from the simulation's, so the same seed gives the same
** windows and the same lives whatever the window options.  A random window
** is drawn on the potential life (birth to the end of the simulation)
** without looking at the death date and then stopped at death, as a real
** enrolment does not know the future; a patient who died before it opened
** has an empty window (vt_window_empty) and is never observed.
** vt_window_apply cuts a finished record to its window (rules in window.c).
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
** `end`; store it in rec->person.obs_start / obs_end (obs_end < obs_start
** for an empty window) and obs_cut. */
void vt_window_choose(vt_record *rec, const vt_window_opts *o, uint64_t seed, int64_t index, vt_time end);

/* 1 if p's window is empty (a random window that opened after the death:
** obs_cut set, obs_end before obs_start): the writers then give the patient
** no observation period.  0 otherwise. */
int vt_window_empty(const vt_person_row *p);

/* Cut rec to its window: drop what happened outside it, keep what was still
** active when it opened (conditions, medications, care plans, allergies,
** devices) as first recorded at its start, end open entries that outlive
** it, and forget a death after it.  An empty window keeps no row and no
** death.  A whole-life window changes nothing. */
void vt_window_apply(vt_record *rec);

#endif
