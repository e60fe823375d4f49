#!/bin/sh
# inspect.sh -- `vitae inspect [KIND:]PATH`, built on the patient-level
# reader (learn/ehr.h).  On a native cohort of 200 patients: every table's
# row count is sqlite3's COUNT(*); the top codes of the condition, drug and
# immunization domains (rows, persons, description) match a sqlite3 GROUP BY
# of conditions, medications and immunizations; persons alive and dead, the
# observation periods and the module_states summary match; the database is
# left unchanged; --top N and --json work; --patient ID (text and JSON, a
# missing id: exit 1) and --view (the lines of learn/dump.h, as ehr_dump
# prints them); the data-quality counts are in the report.  A hand-made
# folder of OMOP CSV files (quoted fields, CRLF, a byte order mark, blank
# lines, a tab-separated CONCEPT.csv): the files' records, the domains, and
# malformed CSV named by file:line with exit 2; a Synthea CSV export and an
# events file; errors: a missing file, a file that is not SQLite, an empty
# file, a SQLite file in neither format, a folder of neither kind, an
# unknown kind, usage errors: exit 2; --help: exit 0.  With ../shared:
# Eunomia's GiBleed (OMOP 5.3), the Synthea27Nj CSV folder (OMOP 5.4), the
# Synthea CSV export, checked against sqlite3 and the files.  Every error
# exit runs under a leak checker (tests/e2e/lib/leaks.sh).  Nothing here
# skips for a missing feature: only for ../shared absent or no sqlite3.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"
# shellcheck source=tests/e2e/lib/leaks.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/leaks.sh"

W=$(workdir inspect)
VITAE_SHARED=${VITAE_SHARED:-$VITAE_ROOT/../shared}

# j FILE PATH: a member of a JSON file (sqlite3's JSON functions).
j() { sqlite3 -batch :memory: "SELECT json_extract(readfile('$1'), '$2')"; }

# same_counts DB JSON: every table of DB has the row count the report gives
# it, and the report lists no other table.  Prints the differences.
same_counts() {
  _want=$(for _t in $(sqlite3 -readonly "$1" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"); do
    printf '%s=%s\n' "$_t" "$(sqlite3 -readonly "$1" "SELECT count(*) FROM \"$_t\"")"
  done | sort)
  _got=$(sqlite3 -batch :memory: "SELECT json_extract(value, '\$.table') || '=' || json_extract(value, '\$.rows')
                                   FROM json_each(readfile('$2'), '\$.tables')" | sort)
  [ "$_want" = "$_got" ] && return 0
  echo "sqlite3:"; echo "$_want" | head -40; echo "inspect:"; echo "$_got" | head -40
  return 1
}

# check_domain_top DB JSON DOMAIN TABLE CODECOL PERSONCOL [DESCCOL]: the top
# codes of DOMAIN in JSON match TABLE of DB: each code's rows and distinct
# persons, the domain's rows, and the most frequent description.
check_domain_top() {
  _sel="FROM json_each(readfile('$2'), '\$.domains') d, json_each(d.value, '\$.top') t
        WHERE json_extract(d.value, '\$.domain') = '$3'"
  _code="json_extract(t.value, '\$.code')"
  check_eq "$(basename "$1") $3: the domain's rows are the rows of $4" "$(sql "$1" "SELECT count(*) FROM $4")" \
    "$(sqlite3 :memory: "SELECT json_extract(value, '\$.rows') FROM json_each(readfile('$2'), '\$.domains') WHERE json_extract(value, '\$.domain') = '$3'")"
  check_eq "$(basename "$1") $3: top codes shown" 1 "$(sql "$1" "SELECT count(*) > 0 $_sel")"
  check_zero "$(basename "$1") $3: each top code's rows and persons as sqlite3 counts them" "$1" \
    "SELECT count(*) $_sel AND (json_extract(t.value, '\$.rows') <> (SELECT count(*) FROM $4 WHERE CAST($5 AS TEXT) = $_code)
       OR json_extract(t.value, '\$.persons') <> (SELECT count(DISTINCT $6) FROM $4 WHERE CAST($5 AS TEXT) = $_code))"
  _n=$(sql "$1" "SELECT count(*) $_sel")
  check_eq "$(basename "$1") $3: the top row counts are sqlite3's GROUP BY $5" \
    "$(sql "$1" "SELECT group_concat(n) FROM (SELECT count(*) n FROM $4 GROUP BY $5 ORDER BY n DESC LIMIT $_n)")" \
    "$(sql "$1" "SELECT group_concat(json_extract(t.value, '\$.rows')) $_sel")"
  if [ -n "$7" ]; then
    check_zero "$(basename "$1") $3: each code's description is its most frequent one" "$1" \
      "SELECT count(*) $_sel AND json_extract(t.value, '\$.description') NOT IN
         (SELECT $7 FROM $4 WHERE CAST($5 AS TEXT) = $_code GROUP BY $7
          HAVING count(*) = (SELECT max(c) FROM (SELECT count(*) c FROM $4 WHERE CAST($5 AS TEXT) = $_code GROUP BY $7)))"
  fi
}

