# omop.sh -- `vitae run --format omop` writes an OMOP CDM 5.4 database that
# (1) copies table by table into one built from OHDSI's official SQLite DDL,
# (2) passes data-quality checks in the style of OHDSI's Data Quality
#     Dashboard (each a count of bad rows that must be 0): events within
#     their person's observation period and life, starts not after ends,
#     references that resolve, one death per person, eras consistent with
#     the rows they are built from;
# (3) with --vocab (Eunomia's 2,436-concept subset) has a concept wherever
#     the vocabulary has a standard concept for the code, in the table of
#     its domain, and maps at least MAPPED_FLOOR percent of its coded rows;
#     its concept table holds the CONCEPT.csv row of every concept id the
#     output uses that the vocabulary has, and no other, so that `vitae
#     inspect` names the concepts;
# (4) is the same with 1 and 2 threads;
# (5) still passes (2) with --history-years 5 --observation random, with
#     observation periods shorter than lifetimes.
# A missing feature (no default module, no --format) fails; only what
# needs ../shared (the official DDL, Eunomia's vocabulary) is skipped when
# ../shared is absent (VITAE_SHARED unset or missing), saying so.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

if ! have_default_modules; then
  notok "omop: the default modules" "modules/ holds no module"
  finish
fi
need_sqlite3 "omop" || finish
vitae run --help
if ! grep -q -- '--format' "$E2E_OUT" "$E2E_ERR"; then
  notok "omop: vitae run has a --format option" "not in vitae run --help"
  finish
fi

SHARED=${VITAE_SHARED:-$VITAE_ROOT/../shared}
OFFICIAL_DIR="$SHARED/data/omop-cdm/5.4/sqlite"
VOCAB_DIR="$SHARED/data/vocab"
W=$(workdir omop)
N=300
SEED=11

# Share of coded rows (conditions, drugs, procedures, measurements,
# observations, devices, death causes) that Eunomia's vocabulary subset maps
# to a standard concept.  Measured on the default modules, 300 patients:
# 96.0-96.5% over seeds 1-5 and 11-13 (96.5% at seed 11).  What stays
# unmapped are codes Eunomia's patients never had (the subset keeps only the
# concepts their records used: CVX 08, LOINC 33914-3 without its "Maps to",
# ...), about 18 codes.  The floor leaves three points for seeds and module
# changes, and still fails if a whole vocabulary stops mapping (RxNorm alone
# is 7-8% of the coded rows, LOINC about 80%).
MAPPED_FLOOR=93

# run_omop NAME ARGS...: write $W/NAME.db; ok/notok on the exit status.
run_omop() {
  _name=$1; shift
  vitae run -p $N -s $SEED --format omop -o "$W/$_name.db" -q "$@"
  check_status "run --format omop $* ($_name): exits 0" 0 "$rc"
  [ "$rc" -eq 0 ] && [ -f "$W/$_name.db" ]
}

# Event tables: table:start column:end column (- when none).
EVENTS="condition_occurrence:condition_start_date:condition_end_date
drug_exposure:drug_exposure_start_date:drug_exposure_end_date
procedure_occurrence:procedure_date:procedure_end_date
measurement:measurement_date:-
observation:observation_date:-
device_exposure:device_exposure_start_date:device_exposure_end_date
visit_occurrence:visit_start_date:visit_end_date"

