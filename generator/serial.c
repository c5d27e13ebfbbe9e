/* SPDX-License-Identifier: MIT
 * serial.c - values and integers as bytes (see serial.h). Integers are little-endian
 * (u64) or LEB128 (varint). A value is
 *   tag (1 byte: type + 16 when null pointer, + 32 when invalid, + 64 when hashed) |
 *   position | payload
 * where a position is a file (0 none, 1 the previous one, 2 a new one followed by its
 * bytes), line and column (varints), and the payload is: bool 1 byte; number its bits
 * (u64) and text as written; string its text (bytes and a NUL), then, when hashed (a text
 * of 256 bytes or more), its deep hash (u64); date its fields; list count and items; map
 * count and per pair key (a text), key position, value. */
#include "serial.h"

#include "xalloc.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>

/* TAG_HASHED: a string followed by its deep hash (value_string_hash()), written for texts
 * of HASHED_MIN bytes or more, so that a restored page's chart or HTML is not hashed
 * again by every build that checks it */
enum { TAG_NONE = 16, TAG_INVALID = 32, TAG_HASHED = 64, MAX_DEPTH = 256, HASHED_MIN = 256 };

void
serial_put_u64(serial_writer *w, uint64_t x)
{
    uint64_t le = htole64(x); /* one store, not a byte at a time */
    buf_append(w->out, (const char *)&le, 8);
}

void
serial_put_varint(serial_writer *w, size_t x)
{
    /* straight into the buffer: a search index writes a million of them, where a
     * buf_putc() per byte took 7 ms at 10,000 pages */
    buf *b = w->out;
    if (b->len + 11 > b->cap) /* ten bytes at most, and the NUL */
        buf_grow(b, 10);
    char *o = b->ptr + b->len;
    for (; x > 0x7f; x >>= 7)
        *o++ = (char)(x | 0x80);
    *o++ = (char)x;
    b->len = (size_t)(o - b->ptr);
    b->ptr[b->len] = '\0'; /* as buf keeps it */
}

void
serial_put_bytes(serial_writer *w, const void *p, size_t len)
{
    serial_put_varint(w, len);
    buf_append(w->out, p, len);
}

void
serial_put_text(serial_writer *w, const char *s, size_t len)
{
    serial_put_bytes(w, s, len);
    buf_putc(w->out, '\0');
}

void
serial_put_str(serial_writer *w, const char *s)
{
    if (!s) {
        buf_putc(w->out, 0);
        return;
    }
    buf_putc(w->out, 1);
    serial_put_text(w, s, strlen(s));
}

void
serial_put_pos(serial_writer *w, src_pos at)
{
    if (!at.file) {
        buf_putc(w->out, 0);
    } else if (w->last_file && strcmp(at.file, w->last_file) == 0) {
        buf_putc(w->out, 1);
    } else {
        buf_putc(w->out, 2);
        serial_put_bytes(w, at.file, strlen(at.file));
        w->last_file = at.file;
    }
    serial_put_varint(w, at.line);
    serial_put_varint(w, at.col);
}

void
serial_put_value(serial_writer *w, const value *v)
{
    if (!v) {
        buf_putc(w->out, TAG_NONE);
        return;
    }
    bool hashed = v->type == VALUE_STRING && v->as.str.len >= HASHED_MIN;
    buf_putc(w->out, (char)(v->type | (v->invalid ? TAG_INVALID : 0) | (hashed ? TAG_HASHED : 0)));
    serial_put_pos(w, v->pos);
    switch (v->type) {
    case VALUE_NULL:
        break;
    case VALUE_BOOL:
        buf_putc(w->out, v->as.boolean);
        break;
    case VALUE_NUMBER: {
        uint64_t bits;
        memcpy(&bits, &v->as.number, sizeof bits);
        serial_put_u64(w, bits);
        serial_put_str(w, v->as.number_text);
        break;
    }
    case VALUE_STRING:
        serial_put_text(w, v->as.str.ptr, v->as.str.len);
        if (hashed)
            serial_put_u64(w, v->as.str.hash ? v->as.str.hash
                                             : value_string_hash(v->as.str.ptr, v->as.str.len));
        break;
    case VALUE_DATE: {
        const value_date *d = &v->as.date;
        int f[] = {d->year, d->month, d->day, d->hour, d->minute, d->second, d->offset_min};
        for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
            serial_put_u64(w, (uint64_t)(int64_t)f[i]);
        buf_putc(w->out, (char)(d->has_time | d->has_offset << 1));
        break;
    }
    case VALUE_LIST:
        serial_put_varint(w, v->as.list.len);
        for (size_t i = 0; i < v->as.list.len; i++)
            serial_put_value(w, v->as.list.items[i]);
        break;
    case VALUE_MAP:
        serial_put_varint(w, v->as.map.len);
        for (size_t i = 0; i < v->as.map.len; i++) {
            const value_pair *p = &v->as.map.pairs[i];
            serial_put_text(w, p->key, p->key_len);
            serial_put_pos(w, p->key_pos);
            serial_put_value(w, p->val);
        }
        break;
    }
}

