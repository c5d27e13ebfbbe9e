/* SPDX-License-Identifier: MIT
 * views.c - the end of pass 4 of the build, site_build_views() (site.h): in each language, the
 * sections and the taxonomies' terms, sorted, the values templates see (sitectx.c), and
 * the list of outputs, paginated lists among them; the generated pages the plugins add
 * later (site_add_output()). Works on the model that the passes before it made (site.c). */
#include "site_internal.h"

#include "buf.h"
#include "pool.h"
#include "scan.h"
#include "schema.h"
#include "text.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* {====================================================================
 * ordering
 * ===================================================================== */

static int
cmp_terms(const void *pa, const void *pb)
{
    const term *a = *(term *const *)pa, *b = *(term *const *)pb;
    int c = strcmp(a->name, b->name);
    return c ? c : strcmp(a->slug, b->slug);
}

static int
cmp_sections(const void *pa, const void *pb)
{
    return strcmp((*(section *const *)pa)->name, (*(section *const *)pb)->name);
}

/* {====================================================================
 * sections and taxonomies
 * ===================================================================== */

static section *
get_section(site *s, view *v, strtab *by_name, const char *name)
{
    section *sec = strtab_get(by_name, name);
    if (!sec) {
        sec = arena_zalloc(s->a, sizeof(section));
        sec->name = name;
        strtab_put(by_name, name, sec);
        size_t cap = v->n_sections; /* exact-size growth: few sections */
        section **n = arena_alloc(s->a, (cap + 1) * sizeof(section *));
        if (cap)
            memcpy(n, v->sections, cap * sizeof(section *));
        n[v->n_sections++] = sec;
        v->sections = n;
    }
    return sec;
}

/* A term that is not declared while its taxonomy declares some: a warning when it looks
 * like a misspelling of a declared name. */
static void
warn_undeclared(site *s, const taxonomy *tx, const char *name, src_pos at)
{
    const config_taxonomy *c = tx->cfg;
    const char **names = arena_alloc(s->a, (c->n_terms * s->cfg.n_languages + 1) * sizeof(char *));
    size_t n = 0;
    for (size_t k = 0; k < c->n_terms; k++)
        for (size_t g = 0; g < s->cfg.n_languages; g++)
            names[n++] = c->terms[k].names[g];
    const char *near = schema_suggest(name, strlen(name), names, n);
    if (near)
        diag_report(s->d, DIAG_WARNING, at,
                    "'%s' value '%s' is not one of the terms site.yaml declares; did you mean "
                    "'%s'?",
                    c->name, name, near);
}

static void
add_term(site *s, view *vw, taxonomy *tx, page *p, const value *v)
{
    if (v->type != VALUE_STRING && v->type != VALUE_NUMBER && v->type != VALUE_BOOL) {
        diag_report(s->d, DIAG_ERROR, v->pos, "'%s' must be text or a list of text, not %s",
                    tx->cfg->name, value_type_name(v->type));
        return;
    }
    /* the same text again (a cohort, a department): its term, without the slug made again */
    term *t = v->type == VALUE_STRING ? strtab_get(&tx->by_text, v->as.str.ptr) : NULL;
    if (t)
        goto add_page;
    const char *name = value_to_cstr(v, s->a);
    buf b = BUF_INIT;
    size_t nlen = strlen(name);
    const char *trimmed = text_trim(name, &nlen);
    text_slugify(&b, trimmed, nlen);
    if (b.len == 0) {
        buf_free(&b);
        if (nlen)
            diag_report(s->d, DIAG_WARNING, v->pos,
                        "'%s' value '%s' has no letters or digits; no term page made",
                        tx->cfg->name, name);
        return;
    }
    const config_term *decl = site_declared_term(s, (size_t)(tx->cfg - s->cfg.taxonomies), name);
    if (decl) { /* one term whatever its spelling, named in this language */
        buf_clear(&b);
        buf_puts(&b, decl->slug);
    } else if (tx->cfg->n_terms) {
        warn_undeclared(s, tx, name, v->pos);
    }
    t = strtab_get(&tx->by_slug, b.ptr);
    if (!t) {
        t = arena_zalloc(s->a, sizeof(term));
        t->name = decl ? decl->names[vw->lang] : arena_strndup(s->a, trimmed, nlen);
        t->declared = decl;
        t->slug = arena_strndup(s->a, b.ptr, b.len);
        const char *rel = arena_printf(s->a, "%s%s/%s/", vw->prefix, tx->cfg->path, t->slug);
        t->url = site_make_url(s, rel);
        t->permalink = site_make_permalink(s, rel);
        strtab_put(&tx->by_slug, t->slug, t);
        tx->terms = arena_grow(s->a, tx->terms, tx->n_terms, &tx->cap, sizeof(term *), 16);
        tx->terms[tx->n_terms++] = t;
    }
    buf_free(&b);
    if (v->type == VALUE_STRING && (decl || !tx->cfg->n_terms)) /* nothing to warn of */
        strtab_put(&tx->by_text, v->as.str.ptr, t);
add_page:
    if (t->n_pages && t->pages[t->n_pages - 1] == p)
        return; /* the same term twice on one page */
    t->pages = arena_grow(s->a, t->pages, t->n_pages, &t->cap, sizeof(page *), 16);
    t->pages[t->n_pages++] = p;
}

