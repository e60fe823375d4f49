/*
** inspect_meta.c -- the tables of a source and what it says about itself,
** for `vitae inspect` (inspect_meta.h).
*/
#include "sim/cli/inspect_meta.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "learn/csv.h"
#include "learn/sqlite_ro.h"
#include "sim/strbuf.h"

/* The order tables are listed in: the main ones first, in this order; then
** the others by name. */
static const char *const native_order[] = {
  "patients", "encounters", "conditions", "medications", "observations", "procedures", "immunizations",
  "careplans", "allergies", "devices", "imaging_studies", "supplies", "observation_windows",
  "observation_window", "observation_periods", "observation_period", "organizations", "providers",
  "payers", "module_states", "module_transitions", "state_trace", "run_info", "privacy_ledger", NULL
};

static const char *const omop_order[] = {
  "person", "observation_period", "visit_occurrence", "visit_detail", "condition_occurrence",
  "drug_exposure", "procedure_occurrence", "device_exposure", "measurement", "observation", "death",
  "note", "note_nlp", "specimen", "fact_relationship", "location", "care_site", "provider",
  "payer_plan_period", "cost", "drug_era", "dose_era", "condition_era", "episode", "episode_event",
  "metadata", "cdm_source", "concept", "vocabulary", "domain", "concept_class", "concept_relationship",
  "relationship", "concept_synonym", "concept_ancestor", "source_to_concept_map", "drug_strength",
  "cohort", "cohort_definition", "attribute_definition", "cohort_attribute", NULL
};

/* What reading one source needs. */
typedef struct mctx {
  vt_inspect_meta *m;
  const char *path;
  sqlite3 *db;
  char *err;
  size_t errlen;
} mctx;

static const char *const *table_order;
static int order_rank(const char *name) {
  int k = 0;
  for (; table_order[k]; k++) if (strcasecmp(table_order[k], name) == 0) return k;
  return k;
}

static int table_cmp(const void *pa, const void *pb) {
  const vt_table_count *a = pa, *b = pb;
  int ra = order_rank(a->name), rb = order_rank(b->name);
  if (ra != rb) return ra - rb;
  return strcasecmp(a->name, b->name);
}

static vt_table_count *add_table(vt_inspect_meta *m, const char *name, const char *file) {
  m->tables = vt_xrealloc(m->tables, (m->ntables + 1) * sizeof *m->tables);
  vt_table_count *t = &m->tables[m->ntables++];
  memset(t, 0, sizeof *t);
  t->name = vt_xstrdup(name);
  t->file = file ? vt_xstrdup(file) : NULL;
  t->rows = -1;
  return t;
}

static const vt_table_count *find_table(const vt_inspect_meta *m, const char *name) {
  for (size_t k = 0; k < m->ntables; k++) if (strcasecmp(m->tables[k].name, name) == 0) return &m->tables[k];
  return NULL;
}

/* A double-quoted SQL identifier; malloc'd. */
static char *qident(const char *s) {
  vt_sbuf b = { 0 };
  vt_sb_add(&b, "\"", 1);
  for (; *s; s++) vt_sb_add(&b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
  vt_sb_add(&b, "\"", 1);
  return b.p;
}

/* ---- SQLite sources ---------------------------------------------------------- */

/* Open the database read-only (learn/sqlite_ro.h); 0, or -1 with err. */
static int open_db(mctx *c) { return vt_sqlite_open_ro(c->path, &c->db, c->err, c->errlen); }

/* 1 if table has column col. */
static int has_column(mctx *c, const char *table, const char *col) {
  char *qt = qident(table), *sql = vt_xprintf("PRAGMA table_info(%s)", qt);
  sqlite3_stmt *st = NULL;
  int found = 0;
  if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK)
    while (!found && sqlite3_step(st) == SQLITE_ROW) {
      const char *name = (const char *)sqlite3_column_text(st, 1);
      if (name && strcasecmp(name, col) == 0) found = 1;
    }
  sqlite3_finalize(st);
  free(sql);
  free(qt);
  return found;
}

