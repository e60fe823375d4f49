-- Obesity: recorded as a finding at a checkup once an adult's body mass index
-- reaches 30, with a weight management programme.  The engine records height,
-- weight and BMI at each wellness visit; this module adds the diagnosis.
--
-- Sources
--  [1] Hales CM et al. Prevalence of obesity and severe obesity among adults:
--      United States, 2017-2018. NCHS Data Brief No. 360, 2020: 42.4% of
--      adults had obesity (BMI >= 30).
--  [2] US Preventive Services Task Force. Behavioral weight loss interventions
--      to prevent obesity-related morbidity and mortality in adults. JAMA
--      2018;320:1163-1171: offer or refer adults with BMI >= 30 to intensive,
--      multicomponent behavioural interventions.
--
-- Obesity is coded for only part of the adults whose measured BMI shows it;
-- the recording chance below is an estimate to learn from data.

local OBESITY      = snomed(162864005, "Body mass index 30+ - obesity (finding)")
local WEIGHT_PLAN  = snomed(718361005, "Weight management program (regime/therapy)")
local DIET         = snomed(226234005, "Healthy diet (finding)")
local EXERCISE     = snomed(229065009, "Exercise therapy (regime/therapy)")

local RECORDED = param("obesity.recorded", 0.5)

return module "Obesity" {
  Initial       = delay { years(18), next = "Wait_For_BMI" },
  -- waits (re-checked by the engine) until the measured BMI reaches 30
  Wait_For_BMI  = guard { vital("BMI", ">=", 30), next = "Recorded" },
  Recorded      = simple { chance(RECORDED, "Checkup", "Terminal") },
  Checkup       = encounter { wellness = true, next = "Diagnosis" },
  Diagnosis     = condition_onset { OBESITY, next = "Programme" },
  Programme     = careplan_start { WEIGHT_PLAN, activities = { DIET, EXERCISE }, reason = "Diagnosis", next = "Checkup_End" },
  Checkup_End   = encounter_end { next = "Terminal" },
  Terminal      = terminal {},
}
