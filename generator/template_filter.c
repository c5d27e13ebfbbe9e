/* SPDX-License-Identifier: MIT
 * template_filter.c - the built-in template filters (`{{ x | upper }}`) and tests
 * (`{% if x is defined %}`). Each works on the values of template_internal.h and puts
 * what it makes into the render's scratch arena. Part of the render pass. */
#include "template_internal.h"

#include "ident.h"
#include "text.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* {====================================================================
 * helpers
 * ===================================================================== */

static bool ferr(const template_fctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool
ferr(const template_fctx *c, const char *fmt, ...)
{
    buf msg = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    diag_report(c->d, DIAG_ERROR, c->at, "filter '%s': %s", c->name, msg.ptr);
    buf_free(&msg);
    return false;
}

static template_rv
mk(const value *v, bool safe)
{
    return (template_rv){v, NULL, TEMPLATE_RV_VALUE, safe, NULL};
}

static bool
defined(const template_rv *v)
{
    return v->kind == TEMPLATE_RV_VALUE && v->v;
}

static bool
given(const template_rv *v)
{
    return v->kind != TEMPLATE_RV_ABSENT;
}

static bool
is_type(const template_rv *v, value_type t)
{
    return defined(v) && v->v->type == t;
}

static value *
new_str(const template_fctx *c, const char *s, size_t len)
{
    return value_new_string(c->scratch, s, len, SRC_NONE);
}

static bool
out_buf(template_rv *out, const template_fctx *c, buf *b, bool safe)
{
    *out = mk(new_str(c, b->ptr, b->len), safe);
    buf_free(b);
    return true;
}

static const char *
text(const template_fctx *c, const template_rv *v, size_t *len)
{
    return template_text(v, len, c->scratch);
}

/* A NUL-terminated text form (for arguments used as C strings). */
static const char *
ctext(const template_fctx *c, const template_rv *v)
{
    size_t len;
    const char *s = text(c, v, &len);
    return is_type(v, VALUE_STRING) && strlen(s) == len ? s : arena_strndup(c->scratch, s, len);
}

static bool
num_arg(const template_fctx *c, const template_rv *args, size_t i, double def, double *out)
{
    if (!given(&args[i])) {
        *out = def;
        return true;
    }
    if (!is_type(&args[i], VALUE_NUMBER))
        return ferr(c, "argument '%s' must be a number, got %s",
                    template_builtin_find(c->name, strlen(c->name))->params[i],
                    template_type_name(&args[i]));
    *out = args[i].v->as.number;
    return true;
}

/* Lists for list filters: undefined and null count as empty. */
static bool
list_in(const template_fctx *c, const template_rv *in, const value **out)
{
    static const value empty = {.type = VALUE_LIST};
    if (!defined(in) || in->v->type == VALUE_NULL) {
        *out = &empty;
        return true;
    }
    if (in->v->type != VALUE_LIST)
        return ferr(c, "expected a list, got %s", template_type_name(in));
    *out = in->v;
    return true;
}

/* The attribute path of an item ("date", "outcomes.funding"); NULL when absent. */
static const value *
attr(const value *item, const char *path)
{
    return path ? value_path(item, path) : item;
}

static bool
attr_arg(const template_fctx *c, const template_rv *arg, const char **out)
{
    *out = NULL;
    if (!given(arg))
        return true;
    if (!is_type(arg, VALUE_STRING))
        return ferr(c, "argument 'attribute' must be a string, got %s", template_type_name(arg));
    *out = ctext(c, arg);
    return true;
}

/* Equality for where(): a string equals a number or date whose text is the same. */
static bool
loose_equal(const value *a, const value *b)
{
    if (!a || !b)
        return !a && !b;
    if (a->type == b->type)
        return value_equal(a, b);
    if ((a->type == VALUE_STRING) == (b->type == VALUE_STRING) || a->type == VALUE_LIST ||
        a->type == VALUE_MAP || b->type == VALUE_LIST || b->type == VALUE_MAP)
        return false;
    buf x = BUF_INIT, y = BUF_INIT;
    value_to_text(&x, a);
    value_to_text(&y, b);
    bool eq = x.len == y.len && memcmp(x.ptr, y.ptr, x.len) == 0;
    buf_free(&x);
    buf_free(&y);
    return eq;
}

/* {====================================================================
 * strings
 * ===================================================================== */

static bool
f_safe(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    (void)c;
    *out = *in;
    out->safe = true;
    return true;
}

static bool
f_escape(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    if (in->safe) { /* already HTML: never escaped twice */
        *out = *in;
        return true;
    }
    size_t len;
    const char *s = text(c, in, &len);
    buf b = BUF_INIT;
    text_html_escape(&b, s, len);
    return out_buf(out, c, &b, true);
}

static bool
f_string(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    size_t len;
    const char *s = text(c, in, &len);
    *out = mk(is_type(in, VALUE_STRING) ? in->v : new_str(c, s, len), in->safe);
    return true;
}

enum { CASE_UPPER, CASE_LOWER, CASE_CAPITALIZE, CASE_TITLE };

static bool
change_case(template_rv *out, const template_rv *in, const template_fctx *c, int mode)
{
    size_t len;
    const char *s = text(c, in, &len);
    char *t = arena_strndup(c->scratch, s, len);
    bool word_start = true;
    for (size_t i = 0; i < len; i++) {
        char ch = t[i];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || (unsigned char)ch >= 0x80;
        bool up = mode == CASE_UPPER || (mode == CASE_CAPITALIZE && i == 0) ||
                  (mode == CASE_TITLE && word_start);
        if (up && ch >= 'a' && ch <= 'z')
            t[i] = (char)(ch - 'a' + 'A');
        else if (!up && ch >= 'A' && ch <= 'Z')
            t[i] = (char)(ch - 'A' + 'a');
        word_start = !alnum && ch != '\'';
    }
    *out = mk(value_new_string_ref(c->scratch, t, len, SRC_NONE), in->safe);
    return true;
}

static bool
f_upper(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    return change_case(out, in, c, CASE_UPPER);
}

static bool
f_lower(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    return change_case(out, in, c, CASE_LOWER);
}

static bool
f_capitalize(template_rv *out, const template_rv *in, const template_rv *args,
             const template_fctx *c)
{
    (void)args;
    return change_case(out, in, c, CASE_CAPITALIZE);
}

static bool
f_title(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    return change_case(out, in, c, CASE_TITLE);
}

static bool
f_trim(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    size_t len;
    const char *s = text(c, in, &len);
    s = text_trim(s, &len);
    *out = mk(new_str(c, s, len), in->safe);
    return true;
}

static bool
f_truncate(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    double n;
    if (!num_arg(c, args, 0, 255, &n))
        return false;
    if (!(n >= 0)) /* also NaN */
        return ferr(c, "length must not be negative");
    size_t len;
    const char *s = text(c, in, &len);
    if ((double)text_utf8_count(s, len) <= n) {
        *out = mk(new_str(c, s, len), false);
        return true;
    }
    bool killwords = given(&args[2]) && template_truthy(&args[2]);
    bool cut;
    buf b = BUF_INIT;
    buf_append(&b, s,
               killwords ? text_utf8_prefix(s, len, (size_t)n)
                         : text_shorten_point(s, len, (size_t)n, &cut));
    if (given(&args[1])) {
        size_t elen;
        const char *e = text(c, &args[1], &elen);
        buf_append(&b, e, elen);
    } else {
        buf_puts(&b, "\xE2\x80\xA6"); /* … */
    }
    return out_buf(out, c, &b, false);
}

static bool
f_slugify(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    size_t len;
    const char *s = text(c, in, &len);
    buf b = BUF_INIT;
    text_slugify(&b, s, len);
    return out_buf(out, c, &b, false);
}

static bool
f_striptags(template_rv *out, const template_rv *in, const template_rv *args,
            const template_fctx *c)
{
    (void)args;
    size_t len;
    const char *s = text(c, in, &len);
    buf b = BUF_INIT;
    text_strip_tags(&b, s, len);
    return out_buf(out, c, &b, false);
}

static bool
f_replace(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    size_t len, flen, tlen;
    const char *s = text(c, in, &len), *from = text(c, &args[0], &flen),
               *to = text(c, &args[1], &tlen);
    buf b = BUF_INIT;
    for (size_t i = 0; i < len;) {
        if (flen && i + flen <= len && memcmp(s + i, from, flen) == 0) {
            buf_append(&b, to, tlen);
            i += flen;
        } else {
            buf_putc(&b, s[i++]);
        }
    }
    return out_buf(out, c, &b, false);
}

static bool
is_ws(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

static bool
f_split(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    size_t len, plen = 0;
    const char *s = text(c, in, &len), *pat = given(&args[0]) ? text(c, &args[0], &plen) : NULL;
    value *l = value_new_list(c->scratch, SRC_NONE);
    if (!pat || !plen) { /* on runs of white space, like Python's str.split() */
        for (size_t i = 0; i < len;) {
            while (i < len && is_ws(s[i]))
                i++;
            size_t start = i;
            while (i < len && !is_ws(s[i]))
                i++;
            if (i > start)
                value_list_push(l, new_str(c, s + start, i - start), c->scratch);
        }
    } else {
        size_t start = 0;
        for (size_t i = 0; i + plen <= len;) {
            if (memcmp(s + i, pat, plen) == 0) {
                value_list_push(l, new_str(c, s + start, i - start), c->scratch);
                i += plen;
                start = i;
            } else {
                i++;
            }
        }
        value_list_push(l, new_str(c, s + start, len - start), c->scratch);
    }
    *out = mk(l, false);
    return true;
}

static bool
f_urlencode(template_rv *out, const template_rv *in, const template_rv *args,
            const template_fctx *c)
{
    (void)args;
    size_t len;
    const char *s = text(c, in, &len);
    buf b = BUF_INIT;
    text_url_encode_path(&b, s, len);
    return out_buf(out, c, &b, false);
}

static bool
f_urlencode_strict(template_rv *out, const template_rv *in, const template_rv *args,
                   const template_fctx *c)
{
    (void)args;
    size_t len;
    const char *s = text(c, in, &len);
    buf b = BUF_INIT;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '/')
            buf_puts(&b, "%2F");
        else
            text_url_encode_path(&b, s + i, 1);
    }
    return out_buf(out, c, &b, false);
}

