/*
** dbfile.c -- file-system and SQLite helpers shared by the writers (see
** dbfile.h).
*/
#define _XOPEN_SOURCE 700   /* O_DIRECTORY, O_CLOEXEC, unlinkat */
#define _DEFAULT_SOURCE     /* flock */
#include "dbfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim/embedded.h"
#include "sim/vtime.h"

static void put2(char *p, int v) { p[0] = (char)('0' + v / 10); p[1] = (char)('0' + v % 10); }

int vt_format_day(int64_t day, char out[11]) {
  int y, m, d;
  vt_civil_from_days(day, &y, &m, &d);
  if (y < 0 || y > 9999) return -1;
  put2(out, y / 100); put2(out + 2, y % 100);
  out[4] = '-'; put2(out + 5, m); out[7] = '-'; put2(out + 8, d); out[10] = '\0';
  return 0;
}

void vt_format_hms(int s, char out[9]) {
  put2(out, s / 3600); out[2] = ':'; put2(out + 3, (s / 60) % 60); out[5] = ':'; put2(out + 6, s % 60);
  out[8] = '\0';
}

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
    char buf[512];
    if (err && errlen) snprintf(err, errlen, "%s %s: %s", what, path, vt_db_errmsg(db, buf, sizeof buf));
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

const char *vt_db_errmsg(sqlite3 *db, char *buf, size_t len) {
  int code = sqlite3_errcode(db) & 0xff, sys = sqlite3_system_errno(db);
  if (code == SQLITE_FULL)   /* SQLite keeps no errno for a short write: ENOSPC */
    snprintf(buf, len, "%s (%s)", strerror(sys ? sys : ENOSPC), sqlite3_errmsg(db));
  else if (sys != 0 && (code == SQLITE_IOERR || code == SQLITE_CANTOPEN))
    snprintf(buf, len, "%s: %s", sqlite3_errmsg(db), strerror(sys));
  else
    snprintf(buf, len, "%s", sqlite3_errmsg(db));
  return buf;
}

/* ---- one run per output ------------------------------------------------
**
** A run writes "<path>.partial-<pid>" and renames it to `path` when done.
** Two things need to know whether another run on the same `path` is alive:
** a second run, which must stop rather than race the first to the rename,
** and the clean-up of temporary files left by runs that were killed (-9, a
** crash, a power cut), which must never remove a live run's file.  A pid in
** a file name cannot tell: pids are reused.  A lock can: the kernel drops it
** when its holder dies, however it dies.
**
** So every run takes flock(LOCK_EX | LOCK_NB) on "<path>.lock" before it
** creates its temporary file and keeps it until the file is renamed or
** removed.  Holding that lock means no other live run is writing `path`:
** every "<path>.partial-<digits>" file present then belongs to a dead run
** and is removed (vt_sweep_stale_temps).  A run that cannot take the lock
** stops before it simulates anything; the holder writes its pid into the
** lock file, so the message can name it.
**
** The lock is on a file of its own, not on the temporary database: SQLite
** takes POSIX (fcntl) locks on the database, and although flock and fcntl
** locks are independent on local Linux file systems, NFS implements flock
** with fcntl locks, where ours would collide with SQLite's.
**
** A finished run removes the lock file while still holding the lock, then
** closes it.  That opens the classic race: run B opens the lock file, A
** unlinks it and releases, B locks the now nameless inode while run C
** creates and locks a new "<path>.lock": B and C would both think they are
** alone.  Hence the usual check after locking: the path must still name the
** inode we locked (same st_dev and st_ino); if not, B closes and starts
** over.  A killed run leaves its lock file behind, unlocked: the next run
** simply locks it.  Only the holder ever removes a lock file. */

struct vt_out_lock { int fd; char *path; };

/* The pid written in the lock file `fd`, or 0 if there is none (yet). */
static long read_holder(int fd) {
  char buf[32];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  buf[n] = '\0';
  char *end;
  long pid = strtol(buf, &end, 10);
  return pid > 0 && end != buf && *end == '\n' ? pid : 0;
}