# ---- usage and errors ------------------------------------------------------

vitae inspect --help
check_status "--help: exit status 0" 0 "$rc"
check_grep "--help shows the usage" "usage: vitae inspect [KIND:]PATH [--top N] [--json]" "$E2E_OUT"
check_grep "--help shows --patient" "--patient ID" "$E2E_OUT"
vitae --help
check_grep "vitae --help lists inspect" "inspect" "$E2E_OUT"
vitae inspect
check_status "no source: exit status 2" 2 "$rc"
vitae inspect "$W/x.db" --top
check_status "--top without a number: exit status 2" 2 "$rc"
vitae inspect "$W/x.db" --top ten
check_status "--top ten: exit status 2" 2 "$rc"
vitae inspect "$W/x.db" --top -1
check_status "--top -1: exit status 2" 2 "$rc"
vitae inspect "$W/x.db" --patient
check_status "--patient without an id: exit status 2" 2 "$rc"
vitae inspect "$W/x.db" --view --json
check_status "--view with --json: exit status 2" 2 "$rc"
vitae inspect "$W/x.db" --no-such-option
check_status "an unknown option: exit status 2" 2 "$rc"
check_grep "an unknown option is named" "unknown option '--no-such-option'" "$E2E_ERR"
vitae inspect "$W/a.db" "$W/b.db"
check_status "two sources: exit status 2" 2 "$rc"
vitae inspect "nosuchkind:$W/a.db"
check_status "an unknown kind: exit status 2" 2 "$rc"

vitae inspect "$W/missing.db"
check_status "a missing file: exit status 2" 2 "$rc"
check_grep "a missing file is named" "missing.db" "$E2E_ERR"
check_no_file "a missing file is not created" "$W/missing.db"
vitae inspect "vitae:$W/missing.db"
check_status "vitae: a missing file: exit status 2" 2 "$rc"
check_no_file "vitae: a missing file is not created" "$W/missing.db"
printf 'this is not SQLite, nor anything else a reader knows\n' > "$W/text.db"
vitae inspect "$W/text.db"
check_status "a file that is not SQLite: exit status 2" 2 "$rc"
check_grep "a file that is not SQLite: named" "text.db" "$E2E_ERR"
: > "$W/empty.db"
vitae inspect "$W/empty.db"
check_status "an empty file: exit status 2" 2 "$rc"
mkdir -p "$W/nothing"
vitae inspect "$W/nothing"
check_status "a folder of neither kind: exit status 2" 2 "$rc"
check_grep "a folder of neither kind: named" "nothing" "$E2E_ERR"

if need_sqlite3 "SQLite databases in neither format"; then
  sqlite3 "$W/other.db" "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('a');"
  vitae inspect "$W/other.db"
  check_status "a SQLite database in neither format: exit status 2" 2 "$rc"
  check_grep "a SQLite database in neither format: named" "other.db" "$E2E_ERR"
fi

# ---- a native cohort --------------------------------------------------------

DB="$W/cohort.db"
J="$W/cohort.json"
if ! have_default_modules; then
  notok "a native cohort" "no default modules"
elif ! need_sqlite3 "a native cohort"; then
  :
elif ! "$VITAE" run -p 200 -s 7 -o "$DB" -q --observation random > "$W/run.out" 2> "$W/run.err"; then
  notok "a native cohort: vitae run -p 200" "$(tail -3 "$W/run.err")"
