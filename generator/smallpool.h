/* SPDX-License-Identifier: MIT
 * smallpool.h - a free-list allocator of small blocks for one Lua state (plugin.c): Lua
 * makes and drops millions of small strings and tables while the plugins draw their
 * charts, and glibc's malloc and free (with its bin consolidation) took about a seventh
 * of the plugins pass. Blocks up to SMALLPOOL_MAX bytes come from 64 KiB slabs, one free
 * list per 16-byte size class; larger ones from malloc. Memory goes back to the system
 * only when the pool is freed. Not thread-safe: one pool per Lua state, which one thread
 * at a time uses. */
#ifndef CLINFOLIO_SMALLPOOL_H
#define CLINFOLIO_SMALLPOOL_H

#include <stddef.h>

#define SMALLPOOL_MAX 256

typedef struct smallpool smallpool;

smallpool *smallpool_new(void);
/* Frees every slab: every block from the pool is gone. */
void smallpool_free(smallpool *p);

/* lua_Alloc's contract: ptr (NULL, or a block of osize bytes from this pool) resized to
 * nsize bytes, the first min(osize, nsize) kept; nsize 0 frees ptr and returns NULL.
 * NULL when memory runs out (ptr then still holds its block). */
void *smallpool_realloc(smallpool *p, void *ptr, size_t osize, size_t nsize);

#endif