/* The pid of the live run holding the lock on `fd` (another process), or 0
** when it cannot be told: the holder writes its pid just after locking, so
** wait a little for it, and for the pid of a run killed earlier to be
** overwritten. */
static long wait_holder(int fd) {
  for (int i = 0; i < 50; i++) {
    long pid = read_holder(fd);
    if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM)) return pid;
    struct timespec nap = { 0, 10 * 1000000L };
    nanosleep(&nap, NULL);
  }
  return 0;
}

int vt_out_lock_take(const char *path, FILE *note, vt_out_lock **lk, char *err, size_t errlen) {
  *lk = NULL;
  vt_out_lock *l = calloc(1, sizeof *l);
  size_t n = strlen(path) + 6;
  char *dir = vt_parent_dir(path);
  if (!l || !dir || !(l->path = malloc(n))) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  l->fd = -1;
  snprintf(l->path, n, "%s.lock", path);
  if (vt_make_dirs(dir) != 0) {
    snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
    goto fail;
  }
  for (int attempt = 0; ; attempt++) {
    int fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0) {
      snprintf(err, errlen, "cannot write %s: creating its lock file %s: %s", path, l->path, strerror(errno));
      goto fail;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;
      if (e == EINTR) { close(fd); continue; }
      if (e == EWOULDBLOCK) {
        long pid = wait_holder(fd);
        close(fd);
        if (pid > 0)
          snprintf(err, errlen, "another vitae run (pid %ld) is writing %s; wait for it or choose another -o", pid, path);
        else
          snprintf(err, errlen, "another vitae run is writing %s (it holds %s); wait for it or choose another -o",
                   path, l->path);
        free(l->path); free(l); free(dir);
        return VT_LOCK_BUSY;
      }
      /* no locks on this file system: go on, unprotected, and remove nothing */
      if (note) fprintf(note, "vitae: note: cannot lock %s (%s): not checking for other runs writing %s\n",
                        l->path, strerror(e), path);
      close(fd);
      unlink(l->path);
      l->path[0] = '\0';
      free(dir);
      *lk = l;
      return 0;
    }
    /* locked: is it still the file named l->path (see above)? */
    struct stat a, b;
    if (fstat(fd, &a) == 0 && stat(l->path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
      l->fd = fd;
      break;
    }
    close(fd);
    if (attempt >= 100) {
      snprintf(err, errlen, "cannot write %s: its lock file %s keeps being replaced", path, l->path);
      goto fail;
    }
  }
  /* our pid, for the message of a run that finds the lock taken; the
  ** truncation never needs space, so a full disk leaves an empty file
  ** (no pid to name) rather than a dead run's pid */
  char pid[32];
  int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
  if (ftruncate(l->fd, 0) == 0 && pwrite(l->fd, pid, (size_t)len, 0) != len) (void)ftruncate(l->fd, 0);
  vt_sweep_stale_temps(path, note);
  free(dir);
  *lk = l;
  return 0;
fail:
  if (l) free(l->path);
  free(l);
  free(dir);
  return -1;
}

const char *vt_out_lock_path(const vt_out_lock *lk) {
  return lk && lk->path ? lk->path : "";
}

void vt_out_lock_release(vt_out_lock *lk) {
  if (!lk) return;
  if (lk->fd >= 0) {
    unlink(lk->path);   /* while still holding it: see above */
    close(lk->fd);
  }
  free(lk->path);
  free(lk);
}

/* 1 if `name` is "<base>.partial-<digits>" with nothing or "-journal",
** "-wal", "-shm" after: a temporary file of a run writing <base>. */
static int is_run_temp(const char *name, const char *base) {
  size_t n = strlen(base);
  if (strncmp(name, base, n) != 0 || strncmp(name + n, ".partial-", 9) != 0) return 0;
  const char *d = name + n + 9, *e = d;
  while (*e >= '0' && *e <= '9') e++;
  if (e == d) return 0;
  return *e == '\0' || strcmp(e, "-journal") == 0 || strcmp(e, "-wal") == 0 || strcmp(e, "-shm") == 0;
}

