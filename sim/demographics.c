/*
** demographics.c -- who a patient is: sex and age from the US population,
** birth date, race and ethnicity, names, marital status, a Massachusetts
** address and birthplace, identifiers, education, household income and
** socioeconomic status (vt_demo_draw in lifetables.h).
**
** Every table below names its source.  The draw uses only the patient's
** generator and constant tables, so it is thread-safe and reproducible.
*/
#include "lifetables.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define MAX_AGE 100

/* ------------------------------------------------------------------ */
/* Age and sex                                                         */
/* ------------------------------------------------------------------ */

/* US resident population by 5-year age group (thousands) and the male
** share of each group.  Source: US Census Bureau, 2020 Census Demographic
** and Housing Characteristics File (DHC), table P12 (sex by age), rounded
** to 0.1 million; the rounding keeps the published totals: 331.4 million,
** 73.1 million under 18 and 55.8 million aged 65 and over.  Within a group
** every single year of age has the same weight; the open group 85+ is
** spread over 85..100 (100 meaning 100 and over) by the survivorship of
** the life table (vt_life_qx), as in a stationary population. */
static const struct { double thousands, male_share; } census_2020[18] = {
  { 19000, 0.511 }, /*  0-4  */   { 20200, 0.511 }, /*  5-9  */
  { 21300, 0.511 }, /* 10-14 */   { 21800, 0.512 }, /* 15-19 */
  { 21700, 0.511 }, /* 20-24 */   { 22500, 0.508 }, /* 25-29 */
  { 23000, 0.503 }, /* 30-34 */   { 22000, 0.500 }, /* 35-39 */
  { 21100, 0.498 }, /* 40-44 */   { 20000, 0.496 }, /* 45-49 */
  { 20800, 0.492 }, /* 50-54 */   { 21800, 0.487 }, /* 55-59 */
  { 20700, 0.481 }, /* 60-64 */   { 18000, 0.474 }, /* 65-69 */
  { 14600, 0.464 }, /* 70-74 */   { 10000, 0.450 }, /* 75-79 */
  {  6500, 0.428 }, /* 80-84 */   {  6700, 0.370 }, /* 85+   */
};

/* Population (thousands) of sex `sex` ('M' or 'F') at every age 0..100. */
static void age_weights(char sex, double w[MAX_AGE + 1]) {
  for (int a = 0; a < 85; a++) {
    double share = census_2020[a / 5].male_share;
    w[a] = census_2020[a / 5].thousands * (sex == 'M' ? share : 1.0 - share) / 5.0;
  }
  /* 85+: person-years lived at each age by a cohort reaching 85 */
  double person_years[MAX_AGE + 1 - 85], l = 1.0, total = 0.0;
  for (int a = 85; a <= MAX_AGE; a++) {
    double q = vt_life_qx(sex, a);
    double py = a < MAX_AGE ? l * (1.0 - q / 2.0) : l * (1.0 - q / 2.0) / q;
    person_years[a - 85] = py;
    total += py;
    l *= 1.0 - q;
  }
  double open = census_2020[17].thousands *
                (sex == 'M' ? census_2020[17].male_share : 1.0 - census_2020[17].male_share);
  for (int a = 85; a <= MAX_AGE; a++) w[a] = open * person_years[a - 85] / total;
}

double vt_demo_age_weight(char gender, int age) {
  if (age < 0 || age > MAX_AGE) return 0.0;
  double w[MAX_AGE + 1], total = 0.0;
  if (gender == 'M' || gender == 'F') {
    age_weights(gender, w);
    return w[age];
  }
  age_weights('M', w); total += w[age];
  age_weights('F', w); total += w[age];
  return total;
}

/* The days of birth [*lo, *hi] that give whole age `age` at `ref`
** (vt_time_age_years). */
static void birth_days(vt_time ref, int age, int64_t *lo, int64_t *hi) {
  int y, m, d;
  vt_civil_from_days(vt_time_day(ref), &y, &m, &d);
  int dh = d < vt_days_in_month(y - age, m) ? d : vt_days_in_month(y - age, m);
  int dl = d < vt_days_in_month(y - age - 1, m) ? d : vt_days_in_month(y - age - 1, m);
  *hi = vt_days_from_civil(y - age, m, dh);
  *lo = vt_days_from_civil(y - age - 1, m, dl) + 1;
  /* 29 February edges: move the bounds until the age is exact */
  while (*hi > *lo && vt_time_age_years(*hi * VT_MS_DAY, ref) < age) (*hi)--;
  while (*lo < *hi && vt_time_age_years(*lo * VT_MS_DAY, ref) > age) (*lo)++;
}

/* A uniform day in [lo, hi] at a uniform time of day, strictly before ref. */
static vt_time draw_between(vt_rng *rng, vt_time ref, int64_t lo, int64_t hi) {
  int64_t day = vt_rng_int(rng, lo, hi);
  vt_time t = day * VT_MS_DAY + vt_rng_int(rng, 0, VT_MS_DAY - 1);
  return t < ref ? t : ref - 1;
}

/* A birth time whose age (vt_time_age_years) at `ref` is `age`: a uniform
** day among the days that give that age, at a uniform time of day, and
** strictly before `ref`. */
static vt_time draw_birth(vt_rng *rng, vt_time ref, int age) {
  int64_t lo, hi;
  birth_days(ref, age, &lo, &hi);
  return draw_between(rng, ref, lo, hi);
}

/* The same, restricted to calendar year `year` (one of the two years that
** give `age` at `ref`). */
static vt_time draw_birth_in_year(vt_rng *rng, vt_time ref, int age, int year) {
  int64_t lo, hi;
  birth_days(ref, age, &lo, &hi);
  int64_t ylo = vt_days_from_civil(year, 1, 1), yhi = vt_days_from_civil(year, 12, 31);
  if (ylo > lo) lo = ylo;
  if (yhi < hi) hi = yhi;
  if (hi < lo) hi = lo;
  return draw_between(rng, ref, lo, hi);
}

/* The share of the birth days giving age `age` at `ref` that fall in the
** later of its two calendar years (ref's year - age). */
static double later_year_share(vt_time ref, int age) {
  int y, m, d;
  vt_civil_from_days(vt_time_day(ref), &y, &m, &d);
  double into = (double)(vt_days_from_civil(y - age, m, d) - vt_days_from_civil(y - age, 1, 1));
  double share = into / 365.2425;
  return share < 0.0 ? 0.0 : share > 1.0 ? 1.0 : share;
}

/* The decade index (0 .. VT_LC_NDECADES-1) of a birth year, or -1 outside. */
static int decade_of(int year) {
  int d = (year - VT_LC_FIRST_DECADE) / 10;
  return year < VT_LC_FIRST_DECADE || d >= VT_LC_NDECADES ? -1 : d;
}

