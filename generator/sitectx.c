/* SPDX-License-Identifier: MIT
 * sitectx.c - the values templates see (the end of pass 4, site_build_views()): each page's
 * map, the sections', taxonomies' and terms', and the site's, in each language. Only what
 * the model holds already goes in; the Markdown's and the plugins' values join later
 * (site_convert_content(), site_share_data()). */
#include "site_internal.h"

#include "deps.h"
#include "selfcheck.h"

#include <stdlib.h>
#include <string.h>

static const char *
page_kind(const page *p)
{
    if (p->is_index)
        return *p->section ? "section" : "home";
    if (strcmp(p->section, "projects") == 0)
        return "project";
    if (strcmp(p->section, "news") == 0)
        return "news";
    if (strcmp(p->section, "reports") == 0)
        return "report";
    return "page";
}

/* The few fields list items and prev/next links need (no content, no links back); made
 * once (p->link), on the pool by build_page_ctxs(), each page by one job. */
value *
ctx_page_link(site *s, page *p)
{
    if (p->link)
        return p->link;
    value *m = value_new_map(s->a, SRC_NONE);
    set(s, m, "title", text_ref(s->a, p->title)); /* the model's texts, not copies */
    set(s, m, "url", text_ref(s->a, p->url));
    set(s, m, "permalink", text_ref(s->a, p->permalink));
    set(s, m, "date", p->date ? (value *)p->date : value_new_null(s->a, SRC_NONE));
    set(s, m, "summary", text_ref(s->a, p->summary)); /* replaced once the Markdown is read */
    set(s, m, "lang", text_ref(s->a, page_text_lang(s, p)));
    p->link = m;
    if (s->opt.load_memo) /* the page hashes of its neighbours take it (page.link_hash) */
        p->link_hash = deps_hash(m, DEPS_DEEP, NULL);
    return m;
}

/* page.terms: {taxonomy: [{name, url}]} for every page of v, each list empty until
 * ctx_page_terms_of() fills it. */
void
ctx_page_terms(site *s, view *v)
{
    for (size_t i = 0; i < v->n_pages; i++) {
        page *p = v->pages[i];
        if (p->lang != v->lang)
            continue; /* an original in another language's lists: its terms link its own */
        p->terms = value_new_map(s->a, SRC_NONE);
        for (size_t t = 0; t < s->cfg.n_taxonomies; t++)
            set(s, p->terms, s->cfg.taxonomies[t].name, value_new_list(s->a, SRC_NONE));
    }
}

/* The lists of taxonomy t in v's pages' page.terms, in one pass over its terms (sorted by
 * name, so each page's list is too). Writes only those lists, so the taxonomies can be
 * filled side by side, each through a site of its own arena. */
void
ctx_page_terms_of(site *s, view *v, size_t t)
{
    taxonomy *tx = &v->taxonomies[t];
    for (size_t k = 0; k < tx->n_terms; k++) {
        term *tm = tx->terms[k];
        value *link = value_new_map(s->a, SRC_NONE);
        set(s, link, "name", str_val(s, tm->name));
        set(s, link, "url", str_val(s, tm->url));
        for (size_t j = 0; j < tm->n_pages; j++)
            if (tm->pages[j]->lang == v->lang)
                value_list_push((value *)value_map_get(tm->pages[j]->terms, tx->cfg->name), link,
                                s->a);
    }
}

/* What a page, a list or the home is in every language (templates' `translations`, the
 * sitemap's alternates): [{lang, name, url, permalink, current, missing}] in site.yaml's
 * order. rels[k] is where it is in language k, or NULL where it has no translation: then
 * `missing` is true and the URL is fallback[k] (the list it would be in). */
value *
ctx_translations(site *s, size_t current, const char *const *rels, const char *const *fallback)
{
    if (s->cfg.n_languages == 1) { /* nothing to link: one empty list for every output */
        if (!s->no_translations)
            s->no_translations = value_new_list(s->a, SRC_NONE);
        return s->no_translations;
    }
    value *l = value_new_list(s->a, SRC_NONE);
    for (size_t k = 0; k < s->cfg.n_languages; k++) {
        const config_language *g = &s->cfg.languages[k];
        const char *rel = rels[k] ? rels[k] : fallback[k];
        value *m = value_new_map(s->a, SRC_NONE);
        set(s, m, "lang", str_val(s, g->code));
        set(s, m, "name", str_val(s, g->name));
        set(s, m, "url", str_val(s, site_make_url(s, rel)));
        set(s, m, "permalink", str_val(s, site_make_permalink(s, rel)));
        set(s, m, "current", value_new_bool(s->a, k == current, SRC_NONE));
        set(s, m, "missing", value_new_bool(s->a, rels[k] == NULL, SRC_NONE));
        value_list_push(l, m, s->a);
    }
    return l;
}

