/*
** fuzz_config.c -- the input as a YAML run config (`vitae run --config
** FILE`): written to a temporary file and loaded with vt_config_load_yaml
** (sim/config.h); a config that loads is also written back as YAML
** (vt_config_to_yaml) and read again, which must succeed.
*/
#include "tests/fuzz/fuzz.h"
#include "sim/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_dir();
  const char *path = fz_write("config.yaml", data, size);
  char err[1024];
  vt_config c;
  vt_config_defaults(&c);
  if (vt_config_load_yaml(&c, path, err, sizeof err) == 0) {
    char *y = vt_config_to_yaml(&c);
    if (y) {
      const char *again = fz_write("again.yaml", y, strlen(y));
      vt_config c2;
      vt_config_defaults(&c2);
      if (vt_config_load_yaml(&c2, again, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_config: the effective config does not load back: %s\n--\n%s--\n", err, y);
        abort();
      }
      vt_config_free(&c2);
      free(y);
    }
  }
  vt_config_free(&c);
  return 0;
}
