/*
** cmd_convert.c -- `vitae convert FILE.json|DIR [-o OUT] [--force] [-q]`:
** Synthea GMF JSON modules to idiomatic vitae Lua modules.
**
** The conversion itself is Lua (lua/convert/gmf2lua.lua, compiled into the
** binary), run in a plain Lua state of its own: it is trusted code, not a
** module.  Every converted module is then checked in the real module
** sandbox (lua/bridge.c): the Lua written must evaluate to the same table as
** the JSON (as the converter states it: nulls, remarks and the few fields
** vitae does not read left out), so a converted module compiles to the same
** model and gives the same rows.  A module that fails the check is not
** written.
**
** A folder is converted recursively, keeping its layout (submodule folders
** such as medications/), and the CSV files of its lookup_tables/ folders are
** copied byte for byte.  Files are written to a temporary name beside the
** target and renamed into place, so no half-written file is ever left; an
** existing file is replaced only with --force.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lauxlib.h"
#include "lualib.h"
#include "lua/bridge.h"
#include "lua/json.h"
#include "sim/cli/cli.h"
#include "sim/embedded.h"

#define CONVERTER "lua/convert/gmf2lua.lua"
#define MSGLEN 4096      /* a message from the sandbox or the converter */
#define ERRLEN 16384     /* a message naming a path and a checked message (2 * MSGLEN) */

static const char USAGE[] =
  "usage: vitae convert FILE.json|DIR [-o OUT] [--force] [-q]\n"
  "\n"
  "Convert Synthea GMF JSON modules to vitae Lua modules that give the same\n"
  "rows for the same seed.  Remarks become comments; states follow the\n"
  "pathway from Initial; the prelude's helpers are used where they are exact.\n"
  "\n"
  "  FILE.json        without -o, print the Lua module on standard output;\n"
  "                   with -o, write OUT/FILE.lua (or OUT itself if it ends in .lua)\n"
  "  DIR              convert every .json below DIR into OUT (required), keeping\n"
  "                   the layout (submodule folders); the CSV files of lookup_tables/\n"
  "                   folders are copied unchanged\n"
  "\n"
  "options:\n"
  "  -o, --output OUT  folder (or .lua file) to write\n"
  "      --force       replace files that exist (otherwise nothing is written)\n"
  "  -q, --quiet       no line per file and no summary\n"
  "  -h, --help        show this help\n"
  "\n"
  "Details: docs/convert.md.\n";

/* ---- errors and messages ------------------------------------------------- */

