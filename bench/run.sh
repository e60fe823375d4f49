#!/bin/sh
# run.sh -- `make bench`: how fast vitae writes cohorts, against raw SQLite.
#
# Runs `vitae run -p 1000` three times (median run by seconds) and
# `vitae run -p 10000` once, reads the summary line vitae prints
#   summary: patients=N alive=A dead=D rows=R seconds=S patients_per_s=P rows_per_s=Q peak_rss_kb=K
# then runs bench/raw_insert on the 10k cohort three times (median) and prints
# patients/s, rows/s and peak memory per size, raw SQLite rows/s, the ratio
# vitae rows/s / raw rows/s (target: at least 0.5) and the memory ratio 10k/1k;
# last, the same figures for Synthea's whole module corpus (1000 patients,
# median of 3 runs) with its ratio to the raw SQLite insert rate.
#
# Environment: VITAE (binary, default ./vitae), BUILD (build folder holding
# bench/raw_insert, default build), BENCH_EXTRA (more population sizes to run
# once each, e.g. "100000"), KEEP=1 keeps the cohorts in bench/tmp,
# VITAE_SHARED (default ../shared) for Synthea's corpus, run last (3 runs).
# Then the 10k cohort as OMOP CDM (--format omop), with and without a
# vocabulary, and the OHDSI vocabulary loader on a synthetic 5,000,000-concept Athena
# download (see its section; VOCAB_N sets the size, 0 skips it).  Last, the
# EHR reader on every source kind (see its section; EHR_N sets the cohort
# size, 0 skips it).  Last, `vitae learn` on a censored 100,000-patient OMOP
# extract (LEARN_N sets the size, 0 skips it): measurement and fit seconds,
# peak memory.  Last, `vitae eval` of a 100,000-patient cohort against
# 10,000 real stand-ins (EVAL_N, EVAL_REAL; 0 skips it).  Last, `vitae check`
# on the default modules and Synthea's corpus, and `vitae graph`.
# Takes about twenty minutes, five of them the learner's section.

VITAE=${VITAE:-./vitae}
BUILD=${BUILD:-build}
RAW="$BUILD/bench/raw_insert"
TMP=bench/tmp
SEED=1

die() { echo "bench: $*" >&2; exit 1; }

[ -x "$VITAE" ] || die "no vitae binary at $VITAE (run make first)"
[ -x "$RAW" ] || die "no $RAW (run make bench)"
rm -rf "$TMP"
mkdir -p "$TMP" || die "cannot create $TMP"

