/* SPDX-License-Identifier: MIT
 * build.h - one `clinfolio build`: load the site model, compile the theme, render every
 * output on worker threads, write feed.xml and sitemap.xml, copy static files, and swap
 * the new tree into place only when nothing failed. */
#ifndef CLINFOLIO_BUILD_H
#define CLINFOLIO_BUILD_H

#include "check.h"
#include "config.h"
#include "diag.h"
#include "progress.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct build_options {
    const char *root;     /* the site folder (holds site.yaml) */
    const char *out_dir;  /* where the site goes ("<root>/public" by default) */
    const char *base_url; /* overrides site.yaml's base_url when not NULL */
    bool drafts;          /* publish pages marked draft: true */
    bool force;           /* replace an out_dir that clinfolio did not make (--force) */
    size_t workers;       /* threads; 0 means one per processor */
    bool future;          /* publish pages dated in the future (--future) */
    /* `clinfolio check`: every pass runs (pages render into memory, output paths and
     * static files are checked for collisions in a dry tree, output_begin_dry) but nothing
     * is written: no output folder, no temporary tree; out_dir and force are not used */
    bool check_only;
    check_report *report; /* when not NULL, filled from the model before it is freed */
    progress *progress;   /* when not NULL, each pass names itself on it (the progress line) */
    const char *datadir;  /* installed themes and plugins; NULL: build_default_datadir() */
    /* incremental builds: a build remembers what each render read in a cache beside the
     * output (cache.h) and the next build links the previous file of every output whose
     * reads are unchanged instead of rendering it; clean ignores the cache (--clean) */
    bool clean;
    bool cache_notes; /* say on stderr why the cache was not used or written (-v) */
    /* when not NULL, the cache lives here between builds instead of in the cache file
     * (clinfolio serve): the build takes *memory and leaves the new cache there; the
     * caller frees the last one with cache_free() */
    struct cache **memory;
    bool no_sync; /* out_dir is a private folder of this process: output_options.no_sync */
    /* clinfolio serve's fast render (as hugo server's): first[0..n_first) are the output
     * paths ("projects/x/index.html") of the pages open in a browser. When every pass
     * before the render succeeded and wrote no file (no new image: such a page shows
     * nothing the served tree lacks), these render first, on the building thread, and each
     * one rendered anew (not kept) goes to first_ready (html valid during the call) before
     * the others render; the build then goes on and ends as always. */
    const char *const *first;
    size_t n_first;
    void (*first_ready)(void *payload, const char *path, const char *html, size_t len);
    void *first_payload;
    /* called on the building thread once the new files are in out_dir (the commit
     * succeeded), before the build writes its cache and frees its memory: clinfolio serve
     * reloads the open pages then. NULL: none. */
    void (*committed)(void *payload);
    void *committed_payload;
    /* when not NULL, every render's time goes there by template (and a kept render is
     * counted), and every plugin call's by plugin and hook (--profile) */
    struct profile *profile;
} build_options;

typedef struct build_stats {
    size_t pages;             /* content pages loaded */
    size_t outputs;           /* files rendered from templates (plus feed.xml and sitemap.xml) */
    size_t renders;           /* files rendered from templates, or kept */
    size_t kept;              /* of those, whose render was skipped: the previous file was kept */
    size_t files, files_kept; /* content files loaded, and of those taken from the cache */
    size_t files_unread;      /* of those, taken by their metadata, without being read */
    size_t rules_kept;        /* files whose consistency rules' findings were taken from it */
    size_t markdown, markdown_kept; /* pages converted, and of those taken from the cache */
    bool plugins_kept;              /* the plugins' site_loaded and page hooks were not run again */
    size_t hook_calls, hooks_kept;  /* page hook calls (plugin x page), and of those restored */
    size_t facts_calls, facts_kept; /* the same for page_facts hooks */
    bool unchanged;                 /* the output folder was left exactly as it was */
    size_t images_made, images_reused; /* image variants encoded, and found in the cache */
    /* the sitemap and the project list's data files (facets.h): whether this build
     * looked at them (not when it stopped early, nothing changed); the sitemap kept as the
     * last build wrote it; the project list's data files of every language (index.json
     * and the rows files), and of those the ones kept as they were */
    bool data_files;
    bool sitemap_kept;
    size_t facets_files, facets_kept;
    /* milliseconds spent in each part of the build (for -v) */
    double load_ms, images_ms, plugins_ms, content_ms, render_ms, finish_ms;
    double search_ms; /* the search index, part of finish_ms */
} build_stats;

/* Builds the site (or only checks it, with check_only). Every problem goes to d; returns
 * false when an error was reported, in which case the previous out_dir is left exactly as
 * it was. stats may be NULL. */
bool build_site(const build_options *opt, build_stats *stats, diag *d);
/* For a thread that ends the process while a build runs (a signal, the plugin watchdog):
 * removes the build's temporary output tree and cache files (output_remove_temporaries(),
 * cache_remove_temporaries()), leaving the previous output and cache as they were. */
void build_remove_temporaries(void);

/* Prints the milliseconds of each part of a build as one line ("ms: load 62, ..."): -v of
 * build and of serve (each rebuild). */
void build_stats_print_times(FILE *f, const build_stats *st);

/* The folder of the installed themes and plugins compiled in ($(PREFIX)/share/clinfolio). */
const char *build_default_datadir(void);

/* Where cfg's theme lives: <root>/themes/<name>, else <datadir>/themes/<name> (datadir NULL:
 * build_default_datadir()). Sets *diag_name to how diagnostics name it. Returns NULL after
 * reporting when neither folder exists or the site's is a symbolic link. Memory owned by a. */
const char *build_find_theme(const config *cfg, const char *root, const char *datadir,
                             const char **diag_name, arena *a, diag *d);

#endif
