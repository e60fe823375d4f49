/*
** lifetables.c -- natural death, growth, vital signs and the wellness
** schedule: constant tables from public sources and the pure functions that
** read them (see lifetables.h).  The demographic tables are in
** demographics.c.
*/
#include "lifetables.h"

#include <math.h>
#include <stddef.h>

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ------------------------------------------------------------------ */
/* Life table                                                          */
/* ------------------------------------------------------------------ */

/* Probability of dying within the year (qx) by single year of age 0..100.
** Source: CDC NCHS, United States Life Tables, 2020 (National Vital
** Statistics Reports vol. 71 no. 1, Arias & Xu, 2022), tables 2 (males) and
** 3 (females), with NCHS 2020 death rates by age group as a cross-check.
** Abridged: the anchor ages below carry rounded qx consistent with those
** tables (checked against the published life expectancies, see below) and
** the single years in between were interpolated log-linearly (qx grows
** about exponentially with age).  2020 includes COVID-19 mortality.
**
**   age   0      1      2      3      4      5      7      10     12     14
**   M  .00590 .00041 .00027 .00020 .00016 .00014 .00012 .00012 .00015 .00030
**   F  .00490 .00034 .00022 .00016 .00013 .00011 .00010 .00010 .00011 .00017
**   age   16     18     20     22     25     30     35     40     45     50
**   M  .00070 .00115 .00150 .00175 .00190 .00220 .00270 .00330 .00430 .00590
**   F  .00030 .00042 .00050 .00060 .00075 .00095 .00130 .00175 .00250 .00360
**   age   55     60     65     70     75     80     85     90     95     100
**   M  .00900 .01280 .01850 .02650 .04000 .06300 .10200 .16800 .26000 .36000
**   F  .00550 .00800 .01150 .01700 .02700 .04400 .07600 .13300 .22500 .32000
**
** Check: the life expectancy these give (vt_life_expectancy) is 74.3 years
** at birth for males and 80.0 for females, against the published 74.2 and
** 79.9; at 65, 17.2 and 20.0 against 17.0 and 19.8. */
static const double qx_male[101] = {
  0.005900, 0.000410, 0.000270, 0.000200, 0.000160, 0.000140, 0.000130, 0.000120,  /* 0- */
  0.000120, 0.000120, 0.000120, 0.000134, 0.000150, 0.000212, 0.000300, 0.000458,  /* 8- */
  0.000700, 0.000897, 0.001150, 0.001313, 0.001500, 0.001620, 0.001750, 0.001799,  /* 16- */
  0.001849, 0.001900, 0.001957, 0.002015, 0.002075, 0.002136, 0.002200, 0.002292,  /* 24- */
  0.002388, 0.002488, 0.002592, 0.002700, 0.002811, 0.002926, 0.003045, 0.003170,  /* 32- */
  0.003300, 0.003479, 0.003669, 0.003868, 0.004078, 0.004300, 0.004581, 0.004880,  /* 40- */
  0.005199, 0.005538, 0.005900, 0.006420, 0.006986, 0.007601, 0.008271, 0.009000,  /* 48- */
  0.009657, 0.010362, 0.011118, 0.011929, 0.012800, 0.013779, 0.014832, 0.015966,  /* 56- */
  0.017186, 0.018500, 0.019879, 0.021360, 0.022952, 0.024662, 0.026500, 0.028775,  /* 64- */
  0.031244, 0.033926, 0.036838, 0.040000, 0.043804, 0.047970, 0.052533, 0.057529,  /* 72- */
  0.063000, 0.069373, 0.076391, 0.084119, 0.092629, 0.102000, 0.112705, 0.124533,  /* 80- */
  0.137602, 0.152043, 0.168000, 0.183334, 0.200067, 0.218327, 0.238254, 0.260000,  /* 88- */
  0.277485, 0.296145, 0.316061, 0.337316, 0.360000,  /* 96- */
};
static const double qx_female[101] = {
  0.004900, 0.000340, 0.000220, 0.000160, 0.000130, 0.000110, 0.000105, 0.000100,  /* 0- */
  0.000100, 0.000100, 0.000100, 0.000105, 0.000110, 0.000137, 0.000170, 0.000226,  /* 8- */
  0.000300, 0.000355, 0.000420, 0.000458, 0.000500, 0.000548, 0.000600, 0.000646,  /* 16- */
  0.000696, 0.000750, 0.000786, 0.000824, 0.000864, 0.000906, 0.000950, 0.001012,  /* 24- */
  0.001077, 0.001147, 0.001221, 0.001300, 0.001380, 0.001464, 0.001554, 0.001649,  /* 32- */
  0.001750, 0.001879, 0.002018, 0.002168, 0.002328, 0.002500, 0.002689, 0.002893,  /* 40- */
  0.003111, 0.003347, 0.003600, 0.003918, 0.004265, 0.004642, 0.005053, 0.005500,  /* 48- */
  0.005928, 0.006389, 0.006887, 0.007422, 0.008000, 0.008602, 0.009250, 0.009946,  /* 56- */
  0.010695, 0.011500, 0.012435, 0.013446, 0.014539, 0.015722, 0.017000, 0.018648,  /* 64- */
  0.020456, 0.022439, 0.024614, 0.027000, 0.029770, 0.032825, 0.036192, 0.039906,  /* 72- */
  0.044000, 0.049082, 0.054752, 0.061076, 0.068130, 0.076000, 0.085000, 0.095067,  /* 80- */
  0.106325, 0.118917, 0.133000, 0.147747, 0.164128, 0.182327, 0.202543, 0.225000,  /* 88- */
  0.241422, 0.259042, 0.277948, 0.298234, 0.320000,  /* 96- */
};

