-- Coronary heart disease: a first presentation as stable angina or as a
-- myocardial infarction; emergency care, revascularisation and secondary
-- prevention; recurrent infarctions; deaths.
--
-- Sources
--  [1] Tsao CW et al. Heart disease and stroke statistics - 2023 update: a
--      report from the American Heart Association. Circulation
--      2023;147:e93-e621.  About 605,000 first and 200,000 recurrent
--      myocardial infarctions a year in the US; mean age at first
--      infarction 65.6 (men) and 72.0 (women); coronary heart disease in
--      about 7% of adults; within 5 years of a first infarction at 45 or
--      older, 17% of men and 21% of women have a recurrent or fatal one;
--      30-day mortality after acute infarction about 13-14%.
--  [2] Wilson PWF et al. Prediction of coronary heart disease using risk
--      factor categories. Circulation 1998;97:1837-1847 (Framingham):
--      smoking, diabetes, hypertension and high cholesterol each raise the
--      risk about 1.5-2 times.
--  [3] Lawton JS et al. 2021 ACC/AHA/SCAI guideline for coronary artery
--      revascularization. Circulation 2022;145:e18-e114; and Virani SS et al.
--      2023 AHA/ACC chronic coronary disease guideline. Circulation
--      2023;148:e9-e119: aspirin, high-intensity statin, beta-blocker after
--      infarction, P2Y12 inhibitor for 12 months after an acute coronary
--      syndrome, sublingual nitroglycerin for angina.
--
-- The yearly risk of a first event by age and sex is chosen so that the age
-- at first infarction and the prevalence follow [1]; risk factors from the
-- other modules multiply it [2].  Heart failure after infarction is in the
-- heart failure module.

local CHD            = snomed(53741008, "Coronary arteriosclerosis (disorder)")
local MI             = snomed(22298006, "Myocardial infarction (disorder)")
local HISTORY_MI     = snomed(399211009, "History of myocardial infarction (situation)")
local DIABETES       = snomed(44054006, "Diabetes mellitus type 2 (disorder)")
local HYPERTENSION   = snomed(59621000, "Essential hypertension (disorder)")
local HYPERLIPIDEMIA = snomed(55822004, "Hyperlipidemia (disorder)")
local CKD3           = snomed(433144002, "Chronic kidney disease stage 3 (disorder)")
local PROBLEM        = snomed(185347001, "Encounter for problem (procedure)")
local FOLLOW_UP      = snomed(390906007, "Follow-up encounter (procedure)")
local EMERGENCY      = snomed(50849002, "Emergency room admission (procedure)")
local ADMISSION      = snomed(32485007, "Hospital admission (procedure)")
local ECG            = snomed(29303009, "Electrocardiographic procedure (procedure)")
local PCI            = snomed(415070008, "Percutaneous coronary intervention (procedure)")
local CABG           = snomed(232717009, "Coronary artery bypass grafting (procedure)")
local CARDIAC_CARE   = snomed(385715006, "Cardiac care (regime/therapy)")
local EXERCISE       = snomed(229065009, "Exercise therapy (regime/therapy)")
local DIET           = snomed(226234005, "Healthy diet (finding)")
local TROPONIN       = loinc("89579-7", "Troponin I.cardiac [Mass/volume] in Serum or Plasma by High sensitivity method")
local ASPIRIN        = rxnorm(243670, "aspirin 81 MG Oral Tablet")
local CLOPIDOGREL    = rxnorm(309362, "clopidogrel 75 MG Oral Tablet")
local ATORVASTATIN   = rxnorm(259255, "atorvastatin 80 MG Oral Tablet")
local SIMVASTATIN    = rxnorm(312961, "simvastatin 20 MG Oral Tablet")
local CARVEDILOL     = rxnorm(200031, "carvedilol 6.25 MG Oral Tablet")
local NITROGLYCERIN  = rxnorm(198039, "nitroglycerin 0.4 MG Sublingual Tablet")

