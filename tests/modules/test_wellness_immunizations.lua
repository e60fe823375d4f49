-- test_wellness_immunizations.lua -- modules/immunizations.lua and
-- modules/wellness.lua, which act at the engine's wellness visits.
-- Tolerances: coverage among young children is near complete by the
-- schedule [imm 1] (1.3% get no vaccine at all [imm 4]); shares the module
-- sets directly get 4 standard errors.
local MODS = { "modules/immunizations.lua", "modules/wellness.lua" }

local kids = simulate { modules = MODS, patients = 800, seed = 2, age = { 2, 5 } }
for _, v in ipairs { { "CVX:08", "hepatitis B" }, { "CVX:20", "DTaP" }, { "CVX:03", "MMR" }, { "CVX:21", "varicella" } } do
  expect_between(v[2] .. " given to nearly every child aged 2-5 [imm 1, 4]", kids:prevalence(v[1]), 0.95, 1)
end
-- hepatitis B is given at birth [imm 1]: the first dose in the first weeks
local hepb = kids:onset_ages("CVX:08")
expect_between("first hepatitis B dose in the first 2 months [imm 1]", quantile(hepb, 0.9), 0, 2 / 12)
-- MMR at 12-15 months [imm 1]
local mmr = kids:onset_ages("CVX:03")
expect_between("first MMR dose at 1-2 years [imm 1]", quantile(mmr, 0.5), 1, 2)
-- no adult vaccines for children
expect_error("zoster is not a childhood vaccine", function() return kids:prevalence("CVX:999") end,
             "no module of this cohort records code CVX:999")
expect("no zoster vaccine in children", kids:count("CVX:187") == 0)

-- women of 50-74 (recent reference date: mammography from 50 [well 8])
local women = simulate { modules = MODS, patients = 1200, seed = 4, gender = "F", age = { 55, 74 } }
local screened = women:prevalence("SNOMED-CT:24623002")
expect_between("most women 55-74 have had a mammogram [well 8, 10]", screened, 0.75, 1)
local first = women:onset_ages("SNOMED-CT:24623002")
expect("no screening mammogram before 40", first[1] >= 40, first[1])
expect("no cervical screening before 21 [well 7]", women:onset_ages("SNOMED-CT:90226004")[1] >= 21)
-- colorectal screening from 45-50 [well 9]
local chose = women:entered("wellness", "Screening_Choice") * women.n
expect("some colorectal screening", chose > 100, chose)