/* Beyond this age the walk in vt_life_draw_death ends with death (q = 1);
** the oldest verified human lived to 122. */
#define LIFE_MAX_AGE 120

double vt_life_qx(char gender, int age) {
  if (age < 0) age = 0;
  if (age > 100) age = 100;
  double q;
  if (gender == 'M') q = qx_male[age];
  else if (gender == 'F') q = qx_female[age];
  else q = 0.5 * (qx_male[age] + qx_female[age]);
  return q > 1.0 ? 1.0 : q;
}

/* Standard period life-table arithmetic: l(x) survivors, L(x) person-years
** lived in the year (deaths at mid-year, a0 = 0.1 in the first year as in
** the NCHS tables for the US), and the open interval 100+ as l(100)/m(100)
** with m = q / (1 - q/2). */
double vt_life_expectancy(char gender, int age) {
  if (age < 0) age = 0;
  if (age > 100) age = 100;
  double l = 1.0, years = 0.0;
  for (int x = age; x < 100; x++) {
    double q = vt_life_qx(gender, x);
    double d = l * q, a = x == 0 ? 0.1 : 0.5;
    years += l - d * (1.0 - a);
    l -= d;
  }
  double q = vt_life_qx(gender, 100);
  double m = q / (1.0 - q / 2.0);
  years += l / m;
  return years;
}

/* Midnight of the day `birth` turns `k` years old.  A 29 February birthday
** falls on 1 March in common years (vt_days_from_civil rolls the day over),
** which is when vt_time_age_years counts the year as complete. */
static vt_time birthday_at(int by, int bm, int bd, int k) {
  return vt_days_from_civil(by + k, bm, bd) * VT_MS_DAY;
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) q--;
  return q;
}

vt_time vt_life_draw_death(vt_rng *rng, char gender, vt_time birth,
                           vt_time alive_at, vt_time until) {
  vt_time start = (alive_at == VT_NO_TIME || alive_at < birth) ? birth : alive_at;
  if (until != VT_NO_TIME && start >= until) return VT_NO_TIME;
  int by, bm, bd;
  vt_civil_from_days(floor_div(birth, VT_MS_DAY), &by, &bm, &bd);
  int age = vt_time_age_years(birth, start);
  if (age < 0) age = 0;
  vt_time year_lo = birthday_at(by, bm, bd, age);
  for (;; age++) {
    vt_time year_hi = birthday_at(by, bm, bd, age + 1);
    vt_time lo = start > year_lo ? start : year_lo;
    if (until != VT_NO_TIME && lo >= until) return VT_NO_TIME;
    double q = age >= LIFE_MAX_AGE ? 1.0 : vt_life_qx(gender, age);
    if (lo > year_lo && q < 1.0) {
      /* part of the year already survived: the remaining share of the risk,
      ** at a constant hazard within the year */
      double frac = (double)(year_hi - lo) / (double)(year_hi - year_lo);
      q = 1.0 - pow(1.0 - q, frac);
    }
    if (vt_rng_uniform(rng) < q) {
      vt_time span = year_hi - lo;
      vt_time death = lo + 1 + (span > 1 ? (vt_time)(vt_rng_uniform(rng) * (double)(span - 1)) : 0);
      if (death >= year_hi) death = year_hi - 1;
      if (death <= start) death = start + 1;
      return (until != VT_NO_TIME && death >= until) ? VT_NO_TIME : death;
    }
    year_lo = year_hi;
  }
}

/* ------------------------------------------------------------------ */
/* Growth                                                              */
/* ------------------------------------------------------------------ */

/* One row of an LMS table: age in months and the Box-Cox power L, median
** M and coefficient of variation S; the value at z-score z is
** M * (1 + L*S*z)^(1/L) (M * exp(S*z) when L = 0). */
typedef struct lms_row { double age_m, l, m, s; } lms_row;

