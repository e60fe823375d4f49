-- Chronic kidney disease: onset of stage 3 (eGFR below 60) in adults, driven
-- by age, diabetes and hypertension; progression to stage 4 and kidney
-- failure; dialysis, transplant, and death.
--
-- Sources
--  [1] CDC. Chronic Kidney Disease in the United States, 2023: about 14% of
--      US adults have CKD; it is most common at 65 and over (34%), and in
--      people with diabetes (about 1 in 3) or hypertension (about 1 in 5).
--  [2] Go AS et al. Chronic kidney disease and the risks of death,
--      cardiovascular events, and hospitalization. N Engl J Med
--      2004;351:1296-1305: age-standardized death rates per 100
--      person-years of 1.08 (eGFR 45-59), 4.76 (30-44), 11.36 (15-29) and
--      14.14 (below 15) against 0.76 at eGFR 60 or more.
--  [3] United States Renal Data System. 2023 USRDS Annual Data Report:
--      mortality on dialysis about 16-20 per 100 patient-years; about 1 in
--      20 dialysis patients receives a kidney transplant each year.
--  [4] Kidney Disease: Improving Global Outcomes (KDIGO) 2012 Clinical
--      Practice Guideline for the Evaluation and Management of CKD. Kidney
--      Int Suppl 2013;3:1-150 (staging by eGFR; monitoring at least yearly).
--
-- Stages 1-2 are rarely coded in practice and are left out; diabetic kidney
-- disease from the diabetes module raises the risk of reaching stage 3.  The
-- module sets attribute "egfr" (mL/min/1.73 m2), recorded by the wellness
-- module and at reviews here.  Deaths here are the part of the excess
-- mortality of [2] that is certified as kidney disease; most of the excess
-- is cardiovascular, covered by the heart modules and natural death.

local CKD3          = snomed(433144002, "Chronic kidney disease stage 3 (disorder)")
local CKD4          = snomed(431857002, "Chronic kidney disease stage 4 (disorder)")
local ESRD          = snomed(46177005, "End-stage renal disease (disorder)")
local DIABETES      = snomed(44054006, "Diabetes mellitus type 2 (disorder)")
local HYPERTENSION  = snomed(59621000, "Essential hypertension (disorder)")
local NEPHROPATHY   = snomed(127013003, "Disorder of kidney due to diabetes mellitus (disorder)")
local FOLLOW_UP     = snomed(390906007, "Follow-up encounter (procedure)")
local ADMISSION     = snomed(32485007, "Hospital admission (procedure)")
local DIALYSIS_PLAN = snomed(736690008, "Dialysis care plan (record artifact)")
local HEMODIALYSIS  = snomed(302497006, "Hemodialysis (procedure)")
local TRANSPLANT    = snomed(70536003, "Transplant of kidney (procedure)")
local EGFR          = loinc("33914-3", "Glomerular filtration rate [Volume Rate/Area] in Serum or Plasma by Creatinine-based formula (MDRD)/1.73 sq M")
local CREATININE    = loinc("2160-0", "Creatinine [Mass/volume] in Serum or Plasma")

local onset = by_age {                 -- yearly onset of stage 3 without diabetes or hypertension
  { 30, param("ckd.stage3.30_49", 0.001) },
  { 50, param("ckd.stage3.50_64", 0.006) },
  { 65, param("ckd.stage3.65_74", 0.012) },
  { 75, param("ckd.stage3.75_plus", 0.025) },
}
local RR_DIABETES     = param("ckd.rr.diabetes", 2.5)       -- [1]
local RR_HYPERTENSION = param("ckd.rr.hypertension", 1.8)   -- [1]
local RR_NEPHROPATHY  = param("ckd.rr.diabetic_nephropathy", 4.0)

local function stage3_risk(p)
  local r = onset(p)
  if p:has_condition(NEPHROPATHY.code) then r = r * RR_NEPHROPATHY
  elseif p:has_condition(DIABETES.code) then r = r * RR_DIABETES end
  if p:has_condition(HYPERTENSION.code) then r = r * RR_HYPERTENSION end
  return math.min(r, 1)
end

local TO_STAGE4       = param("ckd.progression.stage3_to_4", 0.010)
local TO_STAGE4_DM    = param("ckd.progression.stage3_to_4.diabetes", 0.020)
local TO_FAILURE      = param("ckd.progression.stage4_to_5", 0.07)
local DEATH_STAGE3    = param("ckd.death.stage3", 0.002)      -- [2], excess over eGFR >= 60
local DEATH_STAGE4    = param("ckd.death.stage4", 0.03)       -- [2], part of the excess (the rest is cardiovascular)
local DEATH_DIALYSIS  = param("ckd.death.dialysis", 0.16)     -- [3]
local DEATH_GRAFT     = param("ckd.death.transplant", 0.03)
local TRANSPLANTED    = param("ckd.transplant.yearly", 0.05)  -- [3]

