#!/bin/sh
# inspect.sh -- `vitae inspect`: on a native cohort of 200 patients every
# table's row count matches sqlite3's COUNT(*), the top codes of each
# clinical table (rows, patients, description) match a sqlite3 GROUP BY, the
# module_states summary and the observation window match, the database is
# left unchanged, --top N and --json work; on a hand-made folder of OMOP CSV
# files (quoted fields with commas, line breaks and "", CRLF, a byte order
# mark, blank lines, a tab-separated CONCEPT.csv) the counts, concept names,
# source-value names and concept 0's source values are right, and malformed
# CSV is named by file:line; errors: a missing file, a file that is not
# SQLite, an empty file, a SQLite file in neither format, a folder without
# PERSON.csv (exit 1), usage errors (exit 2), --help (exit 0).  With
# ../shared: Eunomia's GiBleed (OMOP 5.3 with a concept table; and a copy
# without it and with concepts set to 0) and the Synthea27Nj CSV folder
# (OMOP 5.4), checked against sqlite3, the folder also against a database
# sqlite3 imports from it.  A cohort written with `vitae run --format omop`
# is inspected when that format is there.  Malformed input: an OMOP
# database (schemas/omop.sql) and a CSV folder with an empty concept table
# (no qsort of NULL: the sanitizer build stops on it), a CSV file with a NUL
# byte, odd column types; and every error exit (usage, missing file, not
# SQLite, empty, corrupt SQLite pages mid-scan, bad CSV, unknown layout) is
# run under a leak checker (tests/e2e/lib/leaks.sh), which fails on a leak.
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

# check_native_top TABLE: the top codes of TABLE in $J match $DB.
check_native_top() {
  _sel="FROM json_each(readfile('$J'), '\$.codes') c, json_each(c.value, '\$.top') t
        WHERE json_extract(c.value, '\$.table') = '$1' AND json_extract(c.value, '\$.by') = 'code'"
  _code="json_extract(t.value, '\$.code')"
  check_zero "$1: each top code's rows, patients and description as sqlite3 counts them" "$DB" \
    "SELECT count(*) $_sel AND (json_extract(t.value, '\$.rows') <> (SELECT count(*) FROM $1 WHERE code = $_code)
       OR json_extract(t.value, '\$.patients') <> (SELECT count(DISTINCT patient) FROM $1 WHERE code = $_code)
       OR json_extract(t.value, '\$.description') IS NULL
       OR json_extract(t.value, '\$.description') NOT IN (SELECT description FROM $1 WHERE code = $_code))"
  check_eq "$1: the top 10 row counts are sqlite3's GROUP BY code" \
    "$(sql "$DB" "SELECT group_concat(n) FROM (SELECT count(*) n FROM $1 GROUP BY code ORDER BY n DESC LIMIT 10)")" \
    "$(sql "$DB" "SELECT group_concat(json_extract(t.value, '\$.rows')) $_sel")"
}

# check_omop_top DB JSON DOMAIN TABLE CONCEPTCOL SOURCECOL NAMED: the top
# concepts of DOMAIN in JSON match DB: rows, persons, the top-N counts, and
# the names (NAMED=concept: from the concept table; source: the most
# frequent source value).
check_omop_top() {
  _sel="FROM json_each(readfile('$2'), '\$.domains') d, json_each(d.value, '\$.top') t
        WHERE json_extract(d.value, '\$.domain') = '$3'"
  _id="json_extract(t.value, '\$.concept_id')"
  check_zero "$(basename "$1") $3: each top concept's rows and persons as sqlite3 counts them" "$1" \
    "SELECT count(*) $_sel AND (json_extract(t.value, '\$.rows') <> (SELECT count(*) FROM $4 WHERE $5 = $_id)
       OR json_extract(t.value, '\$.persons') <> (SELECT count(DISTINCT person_id) FROM $4 WHERE $5 = $_id))"
  _n=$(sql "$1" "SELECT count(*) $_sel AND $_id <> 0")
  check_eq "$(basename "$1") $3: the top row counts are sqlite3's GROUP BY $5" \
    "$(sql "$1" "SELECT group_concat(n) FROM (SELECT count(*) n FROM $4 WHERE $5 <> 0 GROUP BY $5 ORDER BY n DESC LIMIT $_n)")" \
    "$(sql "$1" "SELECT group_concat(json_extract(t.value, '\$.rows')) $_sel AND $_id <> 0")"
  if [ "$7" = concept ]; then
    check_zero "$(basename "$1") $3: the names are the concept table's" "$1" \
      "SELECT count(*) $_sel AND $_id <> 0 AND json_extract(t.value, '\$.concept_name') IS NOT
         (SELECT concept_name FROM concept WHERE concept_id = $_id)"
  else
    check_zero "$(basename "$1") $3: without a name, the most frequent source value" "$1" \
      "SELECT count(*) $_sel AND $_id <> 0 AND (json_extract(t.value, '\$.concept_name') IS NOT NULL
         OR json_extract(t.value, '\$.source_value') IS NOT
           (SELECT $6 FROM $4 WHERE $5 = $_id GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1))"
  fi
}

