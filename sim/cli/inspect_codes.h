/*
** inspect_codes.h -- `vitae inspect SRC --code SYSTEM:CODE ...`: how many
** persons and events of a source match module-style codes, compared the way
** OHDSI tools compare them (learn/codematch.h, docs/codes.md): a code
** matches its concept's descendants where the source (or --vocab DIR)
** carries concept ancestry, else the same vocabulary and code.
*/
#ifndef VT_INSPECT_CODES_H
#define VT_INSPECT_CODES_H

#include <stddef.h>
#include <stdio.h>

#include "learn/ehr.h"

/* Read every person of r and print to f, for each of the n codes
** ("SYSTEM:CODE", e.g. "SNOMED:195967001" or "SNOMED-CT:195967001"), the
** persons and events matched and the data codes they matched as (text, or
** JSON when json).  vocab_dir (may be NULL) gives the ancestry; else the
** source's own.  0, 1 when a code is malformed (err says which), or -1
** with err when the source or the vocabulary cannot be read. */
int vt_inspect_codes(FILE *f, vt_ehr *r, const char *const *codes, size_t n, const char *vocab_dir, int json,
                     char *err, size_t errlen);

#endif
