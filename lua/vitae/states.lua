-- states.lua -- one constructor per GMF state type, and module().
--
-- A constructor takes one table: positional items first (codes, a name, a
-- quantity, a condition, a transition), then named fields:
--   Pain = symptom { "Abdominal Pain", severity = range(50, 150), next = "ED" }
-- and returns the plain GMF state
--   { type = "Symptom", symptom = "Abdominal Pain", range = {low = 50, high = 150},
--     direct_transition = "ED", line = 12 }
-- Plain GMF field names (direct_transition, codes, target_encounter, ...)
-- are accepted as they are, so sugar and hand-written GMF mix freely.  An
-- unknown field is an error: a typo never passes silently.

local base = vt_require("base")
local codes = vt_require("codes")
local Q = vt_require("quantities")
local C = vt_require("conditions")
local fail, show = base.fail, base.show

local S = {}

-- GMF fields each state type may carry besides type, line, remarks and its
-- transition (module-format.md, table "States").  Besides the fields vitae
-- reads, every field Synthea's module corpus uses is accepted, so that a
-- converted JSON module (`vitae convert`) keeps all of its fields.
local FIELDS = {
  Initial = {}, Terminal = {},
  Simple = { "assign_to_attribute" },
  Guard = { "allow" },
  Delay = { "exact", "range", "distribution", "unit" },
  SetAttribute = { "attribute", "value", "range", "distribution", "value_code", "value_attribute",
                   "expression", "series_data", "seriesData", "period" },
  Counter = { "attribute", "action", "amount" },
  CallSubmodule = { "submodule" },
  Encounter = { "encounter_class", "codes", "reason", "wellness", "telemedicine_possibility" },
  EncounterEnd = { "discharge_disposition" },
  ConditionOnset = { "codes", "target_encounter", "assign_to_attribute" },
  ConditionEnd = { "condition_onset", "referenced_by_attribute", "codes" },
  -- allergyType: a spelling of allergy_type found in Synthea's corpus (not read)
  AllergyOnset = { "codes", "allergy_type", "category", "target_encounter", "assign_to_attribute", "reactions",
                   "allergyType" },
  AllergyEnd = { "allergy_onset", "referenced_by_attribute", "codes" },
  MedicationOrder = { "codes", "reason", "chronic", "assign_to_attribute", "prescription", "administration",
                      "target_encounter" },
  MedicationEnd = { "medication_order", "referenced_by_attribute", "codes" },
  CarePlanStart = { "codes", "activities", "reason", "assign_to_attribute", "goals", "target_encounter" },
  CarePlanEnd = { "careplan", "referenced_by_attribute", "codes" },
  Procedure = { "codes", "reason", "duration", "range", "distribution", "unit", "assign_to_attribute",
                "target_encounter" },
  Observation = { "codes", "category", "unit", "exact", "range", "distribution", "attribute", "vital_sign",
                  "value_code", "value", "expression", "sampled_data", "attachment", "target_encounter" },
  MultiObservation = { "codes", "category", "observations", "number_of_observations", "target_encounter" },
  DiagnosticReport = { "codes", "observations", "number_of_observations", "target_encounter" },
  ImagingStudy = { "procedure_code", "series" },
  Device = { "code", "manufacturer", "model", "assign_to_attribute" },
  DeviceEnd = { "device", "referenced_by_attribute", "codes" },
  SupplyList = { "supplies" },
  VitalSign = { "vital_sign", "unit", "exact", "range", "distribution", "expression", "value" },
  Symptom = { "symptom", "cause", "exact", "range", "distribution", "probability", "value" },
  Vaccine = { "codes", "series" },
  Death = { "codes", "condition_onset", "referenced_by_attribute", "exact", "range" },
  Physiology = { "model", "solver", "step_size", "sim_duration", "lead_time", "inputs", "outputs",
                 "alt_direct_transition" },
}
S.FIELDS = FIELDS

S.TRANSITIONS = { "direct_transition", "distributed_transition", "conditional_transition", "complex_transition",
                  "lookup_table_transition", "type_of_care_transition" }

-- Synthea's encounter classes.
local ENCOUNTER_CLASSES = {
  ambulatory = true, emergency = true, inpatient = true, urgentcare = true,
  outpatient = true, wellness = true, home = true, hospice = true, snf = true, virtual = true,
}

------------------------------------------------------------------------------
-- Argument handling shared by the constructors
------------------------------------------------------------------------------

