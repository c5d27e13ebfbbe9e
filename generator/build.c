/* SPDX-License-Identifier: MIT
 * build.c - the whole build, pass by pass: site model -> templates -> render on the
 * worker pool -> feed and sitemap -> static files -> commit (or abort). */
#include "build.h"

#include "arena.h"
#include "buf.h"
#include "cache.h"
#include "deps.h"
#include "feed.h"
#include "fs.h"
#include "hash.h"
#include "inputs.h"
#include "links.h"
#include "output.h"
#include "plugin.h"
#include "pool.h"
#include "schema.h"
#include "serial.h"
#include "site.h"
#include "sitemap.h"
#include "template.h"
#include "xalloc.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef CLINFOLIO_DATADIR
#define CLINFOLIO_DATADIR "/usr/local/share/clinfolio"
#endif

const char *
build_default_datadir(void)
{
    return CLINFOLIO_DATADIR;
}

const char *
build_find_theme(const config *cfg, const char *root, const char *datadir, const char **diag_name,
                 arena *a, diag *d)
{
    if (!datadir)
        datadir = CLINFOLIO_DATADIR;
    const char *rel = arena_printf(a, "themes/%s", cfg->theme);
    buf dir = BUF_INIT;
    fs_join(&dir, root, rel);
    const char *found = NULL;
    fs_kind kind = fs_kind_of(dir.ptr);
    if (kind == FS_SYMLINK) {
        /* said once here, not once per template that cannot be read through it */
        diag_report(d, DIAG_ERROR, SRC_POS(rel, 0, 0),
                    "symbolic link not followed (a theme must be a real folder)");
    } else if (kind == FS_DIR) {
        found = arena_strdup(a, dir.ptr);
        *diag_name = rel;
    } else {
        const char *installed = arena_printf(a, "%s/%s", datadir, rel);
        if (fs_is_dir(installed))
            found = *diag_name = installed;
        else
            diag_report(d, DIAG_ERROR, SRC_POS(cfg->file, 0, 0),
                        "theme '%s' not found: no folder themes/%s here or in %s/themes",
                        cfg->theme, cfg->theme, datadir);
    }
    buf_free(&dir);
    return found;
}

/* Theme templates first, then the site's own templates/ folder, whose files replace
 * the theme's of the same name (as Hugo's layouts/ does); then the plugins' filters. */
static template_set *
load_templates(const site *s, const char *root, const char *theme, const char *theme_name,
               plugin_host *host, arena *a, diag *d)
{
    const config *cfg = site_config(s);
    template_set *ts = template_set_new(a, &(template_options){cfg->base_url});
    buf dir = BUF_INIT;
    fs_join(&dir, theme, "templates");
    const char *diag_dir = arena_printf(a, "%s/templates", theme_name);
    bool ok = true;
    if (fs_is_dir(dir.ptr)) {
        ok = template_set_load_dir(ts, dir.ptr, diag_dir, d);
    } else {
        diag_report(d, DIAG_ERROR, SRC_POS(cfg->file, 0, 0), "theme '%s' has no folder %s",
                    cfg->theme, diag_dir);
        ok = false;
    }
    buf_clear(&dir);
    fs_join(&dir, root, "templates");
    if (fs_is_dir(dir.ptr))
        ok &= template_set_load_dir(ts, dir.ptr, "templates", d);
    buf_free(&dir);
    if (host)
        plugin_add_filters(host, ts);
    if (!ok || !template_set_link(ts, d))
        return NULL;
    return ts;
}

/* {====================================================================
 * render: every output on the pool, each worker with a scratch arena
 * ===================================================================== */

typedef struct render_job {
    const site_output *outputs;
    const template_set *ts;
    output *out;
    arena **scratch; /* one per worker, reset after every page */
    diag *d;
    /* incremental builds: the previous build's cache when its renders were made by the
     * same templates, plugins and program (else NULL: render everything); this build's
     * records, one slot per output; each worker's log and memo */
    const cache *prev;
    cache_next *next;
    size_t first_slot; /* next's place for output 0 */
    deps_log *logs;
    deps_memo **memos;
    atomic_size_t kept;
} render_job;

/* A render's record: "render/<path>" -> the identity of the file it wrote (5 u64) and
 * what it read (deps.h). */
static void
render_key(buf *key, const char *path)
{
    buf_clear(key);
    buf_printf(key, "render/%s", path);
}

static void
put_render(render_job *j, size_t i, const char *key, const output_file_id *id, const void *deps,
           size_t len)
{
    buf rec = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    uint64_t f[] = {id->dev, id->ino, id->size, (uint64_t)id->mtime_sec, (uint64_t)id->mtime_nsec};
    for (size_t k = 0; k < 5; k++)
        serial_put_u64(&w, f[k]);
    buf_append(&rec, deps, len);
    cache_next_put_slot(j->next, j->first_slot + i, key, &rec);
    buf_free(&rec);
}

/* The previous build's file for o, when its render read values that are all still the
 * same: kept instead of rendered again. */
