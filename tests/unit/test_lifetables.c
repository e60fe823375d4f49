/*
** test_lifetables.c -- demographics, life table, growth, vital signs and the
** wellness schedule (sim/lifetables.h), checked against their source tables
** with many draws.
*/
#include "sim/lifetables.h"
#include "tests/unit/test.h"

#include <stdlib.h>
#include <time.h>

#define N_PEOPLE 40000

static vt_time ref_time(void) { return vt_time_from_date(2024, 1, 1); }

static int in_list(const char *s, const char *const *list, int n) {
  if (!s) return 0;
  for (int i = 0; i < n; i++) if (strcmp(s, list[i]) == 0) return 1;
  return 0;
}

static int is_digits(const char *s, int n) {
  for (int i = 0; i < n; i++) if (s[i] < '0' || s[i] > '9') return 0;
  return 1;
}

static void test_population(void) {
  static const char *const races[] = { "white", "black", "asian", "native", "hawaiian", "other" };
  static const double race_share[] = { 0.616, 0.124, 0.060, 0.011, 0.002, 0.186 };
  static const char *const marital[] = { "M", "S", "D", "W" };
  static const char *const edus[] = { "less_than_hs", "hs_degree", "some_college", "bs_degree" };
  static const char *const ses[] = { "Low", "Middle", "High" };
  vt_time ref = ref_time();
  vt_demo_opts o = { ref, 0, 100, 0, NULL };
  vt_record rec;
  vt_record_init(&rec);

  /* expected shares from the table the draw samples */
  double total = 0, males = 0, over65 = 0, under18 = 0;
  for (int a = 0; a <= 100; a++) {
    double w = vt_demo_age_weight(0, a);
    total += w; males += vt_demo_age_weight('M', a);
    if (a >= 65) over65 += w;
    if (a < 18) under18 += w;
  }
  CHECK_NEAR(total, 331700, 1000, "census table sums to the 2020 population (%.0f thousand)", total);
  CHECK_NEAR(over65 / total, 0.168, 0.003, "census table: 65+ share %.3f", over65 / total);
  CHECK_NEAR(under18 / total, 0.221, 0.005, "census table: under-18 share %.3f", under18 / total);

  int n_m = 0, n_65 = 0, n_18 = 0, n_hisp = 0, race_n[6] = { 0 };
  int bad_age = 0, bad_birth = 0, bad_str = 0, bad_ids = 0, bad_maiden = 0, bad_geo = 0;
  int bad_marital = 0, bad_prefix = 0, bad_ses = 0, n_married_f = 0, n_maiden = 0;
  int n_high = 0, n_low = 0, n_bs = 0, n_lic = 0, n_adult = 0;
  double income_sum_bs = 0, income_sum_lhs = 0; int n_lhs = 0;
  for (int i = 0; i < N_PEOPLE; i++) {
    vt_rng rng;
    vt_rng_seed_patient(&rng, 42, (uint64_t)i, 0);
    vt_record_reset(&rec);
    rec.person.index = i;
    vt_demo_draw(&rng, &o, &rec);
    const vt_person_row *p = &rec.person;
    int age = vt_time_age_years(p->birth, ref);
    if (age < 0 || age > 100) bad_age++;
    if (!(p->birth < ref) || p->death != VT_NO_TIME || p->index != i) bad_birth++;
    if (p->gender == 'M') n_m++;
    if (age >= 65) n_65++;
    if (age < 18) n_18++;
    if (p->ethnicity && strcmp(p->ethnicity, "hispanic") == 0) n_hisp++;
    for (int r = 0; r < 6; r++) if (p->race && strcmp(p->race, races[r]) == 0) race_n[r]++;
    if (!in_list(p->race, races, 6) || !p->ethnicity || !p->first || !p->last || !p->address ||
        !p->city || !p->county || !p->zip || !p->birthplace || !p->state || !p->ssn ||
        strlen(p->zip) != 5 || !in_list(p->education, edus, 4) || !(p->income > 0))
      bad_str++;
    if (strlen(p->ssn) != 11 || strncmp(p->ssn, "999-", 4) != 0 || !is_digits(p->ssn + 4, 2) ||
        p->ssn[6] != '-' || !is_digits(p->ssn + 7, 4))
      bad_ids++;
    if ((p->drivers && (age < 16 || strlen(p->drivers) != 9 || strncmp(p->drivers, "S999", 4) != 0)) ||
        (p->passport && (age < 18 || strlen(p->passport) != 10 || p->passport[0] != 'X')))
      bad_ids++;
    if (age >= 18) { n_adult++; if (p->drivers) n_lic++; }
    if (age < 15 ? p->marital != NULL : !in_list(p->marital, marital, 4)) bad_marital++;
    if (p->maiden && (p->gender != 'F' || !p->marital || strcmp(p->marital, "S") == 0)) bad_maiden++;
    if (p->gender == 'F' && p->marital && strcmp(p->marital, "M") == 0) {
      n_married_f++;
      if (p->maiden) n_maiden++;
    }
    if (age < 18 ? p->prefix != NULL
                 : !p->prefix || (p->gender == 'M') != (strcmp(p->prefix, "Mr.") == 0) ||
                   (strcmp(p->prefix, "Mrs.") == 0 && !p->maiden))
      bad_prefix++;
    if (!(p->lat > 41.0 && p->lat < 43.0 && p->lon > -73.6 && p->lon < -69.8)) bad_geo++;
    if (!in_list(p->ses, ses, 3)) bad_ses++;
    else if (strcmp(p->ses, "High") == 0) n_high++;
    else if (strcmp(p->ses, "Low") == 0) n_low++;
    if (age >= 25 && strcmp(p->education, "bs_degree") == 0) { n_bs++; income_sum_bs += log(p->income); }
    if (age >= 25 && strcmp(p->education, "less_than_hs") == 0) { n_lhs++; income_sum_lhs += log(p->income); }
  }
  double fm = (double)n_m / N_PEOPLE;
  CHECK(fm > 0.47 && fm < 0.52, "sex ratio near 50/50 (male %.3f)", fm);
  CHECK_NEAR(fm, males / total, 0.01, "male share %.3f matches census %.3f", fm, males / total);
  CHECK_NEAR((double)n_65 / N_PEOPLE, over65 / total, 0.02, "65+ share %.3f within 2 points of census %.3f",
             (double)n_65 / N_PEOPLE, over65 / total);
  CHECK_NEAR((double)n_18 / N_PEOPLE, under18 / total, 0.02, "under-18 share %.3f near census %.3f",
             (double)n_18 / N_PEOPLE, under18 / total);
  CHECK_NEAR((double)n_hisp / N_PEOPLE, 0.187, 0.01, "hispanic share %.3f near 0.187", (double)n_hisp / N_PEOPLE);
  for (int r = 0; r < 6; r++)
    CHECK_NEAR((double)race_n[r] / N_PEOPLE, race_share[r], 0.012, "race %s share %.3f near %.3f",
               races[r], (double)race_n[r] / N_PEOPLE, race_share[r]);
  CHECK(bad_age == 0, "every age in 0..100 (%d bad)", bad_age);
  CHECK(bad_birth == 0, "birth before reference, alive, index kept (%d bad)", bad_birth);
  CHECK(bad_str == 0, "all fields filled and valid (%d bad)", bad_str);
  CHECK(bad_ids == 0, "SSN 999-XX-XXXX, licence >=16, passport >=18 (%d bad)", bad_ids);
  CHECK(bad_marital == 0, "marital M/S/D/W from 15, none before (%d bad)", bad_marital);
  CHECK(bad_maiden == 0, "maiden names only for ever-married women (%d bad)", bad_maiden);
  CHECK(n_married_f > 0 && (double)n_maiden / n_married_f > 0.7 && (double)n_maiden / n_married_f < 0.88,
        "married women with maiden name %.2f (about 0.79)", (double)n_maiden / n_married_f);
  CHECK(bad_prefix == 0, "prefix Mr./Mrs./Ms. for adults only (%d bad)", bad_prefix);
  CHECK(bad_geo == 0, "addresses in Massachusetts (%d bad)", bad_geo);
  CHECK(bad_ses == 0 && n_high > 0 && n_low > 0, "ses Low/Middle/High all occur (low %d high %d)", n_low, n_high);
  CHECK((double)n_lic / n_adult > 0.75 && (double)n_lic / n_adult < 0.92,
        "adults with a driver's licence %.2f", (double)n_lic / n_adult);
  CHECK(n_bs > 0 && n_lhs > 0 && exp(income_sum_bs / n_bs) > 2.0 * exp(income_sum_lhs / n_lhs),
        "income rises with education (geometric means %.0f vs %.0f)",
        exp(income_sum_bs / n_bs), exp(income_sum_lhs / n_lhs));
  vt_record_free(&rec);
}

