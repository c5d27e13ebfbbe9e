/* SPDX-License-Identifier: MIT
 * page.h - one content file: read it, split and parse its front matter, check the
 * schema (title, dates, stages, ...) and convert its Markdown. Pages load on worker
 * threads; each page touches only its own memory and the (read-only) config. */
#ifndef CLINFOLIO_PAGE_H
#define CLINFOLIO_PAGE_H

#include "arena.h"
#include "bib.h"
#include "bibfmt.h"
#include "config.h"
#include "diag.h"
#include "markdown.h"
#include "schema.h"
#include "value.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct page page;

/* A {{ ref(id=..., page=...) }} call of the page (site_shortcode_ref). */
typedef struct page_ref {
    const char *id;     /* "tbl:cohorts" */
    const char *target; /* "reports/x.md" (under content/), or NULL: the page itself */
    src_pos at;         /* the call */
} page_ref;

/* A {{ cite(key=...) }} call of the page (cite.h). */
typedef struct page_cite {
    const char **keys; /* n_keys of them, each in the page's bibliography */
    size_t n_keys;
    const char *locator; /* "p. 12", or NULL */
    src_pos at;          /* the call */
} page_cite;

/* page.late_vals' places */
enum {
    PAGE_LATE_SUMMARY,
    PAGE_LATE_CONTENT,
    PAGE_LATE_TOC,
    PAGE_LATE_WORDS,
    PAGE_LATE_READING,
    PAGE_LATE_DATA,
    PAGE_LATE_MAX
};

struct page {
    /* set by page_load */
    const char *path;     /* "content/projects/x.md", as diagnostics name it */
    const char *section;  /* first folder under content/, "" for top-level pages */
    bool is_index;        /* _index.md: the home or a section's list page */
    value *front;         /* front matter map (empty when the file has none) */
    const char *title;    /* "" only for _index.md without a title */
    const char *slug;     /* slugified */
    const value *date;    /* VALUE_DATE or NULL */
    const value *updated; /* VALUE_DATE or NULL */
    bool draft;
    double weight;
    const char *summary; /* explicit `summary`, else the first paragraph's text */
    const char *cohort;  /* "2023", or NULL */
    value *stages;       /* dated stages in site.yaml order: [{key,label,label_zh,date,note}] */
    long days_total;     /* first to last dated stage, -1 with fewer than two */
    const char *template_name; /* front matter `template`, or NULL */
    size_t lang;               /* index into cfg->languages (page_language) */
    src_pos template_pos;
    const char *body; /* the Markdown source after the front matter (in a); NULL while
                       * not read: a page its file's metadata restored (memo.c) reads it
                       * when it is expanded or converted (site_page_body) */
    size_t body_len;
    unsigned body_line; /* its first line in the file */
    size_t body_at;     /* where it starts in the file */
    uint64_t file_hash; /* hash_bytes(0, ...) of the file's bytes, with a load memo */
    bool calls;         /* the body may call shortcodes (shortcode_may_call) */
    /* set by page_render_markdown, after the site model and the plugins */
    markdown_result md;
    /* md.html as the cache gave it (memo.c) and its deep hash (value_string_hash()), which
     * page.content takes while md.html is still that text (cross-references and
     * citations put new text in its place); NULL: not restored */
    const char *html_hashed;
    uint64_t html_hash;
    size_t html_hashed_len; /* its length (page_html_len()) */
    page_ref *refs; /* its ref calls in order, n_refs of them (shortcodes run every build) */
    size_t n_refs, cap_refs;
    /* its {{ figure(...) }} calls (site.c): each one's output, the unnumbered <figure>,
     * and its parts, which the Markdown pass numbers (markdown_page.figure_of) */
    struct page_figure {
        const char *html;
        markdown_figure parts;
        const char *src, *alt; /* the arguments as written */
        src_pos src_at;        /* the src argument */
    } * figures;
    size_t n_figures, cap_figures;
    /* set by the media pass (media.c) after the shortcodes: the pictures of the images of
     * its bundle that its Markdown and its figure calls show, by URL as written */
    struct page_picture {
        const char *url;
        markdown_picture pic;
    } * pictures;
    size_t n_pictures, cap_pictures;
    page_cite *cites; /* its cite calls in order (cite.h), n_cites of them */
    size_t n_cites, cap_cites;
    bool references_placed; /* it calls {{ references() }} */
    /* set by cite_load, before the shortcodes: the bibliography it cites from (NULL: none)
     * and the citation style */
    const bib *bib;
    bibfmt_style cite_style;
    /* set by the site pass */
    int64_t date_epoch;       /* value_date_epoch() of date (0 without): ordering compares it */
    const char *text_lang;    /* page_text_language(), once the translations are joined */
    const value **tax_values; /* front[name] of each taxonomy of site.yaml (NULL: none) */
    int64_t valid_until;      /* its front matter's earliest date after now (INT64_MAX: none) */
    const char *url;          /* root-relative, with the base path: "/projects/x/" */
    const char *permalink;    /* absolute */
    const char *out_path;     /* "projects/x/index.html" */
    value *terms;             /* {taxonomy: [{name, url}]}, published single pages only */
    value *link;              /* {title, url, permalink, date, summary}: page.lower/higher */
    page *original;           /* a translation's page in the default language; NULL otherwise */
    page **translations;      /* [cfg->n_languages]: the page in each language (NULL where there
                               * is none), shared by the original and its translations; NULL
                               * for a page without translations */
    value *ctx;               /* the page map templates see */
    /* set by memo.c: deps_hash_early() of ctx without the pairs that change after the
     * model (memo.c's LATE_KEYS), made once a build; 0 until then */
    uint64_t early_hash;
    /* set by memo_hash_pages() before the render pass: the deep hash of ctx as it is from
     * then on (what renders check their reads of it by; the search index keys the page's
     * document by it); 0 when the build keeps no memo */
    uint64_t ctx_hash;
    /* the load memo's key of its file (site_load_memo), which the rules' key builds on; 0
     * when the build keeps no memo */
    uint64_t load_key;
    /* set by memo.c when it restored the page: the values of ctx whose deep hashes the
     * cache holds (its front matter's pairs, the front matter, the stages), n_known of them,
     * for deps_hash_early() (deps_known); NULL for a page parsed in this build */
    const value **known_vals;
    uint64_t *known_hashes;
    size_t n_known;
    /* Values of ctx set after the model (memo.c's LATE_KEYS) with their deep hashes, made
     * as they were set, when the build keeps a memo: fill_page_content()'s (site.c) and
     * page.data, made again by each page hook's merge (plugin.c). The page hashes take a
     * hash only while ctx still holds that very value (at 10,000 pages a body edit's two
     * page hash passes spent 51 ms of processor time walking these values). */
    const value *late_vals[PAGE_LATE_MAX];
    uint64_t late_hashes[PAGE_LATE_MAX];
    /* the deep hash of link as it is now, made with it and again when it changes (0: not
     * made), and the pages whose links are ctx's lower and higher (NULL: none) */
    uint64_t link_hash;
    page *lower, *higher;
};

