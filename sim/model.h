/*
** model.h -- the compiled form of a module: states, transitions, conditions.
**
** A module is loaded once per Lua state (lua/loader.c turns the table a
** module file returns into these structures) and is immutable afterwards.
** Everything the engine needs per weekly step is here, in C; a slot that a
** module wrote as a Lua function carries a registry reference (`fn`) that
** the engine calls through lua/bridge.h.  Strings and arrays live in the
** module's arena and are freed with it.
**
** Adding a GMF feature (a state type, a transition or condition kind) means
** adding an enum value here, a case in the loader and a case in the engine.
*/
#ifndef VT_MODEL_H
#define VT_MODEL_H

#include <stdint.h>
#include "record.h"
#include "vtime.h"

#define VT_NOFN (-2)     /* no Lua function in this slot */
#define VT_NOSTATE (-1)

/* A number that is a constant or computed by a Lua function of the patient. */
typedef struct vt_num { double v; int fn; } vt_num;

typedef enum { VT_V_NIL, VT_V_NUM, VT_V_BOOL, VT_V_STR, VT_V_ENTRY } vt_vkind;

/* An attribute value.  VT_V_ENTRY refers to a row of the patient's record
** (an `assign_to_attribute` condition, medication, care plan or allergy). */
typedef struct vt_value {
  uint8_t kind;
  union { double n; int b; const char *s; int32_t entry; } u;
} vt_value;

typedef enum {
  VT_OP_LT, VT_OP_LE, VT_OP_EQ, VT_OP_GE, VT_OP_GT, VT_OP_NE,
  VT_OP_IS_NIL, VT_OP_IS_NOT_NIL
} vt_op;

typedef enum {
  VT_C_TRUE, VT_C_FALSE, VT_C_AND, VT_C_OR, VT_C_NOT, VT_C_AT_LEAST, VT_C_AT_MOST,
  VT_C_GENDER, VT_C_AGE, VT_C_DATE, VT_C_RACE, VT_C_SES,
  VT_C_ATTRIBUTE, VT_C_SYMPTOM, VT_C_OBSERVATION, VT_C_VITAL,
  VT_C_ACTIVE_CONDITION, VT_C_ACTIVE_MEDICATION, VT_C_ACTIVE_CAREPLAN,
  VT_C_ACTIVE_ALLERGY, VT_C_PRIOR_STATE,
  VT_C_LUA,
  VT_C__COUNT
} vt_cond_kind;

typedef struct vt_cond {
  uint8_t kind;
  uint8_t op;               /* vt_op, for comparisons */
  uint32_t hash;            /* vt_key_hash(name) for attribute and vital sign lookups */
  const char *name;         /* gender, race, SES category, attribute, symptom,
                               vital sign, PriorState name, referenced_by_attribute */
  vt_value value;           /* comparison operand */
  double quantity;          /* Age quantity (years), Date year */
  int64_t unit_ms;          /* Age unit, PriorState `within` */
  vt_time date;             /* Date condition: operand as a time */
  int by_year;              /* Date condition: 0 the time, 1 the calendar year, 2 the month (1-12) */
  const vt_code *codes; int ncodes;
  int ref_state;            /* PriorState: resolved state index */
  int since_state;          /* PriorState `since`: state index or VT_NOSTATE */
  struct vt_cond *subs; int nsubs;   /* And, Or, Not (1), At Least/At Most */
  int count;                /* At Least minimum / At Most maximum */
  int fn;                   /* VT_C_LUA */
} vt_cond;

/* A GMF distribution of a number (delays, durations, values). */
typedef enum { VT_D_NONE, VT_D_EXACT, VT_D_UNIFORM, VT_D_GAUSSIAN, VT_D_EXPONENTIAL } vt_dist_kind;
typedef struct vt_dist {
  uint8_t kind;
  uint8_t round;            /* round the drawn value to an integer */
  vt_num a, b;              /* exact: a; uniform: [a,b]; gaussian: mean a sd b; exponential: mean a */
  double min, max;          /* gaussian clamp (NAN when absent) */
  int64_t unit_ms;          /* 0 for a unitless value */
} vt_dist;

