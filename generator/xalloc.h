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

#endif
