/* cmd_convert.c -- placeholder, being written. */
#include <stdio.h>
#include "sim/commands.h"
#include "sim/run.h"
int vt_cmd_convert(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "vitae convert: not built yet\n"); return VT_EXIT_USAGE; }
