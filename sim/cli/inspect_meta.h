/*
** inspect_meta.h -- what `vitae inspect` reads from a source besides its
** patient-level view: every table (or CSV file) with its row count, and
** what the source says about itself (vitae's run_info and module_states,
** OMOP's CDM version and concept table).  SQLite sources are opened
** read-only (never modified); tables are counted with COUNT(*), CSV files
** by counting their records (vt_csv_count_rest).
*/
#ifndef VT_INSPECT_META_H
#define VT_INSPECT_META_H

#include <stddef.h>
#include <stdint.h>

/* A table (or CSV file) and its rows; rows -1 and err when it cannot be
** counted (a virtual table whose module is missing). */
typedef struct vt_table_count { char *name, *file; int64_t rows; char *err; } vt_table_count;

/* One module of vitae's module_states: its states, those some patient
** entered, and the patients who entered it. */
typedef struct vt_module_count { char *module, *path; int64_t states, visited, patients; } vt_module_count;

/* One encounter class of vitae's encounters: its rows and patients. */
typedef struct vt_class_count { char *name; int64_t rows, patients; } vt_class_count;

typedef struct vt_inspect_meta {
  vt_table_count *tables;        /* the main tables first (see inspect_meta.c) */
  size_t ntables;
  int64_t total_rows;
  char **run_info;               /* vitae: key, value, key, value... */
  size_t nrun_info;              /* pairs */
  char *cdm_version, *cdm_from;  /* OMOP: "5.3" and how it was told; NULL unknown */
  int concept_table;             /* OMOP: 1 if there is a concept table */
  int64_t concepts;              /* its rows */
  int has_modules;               /* vitae: a module_states table was summarized */
  vt_module_count *modules;
  size_t nmodules;
  int64_t states, visited;
  int64_t whole_life;            /* vitae: observation_periods.whole_life windows, -1 unknown */
  vt_class_count *classes;       /* vitae: encounters by class, most rows first */
  size_t nclasses;
  int64_t encounters;            /* their rows */
} vt_inspect_meta;

/* Read the meta of the source of kind ("omop", "omop-csv", "synthea-csv",
** "vitae", "events") at path into m (zeroed first).  0, or -1 with err
** ("FILE: message", "FILE:LINE: message" for CSV). */
int vt_inspect_meta_read(vt_inspect_meta *m, const char *kind, const char *path, char *err, size_t errlen);
void vt_inspect_meta_free(vt_inspect_meta *m);

#endif
