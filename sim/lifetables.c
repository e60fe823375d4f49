/*
** lifetables.c -- natural death, growth, vital signs and the wellness
** schedule: constant tables from public sources and the pure functions that
** read them (see lifetables.h).  The demographic tables are in
** demographics.c.
*/
#include "lifetables.h"
#include "growth_charts.h"

#include <math.h>
#include <stddef.h>

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ------------------------------------------------------------------ */
/* Life table                                                          */
/* ------------------------------------------------------------------ */

/* Probability of dying within the year (qx) by single year of age 0..100.
** Source: CDC NCHS, United States Life Tables, 2020 (National Vital
** Statistics Reports vol. 71 no. 1, Arias & Xu, 2022), tables 2 (males) and
** 3 (females), with NCHS 2020 death rates by age group as a cross-check.
** Abridged: the anchor ages below carry rounded qx consistent with those
** tables (checked against the published life expectancies, see below) and
** the single years in between were interpolated log-linearly (qx grows
** about exponentially with age).  2020 includes COVID-19 mortality.
**
**   age   0      1      2      3      4      5      7      10     12     14
**   M  .00590 .00041 .00027 .00020 .00016 .00014 .00012 .00012 .00015 .00030
**   F  .00490 .00034 .00022 .00016 .00013 .00011 .00010 .00010 .00011 .00017
**   age   16     18     20     22     25     30     35     40     45     50
**   M  .00070 .00115 .00150 .00175 .00190 .00220 .00270 .00330 .00430 .00590
**   F  .00030 .00042 .00050 .00060 .00075 .00095 .00130 .00175 .00250 .00360
**   age   55     60     65     70     75     80     85     90     95     100
**   M  .00900 .01280 .01850 .02650 .04000 .06300 .10200 .16800 .26000 .36000
**   F  .00550 .00800 .01150 .01700 .02700 .04400 .07600 .13300 .22500 .32000
**
** Check: the life expectancy these give (vt_life_expectancy) is 74.3 years
** at birth for males and 80.0 for females, against the published 74.2 and
** 79.9; at 65, 17.2 and 20.0 against 17.0 and 19.8. */
/* By age 0..100: { male, female }. */
static const double qx[101][2] = {
  { 0.005900, 0.004900 }, { 0.000410, 0.000340 }, { 0.000270, 0.000220 }, { 0.000200, 0.000160 },  /* 0- */
  { 0.000160, 0.000130 }, { 0.000140, 0.000110 }, { 0.000130, 0.000105 }, { 0.000120, 0.000100 },  /* 4- */
  { 0.000120, 0.000100 }, { 0.000120, 0.000100 }, { 0.000120, 0.000100 }, { 0.000134, 0.000105 },  /* 8- */
  { 0.000150, 0.000110 }, { 0.000212, 0.000137 }, { 0.000300, 0.000170 }, { 0.000458, 0.000226 },  /* 12- */
  { 0.000700, 0.000300 }, { 0.000897, 0.000355 }, { 0.001150, 0.000420 }, { 0.001313, 0.000458 },  /* 16- */
  { 0.001500, 0.000500 }, { 0.001620, 0.000548 }, { 0.001750, 0.000600 }, { 0.001799, 0.000646 },  /* 20- */
  { 0.001849, 0.000696 }, { 0.001900, 0.000750 }, { 0.001957, 0.000786 }, { 0.002015, 0.000824 },  /* 24- */
  { 0.002075, 0.000864 }, { 0.002136, 0.000906 }, { 0.002200, 0.000950 }, { 0.002292, 0.001012 },  /* 28- */
  { 0.002388, 0.001077 }, { 0.002488, 0.001147 }, { 0.002592, 0.001221 }, { 0.002700, 0.001300 },  /* 32- */
  { 0.002811, 0.001380 }, { 0.002926, 0.001464 }, { 0.003045, 0.001554 }, { 0.003170, 0.001649 },  /* 36- */
  { 0.003300, 0.001750 }, { 0.003479, 0.001879 }, { 0.003669, 0.002018 }, { 0.003868, 0.002168 },  /* 40- */
  { 0.004078, 0.002328 }, { 0.004300, 0.002500 }, { 0.004581, 0.002689 }, { 0.004880, 0.002893 },  /* 44- */
  { 0.005199, 0.003111 }, { 0.005538, 0.003347 }, { 0.005900, 0.003600 }, { 0.006420, 0.003918 },  /* 48- */
  { 0.006986, 0.004265 }, { 0.007601, 0.004642 }, { 0.008271, 0.005053 }, { 0.009000, 0.005500 },  /* 52- */
  { 0.009657, 0.005928 }, { 0.010362, 0.006389 }, { 0.011118, 0.006887 }, { 0.011929, 0.007422 },  /* 56- */
  { 0.012800, 0.008000 }, { 0.013779, 0.008602 }, { 0.014832, 0.009250 }, { 0.015966, 0.009946 },  /* 60- */
  { 0.017186, 0.010695 }, { 0.018500, 0.011500 }, { 0.019879, 0.012435 }, { 0.021360, 0.013446 },  /* 64- */
  { 0.022952, 0.014539 }, { 0.024662, 0.015722 }, { 0.026500, 0.017000 }, { 0.028775, 0.018648 },  /* 68- */
  { 0.031244, 0.020456 }, { 0.033926, 0.022439 }, { 0.036838, 0.024614 }, { 0.040000, 0.027000 },  /* 72- */
  { 0.043804, 0.029770 }, { 0.047970, 0.032825 }, { 0.052533, 0.036192 }, { 0.057529, 0.039906 },  /* 76- */
  { 0.063000, 0.044000 }, { 0.069373, 0.049082 }, { 0.076391, 0.054752 }, { 0.084119, 0.061076 },  /* 80- */
  { 0.092629, 0.068130 }, { 0.102000, 0.076000 }, { 0.112705, 0.085000 }, { 0.124533, 0.095067 },  /* 84- */
  { 0.137602, 0.106325 }, { 0.152043, 0.118917 }, { 0.168000, 0.133000 }, { 0.183334, 0.147747 },  /* 88- */
  { 0.200067, 0.164128 }, { 0.218327, 0.182327 }, { 0.238254, 0.202543 }, { 0.260000, 0.225000 },  /* 92- */
  { 0.277485, 0.241422 }, { 0.296145, 0.259042 }, { 0.316061, 0.277948 }, { 0.337316, 0.298234 },  /* 96- */
  { 0.360000, 0.320000 },  /* 100- */
};

