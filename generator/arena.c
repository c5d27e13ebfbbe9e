/* SPDX-License-Identifier: MIT
 * arena.c - bump allocator over a chain of malloc'd blocks. */
#include "arena.h"

#include "xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define BLOCK_SIZE (64 * 1024)
#define ALIGN      16

typedef struct block {
    struct block *next;
    size_t size, used;
    _Alignas(ALIGN) unsigned char data[];
} block;

struct arena {
    block *head; /* current block; older ones follow through ->next */
    size_t total;
};

arena *
arena_new(void)
{
    return xcalloc(1, sizeof(arena));
}

static void
free_blocks(block *b)
{
    while (b) {
        block *next = b->next;
        free(b);
        b = next;
    }
}

void
arena_free(arena *a)
{
    if (!a)
        return;
    free_blocks(a->head);
    free(a);
}

void
arena_reset(arena *a)
{
    if (!a->head)
        return;
    /* keep only the oldest block and reuse it; free the rest */
    block *b = a->head;
    while (b->next) {
        block *next = b->next;
        free(b);
        b = next;
    }
    a->head = b;
    b->used = 0;
    a->total = 0;
}

void *
arena_alloc(arena *a, size_t size)
{
    size = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (size == 0)
        size = ALIGN;
    block *b = a->head;
    if (!b || b->size - b->used < size) {
        if (size > BLOCK_SIZE / 4 && b) {
            /* a big allocation gets its own block behind the current one, so the
             * free space of the current block is not wasted */
            block *big = xmalloc(sizeof(block) + size);
            big->size = big->used = size;
            big->next = b->next;
            b->next = big;
            a->total += size;
            return big->data;
        }
        size_t bsize = size > BLOCK_SIZE ? size : BLOCK_SIZE;
        block *nb = xmalloc(sizeof(block) + bsize);
        nb->size = bsize;
        nb->used = 0;
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += size;
    a->total += size;
    return p;
}

void *
arena_zalloc(arena *a, size_t size)
{
    void *p = arena_alloc(a, size);
    memset(p, 0, size);
    return p;
}

char *
arena_strndup(arena *a, const char *s, size_t len)
{
    char *p = arena_alloc(a, len + 1);
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *
arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

size_t
arena_used(const arena *a)
{
    return a->total;
}
