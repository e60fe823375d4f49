# eval_real.sh -- `vitae eval` on real data it did not write: Eunomia's
# GiBleed (OMOP 5.3) split by person into a training and a holdout part
# (tests/e2e/lib/omop_split.sh); `vitae learn` fits the modules to the
# training part at epsilon EVAL_REAL_EPSILON (4 in `make test`; the noise
# comes from the operating system, so at epsilon 1 the birth-decade total,
# about 1,350 persons against a noise sigma of 126.5, misses the fitter's
# 10-sigma rule in about one run in four and the age/sex check below would
# fail by chance; `make eval-gibleed` uses epsilon 1); a cohort simulated from the learned params
# and one from the default params are both evaluated against the training
# and holdout data.  The learned cohort must beat the default one on
# fidelity, and neither may show a membership signal (AUROC near 0.5: the
# learner saw the training data only through the DP release).
#
# In `make test` it runs the built-in modules; `make eval-gibleed` runs it
# with Synthea's whole corpus (EVAL_REAL_MODULES=DIR, several minutes), the
# run docs/eval.md quotes.  Skipped when ../shared is not there.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"
. "$VITAE_ROOT/tests/e2e/lib/omop_split.sh"

W=$(workdir eval_real)
need_sqlite3 "eval_real" || finish
JSONGET="$BUILD/tools/jsonget"
if [ ! -x "$JSONGET" ]; then notok "the JSON test tool is built" "$JSONGET is missing"; finish; fi
jget() { "$JSONGET" "$@" 2>/dev/null; }
GI="${VITAE_SHARED:-}/data/eunomia/GiBleed_5.3_partial.sqlite"
if [ -z "${VITAE_SHARED:-}" ] || [ ! -f "$GI" ]; then
  skip "GiBleed split, learn, simulate, evaluate" "../shared/data/eunomia/GiBleed_5.3_partial.sqlite is not here"
  finish
fi
MODS=${EVAL_REAL_MODULES:-}
if [ -n "$MODS" ]; then MOPT="-m $MODS"; SIMP=${EVAL_REAL_SIM_PATIENTS:-5000}; else MOPT=""; SIMP=2000; fi
NSYN=${EVAL_REAL_N:-3000}
EPS=${EVAL_REAL_EPSILON:-4}
REF=2019-07-01   # GiBleed's last observation day

if omop_split "$GI" "$W/train.sqlite" "$W/holdout.sqlite" 500; then ok "GiBleed is split by person"
else notok "GiBleed is split by person"; finish; fi
ntr=$(sql "$W/train.sqlite" "SELECT count(*) FROM person"); nho=$(sql "$W/holdout.sqlite" "SELECT count(*) FROM person")
check_eq "the two parts hold every person once" "$(sql "$GI" "SELECT count(*) FROM person")" "$((ntr + nho))"

# shellcheck disable=SC2086  # MOPT is empty or "-m DIR"
vitae learn --from "omop:$W/train.sqlite" $MOPT --epsilon "$EPS" --delta 1e-6 --sim-patients "$SIMP" -o "$W/learned.yaml" -q
check_status "vitae learn on the training part" 0 "$rc"
# shellcheck disable=SC2086
vitae run $MOPT -p "$NSYN" -s 31 --reference-date $REF --params "$W/learned.yaml" -o "$W/learned.db" -q
check_status "a cohort from the learned params" 0 "$rc"
# shellcheck disable=SC2086
vitae run $MOPT -p "$NSYN" -s 31 --reference-date $REF -o "$W/default.db" -q
check_status "a cohort from the default params" 0 "$rc"

for c in learned default; do
  vitae eval --synth "$W/$c.db" --real "omop:$W/train.sqlite" --holdout "omop:$W/holdout.sqlite" \
    -o "$W/$c.html" --json "$W/$c.json" -s 3
  check_status "eval of the $c cohort" 0 "$rc"
  grep '^summary:' "$E2E_ERR" | sed "s/^/# $c: /"
  grep -A4 '^summary:' "$E2E_ERR" | tail -4 | sed "s/^/# $c: /"
done
fl=$(jget "$W/learned.json" fidelity.score); fd=$(jget "$W/default.json" fidelity.score)
if awk -v a="$fl" -v b="$fd" 'BEGIN { exit !(a != "" && b != "" && a > b) }'; then
  ok "the learned cohort beats the default one on fidelity ($fl > $fd)"
else notok "the learned cohort beats the default one on fidelity" "learned $fl, default $fd"; fi
pl=$(jget "$W/learned.json" fidelity.pyramid.tv); pd=$(jget "$W/default.json" fidelity.pyramid.tv)
if awk -v a="$pl" -v b="$pd" 'BEGIN { exit !(a != "" && b != "" && a < b) }'; then
  ok "the learned cohort's age/sex structure is closer ($pl < $pd)"
else notok "the learned cohort's age/sex structure is closer" "learned $pl, default $pd"; fi
for a in distance density_ratio; do
  check_between "learned cohort: $a membership AUROC near 0.5" 0.4 0.6 "$(jget "$W/learned.json" privacy.mia.$a.auroc)"
done
check_between "learned cohort: no exact copies of training patients" 0 0.01 "$(jget "$W/learned.json" privacy.copies.exact_train)"

finish