/* Beyond this age the walk in vt_life_draw_death ends with death (q = 1);
** the oldest verified human lived to 122. */
#define LIFE_MAX_AGE 120

double vt_life_qx(char gender, int age) {
  if (age < 0) age = 0;
  if (age > 100) age = 100;
  double q;
  if (gender == 'M') q = qx[age][0];
  else if (gender == 'F') q = qx[age][1];
  else q = 0.5 * (qx[age][0] + qx[age][1]);
  return q > 1.0 ? 1.0 : q;
}

/* Standard period life-table arithmetic: l(x) survivors, L(x) person-years
** lived in the year (deaths at mid-year, a0 = 0.1 in the first year as in
** the NCHS tables for the US), and the open interval 100+ as l(100)/m(100)
** with m = q / (1 - q/2). */
double vt_life_expectancy(char gender, int age) {
  if (age < 0) age = 0;
  if (age > 100) age = 100;
  double l = 1.0, years = 0.0;
  for (int x = age; x < 100; x++) {
    double q = vt_life_qx(gender, x);
    double d = l * q, a = x == 0 ? 0.1 : 0.5;
    years += l - d * (1.0 - a);
    l -= d;
  }
  double q = vt_life_qx(gender, 100);
  double m = q / (1.0 - q / 2.0);
  years += l / m;
  return years;
}

