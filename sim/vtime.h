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

/* What a life can hold.  Times are int64 milliseconds, but a date is only
** meaningful in the calendar vitae writes (years 1 to 9999, proleptic
** Gregorian, UTC), and no span of time inside one life is longer than
** VT_TIME_MAX_SPAN (1,000 average years).  A module's constant Delay,
** duration or PriorState `within` longer than that, or a Date condition
** outside the calendar, is refused at load time (lua/loader.c); a span
** computed at run time (a Lua function, a distribution draw) that is longer,
** infinite or NaN is "never": vt_time_span_ms returns VT_TIME_NEVER, a Delay
** with it never ends, and vt_time_add saturates instead of overflowing. */
#define VT_YEAR_MIN 1
#define VT_YEAR_MAX 9999
#define VT_TIME_MIN (-62135596800000LL)    /* 0001-01-01T00:00:00.000Z */
#define VT_TIME_MAX 253402300799999LL      /* 9999-12-31T23:59:59.999Z */
#define VT_TIME_MAX_SPAN_YEARS 1000
#define VT_TIME_MAX_SPAN ((int64_t)VT_TIME_MAX_SPAN_YEARS * VT_MS_YEAR)
/* A time that never comes (later than any other): the wake time of a
** Delay that never ends. */
#define VT_TIME_NEVER INT64_MAX

/* Days since the epoch of a proleptic Gregorian date (month 1-12; a day
** past the month's end rolls over).  Defined (no overflow) for any int
** arguments. */
int64_t vt_days_from_civil(int y, int m, int d);
/* Days in month m (1-12) of year y, leap years counted. */
int vt_days_in_month(int y, int m);
/* a / b rounded toward minus infinity (b != 0; not INT64_MIN / -1). */
int64_t vt_floor_div(int64_t a, int64_t b);
/* Day number of a time: days since 1970-01-01, rounded down (times before
** 1970 give negative days); defined for any int64 time. */
int64_t vt_time_day(vt_time t);
/* Inverse of vt_days_from_civil.  Days beyond about +-1e11 (times out of
** int64 milliseconds' range) are clamped, so the year always fits an int. */
void vt_civil_from_days(int64_t days, int *y, int *m, int *d);
/* Time at 00:00 UTC of a date; VT_NO_TIME when the year is outside
** VT_YEAR_MIN..VT_YEAR_MAX, the month outside 1-12 or the day outside 1-31. */
vt_time vt_time_from_date(int y, int m, int d);
/* Milliseconds in `qty` units of `unit_ms` (a Delay or duration drawn at run
** time), truncated toward zero: 0 for a negative quantity (-inf included),
** VT_TIME_NEVER (and *never = 1, when never is not NULL) for one longer
** than VT_TIME_MAX_SPAN, infinite or NaN.  No double is converted to int64
** out of its range. */
int64_t vt_time_span_ms(double qty, int64_t unit_ms, int *never);
/* t + span, saturating: VT_TIME_NEVER when t or span is VT_TIME_NEVER or
** the sum is above int64's range, INT64_MIN + 1 when below it; VT_NO_TIME
** stays VT_NO_TIME. */
vt_time vt_time_add(vt_time t, int64_t span);
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

/* Midnight (UTC) of the current day: the default reference date of a run. */
vt_time vt_time_today(void);
/* Completed calendar months from `birth` to `t` (as Synthea's
** Period.toTotalMonths); 0 when t is before birth. */
int vt_time_age_months(vt_time birth, vt_time t);
/* Age in fractional years (average-year based); defined for any two times. */
double vt_time_age_exact(vt_time birth, vt_time t);

#endif
