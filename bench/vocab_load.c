/*
** vocab_load.c -- time vt_vocab_load (learn/vocab.c) on a large vocabulary.
**
**   vocab_load [--cold] DIR
**
** DIR is a folder written by gen_vocab (or an Athena download with a
** wanted.tsv of "system<TAB>code" lines added).  First reads DIR/CONCEPT.csv
** once with plain read(2) calls through a 1 MiB buffer, counting lines: the
** yardstick.  Then loads the vocabulary with the wanted codes and prints
**
**   read_seconds=S concept_rows=N
**   vocab_seconds=S rows=N kept=K found=F standard=D baseline_rss_kb=B peak_rss_kb=P
**
** found: wanted codes the vocabulary has; standard: those with a standard
** concept.  baseline_rss_kb is the peak resident size before the load (the
** program, its libraries, the wanted codes), peak_rss_kb the peak after it.
**
** Without --cold the read leaves the file in the page cache as the load
** finds it (both times are then mostly processor time).  With --cold the
** vocabulary files are dropped from the page cache (posix_fadvise
** POSIX_FADV_DONTNEED, which needs no privilege) before the read and again
** before the load, so that both read the disk, as a first load of a
** download does.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "learn/vocab.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long peak_rss_kb(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
  return ru.ru_maxrss;   /* kilobytes on Linux */
}

/* Drop the vocabulary files of dir from the page cache (as far as the
** kernel agrees; a file that is not there is skipped). */
static void drop_cache(const char *dir) {
  static const char *const files[] = { "CONCEPT.csv", "CONCEPT_RELATIONSHIP.csv", "CONCEPT_ANCESTOR.csv", "VOCABULARY.csv" };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    int fd = open(path, O_RDONLY);
    if (fd < 0) continue;
    int e = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    if (e) fprintf(stderr, "vocab_load: posix_fadvise %s: %s\n", path, strerror(e));
    close(fd);
  }
}

/* Read path once through a 1 MiB buffer; the number of lines, or -1. */
static long long read_lines(const char *path) {
  static char buf[1 << 20];
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  long long lines = 0;
  for (;;) {
    ssize_t k = read(fd, buf, sizeof buf);
    if (k < 0) {
      if (errno == EINTR) continue;
      close(fd);
      return -1;
    }
    if (k == 0) break;
    for (char *p = buf, *e = buf + k; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) lines++;
  }
  close(fd);
  return lines;
}

int main(int argc, char **argv) {
  int cold = argc == 3 && strcmp(argv[1], "--cold") == 0;
  if (argc != 2 + cold) {
    fprintf(stderr, "usage: vocab_load [--cold] DIR\n");
    return 2;
  }
  const char *dir = argv[1 + cold];
  char path[4200];

  /* The wanted codes. */
  snprintf(path, sizeof path, "%s/wanted.tsv", dir);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "vocab_load: cannot open %s: %s\n", path, strerror(errno));
    return 1;
  }
  size_t n = 0, cap = 0;
  vt_code *codes = NULL;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    char *tab = strchr(line, '\t');
    if (!tab) continue;
    *tab = '\0';
    tab[strcspn(tab + 1, "\r\n") + 1] = '\0';
    if (n == cap) {
      cap = cap ? 2 * cap : 1024;
      vt_code *c = realloc(codes, cap * sizeof *c);
      if (!c) { fprintf(stderr, "vocab_load: out of memory\n"); return 1; }
      codes = c;
    }
    codes[n].system = strdup(line);
    codes[n].code = strdup(tab + 1);
    codes[n].display = NULL;
    if (!codes[n].system || !codes[n].code) { fprintf(stderr, "vocab_load: out of memory\n"); return 1; }
    n++;
  }
  fclose(f);
  const vt_code **wanted = malloc((n ? n : 1) * sizeof *wanted);
  if (!wanted) { fprintf(stderr, "vocab_load: out of memory\n"); return 1; }
  for (size_t i = 0; i < n; i++) wanted[i] = &codes[i];

  snprintf(path, sizeof path, "%s/CONCEPT.csv", dir);
  if (cold) drop_cache(dir);
  double t0 = now_s();
  long long lines = read_lines(path);
  double tread = now_s() - t0;
  if (lines < 0) {
    fprintf(stderr, "vocab_load: cannot read %s: %s\n", path, strerror(errno));
    return 1;
  }
  printf("read_seconds=%.3f concept_rows=%lld\n", tread, lines > 0 ? lines - 1 : 0);
  fflush(stdout);

  long base = peak_rss_kb();
  char err[1024];
  if (cold) drop_cache(dir);
  t0 = now_s();
  vt_vocab *v = vt_vocab_load(dir, wanted, n, NULL, 0, err, sizeof err);
  double tload = now_s() - t0;
  if (!v) {
    fprintf(stderr, "vocab_load: %s\n", err);
    return 1;
  }
  long peak = peak_rss_kb();
  size_t found = 0, standard = 0;
  for (size_t i = 0; i < n; i++) {
    const vt_concept *c = vt_vocab_find(v, codes[i].system, codes[i].code);
    if (c) found++;
    if (c && c->concept_id) standard++;
  }
  printf("vocab_seconds=%.3f rows=%zu kept=%zu found=%zu standard=%zu baseline_rss_kb=%ld peak_rss_kb=%ld\n",
         tload, vt_vocab_rows(v), vt_vocab_size(v), found, standard, base, peak);
  vt_vocab_free(v);
  for (size_t i = 0; i < n; i++) {
    free((char *)codes[i].system);
    free((char *)codes[i].code);
  }
  free(codes);
  free(wanted);
  return 0;
}
