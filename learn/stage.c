/*
** stage.c -- CSV files staged into a temporary SQLite database (see
** stage.h): the file read once through learn/csv.h, the wanted columns
** inserted in one transaction, indexes on demand.
*/
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "learn/csv.h"
#include "learn/stage.h"
#include "sim/strbuf.h"

struct vt_stage {
  sqlite3 *db;
};

/* Run sql; 0, or -1 with "what: sqlite's message" in err. */
static int exec(vt_stage *s, const char *sql, const char *what, char *err, size_t errlen) {
  char *msg = NULL;
  if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
  snprintf(err, errlen, "%s: %s", what, msg ? msg : sqlite3_errmsg(s->db));
  sqlite3_free(msg);
  return -1;
}

int vt_stage_open(vt_stage **out, char *err, size_t errlen) {
  *out = NULL;
  vt_stage *s = vt_xcalloc(1, sizeof *s);
  /* "" is SQLite's private temporary database: on disk once the cache
  ** spills, its file unlinked as soon as it is created */
  if (sqlite3_open_v2("", &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "cannot open a temporary database: %s", s->db ? sqlite3_errmsg(s->db) : "out of memory");
    vt_stage_close(s);
    return -1;
  }
  char sql[256];
  snprintf(sql, sizeof sql,
           "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE;"
           " PRAGMA temp_store=FILE; PRAGMA cache_size=-%d;",
           VT_STAGE_CACHE_KIB);
  if (exec(s, sql, "the temporary database", err, errlen) != 0) { vt_stage_close(s); return -1; }
  *out = s;
  return 0;
}

sqlite3 *vt_stage_db(vt_stage *s) { return s->db; }

void vt_stage_close(vt_stage *s) {
  if (!s) return;
  sqlite3_close(s->db);
  free(s);
}

/* Append name to b as a quoted SQL identifier. */
static void add_ident(vt_sbuf *b, const char *name) {
  vt_sb_puts(b, "\"");
  for (const char *p = name; *p; p++) {
    vt_sb_add(b, p, 1);
    if (*p == '"') vt_sb_add(b, p, 1);
  }
  vt_sb_puts(b, "\"");
}

/* "FILE: no column 'x' (the columns: a, b)" into err. */
static void missing_column(const vt_csv *c, const char *name, char *err, size_t errlen) {
  vt_sbuf b = { 0 };
  vt_sb_printf(&b, "%s: no column '%s' (the columns: ", vt_csv_path(c), name);
  for (int k = 0; k < vt_csv_columns(c); k++) vt_sb_printf(&b, "%s%s", k ? ", " : "", vt_csv_column_name(c, k));
  vt_sb_puts(&b, ")");
  snprintf(err, errlen, "%s", b.p);
  free(b.p);
}

/* Create table and prepare its insert statement: 0, or -1 with err. */
static int create_table(vt_stage *s, const char *table, const char *const *columns, int ncols, sqlite3_stmt **ins,
                        char *err, size_t errlen) {
  vt_sbuf b = { 0 };
  vt_sb_puts(&b, "DROP TABLE IF EXISTS ");
  add_ident(&b, table);
  vt_sb_puts(&b, "; CREATE TABLE ");
  add_ident(&b, table);
  vt_sb_puts(&b, " (line INTEGER");
  for (int k = 0; k < ncols; k++) {
    vt_sb_puts(&b, ", ");
    add_ident(&b, columns[k]);
    vt_sb_puts(&b, " TEXT");
  }
  vt_sb_puts(&b, ")");
  int rc = exec(s, b.p, table, err, errlen);
  b.n = 0;
  if (rc == 0) {
    vt_sb_puts(&b, "INSERT INTO ");
    add_ident(&b, table);
    vt_sb_puts(&b, " VALUES (?");
    for (int k = 0; k < ncols; k++) vt_sb_puts(&b, ", ?");
    vt_sb_puts(&b, ")");
    if (sqlite3_prepare_v2(s->db, b.p, -1, ins, NULL) != SQLITE_OK) {
      snprintf(err, errlen, "%s: %s", table, sqlite3_errmsg(s->db));
      rc = -1;
    }
  }
  free(b.p);
  return rc;
}

