/*
** cmd_compat.c -- `vitae compat PATH...`: how much of a module corpus (for
** instance Synthea's GMF JSON modules) vitae loads and runs, module by module.
**
** Three steps:
**   1. load every module file on its own.  A top-level module (a file in a
**      folder given, or a file given) goes through vt_engine_new as `vitae
**      run -m FILE` would load it, with its submodules; a submodule (a file
**      in a subfolder) is compiled on its own and the submodules it calls are
**      resolved from the roots, as the loader resolves them in a run;
**   2. run one cohort with every top-level module that loads, into a
**      temporary database: vt_run in a child process, so that a module that
**      crashes the engine fails that run and not this report; the child
**      passes its result back as a key=value record on a pipe.
**      When the run stops on an error that names a module file, that module
**      is marked as failing (a failing submodule takes the modules that call
**      it out with it), dropped, and the run started again, so that one bad
**      module does not hide the others; a crash (or a run past --timeout)
**      that names no module is narrowed down by running halves of the set;
**   3. read the database: module_states gives the states each module's
**      patients entered, the clinical tables' (module, state) columns the
**      rows each module wrote.
** The report is a Markdown table, one row per module file, with a totals row
** and the warnings vitae printed (stdout, and -o FILE written atomically).
** Exit status: 0 if every module loads and runs, 1 if not, 2 on usage errors.
*/
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "lua/bridge.h"
#include "lua/loader.h"
#include "sim/cli/cli.h"
#include "sim/strbuf.h"
#include "sim/config.h"
#include "sim/engine.h"
#include "sim/run.h"
#include "sim/version.h"


#define MAX_WARNINGS 200   /* warnings listed in the report; the rest are counted */

/* ---- small helpers: memory, strings, buffers --------------------------- */

static void oom(void) {
  fputs("vitae compat: out of memory\n", stderr);
  exit(VT_EXIT_FAIL);
}


static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}








/* "v/n (p%)", the percentage rounded but never shown as 0% or 100% unless it is. */
static void share(vt_sbuf *b, int64_t v, int64_t n) {
  char x[32], y[32];
  if (n <= 0) { vt_sb_printf(b, "%s/%s", vt_commas(v, x), vt_commas(n, y)); return; }
  int64_t p = (v * 100 + n / 2) / n;
  if (p == 0 && v > 0) p = 1;
  if (p == 100 && v < n) p = 99;
  vt_sb_printf(b, "%s/%s (%lld%%)", vt_commas(v, x), vt_commas(n, y), (long long)p);
}

/* ---- the modules of the corpus ------------------------------------------ */

/* A CallSubmodule state of a submodule, for resolving it. */
typedef struct subcall { char *submodule, *state; int line; } subcall;

typedef struct mrow {
  char *file;        /* as the loader names it: ROOT/REL.EXT */
  char *shown;       /* as the report shows it */
  char *path;        /* module path: "asthma", "medications/otc_pain" */
  int root;          /* index in compat.roots */
  int sub;           /* 1: a submodule (in a subfolder of a root) */
  char *name;        /* GMF name, once it compiled */
  int nstates;       /* states, once it compiled */
  subcall *calls; int ncalls;   /* submodules: the submodules it calls */
  char **reach; int nreach;     /* top-level: files of the submodules in its module set */
  char *load_err;    /* why it does not load, or NULL */
  char *run_err;     /* why it did not run, or NULL */
  int checked;       /* submodules: 0 unchecked, 1 being checked, 2 done */
  int in_run;        /* in the module set of the run that finished */
  int64_t visited, states_db;   /* states entered by a patient / states in module_states */
  int64_t records;   /* clinical rows with its (module, state) */
  int ambiguous;     /* shares its name and a state name with another module of the run */
} mrow;

typedef struct compat {
  /* options */
  int64_t population;
  uint64_t seed;
  int threads;
  int timeout;                  /* seconds a run may take, 0 = no limit */
  const char *report, *keep;
  int quiet, tty;
  char **paths; int npaths;
  /* the corpus */
  char **roots; int nroots;     /* folders submodules are looked up in, normalized */
  const char *strip;            /* prefix left out of file names in the report, or NULL */
  mrow *rows; int nrows, cap;
  /* the run */
  char tmpdb[PATH_MAX];
  int attempts, run_done;
  char *run_failure;            /* a failure no module could be blamed for */
  int64_t patients, rows_total, lifecycle_rows, other_rows;
  double seconds;
  /* warnings, in the order first seen, without repeats */
  char **warn; int nwarn, capwarn; int64_t warn_dropped;
} compat;

static int add_root(compat *c, const char *dir) {
  for (int i = 0; i < c->nroots; i++) if (strcmp(c->roots[i], dir) == 0) return i;
  c->roots = vt_xrealloc(c->roots, sizeof *c->roots * (size_t)(c->nroots + 1));
  c->roots[c->nroots] = vt_xstrdup(dir);
  return c->nroots++;
}

static int find_row(const compat *c, const char *file) {
  for (int i = 0; i < c->nrows; i++) if (strcmp(c->rows[i].file, file) == 0) return i;
  return -1;
}

/* Add a row for `file` (module path `path`, under root `root`); returns its
** index (an existing row for the same file is reused). */
static int add_row(compat *c, const char *file, const char *path, int root, int sub) {
  int i = find_row(c, file);
  if (i >= 0) return i;
  if (c->nrows == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 64;
    c->rows = vt_xrealloc(c->rows, sizeof *c->rows * (size_t)c->cap);
  }
  mrow *r = &c->rows[c->nrows];
  memset(r, 0, sizeof *r);
  r->file = vt_xstrdup(file);
  r->path = vt_xstrdup(path);
  r->root = root;
  r->sub = sub;
  size_t sl = c->strip ? strlen(c->strip) : 0;
  r->shown = vt_xstrdup(sl && strncmp(file, c->strip, sl) == 0 ? file + sl : file);
  return c->nrows++;
}

static void free_row(mrow *r) {
  free(r->file); free(r->shown); free(r->path); free(r->name);
  for (int i = 0; i < r->ncalls; i++) { free(r->calls[i].submodule); free(r->calls[i].state); }
  for (int i = 0; i < r->nreach; i++) free(r->reach[i]);
  free(r->calls); free(r->reach);
  free(r->load_err); free(r->run_err);
}

static void compat_free(compat *c) {
  for (int i = 0; i < c->nrows; i++) free_row(&c->rows[i]);
  free(c->rows);
  for (int i = 0; i < c->nroots; i++) free(c->roots[i]);
  free(c->roots);
  for (int i = 0; i < c->nwarn; i++) free(c->warn[i]);
  free(c->warn);
  free(c->run_failure);
  free((char *)c->strip);
}

static int is_module_file(const char *name) { return ends_with(name, ".lua") || ends_with(name, ".json"); }
static size_t ext_len(const char *name) { return ends_with(name, ".json") ? 5 : 4; }

