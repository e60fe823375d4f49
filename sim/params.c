/*
** params.c -- load a params file (schemas/params.md) and serve its values to
** the module loader, which replaces `param("name", default)` by them.
**
** The file is read with libyaml's document API (vt_yaml_load_file in
** config.c).  The `params` mapping is served to the loader; `privacy_ledger`
** and `dp_summary` are read by sim/params_ledger.c (the run copies the
** ledger into the cohort); other top-level keys are accepted and left alone.
** Entries are kept sorted by name so that lookups from the worker threads are
** a binary search over read-only memory plus one idempotent store.
*/
#include "params.h"
#include "config.h"
#include "sim/hash.h"
#include "sim/params_ledger.h"
#include "sim/strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define MARK_USED(x)   do { if (!__atomic_load_n((x), __ATOMIC_RELAXED)) __atomic_store_n((x), 1, __ATOMIC_RELAXED); } while (0)
#define READ_USED(x)   __atomic_load_n((x), __ATOMIC_RELAXED)
#else
#define MARK_USED(x)   (*(x) = 1)
#define READ_USED(x)   (*(x))
#endif

/* An entry while loading: the entry, its place in the file, for sorting. */
typedef struct entry {
  vt_param p;
  size_t order;
  unsigned long line, col;
} entry;

typedef struct pctx {
  const char *path;
  yaml_document_t *doc;
  char *err;
  size_t errlen;
} pctx;

/* Set err to "FILE:LINE:COL: message" (line and col 1-based); returns -1. */
static int at_error(pctx *c, unsigned long line, unsigned long col, const char *fmt, ...) VT_PRINTF(4, 5);
static int at_error(pctx *c, unsigned long line, unsigned long col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = vt_vseterr_at(c->err, c->errlen, c->path, line, col, fmt, ap);
  va_end(ap);
  return rc;
}

#define NODE_AT(n) (unsigned long)(n)->start_mark.line + 1, (unsigned long)(n)->start_mark.column + 1

