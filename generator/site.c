/* SPDX-License-Identifier: MIT
 * site.c - the site model, passes 3 and 4 (site.h): load the pages scan.c found, in
 * parallel, check them against the consistency rules and give each its URL (views.c then
 * makes the lists, the values templates see and the outputs); after the plugins, the
 * pages' shortcodes and Markdown. */
#include "site.h"
#include "site_internal.h"

#include "buf.h"
#include "cite.h"
#include "facets.h"
#include "fs.h"
#include "hash.h"
#include "pool.h"
#include "rules.h"
#include "schema.h"
#include "selfcheck.h"
#include "serial.h"
#include "shortcode.h"
#include "strtab.h"
#include "text.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const config *
site_config(const site *s)
{
    return &s->cfg;
}

const site_output *
site_outputs(const site *s, size_t *n)
{
    *n = s->n_outputs;
    return s->outputs;
}

page *const *
site_all_pages(const site *s, size_t *n)
{
    *n = s->n_all;
    return s->all;
}

const page *
site_all_loaded(const site *s, size_t *n)
{
    *n = s->n_loaded;
    return s->loaded;
}

page *const *
site_pages(const site *s, size_t *n)
{
    *n = s->views[0].n_pages;
    return s->views[0].pages;
}

page *const *
site_hook_pages(const site *s, size_t *n)
{
    *n = s->n_hook_pages;
    return s->hook_pages;
}

page *const *
site_pages_in(const site *s, size_t lang, size_t *n)
{
    *n = s->views[lang].n_pages;
    return s->views[lang].pages;
}

const value *
site_build_date(const site *s)
{
    return s->build_date;
}

const rules_options *
site_rules(const site *s)
{
    return &s->rules;
}

/* {====================================================================
 * scan and load
 * ===================================================================== */

typedef struct load_job {
    page_load_options opt;
    const scan_source *sources;
    page *pages;
    arena **arenas; /* one per worker */
    diag *d;
    const site_load_memo *memo; /* or NULL */
} load_job;

/* The sanitizer builds (selfcheck.h) read a file its metadata restored and check its
 * bytes are those its record was made from. */
static void
check_unread(const load_job *j, const page *p, arena *a)
{
    const char *src;
    size_t len;
    diag *d = diag_new();
    if (page_read(&src, &len, &j->opt, p->path, a, d) && hash_bytes(0, src, len) != p->file_hash)
        internal_error("%s: restored by its metadata, but its bytes are not its record's", p->path);
    diag_free(d);
}

static void
load_one(size_t i, size_t worker, void *payload)
{
    load_job *j = payload;
    const scan_source *f = &j->sources[i];
    page *p = &j->pages[i];
    arena *a = j->arenas[worker];
    if (!j->memo) {
        page_load(p, &j->opt, f->rel, f->sec_name, f->is_index, a, j->d);
        return;
    }
    /* the load key: the salt, the file's place and kind, then its bytes' hash; a file
     * whose metadata is as when its record was made is not read (the metadata is taken
     * before the bytes: a write in between leaves other metadata for the next build) */
    uint64_t base = hash_str(hash_str(j->memo->salt, f->rel), f->sec_name);
    base = hash_u64(base, f->is_index);
    struct stat st;
    bool stat_ok =
        j->memo->stat(j->memo->payload, f->rel, &st) || fs_stat_input(&st, j->opt.root, f->rel);
    uint64_t key;
    page_init(p, f->rel, f->sec_name, f->is_index, a);
    if (stat_ok && j->memo->recall_unread(j->memo->payload, i, p, &st, base, &key, a, j->d)) {
        p->load_key = key;
        if (SELF_CHECKS)
            check_unread(j, p, a);
        return;
    }
    const char *src;
    size_t len;
    if (!page_read(&src, &len, &j->opt, f->rel, a, j->d))
        return;
    uint64_t file_hash = hash_bytes(0, src, len);
    key = hash_u64(base, file_hash);
    if (j->memo->recall(j->memo->payload, i, p, key, src, len, stat_ok ? &st : NULL, a, j->d)) {
        p->load_key = key;
        return;
    }
    diag *d = diag_new(); /* the file's own, to be remembered */
    if (page_parse(p, &j->opt, f->rel, f->sec_name, f->is_index, src, len, a, d) &&
        diag_error_count(d) == 0) {
        p->file_hash = file_hash; /* page_parse starts p afresh */
        j->memo->remember(j->memo->payload, i, p, key, stat_ok ? &st : NULL, a, d);
        p->load_key = key;
    }
    diag_merge(j->d, d);
    diag_free(d);
}

typedef struct rules_job {
    const rules_options *o;
    const config *cfg;
    page *pages;
    arena **arenas; /* one per worker: the load arenas, which live as long as the model */
    int64_t now;    /* o->now in epoch seconds */
    bool clock;     /* now is the clock (no SOURCE_DATE_EPOCH): site_valid_until() matters */
    /* one per worker: the findings of its pages, added to the site's after the pool (each
     * page's findings merged under the site's lock were a third of the pass at 10,000
     * pages, two workers waiting on each other's merges) */
    diag **worker_diags;
    const site_load_memo *memo; /* or NULL */
    uint64_t salt;              /* what the rules' key takes besides a page (rules_salt()) */
} rules_job;

static int64_t earliest_after(const value *v, int64_t now, int64_t best, unsigned depth);

/* What every page's rules read besides the page (site_load_memo.recall_rules): the
 * options, the build date, and the clock when it is SOURCE_DATE_EPOCH's (the clock
 * itself is compared with each page's dates instead). site.yaml is in the load key. */
static uint64_t
rules_salt(const rules_options *o, bool clock)
{
    const value_date *b = &o->build_date;
    int f[] = {b->year,   b->month,      b->day,      b->hour,      b->minute,
               b->second, b->offset_min, b->has_time, b->has_offset};
    uint64_t h = hash_bytes(hash_u64(hash_u64(0x72756c6573, o->drafts), o->future), f, sizeof f);
    return hash_u64(hash_u64(h, clock), clock ? 0 : (uint64_t)value_date_epoch(&o->now));
}

/* The serialized diagnostics of d (for the sanitizer builds' comparison). */
static void
diags_bytes(buf *out, diag *d)
{
    serial_writer w = SERIAL_WRITER(out);
    serial_put_diags(&w, d);
}

/* The first date in p's front matter after the build's clock, INT64_MAX: none or no clock. */
static int64_t
first_date_after(const rules_job *j, const page *p)
{
    return j->clock ? earliest_after(p->front, j->now, INT64_MAX, 0) : INT64_MAX;
}

/* The sanitizer builds (selfcheck.h) check p's recalled findings (in recalled) and first
 * date against a check made again. */
