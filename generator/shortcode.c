/* SPDX-License-Identifier: MIT
 * shortcode.c - find shortcode calls in Markdown outside code, run them, and put their
 * HTML back after the Markdown conversion (see shortcode.h). */
#include "shortcode.h"

#include "buf.h"
#include "markdown.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

static size_t
run_of(const char *s, size_t len, char c)
{
    size_t n = 0;
    while (n < len && s[n] == c)
        n++;
    return n;
}

/* {====================================================================
 * calls: {{ name(key="value", n=2, flag=true) }}
 * ===================================================================== */

typedef struct scan {
    const char *s;
    size_t len, pos;
    const char *file;
    unsigned line;     /* of s[pos] */
    size_t line_start; /* byte offset of the current line */
    arena *a;
    diag *d;
    /* here()'s last answer on the line at col_line: byte col_from is column col (0: none),
     * so a long line with many calls is counted once, not once per call */
    size_t col_line, col_from;
    unsigned col;
} scan;

static src_pos
here(scan *sc, size_t at)
{
    if (sc->col == 0 || sc->col_line != sc->line_start || sc->col_from > at) {
        sc->col_line = sc->col_from = sc->line_start;
        sc->col = 1;
    }
    sc->col += diag_col_from_byte(sc->s + sc->col_from, at - sc->col_from) - 1;
    sc->col_from = at;
    return SRC_POS(sc->file, sc->line, sc->col);
}

/* Skips spaces, tabs and line ends, keeping the line count. */
static void
skip_space(scan *sc)
{
    while (sc->pos < sc->len) {
        char c = sc->s[sc->pos];
        if (c == '\n') {
            sc->line++;
            sc->line_start = sc->pos + 1;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            break;
        }
        sc->pos++;
    }
}

static bool
is_ident(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && c >= '0' && c <= '9');
}

static size_t
ident_len(const scan *sc)
{
    size_t n = 0;
    while (sc->pos + n < sc->len && is_ident(sc->s[sc->pos + n], n == 0))
        n++;
    return n;
}

static bool
fail(scan *sc, size_t at, const char *what)
{
    diag_report(sc->d, DIAG_ERROR, here(sc, at), "malformed shortcode call: %s", what);
    return false;
}

/* A quoted string with \" \' \\ \n \t escapes. */
static value *
parse_string(scan *sc)
{
    size_t start = sc->pos;
    char q = sc->s[sc->pos++];
    buf b = BUF_INIT;
    while (sc->pos < sc->len && sc->s[sc->pos] != q && sc->s[sc->pos] != '\n') {
        char c = sc->s[sc->pos++];
        if (c == '\\' && sc->pos < sc->len) {
            char e = sc->s[sc->pos++];
            c = e == 'n' ? '\n' : e == 't' ? '\t' : e;
        }
        buf_putc(&b, c);
    }
    if (sc->pos >= sc->len || sc->s[sc->pos] != q) {
        buf_free(&b);
        fail(sc, start, "a string is not closed on its line");
        return NULL;
    }
    sc->pos++;
    value *v = value_new_string(sc->a, b.ptr ? b.ptr : "", b.len, here(sc, start));
    buf_free(&b);
    return v;
}

static value *
parse_value(scan *sc)
{
    size_t start = sc->pos;
    char c = sc->pos < sc->len ? sc->s[sc->pos] : '\0';
    if (c == '"' || c == '\'')
        return parse_string(sc);
    size_t n = ident_len(sc);
    if (n == 4 && strncmp(sc->s + sc->pos, "true", 4) == 0) {
        sc->pos += 4;
        return value_new_bool(sc->a, true, here(sc, start));
    }
    if (n == 5 && strncmp(sc->s + sc->pos, "false", 5) == 0) {
        sc->pos += 5;
        return value_new_bool(sc->a, false, here(sc, start));
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        size_t end = sc->pos + (c == '-');
        while (end < sc->len && ((sc->s[end] >= '0' && sc->s[end] <= '9') || sc->s[end] == '.'))
            end++;
        char tmp[64];
        size_t len = end - sc->pos;
        if (len > 0 && len < sizeof tmp) {
            memcpy(tmp, sc->s + sc->pos, len);
            tmp[len] = '\0';
            char *stop;
            double x = strtod(tmp, &stop);
            if (*stop == '\0') {
                sc->pos = end;
                return value_new_number(sc->a, x, here(sc, start));
            }
        }
    }
    fail(sc, start, "an argument value must be a \"string\", a number, true or false");
    return NULL;
}

/* Parses the call at sc->pos (which is at "{{" followed by `name(`) up to and including
 * "}}". Returns false after reporting a syntax error. */
