/*
** module_graph.h -- a compiled module (sim/model.h) as a Graphviz DOT graph,
** for `vitae graph` (docs/graph.md).
**
** One node per state, in the loader's order (by name), shaped and coloured
** by the kind of state (a legend is part of the graph); one edge per state
** and distinct target, labelled with what the transition declares (a
** probability, a condition as short text, a lookup table, a type of care).
** With the counts of a cohort (vt_graph_counts) the nodes show how many
** patients entered them and the edges the observed share of each branch.
** The output depends on nothing but the module and the counts.
*/
#ifndef VT_MODULE_GRAPH_H
#define VT_MODULE_GRAPH_H

#include <stdint.h>
#include <stdio.h>

#include "sim/model.h"
#include "sim/strbuf.h"

/* What a cohort says about the module; every pointer may be NULL. */
typedef struct vt_graph_counts {
  const int64_t *patients, *entries;   /* per state index; -1: the cohort has no row for it */
  const int64_t *trans;                /* [from * nstates + to]: transitions taken; NULL: unknown */
  const char *title;                   /* a line for the graph's title ("counts: cohort.db, 1,000 patients") */
  const char *note;                    /* a line saying what is missing and why, or NULL */
} vt_graph_counts;

/* Write m as a DOT digraph to f, with the counts c (NULL: none).  0, or -1
** when writing failed (ferror). */
int vt_graph_write(FILE *f, const vt_module *m, const vt_graph_counts *c);

/* Append condition c of module m to b as short readable text: "age >= 18
** years", "gender = F", "attribute smoker = true", "active condition
** 44054006", "And(..., ...)", "f(p)" for a Lua function. */
void vt_graph_cond_text(vt_sbuf *b, const vt_module *m, const vt_cond *c);

/* Append s to b as the inside of a DOT double-quoted string: quotes and
** backslashes escaped, a newline as \n (a centred line break), other
** control characters as spaces; UTF-8 kept as it is. */
void vt_graph_escape(vt_sbuf *b, const char *s);

#endif