void vt_demo_census_decades(vt_time reference, double out[VT_LC_NDECADES]) {
  int y, m, d;
  vt_civil_from_days(vt_time_day(reference), &y, &m, &d);
  double total = 0.0;
  for (int k = 0; k < VT_LC_NDECADES; k++) out[k] = 0.0;
  for (int a = 0; a <= MAX_AGE; a++) {
    double w = vt_demo_age_weight(0, a), f = later_year_share(reference, a);
    int d1 = decade_of(y - a), d0 = decade_of(y - a - 1);
    if (d1 >= 0) out[d1] += w * f;
    if (d0 >= 0) out[d0] += w * (1.0 - f);
    total += w;
  }
  for (int k = 0; k < VT_LC_NDECADES && total > 0.0; k++) out[k] /= total;
}

/* lifecycle.birth.*: reweight the (sex, age) weights w, split by the
** calendar year of birth into w2 (for each sex and age: [0] the earlier
** year, [1] the later one), so that each birth decade gets its share:
** lc->birth[d] where given, else its census share at ref, renormalised
** over the decades the age range reaches.  Ages keep their census shape
** within a decade. */
static void birth_decade_weights(const vt_lifecycle *lc, vt_time ref, const double *w, double *w2) {
  int y, m, d;
  vt_civil_from_days(vt_time_day(ref), &y, &m, &d);
  double have[VT_LC_NDECADES] = {0}, census[VT_LC_NDECADES], target[VT_LC_NDECADES], outside = 0.0, all = 0.0;
  vt_demo_census_decades(ref, census);
  for (int k = 0; k < 2 * (MAX_AGE + 1); k++) {
    int a = k % (MAX_AGE + 1);
    double f = later_year_share(ref, a);
    w2[2 * k] = w[k] * (1.0 - f);
    w2[2 * k + 1] = w[k] * f;
    for (int part = 0; part < 2; part++) {
      int dec = decade_of(y - a - 1 + part);
      if (dec >= 0) have[dec] += w2[2 * k + part];
      else outside += w2[2 * k + part];
      all += w2[2 * k + part];
    }
  }
  double sum = 0.0;
  for (int k = 0; k < VT_LC_NDECADES; k++) {
    target[k] = have[k] > 0.0 ? (lc->birth[k] >= 0.0 ? lc->birth[k] : census[k]) : 0.0;
    sum += target[k];
  }
  if (!(sum > 0.0) || !(all > 0.0)) return;   /* no decade reachable: the weights stay as they are */
  /* births outside the listed decades keep their weight's share */
  double inside = 1.0 - outside / all;
  for (int k = 0; k < 2 * (MAX_AGE + 1); k++) {
    int a = k % (MAX_AGE + 1);
    for (int part = 0; part < 2; part++) {
      int dec = decade_of(y - a - 1 + part);
      if (dec < 0) continue;
      w2[2 * k + part] *= target[dec] / sum * inside * all / have[dec];
    }
  }
}

/* ------------------------------------------------------------------ */
/* Race and ethnicity                                                  */
/* ------------------------------------------------------------------ */

/* US Census Bureau, 2020 Census Redistricting Data (P.L. 94-171), table P2
** (Hispanic or Latino, and not Hispanic or Latino by race), thousands:
** Hispanic 62,080 of 331,449 (18.7%).  Race alone; "Some Other Race" and
** "Two or More Races" are both "other".  Overall this gives white 61.6%,
** black 12.4%, asian 6.0%, native 1.1%, hawaiian 0.2%, other 18.6%. */
static const char *const race_names[6] = { "white", "black", "asian", "native", "hawaiian", "other" };
static const double race_hispanic[6]    = { 12580, 1163, 274, 1475, 66, 26225 + 20299 };
static const double race_nonhispanic[6] = { 191698, 39940, 19619, 2252, 623, 1690 + 13548 };
#define HISPANIC_SHARE (62080.0 / 331449.0)
enum { R_WHITE, R_BLACK, R_ASIAN, R_NATIVE, R_HAWAIIAN, R_OTHER };

void vt_demo_census_shares(double *female, double race[VT_LC_NRACE], double *hispanic) {
  if (female) {
    double f = 0.0, all = 0.0;
    for (int a = 0; a <= MAX_AGE; a++) {
      f += vt_demo_age_weight('F', a);
      all += vt_demo_age_weight(0, a);
    }
    *female = f / all;
  }
  if (race) {
    double total = 0.0;
    for (int r = 0; r < VT_LC_NRACE; r++) total += race_hispanic[r] + race_nonhispanic[r];
    for (int r = 0; r < VT_LC_NRACE; r++) race[r] = (race_hispanic[r] + race_nonhispanic[r]) / total;
  }
  if (hispanic) *hispanic = HISPANIC_SHARE;
}

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

