/* SPDX-License-Identifier: MIT
 * template.c - the template set: compiling files into it, linking what they refer to
 * (extends, include, import, filters, macro calls), and the render entry point. The
 * parser is in template_parse.c, the evaluator in template_eval.c, the built-in filters
 * in template_filter.c. Part of the render pass. */
#include "template.h"

#include "fs.h"
#include "hash.h"
#include "template_internal.h"

#include <assert.h>
#include <string.h>

void
template_ptrs_push(template_ptrs *p, void *item, arena *a)
{
    p->items = arena_grow(a, p->items, p->len, &p->cap, sizeof(void *), 4);
    p->items[p->len++] = item;
}

/* {====================================================================
 * the set
 * ===================================================================== */

/* "https://example.org/sub/" -> "/sub/"; "https://example.org" -> "/". */
static char *
path_of(arena *a, const char *url)
{
    const char *p = strstr(url, "://");
    if (p)
        p += 3;
    else if (url[0] == '/' && url[1] == '/')
        p = url + 2;
    if (p) {
        p = strchr(p, '/');
        if (!p)
            return arena_strdup(a, "/");
        return arena_strdup(a, p);
    }
    if (url[0] == '/')
        return arena_strdup(a, url);
    return arena_printf(a, "/%s", url);
}

template_set *
template_set_new(arena *a, const template_options *opt)
{
    template_set *ts = arena_zalloc(a, sizeof(template_set));
    ts->a = a;
    const char *base = opt && opt->base_url && *opt->base_url ? opt->base_url : "/";
    size_t n = strlen(base);
    ts->base_url = base[n - 1] == '/' ? arena_strdup(a, base) : arena_printf(a, "%s/", base);
    ts->base_path = path_of(a, ts->base_url);
    ts->hash = hash_str(0, ts->base_url);
    return ts;
}

uint64_t
template_set_hash(const template_set *ts)
{
    uint64_t h = ts->hash;
    for (size_t i = 0; i < ts->filters.len; i++) /* the user filters' names (their code: */
        h = hash_str(h, ((template_user_filter *)ts->filters.items[i])->name); /* plugins */
    return h;
}

const template_unit *
template_find(const template_set *ts, const char *name, size_t len)
{
    for (size_t i = 0; i < ts->units.len; i++) {
        const template_unit *u = ts->units.items[i];
        if (strlen(u->name) == len && memcmp(u->name, name, len) == 0)
            return u;
    }
    return NULL;
}

const template_macro *
template_find_macro(const template_unit *u, const char *name, size_t len)
{
    for (size_t i = 0; i < u->macros.len; i++) {
        const template_macro *m = u->macros.items[i];
        if (m->len == len && memcmp(m->name, name, len) == 0)
            return m;
    }
    return NULL;
}

const template_block_def *
template_find_block(const template_unit *u, const char *name, size_t len)
{
    for (size_t i = 0; i < u->blocks.len; i++) {
        const template_block_def *b = u->blocks.items[i];
        if (b->len == len && memcmp(b->name, name, len) == 0)
            return b;
    }
    return NULL;
}

bool
template_set_has(const template_set *ts, const char *name)
{
    return template_find(ts, name, strlen(name)) != NULL;
}

static bool
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool
template_set_add(template_set *ts, const char *name, const char *src, size_t len,
                 const char *diag_file, diag *d)
{
    template_unit *u = arena_zalloc(ts->a, sizeof(template_unit));
    u->name = arena_strdup(ts->a, name);
    u->diag_file = arena_strdup(ts->a, diag_file ? diag_file : name);
    u->autoescape = ends_with(name, ".html") || ends_with(name, ".htm") || ends_with(name, ".xml");
    bool ok = template_parse(u, src, len, ts->a, d);
    ts->linked = false;
    ts->hash = hash_bytes(hash_str(ts->hash, name), src, len);
    for (size_t i = 0; i < ts->units.len; i++) {
        if (strcmp(((template_unit *)ts->units.items[i])->name, name) == 0) {
            ts->units.items[i] = u; /* a later file overrides an earlier one */
            return ok;
        }
    }
    template_ptrs_push(&ts->units, u, ts->a);
    return ok;
}

static bool
loadable(const char *name)
{
    return name[0] != '.' && (ends_with(name, ".html") || ends_with(name, ".xml") ||
                              ends_with(name, ".txt") || ends_with(name, ".json"));
}

