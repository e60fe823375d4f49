#!/bin/sh
# compat.sh -- `vitae compat`: on a small corpus built here (a good module
# calling a submodule, one that fails to load, one that fails at run time, a
# module whose submodule fails at run time, a submodule nobody calls, one
# that calls a missing submodule) the table has the right row for each, the
# totals, exit status 1, the same text in -o FILE, the database with --keep
# and nothing left in TMPDIR; a corpus without faults exits 0; usage errors
# exit 2.  With ../shared, Synthea's test modules and its whole corpus (few
# patients) give one row per module file.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir compat)
C="$W/corpus"
mkdir -p "$C/sub" "$W/tmp"

cat > "$C/good.lua" <<'EOF'
-- calls sub/helper; the state Unreached is never entered
return {
  name = "CompatGood",
  states = {
    Initial = { type = "Initial", direct_transition = "Visit" },
    Visit = { type = "Encounter", encounter_class = "ambulatory",
      codes = { { system = "SNOMED-CT", code = "185345009", display = "Encounter for symptom" } },
      direct_transition = "Onset" },
    Onset = { type = "ConditionOnset",
      codes = { { system = "SNOMED-CT", code = "65363002", display = "Otitis media" } },
      direct_transition = "Help" },
    Help = { type = "CallSubmodule", submodule = "sub/helper", direct_transition = "End" },
    End = { type = "EncounterEnd", direct_transition = "Never" },
    Never = { type = "Simple", conditional_transition = {
      { condition = { condition_type = "Age", operator = ">", quantity = 500, unit = "years" },
        transition = "Unreached" },
      { transition = "Terminal" } } },
    Unreached = { type = "Simple", direct_transition = "Terminal" },
    Terminal = { type = "Terminal" },
  },
}
EOF
cat > "$C/sub/helper.lua" <<'EOF'
-- one observation per patient
return {
  name = "CompatHelper",
  states = {
    Initial = { type = "Initial", direct_transition = "Obs" },
    Obs = { type = "Observation", codes = { { system = "LOINC", code = "8310-5", display = "Body temperature" } },
      unit = "Cel", range = { low = 37.5, high = 39.5 }, category = "vital-signs", direct_transition = "Terminal" },
    Terminal = { type = "Terminal" },
  },
}
EOF
cat > "$C/broken.lua" <<'EOF'
return {
  name = "CompatBroken",
  states = {
    Initial = { type = "Initial", direct_transition = "Nowhere" },
    Terminal = { type = "Terminal" },
  },
}
EOF
cat > "$C/crashy.lua" <<'EOF'
return {
  name = "CompatCrashy",
  states = {
    Initial = { type = "Initial", direct_transition = "Check" },
    Check = { type = "Simple", conditional_transition = {
      { condition = function(p) error("fails on purpose") end, transition = "Terminal" },
      { transition = "Terminal" } } },
    Terminal = { type = "Terminal" },
  },
}
EOF
cat > "$C/caller.lua" <<'EOF'
return {
  name = "CompatCaller",
  states = {
    Initial = { type = "Initial", direct_transition = "Call" },
    Call = { type = "CallSubmodule", submodule = "sub/fails_at_run", direct_transition = "Terminal" },
    Terminal = { type = "Terminal" },
  },
}
EOF
cat > "$C/sub/fails_at_run.lua" <<'EOF'
return {
  name = "CompatFailsAtRun",
  states = {
    Initial = { type = "Initial", direct_transition = "Boom" },
    Boom = { type = "SetAttribute", attribute = "x", value = function(p) return nil + 1 end,
      direct_transition = "Terminal" },
    Terminal = { type = "Terminal" },
  },
}
EOF
cat > "$C/sub/orphan.lua" <<'EOF'
return { name = "CompatOrphan", states = {
  Initial = { type = "Initial", direct_transition = "Terminal" }, Terminal = { type = "Terminal" } } }
EOF
cat > "$C/sub/calls_missing.lua" <<'EOF'
return { name = "CompatCallsMissing", states = {
  Initial = { type = "Initial", direct_transition = "Call" },
  Call = { type = "CallSubmodule", submodule = "sub/not_there", direct_transition = "Terminal" },
  Terminal = { type = "Terminal" } } }
