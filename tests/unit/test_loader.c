/*
** test_loader.c -- unit tests of the module loader (lua/loader.c): a bad
** module is refused with a message that names the file, the state, the
** field and (when the state carries `line`) the line, so that a module
** author can fix it without reading C.
**
** Each bad module is written to tests/tmp/loader/ at run time, loaded with
** vt_engine_new, and the message is checked for the expected pieces.  Run
** from the repository root.
*/
#include "sim/engine.h"
#include "sim/vtime.h"
#include "test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TMP "tests/tmp/loader/"

static int mkdirs(const char *path) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *s = buf + 1; *s; s++)
    if (*s == '/') {
      *s = 0;
      if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
      *s = '/';
    }
  return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* Write text to path; 0 or -1. */
static int write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t n = strlen(text);
  int ok = fwrite(text, 1, n, f) == n;
  return fclose(f) == 0 && ok ? 0 : -1;
}

/* Load the modules `paths` into a new engine; on failure copy the message
** to err and return 0, on success free the engine and return 1. */
static int try_load(char *const *paths, int n, char *err, size_t errlen) {
  vt_sim_opts o = { 1, vt_time_from_date(2020, 1, 1), 30, 30, 0, 0, { 0, 0 }, 0 };
  err[0] = 0;
  vt_engine *e = vt_engine_new(&o, paths, n, NULL, NULL, err, errlen);
  if (!e) return 0;
  vt_engine_free(e);
  return 1;
}

/* Write module `src` as TMP name.lua, load it, and check that loading
** fails with a message containing the file's path and every piece of the
** NULL-terminated list. */
static void expect_error(const char *what, const char *name, const char *src, const char *const *pieces) {
  char path[256], err[2048];
  snprintf(path, sizeof path, TMP "%s.lua", name);
  if (write_file(path, src) != 0) { CHECK(0, "%s: cannot write %s", what, path); return; }
  char *paths[1] = { path };
  int loaded = try_load(paths, 1, err, sizeof err);
  CHECK(!loaded, "%s: refused", what);
  int ok = strstr(err, path) != NULL;
  const char *missing = ok ? NULL : path;
  for (const char *const *p = pieces; ok && *p; p++)
    if (!strstr(err, *p)) { ok = 0; missing = *p; }
  CHECK(ok, "%s: message names the file and [%s] (missing '%s'; got: %s)", what, pieces[0] ? pieces[0] : "",
        missing ? missing : "", err);
}

/* Write module `src` as TMP name.lua and check that it loads. */
static void expect_loads(const char *what, const char *name, const char *src, const char *unused) {
  char path[256], err[2048];
  (void)unused;
  snprintf(path, sizeof path, TMP "%s.lua", name);
  if (write_file(path, src) != 0) { CHECK(0, "%s: cannot write %s", what, path); return; }
  char *paths[1] = { path };
  CHECK(try_load(paths, 1, err, sizeof err), "%s: loads (%s)", what, err);
}

