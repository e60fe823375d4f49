#!/bin/sh
# run.sh -- `make fuzz`: run the libFuzzer harnesses built in $FUZZ_BUILD/bin
# (tests/fuzz/README.md).  Each harness NAME runs for $FUZZ_TIME seconds on
# its working corpus $FUZZ_BUILD/corpus/NAME, seeded from the repository
# (tests/fixtures, modules/, tests/fuzz/regressions/NAME) and, when it is
# there, ../shared; with tests/fuzz/NAME.dict as dictionary when there is
# one.  $FUZZ_JOBS harnesses run at a time.  Crash, hang, leak and
# out-of-memory inputs are kept in $FUZZ_BUILD/crashes/NAME/ (those of this
# run count), logs in
# $FUZZ_BUILD/logs/NAME.log.  Prints the executions of each harness and
# exits non-zero if any harness failed.
# Usage: sh tests/fuzz/run.sh NAME...   (NAME = fuzz_lua_module, ...)
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_TIME=${FUZZ_TIME:-600}
FUZZ_JOBS=${FUZZ_JOBS:-1}
ROOT=$(pwd)
SHARED=${VITAE_SHARED:-$(cd "$ROOT/.." && pwd)/shared}
[ $# -gt 0 ] || { echo "usage: $0 NAME..." >&2; exit 2; }

# seed NAME FILE [LINES]: copy FILE (or its first LINES lines) into the
# corpus, named after its path so that reseeding does not duplicate it.
seed() {
  dst="$FUZZ_BUILD/corpus/$1/seed-$(echo "$2" | sed 's|^\.\./||; s|[/ ]|_|g')"
  [ -f "$dst" ] && return 0
  if [ -n "$3" ]; then head -n "$3" "$2" > "$dst"; else cp "$2" "$dst"; fi
}
# seed_parts NAME OUT FILE...: the first 30 lines of each FILE (an empty
# part for a missing one) joined with form feeds, the multi-file layout of
# tests/fuzz/fuzz.h.
seed_parts() {
  name=$1; out="$FUZZ_BUILD/corpus/$1/seed-$2"; shift 2
  [ -f "$out" ] && return 0
  first=1
  for f in "$@"; do
    [ "$first" = 1 ] || printf '\f'
    first=0
    [ -f "$f" ] && head -n 30 "$f"
  done > "$out"
}
# seed_all NAME: the seeds of harness NAME.
seed_all() {
  n=$1
  mkdir -p "$FUZZ_BUILD/corpus/$n"
  for f in tests/fuzz/regressions/"$n"/*; do [ -f "$f" ] && seed "$n" "$f"; done
  case $n in
  fuzz_lua_module|fuzz_lua_run)
    for f in modules/*.lua $(find tests/fixtures -name '*.lua'); do seed "$n" "$f"; done ;;
  fuzz_gmf_json)
    for f in $(find tests/fixtures -name '*.json'); do seed "$n" "$f"; done
    if [ -d "$SHARED/synthea" ]; then
      for f in $(find "$SHARED/synthea/modules" "$SHARED/synthea/test-modules" -name '*.json' -size -64k 2>/dev/null); do seed "$n" "$f"; done
    fi ;;
  fuzz_config)
    for f in tests/fixtures/config/*.yaml; do seed "$n" "$f"; done ;;
  fuzz_params)
    for f in tests/fixtures/params/*.yaml tests/fixtures/e2e/params_*.yaml; do seed "$n" "$f"; done ;;
  fuzz_vocab)
    for d in "$SHARED"/data/eunomia/*/; do
      [ -f "$d/CONCEPT.csv" ] || continue
      seed_parts "$n" "$(basename "$d")" "$d/CONCEPT.csv" "$d/CONCEPT_RELATIONSHIP.csv" "$d/CONCEPT_ANCESTOR.csv" "$d/VOCABULARY.csv"
    done ;;
  fuzz_inspect_csv)
    for d in "$SHARED"/data/eunomia/*/; do
      [ -f "$d/PERSON.csv" ] || continue
      seed_parts "$n" "$(basename "$d")" "$d/PERSON.csv" "$d/CONDITION_OCCURRENCE.csv" "$d/CONCEPT.csv" \
        "$d/OBSERVATION_PERIOD.csv" "$d/DRUG_EXPOSURE.csv" "$d/MEASUREMENT.csv" "$d/DEATH.csv" "$d/CDM_SOURCE.csv"
    done ;;
  esac
  # a harness without any seed starts from the empty input
  [ -n "$(ls "$FUZZ_BUILD/corpus/$n")" ] || : > "$FUZZ_BUILD/corpus/$n/seed-empty"
}

# fuzz_one NAME: run harness NAME, its output in its log.
fuzz_one() {
  n=$1
  bin="$FUZZ_BUILD/bin/$n"
  art="$FUZZ_BUILD/crashes/$n"
  mkdir -p "$art" "$FUZZ_BUILD/logs"
  touch "$FUZZ_BUILD/logs/$n.start"
  dict=
  [ -f "tests/fuzz/$n.dict" ] && dict="-dict=tests/fuzz/$n.dict"
  # the two Lua harnesses read the same language
  [ "$n" = fuzz_lua_run ] && dict="-dict=tests/fuzz/fuzz_lua_module.dict"
  "$bin" -max_total_time="$FUZZ_TIME" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -close_fd_mask=1 -artifact_prefix="$art/" $dict "$FUZZ_BUILD/corpus/$n" > "$FUZZ_BUILD/logs/$n.log" 2>&1
  echo $? > "$FUZZ_BUILD/logs/$n.rc"
}

for n in "$@"; do
  [ -x "$FUZZ_BUILD/bin/$n" ] || { echo "fuzz: no harness binary $FUZZ_BUILD/bin/$n" >&2; exit 2; }
  seed_all "$n"
  rm -f "$FUZZ_BUILD/logs/$n.rc"
done
echo "fuzzing $# harness(es), ${FUZZ_TIME}s each, $FUZZ_JOBS at a time"
running=0
for n in "$@"; do
  fuzz_one "$n" &
  running=$((running + 1))
  if [ "$running" -ge "$FUZZ_JOBS" ]; then wait; running=0; fi
done
wait

failed=0
printf '%-22s %12s %10s %8s  %s\n' harness executions exec/s corpus result
for n in "$@"; do
  log="$FUZZ_BUILD/logs/$n.log"
  rc=$(cat "$FUZZ_BUILD/logs/$n.rc" 2>/dev/null || echo 99)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corp=$(ls "$FUZZ_BUILD/corpus/$n" | wc -l)
  found=$(find "$FUZZ_BUILD/crashes/$n" -type f -newer "$FUZZ_BUILD/logs/$n.start" | wc -l)
  if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
    failed=1
    result="FAILED (exit $rc; $found input(s) in $FUZZ_BUILD/crashes/$n/, log $log)"
  else
    result=ok
  fi
  printf '%-22s %12s %10s %8s  %s\n' "$n" "${execs:-?}" "${eps:-?}" "$corp" "$result"
done
if [ "$failed" -ne 0 ]; then
  echo "fuzz: some harness failed.  Replay an input with: $FUZZ_BUILD/bin/NAME FILE; once the bug is fixed, keep it in tests/fuzz/regressions/NAME/ (tests/fuzz/README.md)" >&2
  exit 1
fi
