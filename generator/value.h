/* SPDX-License-Identifier: MIT
 * value.h - the dynamic value tree (null, bool, number, string, date, list, map) that
 * front matter, site.yaml, the site model and template contexts are made of. Every
 * node remembers where it was written, for diagnostics. Values are arena-owned and
 * immutable once the site pass is over, so worker threads may read them freely. */
#ifndef CLINFOLIO_VALUE_H
#define CLINFOLIO_VALUE_H

#include "arena.h"
#include "buf.h"
#include "diag.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum value_type {
    VALUE_NULL,
    VALUE_BOOL,
    VALUE_NUMBER,
    VALUE_STRING,
    VALUE_DATE,
    VALUE_LIST,
    VALUE_MAP,
} value_type;

/* A calendar date, optionally with a time of day and a UTC offset, as written. */
typedef struct value_date {
    int year, month, day;     /* proleptic Gregorian; month 1-12, day 1-31 */
    int hour, minute, second; /* 0 when !has_time */
    int offset_min;           /* minutes east of UTC; 0 when !has_offset (taken as UTC) */
    bool has_time, has_offset;
} value_date;

typedef struct value value;

typedef struct value_pair {
    const char *key; /* NUL-terminated, owned by the arena; shorter than 4 GiB (as every
                      * input is: FS_MAX_INPUT, the plugins' string limit) */
    uint32_t key_len;
    uint32_t key_head; /* value_key_head(): lookups compare it without reading the key */
    value *val;
    src_pos key_pos; /* where the key was written (errors about keys point here) */
} value_pair;

/* The first four bytes of a key (fewer, zero-padded, when it is shorter): a map's pairs
 * keep it beside the key, so that scanning them for a key touches only the pairs. */
static inline uint32_t
value_key_head(const char *key, size_t key_len)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (key_len >= 4) { /* one load, not four: a 10k body edit 2.016 -> 1.934 G instructions */
        uint32_t head;
        memcpy(&head, key, sizeof head);
        return head;
    }
#endif
    uint32_t head = 0;
    for (size_t i = 0; i < key_len && i < 4; i++)
        head |= (uint32_t)(unsigned char)key[i] << (8 * i);
    return head;
}

/* A bit (0 to 63) of a key by its head and length: a mask of the bits of a few keys rules
 * most other keys out with one test (deps.c's late keys, value_map_pairs_of()). */
static inline unsigned
value_key_bit(uint32_t head, size_t key_len)
{
    return (unsigned)(((head ^ ((uint32_t)key_len << 24)) * 2654435761u) >> 26);
}

/* A map's pair, with key_head made. */
static inline value_pair
value_pair_make(const char *key, size_t key_len, value *val, src_pos key_pos)
{
    return (value_pair){key, (uint32_t)key_len, value_key_head(key, key_len), val, key_pos};
}

struct value {
    value_type type;
    /* Stands in for a YAML value already reported as an error (front_parse_page: an
     * invalid date, a scalar that does not fit its tag, an alias): schema checks skip it,
     * so one mistake gives one message. */
    bool invalid;
    /* A page's context map (site.c): a render's reads through it are checked by its deep
     * hash first (deps.c), so that an unchanged page is not read again value by value. */
    bool anchor;
    /* Made by a lookup in a scratch arena (deps_get_reverse()): its address is taken again
     * once the arena is reset, so no memo keeps a hash by it (deps.c). */
    bool transient;
    src_pos pos; /* where it was written; file NULL for computed values */
    union {
        bool boolean;
        struct {
            double number;
            /* VALUE_NUMBER read from YAML: the scalar as written ("1.10", "0755",
             * "0x1F"), NUL-terminated; what templates print. NULL for computed numbers. */
            const char *number_text;
        };
        struct {
            const char *ptr; /* NUL-terminated; may contain NUL bytes before len */
            size_t len;
            /* its deep hash (value_string_hash()) when known as it was made, else 0: set
             * by whoever makes the value, before any other thread sees it (serial.c
             * restores long texts with theirs), and never changed after */
            uint64_t hash;
        } str;
        value_date date;
        struct {
            value **items;
            size_t len, cap;
        } list;
        struct {
            value_pair *pairs; /* in insertion order */
            size_t len, cap;
            /* maps of VALUE_MAP_INDEX_MIN keys or more (value_map_setn_at(),
             * value_map_index()): index[0] is the number of slots less one (a power of
             * two, at least twice cap), then the slots: open addressing over pairs
             * (position + 1, 0 empty); NULL for smaller maps. One pointer, so a value
             * stays 56 bytes. */
            uint32_t *index;
        } map;
    } as;
};