/* Adds the files of dir/rel (rel "" at the top), depth first, in sorted order. */
static bool
load_walk(template_set *ts, const char *dir, const char *rel, const char *diag_dir, diag *d)
{
    buf path = BUF_INIT, dpath = BUF_INIT, child = BUF_INIT, text = BUF_INIT;
    fs_join(&path, dir, rel);
    fs_join(&dpath, diag_dir, rel);
    fs_entry *ents;
    size_t n;
    bool ok = fs_list_dir(&ents, &n, path.ptr, dpath.ptr, d);
    for (size_t i = 0; i < n; i++) {
        const char *name = ents[i].name;
        fs_join(&child, rel, name);
        if (ents[i].kind == FS_DIR && name[0] != '.') {
            ok &= load_walk(ts, dir, child.ptr, diag_dir, d);
        } else if (ents[i].kind == FS_FILE && loadable(name)) {
            buf file = BUF_INIT, dfile = BUF_INIT;
            fs_join(&file, dir, child.ptr);
            fs_join(&dfile, diag_dir, child.ptr);
            buf_clear(&text);
            if (fs_read_file(&text, file.ptr, dfile.ptr, d))
                ok &= template_set_add(ts, child.ptr, text.ptr, text.len, dfile.ptr, d);
            else
                ok = false;
            buf_free(&file);
            buf_free(&dfile);
        }
    }
    fs_entries_free(ents, n);
    buf_free(&path);
    buf_free(&dpath);
    buf_free(&child);
    buf_free(&text);
    return ok;
}

bool
template_set_load_dir(template_set *ts, const char *dir, const char *diag_dir, diag *d)
{
    return load_walk(ts, dir, "", diag_dir, d);
}

void
template_set_add_filter(template_set *ts, const char *name, template_filter_fn fn, void *payload)
{
    for (size_t i = 0; i < ts->filters.len; i++) {
        template_user_filter *f = ts->filters.items[i];
        if (strcmp(f->name, name) == 0) {
            f->fn = fn;
            f->payload = payload;
            return;
        }
    }
    template_user_filter *f = arena_zalloc(ts->a, sizeof(template_user_filter));
    f->name = arena_strdup(ts->a, name);
    f->fn = fn;
    f->payload = payload;
    template_ptrs_push(&ts->filters, f, ts->a);
    ts->linked = false;
}

/* {====================================================================
 * link
 * ===================================================================== */

static src_pos
at(const template_unit *u, unsigned line, unsigned col)
{
    return SRC_POS(u->diag_file, line, col);
}

/* this, parent, ..., root; reports a cycle that goes through u. */
static bool
link_chain(template_set *ts, template_unit *u, diag *d)
{
    size_t max = ts->units.len + 1, n = 0;
    const template_unit **chain = arena_alloc(ts->a, max * sizeof(template_unit *));
    for (const template_unit *cur = u; cur; cur = cur->parent) {
        if (cur->broken)
            return false;
        if (n && cur == u) {
            buf names = BUF_INIT;
            for (size_t i = 0; i < n; i++)
                buf_printf(&names, "%s -> ", chain[i]->name);
            buf_puts(&names, u->name);
            diag_report(d, DIAG_ERROR, at(u, u->ext_line, u->ext_col), "'extends' cycle: %s",
                        names.ptr);
            buf_free(&names);
            return false;
        }
        if (n == max - 1)
            return false; /* a cycle further up, reported by its members */
        chain[n++] = cur;
    }
    u->chain = chain;
    u->chain_len = n;
    return true;
}

