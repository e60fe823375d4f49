/*
** code_shape.h -- whether a code has the shape its system requires, for
** `vitae check` (issue 12; groundwork): SNOMED CT identifiers (digits, a
** partition identifier, a Verhoeff check digit), LOINC codes (digits, a
** hyphen and a mod-10 check digit), RxNorm concept ids and CVX codes
** (digits).  A shape that fits says nothing of whether the code exists.
*/
#ifndef VT_CODE_SHAPE_H
#define VT_CODE_SHAPE_H

#include <stddef.h>

/* Check code against the shape of system (vitae's names: "SNOMED-CT",
** "LOINC", "RxNorm", "CVX"; OMOP's "SNOMED" too).  0 when it fits or the
** system has no rule here; -1 with why (a short phrase: "its check digit
** should be 6") when it does not. */
int vt_code_shape(const char *system, const char *code, char *why, size_t whylen);

/* The Verhoeff check digit of the digits in s (n of them), and the LOINC
** mod-10 (Luhn) check digit of the digits in s: 0-9, or -1 when s holds
** anything but digits or is empty. */
int vt_verhoeff_digit(const char *s, size_t n);
int vt_luhn_digit(const char *s, size_t n);

#endif
