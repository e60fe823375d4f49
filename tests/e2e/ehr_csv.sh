# ehr_csv.sh -- the CSV sources of the EHR reader, through tests/tools/ehr_dump:
# (1) synthea-csv: on the Synthea export in $VITAE_SHARED: one person per row
#     of patients.csv, every event row yielded or counted (events + dropped =
#     rows of the event files), each file in its domain, one period per
#     person from birth, a person found by id;
# (2) events: on schemas/events-example.csv: exactly the view of
#     tests/fixtures/events-example.view, its quality counts, a person found;
# (3) messy rows (unreadable dates, unknown persons, bad values, duplicate
#     persons) counted by reason, every row accounted for, in both formats;
# (4) bad sources (broken quoting, a missing column, an unknown record type
#     or domain, no system, an empty file, a folder without patients.csv, a
#     missing file): a message naming the file (and line, column), exit 2,
#     no crash.
# The shared export's checks skip (saying so) when $VITAE_SHARED is absent.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

need_sqlite3 "ehr_csv" || finish
if [ ! -x "$EHR_DUMP" ]; then notok "ehr_dump is built" "$EHR_DUMP is missing (run make test)"; finish; fi
W=$(workdir ehr_csv)

# dump SPEC [ehr_dump options...]: the view to $W/out, the report to $W/err, status in $rc.
dump() {
  _spec=$1; shift
  "$EHR_DUMP" "$@" "$_spec" > "$W/out" 2> "$W/err"
  rc=$?
}
# csv_rows FILE: the rows of a CSV file (quoted line breaks read as CSV does).
csv_rows() { sqlite3 -batch :memory: ".import --csv '$1' t" "SELECT count(*) FROM t"; }
# count NAME: the count of an ehr_dump summary field (persons, events, periods).
count() { sed -n "s/.*\\b$1 \\([0-9]*\\).*/\\1/p" "$W/err" | head -1; }
# reason TEXT: the count of a quality line whose text contains TEXT (0 if none).
reason() { _n=$(grep -F -e "$1" "$W/err" | grep -v '^      ' | awk '{ print $1 }' | head -1); echo "${_n:-0}"; }
# dropped: the sum of every dropping reason's count.
dropped() { grep '(dropped)$' "$W/err" | awk '{ s += $1 } END { print s + 0 }'; }
# check_fails DESCRIPTION PATTERN: the last dump exited 2 with PATTERN in its message.
check_fails() {
  if [ "$rc" = 2 ] && grep -F -q -e "$2" "$W/err"; then ok "$1"
  else notok "$1" "expected exit 2 and '$2', got exit $rc:" "$(head -c 1500 "$W/err")"; fi
}

# ---- (1) the Synthea export -------------------------------------------------------
SYN=${VITAE_SHARED:+$VITAE_SHARED/data/synthea-csv/unmc-crane_database-stats-lecture_111p}
if [ -z "$SYN" ] || [ ! -d "$SYN" ]; then
  skip "synthea-csv on the shared export" "the shared data folder (VITAE_SHARED=${VITAE_SHARED:-unset}) is absent"
