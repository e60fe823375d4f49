-- Osteoarthritis of the knee and hip: onset from middle age, more in women
-- and with obesity; analgesics, physiotherapy, and joint replacement.
--
-- Sources
--  [1] Murphy L et al. Lifetime risk of symptomatic knee osteoarthritis.
--      Arthritis Rheum 2008;59:1207-1213: 44.7% by age 85; 60.5% with obesity.
--  [2] Murphy LB et al. One in four people may develop symptomatic hip
--      osteoarthritis in his or her lifetime. Osteoarthritis Cartilage
--      2010;18:1372-1379: 25.3% by age 85.
--  [3] Weinstein AM et al. Estimating the burden of total knee replacement in
--      the United States. J Bone Joint Surg Am 2013;95:385-392: more than half
--      of Americans diagnosed with knee osteoarthritis will undergo total knee
--      replacement.
--  [4] Kolasinski SL et al. 2019 American College of Rheumatology/Arthritis
--      Foundation guideline for the management of osteoarthritis of the hand,
--      hip, and knee. Arthritis Care Res 2020;72:149-162: exercise, weight
--      loss, oral NSAIDs, acetaminophen; joint replacement for refractory
--      disease.
--
-- Yearly onset by age is chosen so that the lifetime risks of [1] and [2]
-- are reached by 85.

local KNEE_OA      = snomed(239873007, "Osteoarthritis of knee (disorder)")
local HIP_OA       = snomed(239872002, "Osteoarthritis of hip (disorder)")
local PROBLEM      = snomed(185347001, "Encounter for problem (procedure)")
local FOLLOW_UP    = snomed(390906007, "Follow-up encounter (procedure)")
local ADMISSION    = snomed(32485007, "Hospital admission (procedure)")
local PHYSIO_PLAN  = snomed(773513001, "Physiotherapy care plan (record artifact)")
local PHYSIOTHERAPY = snomed(91251008, "Physical therapy procedure (regime/therapy)")
local MOBILITY     = snomed(386294003, "Joint mobility exercises (regime/therapy)")
local WEIGHT_LOSS  = snomed(388976009, "Weight reduction regimen (regime/therapy)")
local KNEE_REPLACEMENT = snomed(609588000, "Prosthetic total arthroplasty of knee joint (procedure)")
local HIP_REPLACEMENT  = snomed(52734007, "Total replacement of hip (procedure)")
local NAPROXEN     = rxnorm(198014, "naproxen 500 MG Oral Tablet")
local ACETAMINOPHEN = rxnorm(198440, "acetaminophen 500 MG Oral Tablet")

local knee = by_age {                   -- yearly onset of symptomatic knee osteoarthritis
  { 40, param("osteoarthritis.knee.40_54", 0.006) },
  { 55, param("osteoarthritis.knee.55_69", 0.012) },
  { 70, param("osteoarthritis.knee.70_plus", 0.016) },
}
local hip = by_age {
  { 45, param("osteoarthritis.hip.45_59", 0.003) },
  { 60, param("osteoarthritis.hip.60_74", 0.007) },
  { 75, param("osteoarthritis.hip.75_plus", 0.010) },
}
local RR_FEMALE = param("osteoarthritis.rr.female", 1.3)
local RR_OBESE  = param("osteoarthritis.rr.obesity_knee", 1.8)     -- [1]
local KNEE_REPLACED = param("osteoarthritis.knee.replacement.yearly", 0.05)   -- [3]
local HIP_REPLACED  = param("osteoarthritis.hip.replacement.yearly", 0.06)

local function knee_risk(p)
  local r = knee(p)
  if p.gender == "F" then r = r * RR_FEMALE end
  local bmi = p:vital("BMI")
  if bmi and bmi >= 30 then r = r * RR_OBESE end
  return math.min(r, 1)
end
local function hip_risk(p)
  return math.min(hip(p) * (p.gender == "F" and RR_FEMALE or 1), 1)
end

return module "Osteoarthritis" {
  Initial         = delay { years(40), next = "Yearly_Check" },
  Yearly_Check    = simple { when {
                      { all { has_condition(KNEE_OA), has_condition(HIP_OA) }, "Next_Year" },
                      { has_condition(KNEE_OA), chance(hip_risk, "Hip_Pain", "Next_Year") },
                      { has_condition(HIP_OA), chance(knee_risk, "Knee_Pain", "Next_Year") },
                      otherwise = pick { { knee_risk, "Knee_Pain" }, { hip_risk, "Hip_Pain" }, otherwise = "Next_Year" } } },
  Next_Year       = delay { years(1), next = "Joint_Year" },

  -- a painful, stiff joint
  Knee_Pain       = symptom { "Joint Pain", severity = range(30, 70), next = "Knee_Visit" },
  Knee_Visit      = encounter { "ambulatory", PROBLEM, next = "Knee_Diagnosis" },
  Knee_Diagnosis  = condition_onset { KNEE_OA, next = "Therapy_Check" },
  Hip_Pain        = symptom { "Joint Pain", severity = range(30, 70), next = "Hip_Visit" },
  Hip_Visit       = encounter { "ambulatory", PROBLEM, next = "Hip_Diagnosis" },
  Hip_Diagnosis   = condition_onset { HIP_OA, next = "Therapy_Check" },

  -- exercise and analgesia [4]
  Therapy_Check   = simple { when { { has_careplan(PHYSIO_PLAN), "Visit_End" }, otherwise = "Physiotherapy" } },
  Physiotherapy   = careplan_start { PHYSIO_PLAN, activities = { PHYSIOTHERAPY, MOBILITY, WEIGHT_LOSS }, next = "Analgesic" },
  Analgesic       = simple { pick { { 0.6, "NSAID" }, { 0.4, "Acetaminophen" } } },
  NSAID           = medication_order { NAPROXEN, chronic = true, next = "Visit_End" },
  Acetaminophen   = medication_order { ACETAMINOPHEN, chronic = true, next = "Visit_End" },
  Visit_End       = encounter_end { next = "Next_Year" },

  -- each year, a worn joint may be replaced [3]; the replaced joint's
  -- osteoarthritis ends with the operation
  Joint_Year      = simple { when {
                      { all { has_condition(KNEE_OA), negate(prior_state("Knee_Replacement")) },
                        chance(KNEE_REPLACED, "Knee_Admission", "Hip_Year") },
                      otherwise = "Hip_Year" } },
  Hip_Year        = simple { when {
                      { all { has_condition(HIP_OA), negate(prior_state("Hip_Replacement")) },
                        chance(HIP_REPLACED, "Hip_Admission", "Yearly_Check") },
                      otherwise = "Yearly_Check" } },
  Knee_Admission  = encounter { "inpatient", ADMISSION, reason = "Knee_Diagnosis", next = "Knee_Replacement" },
  Knee_Replacement = procedure { KNEE_REPLACEMENT, reason = "Knee_Diagnosis", duration = minutes(90, 150), next = "Knee_Replaced" },
  Knee_Replaced   = condition_end { "Knee_Diagnosis", next = "Knee_Discharge" },
  Knee_Discharge  = encounter_end { next = "Hip_Year" },
  Hip_Admission   = encounter { "inpatient", ADMISSION, reason = "Hip_Diagnosis", next = "Hip_Replacement" },
  Hip_Replacement = procedure { HIP_REPLACEMENT, reason = "Hip_Diagnosis", duration = minutes(90, 150), next = "Hip_Replaced" },
  Hip_Replaced    = condition_end { "Hip_Diagnosis", next = "Hip_Discharge" },
  Hip_Discharge   = encounter_end { next = "Yearly_Check" },
}
