/* SPDX-License-Identifier: MIT
 * site_internal.h - what the parts of the site model share and nothing else includes: the
 * model's structures (site.c and views.c build them, pass by pass) and the helpers they
 * and sitectx.c (the values templates see) use. */
#ifndef CLINFOLIO_SITE_INTERNAL_H
#define CLINFOLIO_SITE_INTERNAL_H

#include "facets.h"
#include "shortcode.h"
#include "site.h"
#include "strtab.h"

#include <stdbool.h>
#include <stddef.h>

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
    page **all; /* every published page, _index.md files and translations too, in scan order */
    size_t n_all;
    view *views;            /* one per language, the default first */
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
    /* as site_new() took them (workers at least 1, cfg this site's): the passes read the
     * root, the schema, the load memo and the interface text (i18n) here */
    site_options opt;
    arena *a;
    diag *d;
};

/* {====================================================================
 * site.c: URLs, order, declared terms
 * ===================================================================== */

/* The URL ("/projects/x/") and the permalink (base_url and the URL) of rel ("projects/x/"),
 * in the site's arena. */
const char *site_make_url(site *s, const char *rel);
const char *site_make_permalink(site *s, const char *rel);
/* Claims the URL of rel for origin (whose position is at): false, with an error at at and a
 * note at the first claim, when something has it already. */
bool site_claim_url(site *s, const char *rel, const char *origin, src_pos at);
/* qsort order of pages: dated first, newest first, then by weight, title and path. */
int site_cmp_pages(const void *pa, const void *pb);
/* The term of taxonomy i declared in site.yaml that text names (in any language), or NULL. */
const config_term *site_declared_term(const site *s, size_t i, const char *text);

/* {====================================================================
 * sitectx.c: the values templates see (views.c calls them, in site_build_views())
 * ===================================================================== */

/* p->link: the few fields list items and prev/next links need (made once). */
value *ctx_page_link(site *s, page *p);
/* page.terms of v's pages: {taxonomy: [{name, url}]}, sorted by name: the map and its
 * empty lists (ctx_page_terms()), then each taxonomy's links (ctx_page_terms_of(), which
 * writes only taxonomy t's lists: on the pool, s a worker's copy of the site). */
void ctx_page_terms(site *s, view *v);
void ctx_page_terms_of(site *s, view *v, size_t t);
/* `translations` of an output: [{lang, name, url, permalink, current, missing}]; rels[k]
 * is where it is in language k (NULL: missing, then fallback[k]). */
value *ctx_translations(site *s, size_t current, const char *const *rels,
                        const char *const *fallback);
/* The rel of a list ("projects/") in every language, for ctx_translations(). */
const char **ctx_list_rels(site *s, const char *rel);
/* p->ctx, p's map: its front matter and the fields the model computes (on the pool: s is
 * a worker's copy of the site); lower and higher: its neighbours in its list, or NULL. */
void ctx_page(site *s, page *p, page *lower, page *higher);
/* A list of the maps of pages[0..n). */
value *ctx_page_list(site *s, page **pages, size_t n);
/* sec->ctx, tx->ctx (and its terms'), v->site_ctx: a section's, a taxonomy's, and the
 * site's values in language v. */
void ctx_section(site *s, view *v, section *sec);
void ctx_taxonomy(site *s, const view *v, taxonomy *tx);
void ctx_site(site *s, view *v);

/* {====================================================================
 * small helpers of all three
 * ===================================================================== */

static inline value *
text_val(arena *a, const char *str)
{
    return str ? value_new_cstr(a, str, SRC_NONE) : value_new_null(a, SRC_NONE);
}

static inline value *
str_val(site *s, const char *str)
{
    return text_val(s->a, str);
}

/* As text_val(), str not copied: a text that lives as long as the value (a page's fields,
 * a literal, a name of site.yaml's: at 10,000 pages the page contexts took 90,000 copies);
 * null for NULL. */
static inline value *
text_ref(arena *a, const char *str)
{
    return str ? value_new_string_ref(a, str, strlen(str), SRC_NONE) : value_new_null(a, SRC_NONE);
}

static inline value *
num_val(site *s, double n)
{
    return value_new_number(s->a, n, SRC_NONE);
}

/* Every key set here is a literal or a name of site.yaml's (a section, a taxonomy, a
 * language code), which live as long as the site: borrowed, not copied. */
static inline void
set(site *s, value *map, const char *key, value *v)
{
    value_map_set_ref(map, key, v, s->a);
}

static inline const char *
page_text_lang(const site *s, const page *p)
{
    return page_text_language(p, &s->cfg);
}

/* The keys a page's context gets beyond its front matter: twenty in ctx_page(), six
 * from its Markdown and plugins (fill_page_content(), site_share_data()), with room to
 * spare: a map that grows by doubling leaves its old pairs in the arena (a 10,000-page edit
 * build peaked 6 MB lower with the copies made at this size). */
#define MAP_COPY_ROOM 32

/* The later of two dates (either may be NULL). */
static inline const value *
newest(const value *a, const value *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    return value_compare(a, b) >= 0 ? a : b;
}

/* A new map with the pairs of src (front matter, site.yaml) in their order; the computed
 * fields the caller sets afterwards win on a collision. */
static inline value *
site_map_copy(site *s, const value *src)
{
    return value_map_copy(src, MAP_COPY_ROOM, s->a);
}

#endif