static bool
link_filter(template_set *ts, const template_unit *u, template_filter_call *f, diag *d)
{
    f->user = NULL;
    f->builtin = NULL;
    f->reads = TEMPLATE_READS_ALL;
    f->attribute = -1;
    for (size_t i = 0; i < ts->filters.len; i++) {
        const template_user_filter *uf = ts->filters.items[i];
        if (strlen(uf->name) == f->len && memcmp(uf->name, f->name, f->len) == 0) {
            f->user = uf;
            return true;
        }
    }
    const template_builtin *b = template_builtin_find(f->name, f->len);
    if (!b) {
        diag_report(d, DIAG_ERROR, at(u, f->line, f->col), "unknown filter '%s'", f->name);
        return false;
    }
    unsigned nparams = 0;
    while (nparams < TEMPLATE_MAX_PARAMS && b->params[nparams]) {
        if (strcmp(b->params[nparams], "attribute") == 0)
            f->attribute = (signed char)nparams;
        nparams++;
    }
    static const struct {
        const char *name;
        unsigned char reads;
    } reads[] = {{"length", TEMPLATE_READS_COUNT},   {"count", TEMPLATE_READS_COUNT},
                 {"map", TEMPLATE_READS_ATTRIBUTE},  {"sum", TEMPLATE_READS_ATTRIBUTE},
                 {"join", TEMPLATE_READS_ATTRIBUTE}, {"where", TEMPLATE_READS_WHERE},
                 {"first", TEMPLATE_READS_FIRST},    {"last", TEMPLATE_READS_LAST},
                 {"reverse", TEMPLATE_READS_REVERSE}};
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++)
        if (strcmp(b->name, reads[i].name) == 0)
            f->reads = reads[i].reads;
    if (f->args.npos > nparams) {
        if (nparams == 0)
            diag_report(d, DIAG_ERROR, at(u, f->line, f->col), "filter '%s' takes no arguments",
                        b->name);
        else
            diag_report(d, DIAG_ERROR, at(u, f->line, f->col),
                        "filter '%s' takes at most %u argument%s", b->name, nparams,
                        nparams == 1 ? "" : "s");
        return false;
    }
    template_expr **slots = arena_zalloc(ts->a, TEMPLATE_MAX_PARAMS * sizeof(template_expr *));
    for (size_t i = 0; i < f->args.npos; i++)
        slots[i] = f->args.pos[i];
    bool ok = true;
    for (size_t i = 0; i < f->args.nnamed; i++) {
        const template_named *na = &f->args.named[i];
        unsigned k = 0;
        while (k < nparams &&
               !(strlen(b->params[k]) == na->len && memcmp(b->params[k], na->name, na->len) == 0))
            k++;
        if (k == nparams) {
            diag_report(d, DIAG_ERROR, at(u, na->line, na->col), "filter '%s' has no argument '%s'",
                        b->name, na->name);
            ok = false;
        } else if (slots[k]) {
            diag_report(d, DIAG_ERROR, at(u, na->line, na->col), "argument '%s' given twice",
                        na->name);
            ok = false;
        } else {
            slots[k] = na->val;
        }
    }
    for (unsigned k = 0; ok && k < b->required; k++) {
        if (!slots[k]) {
            diag_report(d, DIAG_ERROR, at(u, f->line, f->col), "filter '%s' needs argument '%s'",
                        b->name, b->params[k]);
            ok = false;
        }
    }
    f->builtin = b;
    f->slots = slots;
    return ok;
}

static bool
link_macro_args(const template_unit *u, template_expr *e, const template_macro *m, diag *d)
{
    const template_args *args = &e->u.call.args;
    if (args->npos > m->nparams) {
        diag_report(d, DIAG_ERROR, at(u, e->line, e->col),
                    "macro '%s' takes %zu argument%s, %zu given", m->name, m->nparams,
                    m->nparams == 1 ? "" : "s", args->npos);
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < args->nnamed; i++) {
        const template_named *na = &args->named[i];
        size_t k = 0;
        while (k < m->nparams &&
               !(m->param_lens[k] == na->len && memcmp(m->params[k], na->name, na->len) == 0))
            k++;
        if (k == m->nparams) {
            diag_report(d, DIAG_ERROR, at(u, na->line, na->col), "macro '%s' has no argument '%s'",
                        m->name, na->name);
            ok = false;
        } else if (k < args->npos) {
            diag_report(d, DIAG_ERROR, at(u, na->line, na->col), "argument '%s' given twice",
                        na->name);
            ok = false;
        }
    }
    e->u.call.fn = TEMPLATE_FN_MACRO;
    e->u.call.macro = m;
    return ok;
}

static bool
name_is(const char *name, size_t len, const char *s)
{
    return strlen(s) == len && memcmp(name, s, len) == 0;
}

static bool
link_call(const template_unit *u, template_expr *e, diag *d)
{
    const template_expr *callee = e->u.call.callee;
    const template_args *args = &e->u.call.args;
    e->u.call.fn = TEMPLATE_FN_UNRESOLVED;
    if (callee->kind == TEMPLATE_EX_NAME) {
        const char *name = callee->u.name.name;
        size_t len = callee->u.name.len;
        const template_macro *m = template_find_macro(u, name, len);
        if (m)
            return link_macro_args(u, e, m, d);
        if (name_is(name, len, "super")) {
            if (args->npos || args->nnamed) {
                diag_report(d, DIAG_ERROR, at(u, e->line, e->col), "super() takes no arguments");
                return false;
            }
            e->u.call.fn = TEMPLATE_FN_SUPER;
            return true;
        }
        if (name_is(name, len, "range")) {
            e->u.call.fn = TEMPLATE_FN_RANGE;
            return true;
        }
        if (name_is(name, len, "t")) {
            if (args->npos != 1) {
                diag_report(d, DIAG_ERROR, at(u, e->line, e->col),
                            "t() takes one key (t(\"latest_projects\")), then named values for "
                            "its {placeholders}");
                return false;
            }
            e->u.call.fn = TEMPLATE_FN_T;
            return true;
        }
        diag_report(d, DIAG_ERROR, at(u, e->line, e->col), "unknown function '%s'", name);
        return false;
    }
    /* ns.name(...) or ns::name(...) */
    const char *ns = callee->u.attr.obj->u.name.name, *name = callee->u.attr.name;
    size_t ns_len = callee->u.attr.obj->u.name.len, len = callee->u.attr.len;
    if (name_is(ns, ns_len, "loop") && name_is(name, len, "cycle")) {
        if (!args->npos || args->nnamed) {
            diag_report(d, DIAG_ERROR, at(u, e->line, e->col),
                        "loop.cycle() takes one or more positional arguments");
            return false;
        }
        e->u.call.fn = TEMPLATE_FN_CYCLE;
        return true;
    }
    const template_unit *target = NULL;
    if (name_is(ns, ns_len, "self")) {
        target = u;
    } else {
        for (size_t i = u->imports.len; i-- > 0;) {
            const template_import *im = u->imports.items[i];
            if (im->alias_len == ns_len && memcmp(im->alias, ns, ns_len) == 0) {
                if (!im->target)
                    return false; /* reported by the import */
                target = im->target;
                break;
            }
        }
    }
    if (!target) {
        diag_report(d, DIAG_ERROR, at(u, e->line, e->col), "unknown function '%s.%s'", ns, name);
        return false;
    }
    const template_macro *m = template_find_macro(target, name, len);
    if (!m) {
        diag_report(d, DIAG_ERROR, at(u, e->line, e->col), "template '%s' has no macro '%s'",
                    target->name, name);
        return false;
    }
    return link_macro_args(u, e, m, d);
}

