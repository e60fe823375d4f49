-- Chronic obstructive pulmonary disease: onset after 40, mostly in smokers;
-- diagnosis by spirometry; inhalers, smoking cessation, exacerbations,
-- progression to severe disease, and deaths.
--
-- Sources
--  [1] Lokke A et al. Developing COPD: a 25 year follow up study of the
--      general population. Thorax 2006;61:935-939: at least 25% of
--      continuous smokers developed clinically significant COPD in 25 years;
--      never-smokers rarely did.
--  [2] Wheaton AG et al. Chronic obstructive pulmonary disease and smoking
--      status - United States, 2017. MMWR 2019;68:533-538: 6.2% of adults
--      reported COPD; 15.2% of current smokers, 7.6% of former smokers and
--      2.8% of never smokers.
--  [3] Global Initiative for Chronic Obstructive Lung Disease (GOLD). Global
--      Strategy for the Diagnosis, Management and Prevention of COPD, 2024
--      report: post-bronchodilator FEV1/FVC below 0.70; bronchodilators,
--      inhaled corticosteroid combinations for frequent exacerbations,
--      smoking cessation, pulmonary rehabilitation; exacerbations treated with
--      oral corticosteroids and antibiotics.
--  [4] CDC/NCHS. Deaths: Final data for 2021: chronic lower respiratory
--      disease is a leading cause of death (about 142,000 deaths), most of
--      them COPD in people 65 and over.
--
-- Yearly onset by smoking status follows [1] (about 1.1% a year in current
-- smokers reaches 25% in 25 years) and is scaled so prevalence follows [2].
-- The smoking module sets the "smoker" and "ever_smoker" attributes used here.

local COPD           = snomed(13645005, "Chronic obstructive lung disease (disorder)")
local PROBLEM        = snomed(185347001, "Encounter for problem (procedure)")
local FOLLOW_UP      = snomed(390906007, "Follow-up encounter (procedure)")
local ADMISSION      = snomed(32485007, "Hospital admission (procedure)")
local SPIROMETRY     = snomed(127783003, "Spirometry (procedure)")
local COPD_PLAN      = snomed(736283006, "Chronic obstructive pulmonary disease clinical management plan (record artifact)")
local REHAB          = snomed(15081005, "Pulmonary rehabilitation (regime/therapy)")
local CESSATION      = snomed(710081004, "Smoking cessation therapy (regime/therapy)")
local FEV1_FVC       = loinc("19926-5", "FEV1/FVC")
local ALBUTEROL      = rxnorm(745679, "200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler")
local ICS_LABA       = rxnorm(896209, "60 ACTUAT fluticasone propionate 0.25 MG/ACTUAT / salmeterol 0.05 MG/ACTUAT Dry Powder Inhaler")
local NICOTINE_PATCH = rxnorm(198031, "24 HR nicotine 0.292 MG/HR Transdermal System")
local PREDNISONE     = rxnorm(312615, "prednisone 20 MG Oral Tablet")
local AZITHROMYCIN   = rxnorm(141962, "azithromycin 250 MG Oral Capsule")

local ONSET = {                                               -- yearly onset from 40 [1]
  current = param("copd.onset.current_smoker", 0.011),
  former = param("copd.onset.former_smoker", 0.004),
  never = param("copd.onset.never_smoker", 0.0008),
}
local function yearly_risk(p)
  local r
  if p:attr("smoker") == true then r = ONSET.current
  elseif p:attr("ever_smoker") == true then r = ONSET.former
  else r = ONSET.never end
  if p.age >= 65 then r = r * 1.5 end
  return r
end

local QUIT           = param("copd.quit_with_support", 0.25)
local EXACERBATION   = param("copd.exacerbation.yearly", 0.35)
local HOSPITALISED   = param("copd.exacerbation.admitted", 0.2)
local TO_SEVERE      = param("copd.progression.severe.yearly", 0.04)
local DEATH_MODERATE = param("copd.death.moderate.yearly", 0.010)   -- [4]
local DEATH_SEVERE   = param("copd.death.severe.yearly", 0.06)

