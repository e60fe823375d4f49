-- Hyperlipidemia: raised LDL cholesterol found by screening, treated with a
-- statin.
--
-- Sources
--  [1] Carroll MD, Fryar CD. Total and high-density lipoprotein cholesterol in
--      adults: United States, 2015-2018. NCHS Data Brief No. 363, 2020: high
--      total cholesterol (>= 240 mg/dL) in about 11% of adults, most common at
--      40-59.
--  [2] Gu Q et al. Prescription cholesterol-lowering medication use in adults
--      aged 40 and over: United States, 2003-2012. NCHS Data Brief No. 177,
--      2014: 27.8% of adults aged 40 and over used a statin.
--  [3] Grundy SM et al. 2018 AHA/ACC guideline on the management of blood
--      cholesterol. Circulation 2019;139:e1082-e1143: lifestyle for all,
--      moderate-intensity statin for primary prevention at raised risk,
--      high-intensity statin after a coronary event (see coronary_heart_disease).
--
-- The module sets the attributes "ldl", "hdl", "triglycerides" and
-- "total_cholesterol" (mg/dL) that the wellness module's lipid panel reports.
-- Hyperlipidemia raises the risk of coronary heart disease in that module.

local HYPERLIPIDEMIA = snomed(55822004, "Hyperlipidemia (disorder)")
local DIET           = snomed(226234005, "Healthy diet (finding)")
local EXERCISE       = snomed(229065009, "Exercise therapy (regime/therapy)")
local LIFESTYLE_PLAN = snomed(736285004, "Hyperlipidemia clinical management plan (record artifact)")
local SIMVASTATIN    = rxnorm(312961, "simvastatin 20 MG Oral Tablet")

local onset = by_age {                  -- yearly onset of hyperlipidemia
  { 20, param("hyperlipidemia.onset.20_39", 0.004) },
  { 40, param("hyperlipidemia.onset.40_59", 0.012) },
  { 60, param("hyperlipidemia.onset.60_plus", 0.008) },
}
local RR_OBESE   = param("hyperlipidemia.rr.obesity", 1.5)
local STATIN     = param("hyperlipidemia.statin", 0.65)        -- [2], [3]

local function yearly_risk(p)
  local r = onset(p)
  local bmi = p:vital("BMI")
  if bmi and bmi >= 30 then r = r * RR_OBESE end
  return math.min(r, 1)
end

return module "Hyperlipidemia" {
  -- normal lipids from adulthood, checked once a year for a change
  Initial          = delay { years(20), next = "Normal_LDL" },
  Normal_LDL       = set_attribute { "ldl", gaussian(105, 20, nil, { min = 50, max = 159 }), next = "Normal_HDL" },
  Normal_HDL       = set_attribute { "hdl", gaussian(55, 12, nil, { min = 30, max = 100 }), next = "Normal_Triglycerides" },
  Normal_Triglycerides = set_attribute { "triglycerides", gaussian(110, 35, nil, { min = 40, max = 199 }), next = "Normal_Total" },
  Normal_Total     = set_attribute { "total_cholesterol", gaussian(185, 25, nil, { min = 120, max = 239 }), next = "Yearly_Check" },
  Yearly_Check     = simple { chance(yearly_risk, "Onset", "Next_Year") },
  Next_Year        = delay { years(1), next = "Yearly_Check" },

  -- raised lipids, found by the next checkup's lipid panel
  Onset            = set_attribute { "ldl", range(160, 220), next = "High_Total" },
  High_Total       = set_attribute { "total_cholesterol", range(240, 300), next = "High_Triglycerides" },
  High_Triglycerides = set_attribute { "triglycerides", range(150, 400), next = "Checkup" },
  Checkup          = encounter { wellness = true, next = "Diagnosis" },
  Diagnosis        = condition_onset { HYPERLIPIDEMIA, next = "Lifestyle" },
  Lifestyle        = careplan_start { LIFESTYLE_PLAN, activities = { DIET, EXERCISE }, reason = "Diagnosis", next = "Statin_Decision" },
  Statin_Decision  = simple { chance(STATIN, "Statin", "Checkup_End") },
  Statin           = medication_order { SIMVASTATIN, reason = "Diagnosis", chronic = true, next = "Treated_LDL" },
  Treated_LDL      = set_attribute { "ldl", range(80, 130), next = "Treated_Total" },
  Treated_Total    = set_attribute { "total_cholesterol", range(160, 210), next = "Checkup_End" },
  Checkup_End      = encounter_end { next = "Terminal" },

  Terminal         = terminal {},
}
