# learn_cli.sh -- `vitae learn` on the command line (docs/learn.md): learn
# the lifecycle from a censored OMOP extract vitae wrote (--no-module-fit,
# fast), check the params file's sections, that `vitae run --params` takes
# it and that the fitted sex ratio is plausible; then bad input (epsilon 0,
# -1, nan; delta 0, 1, 2; missing --from / --epsilon / -o; an unknown
# option; a refused budget; an unreadable, an empty and an unmatched
# source): exit 2, a message naming the problem, no output file and no
# temporary file left.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir learn_cli)
need_sqlite3 "learn_cli" || finish

# Two modules (one with a param), and a small vocabulary for their codes,
# so that the OMOP extract carries concepts.  1,000 patients: at epsilon 1
# the sex counts' noise sigma is about 40, and the fit wants a total of at
# least 10 sigmas (docs/learn-statistics.md).
MODS="$W/mods"; mkdir -p "$MODS" "$W/vocab"
cp "$BASIC_MODULE" "$MODS/basic.lua"
cp "$E2E_FIXTURES/param_chance.lua" "$MODS/param_chance.lua"
T=$(printf '\t')
{
  echo "concept_id${T}concept_name${T}domain_id${T}vocabulary_id${T}concept_class_id${T}standard_concept${T}concept_code${T}valid_start_date${T}valid_end_date${T}invalid_reason"
  echo "372328${T}Otitis media${T}Condition${T}SNOMED${T}Clinical Finding${T}S${T}65363002${T}19700101${T}20991231${T}"
  echo "19073183${T}Amoxicillin 250 MG Oral Capsule${T}Drug${T}RxNorm${T}Clinical Drug${T}S${T}308182${T}19700101${T}20991231${T}"
  echo "3006322${T}Body temperature${T}Measurement${T}LOINC${T}Lab Test${T}S${T}8310-5${T}19700101${T}20991231${T}"
} > "$W/vocab/CONCEPT.csv"

vitae run -p 1000 -s 5 -m "$MODS" -f omop --vocab "$W/vocab" --observation random -o "$W/ehr.db" -q
check_status "the OMOP extract is written" 0 "$rc"

# ---- a learn that works ----
OUT="$W/fitted.yaml"
vitae learn --from "omop:$W/ehr.db" -m "$MODS" --epsilon 1 --delta 1e-6 -o "$OUT" --no-module-fit -q
check_status "learn --no-module-fit: exits 0" 0 "$rc"
for s in params fit privacy_ledger dp_summary; do
  check_grep "the file has a $s: section" "$s:" "$OUT"
done
check_grep "the report gives the persons read" "persons read" "$E2E_OUT"
check_grep "the report ends with a summary line" "summary: persons=1000 " "$E2E_OUT"
check_grep "the report names the output" "output=$OUT" "$E2E_OUT"
check_grep "the report gives the budget" "rho_budget=" "$E2E_OUT"
check_eq "the summary is the last line" "summary:" "$(tail -1 "$E2E_OUT" | cut -d' ' -f1)"
check_grep "the fit lists the module param as not fitted" '{name: "e2e.chance", module: "param_chance", default: 0, fitted: false, why: "module fit skipped (--no-module-fit)"}' "$OUT"
check_grep "the ledger has the onset measurement" '{name: "onset"' "$OUT"
if grep -q 'persons read' "$OUT"; then notok "the data's counts stay out of the file" "found 'persons read' in $OUT"
else ok "the data's counts stay out of the file"; fi
fs=$(sed -n 's/^  "lifecycle.sex.female_share": //p' "$OUT")
check_between "lifecycle.sex.female_share is plausible" 0.35 0.65 "$fs"
check_eq "female_share is listed as fitted with its value and se" "1" \
  "$(grep -c '^  - {name: "lifecycle.sex.female_share", module: "lifecycle", default: [0-9.e-]*, value: [0-9.e-]*, se: [0-9.e-]*, fitted: true}$' "$OUT")"
check_no_partial "no temporary file after a learn" "$OUT"

vitae run -p 30 -s 2 -m "$MODS" --params "$OUT" -o "$W/cohort.db" -q
check_status "vitae run --params accepts the learned file" 0 "$rc"
nblocks=$(sed -n '/^privacy_ledger:/,/^dp_summary:/p' "$OUT" | grep -c '^    - {name: ')
check_eq "the run copies the ledger (every block of the file, $nblocks, + total)" "$((nblocks + 1))" \
  "$(sql "$W/cohort.db" "SELECT count(*) FROM privacy_ledger")"

# ---- the module fit, small (it also runs under the sanitizers) ----
RT="$FIXTURES/learn_rt"
vitae run -p 2000 -s 7 -m "$RT" --params "$RT/truth.yaml" -f omop --observation random -o "$W/rt.db" -q
check_status "a small extract of the round-trip modules is written" 0 "$rc"
vitae learn --from "omop:$W/rt.db" -m "$RT" --epsilon 10 -o "$W/rt.yaml" --sim-patients 300 --threads 2 -q
check_status "learn with the module fit: exits 0" 0 "$rc"
check_grep "the module fit reports its simulations" " simulations=" "$E2E_OUT"
for p in rt.branch.severe rt.yearly.under45 rt.yearly.from45 rt.late.complication gmf.rt_gmf.Choice.Visit; do
  if grep -q "^  - {name: \"$p\", .*fitted: true}" "$W/rt.yaml" ||
     grep -q "^  - {name: \"$p\", .*fitted: false, why: \"[a-z]" "$W/rt.yaml"; then
    ok "$p is fitted, or not with its reason"
  else
    notok "$p is fitted, or not with its reason" "$(grep "\"$p\"" "$W/rt.yaml")"
  fi
