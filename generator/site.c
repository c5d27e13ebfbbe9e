/* SPDX-License-Identifier: MIT
 * site.c - build the site model (pass 4): scan content/, load pages in parallel, give
 * each its URL, group them into sections and taxonomy terms, and build the values
 * templates see. */
#include "site.h"

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

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* {====================================================================
 * small containers
 * ===================================================================== */

/* {====================================================================
 * the model
 * ===================================================================== */

typedef struct section {
    const char *name;
    page *index; /* content/<name>/_index.md or NULL */
    page **pages;
    size_t n_pages, cap;
    value *ctx;
} section;

typedef struct term {
    const char *name, *slug, *url, *permalink;
    const config_term *declared; /* its names in every language (site.yaml), or NULL */
    page **pages;
    size_t n_pages, cap;
    value *ctx;
} term;

typedef struct taxonomy {
    const config_taxonomy *cfg;
    term **terms; /* sorted by name */
    size_t n_terms, cap;
    strtab by_slug;
    strtab by_text; /* a value's text as written -> its term, when it gave no diagnostic */
    const char *url, *permalink;
    value *ctx;
} taxonomy;

/* The site in one language: its pages are the translations into it where there are
 * some, else the originals (so every language lists every project, once), with their
 * own lists and template values. A site without `languages` has one view. */
typedef struct view {
    size_t lang;                /* index into cfg.languages */
    const config_language *cfg; /* cfg.languages[lang] */
    const char *prefix;         /* "" or "en/": the start of every URL of this language */
    page *home;                 /* content/_index[.<code>].md or NULL */
    page **pages;               /* published single pages, newest first */
    size_t n_pages;
    section **sections; /* sorted by name */
    size_t n_sections;
    taxonomy *taxonomies; /* cfg.n_taxonomies of them */
    value *site_ctx;
    bool search_page; /* <prefix>search/ is the built-in search page (no page took it) */
    facets *facets;   /* the projects' facets (facets.h), when the language lists projects */
} view;

struct site {
    config cfg;
    const char *root;
    page **all; /* every published page, _index.md files and translations too, in scan order */
    size_t n_all;
    view *views;            /* one per language, the default first */
    value **i18n;           /* each language's interface text (site.i18n), or NULL */
    strtab *declared;       /* per taxonomy: the slug of every declared term's names -> its term */
    value *no_translations; /* `translations` of every output of a site in one language */
    page **hook_pages;      /* site_hook_pages() */
    size_t n_hook_pages;
    const value *build_date;
    rules_options rules; /* the clock, the build date and the publishing switches */
    bool source_date;    /* rules.now is SOURCE_DATE_EPOCH */
    site_output *outputs;
    size_t n_outputs, cap_outputs;
    strtab urls;  /* url -> origin path (char *), to catch two things at one URL */
    page *loaded; /* every page read, drafts too: links to .md files look them up */
    size_t n_loaded;
    strtab by_path;        /* page path -> page *, made by site_convert_content */
    shortcode_text *texts; /* texts[i]: the Markdown of all[i] with its shortcodes' tokens
                            * (site_expand_content) */
    arena *a;
    diag *d;
};

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

typedef struct source {
    const char *rel;      /* "content/projects/x.md" */
    const char *sec_name; /* "projects" or "" */
    bool is_index;
} source;

typedef struct scan {
    source *items;
    size_t len, cap;
    const config *cfg; /* which x.<code>.md suffixes name a language */
} scan;

static void
warn_symlink(const char *rel, diag *d)
{
    /* a link could publish any file of the machine (Hugo does): never follow */
    diag_report(d, DIAG_WARNING, SRC_POS(rel, 0, 0),
                "symbolic link not followed (content must be real files)");
}

/* Whether a folder's entries make it a page bundle (an index.md or index.<lang>.md
 * among them); *section_index tells whether an _index file is there too. */
static bool
is_bundle_folder(const char *rel, const fs_entry *ents, size_t n, bool *section_index)
{
    bool bundle = false;
    *section_index = false;
    buf path = BUF_INIT; /* "<rel>/<child>", one buffer for the folder's files */
    buf_puts(&path, rel);
    buf_putc(&path, '/');
    size_t dir_end = path.len;
    for (size_t i = 0; i < n; i++) {
        if (ents[i].kind != FS_FILE)
            continue;
        size_t dir_len;
        const char *child = ents[i].name;
        buf_truncate(&path, dir_end);
        buf_puts(&path, child);
        bundle |= page_is_bundle(path.ptr, &dir_len);
        *section_index |= strncmp(child, "_index.", 7) == 0;
    }
    buf_free(&path);
    return bundle;
}

static bool
scan_dir(scan *sc, const char *root, const char *rel, const char *sec_name, int depth, arena *a,
         diag *d)
{
    fs_entry *ents;
    size_t n;
    /* beneath the root, as the pages are read: a folder swapped for a link is refused */
    bool ok = fs_list_input(&ents, &n, root, rel, rel, d);
    if (!ok)
        return false;
    bool section_index, bundle = is_bundle_folder(rel, ents, n, &section_index);
    for (size_t i = 0; bundle && i < n; i++) {
        const char *name = ents[i].name;
        size_t len = strlen(name), dir_len;
        if (ents[i].kind != FS_FILE || len < 4 || strcmp(name + len - 3, ".md") != 0 ||
            name[0] == '.' || strcasecmp(name, "README.md") == 0)
            continue;
        const char *child = arena_printf(a, "%s/%s", rel, name);
        if (!page_is_bundle(child, &dir_len)) {
            diag_report(d, DIAG_WARNING, SRC_POS(child, 0, 0),
                        "not a page: in a page bundle (a folder with an index.md), only "
                        "index.md is a page; the other files are its resources");
        } else if (depth == 0) {
            diag_report(d, DIAG_ERROR, SRC_POS(child, 0, 0),
                        "not a page: the home page is content/_index.md");
            ok = false;
        } else if (section_index) {
            diag_report(d, DIAG_ERROR, SRC_POS(child, 0, 0),
                        "a folder is a section (_index.md) or a page bundle (index.md), not "
                        "both: rename one of them");
            ok = false;
        } else {
            sc->items = arena_grow(a, sc->items, sc->len, &sc->cap, sizeof(source), 16);
            /* content/about/index.md is a top-level page, as content/about.md is */
            sc->items[sc->len++] = (source){child, depth == 1 ? "" : sec_name, false};
        }
    }
    for (size_t i = 0; !bundle && i < n; i++) {
        const char *name = ents[i].name;
        if (name[0] == '.' || name[0] == '#' || name[strlen(name) - 1] == '~')
            continue; /* hidden and editor files */
        const char *child = arena_printf(a, "%s/%s", rel, name);
        if (ents[i].kind == FS_SYMLINK) {
            warn_symlink(child, d);
            continue;
        }
        if (ents[i].kind == FS_OTHER) {
            /* reading a FIFO would wait for a writer, a device would never end */
            diag_report(d, DIAG_WARNING, SRC_POS(child, 0, 0),
                        "not a regular file or folder (a FIFO, device or socket); skipped");
            continue;
        }
        if (ents[i].kind == FS_DIR) {
            if (depth == 0 && strcmp(name, "static") == 0)
                continue; /* copied as-is by the output pass */
            if (depth > 32) {
                diag_report(d, DIAG_ERROR, SRC_POS(child, 0, 0), "folders nested too deeply");
                ok = false;
                continue;
            }
            ok &= scan_dir(sc, root, child, depth == 0 ? arena_strdup(a, name) : sec_name,
                           depth + 1, a, d);
            continue;
        }
        size_t len = strlen(name);
        if (ents[i].kind != FS_FILE || len < 4 || strcmp(name + len - 3, ".md") != 0)
            continue;
        if (strcasecmp(name, "README.md") == 0)
            continue; /* notes for the site's writers (content/README.md), not a page */
        sc->items = arena_grow(a, sc->items, sc->len, &sc->cap, sizeof(source), 16);
        size_t stem; /* "_index" of "_index.md" and "_index.en.md" */
        page_language(sc->cfg, child, &stem);
        bool is_index = stem >= 7 && strncmp(child + stem - 7, "/_index", 7) == 0;
        sc->items[sc->len++] = (source){child, sec_name, is_index};
    }
    fs_entries_free(ents, n);
    return ok;
}

typedef struct load_job {
    page_load_options opt;
    source *sources;
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
    source *f = &j->sources[i];
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
    diag *d;
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
page_rules(const rules_job *j, size_t i, page *p, arena *a)
{
    if (!j->memo || !p->load_key) {
        p->valid_until = first_date_after(j, p);
        rules_check_page(j->o, p, j->d);
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
    diag_merge(j->d, pd);
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
    page_rules(j, i, p, j->arenas[worker]);
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

static const char *
make_url(site *s, const char *rel)
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

static const char *
make_permalink(site *s, const char *rel)
{
    return permalink_in(s, rel, s->a);
}

/* Claims a URL for origin; two claims are an error at the second (a duplicate slug). */
static bool
claim_url(site *s, const char *rel, const char *origin, src_pos at)
{
    const char *first = strtab_get(&s->urls, rel);
    if (first) {
        size_t id = diag_report(s->d, DIAG_ERROR, at, "duplicate URL '%s%s' (also used by %s)",
                                s->cfg.base_path, rel, first);
        diag_note(s->d, id, SRC_POS(first, 0, 0), "the first page with that URL");
        return false;
    }
    strtab_put(&s->urls, rel, (void *)origin);
    return true;
}

/* {====================================================================
 * ordering
 * ===================================================================== */

/* Newest first; undated last; then by weight, title and path for a stable order. */
static int
cmp_pages(const void *pa, const void *pb)
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

static int
cmp_terms(const void *pa, const void *pb)
{
    const term *a = *(term *const *)pa, *b = *(term *const *)pb;
    int c = strcmp(a->name, b->name);
    return c ? c : strcmp(a->slug, b->slug);
}

static int
cmp_sections(const void *pa, const void *pb)
{
    return strcmp((*(section *const *)pa)->name, (*(section *const *)pb)->name);
}

/* {====================================================================
 * sections and taxonomies
 * ===================================================================== */

static section *
get_section(site *s, view *v, strtab *by_name, const char *name)
{
    section *sec = strtab_get(by_name, name);
    if (!sec) {
        sec = arena_zalloc(s->a, sizeof(section));
        sec->name = name;
        strtab_put(by_name, name, sec);
        size_t cap = v->n_sections; /* exact-size growth: few sections */
        section **n = arena_alloc(s->a, (cap + 1) * sizeof(section *));
        if (cap)
            memcpy(n, v->sections, cap * sizeof(section *));
        n[v->n_sections++] = sec;
        v->sections = n;
    }
    return sec;
}

/* The term site.yaml declares for the text v of taxonomy i (any of its names, in any
 * case and spacing), or NULL. */
static const config_term *
declared_term(const site *s, size_t i, const char *text)
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
            const config_term *t = declared_term(s, i, text);
            return t ? t->names[lang] : NULL;
        }
    return NULL;
}

/* The table declared_term() reads: each declared term by its slug and by the slug of each
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

/* A term that is not declared while its taxonomy declares some: a warning when it looks
 * like a misspelling of a declared name. */
static void
warn_undeclared(site *s, const taxonomy *tx, const char *name, src_pos at)
{
    const config_taxonomy *c = tx->cfg;
    const char **names = arena_alloc(s->a, (c->n_terms * s->cfg.n_languages + 1) * sizeof(char *));
    size_t n = 0;
    for (size_t k = 0; k < c->n_terms; k++)
        for (size_t g = 0; g < s->cfg.n_languages; g++)
            names[n++] = c->terms[k].names[g];
    const char *near = schema_suggest(name, strlen(name), names, n);
    if (near)
        diag_report(s->d, DIAG_WARNING, at,
                    "'%s' value '%s' is not one of the terms site.yaml declares; did you mean "
                    "'%s'?",
                    c->name, name, near);
}

static void
add_term(site *s, view *vw, taxonomy *tx, page *p, const value *v)
{
    if (v->type != VALUE_STRING && v->type != VALUE_NUMBER && v->type != VALUE_BOOL) {
        diag_report(s->d, DIAG_ERROR, v->pos, "'%s' must be text or a list of text, not %s",
                    tx->cfg->name, value_type_name(v->type));
        return;
    }
    /* the same text again (a cohort, a department): its term, without the slug made again */
    term *t = v->type == VALUE_STRING ? strtab_get(&tx->by_text, v->as.str.ptr) : NULL;
    if (t)
        goto add_page;
    const char *name = value_to_cstr(v, s->a);
    buf b = BUF_INIT;
    size_t nlen = strlen(name);
    const char *trimmed = text_trim(name, &nlen);
    text_slugify(&b, trimmed, nlen);
    if (b.len == 0) {
        buf_free(&b);
        if (nlen)
            diag_report(s->d, DIAG_WARNING, v->pos,
                        "'%s' value '%s' has no letters or digits; no term page made",
                        tx->cfg->name, name);
        return;
    }
    const config_term *decl = declared_term(s, (size_t)(tx->cfg - s->cfg.taxonomies), name);
    if (decl) { /* one term whatever its spelling, named in this language */
        buf_clear(&b);
        buf_puts(&b, decl->slug);
    } else if (tx->cfg->n_terms) {
        warn_undeclared(s, tx, name, v->pos);
    }
    t = strtab_get(&tx->by_slug, b.ptr);
    if (!t) {
        t = arena_zalloc(s->a, sizeof(term));
        t->name = decl ? decl->names[vw->lang] : arena_strndup(s->a, trimmed, nlen);
        t->declared = decl;
        t->slug = arena_strndup(s->a, b.ptr, b.len);
        const char *rel = arena_printf(s->a, "%s%s/%s/", vw->prefix, tx->cfg->path, t->slug);
        t->url = make_url(s, rel);
        t->permalink = make_permalink(s, rel);
        strtab_put(&tx->by_slug, t->slug, t);
        tx->terms = arena_grow(s->a, tx->terms, tx->n_terms, &tx->cap, sizeof(term *), 16);
        tx->terms[tx->n_terms++] = t;
    }
    buf_free(&b);
    if (v->type == VALUE_STRING && (decl || !tx->cfg->n_terms)) /* nothing to warn of */
        strtab_put(&tx->by_text, v->as.str.ptr, t);
add_page:
    if (t->n_pages && t->pages[t->n_pages - 1] == p)
        return; /* the same term twice on one page */
    t->pages = arena_grow(s->a, t->pages, t->n_pages, &t->cap, sizeof(page *), 16);
    t->pages[t->n_pages++] = p;
}

/* The terms of v's pages. A translation's terms are its original's (shared facts), so
 * each is reported once, in the default language's view. */
static void
build_taxonomies(site *s, view *vw)
{
    vw->taxonomies = arena_zalloc(s->a, (s->cfg.n_taxonomies + 1) * sizeof(taxonomy));
    diag *d = s->d;
    if (vw->lang) /* its messages were given for the default language */
        s->d = diag_new();
    size_t n_tax = s->cfg.n_taxonomies;
    for (size_t i = 0; i < n_tax; i++) {
        taxonomy *tx = &vw->taxonomies[i];
        tx->cfg = &s->cfg.taxonomies[i];
        const char *rel = arena_printf(s->a, "%s%s/", vw->prefix, tx->cfg->path);
        tx->url = make_url(s, rel);
        tx->permalink = make_permalink(s, rel);
    }
    /* page by page, each page's taxonomies at once (its values looked up by rules_one()):
     * each taxonomy still takes its pages in order */
    for (size_t p = 0; p < vw->n_pages; p++) {
        for (size_t i = 0; i < n_tax; i++) {
            const value *v = vw->pages[p]->tax_values[i];
            if (!v || v->type == VALUE_NULL)
                continue;
            if (v->type == VALUE_LIST) {
                for (size_t k = 0; k < v->as.list.len; k++)
                    add_term(s, vw, &vw->taxonomies[i], vw->pages[p], v->as.list.items[k]);
            } else {
                add_term(s, vw, &vw->taxonomies[i], vw->pages[p], v);
            }
        }
    }
    for (size_t i = 0; i < n_tax; i++) {
        taxonomy *tx = &vw->taxonomies[i];
        strtab_free(&tx->by_slug); /* only needed while adding */
        strtab_free(&tx->by_text);
        if (tx->n_terms)
            qsort(tx->terms, tx->n_terms, sizeof(term *), cmp_terms);
    }
    if (vw->lang) {
        diag_free(s->d);
        s->d = d;
    }
}

/* {====================================================================
 * template values
 * ===================================================================== */

static value *
text_val(arena *a, const char *str)
{
    return str ? value_new_cstr(a, str, SRC_NONE) : value_new_null(a, SRC_NONE);
}

static value *
str_val(site *s, const char *str)
{
    return text_val(s->a, str);
}

static value *
num_val(site *s, double n)
{
    return value_new_number(s->a, n, SRC_NONE);
}

/* Every key set here is a literal or a name of site.yaml's (a section, a taxonomy, a
 * language code), which live as long as the site: borrowed, not copied. */
static void
set(site *s, value *map, const char *key, value *v)
{
    value_map_set_ref(map, key, v, s->a);
}

static const char *
page_kind(const page *p)
{
    if (p->is_index)
        return *p->section ? "section" : "home";
    if (strcmp(p->section, "projects") == 0)
        return "project";
    if (strcmp(p->section, "news") == 0)
        return "news";
    if (strcmp(p->section, "reports") == 0)
        return "report";
    return "page";
}

static const char *
page_text_lang(const site *s, const page *p)
{
    return page_text_language(p, &s->cfg);
}

/* The few fields list items and prev/next links need (no content, no links back); made
 * once (p->link), on the pool by build_page_ctxs(), each page by one job. */
static value *
page_link(site *s, page *p)
{
    if (p->link)
        return p->link;
    value *m = value_new_map(s->a, SRC_NONE);
    set(s, m, "title", str_val(s, p->title));
    set(s, m, "url", str_val(s, p->url));
    set(s, m, "permalink", str_val(s, p->permalink));
    set(s, m, "date", p->date ? (value *)p->date : value_new_null(s->a, SRC_NONE));
    set(s, m, "summary", str_val(s, p->summary)); /* replaced once the Markdown is read */
    set(s, m, "lang", str_val(s, page_text_lang(s, p)));
    p->link = m;
    return m;
}

/* page.terms: {taxonomy: [{name, url}]} for every page, in one pass over the terms
 * (terms are sorted by name, so each page's list is too). */
static void
build_page_terms(site *s, view *v)
{
    for (size_t i = 0; i < v->n_pages; i++) {
        page *p = v->pages[i];
        if (p->lang != v->lang)
            continue; /* an original in another language's lists: its terms link its own */
        p->terms = value_new_map(s->a, SRC_NONE);
        for (size_t t = 0; t < s->cfg.n_taxonomies; t++)
            set(s, p->terms, s->cfg.taxonomies[t].name, value_new_list(s->a, SRC_NONE));
    }
    for (size_t t = 0; t < s->cfg.n_taxonomies; t++) {
        taxonomy *tx = &v->taxonomies[t];
        for (size_t k = 0; k < tx->n_terms; k++) {
            term *tm = tx->terms[k];
            value *link = value_new_map(s->a, SRC_NONE);
            set(s, link, "name", str_val(s, tm->name));
            set(s, link, "url", str_val(s, tm->url));
            for (size_t j = 0; j < tm->n_pages; j++)
                if (tm->pages[j]->lang == v->lang)
                    value_list_push((value *)value_map_get(tm->pages[j]->terms, tx->cfg->name),
                                    link, s->a);
        }
    }
}

/* What a page, a list or the home is in every language (templates' `translations`, the
 * sitemap's alternates): [{lang, name, url, permalink, current, missing}] in site.yaml's
 * order. rels[k] is where it is in language k, or NULL where it has no translation: then
 * `missing` is true and the URL is fallback[k] (the list it would be in). */
static value *
translations_value(site *s, size_t current, const char *const *rels, const char *const *fallback)
{
    if (s->cfg.n_languages == 1) { /* nothing to link: one empty list for every output */
        if (!s->no_translations)
            s->no_translations = value_new_list(s->a, SRC_NONE);
        return s->no_translations;
    }
    value *l = value_new_list(s->a, SRC_NONE);
    for (size_t k = 0; k < s->cfg.n_languages; k++) {
        const config_language *g = &s->cfg.languages[k];
        const char *rel = rels[k] ? rels[k] : fallback[k];
        value *m = value_new_map(s->a, SRC_NONE);
        set(s, m, "lang", str_val(s, g->code));
        set(s, m, "name", str_val(s, g->name));
        set(s, m, "url", str_val(s, make_url(s, rel)));
        set(s, m, "permalink", str_val(s, make_permalink(s, rel)));
        set(s, m, "current", value_new_bool(s->a, k == current, SRC_NONE));
        set(s, m, "missing", value_new_bool(s->a, rels[k] == NULL, SRC_NONE));
        value_list_push(l, m, s->a);
    }
    return l;
}

/* The rel of a list (a section, a taxonomy, a term, the home: "projects/") in every
 * language, for translations_value. */
static const char **
list_rels(site *s, const char *rel)
{
    if (s->cfg.n_languages == 1)
        return NULL; /* translations_value needs none */
    const char **rels = arena_alloc(s->a, (s->cfg.n_languages + 1) * sizeof(char *));
    for (size_t k = 0; k < s->cfg.n_languages; k++)
        rels[k] = arena_printf(s->a, "%s%s", s->views[k].prefix, rel);
    return rels;
}

/* The keys a page's context gets beyond its front matter: twenty in build_page_ctx(), six
 * from its Markdown and plugins (fill_page_content(), site_share_data()), with room to
 * spare: a map that grows by doubling leaves its old pairs in the arena (a 10,000-page edit
 * build peaked 6 MB lower with the copies made at this size). */
#define MAP_COPY_ROOM 32

/* A new map with the pairs of src (front matter, site.yaml) in their order; the computed
 * fields the caller sets afterwards win on a collision. */
static value *
map_copy(site *s, const value *src)
{
    return value_map_copy(src, MAP_COPY_ROOM, s->a);
}

/* "projects/x/" of a published page (NULL when it is not published). */
static const char *
page_rel_of(site *s, const page *p)
{
    return p && p->out_path ? arena_strndup(s->a, p->out_path, strlen(p->out_path) - 10) : NULL;
}

/* page.translations: the page in every language, or its section's list (the home's for a
 * page outside sections) where it has no translation. */
static value *
page_translations(site *s, const page *p)
{
    size_t n = s->cfg.n_languages;
    if (n == 1)
        return translations_value(s, 0, NULL, NULL);
    const char **rels = arena_zalloc(s->a, (n + 1) * sizeof(char *));
    const char **fallback = arena_zalloc(s->a, (n + 1) * sizeof(char *));
    for (size_t k = 0; k < n; k++) {
        const page *t = p->translations ? p->translations[k] : k == p->lang ? p : NULL;
        rels[k] = page_rel_of(s, t);
        fallback[k] =
            arena_printf(s->a, "%s%s%s", s->views[k].prefix, p->section, *p->section ? "/" : "");
    }
    return translations_value(s, p->lang, rels, fallback);
}

/* The values of declared terms as the page's language names them (`Nursing` and `护理部`
 * are one department: the plugins group them once), other values as written. */
static void
name_declared_terms(site *s, value *m, const page *p)
{
    for (size_t i = 0; i < s->cfg.n_taxonomies; i++) {
        const char *key = s->cfg.taxonomies[i].name;
        const value *v = value_map_get(m, key);
        if (!s->cfg.taxonomies[i].n_terms || !v)
            continue;
        value *named = NULL;
        if (v->type == VALUE_LIST) {
            named = value_new_list(s->a, v->pos);
            for (size_t k = 0; k < v->as.list.len; k++) {
                value *item = v->as.list.items[k];
                const char *text = item->type == VALUE_STRING ? item->as.str.ptr : NULL;
                const config_term *t = text ? declared_term(s, i, text) : NULL;
                value_list_push(
                    named, t ? value_new_cstr(s->a, t->names[p->lang], item->pos) : item, s->a);
            }
        } else if (v->type == VALUE_STRING) {
            const config_term *t = declared_term(s, i, v->as.str.ptr);
            if (t)
                named = value_new_cstr(s->a, t->names[p->lang], v->pos);
        }
        if (named)
            set(s, m, key, named);
    }
}

#define CTX_PAIRS_MAX 24 /* the keys build_page_ctx() sets */

/* A string value of str, which outlives the model (a page's fields, a literal, a name of
 * site.yaml's): borrowed, not copied (90,000 copies at 10,000 pages); null for NULL. */
static value *
ref_val(site *s, const char *str)
{
    return str ? value_new_string_ref(s->a, str, strlen(str), SRC_NONE)
               : value_new_null(s->a, SRC_NONE);
}

/* m, a copy of front's pairs, with keys[k] set to vals[k] in order (each key once): a key
 * front has is replaced in place, the others added at the end without a search (a lookup
 * of each of the twenty keys in front or in m cost 140 instructions, 34 million at 10,000
 * pages). */
static void
set_pairs_over(site *s, value *m, const value *front, const value_key *keys, value *const *vals,
               size_t n)
{
    const value_pair *found[CTX_PAIRS_MAX];
    value_map_pairs_of(front, keys, n, found);
    for (size_t k = 0; k < n; k++) {
        if (found[k])
            set(s, m, keys[k].key, vals[k]);
        else
            value_map_addn_ref(m, keys[k].key, keys[k].len, vals[k], s->a);
    }
}

/* p's map (p->ctx). Runs on the pool (build_page_ctxs()), s a worker's copy of the site:
 * it writes only p and what it allocates from s->a, and reads the links of lower and
 * higher made before. Its keys: the front matter's (name_declared_terms() changes the
 * values of some), then these. */
static void
build_page_ctx(site *s, page *p, page *lower, page *higher)
{
    value *m = map_copy(s, p->front);
    name_declared_terms(s, m, p);
#define OR_NULL(v) ((v) ? (value *)(v) : value_new_null(s->a, SRC_NONE))
    value_key keys[CTX_PAIRS_MAX];
    value *vals[CTX_PAIRS_MAX];
    size_t n = 0;
#define PUT(k, v) (keys[n] = VALUE_KEY(k), vals[n++] = (v))
    PUT("title", ref_val(s, p->title));
    PUT("slug", ref_val(s, p->slug));
    PUT("url", ref_val(s, p->url));
    PUT("permalink", ref_val(s, p->permalink));
    PUT("path", ref_val(s, p->path));
    PUT("section", ref_val(s, p->section));
    PUT("kind", ref_val(s, page_kind(p)));
    PUT("date", OR_NULL(p->date));
    PUT("updated", OR_NULL(p->updated));
    PUT("draft", value_new_bool(s->a, p->draft, SRC_NONE));
    /* summary, content, toc, word_count, reading_time: set by fill_page_content; whether
     * the summary is the body's first paragraph (a theme then does not show it twice) */
    PUT("summary_auto", value_new_bool(s->a, !value_map_get(p->front, "summary"), SRC_NONE));
    PUT("params", p->front);
    if (p->cohort)
        PUT("cohort", ref_val(s, p->cohort));
    PUT("stages", p->stages);
    PUT("days_total",
        p->days_total >= 0 ? num_val(s, (double)p->days_total) : value_new_null(s->a, SRC_NONE));
    PUT("terms", p->terms ? p->terms : value_new_map(s->a, SRC_NONE));
    PUT("lower", lower ? page_link(s, lower) : value_new_null(s->a, SRC_NONE));
    PUT("higher", higher ? page_link(s, higher) : value_new_null(s->a, SRC_NONE));
    PUT("lang", ref_val(s, page_text_lang(s, p)));
    PUT("translations", page_translations(s, p));
#undef PUT
#undef OR_NULL
    set_pairs_over(s, m, p->front, keys, vals, n);
    m->anchor = true; /* holds no other page's map: deps.c checks reads through it whole */
    p->ctx = m;
}

static value *
page_list(site *s, page **pages, size_t n)
{
    value *l = value_new_list_of(s->a, n, SRC_NONE);
    for (size_t i = 0; i < n; i++)
        value_list_push(l, pages[i]->ctx, s->a);
    return l;
}

static void
build_section_ctx(site *s, view *v, section *sec)
{
    page *ix = sec->index;
    value *m = map_copy(s, ix ? ix->front : NULL);
    const char *rel = arena_printf(s->a, "%s%s/", v->prefix, sec->name);
    set(s, m, "name", str_val(s, sec->name));
    set(s, m, "title", str_val(s, ix && *ix->title ? ix->title : sec->name));
    set(s, m, "lang", str_val(s, ix ? page_text_lang(s, ix) : v->cfg->code));
    set(s, m, "url", str_val(s, make_url(s, rel)));
    set(s, m, "permalink", str_val(s, make_permalink(s, rel)));
    const value *desc = ix ? value_map_get(ix->front, "description") : NULL;
    set(s, m, "description", desc ? (value *)desc : str_val(s, ""));
    /* content and summary: set by site_convert_content */
    set(s, m, "pages", page_list(s, sec->pages, sec->n_pages));
    set(s, m, "kind", str_val(s, "section"));
    sec->ctx = m;
}

static value *
term_ctx(site *s, term *t)
{
    value *m = value_new_map(s->a, SRC_NONE);
    set(s, m, "name", str_val(s, t->name));
    set(s, m, "slug", str_val(s, t->slug));
    set(s, m, "url", str_val(s, t->url));
    set(s, m, "permalink", str_val(s, t->permalink));
    set(s, m, "pages", page_list(s, t->pages, t->n_pages));
    set(s, m, "count", num_val(s, (double)t->n_pages));
    if (t->declared) { /* {zh: 麻醉科, en: Anesthesiology} */
        value *names = value_new_map(s->a, SRC_NONE);
        for (size_t k = 0; k < s->cfg.n_languages; k++)
            set(s, names, s->cfg.languages[k].code, str_val(s, t->declared->names[k]));
        set(s, m, "names", names);
    }
    return m;
}

static void
build_taxonomy_ctx(site *s, const view *v, taxonomy *tx)
{
    value *m = value_new_map(s->a, SRC_NONE);
    set(s, m, "name", str_val(s, tx->cfg->name));
    set(s, m, "title", str_val(s, tx->cfg->titles[v->lang]));
    set(s, m, "path", str_val(s, tx->cfg->path));
    set(s, m, "url", str_val(s, tx->url));
    set(s, m, "permalink", str_val(s, tx->permalink));
    value *terms = value_new_list(s->a, SRC_NONE);
    for (size_t i = 0; i < tx->n_terms; i++) {
        qsort(tx->terms[i]->pages, tx->terms[i]->n_pages, sizeof(page *), cmp_pages);
        tx->terms[i]->ctx = term_ctx(s, tx->terms[i]);
        value_list_push(terms, tx->terms[i]->ctx, s->a);
    }
    set(s, m, "terms", terms);
    tx->ctx = m;
}

/* site.menu in language v: a name given per language ({zh: 项目, en: Projects}) is v's (else
 * the default language's), and in a language under its own path a root-relative URL
 * ("/projects/") leads to that language's page ("/en/projects/"); the rest as written. */
static value *
menu_in(site *s, const view *v, value *menu)
{
    if (!menu || menu->type != VALUE_LIST)
        return menu;
    value *l = value_new_list(s->a, menu->pos);
    for (size_t i = 0; i < menu->as.list.len; i++) {
        value *item = menu->as.list.items[i];
        const value *name = value_map_get(item, "name");
        const char *url = value_str(value_map_get(item, "url"));
        bool local = *v->prefix && url && url[0] == '/' && url[1] != '/';
        if (item->type == VALUE_MAP && (local || (name && name->type == VALUE_MAP))) {
            item = map_copy(s, item);
            if (local)
                set(s, item, "url", str_val(s, arena_printf(s->a, "/%s%s", v->prefix, url + 1)));
            if (name && name->type == VALUE_MAP) {
                const value *own = value_map_get(name, v->cfg->code);
                if (!own)
                    own = value_map_get(name, s->cfg.language);
                set(s, item, "name", own ? (value *)own : str_val(s, ""));
            }
        }
        value_list_push(l, item, s->a);
    }
    return l;
}

/* site.languages: [{code, name, url, current}], the url being each language's home. */
static value *
languages_value(site *s, const view *v)
{
    value *l = value_new_list(s->a, SRC_NONE);
    for (size_t k = 0; k < s->cfg.n_languages; k++) {
        value *m = value_new_map(s->a, SRC_NONE);
        set(s, m, "code", str_val(s, s->cfg.languages[k].code));
        set(s, m, "name", str_val(s, s->cfg.languages[k].name));
        set(s, m, "url", str_val(s, make_url(s, s->views[k].prefix)));
        set(s, m, "current", value_new_bool(s->a, k == v->lang, SRC_NONE));
        value_list_push(l, m, s->a);
    }
    return l;
}

static void
build_site_ctx(site *s, view *v)
{
    const config *c = &s->cfg;
    value *m = map_copy(s, c->raw); /* site.yaml as written: params, menu, metrics, ... */
    set(s, m, "title", str_val(s, v->cfg->title));
    set(s, m, "description", str_val(s, v->cfg->description));
    set(s, m, "base_url", str_val(s, c->base_url));
    set(s, m, "language", str_val(s, v->cfg->code));
    set(s, m, "languages", languages_value(s, v));
    set(s, m, "home_url", str_val(s, make_url(s, v->prefix)));
    set(s, m, "i18n", s->i18n ? s->i18n[v->lang] : value_new_map(s->a, SRC_NONE));
    set(s, m, "feed_url",
        str_val(s, make_permalink(s, arena_printf(s->a, "%sfeed.xml", v->prefix))));
    /* the search page and the folder of this language's index (search.h), "" when off */
    set(s, m, "search_url",
        str_val(s,
                c->search_enabled ? make_url(s, arena_printf(s->a, "%ssearch/", v->prefix)) : ""));
    set(s, m, "search_index",
        str_val(s, c->search_enabled ? make_url(s, arena_printf(s->a, "search/%s/", v->cfg->code))
                                     : ""));
    set(s, m, "author", str_val(s, c->author));
    set(s, m, "currency", str_val(s, c->currency));
    set(s, m, "generator", str_val(s, "clinfolio " CLINFOLIO_VERSION));
    set(s, m, "build_date", (value *)s->build_date);
    if (!value_map_get(m, "params") || value_map_get(m, "params")->type != VALUE_MAP)
        set(s, m, "params", value_new_map(s->a, SRC_NONE));
    if (v->cfg->params) { /* the language's own params over site.yaml's */
        value *params = map_copy(s, value_map_get(m, "params"));
        for (size_t i = 0; i < v->cfg->params->as.map.len; i++) {
            const value_pair *p = &v->cfg->params->as.map.pairs[i];
            value_map_setn(params, p->key, p->key_len, p->val, s->a);
        }
        set(s, m, "params", params);
    }
    value *home = value_new_map(s->a, SRC_NONE); /* site.yaml home:, with its defaults */
    set(s, home, "latest", num_val(s, (double)c->home_latest));
    set(s, m, "home", home);
    if (!value_map_get(m, "menu") || value_map_get(m, "menu")->type != VALUE_LIST)
        set(s, m, "menu", value_new_list(s->a, SRC_NONE));
    else
        set(s, m, "menu", menu_in(s, v, (value *)value_map_get(m, "menu")));
    value *stages = value_new_list(s->a, SRC_NONE);
    for (size_t i = 0; i < c->n_stages; i++) {
        value *st = value_new_map(s->a, SRC_NONE);
        set(s, st, "key", str_val(s, c->stages[i].key));
        set(s, st, "label", str_val(s, c->stages[i].label));
        set(s, st, "label_zh", str_val(s, c->stages[i].label_zh));
        value_list_push(stages, st, s->a);
    }
    set(s, m, "stages", stages);
    set(s, m, "pages", page_list(s, v->pages, v->n_pages));
    value *sections = value_new_map(s->a, SRC_NONE);
    value *projects = NULL;
    for (size_t i = 0; i < v->n_sections; i++) {
        if (!*v->sections[i]->name)
            continue; /* top-level pages are not a section */
        set(s, sections, v->sections[i]->name, v->sections[i]->ctx);
        if (strcmp(v->sections[i]->name, "projects") == 0)
            projects = value_map_get(v->sections[i]->ctx, "pages");
    }
    set(s, m, "sections", sections);
    set(s, m, "projects", projects ? projects : value_new_list(s->a, SRC_NONE));
    value *taxonomies = value_new_map(s->a, SRC_NONE);
    value *cohorts = value_new_list(s->a, SRC_NONE);
    for (size_t i = 0; i < c->n_taxonomies; i++) {
        taxonomy *tx = &v->taxonomies[i];
        set(s, taxonomies, tx->cfg->name, tx->ctx);
        if (strcmp(tx->cfg->name, "cohort") == 0)
            for (size_t k = tx->n_terms; k-- > 0;) /* newest cohort first */
                value_list_push(cohorts, tx->terms[k]->ctx, s->a);
    }
    set(s, m, "taxonomies", taxonomies);
    set(s, m, "cohorts", cohorts);
    /* the plugins' results: one map for every language (site_share_data) */
    set(s, m, "data",
        v->lang ? (value *)value_map_get(s->views[0].site_ctx, "data")
                : value_new_map(s->a, SRC_NONE));
    v->site_ctx = m;
}

/* The project list's filters (facets.h): section.facets, counted over the whole list for
 * its template, and section.facets_url, the folder of the data files its script reads.
 * The count only reads the values (the pages', the lists of site_ctx) into an arena of its
 * own, so it runs on a thread of its own while build_outputs() makes the outputs, which
 * reads the same values and writes none of them (at 10,000 pages the count took 5-7 ms of
 * a one-page edit's serial model). */
typedef struct facets_run {
    site *s;
    view *v;
    section *sec; /* the projects' section; NULL: none in this language */
    pthread_t thread;
    bool threaded;
} facets_run;

static void *
facets_main(void *payload)
{
    facets_run *r = payload;
    r->v->facets = facets_count(r->v->site_ctx);
    return NULL;
}

static void
start_facets(facets_run *r, site *s, view *v)
{
    *r = (facets_run){s, v, NULL, 0, false};
    for (size_t i = 0; i < v->n_sections && !r->sec; i++)
        if (strcmp(v->sections[i]->name, FACETS_SECTION) == 0)
            r->sec = v->sections[i];
    if (r->sec)
        r->threaded = pthread_create(&r->thread, NULL, facets_main, r) == 0;
}

/* After build_outputs(): the count joined (or made here when no thread could be), and its
 * values set on the section (no output reads them before the renders). */
static void
end_facets(facets_run *r)
{
    if (!r->sec)
        return;
    if (r->threaded)
        pthread_join(r->thread, NULL);
    else
        facets_main(r);
    site *s = r->s;
    set(s, r->sec->ctx, "facets", facets_value(r->v->facets, s->a));
    set(s, r->sec->ctx, "facets_url", str_val(s, make_url(s, facets_dir(r->v->cfg->code, s->a))));
}

/* {====================================================================
 * outputs
 * ===================================================================== */

/* The output file path with its absolute URL. */
static void
put_output(site *s, const char *path, const char *permalink, const char *t0, const char *t1,
           const char *t2, value *ctx, src_pos origin, const value *lastmod, bool in_sitemap)
{
    const value *tr = value_map_get(ctx, "translations");
    s->outputs =
        arena_grow(s->a, s->outputs, s->n_outputs, &s->cap_outputs, sizeof(site_output), 16);
    site_output *o = &s->outputs[s->n_outputs++];
    memset(o, 0, sizeof *o);
    o->path = path;
    o->templates[0] = t0;
    o->templates[1] = t1;
    o->templates[2] = t2;
    o->ctx = ctx;
    o->origin = origin;
    o->permalink = permalink;
    o->lastmod = lastmod;
    o->in_sitemap = in_sitemap;
    o->translations = tr && tr->type == VALUE_LIST ? tr : NULL;
}

/* The output of rel_dir ("projects/", its index.html) or of a file ("404.html"). */
static void
add_output(site *s, const char *rel_dir, const char *t0, const char *t1, const char *t2, value *ctx,
           src_pos origin, const value *lastmod, bool in_sitemap)
{
    const char *path = *rel_dir && rel_dir[strlen(rel_dir) - 1] == '/'
                           ? arena_printf(s->a, "%sindex.html", rel_dir)
                           : rel_dir;
    put_output(s, path, make_permalink(s, strcmp(path, "index.html") == 0 ? "" : rel_dir), t0, t1,
               t2, ctx, origin, lastmod, in_sitemap);
}

/* The root variables of an output of view vw: site, `translations` (the same output in
 * every language) and key/v, key2/v2. */
static value *
root_ctx(site *s, const view *vw, value *translations, const char *key, value *v, const char *key2,
         value *v2)
{
    value *m = value_new_map(s->a, SRC_NONE);
    set(s, m, "site", vw->site_ctx);
    if (translations)
        set(s, m, "translations", translations);
    if (key)
        set(s, m, key, v);
    if (key2)
        set(s, m, key2, v2);
    return m;
}

/* The places of a list's pages k = 1..total: dirs[k] the output directory, rel_dir for
 * page 1 and rel_dir "page/<k>/" after it (Hugo's scheme; like Hugo's default, no page/1/
 * is written: page 1 is rel_dir itself), urls[k] its URL; each made once per list, not
 * once per neighbour that links to it. */
typedef struct pager {
    const char **dirs, **urls;
    size_t total;
} pager;

static pager
pager_of(site *s, const char *rel_dir, size_t total)
{
    pager pg = {arena_alloc(s->a, (total + 1) * sizeof(char *)),
                arena_alloc(s->a, (total + 1) * sizeof(char *)), total};
    for (size_t k = 1; k <= total; k++) {
        pg.dirs[k] = k == 1 ? rel_dir : arena_printf(s->a, "%spage/%zu/", rel_dir, k);
        pg.urls[k] = make_url(s, pg.dirs[k]);
    }
    return pg;
}

/* The paginator of page k (1-based) of pg over pages[0..n): its slice of the list and
 * the URLs of its neighbours ("" where there is none). */
static value *
paginator_ctx(site *s, const pager *pg, const char *permalink, page **pages, size_t n, size_t per,
              size_t k)
{
    value *m = value_new_map(s->a, SRC_NONE);
    size_t from = (k - 1) * per, to = from + per < n ? from + per : n;
    set(s, m, "pages", page_list(s, pages + from, to - from));
    set(s, m, "number", num_val(s, (double)k));
    set(s, m, "total", num_val(s, (double)pg->total));
    set(s, m, "count", num_val(s, (double)n));
    set(s, m, "url", str_val(s, pg->urls[k]));
    set(s, m, "permalink", str_val(s, permalink));
    set(s, m, "first_url", str_val(s, pg->urls[1]));
    set(s, m, "last_url", str_val(s, pg->urls[pg->total]));
    set(s, m, "prev_url", str_val(s, k > 1 ? pg->urls[k - 1] : ""));
    set(s, m, "next_url", str_val(s, k < pg->total ? pg->urls[k + 1] : ""));
    return m;
}

/* The list pages of a section or a term: pages[0..n) cut into cfg.paginate per page (one
 * page when paginate is 0 or the list fits), each with the root context of key/v and
 * key2/v2 plus "paginator". */
static void
add_paged_outputs(site *s, const view *vw, const char *rel, page **pages, size_t n, const char *t0,
                  const char *t1, const char *key, value *v, const char *key2, value *v2,
                  src_pos origin, const value *lastmod)
{
    size_t per = s->cfg.paginate && n > s->cfg.paginate ? s->cfg.paginate : (n ? n : 1);
    size_t total = n ? (n + per - 1) / per : 1;
    size_t prefix_len = strlen(vw->prefix);
    pager pg = pager_of(s, arena_printf(s->a, "%s%s", vw->prefix, rel), total);
    for (size_t k = 1; k <= total; k++) {
        /* the same list in the other languages: its directory without this view's prefix */
        value *tr = translations_value(s, vw->lang, list_rels(s, pg.dirs[k] + prefix_len), NULL);
        value *ctx = root_ctx(s, vw, tr, key, v, key2, v2);
        const char *permalink = make_permalink(s, pg.dirs[k]);
        set(s, ctx, "paginator", paginator_ctx(s, &pg, permalink, pages, n, per, k));
        put_output(s, arena_printf(s->a, "%sindex.html", pg.dirs[k]), permalink, t0, t1, NULL, ctx,
                   origin, lastmod, true);
    }
}

static const value *
newest(const value *a, const value *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    return value_compare(a, b) >= 0 ? a : b;
}

/* The outputs of language vw: its home, its pages, its lists. */
static void
build_outputs(site *s, view *vw)
{
    /* home */
    value *home = vw->home ? vw->home->ctx : NULL;
    if (!home) {
        home = value_new_map(s->a, SRC_NONE);
        set(s, home, "title", str_val(s, vw->cfg->title));
        set(s, home, "content", str_val(s, ""));
        set(s, home, "summary", str_val(s, vw->cfg->description));
        set(s, home, "lang", str_val(s, vw->cfg->code));
    }
    value *home_tr = translations_value(s, vw->lang, list_rels(s, ""), NULL);
    const char *home_permalink = make_permalink(s, vw->prefix);
    set(s, home, "kind", str_val(s, "home"));
    set(s, home, "url", str_val(s, make_url(s, vw->prefix)));
    set(s, home, "permalink", str_val(s, home_permalink));
    set(s, home, "translations", home_tr);
    /* "index.html" or "en/index.html" (add_output would take a prefix "" for a file) */
    put_output(s, arena_printf(s->a, "%sindex.html", vw->prefix), home_permalink, "index.html",
               NULL, NULL, root_ctx(s, vw, home_tr, "page", home, NULL, NULL),
               vw->home ? SRC_POS(vw->home->path, 1, 1) : SRC_POS("content", 0, 0), s->build_date,
               true);

    /* single pages: those written in this language (the others are in their own); each
     * section's "<section>/single.html" made once (the pages come in date order) */
    strtab singles = STRTAB_INIT;
    for (size_t i = 0; i < vw->n_pages; i++) {
        page *p = vw->pages[i];
        if (p->lang != vw->lang)
            continue;
        const char *single = *p->section ? strtab_get(&singles, p->section) : NULL;
        if (*p->section && !single) {
            single = arena_printf(s->a, "%s/single.html", p->section);
            strtab_put(&singles, p->section, (void *)single);
        }
        value *tr = (value *)value_map_get(p->ctx, "translations");
        /* its path and URL as assign_urls() made them (a page's output is named by its
         * folder: "projects/x/index.html") */
        if (p->template_name)
            put_output(s, p->out_path, p->permalink, p->template_name, NULL, NULL,
                       root_ctx(s, vw, tr, "page", p->ctx, NULL, NULL), p->template_pos,
                       newest(p->date, p->updated), true);
        else
            put_output(s, p->out_path, p->permalink, single ? single : "page.html",
                       single ? "page.html" : NULL, NULL,
                       root_ctx(s, vw, tr, "page", p->ctx, NULL, NULL), SRC_POS(p->path, 1, 1),
                       newest(p->date, p->updated), true);
    }
    strtab_free(&singles);

    /* section lists */
    for (size_t i = 0; i < vw->n_sections; i++) {
        section *sec = vw->sections[i];
        if (!*sec->name)
            continue; /* top-level pages have no list */
        const char *rel = arena_printf(s->a, "%s/", sec->name);
        const value *lastmod = sec->n_pages ? sec->pages[0]->date : NULL;
        add_paged_outputs(s, vw, rel, sec->pages, sec->n_pages,
                          arena_printf(s->a, "%s/list.html", sec->name), "section.html", "section",
                          sec->ctx, NULL, NULL,
                          sec->index ? SRC_POS(sec->index->path, 1, 1)
                                     : SRC_POS(arena_printf(s->a, "content/%s", sec->name), 0, 0),
                          lastmod);
    }

    /* taxonomies and their terms */
    for (size_t i = 0; i < s->cfg.n_taxonomies; i++) {
        taxonomy *tx = &vw->taxonomies[i];
        const char *name = tx->cfg->name;
        src_pos origin = SRC_POS(s->cfg.file, 0, 0);
        const char *rel = arena_printf(s->a, "%s/", tx->cfg->path);
        value *tr = translations_value(s, vw->lang, list_rels(s, rel), NULL);
        add_output(s, arena_printf(s->a, "%s%s", vw->prefix, rel),
                   arena_printf(s->a, "%s/taxonomy.html", name), "taxonomy.html", NULL,
                   root_ctx(s, vw, tr, "taxonomy", tx->ctx, NULL, NULL), origin, NULL, true);
        for (size_t k = 0; k < tx->n_terms; k++) {
            term *t = tx->terms[k];
            add_paged_outputs(s, vw, arena_printf(s->a, "%s/%s/", tx->cfg->path, t->slug), t->pages,
                              t->n_pages, arena_printf(s->a, "%s/term.html", name), "term.html",
                              "taxonomy", tx->ctx, "term", t->ctx, origin,
                              t->n_pages ? t->pages[0]->date : NULL);
        }
    }
    /* search: rendered only when the theme has search.html */
    if (vw->search_page) {
        const char *rel = arena_printf(s->a, "%ssearch/", vw->prefix);
        value *sp = value_new_map(s->a, SRC_NONE);
        set(s, sp, "kind", str_val(s, "search"));
        set(s, sp, "content", str_val(s, ""));
        set(s, sp, "url", str_val(s, make_url(s, rel)));
        set(s, sp, "permalink", str_val(s, make_permalink(s, rel)));
        set(s, sp, "lang", str_val(s, vw->cfg->code));
        value *tr = translations_value(s, vw->lang, list_rels(s, "search/"), NULL);
        set(s, sp, "translations", tr);
        add_output(s, rel, "search.html", NULL, NULL, root_ctx(s, vw, tr, "page", sp, NULL, NULL),
                   SRC_POS(s->cfg.file, 0, 0), NULL, false);
        s->outputs[s->n_outputs - 1].optional = true;
    }
    if (vw->lang)
        return;

    /* 404: one, in the default language */
    value *nf = value_new_map(s->a, SRC_NONE);
    set(s, nf, "title", str_val(s, "Page not found"));
    set(s, nf, "kind", str_val(s, "404"));
    set(s, nf, "content", str_val(s, ""));
    set(s, nf, "url", str_val(s, make_url(s, "404.html")));
    add_output(s, "404.html", "404.html", NULL, NULL, root_ctx(s, vw, NULL, "page", nf, NULL, NULL),
               SRC_POS(s->cfg.file, 0, 0), NULL, false);
}

/* The template values of a view's single pages on the pool (at 100,000 pages they were
 * 0.6 s on one thread). Each worker builds through a copy of the site whose arena is its own
 * load arena (which lives as long as the model); nothing else of the site is written: the
 * one shared value they could make (no_translations) is made before. The prev/next links
 * are made first, each by one job, so that the pages' jobs only read them. */
typedef struct ctx_job {
    site *sites; /* per worker */
    page **pages, **lower, **higher;
} ctx_job;

static void
link_one(size_t i, size_t worker, void *payload)
{
    ctx_job *j = payload;
    page_link(&j->sites[worker], j->pages[i]);
}

static void
ctx_one(size_t i, size_t worker, void *payload)
{
    ctx_job *j = payload;
    build_page_ctx(&j->sites[worker], j->pages[i], j->lower[i], j->higher[i]);
}

static void
build_page_ctxs(site *s, view *v, size_t workers, arena **arenas)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n_sections; i++)
        n += v->sections[i]->n_pages;
    ctx_job j = {xcalloc(workers + 1, sizeof(site)), xcalloc(n + 1, sizeof(page *)),
                 xcalloc(n + 1, sizeof(page *)), xcalloc(n + 1, sizeof(page *))};
    page **linked = xcalloc(n + 1, sizeof(page *));
    size_t n_ctx = 0, n_linked = 0;
    for (size_t i = 0; i < v->n_sections; i++) {
        section *sec = v->sections[i];
        unsigned char *needed = xcalloc(sec->n_pages + 1, 1);
        for (size_t k = 0; k < sec->n_pages; k++)
            if (sec->pages[k]->lang == v->lang) {
                j.pages[n_ctx] = sec->pages[k];
                j.lower[n_ctx] = k + 1 < sec->n_pages ? sec->pages[k + 1] : NULL;
                j.higher[n_ctx++] = k > 0 ? sec->pages[k - 1] : NULL;
                if (k + 1 < sec->n_pages)
                    needed[k + 1] = 1;
                if (k > 0)
                    needed[k - 1] = 1;
            }
        for (size_t k = 0; k < sec->n_pages; k++)
            if (needed[k])
                linked[n_linked++] = sec->pages[k];
        free(needed);
    }
    if (s->cfg.n_languages == 1) /* the one list every page's translations then is */
        translations_value(s, v->lang, NULL, NULL);
    for (size_t w = 0; w < workers; w++) {
        j.sites[w] = *s;
        j.sites[w].a = arenas ? arenas[w] : s->a;
    }
    if (!arenas)
        workers = 1;
    ctx_job links = j;
    links.pages = linked;
    pool_run(workers, n_linked, link_one, &links);
    pool_run(workers, n_ctx, ctx_one, &j);
    free(linked);
    free(j.sites);
    free(j.pages);
    free(j.lower);
    free(j.higher);
}

