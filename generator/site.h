/* SPDX-License-Identifier: MIT
 * site.h - the site model: config, every page, sections, taxonomies (cohorts among
 * them), URLs, and the values templates see. Built once by passes 2-4 (site_new() to
 * site_build_views(), below); read-only afterwards, so render workers share it. */
#ifndef CLINFOLIO_SITE_H
#define CLINFOLIO_SITE_H

#include "arena.h"
#include "config.h"
#include "diag.h"
#include "page.h"
#include "rules.h"
#include "scan.h"
#include "shortcode.h"
#include "value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* What the page loads may take from an earlier build instead of parsing a file again
 * (incremental builds: memo.c keeps it). start(n) runs on the main thread once the n
 * files are known; recall and remember run on the load workers for file i (in scan
 * order). key hashes the file's path, section and bytes and salt (the program, site.yaml,
 * the schema files). recall restores p (its body pointing into src) and reports the
 * file's diagnostics again, true when it could; remember keeps them, for a file without
 * an error. */
typedef struct site_load_memo {
    void (*start)(void *payload, size_t n);
    /* the metadata of the input file rel as the build's fingerprint took it (before any
     * file was read), when it has it: true then */
    bool (*stat)(void *payload, const char *rel, struct stat *st);
    /* st: the file's metadata, taken before it was read (NULL: unknown) */
    bool (*recall)(void *payload, size_t i, page *p, uint64_t key, const char *src, size_t len,
                   const struct stat *st, arena *a, diag *d);
    /* file i restored without reading it, when its record was made from a file of the
     * same metadata (st: as fstatat gave it before the file was read) and its load key
     * without the bytes is base: true then, with the whole key in *key and p->body NULL */
    bool (*recall_unread)(void *payload, size_t i, page *p, const struct stat *st, uint64_t base,
                          uint64_t *key, arena *a, diag *d);
    /* may add to p what it computed for the record (memo.c: the front matter's hashes),
     * allocating in a (the page's arena); st: the file's metadata, taken before it was
     * read (NULL: unknown, never recalled by it) */
    void (*remember)(void *payload, size_t i, page *p, uint64_t key, const struct stat *st,
                     arena *a, diag *page_diags);
    /* The consistency rules (rules.h) of file i, whose diagnostics depend on nothing but
     * the file (its key above), whether it is a translation, the options, the build date
     * and the clock: key hashes all but the clock, which only matters when it passes a
     * date of the page, so the diagnostics made at instant `made` hold until the page's
     * first date after it (`until`, INT64_MAX: none). start_rules(n) and end_rules() run
     * on the main thread around the pool; recall_rules (on the workers) reports file i's
     * diagnostics again into d, a diag of the file's own, when they were made under key, at
     * or before now, and now is before their `until`, true then, with *until set (which is
     * then still the file's first date after now; false: d may hold a part of them, to be
     * dropped); remember_rules keeps those a check reported. */
    void (*start_rules)(void *payload, size_t n);
    bool (*recall_rules)(void *payload, size_t i, const page *p, uint64_t key, int64_t now,
                         int64_t *until, arena *a, diag *d);
    void (*remember_rules)(void *payload, size_t i, const page *p, uint64_t key, int64_t made,
                           int64_t until, diag *page_diags);
    void (*end_rules)(void *payload);
    void *payload;
    uint64_t salt;
} site_load_memo;

typedef struct site_options {
    const char *root;      /* the site folder (holds site.yaml) */
    bool drafts;           /* publish pages with draft: true */
    const char *base_url;  /* overrides site.yaml base_url when not NULL */
    size_t workers;        /* threads for loading pages (at least 1) */
    arena **worker_arenas; /* one per worker; pages live in them as long as the site */
    const config *cfg;     /* site.yaml read already (config_load), or NULL: site_new reads it */
    const schema *schema;  /* schema.yaml (schema_load), or NULL: no schema checks */
    bool recommended;      /* warn about missing `recommended` schema keys (check) */
    bool future;           /* publish pages dated in the future (--future) */
    const site_load_memo *load_memo; /* or NULL */
    value **i18n;                    /* each language's interface text (i18n_load), or NULL: none */
} site_options;

