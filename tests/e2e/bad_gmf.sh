# bad_gmf.sh -- a faulty Synthea GMF JSON module (a missing transition
# target, an unknown state type, a field of the wrong type, malformed JSON, a
# lookup table that is missing or malformed, a bad expression, a missing
# submodule, an End state naming the wrong kind of state) stops the run with
# status 1 and a message naming the file, the line, the state and the field;
# no database, not even a partial file, is left at -o.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir bad_gmf)
BAD="$VITAE_ROOT/tests/fixtures/gmf_bad"

# bad NAME DESCRIPTION [PATTERN...]: run tests/fixtures/gmf_bad/NAME.json;
# expect status 1, every PATTERN (fixed strings) in the message, no database
# and no partial file.
bad() {
  _name=$1; _desc=$2; shift 2
  _db="$W/$_name.db"
  rm -f "$_db"
  vitae run -p 20 -s 1 -m "$BAD/$_name.json" -o "$_db" -q
  check_status "$_desc: exits 1" 1 "$rc"
  for _p in "$@"; do check_grep "$_desc: the message names $_p" "$_p" "$E2E_ERR"; done
  check_no_file "$_desc: no database at -o" "$_db"
  check_no_partial "$_desc: no partial file at -o" "$_db"
}

bad missing_target "a missing transition target" "missing_target.json:4:" "state 'Initial'" "direct_transition" "'Nowhere'"
bad unknown_type "an unknown state type" "unknown_type.json:5:" "state 'Wait'" "'Dilay'"
bad wrong_field_type "a field of the wrong type" "wrong_field_type.json:5:" "state 'Wait'" "field 'exact'"
bad malformed "malformed JSON" "malformed.json:5:39:" "trailing comma"
bad missing_table "a missing lookup table" "missing_table.json:5:" "state 'Pick'" "no_such_table.csv"
bad malformed_table "a malformed lookup table" "malformed_table.json:5:" "state 'Pick'" "malformed.csv:3:"
bad bad_expression "an expression with a syntax error" "bad_expression.json:5:" "state 'Set'" "expression"
bad missing_submodule "a missing submodule" "missing_submodule.json:5:" "state 'Call'" "medications/nothing_here"
bad wrong_end_reference "a ConditionEnd naming an Encounter state" "wrong_end_reference.json:6:" "state 'Cure'" "condition_onset" "'Visit'"

finish