/* Add the module files under `dir` (REL is its path below the root, "" for
** the root itself): files in the root are top-level modules, files in
** subfolders submodules.  Subfolders are walked in full, except
** lookup_tables (data, which the loader skips too).  Returns the number
** of module files found, or -1 with err. */
static int scan_dir(compat *c, int root, const char *dir, const char *rel, int depth, char *err, size_t errlen) {
  if (depth > 32) { snprintf(err, errlen, "%s: folders nested too deep", dir); return -1; }
  DIR *d = opendir(dir);
  if (!d) { snprintf(err, errlen, "%s: %s", dir, strerror(errno)); return -1; }
  int found = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char *full = vt_xprintf("%s/%s", dir, e->d_name);
    char *sub = rel[0] ? vt_xprintf("%s/%s", rel, e->d_name) : vt_xstrdup(e->d_name);
    struct stat st;
    int n = 0;
    if (stat(full, &st) == 0) {
      if (S_ISDIR(st.st_mode)) {
        /* lookup tables are data, not modules (the loader skips them too) */
        if (strcmp(e->d_name, "lookup_tables") != 0) n = scan_dir(c, root, full, sub, depth + 1, err, errlen);
      } else if (S_ISREG(st.st_mode) && is_module_file(e->d_name)) {
        char *path = vt_xstrndup(sub, strlen(sub) - ext_len(sub));
        add_row(c, full, path, root, rel[0] != 0);
        free(path);
        n = 1;
      }
    }
    free(full);
    free(sub);
    if (n < 0) { closedir(d); return -1; }
    found += n;
  }
  closedir(d);
  return found;
}

/* Folders and files given on the command line -> rows.  0, or -1 with err. */
static int collect(compat *c, char *err, size_t errlen) {
  for (int i = 0; i < c->npaths; i++) {
    char *p = vt_xstrdup(c->paths[i]);
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/') p[--n] = 0;   /* "modules/" -> "modules" */
    struct stat st;
    if (stat(p, &st) != 0) { snprintf(err, errlen, "%s: %s", c->paths[i], strerror(errno)); free(p); return -1; }
    if (S_ISDIR(st.st_mode)) {
      if (c->npaths == 1) c->strip = vt_xprintf("%s/", p);
      int found = scan_dir(c, add_root(c, p), p, "", 0, err, errlen);
      if (found == 0) snprintf(err, errlen, "%s: no modules (*.lua or *.json) in this folder or its subfolders", c->paths[i]);
      if (found <= 0) { free(p); return -1; }
    } else {
      if (!S_ISREG(st.st_mode) || !is_module_file(p)) {
        snprintf(err, errlen, "%s: not a module (expected a .lua or .json file, or a folder)", c->paths[i]);
        free(p);
        return -1;
      }
      char *slash = strrchr(p, '/');
      char *dir = slash ? vt_xstrndup(p, (size_t)(slash - p)) : vt_xstrdup(".");
      const char *base = slash ? slash + 1 : p;
      if (c->npaths == 1 && slash) c->strip = vt_xprintf("%s/", dir);
      char *path = vt_xstrndup(base, strlen(base) - ext_len(base));
      add_row(c, p, path, add_root(c, dir), 0);
      free(path);
      free(dir);
    }
    free(p);
  }
  return 0;
}

/* Top-level modules first, then submodules, each by the name shown. */
static int cmp_rows(const void *a, const void *b) {
  const mrow *x = a, *y = b;
  if (x->sub != y->sub) return x->sub - y->sub;
  return strcmp(x->shown, y->shown);
}

/* ---- warnings ----------------------------------------------------------- */

static void add_warning(compat *c, const char *line) {
  while (*line == ' ' || *line == '\t') line++;
  if (strncmp(line, "vitae: ", 7) == 0) line += 7;
  if (!*line) return;
  for (int i = 0; i < c->nwarn; i++) if (strcmp(c->warn[i], line) == 0) return;
  if (c->nwarn == MAX_WARNINGS) { c->warn_dropped++; return; }
  if (c->nwarn == c->capwarn) {
    c->capwarn = c->capwarn ? c->capwarn * 2 : 16;
    c->warn = vt_xrealloc(c->warn, sizeof *c->warn * (size_t)c->capwarn);
  }
  c->warn[c->nwarn++] = vt_xstrdup(line);
}

/* Every line of `text` as a warning; `prefix` (may be NULL) goes before a
** line that does not already name `file`. */
static void add_warnings(compat *c, const char *text, const char *file, const char *prefix) {
  const char *s = text;
  while (s && *s) {
    const char *e = strchr(s, '\n');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    char *line = vt_xstrndup(s, n);
    char *cr = strrchr(line, '\r');          /* keep what a progress line ends with */
    char *l = cr ? cr + 1 : line;
    if (prefix && file && !strstr(l, file)) {
      char *w = vt_xprintf("%s: %s", prefix, l);
      add_warning(c, w);
      free(w);
    } else add_warning(c, l);
    free(line);
    s = e ? e + 1 : NULL;
  }
}

/* ---- capturing what the loader prints ---------------------------------- */

/* While a capture is on, file descriptor 2 goes to an anonymous temporary
** file; the original is kept to be restored. */
typedef struct capture { FILE *err; int saved_err; } capture;

static int capture_begin(capture *k) {
  fflush(stderr);
  k->saved_err = -1;
  if (!(k->err = tmpfile())) return -1;
  if ((k->saved_err = dup(2)) < 0 || dup2(fileno(k->err), 2) < 0) {
    if (k->saved_err >= 0) close(k->saved_err);
    fclose(k->err);
    return -1;
  }
  return 0;
}

/* The whole of a temporary file (closed), malloc'd. */
static char *slurp(FILE *f) {
  vt_sbuf b = { 0 };
  vt_sb_add(&b, "", 0);
  if (!f) return b.p;
  rewind(f);
  char buf[8192];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) vt_sb_add(&b, buf, n);
  fclose(f);
  return b.p;
}

/* Restore fd 2; returns what was printed (malloc'd). */
static char *capture_end(capture *k) {
  fflush(stderr);
  dup2(k->saved_err, 2);
  close(k->saved_err);
  return slurp(k->err);
}