typedef enum {
  VT_TR_NONE, VT_TR_DIRECT, VT_TR_DISTRIBUTED, VT_TR_CONDITIONAL, VT_TR_COMPLEX,
  VT_TR_LOOKUP, VT_TR_TYPE_OF_CARE
} vt_tr_kind;

/* type_of_care_transition targets, indexed by care type. */
enum { VT_CARE_AMBULATORY, VT_CARE_EMERGENCY, VT_CARE_TELEMEDICINE, VT_CARE__COUNT };

struct vt_lookup;   /* sim/lookup.h */

typedef struct vt_dist_opt {
  vt_num p;                 /* probability */
  const char *attr;         /* named attribute distribution, or NULL */
  int target;               /* state index */
} vt_dist_opt;

typedef struct vt_cond_opt {
  vt_cond *cond;            /* NULL: always true */
  int target;               /* conditional: state index; complex: VT_NOSTATE if dists */
  vt_dist_opt *dists; int ndists;   /* complex only */
} vt_cond_opt;

typedef struct vt_transition {
  uint8_t kind;
  int target;                          /* direct */
  vt_dist_opt *dists; int ndists;      /* distributed; lookup: targets and
                                          default probabilities (p.v) */
  vt_cond_opt *opts; int nopts;        /* conditional, complex */
  struct vt_lookup *lookup;            /* lookup: the table (owned by the module) */
  const char *lookup_file;             /* lookup: its file, for messages */
  int care[VT_CARE__COUNT];            /* type of care: target per care type, VT_NOSTATE if none */
} vt_transition;

typedef enum {
  VT_S_INITIAL, VT_S_TERMINAL, VT_S_SIMPLE, VT_S_GUARD, VT_S_DELAY,
  VT_S_SET_ATTRIBUTE, VT_S_COUNTER, VT_S_CALL_SUBMODULE,
  VT_S_ENCOUNTER, VT_S_ENCOUNTER_END,
  VT_S_CONDITION_ONSET, VT_S_CONDITION_END, VT_S_ALLERGY_ONSET, VT_S_ALLERGY_END,
  VT_S_MEDICATION_ORDER, VT_S_MEDICATION_END, VT_S_CAREPLAN_START, VT_S_CAREPLAN_END,
  VT_S_PROCEDURE, VT_S_OBSERVATION, VT_S_VITAL_SIGN, VT_S_SYMPTOM, VT_S_VACCINE,
  VT_S_DEATH,
  VT_S_MULTI_OBSERVATION, VT_S_DIAGNOSTIC_REPORT, VT_S_IMAGING_STUDY,
  VT_S_DEVICE, VT_S_DEVICE_END, VT_S_SUPPLY_LIST, VT_S_PHYSIOLOGY,
  VT_S__COUNT
} vt_state_type;

/* GMF names of the state types, indexed by vt_state_type. */
extern const char *const vt_state_type_names[VT_S__COUNT];

/* How a value-producing state (SetAttribute, Observation, VitalSign, Symptom)
** gets its value. */
typedef enum {
  VT_VAL_NONE, VT_VAL_CONST, VT_VAL_DIST, VT_VAL_ATTRIBUTE, VT_VAL_VITAL,
  VT_VAL_CODE, VT_VAL_LUA, VT_VAL_EXPR, VT_VAL_SAMPLED
} vt_val_src;

struct vt_expr;   /* sim/expr.h */

/* An ImagingStudy series: body site, modality and its instances. */
typedef struct vt_img_instance { const char *title; const vt_code *sop; } vt_img_instance;
typedef struct vt_img_series {
  const vt_code *body_site, *modality;
  vt_img_instance *instances; int ninstances;
} vt_img_series;

/* A SupplyList item. */
typedef struct vt_supply { const vt_code *code; int quantity; } vt_supply;

/* Telemedicine possibility of an Encounter. */
enum { VT_TELE_NONE, VT_TELE_POSSIBLE, VT_TELE_ALWAYS };