/* CDC 2000 growth charts, LMS parameters (CDC NCHS, "2000 CDC Growth
** Charts for the United States", Kuczmarski et al., Vital Health Stat 11
** (246), 2002; data files lenageinf, statage, wtageinf, bmiagerev); figures
** as in Synthea's resources, cdc_growth_charts.json (Apache-2.0), which
** keys CDC's half-month rows by whole month (key k = age k+0.5 months, 240
** = 240.0).  Height: recumbent length-for-age below 24 months, stature
** from 24.5 months; every row to 24 months, then every 6 months (linear
** interpolation of L, M and S between the rows is within 0.2 cm of the full
** table).  The birth rows (age 0) are CDC's Agemos 0 rows of lenageinf and
** wtageinf.  Weight-for-age is kept to 36 months, for infants; BMI-for-age
** starts at 24.5 months. */
static const lms_row height_m[] = {
  {0,1.26700,49.9889,0.052111}, {0.5,0.51124,52.6960,0.048693}, {1.5,-0.45224,56.6284,0.044117},
  {2.5,-0.99059,59.6090,0.041796}, {3.5,-1.28584,62.0770,0.040454}, {4.5,-1.43031,64.2169,0.039634},
  {5.5,-1.47658,66.1253,0.039124}, {6.5,-1.45684,67.8602,0.038812}, {7.5,-1.39190,69.4591,0.038633},
  {8.5,-1.29571,70.9480,0.038547}, {9.5,-1.17792,72.3459,0.038526}, {10.5,-1.04533,73.6667,0.038553},
  {11.5,-0.90280,74.9213,0.038616}, {12.5,-0.75391,76.1184,0.038703}, {13.5,-0.60126,77.2648,0.038811},
  {14.5,-0.44681,78.3662,0.038932}, {15.5,-0.29197,79.4273,0.039063}, {16.5,-0.13785,80.4521,0.039202},
  {17.5,0.01478,81.4438,0.039347}, {18.5,0.16530,82.4054,0.039494}, {19.5,0.31330,83.3394,0.039644},
  {20.5,0.45846,84.2478,0.039795}, {21.5,0.60054,85.1327,0.039946}, {22.5,0.73944,85.9956,0.040097},
  {23.5,0.87500,86.8382,0.040247}, {24.5,1.00721,86.8616,0.040396}, {30.5,0.17449,91.3324,0.040965},
  {36.5,-0.39092,95.2736,0.040534}, {42.5,0.32653,99.0025,0.040848}, {48.5,0.82764,102.5105,0.041344},
  {54.5,1.13365,105.8813,0.041956}, {60.5,1.26637,109.1751,0.042593}, {66.5,1.25540,112.4296,0.043181},
  {72.5,1.13744,115.6609,0.043673}, {78.5,0.95485,118.8668,0.044069}, {84.5,0.75324,122.0305,0.044403},
  {90.5,0.57591,125.1259,0.044736}, {96.5,0.45527,128.1237,0.045127}, {102.5,0.40478,130.9983,0.045618},
  {108.5,0.41569,133.7345,0.046217}, {114.5,0.46103,136.3343,0.046897}, {120.5,0.50556,138.8234,0.047610},
  {126.5,0.51859,141.2582,0.048304}, {132.5,0.48794,143.7304,0.048938}, {138.5,0.43458,146.3665,0.049489},
  {144.5,0.42092,149.3088,0.049948}, {150.5,0.53195,152.6624,0.050273}, {156.5,0.81624,156.4099,0.050333},
  {162.5,1.23277,160.3493,0.049927}, {168.5,1.67043,164.1418,0.048945}, {174.5,2.01678,167.4641,0.047507},
  {180.5,2.20518,170.1393,0.045890}, {186.5,2.22533,172.1563,0.044363}, {192.5,2.11302,173.6101,0.043086},
  {198.5,1.92732,174.6310,0.042107}, {204.5,1.72474,175.3410,0.041408}, {210.5,1.54325,175.8360,0.040938},
  {216.5,1.40000,176.1850,0.040644}, {222.5,1.29715,176.4352,0.040474}, {228.5,1.22916,176.6179,0.040391},
  {234.5,1.18802,176.7538,0.040364}, {240,1.16728,176.8492,0.040370},
};
static const lms_row weight_m[] = {
  {0,1.81515,3.5302,0.152385}, {0.5,1.54752,4.0031,0.146025}, {1.5,1.06880,4.8795,0.136479},
  {2.5,0.69597,5.6729,0.129678}, {3.5,0.41982,6.3914,0.124717}, {4.5,0.21987,7.0418,0.121040},
  {5.5,0.07751,7.6304,0.118271}, {6.5,-0.02191,8.1630,0.116154}, {7.5,-0.08944,8.6448,0.114510},
  {8.5,-0.13341,9.0811,0.113217}, {9.5,-0.16010,9.4765,0.112186}, {10.5,-0.17430,9.8353,0.111355},
  {11.5,-0.17972,10.1615,0.110676}, {12.5,-0.17925,10.4589,0.110119}, {13.5,-0.17518,10.7306,0.109657},
  {14.5,-0.16932,10.9799,0.109274}, {15.5,-0.16311,11.2096,0.108956}, {16.5,-0.15771,11.4221,0.108695},
  {17.5,-0.15402,11.6198,0.108483}, {18.5,-0.15276,11.8048,0.108317}, {19.5,-0.15447,11.9790,0.108194},
  {20.5,-0.15952,12.1440,0.108111}, {21.5,-0.16818,12.3015,0.108067}, {22.5,-0.18057,12.4528,0.108062},
  {23.5,-0.19670,12.5991,0.108095}, {24.5,-0.21650,12.7415,0.108166}, {30.5,-0.39757,13.5609,0.109378},
  {36.5,-0.62132,14.4026,0.111875},
};
static const lms_row bmi_m[] = {
  {24.5,-1.98237,16.5478,0.080127}, {30.5,-1.64211,16.2497,0.075499}, {36.5,-1.41999,16.0003,0.072634},
  {42.5,-1.43816,15.7941,0.071495}, {48.5,-1.71487,15.6282,0.071889}, {54.5,-2.15535,15.5026,0.073491},
  {60.5,-2.61517,15.4191,0.075992}, {66.5,-2.98180,15.3795,0.079211}, {72.5,-3.21171,15.3835,0.083048},
  {78.5,-3.31477,15.4290,0.087400}, {84.5,-3.32319,15.5129,0.092131}, {90.5,-3.27045,15.6317,0.097082},
  {96.5,-3.18306,15.7823,0.102091}, {102.5,-3.07938,15.9617,0.107013}, {108.5,-2.97115,16.1671,0.111721},
  {114.5,-2.86531,16.3961,0.116113}, {120.5,-2.76565,16.6461,0.120112}, {126.5,-2.67390,16.9151,0.123664},
  {132.5,-2.59056,17.2009,0.126735}, {138.5,-2.51532,17.5014,0.129309}, {144.5,-2.44743,17.8146,0.131389},
  {150.5,-2.38586,18.1387,0.132991}, {156.5,-2.32946,18.4718,0.134141}, {162.5,-2.27702,18.8120,0.134880},
  {168.5,-2.22736,19.1576,0.135251}, {174.5,-2.17943,19.5067,0.135309}, {180.5,-2.13234,19.8577,0.135110},
  {186.5,-2.08557,20.2086,0.134718}, {192.5,-2.03902,20.5576,0.134198}, {198.5,-1.99315,20.9029,0.133620},
  {204.5,-1.94913,21.2425,0.133057}, {210.5,-1.90883,21.5742,0.132585}, {216.5,-1.87467,21.8959,0.132286},
  {222.5,-1.84932,22.2054,0.132249}, {228.5,-1.83514,22.5007,0.132566}, {234.5,-1.83340,22.7799,0.133339},
  {240,-1.84358,23.0414,0.134675},
};
static const lms_row height_f[] = {
  {0,-1.29596,49.2864,0.050086}, {0.5,-0.80925,51.6836,0.046819}, {1.5,-0.05078,55.2861,0.043444},
  {2.5,0.47685,58.0938,0.041716}, {3.5,0.84330,60.4598,0.040705}, {4.5,1.09756,62.5367,0.040080},
  {5.5,1.27251,64.4063,0.039687}, {6.5,1.39043,66.1184,0.039445}, {7.5,1.46673,67.7057,0.039305},
  {8.5,1.51230,69.1912,0.039237}, {9.5,1.53495,70.5916,0.039222}, {10.5,1.54039,71.9196,0.039245},
  {11.5,1.53285,73.1850,0.039296}, {12.5,1.51551,74.3956,0.039370}, {13.5,1.49077,75.5579,0.039460},
  {14.5,1.46046,76.6769,0.039562}, {15.5,1.42601,77.7570,0.039675}, {16.5,1.38851,78.8020,0.039794},
  {17.5,1.34882,79.8149,0.039919}, {18.5,1.30761,80.7985,0.040048}, {19.5,1.26541,81.7551,0.040180},
  {20.5,1.22263,82.6868,0.040314}, {21.5,1.17959,83.5953,0.040450}, {22.5,1.13656,84.4823,0.040586},
  {23.5,1.09373,85.3492,0.040723}, {24.5,1.05127,85.3973,0.040860}, {30.5,0.81454,90.3334,0.041754},
  {36.5,0.54198,94.2134,0.042018}, {42.5,0.37788,97.6485,0.042622}, {48.5,0.22571,101.0339,0.043260},
  {54.5,0.07570,104.4635,0.043817}, {60.5,-0.05773,107.9566,0.044277}, {66.5,-0.15920,111.4876,0.044653},
  {72.5,-0.21907,115.0055,0.044964}, {78.5,-0.23477,118.4496,0.045226}, {84.5,-0.21021,121.7617,0.045461},
  {90.5,-0.15436,124.8956,0.045694}, {96.5,-0.07928,127.8263,0.045968}, {102.5,0.00274,130.5574,0.046340},
  {108.5,0.08415,133.1304,0.046884}, {114.5,0.16981,135.6342,0.047670}, {120.5,0.28475,138.2112,0.048705},
  {126.5,0.46918,141.0397,0.049812}, {132.5,0.74429,144.2609,0.050524}, {138.5,1.06247,147.8424,0.050208},
  {144.5,1.30304,151.4866,0.048599}, {150.5,1.35816,154.7555,0.046198}, {156.5,1.24297,157.3437,0.043859},
  {162.5,1.07697,159.2075,0.042114}, {168.5,0.95657,160.4777,0.041022}, {174.5,0.90245,161.3268,0.040409},
  {180.5,0.89557,161.8980,0.040084}, {186.5,0.91340,162.2908,0.039913}, {192.5,0.94115,162.5690,0.039821},
  {198.5,0.97104,162.7719,0.039767}, {204.5,0.99951,162.9238,0.039732}, {210.5,1.02514,163.0402,0.039707},
  {216.5,1.04757,163.1308,0.039687}, {222.5,1.06687,163.2022,0.039671}, {228.5,1.08332,163.2590,0.039657},
  {234.5,1.09723,163.3045,0.039646}, {240,1.10805,163.3383,0.039636},
};
static const lms_row weight_f[] = {
  {0,1.50919,3.3992,0.142107}, {0.5,1.35794,3.7975,0.138076}, {1.5,1.10554,4.5448,0.131734},
  {2.5,0.90260,5.2306,0.126893}, {3.5,0.73412,5.8600,0.123025}, {4.5,0.59024,6.4376,0.119841},
  {5.5,0.46439,6.9679,0.117167}, {6.5,0.35216,7.4549,0.114894}, {7.5,0.25050,7.9024,0.112950},
  {8.5,0.15725,8.3142,0.111285}, {9.5,0.07089,8.6934,0.109864}, {10.5,-0.00968,9.0433,0.108661},
  {11.5,-0.08526,9.3666,0.107656}, {12.5,-0.15641,9.6661,0.106835}, {13.5,-0.22356,9.9442,0.106183},
  {14.5,-0.28701,10.2033,0.105691}, {15.5,-0.34700,10.4454,0.105350}, {16.5,-0.40369,10.6725,0.105150},
  {17.5,-0.45722,10.8864,0.105084}, {18.5,-0.50770,11.0887,0.105144}, {19.5,-0.55524,11.2809,0.105323},
  {20.5,-0.59992,11.4644,0.105613}, {21.5,-0.64185,11.6404,0.106007}, {22.5,-0.68114,11.8101,0.106498},
  {23.5,-0.71788,11.9745,0.107078}, {24.5,-0.75221,12.1346,0.107740}, {30.5,-0.91472,13.0436,0.113023},
  {36.5,-1.02447,13.9411,0.119492},
};
static const lms_row bmi_f[] = {
  {24.5,-1.02450,16.3880,0.085026}, {30.5,-1.53454,16.0059,0.080932}, {36.5,-2.09683,15.6992,0.078605},
  {42.5,-2.61873,15.4647,0.077904}, {48.5,-3.01852,15.2985,0.078713}, {54.5,-3.25930,15.1961,0.080904},
  {60.5,-3.35008,15.1519,0.084300}, {66.5,-3.32552,15.1606,0.088680}, {72.5,-3.22561,15.2169,0.093803},
  {78.5,-3.08429,15.3161,0.099427}, {84.5,-2.92619,15.4536,0.105325}, {90.5,-2.76731,15.6252,0.111295},
  {96.5,-2.61719,15.8270,0.117159}, {102.5,-2.48095,16.0552,0.122771}, {108.5,-2.36092,16.3061,0.128014},
  {114.5,-2.25778,16.5763,0.132797}, {120.5,-2.17130,16.8623,0.137057}, {126.5,-2.10075,17.1610,0.140754},
  {132.5,-2.04524,17.4691,0.143868}, {138.5,-2.00380,17.7836,0.146399}, {144.5,-1.97552,18.1015,0.148361},
  {150.5,-1.95952,18.4200,0.149783}, {156.5,-1.95498,18.7364,0.150705}, {162.5,-1.96110,19.0481,0.151176},
  {168.5,-1.97707,19.3526,0.151256}, {174.5,-2.00201,19.6475,0.151010}, {180.5,-2.03489,19.9306,0.150512},
  {186.5,-2.07446,20.1998,0.149843}, {192.5,-2.11916,20.4533,0.149090}, {198.5,-2.16704,20.6891,0.148349},
  {204.5,-2.21574,20.9058,0.147723}, {210.5,-2.26238,21.1016,0.147323}, {216.5,-2.30369,21.2753,0.147269},
  {222.5,-2.33604,21.4255,0.147689}, {228.5,-2.35568,21.5508,0.148724}, {234.5,-2.35898,21.6501,0.150521},
  {240,-2.34280,21.7219,0.153241},
};

