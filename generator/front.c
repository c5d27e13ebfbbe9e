/* SPDX-License-Identifier: MIT
 * front.c - split YAML front matter from a page and turn libyaml events into values,
 * keeping source positions for diagnostics. Pass 2 of the pipeline. The event loop keeps
 * its own stacks, so no C recursion follows the depth of the input. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strtod_l, newlocale (the Makefile defines it; the fuzz build may not) */
#endif
#include "front.h"

#include "buf.h"
#include "text.h"
#include "xalloc.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_SHOWN 60 /* characters of a user's text quoted in a message */

/* {====================================================================
 * splitting
 * ===================================================================== */

/* Whether line[0..len) is the 3-character fence, blanks, then LF, CRLF, CR or nothing. */
static bool
is_fence(const char *line, size_t len, const char *fence)
{
    if (len < 3 || memcmp(line, fence, 3) != 0)
        return false;
    size_t i = 3;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    return i == len || (line[i] == '\n' && i + 1 == len) ||
           (line[i] == '\r' && (i + 1 == len || (line[i + 1] == '\n' && i + 2 == len)));
}

/* Length of the line at s, its LF included. */
static size_t
line_len(const char *s, size_t len)
{
    const char *nl = memchr(s, '\n', len);
    return nl ? (size_t)(nl - s) + 1 : len;
}

bool
front_split(front_doc *out, const char *src, size_t len, const char *file, diag *d)
{
    if (!src)
        src = "", len = 0;
    size_t start = len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    *out = (front_doc){NULL, 0, 0, src + start, len - start, 1, false};
    size_t open = line_len(src + start, len - start);
    if (!is_fence(src + start, open, "---"))
        return true;
    size_t yaml_start = start + open;
    unsigned line = 2;
    for (size_t i = yaml_start; i < len; line++) {
        size_t n = line_len(src + i, len - i);
        if (is_fence(src + i, n, "---") || is_fence(src + i, n, "...")) {
            *out = (front_doc){src + yaml_start, i - yaml_start, 2,   src + i + n,
                               len - i - n,      line + 1,       true};
            return true;
        }
        i += n;
    }
    diag_report(d, DIAG_ERROR, SRC_POS(file, 1, 1),
                "front matter is not closed: the '---' on line 1 needs a closing '---' line");
    return false;
}

/* {====================================================================
 * the loader: state, positions, messages
 * ===================================================================== */

typedef struct frame {
    value *coll; /* the list or map being filled */
    size_t base; /* index in items of its first item (maps: key, value, key, ...) */
} frame;

typedef struct loader {
    const char *file;
    const char *yaml;
    size_t len;
    unsigned first_line;
    front_limits lim;
    arena *a;
    diag *d;
    frame *frames; /* open collections, innermost last; at most lim.max_depth */
    size_t depth, frames_cap;
    value **items; /* finished children of the open collections; NULL: a rejected key */
    size_t nitems, items_cap;
    size_t nodes;
    unsigned errors;
    bool stop;         /* a limit was hit or too many errors: read no more events */
    bool broken;       /* the tree is incomplete: a syntax error, bad UTF-8 or stop */
    bool told_anchors; /* "anchors and aliases" is said once per call */
    int documents;
    value *root;
    bool root_empty;    /* the root is the empty plain scalar of an empty document */
    locale_t c_numeric; /* for strtod_l, made on first use; (locale_t)0 if none */
} loader;

static src_pos
mark_pos(const loader *l, yaml_mark_t m)
{
    return SRC_POS(l->file, l->first_line + (unsigned)m.line, (unsigned)m.column + 1);
}

/* Bytes of the character at s[i] and whether it ends a line, as libyaml counts: line
 * breaks are LF, CR, CRLF, NEL, LS and PS; an invalid byte counts as one character. */
static size_t
step(const unsigned char *s, size_t len, size_t i, bool *brk)
{
    size_t k = text_utf8_seq((const char *)s + i, len - i);
    *brk = s[i] == '\n' || s[i] == '\r' || (k == 2 && s[i] == 0xC2 && s[i + 1] == 0x85) ||
           (k == 3 && s[i] == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] & 0xFE) == 0xA8);
    if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
        k = 2;
    return k ? k : 1;
}

