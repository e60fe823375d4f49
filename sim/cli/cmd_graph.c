/*
** cmd_graph.c -- `vitae graph MODULE [-o OUT.dot|OUT.svg] [--cohort DB]`:
** a module as a Graphviz graph (lua/module_graph.h, docs/graph.md).
**
** The module is loaded as `vitae run` loads it (lua/loader.h), its folder the
** root its submodules and lookup tables are found under.  Without -o the DOT
** text goes to stdout; -o FILE.dot writes it atomically; -o FILE.svg runs
** Graphviz's `dot -Tsvg` on it and writes the SVG atomically (a clear
** message and nothing written when `dot` is not installed).  --cohort DB
** reads a native cohort's module_states (patients and entries per state) and
** module_transitions (per branch) for this module, matched by path and name.
**
** Exit status: 0 written; 1 the module failed to load, the cohort has no
** counts for it, dot is missing or failed, or the output could not be
** written; 2 a usage error.
*/
#define _XOPEN_SOURCE 700   /* realpath */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "learn/sqlite_ro.h"
#include "lua/loader.h"
#include "lua/module_graph.h"
#include "sim/cli/args.h"
#include "sim/cli/cli.h"
#include "sim/strbuf.h"

static const char *usage_text =
  "usage: vitae graph MODULE [-o OUT.dot|OUT.svg] [--cohort DB]\n"
  "\n"
  "Draw MODULE (a .lua or GMF .json module file) as a Graphviz graph: one\n"
  "node per state, shaped and coloured by type, edges labelled with their\n"
  "probabilities and conditions (docs/graph.md).  Without -o the DOT text\n"
  "goes to stdout.\n"
  "\n"
  "options:\n"
  "  -o, --output FILE   write FILE.dot (DOT text) or FILE.svg (through\n"
  "                      Graphviz's dot, Debian package graphviz)\n"
  "      --cohort DB     a native cohort written by `vitae run` with this\n"
  "                      module: show the patients and entries of each state\n"
  "                      and the observed share of each branch\n"
  "  -h, --help          show this help\n";

#define SVG_NEEDS_DOT "vitae graph: SVG needs Graphviz's dot (apt-get install graphviz); write .dot with -o FILE.dot\n"

/* The full path of program `name` in $PATH into buf: 0, or -1 if absent. */
static int find_in_path(const char *name, char *buf, size_t len) {
  const char *path = getenv("PATH");
  if (!path) return -1;
  while (*path) {
    const char *end = strchr(path, ':');
    size_t n = end ? (size_t)(end - path) : strlen(path);
    if (n > 0 && n + strlen(name) + 2 <= len) {
      snprintf(buf, len, "%.*s/%s", (int)n, path, name);
      struct stat st;
      if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0) return 0;
    }
    if (!end) break;
    path = end + 1;
  }
  return -1;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* ---- the cohort's counts --------------------------------------------------- */

typedef struct cohort {
  int64_t *patients, *entries, *trans;
  char *title, *note;
} cohort;

static void cohort_free(cohort *c) {
  free(c->patients); free(c->entries); free(c->trans); free(c->title); free(c->note);
}

static const char *col(sqlite3_stmt *st, int i) {
  const unsigned char *s = sqlite3_column_text(st, i);
  return s ? (const char *)s : "";
}

static int has_table(sqlite3 *db, const char *name) {
  sqlite3_stmt *st;
  int found = 0;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", -1, &st, NULL) != SQLITE_OK) return 0;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return found;
}

/* The module of the cohort that is m: its name and path, how it matched.
** 0, or -1 with err. */
static int match_module(sqlite3 *db, const char *dbpath, const vt_module *m, char **mname, char **mpath,
                        const char **how, char *err, size_t errlen) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT DISTINCT module, path FROM module_states ORDER BY path, module", -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s: reading module_states: %s", dbpath, sqlite3_errmsg(db));
    return -1;
  }
  /* the best match: 0 path and name, 1 path, 2 path ending in /PATH (a
  ** submodule graphed on its own), 3 name */
  int best = 4, nbest = 0;
  char *suffix = vt_xprintf("/%s", m->path);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *name = col(st, 0), *path = col(st, 1);
    int rank = 4;
    int same_name = m->name && strcmp(name, m->name) == 0;
    if (strcmp(path, m->path) == 0) rank = same_name ? 0 : 1;
    else if (ends_with(path, suffix)) rank = 2;
    else if (same_name) rank = 3;
    if (rank < best) {
      best = rank; nbest = 1;
      free(*mname); free(*mpath);
      *mname = vt_xstrdup(name); *mpath = vt_xstrdup(path);
    } else if (rank == best && rank < 4) nbest++;
  }
  sqlite3_finalize(st);
  free(suffix);
  static const char *const hows[] = { "by path and name", "by path", "by the end of its path", "by name" };
  if (best == 4) {
    snprintf(err, errlen, "%s has no rows for module '%s' (path '%s') in module_states: was it written by a run of this module?",
             dbpath, m->name ? m->name : "", m->path);
    return -1;
  }
  *how = hows[best];
  if (nbest > 1)
    fprintf(stderr, "vitae graph: note: %d modules of %s match %s; using the first, path '%s'\n", nbest, dbpath,
            hows[best], *mpath);
  return 0;
}

