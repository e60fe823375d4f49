/*
** rng.h -- deterministic pseudo-random numbers and distributions.
**
** Every random draw of patient i comes from a generator seeded by
** (run seed, patient index, attempt), so a patient's rows do not depend on
** which thread simulates it.  The generator is xoshiro256** seeded through
** splitmix64; distributions are built on its 53-bit uniform doubles.
*/
#ifndef VT_RNG_H
#define VT_RNG_H

#include <stdint.h>

typedef struct vt_rng { uint64_t s[4]; } vt_rng;

/* Seed from a single 64-bit value (splitmix64 expansion). */
void vt_rng_seed(vt_rng *r, uint64_t seed);
/* Seed for patient `index`, try `attempt` of run seed `seed`. */
void vt_rng_seed_patient(vt_rng *r, uint64_t seed, uint64_t index, uint32_t attempt);
/* Next raw 64-bit output. */
uint64_t vt_rng_next(vt_rng *r);
/* Uniform double in [0,1). */
double vt_rng_uniform(vt_rng *r);
/* Uniform double in [lo,hi). */
double vt_rng_range(vt_rng *r, double lo, double hi);
/* Uniform integer in [lo,hi] (both inclusive), unbiased. */
int64_t vt_rng_int(vt_rng *r, int64_t lo, int64_t hi);
/* Normal with mean `mu` and standard deviation `sd` (polar method, no cache). */
double vt_rng_normal(vt_rng *r, double mu, double sd);
/* Exponential with the given mean. */
double vt_rng_exponential(vt_rng *r, double mean);
/* Index drawn from `n` non-negative weights (need not sum to 1); -1 if all 0. */
int vt_rng_weighted(vt_rng *r, const double *w, int n);

#endif
