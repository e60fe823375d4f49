/*
** engine.c -- the per-patient time loop and the module interpreter.
**
** Semantics follow Synthea's Generic Module Framework:
** - time advances in weekly steps from birth to the reference date;
** - at each step every top-level module resumes in its current state and
**   runs states until one blocks (a Delay not yet over, a Guard that does not
**   allow, an Encounter waiting for a wellness visit) or Terminal is reached;
** - a Delay that ended between two steps "rewinds": the states after it run
**   at the Delay's end time, not at the step time;
** - a distributed transition gives leftover probability to its last option;
**   a conditional/complex transition with no true condition takes its last;
** - a module has at most one open encounter; a wellness Encounter state
**   waits for the next scheduled wellness visit and joins it;
** - an onset with target_encounter is recorded when that encounter starts.
** Modules that are delayed sleep until their wake time instead of being
** visited every week, and modules waiting for a wellness visit sleep until
** the next one: the per-step cost is a comparison per module.
*/
#include "engine.h"
#include "expr.h"
#include "lookup.h"
#include "synthea_attrs.h"
#include "lifecycle.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { BLOCK = 0, EXIT = 1, FAIL = -1, DIED = 2 };

/* States one module may run at one time step before it counts as an
** endless loop (Synthea modules run a few hundred at most). */
#define MAX_STATES_PER_STEP 100000L

/* Codes the native lifecycle writes (LOINC for vital signs, SNOMED CT for
** the wellness encounter types). */
static const vt_code C_WELL_CHILD = {"SNOMED-CT", "410620009", "Well child visit (procedure)"};
static const vt_code C_GENERAL_EXAM = {"SNOMED-CT", "162673000", "General examination of patient (procedure)"};
static const vt_code C_HEIGHT = {"LOINC", "8302-2", "Body Height"};
static const vt_code C_WEIGHT = {"LOINC", "29463-7", "Body Weight"};
static const vt_code C_BMI = {"LOINC", "39156-5", "Body mass index (BMI) [Ratio]"};
static const vt_code C_SYSTOLIC = {"LOINC", "8480-6", "Systolic Blood Pressure"};
static const vt_code C_DIASTOLIC = {"LOINC", "8462-4", "Diastolic Blood Pressure"};
static const vt_code C_HEART_RATE = {"LOINC", "8867-4", "Heart rate"};
static const vt_code C_RESP_RATE = {"LOINC", "9279-1", "Respiratory rate"};
static const vt_code C_NATURAL_DEATH = {"SNOMED-CT", "419620001", "Death (event)"};
static const char *const HYPERTENSION_CODE = "59621000";   /* Essential hypertension (disorder) */
static const vt_code *const LIFECYCLE_CODES[] = {
  &C_WELL_CHILD, &C_GENERAL_EXAM, &C_HEIGHT, &C_WEIGHT, &C_BMI, &C_SYSTOLIC, &C_DIASTOLIC,
  &C_HEART_RATE, &C_RESP_RATE, &C_NATURAL_DEATH,
};

void vt_engine_each_code(const vt_engine *e, void (*fn)(const vt_code *c, void *ud), void *ud) {
  for (size_t i = 0; i < sizeof LIFECYCLE_CODES / sizeof LIFECYCLE_CODES[0]; i++) fn(LIFECYCLE_CODES[i], ud);
  vt_modset_each_code(&e->ms, fn, ud);
}

/* Record a run-time error naming the module file, module, state and line. */
static int failf(vt_engine *e, const vt_frame *f, const vt_state *s, const char *fmt, ...) {
  char msg[1536], where[48] = "";
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (f && s) {
    if (s->line) snprintf(where, sizeof where, " (line %d)", s->line);
    snprintf(e->err, sizeof e->err, "%s: module '%s', state '%s'%s: %s", f->mod->file, f->mod->name,
             s->name, where, msg);
    e->err_module = f->mod->file;
  } else {
    snprintf(e->err, sizeof e->err, "%s", msg);
    e->err_module = NULL;
  }
  return FAIL;
}

/* ---- values and numbers ------------------------------------------------ */

static int eval_num(vt_engine *e, const vt_frame *f, const vt_state *s, const vt_num *n, double *out) {
  if (n->fn == VT_NOFN) { *out = n->v; return 0; }
  char msg[1024];
  if (vt_lua_call_number(e->lua, n->fn, &e->p, out, msg, sizeof msg) != 0) return failf(e, f, s, "%s", msg);
  return 0;
}

/* Draw from a distribution; the result is in the distribution's unit. */
static int draw(vt_engine *e, const vt_frame *f, const vt_state *s, const vt_dist *d, double *out) {
  double a, b = 0;
  if (eval_num(e, f, s, &d->a, &a)) return FAIL;
  if ((d->kind == VT_D_UNIFORM || d->kind == VT_D_GAUSSIAN) && eval_num(e, f, s, &d->b, &b)) return FAIL;
  vt_rng *r = &e->p.rng;
  double v;
  switch (d->kind) {
    case VT_D_EXACT: v = a; break;
    case VT_D_UNIFORM: v = a == b ? a : vt_rng_range(r, a, b); break;
    case VT_D_GAUSSIAN:
      v = vt_rng_normal(r, a, b);
      if (!isnan(d->min) && v < d->min) v = d->min;
      if (!isnan(d->max) && v > d->max) v = d->max;
      break;
    case VT_D_EXPONENTIAL: v = 1.0 + vt_rng_exponential(r, a); break;   /* GMF 2: shifted by +1 */
    default: v = 0;
  }
  if (d->round) v = round(v);
  *out = v;
  return 0;
}

/* Draw a span of time (a Delay, a duration): *ms is in
** [0, VT_TIME_MAX_SPAN], or VT_TIME_NEVER when the draw (a Lua function's
** result, a distribution with huge parameters) is longer than any life,
** infinite or NaN; a negative draw is 0.  0 or FAIL. */
static int draw_ms(vt_engine *e, const vt_frame *f, const vt_state *s, const vt_dist *d, int64_t *ms) {
  double v;
  if (draw(e, f, s, d, &v)) return FAIL;
  *ms = vt_time_span_ms(v, d->unit_ms, NULL);
  return 0;
}

/* Compare lhs op rhs the way GMF does: numbers numerically, strings and
** booleans for (in)equality (strings also ordered), nil only by is nil. */
static int compare(const vt_value *l, int op, const vt_value *r) {
  if (op == VT_OP_IS_NIL) return l->kind == VT_V_NIL;
  if (op == VT_OP_IS_NOT_NIL) return l->kind != VT_V_NIL;
  if (l->kind == VT_V_NIL) return 0;
  int c;
  if (l->kind == VT_V_NUM && r->kind == VT_V_NUM) c = (l->u.n > r->u.n) - (l->u.n < r->u.n);
  else if (l->kind == VT_V_STR && r->kind == VT_V_STR) c = strcmp(l->u.s, r->u.s);
  else if (l->kind == VT_V_BOOL && r->kind == VT_V_BOOL) c = (l->u.b != 0) - (r->u.b != 0);
  else if (l->kind == VT_V_BOOL && r->kind == VT_V_NUM) c = (l->u.b ? 1.0 : 0.0) == r->u.n ? 0 : 2;
  else return op == VT_OP_NE;
  switch (op) {
    case VT_OP_LT: return c < 0;
    case VT_OP_LE: return c <= 0;
    case VT_OP_EQ: return c == 0;
    case VT_OP_GE: return c >= 0 && c != 2;
    case VT_OP_GT: return c > 0 && c != 2;
    case VT_OP_NE: return c != 0;
  }
  return 0;
}

static vt_value num_value(double d) { vt_value v; v.kind = VT_V_NUM; v.u.n = d; return v; }

/* ---- conditions ------------------------------------------------------- */

static int active_kind(int cond_kind) {
  switch (cond_kind) {
    case VT_C_ACTIVE_MEDICATION: return VT_ACT_MEDICATION;
    case VT_C_ACTIVE_CAREPLAN: return VT_ACT_CAREPLAN;
    case VT_C_ACTIVE_ALLERGY: return VT_ACT_ALLERGY;
    default: return VT_ACT_CONDITION;
  }
}

/* The record row an attribute refers to, or -1. */
static int32_t attr_entry(const vt_patient *p, const char *name) {
  vt_slot *s = vt_map_get(&p->attrs, name);
  return s && s->v.kind == VT_V_ENTRY ? s->v.u.entry : -1;
}