static bool
f_wordcount(template_rv *out, const template_rv *in, const template_rv *args,
            const template_fctx *c)
{
    (void)args;
    size_t len, words = 0;
    const char *s = text(c, in, &len);
    for (size_t i = 0; i < len;) {
        while (i < len && is_ws(s[i]))
            i++;
        if (i < len)
            words++;
        while (i < len && !is_ws(s[i]))
            i++;
    }
    *out = mk(value_new_number(c->scratch, (double)words, SRC_NONE), false);
    return true;
}

static bool
f_json(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    buf b = BUF_INIT;
    bool pretty = given(&args[0]) && template_truthy(&args[0]);
    value_to_json(&b, defined(in) ? in->v : NULL, pretty ? 2 : 0);
    return out_buf(out, c, &b, false);
}

/* {====================================================================
 * URLs
 * ===================================================================== */

/* base ("https://x.org/sub/" or "/sub/") joined with path: a path that already starts
 * with the base path ("/sub/css") is not prefixed twice. A URL with a scheme, "//host"
 * and "#frag" are left alone, but only http:, https: and mailto: are allowed as schemes
 * (text_url_scheme_allowed): javascript:, data: and the rest are an error. */
static bool
join_url(template_rv *out, const template_rv *in, const template_fctx *c, bool absolute)
{
    size_t len;
    const char *s = text(c, in, &len);
    text_url_scheme sc;
    text_url_scheme_read(&sc, s, len, false);
    if (!text_url_scheme_allowed(s, len, false))
        return ferr(c, "URL scheme '%s:' is not allowed (use " TEXT_URL_ALLOWED ")", sc.name);
    if (sc.kind == TEXT_URL_SCHEME || (len >= 2 && s[0] == '/' && s[1] == '/') ||
        (len >= 1 && s[0] == '#')) {
        *out = mk(new_str(c, s, len), false);
        return true;
    }
    const char *base = absolute ? c->ts->base_url : c->ts->base_path;
    const char *path = c->ts->base_path;
    size_t plen = strlen(path);
    buf b = BUF_INIT;
    if (len >= plen && memcmp(s, path, plen) == 0) {
        s += plen;
        len -= plen;
    } else if (plen > 1 && len == plen - 1 && memcmp(s, path, len) == 0) { /* "/sub" */
        len = 0;
    }
    while (len && s[0] == '/') {
        s++;
        len--;
    }
    buf_puts(&b, base);
    buf_append(&b, s, len);
    return out_buf(out, c, &b, false);
}

