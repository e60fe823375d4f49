/*
** suggest.c -- "did you mean" suggestions (sim/suggest.h).
*/
#include "suggest.h"

#include <ctype.h>
#include <string.h>

int vt_edit_distance(const char *a, const char *b) {
  enum { MAXLEN = 40 };
  size_t la = strlen(a), lb = strlen(b);
  int prev[MAXLEN + 1], cur[MAXLEN + 1];
  if (la > MAXLEN || lb > MAXLEN) return 1000;
  for (size_t j = 0; j <= lb; j++) prev[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
      int del = prev[j] + 1, ins = cur[j - 1] + 1;
      cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
    }
    memcpy(prev, cur, sizeof(int) * (lb + 1));
  }
  return prev[lb];
}

const char *vt_suggest_closest(const char *s, const char *const *names, int n) {
  const char *best = NULL;
  int bestd = 3;
  for (int i = 0; i < n; i++) {
    if (!names[i]) continue;
    int d = vt_edit_distance(s, names[i]);
    if (d < bestd) { bestd = d; best = names[i]; }
  }
  return best;
}
