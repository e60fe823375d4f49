/*
** src_events.c -- the events: source of the EHR reader: the minimal CSV
** format of schemas/events.md (person, period and event rows, in any
** order), staged into a temporary SQLite database (learn/stage.h),
** checked, and read back as one cursor in person order.
*/
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "learn/source.h"
#include "learn/stage.h"
#include "learn/vocab.h"

/* The staged columns; the first REQUIRED of them must be in the file. */
static const char *const columns[] = {
  "person", "record", "sex", "birth_date", "start_date", "end_date", "domain", "system", "code",
  "death_date", "value", "unit", "race", "ethnicity", "description",
};
enum { NCOLUMNS = sizeof columns / sizeof *columns, REQUIRED = 9 };

/* The columns of the cursor's rows. */
enum {
  C_PERSON, C_KIND, C_LINE, C_RECORD, C_SEX, C_BIRTH, C_START, C_END, C_DOMAIN, C_SYSTEM, C_CODE, C_DEATH,
  C_VALUE, C_UNIT, C_RACE, C_ETHNICITY, C_DESCRIPTION,
};
enum { K_PERSON, K_PERIOD, K_EVENT };

typedef struct events {
  vt_stage *stage;
  int numeric;                   /* every person id is digits: ordered as numbers */
  vt_stage_cursor cur;
  char *last_id;                 /* the last person row read */
} events;

static const char *text(sqlite3_stmt *st, int col) { return (const char *)sqlite3_column_text(st, col); }

/* The first row (by line) that sql selects, as "FILE:LINE: column C: ..."
** in err with what (given the row's value) -- 1 if there is one, 0 if not,
** -1 with err on a database error. */
static int first_bad(events *s, const char *path, const char *sql, const char *column, const char *what, char *err,
                     size_t errlen) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(vt_stage_db(s->stage), sql, -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(vt_stage_db(s->stage)));
    return -1;
  }
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const char *v = text(st, 1);
    if (v)
      snprintf(err, errlen, "%s:%lld: column %s: '%s'%s", path, (long long)sqlite3_column_int64(st, 0), column, v, what);
    else
      snprintf(err, errlen, "%s:%lld: column %s: empty%s", path, (long long)sqlite3_column_int64(st, 0), column, what);
  } else if (rc != SQLITE_DONE) {
    snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(vt_stage_db(s->stage)));
  }
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* The checks that make a file not of this format (errors, not counts):
** record types, event domains and systems.  0, or -1 with err. */
static int check_rows(events *s, const char *path, char *err, size_t errlen) {
  static const struct { const char *sql, *column, *what; } checks[] = {
    { "SELECT line, record FROM ev WHERE record IS NULL OR lower(record) NOT IN ('person', 'period', 'event') "
      "ORDER BY line LIMIT 1",
      "record", ": not a record type (person, period, event)" },
    { "SELECT line, domain FROM ev WHERE lower(record) = 'event' AND (domain IS NULL OR lower(domain) NOT IN "
      "('condition', 'drug', 'procedure', 'measurement', 'observation', 'immunization', 'device', 'visit')) "
      "ORDER BY line LIMIT 1",
      "domain", ": not a domain (condition, drug, procedure, measurement, observation, immunization, device, visit)" },
    { "SELECT line, system FROM ev WHERE lower(record) = 'event' AND system IS NULL ORDER BY line LIMIT 1", "system",
      ": an event needs the code's system (SNOMED, RxNorm, LOINC, ...)" },
  };
  for (size_t k = 0; k < sizeof checks / sizeof *checks; k++) {
    int rc = first_bad(s, path, checks[k].sql, checks[k].column, checks[k].what, err, errlen);
    if (rc != 0) return -1;
  }
  return 0;
}

