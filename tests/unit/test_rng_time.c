/*
** test_rng_time.c -- the random generator, its distributions, and calendar
** arithmetic on millisecond timestamps, including what a life can hold
** (spans and dates at the edges of int64 and of the calendar).
*/
#include <stdint.h>
#include <string.h>

#include "sim/rng.h"
#include "sim/vtime.h"
#include "tests/unit/test.h"

static void test_rng(void) {
  vt_rng a, b, c;
  vt_rng_seed_patient(&a, 42, 7, 0);
  vt_rng_seed_patient(&b, 42, 7, 0);
  vt_rng_seed_patient(&c, 42, 8, 0);
  int same = 1, differ = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = vt_rng_next(&a), y = vt_rng_next(&b), z = vt_rng_next(&c);
    same &= x == y;
    differ += x != z;
  }
  CHECK(same, "rng: same (seed, patient, attempt) gives the same stream");
  CHECK(differ > 990, "rng: neighbouring patients get unrelated streams");
  vt_rng d;
  vt_rng_seed_patient(&d, 42, 7, 1);
  vt_rng_seed_patient(&a, 42, 7, 0);
  CHECK(vt_rng_next(&d) != vt_rng_next(&a), "rng: another attempt gives another stream");

  vt_rng r;
  vt_rng_seed(&r, 1);
  const int N = 200000;
  double sum = 0, sumsq = 0, mn = 1, mx = 0;
  for (int i = 0; i < N; i++) {
    double u = vt_rng_uniform(&r);
    sum += u; sumsq += u * u;
    if (u < mn) mn = u;
    if (u > mx) mx = u;
  }
  CHECK(mn >= 0 && mx < 1, "uniform: values in [0,1)");
  CHECK_NEAR(sum / N, 0.5, 0.005, "uniform: mean 0.5");
  CHECK_NEAR(sumsq / N - (sum / N) * (sum / N), 1.0 / 12, 0.002, "uniform: variance 1/12");

  sum = sumsq = 0;
  for (int i = 0; i < N; i++) { double x = vt_rng_normal(&r, 10, 2); sum += x; sumsq += x * x; }
  double mean = sum / N, sd = sqrt(sumsq / N - mean * mean);
  CHECK_NEAR(mean, 10, 0.03, "normal: mean %.3f near 10", mean);
  CHECK_NEAR(sd, 2, 0.03, "normal: sd %.3f near 2", sd);

  sum = 0;
  int neg = 0;
  for (int i = 0; i < N; i++) { double x = vt_rng_exponential(&r, 3); sum += x; neg += x < 0; }
  CHECK_NEAR(sum / N, 3, 0.05, "exponential: mean near 3");
  CHECK(neg == 0, "exponential: never negative");

  int counts[6] = {0}, out = 0;
  for (int i = 0; i < 60000; i++) {
    int64_t k = vt_rng_int(&r, 1, 6);
    if (k < 1 || k > 6) out++; else counts[k - 1]++;
  }
  int balanced = 1;
  for (int k = 0; k < 6; k++) balanced &= counts[k] > 9500 && counts[k] < 10500;
  CHECK(out == 0 && balanced, "int: uniform over [1,6] inclusive");

  double w[] = {0.2, 0, 0.8};
  int hits[3] = {0};
  for (int i = 0; i < 50000; i++) hits[vt_rng_weighted(&r, w, 3)]++;
  CHECK(hits[1] == 0, "weighted: zero weight never drawn");
  CHECK_NEAR(hits[2] / 50000.0, 0.8, 0.01, "weighted: share follows the weights");
  double z[] = {0, 0};
  CHECK(vt_rng_weighted(&r, z, 2) == -1, "weighted: all zero gives -1");
}

