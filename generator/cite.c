/* SPDX-License-Identifier: MIT
 * cite.c - bibliographies per page, the cite and references shortcodes, and numbered
 * citations (see cite.h). Main thread: after the site model, during the shortcodes, and
 * after the content pass. */
#include "cite.h"

#include "bib.h"
#include "bibfile.h"
#include "bibfmt.h"
#include "fs.h"
#include "strtab.h"
#include "text.h"

#include <string.h>

/* {====================================================================
 * which bibliography each page cites from
 * ===================================================================== */

typedef struct loader {
    const char *root;
    arena *a;
    diag *d;
    strtab sets; /* the files' paths, '\n'-joined -> bib */
    bool ok;
} loader;

/* rel (as written at v) resolved against the folder base ("" for the site folder) into
 * out; under content/ when inside_content. False after reporting. */
static bool
resolve_path(buf *out, loader *l, const value *v, const char *base, bool inside_content)
{
    const char *rel = value_str(v);
    buf_clear(out);
    if (!rel || !*rel) {
        diag_report(l->d, DIAG_ERROR, v->pos,
                    "'bibliography' must name a file (references.bib) or list files");
        return false;
    }
    bool ok = *rel != '/' && text_path_push(out, base, strlen(base)) &&
              text_path_push(out, rel, strlen(rel));
    if (ok && inside_content && strncmp(out->ptr, "content/", 8) != 0)
        ok = false;
    if (!ok)
        diag_report(l->d, DIAG_ERROR, v->pos,
                    "bibliography '%s' is outside %s (a path relative to %s)", rel,
                    inside_content ? "content/" : "the site folder",
                    inside_content ? "the page's folder" : "the site folder");
    return ok;
}

/* The bibliography v names (a string or a list of them) relative to base: read once for
 * every page naming the same files. NULL after an error. */
static const bib *
bibliography(loader *l, const value *v, const char *base, bool inside_content)
{
    size_t n = v->type == VALUE_LIST ? v->as.list.len : 1;
    if (v->type != VALUE_LIST && v->type != VALUE_STRING) {
        diag_report(l->d, DIAG_ERROR, v->pos,
                    "'bibliography' must be a file name or a list of them, not %s",
                    value_type_name(v->type));
        return NULL;
    }
    const value **files = arena_alloc(l->a, n * sizeof(value *));
    const char **paths = arena_alloc(l->a, n * sizeof(char *));
    buf key = BUF_INIT, path = BUF_INIT;
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        files[i] = v->type == VALUE_LIST ? v->as.list.items[i] : v;
        if (!resolve_path(&path, l, files[i], base, inside_content)) {
            ok = false;
            continue;
        }
        paths[i] = arena_strndup(l->a, path.ptr, path.len);
        buf_printf(&key, "%s\n", paths[i]);
    }
    bib *b = NULL;
    if (ok && strtab_has(&l->sets, key.ptr)) {
        b = strtab_get(&l->sets, key.ptr);
    } else if (ok) {
        b = bib_new(l->a);
        for (size_t i = 0; i < n; i++) {
            buf_clear(&path);
            fs_join(&path, l->root, paths[i]);
            if (fs_kind_of(path.ptr) != FS_FILE) {
                diag_report(l->d, DIAG_ERROR, files[i]->pos, "bibliography file '%s' not found",
                            paths[i]);
                b = NULL;
                break;
            }
            if (!bib_load(b, l->root, paths[i], l->a, l->d)) {
                b = NULL;
                break;
            }
        }
        strtab_put(&l->sets, arena_strndup(l->a, key.ptr, key.len), b);
    }
    buf_free(&key);
    buf_free(&path);
    return b;
}

/* The style v names (a string), reported when it is not one of BIBFMT_STYLE_NAMES. */
static bool
style_of(bibfmt_style *out, loader *l, const value *v)
{
    if (bibfmt_style_parse(out, value_str(v)))
        return true;
    diag_report(l->d, DIAG_ERROR, v->pos, "unknown citation_style '%s' (styles: %s)",
                value_str(v) ? value_str(v) : value_type_name(v->type), BIBFMT_STYLE_NAMES);
    return false;
}

bool
cite_load(page *const *pages, size_t n, const config *cfg, const char *root, arena *a, diag *d)
{
    loader l = {root, a, d, STRTAB_INIT, true};
    size_t errors = diag_error_count(d);
    const value *site_bib = value_map_get(cfg->raw, "bibliography");
    const value *site_style = value_map_get(cfg->raw, "citation_style");
    bibfmt_style style = BIBFMT_GBT7714;
    if (site_style && site_style->type != VALUE_NULL)
        style_of(&style, &l, site_style);
    const bib *site =
        site_bib && site_bib->type != VALUE_NULL ? bibliography(&l, site_bib, "", false) : NULL;
    buf dir = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        page *p = pages[i];
        const page *src = p->original ? p->original : p; /* a translation's are its original's */
        const value *v = value_map_get(src->front, "bibliography");
        const value *s = value_map_get(src->front, "citation_style");
        p->cite_style = style;
        if (s && s->type != VALUE_NULL)
            style_of(&p->cite_style, &l, s);
        p->bib = site;
        if (v && v->type != VALUE_NULL) {
            const char *slash = strrchr(src->path, '/');
            buf_clear(&dir);
            buf_append(&dir, src->path, slash ? (size_t)(slash - src->path) : 0);
            p->bib = bibliography(&l, v, dir.ptr, true);
        }
    }
    buf_free(&dir);
    strtab_free(&l.sets);
    return diag_error_count(d) == errors;
}

