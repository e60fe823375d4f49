/*
** test_simulate.c -- the fitter's in-memory simulator (learn/simulate.h):
** the vector does not depend on the threads and repeats with the seed;
** common random numbers (a change in one module's param leaves the other
** modules' onsets alone); the pseudo-windows of a hand-checkable life
** (a test module giving everyone a condition at age 23); params from
** numbers; a broken module's error.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "learn/measure.h"
#include "learn/simulate.h"
#include "learn/workload.h"
#include "sim/engine.h"
#include "sim/vtime.h"
#include "tests/unit/test.h"

static char tmpdir[512];

/* A module set's workload and matcher (the engine keeps the modset). */
typedef struct wset {
  vt_engine *e;
  vt_workload wl;
  vt_codematch *m;
  size_t n;
} wset;

static int wset_open(wset *w, char **paths, int npaths) {
  char err[2048];
  vt_sim_opts o = { 1, 0, 0, 100, 0, 0, { 0, 0 }, 0 };
  memset(w, 0, sizeof *w);
  w->e = vt_engine_new(&o, paths, npaths, NULL, NULL, err, sizeof err);
  CHECK(w->e != NULL, "modules %s load (%s)", paths[0], w->e ? "ok" : err);
  if (!w->e) return -1;
  CHECK(vt_workload_from_modset(&w->wl, &w->e->ms) == 0 && (w->m = vt_measure_matcher(&w->wl)) != NULL,
        "workload of %s: %zu codes", paths[0], w->wl.ncodes);
  w->n = vt_workload_size(&w->wl);
  return w->m ? 0 : -1;
}

static void wset_close(wset *w) {
  vt_codematch_free(w->m);
  vt_workload_free(&w->wl);
  vt_engine_free(w->e);
}

static vt_lsim_opts lopts(char **paths, int npaths, int64_t n, uint64_t seed, int threads) {
  vt_lsim_opts o = { paths, npaths, NULL, n, seed, threads, vt_time_from_date(2020, 1, 1), NULL };
  return o;
}

/* Run and return the vector (malloc'd), or NULL after a failed CHECK. */
static int64_t *run(const vt_lsim_opts *o, vt_params *params, const wset *w, int64_t *windows, const char *what) {
  char err[2048] = "";
  int64_t *v = malloc(w->n * sizeof *v);
  int rc = vt_lsim_run(o, params, &w->wl, w->m, v, windows, err, sizeof err);
  if (rc != 0) {
    CHECK(rc == 0, "%s runs (%s)", what, err);
    free(v);
    return NULL;
  }
  return v;
}

static int same(const int64_t *a, const int64_t *b, size_t n) { return a && b && memcmp(a, b, n * sizeof *a) == 0; }

