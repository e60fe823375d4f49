/*
** module_graph.c -- a compiled module as a Graphviz DOT graph (module_graph.h).
**
** The scheme (docs/graph.md):
**   Initial, Terminal        green ovals (Terminal with a double border)
**   Delay, Guard             yellow hexagons: the patient waits here
**   Encounter, EncounterEnd  blue rounded boxes
**   clinical records         orange boxes (ConditionOnset, MedicationOrder, ...)
**   SetAttribute, Counter    grey boxes with a folded corner (notes)
**   Simple, Physiology       white ellipses
**   CallSubmodule            purple boxes with tabs (components), the
**                            submodule's path in the label, bold border
**   Death                    black octagon
** Edges: one per state and distinct target, the options that lead there one
** line each; with counts, "obs S%, n=N" after them, and a branch no patient
** took dashed and grey.  A state no patient entered is dashed and grey.
*/
#include <math.h>
#include <string.h>

#include "lua/module_graph.h"
#include <stdlib.h>

/* The longest condition or display text put in a label, in characters. */
#define MAX_COND 140
#define MAX_DISPLAY 40

/* ---- text helpers --------------------------------------------------------- */

void vt_graph_escape(vt_sbuf *b, const char *s) {
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') { vt_sb_add(b, "\\", 1); vt_sb_add(b, s, 1); }
    else if (ch == '\n') vt_sb_puts(b, "\\n");
    else if (ch < 0x20 || ch == 0x7f) vt_sb_add(b, " ", 1);
    else vt_sb_add(b, s, 1);
  }
}

/* Append at most max characters (UTF-8 code points) of s, with "…" when cut. */
static void add_abbrev(vt_sbuf *b, const char *s, int max) {
  int chars = 0;
  const char *p = s;
  while (*p && chars < max) {
    p++;
    while ((*p & 0xC0) == 0x80) p++;   /* continuation bytes of the same character */
    chars++;
  }
  vt_sb_add(b, s, (size_t)(p - s));
  if (*p) vt_sb_puts(b, "\xe2\x80\xa6");
}

/* A number as written: 18, 2.5, 0.001. */
static void add_num(vt_sbuf *b, double v) {
  if (v == floor(v) && fabs(v) < 1e15) vt_sb_printf(b, "%.0f", v);
  else vt_sb_printf(b, "%g", v);
}

/* A probability as a percentage: 30%, 12.5%, 0.01%. */
static void add_pct(vt_sbuf *b, double p) {
  vt_sb_printf(b, "%.4g%%", p * 100.0);
}

static const char *unit_name(int64_t ms) {
  static const char *const units[] = { "years", "months", "weeks", "days", "hours", "minutes", "seconds", "milliseconds" };
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (vt_time_unit_ms(units[i]) == ms) return units[i];
  return "ms";
}

/* " years", or " year" after exactly 1. */
static void add_unit(vt_sbuf *b, int64_t ms, double qty) {
  const char *u = unit_name(ms);
  vt_sb_printf(b, " %.*s", (int)strlen(u) - (qty == 1 && strcmp(u, "ms") != 0), u);
}

static const char *op_text(int op) {
  switch (op) {
    case VT_OP_LT: return "<";
    case VT_OP_LE: return "<=";
    case VT_OP_EQ: return "=";
    case VT_OP_GE: return ">=";
    case VT_OP_GT: return ">";
    case VT_OP_NE: return "!=";
    case VT_OP_IS_NIL: return "is nil";
    case VT_OP_IS_NOT_NIL: return "is not nil";
  }
  return "?";
}

static void add_value(vt_sbuf *b, const vt_value *v) {
  switch (v->kind) {
    case VT_V_NUM: add_num(b, v->u.n); break;
    case VT_V_BOOL: vt_sb_puts(b, v->u.b ? "true" : "false"); break;
    case VT_V_STR: vt_sb_puts(b, v->u.s); break;
    case VT_V_ENTRY: vt_sb_puts(b, "(entry)"); break;
    default: vt_sb_puts(b, "nil"); break;
  }
}

