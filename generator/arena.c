/* SPDX-License-Identifier: MIT
 * arena.c - bump allocator over a chain of malloc'd blocks. */
#include "arena.h"

#include "xalloc.h"

#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define BLOCK_SIZE (64 * 1024)
#define ALIGN      16
/* Past BIG_AFTER bytes an arena is one that holds a model (a site's pages, contexts,
 * Markdown): its next blocks are BIG_BLOCK bytes mapped with their pages in place
 * (MAP_POPULATE: one system call instead of a page fault per 4 KiB; at 10,000 pages a
 * build touched 220 MB of fresh memory, 56,000 faults) and already zero. */
#define BIG_AFTER ((size_t)8 << 20)
#define BIG_BLOCK ((size_t)2 << 20)

typedef struct block {
    struct block *next;
    size_t size, used;
    bool mapped; /* mmap'd (BIG_BLOCK); else malloc'd */
    bool clean;  /* its bytes past `used` are zero (a freshly mapped block's) */
    _Alignas(ALIGN) unsigned char data[];
} block;

/* Mapped blocks that freed arenas left for the next ones, when a long-lived process asks
 * for it (arena_keep_blocks()): serve makes its model again for every rebuild, and
 * mapping and populating its memory anew each time was the kernel's part of the rebuild
 * (at 10,000 pages 69 blocks of 2 MiB: keeping them halved serve's kernel time per
 * rebuild, 107-119 to 50-61 ms). */
static struct {
    pthread_mutex_t lock;
    block *head;
    size_t n, max;
    size_t taken; /* blocks map_block() handed out since arena_blocks_taken() */
} spare = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0};

void
arena_keep_blocks(size_t max)
{
    pthread_mutex_lock(&spare.lock);
    spare.max = max;
    while (spare.n > max) { /* fewer wanted now: the rest goes back */
        block *b = spare.head;
        spare.head = b->next;
        spare.n--;
        munmap(b, sizeof(block) + b->size);
    }
    pthread_mutex_unlock(&spare.lock);
}

size_t
arena_blocks_taken(void)
{
    pthread_mutex_lock(&spare.lock);
    size_t n = spare.taken;
    spare.taken = 0;
    pthread_mutex_unlock(&spare.lock);
    return n;
}

size_t
arena_kept_blocks(void)
{
    pthread_mutex_lock(&spare.lock);
    size_t n = spare.n;
    pthread_mutex_unlock(&spare.lock);
    return n;
}

struct arena {
    block *head; /* current block; older ones follow through ->next */
    size_t total;
    atomic_bool busy; /* an allocation or reset is under way (checked by assertions) */
};

/* "An arena has one owner at a time": a second thread entering while the first is inside
 * is a data race between them (a filter on a render thread allocating from the build
 * arena was one). Relaxed on purpose: an acquire/release pair would hide the race from
 * ThreadSanitizer, which sees every such race, not only those that overlap. A load and
 * a store, not an exchange: the exchange's locked bus cycle on every allocation was a
 * tenth of the page-loading time, and two threads entering at the very same instant is
 * all the load and store can miss (ThreadSanitizer still reports that race). */
#define OWNER_ENTER(a)                                                    \
    do {                                                                  \
        assert(!atomic_load_explicit(&(a)->busy, memory_order_relaxed) && \
               "an arena used by two threads at once");                   \
        atomic_store_explicit(&(a)->busy, true, memory_order_relaxed);    \
    } while (0)
#define OWNER_LEAVE(a) atomic_store_explicit(&(a)->busy, false, memory_order_relaxed)

arena *
arena_new(void)
{
    return xcalloc(1, sizeof(arena));
}

static void
free_block(block *b)
{
    if (!b->mapped) {
        free(b);
        return;
    }
    pthread_mutex_lock(&spare.lock);
    bool keep = spare.n < spare.max;
    if (keep) {
        b->next = spare.head;
        spare.head = b;
        spare.n++;
    }
    pthread_mutex_unlock(&spare.lock);
    if (!keep)
        munmap(b, sizeof(block) + b->size);
}

static void
free_blocks(block *b)
{
    while (b) {
        block *next = b->next;
        free_block(b);
        b = next;
    }
}

/* A block of BIG_BLOCK bytes, a kept one or mapped and populated; NULL when the system
 * will not. */