static bool
parse_call(scan *sc, shortcode_call *call)
{
    call->at = here(sc, sc->pos);
    sc->pos += 2;
    skip_space(sc);
    size_t n = ident_len(sc);
    call->name = arena_strndup(sc->a, sc->s + sc->pos, n);
    sc->pos += n;
    skip_space(sc);
    sc->pos++; /* '(' (checked by the caller) */
    call->args = value_new_map(sc->a, call->at);
    skip_space(sc);
    while (sc->pos < sc->len && sc->s[sc->pos] != ')') {
        size_t key_at = sc->pos;
        size_t kn = ident_len(sc);
        if (kn == 0)
            return fail(sc, sc->pos, "expected an argument name (arguments are name=value)");
        const char *key = sc->s + sc->pos;
        src_pos key_pos = here(sc, key_at);
        sc->pos += kn;
        skip_space(sc);
        if (sc->pos >= sc->len || sc->s[sc->pos] != '=')
            return fail(sc, sc->pos, "expected '=' after the argument name");
        sc->pos++;
        skip_space(sc);
        value *v = parse_value(sc);
        if (!v)
            return false;
        if (value_map_get(call->args, arena_strndup(sc->a, key, kn))) {
            diag_report(sc->d, DIAG_ERROR, key_pos, "argument '%.*s' is given twice", (int)kn, key);
            return false;
        }
        value_map_setn_at(call->args, key, kn, v, key_pos, sc->a);
        skip_space(sc);
        if (sc->pos < sc->len && sc->s[sc->pos] == ',') {
            sc->pos++;
            skip_space(sc);
        } else if (sc->pos < sc->len && sc->s[sc->pos] != ')') {
            return fail(sc, sc->pos, "expected ',' or ')' after an argument");
        }
    }
    if (sc->pos >= sc->len)
        return fail(sc, sc->pos, "expected ')'");
    sc->pos++;
    skip_space(sc);
    if (sc->pos + 1 >= sc->len || sc->s[sc->pos] != '}' || sc->s[sc->pos + 1] != '}')
        return fail(sc, sc->pos, "expected '}}' after ')'");
    sc->pos += 2;
    return true;
}

/* Whether "{{" at sc->pos starts a call: `{{`, spaces, a name, spaces, `(`. */
static bool
starts_call(const scan *sc)
{
    size_t p = sc->pos + 2;
    while (p < sc->len && (sc->s[p] == ' ' || sc->s[p] == '\t'))
        p++;
    size_t n = 0;
    while (p + n < sc->len && is_ident(sc->s[p + n], n == 0))
        n++;
    if (n == 0)
        return false;
    p += n;
    while (p < sc->len && (sc->s[p] == ' ' || sc->s[p] == '\t'))
        p++;
    return p < sc->len && sc->s[p] == '(';
}

/* The end of the code span that opens with the n backticks at pos: the position after
 * the closing run of exactly n backticks in the same paragraph, or 0 when there is none
 * (then the backticks are literal text). */
