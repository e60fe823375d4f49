# sandbox_escape.sh -- the sandbox escape suite (issue 8), in the style of
# Redis' scripting tests: one check per escape attempt.  Each attempt is a
# tiny module in tests/fixtures/sandbox/ run through the real binary; the line
# of the attempt carries the comment "-- ESCAPE".  An attempt passes when it
# is refused (exit status 1, not a crash or a hang; a message naming the
# fixture's file and the ESCAPE line, and for run-time attempts the module and
# the state; no database and no partial file at -o), or, where the sandbox
# neutralises it, when the documented harmless behaviour is seen in the
# output.  Every run has a timeout, so a hang fails instead of blocking.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir sandbox_escape)
SBX="$FIXTURES/sandbox"
# SBX_ONLY=REGEX runs only the attempts whose fixture name matches (while
# working on one protection); the checks then say how many were left out.
SBX_ONLY=${SBX_ONLY:-}
SBX_LEFT_OUT=0
# want NAME: true if attempt NAME is to be run.
want() {
  [ -z "$SBX_ONLY" ] && return 0
  echo "$1" | grep -E -q -e "$SBX_ONLY" && return 0
  SBX_LEFT_OUT=$((SBX_LEFT_OUT + 1)); return 1
}

# A small per-patient time budget (for busy_5ms), so the check takes half a
# second; the default budget (5 s) would catch it too.
TIME_BUDGET_ARGS="--module-time 0.5"

# sbx_run SECONDS ARGS...: run the binary under a timeout from the
# repository root; stdout/stderr to $E2E_OUT/$E2E_ERR, status in $rc.
sbx_run() {
  _to=$1; shift
  (cd "$VITAE_ROOT" && timeout -k 5 "$_to" "$VITAE" "$@") > "$E2E_OUT" 2> "$E2E_ERR"
  rc=$?
}

# status_problem SECONDS: why $rc is not a clean exit (empty if it is one).
# A sanitizer report counts as a crash (AddressSanitizer exits with 1).
status_problem() {
  if grep -E -q -e 'Sanitizer|\.c:[0-9]+:[0-9]+: runtime error:' "$E2E_ERR" 2>/dev/null; then
    echo "crashed: a sanitizer report"; return
  fi
  case $rc in
    124|137) echo "did not stop within $1 s (killed by timeout)" ;;
    0|1) ;;
    *) if [ "$rc" -ge 128 ]; then echo "crashed: signal $((rc - 128))"; else echo "exit status $rc"; fi ;;
  esac
}

# marker_line FILE: the line holding "-- ESCAPE".
marker_line() { grep -n -e '-- ESCAPE' "$1" | head -1 | cut -d: -f1; }

# refused [-t SECONDS] [-n] [-a ARGS] NAME DESCRIPTION [PATTERN...]: run fixture NAME
# (3 patients, one thread) and expect it refused: status 1 within SECONDS
# (default 60), the message names NAME.lua:LINE (the ESCAPE line; -n: only
# NAME.lua, for errors that carry no line, see the call; -a: more run
# options, split on spaces), every PATTERN
# (fixed strings), for a run-time attempt (a state named Try) the module and
# the state, and no database or partial file.  One check line.
refused() {
  _secs=60; _noline=0; _extra=""
  while :; do
    case $1 in
      -t) _secs=$2; shift 2 ;;
      -a) _extra=$2; shift 2 ;;
      -n) _noline=1; shift ;;
      *) break ;;
    esac
  done
  _name=$1; _desc=$2; shift 2
  want "$_name" || return 0
  _file="$SBX/$_name.lua"
  _db="$W/$_name.db"
  if [ ! -f "$_file" ]; then notok "$_desc" "fixture $_file is missing"; return; fi
  rm -f "$_db" "$_db".partial-*
  # shellcheck disable=SC2086  # _extra is a list of words
  sbx_run "$_secs" run -p 3 -s 1 --threads 1 -m "$_file" -o "$_db" -q $_extra
  _why=$(status_problem "$_secs")
  [ -z "$_why" ] && [ "$rc" -ne 1 ] && _why="exit status $rc, expected 1 (not refused)"
  if [ "$_noline" -eq 1 ]; then _where="$_name.lua"; else _where="$_name.lua:$(marker_line "$_file"):"; fi
  set -- "$_where" "$@"
  _module=$(sed -n 's/^return { name = "\(Sbx[A-Za-z_]*\)".*/\1/p' "$_file")
  if grep -q '^  Try = {' "$_file"; then set -- "$@" "module '$_module'" "state 'Try'"; fi
  _missing=""
  if [ "$rc" -ne 0 ]; then
    for _p in "$@"; do grep -F -q -e "$_p" "$E2E_ERR" || _missing="$_missing '$_p'"; done
  fi
  [ -e "$_db" ] && _why="${_why:+$_why; }a database was written"
  _left=$(ls -d "$_db".partial-* 2>/dev/null)
  [ -n "$_left" ] && { _why="${_why:+$_why; }a partial file was left"; rm -f "$_db".partial-*; }
  [ -n "$_missing" ] && _why="${_why:+$_why; }the message lacks$_missing"
  if [ -z "$_why" ]; then ok "$_desc"
  else notok "$_desc" "$_why" "stderr: $(head -c 600 "$E2E_ERR")"; fi
  rm -f "$_db"
}