else
  sum_before=$(cksum < "$DB")
  vitae inspect "$DB"
  check_status "native: exit status 0" 0 "$rc"
  cp "$E2E_OUT" "$W/cohort.txt"
  check_grep "native: the format is told" "vitae cohort (native format)" "$W/cohort.txt"
  check_grep "native: run_info is shown" "population 200" "$W/cohort.txt"
  n_obs=$(sql "$DB" "SELECT printf('%,d', count(*)) FROM observations")
  if grep -q "^  observations  *$n_obs\$" "$W/cohort.txt"; then ok "native text: counts with thousands separators ($n_obs)"
  else notok "native text: counts with thousands separators" "no 'observations $n_obs' line" "$(head -30 "$W/cohort.txt")"; fi
  first=$(grep -A1 '^Tables:' "$W/cohort.txt" | tail -1 | awk '{ print $1 }')
  second=$(grep -A2 '^Tables:' "$W/cohort.txt" | tail -1 | awk '{ print $1 }')
  check_eq "native text: patients, then encounters, head the tables" "table patients" "$first $second"
  check_grep "native text: the condition domain" "Condition: $(sql "$DB" "SELECT printf('%,d', count(*)) FROM conditions") events" "$W/cohort.txt"
  check_grep "native text: the visit domain" "Visit: " "$W/cohort.txt"
  check_grep "native text: the modules section" "Modules (module_states): " "$W/cohort.txt"
  check_grep "native text: the ages" "ages at the end of the record: 0-9 " "$W/cohort.txt"
  check_grep "native text: the data-quality section" "Data quality: 200 persons" "$W/cohort.txt"

  vitae inspect "vitae:$DB" --json
  check_status "native --json: exit status 0" 0 "$rc"
  cp "$E2E_OUT" "$J"
  check_eq "native --json: one valid JSON object" "1 object" "$(sqlite3 :memory: "SELECT json_valid(readfile('$J')) || ' ' || json_type(readfile('$J'))")"
  check_eq "native --json: format, kind, source" "native vitae sqlite" "$(j "$J" '$.format') $(j "$J" '$.kind') $(j "$J" '$.source')"
  if msg=$(same_counts "$DB" "$J"); then ok "native: every table's row count is sqlite3's COUNT(*)"
  else notok "native: every table's row count is sqlite3's COUNT(*)" "$msg"; fi
  check_eq "native: total_rows is the sum" "$(for t in $(sqlite3 "$DB" "SELECT name FROM sqlite_master WHERE type = 'table'"); do sql "$DB" "SELECT count(*) FROM \"$t\""; done | awk '{ s += $1 } END { print s }')" \
    "$(j "$J" '$.total_rows')"
  check_eq "native: persons, alive and dead, female and male" \
    "$(sql "$DB" "SELECT count(*) || ' ' || (count(*) - count(deathdate)) || ' ' || count(deathdate) || ' ' || sum(gender = 'F') || ' ' || sum(gender = 'M') FROM patients")" \
    "$(j "$J" '$.persons.total') $(j "$J" '$.persons.alive') $(j "$J" '$.persons.dead') $(j "$J" '$.persons.female') $(j "$J" '$.persons.male')"
  # --observation random: a patient who died before their window opened is
  # never observed (no period, no event, no death: sim/window.c), so has no
  # age at the end of the record; the ages and age_unknown add up
  check_eq "native: the ages and the unknown ages add up to the persons" 200 \
    "$(sqlite3 :memory: "SELECT sum(json_extract(value, '\$.female') + json_extract(value, '\$.male') + json_extract(value, '\$.unknown'))
                         + json_extract(readfile('$J'), '\$.persons.age_unknown')
                         FROM json_each(readfile('$J'), '\$.persons.ages')")"
  check_eq "native: the unknown ages are the persons never observed" \
    "$(j "$J" '$.observation_periods.persons_without')" "$(j "$J" '$.persons.age_unknown')"
  check_domain_top "$DB" "$J" condition conditions code patient description
  check_domain_top "$DB" "$J" drug medications code patient description
  check_domain_top "$DB" "$J" immunization immunizations code patient description
  check_eq "native: encounters by class (class, rows, patients), most rows first" \
    "$(sql "$DB" "SELECT group_concat(c, ' ') FROM (SELECT encounterclass || ':' || count(*) || ':' || count(DISTINCT patient) AS c FROM encounters GROUP BY encounterclass ORDER BY count(*) DESC, encounterclass)")" \
    "$(sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.class') || ':' || json_extract(value, '\$.rows') || ':' || json_extract(value, '\$.patients'), ' ') FROM json_each(readfile('$J'), '\$.encounter_classes')")"
  check_grep "native text: encounters by class" "Encounters by class (encounters): " "$W/cohort.txt"
  check_eq "native: module_states summary (modules, states, visited)" \
    "$(sql "$DB" "SELECT (SELECT count(*) FROM (SELECT DISTINCT module, path FROM module_states)) || ' ' || count(*) || ' ' || sum(patients > 0) FROM module_states")" \
    "$(j "$J" '$.module_states.modules') $(j "$J" '$.module_states.states') $(j "$J" '$.module_states.visited')"
  check_eq "native: the observation periods (rows, persons, earliest start, latest end, whole-life)" \
    "$(sql "$DB" "SELECT count(*) || ' ' || count(DISTINCT patient) || ' ' || date(min(start)) || ' ' || date(max(stop)) || ' ' || sum(whole_life <> 0) FROM observation_periods")" \
    "$(j "$J" '$.observation_periods.rows') $(j "$J" '$.observation_periods.persons') $(j "$J" '$.observation_periods.earliest_start') $(j "$J" '$.observation_periods.latest_end') $(j "$J" '$.observation_periods.whole_life')"
  check_eq "native: the data-quality counts are in the report (persons read, a reason with its fields)" "200 0 1" \
    "$(j "$J" '$.data_quality.persons') $(j "$J" '$.data_quality.reasons.bad_date.count') $(j "$J" '$.data_quality.reasons.bad_date.dropped')"
  check_eq "native: events read = the domains' rows" "$(j "$J" '$.data_quality.events')" \
    "$(sqlite3 :memory: "SELECT sum(json_extract(value, '\$.rows')) FROM json_each(readfile('$J'), '\$.domains')")"

  vitae inspect "$DB" --top 3 --json
  cp "$E2E_OUT" "$W/top3.json"
  check_eq "--top 3: at most 3 codes per domain" 3 \
    "$(sqlite3 :memory: "SELECT max(json_array_length(value, '\$.top')) FROM json_each(readfile('$W/top3.json'), '\$.domains')")"
  vitae inspect "$DB" --top=0
  check_status "--top=0: exit status 0" 0 "$rc"
  if grep -q '^   *#' "$E2E_OUT"; then notok "--top 0: no code tables" "$(grep -n '^   *#' "$E2E_OUT" | head -3)"
  else ok "--top 0: no code tables"; fi

  # one person
  P=$(sql "$DB" "SELECT id FROM patients WHERE deathdate IS NOT NULL ORDER BY id LIMIT 1")
  vitae inspect "$DB" --patient "$P" --json
  check_status "--patient --json: exit status 0" 0 "$rc"
  cp "$E2E_OUT" "$W/p.json"
  check_eq "--patient --json: sex, birth and death dates" \
    "$(sql "$DB" "SELECT gender || ' ' || date(birthdate) || ' ' || date(deathdate) FROM patients WHERE id = '$P'")" \
    "$(j "$W/p.json" '$.sex') $(j "$W/p.json" '$.birth_date') $(j "$W/p.json" '$.death_date')"
  check_eq "--patient --json: the observation periods as [start, end]" \
    "$(sql "$DB" "SELECT group_concat(date(start) || ',' || date(stop), ' ') FROM (SELECT * FROM observation_periods WHERE patient = '$P' ORDER BY start)")" \
    "$(sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$[0]') || ',' || json_extract(value, '\$[1]'), ' ') FROM json_each(readfile('$W/p.json'), '\$.observation_periods')")"
  check_eq "--patient --json: the conditions (date, system, code, domain)" \
    "$(sql "$DB" "SELECT group_concat(d, ' ') FROM (SELECT date(start) || '/SNOMED/' || code || '/condition' d FROM conditions WHERE patient = '$P' ORDER BY 1)")" \
    "$(sqlite3 :memory: "SELECT group_concat(d, ' ') FROM (SELECT json_extract(value, '\$.date') || '/' || json_extract(value, '\$.system') || '/' || json_extract(value, '\$.code') || '/' || json_extract(value, '\$.domain') d
                         FROM json_each(readfile('$W/p.json'), '\$.events') WHERE json_extract(value, '\$.domain') = 'condition' ORDER BY 1)")"
  vitae inspect "$DB" --patient "$P"
  check_status "--patient, text: exit status 0" 0 "$rc"
  check_grep "--patient, text: the person line" "person $P: sex " "$E2E_OUT"
  check_grep "--patient, text: the timeline's header" "date        age  domain" "$E2E_OUT"
  vitae inspect "$DB" --patient no-such-person
  check_status "--patient with a missing id: exit status 1" 1 "$rc"
  check_grep "--patient with a missing id: said so" "no person with id 'no-such-person'" "$E2E_ERR"

  # the view
  vitae inspect "$DB" --view
  check_status "--view: exit status 0" 0 "$rc"
  cp "$E2E_OUT" "$W/view.txt"
  check_eq "--view: one person line per patient" 200 "$(grep -c '^person	' "$W/view.txt")"
  if [ -x "$EHR_DUMP" ]; then
    "$EHR_DUMP" "$DB" > "$W/dump.txt" 2> /dev/null
    if cmp -s "$W/view.txt" "$W/dump.txt"; then ok "--view: the lines ehr_dump prints"
    else notok "--view: the lines ehr_dump prints" "$(diff "$W/view.txt" "$W/dump.txt" | head -5)"; fi
  else
    notok "--view: the lines ehr_dump prints" "no $EHR_DUMP (make builds it)"
  fi
  check_eq "native: the database is unchanged" "$sum_before" "$(cksum < "$DB")"
  check_eq "native: no journal or WAL file left" "" "$(ls "$DB"-* 2>/dev/null)"