static void test_filters_and_determinism(void) {
  vt_time ref = vt_time_from_date(2024, 2, 29);
  vt_record a, b;
  vt_record_init(&a); vt_record_init(&b);
  int bad_gender = 0, bad_range = 0, bad_zero = 0, same = 1;
  vt_demo_opts f = { ref, 30, 40, 'F', NULL };
  vt_demo_opts z = { ref, 0, 0, 0, NULL };
  vt_demo_opts rev = { ref, 70, 60, 'M', NULL };
  for (int i = 0; i < 3000; i++) {
    vt_rng r1, r2;
    vt_rng_seed_patient(&r1, 7, (uint64_t)i, 0);
    vt_record_reset(&a);
    vt_demo_draw(&r1, &f, &a);
    int age = vt_time_age_years(a.person.birth, ref);
    if (a.person.gender != 'F') bad_gender++;
    if (age < 30 || age > 40 || a.person.birth >= ref) bad_range++;

    vt_rng_seed_patient(&r1, 8, (uint64_t)i, 0);
    vt_record_reset(&a);
    vt_demo_draw(&r1, &z, &a);
    if (vt_time_age_years(a.person.birth, ref) != 0 || a.person.birth >= ref ||
        a.person.birth < ref - 366 * VT_MS_DAY)
      bad_zero++;

    vt_rng_seed_patient(&r1, 9, (uint64_t)i, 0);
    vt_record_reset(&a);
    vt_demo_draw(&r1, &rev, &a);
    age = vt_time_age_years(a.person.birth, ref);
    if (a.person.gender != 'M') bad_gender++;
    if (age < 60 || age > 70) bad_range++;

    /* same seed, same person */
    vt_rng_seed_patient(&r1, 11, (uint64_t)i, 0);
    vt_rng_seed_patient(&r2, 11, (uint64_t)i, 0);
    vt_demo_opts all = { ref_time(), 0, 100, 0, NULL };
    vt_record_reset(&a); vt_record_reset(&b);
    vt_demo_draw(&r1, &all, &a);
    vt_demo_draw(&r2, &all, &b);
    const vt_person_row *p = &a.person, *q = &b.person;
    if (p->birth != q->birth || p->gender != q->gender || strcmp(p->first, q->first) ||
        strcmp(p->last, q->last) || strcmp(p->address, q->address) || strcmp(p->ssn, q->ssn) ||
        strcmp(p->birthplace, q->birthplace) || p->income != q->income || p->lat != q->lat ||
        strcmp(p->ses, q->ses) || r1.s[0] != r2.s[0])
      same = 0;
  }
  CHECK(bad_gender == 0, "gender filter honoured (%d bad)", bad_gender);
  CHECK(bad_range == 0, "age filter honoured, also reversed bounds (%d bad)", bad_range);
  CHECK(bad_zero == 0, "age 0..0 gives births in the last year before a 29 Feb reference (%d bad)", bad_zero);
  CHECK(same, "a fixed seed gives the same person");
  vt_record_free(&a); vt_record_free(&b);
}

