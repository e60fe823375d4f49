/*
** config.c -- the run configuration of `vitae run`.
**
** Three layers, each overriding the one before: the defaults, the YAML file
** named by --config (read with libyaml's document API; keys documented in
** schemas/config.md), and the command line (parsed in sim/cli/cmd_run.c,
** each value set through vt_config_set).  Every value is checked here, so
** the engine only sees valid settings; errors name the file, line, column and
** key, or the flag, and the value that was refused.
*/
#include "config.h"
#include "suggest.h"
#include "strbuf.h"
#include "vtime.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/* Largest file vt_yaml_load_file reads: run configs and params files are small. */
#define MAX_YAML_BYTES ((size_t)256 << 20)

/* The default output path.  It is not malloc'd, so vt_config_defaults cannot
** fail; vt_config_free and the setters never free this one pointer. */
static char default_output[] = "output/cohort.db";

/* What each setting accepts, shared by the YAML and command-line messages. */
#define EXPECT_POPULATION "a positive integer"
#define EXPECT_SEED       "an integer from 0 to 18446744073709551615"
#define EXPECT_THREADS    "an integer from 1 to 256, or 0 for one thread per CPU"
#define EXPECT_DATE       "a date YYYY-MM-DD or 'today'"
#define EXPECT_AGE        "an age range MIN-MAX with 0 <= MIN <= MAX <= 120"
#define EXPECT_AGE_BOUND  "an integer from 0 to 120"
#define EXPECT_GENDER     "M, F or both"
#define EXPECT_BOOL       "true or false"
#define EXPECT_PATH       "a path"
#define EXPECT_MODULES    "a path or a list of paths"
#define EXPECT_FORMAT     "native or omop"
#define EXPECT_HISTORY    "a number of years from 1 to 200, or 0 for the whole life"
#define EXPECT_OBSERVATION "full or random"
#define EXPECT_MODULE_TIME "a number of seconds from 0 to 86400 (0: no limit)"

static const char *const config_keys[] = {
  "population", "seed", "modules", "output", "threads",
  "reference_date", "age", "gender", "params", "quiet", "trace",
  "format", "vocab", "history_years", "observation", "module_time",
};
#define NCONFIG_KEYS ((int)(sizeof config_keys / sizeof config_keys[0]))
#define KNOWN_KEYS "population, seed, modules, output, threads, reference_date, age, gender, params, quiet, trace, format, vocab, history_years, observation, module_time"


/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */


