/*
** test_window.c -- observation windows (sim/window.c): the whole life
** changes nothing; --history-years keeps the last N calendar years;
** random windows are reproducible, inside the life, of the documented
** length; cutting a record keeps events inside, carries active entries in,
** leaves outliving entries open, closes encounters at the end, drops
** references to dropped encounters, and forgets a death after the window;
** random windows do not depend on the death date: they are stopped at it,
** and a death before the window's start leaves it empty (no rows, no
** death); whole-life and history windows are never empty.
*/
#include <stdlib.h>

#include "sim/record.h"
#include "sim/vtime.h"
#include "sim/window.h"
#include "test.h"

static const vt_code C = {"SNOMED-CT", "1", "x"};

static vt_time D(int y, int m, int d) { return vt_time_from_date(y, m, d); }

/* Add a row of `table` from start to stop in encounter enc. */
static vt_row *add(vt_record *r, vt_table table, vt_time start, vt_time stop, int32_t enc) {
  size_t i = vt_record_add(r, table);
  vt_row *row = &r->rows[i];
  row->start = start;
  row->stop = stop;
  row->encounter = enc;
  row->code = &C;
  row->id = -1;
  return row;
}

/* A life 1950-2020 (death 2020-06-01) with rows before, across and in the
** last 10 years. */
static void build(vt_record *r) {
  vt_record_reset(r);
  r->person.index = 7;
  r->person.birth = D(1950, 3, 1);
  r->person.death = D(2020, 6, 1);
  vt_row *e0 = add(r, VT_T_ENCOUNTER, D(1990, 1, 1), D(1990, 1, 2), -1); e0->id = 0;
  vt_row *e1 = add(r, VT_T_ENCOUNTER, D(2015, 1, 1), D(2015, 1, 1) + VT_MS_HOUR, -1); e1->id = 1;
  r->nencounters = 2;
  add(r, VT_T_CONDITION, D(1990, 1, 1), VT_NO_TIME, 0);            /* chronic, still active */
  add(r, VT_T_CONDITION, D(1990, 1, 1), D(1991, 1, 1), 0);         /* resolved long ago */
  add(r, VT_T_MEDICATION, D(2005, 1, 1), D(2012, 1, 1), -1);       /* active when a 2010 window opens */
  add(r, VT_T_OBSERVATION, D(1990, 1, 1), VT_NO_TIME, 0);          /* an old measurement */
  add(r, VT_T_OBSERVATION, D(2015, 1, 1), VT_NO_TIME, 1);          /* a recent one */
  add(r, VT_T_PROCEDURE, D(2015, 1, 1), D(2015, 1, 1) + VT_MS_HOUR, 1);
}

static int count(const vt_record *r, vt_table t) {
  int n = 0;
  for (size_t i = 0; i < r->nrows; i++) n += r->rows[i].table == t;
  return n;
}

static void test_whole_life(void) {
  vt_record r;
  vt_record_init(&r);
  build(&r);
  size_t n = r.nrows;
  vt_window_opts o = { 0, VT_OBS_FULL };
  vt_window_choose(&r, &o, 1, 7, D(2024, 1, 1));
  CHECK(r.person.obs_start == r.person.birth && r.person.obs_end == r.person.death && !r.person.obs_cut,
        "whole life: the window is birth to death");
  vt_window_apply(&r);
  CHECK(r.nrows == n && r.person.death == D(2020, 6, 1), "whole life: the record is unchanged");
  vt_record_free(&r);
}

