/* SPDX-License-Identifier: MIT
 * selfcheck.h - what the fast paths rely on, checked where it is cheap to be thorough:
 * SELF_CHECKS is true in the sanitizer builds (make test's ASan and TSan sections), which
 * then recompute what a build took as known (early page hashes, texts' hashes, recalled
 * rule findings) and stop with internal_error() when the two differ. */
#ifndef CLINFOLIO_SELFCHECK_H
#define CLINFOLIO_SELFCHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SELF_CHECKS true
#else
#define SELF_CHECKS false
#endif

/* "clinfolio: internal error: <fmt>" on standard error, then abort(): a broken invariant
 * of the program, never a problem of the site. */
static inline void internal_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static inline void
internal_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("clinfolio: internal error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

#endif
