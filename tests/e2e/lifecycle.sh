# lifecycle.sh -- the lifecycle params (schemas/params.md, "Lifecycle
# params") and their closed-form fit (learn/fit_lifecycle.h): an all-default
# params file changes nothing; a mortality multiplier of 3 for men 70-74
# raises their deaths; female_share 0.8 gives about 80% women; bad values
# exit 2; the fit on exact statistics measured from the cohorts
# (tests/tools/lifefit.c) recovers the multiplier's ratio; on a random-window
# OMOP cohort (whose windows do not depend on the death date) the pooled
# mortality multiplier is about 1, and about 2 with every multiplier x2.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir lifecycle)
MOD="$E2E_FIXTURES/param_chance.lua"     # no module deaths: only the life table kills
LIFEFIT="$BUILD/tools/lifefit"
need_sqlite3 "lifecycle" || finish
[ -x "$LIFEFIT" ] || notok "lifefit tool" "$LIFEFIT missing (make $LIFEFIT)"

# ---- defaults are byte-identical ----
vitae params --lifecycle
check_status "vitae params --lifecycle: exits 0" 0 "$rc"
check_eq "vitae params --lifecycle: 58 params" 58 "$(grep -vc '^#' "$E2E_OUT")"
{ echo "params:"; grep -v '^#' "$E2E_OUT" | grep mortality | awk -F'\t' '{ print "  " $1 ": 1" }'; } > "$W/default.yaml"
dump() { for t in $(sql "$1" "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'run_info' ORDER BY name"); do
  sql "$1" "SELECT * FROM $t"; done | cksum; }
rm -f "$W/a.db" "$W/b.db"
vitae run -p 300 -s 5 -o "$W/a.db" -q
vitae run -p 300 -s 5 --params "$W/default.yaml" -o "$W/b.db" -q
check_status "all-default lifecycle params: exits 0" 0 "$rc"
check_eq "all-default lifecycle params: every row identical to a run without" "$(dump "$W/a.db")" "$(dump "$W/b.db")"

# ---- bad values: exit 2 naming the param ----
bad() {
  printf 'params:\n  %s: %s\n' "$1" "$2" > "$W/bad.yaml"; rm -f "$W/bad.db"
  vitae run -p 10 -m "$MOD" --params "$W/bad.yaml" -o "$W/bad.db" -q
  check_status "$1: $2 refused (exit 2)" 2 "$rc"
  check_grep "$1: $2: the message names the param" "param '$1'" "$E2E_ERR"
  check_no_file "$1: $2: nothing written" "$W/bad.db"
}
bad lifecycle.mortality.M.70-74 0
bad lifecycle.mortality.F.85+ -1
bad lifecycle.mortality.F.85+ '"x"'
bad lifecycle.sex.female_share 1.5
bad lifecycle.race.white -0.1
bad lifecycle.ethnicity.hispanic nan
bad lifecycle.race.purple 0.5
bad lifecycle.birth.1950s -1
bad lifecycle.birth.1850s 0.5

# ---- birth decades: 3/4 in the 1950s, 1/4 in the 1980s ----
N=2000
{ echo "params:"; for d in 1900 1910 1920 1930 1940 1950 1960 1970 1980 1990 2000 2010 2020; do
    v=0; [ $d = 1950 ] && v=3; [ $d = 1980 ] && v=1; echo "  lifecycle.birth.${d}s: $v"; done; } > "$W/birth.yaml"
vitae run -p $N -s 3 -m "$MOD" --params "$W/birth.yaml" -o "$W/birth.db" -q
check_status "birth decades 1950s 3, 1980s 1: exits 0" 0 "$rc"
check_eq "birth decades: nobody born outside the 1950s and 1980s" 0 \
  "$(sql "$W/birth.db" "SELECT count(*) FROM patients WHERE substr(birthdate, 1, 3) NOT IN ('195', '198')")"