static void
check_recalled_rules(const rules_job *j, const page *p, diag *recalled)
{
    if (p->valid_until != first_date_after(j, p))
        internal_error("%s: its recalled first date is not its", p->path);
    diag *again = diag_new();
    rules_check_page(j->o, p, again);
    buf x = BUF_INIT, y = BUF_INIT;
    diags_bytes(&x, recalled);
    diags_bytes(&y, again);
    if (x.len != y.len || memcmp(x.ptr, y.ptr, x.len) != 0)
        internal_error("%s: its recalled rules are not its rules", p->path);
    buf_free(&x);
    buf_free(&y);
    diag_free(again);
}

/* Page p's rules, recalled when its key and the clock allow, else checked and kept; and
 * p->valid_until (recalled with them: the file's first date after the instant they were
 * made, still its first after now since the recall needs now before it). */
static void
page_rules(const rules_job *j, size_t i, page *p, arena *a, diag *d)
{
    if (!j->memo || !p->load_key) {
        p->valid_until = first_date_after(j, p);
        rules_check_page(j->o, p, d);
        return;
    }
    /* a translation's front matter holds its original's facts (inherit_facts()): its
     * first date after now is one of theirs, and its checks depend on it being one */
    uint64_t key =
        hash_u64(hash_u64(p->load_key, j->salt), p->original ? p->original->load_key | 1 : 0);
    diag *pd = diag_new(); /* the file's findings, recalled or checked */
    bool recalled =
        j->memo->recall_rules(j->memo->payload, i, p, key, j->now, &p->valid_until, a, pd);
    if (recalled && SELF_CHECKS)
        check_recalled_rules(j, p, pd);
    if (!recalled) {
        diag_free(pd); /* what a recall that failed half way put there */
        pd = diag_new();
        p->valid_until = first_date_after(j, p);
        rules_check_page(j->o, p, pd);
        j->memo->remember_rules(j->memo->payload, i, p, key, j->now, p->valid_until, pd);
    }
    diag_merge(d, pd);
    diag_free(pd);
}

/* The consistency rules of page i; then, while its front matter is at hand, what the
 * model takes from it on one thread after the pool: its date's instant (the sorts'
 * key), its language, each taxonomy's value, and its first date after now for
 * site_valid_until(). At 100,000 pages the lookups were 0.4 s of the serial site model,
 * the sorts converting dates in every comparison about 0.5 s; at 10,000 the walk for
 * dates was 13 ms at the end of the build. */
static void
rules_one(size_t i, size_t worker, void *payload)
{
    rules_job *j = payload;
    page *p = &j->pages[i];
    page_rules(j, i, p, j->arenas[worker], j->worker_diags[worker]);
    if (p->date)
        p->date_epoch = value_date_epoch(&p->date->as.date);
    p->text_lang = page_text_language(p, j->cfg);
    size_t n = j->cfg->n_taxonomies;
    const value **tax = arena_alloc(j->arenas[worker], (n + 1) * sizeof *tax);
    for (size_t t = 0; t < n; t++)
        tax[t] = value_map_get(p->front, j->cfg->taxonomies[t].name);
    p->tax_values = tax;
}

/* {====================================================================
 * URLs
 * ===================================================================== */

/* "/sub/" + "projects/x/", in a */
static const char *
url_in(const site *s, const char *rel, arena *a)
{
    return arena_printf(a, "%s%s", s->cfg.base_path, rel);
}

const char *
site_make_url(site *s, const char *rel)
{
    return url_in(s, rel, s->a);
}

/* base_url + rel, its path URL-encoded, in a */
static const char *
permalink_in(const site *s, const char *rel, arena *a)
{
    buf b = BUF_INIT;
    buf_puts(&b, s->cfg.base_url);
    text_url_encode_path(&b, rel, strlen(rel));
    const char *p = arena_strndup(a, b.ptr, b.len);
    buf_free(&b);
    return p;
}

const char *
site_make_permalink(site *s, const char *rel)
{
    return permalink_in(s, rel, s->a);
}

/* Claims rel for origin; NULL, or who claimed it first (then it is not claimed again). */
static const char *
claim_url(site *s, const char *rel, const char *origin)
{
    const char *first = strtab_get(&s->urls, rel);
    if (!first)
        strtab_put(&s->urls, rel, (void *)origin);
    return first;
}

/* The error of a second claim of rel, at at, with a note at the first one's. */
static void
report_duplicate_url(site *s, const char *rel, const char *first, src_pos at)
{
    size_t id = diag_report(s->d, DIAG_ERROR, at, "duplicate URL '%s%s' (also used by %s)",
                            s->cfg.base_path, rel, first);
    diag_note(s->d, id, SRC_POS(first, 0, 0), "the first page with that URL");
}

/* Claims a URL for origin; two claims are an error at the second (a duplicate slug). */
bool
site_claim_url(site *s, const char *rel, const char *origin, src_pos at)
{
    const char *first = claim_url(s, rel, origin);
    if (first)
        report_duplicate_url(s, rel, first, at);
    return !first;
}

/* {====================================================================
 * ordering
 * ===================================================================== */

/* Newest first; undated last; then by weight, title and path for a stable order. */
int
site_cmp_pages(const void *pa, const void *pb)
{
    const page *a = *(page *const *)pa, *b = *(page *const *)pb;
    if (!a->date != !b->date)
        return a->date ? -1 : 1;
    if (a->date && a->date_epoch != b->date_epoch) /* newer first */
        return a->date_epoch > b->date_epoch ? -1 : 1;
    if (a->weight != b->weight)
        return a->weight < b->weight ? -1 : 1;
    int c = strcmp(a->title, b->title);
    return c ? c : strcmp(a->path, b->path);
}

/* The term site.yaml declares for the text v of taxonomy i (any of its names, in any
 * case and spacing), or NULL. */
const config_term *
site_declared_term(const site *s, size_t i, const char *text)
{
    if (!s->cfg.taxonomies[i].n_terms)
        return NULL;
    buf b = BUF_INIT;
    size_t n = strlen(text);
    const char *trimmed = text_trim(text, &n);
    text_slugify(&b, trimmed, n);
    const config_term *t = b.len ? strtab_get(&s->declared[i], b.ptr) : NULL;
    buf_free(&b);
    return t;
}

const char *
site_term_name(const site *s, const char *key, const char *text, size_t lang)
{
    for (size_t i = 0; i < s->cfg.n_taxonomies; i++)
        if (strcmp(s->cfg.taxonomies[i].name, key) == 0) {
            const config_term *t = site_declared_term(s, i, text);
            return t ? t->names[lang] : NULL;
        }
    return NULL;
}

/* The table site_declared_term() reads: each declared term by its slug and by the slug of each
 * of its names. */
