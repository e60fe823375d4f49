#!/bin/sh
# learn_table.sh -- `make learn-table`: how the error of `vitae learn` falls
# with epsilon and the number of patients (issue 10; the table in
# docs/learn-statistics.md, "Round trip: error against epsilon and N").
#
# For N in LEARN_TABLE_N (default "1000 10000 100000"): a censored OMOP
# extract of N patients is simulated from tests/fixtures/learn_rt with the
# known values of its truth.yaml (--observation random, seed 11); it is
# learned at epsilon 10, 1 and 0.1 (delta 1e-6) with `vitae learn` itself,
# and with the noise switched off by the test tool build/tools/learnfit
# (the same pipeline without the release; never the command users run).
# Printed: per N and column, the median over the five module params of the
# relative error |fitted - truth| / truth (a param not fitted counts as its
# default's error), how many were fitted, and the pooled mortality
# multiplier (truth 1.5).  Takes about ten minutes on 2 cores.
set -u
VITAE=${VITAE:-./vitae}
BUILD=${BUILD:-build}
LEARNFIT="$BUILD/tools/learnfit"
RT=tests/fixtures/learn_rt
NS=${LEARN_TABLE_N:-"1000 10000 100000"}
EPS="10 1 0.1"
TMP=${TMPDIR:-/tmp}/vitae-learn-table.$$
mkdir -p "$TMP" || exit 1
trap 'rm -rf "$TMP"' EXIT
[ -x "$LEARNFIT" ] || { echo "learn_table: no $LEARNFIT (make $LEARNFIT)" >&2; exit 1; }

PARAMS="rt.branch.severe rt.yearly.under45 rt.yearly.from45 rt.late.complication gmf.rt_gmf.Choice.Visit"
truth() { sed -n "s/^  $1: //p" "$RT/truth.yaml"; }

# from_yaml FILE -- "name value fitted" per module param, and "mortality M K"
from_yaml() {
  for p in $PARAMS; do
    line=$(grep "^  - {name: \"$p\"" "$1")
    v=$(printf '%s' "$line" | sed -n 's/.* value: \([^,]*\),.*/\1/p')
    d=$(printf '%s' "$line" | sed -n 's/.* default: \([^,]*\),.*/\1/p')
    case $line in *"fitted: true"*) echo "$p $v 1" ;; *) echo "$p $d 0" ;; esac
  done
  sed -n 's/^  - {name: "lifecycle\.mortality\.[^"]*", .* value: \([^,]*\), se: \([^,]*\), fitted: true}$/\1 \2/p' "$1" |
    awk '$2 > 0 { w = 1 / ($2 * $2); s += w * $1; n += w; k++ } END { printf "mortality %.3f %d\n", k ? s / n : 0, k }'
}
# from_learnfit OUTPUT -- the same from learnfit's lines
from_learnfit() {
  for p in $PARAMS; do
    awk -F'\t' -v p="$p" '$1 == p { print p, $3, ($2 == "fitted") }' "$1"
  done
  awk -F'\t' '$1 ~ /^lifecycle\.mortality\./ && $2 == "fitted" && $4 > 0 { w = 1 / ($4 * $4); s += w * $3; n += w; k++ }
    END { printf "mortality %.3f %d\n", k ? s / n : 0, k }' "$1"
}
# cell RESULTS -- "median-error fitted/5 mortality"
cell() {
  while read -r name v f; do
    [ "$name" = mortality ] && { mort="$v ($f)"; continue; }
    t=$(truth "$name")
    awk -v v="$v" -v t="$t" -v f="$f" 'BEGIN { e = (v - t) / t; if (e < 0) e = -e; printf "%.4f %d\n", e, f }'
  done < "$1" > "$1.err"
  med=$(sort -g "$1.err" | awk '{ e[NR] = $1; f += $2 } END { printf "%.3f %d", e[int((NR + 1) / 2)], f }')
  set -- $med
  printf '%s, %s/5, %s' "$1" "$2" "${mort:-?}"
}

printf '| patients | no noise (learnfit) | epsilon 10 | epsilon 1 | epsilon 0.1 |\n|---|---|---|---|---|\n'
for n in $NS; do
  echo "learn_table: $n patients" >&2
  "$VITAE" run -p "$n" -s 11 -m "$RT" --params "$RT/truth.yaml" -f omop --observation random -o "$TMP/ehr$n.db" -q \
    > /dev/null 2>&1 || { echo "learn_table: vitae run failed" >&2; exit 1; }
  "$LEARNFIT" "omop:$TMP/ehr$n.db" "$RT" 5000 2 1 > "$TMP/exact$n.txt" 2> /dev/null || { echo "learnfit failed" >&2; exit 1; }
  from_learnfit "$TMP/exact$n.txt" > "$TMP/r$n-exact"
  row="| $n | $(cell "$TMP/r$n-exact")"
  for e in $EPS; do
    echo "learn_table: $n patients, epsilon $e" >&2
    if "$VITAE" learn --from "omop:$TMP/ehr$n.db" -m "$RT" --epsilon "$e" --delta 1e-6 -o "$TMP/f$n-$e.yaml" -q \
        > /dev/null 2>&1; then
      from_yaml "$TMP/f$n-$e.yaml" > "$TMP/r$n-$e"
      row="$row | $(cell "$TMP/r$n-$e")"
    else
      row="$row | failed"
    fi
  done
  echo "$row |"
done
echo
echo "Each cell: the median relative error of the five module params, how many were fitted, and the pooled"
echo "mortality multiplier (truth 1.5) with the number of strata fitted."