/* The first day after `day` on which the completed months of age (and so
** perhaps the years) change: the birth day of the month, or the 1st of the
** following month when the month is too short for it. */
static int64_t next_month_anniversary(vt_time birth, int64_t day) {
  int by, bm, bd, y, m, d;
  vt_civil_from_days(vt_time_day(birth), &by, &bm, &bd);
  vt_civil_from_days(day, &y, &m, &d);
  (void)by; (void)bm;
  for (int k = 0; k < 3; k++) {          /* this month, or the next ones */
    int ny = y + (m + k - 1) / 12, nm = (m + k - 1) % 12 + 1;
    int64_t first = vt_days_from_civil(ny, nm, 1);
    int64_t len = vt_days_from_civil(ny + nm / 12, nm % 12 + 1, 1) - first;
    int64_t at = bd <= len ? first + bd - 1 : first + len;   /* short month: the 1st after it */
    if (at > day) return at;
  }
  return day + 1;
}

/* Month of the year of t, 1-12. */
static int month_of(vt_time t) {
  int y, m, d;
  vt_civil_from_days(vt_time_day(t), &y, &m, &d);
  return m;
}

static int eval_cond(vt_engine *e, const vt_frame *f, const vt_state *s, const vt_cond *c, vt_time t) {
  vt_patient *p = &e->p;
  switch (c->kind) {
    case VT_C_TRUE: return 1;
    case VT_C_FALSE: return 0;
    case VT_C_AND:
      for (int i = 0; i < c->nsubs; i++) {
        int r = eval_cond(e, f, s, &c->subs[i], t);
        if (r != 1) return r;
      }
      return 1;
    case VT_C_OR:
      for (int i = 0; i < c->nsubs; i++) {
        int r = eval_cond(e, f, s, &c->subs[i], t);
        if (r != 0) return r;
      }
      return 0;
    case VT_C_NOT: {
      int r = eval_cond(e, f, s, &c->subs[0], t);
      return r < 0 ? r : !r;
    }
    case VT_C_AT_LEAST: case VT_C_AT_MOST: {
      int n = 0;
      for (int i = 0; i < c->nsubs; i++) {
        int r = eval_cond(e, f, s, &c->subs[i], t);
        if (r < 0) return r;
        n += r;
      }
      return c->kind == VT_C_AT_LEAST ? n >= c->count : n <= c->count;
    }
    case VT_C_GENDER: return p->rec.person.gender == c->name[0];
    case VT_C_AGE: {
      /* completed units, as Synthea's Logic.Age (ageInYears, ageInMonths):
      ** "age > 40 years" holds from the 41st birthday */
      double units;
      if (c->unit_ms == VT_MS_GMF_YEAR || c->unit_ms == VT_MS_GMF_MONTH) {
        int64_t day = vt_time_day(t);
        if (day < e->age_day || day >= e->age_until) {
          e->age_day = day;
          e->age_until = next_month_anniversary(p->rec.person.birth, day);
          e->age_years = vt_time_age_years(p->rec.person.birth, t);
          e->age_months = vt_time_age_months(p->rec.person.birth, t);
        }
        units = c->unit_ms == VT_MS_GMF_YEAR ? e->age_years : e->age_months;
      }
      else units = floor((double)(t - p->rec.person.birth) / (double)c->unit_ms);
      vt_value age = num_value(units);
      vt_value q = num_value(c->quantity);
      return compare(&age, c->op, &q);
    }
    case VT_C_DATE: {
      vt_value l = c->by_year == 1 ? num_value(vt_time_year(t)) : c->by_year == 2 ? num_value(month_of(t)) : num_value((double)t);
      vt_value r = c->by_year ? num_value(c->quantity) : num_value((double)c->date);
      return compare(&l, c->op, &r);
    }
    case VT_C_RACE: return p->rec.person.race && strcasecmp(p->rec.person.race, c->name) == 0;
    case VT_C_SES: return p->rec.person.ses && strcasecmp(p->rec.person.ses, c->name) == 0;
    case VT_C_ATTRIBUTE: {
      vt_slot *a = vt_map_geth(&p->attrs, c->name, c->hash);
      vt_value nil = { VT_V_NIL, { 0 } };
      return compare(a ? &a->v : &nil, c->op, &c->value);
    }
    case VT_C_SYMPTOM: {
      double best = 0;
      for (int i = 0; i < p->symptoms.n; i++)
        if (strcmp(p->symptoms.slots[i].key, c->name) == 0 && p->symptoms.slots[i].v.u.n > best)
          best = p->symptoms.slots[i].v.u.n;
      vt_value v = num_value(best);
      return compare(&v, c->op, &c->value);
    }
    case VT_C_VITAL: {
      vt_slot *a = vt_map_geth(&p->vitals, c->name, c->hash);
      vt_value nil = { VT_V_NIL, { 0 } };
      return compare(a ? &a->v : &nil, c->op, &c->value);
    }
    case VT_C_OBSERVATION: {
      const char *code = NULL;
      if (c->ncodes) code = c->codes[0].code;
      else {
        int32_t row = attr_entry(p, c->name);
        if (row >= 0 && p->rec.rows[row].code) code = p->rec.rows[row].code->code;
      }
      vt_slot *o = code ? vt_map_get(&p->observations, code) : NULL;
      vt_value nil = { VT_V_NIL, { 0 } };
      return compare(o ? &o->v : &nil, c->op, &c->value);
    }
    case VT_C_ACTIVE_CONDITION: case VT_C_ACTIVE_MEDICATION: case VT_C_ACTIVE_CAREPLAN: case VT_C_ACTIVE_ALLERGY: {
      const vt_actives *a = &p->active[active_kind(c->kind)];
      if (c->name) {
        int32_t row = attr_entry(p, c->name);
        return row >= 0 && vt_actives_find_row(a, row) >= 0;
      }
      for (int i = 0; i < c->ncodes; i++)
        if (vt_actives_find_code(a, c->codes[i].code) >= 0) return 1;
      return 0;
    }
    case VT_C_PRIOR_STATE: {
      int off = p->hist.offset[f->mod->index];
      vt_time entered = p->hist.entered[off + c->ref_state];
      if (entered == VT_NO_TIME) return 0;
      if (c->since_state != VT_NOSTATE) {
        vt_time since = p->hist.entered[off + c->since_state];
        if (since != VT_NO_TIME && since > entered) return 0;
      }
      if (c->unit_ms) {
        vt_time exited = p->hist.exited[off + c->ref_state];
        if (exited != VT_NO_TIME && exited >= entered && t - exited > c->unit_ms) return 0;
      }
      return 1;
    }
    case VT_C_LUA: {
      int r;
      char msg[1024];
      if (vt_lua_call_bool(e->lua, c->fn, p, &r, msg, sizeof msg) != 0) return failf(e, f, s, "%s", msg);
      return r;
    }
  }
  return 0;
}

/* ---- type of care ------------------------------------------------------ */

/* Synthea's telemedicine configuration (src/main/resources/
** telemedicine_config.json, Apache-2.0): telemedicine from 2020-01-01; the
** care sought by people whose insurance is Medicaid, dual eligible or none
** ("high emergency use") and by everyone else, before and from 2020. */
#define TELEMEDICINE_START (18262LL * VT_MS_DAY)   /* 2020-01-01, days since 1970-01-01 */
static const double CARE_SHARES[2][2][VT_CARE__COUNT] = {
  /* before 2020 */ { { 0.75, 0.25, 0.00 }, /* high emergency use */ { 0.65, 0.35, 0.00 } },
  /* from 2020 */   { { 0.56, 0.20, 0.24 }, /* high emergency use */ { 0.66, 0.25, 0.09 } },
};

/* Is the patient's insurance one Synthea counts as high emergency use?  The
** attribute insurance_status when set (medicaid, dual eligible, none), and
** otherwise a Low socioeconomic status, which vitae uses in its place. */
static int high_emergency_use(const vt_patient *p) {
  vt_slot *a = vt_map_get(&p->attrs, "insurance_status");
  if (a && a->v.kind == VT_V_STR) {
    const char *s = a->v.u.s;
    return strcasecmp(s, "medicaid") == 0 || strcasecmp(s, "dual eligible") == 0 || strcasecmp(s, "dual_eligible") == 0 ||
           strcasecmp(s, "no_insurance") == 0 || strcasecmp(s, "uninsured") == 0 || strcasecmp(s, "none") == 0;
  }
  return p->rec.person.ses && strcmp(p->rec.person.ses, "Low") == 0;
}

