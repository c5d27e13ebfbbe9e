/* SPDX-License-Identifier: MIT
 * smallpool.c - small blocks from slabs, a free list per size class (see smallpool.h). */
#include "smallpool.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define GRAIN      16 /* size classes: 16, 32, ..., SMALLPOOL_MAX bytes */
#define CLASSES    (SMALLPOOL_MAX / GRAIN)
#define SLAB_BYTES (64 * 1024)

typedef struct slab {
    struct slab *next;
    /* the blocks follow, each GRAIN-aligned: max_align_t's alignment is 16 on x86-64 */
} slab;

#define SLAB_HEAD ((sizeof(slab) + GRAIN - 1) / GRAIN * GRAIN)

struct smallpool {
    void *free[CLASSES]; /* per class, freed blocks, each holding the next one's address */
    char *at, *end;      /* what is left of the newest slab */
    slab *slabs;
};

smallpool *
smallpool_new(void)
{
    return calloc(1, sizeof(smallpool));
}

void
smallpool_free(smallpool *p)
{
    if (!p)
        return;
    for (slab *s = p->slabs, *next; s; s = next) {
        next = s->next;
        free(s);
    }
    free(p);
}

static size_t
class_of(size_t size)
{
    return (size + GRAIN - 1) / GRAIN - 1;
}

static void *
take(smallpool *p, size_t size)
{
    size_t k = class_of(size);
    void *b = p->free[k];
    if (b) {
        memcpy(&p->free[k], b, sizeof(void *));
        return b;
    }
    size_t bytes = (k + 1) * GRAIN;
    if ((size_t)(p->end - p->at) < bytes) {
        slab *s = malloc(SLAB_BYTES);
        if (!s)
            return NULL;
        s->next = p->slabs;
        p->slabs = s;
        p->at = (char *)s + SLAB_HEAD; /* the rest of the old slab stays unused */
        p->end = (char *)s + SLAB_BYTES;
    }
    b = p->at;
    p->at += bytes;
    return b;
}

static void
give_back(smallpool *p, void *b, size_t size)
{
    size_t k = class_of(size);
    memcpy(b, &p->free[k], sizeof(void *));
    p->free[k] = b;
}

void *
smallpool_realloc(smallpool *p, void *ptr, size_t osize, size_t nsize)
{
    size_t old = ptr ? osize : 0;
    bool old_small = ptr && old <= SMALLPOOL_MAX, new_small = nsize <= SMALLPOOL_MAX;
    if (nsize == 0) {
        if (old_small)
            give_back(p, ptr, old);
        else
            free(ptr);
        return NULL;
    }
    if (!ptr)
        return new_small ? take(p, nsize) : malloc(nsize);
    if (old_small && new_small && class_of(old) == class_of(nsize))
        return ptr;
    if (!old_small && !new_small)
        return realloc(ptr, nsize);
    void *b = new_small ? take(p, nsize) : malloc(nsize);
    if (!b)
        return NULL;
    memcpy(b, ptr, old < nsize ? old : nsize);
    if (old_small)
        give_back(p, ptr, old);
    else
        free(ptr);
    return b;
}