static const char *text(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

static int has_nul(const yaml_node_t *n) { return strlen(text(n)) != n->data.scalar.length; }

static int is_plain(const yaml_node_t *n) { return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE; }

/* Is n a plain null scalar (empty, ~, null)? */
static int is_null(const yaml_node_t *n) {
  const char *s = text(n);
  return n->type == YAML_SCALAR_NODE && is_plain(n) &&
         (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"));
}

/* Copy s for a message: control characters become '?', long text is cut. */
static const char *show(const char *s, char *out, size_t outlen) {
  size_t i = 0;
  for (; *s && i + 4 < outlen; s++) {
    unsigned char ch = (unsigned char)*s;
    out[i++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
  }
  if (*s) { memcpy(out + i, "...", 3); i += 3; }
  out[i] = '\0';
  return out;
}

/* Does s have the shape of a YAML 1.2 decimal number:
** [-+]? ( .digits | digits [. digits*] ) ( [eE] [-+]? digits )? */
static int looks_numeric(const char *s) {
  int digits = 0;
  if (*s == '+' || *s == '-') s++;
  while (isdigit((unsigned char)*s)) { s++; digits++; }
  if (*s == '.') {
    s++;
    while (isdigit((unsigned char)*s)) { s++; digits++; }
  }
  if (!digits) return 0;
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-') s++;
    if (!isdigit((unsigned char)*s)) return 0;
    while (isdigit((unsigned char)*s)) s++;
  }
  return *s == '\0';
}

/* A name may be any non-empty text without spaces or control characters. */
static int valid_name(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if ((unsigned char)*s <= 0x20 || *s == 0x7f) return 0;
  return 1;
}

static int cmp_entry(const void *a, const void *b) {
  const entry *x = a, *y = b;
  int c = strcmp(x->p.name, y->p.name);
  if (c) return c;
  return x->order < y->order ? -1 : x->order > y->order;
}

static void free_param(vt_param *p) {
  free(p->name);
  free(p->string);
  p->name = p->string = NULL;
}

/* Fill e from one `name: value` pair of the params mapping.  Returns 0 or -1. */
static int read_entry(pctx *c, const yaml_node_t *k, const yaml_node_t *v, entry *e) {
  char shown[100];
  const char *name;
  memset(e, 0, sizeof *e);
  if (k->type != YAML_SCALAR_NODE || is_null(k) || has_nul(k))
    return at_error(c, NODE_AT(k), "parameter names must be text like 'module.name', got %s",
                    k->type == YAML_MAPPING_NODE ? "a mapping" :
                    k->type == YAML_SEQUENCE_NODE ? "a list" : "an empty or odd key");
  name = text(k);
  if (!valid_name(name))
    return at_error(c, NODE_AT(k), "bad parameter name '%s' (no spaces or control characters)",
                    show(name, shown, sizeof shown));
  show(name, shown, sizeof shown);
  if (v->type != YAML_SCALAR_NODE)
    return at_error(c, NODE_AT(v), "parameter '%s' must have a number, true/false or text value, got %s",
                    shown, v->type == YAML_MAPPING_NODE ? "a mapping" : "a list");
  if (is_null(v))
    return at_error(c, NODE_AT(v), "parameter '%s' has no value", shown);
  if (has_nul(v))
    return at_error(c, NODE_AT(v), "parameter '%s': value contains a NUL character", shown);
  e->line = k->start_mark.line + 1;
  e->col = k->start_mark.column + 1;
  e->p.line = (int)(e->line > INT32_MAX ? INT32_MAX : e->line);
  if (!(e->p.name = strdup(name))) goto nomem;
  if (is_plain(v) && looks_numeric(text(v))) {
    char *end;
    errno = 0;
    e->p.kind = VT_PARAM_NUMBER;
    /* The "C" locale is assumed (vitae never calls setlocale). */
    e->p.number = strtod(text(v), &end);
    if (*end || !isfinite(e->p.number)) {
      free_param(&e->p);
      return at_error(c, NODE_AT(v), "parameter '%s': number '%s' is out of range", shown,
                      text(v));
    }
  } else if (is_plain(v) && (!strcmp(text(v), "true") || !strcmp(text(v), "True") || !strcmp(text(v), "TRUE"))) {
    e->p.kind = VT_PARAM_BOOL;
    e->p.boolean = 1;
  } else if (is_plain(v) && (!strcmp(text(v), "false") || !strcmp(text(v), "False") || !strcmp(text(v), "FALSE"))) {
    e->p.kind = VT_PARAM_BOOL;
    e->p.boolean = 0;
  } else {
    e->p.kind = VT_PARAM_STRING;
    if (!(e->p.string = strdup(text(v)))) goto nomem;
  }
  return 0;
nomem:
  free_param(&e->p);
  return at_error(c, NODE_AT(k), "out of memory");
}

/* Read the `params` mapping into *out (sorted by name).  Returns 0 or -1. */
static int read_params(pctx *c, const yaml_node_t *map, vt_params *out) {
  size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start), k = 0;
  entry *es = calloc(n ? n : 1, sizeof *es);
  int rc = -1;
  if (!es) return at_error(c, NODE_AT(map), "out of memory");
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++, k++) {
    const yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
    const yaml_node_t *vn = yaml_document_get_node(c->doc, p->value);
    if (!kn || !vn) { at_error(c, NODE_AT(map), "bad mapping entry"); goto done; }
    if (read_entry(c, kn, vn, &es[k])) goto done;
    es[k].order = k;
  }
  if (n > 1) qsort(es, n, sizeof *es, cmp_entry);
  for (size_t i = 1; i < n; i++) {
    if (!strcmp(es[i].p.name, es[i - 1].p.name)) {
      char shown[100];
      /* Equal names sort in file order: es[i] is the later one. */
      at_error(c, es[i].line, es[i].col, "duplicate parameter '%s' (first given at line %lu)",
               show(es[i].p.name, shown, sizeof shown), es[i - 1].line);
      goto done;
    }
  }
  if (n > (size_t)INT32_MAX) { at_error(c, NODE_AT(map), "too many parameters"); goto done; }
  if (!(out->items = calloc(n ? n : 1, sizeof *out->items))) {
    at_error(c, NODE_AT(map), "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    out->items[i] = es[i].p;
    memset(&es[i].p, 0, sizeof es[i].p);      /* ownership moved */
  }
  out->n = (int)n;
  rc = 0;
done:
  for (size_t i = 0; i < n; i++) free_param(&es[i].p);
  free(es);
  return rc;
}

vt_params *vt_params_load(const char *path, char *err, size_t errlen) {
  yaml_document_t doc;
  unsigned char *bytes;
  size_t len;
  const yaml_node_t *root, *params = NULL, *ledger = NULL, *summary = NULL;
  vt_params *p;
  pctx c;
  if (vt_yaml_load_file(path, &doc, &bytes, &len, err, errlen)) return NULL;
  c.path = path;
  c.doc = &doc;
  c.err = err;
  c.errlen = errlen;
  if (!(p = calloc(1, sizeof *p)) || !(p->path = strdup(path))) {
    at_error(&c, 1, 1, "out of memory");
    goto fail;
  }
  snprintf(p->hash, sizeof p->hash, "%016llx", (unsigned long long)vt_fnv1a64(VT_FNV1A64_INIT, bytes, len));
  root = yaml_document_get_root_node(&doc);
  if (!root) {
    at_error(&c, 1, 1, "empty file: expected a 'params' mapping of name: value");
    goto fail;
  }
  if (root->type != YAML_MAPPING_NODE) {
    at_error(&c, NODE_AT(root), "the top level must be a mapping with a 'params' key, got %s",
             root->type == YAML_SEQUENCE_NODE ? "a list" : "a scalar");
    goto fail;
  }
  for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
    const yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
    const yaml_node_t *v = yaml_document_get_node(&doc, pr->value);
    if (!k || !v) { at_error(&c, NODE_AT(root), "bad mapping entry"); goto fail; }
    if (k->type != YAML_SCALAR_NODE) {
      at_error(&c, NODE_AT(k), "top-level keys must be names (params, privacy_ledger)");
      goto fail;
    }
    for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < pr; q++) {
      const yaml_node_t *qk = yaml_document_get_node(&doc, q->key);
      if (qk && qk->type == YAML_SCALAR_NODE && !strcmp(text(qk), text(k))) {
        char shown[100];
        at_error(&c, NODE_AT(k), "duplicate key '%s' (first given at line %lu)",
                 show(text(k), shown, sizeof shown), (unsigned long)qk->start_mark.line + 1);
        goto fail;
      }
    }
    if (!strcmp(text(k), "params")) {
      if (v->type != YAML_MAPPING_NODE) {
        at_error(&c, NODE_AT(v), "'params' must be a mapping of name: value, got %s",
                 v->type == YAML_SEQUENCE_NODE ? "a list" : is_null(v) ? "no value" : "a scalar");
        goto fail;
      }
      params = v;
    }
    if (!strcmp(text(k), "privacy_ledger")) ledger = v;
    if (!strcmp(text(k), "dp_summary")) summary = v;
    /* any other key: reserved for vitae learn, not interpreted. */
  }
  if (!params) {
    at_error(&c, NODE_AT(root), "missing 'params' mapping of name: value");
    goto fail;
  }
  if (read_params(&c, params, p)) goto fail;
  if (ledger && vt_params_read_ledger(&doc, ledger, path, p, err, errlen)) goto fail;
  if (summary && vt_params_read_summary(&doc, summary, path, p, err, errlen)) goto fail;
  yaml_document_delete(&doc);
  free(bytes);
  return p;