/* ---- construction: all results are owned by a ---- */
value *value_new_null(arena *a, src_pos at);
value *value_new_bool(arena *a, bool b, src_pos at);
value *value_new_number(arena *a, double n, src_pos at);
/* A number that remembers how it was written: text[0..len) is copied into a and is what
 * value_to_text prints; comparisons, arithmetic, JSON and plugins use n. */
value *value_new_number_text(arena *a, double n, const char *text, size_t len, src_pos at);
/* Copies s[0..len) into a. */
value *value_new_string(arena *a, const char *s, size_t len, src_pos at);
value *value_new_cstr(arena *a, const char *s, src_pos at);
/* Borrows s, which must be NUL-terminated at len and outlive the value. */
value *value_new_string_ref(arena *a, const char *s, size_t len, src_pos at);
/* The deep hash (deps.h) of a string value with the bytes p[0..len): what str.hash holds
 * when it is known. Never 0. */
uint64_t value_string_hash(const char *p, size_t len);
value *value_new_date(arena *a, value_date d, src_pos at);
value *value_new_list(arena *a, src_pos at);
/* An empty list with room for n items, pushed without growing (a list grown by doubling
 * leaves its old copies in the arena: a section of 10,000 pages left 16,000 slots). */
value *value_new_list_of(arena *a, size_t n, src_pos at);
value *value_new_map(arena *a, src_pos at);

void value_list_push(value *list, value *item, arena *a);
/* Sets key to v, replacing an existing entry in place (order kept). The key is copied. */
void value_map_set(value *map, const char *key, value *v, arena *a);
void value_map_setn(value *map, const char *key, size_t key_len, value *v, arena *a);
/* As value_map_set, but the key is borrowed, not copied: a string that outlives the map
 * (a literal, or a name of site.yaml's). The site's template values set 400,000 keys at
 * 10,000 pages, almost all literals. */
void value_map_set_ref(value *map, const char *key, value *v, arena *a);
/* As value_map_set_ref, for a key (key_len bytes) the caller knows map does not hold:
 * added at the end without looking for it (the sanitizer builds look, and stop when it is
 * there). */
void value_map_addn_ref(value *map, const char *key, size_t key_len, value *v, arena *a);
/* As value_map_setn, recording where the key was written (front matter, site.yaml). */
void value_map_setn_at(value *map, const char *key, size_t key_len, value *v, src_pos key_pos,
                       arena *a);
/* A new map with src's pairs (NULL: none) and room for `extra` more without growing, as
 * value_map_setn() of each pair in order would make it, but sharing src's keys (src's
 * arena must outlive the copy): a page's context is its front matter and some twenty
 * keys more, made anew for every page of every build. */
value *value_map_copy(const value *src, size_t extra, arena *a);
/* Maps of this many keys or more are looked up through a hash index (site.i18n's hundred
 * and fifty strings, read for every t() call). Smaller ones are scanned: a page's forty
 * values lie side by side, and the index's own cache misses made checking a rebuild's
 * renders slower (render pass at 10,000 pages: 0.34 s scanned, 0.44 s with maps of 12
 * keys or more indexed). */
#define VALUE_MAP_INDEX_MIN 64
/* Indexes a map whose pairs were filled in directly (front.c), when it has
 * VALUE_MAP_INDEX_MIN keys or more; a key given twice is found at its first pair, as
 * without an index. value_map_setn_at() keeps the index of the maps it grows. */
void value_map_index(value *map, arena *a);
/* The pair for key, NULL when absent (to reach key_pos). */
const value_pair *value_map_pair(const value *map, const char *key);
/* A key and its length, for value_map_pairs_of(). */
typedef struct value_key {
    const char *key;
    size_t len;
} value_key;
#define VALUE_KEY(k)   ((value_key){k, sizeof k - 1})
#define VALUE_KEYS_MAX 32
/* The pairs of map for keys[0..n) (n at most VALUE_KEYS_MAX) into found[0..n), NULL for a
 * key it does not have (a key given twice: its first pair, as value_map_pair() finds it),
 * in one pass over the pairs, most of them ruled out by one test (value_key_bit()): for a
 * few keys of a map of dozens (a page's), cheaper than a lookup of each. */
