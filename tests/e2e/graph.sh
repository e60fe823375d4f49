# graph.sh -- `vitae graph MODULE [-o OUT.dot|OUT.svg] [--cohort DB]`
# (docs/graph.md): Graphviz's dot accepts the graph of every module of
# modules/ and of Synthea's corpus (../shared); the labels render conditions,
# probabilities and calls as text, escaped; the output is deterministic; the
# --cohort numbers equal module_states and module_transitions; the
# module_transitions table holds its invariants against module_states and the
# trace, and is the same with 1 and 2 threads; SVG through dot, a clear
# message without it; bad input gets a message and an exit status.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir graph)
need_sqlite3 "graph" || finish
REF=2024-06-30

# Graphviz's dot: installed when missing (root and apt); the test fails
# without it, since accepting the output is what it checks.
if ! command -v dot >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "# installing Debian's graphviz for the graph test" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz; } >"$W/apt.log" 2>&1 || true
fi
if ! command -v dot >/dev/null 2>&1; then
  notok "Graphviz's dot is installed (or installable with apt-get)" "$(tail -3 "$W/apt.log" 2>/dev/null)"
  finish
fi

# accepts LIST: vitae graph and dot -Tsvg on every file of LIST; prints the
# files that failed, with why.
accepts() {
  while read -r _f; do
    if ! (cd "$VITAE_ROOT" && "$VITAE" graph "$_f") > "$W/one.dot" 2> "$W/one.err"; then
      echo "vitae graph $_f: $(head -c 300 "$W/one.err")"
    elif ! dot -Tsvg "$W/one.dot" -o /dev/null 2> "$W/dot.err" || [ -s "$W/dot.err" ]; then
      echo "dot -Tsvg on the graph of $_f: $(head -c 300 "$W/dot.err")"
    fi
  done < "$1"
}

# ---- every module of modules/ and of Synthea's corpus ----------------------
find "$VITAE_ROOT/modules" -name '*.lua' | sort > "$W/own.txt"
n=$(wc -l < "$W/own.txt")
if [ "$n" -gt 0 ]; then
  bad=$(accepts "$W/own.txt")
  check_eq "dot -Tsvg accepts the graph of every module of modules/ ($n)" "" "$bad"
else
  notok "modules/ holds modules" "none found"
fi

SYN="${VITAE_SHARED:-}/synthea/modules"
if [ -n "${VITAE_SHARED:-}" ] && [ -d "$SYN" ]; then
  find "$SYN" -name '*.json' -not -path '*/lookup_tables/*' | sort > "$W/synthea.txt"
  n=$(wc -l < "$W/synthea.txt")
  bad=$(accepts "$W/synthea.txt")
  check_eq "dot -Tsvg accepts the graph of every file of Synthea's corpus ($n), submodules included" "" "$bad"
  vitae graph "$SYN/heart/cabg/details.json"
  check_grep "a submodule file alone is loaded under the folder that holds its submodules and tables" \
    "loaded as the submodule 'heart/cabg/details'" "$E2E_ERR"
  check_grep "... and its lookup table is named on its edges" "lookup cabg_details_num_art_cond.csv" "$E2E_OUT"
else
  skip "dot -Tsvg accepts the graph of every file of Synthea's corpus" "VITAE_SHARED (../shared) is absent"
fi