/* ---- progress on a terminal --------------------------------------------- */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void progress(const compat *c, const char *fmt, ...) VT_PRINTF(2, 3);
static void progress(const compat *c, const char *fmt, ...) {
  if (!c->tty) return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\r\033[K%s", line);
  fflush(stderr);
}

/* ---- interruption: leave no temporary database behind ------------------- */

static char g_tmpdb[PATH_MAX + 16];   /* the temporary database, "" if kept or none */
static char g_tmpreport[PATH_MAX];   /* the report being written, "" if none */
static volatile pid_t g_child;       /* the `vitae run` going on, 0 if none */

static void on_signal(int sig) {
  if (g_child > 0) {     /* it removes its own partial file when told to stop */
    kill(g_child, SIGTERM);
    waitpid(g_child, NULL, 0);
  }
  if (g_tmpdb[0]) unlink(g_tmpdb);
  if (g_tmpreport[0]) unlink(g_tmpreport);
  static const char msg[] = "\nvitae compat: interrupted\n";
  ssize_t r = write(2, msg, sizeof msg - 1);
  (void)r;
  _exit(128 + sig);   /* the shell's convention: VT_EXIT_INTERRUPTED for SIGINT */
}

/* ---- step 1: load each module ------------------------------------------- */

static void today(vt_time *t) { *t = ((int64_t)time(NULL) / 86400) * VT_MS_DAY; }

/* Compile the submodule file of row i on its own and note the submodules it
** calls.  Sets load_err when it does not compile. */
static void compile_sub(compat *c, int i) {
  char err[2048];
  char *warn = NULL;
  capture k;
  int cap = capture_begin(&k) == 0;
  vt_lua *vl = vt_lua_new(NULL, NULL, err, sizeof err);
  vt_module *m = NULL;
  if (vl) {
    const char *file = c->rows[i].file;
    if (vt_module_push_file(vl, file, err, sizeof err) == 0) m = vt_module_compile_in(vl, file, c->rows[i].path, &c->roots[c->rows[i].root], 1, err, sizeof err);
  }
  if (cap) warn = capture_end(&k);
  mrow *r = &c->rows[i];
  if (warn) { add_warnings(c, warn, r->file, r->shown); free(warn); }
  if (!m) r->load_err = vt_xstrdup(err);
  else {
    r->name = vt_xstrdup(m->name);
    r->nstates = m->nstates;
    for (int s = 0; s < m->nstates; s++) {
      const vt_state *st = &m->states[s];
      if (st->type != VT_S_CALL_SUBMODULE || !st->submodule) continue;
      r->calls = vt_xrealloc(r->calls, sizeof *r->calls * (size_t)(r->ncalls + 1));
      r->calls[r->ncalls].submodule = vt_xstrdup(st->submodule);
      r->calls[r->ncalls].state = vt_xstrdup(st->name);
      r->calls[r->ncalls].line = st->line;
      r->ncalls++;
    }
    vt_module_free(m);
  }
  if (vl) vt_lua_free(vl);
}

/* The file a CallSubmodule of `path` resolves to, as the loader looks for
** it: ROOT/PATH.lua, then ROOT/PATH.json, in the caller's root first, then
** in the other roots.  Returns the row (added and compiled if new), or -1. */
static int resolve_sub(compat *c, int root, const char *path) {
  static const char *const exts[] = { ".lua", ".json" };
  if (!vt_module_name_safe(path)) return -1;   /* never outside the module tree */
  for (int pass = 0; pass < 2; pass++)
    for (int ri = 0; ri < c->nroots; ri++) {
      if ((pass == 0) != (ri == root)) continue;
      for (int x = 0; x < 2; x++) {
        char *file = vt_xprintf("%s/%s%s", c->roots[ri], path, exts[x]);
        struct stat st;
        int i = -1;
        if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && vt_path_inside(file, c->roots[ri])) {
          i = find_row(c, file);
          if (i < 0) { i = add_row(c, file, path, ri, 1); compile_sub(c, i); }
        }
        free(file);
        if (i >= 0) return i;
      }
    }
  return -1;
}

/* A submodule loads when it compiles and every submodule it calls is found
** and loads (a call back into one being checked is fine: recursion). */
static int check_sub(compat *c, int i) {
  if (c->rows[i].checked) return c->rows[i].load_err == NULL;
  c->rows[i].checked = 1;
  for (int k = 0; k < c->rows[i].ncalls && !c->rows[i].load_err; k++) {
    const subcall *sc = &c->rows[i].calls[k];
    int j = resolve_sub(c, c->rows[i].root, sc->submodule);
    mrow *r = &c->rows[i];
    char line[32] = "";
    if (sc->line > 0) snprintf(line, sizeof line, ":%d", sc->line);
    if (j < 0 && !vt_module_name_safe(sc->submodule))
      r->load_err = vt_xprintf("%s%s: state '%s': submodule '%s' is outside the module tree (%s)",
                            r->file, line, sc->state, sc->submodule, c->roots[r->root]);
    else if (j < 0)
      r->load_err = vt_xprintf("%s%s: state '%s': submodule '%s' not found (looked for %s.lua and .json in %s%s)",
                            r->file, line, sc->state, sc->submodule, sc->submodule, c->roots[r->root],
                            c->nroots > 1 ? " and the other module folders" : "");
    else if (!check_sub(c, j)) {
      r = &c->rows[i];
      r->load_err = vt_xprintf("%s%s: state '%s': calls submodule '%s' (%s), which does not load",
                            r->file, line, sc->state, sc->submodule, c->rows[j].shown);
    }
  }
  c->rows[i].checked = 2;
  return c->rows[i].load_err == NULL;
}

/* Load the top-level module of row i as a run would (vt_engine_new with
** that one file), and note the submodules its module set holds. */
static void load_top(compat *c, int i) {
  char err[2048];
  char *warn = NULL;
  vt_sim_opts so;
  memset(&so, 0, sizeof so);
  so.seed = c->seed;
  today(&so.reference);
  so.age_max = 100;
  char *paths[1] = { c->rows[i].file };
  capture k;
  int cap = capture_begin(&k) == 0;
  vt_engine *e = vt_engine_new(&so, paths, 1, NULL, NULL, err, sizeof err);
  if (cap) warn = capture_end(&k);
  if (warn) { add_warnings(c, warn, c->rows[i].file, c->rows[i].shown); free(warn); }
  if (!e) { c->rows[i].load_err = vt_xstrdup(err); return; }
  c->rows[i].name = vt_xstrdup(vt_engine_module(e, 0)->name);
  c->rows[i].nstates = vt_engine_module(e, 0)->nstates;
  for (int m = vt_engine_ntop(e); m < vt_engine_nmodules(e); m++) {
    const vt_module *mod = vt_engine_module(e, m);
    int j = find_row(c, mod->file);
    if (j < 0) {   /* a submodule outside the folders given: report it too */
      size_t fl = strlen(mod->file), pl = strlen(mod->path);
      int root = c->rows[i].root;
      for (int ri = 0; ri < c->nroots; ri++)
        if (fl > pl + 1 && strncmp(mod->file, c->roots[ri], fl - pl - 1) == 0 && c->roots[ri][fl - pl - 1] == 0) root = ri;
      j = add_row(c, mod->file, mod->path, root, 1);
      compile_sub(c, j);
    }
    mrow *r = &c->rows[i];
    r->reach = vt_xrealloc(r->reach, sizeof *r->reach * (size_t)(r->nreach + 1));
    r->reach[r->nreach++] = vt_xstrdup(mod->file);
  }
  vt_engine_free(e);
}

static void load_all(compat *c) {
  for (int i = 0; i < c->nrows; i++) {
    progress(c, "  loading %d/%d  %s", i + 1, c->nrows, c->rows[i].shown);
    if (!c->rows[i].sub) load_top(c, i);
    else if (!c->rows[i].name && !c->rows[i].load_err) compile_sub(c, i);
  }
  for (int i = 0; i < c->nrows; i++) if (c->rows[i].sub) check_sub(c, i);
  progress(c, "%s", "");
}

/* ---- step 2: run the cohort --------------------------------------------- */