# field NAME LINE -- value of NAME=value in a summary line.
field() { printf '%s\n' "$2" | sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

# median_line FILE COLUMN -- the line of FILE whose numeric COLUMN is the median.
median_line() { sort -g -k "$2" "$1" | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'; }

# run_vitae N RUNS -- run vitae RUNS times for N patients; prints the median
# summary line (by seconds).  The cohort is left at $TMP/cN.db.
run_vitae() {
  n=$1; runs=$2; out="$TMP/summaries.$n"; : > "$out"
  i=1
  while [ "$i" -le "$runs" ]; do
    log="$TMP/vitae.$n.$i.log"
    "$VITAE" run -p "$n" -s "$SEED" -o "$TMP/c$n.db" -q > "$log" 2>&1 ||
      { cat "$log" >&2; die "vitae run -p $n failed (log: $log)"; }
    line=$(grep '^summary:' "$log" | tail -n 1)
    [ -n "$line" ] || { cat "$log" >&2; die "vitae run -p $n printed no summary line"; }
    secs=$(field seconds "$line")
    [ -n "$secs" ] || die "no seconds= in: $line"
    printf '%s %s\n' "$secs" "$line" >> "$out"
    echo "  vitae -p $n run $i: $(field rows_per_s "$line") rows/s, $secs s" >&2
    i=$((i + 1))
  done
  median_line "$out" 1 | cut -d' ' -f2-
}

echo "bench: vitae run -p 1000 (3 runs)" >&2
s1k=$(run_vitae 1000 3) || exit 1
echo "bench: vitae run -p 10000 (1 run)" >&2
s10k=$(run_vitae 10000 1) || exit 1
extra=""
for n in $BENCH_EXTRA; do
  echo "bench: vitae run -p $n (1 run)" >&2
  s=$(run_vitae "$n" 1) || exit 1
  extra="$extra
$n $s"
done

echo "bench: raw_insert on the 10k cohort (3 runs)" >&2
: > "$TMP/raw"
i=1
while [ "$i" -le 3 ]; do
  "$RAW" "$TMP/c10000.db" > "$TMP/raw.$i.log" 2>&1 || { cat "$TMP/raw.$i.log" >&2; die "raw_insert failed"; }
  rline=$(grep '^raw_rows=' "$TMP/raw.$i.log")
  iline=$(grep '^raw_index_seconds=' "$TMP/raw.$i.log")
  rps=$(printf ' %s\n' "$rline" | sed -n 's/.* raw_rows_per_s=\([^ ]*\).*/\1/p')
  rsec=$(printf ' %s\n' "$rline" | sed -n 's/.* raw_seconds=\([^ ]*\).*/\1/p')
  rrows=$(printf ' %s\n' "$rline" | sed -n 's/.* raw_rows=\([^ ]*\).*/\1/p')
  isec=${iline#raw_index_seconds=}
  { [ -n "$rps" ] && [ -n "$isec" ]; } || die "raw_insert printed no figures (see $TMP/raw.$i.log)"
  echo "$rps $rsec $rrows $isec" >> "$TMP/raw"
  echo "  raw_insert run $i: $rps rows/s, index $isec s" >&2
  i=$((i + 1))
done
raw=$(median_line "$TMP/raw" 1)
# shellcheck disable=SC2086  # split the four figures into $1..$4
set -- $raw
raw_rps=$1; raw_sec=$2; raw_rows=$3; raw_isec=$4

# row SIZE LINE -- one table row from a summary line.
row() {
  awk -v n="$1" -v pps="$(field patients_per_s "$2")" -v rps="$(field rows_per_s "$2")" \
      -v kb="$(field peak_rss_kb "$2")" -v rows="$(field rows "$2")" -v s="$(field seconds "$2")" \
      'BEGIN { printf "%-10s %12.0f %12.0f %10.1f %12d %9.2f\n", n, pps, rps, kb / 1024, rows, s }'
}

echo
printf '%-10s %12s %12s %10s %12s %9s\n' patients patients/s rows/s "peak MB" rows seconds
row 1000 "$s1k"
row 10000 "$s10k"
printf '%s\n' "$extra" | while read -r n s; do [ -n "$n" ] && row "$n" "$s"; done
echo
awk -v raw="$raw_rps" -v rsec="$raw_sec" -v rrows="$raw_rows" -v isec="$raw_isec" \
    -v v="$(field rows_per_s "$s10k")" -v m1="$(field peak_rss_kb "$s1k")" -v m10="$(field peak_rss_kb "$s10k")" '
BEGIN {
  both = (rsec + isec > 0) ? rrows / (rsec + isec) : 0
  ratio = (raw > 0) ? v / raw : 0
  ratio2 = (both > 0) ? v / both : 0
  mem = (m1 > 0) ? m10 / m1 : 0
  verdict = (ratio >= 0.5) ? "met" : "NOT met"
  printf "raw SQLite insert (10k cohort, median of 3): %.0f rows/s (%d rows in %.2f s), index build %.2f s\n", raw, rrows, rsec, isec
  printf "raw SQLite insert + index build:             %.0f rows/s\n", both
  printf "vitae rows/s / raw rows/s (10k):             %.2f  (target >= 0.50: %s)\n", ratio, verdict
  printf "vitae rows/s / raw insert+index rows/s:      %.2f\n", ratio2
  printf "peak memory 10k / 1k:                        %.2f\n", mem
}'

# ---- OMOP CDM output ------------------------------------------------------
# The same 10,000-patient cohort written as OMOP CDM 5.4 (`--format omop`),
# once without a vocabulary and once with Eunomia's vocabulary subset when
# VITAE_SHARED has it: rows/s beside the native format's.
omop_run() {   # omop_run LABEL ARGS... -- prints the summary line
  shift
  log="$TMP/omop.log"
  "$VITAE" run -p 10000 -s "$SEED" --format omop -o "$TMP/omop.db" -q "$@" > "$log" 2>&1 ||
    { cat "$log" >&2; die "vitae run --format omop $* failed (log: $log)"; }
  grep '^summary:' "$log" | tail -n 1
}
echo "bench: vitae run -p 10000 --format omop (1 run each)" >&2
o_plain=$(omop_run plain) || exit 1
VOCAB_DIR="${VITAE_SHARED:-$(cd .. && pwd)/shared}/data/vocab"
o_vocab=""
[ -f "$VOCAB_DIR/CONCEPT.csv" ] && { o_vocab=$(omop_run vocab --vocab "$VOCAB_DIR") || exit 1; }
rm -f "$TMP/omop.db"
echo
printf '%-30s %12s %12s %10s %12s\n' "10,000 patients" patients/s rows/s "peak MB" rows
orow() {
  awk -v n="$1" -v pps="$(field patients_per_s "$2")" -v rps="$(field rows_per_s "$2")" \
      -v kb="$(field peak_rss_kb "$2")" -v rows="$(field rows "$2")" \
      'BEGIN { printf "%-30s %12.0f %12.0f %10.1f %12d\n", n, pps, rps, kb / 1024, rows }'
}
orow "native" "$s10k"
orow "OMOP, no vocabulary" "$o_plain"
[ -n "$o_vocab" ] && orow "OMOP, Eunomia vocabulary" "$o_vocab"
awk -v o="$(field rows_per_s "$o_plain")" -v n="$(field rows_per_s "$s10k")" -v raw="$raw_rps" \
  'BEGIN { printf "OMOP rows/s / native rows/s: %.2f; OMOP rows/s / raw rows/s: %.2f\n", (n > 0) ? o / n : 0, (raw > 0) ? o / raw : 0 }'

# ---- Synthea's whole module corpus --------------------------------------
# `vitae run -m SHARED/synthea/modules -p 1000`, three runs, the median by
# seconds: patients/s, rows/s and rows/s against the raw SQLite insert rate
# measured above.  Skipped, with the reason, when the corpus is not there
# (VITAE_SHARED, default ../shared) or a run fails.
CORPUS="${VITAE_SHARED:-$(cd .. && pwd)/shared}/synthea/modules"
corpus_line=""
corpus_skip=""
if [ ! -d "$CORPUS" ]; then
  corpus_skip="corpus not found at $CORPUS"
else
  echo "bench: vitae run -m $CORPUS -p 1000 (3 runs)" >&2
  : > "$TMP/summaries.corpus"
  i=1
  while [ "$i" -le 3 ]; do
    log="$TMP/corpus.$i.log"
    if ! "$VITAE" run -m "$CORPUS" -p 1000 -s "$SEED" -o "$TMP/corpus.db" -q > "$log" 2>&1; then
      corpus_skip="the run failed: $(grep '^vitae:' "$log" | head -n 1)"
      break
    fi
    line=$(grep '^summary:' "$log" | tail -n 1)
    if [ -z "$line" ]; then corpus_skip="the run printed no summary line (log: $log)"; break; fi
    printf '%s %s\n' "$(field seconds "$line")" "$line" >> "$TMP/summaries.corpus"
    echo "  corpus run $i: $(field rows_per_s "$line") rows/s, $(field seconds "$line") s" >&2
    i=$((i + 1))
  done
  [ -n "$corpus_skip" ] || corpus_line=$(median_line "$TMP/summaries.corpus" 1 | cut -d' ' -f2-)
  rm -f "$TMP/corpus.db"
fi
echo
if [ -n "$corpus_line" ]; then
  nfiles=$(find "$CORPUS" -name '*.json' -o -name '*.lua' | wc -l | tr -d ' ')
  awk -v n="$nfiles" -v raw="$raw_rps" -v pps="$(field patients_per_s "$corpus_line")" \
      -v rps="$(field rows_per_s "$corpus_line")" -v rows="$(field rows "$corpus_line")" \
      -v s="$(field seconds "$corpus_line")" -v kb="$(field peak_rss_kb "$corpus_line")" '
  BEGIN {
    printf "Synthea corpus (%d module files), 1000 patients, median of 3:\n", n
    printf "  %.0f patients/s, %.0f rows/s (%d rows in %.2f s, peak %.1f MB)\n", pps, rps, rows, s, kb / 1024
    printf "  vitae rows/s / raw rows/s (corpus):         %.2f\n", (raw > 0) ? rps / raw : 0
  }'
else
  echo "Synthea corpus: skipped ($corpus_skip)"
fi

# ---- OHDSI vocabulary: vt_vocab_load on a large download -----------------
# bench/gen_vocab writes a synthetic Athena download of VOCAB_N concepts
# (default 5,000,000: a CONCEPT.csv of about 640 MB and a
# CONCEPT_RELATIONSHIP.csv of about 415 MB) once into a temporary folder
# under VOCAB_TMP (default ${TMPDIR:-/tmp}).  bench/vocab_load then times
# vt_vocab_load with 2,000 wanted codes on CONCEPT.csv alone, three runs
# with the page cache warm and three with the files dropped from it first
# (--cold: read from the disk, as a first load of a download is), medians
# by seconds; then one warm run with the relationships as well (their "Maps
# to" targets are fetched by a second, id-only pass over CONCEPT.csv).
# Each run also times a plain read(2) of CONCEPT.csv, the yardstick of the
# target: a load well under the time to read the file twice (taken as
# load / (2 x read) < 0.75), with peak memory a few MB over the program
# before the load whatever VOCAB_N.  Skipped, with the reason, when
# VOCAB_N=0 or when the disk has less than 1.5 times the room the files
# take.  KEEP=1 keeps the folder.
VOCAB_N=${VOCAB_N:-5000000}
GEN="$BUILD/bench/gen_vocab"
VLOAD="$BUILD/bench/vocab_load"
vocab_skip=""
VDIR=""

# vocab_run OUT ARGS... -- one vocab_load run; appends "vocab_seconds
# read_seconds peak_kb baseline_kb found standard kept" to OUT.
vocab_run() {
  out=$1; shift
  log="$VDIR/vocab_load.log"
  "$VLOAD" "$@" > "$log" 2>&1 || { vocab_skip="vocab_load $* failed: $(tail -n 1 "$log")"; return 1; }
  r=$(grep '^read_seconds=' "$log")
  l=$(grep '^vocab_seconds=' "$log")
  { [ -n "$r" ] && [ -n "$l" ]; } || { vocab_skip="vocab_load printed no figures (see $log)"; return 1; }
  printf '%s %s %s %s %s %s %s\n' "$(field vocab_seconds " $l")" "$(field read_seconds " $r")" \
    "$(field peak_rss_kb " $l")" "$(field baseline_rss_kb " $l")" "$(field found " $l")" \
    "$(field standard " $l")" "$(field kept " $l")" >> "$out"
  echo "  vocab_load $*: $(field vocab_seconds " $l") s (read $(field read_seconds " $r") s)" >&2
}

if [ "$VOCAB_N" = 0 ]; then
  vocab_skip="VOCAB_N=0"
elif [ ! -x "$GEN" ] || [ ! -x "$VLOAD" ]; then
  vocab_skip="no $GEN or $VLOAD (run make bench)"
else
  vparent=${VOCAB_TMP:-${TMPDIR:-/tmp}}
  need_kb=$(awk -v n="$VOCAB_N" 'BEGIN { printf "%.0f", n * 230 * 1.5 / 1024 }')
  avail_kb=$(df -Pk "$vparent" 2>/dev/null | awk 'NR == 2 { print $4 }')
  if [ -z "$avail_kb" ] || [ "$avail_kb" -lt "$need_kb" ]; then
    vocab_skip="not enough disk space in $vparent (${avail_kb:-?} kB free, $need_kb kB wanted)"
  elif ! VDIR=$(mktemp -d "$vparent/vitae-vocab.XXXXXX"); then
    VDIR=""
    vocab_skip="cannot create a folder in $vparent"
  else
    echo "bench: gen_vocab $VOCAB_N concepts into $VDIR" >&2
    mkdir "$VDIR/full" "$VDIR/concept"
    if ! "$GEN" "$VDIR/full" "$VOCAB_N" --relationships > "$VDIR/gen.log" 2>&1; then
      vocab_skip="gen_vocab failed: $(tail -n 1 "$VDIR/gen.log")"
    else
      for f in CONCEPT.csv VOCABULARY.csv wanted.tsv; do ln -s "../full/$f" "$VDIR/concept/$f"; done
      echo "bench: vt_vocab_load on CONCEPT.csv (3 runs warm, 3 cold), with CONCEPT_RELATIONSHIP.csv (1 run)" >&2
      : > "$VDIR/runs.warm"
      : > "$VDIR/runs.cold"
      : > "$VDIR/runs.full"
      for i in 1 2 3; do
        vocab_run "$VDIR/runs.warm" "$VDIR/concept" || break
        vocab_run "$VDIR/runs.cold" --cold "$VDIR/concept" || break
      done
      [ -n "$vocab_skip" ] || vocab_run "$VDIR/runs.full" "$VDIR/full"
    fi
  fi
fi
echo
if [ -z "$vocab_skip" ]; then
  cbytes=$(wc -c < "$VDIR/full/CONCEPT.csv" | tr -d ' ')
  rbytes=$(wc -c < "$VDIR/full/CONCEPT_RELATIONSHIP.csv" | tr -d ' ')
  rrows=$(($(wc -l < "$VDIR/full/CONCEPT_RELATIONSHIP.csv") - 1))
  nwanted=$(wc -l < "$VDIR/full/wanted.tsv" | tr -d ' ')
  awk -v n="$VOCAB_N" -v cb="$cbytes" -v rb="$rbytes" -v rr="$rrows" -v w="$nwanted" \
      -v warm="$(median_line "$VDIR/runs.warm" 1)" -v cold="$(median_line "$VDIR/runs.cold" 1)" \
      -v full="$(cat "$VDIR/runs.full")" '
  function row(label, line,   a) {
    split(line, a, " ")
    ratio = a[1] / (2 * a[2])
    printf "  %-24s %8.2f %8.2f %10.2f %9.1f %+9.1f\n", label, a[1], a[2], ratio, a[3] / 1024, (a[3] - a[4]) / 1024
    return ratio
  }
  BEGIN {
    printf "OHDSI vocabulary: %d concepts (CONCEPT.csv %.0f MB), %d wanted codes; median of 3 runs\n", n, cb / 1048576, w
    printf "  %-24s %8s %8s %10s %9s %9s\n", "CONCEPT.csv only", "load s", "read s", "load/2read", "peak MB", "+MB"
    rw = row("page cache warm", warm)
    rc = row("page cache cold (disk)", cold)
    split(warm, a, " ")
    printf "  %d found, %d with a standard concept, %d concepts kept\n", a[5], a[6], a[7]
    printf "  target, load under reading the file twice (load/2read < 0.75): cold %s, warm %s\n",
           rc < 0.75 ? "met" : "NOT met", rw < 0.75 ? "met" : "NOT met"
    split(full, b, " ")
    printf "  with CONCEPT_RELATIONSHIP.csv (%.0f MB, %d rows), warm, 1 run: %.2f s, peak %.1f MB (%+.1f MB); %d with a standard concept, %d kept\n",
           rb / 1048576, rr, b[1], b[3] / 1024, (b[3] - b[4]) / 1024, b[6], b[7]
  }'
else
  echo "OHDSI vocabulary: skipped ($vocab_skip)"
fi
if [ -n "$VDIR" ] && [ -d "$VDIR" ]; then
  if [ "${KEEP:-0}" = 1 ]; then echo "  (vocabulary kept in $VDIR)"; else rm -rf "$VDIR"; fi
fi

# ---- The EHR reader (learn/ehr.h): persons/s and peak memory per source kind --
# bench/ehr_read streams a source (descriptions left out) and prints
# persons/s, events/s and its peak RSS.  A cohort of EHR_N patients (default
# 20,000; 0 skips the section; 100,000 takes about 6 minutes per format to
# generate on 2 cores) is generated once as native (vitae:) and once as OMOP
# (omop:), with a fixed reference date; the CSV kinds are made from its first
# EHR_CSV_N patients (default 2,000): synthea-csv: by exporting the native
# tables (they have Synthea's column names), omop-csv: by exporting the OMOP
# tables, events: by ehr_read --events-csv.  Then the real extracts of
# VITAE_SHARED when there.  Memory is flat when the peak RSS of a read of
# all EHR_N persons is that of a read of the first tenth (--max).
EHR_N=${EHR_N:-20000}
EHR_CSV_N=${EHR_CSV_N:-2000}
EREAD="$BUILD/bench/ehr_read"
SHARED_DATA="${VITAE_SHARED:-$(cd .. && pwd)/shared}/data"
echo
if [ "$EHR_N" = 0 ]; then
  echo "EHR reader: skipped (EHR_N=0)"
elif [ ! -x "$EREAD" ]; then
  echo "EHR reader: skipped (no $EREAD: run make bench)"
else
  E="$TMP/ehr"
  mkdir -p "$E" || die "cannot create $E"
  for fmt in native omop; do
    echo "bench: vitae run -p $EHR_N --format $fmt (the EHR reader's cohort)" >&2
    "$VITAE" run -p "$EHR_N" -s "$SEED" --reference-date 2025-06-30 --format "$fmt" -o "$E/$fmt.db" -q \
      > "$E/$fmt.log" 2>&1 || { cat "$E/$fmt.log" >&2; die "vitae run --format $fmt failed"; }
  done
  # the CSV kinds, from the first EHR_CSV_N patients
  mkdir -p "$E/synthea" "$E/omopcsv"
  sqlite3 -header -csv "$E/native.db" "SELECT * FROM patients WHERE id <= $EHR_CSV_N" > "$E/synthea/patients.csv"
  for t in encounters conditions medications procedures observations immunizations allergies careplans devices; do
    sqlite3 -header -csv "$E/native.db" "SELECT * FROM $t WHERE patient <= $EHR_CSV_N" > "$E/synthea/$t.csv"
    [ -s "$E/synthea/$t.csv" ] || rm -f "$E/synthea/$t.csv"   # no rows, no header: leave the file out
  done
  for t in person observation_period death visit_occurrence condition_occurrence drug_exposure procedure_occurrence \
           measurement observation device_exposure; do
    sqlite3 -header -csv "$E/omop.db" "SELECT * FROM $t WHERE person_id <= $EHR_CSV_N" > "$E/omopcsv/$t.csv"
    [ -s "$E/omopcsv/$t.csv" ] || rm -f "$E/omopcsv/$t.csv"
  done
  "$EREAD" --max "$EHR_CSV_N" --events-csv "$E/events.csv" "vitae:$E/native.db" > /dev/null 2>&1 ||
    echo "  (events: could not be written)" >&2
  # ehr_line LABEL SPEC [ARGS...] -- one table row, or a note of the failure
  ehr_line() {
    label=$1; src=$2; shift 2
    echo "bench: ehr_read $* $src" >&2
    if ! line=$("$EREAD" "$@" "$src" 2> "$E/err"); then
      printf '  %-44s failed: %s\n' "$label" "$(head -n 1 "$E/err")"
      return
    fi
    printf '%s\n' "$line" > "$E/last"
    awk -v l="$label" -v line=" $line" 'BEGIN {
      n = split(line, f, " "); for (i = 1; i <= n; i++) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
      printf "  %-44s %9d %10d %8.2f %12.0f %12.0f %9.1f\n", l, v["persons"], v["events"], v["seconds"],
             v["persons_per_s"], v["events_per_s"], v["peak_rss_kb"] / 1024 }'
  }
  peak() { sed -n 's/.*peak_rss_kb=\([0-9]*\).*/\1/p' "$E/last"; }
  tenth=$((EHR_N / 10))
  echo "EHR reader (bench/ehr_read, no descriptions): generated cohort of $EHR_N patients, CSV kinds of its first $EHR_CSV_N"
  printf '  %-44s %9s %10s %8s %12s %12s %9s\n' source persons events seconds persons/s events/s "peak MB"
  ehr_line "vitae: (native, first tenth)" "vitae:$E/native.db" --max "$tenth"; m1=$(peak)
  ehr_line "vitae: (native)" "vitae:$E/native.db"; m2=$(peak)
  ehr_line "omop: (vitae --format omop, first tenth)" "omop:$E/omop.db" --max "$tenth"; m3=$(peak)
  ehr_line "omop: (vitae --format omop)" "omop:$E/omop.db"; m4=$(peak)
  ehr_line "synthea-csv: (native tables as CSV)" "synthea-csv:$E/synthea"
  ehr_line "omop-csv: (OMOP tables as CSV)" "omop-csv:$E/omopcsv"
  ehr_line "events: (ehr_read --events-csv)" "events:$E/events.csv"
  [ -f "$SHARED_DATA/synpuf-10p/synpuf-10p.sqlite" ] && ehr_line "omop: SynPUF 10%" "omop:$SHARED_DATA/synpuf-10p/synpuf-10p.sqlite"
  [ -f "$SHARED_DATA/eunomia/GiBleed_5.3_partial.sqlite" ] &&
    ehr_line "omop: Eunomia GiBleed" "omop:$SHARED_DATA/eunomia/GiBleed_5.3_partial.sqlite"
  [ -d "$SHARED_DATA/eunomia/Synthea27Nj_5.4" ] && ehr_line "omop-csv: Eunomia Synthea27Nj" "omop-csv:$SHARED_DATA/eunomia/Synthea27Nj_5.4"
  [ -d "$SHARED_DATA/synthea-csv/unmc-crane_database-stats-lecture_111p" ] &&
    ehr_line "synthea-csv: 111-patient export" "synthea-csv:$SHARED_DATA/synthea-csv/unmc-crane_database-stats-lecture_111p"
  awk -v n="$EHR_N" -v t="$tenth" -v a="$m1" -v b="$m2" -v c="$m3" -v d="$m4" 'BEGIN {
    printf "  memory, peak RSS of %d persons / of %d: vitae: %.2f, omop: %.2f (flat: about 1)\n", n, t,
           (a > 0) ? b / a : 0, (c > 0) ? d / c : 0 }'
fi

# ---- vitae learn (docs/learn.md): time and peak memory on a censored extract --
# A LEARN_N-patient OMOP extract (default 100,000; 0 skips the section; about
# 3 minutes to generate on 2 cores) of the default modules with random
# observation windows, learned back at epsilon 1, delta 1e-6 with the
# default fit (--sim-patients 5000).  The figures come from vitae learn's
# own summary line: measurement (reading the source once), the fit
# (simulations), the whole command, and its peak RSS.  Goal (issue 10):
# measurement in seconds, the whole learn within 2 minutes.
LEARN_N=${LEARN_N:-100000}
echo
if [ "$LEARN_N" = 0 ]; then
  echo "vitae learn: skipped (LEARN_N=0)"
else
  L="$TMP/learn"
  mkdir -p "$L" || die "cannot create $L"
  echo "bench: vitae run -p $LEARN_N --format omop --observation random (the learner's extract)" >&2
  "$VITAE" run -p "$LEARN_N" -s "$SEED" --reference-date 2025-06-30 --format omop --observation random \
    -o "$L/ehr.db" -q > "$L/run.log" 2>&1 || { cat "$L/run.log" >&2; die "vitae run for the learner failed"; }
  echo "bench: vitae learn --from omop:ehr.db --epsilon 1" >&2
  "$VITAE" learn --from "omop:$L/ehr.db" --epsilon 1 --delta 1e-6 -o "$L/fit.yaml" -q > "$L/learn.log" 2>&1 ||
    { cat "$L/learn.log" >&2; die "vitae learn failed"; }
  line=$(grep '^summary:' "$L/learn.log")
  echo "vitae learn (default modules, OMOP extract of $LEARN_N patients, --observation random, epsilon 1):"
  printf '%s\n' "$line" | awk '{
    n = split($0, f, " "); for (i = 2; i <= n; i++) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
    printf "  measurement %8.1f s  %9.0f persons/s\n", v["measure_seconds"], v["persons"] / (v["measure_seconds"] > 0 ? v["measure_seconds"] : 1)
    printf "  fit         %8.1f s  %9d simulations\n", v["fit_seconds"], v["simulations"]
    printf "  whole learn %8.1f s  peak memory %.1f MB (goal: within 120 s)\n", v["seconds"], v["peak_rss_kb"] / 1024
    printf "  fitted      %d of %d params (lifecycle %d, modules %d)\n", v["fitted"], v["params"], v["lifecycle_fitted"], v["module_fitted"] }'