static bool
link_unit(template_set *ts, template_unit *u, diag *d)
{
    bool ok = true;
    for (size_t i = 0; i < u->includes.len; i++) {
        template_node *n = u->includes.items[i];
        const template_expr *name = n->u.include.name;
        n->u.include.target = NULL;
        if (name->kind != TEMPLATE_EX_LITERAL || name->u.lit->type != VALUE_STRING)
            continue; /* a computed name: looked up when rendering */
        const value *s = name->u.lit;
        n->u.include.target = template_find(ts, s->as.str.ptr, s->as.str.len);
        if (!n->u.include.target && !n->u.include.ignore_missing) {
            diag_report(d, DIAG_ERROR, at(u, name->line, name->col),
                        "included template '%s' not found", s->as.str.ptr);
            ok = false;
        }
    }
    for (size_t i = 0; i < u->imports.len; i++) {
        template_import *im = u->imports.items[i];
        im->target = template_find(ts, im->target_name, strlen(im->target_name));
        if (!im->target) {
            diag_report(d, DIAG_ERROR, at(u, im->line, im->col), "imported template '%s' not found",
                        im->target_name);
            ok = false;
        }
    }
    for (size_t i = 0; i < u->filters.len; i++)
        ok &= link_filter(ts, u, u->filters.items[i], d);
    for (size_t i = 0; i < u->calls.len; i++)
        ok &= link_call(u, u->calls.items[i], d);
    return ok;
}

bool
template_set_link(template_set *ts, diag *d)
{
    bool ok = true;
    for (size_t i = 0; i < ts->units.len; i++) {
        template_unit *u = ts->units.items[i];
        u->parent = NULL;
        u->chain = NULL;
        u->chain_len = 0;
        if (u->broken) {
            ok = false;
            continue;
        }
        if (u->extends) {
            u->parent = template_find(ts, u->extends, strlen(u->extends));
            if (!u->parent) {
                diag_report(d, DIAG_ERROR, at(u, u->ext_line, u->ext_col),
                            "parent template '%s' not found", u->extends);
                ok = false;
            }
        }
    }
    for (size_t i = 0; i < ts->units.len; i++) {
        template_unit *u = ts->units.items[i];
        if (!u->broken && !(u->extends && !u->parent))
            ok &= link_chain(ts, u, d);
    }
    /* a file with syntax errors is linked too, to report everything at once; what its
     * parser recorded is complete even when the tree around it is not */
    for (size_t i = 0; i < ts->units.len; i++)
        ok &= link_unit(ts, ts->units.items[i], d);
    ts->linked = ok;
    return ok;
}

/* {====================================================================
 * render
 * ===================================================================== */

bool
template_render(buf *out, const template_set *ts, const char *name, const value *ctx,
                arena *scratch, diag *d)
{
    return template_render_logged(out, ts, name, ctx, scratch, NULL, NULL, d);
}

bool
template_render_logged(buf *out, const template_set *ts, const char *name, const value *ctx,
                       arena *scratch, deps_log *log, template_cache *cache, diag *d)
{
    assert(ts->linked && "template_set_link must succeed before template_render");
    const template_unit *u = template_find(ts, name, strlen(name));
    if (!u) {
        diag_report(d, DIAG_ERROR, SRC_NONE, "template '%s' not found", name);
        return false;
    }
    return template_eval(out, ts, u, ctx, scratch, log, cache, d);
}
