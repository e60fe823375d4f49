/*
** test_params_record.c -- the params a module set declares (lua/loader.h
** vt_modset_params, lua/param_decl.h): the default module set's count and
** where each is found, params inside functions found by the source scan,
** GMF branch probabilities as implicit params and their names, and --params
** values for them (applied, or refused naming the param and the state).
** Run from the repository root.
*/
#define _POSIX_C_SOURCE 200809L   /* getpid */
#include "test.h"

#include <stdlib.h>
#include <unistd.h>

#include "lua/loader.h"
#include "lua/param_decl.h"
#include "sim/params.h"

#define FIX "tests/fixtures/params_list/"

/* Load `path` with params file `pfile` (may be NULL) into ms.  0 or -1 (err). */
static int load(vt_modset *ms, vt_lua **vl, vt_params **pp, const char *path, const char *pfile, char *err,
                size_t errlen) {
  char *paths[1] = { (char *)path };
  *pp = NULL;
  *vl = NULL;
  memset(ms, 0, sizeof *ms);
  if (pfile && !(*pp = vt_params_load(pfile, err, errlen))) return -1;
  if (!(*vl = vt_lua_new(NULL, *pp, err, errlen))) return -1;
  return vt_modset_load(ms, *vl, paths, 1, NULL, 0, err, errlen);
}

static void unload(vt_modset *ms, vt_lua *vl, vt_params *pp) {
  vt_modset_free(ms);
  vt_lua_free(vl);
  vt_params_free(pp);
}

static const vt_param_decl *find(const vt_modset *ms, const char *name) {
  return vt_param_list_find(&ms->params, name);
}

static void test_default_set(void) {
  vt_modset ms;
  vt_lua *vl;
  vt_params *pp;
  char err[2048];
  const vt_param_decl *list;
  int n, load_n = 0, fn_n = 0;
  int rc = load(&ms, &vl, &pp, "modules", NULL, err, sizeof err);
  CHECK(rc == 0, "the default module set loads (%s)", rc ? err : "");
  if (rc) { unload(&ms, vl, pp); return; }
  vt_modset_params(&ms, &list, &n);
  for (int i = 0; i < n; i++) {
    load_n += list[i].origin == VT_PDECL_LOAD;
    fn_n += list[i].origin == VT_PDECL_FUNCTION;
    if (list[i].origin == VT_PDECL_FUNCTION) printf("# found inside a function: %s (%s:%d)\n", list[i].name, list[i].file, list[i].line);
  }
  printf("# default set: %d params, %d run while loading, %d inside functions\n", n, load_n, fn_n);
  CHECK(n == 175, "the default module set declares 175 params (got %d)", n);
  CHECK(load_n + fn_n == n, "each is a param() of a Lua module");
  int complete = 1;
  for (int i = 0; i < n; i++)
    complete &= list[i].has_default && list[i].kind == VT_PARAM_NUMBER && list[i].line > 0 && list[i].module &&
                list[i].file && strstr(list[i].file, list[i].module) != NULL;
  CHECK(complete, "every one has a number default, its module, file and line");
  const vt_param_decl *d = find(&ms, "appendicitis.perforated");
  CHECK(d && d->number == 0.25 && !strcmp(d->module, "appendicitis") && d->line == 30,
        "appendicitis.perforated: 0.25, module appendicitis, line 30");
  char *const *notes;
  int nn;
  vt_modset_param_notes(&ms, &notes, &nn);
  CHECK(nn == 0, "no notes for the default set (got %d: %s)", nn, nn ? notes[0] : "");
  unload(&ms, vl, pp);
}