static bool
f_abs_url(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    return join_url(out, in, c, true);
}

static bool
f_rel_url(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    return join_url(out, in, c, false);
}

/* {====================================================================
 * values
 * ===================================================================== */

static bool
f_default(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    bool boolean = given(&args[1]) && template_truthy(&args[1]);
    bool missing = !defined(in) || in->v->type == VALUE_NULL || (boolean && !template_truthy(in));
    if (!missing)
        *out = *in;
    else if (given(&args[0]))
        *out = args[0];
    else
        *out = mk(new_str(c, "", 0), false);
    return true;
}

static bool
f_length(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    double n = 0;
    if (is_type(in, VALUE_STRING))
        n = (double)text_utf8_count(in->v->as.str.ptr, in->v->as.str.len);
    else if (is_type(in, VALUE_LIST) || is_type(in, VALUE_MAP))
        n = (double)value_len(in->v);
    else if (defined(in) && in->v->type != VALUE_NULL)
        return ferr(c, "expected a list, map or string, got %s", template_type_name(in));
    *out = mk(value_new_number(c->scratch, n, SRC_NONE), false);
    return true;
}

static bool
f_first_last(template_rv *out, const template_rv *in, const template_fctx *c, bool last)
{
    *out = mk(NULL, false);
    if (is_type(in, VALUE_STRING)) {
        const char *s = in->v->as.str.ptr;
        size_t len = in->v->as.str.len, n = text_utf8_count(s, len);
        if (!n)
            return true;
        size_t start = text_utf8_prefix(s, len, last ? n - 1 : 0);
        size_t end = text_utf8_prefix(s, len, last ? n : 1);
        *out = mk(new_str(c, s + start, end - start), false);
        return true;
    }
    const value *l = NULL;
    if (!list_in(c, in, &l))
        return false;
    if (l->as.list.len)
        *out = mk(l->as.list.items[last ? l->as.list.len - 1 : 0], false);
    return true;
}

