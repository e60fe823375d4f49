/*
** config.h -- the run configuration of `vitae run`: defaults, the YAML run
** config file (schemas/config.md), the setters the command line
** (sim/cli/cmd_run.c) applies on top of it, and the effective configuration
** written back as YAML for run_info.
*/
#ifndef VT_CONFIG_H
#define VT_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "out/format.h"

#define VT_CONFIG_MAX_THREADS 256
#define VT_CONFIG_MAX_AGE     120

/* Where a value was given in the YAML run config: 1-based line and column,
** both 0 when it came from the command line (or is a default). */
typedef struct vt_config_pos { unsigned long line, col; } vt_config_pos;

typedef struct vt_config {
  int64_t population;     /* patients written, living and dead; >= 1; default 1000 */
  uint64_t seed;          /* run seed; default 1 */
  char **modules;         /* module files or folders; none = the default set */
  vt_config_pos *module_pos;  /* where each of modules[] was given */
  int nmodules;
  char *output;           /* database to write; default "output/cohort.db" */
  int threads;            /* 1..256, or 0 = one per online CPU (the default) */
  int64_t reference_date; /* ms since the epoch at 00:00 UTC; 0 = today (the caller resolves it) */
  int age_min, age_max;   /* 0 <= age_min <= age_max <= 120; default 0-100 */
  char gender;            /* 'M', 'F', or 0 for both */
  char *params_file;      /* --params FILE, or NULL */
  vt_config_pos params_pos;   /* where params_file was given */
  int quiet;              /* 1 = no progress output */
  int trace;              /* 1 = write the state_trace table */
  vt_format format;       /* VT_FORMAT_NATIVE (default) or VT_FORMAT_OMOP */
  char *vocab_dir;        /* --vocab DIR (OMOP concept ids), or NULL */
  int history_years;      /* --history-years N: keep the last N years; 0 = all */
  int observation;        /* --observation: 0 full life (default), 1 random enrolment windows */
  char *config_file;      /* --config FILE, or NULL */
  double module_time;     /* seconds of module code per patient (0 = no limit); default 5 */
} vt_config;

/* Default of module_time (lua/bridge.h VT_LUA_PATIENT_SECONDS). */
#define VT_CONFIG_MODULE_TIME 5.0

/* Fill c with the defaults (c owns no memory afterwards). */
void vt_config_defaults(vt_config *c);
/* Free the strings c owns and reset it to the defaults. */
void vt_config_free(vt_config *c);

/* Load the YAML run config `path` into c, overwriting only the keys present.
** Returns 0, or -1 with err = "FILE:LINE:COL: message" (c is then unchanged).
** The paths it names (modules, params) are not looked at here, only their
** positions recorded: vt_config_check_paths checks the ones still in effect
** once the flags are applied. */
int vt_config_load_yaml(vt_config *c, const char *path, char *err, size_t errlen);

/* The settings a flag of `vitae run` sets from one text value. */
typedef enum vt_config_key {
  VT_CFG_POPULATION, VT_CFG_SEED, VT_CFG_MODULES, VT_CFG_OUTPUT, VT_CFG_THREADS,
  VT_CFG_REFERENCE_DATE, VT_CFG_AGE, VT_CFG_GENDER, VT_CFG_PARAMS, VT_CFG_FORMAT,
  VT_CFG_VOCAB, VT_CFG_HISTORY, VT_CFG_OBSERVATION, VT_CFG_MODULE_TIME,
  VT_CFG_CONFIG_FILE
} vt_config_key;

/* Results of vt_config_set. */
enum { VT_CONFIG_OK = 0, VT_CONFIG_EVALUE = -1, VT_CONFIG_ENOMEM = -2 };

/* Set `key` of c from the text `val` as a command-line flag gives it
** (VT_CFG_MODULES appends one path; a path may not be empty).  Returns
** VT_CONFIG_OK, VT_CONFIG_EVALUE when val is not what the key accepts
** (vt_config_expect says what it does accept, *note an addition to the
** message such as " (no such day)", else ""), or VT_CONFIG_ENOMEM. */
int vt_config_set(vt_config *c, vt_config_key key, const char *val, const char **note);
/* What `key` accepts, for messages: "a positive integer", ... */
const char *vt_config_expect(vt_config_key key);

/* Deep copy of src into dst (dst uninitialised).  0, or -1 when out of
** memory (dst then owns nothing). */
int vt_config_copy(vt_config *dst, const vt_config *src);
/* Drop the module list (a -m flag replaces the config file's list). */
void vt_config_clear_modules(vt_config *c);
/* Check the module and params paths of c that came from its config file
** (those with a recorded position): they must exist and be readable,
** modules a folder or a .lua/.json file, params a file.  Returns 0, or -1
** with err = "FILE:LINE:COL: modules: 'x' does not exist" and the like.
** (Paths given by flags are checked where they are opened.) */
int vt_config_check_paths(const vt_config *c, char *err, size_t errlen);

/* Write s into out (size outlen) for an error message: control characters
** become '?', and a long value is cut with "...".  Returns out. */
const char *vt_config_show(const char *s, char *out, size_t outlen);
/* The closest of names[0..n) to s, or NULL if none is within 2 edits: the
** key or flag a typo was meant to be. */
const char *vt_config_closest(const char *s, const char *const *names, int n);

/* The effective configuration as YAML text that vt_config_load_yaml reads
** back; malloc'd, NULL when out of memory. */
char *vt_config_to_yaml(const vt_config *c);

/* Shared with params.c: read the whole file `path` and load its one YAML
** document into *doc with libyaml's document API.  Returns 0 (the caller
** deletes *doc; an empty file gives a document without a root node), or -1
** with err = "FILE:LINE:COL: message" and nothing to free.  When bytes is not
** NULL it receives the file's contents (malloc'd, caller frees) and *len their
** size. */
int vt_yaml_load_file(const char *path, yaml_document_t *doc,
                      unsigned char **bytes, size_t *len, char *err, size_t errlen);

#endif
