/*
** eval.h -- `vitae eval` (DESIGN.md, "Evaluation"): the evidence a data
** owner needs before sharing a cohort, in four areas, each in its own file:
**
**   learn/eval_fidelity.c   how close the cohort is to the real data
**   learn/eval_utility.c    train on synthetic, test on real (TSTR) vs TRTR
**   learn/eval_privacy.c    membership inference, Anonymeter's three risks,
**                           copies, rare-case memorisation, DCR, the ledger
**   learn/eval_sanity.c     public rules for records that cannot be real
**   learn/eval_against.c    the cohort against a released DP summary
**
** The command (sim/cli/cmd_eval.c) loads the cohorts (learn/eval_cohort.h),
** runs each area on an evaluation context, and writes the report: one
** self-contained HTML file (summary lines on top, then each area's
** section, plots drawn by learn/eval_svg.c) and the same figures in JSON
** under the stable keys of schemas/eval.md.
**
** Every area has the same five calls (AREA = fidelity, utility, ...):
**   int  vt_eval_AREA_run(const vt_eval_ctx *cx, vt_eval_AREA **out, char *err, size_t errlen);
**        0 with *out, or -1 with err (memory, LAPACK); an area that cannot
**        be measured with the cohorts given (utility without real data)
**        still returns 0 and says so in its verdict.
**   void vt_eval_AREA_verdict(const vt_eval_AREA *r, vt_eval_verdict *v);
**   void vt_eval_AREA_json(const vt_eval_AREA *r, vt_jsonw *w);
**        writes the members of the area's object (the caller opens and
**        closes it under the area's key).
**   int  vt_eval_AREA_html(const vt_eval_AREA *r, FILE *f);
**        writes the area's <section>; 0, or -1 when writing fails.
**   void vt_eval_AREA_free(vt_eval_AREA *r);
*/
#ifndef VT_EVAL_H
#define VT_EVAL_H

#include <stdint.h>
#include <stdio.h>

#include "learn/eval_cohort.h"
#include "sim/jsonw.h"

/* What an evaluation works on.  Any of real, holdout may be NULL: real is
** the training data (the data the cohort was learned from), holdout real
** data of the same population that was not used; params_path (may be NULL)
** is the --against file. */
typedef struct vt_eval_ctx {
  const vt_ecodes *codes;
  const vt_ecohort *synth;       /* never NULL */
  const vt_ecohort *real;
  const vt_ecohort *holdout;
  const char *params_path;       /* --against params.yaml, or NULL */
  const char *target;            /* --target "SNOMED:44054006": the chronic
                                    condition of the utility's onset task, or
                                    NULL (the area picks one, learn/eval_utility.c) */
  uint64_t seed;                 /* bootstraps, subsamples: same seed, same report */
  int threads;                   /* >= 1; results never depend on it */
  int quiet;                     /* no progress lines */
  /* Progress lines (stderr unless quiet): vt_eval_progress. */
} vt_eval_ctx;

