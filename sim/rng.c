/*
** rng.c -- xoshiro256** generator and the distributions the engine draws from.
** Reference: Blackman & Vigna, "Scrambled linear pseudorandom number
** generators" (2018); splitmix64 from Steele, Lea & Flood (2014).
*/
#include "rng.h"
#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void vt_rng_seed(vt_rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

/* Mix the three inputs through splitmix64 steps so that neighbouring
** patients and attempts get unrelated streams. */
void vt_rng_seed_patient(vt_rng *r, uint64_t seed, uint64_t index, uint32_t attempt) {
  uint64_t x = seed;
  uint64_t a = splitmix64(&x);
  x = a ^ (index * 0xD1B54A32D192ED03ull);
  uint64_t b = splitmix64(&x);
  x = b ^ ((uint64_t)attempt * 0x8CB92BA72F3D8DD7ull);
  vt_rng_seed(r, splitmix64(&x));
}

uint64_t vt_rng_next(vt_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double vt_rng_uniform(vt_rng *r) {
  return (double)(vt_rng_next(r) >> 11) * 0x1.0p-53;
}

double vt_rng_range(vt_rng *r, double lo, double hi) {
  return lo + (hi - lo) * vt_rng_uniform(r);
}

/* Lemire-style rejection: unbiased integer in [lo,hi]. */
int64_t vt_rng_int(vt_rng *r, int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  uint64_t span = (uint64_t)(hi - lo) + 1u;
  if (span == 0) return (int64_t)vt_rng_next(r); /* full 64-bit range */
  uint64_t limit = UINT64_MAX - (UINT64_MAX % span);
  uint64_t v;
  do { v = vt_rng_next(r); } while (v >= limit);
  return lo + (int64_t)(v % span);
}

double vt_rng_normal(vt_rng *r, double mu, double sd) {
  double u, v, s;
  do {
    u = 2.0 * vt_rng_uniform(r) - 1.0;
    v = 2.0 * vt_rng_uniform(r) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  return mu + sd * u * sqrt(-2.0 * log(s) / s);
}

double vt_rng_exponential(vt_rng *r, double mean) {
  double u = vt_rng_uniform(r);
  return -mean * log1p(-u);
}

int vt_rng_weighted(vt_rng *r, const double *w, int n) {
  double total = 0;
  for (int i = 0; i < n; i++) if (w[i] > 0) total += w[i];
  if (total <= 0) return -1;
  double x = vt_rng_uniform(r) * total, acc = 0;
  int last = -1;
  for (int i = 0; i < n; i++) {
    if (w[i] <= 0) continue;
    acc += w[i]; last = i;
    if (x < acc) return i;
  }
  return last;
}