static size_t
code_span_end(const char *s, size_t len, size_t pos, size_t n)
{
    for (size_t i = pos + n; i < len;) {
        if (s[i] == '\n') {
            size_t j = i + 1;
            while (j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r'))
                j++;
            if (j >= len || s[j] == '\n')
                return 0; /* a blank line ends the paragraph */
        }
        if (s[i] == '`') {
            size_t m = run_of(s + i, len - i, '`');
            if (m == n)
                return i + m;
            i += m;
            continue;
        }
        i++;
    }
    return 0;
}

/* }==================================================================== */

/* A token prefix that does not occur in src: "CLFSC", "CLFSCQ", "CLFSCQQ", ... */
static const char *
pick_prefix(const char *src, size_t len, arena *a)
{
    buf p = BUF_INIT;
    buf_puts(&p, "CLFSC");
    while (memmem(src, len, p.ptr, p.len))
        buf_putc(&p, 'Q');
    const char *s = arena_strndup(a, p.ptr, p.len);
    buf_free(&p);
    return s;
}

/* memchr for the rare '{' runs about ten times as fast as glibc's memmem over a two-byte
 * needle, and every page's text is asked (serially, before the Markdown pass: 18 ms of
 * memmem at 10,000 pages). */
bool
shortcode_may_call(const char *src, size_t len)
{
    if (!src)
        return false;
    const char *end = src + len;
    for (const char *p = src; (p = memchr(p, '{', (size_t)(end - p))) && p + 1 < end; p++)
        if (p[1] == '{')
            return true;
    return false;
}

bool
shortcode_expand(shortcode_text *out, const char *src, size_t len, const char *file,
                 unsigned first_line, shortcode_fn fn, void *payload, arena *a, diag *d)
{
    memset(out, 0, sizeof *out);
    out->src = src;
    out->len = len;
    if (!shortcode_may_call(src, len))
        return true;
    out->prefix = pick_prefix(src, len, a);
    scan sc = {src, len, 0, file, first_line, 0, a, d, 0, 0, 0};
    /* code and HTML blocks as the Markdown reader sees them: lines left alone */
    size_t n_lines = 1;
    for (size_t i = 0; i < len; i++)
        n_lines += src[i] == '\n';
    bool *code = markdown_code_lines(src, len, n_lines);
    size_t rel_line = 1;
    buf md = BUF_INIT;
    size_t cap = 0;
    bool ok = true, line_start = true;
    while (sc.pos < len) {
        if (line_start) {
            rel_line = sc.line - first_line + 1;
            line_start = false;
            if (rel_line <= n_lines && code[rel_line]) {
                const char *nl = memchr(src + sc.pos, '\n', len - sc.pos);
                size_t next = nl ? (size_t)(nl - src) + 1 : len;
                buf_append(&md, src + sc.pos, next - sc.pos);
                sc.pos = next;
                sc.line++;
                sc.line_start = next;
                line_start = true;
                continue;
            }
        }
        char c = src[sc.pos];
        if (c == '\n') {
            buf_putc(&md, c);
            sc.pos++;
            sc.line++;
            sc.line_start = sc.pos;
            line_start = true;
        } else if (c == '\\' && sc.pos + 1 < len && src[sc.pos + 1] != '\n') {
            buf_append(&md, src + sc.pos, 2); /* `\{` stays an escape for Markdown */
            sc.pos += 2;
        } else if (c == '`') {
            size_t n = run_of(src + sc.pos, len - sc.pos, '`');
            size_t end = code_span_end(src, len, sc.pos, n);
            size_t stop = end ? end : sc.pos + n;
            for (size_t i = sc.pos; i < stop; i++)
                if (src[i] == '\n') {
                    sc.line++;
                    sc.line_start = i + 1;
                }
            buf_append(&md, src + sc.pos, stop - sc.pos);
            sc.pos = stop;
        } else if (c == '{' && sc.pos + 1 < len && src[sc.pos + 1] == '{' && starts_call(&sc)) {
            size_t start = sc.pos, start_line_start = sc.line_start;
            shortcode_call call;
            if (!parse_call(&sc, &call)) {
                /* go on right after this `{{`: the rest of the line may hold good calls */
                ok = false;
                sc.line = call.at.line;
                sc.line_start = start_line_start;
                buf_append(&md, src + start, 2);
                sc.pos = start + 2;
                continue;
            }
            buf html = BUF_INIT;
            if (!fn(&html, &call, payload, d))
                ok = false;
            if (out->n == cap) {
                cap = cap ? cap * 2 : 8;
                const char **grown = arena_alloc(a, cap * sizeof(char *));
                markdown_span *spans = arena_alloc(a, cap * sizeof(markdown_span));
                if (out->n) {
                    memcpy(grown, out->html, out->n * sizeof(char *));
                    memcpy(spans, out->spans, out->n * sizeof(markdown_span));
                }
                out->html = grown;
                out->spans = spans;
            }
            out->html[out->n] = arena_strndup(a, html.ptr ? html.ptr : "", html.len);
            size_t token_at = md.len;
            buf_printf(&md, "%s%zuZ", out->prefix, out->n);
            out->spans[out->n] = (markdown_span){start, sc.pos, token_at, md.len};
            out->n++;
            buf_free(&html);
        } else {
            buf_putc(&md, c);
            sc.pos++;
        }
    }
    if (out->n) {
        out->src = arena_strndup(a, md.ptr, md.len);
        out->len = md.len;
    }
    buf_free(&md);
    free(code);
    return ok;
}

/* The call number of the token at p (which starts with the prefix), and its length. */
static bool
read_token(const shortcode_text *st, const char *p, size_t *index, size_t *token_len)
{
    size_t plen = strlen(st->prefix), i = plen, n = 0;
    if (strncmp(p, st->prefix, plen) != 0 || !(p[i] >= '0' && p[i] <= '9'))
        return false;
    for (; p[i] >= '0' && p[i] <= '9' && i < plen + 12; i++)
        n = n * 10 + (size_t)(p[i] - '0');
    if (p[i] != 'Z' || n >= st->n)
        return false;
    *index = n;
    *token_len = i + 1;
    return true;
}

const char *
shortcode_token_html(const void *payload, const char *text)
{
    const shortcode_text *st = payload;
    size_t index, tlen;
    if (!st->n || !read_token(st, text, &index, &tlen) || text[tlen] != '\0')
        return NULL;
    return st->html[index];
}

static bool
is_block_html(const char *html)
{
    static const char *const tags[] = {"<div",     "<figure", "<table",      "<svg",   "<section",
                                       "<ul",      "<ol",     "<p",          "<h1",    "<h2",
                                       "<h3",      "<h4",     "<h5",         "<h6",    "<pre",
                                       "<details", "<dl",     "<blockquote", "<aside", "<nav"};
    while (*html == ' ' || *html == '\n' || *html == '\t')
        html++;
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        size_t n = strlen(tags[i]);
        if (strncmp(html, tags[i], n) == 0 && (html[n] == '>' || html[n] == ' ' || html[n] == '\n'))
            return true;
    }
    return false;
}

