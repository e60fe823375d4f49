-- Heart failure: onset in later life, driven by hypertension, coronary
-- disease and diabetes; diagnosis with echocardiography and NT-proBNP;
-- guideline drugs; hospital admissions for decompensation; deaths.
--
-- Sources
--  [1] Tsao CW et al. Heart disease and stroke statistics - 2023 update.
--      Circulation 2023;147:e93-e621: about 6.7 million US adults (2.3%)
--      have heart failure; incidence rises steeply after 65.
--  [2] Huffman MD et al. Lifetime risk for heart failure among white and
--      black Americans: cardiovascular lifetime risk pooling project. Circ
--      Heart Fail 2013;6:279-286: lifetime risk 20-45% at age 45, higher
--      with hypertension and after myocardial infarction.
--  [3] Roger VL et al. Trends in heart failure incidence and survival in a
--      community-based population. JAMA 2004;292:344-350: 5-year survival
--      about 50%.
--  [4] Heidenreich PA et al. 2022 AHA/ACC/HFSA guideline for the management of
--      heart failure. Circulation 2022;145:e895-e1032: ACE inhibitor (or
--      ARB/ARNI), evidence-based beta-blocker, mineralocorticoid antagonist,
--      loop diuretic for congestion; self-care education.
--
-- Yearly incidence is chosen so that prevalence follows [1]; the death rate
-- is the part of the mortality in [3] beyond natural death.

local HEART_FAILURE  = snomed(88805009, "Chronic congestive heart failure (disorder)")
local HYPERTENSION   = snomed(59621000, "Essential hypertension (disorder)")
local DIABETES       = snomed(44054006, "Diabetes mellitus type 2 (disorder)")
local CHD            = snomed(53741008, "Coronary arteriosclerosis (disorder)")
local HISTORY_MI     = snomed(399211009, "History of myocardial infarction (situation)")
local PROBLEM        = snomed(185347001, "Encounter for problem (procedure)")
local FOLLOW_UP      = snomed(390906007, "Follow-up encounter (procedure)")
local ADMISSION      = snomed(32485007, "Hospital admission (procedure)")
local ECHO           = snomed(40701008, "Echocardiography (procedure)")
local ECG            = snomed(29303009, "Electrocardiographic procedure (procedure)")
local SELF_CARE      = snomed(735984001, "Heart failure self management plan (record artifact)")
local DIET           = snomed(226234005, "Healthy diet (finding)")
local EXERCISE       = snomed(229065009, "Exercise therapy (regime/therapy)")
local NT_PROBNP      = loinc("33762-6", "Natriuretic peptide.B prohormone N-Terminal [Mass/volume] in Serum or Plasma")
local LISINOPRIL     = rxnorm(314076, "lisinopril 10 MG Oral Tablet")
local CARVEDILOL     = rxnorm(200031, "carvedilol 6.25 MG Oral Tablet")
local FUROSEMIDE     = rxnorm(313988, "furosemide 40 MG Oral Tablet")
local SPIRONOLACTONE = rxnorm(313096, "spironolactone 25 MG Oral Tablet")

local onset = by_age {                  -- yearly onset without risk factors
  { 45, param("heart_failure.onset.45_54", 0.0004) },
  { 55, param("heart_failure.onset.55_64", 0.0010) },
  { 65, param("heart_failure.onset.65_74", 0.0030) },
  { 75, param("heart_failure.onset.75_84", 0.0060) },
  { 85, param("heart_failure.onset.85_plus", 0.0120) },
}
local RR = {                                                  -- [2]
  hypertension = param("heart_failure.rr.hypertension", 1.8),
  infarction = param("heart_failure.rr.history_mi", 3.0),
  chd = param("heart_failure.rr.chd", 1.8),
  diabetes = param("heart_failure.rr.diabetes", 1.8),
}

local function yearly_risk(p)
  local r = onset(p)
  if p:has_condition(HYPERTENSION.code) then r = r * RR.hypertension end
  if p:has_condition(HISTORY_MI.code) then r = r * RR.infarction
  elseif p:has_condition(CHD.code) then r = r * RR.chd end
  if p:has_condition(DIABETES.code) then r = r * RR.diabetes end
  return math.min(r, 1)