# dqd DB TAG: the data-quality checks on one database.
dqd() {
  _db=$1; _t=$2
  check_eq "$_t: the database is sound" ok "$(sql "$_db" "PRAGMA integrity_check")"
  # a random window (the "window" cohort) that opened after the death leaves
  # the person never observed: no period, no death, no event (sim/window.c;
  # the events are checked against the periods below)
  _most=1; [ "$_t" = window ] && _most=0
  check_zero "$_t: every person has one observation period$([ $_most = 0 ] && echo ', or none')" "$_db" \
    "SELECT count(*) FROM person p WHERE (SELECT count(*) FROM observation_period o WHERE o.person_id = p.person_id)
       NOT BETWEEN $_most AND 1"
  check_zero "$_t: no death of a person without an observation period" "$_db" \
    "SELECT count(*) FROM death WHERE person_id NOT IN (SELECT person_id FROM observation_period)"
  check_zero "$_t: observation periods start no later than they end, not before birth" "$_db" \
    "SELECT count(*) FROM observation_period o JOIN person p USING (person_id)
       WHERE o.observation_period_start_date > o.observation_period_end_date
          OR o.observation_period_start_date < substr(p.birth_datetime, 1, 10)"
  check_zero "$_t: at most one death per person" "$_db" \
    "SELECT count(*) FROM (SELECT person_id FROM death GROUP BY person_id HAVING count(*) > 1)"
  check_zero "$_t: death: the person exists, dies within the period's end, not before birth" "$_db" \
    "SELECT count(*) FROM death d LEFT JOIN person p USING (person_id) LEFT JOIN observation_period o USING (person_id)
       WHERE p.person_id IS NULL OR d.death_date < substr(p.birth_datetime, 1, 10)
          OR d.death_date > o.observation_period_end_date"
  check_zero "$_t: dates are YYYY-MM-DD, datetimes YYYY-MM-DD HH:MM:SS" "$_db" \
    "SELECT (SELECT count(*) FROM visit_occurrence WHERE date(visit_start_date) IS NOT visit_start_date
                OR visit_start_datetime NOT GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]')
          + (SELECT count(*) FROM condition_occurrence WHERE date(condition_start_date) IS NOT condition_start_date)
          + (SELECT count(*) FROM observation_period WHERE date(observation_period_end_date) IS NOT observation_period_end_date)
          + (SELECT count(*) FROM person WHERE datetime(birth_datetime) IS NOT birth_datetime)"
  for spec in $EVENTS; do
    t=${spec%%:*}; rest=${spec#*:}; s=${rest%%:*}; e=${rest#*:}
    check_zero "$_t: $t: every person_id exists" "$_db" \
      "SELECT count(*) FROM $t WHERE person_id NOT IN (SELECT person_id FROM person)"
    check_zero "$_t: $t: $s within the person's observation period" "$_db" \
      "SELECT count(*) FROM $t x WHERE NOT EXISTS (SELECT 1 FROM observation_period o WHERE o.person_id = x.person_id
         AND x.$s BETWEEN o.observation_period_start_date AND o.observation_period_end_date)"
    check_zero "$_t: $t: not before birth" "$_db" \
      "SELECT count(*) FROM $t x JOIN person p USING (person_id) WHERE x.$s < substr(p.birth_datetime, 1, 10)"
    check_zero "$_t: $t: not after death" "$_db" \
      "SELECT count(*) FROM $t x JOIN death d USING (person_id) WHERE x.$s > d.death_date"
    if [ "$e" != - ]; then
      check_zero "$_t: $t: $s not after $e" "$_db" "SELECT count(*) FROM $t WHERE $e IS NOT NULL AND $e < $s"
      check_zero "$_t: $t: $e within the observation period and life" "$_db" \
        "SELECT count(*) FROM $t x JOIN observation_period o USING (person_id) LEFT JOIN death d USING (person_id)
           WHERE x.$e > o.observation_period_end_date OR x.$e > d.death_date"
    fi
    if [ "$t" != visit_occurrence ]; then
      check_zero "$_t: $t: every visit_occurrence_id is a visit of the same person" "$_db" \
        "SELECT count(*) FROM $t x WHERE x.visit_occurrence_id IS NOT NULL AND NOT EXISTS
           (SELECT 1 FROM visit_occurrence v WHERE v.visit_occurrence_id = x.visit_occurrence_id AND v.person_id = x.person_id)"
    fi
  done
  check_zero "$_t: preceding visits are earlier visits of the same person" "$_db" \
    "SELECT count(*) FROM visit_occurrence v WHERE preceding_visit_occurrence_id IS NOT NULL AND NOT EXISTS
       (SELECT 1 FROM visit_occurrence u WHERE u.visit_occurrence_id = v.preceding_visit_occurrence_id
          AND u.person_id = v.person_id AND u.visit_start_datetime <= v.visit_start_datetime)"
  check_zero "$_t: visits have a visit concept" "$_db" "SELECT count(*) FROM visit_occurrence WHERE visit_concept_id = 0"
  # eras against their source rows
  check_zero "$_t: condition_era: every condition with a concept lies within exactly one era of it" "$_db" \
    "SELECT count(*) FROM condition_occurrence c WHERE c.condition_concept_id != 0 AND (SELECT count(*) FROM condition_era e
       WHERE e.person_id = c.person_id AND e.condition_concept_id = c.condition_concept_id
         AND c.condition_start_date >= e.condition_era_start_date
         AND coalesce(c.condition_end_date, c.condition_start_date) <= e.condition_era_end_date) != 1"
  check_zero "$_t: condition_era: occurrence counts sum to the occurrences, per person and concept" "$_db" \
    "WITH e AS (SELECT person_id, condition_concept_id, sum(condition_occurrence_count) FROM condition_era GROUP BY 1, 2),
          c AS (SELECT person_id, condition_concept_id, count(*) FROM condition_occurrence
                WHERE condition_concept_id != 0 GROUP BY 1, 2)
     SELECT count(*) FROM (SELECT * FROM (SELECT * FROM e EXCEPT SELECT * FROM c)
                           UNION ALL SELECT * FROM (SELECT * FROM c EXCEPT SELECT * FROM e))"
  check_zero "$_t: condition_era: eras of a person and concept are more than 30 days apart" "$_db" \
    "SELECT count(*) FROM condition_era a JOIN condition_era b USING (person_id, condition_concept_id)
       WHERE a.condition_era_id != b.condition_era_id AND b.condition_era_start_date >= a.condition_era_start_date
         AND julianday(b.condition_era_start_date) - julianday(a.condition_era_end_date) <= 30"
  check_zero "$_t: condition_era: start not after end" "$_db" \
    "SELECT count(*) FROM condition_era WHERE condition_era_start_date > condition_era_end_date"
  check_zero "$_t: drug_era: every drug exposure with a concept lies within an era of the person" "$_db" \
    "SELECT count(*) FROM drug_exposure x WHERE x.drug_concept_id != 0 AND NOT EXISTS (SELECT 1 FROM drug_era e
       WHERE e.person_id = x.person_id AND x.drug_exposure_start_date >= e.drug_era_start_date
         AND x.drug_exposure_end_date <= e.drug_era_end_date)"
  check_zero "$_t: drug_era: exposure counts sum to the exposures with a concept, per person" "$_db" \
    "WITH e AS (SELECT person_id, sum(drug_exposure_count) FROM drug_era GROUP BY 1),
          x AS (SELECT person_id, count(*) FROM drug_exposure WHERE drug_concept_id != 0 GROUP BY 1)
     SELECT count(*) FROM (SELECT * FROM (SELECT * FROM e EXCEPT SELECT * FROM x)
                           UNION ALL SELECT * FROM (SELECT * FROM x EXCEPT SELECT * FROM e))"
  check_zero "$_t: drug_era: eras of a person and ingredient are more than 30 days apart" "$_db" \
    "SELECT count(*) FROM drug_era a JOIN drug_era b USING (person_id, drug_concept_id)
       WHERE a.drug_era_id != b.drug_era_id AND b.drug_era_start_date >= a.drug_era_start_date
         AND julianday(b.drug_era_start_date) - julianday(a.drug_era_end_date) <= 30"
  check_zero "$_t: drug_era: 0 <= gap_days <= the era's length" "$_db" \
    "SELECT count(*) FROM drug_era WHERE drug_era_start_date > drug_era_end_date OR gap_days < 0
       OR gap_days > julianday(drug_era_end_date) - julianday(drug_era_start_date)"
  check_zero "$_t: eras within the observation period" "$_db" \
    "SELECT (SELECT count(*) FROM condition_era e JOIN observation_period o USING (person_id)
               WHERE e.condition_era_start_date < o.observation_period_start_date
                  OR e.condition_era_end_date > o.observation_period_end_date)
          + (SELECT count(*) FROM drug_era e JOIN observation_period o USING (person_id)
               WHERE e.drug_era_start_date < o.observation_period_start_date
                  OR e.drug_era_end_date > o.observation_period_end_date)"
}

