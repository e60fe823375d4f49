# cli.sh -- the command line: help and version, usage errors (status 2, a
# message naming the flag), and the YAML run config (honoured, overridden by
# flags, errors naming file, line and key).
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir cli)

# ---- help and version ---------------------------------------------------
vitae --version
check_status "--version exits 0" 0 "$rc"
if grep -Eq '^vitae [0-9]+\.[0-9]+' "$E2E_OUT"; then ok "--version prints 'vitae X.Y.Z'"
else notok "--version prints 'vitae X.Y.Z'" "$(cat "$E2E_OUT" "$E2E_ERR")"; fi

vitae --help
check_status "--help exits 0" 0 "$rc"
check_grep "--help prints the usage" "usage: vitae" "$E2E_OUT"
check_grep "--help lists the run command" "run" "$E2E_OUT"

vitae run --help
check_status "run --help exits 0" 0 "$rc"
check_grep "run --help prints the usage" "usage: vitae run" "$E2E_OUT"
for f in --population --seed --modules --output --threads --reference-date --age --gender --params --config --quiet; do
  check_grep "run --help documents $f" "$f" "$E2E_OUT"
done

vitae
if [ "$rc" -eq 2 ]; then ok "no command exits 2"; else notok "no command exits 2" "status $rc"; fi

# ---- usage errors: status 2, the flag named, nothing written -------------
# usage_error DESCRIPTION NAME ARGS...: run ARGS, expect status 2, NAME in
# the message on stderr, and no database.
usage_error() {
  _desc=$1; _name=$2; shift 2
  rm -f "$W/never.db"
  vitae "$@"
  check_status "$_desc exits 2" 2 "$rc"
  check_grep "$_desc: the message names '$_name'" "$_name" "$E2E_ERR"
  check_no_file "$_desc: no database written" "$W/never.db"
}

usage_error "an unknown command" "frobnicate" frobnicate
usage_error "an unknown flag" "--frobnicate" run --frobnicate -m "$BASIC_MODULE" -o "$W/never.db"
usage_error "-p abc" "-p" run -p abc -m "$BASIC_MODULE" -o "$W/never.db"
check_grep "-p abc: the message quotes the value" "abc" "$E2E_ERR"
usage_error "-p 0" "-p" run -p 0 -m "$BASIC_MODULE" -o "$W/never.db"
usage_error "--population -5" "--population" run --population -5 -m "$BASIC_MODULE" -o "$W/never.db"
usage_error "--gender X" "--gender" run --gender X -m "$BASIC_MODULE" -o "$W/never.db"
usage_error "--age 50-20" "--age" run --age 50-20 -m "$BASIC_MODULE" -o "$W/never.db"
usage_error "--age 0-200" "--age" run --age 0-200 -m "$BASIC_MODULE" -o "$W/never.db"
usage_error "--reference-date 2023-02-30" "--reference-date" run --reference-date 2023-02-30 -m "$BASIC_MODULE" -o "$W/never.db"
usage_error "--threads 999" "--threads" run --threads 999 -m "$BASIC_MODULE" -o "$W/never.db"
usage_error "--seed with no value" "--seed" run -m "$BASIC_MODULE" -o "$W/never.db" --seed
usage_error "a misspelt flag" "--seed" run --seeds 3 -m "$BASIC_MODULE" -o "$W/never.db"

usage_error "--seed beyond 2^64-1" "--seed" run --seed 18446744073709551616 -m "$BASIC_MODULE" -o "$W/never.db"
usage_error "--reference-date 1970-01-01" "--reference-date" run --reference-date 1970-01-01 -m "$BASIC_MODULE" -o "$W/never.db"
usage_error "-m with no path" "-m" run -o "$W/never.db" -m

# Accepted forms: attached values, the largest seed, --threads auto.
for form in "-p3" "--population=3" "--seed=18446744073709551615" "--threads=auto" "--gender=female" "--age=0-120"; do
  rm -f "$W/forms.db"
  vitae run -p 3 "$form" -m "$BASIC_MODULE" -o "$W/forms.db" -q
  check_status "'$form' is accepted" 0 "$rc"
done

# The pointer to the help is given once, not repeated.
vitae run --frobnicate -m "$BASIC_MODULE" -o "$W/never.db"
n=$(grep -c "vitae run --help" "$E2E_ERR")
check_eq "an unknown flag: the help hint is printed once" 1 "$n"

# ---- the run config -----------------------------------------------------
need_sqlite3 "run config" || finish

cat > "$W/study.yaml" <<YAML
# e2e run config
population: 37
seed: 4242
modules:
  - "$BASIC_MODULE"
output: "$W/from_config.db"
threads: 2
reference_date: 2020-01-01
quiet: true
YAML
vitae run --config "$W/study.yaml"
check_status "a config file runs" 0 "$rc"
check_eq "config: population honoured" 37 "$(sql "$W/from_config.db" "SELECT count(*) FROM patients")"
check_eq "config: seed honoured" 4242 "$(sql "$W/from_config.db" "SELECT value FROM run_info WHERE key = 'seed'")"
check_eq "config: reference_date honoured" 2020-01-01 "$(sql "$W/from_config.db" "SELECT value FROM run_info WHERE key = 'reference_date'")"
check_zero "config: nobody born after the reference date" "$W/from_config.db" \
  "SELECT count(*) FROM patients WHERE birthdate > '2020-01-01'"