end

local MRA_SHARE   = param("heart_failure.spironolactone", 0.35)
local ADMISSIONS  = param("heart_failure.admission.yearly", 0.25)
local DEATH       = param("heart_failure.death.yearly", 0.05)       -- [3], beyond natural death

return module "Heart Failure" {
  -- adults from 45 are checked once a year
  Initial          = delay { years(45), next = "Yearly_Check" },
  Yearly_Check     = simple { chance(yearly_risk, "Breathless", "Next_Year") },
  Next_Year        = delay { years(1), next = "Yearly_Check" },

  -- breathlessness and swollen ankles bring the patient in
  Breathless       = symptom { "Shortness of Breath", severity = range(30, 80), next = "Swelling" },
  Swelling         = symptom { "Ankle Swelling", severity = range(20, 70), next = "Visit" },
  Visit            = encounter { "ambulatory", PROBLEM, next = "ECG" },
  ECG              = procedure { ECG, duration = minutes(10, 20), next = "NT_proBNP" },
  NT_proBNP        = observation { NT_PROBNP, range(450, 5000), unit = units.pg_mL, category = "laboratory", next = "Echo" },
  Echo             = procedure { ECHO, duration = minutes(30, 60), next = "Diagnosis" },
  Diagnosis        = condition_onset { HEART_FAILURE, next = "Self_Care" },
  Self_Care        = careplan_start { SELF_CARE, activities = { DIET, EXERCISE }, reason = "Diagnosis", next = "ACE_Check" },

  -- guideline-directed drugs [4]
  ACE_Check        = simple { when { { has_medication(LISINOPRIL), "Beta_Check" }, otherwise = "ACE_Inhibitor" } },
  ACE_Inhibitor    = medication_order { LISINOPRIL, reason = "Diagnosis", chronic = true, next = "Beta_Check" },
  Beta_Check       = simple { when { { has_medication(CARVEDILOL), "Diuretic" }, otherwise = "Beta_Blocker" } },
  Beta_Blocker     = medication_order { CARVEDILOL, reason = "Diagnosis", chronic = true, next = "Diuretic" },
  Diuretic         = medication_order { FUROSEMIDE, reason = "Diagnosis", chronic = true, next = "MRA_Decision" },
  MRA_Decision     = simple { chance(MRA_SHARE, "Spironolactone", "Visit_End") },
  Spironolactone   = medication_order { SPIRONOLACTONE, reason = "Diagnosis", chronic = true, next = "Visit_End" },
  Visit_End        = encounter_end { next = "HF_Year" },

  -- each year: death, an admission for decompensation, or a stable review
  HF_Year          = delay { months(6, 18), next = "Outcome" },
  Outcome          = simple { pick { { DEATH, "Death" }, { ADMISSIONS, "Decompensation" }, otherwise = "Review" } },
  Review           = encounter { "ambulatory", FOLLOW_UP, reason = "Diagnosis", next = "Review_BNP" },
  Review_BNP       = observation { NT_PROBNP, range(300, 2000), unit = units.pg_mL, category = "laboratory", next = "Review_End" },
  Review_End       = encounter_end { next = "HF_Year" },

  Decompensation   = symptom { "Shortness of Breath", severity = range(70, 100), next = "Admission" },
  Admission        = encounter { "inpatient", ADMISSION, reason = "Diagnosis", next = "Admission_BNP" },
  Admission_BNP    = observation { NT_PROBNP, range(2000, 15000), unit = units.pg_mL, category = "laboratory", next = "Admission_Echo" },
  Admission_Echo   = procedure { ECHO, duration = minutes(30, 60), next = "Discharge" },
  Discharge        = encounter_end { next = "Recovered" },
  Recovered        = symptom { "Shortness of Breath", severity = range(10, 40), next = "HF_Year" },

  Death            = death { cause = "Diagnosis", next = "Terminal" },
  Terminal         = terminal {},
}