# ---- reaching what the sandbox leaves out (function slots, at run time) ----
refused reach_io "io.open is refused" "global 'io'"
refused reach_os "os.execute is refused" "global 'os'"
want reach_os && check_no_file "os.execute ran nothing" "$VITAE_ROOT/sandbox_escape_os_ran"
refused reach_os_exit "os.exit is refused (the run does not end with status 0)" "global 'os'"
refused reach_require "require is refused" "require"
refused reach_load_text "load of source text is refused" "load"
refused reach_load_binary "load of a precompiled chunk is refused" "load"
refused reach_loadstring "loadstring is refused" "loadstring"
refused reach_dofile "dofile is refused" "dofile"
refused reach_loadfile "loadfile is refused" "loadfile"
refused reach_debug "debug is refused" "debug"
refused reach_package "package.loadlib is refused" "package"
refused reach_collectgarbage "collectgarbage is refused" "collectgarbage"
refused reach_coroutine "coroutine is refused" "coroutine"
refused reach_string_dump "string.dump is refused" "dump"
refused reach_string_dump_method "(\"\").dump is refused" "dump"
refused reach_G "_G is refused" "_G"
refused reach_getfenv "getfenv is refused" "getfenv"
refused reach_setfenv "setfenv is refused" "setfenv"
refused reach_env_metatable "the base table behind _ENV is out of reach (rawget on its metatable)"
refused reach_env_rawequal "rawequal and the environment's metatable give no way out"
refused load_io "io.open while the file loads is refused" "global 'io'"

# A precompiled module file: refused whatever it holds.  A binary chunk has
# no source lines, so the message names the file only.
for kind in fake real; do
  want "${kind}_bytecode" || continue
  f="$W/${kind}_bytecode.lua"
  if [ "$kind" = fake ]; then
    printf '\033Lua\124\000\031\223\015\012\032\012return {}\n' > "$f"
  elif command -v luac5.4 >/dev/null 2>&1; then
    luac5.4 -s -o "$f" "$BASIC_MODULE" || { notok "a precompiled module file ($kind) is refused" "luac5.4 failed"; continue; }
  else
    skip "a precompiled module file (real) is refused" "luac5.4 not installed to make one"; continue
  fi
  rm -f "$W/bytecode.db"
  sbx_run 60 run -p 3 -s 1 --threads 1 -m "$f" -o "$W/bytecode.db" -q
  why=$(status_problem 60)
  [ -z "$why" ] && [ "$rc" -ne 1 ] && why="exit status $rc, expected 1"
  grep -F -q "${kind}_bytecode.lua" "$E2E_ERR" || why="${why:+$why; }the message lacks the file name"
  grep -F -q "binary" "$E2E_ERR" || why="${why:+$why; }the message does not say binary"
  [ -e "$W/bytecode.db" ] && why="${why:+$why; }a database was written"
  if [ -z "$why" ]; then ok "a precompiled module file ($kind) is refused"
  else notok "a precompiled module file ($kind) is refused" "$why" "stderr: $(head -c 600 "$E2E_ERR")"; fi
