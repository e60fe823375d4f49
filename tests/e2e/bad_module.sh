# bad_module.sh -- a faulty module stops the run with status 1 and a
# message naming the file (and the state and line where there is one), and
# no database, not even a partial file, is left at -o.  The sandbox refuses
# os.execute.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir bad_module)
BAD="$E2E_FIXTURES/bad"

# bad NAME DESCRIPTION [PATTERN...]: run tests/fixtures/e2e/bad/NAME.lua;
# expect status 1, the file named, every PATTERN (fixed strings) in the
# message, no database and no partial file.
bad() {
  _name=$1; _desc=$2; shift 2
  _file="$BAD/$_name.lua"
  _db="$W/$_name.db"
  rm -f "$_db"
  vitae run -p 20 -s 1 --threads 2 -m "$_file" -o "$_db" -q
  check_status "$_desc: exits 1" 1 "$rc"
  check_grep "$_desc: the message names the file" "$_name.lua" "$E2E_ERR"
  for _p in "$@"; do check_grep "$_desc: the message names $_p" "$_p" "$E2E_ERR"; done
  check_no_file "$_desc: no database at -o" "$_db"
  check_no_partial "$_desc: no partial file at -o" "$_db"
}

bad syntax_error "a syntax error" "syntax_error.lua:6"
bad missing_target "a missing transition target" "Initial" "Nowhere"
bad missing_target_prelude "a missing transition target (prelude)" "Wait" "Nowhere" "line 5"
bad unknown_type "an unknown state type" "Odd" "Teleport"
bad runtime_error "a run-time error in a condition" "Check" "runtime_error.lua:9"
bad infinite_loop "an infinite loop in a condition" "Check" "infinite_loop.lua:9"
check_grep "an infinite loop: the message says the budget ran out" "budget" "$E2E_ERR"

bad load_loop "an infinite loop at load time" "load_loop.lua:2"

# A state named Initial of another type: if it is refused, the message must
# give Initial's own line (5), not that of another state.
rm -f "$W/initial.db"
vitae run -p 5 -m "$BAD/initial_wrong_type.lua" -o "$W/initial.db" -q
if [ "$rc" -eq 0 ]; then
  ok "a state named Initial of type Simple is accepted"
else
  check_status "a state named Initial of type Simple: refused with status 1" 1 "$rc"
  check_grep "a state named Initial of type Simple: the state named" "Initial" "$E2E_ERR"
  if grep -Eq 'initial_wrong_type\.lua:[0-9]|line [0-9]' "$E2E_ERR" && ! grep -Eq 'initial_wrong_type\.lua:5|line 5' "$E2E_ERR"; then
    notok "a state named Initial of type Simple: the line given is Initial's (5)" "$(cat "$E2E_ERR")"
  else
    ok "a state named Initial of type Simple: the line given is Initial's (5)"
  fi
  check_no_file "a state named Initial of type Simple: no database at -o" "$W/initial.db"
fi

# The memory cap (one thread: one Lua state reaches the cap at a time).
# bad() uses two threads; this one is run by hand.
rm -f "$W/hog.db"
vitae run -p 5 --threads 1 -m "$BAD/memory_hog.lua" -o "$W/hog.db" -q
check_status "a function past the memory cap: exits 1" 1 "$rc"
check_grep "a function past the memory cap: the message names the file" "memory_hog.lua" "$E2E_ERR"
check_grep "a function past the memory cap: the message names the state" "Check" "$E2E_ERR"
check_grep "a function past the memory cap: the message says memory" "memory" "$E2E_ERR"
if grep -Eq 'memory_hog\.lua:11|line 11' "$E2E_ERR"; then ok "a function past the memory cap: the message names the line"
else notok "a function past the memory cap: the message names the line" "no 'memory_hog.lua:11' or 'line 11' in:" "$(cat "$E2E_ERR")"; fi
check_no_file "a function past the memory cap: no database at -o" "$W/hog.db"
check_no_partial "a function past the memory cap: no partial file" "$W/hog.db"

# The sandbox: os.execute while loading and while running.
for when in load run; do
  marker="$VITAE_ROOT/e2e_os_execute_${when}_ran"
  rm -f "$marker"
  bad "os_execute_$when" "os.execute at $when time" "os"
  if [ -e "$marker" ]; then notok "os.execute at $when time: the command did not run" "$marker was created"; rm -f "$marker"
  else ok "os.execute at $when time: the command did not run"; fi
done

# Other ways out of the sandbox, each tried at load time by a module
# written here: every one must stop the run.
i=0
for expr in "io.open('$W/escaped', 'w')" "require('os')" "load('return 1')()" \
    "dofile('/etc/passwd')" "loadfile('/etc/passwd')" "debug.getinfo(1)" "string.dump(print)" \
    "('x').dump(print)" "collectgarbage('count')" "package.loadlib('libc.so.6', 'system')"; do
  i=$((i + 1))
  cat > "$W/escape_$i.lua" <<LUA
local _ = $expr
return { name = "E2EEscape$i", states = {
  Initial = { type = "Initial", direct_transition = "Terminal" },
  Terminal = { type = "Terminal" } } }
LUA
  rm -f "$W/escape.db"
  vitae run -p 2 -m "$W/escape_$i.lua" -o "$W/escape.db" -q
  if [ "$rc" -eq 1 ] && [ ! -e "$W/escape.db" ]; then ok "the sandbox refuses $expr"
  else notok "the sandbox refuses $expr" "status $rc" "$(cat "$E2E_ERR")"; fi
done
check_no_file "io.open wrote nothing" "$W/escaped"

# A failing module among good ones still fails the whole run.
rm -f "$W/mixed.db"
vitae run -p 20 -m "$BASIC_MODULE" "$BAD/runtime_error.lua" -o "$W/mixed.db" -q
check_status "a bad module among good ones: exits 1" 1 "$rc"
check_no_file "a bad module among good ones: no database at -o" "$W/mixed.db"
check_no_partial "a bad module among good ones: no partial file" "$W/mixed.db"

# A module path that does not exist.
vitae run -p 5 -m "$W/no_such_module.lua" -o "$W/none.db" -q
if [ "$rc" -ne 0 ]; then ok "a missing module file fails (status $rc)"; else notok "a missing module file fails" "status 0"; fi
check_grep "a missing module file: the path named" "no_such_module.lua" "$E2E_ERR"
check_no_file "a missing module file: no database at -o" "$W/none.db"

rm -rf "$W"
finish
