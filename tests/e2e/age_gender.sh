# age_gender.sh -- --age MIN-MAX and --gender restrict the cohort: every
# living patient has that sex and is MIN-MAX years old (completed years) at
# the reference date.
# shellcheck source=tests/e2e/lib/common.sh
. "${VITAE_ROOT:-.}/tests/e2e/lib/common.sh"

W=$(workdir age_gender)
need_sqlite3 "age and gender" || finish
REF=2020-01-01

# age_sql: a patient's age in completed years at $REF.
AGE="(CAST(strftime('%Y', '$REF') AS INTEGER) - CAST(strftime('%Y', birthdate) AS INTEGER)
      - (strftime('%m-%d', '$REF') < strftime('%m-%d', birthdate)))"

# cohort NAME LO HI SEX N: run, then check the living patients.
cohort() {
  _db="$W/$(printf '%s' "$1" | tr -c 'A-Za-z0-9' '_').db"; COHORT_DB=$_db; _lo=$2; _hi=$3; _sex=$4; _n=$5
  if [ "$_sex" = both ]; then
    vitae run -p "$_n" -s 21 --age "$_lo-$_hi" --reference-date $REF -m "$BASIC_MODULE" -o "$_db" -q
  else
    vitae run -p "$_n" -s 21 --age "$_lo-$_hi" --gender "$_sex" --reference-date $REF -m "$BASIC_MODULE" -o "$_db" -q
  fi
  check_status "$1: exits 0" 0 "$rc"
  [ "$rc" -eq 0 ] || return
  check_eq "$1: $_n patients" "$_n" "$(sql "$_db" "SELECT count(*) FROM patients")"
  _alive=$(sql "$_db" "SELECT count(*) FROM patients WHERE deathdate IS NULL")
  if [ "$_alive" -gt 0 ] 2>/dev/null; then ok "$1: some patients alive ($_alive)"; else notok "$1: some patients alive" "got '$_alive'"; fi
  check_zero "$1: every living patient aged $_lo-$_hi at $REF" "$_db" \
    "SELECT count(*) FROM patients WHERE deathdate IS NULL AND ($AGE < $_lo OR $AGE > $_hi)"
  case $_sex in
    F|f|female|Female) _letter=F ;;
    M|m|male|Male) _letter=M ;;
    *) _letter= ;;
  esac
  if [ -n "$_letter" ]; then
    check_zero "$1: every patient is $_letter" "$_db" "SELECT count(*) FROM patients WHERE gender IS NOT '$_letter'"
  fi
  check_zero "$1: nobody born after $REF" "$_db" "SELECT count(*) FROM patients WHERE birthdate > '$REF'"
  check_zero "$1: nobody dead after $REF" "$_db" "SELECT count(*) FROM patients WHERE deathdate > '$REF'"
  check_zero "$1: no encounter after $REF" "$_db" "SELECT count(*) FROM encounters WHERE substr(start, 1, 10) > '$REF'"
  check_zero "$1: no observation after $REF" "$_db" "SELECT count(*) FROM observations WHERE substr(date, 1, 10) > '$REF'"
}

cohort "--age 30-40 --gender F" 30 40 F 300
# The whole range is used, not only one end of it.
n=$(sql "$COHORT_DB" "SELECT count(DISTINCT $AGE) FROM patients WHERE deathdate IS NULL")
check_between "--age 30-40 --gender F: living patients spread over the ages" 9 11 "$n"

cohort "--age 65-70 --gender M" 65 70 M 200
cohort "--age 0-0" 0 0 both 100
cohort "--age 90-100 --gender female" 90 100 female 100

# Both sexes by default, in roughly even numbers.
vitae run -p 400 -s 22 --reference-date $REF -m "$BASIC_MODULE" -o "$W/both.db" -q
check_status "default gender: exits 0" 0 "$rc"
f=$(sql "$W/both.db" "SELECT round(100.0 * sum(gender = 'F') / count(*), 1) FROM patients")
check_between "default gender: percent female" 40 60 "$f"
check_zero "default gender: only M and F" "$W/both.db" "SELECT count(*) FROM patients WHERE gender NOT IN ('M', 'F')"

# The age range from a config file (mapping form), gender from a flag.
printf 'age: {min: 18, max: 25}\nreference_date: %s\n' "$REF" > "$W/age.yaml"
vitae run --config "$W/age.yaml" -p 100 -s 23 --gender M -m "$BASIC_MODULE" -o "$W/cfg.db" -q
check_status "age from a config file: exits 0" 0 "$rc"
check_zero "age from a config file: living patients aged 18-25" "$W/cfg.db" \
  "SELECT count(*) FROM patients WHERE deathdate IS NULL AND ($AGE < 18 OR $AGE > 25)"
check_zero "age from a config file: all male" "$W/cfg.db" "SELECT count(*) FROM patients WHERE gender IS NOT 'M'"

rm -rf "$W"
finish
