/*
** test_synthea_attrs.c -- the attributes and vital signs Synthea sets in
** Java (sim/synthea_attrs.h): types after birth for many people, shares
** against their cited figures, lab ranges by condition, the risk scores
** (including the published Pooled Cohort Equations examples), weekly steps
** through a life (smoking at 16, quitting, marital status at 27) and that a
** step within the year changes nothing.
*/
#include "sim/synthea_attrs.h"
#include "sim/lifetables.h"
#include "tests/unit/test.h"

#include <stdlib.h>

#define N_PEOPLE 4000

static vt_time ref_time(void) { return vt_time_from_date(2024, 1, 1); }

static const vt_slot *attr(const vt_patient *p, const char *k) { return vt_map_get(&p->attrs, k); }
static const vt_slot *vital(const vt_patient *p, const char *k) { return vt_map_get(&p->vitals, k); }
static int is_kind(const vt_slot *s, int kind) { return s && s->v.kind == kind; }
static double num(const vt_slot *s) { return s && s->v.kind == VT_V_NUM ? s->v.u.n : NAN; }
static int in_list(const char *s, const char *const *list, int n) {
  if (!s) return 0;
  for (int i = 0; i < n; i++) if (strcmp(s, list[i]) == 0) return 1;
  return 0;
}

/* A fresh patient drawn by demographics.c, born at the person row's birth. */
static void new_person(vt_patient *p, uint64_t seed, int age_min, int age_max) {
  vt_patient_reset(p);
  vt_rng_seed_patient(&p->rng, 7, seed, 0);
  vt_demo_opts o = { ref_time(), age_min, age_max, 0, NULL };
  vt_demo_draw(&p->rng, &o, &p->rec);
  p->rec.person.index = (int64_t)seed;
}

/* A patient with a fixed person row (born `birth`), for controlled checks. */
static void fixed_person(vt_patient *p, uint64_t seed, char gender, vt_time birth) {
  vt_patient_reset(p);
  vt_rng_seed_patient(&p->rng, 11, seed, 0);
  vt_person_row *r = &p->rec.person;
  memset(r, 0, sizeof *r);
  r->gender = gender;
  r->birth = birth;
  r->death = VT_NO_TIME;
  r->race = "white"; r->ethnicity = "nonhispanic";
  r->state = "Massachusetts"; r->county = "Middlesex County"; r->city = "Cambridge";
  r->birthplace = "Cambridge, Massachusetts, US";
  r->marital = "M"; r->education = "bs_degree"; r->income = 90000; r->ses = "High";
}

static void set_num(vt_map *m, const char *k, double v) {
  vt_slot *s = vt_map_put(m, k, NULL);
  s->v.kind = VT_V_NUM; s->v.u.n = v;
}
static void set_bool(vt_map *m, const char *k, int b) {
  vt_slot *s = vt_map_put(m, k, NULL);
  s->v.kind = VT_V_BOOL; s->v.u.b = b;
}

/* Vital signs the engine would have measured at a visit. */
static void measured(vt_patient *p, double height, double weight, double sbp) {
  set_num(&p->vitals, "Height", height);
  set_num(&p->vitals, "Weight", weight);
  set_num(&p->vitals, "BMI", weight / (height / 100.0) / (height / 100.0));
  set_num(&p->vitals, "Systolic Blood Pressure", sbp);
  set_num(&p->vitals, "Diastolic Blood Pressure", sbp * 0.65);
}

