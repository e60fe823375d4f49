-- Wellness visits: the screening that happens at checkups besides the vital
-- signs the engine records itself.  At every wellness visit this module asks
-- about tobacco and mood, and orders the age- and sex-appropriate screening:
-- lipids, HbA1c, kidney function, alcohol use, cervical, breast and
-- colorectal cancer screening.
--
-- Sources (US Preventive Services Task Force recommendations unless noted)
--  [1] Tobacco smoking cessation in adults: interventions. JAMA
--      2021;325:265-279: ask all adults about tobacco use.
--  [2] Screening for depression in adults. JAMA 2016;315:380-387, and in
--      children and adolescents (12-18). JAMA 2022;328:1534-1542; the PHQ-2
--      (0-6, 3 or more is positive) is a common first step.
--  [3] Grundy SM et al. 2018 AHA/ACC cholesterol guideline. Circulation
--      2019;139:e1082-e1143: a lipid panel every 4-6 years from age 20,
--      yearly once treated.
--  [4] Screening for prediabetes and type 2 diabetes. JAMA 2021;326:736-743:
--      adults 35-70 with overweight or obesity, every 3 years.
--  [5] KDIGO 2012 CKD guideline: eGFR at least yearly in people with
--      diabetes or hypertension.
--  [6] Unhealthy alcohol use in adolescents and adults: screening. JAMA
--      2018;320:1899-1909: screen adults 18 and over (AUDIT-C).
--  [7] Screening for cervical cancer. JAMA 2018;320:674-686: cytology every
--      3 years at 21-65.
--  [8] Siu AL. Screening for breast cancer. Ann Intern Med 2016;164:279-296
--      (biennial mammography at 50-74; the 2024 update starts at 40).
--  [9] Screening for colorectal cancer. JAMA 2021;325:1965-1977: 45-75 (50-75
--      before 2021); stool immunochemical test yearly or colonoscopy every
--      10 years.
-- [10] Adherence: about 3 in 4 eligible women had a recent mammogram and
--      about 7 in 10 eligible adults are up to date with colorectal
--      screening (CDC BRFSS and NHIS cancer screening estimates, 2019-2021).
--
-- Laboratory values come from attributes the disease modules keep: "hba1c"
-- (diabetes), "ldl", "hdl", "triglycerides", "total_cholesterol"
-- (hyperlipidemia) and "egfr" (chronic kidney disease); normal values are
-- drawn when a patient has none.

local SMOKER        = snomed(449868002, "Smokes tobacco daily (finding)")
local EX_SMOKER     = snomed(8517006, "Ex-smoker (finding)")
local NEVER_SMOKED  = snomed(266919005, "Never smoked tobacco (finding)")
local DEPRESSION    = snomed(370143000, "Major depressive disorder (disorder)")
local DIABETES      = snomed(44054006, "Diabetes mellitus type 2 (disorder)")
local PREDIABETES   = snomed(714628002, "Prediabetes (finding)")
local HYPERTENSION  = snomed(59621000, "Essential hypertension (disorder)")
local HYPERLIPIDEMIA = snomed(55822004, "Hyperlipidemia (disorder)")
local NEGATIVE      = snomed(260385009, "Negative (qualifier value)")
local DEPRESSION_SCREENING = snomed(171207006, "Depression screening (procedure)")
local PAP_SMEAR     = snomed(90226004, "Cytopathology procedure, preparation of smear, genital source (procedure)")
local MAMMOGRAPHY   = snomed(24623002, "Screening mammography (procedure)")
local COLONOSCOPY   = snomed(73761001, "Colonoscopy (procedure)")
local FOBT          = snomed(104435004, "Screening for occult blood in feces (procedure)")
local TOBACCO_STATUS = loinc("72166-2", "Tobacco smoking status")
local PHQ2          = loinc("55758-7", "Patient Health Questionnaire 2 item (PHQ-2) total score [Reported]")
local AUDIT_C       = loinc("72109-2", "Alcohol Use Disorder Identification Test - Consumption [AUDIT-C]")
local TOTAL_CHOL    = loinc("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma")
local HDL           = loinc("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma")
local LDL           = loinc("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay")
local TRIGLYCERIDES = loinc("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma")
local HBA1C         = loinc("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood")
local CREATININE    = loinc("2160-0", "Creatinine [Mass/volume] in Serum or Plasma")
local EGFR          = loinc("33914-3", "Glomerular filtration rate [Volume Rate/Area] in Serum or Plasma by Creatinine-based formula (MDRD)/1.73 sq M")
local FIT           = loinc("57905-2", "Hemoglobin.gastrointestinal.lower [Presence] in Stool by Immunoassay --1st specimen")