/* " >= 18", " is nil" */
static void add_cmp(vt_sbuf *b, int op, const vt_value *v) {
  vt_sb_printf(b, " %s", op_text(op));
  if (op != VT_OP_IS_NIL && op != VT_OP_IS_NOT_NIL) { vt_sb_puts(b, " "); add_value(b, v); }
}

/* The codes of a condition: "44054006", "44054006 or 2 more", or the
** attribute that names the entry. */
static void add_cond_codes(vt_sbuf *b, const vt_cond *c) {
  if (c->ncodes > 0) {
    vt_sb_puts(b, c->codes[0].code);
    if (c->ncodes > 1) vt_sb_printf(b, " or %d more", c->ncodes - 1);
  } else if (c->name) vt_sb_printf(b, "[attribute %s]", c->name);
}

static void add_subs(vt_sbuf *b, const vt_module *m, const vt_cond *c) {
  for (int i = 0; i < c->nsubs; i++) {
    if (i) vt_sb_puts(b, ", ");
    vt_graph_cond_text(b, m, &c->subs[i]);
  }
}

void vt_graph_cond_text(vt_sbuf *b, const vt_module *m, const vt_cond *c) {
  if (!c) { vt_sb_puts(b, "true"); return; }
  switch (c->kind) {
    case VT_C_TRUE: vt_sb_puts(b, "true"); return;
    case VT_C_FALSE: vt_sb_puts(b, "false"); return;
    case VT_C_AND: vt_sb_puts(b, "And("); add_subs(b, m, c); vt_sb_puts(b, ")"); return;
    case VT_C_OR: vt_sb_puts(b, "Or("); add_subs(b, m, c); vt_sb_puts(b, ")"); return;
    case VT_C_NOT: vt_sb_puts(b, "Not("); add_subs(b, m, c); vt_sb_puts(b, ")"); return;
    case VT_C_AT_LEAST: case VT_C_AT_MOST:
      vt_sb_printf(b, "%s %d of (", c->kind == VT_C_AT_LEAST ? "at least" : "at most", c->count);
      add_subs(b, m, c);
      vt_sb_puts(b, ")");
      return;
    case VT_C_GENDER: vt_sb_printf(b, "gender = %s", c->name); return;
    case VT_C_AGE:
      vt_sb_printf(b, "age %s ", op_text(c->op));
      add_num(b, c->quantity);
      add_unit(b, c->unit_ms, c->quantity);
      return;
    case VT_C_DATE:
      if (c->by_year == 1) { vt_sb_printf(b, "year %s ", op_text(c->op)); add_num(b, c->quantity); }
      else if (c->by_year == 2) { vt_sb_printf(b, "month %s ", op_text(c->op)); add_num(b, c->quantity); }
      else {
        char d[11];
        vt_time_format_date(c->date, d);
        vt_sb_printf(b, "date %s %s", op_text(c->op), d);
      }
      return;
    case VT_C_RACE: vt_sb_printf(b, "race = %s", c->name); return;
    case VT_C_SES: vt_sb_printf(b, "SES = %s", c->name); return;
    case VT_C_ATTRIBUTE: vt_sb_printf(b, "attribute %s", c->name); add_cmp(b, c->op, &c->value); return;
    case VT_C_SYMPTOM: vt_sb_printf(b, "symptom %s", c->name); add_cmp(b, c->op, &c->value); return;
    case VT_C_VITAL: vt_sb_printf(b, "vital sign %s", c->name); add_cmp(b, c->op, &c->value); return;
    case VT_C_OBSERVATION: vt_sb_puts(b, "observation "); add_cond_codes(b, c); add_cmp(b, c->op, &c->value); return;
    case VT_C_ACTIVE_CONDITION: vt_sb_puts(b, "active condition "); add_cond_codes(b, c); return;
    case VT_C_ACTIVE_MEDICATION: vt_sb_puts(b, "active medication "); add_cond_codes(b, c); return;
    case VT_C_ACTIVE_CAREPLAN: vt_sb_puts(b, "active care plan "); add_cond_codes(b, c); return;
    case VT_C_ACTIVE_ALLERGY: vt_sb_puts(b, "active allergy "); add_cond_codes(b, c); return;
    case VT_C_PRIOR_STATE:
      vt_sb_printf(b, "prior state %s", c->name);
      if (c->unit_ms > 0) {
        /* `within`: shown in the largest unit that divides it */
        static const char *const units[] = { "years", "months", "weeks", "days", "hours", "minutes", "seconds" };
        const char *u = "milliseconds";
        int64_t q = c->unit_ms;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
          int64_t ms = vt_time_unit_ms(units[i]);
          if (ms > 0 && c->unit_ms % ms == 0) { u = units[i]; q = c->unit_ms / ms; break; }
        }
        vt_sb_printf(b, " within %lld %.*s", (long long)q, (int)strlen(u) - (q == 1), u);
      }
      if (c->since_state >= 0 && c->since_state < m->nstates) vt_sb_printf(b, " since %s", m->states[c->since_state].name);
      return;
    case VT_C_LUA: vt_sb_puts(b, "f(p)"); return;
  }
  vt_sb_puts(b, "?");
}