/* Every table (not SQLite's own) with its COUNT(*); a table that cannot be
** counted keeps its error.  0, or -1 with err when the list cannot be read. */
static int count_sqlite_tables(mctx *c) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(c->db, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                     "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name", -1, &st, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    if (name) add_table(c->m, name, NULL);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    snprintf(c->err, c->errlen, "%s: listing the tables: %s", c->path, sqlite3_errmsg(c->db));
    return -1;
  }
  for (size_t k = 0; k < c->m->ntables; k++) {
    vt_table_count *t = &c->m->tables[k];
    char *qt = qident(t->name), *sql = vt_xprintf("SELECT COUNT(*) FROM %s", qt);
    st = NULL;
    rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) t->rows = sqlite3_column_int64(st, 0);
    else t->err = vt_xstrdup(sqlite3_errmsg(c->db));
    sqlite3_finalize(st);
    free(sql);
    free(qt);
  }
  return 0;
}

/* The text of the first row of sql, malloc'd, or NULL. */
static char *query_text(mctx *c, const char *sql) {
  sqlite3_stmt *st = NULL;
  char *out = NULL;
  if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
      sqlite3_column_text(st, 0))
    out = vt_xstrdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return out;
}

/* vitae's run_info (key, value pairs in row order). */
static int read_run_info(mctx *c) {
  vt_inspect_meta *m = c->m;
  if (!find_table(m, "run_info") || !has_column(c, "run_info", "key") || !has_column(c, "run_info", "value")) return 0;
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(c->db, "SELECT key, value FROM run_info ORDER BY rowid", -1, &st, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *k = (const char *)sqlite3_column_text(st, 0), *v = (const char *)sqlite3_column_text(st, 1);
    rc = SQLITE_OK;
    if (!k) continue;
    m->run_info = vt_xrealloc(m->run_info, (m->nrun_info + 1) * 2 * sizeof *m->run_info);
    m->run_info[2 * m->nrun_info] = vt_xstrdup(k);
    m->run_info[2 * m->nrun_info + 1] = v ? vt_xstrdup(v) : NULL;
    m->nrun_info++;
  }
  sqlite3_finalize(st);
  if (rc == SQLITE_DONE) return 0;
  snprintf(c->err, c->errlen, "%s: reading run_info: %s", c->path, sqlite3_errmsg(c->db));
  return -1;
}

/* vitae's module_states: per module (and path) its states, those visited,
** and the patients of its Initial state.  0, or -1 with err. */
static int read_modules(mctx *c) {
  vt_inspect_meta *m = c->m;
  if (!find_table(m, "module_states") || !has_column(c, "module_states", "module") ||
      !has_column(c, "module_states", "patients")) return 0;
  int hpath = has_column(c, "module_states", "path"), htype = has_column(c, "module_states", "type");
  char *sql = vt_xprintf("SELECT module, %s, COUNT(*), SUM(patients > 0), %s FROM module_states "
                         "GROUP BY module%s ORDER BY module%s", hpath ? "path" : "NULL",
                         htype ? "COALESCE(MAX(CASE WHEN type = 'Initial' THEN patients END), MAX(patients))" : "MAX(patients)",
                         hpath ? ", path" : "", hpath ? ", path" : "");
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
  free(sql);
  m->has_modules = 1;
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    rc = SQLITE_OK;
    m->modules = vt_xrealloc(m->modules, (m->nmodules + 1) * sizeof *m->modules);
    vt_module_count *mc = &m->modules[m->nmodules++];
    const char *name = (const char *)sqlite3_column_text(st, 0), *path = (const char *)sqlite3_column_text(st, 1);
    mc->module = name ? vt_xstrdup(name) : NULL;
    mc->path = path ? vt_xstrdup(path) : NULL;
    mc->states = sqlite3_column_int64(st, 2);
    mc->visited = sqlite3_column_int64(st, 3);
    mc->patients = sqlite3_column_int64(st, 4);
    m->states += mc->states;
    m->visited += mc->visited;
  }
  sqlite3_finalize(st);
  if (rc == SQLITE_DONE) return 0;
  snprintf(c->err, c->errlen, "%s: summarizing module_states: %s", c->path, sqlite3_errmsg(c->db));
  return -1;
}

