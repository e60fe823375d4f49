/*
** eval_cohort.c -- read a cohort into memory for `vitae eval`: the shared
** code list, the matching of a later source's codes onto it, and the
** compact per-person view (learn/eval_cohort.h).
*/
#include "learn/eval_cohort.h"

#include <stdlib.h>
#include <string.h>

#include "learn/codematch.h"
#include "learn/workload.h"
#include "sim/hash.h"
#include "sim/strbuf.h"
#include "sim/vtime.h"

/* ---- the shared code list ------------------------------------------------ */

/* The index key of (system, code): the two strings joined by a NUL, in
** buf when it fits (else in *heap, which the caller frees).  Its length. */
static size_t code_key(char *buf, size_t buflen, char **heap, const char *system, const char *code,
                       const char **key) {
  size_t ns = system ? strlen(system) : 0, nc = code ? strlen(code) : 0, n = ns + 1 + nc;
  char *k = buf;
  *heap = NULL;
  if (n > buflen) k = *heap = vt_xmalloc(n);
  if (ns) memcpy(k, system, ns);
  k[ns] = '\0';
  if (nc) memcpy(k + ns + 1, code, nc);
  *key = k;
  return n;
}

vt_ecodes *vt_ecodes_new(void) {
  vt_ecodes *c = vt_xcalloc(1, sizeof *c);
  c->index = vt_xcalloc(1, sizeof(vt_strmap));
  return c;
}

void vt_ecodes_free(vt_ecodes *c) {
  if (!c) return;
  for (size_t i = 0; i < c->n; i++) { free(c->system[i]); free(c->code[i]); free(c->desc[i]); }
  free(c->system); free(c->code); free(c->desc); free(c->domain);
  vt_strmap_free(c->index);
  free(c->index);
  free(c);
}

long vt_ecodes_find(const vt_ecodes *c, const char *system, const char *code) {
  char buf[256], *heap;
  const char *key;
  size_t n = code_key(buf, sizeof buf, &heap, system, code, &key);
  long i = vt_strmap_find(c->index, key, n);
  free(heap);
  return i;
}

long vt_ecodes_intern(vt_ecodes *c, const char *system, const char *code, vt_domain domain, const char *desc) {
  char buf[256], *heap;
  const char *key;
  size_t n = code_key(buf, sizeof buf, &heap, system, code, &key);
  int added = 0;
  long i = vt_strmap_add(c->index, key, n, &added);
  free(heap);
  if (i < 0) return -1;
  if (added) {
    if (c->n == c->cap) {
      c->cap = c->cap ? 2 * c->cap : 256;
      c->system = vt_xrealloc(c->system, c->cap * sizeof *c->system);
      c->code = vt_xrealloc(c->code, c->cap * sizeof *c->code);
      c->desc = vt_xrealloc(c->desc, c->cap * sizeof *c->desc);
      c->domain = vt_xrealloc(c->domain, c->cap * sizeof *c->domain);
    }
    c->system[c->n] = vt_xstrdup(system ? system : "");
    c->code[c->n] = vt_xstrdup(code ? code : "");
    c->desc[c->n] = desc && *desc ? vt_xstrdup(desc) : NULL;
    c->domain[c->n] = (uint8_t)domain;
    c->n++;
  } else if (!c->desc[i] && desc && *desc) {
    c->desc[i] = vt_xstrdup(desc);
  }
  return i;
}

void vt_ecodes_key(const vt_ecodes *c, size_t i, char *out, size_t outlen) {
  if (i >= c->n) { snprintf(out, outlen, "?"); return; }
  snprintf(out, outlen, "%s:%s", c->system[i], c->code[i]);
}

const char *vt_ecodes_label(const vt_ecodes *c, size_t i, char *buf, size_t buflen) {
  if (i < c->n && c->desc[i]) return c->desc[i];
  vt_ecodes_key(c, i, buf, buflen);
  return buf;
}

/* ---- building a cohort --------------------------------------------------- */

vt_ecohort *vt_ecohort_new(const char *spec) {
  vt_ecohort *c = vt_xcalloc(1, sizeof *c);
  c->spec = vt_xstrdup(spec ? spec : "");
  c->latest = VT_NO_DAY;
  return c;
}

int vt_ecohort_add_person(vt_ecohort *c, const vt_eperson *p) {
  if (c->n == c->pcap) {
    c->pcap = c->pcap ? 2 * c->pcap : 1024;
    c->persons = vt_xrealloc(c->persons, c->pcap * sizeof *c->persons);
  }
  c->persons[c->n] = *p;
  c->persons[c->n].use0 = (uint32_t)c->nuses;
  c->persons[c->n].nuse = 0;
  c->n++;
  return 0;
}

int vt_ecohort_add_use(vt_ecohort *c, const vt_euse *u) {
  if (c->n == 0 || c->nuses >= UINT32_MAX) return -1;
  if (c->nuses == c->ucap) {
    c->ucap = c->ucap ? 2 * c->ucap : 4096;
    c->uses = vt_xrealloc(c->uses, c->ucap * sizeof *c->uses);
  }
  c->uses[c->nuses++] = *u;
  c->persons[c->n - 1].nuse++;
  return 0;
}

