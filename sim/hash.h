/*
** hash.h -- the hash functions and hash tables of vitae.
**
** Functions: vt_mix64 (spreads the bits of a 64-bit key), vt_hash_bytes (a
** fast salted hash of a byte string, for tables) and vt_fnv1a64 (FNV-1a 64,
** incremental, for the content hashes vitae prints and stores: a file's
** "%016llx" hash in run_info and in parameter files must not change).
**
** Tables, both open addressing with linear probing, at most half full,
** zero-initialised = empty (no constructor), freed with their _free:
**
**   vt_strmap: byte-string keys (copied; any bytes, NUL included) to entries
**   numbered 0, 1, 2... in insertion order, each with a 64-bit value.
**     vt_strmap m = {0};
**     int added;
**     long i = vt_strmap_add(&m, key, len, &added);   // -1: out of memory
**     if (added) *vt_strmap_value(&m, i) = 0;
**     (*vt_strmap_value(&m, i))++;
**     for (size_t k = 0; k < vt_strmap_count(&m); k++)
**       use(vt_strmap_key(&m, k, &len), *vt_strmap_value(&m, k));
**
**   vt_idmap: 64-bit integer keys (any but VT_IDMAP_EMPTY, INT64_MIN) to
**   64-bit values; its slots can be walked: keys[i] != VT_IDMAP_EMPTY.
**     vt_idmap m = {0};
**     vt_idmap_put(&m, concept_id, 7, NULL);    // 1 added, 0 present, -1 no memory
**     uint64_t v; if (vt_idmap_get(&m, concept_id, &v)) ...
**
** Neither is thread-safe for writers; readers may share a table nobody
** writes to.
*/
#ifndef VT_HASH_H
#define VT_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The 64-bit finalizer of MurmurHash3 (public domain). */
static inline uint64_t vt_mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

/* A hash of the n bytes at s salted with a small integer (two tables of
** one key space, or the parts of a compound key): eight bytes at a time. */
uint64_t vt_hash_bytes(const void *s, size_t n, uint32_t salt);

/* FNV-1a 64 of n bytes, continuing from h (VT_FNV1A64_INIT to start). */
#define VT_FNV1A64_INIT 0xcbf29ce484222325ULL
uint64_t vt_fnv1a64(uint64_t h, const void *buf, size_t n);

/* FNV-1a 64 of a whole file, as 16 lower-case hex digits into out ("0" x 16
** when the file cannot be read).  0, or -1 if it could not be read. */
int vt_file_hash(const char *path, char out[17]);

/* ---- byte-string keys --------------------------------------------------- */

typedef struct vt_strmap {
  struct vt_strmap_entry { uint64_t hash, value; size_t koff, klen; } *ent;
  size_t n, cap;          /* entries */
  uint32_t *slot;         /* entry index + 1; 0 is empty */
  size_t nslot;           /* 0 or a power of two */
  char *keys;             /* the key bytes, each followed by a NUL */
  size_t nkeys, capkeys;
} vt_strmap;

/* The entry of key[0, len), or -1 when absent. */
long vt_strmap_find(const vt_strmap *m, const void *key, size_t len);
/* The entry of key[0, len), added (value 0, *added = 1) when absent;
** added may be NULL.  -1 when out of memory (the map is unchanged). */
long vt_strmap_add(vt_strmap *m, const void *key, size_t len, int *added);
/* The value of entry i (valid until the next add). */
uint64_t *vt_strmap_value(vt_strmap *m, size_t i);
/* The key of entry i, NUL-terminated, its length in *len (may be NULL);
** valid until the next add. */
const char *vt_strmap_key(const vt_strmap *m, size_t i, size_t *len);
size_t vt_strmap_count(const vt_strmap *m);
void vt_strmap_free(vt_strmap *m);

/* ---- integer keys ------------------------------------------------------- */

#define VT_IDMAP_EMPTY INT64_MIN

typedef struct vt_idmap {
  int64_t *keys;          /* VT_IDMAP_EMPTY marks an empty slot */
  uint64_t *vals;
  size_t cap, n;          /* cap is 0 or a power of two */
} vt_idmap;

/* 1 and *val (if val is not NULL) when key is present, else 0. */
int vt_idmap_get(const vt_idmap *m, int64_t key, uint64_t *val);
/* Insert key -> val unless key is there: 1 inserted, 0 present (*old, if
** not NULL, gets its value; the value is kept), -1 out of memory or key
** VT_IDMAP_EMPTY. */
int vt_idmap_put(vt_idmap *m, int64_t key, uint64_t val, uint64_t *old);
/* A pointer to key's value, inserting it with value 0 when absent; NULL
** when out of memory.  Valid until the next insertion. */
uint64_t *vt_idmap_slot(vt_idmap *m, int64_t key);
void vt_idmap_free(vt_idmap *m);

#endif
