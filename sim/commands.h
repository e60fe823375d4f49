/*
** commands.h -- the vitae subcommands other than `run` (sim/main.c
** dispatches to them).  Each takes the arguments after the command name
** (argv[0] is the command name) and returns a process exit code
** (VT_EXIT_* in sim/run.h).
*/
#ifndef VT_COMMANDS_H
#define VT_COMMANDS_H

/* vitae convert FILE.json|DIR [-o DIR]: GMF JSON modules to Lua. */
int vt_cmd_convert(int argc, char **argv);
/* vitae compat PATH [-p N] [-s SEED]: load and run a module corpus, report per module. */
int vt_cmd_compat(int argc, char **argv);
/* vitae inspect PATH [--top N] [--json]: table counts and top codes of a cohort (native or OMOP). */
int vt_cmd_inspect(int argc, char **argv);

#endif