static char *dupstr(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* Write s into out (size outlen) for an error message: control characters
** become '?', and a long value is cut with "...".  Returns out. */
const char *vt_config_show(const char *s, char *out, size_t outlen) {
  size_t i = 0, limit = outlen > 4 ? outlen - 4 : 0;
  for (; *s && i < limit; s++) {
    unsigned char ch = (unsigned char)*s;
    out[i++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
  }
  if (*s && outlen >= 4) { memcpy(out + i, "...", 3); i += 3; }
  if (outlen) out[i < outlen ? i : outlen - 1] = '\0';
  return out;
}

/* The closest of names[0..n) to s, or NULL if none is within 2 edits. */
const char *vt_config_closest(const char *s, const char *const *names, int n) {
  return vt_suggest_closest(s, names, n);
}

static int streq_nocase(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
  return *a == *b;
}


/* ------------------------------------------------------------------ */
/* Value parsers shared by the file and the command line               */
/* ------------------------------------------------------------------ */

/* Parse a decimal integer (digits, optionally after '+') no larger than max.
** Returns 0, or -1 if s is not such a number. */
static int parse_uint(const char *s, uint64_t max, uint64_t *out) {
  uint64_t v = 0;
  if (*s == '+') s++;
  if (!isdigit((unsigned char)*s)) return -1;
  for (; *s; s++) {
    unsigned d;
    if (!isdigit((unsigned char)*s)) return -1;
    d = (unsigned)(*s - '0');
    if (v > (max - d) / 10) return -1;
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}

static int parse_population(const char *s, int64_t *out) {
  uint64_t v;
  if (parse_uint(s, INT64_MAX, &v) || v < 1) return -1;
  *out = (int64_t)v;
  return 0;
}

static int parse_seed(const char *s, uint64_t *out) {
  return parse_uint(s, UINT64_MAX, out);
}

static int parse_format(const char *s, vt_format *out) {
  if (streq_nocase(s, "native")) { *out = VT_FORMAT_NATIVE; return 0; }
  if (streq_nocase(s, "omop")) { *out = VT_FORMAT_OMOP; return 0; }
  return -1;
}

static int parse_history(const char *s, int *out) {
  uint64_t v;
  if (parse_uint(s, 200, &v)) return -1;
  *out = (int)v;
  return 0;
}

/* Seconds of module code a patient may take: a finite number in [0, 86400]. */
static int parse_module_time(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end || errno || !(v >= 0 && v <= 86400)) return -1;
  *out = v;
  return 0;
}

static int parse_observation(const char *s, int *out) {
  if (streq_nocase(s, "full")) { *out = 0; return 0; }
  if (streq_nocase(s, "random")) { *out = 1; return 0; }
  return -1;
}

/* "auto" or 0 mean one thread per online CPU. */
static int parse_threads(const char *s, int *out) {
  uint64_t v;
  if (streq_nocase(s, "auto")) { *out = 0; return 0; }
  if (parse_uint(s, VT_CONFIG_MAX_THREADS, &v)) return -1;
  *out = (int)v;
  return 0;
}

/* "YYYY-MM-DD" or "today" (0).  Returns 0, -1 for a bad format, -2 for a
** well-formed date that is not in the calendar (2023-02-30), -3 for
** 1970-01-01, whose time 0 is the value that means "today". */
static int parse_date(const char *s, int64_t *out) {
  static const char shape[] = "dddd-dd-dd";
  vt_time t;
  if (streq_nocase(s, "today")) { *out = 0; return 0; }
  for (int i = 0; i < 10; i++) {
    if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != '-') return -1;
  }
  if (s[10] != '\0') return -1;
  if (vt_time_parse_date(s, &t)) return -2;
  if (t == 0) return -3;
  *out = t;
  return 0;
}

/* What to add to a message about a date parse_date refused with rc. */
static const char *date_note(int rc) {
  if (rc == -2) return " (no such day)";
  if (rc == -3) return " (1970-01-01 cannot be used: its time 0 means today)";
  return "";
}

/* "MIN-MAX" (spaces allowed around the dash), 0 <= MIN <= MAX <= 120. */
static int parse_age(const char *s, int *lo, int *hi) {
  char buf[64];
  const char *dash = strchr(s, '-');
  size_t n;
  uint64_t a, b;
  if (!dash || (n = (size_t)(dash - s)) >= sizeof buf) return -1;
  memcpy(buf, s, n);
  while (n > 0 && buf[n - 1] == ' ') n--;
  buf[n] = '\0';
  for (dash++; *dash == ' '; dash++) {}
  if (parse_uint(buf, VT_CONFIG_MAX_AGE, &a) || parse_uint(dash, VT_CONFIG_MAX_AGE, &b) || a > b)
    return -1;
  *lo = (int)a;
  *hi = (int)b;
  return 0;
}

static int parse_gender(const char *s, char *out) {
  if (streq_nocase(s, "M") || streq_nocase(s, "male")) *out = 'M';
  else if (streq_nocase(s, "F") || streq_nocase(s, "female")) *out = 'F';
  else if (streq_nocase(s, "both")) *out = 0;
  else return -1;
  return 0;
}

/* YAML 1.2 true/false, and the YAML 1.1 yes/no/on/off people still write. */
static int parse_bool(const char *s, int *out) {
  if (streq_nocase(s, "true") || streq_nocase(s, "yes") || streq_nocase(s, "on")) *out = 1;
  else if (streq_nocase(s, "false") || streq_nocase(s, "no") || streq_nocase(s, "off")) *out = 0;
  else return -1;
  return 0;
}


/* ------------------------------------------------------------------ */
/* The struct: defaults, copies, setters                               */
/* ------------------------------------------------------------------ */

void vt_config_defaults(vt_config *c) {
  memset(c, 0, sizeof *c);
  c->population = 1000;
  c->seed = 1;
  c->output = default_output;
  c->threads = 0;
  c->reference_date = 0;
  c->age_min = 0;
  c->age_max = 100;
  c->gender = 0;
  c->module_time = VT_CONFIG_MODULE_TIME;
}

void vt_config_clear_modules(vt_config *c) {
  for (int i = 0; i < c->nmodules; i++) free(c->modules[i]);
  free(c->modules);
  free(c->module_pos);
  c->modules = NULL;
  c->module_pos = NULL;
  c->nmodules = 0;
}

void vt_config_free(vt_config *c) {
  if (!c) return;
  vt_config_clear_modules(c);
  if (c->output != default_output) free(c->output);
  free(c->params_file);
  free(c->config_file);
  free(c->vocab_dir);
  vt_config_defaults(c);
}

/* Replace *slot by a copy of s (NULL clears it).  Returns 0 or -1 (no memory). */
static int set_string(char **slot, const char *s) {
  char *d = NULL;
  if (s && !(d = dupstr(s))) return -1;
  if (*slot != default_output) free(*slot);
  *slot = d;
  return 0;
}

static const vt_config_pos NO_POS = { 0, 0 };

/* The position of YAML node n, 1-based. */
static vt_config_pos node_pos(const yaml_node_t *n) {
  vt_config_pos p = { (unsigned long)n->start_mark.line + 1, (unsigned long)n->start_mark.column + 1 };
  return p;
}

/* Append a copy of path, given at pos, to the module list.  Returns 0 or -1
** (no memory). */
static int add_module(vt_config *c, const char *path, vt_config_pos pos) {
  char **m = realloc(c->modules, sizeof(char *) * (size_t)(c->nmodules + 1));
  if (!m) return -1;
  c->modules = m;
  vt_config_pos *mp = realloc(c->module_pos, sizeof *mp * (size_t)(c->nmodules + 1));
  if (!mp) return -1;
  c->module_pos = mp;
  if (!(m[c->nmodules] = dupstr(path))) return -1;
  mp[c->nmodules] = pos;
  c->nmodules++;
  return 0;
}

/* Deep copy of src into dst (dst uninitialised).  Returns 0 or -1 (dst then
** holds defaults and owns nothing). */
int vt_config_copy(vt_config *dst, const vt_config *src) {
  *dst = *src;
  dst->modules = NULL;
  dst->module_pos = NULL;
  dst->nmodules = 0;
  dst->output = default_output;
  dst->params_file = dst->config_file = dst->vocab_dir = NULL;
  if ((src->output != default_output && set_string(&dst->output, src->output)) ||
      set_string(&dst->params_file, src->params_file) ||
      set_string(&dst->vocab_dir, src->vocab_dir) ||
      set_string(&dst->config_file, src->config_file))
    goto fail;
  for (int i = 0; i < src->nmodules; i++)
    if (add_module(dst, src->modules[i], src->module_pos[i])) goto fail;
  return 0;
fail:
  vt_config_free(dst);
  return -1;
}


/* ------------------------------------------------------------------ */
/* Reading a YAML file                                                 */
/* ------------------------------------------------------------------ */

/* Read the whole file.  Returns 0 with *out malloc'd, or -1 with err. */
static int read_file(const char *path, unsigned char **out, size_t *outlen, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  size_t cap = 4096, len = 0;
  unsigned char *buf;
  if (!f) {
    vt_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  if (!(buf = malloc(cap))) {
    fclose(f);
    vt_seterr(err, errlen, "%s: out of memory", path);
    return -1;
  }
  for (;;) {
    size_t n;
    if (len == cap) {
      unsigned char *nb;
      if (cap >= MAX_YAML_BYTES) {
        vt_seterr(err, errlen, "%s: file too large (more than %zu MiB)", path, MAX_YAML_BYTES >> 20);
        goto fail;
      }
      if (!(nb = realloc(buf, cap * 2))) {
        vt_seterr(err, errlen, "%s: out of memory", path);
        goto fail;
      }
      buf = nb;
      cap *= 2;
    }
    errno = 0;
    n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (n == 0) {
      if (ferror(f)) {
        vt_seterr(err, errlen, "%s: cannot read: %s", path, strerror(errno ? errno : EIO));
        goto fail;
      }
      break;
    }
  }
  fclose(f);
  *out = buf;
  *outlen = len;
  return 0;
fail:
  fclose(f);
  free(buf);
  return -1;
}

/* Describe a libyaml parser error as "FILE:LINE:COL: problem (context)". */
static void yaml_error(const yaml_parser_t *p, const char *path,
                       const unsigned char *buf, size_t len, char *err, size_t errlen) {
  const char *problem = p->problem ? p->problem : "YAML error";
  unsigned long line = p->problem_mark.line + 1, col = p->problem_mark.column + 1;
  switch (p->error) {
  case YAML_MEMORY_ERROR:
    vt_seterr(err, errlen, "%s: out of memory while reading YAML", path);
    return;
  case YAML_READER_ERROR: {
    /* The reader gives a byte offset only: count lines up to it. */
    size_t off = p->problem_offset < len ? p->problem_offset : len;
    line = 1; col = 1;
    for (size_t i = 0; i < off; i++) {
      if (buf[i] == '\n') { line++; col = 1; } else col++;
    }
    if (p->problem_value != -1)
      vt_seterr(err, errlen, "%s:%lu:%lu: %s (byte 0x%02X)", path, line, col, problem,
             (unsigned)p->problem_value & 0xFFu);
    else
      vt_seterr(err, errlen, "%s:%lu:%lu: %s", path, line, col, problem);
    return;
  }
  default:
    if (p->context && (p->context_mark.line != p->problem_mark.line ||
                       p->context_mark.column != p->problem_mark.column))
      vt_seterr(err, errlen, "%s:%lu:%lu: %s (%s at line %lu, column %lu)", path, line, col,
             problem, p->context, (unsigned long)p->context_mark.line + 1,
             (unsigned long)p->context_mark.column + 1);
    else if (p->context)
      vt_seterr(err, errlen, "%s:%lu:%lu: %s (%s)", path, line, col, problem, p->context);
    else
      vt_seterr(err, errlen, "%s:%lu:%lu: %s", path, line, col, problem);
    return;
  }
}

int vt_yaml_load_file(const char *path, yaml_document_t *doc,
                      unsigned char **bytes, size_t *len, char *err, size_t errlen) {
  yaml_parser_t parser;
  yaml_document_t extra;
  unsigned char *buf;
  size_t n;
  if (read_file(path, &buf, &n, err, errlen)) return -1;
  if (!yaml_parser_initialize(&parser)) {
    free(buf);
    vt_seterr(err, errlen, "%s: out of memory", path);
    return -1;
  }
  yaml_parser_set_input_string(&parser, buf, n);
  if (!yaml_parser_load(&parser, doc)) {      /* frees doc itself on failure */
    yaml_error(&parser, path, buf, n, err, errlen);
    goto fail;
  }
  if (yaml_document_get_root_node(doc)) {
    /* A stream may hold several documents; a config file is one. */
    if (!yaml_parser_load(&parser, &extra)) {
      yaml_error(&parser, path, buf, n, err, errlen);
      yaml_document_delete(doc);
      goto fail;
    }
    if (yaml_document_get_root_node(&extra)) {
      vt_seterr(err, errlen, "%s:%lu:%lu: a second YAML document; the file must hold only one",
             path, (unsigned long)extra.start_mark.line + 1, (unsigned long)extra.start_mark.column + 1);
      yaml_document_delete(&extra);
      yaml_document_delete(doc);
      goto fail;
    }
    yaml_document_delete(&extra);
  }
  yaml_parser_delete(&parser);
  if (bytes) { *bytes = buf; *len = n; }
  else free(buf);
  return 0;
fail:
  yaml_parser_delete(&parser);
  free(buf);
  return -1;
}


/* ------------------------------------------------------------------ */
/* The YAML run config                                                 */
/* ------------------------------------------------------------------ */

typedef struct yctx {
  const char *path;
  yaml_document_t *doc;
  char *err;
  size_t errlen;
} yctx;

/* Set err to "FILE:LINE:COL: message" at node n; returns -1. */
static int node_error(yctx *y, const yaml_node_t *n, const char *fmt, ...) VT_PRINTF(3, 4);
static int node_error(yctx *y, const yaml_node_t *n, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  vt_seterr(y->err, y->errlen, "%s:%lu:%lu: %s", y->path, (unsigned long)n->start_mark.line + 1,
         (unsigned long)n->start_mark.column + 1, msg);
  return -1;
}

static const char *scalar_text(const yaml_node_t *n) {
  return (const char *)n->data.scalar.value;
}

/* Is n the YAML null: an empty or ~ or null plain scalar? */
static int is_null(const yaml_node_t *n) {
  const char *s;
  if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
  s = scalar_text(n);
  return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/* Describe node n for "got ..." in a message. */
static const char *describe(const yaml_node_t *n, char *buf, size_t len) {
  char shown[80];
  if (n->type == YAML_MAPPING_NODE) return "a mapping";
  if (n->type == YAML_SEQUENCE_NODE) return "a list";
  if (is_null(n)) return "no value";
  if (strlen(scalar_text(n)) != n->data.scalar.length) return "a value with a NUL character";
  snprintf(buf, len, "'%s'", vt_config_show(scalar_text(n), shown, sizeof shown));
  return buf;
}

/* The text of v if it is a non-null scalar without NUL bytes, else NULL
** after setting the error "'key' must be EXPECT, got ...". */
static const char *want_scalar(yctx *y, const char *key, const yaml_node_t *v, const char *expect) {
  char buf[100];
  if (v->type == YAML_SCALAR_NODE && !is_null(v) &&
      strlen(scalar_text(v)) == v->data.scalar.length)
    return scalar_text(v);
  node_error(y, v, "'%s' must be %s, got %s", key, expect, describe(v, buf, sizeof buf));
  return NULL;
}

/* Error "'key' must be EXPECT, got 'text'" at v; returns -1. */
static int bad_value(yctx *y, const char *key, const yaml_node_t *v, const char *expect, const char *extra) {
  char buf[100];
  return node_error(y, v, "'%s' must be %s, got %s%s", key, expect, describe(v, buf, sizeof buf), extra);
}

static int oom(yctx *y, const yaml_node_t *n) {
  return node_error(y, n, "out of memory");
}

/* A path value: a non-empty string. */
static const char *want_path(yctx *y, const char *key, const yaml_node_t *v) {
  const char *s = want_scalar(y, key, v, EXPECT_PATH);
  if (s && !*s) { bad_value(y, key, v, EXPECT_PATH, ""); return NULL; }
  return s;
}

/* modules: a path, a list of paths, or null / [] for the default set. */
static int load_modules(yctx *y, vt_config *c, const yaml_node_t *v) {
  vt_config tmp;
  vt_config_defaults(&tmp);
  if (v->type == YAML_MAPPING_NODE) return bad_value(y, "modules", v, EXPECT_MODULES, "");
  if (v->type == YAML_SCALAR_NODE && !is_null(v)) {
    const char *s = want_scalar(y, "modules", v, EXPECT_MODULES);
    if (!s) return -1;
    if (!*s) return bad_value(y, "modules", v, EXPECT_MODULES, "");
    if (add_module(&tmp, s, node_pos(v))) { vt_config_free(&tmp); return oom(y, v); }
  } else if (v->type == YAML_SEQUENCE_NODE) {
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
      const yaml_node_t *e = yaml_document_get_node(y->doc, *it);
      char buf[100];
      const char *s = NULL;
      if (e && e->type == YAML_SCALAR_NODE && !is_null(e) &&
          strlen(scalar_text(e)) == e->data.scalar.length)
        s = scalar_text(e);
      if (!s || !*s) {
        vt_config_free(&tmp);
        if (!e) return node_error(y, v, "'modules': bad list item");
        return node_error(y, e, "each item of 'modules' must be a path, got %s",
                          !s ? describe(e, buf, sizeof buf) : "''");
      }
      if (add_module(&tmp, s, node_pos(e))) { vt_config_free(&tmp); return oom(y, e); }
    }
  }
  vt_config_clear_modules(c);
  c->modules = tmp.modules;
  c->module_pos = tmp.module_pos;
  c->nmodules = tmp.nmodules;
  return 0;
}

/* An integer 0..120 for age.min / age.max. */
static int load_age_bound(yctx *y, const char *key, const yaml_node_t *v, int *out) {
  uint64_t a;
  const char *s = want_scalar(y, key, v, EXPECT_AGE_BOUND);
  if (!s) return -1;
  if (parse_uint(s, VT_CONFIG_MAX_AGE, &a)) return bad_value(y, key, v, EXPECT_AGE_BOUND, "");
  *out = (int)a;
  return 0;
}

/* age: "MIN-MAX", or a mapping with min and/or max. */
static int load_age(yctx *y, vt_config *c, const yaml_node_t *v) {
  int lo = c->age_min, hi = c->age_max;
  if (v->type == YAML_MAPPING_NODE) {
    const yaml_node_t *seen_min = NULL, *seen_max = NULL;
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
      const yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
      const yaml_node_t *val = yaml_document_get_node(y->doc, p->value);
      const char *name;
      char buf[100];
      if (!k || !val) return node_error(y, v, "'age': bad mapping entry");
      if (k->type != YAML_SCALAR_NODE)
        return node_error(y, k, "keys of 'age' must be min or max, got %s", describe(k, buf, sizeof buf));
      name = scalar_text(k);
      if (!strcmp(name, "min") || !strcmp(name, "max")) {
        const yaml_node_t **seen = name[1] == 'i' ? &seen_min : &seen_max;
        if (*seen)
          return node_error(y, k, "duplicate key '%s' in 'age' (first given at line %lu)",
                            name, (unsigned long)(*seen)->start_mark.line + 1);
        *seen = k;
        if (load_age_bound(y, name[1] == 'i' ? "age.min" : "age.max", val, name[1] == 'i' ? &lo : &hi))
          return -1;
      } else {
        char shown[80];
        return node_error(y, k, "unknown key '%s' in 'age' (known keys: min, max)",
                          vt_config_show(name, shown, sizeof shown));
      }
    }
    if (lo > hi)
      return node_error(y, v, "'age' must have min <= max, got min %d, max %d", lo, hi);
  } else {
    const char *s = want_scalar(y, "age", v, EXPECT_AGE);
    if (!s) return -1;
    if (parse_age(s, &lo, &hi)) return bad_value(y, "age", v, EXPECT_AGE, "");
  }
  c->age_min = lo;
  c->age_max = hi;
  return 0;
}

/* Apply one key: value pair of the top-level mapping. */
static int load_key(yctx *y, vt_config *c, const char *key, const yaml_node_t *k, const yaml_node_t *v) {
  const char *s;
  if (!strcmp(key, "modules")) return load_modules(y, c, v);
  if (!strcmp(key, "age")) return load_age(y, c, v);
  if (!strcmp(key, "params")) {
    if (is_null(v)) { free(c->params_file); c->params_file = NULL; c->params_pos = NO_POS; return 0; }
    if (!(s = want_path(y, key, v))) return -1;
    if (set_string(&c->params_file, s)) return oom(y, v);
    c->params_pos = node_pos(v);
    return 0;
  }
  if (!strcmp(key, "vocab")) {
    if (is_null(v)) { free(c->vocab_dir); c->vocab_dir = NULL; return 0; }
    if (!(s = want_path(y, key, v))) return -1;
    return set_string(&c->vocab_dir, s) ? oom(y, v) : 0;
  }
  if (!strcmp(key, "format")) {
    if (!(s = want_scalar(y, key, v, EXPECT_FORMAT))) return -1;
    return parse_format(s, &c->format) ? bad_value(y, key, v, EXPECT_FORMAT, "") : 0;
  }
  if (!strcmp(key, "history_years")) {
    if (!(s = want_scalar(y, key, v, EXPECT_HISTORY))) return -1;
    return parse_history(s, &c->history_years) ? bad_value(y, key, v, EXPECT_HISTORY, "") : 0;
  }
  if (!strcmp(key, "module_time")) {
    if (!(s = want_scalar(y, key, v, EXPECT_MODULE_TIME))) return -1;
    return parse_module_time(s, &c->module_time) ? bad_value(y, key, v, EXPECT_MODULE_TIME, "") : 0;
  }
  if (!strcmp(key, "observation")) {
    if (!(s = want_scalar(y, key, v, EXPECT_OBSERVATION))) return -1;
    return parse_observation(s, &c->observation) ? bad_value(y, key, v, EXPECT_OBSERVATION, "") : 0;
  }
  if (!strcmp(key, "output")) {
    if (!(s = want_path(y, key, v))) return -1;
    return set_string(&c->output, s) ? oom(y, v) : 0;
  }
  if (!strcmp(key, "population")) {
    if (!(s = want_scalar(y, key, v, EXPECT_POPULATION))) return -1;
    return parse_population(s, &c->population) ? bad_value(y, key, v, EXPECT_POPULATION, "") : 0;
  }
  if (!strcmp(key, "seed")) {
    if (!(s = want_scalar(y, key, v, EXPECT_SEED))) return -1;
    return parse_seed(s, &c->seed) ? bad_value(y, key, v, EXPECT_SEED, "") : 0;
  }
  if (!strcmp(key, "threads")) {
    if (!(s = want_scalar(y, key, v, EXPECT_THREADS))) return -1;
    return parse_threads(s, &c->threads) ? bad_value(y, key, v, EXPECT_THREADS, "") : 0;
  }
  if (!strcmp(key, "reference_date")) {
    int rc;
    if (!(s = want_scalar(y, key, v, EXPECT_DATE))) return -1;
    rc = parse_date(s, &c->reference_date);
    return rc ? bad_value(y, key, v, EXPECT_DATE, date_note(rc)) : 0;
  }
  if (!strcmp(key, "gender")) {
    if (!(s = want_scalar(y, key, v, EXPECT_GENDER))) return -1;
    return parse_gender(s, &c->gender) ? bad_value(y, key, v, EXPECT_GENDER, "") : 0;
  }
  if (!strcmp(key, "quiet")) {
    if (!(s = want_scalar(y, key, v, EXPECT_BOOL))) return -1;
    return parse_bool(s, &c->quiet) ? bad_value(y, key, v, EXPECT_BOOL, "") : 0;
  }
  if (!strcmp(key, "trace")) {
    if (!(s = want_scalar(y, key, v, EXPECT_BOOL))) return -1;
    return parse_bool(s, &c->trace) ? bad_value(y, key, v, EXPECT_BOOL, "") : 0;
  }
  {
    char shown[80];
    const char *near = vt_config_closest(key, config_keys, NCONFIG_KEYS);
    if (near)
      return node_error(y, k, "unknown key '%s' (known keys: %s); did you mean '%s'?",
                        vt_config_show(key, shown, sizeof shown), KNOWN_KEYS, near);
    return node_error(y, k, "unknown key '%s' (known keys: %s)", vt_config_show(key, shown, sizeof shown), KNOWN_KEYS);
  }
}

/* Walk the document's top-level mapping into c. */
static int load_document(yctx *y, vt_config *c) {
  const yaml_node_t *root = yaml_document_get_root_node(y->doc);
  char buf[100];
  if (!root) return 0;                      /* empty file: nothing to change */
  if (root->type != YAML_MAPPING_NODE)
    return node_error(y, root, "the run config must be a mapping of key: value (keys: %s), got %s",
                      KNOWN_KEYS, describe(root, buf, sizeof buf));
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
    const yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
    const yaml_node_t *v = yaml_document_get_node(y->doc, p->value);
    const char *key;
    if (!k || !v) return node_error(y, root, "bad mapping entry");
    if (k->type != YAML_SCALAR_NODE || is_null(k) || strlen(scalar_text(k)) != k->data.scalar.length)
      return node_error(y, k, "keys must be names (%s), got %s", KNOWN_KEYS, describe(k, buf, sizeof buf));
    key = scalar_text(k);
    for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < p; q++) {
      const yaml_node_t *qk = yaml_document_get_node(y->doc, q->key);
      if (qk && qk->type == YAML_SCALAR_NODE && !strcmp(scalar_text(qk), key)) {
        char shown[80];
        return node_error(y, k, "duplicate key '%s' (first given at line %lu)",
                          vt_config_show(key, shown, sizeof shown), (unsigned long)qk->start_mark.line + 1);
      }
    }
    if (load_key(y, c, key, k, v)) return -1;
  }
  return 0;
}