/* Asks for pages[i + PREFETCH_AHEAD] before a loop over pages in date order reaches it:
 * the page structures, 544 bytes each, come in scan order, so each step of such a loop
 * otherwise waits for memory. */
#define PREFETCH_AHEAD 8
static inline void
prefetch_page(page *const *pages, size_t n, size_t i)
{
    if (i + PREFETCH_AHEAD < n)
        __builtin_prefetch(pages[i + PREFETCH_AHEAD]);
}

/* The terms of v's pages, one taxonomy per job on the pool: each job walks the pages in
 * order and writes only its taxonomy and the worker's arena (through a copy of the site
 * whose arena is the worker's load arena, which lives as long as the model), so each
 * taxonomy takes its pages in order as one thread would, and its messages go to a list of
 * its own, added to the site's after the pool in taxonomy order (the same order for any
 * -j). At 10,000 pages the three taxonomies of the bench took 9 ms of a one-page edit on
 * one thread. A translation's terms are its original's (shared facts), so each is
 * reported once, in the default language's view. */
typedef struct taxonomy_job {
    site *sites; /* per worker */
    view *vw;
    diag **diags; /* per taxonomy (taxonomy_one) */
} taxonomy_job;

static void
taxonomy_one(size_t i, size_t worker, void *payload)
{
    taxonomy_job *j = payload;
    site own = j->sites[worker], *s = &own;
    s->d = j->diags[i];
    view *vw = j->vw;
    taxonomy *tx = &vw->taxonomies[i];
    for (size_t p = 0; p < vw->n_pages; p++) {
        prefetch_page(vw->pages, vw->n_pages, p);
        const value *v = vw->pages[p]->tax_values[i];
        if (!v || v->type == VALUE_NULL)
            continue;
        if (v->type == VALUE_LIST) {
            for (size_t k = 0; k < v->as.list.len; k++)
                add_term(s, vw, tx, vw->pages[p], v->as.list.items[k]);
        } else {
            add_term(s, vw, tx, vw->pages[p], v);
        }
    }
    strtab_free(&tx->by_slug); /* only needed while adding */
    strtab_free(&tx->by_text);
    if (tx->n_terms)
        qsort(tx->terms, tx->n_terms, sizeof(term *), cmp_terms);
}

/* One copy of s per worker, each allocating from its worker's arena (one copy, s's arena,
 * when there are no worker arenas: *workers is then 1). */
static site *
worker_sites(site *s, size_t *workers, arena **arenas)
{
    if (!arenas)
        *workers = 1;
    site *sites = xcalloc(*workers + 1, sizeof(site));
    for (size_t w = 0; w < *workers; w++) {
        sites[w] = *s;
        sites[w].a = arenas ? arenas[w] : s->a;
    }
    return sites;
}

