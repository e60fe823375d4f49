-- validate.lua -- checks every module under modules/ against
-- docs/module-format.md, independently of the prelude: known state types and
-- fields, one transition per state (none for Terminal), existing targets and
-- state references, codes with system/code/display, quantities with the
-- right units, Lua functions only in the slots that allow them, Initial
-- present, every state reachable, no loop that runs without waiting.  Then
-- the set as a whole (unique names, submodules, codes and attributes that
-- one module reads and another writes) and every function slot called on
-- sample patients.  Used by check.lua.

local V = {}

local STATE_FIELDS = {
  Initial = {}, Simple = {}, Terminal = {},
  Guard = { "allow" },
  Delay = { "exact", "range", "distribution", "unit" },
  SetAttribute = { "attribute", "value", "range", "distribution" },
  Counter = { "attribute", "action", "amount" },
  CallSubmodule = { "submodule" },
  Encounter = { "encounter_class", "codes", "reason", "wellness" },
  EncounterEnd = { "discharge_disposition" },
  ConditionOnset = { "codes", "target_encounter", "assign_to_attribute" },
  ConditionEnd = { "condition_onset", "referenced_by_attribute", "codes" },
  AllergyOnset = { "codes", "allergy_type", "category", "target_encounter", "assign_to_attribute", "reactions" },
  AllergyEnd = { "allergy_onset", "referenced_by_attribute", "codes" },
  MedicationOrder = { "codes", "reason", "chronic", "assign_to_attribute", "prescription", "administration" },
  MedicationEnd = { "medication_order", "referenced_by_attribute", "codes" },
  CarePlanStart = { "codes", "activities", "reason", "assign_to_attribute", "goals" },
  CarePlanEnd = { "careplan", "referenced_by_attribute", "codes" },
  Procedure = { "codes", "reason", "duration", "distribution", "unit", "assign_to_attribute" },
  Observation = { "codes", "category", "unit", "exact", "range", "attribute", "vital_sign", "value_code", "value" },
  VitalSign = { "vital_sign", "unit", "exact", "range", "value" },
  Symptom = { "symptom", "cause", "exact", "range", "value" },
  Vaccine = { "codes", "series" },
  Death = { "codes", "condition_onset", "referenced_by_attribute", "exact", "range" },
}
V.STATE_FIELDS = STATE_FIELDS

local TRANSITIONS = { "direct_transition", "distributed_transition", "conditional_transition", "complex_transition" }
local SYSTEMS = { ["SNOMED-CT"] = true, LOINC = true, RxNorm = true, CVX = true, ["DICOM-DCM"] = true, ["DICOM-SOP"] = true }
local OPERATORS = { ["<"] = 1, ["<="] = 1, ["=="] = 1, [">="] = 1, [">"] = 1, ["!="] = 1, ["is nil"] = 0, ["is not nil"] = 0 }
local TIME_UNITS = { years = true, months = true, weeks = true, days = true, hours = true, minutes = true }
local AGE_UNITS = { years = true, months = true, weeks = true, days = true }
local CLASSES = { ambulatory = true, emergency = true, inpatient = true, urgentcare = true, outpatient = true, wellness = true }
local VITALS = { Height = true, Weight = true, BMI = true, ["Systolic Blood Pressure"] = true,
                 ["Diastolic Blood Pressure"] = true, ["Heart Rate"] = true, ["Respiration Rate"] = true }
local DIST_KINDS = { EXACT = { "value" }, UNIFORM = { "low", "high" }, GAUSSIAN = { "mean", "standardDeviation" },
                     EXPONENTIAL = { "mean" } }
-- States that wait (let time pass) and so break a loop.
local function waits(st)
  return st.type == "Delay" or st.type == "Guard" or (st.type == "Encounter" and st.wellness == true)
      or st.type == "Death"
end

------------------------------------------------------------------------------
-- One module
------------------------------------------------------------------------------

