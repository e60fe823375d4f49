/*
** cmd_inspect.c -- `vitae inspect [KIND:]PATH`: a quick look inside an EHR
** source or a cohort, through the patient-level reader (learn/ehr.h).
**
** KIND is omop, omop-csv, synthea-csv, vitae or events; left out, it is
** detected (vt_ehr_open).  The report:
**   - the format, and what the source says about itself (vitae's run_info;
**     OMOP's CDM version and concept table; the reader's notes);
**   - every table (or CSV file) with its row count: COUNT(*) for SQLite,
**     the records of each file for CSV (sim/cli/inspect_meta.c);
**   - from one streaming read of every person (learn/summary.c): persons by
**     sex, vital status and age, the observation periods, and per domain the
**     N most frequent codes with rows, share, persons and description;
**   - vitae cohorts: the module_states summary;
**   - the reader's data-quality counts, by reason, with examples.
** --patient ID prints one person's timeline, --view the whole patient-level
** view as text lines (learn/dump.h); --json prints any of them as JSON.
**
** Exit status: 0 done; 1 no person has the --patient ID (or the report
** could not be written); 2 a usage error, or a source that cannot be read.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/dump.h"
#include "learn/ehr.h"
#include "learn/summary.h"
#include "sim/cli/cli.h"
#include "sim/cli/inspect_codes.h"
#include "sim/cli/inspect_meta.h"
#include "sim/jsonw.h"
#include "sim/strbuf.h"

#define TOP_DEFAULT 10
#define TOP_MAX 100000
#define NAME_WIDTH 60             /* text output: names longer than this are cut */

static const char *usage_text =
  "usage: vitae inspect [KIND:]PATH [--top N] [--json]\n"
  "       vitae inspect [KIND:]PATH --patient ID [--json]\n"
  "       vitae inspect [KIND:]PATH --view\n"
  "       vitae inspect [KIND:]PATH --code SYSTEM:CODE... [--vocab DIR] [--json]\n"
  "\n"
  "Show what an EHR source or a cohort holds: its tables with their row\n"
  "counts, persons by sex and age, the observation periods, the most frequent\n"
  "codes of each domain, and the reader's data-quality counts.  KIND is\n"
  "omop (a SQLite OMOP CDM 5.3/5.4 database), omop-csv (a folder of OMOP CSV\n"
  "files), synthea-csv (a Synthea CSV export), vitae (vitae's native format)\n"
  "or events (schemas/events.md); without it the kind is detected.  Sources\n"
  "are opened read-only and never modified.\n"
  "\n"
  "options:\n"
  "      --top N        the N most frequent codes per domain\n"
  "                     (default 10; 0 shows no codes)\n"
  "      --patient ID   one person's timeline (the source's own person id)\n"
  "      --view         the whole patient-level view as text lines\n"
  "      --code S:C     persons and events matching code C of system S\n"
  "                     (repeatable; e.g. SNOMED:195967001), with its\n"
  "                     concept's descendants where there is ancestry\n"
  "      --vocab DIR    the ancestry: an OHDSI vocabulary folder with\n"
  "                     CONCEPT.csv and CONCEPT_ANCESTOR.csv (default: the\n"
  "                     source's own concept_ancestor, if any)\n"
  "      --json         print the report (or the person) as one JSON object\n"
  "  -h, --help         show this help\n"
  "\n"
  "Exit status: 0 done; 1 no person with that ID; 2 a usage error or a\n"
  "source that cannot be read.\n";

typedef struct ictx {
  const char *spec, *patient, *vocab;
  const char **codes;
  size_t ncodes;
  int top, json, view;
  vt_ehr *r;
  vt_inspect_meta meta;
  vt_summary *sum;
  char err[2048];
} ictx;

/* ---- text tables ------------------------------------------------------------ */

/* An aligned text table: cells added row by row; align holds one letter per
** column, 'l' (text, left) or 'r' (numbers, right). */
typedef struct ttab { int ncols; const char *align; char **cell; size_t n, cap; } ttab;

/* Display width of UTF-8 text: its code points. */
static int text_width(const char *s) {
  int w = 0;
  for (; *s; s++) if (((unsigned char)*s & 0xC0) != 0x80) w++;
  return w;
}

/* Add a cell: s with control characters as spaces, cut to maxw code points
** ("..." at the end) when maxw > 0; NULL is an empty cell. */
static void tt_add(ttab *t, const char *s, int maxw) {
  vt_sbuf b = { 0 };
  vt_sb_add(&b, "", 0);
  if (s) {
    int w = 0, cut = maxw > 0 && text_width(s) > maxw;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
      if ((*p & 0xC0) != 0x80) {
        if (cut && w == maxw - 3) { vt_sb_puts(&b, "..."); break; }
        w++;
      }
      char ch = *p < 0x20 ? ' ' : (char)*p;
      vt_sb_add(&b, &ch, 1);
    }
  }
  if (t->n == t->cap) { t->cap = t->cap ? 2 * t->cap : 64; t->cell = vt_xrealloc(t->cell, t->cap * sizeof *t->cell); }
  t->cell[t->n++] = b.p;
}

