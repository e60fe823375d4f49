-- check.lua -- checks of the Lua prelude and of every module under modules/.
-- Run from the repository root:  lua5.4 tests/modules/check.lua [--sim N] [--report]
--
-- It loads lua/vitae/prelude.lua the way the C side does (safe globals plus
-- vt_require and vt_caller_line), runs unit checks of the helpers' expansion
-- and error reporting, then loads each module in a sandbox like the loader's,
-- validates the table against docs/module-format.md, checks the module set as
-- a whole, calls every Lua function slot on sample patients, and walks a
-- small simulated cohort through all modules together (tests/modules/sim.lua).
-- Output is TAP-like: "ok - ..." / "not ok - ..." lines, "# ..." comments.
-- --report prints prevalence figures of the simulated cohort.

local ROOT = os.getenv("VITAE_ROOT") or "."
package.path = ROOT .. "/tests/modules/?.lua;" .. package.path

local passed, failed = 0, 0

local function ok(name)
  passed = passed + 1
  print("ok - " .. name)
end

local function not_ok(name, detail)
  failed = failed + 1
  print("not ok - " .. name)
  if detail then
    for line in tostring(detail):gmatch("[^\n]+") do print("#   " .. line) end
  end
end

-- One check: ok when cond is true, else not ok with detail.
local function check(name, cond, detail)
  if cond then ok(name) else not_ok(name, detail) end
end

-- One check that f() raises no error.
local function check_call(name, f)
  local good, err = pcall(f)
  check(name, good, err)
  return good
end

-- Deep comparison of plain values, for expansion checks.  Returns true or
-- false plus the path where they differ.
local function same(a, b, path)
  path = path or "value"
  if type(a) ~= type(b) then return false, path .. ": " .. type(a) .. " vs " .. type(b) end
  if type(a) ~= "table" then
    if a == b then return true end
    return false, path .. ": " .. tostring(a) .. " vs " .. tostring(b)
  end
  for k, v in pairs(a) do
    local s, where = same(v, b[k], path .. "." .. tostring(k))
    if not s then return false, where end
  end
  for k in pairs(b) do
    if a[k] == nil then return false, path .. "." .. tostring(k) .. ": missing" end
  end
  return true
end

------------------------------------------------------------------------------
-- Sandbox like lua/ (docs/module-format.md, "Sandbox")
------------------------------------------------------------------------------

local SAFE = { "assert", "error", "ipairs", "next", "pairs", "pcall", "xpcall", "select",
               "tonumber", "tostring", "type", "rawequal", "rawget", "rawlen", "rawset",
               "setmetatable", "getmetatable" }

local function safe_globals()
  local g = {}
  for _, k in ipairs(SAFE) do g[k] = _G[k] end
  g.unpack = table.unpack
  local str = {}
  for k, v in pairs(string) do if k ~= "dump" then str[k] = v end end
  g.string, g.table, g.math, g.utf8 = str, table, math, utf8
  return g
end

-- Line of the function `level` levels above the caller, as lua/ provides.
local function vt_caller_line(level)
  local info = debug.getinfo(level + 1, "l")
  return info and info.currentline
end

-- The prelude's exports, loaded as the C side does.
local function load_prelude()
  local env = safe_globals()
  local cache = {}
  env.vt_caller_line = vt_caller_line
  env.vt_require = function(name)
    if cache[name] == nil then
      local path = ROOT .. "/lua/vitae/" .. name .. ".lua"
      local chunk, err = loadfile(path, "t", env)
      if not chunk then error(err, 2) end
      cache[name] = chunk()
    end
    return cache[name]
  end
  local chunk, err = loadfile(ROOT .. "/lua/vitae/prelude.lua", "t", env)
  if not chunk then error(err) end
  return chunk()
end

-- param() as the engine provides it, recording every name and default.
local params = {}   -- name -> { default = x, modules = {path = true} }
local current_module = "?"
local function param(name, default)
  if type(name) ~= "string" or not name:match("^[%w_]+%.[%w_%.]+$") then
    error("param name must look like \"module.name\", got " .. tostring(name), 2)
  end
  if type(default) ~= "number" then
    error("param " .. name .. ": default must be a number", 2)
  end
  local p = params[name]
  if p == nil then
    p = { default = default, modules = {} }
    params[name] = p
  elseif p.default ~= default then
    p.conflict = (p.conflict or "") .. string.format(" %s vs %s", tostring(p.default), tostring(default))
  end
  p.modules[current_module] = true
  return default
