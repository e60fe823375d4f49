#!/bin/sh
# json_modules.sh -- Synthea's GMF JSON modules load through the same loader
# as Lua modules: the same module written as JSON and as Lua gives the same
# rows for the same seed; Synthea's own appendicitis.json runs when ../shared
# is there.
. "$VITAE_ROOT/tests/e2e/lib/common.sh"
W="$TMPROOT/json_modules"; rm -rf "$W"; mkdir -p "$W"
FIX="$VITAE_ROOT/tests/fixtures/modules"

rows() { sqlite3 "$1" "SELECT * FROM encounters WHERE module != 'lifecycle' ORDER BY id;
  SELECT * FROM conditions ORDER BY start; SELECT * FROM medications ORDER BY start;
  SELECT * FROM observations WHERE module != 'lifecycle' ORDER BY date;"; }

"$VITAE" run -p 100 -s 3 -m "$FIX/basic.json" -o "$W/json.db" -q > "$W/json.log" 2>&1
check_status "a JSON module runs" 0 "$?"
"$VITAE" run -p 100 -s 3 -m "$FIX/basic.lua" -o "$W/lua.db" -q > "$W/lua.log" 2>&1
check_status "the same module in Lua runs" 0 "$?"
rows "$W/json.db" > "$W/json.rows"; rows "$W/lua.db" > "$W/lua.rows"
if [ -s "$W/json.rows" ] && cmp -s "$W/json.rows" "$W/lua.rows"; then
  ok "JSON and Lua versions of a module give the same rows ($(wc -l < "$W/json.rows") rows)"
else
  notok "JSON and Lua versions of a module give the same rows" "$(diff "$W/json.rows" "$W/lua.rows" | head -5)"
fi

printf '{ "name": "Broken", "states": { "Initial": { "type": "Initial", }\n' > "$W/broken.json"
"$VITAE" run -p 5 -m "$W/broken.json" -o "$W/broken.db" -q > "$W/broken.log" 2>&1
check_status "malformed JSON fails" 1 "$?"
if grep -q "broken.json:1:" "$W/broken.log"; then ok "malformed JSON: the message names file:line:column"
else notok "malformed JSON: the message names file:line:column" "$(cat "$W/broken.log")"; fi
check_no_file "malformed JSON: no database" "$W/broken.db"

CORPUS="$VITAE_SHARED/synthea/modules"
if [ -f "$CORPUS/appendicitis.json" ]; then
  "$VITAE" run -p 300 -s 1 -m "$CORPUS/appendicitis.json" -o "$W/app.db" -q > "$W/app.log" 2>&1
  check_status "Synthea's appendicitis.json runs unchanged" 0 "$?"
  n=$(sqlite3 "$W/app.db" "SELECT count(*) FROM conditions WHERE code = '74400008'")
  if [ "${n:-0}" -gt 0 ]; then ok "appendicitis.json records appendicitis ($n patients of 300)"
  else notok "appendicitis.json records appendicitis" "count: $n"; fi
else
  skip "appendicitis.json from Synthea" "corpus not found at $CORPUS"
fi
rm -rf "$W"
finish
