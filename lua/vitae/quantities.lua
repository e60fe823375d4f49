-- quantities.lua -- amounts of time and values: years(1, 17), minutes(40, 70),
-- range(50, 150), gaussian(120, 15, "mm[Hg]"), exponential(2, "days").
--
-- A quantity is an intermediate value (marked by base.QUANTITY).  The state
-- that receives it expands it into the GMF fields that state type uses:
--   delays and deaths:    exact = {quantity, unit} | range = {low, high, unit}
--                         | distribution = {kind, parameters, round} with unit
--   procedure durations:  duration = {low, high, unit} | distribution with unit
--   values (symptoms, observations, vital signs, attributes):
--                         exact = {quantity} | range = {low, high}
-- One argument makes an exact quantity, two a uniform range.  Any bound may
-- be a function of the patient.

local base = vt_require("base")
local fail, show = base.fail, base.show

local Q = {}

-- Time units a delay may use, with their length in days (for checks only).
Q.TIME_UNITS = { years = 365.25, months = 30.4375, weeks = 7, days = 1, hours = 1 / 24, minutes = 1 / 1440 }

local function quantity(fields)
  return setmetatable(fields, base.QUANTITY)
end

-- A bound: number (not negative for time) or function of the patient.
local function bound(v, what, unit)
  base.check_number(v, what)
  if type(v) == "number" and (v ~= v or (Q.TIME_UNITS[unit] and v < 0)) then
    fail("%s must not be negative, got %s", what, tostring(v))
  end
  return v
end

-- exact(q, unit) or, with hi, a uniform range [lo, hi].
local function make(unit, lo, hi)
  if hi == nil then
    return quantity { kind = "exact", quantity = bound(lo, "quantity", unit), unit = unit }
  end
  bound(lo, "low bound", unit)
  bound(hi, "high bound", unit)
  if type(lo) == "number" and type(hi) == "number" and lo > hi then
    fail("range low %s is above high %s", tostring(lo), tostring(hi))
  end
  return quantity { kind = "range", low = lo, high = hi, unit = unit }
end

local function unit_arg(u)
  if u ~= nil and (type(u) ~= "string" or u == "") then
    fail("unit must be a string such as \"years\" or \"mg/dL\", got %s", show(u))
  end
  return u
end

-- years(5): exactly 5 years; years(1, 17): uniformly between 1 and 17 years.
function Q.years(lo, hi) return make("years", lo, hi) end
-- months(6) / months(6, 18)
function Q.months(lo, hi) return make("months", lo, hi) end
-- weeks(2) / weeks(1, 4)
function Q.weeks(lo, hi) return make("weeks", lo, hi) end
-- days(7) / days(3, 10)
function Q.days(lo, hi) return make("days", lo, hi) end
-- hours(4) / hours(2, 8)
function Q.hours(lo, hi) return make("hours", lo, hi) end
-- minutes(45) / minutes(40, 70)
function Q.minutes(lo, hi) return make("minutes", lo, hi) end

-- range(50, 150) / range(6.5, 9, "%"): a uniform value range, unit optional.
function Q.range(lo, hi, unit)
  if hi == nil then fail("range needs a low and a high bound, e.g. range(50, 150)") end
  return make(unit_arg(unit), lo, hi)
end

-- exactly(7.2, "%"): one value, unit optional.
function Q.exactly(v, unit)
  return make(unit_arg(unit), v)
end

-- Options of gaussian(): min, max (clamp) and round (to whole numbers).
local function dist_opts(opts, params)
  if opts == nil then return false end
  if type(opts) ~= "table" then fail("options must be a table such as {min = 0, round = true}") end
  local round = false
  for k, v in pairs(opts) do
    if k == "min" or k == "max" then
      if type(v) ~= "number" then fail("%s must be a number", k) end
      params[k] = v
    elseif k == "round" then
      round = v and true or false
    else
      fail("unknown option %s (known: min, max, round)", show(k))
    end
  end
  if params.min and params.max and params.min > params.max then
    fail("min %s is above max %s", tostring(params.min), tostring(params.max))
  end
  return round