/* The run goes on in a child process (fork, then vt_run with the settings
** the flags give): a module that crashes the engine or makes it eat all
** memory then fails that run, not this report.  The child does not print
** its result for this process to read back: it writes a small record of
** key=value lines (status, stopped_at, seconds, module, error; values
** escaped) to a pipe, and whatever it printed on stderr is kept as
** warnings.  A child that ends without a record crashed.  The child's
** address space is capped (half the machine's memory) so that a runaway run
** stops with "out of memory" before the system's OOM killer steps in;
** sanitizer builds, which reserve huge address ranges, are not capped. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CAP_CHILD_MEMORY 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CAP_CHILD_MEMORY 0
#endif
#endif
#ifndef CAP_CHILD_MEMORY
#define CAP_CHILD_MEMORY 1
#endif

/* How one run ended. */
typedef struct outcome {
  int ok;            /* finished and wrote its database */
  char *msg;         /* else: the error (malloc'd) */
  int at_run_time;   /* the error stopped a running cohort (else: at load) */
  int crashed;       /* killed by a signal */
  double seconds;    /* ok: the run's time, or -1 */
  char module[PATH_MAX];   /* the module file the error is in, when the run knew it, else "" */
} outcome;

/* Append "key=value\n" to b, the value with '\\' and line breaks escaped. */
static void record_field(vt_sbuf *b, const char *key, const char *value) {
  vt_sb_printf(b, "%s=", key);
  for (const char *p = value; *p; p++) {
    if (*p == '\\') vt_sb_add(b, "\\\\", 2);
    else if (*p == '\n') vt_sb_add(b, "\\n", 2);
    else if (*p == '\r') vt_sb_add(b, "\\r", 2);
    else vt_sb_add(b, p, 1);
  }
  vt_sb_add(b, "\n", 1);
}

/* In the child: run `mods` into `out` and write the result record to fd.
** Never returns. */
static void run_child(const compat *c, char *const *mods, int nmods, const char *out, int fd) {
  vt_config cfg;
  vt_config_defaults(&cfg);
  cfg.quiet = 1;
  cfg.population = c->population;
  cfg.seed = c->seed;
  cfg.threads = c->threads > 0 ? c->threads : 0;
  const char *note;
  vt_sbuf b = { 0 };
  int set = vt_config_set(&cfg, VT_CFG_OUTPUT, out, &note);
  for (int i = 0; i < nmods && set == VT_CONFIG_OK; i++) set = vt_config_set(&cfg, VT_CFG_MODULES, mods[i], &note);
  vt_run_result *res = malloc(sizeof *res);
  if (set != VT_CONFIG_OK || !res) {
    record_field(&b, "status", "fail");
    record_field(&b, "error", set == VT_CONFIG_ENOMEM || !res ? "out of memory" : "a module path is empty");
  } else {
    vt_run_status st = vt_run(&cfg, res);
    char num[64];
    record_field(&b, "status", st == VT_RUN_OK ? "ok" : st == VT_RUN_EUSAGE ? "usage" : "fail");
    snprintf(num, sizeof num, "%lld", (long long)res->stopped_at);
    record_field(&b, "stopped_at", num);
    snprintf(num, sizeof num, "%.6f", res->seconds);
    record_field(&b, "seconds", num);
    record_field(&b, "module", res->module);
    record_field(&b, "error", st == VT_RUN_OK ? "" : res->error);
  }
  fflush(stdout);
  fflush(stderr);
  for (size_t off = 0; off < b.n;) {
    ssize_t w = write(fd, b.p + off, b.n - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) _exit(1);
    off += (size_t)w;
  }
  _exit(0);
}

/* Read the child's record from fd into o.  1 if there was one, 0 if not. */
static int read_record(int fd, outcome *o) {
  vt_sbuf b = { 0 };
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    vt_sb_add(&b, buf, (size_t)n);
  }
  int have_status = 0;
  for (char *line = b.p; line && *line;) {
    char *end = strchr(line, '\n');
    if (!end) break;                       /* a record cut short: the child died writing it */
    *end = '\0';
    char *eq = strchr(line, '=');
    if (eq) {
      *eq = '\0';
      char *v = eq + 1, *w = v;            /* unescape in place */
      for (char *p = v; *p; p++) {
        if (*p == '\\' && p[1]) { p++; *w++ = *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p; }
        else *w++ = *p;
      }
      *w = '\0';
      if (!strcmp(line, "status")) { have_status = 1; o->ok = !strcmp(v, "ok"); }
      else if (!strcmp(line, "stopped_at")) o->at_run_time = strtoll(v, NULL, 10) >= 0;
      else if (!strcmp(line, "seconds")) o->seconds = strtod(v, NULL);
      else if (!strcmp(line, "module")) snprintf(o->module, sizeof o->module, "%s", v);
      else if (!strcmp(line, "error") && *v) { free(o->msg); o->msg = vt_xstrdup(v); }
    }
    line = end + 1;
  }
  free(b.p);
  if (have_status && o->ok) { free(o->msg); o->msg = NULL; }
  if (have_status && !o->ok && !o->msg) o->msg = vt_xstrdup("the run failed and gave no message");
  return have_status;
}

/* Run the top-level module files `mods` into `out`, in a child process. */
static outcome run_once(compat *c, char *const *mods, int nmods, const char *out, const char *label) {
  outcome o = { 0, NULL, 0, 0, -1, "" };
  struct rlimit cap = { RLIM_INFINITY, RLIM_INFINITY };
  long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
  if (pages > 0 && psize > 0) cap.rlim_cur = cap.rlim_max = (rlim_t)pages * (rlim_t)psize / 2;

  FILE *fe = tmpfile();
  int pfd[2] = { -1, -1 };
  pid_t pid = -1;
  if (fe && pipe(pfd) == 0) {
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid == 0) {
      /* the child: this process's handlers are not its own */
      signal(SIGINT, SIG_DFL);
      signal(SIGTERM, SIG_DFL);
      signal(SIGHUP, SIG_DFL);
      close(pfd[0]);
      int devnull = open("/dev/null", O_WRONLY);
      if (devnull < 0 || dup2(devnull, 1) < 0 || dup2(fileno(fe), 2) < 0) _exit(127);
      if (CAP_CHILD_MEMORY && cap.rlim_cur != RLIM_INFINITY) setrlimit(RLIMIT_AS, &cap);
      run_child(c, mods, nmods, out, pfd[1]);
    }
  }
  if (pid < 0) {
    o.msg = vt_xprintf("cannot start vitae run: %s", strerror(errno));
    if (fe) fclose(fe);
    if (pfd[0] >= 0) { close(pfd[0]); close(pfd[1]); }
    return o;
  }
  close(pfd[1]);
  g_child = pid;
  /* wait, showing the time on a terminal; past --timeout, stop the run */
  double t0 = now_s(), shown = -1, killed_at = 0;
  int ws = 0, timed_out = 0, lost = 0;
  for (;;) {
    pid_t w = waitpid(pid, &ws, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) { lost = errno; break; }
    double el = now_s() - t0;
    if (c->tty && el - shown >= 1) { progress(c, "  %s: %.0f s", label, el); shown = el; }
    if (c->timeout > 0 && el > (double)c->timeout && !timed_out) {
      kill(pid, SIGTERM);          /* vitae run removes its partial file */
      timed_out = 1;
      killed_at = el;
    } else if (timed_out && el - killed_at > 10) kill(pid, SIGKILL);
    struct timespec nap = { 0, 50 * 1000000L };
    nanosleep(&nap, NULL);
  }
  g_child = 0;
  progress(c, "%s", "");
  if (lost || !WIFEXITED(ws)) {   /* a crashed run leaves its partial file (out/writer.h) */
    char *partial = vt_xprintf("%s.partial-%ld", out, (long)pid);
    unlink(partial);
    free(partial);
    if (!c->keep || strcmp(out, c->keep) != 0) {
      /* and its lock file (out/dbfile.c): our own scratch name, which no
      ** other run writes, so removing it without the lock is safe */
      char *lock = vt_xprintf("%s.lock", out);
      unlink(lock);
      free(lock);
    }
  }
  int have = !lost && !timed_out && WIFEXITED(ws) && read_record(pfd[0], &o);
  close(pfd[0]);
  char *etext = slurp(fe);
  if (lost) {
    o.msg = vt_xprintf("lost track of vitae run: %s", strerror(lost));
  } else if (timed_out) {          /* what it printed ends with the note of its interruption: not kept */
    o.crashed = 1;
    o.msg = vt_xprintf("the run did not finish within %d s (--timeout); a loop that never ends?", c->timeout);
  } else {
    add_warnings(c, etext, NULL, NULL);
    if (WIFSIGNALED(ws)) {
      o.crashed = 1;
      o.msg = vt_xprintf("vitae run was killed by signal %d (%s)", WTERMSIG(ws), strsignal(WTERMSIG(ws)));
    } else if (!have) {
      o.msg = vt_xprintf("vitae run ended with status %d and no result", WEXITSTATUS(ws));
    }
  }
  free(etext);
  return o;
}

