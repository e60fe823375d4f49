#!/bin/sh
# ehr_omop.sh -- the omop: and omop-csv: sources of the EHR reader
# (learn/src_omop.c) through tests/tools/ehr_dump: person and event counts
# against sqlite3 counts of the same tables (events yielded + rows dropped =
# rows of the event tables), the CDM version and era notes, the CSV folder
# giving the same view as the SQLite file, find by id, reading without
# writing beside the file, and bad sources (exit 2 with a message, never a
# crash; run under the sanitizer build too: BUILD=build-san).
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir ehr_omop)
SHARED=${VITAE_SHARED:-}
if [ ! -x "$EHR_DUMP" ]; then notok "ehr_dump is built ($EHR_DUMP)"; finish; fi
need_sqlite3 "omop reader counts" || finish

# dump SPEC: the view on $W/out, the report on $W/err; $rc the status.
dump() { "$EHR_DUMP" "$@" > "$W/out" 2> "$W/err"; rc=$?; }
# stat NAME: a count from the report's "persons N events N periods N" line.
stat() { sed -n "s/^persons \([0-9]*\) events \([0-9]*\) periods \([0-9]*\)$/\1 \2 \3/p" "$W/err" | awk -v k="$1" '{ print k == "persons" ? $1 : k == "events" ? $2 : $3 }'; }
# dropped REASON_TEXT: the count of a dropped reason in the report (0 if absent).
dropped() { awk -v t="$1" 'index($0, t) { print $1; f = 1 } END { if (!f) print 0 }' "$W/err"; }
# rows DB TABLE...: the rows of the tables that exist, summed.
rows() {
  _db=$1; shift; _n=0
  for _t in "$@"; do
    if [ "$(sql "$_db" "SELECT count(*) FROM sqlite_master WHERE name = '$_t'")" = 1 ]; then
      _n=$((_n + $(sql "$_db" "SELECT count(*) FROM $_t")))
    fi
  done
  echo "$_n"
}
# csvrows DIR FILE...: data rows of the CSV files that exist (through sqlite3's importer, quotes understood).
csvrows() {
  _d=$1; shift; _n=0
  for _f in "$@"; do
    [ -f "$_d/$_f" ] || continue
    rm -f "$W/count.db"
    sqlite3 "$W/count.db" ".import --csv '$_d/$_f' t" 2>/dev/null
    _n=$((_n + $(sqlite3 "$W/count.db" "SELECT count(*) FROM t")))
  done
  echo "$_n"
}
EVENT_TABLES="condition_occurrence drug_exposure procedure_occurrence measurement observation device_exposure visit_occurrence"
# accounted DESCRIPTION EXPECTED_ROWS [UNKNOWN]: events + rows dropped for a bad date or no code
# + UNKNOWN (the event rows of persons the person table lacks, 0 by default) = rows.
accounted() {
  _e=$(stat events); _b=$(dropped "events whose date cannot be read"); _c=$(dropped "events without a code")
  _u=${3:-0}
  check_eq "$1: events ($_e) + bad dates ($_b) + no code ($_c) + unknown persons' events ($_u) = rows of the event tables" "$2" "$((_e + _b + _c + _u))"
}

# ---- a vitae cohort, without and with a vocabulary ------------------------------------------
vitae run --format omop -p 60 -o "$W/plain.db"
check_status "vitae writes an OMOP cohort" 0 "$rc"
DB=$W/plain.db
dump "omop:$DB"
check_status "omop: reads a vitae OMOP cohort" 0 "$rc"
check_eq "omop: person count = sqlite3 count (vitae cohort)" "$(sql "$DB" 'SELECT count(*) FROM person')" "$(stat persons)"
check_eq "omop: observation periods = sqlite3 count (vitae cohort)" "$(sql "$DB" 'SELECT count(*) FROM observation_period')" "$(stat periods)"
accounted "omop: vitae cohort" "$(rows "$DB" $EVENT_TABLES)"
check_grep "omop: the CDM version is noted (5.4 from cdm_source)" "note: OMOP CDM 5.4" "$W/err"
check_grep "omop: a cohort without concepts is noted" "no concept table" "$W/err"
check_grep "omop: measurements keep value and unit" "$(printf 'measurement\t\t29463-7\t')" "$W/out"
check_no_file "omop: reading leaves no -journal beside the file" "$DB-journal"
check_no_file "omop: reading leaves no -wal beside the file" "$DB-wal"
# find by id gives that person's lines of the full read
grep "^[a-z]*	7	" "$W/out" > "$W/seven.full"
dump --find 7 "omop:$DB"
if [ "$rc" = 0 ] && cmp -s "$W/out" "$W/seven.full"; then ok "omop: find 7 gives the lines of person 7 in the full read"
else notok "omop: find 7 gives the lines of person 7 in the full read" "$(diff "$W/out" "$W/seven.full" | head -5)"; fi
dump --find 999999 "omop:$DB"
check_status "omop: find of an absent id says so (status 1)" 1 "$rc"
# a read-only copy in a read-only folder is read (immutable), nothing written beside
mkdir -p "$W/ro" && cp "$DB" "$W/ro/c.db" && chmod 444 "$W/ro/c.db" && chmod 555 "$W/ro"
dump "omop:$W/ro/c.db"
check_status "omop: reads a database in a read-only folder" 0 "$rc"
check_eq "omop: nothing is written beside a read-only database" "c.db" "$(ls "$W/ro")"
chmod 755 "$W/ro"

