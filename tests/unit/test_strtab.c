/* SPDX-License-Identifier: MIT
 * test_strtab.c - the string table: every key found after growing (by puts and by
 * strtab_reserve), absent keys not found, a second put replacing the value but keeping the
 * first key, and a reserved table not growing while the reserved keys are put. */
#include "strtab.h"

#include "harness.h"

#include <stdint.h>

#define N 20000

static char keys[N][32];

static void
fill_keys(void)
{
    for (size_t i = 0; i < N; i++) /* paths of one prefix, as cache record names are */
        snprintf(keys[i], sizeof keys[i], "render/projects/p-%06zu/", i);
}

static int
all_found(const strtab *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strtab_get(t, keys[i]) != (void *)(uintptr_t)(i + 1))
            return 0;
    return 1;
}

static void
test_put_get(void)
{
    strtab t = STRTAB_INIT;
    OK(strtab_get(&t, "x") == NULL && !strtab_has(&t, "x"), "an empty table finds nothing");
    for (size_t i = 0; i < N; i++)
        strtab_put(&t, keys[i], (void *)(uintptr_t)(i + 1));
    INT_EQ(t.len, N, "every key put once");
    OK(all_found(&t, N), "every key found after the table grew");
    OK(t.len * 2 <= t.cap, "at most half full: %zu of %zu", t.len, t.cap);
    OK(!strtab_has(&t, "render/projects/p-020000/") && !strtab_get(&t, "render/projects/"),
       "keys never put are not found");
    char again[32];
    snprintf(again, sizeof again, "%s", keys[7]);
    strtab_put(&t, again, (void *)(uintptr_t)99);
    INT_EQ(t.len, N, "a key put again is not added");
    OK(strtab_get(&t, keys[7]) == (void *)(uintptr_t)99, "its value is replaced");
    size_t found = 0;
    for (size_t i = 0; i < t.cap; i++)
        found += t.keys[i] == keys[7];
    INT_EQ(found, 1, "the first copy of the key stays in the table");
    strtab_free(&t);
    OK(t.cap == 0 && t.len == 0 && !strtab_get(&t, keys[0]), "freed: empty");
}

static void
test_reserve(void)
{
    strtab t = STRTAB_INIT;
    for (size_t i = 0; i < 10; i++)
        strtab_put(&t, keys[i], (void *)(uintptr_t)(i + 1));
    strtab_reserve(&t, N);
    size_t cap = t.cap;
    OK(cap >= 2 * N, "room for %d keys at most half full: %zu slots", N, cap);
    OK(all_found(&t, 10), "the keys put before the reserve are still found");
    for (size_t i = 10; i < N; i++)
        strtab_put(&t, keys[i], (void *)(uintptr_t)(i + 1));
    INT_EQ(t.cap, cap, "putting the reserved keys does not grow the table");
    OK(all_found(&t, N), "every key found");
    strtab_reserve(&t, 5);
    INT_EQ(t.cap, cap, "a smaller reserve changes nothing");
    strtab_free(&t);
}

int
main(void)
{
    fill_keys();
    test_put_get();
    test_reserve();
    return harness_done();
}
