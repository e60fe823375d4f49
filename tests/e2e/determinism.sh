# determinism.sh -- one seed gives the same cohort whatever the number of
# threads (every table but run_info, row for row); patient i does not depend
# on how many patients the run has; different seeds give different cohorts.
# Checked with the fixture module, and with the default module set too when
# modules/ holds one.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir determinism)
need_sqlite3 "determinism" || finish
REF=2024-06-30

# run NAME SEED THREADS POPULATION: a cohort of the current set ($SET,
# modules $MODS, empty for the default set) into $W/$SET-NAME.db.
run() {
  if [ -n "$MODS" ]; then
    vitae run -p "$4" -s "$2" --threads "$3" --reference-date $REF -m "$MODS" -o "$W/$SET-$1.db" -q
  else
    vitae run -p "$4" -s "$2" --threads "$3" --reference-date $REF -o "$W/$SET-$1.db" -q
  fi
  check_status "$SET: run $1 (seed $2, $3 thread(s), $4 patients) exits 0" 0 "$rc"
  [ "$rc" -eq 0 ]
}

# dump NAME: every table but run_info, as SQL text, into $W/$SET-NAME.sql.
dump() {
  _db="$W/$SET-$1.db"
  _tables=$(sql "$_db" "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'run_info' ORDER BY name")
  : > "$W/$SET-$1.sql"
  for _t in $_tables; do
    sqlite3 -batch -readonly "$_db" ".dump '$_t'" >> "$W/$SET-$1.sql" 2>&1
  done
}

# same DESCRIPTION A B: the dumps of A and B are identical.
same() {
  if cmp -s "$W/$SET-$2.sql" "$W/$SET-$3.sql"; then ok "$SET: $1"
  else notok "$SET: $1" "$(diff "$W/$SET-$2.sql" "$W/$SET-$3.sql" | head -6)"; fi
}

# suite SET MODS N: the checks on one module set.
suite() {
  SET=$1; MODS=$2; N=$3
  if ! run t1 7 1 "$N"; then
    notok "$SET: determinism not checked, the first run failed" "$(tail -3 "$E2E_ERR")"
    return
  fi
  dump t1
  run t2 7 2 "$N" && dump t2
  run t3 7 3 "$N" && dump t3
  run t1b 7 1 "$N" && dump t1b

  _rows=$(grep -c '^INSERT' "$W/$SET-t1.sql")
  if [ "$_rows" -gt "$N" ]; then ok "$SET: the cohort has rows to compare ($_rows)"
  else notok "$SET: the cohort has rows to compare" "only $_rows"; fi
  same "seed 7: two runs with 1 thread are identical" t1 t1b
  same "seed 7: 1 and 2 threads give identical tables" t1 t2
  same "seed 7: 1 and 3 threads give identical tables" t1 t3

  for _k in seed population modules reference_date vitae_version; do
    _a=$(sql "$W/$SET-t1.db" "SELECT value FROM run_info WHERE key = '$_k'")
    _b=$(sql "$W/$SET-t3.db" "SELECT value FROM run_info WHERE key = '$_k'")
    if [ -n "$_a" ] && [ "$_a" = "$_b" ]; then ok "$SET: run_info.$_k is the same with 1 and 3 threads"
    else notok "$SET: run_info.$_k is the same with 1 and 3 threads" "1 thread: '$_a'" "3 threads: '$_b'"; fi
  done

  # Patient i is the same in a smaller run of the same seed (and so are the
  # ids numbered across the run, as the first patients are written first).
  _small=$((N / 3))
  if run small 7 2 "$_small"; then
    for _t in patients encounters conditions medications procedures observations; do
      _col=patient; [ "$_t" = patients ] && _col=id
      _q="SELECT * FROM $_t WHERE $_col <= $_small ORDER BY rowid"
      sql "$W/$SET-small.db" "$_q" > "$W/$SET-small_$_t.txt"
      sql "$W/$SET-t1.db" "$_q" > "$W/$SET-big_$_t.txt"
      if cmp -s "$W/$SET-small_$_t.txt" "$W/$SET-big_$_t.txt"; then
        ok "$SET: the first $_small patients' $_t are the same in runs of $_small and $N"
      else
        notok "$SET: the first $_small patients' $_t are the same in runs of $_small and $N" \
          "$(diff "$W/$SET-small_$_t.txt" "$W/$SET-big_$_t.txt" | head -4)"
      fi
    done
  fi

  # Different seeds differ.
  if run s8 8 2 "$N"; then
    dump s8
    if cmp -s "$W/$SET-t1.sql" "$W/$SET-s8.sql"; then notok "$SET: seeds 7 and 8 give different cohorts" "identical dumps"
    else ok "$SET: seeds 7 and 8 give different cohorts"; fi
    _d=$(sqlite3 -batch "$W/$SET-s8.db" "ATTACH '$W/$SET-t1.db' AS o;
      SELECT count(*) FROM patients p JOIN o.patients q ON q.id = p.id
       WHERE p.birthdate = q.birthdate AND p.first = q.first AND p.last = q.last" 2>&1)
    check_between "$SET: seeds 7 and 8, few patients alike (same birthdate and name)" 0 $((N / 20)) "$_d"
  fi
  rm -f "$W/$SET"-*
}

suite fixture "$BASIC_MODULE" 300
if have_default_modules; then
  suite default "" 200
else
  notok "default set: determinism" "modules/ holds no module: the default set is missing"
fi

rm -rf "$W"
finish