fi

# ---- a hand-made folder of OMOP CSV files ------------------------------------

F="$W/csv"
mkdir -p "$F"
printf '\357\273\277person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth,race_concept_id,ethnicity_concept_id\r\n1,8507,1980,1,1,0,0\r\n2,8532,1990,1,1,0,0\r\n3,8532,2000,1,1,0,0\r\n' > "$F/PERSON.csv"
cat > "$F/OBSERVATION_PERIOD.csv" <<'CSV'
observation_period_id,person_id,observation_period_start_date,observation_period_end_date,period_type_concept_id
1,1,2000-01-01,2010-01-01,32817
2,2,2000-06-01,2015-06-01,32817
3,3,2000-01-01,2010-01-01,32817
CSV
cat > "$F/CONDITION_OCCURRENCE.csv" <<'CSV'
condition_occurrence_id,person_id,condition_concept_id,condition_start_date,condition_type_concept_id,condition_source_value,condition_source_concept_id
1,1,201826,2001-01-01,32817,"E11.9",0
2,1,201826,2002-01-01,32817,"E11.9",0
3,2,201826,2003-01-01,32817,E11.9,0
4,2,4329847,2003-01-01,32817,"I21, acute",0

5,3,4329847,2004-01-01,32817,I21,0
6,3,201826,2005-01-01,32817,E11.9,0

