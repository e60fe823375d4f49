/*
** cli.h -- the vitae command line (sim/cli/): the process exit statuses and
** the subcommands sim/cli/main.c dispatches to.  Each subcommand takes the
** arguments after `vitae` (argv[0] is the command name) and returns an exit
** status.  The simulator and the writers know nothing of these: they return
** result codes, which the commands here map to exit statuses.
*/
#ifndef VT_CLI_H
#define VT_CLI_H

#include <stddef.h>

#include "sim/config.h"

/* Exit statuses of vitae. */
enum { VT_EXIT_OK = 0, VT_EXIT_FAIL = 1, VT_EXIT_USAGE = 2, VT_EXIT_INTERRUPTED = 130 };

/* vitae run [options]: simulate a cohort (sim/run.h). */
int vt_cmd_run(int argc, char **argv);
/* vitae convert FILE.json|DIR [-o DIR]: GMF JSON modules to Lua. */
int vt_cmd_convert(int argc, char **argv);
/* vitae compat PATH [-p N] [-s SEED]: load and run a module corpus, report per module. */
int vt_cmd_compat(int argc, char **argv);
/* vitae inspect PATH [--top N] [--json]: table counts and top codes of a cohort (native or OMOP). */
int vt_cmd_inspect(int argc, char **argv);
/* vitae params [-m] PATH... [--json]: list the params the modules declare. */
int vt_cmd_params(int argc, char **argv);

/* vitae learn --from SRC --epsilon E -o FILE [...]: fit the lifecycle and
** module params to an EHR source with differential privacy (docs/learn.md). */
int vt_cmd_learn(int argc, char **argv);
/* vitae eval --synth SRC (--real SRC [--holdout SRC] | --against FILE) -o FILE:
** the fidelity, utility, privacy and sanity report of a cohort (docs/eval.md). */
int vt_cmd_eval(int argc, char **argv);
/* vitae trace [run options] --patient N [--json]: one patient's timeline (docs/trace.md). */
int vt_cmd_trace(int argc, char **argv);
/* vitae test FILE.lua|DIR...: module tests in Lua run by the engine (sim/modtest.h). */
int vt_cmd_test(int argc, char **argv);
/* vitae check PATH... [-q] [--json]: static checks of modules (docs/check.md). */
int vt_cmd_check(int argc, char **argv);

/* vitae graph MODULE [-o OUT.dot|OUT.svg] [--cohort DB]: a module as a Graphviz graph (docs/graph.md). */
int vt_cmd_graph(int argc, char **argv);

/* Parse the arguments of `vitae run` (argv[0] is "run") into c: load
** --config FILE first, then apply every flag on top.  The module and params
** paths that come from the config file (not replaced by a flag) must exist
** and be readable (vt_config_check_paths).  Returns 0, 1 if --help was asked
** (c unchanged), or -1 with a message in err (c unchanged). */
int vt_config_parse_run(vt_config *c, int argc, char **argv, char *err, size_t errlen);

/* Help texts of `vitae run` and of `vitae` itself. */
const char *vt_config_run_usage(void);
const char *vt_config_main_usage(void);

#endif
