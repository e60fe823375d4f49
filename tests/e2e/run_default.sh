# run_default.sh -- a cohort from the default module set is consistent:
# every row belongs to an existing patient (and encounter of that patient),
# happens within the patient's life, ends after it starts; the cohort has
# the requested size, a plausible age and sex structure, provenance on every
# row, and its run_info.
# Skips when modules/ holds no module yet.  E2E_DEFAULT_MODULES=PATH runs
# the same checks on other modules (to try the script itself).
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

if [ -n "$E2E_DEFAULT_MODULES" ]; then
  set -- -m "$E2E_DEFAULT_MODULES"
elif have_default_modules; then
  set --
else
  notok "run_default" "modules/ holds no module: the default set is missing"
  finish
fi
need_sqlite3 "run_default" || finish

W=$(workdir run_default)
DB="$W/x.db"
N=500

vitae run -p $N -s 7 -o "$DB" -q "$@"
check_status "run -p $N -s 7 on the default set: exits 0" 0 "$rc"
if [ "$rc" -ne 0 ] || [ ! -f "$DB" ]; then
  notok "the run wrote its database" "$(tail -5 "$E2E_ERR")"
  rm -rf "$W"; finish
fi
check_eq "the database is sound" ok "$(sql "$DB" "PRAGMA integrity_check")"
check_no_partial "no partial file left" "$DB"

# ---- patients -----------------------------------------------------------------
check_eq "exactly $N patients" $N "$(sql "$DB" "SELECT count(*) FROM patients")"
check_eq "patient ids are 1..$N" "1|$N" "$(sql "$DB" "SELECT min(id), max(id) FROM patients")"
check_zero "birthdates are YYYY-MM-DD" "$DB" \
  "SELECT count(*) FROM patients WHERE birthdate NOT GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]' OR date(birthdate) IS NOT birthdate"
check_zero "deathdates are YYYY-MM-DD or NULL" "$DB" \
  "SELECT count(*) FROM patients WHERE deathdate IS NOT NULL AND date(deathdate) IS NOT deathdate"
check_zero "no death before birth" "$DB" "SELECT count(*) FROM patients WHERE deathdate < birthdate"
check_zero "gender is M or F" "$DB" "SELECT count(*) FROM patients WHERE gender IS NULL OR gender NOT IN ('M', 'F')"

REF=$(sql "$DB" "SELECT value FROM run_info WHERE key = 'reference_date'")
if [ "$(sql "$DB" "SELECT date('$REF') IS NOT NULL")" = 1 ]; then ok "run_info has the reference date ($REF)"
else notok "run_info has the reference date" "got '$REF'"; REF=$(date -u +%Y-%m-%d); fi
check_zero "nobody born after the reference date" "$DB" "SELECT count(*) FROM patients WHERE birthdate > '$REF'"
check_zero "nobody dead after the reference date" "$DB" "SELECT count(*) FROM patients WHERE deathdate > '$REF'"

# Age structure of the cohort (born in the last 18 years; aged 65+ at the
# reference date, alive or not) and sex ratio, in percent.
young=$(sql "$DB" "SELECT round(100.0 * sum(birthdate > date('$REF', '-18 years')) / count(*), 1) FROM patients")
check_between "percent born in the last 18 years" 15 30 "$young"
old=$(sql "$DB" "SELECT round(100.0 * sum(birthdate <= date('$REF', '-65 years')) / count(*), 1) FROM patients")
check_between "percent aged 65+ at the reference date" 10 25 "$old"
female=$(sql "$DB" "SELECT round(100.0 * sum(gender = 'F') / count(*), 1) FROM patients")
check_between "percent female" 40 60 "$female"
dead=$(sql "$DB" "SELECT count(*) FROM patients WHERE deathdate IS NOT NULL")
check_between "some but not most patients dead" 1 $((N / 2)) "$dead"

# ---- clinical rows ----------------------------------------------------------
# table:date column:stop column (- when none)
TABLES="encounters:start:stop conditions:start:stop medications:start:stop
observations:date:- procedures:start:stop immunizations:date:- careplans:start:stop
allergies:start:stop devices:start:stop imaging_studies:date:- supplies:date:-"