/* vitae's encounters by class (encounterclass): rows and patients, most
** rows first.  0, or -1 with err. */
static int read_classes(mctx *c) {
  vt_inspect_meta *m = c->m;
  if (!find_table(m, "encounters") || !has_column(c, "encounters", "encounterclass") ||
      !has_column(c, "encounters", "patient"))
    return 0;
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(c->db, "SELECT encounterclass, COUNT(*), COUNT(DISTINCT patient) FROM encounters"
                                     " GROUP BY encounterclass ORDER BY 2 DESC, 1", -1, &st, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    rc = SQLITE_OK;
    m->classes = vt_xrealloc(m->classes, (m->nclasses + 1) * sizeof *m->classes);
    vt_class_count *cc = &m->classes[m->nclasses++];
    const char *name = (const char *)sqlite3_column_text(st, 0);
    cc->name = vt_xstrdup(name ? name : "");
    cc->rows = sqlite3_column_int64(st, 1);
    cc->patients = sqlite3_column_int64(st, 2);
    m->encounters += cc->rows;
  }
  sqlite3_finalize(st);
  if (rc == SQLITE_DONE) return 0;
  snprintf(c->err, c->errlen, "%s: counting encounters by class: %s", c->path, sqlite3_errmsg(c->db));
  return -1;
}

/* "5.3" from a cdm_version such as "v5.3.1" (and from = how); 0, or -1. */
static int version_from_text(vt_inspect_meta *m, const char *v) {
  const char *p = v;
  while (p && *p && !isdigit((unsigned char)*p)) p++;
  if (!p || !isdigit((unsigned char)p[0]) || p[1] != '.' || !isdigit((unsigned char)p[2])) return -1;
  m->cdm_version = vt_xprintf("%c.%c", p[0], p[2]);
  m->cdm_from = vt_xprintf("cdm_source.cdm_version '%s'", v);
  return 0;
}

/* The CDM version told by names 5.4 changed (v54: table episode or column
** visit_occurrence.admitted_from_concept_id; v53: admitting_source_concept_id). */
static void version_from_names(vt_inspect_meta *m, int v54, int v53) {
  if (m->cdm_version) return;
  if (v54 && !v53) { m->cdm_version = vt_xstrdup("5.4"); m->cdm_from = vt_xstrdup("5.4 table and column names"); }
  else if (v53 && !v54) { m->cdm_version = vt_xstrdup("5.3"); m->cdm_from = vt_xstrdup("5.3 table and column names"); }
}

/* OMOP in SQLite: the CDM version and the concept table. */
static void read_omop(mctx *c) {
  vt_inspect_meta *m = c->m;
  if (find_table(m, "cdm_source") && has_column(c, "cdm_source", "cdm_version")) {
    char *v = query_text(c, "SELECT cdm_version FROM cdm_source WHERE cdm_version IS NOT NULL AND cdm_version <> '' LIMIT 1");
    if (v) version_from_text(m, v);
    free(v);
  }
  int has_visits = find_table(m, "visit_occurrence") != NULL;
  version_from_names(m, find_table(m, "episode") || (has_visits && has_column(c, "visit_occurrence", "admitted_from_concept_id")),
                     has_visits && has_column(c, "visit_occurrence", "admitting_source_concept_id"));
  const vt_table_count *t = find_table(m, "concept");
  m->concept_table = t != NULL;
  m->concepts = t ? t->rows : 0;
}

static int read_sqlite(mctx *c, int omop) {
  if (open_db(c) < 0 || count_sqlite_tables(c) < 0) return -1;
  if (omop) { read_omop(c); return 0; }
  if (read_run_info(c) < 0 || read_classes(c) < 0 || read_modules(c) < 0) return -1;
  if (find_table(c->m, "observation_periods") && has_column(c, "observation_periods", "whole_life")) {
    char *n = query_text(c, "SELECT SUM(whole_life <> 0) FROM observation_periods");
    c->m->whole_life = n ? strtoll(n, NULL, 10) : 0;
    free(n);
  }
  return 0;
}

/* ---- CSV sources ----------------------------------------------------------- */

