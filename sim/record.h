/*
** record.h -- the rows a patient's life produces, buffered per patient.
**
** The engine appends vt_row entries to the patient's vt_record while it
** simulates; when the patient is finished the whole record is handed to the
** writer (out/writer.h), which writes patients in index order.  Row fields
** that are strings point either at immutable module data (codes, names,
** which live as long as the run) or into the record's own string arena
** (values computed at run time), so a record is self-contained.
**
** Encounters are numbered per patient from 0 (vt_row.id for encounter rows,
** vt_row.encounter for rows that belong to one); the writer turns them into
** global ids.  Care plans and allergies likewise carry a per-patient id.
*/
#ifndef VT_RECORD_H
#define VT_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "vtime.h"

/* A coded concept: code system URI or short name, code, display text. */
typedef struct vt_code {
  const char *system;   /* "SNOMED-CT", "LOINC", "RxNorm", "CVX", "DICOM-DCM", ... */
  const char *code;
  const char *display;
} vt_code;

typedef enum vt_table {
  VT_T_ENCOUNTER, VT_T_CONDITION, VT_T_MEDICATION, VT_T_OBSERVATION,
  VT_T_PROCEDURE, VT_T_IMMUNIZATION, VT_T_CAREPLAN, VT_T_ALLERGY,
  VT_T_DEVICE, VT_T_IMAGING, VT_T_SUPPLY,
  VT_T_TRACE,             /* state_trace (--trace): start = entered, stop = exited */
  VT_T__COUNT
} vt_table;

/* Table names in the native schema, indexed by vt_table. */
extern const char *const vt_table_names[VT_T__COUNT];

/* Observation value type. */
typedef enum { VT_OBS_NUMERIC, VT_OBS_TEXT } vt_obs_type;

typedef struct vt_row {
  uint8_t table;          /* vt_table */
  uint8_t value_type;     /* observations: vt_obs_type */
  int32_t id;             /* encounters, careplans: per-patient number (0-based) */
  int32_t encounter;      /* per-patient encounter number, -1 if none */
  vt_time start;          /* start / date */
  vt_time stop;           /* VT_NO_TIME while open or when not applicable */
  const vt_code *code;
  const vt_code *reason;  /* reason code (condition), may be NULL */
  double value;           /* numeric observation value; costs elsewhere */
  const char *text;       /* text value (observations), encounter class,
                             allergy type, ... see aux below */
  const char *units;      /* observation units */
  const char *category;   /* observation category, allergy category */
  const char *module;     /* provenance: module name */
  const char *state;      /* provenance: state name */
  int32_t aux;            /* immunization series, medication dispenses, ... */
} vt_row;

/* Demographic and socioeconomic fields of the patients table. */
typedef struct vt_person_row {
  int64_t index;          /* patient index in the run, 0-based */
  vt_time birth, death;   /* death VT_NO_TIME if alive at the end */
  char gender;            /* 'M' or 'F' */
  const char *race, *ethnicity;
  const char *first, *last, *prefix, *suffix, *maiden, *marital;
  const char *birthplace, *address, *city, *state, *county, *zip;
  double lat, lon;
  double income;
  const char *ses;          /* "Low", "Middle", "High" */
  const char *education;    /* "less_than_hs", "hs_degree", "some_college", "bs_degree" */
  const char *ssn, *drivers, *passport;
  const vt_code *death_cause;  /* may be NULL */
  double height_cm, weight_kg; /* at the end of the record */
  vt_time obs_start, obs_end;  /* observation window: the record holds what
                                  happened in it (default birth to death or
                                  the reference date; see sim/window.h) */
  int obs_cut;                 /* the window is less than the whole life */
} vt_person_row;

typedef struct vt_record {
  vt_person_row person;
  vt_row *rows; size_t nrows, caprows;
  int32_t nencounters, ncareplans, nimaging;   /* per-patient numbers given so far */
  /* string arena for values produced at run time; reset with the record */
  char *strs; size_t nstrs, capstrs;
  /* chunks no longer current but still referenced (arena growth) */
  char **old; size_t nold, capold;
} vt_record;

void vt_record_init(vt_record *r);
void vt_record_reset(vt_record *r);   /* keep capacity, drop content */
void vt_record_free(vt_record *r);
/* Append a zeroed row of `table` (encounter -1, stop VT_NO_TIME) and return
** its index; aborts the process on out-of-memory. */
size_t vt_record_add(vt_record *r, vt_table table);
/* Copy `s` into the record's string arena; the copy lives until reset. */
const char *vt_record_strdup(vt_record *r, const char *s);

#endif
