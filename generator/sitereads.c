/* SPDX-License-Identifier: MIT
 * sitereads.c - the reads of `site` that renders share: one table of groups by id, under
 * one lock (a render takes it once or twice; the checks themselves run outside it). */
#include "sitereads.h"

#include "buf.h"
#include "hash.h"
#include "xalloc.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a check of a group said for one `site` value (one per language). */
typedef struct verdict {
    const value *site;
    bool same;
} verdict;

typedef struct group {
    uint64_t id;           /* 0: an empty slot */
    buf bytes;             /* the reads, when a render of this build logged them */
    const void *prev_data; /* else the last build's record of them (borrowed from prev) */
    size_t prev_len;
    bool needed; /* a record of this build names it */
    verdict *verdicts;
    size_t n_verdicts;
} group;

struct sitereads {
    pthread_mutex_t lock;
    const cache *prev;
    group *slots; /* open addressing by id, a power of two */
    size_t cap, len;
    uint64_t generation; /* this table's number among those made (`last`'s) */
};

/* What this thread last asked of a table (of that generation: a table made later may
 * have a freed one's address), so that the many renders of one template in a row, which
 * name the same group, take the lock once per run instead of twice per render: at 10,000
 * pages the two render workers keeping 11,000 outputs waited on each other for it. A
 * verdict, once made, never changes (the first one stays), and a group marked needed
 * stays so. */
static _Atomic uint64_t generations;
static _Thread_local struct {
    uint64_t generation, id;
    const value *site;
    bool same, needed;
} last;

static bool
is_last(const sitereads *g, uint64_t id)
{
    return last.generation == g->generation && last.id == id;
}

/* The seed of a group's id: its bytes' hash is not any other record's. */
#define SITEREADS_SEED 0x7369746572656164ULL /* "siteread" */

sitereads *
sitereads_new(const cache *prev)
{
    sitereads *g = xcalloc(1, sizeof *g);
    pthread_mutex_init(&g->lock, NULL);
    g->prev = prev;
    g->cap = 64;
    g->slots = xcalloc(g->cap, sizeof *g->slots);
    g->generation = atomic_fetch_add(&generations, 1) + 1;
    return g;
}

void
sitereads_free(sitereads *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->cap; i++) {
        buf_free(&g->slots[i].bytes);
        free(g->slots[i].verdicts);
    }
    free(g->slots);
    pthread_mutex_destroy(&g->lock);
    free(g);
}

static uint64_t
id_of(const void *data, size_t len)
{
    return len ? hash_bytes(SITEREADS_SEED, data, len) | 1 : 0;
}

/* The group id, or the empty slot it would take. Under the lock. */
static group *
slot_of(const sitereads *g, uint64_t id)
{
    size_t i = (size_t)hash_mix(id) & (g->cap - 1);
    while (g->slots[i].id && g->slots[i].id != id)
        i = (i + 1) & (g->cap - 1);
    return &g->slots[i];
}

/* The group id, made when missing. Under the lock. */
static group *
group_of(sitereads *g, uint64_t id)
{
    group *e = slot_of(g, id);
    if (e->id)
        return e;
    if ((g->len + 1) * 2 > g->cap) {
        group *old = g->slots;
        size_t old_cap = g->cap;
        g->cap *= 2;
        g->slots = xcalloc(g->cap, sizeof *g->slots);
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].id)
                *slot_of(g, old[i].id) = old[i];
        free(old);
        e = slot_of(g, id);
    }
    e->id = id;
    e->bytes = BUF_INIT;
    g->len++;
    return e;
}

uint64_t
sitereads_put(sitereads *g, const void *data, size_t len)
{
    uint64_t id = id_of(data, len);
    if (!id)
        return 0;
    pthread_mutex_lock(&g->lock);
    group *e = group_of(g, id);
    if (!e->prev_data && !e->bytes.len)
        buf_append(&e->bytes, data, len);
    e->needed = true;
    pthread_mutex_unlock(&g->lock);
    return id;
}

