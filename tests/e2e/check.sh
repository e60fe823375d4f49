# check.sh -- `vitae check` (docs/check.md): each deliberately broken module
# of tests/fixtures/check/ gives exactly the messages of its .expected file
# (file, line, error or warning, text, then the summary line) and exits 1
# when they hold an error, 0 otherwise; every module in modules/ passes with
# no error and no warning; every file of Synthea's corpus passes with no
# error; bad usage exits 2.  It feeds untrusted input to the loader, so it
# runs under the sanitizers too (SAN_E2E).
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir check)
FIX="$VITAE_ROOT/tests/fixtures/check"

# Every fixture: a module file or a folder of modules, with NAME.expected.
n=0
for exp in "$FIX"/*.expected; do
  name=$(basename "$exp" .expected)
  if [ -d "$FIX/$name" ]; then target=$name
  elif [ -f "$FIX/$name.lua" ]; then target=$name.lua
  elif [ -f "$FIX/$name.json" ]; then target=$name.json
  else notok "fixture $name: no module beside $name.expected"; continue; fi
  (cd "$FIX" && "$VITAE" check "$target") > "$W/$name.out" 2> "$W/$name.err"
  st=$?
  want=0
  grep -q ': error: ' "$exp" && want=1
  check_status "check $target: exits $want" "$want" "$st"
  if cmp -s "$exp" "$W/$name.out"; then ok "check $target: the expected messages"
  else notok "check $target: the expected messages" "$(diff "$exp" "$W/$name.out" | head -20)"; fi
  n=$((n + 1))
done
[ "$n" -ge 15 ] && ok "found the $n fixtures" || notok "found the fixtures" "only $n in $FIX"

# -q: errors only, the summary still counts the warnings
(cd "$FIX" && "$VITAE" check -q ranges.json) > "$W/q.out" 2>&1
check_status "-q: exits 1 on an error" 1 "$?"
check_eq "-q: the error and the summary, no warning" \
  "ranges.json:5: error: state 'Wait': delay range has low 10 above high 2
1 file: 1 error, 1 warning" "$(cat "$W/q.out")"

# --json
(cd "$FIX" && "$VITAE" check --json codes.json) > "$W/json.out" 2>&1
check_status "--json: exits 0 with warnings only" 0 "$?"
check_grep "--json: the counts" '{"files": 1, "errors": 0, "warnings": 2, "messages": [' "$W/json.out"
check_grep "--json: a message" '{"file": "codes.json", "line": 5, "severity": "warning", "message": "state '"'Onset'"': SNOMED-CT code' "$W/json.out"

# Several paths at once: messages of both, sorted by file
(cd "$FIX" && "$VITAE" check unreachable.lua codes.json) > "$W/two.out" 2>&1
check_eq "two files: sorted by file, one summary" "codes.json
codes.json
unreachable.lua" "$(sed '$d; s/:.*//' "$W/two.out")"
check_eq "two files: the summary counts both" "2 files: 0 errors, 3 warnings" "$(tail -1 "$W/two.out")"

# The default modules: no error, no warning
if have_default_modules; then
  vitae check modules
  check_status "modules/: exits 0" 0 "$rc"
  check_eq "modules/: no error and no warning" "0 errors, 0 warnings" "$(tail -1 "$E2E_OUT" | sed 's/^[0-9]* files*: //')"
  check_eq "modules/: nothing but the summary" 1 "$(wc -l < "$E2E_OUT" | tr -d ' ')"
else
  notok "modules/: no module found in $VITAE_ROOT/modules"
fi

# Synthea's corpus: no error (warnings are findings, docs/check.md)
CORPUS="$VITAE_SHARED/synthea/modules"
if [ -n "$VITAE_SHARED" ] && [ -d "$CORPUS" ]; then
  vitae check "$CORPUS"
  check_status "Synthea's corpus: exits 0" 0 "$rc"
  check_grep "Synthea's corpus: every file read, no error" "242 files: 0 errors," "$E2E_OUT"
  check_grep "Synthea's corpus: a finding (a placeholder LOINC code)" "LOINC code 'X9999-0'" "$E2E_OUT"
else
  skip "Synthea's corpus" "VITAE_SHARED is unset or has no synthea/modules (${VITAE_SHARED:-unset})"
fi

# Usage errors exit 2
vitae check
check_status "no path: exits 2" 2 "$rc"
check_grep "no path: says so" "no module file or folder given" "$E2E_ERR"
vitae check "$W/no_such_module.lua"
check_status "a path that does not exist: exits 2" 2 "$rc"
check_grep "a path that does not exist: names it" "no_such_module.lua: No such file or directory" "$E2E_ERR"
echo "not a module" > "$W/notes.txt"
vitae check "$W/notes.txt"
check_status "a file that is not a module: exits 2" 2 "$rc"
vitae check --bogus modules
check_status "an unknown option: exits 2" 2 "$rc"

finish
