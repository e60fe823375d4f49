/*
** fuzz.h -- what the fuzz harnesses (tests/fuzz/fuzz_*.c) share: a private
** temporary folder per process, writing the input (or its parts) there as
** files for the readers that take a path, and silencing stdout around a
** call.  Everything is static so each harness stays one .c file.
**
** Multi-file inputs: readers of a folder (the vocabulary, inspect's CSV
** folder) get the input cut at form feeds ('\f'): part k becomes the k-th
** file name of the harness's list; missing parts are absent files.
*/
#ifndef VT_FUZZ_H
#define VT_FUZZ_H

#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_SEP '\f'

static char fz_dir_path[64];

/* Remove every file in the temporary folder (its files only: the harnesses
** make no subfolders), keeping the folder. */
static inline void fz_clear(void) {
  if (!fz_dir_path[0]) return;
  DIR *d = opendir(fz_dir_path);
  if (!d) return;
  struct dirent *e;
  char p[512];
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(p, sizeof p, "%s/%s", fz_dir_path, e->d_name);
    unlink(p);
  }
  closedir(d);
}

static inline void fz_cleanup(void) {
  if (!fz_dir_path[0]) return;
  fz_clear();
  rmdir(fz_dir_path);
  fz_dir_path[0] = 0;
}

/* The process's temporary folder (/tmp/vitae-fuzz.XXXXXX, created on first
** use, removed at exit), emptied.  Exits on failure: a harness that cannot
** write its input must not pass silently. */
static inline const char *fz_dir(void) {
  if (!fz_dir_path[0]) {
    snprintf(fz_dir_path, sizeof fz_dir_path, "/tmp/vitae-fuzz.XXXXXX");
    if (!mkdtemp(fz_dir_path)) { perror("fuzz: mkdtemp"); exit(2); }
    atexit(fz_cleanup);
  } else fz_clear();
  return fz_dir_path;
}

/* Write len bytes to DIR/name; returns the path (static buffer, one of 8). */
static inline const char *fz_write(const char *name, const void *data, size_t len) {
  static char paths[8][512];
  static int next;
  char *p = paths[next++ % 8];
  snprintf(p, sizeof paths[0], "%s/%s", fz_dir_path, name);
  FILE *f = fopen(p, "wb");
  if (!f) { perror(p); exit(2); }
  if (len && fwrite(data, 1, len, f) != len) { perror(p); exit(2); }
  if (fclose(f) != 0) { perror(p); exit(2); }
  return p;
}

/* Cut data at FZ_SEP and write part k as names[k] (up to n parts; the
** rest of the input after the last name's part goes into that part). */
static inline void fz_write_parts(const uint8_t *data, size_t size, const char *const *names, int n) {
  size_t start = 0;
  for (int k = 0; k < n && start <= size; k++) {
    size_t end = start;
    if (k < n - 1) while (end < size && data[end] != FZ_SEP) end++;
    else end = size;
    fz_write(names[k], data + start, end - start);
    if (end >= size) break;
    start = end + 1;
  }
}

/* Send stdout to /dev/null until fz_stdout_restore (reports of commands
** run by a harness are not wanted; stderr stays, it carries sanitizer
** reports). */
static int fz_saved_stdout = -1;
static inline void fz_stdout_off(void) {
  fflush(stdout);
  int null = open("/dev/null", O_WRONLY);
  if (null < 0) { perror("fuzz: /dev/null"); exit(2); }
  fz_saved_stdout = dup(1);
  if (fz_saved_stdout < 0 || dup2(null, 1) < 0) { perror("fuzz: dup"); exit(2); }
  close(null);
}
static inline void fz_stdout_restore(void) {
  fflush(stdout);
  clearerr(stdout);
  if (fz_saved_stdout >= 0) { dup2(fz_saved_stdout, 1); close(fz_saved_stdout); fz_saved_stdout = -1; }
}

#endif