static void test_life_table(void) {
  int mono = 1, male_higher = 0;
  for (int a = 10; a < 100; a++) {
    if (vt_life_qx('M', a + 1) < vt_life_qx('M', a) || vt_life_qx('F', a + 1) < vt_life_qx('F', a)) mono = 0;
    if (vt_life_qx('M', a) > vt_life_qx('F', a)) male_higher++;
  }
  CHECK(mono, "qx does not decrease after age 10");
  CHECK(male_higher == 90, "male qx above female at every age 10..99 (%d)", male_higher);
  CHECK(vt_life_qx('M', 150) == vt_life_qx('M', 100) && vt_life_qx('M', 150) <= 1.0, "100+ uses the last value");
  CHECK(vt_life_qx('M', 0) > 0.004 && vt_life_qx('M', 0) < 0.008, "infant mortality %.4f", vt_life_qx('M', 0));

  /* life expectancy at birth from qx, computed here independently */
  for (int s = 0; s < 2; s++) {
    char g = s ? 'F' : 'M';
    double l = 1, e = 0;
    for (int a = 0; a < 100; a++) {
      double d = l * vt_life_qx(g, a);
      e += l - d * (a == 0 ? 0.9 : 0.5);
      l -= d;
    }
    double q = vt_life_qx(g, 100);
    e += l * (1 - q / 2) / q;
    double published = s ? 79.9 : 74.2;   /* NVSR 71-1, 2020 */
    CHECK_NEAR(e, published, 1.0, "e0 %c %.2f within a year of published %.1f", g, e, published);
    CHECK_NEAR(vt_life_expectancy(g, 0), e, 0.01, "vt_life_expectancy(%c, 0) = %.2f", g, vt_life_expectancy(g, 0));
  }
  double e65 = vt_life_expectancy('M', 65);
  CHECK(e65 > 16.0 && e65 < 18.5, "male e65 %.2f", e65);

  /* sampled deaths: mean age at death ~ e0, conditional draws after alive_at */
  vt_time birth = vt_time_from_date(1952, 2, 29) + 5 * VT_MS_HOUR;
  double sum = 0; int n = 20000, bad_order = 0, none = 0;
  vt_rng rng;
  vt_rng_seed(&rng, 99);
  for (int i = 0; i < n; i++) {
    vt_time d = vt_life_draw_death(&rng, 'M', birth, VT_NO_TIME, VT_NO_TIME);
    if (d == VT_NO_TIME) { none++; continue; }
    if (d <= birth) bad_order++;
    sum += vt_time_age_exact(birth, d);
  }
  CHECK(none == 0 && bad_order == 0, "unconditional deaths all after birth (%d none, %d bad)", none, bad_order);
  CHECK_NEAR(sum / n, vt_life_expectancy('M', 0), 0.4, "mean sampled age at death %.2f vs e0 %.2f",
             sum / n, vt_life_expectancy('M', 0));

  vt_time at70 = birth + 70 * VT_MS_YEAR + 100 * VT_MS_DAY;
  double exact70 = vt_time_age_exact(birth, at70);
  sum = 0; bad_order = 0;
  for (int i = 0; i < n; i++) {
    vt_time d = vt_life_draw_death(&rng, 'F', birth, at70, VT_NO_TIME);
    if (d == VT_NO_TIME || d <= at70) { bad_order++; continue; }
    sum += vt_time_age_exact(birth, d) - exact70;
  }
  /* remaining life from 70.27: between e70 and e71 */
  double e70 = vt_life_expectancy('F', 70), e71 = vt_life_expectancy('F', 71);
  CHECK(bad_order == 0, "conditional deaths after alive_at (%d bad)", bad_order);
  CHECK(sum / n < e70 + 0.3 && sum / n > e71 - 0.3, "remaining life at 70.3 %.2f between e71 %.2f and e70 %.2f",
        sum / n, e71, e70);

  vt_time until = birth + 60 * VT_MS_YEAR;
  int before = 0, late = 0;
  for (int i = 0; i < n; i++) {
    vt_time d = vt_life_draw_death(&rng, 'M', birth, VT_NO_TIME, until);
    if (d == VT_NO_TIME) continue;
    if (d >= until) late++;
    before++;
  }
  double l60 = 1;
  for (int a = 0; a < 60; a++) l60 *= 1 - vt_life_qx('M', a);
  CHECK(late == 0, "no death returned at or after `until`");
  CHECK_NEAR((double)before / n, 1 - l60, 0.01, "share dying before 60 %.3f vs table %.3f",
             (double)before / n, 1 - l60);
  CHECK(vt_life_draw_death(&rng, 'M', birth, until, until) == VT_NO_TIME, "alive_at == until gives no death");
}

