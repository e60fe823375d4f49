/* cmd_compat.c -- placeholder, being written. */
#include <stdio.h>
#include "sim/commands.h"
#include "sim/run.h"
int vt_cmd_compat(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "vitae compat: not built yet\n"); return VT_EXIT_USAGE; }
