/* SPDX-License-Identifier: MIT
 * buf.h - growable byte buffer (after cmark's strbuf): ptr is never NULL and always
 * NUL-terminated; growth is x1.5; buf_detach() hands the memory to the caller. */
#ifndef CLINFOLIO_BUF_H
#define CLINFOLIO_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct buf {
    char *ptr;
    size_t len, cap; /* cap 0: ptr points at the shared empty string */
} buf;

extern char buf_empty[1];
#define BUF_INIT ((buf){buf_empty, 0, 0})

/* Room for len + extra + NUL; aborts as out of memory (xalloc.h) when that would wrap. */
void buf_grow(buf *b, size_t extra);
void buf_append(buf *b, const char *s, size_t len);
void buf_puts(buf *b, const char *s);
void buf_putc(buf *b, char c);
/* n in decimal, without printf (an index or a posting list prints many numbers). */
void buf_put_uint(buf *b, uint64_t n);
/* How many bytes buf_put_uint() appends for n. */
size_t buf_uint_len(uint64_t n);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void buf_truncate(buf *b, size_t len); /* keep the first len bytes */
void buf_clear(buf *b);                /* len = 0, keeps capacity */
void buf_free(buf *b);                 /* back to BUF_INIT */
/* The bytes, NUL-terminated, for the caller to free(); b is reset to BUF_INIT. */
char *buf_detach(buf *b);

#endif