/* Read the counts of module m from the cohort at dbpath into c.  0, or -1
** with err. */
static int read_cohort(const char *dbpath, const vt_module *m, cohort *c, char *err, size_t errlen) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  char *mname = NULL, *mpath = NULL;
  const char *how = "";
  int rc = -1;
  char msg[1024];
  if (vt_sqlite_open_ro(dbpath, &db, msg, sizeof msg) != 0) {
    snprintf(err, errlen, "--cohort %s is not a vitae cohort: %s", dbpath, msg);
    return -1;
  }
  if (!has_table(db, "module_states")) {
    snprintf(err, errlen, "--cohort %s is not a vitae cohort (no module_states table; `vitae run` writes one)", dbpath);
    goto done;
  }
  if (match_module(db, dbpath, m, &mname, &mpath, &how, err, errlen) != 0) goto done;
  size_t n = (size_t)m->nstates;
  c->patients = vt_xmalloc(sizeof *c->patients * (n ? n : 1));
  c->entries = vt_xmalloc(sizeof *c->entries * (n ? n : 1));
  for (size_t i = 0; i < n; i++) c->patients[i] = c->entries[i] = -1;
  if (sqlite3_prepare_v2(db, "SELECT state, patients, entries FROM module_states WHERE module = ?1 AND path = ?2",
                         -1, &st, NULL) != SQLITE_OK) goto sqlerr;
  sqlite3_bind_text(st, 1, mname, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, mpath, -1, SQLITE_STATIC);
  int unknown = 0, step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    int s = vt_module_find_state(m, col(st, 0));
    if (s == VT_NOSTATE) { unknown++; continue; }
    c->patients[s] = sqlite3_column_int64(st, 1);
    c->entries[s] = sqlite3_column_int64(st, 2);
  }
  if (step != SQLITE_DONE) goto sqlerr;
  sqlite3_finalize(st);
  st = NULL;
  int missing = 0;
  for (size_t i = 0; i < n; i++) missing += c->patients[i] < 0;

  int64_t npat = -1;
  if (has_table(db, "patients") && sqlite3_prepare_v2(db, "SELECT count(*) FROM patients", -1, &st, NULL) == SQLITE_OK) {
    if (sqlite3_step(st) == SQLITE_ROW) npat = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
  }
  const char *base = strrchr(dbpath, '/') ? strrchr(dbpath, '/') + 1 : dbpath;
  char b1[32];
  if (npat >= 0) c->title = vt_xprintf("counts: %s, %s patients (module path %s, matched %s)", base, vt_commas(npat, b1), mpath, how);
  else c->title = vt_xprintf("counts: %s (module path %s, matched %s)", base, mpath, how);
  fprintf(stderr, "vitae graph: counts of module '%s' (path '%s') from %s, matched %s\n", mname, mpath, dbpath, how);

  vt_sbuf note = { 0 };
  if (has_table(db, "module_transitions")) {
    c->trans = vt_xcalloc(n > 0 ? n * n : 1, sizeof *c->trans);
    if (sqlite3_prepare_v2(db, "SELECT from_state, to_state, transitions FROM module_transitions WHERE module = ?1 AND path = ?2",
                           -1, &st, NULL) != SQLITE_OK) goto sqlerr;
    sqlite3_bind_text(st, 1, mname, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, mpath, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
      int a = vt_module_find_state(m, col(st, 0)), b = vt_module_find_state(m, col(st, 1));
      if (a == VT_NOSTATE || b == VT_NOSTATE) { unknown++; continue; }
      c->trans[(size_t)a * n + (size_t)b] += sqlite3_column_int64(st, 2);
    }
    if (step != SQLITE_DONE) goto sqlerr;
    sqlite3_finalize(st);
    st = NULL;
  } else {
    vt_sb_printf(&note, "branch shares not shown: %s has no module_transitions table (written by an older vitae)", base);
    fprintf(stderr, "vitae graph: note: %s has no module_transitions table (written by an older vitae): "
            "the graph shows the counts of states, not the observed share of branches\n", dbpath);
  }
  if (missing || unknown) {
    if (note.n) vt_sb_puts(&note, "\n");
    vt_sb_printf(&note, "the module and the cohort differ: %d states not in the cohort, %d cohort rows not in the module", missing, unknown);
    fprintf(stderr, "vitae graph: note: %s and %s differ (the module changed since the run?): %d states of the module "
            "have no row in the cohort, %d rows of the cohort name states the module does not have\n",
            m->file, dbpath, missing, unknown);
  }
  c->note = note.p;
  rc = 0;
  goto done;
