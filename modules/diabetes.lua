-- Type 2 diabetes: prediabetes, progression to diabetes, diagnosis at a
-- checkup, treatment, and yearly review with its complications (kidney,
-- eye and nerve disease).
--
-- Sources
--  [1] CDC. National Diabetes Statistics Report, 2022 (data 2017-2020).
--      Total diabetes (diagnosed and undiagnosed) 4.8% at 18-44, 18.9% at
--      45-64, 29.2% at 65 and over; prediabetes in 38% of adults.
--  [2] Tabak AG et al. Prediabetes: a high-risk state for diabetes
--      development. Lancet 2012;379:2279-2290: 5-10% of people with
--      prediabetes progress to diabetes each year.
--  [3] Adler AI et al. Development and progression of nephropathy in type 2
--      diabetes: the United Kingdom Prospective Diabetes Study (UKPDS 64).
--      Kidney Int 2003;63:225-232: from no nephropathy to microalbuminuria
--      2.0% a year, microalbuminuria to macroalbuminuria 2.8% a year.
--  [4] Zhang X et al. Prevalence of diabetic retinopathy in the United States,
--      2005-2008. JAMA 2010;304:649-656: 28.5% of adults with diabetes aged 40+
--      have retinopathy, 4.4% vision-threatening.
--  [5] Pop-Busui R et al. Diabetic neuropathy: a position statement by the
--      American Diabetes Association. Diabetes Care 2017;40:136-154: up to half
--      develop peripheral neuropathy; pregabalin or duloxetine for pain.
--  [6] American Diabetes Association. Standards of Care in Diabetes - 2024.
--      Diabetes Care 2024;47(Suppl 1): metformin first; add a GLP-1 receptor
--      agonist (or other agent) when HbA1c stays above goal; insulin later;
--      yearly eye examination and kidney tests; self-management education.
--  [7] Wilson PWF et al. Prediction of incident diabetes mellitus in
--      middle-aged adults: the Framingham Offspring Study. Arch Intern Med
--      2007;167:1068-1074 (obesity is the strongest single predictor).
--
-- Yearly onset of prediabetes is chosen so that diabetes prevalence by age
-- follows [1].  The module sets attribute "hba1c" (percent), which the
-- wellness module records at checkups.  Diabetic kidney disease here feeds
-- the chronic kidney disease module; diabetes also raises the risks in the
-- hypertension, coronary heart disease and heart failure modules.

local PREDIABETES   = snomed(714628002, "Prediabetes (finding)")
local DIABETES      = snomed(44054006, "Diabetes mellitus type 2 (disorder)")
local MICROALBUMIN  = snomed(90781000119102, "Microalbuminuria due to type 2 diabetes mellitus (disorder)")
local NEPHROPATHY   = snomed(127013003, "Disorder of kidney due to diabetes mellitus (disorder)")
local RETINOPATHY   = snomed(1551000119108, "Nonproliferative diabetic retinopathy due to type II diabetes mellitus (disorder)")
local PROLIFERATIVE = snomed(1501000119109, "Proliferative diabetic retinopathy due to type II diabetes mellitus (disorder)")
local NEUROPATHY    = snomed(368581000119106, "Neuropathy due to type 2 diabetes mellitus (disorder)")
local SELF_MANAGEMENT = snomed(735985000, "Diabetes self management plan (record artifact)")
local DIABETIC_DIET = snomed(160670007, "Diabetic diet (finding)")
local EXERCISE      = snomed(229065009, "Exercise therapy (regime/therapy)")
local HEALTHY_DIET  = snomed(226234005, "Healthy diet (finding)")
local FOLLOW_UP     = snomed(390906007, "Follow-up encounter (procedure)")
local EYE_EXAM      = snomed(36228007, "Ophthalmic examination and evaluation (procedure)")
local HBA1C         = loinc("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood")
local ALBUMIN_RATIO = loinc("14959-1", "Microalbumin/Creatinine [Mass Ratio] in Urine")
local METFORMIN     = rxnorm(860975, "24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet")
local LIRAGLUTIDE   = rxnorm(897122, "3 ML liraglutide 6 MG/ML Pen Injector")
local INSULIN       = rxnorm(106892, "insulin isophane, human 70 UNT/ML / insulin, regular, human 30 UNT/ML Injectable Suspension [Humulin]")
local DULOXETINE    = rxnorm(596926, "duloxetine 20 MG Delayed Release Oral Capsule")

