-- conditions.lua -- helpers that build native GMF conditions, which the engine
-- evaluates in C (cheaper than a Lua function of the patient):
--   age_at_least(40)          { condition_type = "Age", operator = ">=", quantity = 40, unit = "years" }
--   has_condition(DIABETES)   { condition_type = "Active Condition", codes = { ... } }
--   all { is_female, age_between(50, 75) }
-- Anywhere a condition goes, a Lua function f(p) returning a boolean works too.

local base = vt_require("base")
local codes = vt_require("codes")
local Q = vt_require("quantities")
local fail, show = base.fail, base.show

local C = {}

-- Check a condition argument (table or function) and return it.
local function cond(v, what)
  if not base.is_condition(v) then
    fail("%s must be a condition (e.g. age_at_least(18)) or a function of the patient, got %s",
         what or "condition", show(v))
  end
  return v
end
C.check = cond

local AGE_UNITS = { years = true, months = true, weeks = true, days = true }

local function comparison(op, value, what)
  base.check_operator(op)
  if op == "is nil" or op == "is not nil" then
    if value ~= nil then fail("%s: operator %q takes no value", what, op) end
  elseif value == nil then
    fail("%s: operator %q needs a value", what, op)
  end
  return op
end

-- age(">=", 40) / age("<", 6, "months"): the patient's age compared to a number.
function C.age(op, n, unit)
  comparison(op, n, "age")
  if type(n) ~= "number" or n < 0 then fail("age must be a number >= 0, got %s", show(n)) end
  unit = unit or "years"
  if not AGE_UNITS[unit] then fail("age unit must be years, months, weeks or days, got %s", show(unit)) end
  return { condition_type = "Age", operator = op, quantity = n, unit = unit }
end

-- age_at_least(18): age >= 18 years (a unit may follow: age_at_least(6, "months")).
function C.age_at_least(n, unit) return C.age(">=", n, unit) end

-- age_below(18): age < 18 years.
function C.age_below(n, unit) return C.age("<", n, unit) end

-- age_between(50, 75): 50 <= age < 75 years.
function C.age_between(lo, hi, unit)
  if type(lo) == "number" and type(hi) == "number" and lo >= hi then
    fail("age_between(%s, %s): the first age must be below the second", tostring(lo), tostring(hi))
  end
  return { condition_type = "And", conditions = { C.age(">=", lo, unit), C.age("<", hi, unit) } }
end

-- gender("F"): the patient's sex at birth, "M" or "F".
function C.gender(g)
  if g ~= "M" and g ~= "F" then fail("gender must be \"M\" or \"F\", got %s", show(g)) end
  return { condition_type = "Gender", gender = g }
end

local RACES = { white = true, black = true, asian = true, native = true, hawaiian = true, other = true }

-- race("Black"): one of White, Black, Asian, Native, Hawaiian, Other.
function C.race(r)
  if type(r) ~= "string" or not RACES[r:lower()] then
    fail("race must be one of White, Black, Asian, Native, Hawaiian, Other; got %s", show(r))
  end
  return { condition_type = "Race", race = r }
end

-- ses("Low"): socioeconomic status category Low, Middle or High.
function C.ses(category)
  if category ~= "Low" and category ~= "Middle" and category ~= "High" then
    fail("ses category must be \"Low\", \"Middle\" or \"High\", got %s", show(category))
  end
  return { condition_type = "Socioeconomic Status", category = category }
end

-- year(">=", 2006): the current calendar year compared to a year.
function C.year(op, y)
  comparison(op, y, "year")
  if math.type(y) ~= "integer" then fail("year must be a whole number, got %s", show(y)) end
  return { condition_type = "Date", operator = op, year = y }
end

-- year_at_least(2006): it is 2006 or later (e.g. a vaccine is available).
function C.year_at_least(y) return C.year(">=", y) end

-- year_before(2017): it is earlier than 2017.
function C.year_before(y) return C.year("<", y) end

-- date(">=", 2021, 4, 1): the current date compared to a calendar date.
function C.date(op, y, m, d)
  comparison(op, y, "date")
  for _, v in ipairs { y, m or 1, d or 1 } do
    if math.type(v) ~= "integer" then fail("date parts must be whole numbers, got %s", show(v)) end
  end
  if (m and (m < 1 or m > 12)) or (d and (d < 1 or d > 31)) then
    fail("date(%s, %s, %s) is not a valid date", tostring(y), tostring(m), tostring(d))
  end
  return { condition_type = "Date", operator = op, date = { year = y, month = m or 1, day = d or 1 } }
