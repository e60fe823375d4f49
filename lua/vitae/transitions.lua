-- transitions.lua -- how a state says where to go next.
--   next = "Pain"                        direct_transition
--   chance(0.3, "Sick", "Well")           distributed_transition with two options
--   pick { {0.2, "A"}, {0.8, "B"} }       distributed_transition
--   when { {is_male, "A"}, otherwise = "B" }            conditional_transition
--   when { {is_male, pick {...}}, otherwise = "B" }     complex_transition
--   lookup_table("t.csv", { {0.9, "A"}, {0.1, "B"} })   lookup_table_transition
--   type_of_care { ambulatory = "A", telemedicine = "B", emergency = "C" }
--                                                        type_of_care_transition
-- chance, pick and when return an intermediate value (base.TRANSITION) that a
-- state constructor puts in the right GMF field.

local base = vt_require("base")
local C = vt_require("conditions")
local fail, show = base.fail, base.show

local T = {}

local function transition(field, value, extra)
  return setmetatable({ field = field, value = value, extra = extra }, base.TRANSITION)
end

-- from_attribute("p_onset", 0.1): a probability read from an attribute,
-- with a default when the attribute is not set (GMF attribute distribution).
function T.from_attribute(name, default)
  if type(name) ~= "string" or name == "" then fail("attribute name must be a string, got %s", show(name)) end
  if default ~= nil and (type(default) ~= "number" or default < 0 or default > 1) then
    fail("default must be a probability between 0 and 1, got %s", show(default))
  end
  return { attribute = name, default = default }
end

-- The probability left for the "no" branch of chance(p, ...).  A number is
-- rounded to 15 significant digits, so that chance(0.95, ...) leaves 0.05 as
-- written, not 0.050000000000000044 (the engine gives the last option
-- whatever is left anyway).
local function complement(p)
  if type(p) == "number" then
    return tonumber(string.format("%.15g", 1 - p))
  elseif type(p) == "function" then
    return function(patient) return 1 - p(patient) end
  end
  return 0   -- attribute probability: the leftover goes to the last option
end

-- chance(p, yes, no): go to `yes` with probability p, else to `no`.
-- p may be a number, a function of the patient or from_attribute(...).
function T.chance(p, yes, no)
  base.check_probability(p, "chance probability")
  base.check_name(yes, "chance: the 'yes' state")
  base.check_name(no, "chance: the 'no' state")
  return transition("distributed_transition", {
    { distribution = p, transition = yes },
    { distribution = complement(p), transition = no },
  })
end

