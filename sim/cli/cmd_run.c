/*
** cmd_run.c -- `vitae run` on the command line: its flags (each value set
** through sim/config.h's vt_config_set, on top of a --config file), the run
** (sim/run.h) and its result as an exit status, its help text and the help
** text of `vitae` itself.
*/
#include "sim/cli/cli.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config.h"
#include "sim/run.h"
#include "sim/strbuf.h"

/* ------------------------------------------------------------------ */
/* The command line of `vitae run`                                     */
/* ------------------------------------------------------------------ */

/* The flags that set no vt_config_set key. */
enum { OPT_CONFIG = -1, OPT_QUIET = -2, OPT_TRACE = -3, OPT_HELP = -4 };

typedef struct run_opt {
  char shortc;          /* 0 when the option has only a long form */
  const char *name;     /* long name without "--" */
  int id;               /* a vt_config_key, or OPT_* */
  int takes_value;
} run_opt;

static const run_opt run_opts[] = {
  {'p', "population",     VT_CFG_POPULATION,     1},
  {'s', "seed",           VT_CFG_SEED,           1},
  {'m', "modules",        VT_CFG_MODULES,        1},
  {'o', "output",         VT_CFG_OUTPUT,         1},
  {0,   "threads",        VT_CFG_THREADS,        1},
  {0,   "reference-date", VT_CFG_REFERENCE_DATE, 1},
  {0,   "config",         OPT_CONFIG,            1},
  {0,   "age",            VT_CFG_AGE,            1},
  {0,   "gender",         VT_CFG_GENDER,         1},
  {0,   "params",         VT_CFG_PARAMS,         1},
  {'q', "quiet",          OPT_QUIET,             0},
  {0,   "trace",          OPT_TRACE,             0},
  {'f', "format",         VT_CFG_FORMAT,         1},
  {0,   "vocab",          VT_CFG_VOCAB,          1},
  {0,   "history-years",  VT_CFG_HISTORY,        1},
  {0,   "observation",    VT_CFG_OBSERVATION,    1},
  {0,   "module-time",    VT_CFG_MODULE_TIME,    1},
  {'h', "help",           OPT_HELP,              0},
};
#define NRUN_OPTS ((int)(sizeof run_opts / sizeof run_opts[0]))

/* Does argument s look like an option rather than a value?  "-5" does not,
** so "-p -5" reports a bad number instead of a missing one. */
static int is_flag(const char *s) {
  return s[0] == '-' && s[1] != '\0' && !isdigit((unsigned char)s[1]);
}

/* Match arg against the options.  Returns the option or NULL.  *value gets an
** attached value ("--seed=5", "-s5", "-s=5") or NULL; flag gets the option as
** typed, without the value, for messages. */
static const run_opt *match_opt(const char *arg, const char **value, char *flag, size_t flaglen) {
  *value = NULL;
  snprintf(flag, flaglen, "%s", arg);
  if (arg[0] != '-' || arg[1] == '\0') return NULL;
  if (arg[1] == '-') {
    const char *name = arg + 2, *eq = strchr(name, '=');
    size_t n = eq ? (size_t)(eq - name) : strlen(name);
    if (n < flaglen - 2) flag[n + 2] = '\0';
    for (int i = 0; i < NRUN_OPTS; i++) {
      if (strlen(run_opts[i].name) == n && !strncmp(run_opts[i].name, name, n)) {
        if (eq) *value = eq + 1;
        return &run_opts[i];
      }
    }
    return NULL;
  }
  for (int i = 0; i < NRUN_OPTS; i++) {
    if (run_opts[i].shortc && run_opts[i].shortc == arg[1]) {
      if (arg[2] == '\0') return &run_opts[i];
      if (!run_opts[i].takes_value) return NULL;       /* "-qx" */
      if (flaglen > 2) flag[2] = '\0';
      *value = arg[2] == '=' ? arg + 3 : arg + 2;
      return &run_opts[i];
    }
  }
  return NULL;
}

/* What option id expects, for messages. */
static const char *opt_expect(int id) {
  return id >= 0 ? vt_config_expect((vt_config_key)id) : "a path";
}

/* Error for an unknown option, with the nearest known one if any. */
static void unknown_option(const char *arg, char *err, size_t errlen) {
  char shown[80], flag[80];
  const char *names[NRUN_OPTS];
  const char *eq = strchr(arg, '='), *near;
  size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
  vt_config_show(arg, shown, sizeof shown);
  if (arg[0] == '-' && arg[1] == '-' && n < sizeof flag) {
    memcpy(flag, arg + 2, n - 2);
    flag[n - 2] = '\0';
    for (int i = 0; i < NRUN_OPTS; i++) names[i] = run_opts[i].name;
    if ((near = vt_config_closest(flag, names, NRUN_OPTS))) {
      vt_seterr(err, errlen, "unknown option '%s'; did you mean '--%s'? (see 'vitae run --help')", shown, near);
      return;
    }
  }
  vt_seterr(err, errlen, "unknown option '%s' (see 'vitae run --help')", shown);
}

