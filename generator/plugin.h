/* SPDX-License-Identifier: MIT
 * plugin.h - the Lua 5.4 plugin host. Plugins (plugins/<name>.lua, listed in site.yaml)
 * run in a sandbox with CPU, time and memory limits, read the site model through
 * read-only views, and publish data (site.data, page.data), extra output files,
 * template filters and Markdown shortcodes. The API is documented in plugins/README.md.
 *
 * Threads: site_loaded, generate and shortcodes run in each plugin's home state (the main
 * state for the first plugin), on the main thread but for later plugins' site_loaded
 * started ahead; page hooks on the pool, in states of its workers. Filters run on render
 * workers: each thread gets its own Lua state with the plugins loaded again, so no Lua
 * state is ever used by two threads at once, and a filter allocates only in
 * the render's scratch arena (never in the arena given to plugin_host_new). */
#ifndef CLINFOLIO_PLUGIN_H
#define CLINFOLIO_PLUGIN_H

#include "arena.h"
#include "config.h"
#include "diag.h"
#include "page.h"
#include "shortcode.h"
#include "template.h"
#include "value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct plugin_host plugin_host;

/* Where plugin files are looked up, in order: <root>/plugins, <theme_dir>/plugins (named
 * <theme_name>/plugins in diagnostics), <datadir>/plugins. theme_dir and datadir may be
 * NULL. before_exit, when not NULL, runs on the watchdog's thread right before it ends
 * the process (a call stuck in a library function): it removes what must not stay. */
typedef struct plugin_paths {
    const char *root, *theme_dir, *theme_name, *datadir;
    void (*before_exit)(void);
} plugin_paths;

/* A file a plugin's generate hook asks for: raw content, or a template rendered with
 * `page` set to data. */
typedef struct plugin_output {
    const char *path;    /* relative to the output folder; a final '/' means index.html */
    const char *content; /* NULL when rendered from a template */
    size_t content_len;
    const char *template_name;
    value *data;    /* the `page` of the template (a map), or NULL */
    src_pos origin; /* the plugin file */
} plugin_output;

/* Loads every plugin of cfg in order (each file runs once in its sandbox and must return
 * a table of hooks). NULL when there are no plugins or after reporting errors; check
 * diag_error_count to tell which. Memory of results goes into a, on the main thread only. */
plugin_host *plugin_host_new(const config *cfg, const plugin_paths *paths, arena *a, diag *d);
void plugin_host_free(plugin_host *h);
/* From now on the time of every hook call (page_facts, site_loaded, page, generate, a
 * shortcode, a filter) goes to p by plugin and hook (build --profile); NULL: none. */
struct profile;
void plugin_host_set_profile(plugin_host *h, struct profile *p);
/* plugin_host_free(h) on a thread of its own, for a build that calls no plugin any more
 * (closing the Lua states of two site hooks over 10,000 pages took 16-19 ms of the main
 * thread); plugin_host_close_end() waits for it and frees the handle. h is freed at once
 * when no thread can be made. NULL h: nothing to do. */
typedef struct plugin_closing plugin_closing;
plugin_closing *plugin_host_close_start(plugin_host *h);
void plugin_host_close_end(plugin_closing *c);

/* A value as serial_put_value() wrote it (bytes NULL: none), borrowed. */
typedef struct plugin_bytes {
    const void *bytes;
    size_t len;
} plugin_bytes;

/* One page's hook call as the memo sees it: the plugin's name, the page and its place i
 * in the pages the hooks run for, the site the hook sees, and the pool worker running it. */
typedef struct plugin_page_call {
    const char *plugin;
    size_t i;
    const page *p;
    const value *site_ctx;
    size_t worker;
} plugin_page_call;

/* The keys of `site` a page hook read (each ended by '\0', len bytes in all), or all: it
 * went through every one of them with pairs(). */
typedef struct plugin_site_reads {
    const char *keys;
    size_t len;
    bool all;
} plugin_site_reads;

/* What a build keeps of each page hook's result for the next (memo.c), so that a page
 * hook runs again only for the pages whose value, or the values of `site` it read, changed:
 * while a page hook runs, the keys it reads of `site` are noted (plugin_site_reads). On
 * the worker threads (plugin_page_call.worker: the pool's number), except start. */
typedef struct plugin_page_memo {
    /* Before the pages of one plugin: n of them (main thread). */
    void (*start)(void *payload, size_t n);
    /* The result (or NULL) and the diagnostics of the plugin's page hook for the call's
     * page as the last build kept them, when what it read is the same now; false: run the
     * hook. */
    bool (*recall)(void *payload, const plugin_page_call *c, value **result, arena *a, diag *d);
    /* For page_facts hooks, in recall's place: the result as the bytes the last build kept
     * (checked: serial_skip_value()), which must stay valid until the site_loaded hooks
     * are done. */
    bool (*recall_bytes)(void *payload, const plugin_page_call *c, plugin_bytes *result, arena *a,
                         diag *d);
    /* Keeps the result (or NULL) and the diagnostics of a hook that ran, with what it read
     * of site. */
    void (*remember)(void *payload, const plugin_page_call *c, const plugin_site_reads *reads,
                     const value *result, diag *pd);
    void *payload;
} plugin_page_memo;

