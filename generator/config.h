/* SPDX-License-Identifier: MIT
 * config.h - site.yaml: read, type-check and default the site configuration.
 * Pass 1 of the pipeline; everything later reads the config, never site.yaml. */
#ifndef CLINFOLIO_CONFIG_H
#define CLINFOLIO_CONFIG_H

#include "arena.h"
#include "diag.h"
#include "value.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct config_stage {
    const char *key, *label, *label_zh; /* label_zh may be NULL */
} config_stage;

/* A term declared in site.yaml with its name in each language, so that every spelling
 * (`麻醉科`, `Anesthesiology`) is one term, with one slug and one metrics group. */
typedef struct config_term {
    const char *slug;   /* its URL segment, as declared: "anesthesiology" */
    const char **names; /* [n_languages]: the name in each language, NULL where not given */
    src_pos at;
} config_term;

typedef struct config_taxonomy {
    const char *name;    /* the front-matter field: tags, department, cohort */
    const char *path;    /* URL segment: /<path>/<term>/ (defaults to the name) */
    const char *title;   /* shown on list pages (defaults to the name) */
    const char **titles; /* [n_languages]: the title in each language (`title: {zh: 科室}`) */
    config_term *terms;  /* `terms:` declared in site.yaml, in its order */
    size_t n_terms;
} config_taxonomy;

/* One language of the site (site.yaml `languages`; a site without it has one, `language`). */
typedef struct config_language {
    const char *code; /* "zh", "en", "zh-Hans": lang, hreflang, and the file suffix x.<code>.md */
    const char *name; /* "中文": what the language switcher shows (defaults to the code) */
    const char *path; /* URL prefix: "" for the default language, else "<code>" (or `path`) */
    const char *title, *description; /* the site's in this language (default: site.yaml's) */
    const value *params; /* keys of site.params in this language (over site.yaml's), or NULL */
    src_pos at;
} config_language;

typedef struct config_plugin {
    const char *name; /* "cohort_metrics": plugins/<name>.lua */
    src_pos at;       /* where site.yaml names it */
} config_plugin;

typedef struct config {
    const char *file; /* "site.yaml" (as diagnostics name it) */
    const char *title, *description, *language, *theme, *author, *currency;
    /* languages[0] is the default (`language` is its code); n_languages is 1 unless
     * site.yaml lists `languages` */
    config_language *languages;
    size_t n_languages;
    bool languages_set;        /* site.yaml lists `languages`: x.<code>.md files are translations */
    const char *base_url;      /* absolute, ends with '/': "https://example.org/sub/" */
    const char *base_path;     /* its path, starts and ends with '/': "/sub/" */
    size_t summary_length;     /* characters */
    size_t summary_length_cjk; /* characters of a mostly Chinese summary (default: half) */
    bool unsafe_html;
    const char *image_sizes; /* markdown.image_sizes: the sizes attribute of the pictures of
                              * Markdown images and figures (CONFIG_IMAGE_SIZES) */
    size_t feed_limit;
    const char **feed_sections; /* sections whose pages go into feed.xml */
    size_t n_feed_sections;
    size_t home_latest;
    size_t paginate; /* list pages per paginator page (sections, terms); 0 = one page */
    config_stage *stages;
    size_t n_stages;
    config_taxonomy *taxonomies;
    size_t n_taxonomies;
    config_plugin *plugins; /* in the order site.yaml lists them */
    size_t n_plugins;
    size_t plugin_instructions, plugin_seconds, plugin_memory_mb; /* limits per call */
    /* which of those site.yaml sets; the others scale with the site
     * (config_scale_plugin_limits) */
    bool plugin_instructions_set, plugin_seconds_set, plugin_memory_mb_set;
    /* search: the index and page (search.h) unless `search: {enabled: false}`; keys: the
     * page values indexed as SEARCH_META besides title and summary ("team.name": the
     * `name` of each item of `team`) */
    bool search_enabled;
    const char **search_keys;
    size_t n_search_keys;
    size_t stale_months; /* checks.stale_months: a project is stale after this many months */
    value *raw;          /* the whole site.yaml map, for templates (site.params, site.menu, ...) */
} config;

/* Reads <root>/site.yaml into out (memory owned by a). base_url_override, when not NULL,
 * replaces base_url (--base-url). Unknown keys are warnings; wrong types and missing
 * required keys (title, base_url) are errors. The switches of `checks:` (error, warning
 * or off per check code) are set on d (diag_set_check) for the rest of the run. Returns
 * false after reporting errors. */
bool config_load(config *out, const char *root, const char *base_url_override, arena *a, diag *d);

#define CONFIG_PAGINATE_DEFAULT 50
/* The default theme's text column (.prose) is at most 46rem wide, the window below 48rem. */
#define CONFIG_IMAGE_SIZES "(min-width: 48rem) 46rem, 100vw"

/* Per-page costs behind the default plugin_limits: the bench corpus's stage_timeline and
 * cohort_metrics need about 6 KiB of Lua heap and 0.3 ms per page in their longest call
 * (site_loaded, over every page); the defaults allow several times that. */
#define CONFIG_PLUGIN_KIB_PER_PAGE     16
#define CONFIG_PLUGIN_PAGES_PER_SECOND 500

/* Raises each plugin limit site.yaml does not set to what a site of n_pages needs:
 * memory_mb = max(256, n_pages x 16 KiB), seconds = max(10, n_pages / 500). A limit that
 * site.yaml sets is kept as it is; instructions are counted only when it sets them. */
void config_scale_plugin_limits(config *c, size_t n_pages);

/* The index in c->languages of the language code[0..len), or -1. */
int config_language_index(const config *c, const char *code, size_t len);
/* Whether s is a language code as site.yaml may name one: BCP 47's form, small enough for a
 * file suffix (2-3 lowercase letters, then '-' and 2-8 letters or digits: zh, en, zh-Hans). */
bool config_is_language_code(const char *s);
/* "zh, en" (for error messages); owned by a. */
const char *config_language_list(const config *c, arena *a);

/* The files site.yaml's `bibliography` names (relative to the site folder, as written;
 * NULL-terminated; memory owned by a): inputs outside content/ that the incremental
 * build's fingerprint (memo.c) and `serve`'s watcher include. cite.c reads and checks
 * them. */
const char **config_bibliography_files(const config *c, arena *a);

/* Index of the stage with this key, or -1. */
int config_stage_index(const config *c, const char *key, size_t len);

/* "need, idea, design, ..." (for error messages); owned by a. */
const char *config_stage_list(const config *c, arena *a);

#endif