static void test_birth_types(vt_patient *p) {
  static const char *const orient[] = { "heterosexual", "homosexual", "bisexual" };
  static const char *const ins[] = { "medicare", "medicaid", "private", "none" };
  static const char *const langs[] = { "english", "spanish", "italian", "french", "german", "polish",
    "portuguese", "russian", "greek", "chinese", "japanese", "korean", "vietnamese", "hindi", "arabic" };
  static const char *const str_keys[] = { "gender", "race", "ethnicity", "state", "education",
    "first_language", "birth_country", "sexual_orientation", "insurance_status", "address" };
  static const char *const bool_keys[] = { "RH_NEG", "food_insecurity", "severe_housing_cost_burden",
    "unemployed", "no_vehicle_access", "active_weight_management" };
  static const char *const lab_keys[] = { "Glucose", "Urea Nitrogen", "Creatinine", "Calcium", "Sodium",
    "Potassium", "Chloride", "Carbon Dioxide", "Total Cholesterol", "Triglycerides", "HDL", "LDL",
    "Blood Glucose", "EGFR", "Microalbumin Creatinine Ratio", "Oxygen Saturation",
    "Head Circumference", "Head Circumference Percentile" };
  int bad_str = 0, bad_bool = 0, bad_num = 0, bad_lab = 0, bad_vals = 0, bad_next = 0, bad_nil = 0;
  int n_rh = 0, n_het = 0, n_food = 0, n_novehicle = 0, n_spanish = 0, n_hisp = 0, n_us = 0;
  for (int i = 0; i < N_PEOPLE; i++) {
    new_person(p, (uint64_t)i, 0, 100);
    vt_time birth = p->rec.person.birth;
    vt_sattr_birth(p, birth);
    for (int k = 0; k < (int)(sizeof str_keys / sizeof *str_keys); k++)
      if (!is_kind(attr(p, str_keys[k]), VT_V_STR)) bad_str++;
    for (int k = 0; k < (int)(sizeof bool_keys / sizeof *bool_keys); k++)
      if (!is_kind(attr(p, bool_keys[k]), VT_V_BOOL)) bad_bool++;
    if (!is_kind(attr(p, "income"), VT_V_NUM) || !is_kind(attr(p, "poverty_ratio"), VT_V_NUM)) bad_num++;
    for (int k = 0; k < (int)(sizeof lab_keys / sizeof *lab_keys); k++)
      if (!is_kind(vital(p, lab_keys[k]), VT_V_NUM)) bad_lab++;
    /* not set at birth: set later or never */
    if (attr(p, "smoker") || attr(p, "marital_status") || attr(p, "bmi_percentile")
        || attr(p, "probability_of_fall_injury") || attr(p, "coronary_heart_disease")
        || attr(p, "days_until_death") || attr(p, "C19_FULLY_VACCINATED")) bad_nil++;
    const char *g = attr(p, "gender")->v.u.s;
    if (g[0] != p->rec.person.gender || g[1] || !in_list(attr(p, "sexual_orientation")->v.u.s, orient, 3)
        || !in_list(attr(p, "insurance_status")->v.u.s, ins, 4)
        || !in_list(attr(p, "first_language")->v.u.s, langs, (int)(sizeof langs / sizeof *langs))
        || strlen(attr(p, "birth_country")->v.u.s) != 2
        || fabs(num(attr(p, "poverty_ratio")) * 17550.0 - p->rec.person.income) > 1e-6)
      bad_vals++;
    if (!(num(attr(p, "vitae_sattr_next")) > (double)birth)) bad_next++;
    n_rh += attr(p, "RH_NEG")->v.u.b;
    n_het += strcmp(attr(p, "sexual_orientation")->v.u.s, "heterosexual") == 0;
    n_food += attr(p, "food_insecurity")->v.u.b;
    n_novehicle += attr(p, "no_vehicle_access")->v.u.b;
    n_us += strcmp(attr(p, "birth_country")->v.u.s, "US") == 0;
    if (strcmp(p->rec.person.ethnicity, "hispanic") == 0) {
      n_hisp++;
      n_spanish += strcmp(attr(p, "first_language")->v.u.s, "spanish") == 0;
    }
  }
  CHECK(bad_str == 0, "birth: string attributes present as strings (%d missing)", bad_str);
  CHECK(bad_bool == 0, "birth: boolean attributes present as booleans (%d missing)", bad_bool);
  CHECK(bad_num == 0, "birth: income and poverty_ratio are numbers (%d missing)", bad_num);
  CHECK(bad_lab == 0, "birth: lab vital signs and head circumference set (%d missing)", bad_lab);
  CHECK(bad_nil == 0, "birth: later and never-set attributes are nil (%d set)", bad_nil);
  CHECK(bad_vals == 0, "birth: values in their sets, poverty_ratio = income / 17550 (%d bad)", bad_vals);
  CHECK(bad_next == 0, "birth: next event scheduled after birth (%d bad)", bad_next);
  double n = N_PEOPLE;
  /* binomial tolerance: 4 standard deviations */
  CHECK_NEAR(n_rh / n, 0.15, 4 * sqrt(0.15 * 0.85 / n), "RH_NEG share %.3f vs 0.15", n_rh / n);
  double het = 96.6 / (96.6 + 1.6 + 0.7);
  CHECK_NEAR(n_het / n, het, 4 * sqrt(het * (1 - het) / n), "heterosexual share %.4f vs %.4f", n_het / n, het);
  CHECK(n_food / n > 0.06 && n_food / n < 0.12, "food insecurity share %.3f within the county range 0.062-0.119", n_food / n);
  CHECK(n_novehicle / n > 0.03 && n_novehicle / n < 0.33, "no vehicle share %.3f within the county range", n_novehicle / n);
  CHECK(n_us / n > 0.6 && n_us / n < 1.0, "most people born in the US (%.3f)", n_us / n);
  double sp = (double)n_spanish / n_hisp;
  CHECK_NEAR(sp, 0.5115, 4 * sqrt(0.5115 * 0.4885 / n_hisp), "Spanish first language among Hispanic %.3f vs 0.5115", sp);
}

