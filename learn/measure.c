/*
** measure.c -- the exact, bounded workload vector of an EHR source: one
** pass of the reader, each person's contribution bounded as
** docs/learn-statistics.md says (learn/measure.h).
*/
#include "learn/measure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/vtime.h"

/* Observation starting within this many days of birth is followed from
** birth: no washout (a newborn carries nothing in). */
#define NEWBORN_DAYS 31

struct vt_measure {
  const vt_workload *wl;
  const vt_codematch *m;
  vt_day *first;             /* [code]: first date of the code for this person, or VT_NO_DAY */
  size_t *touched;           /* the codes with a first date, in the order seen */
  size_t ntouched;
  struct dated { int64_t day; size_t code; } *kept;   /* scratch: codes by first date */
  size_t *pstart, *plist;    /* the pairs of code a: plist[pstart[a] .. pstart[a+1]), by pair index */
  struct textcode { const char *text; size_t code; } *bytext;   /* codes by text, then index (code-only matching) */
};

unsigned vt_measure_domain_kinds(vt_domain d) {
#define K(x) (1u << (x))
  switch (d) {
  case VT_DOMAIN_CONDITION: return K(VT_WL_CONDITION) | K(VT_WL_ALLERGY);
  case VT_DOMAIN_DRUG: return K(VT_WL_MEDICATION) | K(VT_WL_IMMUNIZATION);
  case VT_DOMAIN_IMMUNIZATION: return K(VT_WL_IMMUNIZATION);
  case VT_DOMAIN_PROCEDURE: return K(VT_WL_PROCEDURE) | K(VT_WL_CAREPLAN);
  case VT_DOMAIN_DEVICE: return K(VT_WL_DEVICE);
  case VT_DOMAIN_OBSERVATION: return K(VT_WL_ALLERGY);
  default: return 0;   /* measurements, visits: no workload code */
  }
#undef K
}

/* Order of codes by text, then workload index. */
static int by_text(const void *a, const void *b) {
  const struct textcode *x = a, *y = b;
  int c = strcmp(x->text, y->text);
  if (c) return c;
  return x->code < y->code ? -1 : x->code > y->code;
}

vt_codematch *vt_measure_matcher(const vt_workload *wl) {
  return vt_codematch_new((const char *const *)wl->systems, (const char *const *)wl->codes, wl->ncodes);
}

vt_measure *vt_measure_new(const vt_workload *wl, const vt_codematch *m) {
  vt_measure *ms = calloc(1, sizeof *ms);
  if (!ms) return NULL;
  ms->wl = wl;
  ms->m = m;
  size_t n = wl->ncodes ? wl->ncodes : 1;
  ms->first = malloc(n * sizeof *ms->first);
  ms->touched = malloc(n * sizeof *ms->touched);
  ms->kept = malloc(n * sizeof *ms->kept);
  ms->pstart = calloc(wl->ncodes + 1, sizeof *ms->pstart);
  ms->plist = malloc((wl->npairs ? wl->npairs : 1) * sizeof *ms->plist);
  ms->bytext = malloc(n * sizeof *ms->bytext);
  if (!ms->first || !ms->touched || !ms->kept || !ms->pstart || !ms->plist || !ms->bytext) {
    vt_measure_free(ms);
    return NULL;
  }
  for (size_t i = 0; i < wl->ncodes; i++) {
    ms->first[i] = VT_NO_DAY;
    ms->bytext[i].text = wl->codes[i];
    ms->bytext[i].code = i;
  }
  qsort(ms->bytext, wl->ncodes, sizeof *ms->bytext, by_text);
  /* pairs grouped by A, in pair index order (a counting sort) */
  for (size_t q = 0; q < wl->npairs; q++) ms->pstart[wl->pair_a[q] + 1]++;
  for (size_t a = 0; a < wl->ncodes; a++) ms->pstart[a + 1] += ms->pstart[a];
  for (size_t q = 0; q < wl->npairs; q++) ms->plist[ms->pstart[wl->pair_a[q]]++] = q;
  for (size_t a = wl->ncodes; a > 0; a--) ms->pstart[a] = ms->pstart[a - 1];
  ms->pstart[0] = 0;
  return ms;
}

