/* SPDX-License-Identifier: MIT
 * deps.c - the reads of a render, logged as paths with hashes, and checked against a
 * new context (see deps.h). A logged read is encoded as
 *   kind (1 byte) | shared (varint) | more (varint) | per step: op (1 byte), text
 *   (serial bytes), the number (u64, DEPS_NUM only) | anchor (varint) | the attribute
 *   (serial bytes, DEPS_ATTRS only) | hash (u64)
 * where the path from the root to the value is the first `shared` steps of the read
 * logged before it (reads of one list item follow each other) and `more` steps written
 * here; a check resolves each shared prefix once, and only as far as it needs. anchor is
 * 0, or the number k of steps from the root to the first anchor on the path (a page's
 * map, value.anchor), then that anchor's number in the log (varint), followed the first
 * time by its deep hash (u64): a check that finds after k steps an anchor with that hash
 * needs nothing more of the read. A log is stored in the cache as bytes
 * and decoded without trusting it. Part of the render pass. */
#include "deps.h"

#include "hash.h"
#include "selfcheck.h"
#include "serial.h"
#include "text.h"
#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {====================================================================
 * lookups, shared with the template evaluator
 * ===================================================================== */

static const value *
list_at(const value *list, double idx)
{
    if (idx != floor(idx))
        return NULL;
    double n = (double)list->as.list.len;
    if (idx < 0)
        idx += n;
    if (idx < 0 || idx >= n)
        return NULL;
    return list->as.list.items[(size_t)idx];
}

const value *
deps_get_attr(const value *obj, const char *name, size_t len)
{
    if (!obj)
        return NULL;
    if (obj->type == VALUE_MAP)
        return value_map_getn(obj, name, len);
    if (obj->type != VALUE_LIST || !len || len >= 10)
        return NULL;
    double idx = 0;
    for (size_t i = 0; i < len; i++) {
        if (name[i] < '0' || name[i] > '9')
            return NULL;
        idx = idx * 10 + (name[i] - '0');
    }
    return list_at(obj, idx);
}

static const value *
string_at(const value *s, double idx, arena *scratch)
{
    size_t n = text_utf8_count(s->as.str.ptr, s->as.str.len);
    if (idx != floor(idx))
        return NULL;
    if (idx < 0)
        idx += (double)n;
    if (idx < 0 || idx >= (double)n)
        return NULL;
    size_t start = text_utf8_prefix(s->as.str.ptr, s->as.str.len, (size_t)idx);
    size_t end = text_utf8_prefix(s->as.str.ptr, s->as.str.len, (size_t)idx + 1);
    return value_new_string(scratch, s->as.str.ptr + start, end - start, SRC_NONE);
}

const value *
deps_get_index(const value *obj, const value *idx, arena *scratch)
{
    if (!obj || !idx)
        return NULL;
    if (obj->type == VALUE_MAP) {
        if (idx->type == VALUE_STRING)
            return value_map_getn(obj, idx->as.str.ptr, idx->as.str.len);
        if (idx->type != VALUE_NUMBER)
            return NULL;
        buf key = BUF_INIT;
        value_to_text(&key, idx);
        const value *v = value_map_getn(obj, key.ptr, key.len);
        buf_free(&key);
        return v;
    }
    if (idx->type != VALUE_NUMBER)
        return NULL;
    if (obj->type == VALUE_LIST)
        return list_at(obj, idx->as.number);
    if (obj->type == VALUE_STRING)
        return string_at(obj, idx->as.number, scratch);
    return NULL;
}

const value *
deps_get_reverse(const value *obj, arena *scratch)
{
    if (!obj || obj->type != VALUE_LIST)
        return NULL;
    value *r = value_new_list(scratch, SRC_NONE);
    r->transient = true;
    for (size_t i = obj->as.list.len; i-- > 0;)
        value_list_push(r, obj->as.list.items[i], scratch);
    return r;
}

/* {====================================================================
 * hashes of values
 * ===================================================================== */

/* (value, tag) -> hash: tag 0 for a deep hash, else the hash of an attribute's name for
 * the hash of that attribute of each item (DEPS_ATTRS). */
typedef struct memo_key {
    const value *v;
    uint64_t tag;
} memo_key;

