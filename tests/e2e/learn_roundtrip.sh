# learn_roundtrip.sh -- the main test of `vitae learn` (docs/learn.md): a
# censored OMOP extract is simulated from modules with known param values
# (tests/fixtures/learn_rt/truth.yaml, every value away from its module's
# default), then learned back at epsilon 1, delta 1e-6, starting from the
# defaults.  It covers a param in a constant branch (rt_branch), params read
# inside a Lua function (rt_yearly: an age-banded yearly risk), a branch
# reached 3 to 8 years after onset, so that the windows censor it
# (rt_late), a GMF JSON branch probability (rt_gmf), and the lifecycle's
# mortality (x1.5 in every stratum).
#
# Tolerances come from the fit's own standard errors, never picked to pass:
# each module param must be fitted and within 4 x 1.5 standard errors of the
# truth.  The se adds the release's noise, the real data's sampling and the
# simulation's; replaying 16 noise draws on one extract (docs/learn-
# statistics.md, "How good the standard errors are") spread the estimates
# by 0.95 to 1.5 times their se, hence the factor 1.5; 4 such units is a
# two-sided false alarm of 6e-5 per param.  Where the default is further
# from the truth than that, the fit must also have moved towards the truth.  Mortality: the multipliers the
# fit could estimate, pooled with weights 1 / se^2, within 4 pooled se plus
# 10% of the band approximation (docs/learn-statistics.md, "Fitting the
# lifecycle") of 1.5.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir learn_roundtrip)
RT="$FIXTURES/learn_rt"

vitae run -p 40000 -s 3 -m "$RT" --params "$RT/truth.yaml" -f omop --observation random -o "$W/ehr.db" -q
check_status "the censored OMOP extract is written" 0 "$rc"
vitae learn --from "omop:$W/ehr.db" -m "$RT" --epsilon 1 --delta 1e-6 -o "$W/fit.yaml" --sim-patients 10000 -q
check_status "vitae learn fits it at epsilon 1, delta 1e-6" 0 "$rc"
[ -f "$W/fit.yaml" ] || { notok "params file written"; finish; }

# field NAME KEY: the KEY of NAME's line in the file's fit: section.
field() {
  sed -n "s/^  - {name: \"$1\", .* $2: \\([^,}]*\\).*/\\1/p" "$W/fit.yaml" | head -n 1
}
truth() { sed -n "s/^  $1: //p" "$RT/truth.yaml"; }

for p in rt.branch.severe rt.yearly.under45 rt.yearly.from45 rt.late.complication gmf.rt_gmf.Choice.Visit; do
  t=$(truth "$p"); d=$(field "$p" default); v=$(field "$p" value); se=$(field "$p" se)
  check_eq "$p is fitted" "true" "$(field "$p" fitted)"
  if awk -v t="$t" -v v="$v" -v se="$se" -v d="$d" 'BEGIN {
        tol = 4 * 1.5 * se; e = v - t; if (e < 0) e = -e; e0 = d - t; if (e0 < 0) e0 = -e0
        exit !(v != "" && se > 0 && e <= tol && (e0 <= tol || e < e0)) }'; then
    ok "$p: $v +- $se is within 6 se of the truth $t (default $d)"
  else
    notok "$p: $v +- $se is within 6 se of the truth $t, and closer than the default $d"
  fi
done

# The lifecycle's mortality, pooled over the strata the fit estimated.
pooled=$(sed -n 's/^  - {name: "lifecycle\.mortality\.[^"]*", .* value: \([^,]*\), se: \([^,]*\), fitted: true}$/\1 \2/p' "$W/fit.yaml" |
  awk '$2 > 0 { w = 1 / ($2 * $2); s += w * $1; n += w; k++ } END { if (k) printf "%d %.4f %.4f", k, s / n, 1 / sqrt(n) }')
set -- $pooled
if [ "${1:-0}" -ge 4 ] && awk -v m="$2" -v se="$3" 'BEGIN { e = m - 1.5; if (e < 0) e = -e; exit !(e <= 4 * se + 0.15) }'; then
  ok "mortality x1.5: $1 strata fitted, pooled multiplier $2 +- $3 (truth 1.5)"
else
  notok "mortality x1.5: at least 4 strata fitted, pooled multiplier within 4 se + 0.15 of 1.5" "got: ${pooled:-none}"
fi

# What cannot be learned keeps its default, with a reason.
check_eq "the last branch of the GMF list is not a param to fit, and says why" "1" \
  "$(grep -c '^  - {name: "gmf.rt_gmf.Choice.Next_Year", .*fitted: false, why: "the last branch of its list' "$W/fit.yaml")"

# The fitted file drives a run.
vitae run -p 200 -s 1 -m "$RT" --params "$W/fit.yaml" -o "$W/cohort.db" -q
check_status "vitae run --params takes the fitted file" 0 "$rc"
finish
