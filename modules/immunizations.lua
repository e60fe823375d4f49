-- Immunizations: the CDC childhood, adolescent and adult schedules, given at
-- wellness visits.  At every checkup each vaccine is looked at in turn; a
-- dose is given when the patient has reached the age for it, is still young
-- enough for catch-up, the vaccine was in routine use that year, and the
-- earlier doses were given.  Flu shots are offered every season.
--
-- Sources
--  [1] CDC. Child and Adolescent Immunization Schedule by Age, United
--      States, 2024 (ACIP): hepatitis B at birth, 1-2 and 6-18 months;
--      rotavirus at 2 and 4 months (monovalent), not after 8 months; DTaP
--      at 2, 4, 6, 15-18 months and 4-6 years; Hib (PRP-OMP) at 2, 4 and
--      12-15 months; PCV at 2, 4, 6 and 12-15 months; IPV at 2, 4, 6-18
--      months and 4-6 years; influenza yearly from 6 months; MMR and
--      varicella at 12-15 months and 4-6 years; hepatitis A at 12-23
--      months (2 doses 6 months apart); Tdap, HPV and MenACWY at 11-12
--      years; MenACWY booster at 16; catch-up to 18 (HPV to 26).
--  [2] CDC. Adult Immunization Schedule by Age, United States, 2024 (ACIP):
--      influenza yearly; Td or Tdap every 10 years; recombinant zoster
--      vaccine, 2 doses, from 50; pneumococcal conjugate vaccine (PCV20) at
--      65 (before 2022: PPSV23).
--  [3] Years of routine use in the US (ACIP recommendations): universal
--      infant hepatitis B 1991; Hib (PRP-OMP) 1990; acellular DTaP for all
--      doses 1997; all-IPV polio schedule 2000; PCV13 2010; monovalent
--      rotavirus 2008; universal varicella 1996; universal childhood
--      hepatitis A 2006; Tdap and MenACWY for adolescents 2005; 9-valent
--      HPV 2016 (quadrivalent from 2006); live zoster 2006-2017 and
--      recombinant zoster from 2018; universal flu vaccination from 6
--      months 2010 (65 and over from the 1960s; 50-64 from 2000).
--  [4] Hill HA et al. Vaccination coverage among children aged 19-35 months
--      - United States, 2017. MMWR 2018;67:1123-1128: 1.3% of children had
--      received no vaccines.
--  [5] CDC FluVaxView and AdultVaxView (2021-2023 seasons): flu vaccination
--      about 55-60% in children, 35-50% in adults under 65 and about 70% at
--      65 and over; zoster vaccination about 35% of adults 50+;
--      pneumococcal vaccination about 65% of adults 65+; NIS-Teen 2022:
--      HPV vaccination started by about 76% and MenACWY by 89% of teens.
--
-- The module sets attribute "flu_vaccine_year" (the calendar year of the
-- latest flu shot), which the influenza module reads.

local NO_VACCINES = param("immunizations.no_vaccines", 0.013)   -- [4]

-- The schedule: one row per vaccine product.  `at` lists the age in months
-- at which each dose becomes due; `until_age` ends catch-up (years);
-- `from`/`before` bound the calendar years of routine use [3]; `coverage` is
-- the chance a due first dose is accepted (declined series are not offered
-- again).
local SCHEDULE = {
  { name = "HepB", vaccine = cvx(8, "hepatitis B vaccine, pediatric or pediatric/adolescent dosage"),
    at = { 0, 1, 6 }, until_age = 19, from = 1991 },
  { name = "Rotavirus", vaccine = cvx(119, "rotavirus, live, monovalent vaccine"),
    at = { 2, 4 }, until_age = 8 / 12, from = 2008 },
  { name = "DTaP", vaccine = cvx(20, "diphtheria, tetanus toxoids and acellular pertussis vaccine"),
    at = { 2, 4, 6, 15, 48 }, until_age = 7, from = 1997 },
  { name = "Hib", vaccine = cvx(49, "Haemophilus influenzae type b vaccine, PRP-OMP conjugate"),
    at = { 2, 4, 12 }, until_age = 5, from = 1990 },
  { name = "PCV13", vaccine = cvx(133, "pneumococcal conjugate vaccine, 13 valent"),
    at = { 2, 4, 6, 12 }, until_age = 5, from = 2010 },
  { name = "IPV", vaccine = cvx(10, "poliovirus vaccine, inactivated"),
    at = { 2, 4, 6, 48 }, until_age = 18, from = 2000 },
  { name = "MMR", vaccine = cvx(3, "measles, mumps and rubella virus vaccine"),
    at = { 12, 48 }, until_age = 18, from = 1989 },
  { name = "Varicella", vaccine = cvx(21, "varicella virus vaccine"),
    at = { 12, 48 }, until_age = 18, from = 1996 },
  { name = "HepA", vaccine = cvx(83, "hepatitis A vaccine, pediatric/adolescent dosage, 2 dose schedule"),
    at = { 12, 18 }, until_age = 19, from = 2006 },
  { name = "Tdap", vaccine = cvx(115, "tetanus toxoid, reduced diphtheria toxoid, and acellular pertussis vaccine, adsorbed"),
    at = { 132 }, until_age = 19, from = 2005, coverage = param("immunizations.tdap.adolescent", 0.9) },
  { name = "HPV4", vaccine = cvx(62, "human papilloma virus vaccine, quadrivalent"),
    at = { 132, 138 }, until_age = 27, from = 2006, before = 2016, coverage = param("immunizations.hpv", 0.76) },
  { name = "HPV9", vaccine = cvx(165, "human papilloma virus 9-valent vaccine"),
    at = { 132, 138 }, until_age = 27, from = 2016, coverage = param("immunizations.hpv", 0.76) },
  { name = "MenACWY", vaccine = cvx(114, "meningococcal polysaccharide (groups A, C, Y and W-135) diphtheria toxoid conjugate vaccine (MCV4P)"),
    at = { 132, 192 }, until_age = 22, from = 2005, coverage = param("immunizations.menacwy", 0.89) },
  { name = "Zoster_Live", vaccine = cvx(121, "zoster vaccine, live"),
    at = { 720 }, from = 2006, before = 2018, coverage = param("immunizations.zoster", 0.35) },
  { name = "Zoster", vaccine = cvx(187, "zoster vaccine recombinant"),
    at = { 600, 602 }, from = 2018, coverage = param("immunizations.zoster", 0.35) },
  { name = "PPSV23", vaccine = cvx(33, "pneumococcal polysaccharide vaccine, 23 valent"),
    at = { 780 }, from = 1983, before = 2022, coverage = param("immunizations.pneumococcal", 0.65) },
  { name = "PCV20", vaccine = cvx(216, "pneumococcal conjugate vaccine, 20 valent"),
    at = { 780 }, from = 2022, coverage = param("immunizations.pneumococcal", 0.65) },
}