/* Midnight of the day `birth` turns `k` years old.  A 29 February birthday
** falls on 1 March in common years (vt_days_from_civil rolls the day over),
** which is when vt_time_age_years counts the year as complete. */
static vt_time birthday_at(int by, int bm, int bd, int k) {
  return vt_days_from_civil(by + k, bm, bd) * VT_MS_DAY;
}

void vt_lifecycle_default(vt_lifecycle *lc) {
  lc->female_share = -1.0;
  lc->race_set = 0;
  for (int i = 0; i < VT_LC_NRACE; i++) lc->race[i] = 0.0;
  lc->hispanic_share = -1.0;
  for (int s = 0; s < 2; s++)
    for (int b = 0; b < VT_LC_NBANDS; b++) lc->mort[s][b] = 1.0;
  lc->birth_set = 0;
  for (int d = 0; d < VT_LC_NDECADES; d++) lc->birth[d] = -1.0;
}

double vt_life_daily_hazard(char gender, int age) {
  if (age >= LIFE_MAX_AGE) return INFINITY;
  double q = vt_life_qx(gender, age);
  return q >= 1.0 ? INFINITY : -log1p(-q) / 365.2425;
}

vt_time vt_life_draw_death(vt_rng *rng, char gender, vt_time birth,
                           vt_time alive_at, vt_time until) {
  return vt_life_draw_death_lc(rng, gender, birth, alive_at, until, NULL);
}

vt_time vt_life_draw_death_lc(vt_rng *rng, char gender, vt_time birth,
                              vt_time alive_at, vt_time until, const vt_lifecycle *lc) {
  vt_time start = (alive_at == VT_NO_TIME || alive_at < birth) ? birth : alive_at;
  if (until != VT_NO_TIME && start >= until) return VT_NO_TIME;
  int by, bm, bd;
  vt_civil_from_days(vt_time_day(birth), &by, &bm, &bd);
  int age = vt_time_age_years(birth, start);
  if (age < 0) age = 0;
  vt_time year_lo = birthday_at(by, bm, bd, age);
  const double *mult = lc ? lc->mort[gender == 'F' ? 0 : 1] : NULL;
  for (;; age++) {
    vt_time year_hi = birthday_at(by, bm, bd, age + 1);
    vt_time lo = start > year_lo ? start : year_lo;
    if (until != VT_NO_TIME && lo >= until) return VT_NO_TIME;
    double q = age >= LIFE_MAX_AGE ? 1.0 : vt_life_qx(gender, age);
    if (mult && q < 1.0) {
      double m = mult[age / 5 < VT_LC_NBANDS ? age / 5 : VT_LC_NBANDS - 1];
      if (m != 1.0) q = 1.0 - pow(1.0 - q, m);
    }
    if (lo > year_lo && q < 1.0) {
      /* part of the year already survived: the remaining share of the risk,
      ** at a constant hazard within the year */
      double frac = (double)(year_hi - lo) / (double)(year_hi - year_lo);
      q = 1.0 - pow(1.0 - q, frac);
    }
    if (vt_rng_uniform(rng) < q) {
      vt_time span = year_hi - lo;
      vt_time death = lo + 1 + (span > 1 ? (vt_time)(vt_rng_uniform(rng) * (double)(span - 1)) : 0);
      if (death >= year_hi) death = year_hi - 1;
      if (death <= start) death = start + 1;
      return (until != VT_NO_TIME && death >= until) ? VT_NO_TIME : death;
    }
    year_lo = year_hi;
  }
}

/* ------------------------------------------------------------------ */
/* Growth                                                              */
/* ------------------------------------------------------------------ */