/* (a), (b), (c): the default modules. */
static void test_default_modules(const char *root) {
  char dir[600];
  snprintf(dir, sizeof dir, "%s/modules", root);
  char *paths[1] = { dir };
  wset w;
  if (wset_open(&w, paths, 1) != 0) return;
  int64_t win1 = 0, win2 = 0, win3 = 0;
  vt_lsim_opts o = lopts(paths, 1, 300, 7, 1);
  int64_t *v1 = run(&o, NULL, &w, &win1, "1 thread");
  o.threads = 2;
  int64_t *v2 = run(&o, NULL, &w, &win2, "2 threads");
  o.threads = 3;
  int64_t *v3 = run(&o, NULL, &w, &win3, "3 threads");
  CHECK(win1 > 300 && win1 == win2 && win1 == win3, "pseudo-windows: %lld for 300 lives, whatever the threads",
        (long long)win1);
  CHECK(same(v1, v2, w.n) && same(v1, v3, w.n), "the vector is the same with 1, 2 and 3 threads");
  int64_t *again = run(&o, NULL, &w, NULL, "again");
  CHECK(same(v1, again, w.n), "two calls with the same seed give the same vector");
  /* demographics count every window; onsets were seen */
  size_t doff = vt_workload_block_offset(&w.wl, VT_WL_BLOCK_DEMOG);
  size_t ooff = vt_workload_block_offset(&w.wl, VT_WL_BLOCK_ONSET), olen = vt_workload_block_size(&w.wl, VT_WL_BLOCK_ONSET);
  int64_t onsets = 0;
  for (size_t k = 0; v1 && k < olen; k++) onsets += v1[ooff + k];
  CHECK(v1 && v1[doff] + v1[doff + 1] + v1[doff + 2] == win1 && onsets > 100,
        "every pseudo-window is a person of the demographics block; %lld onsets", (long long)onsets);

  /* (c) common random numbers: appendicitis.perforated 0.25 -> 0.35 (about
  ** 7 more ruptures in 1000 lives: enough to see the param take effect) */
  const char *name = "appendicitis.perforated";
  double value = 0.35;
  char err[512];
  vt_params *p = vt_params_from_numbers(&name, &value, 1, err, sizeof err);
  CHECK(p != NULL, "params from numbers (%s)", p ? "ok" : err);
  o = lopts(paths, 1, 1000, 11, 2);
  int64_t *base = run(&o, NULL, &w, NULL, "base");
  int64_t *moved = p ? run(&o, p, &w, NULL, "one param moved") : NULL;
  o.seed = 12;
  int64_t *other = run(&o, NULL, &w, NULL, "another seed");
  if (base && moved && other) {
    /* the appendicitis module's own codes (and the acetaminophen it gives,
    ** which other modules give too) are left out */
    static const char *const own[] = { "74400008", "47693006", "80146002", "133899007", "225358003", "198440" };
    int64_t d_moved = 0, d_seed = 0, own_moved = 0;
    for (size_t c = 0; c < w.wl.ncodes; c++) {
      int mine = 0;
      for (size_t k = 0; k < sizeof own / sizeof *own; k++) mine |= strcmp(w.wl.codes[c], own[k]) == 0;
      for (size_t s = 0; s < VT_WL_NSTRATA; s++) {
        size_t i = ooff + c * VT_WL_NSTRATA + s;
        int64_t a = llabs(moved[i] - base[i]), b = llabs(other[i] - base[i]);
        if (mine) own_moved += a;
        else { d_moved += a; d_seed += b; }
      }
    }
    printf("# common random numbers: other modules' onsets moved by %lld with the param, %lld with the seed; "
           "appendicitis codes moved by %lld\n", (long long)d_moved, (long long)d_seed, (long long)own_moved);
    /* Not always exactly 0: modules interact through the life they share
    ** (a death from a perforated appendix ends every other module's
    ** onsets; attributes and active conditions one module sets are read by
    ** others), so a change in one module can move another's onsets a little. */
    CHECK(own_moved > 0, "the param moves the appendicitis codes' onsets (%lld)", (long long)own_moved);
    CHECK(d_seed > 200 && d_moved * 20 <= d_seed,
          "common random numbers: one param moves the other modules' onsets by %lld, another seed by %lld",
          (long long)d_moved, (long long)d_seed);
  }
  free(base); free(moved); free(other);
  vt_params_free(p);
  free(v1); free(v2); free(v3); free(again);
  wset_close(&w);
}

/* Write text to tmpdir/name; 0 or -1. */
static int write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fputs(text, f);
  return fclose(f);
}

