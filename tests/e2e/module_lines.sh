# module_lines.sh -- every error a broken module file gives (Lua or JSON,
# at module level: what the file returns, the name, the states table, a
# state that is not a table, no Initial, an unknown module field, malformed
# JSON, an error raised while the file runs, including in a tail call such
# as `return module "X" {...}`) starts with FILE:LINE:, the line being that
# of the return statement or the module() call for Lua, of the key
# concerned for JSON.  Each module is written here and run alone; the run
# must exit 1 with stderr starting "vitae: FILE:LINE:".
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir module_lines)

# case NAME.EXT LINE TEXT [PATTERN]: write TEXT (printf %b) to NAME.EXT,
# run it; expect status 1 and stderr starting "vitae: $W/NAME.EXT:LINE:"
# (and holding PATTERN, a fixed string, when given).
case_() {
  _f="$W/$1"; _line=$2; _pat=$4
  printf '%b' "$3" > "$_f"
  rm -f "$W/out.db"
  vitae run -p 2 -s 1 -m "$_f" -o "$W/out.db" -q
  _first=$(head -1 "$E2E_ERR")
  if [ "$rc" -eq 1 ] && case $_first in "vitae: $_f:$_line:"*) true ;; *) false ;; esac; then
    ok "$1: the message starts with $1:$_line:"
  else
    notok "$1: the message starts with $1:$_line:" "status $rc" "$(head -c 600 "$E2E_ERR")"
  fi
  if [ -n "$_pat" ]; then check_grep "$1: the message says $_pat" "$_pat" "$E2E_ERR"; fi
  check_no_file "$1: no database" "$W/out.db"
}

GOOD='Initial = { type = "Initial", direct_transition = "T" }, T = { type = "Terminal" }'

# Lua: what the file returns
case_ empty.lua 1 '' "must return a table (got nil)"
case_ blank_lines.lua 3 '\n\n-- nothing here\n\n' "must return a table (got nil)"
case_ return_nil.lua 3 'local x = 1\n\nreturn nil\n' "must return a table (got nil)"
case_ return_number.lua 2 '\nreturn 42\n' "got number"
case_ return_string.lua 1 'return "hello"\n' "got string"
case_ no_return.lua 5 '-- forgot the return\nmodule "X" {\n  Initial = initial { next = "T" },\n  T = terminal {},\n}\n' "return module"
# Lua: a plain table (its line: the return statement's)
case_ no_states.lua 3 '\n\nreturn { name = "X" }\n' "no 'states'"
case_ no_name.lua 2 "\nreturn { states = { $GOOD } }\n" "no 'name'"
case_ name_table.lua 1 "return { name = {}, states = { $GOOD } }\n" "field 'name'"
case_ states_string.lua 2 '\nreturn {\n  name = "X",\n  states = "oops" }\n' "'states' must be a table"
case_ state_not_table.lua 1 'return { name = "X", states = { Initial = 5 } }\n' "state 'Initial' must be a table"
case_ state_name_number.lua 1 'return { name = "X", states = { [1] = {} } }\n' "state names must be strings"
case_ no_initial.lua 2 '\nreturn { name = "X", states = { T = { type = "Terminal" } } }\n' "no state named 'Initial'"
case_ unknown_field.lua 1 "return { name = \"X\", bogus = 1, states = { $GOOD } }\n" "unknown module field 'bogus'"
case_ state_without_line.lua 2 '\nreturn { name = "X", states = { Initial = { type = "Initial", direct_transition = "Nowhere" } } }\n' "state 'Initial'"
case_ submodule_without_line.lua 1 'return { name = "X", states = { Initial = { type = "Initial", direct_transition = "C" }, C = { type = "CallSubmodule", submodule = "nothing/here", direct_transition = "T" }, T = { type = "Terminal" } } }\n' "submodule 'nothing/here' not found"
case_ initial_terminal.lua 1 'return { name = "X", states = { Initial = { type = "Terminal" } } }\n' "cannot be Terminal"
# Lua: the prelude (the line of the module() call, a tail call included)
case_ prelude_tail_no_initial.lua 2 '\nreturn module "X" {\n  T = terminal {},\n}\n' "no state named Initial"
case_ prelude_no_initial.lua 2 '-- c\nlocal m = module "X" {\n  T = terminal {},\n}\nreturn m\n' "no state named Initial"
case_ prelude_not_a_table.lua 1 'return module "X" (5)\n' "takes a table of states"
case_ prelude_no_name.lua 2 '\nreturn module (5)\n' "needs a name"
case_ prelude_bad_state.lua 2 '\nreturn module "X" {\n  Initial = initial { next = "T" },\n  T = terminal {},\n  Odd = 5,\n}\n' "is not a state"
# Lua: errors raised while the file runs
case_ error_level0.lua 2 'local x = 1\nerror("boom", 0)\n' "boom"
case_ error_nil.lua 2 'local x = 1\nerror()\n'
case_ error_table.lua 1 'error({})\n'
case_ runtime.lua 2 'local x = 1\nlocal y = nil + 1\nreturn {}\n' "arithmetic"
case_ syntax.lua 2 'local x =\n' "unexpected symbol"

