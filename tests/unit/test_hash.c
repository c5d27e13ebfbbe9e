/* SPDX-License-Identifier: MIT
 * test_hash.c - hash_bytes reads its last bytes (fewer than 16) by fixed-size loads; its
 * hashes are those of the plain reading, a memcpy into a zeroed tail, for every length
 * and start. The hashes are kept in cache files and compared across builds. hash_short
 * (the short texts of a deep hash) reads the same way: only its len bytes count, and a
 * change of any one byte, of the length or of the seed changes it. */
#include "hash.h"

#include "harness.h"

#include <stdbool.h>
#include <stdint.h>

/* hash_bytes as it was written first (little-endian words, the tail by memcpy) */
static uint64_t
reference(uint64_t seed, const void *p, size_t len)
{
    const unsigned char *s = p;
    uint64_t h = hash_u64(seed, len);
    uint64_t a = h, b = ~h;
    size_t i = 0;
    for (; i + 16 <= len; i += 16) {
        uint64_t w1, w2;
        memcpy(&w1, s + i, 8);
        memcpy(&w2, s + i + 8, 8);
        a = (a ^ w1) * 0x9fb21c651e98df25ULL;
        a ^= a >> 29;
        b = (b ^ w2) * 0xc2b2ae3d27d4eb4fULL;
        b ^= b >> 32;
    }
    uint64_t tail[2] = {0, 0};
    if (len > i)
        memcpy(tail, s + i, len - i);
    a = (a ^ tail[0]) * 0x9fb21c651e98df25ULL;
    b = (b ^ tail[1]) * 0xc2b2ae3d27d4eb4fULL;
    return hash_mix(a ^ hash_mix(b));
}

int
main(void)
{
    unsigned char data[128];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 37 + 11); /* every byte differs from its neighbours */
    bool ok = true;
    for (size_t start = 0; start < 16 && ok; start++)
        for (size_t len = 0; len <= 80 && ok; len++) {
            ok = hash_bytes(7, data + start, len) == reference(7, data + start, len);
            if (!ok)
                fprintf(stderr, "start %zu len %zu\n", start, len);
        }
    OK(ok, "the plain reading's hash for lengths 0 to 80 at 16 starts");
    OK(hash_bytes(1, NULL, 0) == reference(1, NULL, 0), "no bytes at NULL");
    /* bytes past len are not read into the hash */
    unsigned char a[16] = "abcdefgh12345", b[16] = "abcdefgh12345";
    b[13] = 'X';
    b[14] = 'Y';
    OK(hash_bytes(0, a, 13) == hash_bytes(0, b, 13), "the byte after the last is not read");
    OK(hash_bytes(0, a, 13) != hash_bytes(0, a, 12), "one byte fewer, another hash");

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