static void tt_int(ttab *t, int64_t v) { char b[32]; tt_add(t, vt_commas(v, b), 0); }
static void tt_share(ttab *t, int64_t part, int64_t whole) {
  double pc = whole ? 100.0 * (double)part / (double)whole : 0;
  char b[32];
  if (pc > 0 && pc < 0.05) snprintf(b, sizeof b, "<0.1%%");
  else snprintf(b, sizeof b, "%.1f%%", pc);
  tt_add(t, b, 0);
}

/* Print the table `indent` spaces in and free its cells. */
static void tt_print(FILE *f, ttab *t, int indent) {
  int nc = t->ncols;
  int *width = vt_xcalloc((size_t)nc, sizeof *width);
  for (size_t k = 0; k < t->n; k++) {
    int w = text_width(t->cell[k]);
    if (w > width[k % (size_t)nc]) width[k % (size_t)nc] = w;
  }
  vt_sbuf line = { 0 };
  for (size_t r = 0; r * (size_t)nc < t->n; r++) {
    line.n = 0;
    vt_sb_printf(&line, "%*s", indent, "");
    for (int c = 0; c < nc && r * (size_t)nc + (size_t)c < t->n; c++) {
      const char *s = t->cell[r * (size_t)nc + (size_t)c];
      int pad = width[c] - text_width(s), right = t->align[c] == 'r';
      if (c) vt_sb_puts(&line, "  ");
      if (right) vt_sb_printf(&line, "%*s", pad, "");
      vt_sb_puts(&line, s);
      if (!right) vt_sb_printf(&line, "%*s", pad, "");
    }
    while (line.n && line.p[line.n - 1] == ' ') line.p[--line.n] = 0;
    fprintf(f, "%s\n", line.p);
  }
  for (size_t k = 0; k < t->n; k++) free(t->cell[k]);
  free(t->cell);
  free(width);
  free(line.p);
  t->cell = NULL;
  t->n = t->cap = 0;
}

/* "1 row", "1,234 rows": n with separators and the word for it. */
static const char *count_text(int64_t n, const char *one, const char *many, char buf[96]) {
  char c[32];
  snprintf(buf, 96, "%s %s", vt_commas(n, c), n == 1 ? one : many);
  return buf;
}

/* ---- the report as text ----------------------------------------------------- */

static int is_omop(const ictx *c) { return strncmp(vt_ehr_kind(c->r), "omop", 4) == 0; }
static int is_native(const ictx *c) { return strcmp(vt_ehr_kind(c->r), "vitae") == 0; }

/* The "format" of the report: native, omop, synthea, events. */
static const char *format_name(const ictx *c) {
  const char *k = vt_ehr_kind(c->r);
  return strcmp(k, "vitae") == 0 ? "native" : is_omop(c) ? "omop" : strcmp(k, "synthea-csv") == 0 ? "synthea" : "events";
}

static const char *source_name(const ictx *c) {
  const char *k = vt_ehr_kind(c->r);
  return strcmp(k, "omop") == 0 || strcmp(k, "vitae") == 0 ? "sqlite" : strcmp(k, "events") == 0 ? "csv_file" : "csv_folder";
}

/* The run_info value of key, or NULL. */
static const char *run_info(const vt_inspect_meta *m, const char *key) {
  for (size_t k = 0; k < m->nrun_info; k++) if (strcmp(m->run_info[2 * k], key) == 0) return m->run_info[2 * k + 1];
  return NULL;
}

/* The first lines: the format, what the source says about itself. */
static void print_head(FILE *f, const ictx *c) {
  const vt_inspect_meta *m = &c->meta;
  char a[32], b[96];
  const char *path = vt_ehr_path(c->r);
  if (is_native(c)) {
    fprintf(f, "%s: vitae cohort (native format)\n", path);
    const char *v = run_info(m, "vitae_version"), *seed = run_info(m, "seed"), *pop = run_info(m, "population");
    const char *ref = run_info(m, "reference_date");
    vt_sbuf line = { 0 };
    vt_sb_add(&line, "", 0);
    if (v) vt_sb_printf(&line, "vitae %s", v);
    if (seed) vt_sb_printf(&line, "%sseed %s", line.n ? ", " : "", seed);
    if (pop) vt_sb_printf(&line, "%spopulation %s", line.n ? ", " : "", vt_commas(strtoll(pop, NULL, 10), a));
    if (ref) vt_sb_printf(&line, "%sreference date %s", line.n ? ", " : "", ref);
    if (line.n) fprintf(f, "%s\n", line.p);
    free(line.p);
  } else if (is_omop(c)) {
    fprintf(f, "%s: OMOP CDM %s%s%s%s%s\n", path, m->cdm_version ? m->cdm_version : "(version unknown)",
            m->cdm_from ? " (from " : "", m->cdm_from ? m->cdm_from : "", m->cdm_from ? ")" : "",
            strcmp(source_name(c), "sqlite") ? ", CSV files" : "");
    if (m->concept_table) fprintf(f, "concept table: %s\n", count_text(m->concepts, "concept", "concepts", b));
    else fputs("no concept table\n", f);
  } else if (strcmp(format_name(c), "synthea") == 0) fprintf(f, "%s: Synthea CSV export\n", path);
  else fprintf(f, "%s: events file (schemas/events.md)\n", path);
  const char *const *notes;
  size_t nn = vt_ehr_notes(c->r, &notes);
  for (size_t k = 0; k < nn; k++) fprintf(f, "note: %s\n", notes[k]);
}