if [ -n "$SHARED" ] && [ -d "$SHARED/data/vocab" ]; then
  vitae run --format omop -p 60 --vocab "$SHARED/data/vocab" -o "$W/vocab.db"
  check_status "vitae writes an OMOP cohort with the shared vocabulary" 0 "$rc"
  DB=$W/vocab.db
  dump "omop:$DB"
  check_status "omop: reads a vitae cohort with concepts" 0 "$rc"
  check_eq "omop: person count = sqlite3 count (vitae cohort with --vocab)" "$(sql "$DB" 'SELECT count(*) FROM person')" "$(stat persons)"
  accounted "omop: vitae cohort with --vocab" "$(rows "$DB" $EVENT_TABLES)"
  check_grep "omop: codes come from the concept table (LOINC measurement)" "$(printf 'measurement\tLOINC\t29463-7\t')" "$W/out"
  check_grep "omop: a CVX drug is an immunization" "$(printf 'immunization\tCVX\t')" "$W/out"
else
  skip "omop: a vitae cohort with the shared vocabulary" "VITAE_SHARED ($SHARED) has no data/vocab"
fi

# ---- real sources -------------------------------------------------------------------------------
if [ -n "$SHARED" ] && [ -d "$SHARED/data/eunomia" ]; then
  GI=$SHARED/data/eunomia/GiBleed_5.3_partial.sqlite
  dump "omop:$GI"
  check_status "omop: reads GiBleed" 0 "$rc"
  cp "$W/out" "$W/gibleed.sqlite.view"
  check_eq "omop: GiBleed person count = sqlite3 count" "$(sql "$GI" 'SELECT count(*) FROM person')" "$(stat persons)"
  # GiBleed's condition_occurrence and drug_exposure are empty: the eras stand in
  accounted "omop: GiBleed (eras for conditions and drugs)" "$(rows "$GI" $EVENT_TABLES condition_era drug_era)"
  check_grep "omop: GiBleed is CDM 5.3" "note: OMOP CDM 5.3" "$W/err"
  check_grep "omop: GiBleed's conditions are read from condition_era, noted" "conditions are read from condition_era" "$W/err"
  check_grep "omop: GiBleed's drugs are read from drug_era, noted" "drugs are read from drug_era" "$W/err"
  check_grep "omop: era events are flagged from_era" "from_era" "$W/out"
  check_eq "omop: GiBleed's observation periods of absent persons are counted (unknown person)" \
    "$(sql "$GI" 'SELECT count(*) FROM observation_period WHERE person_id NOT IN (SELECT person_id FROM person)')" \
    "$(dropped "rows of a person the person table does not have")"
  dump "omop-csv:$SHARED/data/eunomia/GiBleed_5.3_partial_csv"
  check_status "omop-csv: reads the GiBleed CSV folder" 0 "$rc"
  if cmp -s "$W/out" "$W/gibleed.sqlite.view"; then ok "omop-csv: the GiBleed CSV folder gives the same view as the GiBleed SQLite file"
  else notok "omop-csv: the GiBleed CSV folder gives the same view as the GiBleed SQLite file" "$(diff "$W/out" "$W/gibleed.sqlite.view" | head -6)"; fi
  check_grep "omop-csv: missing occurrence files are noted (era fallback)" "condition_occurrence is missing" "$W/err"

  NJ=$SHARED/data/eunomia/Synthea27Nj_5.4
  dump "omop-csv:$NJ"
  check_status "omop-csv: reads Synthea27Nj" 0 "$rc"
  check_eq "omop-csv: Synthea27Nj person count = rows of PERSON.csv" "$(csvrows "$NJ" PERSON.csv)" "$(stat persons)"
  accounted "omop-csv: Synthea27Nj" "$(csvrows "$NJ" CONDITION_OCCURRENCE.csv DRUG_EXPOSURE.csv PROCEDURE_OCCURRENCE.csv MEASUREMENT.csv OBSERVATION.csv DEVICE_EXPOSURE.csv VISIT_OCCURRENCE.csv)"
  check_grep "omop-csv: Synthea27Nj is CDM 5.4" "note: OMOP CDM 5.4" "$W/err"
  check_grep "omop-csv: race is the concept's name" "Not Hispanic or Latino" "$W/out"