static void
index_declared_terms(site *s)
{
    s->declared = arena_zalloc(s->a, (s->cfg.n_taxonomies + 1) * sizeof(strtab));
    buf b = BUF_INIT;
    for (size_t i = 0; i < s->cfg.n_taxonomies; i++) {
        const config_taxonomy *tx = &s->cfg.taxonomies[i];
        for (size_t k = 0; k < tx->n_terms; k++) {
            const config_term *t = &tx->terms[k];
            strtab_put(&s->declared[i], t->slug, (void *)t);
            for (size_t g = 0; g < s->cfg.n_languages; g++) {
                buf_clear(&b);
                text_slugify(&b, t->names[g], strlen(t->names[g]));
                if (b.len && !strtab_has(&s->declared[i], b.ptr)) /* keys are not copied */
                    strtab_put(&s->declared[i], arena_strndup(s->a, b.ptr, b.len), (void *)t);
            }
        }
    }
    buf_free(&b);
}

/* A translation takes its original's facts: the front matter with its own text over it,
 * the slug, dates, weight, cohort, stages and template; a draft original keeps it a draft. */
static void
inherit_facts(site *s, page *t, const page *o)
{
    value *front = site_map_copy(s, o->front);
    for (size_t i = 0; i < t->front->as.map.len; i++) {
        const value_pair *kv = &t->front->as.map.pairs[i];
        value_map_setn(front, kv->key, kv->key_len, kv->val, s->a);
    }
    t->front = front;
    if (!*t->title)
        t->title = o->title;
    t->slug = o->slug;
    t->date = o->date;
    t->updated = o->updated;
    t->weight = o->weight;
    t->cohort = o->cohort;
    t->stages = o->stages;
    t->days_total = o->days_total;
    t->template_name = o->template_name;
    t->template_pos = o->template_pos;
    t->draft = t->draft || o->draft;
}

/* Joins every translation (x.<code>.md) to its original (x.md, or x.<default>.md) and
 * gives it the original's facts. A translation without an original, and two originals
 * of one page, are errors. */
static bool
link_translations(site *s, page *loaded, size_t n)
{
    if (!s->cfg.languages_set)
        return true;
    strtab originals = STRTAB_INIT; /* "content/projects/x" -> the page */
    bool ok = true;
    for (size_t pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            page *p = &loaded[i];
            if ((p->lang != 0) != (pass == 1) || !p->front)
                continue; /* originals first, then their translations */
            size_t stem;
            page_language(&s->cfg, p->path, &stem);
            const char *key = arena_strndup(s->a, p->path, stem);
            page *o = strtab_get(&originals, key);
            if (pass == 0 && o) {
                size_t id = diag_report(s->d, DIAG_ERROR, SRC_POS(p->path, 1, 1),
                                        "%s and %s are the same page in the default language "
                                        "'%s'; keep one",
                                        o->path, p->path, s->cfg.language);
                diag_note(s->d, id, SRC_POS(o->path, 1, 1), "the other file");
                ok = false;
            } else if (pass == 0) {
                strtab_put(&originals, key, p);
            } else if (!o) {
                diag_report(s->d, DIAG_ERROR, SRC_POS(p->path, 1, 1),
                            "translation without its original: %s.md does not exist (a page "
                            "in '%s' translates the page of the default language '%s' beside it)",
                            key, s->cfg.languages[p->lang].code, s->cfg.language);
                ok = false;
            } else {
                if (!o->translations) {
                    o->translations = arena_zalloc(s->a, (s->cfg.n_languages + 1) * sizeof(page *));
                    o->translations[0] = o;
                }
                o->translations[p->lang] = p;
                p->translations = o->translations;
                p->original = o;
                inherit_facts(s, p, o);
            }
        }
    strtab_free(&originals);
    return ok;
}

void
site_share_data(site *s)
{
    const value *data = value_map_get(s->views[0].site_ctx, "data");
    for (size_t k = 1; k < s->cfg.n_languages; k++)
        set(s, s->views[k].site_ctx, "data", (value *)data);
    for (size_t i = 0; i < s->n_all; i++) {
        page *p = s->all[i];
        const value *od =
            p->original && p->original->ctx ? value_map_get(p->original->ctx, "data") : NULL;
        if (od && p->ctx && !value_map_get(p->ctx, "data"))
            set(s, p->ctx, "data", (value *)od);
    }
}

/* {====================================================================
 * the passes: site_new() to site_build_views()
 * ===================================================================== */

/* What "now" is: SOURCE_DATE_EPOCH when it is set (a warning when it is not a number),
 * else the clock. */
static value_date
now_date(site *s)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        long long secs = strtoll(sde, &end, 10);
        if (*end == '\0') {
            s->source_date = true;
            return value_date_from_epoch(secs);
        }
        diag_report(s->d, DIAG_WARNING, SRC_NONE,
                    "SOURCE_DATE_EPOCH is not a number of seconds; ignored");
    }
    return value_date_from_epoch((int64_t)time(NULL));
}

/* The earliest date value of tree after now (epoch seconds), or best. */
static int64_t
earliest_after(const value *v, int64_t now, int64_t best, unsigned depth)
{
    if (!v || depth > 256)
        return best;
    if (v->type == VALUE_DATE) {
        int64_t e = value_date_epoch(&v->as.date);
        return e > now && e < best ? e : best;
    }
    for (size_t i = 0; v->type == VALUE_LIST && i < v->as.list.len; i++)
        best = earliest_after(v->as.list.items[i], now, best, depth + 1);
    for (size_t i = 0; v->type == VALUE_MAP && i < v->as.map.len; i++)
        best = earliest_after(v->as.map.pairs[i].val, now, best, depth + 1);
    return best;
}

int64_t
site_valid_until(const site *s)
{
    if (s->source_date)
        return INT64_MAX;
    int64_t best = INT64_MAX;
    for (size_t i = 0; i < s->n_loaded; i++) /* each page's, found by rules_one() */
        if (s->loaded[i].valid_until < best)
            best = s->loaded[i].valid_until;
    return best;
}

/* SOURCE_DATE_EPOCH, else the newest published date that is not in the future: the
 * clock only decides what is published, so the same pages give the same bytes. */
static const value *
build_date(site *s)
{
    if (s->source_date)
        return value_new_date(s->a, s->rules.now, SRC_NONE);
    const value *best = NULL;
    for (size_t i = 0; i < s->views[0].n_pages; i++) {
        const page *p = s->views[0].pages[i];
        if (!rules_in_future(p->date, &s->rules.now))
            best = newest(best, p->date);
        if (!rules_in_future(p->updated, &s->rules.now))
            best = newest(best, p->updated);
    }
    if (!best)
        best = value_new_date(s->a, value_date_from_epoch(0), SRC_NONE);
    return best;
}

static const char *
page_rel(const site *s, const page *p, arena *a)
{
    const char *pre = s->views[p->lang].prefix;
    if (p->is_index)
        return *p->section ? arena_printf(a, "%s%s/", pre, p->section) : pre;
    if (*p->section)
        return arena_printf(a, "%s%s/%s/", pre, p->section, p->slug);
    return arena_printf(a, "%s%s/", pre, p->slug);
}

