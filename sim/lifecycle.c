/*
** lifecycle.c -- read the `lifecycle.*` params of a params file into a
** vt_lifecycle (see lifecycle.h; the names are in schemas/params.md).
*/
#include "sim/lifecycle.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/params.h"

const char *const vt_lc_race_names[VT_LC_NRACE] = { "white", "black", "asian", "native", "hawaiian", "other" };
const char *const vt_lc_eth_names[2] = { "hispanic", "nonhispanic" };
const char *const vt_lc_band_names[VT_LC_NBANDS] = {
  "00-04", "05-09", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44",
  "45-49", "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85+" };

#define PREFIX "lifecycle."
#define NPARAMS (1 + VT_LC_NRACE + 2 + 2 * VT_LC_NBANDS + VT_LC_NDECADES)

int vt_lifecycle_nparams(void) { return NPARAMS; }

int vt_lifecycle_param(int i, char *out, size_t outlen, double *def) {
  double fem, race[VT_LC_NRACE], hisp;
  vt_demo_census_shares(&fem, race, &hisp);
  if (i < 0 || i >= NPARAMS) { if (outlen) out[0] = 0; return -1; }
  if (i == 0) { snprintf(out, outlen, PREFIX "sex.female_share"); *def = fem; return 0; }
  i--;
  if (i < VT_LC_NRACE) { snprintf(out, outlen, PREFIX "race.%s", vt_lc_race_names[i]); *def = race[i]; return 0; }
  i -= VT_LC_NRACE;
  if (i < 2) { snprintf(out, outlen, PREFIX "ethnicity.%s", vt_lc_eth_names[i]); *def = i ? 1.0 - hisp : hisp; return 0; }
  i -= 2;
  if (i < 2 * VT_LC_NBANDS) {
    snprintf(out, outlen, PREFIX "mortality.%c.%s", i < VT_LC_NBANDS ? 'F' : 'M', vt_lc_band_names[i % VT_LC_NBANDS]);
    *def = 1.0;
    return 0;
  }
  i -= 2 * VT_LC_NBANDS;
  /* birth decades: the default is the census structure's share at today's
  ** date, the default reference date of a run */
  double dec[VT_LC_NDECADES];
  vt_demo_census_decades(vt_time_today(), dec);
  snprintf(out, outlen, PREFIX "birth.%ds", VT_LC_FIRST_DECADE + 10 * i);
  *def = dec[i];
  return 0;
}

/* The number value of entry `name` of p into *v: 1 if present, 0 if absent,
** -1 (message in err) if it is not a finite number. */
static int number_of(vt_params *p, const char *name, double *v, const vt_param **ent, char *err, size_t errlen) {
  const vt_param *e = vt_params_get(p, name);
  *ent = e;
  if (!e) return 0;
  if (e->kind != VT_PARAM_NUMBER || !isfinite(e->number)) {
    snprintf(err, errlen, "%s:%d: param '%s' must be a number", p->path, e->line, name);
    return -1;
  }
  *v = e->number;
  return 1;
}

/* Read a group of n shares named PREFIX group.NAME into out, defaults def;
** *given says whether any was in the file.  0 or -1 (err). */
static int read_shares(vt_params *p, const char *group, const char *const *names, int n, const double *def,
                       double *out, int *given, char *err, size_t errlen) {
  double sum = 0.0;
  const vt_param *last = NULL;
  *given = 0;
  for (int i = 0; i < n; i++) {
    char name[64];
    const vt_param *e;
    snprintf(name, sizeof name, PREFIX "%s.%s", group, names[i]);
    out[i] = def[i];
    int rc = number_of(p, name, &out[i], &e, err, errlen);
    if (rc < 0) return -1;
    if (rc && out[i] < 0.0) {
      snprintf(err, errlen, "%s:%d: param '%s' is a share: it must be >= 0, got %g", p->path, e->line, name, out[i]);
      return -1;
    }
    if (rc) { *given = 1; last = e; }
    sum += out[i];
  }
  if (*given && !(sum > 0.0)) {
    snprintf(err, errlen, "%s:%d: params 'lifecycle.%s.*': the shares add up to 0", p->path, last->line, group);
    return -1;
  }
  for (int i = 0; i < n && *given; i++) out[i] /= sum;
  return 0;
}

int vt_lifecycle_from_params(vt_lifecycle *lc, vt_params *p, char *err, size_t errlen) {
  vt_lifecycle_default(lc);
  if (!p) return 0;
  double fem, race[VT_LC_NRACE], eth[2];
  vt_demo_census_shares(&fem, race, &eth[0]);
  eth[1] = 1.0 - eth[0];
  const vt_param *e;
  int rc = number_of(p, PREFIX "sex.female_share", &fem, &e, err, errlen);
  if (rc < 0) return -1;
  if (rc) {
    if (fem < 0.0 || fem > 1.0) {
      snprintf(err, errlen, "%s:%d: param 'lifecycle.sex.female_share' must be between 0 and 1, got %g", p->path,
               e->line, fem);
      return -1;
    }
    lc->female_share = fem;
  }
  int given;
  if (read_shares(p, "race", vt_lc_race_names, VT_LC_NRACE, race, lc->race, &given, err, errlen)) return -1;
  lc->race_set = given;
  double eshare[2];
  if (read_shares(p, "ethnicity", vt_lc_eth_names, 2, eth, eshare, &given, err, errlen)) return -1;
  if (given) lc->hispanic_share = eshare[0];
  for (int s = 0; s < 2; s++)
    for (int b = 0; b < VT_LC_NBANDS; b++) {
      char name[64];
      double m = 1.0;
      snprintf(name, sizeof name, PREFIX "mortality.%c.%s", s ? 'M' : 'F', vt_lc_band_names[b]);
      rc = number_of(p, name, &m, &e, err, errlen);
      if (rc < 0) return -1;
      if (rc && !(m > 0.0)) {
        snprintf(err, errlen, "%s:%d: param '%s' is a multiplier of the death rate: it must be > 0, got %g", p->path,
                 e->line, name, m);
        return -1;
      }
      lc->mort[s][b] = m;
    }
  /* birth decades: a decade not given keeps its census share at the run's
  ** reference date (resolved when drawing, sim/demographics.c) */
  lc->birth_set = 0;
  for (int d = 0; d < VT_LC_NDECADES; d++) {
    char name[64];
    double v = -1.0;
    snprintf(name, sizeof name, PREFIX "birth.%ds", VT_LC_FIRST_DECADE + 10 * d);
    rc = number_of(p, name, &v, &e, err, errlen);
    if (rc < 0) return -1;
    if (rc && !(v >= 0.0)) {
      snprintf(err, errlen, "%s:%d: param '%s' is a share: it must be >= 0, got %g", p->path, e->line, name, v);
      return -1;
    }
    lc->birth[d] = rc ? v : -1.0;
    if (rc) lc->birth_set = 1;
  }
  /* a lifecycle name that is none of the above is a misspelling: refuse it */
  for (int i = 0; i < p->n; i++) {
    const vt_param *it = &p->items[i];
    if (strncmp(it->name, PREFIX, strlen(PREFIX)) != 0) continue;
    int known = 0;
    char name[64];
    double def;
    for (int k = 0; k < NPARAMS && !known; k++) {
      vt_lifecycle_param(k, name, sizeof name, &def);
      known = strcmp(name, it->name) == 0;
    }
    if (!known) {
      snprintf(err, errlen, "%s:%d: param '%s' is not a lifecycle param (see `vitae params`)", p->path, it->line,
               it->name);
      return -1;
    }
  }
  return 0;
}