local prediabetes_onset = by_age {      -- yearly onset of prediabetes (glucose regulation failing)
  { 18, param("diabetes.prediabetes.18_29", 0.006) },
  { 30, param("diabetes.prediabetes.30_44", 0.011) },
  { 45, param("diabetes.prediabetes.45_64", 0.012) },
  { 65, param("diabetes.prediabetes.65_plus", 0.006) },
}
local RR_OBESE      = param("diabetes.rr.obesity", 2.0)          -- [7]
local RR_OVERWEIGHT = param("diabetes.rr.overweight", 1.4)
local PROGRESSION   = param("diabetes.progression.yearly", 0.045) -- [2]: 5-10% a year

local function prediabetes_risk(p)
  local r = prediabetes_onset(p)
  local bmi = p:vital("BMI")
  if bmi and bmi >= 30 then r = r * RR_OBESE elseif bmi and bmi >= 25 then r = r * RR_OVERWEIGHT end
  return math.min(r, 1)
end

local function progression_risk(p)
  local bmi = p:vital("BMI")
  local r = PROGRESSION
  if bmi and bmi >= 30 then r = r * 1.3 end
  return math.min(r, 1)
end

local MICRO_YEARLY   = param("diabetes.microalbuminuria.yearly", 0.020)   -- [3]
local MACRO_YEARLY   = param("diabetes.nephropathy.yearly", 0.028)        -- [3]
local RETINO_YEARLY  = param("diabetes.retinopathy.yearly", 0.032)        -- about 28% after 10 years, [4]
local PROLIF_YEARLY  = param("diabetes.proliferative.yearly", 0.015)      -- about 1 in 6 of retinopathy, [4]
local NEURO_YEARLY   = param("diabetes.neuropathy.yearly", 0.030)         -- [5]
local ADD_GLP1       = param("diabetes.add_second_agent.yearly", 0.08)    -- [6]
local ADD_INSULIN    = param("diabetes.add_insulin.yearly", 0.05)
local EYE_EXAM_DONE  = param("diabetes.eye_exam.yearly", 0.6)