/* Language v's lists and values: its sections (each with its _index page in this
 * language, else the original's), taxonomies, the values of its own pages, its site
 * value and its outputs. The default language's view is built first: the others list its
 * pages where they have no translation. */
static void
build_view(site *s, view *v, page **all, size_t n_all, size_t workers, arena **arenas)
{
    strtab by_section = STRTAB_INIT;
    for (size_t i = 0; i < n_all; i++) {
        page *p = all[i];
        if (!p->is_index || p->lang)
            continue;
        page *t = p->translations ? p->translations[v->lang] : v->lang ? NULL : p;
        if (t && !t->out_path)
            t = NULL; /* a draft translation */
        if (!*p->section)
            v->home = t; /* none: a home made of the language's title and description */
        else
            get_section(s, v, &by_section, p->section)->index = t ? t : p;
    }
    qsort(v->pages, v->n_pages, sizeof(page *), cmp_pages);
    for (size_t i = 0; i < v->n_pages; i++) {
        section *sec = get_section(s, v, &by_section, v->pages[i]->section);
        sec->pages = arena_grow(s->a, sec->pages, sec->n_pages, &sec->cap, sizeof(page *), 16);
        sec->pages[sec->n_pages++] = v->pages[i];
    }
    if (v->n_sections)
        qsort(v->sections, v->n_sections, sizeof(section *), cmp_sections);
    strtab_free(&by_section);
    build_taxonomies(s, v);
    for (size_t i = 0; i < s->cfg.n_taxonomies; i++)
        for (size_t k = 0; k < v->taxonomies[i].n_terms; k++)
            claim_url(
                s,
                arena_printf(s->a, "%s%s/%s/", v->prefix, s->cfg.taxonomies[i].path,
                             v->taxonomies[i].terms[k]->slug),
                arena_printf(s->a, "%s (taxonomy '%s')", s->cfg.file, s->cfg.taxonomies[i].name),
                SRC_POS(s->cfg.file, 0, 0));

    /* values for templates: pages (with prev/next in their section), then lists */
    build_page_terms(s, v);
    build_page_ctxs(s, v, workers, arenas);
    if (v->home)
        build_page_ctx(s, v->home, NULL, NULL);
    for (size_t i = 0; i < v->n_sections; i++)
        build_section_ctx(s, v, v->sections[i]);
    for (size_t i = 0; i < s->cfg.n_taxonomies; i++)
        build_taxonomy_ctx(s, v, &v->taxonomies[i]);
    build_site_ctx(s, v);
    facets_run counting;
    start_facets(&counting, s, v);
    build_outputs(s, v);
    end_facets(&counting);
}