static bool
f_first(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    return f_first_last(out, in, c, false);
}

static bool
f_last(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    return f_first_last(out, in, c, true);
}

static bool
f_reverse(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    if (is_type(in, VALUE_STRING)) {
        const char *s = in->v->as.str.ptr;
        size_t len = in->v->as.str.len;
        char *t = arena_alloc(c->scratch, len + 1);
        for (size_t i = 0; i < len;) { /* by characters, not bytes */
            size_t k = text_utf8_prefix(s + i, len - i, 1);
            memcpy(t + len - i - k, s + i, k);
            i += k;
        }
        t[len] = '\0';
        *out = mk(value_new_string_ref(c->scratch, t, len, SRC_NONE), false);
        return true;
    }
    const value *l = NULL;
    if (!list_in(c, in, &l))
        return false;
    /* the list deps_check() makes of a DEPS_REVERSE step: a value of the scratch arena,
     * which no memo keeps a hash of by its address (value.transient) */
    *out = mk(deps_get_reverse(l, c->scratch), false);
    return true;
}

typedef struct sort_item {
    const value *key, *item;
    size_t index;
    int sign; /* -1 for reverse=true; each item carries it: qsort has no context */
} sort_item;

static int
cmp_sort_item(const void *pa, const void *pb)
{
    const sort_item *a = pa, *b = pb;
    int c = value_compare(a->key, b->key) * a->sign;
    if (c)
        return c;
    return a->index < b->index ? -1 : a->index > b->index; /* stable */
}

static bool
f_sort(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    const value *l = NULL;
    const char *path = NULL;
    if (!list_in(c, in, &l) || !attr_arg(c, &args[0], &path))
        return false;
    int sign = given(&args[1]) && template_truthy(&args[1]) ? -1 : 1;
    size_t n = l->as.list.len;
    sort_item *items = arena_alloc(c->scratch, (n + 1) * sizeof(sort_item));
    for (size_t i = 0; i < n; i++)
        items[i] = (sort_item){attr(l->as.list.items[i], path), l->as.list.items[i], i, sign};
    if (n > 1)
        qsort(items, n, sizeof(sort_item), cmp_sort_item);
    value *r = value_new_list(c->scratch, SRC_NONE);
    for (size_t i = 0; i < n; i++)
        value_list_push(r, (value *)items[i].item, c->scratch);
    *out = mk(r, false);
    return true;
}

static bool
f_where(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    const value *l = NULL;
    const char *path = NULL;
    if (!list_in(c, in, &l) || !attr_arg(c, &args[0], &path))
        return false;
    value *r = value_new_list(c->scratch, SRC_NONE);
    for (size_t i = 0; i < l->as.list.len; i++) {
        const value *v = attr(l->as.list.items[i], path);
        bool keep = given(&args[1]) ? loose_equal(v, defined(&args[1]) ? args[1].v : NULL)
                                    : value_truthy(v);
        if (keep)
            value_list_push(r, l->as.list.items[i], c->scratch);
    }
    *out = mk(r, false);
    return true;
}

