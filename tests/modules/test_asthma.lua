-- test_asthma.lua -- modules/asthma.lua against its sources.
-- Tolerances as in test_appendicitis.lua: 4 standard errors for a number
-- the module sets directly, a stated wider band against survey figures.

local CHILD_ASTHMA, ASTHMA = "SNOMED-CT:233678006", "SNOMED-CT:195967001"

-- childhood asthma starts in 12% of boys and 8.5% of girls (the module's
-- params, chosen after [1]); the draw is made at birth, so the share of
-- patients entering Child_Onset_Age is that probability exactly
for _, sex in ipairs { { "M", 0.12 }, { "F", 0.085 } } do
  local c = simulate { modules = "modules/asthma.lua", patients = 2500, seed = 5, gender = sex[1] }
  expect_near("childhood onset in " .. sex[1] .. " is " .. sex[2] .. " [1]",
              c:entered("asthma", "Child_Onset_Age"), sex[2], 4 * binomial_se(sex[2], c.n))
end

local c = simulate { modules = "modules/asthma.lua", patients = 3000, seed = 7, trace = true }

-- most childhood asthma begins before school age, all of it by 13
local ages = c:onset_ages(CHILD_ASTHMA)
expect("some childhood asthma", #ages > 100, #ages .. " cases")
expect_between("youngest onset at 2 or later", ages[1], 2, 3)
expect_between("oldest childhood onset by 13", ages[#ages], 6, 13.1)
local before6 = 0
for _, a in ipairs(ages) do if a < 6 then before6 = before6 + 1 end end
expect_near("65% of childhood onsets at 2-5 (the module's split)", before6 / #ages, 0.65,
            4 * binomial_se(0.65, #ages))

-- adult-onset asthma only from 18
local adult = c:onset_ages(ASTHMA)
expect("adult asthma starts at 18 or later", #adult == 0 or adult[1] >= 18, adult[1])

-- about half of childhood asthma remits by early adulthood [3]: among those
-- who reached Remission_Check, 60% go into remission (the module's param)
local checked = c:entered("asthma", "Remission_Check") * c.n
local remitted = c:path_share("asthma", { "Remission_Check", "Remission_Visit" }) * c.n
expect_near("remission of childhood asthma is 60% [3]", remitted / checked, 0.6, 4 * binomial_se(0.6, checked))

-- diagnosis follows spirometry, and every patient with asthma gets a reliever
expect_near("every childhood case had spirometry first",
            c:path_share("asthma", { "Child_Spirometry", "Childhood_Asthma" }), c:prevalence(CHILD_ASTHMA), 0)
local with_asthma, with_reliever = 0, 0
for _, p in ipairs(c:patients()) do
  if p.codes[CHILD_ASTHMA] or p.codes[ASTHMA] then
    with_asthma = with_asthma + 1
    if p.codes["RxNorm:745679"] then with_reliever = with_reliever + 1 end
  end
end
expect("a reliever inhaler for every patient with asthma [2]", with_reliever == with_asthma,
       with_reliever .. " of " .. with_asthma .. " with a reliever")