int vt_config_load_yaml(vt_config *c, const char *path, char *err, size_t errlen) {
  yaml_document_t doc;
  vt_config tmp;
  yctx y;
  int rc;
  if (vt_yaml_load_file(path, &doc, NULL, NULL, err, errlen)) return -1;
  if (vt_config_copy(&tmp, c)) {
    yaml_document_delete(&doc);
    vt_seterr(err, errlen, "%s: out of memory", path);
    return -1;
  }
  y.path = path;
  y.doc = &doc;
  y.err = err;
  y.errlen = errlen;
  rc = load_document(&y, &tmp);
  yaml_document_delete(&doc);
  if (rc) {
    vt_config_free(&tmp);
    return -1;
  }
  vt_config_free(c);
  *c = tmp;
  return 0;
}


/* ------------------------------------------------------------------ */
/* Setting one value from text (the command line)                      */
/* ------------------------------------------------------------------ */

const char *vt_config_expect(vt_config_key key) {
  switch (key) {
  case VT_CFG_POPULATION:     return EXPECT_POPULATION;
  case VT_CFG_SEED:           return EXPECT_SEED;
  case VT_CFG_THREADS:        return EXPECT_THREADS;
  case VT_CFG_REFERENCE_DATE: return EXPECT_DATE;
  case VT_CFG_AGE:            return EXPECT_AGE;
  case VT_CFG_GENDER:         return EXPECT_GENDER;
  case VT_CFG_FORMAT:         return EXPECT_FORMAT;
  case VT_CFG_HISTORY:        return EXPECT_HISTORY;
  case VT_CFG_OBSERVATION:    return EXPECT_OBSERVATION;
  case VT_CFG_MODULE_TIME:    return EXPECT_MODULE_TIME;
  default:                    return EXPECT_PATH;
  }
}

