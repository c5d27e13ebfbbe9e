/* SPDX-License-Identifier: MIT
 * strtab.c - string -> pointer hash table. */
#include "strtab.h"

#include "text.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* The slot of key: where it is, or the empty slot where it would go. cap > 0. */
static size_t
slot_of(const strtab *t, const char *key)
{
    size_t mask = t->cap - 1, i = text_hash(key) & mask;
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

void
strtab_put(strtab *t, const char *key, void *val)
{
    if ((t->len + 1) * 2 > t->cap) { /* keep it at most half full */
        strtab old = *t;
        t->cap = old.cap ? old.cap * 2 : 64;
        t->len = 0;
        t->keys = xcalloc(t->cap, sizeof(char *));
        t->vals = xcalloc(t->cap, sizeof(void *));
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i])
                strtab_put(t, old.keys[i], old.vals[i]);
        free(old.keys);
        free(old.vals);
    }
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
