/*
** fuzz_params.c -- the input as a params file (`--params FILE`, sim/params.h):
** written to a temporary file, loaded with vt_params_load; a loaded file's
** entries are looked up by name (each must be found) and the unused ones
** reported to /dev/null.
*/
#include "tests/fuzz/fuzz.h"
#include "sim/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_dir();
  const char *path = fz_write("params.yaml", data, size);
  char err[1024];
  vt_params *p = vt_params_load(path, err, sizeof err);
  if (p) {
    for (int i = 0; i < p->n; i += 2)
      if (vt_params_get(p, p->items[i].name) != &p->items[i]) {
        fprintf(stderr, "fuzz_params: entry '%s' not found by name\n", p->items[i].name);
        abort();
      }
    FILE *null = fopen("/dev/null", "w");
    if (null) { vt_params_warn_unused(p, null); fclose(null); }
    vt_params_free(p);
  }
  return 0;
}