/* Published examples of the Pooled Cohort Equations (Goff et al. 2013,
** Appendix 7, Table B): age 55, total cholesterol 213, HDL 50, untreated
** systolic 120, non-smoker, not diabetic. */
static void test_ascvd(void) {
  CHECK_NEAR(vt_sattr_ascvd10('F', 0, 55, 213, 50, 120, 0, 0, 0), 0.021, 0.0015, "PCE white woman example 2.1%%");
  CHECK_NEAR(vt_sattr_ascvd10('F', 1, 55, 213, 50, 120, 0, 0, 0), 0.030, 0.0015, "PCE African American woman example 3.0%%");
  CHECK_NEAR(vt_sattr_ascvd10('M', 0, 55, 213, 50, 120, 0, 0, 0), 0.053, 0.0015, "PCE white man example 5.3%%");
  CHECK_NEAR(vt_sattr_ascvd10('M', 1, 55, 213, 50, 120, 0, 0, 0), 0.061, 0.0015, "PCE African American man example 6.1%%");
  CHECK(vt_sattr_ascvd10('M', 0, 39, 213, 50, 120, 0, 0, 0) == -1.0 && vt_sattr_ascvd10('M', 0, 80, 213, 50, 120, 0, 0, 0) == -1.0,
        "PCE not applicable outside 40-79 (-1, as Synthea)");
  int mono = 1;
  for (int g = 0; g < 2; g++)
    for (int a = 41; a <= 79; a++)
      if (vt_sattr_ascvd10(g ? 'M' : 'F', 0, a, 200, 50, 130, 0, 0, 0) <= vt_sattr_ascvd10(g ? 'M' : 'F', 0, a - 1, 200, 50, 130, 0, 0, 0))
        mono = 0;
  CHECK(mono, "ASCVD risk increases with every year of age 40-79, both sexes");
  CHECK(vt_sattr_ascvd10('M', 0, 60, 200, 50, 130, 0, 1, 0) > vt_sattr_ascvd10('M', 0, 60, 200, 50, 130, 0, 0, 0)
        && vt_sattr_ascvd10('M', 0, 60, 200, 50, 130, 0, 0, 1) > vt_sattr_ascvd10('M', 0, 60, 200, 50, 130, 0, 0, 0),
        "ASCVD risk higher for smokers and diabetics");
}

