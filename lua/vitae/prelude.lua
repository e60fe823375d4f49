-- prelude.lua -- the helpers module authors use.  Run once per Lua state as
-- trusted code (with vt_require and vt_caller_line); it returns the table of
-- helpers that every module's environment can read.  Every helper expands to
-- the plain GMF table of docs/module-format.md; docs/writing-modules.md is the
-- guide.
--
--   modules                    module "Name" { State = ..., ... }
--   states                     initial terminal simple guard delay set_attribute counter
--                              call_submodule encounter encounter_end condition_onset
--                              condition_end allergy_onset allergy_end medication_order
--                              medication_end careplan_start careplan_end procedure
--                              observation vital_sign symptom vaccine death
--                              multi_observation diagnostic_report imaging_study
--                              device device_end supply_list physiology
--   transitions                next = "S", chance, pick, when, from_attribute,
--                              lookup_table, type_of_care
--   conditions                 age age_at_least age_below age_between gender is_male
--                              is_female race ses year year_at_least year_before date
--                              attribute has_condition has_medication has_careplan
--                              has_allergy symptom symptom_at_least observation vital
--                              prior_state all any negate at_least at_most always never
--   codes                      code snomed loinc rxnorm cvx
--   quantities                 years months weeks days hours minutes range exactly
--                              gaussian exponential, and the units table
--   rates                      by_age by_year

local base = vt_require("base")
local codes = vt_require("codes")
local Q = vt_require("quantities")
local C = vt_require("conditions")
local T = vt_require("transitions")
local S = vt_require("states")
local TB = vt_require("tables")
local units = vt_require("units")

local exports = {}

-- Export raw function f under `name`, wrapped to report errors at the
-- author's line.
local function export(name, f)
  exports[name] = base.wrap(name, f)
end

-- observation { ... } records an observation; observation(code, op, value)
-- is the condition on its latest value.  symptom likewise.
local function state_or_condition(state_ctor, cond_fn)
  return function(first, ...)
    if select("#", ...) == 0 and type(first) == "table" and getmetatable(first) == nil
       and not base.is_code(first) then
      return state_ctor(first)
    end
    return cond_fn(first, ...)
  end
end

-- modules and states
export("module", S.module)
for _, name in ipairs {
  "initial", "terminal", "simple", "guard", "delay", "set_attribute", "counter",
  "call_submodule", "encounter", "encounter_end", "condition_onset", "condition_end",
  "allergy_onset", "allergy_end", "medication_order", "medication_end",
  "careplan_start", "careplan_end", "procedure", "vital_sign", "vaccine", "death",
  "multi_observation", "diagnostic_report", "imaging_study", "device", "device_end",
  "supply_list", "physiology",
} do
  export(name, S[name])
end
export("observation", state_or_condition(S.observation, C.observation_condition))
export("symptom", state_or_condition(S.symptom, C.symptom_condition))

-- transitions
for _, name in ipairs { "chance", "pick", "when", "from_attribute", "lookup_table", "type_of_care" } do
  export(name, T[name])
end

-- conditions
for _, name in ipairs {
  "age", "age_at_least", "age_below", "age_between", "gender", "race", "ses",
  "year", "year_at_least", "year_before", "date", "attribute",
  "has_condition", "has_medication", "has_careplan", "has_allergy",
  "symptom_at_least", "vital", "prior_state", "all", "any", "negate", "at_least", "at_most",
} do
  export(name, C[name])
end
exports.is_male, exports.is_female = C.is_male, C.is_female
exports.always, exports.never = C.always, C.never

-- rates by age or year
export("by_age", TB.by_age)
export("by_year", TB.by_year)

-- codes
for _, name in ipairs { "code", "snomed", "loinc", "rxnorm", "cvx" } do
  export(name, codes[name])
end

-- quantities and units
for _, name in ipairs { "years", "months", "weeks", "days", "hours", "minutes",
                        "range", "exactly", "gaussian", "exponential" } do
  export(name, Q[name])
end
exports.units = units

return exports