static bool
f_group_by(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    const value *l = NULL;
    const char *path = NULL;
    if (!list_in(c, in, &l) || !attr_arg(c, &args[0], &path))
        return false;
    value *groups = value_new_list(c->scratch, SRC_NONE);
    for (size_t i = 0; i < l->as.list.len; i++) {
        value *item = l->as.list.items[i];
        value *key = (value *)attr(item, path);
        if (!key || key->type == VALUE_NULL)
            continue; /* items without the attribute are left out */
        value *members = NULL;
        for (size_t g = 0; g < groups->as.list.len && !members; g++)
            if (value_equal(value_map_get(groups->as.list.items[g], "grouper"), key))
                members = value_map_get(groups->as.list.items[g], "list");
        if (!members) {
            value *g = value_new_map(c->scratch, SRC_NONE);
            members = value_new_list(c->scratch, SRC_NONE);
            value_map_set(g, "grouper", key, c->scratch);
            value_map_set(g, "list", members, c->scratch);
            value_list_push(groups, g, c->scratch);
        }
        value_list_push(members, item, c->scratch);
    }
    *out = mk(groups, false);
    return true;
}

static bool
f_map(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    const value *l = NULL;
    const char *path = NULL;
    if (!list_in(c, in, &l) || !attr_arg(c, &args[0], &path))
        return false;
    value *r = value_new_list(c->scratch, SRC_NONE);
    for (size_t i = 0; i < l->as.list.len; i++) {
        value *v = (value *)attr(l->as.list.items[i], path);
        value_list_push(r, v ? v : value_new_null(c->scratch, SRC_NONE), c->scratch);
    }
    *out = mk(r, false);
    return true;
}

static bool
f_unique(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    const value *l = NULL;
    if (!list_in(c, in, &l))
        return false;
    value *r = value_new_list(c->scratch, SRC_NONE);
    for (size_t i = 0; i < l->as.list.len; i++) {
        bool seen = false;
        for (size_t k = 0; k < r->as.list.len && !seen; k++)
            seen = value_equal(r->as.list.items[k], l->as.list.items[i]);
        if (!seen)
            value_list_push(r, l->as.list.items[i], c->scratch);
    }
    *out = mk(r, false);
    return true;
}

/* Python slice bounds: negative counts from the end, clamped to [0, n]. */
static size_t
bound(double x, size_t n)
{
    if (x != x) /* NaN */
        return 0;
    if (x < 0)
        x += (double)n;
    if (x < 0)
        return 0;
    return x > (double)n ? n : (size_t)x;
}

static bool
f_slice(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    double start, end;
    if (!num_arg(c, args, 0, 0, &start))
        return false;
    if (is_type(in, VALUE_STRING)) {
        const char *s = in->v->as.str.ptr;
        size_t len = in->v->as.str.len, n = text_utf8_count(s, len);
        if (!num_arg(c, args, 1, (double)n, &end))
            return false;
        size_t a = bound(start, n), b = bound(end, n);
        size_t from = text_utf8_prefix(s, len, a), to = b > a ? text_utf8_prefix(s, len, b) : from;
        *out = mk(new_str(c, s + from, to - from), false);
        return true;
    }
    const value *l = NULL;
    if (!list_in(c, in, &l) || !num_arg(c, args, 1, (double)l->as.list.len, &end))
        return false;
    size_t a = bound(start, l->as.list.len), b = bound(end, l->as.list.len);
    value *r = value_new_list(c->scratch, SRC_NONE);
    for (size_t i = a; i < b; i++)
        value_list_push(r, l->as.list.items[i], c->scratch);
    *out = mk(r, false);
    return true;
}

static bool
f_concat(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    const value *l = NULL;
    if (!list_in(c, in, &l))
        return false;
    value *r = value_new_list(c->scratch, SRC_NONE);
    for (size_t i = 0; i < l->as.list.len; i++)
        value_list_push(r, l->as.list.items[i], c->scratch);
    if (is_type(&args[0], VALUE_LIST)) {
        for (size_t i = 0; i < args[0].v->as.list.len; i++)
            value_list_push(r, args[0].v->as.list.items[i], c->scratch);
    } else if (defined(&args[0])) {
        value_list_push(r, (value *)args[0].v, c->scratch);
    }
    *out = mk(r, false);
    return true;
}

static bool
f_join(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    const value *l = NULL;
    const char *path = NULL;
    if (!list_in(c, in, &l) || !attr_arg(c, &args[1], &path))
        return false;
    size_t slen;
    const char *sep = text(c, &args[0], &slen);
    buf b = BUF_INIT;
    for (size_t i = 0; i < l->as.list.len; i++) {
        if (i)
            buf_append(&b, sep, slen);
        value_to_text(&b, attr(l->as.list.items[i], path));
    }
    return out_buf(out, c, &b, false);
}

