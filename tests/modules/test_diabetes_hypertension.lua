-- test_diabetes_hypertension.lua -- modules/diabetes.lua and
-- modules/hypertension.lua against their sources, run together with the
-- modules that change their risks (obesity; diabetes raises hypertension).
-- Prevalence here is "ever recorded" among patients of an age band at the
-- reference date (dead included), which the survey figures only
-- approximate: the bands allow 4 standard errors plus 5 points (diabetes)
-- or 8 points (hypertension at 60+, where deaths before the survey age
-- matter most).
local MODS = { "modules/diabetes.lua", "modules/hypertension.lua", "modules/obesity.lua" }
local DIABETES, HYPERTENSION = "SNOMED-CT:44054006", "SNOMED-CT:59621000"

local mid = simulate { modules = MODS, patients = 2000, seed = 3, age = { 45, 64 } }
expect_near("diabetes at 45-64 near 18.9% [diabetes 1]", mid:prevalence(DIABETES), 0.189,
            4 * binomial_se(0.189, mid.n) + 0.05)
expect_near("hypertension at 40-59 near 33.2% [hypertension 1]", mid:prevalence(HYPERTENSION), 0.332,
            4 * binomial_se(0.332, mid.n) + 0.08)

local old = simulate { modules = MODS, patients = 1500, seed = 3, age = { 65, 100 } }
expect_near("diabetes at 65+ near 29.2% [diabetes 1]", old:prevalence(DIABETES), 0.292,
            4 * binomial_se(0.292, old.n) + 0.05)
expect_near("hypertension at 60+ near 63.1% [hypertension 1]", old:prevalence(HYPERTENSION), 0.631,
            4 * binomial_se(0.631, old.n) + 0.08)

local young = simulate { modules = MODS, patients = 1500, seed = 3, age = { 18, 39 } }
expect_near("hypertension at 18-39 near 7.5% [hypertension 1]", young:prevalence(HYPERTENSION), 0.075,
            4 * binomial_se(0.075, young.n) + 0.04)
expect_between("diabetes at 18-39 below 4.8% (the 18-44 figure) [diabetes 1]", young:prevalence(DIABETES), 0, 0.048)

-- onset: adults only, and diabetes is preceded by prediabetes
local dages = old:onset_ages(DIABETES)
expect("diabetes starts in adulthood", dages[1] >= 18, dages[1])
expect_between("median age at diabetes diagnosis 45-70", quantile(dages, 0.5), 45, 70)
local hages = old:onset_ages(HYPERTENSION)
expect("hypertension starts at 18 or later", hages[1] >= 18, hages[1])
local after_pre = 0
for _, p in ipairs(old:patients()) do
  local d, pre = p.codes[DIABETES], p.codes["SNOMED-CT:714628002"]
  if d and pre and pre.first_age <= d.first_age then after_pre = after_pre + 1 end
end
expect("every diabetes diagnosis follows prediabetes [diabetes 2]", after_pre == old:count(DIABETES),
       after_pre .. " of " .. old:count(DIABETES))

-- treatment: metformin first [diabetes 6]
expect_between("most patients with diabetes get metformin", old:count("RxNorm:860975") / old:count(DIABETES), 0.5, 1)