/* Insert every record of c through ins (where[k] = the CSV column of
** staged column k, or -1): 0, or -1 with err. */
static int insert_rows(vt_stage *s, vt_csv *c, sqlite3_stmt *ins, const int *where, int ncols, int64_t *rows,
                       char *err, size_t errlen) {
  int rc;
  int64_t n = 0;
  while ((rc = vt_csv_next(c, err, errlen)) == 1) {
    sqlite3_bind_int64(ins, 1, vt_csv_line(c));
    for (int k = 0; k < ncols; k++) {
      size_t len = where[k] >= 0 ? vt_csv_field_len(c, (size_t)where[k]) : 0;
      if (len == 0) sqlite3_bind_null(ins, k + 2);
      else sqlite3_bind_text(ins, k + 2, vt_csv_field(c, (size_t)where[k]), (int)len, SQLITE_STATIC);
    }
    if (sqlite3_step(ins) != SQLITE_DONE) {
      snprintf(err, errlen, "%s:%ld: cannot stage the row: %s", vt_csv_path(c), vt_csv_line(c), sqlite3_errmsg(s->db));
      return -1;
    }
    sqlite3_reset(ins);
    n++;
  }
  if (rows) *rows = n;
  return rc < 0 ? -1 : 0;
}

int vt_stage_table(vt_stage *s, const char *csv_path, const char *table, const char *const *columns, int ncols,
                   uint64_t required, uint64_t *present, int64_t *rows, char *err, size_t errlen) {
  if (present) *present = 0;
  if (rows) *rows = 0;
  if (ncols < 0 || ncols > VT_STAGE_MAX_COLUMNS) {
    snprintf(err, errlen, "%s: internal error: %d columns to stage (at most %d)", csv_path, ncols, VT_STAGE_MAX_COLUMNS);
    return -1;
  }
  vt_csv *c = vt_csv_open(csv_path, VT_CSV_AUTO, err, errlen);
  if (!c) return -1;
  if (vt_csv_header(c, err, errlen) != 0) { vt_csv_close(c); return -1; }
  int where[VT_STAGE_MAX_COLUMNS];
  uint64_t have = 0;
  for (int k = 0; k < ncols; k++) {
    char low[128];
    size_t j = 0;
    for (; columns[k][j] && j + 1 < sizeof low; j++) low[j] = (char)tolower((unsigned char)columns[k][j]);
    low[j] = 0;
    where[k] = vt_csv_column(c, low);
    if (where[k] >= 0) have |= VT_STAGE_COL(k);
    else if (required & VT_STAGE_COL(k)) {
      missing_column(c, low, err, errlen);
      vt_csv_close(c);
      return -1;
    }
  }
  if (present) *present = have;
  sqlite3_stmt *ins = NULL;
  int rc = create_table(s, table, columns, ncols, &ins, err, errlen);
  if (rc == 0) rc = exec(s, "BEGIN", table, err, errlen);
  if (rc == 0) {
    rc = insert_rows(s, c, ins, where, ncols, rows, err, errlen);
    /* without a journal there is no rollback: a failed table is emptied */
    char e2[256];
    if (exec(s, "COMMIT", table, e2, sizeof e2) != 0 && rc == 0) {
      snprintf(err, errlen, "%s", e2);
      rc = -1;
    }
  }
  sqlite3_finalize(ins);
  if (rc != 0) {
    vt_sbuf b = { 0 };
    vt_sb_puts(&b, "DELETE FROM ");
    add_ident(&b, table);
    char e2[256];
    (void)exec(s, b.p, table, e2, sizeof e2); /* best effort: the error reported is the first one */
    free(b.p);
    if (rows) *rows = 0;
  }
  vt_csv_close(c);
  return rc;
}

