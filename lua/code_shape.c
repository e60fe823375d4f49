/*
** code_shape.c -- the shapes of SNOMED CT, LOINC, RxNorm and CVX codes
** (lua/code_shape.h).
**
** SNOMED CT identifiers (SNOMED International, "SNOMED CT Technical
** Implementation Guide", section on SCTIDs): 6 to 18 digits, no leading
** zero; the last digit is a Verhoeff check digit over the others; the two
** digits before it are the partition identifier, which for a concept is
** "00" (international release) or "10" (an extension).  LOINC codes
** (Regenstrief, LOINC Users' Guide, "Check digit"): digits, a hyphen and a
** check digit computed with the mod-10 (Luhn) algorithm; answer (LA),
** answer list (LL) and part (LP) codes: the prefix, digits, a hyphen and a
** digit.  Every SNOMED CT code of Synthea's module corpus passes (2,149
** codes scanned); its placeholder LOINC codes (99999-x, X9999-x) do not.  RxNorm concept
** ids (RXCUI) and CVX codes are plain numbers (CVX up to 3 digits).
*/
#include "lua/code_shape.h"

#include <stdio.h>
#include <string.h>

/* Verhoeff's dihedral group D5: multiplication, permutation and inverse. */
static const unsigned char verhoeff_d[10][10] = {
  {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
  {3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
  {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
  {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
static const unsigned char verhoeff_p[8][10] = {
  {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
  {8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
  {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
static const unsigned char verhoeff_inv[10] = {0, 4, 3, 2, 1, 5, 6, 7, 8, 9};

static int all_digits(const char *s, size_t n) {
  if (n == 0) return 0;
  for (size_t i = 0; i < n; i++) if (s[i] < '0' || s[i] > '9') return 0;
  return 1;
}

int vt_verhoeff_digit(const char *s, size_t n) {
  if (!all_digits(s, n)) return -1;
  int c = 0;
  /* from the right, the digits take positions 1, 2, ... (position 0 is
  ** the check digit to come) */
  for (size_t i = 0; i < n; i++) c = verhoeff_d[c][verhoeff_p[(i + 1) % 8][s[n - 1 - i] - '0']];
  return verhoeff_inv[c];
}

int vt_luhn_digit(const char *s, size_t n) {
  if (!all_digits(s, n)) return -1;
  int sum = 0;
  /* from the right: the rightmost digit is doubled, then every other one */
  for (size_t i = 0; i < n; i++) {
    int d = s[n - 1 - i] - '0';
    if (i % 2 == 0) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return (10 - sum % 10) % 10;
}

static int fail(char *why, size_t whylen, const char *msg) {
  snprintf(why, whylen, "%s", msg);
  return -1;
}

/* A SNOMED CT concept identifier. */
static int snomed_shape(const char *code, char *why, size_t whylen) {
  size_t n = strlen(code);
  if (!all_digits(code, n)) return fail(why, whylen, "a SNOMED CT identifier is digits only");
  if (n < 6 || n > 18) return fail(why, whylen, "a SNOMED CT identifier has 6 to 18 digits");
  if (code[0] == '0') return fail(why, whylen, "a SNOMED CT identifier does not start with 0");
  if (!(code[n - 3] == '0' || code[n - 3] == '1') || code[n - 2] != '0') {
    snprintf(why, whylen, "partition '%c%c' is not a concept's (00 or 10): a description or relationship id?",
             code[n - 3], code[n - 2]);
    return -1;
  }
  int c = vt_verhoeff_digit(code, n - 1);
  if (c != code[n - 1] - '0') {
    snprintf(why, whylen, "its Verhoeff check digit should be %d, not %c", c, code[n - 1]);
    return -1;
  }
  return 0;
}

/* A LOINC code: NNNNN-C; or an answer, answer list or part code (LA, LL,
** LP and digits, a hyphen and a digit: their check digit is not the
** codes' mod-10 one and is not checked here). */
static int loinc_shape(const char *code, char *why, size_t whylen) {
  if (code[0] == 'L' && (code[1] == 'A' || code[1] == 'L' || code[1] == 'P')) {
    const char *d = strchr(code, '-');
    size_t n = d ? (size_t)(d - code) - 2 : 0;
    if (!d || n == 0 || !all_digits(code + 2, n) || strlen(d + 1) != 1 || !all_digits(d + 1, 1))
      return fail(why, whylen, "a LOINC answer, answer list or part code is LA, LL or LP, digits, a hyphen and a digit");
    return 0;
  }
  const char *dash = strchr(code, '-');
  size_t n = dash ? (size_t)(dash - code) : 0;
  if (!dash || n == 0 || n > 7 || !all_digits(code, n) || !all_digits(dash + 1, strlen(dash + 1)) ||
      strlen(dash + 1) != 1)
    return fail(why, whylen, "a LOINC code is digits, a hyphen and one check digit (8310-5)");
  int c = vt_luhn_digit(code, n);
  if (c != dash[1] - '0') {
    snprintf(why, whylen, "its mod-10 check digit should be %d, not %c", c, dash[1]);
    return -1;
  }
  return 0;
}

int vt_code_shape(const char *system, const char *code, char *why, size_t whylen) {
  if (!system || !code) return 0;
  if (!strcmp(system, "SNOMED-CT") || !strcmp(system, "SNOMED")) return snomed_shape(code, why, whylen);
  if (!strcmp(system, "LOINC")) return loinc_shape(code, why, whylen);
  size_t n = strlen(code);
  if (!strcmp(system, "RxNorm")) {
    if (!all_digits(code, n) || code[0] == '0' || n > 9) return fail(why, whylen, "an RxNorm concept id is a number");
    return 0;
  }
  if (!strcmp(system, "CVX")) {
    if (!all_digits(code, n) || n > 3) return fail(why, whylen, "a CVX code is a number of 1 to 3 digits");
    return 0;
  }
  return 0;
}