end

local helpers = load_prelude()

-- The environment shared (read-only) by every module.
local shared = safe_globals()
for k, v in pairs(helpers) do shared[k] = v end
shared.param = param
local shared_mt = { __index = shared }

-- Run module source `text` (chunk name `name`) in a fresh environment.
local function run_module(text, name)
  local env = setmetatable({}, shared_mt)
  local chunk, err = load(text, "=" .. name, "t", env)
  if not chunk then return nil, err end
  local good, result = pcall(chunk)
  if not good then return nil, result end
  return result
end

-- Source of a file, or nil and an error.
local function read(path)
  local f, err = io.open(path, "r")
  if not f then return nil, err end
  local text = f:read("a")
  f:close()
  return text
end

local H = helpers
local M = {   -- exposed to the other test files
  helpers = H, run_module = run_module, check = check, check_call = check_call,
  ok = ok, not_ok = not_ok, same = same,
}

------------------------------------------------------------------------------
-- Unit checks of the helpers
------------------------------------------------------------------------------

-- Compare an expansion with the wanted table; the state's `line` is
-- compared only when `want` has one.
local function expect(name, got, want)
  if type(got) == "table" and type(want) == "table" and want.line == nil and got.line ~= nil then
    local copy = {}
    for k, v in pairs(got) do copy[k] = v end
    copy.line = nil
    got = copy
  end
  local s, where = same(got, want)
  check("prelude: " .. name, s, where)
end

-- The error message of running `src` as a module, or nil if it runs.
local function error_of(src)
  local m, err = run_module(src, "t.lua")
  if m then return nil end
  return err
end