/* Persons by vital status and sex, ages, observation periods. */
static void print_persons(FILE *f, const vt_summary *s, const vt_inspect_meta *m) {
  char a[32], b[32], d[32], e[32], g[32];
  fprintf(f, "persons: %s (%s alive, %s dead; %s female, %s male", vt_commas(s->persons, a),
          vt_commas(s->persons - s->dead, b), vt_commas(s->dead, d), vt_commas(s->sex[VT_SEX_F], e),
          vt_commas(s->sex[VT_SEX_M], g));
  if (s->sex[VT_SEX_U]) fprintf(f, ", %s of unknown sex", vt_commas(s->sex[VT_SEX_U], a));
  fputs(")\n", f);
  fputs("ages at the end of the record:", f);
  for (int k = 0; k < VT_AGE_BANDS; k++) {
    int64_t n = s->ages[k][0] + s->ages[k][1] + s->ages[k][2];
    if (k < VT_AGE_BANDS - 1) fprintf(f, " %d-%d %s%s", 10 * k, 10 * k + 9, vt_commas(n, a), k < VT_AGE_BANDS - 1 ? "," : "");
    else fprintf(f, " %d+ %s", 10 * k, vt_commas(n, a));
  }
  if (s->age_unknown) fprintf(f, "; unknown %s", vt_commas(s->age_unknown, a));
  fputc('\n', f);
  char s1[11], s2[11];
  vt_day_format(s->obs_start, s1);
  vt_day_format(s->obs_end, s2);
  fprintf(f, "observation periods: %s for %s persons", vt_commas(s->periods, a), vt_commas(s->persons_observed, b));
  if (m->whole_life >= 0) fprintf(f, " (%s of them whole-life windows)", vt_commas(m->whole_life, d));
  if (s->periods) fprintf(f, ", %s to %s, mean %.1f years", s1, s2, s->obs_days / (double)s->periods / 365.25);
  if (s->persons > s->persons_observed) fprintf(f, "; %s persons without one", vt_commas(s->persons - s->persons_observed, e));
  fputc('\n', f);
}

static void print_tables(FILE *f, const vt_inspect_meta *m) {
  char b[96];
  fprintf(f, "\nTables: %zu, %s\n", m->ntables, count_text(m->total_rows, "row", "rows", b));
  int files = m->ntables && m->tables[0].file;
  ttab t = { files ? 3 : 2, "rrl", NULL, 0, 0 };
  t.align = files ? "lrl" : "lr";
  tt_add(&t, "table", 0); tt_add(&t, "rows", 0);
  if (files) tt_add(&t, "file", 0);
  for (size_t k = 0; k < m->ntables; k++) {
    tt_add(&t, m->tables[k].name, 0);
    if (m->tables[k].rows >= 0) tt_int(&t, m->tables[k].rows); else tt_add(&t, "?", 0);
    if (files) tt_add(&t, m->tables[k].file, 0);
  }
  tt_print(f, &t, 2);
}

/* The top codes of each domain that has events. */
static void print_domains(FILE *f, const ictx *c) {
  const vt_summary *s = c->sum;
  int omop = is_omop(c);
  char a[96], b[96], d[96];
  for (int k = 0; k < VT_DOMAIN__COUNT; k++) {
    const vt_domain_summary *ds = &s->domain[k];
    if (!ds->rows) continue;
    char title[32];
    snprintf(title, sizeof title, "%s", vt_domain_name((vt_domain)k));
    title[0] = (char)(title[0] - 'a' + 'A');
    fprintf(f, "\n%s: %s, %s, %s\n", title, count_text(ds->rows, "event", "events", a),
            count_text((int64_t)ds->ncodes, "distinct code", "distinct codes", b),
            count_text(ds->persons, "person", "persons", d));
    if (omop && ds->no_concept)
      fprintf(f, "  %s without a standard concept (concept 0)\n", count_text(ds->no_concept, "event", "events", a));
    if (c->top == 0) continue;
    ttab t = { omop ? 8 : 7, omop ? "rllrlrrr" : "rllrrr", NULL, 0, 0 };
    t.align = omop ? "rllrlrrr" : "rlllrrr";
    tt_add(&t, "#", 0); tt_add(&t, "system", 0); tt_add(&t, "code", 0);
    if (omop) tt_add(&t, "concept_id", 0);
    tt_add(&t, "description", 0); tt_add(&t, "rows", 0); tt_add(&t, "share", 0); tt_add(&t, "persons", 0);
    for (size_t j = 0; j < ds->ncodes && j < (size_t)c->top; j++) {
      const vt_code_count *cc = &ds->codes[j];
      char n[32];
      snprintf(n, sizeof n, "%zu", j + 1);
      tt_add(&t, n, 0);
      tt_add(&t, cc->system, 20);
      tt_add(&t, cc->code, 24);
      if (omop) { snprintf(n, sizeof n, "%lld", (long long)cc->concept_id); tt_add(&t, n, 0); }
      tt_add(&t, cc->description, NAME_WIDTH);
      tt_int(&t, cc->rows);
      tt_share(&t, cc->rows, ds->rows);
      tt_int(&t, cc->persons);
    }
    tt_print(f, &t, 2);
  }
}