/* Shares of ambulatory, emergency and telemedicine care for the patient at t. */
static const double *care_shares(const vt_patient *p, vt_time t) {
  return CARE_SHARES[t >= TELEMEDICINE_START][high_emergency_use(p)];
}

/* ---- transitions ------------------------------------------------------ */

static int pick_distributed(vt_engine *e, const vt_frame *f, const vt_state *s, const vt_dist_opt *o, int n) {
  double x = vt_rng_uniform(&e->p.rng), high = 0;
  /* the last option takes whatever is left, so its own probability (often a
  ** function, e.g. 1 - p) never needs evaluating */
  for (int i = 0; i < n - 1; i++) {
    double pr;
    if (o[i].attr) {
      vt_slot *a = vt_map_get(&e->p.attrs, o[i].attr);
      pr = a && a->v.kind == VT_V_NUM ? a->v.u.n : o[i].p.v;
    } else if (eval_num(e, f, s, &o[i].p, &pr)) return FAIL;
    high += pr;
    if (x < high) return o[i].target;
  }
  return o[n - 1].target;   /* leftover probability goes to the last option */
}

/* An attribute value as lookup tables and messages write it: text as is, a
** whole number without decimals, a boolean as true/false.  NULL if unset. */
static const char *attr_text(const vt_patient *p, const char *name, char *buf, size_t len) {
  vt_slot *a = vt_map_get(&p->attrs, name);
  if (!a) return NULL;
  switch (a->v.kind) {
    case VT_V_STR: return a->v.u.s;
    case VT_V_BOOL: return a->v.u.b ? "true" : "false";
    case VT_V_NUM:
      if (a->v.u.n == floor(a->v.u.n) && fabs(a->v.u.n) < 1e15) snprintf(buf, len, "%.0f", a->v.u.n);
      else snprintf(buf, len, "%g", a->v.u.n);
      return buf;
    case VT_V_ENTRY: {
      const vt_row *r = &p->rec.rows[a->v.u.entry];
      return r->code ? r->code->code : "";
    }
    default: return NULL;
  }
}

/* lookup_table_transition: the probabilities of the table row matching the
** patient (age in completed years, time in ms, other keys attributes), or
** the options' default probabilities when no row matches. */
static int pick_lookup(vt_engine *e, const vt_frame *f, const vt_state *s, const vt_transition *tr, vt_time t) {
  enum { MAXKEYS = 32 };
  const vt_patient *p = &e->p;
  int nkeys = vt_lookup_nkeys(tr->lookup);
  if (nkeys > MAXKEYS) return failf(e, f, s, "lookup table %s has more than %d key columns", tr->lookup_file, MAXKEYS);
  int64_t nums[MAXKEYS];
  const char *strs[MAXKEYS];
  char bufs[MAXKEYS][32];
  for (int k = 0; k < nkeys; k++) {
    nums[k] = VT_LOOKUP_NONE;
    strs[k] = NULL;
    switch (vt_lookup_key_kind(tr->lookup, k)) {
      case VT_LOOKUP_AGE: nums[k] = vt_time_age_years(p->rec.person.birth, t); break;
      case VT_LOOKUP_TIME: nums[k] = t; break;
      default: strs[k] = attr_text(p, vt_lookup_key_name(tr->lookup, k), bufs[k], sizeof bufs[k]);
    }
  }
  double probs[256];
  if (tr->ndists > 256) return failf(e, f, s, "lookup_table_transition has more than 256 options");
  int m = vt_lookup_match(tr->lookup, nums, strs, probs);
  if (m < 0) {
    for (int k = 0; k < nkeys; k++)
      if (vt_lookup_key_kind(tr->lookup, k) == VT_LOOKUP_STRING && !strs[k])
        return failf(e, f, s, "lookup table %s keys on '%s', which this patient does not have as an attribute",
                     tr->lookup_file, vt_lookup_key_name(tr->lookup, k));
    return failf(e, f, s, "lookup table %s: a key has no value for this patient", tr->lookup_file);
  }
  if (m == 0) return pick_distributed(e, f, s, tr->dists, tr->ndists);
  double x = vt_rng_uniform(&e->p.rng), high = 0;
  for (int i = 0; i < tr->ndists - 1; i++) {
    high += probs[i];
    if (x < high) return tr->dists[i].target;
  }
  return tr->dists[tr->ndists - 1].target;
}

/* The next state of `s`, or FAIL. */
static int next_state(vt_engine *e, const vt_frame *f, const vt_state *s, vt_time t) {
  const vt_transition *tr = &s->tr;
  switch (tr->kind) {
    case VT_TR_DIRECT: return tr->target;
    case VT_TR_DISTRIBUTED: return pick_distributed(e, f, s, tr->dists, tr->ndists);
    case VT_TR_LOOKUP:
      return pick_lookup(e, f, s, tr, t);
    case VT_TR_TYPE_OF_CARE: {
      const double *sh = care_shares(&e->p, t);
      double x = vt_rng_uniform(&e->p.rng), high = 0;
      int care = VT_CARE_AMBULATORY;
      for (int i = 0; i < VT_CARE__COUNT; i++) {
        high += sh[i];
        if (x < high) { care = i; break; }
      }
      /* a care type the state does not offer falls back to ambulatory */
      return tr->care[care] != VT_NOSTATE ? tr->care[care] : tr->care[VT_CARE_AMBULATORY];
    }
    case VT_TR_CONDITIONAL: case VT_TR_COMPLEX:
      for (int i = 0; i < tr->nopts; i++) {
        const vt_cond_opt *o = &tr->opts[i];
        int ok = o->cond ? eval_cond(e, f, s, o->cond, t) : 1;
        if (ok < 0) return FAIL;
        if (ok || i == tr->nopts - 1) {   /* no true condition: the last option */
          if (o->ndists) return pick_distributed(e, f, s, o->dists, o->ndists);
          return o->target;
        }
      }
      break;
  }
  return failf(e, f, s, "state has no transition");
}

/* ---- recording -------------------------------------------------------- */

static vt_row *add_row(vt_engine *e, vt_table table, const vt_modrun *run, const vt_frame *f,
                       const vt_state *s, vt_time t, const vt_code *code) {
  vt_patient *p = &e->p;
  size_t i = vt_record_add(&p->rec, table);
  vt_row *r = &p->rec.rows[i];
  r->start = t;
  r->code = code;
  r->encounter = run ? run->encounter : -1;
  r->module = f ? f->mod->name : "lifecycle";
  r->state = s ? s->name : "";
  /* an encounter with a set end (the scheduled wellness visit) lasts until
  ** the last row recorded in it, e.g. a result after a procedure's duration */
  if (run && run->encounter >= 0 && run->encounter_row >= 0) {
    vt_row *enc = &p->rec.rows[run->encounter_row];
    if (enc->stop != VT_NO_TIME && t > enc->stop) enc->stop = t;
  }
  return r;
}

/* The code of a state's `reason`, as Synthea finds it: an attribute holding
** an entry (a condition recorded with assign_to_attribute), else the active
** condition that a state of that name recorded, in this module or any other
** (a submodule may name its caller's ConditionOnset).  NULL if none. */
static const vt_code *reason_code(vt_engine *e, int run, const vt_frame *f, const vt_state *s) {
  (void)f;
  if (!s->reason || !*s->reason) return NULL;
  vt_patient *p = &e->p;
  int32_t row = attr_entry(p, s->reason);
  if (row >= 0) return p->rec.rows[row].code;
  const vt_actives *a = &p->active[VT_ACT_CONDITION];
  for (int i = a->n - 1; i >= 0; i--)
    if (a->items[i].module == run && strcmp(p->rec.rows[a->items[i].row].state, s->reason) == 0) return a->items[i].code;
  for (int i = a->n - 1; i >= 0; i--)
    if (strcmp(p->rec.rows[a->items[i].row].state, s->reason) == 0) return a->items[i].code;
  return NULL;
}

static int act_kind_of(int state_type) {
  switch (state_type) {
    case VT_S_MEDICATION_ORDER: case VT_S_MEDICATION_END: return VT_ACT_MEDICATION;
    case VT_S_CAREPLAN_START: case VT_S_CAREPLAN_END: return VT_ACT_CAREPLAN;
    case VT_S_ALLERGY_ONSET: case VT_S_ALLERGY_END: return VT_ACT_ALLERGY;
    case VT_S_DEVICE: case VT_S_DEVICE_END: return VT_ACT_DEVICE;
    default: return VT_ACT_CONDITION;
  }
}

