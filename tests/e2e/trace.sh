# trace.sh -- `vitae trace --patient N` agrees with patient N of a database
# written by `vitae run --trace` with the same seed and options: its state
# entries are that patient's state_trace rows and its records that patient's
# rows of the clinical tables, compared through --json read with sqlite3's
# JSON functions.  Also: the text timeline, --module, --no-states,
# determinism, and bad input (exit status 2 for usage, 1 for a broken module).
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir trace)
need_sqlite3 "trace" || finish
REF=2025-01-01

# q DB SQL: a query on DB that may read JSON files with readfile().
q() { sqlite3 -batch -bail "$1" "$2" 2>&1; }

# same DESCRIPTION JSON DB "TRACE_SELECT" "DB_SELECT": the rows of the two
# selects (each over json_each(...) as `e` and the database) are the same,
# in the same order.  In TRACE_SELECT, J(k) is json_extract(e.value,'$.k').
same() {
  _t=$(q "$3" "$(printf '%s' "$4" | sed "s/J(\([a-z_]*\))/json_extract(e.value,'\$.\1')/g")")
  _d=$(q "$3" "$5")
  _rows=$(printf "%s\n" "$_d" | grep -c .)
  if [ "$_t" = "$_d" ]; then ok "$1 ($_rows rows)"
  else notok "$1" "trace and database differ:" "$(printf '%s\n' "$_t" > "$W/t.txt"; printf '%s\n' "$_d" > "$W/d.txt"; diff "$W/t.txt" "$W/d.txt" | head -10)"; fi
}