static bool
keep_previous(render_job *j, size_t i, size_t worker, const char *key)
{
    const site_output *o = &j->outputs[i];
    size_t len;
    const void *data = cache_get(j->prev, key, &len);
    serial_reader r = SERIAL_READER(data, len);
    uint64_t f[5];
    for (size_t k = 0; k < 5; k++)
        f[k] = serial_get_u64(&r);
    if (!data || !r.ok ||
        !deps_check(r.p, (size_t)(r.end - r.p), o->ctx, j->memos[worker], j->scratch[worker]))
        return false;
    output_file_id want = {f[0], f[1], f[2], (int64_t)f[3], (int64_t)f[4]}, got;
    if (!output_keep(j->out, o->path, &want, &got, j->d))
        return false;
    put_render(j, i, key, &got, r.p, (size_t)(r.end - r.p));
    atomic_fetch_add_explicit(&j->kept, 1, memory_order_relaxed);
    return true;
}

static void
render_one(size_t i, size_t worker, void *payload)
{
    render_job *j = payload;
    const site_output *o = &j->outputs[i];
    const char *name = NULL;
    for (size_t k = 0; k < 4 && o->templates[k]; k++)
        if (template_set_has(j->ts, o->templates[k])) {
            name = o->templates[k];
            break;
        }
    if (!name) {
        buf tried = BUF_INIT;
        for (size_t k = 0; k < 4 && o->templates[k]; k++)
            buf_printf(&tried, "%s%s", k ? ", " : "", o->templates[k]);
        diag_report(j->d, DIAG_ERROR, o->origin, "template not found for %s (looked for %s)",
                    o->path, tried.ptr);
        buf_free(&tried);
        return;
    }
    arena *scratch = j->scratch[worker];
    buf key = BUF_INIT;
    render_key(&key, o->path);
    bool kept = j->prev && keep_previous(j, i, worker, key.ptr);
    arena_reset(scratch);
    if (kept) {
        buf_free(&key);
        return;
    }
    buf html = BUF_INIT;
    char note[512];
    snprintf(note, sizeof note, "while rendering %s with %s", o->path, name);
    diag_set_context(o->origin, note);
    deps_log *log = j->next ? &j->logs[worker] : NULL;
    if (log)
        deps_log_reset(log);
    size_t reports = diag_thread_reports();
    bool ok = template_render_logged(&html, j->ts, name, o->ctx, scratch, log, j->d);
    if (ok && html.len > FS_MAX_OUTPUT) { /* a runaway loop must not fill the disk */
        fs_report_too_large(j->d, o->origin, "output", html.len, FS_MAX_OUTPUT, "a rendered page");
        ok = false;
    }
    output_file_id id;
    if (ok)
        ok = output_write_id(j->out, o->path, html.ptr, html.len, &id, j->d);
    /* remembered unless the render said something: a skipped render would not say it */
    if (ok && log && !log->overflow && diag_thread_reports() == reports)
        put_render(j, i, key.ptr, &id, log->data.ptr, log->data.len);
    diag_set_context(SRC_NONE, NULL);
    buf_free(&key);
    buf_free(&html);
    arena_reset(scratch);
}

/* {====================================================================
 * the cache of renders (incremental builds)
 * ===================================================================== */

/* This program's own bytes: another build of clinfolio may render differently. Read once
 * per process (main thread). */
static uint64_t
program_hash(void)
{
    static uint64_t h;
    static bool done;
    if (done)
        return h;
    done = true;
    h = hash_str(0, CLINFOLIO_VERSION);
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    char block[65536];
    ssize_t k;
    while (fd >= 0 && (k = read(fd, block, sizeof block)) > 0)
        h = hash_bytes(h, block, (size_t)k);
    if (fd >= 0)
        close(fd);
    return h;
}

/* What a render depends on besides the values it reads: the program, the templates and
 * the plugins (their filters). */
static uint64_t
render_fingerprint(const template_set *ts, const plugin_host *host)
{
    return hash_u64(hash_u64(program_hash(), template_set_hash(ts)), plugin_host_hash(host));
}

/* The last build's cache of out_dir, when it can be used. */
static cache *
load_cache(const build_options *opt, const char *path)
{
    if (opt->clean || opt->check_only)
        return NULL;
    const char *why = NULL;
    cache *c = cache_load(path, opt->out_dir, &why);
    if (!c && opt->cache_notes)
        fprintf(stderr, "clinfolio: cache %s not used (%s): everything is built afresh\n", path,
                why);
    return c;
}

/* The cache clinfolio serve keeps in memory, when it is still the output folder's. */
static cache *
take_memory(const build_options *opt)
{
    cache *c = *opt->memory;
    *opt->memory = NULL;
    if (!opt->clean && cache_still_for(c, opt->out_dir))
        return c;
    cache_free(c);
    return NULL;
}

/* The previous cache, for the renders, when they were made by this fingerprint. */
static const cache *
renders_of(const build_options *opt, const cache *prev, uint64_t fingerprint, cache_next *next)
{
    size_t len;
    const void *data = cache_get(prev, "render-fingerprint", &len);
    serial_reader r = SERIAL_READER(data, len);
    bool same = data && serial_get_u64(&r) == fingerprint && r.ok;
    if (prev && !same && opt->cache_notes)
        fprintf(stderr, "clinfolio: the templates, plugins or program changed: every page is "
                        "rendered\n");
    buf rec = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    serial_put_u64(&w, fingerprint);
    cache_next_put(next, "render-fingerprint", &rec);
    buf_free(&rec);
    return same ? prev : NULL;
}

/* A record of the last build used again as it was: into the next cache (slot, or a new
 * record when slot is SIZE_MAX). */