static void set_entry_attr(vt_patient *p, const char *name, int32_t row) {
  vt_slot *a = vt_map_put(&p->attrs, name, NULL);
  a->v.kind = VT_V_ENTRY;
  a->v.u.entry = row;
}

/* Record an onset (condition or allergy) now, in the run's open encounter. */
static void diagnose(vt_engine *e, int run, const vt_frame *f, const vt_state *s, int state_index, vt_time t) {
  vt_patient *p = &e->p;
  vt_modrun *r = &p->runs[run];
  int allergy = s->type == VT_S_ALLERGY_ONSET;
  int kind = allergy ? VT_ACT_ALLERGY : VT_ACT_CONDITION;
  /* an entry already active with this code is not started twice */
  int existing = vt_actives_find_code(&p->active[kind], s->codes[0].code);
  if (existing >= 0) {
    if (s->assign_to_attribute) set_entry_attr(p, s->assign_to_attribute, p->active[kind].items[existing].row);
    return;
  }
  vt_row *row = add_row(e, allergy ? VT_T_ALLERGY : VT_T_CONDITION, r, f, s, t, &s->codes[0]);
  if (allergy) { row->text = s->allergy_type ? s->allergy_type : "allergy"; row->category = s->category; }
  int32_t idx = (int32_t)(row - p->rec.rows);
  vt_actives_add(&p->active[kind], &s->codes[0], idx, run, state_index);
  if (s->assign_to_attribute) set_entry_attr(p, s->assign_to_attribute, idx);
}

/* End the active entry a *End state refers to; nothing if none is active. */
static void end_entry(vt_engine *e, int run, const vt_state *s, vt_time t) {
  vt_patient *p = &e->p;
  vt_actives *a = &p->active[act_kind_of(s->type)];
  int i = -1;
  if (s->ref_state != VT_NOSTATE) {
    for (int k = a->n - 1; k >= 0 && i < 0; k--)
      if (a->items[k].module == run && a->items[k].state == s->ref_state) i = k;
  } else if (s->ref_attr) {
    int32_t row = attr_entry(p, s->ref_attr);
    if (row >= 0) i = vt_actives_find_row(a, row);
  } else {
    for (int k = 0; k < s->ncodes && i < 0; k++) i = vt_actives_find_code(a, s->codes[k].code);
  }
  if (i < 0) return;
  p->rec.rows[a->items[i].row].stop = t;
  vt_actives_remove(a, i);
}

/* Close the run's open encounter at time t (unless it is the shared wellness one). */
static void close_encounter(vt_engine *e, vt_modrun *r, vt_time t) {
  if (r->encounter < 0) return;
  if (r->encounter != e->p.wellness_encounter && r->encounter_row >= 0) {
    vt_row *row = &e->p.rec.rows[r->encounter_row];
    if (row->stop == VT_NO_TIME) row->stop = t > row->start ? t : row->start + 15 * VT_MS_MINUTE;
  }
  r->encounter = -1;
  r->encounter_row = -1;
}

/* An encounter state began: record the onsets of this run waiting for it. */
static void diagnose_pending(vt_engine *e, int run, const vt_frame *f, const char *enc_state, vt_time t) {
  vt_patient *p = &e->p;
  int k = 0;
  for (int i = 0; i < p->npending; i++) {
    vt_pending pd = p->pending[i];
    const vt_module *m = e->ms.mods[pd.state >> 16];
    const vt_state *os = &m->states[pd.state & 0xFFFF];
    if (pd.module == run && strcmp(os->target_encounter, enc_state) == 0) {
      vt_frame of = *f;
      of.mod = m;
      diagnose(e, run, &of, os, pd.state & 0xFFFF, t);
    } else p->pending[k++] = pd;
  }
  p->npending = k;
}

static void add_pending(vt_engine *e, int run, const vt_frame *f, int state_index) {
  vt_patient *p = &e->p;
  if (p->npending == p->cappending) {
    p->cappending = p->cappending ? p->cappending * 2 : 16;
    vt_pending *np = realloc(p->pending, sizeof *np * (size_t)p->cappending);
    if (!np) { fprintf(stderr, "vitae: out of memory\n"); abort(); }
    p->pending = np;
  }
  p->pending[p->npending++] = (vt_pending){ run, (f->mod->index << 16) | state_index };
}

/* Value of a SetAttribute/Observation/VitalSign/Symptom state. */
static int state_value(vt_engine *e, const vt_frame *f, const vt_state *s, vt_value *v) {
  vt_patient *p = &e->p;
  v->kind = VT_V_NIL;
  switch (s->val_src) {
    case VT_VAL_CONST: *v = s->value; return 0;
    case VT_VAL_DIST: {
      double d;
      if (draw(e, f, s, &s->dist, &d)) return FAIL;
      *v = num_value(d);
      return 0;
    }
    case VT_VAL_ATTRIBUTE: {
      vt_slot *a = vt_map_get(&p->attrs, s->value_attr);
      if (a) *v = a->v;
      if (v->kind == VT_V_ENTRY) { v->kind = VT_V_STR; v->u.s = p->rec.rows[a->v.u.entry].code ? p->rec.rows[a->v.u.entry].code->code : ""; }
      return 0;
    }
    case VT_VAL_VITAL: {
      vt_slot *a = vt_map_get(&p->vitals, s->vital);
      if (a) *v = a->v;
      return 0;
    }
    case VT_VAL_CODE: v->kind = VT_V_STR; v->u.s = s->value_code->display; return 0;
    case VT_VAL_EXPR: {
      /* #{name}: "age" in decimal years, a vital sign, or a numeric (or
      ** boolean) attribute, in Synthea's order; NAN when the patient has none */
      enum { MAXVARS = 64 };
      double vars[MAXVARS];
      int n = vt_expr_nvars(s->expr);
      if (n > MAXVARS) return failf(e, f, s, "an expression with more than %d variables", MAXVARS);
      for (int i = 0; i < n; i++) {
        const char *name = vt_expr_var_name(s->expr, i);
        vars[i] = NAN;
        if (strcmp(name, "age") == 0) { vars[i] = vt_time_age_exact(p->rec.person.birth, p->now); continue; }
        const char *vital = vt_vital_resolve(name);
        vt_slot *a = vital ? vt_map_get(&p->vitals, vital) : NULL;
        if (!a) a = vt_map_get(&p->vitals, name);
        if (!a || a->v.kind != VT_V_NUM) a = vt_map_get(&p->attrs, name);
        if (a && a->v.kind == VT_V_NUM) vars[i] = a->v.u.n;
        else if (a && a->v.kind == VT_V_BOOL) vars[i] = a->v.u.b;
      }
      double d;
      char msg[256];
      if (vt_expr_eval(s->expr, vars, &d, msg, sizeof msg) != 0) return failf(e, f, s, "expression: %s", msg);
      if (vt_expr_type(s->expr) == VT_EXPR_BOOLEAN) { v->kind = VT_V_BOOL; v->u.b = d != 0; }
      else *v = num_value(d);
      return 0;
    }
    case VT_VAL_SAMPLED: {
      /* the series data of the attributes, as text ("1 2 3 | 4 5 6") */
      char buf[4096];
      size_t n = 0;
      buf[0] = 0;
      for (int i = 0; i < s->nsampled && n < sizeof buf; i++) {
        vt_slot *a = vt_map_get(&p->attrs, s->sampled[i]);
        const char *txt = a && a->v.kind == VT_V_STR ? a->v.u.s : "";
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? " | " : "", txt);
      }
      v->kind = VT_V_STR;
      v->u.s = vt_record_strdup(&p->rec, buf);
      return 0;
    }
    case VT_VAL_LUA: {
      char msg[1024];
      if (vt_lua_call_value(e->lua, s->fn, p, v, msg, sizeof msg) != 0) return failf(e, f, s, "%s", msg);
      return 0;
    }
  }
  return 0;
}

static void die(vt_engine *e, vt_time t, const vt_code *cause) {
  vt_patient *p = &e->p;
  p->alive = 0;
  p->rec.person.death = t;
  p->rec.person.death_cause = cause;
}