static void
page_terms_one(size_t i, size_t worker, void *payload)
{
    taxonomy_job *j = payload;
    ctx_page_terms_of(&j->sites[worker], j->vw, i);
}

/* Each taxonomy's links in the pages' page.terms, one taxonomy per job (5 ms of a one-page
 * edit at 10,000 pages on one thread). */
static void
fill_page_terms(site *s, view *vw, size_t workers, arena **arenas)
{
    taxonomy_job j = {worker_sites(s, &workers, arenas), vw, NULL};
    pool_run(workers, s->cfg.n_taxonomies, page_terms_one, &j);
    free(j.sites);
}

static void
build_taxonomies(site *s, view *vw, size_t workers, arena **arenas)
{
    vw->taxonomies = arena_zalloc(s->a, (s->cfg.n_taxonomies + 1) * sizeof(taxonomy));
    diag *d = s->d;
    if (vw->lang) /* its messages were given for the default language */
        s->d = diag_new();
    size_t n_tax = s->cfg.n_taxonomies;
    for (size_t i = 0; i < n_tax; i++) {
        taxonomy *tx = &vw->taxonomies[i];
        tx->cfg = &s->cfg.taxonomies[i];
        const char *rel = arena_printf(s->a, "%s%s/", vw->prefix, tx->cfg->path);
        tx->url = site_make_url(s, rel);
        tx->permalink = site_make_permalink(s, rel);
    }
    taxonomy_job j = {worker_sites(s, &workers, arenas), vw, xcalloc(n_tax + 1, sizeof(diag *))};
    for (size_t i = 0; i < n_tax; i++)
        j.diags[i] = diag_new();
    pool_run(workers, n_tax, taxonomy_one, &j);
    for (size_t i = 0; i < n_tax; i++) {
        diag_merge(s->d, j.diags[i]);
        diag_free(j.diags[i]);
    }
    free(j.diags);
    free(j.sites);
    if (vw->lang) {
        diag_free(s->d);
        s->d = d;
    }
}

/* The project list's filters (facets.h): section.facets, counted over the whole list for
 * its template, and section.facets_url, the folder of the data files its script reads.
 * The count only reads the values (the pages', the lists of site_ctx) into an arena of its
 * own, so it runs on a thread of its own while build_outputs() makes the outputs, which
 * reads the same values and writes none of them (at 10,000 pages the count took 5-7 ms of
 * a one-page edit's serial model). */
typedef struct facets_run {
    site *s;
    view *v;
    section *sec; /* the projects' section; NULL: none in this language */
    pthread_t thread;
    bool threaded;
} facets_run;

static void *
facets_main(void *payload)
{
    facets_run *r = payload;
    r->v->facets = facets_count(r->v->site_ctx);
    return NULL;
}

static void
start_facets(facets_run *r, site *s, view *v)
{
    *r = (facets_run){s, v, NULL, 0, false};
    for (size_t i = 0; i < v->n_sections && !r->sec; i++)
        if (strcmp(v->sections[i]->name, FACETS_SECTION) == 0)
            r->sec = v->sections[i];
    if (r->sec)
        r->threaded = pthread_create(&r->thread, NULL, facets_main, r) == 0;
}

/* After build_outputs(): the count joined (or made here when no thread could be), and its
 * values set on the section (no output reads them before the renders). */
static void
end_facets(facets_run *r)
{
    if (!r->sec)
        return;
    if (r->threaded)
        pthread_join(r->thread, NULL);
    else
        facets_main(r);
    site *s = r->s;
    set(s, r->sec->ctx, "facets", facets_value(r->v->facets, s->a));
    set(s, r->sec->ctx, "facets_url",
        str_val(s, site_make_url(s, facets_dir(r->v->cfg->code, s->a))));
}

/* {====================================================================
 * outputs
 * ===================================================================== */

