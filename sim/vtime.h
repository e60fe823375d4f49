/*
** vtime.h -- simulation time: milliseconds since 1970-01-01T00:00:00Z (UTC),
** as Synthea counts it, with calendar conversion and GMF time units.
*/
#ifndef VT_TIME_H
#define VT_TIME_H

#include <stdint.h>

typedef int64_t vt_time;

#define VT_NO_TIME   INT64_MIN
#define VT_MS_SECOND 1000LL
#define VT_MS_MINUTE (60LL * VT_MS_SECOND)
#define VT_MS_HOUR   (60LL * VT_MS_MINUTE)
#define VT_MS_DAY    (24LL * VT_MS_HOUR)
#define VT_MS_WEEK   (7LL * VT_MS_DAY)
/* Average Gregorian year and month (ages, schedules). */
#define VT_MS_YEAR   31556952000LL
#define VT_MS_MONTH  (VT_MS_YEAR / 12)
/* A GMF quantity of "years" or "months" (Delay, durations, PriorState
** within), as Synthea converts them (helpers/Utilities.convertTime): 365 and
** 30 days.  Age conditions count calendar years and months instead. */
#define VT_MS_GMF_YEAR  (365LL * VT_MS_DAY)
#define VT_MS_GMF_MONTH (30LL * VT_MS_DAY)

/* Days since the epoch of a proleptic Gregorian date (month 1-12). */
int64_t vt_days_from_civil(int y, int m, int d);
/* Inverse of vt_days_from_civil. */
void vt_civil_from_days(int64_t days, int *y, int *m, int *d);
/* Time at 00:00 UTC of a date. */
vt_time vt_time_from_date(int y, int m, int d);
/* Parse "YYYY-MM-DD"; returns 0 and sets *t on success, -1 on a bad date. */
int vt_time_parse_date(const char *s, vt_time *t);
/* Calendar year of a time. */
int vt_time_year(vt_time t);
/* Write "YYYY-MM-DD" (11 bytes with NUL). */
void vt_time_format_date(vt_time t, char out[11]);
/* Write "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with NUL). */
void vt_time_format_iso(vt_time t, char out[21]);
/* Milliseconds in one GMF unit ("years", "months", "weeks", "days", "hours",
** "minutes", "seconds", "milliseconds"); also accepts the singular.  0 if unknown. */
int64_t vt_time_unit_ms(const char *unit);
/* Whole years between `birth` and `t` (the age on a calendar basis). */
int vt_time_age_years(vt_time birth, vt_time t);
/* Age in fractional years (average-year based). */
double vt_time_age_exact(vt_time birth, vt_time t);

#endif