/* ---- nodes ---------------------------------------------------------------- */

enum { K_START, K_END, K_WAIT, K_ENCOUNTER, K_RECORD, K_ATTRIBUTE, K_SIMPLE, K_CALL, K_DEATH, K__COUNT };

static int kind_of(int type) {
  switch (type) {
    case VT_S_INITIAL: return K_START;
    case VT_S_TERMINAL: return K_END;
    case VT_S_DELAY: case VT_S_GUARD: return K_WAIT;
    case VT_S_ENCOUNTER: case VT_S_ENCOUNTER_END: return K_ENCOUNTER;
    case VT_S_SET_ATTRIBUTE: case VT_S_COUNTER: return K_ATTRIBUTE;
    case VT_S_SIMPLE: case VT_S_PHYSIOLOGY: return K_SIMPLE;
    case VT_S_CALL_SUBMODULE: return K_CALL;
    case VT_S_DEATH: return K_DEATH;
    default: return K_RECORD;
  }
}

/* DOT attributes of each kind, and its legend text. */
static const struct { const char *attrs, *legend; } kinds[K__COUNT] = {
  [K_START] = { "shape=oval, style=\"filled,bold\", fillcolor=\"#c8e6c9\"", "Initial" },
  [K_END] = { "shape=oval, style=filled, peripheries=2, fillcolor=\"#c8e6c9\"", "Terminal" },
  [K_WAIT] = { "shape=hexagon, style=filled, fillcolor=\"#fff59d\"", "waits: Delay, Guard" },
  [K_ENCOUNTER] = { "shape=box, style=\"filled,rounded\", fillcolor=\"#bbdefb\"", "Encounter, EncounterEnd" },
  [K_RECORD] = { "shape=box, style=filled, fillcolor=\"#ffe0b2\"",
                 "clinical record: ConditionOnset,\\nMedicationOrder, Procedure, ..." },
  [K_ATTRIBUTE] = { "shape=note, style=filled, fillcolor=\"#eeeeee\"", "SetAttribute, Counter" },
  [K_SIMPLE] = { "shape=ellipse, style=filled, fillcolor=\"#ffffff\"", "Simple" },
  [K_CALL] = { "shape=component, style=\"filled,bold\", fillcolor=\"#e1bee7\"", "CallSubmodule" },
  [K_DEATH] = { "shape=octagon, style=filled, fillcolor=\"#424242\", fontcolor=white", "Death" },
};