/* The output file path with its absolute URL. */
static void
put_output(site *s, const char *path, const char *permalink, const char *t0, const char *t1,
           const char *t2, value *ctx, src_pos origin, const value *lastmod, bool in_sitemap)
{
    const value *tr = value_map_get(ctx, "translations");
    s->outputs =
        arena_grow(s->a, s->outputs, s->n_outputs, &s->cap_outputs, sizeof(site_output), 16);
    site_output *o = &s->outputs[s->n_outputs++];
    memset(o, 0, sizeof *o);
    o->path = path;
    o->templates[0] = t0;
    o->templates[1] = t1;
    o->templates[2] = t2;
    o->ctx = ctx;
    o->origin = origin;
    o->permalink = permalink;
    o->lastmod = lastmod;
    o->in_sitemap = in_sitemap;
    o->translations = tr && tr->type == VALUE_LIST ? tr : NULL;
}

/* The output of rel_dir ("projects/", its index.html) or of a file ("404.html"). */
static void
add_output(site *s, const char *rel_dir, const char *t0, const char *t1, const char *t2, value *ctx,
           src_pos origin, const value *lastmod, bool in_sitemap)
{
    const char *path = *rel_dir && rel_dir[strlen(rel_dir) - 1] == '/'
                           ? arena_printf(s->a, "%sindex.html", rel_dir)
                           : rel_dir;
    put_output(s, path, site_make_permalink(s, strcmp(path, "index.html") == 0 ? "" : rel_dir), t0,
               t1, t2, ctx, origin, lastmod, in_sitemap);
}

/* The root variables of an output of view vw: site, `translations` (the same output in
 * every language) and key/v, key2/v2. */
static value *
root_ctx(site *s, const view *vw, value *translations, const char *key, value *v, const char *key2,
         value *v2)
{
    value *m = value_new_map(s->a, SRC_NONE);
    set(s, m, "site", vw->site_ctx);
    if (translations)
        set(s, m, "translations", translations);
    if (key)
        set(s, m, key, v);
    if (key2)
        set(s, m, key2, v2);
    return m;
}

/* The places of a list's pages k = 1..total: dirs[k] the output directory, rel_dir for
 * page 1 and rel_dir "page/<k>/" after it (Hugo's scheme; like Hugo's default, no page/1/
 * is written: page 1 is rel_dir itself), urls[k] its URL; each made once per list, not
 * once per neighbour that links to it. */
typedef struct pager {
    const char **dirs, **urls;
    size_t total;
} pager;

static pager
pager_of(site *s, const char *rel_dir, size_t total)
{
    pager pg = {arena_alloc(s->a, (total + 1) * sizeof(char *)),
                arena_alloc(s->a, (total + 1) * sizeof(char *)), total};
    for (size_t k = 1; k <= total; k++) {
        pg.dirs[k] = k == 1 ? rel_dir : arena_printf(s->a, "%spage/%zu/", rel_dir, k);
        pg.urls[k] = site_make_url(s, pg.dirs[k]);
    }
    return pg;
}

/* The paginator of page k (1-based) of pg over pages[0..n): its slice of the list and
 * the URLs of its neighbours ("" where there is none). */
static value *
paginator_ctx(site *s, const pager *pg, const char *permalink, page **pages, size_t n, size_t per,
              size_t k)
{
    value *m = value_new_map(s->a, SRC_NONE);
    size_t from = (k - 1) * per, to = from + per < n ? from + per : n;
    set(s, m, "pages", ctx_page_list(s, pages + from, to - from));
    set(s, m, "number", num_val(s, (double)k));
    set(s, m, "total", num_val(s, (double)pg->total));
    set(s, m, "count", num_val(s, (double)n));
    set(s, m, "url", str_val(s, pg->urls[k]));
    set(s, m, "permalink", str_val(s, permalink));
    set(s, m, "first_url", str_val(s, pg->urls[1]));
    set(s, m, "last_url", str_val(s, pg->urls[pg->total]));
    set(s, m, "prev_url", str_val(s, k > 1 ? pg->urls[k - 1] : ""));
    set(s, m, "next_url", str_val(s, k < pg->total ? pg->urls[k + 1] : ""));
    return m;
}

