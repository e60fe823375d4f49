# module_tests.sh -- `vitae test` (docs/module-tests.md): a failing
# assertion fails with its message and exit 1; a Lua error in a test file is
# reported with file:line, counted, and the other files still run; a missing
# path exits 2; one seed gives the same numbers; simulate{} agrees with
# `vitae run` on the same seed and modules (counts from the database).
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir module_tests)

# a passing file and a failing one in one folder
mkdir -p "$W/suite"
cat > "$W/suite/test_pass.lua" <<'LUA'
expect("true holds", true)
expect_near("near", 0.101, 0.1, 0.01)
LUA
cat > "$W/suite/test_fail.lua" <<'LUA'
expect_between("share in band", 0.3, 0.1, 0.2)
expect_near("close enough", 5, 3, 1)
LUA
vitae test "$W/suite"
check_status "a failing assertion exits 1" 1 "$rc"
check_grep "the failing assertion's line names file and assertion" "not ok - $W/suite/test_fail.lua: share in band" "$E2E_OUT"
check_grep "the message shows got and expected" "#   expect_between: got 0.3, expected between 0.1 and 0.2" "$E2E_OUT"
check_grep "expect_near says how far off" "#   expect_near: got 5, expected 3 +/- 1 (off by 2)" "$E2E_OUT"
check_grep "the passing file still runs" "ok - $W/suite/test_pass.lua: near" "$E2E_OUT"
check_grep "a summary line" "# 2 passed, 2 failed in 2 files" "$E2E_OUT"

# a Lua error: reported with file:line, counted, the next file runs
mkdir -p "$W/err"
cat > "$W/err/test_a_error.lua" <<'LUA'
expect("before the error", true)
local t = nil
local x = t.field
LUA
cat > "$W/err/test_b_after.lua" <<'LUA'
expect("a later file runs", true)
LUA
vitae test "$W/err"
check_status "a Lua error in a test file exits 1" 1 "$rc"
check_grep "the error is a failure" "not ok - $W/err/test_a_error.lua: the test file ran to its end" "$E2E_OUT"
check_grep "the error names file:line" "#   $W/err/test_a_error.lua:3: attempt to index a nil value" "$E2E_OUT"
check_grep "the next file still runs" "ok - $W/err/test_b_after.lua: a later file runs" "$E2E_OUT"
cat > "$W/err/bad_sim.lua" <<'LUA'
local c = simulate { modules = "modules/asthma.lua", patients = 10, seeed = 1 }
LUA
vitae test "$W/err/bad_sim.lua"
check_status "a bad simulate option exits 1" 1 "$rc"
check_grep "the bad option is named at its line" "bad_sim.lua:1: simulate: unknown option \"seeed\"" "$E2E_OUT"
cat > "$W/err/bad_code.lua" <<'LUA'
local c = simulate { modules = "modules/asthma.lua", patients = 10 }
expect("typo", c:prevalence("SNOMED-CT:19596700") == 0)
LUA
vitae test "$W/err/bad_code.lua"
check_grep "a code no module records is an error, not a zero" "bad_code.lua:2: prevalence: no module of this cohort records code SNOMED-CT:19596700" "$E2E_OUT"
printf 'return 1\n' > "$W/err/test_none.lua"
vitae test "$W/err/test_none.lua"
check_status "a file with no assertion fails" 1 "$rc"

# missing paths and usage
vitae test "$W/nope.lua"
check_status "a missing file exits 2" 2 "$rc"
check_grep "a missing file is named" "nope.lua: No such file or directory" "$E2E_ERR"
mkdir -p "$W/empty"
vitae test "$W/empty"
check_status "a folder without test files exits 2" 2 "$rc"
vitae test
check_status "no path exits 2" 2 "$rc"

