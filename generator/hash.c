/* SPDX-License-Identifier: MIT
 * hash.c - a 64-bit multiply-xorshift hash over 8-byte words (the finaliser of
 * splitmix64 for each word and at the end). */
#include "hash.h"

#include <string.h>

static void
load_tail(uint64_t tail[2], const unsigned char *s, size_t n)
{
    if (n > 8) {
        memcpy(&tail[0], s, 8);
        tail[1] = hash_load_word(s + 8, n - 8);
    } else {
        tail[0] = hash_load_word(s, n);
        tail[1] = 0;
    }
}

uint64_t
hash_bytes(uint64_t seed, const void *p, size_t len)
{
    const unsigned char *s = p;
    uint64_t h = hash_u64(seed, len);
    uint64_t a = h, b = ~h;
    size_t i = 0;
    for (; i + 16 <= len; i += 16) { /* two lanes: independent multiplies overlap */
        uint64_t w1, w2;
        memcpy(&w1, s + i, 8);
        memcpy(&w2, s + i + 8, 8);
        a = (a ^ w1) * 0x9fb21c651e98df25ULL;
        a ^= a >> 29;
        b = (b ^ w2) * 0xc2b2ae3d27d4eb4fULL;
        b ^= b >> 32;
    }
    uint64_t tail[2];
    load_tail(tail, s + i, len - i);
    a = (a ^ tail[0]) * 0x9fb21c651e98df25ULL;
    b = (b ^ tail[1]) * 0xc2b2ae3d27d4eb4fULL;
    return hash_mix(a ^ hash_mix(b));
}

uint64_t
hash_str(uint64_t h, const char *s)
{
    if (!s)
        return hash_u64(h, 0x5bd1e9955bd1e995ULL);
    return hash_bytes(h, s, strlen(s));
}
