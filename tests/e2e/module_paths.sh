# module_paths.sh -- lookup tables and submodules resolve only inside the
# module tree given with -m (a folder is a root; a single file has its
# folder as root), by real path: a name with '..', an absolute name, or a
# symlink leading out of the tree is a load error naming the module file,
# the line and the state, and the file outside is never read (its content
# never appears) nor run.  Synthea's layout (a submodule in a subfolder, the
# lookup_tables folder above it) still loads.  Fixtures:
# tests/fixtures/module_paths/, laid out in a scratch tree here.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir module_paths)
F="$FIXTURES/module_paths"
SECRET=SECRET_CELL_7f3a

# A secret file and a module outside every tree.
cp "$F/secret.csv" "$W/secret.csv"
mkdir -p "$W/outside" "$W/outside_tables"
cp "$F/outside_module.lua" "$W/outside/x.lua"
cp "$F/secret.csv" "$W/outside_tables/t.csv"

# refused DESC FILE PATTERN...: run one module file; expect status 1, every
# PATTERN in the message, no secret cell, no sign that the outside module
# ran, no database.
refused() {
  _desc=$1; _file=$2; shift 2
  rm -f "$W/out.db"
  vitae run -p 5 -s 1 -m "$_file" -o "$W/out.db" -q
  check_status "$_desc: exits 1" 1 "$rc"
  for _p in "$@"; do check_grep "$_desc: the message names $_p" "$_p" "$E2E_ERR"; done
  if grep -q -e "$SECRET" -e '^root:' -e 'root:x:0' "$E2E_ERR" "$E2E_OUT"; then
    notok "$_desc: nothing of the file outside is shown" "$(cat "$E2E_ERR")"
  else ok "$_desc: nothing of the file outside is shown"; fi
  if grep -q OUTSIDE_CODE_RAN "$E2E_ERR" "$E2E_OUT"; then notok "$_desc: the module outside never ran" "$(cat "$E2E_ERR")"
  else ok "$_desc: the module outside never ran"; fi
  check_no_file "$_desc: no database at -o" "$W/out.db"
}

# tree/modules: modules that name paths out of it.
T="$W/tree/modules"
mkdir -p "$T/lookup_tables"
cp "$F/t.csv" "$T/lookup_tables/t.csv"
for m in table_traversal table_absolute sub_traversal sub_absolute; do cp "$F/$m.json" "$T/$m.json"; done
# (the traversal reaches $W/secret.csv from tree/modules/lookup_tables)
[ -f "$T/lookup_tables/../../../secret.csv" ] || notok "fixture: the traversal would reach the secret"

refused "lookup_table_name ../../../secret.csv" "$T/table_traversal.json" \
  "table_traversal.json:5:" "state 'Pick'" "lookup table '../../../secret.csv' is outside the module tree"
refused "lookup_table_name /etc/passwd" "$T/table_absolute.json" \
  "table_absolute.json:5:" "state 'Pick'" "lookup table '/etc/passwd' is outside the module tree"
refused "CallSubmodule ../../outside/x" "$T/sub_traversal.json" \
  "sub_traversal.json:5:" "state 'Call'" "submodule '../../outside/x' is outside the module tree"
refused "CallSubmodule /tmp/x" "$T/sub_absolute.json" \
  "sub_absolute.json:5:" "state 'Call'" "submodule '/tmp/x' is outside the module tree"
refused "a folder holding a module with ../ in a submodule path" "$T" "is outside the module tree"

# A lookup_tables folder that is a symlink out of the tree.
T2="$W/tree2/modules"
mkdir -p "$T2"
ln -s "$W/outside_tables" "$T2/lookup_tables"
cp "$F/table_plain.json" "$T2/m.json"
refused "a symlinked lookup_tables folder leading outside" "$T2/m.json" \
  "m.json:5:" "state 'Pick'" "lookup table 't.csv' is outside the module tree"
# The same table as a symlinked file.
T2b="$W/tree2b/modules"
mkdir -p "$T2b/lookup_tables"
ln -s "$W/outside_tables/t.csv" "$T2b/lookup_tables/t.csv"
cp "$F/table_plain.json" "$T2b/m.json"
refused "a symlinked lookup table file leading outside" "$T2b/m.json" "m.json:5:" "is outside the module tree"

