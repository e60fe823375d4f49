-- Essential hypertension: onset in adulthood, found at a checkup, lifestyle
-- advice, then drugs added step by step while blood pressure stays high.
--
-- Sources
--  [1] Fryar CD et al. Hypertension prevalence and control among adults:
--      United States, 2015-2016. NCHS Data Brief No. 289, 2017.  Prevalence
--      (>= 140/90 mm Hg or on treatment): 7.5% at 18-39, 33.2% at 40-59,
--      63.1% at 60 and over; 40.3% in non-Hispanic black adults against 27.8%
--      in white adults; 48.3% of adults with hypertension were controlled.
--  [2] Vasan RS et al. Residual lifetime risk for developing hypertension in
--      middle-aged women and men: the Framingham Heart Study. JAMA
--      2002;287:1003-1010 (about 90% for adults aged 55-65).
--  [3] Wilson PWF et al. Overweight and obesity as determinants of
--      cardiovascular risk: the Framingham experience. Arch Intern Med
--      2002;162:1867-1872 (obesity raises the risk of hypertension about 1.5-2x).
--  [4] Whelton PK et al. 2017 ACC/AHA guideline for the prevention, detection,
--      evaluation and management of high blood pressure in adults.
--      Hypertension 2018;71:e13-e115: lifestyle change for all; first-line
--      drugs are thiazide diuretics, ACE inhibitors/ARBs and calcium channel
--      blockers; add a second class when blood pressure stays above goal.
--
-- The yearly incidence by age is chosen so that prevalence by age follows [1];
-- race, obesity and diabetes multiply it.  Hypertension raises the risks of
-- chronic kidney disease, coronary heart disease and heart failure in those
-- modules.

local HYPERTENSION = snomed(59621000, "Essential hypertension (disorder)")
local DIABETES     = snomed(44054006, "Diabetes mellitus type 2 (disorder)")
local LIFESTYLE    = snomed(443402002, "Lifestyle education regarding hypertension (procedure)")
local EXERCISE     = snomed(386463000, "Prescribed activity/exercise education (procedure)")
local DIET         = snomed(226234005, "Healthy diet (finding)")
local FOLLOW_UP    = snomed(390906007, "Follow-up encounter (procedure)")
local LISINOPRIL   = rxnorm(314076, "lisinopril 10 MG Oral Tablet")
local HCTZ         = rxnorm(310798, "hydrochlorothiazide 25 MG Oral Tablet")
local AMLODIPINE   = rxnorm(197361, "amlodipine 5 MG Oral Tablet")

local incidence = by_age {          -- yearly onset among adults without hypertension
  { 18, param("hypertension.incidence.18_29", 0.003) },
  { 30, param("hypertension.incidence.30_39", 0.008) },
  { 40, param("hypertension.incidence.40_49", 0.017) },
  { 50, param("hypertension.incidence.50_59", 0.027) },
  { 60, param("hypertension.incidence.60_69", 0.038) },
  { 70, param("hypertension.incidence.70_plus", 0.045) },
}
local RR_BLACK    = param("hypertension.rr.black", 1.5)       -- [1]
local RR_OBESE    = param("hypertension.rr.obesity", 1.6)     -- [3]
local RR_DIABETES = param("hypertension.rr.diabetes", 1.3)

local function yearly_risk(p)
  local r = incidence(p)
  if p.race == "black" then r = r * RR_BLACK end
  local bmi = p:vital("BMI")
  if bmi and bmi >= 30 then r = r * RR_OBESE end
  if p:has_condition(DIABETES.code) then r = r * RR_DIABETES end
  return math.min(r, 1)
end

local TREATED_AT_DIAGNOSIS = param("hypertension.drug_at_diagnosis", 0.7)
local CONTROLLED_ON_DRUGS  = param("hypertension.controlled.on_drugs", 0.6)   -- [1]: about half controlled
local CONTROLLED_NO_DRUGS  = param("hypertension.controlled.no_drugs", 0.25)

return module "Hypertension" {
  -- adults are checked once a year for new hypertension
  Initial            = delay { years(18), next = "Yearly_Check" },
  Yearly_Check       = simple { chance(yearly_risk, "Onset", "Next_Year") },
  Next_Year          = delay { years(1), next = "Yearly_Check" },

  -- blood pressure rises; the engine reports it at the next checkup
  Onset              = vital_sign { "Systolic Blood Pressure", range(140, 170), unit = units.mmHg, next = "Onset_Diastolic" },
  Onset_Diastolic    = vital_sign { "Diastolic Blood Pressure", range(90, 105), unit = units.mmHg, next = "Checkup" },

  -- found at the next wellness visit
  Checkup            = encounter { wellness = true, next = "Diagnosis" },
  Diagnosis          = condition_onset { HYPERTENSION, next = "Lifestyle" },
  Lifestyle          = careplan_start { LIFESTYLE, activities = { EXERCISE, DIET }, reason = "Diagnosis", next = "Drug_Decision" },
  Drug_Decision      = simple { chance(TREATED_AT_DIAGNOSIS, "Step_Up", "Visit_End") },

  -- one more drug class at each step, up to two [4]
  Step_Up            = simple { when {
                         { attribute("hypertension_drugs", "is nil"),
                           pick { { 0.40, "ACE_Inhibitor" }, { 0.30, "Thiazide" }, { 0.30, "Calcium_Blocker" } } },
                         { attribute("hypertension_drugs", "==", 1), "Second_Drug" },
                         otherwise = "Visit_End" } },
  Second_Drug        = simple { when {
                         { negate(has_medication(AMLODIPINE)), "Calcium_Blocker" },
                         { negate(has_medication(HCTZ)), "Thiazide" },
                         otherwise = "ACE_Inhibitor" } },
  ACE_Inhibitor      = medication_order { LISINOPRIL, reason = "Diagnosis", chronic = true, next = "Count_Drug" },
  Thiazide           = medication_order { HCTZ, reason = "Diagnosis", chronic = true, next = "Count_Drug" },
  Calcium_Blocker    = medication_order { AMLODIPINE, reason = "Diagnosis", chronic = true, next = "Count_Drug" },
  Count_Drug         = counter { "hypertension_drugs", next = "Visit_End" },
  Visit_End          = encounter_end { next = "Review_Wait" },

  -- a yearly review: controlled, or uncontrolled and stepped up
  Review_Wait        = delay { years(1), next = "Review" },
  Review             = encounter { "ambulatory", FOLLOW_UP, reason = "Diagnosis", next = "Control" },
  Control            = simple { when {
                         { attribute("hypertension_drugs", "is nil"),
                           chance(CONTROLLED_NO_DRUGS, "Controlled", "Uncontrolled") },
                         otherwise = chance(CONTROLLED_ON_DRUGS, "Controlled", "Uncontrolled") } },
  Controlled         = vital_sign { "Systolic Blood Pressure", range(115, 139), unit = units.mmHg, next = "Controlled_Diastolic" },
  Controlled_Diastolic = vital_sign { "Diastolic Blood Pressure", range(70, 89), unit = units.mmHg, next = "Visit_End" },
  Uncontrolled       = vital_sign { "Systolic Blood Pressure", range(140, 165), unit = units.mmHg, next = "Uncontrolled_Diastolic" },
  Uncontrolled_Diastolic = vital_sign { "Diastolic Blood Pressure", range(90, 100), unit = units.mmHg, next = "Step_Up" },
}