# ---- usage and errors ------------------------------------------------------

vitae inspect --help
check_status "--help: exit status 0" 0 "$rc"
check_grep "--help shows the usage" "usage: vitae inspect PATH [--top N] [--json]" "$E2E_OUT"
vitae --help
check_grep "vitae --help lists inspect" "inspect" "$E2E_OUT"
vitae inspect
check_status "no PATH: exit status 2" 2 "$rc"
vitae inspect "$W/x.db" --top
check_status "--top without a number: exit status 2" 2 "$rc"
vitae inspect "$W/x.db" --top ten
check_status "--top ten: exit status 2" 2 "$rc"
vitae inspect "$W/x.db" --top -1
check_status "--top -1: exit status 2" 2 "$rc"
vitae inspect "$W/x.db" --no-such-option
check_status "an unknown option: exit status 2" 2 "$rc"
check_grep "an unknown option is named" "unknown option '--no-such-option'" "$E2E_ERR"
vitae inspect "$W/a.db" "$W/b.db"
check_status "two paths: exit status 2" 2 "$rc"

vitae inspect "$W/missing.db"
check_status "a missing file: exit status 1" 1 "$rc"
check_grep "a missing file is named" "missing.db" "$E2E_ERR"
check_no_file "a missing file is not created" "$W/missing.db"
printf 'patient,code\n1,x\n' > "$W/text.csv"
vitae inspect "$W/text.csv"
check_status "a file that is not SQLite: exit status 1" 1 "$rc"
check_grep "a file that is not SQLite: said so" "not a SQLite database" "$E2E_ERR"
: > "$W/empty.db"
vitae inspect "$W/empty.db"
check_status "an empty file: exit status 1" 1 "$rc"
mkdir -p "$W/nothing"
vitae inspect "$W/nothing"
check_status "a folder without PERSON.csv: exit status 1" 1 "$rc"
check_grep "a folder without PERSON.csv: said so" "without PERSON.csv" "$E2E_ERR"

if need_sqlite3 "SQLite databases in neither format"; then
  sqlite3 "$W/other.db" "CREATE TABLE person (person_id INTEGER); CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('a');"
  vitae inspect "$W/other.db"
  check_status "a SQLite database in neither format: exit status 1" 1 "$rc"
  check_grep "a SQLite database in neither format: said so" "neither a vitae cohort" "$E2E_ERR"
fi

# ---- a native cohort --------------------------------------------------------

DB="$W/cohort.db"
J="$W/cohort.json"
if ! have_default_modules; then
  skip "a native cohort" "no default modules"
elif ! need_sqlite3 "a native cohort"; then
  :