static void test_time(void) {
  CHECK(vt_days_from_civil(1970, 1, 1) == 0, "civil: epoch is day 0");
  CHECK(vt_days_from_civil(2000, 3, 1) == 11017, "civil: 2000-03-01 is day 11017");
  CHECK(vt_days_from_civil(1969, 12, 31) == -1, "civil: the day before the epoch is -1");
  int ok = 1;
  for (int64_t d = -800000; d <= 800000; d += 37) {
    int y, m, dd;
    vt_civil_from_days(d, &y, &m, &dd);
    ok &= vt_days_from_civil(y, m, dd) == d;
  }
  CHECK(ok, "civil: days -> date -> days round-trips over 4,000 years");

  vt_time t;
  CHECK(vt_time_parse_date("2024-02-29", &t) == 0, "parse: leap day 2024 accepted");
  CHECK(vt_time_parse_date("2023-02-29", &t) == -1, "parse: 2023-02-29 rejected");
  CHECK(vt_time_parse_date("1900-02-29", &t) == -1, "parse: 1900 is not a leap year");
  CHECK(vt_time_parse_date("2000-02-29", &t) == 0, "parse: 2000 is a leap year");
  CHECK(vt_time_parse_date("2024-13-01", &t) == -1, "parse: month 13 rejected");
  CHECK(vt_time_parse_date("2024-1-01", &t) == -1, "parse: short month rejected");
  CHECK(vt_time_parse_date("2024-01-01x", &t) == -1, "parse: trailing text rejected");

  char buf[21];
  vt_time_format_iso(vt_time_from_date(2021, 7, 4) + 13 * VT_MS_HOUR + 5 * VT_MS_MINUTE + 9000, buf);
  CHECK_STR(buf, "2021-07-04T13:05:09Z", "format: ISO timestamp");
  vt_time_format_date(vt_time_from_date(1955, 11, 5) + 5 * VT_MS_HOUR, buf);
  CHECK_STR(buf, "1955-11-05", "format: date before the epoch");
  vt_time_format_iso(vt_time_from_date(1960, 1, 1) - 1000, buf);
  CHECK_STR(buf, "1959-12-31T23:59:59Z", "format: negative time rounds down to the previous day");

  vt_time birth = vt_time_from_date(2000, 6, 15);
  CHECK(vt_time_age_years(birth, vt_time_from_date(2010, 6, 14)) == 9, "age: day before the birthday");
  CHECK(vt_time_age_years(birth, vt_time_from_date(2010, 6, 15)) == 10, "age: on the birthday");
  CHECK_NEAR(vt_time_age_exact(birth, birth + 10 * VT_MS_YEAR), 10.0, 1e-9, "age: exact years");
  CHECK(vt_time_year(vt_time_from_date(1999, 12, 31)) == 1999, "year of a date");

  CHECK(vt_time_unit_ms("years") == 365 * 86400000LL && vt_time_unit_ms("year") == 365 * 86400000LL, "units: a GMF year is 365 days, as in Synthea");
  CHECK(vt_time_unit_ms("months") == 30 * 86400000LL, "units: a GMF month is 30 days, as in Synthea");
  CHECK(vt_time_unit_ms("weeks") == 7 * 86400000LL, "units: weeks");
  CHECK(vt_time_unit_ms("minutes") == 60000, "units: minutes");
  CHECK(vt_time_unit_ms("fortnights") == 0, "units: unknown unit is 0");
}

