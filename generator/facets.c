/* SPDX-License-Identifier: MIT
 * facets.c - the project list's facets: which cohort, department, status and furthest
 * stage each project has, counted for section.facets (site pass) and written as
 * facets/<code>/index.json and rows-K.json (writing pass). Works on template values only. */
#include "facets.h"

#include "buf.h"
#include "hash.h"
#include "strtab.h"
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const facets_names[FACETS_N] = {"cohort", "department", "status", "stage"};

const char *
facets_dir(const char *lang_code, arena *a)
{
    return arena_printf(a, "facets/%s/", lang_code);
}

/* {====================================================================
 * the model: every project's values of every facet
 * ===================================================================== */

typedef struct choice {
    const char *key, *name, *url;
    size_t count;
    size_t id; /* its index when interned (settle() reorders) */
} choice;

typedef struct facet {
    choice *v;
    size_t n, cap;
    strtab by_key; /* key -> index + 1 */
    size_t none;   /* projects without a value */
} facet;

typedef struct picks { /* one project's values of one facet: indexes into facet.v */
    size_t *v;
    size_t n, cap;
} picks;

struct facets {
    const value *site;
    const value *pages; /* site.projects */
    size_t n;
    const value **slots; /* open addressing by address: a page value, and its index in pages */
    size_t *slot_index, n_slots;
    facet f[FACETS_N];
    picks *picks; /* [n * FACETS_N] */
    arena *a;     /* owns all of it */
};
typedef struct facets model;

static const char *
text_at(const value *map, const char *key)
{
    return value_str(value_map_get(map, key));
}

static picks *
picks_of(const model *m, size_t page, size_t k)
{
    return &m->picks[page * FACETS_N + k]; /* the picks are the model's, not the caller's */
}

static void
add_pick(model *m, size_t page, size_t k, size_t c)
{
    picks *p = picks_of(m, page, k);
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i] == c)
            return; /* a department written twice */
    p->v = arena_grow(m->a, p->v, p->n, &p->cap, sizeof *p->v, 2);
    p->v[p->n++] = c;
}

/* The index of the choice with key, added (with name and url) when new. */
static size_t
intern(model *m, facet *f, const char *key, const char *name, const char *url)
{
    uintptr_t i = (uintptr_t)strtab_get(&f->by_key, key);
    if (i)
        return i - 1;
    f->v = arena_grow(m->a, f->v, f->n, &f->cap, sizeof *f->v, 8);
    f->v[f->n] = (choice){key, name ? name : key, url ? url : "", 0, f->n};
    strtab_put(&f->by_key, key, (void *)(uintptr_t)(f->n + 1));
    return f->n++;
}

/* site.projects and the terms' page lists hold the same page values: found by address */
static size_t
slot_of(const model *m, const value *p)
{
    uintptr_t h = (uintptr_t)p;
    h ^= h >> 17;
    h *= 0x9e3779b97f4a7c15ULL;
    return (size_t)(h >> 20) & (m->n_slots - 1);
}

static void
index_pages(model *m)
{
    m->n_slots = 16;
    while (m->n_slots < 2 * m->n)
        m->n_slots *= 2;
    m->slots = arena_zalloc(m->a, m->n_slots * sizeof *m->slots);
    m->slot_index = arena_zalloc(m->a, m->n_slots * sizeof *m->slot_index);
    for (size_t i = 0; i < m->n; i++) {
        const value *p = value_list_get(m->pages, i);
        size_t k = slot_of(m, p);
        while (m->slots[k] && m->slots[k] != p)
            k = (k + 1) & (m->n_slots - 1);
        if (!m->slots[k]) { /* a page listed twice keeps its first place */
            m->slots[k] = p;
            m->slot_index[k] = i;
        }
    }
}

/* The index in site.projects of a page value, or -1 (a page of another section). */
static long
page_index(const model *m, const value *p)
{
    for (size_t k = slot_of(m, p); m->slots[k]; k = (k + 1) & (m->n_slots - 1))
        if (m->slots[k] == p)
            return (long)m->slot_index[k];
    return -1;
}

/* A taxonomy's terms, each with the projects among its pages (site.cohorts for cohort:
 * newest first). */
