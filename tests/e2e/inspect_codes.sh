# inspect_codes.sh -- `vitae inspect SRC --code SYSTEM:CODE` (sim/cli/
# inspect_codes.c, learn/codematch.c): codes compared the way OHDSI tools
# compare them (docs/codes.md):
# (1) with the source's own concept ancestry (Eunomia GiBleed, as SQLite and
#     as a CSV folder) a code matches its concept's descendants: the persons
#     and events equal what sqlite3 counts through concept_ancestor, and the
#     report names the descendant codes matched;
# (2) without ancestry (a vitae cohort) a code matches the same vocabulary
#     and code only, vitae's "SNOMED-CT" and OMOP's "SNOMED" being one
#     vocabulary: the counts equal sqlite3's counts of that code;
# (3) a malformed --code, --vocab without --code, and a vocabulary folder
#     that cannot be read are usage errors (exit 2) with a message.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

need_sqlite3 "inspect_codes" || finish
W=$(workdir inspect_codes)

# (2) a vitae cohort: exact codes
DB="$W/c.db"
vitae run -p 200 -s 5 --reference-date 2025-06-30 -o "$DB" -q
check_status "a cohort to match codes in" 0 "$rc"
code=$(sql "$DB" "SELECT code FROM conditions GROUP BY code ORDER BY count(*) DESC, code LIMIT 1")
want=$(sql "$DB" "SELECT count(DISTINCT patient) || ' ' || count(*) FROM conditions WHERE code = '$code'")
vitae inspect "vitae:$DB" --code "SNOMED-CT:$code" --json
check_status "--code on a vitae cohort succeeds" 0 "$rc"
got=$(tr -d ' \n' < "$E2E_OUT" | sed -n 's/.*"persons":\([0-9]*\),"events":\([0-9]*\).*/\1 \2/p')
check_eq "without ancestry a code matches its own rows: persons and events as sqlite3 counts them" "$want" "$got"
check_grep "the JSON says no ancestry was used" '"ancestry": "none"' "$E2E_OUT"
vitae inspect "$DB" --code "SNOMED:$code"
check_status "--code as text succeeds" 0 "$rc"
check_grep "SNOMED and SNOMED-CT are one vocabulary; the text names the code" "SNOMED $code" "$E2E_OUT"
check_grep "the text says matching is exact without ancestry" "exact codes: the source has no concept ancestry" "$E2E_OUT"
n=$(awk -v c="SNOMED $code" 'index($0, c) { print $3; exit }' "$E2E_OUT")
check_eq "the text's persons match the JSON's" "${want% *}" "$n"

# (3) usage errors
vitae inspect "$DB" --code nocolon
check_status "--code without SYSTEM:CODE is a usage error" 2 "$rc"
check_grep "the message says what a code looks like" "expected SYSTEM:CODE" "$E2E_ERR"
vitae inspect "$DB" --vocab "$W"
check_status "--vocab without --code is a usage error" 2 "$rc"
vitae inspect "$DB" --code SNOMED:1 --vocab "$W/none"
check_status "a vocabulary folder that cannot be read exits 2" 2 "$rc"
check_grep "the message names the vocabulary file" "$W/none" "$E2E_ERR"
vitae inspect "$DB" --code SNOMED:1 --view
check_status "--code does not go with --view" 2 "$rc"

# (1) Eunomia GiBleed: the source's own ancestry
G="${VITAE_SHARED:-/nonexistent}/data/eunomia/GiBleed_5.3_partial.sqlite"
if [ ! -f "$G" ]; then
  skip "codes with descendants on Eunomia GiBleed" "no $G (../shared is absent)"
  finish
fi
# asthma (SNOMED 195967001) and sinusitis (36971009): conditions are in condition_era in GiBleed
for c in 195967001 36971009; do
  want=$(sql "$G" "SELECT count(DISTINCT e.person_id) || ' ' || count(*) FROM condition_era e
    JOIN concept_ancestor a ON a.descendant_concept_id = e.condition_concept_id
    JOIN concept c ON c.concept_id = a.ancestor_concept_id
    WHERE c.vocabulary_id = 'SNOMED' AND c.concept_code = '$c'")
  for src in "omop:$G" "omop-csv:${G%.sqlite}_csv"; do
    vitae inspect "$src" --code "SNOMED:$c" --json
    check_status "--code SNOMED:$c on ${src%%:*} succeeds" 0 "$rc"
    got=$(tr -d ' \n' < "$E2E_OUT" | sed -n 's/.*"persons":\([0-9]*\),"events":\([0-9]*\).*/\1 \2/p')
    check_eq "SNOMED $c matches its descendants in ${src%%:*}: persons and events as concept_ancestor gives them" "$want" "$got"
    check_grep "the JSON says the source's ancestry was used (${src%%:*})" '"ancestry": "source"' "$E2E_OUT"
  done
done
vitae inspect "omop:$G" --code SNOMED:195967001
check_grep "asthma's report names childhood asthma (233678006), a descendant" "SNOMED 233678006" "$E2E_OUT"
check_grep "the text says descendants were matched" "with descendants, by the source's concept ancestry" "$E2E_OUT"
finish