/* Adult height and BMI by age decade (the rows are the decade midpoints;
** the last stands for 80 and over).  Source: CDC NCHS, Anthropometric
** Reference Data for Children and Adults: United States, 2015-2018
** (Fryar et al., Vital Health Stat 3(46), 2021), NHANES 2015-2018 means
** for adults, rounded.  Heights: men 176.1 cm at 20-29 down to 170.7 at
** 80+ (SD about 7.6), women 162.9 down to 155.5 (SD about 7.1); the fall
** with age is partly shrinkage and partly older cohorts being shorter; it is
** used here as the shrinkage of one person.  BMI means (kg/m2) are turned
** into medians of a log-normal with the given log-SD (median = mean *
** exp(-sd^2/2)); the log-SDs match the published SDs of BMI (about 6 for
** men, 7 for women). */
static const double adult_age[] = { 25, 35, 45, 55, 65, 75, 85 };
static const double adult_height_m[] = { 176.1, 176.2, 176.3, 175.7, 174.5, 172.8, 170.7 };
static const double adult_height_f[] = { 162.9, 162.8, 162.5, 161.7, 160.3, 158.4, 155.5 };
static const double adult_bmi_mean_m[] = { 27.4, 29.4, 29.9, 29.9, 29.9, 29.3, 27.6 };
static const double adult_bmi_mean_f[] = { 28.3, 29.8, 30.1, 30.4, 30.5, 29.5, 27.1 };
#define ADULT_HEIGHT_SD_M 7.6
#define ADULT_HEIGHT_SD_F 7.1
#define ADULT_BMI_LOGSD_M 0.20
#define ADULT_BMI_LOGSD_F 0.24

