/*
** sqlite_ro.c -- opening a SQLite database strictly for reading (see
** sqlite_ro.h); the logic of `vitae inspect`'s open, shared.
*/
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "learn/sqlite_ro.h"
#include "sim/strbuf.h"

/* "file:" URI of path with ?immutable=1 (characters outside [A-Za-z0-9/-_.~]
** percent-encoded); malloc'd. */
static char *immutable_uri(const char *path) {
  vt_sbuf b = { 0 };
  vt_sb_puts(&b, "file:");
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    if (isalnum(*p) || strchr("/-_.~", *p)) vt_sb_add(&b, (const char *)p, 1);
    else vt_sb_printf(&b, "%%%02X", *p);
  }
  vt_sb_puts(&b, "?immutable=1");
  return b.p;
}

/* Check that path starts with the SQLite header: 0, or -1 with err.  *wal
** is set if the database is in WAL mode (header bytes 18 and 19). */
static int check_header(const char *path, int *wal, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) { snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno)); return -1; }
  unsigned char head[20];
  size_t n = fread(head, 1, sizeof head, f);
  int rerr = ferror(f);
  fclose(f);
  if (rerr) { snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno)); return -1; }
  if (n == 0) { snprintf(err, errlen, "%s: an empty file, not a SQLite database", path); return -1; }
  if (n < sizeof head || memcmp(head, "SQLite format 3", 16) != 0) {
    snprintf(err, errlen, "%s: not a SQLite database (no SQLite header)", path);
    return -1;
  }
  *wal = head[18] == 2 || head[19] == 2;
  return 0;
}

/* 1 if SQLite could leave a side file beside path (the file and its folder
** are writable), else 0. */
static int writable(const char *path) {
  if (access(path, W_OK) != 0) return 0;
  char *copy = vt_xstrdup(path);
  int ok = access(dirname(copy), W_OK) == 0;
  free(copy);
  return ok;
}

int vt_sqlite_open_ro(const char *path, sqlite3 **db, char *err, size_t errlen) {
  *db = NULL;
  int wal = 0;
  if (check_header(path, &wal, err, errlen) < 0) return -1;
  if (wal) {
    char *w = vt_xprintf("%s-wal", path);
    struct stat sb;
    if (stat(w, &sb) == 0 && sb.st_size > 0) wal = 0; /* a live log: read it, not immutable */
    free(w);
  }
  int immutable = wal || !writable(path);
  for (int attempt = immutable ? 1 : 0; attempt < 2; attempt++) {
    char *uri = attempt ? immutable_uri(path) : NULL;
    int rc = sqlite3_open_v2(uri ? uri : path, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | (uri ? SQLITE_OPEN_URI : 0),
                             NULL);
    free(uri);
    if (rc == SQLITE_OK)
      rc = sqlite3_exec(*db, "PRAGMA query_only = 1; SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
    if (rc == SQLITE_OK) return 0;
    int ext = *db ? sqlite3_extended_errcode(*db) : rc;
    snprintf(err, errlen, "%s: %s", path, *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
    sqlite3_close(*db);
    *db = NULL;
    if (!(rc == SQLITE_CANTOPEN || (ext & 0xff) == SQLITE_READONLY)) break;
  }
  return -1;
}
