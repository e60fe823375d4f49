/*
** test_engine.c -- unit tests of the module interpreter (sim/engine.c):
** every GMF state type, transition kind and condition type, the GMF 2
** distributions, the delay "rewind", submodules, wellness encounters,
** deferred onsets, death, and determinism.
**
** The modules are in tests/fixtures/engine/.  Run from the repository root.
** Patients are simulated with a fixed age at a fixed reference date, so a
** module's timings are known relative to the patient's birth
** (e->p.rec.person.birth).  The native lifecycle also writes rows (module
** "lifecycle"), so rows are looked up by module name or by code.
*/
#include "sim/engine.h"
#include "sim/vtime.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIX "tests/fixtures/engine/"

static vt_time REF;   /* the reference date of every run: 2020-01-01 */

/* ---- helpers ---------------------------------------------------------- */

/* An engine for the modules under `p1` (and `p2`, may be NULL), patients
** aged `age` at REF.  NULL (with the message printed) on failure. */
static vt_engine *engine2(const char *p1, const char *p2, int age, uint64_t seed) {
  char a[512], b[512], err[2048];
  char *paths[2] = { a, b };
  snprintf(a, sizeof a, "%s", p1);
  if (p2) snprintf(b, sizeof b, "%s", p2);
  vt_sim_opts o = { seed, REF, age, age, 0, 0, { 0, 0 }, 0 };
  vt_engine *e = vt_engine_new(&o, paths, p2 ? 2 : 1, NULL, NULL, err, sizeof err);
  if (!e) printf("# cannot create an engine for %s: %s\n", p1, err);
  return e;
}

static vt_engine *engine(const char *path, int age) { return engine2(path, NULL, age, 20240611u); }

/* Simulate patients from `index` on until one has no natural death before
** the reference date (its timings are then those of the module alone).
** Returns that index, or -1 on an error. */
static int64_t sim_alive(vt_engine *e, int64_t index) {
  for (int64_t i = index; i < index + 200; i++) {
    if (vt_engine_simulate(e, i) != 0) { printf("# simulate %lld: %s\n", (long long)i, e->err); return -1; }
    if (e->p.natural_death == VT_NO_TIME) return i;
  }
  return -1;
}

static vt_time birth_of(const vt_engine *e) { return e->p.rec.person.birth; }

/* The first row whose code is `code`, or NULL. */
static const vt_row *row_code(const vt_engine *e, const char *code) {
  for (size_t i = 0; i < e->p.rec.nrows; i++) {
    const vt_row *r = &e->p.rec.rows[i];
    if (r->code && r->code->code && strcmp(r->code->code, code) == 0) return r;
  }
  return NULL;
}

static int count_code(const vt_engine *e, const char *code) {
  int n = 0;
  for (size_t i = 0; i < e->p.rec.nrows; i++) {
    const vt_row *r = &e->p.rec.rows[i];
    if (r->code && r->code->code && strcmp(r->code->code, code) == 0) n++;
  }
  return n;
}

/* The first row written by state `state` of module `module`, or NULL. */
static const vt_row *row_state(const vt_engine *e, const char *module, const char *state) {
  for (size_t i = 0; i < e->p.rec.nrows; i++) {
    const vt_row *r = &e->p.rec.rows[i];
    if (r->module && r->state && strcmp(r->module, module) == 0 && strcmp(r->state, state) == 0) return r;
  }
  return NULL;
}

/* The encounter row with per-patient id `id`, or NULL. */
static const vt_row *encounter_row(const vt_engine *e, int32_t id) {
  for (size_t i = 0; i < e->p.rec.nrows; i++) {
    const vt_row *r = &e->p.rec.rows[i];
    if (r->table == VT_T_ENCOUNTER && r->id == id) return r;
  }
  return NULL;
}

static int rows_of_module(const vt_engine *e, const char *module) {
  int n = 0;
  for (size_t i = 0; i < e->p.rec.nrows; i++)
    if (e->p.rec.rows[i].module && strcmp(e->p.rec.rows[i].module, module) == 0) n++;
  return n;
}

static const vt_value *attr(const vt_engine *e, const char *name) {
  vt_slot *s = vt_map_get(&e->p.attrs, name);
  return s ? &s->v : NULL;
}

static int attr_is_num(const vt_engine *e, const char *name, double x) {
  const vt_value *v = attr(e, name);
  return v && v->kind == VT_V_NUM && v->u.n == x;
}

static double attr_num(const vt_engine *e, const char *name) {
  const vt_value *v = attr(e, name);
  return v && v->kind == VT_V_NUM ? v->u.n : NAN;
}

/* 1 or 0 for a boolean attribute, -1 if absent or not a boolean. */
static int attr_bool(const vt_engine *e, const char *name) {
  const vt_value *v = attr(e, name);
  return v && v->kind == VT_V_BOOL ? (v->u.b != 0) : -1;
}

static int code_is(const vt_code *c, const char *code) { return c && c->code && strcmp(c->code, code) == 0; }
static int str_is(const char *s, const char *t) { return s && strcmp(s, t) == 0; }

/* When state `state` of the module at index `mod` was last entered. */
static vt_time entered(const vt_engine *e, int mod, const char *state) {
  const vt_module *m = e->ms.mods[mod];
  int si = vt_module_find_state(m, state);
  if (si == VT_NOSTATE) return VT_NO_TIME;
  return e->p.hist.entered[e->p.hist.offset[m->index] + si];
}

