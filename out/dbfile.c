/*
** dbfile.c -- file-system and SQLite helpers shared by the writers (see
** dbfile.h).
*/
#define _XOPEN_SOURCE 700   /* O_DIRECTORY, O_CLOEXEC */
#include "dbfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int vt_make_dirs(const char *dir) {
  struct stat sb;
  if (stat(dir, &sb) == 0) {
    if (S_ISDIR(sb.st_mode)) return 0;
    errno = ENOTDIR;
    return -1;
  }
  char *p = strdup(dir);
  if (!p) return -1;
  for (char *s = p + 1; ; s++) {
    if (*s == '/' || *s == '\0') {
      char c = *s;
      *s = '\0';
      if (mkdir(p, 0777) != 0 && errno != EEXIST) { int e = errno; free(p); errno = e; return -1; }
      *s = c;
      if (c == '\0') break;
    }
  }
  free(p);
  if (stat(dir, &sb) != 0) return -1;
  if (!S_ISDIR(sb.st_mode)) { errno = ENOTDIR; return -1; }
  return 0;
}

char *vt_parent_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return strdup(".");
  if (slash == path) return strdup("/");
  size_t n = (size_t)(slash - path);
  char *d = malloc(n + 1);
  if (d) { memcpy(d, path, n); d[n] = '\0'; }
  return d;
}

int vt_sync_path(const char *path, int is_dir) {
  int fd = open(path, (is_dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  int e = errno;
  close(fd);
  if (rc != 0 && is_dir && (e == EINVAL || e == EBADF)) return 0;
  errno = e;
  return rc;
}

int vt_sql_exec(sqlite3 *db, const char *path, const char *sql, const char *what, char *err, size_t errlen) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    if (err && errlen) snprintf(err, errlen, "%s %s: %s", what, path, msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
  }
  return 0;
}

char *vt_schema_split(const char *schema, const char **index_sql) {
  const char *marker = schema ? strstr(schema, "\n-- @indexes") : NULL;
  if (!marker) return NULL;
  size_t n = (size_t)(marker - schema) + 1;
  char *ddl = malloc(n + 1);
  if (!ddl) return NULL;
  memcpy(ddl, schema, n);
  ddl[n] = '\0';
  *index_sql = marker + 1;
  return ddl;
}

int vt_db_create(const char *path, const char *pragmas, const char *ddl, char **tmp, sqlite3 **db,
                 char *err, size_t errlen) {
  *tmp = NULL;
  *db = NULL;
  size_t tmplen = strlen(path) + 32;
  char *t = malloc(tmplen), *dir = vt_parent_dir(path);
  if (!t || !dir) { free(t); free(dir); snprintf(err, errlen, "out of memory"); return -1; }
  snprintf(t, tmplen, "%s.partial-%ld", path, (long)getpid());
  struct stat sb;
  if (vt_make_dirs(dir) != 0) {
    snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
    goto fail;
  }
  if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    snprintf(err, errlen, "cannot create %s: %s", path, strerror(EISDIR));
    goto fail;
  }
  int fd = open(t, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
    goto fail;
  }
  close(fd);
  int rc = sqlite3_open_v2(t, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    snprintf(err, errlen, "cannot create %s: %s", path, *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
    goto fail_unlink;
  }
  sqlite3_extended_result_codes(*db, 1);
  if (vt_sql_exec(*db, path, pragmas, "setting up", err, errlen) != 0) goto fail_unlink;
  if (vt_sql_exec(*db, path, ddl, "creating the schema in", err, errlen) != 0) goto fail_unlink;
  free(dir);
  *tmp = t;
  return 0;
fail_unlink:
  if (*db) { sqlite3_close_v2(*db); *db = NULL; }
  unlink(t);
fail:
  free(t);
  free(dir);
  return -1;
}

int vt_kv_set(vt_kv *kv, const char *key, const char *value) {
  if (!key) return -1;
  char *v = value ? strdup(value) : NULL;
  if (value && !v) return -1;
  for (size_t i = 0; i < kv->n; i++)
    if (strcmp(kv->items[i].key, key) == 0) {
      free(kv->items[i].value);
      kv->items[i].value = v;
      return 0;
    }
  if (kv->n == kv->cap) {
    size_t cap = kv->cap ? kv->cap * 2 : 16;
    struct vt_kv_item *n = realloc(kv->items, cap * sizeof *n);
    if (!n) { free(v); return -1; }
    kv->items = n;
    kv->cap = cap;
  }
  char *k = strdup(key);
  if (!k) { free(v); return -1; }
  kv->items[kv->n].key = k;
  kv->items[kv->n].value = v;
  kv->n++;
  return 0;
}

const char *vt_kv_get(const vt_kv *kv, const char *key) {
  for (size_t i = 0; i < kv->n; i++)
    if (strcmp(kv->items[i].key, key) == 0) return kv->items[i].value;
  return NULL;
}

void vt_kv_free(vt_kv *kv) {
  for (size_t i = 0; i < kv->n; i++) { free(kv->items[i].key); free(kv->items[i].value); }
  free(kv->items);
  memset(kv, 0, sizeof *kv);
}
