/*
** test_hash.c -- unit tests of the hash functions and tables (sim/hash.c):
** FNV-1a 64 against its published values, vt_strmap (binary keys, insertion
** order, growth against a brute-force list) and vt_idmap (growth, present
** keys kept, the empty-key marker refused).
*/
#include "sim/hash.h"
#include "test.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_fnv(void) {
  CHECK(vt_fnv1a64(VT_FNV1A64_INIT, "", 0) == 0xcbf29ce484222325ULL, "fnv1a64 of no bytes");
  CHECK(vt_fnv1a64(VT_FNV1A64_INIT, "a", 1) == 0xaf63dc4c8601ec8cULL, "fnv1a64 of \"a\"");
  CHECK(vt_fnv1a64(vt_fnv1a64(VT_FNV1A64_INIT, "foo", 3), "bar", 3) ==
        vt_fnv1a64(VT_FNV1A64_INIT, "foobar", 6), "fnv1a64 continues");
  char path[64], hex[17];
  snprintf(path, sizeof path, "/tmp/test_hash.%ld", (long)getpid());
  FILE *f = fopen(path, "wb");
  if (f) { fputs("foobar", f); fclose(f); }
  CHECK(vt_file_hash(path, hex) == 0 && strcmp(hex, "85944171f73967e8") == 0, "file hash of \"foobar\": %s", hex);
  unlink(path);
  CHECK(vt_file_hash(path, hex) == -1 && strcmp(hex, "cbf29ce484222325") == 0, "a missing file: -1, hash of nothing");
  CHECK(vt_hash_bytes("abc", 3, 0) != vt_hash_bytes("abc", 3, 1), "the salt changes the hash");
  CHECK(vt_hash_bytes("abcdefghij", 10, 0) == vt_hash_bytes("abcdefghij", 10, 0), "the hash is a function");
}

static void test_strmap(void) {
  vt_strmap m = {0};
  CHECK(vt_strmap_find(&m, "x", 1) == -1 && vt_strmap_count(&m) == 0, "an empty map finds nothing");
  int added = 0, bad = 0;
  char key[32];
  for (int i = 0; i < 5000; i++) {
    int n = snprintf(key, sizeof key, "k%d", i);
    long e = vt_strmap_add(&m, key, (size_t)n, &added);
    if (e != i || !added) bad++;
    *vt_strmap_value(&m, (size_t)e) = (uint64_t)i * 3;
  }
  CHECK(!bad && vt_strmap_count(&m) == 5000, "5000 keys added, numbered in order");
  bad = 0;
  for (int i = 0; i < 5000; i++) {
    int n = snprintf(key, sizeof key, "k%d", i);
    long e = vt_strmap_find(&m, key, (size_t)n);
    size_t len;
    if (e != i || *vt_strmap_value(&m, (size_t)e) != (uint64_t)i * 3 ||
        strcmp(vt_strmap_key(&m, (size_t)e, &len), key) != 0 || len != (size_t)n) bad++;
  }
  CHECK(!bad, "every key found with its value and its bytes");
  long e = vt_strmap_add(&m, "k17", 3, &added);
  CHECK(e == 17 && !added && vt_strmap_count(&m) == 5000, "adding a present key finds it");
  CHECK(vt_strmap_find(&m, "k5000", 5) == -1 && vt_strmap_find(&m, "k1", 1) == -1, "absent keys and prefixes");
  /* binary keys: a NUL inside, and the empty key */
  long a = vt_strmap_add(&m, "a\0b", 3, &added), b = vt_strmap_add(&m, "a\0c", 3, NULL);
  long z = vt_strmap_add(&m, "", 0, NULL);
  CHECK(a >= 0 && b >= 0 && a != b && z >= 0 && vt_strmap_find(&m, "a\0b", 3) == a &&
        vt_strmap_find(&m, "", 0) == z && vt_strmap_find(&m, "a", 1) == -1, "keys with a NUL inside, the empty key");
  vt_strmap_free(&m);
  CHECK(vt_strmap_count(&m) == 0 && vt_strmap_find(&m, "k1", 2) == -1, "freed map is empty again");
}

static void test_idmap(void) {
  vt_idmap m = {0};
  uint64_t v = 99;
  CHECK(!vt_idmap_get(&m, 1, &v) && v == 99, "an empty idmap finds nothing");
  int bad = 0;
  for (int64_t i = -2000; i < 20000; i += 3)
    if (vt_idmap_put(&m, i * 1000003, (uint64_t)(i + 5000), NULL) != 1) bad++;
  CHECK(!bad, "keys inserted (negative ones too)");
  for (int64_t i = -2000; i < 20000; i += 3)
    if (!vt_idmap_get(&m, i * 1000003, &v) || v != (uint64_t)(i + 5000)) bad++;
  for (int64_t i = -1999; i < 20000; i += 3)
    if (vt_idmap_get(&m, i * 1000003, NULL)) bad++;
  CHECK(!bad, "present keys found with their values, absent ones not");
  uint64_t old = 0;
  CHECK(vt_idmap_put(&m, 1000003 * 2, 7, &old) == 1, "a new key: 1");
  CHECK(vt_idmap_put(&m, 1000003 * 2, 8, &old) == 0 && old == 7 && vt_idmap_get(&m, 1000003 * 2, &v) && v == 7,
        "a present key keeps its value and gives it back");
  CHECK(vt_idmap_put(&m, VT_IDMAP_EMPTY, 1, NULL) == -1 && !vt_idmap_get(&m, VT_IDMAP_EMPTY, NULL) &&
        vt_idmap_slot(&m, VT_IDMAP_EMPTY) == NULL, "the empty marker is refused as a key");
  uint64_t *s = vt_idmap_slot(&m, 424242);
  CHECK(s && *s == 0, "slot of a new key: 0");
  if (s) *s += 5;
  s = vt_idmap_slot(&m, 424242);
  CHECK(s && *s == 5, "slot of that key again: 5");
  size_t seen = 0;
  for (size_t i = 0; i < m.cap; i++) seen += m.keys[i] != VT_IDMAP_EMPTY;
  CHECK(seen == m.n, "walking the slots sees every key (%zu)", seen);
  vt_idmap_free(&m);
}

int main(void) {
  test_fnv();
  test_strmap();
  test_idmap();
  return test_done();
}