int vt_config_set(vt_config *c, vt_config_key key, const char *val, const char **note) {
  int rc = 0;
  *note = "";
  switch (key) {
  case VT_CFG_POPULATION:  rc = parse_population(val, &c->population); break;
  case VT_CFG_SEED:        rc = parse_seed(val, &c->seed); break;
  case VT_CFG_THREADS:     rc = parse_threads(val, &c->threads); break;
  case VT_CFG_AGE:         rc = parse_age(val, &c->age_min, &c->age_max); break;
  case VT_CFG_GENDER:      rc = parse_gender(val, &c->gender); break;
  case VT_CFG_FORMAT:      rc = parse_format(val, &c->format); break;
  case VT_CFG_HISTORY:     rc = parse_history(val, &c->history_years); break;
  case VT_CFG_OBSERVATION: rc = parse_observation(val, &c->observation); break;
  case VT_CFG_MODULE_TIME: rc = parse_module_time(val, &c->module_time); break;
  case VT_CFG_REFERENCE_DATE:
    rc = parse_date(val, &c->reference_date);
    *note = date_note(rc);
    break;
  case VT_CFG_MODULES:
  case VT_CFG_OUTPUT:
  case VT_CFG_PARAMS:
  case VT_CFG_VOCAB:
  case VT_CFG_CONFIG_FILE:
    if (!*val) return VT_CONFIG_EVALUE;
    if (key == VT_CFG_MODULES) return add_module(c, val, NO_POS) ? VT_CONFIG_ENOMEM : VT_CONFIG_OK;
    if (set_string(key == VT_CFG_OUTPUT ? &c->output : key == VT_CFG_PARAMS ? &c->params_file :
                   key == VT_CFG_VOCAB ? &c->vocab_dir : &c->config_file, val))
      return VT_CONFIG_ENOMEM;
    if (key == VT_CFG_PARAMS) c->params_pos = NO_POS;
    break;
  }
  return rc ? VT_CONFIG_EVALUE : VT_CONFIG_OK;
}

