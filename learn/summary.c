/*
** summary.c -- the numbers of a patient-level view (summary.h).
**
** Codes are counted in one hash table keyed by (domain, system, code); its
** entries are numbered in insertion order, and parallel arrays hold each
** code's rows, persons (a code counts a person once: the last person seen
** is kept per code) and concept.  Descriptions are counted in a second
** table keyed by (code entry, description), and the most frequent one per
** code is picked at the end.
*/
#include "learn/summary.h"

#include <stdlib.h>
#include <string.h>

#include "sim/hash.h"
#include "sim/strbuf.h"
#include "sim/vtime.h"

/* Per code entry of the codes table. */
typedef struct code_stat {
  int64_t rows, persons, last_seq, concept_id;
  int64_t best_desc;             /* entry of the descriptions table, -1 none */
  uint64_t best_count;
} code_stat;

struct vt_summary_tally {
  vt_strmap codes, descs;
  code_stat *stat;
  size_t cap;
  int64_t last_seq[VT_DOMAIN__COUNT];
  vt_sbuf key;
};

vt_summary *vt_summary_new(void) {
  vt_summary *s = vt_xcalloc(1, sizeof *s);
  s->tally = vt_xcalloc(1, sizeof *s->tally);
  for (int d = 0; d < VT_DOMAIN__COUNT; d++) s->tally->last_seq[d] = -1;
  s->first_birth = s->last_birth = s->obs_start = s->obs_end = VT_NO_DAY;
  return s;
}

int vt_age_years(vt_day birth, vt_day at) {
  if (birth == VT_NO_DAY || at == VT_NO_DAY || at < birth) return -1;
  int by, bm, bd, y, m, d;
  vt_civil_from_days(birth, &by, &bm, &bd);
  vt_civil_from_days(at, &y, &m, &d);
  int age = y - by;
  if (m < bm || (m == bm && d < bd)) age--;
  return age;
}

static int sex_index(char sex) { return sex == 'F' ? VT_SEX_F : sex == 'M' ? VT_SEX_M : VT_SEX_U; }

/* The last day of p's record: death, else the end of its last observation
** period, else its last event's start; VT_NO_DAY when none. */
static vt_day record_end(const vt_person *p) {
  if (p->death != VT_NO_DAY) return p->death;
  vt_day end = VT_NO_DAY;
  for (size_t k = 0; k < p->nperiods; k++) if (end == VT_NO_DAY || p->periods[k].end > end) end = p->periods[k].end;
  if (end == VT_NO_DAY && p->nevents) end = p->events[p->nevents - 1].start;
  return end;
}

/* Count the person-level numbers of p: sex, birth, death, age, periods. */
static void add_person(vt_summary *s, const vt_person *p) {
  int sx = sex_index(p->sex);
  s->persons++;
  s->sex[sx]++;
  if (p->death != VT_NO_DAY) s->dead++;
  if (p->birth == VT_NO_DAY) s->no_birth++;
  else {
    if (s->first_birth == VT_NO_DAY || p->birth < s->first_birth) s->first_birth = p->birth;
    if (s->last_birth == VT_NO_DAY || p->birth > s->last_birth) s->last_birth = p->birth;
  }
  int age = vt_age_years(p->birth, record_end(p));
  if (age < 0) s->age_unknown++;
  else s->ages[age / 10 < VT_AGE_BANDS - 1 ? age / 10 : VT_AGE_BANDS - 1][sx]++;
  if (p->nperiods) s->persons_observed++;
  for (size_t k = 0; k < p->nperiods; k++) {
    const vt_period *pd = &p->periods[k];
    s->periods++;
    s->obs_days += (double)pd->end - (double)pd->start + 1;
    if (s->obs_start == VT_NO_DAY || pd->start < s->obs_start) s->obs_start = pd->start;
    if (s->obs_end == VT_NO_DAY || pd->end > s->obs_end) s->obs_end = pd->end;
  }
}

/* The code entry of event e (added when new); -1 when out of memory. */
static long code_entry(struct vt_summary_tally *t, const vt_event *e) {
  const char *sys = e->system ? e->system : "", *code = e->code ? e->code : "";
  t->key.n = 0;
  char dom = (char)('a' + e->domain);
  vt_sb_add(&t->key, &dom, 1);
  vt_sb_add(&t->key, sys, strlen(sys));
  vt_sb_add(&t->key, "\x1f", 1);
  vt_sb_add(&t->key, code, strlen(code));
  int added = 0;
  long i = vt_strmap_add(&t->codes, t->key.p, t->key.n, &added);
  if (i < 0) return -1;
  if ((size_t)i >= t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 1024;
    code_stat *ns = realloc(t->stat, cap * sizeof *ns);
    if (!ns) return -1;
    t->stat = ns;
    t->cap = cap;
  }
  if (added) t->stat[i] = (code_stat){ 0, 0, -1, 0, -1, 0 };
  return i;
}

