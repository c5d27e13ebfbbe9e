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

int
main(void)
{
    unsigned char data[128];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 37 + 11); /* every byte differs from its neighbours */
    OK(hash_bytes(7, data, sizeof data) == XXH3_64bits_withSeed(data, sizeof data, 7),
       "hash_bytes is XXH3 with the seed");
    OK(hash_bytes(1, NULL, 0) == hash_bytes(1, "", 0), "no bytes at NULL");
    /* lengths 0 to 80 at 16 starts: the bytes past len are not read (the same bytes in
     * another buffer with other bytes after them), and a change of any one bit, of the
     * length or of the seed gives another hash */
    bool read_only_len = true, any_change = true;
    unsigned char copy[128];
    for (size_t start = 0; start < 16; start++)
        for (size_t len = 0; len <= 80; len++) {
            uint64_t h = hash_bytes(7, data + start, len);
            memcpy(copy, data + start, len);
            memset(copy + len, 0x5A, sizeof copy - len);
            read_only_len &= h == hash_bytes(7, copy, len);
            any_change &= h != hash_bytes(8, data + start, len);
            if (len)
                any_change &= h != hash_bytes(7, data + start, len - 1);
            for (size_t i = 0; i < len; i++)
                for (int bit = 0; bit < 8; bit++) {
                    copy[i] ^= (unsigned char)(1u << bit);
                    any_change &= h != hash_bytes(7, copy, len);
                    copy[i] ^= (unsigned char)(1u << bit);
                }
        }
    OK(read_only_len, "hash_bytes reads only its len bytes");
    OK(any_change, "hash_bytes changes with any bit, the length and the seed");
    OK(hash_str(0, "a") != hash_str(0, "a\n") &&
           hash_str(hash_str(0, "a"), "bc") != hash_str(hash_str(0, "ab"), "c"),
       "hash_str: texts chained keep their bounds");

    /* hash_short, lengths 0 to 16: the bytes past len are not read (the same bytes in
     * another buffer with other bytes after them), and a change of any one bit of the
     * bytes, of the length or of the seed gives another hash */
    bool same = true, differs = true;
    unsigned char other[32];
    for (size_t len = 0; len <= 16; len++) {
        memcpy(other, data + 3, len);
        memset(other + len, 0xA5, sizeof other - len);
        uint64_t h = hash_short(7, data + 3, len);
        same &= h == hash_short(7, other, len);
        differs &= h != hash_short(8, data + 3, len);
        if (len)
            differs &= h != hash_short(7, data + 3, len - 1);
        for (size_t i = 0; i < len; i++)
            for (int bit = 0; bit < 8; bit++) {
                other[i] ^= (unsigned char)(1u << bit);
                differs &= h != hash_short(7, other, len);
                other[i] ^= (unsigned char)(1u << bit);
            }
    }
    OK(same, "hash_short reads only its len bytes");
    OK(differs, "hash_short changes with any bit, the length and the seed");
    /* texts that differ only in zero bytes at the end, of the lengths a deep hash meets */
    OK(hash_short(0, "a", 1) != hash_short(0, "a\0", 2), "a zero byte more, another hash");
    OK(hash_short(0, "", 0) != hash_short(1, "", 0), "the empty text with two seeds");
    return harness_done();
}