static bool
f_sum(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    const value *l = NULL;
    const char *path = NULL;
    if (!list_in(c, in, &l) || !attr_arg(c, &args[0], &path))
        return false;
    double total = 0;
    for (size_t i = 0; i < l->as.list.len; i++) {
        const value *v = attr(l->as.list.items[i], path);
        if (!v || v->type == VALUE_NULL)
            continue;
        if (v->type != VALUE_NUMBER)
            return ferr(c, "item %zu is a %s, not a number", i + 1, value_type_name(v->type));
        total += v->as.number;
    }
    *out = mk(value_new_number(c->scratch, total, SRC_NONE), false);
    return true;
}

/* {====================================================================
 * numbers and dates
 * ===================================================================== */

/* A number from a number, a bool or numeric text; false otherwise. */
static bool
to_number(const template_fctx *c, const template_rv *in, double *out)
{
    if (is_type(in, VALUE_NUMBER)) {
        *out = in->v->as.number;
        return true;
    }
    if (is_type(in, VALUE_BOOL)) {
        *out = in->v->as.boolean;
        return true;
    }
    if (!is_type(in, VALUE_STRING))
        return false;
    size_t len = in->v->as.str.len;
    const char *s = text_trim(in->v->as.str.ptr, &len);
    if (!len || len > 64)
        return false;
    char *tmp = arena_strndup(c->scratch, s, len), *end;
    *out = strtod(tmp, &end); /* main never sets LC_NUMERIC: '.' is the decimal point */
    return *end == '\0' && isfinite(*out);
}

static bool
f_int(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    double n;
    if (!to_number(c, in, &n) && !num_arg(c, args, 0, 0, &n))
        return false;
    *out = mk(value_new_number(c->scratch, trunc(n), SRC_NONE), false);
    return true;
}

static bool
f_float(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    double n;
    if (!to_number(c, in, &n) && !num_arg(c, args, 0, 0, &n))
        return false;
    *out = mk(value_new_number(c->scratch, n, SRC_NONE), false);
    return true;
}

static bool
f_abs(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    if (!is_type(in, VALUE_NUMBER))
        return ferr(c, "expected a number, got %s", template_type_name(in));
    *out = mk(value_new_number(c->scratch, fabs(in->v->as.number), SRC_NONE), false);
    return true;
}

static bool
f_round(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    double prec;
    if (!num_arg(c, args, 0, 0, &prec))
        return false;
    if (!is_type(in, VALUE_NUMBER))
        return ferr(c, "expected a number, got %s", template_type_name(in));
    const char *method = given(&args[1]) ? ctext(c, &args[1]) : "common";
    double x = in->v->as.number, scale = pow(10, prec < 0 ? 0 : prec > 15 ? 15 : floor(prec));
    double y = x * scale;
    if (strcmp(method, "common") == 0)
        y = round(y); /* half away from zero */
    else if (strcmp(method, "ceil") == 0)
        y = ceil(y);
    else if (strcmp(method, "floor") == 0)
        y = floor(y);
    else
        return ferr(c, "method must be \"common\", \"ceil\" or \"floor\", got \"%s\"", method);
    *out = mk(value_new_number(c->scratch, y / scale, SRC_NONE), false);
    return true;
}

static bool
f_date(template_rv *out, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    value_date d;
    if (is_type(in, VALUE_DATE)) {
        d = in->v->as.date;
    } else if (is_type(in, VALUE_STRING)) {
        if (!value_date_parse(&d, in->v->as.str.ptr, in->v->as.str.len))
            return ferr(c, "'%s' is not a date (expected YYYY-MM-DD)", in->v->as.str.ptr);
    } else if (is_type(in, VALUE_NUMBER)) { /* seconds since the epoch */
        double secs = in->v->as.number;
        if (!(secs >= -62167219200.0 && secs <= 253402300799.0)) /* years 0 to 9999; NaN */
            return ferr(c, "%g seconds is out of range for a date", secs);
        d = value_date_from_epoch((int64_t)secs);
    } else {
        return ferr(c, "expected a date, got %s", template_type_name(in));
    }
    const char *fmt = given(&args[0]) ? ctext(c, &args[0]) : "%Y-%m-%d";
    buf b = BUF_INIT;
    value_date_format(&b, &d, fmt);
    return out_buf(out, c, &b, false);
}

/* {====================================================================
 * identifiers (ident.h): ident_url(kind=...) and ident_normal(kind=...)
 * ===================================================================== */

/* ident_url (url: the public registry page; "" when the input is not valid or has none) and
 * ident_normal (the canonical form; the input as it is when it is not valid), of the kind
 * named by argument 0. */