static void
carry_over(cache_next *next, size_t slot, const char *key, const void *data, size_t len)
{
    buf copy = BUF_INIT;
    buf_append(&copy, data, len);
    if (slot == SIZE_MAX)
        cache_next_put(next, key, &copy);
    else
        cache_next_put_slot(next, slot, key, &copy);
    buf_free(&copy);
}

/* {====================================================================
 * plugins: site_loaded and page hooks, or what they returned last time
 * ===================================================================== */

/* Everything the hooks see (the site value, every page's through it) and the plugins'
 * code: the same key, the same results. A fresh memo: the hooks change the maps. */
static uint64_t
plugins_key(const plugin_host *host, site *s)
{
    deps_memo *memo = deps_memo_new();
    uint64_t key = hash_u64(hash_u64(program_hash(), plugin_host_hash(host)),
                            deps_hash(site_context(s), DEPS_DEEP, memo));
    deps_memo_free(memo);
    return key;
}

/* The record "plugins": the key, site.data, each page's path and page.data, and what the
 * hooks reported. Restores them when the key matches; false leaves the model as it was. */
static bool
restore_plugins(const cache *prev, cache_next *next, uint64_t key, site *s, arena *a, diag *d)
{
    size_t len, n;
    const void *data = cache_get(prev, "plugins", &len);
    page *const *pages = site_pages(s, &n);
    serial_reader r = SERIAL_READER(data, len);
    if (!data || serial_get_u64(&r) != key || serial_get_varint(&r) != n)
        return false;
    value *site_data = serial_get_value(&r, a);
    value **page_data = xcalloc(n + 1, sizeof(value *));
    for (size_t i = 0; i < n && r.ok; i++) {
        const char *path = serial_get_str(&r, a);
        page_data[i] = serial_get_value(&r, a);
        if (!path || strcmp(path, pages[i]->path) != 0)
            r.ok = false;
    }
    diag *pd = diag_new();
    bool ok = r.ok && site_data && serial_get_diags(&r, pd, a) && r.p == r.end;
    if (ok) {
        value_map_set(site_context(s), "data", site_data, a);
        for (size_t i = 0; i < n; i++)
            if (page_data[i])
                value_map_set(pages[i]->ctx, "data", page_data[i], a);
        diag_merge(d, pd);
        if (next)
            carry_over(next, SIZE_MAX, "plugins", data, len);
    }
    diag_free(pd);
    free(page_data);
    return ok;
}

static void
remember_plugins(cache_next *next, uint64_t key, site *s, diag *pd)
{
    size_t n;
    page *const *pages = site_pages(s, &n);
    buf rec = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    serial_put_u64(&w, key);
    serial_put_varint(&w, n);
    serial_put_value(&w, value_map_get(site_context(s), "data"));
    for (size_t i = 0; i < n; i++) {
        serial_put_str(&w, pages[i]->path);
        serial_put_value(&w, value_map_get(pages[i]->ctx, "data"));
    }
    serial_put_diags(&w, pd);
    cache_next_put(next, "plugins", &rec);
    buf_free(&rec);
}

/* The site_loaded and page hooks (plugin.h), unless the last build ran them on the same
 * values with the same plugins: then their results and diagnostics are restored. */
static bool
run_plugins(plugin_host *host, site *s, size_t workers, arena **load_arenas, const cache *prev,
            cache_next *next, bool *restored, arena *a, diag *d)
{
    uint64_t key = prev || next ? plugins_key(host, s) : 0;
    *restored = prev && restore_plugins(prev, next, key, s, a, d);
    if (*restored)
        return true;
    size_t n;
    page *const *pages = site_pages(s, &n);
    diag *pd = diag_new(); /* the hooks' diagnostics, to be remembered */
    bool ok = plugin_run_site_hooks(host, site_context(s), pages, n, workers, load_arenas, pd);
    if (ok && next && diag_error_count(pd) == 0)
        remember_plugins(next, key, s, pd);
    diag_merge(d, pd);
    diag_free(pd);
    return ok;
}

/* {====================================================================
 * Markdown: each page's conversion, or what it gave last time (site_content_memo)
 * ===================================================================== */

typedef struct content_memo {
    const cache *prev;
    cache_next *next;
    size_t first_slot; /* next's place for page 0 */
    atomic_size_t recalled;
} content_memo;

/* "content/<path>" -> key, the HTML, the summary, the table of contents, the word count,
 * the links (destination, position, image) and the diagnostics. */