/* Count description desc for code entry i; 0, or -1 out of memory. */
static int add_description(struct vt_summary_tally *t, long i, const char *desc) {
  uint32_t ci = (uint32_t)i;
  t->key.n = 0;
  vt_sb_add(&t->key, (const char *)&ci, sizeof ci);
  vt_sb_add(&t->key, desc, strlen(desc));
  long d = vt_strmap_add(&t->descs, t->key.p, t->key.n, NULL);
  if (d < 0) return -1;
  (*vt_strmap_value(&t->descs, (size_t)d))++;
  return 0;
}

int vt_summary_add(vt_summary *s, const vt_person *p) {
  struct vt_summary_tally *t = s->tally;
  add_person(s, p);
  for (size_t k = 0; k < p->nevents; k++) {
    const vt_event *e = &p->events[k];
    if ((unsigned)e->domain >= VT_DOMAIN__COUNT) continue;
    vt_domain_summary *d = &s->domain[e->domain];
    s->events++;
    d->rows++;
    if (e->concept_id == 0) d->no_concept++;
    if (t->last_seq[e->domain] != p->seq) { t->last_seq[e->domain] = p->seq; d->persons++; }
    long i = code_entry(t, e);
    if (i < 0) return -1;
    code_stat *cs = &t->stat[i];
    cs->rows++;
    if (cs->last_seq != p->seq) { cs->last_seq = p->seq; cs->persons++; }
    if (!cs->concept_id && e->concept_id) cs->concept_id = e->concept_id;
    if (e->description && *e->description && add_description(t, i, e->description) < 0) return -1;
  }
  return 0;
}

static int code_cmp(const void *pa, const void *pb) {
  const vt_code_count *a = pa, *b = pb;
  if (a->rows != b->rows) return a->rows > b->rows ? -1 : 1;
  int c = strcmp(a->system, b->system);
  return c ? c : strcmp(a->code, b->code);
}

/* For each code, the description counted most often (the first seen on a
** tie). */
static void pick_descriptions(struct vt_summary_tally *t) {
  size_t nd = vt_strmap_count(&t->descs);
  for (size_t d = 0; d < nd; d++) {
    uint32_t ci;
    memcpy(&ci, vt_strmap_key(&t->descs, d, NULL), sizeof ci);
    uint64_t n = *vt_strmap_value(&t->descs, d);
    if (n > t->stat[ci].best_count) { t->stat[ci].best_count = n; t->stat[ci].best_desc = (int64_t)d; }
  }
}

void vt_summary_finish(vt_summary *s, const vt_quality *q) {
  struct vt_summary_tally *t = s->tally;
  if (q) s->quality = *q;
  pick_descriptions(t);
  size_t n = vt_strmap_count(&t->codes);
  for (size_t i = 0; i < n; i++) {
    const char *key = vt_strmap_key(&t->codes, i, NULL);
    s->domain[key[0] - 'a'].ncodes++;
  }
  for (int d = 0; d < VT_DOMAIN__COUNT; d++) {
    s->domain[d].codes = vt_xcalloc(s->domain[d].ncodes + 1, sizeof *s->domain[d].codes);
    s->domain[d].ncodes = 0;
  }
  for (size_t i = 0; i < n; i++) {
    /* the key's bytes live in the map until vt_summary_free: the system is
    ** cut at the separator in place */
    char *key = (char *)vt_strmap_key(&t->codes, i, NULL);
    char *us = strchr(key + 1, '\x1f');
    *us = 0;
    vt_domain_summary *d = &s->domain[key[0] - 'a'];
    const code_stat *cs = &t->stat[i];
    d->codes[d->ncodes++] = (vt_code_count){
      .system = key + 1, .code = us + 1, .concept_id = cs->concept_id,
      .description = cs->best_desc >= 0 ? vt_strmap_key(&t->descs, (size_t)cs->best_desc, NULL) + sizeof(uint32_t) : NULL,
      .rows = cs->rows, .persons = cs->persons,
    };
  }
  for (int d = 0; d < VT_DOMAIN__COUNT; d++)
    if (s->domain[d].ncodes > 1) qsort(s->domain[d].codes, s->domain[d].ncodes, sizeof *s->domain[d].codes, code_cmp);
}

void vt_summary_free(vt_summary *s) {
  if (!s) return;
  for (int d = 0; d < VT_DOMAIN__COUNT; d++) free(s->domain[d].codes);
  if (s->tally) {
    vt_strmap_free(&s->tally->codes);
    vt_strmap_free(&s->tally->descs);
    free(s->tally->stat);
    free(s->tally->key.p);
    free(s->tally);
  }
  free(s);
}
