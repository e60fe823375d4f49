# time_limits.sh -- what a life can hold (sim/vtime.h), through the CLI: a
# Delay of 2^32 months (Lua) or 1e300 days (GMF JSON), a range up to 1e300
# days and a Date condition in year 2^63 stop the run at load time with
# status 1, a message naming file, line and state, and no database; Delays,
# durations and a Death whose length a Lua function computes as 1e300 days
# (or 2^32 months, inf, NaN) behave as "never": the run succeeds, the states
# after them are never reached, and no row is dated before birth or after
# death.  Fixtures: tests/fixtures/time_limits/.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

need_sqlite3 "time limits" || finish
W=$(workdir time_limits)
FIX="$FIXTURES/time_limits"

# bad FILE DESCRIPTION PATTERN: loading FILE fails with PATTERN in the message.
bad() {
  _db="$W/bad.db"
  rm -f "$_db"
  vitae run -p 5 -s 1 -m "$FIX/bad/$1" -o "$_db" -q
  check_status "$2: exits 1" 1 "$rc"
  check_grep "$2: the message says why, with file, line and state" "$3" "$E2E_ERR"
  check_no_file "$2: no database at -o" "$_db"
  check_no_partial "$2: no partial file at -o" "$_db"
}
bad delay_months.lua "a Delay of 2^32 months" \
  "delay_months.lua:6: state 'Wait': delay of 4294967296 months is longer than any life (at most 1000 years)"
bad delay_days.json "a Delay of 1e300 days (GMF JSON)" \
  "delay_days.json:5: state 'Wait': delay of 1e+300 days is longer than any life (at most 1000 years)"
bad range_high.lua "a Delay in range {low = 1, high = 1e300}" "range_high.lua:6: state 'Wait': delay of 1e+300 days"
bad date_year.lua "a Date condition in year 2^63" \
  "date_year.lua:6: state 'Wait': Date condition: year must be a whole number from 1 to 9999"

vitae run -p 200 -s 5 --threads 2 -m "$FIX/never" -o "$W/never.db" -q
check_status "spans computed as 1e300 days run (no loop error)" 0 "$rc"
check_eq "every patient starts the modules" 200 "$(sql "$W/never.db" "SELECT count(DISTINCT patient) FROM conditions WHERE code = '7100'")"
check_zero "no state after a never-ending span is reached" "$W/never.db" \
  "SELECT count(*) FROM conditions WHERE code IN ('7101', '7111', '7121', '7131', '7141', '7151', '7161', '7171')"
check_zero "a never-ending Procedure stays open" "$W/never.db" "SELECT count(*) FROM procedures WHERE code = '7172' AND stop IS NOT NULL"
check_zero "a Death 1e300 days later never comes (natural deaths only)" "$W/never.db" \
  "SELECT count(*) FROM patients p WHERE deathdate IS NOT NULL AND NOT EXISTS
     (SELECT 1 FROM conditions c WHERE c.patient = p.id AND c.code = '7181')"
dated="SELECT 'c', patient, start, stop FROM conditions UNION ALL SELECT 'p', patient, start, stop FROM procedures
  UNION ALL SELECT 'e', patient, start, stop FROM encounters UNION ALL SELECT 'o', patient, date, NULL FROM observations"
check_zero "no row is dated before birth" "$W/never.db" \
  "SELECT count(*) FROM ($dated) r JOIN patients p ON p.id = r.patient WHERE substr(r.start, 1, 10) < p.birthdate
     OR substr(r.stop, 1, 10) < p.birthdate"
check_zero "no row is dated after death" "$W/never.db" \
  "SELECT count(*) FROM ($dated) r JOIN patients p ON p.id = r.patient WHERE p.deathdate IS NOT NULL
     AND (substr(r.start, 1, 10) > p.deathdate OR substr(r.stop, 1, 10) > p.deathdate)"
check_zero "no row is dated after the reference year" "$W/never.db" \
  "SELECT count(*) FROM ($dated) r WHERE r.start > '2100' OR r.stop > '2100' OR r.start < '1900'"

rm -rf "$W"
finish