else
  dump "synthea-csv:$SYN"
  check_status "synthea-csv: the export reads" 0 "$rc"
  check_eq "synthea-csv: one person per row of patients.csv" "$(csv_rows "$SYN/patients.csv")" "$(count persons)"
  check_eq "synthea-csv: one period per person" "$(count persons)" "$(count periods)"
  rows=0
  for f in encounters conditions medications procedures immunizations allergies careplans devices observations; do
    [ -f "$SYN/$f.csv" ] && rows=$((rows + $(csv_rows "$SYN/$f.csv")))
  done
  check_eq "synthea-csv: events + dropped = rows of the event files" "$rows" "$(($(count events) + $(dropped)))"
  check_eq "synthea-csv: every encounter is a visit" "$(csv_rows "$SYN/encounters.csv")" \
    "$(awk -F'\t' '$1 == "event" && $5 == "visit"' "$W/out" | wc -l | tr -d ' ')"
  check_eq "synthea-csv: every medication is an RxNorm drug" "$(csv_rows "$SYN/medications.csv")" \
    "$(awk -F'\t' '$1 == "event" && $5 == "drug" && $6 == "RxNorm"' "$W/out" | wc -l | tr -d ' ')"
  check_eq "synthea-csv: every immunization is CVX" "$(csv_rows "$SYN/immunizations.csv")" \
    "$(awk -F'\t' '$1 == "event" && $5 == "immunization" && $6 == "CVX"' "$W/out" | wc -l | tr -d ' ')"
  check_eq "synthea-csv: allergies and care plans are observations" \
    "$(($(csv_rows "$SYN/allergies.csv") + $(csv_rows "$SYN/careplans.csv")))" \
    "$(awk -F'\t' '$1 == "event" && $5 == "observation"' "$W/out" | wc -l | tr -d ' ')"
  check_eq "synthea-csv: the SYSTEM column is mapped (SNOMED-CT is SNOMED)" 0 \
    "$(awk -F'\t' '$1 == "event" && $6 == "SNOMED-CT"' "$W/out" | wc -l | tr -d ' ')"
  check_eq "synthea-csv: periods start at birth" 0 \
    "$(awk -F'\t' '$1 == "person" { b[$2] = $4 } $1 == "period" && $3 != b[$2]' "$W/out" | wc -l | tr -d ' ')"
  check_grep "synthea-csv: the missing observations.csv is noted" "not in the export (those domains are empty): observations.csv" "$W/err"
  check_grep "synthea-csv: the period's end is noted" "to the export's last date (2023-10-17" "$W/err"
  check_eq "synthea-csv: persons in Id order" "$(awk -F'\t' '$1 == "person" { print $2 }' "$W/out")" \
    "$(awk -F'\t' '$1 == "person" { print $2 }' "$W/out" | LC_ALL=C sort)"
  id=$(awk -F'\t' '$1 == "person" { print $2 }' "$W/out" | sed -n 50p)
  grep -F "	$id	" "$W/out" > "$W/one.expected"
  dump "synthea-csv:$SYN" --find "$id"
  if [ "$rc" = 0 ] && cmp -s "$W/out" "$W/one.expected"; then ok "synthea-csv: --find gives the person's lines of the full scan"
  else notok "synthea-csv: --find gives the person's lines of the full scan" "rc $rc" "$(diff "$W/one.expected" "$W/out" | head)"; fi
  dump "$SYN"
  check_eq "synthea-csv: the kind is detected from patients.csv" "$(csv_rows "$SYN/patients.csv")" "$(count persons)"
fi

# ---- (2) the example events file ---------------------------------------------------
EX="$VITAE_ROOT/schemas/events-example.csv"
dump "events:$EX"
check_status "events: the example reads" 0 "$rc"
if cmp -s "$W/out" "$FIXTURES/events-example.view"; then ok "events: the example's view is the golden one"
else notok "events: the example's view is the golden one" "$(diff "$FIXTURES/events-example.view" "$W/out" | head -20)"; fi
check_eq "events: the example's counts" "persons 3 events 11 periods 4" "$(grep '^persons' "$W/err")"
check_eq "events: the example's event before birth" 1 "$(reason 'dated before birth')"
check_eq "events: the example's events outside observation" 2 "$(reason 'outside every observation period')"
check_eq "events: the example's person of unknown sex" 1 "$(reason 'persons of unknown sex')"
dump "events:$EX" --find 10
check_eq "events: --find 10 gives person 10's lines" "$(grep -c '	10	' "$FIXTURES/events-example.view")" "$(wc -l < "$W/out" | tr -d ' ')"
dump "events:$EX" --find 99
check_status "events: --find of an absent person says none" 1 "$rc"
dump "$EX"
check_eq "events: a .csv file is detected as events" "persons 3 events 11 periods 4" "$(grep '^persons' "$W/err")"

