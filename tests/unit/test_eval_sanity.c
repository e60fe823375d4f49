/*
** test_eval_sanity.c -- the clinical sanity rules (learn/eval_sanity.c):
** hand-built persons fed to the hook trigger each rule exactly once, clean
** persons none; an OMOP concept id variant; examples capped at 3; the
** JSON parses (python3) and the HTML section closes.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/eval.h"
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

/* Run the area on one side, write its JSON to a file, return the events of
** each rule (parsed back with python3) in counts. */
static int run_json(vt_eval_sanity_side *s, const char *path, long counts[NR], char *html, size_t hlen) {
  vt_ecohort *c = vt_ecohort_new("hand");
  vt_eval_ctx cx = { .synth = c, .seed = 1, .threads = 1, .quiet = 1 };
  vt_eval_sanity *r;
  char err[256];
  if (vt_eval_sanity_run(&cx, s, NULL, NULL, &r, err, sizeof err) != 0) return -1;
  FILE *f = fopen(path, "w");
  vt_jsonw w;
  vt_jw_init(&w, f);
  vt_jw_obj(&w, 0);
  vt_eval_sanity_json(r, &w);
  vt_jw_end(&w);
  fclose(f);
  FILE *h = tmpfile();
  int hrc = vt_eval_sanity_html(r, h);
  rewind(h);
  size_t n = fread(html, 1, hlen - 1, h);
  html[n] = 0;
  fclose(h);
  vt_eval_sanity_free(r);
  vt_ecohort_free(c);
  char cmd[512];
  snprintf(cmd, sizeof cmd,
           "python3 -c \"import json,sys; d=json.load(open('%s')); "
           "print(' '.join(str(x['sides']['synth']['events']) for x in d['rules']))\"", path);
  FILE *pp = popen(cmd, "r");
  int got = 0;
  for (int k = 0; k < NR; k++) got += fscanf(pp, "%ld", &counts[k]) == 1;
  pclose(pp);
  return got == NR && hrc == 0 ? 0 : -2;
}

int main(void) {
  static char html[1 << 16];
  long counts[NR];
  const char *json = "build/tests/test_eval_sanity.json";

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
  CHECK(run_json(s, json, counts, html, sizeof html) == 0, "sanity: JSON parses, HTML writes");
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
  CHECK(run_json(s, json, counts, html, sizeof html) == 0, "sanity clean: JSON parses");
  long tot = 0;
  for (int k = 0; k < NR; k++) tot += counts[k];
  CHECK(tot == 0, "sanity clean: no rule triggered (%ld)", tot);

  /* an OMOP concept id variant (no vocabulary, concept 4217975 Normal pregnancy) and the cap on examples */
  s = vt_eval_sanity_side_new("synth");
  for (int i = 0; i < 5; i++) {
    vt_event o[] = { ev(VT_DOMAIN_CONDITION, "", "whatever", "2000-01-01", NULL) };
    o[0].concept_id = 4217975;
    char id[8];
    snprintf(id, sizeof id, "m%d", i);
    p = person(id, 'M', "1970-01-01", NULL, o, 1);
    vt_eval_sanity_hook(s, &p);
  }
  CHECK(run_json(s, json, counts, html, sizeof html) == 0, "sanity concept: JSON parses");
  CHECK(counts[0] == 5, "sanity concept: the concept id 4217975 on 5 males counts 5 (%ld)", counts[0]);
  FILE *pp = popen("python3 -c \"import json; d=json.load(open('build/tests/test_eval_sanity.json')); "
                   "r=d['rules'][0]['sides']['synth']; print(len(r['examples']), r['persons'], r['per_1000'], "
                   "d['total_per_1000']['synth'])\"", "r");
  int nex = -1; long np = -1; double rate = -1, total = -1;
  CHECK(fscanf(pp, "%d %ld %lf %lf", &nex, &np, &rate, &total) == 4, "sanity concept: fields read");
  pclose(pp);
  CHECK(nex == 3, "sanity: examples capped at 3 (%d)", nex);
  CHECK(np == 5 && rate == 1000 && total == 1000, "sanity: persons 5, 1000 per 1,000 (%ld %g %g)", np, rate, total);

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
  remove(json);
  return test_done();
}