static void test_function_scan(void) {
  vt_modset ms;
  vt_lua *vl;
  vt_params *pp;
  char err[2048];
  int rc = load(&ms, &vl, &pp, FIX "lua_function.lua", NULL, err, sizeof err);
  CHECK(rc == 0, "lua_function.lua loads (%s)", rc ? err : "");
  if (rc) { unload(&ms, vl, pp); return; }
  const vt_param_decl *d;
  d = find(&ms, "fx.load.rate");
  CHECK(d && d->origin == VT_PDECL_LOAD && d->number == 0.25 && d->line == 5, "a param run at load: recorded with its line");
  d = find(&ms, "fx.load.label");
  CHECK(d && d->kind == VT_PARAM_STRING && !strcmp(d->string, "text"), "a string default is recorded");
  d = find(&ms, "fx.fn.child");
  CHECK(d && d->origin == VT_PDECL_FUNCTION && d->number == 0.1 && d->line == 11, "a param inside a function is found");
  d = find(&ms, "fx.fn.adult");
  CHECK(d && d->origin == VT_PDECL_FUNCTION && d->number == -0.25, "single quotes and a negative exponent literal");
  d = find(&ms, "fx.fn.flag");
  CHECK(d && d->kind == VT_PARAM_BOOL && d->boolean == 1, "a boolean literal default");
  d = find(&ms, "fx.fn.expr");
  CHECK(d && !d->has_default, "an expression default: listed without a value");
  CHECK(!find(&ms, "fx.in_comment") && !find(&ms, "fx.in_long_comment") && !find(&ms, "fx.in_string"),
        "calls inside comments and strings are not params");
  CHECK(ms.params.n == 6, "6 params in the fixture (got %d)", ms.params.n);
  CHECK(ms.params.nnotes == 1 && strstr(ms.params.notes[0], "lua_function.lua:16:"),
        "the name built at run time is a note at its line (%s)", ms.params.nnotes ? ms.params.notes[0] : "none");
  unload(&ms, vl, pp);

  /* a --params value of the wrong kind for a param inside a function fails the load */
  char tmp[64];
  snprintf(tmp, sizeof tmp, "/tmp/vt_params_record_%d.yaml", (int)getpid());
  FILE *f = fopen(tmp, "w");
  if (f) { fputs("params:\n  fx.fn.child: \"high\"\n", f); fclose(f); }
  rc = load(&ms, &vl, &pp, FIX "lua_function.lua", tmp, err, sizeof err);
  remove(tmp);
  CHECK(rc != 0 && strstr(err, "fx.fn.child") && strstr(err, "lua_function.lua:11"),
        "a wrong-kind value for a param in a function is refused at load (%s)", err);
  CHECK(rc != 0 && vl && vl->param_type_error, "... as a params error");
  unload(&ms, vl, pp);
}

static void test_gmf(void) {
  vt_modset ms;
  vt_lua *vl;
  vt_params *pp;
  char err[2048];
  int rc = load(&ms, &vl, &pp, FIX "gmf_branch.json", NULL, err, sizeof err);
  CHECK(rc == 0, "gmf_branch.json loads (%s)", rc ? err : "");
  if (rc) { unload(&ms, vl, pp); return; }
  static const struct { const char *name; double v; int rem; } want[] = {
    {"gmf.gmf_branch.Initial.Onset%20A", 0.2, 0}, {"gmf.gmf_branch.Initial.Onset%2EB", 0.3, 0},
    {"gmf.gmf_branch.Initial.Onset%20A#2", 0.1, 0}, {"gmf.gmf_branch.Initial.Check", 0.4, 1},
    {"gmf.gmf_branch.Check.option1.Onset%20A", 0.6, 0}, {"gmf.gmf_branch.Check.option1.Terminal", 0.4, 1},
    {"gmf.gmf_branch.Check.option2.Terminal", 0.5, 1},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const vt_param_decl *d = find(&ms, want[i].name);
    CHECK(d && d->origin == VT_PDECL_GMF && d->number == want[i].v && d->remainder == want[i].rem && d->line > 0,
          "implicit param %s = %g%s", want[i].name, want[i].v, want[i].rem ? " (remainder)" : "");
  }
  CHECK(ms.params.n == 7, "7 implicit params: the attribute-based branch is not one (got %d)", ms.params.n);
  const vt_param_decl *d = find(&ms, "gmf.gmf_branch.Initial.Onset%20A");
  CHECK(d && !strcmp(d->state, "Initial") && !strcmp(d->target, "Onset A"), "state and target are recorded");
  unload(&ms, vl, pp);
}

/* Load the GMF fixture with params text; 0 or -1 with err. */
static int gmf_with(const char *text, char *err, size_t errlen, vt_modset *ms, vt_lua **vl, vt_params **pp) {
  char tmp[64];
  int rc;
  snprintf(tmp, sizeof tmp, "/tmp/vt_params_record_%d.yaml", (int)getpid());
  FILE *f = fopen(tmp, "w");
  *vl = NULL;
  *pp = NULL;
  memset(ms, 0, sizeof *ms);
  if (!f) { snprintf(err, errlen, "cannot write %s", tmp); return -2; }
  fputs(text, f);
  fclose(f);
  rc = load(ms, vl, pp, FIX "gmf_branch.json", tmp, err, errlen);
  remove(tmp);
  return rc;
}