/* Where libyaml starts counting: after a leading BOM, which is not a character. */
static size_t
text_start(const loader *l)
{
    return l->len >= 3 && memcmp(l->yaml, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

/* The position of byte offset off (libyaml's reader errors carry offsets, not marks). */
static src_pos
offset_pos(const loader *l, size_t off)
{
    const unsigned char *s = (const unsigned char *)l->yaml;
    size_t line = 0, col = 0, end = l->len < off ? l->len : off;
    bool brk;
    for (size_t i = text_start(l); i < end;) {
        i += step(s, l->len, i, &brk);
        line = brk ? line + 1 : line;
        col = brk ? 0 : col + 1;
    }
    return SRC_POS(l->file, l->first_line + (unsigned)line, (unsigned)col + 1);
}

/* The byte at a libyaml mark, or -1 past the end (for hints about what was found). */
static int
byte_at_mark(const loader *l, yaml_mark_t m)
{
    const unsigned char *s = (const unsigned char *)l->yaml;
    size_t line = 0, col = 0, i = text_start(l);
    bool brk;
    while (i < l->len && (line < m.line || (line == m.line && col < m.column))) {
        i += step(s, l->len, i, &brk);
        line = brk ? line + 1 : line;
        col = brk ? 0 : col + 1;
    }
    return i < l->len && line == m.line && col == m.column ? s[i] : -1;
}

static size_t __attribute__((format(printf, 3, 4)))
fail(loader *l, src_pos at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t id = diag_vreport(l->d, DIAG_ERROR, at, fmt, ap);
    va_end(ap);
    if (++l->errors >= FRONT_MAX_ERRORS && !l->stop) {
        diag_note(l->d, id, at, "too many errors; the rest of this YAML was not checked");
        l->stop = true;
    }
    return id;
}

/* s[0..len) for a message: at most MAX_SHOWN characters, control characters as '?'. */
static const char *
shown(loader *l, const char *s, size_t len)
{
    size_t cut = text_utf8_prefix(s, len, MAX_SHOWN);
    char *out = arena_strndup(l->a, s, cut);
    for (char *p = out; p < out + cut; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return cut < len ? arena_printf(l->a, "%s...", out) : out;
}

static void
oom(void)
{
    fputs("clinfolio: out of memory\n", stderr); /* as xalloc does: libyaml's malloc failed */
    abort();
}

/* libyaml's error, in our shape. Reader errors carry a byte offset, the others marks. */
static void
report_yaml_error(loader *l, const yaml_parser_t *p)
{
    const char *problem = p->problem ? p->problem : "invalid YAML";
    l->broken = true;
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        oom();
        break;
    case YAML_READER_ERROR: {
        src_pos at = offset_pos(l, p->problem_offset);
        if (strcmp(problem, "control characters are not allowed") == 0 && p->problem_value >= 0)
            fail(l, at, "control character U+%04X is not allowed in YAML",
                 (unsigned)p->problem_value);
        else
            fail(l, at, "invalid UTF-8 (%s); the file must be saved as UTF-8", problem);
        break;
    }
    case YAML_SCANNER_ERROR:
    case YAML_PARSER_ERROR: {
        bool tab = byte_at_mark(l, p->problem_mark) == '\t';
        size_t id = fail(l, mark_pos(l, p->problem_mark), "%s%s", problem,
                         tab ? " (a tab: YAML is indented with spaces)" : "");
        if (p->context)
            diag_note(l->d, id, mark_pos(l, p->context_mark), "%s", p->context);
        break;
    }
    default:
        fail(l, SRC_POS(l->file, l->first_line, 0), "%s", problem);
        break;
    }
}

/* Invalid UTF-8 is found here, before libyaml, to name the byte and its place. */
static bool
check_utf8(loader *l)
{
    for (size_t i = 0; i < l->len;) {
        size_t k = text_utf8_seq(l->yaml + i, l->len - i);
        if (!k) {
            fail(l, offset_pos(l, i), "invalid UTF-8 byte 0x%02X; the file must be saved as UTF-8",
                 (unsigned char)l->yaml[i]);
            l->broken = true;
            return false;
        }
        i += k;
    }
    return true;
}

/* {====================================================================
 * tags and scalar typing (YAML 1.2 core schema)
 * ===================================================================== */

typedef enum tag_kind {
    TAG_NONE, /* no tag: resolve plain scalars by their text */
    TAG_STR,
    TAG_INT,
    TAG_FLOAT,
    TAG_BOOL,
    TAG_NULL,
    TAG_TIMESTAMP,
    TAG_SEQ,
    TAG_MAP,
    TAG_OTHER,
} tag_kind;

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

static tag_kind
tag_of(const yaml_char_t *tag)
{
    static const struct {
        const char *name;
        tag_kind kind;
    } known[] = {{"str", TAG_STR},   {"int", TAG_INT},   {"float", TAG_FLOAT},
                 {"bool", TAG_BOOL}, {"null", TAG_NULL}, {"timestamp", TAG_TIMESTAMP},
                 {"seq", TAG_SEQ},   {"map", TAG_MAP}};
    if (!tag)
        return TAG_NONE;
    const char *t = (const char *)tag;
    size_t n = strlen(YAML_TAG_PREFIX);
    if (strncmp(t, YAML_TAG_PREFIX, n) != 0)
        return TAG_OTHER;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(t + n, known[i].name) == 0)
            return known[i].kind;
    return TAG_OTHER;
}

/* A tag as users write it: tag:yaml.org,2002:str -> !!str. */
static const char *
tag_shown(loader *l, const yaml_char_t *tag)
{
    const char *t = (const char *)tag;
    size_t n = strlen(YAML_TAG_PREFIX);
    if (strncmp(t, YAML_TAG_PREFIX, n) == 0)
        return arena_printf(l->a, "!!%s", shown(l, t + n, strlen(t + n)));
    return shown(l, t, strlen(t));
}

static bool
is_one_of(const char *s, size_t len, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == len && memcmp(s, *words, len) == 0)
            return true;
    return false;
}

