-- test_all_modules.lua -- the default module set as a whole: every module
-- of modules/ runs with the others in one cohort and gets patients past its
-- Initial state (a module that silently never starts fails here), nothing
-- fails at run time, and each learnable number (param) has one default.

local c = simulate { modules = "modules", patients = 1000, seed = 1 }
expect("the cohort has 1000 patients", c.n == 1000, c.n)
for _, m in ipairs(c:modules()) do
  if not m.submodule then
    local best, best_state = 0, nil
    for _, s in ipairs(m.states) do
      if s ~= "Initial" then
        local share = c:entered(m.path, s)
        if share > best then best, best_state = share, s end
      end
    end
    expect("module " .. m.path .. " is entered past Initial", best > 0,
           "no patient of " .. c.n .. " entered any state of " .. m.path .. " but Initial")
  end
end
expect_between("some natural deaths", c:deaths() / c.n, 0.05, 0.6)

local params, notes = declared_params("modules")
expect("modules declare learnable numbers", #params > 50, #params .. " params")
local seen, twice = {}, {}
for _, p in ipairs(params) do
  if seen[p.name] then twice[#twice + 1] = p.name end
  seen[p.name] = true
end
expect("each learnable number is listed once", #twice == 0, table.concat(twice, ", "))
expect("each learnable number has one default (" .. #params .. " params)", #notes == 0, table.concat(notes, "\n"))