int vt_stage_index(vt_stage *s, const char *table, const char *column, char *err, size_t errlen) {
  vt_sbuf b = { 0 };
  char ix[300];
  snprintf(ix, sizeof ix, "ix_%s_%s", table, column);
  vt_sb_puts(&b, "CREATE INDEX IF NOT EXISTS ");
  add_ident(&b, ix);
  vt_sb_puts(&b, " ON ");
  add_ident(&b, table);
  vt_sb_puts(&b, " (");
  add_ident(&b, column);
  vt_sb_puts(&b, ")");
  int rc = exec(s, b.p, table, err, errlen);
  free(b.p);
  return rc;
}

int vt_stage_find_file(const char *dir, const char *name, char *out, size_t outlen, char *err, size_t errlen) {
  if (outlen) out[0] = 0;
  DIR *d = opendir(dir);
  if (!d) { snprintf(err, errlen, "%s: cannot read the folder: %s", dir, strerror(errno)); return -1; }
  /* an exact match first, then the first other spelling in name order, so
  ** that the choice does not depend on the order of the folder */
  struct dirent *e;
  char best[256] = "";
  while ((e = readdir(d)) != NULL) {
    if (strcasecmp(e->d_name, name) != 0) continue;
    if (strcmp(e->d_name, name) == 0) { snprintf(best, sizeof best, "%s", e->d_name); break; }
    if (!best[0] || strcmp(e->d_name, best) < 0) snprintf(best, sizeof best, "%s", e->d_name);
  }
  closedir(d);
  if (!best[0]) return 0;
  if ((size_t)snprintf(out, outlen, "%s/%s", dir, best) >= outlen) {
    snprintf(err, errlen, "%s/%s: the path is too long", dir, best);
    if (outlen) out[0] = 0;
    return -1;
  }
  return 1;
}

/* ---- cursors in person order ----------------------------------------------- */

int vt_stage_cursor_open(vt_stage *s, vt_stage_cursor *c, const char *sql, char *err, size_t errlen) {
  c->on_row = 0;
  if (sqlite3_prepare_v2(s->db, sql, -1, &c->st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "the staged tables: %s", sqlite3_errmsg(s->db));
    sqlite3_finalize(c->st);
    c->st = NULL;
    return -1;
  }
  return vt_stage_cursor_next(c, err, errlen);
}

int vt_stage_cursor_next(vt_stage_cursor *c, char *err, size_t errlen) {
  int rc = sqlite3_step(c->st);
  c->on_row = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) return 0;
  snprintf(err, errlen, "the staged tables: %s", sqlite3_errmsg(sqlite3_db_handle(c->st)));
  return -1;
}

const char *vt_stage_cursor_id(const vt_stage_cursor *c) { return (const char *)sqlite3_column_text(c->st, 0); }

void vt_stage_cursor_close(vt_stage_cursor *c) {
  sqlite3_finalize(c->st);
  c->st = NULL;
  c->on_row = 0;
}

void vt_stage_person_order(const char *col, int numeric, char *out, size_t outlen) {
  if (numeric)
    snprintf(out, outlen, "length(ltrim(%s, '0')), ltrim(%s, '0'), %s", col, col, col);
  else
    snprintf(out, outlen, "%s", col);
}

/* The number of UTF-8 characters of s (SQLite's length() of text). */
static size_t utf8_chars(const char *s) {
  size_t n = 0;
  for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

int vt_stage_id_cmp(const char *a, const char *b, int numeric) {
  if (!a || !b) return (a != NULL) - (b != NULL);
  if (numeric) {
    const char *x = a, *y = b;
    while (*x == '0') x++;
    while (*y == '0') y++;
    size_t lx = utf8_chars(x), ly = utf8_chars(y);
    if (lx != ly) return lx < ly ? -1 : 1;
    int c = strcmp(x, y);
    if (c) return c;
  }
  return strcmp(a, b);
}