/* Count the records of the CSV file at path as table `table` (file its
** name); for OMOP, read cdm_source's version and visit_occurrence's
** column names on the way.  0, or -1 with err. */
static int count_csv(mctx *c, const char *path, const char *file, const char *table, int omop, int *v54, int *v53) {
  vt_table_count *t = add_table(c->m, table, file);
  struct stat sb;
  if (stat(path, &sb) == 0 && sb.st_size == 0) { t->rows = 0; return 0; }
  vt_csv *r = vt_csv_open(path, VT_CSV_AUTO, c->err, c->errlen);
  if (!r) return -1;
  int rc = vt_csv_header(r, c->err, c->errlen);
  if (rc == 0 && omop && strcmp(table, "visit_occurrence") == 0) {
    if (vt_csv_column(r, "admitted_from_concept_id") >= 0) *v54 = 1;
    if (vt_csv_column(r, "admitting_source_concept_id") >= 0) *v53 = 1;
  }
  int vcol = omop && strcmp(table, "cdm_source") == 0 ? vt_csv_column(r, "cdm_version") : -1;
  int64_t n = 0;
  if (rc == 0 && vcol >= 0) {
    while ((rc = vt_csv_next(r, c->err, c->errlen)) == 1) {
      n++;
      if (!c->m->cdm_version && *vt_csv_field(r, (size_t)vcol)) version_from_text(c->m, vt_csv_field(r, (size_t)vcol));
    }
  }
  int64_t rest = 0;
  if (rc == 0) rc = vt_csv_count_rest(r, &rest, c->err, c->errlen);
  vt_csv_close(r);
  if (rc < 0) return -1;
  t->rows = n + rest;
  return 0;
}

/* Every *.csv file of the folder, counted.  0, or -1 with err. */
static int read_folder(mctx *c, int omop) {
  DIR *d = opendir(c->path);
  if (!d) { snprintf(c->err, c->errlen, "%s: cannot open the folder: %s", c->path, strerror(errno)); return -1; }
  char **names = NULL;
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len <= 4 || strcasecmp(e->d_name + len - 4, ".csv") != 0) continue;
    names = vt_xrealloc(names, (n + 1) * sizeof *names);
    names[n++] = vt_xstrdup(e->d_name);
  }
  closedir(d);
  int rc = 0, v54 = 0, v53 = 0;
  size_t dl = strlen(c->path);
  while (dl > 1 && c->path[dl - 1] == '/') dl--;
  for (size_t k = 0; k < n; k++) {
    char *path = vt_xprintf("%.*s/%s", (int)dl, c->path, names[k]);
    char *table = vt_xstrdup(names[k]);
    table[strlen(table) - 4] = 0;
    for (char *p = table; *p; p++) *p = (char)tolower((unsigned char)*p);
    struct stat sb;
    if (rc == 0 && stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) rc = count_csv(c, path, names[k], table, omop, &v54, &v53);
    free(path);
    free(table);
    free(names[k]);
  }
  free(names);
  if (rc < 0) return -1;
  if (omop) {
    version_from_names(c->m, v54 || find_table(c->m, "episode"), v53);
    const vt_table_count *t = find_table(c->m, "concept");
    c->m->concept_table = t != NULL;
    c->m->concepts = t ? t->rows : 0;
  }
  return 0;
}

int vt_inspect_meta_read(vt_inspect_meta *m, const char *kind, const char *path, char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  m->whole_life = -1;
  mctx c = { m, path, NULL, err, errlen };
  int omop = strncmp(kind, "omop", 4) == 0, rc;
  if (strcmp(kind, "omop") == 0 || strcmp(kind, "vitae") == 0) rc = read_sqlite(&c, omop);
  else if (strcmp(kind, "events") == 0) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char *table = vt_xstrdup(base);
    size_t len = strlen(table);
    if (len > 4 && strcasecmp(table + len - 4, ".csv") == 0) table[len - 4] = 0;
    rc = count_csv(&c, path, base, table, 0, NULL, NULL);
    free(table);
  } else rc = read_folder(&c, omop);
  if (c.db) sqlite3_close(c.db);
  if (rc < 0) return -1;
  table_order = omop ? omop_order : native_order;
  if (m->ntables > 1) qsort(m->tables, m->ntables, sizeof *m->tables, table_cmp);
  for (size_t k = 0; k < m->ntables; k++) if (m->tables[k].rows > 0) m->total_rows += m->tables[k].rows;
  return 0;
}

void vt_inspect_meta_free(vt_inspect_meta *m) {
  for (size_t k = 0; k < m->ntables; k++) { free(m->tables[k].name); free(m->tables[k].file); free(m->tables[k].err); }
  free(m->tables);
  for (size_t k = 0; k < 2 * m->nrun_info; k++) free(m->run_info[k]);
  free(m->run_info);
  free(m->cdm_version);
  free(m->cdm_from);
  for (size_t k = 0; k < m->nmodules; k++) { free(m->modules[k].module); free(m->modules[k].path); }
  free(m->modules);
  for (size_t k = 0; k < m->nclasses; k++) free(m->classes[k].name);
  free(m->classes);
  memset(m, 0, sizeof *m);
}