done

# ---- the string metatable ---------------------------------------------------
refused string_mt_index "getmetatable('').__index cannot be modified"
refused string_mt_setmetatable "setmetatable on the string metatable is refused"
refused string_newindex "(\"\").x = 1 is refused"

# ---- the patient proxy --------------------------------------------------------
refused proxy_setmetatable "setmetatable on the patient proxy is refused"
refused proxy_getmetatable "the patient proxy's metatable is hidden"
refused proxy_rawset "rawset on the patient proxy is refused"
refused proxy_rawget "rawget on the patient proxy is refused"
refused proxy_unknown_field "an unknown patient field is an error" "'ssn'"
refused proxy_assign "assigning a patient field is refused" "read-only"

# ---- finalizers and to-be-closed variables ------------------------------------
refused gc_setmetatable "a __gc finalizer in setmetatable is refused" "__gc"
# Harmless: a __gc put into the metatable after setmetatable never runs.
if want gc_after_setmetatable; then
rm -f "$W/gc.db"
sbx_run 60 run -p 3 -s 1 --threads 1 -m "$SBX/gc_after_setmetatable.lua" -o "$W/gc.db" -q
why=$(status_problem 60)
[ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit status $rc, expected 0 (the module is harmless)"
if [ -z "$why" ]; then
  got=$(sql "$W/gc.db" "SELECT (SELECT count(*) FROM patients), (SELECT count(*) FROM conditions WHERE code = 'FINALIZER_RAN')")
  [ "$got" = "3|0" ] || why="patients|FINALIZER_RAN rows: expected 3|0, got $got"
fi
if [ -z "$why" ]; then ok "a __gc added after setmetatable never runs"
else notok "a __gc added after setmetatable never runs" "$why" "stderr: $(head -c 600 "$E2E_ERR")"; fi
fi
refused close_loop "a __close that never returns (run time) stops" "budget"
refused close_after_error "a looping __close during a budget error stops" "budget"
refused load_close_loop "a looping __close of the main chunk (load time) stops" "budget"

# ---- the prelude's shared tables ------------------------------------------------
refused shared_is_female "is_female.gender = \"M\" is refused"
refused shared_is_male "is_male.gender = \"F\" is refused"
refused shared_is_male_rawset "rawset(is_male, ...) is refused"
refused shared_always "changing always is refused"
refused shared_never "changing never is refused"
refused shared_string_find "string.find = ... is refused" "find"
refused shared_math_random "math.random = ... is refused" "random"
refused shared_units "rawset on the prelude's units table is refused"
refused shared_snomed "rawset on a prelude helper (snomed) is refused"
refused shared_years_metatable "the metatable of a prelude value (years(1)) cannot be changed"

# Another module's events stay where they belong after a module tried to
# change the shared conditions (swallowing the errors), whichever loads
# first: no NEVER_TAKEN, ALWAYS_TAKEN for someone, FEMALE_ONLY for every
# woman who got ALWAYS_TAKEN and for no man.  The victim alone first, so that
# a broken victim is not taken for a leak.
VICTIM_SQL="SELECT
  (SELECT count(*) FROM conditions c JOIN patients p ON p.id = c.patient WHERE c.code = 'FEMALE_ONLY' AND p.gender = 'M'),
  (SELECT count(*) FROM conditions c JOIN patients p ON p.id = c.patient WHERE c.code = 'FEMALE_ONLY' AND p.gender = 'F'),
  (SELECT count(*) FROM conditions c JOIN patients p ON p.id = c.patient WHERE c.code = 'ALWAYS_TAKEN' AND p.gender = 'F'),
  (SELECT count(*) FROM conditions WHERE code = 'NEVER_TAKEN'),
  (SELECT count(*) FROM conditions WHERE code = 'ALWAYS_TAKEN')"
for order in "shared_victim" "shared_vandal shared_victim" "shared_victim shared_vandal"; do
  want "$order" || continue
  files=""
  for m in $order; do files="$files $SBX/$m.lua"; done
  rm -f "$W/victim.db"
  # shellcheck disable=SC2086  # $files is a list of paths without spaces
  sbx_run 60 run -p 20 -s 1 --threads 2 -m $files -o "$W/victim.db" -q
  desc="the shared conditions keep their meaning for another module (-m $order)"
  why=$(status_problem 60)
  if [ -z "$why" ] && [ "$rc" -eq 1 ] && [ "$order" != shared_victim ]; then
    if grep -F -q "shared_vandal.lua:" "$E2E_ERR" && [ ! -e "$W/victim.db" ]; then ok "$desc (the vandal is refused)"
    else notok "$desc" "exit status 1 without naming shared_vandal.lua:LINE" "stderr: $(head -c 600 "$E2E_ERR")"; fi
    continue
  fi
  [ -z "$why" ] && [ "$rc" -ne 0 ] && why="exit status $rc"
  if [ -z "$why" ]; then
    got=$(sql "$W/victim.db" "$VICTIM_SQL")
    echo "$got" | awk -F'|' '{ exit !($1 == 0 && $2 > 0 && $2 == $3 && $4 == 0 && $5 > $2) }' ||
      why="men with FEMALE_ONLY|women with FEMALE_ONLY|women with ALWAYS_TAKEN|NEVER_TAKEN|ALWAYS_TAKEN: expected 0|w|w|0|more than w, got $got"
  fi
  if [ -z "$why" ]; then ok "$desc"; else notok "$desc" "$why" "stderr: $(head -c 600 "$E2E_ERR")"; fi
done

# ---- state carried from one patient to the next --------------------------------
# Same rows whatever the thread count (1, 2, 3; 40 patients, enough for the
# workers to share them), or refused with
# status 1 and a message naming the ESCAPE line, for every thread count.
same_rows() {
  _name=$1; _desc=$2
  want "$_name" || return 0
  _file="$SBX/$_name.lua"
  _line=$(marker_line "$_file")
  _sums=""; _rcs=""; _why=""; _rows=""
  for _t in 1 2 3; do
    _db="$W/${_name}_$_t.db"
    rm -f "$_db"
    sbx_run 60 run -p 40 -s 1 --threads "$_t" -m "$_file" -o "$_db" -q
    _p=$(status_problem 60)
    [ -n "$_p" ] && _why="${_why:+$_why; }threads $_t: $_p"
    _rcs="$_rcs $rc"
    if [ "$rc" -eq 0 ]; then
      _r=$(sql "$_db" "SELECT patient, date, value FROM observations WHERE code = 'SBX-1' ORDER BY patient, date")
      _n=$(printf '%s\n' "$_r" | grep -c '|')
      [ "$_n" -eq 40 ] || _why="${_why:+$_why; }threads $_t: $_n rows of SBX-1, expected 40"
      _sums="$_sums $(printf '%s\n' "$_r" | cksum | cut -d' ' -f1)"
      _rows="$_rows threads $_t: $(printf '%s\n' "$_r" | cut -d'|' -f3 | tr '\n' ' ');"
    elif [ "$rc" -eq 1 ]; then
      grep -F -q "$_name.lua:$_line:" "$E2E_ERR" || _why="${_why:+$_why; }threads $_t: refused without naming $_name.lua:$_line: $(head -c 300 "$E2E_ERR")"
      [ -e "$_db" ] && _why="${_why:+$_why; }threads $_t: refused but a database was written"
    fi
    rm -f "$_db"
  done
  case "$_rcs" in
    " 0 0 0") [ "$(echo "$_sums" | tr ' ' '\n' | sed '/^$/d' | sort -u | wc -l)" -eq 1 ] ||
                _why="${_why:+$_why; }the rows differ with the thread count:$_rows" ;;
    " 1 1 1") ;;
    *) _why="${_why:+$_why; }exit statuses by thread count (1 2 3):$_rcs" ;;
  esac
  if [ -z "$_why" ]; then ok "$_desc"; else notok "$_desc" "$_why"; fi
}
same_rows state_upvalue "a local counter in a function slot: same rows whatever the thread count, or refused"
same_rows state_table "a module-level table mutated at run time: same rows whatever the thread count, or refused"
same_rows state_global "a global assigned at run time: same rows whatever the thread count, or refused"