static bool
recall_content(void *payload, size_t i, page *p, uint64_t key, arena *a, diag *d)
{
    (void)i;
    content_memo *m = payload;
    buf name = BUF_INIT;
    buf_printf(&name, "content/%s", p->path);
    size_t len;
    const void *data = cache_get(m->prev, name.ptr, &len);
    serial_reader r = SERIAL_READER(data, len);
    if (!data || serial_get_u64(&r) != key) {
        buf_free(&name);
        return false;
    }
    size_t html_len;
    const char *html = serial_get_bytes(&r, &html_len);
    markdown_result md = {0};
    md.html = html ? arena_strndup(a, html, html_len) : NULL;
    const char *summary = serial_get_str(&r, a);
    md.toc = serial_get_value(&r, a);
    md.word_count = serial_get_varint(&r);
    md.n_links = serial_get_varint(&r);
    if (!r.ok || md.n_links > len) {
        buf_free(&name);
        return false;
    }
    md.links = arena_alloc(a, (md.n_links + 1) * sizeof(markdown_link));
    for (size_t k = 0; k < md.n_links && r.ok; k++) {
        md.links[k].dest = serial_get_str(&r, a);
        md.links[k].at = serial_get_pos(&r, a);
        md.links[k].image = serial_get_varint(&r) != 0;
        r.ok &= md.links[k].dest != NULL;
    }
    diag *pd = diag_new();
    bool ok = r.ok && md.html && summary && serial_get_diags(&r, pd, a) && r.p == r.end;
    if (ok) {
        p->md = md;
        p->summary = summary;
        diag_merge(d, pd);
        carry_over(m->next, m->first_slot + i, name.ptr, data, len); /* for the build after */
        atomic_fetch_add_explicit(&m->recalled, 1, memory_order_relaxed);
    }
    buf_free(&name);
    diag_free(pd);
    return ok;
}

static void
remember_content(void *payload, size_t i, const page *p, uint64_t key, diag *page_diags)
{
    content_memo *m = payload;
    buf rec = BUF_INIT, name = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    serial_put_u64(&w, key);
    serial_put_bytes(&w, p->md.html, strlen(p->md.html));
    serial_put_str(&w, p->summary);
    serial_put_value(&w, p->md.toc);
    serial_put_varint(&w, p->md.word_count);
    serial_put_varint(&w, p->md.n_links);
    for (size_t k = 0; k < p->md.n_links; k++) {
        serial_put_str(&w, p->md.links[k].dest);
        serial_put_pos(&w, p->md.links[k].at);
        serial_put_varint(&w, p->md.links[k].image);
    }
    serial_put_diags(&w, page_diags);
    buf_printf(&name, "content/%s", p->path);
    cache_next_put_slot(m->next, m->first_slot + i, name.ptr, &rec);
    buf_free(&name);
    buf_free(&rec);
}

/* {====================================================================
 * feed.xml and sitemap.xml
 * ===================================================================== */

static bool
in_feed(const config *cfg, const page *p)
{
    for (size_t i = 0; i < cfg->n_feed_sections; i++)
        if (strcmp(cfg->feed_sections[i], p->section) == 0)
            return true;
    return false;
}

static bool
write_feed(const site *s, output *out, diag *d)
{
    const config *cfg = site_config(s);
    size_t n_pages;
    page *const *pages = site_pages(s, &n_pages);
    feed_item *items = xcalloc(n_pages + 1, sizeof(feed_item));
    size_t n = 0;
    for (size_t i = 0; i < n_pages && n < cfg->feed_limit; i++) {
        const page *p = pages[i]; /* newest first already */
        if (!in_feed(cfg, p))
            continue;
        feed_item *it = &items[n++];
        it->title = p->title;
        it->link = p->permalink;
        it->description = p->summary;
        if (p->date) {
            it->date = p->date->as.date;
            it->has_date = true;
        }
    }
    const value *built = site_build_date(s);
    buf self = BUF_INIT;
    buf_printf(&self, "%sfeed.xml", cfg->base_url);
    feed_channel ch = {cfg->title,     cfg->base_url, cfg->description, cfg->language, self.ptr,
                       built->as.date, true};
    buf xml = BUF_INIT;
    bool ok = feed_write_rss(&xml, &ch, items, n, d) &&
              output_write(out, "feed.xml", xml.ptr, xml.len, d);
    buf_free(&xml);
    buf_free(&self);
    free(items);
    return ok;
}

static bool
emit_sitemap(void *ctx, const char *path, const char *data, size_t len, diag *d)
{
    return output_write(ctx, path, data, len, d);
}

/* sitemap.xml, or over 50,000 URLs (or 50 MB) a sitemap index and sitemap-K.xml files */
static bool
write_sitemap(const site *s, output *out, diag *d)
{
    size_t n_outputs;
    const site_output *outputs = site_outputs(s, &n_outputs);
    sitemap_url *urls = xcalloc(n_outputs + 1, sizeof(sitemap_url));
    size_t n = 0;
    for (size_t i = 0; i < n_outputs; i++) {
        if (!outputs[i].in_sitemap)
            continue;
        sitemap_url *u = &urls[n++];
        u->loc = outputs[i].permalink;
        if (outputs[i].lastmod) {
            u->lastmod = outputs[i].lastmod->as.date;
            u->has_lastmod = true;
        }
    }
    sitemap_limits lim = {SITEMAP_MAX_URLS, SITEMAP_MAX_BYTES};
    bool ok = sitemap_write_files(urls, n, &lim, site_config(s)->base_url, emit_sitemap, out, d);
    free(urls);
    return ok;
}

/* {====================================================================
 * build_site
 * ===================================================================== */

static bool
copy_static(const char *root, const char *theme, const char *theme_name, output *out, arena *a,
            diag *d)
{
    /* content first: the first copy of a path wins, so the site overrides the theme */
    buf path = BUF_INIT;
    fs_join(&path, root, "content/static");
    bool ok = output_copy_tree(out, path.ptr, "content/static", "", d);
    buf_clear(&path);
    fs_join(&path, theme, "static");
    ok &= output_copy_tree(out, path.ptr, arena_printf(a, "%s/static", theme_name), "", d);
    buf_free(&path);
    return ok;
}