static void
record_key(char *key, size_t size, uint64_t id)
{
    snprintf(key, size, "reads/%016" PRIx64, id);
}

/* `last` becomes group id's verdict for site (needed as it was when it was id's). */
static void
remember_last(const sitereads *g, uint64_t id, const value *site, bool same)
{
    bool needed = is_last(g, id) && last.needed;
    last.generation = g->generation;
    last.id = id;
    last.site = site;
    last.same = same;
    last.needed = needed;
}

/* The verdict of e for site: 1 same, 0 not, -1 not made yet. Under the lock. */
static int
verdict_of(const group *e, const value *site)
{
    for (size_t i = 0; i < e->n_verdicts; i++)
        if (e->verdicts[i].site == site)
            return e->verdicts[i].same;
    return -1;
}

bool
sitereads_check(sitereads *g, uint64_t id, const value *root, deps_memo *dm, arena *scratch)
{
    if (!id)
        return true;
    const value *site = deps_get_attr(root, "site", 4);
    if (is_last(g, id) && last.site == site)
        return last.same;
    pthread_mutex_lock(&g->lock);
    group *e = slot_of(g, id);
    int known = e->id ? verdict_of(e, site) : -1;
    pthread_mutex_unlock(&g->lock);
    if (known >= 0) {
        remember_last(g, id, site, known);
        return known;
    }
    /* the last build's bytes of the group: a render of this build that logged the same
     * bytes checks the same (the bytes are all a check reads) */
    char key[32];
    record_key(key, sizeof key, id);
    size_t len = 0;
    const void *data = g->prev ? cache_get(g->prev, key, &len) : NULL;
    bool found = data && id_of(data, len) == id;
    bool same = found && deps_check(data, len, root, dm, scratch);
    pthread_mutex_lock(&g->lock);
    e = group_of(g, id); /* another worker may have made it meanwhile */
    if (found && !e->prev_data) {
        e->prev_data = data;
        e->prev_len = len;
    }
    if (verdict_of(e, site) < 0) {
        e->verdicts = xrealloc(e->verdicts, (e->n_verdicts + 1) * sizeof *e->verdicts);
        e->verdicts[e->n_verdicts++] = (verdict){site, same};
    }
    pthread_mutex_unlock(&g->lock);
    remember_last(g, id, site, same);
    return same;
}

void
sitereads_need(sitereads *g, uint64_t id)
{
    if (!id || (is_last(g, id) && last.needed))
        return;
    pthread_mutex_lock(&g->lock);
    group_of(g, id)->needed = true;
    pthread_mutex_unlock(&g->lock);
    if (is_last(g, id))
        last.needed = true;
}

static int
cmp_groups(const void *a, const void *b)
{
    uint64_t x = (*(group *const *)a)->id, y = (*(group *const *)b)->id;
    return x < y ? -1 : x > y;
}

void
sitereads_save(sitereads *g, cache_next *next)
{
    group **needed = xmalloc((g->len + 1) * sizeof *needed);
    size_t n = 0;
    for (size_t i = 0; i < g->cap; i++)
        if (g->slots[i].id && g->slots[i].needed &&
            (g->slots[i].prev_data || g->slots[i].bytes.len))
            needed[n++] = &g->slots[i];
    qsort(needed, n, sizeof *needed, cmp_groups);
    for (size_t i = 0; i < n; i++) {
        char key[32];
        record_key(key, sizeof key, needed[i]->id);
        if (needed[i]->prev_data)
            cache_next_keep(next, SIZE_MAX, key, needed[i]->prev_data, needed[i]->prev_len);
        else
            cache_next_put(next, key, &needed[i]->bytes);
    }
    free(needed);
}

size_t
sitereads_count(const sitereads *g)
{
    size_t n = 0;
    for (size_t i = 0; g && i < g->cap; i++)
        n += g->slots[i].id && g->slots[i].needed;
    return n;
}