# ---- labels: conditions, probabilities, calls, escaping --------------------
mkdir -p "$W/mods/sub"
cat > "$W/mods/labels.lua" <<'EOF'
return {
  name = "Labels \"quoted\" \\ back",
  states = {
    Initial = { type = "Initial", conditional_transition = {
      { condition = { condition_type = "And", conditions = {
          { condition_type = "Age", operator = ">=", quantity = 18, unit = "years" },
          { condition_type = "Gender", gender = "F" } } }, transition = "Smoker" },
      { condition = function(p) return true end, transition = "Call" },
      { transition = "Terminal" } } },
    Smoker = { type = "Simple", complex_transition = {
      { condition = { condition_type = "Attribute", attribute = "smoker", operator = "==", value = true },
        distributions = { { distribution = 0.3, transition = "Onset" }, { distribution = 0.7, transition = "Terminal" } } },
      { condition = { condition_type = "Active Condition", codes = { { system = "SNOMED-CT", code = "44054006", display = "Diabetes" } } },
        transition = "Call" },
      { distributions = { { distribution = function(p) return 0.5 end, transition = "Onset" }, { distribution = 0.5, transition = "Terminal" } } } } },
    Onset = { type = "ConditionOnset", codes = { { system = "SNOMED-CT", code = "44054006", display = "Caf\u{e9} \"x\" \\ y" } },
      direct_transition = "Wait" },
    Wait = { type = "Delay", range = { low = 1, high = 3, unit = "days" }, direct_transition = "Terminal" },
    Call = { type = "CallSubmodule", submodule = "sub/child", direct_transition = "Terminal" },
    Terminal = { type = "Terminal" },
  },
}
EOF
cat > "$W/mods/sub/child.lua" <<'EOF'
return { name = "Child", states = { Initial = { type = "Initial", direct_transition = "Terminal" }, Terminal = { type = "Terminal" } } }
EOF
vitae graph "$W/mods/labels.lua"
check_status "graph of a module with every kind of label exits 0" 0 "$rc"
cp "$E2E_OUT" "$W/labels.dot"
for want in 'age >= 18 years' 'gender = F' 'And(age >= 18 years, gender = F)' 'attribute smoker = true: 30%' \
            'active condition 44054006' 'f(p)' 'else: f(p)' 'else: 50%' 'Call\ncalls sub/child' \
            'shape=component' '1-3 days' 'digraph "Labels \"quoted\" \\ back"' 'Café \"x\" \\ y'; do
  check_grep "label text: $(printf '%s' "$want" | tr -d '\\')" "$want" "$W/labels.dot"
done
check "dot -Tsvg accepts the escaped labels" dot -Tsvg "$W/labels.dot" -o "$W/labels.svg"
vitae graph "$W/mods/labels.lua"
check "the graph is the same twice (deterministic)" cmp -s "$E2E_OUT" "$W/labels.dot"
vitae graph "$W/mods/labels.lua" -o "$W/labels2.dot"
check "-o FILE.dot writes the same DOT as stdout" cmp -s "$W/labels2.dot" "$W/labels.dot"

# ---- SVG, and SVG without dot ------------------------------------------------
vitae graph "$W/mods/labels.lua" -o "$W/out.svg"
check_status "-o FILE.svg exits 0" 0 "$rc"
check_grep "-o FILE.svg writes an SVG" "<svg" "$W/out.svg"
check_no_partial "-o FILE.svg leaves no temporary file" "$W/out.svg"
(cd "$VITAE_ROOT" && PATH="$W/nodot" "$VITAE" graph "$W/mods/labels.lua" -o "$W/nodot.svg") > "$E2E_OUT" 2> "$E2E_ERR"
check_status "SVG without dot in PATH exits 1" 1 "$?"
check_grep "... with the message" "vitae graph: SVG needs Graphviz's dot (apt-get install graphviz); write .dot with -o FILE.dot" "$E2E_ERR"
check_no_file "... and writes nothing" "$W/nodot.svg"
(cd "$VITAE_ROOT" && PATH="$W/nodot" "$VITAE" graph "$W/mods/labels.lua" -o "$W/nodot.dot") > "$E2E_OUT" 2> "$E2E_ERR"
check_status "-o FILE.dot needs no dot" 0 "$?"

# ---- bad input ---------------------------------------------------------------
vitae graph
check_status "no module: usage error" 2 "$rc"
vitae graph "$W/mods/labels.lua" --bogus
check_status "unknown option: usage error" 2 "$rc"
vitae graph "$W/mods/labels.lua" -o "$W/x.png"
check_status "-o FILE.png: usage error" 2 "$rc"
check_grep "... saying what -o takes" "FILE.dot (or .gv) or FILE.svg" "$E2E_ERR"
vitae graph "$W/mods/labels.lua" "$W/mods/sub/child.lua"
check_status "two modules: usage error" 2 "$rc"
vitae graph "$W/mods"
check_status "a folder: usage error" 2 "$rc"
vitae graph "$W/missing.lua"
check_status "a missing file exits 1" 1 "$rc"
check_grep "... naming it" "$W/missing.lua: No such file or directory" "$E2E_ERR"
printf 'return { name = "Broken", states = {\n  Initial = { type = "Initial", direct_transition = "Nowhere" },\n} }\n' > "$W/broken.lua"
vitae graph "$W/broken.lua"
check_status "a broken module exits 1" 1 "$rc"
check_grep "... with the loader's message (file:line: state)" "$W/broken.lua:1: state 'Initial': direct_transition 'Nowhere'" "$E2E_ERR"
printf 'return { name = "Syntax", states = {\n' > "$W/syntax.lua"
vitae graph "$W/syntax.lua"
check_status "a module with a syntax error exits 1" 1 "$rc"
check_grep "... naming the file" "syntax.lua" "$E2E_ERR"