CSV
cat > "$F/DRUG_EXPOSURE.csv" <<'CSV'
drug_exposure_id,person_id,drug_concept_id,drug_exposure_start_date,drug_type_concept_id,drug_source_value
1,1,1503297,2001-02-02,32817,860975
2,2,1503297,2004-02-02,32817,860975
CSV
{
  printf 'concept_id\tconcept_name\tdomain_id\tvocabulary_id\tconcept_class_id\tstandard_concept\tconcept_code\tvalid_start_date\tvalid_end_date\tinvalid_reason\n'
  printf '201826\tType 2 diabetes mellitus\tCondition\tSNOMED\tClinical Finding\tS\t44054006\t19700101\t20991231\t\n'
  printf '4329847\tMyocardial infarction\tCondition\tSNOMED\tClinical Finding\tS\t22298006\t19700101\t20991231\t\n'
  printf '1503297\tmetformin\tDrug\tRxNorm\tIngredient\tS\t6809\t19700101\t20991231\t\n'
  printf '8507\tMALE\tGender\tGender\tGender\tS\tM\t19700101\t20991231\t\n'
} > "$F/CONCEPT.csv"
printf 'note_id,person_id,note_text\n1,1,"a note, with a comma\nand a line break"\n' > "$F/NOTE.csv"

vitae inspect "omop-csv:$F" --json
check_status "OMOP CSV folder: exit status 0" 0 "$rc"
cp "$E2E_OUT" "$W/csv.json"
CJ="$W/csv.json"
check_eq "OMOP CSV folder: format, kind and source" "omop omop-csv csv_folder" "$(j "$CJ" '$.format') $(j "$CJ" '$.kind') $(j "$CJ" '$.source')"
check_eq "OMOP CSV folder: every file's records (BOM and CRLF, quoted line breaks, blank lines)" \
  "concept=4 condition_occurrence=6 drug_exposure=2 note=1 observation_period=3 person=3" \
  "$(sqlite3 :memory: "SELECT group_concat(t, ' ') FROM (SELECT json_extract(value, '\$.table') || '=' || json_extract(value, '\$.rows') t
                        FROM json_each(readfile('$CJ'), '\$.tables') ORDER BY 1)")"
check_eq "OMOP CSV folder: a concept table of 4 concepts" "1 4" "$(j "$CJ" '$.concept_table') $(j "$CJ" '$.concepts')"
check_eq "OMOP CSV folder: condition events, distinct codes, persons" "6 2 3" \
  "$(j "$CJ" '$.domains[0].rows') $(j "$CJ" '$.domains[0].distinct') $(j "$CJ" '$.domains[0].persons')"