/* Given names: the 20 most popular names of each birth decade, US Social
** Security Administration, "Top names over the last 100 years" (popular
** names by birth decade, from Social Security card applications), drawn
** with equal weight.  Decades before 1910 use the 1910s, after 2020 the
** 2020s (2020-2023 births). */
#define FIRST_DECADE 1910
#define NAMES_PER_DECADE 20
#define NDECADES 12
/* [0] the male names, [1] the female ones; a row per decade. */
static const char *const given_by_decade[2][NDECADES][NAMES_PER_DECADE] = {
 {
  /* 1910s */ { "John", "William", "James", "Robert", "Joseph", "George", "Charles", "Edward", "Frank", "Thomas",
                "Walter", "Harold", "Henry", "Paul", "Richard", "Raymond", "Albert", "Arthur", "Harry", "Donald" },
  /* 1920s */ { "Robert", "John", "James", "William", "Charles", "George", "Joseph", "Richard", "Edward", "Donald",
                "Thomas", "Frank", "Harold", "Paul", "Raymond", "Walter", "Jack", "Henry", "Kenneth", "Arthur" },
  /* 1930s */ { "Robert", "James", "John", "William", "Richard", "Charles", "Donald", "Thomas", "George", "Ronald",
                "Joseph", "David", "Edward", "Paul", "Kenneth", "Frank", "Raymond", "Jack", "Harold", "Billy" },
  /* 1940s */ { "James", "Robert", "John", "William", "Richard", "David", "Charles", "Thomas", "Michael", "Ronald",
                "Larry", "Donald", "Joseph", "Gary", "George", "Kenneth", "Paul", "Edward", "Jerry", "Dennis" },
  /* 1950s */ { "James", "Michael", "Robert", "John", "David", "William", "Richard", "Thomas", "Mark", "Charles",
                "Steven", "Gary", "Joseph", "Donald", "Ronald", "Kenneth", "Paul", "Larry", "Daniel", "Stephen" },
  /* 1960s */ { "Michael", "David", "John", "James", "Robert", "Mark", "William", "Richard", "Thomas", "Jeffrey",
                "Steven", "Joseph", "Timothy", "Kevin", "Scott", "Brian", "Charles", "Paul", "Daniel", "Christopher" },
  /* 1970s */ { "Michael", "Christopher", "Jason", "David", "James", "John", "Robert", "Brian", "William", "Matthew",
                "Joseph", "Daniel", "Kevin", "Eric", "Jeffrey", "Richard", "Scott", "Mark", "Steven", "Thomas" },
  /* 1980s */ { "Michael", "Christopher", "Matthew", "Joshua", "David", "James", "Daniel", "Robert", "John", "Joseph",
                "Jason", "Justin", "Andrew", "Ryan", "William", "Brian", "Brandon", "Jonathan", "Nicholas", "Anthony" },
  /* 1990s */ { "Michael", "Christopher", "Matthew", "Joshua", "Jacob", "Nicholas", "Andrew", "Daniel", "Tyler", "Joseph",
                "Brandon", "David", "James", "Ryan", "John", "Zachary", "Justin", "William", "Anthony", "Robert" },
  /* 2000s */ { "Jacob", "Michael", "Joshua", "Matthew", "Daniel", "Christopher", "Andrew", "Ethan", "Joseph", "William",
                "Anthony", "David", "Alexander", "Nicholas", "Ryan", "Tyler", "James", "John", "Jonathan", "Noah" },
  /* 2010s */ { "Noah", "Liam", "Jacob", "William", "Mason", "Ethan", "Michael", "Alexander", "James", "Elijah",
                "Benjamin", "Daniel", "Aiden", "Logan", "Jayden", "Matthew", "Lucas", "David", "Jackson", "Joseph" },
  /* 2020s */ { "Liam", "Noah", "Oliver", "Elijah", "James", "William", "Benjamin", "Lucas", "Henry", "Theodore",
                "Mateo", "Levi", "Sebastian", "Daniel", "Jack", "Michael", "Alexander", "Owen", "Asher", "Samuel" },
 }, {
  /* 1910s */ { "Mary", "Helen", "Dorothy", "Margaret", "Ruth", "Mildred", "Anna", "Elizabeth", "Frances", "Virginia",
                "Marie", "Evelyn", "Alice", "Florence", "Lillian", "Rose", "Irene", "Louise", "Edna", "Catherine" },
  /* 1920s */ { "Mary", "Dorothy", "Helen", "Betty", "Margaret", "Ruth", "Virginia", "Doris", "Mildred", "Frances",
                "Elizabeth", "Evelyn", "Anna", "Marie", "Alice", "Jean", "Shirley", "Barbara", "Irene", "Marjorie" },
  /* 1930s */ { "Mary", "Betty", "Barbara", "Shirley", "Patricia", "Dorothy", "Joan", "Margaret", "Nancy", "Helen",
                "Carol", "Joyce", "Doris", "Ruth", "Virginia", "Marilyn", "Elizabeth", "Jean", "Frances", "Dolores" },
  /* 1940s */ { "Mary", "Linda", "Barbara", "Patricia", "Carol", "Sandra", "Nancy", "Sharon", "Judith", "Susan",
                "Betty", "Carolyn", "Margaret", "Shirley", "Judy", "Karen", "Donna", "Kathleen", "Joyce", "Brenda" },
  /* 1950s */ { "Mary", "Linda", "Patricia", "Susan", "Deborah", "Barbara", "Debra", "Karen", "Nancy", "Donna",
                "Cynthia", "Sandra", "Pamela", "Sharon", "Kathleen", "Carol", "Diane", "Brenda", "Cheryl", "Janet" },
  /* 1960s */ { "Lisa", "Mary", "Susan", "Karen", "Kimberly", "Patricia", "Linda", "Donna", "Michelle", "Cynthia",
                "Sandra", "Deborah", "Tammy", "Pamela", "Lori", "Laura", "Elizabeth", "Julie", "Brenda", "Jennifer" },
  /* 1970s */ { "Jennifer", "Amy", "Melissa", "Michelle", "Kimberly", "Lisa", "Angela", "Heather", "Stephanie", "Nicole",
                "Jessica", "Elizabeth", "Rebecca", "Kelly", "Mary", "Christina", "Amanda", "Julie", "Sarah", "Laura" },
  /* 1980s */ { "Jessica", "Jennifer", "Amanda", "Ashley", "Sarah", "Stephanie", "Melissa", "Nicole", "Elizabeth", "Heather",
                "Tiffany", "Michelle", "Amber", "Megan", "Amy", "Rachel", "Kimberly", "Christina", "Lauren", "Crystal" },
  /* 1990s */ { "Jessica", "Ashley", "Emily", "Sarah", "Samantha", "Amanda", "Brittany", "Elizabeth", "Taylor", "Megan",
                "Hannah", "Kayla", "Lauren", "Stephanie", "Rachel", "Jennifer", "Nicole", "Alexis", "Victoria", "Amber" },
  /* 2000s */ { "Emily", "Madison", "Emma", "Olivia", "Hannah", "Abigail", "Isabella", "Samantha", "Elizabeth", "Ashley",
                "Alexis", "Sarah", "Sophia", "Alyssa", "Grace", "Ava", "Taylor", "Brianna", "Lauren", "Chloe" },
  /* 2010s */ { "Emma", "Olivia", "Sophia", "Isabella", "Ava", "Mia", "Abigail", "Emily", "Charlotte", "Madison",
                "Elizabeth", "Amelia", "Evelyn", "Ella", "Chloe", "Harper", "Avery", "Sofia", "Grace", "Addison" },
  /* 2020s */ { "Olivia", "Emma", "Charlotte", "Amelia", "Sophia", "Ava", "Isabella", "Mia", "Evelyn", "Harper",
                "Luna", "Camila", "Gianna", "Elizabeth", "Eleanor", "Ella", "Abigail", "Sofia", "Avery", "Scarlett" },
 },
};

/* Given names frequent among Hispanic Americans (a selection of the names
** with the highest Hispanic share among common first names in Tzioumis,
** "Demographic aspects of first names", Scientific Data 5:180025, 2018),
** equal weights, written without accents as in most US records.  A
** Hispanic person gets one of these with probability HISPANIC_GIVEN_SHARE
** (a modelling choice), otherwise a name of the birth decade. */
#define HISPANIC_GIVEN_SHARE 0.4
static const char *const male_hispanic[] = {
  "Jose", "Juan", "Luis", "Carlos", "Jesus", "Miguel", "Jorge", "Francisco", "Antonio", "Alejandro",
  "Manuel", "Pedro", "Ricardo", "Javier", "Fernando", "Roberto", "Rafael", "Raul", "Sergio", "Mario",
};
static const char *const female_hispanic[] = {
  "Maria", "Ana", "Rosa", "Carmen", "Guadalupe", "Juana", "Gloria", "Leticia", "Yolanda", "Claudia",
  "Veronica", "Alejandra", "Adriana", "Silvia", "Lucia", "Gabriela", "Marisol", "Esperanza", "Beatriz", "Isabel",
};

typedef struct weighted_name { const char *name; double weight; } weighted_name;

