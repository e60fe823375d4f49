/*
** vtime.c -- calendar arithmetic on millisecond timestamps.
** Civil-date conversion uses the era-based days-from-civil method
** (400-year cycles of 146097 days), valid for any proleptic Gregorian date;
** the range a life can hold and the checked span arithmetic (vt_time_span_ms,
** vt_time_add) are described in vtime.h.
*/
#include "vtime.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t vt_days_from_civil(int yi, int mi, int di) {
  /* int64 throughout: any int year, month or day stays far from overflow */
  int64_t y = yi, m = mi, d = di;
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;                                   /* [0, 399] */
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;  /* [0, 365] */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
  return era * 146097 + doe - 719468;
}

/* Days covering every int64 millisecond time (INT64_MAX ms is 1.07e11
** days, about year 292 million): the year of any of them fits an int. */
#define CIVIL_DAYS_LIMIT 110000000000LL

void vt_civil_from_days(int64_t z, int *y, int *m, int *d) {
  if (z > CIVIL_DAYS_LIMIT) z = CIVIL_DAYS_LIMIT;
  if (z < -CIVIL_DAYS_LIMIT) z = -CIVIL_DAYS_LIMIT;
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yy + (*m <= 2));
}

vt_time vt_time_from_date(int y, int m, int d) {
  if (y < VT_YEAR_MIN || y > VT_YEAR_MAX || m < 1 || m > 12 || d < 1 || d > 31) return VT_NO_TIME;
  return vt_days_from_civil(y, m, d) * VT_MS_DAY;
}

int64_t vt_time_span_ms(double qty, int64_t unit_ms, int *never) {
  if (never) *never = 0;
  if (!isnan(qty) && (qty <= 0 || unit_ms <= 0)) return 0;
  double ms = qty * (double)unit_ms;
  /* false for NaN too; the bound is exact in a double, and far inside int64 */
  if (!(ms <= (double)VT_TIME_MAX_SPAN)) {
    if (never) *never = 1;
    return VT_TIME_NEVER;
  }
  return (int64_t)ms;
}

vt_time vt_time_add(vt_time t, int64_t span) {
  if (t == VT_NO_TIME) return VT_NO_TIME;
  if (t == VT_TIME_NEVER || span == VT_TIME_NEVER) return VT_TIME_NEVER;
  if (span > 0 && t > INT64_MAX - span) return VT_TIME_NEVER;
  if (span < 0 && t < INT64_MIN + 1 - span) return INT64_MIN + 1;
  return t + span;
}

int vt_days_in_month(int y, int m) {
  static const int dm[] = {31,28,31,30,31,30,31,31,30,31,30,31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return dm[m - 1];
}

int vt_time_parse_date(const char *s, vt_time *t) {
  int y, m, d, n = 0;
  if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || s[10] != '\0')
    return -1;
  if (y < VT_YEAR_MIN || m < 1 || m > 12 || d < 1 || d > vt_days_in_month(y, m)) return -1;
  *t = vt_time_from_date(y, m, d);
  return 0;
}

int64_t vt_floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

int64_t vt_time_day(vt_time t) { return vt_floor_div(t, VT_MS_DAY); }

int vt_time_year(vt_time t) {
  int y, m, d;
  vt_civil_from_days(vt_time_day(t), &y, &m, &d);
  return y;
}

/* Write n as `width` decimal digits (n is clamped to fit). */
static char *digits(char *p, int n, int width) {
  int max = width == 4 ? 9999 : 99;
  if (n < 0) n = 0;
  if (n > max) n = max;
  for (int i = width - 1; i >= 0; i--) { p[i] = (char)('0' + n % 10); n /= 10; }
  return p + width;
}

void vt_time_format_date(vt_time t, char out[11]) {
  int y, m, d;
  vt_civil_from_days(vt_time_day(t), &y, &m, &d);
  char *p = digits(out, y, 4);
  *p++ = '-'; p = digits(p, m, 2);
  *p++ = '-'; p = digits(p, d, 2);
  *p = 0;
}

void vt_time_format_iso(vt_time t, char out[21]) {
  int64_t ms = t % VT_MS_DAY;   /* time of day; days * VT_MS_DAY could overflow at INT64_MIN */
  if (ms < 0) ms += VT_MS_DAY;
  int secs = (int)(ms / 1000);
  vt_time_format_date(t, out);
  char *p = out + 10;
  *p++ = 'T'; p = digits(p, secs / 3600, 2);
  *p++ = ':'; p = digits(p, (secs / 60) % 60, 2);
  *p++ = ':'; p = digits(p, secs % 60, 2);
  *p++ = 'Z'; *p = 0;
}

int64_t vt_time_unit_ms(const char *u) {
  static const struct { const char *name; int64_t ms; } units[] = {
    {"years", VT_MS_GMF_YEAR}, {"year", VT_MS_GMF_YEAR},
    {"months", VT_MS_GMF_MONTH}, {"month", VT_MS_GMF_MONTH},
    {"weeks", VT_MS_WEEK}, {"week", VT_MS_WEEK},
    {"days", VT_MS_DAY}, {"day", VT_MS_DAY},
    {"hours", VT_MS_HOUR}, {"hour", VT_MS_HOUR},
    {"minutes", VT_MS_MINUTE}, {"minute", VT_MS_MINUTE},
    {"seconds", VT_MS_SECOND}, {"second", VT_MS_SECOND},
    {"milliseconds", 1}, {"millisecond", 1},
  };
  if (!u) return 0;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strcmp(u, units[i].name) == 0) return units[i].ms;
  return 0;
}

int vt_time_age_years(vt_time birth, vt_time t) {
  int by, bm, bd, y, m, d;
  vt_civil_from_days(vt_time_day(birth), &by, &bm, &bd);
  vt_civil_from_days(vt_time_day(t), &y, &m, &d);
  int age = y - by;
  if (m < bm || (m == bm && d < bd)) age--;
  return age;
}

int vt_time_age_months(vt_time birth, vt_time t) {
  int by, bm, bd, y, m, d;
  vt_civil_from_days(vt_time_day(birth), &by, &bm, &bd);
  vt_civil_from_days(vt_time_day(t), &y, &m, &d);
  int months = (y - by) * 12 + (m - bm);
  if (d < bd) months--;
  return months < 0 ? 0 : months;
}

double vt_time_age_exact(vt_time birth, vt_time t) {
  return ((double)t - (double)birth) / (double)VT_MS_YEAR;   /* no int64 overflow */
}

vt_time vt_time_today(void) {
  time_t now = time(NULL);
  return ((int64_t)now / 86400) * VT_MS_DAY;
}