# ---- the default run ------------------------------------------------------
if ! run_omop plain; then
  notok "the OMOP run wrote its database" "$(tail -5 "$E2E_ERR")"
  rm -rf "$W"; finish
fi
DB="$W/plain.db"
check_no_partial "no partial file left" "$DB"
check_eq "$N persons" $N "$(sql "$DB" "SELECT count(*) FROM person")"
check_eq "person ids are 1..$N" "1|$N" "$(sql "$DB" "SELECT min(person_id), max(person_id) FROM person")"
check_eq "one cdm_source row, CDM v5.4, no vocabulary" "1|v5.4|none" \
  "$(sql "$DB" "SELECT count(*), cdm_version, vocabulary_version FROM cdm_source")"
check_eq "metadata holds the seed" $SEED "$(sql "$DB" "SELECT value_as_string FROM metadata WHERE name = 'seed'")"
for t in visit_occurrence condition_occurrence drug_exposure procedure_occurrence measurement observation; do
  check_between "$t has rows" 1 100000000 "$(sql "$DB" "SELECT count(*) FROM $t")"
done
check_zero "no vocabulary: every concept id of the events is 0" "$DB" \
  "SELECT (SELECT count(*) FROM condition_occurrence WHERE condition_concept_id != 0)
        + (SELECT count(*) FROM drug_exposure WHERE drug_concept_id != 0)
        + (SELECT count(*) FROM measurement WHERE measurement_concept_id != 0)"