/* Risk attributes through the hooks: zero before 40, rising with age. */
static void test_risks(vt_patient *p) {
  double mean_mi[4] = { 0 }, mean_af[4] = { 0 };
  static const int ages[4] = { 30, 50, 65, 78 };
  int bad_types = 0, n = 400;
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < 4; k++) {
      vt_time birth = vt_time_from_date(1930, 3, 10);
      fixed_person(p, (uint64_t)(i * 4 + k), 'M', birth);
      vt_sattr_birth(p, birth);
      vt_time t = vt_time_from_date(1930 + ages[k], 6, 1);
      measured(p, 176, 85, 135);
      vt_sattr_wellness(p, t);
      static const char *const keys[] = { "mi_risk", "ihd_risk", "stroke_risk", "atrial_fibrillation_risk", "cardio_risk" };
      for (int j = 0; j < 5; j++) {
        double v = num(attr(p, keys[j]));
        if (!(v >= 0.0 && v < 0.2)) bad_types++;
      }
      mean_mi[k] += num(attr(p, "mi_risk")) / n;
      mean_af[k] += num(attr(p, "atrial_fibrillation_risk")) / n;
      if (ages[k] >= 65 && !(num(attr(p, "probability_of_fall_injury")) == 0.035)) bad_types++;
      if (ages[k] < 65 && attr(p, "probability_of_fall_injury")) bad_types++;
    }
  }
  CHECK(bad_types == 0, "risk attributes are probabilities in [0, 0.2); fall risk 0.035 from 65 only (%d bad)", bad_types);
  CHECK(mean_mi[0] == 0.0 && mean_mi[1] > 0 && mean_mi[2] > mean_mi[1] && mean_mi[3] > mean_mi[2],
        "mean mi_risk rises with age: %.2g %.2g %.2g %.2g", mean_mi[0], mean_mi[1], mean_mi[2], mean_mi[3]);
  CHECK(mean_af[0] == 0.0 && mean_af[2] > mean_af[1] && mean_af[3] > mean_af[2],
        "mean atrial_fibrillation_risk rises with age: %.2g %.2g %.2g %.2g", mean_af[0], mean_af[1], mean_af[2], mean_af[3]);
  /* a monthly risk of a 10-year risk r is 1-(1-r)^(30/3652) */
  fixed_person(p, 99, 'F', vt_time_from_date(1950, 1, 1));
  vt_sattr_birth(p, p->rec.person.birth);
  vt_time t = vt_time_from_date(2005, 2, 1);   /* age 55 */
  measured(p, 163, 60, 120);
  vt_sattr_wellness(p, t);
  double tc = num(vital(p, "Total Cholesterol")), hdl = num(vital(p, "HDL"));
  double r10 = vt_sattr_ascvd10('F', 0, 55, tc, hdl, 120, 0, 0, 0);
  double monthly = 1.0 - pow(1.0 - r10, 30.0 / 3652.0);
  CHECK_NEAR(num(attr(p, "mi_risk")), monthly * 0.5, 1e-12, "mi_risk = monthly ASCVD risk x 0.5 (%.3g)", monthly * 0.5);
  CHECK_NEAR(num(attr(p, "ihd_risk")), monthly * 5, 1e-12, "ihd_risk = monthly ASCVD risk x 5");
  CHECK_NEAR(num(attr(p, "stroke_risk")), monthly * 0.5, 1e-12, "stroke_risk = monthly ASCVD risk x 0.5");
}