for spec in $TABLES; do
  t=${spec%%:*}; rest=${spec#*:}; d=${rest%%:*}; s=${rest#*:}
  check_zero "$t: every row's patient exists" "$DB" \
    "SELECT count(*) FROM $t WHERE patient NOT IN (SELECT id FROM patients)"
  if [ "$t" != encounters ]; then
    check_zero "$t: every encounter referenced exists and is the same patient's" "$DB" \
      "SELECT count(*) FROM $t x WHERE x.encounter IS NOT NULL AND NOT EXISTS
         (SELECT 1 FROM encounters e WHERE e.id = x.encounter AND e.patient = x.patient)"
  fi
  check_zero "$t: $d is a time YYYY-MM-DDTHH:MM:SSZ" "$DB" \
    "SELECT count(*) FROM $t WHERE $d IS NULL OR $d NOT GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'"
  check_zero "$t: no $d before the patient's birth" "$DB" \
    "SELECT count(*) FROM $t x JOIN patients p ON p.id = x.patient WHERE substr(x.$d, 1, 10) < p.birthdate"
  check_zero "$t: no $d after the patient's death" "$DB" \
    "SELECT count(*) FROM $t x JOIN patients p ON p.id = x.patient WHERE p.deathdate IS NOT NULL AND substr(x.$d, 1, 10) > p.deathdate"
  check_zero "$t: no $d after the reference date" "$DB" \
    "SELECT count(*) FROM $t WHERE substr($d, 1, 10) > '$REF'"
  if [ "$s" != - ]; then
    check_zero "$t: $s >= $d where $s is set" "$DB" "SELECT count(*) FROM $t WHERE $s IS NOT NULL AND $s < $d"
    check_zero "$t: no $s after the patient's death" "$DB" \
      "SELECT count(*) FROM $t x JOIN patients p ON p.id = x.patient WHERE p.deathdate IS NOT NULL AND substr(x.$s, 1, 10) > p.deathdate"
  fi
  check_zero "$t: every row has module and state" "$DB" \
    "SELECT count(*) FROM $t WHERE module IS NULL OR module = '' OR state IS NULL OR state = ''"
done

# Rows recorded in an encounter fall within it (by date).
for spec in conditions:start medications:start procedures:start observations:date immunizations:date; do
  t=${spec%%:*}; d=${spec#*:}
  check_zero "$t: recorded within its encounter's dates" "$DB" \
    "SELECT count(*) FROM $t x JOIN encounters e ON e.id = x.encounter
       WHERE substr(x.$d, 1, 10) < substr(e.start, 1, 10)
          OR (e.stop IS NOT NULL AND substr(x.$d, 1, 10) > substr(e.stop, 1, 10))"
done

check_zero "observations: numeric values are numbers" "$DB" \
  "SELECT count(*) FROM observations WHERE type = 'numeric' AND typeof(value) NOT IN ('real', 'integer')"
check_zero "observations: type is numeric or text" "$DB" \
  "SELECT count(*) FROM observations WHERE type IS NULL OR type NOT IN ('numeric', 'text')"
check_zero "encounters: every encounter has a class" "$DB" \
  "SELECT count(*) FROM encounters WHERE encounterclass IS NULL OR encounterclass = ''"

codes=$(sql "$DB" "SELECT count(DISTINCT code) FROM conditions")
check_between "distinct condition codes (at least 12)" 12 1000000 "$codes"
with=$(sql "$DB" "SELECT count(DISTINCT patient) FROM encounters")
check_between "patients with at least one encounter (at least 90%)" $((N * 9 / 10)) $N "$with"

# ---- run_info -----------------------------------------------------------------
check_eq "run_info.seed" 7 "$(sql "$DB" "SELECT value FROM run_info WHERE key = 'seed'")"
check_eq "run_info.population" $N "$(sql "$DB" "SELECT value FROM run_info WHERE key = 'population'")"
v=$(sql "$DB" "SELECT value FROM run_info WHERE key = 'vitae_version'")
vitae --version
check_eq "run_info.vitae_version is the binary's version" "$(sed -n 's/^vitae //p' "$E2E_OUT" | head -1)" "$v"
m=$(sql "$DB" "SELECT count(*) FROM run_info WHERE key = 'modules' AND length(value) > 0")
check_eq "run_info.modules is filled" 1 "$m"
nmod=$(sql "$DB" "SELECT value FROM run_info WHERE key = 'modules'" | grep -c .)
check_between "run_info.modules lists the modules" 1 100000 "$nmod"

rm -rf "$W"
finish
