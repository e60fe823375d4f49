/*
** test_rng_time.c -- the random generator, its distributions, and calendar
** arithmetic on millisecond timestamps.
*/
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

int main(void) {
  test_rng();
  test_time();
  return test_done();
}