void value_map_pairs_of(const value *map, const value_key *keys, size_t n,
                        const value_pair **found);

/* ---- access: NULL when absent or when the value is not of the right type ---- */
value *value_map_get(const value *map, const char *key);
value *value_map_getn(const value *map, const char *key, size_t key_len);
value *value_list_get(const value *list, size_t i);
/* Items of a list, pairs of a map, bytes of a string; 0 otherwise. */
size_t value_len(const value *v);
/* The string of a VALUE_STRING, else NULL. */
const char *value_str(const value *v);
/* Follows a dotted path through maps ("outcomes.funding.amount"); NULL if absent. */
value *value_path(const value *v, const char *dotted);

const char *value_type_name(value_type t);

/* ---- semantics shared by templates, sorting and plugins ---- */
/* Jinja truthiness: null, false, 0, "", empty list and empty map are false. */
bool value_truthy(const value *v);
/* Total order for sorting: null < bool < number < string < date < list < map across
 * types; within a type numbers numerically, strings bytewise, dates chronologically,
 * lists element-wise. NULL pointers sort as null. */
int value_compare(const value *a, const value *b);
bool value_equal(const value *a, const value *b);

/* ---- text forms ---- */
/* The text a template prints: null -> "", bool -> true/false, numbers from YAML as
 * written (1.10 -> "1.10", 0755 -> "0755"), computed numbers without a needless ".0",
 * dates as ISO 8601, lists and maps as JSON. Not escaped. */
void value_to_text(buf *out, const value *v);
/* value_to_text as a C string: a string value's own text (or a YAML number's text),
 * else text made in a (2023 -> "2023", true -> "true"). */
const char *value_to_cstr(const value *v, arena *a);
/* Numbers are printed by this one function, locale-independent: integers as integers,
 * others with the shortest form that reads back the same. NaN and inf as null. */
void value_format_number(buf *out, double n);
/* JSON (RFC 8259), keys in insertion order; indent > 0 pretty-prints. Numbers are
 * numbers (value_format_number), whatever their text: 1.10 -> 1.1, 0755 -> 755. */
void value_to_json(buf *out, const value *v, int indent);
/* s[0..len) as a JSON string, quotes included: ", \ and control characters escaped, and
 * '<' as \u003c (safe inside <script>); other bytes as they are. */
void value_json_string(buf *out, const char *s, size_t len);
/* value_json_string of a NUL-terminated s; NULL is written as "". */
void value_json_cstr(buf *out, const char *s);

/* ---- dates ---- */
/* Parses the YAML timestamp forms: YYYY-MM-DD, optionally followed by [Tt ]HH:MM[:SS[.f]]
 * and [ ]Z or +HH[:MM]/-HH[:MM]. Rejects out-of-range fields (2023-02-30). */
bool value_date_parse(value_date *out, const char *s, size_t len);
/* Seconds since 1970-01-01T00:00:00Z of the instant (a date alone is midnight UTC). */
int64_t value_date_epoch(const value_date *d);
/* The UTC date of an epoch instant, with has_time and has_offset set. */
value_date value_date_from_epoch(int64_t secs);
/* Whole days from a to b (b - a), counting calendar dates as written. */
long value_date_days_between(const value_date *a, const value_date *b);
/* strftime-like, locale-free, English names: %Y %y %m %d %e %H %M %S %j %b %B %a %A
 * %F (%Y-%m-%d) %T (%H:%M:%S) %z (+0800) %Z (UTC offset or "UTC") %% ; GNU's "-" flag
 * drops the padding of %-y %-m %-d %-H %-M %-S %-j ("%Y年%-m月%-d日": 2023年4月5日). */
void value_date_format(buf *out, const value_date *d, const char *fmt);
/* 2023-01-05 or 2023-01-05T08:30:00+08:00 (RFC 3339 when it has a time). */
void value_date_iso(buf *out, const value_date *d);
/* RFC 822 as RSS wants it: "Thu, 05 Jan 2023 00:00:00 +0000". */
void value_date_rfc822(buf *out, const value_date *d);

#endif