EOF

# row FILE: the table row of a module file.
row() { grep -F "| $1 |" "$W/out.md" | head -1; }
# cellof FILE N: its Nth column (1 = module), trimmed.
cellof() { row "$1" | awk -v n="$2" '{ sub(/^[|] /, ""); sub(/ [|]$/, ""); split($0, f, / [|] /); print f[n] }'; }

TMPDIR="$W/tmp" "$VITAE" compat "$C" -p 20 -s 3 --threads 2 -o "$W/report.md" --keep "$W/keep.db" \
  > "$W/out.md" 2> "$W/err.txt"
rc=$?
check_status "a corpus with faulty modules: exit status 1" 1 "$rc"
if [ -s "$W/report.md" ] && cmp -s "$W/out.md" "$W/report.md"; then ok "-o FILE holds the report printed"
else notok "-o FILE holds the report printed" "$(diff "$W/out.md" "$W/report.md" | head -5)"; fi
check_no_partial "-o leaves no partial file" "$W/report.md"
check_eq "one table row per module file (8) and the totals" 9 "$(grep -c '^| .* | .* | .* | .* | .* |$' "$W/out.md" | awk '{ print $1 - 1 }')"

check_eq "good.lua loads" yes "$(cellof good.lua 2)"
check_eq "good.lua runs" yes "$(cellof good.lua 3)"
check_eq "good.lua: 7 of its 8 states visited" "7/8 (88%)" "$(cellof good.lua 4)"
check_between "good.lua: an encounter and a condition per patient" 40 1000 "$(cellof good.lua 5)"
check_eq "sub/helper.lua runs" yes "$(cellof sub/helper.lua 3)"
check_eq "sub/helper.lua: all 3 states visited" "3/3 (100%)" "$(cellof sub/helper.lua 4)"
check_eq "sub/helper.lua: one observation per patient, counted for the submodule" 20 "$(cellof sub/helper.lua 5)"

case $(cellof broken.lua 2) in *Nowhere*) ok "broken.lua: the load error names the missing state" ;;
  *) notok "broken.lua: the load error names the missing state" "$(row broken.lua)" ;; esac
check_eq "broken.lua: not run" "- - -" "$(cellof broken.lua 3) $(cellof broken.lua 4) $(cellof broken.lua 5)"

check_eq "crashy.lua loads" yes "$(cellof crashy.lua 2)"
case $(cellof crashy.lua 3) in *"state 'Check'"*"crashy.lua:6"*"fails on purpose"*) ok "crashy.lua: the run-time error names state, line and message" ;;
  *) notok "crashy.lua: the run-time error names state, line and message" "$(row crashy.lua)" ;; esac

case $(cellof sub/fails_at_run.lua 3) in *"state 'Boom'"*) ok "a submodule failing at run time: its row names the state" ;;
  *) notok "a submodule failing at run time: its row names the state" "$(row sub/fails_at_run.lua)" ;; esac
case $(cellof caller.lua 3) in *dropped*sub/fails_at_run.lua*) ok "its caller is dropped, naming the submodule" ;;
  *) notok "its caller is dropped, naming the submodule" "$(row caller.lua)" ;; esac

check_eq "a submodule nobody calls" "yes|not called|0/2 (0%)" \
  "$(cellof sub/orphan.lua 2)|$(cellof sub/orphan.lua 3)|$(cellof sub/orphan.lua 4)"
case $(cellof sub/calls_missing.lua 2) in *"sub/not_there"*"not found"*) ok "a submodule calling a missing submodule does not load" ;;
  *) notok "a submodule calling a missing submodule does not load" "$(row sub/calls_missing.lua)" ;; esac

check_grep "the totals row: 6 of 8 load, 2 of 5 run, 1 not called" \
  "| **total: 8 files** | **6/8** | **2/5, 1 not called** | **10/13 (77%)** |" "$W/out.md"
check_grep "three attempts: two failures found at run time" "3 attempts" "$W/out.md"

if need_sqlite3 "the kept database"; then
  check_eq "--keep DB: module_states of the last run (good + helper)" "8|3" \
    "$(sql "$W/keep.db" "SELECT (SELECT count(*) FROM module_states WHERE module = 'CompatGood'),
                                (SELECT count(*) FROM module_states WHERE module = 'CompatHelper')")"