struct deps_memo {
    memo_key *keys;
    uint64_t *vals;
    size_t cap, len;  /* cap: 0 or a power of two */
    size_t first_cap; /* cap once something is put: 1024, 64 for a log's anchors (emptied
                       * after every render) */
};

deps_memo *
deps_memo_new(void)
{
    deps_memo *m = xcalloc(1, sizeof(deps_memo));
    m->first_cap = 1024;
    return m;
}

void
deps_memo_free(deps_memo *m)
{
    if (!m)
        return;
    free(m->keys);
    free(m->vals);
    free(m);
}

static size_t
slot_of(memo_key k, size_t cap)
{
    return (size_t)hash_u64(k.tag, (uintptr_t)k.v) & (cap - 1);
}

static bool
memo_get(const deps_memo *m, memo_key k, uint64_t *h)
{
    if (!m || !m->cap)
        return false;
    for (size_t i = slot_of(k, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i].v)
            return false;
        if (m->keys[i].v == k.v && m->keys[i].tag == k.tag) {
            *h = m->vals[i];
            return true;
        }
    }
}

static void
memo_put(deps_memo *m, memo_key k, uint64_t h)
{
    if (!m)
        return;
    if ((m->len + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : m->first_cap;
        memo_key *keys = xcalloc(cap, sizeof *keys);
        uint64_t *vals = xcalloc(cap, sizeof *vals);
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i].v) {
                size_t j = slot_of(m->keys[i], cap);
                while (keys[j].v)
                    j = (j + 1) & (cap - 1);
                keys[j] = m->keys[i];
                vals[j] = m->vals[i];
            }
        free(m->keys);
        free(m->vals);
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    size_t i = slot_of(k, m->cap);
    while (m->keys[i].v)
        i = (i + 1) & (m->cap - 1);
    m->keys[i] = k;
    m->vals[i] = h;
    m->len++;
}

/* Empties m (keeps its memory). */
static void
memo_clear(deps_memo *m)
{
    if (m->cap)
        memset(m->keys, 0, m->cap * sizeof *m->keys);
    m->len = 0;
}

enum { TAG_ABSENT = 1, TAG_NULL, TAG_BOOL, TAG_NUMBER, TAG_STRING, TAG_DATE, TAG_LIST, TAG_MAP };

/* Containers this small, and texts this short, are hashed again rather than remembered. */
#define MEMO_MIN       8
#define MEMO_MIN_BYTES 4096
/* Items of a list or map asked for ahead of a deep hash's walk */
#define PREFETCH_AHEAD 64

/* A list of keys to leave out, as a walk compares them: each with its length and first
 * bytes (value_key_head()), which a map's pairs keep too, so that most keys are told apart
 * without reading them (a page's forty keys against eight, three times a page a build). */
#define SKIP_MAX 16
typedef struct skip_set {
    size_t n;
    const char *names[SKIP_MAX];
    uint32_t len[SKIP_MAX], head[SKIP_MAX];
    /* bit value_key_bit() of each name: a pair whose bit is clear is no name of the set, told
     * with one test (at 10,000 pages a body edit asks 800,000 times, nearly always for a
     * key that is not in the set) */
    uint64_t bits;
} skip_set;

/* list (NULL-ended, at most SKIP_MAX names; NULL: none) as a skip_set; NULL for none. */
static const skip_set *
skip_set_of(skip_set *s, const char *const *list)
{
    s->n = 0;
    s->bits = 0;
    for (size_t i = 0; list && list[i]; i++) {
        if (s->n == SKIP_MAX)
            internal_error("more than %d keys to skip", SKIP_MAX);
        size_t len = strlen(list[i]);
        s->names[s->n] = list[i];
        s->len[s->n] = (uint32_t)len;
        s->head[s->n] = value_key_head(list[i], len);
        s->bits |= (uint64_t)1 << value_key_bit(s->head[s->n], s->len[s->n]);
        s->n++;
    }
    return s->n ? s : NULL;
}

/* skip_set_of(list) made once per thread for the last list asked (the lists are static
 * arrays, so their address names them: deps.h): the hashes of 10,000 pages ask 30,000
 * times for LATE_KEYS' set, each making it was 10 million instructions of a body edit. */