/* Drop the top-level modules whose module set holds submodule row j, noting why. */
static int drop_callers(compat *c, int j, const char *why) {
  int dropped = 0;
  for (int i = 0; i < c->nrows; i++) {
    mrow *r = &c->rows[i];
    if (r->sub || r->load_err || r->run_err) continue;
    for (int k = 0; k < r->nreach; k++)
      if (strcmp(r->reach[k], c->rows[j].file) == 0) {
        r->run_err = vt_xprintf("dropped from the run: its submodule %s %s", c->rows[j].shown, why);
        dropped++;
        break;
      }
  }
  return dropped;
}

/* Mark the module a failed run's message names and drop it (and, for a
** submodule, the modules that call it).  1 if something was dropped. */
static int drop_blamed(compat *c, const outcome *o) {
  int j = o->module[0] ? find_row(c, o->module) : -1;   /* the run names the module its error is in */
  if (j < 0 || c->rows[j].load_err || c->rows[j].run_err) return 0;
  mrow *r = &c->rows[j];
  if (o->at_run_time || o->crashed) r->run_err = vt_xstrdup(o->msg); else r->load_err = vt_xstrdup(o->msg);
  int dropped = r->sub ? drop_callers(c, j, o->at_run_time || o->crashed ? "failed at run time" : "failed to load in the run") : 1;
  if (dropped) progress(c, "  %s failed %s; running again without it\n", c->rows[j].shown,
                        o->at_run_time || o->crashed ? "at run time" : "to load");
  return dropped;
}

/* The top-level modules still in the run. */
static int run_set(const compat *c, char **mods) {
  int n = 0;
  for (int i = 0; i < c->nrows; i++)
    if (!c->rows[i].sub && !c->rows[i].load_err && !c->rows[i].run_err) mods[n++] = c->rows[i].file;
  return n;
}

/* A run of `mods` failed without naming a module (a crash, say): find the
** module by halving the set, each half run into a scratch database.  A half
** whose failure names a module settles it; one module left failing is the
** one.  1 if a module was marked and dropped, 0 if the halves both ran (the
** failure needs modules together). */
static int bisect(compat *c, char **mods, int n, const outcome *whole) {
  char scratch[PATH_MAX + 16];
  snprintf(scratch, sizeof scratch, "%s.bisect", c->tmpdb);
  while (n > 1) {
    int half = n / 2, found = 0;
    for (int side = 0; side < 2 && !found; side++) {
      char **part = side ? mods + half : mods;
      int pn = side ? n - half : half;
      char label[160];
      snprintf(label, sizeof label, "looking for the module that broke run %d: %d modules", c->attempts, pn);
      snprintf(g_tmpdb, sizeof g_tmpdb, "%s", scratch);
      outcome o = run_once(c, part, pn, scratch, label);
      snprintf(g_tmpdb, sizeof g_tmpdb, "%s", c->keep ? "" : c->tmpdb);
      unlink(scratch);
      if (!o.ok) {
        if (drop_blamed(c, &o)) { free(o.msg); return 1; }
        mods = part;
        n = pn;
        found = 1;
        if (n == 1) {
          int j = find_row(c, mods[0]);
          if (j >= 0) {
            c->rows[j].run_err = vt_xprintf("breaks the run even when it runs alone: %s", o.msg);
            free(o.msg);
            progress(c, "  %s broke the run; running again without it\n", c->rows[j].shown);
            return 1;
          }
        }
      }
      free(o.msg);
    }
    if (!found) return 0;
  }
  int j = n == 1 ? find_row(c, mods[0]) : -1;
  if (j < 0) return 0;
  c->rows[j].run_err = vt_xstrdup(whole->msg);
  return 1;
}

/* Run the cohort until it finishes, or fails in a way no module can be
** blamed for (c->run_failure).  On success the database is at c->tmpdb
** (or --keep). */
static void run_all(compat *c) {
  const char *out = c->keep ? c->keep : c->tmpdb;
  char **mods = vt_xmalloc(sizeof *mods * (size_t)(c->nrows ? c->nrows : 1));
  for (;;) {
    int nmods = run_set(c, mods);
    if (nmods == 0) break;
    if (c->attempts > c->nrows) {   /* cannot happen: every retry drops a module */
      c->run_failure = vt_xstrdup("the run kept failing; gave up");
      break;
    }
    c->attempts++;
    char label[128];
    snprintf(label, sizeof label, "run %d: %d modules, %lld patients", c->attempts, nmods, (long long)c->population);
    outcome o = run_once(c, mods, nmods, out, label);
    if (o.ok) { c->run_done = 1; c->seconds = o.seconds; break; }
    if (drop_blamed(c, &o) || (o.crashed && bisect(c, mods, nmods, &o))) { free(o.msg); continue; }
    c->run_failure = o.msg;
    break;
  }
  free(mods);
}

/* ---- step 3: read the database ------------------------------------------ */

typedef struct mstate { char *module, *path, *state; int64_t patients; int row; } mstate;

static int cmp_mstate(const void *a, const void *b) {
  const mstate *x = a, *y = b;
  int k = strcmp(x->module, y->module);
  return k ? k : strcmp(x->state, y->state);
}

static const char *col(sqlite3_stmt *st, int i) {
  const unsigned char *s = sqlite3_column_text(st, i);
  return s ? (const char *)s : "";
}

/* Does table `t` have both a module and a state column? */
static int has_provenance(sqlite3 *db, const char *t) {
  char *q = sqlite3_mprintf("PRAGMA table_info(\"%w\")", t);
  if (!q) oom();
  sqlite3_stmt *st;
  int m = 0, s = 0;
  if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      if (strcmp(col(st, 1), "module") == 0) m = 1;
      if (strcmp(col(st, 1), "state") == 0) s = 1;
    }
    sqlite3_finalize(st);
  }
  sqlite3_free(q);
  return m && s;
}

