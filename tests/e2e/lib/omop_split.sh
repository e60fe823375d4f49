# omop_split.sh -- split an OMOP CDM SQLite database by person into a
# training part and a holdout part (sourced by tests/e2e/eval_real.sh and
# bench/eval_gibleed.sh).  A person goes to the holdout when
# (person_id * 2654435761) % 1000 < HOLDOUT_PERMILLE (a fixed hash of the id:
# the same split every time); every table with a person_id column keeps
# only its part's rows, the vocabulary tables stay whole.
#
#   omop_split SRC TRAIN HOLDOUT [HOLDOUT_PERMILLE]   (default 500)
# Returns non-zero (with sqlite3's message) when a step fails.
omop_split() {
  _src=$1 _train=$2 _hold=$3 _pm=${4:-500}
  rm -f "$_train" "$_hold"
  cp "$_src" "$_train" && cp "$_src" "$_hold" || return 1
  _tables=$(sqlite3 -batch "$_src" "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c
                                     WHERE m.type = 'table' AND c.name = 'person_id'") || return 1
  for _db in "$_train" "$_hold"; do
    if [ "$_db" = "$_train" ]; then _keep=">="; else _keep="<"; fi
    {
      echo "BEGIN;"
      for _t in $_tables; do
        echo "DELETE FROM \"$_t\" WHERE NOT ((person_id * 2654435761) % 1000 $_keep $_pm);"
      done
      echo "COMMIT;"
      echo "VACUUM;"
    } | sqlite3 -batch -bail "$_db" || return 1
  done
}