static const skip_set *
skip_set_for(const char *const *list)
{
    static _Thread_local const char *const *last;
    static _Thread_local skip_set set;
    static _Thread_local const skip_set *made;
    if (list != last) {
        made = skip_set_of(&set, list);
        last = list;
    }
    return made;
}

static inline bool
skipped(const skip_set *s, const value_pair *p)
{
    if (!s || !(s->bits >> value_key_bit(p->key_head, p->key_len) & 1))
        return false;
    for (size_t i = 0; i < s->n; i++)
        if (s->head[i] == p->key_head && s->len[i] == p->key_len &&
            memcmp(s->names[i], p->key, p->key_len) == 0)
            return true;
    return false;
}

/* The hash of a text of a value (a key, a string, a number as written) or of a path step:
 * inline for the short ones, which are most of them (hash_short). */
static inline uint64_t
value_text_hash(uint64_t seed, const char *p, size_t len)
{
    return len <= 16 ? hash_short(seed, p, len) : hash_bytes(seed, p, len);
}

/* A map's hash h with its pair p added, whose value's hash is val: the one formula of a
 * pair, for deep_except() and those that know a value's hash (deps_hash_map_of()). */
static inline uint64_t
pair_step(uint64_t h, const value_pair *p, uint64_t val)
{
    return hash_u64(value_text_hash(h, p->key, p->key_len), val);
}

/* A text's known hash (selfcheck.h: checked against its bytes in the sanitizer builds). */
static uint64_t
checked_string_hash(const value *v)
{
    if (SELF_CHECKS && v->as.str.hash != value_string_hash(v->as.str.ptr, v->as.str.len))
        internal_error("a string's known hash is not its bytes'");
    return v->as.str.hash;
}

/* The deep hash of v, leaving out the pairs of maps whose key is in skip (NULL: none;
 * then memo tag 0, else tag, which names the skip list). */