const char *
shortcode_fill_html(const shortcode_text *st, const char *html, arena *a)
{
    if (!st->n)
        return html;
    buf b = BUF_INIT;
    const char *p = html;
    for (;;) {
        const char *hit = strstr(p, st->prefix);
        if (!hit)
            break;
        size_t index, tlen;
        if (!read_token(st, hit, &index, &tlen)) {
            buf_append(&b, p, (size_t)(hit - p) + 1);
            p = hit + 1;
            continue;
        }
        const char *out = st->html[index];
        bool alone = hit - p >= 3 && strncmp(hit - 3, "<p>", 3) == 0 &&
                     strncmp(hit + tlen, "</p>", 4) == 0 && is_block_html(out);
        if (alone) {
            buf_append(&b, p, (size_t)(hit - 3 - p));
            buf_puts(&b, out);
            p = hit + tlen + 4;
        } else {
            buf_append(&b, p, (size_t)(hit - p));
            buf_puts(&b, out);
            p = hit + tlen;
        }
    }
    buf_puts(&b, p);
    const char *r = arena_strndup(a, b.ptr, b.len);
    buf_free(&b);
    return r;
}

const char *
shortcode_fill_text(const shortcode_text *st, const char *text, arena *a)
{
    if (!st->n || !text)
        return text;
    buf b = BUF_INIT;
    const char *p = text;
    for (;;) {
        const char *hit = strstr(p, st->prefix);
        size_t index, tlen;
        if (!hit)
            break;
        if (!read_token(st, hit, &index, &tlen)) {
            buf_append(&b, p, (size_t)(hit - p) + 1);
            p = hit + 1;
            continue;
        }
        buf_append(&b, p, (size_t)(hit - p));
        text_strip_tags(&b, st->html[index], strlen(st->html[index]));
        p = hit + tlen;
    }
    buf_puts(&b, p);
    /* a summary cut inside a token ("... CLFS…"): drop the piece of the token */
    static const char ellipsis[] = "\xE2\x80\xA6";
    if (b.len >= 3 && memcmp(b.ptr + b.len - 3, ellipsis, 3) == 0) {
        size_t end = b.len - 3, start = end;
        while (start > 0 && ((b.ptr[start - 1] >= 'A' && b.ptr[start - 1] <= 'Z') ||
                             (b.ptr[start - 1] >= '0' && b.ptr[start - 1] <= '9')))
            start--;
        size_t plen = strlen(st->prefix), run = end - start;
        bool piece = run > 0 && (run <= plen ? strncmp(b.ptr + start, st->prefix, run) == 0
                                             : strncmp(b.ptr + start, st->prefix, plen) == 0);
        if (piece) {
            while (start > 0 && b.ptr[start - 1] == ' ')
                start--;
            buf_truncate(&b, start);
            buf_puts(&b, ellipsis);
        }
    }
    const char *r = arena_strndup(a, b.ptr, b.len);
    buf_free(&b);
    return r;
}

bool
shortcode_string_args(const char **values, const shortcode_call *call, const char *const *names,
                      size_t n, diag *d)
{
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        values[i] = NULL;
    for (size_t k = 0; call->args && k < call->args->as.map.len; k++) {
        const value_pair *kv = &call->args->as.map.pairs[k];
        size_t i = 0;
        while (i < n && strcmp(kv->key, names[i]) != 0)
            i++;
        const char *v = value_str(kv->val);
        if (i == n) {
            buf list = BUF_INIT;
            for (size_t j = 0; j < n; j++)
                buf_printf(&list, "%s%s", j ? ", " : "", names[j]);
            diag_report(d, DIAG_ERROR, kv->key_pos,
                        "shortcode '%s': unknown argument '%s' (arguments: %s)", call->name,
                        kv->key, list.ptr);
            buf_free(&list);
            ok = false;
        } else if (!v || !*v) {
            diag_report(d, DIAG_ERROR, kv->val->pos,
                        "shortcode '%s': '%s' must be a non-empty string", call->name, kv->key);
            ok = false;
        } else {
            values[i] = v;
        }
    }
    return ok;
}
