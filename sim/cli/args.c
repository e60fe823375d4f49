/*
** args.c -- option reading and atomic output files shared by the commands
** of sim/cli/ (sim/cli/args.h).
*/
#include "sim/cli/args.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/run.h"

int vt_arg_double(const char *s, double *out) {
  char *end;
  if (!s || !*s) return -1;
  errno = 0;
  double v = strtod(s, &end);
  if (*end || errno == ERANGE || !isfinite(v)) return -1;
  *out = v;
  return 0;
}

int vt_arg_int(const char *s, long long lo, long long hi, long long *out) {
  char *end;
  if (!s || !*s) return -1;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (*end || errno == ERANGE || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

int vt_arg_is_flag(const char *s) {
  return s[0] == '-' && s[1] != '\0' && !(s[1] >= '0' && s[1] <= '9') && s[1] != '.';
}

int vt_arg_is_opt(const char *a, const char *shortf, const char *longf, const char **val) {
  size_t n = strlen(longf);
  *val = NULL;
  if (shortf && !strcmp(a, shortf)) return 1;
  if (strncmp(a, longf, n)) return 0;
  if (a[n] == '\0') return 1;
  if (a[n] == '=') { *val = a + n + 1; return 1; }
  return 0;
}

const char *vt_arg_take(const char *cmd, int argc, char **argv, int *i, const char *name, const char *val) {
  if (val) return val;
  if (*i + 1 >= argc || vt_arg_is_flag(argv[*i + 1])) {
    fprintf(stderr, "vitae %s: %s: missing value\n", cmd, name);
    return NULL;
  }
  return argv[++*i];
}

int vt_arg_check_output(const char *cmd, const char *path) {
  struct stat st;
  if (!*path) { fprintf(stderr, "vitae %s: an empty output path\n", cmd); return -1; }
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
    fprintf(stderr, "vitae %s: %s exists and is not a regular file; not replacing it\n", cmd, path);
    return -1;
  }
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (!slash) snprintf(dir, sizeof dir, ".");
  else if (slash == dir) dir[1] = '\0';
  else *slash = '\0';
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "vitae %s: %s: the folder %s does not exist\n", cmd, path, dir);
    return -1;
  }
  if (access(dir, W_OK) != 0) {
    fprintf(stderr, "vitae %s: %s: the folder %s is not writable\n", cmd, path, dir);
    return -1;
  }
  return 0;
}

/* ---- atomic files -------------------------------------------------------- */

/* The temporary files in flight, removed by a signal. */
static char g_temp[VT_ATOMIC_MAX][4096];
static volatile sig_atomic_t g_have[VT_ATOMIC_MAX];

static void on_signal(int sig) {
  int any = 0;
  for (int i = 0; i < VT_ATOMIC_MAX; i++)
    if (g_have[i]) { unlink(g_temp[i]); any = 1; }
  static const char msg[] = "\nvitae: interrupted; nothing was written\n";
  static const char msg2[] = "\nvitae: interrupted\n";
  ssize_t r = any ? write(2, msg, sizeof msg - 1) : write(2, msg2, sizeof msg2 - 1);
  (void)r;
  _exit(128 + sig);
}

int vt_atomic_prepare(const char *cmd, const char *path, int (*writefn)(FILE *f, void *ud), void *ud) {
  int slot = 0;
  while (slot < VT_ATOMIC_MAX && g_have[slot]) slot++;
  if (slot == VT_ATOMIC_MAX) {
    fprintf(stderr, "vitae %s: writing %s: too many files at once; nothing written\n", cmd, path);
    return -1;
  }
  snprintf(g_temp[slot], sizeof g_temp[slot], "%s.partial-%ld", path, (long)getpid());
  vt_run_on_signals(on_signal, 1);
  FILE *f = fopen(g_temp[slot], "wx");
  if (!f) {
    fprintf(stderr, "vitae %s: %s: %s; nothing written\n", cmd, g_temp[slot], strerror(errno));
    return -1;
  }
  g_have[slot] = 1;
  errno = 0;
  int ok = writefn(f, ud) == 0;
  ok = ok && fflush(f) == 0 && !ferror(f) && fsync(fileno(f)) == 0;
  int e = errno;
  ok = (fclose(f) == 0) && ok;
  if (!ok) {
    unlink(g_temp[slot]);
    g_have[slot] = 0;
    fprintf(stderr, "vitae %s: writing %s: %s; nothing written\n", cmd, path, strerror(e ? e : EIO));
    return -1;
  }
  return slot;
}

int vt_atomic_commit(const char *cmd, const char *path, int slot) {
  if (slot < 0 || slot >= VT_ATOMIC_MAX || !g_have[slot]) return -1;
  if (rename(g_temp[slot], path) != 0) {
    int e = errno;
    unlink(g_temp[slot]);
    g_have[slot] = 0;
    fprintf(stderr, "vitae %s: writing %s: %s; nothing written\n", cmd, path, strerror(e));
    return -1;
  }
  g_have[slot] = 0;
  return 0;
}

void vt_atomic_abort(int slot) {
  if (slot < 0 || slot >= VT_ATOMIC_MAX || !g_have[slot]) return;
  unlink(g_temp[slot]);
  g_have[slot] = 0;
}

int vt_atomic_write(const char *cmd, const char *path, int (*writefn)(FILE *f, void *ud), void *ud) {
  int slot = vt_atomic_prepare(cmd, path, writefn, ud);
  return slot < 0 ? -1 : vt_atomic_commit(cmd, path, slot);
}