static long long days(vt_time t) { return (long long)(t / VT_MS_DAY); }

/* ---- state types -------------------------------------------------------- */

static void test_basics(void) {
  vt_engine *e = engine(FIX "basics.lua", 40);
  CHECK(e != NULL, "basics: the module loads");
  if (!e) return;
  int64_t i = sim_alive(e, 0);
  CHECK(i >= 0, "basics: a patient is simulated");
  vt_time b = birth_of(e);
  CHECK(e->p.runs[0].done, "Terminal: the module run is done");
  CHECK(entered(e, 0, "Initial") == b, "Initial: entered at birth");
  CHECK(entered(e, 0, "Plain") == b, "Simple: entered and left at once");
  CHECK(entered(e, 0, "Terminal") == b, "Terminal: reached at birth (no delay on the way)");
  CHECK(entered(e, 0, "Unreached") == VT_NO_TIME && !attr(e, "unreached"), "Terminal: nothing runs after it");
  CHECK(attr_is_num(e, "num", 7), "SetAttribute: a number");
  const vt_value *s = attr(e, "str");
  CHECK(s && s->kind == VT_V_STR && str_is(s->u.s, "abc"), "SetAttribute: a string");
  CHECK(attr_bool(e, "flag") == 1, "SetAttribute: a boolean");
  CHECK(attr_is_num(e, "fn", e->p.rec.person.gender == 'M' ? 1 : 2), "SetAttribute: a function of the patient");
  double d = attr_num(e, "drawn");
  CHECK(d >= 3 && d <= 4, "SetAttribute: a range draws within it (%g)", d);
  CHECK(attr_is_num(e, "both", 5), "SetAttribute: a distribution beside a value is drawn, as Synthea does (got %g)",
        attr_num(e, "both"));
  CHECK(attr(e, "gone") == NULL, "SetAttribute: no value clears the attribute");
  CHECK(attr_is_num(e, "count", -1), "Counter: +1 +1 -3 gives -1 (got %g)", attr_num(e, "count"));
  vt_engine_free(e);
}

static void test_delays(void) {
  vt_engine *e = engine(FIX "delays.lua", 40);
  CHECK(e != NULL, "delays: the module loads");
  if (!e) return;
  CHECK(sim_alive(e, 0) >= 0, "delays: a patient is simulated");
  vt_time b = birth_of(e);
  const vt_row *m1 = row_code(e, "1001"), *m2 = row_code(e, "1002"), *m3 = row_code(e, "1003");
  const vt_row *m4 = row_code(e, "1004"), *m5 = row_code(e, "1005");
  CHECK(m1 && m1->start == b + 10 * VT_MS_DAY,
        "Delay: the next state is entered at the delay's end (10 days), not at the weekly step (got day %lld)",
        m1 ? days(m1->start - b) : -1);
  CHECK(m1 && (m1->start - b) % VT_MS_WEEK != 0, "Delay: the rewound time is not a step time");
  CHECK(m2 && m2->start == b + 20 * VT_MS_DAY, "Delay: a second delay starts at the first one's end (day 20)");
  vt_time clock = (vt_time)attr_num(e, "clock");
  CHECK(clock == b + 20 * VT_MS_DAY,
        "Delay: a Lua function after a delay sees the rewound time as p.time (off by %lld ms)",
        (long long)(clock - (b + 20 * VT_MS_DAY)));
  CHECK(m3 && m3->start == b + 20 * VT_MS_DAY + 3 * VT_MS_HOUR, "Delay: a range low = high of 3 hours");
  CHECK(m4 && m4->start == b + 20 * VT_MS_DAY + 3 * VT_MS_HOUR + 2 * VT_MS_GMF_YEAR, "Delay: 2 years of 365 days (as Synthea)");
  /* the Guard is checked at each weekly step: it opens at the first step
  ** at which the patient is 30 */
  vt_time steps = 0;
  while (vt_time_age_years(b, b + steps * VT_MS_WEEK) < 30) steps++;
  CHECK(m5 && m5->start == b + steps * VT_MS_WEEK, "Guard: passes at the first weekly step at age 30");
  CHECK(e->p.runs[0].done, "Delay/Guard: the module reaches Terminal");
  vt_engine_free(e);
}

static void test_callsub(void) {
  vt_engine *e = engine(FIX "callsub", 40);
  CHECK(e != NULL, "CallSubmodule: the folder loads with its submodule");
  if (!e) return;
  CHECK(e->ms.ntop == 1 && e->ms.n == 2, "CallSubmodule: one top-level module and one submodule (%d, %d)",
        e->ms.ntop, e->ms.n);
  int h = vt_modset_find(&e->ms, "sub/helper");
  CHECK(h == 1 && e->ms.mods[h]->is_submodule && str_is(e->ms.mods[h]->name, "Helper"),
        "CallSubmodule: the submodule is resolved by path sub/helper");
  CHECK(sim_alive(e, 0) >= 0, "CallSubmodule: a patient is simulated");
  vt_time b = birth_of(e);
  const vt_row *before = row_code(e, "3001"), *in = row_code(e, "3002"), *after = row_code(e, "3003");
  CHECK(before && str_is(before->module, "Caller") && before->start == b, "CallSubmodule: the caller's row before the call");
  CHECK(in && str_is(in->module, "Helper") && str_is(in->state, "Mark"),
        "CallSubmodule: rows written in the submodule carry its name and state");
  CHECK(in && in->start == b + 3 * VT_MS_DAY, "CallSubmodule: the submodule's delay runs (3 days)");
  CHECK(after && str_is(after->module, "Caller") && str_is(after->state, "After"),
        "CallSubmodule: the caller continues after the submodule");
  CHECK(after && after->start == b + 3 * VT_MS_DAY, "CallSubmodule: the caller continues at the submodule's end time");
  CHECK(e->p.runs[0].done && e->p.runs[0].depth == 1, "CallSubmodule: the caller reaches its Terminal");
  vt_engine_free(e);
}