elif ! "$VITAE" run -p 200 -s 7 -o "$DB" -q --observation random > "$W/run.out" 2> "$W/run.err" &&
     ! "$VITAE" run -p 200 -s 7 -o "$DB" -q > "$W/run.out" 2> "$W/run.err"; then
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
  check_grep "native text: the conditions section" "Conditions (conditions): " "$W/cohort.txt"
  check_grep "native text: encounters by class" "Encounters by class (encounters): " "$W/cohort.txt"
  check_grep "native text: the modules section" "Modules (module_states): " "$W/cohort.txt"

  vitae inspect "$DB" --json
  check_status "native --json: exit status 0" 0 "$rc"
  cp "$E2E_OUT" "$J"
  check_eq "native --json: one valid JSON object" "1 object" "$(sqlite3 :memory: "SELECT json_valid(readfile('$J')) || ' ' || json_type(readfile('$J'))")"
  check_eq "native --json: format" "native" "$(j "$J" '$.format')"
  if msg=$(same_counts "$DB" "$J"); then ok "native: every table's row count is sqlite3's COUNT(*)"
  else notok "native: every table's row count is sqlite3's COUNT(*)" "$msg"; fi
  check_eq "native: total_rows is the sum" "$(for t in $(sqlite3 "$DB" "SELECT name FROM sqlite_master WHERE type = 'table'"); do sql "$DB" "SELECT count(*) FROM \"$t\""; done | awk '{ s += $1 } END { print s }')" \
    "$(j "$J" '$.total_rows')"
  check_eq "native: patients alive and dead" \
    "$(sql "$DB" "SELECT (count(*) - count(deathdate)) || ' ' || count(deathdate) FROM patients")" \
    "$(j "$J" '$.patients.alive') $(j "$J" '$.patients.dead')"
  for t in conditions medications procedures observations immunizations careplans; do
    check_native_top "$t"
  done
  check_eq "native: encounters by class, every class with its rows" \
    "$(sql "$DB" "SELECT group_concat(encounterclass || '=' || n) FROM (SELECT encounterclass, count(*) n FROM encounters GROUP BY 1 ORDER BY n DESC, 1)")" \
    "$(sql "$DB" "SELECT group_concat(json_extract(t.value, '\$.class') || '=' || json_extract(t.value, '\$.rows'))
                  FROM json_each(readfile('$J'), '\$.codes') c, json_each(c.value, '\$.top') t
                  WHERE json_extract(c.value, '\$.by') = 'encounterclass'")"
  check_zero "native: encounters by class and code (rows, patients) match sqlite3" "$DB" \
    "SELECT count(*) FROM json_each(readfile('$J'), '\$.codes') c, json_each(c.value, '\$.top') t
     WHERE json_extract(c.value, '\$.by') = 'encounterclass, code'
       AND (json_extract(t.value, '\$.rows') <> (SELECT count(*) FROM encounters WHERE encounterclass = json_extract(t.value, '\$.class')
                                                  AND code = json_extract(t.value, '\$.code'))
         OR json_extract(t.value, '\$.patients') <> (SELECT count(DISTINCT patient) FROM encounters
                                                     WHERE encounterclass = json_extract(t.value, '\$.class') AND code = json_extract(t.value, '\$.code')))"
  check_eq "native: module_states summary (modules, states, visited)" \
    "$(sql "$DB" "SELECT (SELECT count(*) FROM (SELECT DISTINCT module, path FROM module_states)) || ' ' || count(*) || ' ' || sum(patients > 0) FROM module_states")" \
    "$(j "$J" '$.module_states.modules') $(j "$J" '$.module_states.states') $(j "$J" '$.module_states.visited')"
  if [ "$(sql "$DB" "SELECT count(*) FROM sqlite_master WHERE name = 'observation_periods'")" = 1 ]; then
    check_eq "native: the observation window (rows, patients, earliest start)" \
      "$(sql "$DB" "SELECT count(*) || ' ' || count(DISTINCT patient) || ' ' || date(min(start)) FROM observation_periods")" \
      "$(j "$J" '$.observation_window.rows') $(j "$J" '$.observation_window.patients') $(j "$J" '$.observation_window.earliest_start')"
    check_grep "native text: the observation window line" "observation_periods: " "$W/cohort.txt"
  else
    skip "native: the observation window" "this vitae writes no observation_periods table"
  fi

  vitae inspect "$DB" --top 3 --json
  cp "$E2E_OUT" "$W/top3.json"
  check_eq "--top 3: at most 3 codes per table" 3 \
    "$(sqlite3 :memory: "SELECT max(json_array_length(value, '\$.top')) FROM json_each(readfile('$W/top3.json'), '\$.codes')")"
  vitae inspect "$DB" --top=0
  check_status "--top=0: exit status 0" 0 "$rc"
  if grep -q '^   *#' "$E2E_OUT"; then notok "--top 0: no code tables" "$(grep -n '^   *#' "$E2E_OUT" | head -3)"
  else ok "--top 0: no code tables"; fi
  check_eq "native: the database is unchanged" "$sum_before" "$(cksum < "$DB")"
  check_eq "native: no journal or WAL file left" "" "$(ls "$DB"-* 2>/dev/null)"
fi

# ---- a hand-made folder of OMOP CSV files ------------------------------------

F="$W/csv"
mkdir -p "$F"
printf '\357\273\277person_id,gender_concept_id,year_of_birth\r\n1,8507,1980\r\n2,8532,1990\r\n3,8532,2000\r\n' > "$F/PERSON.csv"
cat > "$F/OBSERVATION_PERIOD.csv" <<'EOF'
observation_period_id,person_id,observation_period_start_date,observation_period_end_date,period_type_concept_id
1,1,2000-01-01,2010-01-01,32817
2,2,2005-06-01,2015-06-01,32817
EOF
cat > "$F/CONDITION_OCCURRENCE.csv" <<'EOF'
condition_occurrence_id,person_id,condition_concept_id,condition_start_date,condition_source_value,note
1,1,201826,2001-01-01,"E11.9","a, comma"
2,1,201826,2002-01-01,E11.9,"line one
line two, still the same field"
3,2,201826,2003-01-01,E11.9,"say ""hi"""
4,2,0,2003-01-01,"X99, custom",
5,3,0,2004-01-01,"X99, custom",