static void test_growth(void) {
  vt_growth g0 = { 0, 0 }, g1 = { 1, 1 };
  double h, w, b;
  vt_growth_at(&g0, 'M', 0, &h, &w, &b);
  CHECK(h > 49 && h < 51 && w > 3.3 && w < 3.8, "newborn boy %.1f cm %.2f kg", h, w);
  vt_growth_at(&g0, 'M', 10, &h, &w, &b);
  CHECK_NEAR(h, 138, 1.5, "boys at 10 y: median height %.1f cm (~138)", h);
  CHECK_NEAR(w, 32, 1.5, "boys at 10 y: median weight %.1f kg (~32)", w);
  vt_growth_at(&g0, 'F', 10, &h, &w, &b);
  CHECK_NEAR(h, 138, 1.5, "girls at 10 y: median height %.1f cm", h);
  vt_growth_at(&g0, 'M', 2, &h, &w, &b);
  CHECK(h > 85 && h < 89 && w > 12 && w < 13.5, "boys at 2 y %.1f cm %.1f kg", h, w);
  vt_growth_at(&g0, 'M', 35, &h, &w, &b);
  CHECK_NEAR(h, 175, 2.0, "adult men median height %.1f cm (~175)", h);
  CHECK(b > 27 && b < 30, "adult men median BMI %.1f", b);
  CHECK_NEAR(w, b * h * h / 10000, 1e-9, "weight = BMI * height^2");
  vt_growth_at(&g0, 'F', 35, &h, &w, &b);
  CHECK_NEAR(h, 162, 2.0, "adult women median height %.1f cm (~162)", h);
  double b50, b80;
  vt_growth_at(&g0, 'M', 55, NULL, NULL, &b50);
  vt_growth_at(&g0, 'M', 85, NULL, NULL, &b80);
  CHECK(b80 < b50, "BMI falls in old age (%.1f at 55, %.1f at 85)", b50, b80);
  double h1;
  vt_growth_at(&g1, 'F', 12, &h1, NULL, NULL);
  vt_growth_at(&g0, 'F', 12, &h, NULL, NULL);
  CHECK(h1 > h + 4 && h1 < h + 10, "z=+1 is taller (%.1f vs %.1f)", h1, h);

  vt_growth g3 = { 3, 3 };
  vt_growth_at(&g3, 'F', 15, NULL, NULL, &b);
  CHECK(b > 35 && b < 50, "z=+3 teenage girl BMI %.1f stays plausible", b);

  /* continuity at the chart boundaries */
  int smooth = 1;
  for (int s = 0; s < 2; s++)
    for (double z = -2; z <= 2; z += 1) {
      vt_growth g = { z, z };
      double ages[] = { 2.0, 3.0, 20.0, 21.0, 25.0 };
      for (int i = 0; i < 5; i++) {
        double ha, wa, hb, wb;
        vt_growth_at(&g, s ? 'F' : 'M', ages[i] - 1e-6, &ha, &wa, NULL);
        vt_growth_at(&g, s ? 'F' : 'M', ages[i] + 1e-6, &hb, &wb, NULL);
        if (fabs(ha - hb) > 0.05 || fabs(wa - wb) > 0.05) smooth = 0;
      }
    }
  CHECK(smooth, "height and weight continuous at 2, 3, 20, 21 and 25 years");

  /* population spread: adult men at 40 */
  vt_rng rng;
  vt_rng_seed(&rng, 5);
  double s1 = 0, s2 = 0, obese = 0; int n = 20000, in_range = 1;
  for (int i = 0; i < n; i++) {
    vt_growth g;
    vt_growth_draw(&rng, &g);
    if (fabs(g.z_height) > 3 || fabs(g.z_bmi) > 3) in_range = 0;
    vt_growth_at(&g, 'M', 40, &h, &w, &b);
    s1 += h; s2 += h * h;
    if (b >= 30) obese++;
    for (double a = 0; a <= 90; a += 7.5) {
      vt_growth_at(&g, i % 2 ? 'F' : 'M', a, &h, &w, &b);
      if (!(h > 40 && h < 215 && w > 1.0 && w < 220 && b > 6 && b < 70)) in_range = 0;
    }
  }
  double mean = s1 / n, sd = sqrt(s2 / n - mean * mean);
  CHECK_NEAR(mean, 176, 1.0, "men at 40: mean height %.1f", mean);
  CHECK_NEAR(sd, 7.6, 0.5, "men at 40: SD height %.2f", sd);
  CHECK(obese / n > 0.3 && obese / n < 0.55, "men at 40: obese share %.2f (NHANES ~0.4)", obese / n);
  CHECK(in_range, "growth z within +-3 and measures plausible at all ages");
}