check_zero "no vocabulary: codes in the source values" "$DB" \
  "SELECT count(*) FROM condition_occurrence WHERE condition_source_value IS NULL OR condition_source_value = ''"
check_zero "gender concepts are 8507 or 8532" "$DB" "SELECT count(*) FROM person WHERE gender_concept_id NOT IN (8507, 8532)"
check_zero "race concepts are OMOP's (or 0 for other)" "$DB" \
  "SELECT count(*) FROM person WHERE race_concept_id NOT IN (0, 8527, 8516, 8515, 8657, 8557)
      OR (race_concept_id = 0) != (race_source_value = 'other')"
check_zero "ethnicity concepts are OMOP's" "$DB" \
  "SELECT count(*) FROM person WHERE ethnicity_concept_id NOT IN (38003563, 38003564)"
dqd "$DB" plain

# (1) the official DDL ---------------------------------------------------------
if [ -f "$OFFICIAL_DIR/OMOPCDM_sqlite_5.4_ddl.sql" ]; then
  OFF="$W/official.db"
  if sed 's/@cdmDatabaseSchema\.//g' "$OFFICIAL_DIR/OMOPCDM_sqlite_5.4_ddl.sql" | sqlite3 -bail "$OFF" 2> "$W/ddl.err" &&
     sed 's/@cdmDatabaseSchema\.//g' "$OFFICIAL_DIR/OMOPCDM_sqlite_5.4_indices.sql" | sqlite3 -bail "$OFF" 2>> "$W/ddl.err"; then
    ok "the official CDM 5.4 DDL and indexes load into an empty SQLite file"
    tables=$(sql "$DB" "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
    bad=""
    copy="ATTACH '$DB' AS v; BEGIN;"
    for t in $tables; do
      a=$(sql "$DB" "SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('$t')")
      b=$(sql "$OFF" "SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('$t')")
      [ "$a" = "$b" ] || bad="$bad $t"
      copy="$copy INSERT INTO main.$t SELECT * FROM v.$t;"
    done
    check_eq "every vitae table is an official table with the same columns, order and types" "" "$bad"
    if sqlite3 -bail "$OFF" "$copy COMMIT;" 2> "$W/copy.err"; then ok "every table copies into the official schema"
    else notok "every table copies into the official schema" "$(cat "$W/copy.err")"; fi
    same=1
    for t in $tables; do
      [ "$(sql "$DB" "SELECT count(*) FROM $t")" = "$(sql "$OFF" "SELECT count(*) FROM $t")" ] || same=0
    done
    check_eq "the copies hold every row" 1 $same
  else
    notok "the official CDM 5.4 DDL loads into an empty SQLite file" "$(cat "$W/ddl.err")"
  fi
else
  skip "official DDL" "$OFFICIAL_DIR not found (../shared absent: VITAE_SHARED unset or missing)"
fi

# (3) with a vocabulary ------------------------------------------------------------
if [ ! -f "$VOCAB_DIR/CONCEPT.csv" ]; then
  skip "vocabulary" "$VOCAB_DIR/CONCEPT.csv not found (../shared absent: VITAE_SHARED unset or missing)"
elif run_omop vocab --vocab "$VOCAB_DIR"; then   # a failed run is a failure (run_omop says so)
  VDB="$W/vocab.db"
  check_eq "cdm_source: a vocabulary was used (Eunomia's subset has no version: unknown)" 0 \
    "$(sql "$VDB" "SELECT vocabulary_version = 'none' FROM cdm_source")"
  dqd "$VDB" vocab
  CDB="$W/concept.db"
  if printf '.mode tabs\n.import %s concept\n' "$VOCAB_DIR/CONCEPT.csv" | sqlite3 -bail "$CDB" 2> "$W/import.err"; then
    ok "CONCEPT.csv loads into a test database ($(sql "$CDB" "SELECT count(*) FROM concept") concepts)"
    # table|domain|concept column|source value column|vocabularies
    SPECS="condition_occurrence|Condition|condition_concept_id|condition_source_value|'SNOMED'
drug_exposure|Drug|drug_concept_id|drug_source_value|'RxNorm','CVX'
procedure_occurrence|Procedure|procedure_concept_id|procedure_source_value|'SNOMED'
measurement|Measurement|measurement_concept_id|measurement_source_value|'LOINC','SNOMED'
observation|Observation|observation_concept_id|observation_source_value|'LOINC','SNOMED'
device_exposure|Device|device_concept_id|device_source_value|'SNOMED'"
    while IFS='|' read -r t dom col src vocs; do
      check_zero "vocab: $t: a concept wherever the vocabulary has a standard $dom concept for the code" "$VDB" \
        "ATTACH '$CDB' AS c; SELECT count(*) FROM $t x WHERE x.$col = 0 AND EXISTS (SELECT 1 FROM c.concept k
           WHERE k.concept_code = x.$src AND k.vocabulary_id IN ($vocs) AND k.standard_concept = 'S'
             AND k.invalid_reason = '' AND k.domain_id = '$dom')"
      check_zero "vocab: $t: its concepts are standard concepts of the $dom domain" "$VDB" \
        "ATTACH '$CDB' AS c; SELECT count(*) FROM $t x JOIN c.concept k ON k.concept_id = x.$col
           WHERE x.$col != 0 AND (k.domain_id != '$dom' OR k.standard_concept != 'S')"
      check_zero "vocab: $t: source concepts are the codes' own concepts" "$VDB" \
        "ATTACH '$CDB' AS c; SELECT count(*) FROM $t x WHERE x.${col%_concept_id}_source_concept_id != 0
           AND NOT EXISTS (SELECT 1 FROM c.concept k WHERE k.concept_id = x.${col%_concept_id}_source_concept_id
             AND k.concept_code = x.$src)"
    done <<EOF
