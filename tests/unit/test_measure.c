/*
** test_measure.c -- the public workload (learn/workload.c) and the bounded
** exact measurement (learn/measure.c): hand-made cohorts written as events
** CSV files (schemas/events.md) with known onsets, carry-ins, censoring and
** person-time; the sensitivity property (no patient, random or
** adversarial, moves the vector by more than the declared L2 sensitivity,
** and the worst ones reach it); determinism; the workload of the default
** module set; the linked pairs (their rule on a looping module, their
** bins on a known cohort, their bounds under adversarial patients); codes
** without a vocabulary matched by their code alone.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "learn/measure.h"
#include "learn/workload.h"
#include "sim/engine.h"
#include "sim/vtime.h"
#include "tests/unit/test.h"

static char csv_path[512];

static int64_t D(int y, int m, int d) { return vt_days_from_civil(y, m, d); }

/* The header of every test file. */
static const char HEADER[] = "record,person,sex,birth_date,death_date,start_date,end_date,domain,system,code,race,ethnicity\n";

/* Write text to the test CSV file: 0 or -1. */
static int write_csv(const char *text) {
  FILE *f = fopen(csv_path, "w");
  if (!f) return -1;
  fputs(HEADER, f);
  fputs(text, f);
  return fclose(f);
}

/* Measure the test CSV file with wl into vec (allocated); 0 or -1. */
static int measure_file(const vt_workload *wl, int64_t **vec, vt_measure_stats *st) {
  char spec[600], err[512];
  snprintf(spec, sizeof spec, "events:%s", csv_path);
  vt_ehr *r;
  if (vt_ehr_open(&r, spec, NULL, err, sizeof err) != VT_EHR_OK) { printf("# open: %s\n", err); return -1; }
  vt_codematch *m = vt_measure_matcher(wl);
  *vec = calloc(vt_workload_size(wl), sizeof **vec);
  int rc = m && *vec ? vt_measure_run(wl, r, m, *vec, st, err, sizeof err) : -1;
  if (rc) printf("# measure: %s\n", err);
  vt_codematch_free(m);
  vt_ehr_close(r);
  return rc;
}

/* The entry of vec named name (vt_workload_name), or INT64_MIN if none. */
static int64_t entry(const vt_workload *wl, const int64_t *vec, const char *name) {
  char buf[256];
  for (size_t i = 0; i < vt_workload_size(wl); i++) {
    vt_workload_name(wl, i, buf, sizeof buf);
    if (strcmp(buf, name) == 0) return vec[i];
  }
  return INT64_MIN;
}

/* A workload of codes C0 .. C(n-1) (SNOMED-CT) and 111, 222. */
static void small_workload(vt_workload *wl, int n) {
  vt_workload_init(wl);
  vt_workload_add(wl, "SNOMED-CT", "111", VT_WL_CONDITION);
  vt_workload_add(wl, "SNOMED-CT", "222", VT_WL_CONDITION);
  vt_workload_add(wl, "RxNorm", "333", VT_WL_MEDICATION);
  for (int i = 0; i < n; i++) {
    char c[16];
    snprintf(c, sizeof c, "C%d", i);
    vt_workload_add(wl, "SNOMED-CT", c, VT_WL_CONDITION);
  }
}

/* small_workload(n) with the pairs (i, j), i != j, of its first npair
** codes, in order. */
static void pair_workload(vt_workload *wl, int n, int npair) {
  small_workload(wl, n);
  for (int i = 0; i < npair; i++)
    for (int j = 0; j < npair; j++) vt_workload_add_pair(wl, (size_t)i, (size_t)j);
}

/* ---- known cohort -------------------------------------------------------- */