fi
check_eq "nothing left in TMPDIR" "" "$(ls -A "$W/tmp")"

# Without the faulty modules: exit 0, the temporary database removed.
mkdir -p "$W/clean/sub"
cp "$C/good.lua" "$W/clean/" && cp "$C/sub/helper.lua" "$W/clean/sub/"
TMPDIR="$W/tmp" "$VITAE" compat "$W/clean" -p 5 -q > "$W/clean.md" 2> "$W/clean.err"
check_status "a corpus that loads and runs: exit status 0" 0 "$?"
check_grep "its totals row" "| **total: 2 files** | **2/2** | **2/2** |" "$W/clean.md"
check_eq "no temporary database left" "" "$(ls -A "$W/tmp")"

# A single file: a top-level module whose submodule is beside it.
"$VITAE" compat "$W/clean/good.lua" -p 5 -q > "$W/single.md" 2>&1
check_status "a single module file: exit status 0" 0 "$?"
check_grep "a single module file: its submodule gets a row" "| sub/helper.lua | yes | yes |" "$W/single.md"

# Usage errors: exit 2, nothing run.
"$VITAE" compat > /dev/null 2>&1; check_status "no PATH: exit status 2" 2 "$?"
"$VITAE" compat "$C" -p 0 > /dev/null 2>&1; check_status "-p 0: exit status 2" 2 "$?"
"$VITAE" compat "$C" --no-such-flag > /dev/null 2>&1; check_status "an unknown option: exit status 2" 2 "$?"
"$VITAE" compat "$W/missing" > /dev/null 2>&1; check_status "a missing folder: exit status 2" 2 "$?"
"$VITAE" compat "$C" -o "$W/no/such/dir/r.md" > /dev/null 2>&1; check_status "-o in a missing folder: exit status 2" 2 "$?"
"$VITAE" compat --help > "$W/help.txt" 2>&1; check_status "--help: exit status 0" 0 "$?"
check_grep "--help describes --keep" "--keep DB" "$W/help.txt"

# Synthea's corpora, when ../shared is there: one row per module file.
VITAE_SHARED=${VITAE_SHARED:-$VITAE_ROOT/../shared}
TM="$VITAE_SHARED/synthea/test-modules"
if [ -d "$TM" ]; then
  "$VITAE" compat "$TM" -p 20 -q > "$W/tm.md" 2> "$W/tm.err"
  trc=$?
  if [ "$trc" -le 1 ]; then ok "Synthea's test modules: compat finishes (status $trc)"
  else notok "Synthea's test modules: compat finishes" "status $trc" "$(tail -3 "$W/tm.err")"; fi
  n=$(find "$TM" \( -name '*.json' -o -name '*.lua' \) | wc -l | tr -d ' ')
  check_grep "Synthea's test modules: $n files in the totals row" "| **total: $n files** |" "$W/tm.md"
  check_grep "Synthea's test modules: a plain module loads and runs" "| direct_transition.json | yes | yes |" "$W/tm.md"
else
  skip "Synthea's test modules" "not found at $TM"
fi
CORPUS="$VITAE_SHARED/synthea/modules"
if [ -d "$CORPUS" ]; then
  "$VITAE" compat "$CORPUS" -p 20 -q --timeout 300 > "$W/corpus.md" 2> "$W/corpus.err"
  crc=$?
  if [ "$crc" -le 1 ]; then ok "Synthea's corpus (20 patients): compat finishes (status $crc)"
  else notok "Synthea's corpus (20 patients): compat finishes" "status $crc" "$(tail -3 "$W/corpus.err")"; fi
  n=$(find "$CORPUS" \( -name '*.json' -o -name '*.lua' \) | wc -l | tr -d ' ')
  check_grep "Synthea's corpus: $n files in the totals row" "| **total: $n files** |" "$W/corpus.md"
  check_grep "Synthea's corpus: appendicitis.json loads" "| appendicitis.json | yes |" "$W/corpus.md"
else
  skip "Synthea's corpus" "not found at $CORPUS"
fi

rm -rf "$W"
finish