/* A distribution (Delay): "3 days", "3-5 days", "mean 5 days". */
static void add_dist(vt_sbuf *b, const vt_dist *d) {
  switch (d->kind) {
    case VT_D_EXACT:
      if (d->a.fn != VT_NOFN) vt_sb_puts(b, "f(p)"); else add_num(b, d->a.v);
      break;
    case VT_D_UNIFORM:
      if (d->a.fn != VT_NOFN) vt_sb_puts(b, "f(p)"); else add_num(b, d->a.v);
      vt_sb_puts(b, "-");
      if (d->b.fn != VT_NOFN) vt_sb_puts(b, "f(p)"); else add_num(b, d->b.v);
      break;
    case VT_D_GAUSSIAN:
      vt_sb_puts(b, "mean ");
      if (d->a.fn != VT_NOFN) vt_sb_puts(b, "f(p)"); else add_num(b, d->a.v);
      vt_sb_puts(b, " sd ");
      if (d->b.fn != VT_NOFN) vt_sb_puts(b, "f(p)"); else add_num(b, d->b.v);
      break;
    case VT_D_EXPONENTIAL:
      vt_sb_puts(b, "exponential, mean ");
      if (d->a.fn != VT_NOFN) vt_sb_puts(b, "f(p)"); else add_num(b, d->a.v);
      break;
    default: return;
  }
  if (d->unit_ms) add_unit(b, d->unit_ms, d->kind == VT_D_EXACT && d->a.fn == VT_NOFN ? d->a.v : 2);
}

/* The label of state s, as plain text (escaped by the caller). */
static void node_label(vt_sbuf *b, const vt_module *m, const vt_state *s, int si, const vt_graph_counts *c) {
  char n1[32], n2[32];
  vt_sb_puts(b, s->name);
  vt_sb_puts(b, "\n");
  if (s->type == VT_S_CALL_SUBMODULE) vt_sb_printf(b, "calls %s", s->submodule ? s->submodule : "?");
  else vt_sb_printf(b, "(%s)", vt_state_type_names[s->type]);
  if (s->ncodes > 0 && s->codes) {
    vt_sb_puts(b, "\n");
    add_abbrev(b, s->codes[0].display ? s->codes[0].display : s->codes[0].code, MAX_DISPLAY);
    if (s->ncodes > 1) vt_sb_printf(b, " (+%d)", s->ncodes - 1);
  }
  if (s->type == VT_S_SYMPTOM && s->symptom) vt_sb_printf(b, "\nsymptom %s", s->symptom);
  if (s->type == VT_S_ENCOUNTER && s->encounter_class) vt_sb_printf(b, "\nclass %s%s", s->encounter_class, s->wellness ? " (wellness)" : "");
  if (s->type == VT_S_DELAY && s->dist.kind != VT_D_NONE) { vt_sb_puts(b, "\n"); add_dist(b, &s->dist); }
  if (s->type == VT_S_GUARD && s->allow) {
    vt_sbuf t = { 0 };
    vt_graph_cond_text(&t, m, s->allow);
    vt_sb_puts(b, "\nallow: ");
    add_abbrev(b, t.p ? t.p : "", MAX_COND);
    free(t.p);
  }
  if ((s->type == VT_S_SET_ATTRIBUTE || s->type == VT_S_COUNTER) && s->attribute) {
    vt_sb_printf(b, "\n%s", s->attribute);
    if (s->type == VT_S_COUNTER) vt_sb_printf(b, " %s %d", s->amount < 0 ? "-=" : "+=", abs(s->amount));
    else if (s->val_src == VT_VAL_CONST) { vt_sb_puts(b, " = "); add_value(b, &s->value); }
    else if (s->val_src == VT_VAL_LUA) vt_sb_puts(b, " = f(p)");
  }
  if (c && c->patients && c->entries) {
    if (c->patients[si] < 0) vt_sb_puts(b, "\n(not in the cohort)");
    else vt_sb_printf(b, "\npatients %s, entries %s", vt_commas(c->patients[si], n1), vt_commas(c->entries[si], n2));
  }
}

/* ---- edges ---------------------------------------------------------------- */

/* The options of one state, grouped by target in order of first appearance. */
typedef struct edge { int target; vt_sbuf label; } edge;
typedef struct edges { edge *e; int n, cap; } edges;

