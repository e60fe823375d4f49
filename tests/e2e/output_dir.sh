# output_dir.sh -- where -o points: a folder that does not exist is created;
# a place that cannot be written fails with status 1 and a clear message,
# leaving nothing behind.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir output_dir)

# ---- a missing folder is created ------------------------------------------
out="$W/new/nested/folder/cohort.db"
vitae run -p 5 -s 3 -m "$BASIC_MODULE" -o "$out" -q
check_status "-o into a missing folder exits 0" 0 "$rc"
if [ -f "$out" ]; then ok "-o into a missing folder creates it and the database"
else notok "-o into a missing folder creates it and the database" "$(cat "$E2E_ERR")"; fi
if need_sqlite3 "missing folder database content"; then
  check_eq "the database in the new folder holds the patients" 5 "$(sql "$out" "SELECT count(*) FROM patients")"
fi
check_no_partial "-o into a missing folder: no partial file left" "$out"

# A relative path is relative to the folder vitae runs in.
rel="tests/tmp/output_dir_rel_$$/sub/c.db"
case $TMPROOT in
  "$VITAE_ROOT/tests/tmp")
    vitae run -p 3 -m "$BASIC_MODULE" -o "$rel" -q
    check_status "a relative -o exits 0" 0 "$rc"
    check "a relative -o is written relative to the working folder" test -f "$VITAE_ROOT/$rel"
    rm -rf "$VITAE_ROOT/tests/tmp/output_dir_rel_$$" ;;
  *) skip "a relative -o" "TMPROOT is not tests/tmp" ;;
esac

# ---- unwritable places ----------------------------------------------------
# unwritable DESCRIPTION PATH [WORD]: the run must fail with status 1, a
# message naming PATH (or WORD), and leave nothing at PATH.
unwritable() {
  vitae run -p 5 -m "$BASIC_MODULE" -o "$2" -q
  check_status "$1: exits 1" 1 "$rc"
  check_grep "$1: the message names the path" "${3:-$2}" "$E2E_ERR"
  if grep -Eqi 'cannot|unable|error|denied|no such|not a|read-only' "$E2E_ERR"; then ok "$1: the message says what went wrong"
  else notok "$1: the message says what went wrong" "$(cat "$E2E_ERR")"; fi
  if grep -q 'summary:' "$E2E_OUT"; then notok "$1: no success summary" "$(cat "$E2E_OUT")"; else ok "$1: no success summary"; fi
}

unwritable "-o /proc/x.db" /proc/vitae-e2e-$$.db
check_no_file "-o /proc/x.db: nothing created" "/proc/vitae-e2e-$$.db"
unwritable "-o into a folder under /proc" "/proc/vitae-e2e-$$/x.db" "/proc/vitae-e2e-$$"

# -o naming an existing folder.
mkdir -p "$W/adir"
unwritable "-o naming a folder" "$W/adir"
check "-o naming a folder: the folder is untouched" test -d "$W/adir"
check_no_partial "-o naming a folder: no partial file left" "$W/adir"

# -o below a regular file (its parent cannot be a folder).
: > "$W/plainfile"
unwritable "-o below a regular file" "$W/plainfile/x.db" "$W/plainfile"
check "-o below a regular file: the file is untouched" test -f "$W/plainfile"

# A read-only folder (root writes anyway, so only for other users).
if [ "$(id -u)" != 0 ]; then
  mkdir -p "$W/ro" && chmod 555 "$W/ro"
  unwritable "-o into a read-only folder" "$W/ro/x.db"
  check_no_file "-o into a read-only folder: nothing created" "$W/ro/x.db"
  chmod 755 "$W/ro"
else
  skip "-o into a read-only folder" "running as root, permissions are not enforced"
fi

# A FIFO (not a regular file) at -o must not be silently replaced by a
# database: the run should fail and leave it as it was.
if command -v mkfifo >/dev/null 2>&1 && mkfifo "$W/pipe.db" 2>/dev/null; then
  vitae run -p 3 -m "$BASIC_MODULE" -o "$W/pipe.db" -q
  check_status "-o naming a FIFO: exits 1" 1 "$rc"
  check "-o naming a FIFO: the FIFO is left in place" test -p "$W/pipe.db"
  check_no_partial "-o naming a FIFO: no partial file left" "$W/pipe.db"
else
  skip "-o naming a FIFO" "mkfifo not available"
fi

rm -rf "$W"
finish
