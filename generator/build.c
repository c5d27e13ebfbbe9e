/* SPDX-License-Identifier: MIT
 * build.c - the whole build, pass by pass: site model -> templates -> render on the
 * worker pool -> feed and sitemap -> static files -> commit (or abort). */
#include "build.h"

#include "arena.h"
#include "buf.h"
#include "cache.h"
#include "cite.h"
#include "facets.h"
#include "feed.h"
#include "fs.h"
#include "hash.h"
#include "i18n.h"
#include "links.h"
#include "media.h"
#include "memo.h"
#include "output.h"
#include "plugin.h"
#include "pool.h"
#include "profile.h"
#include "scan.h"
#include "schema.h"
#include "search.h"
#include "site.h"
#include "sitemap.h"
#include "template.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    buf *html;       /* one per worker: a page's HTML, grown once rather than per page */
    diag *d;
    /* incremental builds (memo.h; NULL for a check): each worker's log of reads and
     * memo of hashes, and how many outputs were kept rather than rendered */
    memo *m;
    deps_log *logs;
    deps_memo **memos;
    template_cache **caches; /* each worker's results of filters over the model */
    atomic_size_t kept;
    /* the fast render (build_options.first): while ready is set, each output rendered
     * anew goes to it; done marks the outputs rendered first, which the pool skips */
    void (*ready)(void *payload, const char *path, const char *html, size_t len);
    void *ready_payload;
    const unsigned char *done;
    profile *profile; /* build_options.profile */
} render_job;

/* A worker's HTML buffer up to this size is kept for its next page. */
#define RENDER_KEEP_BYTES (1024 * 1024)

static void
render_one(size_t i, size_t worker, void *payload)
{
    render_job *j = payload;
    if ((j->done && j->done[i]) || output_failed(j->out)) /* a write failed: the build fails */
        return;
    const site_output *o = &j->outputs[i];
    const char *name = NULL;
    for (size_t k = 0; k < 4 && o->templates[k]; k++)
        if (template_set_has(j->ts, o->templates[k])) {
            name = o->templates[k];
            break;
        }
    if (!name && o->optional)
        return;
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
    bool kept = memo_keep_render(j->m, i, o, name, j->out, j->memos[worker], scratch, j->d);
    arena_reset(scratch);
    if (kept) {
        atomic_fetch_add_explicit(&j->kept, 1, memory_order_relaxed);
        if (j->profile)
            profile_keep(j->profile, name);
        return;
    }
    double start = j->profile ? pool_now_ms() : 0;
    buf *html = &j->html[worker];
    buf_clear(html);
    char note[512];
    snprintf(note, sizeof note, "while rendering %s with %s", o->path, name);
    diag_set_context(o->origin, note);
    deps_log *log = j->m ? &j->logs[worker] : NULL;
    if (log)
        deps_log_reset(log);
    size_t reports = diag_thread_reports();
    bool ok =
        template_render_logged(html, j->ts, name, o->ctx, scratch, log, j->caches[worker], j->d);
    if (j->profile)
        profile_add_render(j->profile, name, o->path, pool_now_ms() - start);
    if (ok && html->len > FS_MAX_OUTPUT) { /* a runaway loop must not fill the disk */
        fs_report_too_large(j->d, o->origin, "output", html->len, FS_MAX_OUTPUT, "a rendered page");
        ok = false;
    }
    output_file_id id;
    if (ok)
        ok = output_write_id(j->out, o->path, html->ptr, html->len, &id, j->d);
    /* remembered unless the render said something: a skipped render would not say it */
    if (ok && log && !log->overflow && diag_thread_reports() == reports)
        memo_put_render(j->m, i, o->path, &id, name, log);
    if (ok && j->ready)
        j->ready(j->ready_payload, o->path, html->ptr, html->len);
    diag_set_context(SRC_NONE, NULL);
    if (html->cap > RENDER_KEEP_BYTES) /* a long list page's: not held for the rest */
        buf_free(html);
    arena_reset(scratch);
}

/* The fast render: the outputs of opt->first render on this thread, as worker 0, before
 * the pool renders the others; each rendered anew goes to opt->first_ready. Only when
 * nothing failed and no file was written yet, so that what the browser then loads
 * (stylesheets, images, other pages) is all in the served tree already. Returns the
 * outputs rendered (for the pool to skip), or NULL when none was. */