/* Surnames with their counts in thousands (approximate).  Source: US
** Census Bureau, "Frequently Occurring Surnames from the 2010 Census"
** (top 1000 list).  General list: the most frequent surnames without a
** Hispanic or Asian majority; Hispanic list: the most frequent surnames
** with a Hispanic majority (used for Hispanic persons). */
static const weighted_name surnames_general[] = {
  { "Smith", 2443 }, { "Johnson", 1933 }, { "Williams", 1625 }, { "Brown", 1437 }, { "Jones", 1425 },
  { "Miller", 1161 }, { "Davis", 1116 }, { "Wilson", 802 }, { "Anderson", 784 }, { "Thomas", 756 },
  { "Taylor", 751 }, { "Moore", 724 }, { "Jackson", 708 }, { "Martin", 703 }, { "Lee", 693 },
  { "Thompson", 665 }, { "White", 660 }, { "Harris", 624 }, { "Clark", 563 }, { "Lewis", 532 },
  { "Robinson", 530 }, { "Walker", 523 }, { "Young", 484 }, { "Allen", 483 }, { "King", 465 },
  { "Wright", 459 }, { "Scott", 440 }, { "Hill", 435 }, { "Green", 430 }, { "Adams", 428 },
  { "Nelson", 425 }, { "Baker", 420 }, { "Hall", 407 }, { "Campbell", 386 }, { "Mitchell", 384 },
  { "Carter", 377 }, { "Roberts", 377 }, { "Evans", 342 }, { "Phillips", 340 }, { "Turner", 335 },
  { "Parker", 331 }, { "Collins", 318 }, { "Edwards", 317 }, { "Stewart", 314 }, { "Morris", 304 },
  { "Murphy", 301 }, { "Cook", 299 }, { "Rogers", 295 }, { "Morgan", 277 }, { "Peterson", 275 },
  { "Cooper", 270 }, { "Reed", 268 }, { "Bailey", 268 }, { "Kelly", 265 }, { "Howard", 264 },
  { "Cox", 258 }, { "Ward", 256 }, { "Richardson", 253 }, { "Watson", 252 }, { "Brooks", 251 },
  { "Wood", 250 }, { "James", 249 }, { "Bennett", 247 }, { "Gray", 246 }, { "Hughes", 242 },
  { "Price", 240 }, { "Sanders", 239 }, { "Myers", 238 }, { "Long", 237 }, { "Ross", 235 },
  { "Foster", 233 }, { "Jenkins", 227 }, { "Powell", 226 }, { "Perry", 225 }, { "Russell", 224 },
  { "Sullivan", 223 }, { "Bell", 222 }, { "Coleman", 221 }, { "Butler", 220 }, { "Henderson", 219 },
  { "Barnes", 218 }, { "Fisher", 210 }, { "Graham", 200 }, { "Hamilton", 196 }, { "Wallace", 195 },
  { "Cole", 194 }, { "West", 193 }, { "Ford", 192 }, { "Marshall", 190 }, { "Owens", 189 },
  { "McDonald", 187 }, { "Kennedy", 185 }, { "Wells", 183 }, { "Murray", 182 }, { "Ryan", 171 },
  { "O'Brien", 120 }, { "Walsh", 117 },
};
static const weighted_name surnames_hispanic[] = {
  { "Garcia", 1166 }, { "Rodriguez", 1095 }, { "Martinez", 1060 }, { "Hernandez", 1043 }, { "Lopez", 875 },
  { "Gonzalez", 841 }, { "Perez", 682 }, { "Sanchez", 613 }, { "Ramirez", 557 }, { "Torres", 438 },
  { "Flores", 434 }, { "Rivera", 391 }, { "Gomez", 366 }, { "Diaz", 355 }, { "Reyes", 327 },
  { "Morales", 324 }, { "Cruz", 306 }, { "Ortiz", 303 }, { "Gutierrez", 296 }, { "Chavez", 290 },
  { "Ramos", 286 }, { "Gonzales", 283 }, { "Ruiz", 270 }, { "Alvarez", 264 }, { "Mendoza", 262 },
  { "Vasquez", 243 }, { "Castillo", 241 }, { "Jimenez", 237 }, { "Moreno", 237 }, { "Romero", 233 },
  { "Herrera", 225 }, { "Medina", 216 }, { "Aguilar", 211 }, { "Garza", 208 }, { "Castro", 203 },
  { "Vargas", 203 }, { "Fernandez", 196 }, { "Guzman", 195 }, { "Munoz", 192 }, { "Mendez", 190 },
  { "Salazar", 184 }, { "Soto", 184 }, { "Delgado", 178 }, { "Pena", 175 }, { "Rios", 172 },
};
/* Frequent surnames with an Asian and Pacific Islander majority in the
** same 2010 Census list, equal weights (used for Asian persons). */
static const char *const surnames_asian[] = {
  "Nguyen", "Kim", "Tran", "Chen", "Wang", "Li", "Le", "Pham", "Zhang", "Liu",
  "Huang", "Park", "Yang", "Wu", "Patel", "Singh", "Lin", "Shah", "Choi", "Zhou",
  "Xu", "Huynh", "Vu", "Truong", "Ho", "Chang", "Cheng", "Kaur", "Dang", "Zhu",
};
/* Probability that a Hispanic or Asian person has a surname from the
** group's list rather than the general one (a modelling choice). */
#define GROUP_SURNAME_SHARE 0.85

static const char *pick(vt_rng *rng, const char *const *names, int n) {
  return names[vt_rng_int(rng, 0, n - 1)];
}

static const char *pick_weighted(vt_rng *rng, const weighted_name *t, int n) {
  double total = 0.0;
  for (int i = 0; i < n; i++) total += t[i].weight;
  double u = vt_rng_uniform(rng) * total;
  for (int i = 0; i < n; i++) {
    if (u < t[i].weight) return t[i].name;
    u -= t[i].weight;
  }
  return t[0].name;
}

static const char *draw_surname(vt_rng *rng, int hispanic, int race) {
  if (hispanic && vt_rng_uniform(rng) < GROUP_SURNAME_SHARE)
    return pick_weighted(rng, surnames_hispanic, NELEM(surnames_hispanic));
  if (race == R_ASIAN && vt_rng_uniform(rng) < GROUP_SURNAME_SHARE)
    return pick(rng, surnames_asian, NELEM(surnames_asian));
  return pick_weighted(rng, surnames_general, NELEM(surnames_general));
}

static const char *draw_given(vt_rng *rng, char sex, int birth_year, int hispanic) {
  if (hispanic && vt_rng_uniform(rng) < HISPANIC_GIVEN_SHARE)
    return sex == 'M' ? pick(rng, male_hispanic, NELEM(male_hispanic))
                      : pick(rng, female_hispanic, NELEM(female_hispanic));
  int dec = (birth_year - FIRST_DECADE) / 10;
  if (dec < 0) dec = 0;
  if (dec >= NDECADES) dec = NDECADES - 1;
  return pick(rng, given_by_decade[sex == 'M' ? 0 : 1][dec], NAMES_PER_DECADE);
}

/* ------------------------------------------------------------------ */
/* Marital status                                                      */
/* ------------------------------------------------------------------ */

