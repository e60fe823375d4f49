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

/* Maps are short (tens of entries): a linear scan with a first-byte check
** beats hashing at this size. */
vt_slot *vt_map_get(const vt_map *m, const char *key) {
  for (int i = 0; i < m->n; i++) {
    const char *k = m->slots[i].key;
    if (k == key || (k[0] == key[0] && strcmp(k, key) == 0)) return &m->slots[i];
  }
  return NULL;
}

vt_slot *vt_map_get2(const vt_map *m, const char *key, const char *key2) {
  for (int i = 0; i < m->n; i++) {
    vt_slot *s = &m->slots[i];
    if (strcmp(s->key, key) != 0) continue;
    if ((s->key2 == NULL) != (key2 == NULL)) continue;
    if (key2 && strcmp(s->key2, key2) != 0) continue;
    return s;
  }
  return NULL;
}

vt_slot *vt_map_put(vt_map *m, const char *key, const char *key2) {
  vt_slot *s = key2 ? vt_map_get2(m, key, key2) : vt_map_get(m, key);
  if (s) return s;
  if (m->n == m->cap) {
    m->cap = m->cap ? m->cap * 2 : 16;
    m->slots = xrealloc(m->slots, (size_t)m->cap * sizeof *m->slots);
  }
  s = &m->slots[m->n++];
  s->key = key; s->key2 = key2;
  s->v.kind = VT_V_NIL; s->t = 0;
  return s;
}

void vt_map_del(vt_map *m, const char *key) {
  for (int i = 0; i < m->n; i++)
    if (strcmp(m->slots[i].key, key) == 0) {
      m->slots[i] = m->slots[--m->n];
      return;
    }
}

void vt_map_clear(vt_map *m) { m->n = 0; }

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
