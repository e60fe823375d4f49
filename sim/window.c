/*
** window.c -- observation windows (see window.h).
**
** Rules for cutting a record to its window [start, end]:
** - an encounter, observation, procedure, immunization, imaging study,
**   supply or trace row is kept if it began inside the window; an encounter
**   or procedure that runs past the end is closed at the end;
** - a condition, medication, care plan, allergy or device that began before
**   the window and was still active when it opened is kept, as first
**   recorded at the window's start and in no encounter (an extract sees the
**   problem list, not the visit that started it); one that ended before is
**   dropped; one still going at the end is left open;
** - a row whose encounter was dropped keeps no encounter;
** - a death after the window is not known to the extract;
** - an empty window (a random window that opened after the death: end
**   before start) keeps no row and no death: the patient is in the extract
**   by their demographics only, with no observation period.
*/
#include "window.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

/* The random windows draw from their own stream: attempt number WINDOW_STREAM
** of the patient's seed, which the simulation never uses. */
#define WINDOW_STREAM 0x0B5E7A11u

/* Enrolment windows for --observation random.  vitae's assumption, not
** fitted to data: a length with median 4 years (log-normal, sigma 0.8, so
** a quarter are under 2.3 years and a tenth over 11), at least 30 days and
** at most the potential life (birth to the end of the simulation); 60%
** enrolled until the extract date, the rest leaving at a uniformly drawn
** time.  The window is placed without looking at the death date, then
** stopped at death: a death inside it is observed, one before it leaves
** the window empty (the patient was never observed). */
#define WINDOW_MEDIAN_YEARS 4.0
#define WINDOW_SIGMA 0.8
#define WINDOW_MIN_DAYS 30
#define WINDOW_OPEN_SHARE 0.6

/* t less n calendar years (29 February becomes 28 February); VT_NO_TIME
** (earlier than any time) when that is before year VT_YEAR_MIN. */
static vt_time minus_years(vt_time t, int n) {
  int64_t day = t >= 0 ? t / VT_MS_DAY : -((-t + VT_MS_DAY - 1) / VT_MS_DAY);
  int y, m, d;
  vt_civil_from_days(day, &y, &m, &d);
  if ((int64_t)y - n < VT_YEAR_MIN) return VT_NO_TIME;
  if (m == 2 && d == 29) d = 28;
  return vt_days_from_civil(y - n, m, d) * VT_MS_DAY + (t - day * VT_MS_DAY);
}

void vt_window_choose(vt_record *rec, const vt_window_opts *o, uint64_t seed, int64_t index, vt_time end) {
  vt_person_row *p = &rec->person;
  vt_time life_end = p->death != VT_NO_TIME && p->death < end ? p->death : end;
  vt_time s = p->birth, e = life_end;
  if (o && o->mode == VT_OBS_RANDOM && end > p->birth) {
    /* drawn on the potential life [birth, end], never on the death date,
    ** then stopped at death: the enrolment does not know the future */
    vt_rng r;
    vt_rng_seed_patient(&r, seed, (uint64_t)index, WINDOW_STREAM);
    double years = WINDOW_MEDIAN_YEARS * exp(WINDOW_SIGMA * vt_rng_normal(&r, 0.0, 1.0));
    vt_time span = end - p->birth;
    /* at most the span, compared as a double first: no out-of-range cast */
    double lenf = years * (double)VT_MS_YEAR;
    vt_time len = lenf < (double)span ? (vt_time)lenf : span;
    if (len < WINDOW_MIN_DAYS * VT_MS_DAY) len = WINDOW_MIN_DAYS * VT_MS_DAY;
    if (len > span) len = span;   /* a span under WINDOW_MIN_DAYS */
    double u = vt_rng_uniform(&r);
    vt_time e0 = end;
    if (vt_rng_uniform(&r) >= WINDOW_OPEN_SHARE) e0 = p->birth + len + (vt_time)(u * (double)(span - len));
    s = e0 - len;
    e = e0 < life_end ? e0 : life_end;
    if (e < s) {                  /* died before the window opened: never observed */
      p->obs_start = s;
      p->obs_end = e;
      p->obs_cut = 1;
      return;
    }
  }
  if (o && o->history_years > 0) {
    vt_time h = minus_years(e, o->history_years);
    if (h > s) s = h;
  }
  p->obs_start = s;
  p->obs_end = e;
  p->obs_cut = s > p->birth || e < life_end;
}

int vt_window_empty(const vt_person_row *p) { return p->obs_cut && p->obs_end < p->obs_start; }

/* Is row r of a table that holds entries active over time? */
static int lasting(const vt_row *r) {
  return r->table == VT_T_CONDITION || r->table == VT_T_MEDICATION || r->table == VT_T_CAREPLAN ||
         r->table == VT_T_ALLERGY || r->table == VT_T_DEVICE;
}

void vt_window_apply(vt_record *rec) {
  vt_person_row *p = &rec->person;
  if (!p->obs_cut) return;
  vt_time s = p->obs_start, e = p->obs_end;
  if (vt_window_empty(p)) {       /* never observed: demographics only */
    rec->nrows = 0;
    p->death = VT_NO_TIME;
    p->death_cause = NULL;
    return;
  }
  /* encounters kept, by per-patient number */
  int32_t nenc = rec->nencounters > 0 ? rec->nencounters : 0;
  unsigned char *kept = calloc((size_t)nenc + 1, 1);
  if (!kept) abort();
  for (size_t i = 0; i < rec->nrows; i++) {
    const vt_row *r = &rec->rows[i];
    if (r->table == VT_T_ENCOUNTER && r->start >= s && r->start <= e && r->id >= 0 && r->id < nenc) kept[r->id] = 1;
  }
  size_t k = 0;
  for (size_t i = 0; i < rec->nrows; i++) {
    vt_row r = rec->rows[i];
    if (r.start > e) continue;
    if (r.start < s) {
      if (!lasting(&r) || (r.stop != VT_NO_TIME && r.stop <= s)) continue;
      r.start = s;              /* still active: first recorded when the window opens */
      r.encounter = -1;
    }
    if (r.encounter >= 0 && (r.encounter >= nenc || !kept[r.encounter])) r.encounter = -1;
    if (r.stop != VT_NO_TIME && r.stop > e) {
      if (r.table == VT_T_ENCOUNTER || r.table == VT_T_PROCEDURE) r.stop = e;
      else r.stop = VT_NO_TIME;   /* still going when the extract ends */
    }
    rec->rows[k++] = r;
  }
  rec->nrows = k;
  free(kept);
  if (p->death != VT_NO_TIME && p->death > e) { p->death = VT_NO_TIME; p->death_cause = NULL; }
}
