/*
** eval_svg.c -- inline SVG charts (learn/eval_svg.h): a fixed 480 x 300
** canvas, a plot area with margins, linear axes from the data's range
** (0 included for bars), five ticks an axis, a legend at the top right.
*/
#include "learn/eval_svg.h"

#include <math.h>
#include <string.h>

#define W 480
#define H 300
#define ML 56   /* margins: left, right, top, bottom */
#define MR 16
#define MT 36
#define MB 44

int vt_svg_text(FILE *f, const char *text) {
  for (const char *p = text ? text : ""; *p; p++) {
    int rc;
    switch (*p) {
    case '&': rc = fputs("&amp;", f); break;
    case '<': rc = fputs("&lt;", f); break;
    case '>': rc = fputs("&gt;", f); break;
    case '"': rc = fputs("&quot;", f); break;
    case '\'': rc = fputs("&#39;", f); break;
    default: rc = fputc(*p, f);
    }
    if (rc == EOF) return -1;
  }
  return 0;
}

/* A linear axis: data [lo, hi] onto pixels [a, b]. */
typedef struct axis { double lo, hi, a, b; } axis;

static double px(const axis *ax, double v) {
  double span = ax->hi - ax->lo;
  return ax->a + (span > 0 ? (v - ax->lo) / span : 0.5) * (ax->b - ax->a);
}

/* Widen [lo, hi] when it is empty or a point. */
static void pad(double *lo, double *hi) {
  if (!(*lo == *lo) || !(*hi == *hi) || isinf(*lo) || isinf(*hi)) { *lo = 0; *hi = 1; }
  if (*hi <= *lo) { *lo -= 0.5; *hi += 0.5; }
}

/* The opening of the svg element, its title and the plot frame. */
static void head(FILE *f, const char *title) {
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
             "font-family=\"sans-serif\" font-size=\"11\">\n<title>", W, H, W, H);
  vt_svg_text(f, title);
  fprintf(f, "</title>\n<text x=\"%d\" y=\"20\" font-size=\"13\" font-weight=\"bold\">", ML);
  vt_svg_text(f, title);
  fprintf(f, "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n", ML, MT,
          W - ML - MR, H - MT - MB);
}

/* Five ticks with labels on the y axis (and on x unless no_x). */
static void ticks(FILE *f, const axis *xa, const axis *ya, int no_x) {
  for (int i = 0; i <= 4; i++) {
    double v = ya->lo + (ya->hi - ya->lo) * i / 4.0, y = px(ya, v);
    fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
               "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n", ML, y, W - MR, y, ML - 4, y + 4, v);
    if (no_x) continue;
    double u = xa->lo + (xa->hi - xa->lo) * i / 4.0, x = px(xa, u);
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.3g</text>\n", x, H - MB + 14, u);
  }
}

static void labels(FILE *f, const char *xlabel, const char *ylabel) {
  fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (ML + W - MR) / 2, H - 8);
  vt_svg_text(f, xlabel);
  fprintf(f, "</text>\n<text transform=\"translate(14 %d) rotate(-90)\" text-anchor=\"middle\">", (MT + H - MB) / 2);
  vt_svg_text(f, ylabel);
  fputs("</text>\n", f);
}

static void legend(FILE *f, const vt_svg_series *s, int n) {
  for (int i = 0; i < n; i++) {
    int y = MT + 8 + 14 * i;
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">", W - MR - 110,
            y, s[i].colour, W - MR - 96, y + 9);
    vt_svg_text(f, s[i].name);
    fputs("</text>\n", f);
  }
}

static int tail(FILE *f) {
  fputs("</svg>\n", f);
  return ferror(f) ? -1 : 0;
}

static double xval(const vt_svg_series *s, size_t i) { return s->x ? s->x[i] : (double)i; }