static void errorf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("vitae: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* The temporary file being written, removed if the process is interrupted. */
static char tmp_path[4096];
static volatile sig_atomic_t tmp_live;

static void on_interrupt(int sig) {
  if (tmp_live) unlink(tmp_path);
  signal(sig, SIG_DFL);
  raise(sig);
}

/* ---- the converter ------------------------------------------------------ */

typedef struct converter {
  lua_State *L;    /* plain state running gmf2lua.lua */
  int fn;          /* registry reference of its convert function */
  vt_lua *vl;      /* the module sandbox, for the final check */
} converter;

/* vt_embedded(path) -> the text of a file compiled into the binary, or nil. */
static int l_embedded(lua_State *L) {
  const char *text = vt_embedded_get(luaL_checkstring(L, 1));
  if (text) lua_pushstring(L, text); else lua_pushnil(L);
  return 1;
}

static void converter_close(converter *c) {
  if (c->L) lua_close(c->L);
  vt_lua_free(c->vl);
  memset(c, 0, sizeof *c);
}

/* Set up the converter state and the sandbox.  0, or -1 with err. */
static int converter_open(converter *c, char *err, size_t errlen) {
  memset(c, 0, sizeof *c);
  const char *src = vt_embedded_get(CONVERTER);
  if (!src) { snprintf(err, errlen, "%s is missing from this build", CONVERTER); return -1; }
  if (!(c->L = luaL_newstate())) { snprintf(err, errlen, "cannot create a Lua state"); return -1; }
  lua_State *L = c->L;
  luaL_openlibs(L);
  lua_pushcfunction(L, l_embedded);
  lua_setglobal(L, "vt_embedded");
  if (luaL_loadbufferx(L, src, strlen(src), "@" CONVERTER, "t") != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
    snprintf(err, errlen, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "cannot load the converter");
    converter_close(c);
    return -1;
  }
  if (!lua_isfunction(L, -1)) {
    snprintf(err, errlen, "%s does not return a function", CONVERTER);
    converter_close(c);
    return -1;
  }
  c->fn = luaL_ref(L, LUA_REGISTRYINDEX);
  if (!(c->vl = vt_lua_new(NULL, NULL, err, errlen))) { converter_close(c); return -1; }
  return 0;
}

/* Append to a path being built for messages: ".key" or "[i]". */
static void path_push(lua_State *L, int key, char *path, size_t cap) {
  size_t n = strlen(path);
  if (lua_type(L, key) == LUA_TSTRING) snprintf(path + n, cap - n, ".%s", lua_tostring(L, key));
  else if (lua_isinteger(L, key)) snprintf(path + n, cap - n, "[%lld]", (long long)lua_tointeger(L, key));
  else snprintf(path + n, cap - n, ".<%s>", luaL_typename(L, key));
}

/* Deep equality of the values at a (the converted module) and b (the
** expected one), with raw access; numbers by value, so 1 == 1.0.  `depth` counts tables from the module table (0); the key
** "line" of a state (depth 2, below "states") is not compared.  Returns 1 if
** equal, else 0 with `path` naming the first difference. */
static int same_value(lua_State *L, int a, int b, int depth, int in_states, char *path, size_t cap) {
  a = lua_absindex(L, a);
  b = lua_absindex(L, b);
  vt_lua_unview(L, a);   /* the prelude's shared conditions are read-only views */
  vt_lua_unview(L, b);
  int ta = lua_type(L, a), tb = lua_type(L, b);
  if (ta != tb) return 0;
  if (ta != LUA_TTABLE) return ta == LUA_TNIL || (ta != LUA_TFUNCTION && lua_rawequal(L, a, b));
  if (!lua_checkstack(L, 6)) return 0;
  size_t mark = strlen(path);
  int skip_line = depth == 2 && in_states;
  /* every key of a is in b with the same value */
  lua_pushnil(L);
  while (lua_next(L, a)) {
    int k = lua_absindex(L, -2), v = lua_absindex(L, -1);
    if (skip_line && lua_type(L, k) == LUA_TSTRING && strcmp(lua_tostring(L, k), "line") == 0) { lua_pop(L, 1); continue; }
    path_push(L, k, path, cap);
    lua_pushvalue(L, k);
    if (lua_rawget(L, b) == LUA_TNIL) {
      strncat(path, " (only in the Lua)", cap - strlen(path) - 1);
      lua_pop(L, 3);
      return 0;
    }
    int sub_states = depth == 0 && lua_type(L, k) == LUA_TSTRING && strcmp(lua_tostring(L, k), "states") == 0;
    if (!same_value(L, v, -1, depth + 1, sub_states || (in_states && depth == 1), path, cap)) { lua_pop(L, 3); return 0; }
    path[mark] = 0;
    lua_pop(L, 2);
  }
  /* and b has no key a lacks */
  lua_pushnil(L);
  while (lua_next(L, b)) {
    int k = lua_absindex(L, -2);
    lua_pushvalue(L, k);
    int absent = lua_rawget(L, a) == LUA_TNIL;
    lua_pop(L, 2);
    if (absent && !(skip_line && lua_type(L, k) == LUA_TSTRING && strcmp(lua_tostring(L, k), "line") == 0)) {
      path_push(L, k, path, cap);
      strncat(path, " (missing from the Lua)", cap - strlen(path) - 1);
      lua_pop(L, 1);
      return 0;
    }
  }
  return 1;
}

/* The final check: `text` loaded in the module sandbox gives the same table
** as `expected`.  0, or -1 with err. */
static int check_in_sandbox(converter *c, const char *name, const char *text, size_t len,
                            const char *expected, size_t elen, char *err, size_t errlen) {
  lua_State *L = c->vl->L;
  int top = lua_gettop(L);
  char msg[MSGLEN];
  if (vt_lua_load_string(c->vl, text, len, name, msg, sizeof msg) != 0) {
    snprintf(err, errlen, "the converted module does not load: %s", msg);
    return -1;
  }
  if (vt_lua_load_string(c->vl, expected, elen, "expected", msg, sizeof msg) != 0) {
    lua_settop(L, top);
    snprintf(err, errlen, "internal error: %s", msg);
    return -1;
  }
  char path[1024] = "module";
  int same = same_value(L, -2, -1, 0, 0, path, sizeof path);
  lua_settop(L, top);
  if (!same) {
    snprintf(err, errlen, "internal error: the converted module differs from the JSON at %s", path);
    return -1;
  }
  return 0;
}

typedef struct result {
  char *text;      /* the Lua module (malloc) */
  size_t len;
  int states, plain, raw, dropped;
} result;

/* Integer field of the table at the top of L, 0 if absent. */
static int info_int(lua_State *L, const char *key) {
  lua_getfield(L, -1, key);
  int v = (int)lua_tointeger(L, -1);
  lua_pop(L, 1);
  return v;
}

/* Convert the JSON module `path`, named `source` in the output's header;
** `name` names the Lua in messages.  0 with *r filled, or -1 with err
** "PATH: message". */
static int convert_file(converter *c, const char *path, const char *source, const char *name,
                        result *r, char *err, size_t errlen) {
  lua_State *L = c->L;
  memset(r, 0, sizeof *r);
  int top = lua_gettop(L);
  char msg[2 * MSGLEN];
  lua_rawgeti(L, LUA_REGISTRYINDEX, c->fn);
  if (vt_json_push_file(L, path, err, errlen) != 0) { lua_settop(L, top); return -1; }
  lua_pushstring(L, source);
  if (lua_pcall(L, 2, 3, 0) != LUA_OK) {
    snprintf(err, errlen, "%s: %s", path, lua_tostring(L, -1) ? lua_tostring(L, -1) : "conversion failed");
    lua_settop(L, top);
    lua_gc(L, LUA_GCCOLLECT);
    return -1;
  }
  size_t len, elen;
  const char *text = lua_tolstring(L, -3, &len);
  const char *expected = lua_tolstring(L, -2, &elen);
  if (!text || !expected || !lua_istable(L, -1)) {
    snprintf(err, errlen, "%s: internal error: the converter returned no text", path);
    lua_settop(L, top);
    return -1;
  }
  r->states = info_int(L, "states");
  r->plain = info_int(L, "plain");
  r->raw = info_int(L, "raw");
  lua_getfield(L, -1, "dropped");
  r->dropped = lua_istable(L, -1) ? (int)lua_rawlen(L, -1) : 0;
  lua_pop(L, 1);
  if (check_in_sandbox(c, name, text, len, expected, elen, msg, sizeof msg) != 0) {
    snprintf(err, errlen, "%s: %s", path, msg);
    lua_settop(L, top);
    return -1;
  }
  if (!(r->text = malloc(len + 1))) {
    snprintf(err, errlen, "out of memory");
    lua_settop(L, top);
    return -1;
  }
  memcpy(r->text, text, len + 1);
  r->len = len;
  lua_settop(L, top);
  lua_gc(L, LUA_GCCOLLECT);
  lua_gc(c->vl->L, LUA_GCCOLLECT);
  return 0;
}

/* ---- files -------------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* mkdir -p of the folder part of `file`.  0, or -1 with err. */
static int make_parents(const char *file, char *err, size_t errlen) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", file) >= (int)sizeof buf) { snprintf(err, errlen, "%s: path too long", file); return -1; }
  char *slash = strrchr(buf, '/');
  if (!slash || slash == buf) return 0;
  *slash = 0;
  for (char *p = buf + 1; ; p++) {
    if (*p == '/' || *p == 0) {
      char saved = *p;
      *p = 0;
      if (mkdir(buf, 0777) != 0 && errno != EEXIST) { snprintf(err, errlen, "%s: %s", buf, strerror(errno)); return -1; }
      if (!is_dir(buf)) { snprintf(err, errlen, "%s: not a folder", buf); return -1; }
      *p = saved;
      if (!saved) break;
    }
  }
  return 0;
}