# compare LABEL DB N JSON: patient N's rows of DB against the trace JSON.
compare() {
  _l=$1 _db=$2 _n=$3 _j=$4
  _ev="json_each(readfile('$_j'), '\$.events') e"
  # per-patient numbers of encounters and care plans, as the trace gives them
  _enc="(SELECT coalesce(min(id), 1) - 1 FROM encounters WHERE patient = $_n)"
  _cp="(SELECT coalesce(min(id), 1) - 1 FROM careplans WHERE patient = $_n)"
  _img="(SELECT coalesce(min(id), 1) - 1 FROM imaging_studies WHERE patient = $_n)"
  check_eq "$_l: patient id" "$_n" "$(q "$_db" "SELECT json_extract(readfile('$_j'), '\$.patient.id')")"
  same "$_l: the patient" "$_j" "$_db" \
    "SELECT json_extract(readfile('$_j'), '\$.patient.birthdate'), json_extract(readfile('$_j'), '\$.patient.deathdate'), json_extract(readfile('$_j'), '\$.patient.sex'), json_extract(readfile('$_j'), '\$.patient.race'), json_extract(readfile('$_j'), '\$.patient.ethnicity'), json_extract(readfile('$_j'), '\$.patient.first'), json_extract(readfile('$_j'), '\$.patient.last')" \
    "SELECT birthdate, deathdate, gender, race, ethnicity, first, last FROM patients WHERE id = $_n"
  same "$_l: states entered = state_trace" "$_j" "$_db" \
    "SELECT J(module), J(state), J(time), J(exited) FROM $_ev WHERE J(kind) = 'state' ORDER BY 1, 2, 3, 4" \
    "SELECT module, state, entered, exited FROM state_trace WHERE patient = $_n ORDER BY 1, 2, 3, 4"
  same "$_l: encounters" "$_j" "$_db" \
    "SELECT J(id), J(time), J(stop), J(class), J(code), J(display), J(reason_code), J(reason_display), J(module), J(state) FROM $_ev WHERE J(kind) = 'encounter' ORDER BY 1" \
    "SELECT id - $_enc, start, stop, encounterclass, code, description, reasoncode, reasondescription, module, state FROM encounters WHERE patient = $_n ORDER BY 1"
  same "$_l: conditions" "$_j" "$_db" \
    "SELECT J(time), J(stop), J(encounter), J(system), J(code), J(display), J(module), J(state) FROM $_ev WHERE J(kind) = 'condition' ORDER BY 1, 2, 3, 4, 5, 6, 7, 8" \
    "SELECT start, stop, encounter - $_enc, system, code, description, module, state FROM conditions WHERE patient = $_n ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"
  same "$_l: medications" "$_j" "$_db" \
    "SELECT J(time), J(stop), J(encounter), J(code), J(display), J(dispenses), J(reason_code), J(reason_display), J(module), J(state) FROM $_ev WHERE J(kind) = 'medication' ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10" \
    "SELECT start, stop, encounter - $_enc, code, description, dispenses, reasoncode, reasondescription, module, state FROM medications WHERE patient = $_n ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
  same "$_l: observations (values exact)" "$_j" "$_db" \
    "SELECT J(time), J(encounter), J(category), J(code), J(display), CASE J(value_type) WHEN 'numeric' THEN CAST(J(value) AS REAL) ELSE J(value) END, J(unit), J(value_type), J(module), J(state) FROM $_ev WHERE J(kind) = 'observation' ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10" \
    "SELECT date, encounter - $_enc, category, code, description, value, units, type, module, state FROM observations WHERE patient = $_n ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
  same "$_l: procedures" "$_j" "$_db" \
    "SELECT J(time), J(stop), J(encounter), J(system), J(code), J(display), J(reason_code), J(reason_display), J(module), J(state) FROM $_ev WHERE J(kind) = 'procedure' ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10" \
    "SELECT start, stop, encounter - $_enc, system, code, description, reasoncode, reasondescription, module, state FROM procedures WHERE patient = $_n ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
  same "$_l: immunizations" "$_j" "$_db" \
    "SELECT J(time), J(encounter), J(code), J(display), J(module), J(state) FROM $_ev WHERE J(kind) = 'immunization' ORDER BY 1, 2, 3, 4, 5, 6" \
    "SELECT date, encounter - $_enc, code, description, module, state FROM immunizations WHERE patient = $_n ORDER BY 1, 2, 3, 4, 5, 6"
  same "$_l: care plans" "$_j" "$_db" \
    "SELECT J(id), J(time), J(stop), J(encounter), J(code), J(display), J(reason_code), J(reason_display), J(module), J(state) FROM $_ev WHERE J(kind) = 'careplan' ORDER BY 1" \
    "SELECT id - $_cp, start, stop, encounter - $_enc, code, description, reasoncode, reasondescription, module, state FROM careplans WHERE patient = $_n ORDER BY 1"
  same "$_l: allergies" "$_j" "$_db" \
    "SELECT J(time), J(stop), J(encounter), J(code), J(system), J(display), J(type), J(category), J(module), J(state) FROM $_ev WHERE J(kind) = 'allergy' ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10" \
    "SELECT start, stop, encounter - $_enc, code, system, description, type, category, module, state FROM allergies WHERE patient = $_n ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
  same "$_l: devices" "$_j" "$_db" \
    "SELECT J(time), J(stop), J(encounter), J(code), J(display), J(udi), J(module), J(state) FROM $_ev WHERE J(kind) = 'device' ORDER BY 1, 2, 3, 4, 5, 6, 7, 8" \
    "SELECT start, stop, encounter - $_enc, code, description, udi, module, state FROM devices WHERE patient = $_n ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"
  same "$_l: imaging studies" "$_j" "$_db" \
    "SELECT J(id), J(time), J(encounter), J(bodysite_code), J(modality_code), J(sop_code), J(procedure_code), J(module), J(state) FROM $_ev WHERE J(kind) = 'imaging' ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9" \
    "SELECT id - $_img, date, encounter - $_enc, bodysite_code, modality_code, sop_code, procedure_code, module, state FROM imaging_studies WHERE patient = $_n ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9"
  same "$_l: supplies" "$_j" "$_db" \
    "SELECT J(time), J(encounter), J(code), J(display), J(quantity), J(module), J(state) FROM $_ev WHERE J(kind) = 'supply' ORDER BY 1, 2, 3, 4, 5, 6, 7" \
    "SELECT date, encounter - $_enc, code, description, quantity, module, state FROM supplies WHERE patient = $_n ORDER BY 1, 2, 3, 4, 5, 6, 7"
  # every event is one of the kinds compared above (or the death)
  check_eq "$_l: no event of another kind" "0" \
    "$(q "$_db" "SELECT count(*) FROM $_ev WHERE json_extract(e.value, '\$.kind') NOT IN ('state','encounter','condition','medication','observation','procedure','immunization','careplan','allergy','device','imaging','supply','death')")"
  _dead=$(q "$_db" "SELECT deathdate IS NOT NULL FROM patients WHERE id = $_n")
  check_eq "$_l: a death event exactly when the patient died" "$_dead" \
    "$(q "$_db" "SELECT count(*) FROM json_each(readfile('$_j'), '\$.events') e WHERE json_extract(e.value, '\$.kind') = 'death'")"
}

