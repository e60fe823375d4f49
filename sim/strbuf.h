/*
** strbuf.h -- small string helpers the commands share: a growing text
** buffer, formatted strings, numbers with thousands separators, and
** allocation that stops the program with a message when memory runs out.
*/
#ifndef VT_STRBUF_H
#define VT_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define VT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define VT_PRINTF(a, b)
#endif

/* Allocation that prints "vitae: out of memory" and exits with status 1
** when it fails. */
void *vt_xmalloc(size_t n);
void *vt_xcalloc(size_t n, size_t k);
void *vt_xrealloc(void *p, size_t n);
char *vt_xstrdup(const char *s);
char *vt_xstrndup(const char *s, size_t n);

/* A growing text buffer, NUL-terminated once anything was added; start it
** as { 0 } and free p when done. */
typedef struct vt_sbuf { char *p; size_t n, cap; } vt_sbuf;
void vt_sb_reserve(vt_sbuf *b, size_t extra);
void vt_sb_add(vt_sbuf *b, const char *s, size_t n);
void vt_sb_puts(vt_sbuf *b, const char *s);
void vt_sb_vprintf(vt_sbuf *b, const char *fmt, va_list ap);
void vt_sb_printf(vt_sbuf *b, const char *fmt, ...) VT_PRINTF(2, 3);

/* A formatted string, malloc'd. */
char *vt_xprintf(const char *fmt, ...) VT_PRINTF(1, 2);
/* Format a message into err (errlen bytes); nothing when err is NULL or
** errlen 0.  For the `char *err, size_t errlen` convention of vitae's
** result codes. */
void vt_seterr(char *err, size_t errlen, const char *fmt, ...) VT_PRINTF(3, 4);
/* "FILE:LINE:COL: message" into err (as vt_seterr; line and col as given,
** 1-based); returns -1, for parsers to return it. */
int vt_vseterr_at(char *err, size_t errlen, const char *file, unsigned long line, unsigned long col, const char *fmt,
                  va_list ap);

/* n with thousands separators ("1,234,567") in buf, which it returns. */
const char *vt_commas(int64_t n, char buf[32]);

#endif
