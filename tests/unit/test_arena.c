/* SPDX-License-Identifier: MIT
 * test_arena.c - the large blocks an arena frees are kept for the next arena when asked
 * (arena_keep_blocks(), serve's rebuilds), never past the number asked for, and memory
 * from a kept block still comes zero from arena_zalloc() although the last arena wrote
 * over it; the blocks arenas take are counted (serve keeps as many as its last rebuild
 * took). */
#include "arena.h"

#include "harness.h"

#include <stdbool.h>
#include <stdint.h>

/* Small allocations up to `bytes` in all (past the 8 MiB after which an arena takes 2 MiB
 * mapped blocks), each filled with `fill`. */
static void
fill_arena(arena *a, size_t bytes, unsigned char fill)
{
    for (size_t done = 0; done < bytes; done += 1024)
        memset(arena_alloc(a, 1024), fill, 1024);
}

/* Whether n zalloc'd bytes of a are all zero, each piece of 1 KiB. */
static bool
zalloc_zero(arena *a, size_t bytes)
{
    for (size_t done = 0; done < bytes; done += 1024) {
        const unsigned char *p = arena_zalloc(a, 1024);
        for (size_t i = 0; i < 1024; i++)
            if (p[i])
                return false;
    }
    return true;
}

int
main(void)
{
    const size_t mib = (size_t)1 << 20;
    INT_EQ(arena_kept_blocks(), 0, "none kept before any is asked for");
    arena *a = arena_new();
    fill_arena(a, 16 * mib, 0xab); /* 8 MiB, then four mapped blocks */
    arena_free(a);
    INT_EQ(arena_kept_blocks(), 0, "none kept by default: they go back to the system");

    arena_keep_blocks(3);
    a = arena_new();
    fill_arena(a, 16 * mib, 0xab);
    arena_free(a);
    INT_EQ(arena_kept_blocks(), 3, "kept when asked, no more than asked for");

    /* the next arena takes them back; what it zallocs there is zero, not the 0xab */
    arena *b = arena_new();
    fill_arena(b, 8 * mib, 0xcd);
    OK(zalloc_zero(b, 5 * mib), "zalloc'd memory in kept blocks is zero");
    INT_EQ(arena_kept_blocks(), 0, "the next arena took the kept blocks");
    arena_free(b);
    INT_EQ(arena_kept_blocks(), 3, "and gave them back");

    /* a reset arena's first block was written over: zalloc clears it too */
    arena *c = arena_new();
    memset(arena_alloc(c, 4096), 0xef, 4096);
    arena_reset(c);
    OK(zalloc_zero(c, 4096), "zalloc'd memory after a reset is zero");
    arena_free(c);

    /* a big allocation has a block of its own: zalloc'd, it is zero although malloc may
     * hand back what a freed arena wrote (calloc() zeroes it, or takes fresh pages) */
    for (int round = 0; round < 3; round++) {
        arena *e = arena_new();
        arena_alloc(e, 100);
        size_t big = (size_t)(64 + 32 * round) * 1024; /* above the threshold, and in the heap */
        unsigned char *p = arena_zalloc(e, big);
        bool zero = true;
        for (size_t i = 0; i < big; i++)
            zero = zero && p[i] == 0;
        OK(zero, "a big zalloc'd block is zero");
        memset(p, 0x5a, big);
        memset(arena_alloc(e, big), 0x5b, big);
        arena_free(e);
    }
    arena *j = arena_new();
    STR_EQ(arena_join(j, "content/projects", "a.md"), "content/projects/a.md", "joined");
    STR_EQ(arena_join(j, "", "a.md"), "/a.md", "an empty folder still gets its slash");
    arena_free(j);

    /* the blocks taken are counted: kept ones and new ones alike */
    arena_blocks_taken();
    arena *d = arena_new();
    fill_arena(d, 16 * mib, 0x12); /* four mapped blocks: three kept, one new */
    INT_EQ(arena_blocks_taken(), 4, "the blocks an arena took, kept or new");
    INT_EQ(arena_blocks_taken(), 0, "counted since the last call");
    arena_free(d);

    arena_keep_blocks(1);
    INT_EQ(arena_kept_blocks(), 1, "asking for fewer returns the rest");
    arena_keep_blocks(0);
    INT_EQ(arena_kept_blocks(), 0, "asking for none returns them all");
    return harness_done();
}