/* {====================================================================
 * reading
 * ===================================================================== */

static bool
fail(serial_reader *r)
{
    r->ok = false;
    r->p = r->end;
    return false;
}

static int
get_byte(serial_reader *r)
{
    if (!r->ok || r->p == r->end)
        return fail(r), -1;
    return *r->p++;
}

uint64_t
serial_get_u64(serial_reader *r)
{
    if (!r->ok || r->end - r->p < 8)
        return fail(r), 0;
    uint64_t x;
    memcpy(&x, r->p, 8); /* one load (an edit build reads about 20 per page) */
    r->p += 8;
    return le64toh(x);
}

size_t
serial_get_varint_slow(serial_reader *r)
{
    size_t x = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        int c = get_byte(r);
        if (c < 0)
            return 0;
        x |= (size_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return x;
    }
    return fail(r), 0;
}

const void *
serial_get_bytes(serial_reader *r, size_t *len)
{
    size_t n = serial_get_varint(r);
    *len = 0;
    if (!r->ok || (size_t)(r->end - r->p) < n)
        return fail(r), NULL;
    const void *p = r->p;
    r->p += n;
    *len = n;
    return p;
}

const char *
serial_get_text(serial_reader *r, size_t *len, arena *a)
{
    const char *p = serial_get_bytes(r, len);
    if (!p || r->p == r->end || *r->p != '\0') {
        *len = 0;
        return fail(r), NULL;
    }
    r->p++;
    return r->borrow ? p : arena_strndup(a, p, *len);
}

const char *
serial_get_str(serial_reader *r, arena *a)
{
    int tag = get_byte(r);
    if (tag != 1) {
        if (tag != 0)
            fail(r);
        return NULL;
    }
    size_t len;
    return serial_get_text(r, &len, a);
}

src_pos
serial_get_pos(serial_reader *r, arena *a)
{
    src_pos at = SRC_NONE;
    int tag = get_byte(r);
    if (tag == 1) {
        at.file = r->last_file;
        if (!at.file)
            fail(r);
    } else if (tag == 2) {
        size_t len;
        const char *p = serial_get_bytes(r, &len);
        /* a NULL: the caller keeps no position (its file is then "") */
        at.file = r->last_file = !p ? NULL : a ? arena_strndup(a, p, len) : "";
    } else if (tag != 0) {
        fail(r);
    }
    at.line = (unsigned)serial_get_varint(r);
    at.col = (unsigned)serial_get_varint(r);
    return at;
}

/* serial_get_item(), inlined into get_value() and skip_value() (with a call and a zeroed
 * item per value, 200,000 reads of a bench page's front matter took 2,540 ns each; so,
 * 2,100-2,200, against 2,050-2,090 before items) */