void vt_measure_free(vt_measure *ms) {
  if (!ms) return;
  free(ms->first);
  free(ms->touched);
  free(ms->kept);
  free(ms->pstart);
  free(ms->plist);
  free(ms->bytext);
  free(ms);
}

/* ---- person-time ----------------------------------------------------------- */

/* The day (days since the epoch) of the birthday at `years`: a 29 February
** birthday falls on 1 March in other years. */
static int64_t birthday(int by, int bm, int bd, int years) { return vt_days_from_civil(by + years, bm, bd); }

/* Completed years of age on day d of a person born on (by, bm, bd). */
static int age_on(int by, int bm, int bd, int64_t d) {
  int y, m, dd;
  vt_civil_from_days(d, &y, &m, &dd);
  int a = y - by;
  if (m < bm || (m == bm && dd < bd)) a--;
  return a;
}

/* A person's calendar facts for the walks below. */
typedef struct pinfo {
  const vt_person *p;
  int by, bm, bd;
  char sex;
} pinfo;

/* The stratum of day d, or -1 (before birth). */
static int stratum_on(const pinfo *pi, int64_t d) {
  int band = vt_wl_band_of_age(age_on(pi->by, pi->bm, pi->bd, d));
  return band < 0 ? -1 : vt_wl_stratum(pi->sex, band);
}

/* 1 if day d is inside an observation period (both days included). */
static int observed_on(const vt_person *p, int64_t d) {
  for (size_t i = 0; i < p->nperiods; i++)
    if (p->periods[i].start <= d && d <= p->periods[i].end) return 1;
  return 0;
}

/* The first day after the run of observed days that holds day d (the
** union of the periods, adjacent ones joined), d itself when d is not
** observed.  The periods are sorted by start. */
static int64_t observed_until(const vt_person *p, int64_t d) {
  int64_t until = d;
  for (size_t i = 0; i < p->nperiods; i++) {
    int64_t x = p->periods[i].start, y = (int64_t)p->periods[i].end + 1;
    if (x <= until && y > until && (until > d || x <= d)) until = y;
  }
  return until;
}

/* Add to T[stratum] the observed days of [a, b) (the union of the periods,
** which may overlap), split at the age-band birthdays.  With cap > 0, stop
** at the day a stratum would pass cap days (T counted within the walk: T
** must start at 0) and return that day (the window's censored end); else
** return b. */
static int64_t walk(const pinfo *pi, int64_t a, int64_t b, int64_t cap, int64_t T[VT_WL_NSTRATA]) {
  const vt_person *p = pi->p;
  int64_t done = a;      /* days before `done` are counted (union of periods) */
  for (size_t i = 0; i < p->nperiods && done < b; i++) {
    int64_t x = p->periods[i].start, y = (int64_t)p->periods[i].end + 1;
    if (x < done) x = done;
    if (y > b) y = b;
    while (x < y) {
      int age = age_on(pi->by, pi->bm, pi->bd, x);
      int band = vt_wl_band_of_age(age);
      int64_t seg = y;
      if (band < 0) {                         /* before birth: skip to it */
        seg = birthday(pi->by, pi->bm, pi->bd, 0);
        if (seg > y) seg = y;
        x = seg;
        continue;
      }
      if (band < VT_WL_NBANDS - 1) {
        int64_t next = birthday(pi->by, pi->bm, pi->bd, (band + 1) * VT_WL_BAND_YEARS);
        if (next < seg) seg = next;
      }
      int s = vt_wl_stratum(pi->sex, band);
      if (cap > 0 && T[s] + (seg - x) > cap) {
        int64_t end = x + (cap - T[s]);
        T[s] = cap;
        return end;
      }
      T[s] += seg - x;
      x = seg;
    }
    if (y > done) done = y;
  }
  return b;
}

/* ---- one person ------------------------------------------------------------ */

/* Order of codes by first date, then by workload index (public). */
static int by_first(const void *a, const void *b) {
  const struct dated *x = a, *y = b;
  if (x->day != y->day) return x->day < y->day ? -1 : 1;
  return x->code < y->code ? -1 : x->code > y->code;
}