/* The rel of a list (a section, a taxonomy, a term, the home: "projects/") in every
 * language, for ctx_translations. */
const char **
ctx_list_rels(site *s, const char *rel)
{
    if (s->cfg.n_languages == 1)
        return NULL; /* ctx_translations needs none */
    const char **rels = arena_alloc(s->a, (s->cfg.n_languages + 1) * sizeof(char *));
    for (size_t k = 0; k < s->cfg.n_languages; k++)
        rels[k] = arena_printf(s->a, "%s%s", s->views[k].prefix, rel);
    return rels;
}

/* "projects/x/" of a published page (NULL when it is not published). */
static const char *
page_rel_of(site *s, const page *p)
{
    return p && p->out_path ? arena_strndup(s->a, p->out_path, strlen(p->out_path) - 10) : NULL;
}

/* page.translations: the page in every language, or its section's list (the home's for a
 * page outside sections) where it has no translation. */
static value *
page_translations(site *s, const page *p)
{
    size_t n = s->cfg.n_languages;
    if (n == 1)
        return ctx_translations(s, 0, NULL, NULL);
    const char **rels = arena_zalloc(s->a, (n + 1) * sizeof(char *));
    const char **fallback = arena_zalloc(s->a, (n + 1) * sizeof(char *));
    for (size_t k = 0; k < n; k++) {
        const page *t = p->translations ? p->translations[k] : k == p->lang ? p : NULL;
        rels[k] = page_rel_of(s, t);
        fallback[k] =
            arena_printf(s->a, "%s%s%s", s->views[k].prefix, p->section, *p->section ? "/" : "");
    }
    return ctx_translations(s, p->lang, rels, fallback);
}

/* The values of declared terms as the page's language names them (`Nursing` and `护理部`
 * are one department: the plugins group them once), other values as written. */
static void
name_declared_terms(site *s, value *m, const page *p)
{
    for (size_t i = 0; i < s->cfg.n_taxonomies; i++) {
        const char *key = s->cfg.taxonomies[i].name;
        const value *v = value_map_get(m, key);
        if (!s->cfg.taxonomies[i].n_terms || !v)
            continue;
        value *named = NULL;
        if (v->type == VALUE_LIST) {
            named = value_new_list(s->a, v->pos);
            for (size_t k = 0; k < v->as.list.len; k++) {
                value *item = v->as.list.items[k];
                const char *text = item->type == VALUE_STRING ? item->as.str.ptr : NULL;
                const config_term *t = text ? site_declared_term(s, i, text) : NULL;
                value_list_push(
                    named, t ? value_new_cstr(s->a, t->names[p->lang], item->pos) : item, s->a);
            }
        } else if (v->type == VALUE_STRING) {
            const config_term *t = site_declared_term(s, i, v->as.str.ptr);
            if (t)
                named = value_new_cstr(s->a, t->names[p->lang], v->pos);
        }
        if (named)
            set(s, m, key, named);
    }
}

#define CTX_PAIRS_MAX 24 /* the keys ctx_page() sets */

/* m, a copy of front's pairs, with keys[k] set to vals[k] in order (each key once): a key
 * front has is replaced in place, the others added at the end without a search (a lookup
 * of each of the twenty keys in front or in m cost 140 instructions, 34 million at 10,000
 * pages). */
static void
set_pairs_over(site *s, value *m, const value *front, const value_key *keys, value *const *vals,
               size_t n)
{
    const value_pair *found[CTX_PAIRS_MAX];
    value_map_pairs_of(front, keys, n, found);
    for (size_t k = 0; k < n; k++) {
        if (found[k])
            set(s, m, keys[k].key, vals[k]);
        else
            value_map_addn_ref(m, keys[k].key, keys[k].len, vals[k], s->a);
    }
}

