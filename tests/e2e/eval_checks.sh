# eval_checks.sh -- what `vitae eval` measures behaves as it must (docs/eval.md):
#   - a cohort evaluated against itself scores perfect fidelity; a cohort
#     simulated with the same params (another seed) scores high; one
#     simulated with other params scores measurably lower;
#   - a "synthetic" cohort that is a copy of the training data is flagged
#     (exact copies near 100%, membership AUROC well above 0.5, a poor
#     privacy verdict); an independently simulated one is not (AUROC near
#     0.5);
#   - TSTR on a cohort simulated with the training data's own params is
#     close to TRTR;
#   - the report: valid JSON with the documented keys, HTML with the summary
#     and each area's section and plots, the same figures for the same seed
#     whatever the threads;
#   - --against: the cohort against the DP summary `vitae learn` released.
# Bad input is eval_cli.sh's (it also runs under the sanitizers).
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir eval_checks)
JSONGET="$BUILD/tools/jsonget"
if [ ! -x "$JSONGET" ]; then notok "the JSON test tool is built" "$JSONGET is missing (make build/tools/jsonget)"; finish; fi
have_default_modules || finish
jget() { "$JSONGET" "$@" 2>/dev/null; }

# The cohorts: A is the "training" data, B the "holdout" (same params,
# another seed), C a cohort simulated independently with the same params,
# D one simulated with other params (more women, much more childhood
# asthma, doubled mortality in late life).
N=2500
vitae run -p $N -s 11 -o "$W/A.db" -q; check_status "cohort A is written" 0 "$rc"
vitae run -p $N -s 12 -o "$W/B.db" -q; check_status "cohort B is written" 0 "$rc"
vitae run -p $N -s 13 -o "$W/C.db" -q; check_status "cohort C is written" 0 "$rc"
{
  echo "params:"
  echo "  lifecycle.sex.female_share: 0.8"
  echo "  asthma.childhood.male: 0.6"
  echo "  asthma.childhood.female: 0.6"
  for s in F M; do for b in 60-64 65-69 70-74 75-79 80-84 85+; do echo "  lifecycle.mortality.$s.$b: 3"; done; done
} > "$W/other.yaml"
vitae run -p $N -s 14 --params "$W/other.yaml" -o "$W/D.db" -q
check_status "cohort D (other params) is written" 0 "$rc"

# ---- against itself: perfect fidelity ----
vitae eval --synth "vitae:$W/A.db" --real "vitae:$W/A.db" --json "$W/self.json" -q
check_status "eval of a cohort against itself exits 0" 0 "$rc"
check_eq "against itself: the fidelity score is exactly 1" "1" "$(jget "$W/self.json" fidelity.score)"
check_eq "against itself: the fidelity verdict is good" "good" "$(jget "$W/self.json" summary.1.level)"

# ---- same params against other params: the expected direction ----
vitae eval --synth "$W/C.db" --real "$W/A.db" --holdout "$W/B.db" -o "$W/same.html" --json "$W/same.json" -s 7
check_status "eval of an independent cohort exits 0" 0 "$rc"
check_grep "a progress line per cohort read" "eval: $W/C.db: $N persons read" "$E2E_ERR"
check_grep "the summary line names each area" "summary: fidelity=" "$E2E_ERR"
vitae eval --synth "$W/D.db" --real "$W/A.db" --holdout "$W/B.db" --json "$W/other.json" -q -s 7
check_status "eval of the other-params cohort exits 0" 0 "$rc"
fs=$(jget "$W/same.json" fidelity.score); fo=$(jget "$W/other.json" fidelity.score)
check_between "same params: fidelity score is high" 0.85 1 "$fs"
if awk -v a="$fs" -v b="$fo" 'BEGIN { exit !(a != "" && b != "" && a - b >= 0.03) }'; then
  ok "other params score measurably lower ($fo < $fs)"
else notok "other params score measurably lower" "same params $fs, other params $fo"; fi
pt_s=$(jget "$W/same.json" fidelity.pyramid.tv); pt_o=$(jget "$W/other.json" fidelity.pyramid.tv)
if awk -v a="$pt_s" -v b="$pt_o" 'BEGIN { exit !(a != "" && b != "" && b > 2 * a) }'; then
  ok "more women: the age/sex structure is further away ($pt_o > 2 x $pt_s)"
else notok "more women: the age/sex structure is further away" "same $pt_s, other $pt_o"; fi

# ---- privacy: a copy of the training data is flagged, an independent cohort not ----
check_between "independent cohort: distance-attack membership AUROC near 0.5" 0.42 0.58 \
  "$(jget "$W/same.json" privacy.mia.distance.auroc)"
check_between "independent cohort: density-ratio membership AUROC near 0.5" 0.42 0.58 \
  "$(jget "$W/same.json" privacy.mia.density_ratio.auroc)"
cp "$W/A.db" "$W/copy.db"
vitae eval --synth "$W/copy.db" --real "$W/A.db" --holdout "$W/B.db" --json "$W/copy.json" -q
check_status "eval of a copy of the training data exits 0" 0 "$rc"
check_between "a copy: exact-copy share near 100%" 0.95 1 "$(jget "$W/copy.json" privacy.copies.exact_train)"
check_between "a copy: distance-attack membership AUROC well above 0.5" 0.8 1 \
  "$(jget "$W/copy.json" privacy.mia.distance.auroc)"
