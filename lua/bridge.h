/*
** bridge.h -- the C <-> Lua bridge: one sandboxed Lua state per worker.
**
** vt_lua owns a lua_State whose allocator enforces a memory cap and whose
** count hook enforces an instruction budget per call.  Modules are loaded
** as text only, each into a fresh _ENV whose read-only __index holds the
** safe globals, the prelude's helpers (lua/vitae/prelude.lua) and param().
** Function-valued slots of modules are kept in the registry and called with
** a read-only patient proxy (documented in docs/module-format.md).
*/
#ifndef VT_BRIDGE_H
#define VT_BRIDGE_H

#include <stddef.h>
#include "lua.h"
#include "sim/model.h"

struct vt_patient;
struct vt_params;
struct vt_param_list;

typedef struct vt_lua_limits {
  size_t memory;            /* bytes per Lua state (default 256 MiB) */
  long long instructions;   /* per call into module code (default 20 million) */
  long long load_instructions; /* for running a module file (default 200 million) */
  double patient_seconds;   /* module code's time per patient (default 5 s); 0 = no limit */
} vt_lua_limits;

typedef struct vt_lua {
  lua_State *L;
  size_t mem_used, mem_limit;
  int mem_grace;            /* the cap was hit: allow a little more to report it */
  long long budget;         /* instructions left in this call */
  int limit_hit;            /* 0, or VT_LIMIT_INSTRUCTIONS / VT_LIMIT_MEMORY */
  char mem_where[256];      /* "file:line" of the Lua code that hit the memory cap */
  vt_lua_limits limits;
  struct vt_patient *patient;   /* patient of the current call, NULL at load time */
  struct vt_params *params;
  int param_type_error;     /* a param() found a --params value of another type than its default */
  struct vt_param_list *record; /* while a module loads: where param() calls are recorded, else NULL */
  const char *record_module, *record_file;  /* the module loading: its path and file */
  int base_ref;             /* registry: the shared, read-only globals table */
  _Atomic long long call_start_ns; /* monotonic start of the call running now, 0 if none */
  _Atomic int hooked;       /* the count hook is installed */
  unsigned long thread;     /* pthread_t of the thread in the call */
  struct vt_lua *next_live; /* watchdog registry */
  int proxy_ref;            /* registry: the patient proxy userdata */
  int owned_ref;            /* registry: set of the objects the prelude owns */
  int restore_ref;          /* registry: what vt_lua_patient_begin puts back */
  int nrestore;             /* entries in it */
  _Atomic long long patient_ns; /* time spent in module code for the current patient (the watchdog reads it) */
  long long patient_ns_limit; /* limits.patient_seconds in ns */
  size_t copied;            /* bytes copied out of Lua for the current patient */
  int checking;             /* vitae check is loading: the prelude leaves the
                            ** checks of a whole module to the loader, which
                            ** reports each state at its line (lua/check.h) */
} vt_lua;

enum { VT_LIMIT_INSTRUCTIONS = 1, VT_LIMIT_MEMORY = 2, VT_LIMIT_TIME = 4 };

/* Limits: the count hook makes every Lua instruction trap, so it is on
** while module files load (runaway code at load time stops
** deterministically) but at run time it is armed only when a call has run
** for more than VT_LUA_WATCH_MS: a watchdog thread signals the worker and
** the handler installs the hook on the worker's own state (lua_sethook is
** safe to call from a signal handler).  From then on the call has the
** instruction budget; pcall cannot catch the error. */
#define VT_LUA_WATCH_MS 50
/* Default time module code may run for one patient, in seconds (a lifetime
** of an ordinary module set takes about a millisecond). */
#define VT_LUA_PATIENT_SECONDS 5.0

/* Memory: the cap `memory` covers the Lua state's heap and, for the current
** patient, the strings the engine copies out of Lua (vt_lua_call_value), so
** module code cannot make the engine hold more than the cap either.
** Time: a patient's calls into module code may take `patient_seconds` in
** all; past it the call stops with an error (checked when a call returns,
** and during a call once the watchdog has armed the count hook). */

/* Default limits. */
void vt_lua_default_limits(vt_lua_limits *l);
/* A new sandboxed state with the prelude loaded.  NULL and err on failure. */
vt_lua *vt_lua_new(const vt_lua_limits *limits, struct vt_params *params, char *err, size_t errlen);
void vt_lua_free(vt_lua *vl);
/* Load and run the module file `path` (text only, fresh _ENV); on success the
** value it returned is left on the stack and 0 is returned; on failure -1 and
** err "path:line: message". */
int vt_lua_load_file(vt_lua *vl, const char *path, char *err, size_t errlen);
/* Load and run Lua source held in memory under the chunk name `name` (used
** by tests and by embedded modules); same contract as vt_lua_load_file. */
int vt_lua_load_string(vt_lua *vl, const char *src, size_t len, const char *name, char *err, size_t errlen);

/* Call the registry function `fn` with the patient proxy.  Each returns 0 with
** the result, or -1 with err "file:line: message". */
int vt_lua_call_bool(vt_lua *vl, int fn, struct vt_patient *p, int *out, char *err, size_t errlen);
int vt_lua_call_number(vt_lua *vl, int fn, struct vt_patient *p, double *out, char *err, size_t errlen);
/* Strings are copied into the patient's record arena. */
int vt_lua_call_value(vt_lua *vl, int fn, struct vt_patient *p, vt_value *out, char *err, size_t errlen);

/* If the value at index i is a read-only view (a table the prelude shares, or
** a module's table sealed after loading), replace it by the table holding its
** contents and return 1; else leave it and return 0.  The loader reads module
** tables raw and goes through this. */
int vt_lua_unview(lua_State *L, int i);

/* Make a loaded Lua module unable to carry state from one patient to the
** next.  `refs` are the registry references of the module's function slots,
** the only way back into its code.  Every table those functions can reach
** (upvalues, globals, nested tables), apart from what the prelude owns, is
** sealed read-only in place; metatables among them, and every upvalue of
** the module's closures, are recorded and put back to their load-time
** values at the start of every patient (vt_lua_patient_begin).  A C
** function with state of its own (an iterator made at load time) is refused.
** Returns 0, or -1 with err "file:line: message" (file is `file`). */
int vt_lua_seal(vt_lua *vl, const int *refs, int n, const char *file, char *err, size_t errlen);

/* Start a new patient: module state back to its load-time values, the
** patient's time budget and copy budget reset. */
void vt_lua_patient_begin(vt_lua *vl);

/* Source line where the function `fn` is defined (0 if unknown). */
int vt_lua_fn_line(vt_lua *vl, int fn);

#endif