# ---- a cohort ----------------------------------------------------------------
if ! have_default_modules; then
  notok "the default modules are there for the cohort checks" "modules/ has no module"
  finish
fi
P=400
vitae run -p $P -s 7 --threads 1 --reference-date $REF --trace -o "$W/c1.db" -q
check_status "run 1 thread, --trace" 0 "$rc"
vitae run -p $P -s 7 --threads 2 --reference-date $REF -o "$W/c2.db" -q
check_status "run 2 threads" 0 "$rc"
DB="$W/c1.db"

rows=$(sql "$DB" "SELECT count(*) FROM module_transitions")
check_between "module_transitions has rows" 1 1000000 "$rows"
check_eq "module_transitions: same rows with 1 and 2 threads (same seed)" \
  "$(sql "$DB" "SELECT module, path, from_state, to_state, transitions FROM module_transitions ORDER BY rowid")" \
  "$(sql "$W/c2.db" "SELECT module, path, from_state, to_state, transitions FROM module_transitions ORDER BY rowid")"
check_zero "module_transitions: every state named is a state of module_states" "$DB" \
  "SELECT count(*) FROM module_transitions t WHERE NOT EXISTS (SELECT 1 FROM module_states m WHERE m.module = t.module
     AND m.path = t.path AND m.state = t.from_state) OR NOT EXISTS (SELECT 1 FROM module_states m WHERE m.module = t.module
     AND m.path = t.path AND m.state = t.to_state)"
OUTS="SELECT module, path, from_state s, sum(transitions) n FROM module_transitions GROUP BY 1, 2, 3"
INS="SELECT module, path, to_state s, sum(transitions) n FROM module_transitions GROUP BY 1, 2, 3"
check_zero "invariant: the transitions into a state are its entries (but Initial)" "$DB" \
  "SELECT count(*) FROM module_states m LEFT JOIN ($INS) i ON i.module = m.module AND i.path = m.path AND i.s = m.state
   WHERE m.state <> 'Initial' AND coalesce(i.n, 0) <> m.entries"
check_zero "invariant: a top-level module's Initial is entered once per patient at birth, the rest by transitions" "$DB" \
  "SELECT count(*) FROM module_states m LEFT JOIN ($INS) i ON i.module = m.module AND i.path = m.path AND i.s = m.state
   WHERE m.state = 'Initial' AND m.path NOT LIKE '%/%' AND m.entries - coalesce(i.n, 0) <> $P"
check_zero "invariant: the transitions out of a state are its entries less the patients still in it at the end (the trace's open rows)" "$DB" \
  "SELECT count(*) FROM module_states m LEFT JOIN ($OUTS) o ON o.module = m.module AND o.path = m.path AND o.s = m.state
   LEFT JOIN (SELECT module, state, sum(exited IS NULL) still FROM state_trace GROUP BY 1, 2) t
     ON t.module = m.module AND t.state = m.state
   WHERE m.entries - coalesce(o.n, 0) <> coalesce(t.still, 0)"
check_zero "invariant: no transition out of a Terminal state; Simple states are left at once" "$DB" \
  "SELECT count(*) FROM module_states m LEFT JOIN ($OUTS) o ON o.module = m.module AND o.path = m.path AND o.s = m.state
   WHERE (m.type = 'Terminal' AND coalesce(o.n, 0) <> 0) OR (m.type IN ('Simple', 'SetAttribute', 'Counter') AND coalesce(o.n, 0) <> m.entries)"
check_eq "the trace shows as many entries as module_states" "0" \
  "$(sql "$DB" "SELECT count(*) FROM module_states m LEFT JOIN (SELECT module, state, count(*) n FROM state_trace GROUP BY 1, 2) t
     ON t.module = m.module AND t.state = m.state WHERE coalesce(t.n, 0) <> m.entries")"

