#!/bin/sh
# run.sh -- run every unit test binary and every end-to-end script, count the
# "ok" / "not ok" / "skip" lines they print, and end with "N passed, N failed".
# A program that exits non-zero without printing "not ok" counts as one failure.
# Environment: VITAE (the binary), BUILD (build folder with tests/), E2E
# (optional: the names of the end-to-end scripts to run, all by default).
VITAE=${VITAE:-./vitae}; BUILD=${BUILD:-build}
export VITAE BUILD
ROOT=$(pwd)
export VITAE_ROOT="$ROOT"
SHARED=$(cd "$ROOT/.." && pwd)/shared
export VITAE_SHARED="$SHARED"
TMPROOT="$ROOT/tests/tmp"; rm -rf "$TMPROOT"; mkdir -p "$TMPROOT"
export TMPROOT
# A sanitizer report (make test SANITIZE=address,undefined) ends the program
# with its own status, so that a check expecting an ordinary failure (1) does
# not pass on a crash the sanitizer caught; test_sanitizer checks it.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=86:print_stacktrace=1:halt_on_error=1"
pass=0; fail=0; skip=0
failed_list=""
run_one() {
  name=$1; shift
  out="$TMPROOT/$(basename "$name").out"
  "$@" > "$out" 2>&1
  rc=$?
  p=$(grep -c '^ok - ' "$out"); f=$(grep -c '^not ok - ' "$out"); s=$(grep -c '^skip - ' "$out")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "not ok - $name exited with status $rc" >> "$out"; fi
  pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
  if [ "$f" -gt 0 ]; then
    failed_list="$failed_list $name"
    printf '%-40s FAIL (%d ok, %d failed)\n' "$name" "$p" "$f"
    grep -E '^not ok - ' "$out" | head -20 | sed 's/^/    /'
    tail -5 "$out" | sed 's/^/    | /'
  else
    printf '%-40s %d ok%s\n' "$name" "$p" "$([ "$s" -gt 0 ] && echo ", $s skipped")"
  fi
}
for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  run_one "unit/$(basename "$t")" "$t"
done
# module tests in Lua, run by the engine (docs/module-tests.md)
run_one "modules/test" "$VITAE" test tests/modules docs/examples
# Fuzz regressions: every input in tests/fuzz/regressions/NAME/ replayed
# through harness NAME built with the normal compiler (tests/fuzz/README.md).
for h in tests/fuzz/fuzz_*.c; do
  [ -f "$h" ] || continue
  n=$(basename "$h" .c)
  run_one "fuzz/$n" "$BUILD/fuzz/$n" "$n" tests/fuzz/regressions/"$n"/*
done
for t in tests/e2e/*.sh; do
  [ -f "$t" ] || continue
  # E2E="a b": only those end-to-end scripts (the sanitizer pass of .ci/run)
  if [ -n "${E2E:-}" ]; then
    case " $E2E " in *" $(basename "$t" .sh) "*) ;; *) continue ;; esac
  fi
  run_one "e2e/$(basename "$t" .sh)" sh "$t"
done
[ -n "$failed_list" ] && echo "failed:$failed_list"
if [ "$skip" -gt 0 ]; then echo "$pass passed, $fail failed, $skip skipped"; else echo "$pass passed, $fail failed"; fi
[ "$fail" -eq 0 ]