# the same seed gives the same numbers; another seed other numbers
cat > "$W/numbers.lua" <<'LUA'
local c = simulate { modules = { "modules/asthma.lua", "modules/appendicitis.lua" }, patients = 400, seed = 9 }
local a = c:onset_ages("233678006")
print("numbers", c:prevalence("74400008"), c:count("233678006"), #a, a[1], c:deaths())
local d = simulate { modules = { "modules/asthma.lua", "modules/appendicitis.lua" }, patients = 400, seed = 10 }
print("other", d:prevalence("74400008"), d:count("233678006"), d:deaths())
expect("ran", true)
LUA
vitae test "$W/numbers.lua"; grep '^# numbers' "$E2E_OUT" > "$W/n1"; grep '^# other' "$E2E_OUT" > "$W/o1"
vitae test "$W/numbers.lua"; grep '^# numbers' "$E2E_OUT" > "$W/n2"
check_eq "one seed, the same numbers" "$(cat "$W/n1")" "$(cat "$W/n2")"
if [ -s "$W/n1" ] && [ "$(cut -f2- "$W/n1")" != "$(cut -f2- "$W/o1")" ]; then ok "another seed, other numbers"
else notok "another seed, other numbers" "$(cat "$W/n1" "$W/o1")"; fi

# simulate agrees with vitae run (same seed, modules, reference date)
if need_sqlite3 "simulate agrees with vitae run"; then
  vitae run -q -p 600 -s 21 --threads 2 --reference-date 2025-01-01 -m modules/asthma.lua modules/appendicitis.lua \
    -o "$W/agree.db"
  check_status "vitae run exits 0" 0 "$rc"
  DB="$W/agree.db"
  app=$(sql "$DB" "SELECT count(DISTINCT patient) FROM conditions WHERE code = '74400008'")
  apprecs=$(sql "$DB" "SELECT count(*) FROM conditions WHERE code = '74400008'")
  child=$(sql "$DB" "SELECT count(DISTINCT patient) FROM conditions WHERE code = '233678006'")
  alb=$(sql "$DB" "SELECT count(DISTINCT patient) FROM medications WHERE code = '745679'")
  dead=$(sql "$DB" "SELECT count(*) FROM patients WHERE deathdate IS NOT NULL")
  males=$(sql "$DB" "SELECT count(*) FROM patients WHERE gender = 'M'")
  ent=$(sql "$DB" "SELECT patients FROM module_states WHERE module = 'Asthma' AND state = 'Remission_Check'")
  first=$(sql "$DB" "SELECT min(start) FROM conditions WHERE code = '233678006'")
  cat > "$W/agree.lua" <<LUA
local c = simulate { modules = { "modules/asthma.lua", "modules/appendicitis.lua" }, patients = 600, seed = 21 }
local n, recs = c:count("SNOMED-CT:74400008", "conditions")
expect_same("appendicitis patients as in the database", n, $app)
expect_same("appendicitis records as in the database", recs, $apprecs)
expect_near("appendicitis prevalence as in the database", c:prevalence("74400008"), $app / 600, 1e-12)
expect_same("childhood asthma patients as in the database", c:count("233678006"), $child)
expect_same("albuterol patients as in the database", c:count("RxNorm:745679", "medications"), $alb)
expect_same("deaths as in the database", c:deaths(), $dead)
local males, first = 0, nil
for _, p in ipairs(c:patients()) do
  if p.sex == "M" then males = males + 1 end
  local e = p.codes["SNOMED-CT:233678006"]
  if e and (first == nil or e.first < first) then first = e.first end
end
expect_same("males as in the database", males, $males)
expect_same("first childhood asthma date as in the database", first, string.sub("$first", 1, 10))
local _, k = c:entered("Asthma", "Remission_Check")
expect_same("patients entering Remission_Check as module_states says", k, ${ent:-0})
LUA
  vitae test "$W/agree.lua"
  check_status "simulate agrees with vitae run" 0 "$rc"
  if [ "$rc" -ne 0 ]; then notok "agreement details" "$(grep -A2 '^not ok' "$E2E_OUT")"; fi
fi
finish
