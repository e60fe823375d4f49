/*
** test_eval_sanity.c -- the clinical sanity rules (learn/eval_sanity.c):
** hand-built persons fed to the hook trigger each rule exactly once, clean
** persons none; an OMOP concept id variant; examples capped at 3; the
** JSON parses (vitae's strict JSON reader) and the HTML section closes.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "learn/eval.h"
#include "lua/json.h"
#include "lualib.h"
#include "test.h"

static vt_day D(const char *s) { vt_day d; vt_day_parse(s, &d); return d; }

static vt_event ev(vt_domain dom, const char *sys, const char *code, const char *start, const char *end) {
  vt_event e;
  memset(&e, 0, sizeof e);
  e.domain = dom; e.system = sys; e.code = code; e.start = D(start); e.end = end ? D(end) : VT_NO_DAY;
  e.table = "t"; e.row = 7;
  return e;
}

static vt_person person(const char *id, char sex, const char *birth, const char *death, vt_event *e, size_t n) {
  vt_person p;
  memset(&p, 0, sizeof p);
  p.id = id; p.sex = sex; p.birth = D(birth); p.death = death ? D(death) : VT_NO_DAY;
  p.events = e; p.nevents = n; p.table = "person"; p.row = 1;
  return p;
}

static const char *const ids[] = { "female_code_male", "male_code_female", "event_before_birth", "event_after_death",
                                   "pregnancy_age", "dementia_age", "prostate_cancer_age", "menopause_age",
                                   "inpatient_overlap", "death_before_birth", "observation_after_death" };
#define NR 11

static char *last_json;   /* the JSON of the last run_json */

/* Run the area on side s, write its JSON (into memory) and HTML (into
** html), parse the JSON back with vitae's strict JSON reader and read each
** rule's synthetic event count into counts.  0, or -1 / -2 on failure. */
static int run_json(vt_eval_sanity_side *s, long counts[NR], char *html, size_t hlen) {
  vt_ecohort *c = vt_ecohort_new("hand");
  vt_eval_ctx cx = { .synth = c, .seed = 1, .threads = 1, .quiet = 1 };
  vt_eval_sanity *r;
  char err[256];
  if (vt_eval_sanity_run(&cx, s, NULL, NULL, &r, err, sizeof err) != 0) { vt_ecohort_free(c); return -1; }
  char *js = NULL, *hs = NULL;
  size_t jn = 0, hn = 0;
  FILE *f = open_memstream(&js, &jn);
  FILE *h = open_memstream(&hs, &hn);
  if (!f || !h) return -1;
  vt_jsonw w;
  vt_jw_init(&w, f);
  vt_jw_obj(&w, 0);
  vt_eval_sanity_json(r, &w);
  vt_jw_end(&w);
  fclose(f);
  int hrc = vt_eval_sanity_html(r, h);
  fclose(h);
  snprintf(html, hlen, "%s", hs ? hs : "");
  vt_eval_sanity_free(r);
  vt_ecohort_free(c);
  lua_State *L = luaL_newstate();
  int got = 0;
  if (vt_json_push(L, js, jn, "sanity.json", err, sizeof err) == 0) {
    lua_getfield(L, -1, "rules");
    for (int k = 0; k < NR && lua_istable(L, -1); k++) {
      lua_rawgeti(L, -1, k + 1);
      if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "sides");
        lua_getfield(L, -1, "synth");
        lua_getfield(L, -1, "events");
        if (lua_isinteger(L, -1)) { counts[k] = (long)lua_tointeger(L, -1); got++; }
        lua_pop(L, 3);
      }
      lua_pop(L, 1);
    }
  }
  lua_close(L);
  free(last_json);
  last_json = js;
  free(hs);
  return got == NR && hrc == 0 ? 0 : -2;
}

/* The number (or, with len, the array length) at a dotted path ("rules.1.
** sides.synth.persons", positions from 1) of the last JSON run_json wrote;
** NAN when absent. */
static double json_at(const char *path, int len) {
  double v = NAN;
  lua_State *L = luaL_newstate();
  char err[256], buf[256];
  if (last_json && vt_json_push(L, last_json, strlen(last_json), "sanity.json", err, sizeof err) == 0) {
    snprintf(buf, sizeof buf, "%s", path);
    int ok = 1;
    for (char *part = strtok(buf, "."); part && ok; part = strtok(NULL, ".")) {
      if (!lua_istable(L, -1)) { ok = 0; break; }
      char *end;
      long i = strtol(part, &end, 10);
      if (*end == '\0' && end != part) lua_rawgeti(L, -1, i);
      else lua_getfield(L, -1, part);
    }
    if (ok && len && lua_istable(L, -1)) v = (double)luaL_len(L, -1);
    else if (ok && lua_type(L, -1) == LUA_TNUMBER) v = lua_tonumber(L, -1);
  }
  lua_close(L);
  return v;
}