6,3,0,2004-01-01,Z00,
7,3,4329847,2004-01-01,I21,
8,3,201826,2005-01-01,E11.9,

EOF
cat > "$F/DRUG_EXPOSURE.csv" <<'EOF'
drug_exposure_id,person_id,drug_concept_id,drug_source_value
1,1,1503297,860975
2,2,1503297,860975
3,2,1503297,861007
EOF
cat > "$F/VISIT_OCCURRENCE.csv" <<'EOF'
visit_occurrence_id,person_id,visit_concept_id,visit_source_value
1,1,9202,a1
2,2,9202,b2
3,3,9202,c3
EOF
{
  printf 'concept_id\tconcept_name\tdomain_id\tvocabulary_id\tconcept_class_id\tstandard_concept\tconcept_code\tvalid_start_date\tvalid_end_date\tinvalid_reason\n'
  printf '201826\tType 2 diabetes mellitus\tCondition\tSNOMED\tClinical Finding\tS\t44054006\t19700101\t20991231\t\n'
  printf '4329847\tMyocardial infarction "MI\tCondition\tSNOMED\tClinical Finding\tS\t22298006\t19700101\t20991231\t\n'
  printf '9202\tOutpatient Visit\tVisit\tVisit\tVisit\tS\tOP\t19700101\t20991231\t\n'
  printf '8507\tMALE\tGender\tGender\tGender\tS\tM\t19700101\t20991231\t\n'
} > "$F/CONCEPT.csv"

vitae inspect "$F" --json
check_status "CSV folder: exit status 0" 0 "$rc"
cp "$E2E_OUT" "$W/csv.json"
CJ="$W/csv.json"
cond="\$.domains[0]"
check_eq "CSV folder: format and source" "omop csv_folder" "$(j "$CJ" '$.format') $(j "$CJ" '$.source')"
check_eq "CSV folder: row counts (BOM and CRLF, quoted line breaks, blank lines)" \
  "person=3 observation_period=2 visit_occurrence=3 condition_occurrence=8 drug_exposure=3 concept=4" \
  "$(sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.table') || '=' || json_extract(value, '\$.rows'), ' ')
                        FROM json_each(readfile('$CJ'), '\$.tables')")"
check_eq "CSV folder: condition concepts by rows, concept 0 counted" "201826:4:3 0:3:2 4329847:1:1" \
  "$(sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.concept_id') || ':' || json_extract(value, '\$.rows') || ':' ||
                        json_extract(value, '\$.persons'), ' ') FROM json_each(readfile('$CJ'), '$cond.top')")"
check_eq "CSV folder: names from a tab-separated CONCEPT.csv, quotes kept as they are" \
  "Type 2 diabetes mellitus|Myocardial infarction \"MI" "$(j "$CJ" "$cond.top[0].concept_name")|$(j "$CJ" "$cond.top[2].concept_name")"
check_eq "CSV folder: concept 0's source values, a quoted comma kept" "3 2 X99, custom=2 Z00=1" \
  "$(j "$CJ" "$cond.unmapped.rows") $(j "$CJ" "$cond.unmapped.distinct_source_values") $(sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.source_value') || '=' || json_extract(value, '\$.rows'), ' ') FROM json_each(readfile('$CJ'), '$cond.unmapped.top')")"
check_eq "CSV folder: a concept without a name: its most frequent source value" "null 860975 2" \
  "$(j "$CJ" '$.domains[1].top[0].concept_name' | sed 's/^$/null/') $(j "$CJ" '$.domains[1].top[0].source_value') $(j "$CJ" '$.domains[1].top[0].source_value_rows')"
check_eq "CSV folder: the observation period summary" "2 2 2000-01-01 2015-06-01" \
  "$(j "$CJ" '$.observation_period.rows') $(j "$CJ" '$.observation_period.persons') $(j "$CJ" '$.observation_period.earliest_start') $(j "$CJ" '$.observation_period.latest_end')"
check_eq "CSV folder: the CDM version from the columns is unknown" "" "$(j "$CJ" '$.cdm_version')"
vitae inspect "$F" --top 1
cp "$E2E_OUT" "$W/csv.txt"
check_grep "CSV text: the concept's name" "Type 2 diabetes mellitus" "$W/csv.txt"
check_grep "CSV text: concept 0 kept below the top 1, with its rank" "2           0  [unmapped: source values below]" "$W/csv.txt"
check_grep "CSV text: concept 0's source values" "unmapped (concept 0): 3 rows, 2 distinct source values; the most frequent:" "$W/csv.txt"
check_grep "CSV text: a name from the source value" "[source value] 860975" "$W/csv.txt"
check_grep "CSV text: the files are listed" "CONDITION_OCCURRENCE.csv" "$W/csv.txt"

