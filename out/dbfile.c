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
