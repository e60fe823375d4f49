/*
** synthea_attrs.c -- attributes and vital signs that Synthea sets in Java
** (LifecycleModule, CardiovascularDiseaseModule, WeightLossModule, its
** demographics and social-determinants code), so that Synthea's GMF corpus
** runs unchanged in vitae and takes the same paths.
**
** Every figure names its source: the Synthea file that uses it (read from
** Synthea's public repository, Apache-2.0) and, where Synthea gives one,
** the study or survey behind it.  Where vitae deliberately departs from
** Synthea (to keep a value plausible where no module path depends on it)
** the comment says so.  docs/synthea-attributes.md lists every name.
*/
#include "synthea_attrs.h"
#include "growth_charts.h"

#include <math.h>
#include <string.h>

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ------------------------------------------------------------------ */
/* Keys                                                                */
/* ------------------------------------------------------------------ */

/* Bookkeeping (vitae's own; Synthea keeps the like in attributes too). */
static const char K_NEXT[] = "vitae_sattr_next";          /* time of the next event (ms) */
static const char K_AGE[] = "vitae_sattr_age";            /* whole age last handled */
static const char K_QUIT_SMOKE_AT[] = "vitae_sattr_quit_smoking_at";
static const char K_QUIT_ALC_AT[] = "vitae_sattr_quit_alcoholism_at";
static const char K_HEAD_Z[] = "vitae_sattr_head_z";      /* head-circumference z-score */
static const char K_UNINSURED_U[] = "vitae_sattr_uninsured_u";

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static vt_slot *put(vt_map *m, const char *key, vt_time t) {
  vt_slot *s = vt_map_put(m, key, NULL);
  s->t = t;
  return s;
}
static void put_num(vt_map *m, const char *key, double v, vt_time t) {
  vt_slot *s = put(m, key, t);
  s->v.kind = VT_V_NUM; s->v.u.n = v;
}
static void put_bool(vt_map *m, const char *key, int b, vt_time t) {
  vt_slot *s = put(m, key, t);
  s->v.kind = VT_V_BOOL; s->v.u.b = b ? 1 : 0;
}
static void put_str(vt_map *m, const char *key, const char *str, vt_time t) {
  if (!str) return;
  vt_slot *s = put(m, key, t);
  s->v.kind = VT_V_STR; s->v.u.s = str;
}

/* The number in slot `key` of `m`, or `dflt` if absent or not a number. */
static double get_num(const vt_map *m, const char *key, double dflt) {
  const vt_slot *s = vt_map_get(m, key);
  return s && s->v.kind == VT_V_NUM ? s->v.u.n : dflt;
}
/* Whether attribute `key` holds true (a true boolean or a non-zero number). */
static int attr_true(const vt_patient *p, const char *key) {
  const vt_slot *s = vt_map_get(&p->attrs, key);
  if (!s) return 0;
  if (s->v.kind == VT_V_BOOL) return s->v.u.b != 0;
  if (s->v.kind == VT_V_NUM) return s->v.u.n != 0.0;
  return 0;
}
static int attr_present(const vt_patient *p, const char *key) {
  const vt_slot *s = vt_map_get(&p->attrs, key);
  return s && s->v.kind != VT_V_NIL;
}

