/*
** eval_privacy_report.c -- the privacy area's verdict, JSON and HTML
** section (learn/eval.h; the keys in schemas/eval.md; the measurements in
** learn/eval_privacy.c and learn/eval_privacy_anon.c).
*/
#include "learn/eval.h"

#include <math.h>
#include <string.h>

#include "learn/eval_privacy_int.h"
#include "learn/eval_svg.h"

/* ---- verdict, JSON, HTML ---------------------------------------------------- */

static double max_auroc(const vt_eval_privacy *r) {
  double a = r->dist.auroc, b = r->dens.auroc;
  if (isnan(a)) return b;
  if (isnan(b)) return a;
  return a > b ? a : b;
}

void vt_eval_privacy_verdict(const vt_eval_privacy *r, vt_eval_verdict *v) {
  memset(v, 0, sizeof *v);
  snprintf(v->metric, sizeof v->metric, "membership AUROC");
  v->value = NAN;
  if (!r->measured) {
    v->level = VT_EVAL_NOT_MEASURED;
    snprintf(v->verdict, sizeof v->verdict, "not measured");
    snprintf(v->text, sizeof v->text, "Privacy %s.", r->reason);
    return;
  }
  if (!r->has_holdout) {
    if (r->exact_train > 0.01) {
      v->level = VT_EVAL_POOR;
      snprintf(v->verdict, sizeof v->verdict, "copies of training records");
      snprintf(v->text, sizeof v->text,
               "%.1f%% of the synthetic records copy a training record exactly; membership inference needs --holdout.",
               100 * r->exact_train);
    } else {
      v->level = VT_EVAL_NOT_MEASURED;
      snprintf(v->verdict, sizeof v->verdict, "needs --holdout");
      snprintf(v->text, sizeof v->text,
               "Membership inference and Anonymeter's risks need real records not used for training (--holdout); "
               "only copies, DCR and the ledger were measured.");
    }
    return;
  }
  double auc = max_auroc(r), copy_excess = r->exact_train - (isnan(r->exact_holdout) ? 0 : r->exact_holdout);
  v->value = auc;
  int anon = 0;
  for (int a = 0; a < 3; a++) anon |= r->anon[a].measured && r->anon[a].lo > 0.05;
  if (auc > 0.6 || copy_excess > 0.01 || r->rare_diff > 0.05) {
    v->level = VT_EVAL_POOR;
    snprintf(v->verdict, sizeof v->verdict, "membership signal");
    snprintf(v->text, sizeof v->text,
             "An attacker tells training records from others (AUROC %.3f), or the cohort copies training records "
             "(%.1f%% beyond the holdout's) or rare cases (%+.3f): do not share it as anonymous.",
             auc, 100 * copy_excess, isnan(r->rare_diff) ? 0 : r->rare_diff);
  } else if (auc < 0.4) {
    v->level = VT_EVAL_CAUTION;
    snprintf(v->verdict, sizeof v->verdict, "holdout closer than training");
    snprintf(v->text, sizeof v->text,
             "The holdout records look more like the synthetic cohort than the training records do (AUROC %.3f): "
             "check that the holdout was not used to build the cohort.", auc);
  } else if (auc > 0.55 || anon) {
    v->level = VT_EVAL_CAUTION;
    snprintf(v->verdict, sizeof v->verdict, "weak membership signal");
    snprintf(v->text, sizeof v->text,
             "A weak signal (AUROC %.3f%s): look at the attacks on rare patients and Anonymeter's risks before sharing.",
             auc, anon ? ", an Anonymeter risk above 5%" : "");
  } else {
    v->level = VT_EVAL_GOOD;
    snprintf(v->verdict, sizeof v->verdict, "no membership signal");
    snprintf(v->text, sizeof v->text,
             "Attacks tell training records from holdout records no better than chance (AUROC %.3f); "
             "this is evidence, not a guarantee: only differential privacy bounds the risk.", auc);
  }
}

