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

rm -rf "$W"
finish