/* A translation takes its original's facts: the front matter with its own text over it,
 * the slug, dates, weight, cohort, stages and template; a draft original keeps it a draft. */
static void
inherit_facts(site *s, page *t, const page *o)
{
    value *front = map_copy(s, o->front);
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
 * site_load
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
        claim_url(s, s->views[k].prefix,
                  arena_printf(s->a, "%s (language '%s')", s->cfg.file, s->cfg.languages[k].code),
                  s->cfg.languages[k].at);
    for (size_t k = 0; k < s->cfg.n_languages; k++)
        for (size_t i = 0; i < s->cfg.n_taxonomies; i++)
            claim_url(
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
            claim_url(s, arena_printf(s->a, "%s%s/", s->views[k].prefix, sec), origin,
                      SRC_POS(origin, 0, 0));
    }
    strtab_free(&seen);
    /* at 10,000 pages 12 ms on this thread alone (callgrind: 18 million instructions of
     * permalinks, 14 of paths and URLs, 7 of claims) */
    urls_job job = {s, all, arena_alloc(s->a, (n + 1) * sizeof(char *)), arenas};
    pool_run(workers, n, url_one, &job);
    for (size_t i = 0; i < n; i++) {
        page *p = all[i];
        if (p->is_index && (*p->section || p->lang))
            continue; /* a section's _index.md is its list, a home's translation its home:
                       * claimed above */
        const value *slugv = value_map_get(p->front, "slug");
        claim_url(s, job.rels[i], p->path, slugv ? slugv->pos : SRC_POS(p->path, 1, 1));
    }
    /* the search page last: a page of the site at search/ (Hugo sites often have a
     * content/search.md) is the search page instead */
    for (size_t k = 0; k < s->cfg.n_languages && s->cfg.search_enabled; k++) {
        const char *rel = arena_printf(s->a, "%ssearch/", s->views[k].prefix);
        if (!strtab_has(&s->urls, rel))
            s->views[k].search_page = claim_url(s, rel, s->cfg.file, SRC_POS(s->cfg.file, 0, 0));
    }
}