b=$(sql "$W/birth.db" "SELECT count(*) FROM patients WHERE substr(birthdate, 1, 3) = '195'")
tol=$(awk -v n=$N 'BEGIN { printf "%d", 4 * sqrt(n * 0.75 * 0.25) + 1 }')
check_between "birth decades: the 1950s within 4 sd of 3/4 N" $((N * 3 / 4 - tol)) $((N * 3 / 4 + tol)) "$b"

# ---- female share 0.8 ----
N=4000
printf 'params:\n  lifecycle.sex.female_share: 0.8\n' > "$W/f8.yaml"; rm -f "$W/f8.db"
vitae run -p $N -s 3 -m "$MOD" --params "$W/f8.yaml" -o "$W/f8.db" -q
check_status "female_share 0.8: exits 0" 0 "$rc"
f=$(sql "$W/f8.db" "SELECT count(*) FROM patients WHERE gender = 'F'")
# binomial: 4 standard deviations of N p (1 - p)
tol=$(awk -v n=$N 'BEGIN { printf "%d", 4 * sqrt(n * 0.8 * 0.2) + 1 }')
check_between "female_share 0.8: women within 4 sd of 0.8 N" $((N * 8 / 10 - tol)) $((N * 8 / 10 + tol)) "$f"

# ---- mortality x3 for men 70-74 ----
N=20000
printf 'params:\n  lifecycle.mortality.M.70-74: 3\n' > "$W/m3.yaml"; rm -f "$W/d.db" "$W/e.db"
vitae run -p $N -s 7 --age 60-100 --history-years 10 -m "$MOD" -o "$W/d.db" -q
vitae run -p $N -s 7 --age 60-100 --history-years 10 -m "$MOD" --params "$W/m3.yaml" -o "$W/e.db" -q
check_status "mortality.M.70-74 = 3: exits 0" 0 "$rc"
deaths() { sql "$1" "SELECT count(*) FROM patients WHERE gender = '$2' AND deathdate IS NOT NULL AND
  (julianday(deathdate) - julianday(birthdate)) / 365.2425 >= $3 AND (julianday(deathdate) - julianday(birthdate)) / 365.2425 < $4"; }
d0=$(deaths "$W/d.db" M 70 75); d1=$(deaths "$W/e.db" M 70 75)
# Poisson: the x3 run must exceed the default by more than 4 sd of the difference
lim=$(awk -v a="$d0" -v b="$d1" 'BEGIN { printf "%d", a + 4 * sqrt(a + b) }')
check_between "mortality.M.70-74 = 3: male deaths at 70-74 rise ($d0 -> $d1)" "$lim" 1000000000 "$d1"
f0=$(deaths "$W/d.db" F 70 75); f1=$(deaths "$W/e.db" F 70 75)
check_eq "mortality.M.70-74 = 3: female deaths at 70-74 unchanged (same seed)" "$f0" "$f1"

# ---- the fit on exact statistics ----
"$LIFEFIT" "vitae:$W/d.db" > "$W/d.fit" 2>"$W/d.err"; check_status "lifefit on the default cohort: exits 0" 0 $?
"$LIFEFIT" "vitae:$W/e.db" > "$W/e.fit" 2>"$W/e.err"; check_status "lifefit on the x3 cohort: exits 0" 0 $?
line() { grep "^$1	" "$2"; }
check_grep "the multiplier is fitted" "lifecycle.mortality.M.70-74	fitted" "$W/e.fit"
# ratio of the two multipliers, with its delta-method se from the Poisson
# counts (se of each from the fit): within 4 se of 3
ratio=$(awk -F'\t' 'FNR == NR && $1 == "lifecycle.mortality.M.70-74" { m0 = $3; s0 = $4 }
  FNR != NR && $1 == "lifecycle.mortality.M.70-74" { m1 = $3; s1 = $4 }
  END { r = m1 / m0; se = r * sqrt((s0 / m0) ^ 2 + (s1 / m1) ^ 2); printf "%.4f %.4f", r, se }' "$W/d.fit" "$W/e.fit")
r=${ratio% *}; se=${ratio#* }
check_between "fitted multiplier ratio x3 / default within 4 se ($se) of 3" \
  "$(awk -v s="$se" 'BEGIN { print 3 - 4 * s }')" "$(awk -v s="$se" 'BEGIN { print 3 + 4 * s }')" "$r"
fs=$(line lifecycle.sex.female_share "$W/d.fit" | cut -f3)
nm=$(sql "$W/d.db" "SELECT count(*) FROM patients WHERE gender = 'F'")
check_eq "fitted female share = the cohort's share of women" "$(awk -v a="$nm" -v n=$N 'BEGIN { printf "%.6f", a / n }')" "$fs"
bs=$(line lifecycle.birth.1950s "$W/d.fit" | cut -f3)
nb=$(sql "$W/d.db" "SELECT count(*) FROM patients WHERE substr(birthdate, 1, 3) = '195'")
check_eq "fitted 1950s birth share = the cohort's share born in the 1950s" "$(awk -v a="$nb" -v n=$N 'BEGIN { printf "%.6f", a / n }')" "$bs"
check_grep "a stratum with too few expected deaths cannot be fitted, with a reason" \
  "lifecycle.mortality.F.10-14	cannot	1.000000	0.000000	deaths/F/10-14: " "$W/d.fit"

# ---- absolute multipliers on a death-independent extract ----
# --observation random places each window on the potential life without
# looking at the death date and stops it at death (sim/window.c), so the
# deaths over the life table's expected deaths, pooled over the strata with
# at least 1 expected death (lifefit's "expected" lines, multiplier 1), is
# the multiplier itself.  Tolerance: 4 Poisson sd of the pooled ratio,
# 4 sqrt(D) / E, plus a model error of 5% of the target for the band
# approximation (docs/learn-statistics.md: hbar weights the ages within a
# band as a cohort entering it; measured 0.9975 +- 0.025 on 100,000
# patients).  Before windows were death-independent this cohort gave 2.88
# (x1) and 6.05 (x2).
N=15000
{ echo "params:"; vitae params --lifecycle; grep -v '^#' "$E2E_OUT" | grep mortality | awk -F'\t' '{ print "  " $1 ": 2" }'; } > "$W/x2.yaml"
pooled() {   # FIT: "m lo hi" for target $2
  awk -F'\t' -v t="$2" '$1 == "stat" && $2 ~ /^deaths\// { D[$2] = $3 } $1 == "expected" { E[$2] = $3 }
    END { for (k in E) if (E[k] >= 1) { d += D[k]; e += E[k] }
          if (e <= 0) { print "none 0 0"; exit } tol = 4 * sqrt(d > 1 ? d : 1) / e + 0.05 * t
          printf "%.4f %.4f %.4f E=%.1f D=%d", d / e, t - tol, t + tol, e, d }' "$1"
}
for x in 1 2; do
  rm -f "$W/r$x.db"
  if [ $x = 1 ]; then vitae run -p $N -s 11 -m "$MOD" --observation random --format omop -o "$W/r$x.db" -q
  else vitae run -p $N -s 11 -m "$MOD" --observation random --format omop --params "$W/x2.yaml" -o "$W/r$x.db" -q; fi
  check_status "random-window OMOP cohort, multipliers x$x: exits 0" 0 "$rc"
  "$LIFEFIT" "omop:$W/r$x.db" > "$W/r$x.fit" 2>"$W/r$x.err"; check_status "lifefit on the x$x random-window cohort: exits 0" 0 $?
  set -- $(pooled "$W/r$x.fit" $x)
  check_between "random windows, multipliers x$x: pooled mortality multiplier near $x ($4 $5)" "$2" "$3" "$1"
done
nper=$(sql "$W/r1.db" "SELECT count(*) FROM observation_period")
nnever=$(sql "$W/r1.db" "SELECT count(*) FROM person WHERE person_id NOT IN (SELECT person_id FROM observation_period)")
ndead=$(sql "$W/r1.db" "SELECT count(*) FROM death WHERE person_id NOT IN (SELECT person_id FROM observation_period)")
check_eq "random windows: every person has one observation period or none" $N $((nper + nnever))
check_between "random windows: some died before their window opened and have no period" 1 $N "$nnever"
check_eq "random windows: no death is known for a person never observed" 0 "$ndead"
finish