static void test_vitals(void) {
  vt_rng rng;
  vt_rng_seed(&rng, 17);
  struct { char g; double age; double sbp_lo, sbp_hi, hr_lo, hr_hi, rr_lo, rr_hi; } cases[] = {
    { 'M', 0.1, 65, 85, 130, 155, 38, 48 },
    { 'F', 5, 85, 95, 90, 105, 20, 26 },
    { 'M', 40, 115, 127, 64, 76, 14, 18 },
    { 'F', 75, 128, 142, 68, 80, 14, 18 },
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    double sbp = 0, dbp = 0, hr = 0, rr = 0, t = 0; int n = 5000, ok = 1;
    for (int i = 0; i < n; i++) {
      vt_vitals v;
      vt_vitals_draw(&rng, cases[c].g, cases[c].age, 0, &v);
      sbp += v.systolic; dbp += v.diastolic; hr += v.heart_rate; rr += v.resp_rate; t += v.temperature;
      if (v.diastolic >= v.systolic || v.systolic < 50 || v.heart_rate < 40 || v.resp_rate < 8 ||
          v.temperature < 35.5 || v.temperature > 38 || v.systolic != round(v.systolic))
        ok = 0;
    }
    sbp /= n; dbp /= n; hr /= n; rr /= n; t /= n;
    CHECK(sbp > cases[c].sbp_lo && sbp < cases[c].sbp_hi && hr > cases[c].hr_lo && hr < cases[c].hr_hi &&
          rr > cases[c].rr_lo && rr < cases[c].rr_hi && t > 36.4 && t < 37.1 && dbp > 30 && dbp < 85 && ok,
          "vitals %c %.1f y: BP %.0f/%.0f HR %.0f RR %.1f T %.2f", cases[c].g, cases[c].age, sbp, dbp, hr, rr, t);
  }
  double base = 0, high = 0, dbase = 0, dhigh = 0;
  for (int i = 0; i < 5000; i++) {
    vt_vitals v;
    vt_vitals_draw(&rng, 'M', 55, 0, &v); base += v.systolic; dbase += v.diastolic;
    vt_vitals_draw(&rng, 'M', 55, 20, &v); high += v.systolic; dhigh += v.diastolic;
  }
  CHECK_NEAR((high - base) / 5000, 20, 1.0, "bp_offset 20 raises systolic by %.1f", (high - base) / 5000);
  CHECK_NEAR((dhigh - dbase) / 5000, 10, 1.0, "and diastolic by %.1f", (dhigh - dbase) / 5000);
}