/* The list pages of a section or a term: pages[0..n) cut into cfg.paginate per page (one
 * page when paginate is 0 or the list fits), each with the root context of key/v and
 * key2/v2 plus "paginator". */
static void
add_paged_outputs(site *s, const view *vw, const char *rel, page **pages, size_t n, const char *t0,
                  const char *t1, const char *key, value *v, const char *key2, value *v2,
                  src_pos origin, const value *lastmod)
{
    size_t per = s->cfg.paginate && n > s->cfg.paginate ? s->cfg.paginate : (n ? n : 1);
    size_t total = n ? (n + per - 1) / per : 1;
    size_t prefix_len = strlen(vw->prefix);
    pager pg = pager_of(s, arena_printf(s->a, "%s%s", vw->prefix, rel), total);
    for (size_t k = 1; k <= total; k++) {
        /* the same list in the other languages: its directory without this view's prefix */
        value *tr = ctx_translations(s, vw->lang, ctx_list_rels(s, pg.dirs[k] + prefix_len), NULL);
        value *ctx = root_ctx(s, vw, tr, key, v, key2, v2);
        const char *permalink = site_make_permalink(s, pg.dirs[k]);
        set(s, ctx, "paginator", paginator_ctx(s, &pg, permalink, pages, n, per, k));
        put_output(s, arena_printf(s->a, "%sindex.html", pg.dirs[k]), permalink, t0, t1, NULL, ctx,
                   origin, lastmod, true);
    }
}