static void test_known_cohort(void) {
  vt_workload wl;
  small_workload(&wl, 0);
  const char *text =
    /* 1: F born 1960, observed 2010-2019: 111 carried in (washout), 222 incident at 53 */
    "person,1,F,1960-01-01,,2010-01-01,2019-12-31,,,,white,nonhispanic\n"
    "event,1,,,,2010-06-01,,condition,SNOMED,111,,\n"
    "event,1,,,,2013-01-01,,condition,SNOMED,222,,\n"
    "event,1,,,,2014-01-01,,condition,SNOMED,222,,\n"
    "event,1,,,,2014-01-01,,condition,SNOMED,999,,\n"
    /* 2: M observed from birth (no washout), 111 at 17 days, dies at 8 */
    "person,2,M,2000-03-15,2008-05-01,2000-03-15,2008-05-01,,,,Black or African American,Hispanic or Latino\n"
    "event,2,,,,2000-04-01,,condition,SNOMED,111,,\n"
    /* 3: sex unknown: demographics only */
    "person,3,X,1950-01-01,,2010-01-01,2019-12-31,,,,,\n"
    "event,3,,,,2015-01-01,,condition,SNOMED,111,,\n"
    /* 4: F, two periods; 222 in the gap (no onset), RxNorm 333 in the second */
    "person,4,F,1980-07-01,,2001-01-01,2003-12-31,,,,asian,\n"
    "period,4,,,,2006-01-01,2008-12-31,,,,,\n"
    "event,4,,,,2004-06-01,,condition,SNOMED,222,,\n"
    "event,4,,,,2007-01-01,,drug,RxNorm,333,,\n";
  int64_t *v = NULL;
  vt_measure_stats st;
  CHECK(write_csv(text) == 0 && measure_file(&wl, &v, &st) == 0, "known cohort: measured");
  if (!v) { vt_workload_free(&wl); return; }
  CHECK(entry(&wl, v, "sex/F") == 2 && entry(&wl, v, "sex/M") == 1 && entry(&wl, v, "sex/U") == 1, "sex counts");
  CHECK(entry(&wl, v, "birth_decade/1960s") == 1 && entry(&wl, v, "birth_decade/2000s") == 1 &&
        entry(&wl, v, "birth_decade/1950s") == 1 && entry(&wl, v, "birth_decade/1980s") == 1, "birth decades");
  CHECK(entry(&wl, v, "race/white") == 1 && entry(&wl, v, "race/black") == 1 && entry(&wl, v, "race/asian") == 1 &&
        entry(&wl, v, "race/unknown") == 1, "race shares (OMOP names mapped)");
  CHECK(entry(&wl, v, "ethnicity/hispanic") == 1 && entry(&wl, v, "ethnicity/nonhispanic") == 1 &&
        entry(&wl, v, "ethnicity/unknown") == 2, "ethnicity shares");
  /* person 1 */
  CHECK(entry(&wl, v, "onset/SNOMED-CT:222/F/50-54") == 1, "incident code counted once at its first date's stratum");
  CHECK(entry(&wl, v, "onset/SNOMED-CT:111/F/50-54") == 0 && entry(&wl, v, "onset/SNOMED-CT:111/F/45-49") == 0,
        "a code in the first %d days is a carry-in, not an onset", VT_WL_WASHOUT);
  int64_t rt1 = D(2015, 1, 1) - D(2011, 1, 1), rt2 = D(2020, 1, 1) - D(2015, 1, 1);
  CHECK(entry(&wl, v, "risktime/F/50-54") == rt1 && entry(&wl, v, "risktime/F/55-59") == rt2,
        "risk time after the washout, split at the 55th birthday (%lld, %lld)", (long long)rt1, (long long)rt2);
  CHECK(entry(&wl, v, "postonset/SNOMED-CT:111/F/50-54") == rt1 &&
        entry(&wl, v, "postonset/SNOMED-CT:111/F/55-59") == rt2, "a carry-in is never at risk");
  CHECK(entry(&wl, v, "postonset/SNOMED-CT:222/F/50-54") == D(2015, 1, 1) - D(2013, 1, 1) &&
        entry(&wl, v, "postonset/SNOMED-CT:222/F/55-59") == rt2, "at risk stops at onset");
  CHECK(entry(&wl, v, "persontime/F/50-54") == D(2015, 1, 1) - D(2010, 1, 1) + 0 &&
        entry(&wl, v, "persontime/F/55-59") == rt2, "mortality person-time from the first observation day");
  /* person 2 */
  CHECK(entry(&wl, v, "onset/SNOMED-CT:111/M/00-04") == 1, "observed from birth: no washout, onset at 17 days");
  CHECK(entry(&wl, v, "deaths/M/05-09") == 1 && st.deaths == 1, "death counted in its stratum");
  CHECK(entry(&wl, v, "persontime/M/00-04") == D(2005, 3, 15) - D(2000, 3, 15) &&
        entry(&wl, v, "persontime/M/05-09") == D(2008, 5, 2) - D(2005, 3, 15), "person-time up to the death day");
  CHECK(entry(&wl, v, "postonset/SNOMED-CT:111/M/00-04") == D(2005, 3, 15) - D(2000, 4, 1), "post-onset days");
  /* person 3 */
  CHECK(st.unstratified == 1 && entry(&wl, v, "onset/SNOMED-CT:111/F/65-69") == 0, "unknown sex: no strata");
  /* person 4: risk window 2002-01-01 .. 2011-12-31, observed 2002-2003 and 2006-2008 */
  CHECK(st.in_gap == 1 && entry(&wl, v, "onset/SNOMED-CT:222/F/20-24") == 0, "a code first seen in a gap is no onset");
  CHECK(entry(&wl, v, "postonset/SNOMED-CT:222/F/25-29") == D(2009, 1, 1) - D(2006, 1, 1),
        "... but ends the time at risk");
  CHECK(entry(&wl, v, "onset/RxNorm:333/F/25-29") == 1, "second period: medication onset");
  CHECK(entry(&wl, v, "risktime/F/20-24") == D(2004, 1, 1) - D(2002, 1, 1) &&
        entry(&wl, v, "risktime/F/25-29") == D(2009, 1, 1) - D(2006, 1, 1), "gaps are not person-time");
  /* first observation periods: 1 3,652 days, 2 2,970, 4 1,095 (3 has no strata: not counted) */
  CHECK(entry(&wl, v, "obs_length/3653-5478d") == 0 && entry(&wl, v, "obs_length/2557-3652d") == 2 &&
        entry(&wl, v, "obs_length/730-1095d") == 1 && entry(&wl, v, "obs_length/0-364d") == 0,
        "observation lengths: one count per stratified person, in the bin of the first period's days");
  CHECK(st.onsets == 3 && st.carryins == 1 && st.persons == 4, "stats: %lld onsets, %lld carry-ins",
        (long long)st.onsets, (long long)st.carryins);
  /* determinism: a second pass gives the same vector */
  int64_t *v2 = NULL;
  CHECK(measure_file(&wl, &v2, NULL) == 0 && v2 && memcmp(v, v2, vt_workload_size(&wl) * sizeof *v) == 0,
        "two passes give the same vector");
  free(v2);
  free(v);
  vt_workload_free(&wl);
}

/* ---- K bound --------------------------------------------------------------- */

static void test_k_bound(void) {
  vt_workload wl;
  small_workload(&wl, VT_WL_K + 4);
  char text[8192];
  size_t n = (size_t)snprintf(text, sizeof text, "person,1,M,1990-01-01,,1990-01-01,1999-12-31,,,,,\n");
  for (int i = 0; i < VT_WL_K + 3; i++) {   /* code C_i on day 100 + 30 i (C_{K+1}, C_{K+2} the same day) */
    int64_t day = D(1990, 1, 1) + 100 + 30 * (i > VT_WL_K ? VT_WL_K + 1 : i);
    char ds[11];
    vt_day_format((vt_day)day, ds);
    n += (size_t)snprintf(text + n, sizeof text - n, "event,1,,,,%s,,condition,SNOMED,C%d,,\n", ds, i);
  }
  int64_t *v = NULL;
  vt_measure_stats st;
  CHECK(write_csv(text) == 0 && measure_file(&wl, &v, &st) == 0, "K bound: measured");
  if (!v) { vt_workload_free(&wl); return; }
  CHECK(st.onsets == VT_WL_K && st.k_censored == 1, "only the first K=%d codes count (%lld)", VT_WL_K,
        (long long)st.onsets);
  char name[64];
  snprintf(name, sizeof name, "onset/SNOMED-CT:C%d/M/00-04", VT_WL_K);
  CHECK(entry(&wl, v, name) == 0, "the (K+1)-th code is not counted");
  CHECK(entry(&wl, v, "risktime/M/00-04") == 100 + 30 * VT_WL_K, "the window stops on the (K+1)-th code's day");
  free(v);
  vt_workload_free(&wl);
}