#define PIECES(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_state_errors(void) {
  expect_error("missing Initial", "no_initial",
    "return { name = 'NoInitial', states = {\n"
    "  Start = { type = 'Initial', direct_transition = 'Terminal' },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("'Initial'", "NoInitial"));

  expect_error("Initial that is Terminal", "initial_terminal",
    "return { name = 'InitialTerminal', states = {\n"
    "  Initial = { type = 'Terminal', line = 2 },\n"
    "  Other = { type = 'Terminal', line = 3 },\n"
    "} }\n",
    PIECES("initial_terminal.lua:2:", "state 'Initial'", "Terminal"));

  expect_error("transition to a missing state", "missing_target",
    "return { name = 'MissingTarget', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Nowhere', line = 2 },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("missing_target.lua:2:", "state 'Initial'", "direct_transition", "'Nowhere'"));

  expect_error("distributed transition to a missing state", "missing_dist_target",
    "return { name = 'MissingDistTarget', states = {\n"
    "  Initial = { type = 'Initial', line = 2, distributed_transition = {\n"
    "    { distribution = 0.5, transition = 'Terminal' }, { distribution = 0.5, transition = 'Elsewhere' } } },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("missing_dist_target.lua:2:", "state 'Initial'", "transition", "'Elsewhere'"));

  expect_error("unknown state type", "unknown_type",
    "return { name = 'UnknownType', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Odd' },\n"
    "  Odd = { type = 'Bogus', direct_transition = 'Terminal', line = 3 },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("unknown_type.lua:3:", "state 'Odd'", "state type", "'Bogus'"));

  expect_error("state without type", "no_type",
    "return { name = 'NoType', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Odd' },\n"
    "  Odd = { direct_transition = 'Terminal', line = 3 },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("no_type.lua:3:", "state 'Odd'", "'type'"));

  expect_error("unknown condition_type", "unknown_condition",
    "return { name = 'UnknownCondition', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Guard', line = 3,\n"
    "           allow = { condition_type = 'Weather', operator = '==', value = 'rain' },\n"
    "           direct_transition = 'Terminal' },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("unknown_condition.lua:3:", "state 'Wait'", "condition_type", "'Weather'"));

  expect_error("unknown condition_type nested in And", "unknown_nested_condition",
    "return { name = 'UnknownNested', states = {\n"
    "  Initial = { type = 'Initial', line = 2, conditional_transition = {\n"
    "    { condition = { condition_type = 'And', conditions = { { condition_type = 'True' },\n"
    "        { condition_type = 'Moon Phase' } } }, transition = 'Terminal' },\n"
    "    { transition = 'Terminal' } } },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("unknown_nested_condition.lua:2:", "state 'Initial'", "'Moon Phase'"));

  expect_error("codes not a table", "codes_string",
    "return { name = 'CodesString', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Onset' },\n"
    "  Onset = { type = 'ConditionOnset', codes = '44054006', direct_transition = 'Terminal', line = 3 },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("codes_string.lua:3:", "state 'Onset'", "'codes'"));

  expect_error("a code without code", "code_without_code",
    "return { name = 'CodeWithoutCode', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Onset' },\n"
    "  Onset = { type = 'ConditionOnset', codes = { { system = 'SNOMED-CT', display = 'x' } },\n"
    "            direct_transition = 'Terminal', line = 3 },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("code_without_code.lua:3:", "state 'Onset'", "codes[1]", "'code'"));

  expect_error("a number field given a string", "amount_string",
    "return { name = 'AmountString', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Count' },\n"
    "  Count = { type = 'Counter', attribute = 'n', action = 'increment', amount = 'two',\n"
    "            direct_transition = 'Terminal', line = 3 },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("amount_string.lua:3:", "state 'Count'", "'amount'", "number"));

  expect_error("a required field missing", "no_attribute",
    "return { name = 'NoAttribute', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Set' },\n"
    "  Set = { type = 'SetAttribute', value = 1, direct_transition = 'Terminal', line = 3 },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("no_attribute.lua:3:", "state 'Set'", "'attribute'", "required"));

  expect_error("two transitions", "two_transitions",
    "return { name = 'TwoTransitions', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Terminal', line = 2,\n"
    "              distributed_transition = { { distribution = 1, transition = 'Terminal' } } },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("two_transitions.lua:2:", "state 'Initial'", "more than one transition"));

  expect_error("non-Terminal state without transition", "no_transition",
    "return { name = 'NoTransition', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Stuck' },\n"
    "  Stuck = { type = 'Simple', line = 3 },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("no_transition.lua:3:", "state 'Stuck'", "no transition"));

  expect_error("Terminal with a transition", "terminal_transition",
    "return { name = 'TerminalTransition', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Terminal' },\n"
    "  Terminal = { type = 'Terminal', direct_transition = 'Initial', line = 3 },\n"
    "} }\n",
    PIECES("terminal_transition.lua:3:", "state 'Terminal'", "transition"));

  expect_loads("probabilities over 1 (cumulative, as in Synthea)", "over_one",
    "return { name = 'OverOne', states = {\n"
    "  Initial = { type = 'Initial', line = 2, distributed_transition = {\n"
    "    { distribution = 0.6, transition = 'A' }, { distribution = 0.6, transition = 'Terminal' } } },\n"
    "  A = { type = 'Simple', direct_transition = 'Terminal' },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    NULL);

  expect_error("a probability outside [0, 1]", "negative_probability",
    "return { name = 'NegativeProbability', states = {\n"
    "  Initial = { type = 'Initial', line = 2, distributed_transition = {\n"
    "    { distribution = -0.1, transition = 'Terminal' } } },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("negative_probability.lua:2:", "state 'Initial'", "-0.1"));

  expect_error("unknown time unit in a Delay", "unknown_unit",
    "return { name = 'UnknownUnit', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Delay', exact = { quantity = 1, unit = 'fortnights' }, direct_transition = 'Terminal',\n"
    "           line = 3 },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("unknown_unit.lua:3:", "state 'Wait'", "unit", "'fortnights'"));

  expect_error("Delay without unit", "no_unit",
    "return { name = 'NoUnit', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Delay', exact = { quantity = 1 }, direct_transition = 'Terminal', line = 3 },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("no_unit.lua:3:", "state 'Wait'", "unit"));

  expect_error("unknown time unit in an Age condition", "unknown_age_unit",
    "return { name = 'UnknownAgeUnit', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Guard', line = 3, direct_transition = 'Terminal',\n"
    "           allow = { condition_type = 'Age', operator = '>=', quantity = 18, unit = 'decades' } },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("unknown_age_unit.lua:3:", "state 'Wait'", "unit", "'decades'"));

  expect_error("unknown operator", "unknown_operator",
    "return { name = 'UnknownOperator', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Guard', line = 3, direct_transition = 'Terminal',\n"
    "           allow = { condition_type = 'Age', operator = '=<', quantity = 18, unit = 'years' } },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("unknown_operator.lua:3:", "state 'Wait'", "operator", "'=<'"));

  expect_error("PriorState naming a missing state", "prior_missing",
    "return { name = 'PriorMissing', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Guard', line = 3, direct_transition = 'Terminal',\n"
    "           allow = { condition_type = 'PriorState', name = 'Ghost' } },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("prior_missing.lua:3:", "state 'Wait'", "'Ghost'"));

  expect_error("ConditionEnd naming a missing state", "end_missing",
    "return { name = 'EndMissing', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Cure' },\n"
    "  Cure = { type = 'ConditionEnd', condition_onset = 'Ghost', direct_transition = 'Terminal', line = 3 },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("end_missing.lua:3:", "state 'Cure'", "condition_onset", "'Ghost'"));

  expect_loads("range low above high (drawn between the two, as in Synthea)", "range_reversed",
    "return { name = 'RangeReversed', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Delay', range = { low = 9, high = 2, unit = 'days' }, direct_transition = 'Terminal',\n"
    "           line = 3 },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    NULL);

  expect_error("unknown distribution kind", "unknown_distribution",
    "return { name = 'UnknownDistribution', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Wait' },\n"
    "  Wait = { type = 'Delay', distribution = { kind = 'POISSON', parameters = { mean = 3 } }, unit = 'days',\n"
    "           direct_transition = 'Terminal', line = 3 },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("unknown_distribution.lua:3:", "state 'Wait'", "'POISSON'"));

  expect_error("Encounter without class", "encounter_no_class",
    "return { name = 'EncounterNoClass', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Visit' },\n"
    "  Visit = { type = 'Encounter', codes = { { system = 'SNOMED-CT', code = '1', display = 'x' } },\n"
    "            direct_transition = 'Terminal', line = 3 },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("encounter_no_class.lua:3:", "state 'Visit'", "encounter_class"));

  expect_error("a state without line still names file and state", "no_line",
    "return { name = 'NoLine', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Nowhere' },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("state 'Initial'", "'Nowhere'"));
}

static void test_module_errors(void) {
  expect_error("a module returning a non-table", "non_table", "return 42\n", PIECES("table", "number"));

  expect_error("a module returning nothing", "returns_nothing", "local x = 1\n", PIECES("table"));

  expect_error("a module without name", "no_name",
    "return { states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Terminal' },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("'name'"));

  expect_error("a module without states", "no_states", "return { name = 'NoStates' }\n", PIECES("states"));

  expect_error("a syntax error", "syntax",
    "return { name = 'Syntax', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Terminal' },\n"
    "  Terminal = { type = 'Terminal' }\n"
    "  Oops = { type = 'Simple' },\n"
    "} }\n",
    PIECES("syntax.lua:4:"));

  expect_error("an error raised while loading", "raises",
    "local x = nil\n"
    "local y = x.field\n"
    "return { name = 'Raises', states = {} }\n",
    PIECES("raises.lua:2:"));

  expect_error("a submodule that is not found", "submodule_missing",
    "return { name = 'SubmoduleMissing', states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Call' },\n"
    "  Call = { type = 'CallSubmodule', submodule = 'nope/missing', direct_transition = 'Terminal', line = 3 },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n",
    PIECES("submodule_missing.lua:3:", "state 'Call'", "'nope/missing'", "not found"));

  /* a module written with the prelude's helpers gets its line from them */
  expect_error("a prelude module with a missing target", "prelude_missing_target",
    "return module 'PreludeMissing' {\n"
    "  Initial = initial { next = 'Nowhere' },\n"
    "  Terminal = terminal {},\n"
    "}\n",
    PIECES("Initial", "Nowhere", "2"));

  /* two modules with one name */
  char a[] = TMP "dup/a.lua", b[] = TMP "dup/b.lua", err[2048];
  const char *src = "return { name = 'Same', states = {\n"
                    "  Initial = { type = 'Initial', direct_transition = 'Terminal' },\n"
                    "  Terminal = { type = 'Terminal' },\n"
                    "} }\n";
  if (mkdirs(TMP "dup") != 0 || write_file(a, src) != 0 || write_file(b, src) != 0) {
    CHECK(0, "duplicate module name: cannot write the modules");
  } else {
    char *paths[2] = { a, b };
    int loaded = try_load(paths, 2, err, sizeof err);
    CHECK(!loaded, "duplicate module name: refused");
    CHECK(strstr(err, "'Same'") && strstr(err, "dup/a.lua") && strstr(err, "dup/b.lua"),
          "duplicate module name: message names the name and both files (%s)", err);
    char dir[] = TMP "dup";
    char *dpaths[1] = { dir };
    loaded = try_load(dpaths, 1, err, sizeof err);
    CHECK(!loaded && strstr(err, "'Same'"), "duplicate module name in one folder: refused (%s)", err);
  }

  /* paths that are not modules */
  char none[] = TMP "no_such_module.lua";
  char *p1[1] = { none };
  CHECK(!try_load(p1, 1, err, sizeof err) && strstr(err, "no_such_module.lua"), "a missing file: refused (%s)", err);
  char txt[] = TMP "notes.txt";
  write_file(txt, "hello\n");
  char *p2[1] = { txt };
  CHECK(!try_load(p2, 1, err, sizeof err) && strstr(err, "notes.txt"), "a file that is not .lua: refused (%s)", err);
  char empty[] = TMP "empty_dir";
  mkdirs(empty);
  char *p3[1] = { empty };
  CHECK(!try_load(p3, 1, err, sizeof err) && strstr(err, "empty_dir"), "a folder without modules: refused (%s)", err);
}

/* A good module loads, and its compiled form is what the table says. */
static void test_good_module(void) {
  char path[] = TMP "good.lua", err[2048];
  const char *src =
    "return { name = 'Good', remarks = { 'ignored' }, states = {\n"
    "  Initial = { type = 'Initial', direct_transition = 'Onset' },\n"
    "  Onset = { type = 'ConditionOnset', codes = { { system = 'SNOMED-CT', code = 44054006, display = 'Diabetes' } },\n"
    "            direct_transition = 'Terminal', line = 3 },\n"
    "  Terminal = { type = 'Terminal' },\n"
    "} }\n";
  if (write_file(path, src) != 0) { CHECK(0, "good module: cannot write it"); return; }
  char *paths[1] = { path };
  vt_sim_opts o = { 1, vt_time_from_date(2020, 1, 1), 30, 30, 0, 0, { 0, 0 }, 0 };
  vt_engine *e = vt_engine_new(&o, paths, 1, NULL, NULL, err, sizeof err);
  CHECK(e != NULL, "good module: loads (%s)", e ? "" : err);
  if (!e) return;
  const vt_module *m = e->ms.mods[0];
  CHECK(e->ms.n == 1 && strcmp(m->name, "Good") == 0 && strcmp(m->path, "good") == 0, "good module: name and path");
  CHECK(m->nstates == 3 && strcmp(m->states[m->initial].name, "Initial") == 0, "good module: three states");
  int s = vt_module_find_state(m, "Onset");
  CHECK(s != VT_NOSTATE && m->states[s].line == 3 && m->states[s].type == VT_S_CONDITION_ONSET,
        "good module: state type and line");
  CHECK(s != VT_NOSTATE && m->states[s].ncodes == 1 && strcmp(m->states[s].codes[0].code, "44054006") == 0,
        "good module: a numeric code is stored as text");
  CHECK(strlen(m->hash) == 16, "good module: content hash");
  vt_engine_free(e);

  /* the state named Initial starts the module whatever its type */
  char path2[] = TMP "initial_simple.lua";
  const char *src2 = "return { name = 'InitialSimple', states = {\n"
                     "  Initial = { type = 'Simple', direct_transition = 'Terminal' },\n"
                     "  Terminal = { type = 'Terminal' },\n"
                     "} }\n";
  char *paths2[1] = { path2 };
  CHECK(write_file(path2, src2) == 0 && try_load(paths2, 1, err, sizeof err),
        "a state named Initial of type Simple is accepted (%s)", err);
}

int main(void) {
  if (mkdirs(TMP) != 0) { printf("not ok - cannot create %s\n", TMP); return 1; }
  test_state_errors();
  test_module_errors();
  test_good_module();
  return test_done();
}
