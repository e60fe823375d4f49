/*
** lifetables.h -- the native lifecycle data of a patient: demographics
** (who the patient is), natural death from a life table, growth (height,
** weight, BMI), vital signs by age and the wellness-visit schedule.
**
** Everything here is a pure function of its arguments and the patient's
** generator: the tables are constant, nothing is cached, so the functions
** are thread-safe and a fixed seed gives the same patient.  Each table
** cites its source where it is defined (lifetables.c, demographics.c).
*/
#ifndef VT_LIFETABLES_H
#define VT_LIFETABLES_H

#include "record.h"
#include "rng.h"
#include "vtime.h"

/* ---- lifecycle params (sim/lifecycle.c reads them from a params file) ---- */

#define VT_LC_NRACE 6     /* white black asian native hawaiian other */
#define VT_LC_NBANDS 18   /* mortality bands 0-4, 5-9, ..., 80-84, 85+ */
#define VT_LC_NDECADES 13 /* birth decades 1900s, 1910s, ..., 2020s */
#define VT_LC_FIRST_DECADE 1900

/* What `lifecycle.*` params change in the native lifecycle
** (schemas/params.md, "Lifecycle params").  The defaults (vt_lifecycle_default)
** change nothing: the draws are then exactly those of a run without them. */
typedef struct vt_lifecycle {
  double female_share;        /* share of women; < 0: the census structure */
  int race_set;               /* 1: race drawn from race[] whatever the ethnicity */
  double race[VT_LC_NRACE];   /* shares summing to 1 (when race_set) */
  double hispanic_share;      /* < 0: the census share */
  double mort[2][VT_LC_NBANDS]; /* [0] F, [1] M: multipliers of the life table's hazard (1: none) */
  int birth_set;              /* 1: birth decades drawn with birth[] shares */
  double birth[VT_LC_NDECADES]; /* share of births per decade; < 0: the decade
                                   keeps its share of the census age structure
                                   at the run's reference date (when birth_set) */
} vt_lifecycle;

void vt_lifecycle_default(vt_lifecycle *lc);

/* ---- demographics (demographics.c) ---- */

typedef struct vt_demo_opts {
  vt_time reference;      /* the end of the simulation: the person is alive then */
  int age_min, age_max;   /* whole years at `reference`; clamped to 0..100, swapped if reversed */
  char gender;            /* 'M' or 'F' to fix the sex; 0 for both */
  const vt_lifecycle *lc; /* lifecycle params, or NULL for the defaults */
} vt_demo_opts;

/* Draw a person alive at o->reference and fill rec->person (every field but
** `index`, which the caller sets): sex and age from the US 2020 population
** structure, birth date, race and ethnicity, names, marital status, a
** Massachusetts address, birthplace, identifiers, education, household
** income and socioeconomic status.  death is VT_NO_TIME; height and weight
** are left to the growth model (0).  Strings are static or copied into the
** record's arena. */
void vt_demo_draw(vt_rng *rng, const vt_demo_opts *o, vt_record *rec);

/* Population at whole `age` (0..100, 100 meaning 100 and over) in
** thousands, for sex 'M' or 'F' (any other value: both), from the table
** vt_demo_draw samples; 0 outside 0..100. */
double vt_demo_age_weight(char gender, int age);

/* The census defaults vt_demo_draw uses with no lifecycle params: the share
** of women (all ages 0..100), the race shares (vt_lifecycle's order, over
** both ethnicities) and the Hispanic share.  Any pointer may be NULL. */
void vt_demo_census_shares(double *female, double race[VT_LC_NRACE], double *hispanic);

/* The share of births in each decade (1900s ... 2020s) of a population with
** the census age structure (ages 0..100, both sexes) at `reference`: what
** lifecycle.birth.* default to. */
void vt_demo_census_decades(vt_time reference, double out[VT_LC_NDECADES]);

/* ---- natural death (lifetables.c) ---- */

/* Annual probability of dying (qx) at whole `age` for sex 'M' or 'F' (any
** other value: the mean of both); ages over 100 use the value at 100,
** negative ages the value at 0. */
double vt_life_qx(char gender, int age);

/* Period life expectancy (years) at whole `age` (0..100) from vt_life_qx. */
double vt_life_expectancy(char gender, int age);

/* Natural death time of a person born at `birth`, conditional on being
** alive at `alive_at` (VT_NO_TIME or a time before birth: from birth).
** Walks the years of age with vt_life_qx (the first, partial, year with the
** matching share of its risk) and puts the death uniformly within the year
** of age in which it falls.  Returns VT_NO_TIME if death is not before
** `until` (VT_NO_TIME: no limit).  Draws only from `rng`. */
vt_time vt_life_draw_death(vt_rng *rng, char gender, vt_time birth,
                           vt_time alive_at, vt_time until);

/* vt_life_draw_death with the hazard of every year of age multiplied by
** lc->mort[sex][band of the age] (lc NULL: none): the year's probability
** becomes 1 - (1 - qx)^m; a multiplier of exactly 1 leaves qx (and so the
** draws) untouched.  Sex other than 'F' uses the 'M' row. */
vt_time vt_life_draw_death_lc(vt_rng *rng, char gender, vt_time birth,
                              vt_time alive_at, vt_time until, const vt_lifecycle *lc);

/* The life table's daily hazard of death at whole `age` for sex 'M' or 'F'
** (as vt_life_qx for others): -ln(1 - qx) / 365.2425, i.e. the constant
** hazard within the year of age that vt_life_draw_death uses.  The table
** is a 2020 period table and does not depend on the calendar year; 0 below
** age 0 is the value at 0, ages of LIFE_MAX_AGE (120) and over are certain
** death (returns INFINITY). */
double vt_life_daily_hazard(char gender, int age);

/* ---- growth (lifetables.c) ---- */

/* A patient's lifelong growth percentiles, as standard normal z-scores
** (clamped to +-3). */
typedef struct vt_growth { double z_height, z_bmi; } vt_growth;

/* Draw both z-scores, independent standard normals clamped to [-3, 3]. */
void vt_growth_draw(vt_rng *rng, vt_growth *g);

/* Height (cm), weight (kg) and BMI (kg/m2) at `age_years` for sex 'M' or
** 'F' (anything else is taken as 'F').  CDC 2000 growth charts to 20 years,
** NHANES 2015-2018 adult height and BMI after; any output pointer may be
** NULL. */
void vt_growth_at(const vt_growth *g, char gender, double age_years,
                  double *height_cm, double *weight_kg, double *bmi);

/* ---- vital signs (lifetables.c) ---- */

typedef struct vt_vitals {
  double systolic, diastolic;   /* mmHg, whole numbers */
  double heart_rate;            /* beats/min, whole */
  double resp_rate;             /* breaths/min, whole */
  double temperature;           /* Celsius, one decimal */
} vt_vitals;

/* Vital signs measured at a visit at `age_years`: the reference value for
** age (and sex for blood pressure and adult heart rate) plus measurement
** noise.  `bp_offset` (mmHg) is added to the systolic pressure and half of
** it to the diastolic, for attributes such as hypertension. */
void vt_vitals_draw(vt_rng *rng, char gender, double age_years,
                    double bp_offset, vt_vitals *v);

/* ---- wellness visits (lifetables.c) ---- */

/* Time of the first scheduled wellness visit strictly after `after` for a
** person born at `birth`: day 4, then 1, 2, 4, 6, 9, 12, 15, 18, 24 and 30
** months, then every birthday from 3 to 21 years, every third birthday
** from 24 to 39, and every birthday from 40 on. */
vt_time vt_wellness_next(vt_time birth, vt_time after);

#endif