end

-- gaussian(120, 15, "mm[Hg]", {min = 90}): normal with mean and standard
-- deviation; options min/max clamp the draw and round = true rounds it.
function Q.gaussian(mean, sd, unit, opts)
  if type(mean) ~= "number" then fail("mean must be a number, got %s", show(mean)) end
  if type(sd) ~= "number" or sd < 0 then fail("standard deviation must be a number >= 0, got %s", show(sd)) end
  local params = { mean = mean, standardDeviation = sd }
  local round = dist_opts(opts, params)
  return quantity { kind = "dist", unit = unit_arg(unit),
                    dist = { kind = "GAUSSIAN", parameters = params, round = round } }
end

-- exponential(2, "days"): exponential with that mean (GMF 2; the engine
-- shifts it by +1 as Synthea does).
function Q.exponential(mean, unit)
  if type(mean) ~= "number" or mean <= 0 then fail("mean must be a positive number, got %s", show(mean)) end
  return quantity { kind = "dist", unit = unit_arg(unit),
                    dist = { kind = "EXPONENTIAL", parameters = { mean = mean } } }
end

------------------------------------------------------------------------------
-- Expansion into GMF fields (used by the state constructors)
------------------------------------------------------------------------------

local function copy_dist(d)
  local params = {}
  for k, v in pairs(d.parameters) do params[k] = v end
  return { kind = d.kind, parameters = params, round = d.round or nil }
end

-- Fields of a delay (Delay, Death): the quantity must carry a time unit.
function Q.delay_fields(q, what)
  if not base.is_quantity(q) then
    fail("%s must be a time such as years(1, 17) or days(3), got %s", what, show(q))
  end
  if not Q.TIME_UNITS[q.unit] then
    fail("%s needs a time unit (years, months, weeks, days, hours, minutes), got %s",
         what, q.unit and show(q.unit) or "none")
  end
  if q.kind == "exact" then
    return { exact = { quantity = q.quantity, unit = q.unit } }
  elseif q.kind == "range" then
    return { range = { low = q.low, high = q.high, unit = q.unit } }
  end
  return { distribution = copy_dist(q.dist), unit = q.unit }
end

-- Fields of a procedure duration.
function Q.duration_fields(q)
  local f = Q.delay_fields(q, "duration")
  if f.exact then
    return { duration = { low = f.exact.quantity, high = f.exact.quantity, unit = f.exact.unit } }
  elseif f.range then
    return { duration = f.range }
  end
  return f
end

-- A Lua function drawing a gaussian value for states whose value slot has
-- no GMF distribution (Symptom, Observation, VitalSign).
local function gaussian_value(d)
  local pr, round = d.parameters, d.round
  local mean, sd, lo, hi = pr.mean, pr.standardDeviation, pr.min, pr.max
  return function(p)
    local v = p:normal(mean, sd)
    if lo and v < lo then v = lo end
    if hi and v > hi then v = hi end
    if round then v = math.floor(v + 0.5) end
    return v
  end
end

-- Fields of a value: exact/range (unitless), a distribution where the state
-- type has one (SetAttribute), else a function.  Returns fields, unit.
function Q.value_fields(q, allow_distribution)
  if q.kind == "exact" then
    return { exact = { quantity = q.quantity } }, q.unit
  elseif q.kind == "range" then
    return { range = { low = q.low, high = q.high } }, q.unit
  elseif allow_distribution then
    return { distribution = copy_dist(q.dist) }, q.unit
  elseif q.dist.kind == "GAUSSIAN" then
    return { value = gaussian_value(q.dist) }, q.unit
  end
  fail("this state takes an exact value, a range or a gaussian, not %s", q.dist.kind:lower())
end

return Q