# JSON: the top-level value
case_ empty.json 1 '' "expected a value"
case_ array.json 2 '\n[]\n' "must be a JSON object, got an array"
case_ string.json 3 '\n\n"x"\n' "must be a JSON object, got string"
case_ null.json 1 'null\n' "must be a JSON object, got null"
case_ number.json 2 '\n 42\n' "must be a JSON object, got number"
# JSON: module level, at the key concerned (or the opening brace)
case_ no_states.json 2 '\n{\n  "name": "X"\n}\n' "no 'states'"
case_ no_name.json 1 '{\n  "states": {\n    "Initial": {"type": "Initial", "direct_transition": "T"},\n    "T": {"type": "Terminal"}\n  }\n}\n' "no 'name'"
case_ name_object.json 2 '{\n  "name": {},\n  "states": {\n    "Initial": {"type": "Initial", "direct_transition": "T"},\n    "T": {"type": "Terminal"}\n  }\n}\n' "field 'name'"
case_ states_array.json 3 '{\n  "name": "X",\n  "states": []\n}\n' "must be an object of states"
case_ states_string.json 4 '{\n  "name": "X",\n\n  "states": "oops"\n}\n' "'states' must be a table"
case_ states_empty.json 3 '{\n  "name": "X",\n  "states": {}\n}\n' "no state named 'Initial'"
case_ no_initial.json 3 '{\n  "name": "X",\n  "states": {\n    "T": {"type": "Terminal"}\n  }\n}\n' "no state named 'Initial'"
case_ state_number.json 5 '{\n  "name": "X",\n  "states": {\n    "T": {"type": "Terminal"},\n    "Initial": 5\n  }\n}\n' "state 'Initial' must be a table, got number"
case_ state_null.json 4 '{\n  "name": "X",\n  "states": {\n    "Initial": null\n  }\n}\n' "got null"
case_ unknown_field.json 3 '{\n  "name": "X",\n  "bogus": 1,\n  "states": {\n    "Initial": {"type": "Initial", "direct_transition": "T"},\n    "T": {"type": "Terminal"}\n  }\n}\n' "unknown module field 'bogus'"
# JSON: malformed at various places
case_ trailing_comma.json 2 '{\n  "name": "X",\n}\n' "trailing comma"
case_ truncated.json 4 '{\n  "name": "X",\n  "states": {\n' "end of input"
case_ bad_literal.json 3 '{\n  "name": "X",\n  "states": nul\n}\n' "invalid literal"
case_ duplicate_key.json 3 '{\n  "name": "X",\n  "name": "Y"\n}\n' "duplicate key"
case_ after_value.json 2 '{}\n{}\n' "after the JSON value"
case_ missing_colon.json 2 '{\n  "name" "X"\n}\n' "expected ':'"

# Two modules with one name: the second one's line (its module() call).
mkdir -p "$W/dup"
printf 'return module "Dup" {\n  Initial = initial { next = "T" },\n  T = terminal {},\n}\n' > "$W/dup/a.lua"
printf -- '-- b\n\nlocal m = module "Dup" {\n  Initial = initial { next = "T" },\n  T = terminal {},\n}\nreturn m\n' > "$W/dup/b.lua"
vitae run -p 2 -m "$W/dup" -o "$W/out.db" -q
check_status "a module name used twice: exits 1" 1 "$rc"
check_grep "a module name used twice: the second file's module() line" "$W/dup/b.lua:3: module name 'Dup' is already used" "$E2E_ERR"

rm -rf "$W"
finish
