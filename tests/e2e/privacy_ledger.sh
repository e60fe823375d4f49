# privacy_ledger.sh -- `vitae run --params FILE` with a privacy_ledger
# (schemas/params.md, written by vitae learn) copies it into the cohort:
# native privacy_ledger rows (one per measurement and a total), OMOP
# metadata rows (privacy_*).  A file without a ledger leaves the table
# empty; a malformed ledger is refused with FILE:LINE, exit 2, nothing
# written.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir privacy_ledger)
MOD="$E2E_FIXTURES/param_chance.lua"
need_sqlite3 "privacy_ledger" || finish

cat > "$W/fitted.yaml" <<'YAML'
params:
  e2e.chance: 1.0
privacy_ledger:
  mechanism: discrete_gaussian
  unit: patient
  epsilon: 1
  delta: 9.9999999999999995e-07
  rho_budget: 0.024355970335
  rho: 0.0243
  measurements:
    - {name: "demog", sensitivity: 2, sigma: 40.5, rho: 0.0012, epsilon: 0.24}
    - {name: "onset", sensitivity: 4, sigma: 28.6, rho: 0.0195}
dp_summary:
  - {name: "sex/F", value: 1203, sigma: 40.5}
  - {name: "onset/SNOMED-CT:271737000/F/00-04", value: -3, sigma: 28.6}
YAML

vitae run -p 20 -s 3 -m "$MOD" --params "$W/fitted.yaml" -o "$W/native.db" -q
check_status "native run with a ledger: exits 0" 0 "$rc"
check_eq "native: one privacy_ledger row per measurement and a total" "3" \
  "$(sql "$W/native.db" "SELECT count(*) FROM privacy_ledger")"
check_eq "native: the measurements' name, mechanism, sensitivity, sigma, rho, epsilon, delta" \
  "demog|discrete_gaussian|2.0|40.5|0.0012|0.24|1.0e-06
onset|discrete_gaussian|4.0|28.6|0.0195||1.0e-06" \
  "$(sql "$W/native.db" "SELECT measurement, mechanism, sensitivity, sigma, rho, epsilon, delta FROM privacy_ledger WHERE measurement <> 'total' ORDER BY rowid")"
check_eq "native: the total row holds the budget" "0.0243|1.0|1.0e-06" \
  "$(sql "$W/native.db" "SELECT rho, epsilon, delta FROM privacy_ledger WHERE measurement = 'total'")"
check_zero "native: every row names the params file" "$W/native.db" \
  "SELECT count(*) FROM privacy_ledger WHERE params_file IS NOT '$W/fitted.yaml'"

vitae run -p 20 -s 3 -m "$MOD" --params "$W/fitted.yaml" --format omop -o "$W/omop.db" -q
check_status "OMOP run with a ledger: exits 0" 0 "$rc"
check_eq "OMOP: metadata privacy rows" "privacy_delta|9.9999999999999995e-07
privacy_epsilon|1
privacy_mechanism|discrete_gaussian
privacy_rho|0.024299999999999999" \
  "$(sql "$W/omop.db" "SELECT name, value_as_string FROM metadata WHERE name LIKE 'privacy%' AND name <> 'privacy_ledger' ORDER BY name")"
check_eq "OMOP: the ledger row lists the measurements" "2" \
  "$(sql "$W/omop.db" "SELECT length(value_as_string) - length(replace(value_as_string, char(10), '')) FROM metadata WHERE name = 'privacy_ledger'")"
check_grep "OMOP: the ledger row names onset with its sigma" "onset	4	28.600000000000001	0.0195" \
  "$(sql "$W/omop.db" "SELECT value_as_string FROM metadata WHERE name = 'privacy_ledger'" > "$W/ledger.txt"; echo "$W/ledger.txt")"

vitae run -p 20 -s 3 -m "$MOD" --params "$E2E_FIXTURES/params_one.yaml" -o "$W/plain.db" -q
check_status "a params file without a ledger: exits 0" 0 "$rc"
check_zero "without a ledger: privacy_ledger is empty" "$W/plain.db" "SELECT count(*) FROM privacy_ledger"
vitae run -p 20 -s 3 -m "$MOD" --params "$E2E_FIXTURES/params_one.yaml" --format omop -o "$W/plain_omop.db" -q
check_zero "without a ledger: no OMOP privacy metadata" "$W/plain_omop.db" \
  "SELECT count(*) FROM metadata WHERE name LIKE 'privacy%'"

sed 's/sigma: 28.6, rho: 0.0195/rho: 0.0195/' "$W/fitted.yaml" > "$W/bad.yaml"
vitae run -p 20 -s 3 -m "$MOD" --params "$W/bad.yaml" -o "$W/bad.db" -q
check_status "a measurement without sigma: exit 2" 2 "$rc"
check_grep "the error names the file and line" "$W/bad.yaml:12:" "$E2E_ERR"
check_no_file "nothing written" "$W/bad.db"

rm -rf "$W"
finish