check_eq "OMOP CSV folder: the top condition: its concept, rows and persons" "201826 4 3" \
  "$(j "$CJ" '$.domains[0].top[0].concept_id') $(j "$CJ" '$.domains[0].top[0].rows') $(j "$CJ" '$.domains[0].top[0].persons')"
check_eq "OMOP CSV folder: the observation periods" "3 3 2000-01-01 2015-06-01" \
  "$(j "$CJ" '$.observation_periods.rows') $(j "$CJ" '$.observation_periods.persons') $(j "$CJ" '$.observation_periods.earliest_start') $(j "$CJ" '$.observation_periods.latest_end')"
vitae inspect "$F" --top 1
check_status "OMOP CSV folder, detected, text: exit status 0" 0 "$rc"
cp "$E2E_OUT" "$W/csv.txt"
check_grep "OMOP CSV text: the format line" "OMOP CDM" "$W/csv.txt"
check_grep "OMOP CSV text: the files are listed" "CONDITION_OCCURRENCE.csv" "$W/csv.txt"
check_grep "OMOP CSV text: the condition domain" "Condition: 6 events, 2 distinct codes, 3 persons" "$W/csv.txt"

mkdir -p "$W/bad1" "$W/bad2"
cp "$F/PERSON.csv" "$F/OBSERVATION_PERIOD.csv" "$F/CONDITION_OCCURRENCE.csv" "$W/bad1/"
printf 'note_id,person_id\n1,1\n2,1,extra\n3,"1\n' > "$W/bad1/NOTE.csv"
vitae inspect "$W/bad1"
check_status "CSV: a file that cannot be read: exit status 2" 2 "$rc"
check_grep "CSV: the file that cannot be read is named by file:line" "NOTE.csv:4" "$E2E_ERR"
cp "$F/PERSON.csv" "$F/CONDITION_OCCURRENCE.csv" "$W/bad2/"
printf 'observation_period_id,person_id,observation_period_start_date,observation_period_end_date\n1,"1\n2,2\n' > "$W/bad2/OBSERVATION_PERIOD.csv"
vitae inspect "$W/bad2"
check_status "CSV: an unclosed quote: exit status 2" 2 "$rc"
check_grep "CSV: the unclosed quote is named by file and line" "OBSERVATION_PERIOD.csv:2" "$E2E_ERR"

# ---- an events file and a Synthea CSV export ----------------------------------

EV="$VITAE_ROOT/schemas/events-example.csv"
vitae inspect "$EV" --json
check_status "events file: exit status 0" 0 "$rc"
cp "$E2E_OUT" "$W/ev.json"
check_eq "events file: format and kind" "events events csv_file" "$(j "$W/ev.json" '$.format') $(j "$W/ev.json" '$.kind') $(j "$W/ev.json" '$.source')"
check_eq "events file: its records counted" "$(($(grep -cv '^[[:space:]]*$' "$EV") - 1))" "$(j "$W/ev.json" '$.tables[0].rows')"
vitae inspect "events:$EV"
check_grep "events file, text: the quality counts with a reason" "before_birth" "$E2E_OUT"
first_id=$(awk -F, 'NR == 2 { print $2 }' "$EV")
vitae inspect "$EV" --patient "$first_id" --json
check_status "events file, --patient: exit status 0" 0 "$rc"
check_eq "events file, --patient: the person's id" "$first_id" "$(j "$E2E_OUT" '$.id')"

SY="$VITAE_SHARED/data/synthea-csv/unmc-crane_database-stats-lecture_111p"
if [ ! -d "$SY" ]; then
  skip "a Synthea CSV export" "../shared is absent (no $SY)"