static void test_history_years(void) {
  vt_record r;
  vt_record_init(&r);
  build(&r);
  vt_window_opts o = { 10, VT_OBS_FULL };
  vt_window_choose(&r, &o, 1, 7, D(2024, 1, 1));
  CHECK(r.person.obs_start == D(2010, 6, 1) && r.person.obs_end == D(2020, 6, 1) && r.person.obs_cut,
        "history 10 years: the window is the last 10 calendar years of the life");
  vt_window_apply(&r);
  CHECK(count(&r, VT_T_ENCOUNTER) == 1 && count(&r, VT_T_OBSERVATION) == 1 && count(&r, VT_T_PROCEDURE) == 1,
        "history: events before the window are dropped, events inside kept");
  CHECK(count(&r, VT_T_CONDITION) == 1, "history: a resolved old condition is dropped, an active one kept");
  int carried = 0, inside_ok = 1;
  for (size_t i = 0; i < r.nrows; i++) {
    const vt_row *row = &r.rows[i];
    if (row->start < r.person.obs_start || row->start > r.person.obs_end) inside_ok = 0;
    if (row->table == VT_T_CONDITION && row->start == D(2010, 6, 1) && row->encounter == -1) carried++;
    if (row->table == VT_T_MEDICATION && row->start == D(2010, 6, 1) && row->stop == D(2012, 1, 1)) carried++;
    if (row->table == VT_T_OBSERVATION && row->encounter != 1) inside_ok = 0;
  }
  CHECK(carried == 2, "history: active entries are first recorded at the window's start, in no encounter");
  CHECK(inside_ok, "history: every row starts inside the window and keeps its kept encounter");
  CHECK(r.person.death == D(2020, 6, 1), "history: a death at the window's end is kept");
  vt_record_free(&r);
}

static void test_cut_end(void) {
  vt_record r;
  vt_record_init(&r);
  build(&r);
  r.person.obs_start = D(1989, 1, 1);
  r.person.obs_end = D(1990, 1, 1) + 12 * VT_MS_HOUR;   /* ends during encounter 0 */
  r.person.obs_cut = 1;
  vt_window_apply(&r);
  int enc_closed = 0, cond_open = 0, later = 0;
  for (size_t i = 0; i < r.nrows; i++) {
    const vt_row *row = &r.rows[i];
    if (row->table == VT_T_ENCOUNTER && row->stop == r.person.obs_end) enc_closed++;
    if (row->table == VT_T_CONDITION && row->stop == VT_NO_TIME) cond_open++;
    if (row->start > r.person.obs_end) later++;
  }
  CHECK(enc_closed == 1, "window end: an encounter running past it is closed at it");
  CHECK(cond_open == 2, "window end: a condition that resolves after it is left open");
  CHECK(later == 0, "window end: nothing after it is kept");
  CHECK(r.person.death == VT_NO_TIME, "window end: a death after the window is not known");
  vt_record_free(&r);
}

static void test_random(void) {
  vt_record r;
  vt_record_init(&r);
  vt_window_opts o = { 0, VT_OBS_RANDOM };
  enum { N = 4000 };
  double *len = malloc(sizeof *len * N);
  int inside = 1, same = 1, open_end = 0;
  for (int i = 0; i < N; i++) {
    vt_record_reset(&r);
    r.person.birth = D(1940, 1, 1) + (vt_time)i * VT_MS_DAY;
    r.person.death = VT_NO_TIME;
    vt_window_choose(&r, &o, 42, i, D(2024, 1, 1));
    vt_time s = r.person.obs_start, e = r.person.obs_end;
    vt_window_choose(&r, &o, 42, i, D(2024, 1, 1));
    if (s != r.person.obs_start || e != r.person.obs_end) same = 0;
    if (s < r.person.birth || e > D(2024, 1, 1) || e - s < 30 * VT_MS_DAY) inside = 0;
    open_end += e == D(2024, 1, 1);
    len[i] = (double)(e - s) / (double)VT_MS_YEAR;
  }
  CHECK(same, "random: the same seed and patient give the same window");
  CHECK(inside, "random: windows lie within the life and last at least 30 days");
  /* median of the lengths (lives are 40-84 years, so few are capped) */
  int below = 0;
  for (int i = 0; i < N; i++) below += len[i] < 4.0;
  CHECK(below > N * 0.46 && below < N * 0.54, "random: median length about 4 years (%d of %d below)", below, N);
  CHECK(open_end > N * 0.57 && open_end < N * 0.63, "random: about 60%% run to the end of the record (%d of %d)",
        open_end, N);
  vt_record_reset(&r);
  r.person.birth = D(1940, 1, 1);
  r.person.death = VT_NO_TIME;
  vt_window_choose(&r, &o, 43, 0, D(2024, 1, 1));
  vt_time other = r.person.obs_start;
  vt_window_choose(&r, &o, 42, 0, D(2024, 1, 1));
  CHECK(other != r.person.obs_start, "random: another seed gives another window");
  free(len);
  vt_record_free(&r);
}