# ---- runaway code ------------------------------------------------------------
refused loop_slot "an endless loop in a function slot stops (instruction budget)" "budget"
refused loop_pcall "an endless loop inside pcall still stops" "budget"
refused xpcall_handler_loop "an xpcall handler that loops stops" "budget"
refused recursion_lua "endless Lua recursion stops" "stack overflow"
# A C stack overflow is raised inside a C function (gsub, sort, tostring):
# the message has no line, only the file, module and state.
refused -n recursion_gsub "recursion through string.gsub stops (C stack)" "stack overflow"
refused recursion_index "an __index chain that loops stops" "__index"
refused recursion_index_fn "an __index function indexing itself stops" "stack overflow"
refused -n sort_recursion "table.sort with a comparator that sorts again stops" "stack overflow"
refused sort_error "table.sort with a comparator that raises stops" "comparator refuses"
refused sort_invalid "table.sort with an inconsistent comparator stops" "order function"
refused -n tostring_recursion "__tostring recursion stops" "stack overflow"
refused eq_recursion "__eq recursion stops" "stack overflow"
refused lt_recursion "__lt recursion stops" "stack overflow"
refused huge_rep "string.rep('x', 2^40) is refused" "too large"
refused huge_rep_cap "string.rep('x', 2^30) stops at the memory cap" "memory"
refused -a "--module-time 120" table_grow "a table growing forever stops at the memory cap" "memory"