/* Record observation state `s` (an Observation, or one observation of a
** MultiObservation / DiagnosticReport) at time t.  0 or FAIL. */
static int record_observation(vt_engine *e, vt_modrun *r, const vt_frame *f, const vt_state *s, vt_time t) {
  vt_patient *p = &e->p;
  vt_value v;
  if (state_value(e, f, s, &v)) return FAIL;
  vt_row *row = add_row(e, VT_T_OBSERVATION, r, f, s, t, &s->codes[0]);
  row->category = s->category;
  row->units = s->unit;
  if (v.kind == VT_V_NUM) { row->value_type = VT_OBS_NUMERIC; row->value = v.u.n; }
  else if (v.kind == VT_V_BOOL) { row->value_type = VT_OBS_TEXT; row->text = v.u.b ? "true" : "false"; }
  else { row->value_type = VT_OBS_TEXT; row->text = v.kind == VT_V_STR ? v.u.s : ""; }
  vt_slot *o = vt_map_put(&p->observations, s->codes[0].code, NULL);
  o->v = v; o->t = t;
  return 0;
}

/* A device identifier in the GS1 UDI layout Synthea's devices carry:
** (01) 14-digit device id, (11) manufacture date, (17) expiry date,
** (10) lot, (21) serial -- drawn from the patient's stream. */
static const char *device_udi(vt_engine *e, vt_time t) {
  vt_patient *p = &e->p;
  char made[11], expires[11], buf[96];
  vt_time_format_date(t - (vt_time)(vt_rng_uniform(&p->rng) * 365.0) * VT_MS_DAY, made);
  vt_time_format_date(t + (vt_time)(365.0 + vt_rng_uniform(&p->rng) * 4 * 365.0) * VT_MS_DAY, expires);
  unsigned long long gtin = (unsigned long long)(vt_rng_uniform(&p->rng) * 1e13);
  unsigned lot = (unsigned)(vt_rng_uniform(&p->rng) * 1e6), serial = (unsigned)(vt_rng_uniform(&p->rng) * 1e9);
  snprintf(buf, sizeof buf, "(01)0%013llu(11)%c%c%c%c%c%c(17)%c%c%c%c%c%c(10)%06u(21)%09u", gtin,
           made[2], made[3], made[5], made[6], made[8], made[9],
           expires[2], expires[3], expires[5], expires[6], expires[8], expires[9], lot, serial);
  return vt_record_strdup(&p->rec, buf);
}

/* ---- state history ----------------------------------------------------- */

/* Frame f enters its state `state` at time t: history, counts, trace. */
static void enter_state(vt_engine *e, vt_frame *f, int state, vt_time t) {
  vt_patient *p = &e->p;
  int k = p->hist.offset[f->mod->index] + state;
  f->state = state;
  f->entered = t;
  f->wake = VT_NO_TIME;
  f->called = 0;
  f->trace_row = -1;
  p->hist.entered[k] = t;
  e->state_entries[k]++;
  if (e->opts.trace) {
    vt_row *row = add_row(e, VT_T_TRACE, NULL, f, &f->mod->states[state], t, NULL);
    row->encounter = -1;
    f->trace_row = (int32_t)(row - p->rec.rows);
  }
}

/* Frame f goes from its current state to `next`: count it. */
static void count_transition(vt_engine *e, const vt_frame *f, int next) {
  int k = e->p.hist.offset[f->mod->index] + f->state;
  for (int i = e->tr_off[k], end = e->tr_off[k + 1]; i < end; i++)
    if (e->tr_to[i] == next) { e->tr_count[i]++; return; }
}

/* Frame f leaves its current state at time t. */
static void exit_state(vt_engine *e, vt_frame *f, vt_time t) {
  vt_patient *p = &e->p;
  p->hist.exited[p->hist.offset[f->mod->index] + f->state] = t;
  if (f->trace_row >= 0) p->rec.rows[f->trace_row].stop = t;
}

/* ---- states ----------------------------------------------------------- */