/* Adult height and BMI by age decade (the rows are the decade midpoints;
** the last stands for 80 and over).  Source: CDC NCHS, Anthropometric
** Reference Data for Children and Adults: United States, 2015-2018
** (Fryar et al., Vital Health Stat 3(46), 2021), NHANES 2015-2018 means
** for adults, rounded.  Heights: men 176.1 cm at 20-29 down to 170.7 at
** 80+ (SD about 7.6), women 162.9 down to 155.5 (SD about 7.1); the fall
** with age is partly shrinkage and partly older cohorts being shorter; it is
** used here as the shrinkage of one person.  BMI means (kg/m2) are turned
** into medians of a log-normal with the given log-SD (median = mean *
** exp(-sd^2/2)); the log-SDs match the published SDs of BMI (about 6 for
** men, 7 for women). */
static const double adult_age[] = { 25, 35, 45, 55, 65, 75, 85 };
static const double adult_height_m[] = { 176.1, 176.2, 176.3, 175.7, 174.5, 172.8, 170.7 };
static const double adult_height_f[] = { 162.9, 162.8, 162.5, 161.7, 160.3, 158.4, 155.5 };
static const double adult_bmi_mean_m[] = { 27.4, 29.4, 29.9, 29.9, 29.9, 29.3, 27.6 };
static const double adult_bmi_mean_f[] = { 28.3, 29.8, 30.1, 30.4, 30.5, 29.5, 27.1 };
#define ADULT_HEIGHT_SD_M 7.6
#define ADULT_HEIGHT_SD_F 7.1
#define ADULT_BMI_LOGSD_M 0.20
#define ADULT_BMI_LOGSD_F 0.24

/* Piecewise-linear interpolation of y over increasing x; constant outside. */
static double interp(const double *x, const double *y, int n, double at) {
  if (at <= x[0]) return y[0];
  if (at >= x[n - 1]) return y[n - 1];
  int i = 1;
  while (x[i] < at) i++;
  double t = (at - x[i - 1]) / (x[i] - x[i - 1]);
  return y[i - 1] + t * (y[i] - y[i - 1]);
}

/* Value at z of an LMS table at `age_m` months (clamped to the table),
** L, M and S interpolated linearly between rows.  Beyond |z| = 2 the value
** goes on linearly with the step from |z| = 1 to 2, in the manner of the
** WHO's restricted use of LMS beyond 3 SD: the Box-Cox skewness of the BMI
** charts extrapolates badly in the tails (z = +3 would give a BMI near 80
** for teenage girls, instead of about 43). */
static double lms_at(vt_chart chart, char gender, double age_m, double z) {
  int n;
  const vt_lms *t = vt_chart_rows(chart, gender, &n);
  double l, m, s;
  vt_lms_params(t, n, age_m, &l, &m, &s);
  if (fabs(z) <= 2.0) return vt_lms_value(l, m, s, z);
  double sign = z > 0 ? 1.0 : -1.0;
  double x2 = vt_lms_value(l, m, s, 2.0 * sign), x1 = vt_lms_value(l, m, s, sign);
  return x2 + (fabs(z) - 2.0) * (x2 - x1);
}

static double clamp(double x, double lo, double hi) {
  return x < lo ? lo : x > hi ? hi : x;
}

void vt_growth_draw(vt_rng *rng, vt_growth *g) {
  g->z_height = clamp(vt_rng_normal(rng, 0.0, 1.0), -3.0, 3.0);
  g->z_bmi = clamp(vt_rng_normal(rng, 0.0, 1.0), -3.0, 3.0);
}