static bool
is_null(const char *s, size_t len)
{
    static const char *const w[] = {"~", "null", "Null", "NULL", NULL};
    return len == 0 || is_one_of(s, len, w);
}

static bool
match_bool(const char *s, size_t len, bool *out)
{
    static const char *const t[] = {"true", "True", "TRUE", NULL};
    static const char *const f[] = {"false", "False", "FALSE", NULL};
    if (is_one_of(s, len, t))
        *out = true;
    else if (is_one_of(s, len, f))
        *out = false;
    else
        return false;
    return true;
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Digits from i on; returns the index after them. */
static size_t
skip_digits(const char *s, size_t len, size_t i)
{
    while (i < len && is_digit(s[i]))
        i++;
    return i;
}

/* A decimal number already checked by a matcher. s is NUL-terminated at len (libyaml's
 * scalars are), and the C locale keeps '.' the decimal point whatever main set. */
static double
to_double(loader *l, const char *s)
{
    if (!l->c_numeric)
        l->c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    return l->c_numeric ? strtod_l(s, NULL, l->c_numeric) : strtod(s, NULL);
}

/* [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+ */
static bool
match_int(loader *l, const char *s, size_t len, double *out)
{
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
        int base = s[1] == 'x' ? 16 : 8;
        double v = 0;
        for (size_t i = 2; i < len; i++) {
            int dg = text_hex_digit(s[i]);
            if (dg < 0 || dg >= base)
                return false;
            v = v * base + dg; /* exact up to 2^53, which is what a double holds anyway */
        }
        *out = v;
        return true;
    }
    size_t i = len && (s[0] == '-' || s[0] == '+');
    if (i == len || skip_digits(s, len, i) != len)
        return false;
    *out = to_double(l, s);
    return true;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? | [-+]?\.inf | \.nan (3 cases each) */
static bool
match_float(loader *l, const char *s, size_t len, double *out)
{
    static const char *const inf[] = {".inf", ".Inf", ".INF", NULL};
    static const char *const nan[] = {".nan", ".NaN", ".NAN", NULL};
    size_t i = len && (s[0] == '-' || s[0] == '+');
    if (is_one_of(s + i, len - i, inf)) {
        *out = s[0] == '-' ? -INFINITY : INFINITY;
        return true;
    }
    if (is_one_of(s, len, nan)) {
        *out = NAN;
        return true;
    }
    size_t j;
    if (i < len && s[i] == '.') {
        j = skip_digits(s, len, i + 1);
        if (j == i + 1)
            return false;
    } else {
        j = skip_digits(s, len, i);
        if (j == i)
            return false;
        if (j < len && s[j] == '.')
            j = skip_digits(s, len, j + 1);
    }
    if (j < len && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < len && (s[k] == '-' || s[k] == '+'))
            k++;
        j = skip_digits(s, len, k);
        if (j == k)
            return false;
    }
    if (j != len)
        return false;
    *out = to_double(l, s);
    return true;
}

