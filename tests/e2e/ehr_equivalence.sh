# ehr_equivalence.sh -- the property of issue 9: a vitae cohort written as
# native and as OMOP with the same seed gives the same patient-level view
# through the vitae: and omop: readers (tests/tools/ehr_dump), except for
# what the OMOP conversion documents (schemas/omop.md), which is normalised
# away below and nothing else (docs/ehr.md, "vitae:", "The native and OMOP
# views of one cohort"):
#   - care plans: not written to OMOP; the native view's care plan events
#     (one per careplans row) are left out;
#   - visits: OMOP keeps the encounter class (visit concept), not the
#     encounter's code; visits are compared by person and dates only;
#   - drugs: OMOP requires an end: an immunization is a one-day exposure,
#     a prescription still active lasts to the end of the observation
#     period; the omop: reader names a CVX drug an immunization;
#   - measurement and observation have no end date in OMOP;
#   - without a vocabulary the OMOP database has codes but no code systems
#     (*_source_value): the system is left out of the comparison;
#   - with a vocabulary (Eunomia's subset, $VITAE_SHARED/data/vocab) a code
#     becomes its standard concept, in the table of the concept's domain
#     (losing its value when that table has none), or, without one, stays in
#     vitae's table with its source concept's vocabulary: the native code is
#     replaced by what the OMOP rows of that source value carry, which must
#     be one concept per source code; race and ethnicity are named by their
#     concepts there, so they are left out.
# Everything else must be equal: persons (sex, birth, death, race,
# ethnicity), observation periods, and every event's person, start, end,
# domain, code, value and unit.  A difference is a bug in a writer or a
# reader.  The no-vocabulary variant always runs; the vocabulary variant
# needs $VITAE_SHARED.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

need_sqlite3 "ehr_equivalence" || finish
if [ ! -x "$EHR_DUMP" ]; then
  notok "ehr_dump tool built" "no $EHR_DUMP (run make test)"
  finish
fi
W=$(workdir ehr_equivalence)
N=${EQUIV_N:-2000}
SEED=11
VOCAB_DIR="${VITAE_SHARED:-$VITAE_ROOT/../shared}/data/vocab"

# a fixed reference date: runs on both sides of midnight give one cohort
REF=2025-06-30
vitae run -p "$N" -s "$SEED" --reference-date $REF -o "$W/native.db" -q
check_status "vitae run -p $N -s $SEED (native)" 0 "$rc"
vitae run -p "$N" -s "$SEED" --reference-date $REF --format omop -o "$W/omop.db" -q
check_status "vitae run -p $N -s $SEED --format omop" 0 "$rc"

# read SRC NAME: the view of SRC into $W/NAME.view; ok/notok.
read_view() {
  "$EHR_DUMP" "$1" > "$W/$2.view" 2> "$W/$2.err"
  _rc=$?
  check_status "$2: read through the reader" 0 "$_rc"
}
read_view "vitae:$W/native.db" native
read_view "omop:$W/omop.db" omop

# The care plan rows of the native database (person, start, end, code).
sql "$W/native.db" "SELECT patient, substr(start, 1, 10), coalesce(substr(stop, 1, 10), ''), code FROM careplans" |
  tr '|' '\t' > "$W/careplans"
check_eq "care plan rows listed" "$(sql "$W/native.db" "SELECT count(*) FROM careplans")" \
  "$(wc -l < "$W/careplans" | tr -d ' ')"
# normalise_native VIEW MODE MAP: the native view as the OMOP conversion
# makes it (the header above); MODE nosystem (no vocabulary) or vocab (MAP:
# source code -> vocabulary, code, domain of its concept).  Prints the
# number of care plan events left out on stderr.
normalise_native() {
  awk -F '\t' -v OFS='\t' -v mode="$2" '
    FILENAME == ARGV[1] { plan[$1 "\t" $2 "\t" $3 "\t" $4]++; next }
    FILENAME == ARGV[2] { voc[$1] = $2; code[$1] = $3; dom[$1] = $4; next }
    $1 == "period" { pend[$2] = $4 }
    $1 == "person" && mode == "vocab" { $6 = ""; $7 = "" }
    $1 == "event" {
      k = $2 "\t" $3 "\t" $4 "\t" $7
      if ($5 == "observation" && $6 == "SNOMED" && plan[k] > 0) { plan[k]--; removed++; next }
      if ($5 == "visit") { $6 = ""; $7 = ""; print; next }
      if ($5 == "drug" && $4 == "") $4 = pend[$2]       # an active prescription lasts to the period end
      if ($5 == "immunization") $4 = $3                 # a one-day exposure
      c = $7
      $6 = ""
      if (mode == "vocab" && (c in voc) && voc[c] != "") {
        # the standard concept in its domain, or the source concept in
        # the table of vitae; a value only where the table has one
        $6 = voc[c]; $7 = code[c]
        if (dom[c] != "") {
          $5 = dom[c]
          if ($5 != "measurement" && $5 != "observation") { $8 = ""; $9 = "" }
        }
      }
      # the omop: reader names a CVX drug an immunization
      if ($5 == "drug" || $5 == "immunization") $5 = $6 == "CVX" ? "immunization" : "drug"
      if ($5 == "measurement" || $5 == "observation") $4 = ""   # no end column in OMOP
    }
    { print }
    END { print removed + 0 > "/dev/stderr" }' "$W/careplans" "$3" "$1"
}
normalise_omop() {   # normalise_omop VIEW MODE
  awk -F '\t' -v OFS='\t' -v mode="$2" '
    $1 == "event" && $5 == "visit" { $6 = ""; $7 = "" }
    $1 == "person" && mode == "vocab" { $6 = ""; $7 = "" }
    { print }' "$1"
}

