-- Tests of docs/examples/gout.lua against its sources.
-- Run: vitae test docs/examples/test_gout.lua   (the guide, docs/writing-modules.md, explains it)

local GOUT        = "90560007"   -- Gout (disorder)
local ALLOPURINOL = "197319"     -- allopurinol 100 MG Oral Tablet

local c = simulate { modules = { "docs/examples/gout.lua" }, patients = 5000, seed = 1 }

-- [1] 3.9% of US adults have been diagnosed with gout. About a quarter of
-- the simulated patients are children, who never have it, so the share of
-- all patients is lower: about 2.5 to 3%.
expect_between("share of patients ever diagnosed with gout", c:prevalence(GOUT), 0.018, 0.036)

-- [1] 33% of patients with gout take urate-lowering therapy.
expect_between("share of patients with gout who get allopurinol",
               c:prevalence(ALLOPURINOL) / c:prevalence(GOUT), 0.18, 0.45)

-- [2] Mean age at onset 59.7 years in an incidence cohort. A simulated
-- cohort is cut at today's date (someone born in 1990 cannot yet have gout
-- at 60), so its mean age at diagnosis is lower: we expect 42 to 56.
local ages = c:onset_ages(GOUT)
expect("some patients have gout", #ages > 0, "no onset of " .. GOUT)
local sum, youngest = 0, math.huge
for _, a in ipairs(ages) do
  sum = sum + a
  if a < youngest then youngest = a end
end
if #ages > 0 then
  expect_between("mean age at diagnosis", sum / #ages, 42, 56)
  expect("no gout before the age of 20", youngest >= 20, "youngest onset at " .. youngest)
end

-- The pathway: every diagnosis happens at a visit, and some patients on
-- allopurinol come back for a follow-up.
expect("patients reach the diagnosis", c:entered("Gout", "Diagnosis") > 0)
expect("patients on allopurinol have a follow-up visit", c:entered("Gout", "Follow_Up_Visit") > 0)
