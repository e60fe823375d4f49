/*
** strbuf.c -- text buffers, formatted strings, thousands separators and
** checked allocation (see strbuf.h).
*/
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void) {
  fputs("vitae: out of memory\n", stderr);
  exit(1);
}

void *vt_xmalloc(size_t n) { void *p = malloc(n ? n : 1); if (!p) oom(); return p; }
void *vt_xcalloc(size_t n, size_t k) { void *p = calloc(n ? n : 1, k ? k : 1); if (!p) oom(); return p; }
void *vt_xrealloc(void *p, size_t n) { p = realloc(p, n ? n : 1); if (!p) oom(); return p; }
char *vt_xstrdup(const char *s) { size_t n = strlen(s) + 1; return memcpy(vt_xmalloc(n), s, n); }
char *vt_xstrndup(const char *s, size_t n) { char *d = vt_xmalloc(n + 1); memcpy(d, s, n); d[n] = 0; return d; }

void vt_sb_reserve(vt_sbuf *b, size_t extra) {
  if (b->n + extra + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + extra + 1) cap *= 2;
    b->p = vt_xrealloc(b->p, cap);
    b->cap = cap;
  }
}

void vt_sb_add(vt_sbuf *b, const char *s, size_t n) {
  vt_sb_reserve(b, n);
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}

void vt_sb_puts(vt_sbuf *b, const char *s) { vt_sb_add(b, s, strlen(s)); }

/* Through a stack buffer, or straight into the buffer when it does not fit. */
void vt_sb_vprintf(vt_sbuf *b, const char *fmt, va_list ap) {
  char buf[512];
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  if (n >= 0 && (size_t)n < sizeof buf) vt_sb_add(b, buf, (size_t)n);
  else if (n >= 0) {
    vt_sb_reserve(b, (size_t)n);
    vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap2);
    b->n += (size_t)n;
  }
  va_end(ap2);
}

void vt_sb_printf(vt_sbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vt_sb_vprintf(b, fmt, ap);
  va_end(ap);
}

char *vt_xprintf(const char *fmt, ...) {
  vt_sbuf b = { 0 };
  vt_sb_add(&b, "", 0);
  va_list ap;
  va_start(ap, fmt);
  vt_sb_vprintf(&b, fmt, ap);
  va_end(ap);
  return b.p;
}

const char *vt_commas(int64_t n, char buf[32]) {
  char tmp[32];
  int len = snprintf(tmp, sizeof tmp, "%lld", (long long)n), k = 0;
  for (int i = 0; i < len; i++) {
    buf[k++] = tmp[i];
    if (tmp[i] != '-' && (len - i - 1) % 3 == 0 && i != len - 1) buf[k++] = ',';
  }
  buf[k] = 0;
  return buf;
}

void vt_seterr(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || errlen == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

int vt_vseterr_at(char *err, size_t errlen, const char *file, unsigned long line, unsigned long col, const char *fmt,
                  va_list ap) {
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  vt_seterr(err, errlen, "%s:%lu:%lu: %s", file, line, col, msg);
  return -1;
}