# compare LABEL A B: the sorted views are the same; else the first
# differences and a count of them by kind of line and domain.
compare() {
  sort "$2" > "$2.sorted"
  sort "$3" > "$3.sorted"
  if cmp -s "$2.sorted" "$3.sorted"; then
    ok "$1: the same patient-level view ($(wc -l < "$2.sorted" | tr -d ' ') lines)"
  else
    diff "$2.sorted" "$3.sorted" > "$2.diff"
    notok "$1: the same patient-level view" \
      "$(grep -c '^[<>]' "$2.diff") lines differ (< native, > omop); by kind:" \
      "$(grep '^[<>]' "$2.diff" | awk -F '\t' '{ print substr($1, 1, 1), substr($1, 3), $5 }' | sort | uniq -c | sort -rn | head -10)" \
      "$(grep '^[<>]' "$2.diff" | head -12)"
  fi
}

: > "$W/nomap"
plans=$(normalise_native "$W/native.view" nosystem "$W/nomap" 2>&1 > "$W/native.norm")
check_eq "every care plan row found in the native view" "$(wc -l < "$W/careplans" | tr -d ' ')" "$plans"
normalise_omop "$W/omop.view" nosystem > "$W/omop.norm"
check_eq "persons: same count" "$(grep -c '^person' "$W/native.view")" "$(grep -c '^person' "$W/omop.view")"
grep '^person' "$W/native.norm" > "$W/native.persons"
grep '^person' "$W/omop.norm" > "$W/omop.persons"
compare "persons (sex, birth, death, race, ethnicity)" "$W/native.persons" "$W/omop.persons"
grep '^period' "$W/native.norm" > "$W/native.periods"
grep '^period' "$W/omop.norm" > "$W/omop.periods"
compare "observation periods" "$W/native.periods" "$W/omop.periods"
compare "no vocabulary: every event (systems left out)" "$W/native.norm" "$W/omop.norm"

# ---- with the vocabulary ------------------------------------------------------------
if [ ! -f "$VOCAB_DIR/CONCEPT.csv" ]; then
  skip "vocabulary variant" "no vocabulary at $VOCAB_DIR (VITAE_SHARED absent)"
  finish
fi
vitae run -p "$N" -s "$SEED" --reference-date $REF --format omop --vocab "$VOCAB_DIR" -o "$W/omopv.db" -q
check_status "vitae run --format omop --vocab" 0 "$rc"
read_view "omop:$W/omopv.db" omopv
# source code -> standard concept (vocabulary, code, domain) as the OMOP rows
# carry it; "" for rows written without a concept.
map_sql() {   # map_sql TABLE CONCEPT_COLUMN SOURCE_VALUE_COLUMN SOURCE_CONCEPT_COLUMN
  echo "SELECT DISTINCT x.$3, coalesce(c.vocabulary_id, s.vocabulary_id, ''), coalesce(c.concept_code, x.$3),
          coalesce(lower(c.domain_id), '')
        FROM $1 AS x LEFT JOIN concept AS c ON c.concept_id = x.$2 AND x.$2 <> 0
        LEFT JOIN concept AS s ON s.concept_id = x.$4 AND x.$4 <> 0 WHERE x.$3 IS NOT NULL;"
}
{
  sql "$W/omopv.db" "$(map_sql condition_occurrence condition_concept_id condition_source_value condition_source_concept_id)"
  sql "$W/omopv.db" "$(map_sql drug_exposure drug_concept_id drug_source_value drug_source_concept_id)"
  sql "$W/omopv.db" "$(map_sql procedure_occurrence procedure_concept_id procedure_source_value procedure_source_concept_id)"
  sql "$W/omopv.db" "$(map_sql measurement measurement_concept_id measurement_source_value measurement_source_concept_id)"
  sql "$W/omopv.db" "$(map_sql observation observation_concept_id observation_source_value observation_source_concept_id)"
  sql "$W/omopv.db" "$(map_sql device_exposure device_concept_id device_source_value device_source_concept_id)"
} | tr '|' '\t' | sort -u > "$W/map"
multi=$(cut -f 1 "$W/map" | uniq -d | head -5)
if [ -z "$multi" ]; then
  ok "vocabulary: each source code has one concept (or none) in the OMOP output"
else
  notok "vocabulary: each source code has one concept (or none) in the OMOP output" \
    "codes with several:" "$(for c in $multi; do grep "^$c	" "$W/map"; done)"
fi
check_between "vocabulary: codes mapped to a concept" 1 1000000 "$(awk -F '\t' '$2 != ""' "$W/map" | wc -l | tr -d ' ')"
normalise_native "$W/native.view" vocab "$W/map" 2>/dev/null > "$W/nativev.norm"
normalise_omop "$W/omopv.view" vocab > "$W/omopv.norm"
compare "vocabulary: every event (codes as their standard concepts)" "$W/nativev.norm" "$W/omopv.norm"

finish