/* Fill visited / records from the run's database.  0, or -1 with err. */
static int read_db(compat *c, const char *path, char *err, size_t errlen) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  mstate *ms = NULL;
  int nms = 0, capms = 0, rc = -1;
  char **tables = NULL;
  int ntables = 0;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
    goto done;
  }
  /* which rows ran: every module of the last run's set is in module_states */
  if (sqlite3_prepare_v2(db, "SELECT module, path, state, patients FROM module_states", -1, &st, NULL) != SQLITE_OK) goto sqlerr;
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    if (nms == capms) { capms = capms ? capms * 2 : 1024; ms = vt_xrealloc(ms, sizeof *ms * (size_t)capms); }
    mstate *m = &ms[nms++];
    m->module = vt_xstrdup(col(st, 0));
    m->path = vt_xstrdup(col(st, 1));
    m->state = vt_xstrdup(col(st, 2));
    m->patients = sqlite3_column_int64(st, 3);
    m->row = -1;
    for (int i = 0; i < c->nrows; i++) {
      const mrow *r = &c->rows[i];
      if (r->name && !r->load_err && !r->run_err && strcmp(r->path, m->path) == 0 && strcmp(r->name, m->module) == 0) {
        m->row = i;
        break;
      }
    }
    if (m->row >= 0) {
      mrow *r = &c->rows[m->row];
      r->in_run = 1;
      r->states_db++;
      if (m->patients > 0) r->visited++;
    }
  }
  if (step != SQLITE_DONE) goto sqlerr;
  sqlite3_finalize(st);
  st = NULL;
  if (nms > 1) qsort(ms, (size_t)nms, sizeof *ms, cmp_mstate);

  /* the tables with provenance columns, but not the per-state summaries */
  if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1, &st, NULL) != SQLITE_OK) goto sqlerr;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    const char *t = col(st, 0);
    if (strcmp(t, "module_states") == 0 || strcmp(t, "state_trace") == 0) continue;
    tables = vt_xrealloc(tables, sizeof *tables * (size_t)(ntables + 1));
    tables[ntables++] = vt_xstrdup(t);
  }
  if (step != SQLITE_DONE) goto sqlerr;
  sqlite3_finalize(st);
  st = NULL;

  for (int t = 0; t < ntables; t++) {
    char *q = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", tables[t]);
    if (!q) oom();
    int prc = sqlite3_prepare_v2(db, q, -1, &st, NULL);
    sqlite3_free(q);
    if (prc != SQLITE_OK) goto sqlerr;
    if (sqlite3_step(st) == SQLITE_ROW) {
      int64_t n = sqlite3_column_int64(st, 0);
      if (strcmp(tables[t], "patients") == 0) c->patients = n;
      if (has_provenance(db, tables[t])) c->rows_total += n;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (!has_provenance(db, tables[t])) continue;
    q = sqlite3_mprintf("SELECT module, state, count(*) FROM \"%w\" GROUP BY module, state", tables[t]);
    if (!q) oom();
    prc = sqlite3_prepare_v2(db, q, -1, &st, NULL);
    sqlite3_free(q);
    if (prc != SQLITE_OK) goto sqlerr;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
      mstate key = { (char *)col(st, 0), NULL, (char *)col(st, 1), 0, -1 };
      int64_t n = sqlite3_column_int64(st, 2);
      if (sqlite3_column_type(st, 0) == SQLITE_NULL || strcmp(key.module, "lifecycle") == 0) { c->lifecycle_rows += n; continue; }
      /* the modules of that name with that state; prefer one a patient entered */
      mstate *hit = bsearch(&key, ms, (size_t)nms, sizeof *ms, cmp_mstate);
      if (!hit) { c->other_rows += n; continue; }
      while (hit > ms && cmp_mstate(hit - 1, &key) == 0) hit--;
      mstate *pick = NULL;
      int cands = 0;
      for (mstate *h = hit; h < ms + nms && cmp_mstate(h, &key) == 0; h++) {
        if (h->row < 0) continue;
        cands++;
        if (!pick || (pick->patients == 0 && h->patients > 0)) pick = h;
      }
      if (!pick) { c->other_rows += n; continue; }
      c->rows[pick->row].records += n;
      if (cands > 1)
        for (mstate *h = hit; h < ms + nms && cmp_mstate(h, &key) == 0; h++)
          if (h->row >= 0) c->rows[h->row].ambiguous = 1;
    }
    if (step != SQLITE_DONE) goto sqlerr;
    sqlite3_finalize(st);
    st = NULL;
  }
  rc = 0;
  goto done;
sqlerr:
  snprintf(err, errlen, "reading %s: %s", path, sqlite3_errmsg(db));
done:
  if (st) sqlite3_finalize(st);
  if (db) sqlite3_close(db);
  for (int i = 0; i < nms; i++) { free(ms[i].module); free(ms[i].path); free(ms[i].state); }
  free(ms);
  for (int i = 0; i < ntables; i++) free(tables[i]);
  free(tables);
  return rc;
}

/* ---- the report --------------------------------------------------------- */

/* `s` for a Markdown table cell: root prefixes left out, '|' escaped, line
** breaks as spaces. */
static void cell(const compat *c, vt_sbuf *b, const char *s) {
  size_t sl = c->strip ? strlen(c->strip) : 0;
  while (*s) {
    if (sl && strncmp(s, c->strip, sl) == 0) { s += sl; continue; }
    if (*s == '|') vt_sb_puts(b, "\\|");
    else if (*s == '\n' || *s == '\r' || *s == '\t') vt_sb_puts(b, " ");
    else vt_sb_add(b, s, 1);
    s++;
  }
}

/* An error in row r's own cell: a leading "FILE:" naming r's own file is
** left out ("FILE:12: state ..." -> "line 12: state ..."). */
static void err_cell(const compat *c, vt_sbuf *b, const mrow *r, const char *msg) {
  size_t n = strlen(r->file);
  if (strncmp(msg, r->file, n) != 0 || msg[n] != ':') { cell(c, b, msg); return; }
  const char *s = msg + n + 1, *e = s;
  while (*e >= '0' && *e <= '9') e++;
  if (e > s && *e == ':') {
    vt_sb_puts(b, "line ");
    vt_sb_add(b, s, (size_t)(e - s));
    vt_sb_puts(b, ": ");
    s = e + 1;
  }
  while (*s == ' ') s++;
  cell(c, b, s);
}

static int row_ok(const mrow *r) { return !r->load_err && !r->run_err; }

