/*
** fit_lifecycle.h -- closed-form fits of the native lifecycle's params
** (sim/lifecycle.h: lifecycle.sex.*, lifecycle.race.*, lifecycle.ethnicity.*,
** lifecycle.mortality.*, lifecycle.birth.*) from the noisy workload statistics (learn/
** workload.h: demog, deaths and persontime blocks).  Post-processing only: it sees
** the released values and their noise sigmas, never the data.  Formulas,
** uncertainties and the "cannot fit" rule: docs/learn-statistics.md,
** "Fitting the lifecycle".
*/
#ifndef VT_FIT_LIFECYCLE_H
#define VT_FIT_LIFECYCLE_H

#include <stddef.h>

/* The public rule for "cannot fit": a denominator (a share's total count,
** a stratum's person-days) must be at least VT_LCFIT_MIN_SNR times its
** noise sigma, and a stratum's expected deaths at the life table's rates at
** least VT_LCFIT_MIN_EXPECTED. */
#define VT_LCFIT_MIN_SNR 10.0
#define VT_LCFIT_MIN_EXPECTED 1.0
/* ... and at least VT_LCFIT_MIN_DEATH_SNR times the noise sigma of its
** deaths (else the multiplier's error would exceed 1 / this).  A noisy
** death count at or below 0 gives the smallest multiplier,
** VT_LCFIT_MIN_MULT (the engine needs multipliers > 0). */
#define VT_LCFIT_MIN_DEATH_SNR 2.0
#define VT_LCFIT_MIN_MULT 0.01

/* 1 female share + 6 race + 2 ethnicity + 2 x 18 mortality multipliers +
** 13 birth-decade shares. */
#define VT_LCFIT_N 58

typedef struct vt_lcfit_item {
  char name[48];       /* the lifecycle param ("lifecycle.mortality.M.70-74") */
  int fitted;          /* 0: cannot fit; why says why and value is the default */
  double value, se;    /* estimate and its standard error (delta method) */
  char why[200];
} vt_lcfit_item;

typedef struct vt_lcfit {
  vt_lcfit_item items[VT_LCFIT_N];   /* in `vitae params --lifecycle` order */
  int n;                             /* VT_LCFIT_N */
} vt_lcfit;

/* Fit the lifecycle params from n statistics given by name (the workload's
** names: "sex/F", "race/white", "ethnicity/hispanic", "deaths/M/70-74",
** "persontime/M/70-74", "birth_decade/1950s"), their released values and noise sigmas (0 for
** exact values).  Names not needed are ignored; a needed one missing, or
** with a value or sigma that is not finite, makes its param "cannot fit".
** Returns how many params were fitted. */
int vt_fit_lifecycle(const char *const *names, const double *values, const double *sigmas, size_t n, vt_lcfit *out);

/* The expected deaths per person-day of band b (0..17) for sex 'F' or 'M'
** at multiplier m of the life table's hazard: the daily hazard
** (vt_life_daily_hazard) averaged over the band's ages weighted by the
** person-time a cohort entering the band at its first age lives at each
** age under hazard m x h (the open band 85+ runs to age 120). */
double vt_lcfit_band_hazard(char sex, int band, double m);

#endif