/* 1 if an event's system names no vocabulary: NULL, "" or OMOP's "None"
** (the vocabulary of concept 0, "No matching concept"). */
static int no_system(const char *s) { return !s || !*s || strcmp(s, "None") == 0; }

/* Code-only matching (docs/learn-statistics.md, "Codes without a
** vocabulary"): the workload code whose code text is `code` and whose kind
** fits domain d, when exactly one does; -1 when none does, -2 when several
** do. */
static long match_code_only(const vt_measure *ms, vt_domain d, const char *code) {
  const vt_workload *wl = ms->wl;
  unsigned kinds = vt_measure_domain_kinds(d);
  if (!code || !*code || !kinds) return -1;
  size_t lo = 0, hi = wl->ncodes;   /* the first code whose text is not below `code` */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(ms->bytext[mid].text, code) < 0) lo = mid + 1;
    else hi = mid;
  }
  long found = -1;
  for (size_t i = lo; i < wl->ncodes && strcmp(ms->bytext[i].text, code) == 0; i++) {
    size_t k = ms->bytext[i].code;
    if (!(kinds & (1u << wl->kinds[k]))) continue;
    if (found >= 0) return -2;
    found = (long)k;
  }
  return found;
}

/* Note the first date of every workload code in p's events. */
static void collect_codes(vt_measure *ms, const vt_person *p, vt_measure_stats *st) {
  ms->ntouched = 0;
  for (size_t i = 0; i < p->nevents; i++) {
    const vt_event *e = &p->events[i];
    long k = vt_codematch_find(ms->m, e->concept_id, e->system, e->code);
    if (k < 0 && (e->source_code || e->source_concept_id))
      k = vt_codematch_find(ms->m, e->source_concept_id, e->source_system, e->source_code);
    if (k < 0 && no_system(e->system) && no_system(e->source_system)) {   /* no vocabulary: the code alone */
      k = match_code_only(ms, e->domain, e->code);
      if (k == -1) k = match_code_only(ms, e->domain, e->source_code);
      if (st && k >= 0) st->code_only++;
      else if (st && k == -2) st->code_ambiguous++;
    }
    if (k < 0) continue;
    if (ms->first[k] == VT_NO_DAY) { ms->first[k] = e->start; ms->touched[ms->ntouched++] = (size_t)k; }
    else if (e->start < ms->first[k]) ms->first[k] = e->start;
  }
}

/* The deaths and persontime blocks (at offsets doff, toff): the death and
** the observed days in [P0, P0 + H), capped. */
static void add_mortality(const pinfo *pi, int64_t p0, int64_t *vec, size_t doff, size_t toff, vt_measure_stats *st) {
  int64_t T[VT_WL_NSTRATA] = { 0 };
  int64_t end = p0 + VT_WL_HORIZON;
  if (pi->p->death != VT_NO_DAY && (int64_t)pi->p->death + 1 < end) end = (int64_t)pi->p->death + 1;
  int64_t cend = walk(pi, p0, end, VT_WL_CAP, T);
  if (cend < end && st) st->cap_censored++;
  for (int s = 0; s < VT_WL_NSTRATA; s++) vec[toff + (size_t)s] += T[s];
  vt_day d = pi->p->death;
  if (d == VT_NO_DAY) return;
  int s = d >= p0 && d < cend && observed_on(pi->p, d) ? stratum_on(pi, d) : -1;
  if (s >= 0) { vec[doff + (size_t)s]++; if (st) st->deaths++; }
  else if (st) st->deaths_outside++;
}