static void
from_terms(model *m, size_t k, const value *terms)
{
    for (size_t t = 0; t < value_len(terms); t++) {
        const value *term = value_list_get(terms, t);
        const char *slug = text_at(term, "slug");
        if (!slug || !*slug)
            continue;
        size_t c = intern(m, &m->f[k], slug, text_at(term, "name"), text_at(term, "url"));
        const value *pages = value_map_get(term, "pages");
        for (size_t i = 0; i < value_len(pages); i++) {
            long p = page_index(m, value_list_get(pages, i));
            if (p >= 0)
                add_pick(m, (size_t)p, k, c);
        }
    }
}

/* The furthest dated stage of each project (page.stages is in site.stages order). */
static void
from_stages(model *m, size_t k)
{
    const value *stages = value_map_get(m->site, "stages");
    for (size_t i = 0; i < value_len(stages); i++) {
        const char *key = text_at(value_list_get(stages, i), "key");
        if (key)
            intern(m, &m->f[k], key, key, NULL);
    }
    for (size_t i = 0; i < m->n; i++) {
        const value *dated = value_map_get(value_list_get(m->pages, i), "stages");
        const char *key = text_at(value_list_get(dated, value_len(dated) - 1), "key");
        uintptr_t c = key ? (uintptr_t)strtab_get(&m->f[k].by_key, key) : 0;
        if (c)
            add_pick(m, i, k, c - 1);
    }
}

/* One written value of a plain key: its slug is the choice. */
static void
pick_text(model *m, size_t page, size_t k, const value *v)
{
    if (!v || (v->type != VALUE_STRING && v->type != VALUE_NUMBER))
        return;
    const char *text = value_to_cstr(v, m->a);
    buf slug = BUF_INIT;
    text_slugify(&slug, text, strlen(text));
    if (slug.len) /* "—" has no slug: no value */
        add_pick(m, page, k, intern(m, &m->f[k], arena_strdup(m->a, slug.ptr), text, NULL));
    buf_free(&slug);
}

/* The page's value of the key named as facet k (a list gives several). */
static void
from_key(model *m, size_t k)
{
    for (size_t i = 0; i < m->n; i++) {
        const value *v = value_map_get(value_list_get(m->pages, i), facets_names[k]);
        if (v && v->type == VALUE_LIST)
            for (size_t j = 0; j < v->as.list.len; j++)
                pick_text(m, i, k, v->as.list.items[j]);
        else
            pick_text(m, i, k, v);
    }
}

static int
cmp_choices(const void *pa, const void *pb)
{
    return strcmp(((const choice *)pa)->key, ((const choice *)pb)->key);
}

/* Counts, then keeps the choices some project has, in their order (or by key for a plain
 * key, whose order is the pages'), and renumbers the projects' picks. */
static void
settle(model *m, size_t k, bool sort)
{
    facet *f = &m->f[k];
    for (size_t i = 0; i < m->n; i++) {
        picks *p = picks_of(m, i, k);
        f->none += p->n == 0;
        for (size_t j = 0; j < p->n; j++)
            f->v[p->v[j]].count++;
    }
    choice *kept = arena_alloc(m->a, (f->n + 1) * sizeof *kept);
    size_t n = 0;
    for (size_t c = 0; c < f->n; c++)
        if (f->v[c].count)
            kept[n++] = f->v[c];
    if (sort)
        qsort(kept, n, sizeof *kept, cmp_choices);
    size_t *slot = arena_alloc(m->a, (f->n + 1) * sizeof *slot);
    for (size_t c = 0; c < n; c++)
        slot[kept[c].id] = c;
    for (size_t i = 0; i < m->n; i++) {
        picks *p = picks_of(m, i, k);
        for (size_t j = 0; j < p->n; j++)
            p->v[j] = slot[p->v[j]];
    }
    f->v = kept; /* by_key still holds the old numbers: no lookup follows */
    f->n = n;
}

