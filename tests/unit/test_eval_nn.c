/*
** test_eval_nn.c -- nearest neighbours of code sets (learn/eval_nn.h): the
** Jaccard distance by hand, and the vantage-point tree against a full scan
** on clustered random patients (the same neighbour and distance for every
** query, ties to the lowest index), with fewer distances than a scan.
*/
#include <stdint.h>
#include <stdlib.h>

#include "learn/eval_nn.h"
#include "sim/rng.h"
#include "test.h"

static void test_jaccard(void) {
  uint64_t a[2] = { 0xF, 0 }, b[2] = { 0x3, 1 }, z[2] = { 0, 0 };
  /* a = {0,1,2,3}, b = {0,1,64}: 2 shared of 5: 1 - 2/5 */
  CHECK_NEAR(vt_jaccard(a, b, 2), 0.6, 1e-12, "Jaccard distance by hand: 0.6");
  CHECK_NEAR(vt_jaccard(a, a, 2), 0.0, 1e-12, "a set to itself: 0");
  CHECK_NEAR(vt_jaccard(z, z, 2), 0.0, 1e-12, "two empty sets: 0");
  CHECK_NEAR(vt_jaccard(a, z, 2), 1.0, 1e-12, "a set to the empty set: 1");
}

static void test_tree(void) {
  enum { N = 3000, Q = 300, W = 4, C = 40 };
  uint64_t *sets = calloc((size_t)N * W, sizeof *sets), *proto = calloc((size_t)C * W, sizeof *proto);
  uint64_t *qs = calloc((size_t)Q * W, sizeof *qs);
  vt_rng r;
  vt_rng_seed(&r, 5);
  for (int c = 0; c < C; c++)       /* cluster prototypes: about 20 of 256 codes each */
    for (int k = 0; k < 20; k++) { int bit = (int)(vt_rng_uniform(&r) * 256); proto[c * W + bit / 64] |= 1ull << (bit % 64); }
  for (int i = 0; i < N + Q; i++) {  /* a prototype with codes dropped and added */
    uint64_t *s = i < N ? sets + (size_t)i * W : qs + (size_t)(i - N) * W;
    int c = (int)(vt_rng_uniform(&r) * C);
    for (int w = 0; w < W; w++) s[w] = proto[c * W + w];
    for (int k = 0; k < 4; k++) { int bit = (int)(vt_rng_uniform(&r) * 256); s[bit / 64] ^= 1ull << (bit % 64); }
  }
  vt_vptree *t = vt_vptree_build(sets, N, W);
  CHECK(t != NULL, "a tree over 3,000 patients is built");
  if (!t) return;
  int same = 1;
  size_t evals = 0;
  for (int q = 0; q < Q; q++) {
    const uint64_t *x = qs + (size_t)q * W;
    size_t best = SIZE_MAX;
    double bd = 2;
    for (size_t i = 0; i < N; i++) {
      double d = vt_jaccard(x, sets + i * W, W);
      if (d < bd) { bd = d; best = i; }
    }
    double td;
    size_t ev;
    size_t tb = vt_vptree_nearest(t, x, SIZE_MAX, &td, &ev);
    evals += ev;
    if (tb != best || td != bd) same = 0;
  }
  CHECK(same, "the tree finds the scan's nearest patient and distance for all 300 queries");
  CHECK(evals < (size_t)Q * N / 2, "it computes %.0f distances a query, against %d for a scan", (double)evals / Q, N);
  /* leaving a patient's own record out */
  double d0, d1;
  size_t self = vt_vptree_nearest(t, sets + 17 * W, SIZE_MAX, &d0, NULL);
  size_t other = vt_vptree_nearest(t, sets + 17 * W, 17, &d1, NULL);
  CHECK(d0 == 0 && other != 17 && d1 >= d0, "a record finds itself at 0 (index %zu), and another when it is left out",
        self);
  vt_vptree_free(t);
  free(sets); free(proto); free(qs);
}

int main(void) {
  test_jaccard();
  test_tree();
  return test_done();
}