/* Marital status of people 15 and over by age and sex, percent married,
** never married (single), divorced and widowed.  Source: US Census Bureau,
** American Community Survey 2019 1-year, table S1201 (marital status),
** approximate; separated people are counted as married.  Under 15: no
** status (NULL), as in the ACS universe. */
static const struct { int min_age; double m[4], f[4]; } marital_2019[] = {
  /* age     M     S     D     W        M     S     D     W */
  { 15, {  1.0, 98.8,  0.1, 0.1 }, {  1.5, 98.3,  0.1,  0.1 } },
  { 20, {  8.0, 91.3,  0.6, 0.1 }, { 12.0, 86.8,  1.0,  0.2 } },
  { 25, { 28.0, 69.5,  2.4, 0.1 }, { 36.0, 59.5,  4.0,  0.5 } },
  { 30, { 50.0, 44.0,  5.7, 0.3 }, { 55.0, 36.0,  8.5,  0.5 } },
  { 35, { 60.0, 29.0, 10.3, 0.7 }, { 61.0, 23.0, 14.5,  1.5 } },
  { 45, { 64.0, 17.5, 17.0, 1.5 }, { 60.0, 14.0, 21.0,  5.0 } },
  { 55, { 65.0, 11.0, 20.0, 4.0 }, { 58.0,  9.0, 23.0, 10.0 } },
  { 65, { 69.0,  7.0, 16.0, 8.0 }, { 52.0,  6.0, 21.0, 21.0 } },
  { 75, { 70.0,  4.0, 10.0, 16.0 }, { 38.0,  4.0, 14.0, 44.0 } },
  { 85, { 58.0,  3.0,  6.0, 33.0 }, { 16.0,  4.0,  8.0, 72.0 } },
};
static const char *const marital_codes[4] = { "M", "S", "D", "W" };

/* Share of married women who took their spouse's surname (Pew Research
** Center, 2023 survey: 79% of married women); divorced women are given
** half that chance of still carrying it. */
#define TOOK_SPOUSE_NAME 0.79

static int draw_marital(vt_rng *rng, char sex, int age) {
  if (age < marital_2019[0].min_age) return -1;
  int i = NELEM(marital_2019) - 1;
  while (marital_2019[i].min_age > age) i--;
  return vt_rng_weighted(rng, sex == 'M' ? marital_2019[i].m : marital_2019[i].f, 4);
}

/* ------------------------------------------------------------------ */
/* Address                                                             */
/* ------------------------------------------------------------------ */

/* Massachusetts towns, each with one ZIP code and its centroid, weighted by
** the town's population in the 2020 Census (US Census Bureau, 2020 Census
** P.L. 94-171 counts, rounded to the hundred; a town with several rows
** shares its population among them).  ZIP codes and coordinates: ZIP
** centroids as in Synthea's resources, geography/zipcodes.csv (Apache-2.0),
** and USPS for Amherst 01002, Natick 01760 and Oak Bluffs 02557 (those with
** place centroids).  Counties: Massachusetts county of each town. */
typedef struct town {
  const char *name, *county, *zip;
  double lat, lon, pop;
} town;
static const town ma_towns[] = {
  { "Boston", "Suffolk County", "02124", 42.2858, -71.0706, 84500 },   /* Dorchester */
  { "Boston", "Suffolk County", "02130", 42.3092, -71.1138, 84500 },   /* Jamaica Plain */
  { "Boston", "Suffolk County", "02127", 42.3350, -71.0391, 84500 },   /* South Boston */
  { "Boston", "Suffolk County", "02135", 42.3497, -71.1540, 84500 },   /* Brighton */
  { "Boston", "Suffolk County", "02128", 42.3615, -71.0074, 84500 },   /* East Boston */
  { "Boston", "Suffolk County", "02119", 42.3240, -71.0850, 84500 },   /* Roxbury */
  { "Boston", "Suffolk County", "02116", 42.3506, -71.0764, 84500 },   /* Back Bay */
  { "Boston", "Suffolk County", "02131", 42.2843, -71.1262, 84500 },   /* Roslindale */
  { "Worcester", "Worcester County", "01604", 42.2535, -71.7679, 103300 },
  { "Worcester", "Worcester County", "01610", 42.2470, -71.8084, 103300 },
  { "Springfield", "Hampden County", "01109", 42.1197, -72.5497, 78000 },
  { "Springfield", "Hampden County", "01108", 42.0807, -72.5608, 78000 },
  { "Cambridge", "Middlesex County", "02139", 42.3630, -71.1034, 118400 },
  { "Lowell", "Middlesex County", "01852", 42.6330, -71.2956, 57800 },
  { "Lowell", "Middlesex County", "01854", 42.6495, -71.3482, 57800 },
  { "Brockton", "Plymouth County", "02301", 42.0784, -71.0423, 105600 },
  { "Quincy", "Norfolk County", "02169", 42.2484, -71.0023, 101600 },
  { "Lynn", "Essex County", "01902", 42.4710, -70.9415, 101300 },
  { "New Bedford", "Bristol County", "02740", 41.6375, -70.9383, 101100 },
  { "Fall River", "Bristol County", "02720", 41.7230, -71.1215, 94000 },
  { "Lawrence", "Essex County", "01841", 42.7120, -71.1649, 89100 },
  { "Newton", "Middlesex County", "02458", 42.3536, -71.1882, 88900 },
  { "Somerville", "Middlesex County", "02143", 42.3814, -71.0967, 81000 },
  { "Framingham", "Middlesex County", "01701", 42.3196, -71.4428, 72400 },
  { "Haverhill", "Essex County", "01830", 42.7963, -71.0534, 67800 },
  { "Malden", "Middlesex County", "02148", 42.4294, -71.0587, 66300 },
  { "Waltham", "Middlesex County", "02451", 42.3978, -71.2557, 65200 },
  { "Brookline", "Norfolk County", "02446", 42.3435, -71.1222, 63200 },
  { "Revere", "Suffolk County", "02151", 42.4183, -71.0013, 62200 },
  { "Plymouth", "Plymouth County", "02360", 41.8821, -70.6313, 61200 },
  { "Medford", "Middlesex County", "02155", 42.4238, -71.1077, 59700 },
  { "Taunton", "Bristol County", "02780", 41.9091, -71.1183, 59400 },
  { "Weymouth", "Norfolk County", "02188", 42.2047, -70.9576, 57400 },
  { "Chicopee", "Hampden County", "01013", 42.1549, -72.6028, 55600 },
  { "Peabody", "Essex County", "01960", 42.5343, -70.9698, 54500 },
  { "Methuen", "Essex County", "01844", 42.7426, -71.1787, 53100 },
  { "Everett", "Middlesex County", "02149", 42.4059, -71.0546, 49100 },
  { "Barnstable", "Barnstable County", "02601", 41.6560, -70.2968, 48900 },
  { "Attleboro", "Bristol County", "02703", 41.9317, -71.2945, 46500 },
  { "Arlington", "Middlesex County", "02474", 42.4209, -71.1564, 46300 },
  { "Salem", "Essex County", "01970", 42.5244, -70.8709, 44500 },
  { "Pittsfield", "Berkshire County", "01201", 42.4482, -73.2737, 43900 },
  { "Leominster", "Worcester County", "01453", 42.5200, -71.7633, 43800 },
  { "Beverly", "Essex County", "01915", 42.5707, -70.8676, 42700 },
  { "Fitchburg", "Worcester County", "01420", 42.5849, -71.8169, 41900 },
  { "Marlborough", "Middlesex County", "01752", 42.3496, -71.5472, 41800 },
  { "Woburn", "Middlesex County", "01801", 42.4887, -71.1544, 40900 },
  { "Westfield", "Hampden County", "01085", 42.1535, -72.7716, 40800 },
  { "Chelsea", "Suffolk County", "02150", 42.3968, -71.0313, 40800 },
  { "Amherst", "Hampshire County", "01002", 42.3635, -72.5073, 39300 },
  { "Braintree", "Norfolk County", "02184", 42.2062, -71.0023, 39100 },
  { "Shrewsbury", "Worcester County", "01545", 42.2848, -71.7142, 38300 },
  { "Holyoke", "Hampden County", "01040", 42.2117, -72.6424, 38200 },
  { "Natick", "Middlesex County", "01760", 42.2848, -71.3488, 37000 },
  { "Andover", "Essex County", "01810", 42.6480, -71.1618, 36600 },
  { "Lexington", "Middlesex County", "02420", 42.4571, -71.2155, 34500 },
  { "Franklin", "Norfolk County", "02038", 42.0849, -71.4106, 33300 },
  { "Falmouth", "Barnstable County", "02540", 41.5739, -70.6320, 32500 },
  { "Gloucester", "Essex County", "01930", 42.6199, -70.6818, 29700 },
  { "Northampton", "Hampshire County", "01060", 42.3213, -72.6304, 29600 },
  { "Greenfield", "Franklin County", "01301", 42.6268, -72.6015, 17800 },
  { "Nantucket", "Nantucket County", "02554", 41.2911, -70.0933, 14300 },
  { "North Adams", "Berkshire County", "01247", 42.6985, -73.0843, 13000 },
  { "Oak Bluffs", "Dukes County", "02557", 41.4572, -70.5561, 5300 },
};
#define STATE_NAME "Massachusetts"
/* Spread of a home around its ZIP centroid, degrees (about 1 km). */
#define LATLON_JITTER 0.01

