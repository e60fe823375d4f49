# eval_against.sh -- the --against area of `vitae eval` (learn/eval_against.c)
# through build/tools/evalagainst: a cohort learned with `vitae learn` agrees
# with its own DP summary (most statistics within 2 sigma), a cohort of
# women under 40 agrees less (most of all in the demog block: at 3000
# persons and epsilon 1 the onset statistics are mostly noise); a params file without dp_summary is an error
# naming the file; a renamed summary entry is an error naming the entry.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir eval_against)
TOOL="$VITAE_ROOT/build/tools/evalagainst"
[ -x "$TOOL" ] || { notok "evalagainst tool built" "missing $TOOL (make build/tools/evalagainst)"; finish; }
have_default_modules || { notok "default modules" "no modules/ in $VITAE_ROOT"; finish; }
command -v python3 >/dev/null 2>&1 || { skip "eval against" "python3 not found"; finish; }

vitae run -p 3000 -s 1 -o "$W/a.db" -q
check_status "run a.db" 0 "$rc"
vitae learn --from "vitae:$W/a.db" --modules modules --epsilon 1 --delta 1e-6 --no-module-fit -o "$W/p.yaml" -q
check_status "learn p.yaml" 0 "$rc"
vitae run -p 3000 -s 2 --gender F --age 0-40 -o "$W/b.db" -q
check_status "run b.db (women under 40 only)" 0 "$rc"

share() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['overall']['share_within_2sigma'])" "$1"; }
dshare() { python3 -c "import json,sys; print([b for b in json.load(open(sys.argv[1]))['blocks'] if b['name'] == 'demog'][0]['share_within_2sigma'])" "$1"; }

"$TOOL" "$W/p.yaml" "vitae:$W/a.db" "$W/a.html" > "$W/a.json" 2> "$W/a.err"
check_status "evalagainst same data" 0 "$?"
SA=$(share "$W/a.json")
check_between "same data: share within 2 sigma" 0.85 1 "$SA"
check "same data: JSON has the keys" python3 -c "
import json,sys; d=json.load(open(sys.argv[1]))
assert set(['params','epsilon','delta','scale','blocks','overall']) <= set(d)
assert d['epsilon'] == 1 and abs(d['delta'] - 1e-6) < 1e-12
b={x['name']: x for x in d['blocks']}
assert 'onset' in b and len(b['onset']['worst']) == 10
for w in b['onset']['worst']: assert set(w) == {'name','released','sigma','synthetic_scaled','z'}
assert sum(x['n'] for x in d['blocks']) == d['overall']['n']" "$W/a.json"
check "same data: HTML section with a scatter" sh -c "grep -q '<section id=\"against\">' '$W/a.html' && grep -q '<svg' '$W/a.html' && tail -1 '$W/a.html' | grep -q '</section>'"

"$TOOL" "$W/p.yaml" "vitae:$W/b.db" > "$W/b.json" 2> "$W/b.err"
check_status "evalagainst other cohort" 0 "$?"
SB=$(share "$W/b.json")
DA=$(dshare "$W/a.json"); DB=$(dshare "$W/b.json")
check "other cohort: lower share overall ($SB < $SA)" awk -v a="$SA" -v b="$SB" 'BEGIN { exit !(b < a) }'
check "other cohort: demog share much lower ($DB < $DA - 0.3)" awk -v a="$DA" -v b="$DB" 'BEGIN { exit !(b < a - 0.3) }'

printf 'params:\n  x: 1\n' > "$W/nosum.yaml"
"$TOOL" "$W/nosum.yaml" "vitae:$W/a.db" > /dev/null 2> "$W/n.err"
check_status "no dp_summary: exit 2" 2 "$?"
check "no dp_summary: message names the file" grep -q "nosum.yaml:1: no dp_summary" "$W/n.err"

python3 - "$W/p.yaml" "$W/bad.yaml" <<'PY'
import sys
lines = open(sys.argv[1]).read().split('\n')
for i, l in enumerate(lines):
    if '{name: "onset/' in l:
        lines[i + 5] = lines[i + 5].replace('/F/', '/X/', 1)
        break
open(sys.argv[2], 'w').write('\n'.join(lines))
PY
"$TOOL" "$W/bad.yaml" "vitae:$W/a.db" > /dev/null 2> "$W/bad.err"
check_status "renamed entry: exit 2" 2 "$?"
check "renamed entry: message names the entry and line" grep -q "bad.yaml:[0-9]*: dp_summary entry 'onset/.*/X/" "$W/bad.err"
finish
