/*
** src_native.c -- PLACEHOLDER until the native source lands (issue 9 work in progress).
*/
#include <stdio.h>
#include "learn/source.h"
static int todo_open(vt_ehr *r, const char *path, char *err, size_t errlen) { (void)r; snprintf(err, errlen, "%s: this source kind is not built yet", path); return VT_EHR_EREAD; }
static int todo_next(vt_ehr *r, char *err, size_t errlen) { (void)r; (void)err; (void)errlen; return 0; }
static int todo_find(vt_ehr *r, const char *id, char *err, size_t errlen) { (void)r; (void)id; (void)err; (void)errlen; return 0; }
const vt_ehr_source vt_source_native = { "vitae", todo_open, todo_next, todo_find, NULL };
