/*
** lookup.h -- the CSV tables behind a GMF lookup_table_transition.
**
** A lookup_table_transition is a list of options {transition,
** default_probability, lookup_table_name}, all naming one CSV file in the
** lookup_tables/ folder beside the modules.  Its last N columns (N = number
** of options) are the transition targets, each named exactly after one
** option's transition; the columns before them are keys: patient attributes
** compared as strings, or the two range columns "age" and "time" holding
** "low-high" (inclusive both ends).  Semantics follow Synthea's
** Transition.LookupTableTransition (engine/Transition.java) and its tests
** (LookupTableTransitionTest.java, lookuptable_*.json test modules):
**
**  - key vs probability columns: by position, the last N are probabilities;
**    a probability column named after no option, or an option with no
**    column, is an error (Synthea: "CSV column state name ... does not match
**    a JSON state to transition to");
**  - "age" and "time" (any case) are range columns: "lo-hi" split at the
**    first '-', both sides non-empty whole numbers ("-50" is an error, as in
**    Synthea), "50-0" means 0..50 (Range.between orders its bounds);
**  - the age compared is the patient's age in completed years
**    (Person.ageInYears), the time is the simulation time in milliseconds
**    since 1970-01-01T00:00Z (Synthea's `long time`, vitae's vt_time);
**  - other keys compare exactly, case-sensitively (String.equals) with the
**    patient's attribute of the lowercased column name, its value written as
**    text: a number as Java prints an integer ("0", "2"), a boolean as
**    "true"/"false";
**  - several matching rows: the first in file order wins (what Java's
**    HashMap does for the corpus's boundary overlaps such as "46-65" and
**    "65-103"); an exact repeat of an earlier row's key replaces that row's
**    probabilities, as Java's HashMap.put does;
**  - no matching row: the caller draws from the options' default_probability;
**  - a row whose probabilities do not sum to 1: Synthea walks the columns in
**    file order with one uniform draw, the leftover going to the last column
**    and anything past 1 being lost; vt_lookup_match returns the effective
**    probabilities of that walk, which sum to 1;
**  - CSV: comma-separated, fields may be "quoted" with "" for a quote, \n or
**    \r\n line ends, a leading UTF-8 byte order mark is skipped (Synthea
**    strips it too), blank lines are skipped; every row has as many fields
**    as the header.
*/
#ifndef VT_LOOKUP_H
#define VT_LOOKUP_H

#include <stddef.h>
#include <stdint.h>

typedef struct vt_lookup vt_lookup;

/* Value of a range key the patient does not have (for vt_lookup_match). */
#define VT_LOOKUP_NONE INT64_MIN

/* Kinds of key column. */
enum { VT_LOOKUP_STRING = 0, VT_LOOKUP_AGE = 1, VT_LOOKUP_TIME = 2 };

/* Load the lookup table CSV at `path` whose probability columns are
** `targets` (the transition names of the options, in option order; no two
** alike).  Returns the table, or NULL with err "PATH:LINE: message" (a
** missing or unreadable file, a target with no column, a row with the wrong
** number of fields, a bad probability or range, a duplicate column name). */
vt_lookup *vt_lookup_load(const char *path, const char *const *targets, int ntargets,
                          char *err, size_t errlen);

/* Number of key columns, and the name of key column k (0-based, in file
** order): lowercased, as Synthea looks the attribute up.  "age" and "time"
** are the range keys. */
int vt_lookup_nkeys(const vt_lookup *t);
const char *vt_lookup_key_name(const vt_lookup *t, int k);
/* Kind of key column k: VT_LOOKUP_STRING, VT_LOOKUP_AGE or VT_LOOKUP_TIME. */
int vt_lookup_key_kind(const vt_lookup *t, int k);
/* 1 if key column k is a range column (age or time), else 0. */
int vt_lookup_key_is_range(const vt_lookup *t, int k);
/* Number of data rows read (repeats included). */
int vt_lookup_nrows(const vt_lookup *t);

/* Find the row matching a patient.  For each key column k, nums[k] is the
** value of a range column (age: completed years; time: milliseconds since
** the epoch; VT_LOOKUP_NONE if unknown) and strs[k] the value of a string
** column (NULL if the patient has no such attribute); the other entry of
** each pair is ignored (either array may be NULL when the table has no key
** of that sort).  Returns 1 and fills probs[ntargets], in target order, with
** the effective probabilities of the first matching row; 0 if no row
** matches (use the default probabilities); -1 if a key value is missing
** (Synthea stops with an error: the attribute "does not exist as one of
** this person's attributes").  Cost: one hash of the string keys, then a
** binary search over the range boundaries of that group of rows. */
int vt_lookup_match(const vt_lookup *t, const int64_t *nums, const char *const *strs,
                    double *probs);

void vt_lookup_free(vt_lookup *t);

#endif