/* The outputs of language vw: its home, its pages, its lists. */
static void
build_outputs(site *s, view *vw)
{
    /* home */
    value *home = vw->home ? vw->home->ctx : NULL;
    if (!home) {
        home = value_new_map(s->a, SRC_NONE);
        set(s, home, "title", str_val(s, vw->cfg->title));
        set(s, home, "content", str_val(s, ""));
        set(s, home, "summary", str_val(s, vw->cfg->description));
        set(s, home, "lang", str_val(s, vw->cfg->code));
    }
    value *home_tr = ctx_translations(s, vw->lang, ctx_list_rels(s, ""), NULL);
    const char *home_permalink = site_make_permalink(s, vw->prefix);
    set(s, home, "kind", str_val(s, "home"));
    set(s, home, "url", str_val(s, site_make_url(s, vw->prefix)));
    set(s, home, "permalink", str_val(s, home_permalink));
    set(s, home, "translations", home_tr);
    /* "index.html" or "en/index.html" (add_output would take a prefix "" for a file) */
    put_output(s, arena_printf(s->a, "%sindex.html", vw->prefix), home_permalink, "index.html",
               NULL, NULL, root_ctx(s, vw, home_tr, "page", home, NULL, NULL),
               vw->home ? SRC_POS(vw->home->path, 1, 1) : SRC_POS("content", 0, 0), s->build_date,
               true);

    /* single pages: those written in this language (the others are in their own); each
     * section's "<section>/single.html" made once (the pages come in date order) */
    strtab singles = STRTAB_INIT;
    for (size_t i = 0; i < vw->n_pages; i++) {
        prefetch_page(vw->pages, vw->n_pages, i);
        page *p = vw->pages[i];
        if (p->lang != vw->lang)
            continue;
        const char *single = *p->section ? strtab_get(&singles, p->section) : NULL;
        if (*p->section && !single) {
            single = arena_printf(s->a, "%s/single.html", p->section);
            strtab_put(&singles, p->section, (void *)single);
        }
        value *tr = (value *)value_map_get(p->ctx, "translations");
        /* its path and URL as assign_urls() made them (a page's output is named by its
         * folder: "projects/x/index.html") */
        if (p->template_name)
            put_output(s, p->out_path, p->permalink, p->template_name, NULL, NULL,
                       root_ctx(s, vw, tr, "page", p->ctx, NULL, NULL), p->template_pos,
                       newest(p->date, p->updated), true);
        else
            put_output(s, p->out_path, p->permalink, single ? single : "page.html",
                       single ? "page.html" : NULL, NULL,
                       root_ctx(s, vw, tr, "page", p->ctx, NULL, NULL), SRC_POS(p->path, 1, 1),
                       newest(p->date, p->updated), true);
    }
    strtab_free(&singles);

    /* section lists */
    for (size_t i = 0; i < vw->n_sections; i++) {
        section *sec = vw->sections[i];
        if (!*sec->name)
            continue; /* top-level pages have no list */
        const char *rel = arena_printf(s->a, "%s/", sec->name);
        const value *lastmod = sec->n_pages ? sec->pages[0]->date : NULL;
        add_paged_outputs(s, vw, rel, sec->pages, sec->n_pages,
                          arena_printf(s->a, "%s/list.html", sec->name), "section.html", "section",
                          sec->ctx, NULL, NULL,
                          sec->index ? SRC_POS(sec->index->path, 1, 1)
                                     : SRC_POS(arena_printf(s->a, "content/%s", sec->name), 0, 0),
                          lastmod);
    }

    /* taxonomies and their terms */
    for (size_t i = 0; i < s->cfg.n_taxonomies; i++) {
        taxonomy *tx = &vw->taxonomies[i];
        const char *name = tx->cfg->name;
        src_pos origin = SRC_POS(s->cfg.file, 0, 0);
        const char *rel = arena_printf(s->a, "%s/", tx->cfg->path);
        value *tr = ctx_translations(s, vw->lang, ctx_list_rels(s, rel), NULL);
        add_output(s, arena_printf(s->a, "%s%s", vw->prefix, rel),
                   arena_printf(s->a, "%s/taxonomy.html", name), "taxonomy.html", NULL,
                   root_ctx(s, vw, tr, "taxonomy", tx->ctx, NULL, NULL), origin, NULL, true);
        for (size_t k = 0; k < tx->n_terms; k++) {
            term *t = tx->terms[k];
            add_paged_outputs(s, vw, arena_printf(s->a, "%s/%s/", tx->cfg->path, t->slug), t->pages,
                              t->n_pages, arena_printf(s->a, "%s/term.html", name), "term.html",
                              "taxonomy", tx->ctx, "term", t->ctx, origin,
                              t->n_pages ? t->pages[0]->date : NULL);
        }
    }
    /* search: rendered only when the theme has search.html */
    if (vw->search_page) {
        const char *rel = arena_printf(s->a, "%ssearch/", vw->prefix);
        value *sp = value_new_map(s->a, SRC_NONE);
        set(s, sp, "kind", str_val(s, "search"));
        set(s, sp, "content", str_val(s, ""));
        set(s, sp, "url", str_val(s, site_make_url(s, rel)));
        set(s, sp, "permalink", str_val(s, site_make_permalink(s, rel)));
        set(s, sp, "lang", str_val(s, vw->cfg->code));
        value *tr = ctx_translations(s, vw->lang, ctx_list_rels(s, "search/"), NULL);
        set(s, sp, "translations", tr);
        add_output(s, rel, "search.html", NULL, NULL, root_ctx(s, vw, tr, "page", sp, NULL, NULL),
                   SRC_POS(s->cfg.file, 0, 0), NULL, false);
        s->outputs[s->n_outputs - 1].optional = true;
    }
    if (vw->lang)
        return;

    /* 404: one, in the default language */
    value *nf = value_new_map(s->a, SRC_NONE);
    set(s, nf, "title", str_val(s, "Page not found"));
    set(s, nf, "kind", str_val(s, "404"));
    set(s, nf, "content", str_val(s, ""));
    set(s, nf, "url", str_val(s, site_make_url(s, "404.html")));
    add_output(s, "404.html", "404.html", NULL, NULL, root_ctx(s, vw, NULL, "page", nf, NULL, NULL),
               SRC_POS(s->cfg.file, 0, 0), NULL, false);
}