static void test_labs(vt_patient *p) {
  int bad_normal = 0, bad_dm = 0, bad_ckd = 0, bad_pre = 0, n = 500;
  for (int i = 0; i < n; i++) {
    vt_time birth = vt_time_from_date(1960, 5, 5);
    fixed_person(p, (uint64_t)i, i % 2 ? 'M' : 'F', birth);
    vt_sattr_birth(p, birth);
    vt_time t = vt_time_from_date(2010, 6, 1);
    measured(p, 170, 70, 125);
    vt_sattr_wellness(p, t);
    double g = num(vital(p, "Glucose")), a1c = num(vital(p, "Blood Glucose")), egfr = num(vital(p, "EGFR"));
    double cr = num(vital(p, "Creatinine")), tg = num(vital(p, "Triglycerides")), hdl = num(vital(p, "HDL"));
    double tc = num(vital(p, "Total Cholesterol")), ldl = num(vital(p, "LDL")), o2 = num(vital(p, "Oxygen Saturation"));
    if (!(g >= 64 && g <= 100 && a1c >= 5.0 && a1c <= 5.7 && tg >= 100 && tg <= 150 && hdl >= 59 && hdl <= 80
          && tc >= 160 && tc <= 200 && ldl > 40 && ldl < 130 && egfr >= 56 && egfr <= 161 && cr > 0.3 && cr < 1.6
          && o2 >= 90 && o2 <= 98 && num(vital(p, "Sodium")) >= 136 && num(vital(p, "Sodium")) <= 144
          && num(vital(p, "Potassium")) >= 3.7 && num(vital(p, "Potassium")) <= 5.2
          && num(vital(p, "Calcium")) >= 8.5 && num(vital(p, "Calcium")) <= 10.2
          && num(vital(p, "Microalbumin Creatinine Ratio")) <= 17))
      bad_normal++;
    /* diabetes, severity 2, BMI 40: HbA1c = BMI / 4, glucose 125-200, lipids of band 2 */
    set_bool(&p->attrs, "diabetes", 1);
    set_num(&p->attrs, "diabetes_severity", 2);
    measured(p, 170, 40 * 1.7 * 1.7, 125);
    vt_sattr_wellness(p, t);
    g = num(vital(p, "Glucose")); a1c = num(vital(p, "Blood Glucose")); tg = num(vital(p, "Triglycerides"));
    if (!(g >= 125 && g <= 200 && fabs(a1c - 10.0) < 1e-9 && tg >= 199 && tg <= 499)) bad_dm++;
    /* metformin lowers it by 1.5 points */
    static const vt_code metformin = { "RxNorm", "860975", "metformin" };
    vt_actives_add(&p->active[VT_ACT_MEDICATION], &metformin, -1, -1, -1);
    vt_sattr_wellness(p, t);
    if (fabs(num(vital(p, "Blood Glucose")) - 8.5) > 1e-9) bad_dm++;
    /* CKD 3 (severe): eGFR 15-29, ratio 30-300, creatinine up */
    set_num(&p->attrs, "ckd", 3);
    vt_sattr_wellness(p, t);
    egfr = num(vital(p, "EGFR"));
    if (!(egfr >= 15 && egfr <= 29 && num(vital(p, "Microalbumin Creatinine Ratio")) >= 30
          && num(vital(p, "Creatinine")) > 1.5)) bad_ckd++;
    /* prediabetes: 5.8-6.4 */
    vt_patient_reset(p);
    fixed_person(p, (uint64_t)i + 100000, 'F', birth);
    vt_sattr_birth(p, birth);
    set_bool(&p->attrs, "prediabetes", 1);
    set_bool(&p->attrs, "chf", 1);
    measured(p, 160, 60, 120);
    vt_sattr_wellness(p, t);
    a1c = num(vital(p, "Blood Glucose")); o2 = num(vital(p, "Oxygen Saturation"));
    if (!(a1c >= 5.8 && a1c <= 6.4 && o2 >= 75 && o2 <= 88)) bad_pre++;
  }
  CHECK(bad_normal == 0, "labs of a healthy adult within the biometrics.yml ranges (%d bad)", bad_normal);
  CHECK(bad_dm == 0, "diabetes: HbA1c = BMI/4, metformin -1.5, glucose 125-200, triglycerides of band 2 (%d bad)", bad_dm);
  CHECK(bad_ckd == 0, "ckd 3: eGFR 15-29, albumin ratio >= 30, creatinine raised (%d bad)", bad_ckd);
  CHECK(bad_pre == 0, "prediabetes HbA1c 5.8-6.4; chf gives hypoxemic saturation (%d bad)", bad_pre);
}