static void test_encounters(void) {
  vt_engine *e = engine(FIX "encounters.lua", 40);
  CHECK(e != NULL, "encounters: the module loads");
  if (!e) return;
  CHECK(sim_alive(e, 0) >= 0, "encounters: a patient is simulated");
  vt_time b = birth_of(e);
  const vt_row *visit = row_state(e, "Encounters", "Visit");
  const vt_row *later = row_code(e, "6001");
  CHECK(visit && visit->table == VT_T_ENCOUNTER && str_is(visit->text, "ambulatory") && code_is(visit->code, "6002"),
        "Encounter: class and code");
  CHECK(visit && visit->start == b + VT_MS_GMF_YEAR, "Encounter: starts when entered (after 1 year)");
  CHECK(visit && visit->stop != VT_NO_TIME && visit->stop >= visit->start, "EncounterEnd: the encounter is closed");
  CHECK(later && visit && later->start == visit->start && later->encounter == visit->id,
        "ConditionOnset target_encounter: recorded at that encounter, in it");
  CHECK(count_code(e, "6001") == 1, "ConditionOnset target_encounter: recorded once");
  CHECK(attr_bool(e, "before") == 0, "ConditionOnset target_encounter: not active before the encounter");
  CHECK(attr_bool(e, "after") == 1, "ConditionOnset target_encounter: active once the encounter began");
  const vt_row *onset = row_code(e, "4001"), *ed = row_state(e, "Encounters", "ED");
  const vt_row *fix = row_code(e, "4002"), *cast = row_code(e, "4003"), *out = row_code(e, "4004");
  vt_time t = b + 6 * VT_MS_GMF_YEAR;
  CHECK(onset && onset->start == t && onset->encounter == -1, "ConditionOnset: outside an encounter it has none");
  CHECK(ed && str_is(ed->text, "emergency") && code_is(ed->code, "50849002") && ed->start == t,
        "Encounter: emergency class, code and start");
  CHECK(ed && code_is(ed->reason, "4001"), "Encounter: reason is the code of the ConditionOnset state it names");
  CHECK(ed && visit && ed->id != visit->id, "Encounter: each encounter has its own id");
  /* the procedures last their durations (30 and 10-20 minutes) before the
  ** 2-day stay begins, as in Synthea */
  CHECK(ed && cast && ed->stop == cast->stop + 2 * VT_MS_DAY,
        "EncounterEnd: stop is when EncounterEnd ran (after the procedures and 2 days)");
  CHECK(fix && ed && fix->table == VT_T_PROCEDURE && fix->encounter == ed->id && fix->start == t,
        "Procedure: recorded in the open encounter");
  CHECK(fix && fix->stop == fix->start + 30 * VT_MS_MINUTE, "Procedure: duration 30 minutes gives stop");
  CHECK(fix && code_is(fix->reason, "4001"), "Procedure: reason");
  CHECK(cast && cast->stop >= cast->start + 10 * VT_MS_MINUTE && cast->stop <= cast->start + 20 * VT_MS_MINUTE,
        "Procedure: a 10-20 minute duration");
  CHECK(cast && cast->reason == NULL, "Procedure: no reason when none is given");
  CHECK(out && out->encounter == -1 && ed && out->start == ed->stop,
        "EncounterEnd: later rows belong to no encounter");
  const vt_row *ea = row_code(e, "4005"), *eb = row_code(e, "4006");
  CHECK(ea && eb && ea->stop == eb->start && eb->start == ea->start + VT_MS_DAY,
        "Encounter: a new encounter closes the module's open one");
  CHECK(eb && eb->stop == REF, "Encounter: one left open is closed at the end of the record");
  vt_engine_free(e);
}

static void test_wellness(void) {
  vt_engine *e = engine(FIX "wellness.lua", 40);
  CHECK(e != NULL, "wellness: the module loads");
  if (!e) return;
  CHECK(sim_alive(e, 0) >= 0, "wellness: a patient is simulated");
  vt_time b = birth_of(e), ready = b + 29 * VT_MS_GMF_YEAR;
  const vt_row *obs = row_code(e, "5001-1");
  CHECK(obs != NULL, "wellness Encounter: the module goes on after it");
  if (obs) {
    const vt_row *enc = encounter_row(e, obs->encounter);
    CHECK(enc && str_is(enc->module, "lifecycle") && str_is(enc->text, "wellness"),
          "wellness Encounter: rows carry the id of the lifecycle's wellness encounter");
    const vt_row *first = NULL;
    for (size_t i = 0; i < e->p.rec.nrows; i++) {
      const vt_row *r = &e->p.rec.rows[i];
      if (r->table == VT_T_ENCOUNTER && str_is(r->module, "lifecycle") && r->start >= ready &&
          (!first || r->start < first->start)) first = r;
    }
    CHECK(enc && first && enc == first, "wellness Encounter: joins the first scheduled visit after it is entered");
    CHECK(enc && obs->start == enc->start && obs->start > ready,
          "wellness Encounter: waits for the visit (%lld days after the delay)", (long long)days(obs->start - ready));
  }
  int own = 0;
  for (size_t i = 0; i < e->p.rec.nrows; i++)
    if (e->p.rec.rows[i].table == VT_T_ENCOUNTER && str_is(e->p.rec.rows[i].module, "Wellness")) own++;
  CHECK(own == 0, "wellness Encounter: writes no encounter of its own");
  vt_engine_free(e);
}