/* What a life can hold (vtime.h): spans, saturating adds and dates at the
** edges of int64 and of the calendar.  Under UBSan with float-cast-overflow
** these also show that no double is converted out of int64's range. */
static void test_time_limits(void) {
  int never = -1;
  CHECK(vt_time_span_ms(10, VT_MS_DAY, &never) == 10 * VT_MS_DAY && never == 0, "span: 10 days");
  CHECK(vt_time_span_ms(1.5, VT_MS_SECOND, NULL) == 1500, "span: fractions of a unit");
  CHECK(vt_time_span_ms(0.0009, VT_MS_SECOND, NULL) == 0, "span: truncated toward zero, as before");
  CHECK(vt_time_span_ms(1e300, VT_MS_DAY, &never) == VT_TIME_NEVER && never == 1, "span: 1e300 days is never");
  CHECK(vt_time_span_ms(4294967296.0, VT_MS_GMF_MONTH, &never) == VT_TIME_NEVER && never == 1,
        "span: 2^32 months (1.1e19 ms, past int64) is never");
  CHECK(vt_time_span_ms((double)INT64_MAX, 1, &never) == VT_TIME_NEVER && never == 1, "span: INT64_MAX ms is never");
  CHECK(vt_time_span_ms(9223372036854775808.0, VT_MS_GMF_YEAR, &never) == VT_TIME_NEVER && never == 1, "span: 2^63 years is never");
  CHECK(vt_time_span_ms(INFINITY, 1, &never) == VT_TIME_NEVER && never == 1, "span: +inf is never");
  CHECK(vt_time_span_ms(NAN, VT_MS_DAY, &never) == VT_TIME_NEVER && never == 1, "span: NaN is never");
  CHECK(vt_time_span_ms(-1e300, VT_MS_DAY, &never) == 0 && never == 0, "span: -1e300 is 0 (a negative delay is over at once)");
  CHECK(vt_time_span_ms(-INFINITY, VT_MS_DAY, &never) == 0 && never == 0, "span: -inf is 0");
  CHECK(vt_time_span_ms(VT_TIME_MAX_SPAN_YEARS, VT_MS_YEAR, &never) == VT_TIME_MAX_SPAN && never == 0,
        "span: exactly the longest span a life holds is kept");
  CHECK(vt_time_span_ms((double)VT_TIME_MAX_SPAN + 1, 1, &never) == VT_TIME_NEVER && never == 1, "span: 1 ms more is never");
  CHECK(vt_time_span_ms(1001, VT_MS_GMF_YEAR, NULL) == VT_TIME_NEVER, "span: 1,001 GMF years is never");

  vt_time t0 = vt_time_from_date(2000, 1, 1);
  CHECK(vt_time_add(t0, VT_MS_DAY) == t0 + VT_MS_DAY, "add: an ordinary span");
  CHECK(vt_time_add(t0, VT_TIME_NEVER) == VT_TIME_NEVER, "add: never stays never");
  CHECK(vt_time_add(VT_TIME_NEVER, -VT_MS_DAY) == VT_TIME_NEVER, "add: to never stays never");
  CHECK(vt_time_add(INT64_MAX - 5, 10) == VT_TIME_NEVER, "add: past INT64_MAX saturates to never");
  CHECK(vt_time_add(INT64_MIN + 5, -10) == INT64_MIN + 1, "add: below INT64_MIN saturates (not to VT_NO_TIME)");
  CHECK(vt_time_add(VT_NO_TIME, VT_MS_DAY) == VT_NO_TIME, "add: no time stays no time");
  CHECK(vt_time_add(t0, -VT_MS_DAY) == t0 - VT_MS_DAY, "add: a negative span");

  CHECK(vt_time_from_date(1, 1, 1) == VT_TIME_MIN, "calendar: 0001-01-01 is VT_TIME_MIN");
  CHECK(vt_time_from_date(9999, 12, 31) + VT_MS_DAY - 1 == VT_TIME_MAX, "calendar: the end of 9999-12-31 is VT_TIME_MAX");
  CHECK(vt_time_from_date(0, 1, 1) == VT_NO_TIME, "calendar: year 0 is outside it");
  CHECK(vt_time_from_date(10000, 1, 1) == VT_NO_TIME, "calendar: year 10000 is outside it");
  CHECK(vt_time_from_date(INT32_MAX, 1, 1) == VT_NO_TIME && vt_time_from_date(INT32_MIN, 1, 1) == VT_NO_TIME,
        "calendar: int's extreme years are outside it");
  CHECK(vt_time_from_date(2020, 13, 1) == VT_NO_TIME && vt_time_from_date(2020, 1, 0) == VT_NO_TIME, "calendar: month 13 and day 0");
  CHECK(vt_days_from_civil(INT32_MAX, INT32_MAX, INT32_MAX) > 0 && vt_days_from_civil(INT32_MIN, INT32_MIN, INT32_MIN) < 0,
        "civil: int's extremes give a number, not an overflow");
  int y, m, d;
  vt_civil_from_days(INT64_MAX, &y, &m, &d);
  CHECK(y > 9999 && m >= 1 && m <= 12 && d >= 1 && d <= 31, "civil: INT64_MAX days clamps to a late valid date (year %d)", y);
  vt_civil_from_days(INT64_MIN, &y, &m, &d);
  CHECK(y < 0 && m >= 1 && m <= 12 && d >= 1 && d <= 31, "civil: INT64_MIN days clamps to an early valid date (year %d)", y);
  CHECK(vt_time_year(INT64_MAX) > 9999 && vt_time_year(INT64_MIN) < 0, "year: of the extreme times");
  char buf[21];
  vt_time_format_iso(INT64_MAX, buf);
  CHECK(strlen(buf) == 20, "format: INT64_MAX still gives 20 characters (%s)", buf);
  vt_time_format_iso(INT64_MIN, buf);
  CHECK(strlen(buf) == 20, "format: INT64_MIN still gives 20 characters (%s)", buf);
  CHECK(vt_time_age_exact(INT64_MIN + 1, INT64_MAX) > 5e8, "age: between the extreme times, without overflow");
  CHECK(vt_time_age_years(INT64_MIN, INT64_MAX) > 5e8, "age in years: between the extreme times");
  vt_time t;
  CHECK(vt_time_parse_date("0000-01-01", &t) == -1, "parse: year 0 rejected");
  CHECK(vt_time_parse_date("0001-01-01", &t) == 0 && t == VT_TIME_MIN, "parse: 0001-01-01 accepted");
  CHECK(vt_time_parse_date("9999-12-31", &t) == 0, "parse: 9999-12-31 accepted");
}

int main(void) {
  test_rng();
  test_time();
  test_time_limits();
  return test_done();
}