-- Split the constructor's table into positional items sorted by kind and a
-- table of named fields.
local function split(ctor, t)
  if type(t) ~= "table" or getmetatable(t) ~= nil then
    fail("takes a table: %s { ... }", ctor)
  end
  local a = { codes = {}, strings = {}, quantities = {}, transitions = {}, conditions = {}, values = {} }
  local n = #t
  for i = 1, n do
    local v = t[i]
    local bucket
    if base.is_transition(v) then bucket = a.transitions
    elseif base.is_quantity(v) then bucket = a.quantities
    elseif base.is_code(v) then bucket = a.codes
    elseif type(v) == "table" and base.is_condition(v) then bucket = a.conditions
    elseif type(v) == "string" then bucket = a.strings
    else bucket = a.values end
    bucket[#bucket + 1] = v
  end
  local named = {}
  for k, v in pairs(t) do
    if type(k) == "string" then
      if k == "type" then fail("the state type is set by %s; remove type = %s", ctor, show(v)) end
      named[k] = v
    elseif math.type(k) ~= "integer" or k < 1 or k > n then
      fail("unexpected key %s", show(k))
    end
  end
  return a, named
end

-- Remove and return the first item of a list.
local function take(list)
  return table.remove(list, 1)
end

-- Remove and return the first item of the first non-empty list (a value
-- may be false, so `take(a) or take(b)` would skip it).
local function take_first(...)
  for i = 1, select("#", ...) do
    local list = select(i, ...)
    if #list > 0 then return take(list) end
  end
  return nil
end

-- Remove and return a named field.
local function named_take(named, key)
  local v = named[key]
  named[key] = nil
  return v
end

-- Set a field of the state, refusing to set it twice.
local function set(s, field, v, how)
  if v == nil then return end
  if s[field] ~= nil then fail("%s given twice", how or field) end
  s[field] = v
end

-- The name a state is about (an attribute, a submodule, a symptom) into
-- field `field`: its first unnamed string, or `field = "..."`.  Fails with
-- "needs WHAT" when neither is a string.
local function take_name(s, a, named, field, what)
  set(s, field, take(a.strings))
  if type(s[field] or named[field]) ~= "string" then fail("needs %s", what) end
end

-- A copy of a code table, checked.  A GMF `value_set` (a terminology
-- service query Synthea may draw a code from) is kept as it is.
local function code_copy(c, what)
  if not base.is_code(c) then fail("%s must be a code such as snomed(74400008, \"Appendicitis\"), got %s", what, show(c)) end
  local out = codes.code(c.system, c.code, c.display)
  if c.value_set ~= nil then
    if type(c.value_set) ~= "string" then fail("%s: value_set must be a string", what) end
    out.value_set = c.value_set
  end
  return out
end

-- A list of codes from a GMF `codes` field or a list given by name.
local function code_list(v, what)
  if base.is_code(v) then return { code_copy(v, what) } end
  if type(v) ~= "table" or getmetatable(v) ~= nil or #v == 0 then
    fail("%s must be a list of codes: { snomed(...), ... }", what)
  end
  local out = {}
  for i, c in ipairs(v) do out[i] = code_copy(c, what .. " item " .. i) end
  return out
end

-- Positional codes of the state, plus a GMF `codes` field if given.
local function take_codes(s, a, named, required, what)
  local list = {}
  for _, c in ipairs(a.codes) do list[#list + 1] = code_copy(c, "code") end
  a.codes = {}
  local gmf = named_take(named, "codes")
  if gmf ~= nil then
    if #list > 0 then fail("codes given twice (as items and as codes = ...)") end
    list = code_list(gmf, "codes")
  end
  if #list > 0 then
    s.codes = list
  elseif required then
    fail("needs a code, e.g. %s", what or "snomed(74400008, \"Appendicitis\")")
  end
end

-- An optional string field (state name or attribute) from a named key.
local function take_string(s, named, key, field, what)
  local v = named_take(named, key)
  if v == nil then return end
  if type(v) ~= "string" or v == "" then fail("%s must be a string, got %s", what or key, show(v)) end
  set(s, field, v, key)
end

-- Expand a quantity (or pass GMF value fields) into a value-taking state.
local function set_value(s, v, allow_distribution, how)
  if base.is_quantity(v) then
    local fields, unit = Q.value_fields(v, allow_distribution)
    for k, x in pairs(fields) do set(s, k, x, how) end
    return unit
  end
  local t = type(v)
  if t ~= "number" and t ~= "string" and t ~= "boolean" and t ~= "function" then
    fail("%s must be a number, string, boolean, function of the patient or a range, got %s", how, show(v))
  end
  set(s, "value", v, how)
end

-- Finish a state: its transition, pass-through GMF fields, leftovers.
local function finish(ctor, s, a, named)
  local known = { next = true, remarks = true }
  for _, f in ipairs(S.TRANSITIONS) do known[f] = true end
  for _, f in ipairs(FIELDS[s.type]) do known[f] = true end
  local unknown, names = {}, nil
  for k in pairs(named) do
    if not known[k] then
      if not names then
        names = {}
        for f in pairs(known) do names[#names + 1] = f end
        table.sort(names)
      end
      local near = type(k) == "string" and vt_suggest and vt_suggest(k, names)
      unknown[#unknown + 1] = string.format("%q", k) .. (near and string.format(" (did you mean %q?)", near) or "")
    end
  end
  if #unknown > 0 then
    table.sort(unknown)
    fail("unknown field %s", table.concat(unknown, ", "))
  end
  local count = 0
  local tr = take(a.transitions)
  if tr then
    s[tr.field] = tr.value
    count = count + 1
  end
  if #a.transitions > 0 then fail("has more than one transition") end
  local nxt = named_take(named, "next")
  if nxt ~= nil then
    base.check_name(nxt, "next")
    s.direct_transition = nxt
    count = count + 1
  end
  for _, f in ipairs(S.TRANSITIONS) do
    local v = named_take(named, f)
    if v ~= nil then
      if base.is_transition(v) then
        fail("%s = %s: write the transition as an item, e.g. %s { chance(...) }", f, show(v), ctor)
      end
      s[f] = v
      count = count + 1
    end
  end
  if s.type == "Terminal" then
    if count > 0 then fail("a terminal state has no transition") end
  elseif count == 0 then
    fail("needs a transition: next = \"State\", chance(...), pick {...} or when {...}")
  elseif count > 1 then
    fail("has more than one transition")
  end
  -- GMF fields of this type, as written
  for _, f in ipairs(FIELDS[s.type]) do
    local v = named_take(named, f)
    if v ~= nil then
      if base.is_quantity(v) or base.is_transition(v) then
        fail("%s = %s is not a GMF value here", f, show(v))
      end
      set(s, f, v)
    end
  end
  local remarks = named_take(named, "remarks")
  if remarks ~= nil then s.remarks = remarks end
  for _, bucket in pairs(a) do
    if #bucket > 0 then
      fail("unexpected item %s", show(bucket[1]))
    end
  end
  return s
end

-- Begin a state of GMF type `ty` from constructor table `t`.
local function begin(ty, ctor, t)
  local a, named = split(ctor, t)
  return { type = ty, line = base.line() }, a, named
end

-- The constructor `ctor` of a state of GMF type `ty`: begin sorts the
-- items of the table, `body(s, a, named)` takes those this type of state
-- has, and finish checks what is left and adds what every state may have (a
-- transition, remarks...).  Without a body the state holds nothing of its
-- own; with `optional`, a call without a table stands for an empty one.
local function constructor(ty, ctor, body, optional)
  local function build(t)
    if optional and t == nil then t = {} end
    local s, a, named = begin(ty, ctor, t)
    if body ~= nil then body(s, a, named) end
    return finish(ctor, s, a, named)
  end
  return function(t)
    -- under `vitae check` a state's mistake is kept in the state, which
    -- the loader reports at the state's line, and the other states of the
    -- module are still checked (lua/loader.c, `__vt_check_error`)
    if vt_checking and vt_checking() then
      local ok, r = pcall(build, t)
      if not ok then return { type = ty, line = base.line(), __vt_check_error = ctor .. ": " .. tostring(r) } end
      return r
    end
    return build(t)
  end
end

------------------------------------------------------------------------------
-- Constructors
------------------------------------------------------------------------------

-- initial { next = "Start" }: where every module begins (name it Initial).
S.initial = constructor("Initial", "initial")

-- terminal {}: the module ends here.
S.terminal = constructor("Terminal", "terminal", nil, true)

-- simple { chance(0.1, "Sick", "Well") }: only a transition.
S.simple = constructor("Simple", "simple")

-- guard { age_at_least(18), next = "Adult" }: wait (re-checked weekly)
-- until the condition holds.
S.guard = constructor("Guard", "guard", function(s, a, named)
  local c = take(a.conditions)
  if c == nil and type(a.values[1]) == "function" then c = take(a.values) end
  set(s, "allow", c)
  local allow = named_take(named, "allow")
  if allow ~= nil then set(s, "allow", C.check(allow, "allow"), "allow") end
  if s.allow == nil then fail("needs a condition, e.g. guard { age_at_least(18), next = \"Adult\" }") end
end)

-- delay { years(1, 17), next = "Onset" }: sleep for that time.
S.delay = constructor("Delay", "delay", function(s, a, named)
  local q = take(a.quantities)
  if q ~= nil then
    for k, v in pairs(Q.delay_fields(q, "delay")) do set(s, k, v) end
  elseif named.exact == nil and named.range == nil and named.distribution == nil then
    fail("needs a time, e.g. delay { years(1), next = \"Check\" }")
  end
end)

-- set_attribute { "smoker", true, next = "X" }: set an attribute to a
-- constant, a function of the patient or a drawn value (range, gaussian);
-- without a value the attribute is cleared.
S.set_attribute = constructor("SetAttribute", "set_attribute", function(s, a, named)
  take_name(s, a, named, "attribute", "an attribute name: set_attribute { \"name\", value, next = \"S\" }")
  local v = take_first(a.quantities, a.values, a.strings)
  if v ~= nil then set_value(s, v, true, "value") end
  local nv = named_take(named, "value")
  if nv ~= nil then set_value(s, nv, true, "value") end
end)

-- counter { "asthma_attacks", next = "X" }: add 1 to a number attribute;
-- action = "decrement" subtracts, amount = n changes the step.
S.counter = constructor("Counter", "counter", function(s, a, named)
  take_name(s, a, named, "attribute", "an attribute name: counter { \"name\", next = \"S\" }")
  local action = named_take(named, "action") or "increment"
  if action ~= "increment" and action ~= "decrement" then
    fail("action must be \"increment\" or \"decrement\", got %s", show(action))
  end
  s.action = action
  local amount = named_take(named, "amount")
  if amount ~= nil then
    if math.type(amount) ~= "integer" or amount < 1 then fail("amount must be a whole number >= 1, got %s", show(amount)) end
    s.amount = amount
  end
end)

-- call_submodule { "medications/otc_pain", next = "X" }: run that module to
-- its end, then continue.
S.call_submodule = constructor("CallSubmodule", "call_submodule", function(s, a, named)
  take_name(s, a, named, "submodule", "a module path: call_submodule { \"medications/otc_pain\", next = \"S\" }")
end)

-- encounter { "emergency", snomed(50849002, "Emergency room admission (procedure)"), next = "X" }:
-- start an encounter now; encounter { wellness = true, next = "X" } waits
-- for the patient's next scheduled wellness visit instead.
S.encounter = constructor("Encounter", "encounter", function(s, a, named)
  set(s, "encounter_class", take(a.strings))
  take_codes(s, a, named, false)
  take_string(s, named, "reason", "reason")
  local w = named_take(named, "wellness")
  if w ~= nil then
    if type(w) ~= "boolean" then fail("wellness must be true or false") end
    s.wellness = w or nil
  end
  local cls = s.encounter_class or named.encounter_class
  if cls ~= nil and not ENCOUNTER_CLASSES[cls] then
    fail("unknown encounter class %s (known: %s)", show(cls), base.keys(ENCOUNTER_CLASSES))
  end
  if not s.wellness then
    if cls == nil then fail("needs a class such as \"ambulatory\" or \"emergency\", or wellness = true") end
    if s.codes == nil and named.codes == nil then
      fail("needs a code, e.g. snomed(185347001, \"Encounter for problem (procedure)\")")
    end
  end
end)

-- encounter_end { next = "X" }: the current encounter ends.
S.encounter_end = constructor("EncounterEnd", "encounter_end", function(s, a, named)
  local d = named_take(named, "disposition")
  if d ~= nil then set(s, "discharge_disposition", d, "disposition") end
end)

-- condition_onset { snomed(74400008, "Appendicitis"), at = "ED", as = "appendicitis", next = "X" }:
-- the patient has the condition; `at` defers recording to that encounter
-- state, `as` stores the entry in an attribute.
S.condition_onset = constructor("ConditionOnset", "condition_onset", function(s, a, named)
  take_codes(s, a, named, true)
  take_string(s, named, "at", "target_encounter", "at (an encounter state)")
  take_string(s, named, "as", "assign_to_attribute", "as (an attribute name)")
end)

-- The end states share one shape: end_x { "OnsetState" } ends what that
-- state started; end_x { attribute = "name" } what the attribute holds;
-- end_x { code } any active entry with that code.
local function ender(ty, ctor, ref_field)
  return constructor(ty, ctor, function(s, a, named)
    set(s, ref_field, take(a.strings))
    take_string(s, named, "attribute", "referenced_by_attribute", "attribute")
    take_codes(s, a, named, false)
    local n = 0
    for _, f in ipairs { ref_field, "referenced_by_attribute", "codes" } do
      if s[f] ~= nil or named[f] ~= nil then n = n + 1 end
    end
    if n ~= 1 then
      fail("says what to end in one way: a state name, attribute = \"name\", or a code")
    end
  end)
end

-- condition_end { "Diagnosis", next = "X" }: the condition is resolved.
S.condition_end = ender("ConditionEnd", "condition_end", "condition_onset")

-- allergy_onset { snomed(91935009, "Allergy to peanuts"), allergy_type = "allergy", category = "food", next = "X" }
S.allergy_onset = constructor("AllergyOnset", "allergy_onset", function(s, a, named)
  take_codes(s, a, named, true)
  take_string(s, named, "at", "target_encounter", "at (an encounter state)")
  take_string(s, named, "as", "assign_to_attribute", "as (an attribute name)")
  local at = named.allergy_type
  if at ~= nil and at ~= "allergy" and at ~= "intolerance" then
    fail("allergy_type must be \"allergy\" or \"intolerance\", got %s", show(at))
  end
end)

-- allergy_end { "Peanut_Allergy", next = "X" }
S.allergy_end = ender("AllergyEnd", "allergy_end", "allergy_onset")

-- medication_order { rxnorm(314076, "lisinopril 10 MG Oral Tablet"), reason = "Diagnosis", chronic = true, next = "X" }
S.medication_order = constructor("MedicationOrder", "medication_order", function(s, a, named)
  take_codes(s, a, named, true, "rxnorm(314076, \"lisinopril 10 MG Oral Tablet\")")
  take_string(s, named, "reason", "reason")
  take_string(s, named, "as", "assign_to_attribute", "as (an attribute name)")
  local chronic = named_take(named, "chronic")
  if chronic ~= nil then
    if type(chronic) ~= "boolean" then fail("chronic must be true or false") end
    s.chronic = chronic
  end
end)

-- medication_end { "Metformin", next = "X" }
S.medication_end = ender("MedicationEnd", "medication_end", "medication_order")

-- careplan_start { snomed(735985000, "Diabetes self management plan (record artifact)"),
--                  activities = { snomed(160670007, "Diabetic diet") }, reason = "Diagnosis", next = "X" }
S.careplan_start = constructor("CarePlanStart", "careplan_start", function(s, a, named)
  take_codes(s, a, named, true)
  local acts = named_take(named, "activities")
  if acts ~= nil then s.activities = code_list(acts, "activities") end
  take_string(s, named, "reason", "reason")
  take_string(s, named, "as", "assign_to_attribute", "as (an attribute name)")
end)

-- careplan_end { "Diabetes_Plan", next = "X" }
S.careplan_end = ender("CarePlanEnd", "careplan_end", "careplan")

-- procedure { snomed(80146002, "Appendectomy"), duration = minutes(40, 70), reason = "Diagnosis", next = "X" }
S.procedure = constructor("Procedure", "procedure", function(s, a, named)
  take_codes(s, a, named, true)
  take_string(s, named, "reason", "reason")
  take_string(s, named, "as", "assign_to_attribute", "as (an attribute name)")
  local d = named_take(named, "duration") or take(a.quantities)
  if base.is_quantity(d) then
    for k, v in pairs(Q.duration_fields(d)) do set(s, k, v, "duration") end
  elseif d ~= nil then
    set(s, "duration", d)
  end
end)

-- Where an observation's value comes from: exactly one of these.
local OBSERVATION_VALUES = { "exact", "range", "distribution", "value", "attribute", "vital_sign", "value_code",
                             "expression", "sampled_data", "attachment" }

-- observation { loinc("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"), range(6.5, 9),
--               unit = "%", category = "laboratory", next = "X" }: record a value.
-- The value is a constant, a function of the patient, a range or gaussian,
-- attribute = "name" (its value), vital_sign = "BMI", or value_code = code.
-- (observation(code, op, value) with three arguments is the condition.)
S.observation = constructor("Observation", "observation", function(s, a, named)
  take_codes(s, a, named, true, "loinc(\"4548-4\", \"Hemoglobin A1c/Hemoglobin.total in Blood\")")
  local unit
  local v = take_first(a.quantities, a.values)
  if v ~= nil then unit = set_value(s, v, false, "value") end
  local nv = named_take(named, "value")
  if nv ~= nil then unit = set_value(s, nv, false, "value") or unit end
  local vc = named_take(named, "value_code")
  if vc ~= nil then set(s, "value_code", code_copy(vc, "value_code")) end
  local nsrc = 0
  for _, f in ipairs(OBSERVATION_VALUES) do
    if s[f] ~= nil or named[f] ~= nil then nsrc = nsrc + 1 end
  end
  if nsrc ~= 1 then
    fail("needs exactly one value: a number, range(...), attribute = \"name\", vital_sign = \"BMI\" or value_code = code")
  end
  local vs = named.vital_sign
  if vs ~= nil and not C.VITALS[vs] then fail("unknown vital sign %s", show(vs)) end
  if named.unit == nil and unit ~= nil then s.unit = unit end
  if s.unit == nil and named.unit == nil and s.value_code == nil and named.value_code == nil
     and named.sampled_data == nil and named.attachment == nil
     and type(s.value) ~= "string" and type(s.value) ~= "boolean" then
    fail("a numeric observation needs unit = ... (e.g. units.mg_dL, or \"{score}\")")
  end
end)

-- vital_sign { "Systolic Blood Pressure", range(140, 170), unit = "mm[Hg]", next = "X" }:
-- set the vital sign the engine reports at later visits.
S.vital_sign = constructor("VitalSign", "vital_sign", function(s, a, named)
  set(s, "vital_sign", take(a.strings))
  local vs = s.vital_sign or named.vital_sign
  if not C.VITALS[vs] then fail("unknown vital sign %s (known: %s)", show(vs), base.keys(C.VITALS)) end
  local unit
  local v = take_first(a.quantities, a.values)
  if v ~= nil then unit = set_value(s, v, false, "value") end
  local nv = named_take(named, "value")
  if nv ~= nil then unit = set_value(s, nv, false, "value") or unit end
  if s.exact == nil and s.range == nil and s.value == nil and named.exact == nil
     and named.range == nil and named.distribution == nil and named.expression == nil then
    fail("needs a value, e.g. range(140, 170)")
  end
  if named.unit == nil and unit ~= nil then s.unit = unit end
end)

-- symptom { "Abdominal Pain", severity = range(50, 150), next = "X" }: the
-- patient feels it with that severity (0-100); the cause defaults to the
-- module's name.
S.symptom = constructor("Symptom", "symptom", function(s, a, named)
  take_name(s, a, named, "symptom", "a symptom name: symptom { \"Chest Pain\", severity = range(40, 80), next = \"S\" }")
  local cause = named_take(named, "cause")
  if cause ~= nil then
    if type(cause) ~= "string" then fail("cause must be a string, got %s", show(cause)) end
    s.cause = cause   -- may be "": no cause, as some Synthea modules say
  end
  local v = take_first(a.quantities, a.values)
  if v ~= nil then set_value(s, v, false, "severity") end
  local sev = named_take(named, "severity")
  if sev ~= nil then set_value(s, sev, false, "severity") end
  if s.exact == nil and s.range == nil and s.value == nil and named.exact == nil
     and named.range == nil and named.value == nil and named.distribution == nil then
    fail("needs a severity, e.g. severity = range(20, 60)")
  end
  local pr = named.probability
  if pr ~= nil and (type(pr) ~= "number" or pr < 0 or pr > 1) then
    fail("probability must be a number between 0 and 1, got %s", show(pr))
  end
end)

-- vaccine { cvx(20, "DTaP"), series = 1, next = "X" }: an immunization.
S.vaccine = constructor("Vaccine", "vaccine", function(s, a, named)
  take_codes(s, a, named, true, "cvx(20, \"DTaP\")")
  local series = named.series
  if series ~= nil and (math.type(series) ~= "integer" or series < 1) then
    fail("series must be a whole number >= 1 (the dose number), got %s", show(series))
  end
end)

-- death { snomed(22298006, "Myocardial infarction (disorder)"), next = "Terminal" }:
-- the patient dies of that cause; cause = "Diagnosis" names the onset
-- state instead, cause_attribute = "name" an attribute holding it, and
-- after = days(1, 30) delays the death.  A code may be given together with
-- cause = "Diagnosis" (as some Synthea modules do).
S.death = constructor("Death", "death", function(s, a, named)
  take_codes(s, a, named, false)
  local cause = named_take(named, "cause")
  if base.is_code(cause) then
    if s.codes then fail("cause given twice") end
    s.codes = { code_copy(cause, "cause") }
  elseif type(cause) == "string" then
    set(s, "condition_onset", cause, "cause")
  elseif cause ~= nil then
    fail("cause must be a code or the name of a condition_onset state, got %s", show(cause))
  end
  take_string(s, named, "cause_attribute", "referenced_by_attribute", "cause_attribute")
  local after = named_take(named, "after") or take(a.quantities)
  if after ~= nil then
    local f = Q.delay_fields(after, "after")
    if f.distribution then fail("after must be an exact time or a range, e.g. days(1, 30)") end
    for k, v in pairs(f) do set(s, k, v, "after") end
  end
  local n = 0
  for _, f in ipairs { "codes", "condition_onset", "referenced_by_attribute" } do
    if s[f] ~= nil or named[f] ~= nil then n = n + 1 end
  end
  if n == 0 then
    fail("needs one cause: a code, cause = \"OnsetState\" or cause_attribute = \"name\"")
  end
end)

-- A list field of plain GMF tables (observations of a panel, imaging series,
-- supplies, physiology inputs): a Lua list of tables, checked only for shape.
local function check_list(named, key, required)
  local v = named[key]
  if v == nil then
    if required then fail("needs %s = { ... }", key) end
    return
  end
  if type(v) ~= "table" or getmetatable(v) ~= nil then fail("%s must be a list of tables", key) end
  for i, item in ipairs(v) do
    if type(item) ~= "table" or getmetatable(item) ~= nil then
      fail("%s item %d must be a table, got %s", key, i, show(item))
    end
  end
end

-- The panel states: multi_observation (vital signs, scores) and
-- diagnostic_report (laboratory panels).  Each records its observations, whose
-- items have the fields of an observation state (codes, category, unit and a
-- value), under the panel's code.
local function panel(ty, ctor)
  return constructor(ty, ctor, function(s, a, named)
    take_codes(s, a, named, true, "loinc(\"58410-2\", \"CBC panel - Blood by Automated count\")")
    take_string(s, named, "at", "target_encounter", "at (an encounter state)")
    check_list(named, "observations", true)
    local n = named.number_of_observations
    if n ~= nil and (math.type(n) ~= "integer" or n < 0) then
      fail("number_of_observations must be a whole number, got %s", show(n))
    end
  end)
end

-- multi_observation { loinc("85354-9", "Blood pressure panel with all children optional"),
--   category = "vital-signs", observations = { { codes = {...}, unit = "mm[Hg]", vital_sign = "..." }, ... },
--   next = "X" }
S.multi_observation = panel("MultiObservation", "multi_observation")

-- diagnostic_report { loinc("58410-2", "CBC panel - Blood by Automated count"),
--   observations = { { category = "laboratory", codes = {...}, unit = "10*3/uL", range = {...} }, ... },
--   next = "X" }
S.diagnostic_report = panel("DiagnosticReport", "diagnostic_report")

-- The one code of a state into field `field` (`what` in messages): its
-- unnamed code, or `field = code`.  Fails with "needs NEED" without either.
local function take_one_code(s, a, named, field, what, need)
  local c = take(a.codes)
  if c ~= nil then set(s, field, code_copy(c, what), what) end
  if s[field] == nil and named[field] == nil then fail("needs %s", need) end
end

-- imaging_study { snomed(399208008, "Plain X-ray of chest (procedure)"), series = { {
--   body_site = snomed(...), modality = code("DICOM-DCM", "CR", "Computed Radiography"),
--   instances = { { title = "...", sop_class = code("DICOM-SOP", "...", "...") } } } }, next = "X" }:
-- an imaging study; the code is the imaging procedure's.
S.imaging_study = constructor("ImagingStudy", "imaging_study", function(s, a, named)
  take_one_code(s, a, named, "procedure_code", "procedure code",
                "the imaging procedure's code, e.g. snomed(399208008, \"Plain X-ray of chest (procedure)\")")
  check_list(named, "series", true)
end)

-- device { snomed(706004007, "Implantable cardiac pacemaker (physical object)"), as = "pacemaker", next = "X" }:
-- the patient gets a device (manufacturer = ..., model = ... optional).
S.device = constructor("Device", "device", function(s, a, named)
  take_one_code(s, a, named, "code", "device code",
                "the device's code, e.g. snomed(706004007, \"Implantable cardiac pacemaker (physical object)\")")
  take_string(s, named, "as", "assign_to_attribute", "as (an attribute name)")
end)

-- device_end { "Pacemaker", next = "X" }: the device is removed (its device
-- state, attribute = "name", or its code).
S.device_end = ender("DeviceEnd", "device_end", "device")

-- supply_list { supplies = { { quantity = 1, code = snomed(469020004, "Dental floss (physical object)") } },
--               next = "X" }: supplies used at the current encounter.
S.supply_list = constructor("SupplyList", "supply_list", function(s, a, named)
  check_list(named, "supplies", true)
end)

-- physiology { model = "circulation/McSharry2003_Synthetic_ECG.xml", solver = "runge_kutta",
--              step_size = 0.01, sim_duration = 4, lead_time = 0, inputs = {...}, outputs = {...},
--              next = "X", alt_direct_transition = "Y" }: run a physiology model (Synthea's
-- SBML simulations); alt_direct_transition is taken where physiology is not simulated.
S.physiology = constructor("Physiology", "physiology", function(s, a, named)
  if type(named.model) ~= "string" then fail("needs model = \"path of the model file\"") end
  check_list(named, "inputs", false)
  check_list(named, "outputs", false)
  local alt = named.alt_direct_transition
  if alt ~= nil then base.check_name(alt, "alt_direct_transition") end
end)

------------------------------------------------------------------------------
-- module()
------------------------------------------------------------------------------

-- Every state name a transition can lead to.
function S.targets(st)
  local out = {}
  if st.direct_transition ~= nil then out[#out + 1] = st.direct_transition end
  for _, o in ipairs(st.distributed_transition or {}) do out[#out + 1] = o.transition end
  for _, o in ipairs(st.conditional_transition or {}) do out[#out + 1] = o.transition end
  for _, o in ipairs(st.complex_transition or {}) do
    if o.transition ~= nil then out[#out + 1] = o.transition end
    for _, d in ipairs(o.distributions or {}) do out[#out + 1] = d.transition end
  end
  for _, o in ipairs(st.lookup_table_transition or {}) do out[#out + 1] = o.transition end
  local care = st.type_of_care_transition
  if type(care) == "table" then
    for _, k in ipairs { "ambulatory", "emergency", "telemedicine" } do
      if care[k] ~= nil then out[#out + 1] = care[k] end
    end
  end
  if st.alt_direct_transition ~= nil then out[#out + 1] = st.alt_direct_transition end
  return out
end

-- Call f(c) for a condition and every condition nested in it.
local function walk_conditions(c, f)
  if type(c) ~= "table" then return end
  f(c)
  for _, sub in ipairs(c.conditions or {}) do walk_conditions(sub, f) end
  if c.condition ~= nil then walk_conditions(c.condition, f) end
end

-- Every condition of a state (guard and transitions).
function S.conditions_of(st, f)
  if st.allow ~= nil then walk_conditions(st.allow, f) end
  for _, o in ipairs(st.conditional_transition or {}) do walk_conditions(o.condition, f) end
  for _, o in ipairs(st.complex_transition or {}) do walk_conditions(o.condition, f) end
end

-- State references checked by module(): field -> state type it must name.
local REFS = {
  target_encounter = "Encounter", condition_onset = "ConditionOnset",
  medication_order = "MedicationOrder", careplan = "CarePlanStart", allergy_onset = "AllergyOnset",
  device = "Device",
}

-- References that may name a state of another module: an onset's
-- target_encounter may be the encounter of the module that called this one
-- as a submodule, and a DeviceEnd naming no state of its module ends nothing
-- (as in Synthea).  When they name a state of this module, its type is checked.
local OTHER_MODULE = { target_encounter = true, device = true }

-- Check a module's state table; returns a list of problems (empty if none).
function S.problems(states)
  local out = {}
  local function problem(name, st, fmt, ...)
    local where = string.format("state %q", name)
    if type(st) == "table" and type(st.line) == "number" then
      where = where .. string.format(" (line %d)", st.line)
    end
    out[#out + 1] = where .. ": " .. string.format(fmt, ...)
  end
  local names = {}
  for name in pairs(states) do
    if type(name) == "string" then names[#names + 1] = name end
  end
  table.sort(names)
  for _, name in ipairs(names) do
    local st = states[name]
    if type(st) ~= "table" or type(st.type) ~= "string" then
      problem(name, st, "is not a state (got %s)", show(st))
    elseif not FIELDS[st.type] then
      problem(name, st, "unknown state type %s", show(st.type))
    else
      local ntr = 0
      for _, f in ipairs(S.TRANSITIONS) do if st[f] ~= nil then ntr = ntr + 1 end end
      if st.type == "Terminal" and ntr > 0 then problem(name, st, "a Terminal state has no transition") end
      if st.type ~= "Terminal" and ntr ~= 1 then problem(name, st, "has %d transitions (needs exactly one)", ntr) end
      for _, target in ipairs(S.targets(st)) do
        if states[target] == nil then problem(name, st, "goes to %s, which is not a state of this module", show(target)) end
      end
      for field, want in pairs(REFS) do
        local ref = st[field]
        if type(ref) == "string" then
          local rs = states[ref]
          if type(rs) ~= "table" and OTHER_MODULE[field] then
            -- may name a state of another module (see OTHER_MODULE)
          elseif type(rs) ~= "table" then
            problem(name, st, "%s names %s, which is not a state of this module", field, show(ref))
          elseif rs.type ~= want then
            problem(name, st, "%s names %s, a %s state (needs %s)", field, show(ref), tostring(rs.type), want)
          end
        end
      end
      S.conditions_of(st, function(c)
        if c.condition_type == "PriorState" then
          for _, ref in ipairs { c.name, c.since } do
            if states[ref] == nil then
              problem(name, st, "prior_state names %s, which is not a state of this module", show(ref))
            end
          end
        end
      end)
    end
  end
  for k in pairs(states) do
    if type(k) ~= "string" then out[#out + 1] = "state names must be strings, got " .. show(k) end
  end
  if states.Initial == nil then out[#out + 1] = "no state named Initial" end
  return out
end

-- Fill in what a module can say for its states (the Symptom cause), check
-- it, and return the GMF module table.  The line of the author's module()
-- call goes in the table's metatable (__vt_lines[1], as lua/json.c notes a
-- JSON module's line), where pairs() does not see it and the loader
-- (lua/loader.c) finds it for module-level messages.
local function finish_module(m, prefix)
  local l = base.line()
  if l and getmetatable(m) == nil then setmetatable(m, { __vt_lines = { l } }) end
  for _, st in pairs(m.states) do
    if type(st) == "table" and st.type == "Symptom" and st.cause == nil then st.cause = m.name end
  end
  -- under `vitae check` the loader checks the same and more, state by state
  local probs = (vt_checking and vt_checking()) and {} or S.problems(m.states)
  if #probs > 0 then
    fail("%s%s", prefix, table.concat(probs, "; "))
  end
  return m
end

-- Module-level GMF fields that module "Name" { ... } takes from among the
-- states, with the test telling such a value from a state.
local MODULE_FIELDS = {
  remarks = function(v) return type(v) == "table" and v.type == nil end,  -- a list of strings
  gmf_version = function(v) return type(v) == "number" end,               -- 1 or 2
  specialty = function(v) return type(v) == "string" end,                 -- e.g. "CARDIOVASCULAR DISEASE (CARDIOLOGY)"
}

-- module "Appendicitis" { Initial = ..., ... }: the module table.  A list of
-- strings under the key `remarks` is kept as the module's remarks;
-- gmf_version = 2 and specialty = "..." are kept as the module's too.
-- module { name = "X", states = {...} } checks a plain GMF table.
function S.module(name)
  if type(name) == "table" and getmetatable(name) == nil then
    if type(name.name) ~= "string" or type(name.states) ~= "table" then
      fail("a plain module table needs name = \"...\" and states = {...}")
    end
    return finish_module(name, string.format("module %q: ", name.name))
  end
  if type(name) ~= "string" or name == "" then
    fail("needs a name: module \"Appendicitis\" { ... }")
  end
  return base.wrap("module " .. string.format("%q", name), function(states)
    if type(states) ~= "table" or getmetatable(states) ~= nil then
      fail("takes a table of states: module %q { Initial = ..., ... }", name)
    end
    local m = { name = name, states = states }
    for key, ok in pairs(MODULE_FIELDS) do
      local v = states[key]
      if v ~= nil and ok(v) then
        m[key] = v
        states[key] = nil
      end
    end
    return finish_module(m, "")
  end)
end

return S
