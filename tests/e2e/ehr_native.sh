# ehr_native.sh -- the EHR reader's vitae: source (learn/src_native.c) on
# vitae's own cohorts, through tests/tools/ehr_dump:
# (1) a cohort (`vitae run -p 300 -s 7`) reads clean: one person per
#     patients row, one period per observation_periods row, every clinical
#     row an event (events + dropped = rows read), each table in its domain
#     (docs/ehr.md, "vitae:"), nothing flagged;
# (2) the same with random observation windows and --history-years, where
#     the patients who died before their window opened are read as persons
#     without an observation period (the one issue flagged);
# (3) --find ID gives that person's lines of the full dump; an absent id
#     none; the read writes nothing beside the database;
# (4) sources that cannot be read (missing, empty, not a database, no
#     patients table, a truncated file, a corrupt page) give a message
#     naming the file and exit 2, never a crash (the sanitizer build runs
#     this script too: make test-sanitize).
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

need_sqlite3 "ehr_native" || finish
if [ ! -x "$EHR_DUMP" ]; then
  notok "ehr_dump tool built" "no $EHR_DUMP (run make test)"
  finish
fi
W=$(workdir ehr_native)

# dump SRC NAME [ARGS...]: ehr_dump into $W/NAME.out / .err; sets $drc.
dump() {
  _src=$1; _name=$2; shift 2
  "$EHR_DUMP" "$@" "$_src" > "$W/$_name.out" 2> "$W/$_name.err"
  drc=$?
}

# stat_of NAME WORD: the number after WORD on the "persons N events N
# periods N" line of NAME.err.
stat_word() { awk -v w="$2" '/^persons / { for (i = 1; i < NF; i++) if ($i == w) print $(i + 1) }' "$W/$1.err"; }

# lines NAME DOMAIN: event lines of that domain in NAME.out.
lines() { awk -F '\t' -v d="$2" '$1 == "event" && $5 == d' "$W/$1.out" | wc -l | tr -d ' '; }

# rows DB TABLE: rows of TABLE, 0 when the table is missing.
rows() { sql "$1" "SELECT count(*) FROM $2" 2>/dev/null | grep -E '^[0-9]+$' || echo 0; }

# clean_cohort LABEL DB NAME: the checks of (1) on cohort DB.
clean_cohort() {
  _l=$1; _db=$2; _n=$3
  dump "vitae:$_db" "$_n"
  check_status "$_l: read" 0 "$drc"
  check_eq "$_l: persons = patients rows" "$(rows "$_db" patients)" "$(stat_word "$_n" persons)"
  check_eq "$_l: person lines = patients rows" "$(rows "$_db" patients)" \
    "$(awk -F '\t' '$1 == "person"' "$W/$_n.out" | wc -l | tr -d ' ')"
  check_eq "$_l: periods = observation_periods rows" "$(rows "$_db" observation_periods)" "$(stat_word "$_n" periods)"
  # imaging studies: one procedure per study, unless the procedure row is there (as out/omop.c)
  studies=$(sql "$_db" "SELECT count(*) FROM (SELECT 1 FROM imaging_studies AS x WHERE NOT EXISTS (SELECT 1 FROM
    procedures AS p WHERE p.patient = x.patient AND p.start = x.date AND p.code = x.procedure_code) GROUP BY patient, id)")
  total=$studies
  for t in encounters conditions medications observations procedures immunizations careplans allergies devices supplies; do
    total=$((total + $(rows "$_db" $t)))
  done
  dropped=$(awk '/\(dropped\)/ && /events|rows of a person/ { s += $1 } END { print s + 0 }' "$W/$_n.err")
  check_eq "$_l: events + dropped = clinical rows read" "$total" "$(($(stat_word "$_n" events) + dropped))"
  # a random window that opened after the death: the patient is never
  # observed and has no observation_periods row (sim/window.c), the one
  # issue a vitae cohort may have
  never=$(sql "$_db" "SELECT count(*) FROM patients WHERE id NOT IN (SELECT patient FROM observation_periods)")
  check_eq "$_l: persons read without a period = patients never observed" "$never" \
    "$(awk '/persons without an observation period \(kept\)/ { print $1; f = 1 } END { if (!f) print 0 }' "$W/$_n.err")"
  if grep '(kept)\|(dropped)' "$W/$_n.err" | grep -v -q 'persons without an observation period (kept)'; then
    notok "$_l: a vitae cohort reads clean (nothing else dropped or flagged)" "$(grep -A3 '(kept)\|(dropped)' "$W/$_n.err" | head -20)"
  else
    ok "$_l: a vitae cohort reads clean (nothing else dropped or flagged)"
  fi
  check_eq "$_l: visits = encounters" "$(rows "$_db" encounters)" "$(lines "$_n" visit)"
  check_eq "$_l: conditions" "$(rows "$_db" conditions)" "$(lines "$_n" condition)"
  check_eq "$_l: drugs = medications" "$(rows "$_db" medications)" "$(lines "$_n" drug)"
  check_eq "$_l: immunizations" "$(rows "$_db" immunizations)" "$(lines "$_n" immunization)"
  check_eq "$_l: procedures = procedures + studies" "$(($(rows "$_db" procedures) + studies))" "$(lines "$_n" procedure)"
  check_eq "$_l: devices = devices + supplies" "$(($(rows "$_db" devices) + $(rows "$_db" supplies)))" \
    "$(lines "$_n" device)"
  meas=$(sql "$_db" "SELECT count(*) FROM observations WHERE type = 'numeric' OR category IN ('laboratory', 'vital-signs')")
  check_eq "$_l: measurements = numeric, laboratory and vital-sign observations" "$meas" "$(lines "$_n" measurement)"
  check_eq "$_l: observations = other observations + care plans + allergies" \
    "$(($(rows "$_db" observations) - meas + $(rows "$_db" careplans) + $(rows "$_db" allergies)))" \
    "$(lines "$_n" observation)"
  vals=$(sql "$_db" "SELECT count(*) FROM observations WHERE type = 'numeric'")
  check_eq "$_l: a value on every numeric observation" "$vals" \
    "$(awk -F '\t' '$1 == "event" && $8 != ""' "$W/$_n.out" | wc -l | tr -d ' ')"
}