uint64_t
facets_key(const value *site_ctx, const uint64_t *page_hashes, size_t n, deps_memo *memo)
{
    /* a term's `pages` are the projects' maps, whole (their contents too): what the files
     * take of them is in page_hashes */
    static const char *const no_pages[] = {"pages", NULL};
    const uint64_t tag = 0x666163657473; /* the memo's name for no_pages */
    uint64_t h = hash_u64(hash_u64(FACETS_FORMAT_VERSION, FACETS_ROWS_PER_FILE), n);
    h = hash_u64(h, value_len(value_map_get(site_ctx, "projects")));
    for (size_t i = 0; i < n; i++)
        h = hash_u64(h, page_hashes[i]);
    h = hash_u64(h, deps_hash(value_map_get(site_ctx, "stages"), DEPS_DEEP, memo));
    h = hash_u64(h, deps_hash(value_map_get(site_ctx, "language"), DEPS_DEEP, memo));
    h = hash_u64(h, deps_hash_except(value_map_get(site_ctx, "cohorts"), no_pages, tag, memo));
    const value *taxonomies = value_map_get(site_ctx, "taxonomies");
    for (size_t k = 0; k < FACETS_N; k++)
        h = hash_u64(
            h, deps_hash_except(value_map_get(taxonomies, facets_names[k]), no_pages, tag, memo));
    return h;
}

uint64_t
facets_rows_key(const value *site_ctx, const uint64_t *page_hashes, size_t n, size_t file,
                deps_memo *memo)
{
    uint64_t h = hash_u64(hash_u64(FACETS_FORMAT_VERSION, FACETS_ROWS_PER_FILE), 0x726f7773);
    h = hash_u64(hash_u64(h, file), n); /* 0x726f7773: "rows", not facets_key()'s */
    for (size_t i = 0; i < n; i++)
        h = hash_u64(h, page_hashes[i]);
    h = hash_u64(h, deps_hash(value_map_get(site_ctx, "stages"), DEPS_DEEP, memo));
    return hash_u64(h, deps_hash(value_map_get(site_ctx, "language"), DEPS_DEEP, memo));
}

facets *
facets_count(const value *site_ctx)
{
    arena *a = arena_new();
    model *m = arena_zalloc(a, sizeof *m);
    m->site = site_ctx;
    m->pages = value_map_get(site_ctx, "projects");
    m->n = value_len(m->pages);
    m->a = a;
    m->picks = arena_zalloc(a, (m->n * FACETS_N + 1) * sizeof *m->picks);
    index_pages(m);
    const value *taxonomies = value_map_get(site_ctx, "taxonomies");
    for (size_t k = 0; k < FACETS_N; k++) {
        const char *name = facets_names[k];
        const value *tx = value_map_get(taxonomies, name);
        bool plain = false;
        if (strcmp(name, "cohort") == 0 && tx)
            from_terms(m, k, value_map_get(site_ctx, "cohorts"));
        else if (tx)
            from_terms(m, k, value_map_get(tx, "terms"));
        else if (strcmp(name, "stage") == 0)
            from_stages(m, k);
        else {
            from_key(m, k);
            plain = true;
        }
        settle(m, k, plain);
    }
    for (size_t k = 0; k < FACETS_N; k++) /* no lookup follows (settle renumbered) */
        strtab_free(&m->f[k].by_key);
    return m;
}

void
facets_free(facets *f)
{
    if (f)
        arena_free(f->a);
}

/* {====================================================================
 * section.facets
 * ===================================================================== */

static value *
choice_value(const choice *c, arena *a)
{
    value *v = value_new_map(a, SRC_NONE);
    value_map_set(v, "value", value_new_cstr(a, c->key, SRC_NONE), a);
    value_map_set(v, "name", value_new_cstr(a, c->name, SRC_NONE), a);
    value_map_set(v, "url", value_new_cstr(a, c->url, SRC_NONE), a);
    value_map_set(v, "count", value_new_number(a, (double)c->count, SRC_NONE), a);
    return v;
}

value *
facets_value(const facets *m, arena *a)
{
    value *out = value_new_map(a, SRC_NONE);
    for (size_t k = 0; k < FACETS_N; k++) {
        value *values = value_new_list(a, SRC_NONE);
        for (size_t c = 0; c < m->f[k].n; c++)
            value_list_push(values, choice_value(&m->f[k].v[c], a), a);
        if (m->f[k].none) {
            value *none = choice_value(&(choice){FACETS_NONE, "", "", m->f[k].none, 0}, a);
            value_map_set(none, "none", value_new_bool(a, true, SRC_NONE), a);
            value_list_push(values, none, a);
        }
        value *f = value_new_map(a, SRC_NONE);
        value_map_set(f, "values", values, a);
        value_map_set(out, facets_names[k], f, a);
    }
    return out;
}