static mode_t file_mode(void) {
  mode_t m = umask(0);
  umask(m);
  return 0666 & ~m;
}

/* Write `len` bytes (or, with src_path, the contents of that file) to
** `dst` through a temporary file renamed into place.  Without `force` an
** existing dst is not replaced.  0, or -1 with err; nothing is left behind
** on failure. */
static int write_atomic(const char *dst, const char *data, size_t len, const char *src_path, int force,
                        char *err, size_t errlen) {
  struct stat st;
  if (lstat(dst, &st) == 0) {
    if (S_ISDIR(st.st_mode)) { snprintf(err, errlen, "%s is a folder; not replacing it", dst); return -1; }
    if (!force) { snprintf(err, errlen, "%s exists; not replacing it (use --force)", dst); return -1; }
  }
  if (make_parents(dst, err, errlen) != 0) return -1;
  if (snprintf(tmp_path, sizeof tmp_path, "%s.partial-XXXXXX", dst) >= (int)sizeof tmp_path) {
    snprintf(err, errlen, "%s: path too long", dst);
    return -1;
  }
  int fd = mkstemp(tmp_path);
  if (fd < 0) { snprintf(err, errlen, "%s: cannot create a file here: %s", dst, strerror(errno)); return -1; }
  tmp_live = 1;
  int ok = fchmod(fd, file_mode()) == 0;
  FILE *in = NULL;
  if (ok && src_path) {
    if (!(in = fopen(src_path, "rb"))) {
      snprintf(err, errlen, "%s: %s", src_path, strerror(errno));
      ok = 0;
    }
  }
  char buf[65536];
  while (ok) {
    const char *p = data;
    size_t n = len;
    if (in) {
      n = fread(buf, 1, sizeof buf, in);
      if (n == 0) {
        if (ferror(in)) { snprintf(err, errlen, "%s: read error", src_path); ok = 0; }
        break;
      }
      p = buf;
    }
    while (n > 0) {
      ssize_t w = write(fd, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        snprintf(err, errlen, "%s: %s", dst, strerror(errno));
        ok = 0;
        break;
      }
      p += w;
      n -= (size_t)w;
    }
    if (!in) break;
  }
  if (in) fclose(in);
  if (close(fd) != 0 && ok) { snprintf(err, errlen, "%s: %s", dst, strerror(errno)); ok = 0; }
  if (ok && !force && lstat(dst, &st) == 0) {   /* appeared meanwhile */
    snprintf(err, errlen, "%s exists; not replacing it (use --force)", dst);
    ok = 0;
  }
  if (ok && rename(tmp_path, dst) != 0) { snprintf(err, errlen, "%s: %s", dst, strerror(errno)); ok = 0; }
  if (!ok) unlink(tmp_path);
  tmp_live = 0;
  return ok ? 0 : -1;
}