/* Infant weight-for-age uses a z-score mixing the height and BMI
** percentiles, 0.6*z_height + 0.8*z_bmi (still standard normal; clamped to
** +-3), because a long baby is also a heavy one.  From 24 to 36 months the weight moves
** linearly from weight-for-age to BMI-for-age, and from 20 to 21 years
** (height) and 20 to 25 years (BMI) the CDC values at 20 move linearly to the
** adult NHANES values, so that no measure jumps at a chart boundary. */
void vt_growth_at(const vt_growth *g, char gender, double age_years,
                  double *height_cm, double *weight_kg, double *bmi_out) {
  int male = gender == 'M';
  double age = age_years > 0.0 ? age_years : 0.0;   /* also catches NaN */
  double am = age * 12.0;
  double zh = g->z_height, zb = g->z_bmi;
  double zw = clamp(0.6 * zh + 0.8 * zb, -3.0, 3.0);

  double height;
  if (age < 20.0) {
    height = lms_at(VT_CHART_LENGTH, gender, am, zh);
  } else {
    double mean = interp(adult_age, male ? adult_height_m : adult_height_f, NELEM(adult_age), age);
    double adult = mean + zh * (male ? ADULT_HEIGHT_SD_M : ADULT_HEIGHT_SD_F);
    if (age < 21.0) {
      double t = age - 20.0;
      height = (1.0 - t) * lms_at(VT_CHART_LENGTH, gender, 240.0, zh) + t * adult;
    } else {
      height = adult;
    }
  }
  double hm2 = (height / 100.0) * (height / 100.0);

  double weight, bmi;
  if (am < 24.0) {
    weight = lms_at(VT_CHART_WEIGHT, gender, am, zw);
    bmi = weight / hm2;
  } else if (age < 20.0) {
    bmi = lms_at(VT_CHART_BMI, gender, am, zb);
    weight = bmi * hm2;
    if (am < 36.0) {
      double t = (am - 24.0) / 12.0;
      weight = (1.0 - t) * lms_at(VT_CHART_WEIGHT, gender, am, zw) + t * weight;
      bmi = weight / hm2;
    }
  } else {
    const double *mean = male ? adult_bmi_mean_m : adult_bmi_mean_f;
    double sd = male ? ADULT_BMI_LOGSD_M : ADULT_BMI_LOGSD_F;
    double median = interp(adult_age, mean, NELEM(adult_age), age) * exp(-0.5 * sd * sd);
    bmi = median * exp(sd * zb);
    if (age < 25.0) {
      double t = (age - 20.0) / 5.0;
      bmi = (1.0 - t) * lms_at(VT_CHART_BMI, gender, 240.0, zb) + t * bmi;
    }
    weight = bmi * hm2;
  }
  if (height_cm) *height_cm = height;
  if (weight_kg) *weight_kg = weight;
  if (bmi_out) *bmi_out = bmi;
}

/* ------------------------------------------------------------------ */
/* Vital signs                                                         */
/* ------------------------------------------------------------------ */

/* Heart rate and respiratory rate of children: medians by age (years) from
** Fleming et al., "Normal ranges of heart rate and respiratory rate in
** children from birth to 18 years of age: a systematic review of
** observational studies", Lancet 2011;377:1011-8 (centile charts; values at
** the middle of each age band, rounded); the SDs are read from the spread
** of their 1st-99th centiles (about 4.65 SD).  Adults (from 20): resting
** pulse about 70/min in men and 74/min in women (NHANES 1999-2008, Ostchega
** et al., NHSR 41, 2011), respiratory rate 16/min (normal 12-20).  Between
** 16.5 and 20 years the values move linearly to the adult ones. */
static const double hr_age[]    = { 0, 0.125, 0.375, 0.625, 0.875, 1.25, 1.75, 2.5, 3.5, 5, 7, 10, 13.5, 16.5 };
static const double hr_median[] = { 127, 143, 140, 134, 128, 123, 116, 110, 104, 98, 91, 84, 78, 73 };
static const double hr_sd[]     = { 15, 16, 16, 15, 15, 14, 14, 13, 13, 12, 12, 11, 11, 11 };
static const double rr_median[] = { 44, 43, 41, 39, 37, 35, 31, 28, 25, 23, 21, 19, 18, 16 };
static const double rr_sd[]     = { 9, 9, 8, 7, 7, 6, 5, 4.5, 4, 3.5, 3, 2.8, 2.6, 2.4 };
#define HR_ADULT_M 70.0
#define HR_ADULT_F 74.0
#define HR_ADULT_SD 10.0
#define RR_ADULT 16.0
#define RR_ADULT_SD 2.0