-- Check that `src` fails with an error at `line` whose text matches `pattern`.
local function expect_error(name, src, line, pattern)
  local err = error_of(src)
  local where = "t.lua:" .. line .. ":"
  check("prelude error: " .. name,
        err ~= nil and err:sub(1, #where) == where and err:find(pattern, 1, true) ~= nil,
        "got: " .. tostring(err) .. "\nwant: " .. where .. " ... " .. pattern)
end

local function prelude_checks()
  -- a state records the line where its constructor was called
  local s1, l1 = H.simple { next = "X" }, debug.getinfo(1, "l").currentline
  check("prelude: state line is the author's line", s1.line == l1, tostring(s1.line) .. " vs " .. l1)

  -- codes
  expect("snomed", H.snomed(74400008, "Appendicitis"),
         { system = "SNOMED-CT", code = "74400008", display = "Appendicitis" })
  expect("loinc", H.loinc("4548-4", "Hemoglobin A1c"),
         { system = "LOINC", code = "4548-4", display = "Hemoglobin A1c" })
  expect("rxnorm", H.rxnorm(314076, "lisinopril 10 MG Oral Tablet"),
         { system = "RxNorm", code = "314076", display = "lisinopril 10 MG Oral Tablet" })
  expect("cvx keeps leading zero", H.cvx(8, "Hep B, adolescent or pediatric"),
         { system = "CVX", code = "08", display = "Hep B, adolescent or pediatric" })
  expect("big snomed", H.snomed(368581000119106, "Neuropathy due to type 2 diabetes mellitus (disorder)").code,
         "368581000119106")

  -- transitions
  local tr = H.simple { H.chance(0.3, "A", "B") }
  expect("chance(0.3)", tr.distributed_transition,
         { { distribution = 0.3, transition = "A" }, { distribution = 0.7, transition = "B" } })
  local f = function(p) return p.x end
  local tf = H.simple { H.chance(f, "A", "B") }.distributed_transition
  check("prelude: chance(function) yes branch is the function", tf[1].distribution == f)
  check("prelude: chance(function) no branch is 1 - p",
        type(tf[2].distribution) == "function" and math.abs(tf[2].distribution({ x = 0.25 }) - 0.75) < 1e-12)
  expect("pick", H.simple { H.pick { { 0.25, "A" }, { 0.75, "B" } } }.distributed_transition,
         { { distribution = 0.25, transition = "A" }, { distribution = 0.75, transition = "B" } })
  expect("pick otherwise", H.simple { H.pick { { 0.25, "A" }, otherwise = "B" } }.distributed_transition,
         { { distribution = 0.25, transition = "A" }, { distribution = 0.75, transition = "B" } })
  expect("when (conditional)", H.simple { H.when { { H.is_male, "A" }, otherwise = "B" } },
         { type = "Simple",
           conditional_transition = { { condition = { condition_type = "Gender", gender = "M" }, transition = "A" },
                                      { transition = "B" } } })
  expect("when (complex)", H.simple { H.when { { H.age_below(18), H.chance(0.1, "A", "B") }, otherwise = "B" } }
           .complex_transition,
         { { condition = { condition_type = "Age", operator = "<", quantity = 18, unit = "years" },
             distributions = { { distribution = 0.1, transition = "A" }, { distribution = 0.9, transition = "B" } } },
           { transition = "B" } })
  expect("next", H.simple { next = "X" }, { type = "Simple", direct_transition = "X" })
  expect("from_attribute", H.simple { H.chance(H.from_attribute("p_x", 0.2), "A", "B") }.distributed_transition,
         { { distribution = { attribute = "p_x", default = 0.2 }, transition = "A" },
           { distribution = 0, transition = "B" } })

  -- quantities in states
  expect("delay years(1, 17)", H.delay { H.years(1, 17), next = "X" }.range,
         { low = 1, high = 17, unit = "years" })
  expect("delay days(3)", H.delay { H.days(3), next = "X" }.exact, { quantity = 3, unit = "days" })
  local g = H.delay { H.gaussian(90, 30, "minutes", { min = 10 }), next = "X" }
  expect("delay gaussian", { g.distribution, g.unit },
         { { kind = "GAUSSIAN", parameters = { mean = 90, standardDeviation = 30, min = 10 } }, "minutes" })
  expect("procedure duration", H.procedure { H.snomed(80146002, "Appendectomy"), duration = H.minutes(40, 70),
                                             next = "X" }.duration, { low = 40, high = 70, unit = "minutes" })
  expect("symptom severity", H.symptom { "Pain", severity = H.range(50, 150), next = "X" }.range,
         { low = 50, high = 150 })
  local obs = H.observation { H.loinc("4548-4", "HbA1c"), H.range(6.5, 9, "%"), category = "laboratory", next = "X" }
  expect("observation range unit", { obs.range, obs.unit }, { { low = 6.5, high = 9 }, "%" })
  local og = H.observation { H.loinc("2093-3", "Cholesterol"), H.gaussian(190, 30, "mg/dL", { min = 100, max = 100 }),
                             next = "X" }
  check("prelude: observation gaussian becomes a function",
        type(og.value) == "function" and og.value({ normal = function(_, m) return m end }) == 100)
  expect("set_attribute", H.set_attribute { "smoker", true, next = "X" },
         { type = "SetAttribute", attribute = "smoker", value = true, direct_transition = "X" })
  expect("set_attribute range", H.set_attribute { "hba1c", H.range(6.5, 8), next = "X" }.range, { low = 6.5, high = 8 })
  expect("counter", H.counter { "visits", next = "X" },
         { type = "Counter", attribute = "visits", action = "increment", direct_transition = "X" })

  -- states
  local enc = H.encounter { "emergency", H.snomed(50849002, "Emergency room admission"), next = "D" }
  expect("encounter", { enc.type, enc.encounter_class, enc.codes[1].code }, { "Encounter", "emergency", "50849002" })
  expect("wellness encounter", H.encounter { wellness = true, next = "D" },
         { type = "Encounter", wellness = true, direct_transition = "D" })
  local co = H.condition_onset { H.snomed(74400008, "Appendicitis"), at = "ED", as = "app", next = "S" }
  expect("condition_onset", { co.target_encounter, co.assign_to_attribute, co.codes[1].display },
         { "ED", "app", "Appendicitis" })
  expect("condition_end", H.condition_end { "Dx", next = "S" }.condition_onset, "Dx")
  expect("medication_end attribute", H.medication_end { attribute = "med", next = "S" }.referenced_by_attribute, "med")
  local mo = H.medication_order { H.rxnorm(314076, "lisinopril 10 MG Oral Tablet"), reason = "Dx", chronic = true, next = "S" }
  expect("medication_order", { mo.reason, mo.chronic }, { "Dx", true })
  local cp = H.careplan_start { H.snomed(698360004, "Diabetes self management plan"),
                                activities = { H.snomed(160670007, "Diabetic diet") }, next = "S" }
  expect("careplan_start activities", cp.activities[1].code, "160670007")
  expect("vaccine", H.vaccine { H.cvx(20, "DTaP"), series = 2, next = "S" }.series, 2)
  local d = H.death { cause = H.snomed(22298006, "Myocardial infarction"), after = H.days(1, 30), next = "T" }
  expect("death", { d.codes[1].code, d.range }, { "22298006", { low = 1, high = 30, unit = "days" } })
  expect("death cause state", H.death { cause = "Dx", next = "T" }.condition_onset, "Dx")
  expect("guard", H.guard { H.age_at_least(18), next = "A" }.allow,
         { condition_type = "Age", operator = ">=", quantity = 18, unit = "years" })
  expect("vital_sign", H.vital_sign { "Systolic Blood Pressure", H.range(140, 160), unit = "mm[Hg]", next = "A" }.range,
         { low = 140, high = 160 })
  expect("terminal", H.terminal {}, { type = "Terminal" })
  expect("plain GMF fields pass", H.simple { direct_transition = "X" }.direct_transition, "X")

  -- conditions
  expect("age_between", H.age_between(50, 75),
         { condition_type = "And", conditions = {
             { condition_type = "Age", operator = ">=", quantity = 50, unit = "years" },
             { condition_type = "Age", operator = "<", quantity = 75, unit = "years" } } })
  expect("has_condition", H.has_condition(H.snomed(44054006, "Diabetes mellitus type 2"), 38341003),
         { condition_type = "Active Condition", codes = {
             { system = "SNOMED-CT", code = "44054006", display = "Diabetes mellitus type 2" },
             { system = "SNOMED-CT", code = "38341003", display = "38341003" } } })
  expect("has_medication attribute", H.has_medication { attribute = "statin" },
         { condition_type = "Active Medication", referenced_by_attribute = "statin" })
  expect("attribute", H.attribute("smoker", "==", true),
         { condition_type = "Attribute", attribute = "smoker", operator = "==", value = true })
  expect("attribute is nil", H.attribute("x", "is nil"),
         { condition_type = "Attribute", attribute = "x", operator = "is nil" })
  expect("observation condition", H.observation(H.loinc("4548-4", "HbA1c"), ">=", 6.5),
         { condition_type = "Observation", codes = { { system = "LOINC", code = "4548-4", display = "HbA1c" } },
           operator = ">=", value = 6.5 })
  expect("symptom condition", H.symptom("Cough", ">", 20),
         { condition_type = "Symptom", symptom = "Cough", operator = ">", value = 20 })
  expect("symptom_at_least", H.symptom_at_least("Cough", 20).operator, ">=")
  expect("vital", H.vital("BMI", ">=", 30),
         { condition_type = "Vital Sign", vital_sign = "BMI", operator = ">=", value = 30 })
  expect("prior_state within", H.prior_state("Flu", H.months(10)),
         { condition_type = "PriorState", name = "Flu", within = { quantity = 10, unit = "months" } })
  expect("negate/any/all", H.negate(H.any { H.is_female, H.all { H.ses("Low"), H.race("Black") } }),
         { condition_type = "Not", condition = { condition_type = "Or", conditions = {
             { condition_type = "Gender", gender = "F" },
             { condition_type = "And", conditions = {
                 { condition_type = "Socioeconomic Status", category = "Low" },
                 { condition_type = "Race", race = "Black" } } } } } })
  expect("at_least", H.at_least(1, { H.always, H.never }),
         { condition_type = "At Least", minimum = 1, conditions = { { condition_type = "True" }, { condition_type = "False" } } })
  expect("year_at_least", H.year_at_least(2006), { condition_type = "Date", operator = ">=", year = 2006 })
  expect("date", H.date("<", 2021, 4), { condition_type = "Date", operator = "<", date = { year = 2021, month = 4, day = 1 } })

  -- module
  local m = run_module([[
return module "Demo" {
  remarks = { "a test" },
  Initial  = simple  { chance(0.5, "Pain", "Terminal") },
  Pain     = symptom { "Pain", severity = range(10, 20), next = "Terminal" },
  Terminal = terminal {},
}]], "demo.lua")
  check("prelude: module builds", m and m.name == "Demo" and m.states.Pain.cause == "Demo"
        and m.remarks[1] == "a test" and m.states.Pain.line == 4, m == nil and "did not load" or nil)

  -- errors point at the author's line
  expect_error("pick sums above 1", 'local x = 1\nreturn simple { pick { {0.7, "A"}, {0.5, "B"} } }', 2,
               "pick: probabilities add up to 1.2 (more than 1)")
  expect_error("unknown operator", '\n\nlocal c = age("=>", 40)', 3, "unknown operator")
  expect_error("unknown field", 'local s = simple {\n nxt = "A" }', 1, "unknown field \"nxt\"")
  expect_error("missing transition", 'local s = delay { years(1) }', 1, "needs a transition")
  expect_error("two transitions", 'local s = simple { chance(0.5, "A", "B"), next = "C" }', 1, "more than one transition")
  expect_error("display missing", '\nlocal c = snomed(123)', 2, "needs a display name")
  expect_error("delay without time unit", 'local s = delay { range(1, 2), next = "A" }', 1, "needs a time unit")
  expect_error("probability above 1", 'local s = simple { chance(1.5, "A", "B") }', 1, "between 0 and 1")
  expect_error("encounter class", 'local s = encounter { "emergncy", snomed(1, "x"), next = "A" }', 1,
               "unknown encounter class")
  expect_error("pick option shape", 'local s = simple { pick { {0.5} } }', 1, "must be {probability, \"State\"}")
  expect_error("loinc as number", 'local c = loinc(4548, "HbA1c")', 1, "check digit")
  expect_error("unknown vital", 'local c = vital("BP", ">", 140)', 1, "unknown vital sign")
  expect_error("range reversed", 'local q = years(17, 1)', 1, "range low 17 is above high 1")
  expect_error("numeric observation without unit",
               'local s = observation { loinc("4548-4", "HbA1c"), range(6, 7), next = "A" }', 1, "needs unit")
  expect_error("death without cause", 'local s = death { next = "T" }', 1, "needs one cause")
  expect_error("when option shape", 'local s = simple { when { {is_male} } }', 1, "must be {condition, target}")
  local err = error_of('return module "Bad" {\n Initial = simple { next = "Nowhere" },\n}')
  check("prelude error: module names the bad state and its line",
        err ~= nil and err:find('state "Initial" (line 2): goes to "Nowhere"', 1, true) ~= nil, err)
  err = error_of('return module "Bad" {\n A = simple { next = "A" },\n}')
  check("prelude error: module without Initial", err ~= nil and err:find("no state named Initial", 1, true) ~= nil, err)
end

M.prelude_checks = prelude_checks

-- The validator must catch what it promises to catch.
local function validator_checks()
  local V = require("validate")
  local function catches(name, states, pattern)
    local problems = V.module { name = "T", states = states }
    local all = table.concat(problems, "\n")
    check("validator catches " .. name, all:find(pattern, 1, true) ~= nil, "problems: " .. all)
  end
  local T = { type = "Terminal" }
  catches("a missing target", { Initial = { type = "Initial", direct_transition = "Nowhere" }, Terminal = T },
          "transition to Nowhere")
  catches("an unreachable state", { Initial = { type = "Initial", direct_transition = "Terminal" }, Terminal = T,
                                    Lost = { type = "Simple", direct_transition = "Terminal" } }, "state Lost cannot be reached")
  catches("a loop that never waits", { Initial = { type = "Initial", direct_transition = "A" },
                                       A = { type = "Simple", direct_transition = "B" },
                                       B = { type = "Simple", distributed_transition = {
                                         { distribution = 0.5, transition = "A" }, { distribution = 0.5, transition = "Terminal" } } },
                                       Terminal = T }, "loop without a Delay")
  catches("two transitions", { Initial = { type = "Initial", direct_transition = "Terminal",
                                           conditional_transition = { { transition = "Terminal" } } }, Terminal = T },
          "exactly one transition")
  catches("a function in a code slot", { Initial = { type = "Initial", direct_transition = "C" },
                                         C = { type = "ConditionOnset", codes = function() end, direct_transition = "Terminal" },
                                         Terminal = T }, "codes")
  catches("a code without display", { Initial = { type = "Initial", direct_transition = "C" },
                                      C = { type = "ConditionOnset", codes = { { system = "SNOMED-CT", code = "1" } },
                                            direct_transition = "Terminal" }, Terminal = T }, "display name missing")
  catches("an unknown state type", { Initial = { type = "Initial", direct_transition = "X" },
                                     X = { type = "Teleport", direct_transition = "Terminal" }, Terminal = T },
          "unknown state type Teleport")
  catches("an unknown field", { Initial = { type = "Initial", direct_transition = "Terminal", colour = "red" },
                                Terminal = T }, "field colour")
  catches("a delay without time unit", { Initial = { type = "Initial", direct_transition = "D" },
                                         D = { type = "Delay", exact = { quantity = 1 }, direct_transition = "Terminal" },
                                         Terminal = T }, "needs a time unit")
  catches("a bad operator", { Initial = { type = "Guard", allow = { condition_type = "Age", operator = "=>",
                                                                     quantity = 1, unit = "years" },
                                          direct_transition = "Terminal" }, Terminal = T }, "unknown operator")
  catches("probabilities above 1", { Initial = { type = "Initial", distributed_transition = {
                                       { distribution = 0.8, transition = "Terminal" },
                                       { distribution = 0.8, transition = "Terminal" } } }, Terminal = T },
          "add up to 1.6")
  catches("a missing Initial", { Terminal = T }, "no state named Initial")
end

-- The complete example at the top of docs/writing-modules.md must load and
-- be valid.
local function docs_example()
  local text = read(ROOT .. "/docs/writing-modules.md")
  if not text then return not_ok("docs: writing-modules.md is readable") end
  local src = text:match("```lua\n(.-return module.-)```")
  if not src then return not_ok("docs: writing-modules.md has a complete example") end
  local m, err = run_module(src, "writing-modules.md")
  if not m then return not_ok("docs: the example module loads", err) end
  local problems = require("validate").module(m)
  check("docs: the example module loads and is valid", #problems == 0, table.concat(problems, "\n"))
end

------------------------------------------------------------------------------
-- Main
------------------------------------------------------------------------------

local function main(args)
  local sim_n, report = 200, false
  local i = 1
  while i <= #args do
    if args[i] == "--sim" then sim_n = tonumber(args[i + 1]) or sim_n; i = i + 1
    elseif args[i] == "--report" then report = true
    end
    i = i + 1
  end
  check_call("prelude: loads", function() assert(type(H.module) == "function") end)
  prelude_checks()
  docs_example()
  validator_checks()
  local validate = require("validate")
  local set = validate.run(M, ROOT, function(name) current_module = name end)
  local conflicts, count = {}, 0
  for name, p in pairs(params) do
    count = count + 1
    if p.conflict then conflicts[#conflicts + 1] = name .. ":" .. p.conflict end
  end
  table.sort(conflicts)
  check("params: " .. count .. " learnable numbers, each with one default", #conflicts == 0,
        table.concat(conflicts, "\n"))
  if set and sim_n > 0 then
    local sim = require("sim")
    sim.run(M, set, sim_n, report)
  end
  print(string.format("# %d passed, %d failed", passed, failed))
  os.exit(failed == 0 and 0 or 1)
end

main(arg)
