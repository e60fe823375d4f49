/*
** modset.c -- the module set of a run and the tree it comes from: the module
** files found under the folders given with -m (subfolders hold submodules,
** named by relative path), each run (Lua or GMF JSON) and compiled by
** lua/loader.c, the submodules the modules call looked up beside them, and
** the path checks that keep every file read inside its module tree.
*/
#define _XOPEN_SOURCE 700   /* realpath */
#include "loader.h"
#include "loader_int.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lua/json.h"
#include "lua/param_decl.h"

/* ---- paths inside the module tree --------------------------------------- */

/* Is `name` (a lookup table or submodule path written in a module) a
** relative path without '..' components?  1 or 0. */
int vt_module_name_safe(const char *name) {
  if (!*name || name[0] == '/') return 0;
  for (const char *s = name; *s;) {
    const char *e = strchr(s, '/');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    if (n == 2 && s[0] == '.' && s[1] == '.') return 0;
    s += n + (e != NULL);
  }
  return 1;
}

int vt_path_within(const char *real, const char *root) {
  size_t n = strlen(root);
  if (n == 1 && root[0] == '/') return 1;
  return strncmp(real, root, n) == 0 && (real[n] == 0 || real[n] == '/');
}

int vt_path_inside(const char *file, const char *root) {
  char real[PATH_MAX], rroot[PATH_MAX];
  return realpath(file, real) && realpath(root, rroot) && vt_path_within(real, rroot);
}

static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

int vt_module_is_json(const char *name) { return ends_with(name, ".json"); }

/* ---- module sets ------------------------------------------------------- */

static int add_module(vt_modset *ms, vt_module *m) {
  if (ms->n == ms->cap) {
    int cap = ms->cap ? ms->cap * 2 : 32;
    vt_module **mm = realloc(ms->mods, sizeof *mm * (size_t)cap);
    if (!mm) return -1;
    ms->mods = mm; ms->cap = cap;
  }
  ms->mods[ms->n++] = m;
  return 0;
}

/* Add folder `dir` to the roots (*roots, *nroots) unless it is there. */
static int add_root(char ***roots, int *nroots, const char *dir) {
  for (int i = 0; i < *nroots; i++) if (strcmp((*roots)[i], dir) == 0) return 0;
  char **r = realloc(*roots, sizeof *r * (size_t)(*nroots + 1));
  if (!r) return -1;
  *roots = r;
  if (!(r[*nroots] = strdup(dir))) return -1;
  (*nroots)++;
  return 0;
}

size_t vt_module_ext_len(const char *name) {
  return ends_with(name, ".json") ? 5 : ends_with(name, ".lua") ? 4 : 0;
}

int vt_module_in_folder(const char *name) {
  return vt_module_ext_len(name) > 0 && !(strncmp(name, "test_", 5) == 0 && ends_with(name, ".lua"));
}

/* Make the load error `err` of Lua module `file` start with "FILE:LINE: ":
** a position Lua put after the file's name (shortened to "...tail:N:" for
** a long path) moves to the front; an error with none (an error raised in
** a tail call such as `return module "X" {...}`, or error(msg, 0)) gets the
** line source_line guesses.  An unreadable file is left as it is. */
static void lead_with_line(const char *file, char *err, size_t errlen) {
  size_t n = strlen(file);
  const char *rest = err;
  if (strncmp(err, file, n) == 0 && err[n] == ':') {
    if (err[n + 1] >= '0' && err[n + 1] <= '9') return;   /* already FILE:N: */
    rest = err + n + 1;
    while (*rest == ' ') rest++;
  }
  int line = 0;
  const char *msg = rest;
  /* "...tail:N: msg" or "FILE:N: msg" at the start of the rest */
  const char *src = rest, *colon = NULL;
  size_t sl = 0;
  if (strncmp(rest, "...", 3) == 0) src = rest + 3;
  for (const char *q = src; *q && !colon; q++)
    if (*q == ':' && q[1] >= '0' && q[1] <= '9') colon = q;
  if (colon) {
    sl = (size_t)(colon - src);
    char *end;
    long l = strtol(colon + 1, &end, 10);
    if (*end == ':' && l > 0 && l < INT_MAX && sl > 0 && sl <= n && strncmp(file + n - sl, src, sl) == 0
        && (src == rest ? sl == n : 1)) {
      line = (int)l;
      msg = end + 1;
      while (*msg == ' ') msg++;
    }
  }
  if (!line) {
    FILE *f = fopen(file, "rb");
    if (!f) return;
    fclose(f);
    line = vt_module_source_line(file, 0);
  }
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s:%d: %s", file, line, msg);
  snprintf(err, errlen, "%s", tmp);
}

