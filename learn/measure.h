/*
** measure.h -- step 1 of learning, without the noise: one pass of the EHR
** reader computing the exact integer vector of the public workload
** (learn/workload.h) with each patient's contribution bounded, so that the
** declared sensitivity (vt_workload_delta2) holds.  The rules are in
** docs/learn-statistics.md; the noise is added by learn/dp_*.
**
**   vt_codematch *m = vt_measure_matcher(&wl);       (then vt_ehr_ancestry)
**   int64_t *v = calloc(vt_workload_size(&wl), sizeof *v);
**   vt_measure_stats st;
**   if (vt_measure_run(&wl, r, m, v, &st, err, sizeof err) != 0) ...
*/
#ifndef VT_MEASURE_H
#define VT_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "learn/codematch.h"
#include "learn/ehr.h"
#include "learn/workload.h"

/* What a pass saw (for the report; never released: data-derived). */
typedef struct vt_measure_stats {
  int64_t persons;             /* persons read */
  int64_t unstratified;        /* sex or birth unknown: demographics only */
  int64_t no_observation;      /* no observation period: demographics only */
  int64_t deaths;              /* deaths counted (inside the mortality window) */
  int64_t deaths_outside;      /* known deaths not counted (outside the window) */
  int64_t onsets;              /* onsets counted */
  int64_t carryins;            /* codes first seen before the risk window (prevalent) */
  int64_t in_gap;              /* codes first seen in a gap between periods (no onset) */
  int64_t after_window;        /* codes first seen after the risk window: ignored */
  int64_t k_censored;          /* patients whose risk window stopped at the (K+1)-th code */
  int64_t cap_censored;        /* windows stopped by the per-stratum cap */
  int64_t pair_terms;          /* pair contributions counted (pair_onset/pair_atrisk) */
  int64_t pair_censored;       /* patients with more than VT_WL_PAIR_K pair contributions */
  int64_t code_only;           /* events without a vocabulary matched by their code alone */
  int64_t code_ambiguous;      /* events without a vocabulary whose code fits several workload codes */
} vt_measure_stats;

/* The workload kinds (a bit 1 << vt_wl_kind each) an event of domain d
** may match by its code alone, when it has no vocabulary (its system and
** source system empty or "None"): condition: conditions, allergies; drug:
** medications, immunizations; immunization: immunizations; procedure:
** procedures, care plans; device: devices; observation: allergies;
** measurement, visit: none.  Such an event matches the one workload code of
** a fitting kind with its code text, and nothing when several fit
** (docs/learn-statistics.md, "Codes without a vocabulary"). */
unsigned vt_measure_domain_kinds(vt_domain d);

/* The per-pass state: the workload, the matcher, and scratch memory. */
typedef struct vt_measure vt_measure;

/* A code matcher of wl's codes (index = workload code index), for
** vt_ehr_ancestry or vt_codematch_load_vocab.  NULL when out of memory. */
vt_codematch *vt_measure_matcher(const vt_workload *wl);

/* A measurer of wl with matcher m (both must outlive it); NULL when out of
** memory. */
vt_measure *vt_measure_new(const vt_workload *wl, const vt_codematch *m);
void vt_measure_free(vt_measure *ms);

/* Add person p's bounded contribution to vec (vt_workload_size entries);
** st (may be NULL) counts what was seen.  Contributions add up over
** persons: the vector of a source is the sum of its persons'. */
void vt_measure_person(vt_measure *ms, const vt_person *p, int64_t *vec, vt_measure_stats *st);

/* Read every person of r (from where it stands) into vec, which is set to
** 0 first, and st (may be NULL; zeroed first).  0, or -1 with err (the
** reader's message: the source stopped being readable, or out of memory). */
int vt_measure_run(const vt_workload *wl, vt_ehr *r, const vt_codematch *m, int64_t *vec, vt_measure_stats *st,
                   char *err, size_t errlen);

#endif
