/*
** fit_lifecycle.c -- closed-form fits of the lifecycle params from the
** noisy demographic and mortality statistics (see fit_lifecycle.h and
** docs/learn-statistics.md, "Fitting the lifecycle").
*/
#include "learn/fit_lifecycle.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/lifecycle.h"
#include "sim/lifetables.h"

#define DAYS_PER_YEAR 365.2425
#define LAST_AGE 120            /* sim/lifetables.c: certain death at 120 */
#define FIXED_POINT_ITERS 200

double vt_lcfit_band_hazard(char sex, int band, double m) {
  int lo = band * 5, hi = band < VT_LC_NBANDS - 1 ? lo + 5 : LAST_AGE;
  double l = 1.0, py = 0.0, deaths = 0.0;
  for (int a = lo; a < hi; a++) {
    double h = vt_life_daily_hazard(sex, a) * DAYS_PER_YEAR * m;   /* yearly hazard */
    double surv = exp(-h);
    /* person-years lived in the year at a constant hazard h */
    double lived = h > 1e-12 ? l * (1.0 - surv) / h : l;
    py += lived;
    deaths += lived * h;
    l *= surv;
  }
  return py > 0.0 ? deaths / py / DAYS_PER_YEAR / m : 0.0;
}

/* The value and sigma of statistic name into *v, *s: 1 found (finite), 0 not. */
static int stat(const char *const *names, const double *values, const double *sigmas, size_t n, const char *name,
                double *v, double *s) {
  for (size_t i = 0; i < n; i++)
    if (names[i] && strcmp(names[i], name) == 0) {
      if (!isfinite(values[i]) || !isfinite(sigmas[i]) || sigmas[i] < 0.0) return 0;
      *v = values[i] > 0.0 ? values[i] : 0.0;   /* clamp negatives (post-processing) */
      *s = sigmas[i];
      return 1;
    }
  return 0;
}

/* Mark it "cannot fit" with value def; the caller writes it->why. */
static vt_lcfit_item *cannot(vt_lcfit_item *it, double def) {
  it->fitted = 0;
  it->value = def;
  it->se = 0.0;
  return it;
}

/* Shares of k categories from their counts (names "GROUP/CAT"), written to
** out[0..k-1]: p_i = c_i / N, N = sum c_j, with
** se^2 = p(1-p)/N + ((1-p)^2 s_i^2 + p^2 sum_{j!=i} s_j^2) / N^2. */
static int fit_shares(const char *const *names, const double *values, const double *sigmas, size_t n, const char *group,
                      const char *const *cats, int k, vt_lcfit_item *out) {
  double c[VT_LC_NDECADES], s[VT_LC_NDECADES], total = 0.0, var = 0.0;   /* k <= VT_LC_NDECADES */
  char nm[64];
  int missing = -1;
  for (int i = 0; i < k; i++) {
    snprintf(nm, sizeof nm, "%s/%s", group, cats[i]);
    if (!stat(names, values, sigmas, n, nm, &c[i], &s[i])) { if (missing < 0) missing = i; }
    else { total += c[i]; var += s[i] * s[i]; }
  }
  int fitted = 0;
  for (int i = 0; i < k; i++) {
    vt_lcfit_item *it = &out[i];
    if (missing >= 0) {
      snprintf(cannot(it, it->value)->why, sizeof it->why, "statistic '%s/%s' missing or not finite", group,
               cats[missing]);
      continue;
    }
    if (total < 1.0 || total < VT_LCFIT_MIN_SNR * sqrt(var)) {
      snprintf(cannot(it, it->value)->why, sizeof it->why, "%s total %.1f is under %g x its noise sigma %.1f (or under 1)",
               group, total, VT_LCFIT_MIN_SNR, sqrt(var));
      continue;
    }
    double p = c[i] / total, others = var - s[i] * s[i];
    it->value = p;
    it->se = sqrt(p * (1.0 - p) / total + ((1.0 - p) * (1.0 - p) * s[i] * s[i] + p * p * others) / (total * total));
    it->fitted = 1;
    fitted++;
  }
  return fitted;
}