int vt_module_push_file(vt_lua *vl, const char *file, char *err, size_t errlen) {
  if (vt_module_is_json(file)) return vt_json_push_file(vl->L, file, err, errlen) != 0 ? -1 : 0;
  if (vt_lua_load_file(vl, file, err, errlen) != 0) {
    lead_with_line(file, err, errlen);
    return -1;
  }
  return 0;
}

/* The params a Lua module's source holds that loading did not run (those in
** functions, items [from, n) of ms->params) are looked up in the --params
** file now: so marked used, and a value of another kind than the default is
** a load error, as for the others.  0, or -1 with err. */
static int check_scanned(vt_modset *ms, vt_lua *vl, int from, char *err, size_t errlen) {
  static const char *const kinds[] = {"number", "string", "boolean"};
  for (int i = from; i < ms->params.n; i++) {
    const vt_param_decl *d = &ms->params.items[i];
    const vt_param *pv = vt_params_get(vl->params, d->name);
    if (pv && d->has_default && pv->kind != d->kind) {
      vl->param_type_error = 1;
      snprintf(err, errlen, "%s:%d: param '%s': %s:%d gives a %s, but the module's default is a %s", d->file,
               d->line, d->name, vl->params->path, pv->line, kinds[pv->kind], kinds[d->kind]);
      return -1;
    }
  }
  return 0;
}

/* Run and compile one module file, recording the params it declares. */
static int load_one(vt_modset *ms, vt_lua *vl, const char *file, const char *path, int sub, char *err, size_t errlen) {
  vl->record = &ms->params;
  vl->record_module = path;
  vl->record_file = file;
  vt_module *m = NULL;
  if (vt_module_push_file(vl, file, err, errlen) == 0)
    m = vt_module_compile_in(vl, file, path, ms->roots, ms->nroots, err, errlen);
  vl->record = NULL;
  vl->record_module = vl->record_file = NULL;
  if (!m) return -1;
  if (!vt_module_is_json(file)) {
    int from = ms->params.n;
    if (vt_param_scan_lua_file(file, m->path, &ms->params, err, errlen) < 0 ||
        check_scanned(ms, vl, from, err, errlen) != 0) {
      vt_module_free(m);
      return -1;
    }
  }
  m->is_submodule = sub;
  for (int i = 0; i < ms->n; i++)
    if (!sub && !ms->mods[i]->is_submodule && strcmp(ms->mods[i]->name, m->name) == 0) {
      snprintf(err, errlen, "%s:%d: module name '%s' is already used by %s", file, m->line, m->name, ms->mods[i]->file);
      vt_module_free(m);
      return -1;
    }
  if (add_module(ms, m) != 0) { vt_module_free(m); snprintf(err, errlen, "out of memory"); return -1; }
  return 0;
}

/* Top-level modules first, then submodules; each group by path. */
static int cmp_pending(const void *a, const void *b) {
  const vt_module_file *x = a, *y = b;
  if (x->sub != y->sub) return x->sub - y->sub;
  return strcmp(x->path, y->path);
}

static int add_module_file(vt_module_file **files, int *n, const char *file, const char *path, int sub) {
  vt_module_file *nf = realloc(*files, sizeof **files * (size_t)(*n + 1));
  if (!nf) return -1;
  *files = nf;
  nf[*n].file = strdup(file);
  nf[*n].path = strdup(path);
  nf[*n].sub = sub;
  if (!nf[*n].file || !nf[*n].path) { free(nf[*n].file); free(nf[*n].path); return -1; }
  (*n)++;
  return 0;
}

/* Collect the module files of folder `dir`; `prefix` is its module path
** ("" for a folder given with -m, "medications" for its subfolder).  Files
** in subfolders are submodules, found recursively, as Synthea's loader does;
** lookup_tables folders and hidden entries are skipped.  An entry whose
** real path leaves `root` (the real path of the folder given with -m: a
** symlink out of the tree) is an error.  0, or -1 and err. */
static int scan_folder(const char *dir, const char *prefix, const char *root, vt_module_file **files, int *n,
                       int depth, char *err, size_t errlen) {
  if (depth > 16) { snprintf(err, errlen, "%s: folders nested too deep", dir); return -1; }
  DIR *d = opendir(dir);
  if (!d) { snprintf(err, errlen, "%s: %s", dir, strerror(errno)); return -1; }
  struct dirent *e;
  int rc = 0;
  while (rc == 0 && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char file[4096], path[4096];
    snprintf(file, sizeof file, "%s/%s", dir, e->d_name);
    struct stat fs;
    if (stat(file, &fs) != 0) continue;
    if (strcmp(e->d_name, "lookup_tables") == 0 && S_ISDIR(fs.st_mode)) continue;
    if (!S_ISDIR(fs.st_mode) && !(S_ISREG(fs.st_mode) && vt_module_in_folder(e->d_name))) continue;
    char real[PATH_MAX];
    if (!realpath(file, real) || !vt_path_within(real, root)) {
      snprintf(err, errlen, "%s: leads outside the module tree (%s)", file, root);
      rc = -1;
      break;
    }
    if (S_ISDIR(fs.st_mode)) {
      snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "/" : "", e->d_name);
      rc = scan_folder(file, path, root, files, n, depth + 1, err, errlen);
    } else if (S_ISREG(fs.st_mode) && vt_module_in_folder(e->d_name)) {
      snprintf(path, sizeof path, "%s%s%.*s", prefix, *prefix ? "/" : "",
               (int)(strlen(e->d_name) - vt_module_ext_len(e->d_name)), e->d_name);
      if (add_module_file(files, n, file, path, *prefix != 0) != 0) { snprintf(err, errlen, "out of memory"); rc = -1; }
    }
  }
  closedir(d);
  return rc;
}