local MAMMOGRAM_DONE   = param("wellness.mammography.adherence", 0.75)   -- [10]
local CERVICAL_DONE    = param("wellness.cervical.adherence", 0.75)
local COLORECTAL_DONE  = param("wellness.colorectal.adherence", 0.70)   -- [10]
local COLONOSCOPY_SHARE = param("wellness.colorectal.colonoscopy", 0.6)

return module "Wellness" {
  Initial          = simple { next = "Visit" },
  Visit            = encounter { wellness = true, next = "Tobacco" },

  -- tobacco: asked from 12; the smoking module keeps the truth [1]
  Tobacco          = simple { when {
                       { age_below(12), "Mood" },
                       { attribute("smoker", "==", true), "Current_Smoker" },
                       { attribute("ever_smoker", "==", true), "Former_Smoker" },
                       otherwise = "Never_Smoker" } },
  Current_Smoker   = observation { TOBACCO_STATUS, value_code = SMOKER, category = "social-history", next = "Smoker_Recorded" },
  Smoker_Recorded  = simple { when { { has_condition(SMOKER), "Mood" }, otherwise = "Smoker_Finding" } },
  Smoker_Finding   = condition_onset { SMOKER, next = "Mood" },
  Former_Smoker    = observation { TOBACCO_STATUS, value_code = EX_SMOKER, category = "social-history", next = "Quit_Recorded" },
  Quit_Recorded    = simple { when { { has_condition(SMOKER), "Smoking_Ended" }, otherwise = "Mood" } },
  Smoking_Ended    = condition_end { SMOKER, next = "Ex_Smoker_Finding" },
  Ex_Smoker_Finding = condition_onset { EX_SMOKER, next = "Mood" },
  Never_Smoker     = observation { TOBACCO_STATUS, value_code = NEVER_SMOKED, category = "social-history", next = "Mood" },

  -- depression screening from 12, once a year [2]
  Mood             = simple { when {
                       { any { age_below(12), prior_state("Depression_Screening", months(11)) }, "Alcohol" },
                       otherwise = "Depression_Screening" } },
  Depression_Screening = procedure { DEPRESSION_SCREENING, duration = minutes(5, 10), next = "PHQ2" },
  PHQ2             = simple { when { { has_condition(DEPRESSION), "PHQ2_Positive" }, otherwise = "PHQ2_Negative" } },
  PHQ2_Positive    = observation { PHQ2, range(3, 6), unit = units.score, category = "survey", next = "Alcohol" },
  PHQ2_Negative    = observation { PHQ2, range(0, 2), unit = units.score, category = "survey", next = "Alcohol" },

  -- alcohol use from 18 [6]
  Alcohol          = simple { when { { age_at_least(18), "AUDIT_C" }, otherwise = "Lipids" } },
  AUDIT_C          = observation { AUDIT_C, range(0, 4), unit = units.score, category = "survey", next = "Lipids" },

  -- lipid panel: every 5 years from 20, yearly with hyperlipidemia or diabetes [3]
  Lipids           = simple { when {
                       { any { attribute("ldl", "is nil"), age_below(20) }, "HbA1c_Screen" },
                       { any { has_condition(HYPERLIPIDEMIA), has_condition(DIABETES) }, "Total_Cholesterol" },
                       { prior_state("Total_Cholesterol", years(5)), "HbA1c_Screen" },
                       otherwise = "Total_Cholesterol" } },
  Total_Cholesterol = observation { TOTAL_CHOL, attribute = "total_cholesterol", unit = units.mg_dL, category = "laboratory", next = "HDL" },
  HDL              = observation { HDL, attribute = "hdl", unit = units.mg_dL, category = "laboratory", next = "LDL" },
  LDL              = observation { LDL, attribute = "ldl", unit = units.mg_dL, category = "laboratory", next = "Triglycerides" },
  Triglycerides    = observation { TRIGLYCERIDES, attribute = "triglycerides", unit = units.mg_dL, category = "laboratory", next = "HbA1c_Screen" },

  -- HbA1c: every 3 years at 35-70 with overweight; yearly with (pre)diabetes [4]
  HbA1c_Screen     = simple { when {
                       { any { has_condition(DIABETES), has_condition(PREDIABETES) }, "HbA1c_Known" },
                       { all { age_between(35, 71), vital("BMI", ">=", 25),
                               negate(prior_state("HbA1c_Normal", years(3))) }, "HbA1c_Normal" },
                       otherwise = "Kidney" } },
  HbA1c_Known      = observation { HBA1C, attribute = "hba1c", unit = units.percent, category = "laboratory", next = "Kidney" },
  HbA1c_Normal     = simple { when { { attribute("hba1c", "is not nil"), "HbA1c_Known" }, otherwise = "HbA1c_Value" } },
  HbA1c_Value      = observation { HBA1C, range(4.6, 5.6), unit = units.percent, category = "laboratory", next = "Kidney" },

  -- kidney function yearly with diabetes or hypertension, or known CKD [5]
  Kidney           = simple { when {
                       { attribute("egfr", "is not nil"), "Creatinine_High" },
                       { any { has_condition(DIABETES), has_condition(HYPERTENSION) }, "Creatinine_Normal" },
                       otherwise = "Cervical" } },
  Creatinine_High  = observation { CREATININE, range(1.3, 4.0), unit = units.mg_dL, category = "laboratory", next = "eGFR_Known" },
  eGFR_Known       = observation { EGFR, attribute = "egfr", unit = units.egfr, category = "laboratory", next = "Cervical" },
  Creatinine_Normal = observation { CREATININE, range(0.6, 1.2), unit = units.mg_dL, category = "laboratory", next = "eGFR_Normal" },
  eGFR_Normal      = observation { EGFR, range(60, 110), unit = units.egfr, category = "laboratory", next = "Cervical" },

  -- cervical cytology every 3 years for women 21-65 [7]
  Cervical         = simple { when {
                       { all { is_female, age_between(21, 66), negate(prior_state("Pap_Smear", years(3))) },
                         chance(CERVICAL_DONE, "Pap_Smear", "Breast") },
                       otherwise = "Breast" } },
  Pap_Smear        = procedure { PAP_SMEAR, duration = minutes(10, 20), next = "Breast" },

  -- mammography every 2 years for women 50-74 [8]
  Breast           = simple { when {
                       { all { is_female, age_between(50, 75), negate(prior_state("Mammography", years(2))) },
                         chance(MAMMOGRAM_DONE, "Mammography", "Colorectal") },
                       otherwise = "Colorectal" } },
  Mammography      = procedure { MAMMOGRAPHY, duration = minutes(15, 30), next = "Colorectal" },

  -- colorectal cancer screening from 50 (45 from 2021) to 75 [9]
  Colorectal       = simple { when {
                       { negate(any { age_between(50, 76), all { age_between(45, 76), year_at_least(2021) } }),
                         "Visit_End" },
                       { prior_state("Colonoscopy", years(10)), "Visit_End" },
                       { prior_state("Stool_Test", months(11)), "Visit_End" },
                       otherwise = chance(COLORECTAL_DONE, "Screening_Choice", "Visit_End") } },
  Screening_Choice = simple { chance(COLONOSCOPY_SHARE, "Colonoscopy", "Stool_Test") },
  Colonoscopy      = procedure { COLONOSCOPY, duration = minutes(30, 60), next = "Visit_End" },
  Stool_Test       = procedure { FOBT, duration = minutes(5, 10), next = "FIT_Result" },
  FIT_Result       = observation { FIT, value_code = NEGATIVE, category = "laboratory", next = "Visit_End" },

  Visit_End        = encounter_end { next = "Between_Visits" },
  Between_Visits   = delay { weeks(2), next = "Visit" },
}
