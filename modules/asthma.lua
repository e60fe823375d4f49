-- Asthma: childhood or adult onset, diagnosis with spirometry, reliever and
-- controller inhalers, attacks treated in the office or the emergency
-- department, remission of childhood asthma, and rare deaths.
--
-- Sources
--  [1] CDC. Most recent national asthma data (NHIS 2021): current asthma in
--      6.5% of children and 8.0% of adults; boys more than girls in
--      childhood, women more than men in adulthood; about 40% of people with
--      current asthma had an attack in the past year; 3,517 asthma deaths in
--      2021, mostly in adults.
--  [2] Global Initiative for Asthma (GINA). Global Strategy for Asthma
--      Management and Prevention, 2023 update: reliever for all; daily
--      inhaled corticosteroid for persistent asthma; oral corticosteroid burst
--      for attacks; written self-management plan.
--  [3] Sears MR et al. A longitudinal, population-based, cohort study of
--      childhood asthma followed to adulthood. N Engl J Med 2003;349:1414-1422:
--      about half of children with wheeze are in remission by early adulthood,
--      and many relapse.
--
-- Onset probabilities are chosen so that current asthma prevalence follows
-- [1]: most childhood asthma starts before 6.

local ASTHMA         = snomed(195967001, "Asthma (disorder)")
local CHILD_ASTHMA   = snomed(233678006, "Childhood asthma (disorder)")
local PROBLEM        = snomed(185347001, "Encounter for problem (procedure)")
local FOLLOW_UP      = snomed(390906007, "Follow-up encounter (procedure)")
local ASTHMA_ADMISSION = snomed(183478001, "Emergency hospital admission for asthma (procedure)")
local SPIROMETRY     = snomed(127783003, "Spirometry (procedure)")
local SELF_MANAGEMENT = snomed(699728000, "Asthma self management (regime/therapy)")
local BREATHING      = snomed(229298005, "Breathing control (regime/therapy)")
local FEV1_FVC       = loinc("19926-5", "FEV1/FVC")
local ALBUTEROL      = rxnorm(745679, "200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler")
local FLUTICASONE    = rxnorm(895994, "120 ACTUAT fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler")
local PREDNISONE     = rxnorm(312617, "prednisone 5 MG Oral Tablet")

local CHILD_ONSET = { M = param("asthma.childhood.male", 0.12), F = param("asthma.childhood.female", 0.085) }
local ADULT_ONSET = { F = param("asthma.adult_onset.female", 0.0012),   -- yearly, adults without asthma
                      M = param("asthma.adult_onset.male", 0.0006) }
local function adult_onset(p) return ADULT_ONSET[p.gender] end

local PERSISTENT   = param("asthma.persistent", 0.5)      -- needs a daily controller [2]
local REMISSION    = param("asthma.childhood.remission", 0.6)  -- [3]
local ATTACK       = param("asthma.attack.yearly", 0.40)   -- [1]
local SEVERE       = param("asthma.attack.emergency", 0.15)
local DEATH_SEVERE = by_age { { 0, param("asthma.death.severe.under_65", 0.0008) },
                              { 65, param("asthma.death.severe.65_plus", 0.006) } }