static void test_entries(void) {
  vt_engine *e = engine(FIX "entries.lua", 40);
  CHECK(e != NULL, "entries: the module loads");
  if (!e) return;
  CHECK(sim_alive(e, 0) >= 0, "entries: a patient is simulated");
  vt_time b = birth_of(e), t1 = b + VT_MS_GMF_YEAR, t2 = t1 + 30 * VT_MS_DAY;
  const vt_row *visit = row_state(e, "Entries", "Visit");
  int32_t vid = visit ? visit->id : -2;
  const char *what[] = { "7001", "7002", "7003" };
  const char *how[] = { "condition_onset", "referenced_by_attribute", "codes" };
  for (int k = 0; k < 3; k++) {
    const vt_row *r = row_code(e, what[k]);
    CHECK(r && r->table == VT_T_CONDITION && r->start == t1 && r->encounter == vid,
          "ConditionOnset: condition %s recorded in the encounter", what[k]);
    CHECK(r && r->stop == t2, "ConditionEnd by %s: stop set 30 days later", how[k]);
  }
  const vt_row *a1 = row_code(e, "7101"), *a2 = row_code(e, "7102");
  CHECK(a1 && a1->table == VT_T_ALLERGY && str_is(a1->text, "allergy") && str_is(a1->category, "food") &&
        a1->start == t1 && a1->encounter == vid, "AllergyOnset: type, category, start, encounter");
  CHECK(a2 && str_is(a2->text, "intolerance"), "AllergyOnset: allergy_type intolerance");
  CHECK(a1 && a1->stop == t2, "AllergyEnd by allergy_onset");
  CHECK(a2 && a2->stop == t2, "AllergyEnd by codes");
  const vt_row *m = row_code(e, "7201");
  CHECK(m && m->table == VT_T_MEDICATION && m->start == t1 && m->encounter == vid, "MedicationOrder: recorded");
  CHECK(m && code_is(m->reason, "7001"), "MedicationOrder: reason is the ConditionOnset state's condition");
  CHECK(m && m->aux == 1, "MedicationOrder: chronic");
  CHECK(m && m->stop == t2, "MedicationEnd by medication_order");
  const vt_row *cp = row_code(e, "7301");
  CHECK(cp && cp->table == VT_T_CAREPLAN && cp->start == t1 && cp->id == 0 && code_is(cp->reason, "7002"),
        "CarePlanStart: recorded with id and reason");
  CHECK(cp && cp->stop == t2, "CarePlanEnd by referenced_by_attribute");
  CHECK(attr_bool(e, "mid") == 1, "entries: all active while started (p:has_* sees them)");
  CHECK(attr_bool(e, "still") == 0, "entries: none active once ended");
  for (int k = 0; k < VT_ACT__COUNT; k++)
    CHECK(e->p.active[k].n == 0, "entries: active list %d is empty at the end", k);
  vt_engine_free(e);
}

static void test_values(void) {
  vt_engine *e = engine(FIX "values.lua", 40);
  CHECK(e != NULL, "values: the module loads");
  if (!e) return;
  CHECK(sim_alive(e, 0) >= 0, "values: a patient is simulated");
  vt_time t = birth_of(e) + 2 * VT_MS_GMF_YEAR;
  const vt_row *visit = row_state(e, "Values", "Visit");
  int32_t vid = visit ? visit->id : -2;
  const vt_row *o1 = row_code(e, "8001-1");
  CHECK(o1 && o1->table == VT_T_OBSERVATION && o1->value_type == VT_OBS_NUMERIC && o1->value == 4.5 &&
        str_is(o1->units, "mg/dL") && str_is(o1->category, "laboratory") && o1->start == t && o1->encounter == vid,
        "Observation exact: value, unit, category, time, encounter");
  const vt_row *o2 = row_code(e, "8002-2");
  CHECK(o2 && o2->value >= 10 && o2->value <= 11, "Observation range: within [10, 11]");
  const vt_row *o3 = row_code(e, "8003-3");
  CHECK(o3 && o3->value_type == VT_OBS_NUMERIC && o3->value == 12.5, "Observation attribute: the attribute's value");
  const vt_row *o4 = row_code(e, "8004-4");
  CHECK(o4 && o4->value == 88, "Observation vital_sign: the vital sign's value");
  const vt_row *o5 = row_code(e, "8005-5");
  CHECK(o5 && o5->value_type == VT_OBS_TEXT && str_is(o5->text, e->p.rec.person.gender == 'M' ? "male" : "female"),
        "Observation value function: a text value");
  const vt_row *o6 = row_code(e, "8006-6");
  CHECK(o6 && o6->value_type == VT_OBS_TEXT && str_is(o6->text, "Yes"), "Observation value_code: the code's display");
  const vt_row *o7 = row_code(e, "8007-7");
  CHECK(o7 && o7->value_type == VT_OBS_NUMERIC && o7->value == 9, "Observation value function: reads p:observation");
  CHECK(attr_is_num(e, "pulse", 88), "VitalSign: p:vital sees the value set");
  vt_slot *cough = vt_map_get2(&e->p.symptoms, "Cough", "Cold");
  CHECK(cough && cough->v.kind == VT_V_NUM && cough->v.u.n == 40, "Symptom: severity stored by symptom and cause");
  CHECK(attr_is_num(e, "cough", 40), "Symptom: p:symptom sees it");
  const vt_row *vac = row_code(e, "140");
  CHECK(vac && vac->table == VT_T_IMMUNIZATION && vac->aux == 2 && vac->start == t && vac->encounter == vid,
        "Vaccine: immunization row with its series");
  vt_engine_free(e);
}