/* Piecewise-linear interpolation of y over increasing x; constant outside. */
static double interp(const double *x, const double *y, int n, double at) {
  if (at <= x[0]) return y[0];
  if (at >= x[n - 1]) return y[n - 1];
  int i = 1;
  while (x[i] < at) i++;
  double t = (at - x[i - 1]) / (x[i] - x[i - 1]);
  return y[i - 1] + t * (y[i] - y[i - 1]);
}

/* Value at z of one LMS row. */
static double lms_value(double l, double m, double s, double z) {
  if (fabs(l) < 1e-6) return m * exp(s * z);
  double base = 1.0 + l * s * z;
  if (base < 0.05) base = 0.05;       /* never reached for |z| <= 2 */
  return m * pow(base, 1.0 / l);
}

/* Value at z of an LMS table at `age_m` months (clamped to the table),
** L, M and S interpolated linearly between rows.  Beyond |z| = 2 the value
** goes on linearly with the step from |z| = 1 to 2, in the manner of the
** WHO's restricted use of LMS beyond 3 SD: the Box-Cox skewness of the BMI
** charts extrapolates badly in the tails (z = +3 would give a BMI near 80
** for teenage girls, instead of about 43). */
static double lms_at(const lms_row *t, int n, double age_m, double z) {
  double l, m, s;
  if (age_m <= t[0].age_m) {
    l = t[0].l; m = t[0].m; s = t[0].s;
  } else if (age_m >= t[n - 1].age_m) {
    l = t[n - 1].l; m = t[n - 1].m; s = t[n - 1].s;
  } else {
    int lo = 0, hi = n - 1;           /* t[lo].age_m < age_m <= t[hi].age_m */
    while (hi - lo > 1) {
      int mid = (lo + hi) / 2;
      if (t[mid].age_m < age_m) lo = mid; else hi = mid;
    }
    double f = (age_m - t[lo].age_m) / (t[hi].age_m - t[lo].age_m);
    l = t[lo].l + f * (t[hi].l - t[lo].l);
    m = t[lo].m + f * (t[hi].m - t[lo].m);
    s = t[lo].s + f * (t[hi].s - t[lo].s);
  }
  if (fabs(z) <= 2.0) return lms_value(l, m, s, z);
  double sign = z > 0 ? 1.0 : -1.0;
  double x2 = lms_value(l, m, s, 2.0 * sign), x1 = lms_value(l, m, s, sign);
  return x2 + (fabs(z) - 2.0) * (x2 - x1);
}

