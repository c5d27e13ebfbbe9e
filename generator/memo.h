/* SPDX-License-Identifier: MIT
 * memo.h - what a build takes from the last one and keeps for the next (incremental
 * builds): build_site() asks it, pass by pass, whether the pass's inputs changed since the
 * last build into the same output folder; when they did not, the pass's results are
 * restored from the cache (cache.h) instead of computed, and either way they are recorded
 * for the next build. The records and their keys are described in generator/README.md,
 * "Incremental builds". Main thread, except memo_keep_render(), memo_put_render() and the
 * Markdown callbacks (memo_content()), which render and Markdown workers call for
 * different outputs and pages at once. */
#ifndef CLINFOLIO_MEMO_H
#define CLINFOLIO_MEMO_H

#include "arena.h"
#include "build.h"
#include "deps.h"
#include "diag.h"
#include "inputs.h"
#include "output.h"
#include "plugin.h"
#include "search.h"
#include "site.h"
#include "template.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct memo memo;

/* The last build's cache of opt->out_dir (from opt->memory, else the cache file; none
 * with opt->clean or when it cannot be used: -v says why), and an empty record for this
 * build. Meanwhile a thread of its own fingerprints the inputs for memo_unchanged(): cfg
 * (site.yaml, whose bibliography files (config_bibliography_files) are inputs too), theme
 * (the theme's folder; NULL: none, nothing to fingerprint) and datadir must stay as they
 * are until then. NULL for a check, which remembers nothing. */
memo *memo_open(const build_options *opt, const config *cfg, const char *theme,
                const char *datadir);

/* Whether the output folder can be updated in place: the last build's cache is there. */
bool memo_has_previous(const memo *m);
/* What this build's records are made for besides their own inputs: the program,
 * site.yaml and the schema (the page loads' salt, memo_loads()); 0 without a memo. */
uint64_t memo_salt(const memo *m);

/* When no input file changed since the last build (by their metadata, inputs.h), nor the
 * options or the program, the clock did not pass a date of the site, and every file of
 * the output is as that build left it: reports its diagnostics again, copies its figures
 * into *st and returns true; the build is then done. */
bool memo_unchanged(memo *m, build_stats *st, arena *a, diag *d);

/* What the fingerprint's walk of content/ saw (inputs_seen_list(), for the scan), once
 * memo_unchanged() has joined it; NULL before, or without a memo. */
const inputs_seen *memo_seen(const memo *m);
/* The callbacks with which site_load_pages() restores and records each file's front matter
 * and checks (site_options.load_memo), or NULL when m is NULL. After memo_unchanged()
 * (which reads the schema files' metadata). */
const site_load_memo *memo_loads(memo *m, const config *cfg);
/* How many files memo_loads() restored, and of those how many by their metadata alone,
 * without reading them (*unread). */
size_t memo_loads_restored(const memo *m, size_t *unread);
/* How many files' consistency rules were recalled instead of checked (site_load_memo). */
size_t memo_rules_restored(const memo *m);

/* The plugins' site_loaded hooks (plugin_run_site_loaded), or their results and
 * diagnostics restored when everything they see and the plugins are as last time; then
 * the page hooks (plugin_run_page_hooks), each page's result recalled when what it saw is
 * as last time. *restored: no hook ran. m may be NULL. */
bool memo_run_plugins(memo *m, plugin_host *host, site *s, size_t workers, arena **arenas,
                      bool *restored, arena *a, diag *d);
/* Of the page hook calls memo_run_plugins() made (a plugin's hook for a page), how many in
 * all (*calls) and how many took the last build's result (returned). */
size_t memo_hooks_restored(const memo *m, size_t *calls);
/* The same for the page_facts hooks' calls. */
size_t memo_facts_restored(const memo *m, size_t *calls);

/* The callbacks with which site_convert_content() restores and records each page's
 * Markdown results (n_all pages: site_all_pages), or NULL when m is NULL. */
const site_content_memo *memo_content(memo *m, site *s, size_t n_all);
/* How many pages' Markdown memo_content() restored. */
size_t memo_content_restored(const memo *m);

/* The callbacks with which search_write_files() restores and records the terms of each of
 * its n documents (one call per language: each call's own), and keeps in out the files the
 * last build wrote from the same contents (search_memo.keep); NULL when m is NULL. */
