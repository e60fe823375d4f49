/*
** arena.h -- a bump allocator for data that lives as long as its owner
** (a loaded module's states, codes and strings).  Freed all at once.
*/
#ifndef VT_ARENA_H
#define VT_ARENA_H
#include <stddef.h>

typedef struct vt_arena vt_arena;

vt_arena *vt_arena_new(void);
void vt_arena_free(vt_arena *a);
/* Zeroed, 16-byte aligned memory; aborts the process on out-of-memory. */
void *vt_arena_alloc(vt_arena *a, size_t n);
char *vt_arena_strdup(vt_arena *a, const char *s);
#endif