/* A page's place, URL, absolute URL and output file (assign_urls(): each page on the pool,
 * in its worker's arena; the claims after, in order, on the calling thread). */
typedef struct urls_job {
    const site *s;
    page **pages;
    const char **rels;
    arena **arenas;
} urls_job;

static void
url_one(size_t i, size_t worker, void *payload)
{
    urls_job *j = payload;
    page *p = j->pages[i];
    arena *a = j->arenas[worker];
    const char *rel = j->rels[i] = page_rel(j->s, p, a);
    p->url = url_in(j->s, rel, a);
    p->permalink = permalink_in(j->s, rel, a);
    p->out_path = arena_printf(a, "%sindex.html", rel);
}

/* URLs of the pages, and every URL claimed once: generated lists first (taxonomies,
 * sections, even those without an _index.md), then the pages, so a clash is reported at
 * the page that takes a list's URL. */
static void
assign_urls(site *s, page **all, size_t n, size_t workers, arena **arenas)
{
    for (size_t k = 1; k < s->cfg.n_languages; k++) /* the homes of the other languages */
        site_claim_url(
            s, s->views[k].prefix,
            arena_printf(s->a, "%s (language '%s')", s->cfg.file, s->cfg.languages[k].code),
            s->cfg.languages[k].at);
    for (size_t k = 0; k < s->cfg.n_languages; k++)
        for (size_t i = 0; i < s->cfg.n_taxonomies; i++)
            site_claim_url(
                s, arena_printf(s->a, "%s%s/", s->views[k].prefix, s->cfg.taxonomies[i].path),
                arena_printf(s->a, "%s (taxonomy '%s')", s->cfg.file, s->cfg.taxonomies[i].name),
                SRC_POS(s->cfg.file, 0, 0));
    strtab_put(&s->urls, "404.html", (void *)"the 404 page");
    strtab seen = STRTAB_INIT; /* sections whose list is claimed */
    for (size_t i = 0; i < n; i++) {
        const char *sec = all[i]->section;
        if (!*sec || strtab_has(&seen, sec))
            continue;
        strtab_put(&seen, sec, NULL);
        const char *origin = arena_printf(s->a, "content/%s", sec);
        for (size_t k = 0; k < s->cfg.n_languages; k++)
            site_claim_url(s, arena_printf(s->a, "%s%s/", s->views[k].prefix, sec), origin,
                           SRC_POS(origin, 0, 0));
    }
    strtab_free(&seen);
    /* at 10,000 pages 12 ms on this thread alone (callgrind: 18 million instructions of
     * permalinks, 14 of paths and URLs, 7 of claims) */
    urls_job job = {s, all, arena_alloc(s->a, (n + 1) * sizeof(char *)), arenas};
    pool_run(workers, n, url_one, &job);
    strtab_reserve(&s->urls, s->urls.len + n + 64); /* and the lists' and terms' later */
    for (size_t i = 0; i < n; i++) {
        page *p = all[i];
        if (p->is_index && (*p->section || p->lang))
            continue; /* a section's _index.md is its list, a home's translation its home:
                       * claimed above */
        const char *first = claim_url(s, job.rels[i], p->path);
        if (first) { /* its error at the slug (looked up only then) */
            const value *slugv = value_map_get(p->front, "slug");
            report_duplicate_url(s, job.rels[i], first,
                                 slugv ? slugv->pos : SRC_POS(p->path, 1, 1));
        }
    }
    /* the search page last: a page of the site at search/ (Hugo sites often have a
     * content/search.md) is the search page instead */
    for (size_t k = 0; k < s->cfg.n_languages && s->cfg.search_enabled; k++) {
        const char *rel = arena_printf(s->a, "%ssearch/", s->views[k].prefix);
        if (!strtab_has(&s->urls, rel))
            s->views[k].search_page =
                site_claim_url(s, rel, s->cfg.file, SRC_POS(s->cfg.file, 0, 0));
    }
}

site *
site_new(const site_options *opt, arena *a, diag *d)
{
    site *s = arena_zalloc(a, sizeof(site));
    s->a = a;
    s->d = d;
    s->opt = *opt;
    if (!s->opt.workers)
        s->opt.workers = 1;
    if (opt->cfg)
        s->cfg = *opt->cfg;
    else if (!config_load(&s->cfg, opt->root, opt->base_url, a, d))
        return NULL;
    s->opt.cfg = &s->cfg;
    return s;
}

bool
site_load_pages(site *s, const scan_source *sources, size_t n)
{
    /* every file in parallel, each worker allocating from its own arena */
    const site_options *opt = &s->opt;
    arena *a = s->a;
    page *loaded = arena_zalloc(a, (n + 1) * sizeof(page));
    if (opt->load_memo)
        opt->load_memo->start(opt->load_memo->payload, n);
    load_job job = {{&s->cfg, opt->schema, opt->root, opt->recommended},
                    sources,
                    loaded,
                    opt->worker_arenas,
                    s->d,
                    opt->load_memo};
    pool_run(opt->workers, n, load_one, &job);
    if (diag_error_count(s->d) > 0)
        return false;
    s->loaded = loaded;
    s->n_loaded = n;

    /* translations: each joins its original and takes its facts */
    for (size_t i = 0; i < n; i++)
        loaded[i].lang = page_language(&s->cfg, loaded[i].path, NULL);
    if (!link_translations(s, loaded, n))
        return false;
    index_declared_terms(s); /* its tables are freed by site_free from here on */
    s->views = arena_zalloc(a, (s->cfg.n_languages + 1) * sizeof(view));
    for (size_t k = 0; k < s->cfg.n_languages; k++) {
        view *v = &s->views[k];
        v->lang = k;
        v->cfg = &s->cfg.languages[k];
        v->prefix = *v->cfg->path ? arena_printf(a, "%s/", v->cfg->path) : "";
        v->pages = arena_zalloc(a, (n + 1) * sizeof(page *));
    }
    return true;
}