/* The multiplier of one stratum: m = D / (PT hbar(m)), a fixed point (hbar
** barely moves with m); se^2 = (max(D,1) + sD^2) / E^2 + m^2 sPT^2 / PT^2. */
static int fit_mortality(const char *const *names, const double *values, const double *sigmas, size_t n, char sex,
                         int band, vt_lcfit_item *it) {
  char dn[48], pn[48];
  double d, sd, pt, spt;
  snprintf(dn, sizeof dn, "deaths/%c/%s", sex, vt_lc_band_names[band]);
  snprintf(pn, sizeof pn, "persontime/%c/%s", sex, vt_lc_band_names[band]);
  if (!stat(names, values, sigmas, n, dn, &d, &sd) || !stat(names, values, sigmas, n, pn, &pt, &spt)) {
    snprintf(cannot(it, 1.0)->why, sizeof it->why, "statistic '%s' or '%s' missing or not finite", dn, pn);
    return 0;
  }
  if (pt < VT_LCFIT_MIN_SNR * spt || pt <= 0.0) {
    snprintf(cannot(it, 1.0)->why, sizeof it->why, "%s: %.0f person-days, under %g x their noise sigma %.0f", pn, pt,
             VT_LCFIT_MIN_SNR, spt);
    return 0;
  }
  double e1 = pt * vt_lcfit_band_hazard(sex, band, 1.0);
  if (e1 < VT_LCFIT_MIN_EXPECTED) {
    snprintf(cannot(it, 1.0)->why, sizeof it->why, "%s: %.2f expected deaths at the life table's rates, under %g", dn,
             e1, VT_LCFIT_MIN_EXPECTED);
    return 0;
  }
  if (e1 < VT_LCFIT_MIN_DEATH_SNR * sd) {
    snprintf(cannot(it, 1.0)->why, sizeof it->why, "%s: %.1f expected deaths at the life table's rates, under %g x "
             "their noise sigma %.1f", dn, e1, VT_LCFIT_MIN_DEATH_SNR, sd);
    return 0;
  }
  double m = d / e1;
  if (m < VT_LCFIT_MIN_MULT) m = VT_LCFIT_MIN_MULT;   /* noisy deaths at or below 0: the smallest multiplier */
  for (int k = 0; k < FIXED_POINT_ITERS && m > 0.0; k++) {
    double next = d / (pt * vt_lcfit_band_hazard(sex, band, m));
    if (next < VT_LCFIT_MIN_MULT) next = VT_LCFIT_MIN_MULT;
    if (fabs(next - m) <= 1e-12 * m) { m = next; break; }
    m = next;
  }
  double e = m > 0.0 ? pt * vt_lcfit_band_hazard(sex, band, m) : e1;
  it->value = m;
  it->se = sqrt(((d > 1.0 ? d : 1.0) + sd * sd) / (e * e) + m * m * spt * spt / (pt * pt));
  it->fitted = 1;
  return 1;
}

int vt_fit_lifecycle(const char *const *names, const double *values, const double *sigmas, size_t n, vt_lcfit *out) {
  memset(out, 0, sizeof *out);
  out->n = VT_LCFIT_N;
  for (int i = 0; i < VT_LCFIT_N; i++) {
    double def;
    vt_lifecycle_param(i, out->items[i].name, sizeof out->items[i].name, &def);
    out->items[i].value = def;
  }
  int fitted = 0;
  /* female share: F / (F + M) (unknown sex is not drawn by the simulator) */
  static const char *const sexes[2] = { "M", "F" };
  vt_lcfit_item two[2];
  two[0].value = 1.0 - out->items[0].value;
  two[1].value = out->items[0].value;
  if (fit_shares(names, values, sigmas, n, "sex", sexes, 2, two) == 2) {
    out->items[0] = (vt_lcfit_item){ .fitted = 1, .value = two[1].value, .se = two[1].se };
    snprintf(out->items[0].name, sizeof out->items[0].name, "lifecycle.sex.female_share");
    fitted++;
  } else {
    out->items[0].fitted = 0;
    snprintf(out->items[0].why, sizeof out->items[0].why, "%s", two[1].why);
  }
  fitted += fit_shares(names, values, sigmas, n, "race", vt_lc_race_names, VT_LC_NRACE, &out->items[1]);
  fitted += fit_shares(names, values, sigmas, n, "ethnicity", vt_lc_eth_names, 2, &out->items[1 + VT_LC_NRACE]);
  for (int s = 0; s < 2; s++)
    for (int b = 0; b < VT_LC_NBANDS; b++)
      fitted += fit_mortality(names, values, sigmas, n, s ? 'M' : 'F', b,
                              &out->items[1 + VT_LC_NRACE + 2 + s * VT_LC_NBANDS + b]);
  /* birth decades: shares of the listed decades (births before 1900, after
  ** the 2020s or unknown are not drawn by the simulator) */
  const char *decades[VT_LC_NDECADES];
  char dbuf[VT_LC_NDECADES][8];
  for (int d = 0; d < VT_LC_NDECADES; d++) {
    snprintf(dbuf[d], sizeof dbuf[d], "%ds", VT_LC_FIRST_DECADE + 10 * d);
    decades[d] = dbuf[d];
  }
  fitted += fit_shares(names, values, sigmas, n, "birth_decade", decades, VT_LC_NDECADES,
                       &out->items[1 + VT_LC_NRACE + 2 + 2 * VT_LC_NBANDS]);
  return fitted;
}
