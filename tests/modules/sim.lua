-- sim.lua -- a small GMF interpreter in Lua that walks a cohort through all
-- modules together, one weekly step at a time, as a smoke test of the module
-- set: every state type runs, every function slot gets real patients, no
-- module loops without time passing, and (with --report) the prevalence and
-- mortality the modules produce can be compared with their sources.  It is a
-- stand-in for the C engine, simplified: no delay rewind, vitals other than
-- those modules set are fixed draws, natural death follows a Gompertz curve,
-- wellness visits follow a fixed schedule.  Used by check.lua.

local Sim = {}

local DAY = 1
local YEAR = 365.25
local UNIT_DAYS = { years = YEAR, months = YEAR / 12, weeks = 7, days = 1, hours = 1 / 24, minutes = 1 / 1440 }
local END_YEAR = 2025
local MAX_STEPS_PER_MODULE = 1000   -- states processed in one step before we call it a loop

-- Park-Miller generator, deterministic per patient.
local function rng(seed)
  local s = seed % 2147483646 + 1
  return function()
    s = (s * 48271) % 2147483647
    return s / 2147483647
  end
end

-- Ages (days) of the scheduled wellness visits, to 110 years.
local function wellness_schedule()
  local out = {}
  for _, m in ipairs { 0.1, 1, 2, 4, 6, 9, 12, 15, 18, 24, 30 } do out[#out + 1] = m * YEAR / 12 end
  local age = 3
  while age <= 110 do
    out[#out + 1] = age * YEAR
    if age < 21 then age = age + 1 elseif age < 40 then age = age + 3 elseif age < 65 then age = age + 2 else age = age + 1 end
  end
  return out
end
local WELLNESS = wellness_schedule()

------------------------------------------------------------------------------
-- Patient
------------------------------------------------------------------------------

local function new_patient(i)
  local rand = rng(i * 7919 + 17)
  local p = {
    id = i, rand = rand,
    gender = rand() < 0.49 and "M" or "F",
    race = ({ "white", "white", "white", "white", "white", "white", "black", "black", "asian", "other" })[math.floor(rand() * 10) + 1],
    ses = ({ "Low", "Middle", "Middle", "High" })[math.floor(rand() * 4) + 1],
    birth_year = 1915 + rand() * (END_YEAR - 1915),
    t = 0, alive = true,
    attrs = {}, conds = {}, meds = {}, careplans = {}, allergies = {}, obs = {}, vitals = {}, symptoms = {},
    ever = {}, onset_age = {}, counts = { encounters = 0, procedures = 0, vaccines = 0, observations = 0 },
  }
  p.adult_bmi = math.max(17, math.min(55, 28.5 + 6 * math.sqrt(-2 * math.log(rand() + 1e-12)) * math.cos(2 * math.pi * rand())))
  p.vitals["Systolic Blood Pressure"] = 115 + rand() * 10
  p.vitals["Diastolic Blood Pressure"] = 72 + rand() * 8
  return p
end

-- The proxy handed to Lua function slots (docs/module-format.md).
local function proxy(p)
  local x = {}
  function x:attr(name) return p.attrs[name] end
  function x:has_condition(code) return p.conds[tostring(code)] ~= nil end
  function x:has_medication(code) return p.meds[tostring(code)] ~= nil end
  function x:has_careplan(code) return p.careplans[tostring(code)] ~= nil end
  function x:has_allergy(code) return p.allergies[tostring(code)] ~= nil end
  function x:symptom(name)
    local m = 0
    for _, v in pairs(p.symptoms[name] or {}) do if v > m then m = v end end
    return m
  end
  function x:observation(code) return p.obs[tostring(code)] end
  function x:vital(name) return p.vitals[name] end
  function x:random() return p.rand() end
  function x:uniform(a, b) return a + (b - a) * p.rand() end
  function x:normal(m, s)
    return m + s * math.sqrt(-2 * math.log(p.rand() + 1e-12)) * math.cos(2 * math.pi * p.rand())
  end
  x.gender, x.race, x.ses, x.ethnicity = p.gender, p.race, p.ses, "nonhispanic"
  x.income, x.education = 50000, "secondary"
  return x
end

local function refresh(p)
  local x = p.proxy
  x.age = p.t / YEAR
  x.age_months = p.t / (YEAR / 12)
  x.year = math.floor(p.birth_year + x.age)
  x.time = ((p.birth_year + x.age) - 1970) * YEAR * 86400000
end

------------------------------------------------------------------------------
-- Values, quantities, conditions
------------------------------------------------------------------------------

local function num(p, v)
  if type(v) == "function" then return v(p.proxy) end
  return v
end

local function draw_dist(p, d)
  local pr = d.parameters
  local v
  if d.kind == "EXACT" then v = pr.value
  elseif d.kind == "UNIFORM" then v = pr.low + (pr.high - pr.low) * p.rand()
  elseif d.kind == "GAUSSIAN" then
    v = p.proxy:normal(pr.mean, pr.standardDeviation)
    if pr.min and v < pr.min then v = pr.min end
    if pr.max and v > pr.max then v = pr.max end
  elseif d.kind == "EXPONENTIAL" then v = 1 - pr.mean * math.log(1 - p.rand())
  end
  if d.round then v = math.floor(v + 0.5) end
  return v
end

-- Days of a delay-like state (exact / range / distribution with unit).
local function duration_days(p, st)
  if st.exact then return num(p, st.exact.quantity) * UNIT_DAYS[st.exact.unit] end
  if st.range then
    local lo, hi = num(p, st.range.low), num(p, st.range.high)
    return (lo + (hi - lo) * p.rand()) * UNIT_DAYS[st.range.unit]
  end
  return draw_dist(p, st.distribution) * UNIT_DAYS[st.unit]
end

-- Value of an Observation / VitalSign / Symptom / SetAttribute state.
local function value_of(p, st)
  if st.exact then return num(p, st.exact.quantity) end
  if st.range then
    local lo, hi = num(p, st.range.low), num(p, st.range.high)
    return lo + (hi - lo) * p.rand()
  end
  if st.distribution then return draw_dist(p, st.distribution) end
  if st.value_code then return st.value_code.code end
  if st.vital_sign and st.type == "Observation" then return p.vitals[st.vital_sign] end
  if st.attribute and st.type == "Observation" then return p.attrs[st.attribute] end
  return num(p, st.value)
end

local function compare(a, op, b)
  if op == "is nil" then return a == nil end
  if op == "is not nil" then return a ~= nil end
  if op == "==" then return a == b end
  if op == "!=" then return a ~= b end
  if a == nil or b == nil or type(a) ~= type(b) then return false end
  if op == "<" then return a < b elseif op == "<=" then return a <= b
  elseif op == ">" then return a > b elseif op == ">=" then return a >= b end
  error("operator " .. tostring(op))
end

local function any_code(set, codes)
  for _, c in ipairs(codes) do if set[c.code] ~= nil then return true end end
  return false
end

local eval
-- Truth of a GMF condition for patient p in module run state `ms`.
function eval(p, ms, c)
  if type(c) == "function" then
    local r = c(p.proxy)
    if type(r) ~= "boolean" then error("condition function returned " .. tostring(r)) end
    return r
  end
  local ct = c.condition_type
  if ct == "Gender" then return p.gender == c.gender
  elseif ct == "Age" then return compare(p.t / UNIT_DAYS[c.unit], c.operator, c.quantity)
  elseif ct == "Date" then
    local now = p.birth_year + p.t / YEAR
    if c.year then return compare(math.floor(now), c.operator, c.year) end
    local d = c.date
    return compare(now, c.operator, d.year + ((d.month or 1) - 1) / 12 + ((d.day or 1) - 1) / 365.25)
  elseif ct == "Race" then return p.race == c.race:lower()
  elseif ct == "Socioeconomic Status" then return p.ses == c.category
  elseif ct == "Attribute" then return compare(p.attrs[c.attribute], c.operator, c.value)
  elseif ct == "Symptom" then return compare(p.proxy:symptom(c.symptom), c.operator, c.value)
  elseif ct == "Observation" then
    local v
    if c.codes then for _, cd in ipairs(c.codes) do v = v or p.obs[cd.code] end end
    return compare(v, c.operator, c.value)
  elseif ct == "Vital Sign" then return compare(p.vitals[c.vital_sign], c.operator, c.value)
  elseif ct == "Active Condition" or ct == "Active Medication" or ct == "Active CarePlan" or ct == "Active Allergy" then
    local set = ({ ["Active Condition"] = p.conds, ["Active Medication"] = p.meds,
                   ["Active CarePlan"] = p.careplans, ["Active Allergy"] = p.allergies })[ct]
    if c.codes then return any_code(set, c.codes) end
    local e = p.attrs[c.referenced_by_attribute]
    return type(e) == "table" and e.codes ~= nil and any_code(set, e.codes)
  elseif ct == "PriorState" then
    local at = ms.history[c.name]
    if at == nil then return false end
    if c.since and (ms.history[c.since] or -1) > at then return false end
    if c.within and p.t - at > c.within.quantity * UNIT_DAYS[c.within.unit] then return false end
    return true
  elseif ct == "And" then
    for _, s in ipairs(c.conditions) do if not eval(p, ms, s) then return false end end
    return true
  elseif ct == "Or" then
    for _, s in ipairs(c.conditions) do if eval(p, ms, s) then return true end end
    return false
  elseif ct == "Not" then return not eval(p, ms, c.condition)
  elseif ct == "At Least" or ct == "At Most" then
    local n = 0
    for _, s in ipairs(c.conditions) do if eval(p, ms, s) then n = n + 1 end end
    if ct == "At Least" then return n >= c.minimum end
    return n <= c.maximum
  elseif ct == "True" then return true
  elseif ct == "False" then return false
  end
  error("condition type " .. tostring(ct))
end

local function probability(p, d)
  if type(d) == "number" then return d end
  if type(d) == "function" then return d(p.proxy) end
  local v = p.attrs[d.attribute]
  if type(v) ~= "number" then v = d.default or 0 end
  return v
end

local function pick(p, opts)
  local u, acc = p.rand(), 0
  for _, o in ipairs(opts) do
    acc = acc + probability(p, o.distribution)
    if u < acc then return o.transition end
  end
  return opts[#opts].transition
end

local function next_state(p, ms, st)
  if st.direct_transition then return st.direct_transition end
  if st.distributed_transition then return pick(p, st.distributed_transition) end
  if st.conditional_transition then
    for _, o in ipairs(st.conditional_transition) do
      if o.condition == nil or eval(p, ms, o.condition) then return o.transition end
    end
    return st.conditional_transition[#st.conditional_transition].transition
  end
  local list = st.complex_transition
  local chosen = list[#list]
  for _, o in ipairs(list) do
    if o.condition == nil or eval(p, ms, o.condition) then chosen = o; break end
  end
  if chosen.distributions then return pick(p, chosen.distributions) end
  return chosen.transition
end

------------------------------------------------------------------------------
-- Records
------------------------------------------------------------------------------

local function add_entry(p, set, st, kind)
  local e = { codes = st.codes, kind = kind }
  for _, c in ipairs(st.codes) do
    set[c.code] = e
    if kind == "condition" and not p.ever[c.code] then
      p.ever[c.code] = true
      p.onset_age[c.code] = p.t / YEAR
    end
  end
  if st.assign_to_attribute then p.attrs[st.assign_to_attribute] = e end
  return e
end

local function end_entry(p, ms, set, st, ref_field)
  local codes
  if st[ref_field] then
    local e = ms.entries[st[ref_field]]
    codes = e and e.codes
  elseif st.referenced_by_attribute then
    local e = p.attrs[st.referenced_by_attribute]
    codes = type(e) == "table" and e.codes
  else
    codes = st.codes
  end
  for _, c in ipairs(codes or {}) do set[c.code] = nil end
end

local function record_onset(p, ms, name, st)
  local set = st.type == "ConditionOnset" and p.conds or p.allergies
  ms.entries[name] = add_entry(p, set, st, st.type == "ConditionOnset" and "condition" or "allergy")
end

------------------------------------------------------------------------------
-- Stepping a module
------------------------------------------------------------------------------

local function die(p, cause)
  p.alive = false
  p.death_cause = cause
  p.death_age = p.t / YEAR
end

-- Process module run state `ms` at the patient's current time until it waits.
local function step_module(p, ms, set_by_path, wellness_now)
  if ms.done then return end
  if ms.wake and p.t < ms.wake then return end
  local states = ms.module.states
  local n = 0
  while p.alive do
    n = n + 1
    if n > MAX_STEPS_PER_MODULE then
      error(string.format("module %s loops without waiting (at state %s)", ms.module.name, ms.cur))
    end
    local name = ms.cur
    local st = states[name]
    local ty = st.type
    local go = true
    if not ms.entered then
      ms.entered = true
      ms.history[name] = p.t
      ms.visits[name] = (ms.visits[name] or 0) + 1
    end
    if ty == "Terminal" then
      ms.done = true
      return
    elseif ty == "Guard" then
      go = eval(p, ms, st.allow)
    elseif ty == "Delay" then
      if ms.wake == nil then ms.wake = p.t + duration_days(p, st) end
      if p.t < ms.wake then return end
      ms.wake = nil
    elseif ty == "SetAttribute" then
      p.attrs[st.attribute] = value_of(p, st)
    elseif ty == "Counter" then
      local d = (st.amount or 1) * (st.action == "decrement" and -1 or 1)
      p.attrs[st.attribute] = (p.attrs[st.attribute] or 0) + d
    elseif ty == "CallSubmodule" then
      local sub = set_by_path[st.submodule]
      if not ms.sub then
        ms.sub = { module = sub.module, cur = "Initial", history = {}, visits = {}, entries = {}, pending = {} }
      end
      step_module(p, ms.sub, set_by_path, wellness_now)
      go = ms.sub.done
      if go then ms.sub = nil end
    elseif ty == "Encounter" then
      if st.wellness then go = wellness_now end
      if go then
        p.counts.encounters = p.counts.encounters + 1
        ms.open_encounter = name
        for _, pend in ipairs(ms.pending[name] or {}) do record_onset(p, ms, pend, states[pend]) end
        ms.pending[name] = nil
      end
    elseif ty == "ConditionOnset" or ty == "AllergyOnset" then
      if st.target_encounter and ms.open_encounter ~= st.target_encounter then
        ms.pending[st.target_encounter] = ms.pending[st.target_encounter] or {}
        table.insert(ms.pending[st.target_encounter], name)
      else
        record_onset(p, ms, name, st)
      end
    elseif ty == "EncounterEnd" then ms.open_encounter = nil
    elseif ty == "ConditionEnd" then end_entry(p, ms, p.conds, st, "condition_onset")
    elseif ty == "AllergyEnd" then end_entry(p, ms, p.allergies, st, "allergy_onset")
    elseif ty == "MedicationOrder" then ms.entries[name] = add_entry(p, p.meds, st, "medication")
    elseif ty == "MedicationEnd" then end_entry(p, ms, p.meds, st, "medication_order")
    elseif ty == "CarePlanStart" then ms.entries[name] = add_entry(p, p.careplans, st, "careplan")
    elseif ty == "CarePlanEnd" then end_entry(p, ms, p.careplans, st, "careplan")
    elseif ty == "Procedure" then
      p.counts.procedures = p.counts.procedures + 1
      if st.duration then num(p, st.duration.low); num(p, st.duration.high) end
    elseif ty == "Vaccine" then
      p.counts.vaccines = p.counts.vaccines + 1
    elseif ty == "Observation" then
      local v = value_of(p, st)
      for _, c in ipairs(st.codes) do p.obs[c.code] = v end
      p.counts.observations = p.counts.observations + 1
    elseif ty == "VitalSign" then
      p.vitals[st.vital_sign] = value_of(p, st)
    elseif ty == "Symptom" then
      p.symptoms[st.symptom] = p.symptoms[st.symptom] or {}
      p.symptoms[st.symptom][st.cause or ms.module.name] = value_of(p, st)
    elseif ty == "Death" then
      local cause
      if st.codes then cause = st.codes[1].display
      elseif st.condition_onset then
        local e = ms.entries[st.condition_onset]
        cause = e and e.codes[1].display or st.condition_onset
      else
        local e = p.attrs[st.referenced_by_attribute]
        cause = type(e) == "table" and e.codes and e.codes[1].display or st.referenced_by_attribute
      end
      if st.exact or st.range then
        p.pending_death = p.pending_death or { at = p.t + duration_days(p, st), cause = cause }
      else
        die(p, cause)
        return
      end
    end
    if not go then return end
    local nxt = next_state(p, ms, st)
    if states[nxt] == nil then error("transition to missing state " .. tostring(nxt)) end
    ms.cur, ms.entered = nxt, false
  end
end

-- Gompertz yearly risk of death from causes the modules do not model,
-- roughly matching US period life tables (about 0.1% a year at 30, 1% at
-- 60, 6% at 80).
local function natural_death_weekly(age)
  local yearly = math.min(0.5, math.exp(-10.3 + 0.092 * age))
  if age < 1 then yearly = 0.005 end
  return yearly / 52.18
end

-- Simulate patient i through all modules; returns the patient.
local function simulate(i, set, set_by_path)
  local p = new_patient(i)
  p.proxy = proxy(p)
  local runs = {}
  for _, e in ipairs(set) do
    if not e.path:find("/") then   -- files in subfolders are submodules
      runs[#runs + 1] = { module = e.module, cur = "Initial", history = {}, visits = {}, entries = {}, pending = {} }
    end
  end
  local next_visit = 1
  local end_t = (END_YEAR - p.birth_year) * YEAR
  while p.alive and p.t < end_t and p.t < 110 * YEAR do
    refresh(p)
    local age = p.t / YEAR
    if age >= 2 and not p.bmi_set then
      p.vitals.BMI = age < 18 and 16 + (p.adult_bmi - 16) * (age - 2) / 16 or p.adult_bmi
      if age >= 18 then p.bmi_set = true end
    end
    local wellness_now = false
    if WELLNESS[next_visit] and p.t >= WELLNESS[next_visit] then
      wellness_now = true
      while WELLNESS[next_visit] and WELLNESS[next_visit] <= p.t do next_visit = next_visit + 1 end
    end
    for _, ms in ipairs(runs) do
      step_module(p, ms, set_by_path, wellness_now)
      if not p.alive then break end
    end
    if p.alive and p.pending_death and p.t >= p.pending_death.at then die(p, p.pending_death.cause) end
    if p.alive and p.rand() < natural_death_weekly(age) then die(p, "natural causes") end
    p.t = p.t + 7 * DAY
  end
  p.age_end = p.t / YEAR
  p.runs = runs
  return p
end

------------------------------------------------------------------------------
-- Run and report
------------------------------------------------------------------------------

local function pct(a, b) return b > 0 and string.format("%5.1f%%", 100 * a / b) or "    -" end

local function report(set, cohort)
  -- condition names by code
  local names = {}
  for _, e in ipairs(set) do
    for _, st in pairs(e.module.states) do
      if st.type == "ConditionOnset" then
        for _, c in ipairs(st.codes) do names[c.code] = c.display end
      end
    end
  end
  local codes = {}
  for c in pairs(names) do codes[#codes + 1] = c end
  table.sort(codes, function(a, b) return names[a] < names[b] end)
  local bands = { { 0, 18 }, { 18, 45 }, { 45, 65 }, { 65, 200 } }
  local alive_in = { 0, 0, 0, 0 }
  for _, p in ipairs(cohort) do
    if p.alive then
      for i, b in ipairs(bands) do if p.age_end >= b[1] and p.age_end < b[2] then alive_in[i] = alive_in[i] + 1 end end
    end
  end
  print(string.format("# report: %d patients, %d alive in %d (ages 0-17: %d, 18-44: %d, 45-64: %d, 65+: %d)",
                      #cohort, alive_in[1] + alive_in[2] + alive_in[3] + alive_in[4], END_YEAR,
                      alive_in[1], alive_in[2], alive_in[3], alive_in[4]))
  print("# active condition prevalence among the living by age, and ever recorded (all patients):")
  print(string.format("# %-58s %7s %7s %7s %7s %7s %6s", "condition", "0-17", "18-44", "45-64", "65+", "ever", "onset"))
  for _, c in ipairs(codes) do
    local inb = { 0, 0, 0, 0 }
    local ever, onset_sum = 0, 0
    for _, p in ipairs(cohort) do
      if p.alive and p.conds[c] then
        for i, b in ipairs(bands) do if p.age_end >= b[1] and p.age_end < b[2] then inb[i] = inb[i] + 1 end end
      end
      if p.ever[c] then ever = ever + 1; onset_sum = onset_sum + p.onset_age[c] end
    end
    print(string.format("# %-58s %7s %7s %7s %7s %7s %6.1f", names[c]:sub(1, 58), pct(inb[1], alive_in[1]),
                        pct(inb[2], alive_in[2]), pct(inb[3], alive_in[3]), pct(inb[4], alive_in[4]),
                        pct(ever, #cohort), ever > 0 and onset_sum / ever or 0))
  end
  local causes, dead, age_sum = {}, 0, 0
  for _, p in ipairs(cohort) do
    if not p.alive then
      dead = dead + 1
      age_sum = age_sum + p.death_age
      causes[p.death_cause] = (causes[p.death_cause] or 0) + 1
    end
  end
  print(string.format("# deaths: %d, mean age at death %.1f", dead, dead > 0 and age_sum / dead or 0))
  local cl = {}
  for k, v in pairs(causes) do cl[#cl + 1] = { k, v } end
  table.sort(cl, function(a, b) return a[2] > b[2] end)
  for _, x in ipairs(cl) do print(string.format("#   %-60s %s", x[1], pct(x[2], dead))) end
  local enc, proc, vac, obs = 0, 0, 0, 0
  for _, p in ipairs(cohort) do
    enc, proc = enc + p.counts.encounters, proc + p.counts.procedures
    vac, obs = vac + p.counts.vaccines, obs + p.counts.observations
  end
  print(string.format("# per patient: %.1f module encounters, %.1f procedures, %.1f vaccines, %.1f observations",
                      enc / #cohort, proc / #cohort, vac / #cohort, obs / #cohort))
end

-- Simulate n patients through the loaded set and emit TAP lines.
function Sim.run(M, set, n, want_report)
  local by_path = {}
  for _, e in ipairs(set) do by_path[e.path] = e end
  local cohort, err = {}, nil
  local t0 = os.clock()
  local good, e = pcall(function()
    for i = 1, n do cohort[i] = simulate(i, set, by_path) end
  end)
  if not good then err = e end
  M.check(string.format("sim: %d patients walk through every module (%.1f s)", n, os.clock() - t0), good, err)
  if not good then return end
  -- every module leaves its Initial state for someone
  local stuck = {}
  for mi, e in ipairs(set) do
    if not e.path:find("/") then
      local moved = false
      for _, p in ipairs(cohort) do
        for _, ms in ipairs(p.runs) do
          if ms.module == e.module and (ms.cur ~= "Initial" or ms.done) then moved = true end
        end
        if moved then break end
      end
      if not moved then stuck[#stuck + 1] = e.path end
    end
    local _ = mi
  end
  M.check("sim: every module gets past Initial", #stuck == 0, table.concat(stuck, ", "))
  if want_report then report(set, cohort) end
end

return Sim