static unsigned char *
render_first(const build_options *opt, render_job *job, size_t n_outputs, output *out, diag *d)
{
    if (!opt->n_first || !opt->first_ready || diag_error_count(d) || output_fresh_count(out))
        return NULL;
    unsigned char *done = NULL;
    for (size_t i = 0; i < n_outputs; i++)
        for (size_t k = 0; k < opt->n_first; k++)
            if (strcmp(job->outputs[i].path, opt->first[k]) == 0) {
                if (!done)
                    done = xcalloc(n_outputs, 1);
                job->ready = opt->first_ready;
                job->ready_payload = opt->first_payload;
                render_one(i, 0, job);
                done[i] = 1;
                break;
            }
    job->ready = NULL;
    return done;
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

/* feed.xml of language lang ("en/feed.xml" for a language under /en/): its own pages,
 * not those listed in it for want of a translation. */
static bool
write_feed(const site *s, size_t lang, output *out, diag *d)
{
    const config *cfg = site_config(s);
    const config_language *g = &cfg->languages[lang];
    size_t n_pages;
    page *const *pages = site_pages_in(s, lang, &n_pages);
    feed_item *items = xcalloc(n_pages + 1, sizeof(feed_item));
    size_t n = 0;
    for (size_t i = 0; i < n_pages && n < cfg->feed_limit; i++) {
        const page *p = pages[i]; /* newest first already */
        if (!in_feed(cfg, p) || p->lang != lang)
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
    buf self = BUF_INIT, home = BUF_INIT, path = BUF_INIT;
    const char *dir = *g->path ? "/" : "";
    buf_printf(&path, "%s%sfeed.xml", g->path, dir);
    buf_printf(&self, "%s%s", cfg->base_url, path.ptr);
    buf_printf(&home, "%s%s%s", cfg->base_url, g->path, dir);
    feed_channel ch = {g->title, home.ptr, g->description, g->code, self.ptr, built->as.date, true};
    buf xml = BUF_INIT;
    bool ok =
        feed_write_rss(&xml, &ch, items, n, d) && output_write(out, path.ptr, xml.ptr, xml.len, d);
    buf_free(&xml);
    buf_free(&self);
    buf_free(&home);
    buf_free(&path);
    free(items);
    return ok;
}

/* A file of a memo_files pass (the sitemap, the facets), through memo_files_write(). */
static bool
emit_memo_files(void *ctx, const char *path, const char *data, size_t len, diag *d)
{
    return memo_files_write(ctx, path, data, len, d);
}

/* The versions of an output in every language (site_output.translations) that exist,
 * and x-default (the default language's), for the sitemap; none when it has only one. */
static void
sitemap_alternates(sitemap_url *u, const value *tr, arena *a)
{
    size_t n = 0;
    for (size_t k = 0; tr && k < tr->as.list.len; k++)
        n += !value_truthy(value_map_get(tr->as.list.items[k], "missing"));
    if (n < 2)
        return;
    sitemap_alternate *alts = arena_alloc(a, (n + 1) * sizeof(sitemap_alternate));
    for (size_t k = 0; k < tr->as.list.len; k++) {
        const value *t = tr->as.list.items[k];
        if (value_truthy(value_map_get(t, "missing")))
            continue;
        const char *href = value_str(value_map_get(t, "permalink"));
        if (k == 0) /* the default language's version stands for the others */
            alts[u->n_alternates++] = (sitemap_alternate){"x-default", href};
        alts[u->n_alternates++] = (sitemap_alternate){value_str(value_map_get(t, "lang")), href};
    }
    u->alternates = alts;
}

/* sitemap.xml, or over 50,000 URLs (or 50 MB) a sitemap index and sitemap-K.xml files;
 * those of the last build when made from the same URLs (files: begun, and ended after
 * this, by the main thread) */
static bool
write_sitemap(const site *s, memo_files *files, bool *kept, arena *a, diag *d)
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
        sitemap_alternates(u, outputs[i].translations, a);
        if (outputs[i].lastmod) {
            u->lastmod = outputs[i].lastmod->as.date;
            u->has_lastmod = true;
        }
    }
    sitemap_limits lim = {SITEMAP_MAX_URLS, SITEMAP_MAX_BYTES};
    const char *base_url = site_config(s)->base_url;
    *kept = memo_files_keep(files, sitemap_key(urls, n, &lim, base_url));
    bool ok = *kept || sitemap_write_files(urls, n, &lim, base_url, emit_memo_files, files, d);
    free(urls);
    return ok;
}

/* {====================================================================
 * the search index (search.h)
 * ===================================================================== */

/* The text of v at path ("team.name": the name of each item of team; lists are walked
 * through), appended to out, each piece on a line of its own. */
