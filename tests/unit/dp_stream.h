/*
** dp_stream.h -- the deterministic byte stream the DP unit tests feed the
** noise through (vt_dp_rng_custom): xoshiro256** seeded by splitmix64,
** counting the bytes handed out.  Test code only: no command can reach it.
*/
#ifndef VT_TEST_DP_STREAM_H
#define VT_TEST_DP_STREAM_H

#include <stddef.h>
#include <stdint.h>

typedef struct { uint64_t s[4]; uint64_t bytes; } xoshiro;

static inline uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline void xo_seed(xoshiro *x, uint64_t seed) {
  for (int i = 0; i < 4; i++) x->s[i] = splitmix64(&seed);
  x->bytes = 0;
}

static inline uint64_t xo_rotl(uint64_t v, int k) { return (v << k) | (v >> (64 - k)); }

static inline uint64_t xo_next(xoshiro *x) {
  uint64_t *s = x->s, r = xo_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = xo_rotl(s[3], 45);
  return r;
}

/* A vt_dp_rng fill function: n bytes of the stream ctx (an xoshiro). */
static inline int xo_fill(void *ctx, unsigned char *buf, size_t n) {
  xoshiro *x = ctx;
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = xo_next(x);
    for (size_t j = 0; j < 8 && i + j < n; j++) buf[i + j] = (unsigned char)(v >> (8 * j));
  }
  x->bytes += n;
  return 0;
}

#endif
