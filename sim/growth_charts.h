/*
** growth_charts.h -- CDC 2000 growth charts (LMS tables) and LMS arithmetic.
**
** A chart row gives, at x (age in months, or recumbent length in cm for
** weight-for-length), the Box-Cox power L, the median M and the coefficient
** of variation S; the value at z-score z is M * (1 + L*S*z)^(1/L), or
** M * exp(S*z) when L = 0.
*/
#ifndef VT_GROWTH_CHARTS_H
#define VT_GROWTH_CHARTS_H

typedef struct vt_lms { double x, l, m, s; } vt_lms;

typedef enum {
  VT_CHART_LENGTH,              /* length (to 24 months), then stature, for age, cm */
  VT_CHART_WEIGHT,              /* weight for age to 36 months, kg */
  VT_CHART_BMI,                 /* BMI for age, 24.5 to 240 months, kg/m2 */
  VT_CHART_HEAD,                /* head circumference for age to 36 months, cm */
  VT_CHART_WEIGHT_FOR_LENGTH    /* weight for recumbent length 45-103.5 cm, kg */
} vt_chart;

/* The rows of a chart for gender 'M' or 'F' (anything else: 'F'), and their count. */
const vt_lms *vt_chart_rows(vt_chart chart, char gender, int *n);
/* L, M and S at x, interpolated linearly between rows and clamped to the table. */
void vt_lms_params(const vt_lms *t, int n, double x, double *l, double *m, double *s);
/* The value at z-score z. */
double vt_lms_value(double l, double m, double s, double z);
/* The z-score of a value (-6 for a value <= 0). */
double vt_lms_z(double l, double m, double s, double value);

#endif