/* The pair blocks over the risk window [ws, we) (censored) and its codes
** kept[0 .. n) by first date: for each A with an observed first date fa in
** the window, in the order of kept, and each of its pairs (A, B) in pair
** index order with B not first seen before fa, each bin b that the window
** and the run of observed days from fa cover whole (fa + e_{b+1} <= both
** ends) with B absent or first seen at or after fa + e_b: pair_atrisk[b]
** += 1, and pair_onset[b] += 1 when B's first date is in [fa + e_b, fa +
** e_{b+1}).  A pair whose first bin is not covered adds nothing and is no
** contribution; at most VT_WL_PAIR_K contributions (a pair with all its
** bins). */
static void add_pairs(vt_measure *ms, const pinfo *pi, int64_t ws, int64_t we, const struct dated *kept, size_t n,
                      int64_t *vec, vt_measure_stats *st) {
  const vt_workload *wl = ms->wl;
  if (wl->npairs == 0) return;
  size_t po = vt_workload_block_offset(wl, VT_WL_BLOCK_PAIR_ONSET);
  size_t pr = vt_workload_block_offset(wl, VT_WL_BLOCK_PAIR_ATRISK);
  int used = 0;
  for (size_t i = 0; i < n; i++) {
    size_t a = kept[i].code;
    int64_t fa = kept[i].day;
    if (fa < ws || fa >= we || !observed_on(pi->p, fa)) continue;
    int64_t end = observed_until(pi->p, fa);   /* B is seen only while observed */
    if (end > we) end = we;
    if (fa + vt_wl_pair_edges[1] > end) continue;   /* no bin covered whole */
    for (size_t j = ms->pstart[a]; j < ms->pstart[a + 1]; j++) {
      size_t q = ms->plist[j];
      int64_t fb = ms->first[wl->pair_b[q]];
      if (fb != VT_NO_DAY && fb < fa) continue;   /* B before A: never at risk after A */
      if (used == VT_WL_PAIR_K) { if (st) st->pair_censored++; return; }
      for (int b = 0; b < VT_WL_PAIR_NBINS; b++) {
        int64_t lo = fa + vt_wl_pair_edges[b], hi = fa + vt_wl_pair_edges[b + 1];
        if (hi > end || (fb != VT_NO_DAY && fb < lo)) break;   /* cut by the window, or B already seen */
        vec[pr + q * VT_WL_PAIR_NBINS + (size_t)b]++;
        if (fb != VT_NO_DAY && fb < hi) vec[po + q * VT_WL_PAIR_NBINS + (size_t)b]++;
      }
      used++;
      if (st) st->pair_terms++;
    }
  }
}

/* The code blocks: risk time, onsets and post-onset time in the risk window
** [ws, we), stopped at the (K+1)-th distinct code. */
static void add_codes(vt_measure *ms, const pinfo *pi, int64_t ws, int64_t we, int64_t *vec,
                      vt_measure_stats *st) {
  const vt_workload *wl = ms->wl;
  struct dated *kept = ms->kept;
  size_t n = 0;   /* keep the codes first seen before the window's end */
  for (size_t i = 0; i < ms->ntouched; i++) {
    size_t c = ms->touched[i];
    if (ms->first[c] < we) { kept[n].day = ms->first[c]; kept[n].code = c; n++; }
    else if (st) st->after_window++;
  }
  qsort(kept, n, sizeof *kept, by_first);
  if (n > VT_WL_K) {   /* a stopping time: the window ends on the (K+1)-th code's day */
    we = kept[VT_WL_K].day;
    while (n > 0 && kept[n - 1].day >= we) n--;
    if (st) st->k_censored++;
  }
  if (ws >= we) return;
  int64_t T[VT_WL_NSTRATA] = { 0 };
  walk(pi, ws, we, 0, T);
  size_t roff = vt_workload_block_offset(wl, VT_WL_BLOCK_RISKTIME);
  size_t ooff = vt_workload_block_offset(wl, VT_WL_BLOCK_ONSET);
  size_t loff = vt_workload_block_offset(wl, VT_WL_BLOCK_POSTONSET);
  for (int s = 0; s < VT_WL_NSTRATA; s++) vec[roff + (size_t)s] += T[s];
  for (size_t i = 0; i < n; i++) {
    size_t c = kept[i].code;
    int64_t f = kept[i].day;
    int64_t *lost = vec + loff + c * VT_WL_NSTRATA;
    if (f < ws) {               /* carried in: never at risk in the window */
      for (int s = 0; s < VT_WL_NSTRATA; s++) lost[s] += T[s];
      if (st) st->carryins++;
      continue;
    }
    if (observed_on(pi->p, f)) {
      int s = stratum_on(pi, f);
      if (s >= 0) { vec[ooff + c * VT_WL_NSTRATA + (size_t)s]++; if (st) st->onsets++; }
    } else if (st) st->in_gap++;
    int64_t L[VT_WL_NSTRATA] = { 0 };
    walk(pi, f, we, 0, L);
    for (int s = 0; s < VT_WL_NSTRATA; s++) lost[s] += L[s];
  }
  add_pairs(ms, pi, ws, we, kept, n, vec, st);
}