else
  vitae inspect "synthea-csv:$SY" --json
  check_status "Synthea CSV export: exit status 0" 0 "$rc"
  cp "$E2E_OUT" "$W/sy.json"
  check_eq "Synthea CSV export: format" "synthea" "$(j "$W/sy.json" '$.format')"
  check_eq "Synthea CSV export: persons = the records of patients.csv" \
    "$(j "$W/sy.json" '$.persons.total')" \
    "$(sqlite3 :memory: "SELECT json_extract(value, '\$.rows') FROM json_each(readfile('$W/sy.json'), '\$.tables') WHERE json_extract(value, '\$.table') = 'patients'")"
  check_eq "Synthea CSV export: condition events = the records of conditions.csv" \
    "$(sqlite3 :memory: "SELECT json_extract(value, '\$.rows') FROM json_each(readfile('$W/sy.json'), '\$.tables') WHERE json_extract(value, '\$.table') = 'conditions'")" \
    "$(sqlite3 :memory: "SELECT json_extract(value, '\$.rows') + 0 FROM json_each(readfile('$W/sy.json'), '\$.domains') WHERE json_extract(value, '\$.domain') = 'condition'")"
  SP=$(awk -F, 'NR == 2 { print $1 }' "$SY/patients.csv")
  vitae inspect "$SY" --patient "$SP"
  check_status "Synthea CSV export: --patient with the patient Id: exit status 0" 0 "$rc"
  check_grep "Synthea CSV export: --patient: the person line" "person $SP: sex " "$E2E_OUT"
fi

# ---- no leak on the error exits ---------------------------------------------

check_no_leak "--help" 0 inspect --help
check_no_leak "no source" 2 inspect
check_no_leak "--top without a number" 2 inspect "$W/x.db" --top
check_no_leak "--top ten" 2 inspect "$W/x.db" --top ten
check_no_leak "an unknown option" 2 inspect "$W/x.db" --no-such-option
check_no_leak "two sources" 2 inspect "$W/a.db" "$W/b.db"
check_no_leak "an unknown kind" 2 inspect "nosuchkind:$W/a.db"
check_no_leak "a missing file" 2 inspect "$W/missing.db"
check_no_leak "a file that is not SQLite" 2 inspect "$W/text.db"
check_no_leak "an empty file" 2 inspect "$W/empty.db"
check_no_leak "a folder of neither kind" 2 inspect "$W/nothing"
check_no_leak "CSV: a file that cannot be read" 2 inspect "$W/bad1"
check_no_leak "CSV: an unclosed quote" 2 inspect "$W/bad2"
check_no_leak "an events file" 0 inspect "$VITAE_ROOT/schemas/events-example.csv"
[ -f "$DB" ] && check_no_leak "--patient with a missing id" 1 inspect "$DB" --patient no-such-person
if need_sqlite3 "no leak on SQLite errors"; then
  [ -f "$W/other.db" ] && check_no_leak "a SQLite database in neither format" 2 inspect "$W/other.db"
  # corrupt_last_page DB: zero the last page, which belongs to the table
  # filled last (a full scan of it fails: "database disk image is malformed")
  corrupt_last_page() {
    _ps=$(sqlite3 "$1" "PRAGMA page_size") && _pc=$(sqlite3 "$1" "PRAGMA page_count") &&
      dd if=/dev/zero of="$1" bs="$_ps" seek=$((_pc - 1)) count=1 conv=notrunc 2>/dev/null
  }
  if [ -f "$DB" ]; then
    cp "$DB" "$W/corrupt_native.db"
    sqlite3 "$W/corrupt_native.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
      INSERT INTO conditions (patient, code, description, start) SELECT (SELECT id FROM patients LIMIT 1), 'c' || (i % 97), 'd', '2000-01-01' FROM n;"
    corrupt_last_page "$W/corrupt_native.db"
    vitae inspect "$W/corrupt_native.db"
    check_status "corrupt native database: exit status 2" 2 "$rc"
    check_grep "corrupt native database: said so" "malformed" "$E2E_ERR"
    check_no_leak "corrupt native database, failing mid-scan" 2 inspect "$W/corrupt_native.db"
  fi
fi

# ---- Eunomia: GiBleed (OMOP 5.3, a concept table) ----------------------------

GIB="$VITAE_SHARED/data/eunomia/GiBleed_5.3_partial.sqlite"
if [ ! -f "$GIB" ]; then
  skip "GiBleed (OMOP 5.3)" "../shared is absent (no $GIB)"