/* (d) everyone gets condition 123456789 in the first week after turning 23. */
static void test_fixed_age(void) {
  char dir[600], file[700];
  snprintf(dir, sizeof dir, "%s/test_simulate_age_%ld", tmpdir, (long)getpid());
  snprintf(file, sizeof file, "%s/fixed_age.lua", dir);
  char cmd[800];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
  int ok = system(cmd) == 0 &&
           write_file(file,
                      "return module \"Fixed Age\" {\n"
                      "  Initial = guard { age_at_least(23), next = \"Visit\" },\n"
                      "  Visit = encounter { \"ambulatory\", snomed(185345009, \"Encounter for symptom\"), next = \"Onset\" },\n"
                      "  Onset = condition_onset { snomed(123456789, \"Test disorder\"), next = \"Terminal\" },\n"
                      "  Terminal = terminal {},\n"
                      "}\n") == 0;
  CHECK(ok, "test module written (%s)", file);
  if (!ok) return;
  char *paths[1] = { dir };
  wset w;
  if (wset_open(&w, paths, 1) != 0) return;
  long c = -1;
  for (size_t k = 0; k < w.wl.ncodes; k++) if (strcmp(w.wl.codes[k], "123456789") == 0) c = (long)k;
  CHECK(c >= 0, "the test condition is a workload code");
  const int64_t N = 60;
  vt_lsim_opts o = lopts(paths, 1, N, 5, 2);
  int64_t windows = 0;
  int64_t *v = run(&o, NULL, &w, &windows, "fixed age");
  /* who got it, by sex, from the engine itself (same seed and streams) */
  vt_sim_opts so = { 5, o.reference, 0, 100, 0, 0, { 0, 0 }, 1 };
  char err[2048];
  vt_engine *e = vt_engine_new(&so, paths, 1, NULL, NULL, err, sizeof err);
  int64_t want[2] = { 0, 0 }, want_windows = 0;
  int late_onset = 0;
  for (int64_t i = 0; e && i < N; i++) {
    if (vt_engine_simulate(e, i) != 0) break;
    const vt_record *r = &e->p.rec;
    int y, m, d;
    vt_civil_from_days(vt_time_day(r->person.birth), &y, &m, &d);
    int64_t last = vt_time_day(r->person.death != VT_NO_TIME ? r->person.death : o.reference);
    for (int j = 0;; j++) {   /* the pseudo-windows: age 10j less the washout, while alive */
      int64_t sd = j == 0 ? vt_time_day(r->person.birth) : vt_days_from_civil(y + 10 * j, m, d) - VT_LSIM_WASHOUT;
      if (sd > last) break;
      want_windows++;
    }
    for (size_t k = 0; k < r->nrows; k++) {
      const vt_row *row = &r->rows[k];
      if (row->table != VT_T_CONDITION || strcmp(row->code->code, "123456789") != 0) continue;
      want[r->person.gender == 'M']++;
      int age = vt_time_age_years(r->person.birth, row->start);
      if (age != 23) late_onset = 1;
    }
  }
  CHECK(e && !late_onset && want[0] + want[1] > 10, "the engine gives %lld lives the condition, at 23",
        (long long)(want[0] + want[1]));
  CHECK(windows == want_windows, "pseudo-windows: %lld, one per 10 years of life from birth (%lld)",
        (long long)windows, (long long)want_windows);
  if (v && c >= 0) {
    size_t ooff = vt_workload_block_offset(&w.wl, VT_WL_BLOCK_ONSET) + (size_t)c * VT_WL_NSTRATA;
    size_t loff = vt_workload_block_offset(&w.wl, VT_WL_BLOCK_POSTONSET) + (size_t)c * VT_WL_NSTRATA;
    int band = vt_wl_band_of_age(23);
    int64_t other = 0, later = 0;
    for (int s = 0; s < VT_WL_NSTRATA; s++)
      if (s != vt_wl_stratum('F', band) && s != vt_wl_stratum('M', band)) other += v[ooff + (size_t)s];
    for (int b = vt_wl_band_of_age(30); b < VT_WL_NBANDS; b++)
      later += v[loff + (size_t)vt_wl_stratum('F', b)] + v[loff + (size_t)vt_wl_stratum('M', b)];
    CHECK(v[ooff + (size_t)vt_wl_stratum('F', band)] == want[0] && v[ooff + (size_t)vt_wl_stratum('M', band)] == want[1],
          "onsets in F/20-24 and M/20-24: %lld and %lld, one per life with the condition (%lld, %lld)",
          (long long)v[ooff + (size_t)vt_wl_stratum('F', band)], (long long)v[ooff + (size_t)vt_wl_stratum('M', band)],
          (long long)want[0], (long long)want[1]);
    CHECK(other == 0, "no onset in any other stratum: the windows after 30 carry the condition in (%lld)",
          (long long)other);
    CHECK(later > 0, "the carried-in condition takes person-time off the risk after 30 (%lld days)", (long long)later);
  }
  free(v);
  vt_engine_free(e);
  wset_close(&w);
  unlink(file);
  rmdir(dir);
}