static void test_wellness(void) {
  vt_time birth = vt_time_from_date(2000, 1, 31) + 14 * VT_MS_HOUR;
  /* expected visit ages in months after the day-4 visit */
  int expect[80], ne = 0;
  int kids[] = { 1, 2, 4, 6, 9, 12, 15, 18, 24, 30 };
  for (int i = 0; i < 10; i++) expect[ne++] = kids[i];
  for (int y = 3; y <= 21; y++) expect[ne++] = 12 * y;
  for (int y = 24; y <= 39; y += 3) expect[ne++] = 12 * y;
  for (int y = 40; y <= 60; y++) expect[ne++] = 12 * y;

  vt_time t = vt_wellness_next(birth, birth);
  CHECK(t == birth + 4 * VT_MS_DAY, "first visit on day 4");
  CHECK(vt_wellness_next(birth, birth - VT_MS_YEAR) == t, "a time before birth gives the first visit");
  int ok = 1, monotone = 1;
  for (int i = 0; i < ne; i++) {
    vt_time next = vt_wellness_next(birth, t);
    if (next <= t) monotone = 0;
    int y, m, d, by, bm, bd;
    vt_civil_from_days(next / VT_MS_DAY, &y, &m, &d);
    vt_civil_from_days(birth / VT_MS_DAY, &by, &bm, &bd);
    int months = (y - by) * 12 + (m - bm);
    if (months != expect[i] || (next % VT_MS_DAY) != (birth % VT_MS_DAY)) {
      if (ok) printf("# visit %d at %d months, expected %d\n", i, months, expect[i]);
      ok = 0;
    }
    t = next;
  }
  CHECK(ok, "schedule: 1,2,4,6,9,12,15,18,24,30 months, yearly 3-21, 3-yearly to 39, yearly from 40");
  CHECK(monotone, "each next visit is after the previous one");
  /* from arbitrary times: the next visit is after and within the interval */
  vt_time a25 = birth + (vt_time)(25.5 * VT_MS_YEAR), a50 = birth + (vt_time)(50.5 * VT_MS_YEAR);
  vt_time n25 = vt_wellness_next(birth, a25), n50 = vt_wellness_next(birth, a50);
  CHECK(vt_time_age_years(birth, n25) == 27 && n25 > a25, "at 25.5 the next visit is at 27");
  CHECK(vt_time_age_years(birth, n50) == 51 && n50 > a50, "at 50.5 the next visit is at 51");
  vt_time feb29 = vt_time_from_date(2004, 2, 29);
  vt_time nv = vt_wellness_next(feb29, feb29 + (vt_time)(4.5 * VT_MS_YEAR));
  char buf[11];
  vt_time_format_date(nv, buf);
  CHECK(strcmp(buf, "2009-02-28") == 0, "29 Feb birth: yearly visit on 28 Feb of a common year (%s)", buf);
}

