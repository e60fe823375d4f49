/*
** hash.c -- the hash functions and tables of vitae (see hash.h).
*/
#include "sim/hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t vt_hash_bytes(const void *p, size_t n, uint32_t salt) {
  const char *s = p;
  uint64_t h = 0x9e3779b97f4a7c15ULL * (salt + 1) ^ n;
  uint64_t w;
  for (; n >= 8; s += 8, n -= 8) {
    memcpy(&w, s, 8);
    h = vt_mix64(h ^ w);
  }
  w = 0;
  if (n) memcpy(&w, s, n);
  return vt_mix64(h ^ w ^ 0x5bd1e995ULL);
}

uint64_t vt_fnv1a64(uint64_t h, const void *buf, size_t n) {
  const unsigned char *s = buf;
  for (size_t i = 0; i < n; i++) {
    h ^= s[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

int vt_file_hash(const char *path, char out[17]) {
  uint64_t h = VT_FNV1A64_INIT;
  FILE *f = fopen(path, "rb");
  int rc = -1;
  if (f) {
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) h = vt_fnv1a64(h, buf, n);
    rc = ferror(f) ? -1 : 0;
    fclose(f);
  }
  /* an unreadable file keeps the hash of no bytes, as before */
  snprintf(out, 17, "%016llx", (unsigned long long)h);
  return rc;
}

/* ---- vt_strmap -------------------------------------------------------- */

/* The slot of key: where its entry is, or the empty slot it would take. */
static size_t strmap_slot(const vt_strmap *m, const void *key, size_t len, uint64_t h) {
  size_t mask = m->nslot - 1, i = (size_t)h & mask;
  while (m->slot[i]) {
    const struct vt_strmap_entry *e = &m->ent[m->slot[i] - 1];
    if (e->hash == h && e->klen == len && memcmp(m->keys + e->koff, key, len) == 0) break;
    i = (i + 1) & mask;
  }
  return i;
}

long vt_strmap_find(const vt_strmap *m, const void *key, size_t len) {
  if (!m->n) return -1;
  size_t i = strmap_slot(m, key, len, vt_hash_bytes(key, len, 0));
  return m->slot[i] ? (long)m->slot[i] - 1 : -1;
}

/* Rebuild the slots with `cap` (a power of two) of them.  0 or -1. */
static int strmap_rehash(vt_strmap *m, size_t cap) {
  uint32_t *s = calloc(cap, sizeof *s);
  if (!s) return -1;
  for (size_t k = 0; k < m->n; k++) {
    size_t i = (size_t)m->ent[k].hash & (cap - 1);
    while (s[i]) i = (i + 1) & (cap - 1);
    s[i] = (uint32_t)(k + 1);
  }
  free(m->slot);
  m->slot = s;
  m->nslot = cap;
  return 0;
}

long vt_strmap_add(vt_strmap *m, const void *key, size_t len, int *added) {
  if (added) *added = 0;
  if (m->n >= UINT32_MAX - 1) return -1;
  if (2 * (m->n + 1) > m->nslot && strmap_rehash(m, m->nslot ? 2 * m->nslot : 64) != 0) return -1;
  uint64_t h = vt_hash_bytes(key, len, 0);
  size_t i = strmap_slot(m, key, len, h);
  if (m->slot[i]) return (long)m->slot[i] - 1;
  if (m->n == m->cap) {
    size_t cap = m->cap ? 2 * m->cap : 32;
    struct vt_strmap_entry *e = realloc(m->ent, cap * sizeof *e);
    if (!e) return -1;
    m->ent = e;
    m->cap = cap;
  }
  if (m->nkeys + len + 1 > m->capkeys) {
    size_t cap = m->capkeys ? 2 * m->capkeys : 1024;
    while (cap < m->nkeys + len + 1) cap *= 2;
    char *k = realloc(m->keys, cap);
    if (!k) return -1;
    m->keys = k;
    m->capkeys = cap;
  }
  if (len) memcpy(m->keys + m->nkeys, key, len);
  m->keys[m->nkeys + len] = '\0';
  m->ent[m->n] = (struct vt_strmap_entry){ h, 0, m->nkeys, len };
  m->nkeys += len + 1;
  m->slot[i] = (uint32_t)(++m->n);
  if (added) *added = 1;
  return (long)m->n - 1;
}

uint64_t *vt_strmap_value(vt_strmap *m, size_t i) { return &m->ent[i].value; }

const char *vt_strmap_key(const vt_strmap *m, size_t i, size_t *len) {
  if (len) *len = m->ent[i].klen;
  return m->keys + m->ent[i].koff;
}

size_t vt_strmap_count(const vt_strmap *m) { return m->n; }

void vt_strmap_free(vt_strmap *m) {
  free(m->ent);
  free(m->slot);
  free(m->keys);
  memset(m, 0, sizeof *m);
}

/* ---- vt_idmap --------------------------------------------------------- */

int vt_idmap_get(const vt_idmap *m, int64_t key, uint64_t *val) {
  if (!m->n) return 0;
  size_t mask = m->cap - 1, i = (size_t)vt_mix64((uint64_t)key) & mask;
  for (;;) {
    if (m->keys[i] == key) { if (val) *val = m->vals[i]; return key != VT_IDMAP_EMPTY; }
    if (m->keys[i] == VT_IDMAP_EMPTY) return 0;
    i = (i + 1) & mask;
  }
}

/* Double the slots (at most half full after the next insertion).  0 or -1. */
static int idmap_grow(vt_idmap *m) {
  size_t cap = m->cap ? 2 * m->cap : 64;
  int64_t *keys = malloc(cap * sizeof *keys);
  uint64_t *vals = malloc(cap * sizeof *vals);
  if (!keys || !vals) { free(keys); free(vals); return -1; }
  for (size_t i = 0; i < cap; i++) keys[i] = VT_IDMAP_EMPTY;
  for (size_t j = 0; j < m->cap; j++) {
    if (m->keys[j] == VT_IDMAP_EMPTY) continue;
    size_t i = (size_t)vt_mix64((uint64_t)m->keys[j]) & (cap - 1);
    while (keys[i] != VT_IDMAP_EMPTY) i = (i + 1) & (cap - 1);
    keys[i] = m->keys[j];
    vals[i] = m->vals[j];
  }
  free(m->keys);
  free(m->vals);
  m->keys = keys;
  m->vals = vals;
  m->cap = cap;
  return 0;
}

/* The slot of key: where it is, or the empty slot it would take; *found. */
static size_t idmap_slot(const vt_idmap *m, int64_t key, int *found) {
  size_t mask = m->cap - 1, i = (size_t)vt_mix64((uint64_t)key) & mask;
  while (m->keys[i] != VT_IDMAP_EMPTY) {
    if (m->keys[i] == key) { *found = 1; return i; }
    i = (i + 1) & mask;
  }
  *found = 0;
  return i;
}

int vt_idmap_put(vt_idmap *m, int64_t key, uint64_t val, uint64_t *old) {
  if (key == VT_IDMAP_EMPTY) return -1;
  if (2 * (m->n + 1) > m->cap && idmap_grow(m) != 0) return -1;
  int found;
  size_t i = idmap_slot(m, key, &found);
  if (found) { if (old) *old = m->vals[i]; return 0; }
  m->keys[i] = key;
  m->vals[i] = val;
  m->n++;
  return 1;
}

uint64_t *vt_idmap_slot(vt_idmap *m, int64_t key) {
  if (key == VT_IDMAP_EMPTY) return NULL;
  if (2 * (m->n + 1) > m->cap && idmap_grow(m) != 0) return NULL;
  int found;
  size_t i = idmap_slot(m, key, &found);
  if (!found) { m->keys[i] = key; m->vals[i] = 0; m->n++; }
  return &m->vals[i];
}

void vt_idmap_free(vt_idmap *m) {
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}