/* The random window of patient i (seed 42, born 1940-01-01 + i days, end
** 2024-01-01) for death `death`, into *s, *e. */
static void window_for(vt_record *r, int i, vt_time death, vt_time *s, vt_time *e) {
  vt_window_opts o = { 0, VT_OBS_RANDOM };
  vt_record_reset(r);
  r->person.birth = D(1940, 1, 1) + (vt_time)i * VT_MS_DAY;
  r->person.death = death;
  vt_window_choose(r, &o, 42, i, D(2024, 1, 1));
  *s = r->person.obs_start;
  *e = r->person.obs_end;
}

static void test_random_death(void) {
  vt_record r;
  vt_record_init(&r);
  enum { N = 2000 };
  int same_start = 1, stopped = 1, empty_ok = 1, nonempty_ok = 1, nempty = 0, ninside = 0, nalive_same = 1;
  for (int i = 0; i < N; i++) {
    vt_time s0, e0, s1, e1, s2, e2;
    window_for(&r, i, VT_NO_TIME, &s0, &e0);
    if (vt_window_empty(&r.person)) nonempty_ok = 0;
    /* a death in the middle of the window, and one a day before its end */
    vt_time mid = s0 + (e0 - s0) / 2;
    window_for(&r, i, mid, &s1, &e1);
    if (s1 != s0 || e1 != mid || vt_window_empty(&r.person)) stopped = 0;
    window_for(&r, i, e0 - VT_MS_DAY, &s2, &e2);
    if (s2 != s0) same_start = 0;
    /* a death after the end: the same window as the living */
    window_for(&r, i, e0 + VT_MS_DAY, &s2, &e2);
    if (e0 < D(2024, 1, 1) && (s2 != s0 || e2 != e0)) nalive_same = 0;
    /* a death before the start: never observed */
    if (s0 > r.person.birth + VT_MS_DAY) {
      window_for(&r, i, s0 - VT_MS_DAY, &s2, &e2);
      if (!vt_window_empty(&r.person) || s2 != s0 || e2 != s0 - VT_MS_DAY || !r.person.obs_cut) empty_ok = 0;
      nempty++;
    }
    ninside += e0 - s0 > 2 * VT_MS_DAY;
  }
  CHECK(same_start, "random: two records differing only in a death after the start get the same window start");
  CHECK(stopped, "random: a death inside the window stops it at the death");
  CHECK(nalive_same, "random: a death after the window's end leaves the window as for the living");
  CHECK(nempty > N / 2 && empty_ok, "random: a death before the start gives an empty window (%d cases)", nempty);
  CHECK(nonempty_ok && ninside == N, "random: a living patient's window is never empty");

  /* cutting a record to an empty window keeps no row and no death */
  build(&r);
  r.person.obs_start = D(2021, 1, 1);
  r.person.obs_end = r.person.death;
  r.person.obs_cut = 1;
  CHECK(vt_window_empty(&r.person), "empty: a window ending before it starts is empty");
  vt_window_apply(&r);
  CHECK(r.nrows == 0 && r.person.death == VT_NO_TIME && r.person.death_cause == NULL,
        "empty: the record keeps no row and no death");

  /* whole life and history years are never empty, even with a death at birth */
  vt_window_opts full = { 0, VT_OBS_FULL }, hist = { 5, VT_OBS_FULL };
  vt_record_reset(&r);
  r.person.birth = r.person.death = D(2000, 1, 1);
  vt_window_choose(&r, &full, 1, 0, D(2024, 1, 1));
  CHECK(!vt_window_empty(&r.person) && !r.person.obs_cut, "whole life: a death at birth is a whole, not empty, window");
  vt_window_choose(&r, &hist, 1, 0, D(2024, 1, 1));
  CHECK(!vt_window_empty(&r.person), "history: a death at birth is not an empty window");
  vt_record_free(&r);
}

int main(void) {
  test_whole_life();
  test_history_years();
  test_cut_end();
  test_random();
  test_random_death();
  return test_done();
}
