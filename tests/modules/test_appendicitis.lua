-- test_appendicitis.lua -- modules/appendicitis.lua against its sources.
-- Tolerances: a share measured on n patients has a standard error
-- sqrt(p (1 - p) / n) (binomial_se); checks of a number the module sets
-- directly allow 4 standard errors (a false alarm about once in 16,000
-- runs of a changed seed); checks against an epidemiological figure, which
-- the module only approximates through ages and deaths, get a wider band
-- said at each check.  The seed is fixed, so the numbers never change
-- unless the engine or the module does.

local c = simulate { modules = "modules/appendicitis.lua", patients = 4000, seed = 11, trace = true }
local APPENDICITIS, RUPTURE = "SNOMED-CT:74400008", "SNOMED-CT:47693006"

-- lifetime risk 8.6% (men) and 6.7% (women) [1]: the patients aged 60 and
-- over, alive, have had nearly all of their risk (90% of onsets before 55)
local n, k = 0, 0
for _, p in ipairs(c:patients()) do
  if not p.death and p.age >= 60 then
    n = n + 1
    if p.codes[APPENDICITIS] then k = k + 1 end
  end
end
local lifetime = (0.086 + 0.067) / 2
expect_near("appendicitis by 60+ is near the lifetime risk 7.65% [1]", k / n, lifetime,
            4 * binomial_se(lifetime, n) + 0.01)

-- incidence is highest at 10-19 and falls with every decade after [1]
local ages = c:onset_ages(APPENDICITIS)
expect("every case has an onset age", #ages == c:count(APPENDICITIS), #ages .. " ages")
expect_between("median age at onset is in the teens or twenties [1]", quantile(ages, 0.5), 12, 30)
expect_between("first onset at 2 or later (the module's youngest band)", ages[1], 2, 10)

-- about a quarter of cases perforate [2]: the module sets 25%
local cases, ruptured = c:count(APPENDICITIS), c:count(RUPTURE)
expect_near("perforated share is 25% [2]", ruptured / cases, 0.25, 4 * binomial_se(0.25, cases))

-- every case goes through pain, the emergency department and surgery
expect_near("every case goes from pain to the emergency department",
            c:path_share("appendicitis", { "Pain", "Emergency" }), c:prevalence(APPENDICITIS), 0)
local visits = c:count("SNOMED-CT:50849002")
expect("an emergency visit for every case", visits == cases, visits .. " visits for " .. cases .. " cases")
expect("an appendectomy for every case", c:count("SNOMED-CT:80146002") == cases)

-- case fatality about 0.1% [3]: at most a handful of deaths
local deaths = c:deaths(APPENDICITIS)
expect_between("deaths from appendicitis are rare [3]", deaths / cases, 0, 0.02)