void
site_check_pages(site *s)
{
    /* published pages: no drafts (unless --drafts), none dated in the future (unless
     * --future); then the build date, and the consistency rules over every page */
    const site_options *opt = &s->opt;
    page *loaded = s->loaded;
    size_t n = s->n_loaded;
    s->rules = (rules_options){&s->cfg, now_date(s), {0}, opt->drafts, opt->future};
    page **all = arena_zalloc(s->a, (n + 1) * sizeof(page *));
    size_t n_all = 0;
    view *v0 = &s->views[0];
    for (size_t i = 0; i < n; i++) {
        page *p = &loaded[i];
        if (!rules_published(p, &s->rules))
            continue;
        all[n_all++] = p;
        if (p->lang == 0 && !p->is_index)
            v0->pages[v0->n_pages++] = p;
    }
    s->all = all;
    s->n_all = n_all;
    s->build_date = build_date(s);
    s->rules.build_date = s->build_date->as.date;
    rules_job rj = {&s->rules,
                    &s->cfg,
                    loaded,
                    opt->worker_arenas,
                    value_date_epoch(&s->rules.now),
                    !s->source_date,
                    xcalloc(opt->workers + 1, sizeof(diag *)),
                    opt->load_memo,
                    rules_salt(&s->rules, !s->source_date)};
    for (size_t w = 0; w < opt->workers; w++)
        rj.worker_diags[w] = diag_new();
    if (opt->load_memo)
        opt->load_memo->start_rules(opt->load_memo->payload, n);
    pool_run(opt->workers, n, rules_one, &rj); /* a site of 10,000 pages has 9,000 warnings */
    if (opt->load_memo)
        opt->load_memo->end_rules(opt->load_memo->payload);
    /* each page's findings stay together; pages' come in worker order, as they came in the
     * order the workers finished them before (printing sorts them by place) */
    for (size_t w = 0; w < opt->workers; w++) {
        diag_merge(s->d, rj.worker_diags[w]);
        diag_free(rj.worker_diags[w]);
    }
    free(rj.worker_diags);
    for (size_t k = 1; k < s->cfg.n_languages; k++) { /* a translation where there is one */
        view *v = &s->views[k];
        for (size_t i = 0; i < v0->n_pages; i++) {
            page *p = v0->pages[i], *t = p->translations ? p->translations[k] : NULL;
            v->pages[v->n_pages++] = t && rules_published(t, &s->rules) ? t : p;
        }
    }
}

void
site_assign_urls(site *s)
{
    assign_urls(s, s->all, s->n_all, s->opt.workers, s->opt.worker_arenas);
}

void
site_free(site *s)
{
    if (s) {
        strtab_free(&s->urls);
        strtab_free(&s->by_path);
        for (size_t i = 0; s->declared && i < s->cfg.n_taxonomies; i++)
            strtab_free(&s->declared[i]);
        for (size_t k = 0; s->views && k < s->cfg.n_languages; k++)
            facets_free(s->views[k].facets);
    }
}

const facets *
site_facets(const site *s, size_t lang)
{
    return s->views[lang].facets;
}

value *
site_context(site *s)
{
    return s->views[0].site_ctx;
}

value *
site_context_in(site *s, size_t lang)
{
    return s->views[lang].site_ctx;
}

/* {====================================================================
 * page contents: shortcodes, then Markdown on the pool, then the template values
 * ===================================================================== */

typedef struct content_job {
    site *s;
    shortcode_text *texts;
    arena **arenas;
    diag *d;
    const site_content_memo *memo; /* or NULL */
    uint64_t urls;                 /* the hash of every page's path and URL, for the memo */
} content_job;

/* Everything the conversion of page i reads (site_content_memo). */
static uint64_t
content_key(const content_job *j, const page *p, const shortcode_text *st)
{
    uint64_t h = hash_u64(hash_str(j->memo->salt, p->path), p->body_line);
    /* the body as written (positions of diagnostics): by the key of the file it is in
     * when the load memo made one (its bytes hashed once a build, not three times) */
    h = p->load_key ? hash_u64(h, p->load_key) : hash_bytes(h, p->body, p->body_len);
    /* the text after the shortcodes: the body itself when it calls none */
    bool same = st->src == p->body && st->len == p->body_len;
    h = hash_u64(same ? hash_u64(h, 1) : hash_bytes(h, st->src, st->len), j->urls);
    h = hash_str(h, p->summary); /* the explicit one, or NULL */
    for (size_t k = 0; k < st->n; k++)
        h = hash_str(h, st->html[k]);
    for (size_t k = 0; k < p->n_pictures; k++) { /* a new file of the same name: new URLs */
        const markdown_picture *pic = &p->pictures[k].pic;
        h = hash_str(hash_str(hash_str(h, p->pictures[k].url), pic->src), pic->srcset);
        h = hash_str(hash_str(h, pic->webp_srcset), pic->error);
        h = hash_u64(hash_u64(h, (uint64_t)pic->width), (uint64_t)pic->height);
    }
    return h;
}

/* What page_url_of answers for every path. */
static uint64_t
urls_key(const site *s)
{
    uint64_t h = hash_u64(0, s->n_loaded);
    for (size_t i = 0; i < s->n_loaded; i++) {
        const page *p = &s->loaded[i];
        h = hash_u64(hash_str(hash_str(h, p->path), p->url), p->draft);
    }
    return h;
}

/* Who follows a link to a .md file: the site, and the page the link is on. */
typedef struct link_source {
    const site *s;
    const page *from;
} link_source;

/* A link to a .md file (markdown.h): the URL of the page written in path, in the language
 * of the page the link is on when it has a translation there (`[x](x.md)` in x.en.md's
 * neighbour leads to /en/...). Reads only what the model passes made, so render workers call it
 * at once. */
static const char *
page_url_of(const char *path, const char **why, void *payload)
{
    const link_source *src = payload;
    const site *s = src->s;
    const page *p = strtab_get(&s->by_path, path);
    size_t len = strlen(path);
    const page *t = p && p->translations ? p->translations[src->from->lang] : NULL;
    if (t && t->url)
        return t->url;
    if (p && p->url)
        return p->url;
    if (p && p->draft)
        *why = "a draft (draft: true), which is not published";
    else if (p)
        *why = "a page that is not published";
    else if (len >= 9 && strcasecmp(path + len - 9, "README.md") == 0)
        *why = "a README, which is not a page";
    else
        *why = "not a page of the site";
    return NULL;
}

/* The placeholder of a page's k-th ref call: "\x01clinfolio-ref-<k>\x01", never in the
 * output of Markdown for text written without control characters. */
#define REF_MARK \
    "\x01"       \
    "clinfolio-ref-"

/* What every placeholder starts with: REF_MARK, CITE_MARK, CITE_LIST_MARK. */
#define ANY_MARK \
    "\x01"       \
    "clinfolio-"

/* markdown_page.fill_text: a heading's text (for its id) with each shortcode token
 * replaced by the text of the call's output; a cross-reference or a citation, whose words
 * are known only later, is left out ("See {{ ref(...) }} here" has the id see-here). */
static const char *
heading_text_of(const char *text, void *payload, arena *a)
{
    const shortcode_text *st = payload;
    if (!st->n)
        return text;
    const char *filled = shortcode_fill_text(st, text, a);
    if (!strstr(filled, ANY_MARK))
        return filled;
    buf b = BUF_INIT;
    for (const char *p = filled; *p;) {
        const char *mark = strstr(p, ANY_MARK);
        const char *end = mark ? strchr(mark + 1, '\x01') : NULL;
        if (!end) {
            buf_puts(&b, p);
            break;
        }
        buf_append(&b, p, (size_t)(mark - p));
        p = end + 1;
    }
    const char *out = arena_strndup(a, b.ptr ? b.ptr : "", b.len);
    buf_free(&b);
    return out;
}