return module "COPD" {
  Initial          = delay { years(40), next = "Yearly_Check" },
  Yearly_Check     = simple { chance(yearly_risk, "Breathless", "Next_Year") },
  Next_Year        = delay { years(1), next = "Yearly_Check" },

  -- chronic cough and breathlessness on exertion
  Breathless       = symptom { "Shortness of Breath", severity = range(20, 60), next = "Cough" },
  Cough            = symptom { "Cough", severity = range(20, 60), next = "Visit" },
  Visit            = encounter { "ambulatory", PROBLEM, next = "Spirometry" },
  Spirometry       = procedure { SPIROMETRY, duration = minutes(15, 30), next = "Ratio" },
  Ratio            = observation { FEV1_FVC, range(45, 69), unit = units.percent, category = "procedure", next = "Diagnosis" },
  Diagnosis        = condition_onset { COPD, next = "Plan" },
  Plan             = careplan_start { COPD_PLAN, activities = { REHAB, CESSATION }, reason = "Diagnosis", next = "Reliever" },
  Reliever         = medication_order { ALBUTEROL, reason = "Diagnosis", chronic = true, next = "Smoking_Check" },

  -- smoking cessation support for smokers [3]
  Smoking_Check    = simple { when { { attribute("smoker", "==", true), "Nicotine_Patch" }, otherwise = "Visit_End" } },
  Nicotine_Patch   = medication_order { NICOTINE_PATCH, reason = "Diagnosis", next = "Visit_End" },
  Visit_End        = encounter_end { next = "Patch_Course" },
  Patch_Course     = simple { when { { has_medication(NICOTINE_PATCH), "Patch_Weeks" }, otherwise = "COPD_Year" } },
  Patch_Weeks      = delay { weeks(10, 12), next = "Patch_End" },
  Patch_End        = medication_end { "Nicotine_Patch", next = "Quit_Check" },
  Quit_Check       = simple { chance(QUIT, "Quit", "COPD_Year") },
  Quit             = set_attribute { "smoker", false, next = "COPD_Year" },

  -- living with COPD: death, exacerbations, progression
  COPD_Year        = delay { months(6, 18), next = "Outcome" },
  Outcome          = simple { when {
                       { prior_state("Severe"), pick { { DEATH_SEVERE, "Death" }, { EXACERBATION * 1.5, "Exacerbation" },
                                                         otherwise = "COPD_Year" } },
                       otherwise = pick { { DEATH_MODERATE, "Death" }, { EXACERBATION, "Exacerbation" },
                                          { TO_SEVERE, "Severe" }, otherwise = "COPD_Year" } } },

  -- severe disease: add an inhaled corticosteroid/long-acting combination [3]
  Severe           = encounter { "ambulatory", FOLLOW_UP, reason = "Diagnosis", next = "Severe_Ratio" },
  Severe_Ratio     = observation { FEV1_FVC, range(30, 49), unit = units.percent, category = "procedure", next = "Combination" },
  Combination      = medication_order { ICS_LABA, reason = "Diagnosis", chronic = true, next = "Severe_End" },
  Severe_End       = encounter_end { next = "COPD_Year" },

  -- exacerbation: steroid and antibiotic, some in hospital
  Exacerbation     = symptom { "Shortness of Breath", severity = range(60, 100), next = "Where" },
  Where            = simple { chance(HOSPITALISED, "Admission", "Office") },
  Admission        = encounter { "inpatient", ADMISSION, reason = "Diagnosis", next = "Steroid" },
  Office           = encounter { "ambulatory", PROBLEM, reason = "Diagnosis", next = "Steroid" },
  Steroid          = medication_order { PREDNISONE, reason = "Diagnosis", next = "Antibiotic" },
  Antibiotic       = medication_order { AZITHROMYCIN, reason = "Diagnosis", next = "Exacerbation_End" },
  Exacerbation_End = encounter_end { next = "Course" },
  Course           = delay { days(5), next = "Steroid_End" },
  Steroid_End      = medication_end { "Steroid", next = "Antibiotic_End" },
  Antibiotic_End   = medication_end { "Antibiotic", next = "Settled" },
  Settled          = symptom { "Shortness of Breath", severity = range(20, 50), next = "COPD_Year" },

  Death            = death { cause = "Diagnosis", next = "Terminal" },
  Terminal         = terminal {},
}
