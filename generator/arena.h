/* SPDX-License-Identifier: MIT
 * arena.h - bump allocator: everything that lives as long as a build (values, pages,
 * compiled templates) is allocated here and freed at once. Not thread-safe: one arena
 * per owner (the build, or one worker's scratch arena), and one thread in it at a time,
 * which assertions check (two threads inside arena_alloc or arena_reset at once). */
#ifndef CLINFOLIO_ARENA_H
#define CLINFOLIO_ARENA_H

#include <stddef.h>

typedef struct arena arena;

/* A new empty arena; free with arena_free(). Aborts on out of memory. */
arena *arena_new(void);
void arena_free(arena *a);

/* Forget every allocation but keep the first block for reuse (per-page scratch). */
void arena_reset(arena *a);

/* Memory aligned for any type, valid until arena_free/arena_reset. Never NULL. */
void *arena_alloc(arena *a, size_t size);
void *arena_zalloc(arena *a, size_t size); /* zero-filled */

/* A NUL-terminated copy of s[0..len) owned by a. */
char *arena_strndup(arena *a, const char *s, size_t len);
char *arena_strdup(arena *a, const char *s);
/* A growable array in a: items (len used of *cap) when there is room for one more,
 * else a copy with xgrow_cap()'s room (twice as many, first when *cap is 0; out of
 * memory when its bytes would wrap) and *cap updated; the old copy is left to the arena.
 * elem is the size of an item. */
void *arena_grow(arena *a, void *items, size_t len, size_t *cap, size_t elem, size_t first);
/* "dir/name" owned by a (without printf: a site's content folder has a path per file). */
char *arena_join(arena *a, const char *dir, const char *name);
/* printf into memory owned by a. */
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Bytes handed out so far (for tests and statistics). */
size_t arena_used(const arena *a);

/* From now on, up to max of the large blocks (2 MiB) that freed arenas give back are
 * kept for the next arenas instead of going back to the system (0, the default: none):
 * for a process that makes its model again and again (serve). Fewer than are kept now
 * returns the rest. Thread-safe. */
void arena_keep_blocks(size_t max);
/* How many are kept now (for tests). */
size_t arena_kept_blocks(void);
/* How many large blocks arenas took (kept or new) since the last call: what a process
 * that keeps them needs for its next model of the same size. */
size_t arena_blocks_taken(void);

#endif