static void test_children(vt_patient *p) {
  CHECK_NEAR(vt_sattr_bmi_percentile('M', 60.5, 15.4191), 50.0, 0.01, "BMI at the CDC median (boy, 60.5 months) is the 50th percentile");
  CHECK(vt_sattr_bmi_percentile('F', 120, 26.0) > 95.0, "BMI 26 at 10 years (girl) is above the 95th percentile (%.1f)",
        vt_sattr_bmi_percentile('F', 120, 26.0));
  double head_sum = 0; int bad = 0, n = 300;
  for (int i = 0; i < n; i++) {
    vt_time birth = vt_time_from_date(2010, 1, 15);
    fixed_person(p, (uint64_t)i, 'M', birth);
    vt_sattr_birth(p, birth);
    head_sum += num(vital(p, "Head Circumference")) / n;
    /* 12 months: length 76 cm, weight 10.2 kg */
    measured(p, 76, 10.2, 90);
    vt_sattr_wellness(p, vt_time_from_date(2011, 1, 20));
    double wfl = num(attr(p, "current_weight_length_percentile"));
    double head = num(vital(p, "Head Circumference"));
    if (!(wfl > 30 && wfl < 80 && head > 42 && head < 51 && !attr(p, "bmi_percentile"))) bad++;
    /* 8 years, BMI 22: obese for age, >= 95 */
    measured(p, 128, 22 * 1.28 * 1.28, 100);
    vt_sattr_wellness(p, vt_time_from_date(2018, 2, 1));
    if (!(num(attr(p, "bmi_percentile")) >= 95)) bad++;
  }
  CHECK_NEAR(head_sum, 35.8, 0.4, "mean head circumference at birth (boys) %.2f cm near the CDC median 35.8", head_sum);
  CHECK(bad == 0, "infant weight-for-length percentile and head size plausible; bmi_percentile only from 2 years (%d bad)", bad);
}

/* Weekly steps from birth to 40 for people born in 2000. */
static void test_life(vt_patient *p) {
  int n = 3000, ever = 0, bad_age = 0, bad_quit = 0, bad_marital = 0, bad_ins = 0, bad_alc = 0, bad_idem = 0;
  vt_time birth0 = vt_time_from_date(2000, 3, 1);
  for (int i = 0; i < n; i++) {
    vt_time birth = birth0 + (vt_time)(i % 365) * VT_MS_DAY;
    fixed_person(p, (uint64_t)i, i % 2 ? 'M' : 'F', birth);
    p->rec.person.income = 10000 + 40 * i;   /* a range of poverty ratios */
    vt_sattr_birth(p, birth);
    int started_at = -1, checked_idem = 0;
    for (vt_time t = birth; t < birth + 40 * VT_MS_YEAR; t += VT_MS_WEEK) {
      int age = vt_time_age_years(birth, t);
      vt_sattr_step(p, t);
      if (started_at < 0 && attr(p, "smoker")) {
        started_at = age;
        if (attr(p, "smoker")->v.u.b || attr(p, "quit smoking age")) ever++;
      }
      if ((age < 16) != (attr(p, "smoker") == NULL)) bad_age++;
      if ((age < 27) != (attr(p, "marital_status") == NULL)) bad_marital++;
      if ((age < 25) != (attr(p, "alcoholic") == NULL)) bad_alc++;
      /* a step again at the same time and later in the same year changes nothing */
      if (!checked_idem && age == 10 && i < 200) {
        checked_idem = 1;
        int n0 = p->attrs.n;
        vt_slot copy[64];
        if (n0 > 64) { bad_idem++; continue; }
        memcpy(copy, p->attrs.slots, (size_t)n0 * sizeof *copy);
        vt_sattr_step(p, t);
        vt_sattr_step(p, t + VT_MS_DAY);
        vt_sattr_step(p, t + 20 * VT_MS_WEEK);
        if (p->attrs.n != n0 || memcmp(copy, p->attrs.slots, (size_t)n0 * sizeof *copy) != 0) bad_idem++;
      }
    }
    const vt_slot *q = attr(p, "quit smoking age");
    if (q && !(num(q) >= 16 && num(q) < 40)) bad_quit++;
    if (attr(p, "smoker")->v.u.b && !q) {
      /* still smoking at 40: probability 0.99^1250, never in 3000 people */
      bad_quit++;
    }
    const char *ins = attr(p, "insurance_status")->v.u.s;
    double ratio = num(attr(p, "poverty_ratio"));
    if ((ratio <= 1.38) != (strcmp(ins, "medicaid") == 0)) bad_ins++;
  }
  double share = vt_sattr_smoking_share(2016);
  CHECK_NEAR(share, 0.15626, 0.0005, "smoking share for 2016 from Synthea's CDC trend line: %.4f", share);
  CHECK_NEAR((double)ever / n, share, 4 * sqrt(share * (1 - share) / n), "share starting to smoke at 16: %.3f vs %.3f", (double)ever / n, share);
  CHECK(bad_age == 0, "smoker is nil before 16 and set from 16 (%d bad steps)", bad_age);
  CHECK(bad_quit == 0, "smokers quit (geometric, 1%% a week), quit smoking age between 16 and 40 (%d bad)", bad_quit);
  CHECK(bad_marital == 0, "marital_status from 27 (%d bad steps)", bad_marital);
  CHECK(bad_alc == 0, "alcoholic set from 25 (%d bad steps)", bad_alc);
  CHECK(bad_ins == 0, "insurance_status at 40: medicaid exactly when poverty_ratio <= 1.38 (%d bad)", bad_ins);
  CHECK(bad_idem == 0, "a step again within the year leaves the attributes unchanged (%d bad)", bad_idem);
  CHECK_NEAR(vt_sattr_smoking_share(1950), 0.424, 1e-12, "smoking share before 1965 is 42.4%%");
  CHECK(vt_sattr_smoking_share(2100) == 0.0, "smoking share never negative");
}