else
  skip "omop: GiBleed and Synthea27Nj" "VITAE_SHARED ($SHARED) has no data/eunomia"
fi
if [ -n "$SHARED" ] && [ -f "$SHARED/data/synpuf-10p/synpuf-10p.sqlite" ]; then
  SP=$SHARED/data/synpuf-10p/synpuf-10p.sqlite
  dump "omop:$SP"
  check_status "omop: reads SynPUF" 0 "$rc"
  check_eq "omop: SynPUF person count = sqlite3 count" "$(sql "$SP" 'SELECT count(*) FROM person')" "$(stat persons)"
  accounted "omop: SynPUF" "$(rows "$SP" $EVENT_TABLES)"
  check_grep "omop: SynPUF without cdm_version is told 5.3 by its columns" "OMOP CDM 5.3 (by its columns" "$W/err"
else
  skip "omop: SynPUF" "VITAE_SHARED ($SHARED) has no data/synpuf-10p"
fi

# ---- bad sources --------------------------------------------------------------------------------
# bad DESCRIPTION PATTERN SPEC: exit 2 with PATTERN in the message.
bad() {
  dump "$3"
  check_status "$1: exit 2" 2 "$rc"
  check_grep "$1: the message names it" "$2" "$W/err"
}
head -c 30000 "$W/plain.db" > "$W/trunc.db"
bad "omop: a truncated database" "trunc.db" "omop:$W/trunc.db"
head -c 8192 /dev/urandom > "$W/random.db"
bad "omop: random bytes" "random.db: not a SQLite database" "omop:$W/random.db"
bad "omop: a missing file" "nothing.db" "omop:$W/nothing.db"
sqlite3 "$W/noperson.db" "CREATE TABLE concept (concept_id integer)"
bad "omop: a database without a person table" "no person table" "omop:$W/noperson.db"
sqlite3 "$W/nocol.db" "CREATE TABLE person (person_id integer, gender_concept_id integer)"
bad "omop: a person table without year_of_birth" "has no column year_of_birth" "omop:$W/nocol.db"

mkcsv() { rm -rf "$W/$1"; mkdir -p "$W/$1"; }
mkcsv q
printf 'person_id,gender_concept_id,year_of_birth\n1,8532,"1970\n2,8507,1980\n' > "$W/q/PERSON.csv"
bad "omop-csv: a broken quote" "PERSON.csv:2" "omop-csv:$W/q"
mkcsv c
printf 'person_id,gender_concept_id\n1,8532\n' > "$W/c/person.csv"
bad "omop-csv: a missing column" "year_of_birth" "omop-csv:$W/c"
check_grep "omop-csv: the missing column's message names the file" "person.csv" "$W/err"
mkcsv n
printf 'person_id,condition_start_date\n1,2000-01-01\n' > "$W/n/CONDITION_OCCURRENCE.csv"
bad "omop-csv: a folder without PERSON.csv" "PERSON.csv" "omop-csv:$W/n"
mkcsv e
printf 'person_id\tyear_of_birth\n1\t1970\n' > "$W/e/PERSON.csv"
printf 'person_id,condition_concept_id\n1,0\n' > "$W/e/CONDITION_OCCURRENCE.csv"
bad "omop-csv: an event file without its start date" "condition_start_date" "omop-csv:$W/e"

# messy rows are counted, not errors
mkcsv m
printf 'person_id\tgender_concept_id\tyear_of_birth\n1\t8532\t1970\n2\t8507\t\n10\t0\t1990\n' > "$W/m/person.csv"
printf 'person_id,condition_start_date,condition_source_value\n1,2020-13-45,X1\n1,2020-01-02,X2\n1,2020-01-03,\n3,2020-01-01,X3\n10,2001-01-01,X4\n' > "$W/m/condition_occurrence.csv"
dump "omop-csv:$W/m"
check_status "omop-csv: messy rows are read (exit 0)" 0 "$rc"
check_grep "omop-csv: an unparseable date is counted with its file and line" "condition_occurrence.csv:2: column condition_start_date: '2020-13-45'" "$W/err"
check_grep "omop-csv: a row without any code is counted" "1 events without a code" "$W/err"
check_grep "omop-csv: a person without a year of birth is dropped, counted" "1 persons without an id or a readable birth date" "$W/err"
check_grep "omop-csv: a row of a person not in PERSON.csv is counted" "person_id '3'" "$W/err"
check_grep "omop-csv: a tab-separated file is read, the source value is the code" "$(printf 'event\t1\t2020-01-02\t\tcondition\t\tX2')" "$W/out"
check_eq "omop-csv: ids sort as numbers (1 before 10)" "1 10" "$(awk '$1 == "person" { printf "%s%s", s, $2; s = " " }' "$W/out")"

finish