/* Apply one option with its value val to c.  Returns 0 or -1 with err. */
static int apply_opt(vt_config *c, const run_opt *o, const char *flag, const char *val,
                     char *err, size_t errlen) {
  char shown[80];
  const char *note;
  int rc = vt_config_set(c, (vt_config_key)o->id, val, &note);
  if (rc == VT_CONFIG_ENOMEM) {
    vt_seterr(err, errlen, "%s: out of memory", flag);
    return -1;
  }
  if (rc != VT_CONFIG_OK) {
    vt_seterr(err, errlen, "%s: expected %s, got '%s'%s", flag, opt_expect(o->id),
           vt_config_show(val, shown, sizeof shown), note);
    return -1;
  }
  return 0;
}

/* Find --config and --help before anything else.  Returns 1 for help, else
** 0 with *config the last --config value (NULL if absent or missing its
** value) and *nconfig how many times --config was given. */
static int prescan(int argc, char **argv, const char **config, int *nconfig) {
  *config = NULL;
  *nconfig = 0;
  for (int i = 1; i < argc; i++) {
    const char *val;
    char flag[64];
    const run_opt *o = match_opt(argv[i], &val, flag, sizeof flag);
    if (!o) continue;
    if (o->id == OPT_HELP) return 1;
    if (o->takes_value && !val && i + 1 < argc && !is_flag(argv[i + 1])) {
      val = argv[++i];
      if (o->id == VT_CFG_MODULES)
        while (i + 1 < argc && !is_flag(argv[i + 1])) i++;
    }
    if (o->id == OPT_CONFIG) {
      *config = val;
      (*nconfig)++;
    }
  }
  return 0;
}

int vt_config_parse_run(vt_config *c, int argc, char **argv, char *err, size_t errlen) {
  vt_config tmp;
  const char *config;
  int nconfig, cli_modules = 0;
  if (prescan(argc, argv, &config, &nconfig)) return 1;
  if (vt_config_copy(&tmp, c)) {
    vt_seterr(err, errlen, "out of memory");
    return -1;
  }
  if (nconfig > 1) {
    vt_seterr(err, errlen, "--config: given more than once");
    goto fail;
  }
  if (nconfig == 1) {
    if (!config || !*config) {
      vt_seterr(err, errlen, "--config: missing value (expected a file path)");
      goto fail;
    }
    if (vt_config_load_yaml(&tmp, config, err, errlen)) goto fail;
    const char *unused;
    if (vt_config_set(&tmp, VT_CFG_CONFIG_FILE, config, &unused) != VT_CONFIG_OK) {
      vt_seterr(err, errlen, "out of memory");
      goto fail;
    }
  }
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *val;
    char flag[64], shown[80];
    const run_opt *o = match_opt(arg, &val, flag, sizeof flag);
    if (!o) {
      if (arg[0] == '-' && arg[1] != '\0')
        unknown_option(arg, err, errlen);
      else
        vt_seterr(err, errlen, "unexpected argument '%s' (see 'vitae run --help')", vt_config_show(arg, shown, sizeof shown));
      goto fail;
    }
    if (!o->takes_value) {
      if (val) {
        vt_seterr(err, errlen, "%s: takes no value, got '%s'", flag, vt_config_show(val, shown, sizeof shown));
        goto fail;
      }
      if (o->id == OPT_QUIET) tmp.quiet = 1;
      if (o->id == OPT_TRACE) tmp.trace = 1;
      continue;
    }
    if (!val) {
      if (i + 1 >= argc || is_flag(argv[i + 1])) {
        vt_seterr(err, errlen, "%s: missing value (expected %s)", flag,
               o->id == VT_CFG_MODULES ? "one or more paths" : opt_expect(o->id));
        goto fail;
      }
      val = argv[++i];
    }
    if (o->id == OPT_CONFIG) continue;          /* loaded above */
    if (o->id == VT_CFG_MODULES && !cli_modules) {
      vt_config_clear_modules(&tmp);                      /* -m replaces the file's list */
      cli_modules = 1;
    }
    if (apply_opt(&tmp, o, flag, val, err, errlen)) goto fail;
    if (o->id == VT_CFG_MODULES) {
      while (i + 1 < argc && !is_flag(argv[i + 1]))
        if (apply_opt(&tmp, o, flag, argv[++i], err, errlen)) goto fail;
    }
  }
  if (vt_config_check_paths(&tmp, err, errlen)) goto fail;
  vt_config_free(c);
  *c = tmp;
  return 0;
fail:
  vt_config_free(&tmp);
  return -1;
}


/* ------------------------------------------------------------------ */
/* Help texts                                                          */
/* ------------------------------------------------------------------ */

