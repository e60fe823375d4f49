/*
** params_ledger.h -- read the `privacy_ledger` and `dp_summary` sections of
** a params file (schemas/params.md) into vt_params (for sim/params.c).
*/
#ifndef VT_PARAMS_LEDGER_H
#define VT_PARAMS_LEDGER_H

#include <stddef.h>
#include <yaml.h>

#include "sim/params.h"

/* Read node (the value of `privacy_ledger`) into p->ledger, or node (the
** value of `dp_summary`) into p->summary.  0, or -1 with err =
** "FILE:LINE:COL: message" (a missing or malformed field). */
int vt_params_read_ledger(yaml_document_t *doc, const yaml_node_t *node, const char *path, vt_params *p,
                          char *err, size_t errlen);
int vt_params_read_summary(yaml_document_t *doc, const yaml_node_t *node, const char *path, vt_params *p,
                           char *err, size_t errlen);
/* Free what the two readers allocated. */
void vt_params_free_ledger(vt_params *p);

#endif