/* (e) vt_params_from_numbers. */
static void test_params(void) {
  char err[512] = "";
  const char *names[] = { "b.x", "a.y", "c.z" };
  double values[] = { 1, 2, 3 };
  vt_params *p = vt_params_from_numbers(names, values, 3, err, sizeof err);
  CHECK(p && p->n == 3 && strcmp(p->items[0].name, "a.y") == 0 && strcmp(p->items[2].name, "c.z") == 0,
        "params from numbers: sorted by name");
  const vt_param *q = p ? vt_params_get(p, "b.x") : NULL;
  CHECK(q && q->kind == VT_PARAM_NUMBER && q->number == 1 && q->used, "vt_params_get finds b.x = 1");
  CHECK(p && vt_params_get(p, "d") == NULL, "an absent name is not found");
  vt_params_free(p);
  const char *dup[] = { "a", "b", "a" };
  p = vt_params_from_numbers(dup, values, 3, err, sizeof err);
  CHECK(p == NULL && strstr(err, "'a'") != NULL, "a repeated name is refused: %s", err);
  p = vt_params_from_numbers(NULL, NULL, 0, err, sizeof err);
  CHECK(p && p->n == 0, "an empty set is fine");
  vt_params_free(p);
}

/* (f) a module that does not load, and one that fails while running. */
static void test_broken(void) {
  char dir[600], file[700];
  snprintf(dir, sizeof dir, "%s/test_simulate_bad_%ld", tmpdir, (long)getpid());
  char cmd[800];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
  CHECK(system(cmd) == 0, "temp folder %s", dir);
  snprintf(file, sizeof file, "%s/broken.lua", dir);
  static const char *const texts[2] = {
    "return module \"Broken\" { Initial = nonsense { } }\n",
    "return module \"Boom\" {\n"
    "  Initial = simple { chance(function(p) error(\"boom\") end, \"Terminal\", \"Terminal\") },\n"
    "  Terminal = terminal {},\n}\n",
  };
  static const char *const what[2] = { "does not load", "fails while running" };
  for (int k = 0; k < 2; k++) {
    CHECK(write_file(file, texts[k]) == 0, "broken module written");
    char *paths[1] = { file };
    vt_workload wl;
    vt_workload_init(&wl);
    vt_codematch *m = vt_measure_matcher(&wl);
    int64_t *v = calloc(vt_workload_size(&wl), sizeof *v);
    char err[2048] = "";
    vt_lsim_opts o = lopts(paths, 1, 20, 1, 2);
    int rc = vt_lsim_run(&o, NULL, &wl, m, v, NULL, err, sizeof err);
    CHECK(rc == -1 && strstr(err, file) != NULL, "a module that %s: -1 and a message naming the file: %s", what[k],
          err);
    free(v);
    vt_codematch_free(m);
    vt_workload_free(&wl);
  }
  unlink(file);
  rmdir(dir);
}

/* VT_LSIM_BENCH=1: lives per second, N = 2000, 1 and 2 threads, of the
** default modules and (VITAE_SHARED set) Synthea's. */
static void bench(const char *root) {
  const char *sh = getenv("VITAE_SHARED");
  char dirs[2][600];
  snprintf(dirs[0], sizeof dirs[0], "%s/modules", root);
  snprintf(dirs[1], sizeof dirs[1], "%s/synthea/modules", sh && *sh ? sh : "/work/shared");
  for (int k = 0; k < 2; k++) {
    char *paths[1] = { dirs[k] };
    wset w;
    if (wset_open(&w, paths, 1) != 0) continue;
    for (int t = 1; t <= 2; t++) {
      vt_lsim_opts o = lopts(paths, 1, 2000, 3, t);
      struct timespec a, b;
      clock_gettime(CLOCK_MONOTONIC, &a);
      int64_t *v = run(&o, NULL, &w, NULL, "bench");
      clock_gettime(CLOCK_MONOTONIC, &b);
      double s = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
      printf("# bench: %s, %d thread%s: 2000 lives in %.2f s, %.0f lives/s\n", dirs[k], t, t > 1 ? "s" : "", s,
             2000 / s);
      free(v);
    }
    wset_close(&w);
  }
}

int main(void) {
  const char *t = getenv("TMPROOT"), *r = getenv("VITAE_ROOT");
  snprintf(tmpdir, sizeof tmpdir, "%s", t && *t ? t : "/tmp");
  const char *root = r && *r ? r : ".";
  test_params();
  test_fixed_age();
  test_broken();
  test_default_modules(root);
  const char *b = getenv("VT_LSIM_BENCH");
  if (b && *b == '1') bench(root);
  return test_done();
}