static bool
ident_filter(template_rv *out, const template_rv *in, const template_rv *args,
             const template_fctx *c, bool url)
{
    ident_kind kind;
    if (!is_type(&args[0], VALUE_STRING) || !ident_kind_from_name(&kind, ctext(c, &args[0])))
        return ferr(c, "argument 'kind' must be \"patent\", \"nmpa\" or \"trial\"");
    ident id;
    const char *why;
    bool ok = is_type(in, VALUE_STRING) &&
              ident_parse(&id, kind, in->v->as.str.ptr, in->v->as.str.len, &why);
    if (!ok && !url) {
        *out = *in;
        return true;
    }
    const char *s = !ok ? "" : url ? id.url : id.normal;
    *out = mk(new_str(c, s, strlen(s)), false);
    return true;
}

static bool
f_ident_url(template_rv *out, const template_rv *in, const template_rv *args,
            const template_fctx *c)
{
    return ident_filter(out, in, args, c, true);
}

static bool
f_ident_normal(template_rv *out, const template_rv *in, const template_rv *args,
               const template_fctx *c)
{
    return ident_filter(out, in, args, c, false);
}

/* {====================================================================
 * tables
 * ===================================================================== */

static const template_builtin builtins[] = {
    /* sorted by name: template_builtin_find does a binary search */
    {"abs", f_abs, {NULL}, 0},
    {"abs_url", f_abs_url, {NULL}, 0},
    {"capitalize", f_capitalize, {NULL}, 0},
    {"concat", f_concat, {"with", NULL}, 1},
    {"count", f_length, {NULL}, 0},
    {"date", f_date, {"format", NULL}, 0},
    {"default", f_default, {"value", "boolean", NULL}, 0},
    {"e", f_escape, {NULL}, 0},
    {"escape", f_escape, {NULL}, 0},
    {"first", f_first, {NULL}, 0},
    {"float", f_float, {"default", NULL}, 0},
    {"group_by", f_group_by, {"attribute", NULL}, 1},
    {"ident_normal", f_ident_normal, {"kind", NULL}, 1},
    {"ident_url", f_ident_url, {"kind", NULL}, 1},
    {"int", f_int, {"default", NULL}, 0},
    {"join", f_join, {"sep", "attribute", NULL}, 0},
    {"json", f_json, {"pretty", NULL}, 0},
    {"json_encode", f_json, {"pretty", NULL}, 0},
    {"last", f_last, {NULL}, 0},
    {"length", f_length, {NULL}, 0},
    {"lower", f_lower, {NULL}, 0},
    {"map", f_map, {"attribute", NULL}, 1},
    {"rel_url", f_rel_url, {NULL}, 0},
    {"replace", f_replace, {"from", "to", NULL}, 2},
    {"reverse", f_reverse, {NULL}, 0},
    {"round", f_round, {"precision", "method", NULL}, 0},
    {"safe", f_safe, {NULL}, 0},
    {"slice", f_slice, {"start", "end", NULL}, 0},
    {"slugify", f_slugify, {NULL}, 0},
    {"sort", f_sort, {"attribute", "reverse", NULL}, 0},
    {"split", f_split, {"pat", NULL}, 0},
    {"string", f_string, {NULL}, 0},
    {"striptags", f_striptags, {NULL}, 0},
    {"sum", f_sum, {"attribute", NULL}, 0},
    {"title", f_title, {NULL}, 0},
    {"trim", f_trim, {NULL}, 0},
    {"truncate", f_truncate, {"length", "end", "killwords", NULL}, 0},
    {"unique", f_unique, {NULL}, 0},
    {"upper", f_upper, {NULL}, 0},
    {"urlencode", f_urlencode, {NULL}, 0},
    {"urlencode_strict", f_urlencode_strict, {NULL}, 0},
    {"where", f_where, {"attribute", "value", NULL}, 1},
    {"wordcount", f_wordcount, {NULL}, 0},
};

static int
cmp_name(const char *name, size_t len, const char *entry)
{
    size_t n = strlen(entry);
    int c = memcmp(name, entry, len < n ? len : n);
    if (c)
        return c;
    return len < n ? -1 : len > n;
}

/* The table's order, which the binary search below needs: checked once per process. */
static void
check_builtins_sorted(void)
{
    for (size_t i = 1; i < sizeof builtins / sizeof builtins[0]; i++)
        assert(strcmp(builtins[i - 1].name, builtins[i].name) < 0 && "builtins[] out of order");
}

