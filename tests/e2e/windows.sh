# windows.sh -- observation windows in the native format: --history-years N
# keeps the last N years of each record, --observation random gives each
# patient an enrolment window; every row lies in its patient's window, the
# window is recorded in observation_periods, the same seed gives the same
# windows with any thread count, and a bad value is a usage error.  A random
# window is placed without the death date and stopped at death, so a patient
# who died before it opened is never observed: no period, no row, no death.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

need_sqlite3 "observation windows" || finish
W=$(workdir windows)
M="$BASIC_MODULE"

inside() {   # inside DB: rows of every clinical table outside their window
  sql "$1" "SELECT
    (SELECT count(*) FROM encounters x JOIN observation_periods w ON w.patient = x.patient WHERE x.start < w.start OR x.start > w.stop)
  + (SELECT count(*) FROM conditions x JOIN observation_periods w ON w.patient = x.patient WHERE x.start < w.start OR x.start > w.stop)
  + (SELECT count(*) FROM medications x JOIN observation_periods w ON w.patient = x.patient WHERE x.start < w.start OR x.start > w.stop)
  + (SELECT count(*) FROM observations x JOIN observation_periods w ON w.patient = x.patient WHERE x.date < w.start OR x.date > w.stop)
  + (SELECT count(*) FROM procedures x JOIN observation_periods w ON w.patient = x.patient WHERE x.start < w.start OR x.start > w.stop)"
}

vitae run -p 200 -s 4 -m "$M" -o "$W/full.db" -q
check_status "whole-life run" 0 "$rc"
check_eq "whole life: one observation period per patient, all whole-life" 200 \
  "$(sql "$W/full.db" "SELECT count(*) FROM observation_periods WHERE whole_life = 1")"
check_zero "whole life: periods run from birth" "$W/full.db" \
  "SELECT count(*) FROM observation_periods w JOIN patients p ON p.id = w.patient WHERE substr(w.start, 1, 10) != p.birthdate"

vitae run -p 200 -s 4 -m "$M" --history-years 5 -o "$W/h5.db" -q
check_status "--history-years 5 runs" 0 "$rc"
check_eq "--history-years 5: every row lies in its patient's window" 0 "$(inside "$W/h5.db")"
check_zero "--history-years 5: no window is longer than 5 years" "$W/h5.db" \
  "SELECT count(*) FROM observation_periods WHERE julianday(stop) - julianday(start) > 5 * 366"
few=$(sql "$W/h5.db" "SELECT count(*) FROM observations")
all=$(sql "$W/full.db" "SELECT count(*) FROM observations")
check "--history-years 5: fewer observations than the whole lives ($few < $all)" test "$few" -lt "$all"
check_eq "--history-years 5: the same patients and deaths as the whole-life run" \
  "$(sql "$W/full.db" "SELECT group_concat(birthdate || coalesce(deathdate, '-')) FROM patients")" \
  "$(sql "$W/h5.db" "SELECT group_concat(birthdate || coalesce(deathdate, '-')) FROM patients")"

vitae run -p 200 -s 4 -m "$M" --observation random --threads 1 -o "$W/r1.db" -q
check_status "--observation random runs" 0 "$rc"
check_eq "--observation random: every row lies in its patient's window" 0 "$(inside "$W/r1.db")"
check_zero "--observation random: deaths are inside the windows" "$W/r1.db" \
  "SELECT count(*) FROM patients p JOIN observation_periods w ON w.patient = p.id WHERE p.deathdate IS NOT NULL AND p.deathdate > substr(w.stop, 1, 10)"
never="patient NOT IN (SELECT patient FROM observation_periods)"
nnever=$(sql "$W/r1.db" "SELECT count(*) FROM patients WHERE id NOT IN (SELECT patient FROM observation_periods)")
check_between "--observation random: some patients died before their window opened (no period)" 1 50 "$nnever"
check_zero "--observation random: a patient never observed has no row and no death" "$W/r1.db" \
  "SELECT (SELECT count(*) FROM encounters WHERE $never) + (SELECT count(*) FROM conditions WHERE $never)
        + (SELECT count(*) FROM medications WHERE $never) + (SELECT count(*) FROM observations WHERE $never)
        + (SELECT count(*) FROM procedures WHERE $never)
        + (SELECT count(*) FROM patients WHERE id NOT IN (SELECT patient FROM observation_periods) AND deathdate IS NOT NULL)"
check_eq "--observation random: at most one period per patient" 0 \
  "$(sql "$W/r1.db" "SELECT count(*) FROM (SELECT patient FROM observation_periods GROUP BY patient HAVING count(*) > 1)")"
cut=$(sql "$W/r1.db" "SELECT count(*) FROM observation_periods WHERE whole_life = 0")
check_between "--observation random: most windows are shorter than the life" 150 200 "$cut"
vitae run -p 200 -s 4 -m "$M" --observation random --threads 3 -o "$W/r3.db" -q
check_eq "--observation random: the same windows and rows with 3 threads" \
  "$(sql "$W/r1.db" "SELECT * FROM observation_periods; SELECT * FROM conditions" | cksum)" \
  "$(sql "$W/r3.db" "SELECT * FROM observation_periods; SELECT * FROM conditions" | cksum)"

vitae run -p 5 -m "$M" --observation sometimes -o "$W/bad.db" -q
check_status "--observation with a bad value: usage error" 2 "$rc"
check_grep "--observation with a bad value: the message says what is expected" "full or random" "$E2E_ERR"
vitae run -p 5 -m "$M" --history-years -3 -o "$W/bad.db" -q
check_status "--history-years -3: usage error" 2 "$rc"
check_no_file "a usage error writes no database" "$W/bad.db"

rm -rf "$W"
finish
