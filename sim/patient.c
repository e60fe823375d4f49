/*
** patient.c -- the per-patient maps and lists: attributes, vital signs,
** symptoms, latest observations and active entries.
*/
#include "patient.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (!q) { fprintf(stderr, "vitae: out of memory\n"); abort(); }
  return q;
}

void vt_patient_init(vt_patient *p) {
  memset(p, 0, sizeof *p);
  vt_record_init(&p->rec);
  p->wellness_encounter = -1;
}

void vt_patient_free(vt_patient *p) {
  vt_record_free(&p->rec);
  free(p->attrs.slots); free(p->vitals.slots); free(p->symptoms.slots);
  free(p->observations.slots);
  free(p->attrs.index); free(p->vitals.index); free(p->symptoms.index); free(p->observations.index);
  for (int i = 0; i < VT_ACT__COUNT; i++) free(p->active[i].items);
  free(p->pending); free(p->runs);
  free(p->hist.entered); free(p->hist.exited); free(p->hist.offset); free(p->wellness_joined);
  memset(p, 0, sizeof *p);
}

void vt_patient_reset(vt_patient *p) {
  vt_record_reset(&p->rec);
  vt_map_clear(&p->attrs); vt_map_clear(&p->vitals);
  vt_map_clear(&p->symptoms); vt_map_clear(&p->observations);
  for (int i = 0; i < VT_ACT__COUNT; i++) p->active[i].n = 0;
  p->npending = 0;
  p->wellness_encounter = -1;
  p->alive = 1;
  p->natural_death = VT_NO_TIME;
}

/* Maps: slots in insertion order plus an open-addressing index from key
** hash to slot.  A Synthea corpus run keeps about a hundred attributes per
** patient and its Guards look them up every week, so lookups must not scan.
** Maps whose slots have a second key (symptoms: symptom and cause) are small
** and are scanned. */
uint32_t vt_key_hash(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) { h ^= (unsigned char)*s; h *= 16777619u; }
  return h;
}
#define key_hash vt_key_hash

/* Put slot i into the index (which has room). */
static void index_insert(vt_map *m, int i) {
  int mask = m->index_cap - 1;
  int k = (int)(m->slots[i].hash & (uint32_t)mask);
  while (m->index[k]) k = (k + 1) & mask;
  m->index[k] = i + 1;
}

/* Rebuild the index for the current slots, growing it to keep the load under 1/2. */
static void index_rebuild(vt_map *m) {
  int need = 16;
  while (need < 2 * m->cap) need *= 2;
  if (need != m->index_cap) {
    free(m->index);
    m->index = calloc((size_t)need, sizeof *m->index);
    if (!m->index) { fprintf(stderr, "vitae: out of memory\n"); abort(); }
    m->index_cap = need;
  } else memset(m->index, 0, sizeof *m->index * (size_t)m->index_cap);
  for (int i = 0; i < m->n; i++) if (!m->slots[i].key2) index_insert(m, i);
}

vt_slot *vt_map_get(const vt_map *m, const char *key) { return vt_map_geth(m, key, key_hash(key)); }

vt_slot *vt_map_geth(const vt_map *m, const char *key, uint32_t h) {
  if (m->has_key2 || !m->index) {
    for (int i = 0; i < m->n; i++) {
      const vt_slot *s = &m->slots[i];
      if (s->hash == h && (s->key == key || strcmp(s->key, key) == 0)) return &m->slots[i];
    }
    return NULL;
  }
  int mask = m->index_cap - 1;
  for (int k = (int)(h & (uint32_t)mask); m->index[k]; k = (k + 1) & mask) {
    vt_slot *s = &m->slots[m->index[k] - 1];
    if (s->hash == h && (s->key == key || strcmp(s->key, key) == 0)) return s;
  }
  return NULL;
}

vt_slot *vt_map_get2(const vt_map *m, const char *key, const char *key2) {
  uint32_t h = key_hash(key);
  for (int i = 0; i < m->n; i++) {
    vt_slot *s = &m->slots[i];
    if (s->hash != h || strcmp(s->key, key) != 0) continue;
    if ((s->key2 == NULL) != (key2 == NULL)) continue;
    if (key2 && strcmp(s->key2, key2) != 0) continue;
    return s;
  }
  return NULL;
}

vt_slot *vt_map_put(vt_map *m, const char *key, const char *key2) {
  vt_slot *s = key2 ? vt_map_get2(m, key, key2) : vt_map_get(m, key);
  if (s) return s;
  int grew = 0;
  if (m->n == m->cap) {
    m->cap = m->cap ? m->cap * 2 : 16;
    m->slots = xrealloc(m->slots, (size_t)m->cap * sizeof *m->slots);
    grew = 1;
  }
  s = &m->slots[m->n++];
  s->key = key; s->key2 = key2;
  s->hash = key_hash(key);
  s->v.kind = VT_V_NIL; s->t = 0;
  if (key2) m->has_key2 = 1;
  if (grew || !m->index) index_rebuild(m);
  else if (!key2) index_insert(m, m->n - 1);
  return s;
}

void vt_map_del(vt_map *m, const char *key) {
  uint32_t h = key_hash(key);
  for (int i = 0; i < m->n; i++)
    if (m->slots[i].hash == h && strcmp(m->slots[i].key, key) == 0) {
      m->slots[i] = m->slots[--m->n];
      index_rebuild(m);
      return;
    }
}

void vt_map_clear(vt_map *m) {
  m->n = 0;
  m->has_key2 = 0;
  if (m->index) memset(m->index, 0, sizeof *m->index * (size_t)m->index_cap);
}

void vt_actives_add(vt_actives *a, const vt_code *code, int32_t row, int module, int state) {
  if (a->n == a->cap) {
    a->cap = a->cap ? a->cap * 2 : 16;
    a->items = xrealloc(a->items, (size_t)a->cap * sizeof *a->items);
  }
  a->items[a->n++] = (vt_active){ code, row, module, state };
}

int vt_actives_find_code(const vt_actives *a, const char *code) {
  for (int i = 0; i < a->n; i++)
    if (a->items[i].code && strcmp(a->items[i].code->code, code) == 0) return i;
  return -1;
}

int vt_actives_find_row(const vt_actives *a, int32_t row) {
  for (int i = 0; i < a->n; i++) if (a->items[i].row == row) return i;
  return -1;
}

/* Keep order (the oldest entry first), so "first active with this code" is stable. */
void vt_actives_remove(vt_actives *a, int i) {
  memmove(&a->items[i], &a->items[i + 1], (size_t)(a->n - i - 1) * sizeof *a->items);
  a->n--;
}

double vt_patient_age(const vt_patient *p) {
  return vt_time_age_exact(p->rec.person.birth, p->now);
}
