/*
** workload.h -- the public workload of `vitae learn` (DESIGN.md, "Learning
** (DP)", step 1): which statistics are measured, derived from the module set
** alone and never from the data, with a stable name for every entry.
**
** The workload is a vector of integer statistics in blocks (docs/
** learn-statistics.md has the definitions and the sensitivity proof):
**
**   demog      sex (F, M, U), birth decade, race, ethnicity counts
**   deaths     deaths per stratum
**   persontime observed person-days per stratum (the mortality window)
**   risktime   person-days of the code risk window per stratum
**   onset      first-onset events per code and stratum
**   postonset  person-days of the risk window after a code's first date
**              (at risk for code c = risktime - postonset[c], by
**              post-processing)
**   pair_onset for each linked pair (A, B) and bin of the time since A's
**              first date: patients counted in pair_atrisk whose B's first
**              date falls in the bin
**   pair_atrisk for each linked pair and bin: patients still at risk of B
**              at the bin's start (B absent or not before it) whose risk
**              window and run of observed days from A cover the whole
**              bin (a bin they cut counts nothing: complete bins only,
**              which censoring independent of B cannot bias)
**
** The bins of the time since A (public, vt_wl_pair_edges): [0, 30),
** [30, 180), [180, 365), [365, 730), [730, 1827) days.
**
** Linked pairs (public: from the modules alone, vt_workload_from_modset):
** (A, B), A != B, both workload codes, when a state recording B is reached
** from a state recording A in the same module by following its transitions
** (direct, distributed, conditional, complex, lookup, type of care) at most
** VT_WL_PAIR_DEPTH steps, never entering the module's Initial state nor
** leaving the module (CallSubmodule states are passed through, their
** submodule not entered).  States are taken in the module's order, the
** reached ones breadth-first in transition order; a module adds at most
** VT_WL_PAIR_MAX new pairs (pairs already listed by an earlier module are
** not added again).
**
** Strata are public: sex F/M by 18 five-year age bands (0-4 ... 80-84,
** 85+).  The per-patient bounds (K, washout, horizon, cap) are the
** constants below.
*/
#ifndef VT_WORKLOAD_H
#define VT_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

struct vt_modset;

/* Public constants of the workload, fixed before any data is read. */
#define VT_WL_NBANDS 18          /* age bands 0-4, 5-9, ..., 80-84, 85+ */
#define VT_WL_BAND_YEARS 5
#define VT_WL_NSEX 2             /* strata: F, M */
#define VT_WL_NSTRATA (VT_WL_NSEX * VT_WL_NBANDS)
#define VT_WL_K 16               /* at most K distinct codes per patient (first K by date) */
#define VT_WL_WASHOUT 365        /* days after the first observation start: carry-ins, not onsets */
#define VT_WL_HORIZON 3653       /* days of a patient's window (about 10 years) */
#define VT_WL_CAP 1827           /* person-days per patient and stratum (one 5-year band) */
#define VT_WL_DECADE_FIRST 1900  /* birth decades 1900s ... 2020s, plus before, after, unknown */
#define VT_WL_DECADE_LAST 2020
#define VT_WL_NDECADES ((VT_WL_DECADE_LAST - VT_WL_DECADE_FIRST) / 10 + 4)
#define VT_WL_NRACE 7            /* white black asian native hawaiian other unknown */
#define VT_WL_NETH 3             /* hispanic nonhispanic unknown */
#define VT_WL_NDEMOG (3 + VT_WL_NDECADES + VT_WL_NRACE + VT_WL_NETH)
#define VT_WL_PAIR_DEPTH 8       /* transitions followed from A's state to B's */
#define VT_WL_PAIR_MAX 32        /* new pairs per module, in the module's order */
#define VT_WL_PAIR_K 16          /* pair contributions per patient (A's date, A, pair index) */
#define VT_WL_PAIR_CAP 1827      /* days after A a pair is followed (the last bin's end) */
#define VT_WL_PAIR_NBINS 5       /* bins of the time since A's first date */
#define VT_WL_NOBS 9             /* bins of the first observation period's length (vt_wl_obs_edges) */

/* The blocks of the vector, in its order. */
typedef enum vt_wl_block {
  VT_WL_BLOCK_DEMOG,
  VT_WL_BLOCK_DEATHS,            /* [stratum]: deaths (a count: its own noise scale) */
  VT_WL_BLOCK_PERSONTIME,        /* [stratum]: observed person-days of the mortality window */
  VT_WL_BLOCK_RISKTIME,
  VT_WL_BLOCK_ONSET,             /* [code][stratum] */
  VT_WL_BLOCK_POSTONSET,         /* [code][stratum] */
  VT_WL_BLOCK_OBSLEN,            /* [bin]: persons by the length of their first observation period */
  VT_WL_BLOCK_PAIR_ONSET,        /* [pair][bin] */
  VT_WL_BLOCK_PAIR_ATRISK,       /* [pair][bin] */
  VT_WL_BLOCK__COUNT
} vt_wl_block;

/* What kind of module state a code comes from (the first one seen). */
typedef enum vt_wl_kind {
  VT_WL_CONDITION, VT_WL_ALLERGY, VT_WL_MEDICATION, VT_WL_PROCEDURE,
  VT_WL_IMMUNIZATION, VT_WL_DEVICE, VT_WL_CAREPLAN, VT_WL_KIND__COUNT
} vt_wl_kind;