return module "Chronic Kidney Disease" {
  -- adults from 30 are checked once a year
  Initial          = delay { years(30), next = "Yearly_Check" },
  Yearly_Check     = simple { chance(stage3_risk, "Stage3_Onset", "Next_Year") },
  Next_Year        = delay { years(1), next = "Yearly_Check" },

  -- stage 3, found at the next checkup (eGFR 30-59) [4]
  Stage3_Onset     = set_attribute { "egfr", range(30, 59), next = "Checkup" },
  Checkup          = encounter { wellness = true, next = "Stage3_Creatinine" },
  Stage3_Creatinine = observation { CREATININE, range(1.3, 2.2), unit = units.mg_dL, category = "laboratory", next = "Stage3_eGFR" },
  Stage3_eGFR      = observation { EGFR, attribute = "egfr", unit = units.egfr, category = "laboratory", next = "Stage3" },
  Stage3           = condition_onset { CKD3, next = "Checkup_End" },
  Checkup_End      = encounter_end { next = "Stage3_Year" },

  -- each year in stage 3: death, progression, or a review
  Stage3_Year      = delay { years(1), next = "Stage3_Death_Check" },
  Stage3_Death_Check = simple { chance(DEATH_STAGE3, "Stage3_Death", "Stage3_Progression") },
  Stage3_Progression = simple { when {
                         { has_condition(DIABETES), chance(TO_STAGE4_DM, "Stage4_Onset", "Stage3_Review") },
                         otherwise = chance(TO_STAGE4, "Stage4_Onset", "Stage3_Review") } },
  Stage3_Review    = encounter { "ambulatory", FOLLOW_UP, reason = "Stage3", next = "Stage3_Review_eGFR" },
  Stage3_Review_eGFR = observation { EGFR, attribute = "egfr", unit = units.egfr, category = "laboratory", next = "Stage3_Review_End" },
  Stage3_Review_End = encounter_end { next = "Stage3_Year" },

  -- stage 4 (eGFR 15-29)
  Stage4_Onset     = set_attribute { "egfr", range(15, 29), next = "Stage4_Visit" },
  Stage4_Visit     = encounter { "ambulatory", FOLLOW_UP, reason = "Stage3", next = "Stage4_eGFR" },
  Stage4_eGFR      = observation { EGFR, attribute = "egfr", unit = units.egfr, category = "laboratory", next = "Stage3_End" },
  Stage3_End       = condition_end { "Stage3", next = "Stage4" },
  Stage4           = condition_onset { CKD4, next = "Stage4_Visit_End" },
  Stage4_Visit_End = encounter_end { next = "Stage4_Year" },
  Stage4_Year      = delay { years(1), next = "Stage4_Death_Check" },
  Stage4_Death_Check = simple { chance(DEATH_STAGE4, "Stage4_Death", "Stage4_Progression") },
  Stage4_Progression = simple { chance(TO_FAILURE, "Failure_Onset", "Stage4_Review") },
  Stage4_Review    = encounter { "ambulatory", FOLLOW_UP, reason = "Stage4", next = "Stage4_Review_eGFR" },
  Stage4_Review_eGFR = observation { EGFR, attribute = "egfr", unit = units.egfr, category = "laboratory", next = "Stage4_Review_End" },
  Stage4_Review_End = encounter_end { next = "Stage4_Year" },

  -- kidney failure: admitted to start hemodialysis
  Failure_Onset    = set_attribute { "egfr", range(5, 14), next = "Admission" },
  Admission        = encounter { "inpatient", ADMISSION, reason = "Stage4", next = "Failure_eGFR" },
  Failure_eGFR     = observation { EGFR, attribute = "egfr", unit = units.egfr, category = "laboratory", next = "Stage4_End" },
  Stage4_End       = condition_end { "Stage4", next = "Kidney_Failure" },
  Kidney_Failure   = condition_onset { ESRD, next = "Dialysis_Plan" },
  Dialysis_Plan    = careplan_start { DIALYSIS_PLAN, activities = { HEMODIALYSIS }, reason = "Kidney_Failure", next = "First_Dialysis" },
  First_Dialysis   = procedure { HEMODIALYSIS, reason = "Kidney_Failure", duration = hours(3, 5), next = "Admission_End" },
  Admission_End    = encounter_end { next = "Dialysis_Month" },

  -- on dialysis: one session a month is recorded (patients attend three a week)
  Dialysis_Month   = delay { months(1), next = "Dialysis_Session" },
  Dialysis_Session = encounter { "outpatient", FOLLOW_UP, reason = "Kidney_Failure", next = "Dialysis" },
  Dialysis         = procedure { HEMODIALYSIS, reason = "Kidney_Failure", duration = hours(3, 5), next = "Dialysis_End" },
  Dialysis_End     = encounter_end { next = "Dialysis_Outcome" },
  Dialysis_Outcome = simple { pick {
                       { DEATH_DIALYSIS / 12, "Failure_Death" },
                       { TRANSPLANTED / 12, "Transplant_Admission" },
                       otherwise = "Dialysis_Month" } },

  -- a kidney transplant ends dialysis
  Transplant_Admission = encounter { "inpatient", ADMISSION, reason = "Kidney_Failure", next = "Transplant" },
  Transplant       = procedure { TRANSPLANT, reason = "Kidney_Failure", duration = hours(3, 4), next = "Dialysis_Plan_End" },
  Dialysis_Plan_End = careplan_end { "Dialysis_Plan", next = "Graft_eGFR" },
  Graft_eGFR       = set_attribute { "egfr", range(40, 70), next = "Transplant_End" },
  Transplant_End   = encounter_end { next = "Graft_Year" },
  Graft_Year       = delay { years(1), next = "Graft_Check" },
  Graft_Check      = simple { chance(DEATH_GRAFT, "Failure_Death", "Graft_Year") },

  -- deaths are attributed to the kidney disease of the current stage
  Stage3_Death     = death { cause = "Stage3", next = "Terminal" },
  Stage4_Death     = death { cause = "Stage4", next = "Terminal" },
  Failure_Death    = death { cause = "Kidney_Failure", next = "Terminal" },
  Terminal         = terminal {},
}