typedef struct vt_state {
  const char *name;
  uint8_t type;             /* vt_state_type */
  int line;                 /* source line, 0 if unknown */
  vt_transition tr;

  const vt_code *codes; int ncodes;     /* codes of the recorded entry */
  const char *target_encounter;         /* onset states: defer to that encounter */
  const char *assign_to_attribute;
  const char *reason;                   /* state name or attribute of the reason */
  int reason_state;                     /* resolved when `reason` names a state */

  /* SetAttribute, Counter, Observation, VitalSign, Symptom values */
  const char *attribute;                /* SetAttribute/Counter: the attribute set */
  const char *value_attr;               /* VT_VAL_ATTRIBUTE: the attribute read */
  const char **sampled; int nsampled;   /* VT_VAL_SAMPLED: attributes holding series data */
  uint8_t val_src;                      /* vt_val_src */
  vt_value value;                       /* VT_VAL_CONST */
  const vt_code *value_code;            /* VT_VAL_CODE */
  int fn;                               /* VT_VAL_LUA */
  struct vt_expr *expr;                 /* VT_VAL_EXPR (owned by the module) */
  const char **expr_vars;               /* VT_VAL_EXPR: its variable names */
  vt_dist dist;                         /* Delay, Death delay, Procedure duration, VT_VAL_DIST */
  const char *unit;                     /* Observation / VitalSign unit */
  const char *category;                 /* Observation category, allergy category */
  const char *vital;                    /* VitalSign name; VT_VAL_VITAL source */
  int amount;                           /* Counter step (+ increment, - decrement) */

  /* ConditionEnd, MedicationEnd, CarePlanEnd, AllergyEnd: what to end */
  const char *ref_attr;                 /* referenced_by_attribute */
  int ref_state;                        /* condition_onset / medication_order / careplan / allergy_onset */

  /* Encounter */
  const char *encounter_class;          /* "ambulatory", "emergency", "inpatient", "wellness", ... */
  int wellness;

  vt_cond *allow;                       /* Guard */

  const char *submodule;                /* CallSubmodule path, e.g. "medications/otc" */
  int submodule_index;                  /* resolved index in the module set */

  const char *symptom, *cause;          /* Symptom */
  const char *allergy_type;             /* AllergyOnset: allergy / intolerance */
  int chronic;                          /* MedicationOrder */
  int series;                           /* Vaccine */
  const vt_code *activities; int nactivities;   /* CarePlanStart */
  double probability;                   /* Symptom: chance it is felt (1 if absent) */
  uint8_t telemedicine;                 /* Encounter: VT_TELE_* */

  /* MultiObservation, DiagnosticReport: the observations recorded (each a
  ** VT_S_OBSERVATION with codes, category, unit and value) */
  struct vt_state *obs; int nobs;
  /* ImagingStudy */
  const vt_code *procedure_code;
  vt_img_series *img_series; int nimg_series;
  /* SupplyList */
  vt_supply *supplies; int nsupplies;
} vt_state;

typedef struct vt_module {
  const char *name;         /* GMF `name` */
  const char *path;         /* module path used by CallSubmodule ("medications/otc") */
  const char *file;         /* source file */
  int line;                 /* line of the module in it (module-level messages) */
  char hash[17];            /* content hash, hex */
  int index;                /* position in the module set */
  int is_submodule;
  vt_state *states; int nstates;
  int initial;              /* index of the state named "Initial" */
  struct vt_arena *arena;
  /* what the module owns besides the arena: lookup tables, expressions */
  struct vt_lookup **lookups; int nlookups;
  struct vt_expr **exprs; int nexprs;
} vt_module;

/* Find a state by name; VT_NOSTATE if absent. */
int vt_module_find_state(const vt_module *m, const char *name);
/* The states s can go to next, in transition order, into out (room for at
** most max; targets out of range are left out); their count. */
int vt_state_successors(const vt_module *m, const vt_state *s, int *out, int max);

#endif