check_eq "a copy: the privacy verdict is poor" "poor" "$(jget "$W/copy.json" summary.3.level)"
check_between "independent cohort: exact-copy share near 0" 0 0.05 "$(jget "$W/same.json" privacy.copies.exact_train)"

# ---- utility: TSTR close to TRTR ----
r1=$(jget "$W/same.json" utility.tasks.1.ratio)
check_between "same params: TSTR/TRTR AUROC ratio of the death task is close to 1" 0.85 1.15 "$r1"

# ---- the report ----
for k in inputs summary fidelity utility privacy sanity; do
  v=$(jget "$W/same.json" $k)
  case $v in "<"*) ok "the JSON has the $k object";; *) notok "the JSON has the $k object" "got '$v'";; esac
done
check_eq "the summary has one line per area" "<array 4>" "$(jget "$W/same.json" summary)"
if command -v xmllint >/dev/null 2>&1; then
  # the page is written as polyglot HTML: well-formed XML too, so a strict
  # parser checks every tag is closed and every entity defined
  for h in same; do
    if xmllint --noout "$W/$h.html" 2>"$W/xmllint.err" && [ ! -s "$W/xmllint.err" ]; then
      ok "the $h HTML report is well-formed"
    else notok "the $h HTML report is well-formed" "$(head -5 "$W/xmllint.err")"; fi
  done
else
  skip "the HTML report is well-formed" "xmllint is not installed"
fi
for s in summary fidelity utility privacy sanity; do
  check_grep "the HTML has the $s section" "<section id=\"$s\">" "$W/same.html"
done
nsvg=$(grep -o '<svg' "$W/same.html" | wc -l)
check_between "the HTML has its plots inline (at least 8 SVGs)" 8 1000 "$nsvg"
if grep -q -i -E '(src|href)="(https?:)?//' "$W/same.html"; then notok "the HTML needs no network" "$(grep -o -i -E '(src|href)="(https?:)?//[^"]*' "$W/same.html" | head -3)"
else ok "the HTML needs no network"; fi
check_no_partial "no temporary file after an eval" "$W/same.html"

# ---- determinism ----
vitae eval --synth "$W/C.db" --real "$W/A.db" --holdout "$W/B.db" --json "$W/t1.json" -q -s 7 --threads 1
vitae eval --synth "$W/C.db" --real "$W/A.db" --holdout "$W/B.db" --json "$W/t2.json" -q -s 7 --threads 2
strip() { grep -v '"seconds":' "$1"; }
strip "$W/same.json" > "$W/same.strip"; strip "$W/t1.json" > "$W/t1.strip"; strip "$W/t2.json" > "$W/t2.strip"
if [ -s "$W/t1.strip" ] && cmp -s "$W/t1.strip" "$W/same.strip"; then ok "the same seed gives the same figures"
else notok "the same seed gives the same figures" "$(diff "$W/t1.strip" "$W/same.strip" | head -5)"; fi
if [ -s "$W/t2.strip" ] && cmp -s "$W/t1.strip" "$W/t2.strip"; then ok "1 and 2 threads give the same figures"
else notok "1 and 2 threads give the same figures" "$(diff "$W/t1.strip" "$W/t2.strip" | head -5)"; fi

# ---- --against: the DP summary vitae learn released ----
vitae learn --from "vitae:$W/A.db" --epsilon 1 --delta 1e-6 -o "$W/learned.yaml" --no-module-fit -q
check_status "learn a DP summary from A" 0 "$rc"
vitae eval --synth "$W/C.db" --against "$W/learned.yaml" -o "$W/against.html" --json "$W/against.json" -q
check_status "eval --against exits 0 without real data" 0 "$rc"
check_eq "--against: the summary has a fifth line" "against" "$(jget "$W/against.json" summary.5.area)"
check_eq "--against: fidelity to real data is not measured" "not measured" "$(jget "$W/against.json" summary.1.level)"
check_grep "--against: the HTML has the against section" '<section id="against">' "$W/against.html"
if command -v xmllint >/dev/null 2>&1; then
  if xmllint --noout "$W/against.html" 2>"$W/xmllint.err" && [ ! -s "$W/xmllint.err" ]; then ok "--against: the HTML report is well-formed"
  else notok "--against: the HTML report is well-formed" "$(head -5 "$W/xmllint.err")"; fi
fi
sa=$(jget "$W/against.json" against.overall.share_within_2sigma)
vitae eval --synth "$W/D.db" --against "$W/learned.yaml" --json "$W/against_d.json" -q
sd=$(jget "$W/against_d.json" against.overall.share_within_2sigma)
if awk -v a="$sa" -v b="$sd" 'BEGIN { exit !(a != "" && b != "" && a > b) }'; then
  ok "--against: the same-params cohort matches the DP summary better ($sa > $sd)"
else notok "--against: the same-params cohort matches the DP summary better" "same $sa, other $sd"; fi

finish