static void
append_key_text(buf *out, const value *v, const char *path, arena *a)
{
    if (!v)
        return;
    if (v->type == VALUE_LIST) {
        for (size_t i = 0; i < v->as.list.len; i++)
            append_key_text(out, v->as.list.items[i], path, a);
        return;
    }
    if (*path) {
        if (v->type != VALUE_MAP)
            return;
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        append_key_text(out, value_map_getn(v, path, len), dot ? dot + 1 : "", a);
        return;
    }
    if (v->type == VALUE_STRING || v->type == VALUE_NUMBER) {
        buf_puts(out, value_to_cstr(v, a));
        buf_putc(out, '\n');
    }
}

/* For a page that language lang lists untranslated: the names in lang of the declared
 * terms its key (a taxonomy) holds, so that its list's words find it ("Anesthesiology"
 * for a page of the Chinese site that says 麻醉科). */
static void
append_term_names(buf *out, const site *s, const value *ctx, const char *key, size_t lang)
{
    const value *v = value_map_get(ctx, key);
    size_t n = v && v->type == VALUE_LIST ? v->as.list.len : 1;
    for (size_t i = 0; v && i < n; i++) {
        const value *item = v->type == VALUE_LIST ? v->as.list.items[i] : v;
        const char *name =
            item->type == VALUE_STRING ? site_term_name(s, key, item->as.str.ptr, lang) : NULL;
        if (name && strcmp(name, item->as.str.ptr) != 0) {
            buf_puts(out, name);
            buf_putc(out, '\n');
        }
    }
}

/* The search index's files: written, and those made from a named contents (key) recorded
 * for the next build to keep (memo_search_wrote). */
typedef struct search_out {
    output *out;
    memo *m;
} search_out;

static bool
emit_search(void *payload, const char *path, const char *data, size_t len, uint64_t key,
            size_t file, diag *d)
{
    search_out *so = payload;
    output_file_id id;
    if (!output_write_id(so->out, path, data, len, &id, d))
        return false;
    if (key)
        memo_search_wrote(so->m, path, key, file, &id);
    return true;
}

/* The search documents of language lang's pages: each one's URL, title, section and source
 * made here, its texts by doc_texts() when the index reads them (search_fill). At 10,000
 * pages a one-page edit made every page's texts (16 ms) to find by their hashes the one
 * that changed: its search pass took 45 ms, 30 now. */
typedef struct docs_job {
    const site *s;
    size_t lang;
    page *const *pages;
    search_doc *docs;
    arena **arenas; /* one per worker */
    buf *meta;      /* one per worker */
} docs_job;

/* search_fill: document i's texts, the values of site.yaml's search.keys as the templates
 * see them (terms named in the page's language, and in lang) */
static void
doc_texts(size_t i, size_t worker, void *payload)
{
    const docs_job *j = payload;
    const config *cfg = site_config(j->s);
    const page *p = j->pages[i];
    arena *a = j->arenas[worker];
    buf *meta = &j->meta[worker];
    buf_clear(meta);
    for (size_t k = 0; k < cfg->n_search_keys; k++) {
        append_key_text(meta, p->ctx, cfg->search_keys[k], a);
        if (p->lang != j->lang)
            append_term_names(meta, j->s, p->ctx, cfg->search_keys[k], j->lang);
    }
    const char **metas = arena_alloc(a, sizeof *metas);
    metas[0] = meta->len ? arena_strndup(a, meta->ptr, meta->len) : "";
    search_doc *doc = &j->docs[i];
    /* a summary made from the first paragraph is the body's already */
    doc->summary = value_map_get(p->front, "summary") ? p->summary : NULL;
    doc->metas = metas;
    doc->n_metas = 1;
    doc->body_html = p->md.html;
    doc->body_hash = page_html_hash(p);
}

/* What a document is made from (search_doc.source): the page's value (its deep hash, which
 * covers its URL, title, section, summary, HTML and the search keys' values), the language
 * of the index and whether it is the page's own, and the memo's salt (site.yaml's search
 * keys and declared terms' names are in it); 0 when the build keeps no memo (no page
 * hashes). */
static uint64_t
doc_source(const page *p, size_t lang, uint64_t salt)
{
    if (!p->ctx_hash)
        return 0;
    uint64_t h = hash_u64(hash_u64(salt, p->ctx_hash), lang);
    return hash_u64(h, p->lang == lang) | 1;
}