fail:
  yaml_document_delete(&doc);
  free(bytes);
  vt_params_free(p);
  return NULL;
}

static int cmp_name(const void *key, const void *item) {
  return strcmp((const char *)key, ((const vt_param *)item)->name);
}

const vt_param *vt_params_get(vt_params *p, const char *name) {
  vt_param *it;
  if (!p || !name || p->n == 0) return NULL;
  it = bsearch(name, p->items, (size_t)p->n, sizeof *p->items, cmp_name);
  if (it) MARK_USED(&it->used);
  return it;
}

static int cmp_line(const void *a, const void *b) {
  const vt_param *x = *(const vt_param *const *)a, *y = *(const vt_param *const *)b;
  return x->line < y->line ? -1 : x->line > y->line ? 1 : strcmp(x->name, y->name);
}

int vt_params_warn_unused(const vt_params *p, FILE *out) {
  const vt_param **list;
  int n = 0;
  if (!p || p->n == 0) return 0;
  list = malloc(sizeof *list * (size_t)p->n);
  for (int i = 0; i < p->n; i++) {
    if (READ_USED(&p->items[i].used)) continue;
    if (list) list[n] = &p->items[i];
    else if (out)           /* no memory to sort: name order will do */
      fprintf(out, "vitae: warning: %s:%d: parameter '%s' is not used by any loaded module\n",
              p->path, p->items[i].line, p->items[i].name);
    n++;
  }
  if (list) {
    if (n > 1) qsort(list, (size_t)n, sizeof *list, cmp_line);
    for (int i = 0; i < n && out; i++)
      fprintf(out, "vitae: warning: %s:%d: parameter '%s' is not used by any loaded module\n",
              p->path, list[i]->line, list[i]->name);
    free(list);
  }
  return n;
}