fi

# ---- vitae eval (docs/eval.md): 100,000 synthetic against 10,000 real ----
# An EVAL_N-patient synthetic cohort (default 100,000; 0 skips the section;
# about 2 minutes to generate) evaluated against EVAL_REAL real stand-ins
# (default 10,000: two cohorts of half that size from other seeds, one as
# the training data, one as the holdout): the whole `vitae eval` with its
# HTML and JSON reports, the seconds of each step (from the JSON's
# "seconds") and the peak RSS.  Goal (issue 11): within a few minutes;
# nearest neighbours are searched in a vantage-point tree, not by scanning.
EVAL_N=${EVAL_N:-100000}
EVAL_REAL=${EVAL_REAL:-10000}
echo
if [ "$EVAL_N" = 0 ]; then
  echo "vitae eval: skipped (EVAL_N=0)"
else
  V="$TMP/eval"
  mkdir -p "$V" || die "cannot create $V"
  half=$((EVAL_REAL / 2))
  echo "bench: vitae run -p $EVAL_N (the synthetic cohort), -p $half twice (training and holdout)" >&2
  "$VITAE" run -p "$EVAL_N" -s "$SEED" -o "$V/synth.db" -q > "$V/run.log" 2>&1 || { cat "$V/run.log" >&2; die "vitae run for eval failed"; }
  "$VITAE" run -p "$half" -s $((SEED + 1)) -o "$V/train.db" -q > "$V/run.log" 2>&1 || die "vitae run for eval failed"
  "$VITAE" run -p "$half" -s $((SEED + 2)) -o "$V/holdout.db" -q > "$V/run.log" 2>&1 || die "vitae run for eval failed"
  echo "bench: vitae eval --synth ($EVAL_N) --real ($half) --holdout ($half)" >&2
  "$VITAE" eval --synth "$V/synth.db" --real "$V/train.db" --holdout "$V/holdout.db" -o "$V/report.html" \
    --json "$V/report.json" > "$V/eval.log" 2>&1 || { cat "$V/eval.log" >&2; die "vitae eval failed"; }
  line=$(grep '^summary:' "$V/eval.log")
  J="$BUILD/tools/jsonget"
  echo "vitae eval ($EVAL_N synthetic against $half training + $half holdout, default modules):"
  if [ -x "$J" ]; then
    "$J" "$V/report.json" seconds.load seconds.fidelity seconds.utility seconds.privacy seconds.sanity | tr '\n' ' ' |
      awk '{ printf "  reading   %7.1f s\n  fidelity  %7.1f s\n  utility   %7.1f s\n  privacy   %7.1f s\n  sanity    %7.1f s\n", $1, $2, $3, $4, $5 }'
  fi
  printf '%s\n' "$line" | awk '{
    n = split($0, f, " "); for (i = 2; i <= n; i++) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
    printf "  whole eval %6.1f s  peak memory %.1f MB (goal: a few minutes)\n", v["seconds"], v["peak_rss_kb"] / 1024 }'
  printf '%s\n' "$line" | sed 's/^summary: /  verdicts: /; s/ synth=.*//'
