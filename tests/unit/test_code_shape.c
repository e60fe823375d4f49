/*
** test_code_shape.c -- the code shapes `vitae check` will hold module codes
** to (lua/code_shape.c): real SNOMED CT, LOINC, RxNorm and CVX codes pass;
** a changed check digit, a description id, a leading zero, letters and a
** LOINC code without its hyphen are refused with the reason.
*/
#include <string.h>

#include "lua/code_shape.h"
#include "test.h"

static int shape_ok(const char *system, const char *code) {
  char why[128];
  return vt_code_shape(system, code, why, sizeof why) == 0;
}

int main(void) {
  /* SNOMED CT: diabetes mellitus type 2, hypertension, asthma, otitis media,
  ** encounter for symptom, a 10-digit and an extension-style id */
  static const char *const snomed[] = {"44054006", "38341003", "195967001", "65363002", "185345009",
                                       "73211009", "399068003", "1121000119107", "714628002"};
  for (size_t i = 0; i < sizeof snomed / sizeof snomed[0]; i++)
    CHECK(shape_ok("SNOMED-CT", snomed[i]), "SNOMED CT %s fits", snomed[i]);
  CHECK(shape_ok("SNOMED", "44054006"), "OMOP's vocabulary name SNOMED is checked the same");
  char why[128];
  CHECK(vt_code_shape("SNOMED-CT", "44054007", why, sizeof why) == -1 && strstr(why, "should be 6"),
        "a wrong check digit is refused, naming the right one (%s)", why);
  CHECK(vt_code_shape("SNOMED-CT", "44054016", why, sizeof why) == -1 && strstr(why, "partition"),
        "a description id's partition is refused (%s)", why);
  CHECK(!shape_ok("SNOMED-CT", "04405400"), "a leading zero is refused");
  CHECK(!shape_ok("SNOMED-CT", "4405a006"), "letters are refused");
  CHECK(!shape_ok("SNOMED-CT", "12345"), "fewer than 6 digits are refused");
  /* LOINC: body temperature, body weight, heart rate, hemoglobin A1c */
  static const char *const loinc[] = {"8310-5", "29463-7", "8867-4", "4548-4", "2339-0", "72166-2"};
  for (size_t i = 0; i < sizeof loinc / sizeof loinc[0]; i++)
    CHECK(shape_ok("LOINC", loinc[i]), "LOINC %s fits", loinc[i]);
  CHECK(vt_code_shape("LOINC", "8310-4", why, sizeof why) == -1 && strstr(why, "should be 5"),
        "a wrong LOINC check digit is refused, naming the right one (%s)", why);
  CHECK(!shape_ok("LOINC", "83105"), "a LOINC code without its hyphen is refused");
  CHECK(shape_ok("LOINC", "LA13038-7") && shape_ok("LOINC", "LP7839-6"), "LOINC answer and part codes fit");
  CHECK(!shape_ok("LOINC", "LA1303A-7"), "an answer code with a letter in its number is refused");
  CHECK(!shape_ok("LOINC", "99999-0") && !shape_ok("LOINC", "X9999-1"),
        "Synthea's placeholder LOINC codes (99999-0, X9999-1) are refused");
  CHECK(!shape_ok("LOINC", "8310-55"), "two check digits are refused");
  /* RxNorm and CVX */
  CHECK(shape_ok("RxNorm", "308182"), "RxNorm 308182 fits");
  CHECK(!shape_ok("RxNorm", "30818x"), "an RxNorm id with a letter is refused");
  CHECK(shape_ok("CVX", "140") && shape_ok("CVX", "08"), "CVX 140 and 08 fit");
  CHECK(!shape_ok("CVX", "1400"), "a 4-digit CVX code is refused");
  CHECK(shape_ok("NUBC", "anything"), "a system without a rule here passes");
  CHECK(vt_verhoeff_digit("4405400", 7) == 6 && vt_luhn_digit("8310", 4) == 5, "the check digits by hand");
  CHECK(vt_verhoeff_digit("", 0) == -1 && vt_luhn_digit("8a", 2) == -1, "no digits, no check digit");
  return test_done();
}