$SPECS
EOF
    check_zero "vocab: units of measurements with a UCUM concept have it" "$VDB" \
      "ATTACH '$CDB' AS c; SELECT count(*) FROM measurement x WHERE x.unit_concept_id = 0 AND EXISTS (SELECT 1 FROM c.concept k
         WHERE k.vocabulary_id = 'UCUM' AND k.concept_code = x.unit_source_value AND k.standard_concept = 'S')"
    # The concept table: the rows of CONCEPT.csv (dates YYYYMMDD there,
    # YYYY-MM-DD here; empty flags NULL here) ...
    check_between "vocab: the concept table has rows" 1 100000 "$(sql "$VDB" "SELECT count(*) FROM concept")"
    check_zero "vocab: every concept row is CONCEPT.csv's row" "$VDB" \
      "ATTACH '$CDB' AS c; SELECT count(*) FROM concept v WHERE NOT EXISTS (SELECT 1 FROM c.concept k
         WHERE k.concept_id = v.concept_id AND k.concept_name = v.concept_name AND k.domain_id = v.domain_id
           AND k.vocabulary_id = v.vocabulary_id AND k.concept_class_id = v.concept_class_id
           AND k.standard_concept = ifnull(v.standard_concept, '') AND k.concept_code = v.concept_code
           AND v.valid_start_date = substr(k.valid_start_date, 1, 4) || '-' || substr(k.valid_start_date, 5, 2) || '-' || substr(k.valid_start_date, 7, 2)
           AND v.valid_end_date = substr(k.valid_end_date, 1, 4) || '-' || substr(k.valid_end_date, 5, 2) || '-' || substr(k.valid_end_date, 7, 2)
           AND k.invalid_reason = ifnull(v.invalid_reason, ''))"
    check_zero "vocab: no empty standard_concept or invalid_reason (NULL instead)" "$VDB" \
      "SELECT count(*) FROM concept WHERE standard_concept = '' OR invalid_reason = ''"
    # ... of exactly the concept ids used that CONCEPT.csv has.
    USED="SELECT gender_concept_id id FROM person UNION SELECT race_concept_id FROM person
      UNION SELECT ethnicity_concept_id FROM person UNION SELECT period_type_concept_id FROM observation_period
      UNION SELECT visit_concept_id FROM visit_occurrence UNION SELECT visit_type_concept_id FROM visit_occurrence
      UNION SELECT condition_concept_id FROM condition_occurrence UNION SELECT condition_source_concept_id FROM condition_occurrence
      UNION SELECT condition_type_concept_id FROM condition_occurrence
      UNION SELECT drug_concept_id FROM drug_exposure UNION SELECT drug_source_concept_id FROM drug_exposure
      UNION SELECT drug_type_concept_id FROM drug_exposure
      UNION SELECT procedure_concept_id FROM procedure_occurrence UNION SELECT procedure_source_concept_id FROM procedure_occurrence
      UNION SELECT procedure_type_concept_id FROM procedure_occurrence
      UNION SELECT measurement_concept_id FROM measurement UNION SELECT measurement_source_concept_id FROM measurement
      UNION SELECT unit_concept_id FROM measurement UNION SELECT measurement_type_concept_id FROM measurement
      UNION SELECT observation_concept_id FROM observation UNION SELECT observation_source_concept_id FROM observation
      UNION SELECT value_as_concept_id FROM observation UNION SELECT unit_concept_id FROM observation
      UNION SELECT observation_type_concept_id FROM observation
      UNION SELECT device_concept_id FROM device_exposure UNION SELECT device_source_concept_id FROM device_exposure
      UNION SELECT device_type_concept_id FROM device_exposure
      UNION SELECT cause_concept_id FROM death UNION SELECT cause_source_concept_id FROM death
      UNION SELECT death_type_concept_id FROM death
      UNION SELECT condition_concept_id FROM condition_era UNION SELECT drug_concept_id FROM drug_era
      UNION SELECT specialty_concept_id FROM provider UNION SELECT cdm_version_concept_id FROM cdm_source"
    check_zero "vocab: every non-zero concept id of the output that CONCEPT.csv has has a concept row" "$VDB" \
      "ATTACH '$CDB' AS c; SELECT count(*) FROM ($USED) u WHERE u.id IS NOT NULL AND u.id != 0
         AND EXISTS (SELECT 1 FROM c.concept k WHERE k.concept_id = u.id)
         AND NOT EXISTS (SELECT 1 FROM concept v WHERE v.concept_id = u.id)"
    check_zero "vocab: every concept id looked up (events, sources, units, values, eras) has a concept row" "$VDB" \
      "SELECT count(*) FROM (SELECT condition_concept_id id FROM condition_occurrence UNION SELECT condition_source_concept_id FROM condition_occurrence
         UNION SELECT drug_concept_id FROM drug_exposure UNION SELECT drug_source_concept_id FROM drug_exposure
         UNION SELECT procedure_concept_id FROM procedure_occurrence UNION SELECT measurement_concept_id FROM measurement
         UNION SELECT unit_concept_id FROM measurement UNION SELECT observation_concept_id FROM observation
         UNION SELECT value_as_concept_id FROM observation UNION SELECT device_concept_id FROM device_exposure
         UNION SELECT cause_concept_id FROM death UNION SELECT condition_concept_id FROM condition_era
         UNION SELECT drug_concept_id FROM drug_era) u
       WHERE u.id IS NOT NULL AND u.id != 0 AND NOT EXISTS (SELECT 1 FROM concept v WHERE v.concept_id = u.id)"
    check_zero "vocab: no concept row for a concept the output does not use" "$VDB" \
      "SELECT count(*) FROM concept WHERE concept_id NOT IN (SELECT id FROM ($USED) WHERE id IS NOT NULL)"
    check_eq "vocab: the gender and visit concepts vitae assigns itself are there" "8507 8532 9201 9202 9203" \
      "$(sql "$VDB" "SELECT group_concat(concept_id, ' ') FROM (SELECT concept_id FROM concept
         WHERE concept_id IN (8507, 8532, 9201, 9202, 9203) ORDER BY 1)")"
  else
    notok "CONCEPT.csv loads into a test database" "$(cat "$W/import.err")"
  fi
  if [ -f "$W/official.db" ]; then
    if sqlite3 -bail "$W/official.db" "ATTACH '$VDB' AS v; INSERT INTO main.concept SELECT * FROM v.concept;" 2> "$W/copy.err"; then
      check_eq "vocab: the concept rows copy into the official schema" \
        "$(sql "$VDB" "SELECT count(*) FROM concept")" "$(sql "$W/official.db" "SELECT count(*) FROM concept")"
    else
      notok "vocab: the concept rows copy into the official schema" "$(cat "$W/copy.err")"
    fi
  fi
  # vitae inspect names the concepts from the concept table (the description
  # of a code in its domain, as the reader reads it: docs/inspect.md).
  vitae inspect "$VDB" --json
  check_status "vocab: vitae inspect: exit status 0" 0 "$rc"
  cp "$E2E_OUT" "$W/vocab.json"
  check_eq "vocab: vitae inspect sees a concept table" 1 "$(sql :memory: "SELECT json_extract(readfile('$W/vocab.json'), '\$.concept_table')")"
  top=$(sql :memory: "SELECT json_extract(t.value, '\$.concept_id') || '|' || ifnull(json_extract(t.value, '\$.description'), '')
    FROM json_each(readfile('$W/vocab.json'), '\$.domains') d, json_each(d.value, '\$.top') t
    WHERE json_extract(d.value, '\$.domain') = 'condition' AND json_extract(t.value, '\$.concept_id') != 0
    ORDER BY json_extract(t.value, '\$.rows') DESC LIMIT 1")
  check_eq "vocab: vitae inspect: the top condition's name is the concept's ($top)" \
    "$(sql "$VDB" "SELECT concept_id || '|' || concept_name FROM concept WHERE concept_id = ${top%%|*}")" "$top"
  vitae inspect "$VDB"
  name=${top#*|}
  if [ -n "$name" ] && grep -qF -- "$name" "$E2E_OUT"; then ok "vocab: vitae inspect's text shows the top condition's name"
  else notok "vocab: vitae inspect's text shows the top condition's name" "'$name' not in the output"; fi
  check_zero "vocab: vitae inspect: no mapped condition shown as a source value" "$VDB" \
    "SELECT count(*) FROM json_each(readfile('$W/vocab.json'), '\$.domains') d, json_each(d.value, '\$.top') t
     WHERE json_extract(d.value, '\$.domain') = 'condition' AND json_extract(t.value, '\$.concept_id') != 0
       AND json_extract(t.value, '\$.description') IS NULL"
  check_zero "vocab: condition eras exist where conditions have concepts" "$VDB" \
    "SELECT (SELECT count(*) FROM condition_occurrence WHERE condition_concept_id != 0) > 0
          AND (SELECT count(*) FROM condition_era) = 0"
  coded=$(sql "$VDB" "SELECT value_as_number FROM metadata WHERE name = 'omop_coded_rows'")
  mapped=$(sql "$VDB" "SELECT value_as_number FROM metadata WHERE name = 'omop_mapped_rows'")
  rows=$(sql "$VDB" "SELECT (SELECT count(*) FROM condition_occurrence WHERE condition_source_value IS NOT NULL)
    + (SELECT count(*) FROM drug_exposure WHERE drug_source_value IS NOT NULL)
    + (SELECT count(*) FROM procedure_occurrence WHERE procedure_source_value IS NOT NULL)
    + (SELECT count(*) FROM measurement WHERE measurement_source_value IS NOT NULL)
    + (SELECT count(*) FROM observation WHERE observation_source_value IS NOT NULL)
    + (SELECT count(*) FROM device_exposure WHERE device_source_value IS NOT NULL)
    + (SELECT count(*) FROM death WHERE cause_source_value IS NOT NULL)")
  check_eq "vocab: the writer's coded-row count is the rows with a source code" "$rows" "${coded%.0}"
  share=$(awk -v m="$mapped" -v c="$coded" 'BEGIN { if (c > 0) printf "%.1f", 100 * m / c }')
  echo "# mapped coded rows with Eunomia's vocabulary: ${mapped%.0} of ${coded%.0} ($share%)"
  check_between "vocab: share of coded rows mapped, percent (floor $MAPPED_FLOOR)" $MAPPED_FLOOR 100 "$share"
fi

# (4) 1 and 2 threads --------------------------------------------------------------
VOPT=""
[ -f "$VOCAB_DIR/CONCEPT.csv" ] && VOPT="--vocab $VOCAB_DIR"
# shellcheck disable=SC2086  # VOPT is two words or none
if run_omop t1 --threads 1 $VOPT && run_omop t2 --threads 2 $VOPT; then
  diff=""
  for t in $(sql "$W/t1.db" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('metadata', 'cdm_source')"); do
    a=$(sql "$W/t1.db" "SELECT * FROM $t ORDER BY 1, 2, 3, 4" | cksum)
    b=$(sql "$W/t2.db" "SELECT * FROM $t ORDER BY 1, 2, 3, 4" | cksum)
    [ "$a" = "$b" ] || diff="$diff $t"
  done
  check_eq "same seed, 1 and 2 threads: identical OMOP tables" "" "$diff"
  keys="'seed', 'population', 'reference_date', 'vitae_version', 'modules', 'omop_coded_rows', 'omop_mapped_rows'"
  check_eq "same seed, 1 and 2 threads: same run metadata" \
    "$(sql "$W/t1.db" "SELECT name, value_as_string, value_as_number FROM metadata WHERE name IN ($keys) ORDER BY name" | cksum)" \
    "$(sql "$W/t2.db" "SELECT name, value_as_string, value_as_number FROM metadata WHERE name IN ($keys) ORDER BY name" | cksum)"
fi

# (5) observation windows -------------------------------------------------------------
# shellcheck disable=SC2086
if run_omop window --history-years 5 --observation random $VOPT; then
  WDB="$W/window.db"
  dqd "$WDB" window
  REF=$(sql "$WDB" "SELECT value_as_string FROM metadata WHERE name = 'reference_date'")
  check_zero "window: no observation period longer than 5 years" "$WDB" \
    "SELECT count(*) FROM observation_period WHERE observation_period_end_date > date(observation_period_start_date, '+5 years')"
  check_zero "window: periods within lives" "$WDB" \
    "SELECT count(*) FROM observation_period o JOIN person p USING (person_id) LEFT JOIN death d USING (person_id)
       WHERE o.observation_period_end_date > coalesce(d.death_date, '$REF')"
  shorter=$(sql "$WDB" "SELECT round(100.0 * sum(julianday(o.observation_period_end_date) - julianday(o.observation_period_start_date))
      / sum(julianday(coalesce(d.death_date, '$REF')) - julianday(substr(p.birth_datetime, 1, 10))), 1)
      FROM observation_period o JOIN person p USING (person_id) LEFT JOIN death d USING (person_id)")
  check_between "window: observed person-time, percent of lifetime person-time" 0 50 "$shorter"
  check_between "window: persons observed for less than their life" $((N / 2)) $N \
    "$(sql "$WDB" "SELECT count(*) FROM observation_period o JOIN person p USING (person_id)
         WHERE o.observation_period_start_date > substr(p.birth_datetime, 1, 10)")"
fi

# ---- a bad vocabulary ------------------------------------------------------
# A malformed CONCEPT.csv, or a folder without one, stops the run before it
# writes anything, naming the file (and line).
mkdir -p "$W/badvocab" "$W/novocab"
printf 'concept_id\tconcept_name\tdomain_id\tvocabulary_id\tconcept_class_id\tstandard_concept\tconcept_code\tvalid_start_date\tvalid_end_date\tinvalid_reason\n1\tx\tCondition\tSNOMED\tClinical Finding\tS\t123\n' \
  > "$W/badvocab/CONCEPT.csv"
vitae run -p 5 --format omop --vocab "$W/badvocab" -o "$W/bad.db" -q
check_status "a malformed CONCEPT.csv: usage error" 2 "$rc"
check_grep "a malformed CONCEPT.csv: the message names file and line" "badvocab/CONCEPT.csv:2:" "$E2E_ERR"
check_no_file "a malformed CONCEPT.csv: no database" "$W/bad.db"
check_no_partial "a malformed CONCEPT.csv: no partial file" "$W/bad.db"
vitae run -p 5 --format omop --vocab "$W/novocab" -o "$W/bad.db" -q
check_status "a vocabulary folder without CONCEPT.csv: usage error" 2 "$rc"
check_grep "a vocabulary folder without CONCEPT.csv: the message names the file" "novocab/CONCEPT.csv" "$E2E_ERR"
check_no_file "a vocabulary folder without CONCEPT.csv: no database" "$W/bad.db"

rm -rf "$W"
finish
