/*
** expr.h -- the `expression` of GMF SetAttribute, VitalSign and Observation
** states: a small numeric subset of CQL with #{name} references, compiled
** once to a compact postfix program and evaluated per patient.
**
** Synthea (helpers/ExpressionProcessor.java) wraps the text in a CQL library,
** turns each #{name} into a Decimal parameter (the name trimmed, blanks made
** '_') and runs it through the CQL engine.  This subset covers what numeric
** GMF expressions use, with CQL's grammar and precedence (lowest first):
**
**   implies;  or xor;  and;  = != ~ !~;  < <= > >=;  not;
**   + -;  * / div mod;  ^ (left-associative, as in CQL);  unary + -;
**   primaries: numbers (12, 2.5; no exponent form), #{name}, true, false,
**   ( ... ), if C then A else B, case when C then A ... else B end, and the
**   CQL functions Abs Ceiling Floor Truncate Round(x[, digits]) Ln Exp
**   Log(x, base) Power(x, y) and Min Max Sum Avg over a list {a, b, ...}.
**
** `/` always divides as decimals (25 / 2 = 12.5); `div` truncates the
** quotient, `mod` keeps the dividend's sign; Round rounds halves up (toward
** +infinity, as the CQL engine does: Round(-1.5) = -1).  `and`, `or`,
** `implies`, `if` and `case` evaluate only what they need.  Names are
** case-sensitive (CQL).  Values are doubles: CQL's 8-digit Decimal rounding
** is not reproduced.  Where CQL would give null (division by zero, Ln of 0,
** ...) evaluation fails with an error instead.
**
** Resolving #{name} is the caller's job.  Synthea (getPersonValue) tries, in
** order: "age" = the age in decimal years; a vital sign (vt_vital_resolve:
** its display name in any case, e.g. "Left ventricular Ejection fraction",
** or its enum constant, e.g. "LVEF"); a patient attribute holding a number
** (a boolean counts 1 or 0); anything else is an error.
*/
#ifndef VT_EXPR_H
#define VT_EXPR_H

#include <stddef.h>

typedef struct vt_expr vt_expr;

/* Result types, as CQL would type the expression. */
enum { VT_EXPR_INTEGER = 0, VT_EXPR_DECIMAL = 1, VT_EXPR_BOOLEAN = 2 };

/* Compile `src`.  Returns the program (one malloc'd block, freed with
** vt_expr_free), or NULL with err "column N: message" on a syntax or type
** error (N counts characters from 1). */
vt_expr *vt_expr_compile(const char *src, char *err, size_t errlen);

/* The distinct #{name} references, in order of first appearance, trimmed. */
int vt_expr_nvars(const vt_expr *x);
const char *vt_expr_var_name(const vt_expr *x, int i);

/* Type of the result: VT_EXPR_INTEGER (integer literals and integer-valued
** operations only; Synthea would store an Integer), VT_EXPR_DECIMAL, or
** VT_EXPR_BOOLEAN (the value is then 1 or 0). */
int vt_expr_type(const vt_expr *x);

/* Evaluate with vars[i] the value of variable i (NAN when the patient has
** none; only the variables actually reached need values).  Returns 0 with
** *out set, or -1 with err "column N: message": a variable without a value
** ("#{name} has no value"), division by zero, a result that is not a finite
** number. */
int vt_expr_eval(const vt_expr *x, const double *vars, double *out, char *err, size_t errlen);

void vt_expr_free(vt_expr *x);

/* Synthea's vital sign enum constant (world/concepts/VitalSign.java, e.g.
** "LVEF", "SYSTOLIC_BLOOD_PRESSURE"; exact case) to its display name ("Left
** ventricular Ejection fraction", "Systolic Blood Pressure"), or NULL. */
const char *vt_vital_display_name(const char *enum_name);

/* VitalSign.fromString: a display name in any case, else an enum constant
** in exact case; returns the display name, or NULL if `name` is no vital
** sign. */
const char *vt_vital_resolve(const char *name);

#endif