/* {====================================================================
 * plugins: shortcodes and generated files
 * ===================================================================== */

typedef struct expand_ctx {
    plugin_host *host; /* NULL without plugins */
    const value *site_ctx;
} expand_ctx;

static bool
no_shortcodes(buf *html, const shortcode_call *call, void *payload, diag *d)
{
    (void)html;
    (void)payload;
    diag_report(d, DIAG_ERROR, call->at,
                "unknown shortcode '%s' (no plugins are listed in site.yaml; write \\{{ for "
                "a literal '{{')",
                call->name);
    return false;
}

static bool
expand_page(shortcode_text *out, page *p, void *payload, arena *a, diag *d)
{
    expand_ctx *x = payload;
    if (x->host)
        plugin_set_page(x->host, x->site_ctx, p->ctx);
    return shortcode_expand(out, p->body, p->body_len, p->path, p->body_line,
                            x->host ? plugin_shortcode : no_shortcodes, x->host, a, d);
}

/* What the generate hooks see: the plugins, the program and the site (with its pages'
 * contents unless with_content is false: then PLUGIN_CONTENT_KEYS are left out). */
static uint64_t
generate_key(const plugin_host *host, site *s, bool with_content)
{
    deps_memo *memo = deps_memo_new();
    const value *ctx = site_context(s);
    uint64_t h = hash_u64(hash_u64(program_hash(), plugin_host_hash(host)), with_content);
    h = hash_u64(h, with_content ? deps_hash(ctx, DEPS_DEEP, memo)
                                 : deps_hash_except(ctx, PLUGIN_CONTENT_KEYS, 2, memo));
    deps_memo_free(memo);
    return h;
}

/* The record "generate": whether the hooks read the pages' contents, the key
 * (generate_key), the files (path, content or template and page value, origin) and the
 * hooks' diagnostics. */
static bool
restore_generated(const cache *prev, cache_next *next, const plugin_host *host, site *s,
                  plugin_output **outs, size_t *n_outs, arena *a, diag *d)
{
    size_t len;
    const void *data = cache_get(prev, "generate", &len);
    serial_reader r = SERIAL_READER(data, len);
    bool with_content = serial_get_varint(&r) != 0;
    if (!data || !r.ok || serial_get_u64(&r) != generate_key(host, s, with_content))
        return false;
    size_t n = serial_get_varint(&r);
    if (!r.ok || n > len)
        return false;
    plugin_output *o = arena_zalloc(a, (n + 1) * sizeof(plugin_output));
    for (size_t i = 0; i < n && r.ok; i++) {
        o[i].path = serial_get_str(&r, a);
        const void *content = serial_get_bytes(&r, &o[i].content_len);
        bool has_content = serial_get_varint(&r) != 0;
        o[i].content = has_content && content ? arena_strndup(a, content, o[i].content_len) : NULL;
        o[i].template_name = serial_get_str(&r, a);
        o[i].data = serial_get_value(&r, a);
        o[i].origin = serial_get_pos(&r, a);
        r.ok &= o[i].path && (o[i].content || o[i].template_name);
    }
    diag *pd = diag_new();
    bool ok = r.ok && serial_get_diags(&r, pd, a) && r.p == r.end;
    if (ok) {
        diag_merge(d, pd);
        *outs = o;
        *n_outs = n;
        carry_over(next, SIZE_MAX, "generate", data, len);
    }
    diag_free(pd);
    return ok;
}

static void
remember_generated(cache_next *next, bool with_content, uint64_t key, const plugin_output *o,
                   size_t n, diag *pd)
{
    buf rec = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    serial_put_varint(&w, with_content);
    serial_put_u64(&w, key);
    serial_put_varint(&w, n);
    for (size_t i = 0; i < n; i++) {
        serial_put_str(&w, o[i].path);
        serial_put_bytes(&w, o[i].content ? o[i].content : "", o[i].content_len);
        serial_put_varint(&w, o[i].content != NULL);
        serial_put_str(&w, o[i].template_name);
        serial_put_value(&w, o[i].data);
        serial_put_pos(&w, o[i].origin);
    }
    serial_put_diags(&w, pd);
    cache_next_put(next, "generate", &rec);
    buf_free(&rec);
}

/* The generate hooks (or what they returned last time for the same plugins and site):
 * pages to render join the site's outputs; files with content are written once the
 * output tree exists. */
static bool
add_generated(site *s, plugin_host *host, const cache *prev, cache_next *next,
              plugin_output **files, size_t *n_files, arena *a, diag *d)
{
    *files = NULL;
    *n_files = 0;
    if (!host)
        return true;
    plugin_output *outs;
    size_t n;
    if (!(prev && restore_generated(prev, next, host, s, &outs, &n, a, d))) {
        diag *pd = diag_new();
        bool read_content;
        bool ran = plugin_run_generate(host, site_context(s), &outs, &n, &read_content, pd);
        if (ran && next && diag_error_count(pd) == 0)
            remember_generated(next, read_content, generate_key(host, s, read_content), outs, n,
                               pd);
        diag_merge(d, pd);
        diag_free(pd);
        if (!ran)
            return false;
    }
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        if (outs[i].template_name)
            ok &= site_add_output(s, outs[i].path, outs[i].template_name, outs[i].data,
                                  outs[i].origin);
    *files = outs;
    *n_files = n;
    return ok;
}

