/*
** param_decl.c -- the params a module declares, found without running its
** functions (see param_decl.h): a small scanner of Lua source for
** param("name", default) calls, and the naming of GMF branch probabilities.
**
** The scanner knows Lua's comments and strings (short and long) so that a
** call inside them is not counted; it does not parse Lua.  Its limits
** (schemas/params.md): a name built at run time ("a." .. k) cannot be known
** and is noted; param reached under another name (local p = param) is not
** seen; a default that is an expression (1 / 12) is listed without value.
*/
#include "lua/param_decl.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct scan {
  const char *s, *end;
  int line;
  const char *file, *module;
  vt_param_list *l;
} scan;

static int at(const scan *c, size_t k) { return c->s + k < c->end ? (unsigned char)c->s[k] : -1; }

static void adv(scan *c) { if (c->s < c->end) { if (*c->s == '\n') c->line++; c->s++; } }

/* At "[[" or "[==[": the number of '=' of the long bracket, else -1. */
static int long_open(const scan *c) {
  int k = 1;
  if (at(c, 0) != '[') return -1;
  while (at(c, (size_t)k) == '=') k++;
  return at(c, (size_t)k) == '[' ? k - 1 : -1;
}

/* Skip a long bracket of level lv (the cursor at its '['). */
static void skip_long(scan *c, int lv) {
  for (int k = 0; k < lv + 2; k++) adv(c);
  while (c->s < c->end) {
    if (*c->s == ']') {
      int k = 1;
      while (at(c, (size_t)k) == '=') k++;
      if (k - 1 == lv && at(c, (size_t)k) == ']') { for (int j = 0; j <= k; j++) adv(c); return; }
    }
    adv(c);
  }
}

/* Skip white space and comments. */
static void skip_space(scan *c) {
  while (c->s < c->end) {
    if (isspace((unsigned char)*c->s)) adv(c);
    else if (at(c, 0) == '-' && at(c, 1) == '-') {
      adv(c); adv(c);
      int lv = long_open(c);
      if (lv >= 0) skip_long(c, lv);
      else while (c->s < c->end && *c->s != '\n') adv(c);
    } else return;
  }
}

/* Read a short string literal at the cursor (its quote) into out (decoded
** for the simple escapes).  1 if read as a plain literal, 0 if it has an
** escape the scanner does not decode (skipped all the same). */
static int read_string(scan *c, char *out, size_t outlen) {
  int q = at(c, 0), plain = 1;
  size_t n = 0;
  adv(c);
  while (c->s < c->end && *c->s != q && *c->s != '\n') {
    int ch = (unsigned char)*c->s;
    if (ch == '\\') {
      adv(c);
      switch (at(c, 0)) {
        case 'n': ch = '\n'; break;
        case 't': ch = '\t'; break;
        case '\\': case '"': case '\'': ch = at(c, 0); break;
        default: plain = 0; ch = at(c, 0); break;
      }
    }
    if (n + 1 < outlen) out[n++] = (char)ch; else plain = 0;
    adv(c);
  }
  if (c->s < c->end && *c->s == q) adv(c); else plain = 0;
  out[n < outlen ? n : outlen - 1] = 0;
  return plain;
}

static int is_ident(int ch) { return ch == '_' || isalnum(ch); }

/* Read the default of a call at the cursor (after the comma) into d; the
** cursor stays where it is when it is not a single literal before ')'. */
static void read_default(scan *c, vt_param_decl *d, char *buf, size_t buflen) {
  scan save = *c;
  d->has_default = 0;
  if (at(c, 0) == '"' || at(c, 0) == '\'') {
    if (!read_string(c, buf, buflen)) goto expr;
    d->kind = VT_PARAM_STRING;
    d->string = buf;
  } else if (is_ident(at(c, 0)) && !isdigit(at(c, 0))) {
    size_t n = 0;
    while (is_ident(at(c, n))) n++;
    if (n == 4 && !strncmp(c->s, "true", 4)) d->boolean = 1;
    else if (!(n == 5 && !strncmp(c->s, "false", 5))) goto expr;
    d->kind = VT_PARAM_BOOL;
    for (size_t k = 0; k < n; k++) adv(c);
  } else {
    char num[64];
    size_t n = 0;
    char *endp;
    if (at(c, 0) == '-') num[n++] = '-', adv(c);
    skip_space(c);
    while (n + 1 < sizeof num && (isalnum(at(c, 0)) || at(c, 0) == '.' ||
           ((at(c, 0) == '-' || at(c, 0) == '+') && n && strchr("eEpP", num[n - 1])))) {
      num[n++] = (char)at(c, 0);
      adv(c);
    }
    num[n] = 0;
    errno = 0;
    d->number = strtod(num, &endp);
    if (!n || *endp || endp == num || errno) goto expr;
    d->kind = VT_PARAM_NUMBER;
  }
  skip_space(c);
  if (at(c, 0) == ')') { d->has_default = 1; return; }
expr:
  *c = save;
  d->kind = VT_PARAM_NUMBER;
  d->number = 0;
  d->string = NULL;
  d->boolean = 0;
}

