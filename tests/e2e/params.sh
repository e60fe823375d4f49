# params.sh -- --params FILE overrides param("name", default) in a module:
# it changes the output; an unused name is a warning; a value of the wrong
# kind stops the run with an error naming the parameter.
# Fixture: tests/fixtures/e2e/param_chance.lua records a condition at birth
# with probability param("e2e.chance", 0.0).
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir params)
MOD="$E2E_FIXTURES/param_chance.lua"
N=200
need_sqlite3 "params" || finish

# run_params NAME [PARAMS_FILE]: run the fixture module into $W/NAME.db.
run_params() {
  _db="$W/$1.db"; rm -f "$_db"
  if [ -n "$2" ]; then vitae run -p $N -s 11 -m "$MOD" --params "$2" -o "$_db" -q
  else vitae run -p $N -s 11 -m "$MOD" -o "$_db" -q; fi
}
# rows DB: condition rows of the fixture, then patients having one.
rows() { sql "$1" "SELECT count(*), count(DISTINCT patient) FROM conditions WHERE code = '271737000'"; }

run_params default
check_status "no params file: exits 0" 0 "$rc"
check_eq "no params file: the default 0.0 gives no rows" "0|0" "$(rows "$W/default.db")"

run_params zero "$E2E_FIXTURES/params_zero.yaml"
check_status "e2e.chance 0.0: exits 0" 0 "$rc"
check_eq "e2e.chance 0.0: no rows" "0|0" "$(rows "$W/zero.db")"

run_params one "$E2E_FIXTURES/params_one.yaml"
check_status "e2e.chance 1.0: exits 0" 0 "$rc"
check_eq "e2e.chance 1.0: one row for every patient" "$N|$N" "$(rows "$W/one.db")"
check_zero "e2e.chance 1.0: the rows carry the module's provenance" "$W/one.db" \
  "SELECT count(*) FROM conditions WHERE code = '271737000' AND (module IS NOT 'E2EParamChance' OR state IS NOT 'Onset')"
hash=$(sql "$W/one.db" "SELECT value FROM run_info WHERE key = 'params_hash'")
if printf '%s' "$hash" | grep -Eq '^[0-9a-f]{16}$'; then ok "run_info records the params hash ($hash)"
else notok "run_info records the params hash" "got '$hash'"; fi
pf=$(sql "$W/one.db" "SELECT value FROM run_info WHERE key = 'params_file'")
case $pf in
  *params_one.yaml) ok "run_info records the params file" ;;
  *) notok "run_info records the params file" "got '$pf'" ;;
esac

# A value in between: roughly that share of patients.
printf 'params:\n  e2e.chance: 0.5\n' > "$W/half.yaml"
run_params half "$W/half.yaml"
check_status "e2e.chance 0.5: exits 0" 0 "$rc"
n=$(sql "$W/half.db" "SELECT count(DISTINCT patient) FROM conditions WHERE code = '271737000'")
check_between "e2e.chance 0.5: about half the patients" 70 130 "$n"

# An unknown name: a warning naming it, and the run goes on.
run_params unknown "$E2E_FIXTURES/params_unknown.yaml"
check_status "an unused parameter name: exits 0" 0 "$rc"
check_grep "an unused parameter name: warning on stderr" "warning" "$E2E_ERR"
check_grep "an unused parameter name: the name is given" "e2e.no_such_param" "$E2E_ERR"
check_grep "an unused parameter name: file:line given" "params_unknown.yaml:4" "$E2E_ERR"
check_eq "an unused parameter name: the known one still applies" "$N|$N" "$(rows "$W/unknown.db")"

# A string where the default is a number: an error naming the parameter.
run_params wrong "$E2E_FIXTURES/params_wrong_type.yaml"
if [ "$rc" -ne 0 ]; then ok "a wrong-kind value fails (status $rc)"; else notok "a wrong-kind value fails" "status 0"; fi
check_status "a wrong-kind value: exit status 2 (bad params)" 2 "$rc"
check_grep "a wrong-kind value: the parameter named" "e2e.chance" "$E2E_ERR"
check_grep "a wrong-kind value: the params file named" "params_wrong_type.yaml" "$E2E_ERR"
check_no_file "a wrong-kind value: no database" "$W/wrong.db"
check_no_partial "a wrong-kind value: no partial file" "$W/wrong.db"

# Malformed params files: status 2, file:line named.
printf 'params:\n  e2e.chance: [1, 2\n' > "$W/malformed.yaml"
run_params malformed "$W/malformed.yaml"
check_status "a malformed params file exits 2" 2 "$rc"
if grep -Eq "malformed.yaml:[0-9]+" "$E2E_ERR"; then ok "a malformed params file: file:line named"
else notok "a malformed params file: file:line named" "$(cat "$E2E_ERR")"; fi
check_no_file "a malformed params file: no database" "$W/malformed.db"

run_params missing "$W/no_such_params.yaml"
check_status "a missing params file exits 2" 2 "$rc"
check_grep "a missing params file: the file named" "no_such_params.yaml" "$E2E_ERR"

# ---- listing params (vitae params) and GMF implicit params ------------------
# Fixtures: tests/fixtures/params_list/lua_function.lua (params at load and
# inside functions), gmf_branch.json (GMF branches: Initial goes to
# "Onset A" 0.2 (SNOMED 271737000), "Onset.B" 0.3 (195967001), "Onset A"
# again 0.1, Check 0.4).
PL="tests/fixtures/params_list"
GMF="$PL/gmf_branch.json"
A="gmf.gmf_branch.Initial.Onset%20A"
B="gmf.gmf_branch.Initial.Onset%2EB"