# trace_json LABEL N OPTIONS...: vitae trace OPTIONS --patient N --json into
# $W/LABEL.json; checks it exits 0.
trace_json() {
  _l=$1 _n=$2; shift 2
  vitae trace "$@" --patient "$_n" --json
  check_status "$_l: vitae trace --patient $_n --json exits 0" 0 "$rc"
  cp "$E2E_OUT" "$W/$_l.json"
}

# ---- default modules ---------------------------------------------------------
if ! have_default_modules; then
  notok "the default modules are there" "no modules/*.lua under $VITAE_ROOT"
  finish
fi
DB="$W/default.db"
vitae run -p 40 -s 7 --reference-date $REF --trace -o "$DB" -q
check_status "vitae run --trace (default modules) exits 0" 0 "$rc"
dead=$(sql "$DB" "SELECT min(id) FROM patients WHERE deathdate IS NOT NULL")
many=$(sql "$DB" "SELECT patient FROM observations WHERE patient <> ${dead:-0} GROUP BY patient ORDER BY count(*) DESC, patient LIMIT 1")
if [ -z "$dead" ]; then notok "the cohort has a patient who died" "no deathdate in $DB"; dead=2; fi
for n in 1 "$dead" "$many" 40; do
  trace_json "default-$n" "$n" -p 40 -s 7 --reference-date $REF
  compare "default modules, patient $n" "$DB" "$n" "$W/default-$n.json"
done
check_between "the patient with many records has many events" 500 1000000 \
  "$(q "$DB" "SELECT json_array_length(readfile('$W/default-$many.json'), '\$.events')")"

# determinism, text and JSON
vitae trace -s 7 -p 40 --reference-date $REF --patient "$dead"
cp "$E2E_OUT" "$W/text1.txt"
vitae trace -s 7 -p 40 --reference-date $REF --patient "$dead"
if cmp -s "$W/text1.txt" "$E2E_OUT"; then ok "the same text timeline twice"; else notok "the same text timeline twice" "$(diff "$W/text1.txt" "$E2E_OUT" | head -5)"; fi
trace_json "again-$dead" "$dead" -p 40 -s 7 --reference-date $REF
if cmp -s "$W/default-$dead.json" "$W/again-$dead.json"; then ok "the same JSON twice"; else notok "the same JSON twice"; fi

# the text timeline: header, death, states and records
check_grep "text: the header names the patient" "Patient $dead (seed 7)" "$W/text1.txt"
check_grep "text: the death is in the header" "  died " "$W/text1.txt"
check_grep "text: the death is on the timeline" "  DEATH" "$W/text1.txt"
check_grep "text: states entered are shown" "  + Wellness: " "$W/text1.txt"
check_grep "text: encounters are shown" "      encounter     wellness: " "$W/text1.txt"
check_grep "text: vital signs are on one line" "      vital signs   Body Height " "$W/text1.txt"
vitae trace -s 7 -p 40 --reference-date $REF --patient 1
check_grep "text: a living patient is alive on the reference date" "alive on $REF" "$E2E_OUT"

