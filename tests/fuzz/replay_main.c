/*
** replay_main.c -- a main for the fuzz harnesses built without libFuzzer
** (`make test`): calls LLVMFuzzerTestOneInput once on each file given and
** prints "ok - NAME replays FILE" after each (a crash or a sanitizer report
** stops the program first, so the test run counts a failure).  NAME is the
** harness, argv[1]; the files follow.  With no file it fails: a replay that
** finds nothing to replay is broken.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read the whole file `path` into a malloc'd buffer; NULL on error. */
static uint8_t *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      uint8_t *nb = realloc(buf, cap = cap ? cap * 2 : 4096);
      if (!nb) { free(buf); fclose(f); return NULL; }
      buf = nb;
    }
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0) break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) { free(buf); return NULL; }
  *len = n;
  return buf;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    printf("not ok - %s: no input to replay (usage: %s NAME FILE...)\n", argc > 1 ? argv[1] : "replay", argv[0]);
    return 1;
  }
  int fail = 0;
  for (int i = 2; i < argc; i++) {
    size_t len = 0;
    uint8_t *buf = slurp(argv[i], &len);
    if (!buf) { printf("not ok - %s replays %s: cannot read the file\n", argv[1], argv[i]); fail = 1; continue; }
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    printf("ok - %s replays %s\n", argv[1], argv[i]);
    fflush(stdout);
  }
  return fail;
}