int vt_module_files(char *const *paths, int npaths, vt_module_file **files, int *nfiles, char ***roots,
                    int *nroots, char *err, size_t errlen) {
  *files = NULL;
  *nfiles = 0;
  for (int i = 0; i < npaths; i++) {
    struct stat st;
    if (stat(paths[i], &st) != 0) { snprintf(err, errlen, "%s: %s", paths[i], strerror(errno)); goto fail; }
    if (S_ISDIR(st.st_mode)) {
      if (add_root(roots, nroots, paths[i]) != 0) goto oom;
      int before = *nfiles;
      char real[PATH_MAX];
      if (!realpath(paths[i], real)) { snprintf(err, errlen, "%s: %s", paths[i], strerror(errno)); goto fail; }
      if (scan_folder(paths[i], "", real, files, nfiles, 0, err, errlen) != 0) goto fail;
      int top = 0;
      for (int k = before; k < *nfiles; k++) top += !(*files)[k].sub;
      if (top == 0) { snprintf(err, errlen, "%s: no modules (*.lua or *.json) in this folder", paths[i]); goto fail; }
    } else {
      if (!vt_module_ext_len(paths[i])) { snprintf(err, errlen, "%s: not a module (expected a .lua or .json file, or a folder)", paths[i]); goto fail; }
      char *dir = strdup(paths[i]);
      if (!dir) goto oom;
      char *slash = strrchr(dir, '/');
      const char *pslash = strrchr(paths[i], '/');
      const char *base = pslash ? pslash + 1 : paths[i];
      if (slash) *slash = 0; else strcpy(dir, ".");
      int r = add_root(roots, nroots, dir);
      free(dir);
      if (r != 0) goto oom;
      char path[4096];
      snprintf(path, sizeof path, "%.*s", (int)(strlen(base) - vt_module_ext_len(base)), base);
      if (add_module_file(files, nfiles, paths[i], path, 0) != 0) goto oom;
    }
  }
  if (*nfiles > 1) qsort(*files, (size_t)*nfiles, sizeof **files, cmp_pending);
  return 0;
oom:
  snprintf(err, errlen, "out of memory");
fail:
  vt_module_files_free(*files, *nfiles);
  *files = NULL;
  *nfiles = 0;
  return -1;
}

void vt_module_files_free(vt_module_file *files, int n) {
  for (int i = 0; i < n; i++) { free(files[i].file); free(files[i].path); }
  free(files);
}

