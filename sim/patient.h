/*
** patient.h -- the state of one patient during simulation.
**
** A vt_patient is owned by one worker thread and reused from patient to
** patient (vt_patient_reset keeps the allocations), so memory stays flat
** however many patients a run has.  It holds the demographics (in the
** record's person row), attributes, what is currently active (conditions,
** medications, care plans, allergies), symptoms, latest observations and
** vital signs, and each module's progress (the module runs).
*/
#ifndef VT_PATIENT_H
#define VT_PATIENT_H

#include <stdint.h>
#include "model.h"
#include "record.h"
#include "rng.h"
#include "vtime.h"

/* One named value (attributes, vital signs, symptoms, latest observations). */
typedef struct vt_slot { const char *key; const char *key2; vt_value v; vt_time t; uint32_t hash; } vt_slot;

/* A string-keyed table in insertion order, with a hash index; keys are not
** copied (they live in module data, in the patient's record arena or are
** literals). */
typedef struct vt_map {
  vt_slot *slots; int n, cap;
  int32_t *index; int index_cap;   /* open addressing: slot + 1 by key hash, 0 empty */
  int has_key2;                    /* some slot has a key2: lookups scan */
} vt_map;

/* An active entry: a condition, medication, care plan or allergy in effect. */
typedef struct vt_active {
  const vt_code *code;
  int32_t row;          /* index of its row in the record */
  int module;           /* module run that started it */
  int state;            /* state index that started it */
} vt_active;

typedef struct vt_actives { vt_active *items; int n, cap; } vt_actives;

enum { VT_ACT_CONDITION, VT_ACT_MEDICATION, VT_ACT_CAREPLAN, VT_ACT_ALLERGY, VT_ACT_DEVICE, VT_ACT__COUNT };

/* An onset waiting for its target_encounter. */
typedef struct vt_pending { int module; int state; } vt_pending;

/* A stack frame of a module run: the module and the state it is in. */
typedef struct vt_frame {
  const vt_module *mod;
  int state;            /* current state index */
  vt_time entered;      /* when the current state was entered */
  vt_time wake;         /* Delay: when it ends; VT_NO_TIME before computed */
  int called;           /* CallSubmodule: the submodule frame is pushed */
  int32_t trace_row;    /* --trace: its state_trace row, -1 if none */
} vt_frame;

#define VT_MAX_DEPTH 16

/* The progress of one top-level module in one patient. */
typedef struct vt_modrun {
  vt_frame stack[VT_MAX_DEPTH];
  int depth;            /* frames in use, >= 1 while running */
  int done;             /* reached Terminal of the top module */
  int32_t encounter;    /* open encounter (per-patient number), -1 if none */
  int32_t encounter_row; /* its row in the record, -1 if none */
  vt_time sleep_until;  /* skip this module until then (Delay), VT_NO_TIME if awake */
} vt_modrun;

/* Per-module-set state history: entered/exited time of every state of every
** module, indexed [module index][state index]. */
typedef struct vt_history { vt_time *entered, *exited; int *offset; int nmods, total; } vt_history;

typedef struct vt_patient {
  vt_rng rng;
  vt_record rec;          /* demographics (rec.person) and rows */
  vt_time now;            /* current simulation time */
  vt_time end;            /* reference date: simulation stops here */
  vt_time natural_death;  /* from the life table, VT_NO_TIME if none before end */
  int alive;
  vt_map attrs;           /* attributes */
  vt_map vitals;          /* vital signs by name */
  vt_map symptoms;        /* key symptom, key2 cause */
  vt_map observations;    /* latest value by code */
  vt_actives active[VT_ACT__COUNT];
  vt_pending *pending; int npending, cappending;
  vt_modrun *runs; int nruns;
  vt_history hist;
  int32_t wellness_encounter;   /* open wellness encounter during this step, -1 if none */
  int32_t *wellness_joined;     /* per module index: the wellness encounter it last
                                   joined (a module joins each visit once), -1 */
} vt_patient;

void vt_patient_init(vt_patient *p);
void vt_patient_free(vt_patient *p);
/* Drop everything about the previous patient, keep allocations. */
void vt_patient_reset(vt_patient *p);

/* Attribute and named-value maps. */
vt_slot *vt_map_get(const vt_map *m, const char *key);
/* The same with the key's hash already computed (vt_key_hash). */
vt_slot *vt_map_geth(const vt_map *m, const char *key, uint32_t hash);
uint32_t vt_key_hash(const char *key);
vt_slot *vt_map_get2(const vt_map *m, const char *key, const char *key2);
vt_slot *vt_map_put(vt_map *m, const char *key, const char *key2);
void vt_map_del(vt_map *m, const char *key);
void vt_map_clear(vt_map *m);

/* Active entries. */
void vt_actives_add(vt_actives *a, const vt_code *code, int32_t row, int module, int state);
/* Index of the first active entry with this code (by code text), or -1. */
int vt_actives_find_code(const vt_actives *a, const char *code);
/* Index of the active entry for this record row, or -1. */
int vt_actives_find_row(const vt_actives *a, int32_t row);
void vt_actives_remove(vt_actives *a, int i);

/* Age of the patient now, in years (fractional). */
double vt_patient_age(const vt_patient *p);

#endif