/* markdown_page.figure_of: the figure call of page payload whose output is html. */
static const markdown_figure *
figure_of(const void *payload, const char *html)
{
    const page *p = payload;
    for (size_t k = 0; k < p->n_figures; k++)
        if (strcmp(p->figures[k].html, html) == 0)
            return &p->figures[k].parts;
    return NULL;
}

/* The picture of page p for an image whose destination is url (markdown_page.picture_of). */
static const markdown_picture *
picture_of(const void *payload, const char *url)
{
    const page *p = payload;
    for (size_t k = 0; k < p->n_pictures; k++)
        if (strcmp(p->pictures[k].url, url) == 0)
            return &p->pictures[k].pic;
    return NULL;
}

/* The page's Markdown to p->md and p->summary, with its shortcodes' output in place. */
static void
convert_page(const content_job *j, page *p, const shortcode_text *st, arena *a, diag *d)
{
    /* positions in the file as written, though the Markdown holds the calls' tokens */
    link_source src = {j->s, p};
    markdown_page pg = {page_url_of,     &src,       p->body,
                        p->body_len,     st->spans,  st->n,
                        heading_text_of, (void *)st, shortcode_token_html,
                        figure_of,       p,          picture_of};
    markdown_set_page(&pg);
    page_render_markdown(p, &j->s->cfg, st->src, st->len, a, d);
    markdown_set_page(NULL);
    if (!st->n)
        return;
    for (size_t k = 0; k < p->md.n_links; k++) /* a shortcode in a destination: its output */
        p->md.links[k].dest = shortcode_fill_text(st, p->md.links[k].dest, a);
    p->md.html = shortcode_fill_html(st, p->md.html, a);
    p->summary = shortcode_fill_text(st, p->summary, a);
    for (size_t k = 0; p->md.toc && k < p->md.toc->as.list.len; k++) {
        value *entry = p->md.toc->as.list.items[k];
        const value *title = value_map_get(entry, "title");
        if (title && title->type == VALUE_STRING)
            value_map_set(
                entry, "title",
                value_new_cstr(a, shortcode_fill_text(st, title->as.str.ptr, a), title->pos), a);
    }
}

bool
site_page_body(const site *s, page *p, arena *a, diag *d)
{
    if (p->body)
        return true;
    const char *src;
    size_t len;
    page_load_options opt = {&s->cfg, NULL, s->opt.root, false};
    if (!page_read(&src, &len, &opt, p->path, a, d))
        return false;
    if (hash_bytes(0, src, len) != p->file_hash || p->body_at > len ||
        p->body_len > len - p->body_at) {
        diag_report(d, DIAG_ERROR, SRC_POS(p->path, 0, 0),
                    "the file changed while the site was built: build again");
        return false;
    }
    p->body = src + p->body_at;
    return true;
}

static void
content_one(size_t i, size_t worker, void *payload)
{
    content_job *j = payload;
    page *p = j->s->all[i];
    shortcode_text *st = &j->texts[i];
    arena *a = j->arenas[worker];
    uint64_t key = j->memo ? content_key(j, p, st) : 0;
    if (j->memo && j->memo->recall(j->memo->payload, i, p, key, a, j->d))
        return;
    if (!p->body) { /* not read (site_page_body), so it calls no shortcode: its text */
        if (!site_page_body(j->s, p, a, j->d))
            return;
        st->src = p->body;
    }
    diag *d = j->memo ? diag_new() : j->d; /* the page's own, to be remembered */
    convert_page(j, p, st, a, d);
    if (j->memo) {
        if (diag_error_count(d) == 0)
            j->memo->remember(j->memo->payload, i, p, key, d);
        diag_merge(j->d, d);
        diag_free(d);
    }
}

/* Sets p's map's pair key to v, noting v's deep hash as page.late_vals' place k when hash
 * (the build keeps a memo, whose page hashes take it). */
static void
set_late(page *p, const char *key, value *v, size_t k, bool hash, arena *a)
{
    value_map_set(p->ctx, key, v, a);
    if (hash)
        page_note_late(p, k, v);
}

static void
fill_page_content(page *p, bool hash, arena *a)
{
    set_late(p, "summary", text_ref(a, p->summary), PAGE_LATE_SUMMARY, hash, a);
    value *content = value_new_string_ref(a, p->md.html, page_html_len(p), SRC_NONE);
    content->as.str.hash = page_html_hash(p); /* as the cache had it: not hashed again */
    set_late(p, "content", content, PAGE_LATE_CONTENT, hash, a);
    set_late(p, "toc", p->md.toc ? p->md.toc : value_new_list(a, SRC_NONE), PAGE_LATE_TOC, hash, a);
    set_late(p, "word_count", value_new_number(a, (double)p->md.word_count, SRC_NONE),
             PAGE_LATE_WORDS, hash, a);
    /* minutes at 200 words or 400 Chinese characters a minute, rounded up */
    size_t cjk = p->md.cjk_count, other = p->md.word_count - cjk;
    set_late(p, "reading_time",
             value_new_number(a, (double)((other * 2 + cjk + 399) / 400), SRC_NONE),
             PAGE_LATE_READING, hash, a);
    if (p->link)
        page_link_set(p, "summary", text_ref(a, p->summary), a);
}

/* fill_page_content on the pool: each page's maps are its own, allocated in the worker's
 * arena (one of the load arenas, which live as long as the model) */
static void
fill_one(size_t i, size_t worker, void *payload)
{
    const content_job *j = payload;
    page *p = j->s->all[i];
    if (p->ctx)
        fill_page_content(p, j->memo != NULL, j->arenas[worker]);
}

/* {====================================================================
 * cross-references: {{ ref(id=..., page=...) }} (site_shortcode_ref)
 * ===================================================================== */

bool
site_shortcode_ref(buf *html, const shortcode_call *call, page *p, arena *a, diag *d)
{
    const char *args[2];
    bool ok = shortcode_string_args(args, call, (const char *const[]){"id", "page"}, 2, d);
    const char *id = args[0], *target = args[1];
    if (ok && !id) {
        diag_report(d, DIAG_ERROR, call->at,
                    "shortcode 'ref' needs id=\"...\": the id of a table or figure "
                    "({{ ref(id=\"tbl:cohorts\") }})");
        ok = false;
    }
    if (!ok)
        return false;
    p->refs = arena_grow(a, p->refs, p->n_refs, &p->cap_refs, sizeof(page_ref), 4);
    p->refs[p->n_refs] = (page_ref){id, target, call->at};
    buf_printf(html, REF_MARK "%zu\x01", p->n_refs++);
    return true;
}

/* {====================================================================
 * figures: {{ figure(src=..., alt=..., caption=..., id=..., source=..., credit=...) }}
 * ===================================================================== */