static void test_death(void) {
  vt_engine *e = engine(FIX "death.lua", 40);
  CHECK(e != NULL, "death: the module loads");
  if (!e) return;
  CHECK(sim_alive(e, 0) >= 0, "death: a patient is simulated");
  vt_time b = birth_of(e), d = b + 5 * VT_MS_GMF_YEAR;
  CHECK(e->p.rec.person.death == d, "Death: death date is when the state ran");
  CHECK(!e->p.alive, "Death: the patient is dead");
  CHECK(code_is(e->p.rec.person.death_cause, "9001"), "Death: cause from codes");
  CHECK(row_code(e, "9003") == NULL, "Death: the module stops");
  int late = 0, open = 0;
  for (size_t i = 0; i < e->p.rec.nrows; i++) {
    const vt_row *r = &e->p.rec.rows[i];
    if (r->start > d) late++;
    if (r->stop != VT_NO_TIME && r->stop > d) open++;
  }
  CHECK(late == 0, "Death: no row after death (%d found)", late);
  CHECK(open == 0, "Death: nothing stops after death (%d found)", open);
  const vt_row *med = row_code(e, "9002"), *visit = row_state(e, "Death", "Visit");
  CHECK(med && med->stop == d, "Death: an open medication stops at death");
  CHECK(visit && visit->stop == d, "Death: the open encounter ends at death");
  vt_engine_free(e);

  e = engine(FIX "death_delayed.lua", 40);
  CHECK(e != NULL, "delayed death: the module loads");
  if (!e) return;
  CHECK(sim_alive(e, 0) >= 0, "delayed death: a patient is simulated");
  b = birth_of(e);
  d = b + 7 * VT_MS_GMF_YEAR;
  CHECK(e->p.rec.person.death == d, "Death with exact 2 years: dies 2 years after the state");
  CHECK(code_is(e->p.rec.person.death_cause, "9101"), "Death: cause from condition_onset");
  const vt_row *m1 = row_code(e, "9102");
  CHECK(m1 && m1->start == b + 6 * VT_MS_GMF_YEAR, "Death with a delay: the module goes on meanwhile");
  CHECK(row_code(e, "9103") == NULL, "Death with a delay: nothing after the death date");
  late = 0;
  for (size_t i = 0; i < e->p.rec.nrows; i++) if (e->p.rec.rows[i].start > d) late++;
  CHECK(late == 0, "Death with a delay: no row after death (%d found)", late);
  vt_engine_free(e);
}

/* ---- transitions ---------------------------------------------------------- */

static void test_transitions(void) {
  vt_engine *e = engine(FIX "transitions.lua", 1);
  CHECK(e != NULL, "transitions: the module loads");
  if (!e) return;
  enum { N = 1000 };
  int n = 0, dist[4] = {0}, left[3] = {0}, attr1 = 0, dflt1 = 0, males = 0, male_x1 = 0;
  int fn_ok = 0, first_ok = 0, none_ok = 0, complex_ok = 0, cnone_ok = 0;
  for (int i = 0; i < N; i++) {
    if (vt_engine_simulate(e, i) != 0) { printf("# %s\n", e->err); break; }
    if (!attr(e, "cnone")) continue;     /* died at birth */
    n++;
    int male = e->p.rec.person.gender == 'M';
    int v = (int)attr_num(e, "dist");
    if (v >= 1 && v <= 3) dist[v]++;
    v = (int)attr_num(e, "left");
    if (v >= 1 && v <= 2) left[v]++;
    fn_ok += attr_is_num(e, "fn", male ? 1 : 2);
    attr1 += attr_is_num(e, "attr", 1);
    dflt1 += attr_is_num(e, "dflt", 1);
    first_ok += attr_is_num(e, "first", 1);
    none_ok += attr_is_num(e, "none", 2);
    cnone_ok += attr_is_num(e, "cnone", 2);
    if (male) {
      males++;
      male_x1 += attr_is_num(e, "complex", 1);
      complex_ok += attr_is_num(e, "complex", 1) || attr_is_num(e, "complex", 2);
    } else complex_ok += attr_is_num(e, "complex", 3);
  }
  CHECK(n > N * 9 / 10, "transitions: %d of %d patients simulated", n, N);
  if (n == 0) n = 1;
  CHECK_NEAR((double)dist[1] / n, 0.2, 0.04, "distributed: option 1 at 0.2 (%.3f)", (double)dist[1] / n);
  CHECK_NEAR((double)dist[2] / n, 0.5, 0.04, "distributed: option 2 at 0.5 (%.3f)", (double)dist[2] / n);
  CHECK_NEAR((double)dist[3] / n, 0.3, 0.04, "distributed: option 3 at 0.3 (%.3f)", (double)dist[3] / n);
  CHECK_NEAR((double)left[2] / n, 0.8, 0.04, "distributed: leftover goes to the last option (%.3f, want 0.8)",
             (double)left[2] / n);
  CHECK(fn_ok == n, "distributed: function-valued probability (%d of %d)", fn_ok, n);
  CHECK_NEAR((double)attr1 / n, 0.9, 0.03, "distributed: probability from an attribute (%.3f, want 0.9)",
             (double)attr1 / n);
  CHECK_NEAR((double)dflt1 / n, 0.1, 0.03, "distributed: attribute default when unset (%.3f, want 0.1)",
             (double)dflt1 / n);
  CHECK(first_ok == n, "conditional: the first true condition wins (%d of %d)", first_ok, n);
  CHECK(none_ok == n, "conditional: none true takes the last option (%d of %d)", none_ok, n);
  CHECK(complex_ok == n, "complex: the option of the true condition (%d of %d)", complex_ok, n);
  CHECK(males > 0 && fabs((double)male_x1 / males - 0.25) < 0.05,
        "complex: distributions within an option (%.3f, want 0.25)", males ? (double)male_x1 / males : 0.0);
  CHECK(cnone_ok == n, "complex: none true takes the last option (%d of %d)", cnone_ok, n);
  vt_engine_free(e);
}

