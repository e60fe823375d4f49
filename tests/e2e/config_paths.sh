#!/bin/sh
# config_paths.sh -- `vitae run --config FILE`: a module or params path that
# the config file gives and that does not exist, is not readable or is not a
# module is reported as FILE:LINE:COL (libyaml's 0-based marks plus 1), exit
# status 2, before anything is simulated or written; a relative path is read
# from the current folder (as before), which the message says when the config
# file is elsewhere; a flag replacing the path makes the file's path unused
# and unchecked.  The error exits of `vitae run` (config, params, flags,
# modules) run under a leak checker (tests/e2e/lib/leaks.sh) and fail on a leak.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"
# shellcheck source=tests/e2e/lib/leaks.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/leaks.sh"

W=$(workdir config_paths)
C=tests/fixtures/config

# bad_path FIXTURE EXPECTED: the run stops with exit status 2 and EXPECTED on
# stderr, writing nothing.
bad_path() {
  vitae run --config "$C/$1" -p 3 -q -o "$W/out.db"
  check_status "$1: exit status 2" 2 "$rc"
  check_grep "$1: the path is cited by file:line:col" "vitae run: $C/$1:$2" "$E2E_ERR"
  check_no_file "$1: no database written" "$W/out.db"
}

bad_path bad_module_missing.yaml "5:5: modules: 'tests/fixtures/modules/no_such_module.lua' does not exist"
bad_path bad_module_scalar_missing.yaml "1:10: modules: 'tests/fixtures/no_such_folder' does not exist"
bad_path bad_module_not_module.yaml "4:5: modules: 'README.md' is not a module (expected a .lua or .json file, or a folder)"
bad_path bad_params_missing.yaml "3:9: params: '/nonexistent/vitae/params.yaml' does not exist"
bad_path bad_params_folder.yaml "1:9: params: 'tests/fixtures/params' is a folder, not a params file"

# A config file in another folder: its relative paths are still read from
# the current folder, and the message says so.
cat > "$W/study.yaml" <<YAML
population: 3
quiet: true
modules:
  - $BASIC_MODULE
  - basic.lua
YAML
cp "$BASIC_MODULE" "$W/basic.lua"
vitae run --config "$W/study.yaml" -o "$W/out.db"
check_status "a config elsewhere, a path relative to it: exit status 2" 2 "$rc"
check_grep "a config elsewhere: the path is cited, and where relative paths are read from" \
  "$W/study.yaml:5:5: modules: 'basic.lua' does not exist (a relative path is read from the current folder, not the config file's)" "$E2E_ERR"

# Flags replacing the file's paths: the file's missing paths are not used.
vitae run --config "$C/bad_module_missing.yaml" -m "$BASIC_MODULE" -p 3 -q -o "$W/flag.db"
check_status "-m replaces the file's missing module: the run goes on" 0 "$rc"
vitae run --config "$C/bad_params_missing.yaml" --params tests/fixtures/params/empty_params.yaml -m "$BASIC_MODULE" -p 3 -q -o "$W/flag2.db"
check_status "--params replaces the file's missing params file: the run goes on" 0 "$rc"
# A module path from a flag is still checked by the module loader.
vitae run -m tests/fixtures/modules/no_such_module.lua -p 3 -q -o "$W/out.db"
check_status "-m with a missing module: exit status 1" 1 "$rc"
check_grep "-m with a missing module: named" "tests/fixtures/modules/no_such_module.lua: No such file or directory" "$E2E_ERR"

# ---- no leak on the error exits of vitae run ---------------------------------

for f in bad_module_missing bad_module_not_module bad_params_missing bad_params_folder \
         bad_syntax bad_unknown_key bad_modules; do
  check_no_leak "config $f.yaml" 2 run --config "$C/$f.yaml" -p 3 -q -o "$W/out.db"
done
for f in bad_syntax bad_duplicate bad_nonscalar bad_missing; do
  check_no_leak "params $f.yaml" 2 run --params "tests/fixtures/params/$f.yaml" -m "$BASIC_MODULE" -p 3 -q -o "$W/out.db"
done
check_no_leak "a missing params file" 2 run --params "$W/none.yaml" -m "$BASIC_MODULE" -p 3 -q -o "$W/out.db"
check_no_leak "a missing config file" 2 run --config "$W/none.yaml"
check_no_leak "a bad flag after --config" 2 run --config "$W/study.yaml" --seed x
check_no_leak "an unknown option" 2 run -m "$BASIC_MODULE" --populaton 5
check_no_leak "-m with a missing module" 1 run -m tests/fixtures/modules/no_such_module.lua -p 3 -q -o "$W/out.db"
check_no_leak "-m with a file that is not a module" 1 run -m README.md -p 3 -q -o "$W/out.db"
check_no_leak "a module that does not compile" 1 run -m tests/fixtures/gmf_bad -p 3 -q -o "$W/out.db"
check_no_leak "an output path that is a folder" 1 run -m "$BASIC_MODULE" -p 3 -q -o "$W"

rm -rf "$W"
finish