/* The template values of a view's single pages on the pool (at 100,000 pages they were
 * 0.6 s on one thread). Each worker builds through a copy of the site whose arena is its own
 * load arena (which lives as long as the model); nothing else of the site is written: the
 * one shared value they could make (no_translations) is made before. The prev/next links
 * are made first, each by one job, so that the pages' jobs only read them. */
typedef struct ctx_job {
    site *sites; /* per worker */
    page **pages, **lower, **higher;
} ctx_job;

static void
link_one(size_t i, size_t worker, void *payload)
{
    ctx_job *j = payload;
    ctx_page_link(&j->sites[worker], j->pages[i]);
}

static void
ctx_one(size_t i, size_t worker, void *payload)
{
    ctx_job *j = payload;
    ctx_page(&j->sites[worker], j->pages[i], j->lower[i], j->higher[i]);
}

static void
build_page_ctxs(site *s, view *v, size_t workers, arena **arenas)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n_sections; i++)
        n += v->sections[i]->n_pages;
    ctx_job j = {NULL, xcalloc(n + 1, sizeof(page *)), xcalloc(n + 1, sizeof(page *)),
                 xcalloc(n + 1, sizeof(page *))};
    page **linked = xcalloc(n + 1, sizeof(page *));
    size_t n_ctx = 0, n_linked = 0;
    for (size_t i = 0; i < v->n_sections; i++) {
        section *sec = v->sections[i];
        unsigned char *needed = xcalloc(sec->n_pages + 1, 1);
        for (size_t k = 0; k < sec->n_pages; k++)
            if (sec->pages[k]->lang == v->lang) {
                j.pages[n_ctx] = sec->pages[k];
                j.lower[n_ctx] = k + 1 < sec->n_pages ? sec->pages[k + 1] : NULL;
                j.higher[n_ctx++] = k > 0 ? sec->pages[k - 1] : NULL;
                if (k + 1 < sec->n_pages)
                    needed[k + 1] = 1;
                if (k > 0)
                    needed[k - 1] = 1;
            }
        for (size_t k = 0; k < sec->n_pages; k++)
            if (needed[k])
                linked[n_linked++] = sec->pages[k];
        free(needed);
    }
    if (s->cfg.n_languages == 1) /* the one list every page's translations then is */
        ctx_translations(s, v->lang, NULL, NULL);
    j.sites = worker_sites(s, &workers, arenas);
    ctx_job links = j;
    links.pages = linked;
    pool_run(workers, n_linked, link_one, &links);
    pool_run(workers, n_ctx, ctx_one, &j);
    free(linked);
    free(j.sites);
    free(j.pages);
    free(j.lower);
    free(j.higher);
}

/* Language v's lists and values: its sections (each with its _index page in this
 * language, else the original's), taxonomies, the values of its own pages, its site
 * value and its outputs. The default language's view is built first: the others list its
 * pages where they have no translation. */