done
vitae run -p 20 -s 1 -m "$RT" --params "$W/rt.yaml" -o "$W/rt-cohort.db" -q
check_status "vitae run --params takes the module fit's file" 0 "$rc"

# ---- bad input: exit 2, a message, nothing written ----
# bad NAME PATTERN ARGS...: vitae learn ARGS exits 2 with PATTERN on stderr
# and leaves no $W/bad.yaml nor a temporary file.
bad() {
  _n=$1; _p=$2; shift 2
  rm -f "$W/bad.yaml"
  vitae learn "$@"
  check_status "$_n: exit 2" 2 "$rc"
  check_grep "$_n: the message names the problem" "$_p" "$E2E_ERR"
  check_no_file "$_n: no output file" "$W/bad.yaml"
  check_no_partial "$_n: no temporary file" "$W/bad.yaml"
}
SRC="omop:$W/ehr.db"
bad "epsilon 0" "--epsilon: expected a finite number > 0, got '0'" --from "$SRC" -m "$MODS" --epsilon 0 -o "$W/bad.yaml"
bad "epsilon -1" "--epsilon: expected a finite number > 0, got '-1'" --from "$SRC" -m "$MODS" --epsilon -1 -o "$W/bad.yaml"
bad "epsilon nan" "--epsilon: expected a finite number > 0, got 'nan'" --from "$SRC" -m "$MODS" --epsilon nan -o "$W/bad.yaml"
bad "epsilon abc" "--epsilon: expected a finite number > 0, got '1x'" --from "$SRC" -m "$MODS" --epsilon 1x -o "$W/bad.yaml"
bad "delta 0" "--delta: expected a number in (0, 1)" --from "$SRC" -m "$MODS" --epsilon 1 --delta 0 -o "$W/bad.yaml"
bad "delta 1" "--delta: expected a number in (0, 1)" --from "$SRC" -m "$MODS" --epsilon 1 --delta 1 -o "$W/bad.yaml"
bad "delta 2" "--delta: expected a number in (0, 1)" --from "$SRC" -m "$MODS" --epsilon 1 --delta=2 -o "$W/bad.yaml"
bad "missing --from" "--from [KIND:]PATH is required" -m "$MODS" --epsilon 1 -o "$W/bad.yaml"
bad "missing --epsilon" "--epsilon E is required" --from "$SRC" -m "$MODS" -o "$W/bad.yaml"
bad "missing -o" "-o FILE is required" --from "$SRC" -m "$MODS" --epsilon 1
bad "an unknown option" "unknown option '--epsilom'" --from "$SRC" -m "$MODS" --epsilom 1 -o "$W/bad.yaml"
bad "a missing value" "--threads: missing value" --from "$SRC" -m "$MODS" --epsilon 1 -o "$W/bad.yaml" --threads
# the budget is refused before the source is read: a missing source then
# is never opened
bad "a refused budget" "the budget is refused" --from "omop:$W/none.db" -m "$MODS" --epsilon 1e-300 -o "$W/bad.yaml"
if grep -q "none.db" "$E2E_ERR"; then notok "a refused budget: the source is not opened" "$(cat "$E2E_ERR")"
else ok "a refused budget: the source is not opened"; fi
bad "an unreadable source" "$W/none.db" --from "omop:$W/none.db" -m "$MODS" --epsilon 1 -o "$W/bad.yaml"

# an empty source: the OMOP tables, no person
cp "$W/ehr.db" "$W/empty.db"
sqlite3 "$W/empty.db" "DELETE FROM person; DELETE FROM observation_period; DELETE FROM condition_occurrence;
  DELETE FROM drug_exposure; DELETE FROM measurement; DELETE FROM visit_occurrence; DELETE FROM death;
  DELETE FROM observation; DELETE FROM procedure_occurrence;"
bad "an empty source" "the source has no person" --from "omop:$W/empty.db" -m "$MODS" --epsilon 1 -o "$W/bad.yaml"

# a source whose events match no module code: a module of a code nobody has
mkdir -p "$W/nomatch"
cat > "$W/nomatch/rare.lua" <<'LUA'
return {
  name = "Rare",
  states = {
    Initial = { type = "Initial", direct_transition = "Onset" },
    Onset = { type = "ConditionOnset", codes = { { system = "SNOMED-CT", code = "999999999999", display = "Nobody has it" } },
      direct_transition = "Terminal" },
    Terminal = { type = "Terminal" },
  },
}
LUA
bad "a source matching no module code" "no event of the source matched any code the modules use" \
  --from "omop:$W/ehr.db" -m "$W/nomatch" --epsilon 1 -o "$W/bad.yaml"

# a broken module: the message and status of vitae run
mkdir -p "$W/broken"; echo 'return {' > "$W/broken/broken.lua"
vitae run -p 5 -m "$W/broken" -o "$W/broken.db" -q
run_rc=$rc; run_msg=$(head -1 "$E2E_ERR")
vitae learn --from "$SRC" -m "$W/broken" --epsilon 1 -o "$W/bad.yaml"
check_eq "a broken module: the exit status of vitae run" "$run_rc" "$rc"
check_eq "a broken module: the message of vitae run" "$run_msg" "$(head -1 "$E2E_ERR")"
check_no_file "a broken module: no output file" "$W/bad.yaml"

# an existing output is replaced only by a finished learn
echo "keep" > "$W/keep.yaml"
vitae learn --from "omop:$W/empty.db" -m "$MODS" --epsilon 1 -o "$W/keep.yaml" -q
check_eq "a failed learn leaves an existing file as it was" "keep" "$(cat "$W/keep.yaml")"

finish
