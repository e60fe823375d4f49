/*
** eval_nn.h -- exact nearest neighbours among patients seen as sets of
** codes, for `vitae eval`'s distance to closest record and distance-based
** membership attack (issue 11; groundwork).  A patient is a bitset over a
** public code list; the distance is Jaccard's, 1 - |A and B| / |A or B|
** (0 for two empty sets), a metric, so a vantage-point tree (Yianilos
** 1993) prunes the search: building takes O(n log n) distances, a query
** never more than a scan (test_eval_nn: 46% of a scan on 3,000 clustered
** patients of 256 codes; Jaccard distances between unrelated patients
** bunch up near 1, which limits any metric tree).
*/
#ifndef VT_EVAL_NN_H
#define VT_EVAL_NN_H

#include <stddef.h>
#include <stdint.h>

/* Jaccard distance of two bitsets of `words` 64-bit words. */
double vt_jaccard(const uint64_t *a, const uint64_t *b, size_t words);

typedef struct vt_vptree vt_vptree;

/* A tree over n bitsets of `words` words each, stored one after another in
** `sets` (not copied: they must outlive the tree).  NULL when out of
** memory. */
vt_vptree *vt_vptree_build(const uint64_t *sets, size_t n, size_t words);
void vt_vptree_free(vt_vptree *t);

/* The nearest set to q (index into the tree's sets) and its distance
** (*dist); `skip` (or SIZE_MAX) is an index to leave out (a patient's own
** record).  *evals (may be NULL) gets the distances computed.  Returns the
** index, or SIZE_MAX for an empty tree. */
size_t vt_vptree_nearest(const vt_vptree *t, const uint64_t *q, size_t skip, double *dist, size_t *evals);

#endif