/* Does path name a module file (.lua or .json), as the module loader wants? */
static int module_ext(const char *path) {
  size_t n = strlen(path);
  return (n > 4 && !strcmp(path + n - 4, ".lua")) || (n > 5 && !strcmp(path + n - 5, ".json"));
}

/* Check a path the config file `file` gave for key at pos: it must exist and
** be readable; a module (module = 1) must be a folder or a .lua/.json file, a
** params file a file.  A relative path is taken from the current folder (as
** the loaders take it), which a "does not exist" message says when the
** config file is in another folder.  Returns 0, or -1 with err = "FILE:LINE:COL: key: 'path'
** does not exist" and the like. */
static int check_config_path(const char *file, const char *key, const char *path, vt_config_pos pos,
                             int module, char *err, size_t errlen) {
  struct stat st;
  char shown[300], why[400];
  why[0] = '\0';
  if (stat(path, &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) snprintf(why, sizeof why, "does not exist");
    else snprintf(why, sizeof why, "cannot be read: %s", strerror(errno));
  } else if (S_ISDIR(st.st_mode)) {
    if (!module) snprintf(why, sizeof why, "is a folder, not a params file");
    else if (access(path, R_OK | X_OK) != 0) snprintf(why, sizeof why, "is not readable: %s", strerror(errno));
  } else if (module && !module_ext(path)) {
    snprintf(why, sizeof why, "is not a module (expected a .lua or .json file, or a folder)");
  } else if (!S_ISREG(st.st_mode)) {
    snprintf(why, sizeof why, "is not a regular file");
  } else if (access(path, R_OK) != 0) {
    snprintf(why, sizeof why, "is not readable: %s", strerror(errno));
  }
  if (!why[0]) return 0;
  const char *slash = strrchr(file, '/');
  int elsewhere = !strcmp(why, "does not exist") && path[0] != '/' && slash && !(slash == file + 1 && file[0] == '.');
  vt_seterr(err, errlen, "%s:%lu:%lu: %s: '%s' %s%s", file, pos.line, pos.col, key,
         vt_config_show(path, shown, sizeof shown), why,
         elsewhere ? " (a relative path is read from the current folder, not the config file's)" : "");
  return -1;
}

