/*
** raw_insert.c -- the yardstick for the writer: how fast can SQLite alone
** insert the rows of a cohort?
**
**   raw_insert COHORT.db
**
** Reads every row of the patients table and of every clinical table of a
** cohort vitae wrote, then inserts the same rows into a fresh database with
** the same DDL (the embedded schemas/native.sql) and the writer's pragmas:
** one prepared statement per table, values already in memory and bound
** without copies, one transaction, no indexes.  Prints
**
**   raw_rows=N raw_seconds=S raw_rows_per_s=R
**   raw_index_seconds=S
**
** Only the inserts (and the BEGIN/COMMIT around them) are timed.  Rows are
** read in chunks so that memory stays bounded on large cohorts; reading a
** chunk is not timed.  The scratch database is created next to COHORT.db
** (same file system as the cohort) and deleted at the end.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "out/writer.h"
#include "sim/embedded.h"

#define CHUNK_VALUES (4u << 20)     /* values held in memory at a time */

/* The tables copied: patients and the clinical tables of the native schema. */
static const char *const tables[] = {
  "patients", "encounters", "conditions", "medications", "observations", "procedures",
  "immunizations", "careplans", "allergies", "devices", "imaging_studies", "supplies",
};

/* One column value held in memory; text and blobs live in the chunk arena. */
typedef struct value {
  int type;                                 /* SQLITE_INTEGER, _FLOAT, _TEXT, _BLOB, _NULL */
  int len;
  union { sqlite3_int64 i; double d; size_t off; } u;
} value;

typedef struct chunk {
  value *v; size_t nv, capv;
  char *arena; size_t narena, caparena;
} chunk;

static const char *prog = "raw_insert";
static char *scratch_path;

/* Print "raw_insert: MESSAGE", delete the scratch database and exit 1. */
static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", prog);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  if (scratch_path) unlink(scratch_path);
  exit(1);
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (!q) die("out of memory");
  return q;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void exec_or_die(sqlite3 *db, const char *sql, const char *what) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
    die("%s: %s", what, msg ? msg : sqlite3_errmsg(db));
}

/* Read up to CHUNK_VALUES values of the running SELECT `sel` into c; sets
** *done at the end of the table (stepping past it would restart the query).
** Returns the number of rows read. */
static size_t read_chunk(sqlite3 *src, sqlite3_stmt *sel, int ncols, chunk *c, const char *table, int *done) {
  size_t rows = 0;
  c->nv = 0; c->narena = 0;
  while (!*done && c->nv + (size_t)ncols <= CHUNK_VALUES) {
    int rc = sqlite3_step(sel);
    if (rc == SQLITE_DONE) { *done = 1; break; }
    if (rc != SQLITE_ROW) die("reading %s: %s", table, sqlite3_errmsg(src));
    if (c->nv + (size_t)ncols > c->capv) {
      c->capv = c->capv ? c->capv * 2 : 65536;
      c->v = xrealloc(c->v, c->capv * sizeof *c->v);
    }
    for (int j = 0; j < ncols; j++) {
      value *v = &c->v[c->nv++];
      v->type = sqlite3_column_type(sel, j);
      v->len = 0;
      switch (v->type) {
      case SQLITE_INTEGER: v->u.i = sqlite3_column_int64(sel, j); break;
      case SQLITE_FLOAT:   v->u.d = sqlite3_column_double(sel, j); break;
      case SQLITE_TEXT: case SQLITE_BLOB: {
        const void *p = v->type == SQLITE_TEXT ? (const void *)sqlite3_column_text(sel, j)
                                               : sqlite3_column_blob(sel, j);
        int n = sqlite3_column_bytes(sel, j);
        if (c->narena + (size_t)n + 1 > c->caparena) {
          while (c->narena + (size_t)n + 1 > c->caparena)
            c->caparena = c->caparena ? c->caparena * 2 : (1u << 20);
          c->arena = xrealloc(c->arena, c->caparena);
        }
        if (n > 0) memcpy(c->arena + c->narena, p, (size_t)n);
        c->arena[c->narena + (size_t)n] = '\0';
        v->u.off = c->narena;
        v->len = n;
        c->narena += (size_t)n + 1;
        break;
      }
      default: break;
      }
    }
    rows++;
  }
  return rows;
}