local FLU = cvx(140, "Influenza, seasonal, injectable, preservative free")
local TD  = cvx(113, "tetanus and diphtheria toxoids, adsorbed, preservative free, for adult use")
local flu_coverage = by_age {                                   -- per season [5]
  { 0.5, param("immunizations.flu.children", 0.57) },
  { 18, param("immunizations.flu.18_64", 0.42) },
  { 65, param("immunizations.flu.65_plus", 0.70) },
}
local TD_PER_VISIT = param("immunizations.td.per_visit", 0.3)

------------------------------------------------------------------------------
-- The states, built from the schedule: for each product a check state that
-- finds the dose due (if any), one state per dose, and a state that counts
-- the doses given.
------------------------------------------------------------------------------

local states = {
  Initial       = simple { chance(NO_VACCINES, "Unvaccinated_Childhood", "Visit") },
  -- families who refuse childhood vaccines; adult vaccines are offered later
  Unvaccinated_Childhood = delay { years(18), next = "Visit" },

  -- every wellness visit walks the schedule
  Visit         = encounter { wellness = true, next = "Check_" .. SCHEDULE[1].name },
  Visit_End     = encounter_end { next = "Between_Visits" },
  Between_Visits = delay { weeks(2), next = "Visit" },
}

-- Condition: dose n of vaccine v is due now.
local function due(v, n)
  local counter = "immunization_" .. v.name
  local given = n == 1 and attribute(counter, "is nil") or attribute(counter, "==", n - 1)
  local c = { given, age_at_least(v.at[n], "months"), year_at_least(v.from) }
  if v.until_age then c[#c + 1] = age_below(v.until_age * 12, "months") end
  if v.before then c[#c + 1] = year_before(v.before) end
  return all(c)
end

for i, v in ipairs(SCHEDULE) do
  local after = SCHEDULE[i + 1] and "Check_" .. SCHEDULE[i + 1].name or "Check_Flu"
  local counter = "immunization_" .. v.name
  local options = {}
  for n = 1, #v.at do
    local dose = v.name .. "_" .. n
    local target = dose
    if n == 1 and v.coverage then target = chance(v.coverage, dose, v.name .. "_Declined") end
    options[n] = { due(v, n), target }
    states[dose] = vaccine { v.vaccine, series = n, next = v.name .. "_Given_" .. n }
    states[v.name .. "_Given_" .. n] = set_attribute { counter, n, next = after }
  end
  options.otherwise = after
  states["Check_" .. v.name] = simple { when(options) }
  if v.coverage then
    states[v.name .. "_Declined"] = set_attribute { counter, -1, next = after }
  end
end

-- influenza: once a season from 6 months, in the years of routine use [3]
states.Check_Flu = simple { when {
  { all { negate(prior_state("Flu_Shot", months(10))),
          any { all { age_at_least(6, "months"), year_at_least(2010) },
                all { age_at_least(50), year_at_least(2000) },
                all { age_at_least(65), year_at_least(1965) } } },
    chance(flu_coverage, "Flu_Shot", "Check_Td") },
  otherwise = "Check_Td" } }
states.Flu_Shot = vaccine { FLU, series = 1, next = "Flu_Year" }
states.Flu_Year = set_attribute { "flu_vaccine_year", function(p) return p.year end, next = "Check_Td" }

-- tetanus-diphtheria booster every 10 years in adults [2]
states.Check_Td = simple { when {
  { all { age_at_least(19), year_at_least(1970),
          negate(prior_state("Tdap_1", years(10))), negate(prior_state("Td_Booster", years(10))) },
    chance(TD_PER_VISIT, "Td_Booster", "Visit_End") },
  otherwise = "Visit_End" } }
states.Td_Booster = vaccine { TD, series = 1, next = "Visit_End" }

return module "Immunizations" (states)
