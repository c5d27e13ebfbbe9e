/* SPDX-License-Identifier: MIT
 * buf.c - growable byte buffer. */
#include "buf.h"

#include "xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* never written: every write path grows the buffer first */
char buf_empty[1];

void
buf_grow(buf *b, size_t extra)
{
    if (extra >= SIZE_MAX - b->len) /* the length and its NUL would wrap */
        xalloc_oom();
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = 64;
    if (b->cap >= 64) /* half as much again, unless that would wrap */
        cap = b->cap <= SIZE_MAX / 3 * 2 ? b->cap + b->cap / 2 : need;
    if (cap < need)
        cap = need;
    if (b->cap == 0) {
        b->ptr = xmalloc(cap);
        b->ptr[0] = '\0';
    } else {
        b->ptr = xrealloc(b->ptr, cap);
    }
    b->cap = cap;
}

void
buf_append(buf *b, const char *s, size_t len)
{
    if (len == 0)
        return;
    buf_grow(b, len);
    memmove(b->ptr + b->len, s, len);
    b->len += len;
    b->ptr[b->len] = '\0';
}

void
buf_puts(buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void
buf_putc(buf *b, char c)
{
    buf_grow(b, 1);
    b->ptr[b->len++] = c;
    b->ptr[b->len] = '\0';
}

size_t
buf_uint_len(uint64_t n)
{
    size_t len = 1; /* four digits a division: most numbers written are small */
    for (; n >= 10000; n /= 10000)
        len += 4;
    return len + (n >= 10) + (n >= 100) + (n >= 1000);
}

void
buf_put_uint(buf *b, uint64_t n)
{
    /* the digits counted, then written from the last one straight into the buffer: a
     * search index's postings are 1.6 million numbers at 10,000 pages */
    size_t len = buf_uint_len(n);
    buf_grow(b, len);
    char *o = b->ptr + b->len + len;
    *o = '\0';
    do
        *--o = (char)('0' + n % 10);
    while ((n /= 10) > 0);
    b->len += len;
}

void
buf_vprintf(buf *b, const char *fmt, va_list ap)
{
    /* formatted once into the free room when it fits (nearly always: a number, a date
     * field), else measured by that try and formatted again */
    buf_grow(b, 32);
    va_list ap2;
    va_copy(ap2, ap);
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->ptr + b->len, room, fmt, ap2);
    va_end(ap2);
    if (n <= 0) {
        b->ptr[b->len] = '\0';
        return;
    }
    if ((size_t)n >= room) {
        buf_grow(b, (size_t)n);
        vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    }
    b->len += (size_t)n;
}

void
buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void
buf_truncate(buf *b, size_t len)
{
    if (len >= b->len)
        return;
    b->len = len;
    b->ptr[len] = '\0';
}

void
buf_clear(buf *b)
{
    buf_truncate(b, 0);
}

void
buf_free(buf *b)
{
    if (b->cap)
        free(b->ptr);
    *b = BUF_INIT;
}

char *
buf_detach(buf *b)
{
    char *p = b->cap ? b->ptr : xstrdup("");
    *b = BUF_INIT;
    return p;
}