/* Run state `s` of the top frame of run `run` at time t.  EXIT (with
** *exit_time), BLOCK, DIED or FAIL. */
static int run_state(vt_engine *e, int run, vt_frame *f, const vt_state *s, vt_time t, vt_time *exit_time) {
  vt_patient *p = &e->p;
  vt_modrun *r = &p->runs[run];
  int si = (int)(s - f->mod->states);
  *exit_time = t;
  switch (s->type) {
    case VT_S_INITIAL: case VT_S_SIMPLE: case VT_S_TERMINAL: return EXIT;
    case VT_S_GUARD: {
      int ok = eval_cond(e, f, s, s->allow, t);
      return ok < 0 ? FAIL : ok ? EXIT : BLOCK;
    }
    case VT_S_DELAY:
      if (f->wake == VT_NO_TIME) {
        int64_t ms;
        if (draw_ms(e, f, s, &s->dist, &ms)) return FAIL;
        f->wake = vt_time_add(f->entered, ms);   /* VT_TIME_NEVER: it never ends */
      }
      if (t >= f->wake) { *exit_time = f->wake; return EXIT; }
      return BLOCK;
    case VT_S_SET_ATTRIBUTE: {
      vt_value v;
      if (state_value(e, f, s, &v)) return FAIL;
      if (v.kind == VT_V_NIL) vt_map_del(&p->attrs, s->attribute);
      else vt_map_put(&p->attrs, s->attribute, NULL)->v = v;
      return EXIT;
    }
    case VT_S_COUNTER: {
      vt_slot *a = vt_map_put(&p->attrs, s->attribute, NULL);
      double cur = a->v.kind == VT_V_NUM ? a->v.u.n : 0;
      a->v = num_value(cur + s->amount);
      return EXIT;
    }
    case VT_S_CALL_SUBMODULE: {
      if (f->called) { f->called = 0; return EXIT; }     /* the submodule finished */
      if (r->depth >= VT_MAX_DEPTH)
        return failf(e, f, s, "submodules nested more than %d deep (a module calling itself?)", VT_MAX_DEPTH);
      const vt_module *sub = e->ms.mods[s->submodule_index];
      f->called = 1;
      vt_frame *nf = &r->stack[r->depth++];
      memset(nf, 0, sizeof *nf);
      nf->mod = sub;
      enter_state(e, nf, sub->initial, t);
      return BLOCK;   /* the loop continues with the new top frame */
    }
    case VT_S_ENCOUNTER:
      if (s->wellness) {
        /* a state reached at a rewound time waits for the visit itself */
        if (p->wellness_encounter < 0 || t < e->wellness_time) return BLOCK;
        /* each module joins a given wellness visit once (Synthea marks the
        ** visit per module): a second wellness Encounter waits for the next */
        if (p->wellness_joined[f->mod->index] == p->wellness_encounter) return BLOCK;
        p->wellness_joined[f->mod->index] = p->wellness_encounter;
        r->encounter = p->wellness_encounter;
        r->encounter_row = e->wellness_row;
      } else {
        close_encounter(e, r, t);
        vt_row *row = add_row(e, VT_T_ENCOUNTER, NULL, f, s, t, &s->codes[0]);
        row->id = p->rec.nencounters++;
        row->text = s->encounter_class;
        /* telemedicine: "always" is a virtual visit; "possible" turns an
        ** ambulatory visit virtual with the telemedicine share of care among
        ** non-emergency care (0 before 2020) */
        if (s->telemedicine == VT_TELE_ALWAYS) row->text = "virtual";
        else if (s->telemedicine == VT_TELE_POSSIBLE) {
          const double *sh = care_shares(p, t);
          double share = sh[VT_CARE_TELEMEDICINE] / (sh[VT_CARE_AMBULATORY] + sh[VT_CARE_TELEMEDICINE]);
          if (share > 0 && vt_rng_uniform(&p->rng) < share) row->text = "virtual";
        }
        r->encounter = row->id;
        r->encounter_row = (int32_t)(row - p->rec.rows);
      }
      /* onsets waiting for this encounter first: its reason may be one */
      diagnose_pending(e, run, f, s->name, t);
      if (!s->wellness) p->rec.rows[r->encounter_row].reason = reason_code(e, run, f, s);
      return EXIT;
    case VT_S_ENCOUNTER_END:
      close_encounter(e, r, t);
      return EXIT;
    case VT_S_CONDITION_ONSET: case VT_S_ALLERGY_ONSET: {
      int here = !s->target_encounter;
      if (!here && r->encounter_row >= 0 && strcmp(p->rec.rows[r->encounter_row].state, s->target_encounter) == 0) here = 1;
      if (here) diagnose(e, run, f, s, si, t);
      else add_pending(e, run, f, si);
      return EXIT;
    }
    case VT_S_CONDITION_END: case VT_S_ALLERGY_END: case VT_S_MEDICATION_END: case VT_S_CAREPLAN_END:
      end_entry(e, run, s, t);
      return EXIT;
    case VT_S_MEDICATION_ORDER: case VT_S_CAREPLAN_START: {
      int kind = act_kind_of(s->type);
      vt_row *row = add_row(e, kind == VT_ACT_MEDICATION ? VT_T_MEDICATION : VT_T_CAREPLAN, r, f, s, t, &s->codes[0]);
      row->reason = reason_code(e, run, f, s);
      if (kind == VT_ACT_CAREPLAN) row->id = p->rec.ncareplans++;
      else row->aux = s->chronic;
      int32_t idx = (int32_t)(row - p->rec.rows);
      vt_actives_add(&p->active[kind], &s->codes[0], idx, run, si);
      if (s->assign_to_attribute) set_entry_attr(p, s->assign_to_attribute, idx);
      return EXIT;
    }
    case VT_S_PROCEDURE: {
      /* a procedure with a duration lasts it: the module stays in the state
      ** until it ends, as in Synthea (Procedure is delayable there) */
      if (f->wake != VT_NO_TIME) {
        if (t >= f->wake) { *exit_time = f->wake; return EXIT; }
        return BLOCK;
      }
      vt_row *row = add_row(e, VT_T_PROCEDURE, r, f, s, t, &s->codes[0]);
      row->reason = reason_code(e, run, f, s);
      int32_t idx = (int32_t)(p->rec.nrows - 1);
      if (s->assign_to_attribute) set_entry_attr(p, s->assign_to_attribute, idx);
      if (s->dist.kind != VT_D_NONE) {
        int64_t ms;
        if (draw_ms(e, f, s, &s->dist, &ms)) return FAIL;
        f->wake = vt_time_add(t, ms);
        /* a duration that never ends (or ends past the calendar) leaves the
        ** procedure open; the module stays in the state */
        p->rec.rows[idx].stop = f->wake <= VT_TIME_MAX ? f->wake : VT_NO_TIME;
        if (t >= f->wake) { *exit_time = f->wake; return EXIT; }
        return BLOCK;
      }
      return EXIT;
    }
    case VT_S_OBSERVATION:
      return record_observation(e, r, f, s, t) ? FAIL : EXIT;
    case VT_S_MULTI_OBSERVATION: case VT_S_DIAGNOSTIC_REPORT:
      /* the panel's observations, each a row of its own (the panel code
      ** itself has no value: Synthea's CSV export writes only these too) */
      for (int i = 0; i < s->nobs; i++)
        if (record_observation(e, r, f, &s->obs[i], t)) return FAIL;
      return EXIT;
    case VT_S_IMAGING_STUDY: {
      int32_t study = p->rec.nimaging++;
      for (int i = 0; i < s->nimg_series; i++) {
        const vt_img_series *se = &s->img_series[i];
        for (int k = 0; k < se->ninstances; k++) {
          vt_row *row = add_row(e, VT_T_IMAGING, r, f, s, t, se->body_site);
          row->id = study;
          row->aux = i + 1;
          row->value = k + 1;
          row->reason = se->modality;
          row->category = se->instances[k].sop->code;
          row->text = se->instances[k].sop->display;
          row->units = s->procedure_code->code;
        }
      }
      /* the imaging procedure itself, as Synthea records it */
      vt_row *proc = add_row(e, VT_T_PROCEDURE, r, f, s, t, s->procedure_code);
      proc->stop = t + 30 * VT_MS_MINUTE;
      return EXIT;
    }
    case VT_S_DEVICE: {
      vt_row *row = add_row(e, VT_T_DEVICE, r, f, s, t, &s->codes[0]);
      row->text = device_udi(e, t);
      int32_t idx = (int32_t)(p->rec.nrows - 1);
      vt_actives_add(&p->active[VT_ACT_DEVICE], &s->codes[0], idx, run, si);
      if (s->assign_to_attribute) set_entry_attr(p, s->assign_to_attribute, idx);
      return EXIT;
    }
    case VT_S_DEVICE_END:
      end_entry(e, run, s, t);
      return EXIT;
    case VT_S_SUPPLY_LIST:
      for (int i = 0; i < s->nsupplies; i++) {
        vt_row *row = add_row(e, VT_T_SUPPLY, r, f, s, t, s->supplies[i].code);
        row->aux = s->supplies[i].quantity;
      }
      return EXIT;
    case VT_S_PHYSIOLOGY:
      return EXIT;   /* no physiology model: the loader made it go to alt_direct_transition */
    case VT_S_VITAL_SIGN: {
      vt_value v;
      if (state_value(e, f, s, &v)) return FAIL;
      vt_slot *o = vt_map_put(&p->vitals, s->vital, NULL);
      o->v = v; o->t = t;
      return EXIT;
    }
    case VT_S_SYMPTOM: {
      vt_value v;
      if (s->probability < 1 && vt_rng_uniform(&p->rng) >= s->probability) return EXIT;   /* not felt */
      if (state_value(e, f, s, &v)) return FAIL;
      if (v.kind != VT_V_NUM) return failf(e, f, s, "a symptom severity must be a number");
      vt_slot *o = vt_map_put(&p->symptoms, s->symptom, s->cause);
      o->v = v; o->t = t;
      return EXIT;
    }
    case VT_S_VACCINE: {
      vt_row *row = add_row(e, VT_T_IMMUNIZATION, r, f, s, t, &s->codes[0]);
      row->aux = s->series;
      return EXIT;
    }
    case VT_S_DEATH: {
      const vt_code *cause = s->ncodes ? &s->codes[0] : NULL;
      if (!cause && s->ref_state != VT_NOSTATE && f->mod->states[s->ref_state].ncodes)
        cause = &f->mod->states[s->ref_state].codes[0];
      if (!cause && s->ref_attr) {
        int32_t row = attr_entry(p, s->ref_attr);
        if (row >= 0) cause = p->rec.rows[row].code;
      }
      if (s->dist.kind != VT_D_NONE) {
        int64_t ms;
        if (draw_ms(e, f, s, &s->dist, &ms)) return FAIL;
        vt_time at = vt_time_add(t, ms);   /* VT_TIME_NEVER: a death that never comes */
        if (at != VT_TIME_NEVER && (e->death_at == VT_NO_TIME || at < e->death_at)) { e->death_at = at; e->death_cause = cause; }
        return EXIT;
      }
      die(e, t, cause);
      return DIED;
    }
  }
  return failf(e, f, s, "unknown state type %d", s->type);
}

/* Process run `run` at time t until it blocks.  0, DIED or FAIL. */
static int process_run(vt_engine *e, int run, vt_time t) {
  vt_patient *p = &e->p;
  vt_modrun *r = &p->runs[run];
  p->now = t;               /* Lua functions see the (possibly rewound) time */
  for (long steps = 0;; steps++) {
    vt_frame *f = &r->stack[r->depth - 1];
    const vt_state *s = &f->mod->states[f->state];
    if (steps == MAX_STATES_PER_STEP)
      return failf(e, f, s, "%ld states ran at one time without time passing: the module loops "
                   "through this state with no Delay or Guard on the way", steps);
    if (s->type == VT_S_TERMINAL) {
      if (r->depth == 1) {
        r->done = 1;
        return 0;
      }
      r->depth--;                 /* back to the caller's CallSubmodule, which now exits */
      continue;
    }
    vt_time exit_time;
    int depth = r->depth;
    int rc = run_state(e, run, f, s, t, &exit_time);
    if (rc == FAIL || rc == DIED) return rc;
    if (rc == BLOCK) {
      if (r->depth > depth) continue;          /* a submodule was pushed: run it */
      r->sleep_until = VT_NO_TIME;
      if (s->type == VT_S_DELAY || s->type == VT_S_PROCEDURE) r->sleep_until = f->wake;
      else if (s->type == VT_S_ENCOUNTER && s->wellness) r->sleep_until = e->next_wellness;
      return 0;
    }
    int next = next_state(e, f, s, t);
    if (next < 0) return FAIL;
    count_transition(e, f, next);
    exit_state(e, f, exit_time);
    enter_state(e, f, next, exit_time);
    if (exit_time < t) {
      /* a Delay ended between steps: run what follows at its end time */
      int rr = process_run(e, run, exit_time);
      if (rr != 0) return rr;
      if (r->done) return 0;
      p->now = t;
    }
  }
}

