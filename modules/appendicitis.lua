-- Appendicitis: once in a lifetime for some, mostly in the teens and
-- twenties; emergency department, appendectomy, and rare deaths.
--
-- Sources
--  [1] Addiss DG et al. The epidemiology of appendicitis and appendectomy in
--      the United States. Am J Epidemiol 1990;132:910-925: lifetime risk
--      8.6% (males) and 6.7% (females); highest incidence at 10-19 years
--      (23.3 per 10,000 a year), lower with every decade after.
--  [2] Livingston EH et al. Disconnect between incidence of nonperforated and
--      perforated appendicitis. Ann Surg 2007;245:886-892: perforated
--      appendicitis makes up roughly a quarter of cases in US discharge data.
--  [3] Lin KB et al. Epidemiology of appendicitis and appendectomy for the
--      low-income population in Taiwan, 2003-2011. BMC Gastroenterol
--      2015;15:18: case fatality of appendectomy about 0.12%.
--
-- The age bands below spread the lifetime risk over ages in line with the
-- age-specific incidence of [1].

local APPENDICITIS = snomed(74400008, "Appendicitis (disorder)")
local RUPTURE      = snomed(47693006, "Rupture of appendix (disorder)")
local EMERGENCY    = snomed(50849002, "Emergency room admission (procedure)")
local ADMISSION    = snomed(32485007, "Hospital admission (procedure)")
local APPENDECTOMY = snomed(80146002, "Excision of appendix (procedure)")
local POSTOP_CARE  = snomed(133899007, "Postoperative care (regime/therapy)")
local WOUND_CARE   = snomed(225358003, "Wound care (regime/therapy)")
local WBC          = loinc("6690-2", "Leukocytes [#/volume] in Blood by Automated count")
local ACETAMINOPHEN = rxnorm(198440, "acetaminophen 500 MG Oral Tablet")

local RISK = { M = param("appendicitis.lifetime.male", 0.086), F = param("appendicitis.lifetime.female", 0.067) }  -- [1]
local PERFORATED = param("appendicitis.perforated", 0.25)                                                      -- [2]
local DEATH = { plain = param("appendicitis.death.nonperforated", 0.0005),
                perforated = param("appendicitis.death.perforated", 0.003) }                                   -- [3]

return module "Appendicitis" {
  Initial        = simple { chance(function(p) return RISK[p.gender] end, "Onset_Age", "Terminal") },
  Onset_Age      = simple { pick { { 0.06, "Ages_2_9" }, { 0.40, "Ages_10_19" }, { 0.28, "Ages_20_34" },
                                   { 0.16, "Ages_35_54" }, { 0.10, "Ages_55_85" } } },
  Ages_2_9       = delay { years(2, 10), next = "Pain" },
  Ages_10_19     = delay { years(10, 20), next = "Pain" },
  Ages_20_34     = delay { years(20, 35), next = "Pain" },
  Ages_35_54     = delay { years(35, 55), next = "Pain" },
  Ages_55_85     = delay { years(55, 85), next = "Pain" },

  -- pain moving to the right lower abdomen, fever, nausea
  Pain           = symptom { "Abdominal Pain", severity = range(50, 100), next = "Fever" },
  Fever          = symptom { "Fever", severity = range(30, 70), next = "Nausea" },
  Nausea         = symptom { "Nausea", severity = range(20, 60), next = "Emergency" },
  Emergency      = encounter { "emergency", EMERGENCY, next = "White_Cells" },
  White_Cells    = observation { WBC, range(11, 18), unit = "10*3/uL", category = "laboratory", next = "Diagnosis" },
  Diagnosis      = condition_onset { APPENDICITIS, next = "Perforation" },
  Perforation    = simple { chance(PERFORATED, "Rupture", "Admission") },
  Rupture        = condition_onset { RUPTURE, next = "Admission" },

  -- surgery the same day
  Admission      = encounter { "inpatient", ADMISSION, reason = "Diagnosis", next = "Surgery" },
  Surgery        = procedure { APPENDECTOMY, reason = "Diagnosis", duration = minutes(40, 90), next = "Outcome" },
  Outcome        = simple { when {
                     { prior_state("Rupture"), chance(DEATH.perforated, "Death", "Postoperative") },
                     otherwise = chance(DEATH.plain, "Death", "Postoperative") } },
  Postoperative  = careplan_start { POSTOP_CARE, activities = { WOUND_CARE }, reason = "Diagnosis", next = "Pain_Relief" },
  Pain_Relief    = medication_order { ACETAMINOPHEN, reason = "Diagnosis", next = "Discharge" },
  Discharge      = encounter_end { next = "Recovery" },

  -- recovered in one to three weeks
  Recovery       = delay { days(7, 21), next = "Pain_Relief_End" },
  Pain_Relief_End = medication_end { "Pain_Relief", next = "Cured" },
  Cured          = condition_end { "Diagnosis", next = "Rupture_Check" },
  Rupture_Check  = simple { when { { prior_state("Rupture"), "Rupture_Healed" }, otherwise = "Care_End" } },
  Rupture_Healed = condition_end { "Rupture", next = "Care_End" },
  Care_End       = careplan_end { "Postoperative", next = "Pain_Gone" },
  Pain_Gone      = symptom { "Abdominal Pain", severity = exactly(0), next = "Terminal" },

  Death          = death { cause = "Diagnosis", next = "Terminal" },
  Terminal       = terminal {},
}
