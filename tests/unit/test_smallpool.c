/* SPDX-License-Identifier: MIT
 * test_smallpool.c - the Lua states' small-block allocator: blocks keep their bytes
 * through resizes within and across size classes and to and from malloc's sizes, a freed
 * block of a class is the next one given for that class, blocks are 16-byte aligned and
 * never overlap. */
#include "harness.h"

#include "smallpool.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

static bool
filled(const unsigned char *b, size_t n, unsigned char c)
{
    for (size_t i = 0; i < n; i++)
        if (b[i] != c)
            return false;
    return true;
}

int
main(void)
{
    smallpool *p = smallpool_new();
    OK(p != NULL, "a pool");

    /* a freed block comes back for the same class, not for another */
    void *a = smallpool_realloc(p, NULL, 0, 24);
    smallpool_realloc(p, a, 24, 0);
    void *b = smallpool_realloc(p, NULL, 0, 20); /* 17..32: the same class as 24 */
    OK(a == b, "a freed block is given again for its class");
    void *c = smallpool_realloc(p, NULL, 0, 40);
    OK(c != b, "another class takes another block");

    /* resizes keep the bytes: within a class (same block), across classes, to a large
     * block and back */
    unsigned char *r = smallpool_realloc(p, NULL, 0, 17);
    memset(r, 0xab, 17);
    unsigned char *r2 = smallpool_realloc(p, r, 17, 30);
    OK(r2 == r && filled(r2, 17, 0xab), "a resize within a class keeps the block");
    r = smallpool_realloc(p, r2, 30, 200);
    OK(r != NULL && filled(r, 17, 0xab), "to a larger class: the bytes kept");
    memset(r, 0xcd, 200);
    r = smallpool_realloc(p, r, 200, 5000);
    OK(r != NULL && filled(r, 200, 0xcd), "to a large block: the bytes kept");
    memset(r, 0xef, 5000);
    r = smallpool_realloc(p, r, 5000, 9000);
    OK(r != NULL && filled(r, 5000, 0xef), "a large block grown: the bytes kept");
    r = smallpool_realloc(p, r, 9000, 100);
    OK(r != NULL && filled(r, 100, 0xef), "back to a small block: its first bytes kept");
    smallpool_realloc(p, r, 100, 0);

    /* many blocks of every size: aligned, apart, each with its own bytes */
    enum { N = 20000 };
    unsigned char **blocks = calloc(N, sizeof *blocks);
    size_t *sizes = calloc(N, sizeof *sizes);
    bool aligned = true, intact = true;
    for (size_t i = 0; i < N; i++) {
        sizes[i] = 1 + (i * 7919) % (SMALLPOOL_MAX + 64);
        blocks[i] = smallpool_realloc(p, NULL, 0, sizes[i]);
        aligned &= ((uintptr_t)blocks[i] % 16) == 0;
        memset(blocks[i], (int)(i & 0xff), sizes[i]);
        if (i % 3 == 0) { /* free some as we go: their blocks are given again */
            smallpool_realloc(p, blocks[i], sizes[i], 0);
            blocks[i] = NULL;
        }
    }
    for (size_t i = 0; i < N; i++)
        if (blocks[i])
            intact &= filled(blocks[i], sizes[i], (unsigned char)(i & 0xff));
    OK(aligned, "every block 16-byte aligned");
    OK(intact, "no block overlaps another");
    for (size_t i = 0; i < N; i++)
        if (blocks[i])
            smallpool_realloc(p, blocks[i], sizes[i], 0);
    free(blocks);
    free(sizes);
    smallpool_realloc(p, c, 40, 0);
    smallpool_free(p); /* ASan: nothing leaks, nothing is freed twice */
    return harness_done();
}