vitae run --config "$W/study.yaml" -p 11 --seed 5 -o "$W/overridden.db"
check_status "config plus flags runs" 0 "$rc"
check_eq "flags override config: population" 11 "$(sql "$W/overridden.db" "SELECT count(*) FROM patients")"
check_eq "flags override config: seed" 5 "$(sql "$W/overridden.db" "SELECT value FROM run_info WHERE key = 'seed'")"
check_eq "flags override config: the config's reference_date kept" 2020-01-01 \
  "$(sql "$W/overridden.db" "SELECT value FROM run_info WHERE key = 'reference_date'")"

# Flags before --config override it too.
rm -f "$W/before.db"
vitae run -p 9 -o "$W/before.db" --config "$W/study.yaml"
check_status "flags before --config: runs" 0 "$rc"
check_eq "flags before --config still override it" 9 "$(sql "$W/before.db" "SELECT count(*) FROM patients")"

# The effective configuration is recorded.
cfg=$(sql "$W/overridden.db" "SELECT value FROM run_info WHERE key = 'config'")
case $cfg in
  *"population: 11"*) ok "run_info.config records the effective population" ;;
  *) notok "run_info.config records the effective population" "$cfg" ;;
esac

# An unknown key: file, line and key named; status 2.
printf 'population: 5\nseed: 3\npopluation: 7\n' > "$W/unknown_key.yaml"
vitae run --config "$W/unknown_key.yaml" -m "$BASIC_MODULE" -o "$W/never.db"
check_status "config with an unknown key exits 2" 2 "$rc"
check_grep "unknown key: file and line named" "$W/unknown_key.yaml:3" "$E2E_ERR"
check_grep "unknown key: the key named" "popluation" "$E2E_ERR"
check_grep "unknown key: a suggestion" "did you mean 'population'" "$E2E_ERR"
check_no_file "unknown key: no database written" "$W/never.db"

# Malformed YAML: file and line named; status 2.
printf 'population: 5\nseed: [1, 2\noutput: x.db\n' > "$W/malformed.yaml"
vitae run --config "$W/malformed.yaml" -m "$BASIC_MODULE" -o "$W/never.db"
check_status "malformed YAML config exits 2" 2 "$rc"
if grep -Eq "$W/malformed.yaml:[0-9]+" "$E2E_ERR"; then ok "malformed YAML: file:line named"
else notok "malformed YAML: file:line named" "$(cat "$E2E_ERR")"; fi
check_no_file "malformed YAML: no database written" "$W/never.db"

# A bad value: the key and the value named.
printf 'population: abc\n' > "$W/bad_value.yaml"
vitae run --config "$W/bad_value.yaml" -m "$BASIC_MODULE" -o "$W/never.db"
check_status "config with a bad value exits 2" 2 "$rc"
check_grep "bad value: file:line named" "$W/bad_value.yaml:1" "$E2E_ERR"
check_grep "bad value: the key named" "population" "$E2E_ERR"

# The per-patient time budget of module code: a flag and a config key, both
# checked; a module slower than the budget stops the run naming module and state.
vitae run --module-time -1 -m "$BASIC_MODULE" -o "$W/never.db"
check_status "--module-time -1 exits 2" 2 "$rc"
check_grep "--module-time -1: the option named" "module-time" "$E2E_ERR"
printf 'module_time: forever\n' > "$W/bad_time.yaml"
vitae run --config "$W/bad_time.yaml" -m "$BASIC_MODULE" -o "$W/never.db"
check_status "config module_time: forever exits 2" 2 "$rc"
check_grep "config module_time: file:line named" "$W/bad_time.yaml:1" "$E2E_ERR"
cat > "$W/slow.lua" <<'EOF_LUA'
return { name = 'Slow', states = {
  Initial = { type = 'Initial', direct_transition = 'Wait' },
  Wait = { type = 'Guard', direct_transition = 'Terminal',
           allow = function(p) local x = 0 for i = 1, 200000 do x = x + i end return false end },
  Terminal = { type = 'Terminal' },
} }
EOF_LUA
printf 'module_time: 0.2\n' > "$W/time.yaml"
vitae run --config "$W/time.yaml" -m "$W/slow.lua" -p 2 -o "$W/never.db"
check_status "module_time: 0.2 stops a slow module (exit 1)" 1 "$rc"
check_grep "module_time: the module and state named" "module 'Slow', state 'Wait'" "$E2E_ERR"
check_grep "module_time: the limit named" "time limit" "$E2E_ERR"
check_no_file "module_time: no database written" "$W/never.db"
vitae run --module-time 0 -m "$BASIC_MODULE" -p 3 -o "$W/notime.db"
check_status "--module-time 0 (no limit) runs" 0 "$rc"

# A missing config file.
vitae run --config "$W/no_such.yaml" -m "$BASIC_MODULE" -o "$W/never.db"
check_status "a missing config file exits 2" 2 "$rc"
check_grep "missing config: the file named" "$W/no_such.yaml" "$E2E_ERR"

rm -rf "$W"
finish