/* ---- conditions ----------------------------------------------------------- */

enum { E_FALSE, E_TRUE, E_MALE, E_FEMALE, E_WHITE, E_BLACK, E_HIGH, E_MIDDLE, E_LOW, E_YEAR_2009 };

static const struct { const char *name; int want; } COND_CHECKS[] = {
  {"gender_m", E_MALE}, {"gender_f", E_FEMALE},
  {"age_ge_30", E_TRUE}, {"age_gt_30", E_FALSE}, {"age_lt_30", E_FALSE}, {"age_le_30", E_TRUE},
  {"age_eq_360_months", E_TRUE}, {"age_gt_1500_weeks", E_TRUE}, {"age_lt_11000_days", E_TRUE},
  {"year_ge_2005", E_TRUE}, {"year_lt_2005", E_FALSE}, {"year_eq_2009", E_YEAR_2009},
  {"date_after_2000", E_TRUE}, {"date_before_2000", E_FALSE},
  {"race_white", E_WHITE}, {"race_black", E_BLACK},
  {"ses_high", E_HIGH}, {"ses_middle", E_MIDDLE}, {"ses_low", E_LOW},
  {"n_lt_6", E_TRUE}, {"n_lt_5", E_FALSE}, {"n_le_5", E_TRUE}, {"n_le_4", E_FALSE},
  {"n_eq_5", E_TRUE}, {"n_eq_4", E_FALSE}, {"n_ge_5", E_TRUE}, {"n_ge_6", E_FALSE},
  {"n_gt_4", E_TRUE}, {"n_gt_5", E_FALSE}, {"n_ne_4", E_TRUE}, {"n_ne_5", E_FALSE},
  {"s_eq_abc", E_TRUE}, {"s_eq_abd", E_FALSE}, {"s_ne_abc", E_FALSE},
  {"b_eq_true", E_TRUE}, {"b_eq_false", E_FALSE},
  {"missing_is_nil", E_TRUE}, {"n_is_nil", E_FALSE}, {"n_is_not_nil", E_TRUE}, {"missing_is_not_nil", E_FALSE},
  {"missing_eq_5", E_FALSE},
  {"cough_ge_50", E_TRUE}, {"cough_lt_50", E_FALSE}, {"pain_eq_0", E_TRUE},
  {"obs_gt_7", E_TRUE}, {"obs_eq_7_5", E_TRUE}, {"obs_lt_7", E_FALSE}, {"obs_other_is_nil", E_TRUE},
  {"obs_is_not_nil", E_TRUE},
  {"hr_eq_88", E_TRUE}, {"hr_gt_100", E_FALSE}, {"vital_unknown_is_nil", E_TRUE},
  {"cond_code", E_TRUE}, {"cond_other", E_FALSE}, {"cond_attr", E_TRUE},
  {"med_code", E_TRUE}, {"med_other", E_FALSE}, {"med_attr", E_TRUE},
  {"cp_code", E_TRUE}, {"cp_attr", E_TRUE}, {"cp_other", E_FALSE},
  {"allergy_code", E_TRUE}, {"allergy_attr", E_TRUE}, {"allergy_other", E_FALSE},
  {"prior_first", E_TRUE}, {"prior_unreached", E_FALSE},
  {"prior_first_within_1y", E_FALSE}, {"prior_first_within_31y", E_TRUE}, {"prior_setup_within_1d", E_TRUE},
  {"prior_first_since_setup", E_FALSE}, {"prior_setup_since_first", E_TRUE},
  {"and_tt", E_TRUE}, {"and_tf", E_FALSE}, {"or_ft", E_TRUE}, {"or_ff", E_FALSE},
  {"not_f", E_TRUE}, {"not_t", E_FALSE},
  {"at_least_2", E_TRUE}, {"at_least_3", E_FALSE}, {"at_most_1", E_FALSE}, {"at_most_2", E_TRUE},
  {"true", E_TRUE}, {"false", E_FALSE}, {"nested", E_FALSE},
  {"lua_true", E_TRUE}, {"lua_false", E_FALSE}, {"lua_nil", E_FALSE}, {"lua_condition", E_TRUE},
};
#define NCOND ((int)(sizeof COND_CHECKS / sizeof COND_CHECKS[0]))