/* Insert the rows of c with `ins`; returns 0 or the failing SQLite code. */
static int insert_chunk(sqlite3_stmt *ins, int ncols, const chunk *c) {
  for (size_t k = 0; k < c->nv; k += (size_t)ncols) {
    const value *row = &c->v[k];
    int rc = SQLITE_OK;
    for (int j = 0; j < ncols; j++) {
      const value *v = &row[j];
      switch (v->type) {
      case SQLITE_INTEGER: rc |= sqlite3_bind_int64(ins, j + 1, v->u.i); break;
      case SQLITE_FLOAT:   rc |= sqlite3_bind_double(ins, j + 1, v->u.d); break;
      case SQLITE_TEXT:    rc |= sqlite3_bind_text(ins, j + 1, c->arena + v->u.off, v->len, SQLITE_STATIC); break;
      case SQLITE_BLOB:    rc |= sqlite3_bind_blob(ins, j + 1, c->arena + v->u.off, v->len, SQLITE_STATIC); break;
      default:             rc |= sqlite3_bind_null(ins, j + 1); break;
      }
    }
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_step(ins);
    if (rc != SQLITE_DONE) { sqlite3_reset(ins); return rc; }
    if ((rc = sqlite3_reset(ins)) != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}

/* "INSERT INTO t (c1,...) VALUES (?1,...)" for the columns of `sel`. */
static char *insert_sql(sqlite3_stmt *sel, const char *table, int ncols) {
  size_t cap = 64 + strlen(table), n;
  for (int j = 0; j < ncols; j++) cap += strlen(sqlite3_column_name(sel, j)) + 16;
  char *sql = xrealloc(NULL, cap);
  n = (size_t)snprintf(sql, cap, "INSERT INTO \"%s\" (", table);
  for (int j = 0; j < ncols; j++)
    n += (size_t)snprintf(sql + n, cap - n, "%s\"%s\"", j ? "," : "", sqlite3_column_name(sel, j));
  n += (size_t)snprintf(sql + n, cap - n, ") VALUES (");
  for (int j = 0; j < ncols; j++)
    n += (size_t)snprintf(sql + n, cap - n, "%s?%d", j ? "," : "", j + 1);
  snprintf(sql + n, cap - n, ")");
  return sql;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s COHORT.db\n", prog);
    return 2;
  }
  const char *cohort = argv[1];
  const char *schema = vt_embedded_get("schemas/native.sql");
  const char *marker = schema ? strstr(schema, "\n-- @indexes") : NULL;
  if (!marker) die("schemas/native.sql is not embedded or has no '-- @indexes' line");
  size_t ddl_len = (size_t)(marker - schema) + 1;
  char *ddl = xrealloc(NULL, ddl_len + 1);
  memcpy(ddl, schema, ddl_len);
  ddl[ddl_len] = '\0';

  sqlite3 *src = NULL, *dst = NULL;
  if (sqlite3_open_v2(cohort, &src, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    die("cannot open %s: %s", cohort, sqlite3_errmsg(src));

  size_t plen = strlen(cohort) + 32;
  scratch_path = xrealloc(NULL, plen);
  snprintf(scratch_path, plen, "%s.raw-%ld", cohort, (long)getpid());
  int fd = open(scratch_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) die("cannot create %s: %s", scratch_path, strerror(errno));
  close(fd);
  if (sqlite3_open_v2(scratch_path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    die("cannot open %s: %s", scratch_path, sqlite3_errmsg(dst));
  exec_or_die(dst, vt_writer_pragmas, "pragmas");
  exec_or_die(dst, ddl, "schema");

  chunk c = {0};
  int64_t total_rows = 0;
  double timed = 0, t0 = now_s();
  exec_or_die(dst, "BEGIN", "begin");
  timed += now_s() - t0;
  for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
    char sel_sql[128];
    snprintf(sel_sql, sizeof sel_sql, "SELECT * FROM \"%s\"", tables[t]);
    sqlite3_stmt *sel = NULL, *ins = NULL;
    if (sqlite3_prepare_v2(src, sel_sql, -1, &sel, NULL) != SQLITE_OK)
      die("reading %s: %s", tables[t], sqlite3_errmsg(src));
    int ncols = sqlite3_column_count(sel);
    char *isql = insert_sql(sel, tables[t], ncols);
    if (sqlite3_prepare_v3(dst, isql, -1, SQLITE_PREPARE_PERSISTENT, &ins, NULL) != SQLITE_OK)
      die("preparing %s: %s", isql, sqlite3_errmsg(dst));
    free(isql);
    size_t n;
    int done = 0;
    while ((n = read_chunk(src, sel, ncols, &c, tables[t], &done)) > 0) {
      t0 = now_s();
      int rc = insert_chunk(ins, ncols, &c);
      timed += now_s() - t0;
      if (rc != SQLITE_OK) die("inserting into %s: %s", tables[t], sqlite3_errmsg(dst));
      total_rows += (int64_t)n;
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
  }
  t0 = now_s();
  exec_or_die(dst, "COMMIT", "commit");
  timed += now_s() - t0;
  free(c.v); free(c.arena);
  sqlite3_close(src);

  printf("raw_rows=%lld raw_seconds=%.3f raw_rows_per_s=%.0f\n", (long long)total_rows, timed,
         timed > 0 ? (double)total_rows / timed : 0.0);
  fflush(stdout);

  t0 = now_s();
  exec_or_die(dst, "BEGIN", "begin");
  exec_or_die(dst, marker + 1, "indexes");
  exec_or_die(dst, "COMMIT", "commit");
  printf("raw_index_seconds=%.3f\n", now_s() - t0);

  if (sqlite3_close(dst) != SQLITE_OK) die("closing %s: %s", scratch_path, sqlite3_errmsg(dst));
  unlink(scratch_path);
  free(scratch_path);
  free(ddl);
  return 0;
}
