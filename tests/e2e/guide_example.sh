#!/bin/sh
# guide_example.sh -- the authoring guide (docs/writing-modules.md) and its
# worked example (docs/examples/gout.lua):
#  (a) the guide's final listing is byte-identical to the example file;
#  (b) the example runs and records its codes at a plausible rate;
#  (c) `vitae check` finds no error and no warning in it;
#  (d) every complete module in the guide (a ```lua block with a line that
#      starts with `return module` or `return {`) loads and runs.
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

GUIDE="$VITAE_ROOT/docs/writing-modules.md"
EXAMPLE=docs/examples/gout.lua
W=$(workdir guide_example) || exit 1

# (a) The final listing sits between these two markers, in one ```lua block.
awk '
  /^<!-- final listing: docs\/examples\/gout.lua -->$/ { inside = 1; next }
  /^<!-- end of final listing -->$/ { inside = 0; next }
  inside && /^```lua$/ && !code { code = 1; next }
  inside && /^```$/ && code { code = 0; done = 1; next }
  inside && code && !done { print }
' "$GUIDE" > "$W/listing.lua"
if [ ! -s "$W/listing.lua" ]; then
  notok "guide: the final listing is marked in docs/writing-modules.md" "no lines between the markers"
elif cmp -s "$W/listing.lua" "$VITAE_ROOT/$EXAMPLE"; then
  ok "guide: the final listing is identical to $EXAMPLE"
else
  notok "guide: the final listing is identical to $EXAMPLE" "$(diff "$W/listing.lua" "$VITAE_ROOT/$EXAMPLE" | head -20)"
fi

# (b) Run it: gout in a plausible share of 500 patients (3.9% of adults [1]
# of the example, about 2.5-3% of all patients), each diagnosed patient
# treated for the flare, and allopurinol for some.
vitae run -m "$EXAMPLE" -p 500 -s 1 -o "$W/gout.db" -q
check_status "guide: the example runs" 0 "$rc"
if need_sqlite3 "guide: the example's codes"; then
  n=$(sql "$W/gout.db" "SELECT count(*) FROM patients")
  check_eq "guide: 500 patients written" 500 "$n"
  share=$(sql "$W/gout.db" "SELECT round(1.0 * count(DISTINCT patient) / 500, 4) FROM conditions WHERE code = '90560007'")
  check_between "guide: share of patients with gout (90560007)" 0.008 0.06 "$share"
  check_zero "guide: every patient with gout was treated for the flare" "$W/gout.db" \
    "SELECT count(*) FROM (SELECT DISTINCT patient FROM conditions WHERE code = '90560007')
     WHERE patient NOT IN (SELECT patient FROM medications WHERE code IN ('197541', '198014'))"
  ult=$(sql "$W/gout.db" "SELECT count(DISTINCT patient) FROM medications WHERE code = '197319'")
  check_between "guide: some patients get allopurinol (197319)" 1 1000000 "$ult"
  urate=$(sql "$W/gout.db" "SELECT count(*) FROM observations WHERE code = '3084-1' AND value BETWEEN 3 AND 20")
  check_between "guide: serum urate (3084-1) is measured" 1 1000000 "$urate"
fi

# (c) vitae check: no error, no warning.
vitae check "$EXAMPLE"
if [ "$rc" -eq 0 ] && grep -q '^1 file: 0 errors, 0 warnings$' "$E2E_OUT" \
   && ! grep -q -E ': (error|warning): ' "$E2E_OUT" "$E2E_ERR"; then
  ok "guide: vitae check $EXAMPLE finds nothing"
else
  notok "guide: vitae check $EXAMPLE finds nothing" "exit status $rc" "$(cat "$E2E_OUT" "$E2E_ERR" | head -20)"
fi

# (d) Every complete module of the guide loads and runs.
awk -v dir="$W" '
  /^```lua$/ { code = 1; buf = ""; full = 0; next }
  /^```$/ && code {
    code = 0
    if (full) { n++; f = dir "/guide_" n ".lua"; printf "%s", buf > f; close(f) }
    next
  }
  code { buf = buf $0 "\n"; if ($0 ~ /^return (module|\{)/) full = 1 }
  END { print n + 0 > (dir "/count") }
' "$GUIDE"
count=$(cat "$W/count")
check_between "guide: complete example modules found" 6 1000 "$count"
i=1
while [ "$i" -le "$count" ]; do
  f="$W/guide_$i.lua"
  vitae run -m "$f" -p 5 -s 1 -o "$W/guide_$i.db" -q
  if [ "$rc" -eq 0 ]; then
    ok "guide: complete example $i ($(grep -m1 -o -E '^return (module "[^"]*"|\{)' "$f")) runs"
  else
    notok "guide: complete example $i runs" "$(cat "$E2E_ERR" | head -5)" "$(head -5 "$f")"
  fi
  i=$((i + 1))
done

finish
