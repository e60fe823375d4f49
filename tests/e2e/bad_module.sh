# bad_module.sh -- a faulty module stops the run with status 1 and a
# message naming the file (and the state and line where there is one), and
# no database, not even a partial file, is left at -o.  The sandbox refuses
# os.execute.
. "$VITAE_ROOT/tests/e2e/lib/common.sh"

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

# The sandbox: os.execute while loading and while running.
for when in load run; do
  marker="$VITAE_ROOT/e2e_os_execute_${when}_ran"
  rm -f "$marker"
  bad "os_execute_$when" "os.execute at $when time" "os"
  if [ -e "$marker" ]; then notok "os.execute at $when time: the command did not run" "$marker was created"; rm -f "$marker"
  else ok "os.execute at $when time: the command did not run"; fi
done

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
