-- gmf2lua.lua -- the converter behind `vitae convert`: one Synthea GMF module
-- (the table lua/json.c builds from its JSON) in, the text of an idiomatic
-- vitae Lua module out, which compiles to the same module table.
--
-- sim/cli/cmd_convert.c runs this chunk in a plain Lua state with one global,
-- vt_embedded(path), giving the text of a file compiled into the binary (the
-- prelude, lua/vitae/*.lua).  The chunk returns
--   convert(m, source) -> text, expected, info
-- text      the Lua module;
-- expected  a plain Lua table literal (`return {...}`) of what `text` must
--           evaluate to: the JSON module with the differences listed below
--           applied; the caller loads both in the real sandbox and compares;
-- info      { states = n, sugar = n, plain = n, raw = n, codes = n, dropped = {"..."} }.
-- Errors are raised as strings.
--
-- How a state is written, best first (each is evaluated here with the prelude
-- and kept only if it gives exactly the expected state table):
--   sugar   the prelude's constructors and helpers: delay { years(1, 17), next = "Pain" }
--   plain   a GMF table with helpers for codes and conditions:
--           { type = "Delay", range = {...}, direct_transition = "Pain" }
--   raw     a plain table literal, nothing else
--
-- What differs from the JSON, none of it read by vitae's loader:
--   - null values are left out (the loader treats them as absent);
--   - remarks (of the module, states, transitions, conditions) become comments;
--   - a state's "name" equal to its key is left out, and so is the JSON line
--     number lua/json.c notes in each state (the prelude notes the Lua line);
--   - an Age condition's "value" (left by Synthea's module builder) is left out;
--   - an empty code "value_set" is left out;
--   - a numeric code is written as text, as the loader reads it;
--   - fields of a state that vitae does not know are left out, with a comment.

local embedded = vt_embedded
local WIDTH = 120          -- output line width
local COMMENT_WIDTH = 100  -- comments are wrapped at this width
local ALIGN_MAX = 24       -- state names are aligned up to this width
local MAX_CONSTANTS = 150  -- hoisted codes (Lua allows 200 locals per function)

------------------------------------------------------------------------------
-- The prelude, loaded here as the C side loads it (for the state checks)
------------------------------------------------------------------------------

local function load_prelude()
  local env = {}
  for _, k in ipairs { "assert", "error", "ipairs", "next", "pairs", "pcall", "xpcall", "select",
                       "tonumber", "tostring", "type", "rawequal", "rawget", "rawlen", "rawset",
                       "setmetatable", "getmetatable" } do
    env[k] = _G[k]
  end
  env.unpack, env.string, env.table, env.math, env.utf8 = table.unpack, string, table, math, utf8
  local cache = {}
  env.vt_caller_line = function(level)
    local info = debug.getinfo(level + 1, "l")
    return info and info.currentline or 0
  end
  env.vt_require = function(name)
    if cache[name] == nil then
      local path = "lua/vitae/" .. name .. ".lua"
      local src = embedded(path)
      if not src then error("the prelude file " .. path .. " is missing from this build", 0) end
      local chunk = assert(load(src, "@" .. path, "t", env))
      cache[name] = chunk()
    end
    return cache[name]
  end
  local exports = env.vt_require("prelude")
  local view = {}
  for k, v in pairs(env) do view[k] = v end
  for k, v in pairs(exports) do view[k] = v end
  view.param = function(_, default) return default end
  return view, env.vt_require("states"), env.vt_require("codes"), env.vt_require("conditions"),
         env.vt_require("quantities")
end

local PRELUDE, S, CODES, COND, QUANT = load_prelude()

------------------------------------------------------------------------------
-- Small helpers
------------------------------------------------------------------------------

local function is_null(v) return type(v) == "userdata" end   -- JSON null (lua/json.h)

local KEYWORDS = {}
for w in ("and break do else elseif end false for function goto if in local nil not or repeat return "
          .. "then true until while"):gmatch("%a+") do
  KEYWORDS[w] = true
end

local function is_ident(s)
  return type(s) == "string" and s:match("^[%a_][%w_]*$") ~= nil and not KEYWORDS[s]
end

-- A Lua string literal: control characters escaped, UTF-8 kept readable.
local function str(s)
  local body = s:gsub('[%c"\\]', function(c)
    if c == "\n" then return "\\n" elseif c == "\t" then return "\\t"
    elseif c == "\r" then return "\\r" elseif c == '"' then return '\\"'
    elseif c == "\\" then return "\\\\" end
    return string.format("\\%03d", c:byte())
  end)
  return '"' .. body .. '"'
end

-- A Lua number literal that reads back as exactly the same number (and the
-- same subtype: an integral float keeps its ".0").
local function num(v)
  if math.type(v) == "integer" then return string.format("%d", v) end
  if v ~= v then return "(0 / 0)" end
  if v == math.huge then return "math.huge" elseif v == -math.huge then return "-math.huge" end
  for _, f in ipairs { "%.15g", "%.16g", "%.17g" } do
    local s = string.format(f, v)
    if tonumber(s) == v then
      if not s:find("[%.eEni]") then s = s .. ".0" end
      return s
    end
  end
  return string.format("%.17g", v)
end

-- A table key as written in a constructor: name = or ["name"] =.
local function key_text(k)
  if is_ident(k) then return k end
  if type(k) == "string" then return "[" .. str(k) .. "]" end
  return "[" .. num(k) .. "]"
end

local function width(s) return utf8.len(s) or #s end

-- Is t a sequence 1..n (an empty table counts)?
local function is_list(t)
  local n = 0
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 then return false end
    n = n + 1
  end
  return n == #t
end

-- Order of keys in written tables: GMF's usual order first, then by name.
local KEY_ORDER = {}
for i, k in ipairs { "type", "condition_type", "name", "system", "code", "display", "value_set",
                     "category", "codes", "procedure_code", "vital_sign", "attribute", "operator",
                     "quantity", "low", "high", "decimals", "unit", "kind", "parameters", "round",
                     "value", "minimum", "maximum", "condition", "conditions", "distribution",
                     "default", "default_probability", "lookup_table_name", "transition",
                     "distributions" } do
  KEY_ORDER[k] = i
end

local function sorted_keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    local oa, ob = KEY_ORDER[a] or 1000, KEY_ORDER[b] or 1000
    if oa ~= ob then return oa < ob end
    return a < b
  end)
  return ks
end

-- The text the loader makes of a code given as a number (lua/loader.c, tostr_dup).
local function code_text(c)
  if math.type(c) == "integer" then return string.format("%d", c) end
  if type(c) == "number" then
    if c == math.floor(c) and math.abs(c) < 1e18 then return string.format("%.0f", c) end
    return string.format("%.17g", c)
  end
  return c
end

-- Remarks (a string or a list of strings) as a list of lines.
local function remark_lines(r)
  local out = {}
  local function add(s)
    s = s:gsub("\r\n?", "\n")
    for line in (s .. "\n"):gmatch("(.-)\n") do out[#out + 1] = (line:gsub("%s+$", "")) end
  end
  if type(r) == "string" then add(r)
  elseif type(r) == "table" then
    for _, x in ipairs(r) do
      if type(x) == "string" then add(x) elseif not is_null(x) then add(tostring(x)) end
    end
  end
  while #out > 0 and out[#out] == "" do out[#out] = nil end
  while #out > 0 and out[1] == "" do table.remove(out, 1) end
  return out
end

------------------------------------------------------------------------------
-- The expected table: the JSON with the differences of the header applied
------------------------------------------------------------------------------

-- A deep copy without nulls, empty value_sets and Age values (remarks kept,
-- for comments).  A null inside a list has no Lua equivalent (the list would
-- have a hole): it is an error.
local function strip(v)
  if is_null(v) then return nil end
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do
    if is_null(x) and math.type(k) == "integer" then
      error(string.format("a JSON list holds null (item %d): vitae reads no such list", k), 0)
    end
    out[k] = strip(x)
  end
  if out.condition_type == "Age" then out.value = nil end
  if out.value_set == "" and out.system ~= nil and out.code ~= nil then out.value_set = nil end
  return out
end

-- A deep copy without remarks, with numeric codes as the loader's text.
local function clean_value(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do
    if k ~= "remarks" then
      local c = clean_value(x)
      if k == "code" and type(c) == "number" then c = code_text(c) end
      out[k] = c
    end
  end
  return out
end

-- State `name` of the JSON, ready for conversion: stripped, without its name
-- and without the fields vitae does not know (recorded in `dropped`).
local function source_state(name, st, dropped)
  local out = strip(st)
  if type(out) ~= "table" then return out end
  if out.name == name then out.name = nil end
  out.line = nil   -- the JSON's line, which lua/json.c notes for messages
  local fields = S.FIELDS[out.type]
  if fields then
    local known = { type = true, remarks = true }
    for _, f in ipairs(S.TRANSITIONS) do known[f] = true end
    for _, f in ipairs(fields) do known[f] = true end
    for _, k in ipairs(sorted_keys(out)) do
      if not known[k] then
        dropped[#dropped + 1] = { state = name, field = k, value = out[k] }
        out[k] = nil
      end
    end
  end
  return out
end

-- Deep equality of plain values; the `line` of a state is not compared.
-- Returns true, or false and where they differ.
local function same(a, b, path, top)
  if type(a) ~= type(b) then
    return false, string.format("%s: %s vs %s", path, type(a), type(b))
  end
  if type(a) ~= "table" then
    if a == b then return true end
    return false, string.format("%s: %s vs %s", path, tostring(a), tostring(b))
  end
  for k, v in pairs(a) do
    if not (top and k == "line") then
      local ok, where = same(v, b[k], path .. "." .. tostring(k))
      if not ok then return false, where end
    end
  end
  for k in pairs(b) do
    if a[k] == nil and not (top and k == "line") then
      return false, path .. "." .. tostring(k) .. ": missing"
    end
  end
  return true
end

------------------------------------------------------------------------------
-- Document nodes and their layout
------------------------------------------------------------------------------
-- atom  { k = "atom", s = text }                       a literal or a name
-- call  { k = "call", fn = "name", args = {node...} }  f(a, b)
-- table { k = "table", prefix = "simple ", items = { {key = "text" | nil, val = node}, ... } }
-- Any node may carry comments = { "line", ... }, written on the lines before it.
-- A code node is an atom with `code` = its constant key (see hoisting).

local function atom(s) return { k = "atom", s = s } end
local function call(fn, args) return { k = "call", fn = fn, args = args } end
local function tbl(prefix, items) return { k = "table", prefix = prefix or "", items = items or {} } end
local function item(key, val) return { key = key, val = val } end

local HOISTED = {}   -- code key -> constant name, for the module being written

local function atom_text(n)
  if n.code and HOISTED[n.code] then return HOISTED[n.code] end
  return n.s
end

local function add_comments(n, lines)
  if lines and #lines > 0 then
    n.comments = n.comments or {}
    for _, l in ipairs(lines) do n.comments[#n.comments + 1] = l end
  end
  return n
end

-- One-line text of a node, or nil if it holds comments.
local function flat(n)
  if n.comments and #n.comments > 0 then return nil end
  if n.k == "atom" then return atom_text(n) end
  local parts = {}
  if n.k == "call" then
    for i, a in ipairs(n.args) do
      local f = flat(a)
      if not f then return nil end
      parts[i] = f
    end
    return n.fn .. "(" .. table.concat(parts, ", ") .. ")"
  end
  if #n.items == 0 then return n.prefix .. "{}" end
  for i, it in ipairs(n.items) do
    local f = flat(it.val)
    if not f then return nil end
    parts[i] = (it.key and (it.key .. " = ") or "") .. f
  end
  return n.prefix .. "{ " .. table.concat(parts, ", ") .. " }"
end

-- Comment lines at indentation `ind`; a line that would pass WIDTH is
-- wrapped at COMMENT_WIDTH (shorter lines are kept as their author broke them).
local function comment_lines(lines, ind)
  local out, pad = {}, string.rep(" ", ind)
  local room = math.max(40, COMMENT_WIDTH - ind - 3)
  for _, l in ipairs(lines) do
    if l == "" then
      out[#out + 1] = pad .. "--"
    elseif ind + 3 + width(l) <= WIDTH then
      out[#out + 1] = pad .. "-- " .. l
    else
      local lead = l:match("^%s*")
      local cur = ""
      for word in l:gmatch("%S+") do
        if cur ~= "" and width(cur) + 1 + width(word) > room then
          out[#out + 1] = pad .. "-- " .. lead .. cur
          cur = word
        else
          cur = cur == "" and word or (cur .. " " .. word)
        end
      end
      if cur ~= "" then out[#out + 1] = pad .. "-- " .. lead .. cur end
    end
  end
  return out
end

-- Text of node n starting at column col on a line indented by ind; the
-- node's own comments are written by whoever writes the line it starts on.
local function render(n, col, ind)
  local f = flat(n)
  if f and col + width(f) <= WIDTH then return f end
  if n.k == "atom" then return atom_text(n) end
  local entries, open, close
  if n.k == "call" then
    entries = {}
    for i, a in ipairs(n.args) do entries[i] = item(nil, a) end
    open, close = n.fn .. "(", ")"
  else
    if #n.items == 0 then return n.prefix .. "{}" end
    entries, open, close = n.items, n.prefix .. "{", "}"
  end
  local out = { open }
  local inner = ind + 2
  local pad = string.rep(" ", inner)
  for i, it in ipairs(entries) do
    if it.val.comments then
      for _, l in ipairs(comment_lines(it.val.comments, inner)) do out[#out + 1] = l end
    end
    local key = it.key and (it.key .. " = ") or ""
    local sep = (n.k == "call" and i == #entries) and "" or ","
    local saved = it.val.comments
    it.val.comments = nil
    out[#out + 1] = pad .. key .. render(it.val, inner + width(key), inner) .. sep
    it.val.comments = saved
  end
  out[#out + 1] = string.rep(" ", ind) .. close
  return table.concat(out, "\n")
end

------------------------------------------------------------------------------
-- Codes
------------------------------------------------------------------------------

local HELPER = { ["SNOMED-CT"] = "snomed", LOINC = "loinc", RxNorm = "rxnorm", CVX = "cvx" }
local CODE_KEYS = { system = true, code = true, display = true, value_set = true }

-- Is c a code the prelude's code helpers can write exactly?
local function helper_code(c)
  if type(c) ~= "table" then return false end
  for k, v in pairs(c) do
    if not CODE_KEYS[k] and not is_null(v) and k ~= "remarks" then return false end
  end
  if type(c.system) ~= "string" or not CODES.SYSTEMS[c.system] then return false end
  if type(c.display) ~= "string" or c.display == "" then return false end
  local code = c.code
  if type(code) == "number" then
    if math.type(code) ~= "integer" and (code ~= math.floor(code) or math.abs(code) >= 2^53) then return false end
    if code < 0 then return false end
  elseif type(code) ~= "string" or not code:match("^%S+$") then
    return false
  end
  return true
end

-- Does the code carry a value_set that must be kept?
local function has_value_set(c)
  return type(c.value_set) == "string" and c.value_set ~= ""
end

-- The helper call writing code c (helper_code(c) must hold, no value_set).
local function code_call(c)
  local text = code_text(c.code)
  local h = HELPER[c.system]
  local arg
  if h ~= "loinc" and h ~= "cvx" and text:match("^[1-9]%d*$") and #text <= 18 then
    arg = text
  else
    arg = str(text)
  end
  if h then return h .. "(" .. arg .. ", " .. str(c.display) .. ")" end
  return "code(" .. str(c.system) .. ", " .. arg .. ", " .. str(c.display) .. ")"
end

local lit

-- A node for code c: a helper call (hoistable), or a literal table.
local function code_node(c, mode)
  if mode ~= "raw" and helper_code(c) and not has_value_set(c) then
    local n = atom(code_call(c))
    n.code = c.system .. "\0" .. code_text(c.code) .. "\0" .. c.display
    n.code_value = c
    return n
  end
  return lit(c, "raw")
end

------------------------------------------------------------------------------
-- Literals
------------------------------------------------------------------------------

local cond_node

-- A node for any JSON value.  mode "raw": a pure literal; otherwise codes
-- and conditions found inside are written with the prelude's helpers.
function lit(v, mode)
  local t = type(v)
  if t == "string" then return atom(str(v)) end
  if t == "number" then return atom(num(v)) end
  if t == "boolean" then return atom(tostring(v)) end
  if t ~= "table" then return atom("nil") end
  if mode ~= "raw" then
    if helper_code(v) and not has_value_set(v) then return code_node(v, mode) end
    if type(v.condition_type) == "string" then return cond_node(v) end
  end
  local n = tbl("")
  if is_list(v) then
    for _, x in ipairs(v) do
      if not is_null(x) then n.items[#n.items + 1] = item(nil, lit(x, mode)) end
    end
  else
    for _, k in ipairs(sorted_keys(v)) do
      local x = v[k]
      if k == "remarks" then
        add_comments(n, remark_lines(x))
      elseif not is_null(x) then
        local val
        if k == "code" and type(x) == "number" then val = atom(str(code_text(x))) else val = lit(x, mode) end
        n.items[#n.items + 1] = item(key_text(k), val)
      end
    end
  end
  return n
end

------------------------------------------------------------------------------
-- Conditions
------------------------------------------------------------------------------

local OPS = { ["<"] = true, ["<="] = true, ["=="] = true, [">="] = true, [">"] = true, ["!="] = true }
local NIL_OPS = { ["is nil"] = true, ["is not nil"] = true }
local AGE_UNITS = { years = true, months = true, weeks = true, days = true }
local RACES = { white = true, black = true, asian = true, native = true, hawaiian = true, other = true }

-- Keys of a table other than remarks and nulls, as a set, and their count.
local function keyset(t)
  local s, n = {}, 0
  for k, v in pairs(t) do
    if k ~= "remarks" and not is_null(v) then s[k] = true; n = n + 1 end
  end
  return s, n
end

-- Does t have exactly these keys (besides remarks and nulls)?
local function has_exactly(t, ...)
  local s, n = keyset(t)
  local want = select("#", ...)
  for i = 1, want do
    if not s[select(i, ...)] then return false end
  end
  return n == want
end

-- A scalar comparison value (number, string, boolean).
local function scalar(v)
  local t = type(v)
  return t == "number" or t == "string" or t == "boolean"
end

-- Operator and value of a comparison condition, valid for the helpers.
local function comparison_ok(op, value)
  if NIL_OPS[op] then return value == nil or is_null(value) end
  return OPS[op] ~= nil and scalar(value)
end

local function value_or_nil(v) if is_null(v) then return nil end return v end

-- Nodes of the codes of an Active ... / Observation condition, or nil if a
-- helper cannot take them.
local function code_args(codes)
  if type(codes) ~= "table" or not is_list(codes) or #codes == 0 then return nil end
  local args = {}
  for i, c in ipairs(codes) do
    if not helper_code(c) or has_value_set(c) then return nil end
    args[i] = code_node(c, "helpers")
  end
  return args
end

local ACTIVE = { ["Active Condition"] = "has_condition", ["Active Medication"] = "has_medication",
                 ["Active CarePlan"] = "has_careplan", ["Active Allergy"] = "has_allergy" }
local LISTS = { And = "all", Or = "any" }

-- A time within prior_state(..., years(1)): exact with a time unit.
local function time_call(q)
  if type(q) ~= "table" or not has_exactly(q, "quantity", "unit") then return nil end
  if type(q.quantity) ~= "number" or q.quantity < 0 or not QUANT.TIME_UNITS[q.unit] then return nil end
  return call(q.unit, { atom(num(q.quantity)) })
end

-- The helper form of condition c, or nil.
local function cond_sugar(c)
  local ty = c.condition_type
  if ty == "True" and has_exactly(c, "condition_type") then return atom("always") end
  if ty == "False" and has_exactly(c, "condition_type") then return atom("never") end
  if ty == "Gender" and has_exactly(c, "condition_type", "gender") then
    if c.gender == "M" then return atom("is_male") end
    if c.gender == "F" then return atom("is_female") end
    return nil
  end
  if ty == "Age" then
    local s, n = keyset(c)
    local extra = s.value and 1 or 0   -- the module builder's leftover, not read
    if n - extra ~= 4 or not (s.operator and s.quantity and s.unit) then return nil end
    local q, unit, op = c.quantity, c.unit, c.operator
    if type(q) ~= "number" or q < 0 or not AGE_UNITS[unit] or not OPS[op] then return nil end
    local args = { atom(num(q)) }
    if unit ~= "years" then args[2] = atom(str(unit)) end
    if op == ">=" then return call("age_at_least", args) end
    if op == "<" then return call("age_below", args) end
    table.insert(args, 1, atom(str(op)))
    return call("age", args)
  end
  if ty == "Date" then
    local op = c.operator
    if not OPS[op] then return nil end
    if has_exactly(c, "condition_type", "operator", "year") and math.type(c.year) == "integer" then
      if op == ">=" then return call("year_at_least", { atom(num(c.year)) }) end
      if op == "<" then return call("year_before", { atom(num(c.year)) }) end
      return call("year", { atom(str(op)), atom(num(c.year)) })
    end
    local d = c.date
    if has_exactly(c, "condition_type", "operator", "date") and type(d) == "table"
       and has_exactly(d, "year", "month", "day") and math.type(d.year) == "integer"
       and math.type(d.month) == "integer" and math.type(d.day) == "integer"
       and d.month >= 1 and d.month <= 12 and d.day >= 1 and d.day <= 31 then
      return call("date", { atom(str(op)), atom(num(d.year)), atom(num(d.month)), atom(num(d.day)) })
    end
    return nil
  end
  if ty == "Race" and has_exactly(c, "condition_type", "race") then
    if type(c.race) == "string" and RACES[c.race:lower()] then return call("race", { atom(str(c.race)) }) end
    return nil
  end
  if ty == "Socioeconomic Status" and has_exactly(c, "condition_type", "category") then
    local cat = c.category
    if cat == "Low" or cat == "Middle" or cat == "High" then return call("ses", { atom(str(cat)) }) end
    return nil
  end
  if ty == "Attribute" then
    local v = value_or_nil(c.value)
    local ok = v == nil and has_exactly(c, "condition_type", "attribute", "operator")
               or v ~= nil and has_exactly(c, "condition_type", "attribute", "operator", "value")
    if not ok or type(c.attribute) ~= "string" or c.attribute == "" or not comparison_ok(c.operator, v) then
      return nil
    end
    local args = { atom(str(c.attribute)), atom(str(c.operator)) }
    if v ~= nil then args[3] = lit(v, "raw") end
    return call("attribute", args)
  end
  if ty == "Symptom" and has_exactly(c, "condition_type", "symptom", "operator", "value") then
    if type(c.symptom) ~= "string" or c.symptom == "" or not OPS[c.operator] or type(c.value) ~= "number" then
      return nil
    end
    if c.operator == ">=" then return call("symptom_at_least", { atom(str(c.symptom)), atom(num(c.value)) }) end
    return call("symptom", { atom(str(c.symptom)), atom(str(c.operator)), atom(num(c.value)) })
  end
  if ty == "Vital Sign" and has_exactly(c, "condition_type", "vital_sign", "operator", "value") then
    if not COND.VITALS[c.vital_sign] or not OPS[c.operator] or type(c.value) ~= "number" then return nil end
    return call("vital", { atom(str(c.vital_sign)), atom(str(c.operator)), atom(num(c.value)) })
  end
  if ty == "Observation" then
    local v = value_or_nil(c.value)
    if not comparison_ok(c.operator, v) then return nil end
    local first
    if type(c.codes) == "table" then
      local args = code_args(c.codes)
      if not args or #args ~= 1 then return nil end
      first = args[1]
      if not (v == nil and has_exactly(c, "condition_type", "codes", "operator")
              or v ~= nil and has_exactly(c, "condition_type", "codes", "operator", "value")) then
        return nil
      end
    elseif type(c.referenced_by_attribute) == "string" then
      first = tbl("", { item("attribute", atom(str(c.referenced_by_attribute))) })
      if not (v == nil and has_exactly(c, "condition_type", "referenced_by_attribute", "operator")
              or v ~= nil and has_exactly(c, "condition_type", "referenced_by_attribute", "operator", "value")) then
        return nil
      end
    else
      return nil
    end
    local args = { first, atom(str(c.operator)) }
    if v ~= nil then args[3] = lit(v, "raw") end
    return call("observation", args)
  end
  if ACTIVE[ty] then
    if has_exactly(c, "condition_type", "codes") then
      local args = code_args(c.codes)
      if not args then return nil end
      return call(ACTIVE[ty], args)
    end
    if has_exactly(c, "condition_type", "referenced_by_attribute") and type(c.referenced_by_attribute) == "string" then
      return tbl(ACTIVE[ty] .. " ", { item("attribute", atom(str(c.referenced_by_attribute))) })
    end
    return nil
  end
  if ty == "PriorState" then
    if type(c.name) ~= "string" or c.name == "" then return nil end
    local s, n = keyset(c)
    if n ~= 2 + (s.within and 1 or 0) + (s.since and 1 or 0) or not s.name then return nil end
    local args = { atom(str(c.name)) }
    local within = s.within and time_call(c.within)
    if s.within and not within then return nil end
    if s.since then
      if type(c.since) ~= "string" or c.since == "" then return nil end
      local opts = tbl("")
      if within then opts.items[#opts.items + 1] = item("within", within) end
      opts.items[#opts.items + 1] = item("since", atom(str(c.since)))
      args[2] = opts
    elseif within then
      args[2] = within
    end
    return call("prior_state", args)
  end
  if LISTS[ty] and has_exactly(c, "condition_type", "conditions") then
    local list = c.conditions
    if type(list) ~= "table" or not is_list(list) or #list == 0 then return nil end
    -- age_between(lo, hi): And of age >= lo and age < hi in one unit
    if ty == "And" and #list == 2 then
      local a, b = list[1], list[2]
      if type(a) == "table" and type(b) == "table" and a.condition_type == "Age" and b.condition_type == "Age"
         and a.operator == ">=" and b.operator == "<" and a.unit == b.unit
         and cond_sugar(a) and cond_sugar(b) and a.quantity < b.quantity
         and not a.remarks and not b.remarks then
        local args = { atom(num(a.quantity)), atom(num(b.quantity)) }
        if a.unit ~= "years" then args[3] = atom(str(a.unit)) end
        return call("age_between", args)
      end
    end
    local n = tbl(LISTS[ty] .. " ")
    for _, x in ipairs(list) do
      if type(x) ~= "table" or type(x.condition_type) ~= "string" then return nil end
      n.items[#n.items + 1] = item(nil, cond_node(x))
    end
    return n
  end
  if ty == "Not" and has_exactly(c, "condition_type", "condition") then
    if type(c.condition) ~= "table" or type(c.condition.condition_type) ~= "string" then return nil end
    return call("negate", { cond_node(c.condition) })
  end
  if (ty == "At Least" or ty == "At Most") then
    local count = ty == "At Least" and "minimum" or "maximum"
    if not has_exactly(c, "condition_type", count, "conditions") then return nil end
    local list = c.conditions
    if type(list) ~= "table" or not is_list(list) or #list == 0 then return nil end
    local m = c[count]
    if math.type(m) ~= "integer" or m < 0 or m > #list then return nil end
    local l = tbl("")
    for _, x in ipairs(list) do
      if type(x) ~= "table" or type(x.condition_type) ~= "string" then return nil end
      l.items[#l.items + 1] = item(nil, cond_node(x))
    end
    return call(ty == "At Least" and "at_least" or "at_most", { atom(num(m)), l })
  end
  return nil
end

-- A node for condition c: a helper, or a table whose parts are converted.
function cond_node(c)
  local n = cond_sugar(c)
  if not n then
    n = tbl("")
    for _, k in ipairs(sorted_keys(c)) do
      local x = c[k]
      if k ~= "remarks" and not is_null(x) and not (k == "value" and c.condition_type == "Age") then
        n.items[#n.items + 1] = item(key_text(k), lit(x, "helpers"))
      end
    end
  end
  return add_comments(n, remark_lines(c.remarks))
end

------------------------------------------------------------------------------
-- Transitions
------------------------------------------------------------------------------

-- The probability node of a distributed option, or nil if the helpers
-- cannot take it.
local function probability(p)
  if type(p) == "number" then
    if p ~= p or p < 0 or p > 1 then return nil end
    return atom(num(p))
  end
  if type(p) == "table" and type(p.attribute) == "string" and p.attribute ~= "" then
    local d = value_or_nil(p.default)
    if d == nil and has_exactly(p, "attribute") then
      return call("from_attribute", { atom(str(p.attribute)) })
    end
    if type(d) == "number" and d >= 0 and d <= 1 and has_exactly(p, "attribute", "default") then
      return call("from_attribute", { atom(str(p.attribute)), atom(num(d)) })
    end
  end
  return nil
end

-- The chance(...) or pick {...} node of a list of distributed options, or nil.
local function distributions(opts)
  if type(opts) ~= "table" or not is_list(opts) or #opts == 0 then return nil end
  local sum, remarks = 0, false
  local parsed = {}
  for i, o in ipairs(opts) do
    if type(o) ~= "table" or not has_exactly(o, "distribution", "transition") then return nil end
    if type(o.transition) ~= "string" or o.transition == "" then return nil end
    local p = probability(o.distribution)
    if not p then return nil end
    if type(o.distribution) == "number" then sum = sum + o.distribution end
    if o.remarks then remarks = true end
    parsed[i] = { p = p, to = o.transition, remarks = remark_lines(o.remarks) }
  end
  if sum > 1 + 1e-9 then return nil end
  if #opts == 2 and not remarks and type(opts[1].distribution) == "number"
     and type(opts[2].distribution) == "number"
     and tonumber(string.format("%.15g", 1 - opts[1].distribution)) == opts[2].distribution then
    return call("chance", { parsed[1].p, atom(str(parsed[1].to)), atom(str(parsed[2].to)) })
  end
  local n = tbl("pick ")
  for _, o in ipairs(parsed) do
    n.items[#n.items + 1] = item(nil, add_comments(tbl("", { item(nil, o.p), item(nil, atom(str(o.to))) }), o.remarks))
  end
  return n
end

-- when { ... } for a conditional (complex = false) or complex transition, or nil.
local function when_node(opts, complex)
  if type(opts) ~= "table" or not is_list(opts) or #opts == 0 then return nil end
  local n = tbl("when ")
  local any_dists = false
  for i, o in ipairs(opts) do
    if type(o) ~= "table" then return nil end
    local cond = value_or_nil(o.condition)
    local target
    if complex and value_or_nil(o.distributions) ~= nil then
      if value_or_nil(o.transition) ~= nil then return nil end
      target = distributions(o.distributions)
      if not target then return nil end
      any_dists = true
    else
      if type(o.transition) ~= "string" or o.transition == "" then return nil end
      if value_or_nil(o.distributions) ~= nil then return nil end
      target = atom(str(o.transition))
    end
    local s, cnt = keyset(o)
    if cnt ~= (cond ~= nil and 2 or 1) then return nil end
    if cond == nil then
      if i ~= #opts then return nil end
      local it = item("otherwise", target)
      add_comments(target, remark_lines(o.remarks))
      n.items[#n.items + 1] = it
    else
      if type(cond) ~= "table" or type(cond.condition_type) ~= "string" then return nil end
      local opt = tbl("", { item(nil, cond_node(cond)), item(nil, target) })
      add_comments(opt, remark_lines(o.remarks))
      n.items[#n.items + 1] = item(nil, opt)
    end
  end
  if complex and not any_dists then return nil end
  return n
end

-- lookup_table("file.csv", { {p, "S"}, ... }), or nil.
local function lookup_node(opts)
  if type(opts) ~= "table" or not is_list(opts) or #opts == 0 then return nil end
  local file = opts[1].lookup_table_name
  if type(file) ~= "string" or file == "" then return nil end
  local l = tbl("")
  for _, o in ipairs(opts) do
    if type(o) ~= "table" or not has_exactly(o, "transition", "default_probability", "lookup_table_name") then
      return nil
    end
    local p = o.default_probability
    if o.lookup_table_name ~= file or type(p) ~= "number" or p ~= p or p < 0 or p > 1 then return nil end
    if type(o.transition) ~= "string" or o.transition == "" then return nil end
    l.items[#l.items + 1] = item(nil, add_comments(tbl("", { item(nil, atom(num(p))), item(nil, atom(str(o.transition))) }),
                                                   remark_lines(o.remarks)))
  end
  return call("lookup_table", { atom(str(file)), l })
end

-- type_of_care { ambulatory = "A", ... }, or nil.
local function care_node(t)
  if type(t) ~= "table" then return nil end
  local n = tbl("type_of_care ")
  for _, k in ipairs(sorted_keys(t)) do
    local v = t[k]
    if not is_null(v) then
      if (k ~= "ambulatory" and k ~= "telemedicine" and k ~= "emergency") or type(v) ~= "string" or v == "" then
        return nil
      end
      n.items[#n.items + 1] = item(k, atom(str(v)))
    end
  end
  if #n.items == 0 then return nil end
  return n
end

-- The transition of a state: an item node (chance, pick, when, ...) or a
-- named field {key, node}.  Returns item_node, named_key, named_node.
local function transition_of(st)
  if type(st.direct_transition) == "string" then return nil, "next", atom(str(st.direct_transition)) end
  local field, node
  if st.distributed_transition ~= nil then
    field, node = "distributed_transition", distributions(st.distributed_transition)
  elseif st.conditional_transition ~= nil then
    field, node = "conditional_transition", when_node(st.conditional_transition, false)
  elseif st.complex_transition ~= nil then
    field, node = "complex_transition", when_node(st.complex_transition, true)
  elseif st.lookup_table_transition ~= nil then
    field, node = "lookup_table_transition", lookup_node(st.lookup_table_transition)
  elseif st.type_of_care_transition ~= nil then
    field, node = "type_of_care_transition", care_node(st.type_of_care_transition)
  elseif st.direct_transition ~= nil then
    field = "direct_transition"
  end
  if node then return node end
  if field then return nil, field, lit(st[field], "helpers") end
  return nil
end

------------------------------------------------------------------------------
-- States
------------------------------------------------------------------------------

local CTOR = {
  Initial = "initial", Terminal = "terminal", Simple = "simple", Guard = "guard", Delay = "delay",
  SetAttribute = "set_attribute", Counter = "counter", CallSubmodule = "call_submodule",
  Encounter = "encounter", EncounterEnd = "encounter_end", ConditionOnset = "condition_onset",
  ConditionEnd = "condition_end", AllergyOnset = "allergy_onset", AllergyEnd = "allergy_end",
  MedicationOrder = "medication_order", MedicationEnd = "medication_end",
  CarePlanStart = "careplan_start", CarePlanEnd = "careplan_end", Procedure = "procedure",
  Observation = "observation", MultiObservation = "multi_observation",
  DiagnosticReport = "diagnostic_report", ImagingStudy = "imaging_study", Device = "device",
  DeviceEnd = "device_end", SupplyList = "supply_list", VitalSign = "vital_sign", Symptom = "symptom",
  Vaccine = "vaccine", Death = "death", Physiology = "physiology",
}

-- The end states' reference field.
local ENDERS = { ConditionEnd = "condition_onset", AllergyEnd = "allergy_onset", MedicationEnd = "medication_order",
                 CarePlanEnd = "careplan", DeviceEnd = "device" }

-- A time quantity helper for {quantity, unit} / {low, high, unit}, or nil.
local function time_quantity(q, exact)
  if type(q) ~= "table" then return nil end
  local unit = q.unit
  if not QUANT.TIME_UNITS[unit] then return nil end
  if exact then
    if not has_exactly(q, "quantity", "unit") or type(q.quantity) ~= "number" or q.quantity < 0 then return nil end
    return call(unit, { atom(num(q.quantity)) })
  end
  if not has_exactly(q, "low", "high", "unit") then return nil end
  local lo, hi = q.low, q.high
  if type(lo) ~= "number" or type(hi) ~= "number" or lo < 0 or hi < 0 or lo > hi then return nil end
  return call(unit, { atom(num(lo)), atom(num(hi)) })
end

-- gaussian(...) / exponential(...) for a GMF distribution, or nil; unit as
-- written in the call (nil for none).
local function dist_call(d, unit)
  if type(d) ~= "table" or type(d.parameters) ~= "table" then return nil end
  local pr = d.parameters
  local round = value_or_nil(d.round)
  local unit_arg = unit and atom(str(unit)) or atom("nil")
  if d.kind == "GAUSSIAN" then
    if round ~= nil and round ~= true then return nil end
    if not (has_exactly(d, "kind", "parameters") or has_exactly(d, "kind", "parameters", "round")) then return nil end
    local s, n = keyset(pr)
    if not (s.mean and s.standardDeviation) or n ~= 2 + (s.min and 1 or 0) + (s.max and 1 or 0) then return nil end
    local mean, sd, lo, hi = pr.mean, pr.standardDeviation, value_or_nil(pr.min), value_or_nil(pr.max)
    if type(mean) ~= "number" or type(sd) ~= "number" or sd < 0 then return nil end
    if lo ~= nil and type(lo) ~= "number" or hi ~= nil and type(hi) ~= "number" then return nil end
    if lo and hi and lo > hi then return nil end
    local args = { atom(num(mean)), atom(num(sd)) }
    local opts = tbl("")
    if lo then opts.items[#opts.items + 1] = item("min", atom(num(lo))) end
    if hi then opts.items[#opts.items + 1] = item("max", atom(num(hi))) end
    if round then opts.items[#opts.items + 1] = item("round", atom("true")) end
    if unit or #opts.items > 0 then args[3] = unit_arg end
    if #opts.items > 0 then args[4] = opts end
    return call("gaussian", args)
  elseif d.kind == "EXPONENTIAL" then
    if round ~= nil or not has_exactly(d, "kind", "parameters") or not has_exactly(pr, "mean") then return nil end
    if type(pr.mean) ~= "number" or pr.mean <= 0 then return nil end
    local args = { atom(num(pr.mean)) }
    if unit then args[2] = unit_arg end
    return call("exponential", args)
  end
  return nil
end

-- A value quantity: exactly(q) for {quantity}, range(lo, hi) for {low, high}.
local function value_quantity(q, exact)
  if type(q) ~= "table" then return nil end
  if exact then
    if not has_exactly(q, "quantity") or type(q.quantity) ~= "number" then return nil end
    return call("exactly", { atom(num(q.quantity)) })
  end
  if not has_exactly(q, "low", "high") then return nil end
  if type(q.low) ~= "number" or type(q.high) ~= "number" or q.low > q.high then return nil end
  return call("range", { atom(num(q.low)), atom(num(q.high)) })
end

-- Builder of a state constructor call: positional items and named fields.
local function builder(ty)
  return { ty = ty, items = {}, named = {}, used = {} }
end
local function pos(b, node) b.items[#b.items + 1] = node end
local function named(b, key, node) b.named[#b.named + 1] = item(key_text(key), node) end

-- Positional codes from the state's `codes`; true if written.
local function take_codes(b, st)
  local codes = st.codes
  if type(codes) ~= "table" or not is_list(codes) or #codes == 0 then return false end
  for _, c in ipairs(codes) do
    if not helper_code(c) then return false end
  end
  for _, c in ipairs(codes) do pos(b, code_node(c, "helpers")) end
  b.used.codes = true
  return true
end

-- A named string field under a sugar key (at, as, reason, ...).
local function take_string(b, st, field, key)
  local v = st[field]
  if type(v) == "string" and v ~= "" then
    named(b, key or field, atom(str(v)))
    b.used[field] = true
  end
end

-- The sugar form of state st (clean JSON table) as a node, or nil.
local function sugar_state(st)
  local ty = st.type
  local ctor = CTOR[ty]
  if not ctor then return nil end
  local b = builder(ty)
  if ty == "Guard" then
    if type(st.allow) ~= "table" or type(st.allow.condition_type) ~= "string" then return nil end
    pos(b, cond_node(st.allow))
    b.used.allow = true
  elseif ty == "Delay" or ty == "Death" then
    local q
    if st.exact ~= nil then q = time_quantity(st.exact, true); b.used.exact = q and true
    elseif st.range ~= nil then q = time_quantity(st.range, false); b.used.range = q and true
    elseif ty == "Delay" and st.distribution ~= nil and QUANT.TIME_UNITS[st.unit] then
      q = dist_call(st.distribution, st.unit)
      if q then b.used.distribution, b.used.unit = true, true end
    end
    if ty == "Delay" and q then pos(b, q) end
    if ty == "Death" then
      if type(st.condition_onset) == "string" and st.condition_onset ~= "" then
        named(b, "cause", atom(str(st.condition_onset)))
        b.used.condition_onset = true
        take_codes(b, st)
      elseif type(st.codes) == "table" and #st.codes == 1 and helper_code(st.codes[1]) then
        named(b, "cause", code_node(st.codes[1], "helpers"))
        b.used.codes = true
      end
      take_string(b, st, "referenced_by_attribute", "cause_attribute")
      if q then named(b, "after", q) end
    end
  elseif ty == "SetAttribute" then
    if type(st.attribute) ~= "string" then return nil end
    pos(b, atom(str(st.attribute)))
    b.used.attribute = true
    local nsrc = 0
    for _, f in ipairs { "value", "range", "distribution" } do if st[f] ~= nil then nsrc = nsrc + 1 end end
    if nsrc == 1 then
      if scalar(st.value) then
        pos(b, lit(st.value, "raw")); b.used.value = true
      elseif st.range ~= nil then
        local q = value_quantity(st.range, false)
        if q then pos(b, q); b.used.range = true end
      elseif st.distribution ~= nil then
        local q = dist_call(st.distribution, nil)
        if q then pos(b, q); b.used.distribution = true end
      end
    end
  elseif ty == "Counter" then
    if type(st.attribute) ~= "string" then return nil end
    pos(b, atom(str(st.attribute)))
    b.used.attribute = true
    if st.action == "increment" then b.used.action = true end
  elseif ty == "CallSubmodule" then
    if type(st.submodule) ~= "string" then return nil end
    pos(b, atom(str(st.submodule)))
    b.used.submodule = true
  elseif ty == "Encounter" then
    if st.wellness == true then
      named(b, "wellness", atom("true")); b.used.wellness = true
    end
    if type(st.encounter_class) == "string" then
      pos(b, atom(str(st.encounter_class))); b.used.encounter_class = true
    end
    take_codes(b, st)
    take_string(b, st, "reason")
  elseif ty == "EncounterEnd" then
    if st.discharge_disposition ~= nil then
      named(b, "disposition", lit(st.discharge_disposition, "helpers"))
      b.used.discharge_disposition = true
    end
  elseif ty == "ConditionOnset" or ty == "AllergyOnset" then
    take_codes(b, st)
    take_string(b, st, "target_encounter", "at")
    take_string(b, st, "assign_to_attribute", "as")
  elseif ENDERS[ty] then
    local ref = ENDERS[ty]
    if type(st[ref]) == "string" and st[ref] ~= "" then
      pos(b, atom(str(st[ref]))); b.used[ref] = true
    end
    take_string(b, st, "referenced_by_attribute", "attribute")
    take_codes(b, st)
  elseif ty == "MedicationOrder" or ty == "CarePlanStart" then
    take_codes(b, st)
    take_string(b, st, "reason")
    take_string(b, st, "assign_to_attribute", "as")
    if ty == "CarePlanStart" and type(st.activities) == "table" and is_list(st.activities)
       and #st.activities > 0 then
      local l = tbl("")
      for _, c in ipairs(st.activities) do
        if not helper_code(c) then l = nil; break end
        l.items[#l.items + 1] = item(nil, code_node(c, "helpers"))
      end
      if l then named(b, "activities", l); b.used.activities = true end
    end
  elseif ty == "Procedure" then
    take_codes(b, st)
    take_string(b, st, "reason")
    take_string(b, st, "assign_to_attribute", "as")
    if st.duration ~= nil and st.distribution == nil and st.range == nil then
      local q = time_quantity(st.duration, false)
      if q and st.duration.low == st.duration.high then q.args[2] = nil end
      if q then named(b, "duration", q); b.used.duration = true end
    elseif st.distribution ~= nil and st.duration == nil and st.range == nil and QUANT.TIME_UNITS[st.unit] then
      local q = dist_call(st.distribution, st.unit)
      if q then named(b, "duration", q); b.used.distribution, b.used.unit = true, true end
    end
  elseif ty == "Observation" or ty == "VitalSign" or ty == "Symptom" then
    if ty == "Observation" then
      take_codes(b, st)
    elseif ty == "VitalSign" then
      if type(st.vital_sign) ~= "string" then return nil end
      pos(b, atom(str(st.vital_sign))); b.used.vital_sign = true
    else
      if type(st.symptom) ~= "string" then return nil end
      pos(b, atom(str(st.symptom))); b.used.symptom = true
      take_string(b, st, "cause")
    end
    local q
    if st.exact ~= nil and st.range == nil then
      q = value_quantity(st.exact, true); if q then b.used.exact = true end
    elseif st.range ~= nil and st.exact == nil then
      q = value_quantity(st.range, false); if q then b.used.range = true end
    end
    if q then
      if ty == "Symptom" then named(b, "severity", q) else pos(b, q) end
    end
  elseif ty == "MultiObservation" or ty == "DiagnosticReport" then
    take_codes(b, st)
    take_string(b, st, "target_encounter", "at")
  elseif ty == "ImagingStudy" then
    if helper_code(st.procedure_code) and not has_value_set(st.procedure_code) then
      pos(b, code_node(st.procedure_code, "helpers")); b.used.procedure_code = true
    end
  elseif ty == "Device" then
    if helper_code(st.code) and not has_value_set(st.code) then
      pos(b, code_node(st.code, "helpers")); b.used.code = true
    end
    take_string(b, st, "assign_to_attribute", "as")
  end
  -- every other field as it is, in the prelude's order
  for _, f in ipairs(S.FIELDS[ty] or {}) do
    if st[f] ~= nil and not b.used[f] then named(b, f, lit(st[f], "helpers")) end
  end
  -- the transition comes last, as an item (chance, pick, ...) or next = "S"
  local tr_item, tr_key, tr_node = transition_of(st)
  if tr_key then named(b, tr_key, tr_node) end
  local n = tbl(ctor .. " ")
  for _, x in ipairs(b.items) do n.items[#n.items + 1] = item(nil, x) end
  for _, x in ipairs(b.named) do n.items[#n.items + 1] = x end
  if tr_item then n.items[#n.items + 1] = item(nil, tr_item) end
  if ty == "Terminal" and #n.items == 0 then return atom("terminal {}") end
  return n
end

-- The plain form: a GMF table, codes and conditions with helpers.
local function plain_state(st, mode)
  local n = tbl("")
  n.items[1] = item("type", atom(str(st.type)))
  for _, k in ipairs(sorted_keys(st)) do
    if k ~= "type" and k ~= "remarks" then n.items[#n.items + 1] = item(key_text(k), lit(st[k], mode)) end
  end
  return n
end

------------------------------------------------------------------------------
-- Checking a state: evaluate its text with the prelude
------------------------------------------------------------------------------

local function eval(text, chunkname)
  local env = setmetatable({}, { __index = PRELUDE })
  local chunk, err = load("return " .. text, chunkname or "=state", "t", env)
  if not chunk then return nil, err end
  local ok, v = pcall(chunk)
  if not ok then return nil, tostring(v) end
  return v
end

-- Render a state node for checking (codes written out in full).
local function state_text(n)
  local saved = HOISTED
  HOISTED = {}
  local t = render(n, 0, 0)
  HOISTED = saved
  return t
end

-- Does node n evaluate to exactly `expected`?
local function state_matches(n, expected)
  local v = eval(state_text(n))
  if type(v) ~= "table" then return false end
  return same(v, expected, "state", true)
end

------------------------------------------------------------------------------
-- Reading order of the states
------------------------------------------------------------------------------

local function targets(st)
  local out = {}
  local function add(t) if type(t) == "string" then out[#out + 1] = t end end
  local function opts(list, f)
    if type(list) == "table" then for _, o in ipairs(list) do if type(o) == "table" then f(o) end end end
  end
  add(st.direct_transition)
  opts(st.distributed_transition, function(o) add(o.transition) end)
  opts(st.conditional_transition, function(o) add(o.transition) end)
  opts(st.complex_transition, function(o)
    add(o.transition)
    opts(o.distributions, function(d) add(d.transition) end)
  end)
  opts(st.lookup_table_transition, function(o) add(o.transition) end)
  if type(st.type_of_care_transition) == "table" then
    for _, k in ipairs { "ambulatory", "telemedicine", "emergency" } do add(st.type_of_care_transition[k]) end
  end
  add(st.alt_direct_transition)
  return out
end

-- Initial first, then along the transitions: the targets of a state are
-- placed together, then each is followed in turn; Terminal states last,
-- then the states no transition reaches (by name).
local function reading_order(states)
  local order, placed = {}, {}
  local terminals = {}
  local function place(name)
    if placed[name] or type(states[name]) ~= "table" then return false end
    placed[name] = true
    if states[name].type == "Terminal" and name ~= "Initial" then
      terminals[#terminals + 1] = name
    else
      order[#order + 1] = name
    end
    return true
  end
  local function follow(name)
    local new = {}
    for _, t in ipairs(targets(states[name])) do
      if place(t) then new[#new + 1] = t end
    end
    for _, t in ipairs(new) do follow(t) end
  end
  if place("Initial") then follow("Initial") end
  local rest = {}
  for name in pairs(states) do
    if type(name) == "string" and not placed[name] then rest[#rest + 1] = name end
  end
  table.sort(rest)
  for _, name in ipairs(rest) do
    if place(name) then follow(name) end
  end
  for _, t in ipairs(terminals) do order[#order + 1] = t end
  return order
end

------------------------------------------------------------------------------
-- Hoisting codes used more than once into constants
------------------------------------------------------------------------------

-- Call f on every code node in n.
local function each_code(n, f)
  if n.k == "atom" then
    if n.code then f(n) end
  elseif n.k == "call" then
    for _, a in ipairs(n.args) do each_code(a, f) end
  else
    for _, it in ipairs(n.items) do each_code(it.val, f) end
  end
end

local SYSTEM_PREFIX = { ["SNOMED-CT"] = "SCT", LOINC = "LOINC", RxNorm = "RX", CVX = "CVX" }

-- A constant name for a code: its display in capitals, without the
-- semantic tag, shortened at a word boundary.
local function constant_name(c, taken)
  local d = c.display:gsub("%s*%([^()]*%)%s*$", "")
  local words = {}
  for w in d:upper():gmatch("[A-Z0-9]+") do words[#words + 1] = w end
  local name = ""
  for _, w in ipairs(words) do
    local next_name = name == "" and w or (name .. "_" .. w)
    if #next_name > 40 and name ~= "" then break end
    name = next_name
  end
  if name == "" or name:match("^%d") then
    name = (SYSTEM_PREFIX[c.system] or "CODE") .. (name ~= "" and ("_" .. name) or ("_" .. code_text(c.code)))
  end
  name = name:gsub("[^%w_]", "_")
  local base, i = name, 2
  while taken[name] or PRELUDE[name] ~= nil do
    name = base .. "_" .. i
    i = i + 1
  end
  taken[name] = true
  return name
end

------------------------------------------------------------------------------
-- The module
------------------------------------------------------------------------------

local MODULE_KEYS = { name = true, states = true, remarks = true, gmf_version = true, specialty = true }

-- Compare the module `got` with `exp`; states are compared without their
-- line.  Returns true, or false and where they differ.
local function same_module(got, exp)
  if type(got) ~= "table" or type(got.states) ~= "table" then return false, "the file returns no module" end
  for k, v in pairs(exp) do
    if k ~= "states" then
      local ok, where = same(got[k], v, k)
      if not ok then return false, where end
    end
  end
  for k in pairs(got) do
    if exp[k] == nil then return false, tostring(k) .. ": not in the JSON" end
  end
  local names = {}
  for name in pairs(exp.states) do names[#names + 1] = name end
  for name in pairs(got.states) do
    if exp.states[name] == nil then return false, "states." .. tostring(name) .. ": not in the JSON" end
  end
  table.sort(names)
  for _, name in ipairs(names) do
    local ok, where = same(got.states[name], exp.states[name], "states." .. name, true)
    if not ok then return false, where end
  end
  return true
end

-- convert(m, source) -> text, expected, info (see the header).
local function convert(m, source)
  if type(m) ~= "table" or (next(m) ~= nil and is_list(m)) then
    error("not a GMF module: the JSON is not an object", 0)
  end
  if type(m.name) ~= "string" then error("not a GMF module: no \"name\"", 0) end
  if type(m.states) ~= "table" or (next(m.states) ~= nil and is_list(m.states)) then
    error("not a GMF module: no \"states\" object", 0)
  end
  HOISTED = {}
  local info = { states = 0, sugar = 0, plain = 0, raw = 0, codes = 0, dropped = {} }
  local dropped = {}
  local expected_states, nodes = {}, {}
  local names = {}
  for name in pairs(m.states) do
    if type(name) ~= "string" then error("state names must be strings", 0) end
    names[#names + 1] = name
  end
  table.sort(names)
  -- a module the loader would refuse is not converted: say why, with the
  -- JSON's lines
  local check = {}
  for _, name in ipairs(names) do
    local st = m.states[name]
    if type(st) ~= "table" then error(string.format("state %q is not an object", name), 0) end
    local c = clean_value(strip(st))
    c.line = math.type(st.line) == "integer" and st.line or nil
    check[name] = c
  end
  local problems = S.problems(check)
  if #problems > 0 then
    error("not a valid module: " .. table.concat(problems, "; "), 0)
  end
  for _, name in ipairs(names) do
    local st = m.states[name]
    local src = source_state(name, st, dropped)
    local want = clean_value(src)
    -- the best form that gives exactly `want`
    local node, kind
    local ok, cand = pcall(sugar_state, src)
    if ok and cand and state_matches(cand, want) then
      node, kind = cand, "sugar"
    else
      cand = plain_state(src, "helpers")
      if state_matches(cand, want) then
        node, kind = cand, "plain"
      else
        node, kind = plain_state(src, "raw"), "raw"
      end
    end
    node.state_remarks = remark_lines(st.remarks)
    nodes[name] = node
    info[kind] = info[kind] + 1
    info.states = info.states + 1
    -- module() names the cause of a Symptom that has none, as the loader does
    if want.type == "Symptom" and want.cause == nil then want.cause = m.name end
    expected_states[name] = want
  end

  -- codes used more than once become constants, named in reading order
  local order = reading_order(m.states)
  local counts, first_seen = {}, {}
  for _, name in ipairs(order) do
    each_code(nodes[name], function(c)
      if not counts[c.code] then
        counts[c.code] = 0
        first_seen[#first_seen + 1] = c
      end
      counts[c.code] = counts[c.code] + 1
    end)
  end
  local constants, taken = {}, {}
  for _, c in ipairs(first_seen) do
    if counts[c.code] > 1 and #constants < MAX_CONSTANTS then
      local cname = constant_name(c.code_value, taken)
      HOISTED[c.code] = cname
      constants[#constants + 1] = { name = cname, text = c.s }
    end
  end
  info.codes = #constants

  -- the text
  local out = {}
  local function line(s) out[#out + 1] = s end
  local header = remark_lines(m.remarks)
  for _, l in ipairs(comment_lines(header, 0)) do line(l) end
  if #header > 0 then line("--") end
  line("-- Converted from " .. source .. " by `vitae convert`.")
  local extra = {}
  for _, k in ipairs(sorted_keys(m)) do
    local v = m[k]
    if not is_null(v) and (not MODULE_KEYS[k] or (k == "gmf_version" and type(v) ~= "number")
                            or (k == "specialty" and type(v) ~= "string")) then
      extra[#extra + 1] = tostring(k)
      info.dropped[#info.dropped + 1] = string.format("module field %q", tostring(k))
    end
  end
  if #extra > 0 then
    for _, l in ipairs(comment_lines({ "Not converted (module fields vitae does not read): "
                                       .. table.concat(extra, ", ") .. "." }, 0)) do
      line(l)
    end
  end
  line("")
  if #constants > 0 then
    local w = 0
    for _, c in ipairs(constants) do w = math.max(w, #c.name) end
    for _, c in ipairs(constants) do
      line("local " .. c.name .. string.rep(" ", w - #c.name) .. " = " .. c.text)
    end
    line("")
  end
  line("return module " .. str(m.name) .. " {")
  local meta = false
  if type(m.gmf_version) == "number" then line("  gmf_version = " .. num(m.gmf_version) .. ","); meta = true end
  if type(m.specialty) == "string" then line("  specialty = " .. str(m.specialty) .. ","); meta = true end
  local align = 0
  for _, name in ipairs(order) do
    local k = key_text(name)
    if width(k) <= ALIGN_MAX then align = math.max(align, width(k)) end
  end
  local prev_multi = meta
  for i, name in ipairs(order) do
    local node = nodes[name]
    local k = key_text(name)
    local lead = "  " .. k .. string.rep(" ", math.max(0, align - width(k))) .. " = "
    local body = render(node, width(lead), 2)
    local multi = body:find("\n") ~= nil
    local notes = {}
    for _, d in ipairs(dropped) do
      if d.state == name then
        local v = d.value
        local shown = type(v) == "table" and "{...}" or (type(v) == "string" and str(v) or tostring(v))
        notes[#notes + 1] = "Not converted (vitae does not read it): " .. key_text(d.field) .. " = " .. shown
      end
    end
    if (i > 1 or meta) and (multi or prev_multi or #node.state_remarks > 0 or #notes > 0) then line("") end
    for _, l in ipairs(comment_lines(node.state_remarks, 2)) do line(l) end
    for _, l in ipairs(comment_lines(notes, 2)) do line(l) end
    line(lead .. body .. ",")
    prev_multi = multi
  end
  line("}")
  local text = table.concat(out, "\n") .. "\n"
  for _, d in ipairs(dropped) do
    info.dropped[#info.dropped + 1] = string.format("state %q: field %q", d.state, d.field)
  end

  -- the expected module, as a literal
  local exp = { name = m.name, states = expected_states }
  if type(m.gmf_version) == "number" then exp.gmf_version = m.gmf_version end
  if type(m.specialty) == "string" then exp.specialty = m.specialty end
  local saved = WIDTH
  WIDTH = math.huge
  local expected = "return " .. render(lit(exp, "raw"), 0, 0) .. "\n"
  WIDTH = saved

  -- a first check here; the caller checks again in the real sandbox
  local env = setmetatable({}, { __index = PRELUDE })
  local chunk, err = load(text, "=" .. source, "t", env)
  if not chunk then error("internal error: the Lua written does not parse: " .. err, 0) end
  local okm, got = pcall(chunk)
  if not okm then error("the converted module does not load: " .. tostring(got), 0) end
  local ok, where = same_module(got, exp)
  if not ok then error("internal error: the Lua does not give the JSON's module (" .. where .. ")", 0) end
  return text, expected, info
end

return convert