/* {====================================================================
 * the data files
 * ===================================================================== */

static long
days_of(const value *page)
{
    const value *days = value_map_get(page, "days_total");
    return days && days->type == VALUE_NUMBER ? (long)days->as.number : -1;
}

static void
put_picks(buf *out, const picks *p)
{
    if (p->n == 1) {
        buf_put_uint(out, p->v[0]);
        return;
    }
    if (p->n == 0) {
        buf_puts(out, "-1");
        return;
    }
    for (size_t j = 0; j < p->n; j++) {
        buf_putc(out, j ? ',' : '[');
        buf_put_uint(out, p->v[j]);
    }
    buf_putc(out, ']');
}

static void
write_index(buf *out, const model *m)
{
    buf_printf(out, "{\"version\":%d,\"count\":%zu,\"rows\":%d,\n\"facets\":[",
               FACETS_FORMAT_VERSION, m->n, FACETS_ROWS_PER_FILE);
    for (size_t k = 0; k < FACETS_N; k++) {
        buf_puts(out, k ? "," : "");
        value_json_cstr(out, facets_names[k]);
    }
    buf_puts(out, "],\n\"values\":[");
    for (size_t k = 0; k < FACETS_N; k++) {
        buf_puts(out, k ? "],\n[" : "[");
        for (size_t c = 0; c < m->f[k].n; c++) {
            buf_puts(out, c ? "," : "");
            value_json_cstr(out, m->f[k].v[c].key);
        }
    }
    buf_puts(out, "]],\n\"projects\":[");
    for (size_t i = 0; i < m->n; i++) {
        buf_puts(out, i ? ",\n[" : "\n[");
        for (size_t k = 0; k < FACETS_N; k++) {
            put_picks(out, picks_of(m, i, k));
            buf_putc(out, ',');
        }
        long days = days_of(value_list_get(m->pages, i));
        if (days < 0)
            buf_putc(out, '-');
        buf_put_uint(out, days < 0 ? -(uint64_t)days : (uint64_t)days);
        buf_putc(out, ']');
    }
    buf_puts(out, "]}\n");
}

/* The first entry of a srcset ("url 480w, ..."): returns its URL's length, its width in *width. */
static size_t
srcset_first(const char *s, long *width)
{
    size_t len = strcspn(s, " ,");
    *width = s[len] == ' ' ? strtol(s + len + 1, NULL, 10) : 0;
    return len;
}

/* What a row shows of a project: its page's values, found in one pass over its pairs (the
 * rows of 10,000 projects looked each up in a map of thirty-odd keys, 200,000 lookups on
 * the side thread of every build). */
enum { ROW_TITLE, ROW_URL, ROW_LANG, ROW_STAGES, ROW_IMAGE, ROW_KEYS };
static const value_key row_keys[ROW_KEYS] = {VALUE_KEY("title"), VALUE_KEY("url"),
                                             VALUE_KEY("lang"), VALUE_KEY("stages"),
                                             VALUE_KEY("image")};

static const value *
row_value(const value_pair *const *found, size_t k)
{
    return found[k] ? found[k]->val : NULL;
}

/* thumb: 0, or [src, width, height, webp] of the narrowest variant of page.image */
static void
put_thumb(buf *out, const value *img, const char *url, arena *a)
{
    const char *srcset = text_at(img, "srcset");
    const value *w = value_map_get(img, "width"), *h = value_map_get(img, "height");
    long width;
    size_t len = srcset ? srcset_first(srcset, &width) : 0;
    if (!len || width <= 0 || !w || !h || w->type != VALUE_NUMBER || h->type != VALUE_NUMBER ||
        w->as.number <= 0) {
        buf_putc(out, '0');
        return;
    }
    size_t base = url && strncmp(srcset, url, strlen(url)) == 0 ? strlen(url) : 0;
    long height = (long)((double)width * h->as.number / w->as.number + 0.5);
    buf_putc(out, '[');
    value_json_cstr(out, arena_strndup(a, srcset + base, len - base));
    buf_printf(out, ",%ld,%ld,%d]", width, height > 0 ? height : 1,
               text_at(img, "webp_srcset") != NULL);
}

/* [reached] and the furthest stage's date; keys: site.stages' keys (NULL for one that has
 * none), n_keys of them */