/* YYYY-MM-DD, then the end, or [Tt ] and a digit: meant as a date, so an error if it is
 * not one (2023-02-30). "2023-05-01 Kickoff" stays a string. */
static bool
looks_like_date(const char *s, size_t len)
{
    if (len < 10)
        return false;
    for (size_t i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : !is_digit(s[i]))
            return false;
    return len == 10 ||
           (len > 11 && (s[10] == 'T' || s[10] == 't' || s[10] == ' ') && is_digit(s[11]));
}

/* The value of a scalar event in a value position; after an error, a string stands in. */
static value *
scalar_value(loader *l, const yaml_event_t *ev, src_pos at)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    tag_kind tag = tag_of(ev->data.scalar.tag);
    unsigned errors = l->errors;
    bool b;
    double n;
    value_date date;

    switch (tag) {
    case TAG_NONE:
        if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
            break;
        if (is_null(s, len))
            return value_new_null(l->a, at);
        if (match_bool(s, len, &b))
            return value_new_bool(l->a, b, at);
        if (match_int(l, s, len, &n) || match_float(l, s, len, &n))
            return value_new_number_text(l->a, n, s, len, at);
        if (looks_like_date(s, len)) {
            if (value_date_parse(&date, s, len))
                return value_new_date(l->a, date, at);
            fail(l, at, "invalid date '%s'", shown(l, s, len));
        }
        break;
    case TAG_STR:
        break;
    case TAG_NULL:
        if (is_null(s, len))
            return value_new_null(l->a, at);
        fail(l, at, "invalid !!null value '%s'", shown(l, s, len));
        break;
    case TAG_BOOL:
        if (match_bool(s, len, &b))
            return value_new_bool(l->a, b, at);
        fail(l, at, "invalid !!bool value '%s' (use true or false)", shown(l, s, len));
        break;
    case TAG_INT:
        if (match_int(l, s, len, &n))
            return value_new_number_text(l->a, n, s, len, at);
        fail(l, at, "invalid !!int value '%s'", shown(l, s, len));
        break;
    case TAG_FLOAT:
        if (match_int(l, s, len, &n) || match_float(l, s, len, &n))
            return value_new_number_text(l->a, n, s, len, at);
        fail(l, at, "invalid !!float value '%s'", shown(l, s, len));
        break;
    case TAG_TIMESTAMP:
        if (value_date_parse(&date, s, len))
            return value_new_date(l->a, date, at);
        fail(l, at, "invalid date '%s'", shown(l, s, len));
        break;
    case TAG_SEQ:
    case TAG_MAP:
    case TAG_OTHER:
        fail(l, at,
             "unsupported tag '%s' (allowed: !!str, !!int, !!float, !!bool, !!null, "
             "!!timestamp)",
             tag_shown(l, ev->data.scalar.tag));
        break;
    }
    value *v = value_new_string(l->a, s, len, at);
    v->invalid = l->errors > errors; /* the text stands in for a value reported above */
    return v;
}

/* {====================================================================
 * building the tree
 * ===================================================================== */

static bool
expecting_key(const loader *l)
{
    if (l->depth == 0)
        return false;
    const frame *f = &l->frames[l->depth - 1];
    return f->coll->type == VALUE_MAP && (l->nitems - f->base) % 2 == 0;
}

static void
push_item(loader *l, value *v)
{
    l->items = xgrow(l->items, l->nitems, &l->items_cap, sizeof(value *), 64);
    l->items[l->nitems++] = v;
}

/* A finished node goes to its parent: the root, a list item, a map key or a map value. */
static void
deliver(loader *l, value *v)
{
    if (l->depth == 0) {
        l->root = v;
        return;
    }
    if (v && expecting_key(l) && v->type != VALUE_STRING) {
        fail(l, v->pos, "a map key must be text, not a %s", value_type_name(v->type));
        v = NULL;
    }
    push_item(l, v);
}

typedef struct key_ref {
    const value_pair *pair;
    size_t index;
} key_ref;

