# learn_real.sh -- `vitae learn` on real-format data it did not write
# (../shared/data; skipped, saying so, where it is absent): Eunomia's
# GiBleed (OMOP 5.3, era tables only, 2,694 persons) and the 111-patient
# Synthea CSV export, each with the default modules, at epsilon 1.  Each
# must learn (exit 0), spend exactly its budget, say why every param it did
# not fit was left, keep the GMF/Lua params it fitted inside their ranges,
# and give a file `vitae run --params` takes.  The figures of these runs are
# in docs/learn.md ("On real data").
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir learn_real)
DATA="$VITAE_SHARED/data"
if [ ! -d "$DATA" ]; then
  skip "learn on real data" "no ../shared/data beside the checkout (VITAE_SHARED=$VITAE_SHARED)"
  finish
fi

# learn_one LABEL SOURCE SIMS: learn from SOURCE with the default modules.
learn_one() {
  label=$1 src=$2 sims=$3 out="$W/$1.yaml"
  vitae learn --from "$src" --epsilon 1 --delta 1e-6 -o "$out" --sim-patients "$sims" -q
  cp "$E2E_OUT" "$W/$label.out"
  check_status "$label: vitae learn exits 0" 0 "$rc"
  [ -f "$out" ] || { notok "$label: params file written"; return; }
  sum=$(grep '^summary:' "$W/$label.out")
  rho=$(printf '%s' "$sum" | sed -n 's/.* rho=\([^ ]*\).*/\1/p')
  budget=$(printf '%s' "$sum" | sed -n 's/.* rho_budget=\([^ ]*\).*/\1/p')
  if awk -v r="$rho" -v b="$budget" 'BEGIN { exit !(r > 0 && r <= b && r >= b * (1 - 1e-6)) }'; then
    ok "$label: the whole budget is spent, never more (rho $rho of $budget)"
  else
    notok "$label: the whole budget is spent, never more" "got: rho $rho of $budget"
  fi
  # every param is listed; every one not fitted has a reason
  nparams=$(printf '%s' "$sum" | sed -n 's/.* params=\([0-9]*\).*/\1/p')
  sed -n '/^fit:/,/^privacy_ledger:/p' "$out" | grep '^  - {name: ' > "$W/$label.fit"
  check_eq "$label: every param is in fit:" "$nparams" "$(wc -l < "$W/$label.fit" | tr -d ' ')"
  check_eq "$label: every param not fitted says why" "0" \
    "$(grep 'fitted: false' "$W/$label.fit" | grep -vc 'why: "[a-z]')"
  # fitted probabilities stay probabilities
  bad=$(grep 'fitted: true' "$W/$label.fit" |
    sed -n 's/.* default: \([^,]*\), value: \([^,]*\),.*/\1 \2/p' |
    awk '$1 > 0 && $1 <= 1 && ($2 < 0 || $2 > 1) { n++ } END { print n + 0 }')
  check_eq "$label: a fitted probability stays in [0, 1]" "0" "$bad"
  vitae run -p 50 -s 1 --params "$out" -o "$W/$label-cohort.db" -q
  check_status "$label: vitae run --params takes the learned file" 0 "$rc"
  printf '# %s: %s\n' "$label" "$sum"
}

if [ -f "$DATA/eunomia/GiBleed_5.3_partial.sqlite" ]; then
  learn_one gibleed "omop:$DATA/eunomia/GiBleed_5.3_partial.sqlite" 2000
  fs=$(sed -n 's/^  "lifecycle.sex.female_share": //p' "$W/gibleed.yaml")
  check_between "gibleed: the female share is fitted and plausible" 0.4 0.6 "$fs"
else
  skip "learn from GiBleed" "no $DATA/eunomia/GiBleed_5.3_partial.sqlite"
fi
SYN="$DATA/synthea-csv/unmc-crane_database-stats-lecture_111p"
if [ -d "$SYN" ]; then
  learn_one synthea "synthea-csv:$SYN" 1000
  check_eq "synthea: 111 persons read" "111" \
    "$(sed -n 's/^summary: persons=\([0-9]*\) .*/\1/p' "$W/synthea.out")"
else
  skip "learn from the Synthea CSV export" "no $SYN"
fi
finish