typedef struct vt_workload {
  size_t ncodes;
  char **systems, **codes;       /* vitae system names ("SNOMED-CT") and codes */
  uint8_t *kinds;                /* vt_wl_kind */
  size_t cap;
  size_t npairs, paircap;
  size_t *pair_a, *pair_b;       /* [pair]: code indexes of A and B (A leads to B) */
} vt_workload;

/* A workload of the codes the module set can start (conditions, allergies,
** medications, procedures, immunizations, devices, care plans; not
** observations, vital signs, encounters, imaging or supplies: those recur
** and have no onset), in module load order, each code once.  The
** lifecycle's own codes (wellness visits, vital signs, death) are no onset
** codes; death is measured in the deaths block.  Then the linked pairs
** of each module, in module order, by the rule at the top.  0, or -1 when
** out of memory. */
int vt_workload_from_modset(vt_workload *wl, const struct vt_modset *ms);

/* An empty workload; add codes with vt_workload_add (tests, other front
** ends).  vt_workload_add ignores a code already there; 0, or -1. */
void vt_workload_init(vt_workload *wl);
int vt_workload_add(vt_workload *wl, const char *system, const char *code, vt_wl_kind kind);
void vt_workload_free(vt_workload *wl);
/* Add the linked pair (code a, code b): ignored when a == b, either is out
** of range or the pair is already there.  1 when added, 0 when ignored, -1
** out of memory. */
int vt_workload_add_pair(vt_workload *wl, size_t a, size_t b);
/* The number of linked pairs (pair i is wl->pair_a[i] -> wl->pair_b[i]). */
size_t vt_workload_npairs(const vt_workload *wl);

/* The length of the whole vector, the offset of block b in it and its
** length. */
size_t vt_workload_size(const vt_workload *wl);
size_t vt_workload_block_offset(const vt_workload *wl, vt_wl_block b);
size_t vt_workload_block_size(const vt_workload *wl, vt_wl_block b);
/* "demog", "deaths", "persontime", "risktime", "onset", "postonset", "pair_onset",
** "pair_atrisk". */
const char *vt_workload_block_name(vt_wl_block b);
/* The block entry i of the vector belongs to. */
vt_wl_block vt_workload_block_of(const vt_workload *wl, size_t i);

/* The stable name of entry i into out: "sex/F", "birth_decade/1950s",
** "race/white", "ethnicity/hispanic", "deaths/F/85+", "persontime/M/00-04",
** "risktime/F/40-44", "onset/SNOMED-CT:44054006/F/40-44",
** "postonset/SNOMED-CT:44054006/F/40-44",
** "pair_onset/SNOMED-CT:44054006>SNOMED-CT:431855005/0-29d",
** "pair_atrisk/SNOMED-CT:44054006>SNOMED-CT:431855005/730-1826d" (the bin's
** first and last day since A).  0, or -1 when i is out of range (out is
** then ""). */
int vt_workload_name(const vt_workload *wl, size_t i, char *out, size_t outlen);

/* The stratum index of sex 'F' or 'M' and age band b, or -1 for another sex
** or band. The band of a completed age in years. */
int vt_wl_stratum(char sex, int band);
int vt_wl_band_of_age(int years);

/* The bin edges of the time since A's first date, in days: bin b holds
** the days d with vt_wl_pair_edges[b] <= d < vt_wl_pair_edges[b + 1]; the
** first edge is 0, the last VT_WL_PAIR_CAP.  vt_wl_pair_bin gives the bin
** of d days, or -1 when d < 0 or d >= VT_WL_PAIR_CAP. */
extern const int vt_wl_pair_edges[VT_WL_PAIR_NBINS + 1];
/* The public bins of an observation period's length in days: bin b holds
** vt_wl_obs_edges[b] <= days < vt_wl_obs_edges[b + 1] (the last bin is
** open: 15 years and more; the fitter's simulation draws it up to 30). */
extern const int vt_wl_obs_edges[VT_WL_NOBS + 1];
int vt_wl_pair_bin(int64_t days);

/* The public category lists (fixed, docs/learn-statistics.md) and the index
** of a source's race or ethnicity text in them (unknown for NULL, "",
** unrecognised "unknown" spellings; "other" for any other text of race). */
extern const char *const vt_wl_race_names[VT_WL_NRACE];
extern const char *const vt_wl_eth_names[VT_WL_NETH];
int vt_wl_race_index(const char *race);
int vt_wl_eth_index(const char *eth);
/* The index (0 .. VT_WL_NDECADES-1) of a birth year's decade: the decades
** in order, then before, after, unknown (year 0 = unknown). */
int vt_wl_decade_index(int year, int known);

/* The L2 sensitivity, squared, of block b (an integer: the bounds are
** integers; 0 for an empty block), and of the whole concatenated vector (the sum over blocks),
** under adding or removing one patient (docs/learn-statistics.md). */
uint64_t vt_workload_block_delta2(const vt_workload *wl, vt_wl_block b);
uint64_t vt_workload_delta2(const vt_workload *wl);
/* The bound on one patient's sum over strata of squared person-days in a
** window of VT_WL_HORIZON days with at most VT_WL_CAP per stratum. */
uint64_t vt_workload_time_sq_bound(void);

#endif