/* vitae's encounters by class (the class, which visit codes do not carry). */
static void print_classes(FILE *f, const vt_inspect_meta *m) {
  char a[32], b[32];
  if (!m->nclasses) return;
  fprintf(f, "\nEncounters by class (encounters): %s rows, %s distinct classes\n", vt_commas(m->encounters, a),
          vt_commas((int64_t)m->nclasses, b));
  ttab t = { 5, "rlrrr", NULL, 0, 0 };
  const char *head[] = { "#", "class", "rows", "share", "patients" };
  for (int k = 0; k < 5; k++) tt_add(&t, head[k], 0);
  for (size_t k = 0; k < m->nclasses; k++) {
    tt_int(&t, (int64_t)k + 1);
    tt_add(&t, m->classes[k].name, NAME_WIDTH);
    tt_int(&t, m->classes[k].rows);
    tt_share(&t, m->classes[k].rows, m->encounters);
    tt_int(&t, m->classes[k].patients);
  }
  tt_print(f, &t, 2);
}

static void print_modules(FILE *f, const vt_inspect_meta *m) {
  char a[32], b[32], d[32];
  if (!m->has_modules) return;
  fprintf(f, "\nModules (module_states): %s modules, %s states, %s visited (%.1f%%)\n",
          vt_commas((int64_t)m->nmodules, a), vt_commas(m->states, b), vt_commas(m->visited, d),
          m->states ? 100.0 * (double)m->visited / (double)m->states : 0.0);
  ttab t = { 6, "llrrrr", NULL, 0, 0 };
  const char *head[] = { "module", "path", "states", "visited", "share", "patients" };
  for (int k = 0; k < 6; k++) tt_add(&t, head[k], 0);
  for (size_t k = 0; k < m->nmodules; k++) {
    const vt_module_count *mc = &m->modules[k];
    tt_add(&t, mc->module, 40);
    tt_add(&t, mc->path, 40);
    tt_int(&t, mc->states);
    tt_int(&t, mc->visited);
    tt_share(&t, mc->visited, mc->states);
    tt_int(&t, mc->patients);
  }
  tt_print(f, &t, 2);
}

/* The data-quality counts: one line per reason that occurred, examples below. */
static void print_quality(FILE *f, const vt_quality *q) {
  char a[32], b[32], d[32];
  fprintf(f, "\nData quality: %s persons, %s events, %s observation periods read\n", vt_commas(q->persons, a),
          vt_commas(q->events, b), vt_commas(q->periods, d));
  int any = 0;
  for (int i = 0; i < VT_ISSUE__COUNT; i++) {
    if (!q->count[i]) continue;
    any = 1;
    fprintf(f, "  %-22s %12s  %-7s  %s\n", vt_issue_name((vt_issue)i), vt_commas(q->count[i], a),
            vt_issue_drops((vt_issue)i) ? "dropped" : "kept", vt_issue_text((vt_issue)i));
    for (int e = 0; e < q->nexamples[i]; e++)
      fprintf(f, "    e.g. %s: %s\n", q->examples[i][e].where, q->examples[i][e].what);
  }
  if (!any) fputs("  nothing odd found\n", f);
}

static void print_report(FILE *f, const ictx *c) {
  print_head(f, c);
  print_persons(f, c->sum, &c->meta);
  print_tables(f, &c->meta);
  print_domains(f, c);
  if (c->top) print_classes(f, &c->meta);
  print_modules(f, &c->meta);
  print_quality(f, &c->sum->quality);
}

/* ---- the report as JSON ----------------------------------------------------- */

static void json_day(vt_jsonw *w, const char *key, vt_day d) {
  char s[11];
  vt_day_format(d, s);
  vt_jw_kstr(w, key, d == VT_NO_DAY ? NULL : s);
}

static void json_quality(vt_jsonw *w, const vt_quality *q) {
  vt_jw_key(w, "data_quality");
  vt_jw_obj(w, 0);
  vt_jw_kint(w, "persons", q->persons);
  vt_jw_kint(w, "events", q->events);
  vt_jw_kint(w, "periods", q->periods);
  vt_jw_key(w, "reasons");
  vt_jw_obj(w, 0);
  for (int i = 0; i < VT_ISSUE__COUNT; i++) {
    vt_jw_key(w, vt_issue_name((vt_issue)i));
    vt_jw_obj(w, q->nexamples[i] == 0);
    vt_jw_kint(w, "count", q->count[i]);
    vt_jw_kbool(w, "dropped", vt_issue_drops((vt_issue)i));
    vt_jw_kstr(w, "text", vt_issue_text((vt_issue)i));
    vt_jw_key(w, "examples");
    vt_jw_arr(w, 0);
    for (int e = 0; e < q->nexamples[i]; e++) {
      vt_jw_obj(w, 1);
      vt_jw_kstr(w, "where", q->examples[i][e].where);
      vt_jw_kstr(w, "what", q->examples[i][e].what);
      vt_jw_end(w);
    }
    vt_jw_end(w);
    vt_jw_end(w);
  }
  vt_jw_end(w);
  vt_jw_end(w);
}