/* The cursor is just after the identifier `param`: read the call. 1 if a
** call with a literal name was added or found, 0 if it was not a call, -1
** out of memory. */
static int read_call(scan *c) {
  char name[512], sval[512];
  vt_param_decl d;
  int line;
  skip_space(c);
  if (at(c, 0) != '(') return 0;
  adv(c);
  skip_space(c);
  line = c->line;
  memset(&d, 0, sizeof d);
  if (at(c, 0) != '"' && at(c, 0) != '\'') {
    return vt_param_list_note(c->l, "%s:%d: a param() whose name is not a string literal: it is listed only "
                              "if the call runs while the module loads", c->file, line) ? -1 : 0;
  }
  int plain = read_string(c, name, sizeof name);
  skip_space(c);
  if (!plain || at(c, 0) != ',') {
    return vt_param_list_note(c->l, "%s:%d: a param() whose name is built from an expression: it is listed only "
                              "if the call runs while the module loads", c->file, line) ? -1 : 0;
  }
  adv(c);
  skip_space(c);
  read_default(c, &d, sval, sizeof sval);
  d.name = name;
  d.module = (char *)c->module;
  d.file = (char *)c->file;
  d.line = line;
  d.origin = VT_PDECL_FUNCTION;
  if (vt_param_list_find(c->l, name)) return 1;   /* recorded while loading: keep that */
  return vt_param_list_add(c->l, &d) < 0 ? -1 : 1;
}

int vt_param_scan_lua(const char *src, size_t len, const char *file, const char *module, vt_param_list *l) {
  scan c = { src, src + len, 1, file, module, l };
  int found = 0, prev = 0;   /* prev: the last character before an identifier, not a space */
  while (c.s < c.end) {
    int ch = at(&c, 0), lv;
    if (isspace(ch)) { adv(&c); continue; }
    if (ch == '-' && at(&c, 1) == '-') { skip_space(&c); continue; }
    if (ch == '"' || ch == '\'') { char tmp[8]; read_string(&c, tmp, sizeof tmp); prev = ch; continue; }
    if ((lv = long_open(&c)) >= 0) { skip_long(&c, lv); prev = ']'; continue; }
    if (is_ident(ch) && !isdigit(ch)) {
      size_t n = 0;
      while (is_ident(at(&c, n))) n++;
      int is_param = n == 5 && !strncmp(c.s, "param", 5) && prev != '.' && prev != ':';
      for (size_t k = 0; k < n; k++) adv(&c);
      prev = 'a';
      if (is_param) {
        int r = read_call(&c);
        if (r < 0) return -1;
        found += r;
      }
      continue;
    }
    if (isdigit(ch)) { while (is_ident(at(&c, 0)) || at(&c, 0) == '.') adv(&c); prev = '0'; continue; }
    prev = ch;
    adv(&c);
  }
  return found;
}

int vt_param_scan_lua_file(const char *file, const char *module, vt_param_list *l, char *err, size_t errlen) {
  FILE *f = fopen(file, "rb");
  size_t cap = 65536, n = 0, k;
  char *buf, *nb;
  int rc;
  if (!f) { snprintf(err, errlen, "%s: %s", file, strerror(errno)); return -1; }
  if (!(buf = malloc(cap))) { fclose(f); snprintf(err, errlen, "out of memory"); return -1; }
  while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
    n += k;
    if (n == cap) {
      if (!(nb = realloc(buf, cap *= 2))) { free(buf); fclose(f); snprintf(err, errlen, "out of memory"); return -1; }
      buf = nb;
    }
  }
  if (ferror(f)) { free(buf); fclose(f); snprintf(err, errlen, "%s: cannot read the file", file); return -1; }
  fclose(f);
  rc = vt_param_scan_lua(buf, n, file, module, l);
  free(buf);
  if (rc < 0) snprintf(err, errlen, "out of memory");
  return rc;
}

/* Append s to out at *n, with the bytes that would make names ambiguous
** written %XX.  0, or -1 if out is full. */
static int put_part(char *out, size_t outlen, size_t *n, const char *s) {
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch <= 0x20 || ch == 0x7f || ch == '.' || ch == '#' || ch == '%') {
      if (*n + 3 >= outlen) return -1;
      snprintf(out + *n, 4, "%%%02X", ch);
      *n += 3;
    } else {
      if (*n + 1 >= outlen) return -1;
      out[(*n)++] = (char)ch;
    }
  }
  out[*n] = 0;
  return 0;
}

int vt_gmf_param_name(char *out, size_t outlen, const char *module, const char *state, int option,
                      const char *target, int occurrence) {
  size_t n = 0;
  char tail[32];
  if (outlen < 5) return -1;
  memcpy(out, "gmf.", 5);
  n = 4;
  if (put_part(out, outlen, &n, module) || n + 1 >= outlen) return -1;
  out[n++] = '.';
  if (put_part(out, outlen, &n, state) || n + 1 >= outlen) return -1;
  out[n++] = '.';
  out[n] = 0;
  if (option > 0) {
    snprintf(tail, sizeof tail, "option%d.", option);
    if (n + strlen(tail) >= outlen) return -1;
    memcpy(out + n, tail, strlen(tail) + 1);
    n += strlen(tail);
  }
  if (put_part(out, outlen, &n, target)) return -1;
  if (occurrence > 1) {
    snprintf(tail, sizeof tail, "#%d", occurrence);
    if (n + strlen(tail) >= outlen) return -1;
    memcpy(out + n, tail, strlen(tail) + 1);
  }
  return 0;
}