-- Validate module table `m`; returns a list of problems and a summary of
-- what it reads and writes (for the checks of the set).
function V.module(m)
  local problems = {}
  local info = {
    onset_codes = {}, med_codes = {}, careplan_codes = {}, allergy_codes = {},
    needs_condition = {}, needs_medication = {}, needs_careplan = {}, needs_allergy = {},
    attrs_written = {}, attrs_read = {}, submodules = {}, functions = {}, displays = {},
    obs_codes = {}, needs_observation = {}, symptoms = {},
  }
  local where = "module"
  local function problem(fmt, ...)
    problems[#problems + 1] = where .. ": " .. string.format(fmt, ...)
  end

  if type(m) ~= "table" then problem("the file did not return a table"); return problems, info end
  if type(m.name) ~= "string" or m.name == "" then problem("name must be a non-empty string") end
  if type(m.states) ~= "table" then problem("states must be a table"); return problems, info end
  for k in pairs(m) do
    if k ~= "name" and k ~= "states" and k ~= "remarks" and k ~= "gmf_version" then problem("unknown key %q", tostring(k)) end
  end
  local states = m.states

  local function fn_slot(v, what)
    info.functions[#info.functions + 1] = { fn = v, what = what, where = where }
  end

  local function is_str(v) return type(v) == "string" and v ~= "" end

  local function code(c, what)
    if type(c) ~= "table" then problem("%s: not a code table", what); return end
    if not SYSTEMS[c.system] then problem("%s: unknown system %s", what, tostring(c.system)) end
    if type(c.code) ~= "string" and math.type(c.code) ~= "integer" then problem("%s: code must be text", what) end
    if not is_str(c.display) then problem("%s: display name missing", what) end
    for k in pairs(c) do
      if k ~= "system" and k ~= "code" and k ~= "display" then problem("%s: unknown key %q", what, tostring(k)) end
    end
    if c.code ~= nil and c.display ~= nil and c.system ~= nil then
      local key = c.system .. " " .. tostring(c.code)
      info.displays[key] = info.displays[key] or {}
      info.displays[key][c.display] = where
    end
  end

  local function code_list(l, what, into)
    if type(l) ~= "table" or #l == 0 then problem("%s: must be a non-empty list of codes", what); return end
    for i, c in ipairs(l) do
      code(c, what .. "[" .. i .. "]")
      if into and type(c) == "table" and c.code then into[tostring(c.code)] = where end
    end
  end

  -- A number slot that may be a function.
  local function num(v, what, fn_ok)
    if type(v) == "function" then
      if fn_ok then fn_slot(v, "number " .. what) else problem("%s: a function is not allowed here", what) end
    elseif type(v) ~= "number" then
      problem("%s: must be a number%s", what, fn_ok and " or a function" or "")
    end
  end

  local function no_functions(v, what, seen)
    if type(v) == "function" then problem("%s: a function is not allowed here", what) end
    if type(v) == "table" then
      seen = seen or {}
      if seen[v] then return end
      seen[v] = true
      for k, x in pairs(v) do no_functions(x, what .. "." .. tostring(k), seen) end
    end
  end

  local function operator(c, what)
    local arity = OPERATORS[c.operator]
    if arity == nil then problem("%s: unknown operator %s", what, tostring(c.operator)); return false end
    if arity == 1 and c.value == nil and c.condition_type ~= "Age" and c.condition_type ~= "Date" then
      problem("%s: operator %s needs a value", what, c.operator)
    end
    return true
  end

  local function condition(c, what)
    if type(c) == "function" then fn_slot(c, "condition " .. what); return end
    if type(c) ~= "table" then problem("%s: condition must be a table or a function", what); return end
    local ct = c.condition_type
    if ct == "Gender" then
      if c.gender ~= "M" and c.gender ~= "F" then problem("%s: gender must be M or F", what) end
    elseif ct == "Age" then
      operator(c, what); num(c.quantity, what .. ".quantity", false)
      if not AGE_UNITS[c.unit] then problem("%s: age unit %s", what, tostring(c.unit)) end
    elseif ct == "Date" then
      operator(c, what)
      if c.year == nil and type(c.date) ~= "table" then problem("%s: needs year or date", what) end
    elseif ct == "Race" then
      if not is_str(c.race) then problem("%s: race missing", what) end
    elseif ct == "Socioeconomic Status" then
      if c.category ~= "Low" and c.category ~= "Middle" and c.category ~= "High" then problem("%s: category", what) end
    elseif ct == "Attribute" then
      if not is_str(c.attribute) then problem("%s: attribute missing", what) else info.attrs_read[c.attribute] = where end
      operator(c, what)
      no_functions(c.value, what .. ".value")
    elseif ct == "Symptom" then
      if not is_str(c.symptom) then problem("%s: symptom missing", what) else info.symptoms[c.symptom] = info.symptoms[c.symptom] or false end
      operator(c, what)
    elseif ct == "Observation" then
      if c.codes then
        code_list(c.codes, what .. ".codes", info.needs_observation)
      elseif not is_str(c.referenced_by_attribute) then
        problem("%s: needs codes or referenced_by_attribute", what)
      end
      operator(c, what)
    elseif ct == "Vital Sign" then
      if not VITALS[c.vital_sign] then problem("%s: unknown vital sign %s", what, tostring(c.vital_sign)) end
      operator(c, what)
    elseif ct == "Active Condition" or ct == "Active Medication" or ct == "Active CarePlan" or ct == "Active Allergy" then
      local into = ({ ["Active Condition"] = info.needs_condition, ["Active Medication"] = info.needs_medication,
                      ["Active CarePlan"] = info.needs_careplan, ["Active Allergy"] = info.needs_allergy })[ct]
      if c.codes then
        code_list(c.codes, what .. ".codes", into)
      elseif is_str(c.referenced_by_attribute) then
        info.attrs_read[c.referenced_by_attribute] = where
      else
        problem("%s: needs codes or referenced_by_attribute", what)
      end
    elseif ct == "PriorState" then
      if states[c.name] == nil then problem("%s: prior state %s does not exist", what, tostring(c.name)) end
      if c.since ~= nil and states[c.since] == nil then problem("%s: since state %s does not exist", what, tostring(c.since)) end
      if c.within ~= nil then
        if type(c.within) ~= "table" or type(c.within.quantity) ~= "number" or not TIME_UNITS[c.within.unit] then
          problem("%s: within must be {quantity, unit}", what)
        end
      end
    elseif ct == "And" or ct == "Or" then
      if type(c.conditions) ~= "table" or #c.conditions == 0 then problem("%s: conditions list missing", what)
      else for i, s in ipairs(c.conditions) do condition(s, what .. "." .. ct .. "[" .. i .. "]") end end
    elseif ct == "Not" then
      condition(c.condition, what .. ".Not")
    elseif ct == "At Least" or ct == "At Most" then
      local n = ct == "At Least" and c.minimum or c.maximum
      if math.type(n) ~= "integer" then problem("%s: count must be an integer", what) end
      if type(c.conditions) ~= "table" or #c.conditions == 0 then problem("%s: conditions list missing", what)
      else for i, s in ipairs(c.conditions) do condition(s, what .. "[" .. i .. "]") end end
    elseif ct == "True" or ct == "False" then
      -- nothing
    else
      problem("%s: unknown condition_type %s", what, tostring(ct))
    end
  end

  local function probability(p, what)
    if type(p) == "number" then
      if p < 0 or p > 1 then problem("%s: probability %s outside 0..1", what, tostring(p)) end
    elseif type(p) == "function" then
      fn_slot(p, "probability " .. what)
    elseif type(p) == "table" then
      if not is_str(p.attribute) then problem("%s: attribute distribution needs attribute", what)
      else info.attrs_read[p.attribute] = where end
    else
      problem("%s: distribution must be a number, function or {attribute, default}", what)
    end
  end

  local function distributions(list, what, targets)
    if type(list) ~= "table" or #list == 0 then problem("%s: must be a non-empty list", what); return end
    local sum = 0
    for i, o in ipairs(list) do
      probability(o.distribution, what .. "[" .. i .. "]")
      if type(o.distribution) == "number" then sum = sum + o.distribution end
      if not is_str(o.transition) then problem("%s[%d]: transition missing", what, i)
      else targets[#targets + 1] = o.transition end
    end
    if sum > 1 + 1e-9 then problem("%s: probabilities add up to %g", what, sum) end
  end

  -- A quantity {quantity} / {low, high}; unit_rule: "time" requires a
  -- time unit, "none" forbids one, nil allows any.
  local function exact(q, what, unit_rule)
    if type(q) ~= "table" then problem("%s: must be a table", what); return end
    num(q.quantity, what .. ".quantity", true)
    if unit_rule == "time" and not TIME_UNITS[q.unit] then problem("%s: needs a time unit", what) end
  end
  local function range(q, what, unit_rule)
    if type(q) ~= "table" then problem("%s: must be a table", what); return end
    num(q.low, what .. ".low", true); num(q.high, what .. ".high", true)
    if type(q.low) == "number" and type(q.high) == "number" and q.low > q.high then problem("%s: low > high", what) end
    if unit_rule == "time" and not TIME_UNITS[q.unit] then problem("%s: needs a time unit", what) end
  end
  local function distribution(d, what)
    if type(d) ~= "table" or not DIST_KINDS[d.kind] or type(d.parameters) ~= "table" then
      problem("%s: needs kind (EXACT, UNIFORM, GAUSSIAN, EXPONENTIAL) and parameters", what); return
    end
    for _, p in ipairs(DIST_KINDS[d.kind]) do
      if type(d.parameters[p]) ~= "number" then problem("%s: parameter %s missing", what, p) end
    end
    no_functions(d, what)
  end

  local function value(v, what)
    local t = type(v)
    if t == "function" then fn_slot(v, "value " .. what)
    elseif t ~= "number" and t ~= "string" and t ~= "boolean" then problem("%s: bad value", what) end
  end

  local names = {}
  for name in pairs(states) do
    if type(name) ~= "string" then problem("state names must be strings")
    else names[#names + 1] = name end
  end
  table.sort(names)
  local edges = {}

  for _, name in ipairs(names) do
    local st = states[name]
    where = string.format("state %s", name)
    if type(st) == "table" and type(st.line) == "number" then where = where .. " (line " .. st.line .. ")" end
    local fields = type(st) == "table" and STATE_FIELDS[st.type]
    if not fields then
      problem("unknown state type %s", type(st) == "table" and tostring(st.type) or type(st))
      goto next_state
    end
    do
      local allowed = { type = true, line = true, remarks = true, name = true }
      for _, f in ipairs(TRANSITIONS) do allowed[f] = true end
      for _, f in ipairs(fields) do allowed[f] = true end
      for k in pairs(st) do
        if not allowed[k] then problem("field %s is not part of a %s state", tostring(k), st.type) end
      end
      if st.line ~= nil and math.type(st.line) ~= "integer" then problem("line must be an integer") end
      if st.remarks ~= nil then no_functions(st.remarks, "remarks") end

      -- transitions
      local targets, ntr = {}, 0
      for _, f in ipairs(TRANSITIONS) do if st[f] ~= nil then ntr = ntr + 1 end end
      if st.type == "Terminal" and ntr ~= 0 then problem("a Terminal state has no transition") end
      if st.type ~= "Terminal" and ntr ~= 1 then problem("needs exactly one transition, has %d", ntr) end
      if st.direct_transition ~= nil then
        if is_str(st.direct_transition) then targets[1] = st.direct_transition
        else problem("direct_transition must be a state name") end
      end
      if st.distributed_transition ~= nil then distributions(st.distributed_transition, "distributed_transition", targets) end
      if st.conditional_transition ~= nil then
        local l = st.conditional_transition
        if type(l) ~= "table" or #l == 0 then problem("conditional_transition must be a non-empty list")
        else
          for i, o in ipairs(l) do
            if o.condition ~= nil then condition(o.condition, "conditional_transition[" .. i .. "]") end
            if not is_str(o.transition) then problem("conditional_transition[%d]: transition missing", i)
            else targets[#targets + 1] = o.transition end
          end
        end
      end
      if st.complex_transition ~= nil then
        local l = st.complex_transition
        if type(l) ~= "table" or #l == 0 then problem("complex_transition must be a non-empty list")
        else
          for i, o in ipairs(l) do
            local w = "complex_transition[" .. i .. "]"
            if o.condition ~= nil then condition(o.condition, w) end
            if o.distributions ~= nil then
              if o.transition ~= nil then problem("%s: has both transition and distributions", w) end
              distributions(o.distributions, w .. ".distributions", targets)
            elseif is_str(o.transition) then
              targets[#targets + 1] = o.transition
            else
              problem("%s: needs transition or distributions", w)
            end
          end
        end
      end
      for _, t in ipairs(targets) do
        if states[t] == nil then problem("transition to %s, which does not exist", t) end
      end
      edges[name] = targets

      -- the fields of the type
      local ty = st.type
      local function ref(field, want)
        local r = st[field]
        if r == nil then return end
        if not is_str(r) then problem("%s must be a state name", field); return end
        if states[r] == nil then problem("%s names %s, which does not exist", field, r)
        elseif states[r].type ~= want then problem("%s names %s, a %s state (needs %s)", field, r, tostring(states[r].type), want) end
      end
      local function one_of(list)
        local n = 0
        for _, f in ipairs(list) do if st[f] ~= nil then n = n + 1 end end
        if n ~= 1 then problem("needs exactly one of %s", table.concat(list, ", ")) end
      end
      local function written(attr) if attr ~= nil then info.attrs_written[attr] = where end end
      local function codes_required(into)
        if st.codes == nil then problem("codes missing") else code_list(st.codes, "codes", into) end
      end

      if ty == "Guard" then
        if st.allow == nil then problem("allow missing") else condition(st.allow, "allow") end
      elseif ty == "Delay" then
        local n = (st.exact and 1 or 0) + (st.range and 1 or 0) + (st.distribution and 1 or 0)
        if n ~= 1 then problem("needs one of exact, range, distribution") end
        if st.exact then exact(st.exact, "exact", "time") end
        if st.range then range(st.range, "range", "time") end
        if st.distribution then
          distribution(st.distribution, "distribution")
          if not TIME_UNITS[st.unit] then problem("distribution needs a time unit beside it") end
        end
      elseif ty == "SetAttribute" then
        if not is_str(st.attribute) then problem("attribute missing") end
        written(st.attribute)
        local n = (st.value ~= nil and 1 or 0) + (st.range and 1 or 0) + (st.distribution and 1 or 0)
        if n > 1 then problem("at most one of value, range, distribution") end
        if st.value ~= nil then value(st.value, "value") end
        if st.range then range(st.range, "range") end
        if st.distribution then distribution(st.distribution, "distribution") end
      elseif ty == "Counter" then
        if not is_str(st.attribute) then problem("attribute missing") end
        written(st.attribute); info.attrs_read[st.attribute] = info.attrs_read[st.attribute] or false
        if st.action ~= "increment" and st.action ~= "decrement" then problem("action must be increment or decrement") end
        if st.amount ~= nil and math.type(st.amount) ~= "integer" then problem("amount must be an integer") end
      elseif ty == "CallSubmodule" then
        if not is_str(st.submodule) then problem("submodule missing") else info.submodules[st.submodule] = where end
      elseif ty == "Encounter" then
        if st.wellness ~= nil and type(st.wellness) ~= "boolean" then problem("wellness must be a boolean") end
        if not st.wellness then
          if not CLASSES[st.encounter_class] then problem("encounter_class %s unknown", tostring(st.encounter_class)) end
          codes_required()
        else
          if st.encounter_class ~= nil and not CLASSES[st.encounter_class] then problem("encounter_class unknown") end
          if st.codes ~= nil then code_list(st.codes, "codes") end
        end
        if st.reason ~= nil and not is_str(st.reason) then problem("reason must be a name") end
      elseif ty == "EncounterEnd" then
        if st.discharge_disposition ~= nil then code(st.discharge_disposition, "discharge_disposition") end
      elseif ty == "ConditionOnset" or ty == "AllergyOnset" then
        codes_required(ty == "ConditionOnset" and info.onset_codes or info.allergy_codes)
        ref("target_encounter", "Encounter")
        written(st.assign_to_attribute)
        if ty == "AllergyOnset" and st.allergy_type ~= nil and st.allergy_type ~= "allergy" and st.allergy_type ~= "intolerance" then
          problem("allergy_type must be allergy or intolerance")
        end
        if st.reactions ~= nil then no_functions(st.reactions, "reactions") end
      elseif ty == "ConditionEnd" or ty == "AllergyEnd" or ty == "MedicationEnd" or ty == "CarePlanEnd" then
        local rf = ({ ConditionEnd = "condition_onset", AllergyEnd = "allergy_onset",
                      MedicationEnd = "medication_order", CarePlanEnd = "careplan" })[ty]
        local want = ({ ConditionEnd = "ConditionOnset", AllergyEnd = "AllergyOnset",
                        MedicationEnd = "MedicationOrder", CarePlanEnd = "CarePlanStart" })[ty]
        one_of { rf, "referenced_by_attribute", "codes" }
        ref(rf, want)
        if st.codes then code_list(st.codes, "codes") end
        if st.referenced_by_attribute then info.attrs_read[st.referenced_by_attribute] = where end
      elseif ty == "MedicationOrder" then
        codes_required(info.med_codes)
        if st.chronic ~= nil and type(st.chronic) ~= "boolean" then problem("chronic must be a boolean") end
        written(st.assign_to_attribute)
        no_functions(st.prescription, "prescription"); no_functions(st.administration, "administration")
      elseif ty == "CarePlanStart" then
        codes_required(info.careplan_codes)
        if st.activities ~= nil then code_list(st.activities, "activities") end
        written(st.assign_to_attribute)
        no_functions(st.goals, "goals")
      elseif ty == "Procedure" then
        codes_required()
        if st.duration ~= nil then range(st.duration, "duration", "time") end
        if st.distribution ~= nil then
          distribution(st.distribution, "distribution")
          if not TIME_UNITS[st.unit] then problem("distribution needs a time unit beside it") end
        end
        written(st.assign_to_attribute)
      elseif ty == "Observation" then
        codes_required(info.obs_codes)
        local n = 0
        for _, f in ipairs { "exact", "range", "attribute", "vital_sign", "value_code", "value" } do
          if st[f] ~= nil then n = n + 1 end
        end
        if n ~= 1 then problem("needs exactly one value source (exact, range, attribute, vital_sign, value_code, value)") end
        if st.exact then exact(st.exact, "exact") end
        if st.range then range(st.range, "range") end
        if st.value ~= nil then value(st.value, "value") end
        if st.value_code ~= nil then code(st.value_code, "value_code") end
        if st.attribute ~= nil then info.attrs_read[st.attribute] = where end
        if st.vital_sign ~= nil and not VITALS[st.vital_sign] then problem("unknown vital sign") end
        if st.value_code == nil and type(st.value) ~= "string" and type(st.value) ~= "boolean" and not is_str(st.unit) then
          problem("a numeric observation needs a unit")
        end
      elseif ty == "VitalSign" then
        if not VITALS[st.vital_sign] then problem("unknown vital sign %s", tostring(st.vital_sign)) end
        local n = (st.exact and 1 or 0) + (st.range and 1 or 0) + (st.value ~= nil and 1 or 0)
        if n ~= 1 then problem("needs one of exact, range, value") end
        if st.exact then exact(st.exact, "exact") end
        if st.range then range(st.range, "range") end
        if st.value ~= nil then value(st.value, "value") end
      elseif ty == "Symptom" then
        if not is_str(st.symptom) then problem("symptom missing") else info.symptoms[st.symptom] = true end
        local n = (st.exact and 1 or 0) + (st.range and 1 or 0) + (st.value ~= nil and 1 or 0)
        if n ~= 1 then problem("needs one of exact, range, value") end
        if st.exact then exact(st.exact, "exact") end
        if st.range then range(st.range, "range") end
        if st.value ~= nil then value(st.value, "value") end
      elseif ty == "Vaccine" then
        codes_required()
        if st.series ~= nil and math.type(st.series) ~= "integer" then problem("series must be an integer") end
      elseif ty == "Death" then
        one_of { "codes", "condition_onset", "referenced_by_attribute" }
        if st.codes then code_list(st.codes, "codes") end
        ref("condition_onset", "ConditionOnset")
        if st.exact then exact(st.exact, "exact", "time") end
        if st.range then range(st.range, "range", "time") end
      end
      -- a function anywhere else is an error
      for _, f in ipairs { "codes", "activities", "discharge_disposition", "value_code", "unit", "category",
                           "allergy_type", "series", "amount", "action", "attribute", "submodule", "reason",
                           "target_encounter", "assign_to_attribute", "chronic", "wellness", "encounter_class",
                           "symptom", "cause", "vital_sign", "distribution" } do
        if st[f] ~= nil then no_functions(st[f], f) end
      end
      if st.reason ~= nil and is_str(st.reason) and states[st.reason] ~= nil and states[st.reason].type ~= "ConditionOnset" then
        problem("reason names %s, which is not a ConditionOnset state", st.reason)
      end
    end
    ::next_state::
  end
  where = "module"

  -- Initial and reachability
  if states.Initial == nil then
    problem("no state named Initial")
  else
    local seen, stack = { Initial = true }, { "Initial" }
    while #stack > 0 do
      local n = table.remove(stack)
      for _, t in ipairs(edges[n] or {}) do
        if not seen[t] and states[t] ~= nil then seen[t] = true; stack[#stack + 1] = t end
      end
    end
    for _, name in ipairs(names) do
      if not seen[name] then problem("state %s cannot be reached from Initial", name) end
    end
  end

  -- loops that never wait: a cycle among states that do not let time pass
  local color = {}
  local function visit(n, path)
    color[n] = 1
    path[#path + 1] = n
    for _, t in ipairs(edges[n] or {}) do
      local st = states[t]
      if st and not waits(st) then
        if color[t] == 1 then
          local i = #path
          while path[i] ~= t do i = i - 1 end
          problem("loop without a Delay, Guard or wellness Encounter: %s -> %s",
                  table.concat(path, " -> ", i), t)
        elseif color[t] == nil then
          visit(t, path)
        end
      end
    end
    path[#path] = nil
    color[n] = 2
  end
  for _, name in ipairs(names) do
    local st = states[name]
    if color[name] == nil and type(st) == "table" and not waits(st) then visit(name, {}) end
  end
  return problems, info
end

------------------------------------------------------------------------------
-- Sample patients for function slots
------------------------------------------------------------------------------

-- A stand-in for the engine's patient proxy (docs/module-format.md).
function V.sample_patient(age, gender, opts)
  opts = opts or {}
  local seed = math.floor(age * 7 + (gender == "F" and 3 or 0))
  local rng = { state = seed % 2147483647 + 1 }
  local function rand()
    rng.state = (rng.state * 48271) % 2147483647
    return rng.state / 2147483647
  end
  local attrs = opts.attrs or {}
  local conds = opts.conditions or {}
  local p = {
    age = age, age_months = age * 12, gender = gender,
    race = opts.race or "white", ethnicity = "nonhispanic",
    ses = opts.ses or "Middle", income = 50000, education = "secondary",
    year = opts.year or 2020, time = ((opts.year or 2020) - 1970) * 31557600000,
  }
  function p:attr(name) return attrs[name] end
  function p:has_condition(code) return conds[tostring(code)] == true end
  function p:has_medication(code) return false end
  function p:has_careplan(code) return false end
  function p:has_allergy(code) return false end
  function p:symptom(name) return 0 end
  function p:observation(code) return nil end
  function p:vital(name) return opts.vitals and opts.vitals[name] or nil end
  function p:random() return rand() end
  function p:uniform(a, b) return a + (b - a) * rand() end
  function p:normal(m, s)
    local u1, u2 = rand(), rand()
    return m + s * math.sqrt(-2 * math.log(u1 + 1e-12)) * math.cos(2 * math.pi * u2)
  end
  return setmetatable(p, { __newindex = function() error("the patient is read-only", 2) end })
end

local function samples()
  local out = {}
  for _, age in ipairs { 0.1, 1, 5, 12, 17, 25, 45, 60, 75, 90 } do
    for _, g in ipairs { "M", "F" } do
      out[#out + 1] = V.sample_patient(age, g)
      out[#out + 1] = V.sample_patient(age, g, {
        race = "black", ses = "Low", year = 1985,
        attrs = { smoker = true, ever_smoker = true, smoking_years = 25 },
        conditions = { ["44054006"] = true, ["59621000"] = true },
        vitals = { BMI = 33, ["Systolic Blood Pressure"] = 150 },
      })
    end
  end
  return out
end

-- Call every function slot on sample patients; returns a list of problems.
function V.call_functions(info)
  local problems = {}
  local pts = samples()
  for _, f in ipairs(info.functions) do
    for _, p in ipairs(pts) do
      local good, r = pcall(f.fn, p)
      local kind = f.what:match("^(%S+)")
      local bad
      if not good then
        bad = "raised " .. tostring(r)
      elseif kind == "probability" and (type(r) ~= "number" or r < 0 or r > 1 or r ~= r) then
        bad = "returned " .. tostring(r) .. " (needs a probability)"
      elseif kind == "condition" and type(r) ~= "boolean" then
        bad = "returned " .. tostring(r) .. " (needs a boolean)"
      elseif kind == "number" and (type(r) ~= "number" or r ~= r) then
        bad = "returned " .. tostring(r) .. " (needs a number)"
      elseif kind == "value" and r ~= nil and type(r) ~= "number" and type(r) ~= "string" and type(r) ~= "boolean" then
        bad = "returned " .. tostring(r)
      end
      if bad then
        problems[#problems + 1] = string.format("%s: %s for age %g %s: %s", f.where, f.what, p.age, p.gender, bad)
        break
      end
    end
  end
  return problems
end

------------------------------------------------------------------------------
-- The module set
------------------------------------------------------------------------------

-- Attributes that modules may read without another module writing them
-- (none yet: the engine sets no attributes of its own).
V.ENGINE_ATTRIBUTES = {}

-- Every .lua file under dir, sorted.
local function list_modules(root)
  local out = {}
  local p = io.popen("cd '" .. root .. "/modules' 2>/dev/null && find . -name '*.lua' -type f | sort")
  if p then
    for line in p:lines() do out[#out + 1] = line:gsub("^%./", "") end
    p:close()
  end
  return out
end

-- Load, validate and cross-check every module; returns the loaded set
-- { {path, module, info}, ... } for the simulation, or nil if none loaded.
function V.run(M, root, set_current)
  local files = list_modules(root)
  M.check("modules: found " .. #files .. " module files", #files > 0, "no .lua files under modules/")
  local set, names, by_path = {}, {}, {}
  for _, file in ipairs(files) do
    local path = file:gsub("%.lua$", "")
    set_current(path)
    local f = io.open(root .. "/modules/" .. file, "r")
    local text = f:read("a")
    f:close()
    local m, err = M.run_module(text, "modules/" .. file)
    if not m then
      M.not_ok(path .. ": loads", err)
    else
      M.ok(path .. ": loads (" .. tostring(m.name) .. ")")
      local problems, info = V.module(m)
      M.check(path .. ": valid GMF", #problems == 0, table.concat(problems, "\n"))
      local fprobs = V.call_functions(info)
      M.check(path .. ": " .. #info.functions .. " function slots evaluate on sample patients",
              #fprobs == 0, table.concat(fprobs, "\n"))
      if names[m.name] then
        M.not_ok(path .. ": unique name", "module name " .. m.name .. " is also used by " .. names[m.name])
      end
      names[m.name or "?"] = path
      local entry = { path = path, module = m, info = info }
      set[#set + 1] = entry
      by_path[path] = entry
    end
  end
  if #set == 0 then return nil end

  -- the set as a whole
  local produced = { condition = {}, medication = {}, careplan = {}, allergy = {}, observation = {}, attrs = {} }
  local displays, symptoms_set = {}, {}
  for _, e in ipairs(set) do
    for c in pairs(e.info.onset_codes) do produced.condition[c] = e.path end
    for c in pairs(e.info.med_codes) do produced.medication[c] = e.path end
    for c in pairs(e.info.careplan_codes) do produced.careplan[c] = e.path end
    for c in pairs(e.info.allergy_codes) do produced.allergy[c] = e.path end
    for c in pairs(e.info.obs_codes) do produced.observation[c] = e.path end
    for a in pairs(e.info.attrs_written) do produced.attrs[a] = e.path end
    for s, set_here in pairs(e.info.symptoms) do if set_here then symptoms_set[s] = true end end
    for key, ds in pairs(e.info.displays) do
      displays[key] = displays[key] or {}
      for d in pairs(ds) do displays[key][d] = e.path end
    end
  end
  local probs = {}
  local function need(kind, list, path)
    for c, where in pairs(list) do
      if not produced[kind][c] then
        probs[#probs + 1] = string.format("%s (%s) reads %s %s, which no module records", path, where, kind, c)
      end
    end
  end
  for _, e in ipairs(set) do
    need("condition", e.info.needs_condition, e.path)
    need("medication", e.info.needs_medication, e.path)
    need("careplan", e.info.needs_careplan, e.path)
    need("allergy", e.info.needs_allergy, e.path)
    need("observation", e.info.needs_observation, e.path)
    for a, where in pairs(e.info.attrs_read) do
      if where and not produced.attrs[a] and not V.ENGINE_ATTRIBUTES[a] then
        probs[#probs + 1] = string.format("%s (%s) reads attribute %s, which no module sets", e.path, where, a)
      end
    end
    for s, set_here in pairs(e.info.symptoms) do
      if not set_here and not symptoms_set[s] then
        probs[#probs + 1] = string.format("%s tests symptom %q, which no module sets", e.path, s)
      end
    end
    for sub, where in pairs(e.info.submodules) do
      if not by_path[sub] then
        probs[#probs + 1] = string.format("%s (%s) calls submodule %s, which does not exist", e.path, where, sub)
      end
    end
  end
  table.sort(probs)
  M.check("module set: what one module reads, another records", #probs == 0, table.concat(probs, "\n"))
  local dprobs = {}
  for key, ds in pairs(displays) do
    local list = {}
    for d, path in pairs(ds) do list[#list + 1] = string.format("%q (%s)", d, path) end
    if #list > 1 then
      table.sort(list)
      dprobs[#dprobs + 1] = key .. ": " .. table.concat(list, ", ")
    end
  end
  table.sort(dprobs)
  M.check("module set: each code has one display name", #dprobs == 0, table.concat(dprobs, "\n"))
  return set
end

return V
