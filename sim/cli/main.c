/*
** main.c -- the vitae command line: dispatch to the commands.
*/
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/version.h"

int main(int argc, char **argv) {
  if (argc < 2) { fputs(vt_config_main_usage(), stderr); return VT_EXIT_USAGE; }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    fputs(vt_config_main_usage(), stdout);
    return VT_EXIT_OK;
  }
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    printf("vitae %s\n", VT_VERSION);
    return VT_EXIT_OK;
  }
  if (strcmp(cmd, "run") == 0) return vt_cmd_run(argc - 1, argv + 1);
  if (strcmp(cmd, "convert") == 0) return vt_cmd_convert(argc - 1, argv + 1);
  if (strcmp(cmd, "compat") == 0) return vt_cmd_compat(argc - 1, argv + 1);
  if (strcmp(cmd, "params") == 0) return vt_cmd_params(argc - 1, argv + 1);
  if (strcmp(cmd, "inspect") == 0) return vt_cmd_inspect(argc - 1, argv + 1);
  if (strcmp(cmd, "learn") == 0) return vt_cmd_learn(argc - 1, argv + 1);
  if (strcmp(cmd, "eval") == 0) return vt_cmd_eval(argc - 1, argv + 1);
  if (strcmp(cmd, "trace") == 0) return vt_cmd_trace(argc - 1, argv + 1);
  if (strcmp(cmd, "test") == 0) return vt_cmd_test(argc - 1, argv + 1);
  if (strcmp(cmd, "check") == 0) return vt_cmd_check(argc - 1, argv + 1);
  if (strcmp(cmd, "graph") == 0) return vt_cmd_graph(argc - 1, argv + 1);
  fprintf(stderr, "vitae: unknown command '%s'\n%s", cmd, vt_config_main_usage());
  return VT_EXIT_USAGE;
}