/* }==================================================================== */

/* {====================================================================
 * the shortcodes
 * ===================================================================== */

/* The keys of "a, b c" (commas or spaces) into p's call c; false after reporting one that
 * p's bibliography does not have. */
static bool
add_keys(page_cite *c, const char *list, src_pos at, const page *p, arena *a, diag *d)
{
    size_t cap = 0;
    bool ok = true;
    for (const char *s = list; *s;) {
        s += strspn(s, ", \t");
        size_t len = strcspn(s, ", \t");
        if (!len)
            break;
        const char *key = arena_strndup(a, s, len);
        s += len;
        if (!bib_find(p->bib, key)) {
            buf known = BUF_INIT;
            bib_list_keys(&known, p->bib, 8);
            diag_report(d, DIAG_ERROR, at, "unknown citation key '%s' (the bibliography has: %s)",
                        key, known.len ? known.ptr : "no entries");
            buf_free(&known);
            ok = false;
            continue;
        }
        c->keys = arena_grow(a, c->keys, c->n_keys, &cap, sizeof(char *), 4);
        c->keys[c->n_keys++] = key;
    }
    return ok;
}

bool
cite_shortcode(buf *html, const shortcode_call *call, page *p, arena *a, diag *d)
{
    page_cite c = {NULL, 0, NULL, call->at};
    if (!p->bib) {
        diag_report(d, DIAG_ERROR, call->at,
                    "shortcode 'cite': this page has no bibliography (add `bibliography: "
                    "references.bib` to its front matter, or to site.yaml)");
        return false;
    }
    static const char *const names[] = {"key", "keys", "locator"};
    const char *args[3];
    bool ok = shortcode_string_args(args, call, names, 3, d);
    bool has_keys = args[0] || args[1];
    for (size_t i = 0; i < 2; i++)
        if (args[i])
            ok = add_keys(&c, args[i], value_map_get(call->args, names[i])->pos, p, a, d) && ok;
    c.locator = args[2];
    if (ok && !has_keys) {
        diag_report(d, DIAG_ERROR, call->at,
                    "shortcode 'cite' needs key=\"...\": the key of a bibliography entry "
                    "({{ cite(key=\"zhang2021\") }}, or key=\"a, b\" for several)");
        ok = false;
    }
    if (!ok || !c.n_keys)
        return false;
    p->cites = arena_grow(a, p->cites, p->n_cites, &p->cap_cites, sizeof(page_cite), 8);
    p->cites[p->n_cites] = c;
    buf_printf(html, CITE_MARK "%zu\x01", p->n_cites++);
    return true;
}

bool
cite_references_shortcode(buf *html, const shortcode_call *call, page *p, diag *d)
{
    if (call->args && call->args->as.map.len) {
        diag_report(d, DIAG_ERROR, call->args->as.map.pairs[0].key_pos,
                    "shortcode 'references' takes no arguments");
        return false;
    }
    if (p->references_placed) {
        diag_report(d, DIAG_ERROR, call->at,
                    "shortcode 'references' is already on this page (the list goes in once)");
        return false;
    }
    p->references_placed = true;
    buf_puts(html, CITE_LIST_MARK);
    return true;
}

/* }==================================================================== */

/* {====================================================================
 * numbers, marks and the list
 * ===================================================================== */

void
cite_resolve(const char ***marks, const char **list, const page *p, const char *lang, arena *a)
{
    *marks = arena_alloc(a, (p->n_cites + 1) * sizeof(char *));
    strtab numbers = STRTAB_INIT; /* key -> its number */
    const char **order = NULL;    /* the keys by number - 1 */
    size_t n = 0, cap = 0;
    buf b = BUF_INIT;
    for (size_t k = 0; k < p->n_cites; k++) {
        const page_cite *c = &p->cites[k];
        bibfmt_cited *works = arena_alloc(a, c->n_keys * sizeof(bibfmt_cited));
        for (size_t i = 0; i < c->n_keys; i++) {
            size_t num = (size_t)(uintptr_t)strtab_get(&numbers, c->keys[i]);
            if (!num) {
                order = arena_grow(a, order, n, &cap, sizeof(char *), 16);
                order[n++] = c->keys[i];
                num = n;
                strtab_put(&numbers, c->keys[i], (void *)(uintptr_t)num);
            }
            works[i] = (bibfmt_cited){num, c->keys[i]};
        }
        buf_clear(&b);
        bibfmt_citation(&b, works, c->n_keys, c->locator, p->cite_style);
        (*marks)[k] = arena_strndup(a, b.ptr, b.len);
    }
    strtab_free(&numbers);
    buf_clear(&b);
    if (n) {
        bool zh = bib_language_is_zh(lang);
        buf_printf(&b, "<section class=\"references\" id=\"references\">\n<h2>%s</h2>\n<ol>\n",
                   zh ? "参考文献" : "References");
        for (size_t i = 0; i < n; i++) {
            buf_puts(&b, "<li id=\"ref-");
            text_html_escape(&b, order[i], strlen(order[i]));
            buf_puts(&b, "\"><span class=\"ref-label\">");
            bibfmt_label(&b, i + 1, p->cite_style);
            buf_puts(&b, "</span> ");
            bibfmt_reference(&b, bib_find(p->bib, order[i]), p->cite_style);
            buf_puts(&b, "</li>\n");
        }
        buf_puts(&b, "</ol>\n</section>\n");
    }
    *list = arena_strndup(a, b.ptr, b.len);
    buf_free(&b);
}

/* }==================================================================== */