static void json_head(vt_jsonw *w, const ictx *c) {
  const vt_inspect_meta *m = &c->meta;
  vt_jw_kstr(w, "path", vt_ehr_path(c->r));
  vt_jw_kstr(w, "kind", vt_ehr_kind(c->r));
  vt_jw_kstr(w, "source", source_name(c));
  vt_jw_kstr(w, "format", format_name(c));
  const char *const *notes;
  size_t nn = vt_ehr_notes(c->r, &notes);
  vt_jw_key(w, "notes");
  vt_jw_arr(w, 0);
  for (size_t k = 0; k < nn; k++) vt_jw_str(w, notes[k]);
  vt_jw_end(w);
  if (is_native(c)) {
    vt_jw_key(w, "run_info");
    vt_jw_obj(w, 0);
    for (size_t k = 0; k < m->nrun_info; k++) vt_jw_kstr(w, m->run_info[2 * k], m->run_info[2 * k + 1]);
    vt_jw_end(w);
  }
  if (is_omop(c)) {
    vt_jw_kstr(w, "cdm_version", m->cdm_version);
    vt_jw_kstr(w, "cdm_version_from", m->cdm_from);
    vt_jw_kbool(w, "concept_table", m->concept_table);
    vt_jw_kint(w, "concepts", m->concepts);
  }
  vt_jw_key(w, "tables");
  vt_jw_arr(w, 0);
  for (size_t k = 0; k < m->ntables; k++) {
    const vt_table_count *t = &m->tables[k];
    vt_jw_obj(w, 1);
    vt_jw_kstr(w, "table", t->name);
    if (t->file) vt_jw_kstr(w, "file", t->file);
    if (t->rows >= 0) vt_jw_kint(w, "rows", t->rows);
    else { vt_jw_key(w, "rows"); vt_jw_null(w); vt_jw_kstr(w, "error", t->err); }
    vt_jw_end(w);
  }
  vt_jw_end(w);
  vt_jw_kint(w, "total_rows", m->total_rows);
  vt_jw_kint(w, "top_n", c->top);
}

static void json_persons(vt_jsonw *w, const vt_summary *s, const vt_inspect_meta *m) {
  static const char *const sexes[] = { "female", "male", "unknown" };
  vt_jw_key(w, "persons");
  vt_jw_obj(w, 0);
  vt_jw_kint(w, "total", s->persons);
  vt_jw_kint(w, "alive", s->persons - s->dead);
  vt_jw_kint(w, "dead", s->dead);
  for (int k = 0; k < VT_SEX__COUNT; k++) vt_jw_kint(w, k == VT_SEX_U ? "unknown_sex" : sexes[k], s->sex[k]);
  vt_jw_kint(w, "birth_unknown", s->no_birth);
  json_day(w, "first_birth", s->first_birth);
  json_day(w, "last_birth", s->last_birth);
  vt_jw_key(w, "ages");
  vt_jw_arr(w, 0);
  for (int k = 0; k < VT_AGE_BANDS; k++) {
    vt_jw_obj(w, 1);
    vt_jw_kint(w, "from", 10 * k);
    if (k < VT_AGE_BANDS - 1) vt_jw_kint(w, "to", 10 * k + 9);
    else { vt_jw_key(w, "to"); vt_jw_null(w); }
    for (int x = 0; x < VT_SEX__COUNT; x++) vt_jw_kint(w, sexes[x], s->ages[k][x]);
    vt_jw_end(w);
  }
  vt_jw_end(w);
  vt_jw_kint(w, "age_unknown", s->age_unknown);
  vt_jw_end(w);
  vt_jw_key(w, "observation_periods");
  vt_jw_obj(w, 0);
  vt_jw_kint(w, "rows", s->periods);
  vt_jw_kint(w, "persons", s->persons_observed);
  vt_jw_kint(w, "persons_without", s->persons - s->persons_observed);
  json_day(w, "earliest_start", s->obs_start);
  json_day(w, "latest_end", s->obs_end);
  if (s->periods) vt_jw_kreal(w, "mean_years", s->obs_days / (double)s->periods / 365.25);
  else { vt_jw_key(w, "mean_years"); vt_jw_null(w); }
  if (m->whole_life >= 0) vt_jw_kint(w, "whole_life", m->whole_life);
  vt_jw_end(w);
}

static void json_domains(vt_jsonw *w, const ictx *c) {
  const vt_summary *s = c->sum;
  vt_jw_kint(w, "events", s->events);
  vt_jw_key(w, "domains");
  vt_jw_arr(w, 0);
  for (int k = 0; k < VT_DOMAIN__COUNT; k++) {
    const vt_domain_summary *ds = &s->domain[k];
    if (!ds->rows) continue;
    vt_jw_obj(w, 0);
    vt_jw_kstr(w, "domain", vt_domain_name((vt_domain)k));
    vt_jw_kint(w, "rows", ds->rows);
    vt_jw_kint(w, "persons", ds->persons);
    vt_jw_kint(w, "distinct", (int64_t)ds->ncodes);
    if (is_omop(c)) vt_jw_kint(w, "no_concept", ds->no_concept);
    vt_jw_key(w, "top");
    vt_jw_arr(w, 0);
    for (size_t j = 0; j < ds->ncodes && j < (size_t)c->top; j++) {
      const vt_code_count *cc = &ds->codes[j];
      vt_jw_obj(w, 1);
      vt_jw_kint(w, "rank", (int64_t)j + 1);
      vt_jw_kstr(w, "system", cc->system);
      vt_jw_kstr(w, "code", cc->code);
      if (cc->concept_id || is_omop(c)) vt_jw_kint(w, "concept_id", cc->concept_id);
      vt_jw_kstr(w, "description", cc->description);
      vt_jw_kint(w, "rows", cc->rows);
      vt_jw_kreal(w, "share", (double)cc->rows / (double)ds->rows);
      vt_jw_kint(w, "persons", cc->persons);
      vt_jw_end(w);
    }
    vt_jw_end(w);
    vt_jw_end(w);
  }
  vt_jw_end(w);
}