/* The links pass (links.h), once every output is known: the pages' and lists', the
 * plugins' files, the feed and the sitemap. */
static void
check_links(const site *s, const char *root, const char *theme, const plugin_output *files,
            size_t n_files, arena *a, diag *d)
{
    const char **generated = arena_alloc(a, (n_files + 2) * sizeof(char *));
    size_t n = 0;
    generated[n++] = "feed.xml";
    generated[n++] = "sitemap.xml";
    for (size_t i = 0; i < n_files; i++)
        if (files[i].content) /* those with a template are outputs of the site already */
            generated[n++] = files[i].path;
    links_files lf = {root, theme, generated, n};
    links_check(s, &lf, d);
}

static bool
write_generated(const plugin_output *files, size_t n, output *out, diag *d)
{
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        if (files[i].content)
            ok &= output_write(out, files[i].path, files[i].content, files[i].content_len, d);
    return ok;
}

/* {====================================================================
 * nothing changed: the inputs' fingerprint, the output's files
 * ===================================================================== */

/* Every input of the build by its files' metadata (inputs.h), the options and the
 * program: the same key, the same site. */
static uint64_t
inputs_key(const build_options *opt, const char *theme, const char *datadir)
{
    uint64_t h = hash_str(program_hash(), opt->base_url);
    h = hash_u64(h, (uint64_t)opt->drafts | (uint64_t)opt->future << 1);
    h = hash_str(h, getenv("SOURCE_DATE_EPOCH"));
    static const char *const rels[] = {"site.yaml", "schema.yaml", "content", "templates",
                                       "plugins"};
    buf path = BUF_INIT;
    for (size_t i = 0; i < sizeof rels / sizeof rels[0]; i++) {
        buf_clear(&path);
        fs_join(&path, opt->root, rels[i]);
        h = inputs_hash(h, path.ptr);
    }
    h = inputs_hash(h, theme ? theme : "");
    buf_clear(&path);
    fs_join(&path, datadir, "plugins");
    h = inputs_hash(h, path.ptr);
    buf_free(&path);
    return h;
}

/* The record "files": every file of the output with its identity after the commit. */
static void
remember_files(cache_next *next, const output_file *files, size_t n)
{
    buf rec = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    serial_put_varint(&w, n);
    for (size_t i = 0; i < n; i++) {
        const output_file_id *id = &files[i].id;
        serial_put_str(&w, files[i].path);
        uint64_t f[] = {id->dev, id->ino, id->size, (uint64_t)id->mtime_sec,
                        (uint64_t)id->mtime_nsec};
        for (size_t k = 0; k < 5; k++)
            serial_put_u64(&w, f[k]);
    }
    cache_next_put(next, "files", &rec);
    buf_free(&rec);
}

/* The paths of the record "files" (for output_set_previous_files), in a; false when
 * they cannot be read, or (check set) when a file is no longer what the record says. */
static bool
previous_files(const cache *prev, const char *out_dir, bool check, const char ***paths, size_t *n,
               arena *a)
{
    size_t len;
    const void *data = cache_get(prev, "files", &len);
    serial_reader r = SERIAL_READER(data, len);
    *n = serial_get_varint(&r);
    if (!data || !r.ok || *n > len)
        return false;
    *paths = arena_alloc(a, (*n + 1) * sizeof(char *));
    buf path = BUF_INIT;
    bool same = true;
    for (size_t i = 0; i < *n && r.ok && same; i++) {
        (*paths)[i] = serial_get_str(&r, a);
        uint64_t f[5];
        for (size_t k = 0; k < 5; k++)
            f[k] = serial_get_u64(&r);
        r.ok &= (*paths)[i] != NULL;
        struct stat st;
        if (check && r.ok) {
            buf_clear(&path);
            fs_join(&path, out_dir, (*paths)[i]);
            same = lstat(path.ptr, &st) == 0 && S_ISREG(st.st_mode) &&
                   (uint64_t)st.st_dev == f[0] && (uint64_t)st.st_ino == f[1] &&
                   (uint64_t)st.st_size == f[2] && st.st_mtim.tv_sec == (int64_t)f[3] &&
                   st.st_mtim.tv_nsec == (int64_t)f[4];
        }
    }
    buf_free(&path);
    return r.ok && same && r.p == r.end;
}

/* The record "inputs": the inputs' key, until when the clock cannot change the site
 * (site_valid_until), the build's figures and every diagnostic it reported. */
static void
remember_inputs(cache_next *next, uint64_t key, int64_t valid_until, const build_stats *st, diag *d)
{
    buf rec = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    serial_put_u64(&w, key);
    serial_put_u64(&w, (uint64_t)valid_until);
    size_t f[] = {st->pages, st->outputs, st->renders, st->markdown};
    for (size_t k = 0; k < 4; k++)
        serial_put_varint(&w, f[k]);
    serial_put_diags(&w, d);
    cache_next_put(next, "inputs", &rec);
    buf_free(&rec);
}

/* Whether the last build had the same inputs (by key), the clock has not passed a date
 * of the site since, and every file it wrote is still there as it wrote it: then its
 * diagnostics are reported again and its figures copied, and nothing else is to do. */
