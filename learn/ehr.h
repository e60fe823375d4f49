/*
** ehr.h -- the patient-level view of an EHR: one streaming reader for every
** source vitae reads (DESIGN.md, "Reading EHR").
**
** A source is named KIND:PATH:
**   omop:FILE.sqlite        OMOP CDM 5.3 / 5.4 in SQLite        (learn/src_omop.c)
**   omop-csv:DIR            the same as a folder of CSV files    (learn/src_omop.c)
**   synthea-csv:DIR         a Synthea CSV export                 (learn/src_synthea.c)
**   vitae:FILE.db           vitae's native format                (learn/src_native.c)
**   events:FILE.csv         the minimal format of schemas/events.md (learn/src_events.c)
** The kind may be left out where the path tells it (vt_ehr_detect).
**
** The reader yields one person at a time, in a stable order (the source's
** person order: by person id), with memory bounded by the largest person,
** never by the source: sex, birth, death, race and ethnicity, observation
** periods and every dated coded event, sorted.  What cannot be used is
** counted by reason (vt_issue) with the first examples (file, table, row,
** column), never dropped silently:
**
**   vt_ehr *r;
**   if (vt_ehr_open(&r, "omop:ehr.sqlite", NULL, err, sizeof err) != VT_EHR_OK) ...
**   const vt_person *p;
**   while ((rc = vt_ehr_next(r, &p, err, sizeof err)) == 1) use(p);
**   if (rc < 0) ... error ...
**   vt_ehr_report(r, stderr);       the data-quality counts
**   vt_ehr_close(r);
*/
#ifndef VT_EHR_H
#define VT_EHR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A date: days since 1970-01-01 (proleptic Gregorian).  Years 1 to 9999,
** so date-shifted extracts far in the future read as they are. */
typedef int32_t vt_day;
#define VT_NO_DAY INT32_MIN

/* Parse a date as EHR sources write it: "YYYY-MM-DD", "YYYYMMDD", or either
** followed by a time ("1963-12-31T00:00:00Z", "2019-01-02 10:00:00").  0 and
** *out, or -1 (an empty or malformed date, or one outside years 1-9999). */
int vt_day_parse(const char *s, vt_day *out);
/* "YYYY-MM-DD" into out (11 bytes); "" for VT_NO_DAY. */
void vt_day_format(vt_day d, char out[11]);

/* The domain of an event. */
typedef enum vt_domain {
  VT_DOMAIN_CONDITION,
  VT_DOMAIN_DRUG,
  VT_DOMAIN_PROCEDURE,
  VT_DOMAIN_MEASUREMENT,
  VT_DOMAIN_OBSERVATION,
  VT_DOMAIN_IMMUNIZATION,
  VT_DOMAIN_DEVICE,
  VT_DOMAIN_VISIT,
  VT_DOMAIN__COUNT
} vt_domain;

/* "condition", "drug", "procedure", "measurement", "observation",
** "immunization", "device", "visit". */
const char *vt_domain_name(vt_domain d);
/* The domain of a name (those above, any case), or -1. */
int vt_domain_parse(const char *name);

/* What the reader found odd about a kept event (vt_event.flags). */
enum {
  VT_EVENT_BEFORE_BIRTH = 1 << 0,       /* starts before the birth date */
  VT_EVENT_AFTER_DEATH = 1 << 1,        /* starts after the death date */
  VT_EVENT_OUTSIDE_OBSERVATION = 1 << 2,/* starts outside every observation period */
  VT_EVENT_FROM_ERA = 1 << 3,           /* read from an OMOP era table */
};

/* One dated coded event.  Strings live until the next vt_ehr_next. */
typedef struct vt_event {
  vt_domain domain;
  vt_day start;
  vt_day end;                    /* VT_NO_DAY when the source has none */
  const char *system;            /* OMOP vocabulary id: "SNOMED", "RxNorm",
                                    "LOINC", "CVX", "ICD10CM", ...; sources
                                    naming systems otherwise (vitae's
                                    "SNOMED-CT", FHIR URIs) are mapped with
                                    vt_vocab_id */
  const char *code;
  int64_t concept_id;            /* OMOP concept of (system, code); 0 unknown */
  const char *source_system;     /* the code as the source recorded it, when */
  const char *source_code;       /* it differs (OMOP source concept or
                                    *_source_value); NULL otherwise */
  int64_t source_concept_id;     /* 0 unknown */
  const char *description;       /* NULL when the source has none */
  double value;                  /* when has_value */
  int has_value;
  const char *unit;              /* NULL when none */
  unsigned flags;                /* VT_EVENT_* */
  const char *table;             /* where it was read: table or file name, */
  int64_t row;                   /* row (SQLite rowid, or CSV line), and */
  const char *date_column;       /* the column of its start date */
} vt_event;

/* An observation period, both days included. */
typedef struct vt_period { vt_day start, end; } vt_period;

/* One person.  Everything lives until the next vt_ehr_next / vt_ehr_find. */
typedef struct vt_person {
  const char *id;                /* the source's own id, as text */
  int64_t seq;                   /* position in the stream, from 0 */
  char sex;                      /* 'F', 'M', or 'U' (unknown) */
  vt_day birth;                  /* VT_NO_DAY when unknown */
  vt_day death;                  /* VT_NO_DAY when not known to have died */
  const char *race;              /* as the source names it; NULL if none */
  const char *ethnicity;
  const vt_period *periods;      /* sorted by start; may be none */
  size_t nperiods;
  const vt_event *events;        /* sorted by start, domain, system, code, end */
  size_t nevents;
  const char *table;             /* where the person row was read */
  int64_t row;
} vt_person;

