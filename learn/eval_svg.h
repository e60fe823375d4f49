/*
** eval_svg.h -- inline SVG charts that vitae draws itself for `vitae
** eval`'s self-contained HTML report (issue 11; groundwork): no network,
** no library.  Each function writes one <svg> element with axes, ticks, a
** title and a legend; text is escaped for XML.
*/
#ifndef VT_EVAL_SVG_H
#define VT_EVAL_SVG_H

#include <stddef.h>
#include <stdio.h>

/* One series: n points (x[i], y[i]) (x NULL: 0, 1, 2, ...), its name and
** CSS colour ("#1f77b4"). */
typedef struct vt_svg_series {
  const char *name, *colour;
  const double *x, *y;
  size_t n;
} vt_svg_series;

/* Grouped bars: for each of n categories (labels), one bar per series
** (all series have n values in y).  0, or -1 when writing fails. */
int vt_svg_bars(FILE *f, const char *title, const char *const *labels, size_t n, const vt_svg_series *s,
                int nseries);

/* Lines through each series' points (a step line when steps: survival
** curves).  0, or -1. */
int vt_svg_lines(FILE *f, const char *title, const char *xlabel, const char *ylabel, const vt_svg_series *s,
                 int nseries, int steps);

/* A scatter of one series with the diagonal y = x (real against synthetic
** prevalence).  0, or -1. */
int vt_svg_scatter(FILE *f, const char *title, const char *xlabel, const char *ylabel, const vt_svg_series *s);

/* A heat map of a k x k matrix m (row-major) of values in [-1, 1]
** (correlations, their differences) on a diverging scale: blue for -1,
** white for 0, red for +1 (values beyond are clamped, NaN grey); row and
** column labels (cut to 24 bytes), each cell's value in its tooltip, and a
** legend of the scale.  0, or -1 when writing fails. */
int vt_svg_heatmap(FILE *f, const char *title, const char *const *labels, size_t k, const double *m);

/* Write text escaped for XML (& < > " ').  0, or -1. */
int vt_svg_text(FILE *f, const char *text);

#endif
