-- tables.lua -- rates that change with age or calendar year, written as a
-- table a clinician can read:
--   local incidence = by_age { {18, 0.003}, {30, 0.008}, {40, 0.018} }
-- gives a function of the patient: 0 below 18, 0.003 from 18 to 29,
-- 0.008 from 30 to 39, 0.018 from 40 on.  by_year does the same with the
-- calendar year.  Use the function as a probability, or inside your own
-- function of the patient (incidence(p) * 1.5).

local base = vt_require("base")
local fail, show = base.fail, base.show

local TB = {}

-- Check rows {from, value} with ascending numeric `from`; returns them.
local function rows(t, what)
  if type(t) ~= "table" or getmetatable(t) ~= nil or #t == 0 then
    fail("%s takes a list of rows: %s { {18, 0.003}, {30, 0.008} }", what, what)
  end
  local prev
  for i, r in ipairs(t) do
    if type(r) ~= "table" or type(r[1]) ~= "number" or type(r[2]) ~= "number" or #r ~= 2 then
      fail("row %d must be {from, value} with two numbers, got %s", i, show(r))
    end
    if prev and r[1] <= prev then fail("row %d: %s is not above the row before (%s)", i, tostring(r[1]), tostring(prev)) end
    prev = r[1]
  end
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 or k > #t then fail("unexpected key %s", show(k)) end
  end
  local copy = {}
  for i, r in ipairs(t) do copy[i] = { r[1], r[2] } end
  return copy
end

-- Value of the last row whose `from` is <= x, or 0 below the first row.
local function lookup(list, x)
  local v = 0
  for _, r in ipairs(list) do
    if x >= r[1] then v = r[2] else break end
  end
  return v
end

-- by_age { {from_age, value}, ... }: a function of the patient giving the
-- value for the patient's age in years (0 below the first row).
function TB.by_age(t)
  local list = rows(t, "by_age")
  return function(p) return lookup(list, p.age) end
end

-- by_year { {from_year, value}, ... }: the same for the calendar year.
function TB.by_year(t)
  local list = rows(t, "by_year")
  return function(p) return lookup(list, p.year) end
end

return TB