mkdir -p "$W/bad1" "$W/bad2"
cp "$F/PERSON.csv" "$F/OBSERVATION_PERIOD.csv" "$W/bad1/"
printf 'condition_occurrence_id,person_id,condition_concept_id\n1,1,201826\n2,1,201826,extra\n' > "$W/bad1/CONDITION_OCCURRENCE.csv"
vitae inspect "$W/bad1"
check_status "CSV: a record with too many fields: exit status 1" 1 "$rc"
check_grep "CSV: the record is named by file:line" "CONDITION_OCCURRENCE.csv:3: 4 fields, the header has 3" "$E2E_ERR"
cp "$F/PERSON.csv" "$W/bad2/"
printf 'observation_period_id,person_id\n1,"1\n2,2\n' > "$W/bad2/OBSERVATION_PERIOD.csv"
vitae inspect "$W/bad2"
check_status "CSV: an unclosed quote: exit status 1" 1 "$rc"
check_grep "CSV: the unclosed quote is named by file:line" "OBSERVATION_PERIOD.csv:2: a quoted field is not closed" "$E2E_ERR"

# ---- malformed input --------------------------------------------------------

# An OMOP database made from schemas/omop.sql whose concept table is empty:
# the concepts shown find no name (once a qsort of NULL, undefined behaviour).
if need_sqlite3 "an OMOP database with an empty concept table"; then
  EC="$W/empty_concept.db"
  if sqlite3 "$EC" < "$VITAE_ROOT/schemas/omop.sql" 2> "$W/ec.err" &&
     sqlite3 "$EC" "INSERT INTO person (person_id, gender_concept_id, year_of_birth, race_concept_id, ethnicity_concept_id)
                    VALUES (1, 8507, 1980, 0, 0), (2, 8532, 1990, 0, 0);
                    INSERT INTO condition_occurrence (condition_occurrence_id, person_id, condition_concept_id,
                      condition_start_date, condition_type_concept_id, condition_source_value)
                    VALUES (1, 1, 201826, '2000-01-01', 32817, 'E11'), (2, 2, 201826, '2001-01-01', 32817, 'E11'),
                           (3, 2, 0, '2001-01-01', 32817, 'X99');" 2>> "$W/ec.err"; then
    check_eq "empty concept table: schemas/omop.sql has a concept table, empty" 0 "$(sql "$EC" "SELECT count(*) FROM concept")"
    vitae inspect "$EC" --json
    check_status "empty concept table: exit status 0" 0 "$rc"
    cp "$E2E_OUT" "$W/ec.json"
    check_eq "empty concept table: told, 0 concepts, the top concept named by its source value" "1 0 201826  E11" \
      "$(j "$W/ec.json" '$.concept_table') $(j "$W/ec.json" '$.concepts') $(j "$W/ec.json" '$.domains[0].top[0].concept_id') $(j "$W/ec.json" '$.domains[0].top[0].concept_name') $(j "$W/ec.json" '$.domains[0].top[0].source_value')"
    vitae inspect "$EC"
    check_status "empty concept table, text: exit status 0" 0 "$rc"
    check_grep "empty concept table, text: the source value as the name" "[source value] E11" "$E2E_OUT"
  else
    notok "an OMOP database with an empty concept table: sqlite3 builds it from schemas/omop.sql" "$(cat "$W/ec.err")"
  fi
fi

# The same in a CSV folder: CONCEPT.csv with its header only.
EF="$W/csv_empty_concept"
mkdir -p "$EF"
cp "$F/PERSON.csv" "$F/CONDITION_OCCURRENCE.csv" "$EF/"
printf 'concept_id,concept_name,domain_id,vocabulary_id,concept_code\n' > "$EF/CONCEPT.csv"
vitae inspect "$EF" --json
check_status "CSV folder, CONCEPT.csv without rows: exit status 0" 0 "$rc"
cp "$E2E_OUT" "$W/ef.json"
check_eq "CSV folder, CONCEPT.csv without rows: a concept table of 0 concepts, no names" "1 0 " \
  "$(j "$W/ef.json" '$.concept_table') $(j "$W/ef.json" '$.concepts') $(j "$W/ef.json" '$.domains[0].top[0].concept_name')"

# A NUL byte in a CSV file: an error naming file:line, not a field cut short.
NF="$W/csv_nul"
mkdir -p "$NF"
cp "$F/PERSON.csv" "$NF/"
printf 'condition_occurrence_id,person_id,condition_concept_id,condition_source_value\n1,1,201826,E11\n2,1,20\000826,E\000X\n' > "$NF/CONDITION_OCCURRENCE.csv"
vitae inspect "$NF"
check_status "CSV: a NUL byte: exit status 1" 1 "$rc"
check_grep "CSV: the NUL byte is named by file:line" "CONDITION_OCCURRENCE.csv:3: a NUL byte: not a CSV text file" "$E2E_ERR"