int vt_svg_bars(FILE *f, const char *title, const char *const *lab, size_t n, const vt_svg_series *s, int nseries) {
  double lo = 0, hi = 0;
  for (int k = 0; k < nseries; k++)
    for (size_t i = 0; i < n; i++) if (s[k].y[i] == s[k].y[i]) { if (s[k].y[i] > hi) hi = s[k].y[i]; if (s[k].y[i] < lo) lo = s[k].y[i]; }
  pad(&lo, &hi);
  axis ya = { lo, hi, H - MB, MT }, xa = { 0, 1, ML, W - MR };
  head(f, title);
  ticks(f, &xa, &ya, 1);
  double slot = (double)(W - ML - MR) / (double)(n ? n : 1), bw = slot * 0.8 / (nseries ? nseries : 1);
  for (size_t i = 0; i < n; i++) {
    for (int k = 0; k < nseries; k++) {
      double v = s[k].y[i];
      if (v != v) continue;
      double y0 = px(&ya, 0), y1 = px(&ya, v), x = ML + slot * (double)i + slot * 0.1 + bw * k;
      fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n", x, y1 < y0 ? y1 : y0,
              bw, fabs(y0 - y1), s[k].colour);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", ML + slot * ((double)i + 0.5), H - MB + 14);
    vt_svg_text(f, lab ? lab[i] : "");
    fputs("</text>\n", f);
  }
  legend(f, s, nseries);
  return tail(f);
}

/* The range of every series' x and y. */
static void ranges(const vt_svg_series *s, int n, double *xlo, double *xhi, double *ylo, double *yhi) {
  *xlo = *ylo = INFINITY;
  *xhi = *yhi = -INFINITY;
  for (int k = 0; k < n; k++)
    for (size_t i = 0; i < s[k].n; i++) {
      double x = xval(&s[k], i), y = s[k].y[i];
      if (x == x) { if (x < *xlo) *xlo = x; if (x > *xhi) *xhi = x; }
      if (y == y) { if (y < *ylo) *ylo = y; if (y > *yhi) *yhi = y; }
    }
  pad(xlo, xhi);
  pad(ylo, yhi);
}

int vt_svg_lines(FILE *f, const char *title, const char *xlabel, const char *ylabel, const vt_svg_series *s,
                 int nseries, int steps) {
  double xlo, xhi, ylo, yhi;
  ranges(s, nseries, &xlo, &xhi, &ylo, &yhi);
  axis xa = { xlo, xhi, ML, W - MR }, ya = { ylo, yhi, H - MB, MT };
  head(f, title);
  ticks(f, &xa, &ya, 0);
  labels(f, xlabel, ylabel);
  for (int k = 0; k < nseries; k++) {
    fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" d=\"", s[k].colour);
    int pen = 0;
    double prev_y = 0;
    for (size_t i = 0; i < s[k].n; i++) {
      double x = xval(&s[k], i), y = s[k].y[i];
      if (x != x || y != y) { pen = 0; continue; }
      if (pen && steps) fprintf(f, " L%.1f %.1f", px(&xa, x), px(&ya, prev_y));
      fprintf(f, "%s%.1f %.1f", pen ? " L" : (i ? " M" : "M"), px(&xa, x), px(&ya, y));
      pen = 1;
      prev_y = y;
    }
    fputs("\"/>\n", f);
  }
  legend(f, s, nseries);
  return tail(f);
}

int vt_svg_scatter(FILE *f, const char *title, const char *xlabel, const char *ylabel, const vt_svg_series *s) {
  double xlo, xhi, ylo, yhi;
  ranges(s, 1, &xlo, &xhi, &ylo, &yhi);
  double lo = xlo < ylo ? xlo : ylo, hi = xhi > yhi ? xhi : yhi;   /* one scale: the diagonal is y = x */
  axis xa = { lo, hi, ML, W - MR }, ya = { lo, hi, H - MB, MT };
  head(f, title);
  ticks(f, &xa, &ya, 0);
  labels(f, xlabel, ylabel);
  fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n",
          px(&xa, lo), px(&ya, lo), px(&xa, hi), px(&ya, hi));
  for (size_t i = 0; i < s->n; i++) {
    double x = xval(s, i), y = s->y[i];
    if (x != x || y != y) continue;
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\" fill-opacity=\"0.7\"/>\n", px(&xa, x), px(&ya, y),
            s->colour);
  }
  return tail(f);
}