static int attr_true_bool(const vt_patient *p) {
  const vt_slot *s = attr(p, "active_weight_management");
  return s && s->v.kind == VT_V_BOOL && s->v.u.b;
}

/* Medicare at 65, the fall risk with osteoporosis, weight management. */
static void test_elderly(vt_patient *p) {
  int n = 2000, bad = 0, started = 0, adherent = 0, eligible = 0;
  for (int i = 0; i < n; i++) {
    vt_time birth = vt_time_from_date(1940, 7, 1);
    fixed_person(p, (uint64_t)i, i % 2 ? 'M' : 'F', birth);
    vt_sattr_birth(p, birth);
    vt_time t = vt_time_from_date(2010, 8, 1);   /* 70 */
    vt_sattr_step(p, t);
    if (strcmp(attr(p, "insurance_status")->v.u.s, "medicare") != 0) bad++;
    set_bool(&p->attrs, "osteoporosis", 1);
    measured(p, 165, 90, 150);   /* BMI 33 */
    vt_sattr_wellness(p, t);
    if (num(attr(p, "probability_of_fall_injury")) != 0.06) bad++;
    eligible++;
    if (attr_true_bool(p)) {
      started++;
      if (attr(p, "weight_loss_adherence")->v.u.b) adherent++;
    }
  }
  CHECK(bad == 0, "medicare at 70; fall risk 0.06 with osteoporosis (%d bad)", bad);
  CHECK_NEAR((double)started / eligible, 0.493, 4 * sqrt(0.493 * 0.507 / eligible),
             "weight management starts for %.3f of the obese (0.493)", (double)started / eligible);
  CHECK_NEAR((double)adherent / started, 0.605, 4 * sqrt(0.605 * 0.395 / started),
             "weight_loss_adherence %.3f of those (0.605)", (double)adherent / started);
}

int main(void) {
  vt_patient p;
  vt_patient_init(&p);
  test_birth_types(&p);
  test_ascvd();
  test_risks(&p);
  test_labs(&p);
  test_children(&p);
  test_life(&p);
  test_elderly(&p);
  vt_patient_free(&p);
  return test_done();
}
