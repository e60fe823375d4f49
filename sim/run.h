/*
** run.h -- `vitae run`: load the modules, simulate N patients on worker
** threads, write them in patient order through one writer, report.
*/
#ifndef VT_RUN_H
#define VT_RUN_H
#include "sim/config.h"

/* Exit statuses of vitae. */
enum { VT_EXIT_OK = 0, VT_EXIT_FAIL = 1, VT_EXIT_USAGE = 2, VT_EXIT_INTERRUPTED = 130 };

/* Run a simulation as configured.  Returns an exit status; messages go to
** stderr, the summary to stdout. */
int vt_run(const vt_config *cfg);

/* The folder of the default module set: "modules" in the current folder if
** it has modules, else "modules" beside the executable.  NULL if neither. */
const char *vt_default_modules_dir(char *buf, size_t len);
#endif