/* ---- sensitivity -------------------------------------------------------- */

/* Squared L2 norm of the entries of block b of d. */
static uint64_t block_sq(const vt_workload *wl, const int64_t *d, vt_wl_block b) {
  size_t off = vt_workload_block_offset(wl, b), n = vt_workload_block_size(wl, b);
  uint64_t s = 0;
  for (size_t i = 0; i < n; i++) s += (uint64_t)(d[off + i] * d[off + i]);
  return s;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(uint64_t n) {
  rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
  return rng_state % n;
}

/* A random person (one of many shapes: overlapping periods, events outside
** them, before birth, unknown codes, deaths). */
static void random_person(vt_person *p, vt_period *per, vt_event *ev, size_t maxev, const vt_workload *wl) {
  static char codes[256][16];
  memset(p, 0, sizeof *p);
  p->id = "r";
  p->sex = "FMU"[rnd(3) == 2 && rnd(4) == 0 ? 2 : rnd(2)];
  int64_t birth = D(1880, 1, 1) + (int64_t)rnd(150 * 365);
  p->birth = (vt_day)birth;
  p->death = rnd(3) == 0 ? (vt_day)(birth + (int64_t)rnd(110 * 365)) : VT_NO_DAY;
  p->nperiods = rnd(4);
  int64_t t = birth - 400 + (int64_t)rnd(60 * 365);
  for (size_t i = 0; i < p->nperiods; i++) {
    per[i].start = (vt_day)t;
    per[i].end = (vt_day)(t + (int64_t)rnd(rnd(2) ? 30 * 365 : 800));
    t += (int64_t)rnd(20 * 365) - 200;
    if (t < per[i].start) t = per[i].start;
  }
  p->periods = per;
  p->nevents = rnd(maxev);
  for (size_t i = 0; i < p->nevents; i++) {
    size_t k = rnd(wl->ncodes + 5) % 256;
    if (k < wl->ncodes) snprintf(codes[k], sizeof codes[k], "%s", wl->codes[k]);
    else snprintf(codes[k], sizeof codes[k], "X%zu", k);
    ev[i] = (vt_event){ 0 };
    ev[i].system = k == 2 ? "RxNorm" : "SNOMED";
    ev[i].code = codes[k];
    ev[i].start = (vt_day)(birth - 1000 + (int64_t)rnd(100 * 365));
    ev[i].end = VT_NO_DAY;
  }
  /* sorted by start, as the reader yields them */
  for (size_t i = 1; i < p->nevents; i++)
    for (size_t j = i; j > 0 && ev[j].start < ev[j - 1].start; j--) { vt_event x = ev[j]; ev[j] = ev[j - 1]; ev[j - 1] = x; }
  p->events = ev;
}

static void test_sensitivity_random(void) {
  vt_workload wl;
  pair_workload(&wl, 40, 12);   /* and 132 linked pairs */
  vt_codematch *m = vt_measure_matcher(&wl);
  vt_measure *ms = m ? vt_measure_new(&wl, m) : NULL;
  size_t n = vt_workload_size(&wl);
  int64_t *c = calloc(n, sizeof *c);
  static vt_event ev[200];
  vt_period per[4];
  uint64_t worst[VT_WL_BLOCK__COUNT] = { 0 }, worst_all = 0;
  int bad = 0;
  for (int trial = 0; ms && c && trial < 20000; trial++) {
    vt_person p;
    random_person(&p, per, ev, trial % 10 == 0 ? 200 : 40, &wl);
    memset(c, 0, n * sizeof *c);
    vt_measure_person(ms, &p, c, NULL);   /* the vector with p minus the vector without p */
    uint64_t all = 0;
    for (int b = 0; b < VT_WL_BLOCK__COUNT; b++) {
      uint64_t s = block_sq(&wl, c, (vt_wl_block)b);
      if (s > worst[b]) worst[b] = s;
      if (s > vt_workload_block_delta2(&wl, (vt_wl_block)b)) bad++;
      all += s;
    }
    if (all > worst_all) worst_all = all;
    if (all > vt_workload_delta2(&wl)) bad++;
  }
  CHECK(ms && c && bad == 0, "20000 random patients: every block (pairs too) within its declared sensitivity (%d over)",
        bad);
  for (int b = 0; b < VT_WL_BLOCK__COUNT; b++)
    printf("# block %s: worst random %llu of declared %llu\n", vt_workload_block_name((vt_wl_block)b),
           (unsigned long long)worst[b], (unsigned long long)vt_workload_block_delta2(&wl, (vt_wl_block)b));
  printf("# whole vector: worst random %llu of declared %llu\n", (unsigned long long)worst_all,
         (unsigned long long)vt_workload_delta2(&wl));
  free(c);
  vt_measure_free(ms);
  vt_codematch_free(m);
  vt_workload_free(&wl);
}

/* Append to text (at *n) the events of person id: codes C_first .. C_last
** on day0 + step * i. */
static void add_events(char *text, size_t cap, size_t *n, int id, int first, int last, int64_t day0, int step) {
  for (int i = first; i <= last; i++) {
    char ds[11];
    vt_day_format((vt_day)(day0 + (int64_t)step * (i - first)), ds);
    *n += (size_t)snprintf(text + *n, cap - *n, "event,%d,,,,%s,,condition,SNOMED,C%d,,\n", id, ds, i);
  }
}

/* The vector of base + extra minus that of base, via two full passes. */
static int diff_pass(const vt_workload *wl, const char *base, const char *extra, int64_t *d) {
  static char both[1 << 19];
  int64_t *a = NULL, *b = NULL;
  snprintf(both, sizeof both, "%s%s", base, extra);
  int rc = write_csv(base) == 0 && measure_file(wl, &a, NULL) == 0 && write_csv(both) == 0 &&
           measure_file(wl, &b, NULL) == 0 ? 0 : -1;
  for (size_t i = 0; rc == 0 && i < vt_workload_size(wl); i++) d[i] = b[i] - a[i];
  free(a);
  free(b);
  return rc;
}

static void test_sensitivity_adversarial(void) {
  vt_workload wl;
  pair_workload(&wl, 40, 43);
  size_t n = vt_workload_size(&wl);
  int64_t *d = calloc(n, sizeof *d);
  static char base[1 << 18], extra[1 << 15];
  size_t bn = 0;
  for (int i = 0; i < 30; i++) {   /* a small random base cohort */
    int y = 1930 + (int)rnd(80);
    bn += (size_t)snprintf(base + bn, sizeof base - bn, "person,%d,%c,%d-03-01,,%d-01-01,%d-12-31,,,,,\n", 100 + i,
                           "FM"[i % 2], y, y + 10, y + 30);
    add_events(base, sizeof base, &bn, 100 + i, (int)rnd(30), 35, vt_days_from_civil(y + 12, 1, 1), 200);
  }
  uint64_t t2 = vt_workload_time_sq_bound();
  /* 1: the longest window, every band edge where it gives most, K codes carried in */
  size_t en = (size_t)snprintf(extra, sizeof extra, "person,1,F,1995-01-01,,1999-01-01,2040-12-31,,,,,\n");
  add_events(extra, sizeof extra, &en, 1, 0, VT_WL_K - 1, D(1999, 2, 1), 1);
  CHECK(d && diff_pass(&wl, base, extra, d) == 0, "adversarial 1 (K carry-ins, longest window): measured");
  if (d) {
    CHECK(block_sq(&wl, d, VT_WL_BLOCK_POSTONSET) == VT_WL_K * t2 && block_sq(&wl, d, VT_WL_BLOCK_RISKTIME) == t2,
          "... reaches the declared post-onset (%llu) and risk-time (%llu) sensitivity",
          (unsigned long long)(VT_WL_K * t2), (unsigned long long)t2);
    uint64_t all = 0;
    for (int b = 0; b < VT_WL_BLOCK__COUNT; b++) all += block_sq(&wl, d, (vt_wl_block)b);
    CHECK(all <= vt_workload_delta2(&wl), "... whole vector %llu <= declared %llu", (unsigned long long)all,
          (unsigned long long)vt_workload_delta2(&wl));
  }
  /* 2: every code incident on its own day, then death in the window */
  en = (size_t)snprintf(extra, sizeof extra, "person,2,M,1950-01-01,1965-06-01,1950-01-01,1965-06-01,,,,,\n");
  add_events(extra, sizeof extra, &en, 2, 0, 39, D(1950, 2, 1), 40);
  CHECK(d && diff_pass(&wl, base, extra, d) == 0, "adversarial 2 (every code incident): measured");
  if (d) {
    CHECK(block_sq(&wl, d, VT_WL_BLOCK_ONSET) == VT_WL_K, "... reaches the declared onset sensitivity K");
    CHECK(block_sq(&wl, d, VT_WL_BLOCK_DEMOG) == 4, "... and the demographic one (4)");
  }
  /* 3: extreme dates, overlapping periods, 85+ (cap), events before birth, death */
  en = (size_t)snprintf(extra, sizeof extra,
                        "person,3,F,0001-01-01,9999-12-31,0001-01-01,9999-12-31,,,,,\n"
                        "period,3,,,,0050-01-01,9000-01-01,,,,,\n"
                        "person,4,M,1900-02-29,,1800-01-01,2100-01-01,,,,,\n");
  add_events(extra, sizeof extra, &en, 3, 0, 39, D(1, 1, 1) - 5, 1);
  add_events(extra, sizeof extra, &en, 4, 0, 39, D(1990, 1, 1), 3);
  for (int who = 3; who <= 4 && d; who++) {
    char one[4096];
    const char *s = strstr(extra, who == 3 ? "person,3" : "person,4");
    snprintf(one, sizeof one, "%s", s);
    if (who == 3) { char *e = strstr(one, "person,4"); if (e) *e = 0; }
    CHECK(diff_pass(&wl, base, one, d) == 0, "adversarial %d (extreme dates): measured", who);
    int over = 0;
    for (int b = 0; b < VT_WL_BLOCK__COUNT; b++)
      if (block_sq(&wl, d, (vt_wl_block)b) > vt_workload_block_delta2(&wl, (vt_wl_block)b)) over++;
    CHECK(over == 0, "adversarial %d: every block within its sensitivity", who);
  }
  free(d);
  vt_workload_free(&wl);
}

/* ---- pairs: a known cohort ------------------------------------------------ */

static void test_known_pairs(void) {
  vt_workload wl;
  small_workload(&wl, 0);     /* 111 = 0, 222 = 1, RxNorm 333 = 2 */
  vt_workload_add_pair(&wl, 0, 1);
  vt_workload_add_pair(&wl, 1, 0);
  vt_workload_add_pair(&wl, 0, 2);
  CHECK(vt_workload_add_pair(&wl, 0, 1) == 0 && vt_workload_add_pair(&wl, 2, 2) == 0 &&
        vt_workload_add_pair(&wl, 0, 9) == 0 && vt_workload_npairs(&wl) == 3,
        "a pair listed twice, a code paired with itself, an unknown code: ignored (3 pairs)");
  const char *text =
    /* 1: F born 1960, risk window from 2011-01-01: 111 then 222 366 days later */
    "person,1,F,1960-01-01,,2010-01-01,2019-12-31,,,,,\n"
    "event,1,,,,2012-01-01,,condition,SNOMED,111,,\n"
    "event,1,,,,2013-01-01,,condition,SNOMED,222,,\n"
    /* 2: 333 carried in, 111 in 2014, dies 2016-01-01 (window ends 2016-01-02, 731 days after A), no 222 */
    "person,2,M,1960-01-01,2016-01-01,2010-01-01,2019-12-31,,,,,\n"
    "event,2,,,,2010-06-01,,drug,RxNorm,333,,\n"
    "event,2,,,,2014-01-01,,condition,SNOMED,111,,\n"
    /* 3: 111 carried in (washout), 222 in 2012: no A of a pair inside the window */
    "person,3,F,1960-01-01,,2010-01-01,2019-12-31,,,,,\n"
    "event,3,,,,2010-03-01,,condition,SNOMED,111,,\n"
    "event,3,,,,2012-01-01,,condition,SNOMED,222,,\n"
    /* 4: 111 in 2011, 333 2161 days later: past the pair cap, no onset */
    "person,4,F,1960-01-01,,2010-01-01,2019-12-31,,,,,\n"
    "event,4,,,,2011-02-01,,condition,SNOMED,111,,\n"
    "event,4,,,,2017-01-01,,drug,RxNorm,333,,\n"
    /* 5: 111 and 222 on one day, 333 29 days later */
    "person,5,F,1960-01-01,,2010-01-01,2019-12-31,,,,,\n"
    "event,5,,,,2012-05-01,,condition,SNOMED,111,,\n"
    "event,5,,,,2012-05-01,,condition,SNOMED,222,,\n"
    "event,5,,,,2012-05-30,,drug,RxNorm,333,,\n"
    /* 6: 111 in 2014, 222 516 days later (bin 3), dies 2015-09-01: bin 3 cut by the window, no onset */
    "person,6,M,1960-01-01,2015-09-01,2010-01-01,2019-12-31,,,,,\n"
    "event,6,,,,2014-01-01,,condition,SNOMED,111,,\n"
    "event,6,,,,2015-06-01,,condition,SNOMED,222,,\n"
    /* 7: 111 19 days before death: no bin covered, no contribution */
    "person,7,F,1960-01-01,2014-01-20,2010-01-01,2019-12-31,,,,,\n"
    "event,7,,,,2014-01-01,,condition,SNOMED,111,,\n"
    /* 8: 111 in 2012, 222 517 days later, observation ends 2013-10-31 (670 days after A): bin 3 cut */
    "person,8,F,1960-01-01,,2010-01-01,2013-10-31,,,,,\n"
    "event,8,,,,2012-01-01,,condition,SNOMED,111,,\n"
    "event,8,,,,2013-06-01,,condition,SNOMED,222,,\n"
    /* 9: two adjacent periods (one run of observed days), 111 in 2012, nothing after */
    "person,9,F,1960-01-01,,2010-01-01,2012-06-30,,,,,\n"
    "period,9,,,,2012-07-01,2019-12-31,,,,,\n"
    "event,9,,,,2012-01-01,,condition,SNOMED,111,,\n";
  int64_t *v = NULL;
  vt_measure_stats st;
  CHECK(write_csv(text) == 0 && measure_file(&wl, &v, &st) == 0, "known pair cohort: measured");
  if (!v) { vt_workload_free(&wl); return; }
  static const char *const bins[VT_WL_PAIR_NBINS] = { "0-29d", "30-179d", "180-364d", "365-729d", "730-1826d" };
  /* by hand, bins [0,30) [30,180) [180,365) [365,730) [730,1827) days after A, at risk (whole bin covered, B
  ** not before it) / onset: person 1 1 1 1 1 0 / bin 3 (366 days); 2 1 1 1 1 0 (731 days to the window's
  ** end); 4 1 1 1 1 1; 5 1 0 0 0 0 / bin 0 (B on A's day); 6 1 1 1 0 0 (bin 3 cut, its onset unseen);
  ** 8 1 1 1 0 0 (observation ends in bin 3); 9 1 1 1 1 1 */
  static const int64_t on_ab[] = { 1, 0, 0, 1, 0 }, r_ab[] = { 7, 6, 6, 4, 2 };
  /* persons 1, 4, 9 through every bin (333 past the last for 4), 5 an onset in bin 0 (29 days), 6 and 8 three
  ** bins; 2's 333 was carried in (before A) */
  static const int64_t on_ac[] = { 1, 0, 0, 0, 0 }, r_ac[] = { 6, 5, 5, 3, 3 };
  /* only person 5: 111 on 222's day (not before it) */
  static const int64_t on_ba[] = { 1, 0, 0, 0, 0 }, r_ba[] = { 1, 0, 0, 0, 0 };
  static const char *const pairs[3] = { "SNOMED-CT:111>SNOMED-CT:222", "SNOMED-CT:111>RxNorm:333",
                                        "SNOMED-CT:222>SNOMED-CT:111" };
  const int64_t *want_on[3] = { on_ab, on_ac, on_ba }, *want_r[3] = { r_ab, r_ac, r_ba };
  for (int q = 0; q < 3; q++) {
    int ok = 1;
    char name[128], got[256] = "";
    size_t gn = 0;
    for (int b = 0; b < VT_WL_PAIR_NBINS; b++) {
      snprintf(name, sizeof name, "pair_onset/%s/%s", pairs[q], bins[b]);
      int64_t o = entry(&wl, v, name);
      snprintf(name, sizeof name, "pair_atrisk/%s/%s", pairs[q], bins[b]);
      int64_t t = entry(&wl, v, name);
      ok = ok && o == want_on[q][b] && t == want_r[q][b];
      gn += (size_t)snprintf(got + gn, sizeof got - gn, " %lld/%lld", (long long)o, (long long)t);
    }
    CHECK(ok, "%s: onsets/patients at risk per bin as computed by hand (%s)", pairs[q], got);
  }
  CHECK(st.pair_terms == 14 && st.pair_censored == 0, "14 pair contributions, none from person 7 (%lld)",
        (long long)st.pair_terms);
  free(v);
  vt_workload_free(&wl);
}

/* ---- pairs: the per-patient bound ------------------------------------------ */

static void test_pair_bounds(void) {
  vt_workload wl;
  pair_workload(&wl, 40, 43);   /* every ordered pair of the 43 codes */
  size_t n = vt_workload_size(&wl);
  int64_t *d = calloc(n, sizeof *d);
  static char base[1 << 16], extra[1 << 15];
  size_t bn = 0;
  for (int i = 0; i < 20; i++) {
    int y = 1930 + (int)rnd(80);
    bn += (size_t)snprintf(base + bn, sizeof base - bn, "person,%d,%c,%d-03-01,,%d-01-01,%d-12-31,,,,,\n", 100 + i,
                           "FM"[i % 2], y, y + 10, y + 30);
    add_events(base, sizeof base, &bn, 100 + i, (int)rnd(30), 35, vt_days_from_civil(y + 12, 1, 1), 200);
  }
  uint64_t dt = vt_workload_block_delta2(&wl, VT_WL_BLOCK_PAIR_ATRISK);
  uint64_t dn = vt_workload_block_delta2(&wl, VT_WL_BLOCK_PAIR_ONSET);
  CHECK(dt == (uint64_t)VT_WL_PAIR_K * VT_WL_PAIR_NBINS && dn == VT_WL_PAIR_K,
        "declared: pair_onset K_P = %d, pair_atrisk K_P x %d bins = %llu", VT_WL_PAIR_K, VT_WL_PAIR_NBINS,
        (unsigned long long)dt);
  /* 5: observed from birth, C0 on day 1 and nothing else for 10 years:
  ** every pair (C0, B) is at risk through every bin */
  size_t en = (size_t)snprintf(extra, sizeof extra, "person,5,F,2000-01-01,,2000-01-01,2012-12-31,,,,,\n");
  add_events(extra, sizeof extra, &en, 5, 0, 0, D(2000, 1, 2), 1);
  CHECK(d && diff_pass(&wl, base, extra, d) == 0, "adversarial 5 (one A, every pair at risk in every bin): measured");
  if (d) {
    uint64_t got = block_sq(&wl, d, VT_WL_BLOCK_PAIR_ATRISK);
    CHECK(got == dt, "... pair_atrisk changes by exactly the declared Delta^2 %llu (%llu)", (unsigned long long)dt,
          (unsigned long long)got);
    uint64_t under = (uint64_t)VT_WL_PAIR_K * (VT_WL_PAIR_NBINS - 1);
    CHECK(got > under && got > dt - 1,
          "... so an under-declared Delta^2 (K_P x one bin fewer, %llu, or the declared one less 1) is caught (%llu)",
          (unsigned long long)under, (unsigned long long)got);
  }
  /* 6: the six codes of 30 pairs all on one day: every pair an onset (B on
  ** A's day), K_P of them counted */
  vt_workload w6;
  pair_workload(&w6, 3, 6);
  en = (size_t)snprintf(extra, sizeof extra, "person,6,M,2000-01-01,,2000-01-01,2012-12-31,,,,,\n"
                        "event,6,,,,2000-02-01,,condition,SNOMED,111,,\n"
                        "event,6,,,,2000-02-01,,condition,SNOMED,222,,\n"
                        "event,6,,,,2000-02-01,,drug,RxNorm,333,,\n");
  add_events(extra, sizeof extra, &en, 6, 0, 2, D(2000, 2, 1), 0);
  int64_t *d6 = calloc(vt_workload_size(&w6), sizeof *d6);
  CHECK(d6 && diff_pass(&w6, base, extra, d6) == 0, "adversarial 6 (30 pairs with an onset on one day): measured");
  if (d6) {
    uint64_t got = block_sq(&w6, d6, VT_WL_BLOCK_PAIR_ONSET);
    CHECK(got == dn, "... pair_onset changes by exactly the declared Delta^2 K_P = %d (%llu): K_P - 1 would be caught",
          VT_WL_PAIR_K, (unsigned long long)got);
  }
  free(d6);
  vt_workload_free(&w6);
  free(d);
  vt_workload_free(&wl);
}

/* ---- pairs: the rule on a module that loops back to Initial ------------------ */

static void test_pair_rule(void) {
  char dir[600], file[700], err[2048];
  const char *tmp = getenv("TMPROOT");
  snprintf(dir, sizeof dir, "%s/test_measure_mod_%ld", tmp && *tmp ? tmp : "/tmp", (long)getpid());
  snprintf(file, sizeof file, "%s/pairloop.lua", dir);
  mkdir(dir, 0700);
  FILE *f = fopen(file, "w");
  CHECK(f != NULL, "write the looping module %s", file);
  if (!f) return;
  fputs("local A = snomed(1001, \"A\")\nlocal B = rxnorm(2002, \"B\")\nlocal C = snomed(3003, \"C\")\n"
        "local D = snomed(4004, \"D\")\n"
        "return module \"PairLoop\" {\n"
        "  Initial = simple { pick { { 0.5, \"Onset_A\" }, { 0.5, \"Onset_C\" } } },\n"
        "  Onset_A = condition_onset { A, next = \"Med_B\" },\n"
        "  Med_B = medication_order { B, reason = \"Onset_A\", next = \"Initial\" },\n"
        "  Onset_C = condition_onset { C, next = \"Wait\" },\n"
        "  Wait = delay { years(1, 2), next = \"Onset_C2\" },\n"
        "  Onset_C2 = condition_onset { D, next = \"Onset_C\" },\n"
        "}\n", f);
  fclose(f);
  char *paths[1] = { dir };
  vt_sim_opts o = { 1, 0, 0, 140, 0, 0, { 0, 0 }, 0 };
  vt_engine *e = vt_engine_new(&o, paths, 1, NULL, NULL, err, sizeof err);
  CHECK(e != NULL, "the looping module loads (%s)", e ? "ok" : err);
  if (e) {
    vt_workload wl;
    char names[512] = "";
    size_t nn = 0;
    int rc = vt_workload_from_modset(&wl, &e->ms);
    for (size_t i = 0; rc == 0 && i < wl.npairs; i++)
      nn += (size_t)snprintf(names + nn, sizeof names - nn, "%s%s>%s", i ? " " : "", wl.codes[wl.pair_a[i]],
                             wl.codes[wl.pair_b[i]]);
    CHECK(rc == 0 && strcmp(names, "1001>2002 3003>4004 4004>3003") == 0,
          "pairs follow transitions, never through Initial (no 2002>1001, 2002>3003), loops elsewhere do (%s)", names);
    if (rc == 0) vt_workload_free(&wl);
    vt_engine_free(e);
  }
  unlink(file);
  rmdir(dir);
}

/* ---- codes without a vocabulary ------------------------------------------------ */

/* Events with no system (an OMOP extract without a vocabulary: concept 0,
** the code in *_source_value) match by their code alone, within the kinds
** their domain fits, and only when exactly one workload code fits. */
static void test_code_only(void) {
  vt_workload wl;
  small_workload(&wl, 0);   /* SNOMED-CT 111, 222 (conditions), RxNorm 333 (a medication) */
  vt_workload_add(&wl, "CVX", "333", VT_WL_IMMUNIZATION);
  vt_workload_add(&wl, "SNOMED-CT", "555", VT_WL_ALLERGY);
  vt_workload_add(&wl, "SNOMED-CT", "666", VT_WL_PROCEDURE);
  vt_codematch *m = vt_measure_matcher(&wl);
  vt_measure *ms = m ? vt_measure_new(&wl, m) : NULL;
  int64_t *v = calloc(vt_workload_size(&wl), sizeof *v);
  vt_period per = { (vt_day)D(2000, 1, 1), (vt_day)D(2012, 12, 31) };
  struct { vt_domain d; const char *sys, *code; } in[] = {
    { VT_DOMAIN_CONDITION, "", "111" },          /* matches SNOMED-CT 111 */
    { VT_DOMAIN_DRUG, "", "333" },               /* RxNorm 333 and CVX 333 both fit a drug: ambiguous */
    { VT_DOMAIN_CONDITION, NULL, "222" },        /* matches SNOMED-CT 222 */
    { VT_DOMAIN_OBSERVATION, "None", "555" },    /* an allergy in observation: matches 555 */
    { VT_DOMAIN_CONDITION, "", "666" },          /* a procedure code in the condition domain: no fitting kind */
    { VT_DOMAIN_MEASUREMENT, "", "111" },        /* measurements fit no kind */
    { VT_DOMAIN_PROCEDURE, "ICD10PCS", "666" },  /* a vocabulary: exact matching only, no match */
  };
  vt_event ev[sizeof in / sizeof in[0]];
  for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
    ev[i] = (vt_event){ 0 };
    ev[i].domain = in[i].d;
    ev[i].system = in[i].sys;
    ev[i].code = in[i].code;
    ev[i].start = (vt_day)(D(2001, 1, 1) + 10 * (int64_t)i);
    ev[i].end = VT_NO_DAY;
  }
  vt_person p = { 0 };
  p.id = "1";
  p.sex = 'F';
  p.birth = (vt_day)D(2000, 1, 1);
  p.death = VT_NO_DAY;
  p.periods = &per;
  p.nperiods = 1;
  p.events = ev;
  p.nevents = sizeof in / sizeof in[0];
  vt_measure_stats st;
  memset(&st, 0, sizeof st);
  if (ms && v) vt_measure_person(ms, &p, v, &st);
  CHECK(ms && v && entry(&wl, v, "onset/SNOMED-CT:111/F/00-04") == 1 && entry(&wl, v, "onset/SNOMED-CT:222/F/00-04") == 1
        && entry(&wl, v, "onset/SNOMED-CT:555/F/00-04") == 1,
        "events with an empty, NULL or \"None\" system match the one workload code of a fitting kind by code alone");
  CHECK(v && entry(&wl, v, "onset/RxNorm:333/F/00-04") == 0 && entry(&wl, v, "onset/CVX:333/F/00-04") == 0 &&
        entry(&wl, v, "onset/SNOMED-CT:666/F/00-04") == 0 && st.onsets == 3,
        "an ambiguous code (RxNorm and CVX 333 for a drug), a kind the domain does not fit, a measurement and an "
        "event with a vocabulary match nothing (%lld onsets)", (long long)st.onsets);
  CHECK(st.code_only == 3 && st.code_ambiguous == 1, "counted: %lld matched by code alone, %lld ambiguous",
        (long long)st.code_only, (long long)st.code_ambiguous);
  CHECK(vt_measure_domain_kinds(VT_DOMAIN_IMMUNIZATION) == 1u << VT_WL_IMMUNIZATION &&
        vt_measure_domain_kinds(VT_DOMAIN_PROCEDURE) == ((1u << VT_WL_PROCEDURE) | (1u << VT_WL_CAREPLAN)) &&
        vt_measure_domain_kinds(VT_DOMAIN_DEVICE) == 1u << VT_WL_DEVICE && vt_measure_domain_kinds(VT_DOMAIN_VISIT) == 0,
        "the domain-to-kind table");
  free(v);
  vt_measure_free(ms);
  vt_codematch_free(m);
  vt_workload_free(&wl);
}

