-- Tobacco smoking: who starts, at what age, and who quits.
--
-- This module models the behaviour only.  It sets three attributes that other
-- modules read:
--   smoker         true while the patient smokes, false otherwise (set at 14)
--   ever_smoker    true once the patient has started
--   smoking_years  years smoked so far (about pack-years at a pack a day)
-- The wellness module asks about tobacco at each checkup and records
-- "Smokes tobacco daily" / "Ex-smoker"; COPD, coronary heart disease and
-- others raise their risks for smokers.
--
-- Sources
--  [1] US Department of Health and Human Services. The Health Consequences of
--      Smoking - 50 Years of Progress. Report of the Surgeon General, 2014:
--      nearly 9 in 10 adult daily smokers first smoked by age 18, and almost
--      all by 26.
--  [2] Cornelius ME et al. Tobacco product use among adults - United States,
--      2021. MMWR 2023;72:475-483; and the NHIS series it continues: adult
--      current cigarette smoking 42.4% in 1965, about 25% in 1990, 19% in
--      2010, 11.5% in 2021; higher in men and in adults with low income
--      (roughly twice the rate of high-income adults).
--  [3] Babb S et al. Quitting smoking among adults - United States, 2000-2015.
--      MMWR 2017;65:1457-1464: 7.4% of smokers quit successfully each year
--      (recent quitters); most quit attempts relapse.
--
-- The chance of taking up smoking is set by the calendar year the patient
-- turns 14, so that the simulated adult smoking prevalence follows [2]; it is
-- scaled by sex and socioeconomic status.

local START = by_year {            -- chance of ever becoming a regular smoker, by year of turning 14
  { 1900, 0.58 }, { 1950, 0.54 }, { 1960, 0.47 }, { 1970, 0.40 }, { 1980, 0.34 },
  { 1990, 0.31 }, { 2000, 0.25 }, { 2010, 0.15 }, { 2020, 0.09 },
}
local MALE = param("smoking.start.male_ratio", 1.15)      -- men smoked more, [2]
local FEMALE = param("smoking.start.female_ratio", 0.85)
local SES = { Low = param("smoking.start.low_ses_ratio", 1.35), Middle = 1.0,
              High = param("smoking.start.high_ses_ratio", 0.65) }
local QUIT = param("smoking.quit.yearly", 0.035)           -- lasting quits a year, below the 7.4% of [3] (relapse)

local function start_chance(p)
  local r = START(p) * (p.gender == "M" and MALE or FEMALE) * SES[p.ses]
  return math.min(r, 0.95)
end

return module "Smoking" {
  Initial        = delay { years(14), next = "Decide" },
  Decide         = simple { chance(start_chance, "Will_Smoke", "Never_Smoker") },

  Never_Smoker   = set_attribute { "smoker", false, next = "Terminal" },

  -- most smokers start between 14 and 21 [1]
  Will_Smoke     = set_attribute { "smoker", false, next = "Start_Age" },
  Start_Age      = delay { years(0, 7), next = "Starts" },
  Starts         = set_attribute { "smoker", true, next = "Ever" },
  Ever           = set_attribute { "ever_smoker", true, next = "Smoking_Year" },

  -- each year of smoking counts, and some smokers quit for good
  Smoking_Year   = delay { years(1), next = "Count_Year" },
  Count_Year     = counter { "smoking_years", next = "Quit_Check" },
  Quit_Check     = simple { when {
                     { attribute("smoker", "==", false), "Terminal" },   -- quit with help elsewhere (e.g. COPD care)
                     otherwise = chance(QUIT, "Quits", "Smoking_Year") } },
  Quits          = set_attribute { "smoker", false, next = "Terminal" },

  Terminal       = terminal {},
}