/* p's map (p->ctx). Runs on the pool (build_page_ctxs()), s a worker's copy of the site:
 * it writes only p and what it allocates from s->a, and reads the links of lower and
 * higher made before. Its keys: the front matter's (name_declared_terms() changes the
 * values of some), then these. */
void
ctx_page(site *s, page *p, page *lower, page *higher)
{
    value *m = site_map_copy(s, p->front);
    name_declared_terms(s, m, p);
#define OR_NULL(v) ((v) ? (value *)(v) : value_new_null(s->a, SRC_NONE))
    value_key keys[CTX_PAIRS_MAX];
    value *vals[CTX_PAIRS_MAX];
    size_t n = 0;
#define PUT(k, v) (keys[n] = VALUE_KEY(k), vals[n++] = (v))
    PUT("title", text_ref(s->a, p->title));
    PUT("slug", text_ref(s->a, p->slug));
    PUT("url", text_ref(s->a, p->url));
    PUT("permalink", text_ref(s->a, p->permalink));
    PUT("path", text_ref(s->a, p->path));
    PUT("section", text_ref(s->a, p->section));
    PUT("kind", text_ref(s->a, page_kind(p)));
    PUT("date", OR_NULL(p->date));
    PUT("updated", OR_NULL(p->updated));
    PUT("draft", value_new_bool(s->a, p->draft, SRC_NONE));
    /* summary, content, toc, word_count, reading_time: set by fill_page_content; whether
     * the summary is the body's first paragraph (a theme then does not show it twice) */
    PUT("summary_auto", value_new_bool(s->a, !value_map_get(p->front, "summary"), SRC_NONE));
    PUT("params", p->front);
    if (p->cohort)
        PUT("cohort", text_ref(s->a, p->cohort));
    PUT("stages", p->stages);
    PUT("days_total",
        p->days_total >= 0 ? num_val(s, (double)p->days_total) : value_new_null(s->a, SRC_NONE));
    PUT("terms", p->terms ? p->terms : value_new_map(s->a, SRC_NONE));
    PUT("lower", lower ? ctx_page_link(s, lower) : value_new_null(s->a, SRC_NONE));
    PUT("higher", higher ? ctx_page_link(s, higher) : value_new_null(s->a, SRC_NONE));
    PUT("lang", text_ref(s->a, page_text_lang(s, p)));
    PUT("translations", page_translations(s, p));
#undef PUT
#undef OR_NULL
    set_pairs_over(s, m, p->front, keys, vals, n);
    m->anchor = true; /* holds no other page's map: deps.c checks reads through it whole */
    p->ctx = m;
    p->lower = lower;
    p->higher = higher;
}

value *
ctx_page_list(site *s, page **pages, size_t n)
{
    value *l = value_new_list_of(s->a, n, SRC_NONE);
    for (size_t i = 0; i < n; i++)
        value_list_push(l, pages[i]->ctx, s->a);
    return l;
}

void
ctx_section(site *s, view *v, section *sec)
{
    page *ix = sec->index;
    value *m = site_map_copy(s, ix ? ix->front : NULL);
    const char *rel = arena_printf(s->a, "%s%s/", v->prefix, sec->name);
    set(s, m, "name", str_val(s, sec->name));
    set(s, m, "title", str_val(s, ix && *ix->title ? ix->title : sec->name));
    set(s, m, "lang", str_val(s, ix ? page_text_lang(s, ix) : v->cfg->code));
    set(s, m, "url", str_val(s, site_make_url(s, rel)));
    set(s, m, "permalink", str_val(s, site_make_permalink(s, rel)));
    const value *desc = ix ? value_map_get(ix->front, "description") : NULL;
    set(s, m, "description", desc ? (value *)desc : str_val(s, ""));
    /* content and summary: set by site_convert_content */
    set(s, m, "pages", ctx_page_list(s, sec->pages, sec->n_pages));
    set(s, m, "kind", str_val(s, "section"));
    sec->ctx = m;
}

