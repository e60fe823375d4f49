/*
** jsonw.h -- a small streaming JSON writer: values are printed as they are
** given, with no tree in memory.  Containers opened "inline" print on one
** line; the others put each member on its own line, indented two spaces a
** level.  Strings that are not valid UTF-8 get U+FFFD for the bad bytes;
** reals that are not finite print as null.
**
**   vt_jsonw w;
**   vt_jw_init(&w, stdout);
**   vt_jw_obj(&w, 0);
**   vt_jw_kstr(&w, "path", path);
**   vt_jw_key(&w, "top"); vt_jw_arr(&w, 0);
**     vt_jw_obj(&w, 1); vt_jw_kint(&w, "rows", 3); vt_jw_end(&w);
**   vt_jw_end(&w);
**   vt_jw_end(&w);                 (ends the line after the outermost value)
*/
#ifndef VT_JSONW_H
#define VT_JSONW_H

#include <stdint.h>
#include <stdio.h>

#define VT_JW_DEPTH 32

typedef struct vt_jsonw {
  FILE *f;
  int depth;                     /* open containers */
  int count[VT_JW_DEPTH];        /* members written at each level */
  unsigned char inl[VT_JW_DEPTH];/* 1: this level prints on one line */
  char close[VT_JW_DEPTH];       /* '}' or ']' */
  int after_key;                 /* a key was written; its value comes next */
} vt_jsonw;

void vt_jw_init(vt_jsonw *w, FILE *f);

/* Open an object or array (inline: on one line); close the innermost. */
void vt_jw_obj(vt_jsonw *w, int inl);
void vt_jw_arr(vt_jsonw *w, int inl);
void vt_jw_end(vt_jsonw *w);

/* A member's key (in an object); the value follows. */
void vt_jw_key(vt_jsonw *w, const char *key);

/* Values.  vt_jw_str prints null for NULL. */
void vt_jw_str(vt_jsonw *w, const char *s);
void vt_jw_int(vt_jsonw *w, int64_t v);
void vt_jw_real(vt_jsonw *w, double v);
/* A real with as many digits as it takes to read back the same double
** (the shortest of %.15g, %.16g, %.17g); null when not finite. */
void vt_jw_real_exact(vt_jsonw *w, double v);
void vt_jw_bool(vt_jsonw *w, int v);
void vt_jw_null(vt_jsonw *w);

/* A key and its value. */
void vt_jw_kstr(vt_jsonw *w, const char *key, const char *s);
void vt_jw_kint(vt_jsonw *w, const char *key, int64_t v);
void vt_jw_kreal(vt_jsonw *w, const char *key, double v);
void vt_jw_kbool(vt_jsonw *w, const char *key, int v);

#endif