return module "Type 2 Diabetes" {
  -- adults are checked once a year for failing glucose regulation
  Initial           = delay { years(18), next = "Prediabetes_Check" },
  Prediabetes_Check = simple { chance(prediabetes_risk, "Prediabetes_Onset", "Next_Year") },
  Next_Year         = delay { years(1), next = "Prediabetes_Check" },

  -- prediabetes: found at the next checkup with an HbA1c of 5.7-6.4%
  Prediabetes_Onset = set_attribute { "hba1c", range(5.7, 6.4), next = "Prediabetes_Checkup" },
  Prediabetes_Checkup = encounter { wellness = true, next = "Prediabetes_Test" },
  Prediabetes_Test  = observation { HBA1C, attribute = "hba1c", unit = units.percent, category = "laboratory", next = "Prediabetes_Dx" },
  Prediabetes_Dx    = condition_onset { PREDIABETES, next = "Prediabetes_Advice" },
  Prediabetes_Advice = careplan_start { SELF_MANAGEMENT, activities = { HEALTHY_DIET, EXERCISE }, reason = "Prediabetes_Dx",
                                       next = "Prediabetes_Visit_End" },
  Prediabetes_Visit_End = encounter_end { next = "Prediabetes_Year" },

  -- each year a share progress to diabetes [2]
  Prediabetes_Year  = delay { years(1), next = "Progression_Check" },
  Progression_Check = simple { chance(progression_risk, "Diabetes_Onset", "Prediabetes_Year") },

  -- diabetes: HbA1c 6.5% or more, found at the next checkup
  Diabetes_Onset    = set_attribute { "hba1c", range(6.5, 9.5), next = "Diabetes_Checkup" },
  Diabetes_Checkup  = encounter { wellness = true, next = "Diabetes_Test" },
  Diabetes_Test     = observation { HBA1C, attribute = "hba1c", unit = units.percent, category = "laboratory", next = "Prediabetes_End" },
  Prediabetes_End   = condition_end { "Prediabetes_Dx", next = "Diagnosis" },
  Diagnosis         = condition_onset { DIABETES, next = "Advice_End" },
  Advice_End        = careplan_end { "Prediabetes_Advice", next = "Self_Management" },
  Self_Management   = careplan_start { SELF_MANAGEMENT, activities = { DIABETIC_DIET, EXERCISE }, reason = "Diagnosis",
                                      next = "Metformin" },
  Metformin         = medication_order { METFORMIN, reason = "Diagnosis", chronic = true, next = "Treated_HbA1c" },
  Treated_HbA1c     = set_attribute { "hba1c", range(6.2, 7.8), next = "Checkup_End" },
  Checkup_End       = encounter_end { next = "Review_Wait" },

  -- yearly diabetes review [6]
  Review_Wait       = delay { years(1), next = "Review" },
  Review            = encounter { "ambulatory", FOLLOW_UP, reason = "Diagnosis", next = "Review_HbA1c" },
  Review_HbA1c      = observation { HBA1C, attribute = "hba1c", unit = units.percent, category = "laboratory", next = "Kidney_Check" },

  -- kidneys: normal -> microalbuminuria -> diabetic kidney disease [3]
  Kidney_Check      = simple { when {
                        { has_condition(NEPHROPATHY), "Eye_Check" },
                        { has_condition(MICROALBUMIN), chance(MACRO_YEARLY, "Nephropathy", "Albumin_Test") },
                        otherwise = chance(MICRO_YEARLY, "Microalbuminuria", "Albumin_Test") } },
  Albumin_Test      = observation { ALBUMIN_RATIO, range(5, 29), unit = units.mg_g, category = "laboratory", next = "Eye_Check" },
  Microalbuminuria  = condition_onset { MICROALBUMIN, next = "Micro_Test" },
  Micro_Test        = observation { ALBUMIN_RATIO, range(30, 299), unit = units.mg_g, category = "laboratory", next = "Eye_Check" },
  Nephropathy       = condition_onset { NEPHROPATHY, next = "Macro_Test" },
  Macro_Test        = observation { ALBUMIN_RATIO, range(300, 1500), unit = units.mg_g, category = "laboratory", next = "Eye_Check" },

  -- eyes: a yearly examination; retinopathy, then proliferative disease [4]
  Eye_Check         = simple { chance(EYE_EXAM_DONE, "Eye_Exam", "Nerve_Check") },
  Eye_Exam          = procedure { EYE_EXAM, reason = "Diagnosis", duration = minutes(20, 40), next = "Retina_Check" },
  Retina_Check      = simple { when {
                        { has_condition(PROLIFERATIVE), "Nerve_Check" },
                        { has_condition(RETINOPATHY), chance(PROLIF_YEARLY, "Proliferative", "Nerve_Check") },
                        otherwise = chance(RETINO_YEARLY, "Retinopathy", "Nerve_Check") } },
  Retinopathy       = condition_onset { RETINOPATHY, next = "Nerve_Check" },
  Proliferative     = condition_onset { PROLIFERATIVE, next = "Nerve_Check" },

  -- nerves: peripheral neuropathy, painful in about half [5]
  Nerve_Check       = simple { when {
                        { has_condition(NEUROPATHY), "Treatment_Check" },
                        otherwise = chance(NEURO_YEARLY, "Neuropathy", "Treatment_Check") } },
  Neuropathy        = condition_onset { NEUROPATHY, next = "Painful" },
  Painful           = simple { chance(0.5, "Duloxetine", "Treatment_Check") },
  Duloxetine        = medication_order { DULOXETINE, reason = "Neuropathy", chronic = true, next = "Treatment_Check" },

  -- glucose control: add a second agent, later insulin, when HbA1c stays high [6]
  Treatment_Check   = simple { when {
                        { has_medication(INSULIN), "Review_End" },
                        { has_medication(LIRAGLUTIDE), chance(ADD_INSULIN, "Insulin", "Review_End") },
                        otherwise = chance(ADD_GLP1, "Second_Agent", "Review_End") } },
  Second_Agent      = medication_order { LIRAGLUTIDE, reason = "Diagnosis", chronic = true, next = "Improved_HbA1c" },
  Insulin           = medication_order { INSULIN, reason = "Diagnosis", chronic = true, next = "Improved_HbA1c" },
  Improved_HbA1c    = set_attribute { "hba1c", range(6.5, 8.0), next = "Review_End" },
  Review_End        = encounter_end { next = "Review_Wait" },
}