/* ---- the jobs of a conversion ---------------------------------------------- */

typedef struct job {
  char *src, *dst, *rel;   /* rel: path below the input, for messages and headers */
  int is_table;            /* a lookup table copied as it is */
} job;

typedef struct jobs {
  job *v;
  int n, cap;
  int skipped;             /* other files, not converted */
} jobs;

static void jobs_free(jobs *js) {
  for (int i = 0; i < js->n; i++) { free(js->v[i].src); free(js->v[i].dst); free(js->v[i].rel); }
  free(js->v);
  memset(js, 0, sizeof *js);
}

static int jobs_add(jobs *js, const char *src, const char *dst, const char *rel, int is_table) {
  if (js->n == js->cap) {
    int cap = js->cap ? js->cap * 2 : 64;
    job *v = realloc(js->v, sizeof *v * (size_t)cap);
    if (!v) return -1;
    js->v = v;
    js->cap = cap;
  }
  job *j = &js->v[js->n];
  j->src = strdup(src); j->dst = strdup(dst); j->rel = strdup(rel);
  j->is_table = is_table;
  if (!j->src || !j->dst || !j->rel) { free(j->src); free(j->dst); free(j->rel); return -1; }
  js->n++;
  return 0;
}

static int cmp_names(const struct dirent **a, const struct dirent **b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

/* Collect the jobs of folder `dir` (relative path `rel` below the input,
** "" at the top) into js, in name order.  `skip` is the output folder's
** identity, not entered when it lies inside the input.  0, or -1 with err. */
static int collect(jobs *js, const char *dir, const char *rel, const char *out, const struct stat *skip,
                   char *err, size_t errlen) {
  struct dirent **names;
  int n = scandir(dir, &names, NULL, cmp_names);
  if (n < 0) { snprintf(err, errlen, "%s: %s", dir, strerror(errno)); return -1; }
  int rc = 0;
  const char *base = strrchr(dir, '/');
  int in_tables = strcmp(base ? base + 1 : dir, "lookup_tables") == 0;
  for (int i = 0; i < n; i++) {
    const char *name = names[i]->d_name;
    if (rc == 0 && name[0] != '.') {
      char src[4096], sub[4096], dst[4096];
      int a = snprintf(src, sizeof src, "%s/%s", dir, name);
      int b = snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", name);
      struct stat st;
      if (a >= (int)sizeof src || b >= (int)sizeof sub) {
        snprintf(err, errlen, "%s/%s: path too long", dir, name);
        rc = -1;
      } else if (stat(src, &st) != 0) {
        snprintf(err, errlen, "%s: %s", src, strerror(errno));
        rc = -1;
      } else if (S_ISDIR(st.st_mode)) {
        if (!(skip && st.st_dev == skip->st_dev && st.st_ino == skip->st_ino))
          rc = collect(js, src, sub, out, skip, err, errlen);
      } else if (S_ISREG(st.st_mode) && ends_with(name, ".json")) {
        if ((size_t)snprintf(dst, sizeof dst, "%s/%.*s.lua", out, (int)(strlen(sub) - 5), sub) >= sizeof dst) {
          snprintf(err, errlen, "%s: the output path is too long", src); rc = -1;
        } else if (jobs_add(js, src, dst, sub, 0) != 0) { snprintf(err, errlen, "out of memory"); rc = -1; }
      } else if (S_ISREG(st.st_mode) && in_tables && ends_with(name, ".csv")) {
        if ((size_t)snprintf(dst, sizeof dst, "%s/%s", out, sub) >= sizeof dst) {
          snprintf(err, errlen, "%s: the output path is too long", src); rc = -1;
        } else if (jobs_add(js, src, dst, sub, 1) != 0) { snprintf(err, errlen, "out of memory"); rc = -1; }
      } else {
        js->skipped++;
      }
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

/* ---- the command -------------------------------------------------------- */

typedef struct options {
  const char *input, *output;
  int force, quiet;
} options;

/* Parse the arguments.  Returns 0, 1 for --help, or -1 (message printed). */
static int parse_args(int argc, char **argv, options *o) {
  memset(o, 0, sizeof *o);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) return 1;
    if (strcmp(a, "--force") == 0) o->force = 1;
    else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) o->quiet = 1;
    else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
      if (i + 1 >= argc) { errorf("convert: %s needs a folder or file", a); return -1; }
      o->output = argv[++i];
    } else if (strncmp(a, "--output=", 9) == 0) o->output = a + 9;
    else if (strncmp(a, "-o", 2) == 0) o->output = a + 2;
    else if (a[0] == '-' && a[1] != 0) { errorf("convert: unknown option '%s'", a); return -1; }
    else if (o->input) { errorf("convert: one input at a time ('%s' and '%s')", o->input, a); return -1; }
    else o->input = a;
  }
  if (!o->input) { errorf("convert: which module? vitae convert FILE.json|DIR [-o OUT]"); return -1; }
  if (o->output && !*o->output) { errorf("convert: -o needs a folder or file"); return -1; }
  return 0;
}