static void json_mia(vt_jsonw *w, const mia_fig *f) {
  vt_jw_kbool(w, "measured", f->measured);
  vt_jw_kint(w, "members", (int64_t)f->n_members);
  vt_jw_kint(w, "nonmembers", (int64_t)f->n_nonmembers);
  vt_jw_kreal(w, "auroc", f->auroc);
  vt_jw_kreal(w, "ci_low", f->lo);
  vt_jw_kreal(w, "ci_high", f->hi);
  vt_jw_kreal(w, "tpr_at_fpr_1pct", f->tpr1);
  vt_jw_kreal(w, "tpr_at_fpr_01pct", f->tpr01);
}

static void json_attack(vt_jsonw *w, const char *key, const mia_fig *all, const mia_fig *rare) {
  vt_jw_key(w, key);
  vt_jw_obj(w, 0);
  json_mia(w, all);
  vt_jw_key(w, "rare");
  vt_jw_obj(w, 0);
  vt_jw_kstr(w, "rule", "patients with a code held by fewer than 1% of the members and holdout records pooled");
  json_mia(w, rare);
  vt_jw_end(w);
  vt_jw_end(w);
}

static void json_risk(vt_jsonw *w, const char *key, const pv_risk *k) {
  vt_jw_key(w, key);
  vt_jw_obj(w, 1);
  vt_jw_kbool(w, "measured", k->measured);
  vt_jw_kreal(w, "risk", k->risk);
  vt_jw_kreal(w, "ci_low", k->lo);
  vt_jw_kreal(w, "ci_high", k->hi);
  vt_jw_kreal(w, "attack_rate", k->attack);
  vt_jw_kreal(w, "control_rate", k->control);
  vt_jw_kint(w, "n", (int64_t)k->n);
  vt_jw_end(w);
}

void vt_eval_privacy_json(const vt_eval_privacy *r, vt_jsonw *w) {
  vt_jw_kbool(w, "measured", r->measured);
  if (!r->measured) vt_jw_kstr(w, "reason", r->reason);
  else if (!r->has_holdout) vt_jw_kstr(w, "reason", "needs --holdout for membership inference and Anonymeter");
  vt_jw_kint(w, "members", (int64_t)r->members);
  vt_jw_kint(w, "nonmembers", (int64_t)r->nonmembers);
  vt_jw_kint(w, "synthetic", (int64_t)r->nsynth);
  vt_jw_key(w, "mia");
  vt_jw_obj(w, 0);
  json_attack(w, "distance", &r->dist, &r->dist_rare);
  json_attack(w, "density_ratio", &r->dens, &r->dens_rare);
  vt_jw_end(w);
  vt_jw_key(w, "anonymeter");
  vt_jw_obj(w, 0);
  json_risk(w, "singling_out", &r->anon[0]);
  json_risk(w, "linkability", &r->anon[1]);
  json_risk(w, "inference", &r->anon[2]);
  vt_jw_end(w);
  vt_jw_key(w, "copies");
  vt_jw_obj(w, 1);
  vt_jw_kreal(w, "exact_train", r->exact_train);
  vt_jw_kreal(w, "exact_holdout", r->exact_holdout);
  vt_jw_kreal(w, "near_train", r->near_train);
  vt_jw_kreal(w, "near_holdout", r->near_holdout);
  vt_jw_end(w);
  vt_jw_key(w, "rare_memorisation");
  vt_jw_obj(w, 1);
  vt_jw_kint(w, "n_rare_train", (int64_t)r->n_rare_train);
  vt_jw_kreal(w, "share_train", r->share_train);
  vt_jw_kint(w, "n_rare_holdout", (int64_t)r->n_rare_holdout);
  vt_jw_kreal(w, "share_holdout", r->share_holdout);
  vt_jw_kreal(w, "difference", r->rare_diff);
  vt_jw_end(w);
  vt_jw_key(w, "dcr");
  vt_jw_obj(w, 0);
  vt_jw_kint(w, "synthetic_sampled", (int64_t)r->dcr_n);
  vt_jw_kreal(w, "median_train", r->med_train);
  vt_jw_kreal(w, "median_holdout", r->med_holdout);
  vt_jw_kreal(w, "p5_train", r->p5_train);
  vt_jw_kreal(w, "p5_holdout", r->p5_holdout);
  vt_jw_kreal(w, "ratio", r->dcr_ratio);
  vt_jw_kreal(w, "nndr_median_train", r->nndr_med_train);
  vt_jw_kreal(w, "nndr_median_holdout", r->nndr_med_holdout);
  vt_jw_kreal(w, "nndr_p5_train", r->nndr_p5_train);
  vt_jw_kreal(w, "nndr_p5_holdout", r->nndr_p5_holdout);
  vt_jw_end(w);
  vt_jw_key(w, "ledger");
  vt_jw_obj(w, 1);
  vt_jw_kbool(w, "present", r->ledger_present);
  vt_jw_kreal(w, "epsilon", r->ledger_eps);
  vt_jw_kreal(w, "delta", r->ledger_delta);
  vt_jw_kint(w, "measurements", r->ledger_measurements);
  vt_jw_kstr(w, "note", r->ledger_note);
  vt_jw_end(w);
}