# A submodule that is a symlink out of the tree: found by a call (the
# caller given as a file) and by the folder scan (the folder given).
T3="$W/tree3/modules"
mkdir -p "$T3/sub"
ln -s "$W/outside/x.lua" "$T3/sub/child.lua"
cp "$F/sub_plain.json" "$T3/main.json"
refused "a symlinked submodule leading outside (called)" "$T3/main.json" \
  "main.json:5:" "state 'Call'" "submodule 'sub/child' is outside the module tree"
refused "a symlinked submodule leading outside (folder scan)" "$T3" "child.lua" "outside the module tree"
T3b="$W/tree3b/modules"
mkdir -p "$T3b"
ln -s "$W/outside" "$T3b/sub"
cp "$F/sub_plain.json" "$T3b/main.json"
refused "a symlinked submodule folder leading outside" "$T3b" "outside the module tree"

# The lookup search stops at the root: a lookup_tables folder above it is
# not used.
T4="$W/tree4/modules"
mkdir -p "$T4" "$W/tree4/lookup_tables"
cp "$F/t.csv" "$W/tree4/lookup_tables/t.csv"
cp "$F/table_plain.json" "$T4/m.json"
refused "a lookup table above the root" "$T4/m.json" "m.json:5:" "lookup table 't.csv' not found"

# Inside the tree: Synthea's layout (a submodule in a subfolder using the
# lookup_tables folder one level above it), and a symlink inside pointing
# inside, load and run.
T5="$W/tree5/modules"
mkdir -p "$T5/sub" "$T5/lookup_tables" "$T5/data"
cp "$F/sub_plain.json" "$T5/main.json"
cp "$F/child.json" "$T5/sub/child.json"
cp "$F/t.csv" "$T5/data/t.csv"
ln -s ../data/t.csv "$T5/lookup_tables/t.csv"
rm -f "$W/ok.db"
vitae run -p 5 -s 1 -m "$T5" -o "$W/ok.db" -q
check_status "a submodule in a subfolder with lookup_tables above it: runs" 0 "$rc"
if need_sqlite3 "the submodule ran"; then
  n=$(sql "$W/ok.db" "SELECT count(*) FROM module_states WHERE path = 'sub/child' AND state = 'A' AND patients > 0")
  check_eq "the submodule ran and took the lookup table's transition" 1 "$n"
fi
rm -f "$W/ok.db"
vitae run -p 5 -s 1 -m "$T5/main.json" -o "$W/ok.db" -q
check_status "the same, the caller given as a file: runs" 0 "$rc"

# A lookup table error inside the tree still names the table's line.
T6="$W/tree6/modules"
mkdir -p "$T6/lookup_tables"
printf 'age,A,Terminal\n0-140,1\n' > "$T6/lookup_tables/t.csv"
cp "$F/table_plain.json" "$T6/m.json"
rm -f "$W/out.db"
vitae run -p 5 -s 1 -m "$T6/m.json" -o "$W/out.db" -q
check_status "a malformed table inside the tree: exits 1" 1 "$rc"
check_grep "a malformed table inside the tree: names the module line and state" "m.json:5: state 'Pick'" "$E2E_ERR"
check_grep "a malformed table inside the tree: names the table's line" "t.csv:2:" "$E2E_ERR"

# vitae compat applies the same rules, and says so as precisely as a run:
# a submodule name leading out of the tree, and a Lua submodule whose error
# Lua gives without a line.
T7="$W/tree7/modules"
mkdir -p "$T7/sub"
cp "$F/sub_traversal.json" "$T7/m.json"
printf 'local x = 1\nerror("boom", 0)\n' > "$T7/sub/broken.lua"
cat > "$T7/calls.json" <<'EOF_JSON'
{
  "name": "CallsBroken",
  "states": {
    "Initial": { "type": "Initial", "direct_transition": "Call" },
    "Call": { "type": "CallSubmodule", "submodule": "sub/broken", "direct_transition": "Terminal" },
    "Terminal": { "type": "Terminal" }
  }
}
EOF_JSON
vitae compat -p 3 "$T7"
check_status "compat: a corpus with a submodule outside the tree exits 1" 1 "$rc"
check_grep "compat: the submodule outside the tree is named so" "submodule '../../outside/x' is outside the module tree" "$E2E_OUT"
check_grep "compat: a Lua submodule's load error carries its line" "| sub/broken.lua | line 2: boom |" "$E2E_OUT"

rm -rf "$W"
finish
