/* SPDX-License-Identifier: MIT
 * strtab.c - string -> pointer hash table. */
#include "strtab.h"

#include "hash.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* The slot of key: where it is, or the empty slot where it would go. cap > 0. The hash
 * reads 8 bytes at a step (hash.h): keys are paths and cache record names of 20 to 80
 * bytes, and a cache of 100,000 pages puts 700,000 of them. */
static size_t
slot_of(const strtab *t, const char *key)
{
    size_t mask = t->cap - 1, i = hash_bytes(0, key, strlen(key)) & mask;
    while (t->keys[i] && strcmp(t->keys[i], key) != 0)
        i = (i + 1) & mask;
    return i;
}

void *
strtab_get(const strtab *t, const char *key)
{
    if (!t->cap)
        return NULL;
    size_t i = slot_of(t, key);
    return t->keys[i] ? t->vals[i] : NULL;
}

int
strtab_has(const strtab *t, const char *key)
{
    return t->cap && t->keys[slot_of(t, key)] != NULL;
}

/* Moves every entry into new arrays of cap slots (a power of two, more than twice len). */
static void
resize(strtab *t, size_t cap)
{
    strtab old = *t;
    t->cap = cap;
    t->keys = xcalloc(cap, sizeof(char *));
    t->vals = xcalloc(cap, sizeof(void *));
    for (size_t i = 0; i < old.cap; i++)
        if (old.keys[i]) {
            size_t j = slot_of(t, old.keys[i]);
            t->keys[j] = old.keys[i];
            t->vals[j] = old.vals[i];
        }
    free(old.keys);
    free(old.vals);
}

/* The slots for n keys, at most half full. */
static size_t
cap_for(size_t n, size_t cap)
{
    if (!cap)
        cap = 64;
    while (n * 2 > cap)
        cap *= 2;
    return cap;
}

void
strtab_reserve(strtab *t, size_t n)
{
    size_t cap = cap_for(n, t->cap);
    if (cap != t->cap)
        resize(t, cap);
}

void
strtab_put(strtab *t, const char *key, void *val)
{
    if ((t->len + 1) * 2 > t->cap) /* keep it at most half full */
        resize(t, cap_for(t->len + 1, t->cap));
    size_t i = slot_of(t, key);
    if (!t->keys[i]) {
        t->keys[i] = key;
        t->len++;
    }
    t->vals[i] = val; /* a key already there stays: the caller's copy may be short-lived */
}

void
strtab_free(strtab *t)
{
    free(t->keys);
    free(t->vals);
    *t = STRTAB_INIT;
}