# ---- (3) messy rows, counted ----------------------------------------------------------
cat > "$W/messy.csv" <<'EOF'
RECORD,Person,Sex,Birth_Date,Death_Date,Start_Date,End_Date,Domain,System,Code,Value,Unit
person,a,F,1970-01-01,,1990-01-01,2020-12-31,,,,,
event,a,,,,2000-13-45,,condition,SNOMED,1,,
event,a,,,,2001-01-01,,condition,SNOMED,,,
event,a,,,,2002-02-02,yesterday,drug,RxNorm,2,,
event,a,,,,2003-03-03,2003-01-01,drug,RxNorm,3,,
event,a,,,,2004-04-04,,measurement,LOINC,4,high,mg
event,a,,,,20050505,,Measurement,LOINC,5,5.5,mg
period,a,,,,2021-01-01,2020-01-01,,,,,
period,a,,,,2021-01-01,,,,,,
person,a,F,1971-01-01,,,,,,,,
event,ghost,,,,2000-01-01,,condition,SNOMED,6,,
period,ghost,,,,2000-01-01,2001-01-01,,,,,
person,b,male,not a date,,,,,,,,
event,b,,,,2000-01-01,,condition,SNOMED,7,,
person,c,X,1980-01-01,someday,,,,,,,
EOF
dump "events:$W/messy.csv"
check_status "events messy: the file reads" 0 "$rc"
check_eq "events messy: persons a and c" "persons 2 events 4 periods 1" "$(grep '^persons' "$W/err")"
check_eq "events messy: unreadable start date dropped (bad_date)" 1 "$(reason 'events whose date cannot be read')"
check_eq "events messy: no code dropped (no_code)" 1 "$(reason 'events without a code')"
check_eq "events messy: unreadable end kept (bad_end_date)" 1 "$(reason 'end date cannot be read')"
check_eq "events messy: end before start kept (end_before_start)" 1 "$(reason 'ending before they start')"
check_eq "events messy: a value that is no number kept (bad_value)" 1 "$(reason 'values that are not numbers')"
check_eq "events messy: bad periods dropped (bad_period)" 2 "$(reason 'observation periods whose dates')"
check_eq "events messy: rows of unknown persons dropped (unknown_person)" 3 "$(reason 'rows of a person the person table')"
check_eq "events messy: duplicate and undated persons dropped (bad_person)" 2 "$(reason 'persons without an id')"
check_eq "events messy: unreadable death date kept (bad_death_date)" 1 "$(reason 'death dates that cannot be read')"
check_eq "events messy: sex X is unknown" 1 "$(reason 'persons of unknown sex')"
check_eq "events messy: every row read or dropped (rows = persons + periods + events + dropped)" \
  "$(($(csv_rows "$W/messy.csv") + 1))" "$(($(count persons) + $(count periods) + $(count events) + $(dropped)))"
check_grep "events messy: the example names file, line, column and value" "messy.csv:3: column start_date" "$W/err"

mkdir -p "$W/syn"
cat > "$W/syn/Patients.csv" <<'EOF'
Id,BIRTHDATE,DEATHDATE,GENDER,RACE,ETHNICITY
p1,1980-01-01,,F,white,nonhispanic
p2,bad,,M,white,nonhispanic
p3,1990-01-01,whenever,M,asian,hispanic
p1,1981-01-01,,F,white,nonhispanic
,1990-01-01,,M,white,nonhispanic
EOF
cat > "$W/syn/conditions.csv" <<'EOF'
START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION
2000-01-01,,p1,e,1,a
2000-01-01,nope,p3,e,2,b
soon,,p1,e,3,c
2001-01-01,,p2,e,4,d
2001-01-01,,p9,e,5,e
2002-01-01,,p1,e,,f
EOF
cat > "$W/syn/observations.csv" <<'EOF'
DATE,PATIENT,ENCOUNTER,CATEGORY,CODE,DESCRIPTION,VALUE,UNITS,TYPE
2010-01-01T10:00:00Z,p1,e,vital-signs,8302-2,Height,170.5,cm,numeric
2010-01-01T10:00:00Z,p1,e,survey,72166-2,Smoking,Never smoked,,text
2010-01-01T10:00:00Z,p3,e,laboratory,2345-7,Glucose,high,mg/dL,numeric
EOF
printf 'DATE,PATIENT,ENCOUNTER,SYSTEM,CODE,DESCRIPTION\n2011-01-01,p1,e,SNOMED-CT,123,x\n2011-01-02,p1,e,,124,y\n' > "$W/syn/procedures.csv"
dump "synthea-csv:$W/syn"
check_status "synthea-csv messy: the export reads" 0 "$rc"
check_eq "synthea-csv messy: persons p1 and p3" "persons 2 events 7 periods 2" "$(grep '^persons' "$W/err")"
check_eq "synthea-csv messy: bad, duplicate and id-less patients (bad_person)" 3 "$(reason 'persons without an id')"
check_eq "synthea-csv messy: rows of unknown or dropped patients (unknown_person)" 2 "$(reason 'rows of a person the person table')"
check_eq "synthea-csv messy: unreadable START (bad_date)" 1 "$(reason 'events whose date cannot be read')"
check_eq "synthea-csv messy: no CODE (no_code)" 1 "$(reason 'events without a code')"
check_eq "synthea-csv messy: a numeric VALUE that is no number (bad_value)" 1 "$(reason 'values that are not numbers')"
check_eq "synthea-csv messy: every event row read or dropped" 11 "$(($(count events) + $(dropped) - 3))"
check_grep "synthea-csv messy: numeric observation is a measurement with value" \
  "event	p1	2010-01-01		measurement	LOINC	8302-2	170.5	cm" "$W/out"