fi


# ---- the author's tools (issue 12): vitae check and vitae graph -----------
# `vitae check` on the default modules and on Synthea's whole corpus (goal:
# about a second, so that it can run on every save), and `vitae graph` of
# one large corpus module; wall seconds, median of 5 runs each.
SHARED_DIR=${VITAE_SHARED:-../shared}
echo
echo "the author's tools (wall seconds, median of 5):"
# median5 CMD... -- run CMD five times (output discarded), print the median wall seconds
median5() {
  for _i in 1 2 3 4 5; do
    _t0=$(date +%s.%N); "$@" > /dev/null 2>&1; _t1=$(date +%s.%N)
    echo "$_t0 $_t1" | awk '{ printf "%.4f\n", $2 - $1 }'
  done | sort -g | sed -n 3p
}
printf '  vitae check modules/ (%s files)              %s s\n' "$(ls modules/*.lua | wc -l | tr -d ' ')" "$(median5 "$VITAE" check modules)"
if [ -d "$SHARED_DIR/synthea/modules" ]; then
  printf '  vitae check of Synthea'"'"'s corpus (242 files)   %s s (goal: about 1 s)\n' "$(median5 "$VITAE" check "$SHARED_DIR/synthea/modules")"
  printf '  vitae graph of Synthea'"'"'s wellness_encounters.json, DOT   %s s\n' \
    "$(median5 "$VITAE" graph "$SHARED_DIR/synthea/modules/wellness_encounters.json" -o "$TMP/graph.dot")"
else
  echo "  Synthea's corpus: skipped ($SHARED_DIR/synthea/modules not found)"
fi

[ "${KEEP:-0}" = 1 ] || rm -rf "$TMP"