static void json_classes(vt_jsonw *w, const vt_inspect_meta *m) {
  if (!m->nclasses) return;
  vt_jw_key(w, "encounter_classes");
  vt_jw_arr(w, 0);
  for (size_t k = 0; k < m->nclasses; k++) {
    vt_jw_obj(w, 1);
    vt_jw_kstr(w, "class", m->classes[k].name);
    vt_jw_kint(w, "rows", m->classes[k].rows);
    vt_jw_kreal(w, "share", m->encounters ? (double)m->classes[k].rows / (double)m->encounters : 0);
    vt_jw_kint(w, "patients", m->classes[k].patients);
    vt_jw_end(w);
  }
  vt_jw_end(w);
}

static void json_modules(vt_jsonw *w, const vt_inspect_meta *m) {
  if (!m->has_modules) return;
  vt_jw_key(w, "module_states");
  vt_jw_obj(w, 0);
  vt_jw_kint(w, "modules", (int64_t)m->nmodules);
  vt_jw_kint(w, "states", m->states);
  vt_jw_kint(w, "visited", m->visited);
  vt_jw_kreal(w, "share", m->states ? (double)m->visited / (double)m->states : 0);
  vt_jw_key(w, "per_module");
  vt_jw_arr(w, 0);
  for (size_t k = 0; k < m->nmodules; k++) {
    const vt_module_count *mc = &m->modules[k];
    vt_jw_obj(w, 1);
    vt_jw_kstr(w, "module", mc->module);
    vt_jw_kstr(w, "path", mc->path);
    vt_jw_kint(w, "states", mc->states);
    vt_jw_kint(w, "visited", mc->visited);
    vt_jw_kreal(w, "share", mc->states ? (double)mc->visited / (double)mc->states : 0);
    vt_jw_kint(w, "patients", mc->patients);
    vt_jw_end(w);
  }
  vt_jw_end(w);
  vt_jw_end(w);
}

static void json_report(FILE *f, const ictx *c) {
  vt_jsonw w;
  vt_jw_init(&w, f);
  vt_jw_obj(&w, 0);
  json_head(&w, c);
  json_persons(&w, c->sum, &c->meta);
  json_domains(&w, c);
  if (c->top) json_classes(&w, &c->meta);
  json_modules(&w, &c->meta);
  json_quality(&w, &c->sum->quality);
  vt_jw_end(&w);
}

/* ---- one person -------------------------------------------------------------- */

static void flags_text(unsigned flags, vt_sbuf *b) {
  static const char *const names[] = { "before_birth", "after_death", "outside_observation", "from_era" };
  b->n = 0;
  vt_sb_add(b, "", 0);
  for (int k = 0; k < 4; k++)
    if (flags & (1u << k)) vt_sb_printf(b, "%s%s", b->n ? "," : "", names[k]);
}

static void value_text(const vt_event *e, char *buf, size_t len) {
  if (!e->has_value) { buf[0] = 0; return; }
  snprintf(buf, len, "%.6g%s%s", e->value, e->unit ? " " : "", e->unit ? e->unit : "");
}

static void print_person(FILE *f, const vt_person *p) {
  char b[11], d[11], a[96];
  vt_day_format(p->birth, b);
  vt_day_format(p->death, d);
  fprintf(f, "person %s: sex %c, born %s", p->id, p->sex, *b ? b : "(unknown)");
  if (*d) fprintf(f, ", died %s", d);
  if (p->race) fprintf(f, ", race %s", p->race);
  if (p->ethnicity) fprintf(f, ", ethnicity %s", p->ethnicity);
  fprintf(f, "; %s\n", count_text((int64_t)p->nevents, "event", "events", a));
  fputs("observation periods:", f);
  for (size_t k = 0; k < p->nperiods; k++) {
    vt_day_format(p->periods[k].start, b);
    vt_day_format(p->periods[k].end, d);
    fprintf(f, "%s %s to %s", k ? "," : "", b, d);
  }
  fputs(p->nperiods ? "\n" : " none\n", f);
  ttab t = { 9, "lrllllll", NULL, 0, 0 };
  t.align = "lrlllllll";
  const char *head[] = { "date", "age", "domain", "system", "code", "description", "value", "end", "flags" };
  for (int k = 0; k < 9; k++) tt_add(&t, head[k], 0);
  vt_sbuf fl = { 0 };
  for (size_t k = 0; k < p->nevents; k++) {
    const vt_event *e = &p->events[k];
    char s[11], en[11], age[16], val[96];
    vt_day_format(e->start, s);
    vt_day_format(e->end, en);
    int y = vt_age_years(p->birth, e->start);
    if (y >= 0) snprintf(age, sizeof age, "%d", y); else age[0] = 0;
    value_text(e, val, sizeof val);
    flags_text(e->flags, &fl);
    tt_add(&t, s, 0); tt_add(&t, age, 0); tt_add(&t, vt_domain_name(e->domain), 0);
    tt_add(&t, e->system, 20); tt_add(&t, e->code, 24); tt_add(&t, e->description, NAME_WIDTH);
    tt_add(&t, val, 0); tt_add(&t, en, 0); tt_add(&t, fl.p, 0);
  }
  free(fl.p);
  tt_print(f, &t, 2);
}

