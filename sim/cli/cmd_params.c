/*
** cmd_params.c -- `vitae params [-m] PATH... [--json] [--params FILE]`: list
** the params a module set declares, i.e. the numbers `vitae learn` can fit
** and `vitae run --params` can set (schemas/params.md, "Listing params").
**
** The modules are loaded as `vitae run` loads them (lua/loader.h); nothing
** is simulated.  Text output is one tab-separated line per param:
**   NAME  DEFAULT  WHERE  MODULE  FILE:LINE
** with WHERE one of load (param() run while the module loads), function
** (param() inside a function, found in the source), gmf (a GMF branch
** probability) or gmf-remainder (a GMF last branch, which takes what the
** others leave).  What could not be listed goes to stderr as notes.
**
** `--lifecycle` lists the native lifecycle's params instead (sim/lifecycle.h),
** WHERE "lifecycle".
**
** Exit status: 0 listed; 1 a module failed to load; 2 a usage error or a
** bad --params file.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/loader.h"
#include "sim/cli/cli.h"
#include "sim/jsonw.h"
#include "sim/lifecycle.h"
#include "sim/params.h"
#include "sim/run.h"

static const char *usage_text =
  "usage: vitae params [-m] PATH... [--json] [--params FILE]\n"
  "       vitae params --lifecycle\n"
  "\n"
  "List the params the modules under PATH declare (folders or module files;\n"
  "without PATH the default module set): every param(\"name\", default) of\n"
  "the Lua modules, including those inside functions, and the implicit\n"
  "params of GMF JSON modules' constant branch probabilities\n"
  "(gmf.MODULE.STATE.TARGET).  These are the names `vitae run --params`\n"
  "accepts and `vitae learn` fits.  See schemas/params.md.\n"
  "\n"
  "options:\n"
  "  -m, --modules PATH  a module folder or file (repeatable; bare PATHs too)\n"
  "      --json          print a JSON object {params: [...], notes: [...]}\n"
  "      --params FILE   check FILE against the modules as `vitae run` does\n"
  "      --lifecycle     list the native lifecycle's params (lifecycle.*) instead\n"
  "  -h, --help          show this help\n";

static const char *origin_name(const vt_param_decl *d) {
  switch (d->origin) {
    case VT_PDECL_LOAD: return "load";
    case VT_PDECL_FUNCTION: return "function";
    case VT_PDECL_GMF: return d->remainder ? "gmf-remainder" : "gmf";
  }
  return "?";
}

/* v with the fewest digits that read back as v (%.15g, else %.17g). */
static void number_text(double v, char *buf, size_t len) {
  snprintf(buf, len, "%.15g", v);
  if (strtod(buf, NULL) != v) snprintf(buf, len, "%.17g", v);
}

/* The default of d as text into buf ("?" when the source gives an expression). */
static const char *default_text(const vt_param_decl *d, char *buf, size_t len) {
  if (!d->has_default) return "?";
  switch (d->kind) {
    case VT_PARAM_NUMBER: number_text(d->number, buf, len); break;
    case VT_PARAM_STRING: snprintf(buf, len, "\"%s\"", d->string ? d->string : ""); break;
    case VT_PARAM_BOOL: snprintf(buf, len, "%s", d->boolean ? "true" : "false"); break;
  }
  return buf;
}

static void print_text(const vt_param_decl *list, int n) {
  char buf[600];
  printf("# name\tdefault\twhere\tmodule\tfile:line\n");
  for (int i = 0; i < n; i++)
    printf("%s\t%s\t%s\t%s\t%s:%d\n", list[i].name, default_text(&list[i], buf, sizeof buf), origin_name(&list[i]),
           list[i].module ? list[i].module : "", list[i].file ? list[i].file : "", list[i].line);
}

static void print_json(const vt_param_decl *list, int n, char *const *notes, int nnotes) {
  static const char *const kinds[] = {"number", "string", "boolean"};
  vt_jsonw w;
  vt_jw_init(&w, stdout);
  vt_jw_obj(&w, 0);
  vt_jw_key(&w, "params");
  vt_jw_arr(&w, 0);
  for (int i = 0; i < n; i++) {
    const vt_param_decl *d = &list[i];
    vt_jw_obj(&w, 1);
    vt_jw_kstr(&w, "name", d->name);
    vt_jw_kstr(&w, "kind", kinds[d->kind]);
    vt_jw_key(&w, "default");
    if (!d->has_default) vt_jw_null(&w);
    else if (d->kind == VT_PARAM_NUMBER) {
      char buf[40];
      number_text(d->number, buf, sizeof buf);
      /* jsonw prints 6 digits: give the exact default as text too */
      vt_jw_real(&w, d->number);
      vt_jw_kstr(&w, "default_text", buf);
    } else if (d->kind == VT_PARAM_STRING) vt_jw_str(&w, d->string);
    else vt_jw_bool(&w, d->boolean);
    vt_jw_kstr(&w, "where", origin_name(d));
    vt_jw_kstr(&w, "module", d->module);
    vt_jw_kstr(&w, "file", d->file);
    vt_jw_kint(&w, "line", d->line);
    if (d->origin == VT_PDECL_GMF) {
      vt_jw_kstr(&w, "state", d->state);
      vt_jw_kstr(&w, "target", d->target);
    }
    vt_jw_end(&w);
  }
  vt_jw_end(&w);
  vt_jw_key(&w, "notes");
  vt_jw_arr(&w, 0);
  for (int i = 0; i < nnotes; i++) vt_jw_str(&w, notes[i]);
  vt_jw_end(&w);
  vt_jw_end(&w);
}