/* text HTML-escaped, in a. */
static const char *
escaped(const char *text, arena *a)
{
    buf b = BUF_INIT;
    text_html_escape(&b, text, strlen(text));
    const char *r = arena_strndup(a, b.ptr, b.len);
    buf_free(&b);
    return r;
}

/* Whether id is one a caption's {#id} may give: letters, digits, ':', '_', '-'. */
static bool
is_caption_id(const char *id)
{
    return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-") ==
           strlen(id);
}

bool
site_shortcode_figure(buf *html, const shortcode_call *call, page *p, arena *a, diag *d)
{
    static const char *const names[] = {"src", "alt", "caption", "id", "source", "credit"};
    const char *v[6];
    bool ok = shortcode_string_args(v, call, names, 6, d);
    const value *src = value_map_get(call->args, "src"), *id = value_map_get(call->args, "id");
    if (ok && (!v[0] || !v[1])) {
        diag_report(d, DIAG_ERROR, call->at,
                    "shortcode 'figure' needs %s: the image and its text alternative "
                    "({{ figure(src=\"/img/x.png\", alt=\"...\", caption=\"...\") }})",
                    v[0] ? "alt=\"...\"" : "src=\"...\"");
        ok = false;
    }
    if (v[0] && !text_url_scheme_allowed(v[0], strlen(v[0]), false)) {
        diag_report(d, DIAG_ERROR, src->pos,
                    "shortcode 'figure': src '%s' must be a relative, http: or https: URL", v[0]);
        ok = false;
    }
    if (v[3] && !is_caption_id(v[3])) {
        diag_report(d, DIAG_ERROR, id->pos,
                    "shortcode 'figure': id '%s' may hold letters, digits, ':', '_' and '-' only",
                    v[3]);
        ok = false;
    }
    if (!ok)
        return false;
    markdown_figure f = {
        arena_printf(a, "<img src=\"%s\" alt=\"%s\" />", escaped(v[0], a), escaped(v[1], a)),
        v[2] ? escaped(v[2], a) : "", v[4] ? escaped(v[4], a) : NULL, v[3],
        v[5] ? escaped(v[5], a) : NULL};
    /* the output: the image alone, for a call inside a paragraph (the Markdown pass
     * replaces a call alone in its paragraph by the numbered figure); its caption as the
     * title and its id make it the call's own (figure_of) */
    buf_printf(html, "<img src=\"%s\" alt=\"%s\"", escaped(v[0], a), escaped(v[1], a));
    if (*f.caption)
        buf_printf(html, " title=\"%s\"", f.caption);
    if (f.id)
        buf_printf(html, " id=\"%s\"", f.id);
    buf_puts(html, " />");
    p->figures =
        arena_grow(a, p->figures, p->n_figures, &p->cap_figures, sizeof(struct page_figure), 4);
    p->figures[p->n_figures++] =
        (struct page_figure){arena_strndup(a, html->ptr, html->len), f, v[0], v[1], src->pos};
    return true;
}

/* Figure k of page i as the picture the media pass made of its src, when it made one: its
 * output (the call's token's, in texts[i]) and the image of its numbered figure. */
static void
picture_figure(site *s, size_t i, size_t k)
{
    page *p = s->all[i];
    struct page_figure *f = &p->figures[k];
    const markdown_picture *pic = picture_of(p, f->src);
    if (!pic || pic->error)
        return;
    const char *alt = escaped(f->alt, s->a);
    buf b = BUF_INIT;
    markdown_picture_html(&b, pic, s->cfg.image_sizes, alt, NULL, NULL);
    f->parts.img = arena_strndup(s->a, b.ptr, b.len);
    buf_clear(&b);
    markdown_picture_html(&b, pic, s->cfg.image_sizes, alt, f->parts.caption, f->parts.id);
    const char *html = arena_strndup(s->a, b.ptr, b.len);
    buf_free(&b);
    shortcode_text *st = &s->texts[i];
    for (size_t c = 0; c < st->n; c++) /* the same call twice: the same output */
        if (strcmp(st->html[c], f->html) == 0)
            st->html[c] = html;
    f->html = html;
}

/* }==================================================================== */

/* str with each placeholder <mark><k>\x01 (k < n) replaced by repl[k]. */
static const char *
fill_marks(const char *str, const char *mark, const char *const *repl, size_t n, arena *a)
{
    size_t mlen = strlen(mark);
    if (!str || !strstr(str, mark))
        return str;
    buf b = BUF_INIT;
    const char *p = str;
    for (const char *m; (m = strstr(p, mark));) {
        const char *q = m + mlen;
        size_t k = 0;
        while (*q >= '0' && *q <= '9' && k <= n)
            k = k * 10 + (size_t)(*q++ - '0');
        buf_append(&b, p, (size_t)(m - p));
        if (*q == '\x01' && q > m + mlen && k < n) {
            buf_puts(&b, repl[k]);
            p = q + 1;
        } else {
            buf_putc(&b, *m);
            p = m + 1;
        }
    }
    buf_puts(&b, p);
    const char *out = arena_strndup(a, b.ptr, b.len);
    buf_free(&b);
    return out;
}

/* p's placeholders of mark replaced: html[k] in its HTML, text[k] in its summary and the
 * titles of its table of contents. */
static void
fill_page_marks(page *p, const char *mark, const char *const *html, const char *const *text,
                size_t n, arena *a)
{
    p->md.html = fill_marks(p->md.html, mark, html, n, a);
    p->summary = fill_marks(p->summary, mark, text, n, a);
    for (size_t k = 0; p->md.toc && k < p->md.toc->as.list.len; k++) {
        value *entry = p->md.toc->as.list.items[k];
        const value *title = value_map_get(entry, "title");
        const char *t = title ? value_str(title) : NULL;
        const char *filled = fill_marks(t, mark, text, n, a);
        if (filled != t)
            value_map_set(entry, "title", value_new_cstr(a, filled, title->pos), a);
    }
}

/* The page a ref call of p points to (its translation in p's language where there is one),
 * or NULL after an error. */
static const page *
ref_target(const site *s, const page *p, const page_ref *r, diag *d)
{
    if (!r->target)
        return p;
    buf path = BUF_INIT;
    buf_printf(&path, "content/%s", r->target);
    const page *t = strtab_get(&s->by_path, path.ptr);
    buf_free(&path);
    if (!t || !t->url) {
        diag_report(d, DIAG_ERROR, r->at,
                    "unknown page '%s' in ref: no published page content/%s (page= is a path "
                    "under content/, such as reports/2024.md)",
                    r->target, r->target);
        return NULL;
    }
    const page *tr = t->translations ? t->translations[p->lang] : NULL;
    return tr && tr->url ? tr : t;
}