static value *
term_ctx(site *s, term *t)
{
    value *m = value_new_map(s->a, SRC_NONE);
    set(s, m, "name", str_val(s, t->name));
    set(s, m, "slug", str_val(s, t->slug));
    set(s, m, "url", str_val(s, t->url));
    set(s, m, "permalink", str_val(s, t->permalink));
    set(s, m, "pages", ctx_page_list(s, t->pages, t->n_pages));
    set(s, m, "count", num_val(s, (double)t->n_pages));
    if (t->declared) { /* {zh: 麻醉科, en: Anesthesiology} */
        value *names = value_new_map(s->a, SRC_NONE);
        for (size_t k = 0; k < s->cfg.n_languages; k++)
            set(s, names, s->cfg.languages[k].code, str_val(s, t->declared->names[k]));
        set(s, m, "names", names);
    }
    return m;
}

void
ctx_taxonomy(site *s, const view *v, taxonomy *tx)
{
    value *m = value_new_map(s->a, SRC_NONE);
    set(s, m, "name", str_val(s, tx->cfg->name));
    set(s, m, "title", str_val(s, tx->cfg->titles[v->lang]));
    set(s, m, "path", str_val(s, tx->cfg->path));
    set(s, m, "url", str_val(s, tx->url));
    set(s, m, "permalink", str_val(s, tx->permalink));
    value *terms = value_new_list(s->a, SRC_NONE);
    for (size_t i = 0; i < tx->n_terms; i++) {
        /* a term's pages are in site_cmp_pages() order already: build_taxonomies() adds
         * them walking the view's pages in that order (sorting them again took 4.6 ms of the
         * main thread at 10,000 pages) */
        if (SELF_CHECKS)
            for (size_t k = 1; k < tx->terms[i]->n_pages; k++)
                if (site_cmp_pages(&tx->terms[i]->pages[k - 1], &tx->terms[i]->pages[k]) >= 0)
                    internal_error("the pages of term '%s' are out of order", tx->terms[i]->slug);
        tx->terms[i]->ctx = term_ctx(s, tx->terms[i]);
        value_list_push(terms, tx->terms[i]->ctx, s->a);
    }
    set(s, m, "terms", terms);
    tx->ctx = m;
}

/* site.menu in language v: a name given per language ({zh: 项目, en: Projects}) is v's (else
 * the default language's), and in a language under its own path a root-relative URL
 * ("/projects/") leads to that language's page ("/en/projects/"); the rest as written. */
static value *
menu_in(site *s, const view *v, value *menu)
{
    if (!menu || menu->type != VALUE_LIST)
        return menu;
    value *l = value_new_list(s->a, menu->pos);
    for (size_t i = 0; i < menu->as.list.len; i++) {
        value *item = menu->as.list.items[i];
        const value *name = value_map_get(item, "name");
        const char *url = value_str(value_map_get(item, "url"));
        bool local = *v->prefix && url && url[0] == '/' && url[1] != '/';
        if (item->type == VALUE_MAP && (local || (name && name->type == VALUE_MAP))) {
            item = site_map_copy(s, item);
            if (local)
                set(s, item, "url", str_val(s, arena_printf(s->a, "/%s%s", v->prefix, url + 1)));
            if (name && name->type == VALUE_MAP) {
                const value *own = value_map_get(name, v->cfg->code);
                if (!own)
                    own = value_map_get(name, s->cfg.language);
                set(s, item, "name", own ? (value *)own : str_val(s, ""));
            }
        }
        value_list_push(l, item, s->a);
    }
    return l;
}

/* site.languages: [{code, name, url, current}], the url being each language's home. */
static value *
languages_value(site *s, const view *v)
{
    value *l = value_new_list(s->a, SRC_NONE);
    for (size_t k = 0; k < s->cfg.n_languages; k++) {
        value *m = value_new_map(s->a, SRC_NONE);
        set(s, m, "code", str_val(s, s->cfg.languages[k].code));
        set(s, m, "name", str_val(s, s->cfg.languages[k].name));
        set(s, m, "url", str_val(s, site_make_url(s, s->views[k].prefix)));
        set(s, m, "current", value_new_bool(s->a, k == v->lang, SRC_NONE));
        value_list_push(l, m, s->a);
    }
    return l;
}