end

-- attribute("smoker", "==", true) / attribute("hba1c", "is not nil").
function C.attribute(name, op, value)
  if type(name) ~= "string" or name == "" then fail("attribute name must be a string, got %s", show(name)) end
  comparison(op, value, "attribute " .. name)
  local t = type(value)
  if value ~= nil and t ~= "number" and t ~= "string" and t ~= "boolean" then
    fail("attribute %s: value must be a number, string or boolean, got %s", name, show(value))
  end
  return { condition_type = "Attribute", attribute = name, operator = op, value = value }
end

-- Code list of has_condition(...) and friends: code tables (snomed(...)),
-- bare codes of the default system, or one {attribute = "name"} that holds
-- the entry (an assign_to_attribute of another state).
local function active(ctype, default_system, ...)
  local n = select("#", ...)
  if n == 0 then fail("needs at least one code") end
  local first = ...
  if n == 1 and type(first) == "table" and getmetatable(first) == nil
     and first.attribute ~= nil and first.system == nil then
    if type(first.attribute) ~= "string" then fail("attribute name must be a string") end
    return { condition_type = ctype, referenced_by_attribute = first.attribute }
  end
  local list = {}
  for i = 1, n do
    local c = select(i, ...)
    if base.is_code(c) then
      list[#list + 1] = codes.code(c.system, c.code, c.display)
    elseif type(c) == "number" or type(c) == "string" then
      local code = codes.code(default_system, c, "code")
      code.display = code.code
      list[#list + 1] = code
    else
      fail("argument %d must be a code such as snomed(44054006, \"Diabetes\"), got %s", i, show(c))
    end
  end
  return { condition_type = ctype, codes = list }
end

-- has_condition(DIABETES, PREDIABETES): any of these conditions is active.
function C.has_condition(...) return active("Active Condition", "SNOMED-CT", ...) end
-- has_medication(METFORMIN): the medication is active.
function C.has_medication(...) return active("Active Medication", "RxNorm", ...) end
-- has_careplan(DIABETES_PLAN): the care plan is active.
function C.has_careplan(...) return active("Active CarePlan", "SNOMED-CT", ...) end
-- has_allergy(PEANUT): the allergy is active.
function C.has_allergy(...) return active("Active Allergy", "SNOMED-CT", ...) end

-- symptom_condition("Chest Pain", ">=", 50): severity of a current symptom.
function C.symptom_condition(name, op, v)
  if type(name) ~= "string" or name == "" then fail("symptom name must be a string, got %s", show(name)) end
  comparison(op, v, "symptom " .. name)
  if v ~= nil and type(v) ~= "number" then fail("symptom severity must be a number, got %s", show(v)) end
  return { condition_type = "Symptom", symptom = name, operator = op, value = v }
end

-- symptom_at_least("Chest Pain", 50): severity >= 50.
function C.symptom_at_least(name, v) return C.symptom_condition(name, ">=", v) end

-- observation_condition(HBA1C, ">=", 6.5): latest value of that observation
-- (a code table, or {attribute = "name"} naming an attribute with the code).
function C.observation_condition(code, op, v)
  local t
  if base.is_code(code) then
    t = { condition_type = "Observation", codes = { codes.code(code.system, code.code, code.display) } }
  elseif type(code) == "table" and getmetatable(code) == nil and type(code.attribute) == "string" then
    t = { condition_type = "Observation", referenced_by_attribute = code.attribute }
  else
    fail("first argument must be a code such as loinc(\"4548-4\", \"HbA1c\"), got %s", show(code))
  end
  comparison(op, v, "observation")
  if v ~= nil and type(v) ~= "number" and type(v) ~= "string" and type(v) ~= "boolean" then
    fail("observation value must be a number, string or boolean, got %s", show(v))
  end
  t.operator, t.value = op, v
  return t
end

-- Vital signs: the ones the engine keeps for every patient, then the ones
-- Synthea's modules set and read themselves (VitalSign states), which a
-- patient has only once a module set them.
local VITALS = {
  ["Height"] = true, ["Weight"] = true, ["BMI"] = true,
  ["Systolic Blood Pressure"] = true, ["Diastolic Blood Pressure"] = true,
  ["Heart Rate"] = true, ["Respiration Rate"] = true,

  ["Oxygen Saturation"] = true, ["Head Circumference"] = true, ["Head Circumference Percentile"] = true,
  ["Blood Glucose"] = true, ["Glucose"] = true, ["Urea Nitrogen"] = true, ["Creatinine"] = true,
  ["Calcium"] = true, ["Sodium"] = true, ["Potassium"] = true, ["Chloride"] = true,
  ["Carbon Dioxide"] = true, ["Total Cholesterol"] = true, ["Triglycerides"] = true,
  ["LDL"] = true, ["HDL"] = true, ["Microalbumin Creatinine Ratio"] = true, ["EGFR"] = true,
  ["Left ventricular Ejection fraction"] = true,
}
C.VITALS = VITALS

-- vital("BMI", ">=", 30): a vital sign compared to a number.
function C.vital(name, op, v)
  if not VITALS[name] then fail("unknown vital sign %s (known: %s)", show(name), base.keys(VITALS)) end
  comparison(op, v, "vital " .. name)
  if v ~= nil and type(v) ~= "number" then fail("vital sign value must be a number, got %s", show(v)) end
  return { condition_type = "Vital Sign", vital_sign = name, operator = op, value = v }
end

-- prior_state("Diagnosis"): the module has passed through that state;
-- prior_state("Flu_Shot", months(10)): ... within the last 10 months;
-- prior_state("X", {within = years(1), since = "Y"}): ... and since state Y.
function C.prior_state(name, opts)
  base.check_name(name, "prior_state name")
  local t = { condition_type = "PriorState", name = name }
  if opts == nil then return t end
  local within, since
  if base.is_quantity(opts) then
    within = opts
  elseif type(opts) == "table" and getmetatable(opts) == nil then
    for k in pairs(opts) do
      if k ~= "within" and k ~= "since" then fail("unknown option %s (known: within, since)", show(k)) end
    end
    within, since = opts.within, opts.since
  else
    fail("second argument must be a time such as years(1) or {within = ..., since = ...}")
  end
  if within ~= nil then
    local f = Q.delay_fields(within, "within")
    if not f.exact or type(f.exact.quantity) ~= "number" then
      fail("within must be one fixed time such as years(1)")
    end
    t.within = f.exact
  end
  if since ~= nil then t.since = base.check_name(since, "since") end
  return t
end

local function list(what, cs, min)
  if type(cs) ~= "table" or getmetatable(cs) ~= nil or base.is_condition(cs) then
    fail("%s takes a list of conditions: %s { c1, c2, ... }", what, what)
  end
  local out = {}
  for i, c in ipairs(cs) do out[i] = cond(c, what .. " item " .. i) end
  for k in pairs(cs) do
    if math.type(k) ~= "integer" or k < 1 or k > #cs then
      fail("%s takes a plain list of conditions; unexpected key %s", what, show(k))
    end
  end
  if #out < (min or 1) then fail("%s needs at least %d condition(s)", what, min or 1) end
  return out
end

-- all { c1, c2, ... }: every condition holds.
function C.all(cs) return { condition_type = "And", conditions = list("all", cs) } end

-- any { c1, c2, ... }: at least one condition holds.
function C.any(cs) return { condition_type = "Or", conditions = list("any", cs) } end

-- negate(c): c does not hold.
function C.negate(c) return { condition_type = "Not", condition = cond(c, "negate") } end

-- The condition `what`(n, cs) of GMF type `ty`: how many of the conditions
-- `cs` hold is bounded by n, a whole number from 0 to #cs kept under `bound`.
local function counted(what, ty, bound, n, cs)
  local l = list(what, cs)
  if math.type(n) ~= "integer" or n < 0 or n > #l then
    fail("%s: count must be a whole number between 0 and %d, got %s", what, #l, show(n))
  end
  return { condition_type = ty, [bound] = n, conditions = l }
end

-- at_least(2, { c1, c2, c3 }): at least two of the conditions hold.
function C.at_least(n, cs) return counted("at_least", "At Least", "minimum", n, cs) end

-- at_most(1, { c1, c2, c3 }): at most one of the conditions holds.
function C.at_most(n, cs) return counted("at_most", "At Most", "maximum", n, cs) end

-- Constant conditions.  These are shared tables: read them, never change them.
C.is_male = { condition_type = "Gender", gender = "M" }
C.is_female = { condition_type = "Gender", gender = "F" }
C.always = { condition_type = "True" }
C.never = { condition_type = "False" }

return C