# --module and --no-states
vitae trace -s 7 -p 40 --reference-date $REF --patient "$many" --module Wellness --json
check_status "--module Wellness exits 0" 0 "$rc"
cp "$E2E_OUT" "$W/wellness.json"
check_eq "--module Wellness: every event but the death is the module's" "0" \
  "$(q "$DB" "SELECT count(*) FROM json_each(readfile('$W/wellness.json'), '\$.events') e WHERE json_extract(e.value, '\$.kind') <> 'death' AND json_extract(e.value, '\$.module') <> 'Wellness'")"
check_eq "--module Wellness: the module's state entries, all of them" \
  "$(sql "$DB" "SELECT count(*) FROM state_trace WHERE patient = $many AND module = 'Wellness'")" \
  "$(q "$DB" "SELECT count(*) FROM json_each(readfile('$W/wellness.json'), '\$.events') e WHERE json_extract(e.value, '\$.kind') = 'state'")"
check_eq "--module Wellness: the module's observations, all of them" \
  "$(sql "$DB" "SELECT count(*) FROM observations WHERE patient = $many AND module = 'Wellness'")" \
  "$(q "$DB" "SELECT count(*) FROM json_each(readfile('$W/wellness.json'), '\$.events') e WHERE json_extract(e.value, '\$.kind') = 'observation'")"
vitae trace -s 7 -p 40 --reference-date $REF --patient "$many" --module Welness
check_status "--module with an unknown name exits 2" 2 "$rc"
check_grep "--module with an unknown name suggests the right one" "did you mean 'Wellness'" "$E2E_ERR"
vitae trace -s 7 -p 40 --reference-date $REF --patient "$many" --no-states --json
cp "$E2E_OUT" "$W/nostates.json"
check_eq "--no-states: no state events" "0" \
  "$(q "$DB" "SELECT count(*) FROM json_each(readfile('$W/nostates.json'), '\$.events') e WHERE json_extract(e.value, '\$.kind') = 'state'")"
check_eq "--no-states: every record still there" \
  "$(q "$DB" "SELECT count(*) FROM json_each(readfile('$W/default-$many.json'), '\$.events') e WHERE json_extract(e.value, '\$.kind') <> 'state'")" \
  "$(q "$DB" "SELECT count(*) FROM json_each(readfile('$W/nostates.json'), '\$.events') e")"

# output options of run are ignored with a note
vitae trace -s 7 -p 40 --reference-date $REF --patient 1 -o "$W/nothing.db" --threads 2 --json
check_status "run's output options: exits 0" 0 "$rc"
check_grep "run's output options: a note says -o is ignored" "--output is about the output of a run" "$E2E_ERR"
check_no_file "run's output options: no database written" "$W/nothing.db"
if cmp -s "$E2E_OUT" "$W/default-1.json"; then ok "run's output options: the same trace"; else notok "run's output options: the same trace"; fi

# ---- age/gender filters and --params ----------------------------------------
printf 'params:\n  appendicitis.lifetime.male: 0.9\n  appendicitis.lifetime.female: 0.9\n' > "$W/p.yaml"
DB2="$W/params.db"
vitae run -p 12 -s 3 --reference-date $REF --age 30-60 --gender F --params "$W/p.yaml" --trace -o "$DB2" -q
check_status "vitae run --params --age --gender exits 0" 0 "$rc"
app=$(sql "$DB2" "SELECT min(patient) FROM conditions WHERE module = 'Appendicitis'")
[ -n "$app" ] || { notok "--params raises appendicitis" "no Appendicitis condition in $DB2"; app=1; }
for n in 1 "$app"; do
  trace_json "params-$n" "$n" -p 12 -s 3 --reference-date $REF --age 30-60 --gender F --params "$W/p.yaml"
  compare "--params --age 30-60 --gender F, patient $n" "$DB2" "$n" "$W/params-$n.json"
done
trace_json "noparams-$app" "$app" -p 12 -s 3 --reference-date $REF --age 30-60 --gender F
if cmp -s "$W/params-$app.json" "$W/noparams-$app.json"; then notok "--params changes the trace" "same trace without the params file"
else ok "--params changes the trace"; fi

