# common.sh -- helpers shared by the end-to-end scripts in tests/e2e/.
# Sourced, not run: `. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"`.
#
# Each check prints one line the runner (tests/run.sh) counts:
#   ok - description
#   not ok - description
#   skip - description: reason
# and `finish` ends the script with status 1 if any check failed.
#
# Environment (set by tests/run.sh; defaults let a script run by hand from
# the repository root): VITAE (the binary), VITAE_ROOT (repository root),
# VITAE_SHARED (../shared, may not exist), TMPROOT (scratch folder).

# shellcheck disable=SC2034  # the names below are used by the scripts

VITAE_ROOT=${VITAE_ROOT:-$(pwd)}
case $VITAE_ROOT in /*) ;; *) VITAE_ROOT="$(cd "$VITAE_ROOT" && pwd)" ;; esac
VITAE=${VITAE:-./vitae}
case $VITAE in /*) ;; *) VITAE="$VITAE_ROOT/${VITAE#./}" ;; esac
TMPROOT=${TMPROOT:-$VITAE_ROOT/tests/tmp}
case $TMPROOT in /*) ;; *) TMPROOT="$(pwd)/$TMPROOT" ;; esac
FIXTURES="$VITAE_ROOT/tests/fixtures"
E2E_FIXTURES="$FIXTURES/e2e"
BASIC_MODULE="$FIXTURES/modules/basic.lua"
# The EHR reader's test tool (tests/tools/ehr_dump.c): prints a source's
# patient-level view.
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD="$VITAE_ROOT/$BUILD" ;; esac
EHR_DUMP="$BUILD/tools/ehr_dump"
export VITAE VITAE_ROOT TMPROOT

E2E_FAILED=0
E2E_COUNT=0
E2E_SKIPPED=0

# ok DESCRIPTION / notok DESCRIPTION [DETAIL...]: print one result line;
# the detail lines (why it failed) follow as "#" comments.
ok() { E2E_COUNT=$((E2E_COUNT + 1)); echo "ok - $1"; }
notok() {
  E2E_COUNT=$((E2E_COUNT + 1)); E2E_FAILED=$((E2E_FAILED + 1))
  echo "not ok - $1"; shift
  for d in "$@"; do printf '%s\n' "$d" | sed 's/^/#   /'; done
}
skip() { E2E_SKIPPED=$((E2E_SKIPPED + 1)); echo "skip - $1: $2"; }

# check DESCRIPTION COMMAND...: ok if the command succeeds.
check() {
  _d=$1; shift
  if "$@"; then ok "$_d"; else notok "$_d" "command failed: $*"; fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
  if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "expected: $2" "got:      $3"; fi
}

# check_between DESCRIPTION LO HI VALUE: LO <= VALUE <= HI, as decimals.
check_between() {
  if awk -v lo="$2" -v hi="$3" -v v="$4" 'BEGIN { exit !(v != "" && v + 0 >= lo + 0 && v + 0 <= hi + 0) }'; then
    ok "$1 ($4)"
  else
    notok "$1" "expected between $2 and $3, got '$4'"
  fi
}

# check_status DESCRIPTION EXPECTED ACTUAL: an exit status.
check_status() {
  if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "expected exit status $2, got $3" "$(tail -5 "$E2E_ERR" 2>/dev/null)"; fi
}

# check_grep DESCRIPTION PATTERN FILE: FILE holds a line matching the
# (fixed-string) PATTERN.
check_grep() {
  if grep -F -q -e "$2" "$3" 2>/dev/null; then ok "$1"
  else notok "$1" "no '$2' in:" "$(head -c 2000 "$3" 2>/dev/null)"; fi
}

# check_no_file DESCRIPTION PATH: PATH does not exist.
check_no_file() {
  if [ -e "$2" ]; then notok "$1" "$2 exists"; else ok "$1"; fi
}

# check_no_partial DESCRIPTION PATH: no PATH.partial-* file is left behind.
check_no_partial() {
  _left=$(ls -d "$2".partial-* 2>/dev/null)
  if [ -n "$_left" ]; then notok "$1" "left behind: $_left"; rm -f "$2".partial-*; else ok "$1"; fi
}

# check_zero DESCRIPTION DB SQL: the query returns 0 (a count of bad rows).
check_zero() {
  _v=$(sql "$2" "$3")
  if [ "$_v" = "0" ]; then ok "$1"; else notok "$1" "query returned '$_v': $3"; fi
}

# sql DB QUERY: run one query with sqlite3, print the result ('|' separated).
# Read-only, so that a missing database is an error, not a new empty file.
sql() { sqlite3 -batch -bail -readonly "$1" "$2" 2>&1; }

# vitae ARGS...: run the binary from the repository root, stdout to
# $E2E_OUT and stderr to $E2E_ERR; sets $rc to its exit status.
E2E_OUT="$TMPROOT/e2e.$$.stdout"
E2E_ERR="$TMPROOT/e2e.$$.stderr"
vitae() {
  # shellcheck disable=SC2034  # rc is read by the scripts
  (cd "$VITAE_ROOT" && "$VITAE" "$@") > "$E2E_OUT" 2> "$E2E_ERR"
  rc=$?
}

# have_default_modules: true if modules/ holds at least one module.
have_default_modules() {
  [ -d "$VITAE_ROOT/modules" ] && [ -n "$(find "$VITAE_ROOT/modules" -name '*.lua' 2>/dev/null | head -1)" ]
}

# need_sqlite3: true if the sqlite3 shell is there; else says skip.
need_sqlite3() {
  command -v sqlite3 >/dev/null 2>&1 && return 0
  skip "$1" "sqlite3 shell not found"
  return 1
}

# workdir NAME: make (afresh) and print a scratch folder under TMPROOT.
workdir() {
  _w="$TMPROOT/$1"
  rm -rf "$_w" && mkdir -p "$_w" && printf '%s\n' "$_w"
}

# finish: remove the capture files and exit 1 if any check failed.
finish() {
  rm -f "$E2E_OUT" "$E2E_ERR"
  if [ "$E2E_COUNT" -eq 0 ] && [ "$E2E_SKIPPED" -eq 0 ]; then echo "# no checks ran"; fi
  [ "$E2E_FAILED" -eq 0 ] || exit 1
  exit 0
}

mkdir -p "$TMPROOT" || { echo "not ok - cannot create TMPROOT $TMPROOT"; exit 1; }
if [ ! -x "$VITAE" ]; then
  echo "not ok - the vitae binary $VITAE is missing (run make)"
  exit 1
fi