# ---- pattern bombs and the time budget (called every simulated week) -----------
refused -t 20 pattern_find "a pattern bomb in string.find stops within seconds"
refused -t 20 pattern_match "a pattern bomb with 30 captures in match stops within seconds"
refused -t 20 -a "$TIME_BUDGET_ARGS" busy_5ms "a 5 ms busy loop every week stops at the per-patient time budget"

# ---- memory through the engine ----------------------------------------------------
# 50 copies of a 16 MiB value: refused with a memory error (the copy may be
# made outside Lua, so no line is required), and the peak RSS stays under
# the 800 MiB that keeping every copy takes.
if ! want copied_value_memory; then :
elif [ -x /usr/bin/time ]; then
  rm -f "$W/copied.db" "$W/rss"
  (cd "$VITAE_ROOT" && timeout -k 5 60 /usr/bin/time -f %M -o "$W/rss" "$VITAE" run -p 3 -s 1 --threads 1 \
     -m "$SBX/copied_value_memory.lua" -o "$W/copied.db" -q) > "$E2E_OUT" 2> "$E2E_ERR"
  rc=$?
  why=$(status_problem 60)
  [ -z "$why" ] && [ "$rc" -ne 1 ] && why="exit status $rc, expected 1 (not refused)"
  for pat in copied_value_memory.lua "module 'SbxCopiedValue'" "state 'Big'" memory; do
    grep -F -q "$pat" "$E2E_ERR" || why="${why:+$why; }the message lacks '$pat'"
  done
  [ -e "$W/copied.db" ] && why="${why:+$why; }a database was written"
  if [ -z "$why" ]; then ok "50 copies of a 16 MiB attribute value stop with a memory error"
  else notok "50 copies of a 16 MiB attribute value stop with a memory error" "$why" "stderr: $(head -c 600 "$E2E_ERR")"; fi
  rss=$(tail -1 "$W/rss" 2>/dev/null)
  case $VITAE in
    *-san) skip "50 copies of a 16 MiB value: peak RSS" "not meaningful under AddressSanitizer" ;;
    *) check_between "50 copies of a 16 MiB value: peak RSS under 768 MiB (KiB)" 1 786432 "$rss" ;;
  esac
else
  skip "50 copies of a 16 MiB attribute value" "/usr/bin/time (GNU time) not installed to measure the peak RSS"
fi

# ---- the loader -----------------------------------------------------------------
# The error is about a plain GMF table, which has no line of its own: the
# message must name the file and the state.
refused -n deep_condition "a condition nested 200000 deep is refused, not a crash" "Check"

[ "$SBX_LEFT_OUT" -gt 0 ] && echo "# SBX_ONLY=$SBX_ONLY: $SBX_LEFT_OUT attempts left out"
rm -rf "$W"
finish