/* One file to render: a template applied to a context. */
typedef struct site_output {
    const char *path;         /* relative to the output folder: "projects/x/index.html" */
    const char *templates[4]; /* candidates in lookup order, NULL-terminated */
    const value *ctx;         /* root variables: {site, page | section | taxonomy, term} */
    src_pos origin;           /* what asked for it (missing-template errors point here) */
    const char *permalink;    /* absolute URL, for the sitemap */
    const value *lastmod;     /* VALUE_DATE or NULL */
    bool in_sitemap;
    bool optional; /* skipped without a word when the theme has none of its templates (the
                    * search page: a theme without search.html has no search page) */
    /* the same in every language: [{lang, permalink, missing, ...}] (templates'
     * `translations`), one entry per language of site.yaml; NULL for a generated page */
    const value *translations;
} site_output;

typedef struct site site;

/* The model is made by passes 2 to 4 of the build, which build_site() (build.h) calls one
 * by one: scan_content() (scan.h), then these, in this order, each on what the one before
 * it made. Memory is owned by a (and by opt->worker_arenas: the pages). */

/* The model's start: site.yaml (opt->cfg, or read here) and the options the passes take
 * (opt is copied). NULL when site.yaml has errors. */
site *site_new(const site_options *opt, arena *a, diag *d);
/* Pass 3: the n page files scan_content() found, loaded on opt->workers threads (or
 * restored: opt->load_memo); translations joined to their originals; each language's
 * view made. False when a page has errors (all of them reported: the pass does not stop
 * at the first). */
bool site_load_pages(site *s, const scan_source *sources, size_t n);
/* Pass 4, first: the published pages (drafts and future pages out, unless opt says), the build
 * date, and the consistency rules (rules.h) over every page; each language's list of
 * pages. Its errors are told by site_build_views(). */
void site_check_pages(site *s);
/* Pass 4, then: every published page's URL, output path and permalink; two pages or lists at
 * one URL are errors. */
void site_assign_urls(site *s);
/* Pass 4, last (views.c): each language's sections, taxonomies and terms, sorted, the values
 * templates see (sitectx.c), and the list of outputs (paginated lists among them). False
 * when it or the two parts of pass 4 before it reported an error. */
bool site_build_views(site *s);

/* site_new(), scan_content() and passes 3 and 4 as build_site() runs them, for callers that
 * want the model alone (tests, fuzzers; views.c). NULL when errors were reported. */
site *site_load(const site_options *opt, arena *a, diag *d);

/* Frees what the arena does not own (the URL table). NULL is a no-op. */
void site_free(site *s);

const config *site_config(const site *s);
/* The `site` map templates see; plugins add to its "data" before rendering. */
value *site_context(site *s);
/* The same in language lang (an index into cfg->languages): what its pages' templates and
 * shortcodes see. */
value *site_context_in(site *s, size_t lang);
/* The facets of the project list in language lang (facets.h), or NULL when it has no
 * projects section. */
const struct facets *site_facets(const site *s, size_t lang);

/* Expands the shortcodes of p's Markdown body into *out (shortcode.h), on the main
 * thread; false after reporting an error. */
typedef bool (*site_expand_fn)(shortcode_text *out, page *p, void *payload, arena *a, diag *d);

/* What the Markdown pass may take from an earlier build instead of converting a page
 * again (incremental builds: build.c keeps it in its cache). key hashes everything the
 * conversion reads: the page's path and first body line, its Markdown as written and
 * expanded, its shortcodes' output, its explicit summary, its pictures (page.pictures),
 * the URL of every page (for links to .md files) and salt (what else: the program,
 * site.yaml). Both run on worker threads, for the page index (in site_all_pages) i.
 * recall restores p->md and p->summary and reports the page's diagnostics again, true
 * when it could; remember keeps them and the diagnostics the conversion reported
 * (page_diags), for a page that had no error. */
typedef struct site_content_memo {
    bool (*recall)(void *payload, size_t i, page *p, uint64_t key, arena *a, diag *d);
    void (*remember)(void *payload, size_t i, const page *p, uint64_t key, diag *page_diags);
    void *payload;
    uint64_t salt;
} site_content_memo;

/* The built-in shortcode ref(id="tbl:x"[, page="reports/x.md"]) of page p (issue 13):
 * checks its arguments, records the call in p->refs and appends a placeholder to html,
 * which site_convert_content replaces by the link once every page's tables and figures
 * are numbered. False after an error at the call or an argument. */
bool site_shortcode_ref(buf *html, const shortcode_call *call, page *p, arena *a, diag *d);

