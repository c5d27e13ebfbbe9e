/* SPDX-License-Identifier: MIT
 * files.h - for the unit tests of modules that hand their files to a callback (search.h,
 * facets.h): collect_file() keeps every file in one buffer, file_of() finds one again.
 * Include after harness.h and the module's header (it needs buf.h and diag.h). */
#ifndef CLINFOLIO_TEST_FILES_H
#define CLINFOLIO_TEST_FILES_H

#include "buf.h"
#include "diag.h"

#include <stdbool.h>
#include <string.h>

typedef struct files {
    buf all; /* "== path\n" then the bytes, for every file in emit order */
    size_t n;
} files;

static bool
collect_file(void *payload, const char *path, const char *data, size_t len, diag *d)
{
    (void)d;
    files *f = payload;
    buf_printf(&f->all, "== %s\n", path);
    buf_append(&f->all, data, len);
    f->n++;
    return true;
}

/* the bytes of the file path among f's, or NULL (in a static buffer) */
static const char *
file_of(const files *f, const char *path)
{
    static buf b = BUF_INIT;
    buf_clear(&b);
    buf head = BUF_INIT;
    buf_printf(&head, "== %s\n", path);
    const char *at = strstr(f->all.ptr, head.ptr);
    if (at) {
        at += head.len;
        const char *end = strstr(at, "\n== ");
        buf_append(&b, at, end ? (size_t)(end - at) + 1 : strlen(at));
    }
    buf_free(&head);
    return at ? b.ptr : NULL;
}

#endif