site *
site_load(const site_options *opt, arena *a, diag *d)
{
    site *s = arena_zalloc(a, sizeof(site));
    s->a = a;
    s->d = d;
    s->root = opt->root;
    s->i18n = opt->i18n;
    if (opt->cfg)
        s->cfg = *opt->cfg;
    else if (!config_load(&s->cfg, opt->root, opt->base_url, a, d))
        return NULL;

    buf content = BUF_INIT;
    fs_join(&content, opt->root, "content");
    fs_kind content_kind = fs_kind_of(content.ptr);
    buf_free(&content);
    if (content_kind == FS_SYMLINK)
        warn_symlink("content", d);
    bool have_content = content_kind == FS_DIR;
    scan sc = {0};
    sc.cfg = &s->cfg;
    if (have_content && !scan_dir(&sc, opt->root, "content", "", 0, a, d))
        return NULL;

    /* load every file in parallel, each worker allocating from its own arena */
    size_t workers = opt->workers ? opt->workers : 1;
    page *loaded = arena_zalloc(a, (sc.len + 1) * sizeof(page));
    if (opt->load_memo)
        opt->load_memo->start(opt->load_memo->payload, sc.len);
    load_job job = {{&s->cfg, opt->schema, opt->root, opt->recommended},
                    sc.items,
                    loaded,
                    opt->worker_arenas,
                    d,
                    opt->load_memo};
    pool_run(workers, sc.len, load_one, &job);
    if (diag_error_count(d) > 0)
        return NULL;

    /* translations: each joins its original and takes its facts */
    for (size_t i = 0; i < sc.len; i++)
        loaded[i].lang = page_language(&s->cfg, loaded[i].path, NULL);
    if (!link_translations(s, loaded, sc.len))
        return NULL;
    index_declared_terms(s); /* its tables are freed by site_free from here on */
    s->views = arena_zalloc(a, (s->cfg.n_languages + 1) * sizeof(view));
    for (size_t k = 0; k < s->cfg.n_languages; k++) {
        view *v = &s->views[k];
        v->lang = k;
        v->cfg = &s->cfg.languages[k];
        v->prefix = *v->cfg->path ? arena_printf(a, "%s/", v->cfg->path) : "";
        v->pages = arena_zalloc(a, (sc.len + 1) * sizeof(page *));
    }

    /* published pages: no drafts (unless --drafts), none dated in the future (unless
     * --future); then the build date, and the consistency rules over every page */
    s->rules = (rules_options){&s->cfg, now_date(s), {0}, opt->drafts, opt->future};
    page **all = arena_zalloc(a, (sc.len + 1) * sizeof(page *));
    size_t n_all = 0;
    view *v0 = &s->views[0];
    for (size_t i = 0; i < sc.len; i++) {
        page *p = &loaded[i];
        if (!rules_published(p, &s->rules))
            continue;
        all[n_all++] = p;
        if (p->lang == 0 && !p->is_index)
            v0->pages[v0->n_pages++] = p;
    }
    s->build_date = build_date(s);
    s->rules.build_date = s->build_date->as.date;
    rules_job rj = {&s->rules,
                    &s->cfg,
                    loaded,
                    opt->worker_arenas,
                    value_date_epoch(&s->rules.now),
                    !s->source_date,
                    d,
                    opt->load_memo,
                    rules_salt(&s->rules, !s->source_date)};
    if (opt->load_memo)
        opt->load_memo->start_rules(opt->load_memo->payload, sc.len);
    pool_run(workers, sc.len, rules_one, &rj); /* a site of 10,000 pages has 9,000 warnings */
    if (opt->load_memo)
        opt->load_memo->end_rules(opt->load_memo->payload);
    for (size_t k = 1; k < s->cfg.n_languages; k++) { /* a translation where there is one */
        view *v = &s->views[k];
        for (size_t i = 0; i < v0->n_pages; i++) {
            page *p = v0->pages[i], *t = p->translations ? p->translations[k] : NULL;
            v->pages[v->n_pages++] = t && rules_published(t, &s->rules) ? t : p;
        }
    }
    assign_urls(s, all, n_all, workers, opt->worker_arenas);
    for (size_t k = 0; k < s->cfg.n_languages; k++)
        build_view(s, &s->views[k], all, n_all, workers, opt->worker_arenas);
    s->hook_pages = arena_zalloc(a, (n_all + 1) * sizeof(page *));
    memcpy(s->hook_pages, v0->pages, v0->n_pages * sizeof(page *)); /* newest first */
    s->n_hook_pages = v0->n_pages;
    for (size_t i = 0; i < n_all; i++)
        if (all[i]->original && !all[i]->is_index)
            s->hook_pages[s->n_hook_pages++] = all[i];
    s->all = all;
    s->n_all = n_all;
    s->loaded = loaded;
    s->n_loaded = sc.len;
    if (diag_error_count(d)) {
        site_free(s);
        return NULL;
    }
    return s;
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
 * neighbour leads to /en/...). Reads only what site_load made, so render workers call it
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
    page_load_options opt = {&s->cfg, NULL, s->root, false};
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