const search_memo *memo_search(memo *m, size_t n, output *out);
/* Records that search block file number `file` of the last memo_search() call, at path
 * (in the output), was written as id from the contents search.c named key (not 0), for the
 * next build's search_memo.keep. Any thread; m may be NULL. */
void memo_search_wrote(memo *m, const char *path, uint64_t key, size_t file,
                       const output_file_id *id);

/* Files a pass makes whole from inputs it hashes (the sitemap: sitemap_key()), kept as the
 * last build wrote them when made from the same key: memo_files_begin() gives the pass its
 * record's place, named kind; memo_files_keep() claims the last build's files of that key
 * in out (output_keep) and says whether every one of them was; when not, the pass makes
 * its files and hands each to memo_files_write(), which writes it (output_write_id)
 * unless it was claimed (the same key: the same bytes). Those two may run on a thread of
 * the pass's own: they only read the last build's cache. memo_files_end() records the
 * files for the next build and frees what f holds; it and memo_files_begin() on the main
 * thread, while no other thread adds records (begin before the pass's thread starts, end
 * after it was joined). m may be NULL (nothing kept). */
typedef struct memo_files {
    memo *m;
    size_t place;
    const char *kind;
    uint64_t key;
    output *out;
    const void *carried; /* the last build's record, to be taken as it was, or NULL */
    size_t carried_len;
    struct memo_file { /* the files kept or written, in order */
        char *path;
        output_file_id id;
        bool kept; /* claimed by memo_files_keep() */
    } * files;
    size_t n, cap;
} memo_files;
void memo_files_begin(memo *m, memo_files *f, const char *kind, output *out);
bool memo_files_keep(memo_files *f, uint64_t key);
bool memo_files_write(memo_files *f, const char *path, const void *data, size_t len, diag *d);
void memo_files_end(memo_files *f);
/* The generate hooks (plugin_run_generate), or the files they returned last time when
 * the plugins and what they read are unchanged. m may be NULL. */
bool memo_run_generate(memo *m, plugin_host *host, site *s, plugin_output **outs, size_t *n,
                       arena *a, diag *d);

/* Before the render pass: the renders of the last build can be used when they were made
 * by the same templates, plugins and program (-v says when not); n_outputs places are
 * kept for this build's. */
void memo_start_renders(memo *m, const template_set *ts, const plugin_host *host, size_t n_outputs);
/* Output i (o), to be rendered with template_name: when its last render used the same
 * template and everything it read is unchanged (deps_check, with the worker's deps_memo
 * and scratch arena), the last build's file is kept in the output (output_keep) and true
 * comes back: no render. */
bool memo_keep_render(memo *m, size_t i, const site_output *o, const char *template_name,
                      output *out, deps_memo *dm, arena *scratch, diag *d);
/* Gives every worker's memo (memos[0..workers)) the deep hash of each page's map, made
 * once on the pool: the render pass logs and checks reads through pages by it (deps.h:
 * anchors), and each worker would else hash every page it meets itself. At 10,000 pages
 * about 0.16 s of CPU, against 0.31 s saved in checking a body edit's renders. Each
 * page's ctx_hash is set to it too (page.h). Nothing when m is NULL. */
void memo_hash_pages(const memo *m, page *const *pages, size_t n, deps_memo **memos,
                     size_t workers);
/* Records output i's render: the file written (id), the template and what it read (log). */
void memo_put_render(memo *m, size_t i, const char *path, const output_file_id *id,
                     const char *template_name, const deps_log *log);

/* Right before the commit: the output's files (and, for an update, those of the last
 * build, so that the commit removes what is gone) and the record of this build's inputs
 * with its figures and diagnostics so far. */
void memo_before_commit(memo *m, output *out, const site *s, const build_stats *st, arena *a,
                        diag *d);
/* After the commit: this build's records become the cache (the file, or opt->memory);
 * after a failed commit of an update the cache is dropped, so the next build is full. */
void memo_after_commit(memo *m, bool committed);

/* Frees m; with opt->memory, hands the last good cache back to it. NULL is a no-op. */
void memo_close(memo *m);

#endif