# Odd column types in SQLite: blobs, reals, text ids, NULL keys, huge values.
if need_sqlite3 "odd column types"; then
  sqlite3 "$W/odd.db" "CREATE TABLE person (person_id, gender_concept_id);
    INSERT INTO person VALUES (1, 8507), ('x', NULL), (X'00ff', 1.5);
    CREATE TABLE condition_occurrence (person_id, condition_concept_id, condition_source_value);
    INSERT INTO condition_occurrence VALUES (1, 201826, 'a'), (1, 201826.0, X'61006263'), ('p', X'3200', NULL),
      (NULL, NULL, NULL), (2.5, 'abc', 'q'), (3, -1, ''), (3, 0, X'00'), (4, 0, NULL), (5, 9223372036854775807, 'big');
    CREATE TABLE concept (concept_id, concept_name, vocabulary_id, concept_code);
    INSERT INTO concept VALUES ('201826', X'ff00fe', 1, 2.5), (NULL, NULL, NULL, NULL), (9223372036854775807, 'max', 'V', 'C');
    CREATE TABLE observation_period (person_id, observation_period_start_date, observation_period_end_date);
    INSERT INTO observation_period VALUES (1, 1e300, -1e300), (2, 'x', X'00'), (3, 0, 9e18);
    CREATE TABLE cdm_source (cdm_version); INSERT INTO cdm_source VALUES ('v5.'), (X'352e34');"
  vitae inspect "$W/odd.db" --json
  check_status "odd column types: exit status 0" 0 "$rc"
  check_eq "odd column types: the rows counted, the largest id named" "9 max" \
    "$(j "$E2E_OUT" '$.domains[0].rows') $(sqlite3 :memory: "SELECT json_extract(value, '\$.concept_name') FROM json_each(readfile('$E2E_OUT'), '\$.domains[0].top') WHERE json_extract(value, '\$.concept_id') = 9223372036854775807")"
  vitae inspect "$W/odd.db"
  check_status "odd column types, text: exit status 0" 0 "$rc"
fi

# ---- no leak on the error exits ---------------------------------------------

check_no_leak "--help" 0 inspect --help
check_no_leak "no PATH" 2 inspect
check_no_leak "--top without a number" 2 inspect "$W/x.db" --top
check_no_leak "--top ten" 2 inspect "$W/x.db" --top ten
check_no_leak "an unknown option" 2 inspect "$W/x.db" --no-such-option
check_no_leak "two paths" 2 inspect "$W/a.db" "$W/b.db"
check_no_leak "a missing file" 1 inspect "$W/missing.db"
check_no_leak "a file that is not SQLite" 1 inspect "$W/text.csv"
check_no_leak "an empty file" 1 inspect "$W/empty.db"
check_no_leak "a folder without PERSON.csv" 1 inspect "$W/nothing"
check_no_leak "CSV: too many fields" 1 inspect "$W/bad1"
check_no_leak "CSV: an unclosed quote" 1 inspect "$W/bad2"
check_no_leak "CSV: a NUL byte" 1 inspect "$NF"
mkdir -p "$W/bad3" "$W/bad4" "$W/bad5"
cp "$F/PERSON.csv" "$F/CONDITION_OCCURRENCE.csv" "$W/bad3/"
printf 'concept_id,concept_name\n201826,diabetes\n1,x,extra\n' > "$W/bad3/CONCEPT.csv"
check_no_leak "CSV: CONCEPT.csv with too many fields" 1 inspect "$W/bad3"
cp "$F/PERSON.csv" "$F/CONDITION_OCCURRENCE.csv" "$W/bad4/"
printf 'id,concept_name\n201826,diabetes\n' > "$W/bad4/CONCEPT.csv"
check_no_leak "CSV: CONCEPT.csv without concept_id" 1 inspect "$W/bad4"
cp "$F/PERSON.csv" "$W/bad5/"
printf 'x\n1\n' > "$W/bad5/NOTES.csv"
check_no_leak "CSV: PERSON.csv but no clinical table" 1 inspect "$W/bad5"
if need_sqlite3 "no leak on SQLite errors"; then
  check_no_leak "a SQLite database in neither format" 1 inspect "$W/other.db"
  # corrupt_last_page DB: zero the last page, which belongs to the table
  # filled last (a full scan of it fails: "database disk image is malformed")
  corrupt_last_page() {
    _ps=$(sqlite3 "$1" "PRAGMA page_size") && _pc=$(sqlite3 "$1" "PRAGMA page_count") &&
      dd if=/dev/zero of="$1" bs="$_ps" seek=$((_pc - 1)) count=1 conv=notrunc 2>/dev/null
  }
  sqlite3 "$W/corrupt_omop.db" "CREATE TABLE person (person_id INTEGER);
    CREATE TABLE observation_period (person_id INTEGER, observation_period_start_date TEXT, observation_period_end_date TEXT);
    CREATE TABLE condition_occurrence (person_id INTEGER, condition_concept_id INTEGER, condition_source_value TEXT);
    INSERT INTO person VALUES (1);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
    INSERT INTO condition_occurrence SELECT i % 50, i % 97, 'src' || (i % 13) FROM n;"
  corrupt_last_page "$W/corrupt_omop.db"
  vitae inspect "$W/corrupt_omop.db"
  check_grep "corrupt OMOP database: the scan of its concepts fails" "counting the concepts of condition_occurrence: database disk image is malformed" "$E2E_ERR"
  check_no_leak "corrupt OMOP database, failing mid-scan" 1 inspect "$W/corrupt_omop.db"
  sqlite3 "$W/corrupt_native.db" "CREATE TABLE patients (id TEXT, gender TEXT);
    CREATE TABLE conditions (patient TEXT, code TEXT, description TEXT);
    INSERT INTO patients VALUES ('a', 'F');
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
    INSERT INTO conditions SELECT 'p' || (i % 50), 'c' || (i % 97), 'd' || (i % 13) FROM n;"
  corrupt_last_page "$W/corrupt_native.db"
  vitae inspect "$W/corrupt_native.db"
  check_grep "corrupt native database: the scan of its codes fails" "counting the codes of conditions: database disk image is malformed" "$E2E_ERR"
  check_no_leak "corrupt native database, failing mid-scan" 1 inspect "$W/corrupt_native.db"
  [ -f "$W/empty_concept.db" ] && check_no_leak "an empty concept table (success)" 0 inspect "$W/empty_concept.db"
