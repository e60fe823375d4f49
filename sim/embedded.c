/*
** embedded.c -- lookup of the files tools/embed.sh compiled into the binary.
*/
#include "embedded.h"
#include <stddef.h>
#include <string.h>

extern const struct { const char *path, *text; } vt_embedded[];

const char *vt_embedded_get(const char *path) {
  for (size_t i = 0; vt_embedded[i].path; i++)
    if (strcmp(vt_embedded[i].path, path) == 0) return vt_embedded[i].text;
  return NULL;
}