int main(void) {
  static char html[1 << 16];
  long counts[NR];

  /* one violation of each rule */
  vt_eval_sanity_side *s = vt_eval_sanity_side_new("synth");
  vt_event e1[] = { ev(VT_DOMAIN_CONDITION, "SNOMED", "72892002", "2000-01-01", NULL) };
  vt_person p = person("m1", 'M', "1970-01-01", NULL, e1, 1);
  vt_eval_sanity_hook(s, &p);
  vt_event e2[] = { ev(VT_DOMAIN_MEASUREMENT, "LOINC", "2857-1", "2000-01-01", NULL) };
  p = person("f1", 'F', "1970-01-01", NULL, e2, 1);
  vt_eval_sanity_hook(s, &p);
  vt_event e3[] = { ev(VT_DOMAIN_DRUG, "RxNorm", "1", "1969-12-01", NULL) };
  p = person("b1", 'F', "1970-01-01", NULL, e3, 1);
  vt_eval_sanity_hook(s, &p);
  vt_event e4[] = { ev(VT_DOMAIN_DRUG, "RxNorm", "1", "2001-01-02", NULL) };
  p = person("d1", 'F', "1970-01-01", "2001-01-01", e4, 1);
  vt_eval_sanity_hook(s, &p);
  vt_event e5[] = { ev(VT_DOMAIN_CONDITION, "SNOMED", "47200007", "1975-01-01", NULL) };   /* age 5 */
  p = person("p1", 'F', "1970-01-01", NULL, e5, 1);
  vt_eval_sanity_hook(s, &p);
  vt_event e6[] = { ev(VT_DOMAIN_CONDITION, "SNOMED", "26929004", "1990-01-01", NULL) };   /* age 20 */
  p = person("a1", 'F', "1970-01-01", NULL, e6, 1);
  vt_eval_sanity_hook(s, &p);
  vt_event e7[] = { ev(VT_DOMAIN_CONDITION, "SNOMED", "92691004", "1985-01-01", NULL) };   /* age 15 */
  p = person("c1", 'M', "1970-01-01", NULL, e7, 1);
  vt_eval_sanity_hook(s, &p);
  vt_event e8[] = { ev(VT_DOMAIN_OBSERVATION, "SNOMED", "76498008", "1990-01-01", NULL) }; /* age 20 */
  p = person("n1", 'F', "1970-01-01", NULL, e8, 1);
  vt_eval_sanity_hook(s, &p);
  vt_event e9[] = { ev(VT_DOMAIN_VISIT, "SNOMED", "32485007", "2000-01-01", "2000-01-10"),
                    ev(VT_DOMAIN_VISIT, "SNOMED", "183452005", "2000-01-05", "2000-01-06"),
                    ev(VT_DOMAIN_VISIT, "SNOMED", "32485007", "2000-01-10", "2000-01-12") }; /* same-day readmission: fine */
  p = person("i1", 'M', "1970-01-01", NULL, e9, 3);
  vt_eval_sanity_hook(s, &p);
  p = person("x1", 'M', "1970-01-01", "1969-01-01", NULL, 0);
  vt_eval_sanity_hook(s, &p);
  vt_period per = { D("2000-01-01"), D("2001-03-01") };
  p = person("o1", 'M', "1970-01-01", "2001-01-01", NULL, 0);
  p.periods = &per; p.nperiods = 1;
  vt_eval_sanity_hook(s, &p);
  CHECK(run_json(s, counts, html, sizeof html) == 0, "sanity: JSON parses, HTML writes");
  for (int k = 0; k < NR; k++) CHECK(counts[k] == 1, "sanity: rule %s triggered once (%ld)", ids[k], counts[k]);
  CHECK(strncmp(html, "<section id=\"sanity\">", 21) == 0 && strstr(html, "</table>") &&
        strstr(html, "</section>\n") && html[strlen(html) - 1] == '\n', "sanity: HTML section opens and closes");

  /* clean persons trigger nothing */
  s = vt_eval_sanity_side_new("synth");
  vt_event c1[] = { ev(VT_DOMAIN_CONDITION, "SNOMED", "72892002", "1995-01-01", NULL),  /* pregnant at 25 */
                    ev(VT_DOMAIN_PROCEDURE, "SNOMED", "90226004", "1996-01-01", NULL),
                    ev(VT_DOMAIN_OBSERVATION, "SNOMED", "76498008", "2021-01-01", NULL), /* menopause at 51 */
                    ev(VT_DOMAIN_VISIT, "SNOMED", "32485007", "2000-01-01", "2000-01-03"),
                    ev(VT_DOMAIN_VISIT, "SNOMED", "32485007", "2000-01-03", "2000-01-05"),
                    ev(VT_DOMAIN_VISIT, "SNOMED", "50849002", "2000-01-04", "2000-01-04"),  /* ER: not inpatient */
                    ev(VT_DOMAIN_DRUG, "RxNorm", "1", "2022-01-01", NULL) };               /* day of death */
  vt_period cp = { D("1990-01-01"), D("2022-01-20") };
  p = person("clean1", 'F', "1970-01-01", "2022-01-01", c1, 7);
  p.periods = &cp; p.nperiods = 1;
  vt_eval_sanity_hook(s, &p);
  vt_event c2[] = { ev(VT_DOMAIN_CONDITION, "SNOMED", "126906006", "2030-01-01", NULL),
                    ev(VT_DOMAIN_CONDITION, "SNOMED", "26929004", "2035-01-01", NULL),
                    ev(VT_DOMAIN_CONDITION, "SNOMED", "72892002", "1990-01-01", NULL) };  /* sex unknown */
  p = person("clean2", 'U', "1960-01-01", NULL, c2, 3);
  vt_eval_sanity_hook(s, &p);
  CHECK(run_json(s, counts, html, sizeof html) == 0, "sanity clean: JSON parses");
  long tot = 0;
  for (int k = 0; k < NR; k++) tot += counts[k];
  CHECK(tot == 0, "sanity clean: no rule triggered (%ld)", tot);

  /* an OMOP concept id variant (no vocabulary, concept 4217975 Normal pregnancy) and the cap on examples */
  s = vt_eval_sanity_side_new("synth");
  for (int i = 0; i < 5; i++) {
    vt_event o[] = { ev(VT_DOMAIN_CONDITION, "", "whatever", "2000-01-01", NULL) };
    o[0].concept_id = 4217975;
    char id[16];
    snprintf(id, sizeof id, "m%d", i);
    p = person(id, 'M', "1970-01-01", NULL, o, 1);
    vt_eval_sanity_hook(s, &p);
  }
  CHECK(run_json(s, counts, html, sizeof html) == 0, "sanity concept: JSON parses");
  CHECK(counts[0] == 5, "sanity concept: the concept id 4217975 on 5 males counts 5 (%ld)", counts[0]);
  int nex = (int)json_at("rules.1.sides.synth.examples", 1);
  double np = json_at("rules.1.sides.synth.persons", 0), rate = json_at("rules.1.sides.synth.per_1000", 0);
  double total = json_at("total_per_1000.synth", 0);
  CHECK(nex == 3, "sanity: examples capped at 3 (%d)", nex);
  CHECK(np == 5 && rate == 1000 && total == 1000, "sanity: persons 5, 1000 per 1,000 (%g %g %g)", np, rate, total);

  /* verdicts */
  s = vt_eval_sanity_side_new("synth");
  vt_eval_sanity_side *real = vt_eval_sanity_side_new("real");
  vt_event g[] = { ev(VT_DOMAIN_CONDITION, "SNOMED", "72892002", "2000-01-01", NULL) };
  p = person("m", 'M', "1970-01-01", NULL, g, 1);
  vt_eval_sanity_hook(s, &p);
  vt_eval_sanity_hook(real, &p);
  vt_eval_sanity_hook(real, &p);
  for (int i = 0; i < 1999; i++) {
    vt_person q = person("ok", 'F', "1970-01-01", NULL, NULL, 0);
    vt_eval_sanity_hook(s, &q);
    vt_eval_sanity_hook(real, &q);
  }
  vt_ecohort *c = vt_ecohort_new("hand");
  vt_eval_ctx cx = { .synth = c, .seed = 1, .threads = 1, .quiet = 1 };
  vt_eval_sanity *r;
  char err[128];
  CHECK(vt_eval_sanity_run(&cx, s, real, NULL, &r, err, sizeof err) == 0, "sanity verdict: runs");
  vt_eval_verdict v;
  vt_eval_sanity_verdict(r, &v);
  CHECK(v.level == VT_EVAL_GOOD, "sanity verdict: 0.5 per 1,000, real 1: good (%s)", vt_eval_level_name(v.level));
  vt_eval_sanity_free(r);
  s = vt_eval_sanity_side_new("synth");
  vt_eval_sanity_hook(s, &p);
  for (int i = 0; i < 1999; i++) { vt_person q = person("ok", 'F', "1970-01-01", NULL, NULL, 0); vt_eval_sanity_hook(s, &q); }
  CHECK(vt_eval_sanity_run(&cx, s, NULL, NULL, &r, err, sizeof err) == 0, "sanity verdict: runs alone");
  vt_eval_sanity_verdict(r, &v);
  CHECK(v.level == VT_EVAL_CAUTION && v.value == 0.5, "sanity verdict: 0.5 per 1,000 alone: caution (%s %g)",
        vt_eval_level_name(v.level), v.value);
  vt_eval_sanity_free(r);
  s = vt_eval_sanity_side_new("synth");
  vt_eval_sanity_hook(s, &p);
  CHECK(vt_eval_sanity_run(&cx, s, NULL, NULL, &r, err, sizeof err) == 0, "sanity verdict: runs, one person");
  vt_eval_sanity_verdict(r, &v);
  CHECK(v.level == VT_EVAL_POOR, "sanity verdict: 1000 per 1,000: poor (%s)", vt_eval_level_name(v.level));
  vt_eval_sanity_free(r);
  vt_ecohort_free(c);
  free(last_json);
  return test_done();
}
