-- Urinary tract infection: cystitis in women (and, less often, men),
-- diagnosed by urinalysis and treated with a short antibiotic course;
-- recurrences; occasional pyelonephritis.
--
-- Sources
--  [1] Foxman B. Epidemiology of urinary tract infections: incidence,
--      morbidity, and economic costs. Am J Med 2002;113(Suppl 1A):5S-13S:
--      about 11% of women report a physician-diagnosed UTI each year and more
--      than half have one in their lifetime; about a quarter have a
--      recurrence within 6 months; UTIs are much rarer in men.
--  [2] Gupta K et al. International clinical practice guidelines for the
--      treatment of acute uncomplicated cystitis and pyelonephritis in women.
--      Clin Infect Dis 2011;52:e103-e120 (IDSA/ESCMID): nitrofurantoin for 5
--      days or trimethoprim-sulfamethoxazole for 3 days; a fluoroquinolone
--      for pyelonephritis, with a urine culture.

local UTI          = snomed(68566005, "Urinary tract infectious disease (disorder)")
local CYSTITIS     = snomed(307426000, "Acute infective cystitis (disorder)")
local PYELONEPHRITIS = snomed(45816000, "Pyelonephritis (disorder)")
local PROBLEM      = snomed(185347001, "Encounter for problem (procedure)")
local URINE_CULTURE = snomed(117010004, "Urine culture (procedure)")
local POSITIVE     = snomed(10828004, "Positive (qualifier value)")
local LEUKOCYTE_ESTERASE = loinc("5799-2", "Leukocyte esterase [Presence] in Urine by Test strip")
local NITRITE      = loinc("5802-4", "Nitrite [Presence] in Urine by Test strip")
local NITROFURANTOIN = rxnorm(1648755, "nitrofurantoin, macrocrystals 25 MG / nitrofurantoin, monohydrate 75 MG Oral Capsule")
local TMP_SMX      = rxnorm(198335, "sulfamethoxazole 800 MG / trimethoprim 160 MG Oral Tablet")
local CIPROFLOXACIN = rxnorm(197511, "ciprofloxacin 250 MG Oral Tablet")

local women = by_age {                  -- yearly chance of a diagnosed UTI [1]
  { 15, param("uti.yearly.female.15_24", 0.12) },
  { 25, param("uti.yearly.female.25_54", 0.08) },
  { 55, param("uti.yearly.female.55_plus", 0.09) },
}
local men = by_age {
  { 15, param("uti.yearly.male.15_54", 0.005) },
  { 55, param("uti.yearly.male.55_plus", 0.02) },
}
local function yearly(p) return p.gender == "F" and women(p) or men(p) end

local RECURRENCE     = param("uti.recurrence.6_months", 0.25)      -- [1]
local PYELONEPHRITIS_SHARE = param("uti.pyelonephritis", 0.02)

return module "Urinary Tract Infection" {
  Initial         = delay { years(15), next = "Year" },
  Year            = delay { months(6, 18), next = "Check" },
  Check           = simple { chance(yearly, "Burning", "Year") },

  -- burning and frequency; a dipstick in the office
  Burning         = symptom { "Dysuria", severity = range(30, 80), next = "Visit" },
  Visit           = encounter { "ambulatory", PROBLEM, next = "Leukocytes" },
  Leukocytes      = observation { LEUKOCYTE_ESTERASE, value_code = POSITIVE, category = "laboratory", next = "Nitrite" },
  Nitrite         = observation { NITRITE, value_code = POSITIVE, category = "laboratory", next = "Infection" },
  Infection       = condition_onset { UTI, next = "Where" },
  Where           = simple { chance(PYELONEPHRITIS_SHARE, "Pyelonephritis", "Cystitis") },

  -- cystitis: a short course [2]
  Cystitis        = condition_onset { CYSTITIS, next = "Antibiotic" },
  Antibiotic      = simple { pick { { 0.6, "Nitrofurantoin" }, { 0.4, "TMP_SMX" } } },
  Nitrofurantoin  = medication_order { NITROFURANTOIN, reason = "Cystitis", next = "Visit_End" },
  TMP_SMX         = medication_order { TMP_SMX, reason = "Cystitis", next = "Visit_End" },

  -- pyelonephritis: culture and a fluoroquinolone [2]
  Pyelonephritis  = condition_onset { PYELONEPHRITIS, next = "Culture" },
  Culture         = procedure { URINE_CULTURE, reason = "Pyelonephritis", next = "Ciprofloxacin" },
  Ciprofloxacin   = medication_order { CIPROFLOXACIN, reason = "Pyelonephritis", next = "Visit_End" },
  Visit_End       = encounter_end { next = "Course" },

  Course          = delay { days(5, 10), next = "Antibiotic_End" },
  Antibiotic_End  = simple { when {
                      { has_medication(NITROFURANTOIN), "Stop_Nitrofurantoin" },
                      { has_medication(TMP_SMX), "Stop_TMP_SMX" },
                      { has_medication(CIPROFLOXACIN), "Stop_Ciprofloxacin" },
                      otherwise = "Cured" } },
  Stop_Nitrofurantoin = medication_end { NITROFURANTOIN, next = "Cured" },
  Stop_TMP_SMX    = medication_end { TMP_SMX, next = "Cured" },
  Stop_Ciprofloxacin = medication_end { CIPROFLOXACIN, next = "Cured" },
  Cured           = condition_end { "Infection", next = "Site_Cured" },
  Site_Cured      = simple { when { { prior_state("Pyelonephritis", { since = "Infection" }), "Pyelonephritis_Cured" },
                                    otherwise = "Cystitis_Cured" } },
  Pyelonephritis_Cured = condition_end { "Pyelonephritis", next = "Symptom_Gone" },
  Cystitis_Cured  = condition_end { "Cystitis", next = "Symptom_Gone" },
  Symptom_Gone    = symptom { "Dysuria", severity = exactly(0), next = "Recurrence_Wait" },

  -- a quarter come back within six months [1]
  Recurrence_Wait = delay { months(1, 6), next = "Recurrence" },
  Recurrence      = simple { chance(RECURRENCE, "Burning", "Year") },
}