void
ctx_site(site *s, view *v)
{
    const config *c = &s->cfg;
    value *m = site_map_copy(s, c->raw); /* site.yaml as written: params, menu, metrics, ... */
    set(s, m, "title", str_val(s, v->cfg->title));
    set(s, m, "description", str_val(s, v->cfg->description));
    set(s, m, "base_url", str_val(s, c->base_url));
    set(s, m, "language", str_val(s, v->cfg->code));
    set(s, m, "languages", languages_value(s, v));
    set(s, m, "home_url", str_val(s, site_make_url(s, v->prefix)));
    set(s, m, "i18n", s->opt.i18n ? s->opt.i18n[v->lang] : value_new_map(s->a, SRC_NONE));
    set(s, m, "feed_url",
        str_val(s, site_make_permalink(s, arena_printf(s->a, "%sfeed.xml", v->prefix))));
    /* the search page and the folder of this language's index (search.h), "" when off */
    set(s, m, "search_url",
        str_val(s, c->search_enabled ? site_make_url(s, arena_printf(s->a, "%ssearch/", v->prefix))
                                     : ""));
    set(s, m, "search_index",
        str_val(s, c->search_enabled
                       ? site_make_url(s, arena_printf(s->a, "search/%s/", v->cfg->code))
                       : ""));
    set(s, m, "author", str_val(s, c->author));
    set(s, m, "currency", str_val(s, c->currency));
    set(s, m, "generator", str_val(s, "clinfolio " CLINFOLIO_VERSION));
    set(s, m, "build_date", (value *)s->build_date);
    if (!value_map_get(m, "params") || value_map_get(m, "params")->type != VALUE_MAP)
        set(s, m, "params", value_new_map(s->a, SRC_NONE));
    if (v->cfg->params) { /* the language's own params over site.yaml's */
        value *params = site_map_copy(s, value_map_get(m, "params"));
        for (size_t i = 0; i < v->cfg->params->as.map.len; i++) {
            const value_pair *p = &v->cfg->params->as.map.pairs[i];
            value_map_setn(params, p->key, p->key_len, p->val, s->a);
        }
        set(s, m, "params", params);
    }
    value *home = value_new_map(s->a, SRC_NONE); /* site.yaml home:, with its defaults */
    set(s, home, "latest", num_val(s, (double)c->home_latest));
    set(s, m, "home", home);
    if (!value_map_get(m, "menu") || value_map_get(m, "menu")->type != VALUE_LIST)
        set(s, m, "menu", value_new_list(s->a, SRC_NONE));
    else
        set(s, m, "menu", menu_in(s, v, (value *)value_map_get(m, "menu")));
    value *stages = value_new_list(s->a, SRC_NONE);
    for (size_t i = 0; i < c->n_stages; i++) {
        value *st = value_new_map(s->a, SRC_NONE);
        set(s, st, "key", str_val(s, c->stages[i].key));
        set(s, st, "label", str_val(s, c->stages[i].label));
        set(s, st, "label_zh", str_val(s, c->stages[i].label_zh));
        value_list_push(stages, st, s->a);
    }
    set(s, m, "stages", stages);
    set(s, m, "pages", ctx_page_list(s, v->pages, v->n_pages));
    value *sections = value_new_map(s->a, SRC_NONE);
    value *projects = NULL;
    for (size_t i = 0; i < v->n_sections; i++) {
        if (!*v->sections[i]->name)
            continue; /* top-level pages are not a section */
        set(s, sections, v->sections[i]->name, v->sections[i]->ctx);
        if (strcmp(v->sections[i]->name, "projects") == 0)
            projects = value_map_get(v->sections[i]->ctx, "pages");
    }
    set(s, m, "sections", sections);
    set(s, m, "projects", projects ? projects : value_new_list(s->a, SRC_NONE));
    value *taxonomies = value_new_map(s->a, SRC_NONE);
    value *cohorts = value_new_list(s->a, SRC_NONE);
    for (size_t i = 0; i < c->n_taxonomies; i++) {
        taxonomy *tx = &v->taxonomies[i];
        set(s, taxonomies, tx->cfg->name, tx->ctx);
        if (strcmp(tx->cfg->name, "cohort") == 0)
            for (size_t k = tx->n_terms; k-- > 0;) /* newest cohort first */
                value_list_push(cohorts, tx->terms[k]->ctx, s->a);
    }
    set(s, m, "taxonomies", taxonomies);
    set(s, m, "cohorts", cohorts);
    /* the plugins' results: one map for every language (site_share_data) */
    set(s, m, "data",
        v->lang ? (value *)value_map_get(s->views[0].site_ctx, "data")
                : value_new_map(s->a, SRC_NONE));
    v->site_ctx = m;
}