static int expected(const vt_engine *e, int want) {
  const vt_person_row *pr = &e->p.rec.person;
  vt_time t0 = pr->birth + 30 * VT_MS_GMF_YEAR;
  switch (want) {
    case E_TRUE: return 1;
    case E_MALE: return pr->gender == 'M';
    case E_FEMALE: return pr->gender == 'F';
    case E_WHITE: return pr->race && strcasecmp(pr->race, "white") == 0;
    case E_BLACK: return pr->race && strcasecmp(pr->race, "black") == 0;
    case E_HIGH: return pr->ses && strcasecmp(pr->ses, "High") == 0;
    case E_MIDDLE: return pr->ses && strcasecmp(pr->ses, "Middle") == 0;
    case E_LOW: return pr->ses && strcasecmp(pr->ses, "Low") == 0;
    case E_YEAR_2009: return vt_time_year(t0) == 2009;
    default: return 0;
  }
}

static void test_conditions(void) {
  vt_engine *e = engine(FIX "conditions.lua", 40);
  CHECK(e != NULL, "conditions: the module loads");
  if (!e) return;
  enum { N = 60 };
  int bad[NCOND] = {0}, seen_true[NCOND] = {0}, seen_false[NCOND] = {0}, n = 0;
  for (int i = 0; i < N; i++) {
    if (vt_engine_simulate(e, i) != 0) { printf("# %s\n", e->err); break; }
    if (e->p.natural_death != VT_NO_TIME) continue;
    n++;
    for (int k = 0; k < NCOND; k++) {
      int got = attr_bool(e, COND_CHECKS[k].name), want = expected(e, COND_CHECKS[k].want);
      if (got != want) bad[k]++;
      if (got == 1) seen_true[k]++;
      if (got == 0) seen_false[k]++;
    }
  }
  CHECK(n > N / 2, "conditions: %d patients simulated", n);
  for (int k = 0; k < NCOND; k++)
    CHECK(bad[k] == 0, "condition %s as expected (%d wrong of %d; true %d, false %d)", COND_CHECKS[k].name, bad[k], n,
          seen_true[k], seen_false[k]);
  /* the demographic conditions were seen both ways over the patients */
  const char *both[] = { "gender_m", "race_white" };
  for (int j = 0; j < 2; j++)
    for (int k = 0; k < NCOND; k++)
      if (strcmp(COND_CHECKS[k].name, both[j]) == 0)
        CHECK(seen_true[k] > 0 && seen_false[k] > 0, "condition %s was both true and false over the patients", both[j]);
  vt_engine_free(e);
}

/* ---- GMF 2 distributions ---------------------------------------------- */

static void test_distributions(void) {
  vt_engine *e = engine(FIX "distributions", 1);
  CHECK(e != NULL, "distributions: the four modules load");
  if (!e) return;
  CHECK(e->ms.ntop == 4, "distributions: four top-level modules (%d)", e->ms.ntop);
  enum { N = 1000 };
  const char *codes[4] = { "2001", "2002", "2003", "2004" };   /* exact, uniform, gaussian, exponential */
  double sum[4] = {0}, sum2[4] = {0}, lo[4], hi[4];
  int n[4] = {0}, exact_ok = 0;
  for (int k = 0; k < 4; k++) { lo[k] = 1e300; hi[k] = -1e300; }
  for (int i = 0; i < N; i++) {
    if (vt_engine_simulate(e, i) != 0) { printf("# %s\n", e->err); break; }
    for (int k = 0; k < 4; k++) {
      const vt_row *r = row_code(e, codes[k]);
      if (!r) continue;
      double d = (double)(r->start - birth_of(e)) / (double)VT_MS_DAY;
      n[k]++; sum[k] += d; sum2[k] += d * d;
      if (d < lo[k]) lo[k] = d;
      if (d > hi[k]) hi[k] = d;
      if (k == 0 && r->start - birth_of(e) == 12 * VT_MS_DAY) exact_ok++;
    }
  }
  double mean[4], sd[4];
  for (int k = 0; k < 4; k++) {
    int m = n[k] ? n[k] : 1;
    mean[k] = sum[k] / m;
    sd[k] = sqrt(fmax(0, sum2[k] / m - mean[k] * mean[k]));
  }
  CHECK(n[0] > N * 9 / 10 && exact_ok == n[0], "EXACT: every delay is 12 days (%d of %d)", exact_ok, n[0]);
  CHECK(n[1] > N * 9 / 10 && lo[1] >= 10 && hi[1] <= 20, "UNIFORM: delays within [10, 20] days (%.2f..%.2f)", lo[1], hi[1]);
  CHECK_NEAR(mean[1], 15, 0.5, "UNIFORM: mean 15 days (%.2f)", mean[1]);
  CHECK_NEAR(sd[1], 10 / sqrt(12), 0.3, "UNIFORM: sd %.2f days (%.2f)", 10 / sqrt(12), sd[1]);
  CHECK_NEAR(mean[2], 30, 0.6, "GAUSSIAN: mean 30 days (%.2f)", mean[2]);
  CHECK_NEAR(sd[2], 5, 0.5, "GAUSSIAN: sd 5 days (%.2f)", sd[2]);
  CHECK(n[3] > N * 9 / 10 && lo[3] >= 1.0, "EXPONENTIAL: shifted by +1, no delay under 1 day (min %.3f)", lo[3]);
  CHECK_NEAR(mean[3], 11, 0.9, "EXPONENTIAL: mean 10 + 1 days (%.2f)", mean[3]);
  vt_engine_free(e);
}