elif need_sqlite3 "GiBleed (OMOP 5.3)"; then
  vitae inspect "$GIB" --json
  check_status "GiBleed: exit status 0" 0 "$rc"
  cp "$E2E_OUT" "$W/gib.json"
  check_eq "GiBleed: OMOP CDM 5.3 with a concept table" "omop 5.3 1" \
    "$(j "$W/gib.json" '$.format') $(j "$W/gib.json" '$.cdm_version') $(j "$W/gib.json" '$.concept_table')"
  if msg=$(same_counts "$GIB" "$W/gib.json"); then ok "GiBleed: every table's row count is sqlite3's COUNT(*)"
  else notok "GiBleed: every table's row count is sqlite3's COUNT(*)" "$msg"; fi
  check_eq "GiBleed: person and observation_period head the tables" "person observation_period" \
    "$(j "$W/gib.json" '$.tables[0].table') $(j "$W/gib.json" '$.tables[1].table')"
  check_eq "GiBleed: persons are the person table's" "$(sql "$GIB" "SELECT count(*) FROM person")" "$(j "$W/gib.json" '$.persons.total')"
  check_zero "GiBleed: each top procedure concept's rows and persons as sqlite3 counts them" "$GIB" \
    "SELECT count(*) FROM json_each(readfile('$W/gib.json'), '\$.domains') d, json_each(d.value, '\$.top') t
     WHERE json_extract(d.value, '\$.domain') = 'procedure' AND (json_extract(t.value, '\$.rows') <>
       (SELECT count(*) FROM procedure_occurrence WHERE procedure_concept_id = json_extract(t.value, '\$.concept_id'))
       OR json_extract(t.value, '\$.persons') <> (SELECT count(DISTINCT person_id) FROM procedure_occurrence
                                                 WHERE procedure_concept_id = json_extract(t.value, '\$.concept_id')))"
  check_zero "GiBleed: the top procedures' descriptions are the concept names" "$GIB" \
    "SELECT count(*) FROM json_each(readfile('$W/gib.json'), '\$.domains') d, json_each(d.value, '\$.top') t
     WHERE json_extract(d.value, '\$.domain') = 'procedure' AND json_extract(t.value, '\$.description') IS NOT
       (SELECT concept_name FROM concept WHERE concept_id = json_extract(t.value, '\$.concept_id'))"
  vitae inspect "$GIB"
  check_grep "GiBleed text: the version line" "OMOP CDM 5.3 (from cdm_source.cdm_version 'v5.3.1')" "$E2E_OUT"
  GP=$(sql "$GIB" "SELECT min(person_id) FROM person")
  vitae inspect "omop:$GIB" --patient "$GP" --json
  check_status "GiBleed --patient: exit status 0" 0 "$rc"
  # GiBleed's condition_occurrence is empty: the reader reads condition_era (and says so)
  check_eq "GiBleed --patient: the person's conditions (from condition_era where the occurrences are empty)" \
    "$(sql "$GIB" "SELECT CASE WHEN (SELECT count(*) FROM condition_occurrence) > 0
                   THEN (SELECT count(*) FROM condition_occurrence WHERE person_id = $GP)
                   ELSE (SELECT count(*) FROM condition_era WHERE person_id = $GP) END")" \
    "$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('$E2E_OUT'), '\$.events') WHERE json_extract(value, '\$.domain') = 'condition'")"
fi

# ---- Eunomia: Synthea27Nj (OMOP 5.4 as CSV files) -----------------------------

NJ="$VITAE_SHARED/data/eunomia/Synthea27Nj_5.4"
if [ ! -d "$NJ" ]; then
  skip "Synthea27Nj CSV folder (OMOP 5.4)" "../shared is absent (no $NJ)"
elif need_sqlite3 "Synthea27Nj CSV folder (OMOP 5.4)"; then
  start=$(date +%s)
  vitae inspect "$NJ" --json
  check_status "Synthea27Nj folder: exit status 0" 0 "$rc"
  check_between "Synthea27Nj folder: read in a few seconds" 0 20 "$(( $(date +%s) - start ))"
  cp "$E2E_OUT" "$W/nj.json"
  check_eq "Synthea27Nj folder: OMOP CDM 5.4 with a concept table" "omop 5.4 1" \
    "$(j "$W/nj.json" '$.format') $(j "$W/nj.json" '$.cdm_version') $(j "$W/nj.json" '$.concept_table')"
  NJDB="$W/nj.db"
  for f in "$NJ"/*.csv; do
    t=$(basename "$f" .csv | tr '[:upper:]' '[:lower:]')
    sqlite3 "$NJDB" ".import --csv '$f' $t" 2> "$W/import.err" || notok "sqlite3 imports $(basename "$f")" "$(cat "$W/import.err")"
  done
  if msg=$(same_counts "$NJDB" "$W/nj.json"); then ok "Synthea27Nj folder: every file's records as sqlite3 imports them"
  else notok "Synthea27Nj folder: every file's records as sqlite3 imports them" "$msg"; fi
  check_eq "Synthea27Nj folder: persons are PERSON.csv's records" "$(sql "$NJDB" "SELECT count(*) FROM person")" "$(j "$W/nj.json" '$.persons.total')"
fi

rm -rf "$W"
finish
