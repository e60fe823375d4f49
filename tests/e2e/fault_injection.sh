# fault_injection.sh -- runs that meet a full disk, a read-only folder, a
# kill -9 at various points, or another run writing the same output.  In
# every case an existing database at -o stays byte-identical, no file that
# looks finished appears, and no temporary file outlives the next run:
#   - full disk (a 2 MiB tmpfs): status 1, "No space left on device" naming
#     the output, nothing left behind, native and OMOP, and a disk full
#     before the run starts;
#   - read-only folder (a read-only tmpfs, a read-only bind mount): status 1,
#     "Read-only file system" naming the file;
#   - SIGKILL at fixed points from 0.05 s to after the workers finished: the
#     next run on the output removes the dead run's temporary file, says so,
#     and succeeds;
#   - two runs on one output: one writes it, the other stops at once with
#     status 1 naming the first one's pid.
# The mounts need root (or CAP_SYS_ADMIN); where mount is not permitted those
# checks say skip.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir fault_injection)
MOUNTS=""
cleanup() {
  for m in $MOUNTS; do umount "$m" 2>/dev/null; done
  MOUNTS=""
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

nap() { sleep "$1" 2>/dev/null || sleep 1; }

# try_mount DIR OPTIONS: mount a tmpfs at DIR; false if not permitted.
try_mount() {
  mkdir -p "$1" && mount -t tmpfs -o "$2" tmpfs "$1" 2>/dev/null || return 1
  MOUNTS="$1 $MOUNTS"
}

# no_leftovers DESCRIPTION OUTPUT: no OUTPUT.partial-* and no OUTPUT.lock.
no_leftovers() {
  _left=$(ls -d "$2".partial-* "$2".lock 2>/dev/null)
  if [ -n "$_left" ]; then notok "$1" "left behind: $_left"; else ok "$1"; fi
}

# sound DESCRIPTION DB PATIENTS: DB passes integrity_check and holds PATIENTS.
sound() {
  _v=$(sql "$2" "PRAGMA integrity_check; SELECT count(*) FROM patients" | tr '\n' ' ')
  check_eq "$1" "ok $3 " "$_v"
}

# start_run OUTPUT N STDERR ARGS...: `vitae run -p N -o OUTPUT` in the
# background (its pid in $bg), stderr to STDERR.
start_run() {
  _o=$1; _n=$2; _e=$3; shift 3
  (cd "$VITAE_ROOT" && exec "$VITAE" run -p "$_n" -s 11 --threads 2 -o "$_o" -q "$@") > /dev/null 2> "$_e" &
  bg=$!
}

ntasks() { ls "/proc/$1/task" 2>/dev/null | wc -l; }

if ! have_default_modules; then
  notok "fault injection needs the default modules" "no modules/*.lua under $VITAE_ROOT"
  finish
fi
need_sqlite3 "fault injection" || finish

# A small database to keep: every failed run must leave it byte-identical.
vitae run -p 3 -s 1 -o "$W/orig.db" -q
check_status "a small first database is written" 0 "$rc"

# ---- full disk -------------------------------------------------------------
F="$W/full"
if try_mount "$F" size=2m; then
  vitae run -p 2000 -s 2 -o "$F/cohort.db" -q
  check_status "full disk: the run exits 1" 1 "$rc"
  check_grep "full disk: the message says the device is full and names the output" \
    "writing $F/cohort.db: No space left on device" "$E2E_ERR"
  check_no_file "full disk: no file under the output's name" "$F/cohort.db"
  no_leftovers "full disk: no temp or lock file left" "$F/cohort.db"
  check_eq "full disk: the disk is empty again" "" "$(ls -A "$F")"

  cp "$W/orig.db" "$F/cohort.db"
  vitae run -p 2000 -s 2 -o "$F/cohort.db" -q
  check_status "full disk over a database: the run exits 1" 1 "$rc"
  check "full disk: the existing database is byte-identical" cmp -s "$F/cohort.db" "$W/orig.db"
  no_leftovers "full disk over a database: no temp or lock file left" "$F/cohort.db"

  vitae run -p 2000 -s 2 --format omop -o "$F/cohort.db" -q
  check_status "full disk, OMOP: the run exits 1" 1 "$rc"
  check_grep "full disk, OMOP: the message names the output" "writing $F/cohort.db: No space left on device" "$E2E_ERR"
  check "full disk, OMOP: the existing database is byte-identical" cmp -s "$F/cohort.db" "$W/orig.db"
  no_leftovers "full disk, OMOP: no temp or lock file left" "$F/cohort.db"

  # not one free block when the run starts
  dd if=/dev/zero of="$F/filler" bs=64k 2>/dev/null
  vitae run -p 20 -s 2 -o "$F/cohort.db" -q
  check_status "disk full from the start: the run exits 1" 1 "$rc"
  check_grep "disk full from the start: the message names the output" "$F/cohort.db" "$E2E_ERR"
  check_grep "disk full from the start: the message says the device is full" "No space left on device" "$E2E_ERR"
  check "disk full from the start: the existing database is byte-identical" cmp -s "$F/cohort.db" "$W/orig.db"
  no_leftovers "disk full from the start: no temp or lock file left" "$F/cohort.db"
  cleanup
else
  skip "full disk" "mount not permitted here"
fi

# ---- read-only folders -------------------------------------------------------
R="$W/ro"
if try_mount "$R" size=4m; then
  cp "$W/orig.db" "$R/cohort.db"
  if mount -o remount,ro "$R" 2>/dev/null; then
    vitae run -p 5 -s 2 -o "$R/cohort.db" -q
    check_status "read-only tmpfs: the run exits 1" 1 "$rc"
    check_grep "read-only tmpfs: the message names the file and the cause" "$R/cohort.db" "$E2E_ERR"
    check_grep "read-only tmpfs: Read-only file system" "Read-only file system" "$E2E_ERR"
    check "read-only tmpfs: the existing database is byte-identical" cmp -s "$R/cohort.db" "$W/orig.db"
    vitae run -p 5 -s 2 -o "$R/new/cohort.db" -q
    check_status "read-only tmpfs, a folder to make: the run exits 1" 1 "$rc"
    check_grep "read-only tmpfs, a folder to make: the message names it" "cannot create $R/new: Read-only file system" "$E2E_ERR"
  else
    skip "read-only tmpfs" "mount not permitted here"
  fi
  cleanup
else
  skip "read-only tmpfs" "mount not permitted here"
fi

B="$W/bind"
mkdir -p "$W/rw"
cp "$W/orig.db" "$W/rw/cohort.db"
if mkdir -p "$B" && mount --bind "$W/rw" "$B" 2>/dev/null; then
  MOUNTS="$B $MOUNTS"
  if mount -o remount,bind,ro "$B" 2>/dev/null; then
    vitae run -p 5 -s 2 -o "$B/cohort.db" -q
    check_status "read-only bind mount: the run exits 1" 1 "$rc"
    check_grep "read-only bind mount: the message names the file and the cause" \
      "$B/cohort.db.lock: Read-only file system" "$E2E_ERR"
    check "read-only bind mount: the existing database is byte-identical" cmp -s "$B/cohort.db" "$W/orig.db"
    check_eq "read-only bind mount: nothing new in the folder" "cohort.db" "$(ls -A "$W/rw")"
  else
    skip "read-only bind mount" "mount not permitted here"
  fi
  cleanup
else
  skip "read-only bind mount" "mount not permitted here"
fi

# ---- kill -9 at various points --------------------------------------------
# kill_at WHEN EXISTING: start a run on $K/cohort.db (over a
# copy of orig.db if EXISTING is 1) and kill -9 it WHEN seconds later, or
# when WHEN is "done", once its worker threads have ended (the writer is
# then building indexes, syncing or renaming).  Then check what is left,
# and that the next run cleans up after it and succeeds.
K="$W/kill"
kill_at() {
  _when=$1; _existing=$2; kd="kill -9 at $1 s"
  [ "$_when" = done ] && kd="kill -9 after the workers finished"
  [ "$_existing" = 1 ] && kd="$kd, over a database" || kd="$kd, fresh output"
  rm -rf "$K"; mkdir -p "$K"
  out="$K/cohort.db"
  [ "$_existing" = 1 ] && cp "$W/orig.db" "$out"
  # 2,000 patients, or 1,000 when it runs to the end, to keep the test short
  start_run "$out" "$([ "$_when" = done ] && echo 1000 || echo 2000)" "$K/err"
  if [ "$_when" = done ]; then
    # the workers are the threads above the count the run starts with
    _peak=0; _i=0; _n=$(ntasks $bg)
    while [ "$_n" -gt 0 ] && [ $_i -lt 6000 ]; do
      [ "$_n" -gt "$_peak" ] && _peak=$_n
      [ "$_peak" -ge 3 ] && [ "$_n" -lt "$_peak" ] && break
      nap 0.01; _i=$((_i + 1)); _n=$(ntasks $bg)
    done
  else
    nap "$_when"
  fi
  kill -9 $bg 2>/dev/null
  { wait $bg; } 2>/dev/null; _rc=$?
  if [ $_rc -ne 137 ]; then
    # it finished first: then it must have written the whole database
    notok "$kd: the run was killed" "it ended with status $_rc first" "$(tail -3 "$K/err")"
    return
  fi
  ok "$kd: the run was killed"
  if [ "$_existing" = 1 ]; then
    check "$kd: the existing database is byte-identical" cmp -s "$out" "$W/orig.db"
  else
    check_no_file "$kd: no file under the output's name" "$out"
  fi
  _stale=$(ls -d "$out".partial-* 2>/dev/null)
  if [ "$_when" = done ]; then
    check_eq "$kd: the dead run's temp file is there" "$out.partial-$bg" "$_stale"
  fi
  vitae run -p 20 -s 5 -o "$out" -q
  check_status "$kd: the next run succeeds" 0 "$rc"
  for f in $_stale; do
    check_grep "$kd: the next run says it removed $(basename "$f")" \
      "removed stale temp file $f left by a run that was killed" "$E2E_ERR"
  done
  no_leftovers "$kd: no temp or lock file after the next run" "$out"
  sound "$kd: the next run's database is complete" "$out" 20
}
kill_at 0.05 1
kill_at 0.3 0
kill_at 1.0 1
kill_at done 1
kill_at done 0

# Liveness is the lock, not the pid in the name: a temp file named after a
# live process (pid reuse) is stale all the same; a live run's is not.
rm -rf "$K"; mkdir -p "$K"
out="$K/cohort.db"
: > "$out.partial-$$"; : > "$out.partial-1"; : > "$out.partial-77-journal"; : > "$out.partial-77-wal"
: > "$out.partial-77-shm"; : > "$out.partial-x1"; : > "$out.partial-"; : > "$K/other.db.partial-77"
vitae run -p 5 -s 5 -o "$out" -q
check_status "stale files named after live pids: the run succeeds" 0 "$rc"
check_grep "a temp file named after a live pid is removed" "removed stale temp file $out.partial-$$ left by" "$E2E_ERR"
check_grep "a temp file named after pid 1 is removed" "removed stale temp file $out.partial-1 left by" "$E2E_ERR"
check_grep "a stale -journal is removed" "removed stale temp file $out.partial-77-journal left by" "$E2E_ERR"
check_grep "a stale -wal is removed" "removed stale temp file $out.partial-77-wal left by" "$E2E_ERR"
check_grep "a stale -shm is removed" "removed stale temp file $out.partial-77-shm left by" "$E2E_ERR"
check_eq "files that are not a run's temp files are kept" \
  "cohort.db cohort.db.partial- cohort.db.partial-x1 other.db.partial-77" "$(LC_ALL=C ls "$K" | tr '\n' ' ' | sed 's/ $//')"

# ---- two runs on one output ------------------------------------------------
C="$W/conc"
rm -rf "$C"; mkdir -p "$C"
out="$C/cohort.db"
cp "$W/orig.db" "$out"
# started together: whichever locks first writes, the other stops
start_run "$out" 1000 "$C/err1"; p1=$bg
start_run "$out" 1000 "$C/err2"; p2=$bg
wait $p1; r1=$?
wait $p2; r2=$?
if [ "$r1:$r2" = "0:1" ]; then win=$p1; lose_err="$C/err2"
elif [ "$r1:$r2" = "1:0" ]; then win=$p2; lose_err="$C/err1"
else win=""; fi
if [ -n "$win" ]; then
  ok "two runs at once: one succeeds, the other exits 1"
  check_grep "two runs at once: the other names the output and the writer's pid" \
    "vitae: another vitae run (pid $win) is writing $out; wait for it or choose another -o" "$lose_err"
else
  notok "two runs at once: one succeeds, the other exits 1" "statuses $r1 and $r2" "$(cat "$C/err1" "$C/err2")"
fi
sound "two runs at once: the database is complete and sound" "$out" 1000
no_leftovers "two runs at once: no temp or lock file left" "$out"

# one already writing: the second stops before simulating, touching nothing
cp "$W/orig.db" "$out"
start_run "$out" 1000 "$C/err1"; p1=$bg
_i=0
while [ $_i -lt 300 ] && [ "$(cat "$out.lock" 2>/dev/null)" != "$p1" ]; do nap 0.02; _i=$((_i + 1)); done
t0=$(date +%s.%N)
vitae run -p 1000 -s 12 -o "$C/./cohort.db" -q
t1=$(date +%s.%N)
check_status "a second run on a busy output exits 1" 1 "$rc"
check_grep "the second run names the output and the first run's pid" \
  "vitae: another vitae run (pid $p1) is writing $C/./cohort.db; wait for it or choose another -o" "$E2E_ERR"
check_between "the second run stops at once (seconds)" 0 1.5 "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
if kill -0 $p1 2>/dev/null; then
  ok "the first run is still writing"
  check "the first run's temp file is untouched" test -f "$out.partial-$p1"
  check "the existing database is byte-identical meanwhile" cmp -s "$out" "$W/orig.db"
else
  notok "the first run is still writing" "it ended before the checks"
fi
wait $p1; r1=$?
check_status "the first run then succeeds" 0 "$r1"
sound "the first run's database is complete and sound" "$out" 1000
no_leftovers "no temp or lock file left" "$out"

cleanup
rm -rf "$W"
finish