/* Add a line to the edge to `target` (a new edge if none yet). */
static vt_sbuf *edge_line(edges *es, int target) {
  for (int i = 0; i < es->n; i++)
    if (es->e[i].target == target) {
      if (es->e[i].label.n) vt_sb_puts(&es->e[i].label, "\n");
      return &es->e[i].label;
    }
  if (es->n == es->cap) {
    es->cap = es->cap ? 2 * es->cap : 8;
    es->e = vt_xrealloc(es->e, sizeof *es->e * (size_t)es->cap);
  }
  edge *e = &es->e[es->n++];
  e->target = target;
  memset(&e->label, 0, sizeof e->label);
  return &e->label;
}

static void add_prob(vt_sbuf *b, const vt_dist_opt *o) {
  if (o->attr) { vt_sb_printf(b, "attribute %s, default ", o->attr); add_pct(b, o->p.v); }
  else if (o->p.fn != VT_NOFN) vt_sb_puts(b, "f(p)");
  else add_pct(b, o->p.v);
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

/* The condition of an option, cut to MAX_COND characters. */
static void add_cond(vt_sbuf *b, const vt_module *m, const vt_cond *c) {
  vt_sbuf t = { 0 };
  vt_graph_cond_text(&t, m, c);
  add_abbrev(b, t.p ? t.p : "", MAX_COND);
  free(t.p);
}

static void collect_edges(edges *es, const vt_module *m, const vt_state *s) {
  const vt_transition *tr = &s->tr;
  switch (tr->kind) {
    case VT_TR_DIRECT:
      if (tr->target >= 0 && tr->target < m->nstates) edge_line(es, tr->target);
      break;
    case VT_TR_DISTRIBUTED:
      for (int i = 0; i < tr->ndists; i++) add_prob(edge_line(es, tr->dists[i].target), &tr->dists[i]);
      break;
    case VT_TR_LOOKUP:
      for (int i = 0; i < tr->ndists; i++) {
        vt_sbuf *b = edge_line(es, tr->dists[i].target);
        vt_sb_printf(b, "lookup %s, default ", tr->lookup_file ? base_name(tr->lookup_file) : "?");
        add_pct(b, tr->dists[i].p.v);
      }
      break;
    case VT_TR_CONDITIONAL: case VT_TR_COMPLEX:
      for (int i = 0; i < tr->nopts; i++) {
        const vt_cond_opt *o = &tr->opts[i];
        vt_sbuf cond = { 0 };
        if (o->cond) add_cond(&cond, m, o->cond);
        else vt_sb_puts(&cond, i == tr->nopts - 1 ? "else" : "always");
        if (o->ndists) {
          for (int j = 0; j < o->ndists; j++) {
            vt_sbuf *b = edge_line(es, o->dists[j].target);
            vt_sb_printf(b, "%s: ", cond.p);
            add_prob(b, &o->dists[j]);
          }
        } else if (o->target >= 0 && o->target < m->nstates) vt_sb_puts(edge_line(es, o->target), cond.p);
        free(cond.p);
      }
      break;
    case VT_TR_TYPE_OF_CARE: {
      static const char *const care[VT_CARE__COUNT] = { "ambulatory", "emergency", "telemedicine" };
      for (int i = 0; i < VT_CARE__COUNT; i++)
        if (tr->care[i] >= 0 && tr->care[i] < m->nstates) vt_sb_printf(edge_line(es, tr->care[i]), "care: %s", care[i]);
      break;
    }
    default: break;
  }
}

/* ---- the graph ------------------------------------------------------------- */

static void put_quoted(vt_sbuf *out, const char *s) {
  vt_sb_puts(out, "\"");
  vt_graph_escape(out, s);
  vt_sb_puts(out, "\"");
}

int vt_graph_write(FILE *f, const vt_module *m, const vt_graph_counts *c) {
  vt_sbuf out = { 0 }, t = { 0 };
  char n1[32];
  const char *name = m->name ? m->name : m->path;
  vt_sb_puts(&out, "digraph ");
  put_quoted(&out, name);
  vt_sb_puts(&out, " {\n  graph [rankdir=TB, fontname=\"Helvetica\", labelloc=t, label=");
  vt_sb_printf(&t, "%s (%s)", name, base_name(m->file ? m->file : m->path));
  if (c && c->title) vt_sb_printf(&t, "\n%s", c->title);
  if (c && c->note) vt_sb_printf(&t, "\n%s", c->note);
  put_quoted(&out, t.p);
  vt_sb_puts(&out, "];\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");

  int used[K__COUNT] = { 0 };
  for (int i = 0; i < m->nstates; i++) {
    const vt_state *s = &m->states[i];
    int k = i == m->initial ? K_START : kind_of(s->type);   /* a Lua module's Initial may be Simple */
    used[k] = 1;
    t.n = 0;
    node_label(&t, m, s, i, c);
    vt_sb_printf(&out, "  s%d [%s, label=", i, kinds[k].attrs);
    put_quoted(&out, t.p);
    if (c && c->patients && c->patients[i] <= 0) vt_sb_puts(&out, ", color=\"#9e9e9e\", fontcolor=\"#757575\", penwidth=1, style=\"filled,dashed\"");
    vt_sb_puts(&out, "];\n");
  }

  edges es = { 0 };
  for (int i = 0; i < m->nstates; i++) {
    const vt_state *s = &m->states[i];
    es.n = 0;
    collect_edges(&es, m, s);
    int64_t out_total = 0;
    if (c && c->trans)
      for (int j = 0; j < es.n; j++) out_total += c->trans[(size_t)i * (size_t)m->nstates + (size_t)es.e[j].target];
    for (int j = 0; j < es.n; j++) {
      edge *e = &es.e[j];
      int dashed = 0;
      if (c && c->trans) {
        int64_t n = c->trans[(size_t)i * (size_t)m->nstates + (size_t)e->target];
        if (!e->label.n) vt_sb_printf(&e->label, "n=%s", vt_commas(n, n1));
        else if (out_total > 0 && es.n > 1)
          vt_sb_printf(&e->label, " (obs %.1f%%, n=%s)", 100.0 * (double)n / (double)out_total, vt_commas(n, n1));
        else vt_sb_printf(&e->label, " (n=%s)", vt_commas(n, n1));
        dashed = n == 0;
      }
      vt_sb_printf(&out, "  s%d -> s%d", i, e->target);
      if (e->label.n || dashed) {
        vt_sb_puts(&out, " [");
        if (e->label.n) { vt_sb_puts(&out, "label="); put_quoted(&out, e->label.p); }
        if (dashed) vt_sb_printf(&out, "%sstyle=dashed, color=\"#9e9e9e\", fontcolor=\"#757575\"", e->label.n ? ", " : "");
        vt_sb_puts(&out, "]");
      }
      vt_sb_puts(&out, ";\n");
      free(e->label.p);
    }
  }
  free(es.e);

  /* the legend: the kinds of state this graph has */
  vt_sb_puts(&out, "  subgraph cluster_legend {\n    label=\"legend\"; fontsize=10; style=dashed; color=\"#9e9e9e\";\n");
  int prev = -1;
  for (int k = 0; k < K__COUNT; k++) {
    if (!used[k]) continue;
    vt_sb_printf(&out, "    legend%d [%s, fontsize=9, label=\"%s\"];\n", k, kinds[k].attrs, kinds[k].legend);
    if (prev >= 0) vt_sb_printf(&out, "    legend%d -> legend%d [style=invis];\n", prev, k);
    prev = k;
  }
  vt_sb_puts(&out, "  }\n}\n");
  size_t w = fwrite(out.p, 1, out.n, f);
  int rc = w == out.n && !ferror(f) ? 0 : -1;
  free(out.p);
  free(t.p);
  return rc;
}