static int draw_town(vt_rng *rng) {
  double total = 0.0;
  for (int i = 0; i < NELEM(ma_towns); i++) total += ma_towns[i].pop;
  double u = vt_rng_uniform(rng) * total;
  for (int i = 0; i < NELEM(ma_towns); i++) {
    if (u < ma_towns[i].pop) return i;
    u -= ma_towns[i].pop;
  }
  return 0;
}

/* Street names and types for generated street addresses.  No statistical
** source: a hand-picked list of names common in New England towns, with
** street types weighted by judgement ("Street" most often); they only make
** an address look real. */
static const char *const street_names[] = {
  "Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park",
  "Church", "High", "School", "Pleasant", "Summer", "Union", "Spring", "Water", "Center", "Chestnut",
  "Walnut", "Highland", "Prospect", "Franklin", "Lincoln", "Adams", "Jefferson", "Cherry", "Forest", "Mill",
  "River", "Meadow", "Orchard", "Willow", "Birch", "Spruce", "Winter", "Central", "Bridge", "Cottage",
  "Green", "Grove", "Harbor", "Liberty", "Pearl", "Beacon", "Charles", "Salem", "Concord", "Lowell",
};
static const weighted_name street_types[] = {
  { "Street", 40 }, { "Road", 15 }, { "Avenue", 12 }, { "Drive", 8 }, { "Lane", 7 },
  { "Way", 5 }, { "Court", 5 }, { "Place", 3 }, { "Circle", 3 }, { "Terrace", 2 },
};
/* Share of addresses with an apartment or unit number (modelling choice;
** Massachusetts has many multi-family homes). */
#define UNIT_SHARE 0.25

/* ------------------------------------------------------------------ */
/* Birthplace                                                          */
/* ------------------------------------------------------------------ */

/* Share born abroad by race and ethnicity (Hispanic: any race).  Source:
** US Census Bureau, ACS 2019 1-year, table B05003 series (nativity by race
** and Hispanic origin), approximate: Hispanic 32%, Asian 57%, Black 10%,
** non-Hispanic white 4%, others about 5-15%.  Children are far less often
** born abroad: their share is multiplied by CHILD_FOREIGN_FACTOR (3% of
** children vs 14% of all residents in the ACS). */
static const double foreign_born_by_race[6] = { 0.04, 0.10, 0.57, 0.03, 0.15, 0.10 };
#define FOREIGN_BORN_HISPANIC 0.32
#define CHILD_FOREIGN_FACTOR 0.25
/* US-born Massachusetts residents born in the state (ACS 2019 1-year, table
** B05002 place of birth: about 62% of all residents, three quarters of the
** US-born), approximate. */
#define BORN_IN_STATE 0.75

/* Places of birth: "City, State or region, country code".  Illustrative
** lists (largest cities of the main countries of origin of each group in
** the ACS; New England and large US cities for the other states); equal
** weights.  Puerto Rico is US-born. */
static const char *const born_us_other[] = {
  "New York, New York, US", "Providence, Rhode Island, US", "Hartford, Connecticut, US",
  "Portland, Maine, US", "Manchester, New Hampshire, US", "Burlington, Vermont, US",
  "Philadelphia, Pennsylvania, US", "Chicago, Illinois, US", "Los Angeles, California, US",
  "Miami, Florida, US", "Baltimore, Maryland, US", "Washington, District of Columbia, US",
  "Atlanta, Georgia, US", "Houston, Texas, US", "Detroit, Michigan, US", "Cleveland, Ohio, US",
};
static const char *const born_us_hispanic[] = {
  "San Juan, Puerto Rico, US", "Ponce, Puerto Rico, US", "Bayamon, Puerto Rico, US",
  "New York, New York, US", "Hartford, Connecticut, US", "Miami, Florida, US",
};
static const char *const born_abroad_hispanic[] = {
  "Santo Domingo, Distrito Nacional, DO", "Mexico City, Mexico City, MX", "Guadalajara, Jalisco, MX",
  "San Salvador, San Salvador, SV", "Guatemala City, Guatemala, GT", "Tegucigalpa, Francisco Morazan, HN",
  "Bogota, Bogota, CO", "Havana, Havana, CU", "Lima, Lima, PE",
};
static const char *const born_abroad_asian[] = {
  "Beijing, Beijing, CN", "Shanghai, Shanghai, CN", "Guangzhou, Guangdong, CN", "Mumbai, Maharashtra, IN",
  "New Delhi, Delhi, IN", "Manila, Metro Manila, PH", "Ho Chi Minh City, Ho Chi Minh City, VN",
  "Seoul, Seoul, KR", "Tokyo, Tokyo, JP", "Phnom Penh, Phnom Penh, KH",
};
static const char *const born_abroad_black[] = {
  "Port-au-Prince, Ouest, HT", "Kingston, Kingston, JM", "Praia, Santiago, CV", "Lagos, Lagos, NG",
  "Accra, Greater Accra, GH", "Addis Ababa, Addis Ababa, ET", "Nairobi, Nairobi, KE",
};
static const char *const born_abroad_white[] = {
  "Lisbon, Lisbon, PT", "Ponta Delgada, Azores, PT", "Dublin, Leinster, IE", "London, England, GB",
  "Toronto, Ontario, CA", "Sao Paulo, Sao Paulo, BR", "Moscow, Moscow, RU", "Kyiv, Kyiv, UA",
  "Rome, Lazio, IT", "Athens, Attica, GR",
};
static const char *const born_abroad_other[] = {
  "Sao Paulo, Sao Paulo, BR", "Toronto, Ontario, CA", "Cairo, Cairo, EG", "Beirut, Beirut, LB",
  "Apia, Tuamasaga, WS", "Suva, Central, FJ", "London, England, GB",
};