/* ---- determinism ----------------------------------------------------------- */

typedef struct snap_row {
  int table, value_type;
  int32_t id, encounter, aux;
  vt_time start, stop;
  double value;
  char code[40], module[40], state[40], text[40];
} snap_row;

typedef struct snap { vt_time birth, death; char gender; size_t n; snap_row *rows; } snap;

static void copy_str(char *dst, size_t n, const char *s) { snprintf(dst, n, "%s", s ? s : "(null)"); }

/* Copy patient `e->p.rec` into s (rows and the fields compared). */
static void take_snap(const vt_engine *e, snap *s) {
  const vt_record *rec = &e->p.rec;
  s->birth = rec->person.birth; s->death = rec->person.death; s->gender = rec->person.gender;
  s->n = rec->nrows;
  s->rows = calloc(rec->nrows ? rec->nrows : 1, sizeof *s->rows);
  if (!s->rows) { s->n = 0; return; }
  for (size_t i = 0; i < rec->nrows; i++) {
    const vt_row *r = &rec->rows[i];
    snap_row *o = &s->rows[i];
    o->table = r->table; o->value_type = r->value_type; o->id = r->id; o->encounter = r->encounter; o->aux = r->aux;
    o->start = r->start; o->stop = r->stop; o->value = r->value;
    copy_str(o->code, sizeof o->code, r->code ? r->code->code : NULL);
    copy_str(o->module, sizeof o->module, r->module);
    copy_str(o->state, sizeof o->state, r->state);
    copy_str(o->text, sizeof o->text, r->text);
  }
}

/* 1 if both snapshots hold the same patient. */
static int same_snap(const snap *a, const snap *b) {
  if (a->birth != b->birth || a->death != b->death || a->gender != b->gender || a->n != b->n) return 0;
  for (size_t i = 0; i < a->n; i++) {
    const snap_row *x = &a->rows[i], *y = &b->rows[i];
    if (x->table != y->table || x->value_type != y->value_type || x->id != y->id || x->encounter != y->encounter ||
        x->aux != y->aux || x->start != y->start || x->stop != y->stop || x->value != y->value ||
        strcmp(x->code, y->code) || strcmp(x->module, y->module) || strcmp(x->state, y->state) ||
        strcmp(x->text, y->text)) return 0;
  }
  return 1;
}

static void test_determinism(void) {
  vt_engine *e1 = engine2(FIX "values.lua", "tests/fixtures/modules/basic.lua", 40, 77);
  vt_engine *e2 = engine2(FIX "values.lua", "tests/fixtures/modules/basic.lua", 40, 77);
  vt_engine *e3 = engine2(FIX "values.lua", "tests/fixtures/modules/basic.lua", 40, 78);
  CHECK(e1 && e2 && e3, "determinism: the engines load");
  if (e1 && e2 && e3) {
    snap a = {0}, b = {0}, c = {0}, d = {0}, f = {0};
    int ok = vt_engine_simulate(e1, 3) == 0;
    take_snap(e1, &a);
    ok &= vt_engine_simulate(e1, 4) == 0;
    take_snap(e1, &c);
    ok &= vt_engine_simulate(e1, 3) == 0;          /* again, after another patient */
    take_snap(e1, &b);
    ok &= vt_engine_simulate(e2, 3) == 0;          /* in a fresh engine */
    take_snap(e2, &d);
    ok &= vt_engine_simulate(e3, 3) == 0;          /* another seed */
    take_snap(e3, &f);
    CHECK(ok, "determinism: the patients are simulated");
    CHECK(a.n > 20, "determinism: the patient has rows (%zu)", a.n);
    CHECK(same_snap(&a, &b), "determinism: same seed and index give identical rows (same engine)");
    CHECK(same_snap(&a, &d), "determinism: same seed and index give identical rows (another engine)");
    CHECK(!same_snap(&a, &c), "determinism: another index gives another patient");
    CHECK(!same_snap(&a, &f), "determinism: another seed gives another patient");
    free(a.rows); free(b.rows); free(c.rows); free(d.rows); free(f.rows);
  }
  vt_engine_free(e1);
  vt_engine_free(e2);
  vt_engine_free(e3);
}

/* The engine owns the rows of one patient at a time: a second patient
** starts from a clean slate (attributes, actives, record). */
static void test_reset(void) {
  vt_engine *e = engine(FIX "entries.lua", 40);
  CHECK(e != NULL, "reset: the module loads");
  if (!e) return;
  int ok = vt_engine_simulate(e, 0) == 0;
  size_t n0 = e->p.rec.nrows;
  ok &= vt_engine_simulate(e, 1) == 0;
  ok &= vt_engine_simulate(e, 0) == 0;
  CHECK(ok && e->p.rec.nrows == n0, "reset: a patient simulated again has the same number of rows");
  CHECK(rows_of_module(e, "Entries") == 8 || e->p.natural_death != VT_NO_TIME,
        "reset: the module's rows are not accumulated across patients (%d)", rows_of_module(e, "Entries"));
  vt_engine_free(e);
}

int main(void) {
  REF = vt_time_from_date(2020, 1, 1);
  test_basics();
  test_delays();
  test_callsub();
  test_encounters();
  test_wellness();
  test_entries();
  test_values();
  test_death();
  test_transitions();
  test_conditions();
  test_distributions();
  test_determinism();
  test_reset();
  return test_done();
}