static void test_gmf_values(void) {
  vt_modset ms;
  vt_lua *vl;
  vt_params *pp;
  char err[2048];
  int rc = gmf_with("params:\n  gmf.gmf_branch.Initial.Onset%20A: 1\n  gmf.gmf_branch.Initial.Onset%2EB: 0\n"
                    "  gmf.gmf_branch.Initial.Onset%20A#2: 0\n", err, sizeof err, &ms, &vl, &pp);
  CHECK(rc == 0, "values summing to 1 are accepted (%s)", rc ? err : "");
  if (rc == 0) {
    int st = vt_module_find_state(ms.mods[0], "Initial");
    const vt_transition *tr = &ms.mods[0]->states[st].tr;
    CHECK(tr->ndists == 4 && tr->dists[0].p.v == 1 && tr->dists[1].p.v == 0 && tr->dists[2].p.v == 0,
          "the values replace the branch probabilities");
  }
  unload(&ms, vl, pp);
  static const struct { const char *text, *want1, *want2; } bad[] = {
    {"params:\n  gmf.gmf_branch.Initial.Onset%20A: 1.5\n", "gmf.gmf_branch.Initial.Onset%20A", "between 0 and 1"},
    {"params:\n  gmf.gmf_branch.Initial.Onset%20A: -0.1\n", "state 'Initial'", "between 0 and 1"},
    {"params:\n  gmf.gmf_branch.Initial.Onset%20A: high\n", "gmf.gmf_branch.Initial.Onset%20A", "is a number"},
    {"params:\n  gmf.gmf_branch.Initial.Onset%20A: 0.9\n", "state 'Initial'", "add up to 1.3"},
    {"params:\n  gmf.gmf_branch.Initial.Check: 0.9\n", "gmf.gmf_branch.Initial.Check", "1 - 0.6 = 0.4"},
    {"params:\n  gmf.gmf_branch.Check.option2.Terminal: 0.5\n", "state 'Check'", "not all constants"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    rc = gmf_with(bad[i].text, err, sizeof err, &ms, &vl, &pp);
    CHECK(rc == -1 && strstr(err, bad[i].want1) && strstr(err, bad[i].want2) && strstr(err, "gmf_branch.json:") &&
          vl && vl->param_type_error, "refused: %s", rc == -1 ? err : "(loaded)");
    unload(&ms, vl, pp);
  }
  /* the last branch given consistently with the others is accepted */
  rc = gmf_with("params:\n  gmf.gmf_branch.Initial.Check: 0.4\n", err, sizeof err, &ms, &vl, &pp);
  CHECK(rc == 0, "the last branch given as what the others leave is accepted (%s)", rc ? err : "");
  unload(&ms, vl, pp);
}

static void test_names(void) {
  char a[256], b[256];
  CHECK(vt_gmf_param_name(a, sizeof a, "m", "S", 0, "T", 1) == 0 && !strcmp(a, "gmf.m.S.T"), "plain name (%s)", a);
  vt_gmf_param_name(a, sizeof a, "m", "a.b", 0, "c", 1);
  vt_gmf_param_name(b, sizeof b, "m", "a", 0, "b.c", 1);
  CHECK(strcmp(a, b) != 0, "dots inside names cannot make two branches share a name (%s, %s)", a, b);
  vt_gmf_param_name(a, sizeof a, "m", "S", 0, "T#2", 1);
  vt_gmf_param_name(b, sizeof b, "m", "S", 0, "T", 2);
  CHECK(strcmp(a, b) != 0 && !strcmp(b, "gmf.m.S.T#2"), "a second branch to one target: #2 (%s, %s)", a, b);
  vt_gmf_param_name(a, sizeof a, "sub/dir", "x y%", 3, "T", 1);
  CHECK(!strcmp(a, "gmf.sub/dir.x%20y%25.option3.T"), "submodule path, escapes, complex option (%s)", a);
  CHECK(vt_gmf_param_name(a, 12, "module", "state", 0, "target", 1) == -1, "too small a buffer is refused");
  vt_param_list l;
  memset(&l, 0, sizeof l);
  const char *src = "x = param [[not]] y = param(\"a\", 1) z = obj.param(\"b\", 2) w = param(\n\"c\",\n 0x10)";
  int found = vt_param_scan_lua(src, strlen(src), "s.lua", "s", &l);
  CHECK(found == 2 && vt_param_list_find(&l, "a") && !vt_param_list_find(&l, "b") &&
        vt_param_list_find(&l, "c") && vt_param_list_find(&l, "c")->line == 2 && vt_param_list_find(&l, "c")->number == 16,
        "scanner: calls on other tables are not param(); lines and hex literals");
  vt_param_list_free(&l);
}

int main(void) {
  test_default_set();
  test_function_scan();
  test_gmf();
  test_gmf_values();
  test_names();
  return test_done();
}