static double uni(vt_patient *p, double lo, double hi) { return vt_rng_range(&p->rng, lo, hi); }
static double clampd(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* Synthea's Utilities.convertRiskToTimestep: the risk over `to` ms of an
** event whose risk over `from` ms is `risk`, 1 - (1 - risk)^(to/from).
** Negative risks (Synthea's "not applicable", -1) give 0: in Synthea they
** give a negative probability, which a distributed transition never takes,
** so the path is the same. */
static double convert_risk(double risk, double from, double to) {
  if (risk <= 0.0) return 0.0;
  if (risk >= 1.0) return 1.0;
  return 1.0 - pow(1.0 - risk, to / from);
}

#define MS_DAYS(d) ((double)(d) * (double)VT_MS_DAY)
/* CardiovascularDiseaseModule: ten years = 3652 days, a month = 30 days,
** a year = 365 days; generate.timestep = 7 days (synthea.properties). */
#define TEN_YEARS MS_DAYS(3652)
#define ONE_MONTH MS_DAYS(30)
#define ONE_YEAR MS_DAYS(365)
#define TIMESTEP MS_DAYS(7)

static double normal_cdf(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

/* Time (00:00 UTC) at which a person born at `birth` turns `k`; a 29
** February birthday falls on 1 March in common years (vt_time_age_years
** counts the year complete then). */
static vt_time birthday(vt_time birth, int k) {
  int by, bm, bd;
  vt_civil_from_days(vt_time_day(birth), &by, &bm, &bd);
  return (vt_days_from_civil(by + k, bm, 1) + (bd - 1)) * VT_MS_DAY;
}

/* ------------------------------------------------------------------ */
/* LMS growth charts                                                   */
/* ------------------------------------------------------------------ */

/* The L, M and S parameters of a CDC chart at x (sim/growth_charts.h). */
static void chart_lms(vt_chart chart, char gender, double x, double *l, double *m, double *sd) {
  int n;
  const vt_lms *t = vt_chart_rows(chart, gender, &n);
  vt_lms_params(t, n, x, l, m, sd);
}

/* Value at z-score z, and z-score of a value, on a CDC chart at x. */
static double chart_value(vt_chart chart, char gender, double x, double z) {
  double l, m, sd;
  chart_lms(chart, gender, x, &l, &m, &sd);
  return vt_lms_value(l, m, sd, z);
}
static double chart_z(vt_chart chart, char gender, double x, double value) {
  double l, m, sd;
  chart_lms(chart, gender, x, &l, &m, &sd);
  return vt_lms_z(l, m, sd, value);
}


double vt_sattr_bmi_percentile(char gender, double months, double bmi) {
  return 100.0 * normal_cdf(chart_z(VT_CHART_BMI, gender, months, bmi));
}

/* ------------------------------------------------------------------ */
/* Birth: demographics and social determinants                         */
/* ------------------------------------------------------------------ */

/* Sexual orientation, percent heterosexual, homosexual, bisexual:
** biometrics.yml lifecycle.sexual_orientation [96.6, 1.6, 0.7], from CDC
** NCHS, National Health Statistics Reports no. 77 (Ward et al. 2014,
** NHIS 2013); drawn at birth by LifecycleModule.birth. */
static const double orientation_w[3] = { 96.6, 1.6, 0.7 };
static const char *const orientation_names[3] = { "heterosexual", "homosexual", "bisexual" };

/* Share Rh-negative: LifecycleModule.birth sets RH_NEG with 0.15 (about
** 15% of people of European descent are Rh(D)-negative). */
#define RH_NEG_SHARE 0.15

/* First language by race and ethnicity, as Synthea's
** Demographics.languageFromRaceAndEthnicity: Hispanic persons 48.85%
** English, 51.15% Spanish (ACS 2017 5-year, table B16006: 27.1% speak only
** English and half of the 54.3% bilingual are counted English); others by
** race from the ACS B16005 series and national language tables. */
typedef struct lang_share { const char *name; double w; } lang_share;
static const lang_share lang_hispanic[] = { { "english", 48.85 }, { "spanish", 51.15 } };
static const lang_share lang_white[] = {
  { "italian", 0.002 }, { "french", 0.004 }, { "german", 0.003 }, { "polish", 0.001 },
  { "portuguese", 0.002 }, { "russian", 0.003 }, { "greek", 0.001 }, { "english", 0.984 },
};
static const lang_share lang_black[] = { { "french", 0.004 }, { "spanish", 0.026 }, { "english", 0.97 } };
static const lang_share lang_asian[] = {
  { "chinese", 0.147 }, { "japanese", 0.022 }, { "korean", 0.056 }, { "vietnamese", 0.07 },
  { "hindi", 0.033 }, { "english", 0.67 },
};
static const lang_share lang_other[] = { { "arabic", 0.065 }, { "english", 0.935 } };

static const char *pick_lang(vt_patient *p, const lang_share *t, int n) {
  double w[8];
  for (int i = 0; i < n; i++) w[i] = t[i].w;
  int k = vt_rng_weighted(&p->rng, w, n);
  return k < 0 ? "english" : t[k].name;
}

static const char *first_language(vt_patient *p) {
  const vt_person_row *r = &p->rec.person;
  if (r->ethnicity && strcmp(r->ethnicity, "hispanic") == 0)
    return pick_lang(p, lang_hispanic, NELEM(lang_hispanic));
  const char *race = r->race ? r->race : "";
  if (strcmp(race, "white") == 0) return pick_lang(p, lang_white, NELEM(lang_white));
  if (strcmp(race, "black") == 0) return pick_lang(p, lang_black, NELEM(lang_black));
  if (strcmp(race, "asian") == 0) return pick_lang(p, lang_asian, NELEM(lang_asian));
  if (strcmp(race, "other") == 0) return pick_lang(p, lang_other, NELEM(lang_other));
  return "english";   /* native, hawaiian: Synthea returns English */
}

/* Country code of a birthplace written "City, State, CC" (demographics.c);
** a pointer into the same string, so it lives as long as the record. */
static const char *birth_country(const char *birthplace) {
  if (!birthplace) return "US";
  const char *c = strrchr(birthplace, ',');
  if (!c) return "US";
  c++;
  while (*c == ' ') c++;
  return *c ? c : "US";
}

/* Social determinants by county: shares of people with food insecurity,
** severe housing cost burden, unemployed, without vehicle access, and
** uninsured.  Source: Synthea's resources/geography/sdoh.csv (its
** generate.geography.sdoh.default_file), rows for Massachusetts, the state
** demographics.c draws.  vitae gives each person each flag with the
** county's share (the Java that sets Synthea's person attributes
** food_insecurity, severe_housing_cost_burden, unemployed and
** no_vehicle_access from this file was not in the reference source
** available).  A county not in the table takes the unweighted mean of the
** rows. */
typedef struct sdoh_row { const char *county; double food, housing, unemployed, no_vehicle, uninsured; } sdoh_row;
static const sdoh_row sdoh_ma[] = {
  { "Barnstable County", 0.0760, 0.1597, 0.0470, 0.0500, 0.0320 },
  { "Berkshire County",  0.0990, 0.1488, 0.0600, 0.0960, 0.0300 },
  { "Bristol County",    0.0990, 0.1486, 0.0580, 0.1070, 0.0290 },
  { "Dukes County",      0.0730, 0.2043, 0.0320, 0.0300, 0.0500 },
  { "Essex County",      0.0800, 0.1750, 0.0540, 0.1080, 0.0310 },
  { "Franklin County",   0.0890, 0.1443, 0.0520, 0.0700, 0.0220 },
  { "Hampden County",    0.1160, 0.1680, 0.0680, 0.1340, 0.0300 },
  { "Hampshire County",  0.0820, 0.1416, 0.0590, 0.0820, 0.0240 },
  { "Middlesex County",  0.0660, 0.1404, 0.0420, 0.1060, 0.0260 },
  { "Nantucket County",  0.0730, 0.1958, 0.0280, 0.0640, 0.0450 },
  { "Norfolk County",    0.0620, 0.1420, 0.0500, 0.0930, 0.0200 },
  { "Plymouth County",   0.0700, 0.1492, 0.0540, 0.0600, 0.0230 },
  { "Suffolk County",    0.1190, 0.2190, 0.0700, 0.3240, 0.0400 },
  { "Worcester County",  0.0830, 0.1365, 0.0550, 0.0920, 0.0250 },
};

static sdoh_row county_sdoh(const char *county) {
  if (county)
    for (int i = 0; i < NELEM(sdoh_ma); i++)
      if (strcmp(sdoh_ma[i].county, county) == 0) return sdoh_ma[i];
  sdoh_row mean = { NULL, 0, 0, 0, 0, 0 };
  for (int i = 0; i < NELEM(sdoh_ma); i++) {
    mean.food += sdoh_ma[i].food / NELEM(sdoh_ma);
    mean.housing += sdoh_ma[i].housing / NELEM(sdoh_ma);
    mean.unemployed += sdoh_ma[i].unemployed / NELEM(sdoh_ma);
    mean.no_vehicle += sdoh_ma[i].no_vehicle / NELEM(sdoh_ma);
    mean.uninsured += sdoh_ma[i].uninsured / NELEM(sdoh_ma);
  }
  return mean;
}

/* Poverty level used for poverty_ratio = income / level: synthea.properties
** generate.demographics.socioeconomic.income.poverty = 17550 (the 2010
** federal poverty level of a 3-person household, $18,310, tuned by Synthea
** for realistic Medicaid enrollment; Demographics.povertyRatio). */
#define POVERTY_LEVEL 17550.0

/* Insurance status, re-evaluated every birthday.  vitae's rule (Synthea's
** health-insurance model picks among plans and costs, which vitae does not
** model): Medicare from 65 and Medicaid by income exist from 1966 (Social
** Security Amendments of 1965); Medicaid for adults up to 138% of the
** poverty level (ACA expansion, 42 USC 1396a(a)(10)(A)(i)(VIII), 133% plus
** the 5% disregard; adopted by Massachusetts) and children under 19 up to
** 300% (MassHealth/CHIP limit for children); of the others, the county's
** uninsured share (sdoh.csv) has no insurance (a per-person draw, so the
** same people stay uninsured), the rest private. */
#define MEDICARE_AGE 65
#define PROGRAMS_YEAR 1966
#define MEDICAID_ADULT_RATIO 1.38
#define MEDICAID_CHILD_RATIO 3.00

static const char *insurance_status(const vt_patient *p, int age, int year) {
  double ratio = get_num(&p->attrs, "poverty_ratio", 10.0);
  if (year >= PROGRAMS_YEAR) {
    if (age >= MEDICARE_AGE) return "medicare";
    if (ratio <= (age < 19 ? MEDICAID_CHILD_RATIO : MEDICAID_ADULT_RATIO)) return "medicaid";
  }
  double u = get_num(&p->attrs, K_UNINSURED_U, 1.0);
  if (u < county_sdoh(p->rec.person.county).uninsured) return "none";
  return "private";
}

/* ------------------------------------------------------------------ */
/* Lab values (LifecycleModule.calculateVitalSigns)                    */
/* ------------------------------------------------------------------ */

/* Ranges from Synthea's biometrics.yml (metabolic.*), indexed by the
** attribute diabetes_severity (0 when absent): lipid panel (MedlinePlus,
** "Cholesterol levels", summer 2012), glucose [normal minimum,
** prediabetic, diabetic, max] (CDC point-of-care prediabetes
** identification algorithm), basic metabolic panel (MedlinePlus 003462,
** 003468), creatinine clearance and microalbumin/creatinine ratio (Mayo
** Medical Laboratories tests 8500, 8472, 81260; MedlinePlus 003611). */
static const double CHOLESTEROL[6] = { 160, 200, 239, 259, 279, 300 };
static const double TRIGLYCERIDES[6] = { 100, 150, 199, 499, 550, 600 };
static const double HDL[6] = { 80, 59, 40, 20, 10, 0 };
static const double GLUCOSE[4] = { 64, 100, 125, 200 };
static const double UREA_NITROGEN[2] = { 7, 20 };
static const double CALCIUM[2] = { 8.5, 10.2 };
static const double CHLORIDE[2] = { 101, 111 };
static const double POTASSIUM[2] = { 3.7, 5.2 };
static const double SODIUM[2] = { 136, 144 };
static const double CARBON_DIOXIDE[2] = { 20, 29 };
static const double CC_NORMAL_M[2] = { 77, 160 }, CC_NORMAL_F[2] = { 56, 161 };
static const double CC_MILD[2] = { 60, 90 }, CC_MODERATE[2] = { 30, 59 };
static const double CC_SEVERE[2] = { 15, 29 }, CC_ESRD[2] = { 1, 15 };
static const double MCR_NORMAL[2] = { 0, 17 }, MCR_CONTROLLED[2] = { 17, 30 };
static const double MCR_UNCONTROLLED[2] = { 30, 300 }, MCR_PROTEINURIA[2] = { 300, 600 };
/* Oxygen saturation, biometrics.yml cardiovascular.oxygen_saturation:
** normal [90, 99] (Mayo Clinic, hypoxemia), hypoxemia [75, 89]; hypoxemic
** when the attribute chf is set. */
static const double O2_NORMAL[2] = { 90, 99 }, O2_HYPOXEMIA[2] = { 75, 89 };

/* HbA1c change (percentage points) of active diabetes drugs, by RxNorm
** code: LifecycleModule's DIABETES_DRUG_HBA1C_IMPACTS (Diabetes Forecast,
** March 2013: metformin and sulfonylureas 1.5-2 points, GLP-1 agonists
** 0.5-1, insulin up to 6). */
static const struct { const char *rxnorm; double delta; } a1c_drugs[] = {
  { "860975", -1.5 },   /* metformin */
  { "897122", -0.5 },   /* liraglutide */
  { "1373463", -0.5 },  /* canagliflozin */
  { "106892", -3.0 },   /* basal insulin */
  { "865098", -6.0 },   /* prandial insulin */
};
/* vitae keeps HbA1c at or above 4.0% (the low end of the normal range):
** Synthea subtracts every active drug's effect and can reach negative
** values.  Every value below 5.7 takes the same branch of the modules
** (metabolic_syndrome_care: <= 5.7 is "normal"), so the paths are kept. */
#define A1C_FLOOR 4.0

/* LifecycleModule.estimateHbA1c: diabetic 6.6 up to BMI 27, BMI/4 up to
** BMI 48, then 12.0; prediabetic uniform 5.8-6.4; others uniform 5.0-5.7. */
static double hba1c(vt_patient *p, double bmi, int prediabetes, int diabetes) {
  double a1c;
  if (diabetes) a1c = bmi > 48.0 ? 12.0 : bmi <= 27.0 ? 6.6 : bmi / 4.0;
  else if (prediabetes) a1c = uni(p, 5.8, 6.4);
  else a1c = uni(p, 5.0, 5.7);
  if (prediabetes || diabetes)
    for (int i = 0; i < NELEM(a1c_drugs); i++)
      if (vt_actives_find_code(&p->active[VT_ACT_MEDICATION], a1c_drugs[i].rxnorm) >= 0)
        a1c += a1c_drugs[i].delta;
  return a1c < A1C_FLOOR ? A1C_FLOOR : a1c;
}

/* Serum creatinine (mg/dL) from creatinine clearance `crcl`.  Adults:
** LifecycleModule.reverseCalculateCreatinine, the Cockcroft-Gault equation
** solved for creatinine, (140 - age) * weight / (72 * crcl), times 0.85 for
** women, crcl clamped to 1-100 (1.0 when the weight is unknown).  Under 18
** vitae uses the bedside Schwartz equation instead, creatinine = 0.413 *
** height / eGFR (Schwartz et al., J Am Soc Nephrol 2009;20:629-37), since
** Cockcroft-Gault gives implausibly low values for small children; no module
** branches on creatinine, so paths are unchanged. */
static double creatinine(const vt_patient *p, int age, double crcl) {
  double c = clampd(crcl, 1.0, 100.0);
  if (age < 18) {
    double h = get_num(&p->vitals, "Height", age < 1 ? 50.0 : 100.0);
    return 0.413 * h / c;
  }
  const vt_slot *w = vt_map_get(&p->vitals, "Weight");
  if (!w || w->v.kind != VT_V_NUM) return 1.0;
  double cr = (140.0 - age) * w->v.u.n / (72.0 * c);
  if (p->rec.person.gender == 'F') cr *= 0.85;
  return cr;
}

static void set_vital(vt_patient *p, const char *name, double v, vt_time t) { put_num(&p->vitals, name, v, t); }

/* Draw every lab vital sign as Synthea's LifecycleModule does at each time
** step; vitae draws them at birth and at each wellness visit.  Values are
** not rounded, as in Synthea: modules compare them with thresholds at the
** ends of the ranges (Triglycerides >= 150, HDL < 50, Glucose >= 130), and
** rounding would let a value reach a bound that Synthea never reaches. */
static void draw_labs(vt_patient *p, vt_time t) {
  int age = vt_time_age_years(p->rec.person.birth, t);
  if (age < 0) age = 0;
  int index = 0;
  if (attr_present(p, "diabetes_severity"))
    index = (int)clampd(get_num(&p->attrs, "diabetes_severity", 1.0), 0.0, 4.0);

  double tc = uni(p, CHOLESTEROL[index], CHOLESTEROL[index + 1]);
  double tg = uni(p, TRIGLYCERIDES[index], TRIGLYCERIDES[index + 1]);
  double hdl = uni(p, HDL[index], HDL[index + 1]);
  double ldl = tc - hdl - 0.2 * tg;   /* Friedewald */
  set_vital(p, "Total Cholesterol", tc, t);
  set_vital(p, "Triglycerides", tg, t);
  set_vital(p, "HDL", hdl, t);
  set_vital(p, "LDL", ldl, t);

  double bmi = get_num(&p->vitals, "BMI", 0.0);
  int prediabetes = attr_true(p, "prediabetes"), diabetes = attr_true(p, "diabetes");
  set_vital(p, "Blood Glucose", hba1c(p, bmi, prediabetes, diabetes), t);

  const double *o2 = attr_present(p, "chf") ? O2_HYPOXEMIA : O2_NORMAL;
  set_vital(p, "Oxygen Saturation", floor(uni(p, o2[0], o2[1])), t);   /* Synthea casts to int */

  /* attribute ckd: 1 mild, 2 moderate, 3 severe kidney damage, 4 end stage
  ** (LifecycleModule's mapping).  chronic_kidney_disease.json also sets 5
  ** (stage 5), which Synthea's switch sends to the normal ranges; vitae
  ** gives it the end-stage ranges (no module branches on eGFR). */
  int ckd = (int)get_num(&p->attrs, "ckd", 0.0);
  const double *cc, *mcr;
  switch (ckd) {
    case 1: cc = CC_MILD; mcr = MCR_NORMAL; break;
    case 2: cc = CC_MODERATE; mcr = MCR_CONTROLLED; break;
    case 3: cc = CC_SEVERE; mcr = MCR_UNCONTROLLED; break;
    case 4: case 5: cc = CC_ESRD; mcr = MCR_PROTEINURIA; break;
    default: cc = p->rec.person.gender == 'F' ? CC_NORMAL_F : CC_NORMAL_M; mcr = MCR_NORMAL;
  }
  double crcl = uni(p, cc[0], cc[1]);
  set_vital(p, "EGFR", crcl, t);
  set_vital(p, "Microalbumin Creatinine Ratio", uni(p, mcr[0], mcr[1]), t);
  set_vital(p, "Creatinine", creatinine(p, age, crcl), t);
  set_vital(p, "Urea Nitrogen", uni(p, UREA_NITROGEN[0], UREA_NITROGEN[1]), t);
  set_vital(p, "Calcium", uni(p, CALCIUM[0], CALCIUM[1]), t);

  int gi = index < 2 ? index : 2;
  set_vital(p, "Glucose", uni(p, GLUCOSE[gi], GLUCOSE[gi + 1]), t);
  set_vital(p, "Chloride", uni(p, CHLORIDE[0], CHLORIDE[1]), t);
  set_vital(p, "Potassium", uni(p, POTASSIUM[0], POTASSIUM[1]), t);
  set_vital(p, "Carbon Dioxide", uni(p, CARBON_DIOXIDE[0], CARBON_DIOXIDE[1]), t);
  set_vital(p, "Sodium", uni(p, SODIUM[0], SODIUM[1]), t);
}

/* ------------------------------------------------------------------ */
/* Growth percentiles of children (LifecycleModule.grow)               */
/* ------------------------------------------------------------------ */

static void growth_percentiles(vt_patient *p, vt_time t) {
  vt_time birth = p->rec.person.birth;
  int age = vt_time_age_years(birth, t);
  int months = vt_time_age_months(birth, t);
  char g = p->rec.person.gender;
  const vt_slot *h = vt_map_get(&p->vitals, "Height");
  const vt_slot *w = vt_map_get(&p->vitals, "Weight");
  const vt_slot *b = vt_map_get(&p->vitals, "BMI");

  /* weight-for-length percentile to 36 months; Synthea gives 99 when the
  ** length is beyond the chart (103.5 cm) */
  if (age <= 3 && months <= 36 && h && w && h->v.kind == VT_V_NUM && w->v.kind == VT_V_NUM) {
    int n;
    const vt_lms *tb = vt_chart_rows(VT_CHART_WEIGHT_FOR_LENGTH, g, &n);
    double pct = h->v.u.n > tb[n - 1].x ? 99.0 : 100.0 * normal_cdf(chart_z(VT_CHART_WEIGHT_FOR_LENGTH, g, h->v.u.n, w->v.u.n));
    put_num(&p->attrs, "current_weight_length_percentile", pct, t);
  }
  /* head circumference to 36 months, at the person's own head z-score
  ** (Synthea uses the height percentile; vitae draws one at birth) */
  if (age <= 3 && months <= 36) {
    double z = get_num(&p->attrs, K_HEAD_Z, 0.0);
    double am = (double)(t - birth) / (double)VT_MS_MONTH;
    set_vital(p, "Head Circumference", chart_value(VT_CHART_HEAD, g, am, z), t);
    set_vital(p, "Head Circumference Percentile", 100.0 * normal_cdf(z), t);
  }
  /* BMI percentile from 2 to 19 years; kept afterwards, as in Synthea */
  if (age >= 2 && age < 20 && b && b->v.kind == VT_V_NUM)
    put_num(&p->attrs, "bmi_percentile", vt_sattr_bmi_percentile(g, months, b->v.u.n), t);
}

/* ------------------------------------------------------------------ */
/* Cardiovascular risks (CardiovascularDiseaseModule)                  */
/* ------------------------------------------------------------------ */

/* Pooled Cohort Equations for the 10-year risk of hard ASCVD: Goff et al.,
** "2013 ACC/AHA Guideline on the Assessment of Cardiovascular Risk",
** Circulation 2014;129(suppl 2):S49-S73, Appendix 7 Table A (as in
** Synthea's risk_calculators/ASCVD.java).  Columns: white women, African
** American women, white men, African American men (others use the white
** equations); N/A coefficients are 0. */
enum { C_LNAGE, C_LNAGE2, C_LNTC, C_AGE_TC, C_LNHDL, C_AGE_HDL, C_TSBP, C_AGE_TSBP,
       C_USBP, C_AGE_USBP, C_SMOKER, C_AGE_SMOKER, C_DIABETES, C__N };
static const double pce_coef[C__N][4] = {
  { -29.799, 17.114, 12.344, 2.469 },
  { 4.884, 0, 0, 0 },
  { 13.540, 0.940, 11.853, 0.302 },
  { -3.114, 0, -2.664, 0 },
  { -13.578, -18.920, -7.990, -0.307 },
  { 3.149, 4.475, 1.769, 0 },
  { 2.019, 29.291, 1.797, 1.916 },
  { 0, -6.432, 0, 0 },
  { 1.957, 27.820, 1.764, 1.809 },
  { 0, -6.087, 0, 0 },
  { 7.574, 0.691, 7.837, 0.549 },
  { -1.665, 0, -1.795, 0 },
  { 0.661, 0.874, 0.658, 0.645 },
};
static const double pce_mean[4] = { -29.18, 86.61, 61.18, 19.54 };
static const double pce_s10[4] = { 0.9665, 0.9533, 0.9144, 0.8954 };
/* Shares of ASCVD events that are MI and stroke (ASCVD.MI_RATIO,
** STROKE_RATIO = 0.5 each); ihd_risk is five times the monthly risk, for
** the relative prevalence of stable ischemic heart disease
** (CardiovascularDiseaseModule.calculateAscvdRisk). */
#define MI_RATIO 0.5
#define STROKE_RATIO 0.5
#define IHD_FACTOR 5.0

double vt_sattr_ascvd10(char gender, int black, int age, double tc, double hdl,
                        double sbp, int treated, int smoker, int diabetic) {
  if (age < 40 || age > 79 || tc <= 0 || hdl <= 0 || sbp <= 0) return -1.0;
  double la = log((double)age), ltc = log(tc), lhdl = log(hdl), lsbp = log(sbp);
  double x[C__N] = {
    la, la * la, ltc, la * ltc, lhdl, la * lhdl,
    treated ? lsbp : 0, treated ? la * lsbp : 0,
    treated ? 0 : lsbp, treated ? 0 : la * lsbp,
    smoker ? 1 : 0, smoker ? la : 0, diabetic ? 1 : 0,
  };
  int k = (gender == 'M' ? 2 : 0) + (black ? 1 : 0);
  double sum = 0;
  for (int i = 0; i < C__N; i++) sum += pce_coef[i][k] * x[i];
  return 1.0 - pow(pce_s10[k], exp(sum - pce_mean[k]));
}

/* Framingham atrial fibrillation points (Schnabel et al., Lancet
** 2009;373:739-45, simplified point score as in Synthea's
** risk_calculators/Framingham.atrialFibrillation10Year): age 45-49 ...
** 85+ by sex, +1 for BMI >= 30, +1 for systolic >= 160, +1 when the
** attribute blood_pressure_controlled is true; 10-year risk by points
** 0..10. */
static const int af_age_points[2][9] = {
  { 1, 2, 3, 4, 5, 6, 7, 7, 8 },     /* men */
  { -3, -2, 0, 1, 3, 4, 6, 7, 8 },   /* women */
};
static const double af_risk[11] = { 0.01, 0.02, 0.02, 0.03, 0.04, 0.06, 0.08, 0.12, 0.16, 0.22, 0.3 };

static double af10(const vt_patient *p, int age) {
  const vt_slot *sbp = vt_map_get(&p->vitals, "Systolic Blood Pressure");
  const vt_slot *bmi = vt_map_get(&p->vitals, "BMI");
  if (age < 45 || attr_present(p, "atrial_fibrillation") || !sbp || !bmi
      || sbp->v.kind != VT_V_NUM || bmi->v.kind != VT_V_NUM) return -1.0;
  int range = (age - 45) / 5;
  if (range > 8) range = 8;
  int score = af_age_points[p->rec.person.gender == 'M' ? 0 : 1][range];
  if (bmi->v.u.n >= 30.0) score++;
  if (sbp->v.u.n >= 160.0) score++;
  if (attr_true(p, "blood_pressure_controlled")) score++;
  score = score < 0 ? 0 : score > 10 ? 10 : score;
  return af_risk[score];
}

/* Fall injury risk from 65 (LifecycleModule.calculateFallRisk): 0.06 with
** the attribute osteoporosis, else 0.035 ("numbers from injuries module").
** Synthea lowers it 2% per active intervention, but looks the
** interventions up by display text ("Physical therapy procedure",
** "Cholecalciferol 600 UNT") where its record's active entries are keyed by
** code, so in practice the reduction does not apply; vitae keeps the
** effective values. */
#define FALL_RISK_OSTEOPOROSIS 0.06
#define FALL_RISK_BASE 0.035

/* The risks that depend on age and the latest measurements. */
static void compute_risks(vt_patient *p, vt_time t) {
  int age = vt_time_age_years(p->rec.person.birth, t);
  const vt_person_row *r = &p->rec.person;
  double sbp = get_num(&p->vitals, "Systolic Blood Pressure", 0.0);
  double tc = get_num(&p->vitals, "Total Cholesterol", 0.0);
  double hdl = get_num(&p->vitals, "HDL", 0.0);
  int black = r->race && strcmp(r->race, "black") == 0;
  double ascvd = vt_sattr_ascvd10(r->gender, black, age, tc, hdl, sbp, attr_true(p, "hypertension"),
                                  attr_true(p, "smoker"), attr_true(p, "diabetes"));
  put_num(&p->attrs, "ascvd_risk", ascvd, t);
  put_num(&p->attrs, "cardio_risk", convert_risk(ascvd, TEN_YEARS, TIMESTEP), t);
  double monthly = convert_risk(ascvd, TEN_YEARS, ONE_MONTH);
  put_num(&p->attrs, "mi_risk", monthly * MI_RATIO, t);
  put_num(&p->attrs, "ihd_risk", monthly * IHD_FACTOR, t);
  /* Synthea uses CHA2DS2-VASc instead when the attribute
  ** atrial_fibrillation is set; no module of the corpus sets it (the
  ** atrial fibrillation module records a condition), so that branch is not
  ** taken in a Synthea run either */
  put_num(&p->attrs, "stroke_risk", monthly * STROKE_RATIO, t);
  put_num(&p->attrs, "atrial_fibrillation_risk", convert_risk(af10(p, age), TEN_YEARS, ONE_MONTH), t);
  if (age >= 65)
    put_num(&p->attrs, "probability_of_fall_injury",
            attr_true(p, "osteoporosis") ? FALL_RISK_OSTEOPOROSIS : FALL_RISK_BASE, t);
}

/* ------------------------------------------------------------------ */
/* Weight management (WeightLossModule)                                */
/* ------------------------------------------------------------------ */

/* biometrics.yml weightloss: earliest age 5; adults start considering it
** at BMI 30, children at the 95th BMI percentile; 49.3% of them start
** (MMWR 2018;67(41), mm6741a10); 60.5% adhere (PMC4990387); 20% of the
** adherent keep the loss after 5 years (Am J Clin Nutr 2005;82:222S).
** Synthea checks every week; vitae at wellness visits, where BMI is
** measured.  The weight itself is the growth model's (not changed here). */
#define WL_MIN_AGE 5
#define WL_START_BMI 30.0
#define WL_START_PERCENTILE 95.0
#define WL_START_PROB 0.493
#define WL_ADHERENCE 0.605
#define WL_MAINTENANCE 0.2
#define WL_YEARS 5

static void weight_management(vt_patient *p, vt_time t) {
  int age = vt_time_age_years(p->rec.person.birth, t);
  if (attr_true(p, "active_weight_management")) {
    double start = get_num(&p->attrs, "weight_management_start", (double)t);
    if ((double)t - start >= (double)WL_YEARS * (double)VT_MS_YEAR && !attr_true(p, "long_term_weight_loss")) {
      vt_map_del(&p->attrs, "weight_management_start");
      vt_map_del(&p->attrs, "weight_loss_adherence");
      vt_map_del(&p->attrs, "long_term_weight_loss");
      put_bool(&p->attrs, "active_weight_management", 0, t);
    }
    return;
  }
  if (age < WL_MIN_AGE) return;
  int eligible;
  if (age >= 20) eligible = get_num(&p->vitals, "BMI", 0.0) >= WL_START_BMI;
  else eligible = get_num(&p->attrs, "bmi_percentile", 0.0) >= WL_START_PERCENTILE;
  if (!eligible || vt_rng_uniform(&p->rng) > WL_START_PROB) return;
  put_bool(&p->attrs, "active_weight_management", 1, t);
  put_num(&p->attrs, "weight_management_start", (double)t, t);
  int adherent = vt_rng_uniform(&p->rng) <= WL_ADHERENCE;
  put_bool(&p->attrs, "weight_loss_adherence", adherent, t);
  put_bool(&p->attrs, "long_term_weight_loss", adherent && vt_rng_uniform(&p->rng) <= WL_MAINTENANCE, t);
}

/* ------------------------------------------------------------------ */
/* Smoking and alcoholism (LifecycleModule)                            */
/* ------------------------------------------------------------------ */

/* Smokers start at 16 ("9/10 smokers start before age 18", CDC youth
** tobacco fact sheet) with LifecycleModule.likelihoodOfBeingASmoker: 42.4%
** before 1965, then (996.41 - 0.4865 * year) / 100, a line through CDC's
** adult smoking prevalence (1965 42.4%, 1985 30.1%, 2015 16.1%). */
#define SMOKING_START_AGE 16
double vt_sattr_smoking_share(int year) {
  if (year < 1965) return 0.424;
  return clampd((year * -0.4865 + 996.41) / 100.0, 0.0, 1.0);
}
/* A smoker quits with lifecycle.quit_smoking.baseline = 0.01 each weekly
** time step (synthea.properties; the per-step delta only lowers it to the
** baseline again); an alcoholic with lifecycle.quit_alcoholism.baseline =
** 0.001.  vitae draws the number of the quitting step at once (geometric),
** which has the same distribution and costs nothing per step. */
#define QUIT_SMOKING_WEEKLY 0.01
/* Alcoholism begins at 25 with 2.5% ("about 8 million alcoholics in a
** population of 320 million", LifecycleModule.startAlcoholism). */
#define ALCOHOLISM_START_AGE 25
#define ALCOHOLISM_SHARE 0.025
#define QUIT_ALCOHOLISM_WEEKLY 0.001

/* The time of the step at which a habit started at `t` ends: after k
** failed weekly chances, P(k) = (1-q)^k q. */
static vt_time quit_time(vt_patient *p, vt_time t, double q) {
  double u = vt_rng_uniform(&p->rng);
  double k = floor(log1p(-u) / log1p(-q));
  if (k > 1e6) k = 1e6;   /* far beyond any lifetime */
  return t + (vt_time)k * VT_MS_WEEK;
}

/* Marital status at 27 (LifecycleModule.age: at 27 a person without one is
** married with 0.8, else single).  vitae takes the status demographics.c
** drew for the person row (ACS 2019 table S1201 by age and sex), so that
** the attribute and the patients table agree. */
#define MARRIAGE_AGE 27

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

/* Everything that happens when the whole age becomes `age` (or when the
** hooks first see the person). */
static void on_birthday(vt_patient *p, vt_time t, int age) {
  if (age >= SMOKING_START_AGE && !attr_present(p, "smoker")) {
    int smoker = vt_rng_uniform(&p->rng) < vt_sattr_smoking_share(vt_time_year(t));
    put_bool(&p->attrs, "smoker", smoker, t);
    if (smoker) put_num(&p->attrs, K_QUIT_SMOKE_AT, (double)quit_time(p, t, QUIT_SMOKING_WEEKLY), t);
  }
  if (age >= ALCOHOLISM_START_AGE && !attr_present(p, "alcoholic")) {
    int alcoholic = vt_rng_uniform(&p->rng) < ALCOHOLISM_SHARE;
    put_bool(&p->attrs, "alcoholic", alcoholic, t);
    if (alcoholic) put_num(&p->attrs, K_QUIT_ALC_AT, (double)quit_time(p, t, QUIT_ALCOHOLISM_WEEKLY), t);
  }
  if (age >= MARRIAGE_AGE && !attr_present(p, "marital_status"))
    put_str(&p->attrs, "marital_status", p->rec.person.marital ? p->rec.person.marital : "S", t);
  put_str(&p->attrs, "insurance_status", insurance_status(p, age, vt_time_year(t)), t);
  compute_risks(p, t);
}

/* Handle every event due at `t` and schedule the next one. */
static void run_events(vt_patient *p, vt_time t) {
  vt_time birth = p->rec.person.birth;
  int age = vt_time_age_years(birth, t);
  if (age < 0) age = 0;
  int risks = 0;
  if ((int)get_num(&p->attrs, K_AGE, -1.0) != age) {
    put_num(&p->attrs, K_AGE, age, t);
    on_birthday(p, t, age);   /* includes the risks */
  }
  double quit = get_num(&p->attrs, K_QUIT_SMOKE_AT, NAN);
  if (!isnan(quit) && (double)t >= quit) {
    vt_map_del(&p->attrs, K_QUIT_SMOKE_AT);
    put_bool(&p->attrs, "smoker", 0, t);
    put_num(&p->attrs, "quit smoking age", age, t);
    risks = 1;
  }
  quit = get_num(&p->attrs, K_QUIT_ALC_AT, NAN);
  if (!isnan(quit) && (double)t >= quit) {
    vt_map_del(&p->attrs, K_QUIT_ALC_AT);
    put_bool(&p->attrs, "alcoholic", 0, t);
    put_num(&p->attrs, "quit alcoholism age", age, t);
  }
  if (risks) compute_risks(p, t);

  double next = (double)birthday(birth, age + 1);
  double qs = get_num(&p->attrs, K_QUIT_SMOKE_AT, NAN), qa = get_num(&p->attrs, K_QUIT_ALC_AT, NAN);
  if (!isnan(qs) && qs < next) next = qs;
  if (!isnan(qa) && qa < next) next = qa;
  put_num(&p->attrs, K_NEXT, next, t);
}

/* ------------------------------------------------------------------ */
/* The hooks                                                           */
/* ------------------------------------------------------------------ */

void vt_sattr_birth(vt_patient *p, vt_time t) {
  vt_map *a = &p->attrs;
  const vt_person_row *r = &p->rec.person;

  /* the bookkeeping slot first, so that vt_sattr_step finds it at once */
  /* (the engine calls this first, on an empty map: the slot is slots[0];
  ** vt_sattr_step falls back to a lookup if it is not) */
  put_num(a, K_NEXT, (double)t, t);

  /* demographics as Synthea's attributes (Generator.pickDemographics) */
  put_str(a, "gender", r->gender == 'M' ? "M" : "F", t);
  put_str(a, "race", r->race, t);
  put_str(a, "ethnicity", r->ethnicity, t);
  put_str(a, "state", r->state, t);
  put_str(a, "county", r->county, t);
  put_str(a, "city", r->city, t);
  put_str(a, "zip", r->zip, t);
  put_str(a, "address", r->address, t);
  put_str(a, "education", r->education, t);
  put_num(a, "income", r->income, t);
  put_num(a, "poverty_ratio", r->income / POVERTY_LEVEL, t);
  put_str(a, "first_language", first_language(p), t);
  put_str(a, "birth_country", birth_country(r->birthplace), t);

  /* LifecycleModule.birth */
  int k = vt_rng_weighted(&p->rng, orientation_w, 3);
  put_str(a, "sexual_orientation", orientation_names[k < 0 ? 0 : k], t);
  put_bool(a, "RH_NEG", vt_rng_uniform(&p->rng) < RH_NEG_SHARE, t);
  put_bool(a, "active_weight_management", 0, t);
  put_num(a, K_HEAD_Z, clampd(vt_rng_normal(&p->rng, 0.0, 1.0), -3.0, 3.0), t);

  /* social determinants from the county's shares */
  sdoh_row s = county_sdoh(r->county);
  put_bool(a, "food_insecurity", vt_rng_uniform(&p->rng) < s.food, t);
  put_bool(a, "severe_housing_cost_burden", vt_rng_uniform(&p->rng) < s.housing, t);
  put_bool(a, "unemployed", vt_rng_uniform(&p->rng) < s.unemployed, t);
  put_bool(a, "no_vehicle_access", vt_rng_uniform(&p->rng) < s.no_vehicle, t);
  put_num(a, K_UNINSURED_U, vt_rng_uniform(&p->rng), t);

  /* Synthea computes the vital signs at birth too */
  draw_labs(p, t);
  growth_percentiles(p, t);
  run_events(p, t);
}

void vt_sattr_step(vt_patient *p, vt_time t) {
  const vt_map *a = &p->attrs;
  const vt_slot *s = a->n > 0 && a->slots[0].key == K_NEXT ? &a->slots[0] : vt_map_get(a, K_NEXT);
  if (s && s->v.kind == VT_V_NUM && (double)t < s->v.u.n) return;
  run_events(p, t);
}

void vt_sattr_wellness(vt_patient *p, vt_time t) {
  vt_sattr_step(p, t);   /* a birthday on the visit day comes first */
  draw_labs(p, t);
  growth_percentiles(p, t);
  compute_risks(p, t);
  weight_management(p, t);
}