/* Blood pressure (mmHg), mean by age (years) and sex.  Children 1-17:
** 50th percentile at the 50th height percentile from the AAP Clinical
** Practice Guideline for High Blood Pressure in Children (Flynn et al.,
** Pediatrics 2017;140:e20171904, tables 4 and 5), rounded; infants (0 and
** 6 months) from the Report of the Second Task Force on Blood Pressure
** Control in Children (Pediatrics 1987;79:1-25), approximate.  Adults:
** approximate NHANES (CDC NCHS) population means by age and sex, rounded
** and set at decade points: systolic rising from about 118 (men) and 108
** (women) at 20 to about 135 and 138 at 80, diastolic peaking near 78 and
** 74 at 50 and falling after.  Those means include treated and untreated
** hypertension; bp_offset adds to them for a patient whose hypertension the
** simulation models. */
static const double bp_age[] = { 0, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
                                 20, 30, 40, 50, 60, 70, 80, 90 };
static const double sbp_m[] = { 70, 83, 85, 87, 88, 90, 91, 93, 94, 95, 96, 97, 99, 101, 103, 105, 108, 111, 114,
                                118, 119, 121, 124, 128, 132, 135, 136 };
static const double dbp_m[] = { 38, 40, 40, 43, 45, 48, 51, 54, 56, 57, 57, 58, 59, 60, 61, 62, 62, 63, 65,
                                70, 74, 77, 78, 76, 72, 68, 64 };
static const double sbp_f[] = { 70, 82, 84, 87, 88, 89, 90, 92, 92, 93, 95, 96, 98, 100, 101, 102, 103, 104, 105,
                                108, 110, 114, 120, 127, 133, 138, 139 };
static const double dbp_f[] = { 38, 40, 41, 45, 48, 50, 52, 54, 55, 56, 57, 58, 59, 61, 62, 63, 64, 64, 64,
                                67, 70, 73, 74, 73, 69, 66, 63 };
/* Measurement-to-measurement SD around those means: about 8/7 mmHg in
** children and 10/7 mmHg in adults (visit-to-visit variability of office
** blood pressure, e.g. Rothwell et al., Lancet 2010;375:895-905). */
#define SBP_SD_CHILD 8.0
#define DBP_SD_CHILD 7.0
#define SBP_SD_ADULT 10.0
#define DBP_SD_ADULT 7.0

/* Body temperature (C): 36.8 +- 0.4 in healthy adults (Mackowiak et al.,
** JAMA 1992;268:1578-80), slightly higher in young children and falling by
** about 0.02 C a decade in adults (Obermeyer et al., BMJ 2017;359:j5468). */
static const double temp_age[]  = { 0, 5, 18, 65, 90 };
static const double temp_mean[] = { 36.9, 36.8, 36.7, 36.6, 36.5 };
#define TEMP_SD 0.3

void vt_vitals_draw(vt_rng *rng, char gender, double age_years,
                    double bp_offset, vt_vitals *v) {
  int male = gender == 'M';
  double age = age_years > 0.0 ? age_years : 0.0;
  int n = NELEM(hr_age);

  double hr_mu, hr_s, rr_mu, rr_s;
  double hr_child = interp(hr_age, hr_median, n, age), hr_child_sd = interp(hr_age, hr_sd, n, age);
  double rr_child = interp(hr_age, rr_median, n, age), rr_child_sd = interp(hr_age, rr_sd, n, age);
  double hr_adult = male ? HR_ADULT_M : HR_ADULT_F;
  double top = hr_age[n - 1];
  if (age <= top) {
    hr_mu = hr_child; hr_s = hr_child_sd; rr_mu = rr_child; rr_s = rr_child_sd;
  } else {
    double t = age >= 20.0 ? 1.0 : (age - top) / (20.0 - top);
    hr_mu = hr_child + t * (hr_adult - hr_child);
    hr_s = hr_child_sd + t * (HR_ADULT_SD - hr_child_sd);
    rr_mu = rr_child + t * (RR_ADULT - rr_child);
    rr_s = rr_child_sd + t * (RR_ADULT_SD - rr_child_sd);
  }

  int nb = NELEM(bp_age);
  double sbp_mu = interp(bp_age, male ? sbp_m : sbp_f, nb, age);
  double dbp_mu = interp(bp_age, male ? dbp_m : dbp_f, nb, age);
  int adult = age >= 18.0;

  double sbp = vt_rng_normal(rng, sbp_mu, adult ? SBP_SD_ADULT : SBP_SD_CHILD) + bp_offset;
  double dbp = vt_rng_normal(rng, dbp_mu, adult ? DBP_SD_ADULT : DBP_SD_CHILD) + 0.5 * bp_offset;
  double hr = vt_rng_normal(rng, hr_mu, hr_s);
  double rr = vt_rng_normal(rng, rr_mu, rr_s);
  double temp = vt_rng_normal(rng, interp(temp_age, temp_mean, NELEM(temp_age), age), TEMP_SD);

  /* Keep the values physiological and the pulse pressure positive. */
  sbp = clamp(round(sbp), 50.0, 260.0);
  dbp = clamp(round(dbp), 25.0, sbp - 10.0);
  v->systolic = sbp;
  v->diastolic = dbp;
  v->heart_rate = clamp(round(hr), 40.0, 220.0);
  v->resp_rate = clamp(round(rr), 8.0, 80.0);
  v->temperature = clamp(round(temp * 10.0) / 10.0, 35.5, 38.0);
}