/* ---- heat map -------------------------------------------------------------- */

/* A diverging colour for v in [-1, 1]: blue (-1) through white (0) to red
** (+1); grey for NaN. */
static void diverging(double v, char out[8]) {
  if (v != v) { strcpy(out, "#cccccc"); return; }
  if (v > 1) v = 1;
  if (v < -1) v = -1;
  /* the ends: #2166ac (blue) and #b2182b (red), mixed with white */
  double t = fabs(v), r0 = v < 0 ? 0x21 : 0xb2, g0 = v < 0 ? 0x66 : 0x18, b0 = v < 0 ? 0xac : 0x2b;
  int r = (int)lround(255 + (r0 - 255) * t), g = (int)lround(255 + (g0 - 255) * t), b = (int)lround(255 + (b0 - 255) * t);
  snprintf(out, 8, "#%02x%02x%02x", r & 255, g & 255, b & 255);
}

/* A label cut to at most 24 bytes (not inside a UTF-8 sequence), "..." added. */
static void short_label(FILE *f, const char *s) {
  char buf[32];
  size_t n = strlen(s ? s : "");
  if (n <= 24) { vt_svg_text(f, s); return; }
  n = 22;
  while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  memcpy(buf, s, n);
  strcpy(buf + n, "...");
  vt_svg_text(f, buf);
}

int vt_svg_heatmap(FILE *f, const char *title, const char *const *lab, size_t k, const double *m) {
  const int left = 150, top = 150, legw = 70;
  int cell = k ? (int)(320 / k) : 24;
  if (cell > 28) cell = 28;
  if (cell < 6) cell = 6;
  int w = left + cell * (int)k + legw + 10, h = top + cell * (int)k + 20;
  if (h < top + 140) h = top + 140;
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
             "font-family=\"sans-serif\" font-size=\"10\">\n<title>", w, h, w, h);
  vt_svg_text(f, title);
  fputs("</title>\n<text x=\"8\" y=\"18\" font-size=\"13\" font-weight=\"bold\">", f);
  vt_svg_text(f, title);
  fputs("</text>\n", f);
  char col[8];
  for (size_t i = 0; i < k; i++) {
    int y = top + cell * (int)i;
    /* row label, right-aligned against the grid; column label, vertical above it */
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", left - 4, y + cell * 0.5 + 3.5);
    short_label(f, lab ? lab[i] : "");
    fprintf(f, "</text>\n<text transform=\"translate(%.1f %d) rotate(-90)\">", left + cell * ((double)i + 0.5) + 3.5,
            top - 4);
    short_label(f, lab ? lab[i] : "");
    fputs("</text>\n", f);
    for (size_t j = 0; j < k; j++) {
      double v = m[i * k + j];
      diverging(v, col);
      fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>", left + cell * (int)j, y,
              cell, cell, col);
      short_label(f, lab ? lab[i] : "");
      fputs(" / ", f);
      short_label(f, lab ? lab[j] : "");
      if (v == v) fprintf(f, ": %.3f</title></rect>\n", v);
      else fputs(": n/a</title></rect>\n", f);
    }
  }
  fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n", left, top,
          cell * (int)k, cell * (int)k);
  /* the legend: a vertical scale from +1 (top) to -1 (bottom) */
  int lx = left + cell * (int)k + 14, ly = top, lh = 120;
  for (int s = 0; s < 20; s++) {
    double v = 1 - (2.0 * s + 1) / 20.0;
    diverging(v, col);
    fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"12\" height=\"%.1f\" fill=\"%s\"/>\n", lx, ly + lh * s / 20.0,
            lh / 20.0 + 0.3, col);
  }
  fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n", lx, ly, lh);
  fprintf(f, "<text x=\"%d\" y=\"%d\">+1</text><text x=\"%d\" y=\"%d\">0</text><text x=\"%d\" y=\"%d\">-1</text>\n",
          lx + 16, ly + 8, lx + 16, ly + lh / 2 + 4, lx + 16, ly + lh);
  return tail(f);
}