const char *vt_config_run_usage(void) {
  return
    "usage: vitae run [options]\n"
    "\n"
    "Simulate synthetic patients from birth to death through the modules and\n"
    "write them to a SQLite database.  A --config file is read first; flags\n"
    "override it (keys: schemas/config.md).\n"
    "\n"
    "options:\n"
    "  -p, --population N         patients to write, living and dead (default 1000)\n"
    "  -s, --seed SEED            random seed; one seed gives the same patients\n"
    "                             whatever the thread count (default 1)\n"
    "  -m, --modules PATH...      module files or folders, repeatable; several paths\n"
    "                             may follow one -m (default: the built-in modules)\n"
    "  -o, --output FILE          database to write (default output/cohort.db)\n"
    "      --threads T            simulating threads, 1-256 (default 0: one per CPU\n"
    "                             less one, which the writer uses)\n"
    "      --reference-date DATE  date the simulation runs up to, YYYY-MM-DD\n"
    "                             (default today)\n"
    "      --age MIN-MAX          age range of the patients in years, 0-120\n"
    "                             (default 0-100)\n"
    "      --gender M|F           only males or only females (default both)\n"
    "      --params FILE          override module parameters by name\n"
    "                             (format: schemas/params.md)\n"
    "      --config FILE          read settings from a YAML run config\n"
    "  -f, --format native|omop   the database layout: vitae's own (default,\n"
    "                             schemas/native.sql) or OMOP CDM 5.4\n"
    "                             (schemas/omop.sql)\n"
    "      --vocab DIR            an OHDSI vocabulary download (CONCEPT.csv) for\n"
    "                             OMOP concept ids; without it they are 0\n"
    "      --history-years N      keep only the last N years of each record\n"
    "      --observation full|random  the whole life (default), or a random\n"
    "                             enrolment window per patient, as an EHR extract\n"
    "      --module-time SECONDS  time module code may run for one patient\n"
    "                             (default 5; 0: no limit); past it the run stops\n"
    "      --trace                also write every state each patient entered,\n"
    "                             with entry and exit times (table state_trace)\n"
    "  -q, --quiet                no progress output\n"
    "  -h, --help                 show this help\n"
    "\n"
    "Values may also be attached: --seed=42, -p500.\n";
}

const char *vt_config_main_usage(void) {
  return
    "usage: vitae <command> [options]\n"
    "\n"
    "vitae simulates synthetic patients through clinical modules written in Lua\n"
    "and writes the cohort as a SQLite database.\n"
    "\n"
    "commands:\n"
    "  run            simulate a cohort (see 'vitae run --help')\n"
    "  convert        convert Synthea GMF JSON modules to Lua modules\n"
    "  compat         load and run a module corpus, report per module\n"
    "  check          check modules without running them (see 'vitae check --help')\n"
    "  graph          a module as a Graphviz graph (DOT or SVG), with a cohort's\n"
    "                 counts (see 'vitae graph --help')\n"
    "  trace          one patient's life as a timeline (see 'vitae trace --help')\n"
    "  test           run module tests written in Lua on the engine (see 'vitae test --help')\n"
    "  inspect        look inside an EHR source or a cohort: tables, persons, top codes,\n"
    "                 data quality, one patient's timeline (see 'vitae inspect --help')\n"
    "  params         list the params the modules declare: what --params sets and\n"
    "                 vitae learn fits (see 'vitae params --help')\n"
    "  learn          fit the lifecycle and module params to an EHR extract with\n"
    "                 differential privacy (see 'vitae learn --help')\n"
    "  eval           measure a cohort's fidelity, utility, privacy and clinical\n"
    "                 sanity against real data or a DP summary; an HTML report\n"
    "                 and JSON (see 'vitae eval --help')\n"
    "\n"
    "options:\n"
    "  -h, --help     show this help\n"
    "      --version  show the version\n";
}


/* ------------------------------------------------------------------ */
/* The command                                                         */
/* ------------------------------------------------------------------ */

/* The exit status of a run that ended with st. */
static int exit_status(vt_run_status st) {
  switch (st) {
  case VT_RUN_OK:     return VT_EXIT_OK;
  case VT_RUN_EUSAGE: return VT_EXIT_USAGE;
  case VT_RUN_EFAIL:  break;
  }
  return VT_EXIT_FAIL;
}

int vt_cmd_run(int argc, char **argv) {
  vt_config cfg;
  char err[2048];
  vt_config_defaults(&cfg);
  int rc = vt_config_parse_run(&cfg, argc, argv, err, sizeof err);
  if (rc == 1) { fputs(vt_config_run_usage(), stdout); vt_config_free(&cfg); return VT_EXIT_OK; }
  if (rc < 0) {
    fprintf(stderr, "vitae run: %s\n", err);
    vt_config_free(&cfg);
    return VT_EXIT_USAGE;
  }
  vt_run_result *res = malloc(sizeof *res);
  if (!res) { fprintf(stderr, "vitae: out of memory\n"); vt_config_free(&cfg); return VT_EXIT_FAIL; }
  vt_run_status st = vt_run(&cfg, res);
  if (st != VT_RUN_OK) {
    fprintf(stderr, "vitae: %s\n", res->error);
    if (res->stopped_at >= 0)
      fprintf(stderr, "vitae: stopped at patient %lld; no database was written\n", (long long)res->stopped_at);
    else if (res->output_lost)
      fprintf(stderr, "vitae: no database was written\n");
  }
  free(res);
  vt_config_free(&cfg);
  return exit_status(st);
}