/* Print a progress line "eval: ..." to stderr unless cx->quiet. */
void vt_eval_progress(const vt_eval_ctx *cx, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The plain verdict of an area, for the report's first lines. */
typedef enum vt_eval_level {
  VT_EVAL_NOT_MEASURED = -1,     /* the inputs do not allow it (said in text) */
  VT_EVAL_GOOD = 0,
  VT_EVAL_CAUTION = 1,
  VT_EVAL_POOR = 2,
} vt_eval_level;

typedef struct vt_eval_verdict {
  vt_eval_level level;
  char verdict[64];              /* "close to the real data", "no membership signal" */
  char metric[64];               /* the number's name: "fidelity score", "membership AUROC" */
  double value;                  /* NAN when not measured */
  char text[320];                /* one sentence: what the number means, what to do */
} vt_eval_verdict;

/* "good", "caution", "poor", "not measured". */
const char *vt_eval_level_name(vt_eval_level l);

/* HTML conventions every section follows (cmd_eval.c's stylesheet):
**   <section id="AREA"><h2>...</h2> ... </section>
**   tables: <table class="figures"> with <th> headers, numbers in <td class="num">
**   a verdict badge: <span class="badge good|caution|poor|na">...</span>
**   plots: <figure class="plot"><svg .../><figcaption>...</figcaption></figure>
**   notes: <p class="note">...</p>
** Text from data (code descriptions, ids) goes through vt_eval_html_text. */
int vt_eval_html_text(FILE *f, const char *text);

/* The areas (opaque results). */
typedef struct vt_eval_fidelity vt_eval_fidelity;
typedef struct vt_eval_utility vt_eval_utility;
typedef struct vt_eval_privacy vt_eval_privacy;
typedef struct vt_eval_sanity vt_eval_sanity;
typedef struct vt_eval_against vt_eval_against;

int vt_eval_fidelity_run(const vt_eval_ctx *cx, vt_eval_fidelity **out, char *err, size_t errlen);
void vt_eval_fidelity_verdict(const vt_eval_fidelity *r, vt_eval_verdict *v);
void vt_eval_fidelity_json(const vt_eval_fidelity *r, vt_jsonw *w);
int vt_eval_fidelity_html(const vt_eval_fidelity *r, FILE *f);
void vt_eval_fidelity_free(vt_eval_fidelity *r);

int vt_eval_utility_run(const vt_eval_ctx *cx, vt_eval_utility **out, char *err, size_t errlen);
void vt_eval_utility_verdict(const vt_eval_utility *r, vt_eval_verdict *v);
void vt_eval_utility_json(const vt_eval_utility *r, vt_jsonw *w);
int vt_eval_utility_html(const vt_eval_utility *r, FILE *f);
void vt_eval_utility_free(vt_eval_utility *r);

int vt_eval_privacy_run(const vt_eval_ctx *cx, vt_eval_privacy **out, char *err, size_t errlen);
void vt_eval_privacy_verdict(const vt_eval_privacy *r, vt_eval_verdict *v);
void vt_eval_privacy_json(const vt_eval_privacy *r, vt_jsonw *w);
int vt_eval_privacy_html(const vt_eval_privacy *r, FILE *f);
void vt_eval_privacy_free(vt_eval_privacy *r);

/* The sanity rules look at raw events: the command passes
** vt_eval_sanity_hook (with the side's collector) to vt_ecohort_load for
** every side, then runs the area. */
typedef struct vt_eval_sanity_side vt_eval_sanity_side;
vt_eval_sanity_side *vt_eval_sanity_side_new(const char *side_name);
void vt_eval_sanity_hook(void *side, const vt_person *p);
/* Takes ownership of the sides (synth first, then real, holdout; NULL for
** a side not given). */
int vt_eval_sanity_run(const vt_eval_ctx *cx, vt_eval_sanity_side *synth, vt_eval_sanity_side *real,
                       vt_eval_sanity_side *holdout, vt_eval_sanity **out, char *err, size_t errlen);
void vt_eval_sanity_verdict(const vt_eval_sanity *r, vt_eval_verdict *v);
void vt_eval_sanity_json(const vt_eval_sanity *r, vt_jsonw *w);
int vt_eval_sanity_html(const vt_eval_sanity *r, FILE *f);
void vt_eval_sanity_free(vt_eval_sanity *r);
void vt_eval_sanity_side_free(vt_eval_sanity_side *s);

/* --against in steps, so that the synthetic cohort is read once:
** vt_eval_against_prepare, before any cohort is read, loads the params file
** (cx->params_path) and rebuilds the workload its dp_summary names: 0, or
** -1 with err ("FILE:LINE: ...": no dp_summary, an entry no workload has).
** While the synthetic cohort is read (vt_ecohort_options), the pass takes
** the reader's concept ancestry (vt_eval_against_open: 0, or -1 with err)
** and measures every raw person as `vitae learn` does
** (vt_eval_against_person).  vt_eval_against_run then compares. */
typedef struct vt_eval_against_pass vt_eval_against_pass;
int vt_eval_against_prepare(const char *params_path, vt_eval_against_pass **out, char *err, size_t errlen);
int vt_eval_against_open(void *pass, vt_ehr *r, char *err, size_t errlen);
void vt_eval_against_person(void *pass, const vt_person *p);
void vt_eval_against_pass_free(vt_eval_against_pass *ps);
int vt_eval_against_run(const vt_eval_ctx *cx, const vt_eval_against_pass *ps, vt_eval_against **out, char *err,
                        size_t errlen);
void vt_eval_against_verdict(const vt_eval_against *r, vt_eval_verdict *v);
void vt_eval_against_json(const vt_eval_against *r, vt_jsonw *w);
int vt_eval_against_html(const vt_eval_against *r, FILE *f);
void vt_eval_against_free(vt_eval_against *r);

#endif
