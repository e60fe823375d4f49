/*
** test_eval_svg.c -- the report's charts (learn/eval_svg.h): each kind is
** written, its elements are there and balanced, text is escaped, a point
** lands where its value says, and NaN values are left out rather than
** drawn.  (The HTML report's screenshot test belongs to issue 11.)
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/eval_svg.h"
#include "test.h"

/* Everything f holds, as a string (caller frees). */
static char *slurp(FILE *f) {
  long n = ftell(f);
  char *s = malloc((size_t)n + 1);
  rewind(f);
  size_t got = fread(s, 1, (size_t)n, f);
  s[got] = 0;
  return s;
}

static int count(const char *s, const char *needle) {
  int n = 0;
  for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle)) n++;
  return n;
}

/* 1 if every '&' starts an entity. */
static int amp_ok(const char *s) {
  for (const char *p = strchr(s, '&'); p; p = strchr(p + 1, '&'))
    if (strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) && strncmp(p, "&gt;", 4) && strncmp(p, "&quot;", 6) &&
        strncmp(p, "&#39;", 5))
      return 0;
  return 1;
}

static void test_bars(void) {
  const char *lab[] = { "0-4", "5-9", "<10 & more" };
  double a[] = { 3, 5, 2 }, b[] = { 4, NAN, 1 };
  vt_svg_series s[2] = { { "real", "#1f77b4", NULL, a, 3 }, { "synthetic \"vitae\"", "#ff7f0e", NULL, b, 3 } };
  FILE *f = tmpfile();
  CHECK(f && vt_svg_bars(f, "Ages & sexes", lab, 3, s, 2) == 0, "bars written");
  char *t = slurp(f);
  CHECK(count(t, "<svg") == 1 && count(t, "</svg>") == 1, "one svg element");
  CHECK(count(t, "<rect") == 1 + 5 + 2, "frame, five bars (the NaN left out) and two legend keys: %d rects",
        count(t, "<rect"));
  CHECK(count(t, "<text") == count(t, "</text>"), "text elements balanced");
  CHECK(strstr(t, "Ages &amp; sexes") && strstr(t, "&lt;10 &amp; more") && strstr(t, "synthetic &quot;vitae&quot;") &&
        amp_ok(t), "title, labels and names escaped for XML");
  free(t);
  fclose(f);
}

static void test_lines_scatter(void) {
  double x[] = { 0, 10, 20 }, y[] = { 1, 0.8, 0.5 }, y2[] = { 1, NAN, 0.4 };
  vt_svg_series s[2] = { { "real", "#1f77b4", x, y, 3 }, { "synthetic", "#ff7f0e", x, y2, 3 } };
  FILE *f = tmpfile();
  CHECK(f && vt_svg_lines(f, "Survival", "age", "alive", s, 2, 1) == 0, "step lines written");
  char *t = slurp(f);
  CHECK(count(t, "<path") == 2, "one path a series");
  /* the first point: x 0 at the left edge (56), y 1 at the top (36) */
  CHECK(strstr(t, "d=\"M56.0 36.0") != NULL, "the first point lands at the plot's top left");
  CHECK(count(t, " M") >= 1, "a NaN breaks the line (a new move)");
  free(t);
  fclose(f);
  double px[] = { 0.1, 0.2, 0.3 }, py[] = { 0.1, 0.25, NAN };
  vt_svg_series sc = { "codes", "#2ca02c", px, py, 3 };
  f = tmpfile();
  CHECK(f && vt_svg_scatter(f, "Prevalence", "real", "synthetic", &sc) == 0, "scatter written");
  t = slurp(f);
  CHECK(count(t, "<circle") == 2 && count(t, "stroke-dasharray") == 1, "two points (the NaN left out) and the diagonal");
  free(t);
  fclose(f);
}

static void test_heatmap(void) {
  FILE *f = tmpfile();
  const char *lab[3] = { "Asthma & <rhinitis>", "Diabetes", "a very long description that goes on and on" };
  double m[9] = { 1, 0.5, -1, 0.5, 1, NAN, -1, NAN, 1 };
  CHECK(vt_svg_heatmap(f, "Correlations \"real\"", lab, 3, m) == 0, "heatmap: written");
  char *s = slurp(f);
  CHECK(count(s, "<svg") == 1 && count(s, "</svg>") == 1, "heatmap: one svg element");
  CHECK(count(s, "<rect") == 9 + 20 + 2, "heatmap: 9 cells, 20 legend steps, grid frame and legend frame");
  CHECK(amp_ok(s) && !strstr(s, "<rhinitis>") && strstr(s, "&lt;rhinitis&gt;"), "heatmap: labels escaped");
  CHECK(strstr(s, "fill=\"#b2182b\"") != NULL, "heatmap: +1 is the red end");
  CHECK(strstr(s, "fill=\"#2166ac\"") != NULL, "heatmap: -1 is the blue end");
  CHECK(strstr(s, "fill=\"#cccccc\"") != NULL && strstr(s, ": n/a</title>"), "heatmap: NaN grey, said n/a");
  CHECK(strstr(s, ": 0.500</title>") != NULL, "heatmap: a cell's value in its tooltip");
  CHECK(strstr(s, "a very long descriptio...") != NULL && !strstr(s, "on and on"), "heatmap: long labels cut");
  CHECK(strstr(s, ">+1<") && strstr(s, ">-1<"), "heatmap: legend names the scale's ends");
  free(s);
  fclose(f);
}

int main(void) {
  test_bars();
  test_lines_scatter();
  test_heatmap();
  return test_done();
}