static double clamp(double x, double lo, double hi) {
  return x < lo ? lo : x > hi ? hi : x;
}

void vt_growth_draw(vt_rng *rng, vt_growth *g) {
  g->z_height = clamp(vt_rng_normal(rng, 0.0, 1.0), -3.0, 3.0);
  g->z_bmi = clamp(vt_rng_normal(rng, 0.0, 1.0), -3.0, 3.0);
}

/* Infant weight-for-age uses a z-score mixing the height and BMI
** percentiles, 0.6*z_height + 0.8*z_bmi (still standard normal; clamped to
** +-3), because a long baby is also a heavy one.  From 24 to 36 months the weight moves
** linearly from weight-for-age to BMI-for-age, and from 20 to 21 years
** (height) and 20 to 25 years (BMI) the CDC values at 20 move linearly to the
** adult NHANES values, so that no measure jumps at a chart boundary. */
void vt_growth_at(const vt_growth *g, char gender, double age_years,
                  double *height_cm, double *weight_kg, double *bmi_out) {
  int male = gender == 'M';
  const lms_row *ht = male ? height_m : height_f;
  const lms_row *wt = male ? weight_m : weight_f;
  const lms_row *bt = male ? bmi_m : bmi_f;
  int nh = male ? NELEM(height_m) : NELEM(height_f);
  int nw = male ? NELEM(weight_m) : NELEM(weight_f);
  int nb = male ? NELEM(bmi_m) : NELEM(bmi_f);
  double age = age_years > 0.0 ? age_years : 0.0;   /* also catches NaN */
  double am = age * 12.0;
  double zh = g->z_height, zb = g->z_bmi;
  double zw = clamp(0.6 * zh + 0.8 * zb, -3.0, 3.0);

  double height;
  if (age < 20.0) {
    height = lms_at(ht, nh, am, zh);
  } else {
    double mean = interp(adult_age, male ? adult_height_m : adult_height_f, NELEM(adult_age), age);
    double adult = mean + zh * (male ? ADULT_HEIGHT_SD_M : ADULT_HEIGHT_SD_F);
    if (age < 21.0) {
      double t = age - 20.0;
      height = (1.0 - t) * lms_at(ht, nh, 240.0, zh) + t * adult;
    } else {
      height = adult;
    }
  }
  double hm2 = (height / 100.0) * (height / 100.0);

  double weight, bmi;
  if (am < 24.0) {
    weight = lms_at(wt, nw, am, zw);
    bmi = weight / hm2;
  } else if (age < 20.0) {
    bmi = lms_at(bt, nb, am, zb);
    weight = bmi * hm2;
    if (am < 36.0) {
      double t = (am - 24.0) / 12.0;
      weight = (1.0 - t) * lms_at(wt, nw, am, zw) + t * weight;
      bmi = weight / hm2;
    }
  } else {
    const double *mean = male ? adult_bmi_mean_m : adult_bmi_mean_f;
    double sd = male ? ADULT_BMI_LOGSD_M : ADULT_BMI_LOGSD_F;
    double median = interp(adult_age, mean, NELEM(adult_age), age) * exp(-0.5 * sd * sd);
    bmi = median * exp(sd * zb);
    if (age < 25.0) {
      double t = (age - 20.0) / 5.0;
      bmi = (1.0 - t) * lms_at(bt, nb, 240.0, zb) + t * bmi;
    }
    weight = bmi * hm2;
  }
  if (height_cm) *height_cm = height;
  if (weight_kg) *weight_kg = weight;
  if (bmi_out) *bmi_out = bmi;
}