static char *report(const compat *c) {
  vt_sbuf b = { 0 };
  char x[32], y[32];
  int ntop = 0, nload = 0, nran = 0, nrun_cand = 0, nambig = 0, nuncalled = 0;
  int64_t states = 0, visited = 0, records = 0;
  for (int i = 0; i < c->nrows; i++) ntop += !c->rows[i].sub;
  vt_sb_puts(&b, "# vitae compat:");
  for (int i = 0; i < c->npaths; i++) vt_sb_printf(&b, " %s", c->paths[i]);
  vt_sb_printf(&b, "\n\nvitae %s; %d module files (%d top-level, %d submodules); %s patients, seed %llu.\n\n",
            VT_VERSION, c->nrows, ntop, c->nrows - ntop, vt_commas(c->population, x), (unsigned long long)c->seed);
  vt_sb_puts(&b, "| module | loads | runs | states visited | records |\n");
  vt_sb_puts(&b, "|---|---|---|---:|---:|\n");
  for (int i = 0; i < c->nrows; i++) {
    const mrow *r = &c->rows[i];
    vt_sb_puts(&b, "| ");
    cell(c, &b, r->shown);
    vt_sb_puts(&b, " | ");
    if (r->load_err) { err_cell(c, &b, r, r->load_err); vt_sb_puts(&b, " | - | - | - |\n"); continue; }
    nload++;
    vt_sb_puts(&b, "yes | ");
    if (r->run_err) { nrun_cand++; err_cell(c, &b, r, r->run_err); vt_sb_puts(&b, " | - | - |\n"); continue; }
    int64_t n = r->in_run ? r->states_db : r->nstates;
    states += n;
    if (!c->run_done) {
      vt_sb_puts(&b, c->run_failure ? "no: the run failed (see below)" : "-");
      vt_sb_puts(&b, " | - | - |\n");
      nrun_cand += !r->sub;
      continue;
    }
    if (r->in_run) {
      nrun_cand++;
      nran++;
      visited += r->visited;
      records += r->records;
      vt_sb_puts(&b, "yes | ");
      share(&b, r->visited, n);
      vt_sb_printf(&b, " | %s%s |\n", vt_commas(r->records, x), r->ambiguous ? " *" : "");
      nambig += r->ambiguous;
    } else {
      nuncalled++;
      vt_sb_puts(&b, "not called | ");
      share(&b, 0, n);
      vt_sb_puts(&b, " | 0 |\n");
    }
  }
  vt_sb_printf(&b, "| **total: %d files** | **%d/%d** | **%d/%d", c->nrows, nload, c->nrows, nran, nrun_cand);
  if (nuncalled) vt_sb_printf(&b, ", %d not called", nuncalled);
  vt_sb_puts(&b, "** | **");
  share(&b, visited, states);
  vt_sb_printf(&b, "** | **%s** |\n\n", vt_commas(records, x));

  vt_sb_puts(&b, "loads: yes, or why the file does not load on its own (a top-level module with its submodules, as "
              "`vitae run -m FILE` loads it; a submodule compiled on its own, with the submodules it calls) or beside "
              "the others (a module name used twice).  runs: yes if the module took part in the run of every module "
              "that loads, else the error that stopped the run with it (it was dropped and the run started again); "
              "\"not called\": no module of the run calls this submodule.  states visited: states at least one "
              "patient entered.  records: clinical rows whose (module, state) is this module's.\n\n");
  if (c->run_done) {
    vt_sb_printf(&b, "The run: %s patients, %s clinical rows", vt_commas(c->patients, x), vt_commas(c->rows_total, y));
    vt_sb_printf(&b, " (%s from modules, %s", vt_commas(records, x), vt_commas(c->lifecycle_rows, y));
    vt_sb_printf(&b, " from vitae's own lifecycle: wellness visits and vital signs%s", c->other_rows ? ", " : ")");
    if (c->other_rows) vt_sb_printf(&b, "%s not matched to a module)", vt_commas(c->other_rows, x));
    if (c->seconds >= 0) vt_sb_printf(&b, " in %.1f s", c->seconds);
    vt_sb_printf(&b, "; %d attempt%s.\n", c->attempts, c->attempts == 1 ? "" : "s");
    if (nambig)
      vt_sb_puts(&b, "\n\\* shares its name and state names with another module of the run: rows of those states "
                  "are counted for the one whose state patients entered.\n");
  } else if (c->run_failure) {
    vt_sb_puts(&b, "The run failed, and no module could be blamed: ");
    cell(c, &b, c->run_failure);
    vt_sb_puts(&b, "\n");
  } else vt_sb_puts(&b, "No run: no top-level module loads.\n");

  vt_sb_puts(&b, "\n## Warnings\n\n");
  if (!c->nwarn) vt_sb_puts(&b, "None.\n");
  for (int i = 0; i < c->nwarn; i++) {
    vt_sb_puts(&b, "- ");
    size_t sl = c->strip ? strlen(c->strip) : 0;
    for (const char *s = c->warn[i]; *s; ) {
      if (sl && strncmp(s, c->strip, sl) == 0) { s += sl; continue; }
      vt_sb_add(&b, s++, 1);
    }
    vt_sb_puts(&b, "\n");
  }
  if (c->warn_dropped) vt_sb_printf(&b, "- ... and %s more\n", vt_commas(c->warn_dropped, x));
  return b.p;
}

/* Write `text` to `path` atomically: a temporary file beside it, synced,
** then renamed onto it.  0, or -1 with err. */
static int write_atomic(const char *path, const char *text, char *err, size_t errlen) {
  struct stat st;
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "%s exists and is not a regular file; not replacing it", path);
    return -1;
  }
  int len = snprintf(g_tmpreport, sizeof g_tmpreport, "%s.partial-%ld", path, (long)getpid());
  if (len < 0 || (size_t)len >= sizeof g_tmpreport) {
    g_tmpreport[0] = 0;
    snprintf(err, errlen, "%s: path too long", path);
    return -1;
  }
  FILE *f = fopen(g_tmpreport, "w");
  if (!f) { snprintf(err, errlen, "cannot create %s: %s", g_tmpreport, strerror(errno)); g_tmpreport[0] = 0; return -1; }
  size_t n = strlen(text);
  int bad = fwrite(text, 1, n, f) != n;
  bad |= fflush(f) != 0;
  bad |= fsync(fileno(f)) != 0;
  int e = errno;
  bad |= fclose(f) != 0;
  if (!bad && rename(g_tmpreport, path) != 0) { e = errno; bad = 1; }
  if (bad) {
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(e ? e : EIO));
    unlink(g_tmpreport);
  }
  g_tmpreport[0] = 0;
  return bad ? -1 : 0;
}

/* ---- the command -------------------------------------------------------- */

static const char usage[] =
  "usage: vitae compat PATH... [options]\n"
  "\n"
  "Check a module corpus (folders of module files, e.g. Synthea's modules/, or\n"
  "single files): load every module file on its own, run one cohort with all\n"
  "that load (a module that fails at run time is dropped and the run started\n"
  "again), and print a Markdown table with one row per module file: loads,\n"
  "runs, share of its states visited, records written; then the totals and the\n"
  "warnings vitae printed.  Files in a folder are top-level modules, files in\n"
  "its subfolders submodules.  Exit status 0 if every module loads and runs.\n"
  "\n"
  "options:\n"
  "  -p, --population N   patients to run (default 1000)\n"
  "  -s, --seed SEED      random seed (default 1)\n"
  "      --threads T      simulating threads, 1-256 (default 0: one per CPU less one)\n"
  "  -o, --output FILE    also write the report to FILE (atomically)\n"
  "      --keep DB        keep the run's database at DB (else it is deleted)\n"
  "      --timeout S      stop a run that takes longer than S seconds and look\n"
  "                       for the module that holds it up (default 0: no limit)\n"
  "  -q, --quiet          no progress output\n"
  "  -h, --help           show this help\n";