# ---- (1) a cohort, (2) with windows ------------------------------------------
vitae run -p 300 -s 7 -o "$W/a.db" -q
check_status "vitae run -p 300 -s 7" 0 "$rc"
sum_before=$(cksum < "$W/a.db")
clean_cohort "cohort" "$W/a.db" full
check_eq "the read leaves the database unchanged" "$sum_before" "$(cksum < "$W/a.db")"
check_eq "nothing written beside the database" "a.db" "$(cd "$W" && ls a.db* | tr '\n' ' ' | sed 's/ $//')"
# the first patient's first lines, as schemas/native.sql has them
birth=$(sql "$W/a.db" "SELECT birthdate FROM patients WHERE id = 1")
check_grep "person 1's birth date" "person	1	$(sql "$W/a.db" "SELECT gender FROM patients WHERE id = 1")	$birth" "$W/full.out"
check_grep "a SNOMED-CT condition is read as SNOMED" "	condition	SNOMED	" "$W/full.out"

vitae run -p 200 -s 7 --observation random --history-years 20 -o "$W/w.db" -q
check_status "vitae run with random observation windows" 0 "$rc"
clean_cohort "windows" "$W/w.db" windows

# ---- (3) find --------------------------------------------------------------------
for id in 1 150 300; do
  dump "vitae:$W/a.db" "find$id" --find "$id"
  awk -F '\t' -v id="$id" '$2 == id' "$W/full.out" > "$W/want$id"
  if [ "$drc" = 0 ] && [ -s "$W/want$id" ] && cmp -s "$W/want$id" "$W/find$id.out"; then
    ok "--find $id gives the lines of the full dump"
  else
    notok "--find $id gives the lines of the full dump" "exit $drc" "$(diff "$W/want$id" "$W/find$id.out" | head -5)"
  fi
done
dump "vitae:$W/a.db" find_none --find 301
check_status "--find of an absent id: exit 1" 1 "$drc"
check_grep "--find of an absent id says so" "no person 301" "$W/find_none.err"
dump "$W/a.db" detected
check_eq "the kind is detected from the database" "$(cksum < "$W/full.out")" "$(cksum < "$W/detected.out")"

# ---- (4) sources that cannot be read ---------------------------------------------
# bad LABEL FILE WANT: ehr_dump vitae:FILE exits 2 with a message naming FILE
# and holding WANT.
bad() {
  dump "vitae:$2" bad
  if [ "$drc" = 2 ] && grep -q "$2" "$W/bad.err" && grep -q -e "$3" "$W/bad.err"; then
    ok "$1: exit 2 and a message"
  else
    notok "$1: exit 2 and a message" "exit $drc (want 2), want '$3' and the path in:" "$(head -c 600 "$W/bad.err")"
  fi
}
bad "a missing file" "$W/none.db" "No such file"
: > "$W/empty.db"
bad "an empty file" "$W/empty.db" "not a SQLite database"
printf 'id,birthdate\n1,2000-01-01\n' > "$W/text.db"
bad "not a database" "$W/text.db" "not a SQLite database"
sqlite3 "$W/nopat.db" "CREATE TABLE person (person_id INTEGER); CREATE TABLE other (x);"
bad "a database without a patients table" "$W/nopat.db" "no patients table"
sqlite3 "$W/nocol.db" "CREATE TABLE patients (id INTEGER PRIMARY KEY, gender TEXT);"
bad "a patients table without birthdate" "$W/nocol.db" "no column birthdate"
size=$(wc -c < "$W/a.db" | tr -d ' ')
head -c $((size / 2)) "$W/a.db" > "$W/trunc.db"
bad "a truncated file" "$W/trunc.db" "malformed\|disk image\|truncated\|not a database"
# a corrupt page: one leaf page of observations (dbstat) or, without
# dbstat, the page in the middle of the file, overwritten with 0xff bytes
cp "$W/a.db" "$W/corrupt.db"
psize=$(sql "$W/a.db" "PRAGMA page_size")
page=$(sql "$W/a.db" "SELECT pageno FROM dbstat WHERE name = 'observations' AND pagetype = 'leaf' LIMIT 1 OFFSET 500" 2>/dev/null | grep -E '^[0-9]+$')
[ -n "$page" ] || page=$((size / psize / 2))
awk -v n="$psize" 'BEGIN { for (i = 0; i < n; i++) printf "%c", 255 }' > "$W/ff"
dd if="$W/ff" of="$W/corrupt.db" bs="$psize" seek=$((page - 1)) count=1 conv=notrunc 2>/dev/null
bad "a corrupt page" "$W/corrupt.db" "malformed\|corrupt"
check_no_file "no side file beside the corrupt database" "$W/corrupt.db-journal"

finish
