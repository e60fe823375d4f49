/*
** cmd_trace.c -- `vitae trace [run options] --patient N [--json] [--module
** NAME] [--states|--no-states]`: one patient's life as a timeline, simulated
** again from the seed, without writing a database (docs/trace.md).
**
** The run options are those of `vitae run`, parsed by the same parser
** (vt_config_parse_run) after the trace's own flags are taken out, and the
** engine is opened with the same settings as sim/run.c opens it, so patient
** N is the patient a `vitae run` with the same options writes as
** patients.id = N: the run simulates patient index i (0-based) from the
** stream (seed, i) and writes it as id i + 1 (out/writer.c).  The age and
** gender filters are applied by the demographic draw (sim/demographics.c),
** not by rejecting patients, so no attempt numbers come into it.
**
** The timeline is the record of that patient (sim/record.h) with every state
** entered (opts.trace, the rows of state_trace), sorted by time, ties in the
** order the engine wrote them (a state entered before what it recorded).
**
** Exit status: 0 printed; 1 a module failed to load or to run; 2 a usage
** error (bad options, no or a bad --patient, an unknown --module, a bad
** --params file).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/config.h"
#include "sim/engine.h"
#include "sim/jsonw.h"
#include "sim/model.h"
#include "sim/params.h"
#include "sim/run.h"
#include "sim/strbuf.h"

static const char *usage_text =
  "usage: vitae trace [run options] --patient N [--json] [--module NAME]\n"
  "                   [--states | --no-states]\n"
  "\n"
  "Simulate one patient again and print their life as a timeline: every\n"
  "state entered, in every module, and what was recorded (encounters,\n"
  "conditions, medications, observations, procedures, ...), with the module\n"
  "and state that recorded it.  Nothing is written to a database.\n"
  "\n"
  "  --patient N       the patient: N is patients.id in the database `vitae run`\n"
  "                    writes with the same options (1 to the population)\n"
  "  --json            one JSON document instead of text (keys: docs/trace.md)\n"
  "  --module NAME     only the states and records of module NAME\n"
  "  --states          show the states entered (the default)\n"
  "  --no-states       show only what was recorded\n"
  "\n"
  "Run options (as `vitae run --help` describes them): -m PATH..., -s SEED,\n"
  "--params FILE, --config FILE, --reference-date DATE, --age MIN-MAX,\n"
  "--gender M|F, --history-years N, --observation full|random,\n"
  "--module-time S, -p N (the population: N may not exceed it).  The options\n"
  "about the output (-o, --format, --vocab, --threads, --trace, -q) change\n"
  "nothing a patient does; they are accepted and ignored, with a note.\n"
  "\n"
  "Exit status: 0 printed; 1 a module failed to load or to run; 2 a usage\n"
  "error.\n";

/* ---- the command line ----------------------------------------------------- */

typedef struct trace_opts {
  int64_t patient;          /* patients.id, >= 1; 0 when not given */
  int json;
  const char *module;       /* --module NAME, or NULL */
  int states;               /* 1: state lines (default) */
} trace_opts;

/* Parse a patient id: decimal digits, 1 .. INT64_MAX / 2.  0 or -1. */
static int parse_patient(const char *s, int64_t *out) {
  int64_t v = 0;
  if (!*s) return -1;
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '9') return -1;
    if (v > (INT64_MAX / 2 - (*p - '0')) / 10) return -1;
    v = v * 10 + (*p - '0');
  }
  if (v < 1) return -1;
  *out = v;
  return 0;
}

/* The output options of `vitae run` a trace ignores: long name, short letter. */
static const struct { const char *name; char shortc; int takes_value; } ignored_opts[] = {
  {"output", 'o', 1}, {"format", 'f', 1}, {"vocab", 0, 1}, {"threads", 0, 1},
  {"trace", 0, 0}, {"quiet", 'q', 0},
};
#define NIGNORED ((int)(sizeof ignored_opts / sizeof ignored_opts[0]))

