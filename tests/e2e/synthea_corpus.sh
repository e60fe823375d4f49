# synthea_corpus.sh -- Synthea's whole module corpus (../shared/synthea/
# modules: 85 modules, 157 submodules in subfolders, lookup tables) runs
# unchanged: one 1,000-patient cohort with no error and no warning other
# than the documented Physiology one; the same rows with 1 and 2 threads;
# every module file is in module_states; the database is consistent.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

CORPUS="$VITAE_SHARED/synthea/modules"
if [ ! -d "$CORPUS" ]; then
  skip "Synthea's module corpus" "not found at $CORPUS"
  finish
fi
need_sqlite3 "Synthea's module corpus" || finish
W=$(workdir synthea_corpus)

vitae run -p 1000 -s 1 --threads 1 -m "$CORPUS" -o "$W/one.db" -q
check_status "the whole corpus runs for 1,000 patients" 0 "$rc"
if grep -v "Physiology states are no-ops" "$E2E_ERR" | grep -q .; then
  notok "no warning other than Physiology's" "$(grep -v 'Physiology states are no-ops' "$E2E_ERR" | head -5)"
else
  ok "no warning other than Physiology's"
fi
check_eq "the Physiology warning is said once" 1 "$(grep -c 'Physiology states are no-ops' "$E2E_ERR")"

files=$(find "$CORPUS" -name '*.json' -not -path '*/lookup_tables/*' | wc -l)
paths=$(sql "$W/one.db" "SELECT count(DISTINCT path) FROM module_states")
check_eq "every module file ($files) is loaded and listed in module_states" "$files" "$paths"
top=$(find "$CORPUS" -maxdepth 1 -name '*.json' | wc -l)
ran=$(sql "$W/one.db" "SELECT count(DISTINCT path) FROM module_states WHERE path NOT LIKE '%/%' AND state = 'Initial' AND patients = 1000")
check_eq "every top-level module ($top) starts for every patient" "$top" "$ran"
visited=$(sql "$W/one.db" "SELECT CAST(100.0 * sum(patients > 0) / count(*) AS INTEGER) FROM module_states")
check_between "most states are visited (%)" 60 100 "$visited"

for t in conditions medications procedures observations devices supplies imaging_studies careplans allergies; do
  n=$(sql "$W/one.db" "SELECT count(*) FROM $t")
  check_between "$t: the corpus writes rows" 1 100000000 "$n"
done
check_zero "rows start before death or the end, never after death" "$W/one.db" \
  "SELECT count(*) FROM conditions c JOIN patients p ON p.id = c.patient WHERE p.deathdate IS NOT NULL AND substr(c.start, 1, 10) > p.deathdate"
check_zero "stop is never before start" "$W/one.db" \
  "SELECT (SELECT count(*) FROM encounters WHERE stop < start) + (SELECT count(*) FROM conditions WHERE stop < start)
        + (SELECT count(*) FROM medications WHERE stop < start) + (SELECT count(*) FROM procedures WHERE stop < start)
        + (SELECT count(*) FROM devices WHERE stop < start)"
check_zero "every row's encounter exists" "$W/one.db" \
  "SELECT (SELECT count(*) FROM procedures x LEFT JOIN encounters e ON e.id = x.encounter WHERE x.encounter IS NOT NULL AND e.id IS NULL)
        + (SELECT count(*) FROM observations x LEFT JOIN encounters e ON e.id = x.encounter WHERE x.encounter IS NOT NULL AND e.id IS NULL)"

vitae run -p 1000 -s 1 --threads 2 -m "$CORPUS" -o "$W/two.db" -q
check_status "the corpus runs with 2 threads" 0 "$rc"
same=1
for t in patients encounters conditions medications observations procedures devices supplies imaging_studies careplans allergies module_states; do
  a=$(sql "$W/one.db" "SELECT * FROM $t" | cksum); b=$(sql "$W/two.db" "SELECT * FROM $t" | cksum)
  [ "$a" = "$b" ] || { same=0; notok "1 and 2 threads give the same $t"; }
done
[ $same -eq 1 ] && ok "1 and 2 threads give the same rows in every table"

rm -rf "$W"
finish