static void
build_view(site *s, view *v, page **all, size_t n_all, size_t workers, arena **arenas)
{
    strtab by_section = STRTAB_INIT;
    for (size_t i = 0; i < n_all; i++) {
        page *p = all[i];
        if (!p->is_index || p->lang)
            continue;
        page *t = p->translations ? p->translations[v->lang] : v->lang ? NULL : p;
        if (t && !t->out_path)
            t = NULL; /* a draft translation */
        if (!*p->section)
            v->home = t; /* none: a home made of the language's title and description */
        else
            get_section(s, v, &by_section, p->section)->index = t ? t : p;
    }
    qsort(v->pages, v->n_pages, sizeof(page *), site_cmp_pages);
    for (size_t i = 0; i < v->n_pages; i++) {
        section *sec = get_section(s, v, &by_section, v->pages[i]->section);
        sec->pages = arena_grow(s->a, sec->pages, sec->n_pages, &sec->cap, sizeof(page *), 16);
        sec->pages[sec->n_pages++] = v->pages[i];
    }
    if (v->n_sections)
        qsort(v->sections, v->n_sections, sizeof(section *), cmp_sections);
    strtab_free(&by_section);
    build_taxonomies(s, v, workers, arenas);
    for (size_t i = 0; i < s->cfg.n_taxonomies; i++)
        for (size_t k = 0; k < v->taxonomies[i].n_terms; k++)
            site_claim_url(
                s,
                arena_printf(s->a, "%s%s/%s/", v->prefix, s->cfg.taxonomies[i].path,
                             v->taxonomies[i].terms[k]->slug),
                arena_printf(s->a, "%s (taxonomy '%s')", s->cfg.file, s->cfg.taxonomies[i].name),
                SRC_POS(s->cfg.file, 0, 0));

    /* values for templates: pages (with prev/next in their section), then lists */
    ctx_page_terms(s, v);
    fill_page_terms(s, v, workers, arenas);
    build_page_ctxs(s, v, workers, arenas);
    if (v->home)
        ctx_page(s, v->home, NULL, NULL);
    for (size_t i = 0; i < v->n_sections; i++)
        ctx_section(s, v, v->sections[i]);
    for (size_t i = 0; i < s->cfg.n_taxonomies; i++)
        ctx_taxonomy(s, v, &v->taxonomies[i]);
    ctx_site(s, v);
    facets_run counting;
    start_facets(&counting, s, v);
    build_outputs(s, v);
    end_facets(&counting);
}

/* {====================================================================
 * the pass, and what the plugins add
 * ===================================================================== */

bool
site_build_views(site *s)
{
    for (size_t k = 0; k < s->cfg.n_languages; k++)
        build_view(s, &s->views[k], s->all, s->n_all, s->opt.workers, s->opt.worker_arenas);
    view *v0 = &s->views[0];
    s->hook_pages = arena_zalloc(s->a, (s->n_all + 1) * sizeof(page *));
    memcpy(s->hook_pages, v0->pages, v0->n_pages * sizeof(page *)); /* newest first */
    s->n_hook_pages = v0->n_pages;
    for (size_t i = 0; i < s->n_all; i++)
        if (s->all[i]->original && !s->all[i]->is_index)
            s->hook_pages[s->n_hook_pages++] = s->all[i];
    return diag_error_count(s->d) == 0;
}

bool
site_add_output(site *s, const char *path, const char *template_name, value *page_ctx,
                src_pos origin)
{
    if (!site_claim_url(s, path, origin.file, origin))
        return false;
    bool dir = *path && path[strlen(path) - 1] == '/';
    if (!value_map_get(page_ctx, "kind"))
        set(s, page_ctx, "kind", str_val(s, "generated"));
    set(s, page_ctx, "url", str_val(s, site_make_url(s, path)));
    set(s, page_ctx, "permalink", str_val(s, site_make_permalink(s, path)));
    if (!value_map_get(page_ctx, "title"))
        set(s, page_ctx, "title", str_val(s, s->cfg.title));
    if (!value_map_get(page_ctx, "content"))
        set(s, page_ctx, "content", str_val(s, ""));
    add_output(s, path, template_name, NULL, NULL,
               root_ctx(s, &s->views[0], NULL, "page", page_ctx, NULL, NULL), origin, s->build_date,
               dir);
    return true;
}

site *
site_load(const site_options *opt, arena *a, diag *d)
{
    site *s = site_new(opt, a, d);
    scan_source *sources;
    size_t n;
    bool ok = s && scan_content(opt->root, &s->cfg, NULL, &sources, &n, a, d) &&
              site_load_pages(s, sources, n);
    if (ok) {
        site_check_pages(s);
        site_assign_urls(s);
        ok = site_build_views(s);
    }
    if (!ok) {
        site_free(s);
        return NULL;
    }
    return s;
}