static int use_cmp(const void *a, const void *b) {
  const vt_euse *x = a, *y = b;
  if (x->first != y->first) return x->first < y->first ? -1 : 1;
  return (x->code > y->code) - (x->code < y->code);
}

void vt_ecohort_end_person(vt_ecohort *c) {
  if (c->n == 0) return;
  vt_eperson *p = &c->persons[c->n - 1];
  if (p->nuse > 1) qsort(c->uses + p->use0, p->nuse, sizeof *c->uses, use_cmp);   /* uses may be NULL */
}

void vt_ecohort_free(vt_ecohort *c) {
  if (!c) return;
  free(c->spec); free(c->persons); free(c->uses);
  free(c);
}

const vt_euse *vt_ecohort_find_use(const vt_ecohort *c, const vt_eperson *p, uint32_t k) {
  const vt_euse *u = vt_ecohort_uses(c, p);
  for (uint32_t i = 0; i < p->nuse; i++) if (u[i].code == k) return &u[i];
  return NULL;
}

int vt_eval_age_years(vt_day birth, vt_day d) {
  if (birth == VT_NO_DAY || d == VT_NO_DAY || d < birth) return -1;
  int by, bm, bd, y, m, dd;
  vt_civil_from_days(birth, &by, &bm, &bd);
  vt_civil_from_days(d, &y, &m, &dd);
  int age = y - by;
  if (m < bm || (m == bm && dd < bd)) age--;
  return age;
}

/* ---- reading a source ---------------------------------------------------- */

/* How a later source's events find the codes listed before it: the
** matcher over those codes (with the source's ancestry), and the code
** texts of those codes (value: index + 1, or 0 when several share it). */
typedef struct matching {
  size_t n0;                     /* codes listed when the read began */
  vt_codematch *m;               /* NULL when the source has no ancestry */
  vt_strmap by_text;
} matching;

static int no_vocabulary(const char *system) {
  return !system || !*system || !strcmp(system, "None");
}

/* The code index of event e: see the header for the rules.  -1 when out
** of memory. */
static long event_code(vt_ecohort *c, vt_ecodes *codes, matching *mt, const vt_event *e) {
  if (mt->m) {
    long k = vt_codematch_find(mt->m, e->concept_id, e->system, e->code);
    if (k >= 0 && (size_t)k < mt->n0) {
      if (strcmp(codes->code[k], e->code ? e->code : "")) c->matched_by_ancestry++;
      return k;
    }
  }
  if (mt->n0 > 0 && e->code) {
    /* by code text, when one side has no vocabulary: an event without one
    ** onto the listed code of that text, or an event with one onto a
    ** listed code without one (the first cohort was such an extract) */
    int none = no_vocabulary(e->system);
    long k = none ? -1 : vt_ecodes_find(codes, e->system, e->code);
    if (k >= 0) return k;
    long t = vt_strmap_find(&mt->by_text, e->code, strlen(e->code));
    if (t >= 0) {
      uint64_t v = *vt_strmap_value(&mt->by_text, (size_t)t);
      if (v > 0 && codes->domain[v - 1] == (uint8_t)e->domain && (none || no_vocabulary(codes->system[v - 1]))) {
        c->matched_by_code++;
        return (long)(v - 1);
      }
    }
  }
  return vt_ecodes_intern(codes, e->system, e->code, e->domain, e->description);
}

/* Prepare the matching of a source opened as r onto the codes listed so
** far.  0, or -1 with err. */
static int matching_begin(matching *mt, vt_ecohort *c, vt_ehr *r, const vt_ecodes *codes, char *err,
                          size_t errlen) {
  memset(mt, 0, sizeof *mt);
  mt->n0 = codes->n;
  if (mt->n0 == 0) return 0;
  for (size_t i = 0; i < mt->n0; i++) {
    int added = 0;
    long t = vt_strmap_add(&mt->by_text, codes->code[i], strlen(codes->code[i]), &added);
    if (t < 0) { snprintf(err, errlen, "out of memory"); return -1; }
    *vt_strmap_value(&mt->by_text, (size_t)t) = added ? i + 1 : 0;
  }
  mt->m = vt_codematch_new((const char *const *)codes->system, (const char *const *)codes->code, mt->n0);
  if (!mt->m) { snprintf(err, errlen, "out of memory"); return -1; }
  int rc = vt_ehr_ancestry(r, mt->m, err, errlen);
  if (rc < 0) return -1;
  if (rc == 0) { vt_codematch_free(mt->m); mt->m = NULL; }
  c->has_ancestry = rc == 1;
  return 0;
}

static void matching_end(matching *mt) {
  vt_codematch_free(mt->m);
  vt_strmap_free(&mt->by_text);
}

/* Per-person scratch: where code k's use sits while a person is reduced
** (stamp[k] == the person's number + 1 when it has one). */
typedef struct scratch {
  uint32_t *stamp, *pos;
  size_t cap;
} scratch;

