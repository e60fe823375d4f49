/*
** dp_noise.c -- the exact discrete Gaussian of Canonne, Kamath and Steinke
** (2020) from integer and rational arithmetic only, and the byte sources it
** draws from.  See dp_noise.h for the contracts and docs/privacy.md for the
** proof note.  No float or double appears in this file: every probability
** is a ratio of integers and every Bernoulli compares a uniform integer with
** an integer.  Intermediates are unsigned 128-bit, each product and sum
** checked; an overflow fails closed (-1), it never wraps.
*/
#include "learn/dp_noise.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

#include "sim/strbuf.h"

typedef unsigned __int128 u128;

/* ---- byte sources -------------------------------------------------------- */

/* Fill buf with n bytes of getrandom(2); EINTR and short reads are retried,
** anything else is -1 (no fallback to another source). */
static int os_fill(void *ctx, unsigned char *buf, size_t n) {
  (void)ctx;
  size_t got = 0;
  while (got < n) {
    ssize_t k = getrandom(buf + got, n - got, 0);
    if (k < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (k == 0) return -1;
    got += (size_t)k;
  }
  return 0;
}

void vt_dp_rng_os(vt_dp_rng *r) {
  vt_dp_rng_custom(r, os_fill, NULL);
}

void vt_dp_rng_custom(vt_dp_rng *r, vt_dp_fill_fn fill, void *ctx) {
  memset(r, 0, sizeof *r);
  r->fill = fill;
  r->ctx = ctx;
}

void vt_dp_rng_clear(vt_dp_rng *r) {
  volatile unsigned char *p = r->buf;
  for (size_t i = 0; i < sizeof r->buf; i++) p[i] = 0;
  r->pos = r->len = 0;
  r->fill = NULL;
  r->ctx = NULL;
}

int vt_dp_rng_failed(const vt_dp_rng *r) {
  return r->failed;
}

/* Copy n (<= 16) fresh random bytes into out, refilling the buffer from the
** source when it runs dry.  0, or -1 (and r marked failed) when the source
** fails or is missing; a failed r never yields bytes again. */
static int rng_bytes(vt_dp_rng *r, unsigned char *out, size_t n) {
  if (r->failed || !r->fill) { r->failed = 1; return -1; }
  for (size_t i = 0; i < n; i++) {
    if (r->pos >= r->len) {
      if (r->fill(r->ctx, r->buf, sizeof r->buf) != 0) {
        r->failed = 1;
        r->pos = r->len = 0;
        return -1;
      }
      r->pos = 0;
      r->len = sizeof r->buf;
    }
    out[i] = r->buf[r->pos];
    r->buf[r->pos++] = 0;   /* a used byte is not kept around */
  }
  return 0;
}

/* ---- integer helpers ----------------------------------------------------- */

/* Number of bits of x (0 for 0). */
static int bitlen128(u128 x) {
  int b = 0;
  while (x) { b++; x >>= 1; }
  return b;
}

/* floor(sqrt(x)) by the digit-by-digit method (integers only). */
static uint64_t isqrt64(uint64_t x) {
  uint64_t res = 0, bit = (uint64_t)1 << 62;
  while (bit > x) bit >>= 2;
  while (bit) {
    if (x >= res + bit) { x -= res + bit; res = (res >> 1) + bit; }
    else res >>= 1;
    bit >>= 2;
  }
  return res;
}

static uint64_t gcd64(uint64_t a, uint64_t b) {
  while (b) { uint64_t t = a % b; a = b; b = t; }
  return a;
}

/* *p = a * b, or -1 when that overflows 128 bits. */
static int mul128(u128 a, u128 b, u128 *p) {
  return __builtin_mul_overflow(a, b, p) ? -1 : 0;
}

/* *out uniform on [0, n) for 1 <= n: ceil(bits(n-1)/8) bytes, masked to
** bits(n-1) bits, redrawn while >= n (each try succeeds with probability
** > 1/2).  0, or -1 when n == 0 or the source fails. */
static int uniform128(vt_dp_rng *r, u128 n, u128 *out) {
  if (n == 0) return -1;
  if (n == 1) { *out = 0; return 0; }
  int bits = bitlen128(n - 1);
  size_t nbytes = (size_t)(bits + 7) / 8;
  u128 mask = bits == 128 ? ~(u128)0 : (((u128)1 << bits) - 1);
  for (;;) {
    unsigned char b[16];
    if (rng_bytes(r, b, nbytes) != 0) return -1;
    u128 v = 0;
    for (size_t i = 0; i < nbytes; i++) v |= (u128)b[i] << (8 * i);
    v &= mask;
    if (v < n) { *out = v; return 0; }
  }
}

int vt_dp_uniform(vt_dp_rng *r, uint64_t n, uint64_t *out) {
  u128 v;
  if (!r || !out || n == 0) return -1;
  if (uniform128(r, n, &v) != 0) return -1;
  *out = (uint64_t)v;
  return 0;
}

/* *out = 1 with probability num/den exactly (0 <= num <= den, den >= 1):
** a uniform integer on [0, den) is below num. */
static int bern_ratio(vt_dp_rng *r, u128 num, u128 den, int *out) {
  u128 u;
  if (uniform128(r, den, &u) != 0) return -1;
  *out = u < num;
  return 0;
}

/* *out = 1 with probability exp(-num/den) for 0 <= num <= den (CKS20
** Algorithm 1, first branch): K = 1; while Bernoulli(gamma/K) succeeds,
** K++; return K odd.  Bernoulli(gamma/K) is drawn as Bernoulli(1/K) and
** Bernoulli(num/den), independent, so den * K is never formed. */
static int bern_exp_le1(vt_dp_rng *r, u128 num, u128 den, int *out) {
  uint64_t k = 1;
  for (;;) {
    int a = 0;
    u128 u;
    if (uniform128(r, k, &u) != 0) return -1;
    if (u == 0 && bern_ratio(r, num, den, &a) != 0) return -1;
    if (!a) break;
    if (k == UINT64_MAX) return -1;
    k++;
  }
  *out = (int)(k & 1);
  return 0;
}

/* *out = 1 with probability exp(-num/den) for any num >= 0, den >= 1
** (CKS20 Algorithm 1): exp(-gamma) = exp(-1)^floor(gamma) *
** exp(-(gamma - floor(gamma))), each factor an independent Bernoulli, the
** product stopping at the first failure. */
static int bern_exp(vt_dp_rng *r, u128 num, u128 den, int *out) {
  if (den == 0) return -1;
  u128 whole = num / den, rem = num % den;
  for (u128 i = 0; i < whole; i++) {
    int b;
    if (bern_exp_le1(r, 1, 1, &b) != 0) return -1;
    if (!b) { *out = 0; return 0; }
  }
  return bern_exp_le1(r, rem, den, out);
}

int vt_dp_bernoulli_exp(vt_dp_rng *r, int64_t num, int64_t den, int *out) {
  if (!r || !out || num < 0 || den <= 0) return -1;
  return bern_exp(r, (u128)num, (u128)den, out);
}

/* CKS20 Algorithm 2 with s = 1: U uniform on [0, t) kept with probability
** exp(-U/t); V geometric with P(V >= v) = exp(-v); X = U + t V is then
** geometric with ratio exp(-1/t); a fair sign B, rejecting B = 1 with
** X = 0 (so 0 is not counted twice); returns (1 - 2B) X. */
int vt_dp_dlaplace(vt_dp_rng *r, int64_t t, int64_t *out) {
  if (!r || !out || t <= 0) return -1;
  for (;;) {
    u128 u;
    int d, a, b;
    if (uniform128(r, (u128)t, &u) != 0) return -1;
    if (bern_exp(r, u, (u128)t, &d) != 0) return -1;
    if (!d) continue;
    u128 v = 0;
    for (;;) {
      if (bern_exp_le1(r, 1, 1, &a) != 0) return -1;
      if (!a) break;
      v++;
    }
    u128 x;
    if (mul128(v, (u128)t, &x) != 0) return -1;
    x += u;
    if (x > (u128)INT64_MAX) return -1;
    u128 sign;
    if (uniform128(r, 2, &sign) != 0) return -1;
    b = sign == 1;
    if (b && x == 0) continue;
    *out = b ? -(int64_t)x : (int64_t)x;
    return 0;
  }
}

/* CKS20 Algorithm 3 for sigma^2 = n/d (reduced): t = floor(sigma) + 1 =
** isqrt(floor(n/d)) + 1; Y discrete Laplace of scale t, kept with
** probability exp(-(|Y| - sigma^2/t)^2 / (2 sigma^2)), whose exponent is
** the rational (|Y| d t - n)^2 / (2 n d t^2). */
int vt_dp_dgauss(vt_dp_rng *r, int64_t sigma2_num, int64_t sigma2_den, int64_t *out) {
  if (!r || !out || sigma2_num <= 0 || sigma2_den <= 0) return -1;
  uint64_t g = gcd64((uint64_t)sigma2_num, (uint64_t)sigma2_den);
  uint64_t n = (uint64_t)sigma2_num / g, d = (uint64_t)sigma2_den / g;
  uint64_t t = isqrt64(n / d) + 1;
  u128 den, dt, t2;
  if (mul128((u128)t, (u128)t, &t2) != 0 || mul128(t2, (u128)n, &den) != 0 ||
      mul128(den, (u128)d, &den) != 0 || mul128(den, 2, &den) != 0 ||
      mul128((u128)d, (u128)t, &dt) != 0)
    return -1;
  for (;;) {
    int64_t y;
    int c;
    if (vt_dp_dlaplace(r, (int64_t)t, &y) != 0) return -1;
    u128 ay = y < 0 ? (u128)(-(y + 1)) + 1 : (u128)y;
    u128 ydt, diff, num;
    if (mul128(ay, dt, &ydt) != 0) return -1;
    diff = ydt >= n ? ydt - n : n - ydt;
    if (mul128(diff, diff, &num) != 0) return -1;
    if (bern_exp(r, num, den, &c) != 0) return -1;
    if (c) { *out = y; return 0; }
  }
}

int vt_dp_noise_counts(vt_dp_rng *r, const int64_t *in, int64_t *out, size_t n,
                       int64_t sigma2_num, int64_t sigma2_den, char *err, size_t errlen) {
  if (n > 0 && (!in || !out)) {
    vt_seterr(err, errlen, "discrete Gaussian noise: no vector given");
    return -1;
  }
  if (!r || sigma2_num <= 0 || sigma2_den <= 0) {
    if (out) memset(out, 0, n * sizeof *out);
    vt_seterr(err, errlen, "discrete Gaussian noise: bad variance %lld/%lld (both parts must be > 0)",
              (long long)sigma2_num, (long long)sigma2_den);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    int64_t z, sum;
    if (vt_dp_dgauss(r, sigma2_num, sigma2_den, &z) != 0) {
      memset(out, 0, n * sizeof *out);
      if (vt_dp_rng_failed(r))
        vt_seterr(err, errlen, "discrete Gaussian noise: the random source failed (nothing released)");
      else
        vt_seterr(err, errlen, "discrete Gaussian noise: variance %lld/%lld overflows the 128-bit "
                  "arithmetic of the sampler (nothing released)",
                  (long long)sigma2_num, (long long)sigma2_den);
      return -1;
    }
    if (__builtin_add_overflow(in[i], z, &sum)) {
      vt_seterr(err, errlen, "discrete Gaussian noise: value %zu (%lld) plus its noise overflows "
                "64 bits (nothing released)", i, (long long)in[i]);
      memset(out, 0, n * sizeof *out);
      return -1;
    }
    out[i] = sum;
  }
  return 0;
}