/* A number for a table cell: "n/a" when NaN. */
static void cell(FILE *f, const char *fmt, double x) {
  fputs("<td class=\"num\">", f);
  if (isnan(x)) fputs("n/a", f);
  else fprintf(f, fmt, x);
  fputs("</td>", f);
}

static void mia_row(FILE *f, const char *name, const mia_fig *m) {
  fprintf(f, "<tr><td>%s</td><td class=\"num\">%zu / %zu</td>", name, m->n_members, m->n_nonmembers);
  cell(f, "%.3f", m->auroc);
  fputs("<td class=\"num\">", f);
  if (isnan(m->lo)) fputs("n/a", f);
  else fprintf(f, "%.3f&#8211;%.3f", m->lo, m->hi);
  fputs("</td>", f);
  cell(f, "%.3f", m->tpr1);
  cell(f, "%.3f", m->tpr01);
  fputs("</tr>\n", f);
}

static void risk_row(FILE *f, const char *name, const char *what, const pv_risk *k) {
  fprintf(f, "<tr><td>%s</td><td>%s</td><td class=\"num\">%zu</td>", name, what, k->n);
  cell(f, "%.3f", k->attack);
  cell(f, "%.3f", k->control);
  cell(f, "%.3f", k->risk);
  fputs("<td class=\"num\">", f);
  if (isnan(k->lo)) fputs("n/a", f);
  else fprintf(f, "%.3f&#8211;%.3f", k->lo, k->hi);
  fputs("</td></tr>\n", f);
}

