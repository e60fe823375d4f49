# atomic_output.sh -- a run writes to a temporary file and renames it into
# place only when complete: a failed or interrupted run leaves an existing
# database at -o byte-identical and no *.partial-* file; a successful run
# replaces it.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir atomic_output)
DB="$W/cohort.db"

nap() { sleep "$1" 2>/dev/null || sleep 1; }

# ---- a first, good database -------------------------------------------------
vitae run -p 20 -s 1 -m "$BASIC_MODULE" -o "$DB" -q
check_status "a first run writes the database" 0 "$rc"
cp "$DB" "$W/original.db"

# ---- a failed run leaves it untouched ------------------------------------
vitae run -p 20 -s 2 -m "$E2E_FIXTURES/bad/runtime_error.lua" -o "$DB" -q
check_status "a run with a module error exits 1" 1 "$rc"
check "a failed run leaves the existing database byte-identical" cmp -s "$DB" "$W/original.db"
check_no_partial "a failed run leaves no partial file" "$DB"

vitae run -p 20 -s 2 -m "$E2E_FIXTURES/bad/unknown_type.lua" -o "$DB" -q
check_status "a run with a module load error exits 1" 1 "$rc"
check "a failed load leaves the existing database byte-identical" cmp -s "$DB" "$W/original.db"

vitae run -p 0 -m "$BASIC_MODULE" -o "$DB" -q
check_status "a usage error exits 2" 2 "$rc"
check "a usage error leaves the existing database byte-identical" cmp -s "$DB" "$W/original.db"

# ---- interrupted runs ------------------------------------------------------
# interrupt SIG EXPECTED_STATUS TARGET: start a long run writing TARGET in
# the background, wait until it is writing, send SIG, and check that it
# stops with EXPECTED_STATUS leaving no partial file behind.
interrupt() {
  _sig=$1; _want=$2; _target=$3
  (cd "$VITAE_ROOT" && exec "$VITAE" run -p 50000 -s 3 --threads 2 -m "$BASIC_MODULE" -o "$_target" -q) \
    > "$E2E_OUT" 2> "$E2E_ERR" &
  _pid=$!
  # Wait (up to 10 s) for the temporary file: the run is then writing and
  # its signal handlers are in place.
  _i=0
  while [ $_i -lt 100 ] && ! ls "$_target".partial-* >/dev/null 2>&1 && kill -0 $_pid 2>/dev/null; do
    nap 0.1; _i=$((_i + 1))
  done
  nap 1
  if ! kill -0 $_pid 2>/dev/null; then
    wait $_pid; rc=$?
    notok "SIG$_sig: the run was still going after a second" "it ended with status $rc before the signal"
    return
  fi
  kill -s "$_sig" $_pid
  # Up to 15 s to stop.
  _i=0
  while [ $_i -lt 150 ] && kill -0 $_pid 2>/dev/null; do nap 0.1; _i=$((_i + 1)); done
  if kill -0 $_pid 2>/dev/null; then
    kill -s KILL $_pid 2>/dev/null
    wait $_pid
    notok "SIG$_sig stops the run within 15 s" "still running; killed"
    return
  fi
  ok "SIG$_sig stops the run"
  wait $_pid; rc=$?
  check_status "SIG$_sig: exit status $_want" "$_want" "$rc"
  check_no_partial "SIG$_sig: no partial file left" "$_target"
  if grep -q 'summary:' "$E2E_OUT"; then notok "SIG$_sig: no success summary" "$(cat "$E2E_OUT")"; else ok "SIG$_sig: no success summary"; fi
}

# No earlier database: nothing at -o afterwards.
rm -f "$W/fresh.db"
interrupt INT 130 "$W/fresh.db"
check_no_file "SIGINT: no database at a fresh -o" "$W/fresh.db"
check_grep "SIGINT: the message says no database was written" "no database" "$E2E_ERR"

interrupt TERM 143 "$W/fresh.db"
check_no_file "SIGTERM: no database at a fresh -o" "$W/fresh.db"

# An earlier database at -o stays intact.
interrupt INT 130 "$DB"
check "SIGINT leaves the existing database byte-identical" cmp -s "$DB" "$W/original.db"
interrupt TERM 143 "$DB"
check "SIGTERM leaves the existing database byte-identical" cmp -s "$DB" "$W/original.db"

# ---- a successful run replaces it -------------------------------------------
vitae run -p 30 -s 9 -m "$BASIC_MODULE" -o "$DB" -q
check_status "a later successful run exits 0" 0 "$rc"
if cmp -s "$DB" "$W/original.db"; then notok "a successful run replaces the database" "unchanged"
else ok "a successful run replaces the database"; fi
if need_sqlite3 "the replacing database"; then
  check_eq "the replacing database holds the new run" "30|9" \
    "$(sql "$DB" "SELECT (SELECT count(*) FROM patients), (SELECT value FROM run_info WHERE key = 'seed')")"
  check_eq "the replacing database is sound" ok "$(sql "$DB" "PRAGMA integrity_check")"
fi
check_no_partial "a successful run leaves no partial file" "$DB"

rm -rf "$W"
finish
