/*
** source.h -- what a source kind of the EHR reader provides, and the calls
** it makes to build a person (internal to learn/; users include ehr.h).
**
** A source reads its format and hands each person to the core (learn/ehr.c)
** through vt_ehr_begin / vt_ehr_add_period / vt_ehr_add_event, counting the
** rows it must drop with vt_ehr_issue.  The core copies the strings, sorts,
** flags events before birth, after death or outside every observation
** period, and counts those (sources do not).
*/
#ifndef VT_EHR_SOURCE_H
#define VT_EHR_SOURCE_H

#include "learn/ehr.h"
#include "sim/strbuf.h"

struct vt_codematch;

typedef struct vt_ehr_source {
  const char *kind;
  /* Open path: set the source's state with vt_ehr_set_state.  VT_EHR_OK,
  ** or VT_EHR_EREAD with err (naming the file, and the line if known). */
  int (*open)(vt_ehr *r, const char *path, char *err, size_t errlen);
  /* Build the next person (vt_ehr_begin, then its periods and events):
  ** 1, 0 at the end (nothing begun), -1 with err. */
  int (*next)(vt_ehr *r, char *err, size_t errlen);
  /* Build the person whose source id is id: 1, 0 if none, -1 with err. */
  int (*find)(vt_ehr *r, const char *id, char *err, size_t errlen);
  /* Release the state (also after a failed open). */
  void (*close)(vt_ehr *r);
  /* Feed m with the source's own concepts and concept ancestry: 1 when the
  ** source has ancestry, 0 when it has none, -1 with err.  NULL for a kind
  ** that never carries a vocabulary. */
  int (*ancestry)(vt_ehr *r, struct vt_codematch *m, char *err, size_t errlen);
} vt_ehr_source;

extern const vt_ehr_source vt_source_omop, vt_source_omop_csv, vt_source_synthea_csv,
    vt_source_native, vt_source_events;

void *vt_ehr_state(const vt_ehr *r);
void vt_ehr_set_state(vt_ehr *r, void *state);
const vt_ehr_options *vt_ehr_options_of(const vt_ehr *r);

/* Add a note on the source (ehr.h, vt_ehr_notes). */
void vt_ehr_note(vt_ehr *r, const char *fmt, ...) VT_PRINTF(2, 3);

/* Start the next person (the previous one is finished by the core).  sex is
** 'F', 'M' or 'U'; race and ethnicity may be NULL; table and row say where
** the person row was read (table must outlive the reader). */
void vt_ehr_begin(vt_ehr *r, const char *id, char sex, vt_day birth, vt_day death, const char *race,
                  const char *ethnicity, const char *table, int64_t row);
/* Add an observation period of the person begun (end >= start). */
void vt_ehr_add_period(vt_ehr *r, vt_day start, vt_day end);
/* Add an event of the person begun: its strings are copied; flags other
** than VT_EVENT_FROM_ERA are computed by the core; table and date_column
** must outlive the reader. */
void vt_ehr_add_event(vt_ehr *r, const vt_event *ev);

/* Count a row or person of reason why, keeping the first examples: where
** it was read (file: NULL means the reader's path; table, row (SQLite rowid
** or 0) or line (a CSV line, or 0), column: each may be NULL / 0) and what
** was wrong (printf-style; the value, quoted). */
void vt_ehr_issue(vt_ehr *r, vt_issue why, const char *file, const char *table, int64_t row, long line,
                  const char *column, const char *fmt, ...) VT_PRINTF(8, 9);

/* A number filling the whole of text (spaces around allowed), finite: 0
** and *out, or -1 (a value the source cannot give as a number). */
int vt_ehr_parse_number(const char *text, double *out);

/* A sex as sources write it ("F", "female", "FEMALE", "M", "male", OMOP
** gender concepts 8532 / 8507): 'F', 'M', or 'U'. */
char vt_ehr_sex(const char *text);

#endif