/* search/<code>/ of language lang: the pages its lists show (newest first) */
static bool
write_search(const site *s, size_t lang, output *out, size_t workers, memo *m, diag *d)
{
    const config *cfg = site_config(s);
    size_t n;
    page *const *pages = site_pages_in(s, lang, &n);
    docs_job job = {s, lang, pages, xcalloc(n + 1, sizeof(search_doc)), NULL, NULL};
    job.arenas = xcalloc(workers, sizeof(arena *));
    job.meta = xcalloc(workers, sizeof(buf));
    for (size_t w = 0; w < workers; w++) {
        job.arenas[w] = arena_new();
        job.meta[w] = BUF_INIT;
    }
    uint64_t salt = memo_salt(m);
    for (size_t i = 0; i < n; i++) {
        const page *p = pages[i];
        job.docs[i] = (search_doc){.url = p->url,
                                   .title = p->title,
                                   .section = p->section,
                                   .source = doc_source(p, lang, salt)};
    }
    search_fill fill = {doc_texts, &job};
    const char *dir = arena_printf(job.arenas[0], "search/%s/", cfg->languages[lang].code);
    search_out so = {out, m};
    bool ok = search_write_files(job.docs, n, dir, workers, memo_search(m, n, out), &fill,
                                 emit_search, &so, d);
    for (size_t w = 0; w < workers; w++) {
        arena_free(job.arenas[w]);
        buf_free(&job.meta[w]);
    }
    free(job.arenas);
    free(job.meta);
    free(job.docs);
    return ok;
}

/* The early page hashes of language lang's projects (memo_hash_pages() made them: their
 * values but the contents and plugin data, LATE_KEYS, which the files do not show), in
 * the order of the projects' list, which is the language's pages'; *n of them (free()). */
static uint64_t *
facets_page_hashes(const site *s, size_t lang, size_t *n)
{
    size_t n_pages, k = 0;
    page *const *pages = site_pages_in(s, lang, &n_pages);
    uint64_t *early = xcalloc(n_pages + 1, sizeof *early);
    for (size_t i = 0; i < n_pages; i++)
        if (strcmp(pages[i]->section, FACETS_SECTION) == 0)
            early[k++] = pages[i]->early_hash;
    *n = k;
    return early;
}

/* A language's project list data files as the memo keeps them: index.json by facets_key()
 * of every project, and each rows-K.json by facets_rows_key() of its own projects, so
 * that an edit of one project's facts makes index.json and that project's rows file again,
 * not all of them (at 10,000 projects, fifty rows files: 27-28 ms of the side thread, whose
 * search pass beside it took 35-36 ms instead of 21) */
typedef struct facets_memo {
    memo_files index;
    memo_files *rows; /* n_rows of them */
    size_t n_rows;
} facets_memo;

/* facets/<code>/ of language lang: the project list's data files (facets.h), when the
 * language lists projects; each kept as it is when made from the same values (hashes: the
 * render pass's first worker's deps_memo, idle by now, knows the pages' hashes) */
static bool
write_facets(site *s, size_t lang, facets_memo *files, deps_memo *hashes, build_stats *st, diag *d)
{
    const config *cfg = site_config(s);
    const facets *f = site_facets(s, lang);
    const value *site_ctx = site_context_in(s, lang);
    if (!f || !value_len(value_map_get(site_ctx, "projects")))
        return true;
    arena *tmp = arena_new();
    const char *dir = facets_dir(cfg->languages[lang].code, tmp);
    size_t n = 0;
    uint64_t *early = files->index.m ? facets_page_hashes(s, lang, &n) : NULL;
    bool ok = true;
    st->facets_files += 1 + files->n_rows;
    if (early && memo_files_keep(&files->index, facets_key(site_ctx, early, n, hashes)))
        st->facets_kept++;
    else
        ok &= facets_write_index(f, dir, emit_memo_files, &files->index, d);
    for (size_t k = 0; k < files->n_rows; k++) {
        size_t first = k * FACETS_ROWS_PER_FILE;
        size_t count = early && first < n ? n - first : 0;
        if (count > FACETS_ROWS_PER_FILE)
            count = FACETS_ROWS_PER_FILE;
        if (count && memo_files_keep(&files->rows[k],
                                     facets_rows_key(site_ctx, early + first, count, k, hashes)))
            st->facets_kept++;
        else
            ok &= facets_write_rows(f, dir, k, emit_memo_files, &files->rows[k], d);
    }
    free(early);
    arena_free(tmp);
    return ok;
}

/* The sitemap and the facets, written on a thread of their own while the search index is
 * made on this one and the pool (at 10,000 pages 40 ms of a one-page edit's 1 s that had
 * the processors idle): both only read the model, and their paths are theirs alone
 * (sitemap*.xml, facets/), so which claims a path first cannot change. Their memo_files
 * are begun and ended on the main thread (side_begin(), side_end()). */
typedef struct side_writes {
    site *s;
    output *out;
    memo_files sitemap;
    facets_memo *facets; /* per language */
    deps_memo *hashes;   /* write_facets()'s */
    build_stats *st;     /* sitemap_kept, facets_files, facets_kept: written by side_main() */
    diag *d;
    pthread_t thread;
} side_writes;