/* process_run for the step loop: with module_streams, everything module
** `run` and its Lua functions draw comes from its own stream, swapped into
** p->rng for the call. */
static int run_module(vt_engine *e, int run, vt_time t) {
  if (!e->opts.module_streams) return process_run(e, run, t);
  vt_rng life = e->p.rng;
  e->p.rng = e->mod_rng[run];
  int rc = process_run(e, run, t);
  e->mod_rng[run] = e->p.rng;
  e->p.rng = life;
  return rc;
}

/* ---- the native lifecycle ---------------------------------------------- */

static void set_vital(vt_patient *p, const char *name, double v, vt_time t) {
  vt_slot *s = vt_map_put(&p->vitals, name, NULL);
  s->v = num_value(v);
  s->t = t;
}

static void vital_row(vt_engine *e, const vt_code *code, double v, const char *units, vt_time t, int32_t enc) {
  vt_row *row = add_row(e, VT_T_OBSERVATION, NULL, NULL, NULL, t, code);
  row->encounter = enc;
  row->category = "vital-signs";
  row->units = units;
  row->value_type = VT_OBS_NUMERIC;
  row->value = round(v * 10.0) / 10.0;
  row->state = "Vital Signs";
  vt_slot *o = vt_map_put(&e->p.observations, code->code, NULL);
  o->v = num_value(row->value); o->t = t;
}

static void update_growth(vt_engine *e, vt_time t) {
  vt_patient *p = &e->p;
  double h, w, bmi;
  vt_growth_at(&e->growth, p->rec.person.gender, vt_time_age_exact(p->rec.person.birth, t), &h, &w, &bmi);
  set_vital(p, "Height", h, t);
  set_vital(p, "Weight", w, t);
  set_vital(p, "BMI", bmi, t);
  p->rec.person.height_cm = h;
  p->rec.person.weight_kg = w;
}

/* A scheduled wellness visit: an encounter that modules waiting for one
** join during this step, with vital signs recorded. */
static void wellness_visit(vt_engine *e, vt_time t) {
  vt_patient *p = &e->p;
  double age = vt_time_age_exact(p->rec.person.birth, t);
  vt_row *enc = add_row(e, VT_T_ENCOUNTER, NULL, NULL, NULL, t, age < 18 ? &C_WELL_CHILD : &C_GENERAL_EXAM);
  int32_t id = enc->id = p->rec.nencounters++;
  enc->text = "wellness";
  enc->state = "Wellness Visit";
  enc->stop = t + 30 * VT_MS_MINUTE;
  p->wellness_encounter = id;
  e->wellness_row = (int32_t)(enc - p->rec.rows);
  e->wellness_time = t;
  update_growth(e, t);
  vt_slot *h = vt_map_get(&p->vitals, "Height"), *w = vt_map_get(&p->vitals, "Weight"), *b = vt_map_get(&p->vitals, "BMI");
  vital_row(e, &C_HEIGHT, h->v.u.n, "cm", t, id);
  vital_row(e, &C_WEIGHT, w->v.u.n, "kg", t, id);
  if (age >= 2) vital_row(e, &C_BMI, b->v.u.n, "kg/m2", t, id);
  /* hypertension raises blood pressure: a module may set the attribute
  ** blood_pressure_offset (mmHg); without it an active essential
  ** hypertension adds 20 mmHg systolic */
  double offset = 0;
  vt_slot *off = vt_map_get(&p->attrs, "blood_pressure_offset");
  if (off && off->v.kind == VT_V_NUM) offset = off->v.u.n;
  else if (vt_actives_find_code(&p->active[VT_ACT_CONDITION], HYPERTENSION_CODE) >= 0) offset = 20;
  vt_vitals v;
  vt_vitals_draw(&p->rng, p->rec.person.gender, age, offset, &v);
  if (age >= 3) {
    vital_row(e, &C_SYSTOLIC, v.systolic, "mm[Hg]", t, id);
    vital_row(e, &C_DIASTOLIC, v.diastolic, "mm[Hg]", t, id);
  }
  vital_row(e, &C_HEART_RATE, v.heart_rate, "/min", t, id);
  vital_row(e, &C_RESP_RATE, v.resp_rate, "/min", t, id);
  set_vital(p, "Systolic Blood Pressure", v.systolic, t);
  set_vital(p, "Diastolic Blood Pressure", v.diastolic, t);
  set_vital(p, "Heart Rate", v.heart_rate, t);
  set_vital(p, "Respiration Rate", v.resp_rate, t);
  set_vital(p, "Body Temperature", v.temperature, t);
  vt_sattr_wellness(p, t);
}

/* The distinct successors of every state (vt_engine.tr_off, tr_to) and
** their counts, zero. */
static void setup_transitions(vt_engine *e) {
  const vt_history *h = &e->p.hist;
  int cap = 0, n = 0;
  e->tr_off = malloc(sizeof *e->tr_off * ((size_t)h->total + 1));
  if (!e->tr_off) { fprintf(stderr, "vitae: out of memory\n"); abort(); }
  int *buf = NULL, bufcap = 0;
  for (int m = 0; m < e->ms.n; m++) {
    const vt_module *mod = e->ms.mods[m];
    for (int si = 0; si < mod->nstates; si++) {
      const vt_state *s = &mod->states[si];
      const vt_transition *tr = &s->tr;
      int bound = tr->ndists + tr->nopts + VT_CARE__COUNT + 1;
      for (int i = 0; i < tr->nopts; i++) bound += tr->opts[i].ndists;
      if (bound > bufcap) {
        bufcap = bound;
        buf = realloc(buf, sizeof *buf * (size_t)bufcap);
        if (!buf) { fprintf(stderr, "vitae: out of memory\n"); abort(); }
      }
      int ns = vt_state_successors(mod, s, buf, bufcap);
      e->tr_off[h->offset[m] + si] = n;
      for (int i = 0; i < ns; i++) {
        int dup = 0;
        for (int k = e->tr_off[h->offset[m] + si]; k < n && !dup; k++) dup = e->tr_to[k] == buf[i];
        if (dup) continue;
        if (n == cap) {
          cap = cap ? 2 * cap : 256;
          e->tr_to = realloc(e->tr_to, sizeof *e->tr_to * (size_t)cap);
          if (!e->tr_to) { fprintf(stderr, "vitae: out of memory\n"); abort(); }
        }
        e->tr_to[n++] = buf[i];
      }
    }
  }
  e->tr_off[h->total] = n;
  free(buf);
  e->tr_count = calloc((size_t)(n ? n : 1), sizeof *e->tr_count);
  if (!e->tr_count) { fprintf(stderr, "vitae: out of memory\n"); abort(); }
}

static void setup_history(vt_engine *e) {
  vt_history *h = &e->p.hist;
  h->nmods = e->ms.n;
  h->offset = calloc((size_t)e->ms.n + 1, sizeof *h->offset);
  int total = 0;
  for (int i = 0; i < e->ms.n; i++) { h->offset[i] = total; total += e->ms.mods[i]->nstates; }
  h->total = total;
  h->entered = malloc(sizeof *h->entered * (size_t)(total ? total : 1));
  h->exited = malloc(sizeof *h->exited * (size_t)(total ? total : 1));
  e->p.runs = calloc((size_t)(e->ms.ntop ? e->ms.ntop : 1), sizeof *e->p.runs);
  e->p.nruns = e->ms.ntop;
  e->p.wellness_joined = malloc(sizeof *e->p.wellness_joined * (size_t)(e->ms.n ? e->ms.n : 1));
  e->mod_rng = malloc(sizeof *e->mod_rng * (size_t)(e->ms.ntop ? e->ms.ntop : 1));
  e->state_patients = calloc((size_t)(total ? total : 1), sizeof *e->state_patients);
  e->state_entries = calloc((size_t)(total ? total : 1), sizeof *e->state_entries);
  if (!h->offset || !h->entered || !h->exited || !e->p.runs || !e->state_patients || !e->state_entries || !e->p.wellness_joined || !e->mod_rng) { fprintf(stderr, "vitae: out of memory\n"); abort(); }
  setup_transitions(e);
}

