# leaks.sh -- run vitae under a leak checker, for the e2e checks that an
# error exit frees what it allocated.  Sourced after common.sh:
#   . "${VITAE_ROOT:-.}/tests/e2e/lib/leaks.sh"
#
# The checker: LeakSanitizer when $VITAE is an AddressSanitizer build
# (make SANITIZE=address,undefined; detect_leaks=1 is forced, whatever
# ASAN_OPTIONS says, and a report exits 23), else valgrind --leak-check=full
# (definite and indirect leaks and memory errors exit 23), else none: the
# checks then skip, saying so.

# LEAK_TOOL: asan, valgrind or empty.
if ASAN_OPTIONS=help=1 "$VITAE" --version 2>&1 | grep -q 'AddressSanitizer'; then
  LEAK_TOOL=asan
elif command -v valgrind >/dev/null 2>&1; then
  LEAK_TOOL=valgrind
else
  LEAK_TOOL=
fi

# vitae_leaks ARGS...: like `vitae` (stdout to $E2E_OUT, stderr to $E2E_ERR,
# status in $rc), under the leak checker.
vitae_leaks() {
  case $LEAK_TOOL in
  asan)
    (cd "$VITAE_ROOT" && ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:exitcode=23" \
       "$VITAE" "$@") > "$E2E_OUT" 2> "$E2E_ERR" ;;
  valgrind)
    (cd "$VITAE_ROOT" && valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
       --error-exitcode=23 "$VITAE" "$@") > "$E2E_OUT" 2> "$E2E_ERR" ;;
  *)
    (cd "$VITAE_ROOT" && "$VITAE" "$@") > "$E2E_OUT" 2> "$E2E_ERR" ;;
  esac
  rc=$?
}

# check_no_leak DESCRIPTION STATUS ARGS...: `vitae ARGS` exits with STATUS
# and the checker reports no leak nor memory error.  A leak fails the check.
check_no_leak() {
  _d=$1; _want=$2; shift 2
  if [ -z "$LEAK_TOOL" ]; then
    skip "no leak: $_d" "no leak checker (neither a sanitizer build nor valgrind)"
    return
  fi
  vitae_leaks "$@"
  if [ "$rc" = 23 ] || grep -q -e 'LeakSanitizer' -e 'definitely lost' -e 'indirectly lost' \
       -e 'ERROR: AddressSanitizer' -e 'runtime error:' "$E2E_ERR"; then
    notok "no leak ($LEAK_TOOL): $_d" "vitae $*" "$(grep -v '^vitae' "$E2E_ERR" | head -25)"
  elif [ "$rc" != "$_want" ]; then
    notok "no leak ($LEAK_TOOL): $_d" "vitae $*: expected exit status $_want, got $rc" "$(head -5 "$E2E_ERR")"
  else
    ok "no leak ($LEAK_TOOL): $_d"
  fi
}