static void *
side_main(void *payload)
{
    side_writes *w = payload;
    arena *a = arena_new(); /* the sitemap's alternates: the build's arena is main's */
    write_sitemap(w->s, &w->sitemap, &w->st->sitemap_kept, a, w->d);
    arena_free(a);
    for (size_t k = 0; k < site_config(w->s)->n_languages; k++)
        write_facets(w->s, k, &w->facets[k], w->hashes, w->st, w->d);
    return NULL;
}

static void
side_begin(side_writes *w, memo *m, arena *a)
{
    const config *cfg = site_config(w->s);
    memo_files_begin(m, &w->sitemap, "sitemap", w->out);
    w->facets = xcalloc(cfg->n_languages + 1, sizeof(facets_memo));
    for (size_t k = 0; k < cfg->n_languages; k++) {
        facets_memo *ff = &w->facets[k];
        const char *code = cfg->languages[k].code;
        const facets *f = site_facets(w->s, k);
        memo_files_begin(m, &ff->index, arena_printf(a, "facets/%s", code), w->out);
        ff->n_rows = f ? facets_rows_files(f) : 0;
        ff->rows = xcalloc(ff->n_rows + 1, sizeof(memo_files));
        for (size_t r = 0; r < ff->n_rows; r++)
            memo_files_begin(m, &ff->rows[r], arena_printf(a, "facets/%s/rows-%zu", code, r),
                             w->out);
    }
}

static void
side_end(side_writes *w)
{
    memo_files_end(&w->sitemap);
    for (size_t k = 0; k < site_config(w->s)->n_languages; k++) {
        facets_memo *ff = &w->facets[k];
        memo_files_end(&ff->index);
        for (size_t r = 0; r < ff->n_rows; r++)
            memo_files_end(&ff->rows[r]);
        free(ff->rows);
    }
    free(w->facets);
}

/* {====================================================================
 * build_site
 * ===================================================================== */

/* The arenas of the pages and of the render pass, freed on a thread of their own while the
 * output is committed and the cache saved (neither reads the model): at 10,000 pages a
 * one-page edit spent 9-10 ms freeing them after the save, on one thread. */
typedef struct release {
    arena **arenas;
    size_t n;
    pthread_t thread;
    bool started;
} release;

static void *
release_main(void *payload)
{
    release *r = payload;
    for (size_t i = 0; i < r->n; i++)
        arena_free(r->arenas[i]);
    return NULL;
}

/* Moves the page loads' and the renders' arenas (set to NULL) to r and starts freeing them;
 * when no thread can be made they stay where they were, freed with the rest. */
static void
release_start(release *r, arena **load_arenas, arena **scratch, size_t workers)
{
    r->arenas = xcalloc(2 * workers + 1, sizeof(arena *));
    for (size_t w = 0; w < workers; w++) {
        r->arenas[r->n++] = load_arenas[w];
        r->arenas[r->n++] = scratch[w];
    }
    r->started = pthread_create(&r->thread, NULL, release_main, r) == 0;
    for (size_t w = 0; r->started && w < workers; w++)
        load_arenas[w] = scratch[w] = NULL;
}

static void
release_end(release *r)
{
    if (r->started)
        pthread_join(r->thread, NULL);
    free(r->arenas);
}

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
    site *s;
    page *p;  /* the page being expanded */
    arena *a; /* its arena */
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

/* One shortcode call of page x->p: the built-in ref and figure (site.h), cite and
 * references (cite.h), else the plugins'. */
static bool
expand_call(buf *html, const shortcode_call *call, void *payload, diag *d)
{
    expand_ctx *x = payload;
    if (strcmp(call->name, "ref") == 0)
        return site_shortcode_ref(html, call, x->p, x->a, d);
    if (strcmp(call->name, "figure") == 0)
        return site_shortcode_figure(html, call, x->p, x->a, d);
    if (strcmp(call->name, "cite") == 0)
        return cite_shortcode(html, call, x->p, x->a, d);
    if (strcmp(call->name, "references") == 0)
        return cite_references_shortcode(html, call, x->p, d);
    return x->host ? plugin_shortcode(html, call, x->host, d) : no_shortcodes(html, call, NULL, d);
}

static bool
expand_page(shortcode_text *out, page *p, void *payload, arena *a, diag *d)
{
    expand_ctx *x = payload;
    if (x->host)
        plugin_set_page(x->host, site_context_in(x->s, p->lang), p->ctx); /* its language's */
    x->p = p;
    x->a = a;
    p->n_refs = p->n_cites = p->n_figures = 0; /* the calls of this build */
    p->references_placed = false;
    return shortcode_expand(out, p->body, p->body_len, p->path, p->body_line, expand_call, x, a, d);
}