/* Parse the arguments into paths (argv entries), json and pfile.  0, 1 for
** --help, -1 with a message printed. */
static int parse_args(int argc, char **argv, char **paths, int *npaths, int *json, const char **pfile,
                      int *lifecycle) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) return 1;
    else if (!strcmp(a, "--lifecycle")) *lifecycle = 1;
    else if (!strcmp(a, "--json")) *json = 1;
    else if (!strcmp(a, "--params") || !strcmp(a, "-m") || !strcmp(a, "--modules")) {
      if (i + 1 >= argc) { fprintf(stderr, "vitae params: %s needs a value\n%s", a, usage_text); return -1; }
      if (!strcmp(a, "--params")) *pfile = argv[++i];
      else paths[(*npaths)++] = argv[++i];
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "vitae params: unknown option '%s'\n%s", a, usage_text);
      return -1;
    } else paths[(*npaths)++] = (char *)a;
  }
  return 0;
}

/* `vitae params --lifecycle`: one line per lifecycle param, as print_text. */
static int print_lifecycle(void) {
  char name[64], buf[40];
  double def;
  printf("# name\tdefault\twhere\tmodule\tfile:line\n");
  for (int i = 0; i < vt_lifecycle_nparams(); i++) {
    vt_lifecycle_param(i, name, sizeof name, &def);
    number_text(def, buf, sizeof buf);
    printf("%s\t%s\tlifecycle\tlifecycle\t:0\n", name, buf);
  }
  return fflush(stdout) == 0 && !ferror(stdout) ? VT_EXIT_OK : VT_EXIT_FAIL;
}

int vt_cmd_params(int argc, char **argv) {
  char err[4096], defdir[4096];
  char **paths = calloc((size_t)argc + 1, sizeof *paths);
  int npaths = 0, json = 0, rc = VT_EXIT_FAIL, lifecycle = 0;
  const char *pfile = NULL;
  vt_params *params = NULL;
  vt_lua *vl = NULL;
  vt_modset ms;
  memset(&ms, 0, sizeof ms);
  if (!paths) { fprintf(stderr, "vitae: out of memory\n"); return VT_EXIT_FAIL; }
  int pr = parse_args(argc, argv, paths, &npaths, &json, &pfile, &lifecycle);
  if (pr) { if (pr > 0) fputs(usage_text, stdout); free(paths); return pr > 0 ? VT_EXIT_OK : VT_EXIT_USAGE; }
  if (lifecycle) { free(paths); return print_lifecycle(); }
  if (npaths == 0) {
    if (!vt_default_modules_dir(defdir, sizeof defdir)) {
      fprintf(stderr, "vitae params: no module folder given and no default 'modules' folder found\n");
      free(paths);
      return VT_EXIT_USAGE;
    }
    paths[npaths++] = defdir;
  }
  if (pfile && !(params = vt_params_load(pfile, err, sizeof err))) {
    fprintf(stderr, "vitae: %s\n", err);
    free(paths);
    return VT_EXIT_USAGE;
  }
  if (!(vl = vt_lua_new(NULL, params, err, sizeof err))) {
    fprintf(stderr, "vitae: %s\n", err);
    goto done;
  }
  if (vt_modset_load(&ms, vl, paths, npaths, NULL, 0, err, sizeof err) != 0) {
    fprintf(stderr, "vitae: %s\n", err);
    rc = vl->param_type_error ? VT_EXIT_USAGE : VT_EXIT_FAIL;
    goto done;
  }
  vt_lifecycle lc;
  if (vt_lifecycle_from_params(&lc, params, err, sizeof err) != 0) {
    fprintf(stderr, "vitae: %s\n", err);
    rc = VT_EXIT_USAGE;
    goto done;
  }
  const vt_param_decl *list;
  char *const *notes;
  int n, nnotes;
  vt_modset_params(&ms, &list, &n);
  vt_modset_param_notes(&ms, &notes, &nnotes);
  if (json) print_json(list, n, notes, nnotes);
  else {
    print_text(list, n);
    for (int i = 0; i < nnotes; i++) fprintf(stderr, "vitae: note: %s\n", notes[i]);
  }
  if (params) vt_params_warn_unused(params, stderr);
  rc = fflush(stdout) == 0 && !ferror(stdout) ? VT_EXIT_OK : VT_EXIT_FAIL;
done:
  vt_modset_free(&ms);
  vt_lua_free(vl);
  vt_params_free(params);
  free(paths);
  return rc;
}