/* Is arg one of ignored_opts?  Its index, or -1; *attached when the value
** is part of arg ("-ofile", "--output=file"). */
static int ignored_opt(const char *arg, int *attached) {
  *attached = 0;
  if (arg[0] != '-') return -1;
  for (int i = 0; i < NIGNORED; i++) {
    size_t n = strlen(ignored_opts[i].name);
    if (arg[1] == '-' && !strncmp(arg + 2, ignored_opts[i].name, n) && (arg[2 + n] == '\0' || arg[2 + n] == '=')) {
      *attached = arg[2 + n] == '=';
      return i;
    }
    if (ignored_opts[i].shortc && arg[1] == ignored_opts[i].shortc && arg[1] != '-') {
      *attached = arg[2] != '\0';
      return i;
    }
  }
  return -1;
}

/* Take the trace's own flags out of argv into o; the rest (the run options)
** go to rest[0..*nrest) with rest[0] = "run".  Notes about ignored output
** options go to stderr.  Returns 0, 1 for --help, or -1 with err. */
static int split_args(int argc, char **argv, trace_opts *o, char **rest, int *nrest, char *err, size_t errlen) {
  char shown[80];
  int n = 0, quiet = 0;
  rest[n++] = "run";
  o->patient = 0; o->json = 0; o->module = NULL; o->states = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) return 1;
    if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) quiet = 1;
  }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = NULL;
    if (!strcmp(a, "--patient") || !strncmp(a, "--patient=", 10)) {
      if (a[9] == '=') val = a + 10;
      else if (i + 1 < argc) val = argv[++i];
      else { vt_seterr(err, errlen, "--patient: missing value (expected a patient id from 1)"); return -1; }
      if (o->patient) { vt_seterr(err, errlen, "--patient: given more than once"); return -1; }
      if (parse_patient(val, &o->patient)) {
        vt_seterr(err, errlen, "--patient: expected a patient id from 1 (patients.id of the cohort), got '%s'",
                  vt_config_show(val, shown, sizeof shown));
        return -1;
      }
      continue;
    }
    if (!strcmp(a, "--module") || !strncmp(a, "--module=", 9)) {
      if (a[8] == '=') val = a + 9;
      else if (i + 1 < argc) val = argv[++i];
      else { vt_seterr(err, errlen, "--module: missing value (expected a module name)"); return -1; }
      if (!*val) { vt_seterr(err, errlen, "--module: expected a module name, got ''"); return -1; }
      o->module = val;
      continue;
    }
    if (!strcmp(a, "--json")) { o->json = 1; continue; }
    if (!strcmp(a, "--states")) { o->states = 1; continue; }
    if (!strcmp(a, "--no-states")) { o->states = 0; continue; }
    int attached, k = ignored_opt(a, &attached);
    if (k >= 0) {
      if (ignored_opts[k].takes_value && !attached) i++;   /* its value goes too */
      if (!quiet && strcmp(ignored_opts[k].name, "trace") && strcmp(ignored_opts[k].name, "quiet"))
        fprintf(stderr, "vitae trace: note: --%s is about the output of a run; a trace writes none and ignores it\n",
                ignored_opts[k].name);
      continue;
    }
    rest[n++] = argv[i];
  }
  if (!o->patient) {
    vt_seterr(err, errlen, "--patient N is required: the patients.id of the patient to trace (see 'vitae trace --help')");
    return -1;
  }
  *nrest = n;
  return 0;
}

/* ---- the events ----------------------------------------------------------- */

/* One line of the timeline: a row of the record (a state entered is a
** VT_T_TRACE row), or the death (row NULL). */
typedef struct event {
  vt_time t;
  size_t seq;               /* order written: ties keep it */
  const vt_row *row;
} event;