sqlerr:
  snprintf(err, errlen, "%s: %s", dbpath, sqlite3_errmsg(db));
done:
  sqlite3_finalize(st);
  sqlite3_close(db);
  free(mname);
  free(mpath);
  return rc;
}

/* ---- loading ------------------------------------------------------------------ */

/* Does every CallSubmodule of m name a module file under root? */
static int submodules_under(const vt_module *m, const char *root) {
  for (int i = 0; i < m->nstates; i++) {
    const vt_state *s = &m->states[i];
    if (s->type != VT_S_CALL_SUBMODULE || !s->submodule) continue;
    if (!vt_module_name_safe(s->submodule)) return 0;
    int found = 0;
    static const char *const exts[] = { ".lua", ".json" };
    for (int x = 0; x < 2 && !found; x++) {
      char *f = vt_xprintf("%s/%s%s", root, s->submodule, exts[x]);
      struct stat st;
      found = stat(f, &st) == 0 && S_ISREG(st.st_mode);
      free(f);
    }
    if (!found) return 0;
  }
  return 1;
}

/* A submodule file loaded on its own: its folder is not the root its
** CallSubmodule paths and lookup tables are relative to, but a folder above
** it is (Synthea's heart/cabg/details.json names "heart/cabg/..." and finds
** its tables in modules/lookup_tables).  Try each folder above the file, the
** nearest first, as the root of a module tree the file is a submodule of (its
** module path relative to it): the first where it compiles and every
** submodule it calls exists.  The module (its submodules not loaded), or
** NULL. */
static vt_module *load_as_submodule(const char *file, char **root_out) {
  char real[4096];
  if (!realpath(file, real)) return NULL;
  char *dir = vt_xstrdup(real);
  vt_module *found = NULL;
  for (int up = 0; up < 8 && !found; up++) {
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) break;
    *slash = 0;                         /* dir: the folder holding file, then its parents */
    if (up == 0) continue;              /* the file's own folder: vt_modset_load tried it */
    const char *rel = real + strlen(dir) + 1;
    const char *dot = strrchr(rel, '.');
    char *path = vt_xstrndup(rel, dot ? (size_t)(dot - rel) : strlen(rel));
    char err[4096];
    vt_lua *vl = vt_lua_new(NULL, NULL, err, sizeof err);
    if (vl && vt_module_push_file(vl, file, err, sizeof err) == 0) {
      char *roots[1] = { dir };
      vt_module *m = vt_module_compile_in(vl, file, path, roots, 1, err, sizeof err);
      if (m && submodules_under(m, dir)) { found = m; *root_out = vt_xstrdup(dir); }
      else if (m) vt_module_free(m);
    }
    /* the module's Lua functions are not called: its state can go */
    vt_lua_free(vl);
    free(path);
  }
  free(dir);
  return found;
}

/* ---- output ------------------------------------------------------------------ */

typedef struct job {
  const vt_module *m;
  const vt_graph_counts *counts;
  const char *dot;          /* the dot program, for SVG */
} job;

static int write_dot(FILE *f, void *ud) {
  job *j = ud;
  return vt_graph_write(f, j->m, j->counts);
}

/* The DOT text through `dot -Tsvg` into f. */
static int write_svg(FILE *f, void *ud) {
  job *j = ud;
  FILE *in = tmpfile();
  if (!in) return -1;
  if (vt_graph_write(in, j->m, j->counts) != 0 || fflush(in) != 0 || fseek(in, 0, SEEK_SET) != 0 || fflush(f) != 0) {
    fclose(in);
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) { fclose(in); return -1; }
  if (pid == 0) {
    if (dup2(fileno(in), 0) < 0 || dup2(fileno(f), 1) < 0) _exit(127);
    execl(j->dot, "dot", "-Tsvg", (char *)NULL);
    _exit(127);
  }
  fclose(in);
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "vitae graph: %s -Tsvg failed (%s %d)\n", j->dot, WIFEXITED(status) ? "exit status" : "signal",
            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    errno = EIO;
    return -1;
  }
  return 0;
}