static void
put_stages(buf *out, const value *dated, const char *const *keys, size_t n_keys)
{
    buf_putc(out, '[');
    size_t from = 0, n = 0;
    for (size_t i = 0; i < value_len(dated); i++) {
        const char *key = text_at(value_list_get(dated, i), "key");
        for (size_t s = from; key && s < n_keys; s++)
            if (keys[s] && strcmp(key, keys[s]) == 0) {
                if (n++) /* not buf_printf: 36,000 calls at 10,000 projects */
                    buf_putc(out, ',');
                buf_put_uint(out, s);
                from = s + 1; /* both lists are in site.stages order */
                break;
            }
    }
    buf_puts(out, "],\"");
    const value *last = value_map_get(value_list_get(dated, value_len(dated) - 1), "date");
    if (last && last->type == VALUE_DATE)
        value_date_format(out, &last->as.date, "%Y-%m-%d");
    buf_putc(out, '"');
}

static void
put_row(buf *out, const model *m, size_t i, const char *lang, const char *const *stage_keys,
        size_t n_stages, arena *a)
{
    const value_pair *f[ROW_KEYS];
    value_map_pairs_of(value_list_get(m->pages, i), row_keys, ROW_KEYS, f);
    const char *url = value_str(row_value(f, ROW_URL));
    const char *page_lang = value_str(row_value(f, ROW_LANG));
    buf_putc(out, '[');
    value_json_cstr(out, value_str(row_value(f, ROW_TITLE)));
    buf_putc(out, ',');
    value_json_cstr(out, url);
    buf_putc(out, ',');
    value_json_cstr(out, page_lang && lang && strcmp(page_lang, lang) != 0 ? page_lang : "");
    buf_putc(out, ',');
    put_stages(out, row_value(f, ROW_STAGES), stage_keys, n_stages);
    buf_putc(out, ',');
    put_thumb(out, row_value(f, ROW_IMAGE), url, a);
    buf_putc(out, ']');
}

/* site.stages' keys (NULL for a stage without one), *n_keys of them, in a. */
static const char **
stage_keys_of(const model *m, size_t *n_keys, arena *a)
{
    const value *stages = value_map_get(m->site, "stages");
    size_t n = value_len(stages);
    const char **keys = arena_alloc(a, (n + 1) * sizeof *keys);
    for (size_t s = 0; s < n; s++)
        keys[s] = text_at(value_list_get(stages, s), "key");
    *n_keys = n;
    return keys;
}

size_t
facets_rows_files(const facets *m)
{
    return (m->n + FACETS_ROWS_PER_FILE - 1) / FACETS_ROWS_PER_FILE;
}

bool
facets_write_rows(const facets *m, const char *dir, size_t file, facets_emit_fn emit, void *payload,
                  diag *d)
{
    arena *a = arena_new();
    const char *lang = text_at(m->site, "language");
    size_t n_stages;
    const char **stage_keys = stage_keys_of(m, &n_stages, a);
    buf rows = BUF_INIT;
    size_t first = file * FACETS_ROWS_PER_FILE;
    for (size_t i = first; i < m->n && i < first + FACETS_ROWS_PER_FILE; i++) {
        buf_puts(&rows, i > first ? ",\n" : "[");
        put_row(&rows, m, i, lang, stage_keys, n_stages, a);
    }
    buf_puts(&rows, "]\n");
    bool ok = emit(payload, arena_printf(a, "%srows-%zu.json", dir, file), rows.ptr, rows.len, d);
    buf_free(&rows);
    arena_free(a);
    return ok;
}

bool
facets_write_index(const facets *m, const char *dir, facets_emit_fn emit, void *payload, diag *d)
{
    buf index = BUF_INIT;
    write_index(&index, m);
    arena *a = arena_new();
    bool ok = emit(payload, arena_printf(a, "%sindex.json", dir), index.ptr, index.len, d);
    arena_free(a);
    buf_free(&index);
    return ok;
}

bool
facets_write_files(const facets *m, const char *dir, facets_emit_fn emit, void *payload, diag *d)
{
    bool ok = true;
    for (size_t k = 0; k < facets_rows_files(m); k++)
        ok &= facets_write_rows(m, dir, k, emit, payload, d);
    return facets_write_index(m, dir, emit, payload, d) && ok;
}
