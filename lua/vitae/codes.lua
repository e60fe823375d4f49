-- codes.lua -- code constructors: snomed(), loinc(), rxnorm(), cvx() and
-- code() for any system.  Each returns the plain GMF code table
--   { system = "SNOMED-CT", code = "74400008", display = "Appendicitis" }
-- with the code stored as text.  A code may be written as a number in a
-- module; CVX codes below 10 keep their leading zero ("08", "03").

local base = vt_require("base")
local fail = base.fail

local codes = {}

-- The code systems module-format.md allows.
-- (NUBC: discharge dispositions; NullFlavor: HL7's "unknown" and the like.)
codes.SYSTEMS = {
  ["SNOMED-CT"] = true, ["LOINC"] = true, ["RxNorm"] = true, ["CVX"] = true,
  ["DICOM-DCM"] = true, ["DICOM-SOP"] = true, ["NUBC"] = true, ["NullFlavor"] = true,
}

-- Code value as text: integers without ".0", strings as they are.
local function code_text(system, c)
  if type(c) == "number" then
    local i = math.tointeger(c)
    if not i or i < 0 then
      fail("%s code must be a whole number or a string, got %s", system, tostring(c))
    end
    if system == "CVX" then return string.format("%02d", i) end
    return tostring(i)
  elseif type(c) == "string" and c:match("^%S+$") then
    return c
  end
  fail("%s code must be a number or a string without spaces, got %s", system, base.show(c))
end

-- code(system, code, display): a code of any allowed system.
function codes.code(system, c, display)
  if not codes.SYSTEMS[system] then
    fail("unknown code system %s (known: %s)", base.show(system), base.keys(codes.SYSTEMS))
  end
  local text = code_text(system, c)
  if type(display) ~= "string" or display == "" then
    fail("%s code %s needs a display name, e.g. snomed(%s, \"Appendicitis\")", system, text, text)
  end
  return { system = system, code = text, display = display }
end

-- snomed(74400008, "Appendicitis"): SNOMED CT (conditions, procedures, encounters).
function codes.snomed(c, display) return codes.code("SNOMED-CT", c, display) end

-- loinc("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"): LOINC (observations).
function codes.loinc(c, display)
  if type(c) == "number" then
    fail("LOINC code must be a string with its check digit, e.g. \"4548-4\", got %s", tostring(c))
  end
  return codes.code("LOINC", c, display)
end

-- rxnorm(314076, "lisinopril 10 MG Oral Tablet"): RxNorm (medications).
function codes.rxnorm(c, display) return codes.code("RxNorm", c, display) end

-- cvx(140, "Influenza, seasonal, injectable, preservative free"): CVX (vaccines).
function codes.cvx(c, display) return codes.code("CVX", c, display) end

return codes