return module "Asthma" {
  Initial          = simple { chance(function(p) return CHILD_ONSET[p.gender] end, "Child_Onset_Age", "Adult") },

  -- childhood asthma: most begins before school age
  Child_Onset_Age  = simple { pick { { 0.65, "Ages_2_5" }, { 0.35, "Ages_6_12" } } },
  Ages_2_5         = delay { years(2, 6), next = "Child_Wheeze" },
  Ages_6_12        = delay { years(6, 13), next = "Child_Wheeze" },
  Child_Wheeze     = symptom { "Wheezing", severity = range(30, 70), next = "Child_Visit" },
  Child_Visit      = encounter { "ambulatory", PROBLEM, next = "Child_Spirometry" },
  Child_Spirometry = procedure { SPIROMETRY, duration = minutes(15, 30), next = "Child_FEV1" },
  Child_FEV1       = observation { FEV1_FVC, range(60, 79), unit = units.percent, category = "procedure", next = "Childhood_Asthma" },
  Childhood_Asthma = condition_onset { CHILD_ASTHMA, next = "Child_Plan" },
  Child_Plan       = careplan_start { SELF_MANAGEMENT, activities = { BREATHING }, reason = "Childhood_Asthma", next = "Child_Reliever" },
  Child_Reliever   = medication_order { ALBUTEROL, reason = "Childhood_Asthma", chronic = true, next = "Child_Controller" },
  Child_Controller = simple { chance(PERSISTENT, "Child_ICS", "Child_Visit_End") },
  Child_ICS        = medication_order { FLUTICASONE, reason = "Childhood_Asthma", chronic = true, next = "Child_Visit_End" },
  Child_Visit_End  = encounter_end { next = "Asthma_Year" },

  -- by the late teens about half are in remission [3]
  Remission_Check  = simple { chance(REMISSION, "Remission_Visit", "Continues") },
  Remission_Visit  = encounter { "ambulatory", FOLLOW_UP, reason = "Childhood_Asthma", next = "Child_Asthma_End" },
  Child_Asthma_End = condition_end { "Childhood_Asthma", next = "Reliever_End" },
  Reliever_End     = medication_end { ALBUTEROL, next = "Controller_End" },
  Controller_End   = simple { when { { has_medication(FLUTICASONE), "Stop_ICS" }, otherwise = "Plan_End" } },
  Stop_ICS         = medication_end { FLUTICASONE, next = "Plan_End" },
  Plan_End         = careplan_end { "Child_Plan", next = "Remission_Visit_End" },
  Remission_Visit_End = encounter_end { next = "Adult" },
  Continues        = simple { next = "Asthma_Year" },

  -- adult-onset asthma, checked once a year from 18
  Adult            = guard { age_at_least(18), next = "Adult_Check" },
  Adult_Check      = simple { chance(adult_onset, "Adult_Wheeze", "Adult_Next_Year") },
  Adult_Next_Year  = delay { years(1), next = "Adult_Check" },
  Adult_Wheeze     = symptom { "Wheezing", severity = range(30, 70), next = "Adult_Visit" },
  Adult_Visit      = encounter { "ambulatory", PROBLEM, next = "Adult_Spirometry" },
  Adult_Spirometry = procedure { SPIROMETRY, duration = minutes(15, 30), next = "Adult_FEV1" },
  Adult_FEV1       = observation { FEV1_FVC, range(55, 74), unit = units.percent, category = "procedure", next = "Adult_Asthma" },
  Adult_Asthma     = condition_onset { ASTHMA, next = "Adult_Plan" },
  Adult_Plan       = careplan_start { SELF_MANAGEMENT, activities = { BREATHING }, reason = "Adult_Asthma", next = "Adult_Reliever" },
  Adult_Reliever   = medication_order { ALBUTEROL, reason = "Adult_Asthma", chronic = true, next = "Adult_Controller" },
  Adult_Controller = simple { chance(PERSISTENT, "Adult_ICS", "Adult_Visit_End") },
  Adult_ICS        = medication_order { FLUTICASONE, reason = "Adult_Asthma", chronic = true, next = "Adult_Visit_End" },
  Adult_Visit_End  = encounter_end { next = "Asthma_Year" },

  -- living with asthma: attacks each year with some chance [1]
  Asthma_Year      = delay { months(6, 18), next = "Attack_Check" },
  Attack_Check     = simple { when {
                       { all { has_condition(CHILD_ASTHMA), age_at_least(16), negate(prior_state("Remission_Check")) },
                         "Remission_Check" },
                       otherwise = chance(ATTACK, "Attack", "Asthma_Year") } },
  Attack           = symptom { "Wheezing", severity = range(60, 100), next = "Attack_Severity" },
  Attack_Severity  = simple { chance(SEVERE, "Emergency", "Attack_Visit") },
  Attack_Visit     = encounter { "ambulatory", PROBLEM, next = "Attack_Steroid" },
  Attack_Steroid   = medication_order { PREDNISONE, next = "Attack_Visit_End" },
  Attack_Visit_End = encounter_end { next = "Steroid_Course" },
  Emergency        = encounter { "emergency", ASTHMA_ADMISSION, next = "Emergency_Steroid" },
  Emergency_Steroid = medication_order { PREDNISONE, next = "Emergency_Outcome" },
  Emergency_Outcome = simple { chance(DEATH_SEVERE, "Death", "Emergency_End") },
  Emergency_End    = encounter_end { next = "Steroid_Course" },
  Steroid_Course   = delay { days(5), next = "Steroid_End" },
  Steroid_End      = medication_end { PREDNISONE, next = "Calm" },
  Calm             = symptom { "Wheezing", severity = range(0, 20), next = "Asthma_Year" },

  Death            = death { cause = ASTHMA, next = "Terminal" },
  Terminal         = terminal {},
}
