/*
** test_check.c -- `vitae check`'s analyses (lua/check.c) and the loader's
** check mode on small module tables, and the suggestion helper
** (sim/suggest.c).
*/
#include <stdlib.h>
#include <sys/stat.h>

#include "test.h"
#include "lua/check.h"
#include "sim/suggest.h"

#define TMP "tests/tmp/check_unit/"

static int write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fputs(text, f);
  return fclose(f);
}

/* Check Lua module `src` (written as TMP name.lua) into ck: 0 or -1. */
static int run(vt_check *ck, const char *name, const char *src) {
  char path[256], err[1024];
  snprintf(path, sizeof path, TMP "%s.lua", name);
  if (write_file(path, src) != 0) return -1;
  char *paths[1] = { path };
  return vt_check_paths(ck, paths, 1, err, sizeof err);
}

/* The message at (line, severity) holding `piece`: 1 if there is one. */
static int has(const vt_check *ck, int line, int warning, const char *piece) {
  for (int i = 0; i < ck->n; i++)
    if (ck->msgs[i].line == line && ck->msgs[i].warning == warning && strstr(ck->msgs[i].text, piece)) return 1;
  return 0;
}

static void show(const vt_check *ck) {
  for (int i = 0; i < ck->n; i++)
    printf("#   %s:%d: %s: %s\n", ck->msgs[i].file, ck->msgs[i].line, ck->msgs[i].warning ? "warning" : "error",
           ck->msgs[i].text);
}

int main(void) {
  mkdir("tests/tmp", 0777);
  mkdir(TMP, 0777);
  vt_check ck;
  int e, w;

  /* suggestions */
  static const char *const names[] = { "Treatment", "Terminal", "Initial" };
  CHECK(vt_edit_distance("Treatmnet", "Treatment") == 2, "edit distance of a transposition is 2");
  CHECK(vt_edit_distance("abc", "ABC") == 0, "edit distance ignores case");
  CHECK_STR(vt_suggest_closest("Treatmnet", names, 3), "Treatment", "Treatmnet -> Treatment");
  CHECK(vt_suggest_closest("Elsewhere", names, 3) == NULL, "no suggestion beyond 2 edits");

  /* every state's error, not only the first; the graph checks are left
  ** out when a state is broken */
  CHECK(run(&ck, "many", "return { name = 'Many', states = {\n"
                         "  Initial = { type = 'Initial', line = 2, direct_transition = 'Frist' },\n"
                         "  First = { type = 'Delay', line = 3, direct_transition = 'Terminal' },\n"
                         "  Lost = { type = 'Simple', line = 4, direct_transition = 'Terminal' },\n"
                         "  Terminal = { type = 'Terminal', line = 5 },\n"
                         "} }\n") == 0, "many: checked");
  vt_check_counts(&ck, &e, &w);
  CHECK(e == 2 && w == 0, "many: two errors, no warning (got %d, %d)", e, w);
  CHECK(has(&ck, 2, 0, "state 'Initial': direct_transition 'Frist' is not a state of this module (did you mean 'First'?)"),
        "many: the target with a suggestion");
  CHECK(has(&ck, 3, 0, "state 'First': a Delay needs"), "many: the second state's error too");
  CHECK(ck.nmods == 1 && ck.mods[0]->states[vt_module_find_state(ck.mods[0], "First")].type == VT_S__COUNT,
        "many: the broken state is marked, the module kept");
  if (e != 2) show(&ck);
  vt_check_free(&ck);

  /* unknown fields: an error with a suggestion from the keys read there;
  ** documentation keys never */
  CHECK(run(&ck, "fields", "return { name = 'Fields', states = {\n"
                           "  Initial = { type = 'Initial', line = 2, remarks = { 'x' }, direct_transition = 'T',\n"
                           "              codes = { { system = 'SNOMED-CT', code = '44054006', dispaly = 'x' } } },\n"
                           "  T = { type = 'Terminal', line = 4, colour = 'red' },\n"
                           "} }\n") == 0, "fields: checked");
  CHECK(has(&ck, 4, 0, "field 'colour' is not used by a Terminal state"), "fields: colour is an error");
  CHECK(has(&ck, 2, 0, "field 'codes[1].dispaly' is not used by an Initial state (did you mean 'display'?)"),
        "fields: a nested key with its suggestion");
  vt_check_counts(&ck, &e, &w);
  CHECK(e == 2 && w == 0, "fields: remarks is not reported (%d errors, %d warnings)", e, w);
  if (e != 2) show(&ck);
  vt_check_free(&ck);

  /* reachability, loops, probabilities on a compiled module */
  CHECK(run(&ck, "graph", "return { name = 'Graph', states = {\n"
                          "  Initial = { type = 'Initial', line = 2, distributed_transition = {\n"
                          "    { distribution = 0.25, transition = 'A' }, { distribution = 0.25, transition = 'T' } } },\n"
                          "  A = { type = 'Simple', line = 4, direct_transition = 'B' },\n"
                          "  B = { type = 'Simple', line = 5, direct_transition = 'A' },\n"
                          "  Island = { type = 'Delay', line = 6, exact = { quantity = 1, unit = 'days' }, direct_transition = 'T' },\n"
                          "  T = { type = 'Terminal', line = 7 },\n"
                          "} }\n") == 0, "graph: checked");
  CHECK(has(&ck, 4, 0, "loop of states that let no time pass and have no way out ('A', 'B')"), "graph: the spin");
  CHECK(has(&ck, 6, 1, "state 'Island': cannot be reached from Initial"), "graph: the unreachable state");
  CHECK(has(&ck, 2, 1, "add up to 0.5, under 1: the last option ('T') takes the 0.5 left"), "graph: the sum under 1");
  vt_check_counts(&ck, &e, &w);
  CHECK(e == 1 && w == 2, "graph: 1 error, 2 warnings (got %d, %d)", e, w);
  if (e != 1 || w != 2) show(&ck);
  vt_check_free(&ck);

  /* a loop with a Delay on it lets time pass: nothing to say */
  CHECK(run(&ck, "waits", "return { name = 'Waits', states = {\n"
                          "  Initial = { type = 'Initial', line = 2, direct_transition = 'A' },\n"
                          "  A = { type = 'Simple', line = 3, direct_transition = 'W' },\n"
                          "  W = { type = 'Delay', line = 4, exact = { quantity = 1, unit = 'years' }, direct_transition = 'A' },\n"
                          "} }\n") == 0 && ck.n == 0, "waits: a loop through a Delay is fine");
  vt_check_free(&ck);

  /* usage: a path that does not exist */
  char err[512];
  char *missing[1] = { TMP "no_such.lua" };
  CHECK(vt_check_paths(&ck, missing, 1, err, sizeof err) == -1 && strstr(err, "no_such.lua"),
        "a missing path is refused (%s)", err);
  return test_done();
}