static void
fill_page_content(page *p, arena *a)
{
    value *m = p->ctx;
    value_map_set(m, "summary", text_val(a, p->summary), a);
    value *content = value_new_string_ref(a, p->md.html, strlen(p->md.html), SRC_NONE);
    content->as.str.hash = page_html_hash(p); /* as the cache had it: not hashed again */
    value_map_set(m, "content", content, a);
    value_map_set(m, "toc", p->md.toc ? p->md.toc : value_new_list(a, SRC_NONE), a);
    value_map_set(m, "word_count", value_new_number(a, (double)p->md.word_count, SRC_NONE), a);
    /* minutes at 200 words or 400 Chinese characters a minute, rounded up */
    size_t cjk = p->md.cjk_count, other = p->md.word_count - cjk;
    value_map_set(m, "reading_time",
                  value_new_number(a, (double)((other * 2 + cjk + 399) / 400), SRC_NONE), a);
    if (p->link)
        value_map_set(p->link, "summary", text_val(a, p->summary), a);
}

/* fill_page_content on the pool: each page's maps are its own, allocated in the worker's
 * arena (one of the load arenas, which live as long as the model) */
static void
fill_one(size_t i, size_t worker, void *payload)
{
    const content_job *j = payload;
    page *p = j->s->all[i];
    if (p->ctx)
        fill_page_content(p, j->arenas[worker]);
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

bool
site_add_output(site *s, const char *path, const char *template_name, value *page_ctx,
                src_pos origin)
{
    if (!claim_url(s, path, origin.file, origin))
        return false;
    bool dir = *path && path[strlen(path) - 1] == '/';
    if (!value_map_get(page_ctx, "kind"))
        set(s, page_ctx, "kind", str_val(s, "generated"));
    set(s, page_ctx, "url", str_val(s, make_url(s, path)));
    set(s, page_ctx, "permalink", str_val(s, make_permalink(s, path)));
    if (!value_map_get(page_ctx, "title"))
        set(s, page_ctx, "title", str_val(s, s->cfg.title));
    if (!value_map_get(page_ctx, "content"))
        set(s, page_ctx, "content", str_val(s, ""));
    add_output(s, path, template_name, NULL, NULL,
               root_ctx(s, &s->views[0], NULL, "page", page_ctx, NULL, NULL), origin, s->build_date,
               dir);
    return true;
}