/* The built-in shortcode figure(src=, alt=[, caption=, id=, source=]) of page p: an
 * image with its caption, numbered as a Markdown image followed by "Figure: caption
 * {#id}" (and a "Source:" note) is when the call is alone in its paragraph. src and alt
 * are required; src must be relative, http: or https:. Appends the image alone (what a
 * call inside a paragraph shows) and records the call in p->figures for the media pass
 * (an image of the page's bundle becomes its picture in site_convert_content) and the
 * Markdown pass. False after an error. */
bool site_shortcode_figure(buf *html, const shortcode_call *call, page *p, arena *a, diag *d);

/* The Markdown of every published page, in two steps around the media pass (media.h),
 * which makes the pictures the expanded text shows. First the shortcodes, through expand
 * (main thread), given every page whose body may call one or is a bundle's with its body
 * read (site_page_body); another page's body may still be NULL (its text then is too,
 * until it is converted). False after reporting errors. */
bool site_expand_content(site *s, site_expand_fn expand, void *payload, diag *d);
/* p's body (page.body), read from its file when its file's metadata restored it without
 * (site_load_memo.recall_unread); the file must be the bytes it was loaded from (its
 * hash), else an error says it changed during the build. Memory in a. False after
 * reporting. Any thread, for different pages. */
bool site_page_body(const site *s, page *p, arena *a, diag *d);
/* The Markdown of page i (in site_all_pages) with its shortcodes' tokens, once
 * site_expand_content ran (borrowed from s); *len bytes. */
const char *site_page_text(const site *s, size_t i, size_t *len);
/* Then each figure call the media pass gave a picture shows it (its output and its numbered
 * figure), and the Markdown is converted on `workers` threads with their arenas (or
 * recalled from memo, when not NULL); then page.content, summary, toc, word_count and
 * reading_time are set in the template values. Until this ran they are missing: plugins
 * run before it. Returns false after reporting errors. */
bool site_convert_content(site *s, const site_content_memo *memo, size_t workers,
                          arena **worker_arenas, diag *d);

/* One more page to render (a plugin's generate hook): path relative to the output folder
 * (a final '/' means index.html), rendered with template_name and `page` = page_ctx. Its
 * URL must be free (a clash is reported to the site's diag). */
bool site_add_output(site *s, const char *path, const char *template_name, value *page_ctx,
                     src_pos origin);
/* Until when (epoch seconds) the clock cannot change what this site builds: the
 * earliest date in any page's front matter that is still in the future (what is
 * published, the build date and the future-date warnings change when it passes);
 * INT64_MAX when there is none or SOURCE_DATE_EPOCH stands for the clock. */
int64_t site_valid_until(const site *s);

/* Every file to render, in a deterministic order. */
const site_output *site_outputs(const site *s, size_t *n);
/* Every published page, _index.md files too, in scan order (after site_convert_content:
 * with their Markdown results). */
page *const *site_all_pages(const site *s, size_t *n);
/* Every content file loaded, drafts and pages in the future too, in scan order. */
const page *site_all_loaded(const site *s, size_t *n);
/* Published single pages (not _index.md), newest first, in the default language: each
 * page once, whatever its translations (what the plugins and the metrics count). */
page *const *site_pages(const site *s, size_t *n);
/* The same in language lang (an index into cfg->languages): its translation where a page
 * has one, else the page itself. */
page *const *site_pages_in(const site *s, size_t lang, size_t *n);
/* The name in language lang of the term site.yaml declares for text (any of its names)
 * in the taxonomy called key; NULL when key names no taxonomy or text no declared term. */
const char *site_term_name(const site *s, const char *key, const char *text, size_t lang);
/* The pages the plugins' page hooks run on: site_pages, then every published translation
 * of a single page (a hook draws in the page's language; what it computes is the same). */
page *const *site_hook_pages(const site *s, size_t *n);
/* After the plugins: every language's site.data is the default language's, and a
 * translation without page.data of its own (no page hook returned any) gets its
 * original's. */
void site_share_data(site *s);
/* SOURCE_DATE_EPOCH when set; else the newest `date` or `updated` of any published page
 * that is not in the future; else 1970-01-01. A page dated in the future never sets it,
 * even when --future publishes it. */
const value *site_build_date(const site *s);
/* What the consistency rules were given: the clock, the build date, --drafts, --future. */
const rules_options *site_rules(const site *s);

#endif