const template_builtin *
template_builtin_find(const char *name, size_t len)
{
    static pthread_once_t sorted = PTHREAD_ONCE_INIT;
    pthread_once(&sorted, check_builtins_sorted);
    size_t lo = 0, hi = sizeof builtins / sizeof builtins[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = cmp_name(name, len, builtins[mid].name);
        if (c == 0)
            return &builtins[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* ---- tests ---- */

static bool
t_defined(bool *res, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    (void)c;
    *res = defined(in) || in->kind == TEMPLATE_RV_LOOP;
    return true;
}

static bool
t_undefined(bool *res, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    t_defined(res, in, args, c);
    *res = !*res;
    return true;
}

/* The type tests (none, string, number, boolean, mapping, iterable, date): one function,
 * told apart by the test's name. */
static bool
t_type(bool *res, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    static const struct {
        const char *name;
        unsigned types; /* bit (1 << value_type) for each type that passes */
    } kinds[] = {
        {"none", 1u << VALUE_NULL},
        {"string", 1u << VALUE_STRING},
        {"number", 1u << VALUE_NUMBER},
        {"boolean", 1u << VALUE_BOOL},
        {"mapping", 1u << VALUE_MAP},
        {"iterable", 1u << VALUE_LIST | 1u << VALUE_MAP | 1u << VALUE_STRING},
        {"date", 1u << VALUE_DATE},
    };
    (void)args;
    *res = false;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(c->name, kinds[i].name) == 0)
            *res = defined(in) && (kinds[i].types & (1u << in->v->type)) != 0;
    return true;
}

/* Integer parity; false for anything that is not an integer. */
static bool
t_parity(bool *res, const template_rv *in, int want)
{
    *res = false;
    if (is_type(in, VALUE_NUMBER) && in->v->as.number == floor(in->v->as.number))
        *res = fabs(fmod(in->v->as.number, 2)) == want;
    return true;
}

static bool
t_odd(bool *res, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    (void)c;
    return t_parity(res, in, 1);
}

static bool
t_even(bool *res, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    (void)args;
    (void)c;
    return t_parity(res, in, 0);
}

static bool
t_divisibleby(bool *res, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    if (!is_type(&args[0], VALUE_NUMBER) || args[0].v->as.number == 0) {
        diag_report(c->d, DIAG_ERROR, c->at, "test 'divisibleby' needs a non-zero number");
        return false;
    }
    *res = is_type(in, VALUE_NUMBER) && fmod(in->v->as.number, args[0].v->as.number) == 0;
    return true;
}

static bool
t_affix(bool *res, const template_rv *in, const template_rv *args, const template_fctx *c,
        bool prefix)
{
    size_t len, alen;
    const char *s = text(c, in, &len), *a = text(c, &args[0], &alen);
    *res = is_type(in, VALUE_STRING) && alen <= len &&
           memcmp(prefix ? s : s + len - alen, a, alen) == 0;
    return true;
}

static bool
t_starting_with(bool *res, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    return t_affix(res, in, args, c, true);
}

static bool
t_ending_with(bool *res, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    return t_affix(res, in, args, c, false);
}

static bool
t_containing(bool *res, const template_rv *in, const template_rv *args, const template_fctx *c)
{
    *res = false;
    if (is_type(in, VALUE_STRING)) {
        size_t len, alen;
        const char *s = text(c, in, &len), *a = text(c, &args[0], &alen);
        for (size_t i = 0; i + alen <= len && !*res; i++)
            *res = memcmp(s + i, a, alen) == 0;
    } else if (is_type(in, VALUE_LIST)) {
        for (size_t i = 0; i < in->v->as.list.len && !*res; i++)
            *res = defined(&args[0]) && value_equal(in->v->as.list.items[i], args[0].v);
    } else if (is_type(in, VALUE_MAP) && is_type(&args[0], VALUE_STRING)) {
        *res = value_map_pair(in->v, args[0].v->as.str.ptr) != NULL;
    }
    return true;
}

static const template_test tests[] = {
    {"boolean", t_type, 0},
    {"containing", t_containing, 1},
    {"date", t_type, 0},
    {"defined", t_defined, 0},
    {"divisibleby", t_divisibleby, 1},
    {"ending_with", t_ending_with, 1},
    {"even", t_even, 0},
    {"iterable", t_type, 0},
    {"mapping", t_type, 0},
    {"none", t_type, 0},
    {"number", t_type, 0},
    {"odd", t_odd, 0},
    {"starting_with", t_starting_with, 1},
    {"string", t_type, 0},
    {"undefined", t_undefined, 0},
};

const template_test *
template_test_find(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (cmp_name(name, len, tests[i].name) == 0)
            return &tests[i];
    return NULL;
}
