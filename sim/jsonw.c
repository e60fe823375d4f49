/*
** jsonw.c -- the streaming JSON writer of jsonw.h.
*/
#include "sim/jsonw.h"

#include <math.h>
#include <stdlib.h>

void vt_jw_init(vt_jsonw *w, FILE *f) {
  w->f = f;
  w->depth = 0;
  w->after_key = 0;
}

/* The slot of level d (levels past VT_JW_DEPTH share the last one). */
static int slot(int d) { return d < VT_JW_DEPTH ? d : VT_JW_DEPTH - 1; }

/* Write what goes before a value or key: a comma after the previous
** member, then a line break and indentation unless the level is inline. */
static void sep(vt_jsonw *w) {
  if (w->after_key) { w->after_key = 0; return; }
  if (w->depth == 0) return;
  int d = slot(w->depth - 1);
  if (w->count[d]++) fputc(',', w->f);
  if (w->inl[d]) { if (w->count[d] > 1) fputc(' ', w->f); }
  else fprintf(w->f, "\n%*s", 2 * w->depth, "");
}

static void open_level(vt_jsonw *w, char open, char close, int inl) {
  sep(w);
  fputc(open, w->f);
  int d = slot(w->depth);
  /* a container inside an inline one is inline too */
  w->inl[d] = (unsigned char)(inl || (w->depth > 0 && w->inl[slot(w->depth - 1)]));
  w->count[d] = 0;
  w->close[d] = close;
  w->depth++;
}

void vt_jw_obj(vt_jsonw *w, int inl) { open_level(w, '{', '}', inl); }
void vt_jw_arr(vt_jsonw *w, int inl) { open_level(w, '[', ']', inl); }

void vt_jw_end(vt_jsonw *w) {
  if (w->depth == 0) return;
  w->depth--;
  int d = slot(w->depth);
  if (!w->inl[d] && w->count[d]) fprintf(w->f, "\n%*s", 2 * w->depth, "");
  fputc(w->close[d], w->f);
  if (w->depth == 0) fputc('\n', w->f);
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is not one. */
static int utf8_len(const unsigned char *s) {
  if (s[0] < 0x80) return 1;
  int n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
  for (int k = 1; k < n; k++) if ((s[k] & 0xC0) != 0x80) return 0;
  return n;
}

/* s as a JSON string; bytes that are not UTF-8 become U+FFFD. */
static void put_string(FILE *f, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  fputc('"', f);
  while (*p) {
    if (*p == '"' || *p == '\\') { fputc('\\', f); fputc(*p++, f); continue; }
    if (*p < 0x20) {
      if (*p == '\n') fputs("\\n", f);
      else if (*p == '\t') fputs("\\t", f);
      else if (*p == '\r') fputs("\\r", f);
      else fprintf(f, "\\u%04x", *p);
      p++;
      continue;
    }
    int n = utf8_len(p);
    if (n == 0) { fputs("\xEF\xBF\xBD", f); p++; continue; }
    fwrite(p, 1, (size_t)n, f);
    p += n;
  }
  fputc('"', f);
}

void vt_jw_key(vt_jsonw *w, const char *key) {
  sep(w);
  put_string(w->f, key);
  fputs(": ", w->f);
  w->after_key = 1;
}

void vt_jw_str(vt_jsonw *w, const char *s) {
  sep(w);
  if (s) put_string(w->f, s);
  else fputs("null", w->f);
}

void vt_jw_int(vt_jsonw *w, int64_t v) { sep(w); fprintf(w->f, "%lld", (long long)v); }

void vt_jw_real(vt_jsonw *w, double v) {
  sep(w);
  if (!isfinite(v)) fputs("null", w->f);
  else fprintf(w->f, "%.6g", v);
}

void vt_jw_real_exact(vt_jsonw *w, double v) {
  char buf[40];
  sep(w);
  if (!isfinite(v)) { fputs("null", w->f); return; }
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) break;
  }
  fputs(buf, w->f);
}

void vt_jw_bool(vt_jsonw *w, int v) { sep(w); fputs(v ? "true" : "false", w->f); }
void vt_jw_null(vt_jsonw *w) { sep(w); fputs("null", w->f); }

void vt_jw_kstr(vt_jsonw *w, const char *key, const char *s) { vt_jw_key(w, key); vt_jw_str(w, s); }
void vt_jw_kint(vt_jsonw *w, const char *key, int64_t v) { vt_jw_key(w, key); vt_jw_int(w, v); }
void vt_jw_kreal(vt_jsonw *w, const char *key, double v) { vt_jw_key(w, key); vt_jw_real(w, v); }
void vt_jw_kbool(vt_jsonw *w, const char *key, int v) { vt_jw_key(w, key); vt_jw_bool(w, v); }
