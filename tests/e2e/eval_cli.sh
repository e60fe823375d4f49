# eval_cli.sh -- `vitae eval` on the command line with small cohorts (fast
# enough for the sanitizer pass, docs/eval.md): every area runs and the
# report is written (HTML and JSON), with and without a holdout, and with
# --against; then bad input: exit 2, a message naming the problem, no
# report and no temporary file written.  What the figures mean is
# eval_checks.sh's.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir eval_cli)
JSONGET="$BUILD/tools/jsonget"
if [ ! -x "$JSONGET" ]; then notok "the JSON test tool is built" "$JSONGET is missing (make build/tools/jsonget)"; finish; fi
have_default_modules || finish
jget() { "$JSONGET" "$@" 2>/dev/null; }

vitae run -p 300 -s 11 -o "$W/A.db" -q; check_status "cohort A is written" 0 "$rc"
vitae run -p 300 -s 12 -o "$W/B.db" -q; check_status "cohort B is written" 0 "$rc"
vitae run -p 300 -s 13 -o "$W/C.db" -q; check_status "cohort C is written" 0 "$rc"

vitae eval --synth "$W/C.db" --real "$W/A.db" --holdout "$W/B.db" -o "$W/r.html" --json "$W/r.json"
check_status "eval with a holdout exits 0" 0 "$rc"
check_grep "a progress line per cohort read" "eval: $W/C.db: 300 persons read" "$E2E_ERR"
check_grep "a progress line per area" "eval: privacy..." "$E2E_ERR"
check_eq "the summary line is the report's first line of results" "summary:" "$(grep '^summary:' "$E2E_ERR" | cut -d' ' -f1)"
check "the JSON is valid" "$JSONGET" "$W/r.json"
for k in fidelity utility privacy sanity; do
  v=$(jget "$W/r.json" "$k.measured")
  case $k in sanity) ok "the $k area is there";; *) check_eq "the $k area is measured" "true" "$v";; esac
done
check_grep "the HTML ends" "</html>" "$W/r.html"
check_no_partial "no temporary file after an eval" "$W/r.html"

vitae eval --synth "$W/C.db" --real "$W/A.db" --json "$W/nh.json" -q
check_status "eval without a holdout exits 0" 0 "$rc"
check_eq "without a holdout the utility tests on a split of the real data" "split of real 30%" "$(jget "$W/nh.json" utility.test_set)"
mia=$(jget "$W/nh.json" privacy.mia)
case $mia in "<"*|null|"") ok "without a holdout the membership attacks are not run ($mia)";; *) notok "without a holdout the membership attacks are not run" "got $mia";; esac
check_eq "without a holdout the privacy verdict says what it needs" "not measured" "$(jget "$W/nh.json" summary.3.level)"

# the same patients as an OMOP extract written without a vocabulary: codes
# are matched by their text within a domain, whichever side comes first
vitae run -p 300 -s 11 -f omop -o "$W/A_omop.db" -q; check_status "cohort A as OMOP without a vocabulary" 0 "$rc"
vitae eval --synth "$W/A.db" --real "omop:$W/A_omop.db" --json "$W/o1.json" -q
check_status "eval of native against OMOP without a vocabulary" 0 "$rc"
check_between "native against its own OMOP extract: the codes match by text" 1 1000000000 "$(jget "$W/o1.json" inputs.real.matched_by_code)"
check_between "native against its own OMOP extract: fidelity is high" 0.9 1 "$(jget "$W/o1.json" fidelity.score)"
vitae eval --synth "omop:$W/A_omop.db" --real "$W/A.db" --json "$W/o2.json" -q
check_status "eval of OMOP without a vocabulary against native" 0 "$rc"
check_eq "the other way round: the same fidelity" "$(jget "$W/o1.json" fidelity.score)" "$(jget "$W/o2.json" fidelity.score)"

vitae learn --from "vitae:$W/A.db" --epsilon 1 --delta 1e-6 -o "$W/learned.yaml" --no-module-fit -q
check_status "learn a DP summary from A" 0 "$rc"
vitae eval --synth "$W/C.db" --against "$W/learned.yaml" -o "$W/against.html" --json "$W/against.json" -q
check_status "eval --against exits 0 without real data" 0 "$rc"
check_eq "--against: the summary has a fifth line" "against" "$(jget "$W/against.json" summary.5.area)"
check_eq "--against: fidelity to real data is not measured" "not measured" "$(jget "$W/against.json" summary.1.level)"

# ---- bad input: exit 2, a message, nothing written ----
bad() {  # bad DESCRIPTION PATTERN ARGS...
  _d=$1 _p=$2; shift 2
  rm -f "$W/bad.html" "$W/bad.json"
  vitae eval "$@"
  check_status "$_d: exit 2" 2 "$rc"
  check_grep "$_d: the message" "$_p" "$E2E_ERR"
  check_no_file "$_d: no report" "$W/bad.html"
  check_no_partial "$_d: no temporary file" "$W/bad.html"
}
bad "no --synth" "--synth [KIND:]PATH is required" --real "$W/A.db" -o "$W/bad.html"
bad "nothing to compare with" "give --real SRC or --against FILE" --synth "$W/A.db" -o "$W/bad.html"
bad "--holdout without --real" "--holdout needs --real" --synth "$W/A.db" --holdout "$W/B.db" --against "$W/learned.yaml" -o "$W/bad.html"
bad "no output" "no output" --synth "$W/A.db" --real "$W/B.db"
bad "the same file twice" "-o and --json name the same file" --synth "$W/A.db" --real "$W/B.db" -o "$W/bad.html" --json "$W/bad.html"
bad "an unknown option" "unknown option '--frobnicate'" --synth "$W/A.db" --real "$W/B.db" -o "$W/bad.html" --frobnicate
bad "a bad seed" "--seed: expected a whole number" --synth "$W/A.db" --real "$W/B.db" -o "$W/bad.html" -s x
bad "a bad target" "--target: expected SYSTEM:CODE" --synth "$W/A.db" --real "$W/B.db" -o "$W/bad.html" --target 44054006
bad "a target no cohort has" "--target SNOMED:000000: no cohort has this code" --synth "$W/A.db" --real "$W/B.db" -o "$W/bad.html" --target SNOMED:000000
bad "a missing source" "$W/missing.db" --synth "$W/missing.db" --real "$W/B.db" -o "$W/bad.html"
printf 'not a database at all, just text\n%.0s' $(seq 1 200) > "$W/corrupt.db"
bad "a corrupt source" "--real:" --synth "$W/A.db" --real "vitae:$W/corrupt.db" -o "$W/bad.html"
sqlite3 "$W/A.db" ".schema" > "$W/schema.sql" && sqlite3 "$W/empty.db" < "$W/schema.sql"
bad "a source without persons" "no persons" --synth "$W/A.db" --real "vitae:$W/empty.db" -o "$W/bad.html"
mkdir -p "$W/adir"
bad "an output that is a folder" "is not a regular file" --synth "$W/A.db" --real "$W/B.db" -o "$W/adir"
bad "an output in a missing folder" "does not exist" --synth "$W/A.db" --real "$W/B.db" -o "$W/nope/r.html"
printf 'params:\n  x: [1\n' > "$W/broken.yaml"
bad "a broken params file" "$W/broken.yaml:" --synth "$W/A.db" --against "$W/broken.yaml" -o "$W/bad.html"

finish
