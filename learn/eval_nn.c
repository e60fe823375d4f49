/*
** eval_nn.c -- a vantage-point tree over code bitsets with the Jaccard
** distance (learn/eval_nn.h).
**
** Each node holds a vantage point and the median distance mu of the points
** below it: those closer than mu go left, the others right.  A query at
** distance d from the vantage point, with best distance tau so far, needs
** the left side only if d - tau < mu and the right side only if
** d + tau >= mu (triangle inequality).  Nodes live in one array, children
** by index; the tree is built iteratively over index ranges.
*/
#include "learn/eval_nn.h"

#include <stdlib.h>
#include <string.h>

#include "sim/rng.h"

/* The popcounts are most of a query's time: where the compiler can, build a
** second copy for CPUs with the POPCNT instruction, chosen when the program
** loads (x86-64's baseline lacks it; without it GCC calls a slow library
** routine). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("popcnt", "default")))
#endif
double vt_jaccard(const uint64_t *a, const uint64_t *b, size_t words) {
  uint64_t inter = 0, uni = 0;
  for (size_t w = 0; w < words; w++) {
    inter += (uint64_t)__builtin_popcountll(a[w] & b[w]);
    uni += (uint64_t)__builtin_popcountll(a[w] | b[w]);
  }
  return uni ? 1.0 - (double)inter / (double)uni : 0.0;
}

typedef struct vp_node {
  size_t point;          /* index of the vantage point */
  double mu;             /* median distance of the points below to it */
  size_t left, right;    /* node indexes, SIZE_MAX for none */
} vp_node;

struct vt_vptree {
  const uint64_t *sets;
  size_t n, words;
  vp_node *nodes;
  size_t nnodes, root;
};

static const uint64_t *set_of(const vt_vptree *t, size_t i) { return t->sets + i * t->words; }

typedef struct by_d { double d; size_t i; } by_d;

static int cmp_d(const void *a, const void *b) {
  double x = ((const by_d *)a)->d, y = ((const by_d *)b)->d;
  if (x != y) return x < y ? -1 : 1;
  size_t i = ((const by_d *)a)->i, j = ((const by_d *)b)->i;
  return i < j ? -1 : i > j;
}

/* Build the subtree of the points idx[lo, hi) (scratch s of the same
** size); returns its node index or SIZE_MAX.  Recursion depth is about
** log2(n): the median split halves each range. */
static size_t build(vt_vptree *t, size_t *idx, by_d *s, size_t lo, size_t hi, vt_rng *r) {
  if (lo >= hi) return SIZE_MAX;
  size_t k = lo + (size_t)(vt_rng_uniform(r) * (double)(hi - lo));
  if (k >= hi) k = hi - 1;
  size_t tmp = idx[lo]; idx[lo] = idx[k]; idx[k] = tmp;   /* the vantage point first */
  vp_node *nd = &t->nodes[t->nnodes];
  size_t me = t->nnodes++;
  nd->point = idx[lo];
  nd->mu = 0;
  nd->left = nd->right = SIZE_MAX;
  if (hi - lo == 1) return me;
  const uint64_t *vp = set_of(t, idx[lo]);
  for (size_t i = lo + 1; i < hi; i++) { s[i].d = vt_jaccard(vp, set_of(t, idx[i]), t->words); s[i].i = idx[i]; }
  qsort(s + lo + 1, hi - lo - 1, sizeof *s, cmp_d);
  size_t mid = lo + 1 + (hi - lo - 1) / 2;
  double mu = s[mid].d;
  for (size_t i = lo + 1; i < hi; i++) idx[i] = s[i].i;
  size_t l = build(t, idx, s, lo + 1, mid, r), rr = build(t, idx, s, mid, hi, r);
  t->nodes[me].mu = mu;
  t->nodes[me].left = l;
  t->nodes[me].right = rr;
  return me;
}

vt_vptree *vt_vptree_build(const uint64_t *sets, size_t n, size_t words) {
  vt_vptree *t = calloc(1, sizeof *t);
  size_t *idx = malloc((n ? n : 1) * sizeof *idx);
  by_d *s = malloc((n ? n : 1) * sizeof *s);
  if (!t || !idx || !s) goto fail;
  t->sets = sets;
  t->n = n;
  t->words = words;
  t->nodes = malloc((n ? n : 1) * sizeof *t->nodes);
  if (!t->nodes) goto fail;
  for (size_t i = 0; i < n; i++) idx[i] = i;
  vt_rng r;
  vt_rng_seed(&r, 0x7E57);   /* fixed: the same tree, the same answers, every run */
  t->root = build(t, idx, s, 0, n, &r);
  free(idx);
  free(s);
  return t;
fail:
  free(idx);
  free(s);
  vt_vptree_free(t);
  return NULL;
}

void vt_vptree_free(vt_vptree *t) {
  if (!t) return;
  free(t->nodes);
  free(t);
}

/* The search keeps an explicit stack of subtrees, each with a lower bound
** on the distance of any of its points to q (|d - mu| for the far side of
** a vantage point, from the triangle inequality); a subtree whose bound
** is above the best distance when it is popped is skipped. */
size_t vt_vptree_nearest(const vt_vptree *t, const uint64_t *q, size_t skip, double *dist, size_t *evals) {
  size_t best = SIZE_MAX, nev = 0;
  double tau = 2.0;   /* above any Jaccard distance */
  struct { size_t node; double bound; } stack[256];   /* about 2 a level; the depth is near log2(n) */
  size_t sp = 0;
  if (t->root != SIZE_MAX) { stack[0].node = t->root; stack[0].bound = 0; sp = 1; }
  while (sp) {
    sp--;
    if (stack[sp].bound > tau) continue;
    const vp_node *nd = &t->nodes[stack[sp].node];
    double d = vt_jaccard(q, set_of(t, nd->point), t->words);
    nev++;
    if (nd->point != skip && (d < tau || (d == tau && nd->point < best))) { tau = d; best = nd->point; }
    /* the far side first on the stack, so that the near side is searched first */
    int inside = d < nd->mu;
    size_t far = inside ? nd->right : nd->left, near = inside ? nd->left : nd->right;
    double gap = inside ? nd->mu - d : d - nd->mu;
    if (far != SIZE_MAX && gap <= tau && sp < 256) { stack[sp].node = far; stack[sp].bound = gap; sp++; }
    if (near != SIZE_MAX && sp < 256) { stack[sp].node = near; stack[sp].bound = 0; sp++; }
  }
  if (dist) *dist = best == SIZE_MAX ? 1.0 : tau;
  if (evals) *evals = nev;
  return best;
}