if have_default_modules; then
  vitae params
  check_status "vitae params (default set): exits 0" 0 "$rc"
  n=$(grep -vc '^#' "$E2E_OUT")
  check_eq "vitae params: the default set declares 175 params" 175 "$n"
  check_grep "vitae params: name, default, where, module, file:line" \
    "appendicitis.perforated	0.25	load	appendicitis	modules/appendicitis.lua:30" "$E2E_OUT"
  vitae params --json modules
  check_status "vitae params --json: exits 0" 0 "$rc"
  check_eq "vitae params --json: 175 entries" 175 "$(jq '.params | length' "$E2E_OUT" 2>&1)"
else
  notok "vitae params (default set)" "modules/ is missing"
fi

vitae params "$PL"
check_status "vitae params on the fixtures: exits 0" 0 "$rc"
check_grep "a param inside a function is listed" "fx.fn.child	0.1	function	lua_function	$PL/lua_function.lua:11" "$E2E_OUT"
check_grep "a GMF branch is an implicit param" "$A	0.2	gmf	gmf_branch	$GMF:5" "$E2E_OUT"
check_grep "a second branch to the same target gets #2" "$A#2	0.1	gmf	" "$E2E_OUT"
check_grep "the last branch is marked as the remainder" "gmf.gmf_branch.Initial.Check	0.4	gmf-remainder	" "$E2E_OUT"
check_grep "a complex transition's branches name their option" "gmf.gmf_branch.Check.option1.Onset%20A	0.6	gmf	" "$E2E_OUT"
check_grep "a name built at run time is a note on stderr" "lua_function.lua:16: a param() whose name is built" "$E2E_ERR"
vitae params --bogus
check_status "vitae params --bogus: exits 2" 2 "$rc"

# run_gmf NAME PARAMS_TEXT: run the GMF fixture with those params into $W/NAME.db.
run_gmf() {
  printf 'params:\n%s' "$2" > "$W/$1.yaml"
  rm -f "$W/$1.db"
  vitae run -p $N -s 5 -m "$GMF" --params "$W/$1.yaml" -o "$W/$1.db" -q
}
# share DB CODE: patients with a condition of that code.
share() { sql "$1" "SELECT count(DISTINCT patient) FROM conditions WHERE code = '$2'"; }

rm -f "$W/gdefault.db"
vitae run -p $N -s 5 -m "$GMF" -o "$W/gdefault.db" -q
check_status "GMF fixture with defaults: exits 0" 0 "$rc"
a=$(share "$W/gdefault.db" 271737000); b=$(share "$W/gdefault.db" 195967001)
check_between "GMF defaults: some patients take Onset A" 1 $((N - 1)) "$a"
check_between "GMF defaults: some patients take Onset.B" 1 $((N - 1)) "$b"

run_gmf gA "  $A: 1.0
  $B: 0
  $A#2: 0
"
check_status "--params $A 1.0: exits 0" 0 "$rc"
check_eq "--params $A 1.0: every patient takes Onset A" "$N" "$(share "$W/gA.db" 271737000)"
check_eq "--params $A 1.0: no patient takes Onset.B" 0 "$(share "$W/gA.db" 195967001)"
if grep -q "not used by any loaded module" "$E2E_ERR"; then notok "implicit names are used names" "$(cat "$E2E_ERR")"
else ok "implicit names are used names (no warning)"; fi

run_gmf gB "  $A: 0
  $B: 1
  $A#2: 0
"
check_eq "--params $B 1.0: every patient takes Onset.B" "$N" "$(share "$W/gB.db" 195967001)"
check_eq "--params $B 1.0: no patient takes Onset A" 0 "$(share "$W/gB.db" 271737000)"

run_gmf gbad "  $A: 1.5
"
check_status "a branch probability of 1.5: exits 2" 2 "$rc"
check_grep "a branch probability of 1.5: the param named" "$A" "$E2E_ERR"
check_grep "a branch probability of 1.5: the state named" "state 'Initial'" "$E2E_ERR"
check_no_file "a branch probability of 1.5: no database" "$W/gbad.db"

run_gmf gsum "  $A: 0.9
"
check_status "branches over 1: exits 2" 2 "$rc"
check_grep "branches over 1: the sum named" "add up to 1.3, over 1" "$E2E_ERR"
check_grep "branches over 1: the state named" "gmf_branch.json:5: state 'Initial'" "$E2E_ERR"

run_gmf gtext "  $A: often
"
check_status "a text branch probability: exits 2" 2 "$rc"
check_grep "a text branch probability: the param named" "param '$A'" "$E2E_ERR"

if [ -n "$VITAE_SHARED" ] && [ -d "$VITAE_SHARED/synthea/modules" ]; then
  vitae params --json "$VITAE_SHARED/synthea/modules"
  check_status "vitae params on Synthea's corpus: exits 0" 0 "$rc"
  total=$(jq '.params | length' "$E2E_OUT"); uniq=$(jq '[.params[].name] | unique | length' "$E2E_OUT")
  check_between "Synthea's corpus: implicit params listed" 1000 100000 "$total"
  check_eq "Synthea's corpus: every implicit name is unique" "$total" "$uniq"
  echo "# Synthea corpus: $total implicit params, $(jq '[.params[] | select(.where == "gmf-remainder")] | length' "$E2E_OUT") of them remainders"
else
  skip "vitae params on Synthea's corpus" "VITAE_SHARED/synthea/modules is not there"
fi

rm -rf "$W"
finish