/* What every page load of a build shares (read-only, so worker threads share it). */
typedef struct page_load_options {
    const config *cfg;
    const schema *schema; /* the site's schema.yaml (schema.h), or NULL: built-in keys only */
    const char *root;     /* the site folder */
    bool recommended;     /* also warn about missing `recommended` schema keys (check) */
} page_load_options;

/* The language of the content file rel, an index into cfg->languages: that of <code> in
 * "x.<code>.md" when site.yaml lists `languages` and <code> is one of them, else 0 (the
 * default). *stem_len (when not NULL) is then the length of rel without ".<code>", so that
 * "content/x.en.md" and "content/x.md" share the stem "content/x" of one page. */
size_t page_language(const config *cfg, const char *rel, size_t *stem_len);

/* Whether rel ("content/projects/x/index.md", "content/projects/x/index.en.md") is the
 * page of a page bundle: a folder holding the page as index.md (or index.<lang>.md) and
 * its files (images, PDFs) beside it. *dir_len gets the length of the folder's path
 * ("content/projects/x"); the page's slug is the folder's name. */
bool page_is_bundle(const char *rel, size_t *dir_len);

/* The front matter keys a translation (a page in a language other than the default) may
 * write: text in that language. Every other key is a fact shared by every language,
 * written once in the original. */
bool page_key_translatable(const page_load_options *opt, const char *section, const char *key);

/* Loads <opt->root>/<rel> (rel is "content/..."): reads it, parses and checks the front
 * matter (the built-in keys, then, for a single page of a section the schema names, the
 * schema) and keeps the Markdown body for later; memory owned by a. Reports every problem
 * found and returns false if any was an error. */
bool page_load(page *p, const page_load_options *opt, const char *rel, const char *section,
               bool is_index, arena *a, diag *d);
/* page_load in two steps, for incremental builds (which skip the second for a file whose
 * bytes did not change, site.c): read the file (*src in a, NUL-terminated), then parse
 * and check it into p (p->body points into src). Each reports as page_load does. */
bool page_read(const char **src, size_t *len, const page_load_options *opt, const char *rel,
               arena *a, diag *d);
bool page_parse(page *p, const page_load_options *opt, const char *rel, const char *section,
                bool is_index, const char *src, size_t len, arena *a, diag *d);
/* p emptied, with its path, section and kind: what page_parse starts from. */
void page_init(page *p, const char *rel, const char *section, bool is_index, arena *a);

/* The language of p's text: `lang:` in its front matter (page_parse checked it), else its
 * file's language. */
const char *page_text_language(const page *p, const config *cfg);
/* The deep hash of p's HTML (value_string_hash()) when it is still the text the cache gave
 * with its hash (html_hashed), else 0. */
uint64_t page_html_hash(const page *p);
/* The length of p's HTML: the one its cache record gave while it is that text (not
 * measured again: 4 KB a page), else strlen(). */
size_t page_html_len(const page *p);
/* Notes v, the value of p's late pair k (page.late_vals: set in ctx by the caller), with
 * its deep hash made now, for the page hashes. */
void page_note_late(page *p, size_t k, const value *v);
/* Sets key of p's link map to v; the link's hash (page.link_hash), when it was made, is
 * made again, so that it is always the link as it is. */
void page_link_set(page *p, const char *key, value *v, arena *a);
/* Converts the page's Markdown (src[0..len): its body, after shortcodes were expanded)
 * into p->md and fills p->summary when the front matter has none. Thread-safe. */
bool page_render_markdown(page *p, const config *cfg, const char *src, size_t len, arena *a,
                          diag *d);

#endif