static inline __attribute__((always_inline)) bool
get_item(serial_reader *r, serial_item *it, arena *a)
{
    int tag = get_byte(r);
    value_type type = (value_type)(tag & 15);
    if (tag < 0 || (tag & ~(15 | TAG_INVALID | TAG_HASHED)) || type > VALUE_MAP ||
        ((tag & TAG_HASHED) && type != VALUE_STRING))
        return fail(r); /* TAG_NONE too: an item is never a null pointer */
    /* the fields of its type only (a page's front matter has some thirty values) */
    it->type = type;
    it->invalid = (tag & TAG_INVALID) != 0;
    it->text = NULL;
    it->len = it->count = 0;
    it->hash = 0;
    it->pos = serial_get_pos(r, a);
    switch (type) {
    case VALUE_NULL:
        break;
    case VALUE_BOOL:
        it->boolean = get_byte(r) == 1;
        break;
    case VALUE_NUMBER: {
        uint64_t bits = serial_get_u64(r);
        memcpy(&it->number, &bits, sizeof it->number);
        it->text = serial_get_str(r, a); /* as written, or NULL */
        it->len = it->text ? strlen(it->text) : 0;
        break;
    }
    case VALUE_STRING:
        it->text = serial_get_text(r, &it->len, a);
        if (!it->text)
            it->text = "";
        if (tag & TAG_HASHED) {
            /* trusted as the record's other bytes are (cache.c checks the record's hash);
             * sanitizer builds check it against the text when it is used (deps.c) */
            it->hash = serial_get_u64(r);
            if (it->len < HASHED_MIN || it->hash == 0)
                return fail(r); /* never written so */
        }
        break;
    case VALUE_DATE: {
        int64_t f[7];
        for (size_t i = 0; i < 7; i++)
            f[i] = (int64_t)serial_get_u64(r);
        int flags = get_byte(r);
        /* only fields a date can have: the calendar arithmetic must not overflow */
        if (f[0] < -1000000 || f[0] > 1000000 || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 ||
            f[3] < 0 || f[3] > 23 || f[4] < 0 || f[4] > 59 || f[5] < 0 || f[5] > 60 ||
            f[6] < -1440 || f[6] > 1440 || flags < 0 || flags > 3)
            return fail(r);
        it->date = (value_date){(int)f[0], (int)f[1], (int)f[2], (int)f[3],       (int)f[4],
                                (int)f[5], (int)f[6], flags & 1, (flags & 2) != 0};
        break;
    }
    case VALUE_LIST:
    case VALUE_MAP:
        it->count = serial_get_varint(r);
        if (it->count > (size_t)(r->end - r->p)) /* each item takes a byte at least */
            return fail(r);
        break;
    }
    return r->ok;
}

bool
serial_get_item(serial_reader *r, serial_item *it, arena *a)
{
    return get_item(r, it, a);
}

/* serial_get_key(), inlined into get_value() and skip_value() */
static inline __attribute__((always_inline)) const char *
get_key(serial_reader *r, size_t *len, src_pos *at, arena *a)
{
    const char *key = serial_get_text(r, len, a);
    *at = serial_get_pos(r, a);
    return r->ok ? key : NULL;
}

const char *
serial_get_key(serial_reader *r, size_t *len, src_pos *at, arena *a)
{
    return get_key(r, len, at, a);
}

/* One value (and its items) read as get_value() reads it, without making it. */
static bool
skip_value(serial_reader *r, arena *a, unsigned depth)
{
    serial_item it;
    if (depth > MAX_DEPTH || !get_item(r, &it, a))
        return fail(r);
    for (size_t i = 0; i < it.count && r->ok; i++) {
        size_t len;
        src_pos at;
        if (it.type == VALUE_MAP && !get_key(r, &len, &at, a))
            return fail(r);
        if (!skip_value(r, a, depth + 1))
            return false;
    }
    return r->ok;
}

bool
serial_skip_value(serial_reader *r, arena *a)
{
    return skip_value(r, a, 0);
}