# ---- one module folder ------------------------------------------------------
mkdir -p "$W/one"
cp "$VITAE_ROOT/modules/pharyngitis.lua" "$W/one/"
DB3="$W/one.db"
vitae run -p 15 -s 5 --reference-date $REF -m "$W/one" --trace -o "$DB3" -q
check_status "vitae run -m one module folder exits 0" 0 "$rc"
ph=$(sql "$DB3" "SELECT patient FROM conditions GROUP BY patient ORDER BY count(*) DESC, patient LIMIT 1")
[ -n "$ph" ] || { notok "the one-module cohort has conditions" "none in $DB3"; ph=1; }
for n in "$ph" 15; do
  trace_json "one-$n" "$n" -p 15 -s 5 --reference-date $REF -m "$W/one"
  compare "-m one module folder, patient $n" "$DB3" "$n" "$W/one-$n.json"
done

# ---- Synthea's corpus: allergies, devices, imaging studies, supplies -------
SYN=${VITAE_SHARED:-}/synthea/modules
if [ -z "${VITAE_SHARED:-}" ] || [ ! -d "$SYN" ]; then
  skip "Synthea's corpus (allergies, devices, imaging, supplies)" "VITAE_SHARED unset or $SYN missing"
else
  DB4="$W/synthea.db"
  vitae run -p 60 -s 3 --reference-date $REF -m "$SYN" --trace -o "$DB4" -q
  check_status "vitae run -m Synthea's corpus exits 0" 0 "$rc"
  for t in allergies devices imaging_studies supplies; do
    n=$(sql "$DB4" "SELECT patient FROM $t GROUP BY patient ORDER BY count(*) DESC, patient LIMIT 1")
    if [ -z "$n" ]; then notok "Synthea's corpus: a patient with $t" "no rows in $t"; continue; fi
    trace_json "synthea-$n" "$n" -p 60 -s 3 --reference-date $REF -m "$SYN"
    compare "Synthea's corpus, patient $n (most $t)" "$DB4" "$n" "$W/synthea-$n.json"
  done
fi

# ---- bad input ---------------------------------------------------------------
# bad DESCRIPTION STATUS PATTERN ARGS...: exits STATUS with PATTERN on stderr.
bad() {
  _d=$1 _s=$2 _p=$3; shift 3
  vitae trace "$@"
  check_status "$_d: exits $_s" "$_s" "$rc"
  check_grep "$_d: says so" "$_p" "$E2E_ERR"
  if [ -s "$E2E_OUT" ]; then notok "$_d: prints no timeline" "$(head -3 "$E2E_OUT")"; else ok "$_d: prints no timeline"; fi
}
bad "no --patient" 2 "--patient N is required" -s 7
bad "--patient without a value" 2 "--patient: missing value" -s 7 --patient
bad "a negative --patient" 2 "expected a patient id from 1" --patient -3
bad "a non-numeric --patient" 2 "got 'abc'" --patient abc
bad "--patient 0" 2 "expected a patient id from 1" --patient 0
bad "--patient past the population" 2 "writes patients 1 to 40" -p 40 --patient 41
bad "--patient given twice" 2 "given more than once" --patient 1 --patient 2
bad "an unknown option" 2 "unknown option '--sed'" --patient 1 --sed 3
bad "a bad seed" 2 "-s: expected an integer" --patient 1 -s x
bad "a missing module path" 1 "$W/nowhere" --patient 1 -m "$W/nowhere"
bad "a missing params file" 2 "$W/nowhere.yaml" --patient 1 --params "$W/nowhere.yaml"
bad "a syntax error in a module" 1 "syntax_error.lua:6" --patient 1 -m "$E2E_FIXTURES/bad/syntax_error.lua"
bad "a missing transition target" 1 "Nowhere" --patient 1 -m "$E2E_FIXTURES/bad/missing_target.lua"
bad "a run-time error in a module" 1 "runtime_error.lua:9" --patient 1 -m "$E2E_FIXTURES/bad/runtime_error.lua"
vitae trace --help
check_status "--help exits 0" 0 "$rc"
check_grep "--help describes --patient" "--patient N" "$E2E_OUT"

finish
