/*
** cmd_check.c -- vitae check PATH... (docs/check.md): static checks of
** modules, compiler-style messages, exit 1 on any error.
*/
#include <stdio.h>
#include <string.h>

#include "lua/check.h"
#include "sim/cli/cli.h"

static const char USAGE[] =
  "usage: vitae check [-q] [--json] PATH...\n"
  "  Check modules (.lua and .json files, or folders of them: subfolders hold\n"
  "  submodules) without running them.  Messages are FILE:LINE: error|warning: ...\n"
  "  -q       errors only\n"
  "  --json   one JSON object: files, errors, warnings and the messages\n"
  "Exit status: 0 no error, 1 errors found, 2 usage error.\n";

static void json_str(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') printf("\\%c", ch);
    else if (ch == '\n') fputs("\\n", stdout);
    else if (ch < 0x20) printf("\\u%04x", ch);
    else putchar(ch);
  }
  putchar('"');
}

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
    printf("{\"files\": %d, \"errors\": %d, \"warnings\": %d, \"messages\": [", ck.nfiles, errors, warnings);
    int first = 1;
    for (int i = 0; i < ck.n; i++) {
      const vt_check_msg *m = &ck.msgs[i];
      if (quiet && m->warning) continue;
      printf("%s\n  {\"file\": ", first ? "" : ",");
      json_str(m->file);
      printf(", \"line\": %d, \"severity\": \"%s\", \"message\": ", m->line, m->warning ? "warning" : "error");
      json_str(m->text);
      putchar('}');
      first = 0;
    }
    printf("%s]}\n", first ? "" : "\n");
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