static const char *draw_birthplace(vt_rng *rng, vt_record *rec, int hispanic, int race, int age, int home) {
  double p = hispanic ? FOREIGN_BORN_HISPANIC : foreign_born_by_race[race];
  if (age < 18) p *= CHILD_FOREIGN_FACTOR;
  if (vt_rng_uniform(rng) < p) {
    if (hispanic) return pick(rng, born_abroad_hispanic, NELEM(born_abroad_hispanic));
    switch (race) {
    case R_ASIAN: return pick(rng, born_abroad_asian, NELEM(born_abroad_asian));
    case R_BLACK: return pick(rng, born_abroad_black, NELEM(born_abroad_black));
    case R_WHITE: return pick(rng, born_abroad_white, NELEM(born_abroad_white));
    default:      return pick(rng, born_abroad_other, NELEM(born_abroad_other));
    }
  }
  if (vt_rng_uniform(rng) < BORN_IN_STATE) {
    /* children mostly born where they live; adults anywhere in the state */
    int t = age < 18 && vt_rng_uniform(rng) < 0.7 ? home : draw_town(rng);
    char buf[128];
    snprintf(buf, sizeof buf, "%s, %s, US", ma_towns[t].name, STATE_NAME);
    return vt_record_strdup(rec, buf);
  }
  if (hispanic && vt_rng_uniform(rng) < 0.5) return pick(rng, born_us_hispanic, NELEM(born_us_hispanic));
  return pick(rng, born_us_other, NELEM(born_us_other));
}

/* ------------------------------------------------------------------ */
/* Identifiers                                                         */
/* ------------------------------------------------------------------ */

/* Share of people holding a driver's licence by age.  Source: US DOT FHWA,
** Highway Statistics 2019, table DL-20 (licensed drivers by age as a share
** of the population), approximate. */
static const struct { int min_age; double share; } licence_2019[] = {
  { 16, 0.25 }, { 17, 0.45 }, { 18, 0.61 }, { 20, 0.80 }, { 25, 0.88 }, { 35, 0.91 },
  { 70, 0.85 }, { 80, 0.72 }, { 85, 0.55 },
};
/* Share of adults with a passport: US Department of State, valid passports
** in circulation (about 150 million in 2022) against about 260 million
** adults, rounded down for adults only. */
#define PASSPORT_SHARE 0.45

static double licence_share(int age) {
  double s = 0.0;
  for (int i = 0; i < NELEM(licence_2019); i++)
    if (age >= licence_2019[i].min_age) s = licence_2019[i].share;
  return s;
}

/* ------------------------------------------------------------------ */
/* Education, income and socioeconomic status                          */
/* ------------------------------------------------------------------ */

/* Educational attainment by age, percent: less than high school, high
** school graduate, some college or associate degree, bachelor's degree or
** higher.  Source: US Census Bureau, ACS 2019 1-year, table S1501
** (educational attainment), approximate.  Children (under 18) get the
** household's level, taken from the 35-44 row (the age of most parents),
** as Synthea gives every person the education of their household. */
static const char *const education_names[4] = { "less_than_hs", "hs_degree", "some_college", "bs_degree" };
static const struct { int min_age; double share[4]; } education_2019[] = {
  { 18, { 12.5, 32.5, 44.6, 10.4 } },
  { 25, {  8.6, 24.3, 29.1, 38.0 } },
  { 35, { 10.6, 23.9, 26.9, 38.6 } },
  { 45, { 10.6, 29.0, 28.5, 31.9 } },
  { 65, { 13.9, 33.5, 23.8, 28.8 } },
};
#define EDU_CHILD_ROW 2

/* Household income (US dollars a year), log-normal with a median by the
** education of the householder and a log-SD of 0.70 (the log-SD of all US
** household incomes, about 0.85 from the mean/median ratio 1.43 of the same
** survey, less the part that education and age explain).  Medians from the
** Census Bureau's CPS ASEC 2020 (2019 incomes), table HINC-01, rounded:
** less than high school 32,000, high school 50,000, some college or
** associate 63,000, bachelor's or higher 105,000.  The median is scaled by
** the householder's age (same table: under 25 0.65, 25-34 1.04, 35-44
** 1.30, 45-54 1.37, 55-64 1.12, 65+ 0.68 of the overall median 68,700,
** divided by 1.1 so that the education medians stay about right);
** children take the 35-44 factor of their parents. */
static const double income_median[4] = { 32000, 50000, 63000, 105000 };
static const struct { int min_age; double factor; } income_age[] = {
  { 0, 1.30 }, { 18, 0.65 }, { 25, 1.04 }, { 35, 1.30 }, { 45, 1.37 }, { 55, 1.12 }, { 65, 0.68 },
};
#define INCOME_AGE_NORM 1.1
#define INCOME_LOG_SD 0.70

/* Socioeconomic status as Synthea computes it (synthea.properties,
** generate.demographics.socioeconomic.*): a score = 0.2 * income level +
** 0.7 * education level + 0.1 * occupation level, where the income level
** is (income - 17,550) / (75,000 - 17,550) clamped to [0, 1], the
** education level is uniform in [0, 0.5], [0.1, 0.75], [0.3, 0.85] or
** [0.5, 1.0] for the four education levels, and the occupation level is
** uniform in [0, 1].  Score >= 0.66 is "High", >= 0.25 "Middle", below
** that "Low". */
#define SES_W_INCOME 0.2
#define SES_W_EDUCATION 0.7
#define SES_W_OCCUPATION 0.1
#define SES_POVERTY 17550.0
#define SES_HIGH_INCOME 75000.0
#define SES_MIDDLE 0.25
#define SES_HIGH 0.66
static const double edu_level_range[4][2] = { { 0.0, 0.5 }, { 0.1, 0.75 }, { 0.3, 0.85 }, { 0.5, 1.0 } };

static int draw_education(vt_rng *rng, int age) {
  int row = EDU_CHILD_ROW;
  if (age >= 18) {
    row = NELEM(education_2019) - 1;
    while (education_2019[row].min_age > age) row--;
  }
  return vt_rng_weighted(rng, education_2019[row].share, 4);
}

static double draw_income(vt_rng *rng, int edu, int age) {
  double factor = income_age[0].factor;
  for (int i = 0; i < NELEM(income_age); i++)
    if (age >= income_age[i].min_age) factor = income_age[i].factor;
  double median = income_median[edu] * factor / INCOME_AGE_NORM;
  double income = median * exp(vt_rng_normal(rng, 0.0, INCOME_LOG_SD));
  return round(income);
}

static const char *ses_category(vt_rng *rng, double income, int edu) {
  double inc = (income - SES_POVERTY) / (SES_HIGH_INCOME - SES_POVERTY);
  inc = inc < 0.0 ? 0.0 : inc > 1.0 ? 1.0 : inc;
  double ed = vt_rng_range(rng, edu_level_range[edu][0], edu_level_range[edu][1]);
  double occ = vt_rng_uniform(rng);
  double score = SES_W_INCOME * inc + SES_W_EDUCATION * ed + SES_W_OCCUPATION * occ;
  return score >= SES_HIGH ? "High" : score >= SES_MIDDLE ? "Middle" : "Low";
}