fi

# ---- Eunomia: GiBleed (OMOP 5.3, a concept table) ----------------------------

GIB="$VITAE_SHARED/data/eunomia/GiBleed_5.3_partial.sqlite"
if [ ! -f "$GIB" ]; then
  skip "GiBleed (OMOP 5.3)" "not found at $GIB"
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
  check_omop_top "$GIB" "$W/gib.json" Procedure procedure_occurrence procedure_concept_id procedure_source_value concept
  check_omop_top "$GIB" "$W/gib.json" Observation observation observation_concept_id observation_source_value concept
  check_omop_top "$GIB" "$W/gib.json" Visit visit_occurrence visit_concept_id visit_source_value concept
  vitae inspect "$GIB"
  check_grep "GiBleed text: the version line" "OMOP CDM 5.3 (from cdm_source.cdm_version 'v5.3.1')" "$E2E_OUT"

  # The same without a concept table and cdm_source, some concepts unmapped.
  G2="$W/gib_noconcept.db"
  cp "$GIB" "$G2" && chmod u+w "$G2"
  sqlite3 "$G2" "DROP TABLE concept; DROP TABLE cdm_source;
                 UPDATE procedure_occurrence SET procedure_concept_id = 0 WHERE procedure_concept_id IN (4125906, 4151422);"
  vitae inspect "$G2" --json --top 5
  check_status "GiBleed without concept table: exit status 0" 0 "$rc"
  cp "$E2E_OUT" "$W/g2.json"
  check_eq "GiBleed without cdm_source: 5.3 told by its column names" "5.3 0" \
    "$(j "$W/g2.json" '$.cdm_version') $(j "$W/g2.json" '$.concept_table')"
  check_omop_top "$G2" "$W/g2.json" Procedure procedure_occurrence procedure_concept_id procedure_source_value source
  check_omop_top "$G2" "$W/g2.json" Observation observation observation_concept_id observation_source_value source
  P0="\$.domains[2]"
  check_eq "GiBleed unmapped: concept 0's rows and distinct source values" \
    "$(sql "$G2" "SELECT count(*) || ' ' || count(DISTINCT procedure_source_value) FROM procedure_occurrence WHERE procedure_concept_id = 0")" \
    "$(j "$W/g2.json" "$P0.unmapped.rows") $(j "$W/g2.json" "$P0.unmapped.distinct_source_values")"
  check_eq "GiBleed unmapped: its most frequent source value" \
    "$(sql "$G2" "SELECT procedure_source_value || '=' || count(*) FROM procedure_occurrence WHERE procedure_concept_id = 0
                  GROUP BY procedure_source_value ORDER BY count(*) DESC, procedure_source_value LIMIT 1")" \
    "$(j "$W/g2.json" "$P0.unmapped.top[0].source_value")=$(j "$W/g2.json" "$P0.unmapped.top[0].rows")"
  vitae inspect "$G2" --top 1
  check_grep "GiBleed unmapped text: concept 0 is shown with --top 1" "[unmapped: source values below]" "$E2E_OUT"
  check_grep "GiBleed unmapped text: the visits' source values are all distinct" "[no name; 1,037 distinct source values]" "$E2E_OUT"
  check_grep "GiBleed text: no concept table said" "no concept table" "$E2E_OUT"