local men = by_age {                   -- yearly first coronary event, men without risk factors
  { 35, param("chd.onset.male.35_44", 0.0008) },
  { 45, param("chd.onset.male.45_54", 0.0022) },
  { 55, param("chd.onset.male.55_64", 0.0045) },
  { 65, param("chd.onset.male.65_74", 0.0075) },
  { 75, param("chd.onset.male.75_plus", 0.011) },
}
local women = by_age {
  { 35, param("chd.onset.female.35_44", 0.0002) },
  { 45, param("chd.onset.female.45_54", 0.0008) },
  { 55, param("chd.onset.female.55_64", 0.0022) },
  { 65, param("chd.onset.female.65_74", 0.0045) },
  { 75, param("chd.onset.female.75_plus", 0.008) },
}
local RR = {                                                -- [2]
  smoker = param("chd.rr.smoker", 2.0),
  diabetes = param("chd.rr.diabetes", 2.0),
  hypertension = param("chd.rr.hypertension", 1.6),
  hyperlipidemia = param("chd.rr.hyperlipidemia", 1.5),
  ckd = param("chd.rr.ckd", 1.5),
}

local function first_event_risk(p)
  local r = p.gender == "M" and men(p) or women(p)
  if p:attr("smoker") == true then r = r * RR.smoker end
  if p:has_condition(DIABETES.code) then r = r * RR.diabetes end
  if p:has_condition(HYPERTENSION.code) then r = r * RR.hypertension end
  if p:has_condition(HYPERLIPIDEMIA.code) then r = r * RR.hyperlipidemia end
  if p:has_condition(CKD3.code) then r = r * RR.ckd end
  return math.min(r, 1)
end

local FIRST_IS_MI    = param("chd.first_event.infarction", 0.45)
local MI_DEATH       = param("chd.infarction.death_30_days", 0.13)    -- [1]
local PCI_SHARE      = param("chd.infarction.pci", 0.60)
local CABG_SHARE     = param("chd.infarction.cabg", 0.10)
local RECURRENCE     = param("chd.infarction.recurrence.yearly", 0.04) -- [1]: 17-21% in 5 years
local ANGINA_TO_MI   = param("chd.angina.infarction.yearly", 0.02)