/* ------------------------------------------------------------------ */
/* Wellness visits                                                     */
/* ------------------------------------------------------------------ */

/* Ages (months) of the scheduled wellness visits after the first-week one.
** Children: the AAP Bright Futures / AAP Recommendations for Preventive
** Pediatric Health Care (periodicity schedule, 2023): 3-5 days (day 4
** here), 1, 2, 4, 6, 9, 12, 15, 18, 24 and 30 months, then yearly from 3 to
** 21 years.  Adults: every 3 years from 21 to 39 and yearly from 40, the
** spacing often advised for periodic health examinations (e.g. the
** American Academy of Family Physicians' periodic examination guidance;
** Synthea uses 3 years to 39, 2 to 49, then 1).  The table ends at 40;
** after it every 12 months. */
static const int wellness_months[] = {
  1, 2, 4, 6, 9, 12, 15, 18, 24, 30,
  36, 48, 60, 72, 84, 96, 108, 120, 132, 144, 156, 168, 180, 192, 204, 216, 228, 240, 252,
  288, 324, 360, 396, 432, 468, 480,
};
#define WELLNESS_FIRST_DAYS 4

/* `t` moved by `months` calendar months, keeping the time of day; a day
** past the end of the target month becomes its last day. */
static vt_time add_months(vt_time t, int64_t months) {
  int64_t days = vt_time_day(t);
  vt_time tod = t - days * VT_MS_DAY;
  int y, m, d;
  vt_civil_from_days(days, &y, &m, &d);
  int64_t total = (int64_t)y * 12 + (m - 1) + months;
  int64_t ny = vt_floor_div(total, 12);
  int nm = (int)(total - ny * 12) + 1;
  int md = vt_days_in_month((int)ny, nm);
  if (d > md) d = md;
  return vt_days_from_civil((int)ny, nm, d) * VT_MS_DAY + tod;
}

static int64_t wellness_age_months(int64_t k) {
  int n = NELEM(wellness_months);
  return k < n ? wellness_months[k] : wellness_months[n - 1] + 12 * (k - n + 1);
}

vt_time vt_wellness_next(vt_time birth, vt_time after) {
  vt_time first = birth + WELLNESS_FIRST_DAYS * VT_MS_DAY;
  if (after < first) return first;
  /* Start a little before the visit that is due by elapsed time, then step
  ** forward on the calendar. */
  int64_t elapsed = (after - birth) / VT_MS_MONTH - 2;
  int n = NELEM(wellness_months);
  int64_t k = 0;
  if (elapsed > wellness_months[n - 1]) {
    k = n + (elapsed - wellness_months[n - 1]) / 12 - 1;
  } else {
    while (k < n && wellness_months[k] < elapsed) k++;
  }
  for (;; k++) {
    vt_time t = add_months(birth, wellness_age_months(k));
    if (t > after) return t;
  }
}