/* The last component of a path. */
static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

/* Print one progress line for a converted module. */
static void report(const job *j, const result *r) {
  printf("%s -> %s (%d state%s", j->rel, j->dst, r->states, r->states == 1 ? "" : "s");
  if (r->plain + r->raw > 0) printf(", %d as plain GMF tables", r->plain + r->raw);
  if (r->dropped > 0) printf(", %d field%s vitae does not read left out", r->dropped, r->dropped == 1 ? "" : "s");
  printf(")\n");
}

int vt_cmd_convert(int argc, char **argv) {
  options o;
  int pr = parse_args(argc, argv, &o);
  if (pr == 1) { fputs(USAGE, stdout); return VT_EXIT_OK; }
  if (pr < 0) { fputs("(vitae convert --help shows the usage)\n", stderr); return VT_EXIT_USAGE; }

  struct stat in_st;
  if (stat(o.input, &in_st) != 0) { errorf("%s: %s", o.input, strerror(errno)); return VT_EXIT_FAIL; }
  int dir_mode = S_ISDIR(in_st.st_mode);
  if (dir_mode && !o.output) {
    errorf("convert: converting a folder needs -o OUTDIR");
    return VT_EXIT_USAGE;
  }
  if (!dir_mode && !S_ISREG(in_st.st_mode)) { errorf("%s: not a file or folder", o.input); return VT_EXIT_FAIL; }

  char err[ERRLEN];
  jobs js = { 0 };
  int rc = VT_EXIT_OK;
  if (dir_mode) {
    char out[4096];
    size_t ol = strlen(o.output);
    while (ol > 1 && o.output[ol - 1] == '/') ol--;
    snprintf(out, sizeof out, "%.*s", (int)ol, o.output);
    struct stat out_st;
    int have_out = stat(out, &out_st) == 0;
    if (have_out && !S_ISDIR(out_st.st_mode)) { errorf("%s exists and is not a folder", out); return VT_EXIT_FAIL; }
    if (have_out && out_st.st_dev == in_st.st_dev && out_st.st_ino == in_st.st_ino) {
      errorf("convert: the output folder is the input folder");
      return VT_EXIT_USAGE;
    }
    char in[4096];
    size_t il = strlen(o.input);
    while (il > 1 && o.input[il - 1] == '/') il--;
    snprintf(in, sizeof in, "%.*s", (int)il, o.input);
    if (collect(&js, in, "", out, have_out ? &out_st : NULL, err, sizeof err) != 0) {
      errorf("%s", err);
      jobs_free(&js);
      return VT_EXIT_FAIL;
    }
    int nmod = 0;
    for (int i = 0; i < js.n; i++) nmod += !js.v[i].is_table;
    if (nmod == 0) { errorf("%s: no GMF modules (*.json) in this folder", in); jobs_free(&js); return VT_EXIT_FAIL; }
  } else {
    char dst[4096];
    const char *b = base_name(o.input);
    size_t stem = ends_with(b, ".json") ? strlen(b) - 5 : strlen(b);
    if (!o.output) dst[0] = 0;
    else if (ends_with(o.output, ".lua") && !is_dir(o.output)) snprintf(dst, sizeof dst, "%s", o.output);
    else snprintf(dst, sizeof dst, "%s%s%.*s.lua", o.output, ends_with(o.output, "/") ? "" : "/", (int)stem, b);
    if (jobs_add(&js, o.input, dst, b, 0) != 0) { errorf("out of memory"); return VT_EXIT_FAIL; }
  }

  /* refuse before writing anything if a target exists */
  if (!o.force && (dir_mode || o.output)) {
    int clashes = 0;
    for (int i = 0; i < js.n; i++) {
      struct stat st;
      if (lstat(js.v[i].dst, &st) == 0) {
        if (clashes < 5) errorf("%s exists; not replacing it (use --force)", js.v[i].dst);
        clashes++;
      }
    }
    if (clashes) {
      if (clashes > 5) errorf("... and %d more files that exist", clashes - 5);
      errorf("nothing was written");
      jobs_free(&js);
      return VT_EXIT_FAIL;
    }
  }

  converter c;
  if (converter_open(&c, err, sizeof err) != 0) {
    errorf("convert: %s", err);
    jobs_free(&js);
    return VT_EXIT_FAIL;
  }
  void (*old_int)(int) = signal(SIGINT, on_interrupt);
  void (*old_term)(int) = signal(SIGTERM, on_interrupt);
  int converted = 0, copied = 0, failed = 0;
  for (int i = 0; i < js.n; i++) {
    job *j = &js.v[i];
    if (j->is_table) {
      if (write_atomic(j->dst, NULL, 0, j->src, o.force, err, sizeof err) != 0) { errorf("%s", err); failed++; }
      else copied++;
      continue;
    }
    result r;
    if (convert_file(&c, j->src, base_name(j->src), *j->dst ? j->dst : j->rel, &r, err, sizeof err) != 0) {
      errorf("%s", err);
      failed++;
      continue;
    }
    if (!*j->dst) {   /* one file to standard output */
      if (fwrite(r.text, 1, r.len, stdout) != r.len || fflush(stdout) != 0) {
        errorf("standard output: %s", strerror(errno));
        failed++;
      } else converted++;
    } else if (write_atomic(j->dst, r.text, r.len, NULL, o.force, err, sizeof err) != 0) {
      errorf("%s", err);
      failed++;
    } else {
      converted++;
      if (!o.quiet) report(j, &r);
    }
    free(r.text);
  }
  signal(SIGINT, old_int);
  signal(SIGTERM, old_term);
  converter_close(&c);
  if (!o.quiet && (dir_mode || o.output)) {
    printf("converted %d module%s, copied %d lookup table%s", converted, converted == 1 ? "" : "s",
           copied, copied == 1 ? "" : "s");
    if (failed) printf(", %d failed", failed);
    if (js.skipped) printf(" (%d other file%s not converted)", js.skipped, js.skipped == 1 ? "" : "s");
    printf("\n");
  }
  if (fflush(stdout) != 0) { errorf("standard output: %s", strerror(errno)); rc = VT_EXIT_FAIL; }
  if (failed) rc = VT_EXIT_FAIL;
  jobs_free(&js);
  return rc;
}