check_grep "synthea-csv messy: text observation is an observation" "event	p1	2010-01-01		observation	LOINC	72166-2" "$W/out"
check_grep "synthea-csv messy: procedures with DATE (Synthea 3.0) and SYSTEM" "event	p1	2011-01-01		procedure	SNOMED	123" "$W/out"
check_grep "synthea-csv messy: period to the export's last date" "period	p1	1980-01-01	2011-01-02" "$W/out"

# ---- (4) bad sources: exit 2 with a message, never a crash -----------------------------
printf 'record,person,sex,birth_date,start_date,end_date,domain,system,code\nperson,1,F,1970-01-01,,,,,\nevent,1,,,"2000-01-01,,condition,SNOMED,1\n' > "$W/quote.csv"
dump "events:$W/quote.csv"
check_fails "events bad: broken quoting names file and line" "quote.csv:3: a quoted field has no closing quote"
printf 'record,person,sex,birth_date,start_date,end_date,domain,system\nperson,1,F,1970-01-01,,,,\n' > "$W/nocode.csv"
dump "events:$W/nocode.csv"
check_fails "events bad: a missing column is named with the columns" "nocode.csv: no column 'code' (the columns: record, person, sex, birth_date, start_date, end_date, domain, system)"
printf 'record,person,sex,birth_date,start_date,end_date,domain,system,code\nperson,1,F,1970-01-01,,,,,\nvisit,1,,,2000-01-01,,visit,SNOMED,1\n' > "$W/record.csv"
dump "events:$W/record.csv"
check_fails "events bad: an unknown record type names line and column" "record.csv:3: column record: 'visit': not a record type"
printf 'record,person,sex,birth_date,start_date,end_date,domain,system,code\nperson,1,F,1970-01-01,,,,,\nevent,1,,,2000-01-01,,diagnosis,SNOMED,1\n' > "$W/domain.csv"
dump "events:$W/domain.csv"
check_fails "events bad: an unknown domain names line and column" "domain.csv:3: column domain: 'diagnosis': not a domain"
printf 'record,person,sex,birth_date,start_date,end_date,domain,system,code\nevent,1,,,2000-01-01,,drug,,1\n' > "$W/system.csv"
dump "events:$W/system.csv"
check_fails "events bad: an event without a system" "system.csv:2: column system: empty: an event needs the code's system"
: > "$W/empty.csv"
dump "events:$W/empty.csv"
check_fails "events bad: an empty file" "empty.csv: empty file (no header line)"
dump "events:$W/absent.csv"
check_fails "events bad: a missing file" "absent.csv: cannot open"
printf "record,person,sex,birth_date,start_date,end_date,domain,system,code\\nperson,1\\0\\n" > "$W/nul.csv"
dump "events:$W/nul.csv"
check_fails "events bad: a NUL byte" "nul.csv:2: a NUL byte"
mkdir -p "$W/nopatients"
cp "$W/syn/conditions.csv" "$W/nopatients/"
dump "synthea-csv:$W/nopatients"
check_fails "synthea-csv bad: a folder without patients.csv" "nopatients: no patients.csv: not a Synthea CSV export"
mkdir -p "$W/badsyn"
printf 'Id,BIRTHDATE,GENDER\np1,1980-01-01,F\n' > "$W/badsyn/patients.csv"
printf 'START,STOP,PATIENT,ENCOUNTER,DESCRIPTION\n2000-01-01,,p1,e,a\n' > "$W/badsyn/conditions.csv"
dump "synthea-csv:$W/badsyn"
check_fails "synthea-csv bad: a missing CODE column is named" "conditions.csv: no column 'code' (the columns: start, stop, patient, encounter, description)"
printf 'Id,START,STOP,PATIENT,CODE\ne1,2000-01-01,,p1,"1\n' > "$W/badsyn/conditions.csv"
mv "$W/badsyn/conditions.csv" "$W/badsyn/encounters.csv"
dump "synthea-csv:$W/badsyn"
check_fails "synthea-csv bad: broken quoting names file and line" "encounters.csv:2: a quoted field has no closing quote"
rm -f "$W/badsyn/encounters.csv"
printf 'Id,GENDER\np1,F\n' > "$W/badsyn/patients.csv"
dump "synthea-csv:$W/badsyn"
check_fails "synthea-csv bad: patients.csv without BIRTHDATE" "patients.csv: no column 'birthdate'"
: > "$W/badsyn/patients.csv"
dump "synthea-csv:$W/badsyn"
check_fails "synthea-csv bad: an empty patients.csv" "patients.csv: empty file"
dump "synthea-csv:$W/nowhere"
check_fails "synthea-csv bad: a missing folder" "nowhere: cannot read the folder"

rm -rf "$W"
finish
