/*
** dp_noise.h -- the noise of `vitae learn`: the exact discrete Gaussian of
** Canonne, Kamath and Steinke (2020, "The Discrete Gaussian for Differential
** Privacy", Algorithms 1 to 3), built from integer and rational arithmetic
** only.  No floating point is used anywhere in this file's noise path: the
** variance is a rational sigma2_num / sigma2_den, every Bernoulli is decided
** by comparing a uniform integer with an integer, and every intermediate is a
** 64- or 128-bit integer whose overflow is checked (overflow fails closed).
**
** Randomness comes from a byte source (vt_dp_rng).  vt_dp_rng_os() reads the
** operating system's getrandom(2); it is the only source a command uses and
** it is separate from the simulation's seeded generator.  A failing source
** fails closed: every later draw fails too, nothing falls back to a weaker
** source.  Tests plug a deterministic stream in with vt_dp_rng_custom().
**
** docs/privacy.md holds the proof note of each function.
*/
#ifndef VT_DP_NOISE_H
#define VT_DP_NOISE_H

#include <stddef.h>
#include <stdint.h>

/* Fills buf with n random bytes: 0, or -1 when no bytes can be had. */
typedef int (*vt_dp_fill_fn)(void *ctx, unsigned char *buf, size_t n);

/* A buffered byte source.  Initialise it with vt_dp_rng_os() or
** vt_dp_rng_custom(); wipe it with vt_dp_rng_clear() when done. */
typedef struct vt_dp_rng {
  vt_dp_fill_fn fill;
  void *ctx;
  int failed;               /* sticky: once set, every draw fails */
  size_t pos, len;          /* unread bytes are buf[pos..len) */
  unsigned char buf[4096];
} vt_dp_rng;

/* r reads the operating system's random bytes with getrandom(2) (EINTR is
** retried; any other error fails the draw and marks r failed). */
void vt_dp_rng_os(vt_dp_rng *r);
/* r reads bytes from fill(ctx, ...).  For tests: no command calls this. */
void vt_dp_rng_custom(vt_dp_rng *r, vt_dp_fill_fn fill, void *ctx);
/* Forget the buffered bytes (zeroed) and the source. */
void vt_dp_rng_clear(vt_dp_rng *r);
/* 1 once a draw from r has failed (then every later draw fails too). */
int vt_dp_rng_failed(const vt_dp_rng *r);

/* Contract: *out is uniform on [0, n), drawn by rejection: the fewest
** bytes that cover n-1 are read, masked to the bit length of n-1, and
** redrawn while >= n (no modulo bias).  0, or -1 when n == 0 or the source
** fails (*out untouched). */
int vt_dp_uniform(vt_dp_rng *r, uint64_t n, uint64_t *out);

/* Contract: *out is 1 with probability exactly exp(-num/den), else 0
** (CKS20 Algorithm 1, for any rational num/den >= 0).  0, or -1 when
** den <= 0, num < 0 or the source fails. */
int vt_dp_bernoulli_exp(vt_dp_rng *r, int64_t num, int64_t den, int *out);

/* Contract: *out follows the discrete Laplace distribution of scale t,
** P(x) proportional to exp(-|x| / t) on the integers (CKS20 Algorithm 2
** with s = 1).  0, or -1 when t <= 0, on overflow or when the source fails. */
int vt_dp_dlaplace(vt_dp_rng *r, int64_t t, int64_t *out);

/* Contract: *out follows the discrete Gaussian N_Z(0, sigma^2), P(x)
** proportional to exp(-x^2 / (2 sigma^2)) on the integers, where
** sigma^2 = sigma2_num / sigma2_den exactly (CKS20 Algorithm 3: rejection
** from a discrete Laplace of scale floor(sigma) + 1).  0, or -1 when
** either part is <= 0, when the source fails, or when an intermediate would
** overflow 128 bits.  For sigma2_num and sigma2_den <= 2^48 (sigma up to
** 2^24) overflow needs a Laplace draw beyond 2^13 times its scale, of
** probability below exp(-8000); larger parts may fail closed often. */
int vt_dp_dgauss(vt_dp_rng *r, int64_t sigma2_num, int64_t sigma2_den, int64_t *out);

/* Contract: out[i] = in[i] + Z_i for i < n, the Z_i independent discrete
** Gaussians of variance sigma2_num / sigma2_den.  in and out may be the
** same array.  On any failure (bad arguments, source failure, a sum that
** overflows int64) all of out[0..n) is set to 0, so that no partly noised
** vector survives, and -1 is returned with a message in err. */
int vt_dp_noise_counts(vt_dp_rng *r, const int64_t *in, int64_t *out, size_t n,
                       int64_t sigma2_num, int64_t sigma2_den, char *err, size_t errlen);

#endif