return module "Coronary Heart Disease" {
  -- adults from 35 are checked once a year
  Initial          = delay { years(35), next = "Yearly_Check" },
  Yearly_Check     = simple { chance(first_event_risk, "First_Event", "Next_Year") },
  Next_Year        = delay { years(1), next = "Yearly_Check" },
  First_Event      = simple { chance(FIRST_IS_MI, "Chest_Pain", "Angina") },

  -- stable angina: exertional chest pain, seen in the office
  Angina           = symptom { "Chest Pain", severity = range(20, 60), next = "Angina_Visit" },
  Angina_Visit     = encounter { "ambulatory", PROBLEM, next = "Angina_ECG" },
  Angina_ECG       = procedure { ECG, duration = minutes(10, 20), next = "Stable_CHD" },
  Stable_CHD       = condition_onset { CHD, next = "Prevention_Plan" },
  Prevention_Plan  = careplan_start { CARDIAC_CARE, activities = { EXERCISE, DIET }, reason = "Stable_CHD", next = "Aspirin" },
  Aspirin          = medication_order { ASPIRIN, reason = "Stable_CHD", chronic = true, next = "Statin_Check" },
  Statin_Check     = simple { when {
                       { has_medication(ATORVASTATIN), "Nitroglycerin" },
                       { has_medication(SIMVASTATIN), "Stop_Moderate_Statin" },
                       otherwise = "High_Intensity_Statin" } },
  Stop_Moderate_Statin = medication_end { SIMVASTATIN, next = "High_Intensity_Statin" },
  High_Intensity_Statin = medication_order { ATORVASTATIN, reason = "Stable_CHD", chronic = true, next = "Nitroglycerin" },
  Nitroglycerin    = medication_order { NITROGLYCERIN, reason = "Stable_CHD", chronic = true, next = "Angina_Visit_End" },
  Angina_Visit_End = encounter_end { next = "Angina_Year" },
  Angina_Year      = delay { years(1), next = "Angina_Check" },
  Angina_Check     = simple { chance(ANGINA_TO_MI, "Chest_Pain", "Angina_Year") },

  -- myocardial infarction: crushing chest pain, emergency department
  Chest_Pain       = symptom { "Chest Pain", severity = range(70, 100), next = "Emergency" },
  Emergency        = encounter { "emergency", EMERGENCY, next = "ECG" },
  ECG              = procedure { ECG, duration = minutes(10, 20), next = "Troponin" },
  Troponin         = observation { TROPONIN, range(100, 5000), unit = units.ng_L, category = "laboratory", next = "Infarction" },
  Infarction       = condition_onset { MI, next = "Survival" },
  Survival         = simple { chance(MI_DEATH, "MI_Death", "Admission") },
  MI_Death         = death { cause = "Infarction", next = "Terminal" },

  -- admitted: revascularisation and secondary prevention [3]
  Admission        = encounter { "inpatient", ADMISSION, reason = "Infarction", next = "Revascularisation" },
  Revascularisation = simple { pick { { PCI_SHARE, "PCI" }, { CABG_SHARE, "CABG" }, otherwise = "Medical_Therapy" } },
  PCI              = procedure { PCI, reason = "Infarction", duration = minutes(45, 120), next = "Medical_Therapy" },
  CABG             = procedure { CABG, reason = "Infarction", duration = hours(3, 6), next = "Medical_Therapy" },
  Medical_Therapy  = simple { when {
                       { has_medication(ASPIRIN), "Clopidogrel" },
                       otherwise = "MI_Aspirin" } },
  MI_Aspirin       = medication_order { ASPIRIN, reason = "Infarction", chronic = true, next = "Clopidogrel" },
  Clopidogrel      = medication_order { CLOPIDOGREL, reason = "Infarction", next = "MI_Statin_Check" },
  MI_Statin_Check  = simple { when {
                       { has_medication(ATORVASTATIN), "Beta_Blocker_Check" },
                       { has_medication(SIMVASTATIN), "MI_Stop_Moderate_Statin" },
                       otherwise = "MI_Statin" } },
  MI_Stop_Moderate_Statin = medication_end { SIMVASTATIN, next = "MI_Statin" },
  MI_Statin        = medication_order { ATORVASTATIN, reason = "Infarction", chronic = true, next = "Beta_Blocker_Check" },
  Beta_Blocker_Check = simple { when {
                       { has_medication(CARVEDILOL), "CHD_Check" },
                       otherwise = "Beta_Blocker" } },
  Beta_Blocker     = medication_order { CARVEDILOL, reason = "Infarction", chronic = true, next = "CHD_Check" },
  CHD_Check        = simple { when {
                       { has_condition(CHD), "Admission_End" },
                       otherwise = "CHD_Onset" } },
  CHD_Onset        = condition_onset { CHD, next = "Admission_End" },
  Admission_End    = encounter_end { next = "Recovery" },

  -- four weeks later the infarction is history; clopidogrel stops at a year
  Recovery         = delay { weeks(4), next = "Follow_Up" },
  Follow_Up        = encounter { "ambulatory", FOLLOW_UP, reason = "Infarction", next = "Infarction_End" },
  Infarction_End   = condition_end { "Infarction", next = "History_Check" },
  History_Check    = simple { when {
                       { has_condition(HISTORY_MI), "Follow_Up_End" },
                       otherwise = "History" } },
  History          = condition_onset { HISTORY_MI, next = "Follow_Up_End" },
  Follow_Up_End    = encounter_end { next = "DAPT_Year" },
  DAPT_Year        = delay { weeks(48), next = "Stop_Clopidogrel" },
  Stop_Clopidogrel = medication_end { "Clopidogrel", next = "Post_MI_Check" },

  -- after an infarction: a recurrence each year with some chance [1]
  Post_MI_Year     = delay { years(1), next = "Post_MI_Check" },
  Post_MI_Check    = simple { chance(RECURRENCE, "Chest_Pain", "Post_MI_Year") },

  Terminal         = terminal {},
}
