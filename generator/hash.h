/* SPDX-License-Identifier: MIT
 * hash.h - a fast 64-bit hash of bytes, for telling whether an input or a value changed
 * between two builds (incremental builds: cache.c, deps.c). Not cryptographic: it guards
 * against accidents, not against an attacker, who could only make their own site
 * rebuild less than it should. */
#ifndef CLINFOLIO_HASH_H
#define CLINFOLIO_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The hash of p[0..len), continuing from seed (0 to start; feed the result of an earlier
 * call to hash several pieces in order). */
uint64_t hash_bytes(uint64_t seed, const void *p, size_t len);

/* The finaliser of splitmix64. */
static inline uint64_t
hash_mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* Mixes one 64-bit word into h (inline: a path's steps and a value's items each mix one). */
static inline uint64_t
hash_u64(uint64_t h, uint64_t x)
{
    return hash_mix(h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)));
}

/* hash_bytes of a NUL-terminated string, its length first (so "a","bc" and "ab","c"
 * hash differently when chained). NULL hashes like a string of its own. */
uint64_t hash_str(uint64_t h, const char *s);

#endif