/* The generate hooks (or what they returned last time for the same plugins and site):
 * pages to render join the site's outputs; files with content are written once the
 * output tree exists. */
static bool
add_generated(site *s, plugin_host *host, memo *m, plugin_output **files, size_t *n_files, arena *a,
              diag *d)
{
    *files = NULL;
    *n_files = 0;
    if (!host)
        return true;
    plugin_output *outs;
    size_t n;
    if (!memo_run_generate(m, host, s, &outs, &n, a, d))
        return false;
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
            size_t n_files, const media *md, arena *a, diag *d)
{
    const config *cfg = site_config(s);
    size_t n_media;
    const char *const *media_files_ = media_files(md, &n_media);
    const char **generated =
        arena_alloc(a, (n_files + n_media + cfg->n_languages + 2) * sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < n_media; i++) /* a bundle's files (images: their variants) */
        generated[n++] = media_files_[i];
    generated[n++] = "sitemap.xml";
    for (size_t k = 0; k < cfg->n_languages; k++) /* each language's feed (write_feed) */
        generated[n++] = *cfg->languages[k].path
                             ? arena_printf(a, "%s/feed.xml", cfg->languages[k].path)
                             : "feed.xml";
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
    output_options oo = {opt->out_dir, not_above, not_near, opt->force, opt->no_sync};
    output *o = update ? output_begin_update(&oo, d) : NULL;
    return o ? o : output_begin(&oo, d);
}

