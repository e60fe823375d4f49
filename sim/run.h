/*
** run.h -- `vitae run`: load the modules, simulate N patients on worker
** threads, write them in patient order through one writer, report.
*/
#ifndef VT_RUN_H
#define VT_RUN_H

#include <stdint.h>

#include "sim/config.h"

/* How a run ended. */
typedef enum vt_run_status {
  VT_RUN_OK = 0,
  VT_RUN_EUSAGE,     /* the configuration cannot run: no module folder, a params
                     ** file that cannot be read or whose values do not fit the
                     ** modules, a vocabulary folder that cannot be read */
  VT_RUN_EFAIL       /* a module failed to load or to run, or the output could
                     ** not be written */
} vt_run_status;

/* What vt_run reports besides its status. */
typedef struct vt_run_result {
  vt_run_status status;
  char error[4096];      /* the message, when the status is not VT_RUN_OK */
  char module[4096];     /* the file of the module the error is in (an error
                         ** while loading or simulating a module), else "" */
  int64_t stopped_at;    /* the patient whose simulation failed, or -1 */
  int output_lost;       /* the output had been opened: nothing of it was kept */
  double seconds;        /* VT_RUN_OK: the run's wall time */
} vt_run_result;

/* Run a simulation as configured; *res says how it ended (its status is
** also returned).  Progress and notes go to stderr, the summary to stdout;
** the error is left in res for the caller to print.  A fatal signal
** (SIGINT, SIGTERM, SIGHUP, SIGPIPE) removes the partial output and ends
** the process with status 128 + the signal. */
vt_run_status vt_run(const vt_config *cfg, vt_run_result *res);

/* Call handler on SIGINT, SIGTERM and SIGHUP (and SIGPIPE when sigpipe),
** for the commands that must remove what they were writing before they
** end (vitae run, vitae compat). */
void vt_run_on_signals(void (*handler)(int), int sigpipe);

/* The folder of the default module set: "modules" in the current folder if
** it has modules, else "modules" beside the executable.  NULL if neither. */
const char *vt_default_modules_dir(char *buf, size_t len);
#endif
