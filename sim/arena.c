/*
** arena.c -- bump allocation in chained blocks.
*/
#include "arena.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct block { struct block *next; size_t used, cap; } block;
struct vt_arena { block *head; };

#define BLOCK_DATA(b) ((char *)(b) + ((sizeof(block) + 15) & ~(size_t)15))

vt_arena *vt_arena_new(void) {
  vt_arena *a = calloc(1, sizeof *a);
  if (!a) { fprintf(stderr, "vitae: out of memory\n"); abort(); }
  return a;
}

void vt_arena_free(vt_arena *a) {
  if (!a) return;
  for (block *b = a->head, *n; b; b = n) { n = b->next; free(b); }
  free(a);
}

void *vt_arena_alloc(vt_arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (n == 0) n = 16;
  block *b = a->head;
  if (!b || b->used + n > b->cap) {
    size_t cap = n > 16384 ? n : 16384;
    b = malloc(((sizeof(block) + 15) & ~(size_t)15) + cap);
    if (!b) { fprintf(stderr, "vitae: out of memory\n"); abort(); }
    b->used = 0; b->cap = cap; b->next = a->head; a->head = b;
  }
  void *p = BLOCK_DATA(b) + b->used;
  b->used += n;
  memset(p, 0, n);
  return p;
}

char *vt_arena_strdup(vt_arena *a, const char *s) {
  size_t n = strlen(s) + 1;
  char *d = vt_arena_alloc(a, n);
  memcpy(d, s, n);
  return d;
}
