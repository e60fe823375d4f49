/*
** cmd_check.c -- vitae check PATH... (docs/check.md): static checks of
** modules, compiler-style messages, exit 1 on any error.
*/
#include <stdio.h>
#include <string.h>

#include "lua/check.h"
#include "sim/cli/cli.h"
#include "sim/jsonw.h"

static const char USAGE[] =
  "usage: vitae check [-q] [--json] PATH...\n"
  "  Check modules (.lua and .json files, or folders of them: subfolders hold\n"
  "  submodules) without running them.  Messages are FILE:LINE: error|warning: ...\n"
  "  -q       errors only\n"
  "  --json   one JSON object: files, errors, warnings and the messages\n"
  "Exit status: 0 no error, 1 errors found, 2 usage error.\n";

int vt_cmd_check(int argc, char **argv) {
  int quiet = 0, json = 0, npaths = 0;
  char **paths = argv + 1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) { fputs(USAGE, stdout); return VT_EXIT_OK; }
    if (strcmp(argv[i], "-q") == 0) quiet = 1;
    else if (strcmp(argv[i], "--json") == 0) json = 1;
    else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "vitae check: unknown option '%s'\n%s", argv[i], USAGE);
      return VT_EXIT_USAGE;
    } else paths[npaths++] = argv[i];
  }
  if (npaths == 0) { fprintf(stderr, "vitae check: no module file or folder given\n%s", USAGE); return VT_EXIT_USAGE; }
  vt_check ck;
  char err[4096];
  if (vt_check_paths(&ck, paths, npaths, err, sizeof err) != 0) {
    fprintf(stderr, "vitae check: %s\n", err);
    return VT_EXIT_USAGE;
  }
  int errors, warnings;
  vt_check_counts(&ck, &errors, &warnings);
  if (json) {
    vt_jsonw w;
    vt_jw_init(&w, stdout);
    vt_jw_obj(&w, 1);
    vt_jw_kint(&w, "files", ck.nfiles);
    vt_jw_kint(&w, "errors", errors);
    vt_jw_kint(&w, "warnings", warnings);
    vt_jw_key(&w, "messages");
    vt_jw_arr(&w, 0);
    for (int i = 0; i < ck.n; i++) {
      const vt_check_msg *m = &ck.msgs[i];
      if (quiet && m->warning) continue;
      vt_jw_obj(&w, 1);
      vt_jw_kstr(&w, "file", m->file);
      vt_jw_kint(&w, "line", m->line);
      vt_jw_kstr(&w, "severity", m->warning ? "warning" : "error");
      vt_jw_kstr(&w, "message", m->text);
      vt_jw_end(&w);
    }
    vt_jw_end(&w);
    vt_jw_end(&w);
  } else {
    for (int i = 0; i < ck.n; i++) {
      const vt_check_msg *m = &ck.msgs[i];
      if (quiet && m->warning) continue;
      if (m->line > 0) printf("%s:%d: %s: %s\n", m->file, m->line, m->warning ? "warning" : "error", m->text);
      else printf("%s: %s: %s\n", m->file, m->warning ? "warning" : "error", m->text);
    }
    printf("%d file%s: %d error%s, %d warning%s\n", ck.nfiles, ck.nfiles == 1 ? "" : "s", errors,
           errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
  }
  vt_check_free(&ck);
  return errors ? VT_EXIT_FAIL : VT_EXIT_OK;
}