# node counts of the graph = module_states; edge counts = module_transitions
# nodes FILE: "state|patients|entries" of every node label with counts.
nodes() {
  grep '^  s[0-9]* \[' "$1" | sed 's/.*label="//; s/"[],].*//' | awk -F'\\\\n' '{
    c = $NF; if (c !~ /^patients /) next; gsub(/,/, "", c); split(c, a, " ");
    print $1 "|" a[2] "|" a[4] }' | sort
}
for mod in asthma appendicitis; do
  vitae graph "modules/$mod.lua" --cohort "$DB" -o "$W/$mod.dot"
  check_status "$mod: --cohort exits 0" 0 "$rc"
  check_grep "$mod: says which module of the cohort it shows" "(path '$mod') from $DB, matched by path and name" "$E2E_ERR"
  check_eq "$mod: node counts equal module_states" \
    "$(sql "$DB" "SELECT state || '|' || patients || '|' || entries FROM module_states WHERE path = '$mod'" | sort)" \
    "$(nodes "$W/$mod.dot")"
  check_eq "$mod: the n= of the edges sum to the module's transitions" \
    "$(sql "$DB" "SELECT sum(transitions) FROM module_transitions WHERE path = '$mod'")" \
    "$(grep -o 'n=[0-9,]*' "$W/$mod.dot" | tr -d 'n=,' | awk '{ s += $1 } END { print s }')"
  check "$mod: dot -Tsvg accepts the graph with counts" dot -Tsvg "$W/$mod.dot" -o "$W/$mod.svg"
done
check_grep "a branch shows the declared and the observed share" "% (obs " "$W/asthma.dot"
# an observed share, recomputed: the branches of appendicitis' Perforation
share=$(sql "$DB" "SELECT printf('%.1f', 100.0 * transitions / (SELECT sum(transitions) FROM module_transitions
  WHERE path = 'appendicitis' AND from_state = 'Perforation')) FROM module_transitions
  WHERE path = 'appendicitis' AND from_state = 'Perforation' AND to_state = 'Rupture'")
check_grep "the observed share is the branch's transitions over the state's ($share%)" "(obs $share%," "$W/appendicitis.dot"

# an older cohort, without module_transitions
cp "$DB" "$W/old.db"
sqlite3 "$W/old.db" "DROP TABLE module_transitions"
vitae graph modules/asthma.lua --cohort "$W/old.db" -o "$W/old.dot"
check_status "a cohort without module_transitions still graphs" 0 "$rc"
check_grep "... saying why the branch shares are missing" "no module_transitions table" "$E2E_ERR"
check_eq "... with the node counts" "$(nodes "$W/asthma.dot")" "$(nodes "$W/old.dot")"
check_grep "... and the reason in the graph" "branch shares not shown" "$W/old.dot"

# not a cohort, or no rows for the module
printf 'not a database\n' > "$W/text.db"
vitae graph modules/asthma.lua --cohort "$W/text.db"
check_status "--cohort of a file that is not a database exits 1" 1 "$rc"
check_grep "... saying it is not a vitae cohort" "is not a vitae cohort" "$E2E_ERR"
sqlite3 "$W/other.db" "CREATE TABLE t (x)"
vitae graph modules/asthma.lua --cohort "$W/other.db"
check_status "--cohort of a database without module_states exits 1" 1 "$rc"
check_grep "... saying it is not a vitae cohort" "not a vitae cohort (no module_states table" "$E2E_ERR"
vitae graph "$W/mods/labels.lua" --cohort "$DB" -o "$W/none.dot"
check_status "--cohort without rows for the module exits 1" 1 "$rc"
check_grep "... saying so" "has no rows for module" "$E2E_ERR"
check_no_file "... and writes nothing" "$W/none.dot"
vitae graph modules/asthma.lua --cohort "$W/missing.db"
check_status "--cohort of a missing file exits 1" 1 "$rc"

# OMOP output has no such table and is not hurt by the counting
vitae run -p 50 -s 7 --reference-date $REF -f omop -o "$W/omop.db" -q
check_status "an OMOP run still writes" 0 "$rc"
check_eq "... without module_transitions" "0" "$(sql "$W/omop.db" "SELECT count(*) FROM sqlite_master WHERE name = 'module_transitions'")"

finish