static bool
nothing_changed(const build_options *opt, const cache *prev, uint64_t key, build_stats *st,
                arena *a, diag *d)
{
    size_t len, n;
    const void *data = cache_get(prev, "inputs", &len);
    serial_reader r = SERIAL_READER(data, len);
    if (!data || serial_get_u64(&r) != key || (int64_t)serial_get_u64(&r) <= (int64_t)time(NULL))
        return false;
    size_t f[4];
    for (size_t k = 0; k < 4; k++)
        f[k] = serial_get_varint(&r);
    const char **paths;
    if (!r.ok || !previous_files(prev, opt->out_dir, true, &paths, &n, a))
        return false;
    diag *pd = diag_new();
    bool ok = serial_get_diags(&r, pd, a) && r.p == r.end;
    if (ok) {
        diag_merge(d, pd);
        *st = (build_stats){.pages = f[0],
                            .outputs = f[1],
                            .renders = f[2],
                            .kept = f[2],
                            .markdown = f[3],
                            .markdown_kept = f[3],
                            .plugins_kept = true,
                            .unchanged = true};
    }
    diag_free(pd);
    return ok;
}

/* Before the commit: the files of the output for the next build (and, for an update,
 * those of the previous build, for the commit to remove what is gone), and the inputs'
 * record with the diagnostics so far. */
static void
remember_output(const build_options *opt, const cache *prev, cache_next *next, output *out,
                uint64_t inputs, int64_t valid_until, const build_stats *st, arena *a, diag *d)
{
    const output_file *files;
    size_t n = output_files(out, &files);
    remember_files(next, files, n);
    const char **paths;
    if (prev && previous_files(prev, opt->out_dir, false, &paths, &n, a))
        output_set_previous_files(out, paths, n);
    remember_inputs(next, inputs, valid_until, st, d);
}

/* }==================================================================== */

/* Starts the output tree, keeping it away from the site's own folders: an update of
 * out_dir in place when the last build's cache can be used (incremental), else a new
 * tree to swap in. */
static output *
begin_output(const build_options *opt, const char *theme, bool update, arena *a, diag *d)
{
    const char *root = opt->root;
    const output_guard not_above[] = {{root, "the site folder"}, {NULL, NULL}};
    const output_guard not_near[] = {
        {arena_printf(a, "%s/content", root), "the site's content folder"},
        {arena_printf(a, "%s/themes", root), "the site's themes folder"},
        {arena_printf(a, "%s/templates", root), "the site's templates folder"},
        {arena_printf(a, "%s/plugins", root), "the site's plugins folder"},
        {theme, "the theme's folder"},
        {NULL, NULL},
    };
    output_options oo = {opt->out_dir, not_above, not_near, opt->force};
    output *o = update ? output_begin_update(&oo, d) : NULL;
    return o ? o : output_begin(&oo, d);
}