void vt_measure_person(vt_measure *ms, const vt_person *p, int64_t *vec, vt_measure_stats *st) {
  const vt_workload *wl = ms->wl;
  size_t doff = vt_workload_block_offset(wl, VT_WL_BLOCK_DEMOG);
  pinfo pi = { p, 0, 0, 0, p->sex };
  int known = p->birth != VT_NO_DAY;
  if (known) vt_civil_from_days(p->birth, &pi.by, &pi.bm, &pi.bd);
  if (st) st->persons++;
  vec[doff + (p->sex == 'F' ? 0 : p->sex == 'M' ? 1 : 2)]++;
  vec[doff + 3 + (size_t)vt_wl_decade_index(pi.by, known)]++;
  vec[doff + 3 + VT_WL_NDECADES + (size_t)vt_wl_race_index(p->race)]++;
  vec[doff + 3 + VT_WL_NDECADES + VT_WL_NRACE + (size_t)vt_wl_eth_index(p->ethnicity)]++;
  if (!known || (p->sex != 'F' && p->sex != 'M')) { if (st) st->unstratified++; return; }
  if (p->nperiods == 0) { if (st) st->no_observation++; return; }

  int64_t len = (int64_t)p->periods[0].end - p->periods[0].start + 1;   /* the first period's length */
  int ob = VT_WL_NOBS - 1;
  while (ob > 0 && len < vt_wl_obs_edges[ob]) ob--;
  vec[vt_workload_block_offset(wl, VT_WL_BLOCK_OBSLEN) + (size_t)ob]++;
  int64_t p0 = p->periods[0].start;   /* sorted by start */
  if (p0 < p->birth) p0 = p->birth;
  add_mortality(&pi, p0, vec, vt_workload_block_offset(wl, VT_WL_BLOCK_DEATHS),
                vt_workload_block_offset(wl, VT_WL_BLOCK_PERSONTIME), st);

  int64_t ws = p0 - p->birth <= NEWBORN_DAYS ? p->birth : p0 + VT_WL_WASHOUT;
  int64_t we = ws + VT_WL_HORIZON;
  if (p->death != VT_NO_DAY && (int64_t)p->death + 1 < we) we = (int64_t)p->death + 1;
  int64_t T[VT_WL_NSTRATA] = { 0 };
  int64_t cend = walk(&pi, ws, we, VT_WL_CAP, T);   /* the cap, as a stopping time */
  if (cend < we && st) st->cap_censored++;
  collect_codes(ms, p, st);
  add_codes(ms, &pi, ws, cend, vec, st);
  for (size_t i = 0; i < ms->ntouched; i++) ms->first[ms->touched[i]] = VT_NO_DAY;
  ms->ntouched = 0;
}

int vt_measure_run(const vt_workload *wl, vt_ehr *r, const vt_codematch *m, int64_t *vec, vt_measure_stats *st,
                   char *err, size_t errlen) {
  size_t n = vt_workload_size(wl);
  memset(vec, 0, n * sizeof *vec);
  if (st) memset(st, 0, sizeof *st);
  vt_measure *ms = vt_measure_new(wl, m);
  if (!ms) { snprintf(err, errlen, "out of memory"); return -1; }
  const vt_person *p;
  int rc;
  while ((rc = vt_ehr_next(r, &p, err, errlen)) == 1) vt_measure_person(ms, p, vec, st);
  vt_measure_free(ms);
  return rc < 0 ? -1 : 0;
}