static int
cmp_keys(const void *pa, const void *pb)
{
    const key_ref *a = pa, *b = pb;
    size_t n = a->pair->key_len < b->pair->key_len ? a->pair->key_len : b->pair->key_len;
    int c = memcmp(a->pair->key, b->pair->key, n);
    if (c)
        return c;
    if (a->pair->key_len != b->pair->key_len)
        return a->pair->key_len < b->pair->key_len ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static bool
same_key(const value_pair *a, const value_pair *b)
{
    return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

static void
report_duplicate(loader *l, const value_pair *first, const value_pair *again)
{
    fail(l, again->key_pos, "duplicate key '%s' (first defined on line %u)",
         shown(l, again->key, again->key_len), first->key_pos.line);
}

/* Reports every repeated key at its later occurrence. Sorting keeps big maps O(n log n);
 * value_map_setn's linear lookup per key would make them quadratic. */
static void
check_duplicates(loader *l, const value_pair *pairs, size_t n)
{
    if (n <= 16) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (same_key(&pairs[j], &pairs[i])) {
                    report_duplicate(l, &pairs[j], &pairs[i]);
                    break;
                }
        return;
    }
    key_ref *refs = xmalloc(n * sizeof(key_ref));
    for (size_t i = 0; i < n; i++)
        refs[i] = (key_ref){&pairs[i], i};
    qsort(refs, n, sizeof(key_ref), cmp_keys);
    for (size_t i = 1, first = 0; i < n && !l->stop; i++) {
        if (same_key(refs[first].pair, refs[i].pair))
            report_duplicate(l, refs[first].pair, refs[i].pair);
        else
            first = i;
    }
    free(refs);
}

static void
open_collection(loader *l, value *coll)
{
    l->frames = xgrow(l->frames, l->depth, &l->frames_cap, sizeof(frame), 16);
    l->frames[l->depth++] = (frame){coll, l->nitems};
}

/* Pops the innermost collection, moves its items into exactly sized arena arrays, and
 * delivers it to its parent. */
static void
close_collection(loader *l)
{
    frame f = l->frames[--l->depth];
    size_t n = l->nitems - f.base;
    value **items = n ? l->items + f.base : NULL; /* items is NULL before the first push */
    value *c = f.coll;
    if (c->type == VALUE_LIST) {
        if (n) {
            c->as.list.items = arena_alloc(l->a, n * sizeof(value *));
            memcpy(c->as.list.items, items, n * sizeof(value *));
        }
        c->as.list.len = c->as.list.cap = n;
    } else {
        size_t len = 0;
        if (n) {
            c->as.map.pairs = arena_alloc(l->a, n / 2 * sizeof(value_pair));
            for (size_t i = 0; i + 1 < n; i += 2) {
                value *key = items[i];
                if (key) /* NULL: an alias or a collection as key, reported already */
                    c->as.map.pairs[len++] =
                        value_pair_make(key->as.str.ptr, key->as.str.len, items[i + 1], key->pos);
            }
        }
        c->as.map.len = len;
        c->as.map.cap = n / 2;
        check_duplicates(l, c->as.map.pairs, len);
        value_map_index(c, l->a);
    }
    l->nitems = f.base;
    deliver(l, c);
}

/* Counts a node against max_nodes and rejects its anchor; false: stop reading. */
static bool
start_node(loader *l, const yaml_event_t *ev, const yaml_char_t *anchor)
{
    if (++l->nodes > l->lim.max_nodes) {
        fail(l, mark_pos(l, ev->start_mark), "too many values (more than %zu)", l->lim.max_nodes);
        l->stop = true;
        return false;
    }
    if (anchor && !l->told_anchors) {
        fail(l, mark_pos(l, ev->start_mark), "anchors and aliases are not supported");
        l->told_anchors = true;
    }
    return true;
}

static void
start_collection(loader *l, const yaml_event_t *ev, bool is_map)
{
    const yaml_char_t *anchor =
        is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    const yaml_char_t *tag = is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
    if (!start_node(l, ev, anchor))
        return;
    src_pos at = mark_pos(l, ev->start_mark);
    if (l->depth >= l->lim.max_depth) {
        fail(l, at, "nested too deeply (more than %u levels)", l->lim.max_depth);
        l->stop = true;
        return;
    }
    tag_kind k = tag_of(tag);
    value *coll = is_map ? value_new_map(l->a, at) : value_new_list(l->a, at);
    if (k != TAG_NONE && k != (is_map ? TAG_MAP : TAG_SEQ)) {
        fail(l, at, "unsupported tag '%s' on a %s", tag_shown(l, tag), is_map ? "map" : "list");
        coll->invalid = true;
    }
    open_collection(l, coll);
}

static void
on_scalar(loader *l, const yaml_event_t *ev)
{
    if (!start_node(l, ev, ev->data.scalar.anchor))
        return;
    src_pos at = mark_pos(l, ev->start_mark);
    const char *s = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (len > l->lim.max_scalar) {
        fail(l, at, "text too long (%zu bytes; the limit is %zu)", len, l->lim.max_scalar);
        l->stop = true;
        return;
    }
    if (!expecting_key(l)) {
        value *v = scalar_value(l, ev, at);
        if (l->depth == 0 && v->type == VALUE_NULL && len == 0 && !ev->data.scalar.tag)
            l->root_empty = true; /* `---` and nothing: an empty document */
        deliver(l, v);
        return;
    }
    tag_kind k = tag_of(ev->data.scalar.tag); /* keys stay text; only check the tag */
    if (k == TAG_SEQ || k == TAG_MAP || k == TAG_OTHER)
        fail(l, at, "unsupported tag '%s' on a map key", tag_shown(l, ev->data.scalar.tag));
    deliver(l, value_new_string(l->a, s, len, at));
}

static void
on_event(loader *l, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (l->documents++ > 0) {
            fail(l, mark_pos(l, ev->start_mark), "only one YAML document is allowed here");
            l->stop = true;
        }
        break;
    case YAML_ALIAS_EVENT:
        if (!start_node(l, ev, NULL))
            break;
        if (!l->told_anchors) {
            fail(l, mark_pos(l, ev->start_mark), "anchors and aliases are not supported");
            l->told_anchors = true;
        }
        if (expecting_key(l)) {
            push_item(l, NULL);
        } else {
            value *v = value_new_null(l->a, mark_pos(l, ev->start_mark));
            v->invalid = true; /* reported once above, or together with the first alias */
            deliver(l, v);
        }
        break;
    case YAML_SCALAR_EVENT:
        on_scalar(l, ev);
        break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        start_collection(l, ev, ev->type == YAML_MAPPING_START_EVENT);
        break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        close_collection(l);
        break;
    default: /* stream start and end, document end, no event */
        break;
    }
}