vt_engine_status vt_engine_open(vt_engine **out, const vt_sim_opts *o, char *const *paths, int npaths,
                                struct vt_params *params, const vt_lua_limits *limits,
                                char *failed, size_t failedlen, char *err, size_t errlen) {
  *out = NULL;
  if (failed && failedlen) failed[0] = 0;
  vt_engine *e = calloc(1, sizeof *e);
  if (!e) { snprintf(err, errlen, "out of memory"); return VT_ENGINE_EFAIL; }
  e->opts = *o;
  vt_patient_init(&e->p);
  e->lua = vt_lua_new(limits, params, err, errlen);
  if (!e->lua) { vt_patient_free(&e->p); free(e); return VT_ENGINE_EFAIL; }
  if (vt_modset_load(&e->ms, e->lua, paths, npaths, failed, failedlen, err, errlen) != 0) {
    vt_engine_status st = e->lua->param_type_error ? VT_ENGINE_EPARAM : VT_ENGINE_EFAIL;
    vt_lua_free(e->lua); vt_patient_free(&e->p); free(e);
    return st;
  }
  if (vt_lifecycle_from_params(&e->lc, params, err, errlen) != 0) {
    vt_modset_free(&e->ms); vt_lua_free(e->lua); vt_patient_free(&e->p); free(e);
    return VT_ENGINE_EPARAM;
  }
  setup_history(e);
  *out = e;
  return VT_ENGINE_OK;
}

int vt_engine_params(const vt_engine *e, const vt_param_decl **list, int *n) {
  return vt_modset_params(&e->ms, list, n);
}

vt_engine *vt_engine_new(const vt_sim_opts *o, char *const *paths, int npaths,
                         struct vt_params *params, const vt_lua_limits *limits,
                         char *err, size_t errlen) {
  vt_engine *e;
  return vt_engine_open(&e, o, paths, npaths, params, limits, NULL, 0, err, errlen) == VT_ENGINE_OK ? e : NULL;
}

void vt_engine_free(vt_engine *e) {
  if (!e) return;
  vt_modset_free(&e->ms);
  free(e->state_patients);
  free(e->state_entries);
  free(e->tr_off);
  free(e->tr_to);
  free(e->tr_count);
  free(e->mod_rng);
  vt_lua_free(e->lua);
  vt_patient_free(&e->p);
  free(e);
}

int vt_engine_simulate(vt_engine *e, int64_t index) {
  vt_patient *p = &e->p;
  vt_patient_reset(p);
  vt_lua_patient_begin(e->lua);   /* module state as it was after loading */
  vt_rng_seed_patient(&p->rng, e->opts.seed, (uint64_t)index, 0);
  vt_demo_opts d = { e->opts.reference, e->opts.age_min, e->opts.age_max, e->opts.gender, &e->lc };
  vt_demo_draw(&p->rng, &d, &p->rec);
  vt_sattr_birth(p, p->rec.person.birth);
  p->rec.person.index = index;
  p->rec.person.death = VT_NO_TIME;
  p->rec.person.death_cause = NULL;
  vt_time birth = p->rec.person.birth;
  vt_growth_draw(&p->rng, &e->growth);
  p->natural_death = vt_life_draw_death_lc(&p->rng, p->rec.person.gender, birth, birth, e->opts.reference, &e->lc);
  p->end = e->opts.reference;
  e->death_at = VT_NO_TIME;
  e->death_cause = NULL;
  e->age_day = INT64_MIN;
  e->age_until = INT64_MIN;
  for (int i = 0; i < p->hist.total; i++) { p->hist.entered[i] = VT_NO_TIME; p->hist.exited[i] = VT_NO_TIME; }
  for (int i = 0; i < e->ms.n; i++) p->wellness_joined[i] = -1;
  for (int i = 0; i < p->nruns; i++) {
    vt_modrun *r = &p->runs[i];
    const vt_module *m = e->ms.mods[i];
    r->depth = 1; r->done = 0;
    r->encounter = -1; r->encounter_row = -1;
    r->sleep_until = VT_NO_TIME;
    r->stack[0].mod = m;
    enter_state(e, &r->stack[0], m->initial, birth);
    if (e->opts.module_streams)
      vt_rng_seed_patient(&e->mod_rng[i], e->opts.seed, (uint64_t)index, VT_MODULE_STREAM + (uint32_t)i);
  }
  e->next_wellness = vt_wellness_next(birth, birth - 1);
  int rc = 0;
  vt_time t;
  for (t = birth; t < p->end; t += VT_MS_WEEK) {
    vt_time dies = p->natural_death;
    const vt_code *cause = &C_NATURAL_DEATH;
    if (e->death_at != VT_NO_TIME && (dies == VT_NO_TIME || e->death_at < dies)) { dies = e->death_at; cause = e->death_cause; }
    if (dies != VT_NO_TIME && dies <= t) { die(e, dies, cause); break; }
    p->now = t;
    vt_sattr_step(p, t);
    if (t >= e->next_wellness) {
      wellness_visit(e, t);
      e->next_wellness = vt_wellness_next(birth, t);
    }
    for (int i = 0; i < p->nruns && rc == 0; i++) {
      vt_modrun *r = &p->runs[i];
      if (r->done || (r->sleep_until != VT_NO_TIME && r->sleep_until > t)) continue;
      rc = run_module(e, i, t);
    }
    p->wellness_encounter = -1;
    if (rc == FAIL) return -1;
    if (rc == DIED) break;
  }
  if (p->alive) {
    vt_time dies = e->death_at != VT_NO_TIME && e->death_at < p->end ? e->death_at : VT_NO_TIME;
    if (dies != VT_NO_TIME) die(e, dies, e->death_cause);
  }
  /* close what is still open at the end of the record */
  vt_time last = p->alive ? p->end : p->rec.person.death;
  for (int i = 0; i < p->nruns; i++) close_encounter(e, &p->runs[i], last);
  if (!p->alive) {
    /* nothing outlives the patient: a death at a rewound time (a Delay that
    ** ended between steps) can fall before rows other modules wrote in the
    ** same step; they are dropped */
    size_t k = 0;
    for (size_t i = 0; i < p->rec.nrows; i++)
      if (p->rec.rows[i].start <= last) p->rec.rows[k++] = p->rec.rows[i];
    p->rec.nrows = k;
    for (size_t i = 0; i < p->rec.nrows; i++) {
      vt_row *row = &p->rec.rows[i];
      if (row->stop != VT_NO_TIME && row->stop > last) row->stop = last;
      if (row->stop == VT_NO_TIME && (row->table == VT_T_MEDICATION || row->table == VT_T_CAREPLAN)) row->stop = last;
    }
  }
  update_growth(e, last);
  vt_window_choose(&p->rec, &e->opts.window, e->opts.seed, index, p->end);
  vt_window_apply(&p->rec);
  for (int i = 0; i < p->hist.total; i++)
    if (p->hist.entered[i] != VT_NO_TIME) e->state_patients[i]++;
  return 0;
}

/* ---- what callers may read ------------------------------------------------ */

const char *vt_engine_error(const vt_engine *e) { return e->err; }
const char *vt_engine_error_module(const vt_engine *e) { return e->err_module; }

void vt_engine_swap_record(vt_engine *e, vt_record *rec) {
  vt_record tmp = *rec;
  *rec = e->p.rec;
  e->p.rec = tmp;
}

int vt_engine_nmodules(const vt_engine *e) { return e->ms.n; }
int vt_engine_ntop(const vt_engine *e) { return e->ms.ntop; }
const vt_module *vt_engine_module(const vt_engine *e, int i) { return e->ms.mods[i]; }

int vt_engine_each_state_count(vt_engine *const *engines, int n, vt_state_count_fn fn, void *ud) {
  const vt_engine *e0 = engines[0];
  for (int m = 0; m < e0->ms.n; m++) {
    const vt_module *mod = e0->ms.mods[m];
    for (int s = 0; s < mod->nstates; s++) {
      int k = e0->p.hist.offset[m] + s;
      int64_t pats = 0, ents = 0;
      for (int i = 0; i < n; i++) { pats += engines[i]->state_patients[k]; ents += engines[i]->state_entries[k]; }
      int rc = fn(mod, &mod->states[s], pats, ents, ud);
      if (rc) return rc;
    }
  }
  return 0;
}

int vt_engine_each_transition_count(vt_engine *const *engines, int n, vt_transition_count_fn fn, void *ud) {
  const vt_engine *e0 = engines[0];
  for (int m = 0; m < e0->ms.n; m++) {
    const vt_module *mod = e0->ms.mods[m];
    for (int s = 0; s < mod->nstates; s++) {
      int k = e0->p.hist.offset[m] + s;
      for (int j = e0->tr_off[k]; j < e0->tr_off[k + 1]; j++) {
        int64_t c = 0;
        for (int i = 0; i < n; i++) c += engines[i]->tr_count[j];
        int rc = fn(mod, &mod->states[s], &mod->states[e0->tr_to[j]], c, ud);
        if (rc) return rc;
      }
    }
  }
  return 0;
}