static void scratch_fit(scratch *s, size_t n) {
  if (n <= s->cap) return;
  size_t cap = s->cap ? s->cap : 1024;
  while (cap < n) cap *= 2;
  s->stamp = vt_xrealloc(s->stamp, cap * sizeof *s->stamp);
  s->pos = vt_xrealloc(s->pos, cap * sizeof *s->pos);
  memset(s->stamp + s->cap, 0, (cap - s->cap) * sizeof *s->stamp);
  s->cap = cap;
}

static void later(vt_day *latest, vt_day d) {
  if (d != VT_NO_DAY && (*latest == VT_NO_DAY || d > *latest)) *latest = d;
}

/* Reduce raw person p into c.  0, or -1 when out of memory. */
static int add_raw_person(vt_ecohort *c, vt_ecodes *codes, matching *mt, scratch *s, const vt_person *p) {
  vt_eperson ep = {0};
  ep.sex = p->sex;
  ep.race = (uint8_t)vt_wl_race_index(p->race);
  ep.eth = (uint8_t)vt_wl_eth_index(p->ethnicity);
  ep.birth = p->birth;
  ep.death = p->death;
  ep.obs_start = ep.obs_end = VT_NO_DAY;
  ep.nevents = (uint32_t)p->nevents;
  for (size_t i = 0; i < p->nperiods; i++) {
    if (ep.obs_start == VT_NO_DAY || p->periods[i].start < ep.obs_start) ep.obs_start = p->periods[i].start;
    if (ep.obs_end == VT_NO_DAY || p->periods[i].end > ep.obs_end) ep.obs_end = p->periods[i].end;
  }
  vt_day ev_first = VT_NO_DAY, ev_last = VT_NO_DAY;
  for (size_t i = 0; i < p->nevents; i++) {
    const vt_event *e = &p->events[i];
    if (ev_first == VT_NO_DAY || e->start < ev_first) ev_first = e->start;
    later(&ev_last, e->start);
    later(&ev_last, e->end);
  }
  if (p->nperiods == 0) { ep.obs_start = ev_first; ep.obs_end = ev_last; }
  later(&c->latest, ev_last);
  later(&c->latest, ep.obs_end);
  later(&c->latest, p->death);
  if (vt_ecohort_add_person(c, &ep)) return -1;
  uint32_t stamp = (uint32_t)c->n;
  for (size_t i = 0; i < p->nevents; i++) {
    const vt_event *e = &p->events[i];
    if (e->domain == VT_DOMAIN_VISIT) continue;
    long k = event_code(c, codes, mt, e);
    if (k < 0) return -1;
    scratch_fit(s, codes->n);
    if (s->stamp[k] == stamp) {
      vt_euse *u = &c->uses[s->pos[k]];
      if (e->start < u->first) u->first = e->start;
      if (e->start > u->last) u->last = e->start;
      u->count++;
    } else {
      s->stamp[k] = stamp;
      s->pos[k] = (uint32_t)c->nuses;
      vt_euse u = {(uint32_t)k, e->start, e->start, 1};
      if (vt_ecohort_add_use(c, &u)) return -1;
    }
  }
  vt_ecohort_end_person(c);
  return 0;
}

int vt_ecohort_load(vt_ecohort **out, const char *spec, vt_ecodes *codes, const vt_ecohort_options *opt,
                    char *err, size_t errlen) {
  *out = NULL;
  vt_ehr *r = NULL;
  if (vt_ehr_open(&r, spec, NULL, err, errlen) != VT_EHR_OK) return -1;
  vt_ecohort *c = vt_ecohort_new(spec);
  snprintf(c->kind, sizeof c->kind, "%s", vt_ehr_kind(r));
  matching mt = {0};
  scratch s = {0};
  int rc = opt && opt->on_open ? opt->on_open(opt->hook_ud, r, err, errlen) : 0;
  if (rc == 0) rc = matching_begin(&mt, c, r, codes, err, errlen);
  int64_t every = opt && opt->every > 0 ? opt->every : 10000;
  const vt_person *p;
  while (rc == 0 && (rc = vt_ehr_next(r, &p, err, errlen)) == 1) {
    rc = 0;
    if (opt && opt->hook) opt->hook(opt->hook_ud, p);
    if (add_raw_person(c, codes, &mt, &s, p)) { snprintf(err, errlen, "%s: out of memory", spec); rc = -1; }
    if (rc == 0 && opt && opt->progress && (int64_t)c->n % every == 0)
      opt->progress(opt->progress_ud, spec, (int64_t)c->n, 0);
  }
  matching_end(&mt);
  free(s.stamp); free(s.pos);
  if (rc == 0 && c->n == 0) { snprintf(err, errlen, "%s: no persons", spec); rc = -1; }
  if (rc == 0) {
    c->quality = *vt_ehr_quality(r);
    if (opt && opt->progress) opt->progress(opt->progress_ud, spec, (int64_t)c->n, 1);
  }
  vt_ehr_close(r);
  if (rc != 0) { vt_ecohort_free(c); return -1; }
  *out = c;
  return 0;
}
