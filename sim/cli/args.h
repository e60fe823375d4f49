/*
** args.h -- what the commands of sim/cli/ share to read their options and
** to write their output files: numbers checked whole, option spellings
** ("--name V", "--name=V", "-n V"), and files written atomically (a
** temporary file beside the target, synced, renamed; removed on failure
** or on a signal), so that an interrupted or failed command never leaves
** a file that looks complete.
*/
#ifndef VT_CLI_ARGS_H
#define VT_CLI_ARGS_H

#include <stdio.h>

/* s as a finite double, all of it: 0 and *out, or -1. */
int vt_arg_double(const char *s, double *out);
/* s as a whole number in [lo, hi], all of it: 0 and *out, or -1. */
int vt_arg_int(const char *s, long long lo, long long hi, long long *out);
/* Does s look like an option rather than a value ("-5" and "-.5" do not)? */
int vt_arg_is_flag(const char *s);
/* Is a the option shortf (may be NULL) or longf, alone or as "longf=V"?
** *val gets the attached value or NULL. */
int vt_arg_is_opt(const char *a, const char *shortf, const char *longf, const char **val);
/* The value of the option at argv[*i]: the attached val, or the next
** argument (advancing *i).  NULL with "vitae CMD: NAME: missing value"
** printed when there is none. */
const char *vt_arg_take(const char *cmd, int argc, char **argv, int *i, const char *name, const char *val);
/* An output path must be a regular file or not exist, in a writable folder
** that exists: checked before any work.  0, or -1 with "vitae CMD: ..."
** printed. */
int vt_arg_check_output(const char *cmd, const char *path);

/* Write path atomically with write(f, ud) (0 on success): at most
** VT_ATOMIC_MAX files can be in flight at once; a signal removes them all.
** 0, or -1 with "vitae CMD: writing PATH: reason; nothing written" printed
** (the temporary file removed, path untouched). */
#define VT_ATOMIC_MAX 4
int vt_atomic_write(const char *cmd, const char *path, int (*write)(FILE *f, void *ud), void *ud);

/* The same in two steps, for several files that appear together or not at
** all: prepare writes and syncs the temporary file (a slot >= 0, or -1 with
** the message printed, nothing left); commit renames it into place (0, or
** -1 with the message, the temporary removed); abort removes it. */
int vt_atomic_prepare(const char *cmd, const char *path, int (*write)(FILE *f, void *ud), void *ud);
int vt_atomic_commit(const char *cmd, const char *path, int slot);
void vt_atomic_abort(int slot);

#endif