/* {====================================================================
 * the entry point
 * ===================================================================== */

/* Reads yaml into a tree; *clean tells whether it reported nothing. Returns NULL when
 * the tree is incomplete or not a map where require_map; after errors that left it
 * whole, returns it only when keep. */
static value *
parse(bool *clean, const char *yaml, size_t len, const char *file, unsigned first_line,
      bool require_map, const front_limits *limits, bool keep, arena *a, diag *d)
{
    *clean = false;
    loader l = {0};
    l.file = file;
    l.yaml = yaml ? yaml : "";
    l.len = yaml ? len : 0;
    l.first_line = first_line;
    l.a = a;
    l.d = d;
    l.lim = limits ? *limits : (front_limits){0, 0, 0};
    if (!l.lim.max_depth)
        l.lim.max_depth = FRONT_MAX_DEPTH;
    if (!l.lim.max_scalar)
        l.lim.max_scalar = FRONT_MAX_SCALAR;
    if (!l.lim.max_nodes)
        l.lim.max_nodes = FRONT_MAX_NODES;
    if (!check_utf8(&l))
        return NULL;

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        oom();
    yaml_parser_set_input_string(&parser, (const unsigned char *)l.yaml, l.len);
    for (bool done = false; !done && !l.stop;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            report_yaml_error(&l, &parser);
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        on_event(&l, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    free(l.frames);
    free(l.items);
    if (l.c_numeric)
        freelocale(l.c_numeric);
    if (l.broken || l.stop || (l.errors && !keep))
        return NULL;

    value *root = l.root;
    if (!root || l.root_empty)
        root = value_new_map(a, root ? root->pos : SRC_POS(file, first_line, 1));
    if (require_map && root->type != VALUE_MAP) {
        if (!root->invalid) /* else its error is out already */
            diag_report(d, DIAG_ERROR, root->pos,
                        "expected a map of 'key: value' lines here, not a %s",
                        value_type_name(root->type));
        return NULL;
    }
    *clean = l.errors == 0;
    return root;
}

value *
front_parse_yaml(const char *yaml, size_t len, const char *file, unsigned first_line,
                 bool require_map, const front_limits *limits, arena *a, diag *d)
{
    bool clean;
    return parse(&clean, yaml, len, file, first_line, require_map, limits, false, a, d);
}

value *
front_parse_page(bool *ok, const char *yaml, size_t len, const char *file, unsigned first_line,
                 arena *a, diag *d)
{
    return parse(ok, yaml, len, file, first_line, true, NULL, true, a, d);
}