static void json_event(vt_jsonw *w, const vt_person *p, const vt_event *e) {
  static const char *const names[] = { "before_birth", "after_death", "outside_observation", "from_era" };
  vt_jw_obj(w, 1);
  json_day(w, "date", e->start);
  json_day(w, "end_date", e->end);
  int y = vt_age_years(p->birth, e->start);
  if (y >= 0) vt_jw_kint(w, "age", y); else { vt_jw_key(w, "age"); vt_jw_null(w); }
  vt_jw_kstr(w, "domain", vt_domain_name(e->domain));
  vt_jw_kstr(w, "system", e->system);
  vt_jw_kstr(w, "code", e->code);
  if (e->concept_id) vt_jw_kint(w, "concept_id", e->concept_id);
  if (e->source_code) { vt_jw_kstr(w, "source_system", e->source_system); vt_jw_kstr(w, "source_code", e->source_code); }
  vt_jw_kstr(w, "description", e->description);
  if (e->has_value) vt_jw_kreal(w, "value", e->value); else { vt_jw_key(w, "value"); vt_jw_null(w); }
  vt_jw_kstr(w, "unit", e->unit);
  vt_jw_key(w, "flags");
  vt_jw_arr(w, 1);
  for (int k = 0; k < 4; k++) if (e->flags & (1u << k)) vt_jw_str(w, names[k]);
  vt_jw_end(w);
  vt_jw_kstr(w, "table", e->table);
  vt_jw_kint(w, "row", e->row);
  vt_jw_end(w);
}

static void json_person(FILE *f, const vt_ehr *r, const vt_person *p) {
  vt_jsonw w;
  char sex[2] = { p->sex, 0 };
  vt_jw_init(&w, f);
  vt_jw_obj(&w, 0);
  vt_jw_kstr(&w, "id", p->id);
  vt_jw_kstr(&w, "kind", vt_ehr_kind(r));
  vt_jw_kstr(&w, "sex", sex);
  json_day(&w, "birth_date", p->birth);
  json_day(&w, "death_date", p->death);
  vt_jw_kstr(&w, "race", p->race);
  vt_jw_kstr(&w, "ethnicity", p->ethnicity);
  vt_jw_key(&w, "observation_periods");
  vt_jw_arr(&w, 1);
  for (size_t k = 0; k < p->nperiods; k++) {
    char s[11], e[11];
    vt_day_format(p->periods[k].start, s);
    vt_day_format(p->periods[k].end, e);
    vt_jw_arr(&w, 1);
    vt_jw_str(&w, s);
    vt_jw_str(&w, e);
    vt_jw_end(&w);
  }
  vt_jw_end(&w);
  vt_jw_key(&w, "events");
  vt_jw_arr(&w, 0);
  for (size_t k = 0; k < p->nevents; k++) json_event(&w, p, &p->events[k]);
  vt_jw_end(&w);
  json_quality(&w, vt_ehr_quality(r));
  vt_jw_end(&w);
}

/* ---- the command --------------------------------------------------------------- */

/* The value of option `name` at argv[*i] ("--name V" or "--name=V"), NULL
** if argv[*i] is another argument; *missing set when the value is absent. */
static const char *option_value(int argc, char **argv, int *i, const char *name, int *missing) {
  const char *a = argv[*i];
  size_t n = strlen(name);
  if (strncmp(a, name, n) != 0) return NULL;
  if (a[n] == '=') return a + n + 1;
  if (a[n]) return NULL;
  if (*i + 1 < argc) return argv[++*i];
  *missing = 1;
  return NULL;
}