-- Fail unless every key of the options table `opts` is a list index or
-- `otherwise`; `hint` (in the message) says what the options look like.
local function only_options(opts, hint)
  for k in pairs(opts) do
    if k ~= "otherwise" and (math.type(k) ~= "integer" or k < 1 or k > #opts) then
      fail("unexpected key %s (%s)", show(k), hint)
    end
  end
end

-- pick { {0.263, "Ages_1_17"}, {0.423, "Ages_18_44"}, ..., otherwise = "S" }:
-- one option drawn by its probability.  Probability left over goes to the
-- last option (to `otherwise` when given).
function T.pick(opts)
  if type(opts) ~= "table" or getmetatable(opts) ~= nil then
    fail("pick takes a list: pick { {0.3, \"A\"}, {0.7, \"B\"} }")
  end
  local out, sum, all_numbers = {}, 0, true
  for i, o in ipairs(opts) do
    if type(o) ~= "table" or #o ~= 2 then
      fail("option %d must be {probability, \"State\"}, got %s", i, show(o))
    end
    base.check_probability(o[1], "option " .. i .. " probability")
    base.check_name(o[2], "option " .. i .. " state")
    if type(o[1]) == "number" then sum = sum + o[1] else all_numbers = false end
    out[i] = { distribution = o[1], transition = o[2] }
  end
  only_options(opts, "options are {p, \"State\"}; the rest goes to otherwise = \"State\"")
  if #out == 0 then fail("pick needs at least one option") end
  if sum > 1 + 1e-9 then
    fail("probabilities add up to %.6g (more than 1)", sum)
  end
  if opts.otherwise ~= nil then
    base.check_name(opts.otherwise, "otherwise")
    local rest
    if all_numbers then
      rest = math.max(0, 1 - sum)
    else
      local ps = {}
      for i, o in ipairs(out) do ps[i] = o.distribution end
      rest = function(patient)
        local s = 0
        for _, q in ipairs(ps) do
          if type(q) == "function" then s = s + q(patient) elseif type(q) == "number" then s = s + q end
        end
        return s < 1 and 1 - s or 0
      end
    end
    out[#out + 1] = { distribution = rest, transition = opts.otherwise }
  end
  return transition("distributed_transition", out)
end

-- The distributions of a chance/pick used as a target inside when {...}.
local function distributions(tr)
  if tr.field ~= "distributed_transition" then
    fail("inside when, a target is a state name, chance(...) or pick {...}")
  end
  return tr.value
end

-- when { {cond, target}, ..., otherwise = target }: the first option whose
-- condition holds is taken; `otherwise` when none does (without it, GMF takes
-- the last option).  A target is a state name, or chance(...)/pick {...}
-- for a complex transition.
function T.when(opts)
  if type(opts) ~= "table" or getmetatable(opts) ~= nil then
    fail("when takes a list: when { {age_below(18), \"Child\"}, otherwise = \"Adult\" }")
  end
  local list, complex = {}, false
  for i, o in ipairs(opts) do
    if type(o) ~= "table" or getmetatable(o) ~= nil or #o ~= 2 then
      fail("option %d must be {condition, target}, got %s", i, show(o))
    end
    C.check(o[1], "option " .. i .. " condition")
    list[i] = { cond = o[1], target = o[2] }
  end
  only_options(opts, "options are {condition, target}; add otherwise = target")
  if opts.otherwise ~= nil then list[#list + 1] = { target = opts.otherwise } end
  if #list == 0 then fail("when needs at least one option") end
  for i, o in ipairs(list) do
    if base.is_transition(o.target) then
      complex = true
    else
      base.check_name(o.target, (o.cond and "option " .. i or "otherwise") .. " target")
    end
  end
  local out = {}
  for i, o in ipairs(list) do
    local opt = { condition = o.cond }
    if complex and base.is_transition(o.target) then
      opt.distributions = distributions(o.target)
    else
      opt.transition = o.target
    end
    out[i] = opt
  end
  return transition(complex and "complex_transition" or "conditional_transition", out)
end

-- lookup_table("uti_recurrence.csv", { {0.9, "Cystitis"}, {0.1, "Pyelonephritis"} }):
-- the probability of each option is read from a row of that lookup table
-- (modules' lookup_tables/ folder) matching the patient; the number is the
-- option's probability when no row matches.
function T.lookup_table(file, opts)
  if type(file) ~= "string" or file == "" then
    fail("lookup_table needs the table's file name, e.g. lookup_table(\"uti_recurrence.csv\", {...})")
  end
  if type(opts) ~= "table" or getmetatable(opts) ~= nil or #opts == 0 then
    fail("lookup_table takes a list of options: { {default probability, \"State\"}, ... }")
  end
  local out = {}
  for i, o in ipairs(opts) do
    if type(o) ~= "table" or #o ~= 2 or type(o[1]) ~= "number" then
      fail("option %d must be {default probability, \"State\"}, got %s", i, show(o))
    end
    if o[1] ~= o[1] or o[1] < 0 or o[1] > 1 then
      fail("option %d: default probability must be between 0 and 1, got %s", i, tostring(o[1]))
    end
    base.check_name(o[2], "option " .. i .. " state")
    out[i] = { transition = o[2], default_probability = o[1], lookup_table_name = file }
  end
  for k in pairs(opts) do
    if math.type(k) ~= "integer" or k < 1 or k > #opts then fail("unexpected key %s", show(k)) end
  end
  return transition("lookup_table_transition", out)
end

-- type_of_care { ambulatory = "Office", telemedicine = "Video", emergency = "ED" }:
-- the way on depends on the type of care the patient's encounter takes.
function T.type_of_care(opts)
  if type(opts) ~= "table" or getmetatable(opts) ~= nil then
    fail("type_of_care takes { ambulatory = \"S\", telemedicine = \"S\", emergency = \"S\" }")
  end
  local out, n = {}, 0
  for k, v in pairs(opts) do
    if k ~= "ambulatory" and k ~= "telemedicine" and k ~= "emergency" then
      fail("unknown type of care %s (known: ambulatory, emergency, telemedicine)", show(k))
    end
    out[k] = base.check_name(v, k)
    n = n + 1
  end
  if n == 0 then fail("type_of_care needs at least one type of care") end
  return transition("type_of_care_transition", out)
end

return T