/* Starts the page hooks of the first plugin that has one, for pages[0..n), on workers - 1
 * threads of their own, ahead of plugin_run_site_loaded on the calling thread: they see
 * site_ctx without its "data" (what the site_loaded hooks are making). A page's result
 * stands unless its hook read site.data, went through every key of site, or failed;
 * plugin_run_page_hooks, with the same arguments, takes what was done and runs the rest
 * (memo->start is called here for that plugin). Nothing starts with fewer than 2
 * workers or without worker_arenas. Call plugin_stop_page_hooks before anything else
 * writes the memo's records. */
void plugin_start_page_hooks(plugin_host *h, value *site_ctx, page *const *pages, size_t n,
                             size_t workers, arena **worker_arenas, const plugin_page_memo *memo);
/* Lets the pages started ahead finish, starts no more, and waits for them. */
void plugin_stop_page_hooks(plugin_host *h);

/* The page_facts hooks, plugin by plugin, each for every page of pages[0..n) (the pages
 * site_loaded sees as site.pages) on `workers` pool threads, as page hooks run (one Lua
 * state each, diagnostics in page order up to the first page whose hook failed, memo as
 * for page hooks; the results in arenas of the host's, freed when plugin_run_site_loaded
 * is done): before plugin_run_site_loaded,
 * against site_ctx as it is then (without what site_loaded adds). What a plugin's
 * page_facts returned is its site_loaded's second argument (page path -> a copy of it):
 * the work per page done once per page, remembered per page, and summed by site_loaded. */
bool plugin_run_page_facts(plugin_host *h, value *site_ctx, page *const *pages, size_t n,
                           size_t workers, const plugin_page_memo *memo, diag *d);
/* The names of the plugins that have a page_facts hook (*n of them; in h's arena). */
const char **plugin_page_facts_names(plugin_host *h, size_t *n);
/* The site_loaded hooks, in plugin order: each returned table is merged into site_ctx's
 * "data" map, which later plugins see. Each plugin after the first runs its site_loaded,
 * generate and shortcodes in a Lua state of its own, so with 2 workers or more their
 * site_loaded hooks run on another thread while the first plugin's runs on the calling one,
 * against the site without "data": one that reads site.data, goes through all of site or
 * fails runs again after the plugins before it, as page hooks started ahead do. */
bool plugin_run_site_loaded(plugin_host *h, value *site_ctx, size_t workers, diag *d);
/* Then the page hooks (after plugin_run_site_loaded, or with site_ctx's "data" as it made
 * it), plugin by plugin, for every page of pages[0..n) on `workers` pool threads (one Lua state
 * each; worker 0, the calling thread, uses the main state): a returned table is converted into
 * worker_arenas[w] (which must live as long as the model; NULL: the host's arena, one
 * thread) and merged into the page's "data" map in page order once the plugin's pages are
 * done, so a page hook sees what earlier plugins added, never what the same plugin
 * returned for another page. Diagnostics come out in page order, up to the first page
 * whose hook failed, the same for any number of workers. memo may be NULL (every page
 * hook runs). */
bool plugin_run_page_hooks(plugin_host *h, value *site_ctx, page *const *pages, size_t n,
                           size_t workers, arena **worker_arenas, const plugin_page_memo *memo,
                           diag *d);

/* The generate hooks: the files they ask for, in plugin order. *read_content says whether
 * they read any of PLUGIN_CONTENT_KEYS (a page's Markdown results) of any map: when not,
 * what they return does not depend on those values (incremental builds). */
bool plugin_run_generate(plugin_host *h, const value *site_ctx, plugin_output **outs, size_t *n,
                         bool *read_content, diag *d);
/* "content", "summary", "toc", "word_count", "reading_time", NULL. */
extern const char *const PLUGIN_CONTENT_KEYS[];

/* A shortcode_fn: runs the plugin shortcode named by the call for the page given to
 * plugin_set_page. payload is the plugin_host. */
bool plugin_shortcode(buf *html, const shortcode_call *call, void *payload, diag *d);
/* The page whose Markdown shortcodes are being expanded (`ctx.page`), and the site. */
void plugin_set_page(plugin_host *h, const value *site_ctx, const value *page_ctx);

/* The hash of every plugin's file name and source (0 for NULL): what a filter computes
 * may change when it changes. */
uint64_t plugin_host_hash(const plugin_host *h);

/* Registers every plugin filter with ts (before template_set_link). */
void plugin_add_filters(plugin_host *h, template_set *ts);

#endif
