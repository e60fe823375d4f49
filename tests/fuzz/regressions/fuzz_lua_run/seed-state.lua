-- a module whose functions read module tables, count with an upvalue and
-- match patterns while patients are simulated
local n = 0
local risk = { M = 0.5, F = 0.25 }
return module "FuzzRun" {
  Initial = initial { next = "Count" },
  Count = set_attribute { "count", function(p) n = n + 1; return n end, next = "Pick" },
  Pick = simple { chance(function(p) return risk[p.gender] end, "Onset", "Terminal") },
  Onset = condition_onset { snomed(44054006, "Diabetes"), next = "Label" },
  Label = set_attribute { "label", function(p) return (("key=" .. p.gender):match("=(%a)")) end, next = "Terminal" },
  Terminal = terminal {},
}