static block *
map_block(void)
{
    pthread_mutex_lock(&spare.lock);
    block *b = spare.head;
    if (b) {
        spare.head = b->next;
        spare.n--;
    }
    spare.taken++; /* also one the system then refuses: a kept block more next time */
    pthread_mutex_unlock(&spare.lock);
    if (b) { /* its bytes are what the last arena left */
        b->used = 0;
        b->clean = false;
        return b;
    }
    void *m = mmap(NULL, sizeof(block) + BIG_BLOCK, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    b = m;
    b->size = BIG_BLOCK;
    b->used = 0;
    b->mapped = true;
    b->clean = true;
    return b;
}

void
arena_free(arena *a)
{
    if (!a)
        return;
    assert(!atomic_load_explicit(&a->busy, memory_order_relaxed));
    free_blocks(a->head);
    free(a);
}

void
arena_reset(arena *a)
{
    if (!a->head)
        return;
    OWNER_ENTER(a);
    /* keep only the oldest block and reuse it; free the rest */
    block *b = a->head;
    while (b->next) {
        block *next = b->next;
        free_block(b);
        b = next;
    }
    a->head = b;
    b->used = 0;
    b->clean = false;
    a->total = 0;
    OWNER_LEAVE(a);
}

/* The rest of alloc(): a's current block has no room for size bytes (rounded). Out of
 * line, so that the common case is a few instructions inlined in arena_alloc() and
 * arena_zalloc() (2.1 million allocations in a one-page edit of 10,000 pages). */
static __attribute__((noinline)) void *
alloc_new_block(arena *a, size_t size, bool *zero)
{
    block *b = a->head;
    if (size > BLOCK_SIZE / 4 && b) {
        /* a big allocation gets its own block behind the current one, so the free space
         * of the current block is not wasted; zeroed by calloc() when asked, which takes
         * fresh pages from the system as they are (a site's page array, 10 MB at 10,000
         * pages: memset() faulted every page in on the main thread, 2.6 ms of a body
         * edit, before the load workers wrote them) */
        block *big = *zero ? xcalloc(1, sizeof(block) + size) : xmalloc(sizeof(block) + size);
        big->size = big->used = size;
        big->mapped = big->clean = false;
        big->next = b->next;
        b->next = big;
        a->total += size;
        return big->data;
    }
    block *nb = a->total >= BIG_AFTER && size <= BIG_BLOCK ? map_block() : NULL;
    if (!nb) {
        size_t bsize = size > BLOCK_SIZE ? size : BLOCK_SIZE;
        nb = xmalloc(sizeof(block) + bsize);
        nb->size = bsize;
        nb->used = 0;
        nb->mapped = nb->clean = false;
    }
    nb->next = b;
    a->head = nb;
    nb->used = size;
    a->total += size;
    *zero = nb->clean;
    return nb->data;
}

/* size bytes of a; *zero, on the way in, whether the caller wants them zero, and on the
 * way out whether they are zero already (a big allocation zeroed as asked, or a freshly
 * mapped block's unused bytes: arena_reset keeps only the first block, a malloc'd one,
 * and a kept block comes back not clean). */
static inline void *
alloc(arena *a, size_t size, bool *zero)
{
    if (size > SIZE_MAX / 2) /* no machine has it; rounding it up would wrap */
        xalloc_oom();
    size = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (size == 0)
        size = ALIGN;
    block *b = a->head;
    if (!b || b->size - b->used < size)
        return alloc_new_block(a, size, zero);
    void *p = b->data + b->used;
    b->used += size;
    a->total += size;
    *zero = b->clean;
    return p;
}

/* alloc() by a's owner (OWNER_ENTER). */
static inline void *
take(arena *a, size_t size, bool *zero)
{
    OWNER_ENTER(a);
    void *p = alloc(a, size, zero);
    OWNER_LEAVE(a);
    return p;
}

void *
arena_alloc(arena *a, size_t size)
{
    bool zero = false;
    return take(a, size, &zero);
}

void *
arena_zalloc(arena *a, size_t size)
{
    bool zero = true;
    void *p = take(a, size, &zero);
    if (!zero)
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
arena_join(arena *a, const char *dir, const char *name)
{
    size_t dir_len = strlen(dir), name_len = strlen(name);
    char *p = arena_alloc(a, dir_len + name_len + 2);
    memcpy(p, dir, dir_len);
    p[dir_len] = '/';
    memcpy(p + dir_len + 1, name, name_len + 1);
    return p;
}

void *
arena_grow(arena *a, void *items, size_t len, size_t *cap, size_t elem, size_t first)
{
    if (len < *cap)
        return items;
    size_t ncap = xgrow_cap(*cap, elem, first);
    void *n = arena_alloc(a, ncap * elem);
    if (len)
        memcpy(n, items, len * elem);
    *cap = ncap;
    return n;
}

char *
arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

/* Whether fmt's only conversions are %s (most of the program's paths and URLs are made
 * so: 40,000 of them when 10,000 pages load, one at a time on the main thread). */
static bool
only_texts(const char *fmt)
{
    for (const char *p = strchr(fmt, '%'); p; p = strchr(p + 2, '%'))
        if (p[1] != 's')
            return false;
    return true;
}

/* A text argument as vsnprintf prints it. */
static const char *
printed(const char *t)
{
    return t ? t : "(null)";
}

/* fmt (only_texts()) with its texts put in. */
static char *
join_texts(arena *a, const char *fmt, va_list ap)
{
    va_list texts;
    va_copy(texts, ap);
    size_t n = 0;
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            n++;
            continue;
        }
        n += strlen(printed(va_arg(texts, const char *)));
        f++; /* the 's' */
    }
    va_end(texts);
    char *p = arena_alloc(a, n + 1), *o = p;
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            *o++ = *f;
            continue;
        }
        const char *t = printed(va_arg(ap, const char *));
        size_t len = strlen(t);
        memcpy(o, t, len);
        o += len;
        f++;
    }
    *o = '\0';
    return p;
}

char *
arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    if (only_texts(fmt)) { /* "%s%s/", "%s/index.html": joined without vsnprintf */
        va_start(ap, fmt);
        char *p = join_texts(a, fmt, ap);
        va_end(ap);
        return p;
    }
    /* formatted once on the stack when it fits, else measured by that try */
    char small[128];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = arena_alloc(a, (size_t)n + 1);
    if ((size_t)n < sizeof small) {
        memcpy(p, small, (size_t)n + 1);
        return p;
    }
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
