/*
** synthea_attrs.h -- the patient attributes and vital signs that Synthea
** sets in Java rather than in its GMF modules.
**
** Synthea's module corpus reads attributes (smoker, sexual_orientation,
** mi_risk, bmi_percentile, insurance_status, food_insecurity, ...) and
** vital signs (Glucose, Creatinine, Total Cholesterol, EGFR, ...) that no
** module sets: Synthea's LifecycleModule, CardiovascularDiseaseModule,
** WeightLossModule and its demographics code set them.  This file does the
** same for vitae, so that the unchanged corpus takes the same paths.  The
** full list, with types, timing and sources, is docs/synthea-attributes.md.
**
** The engine calls three hooks: once at birth, at every weekly step (cheap:
** a single comparison until the next scheduled event -- a birthday, or the
** pre-drawn day a smoker quits), and at each scheduled wellness visit after
** the engine has measured height, weight, BMI and blood pressure.  Every
** random draw comes from p->rng.  Attribute and vital-sign keys are string
** literals; string values are literals or strings of the patient's record.
** The bookkeeping of these hooks lives in attributes named "vitae_sattr_*"
** (the first one is kept in the first slot of p->attrs, so that the weekly
** check is one comparison).
*/
#ifndef VT_SYNTHEA_ATTRS_H
#define VT_SYNTHEA_ATTRS_H

#include "patient.h"
#include "vtime.h"

/* At birth (t = birth time), after demographics are in p->rec.person: set
** the attributes Synthea sets once per person (gender, race, ethnicity,
** state, income, poverty_ratio, education, first_language, birth_country,
** sexual_orientation, RH_NEG, the county social determinants, insurance
** status) and the first lab values; schedule the first yearly event. */
void vt_sattr_birth(vt_patient *p, vt_time t);

/* At every weekly step before modules run.  Does nothing until the next
** scheduled event; then handles the birthdays passed (start of smoking at
** 16 and alcoholism at 25, marital status at 27, yearly insurance status,
** fall risk from 65, cardiovascular risks, which depend on age) and the
** pre-drawn quit dates.  Calling it again at the same or an earlier time
** changes nothing. */
void vt_sattr_step(vt_patient *p, vt_time t);

/* At each scheduled wellness visit, after the engine has set Height,
** Weight, BMI, blood pressure, heart and respiration rate in p->vitals: draw
** the lab vital signs (lipid panel, HbA1c, metabolic panel, eGFR,
** microalbumin ratio, oxygen saturation), the growth percentiles of
** children, head circumference of infants, the cardiovascular risk scores,
** fall risk and the start of weight management. */
void vt_sattr_wellness(vt_patient *p, vt_time t);

/* Exposed for tests and for the documentation's figures. */

/* Synthea's share of 16-year-olds who start smoking in calendar `year`
** (CDC adult smoking trend, 42.4% before 1965, falling about 0.49 points a
** year; never below 0). */
double vt_sattr_smoking_share(int year);

/* 10-year hard ASCVD risk (Pooled Cohort Equations, Goff et al. 2013) for
** sex 'M'/'F', black or not, whole age, total cholesterol and HDL (mg/dL),
** systolic pressure (mmHg), treated hypertension, smoker, diabetic; -1 when
** the equations do not apply (age outside 40-79 or a non-positive input),
** as in Synthea. */
double vt_sattr_ascvd10(char gender, int black, int age, double total_chol, double hdl,
                        double sbp, int treated, int smoker, int diabetic);

/* Percentile (0-100) of BMI `bmi` for sex 'M'/'F' at `age_months` (24 to
** 240) on the CDC 2000 BMI-for-age chart. */
double vt_sattr_bmi_percentile(char gender, double age_months, double bmi);

#endif
