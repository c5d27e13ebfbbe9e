/* SPDX-License-Identifier: MIT
 * xalloc.c - malloc wrappers that abort on out of memory. */
#include "xalloc.h"

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