int vt_sweep_stale_temps(const char *path, FILE *note) {
  char *dir = vt_parent_dir(path);
  if (!dir) return 0;
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  DIR *d = opendir(dir);
  int removed = 0;
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    struct stat sb;
    if (!is_run_temp(de->d_name, base)) continue;
    if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode)) continue;
    /* the name as the user gave the folder: "out/x.partial-1", "x.partial-1" */
    int plen = slash ? (int)(slash - path) + 1 : 0;
    if (unlinkat(dirfd(d), de->d_name, 0) != 0) {
      if (note) fprintf(note, "vitae: cannot remove stale temp file %.*s%s: %s\n", plen, path, de->d_name,
                        strerror(errno));
      continue;
    }
    removed++;
    if (note) fprintf(note, "vitae: removed stale temp file %.*s%s left by a run that was killed (%.1f MB)\n",
                      plen, path, de->d_name, (double)sb.st_size / 1e6);
  }
  if (d) closedir(d);
  free(dir);
  return removed;
}

/* ---- one writer's lifecycle ------------------------------------------- */

int vt_dbout_open(vt_dbout *o, const char *path, const char *schema_file, const char *pragmas,
                  const char *const *insert_sql, const char *const *names, int nst, char *err, size_t errlen) {
  memset(o, 0, sizeof *o);
  if (!path || !*path) { snprintf(err, errlen, "no output path given"); return -1; }
  const char *schema = vt_embedded_get(schema_file);
  char *ddl = schema ? vt_schema_split(schema, &o->index_sql) : NULL;
  if (!ddl) {
    snprintf(err, errlen, "%s: %s", schema_file,
             schema ? "no '-- @indexes' line, or out of memory" : "not embedded in this build");
    return -1;
  }
  o->path = strdup(path);
  o->st = calloc((size_t)nst, sizeof *o->st);
  o->nst = nst;
  if (!o->path || !o->st) {
    snprintf(err, errlen, "out of memory");
    free(ddl);
    vt_dbout_close(o);
    return -1;
  }
  int rc = vt_db_create(path, pragmas, ddl, &o->tmp, &o->db, err, errlen);
  free(ddl);
  if (rc != 0) { vt_dbout_close(o); return -1; }
  for (int t = 0; t < nst; t++) {
    if (!insert_sql[t]) continue;
    if (sqlite3_prepare_v3(o->db, insert_sql[t], -1, SQLITE_PREPARE_PERSISTENT, &o->st[t], NULL) != SQLITE_OK) {
      snprintf(err, errlen, "preparing the %s insert in %s: %s", names[t], path, sqlite3_errmsg(o->db));
      vt_dbout_close(o);
      return -1;
    }
  }
  if (vt_dbout_exec(o, "BEGIN", "writing", err, errlen) != 0) { vt_dbout_close(o); return -1; }
  return 0;
}

int vt_dbout_exec(vt_dbout *o, const char *sql, const char *what, char *err, size_t errlen) {
  return vt_sql_exec(o->db, o->path, sql, what, err, errlen);
}

int vt_dbout_check(const vt_dbout *o, char *err, size_t errlen) {
  if (!o->failed && !o->finished && o->db) return 0;
  snprintf(err, errlen, "writing %s: the writer %s", o->path, o->finished ? "is already finished" : "failed earlier");
  return -1;
}

int vt_dbout_rows(vt_dbout *o, int64_t rows, char *err, size_t errlen) {
  o->batch_rows += rows;
  if (o->batch_rows < VT_DBOUT_BATCH) return 0;
  o->batch_rows = 0;
  if (vt_dbout_exec(o, "COMMIT", "writing", err, errlen) != 0 || vt_dbout_exec(o, "BEGIN", "writing", err, errlen) != 0) {
    o->failed = 1;
    return -1;
  }
  return 0;
}

