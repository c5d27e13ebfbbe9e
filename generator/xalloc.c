/* SPDX-License-Identifier: MIT
 * xalloc.c - malloc wrappers that abort on out of memory. */
#include "xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

void
xalloc_oom(void)
{
    fputs("clinfolio: out of memory\n", stderr);
    abort();
}

void *
xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        xalloc_oom();
    return p;
}

void *
xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        xalloc_oom();
    return p;
}

void *
xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p)
        xalloc_oom();
    return p;
}

char *
xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

size_t
xgrow_cap(size_t cap, size_t elem, size_t first)
{
    if (cap > SIZE_MAX / 2)
        xalloc_oom();
    size_t n = cap ? 2 * cap : first ? first : 1;
    if (elem && n > SIZE_MAX / elem) /* n items' bytes would wrap */
        xalloc_oom();
    return n;
}

void *
xgrow(void *items, size_t len, size_t *cap, size_t elem, size_t first)
{
    if (len < *cap)
        return items;
    size_t n = xgrow_cap(*cap, elem, first);
    items = xrealloc(items, n * elem);
    *cap = n;
    return items;
}
