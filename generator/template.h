/* SPDX-License-Identifier: MIT
 * template.h - Jinja2/Tera-style templates: compile theme files once into an immutable
 * tree, link them (extends, include, import), then render pages from any number of
 * threads. The render pass. The language itself is documented in themes/README.md. */
#ifndef CLINFOLIO_TEMPLATE_H
#define CLINFOLIO_TEMPLATE_H

#include "arena.h"
#include "buf.h"
#include "deps.h"
#include "diag.h"
#include "value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A set of compiled templates that can refer to each other by name. Life cycle, in this
 * order and on one thread: template_set_new, then any mix of template_set_add_filter,
 * template_set_add and template_set_load_dir, then template_set_link once. After a
 * successful link the set is immutable: template_render may run on many threads at
 * once, and nothing may be added any more. */
typedef struct template_set template_set;

typedef struct template_options {
    /* The site's base URL, e.g. "https://example.org/sub/" (a missing final '/' is
     * added); used by the abs_url and rel_url filters. NULL means "/". */
    const char *base_url;
} template_options;

/* A new empty set. Everything it compiles lives in a (the build arena); the set is
 * freed with a. opt is copied. Never NULL. */
template_set *template_set_new(arena *a, const template_options *opt);

/* Compiles src[0..len) as the template `name` ("partials/head.html"); diagnostics name
 * diag_file ("themes/default/templates/partials/head.html"). Both strings are copied,
 * src is not kept. Autoescaping is on for names ending in .html, .htm and .xml. A name
 * added twice replaces the earlier template (a site can override a theme file).
 * Reports every syntax error of the file and returns false when there was one; the
 * broken template stays in the set so that links to it do not cascade into more
 * errors, but template_set_link will then fail. */
bool template_set_add(template_set *ts, const char *name, const char *src, size_t len,
                      const char *diag_file, diag *d);

/* Adds every *.html, *.xml, *.txt and *.json file under dir, recursively, in sorted
 * order, named by their path relative to dir ("partials/head.html"); diagnostics use
 * diag_dir + "/" + that name. Files and folders whose name starts with '.' and symbolic
 * links are skipped. Reports unreadable files and syntax errors and keeps going;
 * returns false if anything was reported. */
bool template_set_load_dir(template_set *ts, const char *dir, const char *diag_dir, diag *d);

/* Resolves what the templates refer to: extends, include and import targets, filters
 * and macro calls, reporting each missing one at its tag, and detects extends cycles.
 * Call after all adds and before any render. Returns false when it reported an error
 * or when some template failed to compile; the set must not be rendered then. */
bool template_set_link(template_set *ts, diag *d);

/* Whether a template of that name was added. */
bool template_set_has(const template_set *ts, const char *name);

/* A filter added by a plugin. input is NULL when the template value is undefined.
 * args is a VALUE_MAP: positional arguments under the keys "0", "1", ... and named
 * arguments under their names; undefined arguments are null. On success the filter
 * sets *out (NULL: undefined) to a value it allocated in scratch, or to input or an
 * argument, and returns true. On failure it reports at `at` and returns false, which
 * stops the render. The result is HTML-escaped on output unless followed by `| safe`.
 * The function is called from several render threads at once. */
typedef bool (*template_filter_fn)(value **out, const value *input, const value *args,
                                   arena *scratch, diag *d, src_pos at, void *payload);

/* Registers a filter under name (copied), replacing a built-in or earlier filter of the
 * same name. Filters are looked up by template_set_link, so this may come before or
 * after the templates that use the filter are added, but must come before the link. */
void template_set_add_filter(template_set *ts, const char *name, template_filter_fn fn,
                             void *payload);

/* What the set renders with: base_url, the name and text of every template added (in
 * order) and the names of the filters added from C (whose code the caller hashes), so
 * that a render logged with template_render_logged can be trusted again only by a set
 * of the same hash. */
uint64_t template_set_hash(const template_set *ts);

/* Renders the template `name` with the root variables ctx (a VALUE_MAP; NULL means
 * none) and appends the result to out. Temporary values go into scratch, which the
 * caller resets after the page. Safe to call from several threads at once on the same
 * linked set, each with its own out and scratch; the worst case needs about 1 MB of
 * stack (2 MB under ASan). On a runtime error (a filter applied to the wrong type,
 * division by zero, a missing template, more than 64 nested include/macro calls or
 * 1000 levels of nesting) reports it at the template position and returns false; out
 * then holds a partial page for the caller to discard with buf_free(). */
bool template_render(buf *out, const template_set *ts, const char *name, const value *ctx,
                     arena *scratch, diag *d);

/* Results of filters over lists of the root context that many renders of one build
 * compute alike (the `where` of every list page over all projects), kept for the renders
 * that follow on the same thread: values of the root context do not change while pages
 * render. One per render thread, freed after the pass. */
typedef struct template_cache template_cache;
/* The outputs of includes marked `cached` (themes/README.md), kept for the renders of one
 * pass, which share them: any thread may use them at once. */
typedef struct template_frags template_frags;
/* What the kept outputs of a pass of `renders` renders may take: 32 MiB, or 4 KiB a render
 * when that is more, so that every item of a site's lists is kept however large the site.
 * (A fixed 32 MiB kept 23,331 of 50,000 project cards, and each list page past them
 * rendered its cards anew: the tag pages took twice as long a page as at 10,000.) */
size_t template_frags_budget(size_t renders);
/* Kept outputs taking up to max_bytes (template_frags_budget); past it, no more are kept. */
template_frags *template_frags_new(size_t max_bytes);
void template_frags_free(template_frags *f);
/* frags: the pass's kept outputs, or NULL (cached includes then render every time). */
template_cache *template_cache_new(template_frags *frags);
void template_cache_free(template_cache *c);

/* template_render, logging into log (when not NULL) what the render read of ctx (deps.h):
 * every value found from ctx's keys that the output depends on, so that a later build
 * can tell without rendering whether the same template set would render the same bytes
 * from a new ctx. Filters must be pure functions of their input and arguments. With a
 * log, cache (when not NULL; the thread's own) keeps results of filters over ctx's lists
 * for the next renders. */
bool template_render_logged(buf *out, const template_set *ts, const char *name, const value *ctx,
                            arena *scratch, deps_log *log, template_cache *cache, diag *d);

#endif