int vt_modset_load(vt_modset *ms, vt_lua *vl, char *const *paths, int npaths, char *failed, size_t failedlen,
                   char *err, size_t errlen) {
  memset(ms, 0, sizeof *ms);
  if (failed && failedlen) failed[0] = 0;
  const char *culprit = NULL;   /* the module file an error is in */
  vt_module_file *files = NULL;
  int nfiles = 0, rc = -1;
  if (vt_module_files(paths, npaths, &files, &nfiles, &ms->roots, &ms->nroots, err, errlen) != 0) goto done;
  ms->ntop = 0;
  for (int i = 0; i < nfiles; i++) {
    int dup = 0;   /* a file given twice, or a submodule also given as a file */
    for (int k = 0; k < ms->n && !dup; k++)
      dup = strcmp(ms->mods[k]->file, files[i].file) == 0 || (files[i].sub && strcmp(ms->mods[k]->path, files[i].path) == 0);
    if (dup) continue;
    if (load_one(ms, vl, files[i].file, files[i].path, files[i].sub, err, errlen) != 0) { culprit = files[i].file; goto done; }
    if (!files[i].sub) ms->ntop = ms->n;
  }
  /* resolve submodules, loading them from the roots on first use */
  for (int mi = 0; mi < ms->n; mi++) {
    vt_module *m = ms->mods[mi];
    for (int si = 0; si < m->nstates; si++) {
      vt_state *s = &m->states[si];
      if (s->type != VT_S_CALL_SUBMODULE) continue;
      int idx = vt_modset_find(ms, s->submodule);
      if (idx < 0) {
        char file[4096] = "";
        static const char *const exts[] = { ".lua", ".json" };
        culprit = m->file;
        if (!vt_module_name_safe(s->submodule)) {
          snprintf(err, errlen, "%s:%d: state '%s': submodule '%s' is outside the module tree (%s)",
                   m->file, s->line > 0 ? s->line : m->line, s->name, s->submodule, ms->roots[0]);
          goto done;
        }
        for (int r = 0; r < ms->nroots && idx < 0; r++)
          for (int x = 0; x < 2 && idx < 0; x++) {
            snprintf(file, sizeof file, "%s/%s%s", ms->roots[r], s->submodule, exts[x]);
            struct stat fs;
            if (stat(file, &fs) == 0 && S_ISREG(fs.st_mode)) {
              if (!vt_path_inside(file, ms->roots[r])) {
                snprintf(err, errlen, "%s:%d: state '%s': submodule '%s' is outside the module tree (%s): %s leads out of it",
                         m->file, s->line > 0 ? s->line : m->line, s->name, s->submodule, ms->roots[r], file);
                goto done;
              }
              if (load_one(ms, vl, file, s->submodule, 1, err, errlen) != 0) { culprit = file; goto done; }
              m = ms->mods[mi];
              s = &m->states[si];
              idx = ms->n - 1;
            }
          }
        if (idx < 0) {
          snprintf(err, errlen, "%s:%d: state '%s': submodule '%s' not found (looked for %s.lua and .json in %s%s)",
                   m->file, s->line > 0 ? s->line : m->line, s->name, s->submodule, s->submodule, ms->roots[0], ms->nroots > 1 ? " and other module folders" : "");
          goto done;
        }
      }
      s->submodule_index = idx;
    }
  }
  for (int i = 0; i < ms->n; i++) ms->mods[i]->index = i;
  rc = 0;
done:
  if (rc != 0 && culprit && failed && failedlen) snprintf(failed, failedlen, "%s", culprit);
  vt_module_files_free(files, nfiles);
  if (rc != 0) vt_modset_free(ms);
  return rc;
}

void vt_modset_free(vt_modset *ms) {
  for (int i = 0; i < ms->n; i++) vt_module_free(ms->mods[i]);
  free(ms->mods);
  for (int i = 0; i < ms->nroots; i++) free(ms->roots[i]);
  free(ms->roots);
  vt_param_list_free(&ms->params);
  memset(ms, 0, sizeof *ms);
}

int vt_modset_params(const vt_modset *ms, const vt_param_decl **list, int *n) {
  *list = ms->params.items;
  *n = ms->params.n;
  return ms->params.n;
}

int vt_modset_param_notes(const vt_modset *ms, char *const **notes, int *n) {
  *notes = ms->params.notes;
  *n = ms->params.nnotes;
  return ms->params.nnotes;
}

/* Every code of one state, observations of a panel included. */
static void state_codes(const vt_state *s, void (*fn)(const vt_code *, void *), void *ud) {
  for (int i = 0; i < s->ncodes; i++) fn(&s->codes[i], ud);
  for (int i = 0; i < s->nactivities; i++) fn(&s->activities[i], ud);
  if (s->value_code) fn(s->value_code, ud);
  if (s->procedure_code) fn(s->procedure_code, ud);
  for (int i = 0; i < s->nimg_series; i++) {
    fn(s->img_series[i].body_site, ud);
    fn(s->img_series[i].modality, ud);
    for (int k = 0; k < s->img_series[i].ninstances; k++) fn(s->img_series[i].instances[k].sop, ud);
  }
  for (int i = 0; i < s->nsupplies; i++) fn(s->supplies[i].code, ud);
  for (int i = 0; i < s->nobs; i++) state_codes(&s->obs[i], fn, ud);
}

void vt_modset_each_code(const vt_modset *ms, void (*fn)(const vt_code *c, void *ud), void *ud) {
  for (int m = 0; m < ms->n; m++)
    for (int k = 0; k < ms->mods[m]->nstates; k++) state_codes(&ms->mods[m]->states[k], fn, ud);
}

int vt_modset_find(const vt_modset *ms, const char *path) {
  for (int i = 0; i < ms->n; i++) if (strcmp(ms->mods[i]->path, path) == 0) return i;
  return -1;
}
