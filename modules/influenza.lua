-- Seasonal influenza: a chance each season, lower after a flu shot; a
-- visit for some, admission for a few (mostly older adults), and deaths.
--
-- Sources
--  [1] Tokars JI, Olsen SJ, Reed C. Seasonal incidence of symptomatic
--      influenza in the United States. Clin Infect Dis 2018;66:1511-1518:
--      about 8% of the population has symptomatic influenza each season
--      (9.3% of children, 8.8% of adults 18-64, 3.9% of adults 65 and over).
--  [2] CDC. Estimated flu-related illnesses, medical visits,
--      hospitalizations, and deaths in the United States - 2019-2020 flu
--      season: about 35 million illnesses, 16 million medical visits,
--      380,000 hospitalizations and 20,000 deaths, most of the deaths in
--      adults 65 and over.
--  [3] CDC. Vaccine effectiveness studies (US Flu VE Network): influenza
--      vaccination reduces the risk of illness by about 40-60% in seasons
--      when the vaccine matches the circulating viruses.
--
-- The immunizations module sets attribute "flu_vaccine_year" when it gives
-- a flu shot; a shot in this or the previous calendar year protects.

local INFLUENZA   = snomed(6142004, "Influenza (disorder)")
local PROBLEM     = snomed(185347001, "Encounter for problem (procedure)")
local ADMISSION   = snomed(32485007, "Hospital admission (procedure)")
local POSITIVE    = snomed(10828004, "Positive (qualifier value)")
local FLU_A_TEST  = loinc("80382-5", "Influenza virus A Ag [Presence] in Upper respiratory specimen by Rapid immunoassay")
local ACETAMINOPHEN = rxnorm(198440, "acetaminophen 500 MG Oral Tablet")

local attack = by_age {                 -- symptomatic influenza per season [1]
  { 0.5, param("influenza.attack.children", 0.093) },
  { 18, param("influenza.attack.18_64", 0.088) },
  { 65, param("influenza.attack.65_plus", 0.039) },
}
local VACCINE_PROTECTION = param("influenza.vaccine_effectiveness", 0.4)   -- [3]

local function season_risk(p)
  local r = attack(p)
  local shot = p:attr("flu_vaccine_year")
  if type(shot) == "number" and p.year - shot <= 1 then r = r * (1 - VACCINE_PROTECTION) end
  return r
end

local SEEKS_CARE  = param("influenza.medical_visit", 0.45)          -- [2]: 16 of 35 million
local admitted = by_age {                                          -- admissions per visit, [2]
  { 0, param("influenza.admitted.under_50", 0.008) },
  { 50, param("influenza.admitted.50_64", 0.03) },
  { 65, param("influenza.admitted.65_plus", 0.10) },
}
local death_in_hospital = by_age {
  { 0, param("influenza.death.admitted.under_65", 0.02) },
  { 65, param("influenza.death.admitted.65_plus", 0.08) },
}

return module "Influenza" {
  Initial         = delay { months(6), next = "Season" },
  Season          = delay { years(1), next = "Check" },
  Check           = simple { chance(season_risk, "Fever", "Season") },

  -- fever, aches and cough for a week
  Fever           = symptom { "Fever", severity = range(40, 90), next = "Cough" },
  Cough           = symptom { "Cough", severity = range(30, 70), next = "Care" },
  Care            = simple { chance(SEEKS_CARE, "Visit", "Home_Recovery") },
  Home_Recovery   = delay { days(5, 10), next = "Recovered" },

  Visit           = encounter { "ambulatory", PROBLEM, next = "Test" },
  Test            = observation { FLU_A_TEST, value_code = POSITIVE, category = "laboratory", next = "Diagnosis" },
  Diagnosis       = condition_onset { INFLUENZA, next = "Severity" },
  Severity        = simple { chance(admitted, "Visit_End_Admit", "Symptomatic") },
  Symptomatic     = simple { when { { age_at_least(12), "Acetaminophen" }, otherwise = "Visit_End" } },
  Acetaminophen   = medication_order { ACETAMINOPHEN, reason = "Diagnosis", next = "Visit_End" },
  Visit_End       = encounter_end { next = "Illness" },
  Illness         = delay { days(5, 10), next = "Treatment_End" },
  Treatment_End   = simple { when { { has_medication(ACETAMINOPHEN), "Stop_Acetaminophen" }, otherwise = "Resolved" } },
  Stop_Acetaminophen = medication_end { "Acetaminophen", next = "Resolved" },
  Resolved        = condition_end { "Diagnosis", next = "Recovered" },

  -- severe illness: admitted to hospital [2]
  Visit_End_Admit = encounter_end { next = "Admission" },
  Admission       = encounter { "inpatient", ADMISSION, reason = "Diagnosis", next = "Outcome" },
  Outcome         = simple { chance(death_in_hospital, "Death", "Discharge") },
  Discharge       = encounter_end { next = "Convalescence" },
  Convalescence   = delay { days(3, 14), next = "Resolved" },

  Recovered       = symptom { "Fever", severity = exactly(0), next = "Cough_Gone" },
  Cough_Gone      = symptom { "Cough", severity = exactly(0), next = "Season" },

  Death           = death { cause = "Diagnosis", next = "Terminal" },
  Terminal        = terminal {},
}