fi

# ---- Eunomia: Synthea27Nj (OMOP 5.4 as CSV files) -----------------------------

NJ="$VITAE_SHARED/data/eunomia/Synthea27Nj_5.4"
if [ ! -d "$NJ" ]; then
  skip "Synthea27Nj CSV folder (OMOP 5.4)" "not found at $NJ"
elif need_sqlite3 "Synthea27Nj CSV folder (OMOP 5.4)"; then
  start=$(date +%s)
  vitae inspect "$NJ" --json
  check_status "Synthea27Nj folder: exit status 0" 0 "$rc"
  check_between "Synthea27Nj folder: read in a few seconds" 0 10 "$(( $(date +%s) - start ))"
  cp "$E2E_OUT" "$W/nj.json"
  check_eq "Synthea27Nj folder: OMOP CDM 5.4 with a concept table" "omop 5.4 1" \
    "$(j "$W/nj.json" '$.format') $(j "$W/nj.json" '$.cdm_version') $(j "$W/nj.json" '$.concept_table')"
  # sqlite3's own CSV import of every file, as a reference
  NJDB="$W/nj.db"
  for f in "$NJ"/*.csv; do
    t=$(basename "$f" .csv | tr '[:upper:]' '[:lower:]')
    sqlite3 "$NJDB" ".import --csv '$f' $t" 2> "$W/import.err" || notok "sqlite3 imports $(basename "$f")" "$(cat "$W/import.err")"
  done
  if msg=$(same_counts "$NJDB" "$W/nj.json"); then ok "Synthea27Nj folder: every file's records as sqlite3 imports them"
  else notok "Synthea27Nj folder: every file's records as sqlite3 imports them" "$msg"; fi
  check_omop_top "$NJDB" "$W/nj.json" Condition condition_occurrence condition_concept_id condition_source_value concept
  check_omop_top "$NJDB" "$W/nj.json" Drug drug_exposure drug_concept_id drug_source_value concept
  check_omop_top "$NJDB" "$W/nj.json" Measurement measurement measurement_concept_id measurement_source_value concept
  check_omop_top "$NJDB" "$W/nj.json" Visit visit_occurrence visit_concept_id visit_source_value concept
  vitae inspect "$NJDB" --json
  cp "$E2E_OUT" "$W/njdb.json"
  check_eq "Synthea27Nj: the folder and its import give the same domains" \
    "$(j "$W/njdb.json" '$.domains')" "$(j "$W/nj.json" '$.domains')"
fi

# ---- an OMOP cohort written by vitae ------------------------------------------

O="$W/omop.db"
if ! have_default_modules; then
  skip "vitae run --format omop" "no default modules"
elif ! "$VITAE" run -p 100 -s 3 --format omop -o "$O" -q > "$W/omop.out" 2> "$W/omop.err"; then
  skip "vitae run --format omop" "this vitae cannot write it ($(tail -1 "$W/omop.err"))"
elif need_sqlite3 "vitae run --format omop"; then
  vitae inspect "$O" --json
  check_status "vitae's OMOP cohort: exit status 0" 0 "$rc"
  cp "$E2E_OUT" "$W/omop.json"
  check_eq "vitae's OMOP cohort: format omop, CDM 5.4" "omop 5.4" "$(j "$W/omop.json" '$.format') $(j "$W/omop.json" '$.cdm_version')"
  if msg=$(same_counts "$O" "$W/omop.json"); then ok "vitae's OMOP cohort: every table's row count is sqlite3's COUNT(*)"
  else notok "vitae's OMOP cohort: every table's row count is sqlite3's COUNT(*)" "$msg"; fi
  check_zero "vitae's OMOP cohort: condition rows per concept as sqlite3 counts them" "$O" \
    "SELECT count(*) FROM json_each(readfile('$W/omop.json'), '\$.domains') d, json_each(d.value, '\$.top') t
     WHERE json_extract(d.value, '\$.domain') = 'Condition' AND json_extract(t.value, '\$.rows') <>
       (SELECT count(*) FROM condition_occurrence WHERE condition_concept_id = json_extract(t.value, '\$.concept_id'))"
  vitae inspect "$O"
  check_status "vitae's OMOP cohort, text: exit status 0" 0 "$rc"
fi

rm -rf "$W"
finish