/* Parse a whole decimal integer in [lo, hi]; 0 or -1. */
static int parse_int(const char *s, long long lo, unsigned long long hi, unsigned long long *out) {
  if (!s || !*s || *s == '-' || *s == '+' || *s == ' ') return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v < (unsigned long long)lo || v > hi) return -1;
  *out = v;
  return 0;
}

/* Parse argv into c; 0, 1 for --help, or -1 with err. */
static int parse_args(compat *c, int argc, char **argv, char *err, size_t errlen) {
  c->population = 1000;
  c->seed = 1;
  c->paths = vt_xmalloc(sizeof *c->paths * (size_t)(argc > 0 ? argc : 1));
  int only_paths = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (only_paths || a[0] != '-' || a[1] == 0) { c->paths[c->npaths++] = argv[i]; continue; }
    if (strcmp(a, "--") == 0) { only_paths = 1; continue; }
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) return 1;
    if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) { c->quiet = 1; continue; }
    static const struct { const char *s, *l; } opts[] = {
      { "-p", "--population" }, { "-s", "--seed" }, { NULL, "--threads" }, { "-o", "--output" }, { NULL, "--keep" },
      { NULL, "--timeout" },
    };
    int which = -1;
    const char *val = NULL;
    for (int k = 0; k < (int)(sizeof opts / sizeof opts[0]) && which < 0; k++) {
      size_t ll = strlen(opts[k].l);
      if (strcmp(a, opts[k].l) == 0 || (opts[k].s && strcmp(a, opts[k].s) == 0)) which = k;
      else if (strncmp(a, opts[k].l, ll) == 0 && a[ll] == '=') { which = k; val = a + ll + 1; }
      else if (opts[k].s && strncmp(a, opts[k].s, 2) == 0 && a[2]) { which = k; val = a + 2; }
    }
    if (which < 0) { snprintf(err, errlen, "unknown option '%s'", a); return -1; }
    if (!val) {
      if (i + 1 >= argc) { snprintf(err, errlen, "%s needs a value", a); return -1; }
      val = argv[++i];
    }
    unsigned long long v;
    switch (which) {
      case 0:
        if (parse_int(val, 1, INT64_MAX, &v)) { snprintf(err, errlen, "-p: '%s' is not a positive integer", val); return -1; }
        c->population = (int64_t)v;
        break;
      case 1:
        if (parse_int(val, 0, UINT64_MAX, &v)) { snprintf(err, errlen, "-s: '%s' is not an integer from 0 to 18446744073709551615", val); return -1; }
        c->seed = (uint64_t)v;
        break;
      case 2:
        if (parse_int(val, 0, VT_CONFIG_MAX_THREADS, &v)) {
          snprintf(err, errlen, "--threads: '%s' is not an integer from 1 to %d, or 0 for the default", val, VT_CONFIG_MAX_THREADS);
          return -1;
        }
        c->threads = (int)v;
        break;
      case 3: if (!*val) { snprintf(err, errlen, "-o needs a file name"); return -1; } c->report = val; break;
      case 4: if (!*val) { snprintf(err, errlen, "--keep needs a file name"); return -1; } c->keep = val; break;
      default:
        if (parse_int(val, 0, INT_MAX, &v)) { snprintf(err, errlen, "--timeout: '%s' is not a number of seconds", val); return -1; }
        c->timeout = (int)v;
        break;
    }
  }
  if (c->npaths == 0) { snprintf(err, errlen, "no module folder or file given"); return -1; }
  return 0;
}

int vt_cmd_compat(int argc, char **argv) {
  compat c;
  memset(&c, 0, sizeof c);
  char err[PATH_MAX + 2048];
  int rc = parse_args(&c, argc, argv, err, sizeof err);
  if (rc == 1) { fputs(usage, stdout); free(c.paths); return VT_EXIT_OK; }
  if (rc < 0) {
    fprintf(stderr, "vitae compat: %s (see vitae compat --help)\n", err);
    free(c.paths);
    return VT_EXIT_USAGE;
  }
  c.tty = !c.quiet && isatty(2);
  if (collect(&c, err, sizeof err) != 0) {
    fprintf(stderr, "vitae compat: %s\n", err);
    compat_free(&c);
    free(c.paths);
    return VT_EXIT_USAGE;
  }
  if (c.keep) {
    struct stat st;
    if (stat(c.keep, &st) == 0 && !S_ISREG(st.st_mode)) {
      fprintf(stderr, "vitae compat: --keep %s exists and is not a regular file\n", c.keep);
      compat_free(&c);
      free(c.paths);
      return VT_EXIT_USAGE;
    }
  }
  if (c.report) {   /* fail now rather than after the run */
    const char *slash = strrchr(c.report, '/');
    char *dir = slash ? vt_xstrndup(c.report, slash == c.report ? 1 : (size_t)(slash - c.report)) : vt_xstrdup(".");
    struct stat st;
    int bad = stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK) != 0;
    if (bad) fprintf(stderr, "vitae compat: -o %s: cannot write in %s\n", c.report, dir);
    free(dir);
    if (bad) { compat_free(&c); free(c.paths); return VT_EXIT_USAGE; }
  }
  /* the run's database unless kept; also the base name of scratch runs */
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir) dir = "/tmp";
  snprintf(c.tmpdb, sizeof c.tmpdb, "%s/vitae-compat-%ld.db", dir, (long)getpid());
  if (!c.keep) snprintf(g_tmpdb, sizeof g_tmpdb, "%s", c.tmpdb);
  vt_run_on_signals(on_signal, 0);

  /* 1: load each module; 2: run them; 3: read what they did */
  if (c.nrows > 1) qsort(c.rows, (size_t)c.nrows, sizeof *c.rows, cmp_rows);
  load_all(&c);
  run_all(&c);
  const char *db = c.keep ? c.keep : c.tmpdb;
  int failed = 0;
  if (c.run_done && read_db(&c, db, err, sizeof err) != 0) {
    fprintf(stderr, "vitae compat: %s\n", err);
    failed = 1;
  }
  if (!c.keep && c.run_done) unlink(c.tmpdb);
  g_tmpdb[0] = 0;
  if (c.keep && !c.run_done) fprintf(stderr, "vitae compat: no run finished; nothing kept at %s\n", c.keep);
  if (c.nrows > 1) qsort(c.rows, (size_t)c.nrows, sizeof *c.rows, cmp_rows);   /* submodules found outside the folders */

  char *text = report(&c);
  fputs(text, stdout);
  fflush(stdout);
  if (c.report && write_atomic(c.report, text, err, sizeof err) != 0) {
    fprintf(stderr, "vitae compat: %s\n", err);
    failed = 1;
  }
  free(text);
  int all_ok = !failed && !c.run_failure;
  for (int i = 0; i < c.nrows; i++) if (!row_ok(&c.rows[i])) all_ok = 0;
  compat_free(&c);
  free(c.paths);
  return all_ok ? VT_EXIT_OK : VT_EXIT_FAIL;
}
