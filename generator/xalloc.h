/* SPDX-License-Identifier: MIT
 * xalloc.h - allocation that never returns NULL: out of memory prints
 * "clinfolio: out of memory" and aborts (as cmark and blogc do). */
#ifndef CLINFOLIO_XALLOC_H
#define CLINFOLIO_XALLOC_H

#include <stddef.h>
#include <stdlib.h>

/* Prints "clinfolio: out of memory" and aborts: for allocators of their own (arena.c). */
_Noreturn void xalloc_oom(void);

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);

/* The room an array of elem-byte items grows to from room for cap of them: twice as many
 * (first when cap is 0); aborts as out of memory when that many bytes would not fit in a
 * size_t. The one growth rule of the program's arrays (xgrow(), arena_grow()). */
size_t xgrow_cap(size_t cap, size_t elem, size_t first);
/* items (len of them used, room for *cap, each elem bytes) with room for one more: as they
 * are while len < *cap, else reallocated to xgrow_cap()'s room, *cap updated. An append:
 * `items = xgrow(items, n, &cap, sizeof *items, 16); items[n++] = item;`. */
void *xgrow(void *items, size_t len, size_t *cap, size_t elem, size_t first);

#endif
