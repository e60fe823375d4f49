/*
** lifecycle.h -- the `lifecycle.*` params of a params file (schemas/
** params.md, "Lifecycle params"): sex ratio, race and ethnicity shares and
** mortality multipliers by sex and age band, read into a vt_lifecycle
** (sim/lifetables.h) that the engine hands to the demographic and death
** draws.
*/
#ifndef VT_LIFECYCLE_H
#define VT_LIFECYCLE_H

#include <stddef.h>

#include "sim/lifetables.h"

struct vt_params;

/* Names of the categories and bands, in vt_lifecycle's order: race
** (white black asian native hawaiian other), ethnicity (hispanic
** nonhispanic), bands ("00-04" ... "80-84", "85+"). */
extern const char *const vt_lc_race_names[VT_LC_NRACE];
extern const char *const vt_lc_eth_names[2];
extern const char *const vt_lc_band_names[VT_LC_NBANDS];

/* The number of lifecycle param names and the i-th (0 .. n-1) into out with
** its default (1 for multipliers; the census share for shares): for
** `vitae params`.  0, or -1 when i is out of range. */
int vt_lifecycle_nparams(void);
int vt_lifecycle_param(int i, char *out, size_t outlen, double *def);

/* Read the lifecycle.* entries of p (NULL: none) into lc, starting from
** the defaults, marking them used.  Shares: female_share in [0, 1]; race
** and ethnicity shares >= 0, a category not given keeps its census share
** and the shares are then renormalised to sum 1 (the sum must be > 0).
** Multipliers: finite and > 0.  An entry under `lifecycle.` that is none of
** the names, or a value that is not a number in range, is an error:
** -1 with "FILE:LINE: param 'NAME': message" in err.  0 otherwise. */
int vt_lifecycle_from_params(vt_lifecycle *lc, struct vt_params *p, char *err, size_t errlen);

#endif