/* The ids of t's numbered tables and figures, for a message: "tbl:a, fig:b" or "none". */
static const char *
label_ids(const page *t, arena *a)
{
    buf b = BUF_INIT;
    for (size_t k = 0; k < t->md.n_labels; k++)
        if (t->md.labels[k].id)
            buf_printf(&b, "%s%s", b.len ? ", " : "", t->md.labels[k].id);
    const char *out = arena_strdup(a, b.len ? b.ptr : "none");
    buf_free(&b);
    return out;
}

/* Replaces p's ref placeholders by links ("Table 2", "Report title, Table 2"); false
 * after an error. Runs every build after the contents are converted or restored, so the
 * numbers are always the current ones (the content memo keeps the placeholders). */
static bool
resolve_refs(site *s, page *p, diag *d)
{
    const char **html = arena_alloc(s->a, p->n_refs * sizeof(char *));
    const char **text = arena_alloc(s->a, p->n_refs * sizeof(char *));
    const char *lang = page_text_lang(s, p);
    bool zh = strncmp(lang, "zh", 2) == 0 && (lang[2] == '\0' || lang[2] == '-');
    bool ok = true;
    buf b = BUF_INIT, h = BUF_INIT;
    for (size_t k = 0; k < p->n_refs; k++) {
        const page_ref *r = &p->refs[k];
        html[k] = text[k] = "";
        const page *t = ref_target(s, p, r, d);
        const markdown_label *l = NULL;
        for (size_t i = 0; t && i < t->md.n_labels && !l; i++)
            if (t->md.labels[i].id && strcmp(t->md.labels[i].id, r->id) == 0)
                l = &t->md.labels[i];
        if (!l) {
            if (t)
                diag_report(d, DIAG_ERROR, r->at, "unknown reference '%s' (ids of %s: %s)", r->id,
                            t == p ? "this page" : t->path, label_ids(t, s->a));
            ok = false;
            continue;
        }
        buf_clear(&b);
        if (t != p)
            buf_printf(&b, "%s%s", t->title, zh ? "，" : ", ");
        markdown_label_text(&b, l->kind, l->number, lang);
        buf_clear(&h);
        buf_puts(&h, "<a class=\"xref\" href=\"");
        if (t != p)
            text_html_escape(&h, t->url, strlen(t->url));
        buf_putc(&h, '#');
        text_html_escape(&h, r->id, strlen(r->id));
        buf_puts(&h, "\">");
        text_html_escape(&h, b.ptr, b.len);
        buf_puts(&h, "</a>");
        text[k] = arena_strndup(s->a, b.ptr, b.len);
        html[k] = arena_strndup(s->a, h.ptr, h.len);
    }
    buf_free(&b);
    buf_free(&h);
    if (!ok)
        return false;
    fill_page_marks(p, REF_MARK, html, text, p->n_refs, s->a);
    return true;
}

/* Replaces p's citation placeholders by numbered marks and puts its reference list where
 * {{ references() }} stands, else at the end of its content (cite.h). Every build, as
 * resolve_refs. */
static void
resolve_cites(site *s, page *p)
{
    const char **html, *list;
    cite_resolve(&html, &list, p, page_text_lang(s, p), s->a);
    const char **text = arena_alloc(s->a, (p->n_cites + 1) * sizeof(char *));
    buf b = BUF_INIT;
    for (size_t k = 0; k < p->n_cites; k++) { /* "[1]" in the summary */
        buf_clear(&b);
        text_strip_tags(&b, html[k], strlen(html[k]));
        text[k] = arena_strndup(s->a, b.ptr, b.len);
    }
    fill_page_marks(p, CITE_MARK, html, text, p->n_cites, s->a);
    const char *html_doc = p->md.html;
    const char *at = strstr(html_doc, "<p>" CITE_LIST_MARK "</p>");
    size_t skip = at ? strlen("<p>" CITE_LIST_MARK "</p>") : strlen(CITE_LIST_MARK);
    if (!at)
        at = strstr(html_doc, CITE_LIST_MARK);
    buf_clear(&b);
    if (at) {
        buf_append(&b, html_doc, (size_t)(at - html_doc));
        buf_puts(&b, list);
        buf_puts(&b, at + skip);
    } else {
        buf_printf(&b, "%s%s", html_doc, list);
    }
    p->md.html = arena_strndup(s->a, b.ptr, b.len);
    buf_free(&b);
}

/* }==================================================================== */

bool
site_expand_content(site *s, site_expand_fn expand, void *payload, diag *d)
{
    s->texts = arena_zalloc(s->a, (s->n_all + 1) * sizeof(shortcode_text));
    for (size_t i = 0; i < s->n_all; i++) {
        /* a page restored without its body: read when it may call shortcodes or is a
         * bundle (the media pass reads its text); the others' when they are converted */
        page *p = s->all[i];
        size_t dir_len;
        if (!p->body && (p->calls || page_is_bundle(p->path, &dir_len)) &&
            !site_page_body(s, p, s->a, d))
            continue;
        expand(&s->texts[i], p, payload, s->a, d);
    }
    return diag_error_count(d) == 0;
}

const char *
site_page_text(const site *s, size_t i, size_t *len)
{
    *len = s->texts[i].len;
    return s->texts[i].src;
}

bool
site_convert_content(site *s, const site_content_memo *memo, size_t workers, arena **worker_arenas,
                     diag *d)
{
    for (size_t i = 0; i < s->n_all; i++)
        for (size_t k = 0; k < s->all[i]->n_figures; k++)
            picture_figure(s, i, k);
    strtab_reserve(&s->by_path, s->by_path.len + s->n_loaded);
    for (size_t i = 0; i < s->n_loaded; i++)
        strtab_put(&s->by_path, s->loaded[i].path, &s->loaded[i]);
    content_job job = {s, s->texts, worker_arenas, d, memo, memo ? urls_key(s) : 0};
    pool_run(workers ? workers : 1, s->n_all, content_one, &job);
    if (diag_error_count(d))
        return false;
    bool refs_ok = true;
    for (size_t i = 0; i < s->n_all; i++)
        if (s->all[i]->n_refs)
            refs_ok = resolve_refs(s, s->all[i], d) && refs_ok;
    if (!refs_ok)
        return false;
    for (size_t i = 0; i < s->n_all; i++)
        if (s->all[i]->n_cites || s->all[i]->references_placed)
            resolve_cites(s, s->all[i]);
    pool_run(workers ? workers : 1, s->n_all, fill_one, &job);
    for (size_t k = 0; k < s->cfg.n_languages; k++)
        for (size_t i = 0; i < s->views[k].n_sections; i++) {
            page *ix = s->views[k].sections[i]->index;
            value *m = s->views[k].sections[i]->ctx;
            set(s, m, "content", str_val(s, ix ? ix->md.html : ""));
            set(s, m, "summary", str_val(s, ix ? ix->summary : ""));
        }
    return true;
}