static int events_open(vt_ehr *r, const char *path, char *err, size_t errlen) {
  events *s = vt_xcalloc(1, sizeof *s);
  vt_ehr_set_state(r, s);
  int64_t rows = 0;
  if (vt_stage_open(&s->stage, err, errlen) != 0 ||
      vt_stage_table(s->stage, path, "ev", columns, NCOLUMNS, VT_STAGE_COL(REQUIRED) - 1, NULL, &rows, err, errlen) != 0 ||
      check_rows(s, path, err, errlen) != 0)
    return VT_EHR_EREAD;
  vt_ehr_note(r, "%lld rows", (long long)rows);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(vt_stage_db(s->stage), "SELECT count(*), sum(person IS NULL OR person GLOB '*[^0-9]*') FROM ev",
                         -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    s->numeric = sqlite3_column_int64(st, 0) > 0 && sqlite3_column_int64(st, 1) == 0;
  sqlite3_finalize(st);
  return VT_EHR_OK;
}

/* Open the cursor over every row (id NULL) or the rows of one person:
** ordered by person, person rows first, then periods, then events, each in
** file order.  0, or -1 with err. */
static int open_cursor(vt_ehr *r, events *s, const char *id, char *err, size_t errlen) {
  char order[256];
  vt_stage_person_order("person", s->numeric, order, sizeof order);
  char *where = id ? sqlite3_mprintf("WHERE person = %Q", id) : sqlite3_mprintf("%s", "");
  char *sql = sqlite3_mprintf(
      "SELECT person, CASE lower(record) WHEN 'person' THEN 0 WHEN 'period' THEN 1 ELSE 2 END AS kind, line, record, "
      "sex, birth_date, start_date, end_date, domain, system, code, death_date, value, unit, race, ethnicity, "
      "description FROM ev %s ORDER BY %s, kind, rowid",
      where, order);
  int rc = vt_stage_cursor_open(s->stage, &s->cur, sql, err, errlen);
  if (rc != 0) snprintf(err + strlen(err), errlen - strlen(err), " (%s)", vt_ehr_path(r));
  sqlite3_free(where);
  sqlite3_free(sql);
  return rc;
}

static void events_close(vt_ehr *r) {
  events *s = vt_ehr_state(r);
  if (!s) return;
  vt_stage_cursor_close(&s->cur);
  vt_stage_close(s->stage);
  free(s->last_id);
  free(s);
  vt_ehr_set_state(r, NULL);
}

/* Read start_date and end_date of a row as a period: 0 and the days, or -1
** after counting it as a bad period. */
static int read_period(vt_ehr *r, sqlite3_stmt *st, long line, vt_day *start, vt_day *end) {
  const char *a = text(st, C_START), *b = text(st, C_END);
  if (vt_day_parse(a, start) != 0) {
    vt_ehr_issue(r, VT_ISSUE_BAD_PERIOD, NULL, NULL, 0, line, "start_date", "'%s'", a ? a : "");
    return -1;
  }
  if (vt_day_parse(b, end) != 0) {
    vt_ehr_issue(r, VT_ISSUE_BAD_PERIOD, NULL, NULL, 0, line, "end_date", "'%s'", b ? b : "");
    return -1;
  }
  if (*end < *start) {
    vt_ehr_issue(r, VT_ISSUE_BAD_PERIOD, NULL, NULL, 0, line, "end_date", "'%s' before start_date '%s'", b, a);
    return -1;
  }
  return 0;
}

/* Begin the person of the person row under the cursor: 1, or 0 after
** counting it as a bad person. */
static int begin_person(vt_ehr *r, events *s) {
  sqlite3_stmt *st = s->cur.st;
  long line = (long)sqlite3_column_int64(st, C_LINE);
  const char *id = text(st, C_PERSON), *birth_text = text(st, C_BIRTH), *death_text = text(st, C_DEATH);
  vt_day birth, death = VT_NO_DAY;
  if (!id) {
    vt_ehr_issue(r, VT_ISSUE_BAD_PERSON, NULL, NULL, 0, line, "person", "no id");
    return 0;
  }
  if (vt_day_parse(birth_text, &birth) != 0) {
    vt_ehr_issue(r, VT_ISSUE_BAD_PERSON, NULL, NULL, 0, line, "birth_date", "'%s'", birth_text ? birth_text : "");
    return 0;
  }
  if (death_text && vt_day_parse(death_text, &death) != 0) {
    vt_ehr_issue(r, VT_ISSUE_BAD_DEATH_DATE, NULL, NULL, 0, line, "death_date", "'%s'", death_text);
    death = VT_NO_DAY;
  }
  vt_ehr_begin(r, id, vt_ehr_sex(text(st, C_SEX)), birth, death, text(st, C_RACE), text(st, C_ETHNICITY), "events",
               line);
  vt_day a, b;
  if ((text(st, C_START) || text(st, C_END)) && read_period(r, st, line, &a, &b) == 0) vt_ehr_add_period(r, a, b);
  return 1;
}

/* Hand the event row under the cursor to the core, or count why it is
** dropped. */
static void add_event(vt_ehr *r, sqlite3_stmt *st) {
  long line = (long)sqlite3_column_int64(st, C_LINE);
  const char *start = text(st, C_START), *end = text(st, C_END), *value = text(st, C_VALUE);
  vt_event ev;
  memset(&ev, 0, sizeof ev);
  if (!text(st, C_CODE)) {
    vt_ehr_issue(r, VT_ISSUE_NO_CODE, NULL, NULL, 0, line, "code", "no code");
    return;
  }
  if (vt_day_parse(start, &ev.start) != 0) {
    vt_ehr_issue(r, VT_ISSUE_BAD_DATE, NULL, NULL, 0, line, "start_date", "'%s'", start ? start : "");
    return;
  }
  ev.end = VT_NO_DAY;
  if (end && vt_day_parse(end, &ev.end) != 0) {
    vt_ehr_issue(r, VT_ISSUE_BAD_END_DATE, NULL, NULL, 0, line, "end_date", "'%s'", end);
    ev.end = VT_NO_DAY;
  }
  if (value && vt_ehr_parse_number(value, &ev.value) == 0) ev.has_value = 1;
  else if (value) vt_ehr_issue(r, VT_ISSUE_BAD_VALUE, NULL, NULL, 0, line, "value", "'%s'", value);
  ev.domain = (vt_domain)vt_domain_parse(text(st, C_DOMAIN)); /* checked at open */
  ev.system = vt_vocab_id(text(st, C_SYSTEM));
  ev.code = text(st, C_CODE);
  ev.unit = text(st, C_UNIT);
  ev.description = text(st, C_DESCRIPTION);
  ev.table = "events";
  ev.row = line;
  ev.date_column = "start_date";
  vt_ehr_add_event(r, &ev);
}

/* Count the row under the cursor as one of a person without a person row. */
static void unknown_row(vt_ehr *r, sqlite3_stmt *st) {
  const char *id = text(st, C_PERSON);
  vt_ehr_issue(r, VT_ISSUE_UNKNOWN_PERSON, NULL, NULL, 0, (long)sqlite3_column_int64(st, C_LINE), "person",
               "'%s' (%s row of a person without a usable person row)", id ? id : "", text(st, C_RECORD));
}

static int events_next(vt_ehr *r, char *err, size_t errlen) {
  events *s = vt_ehr_state(r);
  vt_stage_cursor *c = &s->cur;
  if (!c->st && open_cursor(r, s, NULL, err, errlen) != 0) return -1;
  while (c->on_row) {
    if (sqlite3_column_int(c->st, C_KIND) != K_PERSON) {
      unknown_row(r, c->st);
      if (vt_stage_cursor_next(c, err, errlen) != 0) return -1;
      continue;
    }
    int ok = begin_person(r, s);
    const char *id = text(c->st, C_PERSON);
    free(s->last_id);
    s->last_id = id ? vt_xstrdup(id) : NULL;
    if (vt_stage_cursor_next(c, err, errlen) != 0) return -1;
    /* the person's other rows: a second person row, periods, events */
    while (c->on_row && s->last_id && vt_stage_id_cmp(text(c->st, C_PERSON), s->last_id, s->numeric) == 0) {
      int kind = sqlite3_column_int(c->st, C_KIND);
      long line = (long)sqlite3_column_int64(c->st, C_LINE);
      vt_day a, b;
      if (kind == K_PERSON)
        vt_ehr_issue(r, VT_ISSUE_BAD_PERSON, NULL, NULL, 0, line, "person", "'%s' again (the first row is read)",
                     s->last_id);
      else if (!ok) unknown_row(r, c->st);
      else if (kind == K_PERIOD) {
        if (read_period(r, c->st, line, &a, &b) == 0) vt_ehr_add_period(r, a, b);
      } else
        add_event(r, c->st);
      if (vt_stage_cursor_next(c, err, errlen) != 0) return -1;
    }
    if (ok) return 1;
  }
  return 0;
}

static int events_find(vt_ehr *r, const char *id, char *err, size_t errlen) {
  events *s = vt_ehr_state(r);
  vt_stage_cursor_close(&s->cur);
  if (open_cursor(r, s, id, err, errlen) != 0) return -1;
  int rc = events_next(r, err, errlen);
  vt_stage_cursor_close(&s->cur);
  return rc;
}

const vt_ehr_source vt_source_events = { "events", events_open, events_next, events_find, events_close, NULL };
