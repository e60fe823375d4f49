-- units.lua -- the `units` table: names of time units for delays and ages,
-- and UCUM units (https://ucum.org) for observations, so a module writes
-- unit = units.mg_dL instead of spelling "mg/dL" by hand.

return {
  -- time units understood by Delay, Death, Procedure durations, Age conditions
  years = "years", months = "months", weeks = "weeks", days = "days",
  hours = "hours", minutes = "minutes",

  -- UCUM units of common observations
  mmHg = "mm[Hg]",              -- blood pressure
  percent = "%",                -- HbA1c, FEV1/FVC ratio in percent
  mg_dL = "mg/dL",              -- glucose, cholesterol, creatinine
  mmol_L = "mmol/L",
  mmol_mol = "mmol/mol",        -- HbA1c (IFCC)
  g_dL = "g/dL",                -- hemoglobin
  mg_g = "mg/g",                -- urine albumin/creatinine ratio
  egfr = "mL/min/{1.73_m2}",    -- estimated glomerular filtration rate
  ng_mL = "ng/mL",
  ng_L = "ng/L",                -- high-sensitivity troponin
  pg_mL = "pg/mL",              -- NT-proBNP
  L = "L",                      -- FEV1, FVC
  L_min = "L/min",              -- peak expiratory flow
  kg = "kg", g = "g", cm = "cm",
  kg_m2 = "kg/m2",              -- body mass index
  per_min = "/min",             -- heart rate, respiratory rate
  celsius = "Cel",
  score = "{score}",            -- questionnaires (PHQ-2, PHQ-9, GAD-7, AUDIT-C)
  ratio = "{ratio}",
  count = "{#}",
  pack_years = "{pack-years}",  -- cumulative smoking exposure
}