/* ------------------------------------------------------------------ */
/* The person                                                          */
/* ------------------------------------------------------------------ */

void vt_demo_draw(vt_rng *rng, const vt_demo_opts *o, vt_record *rec) {
  vt_person_row *p = &rec->person;
  int64_t index = p->index;
  memset(p, 0, sizeof *p);
  p->index = index;
  p->death = VT_NO_TIME;

  /* sex and age */
  int lo = o->age_min, hi = o->age_max;
  if (lo > hi) { int t = lo; lo = hi; hi = t; }
  lo = lo < 0 ? 0 : lo > MAX_AGE ? MAX_AGE : lo;
  hi = hi < 0 ? 0 : hi > MAX_AGE ? MAX_AGE : hi;
  char fixed = o->gender == 'm' ? 'M' : o->gender == 'f' ? 'F' : o->gender;
  double w[2 * (MAX_AGE + 1)];
  age_weights('M', w);
  age_weights('F', w + MAX_AGE + 1);
  for (int a = 0; a <= MAX_AGE; a++) {
    int in = a >= lo && a <= hi;
    if (!in || fixed == 'F') w[a] = 0.0;
    if (!in || fixed == 'M') w[MAX_AGE + 1 + a] = 0.0;
  }
  const vt_lifecycle *lc = o->lc;
  if (lc && lc->female_share >= 0.0 && !fixed) {
    /* lifecycle.sex.female_share: each sex's ages keep their census
    ** structure, rescaled so that women are that share of the draws */
    double sm = 0.0, sf = 0.0;
    for (int a = 0; a <= MAX_AGE; a++) { sm += w[a]; sf += w[MAX_AGE + 1 + a]; }
    for (int a = 0; a <= MAX_AGE; a++) {
      w[a] = sm > 0.0 ? w[a] / sm * (1.0 - lc->female_share) : 0.0;
      w[MAX_AGE + 1 + a] = sf > 0.0 ? w[MAX_AGE + 1 + a] / sf * lc->female_share : 0.0;
    }
  }
  char sex;
  int age;
  if (lc && lc->birth_set) {
    /* lifecycle.birth.*: the birth decades' shares (and the female share
    ** above) on the census ages, drawn with the calendar year of birth */
    double w2[4 * (MAX_AGE + 1)];
    birth_decade_weights(lc, o->reference, w, w2);
    int k2 = vt_rng_weighted(rng, w2, 4 * (MAX_AGE + 1));
    if (k2 < 0) k2 = 2 * lo + 1;
    int k = k2 / 2;
    sex = k <= MAX_AGE ? 'M' : 'F';
    age = k % (MAX_AGE + 1);
    int ry, rm, rd;
    vt_civil_from_days(vt_time_day(o->reference), &ry, &rm, &rd);
    p->gender = sex;
    p->birth = draw_birth_in_year(rng, o->reference, age, ry - age - 1 + (k2 & 1));
  } else {
    int k = vt_rng_weighted(rng, w, 2 * (MAX_AGE + 1));
    if (k < 0) k = lo;   /* cannot happen: every age has people */
    sex = k <= MAX_AGE ? 'M' : 'F';
    age = k % (MAX_AGE + 1);
    p->gender = sex;
    p->birth = draw_birth(rng, o->reference, age);
  }
  int birth_year = vt_time_year(p->birth);

  /* race and ethnicity */
  /* (lifecycle params: the same draws from other shares; race shares given
  ** make race independent of ethnicity) */
  double hisp_share = lc && lc->hispanic_share >= 0.0 ? lc->hispanic_share : HISPANIC_SHARE;
  int hispanic = vt_rng_uniform(rng) < hisp_share;
  const double *race_w = lc && lc->race_set ? lc->race : hispanic ? race_hispanic : race_nonhispanic;
  int race = vt_rng_weighted(rng, race_w, 6);
  if (race < 0) race = R_OTHER;
  p->race = race_names[race];
  p->ethnicity = hispanic ? "hispanic" : "nonhispanic";

  /* names and marital status */
  int marital = draw_marital(rng, sex, age);
  p->marital = marital >= 0 ? marital_codes[marital] : NULL;
  p->first = draw_given(rng, sex, birth_year, hispanic);
  const char *own = draw_surname(rng, hispanic, race);
  p->last = own;
  int took_name = 0;
  if (sex == 'F' && marital >= 0 && marital != 1) {
    double take = marital == 2 ? TOOK_SPOUSE_NAME / 2.0 : TOOK_SPOUSE_NAME;
    if (vt_rng_uniform(rng) < take) {
      took_name = 1;
      p->maiden = own;
      p->last = draw_surname(rng, hispanic, race);
    }
  }
  if (age >= 18) {
    if (sex == 'M') p->prefix = "Mr.";
    else p->prefix = took_name && marital != 2 ? "Mrs." : "Ms.";
  }

  /* address */
  int home = draw_town(rng);
  const town *tw = &ma_towns[home];
  char buf[160];
  int number = (int)vt_rng_int(rng, 1, 999);
  const char *street = pick(rng, street_names, NELEM(street_names));
  const char *type = pick_weighted(rng, street_types, NELEM(street_types));
  if (vt_rng_uniform(rng) < UNIT_SHARE)
    snprintf(buf, sizeof buf, "%d %s %s %s %d", number, street, type,
             vt_rng_uniform(rng) < 0.5 ? "Apt" : "Unit", (int)vt_rng_int(rng, 1, 40));
  else
    snprintf(buf, sizeof buf, "%d %s %s", number, street, type);
  p->address = vt_record_strdup(rec, buf);
  p->city = tw->name;
  p->state = STATE_NAME;
  p->county = tw->county;
  p->zip = tw->zip;
  p->lat = tw->lat + vt_rng_normal(rng, 0.0, LATLON_JITTER);
  p->lon = tw->lon + vt_rng_normal(rng, 0.0, LATLON_JITTER);
  p->birthplace = draw_birthplace(rng, rec, hispanic, race, age, home);

  /* identifiers: SSNs in area 999 are never issued */
  snprintf(buf, sizeof buf, "999-%02d-%04d", (int)vt_rng_int(rng, 1, 99), (int)vt_rng_int(rng, 1, 9999));
  p->ssn = vt_record_strdup(rec, buf);
  if (age >= 16 && vt_rng_uniform(rng) < licence_share(age)) {
    snprintf(buf, sizeof buf, "S999%05d", (int)vt_rng_int(rng, 0, 99999));
    p->drivers = vt_record_strdup(rec, buf);
  }
  if (age >= 18 && vt_rng_uniform(rng) < PASSPORT_SHARE) {
    snprintf(buf, sizeof buf, "X%08dX", (int)vt_rng_int(rng, 0, 99999999));
    p->passport = vt_record_strdup(rec, buf);
  }

  /* education, income, socioeconomic status */
  int edu = draw_education(rng, age);
  if (edu < 0) edu = 1;
  p->education = education_names[edu];
  p->income = draw_income(rng, edu, age);
  p->ses = ses_category(rng, p->income, edu);
}
