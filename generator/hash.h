/* SPDX-License-Identifier: MIT
 * hash.h - a fast 64-bit hash of bytes, for telling whether an input or a value changed
 * between two builds (incremental builds: cache.c, deps.c). Not cryptographic: it guards
 * against accidents, not against an attacker, who could only make their own site
 * rebuild less than it should. */
#ifndef CLINFOLIO_HASH_H
#define CLINFOLIO_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* The n <= 8 bytes at s as a little-endian word, zero-padded (on a little-endian machine,
 * what a memcpy into a zeroed word gives), by fixed-size loads: a memcpy of a variable
 * length is a call, and most of what is hashed is short (keys, path steps). */
static inline uint64_t
hash_load_word(const unsigned char *s, size_t n)
{
    if (n >= 4) { /* two 4-byte loads, overlapping when n < 8 */
        uint32_t x, y;
        memcpy(&x, s, 4);
        memcpy(&y, s + n - 4, 4);
        return x | (uint64_t)y << (8 * (n - 4));
    }
    if (n > 0)
        return s[0] | (uint64_t)s[n / 2] << (8 * (n / 2)) | (uint64_t)s[n - 1] << (8 * (n - 1));
    return 0;
}

/* A hash of the len <= 16 bytes at p, continuing from seed, inline: two multiplies and
 * one finaliser, for the many short texts of a value tree hashed deep (deps.c: a page's
 * keys, numbers, names), where a call to hash_bytes cost more than the bytes. Its values
 * are not hash_bytes's. */
static inline uint64_t
hash_short(uint64_t seed, const void *p, size_t len)
{
    const unsigned char *s = p;
    uint64_t lo, hi = 0;
    if (len > 8) {
        memcpy(&lo, s, 8);
        hi = hash_load_word(s + 8, len - 8);
    } else {
        lo = hash_load_word(s, len);
    }
    uint64_t a = (seed ^ lo) * 0x9fb21c651e98df25ULL + len;
    uint64_t b = (hi ^ (seed >> 32 | seed << 32)) * 0xc2b2ae3d27d4eb4fULL;
    return hash_mix(a ^ (b >> 29 | b << 35));
}

/* hash_bytes of a NUL-terminated string, its length first (so "a","bc" and "ab","c"
 * hash differently when chained). NULL hashes like a string of its own. */
uint64_t hash_str(uint64_t h, const char *s);

#endif
