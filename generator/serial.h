/* SPDX-License-Identifier: MIT
 * serial.h - values and integers as bytes, for the cache of incremental builds
 * (cache.c, deps.c, build.c): written by this program, read back by a later run of the
 * same program, and never trusted: every read is bounds-checked, and a reader that met
 * anything malformed stays failed (ok false) and returns empty results. */
#ifndef CLINFOLIO_SERIAL_H
#define CLINFOLIO_SERIAL_H

#include "arena.h"
#include "buf.h"
#include "value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct serial_writer {
    buf *out;
    const char *last_file; /* positions name the same file again and again */
} serial_writer;

typedef struct serial_reader {
    const unsigned char *p, *end;
    bool ok;
    const char *last_file;
    /* texts point into the data instead of being copied (serial_get_text): for data that
     * outlives everything read from it, as a build's cache does its build */
    bool borrow;
} serial_reader;

#define SERIAL_WRITER(b) ((serial_writer){(b), NULL})
#define SERIAL_READER(data, len)                                                                 \
    ((serial_reader){(const unsigned char *)(data), (const unsigned char *)(data) + (len), true, \
                     NULL, false})
#define SERIAL_READER_BORROWING(data, len)                                                       \
    ((serial_reader){(const unsigned char *)(data), (const unsigned char *)(data) + (len), true, \
                     NULL, true})

void serial_put_u64(serial_writer *w, uint64_t x);
void serial_put_varint(serial_writer *w, size_t x);
void serial_put_bytes(serial_writer *w, const void *p, size_t len);
/* s[0..len) and a NUL after it, so that a reader can point at it (serial_get_text). */
void serial_put_text(serial_writer *w, const char *s, size_t len);
/* A NUL-terminated string or NULL (as a text). */
void serial_put_str(serial_writer *w, const char *s);
/* A position; its file is written once for a run of positions in the same file. */
void serial_put_pos(serial_writer *w, src_pos at);
/* v with its positions (NULL allowed). */
void serial_put_value(serial_writer *w, const value *v);

uint64_t serial_get_u64(serial_reader *r);
size_t serial_get_varint_slow(serial_reader *r);
/* A varint; inline for the one-byte ones, which are most (lengths, counts, lines): a
 * body edit at 10,000 pages reads nine million of them. */
static inline size_t
serial_get_varint(serial_reader *r)
{
    if (r->ok && r->p != r->end && *r->p < 0x80)
        return *r->p++;
    return serial_get_varint_slow(r);
}
/* Points into the data; NULL (and *len 0) when it runs past the end. */
const void *serial_get_bytes(serial_reader *r, size_t *len);
/* A text (serial_put_text), NUL-terminated at *len: in the data when r->borrow, else a
 * copy in a. NULL (and *len 0) on failure, and when the NUL is not there. */
const char *serial_get_text(serial_reader *r, size_t *len, arena *a);
/* A string put by serial_put_str, as serial_get_text gives it; NULL when a NULL was
 * written (or on failure). */
const char *serial_get_str(serial_reader *r, arena *a);
/* A position, its file copied into a (once for a run of the same file); a may be NULL for
 * a caller that keeps no position: its file is then "". */
src_pos serial_get_pos(serial_reader *r, arena *a);
/* A value tree in a; NULL when a NULL was written or the data is malformed (then r->ok is
 * false). Nesting deeper than 256 levels is malformed. */
value *serial_get_value(serial_reader *r, arena *a);

/* One value as serial_put_value() wrote it, read without making it (for a reader that
 * makes something else of it: plugin.c's Lua tables): its type, flag and position, and
 * its scalar (a number's text as written, or NULL; a string's text, borrowed when r
 * borrows, and its hash when written with it, else 0), or its count: of items (a list:
 * then that many values follow) or of pairs (a map: then that many times a key,
 * serial_get_key(), and a value). Texts not borrowed and positions' files are copied into
 * a (which may be NULL when r borrows and the positions are not kept, as for
 * serial_get_pos()). Only the fields of its type are set (text, len, hash and count are
 * always). False, r failed, when the bytes are not one value (a null pointer is none). */
typedef struct serial_item {
    value_type type;
    bool invalid;
    src_pos pos;
    bool boolean;
    double number;
    const char *text;
    size_t len;
    uint64_t hash;
    value_date date;
    size_t count;
} serial_item;
bool serial_get_item(serial_reader *r, serial_item *it, arena *a);
/* A map pair's key (NULL on failure), and its position. */
const char *serial_get_key(serial_reader *r, size_t *len, src_pos *at, arena *a);
/* One value and everything in it checked as serial_get_value() checks them, nothing made
 * but the positions' files (in a); false, r failed, when malformed. */
bool serial_skip_value(serial_reader *r, arena *a);

/* Every diagnostic of d in report order; read back, they are reported again to `to`
 * (through its `checks:` and --strict). A malformed record stops the reading there:
 * the diagnostics before it are reported, and false comes back. a holds temporaries. */
void serial_put_diags(serial_writer *w, diag *d);
/* The same in diag_items_sorted()'s order: the same diagnostics, the same bytes. */
void serial_put_diags_sorted(serial_writer *w, diag *d);
bool serial_get_diags(serial_reader *r, diag *to, arena *a);
/* The same into *to, a diag made only when there are some (most records have none): NULL
 * for none; the caller frees it. */
bool serial_get_diags_new(serial_reader *r, diag **to, arena *a);

#endif