static int cmp_event(const void *a, const void *b) {
  const event *x = a, *y = b;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The kind of a row, as the JSON writes it. */
static const char *const kind_names[VT_T__COUNT] = {
  [VT_T_ENCOUNTER] = "encounter", [VT_T_CONDITION] = "condition", [VT_T_MEDICATION] = "medication",
  [VT_T_OBSERVATION] = "observation", [VT_T_PROCEDURE] = "procedure", [VT_T_IMMUNIZATION] = "immunization",
  [VT_T_CAREPLAN] = "careplan", [VT_T_ALLERGY] = "allergy", [VT_T_DEVICE] = "device",
  [VT_T_IMAGING] = "imaging", [VT_T_SUPPLY] = "supply", [VT_T_TRACE] = "state",
};

/* The type of state `state` of the module named `module`, or NULL. */
static const char *state_type(const vt_engine *e, const char *module, const char *state) {
  for (int i = 0; i < vt_engine_nmodules(e); i++) {
    const vt_module *m = vt_engine_module(e, i);
    if (strcmp(m->name, module)) continue;
    int s = vt_module_find_state(m, state);
    if (s != VT_NOSTATE) return vt_state_type_names[m->states[s].type];
  }
  return NULL;
}

static void fmt_time(vt_time t, char out[21]) { vt_time_format_iso(t, out); }

/* "34 y", or "7 mo" under two years. */
static void fmt_age(vt_time birth, vt_time t, char *out, size_t len) {
  int y = vt_time_age_years(birth, t);
  if (y < 2) snprintf(out, len, "%d mo", vt_time_age_months(birth, t));
  else snprintf(out, len, "%d y", y);
}

/* ---- JSON ----------------------------------------------------------------- */

static void jw_time(vt_jsonw *w, const char *key, vt_time t) {
  char buf[21];
  vt_jw_key(w, key);
  if (t == VT_NO_TIME) { vt_jw_null(w); return; }
  fmt_time(t, buf);
  vt_jw_str(w, buf);
}

static void jw_code(vt_jsonw *w, const char *prefix, const vt_code *c) {
  char k[32];
  if (!c) return;
  snprintf(k, sizeof k, "%ssystem", prefix); vt_jw_kstr(w, k, c->system);
  snprintf(k, sizeof k, "%scode", prefix); vt_jw_kstr(w, k, c->code);
  snprintf(k, sizeof k, "%sdisplay", prefix); vt_jw_kstr(w, k, c->display);
}

/* Does this table have a stop column? */
static int has_stop(int table) {
  return table == VT_T_ENCOUNTER || table == VT_T_CONDITION || table == VT_T_MEDICATION ||
         table == VT_T_PROCEDURE || table == VT_T_CAREPLAN || table == VT_T_ALLERGY || table == VT_T_DEVICE;
}

static void json_event(vt_jsonw *w, const vt_engine *e, const vt_person_row *p, const event *ev) {
  const vt_row *r = ev->row;
  vt_jw_obj(w, 1);
  jw_time(w, "time", ev->t);
  vt_jw_kint(w, "age", vt_time_age_years(p->birth, ev->t));
  vt_jw_kint(w, "age_months", vt_time_age_months(p->birth, ev->t));
  if (!r) {
    vt_jw_kstr(w, "kind", "death");
    jw_code(w, "", p->death_cause);
    vt_jw_end(w);
    return;
  }
  vt_jw_kstr(w, "kind", kind_names[r->table]);
  vt_jw_kstr(w, "module", r->module);
  vt_jw_kstr(w, "state", r->state);
  switch ((vt_table)r->table) {
  case VT_T_TRACE:
    vt_jw_kstr(w, "state_type", state_type(e, r->module, r->state));
    jw_time(w, "exited", r->stop);
    break;
  case VT_T_ENCOUNTER:
    vt_jw_kint(w, "id", (int64_t)r->id + 1);
    vt_jw_kstr(w, "class", r->text);
    break;
  case VT_T_CAREPLAN:
  case VT_T_IMAGING:
    vt_jw_kint(w, "id", (int64_t)r->id + 1);
    break;
  default: break;
  }
  if (r->table != VT_T_TRACE && r->table != VT_T_ENCOUNTER) {
    vt_jw_key(w, "encounter");
    if (r->encounter >= 0) vt_jw_int(w, (int64_t)r->encounter + 1); else vt_jw_null(w);
  }
  if (has_stop(r->table)) jw_time(w, "stop", r->stop);
  if (r->table == VT_T_IMAGING) {
    jw_code(w, "bodysite_", r->code);
    jw_code(w, "modality_", r->reason);
    vt_jw_kint(w, "series", r->aux);
    vt_jw_kreal(w, "instance", r->value);
    vt_jw_kstr(w, "sop_code", r->category);
    vt_jw_kstr(w, "sop_display", r->text);
    vt_jw_kstr(w, "procedure_code", r->units);
    vt_jw_end(w);
    return;
  }
  jw_code(w, "", r->code);
  if (r->reason) jw_code(w, "reason_", r->reason);
  switch ((vt_table)r->table) {
  case VT_T_OBSERVATION:
    vt_jw_kstr(w, "category", r->category);
    vt_jw_kstr(w, "value_type", r->value_type == VT_OBS_TEXT ? "text" : "numeric");
    vt_jw_key(w, "value");
    if (r->value_type == VT_OBS_TEXT) vt_jw_str(w, r->text); else vt_jw_real_exact(w, r->value);
    vt_jw_kstr(w, "unit", r->units);
    break;
  case VT_T_MEDICATION: vt_jw_kint(w, "dispenses", r->aux); break;
  case VT_T_SUPPLY: vt_jw_kint(w, "quantity", r->aux); break;
  case VT_T_ALLERGY: vt_jw_kstr(w, "type", r->text); vt_jw_kstr(w, "category", r->category); break;
  case VT_T_DEVICE: vt_jw_kstr(w, "udi", r->text); break;
  default: break;
  }
  vt_jw_end(w);
}

/* ---- text ----------------------------------------------------------------- */

static void put_code(FILE *f, const vt_code *c) {
  if (!c) return;
  fprintf(f, "%s [%s %s]", c->display ? c->display : "", c->system ? c->system : "?", c->code ? c->code : "?");
}

static void put_until(FILE *f, const vt_row *r, int open_means_active) {
  char d[11], s[11];
  if (r->stop == VT_NO_TIME) { if (open_means_active) fputs(", active", f); return; }
  vt_time_format_date(r->stop, d);
  vt_time_format_date(r->start, s);
  if (strcmp(d, s)) fprintf(f, ", until %s", d);
}

static void put_obs_value(FILE *f, const vt_row *r) {
  if (r->value_type == VT_OBS_TEXT) fprintf(f, "%s", r->text ? r->text : "");
  else fprintf(f, "%g", r->value);
  if (r->units && *r->units) fprintf(f, " %s", r->units);
}

/* One record line (not a state, not a vital sign). */
static void text_record(FILE *f, const vt_row *r) {
  fprintf(f, "      %-13s ", kind_names[r->table]);
  switch ((vt_table)r->table) {
  case VT_T_ENCOUNTER:
    fprintf(f, "%s: ", r->text ? r->text : "?");
    put_code(f, r->code);
    if (r->reason) { fputs(" for ", f); fputs(r->reason->display ? r->reason->display : r->reason->code, f); }
    put_until(f, r, 0);
    break;
  case VT_T_OBSERVATION:
    fprintf(f, "%s = ", r->code && r->code->display ? r->code->display : "?");
    put_obs_value(f, r);
    if (r->code) fprintf(f, " [%s %s]", r->code->system ? r->code->system : "?", r->code->code ? r->code->code : "?");
    break;
  case VT_T_IMAGING:
    fprintf(f, "%s of ", r->reason && r->reason->display ? r->reason->display : "study");
    put_code(f, r->code);
    break;
  default:
    put_code(f, r->code);
    if (r->reason && r->table != VT_T_IMAGING) {
      fputs(" for ", f);
      fputs(r->reason->display ? r->reason->display : r->reason->code ? r->reason->code : "?", f);
    }
    if (r->table == VT_T_MEDICATION && r->aux > 0) fprintf(f, ", %d dispense%s", r->aux, r->aux == 1 ? "" : "s");
    if (r->table == VT_T_SUPPLY) fprintf(f, " x%d", r->aux);
    if (r->table == VT_T_ALLERGY && r->category) fprintf(f, " (%s%s%s)", r->text ? r->text : "", r->text ? ", " : "", r->category);
    if (has_stop(r->table)) put_until(f, r, r->table != VT_T_PROCEDURE);
    break;
  }
  fputc('\n', f);
}

static int is_vital(const vt_row *r) {
  return r && r->table == VT_T_OBSERVATION && r->category && !strcmp(r->category, "vital-signs");
}

static int same_prov(const vt_row *a, const vt_row *b) {
  return a && b && !strcmp(a->module ? a->module : "", b->module ? b->module : "") &&
         !strcmp(a->state ? a->state : "", b->state ? b->state : "");
}

static void print_text(FILE *f, const vt_engine *e, const vt_record *rec, const event *ev, size_t nev,
                       const trace_opts *o, uint64_t seed, vt_time reference, const size_t *counts) {
  const vt_person_row *p = &rec->person;
  char d[11], age[16];
  vt_time_format_date(p->birth, d);
  fprintf(f, "Patient %lld (seed %llu): %s, born %s", (long long)p->index + 1, (unsigned long long)seed,
          p->gender == 'F' ? "female" : p->gender == 'M' ? "male" : "sex unknown", d);
  if (p->race) fprintf(f, ", %s", p->race);
  if (p->ethnicity) fprintf(f, ", %s", p->ethnicity);
  if (p->first || p->last) fprintf(f, "; %s %s", p->first ? p->first : "", p->last ? p->last : "");
  fputc('\n', f);
  if (p->death != VT_NO_TIME) {
    vt_time_format_date(p->death, d);
    fmt_age(p->birth, p->death, age, sizeof age);
    fprintf(f, "  died %s, aged %s", d, age);
    if (p->death_cause) { fputs(": ", f); put_code(f, p->death_cause); }
    fputc('\n', f);
  } else {
    vt_time_format_date(reference, d);
    fmt_age(p->birth, reference, age, sizeof age);
    fprintf(f, "  alive on %s (the reference date), aged %s\n", d, age);
  }
  if (p->obs_cut) {
    char s[11], t[11];
    vt_time_format_date(p->obs_start, s);
    vt_time_format_date(p->obs_end, t);
    fprintf(f, "  observation window %s to %s: only what happened in it is shown\n", s, t);
  }
  fprintf(f, "  %zu states entered; rows per table:", counts[VT_T_TRACE]);
  int any = 0;
  for (int t = 0; t < VT_T__COUNT; t++)
    if (t != VT_T_TRACE && counts[t]) { fprintf(f, "%s %s %zu", any ? "," : "", vt_table_names[t], counts[t]); any = 1; }
  if (!any) fputs(" none", f);
  if (o->module) fprintf(f, " (module %s only)", o->module);
  fputs("\n", f);

  int64_t day = INT64_MIN;
  const vt_row *ctx = NULL;    /* module/state of the last context line */
  for (size_t i = 0; i < nev; i++) {
    const vt_row *r = ev[i].row;
    if (vt_time_day(ev[i].t) != day) {
      day = vt_time_day(ev[i].t);
      vt_time_format_date(ev[i].t, d);
      fmt_age(p->birth, ev[i].t, age, sizeof age);
      fprintf(f, "\n%s  %s\n", d, age);
      ctx = NULL;
    }
    if (!r) {
      fputs("  DEATH", f);
      if (p->death_cause) { fputs(": ", f); put_code(f, p->death_cause); }
      fputc('\n', f);
      ctx = NULL;
      continue;
    }
    if (r->table == VT_T_TRACE) {
      /* the states one module went through on this day with nothing
      ** recorded in between, on one line: "A > B (Delay) > C" */
      size_t j = i;
      int col = fprintf(f, "  + %s: ", r->module);
      for (;;) {
        const vt_row *s = ev[j].row;
        const char *ty = state_type(e, s->module, s->state);
        int show_ty = ty && strcmp(ty, "Simple");
        int w = (int)strlen(s->state) + (show_ty ? (int)strlen(ty) + 3 : 0) + (j > i ? 3 : 0);
        if (j > i && col + w > 100) { fputs(" >\n      ", f); col = 6; w -= 3; }
        else if (j > i) fputs(" > ", f);
        fputs(s->state, f);
        if (show_ty) fprintf(f, " (%s)", ty);
        col += w;
        if (j + 1 >= nev || !ev[j + 1].row || ev[j + 1].row->table != VT_T_TRACE ||
            vt_time_day(ev[j + 1].t) != day || strcmp(ev[j + 1].row->module, r->module))
          break;
        j++;
      }
      fputc('\n', f);
      ctx = ev[j].row;
      i = j;
      continue;
    }
    if (!same_prov(ctx, r)) {
      fprintf(f, "    %s: %s\n", r->module ? r->module : "?", r->state && *r->state ? r->state : "?");
      ctx = r;
    }
    if (is_vital(r)) {
      /* the vital signs of one visit on one line (wrapped) */
      int col = fprintf(f, "      %-13s ", "vital signs");
      size_t j = i;
      for (; j < nev && ev[j].t == ev[i].t && is_vital(ev[j].row) && same_prov(ev[j].row, r); j++) {
        char item[256];
        const vt_row *v = ev[j].row;
        int n;
        if (v->value_type == VT_OBS_TEXT) n = snprintf(item, sizeof item, "%s %s", v->code && v->code->display ? v->code->display : "?", v->text ? v->text : "");
        else n = snprintf(item, sizeof item, "%s %g", v->code && v->code->display ? v->code->display : "?", v->value);
        if (n > 0 && (size_t)n < sizeof item && v->units && *v->units) snprintf(item + n, sizeof item - (size_t)n, " %s", v->units);
        n = (int)strlen(item);
        if (j > i && col + n + 2 > 100) { fputs(";\n                    ", f); col = 20; }
        else if (j > i) { fputs("; ", f); col += 2; }
        fputs(item, f);
        col += n;
      }
      fputc('\n', f);
      i = j - 1;
      continue;
    }
    text_record(f, r);
  }
}

static void print_json(FILE *f, const vt_engine *e, const vt_record *rec, const event *ev, size_t nev,
                       const trace_opts *o, uint64_t seed, vt_time reference, const size_t *counts) {
  const vt_person_row *p = &rec->person;
  char d[11], g[2] = { p->gender, 0 };
  vt_jsonw w;
  vt_jw_init(&w, f);
  vt_jw_obj(&w, 0);
  vt_jw_key(&w, "patient");
  vt_jw_obj(&w, 0);
  vt_jw_kint(&w, "id", p->index + 1);
  vt_jw_kint(&w, "index", p->index);
  vt_jw_kstr(&w, "sex", p->gender ? g : NULL);
  vt_time_format_date(p->birth, d);
  vt_jw_kstr(&w, "birthdate", d);
  vt_jw_key(&w, "deathdate");
  if (p->death != VT_NO_TIME) { vt_time_format_date(p->death, d); vt_jw_str(&w, d); } else vt_jw_null(&w);
  jw_time(&w, "death_time", p->death);
  vt_jw_key(&w, "death_cause");
  if (p->death != VT_NO_TIME && p->death_cause) { vt_jw_obj(&w, 1); jw_code(&w, "", p->death_cause); vt_jw_end(&w); }
  else vt_jw_null(&w);
  vt_jw_kint(&w, "age_at_end", vt_time_age_years(p->birth, p->death != VT_NO_TIME ? p->death : reference));
  vt_jw_kstr(&w, "race", p->race);
  vt_jw_kstr(&w, "ethnicity", p->ethnicity);
  vt_jw_kstr(&w, "first", p->first);
  vt_jw_kstr(&w, "last", p->last);
  jw_time(&w, "observation_start", p->obs_start);
  jw_time(&w, "observation_end", p->obs_end);
  vt_jw_kbool(&w, "whole_life", !p->obs_cut);
  vt_jw_end(&w);
  vt_jw_key(&w, "run");
  vt_jw_obj(&w, 0);
  char sd[24];
  snprintf(sd, sizeof sd, "%llu", (unsigned long long)seed);
  vt_jw_kstr(&w, "seed", sd);
  vt_time_format_date(reference, d);
  vt_jw_kstr(&w, "reference_date", d);
  vt_jw_kint(&w, "modules", vt_engine_nmodules(e));
  vt_jw_kstr(&w, "module_filter", o->module);
  vt_jw_kbool(&w, "states", o->states);
  vt_jw_end(&w);
  vt_jw_key(&w, "counts");
  vt_jw_obj(&w, 1);
  for (int t = 0; t < VT_T__COUNT; t++) vt_jw_kint(&w, kind_names[t], (int64_t)counts[t]);
  vt_jw_end(&w);
  vt_jw_key(&w, "events");
  vt_jw_arr(&w, 0);
  for (size_t i = 0; i < nev; i++) json_event(&w, e, p, &ev[i]);
  vt_jw_end(&w);
  vt_jw_end(&w);
}

/* ---- the command ---------------------------------------------------------- */

int vt_cmd_trace(int argc, char **argv) {
  char err[4096];
  trace_opts o;
  int nrest = 0, status = VT_EXIT_FAIL;
  char **rest = calloc((size_t)argc + 1, sizeof *rest);
  vt_config cfg;
  vt_config_defaults(&cfg);
  vt_params *params = NULL;
  vt_engine *e = NULL;
  event *ev = NULL;
  if (!rest) { fprintf(stderr, "vitae trace: out of memory\n"); return VT_EXIT_FAIL; }
  int rc = split_args(argc, argv, &o, rest, &nrest, err, sizeof err);
  if (rc == 1) { fputs(usage_text, stdout); free(rest); return VT_EXIT_OK; }
  if (rc == 0) {
    rc = vt_config_parse_run(&cfg, nrest, rest, err, sizeof err);
    if (rc == 1) { fputs(usage_text, stdout); free(rest); vt_config_free(&cfg); return VT_EXIT_OK; }
  }
  if (rc < 0) {
    /* the run parser's messages point at 'vitae run --help' */
    fprintf(stderr, "vitae trace: %s\n", err);
    status = VT_EXIT_USAGE;
    goto done;
  }
  if (o.patient > cfg.population) {
    fprintf(stderr, "vitae trace: --patient %lld: a run with these options writes patients 1 to %lld "
                    "(give -p N for a larger population)\n", (long long)o.patient, (long long)cfg.population);
    status = VT_EXIT_USAGE;
    goto done;
  }

  /* the engine as sim/run.c opens it, with every state entered recorded */
  vt_sim_opts so = { cfg.seed, cfg.reference_date, cfg.age_min, cfg.age_max, cfg.gender, 1,
                     { cfg.history_years, cfg.observation }, 0 };
  if (!so.reference) so.reference = vt_time_today();
  vt_lua_limits limits;
  vt_lua_default_limits(&limits);
  limits.patient_seconds = cfg.module_time;
  char defdir[4096];
  char *def_paths[1];
  char *const *paths = cfg.modules;
  int npaths = cfg.nmodules;
  if (npaths == 0) {
    if (!vt_default_modules_dir(defdir, sizeof defdir)) {
      fprintf(stderr, "vitae trace: no module folder: run from the vitae folder or give modules with -m\n");
      status = VT_EXIT_USAGE;
      goto done;
    }
    def_paths[0] = defdir;
    paths = def_paths; npaths = 1;
  }
  if (cfg.params_file && !(params = vt_params_load(cfg.params_file, err, sizeof err))) {
    fprintf(stderr, "vitae trace: %s\n", err);
    status = VT_EXIT_USAGE;
    goto done;
  }
  vt_engine_status est = vt_engine_open(&e, &so, paths, npaths, params, &limits, NULL, 0, err, sizeof err);
  if (est != VT_ENGINE_OK) {
    fprintf(stderr, "vitae trace: %s\n", err);
    status = est == VT_ENGINE_EPARAM ? VT_EXIT_USAGE : VT_EXIT_FAIL;
    goto done;
  }
  if (o.module) {
    int found = 0, n = vt_engine_nmodules(e);
    const char **names = calloc((size_t)n + 1, sizeof *names);
    for (int i = 0; i < n; i++) {
      if (names) names[i] = vt_engine_module(e, i)->name;
      if (!strcmp(vt_engine_module(e, i)->name, o.module)) found = 1;
    }
    if (!found) {
      char shown[80];
      const char *near = names ? vt_config_closest(o.module, names, n) : NULL;
      fprintf(stderr, "vitae trace: --module: no module named '%s' is loaded%s%s%s\n",
              vt_config_show(o.module, shown, sizeof shown), near ? "; did you mean '" : "", near ? near : "",
              near ? "'?" : "");
      free(names);
      status = VT_EXIT_USAGE;
      goto done;
    }
    free(names);
  }
  if (vt_engine_simulate(e, o.patient - 1) != 0) {
    fprintf(stderr, "vitae trace: patient %lld: %s\n", (long long)o.patient, vt_engine_error(e));
    status = VT_EXIT_FAIL;
    goto done;
  }
  if (params && !o.json) vt_params_warn_unused(params, stderr);

  const vt_record *rec = &e->p.rec;
  ev = calloc(rec->nrows + 1, sizeof *ev);
  if (!ev) { fprintf(stderr, "vitae trace: out of memory\n"); goto done; }
  size_t nev = 0, counts[VT_T__COUNT] = {0};
  for (size_t i = 0; i < rec->nrows; i++) {
    const vt_row *r = &rec->rows[i];
    if (o.module && (!r->module || strcmp(r->module, o.module))) continue;
    counts[r->table]++;
    if (r->table == VT_T_TRACE && !o.states) continue;
    ev[nev].t = r->start; ev[nev].seq = i; ev[nev].row = r; nev++;
  }
  if (rec->person.death != VT_NO_TIME) {
    ev[nev].t = rec->person.death; ev[nev].seq = rec->nrows; ev[nev].row = NULL; nev++;
  }
  qsort(ev, nev, sizeof *ev, cmp_event);
  if (o.json) print_json(stdout, e, rec, ev, nev, &o, cfg.seed, so.reference, counts);
  else print_text(stdout, e, rec, ev, nev, &o, cfg.seed, so.reference, counts);
  if (fflush(stdout) != 0 || ferror(stdout)) { fprintf(stderr, "vitae trace: cannot write the output\n"); goto done; }
  status = VT_EXIT_OK;
done:
  free(ev);
  vt_engine_free(e);
  vt_params_free(params);
  vt_config_free(&cfg);
  free(rest);
  return status;
}