int vt_cmd_graph(int argc, char **argv) {
  const char *module = NULL, *out = NULL, *cohort_path = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *val;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) { fputs(usage_text, stdout); return VT_EXIT_OK; }
    if (vt_arg_is_opt(a, "-o", "--output", &val)) {
      if (!(out = vt_arg_take("graph", argc, argv, &i, "-o", val))) return VT_EXIT_USAGE;
    } else if (vt_arg_is_opt(a, NULL, "--cohort", &val)) {
      if (!(cohort_path = vt_arg_take("graph", argc, argv, &i, "--cohort", val))) return VT_EXIT_USAGE;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "vitae graph: unknown option '%s'\n%s", a, usage_text);
      return VT_EXIT_USAGE;
    } else if (module) {
      fprintf(stderr, "vitae graph: one module at a time ('%s' and '%s')\n%s", module, a, usage_text);
      return VT_EXIT_USAGE;
    } else module = a;
  }
  if (!module) { fprintf(stderr, "vitae graph: no module given\n%s", usage_text); return VT_EXIT_USAGE; }
  int svg = 0;
  if (out) {
    if (ends_with(out, ".svg")) svg = 1;
    else if (!ends_with(out, ".dot") && !ends_with(out, ".gv")) {
      fprintf(stderr, "vitae graph: -o %s: the output is FILE.dot (or .gv) or FILE.svg\n", out);
      return VT_EXIT_USAGE;
    }
  }
  struct stat st;
  if (stat(module, &st) == 0 && S_ISDIR(st.st_mode)) {
    fprintf(stderr, "vitae graph: %s is a folder: give one module file (.lua or .json)\n", module);
    return VT_EXIT_USAGE;
  }
  char dot[4096];
  if (svg && find_in_path("dot", dot, sizeof dot) != 0) { fputs(SVG_NEEDS_DOT, stderr); return VT_EXIT_FAIL; }
  if (out && vt_arg_check_output("graph", out) != 0) return VT_EXIT_FAIL;

  char err[4096];
  int rc = VT_EXIT_FAIL;
  vt_modset ms;
  memset(&ms, 0, sizeof ms);
  vt_module *sub = NULL;
  cohort c;
  memset(&c, 0, sizeof c);
  vt_lua *vl = vt_lua_new(NULL, NULL, err, sizeof err);
  if (!vl) { fprintf(stderr, "vitae graph: %s\n", err); return VT_EXIT_FAIL; }
  char *paths[1] = { (char *)module };
  const vt_module *m = NULL;
  if (vt_modset_load(&ms, vl, paths, 1, NULL, 0, err, sizeof err) == 0) m = ms.mods[0];
  else {
    char *root = NULL;
    struct stat fst;
    if (stat(module, &fst) == 0 && (sub = load_as_submodule(module, &root))) {
      fprintf(stderr, "vitae graph: note: %s is loaded as the submodule '%s' of the modules under %s\n", module,
              sub->path, root);
      m = sub;
      free(root);
    } else {
      fprintf(stderr, "vitae graph: %s\n", err);
      goto done;
    }
  }
  vt_graph_counts counts = { 0 };
  if (cohort_path) {
    if (read_cohort(cohort_path, m, &c, err, sizeof err) != 0) { fprintf(stderr, "vitae graph: %s\n", err); goto done; }
    counts.patients = c.patients;
    counts.entries = c.entries;
    counts.trans = c.trans;
    counts.title = c.title;
    counts.note = c.note;
  }
  job j = { m, cohort_path ? &counts : NULL, dot };
  if (!out) {
    if (vt_graph_write(stdout, m, j.counts) != 0 || fflush(stdout) != 0) {
      fprintf(stderr, "vitae graph: writing the graph to stdout: %s\n", strerror(errno ? errno : EIO));
      goto done;
    }
  } else if (vt_atomic_write("graph", out, svg ? write_svg : write_dot, &j) != 0) goto done;
  rc = VT_EXIT_OK;
done:
  cohort_free(&c);
  if (sub) vt_module_free(sub);
  vt_modset_free(&ms);
  vt_lua_free(vl);
  return rc;
}