void
build_remove_temporaries(void)
{
    output_remove_temporaries();
    cache_remove_temporaries();
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
    plugin_closing *closing = NULL; /* host, once no plugin is called */
    media *md = NULL;
    bool ok = false;
    memo *m = NULL;
    deps_log *logs = xcalloc(workers, sizeof(deps_log));
    deps_log *site_logs = xcalloc(workers, sizeof(deps_log)); /* their reads of `site` */
    deps_memo **memos = xcalloc(workers, sizeof(deps_memo *));
    template_cache **caches = xcalloc(workers, sizeof(template_cache *)); /* while rendering */
    buf *html_bufs = xcalloc(workers, sizeof(buf));
    for (size_t w = 0; w < workers; w++)
        html_bufs[w] = BUF_INIT;
    template_frags *frags = NULL;
    for (size_t w = 0; w < workers; w++) {
        memos[w] = deps_memo_new();
        deps_log_init(&logs[w], memos[w]);
        deps_log_init(&site_logs[w], memos[w]);
        deps_log_split(&logs[w], &site_logs[w], "site"); /* sitereads.h */
    }
    build_stats st = {0};
    release freeing = {0};
    double t = pool_now_ms();
    fs_hold_root(opt->root); /* every input is read beneath it */

    /* site.yaml, the theme and its schema (the schema before the pages: they are checked
     * against it as they load); without a theme the pages are still loaded and checked,
     * so their errors come out in the same run */
    site *s = NULL;
    config site_cfg;
    if (!config_load(&site_cfg, opt->root, opt->base_url, a, d))
        goto done;
    const char *theme_name = NULL;
    const char *datadir = opt->datadir ? opt->datadir : CLINFOLIO_DATADIR;
    progress_pass(opt->progress, "loading pages");
    const char *theme = build_find_theme(&site_cfg, opt->root, datadir, &theme_name, a, d);
    m = memo_open(opt, &site_cfg, theme, datadir); /* what the last build remembered */
    /* nothing changed since the last build: its diagnostics again, and done */
    if (memo_unchanged(m, &st, a, d)) {
        ok = diag_error_count(d) == 0;
        if (stats)
            *stats = st;
        goto done;
    }
    const schema *sch = NULL;
    if (!schema_load(&sch, opt->root, theme, theme_name, a, d))
        goto done;
    value **i18n = i18n_load(&site_cfg, opt->root, theme, theme_name, a, d);
    if (!i18n)
        goto done;

    /* the model (site.h), pass by pass: the page files, their front matter, the rules,
     * the URLs, then the lists and the values templates see */
    site_options so = {
        opt->root, opt->drafts, opt->base_url,   workers,     load_arenas,
        &site_cfg, sch,         opt->check_only, opt->future, memo_loads(m, &site_cfg),
        i18n};
    s = site_new(&so, a, d);
    scan_source *sources;
    size_t n_sources;
    if (!s || !scan_content(opt->root, &site_cfg, memo_seen(m), &sources, &n_sources, a, d) ||
        !site_load_pages(s, sources, n_sources))
        goto model_failed;
    site_check_pages(s);
    site_assign_urls(s);
    if (!site_build_views(s))
        goto model_failed;
    if (!theme)
        goto done;
    const config *cfg = site_config(s);

    /* the output folder is checked (and its temporary tree made) before the long passes;
     * a check claims every path in a tree that is never written */
    out =
        opt->check_only ? output_begin_dry() : begin_output(opt, theme, memo_has_previous(m), a, d);
    if (!out)
        goto done;

    /* each page's featured image made responsive, and its bundle's files (media.h) */
    st.load_ms = pool_now_ms() - t;
    t = pool_now_ms();
    buf images_dir = BUF_INIT;
    if (!opt->check_only) { /* a check makes no image: no cache; else its parent first */
        cache_images_dir(&images_dir, opt->out_dir);
        char *slash = strrchr(images_dir.ptr, '/');
        *slash = '\0';
        mkdir(images_dir.ptr, 0755);
        *slash = '/';
    }
    media_options mo = {opt->root,        theme,   theme_name, arena_strdup(a, images_dir.ptr),
                        !opt->check_only, workers, load_arenas};
    buf_free(&images_dir);
    image_counts images = {0};
    progress_pass(opt->progress, "images");
    md = media_new(&mo, out, &images, a);
    if (!media_run(md, s, d))
        goto done;

    /* plugins read the model and publish data; then the pages' Markdown, with shortcodes */
    st.images_ms = pool_now_ms() - t;
    site_all_loaded(s, &st.files);
    st.files_kept = memo_loads_restored(m, &st.files_unread);
    st.rules_kept = memo_rules_restored(m);
    t = pool_now_ms();
    progress_pass(opt->progress, "plugins");
    plugin_paths paths = {opt->root, theme, theme_name, datadir, build_remove_temporaries};
    size_t n_pages;
    site_pages(s, &n_pages);
    /* the plugin limits site.yaml leaves out grow with the site (100,000 pages build with
     * the defaults); the host keeps this copy for the rest of the build */
    config *plugin_cfg = arena_alloc(a, sizeof *plugin_cfg);
    *plugin_cfg = *cfg;
    config_scale_plugin_limits(plugin_cfg, n_pages);
    host = plugin_host_new(plugin_cfg, &paths, a, d);
    plugin_host_set_profile(host, opt->profile);
    if (diag_error_count(d))
        goto done;
    if (host && !memo_run_plugins(m, host, s, workers, load_arenas, &st.plugins_kept, a, d))
        goto done;
    st.hooks_kept = memo_hooks_restored(m, &st.hook_calls);
    st.facts_kept = memo_facts_restored(m, &st.facts_calls);
    site_share_data(s);
    st.plugins_ms = pool_now_ms() - t;
    t = pool_now_ms();
    progress_pass(opt->progress, "markdown");
    expand_ctx x = {host, s, NULL, NULL};
    size_t n_all;
    page *const *all = site_all_pages(s, &n_all);
    if (!cite_load(all, n_all, cfg, opt->root, a, d)) /* main thread: libbtparse */
        goto done;
    if (!site_expand_content(s, expand_page, &x, d))
        goto done;
    /* the images of the bundles' Markdown and figure calls, then the Markdown itself: an
     * error in the one does not hide those of the other */
    double images_start = pool_now_ms();
    progress_pass(opt->progress, "images");
    media_run_content(md, s, d);
    progress_pass(opt->progress, "markdown");
    double images_ms = pool_now_ms() - images_start;
    st.images_ms += images_ms;
    st.images_made = atomic_load(&images.encoded);
    st.images_reused = atomic_load(&images.cached);
    if (!site_convert_content(s, memo_content(m, s, n_all), workers, load_arenas, d))
        goto done; /* the media pass's errors too */
    st.content_ms = pool_now_ms() - t - images_ms;
    st.markdown = n_all;
    st.markdown_kept = memo_content_restored(m);
    t = pool_now_ms();
    plugin_output *files;
    size_t n_files;
    if (!add_generated(s, host, m, &files, &n_files, a, d))
        goto done;
    check_links(s, opt->root, theme, files, n_files, md, a, d);

    /* templates, then every output on the pool */
    template_set *ts = load_templates(s, opt->root, theme, theme_name, host, a, d);
    if (!ts)
        goto done;
    size_t n_outputs;
    const site_output *outputs = site_outputs(s, &n_outputs);
    progress_pass(opt->progress, "rendering");
    output_reserve(out, n_outputs);
    memo_start_renders(m, ts, host, n_outputs);
    memo_hash_pages(m, all, n_all, memos, workers);
    frags = template_frags_new(template_frags_budget(n_outputs));
    for (size_t w = 0; w < workers; w++)
        caches[w] = template_cache_new(frags);
    render_job job = {outputs, ts,     out, scratch, html_bufs, d,    m,           logs,
                      memos,   caches, 0,   NULL,    NULL,      NULL, opt->profile};
    unsigned char *done = render_first(opt, &job, n_outputs, out, d);
    job.done = done;
    pool_run(workers, n_outputs, render_one, &job);
    free(done);
    for (size_t w = 0; w < workers; w++) { /* what they keep only serves this pass */
        template_cache_free(caches[w]);
        caches[w] = NULL;
    }
    template_frags_free(frags);
    frags = NULL;
    /* nothing calls a plugin after rendering (generated files and site.data are copies in
     * the build's arena): the Lua states' memory goes back before the search index, the
     * peak of a full build, is made; a build that updates the last one's output (an edit,
     * whose index is mostly kept) closes them on a thread of their own meanwhile instead
     * (at 10,000 pages 16 ms of a facts edit; done so in a clean build, its peak was 5%
     * higher) */
    if (memo_has_previous(m))
        closing = plugin_host_close_start(host);
    else
        plugin_host_free(host);
    host = NULL;
    st.kept = atomic_load(&job.kept);
    st.render_ms = pool_now_ms() - t;
    t = pool_now_ms();
    progress_pass(opt->progress, "writing");
    if (diag_error_count(d) == 0) {
        write_generated(files, n_files, out, d);
        for (size_t k = 0; k < cfg->n_languages; k++)
            write_feed(s, k, out, d);
        st.data_files = true;
        side_writes side = {.s = s, .out = out, .hashes = memos[0], .st = &st, .d = d};
        side_begin(&side, m, a);
        bool side_thread = pthread_create(&side.thread, NULL, side_main, &side) == 0;
        if (!side_thread)
            side_main(&side);
        double search_start = pool_now_ms();
        for (size_t k = 0; k < cfg->n_languages && cfg->search_enabled; k++) {
            progress_pass(opt->progress, "search index");
            write_search(s, k, out, workers, m, d);
        }
        progress_pass(opt->progress, "writing");
        st.search_ms = pool_now_ms() - search_start;
        if (side_thread)
            pthread_join(side.thread, NULL);
        side_end(&side); /* the cache's records: the main thread's */
        copy_static(opt->root, theme, theme_name, out, a, d);
    }
    st.pages = n_pages;
    st.outputs = n_outputs + n_files + 2;
    st.renders = n_outputs;
    if (diag_error_count(d) == 0) {
        memo_before_commit(m, out, s, &st, a, d);
        plugin_host_close_end(closing); /* before the model goes: Lua has pointers into it */
        closing = NULL;
        if (!opt->report) /* `check` reads the model after the build */
            release_start(&freeing, load_arenas, scratch, workers);
        ok = output_commit_status(out, &st.unchanged, d);
        out = NULL;
        if (ok && opt->committed)
            opt->committed(opt->committed_payload);
        memo_after_commit(m, ok);
    }
    st.finish_ms = pool_now_ms() - t;
    if (stats)
        *stats = st;
    goto done;
model_failed: /* no model to report on (check) or to free but its tables */
    site_free(s);
    s = NULL;
done:
    release_end(&freeing);
    if (opt->report && s)
        check_report_collect(opt->report, s);
    output_abort(out);
    media_free(md);
    plugin_host_free(host); /* before the arenas: Lua holds pointers into the model */
    plugin_host_close_end(closing);
    memo_close(m);
    for (size_t w = 0; w < workers; w++) {
        deps_log_free(&logs[w]);
        deps_log_free(&site_logs[w]);
        deps_memo_free(memos[w]);
        template_cache_free(caches[w]);
    }
    template_frags_free(frags);
    free(logs);
    free(site_logs);
    free(memos);
    free(caches);
    for (size_t w = 0; w < workers; w++)
        buf_free(&html_bufs[w]);
    free(html_bufs);
    site_free(s);
    for (size_t w = 0; w < workers; w++) {
        arena_free(load_arenas[w]);
        arena_free(scratch[w]);
    }
    free(load_arenas);
    free(scratch);
    arena_free(a);
    fs_release_root(opt->root);
    return ok && diag_error_count(d) == 0;
}

void
build_stats_print_times(FILE *f, const build_stats *st)
{
    fprintf(f,
            "ms: load %.0f, images %.0f, plugins %.0f, markdown %.0f, render %.0f, "
            "feed/sitemap/search/static/commit %.0f (search %.0f)\n",
            st->load_ms, st->images_ms, st->plugins_ms, st->content_ms, st->render_ms,
            st->finish_ms, st->search_ms);
}
