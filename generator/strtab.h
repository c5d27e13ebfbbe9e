/* SPDX-License-Identifier: MIT
 * strtab.h - a string -> pointer hash table (open addressing, hash_bytes()). Keys are borrowed:
 * they must outlive the table. Not thread-safe; callers lock when they share one. */
#ifndef CLINFOLIO_STRTAB_H
#define CLINFOLIO_STRTAB_H

#include <stddef.h>

typedef struct strtab {
    const char **keys; /* cap slots, NULL when empty (iterate them to free owned keys) */
    void **vals;
    size_t cap, len;
} strtab;

#define STRTAB_INIT ((strtab){NULL, NULL, 0, 0})

/* The value of key, or NULL when absent. */
void *strtab_get(const strtab *t, const char *key);
/* Whether key is in the table (its value may be NULL). */
int strtab_has(const strtab *t, const char *key);
/* Inserts key, or replaces the value of the key already there (which is kept). */
void strtab_put(strtab *t, const char *key, void *val);
/* Makes room for n keys in all, so that putting up to n grows the table no more (each
 * growth hashes every key again). */
void strtab_reserve(strtab *t, size_t n);
/* Frees the table's arrays (not the keys or values); t is empty afterwards. */
void strtab_free(strtab *t);

#endif