int vt_config_check_paths(const vt_config *c, char *err, size_t errlen) {
  const char *file = c->config_file ? c->config_file : "(config)";
  for (int i = 0; i < c->nmodules; i++)
    if (c->module_pos[i].line &&
        check_config_path(file, "modules", c->modules[i], c->module_pos[i], 1, err, errlen))
      return -1;
  if (c->params_file && c->params_pos.line &&
      check_config_path(file, "params", c->params_file, c->params_pos, 0, err, errlen))
    return -1;
  return 0;
}


/* ------------------------------------------------------------------ */
/* The effective configuration as YAML                                 */
/* ------------------------------------------------------------------ */

typedef struct sbuf { char *p; size_t n, cap; int oom; } sbuf;

static void sb_add(sbuf *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    char *np;
    while (cap < b->n + n + 1) cap *= 2;
    if (!(np = realloc(b->p, cap))) { b->oom = 1; return; }
    b->p = np;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

static void sb_printf(sbuf *b, const char *fmt, ...) VT_PRINTF(2, 3);
static void sb_printf(sbuf *b, const char *fmt, ...) {
  char tmp[256];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof tmp) { b->oom = 1; return; }   /* only short items are printed */
  sb_add(b, tmp, (size_t)n);
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is not one. */
static int utf8_len(const unsigned char *s) {
  int n, i;
  unsigned cp;
  if (s[0] < 0x80) return 1;
  if ((s[0] & 0xE0) == 0xC0) { n = 2; cp = s[0] & 0x1F; }
  else if ((s[0] & 0xF0) == 0xE0) { n = 3; cp = s[0] & 0x0F; }
  else if ((s[0] & 0xF8) == 0xF0) { n = 4; cp = s[0] & 0x07; }
  else return 0;
  for (i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

/* Append s as a YAML double-quoted scalar.  Control characters are escaped;
** a byte that is not valid UTF-8 is written as \xNN (read back as U+00NN). */
static void sb_quoted(sbuf *b, const char *str) {
  const unsigned char *s = (const unsigned char *)str;
  sb_add(b, "\"", 1);
  while (*s) {
    int n = utf8_len(s);
    if (*s == '"' || *s == '\\') {
      char e[2] = {'\\', (char)*s};
      sb_add(b, e, 2);
      s++;
    } else if (*s == '\n') { sb_add(b, "\\n", 2); s++; }
    else if (*s == '\t') { sb_add(b, "\\t", 2); s++; }
    else if (*s < 0x20 || *s == 0x7f || n == 0) { sb_printf(b, "\\x%02X", *s); s++; }
    else { sb_add(b, (const char *)s, (size_t)n); s += n; }
  }
  sb_add(b, "\"", 1);
}

char *vt_config_to_yaml(const vt_config *c) {
  sbuf b = {0};
  char date[11];
  sb_printf(&b, "# vitae run configuration (defaults, then the config file, then flags)\n");
  if (c->config_file) {
    /* A comment cannot hold a line break: vt_config_show() flattens control characters. */
    char shown[300];
    vt_config_show(c->config_file, shown, sizeof shown);
    sb_printf(&b, "# config file: ");
    sb_add(&b, shown, strlen(shown));
    sb_printf(&b, "\n");
  }
  sb_printf(&b, "population: %lld\n", (long long)c->population);
  sb_printf(&b, "seed: %llu\n", (unsigned long long)c->seed);
  if (c->nmodules == 0) {
    sb_printf(&b, "modules: []\n");
  } else {
    sb_printf(&b, "modules:\n");
    for (int i = 0; i < c->nmodules; i++) {
      sb_printf(&b, "  - ");
      sb_quoted(&b, c->modules[i]);
      sb_printf(&b, "\n");
    }
  }
  sb_printf(&b, "output: ");
  sb_quoted(&b, c->output ? c->output : default_output);
  sb_printf(&b, "\n");
  sb_printf(&b, "threads: %d\n", c->threads);
  if (c->reference_date == 0) {
    sb_printf(&b, "reference_date: today\n");
  } else {
    vt_time_format_date(c->reference_date, date);
    sb_printf(&b, "reference_date: %s\n", date);
  }
  sb_printf(&b, "age: %d-%d\n", c->age_min, c->age_max);
  sb_printf(&b, "gender: %s\n", c->gender == 'M' ? "M" : c->gender == 'F' ? "F" : "both");
  if (c->params_file) {
    sb_printf(&b, "params: ");
    sb_quoted(&b, c->params_file);
    sb_printf(&b, "\n");
  } else {
    sb_printf(&b, "params: null\n");
  }
  sb_printf(&b, "quiet: %s\n", c->quiet ? "true" : "false");
  sb_printf(&b, "trace: %s\n", c->trace ? "true" : "false");
  sb_printf(&b, "format: %s\n", c->format == VT_FORMAT_OMOP ? "omop" : "native");
  if (c->vocab_dir) {
    sb_printf(&b, "vocab: ");
    sb_quoted(&b, c->vocab_dir);
    sb_printf(&b, "\n");
  } else {
    sb_printf(&b, "vocab: null\n");
  }
  sb_printf(&b, "history_years: %d\n", c->history_years);
  sb_printf(&b, "observation: %s\n", c->observation ? "random" : "full");
  sb_printf(&b, "module_time: %g\n", c->module_time);
  if (b.oom) {
    free(b.p);
    return NULL;
  }
  return b.p;
}