/* ------------------------------------------------------------------ */
/* Vital signs                                                         */
/* ------------------------------------------------------------------ */

/* Heart rate and respiratory rate of children: medians by age (years) from
** Fleming et al., "Normal ranges of heart rate and respiratory rate in
** children from birth to 18 years of age: a systematic review of
** observational studies", Lancet 2011;377:1011-8 (centile charts; values at
** the middle of each age band, rounded); the SDs are read from the spread
** of their 1st-99th centiles (about 4.65 SD).  Adults (from 20): resting
** pulse about 70/min in men and 74/min in women (NHANES 1999-2008, Ostchega
** et al., NHSR 41, 2011), respiratory rate 16/min (normal 12-20).  Between
** 16.5 and 20 years the values move linearly to the adult ones. */
static const double hr_age[]    = { 0, 0.125, 0.375, 0.625, 0.875, 1.25, 1.75, 2.5, 3.5, 5, 7, 10, 13.5, 16.5 };
static const double hr_median[] = { 127, 143, 140, 134, 128, 123, 116, 110, 104, 98, 91, 84, 78, 73 };
static const double hr_sd[]     = { 15, 16, 16, 15, 15, 14, 14, 13, 13, 12, 12, 11, 11, 11 };
static const double rr_median[] = { 44, 43, 41, 39, 37, 35, 31, 28, 25, 23, 21, 19, 18, 16 };
static const double rr_sd[]     = { 9, 9, 8, 7, 7, 6, 5, 4.5, 4, 3.5, 3, 2.8, 2.6, 2.4 };
#define HR_ADULT_M 70.0
#define HR_ADULT_F 74.0
#define HR_ADULT_SD 10.0
#define RR_ADULT 16.0
#define RR_ADULT_SD 2.0

/* Blood pressure (mmHg), mean by age (years) and sex.  Children 1-17:
** 50th percentile at the 50th height percentile from the AAP Clinical
** Practice Guideline for High Blood Pressure in Children (Flynn et al.,
** Pediatrics 2017;140:e20171904, tables 4 and 5), rounded; infants (0 and
** 6 months) from the Report of the Second Task Force on Blood Pressure
** Control in Children (Pediatrics 1987;79:1-25), approximate.  Adults:
** approximate NHANES (CDC NCHS) population means by age and sex, rounded
** and set at decade points: systolic rising from about 118 (men) and 108
** (women) at 20 to about 135 and 138 at 80, diastolic peaking near 78 and
** 74 at 50 and falling after.  Those means include treated and untreated
** hypertension; bp_offset adds to them for a patient whose hypertension the
** simulation models. */
static const double bp_age[] = { 0, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
                                 20, 30, 40, 50, 60, 70, 80, 90 };
static const double sbp_m[] = { 70, 83, 85, 87, 88, 90, 91, 93, 94, 95, 96, 97, 99, 101, 103, 105, 108, 111, 114,
                                118, 119, 121, 124, 128, 132, 135, 136 };
static const double dbp_m[] = { 38, 40, 40, 43, 45, 48, 51, 54, 56, 57, 57, 58, 59, 60, 61, 62, 62, 63, 65,
                                70, 74, 77, 78, 76, 72, 68, 64 };
static const double sbp_f[] = { 70, 82, 84, 87, 88, 89, 90, 92, 92, 93, 95, 96, 98, 100, 101, 102, 103, 104, 105,
                                108, 110, 114, 120, 127, 133, 138, 139 };
static const double dbp_f[] = { 38, 40, 41, 45, 48, 50, 52, 54, 55, 56, 57, 58, 59, 61, 62, 63, 64, 64, 64,
                                67, 70, 73, 74, 73, 69, 66, 63 };
/* Measurement-to-measurement SD around those means: about 8/7 mmHg in
** children and 10/7 mmHg in adults (visit-to-visit variability of office
** blood pressure, e.g. Rothwell et al., Lancet 2010;375:895-905). */
#define SBP_SD_CHILD 8.0
#define DBP_SD_CHILD 7.0
#define SBP_SD_ADULT 10.0
#define DBP_SD_ADULT 7.0

/* Body temperature (C): 36.8 +- 0.4 in healthy adults (Mackowiak et al.,
** JAMA 1992;268:1578-80), slightly higher in young children and falling by
** about 0.02 C a decade in adults (Obermeyer et al., BMJ 2017;359:j5468). */
static const double temp_age[]  = { 0, 5, 18, 65, 90 };
static const double temp_mean[] = { 36.9, 36.8, 36.7, 36.6, 36.5 };
#define TEMP_SD 0.3

