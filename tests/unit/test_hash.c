/* SPDX-License-Identifier: MIT
 * test_hash.c - the hashes kept in cache files and compared across builds. hash_bytes is
 * XXH3 with a seed: only its len bytes count, and a change of any one bit of them, of the
 * length or of the seed changes it. hash_short (the short texts of a deep hash) reads the
 * same way. */
#include "hash.h"

#include "harness.h"

#include <stdbool.h>
#include <stdint.h>
#include <xxhash.h>

typedef uint64_t hash_fn(uint64_t seed, const void *p, size_t len);

/* For hash f and the len bytes at at: whether the bytes past len are left out (the same
 * bytes in another buffer, with other bytes after them, hash the same: *only_len), and
 * whether a change of any one bit of them, of the length or of the seed gives another
 * hash (*changes); each stays false once false. */
static void
check_bytes(hash_fn *f, const unsigned char *at, size_t len, bool *only_len, bool *changes)
{
    unsigned char copy[128];
    uint64_t h = f(7, at, len);
    memcpy(copy, at, len);
    memset(copy + len, 0x5A, sizeof copy - len);
    *only_len &= h == f(7, copy, len);
    *changes &= h != f(8, at, len);
    if (len)
        *changes &= h != f(7, at, len - 1);
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            copy[i] ^= (unsigned char)(1u << bit);
            *changes &= h != f(7, copy, len);
            copy[i] ^= (unsigned char)(1u << bit);
        }
}

int
main(void)
{
    unsigned char data[128];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 37 + 11); /* every byte differs from its neighbours */
    OK(hash_bytes(7, data, sizeof data) == XXH3_64bits_withSeed(data, sizeof data, 7),
       "hash_bytes is XXH3 with the seed");
    OK(hash_bytes(1, NULL, 0) == hash_bytes(1, "", 0), "no bytes at NULL");
    /* lengths 0 to 80 at 16 starts */
    bool read_only_len = true, any_change = true;
    for (size_t start = 0; start < 16; start++)
        for (size_t len = 0; len <= 80; len++)
            check_bytes(hash_bytes, data + start, len, &read_only_len, &any_change);
    OK(read_only_len, "hash_bytes reads only its len bytes");
    OK(any_change, "hash_bytes changes with any bit, the length and the seed");
    OK(hash_str(0, "a") != hash_str(0, "a\n") &&
           hash_str(hash_str(0, "a"), "bc") != hash_str(hash_str(0, "ab"), "c"),
       "hash_str: texts chained keep their bounds");

    /* hash_short, lengths 0 to 16 */
    bool same = true, differs = true;
    for (size_t len = 0; len <= 16; len++)
        check_bytes(hash_short, data + 3, len, &same, &differs);
    OK(same, "hash_short reads only its len bytes");
    OK(differs, "hash_short changes with any bit, the length and the seed");
    /* texts that differ only in zero bytes at the end, of the lengths a deep hash meets */
    OK(hash_short(0, "a", 1) != hash_short(0, "a\0", 2), "a zero byte more, another hash");
    OK(hash_short(0, "", 0) != hash_short(1, "", 0), "the empty text with two seeds");
    return harness_done();
}
