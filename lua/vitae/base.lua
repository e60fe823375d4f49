-- base.lua -- internals shared by the prelude's helpers: argument checks,
-- error reporting at the module author's line, and the private markers that
-- tell a quantity or a transition apart from a plain table.
--
-- Every exported helper is a "raw" function wrapped once by base.wrap.  The
-- wrapper notes the line of the author's call (vt_caller_line) so that state
-- constructors can record it, and turns an error raised anywhere inside the
-- helper into an error at that line, prefixed with the helper's name:
--   modules/appendicitis.lua:12: pick: probabilities add up to 1.2 (more than 1)
-- Raw functions raise with base.fail, which adds no position of its own.

local base = {}

-- Metatables that mark the prelude's intermediate values.  A quantity
-- (years(1, 5), range(50, 150), gaussian(...)) and a transition (chance,
-- pick, when) are expanded by the state constructors into plain GMF fields;
-- they never reach the finished module table.
-- (__vitae_private hides them from module code's getmetatable.)
base.QUANTITY = { __vitae_private = true }
base.TRANSITION = { __vitae_private = true }

local current_line = nil

-- The line of the author's call to the helper now running, or nil.
function base.line()
  return current_line
end

-- Raise an error message without position; the wrapper adds the author's.
function base.fail(fmt, ...)
  error(string.format(fmt, ...), 0)
end

-- Wrap raw helper `f` named `name` for export (see the header comment).
function base.wrap(name, f)
  return function(...)
    local saved = current_line
    local l = vt_caller_line(2)
    if type(l) ~= "number" or l <= 0 then l = nil end
    current_line = l
    local ok, r = pcall(f, ...)
    current_line = saved
    if not ok then
      error(name .. ": " .. tostring(r), 2)
    end
    return r
  end
end

-- Value printed in an error message: strings quoted, tables by kind.
function base.show(v)
  local t = type(v)
  if t == "string" then return string.format("%q", v) end
  if t == "table" then
    local mt = getmetatable(v)
    if mt == base.QUANTITY then return "a quantity" end
    if mt == base.TRANSITION then return "a transition" end
    if v.condition_type then return "a condition" end
    if v.system and v.code then return "a code" end
    return "a table"
  end
  return tostring(v)
end

function base.is_quantity(v)
  return type(v) == "table" and getmetatable(v) == base.QUANTITY
end

function base.is_transition(v)
  return type(v) == "table" and getmetatable(v) == base.TRANSITION
end

-- A GMF condition: a Lua function or a table with condition_type.
function base.is_condition(v)
  return type(v) == "function"
      or (type(v) == "table" and getmetatable(v) == nil and type(v.condition_type) == "string")
end

-- A code table made by snomed(), loinc(), ... or written by hand.
function base.is_code(v)
  return type(v) == "table" and getmetatable(v) == nil
      and type(v.system) == "string" and v.code ~= nil and v.condition_type == nil
end

-- A state name: a non-empty string.
function base.check_name(v, what)
  if type(v) ~= "string" or v == "" then
    base.fail("%s must be a state name (a string), got %s", what, base.show(v))
  end
  return v
end

-- A number or a function of the patient (a GMF number slot).
function base.check_number(v, what)
  if type(v) ~= "number" and type(v) ~= "function" then
    base.fail("%s must be a number or a function of the patient, got %s", what, base.show(v))
  end
  return v
end

-- A probability: a number in [0, 1], a function of the patient, or a GMF
-- attribute distribution {attribute = "name", default = x}.
function base.check_probability(v, what)
  if type(v) == "number" then
    if v ~= v or v < 0 or v > 1 then
      base.fail("%s must be between 0 and 1, got %s", what, tostring(v))
    end
  elseif type(v) == "table" and getmetatable(v) == nil and type(v.attribute) == "string" then
    if v.default ~= nil and type(v.default) ~= "number" then
      base.fail("%s: attribute default must be a number", what)
    end
  elseif type(v) ~= "function" then
    base.fail("%s must be a probability (0..1), a function of the patient or from_attribute(...), got %s",
              what, base.show(v))
  end
  return v
end

-- The comparison operators of GMF conditions.
base.OPERATORS = {
  ["<"] = true, ["<="] = true, ["=="] = true, [">="] = true, [">"] = true,
  ["!="] = true, ["is nil"] = true, ["is not nil"] = true,
}

-- Check a comparison operator, naming the allowed ones on error.
function base.check_operator(op)
  if not base.OPERATORS[op] then
    base.fail("unknown operator %s (use <, <=, ==, >=, >, !=, \"is nil\" or \"is not nil\")", base.show(op))
  end
  return op
end

-- Sorted list of a table's keys, for messages.
function base.keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = tostring(k) end
  table.sort(ks)
  return table.concat(ks, ", ")
end

return base