/* ---- the workload ------------------------------------------------------------ */

static void test_workload(void) {
  vt_workload wl;
  small_workload(&wl, 2);
  vt_workload_add(&wl, "SNOMED-CT", "111", VT_WL_CONDITION);
  CHECK(wl.ncodes == 5, "a code listed twice is one code");
  size_t n = vt_workload_size(&wl);
  CHECK(n == VT_WL_NDEMOG + 3 * VT_WL_NSTRATA + 2 * 5 * VT_WL_NSTRATA + VT_WL_NOBS, "vector size %zu", n);
  char a[128], b[128];
  int unique = 1;
  for (size_t i = 0; i + 1 < n; i++) {
    vt_workload_name(&wl, i, a, sizeof a);
    vt_workload_name(&wl, i + 1, b, sizeof b);
    if (!*a || strcmp(a, b) == 0) unique = 0;
  }
  CHECK(unique && vt_workload_name(&wl, n, a, sizeof a) == -1, "every entry has a name; out of range is -1");
  vt_workload_name(&wl, 0, a, sizeof a);
  CHECK_STR(a, "sex/F", "first entry");
  vt_workload_name(&wl, n - 1, a, sizeof a);
  CHECK_STR(a, "obs_length/5479+d", "last entry");
  vt_workload_name(&wl, n - VT_WL_NOBS, a, sizeof a);
  CHECK_STR(a, "obs_length/0-364d", "first observation-length bin");
  uint64_t t2 = vt_workload_time_sq_bound();
  CHECK(t2 == 1827ull * 1827 + 1826ull * 1826, "time bound C^2 + (H-C)^2 = %llu", (unsigned long long)t2);
  CHECK(vt_workload_delta2(&wl) == 6 + VT_WL_K + (VT_WL_K + 2) * t2,
        "Delta^2 = 6 + K + (K+2)(C^2 + (H-C)^2) (no pairs: the pair blocks are empty, Delta^2 0)");
  vt_workload_add_pair(&wl, 1, 0);
  CHECK(vt_workload_size(&wl) == n + 2 * VT_WL_PAIR_NBINS &&
        vt_workload_delta2(&wl) == 6 + VT_WL_K + (VT_WL_K + 2) * t2 + (uint64_t)VT_WL_PAIR_K * (1 + VT_WL_PAIR_NBINS),
        "one pair: 2 x %d entries, Delta^2 + K_P (1 + bins) = %llu", VT_WL_PAIR_NBINS,
        (unsigned long long)vt_workload_delta2(&wl));
  vt_workload_name(&wl, n, a, sizeof a);
  vt_workload_name(&wl, n + 2 * VT_WL_PAIR_NBINS - 1, b, sizeof b);
  CHECK(!strcmp(a, "pair_onset/SNOMED-CT:222>SNOMED-CT:111/0-29d") &&
        !strcmp(b, "pair_atrisk/SNOMED-CT:222>SNOMED-CT:111/730-1826d"), "pair names: %s, %s", a, b);
  CHECK(vt_wl_pair_bin(-1) == -1 && vt_wl_pair_bin(0) == 0 && vt_wl_pair_bin(29) == 0 && vt_wl_pair_bin(30) == 1 &&
        vt_wl_pair_bin(364) == 2 && vt_wl_pair_bin(365) == 3 && vt_wl_pair_bin(1826) == 4 &&
        vt_wl_pair_bin(VT_WL_PAIR_CAP) == -1 && vt_wl_pair_edges[0] == 0 &&
        vt_wl_pair_edges[VT_WL_PAIR_NBINS] == VT_WL_PAIR_CAP, "pair bins: edges 0 30 180 365 730 %d", VT_WL_PAIR_CAP);
  CHECK(vt_wl_race_index("Native Hawaiian or Other Pacific Islander") == 4 && vt_wl_race_index("Martian") == 5 &&
        vt_wl_race_index(NULL) == 6 && vt_wl_eth_index("Not Hispanic or Latino") == 1 &&
        vt_wl_eth_index(" hispanic ") == 0 && vt_wl_eth_index("?") == 2, "race and ethnicity categories");
  vt_workload_free(&wl);

  /* the default module set */
  char err[2048], root[512];
  const char *r = getenv("VITAE_ROOT");
  snprintf(root, sizeof root, "%s/modules", r && *r ? r : ".");
  char *paths[1] = { root };
  vt_sim_opts o = { 1, 0, 0, 140, 0, 0, { 0, 0 }, 0 };
  vt_engine *e = vt_engine_new(&o, paths, 1, NULL, NULL, err, sizeof err);
  CHECK(e != NULL, "default modules load (%s)", e ? "ok" : err);
  if (!e) return;
  CHECK(vt_workload_from_modset(&wl, &e->ms) == 0 && wl.ncodes > 50, "default modules: %zu onset codes", wl.ncodes);
  int diabetes = 0, vital = 0;
  for (size_t i = 0; i < wl.ncodes; i++) {
    if (strcmp(wl.codes[i], "44054006") == 0) diabetes = 1;
    if (strcmp(wl.codes[i], "8302-2") == 0) vital = 1;
  }
  CHECK(diabetes && !vital, "diabetes (44054006) is a workload code, body height (8302-2) is not");
  int selfpair = 0;
  for (size_t i = 0; i < wl.npairs; i++) selfpair += wl.pair_a[i] == wl.pair_b[i] || wl.pair_a[i] >= wl.ncodes;
  CHECK(wl.npairs > 0 && wl.npairs <= (size_t)e->ms.n * VT_WL_PAIR_MAX && !selfpair,
        "default modules: %zu linked pairs (%d modules, at most %d each), none A>A", wl.npairs, e->ms.n,
        VT_WL_PAIR_MAX);
  printf("# default modules: %zu codes, %zu linked pairs\n", wl.ncodes, wl.npairs);
  vt_workload w2;
  CHECK(vt_workload_from_modset(&w2, &e->ms) == 0 && w2.ncodes == wl.ncodes &&
        strcmp(w2.codes[w2.ncodes - 1], wl.codes[wl.ncodes - 1]) == 0 && w2.npairs == wl.npairs &&
        (wl.npairs == 0 || (!memcmp(w2.pair_a, wl.pair_a, wl.npairs * sizeof *wl.pair_a) &&
                            !memcmp(w2.pair_b, wl.pair_b, wl.npairs * sizeof *wl.pair_b))),
        "the workload (codes and pairs) is deterministic");
  vt_workload_free(&w2);
  vt_workload_free(&wl);
  vt_engine_free(e);
}

int main(void) {
  const char *tmp = getenv("TMPROOT");
  snprintf(csv_path, sizeof csv_path, "%s/test_measure_%ld.csv", tmp && *tmp ? tmp : "/tmp", (long)getpid());
  test_workload();
  test_known_cohort();
  test_k_bound();
  test_known_pairs();
  test_code_only();
  test_pair_bounds();
  test_pair_rule();
  test_sensitivity_random();
  test_sensitivity_adversarial();
  unlink(csv_path);
  return test_done();
}