int vt_eval_privacy_html(const vt_eval_privacy *r, FILE *f) {
  vt_eval_verdict v;
  vt_eval_privacy_verdict(r, &v);
  static const char *const badge[] = { "good", "caution", "poor" };
  fputs("<section id=\"privacy\"><h2>Privacy</h2>\n", f);
  fprintf(f, "<p><span class=\"badge %s\">", v.level >= 0 ? badge[v.level] : "na");
  vt_eval_html_text(f, v.verdict);
  fputs("</span> ", f);
  vt_eval_html_text(f, v.text);
  fputs("</p>\n", f);
  if (!r->measured) {
    fputs("<p class=\"note\">Not measured: ", f);
    vt_eval_html_text(f, r->reason);
    fputs(".</p>\n</section>\n", f);
    return ferror(f) ? -1 : 0;
  }
  fprintf(f, "<p>Members: %zu training records; non-members: %zu holdout records; %zu synthetic records. "
             "Training records are sampled to the holdout's size so that every comparison is like with like.</p>\n",
          r->members, r->nonmembers, r->nsynth);

  fputs("<h3>Membership inference</h3>\n<p>Could someone holding a patient's record tell, from the synthetic cohort "
        "alone, that this patient was in the training data? Two attacks score each training and holdout record: "
        "the <em>distance attack</em> by how close its nearest synthetic record is (codes, sex and 5-year birth band, "
        "Jaccard distance), the <em>density-ratio attack</em> (after DOMIAS, van Breugel et al., AISTATS 2023) by how "
        "much denser the synthetic records are around it than the holdout records are. An AUROC of 0.5 means the "
        "attack cannot tell members from non-members; 1 means it always can. The true-positive rate at a 1% or 0.1% "
        "false-positive rate says how many members an attacker finds when it must almost never be wrong. Rare "
        "patients (with a code held by fewer than 1% of the training and holdout records scored, pooled) leak first.</p>\n", f);
  if (!r->has_holdout) {
    fputs("<p class=\"note\">Needs --holdout: real records of the same population that were not used for training.</p>\n", f);
  } else {
    fputs("<table class=\"figures\"><tr><th>attack</th><th>members / non-members</th><th>AUROC</th><th>95% CI</th>"
          "<th>TPR at FPR 1%</th><th>TPR at FPR 0.1%</th></tr>\n", f);
    mia_row(f, "distance", &r->dist);
    mia_row(f, "density ratio", &r->dens);
    mia_row(f, "distance, rare patients", &r->dist_rare);
    mia_row(f, "density ratio, rare patients", &r->dens_rare);
    fputs("</table>\n", f);
    double diag[ROC_POINTS];
    for (int i = 0; i < ROC_POINTS; i++) diag[i] = r->roc_fpr[i];
    vt_svg_series s[3] = {
      { "distance", "#1f77b4", r->roc_fpr, r->roc_dist, ROC_POINTS },
      { "density ratio", "#d62728", r->roc_fpr, r->roc_dens, ROC_POINTS },
      { "chance", "#999999", r->roc_fpr, diag, ROC_POINTS },
    };
    fputs("<figure class=\"plot\">", f);
    if (vt_svg_lines(f, "ROC curves of the membership attacks", "false-positive rate", "true-positive rate", s, 3, 0))
      return -1;
    fputs("<figcaption>Curves on the diagonal: no membership signal.</figcaption></figure>\n", f);

    fputs("<h3>Singling out, linkability, inference</h3>\n<p>The European guidance on anonymisation (Article 29 "
          "Working Party, Opinion 05/2014 on anonymisation techniques, endorsed by the EDPB) names three criteria: "
          "can a person be <em>singled out</em>, can records about a person be <em>linked</em>, can something about "
          "a person be <em>inferred</em>. Anonymeter (Giomi et al., PETS 2023) turns each into an attack that uses "
          "the synthetic cohort, run on training records and, as a control, on holdout records; what works on the "
          "control is what the data tells about anyone, so only the excess counts: risk = (attack rate &#8722; "
          "control rate) / (1 &#8722; control rate), with a 95% Wilson interval. The records are a table of sex, "
          "birth-year band, death and the 20 most prevalent codes. A risk near 0 is good; a lower bound above 0.05 "
          "calls for caution.</p>\n", f);
    fputs("<table class=\"figures\"><tr><th>criterion</th><th>attack</th><th>attacks</th><th>attack rate</th>"
          "<th>control rate</th><th>risk</th><th>95% CI</th></tr>\n", f);
    risk_row(f, "singling out", "a predicate that fits one synthetic record fits exactly one person", &r->anon[0]);
    risk_row(f, "linkability", "the two halves of a record point to the same synthetic record", &r->anon[1]);
    risk_row(f, "inference", "death or a common code guessed from the nearest synthetic record", &r->anon[2]);
    fputs("</table>\n", f);
  }

  fputs("<h3>Copies</h3>\n<p>An <em>exact copy</em> is a synthetic record whose whole coded trajectory (sex, birth day, "
        "and every code with its first day, last day and count) equals a real record's. A <em>near copy</em> has the "
        "same sex, a birth year within one, at least 5 codes and nearly the same set of codes (Jaccard distance at most "
        "0.1). Copies of holdout records are the baseline: they happen by chance for common, simple histories; copies "
        "of training records beyond that baseline are memorised patients.</p>\n", f);
  fputs("<table class=\"figures\"><tr><th></th><th>of training records</th><th>of holdout records</th></tr>\n", f);
  fputs("<tr><td>exact copies (share of synthetic records)</td>", f);
  cell(f, "%.4f", r->exact_train);
  cell(f, "%.4f", r->exact_holdout);
  fputs("</tr>\n<tr><td>near copies (share of synthetic records)</td>", f);
  cell(f, "%.4f", r->near_train);
  cell(f, "%.4f", r->near_holdout);
  fputs("</tr>\n</table>\n", f);

  fputs("<h3>Rare-case memorisation</h3>\n<p>Patterns of sex and set of codes seen fewer than 3 times in the training "
        "data, and the share of them the synthetic cohort reproduces, against the same share for the holdout's rare "
        "patterns. A generator that memorises reproduces the training rarities more often than the holdout's; "
        "under differential privacy the difference stays near 0.</p>\n", f);
  fputs("<table class=\"figures\"><tr><th></th><th>rare patterns</th><th>share found in the synthetic cohort</th></tr>\n",
        f);
  fprintf(f, "<tr><td>training</td><td class=\"num\">%zu</td>", r->n_rare_train);
  cell(f, "%.4f", r->share_train);
  fprintf(f, "</tr>\n<tr><td>holdout</td><td class=\"num\">%zu</td>", r->n_rare_holdout);
  cell(f, "%.4f", r->share_holdout);
  fputs("</tr>\n<tr><td>difference</td><td></td>", f);
  cell(f, "%+.4f", r->rare_diff);
  fputs("</tr>\n</table>\n", f);

  fputs("<h3>Distance to closest record</h3>\n<p>For synthetic records (a sample of at most 20,000), the distance to "
        "the closest training record and to the closest holdout record, and the ratio of the nearest to the second "
        "nearest (NNDR). Synthetic records much closer to training records than to holdout records would hint at "
        "copying. <strong>This is a diagnostic, not a guarantee</strong>: cohorts that look safe by DCR can still "
        "be open to membership inference (&#8220;The DCR Delusion&#8221;, 2025).</p>\n", f);
  fputs("<table class=\"figures\"><tr><th></th><th>median DCR</th><th>5th percentile</th><th>median NNDR</th>"
        "<th>5th percentile NNDR</th></tr>\n<tr><td>to training</td>", f);
  cell(f, "%.3f", r->med_train);
  cell(f, "%.3f", r->p5_train);
  cell(f, "%.3f", r->nndr_med_train);
  cell(f, "%.3f", r->nndr_p5_train);
  fputs("</tr>\n<tr><td>to holdout</td>", f);
  cell(f, "%.3f", r->med_holdout);
  cell(f, "%.3f", r->p5_holdout);
  cell(f, "%.3f", r->nndr_med_holdout);
  cell(f, "%.3f", r->nndr_p5_holdout);
  fputs("</tr>\n<tr><td>ratio of medians (training / holdout)</td>", f);
  cell(f, "%.3f", r->dcr_ratio);
  fputs("<td></td><td></td><td></td></tr>\n</table>\n", f);
  {
    double x[DCR_BINS];
    for (int b = 0; b < DCR_BINS; b++) x[b] = (b + 0.5) / DCR_BINS;
    vt_svg_series s[2] = {
      { "to training", "#1f77b4", x, r->hist_train, DCR_BINS },
      { "to holdout", "#ff7f0e", x, r->hist_holdout, DCR_BINS },
    };
    fputs("<figure class=\"plot\">", f);
    if (vt_svg_lines(f, "Distance to closest record", "Jaccard distance", "share of synthetic records", s,
                     r->has_holdout ? 2 : 1, 0))
      return -1;
    fputs("<figcaption>Histograms (20 bins); the two lines should overlap.</figcaption></figure>\n", f);
  }

  fputs("<h3>Privacy ledger</h3>\n<p>", f);
  if (r->ledger_present) {
    fputs("The cohort was simulated from parameters fitted with differential privacy: ", f);
    if (isnan(r->ledger_eps)) fputs("epsilon not recorded", f);
    else fprintf(f, "(&#949; = %.3g, &#948; = %.3g)", r->ledger_eps, r->ledger_delta);
    fprintf(f, " over %ld measurements of the real data. This bounds what any attack can learn, whatever the "
               "figures above say.", r->ledger_measurements);
  } else {
    vt_eval_html_text(f, r->ledger_note);
    fputs(". Without differential privacy the figures above are evidence, not a guarantee.", f);
  }
  fputs("</p>\n</section>\n", f);
  return ferror(f) ? -1 : 0;
}
