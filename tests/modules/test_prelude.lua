-- test_prelude.lua -- the module prelude (lua/vitae/*.lua): what each helper
-- expands to, and errors that point at the author's line.  Run by
-- `vitae test tests/modules` (docs/module-tests.md).  The helpers are the
-- globals a module sees; load_module runs a module's source through the real
-- loader, as `vitae run` would.

-- Compare an expansion with the wanted table; the state's `line` is
-- compared only when `want` has one.
local function same(name, got, want)
  if type(got) == "table" and type(want) == "table" and want.line == nil and got.line ~= nil then
    local copy = {}
    for k, v in pairs(got) do copy[k] = v end
    copy.line = nil
    got = copy
  end
  return expect_same("prelude: " .. name, got, want)
end

-- The error message of loading `src` as the module file t.lua, or nil if it loads.
local function error_of(src)
  local m, err = load_module(src, "t.lua")
  if m then return nil end
  return err
end

-- `src` fails with an error at `line` whose text contains `text`.
local function expect_load_error(name, src, line, text)
  local err = error_of(src)
  local where = "t.lua:" .. line .. ":"
  expect("prelude error: " .. name,
         err ~= nil and err:sub(1, #where) == where and err:find(text, 1, true) ~= nil,
         "got: " .. tostring(err) .. "\nwant: " .. where .. " ... " .. text)
end

-- a state records the line where its constructor was called
local m0 = load_module('local A = 1\nreturn module "L" {\n  Initial = simple { next = "T" },\n\n  T = terminal {},\n}')
expect("prelude: state line is the author's line", m0 and m0.states.Initial.line == 3 and m0.states.T.line == 5)


-- codes
same("snomed", snomed(74400008, "Appendicitis"),
       { system = "SNOMED-CT", code = "74400008", display = "Appendicitis" })
same("loinc", loinc("4548-4", "Hemoglobin A1c"),
       { system = "LOINC", code = "4548-4", display = "Hemoglobin A1c" })
same("rxnorm", rxnorm(314076, "lisinopril 10 MG Oral Tablet"),
       { system = "RxNorm", code = "314076", display = "lisinopril 10 MG Oral Tablet" })
same("cvx keeps leading zero", cvx(8, "Hep B, adolescent or pediatric"),
       { system = "CVX", code = "08", display = "Hep B, adolescent or pediatric" })
same("big snomed", snomed(368581000119106, "Neuropathy due to type 2 diabetes mellitus (disorder)").code,
       "368581000119106")

-- transitions
local tr = simple { chance(0.3, "A", "B") }
same("chance(0.3)", tr.distributed_transition,
       { { distribution = 0.3, transition = "A" }, { distribution = 0.7, transition = "B" } })
local f = function(p) return p.x end
local tf = simple { chance(f, "A", "B") }.distributed_transition
expect("prelude: chance(function) yes branch is the function", tf[1].distribution == f)
expect("prelude: chance(function) no branch is 1 - p",
      type(tf[2].distribution) == "function" and math.abs(tf[2].distribution({ x = 0.25 }) - 0.75) < 1e-12)
same("pick", simple { pick { { 0.25, "A" }, { 0.75, "B" } } }.distributed_transition,
       { { distribution = 0.25, transition = "A" }, { distribution = 0.75, transition = "B" } })
same("pick otherwise", simple { pick { { 0.25, "A" }, otherwise = "B" } }.distributed_transition,
       { { distribution = 0.25, transition = "A" }, { distribution = 0.75, transition = "B" } })
same("when (conditional)", simple { when { { is_male, "A" }, otherwise = "B" } },
       { type = "Simple",
         conditional_transition = { { condition = { condition_type = "Gender", gender = "M" }, transition = "A" },
                                    { transition = "B" } } })
same("when (complex)", simple { when { { age_below(18), chance(0.1, "A", "B") }, otherwise = "B" } }
         .complex_transition,
       { { condition = { condition_type = "Age", operator = "<", quantity = 18, unit = "years" },
           distributions = { { distribution = 0.1, transition = "A" }, { distribution = 0.9, transition = "B" } } },
         { transition = "B" } })
same("next", simple { next = "X" }, { type = "Simple", direct_transition = "X" })
same("from_attribute", simple { chance(from_attribute("p_x", 0.2), "A", "B") }.distributed_transition,
       { { distribution = { attribute = "p_x", default = 0.2 }, transition = "A" },
         { distribution = 0, transition = "B" } })

-- quantities in states
same("delay years(1, 17)", delay { years(1, 17), next = "X" }.range,
       { low = 1, high = 17, unit = "years" })
same("delay days(3)", delay { days(3), next = "X" }.exact, { quantity = 3, unit = "days" })
local g = delay { gaussian(90, 30, "minutes", { min = 10 }), next = "X" }
same("delay gaussian", { g.distribution, g.unit },
       { { kind = "GAUSSIAN", parameters = { mean = 90, standardDeviation = 30, min = 10 } }, "minutes" })
same("procedure duration", procedure { snomed(80146002, "Appendectomy"), duration = minutes(40, 70),
                                           next = "X" }.duration, { low = 40, high = 70, unit = "minutes" })
same("symptom severity", symptom { "Pain", severity = range(50, 150), next = "X" }.range,
       { low = 50, high = 150 })
local obs = observation { loinc("4548-4", "HbA1c"), range(6.5, 9, "%"), category = "laboratory", next = "X" }
same("observation range unit", { obs.range, obs.unit }, { { low = 6.5, high = 9 }, "%" })
local og = observation { loinc("2093-3", "Cholesterol"), gaussian(190, 30, "mg/dL", { min = 100, max = 100 }),
                           next = "X" }
expect("prelude: observation gaussian becomes a function",
      type(og.value) == "function" and og.value({ normal = function(_, m) return m end }) == 100)
same("set_attribute", set_attribute { "smoker", true, next = "X" },
       { type = "SetAttribute", attribute = "smoker", value = true, direct_transition = "X" })
same("set_attribute range", set_attribute { "hba1c", range(6.5, 8), next = "X" }.range, { low = 6.5, high = 8 })
same("counter", counter { "visits", next = "X" },
       { type = "Counter", attribute = "visits", action = "increment", direct_transition = "X" })

-- states
local enc = encounter { "emergency", snomed(50849002, "Emergency room admission"), next = "D" }
same("encounter", { enc.type, enc.encounter_class, enc.codes[1].code }, { "Encounter", "emergency", "50849002" })
same("wellness encounter", encounter { wellness = true, next = "D" },
       { type = "Encounter", wellness = true, direct_transition = "D" })
local co = condition_onset { snomed(74400008, "Appendicitis"), at = "ED", as = "app", next = "S" }
same("condition_onset", { co.target_encounter, co.assign_to_attribute, co.codes[1].display },
       { "ED", "app", "Appendicitis" })
same("condition_end", condition_end { "Dx", next = "S" }.condition_onset, "Dx")
same("medication_end attribute", medication_end { attribute = "med", next = "S" }.referenced_by_attribute, "med")
local mo = medication_order { rxnorm(314076, "lisinopril 10 MG Oral Tablet"), reason = "Dx", chronic = true, next = "S" }
same("medication_order", { mo.reason, mo.chronic }, { "Dx", true })
local cp = careplan_start { snomed(698360004, "Diabetes self management plan"),
                              activities = { snomed(160670007, "Diabetic diet") }, next = "S" }
same("careplan_start activities", cp.activities[1].code, "160670007")
same("vaccine", vaccine { cvx(20, "DTaP"), series = 2, next = "S" }.series, 2)
local d = death { cause = snomed(22298006, "Myocardial infarction"), after = days(1, 30), next = "T" }
same("death", { d.codes[1].code, d.range }, { "22298006", { low = 1, high = 30, unit = "days" } })
same("death cause state", death { cause = "Dx", next = "T" }.condition_onset, "Dx")
same("guard", guard { age_at_least(18), next = "A" }.allow,
       { condition_type = "Age", operator = ">=", quantity = 18, unit = "years" })
same("vital_sign", vital_sign { "Systolic Blood Pressure", range(140, 160), unit = "mm[Hg]", next = "A" }.range,
       { low = 140, high = 160 })
same("terminal", terminal {}, { type = "Terminal" })
same("plain GMF fields pass", simple { direct_transition = "X" }.direct_transition, "X")

-- conditions
same("age_between", age_between(50, 75),
       { condition_type = "And", conditions = {
           { condition_type = "Age", operator = ">=", quantity = 50, unit = "years" },
           { condition_type = "Age", operator = "<", quantity = 75, unit = "years" } } })
same("has_condition", has_condition(snomed(44054006, "Diabetes mellitus type 2"), 38341003),
       { condition_type = "Active Condition", codes = {
           { system = "SNOMED-CT", code = "44054006", display = "Diabetes mellitus type 2" },
           { system = "SNOMED-CT", code = "38341003", display = "38341003" } } })
same("has_medication attribute", has_medication { attribute = "statin" },
       { condition_type = "Active Medication", referenced_by_attribute = "statin" })
same("attribute", attribute("smoker", "==", true),
       { condition_type = "Attribute", attribute = "smoker", operator = "==", value = true })
same("attribute is nil", attribute("x", "is nil"),
       { condition_type = "Attribute", attribute = "x", operator = "is nil" })
same("observation condition", observation(loinc("4548-4", "HbA1c"), ">=", 6.5),
       { condition_type = "Observation", codes = { { system = "LOINC", code = "4548-4", display = "HbA1c" } },
         operator = ">=", value = 6.5 })
same("symptom condition", symptom("Cough", ">", 20),
       { condition_type = "Symptom", symptom = "Cough", operator = ">", value = 20 })
same("symptom_at_least", symptom_at_least("Cough", 20).operator, ">=")
same("vital", vital("BMI", ">=", 30),
       { condition_type = "Vital Sign", vital_sign = "BMI", operator = ">=", value = 30 })
same("prior_state within", prior_state("Flu", months(10)),
       { condition_type = "PriorState", name = "Flu", within = { quantity = 10, unit = "months" } })
same("negate/any/all", negate(any { is_female, all { ses("Low"), race("Black") } }),
       { condition_type = "Not", condition = { condition_type = "Or", conditions = {
           { condition_type = "Gender", gender = "F" },
           { condition_type = "And", conditions = {
               { condition_type = "Socioeconomic Status", category = "Low" },
               { condition_type = "Race", race = "Black" } } } } } })
same("at_least", at_least(1, { always, never }),
       { condition_type = "At Least", minimum = 1, conditions = { { condition_type = "True" }, { condition_type = "False" } } })
same("year_at_least", year_at_least(2006), { condition_type = "Date", operator = ">=", year = 2006 })
same("date", date("<", 2021, 4), { condition_type = "Date", operator = "<", date = { year = 2021, month = 4, day = 1 } })

-- module
local m, merr = load_module([[
return module "Demo" {
  remarks = { "a test" },
  Initial  = simple  { chance(0.5, "Pain", "Terminal") },
  Pain     = symptom { "Pain", severity = range(10, 20), next = "Terminal" },
  Terminal = terminal {},
}]], "demo.lua")
expect("prelude: module builds", m and m.name == "Demo" and m.states.Pain.type == "Symptom" and m.states.Pain.line == 4,
       m == nil and merr or nil)

-- errors point at the author's line
expect_load_error("pick sums above 1", 'local x = 1\nreturn simple { pick { {0.7, "A"}, {0.5, "B"} } }', 2,
             "pick: probabilities add up to 1.2 (more than 1)")
expect_load_error("unknown operator", '\n\nlocal c = age("=>", 40)', 3, "unknown operator")
expect_load_error("unknown field", 'local s = simple {\n nxt = "A" }', 1, "unknown field \"nxt\"")
expect_load_error("missing transition", 'local s = delay { years(1) }', 1, "needs a transition")
expect_load_error("two transitions", 'local s = simple { chance(0.5, "A", "B"), next = "C" }', 1, "more than one transition")
expect_load_error("display missing", '\nlocal c = snomed(123)', 2, "needs a display name")
expect_load_error("delay without time unit", 'local s = delay { range(1, 2), next = "A" }', 1, "needs a time unit")
expect_load_error("probability above 1", 'local s = simple { chance(1.5, "A", "B") }', 1, "between 0 and 1")
expect_load_error("encounter class", 'local s = encounter { "emergncy", snomed(1, "x"), next = "A" }', 1,
             "unknown encounter class")
expect_load_error("pick option shape", 'local s = simple { pick { {0.5} } }', 1, "must be {probability, \"State\"}")
expect_load_error("loinc as number", 'local c = loinc(4548, "HbA1c")', 1, "check digit")
expect_load_error("unknown vital", 'local c = vital("BP", ">", 140)', 1, "unknown vital sign")
expect_load_error("range reversed", 'local q = years(17, 1)', 1, "range low 17 is above high 1")
expect_load_error("numeric observation without unit",
             'local s = observation { loinc("4548-4", "HbA1c"), range(6, 7), next = "A" }', 1, "needs unit")
expect_load_error("death without cause", 'local s = death { next = "T" }', 1, "needs one cause")
expect_load_error("when option shape", 'local s = simple { when { {is_male} } }', 1, "must be {condition, target}")
local err = error_of('return module "Bad" {\n Initial = simple { next = "Nowhere" },\n}')
expect("prelude error: module names the bad state and its line",
      err ~= nil and err:find('state "Initial" (line 2): goes to "Nowhere"', 1, true) ~= nil, err)
err = error_of('return module "Bad" {\n A = simple { next = "A" },\n}')
expect("prelude error: module without Initial", err ~= nil and err:find("no state named Initial", 1, true) ~= nil, err)


-- a module built as a table in the test goes through the same loader
local tm, terr = load_module(module "Table" { Initial = simple { next = "Terminal" }, Terminal = terminal {} })
expect("loader: a module table compiles", tm and tm.nstates == 2 and tm.states.Initial.type == "Simple", terr)
local bad, berr = load_module({ name = "Raw", states = { Initial = { type = "Initial", direct_transition = "Nowhere" },
                                                         Terminal = { type = "Terminal" } } }, "raw.lua")
expect("loader: a plain table's missing target is refused", bad == nil and berr and berr:find("Nowhere", 1, true) ~= nil, berr)
expect_error("loader: a table with functions must be given as source",
             function() load_module(module "F" { Initial = simple { chance(function() return 0.5 end, "T", "T") },
                                                 T = terminal {} }) end, "give the module as source text")
