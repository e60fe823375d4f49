# eval_against.sh -- `vitae eval --against params.yaml` (learn/eval_against.c):
# a cohort learned with `vitae learn` agrees with its own DP summary (most
# statistics within 2 sigma); a cohort of women under 40 agrees less, most
# of all in the demography block (at 3,000 persons and epsilon 1 the onset
# statistics are mostly noise); a params file without dp_summary and one
# whose entry was renamed are refused before any cohort is read (exit 2,
# the file and line named, nothing written).
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir eval_against)
JSONGET="$BUILD/tools/jsonget"
[ -x "$JSONGET" ] || { notok "the JSON test tool is built" "missing $JSONGET"; finish; }
have_default_modules || finish
jget() { "$JSONGET" "$@" 2>/dev/null; }

vitae run -p 3000 -s 1 -o "$W/a.db" -q
check_status "run a.db" 0 "$rc"
vitae learn --from "vitae:$W/a.db" --epsilon 1 --delta 1e-6 --no-module-fit -o "$W/p.yaml" -q
check_status "learn p.yaml from a.db" 0 "$rc"
vitae run -p 3000 -s 2 --gender F --age 0-40 -o "$W/b.db" -q
check_status "run b.db (women under 40 only)" 0 "$rc"

vitae eval --synth "vitae:$W/a.db" --against "$W/p.yaml" -o "$W/a.html" --json "$W/a.json" -q
check_status "eval --against, the same data" 0 "$rc"
SA=$(jget "$W/a.json" against.overall.share_within_2sigma)
check_between "same data: share within 2 sigma" 0.85 1 "$SA"
check_eq "the ledger's epsilon is read" "1" "$(jget "$W/a.json" against.epsilon)"
check_eq "the ledger's delta is read" "9.9999999999999995e-07" "$(jget "$W/a.json" against.delta)"
# the blocks, and the demography block's share
demog_share() {
  i=1
  while n=$(jget "$1" "against.blocks.$i.name") && [ -n "$n" ]; do
    [ "$n" = demog ] && { jget "$1" "against.blocks.$i.share_within_2sigma"; return; }
    i=$((i + 1))
  done
}
total=0; i=1
while n=$(jget "$W/a.json" "against.blocks.$i.n") && [ -n "$n" ]; do total=$((total + n)); i=$((i + 1)); done
check_eq "the blocks add up to every released statistic" "$(jget "$W/a.json" against.overall.n)" "$total"
check_eq "the onset block names its 10 worst entries" "<array 10>" \
  "$(i=1; while [ "$(jget "$W/a.json" "against.blocks.$i.name")" != onset ] && [ $i -lt 20 ]; do i=$((i + 1)); done; jget "$W/a.json" "against.blocks.$i.worst")"
check_grep "the HTML has the against section" '<section id="against">' "$W/a.html"

vitae eval --synth "vitae:$W/b.db" --against "$W/p.yaml" --json "$W/b.json" -q
check_status "eval --against, another cohort" 0 "$rc"
SB=$(jget "$W/b.json" against.overall.share_within_2sigma)
DA=$(demog_share "$W/a.json"); DB=$(demog_share "$W/b.json")
check "another cohort: a lower share overall ($SB < $SA)" awk -v a="$SA" -v b="$SB" 'BEGIN { exit !(b != "" && b < a) }'
check "another cohort: a much lower demography share ($DB < $DA - 0.3)" awk -v a="$DA" -v b="$DB" 'BEGIN { exit !(b != "" && b < a - 0.3) }'

printf 'params:\n  x: 1\n' > "$W/nosum.yaml"
rm -f "$W/n.html"
vitae eval --synth "vitae:$W/a.db" --against "$W/nosum.yaml" -o "$W/n.html"
check_status "no dp_summary: exit 2" 2 "$rc"
check_grep "no dp_summary: the message names the file" "nosum.yaml:1: no dp_summary" "$E2E_ERR"
check_no_file "no dp_summary: nothing written" "$W/n.html"

# rename the stratum of the first onset entry: not a statistic the workload has
awk 'done != 1 && /\{name: "onset\// { sub(/\/F\//, "/X/"); if (/\/X\//) done = 1 } { print }' "$W/p.yaml" > "$W/bad.yaml"
vitae eval --synth "vitae:$W/a.db" --against "$W/bad.yaml" -o "$W/n.html"
check_status "a renamed entry: exit 2" 2 "$rc"
check_grep "a renamed entry: the message names the entry" "dp_summary entry 'onset/" "$E2E_ERR"
if grep -q "bad.yaml:[0-9]*: dp_summary entry 'onset/.*/X/" "$E2E_ERR"; then ok "a renamed entry: the message names the file and line"
else notok "a renamed entry: the message names the file and line" "$(cat "$E2E_ERR")"; fi
check_no_file "a renamed entry: nothing written" "$W/n.html"
finish