static void test_speed(void) {
  vt_record rec;
  vt_record_init(&rec);
  vt_demo_opts o = { ref_time(), 0, 100, 0, NULL };
  vt_rng rng;
  vt_rng_seed(&rng, 1);
  clock_t c0 = clock();
  int n = 100000;
  for (int i = 0; i < n; i++) {
    vt_record_reset(&rec);
    vt_demo_draw(&rng, &o, &rec);
  }
  double demo_us = 1e6 * (double)(clock() - c0) / CLOCKS_PER_SEC / n;
  c0 = clock();
  double acc = 0;
  vt_growth g = { 0.3, -0.2 };
  vt_vitals v;
  for (int i = 0; i < n; i++) {
    double h, w;
    vt_growth_at(&g, 'F', (i % 900) / 10.0, &h, &w, NULL);
    vt_vitals_draw(&rng, 'F', (i % 900) / 10.0, 0, &v);
    acc += h + v.systolic;
  }
  double visit_us = 1e6 * (double)(clock() - c0) / CLOCKS_PER_SEC / n;
  printf("# vt_demo_draw %.2f us, growth+vitals %.3f us (%g)\n", demo_us, visit_us, acc > 0 ? 1.0 : 0.0);
  CHECK(demo_us < 50 && visit_us < 10, "fast enough (demo %.2f us, visit %.3f us)", demo_us, visit_us);
  vt_record_free(&rec);
}

int main(void) {
  test_population();
  test_filters_and_determinism();
  test_life_table();
  test_growth();
  test_vitals();
  test_wellness();
  test_speed();
  return test_done();
}