static value *
get_value(serial_reader *r, arena *a, unsigned depth)
{
    serial_item it;
    if (depth > MAX_DEPTH || !get_item(r, &it, a))
        return fail(r), NULL;
    value *v = NULL;
    switch (it.type) {
    case VALUE_NULL:
        v = value_new_null(a, it.pos);
        break;
    case VALUE_BOOL:
        v = value_new_bool(a, it.boolean, it.pos);
        break;
    case VALUE_NUMBER:
        v = it.text ? value_new_number_text(a, it.number, it.text, it.len, it.pos)
                    : value_new_number(a, it.number, it.pos);
        break;
    case VALUE_STRING:
        v = value_new_string_ref(a, it.text, it.len, it.pos);
        v->as.str.hash = it.hash;
        break;
    case VALUE_DATE:
        v = value_new_date(a, it.date, it.pos);
        break;
    case VALUE_LIST:
        /* sized once: growing by doubling left two thirds of a restored site's lists as
         * garbage in the arenas */
        v = value_new_list_of(a, it.count, it.pos);
        for (size_t i = 0; i < it.count && r->ok; i++) {
            value *item = get_value(r, a, depth + 1);
            if (!item) /* lists hold values, never a null pointer */
                return fail(r), NULL;
            v->as.list.items[v->as.list.len++] = item;
        }
        break;
    case VALUE_MAP:
        /* the pairs as written (a map never holds a key twice), sized once, then indexed
         * as front.c does */
        v = value_new_map(a, it.pos);
        v->as.map.pairs = arena_alloc(a, (it.count + 1) * sizeof(value_pair));
        v->as.map.cap = it.count + 1;
        for (size_t i = 0; i < it.count && r->ok; i++) {
            size_t len;
            src_pos key_at;
            const char *key = get_key(r, &len, &key_at, a);
            value *val = get_value(r, a, depth + 1);
            if (!key || !val)
                return fail(r), NULL;
            v->as.map.pairs[v->as.map.len++] = value_pair_make(key, len, val, key_at);
        }
        value_map_index(v, a);
        break;
    }
    if (!r->ok)
        return NULL;
    v->invalid = it.invalid;
    return v;
}

value *
serial_get_value(serial_reader *r, arena *a)
{
    if (r->ok && r->p != r->end && *r->p == TAG_NONE) { /* a NULL, as written */
        r->p++;
        return NULL;
    }
    return get_value(r, a, 0);
}

/* {====================================================================
 * diagnostics
 * ===================================================================== */

static void
put_diag_items(serial_writer *w, diag_item *items, size_t n)
{
    serial_put_varint(w, n);
    for (size_t i = 0; i < n; i++) {
        const diag_item *e = &items[i];
        buf_putc(w->out, (char)e->level);
        serial_put_str(w, e->code);
        serial_put_pos(w, e->at);
        serial_put_bytes(w, e->msg, strlen(e->msg));
        serial_put_varint(w, e->parent == SIZE_MAX ? 0 : e->parent + 1);
    }
    free(items);
}

void
serial_put_diags(serial_writer *w, diag *d)
{
    diag_item *items;
    size_t n = diag_items(d, &items);
    put_diag_items(w, items, n);
}

void
serial_put_diags_sorted(serial_writer *w, diag *d)
{
    diag_item *items;
    size_t n = diag_items_sorted(d, &items);
    put_diag_items(w, items, n);
}

/* The count of diagnostics that follows, or SIZE_MAX (r failed) when it cannot be one. */
static size_t
get_diags_count(serial_reader *r)
{
    size_t n = serial_get_varint(r);
    if (!r->ok || n > (size_t)(r->end - r->p))
        return fail(r), SIZE_MAX;
    return n;
}

/* The n diagnostics at r, reported to `to`. */
static bool
get_diags(serial_reader *r, size_t n, diag *to, arena *a)
{
    size_t *ids = xcalloc(n + 1, sizeof(size_t));
    for (size_t i = 0; i < n && r->ok; i++) {
        int level = get_byte(r);
        const char *code = serial_get_str(r, a);
        src_pos at = serial_get_pos(r, a);
        size_t len;
        const char *msg = serial_get_bytes(r, &len);
        size_t parent = serial_get_varint(r);
        if (!r->ok || level < DIAG_NOTE || level > DIAG_ERROR || parent > i ||
            (parent == 0) == (level == DIAG_NOTE)) {
            fail(r);
            break;
        }
        const char *kept = code ? diag_code_intern(code, strlen(code)) : NULL;
        if (parent)
            diag_report_text(to, DIAG_NOTE, NULL, at, ids[parent - 1], msg, len);
        else
            ids[i] = diag_report_text(to, (diag_level)level, kept, at, SIZE_MAX, msg, len);
    }
    free(ids);
    return r->ok;
}

bool
serial_get_diags(serial_reader *r, diag *to, arena *a)
{
    size_t n = get_diags_count(r);
    return n != SIZE_MAX && (n == 0 || get_diags(r, n, to, a));
}

bool
serial_get_diags_new(serial_reader *r, diag **to, arena *a)
{
    *to = NULL;
    size_t n = get_diags_count(r);
    if (n == SIZE_MAX || n == 0)
        return n == 0;
    *to = diag_new();
    return get_diags(r, n, *to, a);
}