bool
build_site(const build_options *opt, build_stats *stats, diag *d)
{
    size_t workers = opt->workers ? opt->workers : pool_default_workers();
    arena *a = arena_new();
    arena **load_arenas = xcalloc(workers, sizeof(arena *));
    arena **scratch = xcalloc(workers, sizeof(arena *));
    for (size_t w = 0; w < workers; w++) {
        load_arenas[w] = arena_new();
        scratch[w] = arena_new();
    }
    output *out = NULL;
    plugin_host *host = NULL;
    bool ok = false;
    buf cache_file = BUF_INIT;
    cache *prev = NULL;
    cache_next *next = NULL;
    deps_log *logs = xcalloc(workers, sizeof(deps_log));
    deps_memo **memos = xcalloc(workers, sizeof(deps_memo *));
    for (size_t w = 0; w < workers; w++) {
        memos[w] = deps_memo_new();
        deps_log_init(&logs[w], memos[w]);
    }
    build_stats st = {0};
    double t = pool_now_ms();

    /* site.yaml, the theme and its schema (the schema before the pages: they are checked
     * against it as they load); without a theme the pages are still loaded and checked,
     * so their errors come out in the same run */
    site *s = NULL;
    config site_cfg;
    if (!config_load(&site_cfg, opt->root, opt->base_url, a, d))
        goto done;
    if (!opt->check_only) {
        cache_path(&cache_file, opt->out_dir);
        prev = opt->memory ? take_memory(opt) : load_cache(opt, cache_file.ptr);
        next = cache_next_new();
    }
    const char *theme_name = NULL;
    const char *datadir = opt->datadir ? opt->datadir : CLINFOLIO_DATADIR;
    progress_pass(opt->progress, "loading pages");
    const char *theme = build_find_theme(&site_cfg, opt->root, datadir, &theme_name, a, d);
    /* nothing changed since the last build: its diagnostics again, and done */
    uint64_t inputs = next && theme ? inputs_key(opt, theme, datadir) : 0;
    if (prev && theme && nothing_changed(opt, prev, inputs, &st, a, d)) {
        ok = diag_error_count(d) == 0;
        if (stats)
            *stats = st;
        goto done;
    }
    const schema *sch = NULL;
    if (!schema_load(&sch, opt->root, theme, theme_name, a, d))
        goto done;

    /* the model: every page's front matter */
    site_options so = {opt->root, opt->drafts, opt->base_url,   workers,    load_arenas,
                       &site_cfg, sch,         opt->check_only, opt->future};
    s = site_load(&so, a, d);
    if (!s || !theme)
        goto done;
    const config *cfg = site_config(s);

    /* the output folder is checked (and its temporary tree made) before the long passes;
     * a check claims every path in a tree that is never written */
    out = opt->check_only ? output_begin_dry() : begin_output(opt, theme, prev != NULL, a, d);
    if (!out)
        goto done;

    /* plugins read the model and publish data; then the pages' Markdown, with shortcodes */
    st.load_ms = pool_now_ms() - t;
    t = pool_now_ms();
    progress_pass(opt->progress, "plugins");
    plugin_paths paths = {opt->root, theme, theme_name, datadir, output_remove_temporaries};
    size_t n_pages;
    site_pages(s, &n_pages);
    /* the plugin limits site.yaml leaves out grow with the site (100,000 pages build with
     * the defaults); the host keeps this copy for the rest of the build */
    config *plugin_cfg = arena_alloc(a, sizeof *plugin_cfg);
    *plugin_cfg = *cfg;
    config_scale_plugin_limits(plugin_cfg, n_pages);
    host = plugin_host_new(plugin_cfg, &paths, a, d);
    if (diag_error_count(d))
        goto done;
    if (host && !run_plugins(host, s, workers, load_arenas, prev, next, &st.plugins_kept, a, d))
        goto done;
    st.plugins_ms = pool_now_ms() - t;
    t = pool_now_ms();
    progress_pass(opt->progress, "markdown");
    expand_ctx x = {host, site_context(s)};
    size_t n_all;
    site_all_pages(s, &n_all);
    content_memo cm = {prev, next, next ? cache_next_reserve(next, n_all) : 0, 0};
    deps_memo *raw_memo = deps_memo_new();
    site_content_memo memo = {recall_content, remember_content, &cm,
                              hash_u64(program_hash(), deps_hash(cfg->raw, DEPS_DEEP, raw_memo))};
    deps_memo_free(raw_memo);
    if (!site_render_content(s, expand_page, &x, next ? &memo : NULL, workers, load_arenas, d))
        goto done;
    st.content_ms = pool_now_ms() - t;
    st.markdown = n_all;
    st.markdown_kept = atomic_load(&cm.recalled);
    t = pool_now_ms();
    plugin_output *files;
    size_t n_files;
    if (!add_generated(s, host, prev, next, &files, &n_files, a, d))
        goto done;
    check_links(s, opt->root, theme, files, n_files, a, d);

    /* templates, then every output on the pool */
    template_set *ts = load_templates(s, opt->root, theme, theme_name, host, a, d);
    if (!ts)
        goto done;
    size_t n_outputs;
    const site_output *outputs = site_outputs(s, &n_outputs);
    progress_pass(opt->progress, "rendering");
    const cache *renders = NULL;
    size_t first_slot = 0;
    if (next) {
        renders = renders_of(opt, prev, render_fingerprint(ts, host), next);
        first_slot = cache_next_reserve(next, n_outputs);
    }
    render_job job = {outputs, ts, out, scratch, d, renders, next, first_slot, logs, memos, 0};
    pool_run(workers, n_outputs, render_one, &job);
    st.kept = atomic_load(&job.kept);
    st.render_ms = pool_now_ms() - t;
    t = pool_now_ms();
    progress_pass(opt->progress, "writing");
    if (diag_error_count(d) == 0) {
        write_generated(files, n_files, out, d);
        write_feed(s, out, d);
        write_sitemap(s, out, d);
        copy_static(opt->root, theme, theme_name, out, a, d);
    }
    st.pages = n_pages;
    st.outputs = n_outputs + n_files + 2;
    st.renders = n_outputs;
    if (diag_error_count(d) == 0) {
        if (next)
            remember_output(opt, prev, next, out, inputs, site_valid_until(s), &st, a, d);
        ok = output_commit_status(out, &st.unchanged, d);
        out = NULL;
        const char *why = NULL;
        if (ok && next && opt->memory) {
            *opt->memory = cache_next_take(next, opt->out_dir);
        } else if (ok && next && !cache_next_save(next, prev, cache_file.ptr, opt->out_dir, &why) &&
                   opt->cache_notes) {
            fprintf(stderr, "clinfolio: cache %s not written (%s)\n", cache_file.ptr, why);
        }
        if (!ok && prev) { /* an update that failed half-way: the next build is a full one */
            unlink(cache_file.ptr);
            cache_free(prev);
            prev = NULL;
        }
    }
    st.finish_ms = pool_now_ms() - t;
    if (stats)
        *stats = st;
done:
    if (opt->report && s)
        check_report_collect(opt->report, s);
    output_abort(out);
    plugin_host_free(host); /* before the arenas: Lua holds pointers into the model */
    cache_next_free(next);
    if (opt->memory && !*opt->memory) /* no new cache: the output is still as prev says */
        *opt->memory = prev;
    else
        cache_free(prev);
    buf_free(&cache_file);
    for (size_t w = 0; w < workers; w++) {
        deps_log_free(&logs[w]);
        deps_memo_free(memos[w]);
    }
    free(logs);
    free(memos);
    site_free(s);
    for (size_t w = 0; w < workers; w++) {
        arena_free(load_arenas[w]);
        arena_free(scratch[w]);
    }
    free(load_arenas);
    free(scratch);
    arena_free(a);
    return ok && diag_error_count(d) == 0;
}
