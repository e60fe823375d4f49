#!/bin/sh
# convert.sh -- `vitae convert` turns Synthea GMF JSON modules into Lua
# modules that give the same rows: one file to standard output, a folder
# recursively (submodule folders and lookup tables kept), remarks as
# comments, no overwriting without --force, malformed JSON named by
# file:line:column with nothing written.  With ../shared (VITAE_SHARED), the
# whole Synthea corpus is converted and run both ways with one seed, and
# every table but run_info must hold the same rows; so must each of Synthea's
# test modules that loads.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir convert)

# same_rows A.db B.db: every table but run_info has the same rows in both
# (sorted on all columns).  Prints what differs; returns 1 then.
same_rows() {
  _ta=$(sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'run_info' ORDER BY name") || return 1
  _tb=$(sqlite3 "$2" "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'run_info' ORDER BY name") || return 1
  if [ "$_ta" != "$_tb" ]; then echo "the tables differ: $_ta / $_tb"; return 1; fi
  for _t in $_ta; do
    _n=$(sqlite3 "$1" "SELECT count(*) FROM pragma_table_info('$_t')")
    _ob=$(awk -v n="$_n" 'BEGIN { for (i = 1; i <= n; i++) printf "%s%d", (i > 1 ? "," : ""), i }')
    sqlite3 "$1" "SELECT * FROM \"$_t\" ORDER BY $_ob" > "$W/rows.a" || return 1
    sqlite3 "$2" "SELECT * FROM \"$_t\" ORDER BY $_ob" > "$W/rows.b" || return 1
    if ! cmp -s "$W/rows.a" "$W/rows.b"; then
      echo "table $_t differs ($(wc -l < "$W/rows.a") vs $(wc -l < "$W/rows.b") rows):"
      diff "$W/rows.a" "$W/rows.b" | head -6
      return 1
    fi
  done
  return 0
}

# total_rows DB: the number of rows in every table but run_info.
total_rows() {
  _sum=0
  for _t in $(sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'run_info'"); do
    _sum=$((_sum + $(sqlite3 "$1" "SELECT count(*) FROM \"$_t\"")))
  done
  echo "$_sum"
}

# check_same_run DESCRIPTION JSON_PATH LUA_PATH N SEED: run both module
# sets with the same seed; ok if both run and give the same rows.
check_same_run() {
  rm -f "$W/json.db" "$W/lua.db"
  "$VITAE" run -q -p "$4" -s "$5" -m "$2" -o "$W/json.db" > "$W/json.log" 2>&1
  _rj=$?
  "$VITAE" run -q -p "$4" -s "$5" -m "$3" -o "$W/lua.db" > "$W/lua.log" 2>&1
  _rl=$?
  if [ "$_rj" -ne 0 ]; then notok "$1" "the JSON modules do not run:" "$(tail -3 "$W/json.log")"; return; fi
  if [ "$_rl" -ne 0 ]; then notok "$1" "the Lua modules do not run:" "$(tail -3 "$W/lua.log")"; return; fi
  if _why=$(same_rows "$W/json.db" "$W/lua.db"); then ok "$1 ($(total_rows "$W/json.db") rows)"
  else notok "$1" "$_why"; fi
}

need_sqlite3 "convert" || { finish; }

# --- help and usage -----------------------------------------------------

vitae convert --help
check_status "convert --help exits 0" 0 "$rc"
check_grep "convert --help shows the usage" "usage: vitae convert" "$E2E_OUT"
vitae convert
check_status "convert without an input is a usage error (2)" 2 "$rc"
vitae convert --bogus x.json
check_status "convert with an unknown option is a usage error (2)" 2 "$rc"

# --- a small module tree, written here ----------------------------------

SRC="$W/src"
mkdir -p "$SRC/sub" "$SRC/lookup_tables"
cat > "$SRC/demo.json" <<'EOF'
{
  "name": "Demo",
  "remarks": ["A demo module: the remarks of the module.", "Second line."],
  "gmf_version": 2,
  "states": {
    "Initial": {
      "type": "Initial",
      "remarks": ["Where it starts."],
      "direct_transition": "Wait"
    },
    "Wait": {
      "type": "Delay",
      "range": { "low": 1, "high": 30, "unit": "years" },
      "unknown_field": null,
      "direct_transition": "Check"
    },
    "Check": {
      "type": "Simple",
      "complex_transition": [
        {
          "condition": { "condition_type": "Gender", "gender": "F", "remarks": ["women first"] },
          "distributions": [
            { "distribution": 0.6, "transition": "Visit", "remarks": ["most of them"] },
            { "distribution": 0.4, "transition": "Terminal" }
          ]
        },
        {
          "distributions": [
            { "distribution": 0.3, "transition": "Visit" },
            { "distribution": 0.7, "transition": "Terminal" }
          ]
        }
      ]
    },
    "Visit": {
      "type": "Encounter",
      "encounter_class": "ambulatory",
      "codes": [ { "system": "SNOMED-CT", "code": 185345009, "display": "Encounter for symptom (procedure)" } ],
      "direct_transition": "Onset"
    },
    "Onset": {
      "type": "ConditionOnset",
      "codes": [ { "system": "SNOMED-CT", "code": "44054006", "display": "Diabetes mellitus type 2 (disorder)" } ],
      "assign_to_attribute": "dm",
      "direct_transition": "Sub"
    },
    "Sub": {
      "type": "CallSubmodule",
      "submodule": "sub/child",
      "direct_transition": "Lab"
    },
    "Lab": {
      "type": "Observation",
      "category": "laboratory",
      "codes": [ { "system": "LOINC", "code": "4548-4", "display": "Hemoglobin A1c/Hemoglobin.total in Blood" } ],
      "range": { "low": 6.5, "high": 9.5 },
      "unit": "%",
      "conditional_transition": [
        {
          "condition": { "condition_type": "Active Condition",
                         "codes": [ { "system": "SNOMED-CT", "code": "44054006", "display": "Diabetes mellitus type 2 (disorder)" } ] },
          "transition": "End"
        },
        { "transition": "End" }
      ]
    },
    "End": { "type": "EncounterEnd", "direct_transition": "Terminal" },
    "Terminal": { "type": "Terminal" }
  }
}
EOF
cat > "$SRC/sub/child.json" <<'EOF'
{
  "name": "Child",
  "states": {
    "Initial": { "type": "Initial", "direct_transition": "Set" },
    "Set": { "type": "SetAttribute", "attribute": "child_done", "value": true, "direct_transition": "Terminal" },
    "Terminal": { "type": "Terminal" }
  }
}
EOF
printf 'age,gender,Visit,Terminal\n0-140,M,0.5,0.5\r\n' > "$SRC/lookup_tables/demo_table.csv"
printf 'not a module\n' > "$SRC/README.txt"

# --- one file to standard output -----------------------------------------

vitae convert "$SRC/demo.json"
check_status "one file: converts to standard output (exit 0)" 0 "$rc"
check_grep "one file: the output is a module" 'return module "Demo" {' "$E2E_OUT"
check_grep "one file: the module's remarks are a comment" "-- A demo module: the remarks of the module." "$E2E_OUT"
check_grep "one file: a state's remarks are a comment" "-- Where it starts." "$E2E_OUT"
check_grep "one file: a transition option's remarks are a comment" "-- most of them" "$E2E_OUT"
check_grep "one file: a condition's remarks are a comment" "-- women first" "$E2E_OUT"
check_grep "one file: sugar for a delay" 'delay { years(1, 30), next = "Check" }' "$E2E_OUT"
check_grep "one file: sugar for a chance" 'chance(0.3, "Visit", "Terminal")' "$E2E_OUT"
check_grep "one file: a code used twice is a constant" "local DIABETES_MELLITUS_TYPE_2 = snomed(44054006" "$E2E_OUT"
check_grep "one file: a submodule call keeps its path" 'call_submodule { "sub/child"' "$E2E_OUT"
if grep -q "remarks =" "$E2E_OUT" || grep -q "unknown_field" "$E2E_OUT"; then
  notok "one file: remarks and null fields are not written as fields" "$(cat "$E2E_OUT")"
else
  ok "one file: remarks and null fields are not written as fields"
fi
if [ "$(sed -n 1p "$E2E_OUT")" = "-- A demo module: the remarks of the module." ] \
   && [ "$(grep -n 'Initial *= initial' "$E2E_OUT" | cut -d: -f1)" -lt "$(grep -n 'Wait *= delay' "$E2E_OUT" | cut -d: -f1)" ] \
   && [ "$(grep -n 'Wait *= delay' "$E2E_OUT" | cut -d: -f1)" -lt "$(grep -n 'Check *= simple' "$E2E_OUT" | cut -d: -f1)" ] \
   && [ "$(grep -n 'Terminal *= terminal' "$E2E_OUT" | cut -d: -f1)" -gt "$(grep -n 'End *= encounter_end' "$E2E_OUT" | cut -d: -f1)" ]; then
  ok "one file: states follow the pathway from Initial, Terminal last"
else
  notok "one file: states follow the pathway from Initial, Terminal last" "$(cat "$E2E_OUT")"
fi
if [ -s "$E2E_ERR" ]; then notok "one file: nothing on standard error" "$(cat "$E2E_ERR")"; else ok "one file: nothing on standard error"; fi
cp "$E2E_OUT" "$W/demo_stdout.lua"
vitae convert "$SRC/demo.json"
if cmp -s "$E2E_OUT" "$W/demo_stdout.lua"; then ok "one file: the same input gives the same text"
else notok "one file: the same input gives the same text" "$(diff "$W/demo_stdout.lua" "$E2E_OUT" | head -5)"; fi

# --- a folder ----------------------------------------------------------------

OUT="$W/out"
vitae convert "$SRC"
check_status "a folder without -o is a usage error (2)" 2 "$rc"
vitae convert "$SRC" -o "$OUT"
check_status "a folder: converts (exit 0)" 0 "$rc"
check_grep "a folder: one line per converted file" "sub/child.json -> $OUT/sub/child.lua" "$E2E_OUT"
check_grep "a folder: the summary" "converted 2 modules, copied 1 lookup table" "$E2E_OUT"
check "a folder: the module is written" test -f "$OUT/demo.lua"
check "a folder: the submodule keeps its folder" test -f "$OUT/sub/child.lua"
check "a folder: the lookup table is copied byte for byte" cmp -s "$SRC/lookup_tables/demo_table.csv" "$OUT/lookup_tables/demo_table.csv"
check_no_file "a folder: other files are not copied" "$OUT/README.txt"
check "a folder: the file is the text printed for one file" cmp -s "$W/demo_stdout.lua" "$OUT/demo.lua"
check_same_run "a folder: the Lua modules give the same rows as the JSON" "$SRC" "$OUT" 300 11
vitae convert -q "$SRC" -o "$W/quiet"
if [ "$rc" -eq 0 ] && [ ! -s "$E2E_OUT" ]; then ok "-q: converts without output"
else notok "-q: converts without output" "status $rc" "$(cat "$E2E_OUT")"; fi

# --- no overwriting without --force -----------------------------------------

echo "-- edited by hand" >> "$OUT/demo.lua"
cp "$OUT/demo.lua" "$W/edited.lua"
vitae convert "$SRC" -o "$OUT"
check_status "an existing output: refused (exit 1)" 1 "$rc"
check_grep "an existing output: the message names the file" "$OUT/demo.lua exists" "$E2E_ERR"
check "an existing output: the file is left as it was" cmp -s "$W/edited.lua" "$OUT/demo.lua"
vitae convert "$SRC/demo.json" -o "$OUT"
check_status "an existing output of one file: refused (exit 1)" 1 "$rc"
check "an existing output of one file: the file is left as it was" cmp -s "$W/edited.lua" "$OUT/demo.lua"
vitae convert "$SRC" -o "$OUT" --force
check_status "--force: replaces existing files (exit 0)" 0 "$rc"
check "--force: the file is converted again" cmp -s "$W/demo_stdout.lua" "$OUT/demo.lua"
vitae convert "$SRC/demo.json" -o "$W/single/demo2.lua"
check_status "one file with -o FILE.lua: converts (exit 0)" 0 "$rc"
check "one file with -o FILE.lua: writes that file" cmp -s "$W/demo_stdout.lua" "$W/single/demo2.lua"

# --- malformed and invalid JSON ---------------------------------------------

BAD="$W/bad"
mkdir -p "$BAD"
printf '{ "name": "Broken",\n  "states": { "Initial": { "type": "Initial", } }\n}\n' > "$BAD/broken.json"
vitae convert "$BAD/broken.json" -o "$W/bad_out"
check_status "malformed JSON: exit 1" 1 "$rc"
check_grep "malformed JSON: the message names file:line:column" "broken.json:2:45:" "$E2E_ERR"
check_no_file "malformed JSON: no output file" "$W/bad_out/broken.lua"
check_no_partial "malformed JSON: no partial file" "$W/bad_out/broken.lua"
vitae convert "$BAD/broken.json"
check_status "malformed JSON to standard output: exit 1" 1 "$rc"
if [ -s "$E2E_OUT" ]; then notok "malformed JSON to standard output: nothing printed" "$(head -3 "$E2E_OUT")"
else ok "malformed JSON to standard output: nothing printed"; fi
printf '{ "name": "Loose", "states": { "Initial": { "type": "Initial", "direct_transition": "Nowhere" } } }\n' > "$BAD/loose.json"
vitae convert "$BAD/loose.json" -o "$W/bad_out"
check_status "a module with a missing target: exit 1" 1 "$rc"
check_grep "a module with a missing target: the message names the file, state and target" 'loose.json: not a valid module: state "Initial" (line 1): goes to "Nowhere"' "$E2E_ERR"
check_no_file "a module with a missing target: no output file" "$W/bad_out/loose.lua"
cp "$SRC/demo.json" "$BAD/good.json"
vitae convert "$BAD" -o "$W/mixed"
check_status "a folder with a bad file: exit 1" 1 "$rc"
check "a folder with a bad file: the good files are converted" test -f "$W/mixed/good.lua"
check_grep "a folder with a bad file: the summary counts the failures" "converted 1 module, copied 0 lookup tables, 2 failed" "$E2E_OUT"
if ls "$W/mixed"/*.partial-* >/dev/null 2>&1; then notok "a folder with a bad file: no partial files" "$(ls "$W/mixed")"
else ok "a folder with a bad file: no partial files"; fi

# --- Synthea's corpus ------------------------------------------------------------

CORPUS="${VITAE_SHARED:-}/synthea/modules"
TESTMODS="${VITAE_SHARED:-}/synthea/test-modules"
if [ -z "${VITAE_SHARED:-}" ] || [ ! -d "$CORPUS" ]; then
  skip "Synthea's corpus converted and run both ways" "no corpus at ${VITAE_SHARED:-\$VITAE_SHARED}/synthea/modules"
else
  LUA="$W/corpus"
  "$VITAE" convert "$CORPUS" -o "$LUA" > "$W/corpus.log" 2> "$W/corpus.err"
  crc=$?
  nj=$(find "$CORPUS" -name '*.json' | wc -l)
  nl=$(find "$LUA" -name '*.lua' | wc -l)
  if [ "$crc" -eq 0 ] && [ "$nj" -eq "$nl" ]; then ok "the corpus: every module converts ($nl of $nj)"
  else notok "the corpus: every module converts ($nl of $nj)" "status $crc" "$(head -5 "$W/corpus.err")"; fi
  bad_tables=0; ntables=0
  for f in "$CORPUS"/lookup_tables/*.csv; do
    ntables=$((ntables + 1))
    cmp -s "$f" "$LUA/lookup_tables/$(basename "$f")" || bad_tables=$((bad_tables + 1))
  done
  check_eq "the corpus: all $ntables lookup tables copied byte for byte" 0 "$bad_tables"
  check_grep "the corpus: a submodule keeps its folder" "medications/otc_antihistamine.json -> $LUA/medications/otc_antihistamine.lua" "$W/corpus.log"
  check_grep "the corpus: remarks become comments" "-- Men have an approx lifetime risk of appendicitis of 8.6%." "$LUA/appendicitis.lua"
  "$VITAE" convert -q "$CORPUS" -o "$W/corpus2" > /dev/null 2>&1
  if diff -r "$LUA" "$W/corpus2" > /dev/null 2>&1; then ok "the corpus: converting twice gives the same files"
  else notok "the corpus: converting twice gives the same files" "$(diff -r "$LUA" "$W/corpus2" | head -5)"; fi
  rm -rf "$W/corpus2"
  check_same_run "the corpus: JSON and converted Lua give the same rows (200 patients, seed 7)" "$CORPUS" "$LUA" 200 7

  # Synthea's test modules, each on its own: those that load as JSON must
  # convert and give the same rows; those the loader refuses must be refused.
  TL="$W/testmods"
  "$VITAE" convert -q "$TESTMODS" -o "$TL" > /dev/null 2> "$W/testmods.err"
  same=0; differ=""; refused=0; wrong=""
  for f in $(cd "$TESTMODS" && find . -maxdepth 1 -name '*.json' | sort); do
    name=${f#./}; name=${name%.json}
    rm -f "$W/t.db"
    if "$VITAE" run -q -p 20 -s 3 -m "$TESTMODS/$name.json" -o "$W/t.db" > /dev/null 2>&1; then
      if [ ! -f "$TL/$name.lua" ]; then wrong="$wrong $name(not converted)"; continue; fi
      mv "$W/t.db" "$W/tj.db"
      if "$VITAE" run -q -p 20 -s 3 -m "$TL/$name.lua" -o "$W/t.db" > /dev/null 2>&1 \
         && same_rows "$W/tj.db" "$W/t.db" > /dev/null; then
        same=$((same + 1))
      else
        differ="$differ $name"
      fi
    else
      if [ -f "$TL/$name.lua" ] && "$VITAE" run -q -p 20 -s 3 -m "$TL/$name.lua" -o "$W/t.db" > /dev/null 2>&1; then
        wrong="$wrong $name(JSON fails, Lua runs)"
      else
        refused=$((refused + 1))
      fi
    fi
  done
  if [ -z "$differ" ] && [ "$same" -gt 0 ]; then
    ok "Synthea's test modules: $same give the same rows as Lua ($refused refused as JSON and as Lua)"
  else
    notok "Synthea's test modules give the same rows as Lua" "differ:$differ"
  fi
  if [ -z "$wrong" ]; then ok "Synthea's test modules: converted exactly when the JSON loads"
  else notok "Synthea's test modules: converted exactly when the JSON loads" "$wrong"; fi
  rm -rf "$LUA" "$TL"
fi

rm -rf "$W"
finish