void vt_vitals_draw(vt_rng *rng, char gender, double age_years,
                    double bp_offset, vt_vitals *v) {
  int male = gender == 'M';
  double age = age_years > 0.0 ? age_years : 0.0;
  int n = NELEM(hr_age);

  double hr_mu, hr_s, rr_mu, rr_s;
  double hr_child = interp(hr_age, hr_median, n, age), hr_child_sd = interp(hr_age, hr_sd, n, age);
  double rr_child = interp(hr_age, rr_median, n, age), rr_child_sd = interp(hr_age, rr_sd, n, age);
  double hr_adult = male ? HR_ADULT_M : HR_ADULT_F;
  double top = hr_age[n - 1];
  if (age <= top) {
    hr_mu = hr_child; hr_s = hr_child_sd; rr_mu = rr_child; rr_s = rr_child_sd;
  } else {
    double t = age >= 20.0 ? 1.0 : (age - top) / (20.0 - top);
    hr_mu = hr_child + t * (hr_adult - hr_child);
    hr_s = hr_child_sd + t * (HR_ADULT_SD - hr_child_sd);
    rr_mu = rr_child + t * (RR_ADULT - rr_child);
    rr_s = rr_child_sd + t * (RR_ADULT_SD - rr_child_sd);
  }

  int nb = NELEM(bp_age);
  double sbp_mu = interp(bp_age, male ? sbp_m : sbp_f, nb, age);
  double dbp_mu = interp(bp_age, male ? dbp_m : dbp_f, nb, age);
  int adult = age >= 18.0;

  double sbp = vt_rng_normal(rng, sbp_mu, adult ? SBP_SD_ADULT : SBP_SD_CHILD) + bp_offset;
  double dbp = vt_rng_normal(rng, dbp_mu, adult ? DBP_SD_ADULT : DBP_SD_CHILD) + 0.5 * bp_offset;
  double hr = vt_rng_normal(rng, hr_mu, hr_s);
  double rr = vt_rng_normal(rng, rr_mu, rr_s);
  double temp = vt_rng_normal(rng, interp(temp_age, temp_mean, NELEM(temp_age), age), TEMP_SD);

  /* Keep the values physiological and the pulse pressure positive. */
  sbp = clamp(round(sbp), 50.0, 260.0);
  dbp = clamp(round(dbp), 25.0, sbp - 10.0);
  v->systolic = sbp;
  v->diastolic = dbp;
  v->heart_rate = clamp(round(hr), 40.0, 220.0);
  v->resp_rate = clamp(round(rr), 8.0, 80.0);
  v->temperature = clamp(round(temp * 10.0) / 10.0, 35.5, 38.0);
}

/* ------------------------------------------------------------------ */
/* Wellness visits                                                     */
/* ------------------------------------------------------------------ */

/* Ages (months) of the scheduled wellness visits after the first-week one.
** Children: the AAP Bright Futures / AAP Recommendations for Preventive
** Pediatric Health Care (periodicity schedule, 2023): 3-5 days (day 4
** here), 1, 2, 4, 6, 9, 12, 15, 18, 24 and 30 months, then yearly from 3 to
** 21 years.  Adults: every 3 years from 21 to 39 and yearly from 40, the
** spacing often advised for periodic health examinations (e.g. the
** American Academy of Family Physicians' periodic examination guidance;
** Synthea uses 3 years to 39, 2 to 49, then 1).  The table ends at 40;
** after it every 12 months. */
static const int wellness_months[] = {
  1, 2, 4, 6, 9, 12, 15, 18, 24, 30,
  36, 48, 60, 72, 84, 96, 108, 120, 132, 144, 156, 168, 180, 192, 204, 216, 228, 240, 252,
  288, 324, 360, 396, 432, 468, 480,
};
#define WELLNESS_FIRST_DAYS 4

static int leap_year(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(int64_t y, int m) {
  static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  return m == 2 && leap_year(y) ? 29 : dm[m - 1];
}

/* `t` moved by `months` calendar months, keeping the time of day; a day
** past the end of the target month becomes its last day. */
static vt_time add_months(vt_time t, int64_t months) {
  int64_t days = floor_div(t, VT_MS_DAY);
  vt_time tod = t - days * VT_MS_DAY;
  int y, m, d;
  vt_civil_from_days(days, &y, &m, &d);
  int64_t total = (int64_t)y * 12 + (m - 1) + months;
  int64_t ny = floor_div(total, 12);
  int nm = (int)(total - ny * 12) + 1;
  int md = month_days(ny, nm);
  if (d > md) d = md;
  return vt_days_from_civil((int)ny, nm, d) * VT_MS_DAY + tod;
}

static int64_t wellness_age_months(int64_t k) {
  int n = NELEM(wellness_months);
  return k < n ? wellness_months[k] : wellness_months[n - 1] + 12 * (k - n + 1);
}

vt_time vt_wellness_next(vt_time birth, vt_time after) {
  vt_time first = birth + WELLNESS_FIRST_DAYS * VT_MS_DAY;
  if (after < first) return first;
  /* Start a little before the visit that is due by elapsed time, then step
  ** forward on the calendar. */
  int64_t elapsed = (after - birth) / VT_MS_MONTH - 2;
  int n = NELEM(wellness_months);
  int64_t k = 0;
  if (elapsed > wellness_months[n - 1]) {
    k = n + (elapsed - wellness_months[n - 1]) / 12 - 1;
  } else {
    while (k < n && wellness_months[k] < elapsed) k++;
  }
  for (;; k++) {
    vt_time t = add_months(birth, wellness_age_months(k));
    if (t > after) return t;
  }
}