/* Why a row or person was dropped or flagged. */
typedef enum vt_issue {
  /* rows dropped */
  VT_ISSUE_BAD_DATE,             /* an event whose start date cannot be read */
  VT_ISSUE_NO_CODE,              /* an event with no code at all */
  VT_ISSUE_UNKNOWN_PERSON,       /* an event or period of a person the person table lacks */
  VT_ISSUE_BAD_PERSON,           /* a person row without id, or with a birth date that cannot be read */
  VT_ISSUE_BAD_PERIOD,           /* an observation period whose dates cannot be read or end before they start */
  /* rows kept, flagged */
  VT_ISSUE_BEFORE_BIRTH,         /* an event dated before birth */
  VT_ISSUE_AFTER_DEATH,          /* an event dated after death */
  VT_ISSUE_OUTSIDE_OBSERVATION,  /* an event outside every observation period */
  VT_ISSUE_END_BEFORE_START,     /* an event ending before it starts (end cleared) */
  VT_ISSUE_BAD_END_DATE,         /* an end date that cannot be read (end cleared) */
  VT_ISSUE_BAD_VALUE,            /* a value that is not a number (kept without value) */
  VT_ISSUE_UNKNOWN_SEX,          /* a person whose sex is not known ('U') */
  VT_ISSUE_NO_OBSERVATION,       /* a person without any observation period */
  VT_ISSUE_BAD_DEATH_DATE,       /* a death date that cannot be read (taken as unknown) */
  VT_ISSUE__COUNT
} vt_issue;

/* A short stable name ("bad_date") and a phrase ("events whose date cannot
** be read") for reports. */
const char *vt_issue_name(vt_issue i);
const char *vt_issue_text(vt_issue i);
/* 1 if rows of this reason are dropped, 0 if kept (flagged). */
int vt_issue_drops(vt_issue i);

#define VT_ISSUE_EXAMPLES 3

/* Where a row came from, and what was wrong with it. */
typedef struct vt_issue_example {
  char where[320];               /* "FILE: table T, row N, column C" or "FILE:LINE: column C" */
  char what[160];                /* the offending value or a short reason */
} vt_issue_example;

/* The data-quality counts of a read so far. */
typedef struct vt_quality {
  int64_t persons;               /* persons yielded */
  int64_t events;                /* events yielded */
  int64_t periods;               /* observation periods yielded */
  int64_t count[VT_ISSUE__COUNT];
  int nexamples[VT_ISSUE__COUNT];
  vt_issue_example examples[VT_ISSUE__COUNT][VT_ISSUE_EXAMPLES];
} vt_quality;

typedef struct vt_ehr vt_ehr;

/* Options of a read; NULL means all defaults. */
typedef struct vt_ehr_options {
  int no_descriptions;           /* leave vt_event.description NULL (faster) */
} vt_ehr_options;

/* Result codes of vt_ehr_open. */
enum {
  VT_EHR_OK = 0,
  VT_EHR_EUSAGE = -1,            /* the name: unknown kind, no path, a kind that cannot be detected */
  VT_EHR_EREAD = -2,             /* the source cannot be read: missing, not its kind, corrupt */
};

/* The kinds: "omop", "omop-csv", "synthea-csv", "vitae", "events". */
extern const char *const vt_ehr_kinds[];

/* The kind a bare path looks like: a .csv file is events; a folder with
** PERSON.csv (any case) omop-csv, with patients.csv synthea-csv; a SQLite
** file with a table person omop, with a table patients vitae.  The kind's
** name, or NULL with err. */
const char *vt_ehr_detect(const char *path, char *err, size_t errlen);

/* Open the source named by spec (KIND:PATH or PATH).  VT_EHR_OK and *out,
** or VT_EHR_EUSAGE / VT_EHR_EREAD with err ("FILE:LINE: message" where a
** line is known). */
int vt_ehr_open(vt_ehr **out, const char *spec, const vt_ehr_options *opt, char *err, size_t errlen);

/* The next person: 1 and *p, 0 at the end, -1 with err when the source
** stops being readable (a corrupt page, a broken CSV quote). */
int vt_ehr_next(vt_ehr *r, const vt_person **p, char *err, size_t errlen);

/* The person whose source id is id (the stream position is not changed
** for vt_ehr_next's purposes only if the source supports random access;
** call it on a freshly opened reader): 1 and *p, 0 if there is none, -1
** with err.  The quality counts then cover that person only. */
int vt_ehr_find(vt_ehr *r, const char *id, const vt_person **p, char *err, size_t errlen);

/* Feed the code matcher m (learn/codematch.h) with the concepts and the
** concept ancestry the source itself carries: OMOP's concept and
** concept_ancestor tables (omop:) or CONCEPT.csv and CONCEPT_ANCESTOR.csv
** (omop-csv:).  1 when the source has ancestry (a module code then matches
** its concept's descendants), 0 when it has none (the other kinds, or an
** OMOP source without concept_ancestor: matching stays exact, see
** docs/codes.md), -1 with err. */
struct vt_codematch;
int vt_ehr_ancestry(vt_ehr *r, struct vt_codematch *m, char *err, size_t errlen);

/* The kind ("omop", ...) and path of an open reader. */
const char *vt_ehr_kind(const vt_ehr *r);
const char *vt_ehr_path(const vt_ehr *r);

/* What the source told about itself while opening ("OMOP CDM 5.3",
** "condition_occurrence is empty: conditions are read from condition_era"),
** one line each; n = how many. */
size_t vt_ehr_notes(const vt_ehr *r, const char *const **lines);

/* The quality counts so far. */
const vt_quality *vt_ehr_quality(const vt_ehr *r);

/* Print the quality counts (nothing when every count is 0): one line per
** reason with count, kept or dropped, and the examples. */
void vt_ehr_report(const vt_ehr *r, FILE *f);

void vt_ehr_close(vt_ehr *r);

#endif