/* Parse the arguments into c; 1 for --help, 0 to go on, -1 on a usage error
** (message printed). */
static int parse_args(int argc, char **argv, ictx *c) {
  c->top = TOP_DEFAULT;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *val;
    int missing = 0;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) return 1;
    if (strcmp(a, "--json") == 0) { c->json = 1; continue; }
    if (strcmp(a, "--view") == 0) { c->view = 1; continue; }
    if ((val = option_value(argc, argv, &i, "--top", &missing)) || missing) {
      if (missing) { fputs("vitae inspect: --top needs a number\n", stderr); return -1; }
      char *end;
      errno = 0;
      long long n = strtoll(val, &end, 10);
      if (!*val || *end || errno || n < 0 || n > TOP_MAX) {
        fprintf(stderr, "vitae inspect: --top: '%s' is not a number from 0 to %d\n", val, TOP_MAX);
        return -1;
      }
      c->top = (int)n;
      continue;
    }
    if ((val = option_value(argc, argv, &i, "--patient", &missing)) || missing) {
      if (missing || !*val) { fputs("vitae inspect: --patient needs a person id\n", stderr); return -1; }
      c->patient = val;
      continue;
    }
    if ((val = option_value(argc, argv, &i, "--code", &missing)) || missing) {
      if (missing || !*val) { fputs("vitae inspect: --code needs SYSTEM:CODE\n", stderr); return -1; }
      c->codes = vt_xrealloc(c->codes, (c->ncodes + 1) * sizeof *c->codes);
      c->codes[c->ncodes++] = val;
      continue;
    }
    if ((val = option_value(argc, argv, &i, "--vocab", &missing)) || missing) {
      if (missing || !*val) { fputs("vitae inspect: --vocab needs a folder\n", stderr); return -1; }
      c->vocab = val;
      continue;
    }
    if (a[0] == '-' && a[1]) { fprintf(stderr, "vitae inspect: unknown option '%s'\n", a); return -1; }
    if (c->spec) { fprintf(stderr, "vitae inspect: one source only ('%s' and '%s')\n", c->spec, a); return -1; }
    c->spec = a;
  }
  if (!c->spec) { fputs("vitae inspect: no source given\n", stderr); return -1; }
  if (c->vocab && !c->ncodes) { fputs("vitae inspect: --vocab goes with --code\n", stderr); return -1; }
  if (c->ncodes && (c->view || c->patient)) {
    fputs("vitae inspect: --code goes with neither --view nor --patient\n", stderr);
    return -1;
  }
  if (c->view && c->json) { fputs("vitae inspect: --view prints text lines; it does not go with --json\n", stderr); return -1; }
  return 0;
}

/* The whole view as text lines (learn/dump.h); the quality report on
** stderr.  0, or -1 with c->err. */
static int run_view(ictx *c) {
  const vt_person *p;
  int rc;
  while ((rc = vt_ehr_next(c->r, &p, c->err, sizeof c->err)) == 1)
    if (vt_person_dump(stdout, p, 0) < 0) { snprintf(c->err, sizeof c->err, "writing the view: %s", strerror(errno)); return -1; }
  if (rc < 0) return -1;
  vt_ehr_report(c->r, stderr);
  return 0;
}

/* One person: 1 printed, 0 none with that id, -1 with c->err. */
static int run_patient(ictx *c) {
  const vt_person *p;
  int rc = vt_ehr_find(c->r, c->patient, &p, c->err, sizeof c->err);
  if (rc != 1) return rc;
  if (c->view) { if (vt_person_dump(stdout, p, 0) < 0) return 1; }
  else if (c->json) json_person(stdout, c->r, p);
  else print_person(stdout, p);
  return 1;
}

/* Read every person into the summary and the source's tables into the
** meta, then print the report.  0, or -1 with c->err. */
static int run_report(ictx *c) {
  if (vt_inspect_meta_read(&c->meta, vt_ehr_kind(c->r), vt_ehr_path(c->r), c->err, sizeof c->err) < 0) return -1;
  c->sum = vt_summary_new();
  const vt_person *p;
  int rc;
  while ((rc = vt_ehr_next(c->r, &p, c->err, sizeof c->err)) == 1)
    if (vt_summary_add(c->sum, p) < 0) { snprintf(c->err, sizeof c->err, "%s: out of memory", vt_ehr_path(c->r)); return -1; }
  if (rc < 0) return -1;
  vt_summary_finish(c->sum, vt_ehr_quality(c->r));
  if (c->json) json_report(stdout, c);
  else print_report(stdout, c);
  return 0;
}

int vt_cmd_inspect(int argc, char **argv) {
  ictx c;
  memset(&c, 0, sizeof c);
  int pr = parse_args(argc, argv, &c);
  if (pr != 0) {
    free(c.codes);
    if (pr == 1) { fputs(usage_text, stdout); return VT_EXIT_OK; }
    fputs("(vitae inspect --help shows the usage)\n", stderr);
    return VT_EXIT_USAGE;
  }
  vt_ehr_options opt = { 0 };
  if (vt_ehr_open(&c.r, c.spec, &opt, c.err, sizeof c.err) != VT_EHR_OK) {
    fprintf(stderr, "vitae inspect: %s\n", c.err);
    free(c.codes);
    return VT_EXIT_USAGE;
  }
  int rc = c.ncodes ? vt_inspect_codes(stdout, c.r, c.codes, c.ncodes, c.vocab, c.json, c.err, sizeof c.err)
           : c.patient ? run_patient(&c) : c.view ? run_view(&c) : run_report(&c);
  int status = VT_EXIT_OK;
  if (c.ncodes && rc == 1) { fprintf(stderr, "vitae inspect: %s\n", c.err); status = VT_EXIT_USAGE; rc = 0; }
  if (rc < 0) { fprintf(stderr, "vitae inspect: %s\n", c.err); status = VT_EXIT_USAGE; }
  else if (c.patient && rc == 0) {
    fprintf(stderr, "vitae inspect: %s: no person with id '%s'\n", vt_ehr_path(c.r), c.patient);
    status = VT_EXIT_FAIL;
  }
  if (status == VT_EXIT_OK && (fflush(stdout) != 0 || ferror(stdout))) {
    fprintf(stderr, "vitae inspect: writing the report: %s\n", strerror(errno));
    status = VT_EXIT_FAIL;
  }
  free(c.codes);
  vt_summary_free(c.sum);
  vt_inspect_meta_free(&c.meta);
  vt_ehr_close(c.r);
  return status;
}