int vt_dbout_finish_start(vt_dbout *o, char *err, size_t errlen) {
  if (o->failed || !o->db) {
    snprintf(err, errlen, "finishing %s: the writer failed earlier", o->path);
    return -1;
  }
  o->failed = 1;   /* until everything has succeeded */
  return 0;
}

/* Finalize the prepared inserts. */
static void finalize_all(vt_dbout *o) {
  for (int t = 0; o->st && t < o->nst; t++) { sqlite3_finalize(o->st[t]); o->st[t] = NULL; }
}

int vt_dbout_finish(vt_dbout *o, char *err, size_t errlen) {
  if (vt_dbout_exec(o, "COMMIT", "writing", err, errlen) != 0) return -1;
  if (vt_dbout_exec(o, "BEGIN", "indexing", err, errlen) != 0) return -1;
  if (vt_dbout_exec(o, o->index_sql, "indexing", err, errlen) != 0) return -1;
  if (vt_dbout_exec(o, "COMMIT", "indexing", err, errlen) != 0) return -1;
  finalize_all(o);
  if (sqlite3_close(o->db) != SQLITE_OK) {
    char buf[512];
    snprintf(err, errlen, "closing %s: %s", o->path, vt_db_errmsg(o->db, buf, sizeof buf));
    return -1;
  }
  o->db = NULL;
  /* the data must be on disk before the rename makes it look complete */
  if (vt_sync_path(o->tmp, 0) != 0) {
    snprintf(err, errlen, "writing %s: %s", o->path, strerror(errno));
    return -1;
  }
  if (rename(o->tmp, o->path) != 0) {
    snprintf(err, errlen, "cannot rename %s to %s: %s", o->tmp, o->path, strerror(errno));
    return -1;
  }
  char *dir = vt_parent_dir(o->path);
  if (dir) { (void)vt_sync_path(dir, 1); free(dir); }   /* renamed: a failed folder sync loses nothing now */
  o->failed = 0;
  o->finished = 1;
  return 0;
}

void vt_dbout_close(vt_dbout *o) {
  finalize_all(o);
  free(o->st);
  o->st = NULL;
  if (o->db) { sqlite3_close_v2(o->db); o->db = NULL; }
  if (!o->finished && o->tmp) unlink(o->tmp);
  free(o->path);
  free(o->tmp);
  o->path = o->tmp = NULL;
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

void vt_dbout_write_error(const vt_dbout *o, int rc, int64_t idx, const char *table, size_t row, char *err,
                          size_t errlen) {
  char buf[512];
  const char *msg = rc == SQLITE_NOMEM ? "out of memory" : vt_db_errmsg(o->db, buf, sizeof buf);
  int prim = rc & 0xff;
  if (prim == SQLITE_FULL || prim == SQLITE_IOERR || prim == SQLITE_NOMEM)
    vt_seterr(err, errlen, "writing %s: %s", o->path, msg);
  else if (row != (size_t)-1)
    vt_seterr(err, errlen, "writing %s: %s (patient %lld, %s row %zu of the record)", o->path, msg, (long long)idx,
              table, row);
  else if (table)
    vt_seterr(err, errlen, "writing %s: %s (patient %lld, %s)", o->path, msg, (long long)idx, table);
  else
    vt_seterr(err, errlen, "writing %s: %s (patient %lld)", o->path, msg, (long long)idx);
}

int vt_dbout_check_row(vt_dbout *o, const vt_row *r, size_t i, int64_t idx, char *err, size_t errlen) {
  if (r->table >= VT_T__COUNT) {
    vt_seterr(err, errlen, "writing %s: patient %lld, row %zu of the record: bad table number %d", o->path,
              (long long)idx, i, (int)r->table);
    o->failed = 1;
    return -1;
  }
  if ((r->table == VT_T_ENCOUNTER || r->table == VT_T_CAREPLAN || r->table == VT_T_IMAGING) && r->id < 0) {
    vt_seterr(err, errlen, "writing %s: patient %lld, %s row %zu of the record: negative id %d", o->path,
              (long long)idx, vt_table_names[r->table], i, (int)r->id);
    o->failed = 1;
    return -1;
  }
  return 0;
}