static uint64_t
deep_except(const value *v, deps_memo *m, const skip_set *skip, uint64_t tag)
{
    if (!v)
        return hash_u64(TAG_ABSENT, 0);
    uint64_t h;
    switch (v->type) {
    case VALUE_NULL:
        return hash_u64(TAG_NULL, 0);
    case VALUE_BOOL:
        return hash_u64(TAG_BOOL, v->as.boolean);
    case VALUE_NUMBER: {
        uint64_t bits;
        double n = v->as.number;
        memcpy(&bits, &n, sizeof bits);
        const char *text = v->as.number_text; /* printed as written */
        h = hash_u64(TAG_NUMBER, bits);
        return text ? value_text_hash(h, text, strlen(text)) : hash_str(h, NULL);
    }
    case VALUE_STRING:
        if (v->as.str.hash) /* restored with it (a page's HTML, a plugin's chart) */
            return checked_string_hash(v);
        /* a long text (a cohort's Gantt chart: 230 KB, read by its cohort's pages and the
         * home page) is hashed once per worker, not once per render that read it */
        if (v->as.str.len >= MEMO_MIN_BYTES && memo_get(m, (memo_key){v, 0}, &h))
            return h;
        h = value_string_hash(v->as.str.ptr, v->as.str.len);
        if (v->as.str.len >= MEMO_MIN_BYTES)
            memo_put(m, (memo_key){v, 0}, h);
        return h;
    case VALUE_DATE: {
        const value_date *d = &v->as.date;
        int f[] = {d->year,   d->month,      d->day,      d->hour,      d->minute,
                   d->second, d->offset_min, d->has_time, d->has_offset};
        return hash_bytes(TAG_DATE, f, sizeof f);
    }
    case VALUE_LIST:
    case VALUE_MAP:
        break;
    }
    size_t n = value_len(v);
    bool keep = n >= MEMO_MIN && !v->transient;
    if (keep && memo_get(m, (memo_key){v, tag}, &h))
        return h;
    /* the items are asked for ahead of the walk, up to PREFETCH_AHEAD at once (a page's
     * map whole; a list of 10,000 pages not all at once): a page's tree is spread over the
     * arenas, and a cold walk of 10,000 pages (1.6 million values) waited on one cache miss
     * after another */
    if (v->type == VALUE_LIST) {
        value **items = v->as.list.items;
        for (size_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
            __builtin_prefetch(items[i]);
        h = hash_u64(TAG_LIST, n);
        for (size_t i = 0; i < n; i++) {
            if (i + PREFETCH_AHEAD < n)
                __builtin_prefetch(items[i + PREFETCH_AHEAD]);
            h = hash_u64(h, deep_except(items[i], m, skip, tag));
        }
    } else {
        const value_pair *pairs = v->as.map.pairs;
        for (size_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
            __builtin_prefetch(pairs[i].val);
        h = hash_u64(TAG_MAP, n);
        for (size_t i = 0; i < n; i++) {
            if (i + PREFETCH_AHEAD < n)
                __builtin_prefetch(pairs[i + PREFETCH_AHEAD].val);
            const value_pair *p = &pairs[i];
            if (skipped(skip, p))
                continue;
            h = pair_step(h, p, deep_except(p->val, m, skip, tag));
        }
    }
    if (keep)
        memo_put(m, (memo_key){v, tag}, h);
    return h;
}

void
deps_memo_put_deep(deps_memo *m, const value *v, uint64_t h)
{
    uint64_t known;
    if (v && value_len(v) >= MEMO_MIN && (v->type == VALUE_LIST || v->type == VALUE_MAP) &&
        !memo_get(m, (memo_key){v, 0}, &known))
        memo_put(m, (memo_key){v, 0}, h);
}

static uint64_t
deep(const value *v, deps_memo *m)
{
    return deep_except(v, m, NULL, 0);
}

uint64_t
deps_hash_except(const value *v, const char *const *skip, uint64_t tag, deps_memo *memo)
{
    return deep_except(v, memo, skip_set_for(skip), tag | 1);
}

uint64_t
deps_hash_map_of(const value *v, const uint64_t *hashes)
{
    uint64_t h = hash_u64(TAG_MAP, v->as.map.len); /* as deep_except() makes it */
    for (size_t i = 0; i < v->as.map.len; i++)
        h = pair_step(h, &v->as.map.pairs[i], hashes[i]);
    return h;
}

/* The deep hash of the value of v's pair i: known's when known has it (first at its
 * own place: a page's front matter pairs are the first of its map), else walked. */
static uint64_t
deep_known(const value *v, size_t i, const deps_known *known)
{
    const value *val = v->as.map.pairs[i].val;
    if (known && val) {
        if (i < known->n && known->vals[i] == val)
            return known->hashes[i];
        for (size_t k = 0; k < known->n; k++)
            if (known->vals[k] == val)
                return known->hashes[k];
    }
    return deep(val, NULL);
}

uint64_t
deps_hash_early(const value *v, const char *const *late, const deps_known *known)
{
    if (!v || v->type != VALUE_MAP)
        return deep(v, NULL);
    const skip_set *skip = skip_set_for(late);
    uint64_t h = hash_u64(TAG_MAP, 0x6561726c79); /* "early" */
    for (size_t i = 0; i < v->as.map.len; i++) {
        const value_pair *p = &v->as.map.pairs[i];
        if (!skipped(skip, p))
            h = pair_step(h, p, deep_known(v, i, known));
    }
    return h;
}

uint64_t
deps_hash_late(uint64_t early, const value *v, const char *const *late, const deps_known *known)
{
    if (!v || v->type != VALUE_MAP)
        return early;
    const skip_set *skip = skip_set_for(late);
    uint64_t h = early; /* the places tell where the other pairs are, and how many */
    for (size_t i = 0; i < v->as.map.len; i++) {
        const value_pair *p = &v->as.map.pairs[i];
        if (skipped(skip, p))
            h = hash_u64(hash_u64(value_text_hash(h, p->key, p->key_len), i),
                         deep_known(v, i, known));
    }
    return h;
}

/* The attribute (a dotted path, each step as deps_get_attr takes it) of an item. */
static const value *
attribute_of(const value *item, const char *name, size_t len)
{
    for (size_t i = 0; item && i < len;) {
        const char *dot = memchr(name + i, '.', len - i);
        size_t n = dot ? (size_t)(dot - (name + i)) : len - i;
        item = deps_get_attr(item, name + i, n);
        i += n + (dot ? 1 : 0);
    }
    return item;
}

uint64_t
deps_hash_attrs(const value *v, const char *name, size_t len, deps_memo *memo)
{
    if (!v || v->type != VALUE_LIST) /* not a list: all of it */
        return hash_u64(deps_hash(v, DEPS_DEEP, memo), 1);
    memo_key k = {v, hash_bytes(1, name, len)};
    uint64_t h;
    if (!v->transient && memo_get(memo, k, &h))
        return h;
    h = hash_bytes(hash_u64(TAG_LIST, v->as.list.len), name, len);
    for (size_t i = 0; i < v->as.list.len; i++)
        h = hash_u64(h, deep(attribute_of(v->as.list.items[i], name, len), memo));
    if (!v->transient)
        memo_put(memo, k, h);
    return h;
}

uint64_t
deps_hash(const value *v, deps_kind kind, deps_memo *memo)
{
    if (kind == DEPS_TRUTH)
        return hash_u64(TAG_ABSENT, v ? 2 + value_truthy(v) : 1);
    if (kind == DEPS_SHAPE && v && v->type == VALUE_LIST)
        return hash_u64(TAG_LIST, v->as.list.len);
    if (kind == DEPS_SHAPE && v && v->type == VALUE_MAP) {
        uint64_t h = hash_u64(TAG_MAP, v->as.map.len);
        for (size_t i = 0; i < v->as.map.len; i++)
            h = hash_bytes(h, v->as.map.pairs[i].key, v->as.map.pairs[i].key_len);
        return h;
    }
    return deep(v, memo);
}

/* {====================================================================
 * the log
 * ===================================================================== */

void
deps_log_init(deps_log *l, deps_memo *memo)
{
    memset(l, 0, sizeof *l);
    l->data = BUF_INIT;
    l->memo = memo;
    l->anchors = deps_memo_new();
    l->anchors->first_cap = 64;
}

void
deps_log_split(deps_log *l, deps_log *shared, const char *root)
{
    l->split = shared;
    l->split_root = root;
}

void
deps_log_reset(deps_log *l)
{
    if (l->split)
        deps_log_reset(l->split);
    buf_clear(&l->data);
    l->n = 0;
    l->prev_n = 0;
    l->overflow = false;
    if (l->seen)
        memset(l->seen, 0, l->seen_cap * sizeof *l->seen);
    if (l->n_anchors)
        memo_clear(l->anchors);
    l->n_anchors = 0;
}

void
deps_log_free(deps_log *l)
{
    buf_free(&l->data);
    free(l->seen);
    l->seen = NULL;
    l->seen_cap = 0;
    deps_memo_free(l->anchors);
    l->anchors = NULL;
    l->n_anchors = 0;
}

/* The number of anchor a in the log; *is_new when it had none (it gets the next). The
 * anchors are a memo of their own: pointer -> number. */
static size_t
anchor_id(deps_log *l, const value *a, bool *is_new)
{
    uint64_t id;
    *is_new = !memo_get(l->anchors, (memo_key){a, 0}, &id);
    if (!*is_new)
        return (size_t)id;
    memo_put(l->anchors, (memo_key){a, 0}, l->n_anchors);
    return l->n_anchors++;
}

/* Adds h to the set of reads logged; false when it was there already. */
static bool
first_time(deps_log *l, uint64_t h)
{
    h |= 1; /* 0 marks an empty slot */
    if ((l->n + 1) * 2 > l->seen_cap) {
        size_t cap = l->seen_cap ? l->seen_cap * 2 : 256;
        uint64_t *seen = xcalloc(cap, sizeof *seen);
        for (size_t i = 0; i < l->seen_cap; i++)
            if (l->seen[i]) {
                size_t j = l->seen[i] & (cap - 1);
                while (seen[j])
                    j = (j + 1) & (cap - 1);
                seen[j] = l->seen[i];
            }
        free(l->seen);
        l->seen = seen;
        l->seen_cap = cap;
    }
    size_t i = h & (l->seen_cap - 1);
    for (; l->seen[i]; i = (i + 1) & (l->seen_cap - 1))
        if (l->seen[i] == h)
            return false;
    l->seen[i] = h;
    return true;
}

static bool
same_step(const deps_path *a, const deps_path *b)
{
    return a == b || (a->op == b->op && a->len == b->len && a->num == b->num &&
                      memcmp(a->text, b->text, a->len) == 0);
}

static void log_read(deps_log *l, const deps_path *p, deps_kind kind, const value *v,
                     const char *attr, size_t attr_len);

void
deps_log_add(deps_log *l, const deps_path *p, deps_kind kind, const value *v)
{
    log_read(l, p, kind, v, NULL, 0);
}

void
deps_log_attrs(deps_log *l, const deps_path *p, const value *list, const char *attr, size_t len)
{
    log_read(l, p, DEPS_ATTRS, list, attr, len);
}

/* The hash of p's steps from the root, kept in p (a render's paths are its own, and
 * most reads share their first steps with others: `page`, `paginator.pages[3]`). */
static uint64_t
path_hash(const deps_path *p)
{
    if (p->hash)
        return p->hash;
    uint64_t h = p->parent ? path_hash(p->parent) : 0;
    h = hash_u64(value_text_hash(h, p->text, p->len), p->op) | 1; /* 0 means not yet */
    ((deps_path *)p)->hash = h;
    return h;
}

static void
log_read(deps_log *l, const deps_path *p, deps_kind kind, const value *v, const char *attr,
         size_t attr_len)
{
    const deps_path *steps[DEPS_MAX_STEPS];
    size_t n = 0;
    for (const deps_path *q = p; q; q = q->parent) {
        if (n == DEPS_MAX_STEPS) { /* deeper than the model's trees go */
            l->overflow = true;
            return;
        }
        steps[n++] = q;
    }
    /* a read of the output's own page (the root's `page`: a page's map, an anchor) is
     * logged as a read of all of it: the page's deep hash is known (memo_hash_pages), so
     * a check of it costs a lookup, where its hundred reads of a project page were a
     * third of a render's log. An edit of the page renders it again anyway. */
    const deps_path *root = steps[n - 1];
    if (root->op == DEPS_ATTR && root->len == 4 && memcmp(root->text, "page", 4) == 0 &&
        root->val && root->val->anchor) {
        p = steps[0] = root;
        n = 1;
        kind = DEPS_DEEP;
        v = root->val;
        attr = NULL;
        attr_len = 0;
    }
    if (l->split && root->op == DEPS_ATTR && root->len == strlen(l->split_root) &&
        memcmp(root->text, l->split_root, root->len) == 0)
        l = l->split;
    /* for "logged already" (path_hash recurses: the depth is bounded above) */
    uint64_t h = hash_u64(path_hash(p), kind);
    if (attr)
        h = hash_bytes(h, attr, attr_len);
    if (!first_time(l, h))
        return;
    /* steps from the root: the first `shared` are those of the read logged before */
    size_t shared = 0;
    while (shared < n && shared < l->prev_n && same_step(steps[n - 1 - shared], l->prev[shared]))
        shared++;
    serial_writer w = SERIAL_WRITER(&l->data);
    buf_putc(&l->data, (char)kind);
    serial_put_varint(&w, shared);
    serial_put_varint(&w, n - shared);
    for (size_t i = shared; i < n; i++) {
        const deps_path *s = steps[n - 1 - i];
        l->prev[i] = s;
        buf_putc(&l->data, (char)s->op);
        serial_put_bytes(&w, s->text, s->len);
        if (s->op == DEPS_NUM) {
            uint64_t bits;
            memcpy(&bits, &s->num, sizeof bits);
            serial_put_u64(&w, bits);
        }
    }
    l->prev_n = n;
    size_t k = 0; /* steps before the first anchor */
    while (k < n && !(steps[n - 1 - k]->val && steps[n - 1 - k]->val->anchor))
        k++;
    if (k == n) {
        serial_put_varint(&w, 0);
    } else {
        const value *a = steps[n - 1 - k]->val;
        bool is_new;
        serial_put_varint(&w, k + 1);
        serial_put_varint(&w, anchor_id(l, a, &is_new));
        if (is_new)
            serial_put_u64(&w, deps_hash(a, DEPS_DEEP, l->memo));
    }
    if (kind == DEPS_ATTRS) {
        serial_put_bytes(&w, attr, attr_len);
        serial_put_u64(&w, deps_hash_attrs(v, attr, attr_len, l->memo));
    } else {
        serial_put_u64(&w, deps_hash(v, kind, l->memo));
    }
    l->n++;
}

/* {====================================================================
 * checking a log against a new context
 * ===================================================================== */

/* One step of a logged path, as encoded. */
typedef struct step_rec {
    unsigned op;
    const char *text;
    size_t len;
    uint64_t bits; /* DEPS_NUM: the number */
} step_rec;

static bool
parse_step(serial_reader *r, step_rec *s)
{
    if (r->p == r->end)
        return false;
    s->op = *r->p++;
    s->text = serial_get_bytes(r, &s->len);
    if (s->op == DEPS_NUM)
        s->bits = serial_get_u64(r);
    return r->ok && s->op <= DEPS_REVERSE;
}

const value *
deps_step(const value *v, deps_op op, const char *text, size_t len, double num, arena *scratch)
{
    if (op == DEPS_ATTR)
        return deps_get_attr(v, text, len);
    if (op == DEPS_KEY) {
        value key = {.type = VALUE_STRING, .as.str = {text, len}};
        return deps_get_index(v, &key, scratch);
    }
    if (op == DEPS_REVERSE)
        return deps_get_reverse(v, scratch);
    value n = {.type = VALUE_NUMBER};
    n.as.number = num;
    n.as.number_text = arena_strndup(scratch, text, len); /* printed as the key */
    return deps_get_index(v, &n, scratch);
}

/* The step s from v, as the evaluator takes it. */
static const value *
take_step(const value *v, const step_rec *s, arena *scratch)
{
    double num = 0;
    if (s->op == DEPS_NUM)
        memcpy(&num, &s->bits, sizeof num);
    return deps_step(v, (deps_op)s->op, s->text, s->len, num, scratch);
}

bool
deps_check(const void *data, size_t len, const value *root, deps_memo *memo, arena *scratch)
{
    serial_reader r = SERIAL_READER(data, len);
    step_rec steps[DEPS_MAX_STEPS];         /* of the last read */
    const value *found[DEPS_MAX_STEPS + 1]; /* found[i]: after i steps, for i <= valid */
    size_t depth = 0, valid = 0;
    found[0] = root;
    uint64_t *hashes = NULL; /* the anchors' deep hashes, as logged */
    size_t n_hashes = 0, cap = 0;
    /* when ok_steps > 0: the first ok_steps steps of the last read lead to an anchor
     * with the hash of anchor ok_id */
    size_t ok_steps = 0, ok_id = 0;
    bool same = true;
    while (same && r.p < r.end) {
        unsigned kind = *r.p++;
        size_t shared = serial_get_varint(&r), more = serial_get_varint(&r);
        if (kind > DEPS_ATTRS || !r.ok || shared > depth || shared + more == 0 ||
            more > DEPS_MAX_STEPS - shared) {
            same = false;
            break;
        }
        for (size_t i = shared; i < shared + more && same; i++)
            same = parse_step(&r, &steps[i]);
        depth = shared + more;
        if (valid > shared)
            valid = shared;
        if (ok_steps > shared)
            ok_steps = 0;
        size_t k = serial_get_varint(&r), id = 0;
        if (same && k) {
            id = serial_get_varint(&r);
            if (k > depth || id > n_hashes) {
                same = false;
            } else if (id == n_hashes) {
                hashes = xgrow(hashes, n_hashes, &cap, sizeof *hashes, 16);
                hashes[n_hashes++] = serial_get_u64(&r);
            }
        }
        size_t attr_len = 0;
        const char *attr = kind == DEPS_ATTRS ? serial_get_bytes(&r, &attr_len) : NULL;
        uint64_t want = serial_get_u64(&r);
        if (!r.ok)
            same = false;
        if (!same)
            break;
        if (k && ok_steps == k && ok_id == id)
            continue; /* through the anchor the read before found unchanged */
        for (size_t to = k ? k : depth; valid < to; valid++)
            found[valid + 1] = take_step(found[valid], &steps[valid], scratch);
        if (k && found[k] && found[k]->anchor &&
            deps_hash(found[k], DEPS_DEEP, memo) == hashes[id]) {
            ok_steps = k;
            ok_id = id;
            continue;
        }
        for (; valid < depth; valid++)
            found[valid + 1] = take_step(found[valid], &steps[valid], scratch);
        const value *v = found[depth];
        uint64_t got = kind == DEPS_ATTRS ? deps_hash_attrs(v, attr, attr_len, memo)
                                          : deps_hash(v, (deps_kind)kind, memo);
        same = got == want;
    }
    free(hashes);
    return same && r.p == r.end;
}