void vt_params_free(vt_params *p) {
  if (!p) return;
  for (int i = 0; i < p->n; i++) free_param(&p->items[i]);
  free(p->items);
  vt_params_free_ledger(p);
  free(p->path);
  free(p);
}

/* ---- the declared params of a module set -------------------------------- */

const vt_param_decl *vt_param_list_find(const vt_param_list *l, const char *name) {
  /* a module set declares a few hundred params: a linear search will do */
  for (int i = 0; l && i < l->n; i++)
    if (!strcmp(l->items[i].name, name)) return &l->items[i];
  return NULL;
}

/* Do a and b have the same default? */
static int same_default(const vt_param_decl *a, const vt_param_decl *b) {
  if (!a->has_default || !b->has_default) return 1;
  if (a->kind != b->kind) return 0;
  switch (a->kind) {
    case VT_PARAM_NUMBER: return a->number == b->number;
    case VT_PARAM_STRING: return !strcmp(a->string ? a->string : "", b->string ? b->string : "");
    case VT_PARAM_BOOL: return a->boolean == b->boolean;
  }
  return 1;
}

static char *dup_or_null(const char *s, int *failed) {
  char *d;
  if (!s) return NULL;
  if (!(d = strdup(s))) *failed = 1;
  return d;
}

static void free_decl(vt_param_decl *d) {
  free(d->name); free(d->string); free(d->module); free(d->file); free(d->state); free(d->target);
}

int vt_param_list_add(vt_param_list *l, const vt_param_decl *d) {
  const vt_param_decl *old = vt_param_list_find(l, d->name);
  vt_param_decl c;
  int failed = 0;
  if (old) {
    if (!same_default(old, d))
      return vt_param_list_note(l, "%s:%d: param '%s' is also declared at %s:%d with another default "
                                "(the first one is listed)", d->file ? d->file : "?", d->line, d->name,
                                old->file ? old->file : "?", old->line) ? -1 : 0;
    return 0;
  }
  if (l->n == l->cap) {
    int cap = l->cap ? l->cap * 2 : 64;
    vt_param_decl *it = realloc(l->items, sizeof *it * (size_t)cap);
    if (!it) return -1;
    l->items = it;
    l->cap = cap;
  }
  c = *d;
  c.name = dup_or_null(d->name, &failed);
  c.string = dup_or_null(d->string, &failed);
  c.module = dup_or_null(d->module, &failed);
  c.file = dup_or_null(d->file, &failed);
  c.state = dup_or_null(d->state, &failed);
  c.target = dup_or_null(d->target, &failed);
  if (failed || !c.name) { free_decl(&c); return -1; }
  l->items[l->n++] = c;
  return 1;
}

int vt_param_list_note(vt_param_list *l, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  char **nn;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  for (int i = 0; i < l->nnotes; i++) if (!strcmp(l->notes[i], msg)) return 0;
  if (!(nn = realloc(l->notes, sizeof *nn * (size_t)(l->nnotes + 1)))) return -1;
  l->notes = nn;
  if (!(nn[l->nnotes] = strdup(msg))) return -1;
  l->nnotes++;
  return 0;
}

void vt_param_list_free(vt_param_list *l) {
  if (!l) return;
  for (int i = 0; i < l->n; i++) free_decl(&l->items[i]);
  free(l->items);
  for (int i = 0; i < l->nnotes; i++) free(l->notes[i]);
  free(l->notes);
  memset(l, 0, sizeof *l);
}
