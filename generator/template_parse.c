/* SPDX-License-Identifier: MIT
 * template_parse.c - the template lexer and recursive-descent parser: source text to the
 * compiled tree of template_internal.h, every syntax error reported at its line and
 * character column. Runs once per theme file, before the render pass. */
#include "template_internal.h"

#include "text.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {====================================================================
 * lexer: the whole file becomes one token array; text and comments are handled here,
 * as are whitespace control and {% raw %}
 * ===================================================================== */

typedef enum tok_kind {
    TK_TEXT,
    TK_VAR_OPEN,
    TK_VAR_CLOSE,
    TK_TAG_OPEN,
    TK_TAG_CLOSE,
    TK_NAME,
    TK_STRING,
    TK_NUMBER,
    TK_PUNCT,
    TK_EOF,
} tok_kind;

typedef struct token {
    tok_kind kind;
    const char *s; /* TEXT, NAME, PUNCT: into the source; STRING: decoded, in the arena */
    size_t len;
    double num;
    unsigned line, col;
} token;

typedef struct lexer {
    const char *src;
    size_t len;
    size_t at; /* the byte offset that line and col describe */
    unsigned line, col;
    token *toks;
    size_t ntoks, cap;
    const template_unit *u;
    arena *a;
    diag *d;
    unsigned errors;
} lexer;

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool
is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Moves the position forward to off, counting lines and characters (not bytes). */
static void
seek(lexer *lx, size_t off)
{
    for (; lx->at < off; lx->at++) {
        unsigned char c = (unsigned char)lx->src[lx->at];
        if (c == '\n') {
            lx->line++;
            lx->col = 1;
        } else if ((c & 0xC0) != 0x80) { /* not a continuation byte */
            lx->col++;
        }
    }
}

#define MAX_LEX_ERRORS 50 /* then the file is given up: hostile input stays linear */

static void lex_verror(lexer *lx, unsigned line, unsigned col, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void
lex_verror(lexer *lx, unsigned line, unsigned col, const char *fmt, va_list ap)
{
    if (lx->errors++ < MAX_LEX_ERRORS)
        diag_vreport(lx->d, DIAG_ERROR, SRC_POS(lx->u->diag_file, line, col), fmt, ap);
}

/* An error at off, which must not be behind the current position. */
static void lex_error(lexer *lx, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
lex_error(lexer *lx, size_t off, const char *fmt, ...)
{
    seek(lx, off);
    va_list ap;
    va_start(ap, fmt);
    lex_verror(lx, lx->line, lx->col, fmt, ap);
    va_end(ap);
}

/* An error at a place already passed (an opener), whose position was kept. */
static void lex_error_at(lexer *lx, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
lex_error_at(lexer *lx, unsigned line, unsigned col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lex_verror(lx, line, col, fmt, ap);
    va_end(ap);
}

static token *
push(lexer *lx, tok_kind kind, size_t off, const char *s, size_t len)
{
    lx->toks = xgrow(lx->toks, lx->ntoks, &lx->cap, sizeof(token), 64);
    seek(lx, off);
    token *t = &lx->toks[lx->ntoks++];
    *t = (token){kind, s, len, 0, lx->line, lx->col};
    return t;
}

/* {{- and {%- remove the white space before them. */
static void
trim_last_text(lexer *lx)
{
    if (!lx->ntoks || lx->toks[lx->ntoks - 1].kind != TK_TEXT)
        return;
    token *t = &lx->toks[lx->ntoks - 1];
    while (t->len && is_space(t->s[t->len - 1]))
        t->len--;
    if (!t->len)
        lx->ntoks--;
}

/* Offset of the next "{{", "{%" or "{#" at or after i; len when there is none. */
static size_t
find_open(const char *s, size_t len, size_t i)
{
    while (i + 1 < len) {
        const char *p = memchr(s + i, '{', len - i - 1);
        if (!p)
            return len;
        i = (size_t)(p - s);
        if (s[i + 1] == '{' || s[i + 1] == '%' || s[i + 1] == '#')
            return i;
        i++;
    }
    return len;
}

static size_t
lex_string(lexer *lx, size_t i)
{
    char quote = lx->src[i];
    buf b = BUF_INIT;
    size_t j = i + 1;
    for (; j < lx->len && lx->src[j] != quote; j++) {
        char c = lx->src[j];
        if (c == '\\' && j + 1 < lx->len) {
            char e = lx->src[++j];
            switch (e) {
            case 'n':
                buf_putc(&b, '\n');
                break;
            case 't':
                buf_putc(&b, '\t');
                break;
            case 'r':
                buf_putc(&b, '\r');
                break;
            case '\\':
            case '"':
            case '\'':
                buf_putc(&b, e);
                break;
            default: /* unknown escapes stay as written, as in Python */
                buf_putc(&b, '\\');
                buf_putc(&b, e);
            }
            continue;
        }
        buf_putc(&b, c);
    }
    if (j >= lx->len) {
        lex_error(lx, i, "unterminated string");
        buf_free(&b);
        return lx->len;
    }
    push(lx, TK_STRING, i, arena_strndup(lx->a, b.ptr, b.len), b.len);
    buf_free(&b);
    return j + 1;
}

static size_t
lex_number(lexer *lx, size_t i)
{
    size_t j = i;
    while (j < lx->len && is_digit(lx->src[j]))
        j++;
    /* after '.', a number is an index (a.0.1 is a[0][1]), never a fraction */
    bool after_dot = lx->ntoks && lx->toks[lx->ntoks - 1].kind == TK_PUNCT &&
                     lx->toks[lx->ntoks - 1].len == 1 && lx->toks[lx->ntoks - 1].s[0] == '.';
    if (!after_dot && j + 1 < lx->len && lx->src[j] == '.' && is_digit(lx->src[j + 1])) {
        j++;
        while (j < lx->len && is_digit(lx->src[j]))
            j++;
    }
    char *tmp = arena_strndup(lx->a, lx->src + i, j - i);
    token *t = push(lx, TK_NUMBER, i, lx->src + i, j - i);
    t->num = strtod(tmp, NULL); /* main never sets LC_NUMERIC: '.' is the decimal point */
    return j;
}

static const char *const puncts2[] = {"==", "!=", "<=", ">=", "//", "::"};
static const char puncts1[] = "+-*/%~()[]{},:.|=<>";

/* The tokens inside a tag, from i (just after the opener and its '-') to the closer.
 * close is '}' or '%'. Returns the offset after the closer. */
static size_t
lex_inside(lexer *lx, size_t i, char close, unsigned open_line, unsigned open_col, bool *trim_next)
{
    const char *s = lx->src;
    size_t len = lx->len;
    for (;;) {
        while (i < len && is_space(s[i]))
            i++;
        if (i >= len || (s[i] == '{' && i + 1 < len &&
                         (s[i + 1] == '{' || s[i + 1] == '%' || s[i + 1] == '#'))) {
            lex_error_at(lx, open_line, open_col,
                         close == '}' ? "unclosed '{{' (expected '}}')"
                                      : "unclosed '{%%' (expected '%%}')");
            return i;
        }
        char c = s[i];
        if (c == '-' && i + 2 < len && s[i + 1] == close && s[i + 2] == '}') {
            push(lx, close == '}' ? TK_VAR_CLOSE : TK_TAG_CLOSE, i, s + i, 3);
            *trim_next = true;
            return i + 3;
        }
        if (c == close && i + 1 < len && s[i + 1] == '}') {
            push(lx, close == '}' ? TK_VAR_CLOSE : TK_TAG_CLOSE, i, s + i, 2);
            return i + 2;
        }
        if (is_name_start(c)) {
            size_t j = i + 1;
            while (j < len && (is_name_start(s[j]) || is_digit(s[j])))
                j++;
            push(lx, TK_NAME, i, s + i, j - i);
            i = j;
            continue;
        }
        if (is_digit(c)) {
            i = lex_number(lx, i);
            continue;
        }
        if (c == '"' || c == '\'') {
            i = lex_string(lx, i);
            if (i >= len)
                return len;
            continue;
        }
        bool found = false;
        for (size_t k = 0; k < sizeof puncts2 / sizeof puncts2[0]; k++) {
            if (i + 1 < len && s[i] == puncts2[k][0] && s[i + 1] == puncts2[k][1]) {
                push(lx, TK_PUNCT, i, s + i, 2);
                i += 2;
                found = true;
                break;
            }
        }
        if (found)
            continue;
        if (c != '\0' && strchr(puncts1, c)) {
            push(lx, TK_PUNCT, i, s + i, 1);
            i++;
            continue;
        }
        size_t n = text_utf8_seq(s + i, len - i);
        if (n)
            lex_error(lx, i, "unexpected character '%.*s'", (int)n, s + i);
        else
            lex_error(lx, i, "unexpected byte 0x%02X", (unsigned char)c);
        i += n ? n : 1;
    }
}

/* After `{% raw %}`: the text up to `{% endraw %}` is emitted as it stands. */
static size_t
lex_raw(lexer *lx, size_t i, unsigned open_line, unsigned open_col, bool trim_start,
        bool *trim_next)
{
    const char *s = lx->src;
    size_t len = lx->len;
    for (size_t k = find_open(s, len, i); k < len; k = find_open(s, len, k + 1)) {
        if (s[k + 1] != '%')
            continue;
        size_t j = k + 2;
        bool dash = j < len && s[j] == '-';
        j += dash;
        while (j < len && is_space(s[j]))
            j++;
        if (len - j < 6 || memcmp(s + j, "endraw", 6) != 0)
            continue;
        j += 6;
        while (j < len && is_space(s[j]))
            j++;
        bool dash2 = j < len && s[j] == '-';
        j += dash2;
        if (j + 1 >= len || s[j] != '%' || s[j + 1] != '}')
            continue;
        size_t start = i, end = k;
        if (trim_start)
            while (start < end && is_space(s[start]))
                start++;
        if (dash)
            while (end > start && is_space(s[end - 1]))
                end--;
        if (end > start)
            push(lx, TK_TEXT, start, s + start, end - start);
        *trim_next = dash2;
        return j + 2;
    }
    lex_error_at(lx, open_line, open_col, "unclosed 'raw' (missing {%% endraw %%})");
    return len;
}

static void
lex(lexer *lx)
{
    const char *s = lx->src;
    size_t len = lx->len, i = 0;
    bool trim = false;
    while (i < len) {
        size_t open = find_open(s, len, i);
        size_t start = i;
        if (trim)
            while (start < open && is_space(s[start]))
                start++;
        trim = false;
        if (open > start)
            push(lx, TK_TEXT, start, s + start, open - start);
        if (open >= len)
            break;
        char kind = s[open + 1];
        size_t j = open + 2;
        bool dash = j < len && s[j] == '-';
        if (dash) {
            j++;
            trim_last_text(lx);
        }
        if (kind == '#') {
            const char *end = NULL;
            for (size_t k = j; k + 1 < len; k++) {
                if (s[k] == '#' && s[k + 1] == '}') {
                    end = s + k;
                    break;
                }
            }
            if (!end) {
                lex_error(lx, open, "unclosed comment (expected '#}')");
                return;
            }
            trim = end > s + j && end[-1] == '-';
            i = (size_t)(end - s) + 2;
            continue;
        }
        size_t first = lx->ntoks;
        const token *o =
            push(lx, kind == '{' ? TK_VAR_OPEN : TK_TAG_OPEN, open, s + open, j - open);
        unsigned open_line = o->line, open_col = o->col;
        i = lex_inside(lx, j, kind == '{' ? '}' : '%', open_line, open_col, &trim);
        if (lx->errors >= MAX_LEX_ERRORS)
            break;
        /* exactly `{% raw %}`: switch to raw text */
        if (kind == '%' && lx->ntoks == first + 3 && lx->toks[first + 1].kind == TK_NAME &&
            lx->toks[first + 1].len == 3 && memcmp(lx->toks[first + 1].s, "raw", 3) == 0 &&
            lx->toks[first + 2].kind == TK_TAG_CLOSE) {
            lx->ntoks = first;
            bool trim_start = trim;
            trim = false;
            i = lex_raw(lx, i, open_line, open_col, trim_start, &trim);
        }
    }
    push(lx, TK_EOF, len, s + len, 0);
}

/* {====================================================================
 * parser
 * ===================================================================== */

typedef struct open_tag {
    const char *kw;
    const char *const *stops;
    unsigned line, col;
} open_tag;

typedef struct parser {
    token *t; /* the current token; the array ends with TK_EOF */
    template_unit *u;
    arena *a;
    diag *d;
    unsigned errors;
    unsigned depth; /* nesting of tags and expressions */
    unsigned loop_depth, block_depth;
    bool in_macro;
    bool fatal;        /* nesting limit hit: stop parsing, report nothing more */
    bool seen_content; /* anything but white space and comments: extends comes too late */
    open_tag open[TEMPLATE_MAX_PARSE_DEPTH + 2];
    size_t nopen;
} parser;

static void perr(parser *p, const token *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
perr(parser *p, const token *at, const char *fmt, ...)
{
    p->errors++;
    if (p->fatal)
        return;
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(p->d, DIAG_ERROR, SRC_POS(p->u->diag_file, at->line, at->col), fmt, ap);
    va_end(ap);
}

/* How a token reads in a message: "'%}'", "'foo'", "a string". */
static const char *
describe(const token *t, char *out, size_t size)
{
    switch (t->kind) {
    case TK_STRING:
        return "a string";
    case TK_NUMBER:
        return "a number";
    case TK_EOF:
        return "the end of the template";
    case TK_TEXT:
        return "text";
    case TK_VAR_CLOSE:
        return "'}}'";
    case TK_TAG_CLOSE:
        return "'%}'";
    default:
        snprintf(out, size, "'%.*s'", t->len > 40 ? 40 : (int)t->len, t->s);
        return out;
    }
}

static void
advance(parser *p)
{
    if (p->t->kind != TK_EOF)
        p->t++;
}

static bool
is_punct(const token *t, const char *s)
{
    size_t n = strlen(s);
    return t->kind == TK_PUNCT && t->len == n && memcmp(t->s, s, n) == 0;
}

static bool
is_name(const token *t, const char *s)
{
    size_t n = strlen(s);
    return t->kind == TK_NAME && t->len == n && memcmp(t->s, s, n) == 0;
}

static bool
accept_punct(parser *p, const char *s)
{
    if (!is_punct(p->t, s))
        return false;
    advance(p);
    return true;
}

static bool
expect_punct(parser *p, const char *s)
{
    if (accept_punct(p, s))
        return true;
    char tmp[64];
    perr(p, p->t, "expected '%s', got %s", s, describe(p->t, tmp, sizeof tmp));
    return false;
}

/* Words that cannot name a variable. */
static bool
is_keyword(const token *t)
{
    static const char *const words[] = {"and", "or", "not", "in", "is", "if", "else"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (is_name(t, words[i]))
            return true;
    return false;
}

static const char *
copy_tok(parser *p, const token *t)
{
    return arena_strndup(p->a, t->s, t->len);
}

/* Skips the rest of a tag after an error, past its closer. */
static void
skip_tag(parser *p)
{
    while (p->t->kind != TK_EOF && p->t->kind != TK_TAG_CLOSE && p->t->kind != TK_VAR_CLOSE &&
           p->t->kind != TK_TAG_OPEN && p->t->kind != TK_VAR_OPEN && p->t->kind != TK_TEXT)
        advance(p);
    if (p->t->kind == TK_TAG_CLOSE || p->t->kind == TK_VAR_CLOSE)
        advance(p);
}

/* The end of a tag: '%}' when ok, else (an error was reported) skip to it. */
static bool
tag_end(parser *p, bool ok)
{
    if (ok && p->t->kind == TK_TAG_CLOSE) {
        advance(p);
        return true;
    }
    if (ok) {
        char tmp[64];
        perr(p, p->t, "expected '%%}', got %s", describe(p->t, tmp, sizeof tmp));
    }
    skip_tag(p);
    return false;
}

static bool
enter(parser *p)
{
    if (++p->depth > TEMPLATE_MAX_PARSE_DEPTH) {
        perr(p, p->t, "nesting too deep (more than %d levels)", TEMPLATE_MAX_PARSE_DEPTH);
        p->fatal = true;
        p->depth--;
        return false;
    }
    return true;
}

static void
leave(parser *p)
{
    p->depth--;
}

/* {====================================================================
 * expressions
 * ===================================================================== */

static template_expr *parse_expr(parser *p);

static template_expr *
new_expr(parser *p, template_expr_kind kind, const token *at)
{
    template_expr *e = arena_zalloc(p->a, sizeof(template_expr));
    e->kind = (unsigned char)kind;
    e->height = 1;
    e->line = at->line;
    e->col = at->col;
    return e;
}

static unsigned
max_u(unsigned a, unsigned b)
{
    return a > b ? a : b;
}

static unsigned
args_height(const template_args *args)
{
    unsigned h = 0;
    for (size_t i = 0; i < args->npos; i++)
        h = max_u(h, args->pos[i]->height);
    for (size_t i = 0; i < args->nnamed; i++)
        h = max_u(h, args->named[i].val->height);
    return h;
}

/* Records the subtree height: the evaluator recurses that deep, so it is capped even when
 * the parser did not recurse (a + b + c + ... builds a deep tree in a loop). */
static template_expr *
finish(parser *p, template_expr *e)
{
    unsigned h = 0;
    switch ((template_expr_kind)e->kind) {
    case TEMPLATE_EX_LITERAL:
    case TEMPLATE_EX_NAME:
        break;
    case TEMPLATE_EX_ATTR:
        h = e->u.attr.obj->height;
        break;
    case TEMPLATE_EX_INDEX:
        h = max_u(e->u.index.obj->height, e->u.index.index->height);
        break;
    case TEMPLATE_EX_LIST:
    case TEMPLATE_EX_DICT:
        for (size_t i = 0; i < e->u.list.n; i++) {
            h = max_u(h, e->u.list.items[i]->height);
            if (e->u.list.keys)
                h = max_u(h, e->u.list.keys[i]->height);
        }
        break;
    case TEMPLATE_EX_UNARY:
        h = e->u.bin.a->height;
        break;
    case TEMPLATE_EX_BINARY:
    case TEMPLATE_EX_AND:
    case TEMPLATE_EX_OR:
        h = max_u(e->u.bin.a->height, e->u.bin.b->height);
        break;
    case TEMPLATE_EX_COND:
        h = max_u(e->u.cond.cond->height, e->u.cond.then->height);
        if (e->u.cond.otherwise)
            h = max_u(h, e->u.cond.otherwise->height);
        break;
    case TEMPLATE_EX_FILTER:
        h = max_u(e->u.filter.input->height, args_height(&e->u.filter.f->args));
        break;
    case TEMPLATE_EX_TEST:
        h = max_u(e->u.test.input->height, args_height(&e->u.test.args));
        break;
    case TEMPLATE_EX_CALL:
        h = max_u(e->u.call.callee->height, args_height(&e->u.call.args));
        break;
    }
    if (h + 1 > TEMPLATE_MAX_PARSE_DEPTH) {
        token at = {TK_EOF, NULL, 0, 0, e->line, e->col};
        perr(p, &at, "expression too deeply nested (more than %d levels)",
             TEMPLATE_MAX_PARSE_DEPTH);
        p->fatal = true;
        return NULL;
    }
    e->height = (unsigned short)(h + 1);
    return e;
}

/* (a, b, name=c): p->t is just after '('. */
static bool
parse_args(parser *p, template_args *out)
{
    template_ptrs pos = {0}, named = {0};
    while (!is_punct(p->t, ")")) {
        if (p->t->kind == TK_NAME && is_punct(p->t + 1, "=")) {
            template_named *n = arena_zalloc(p->a, sizeof(template_named));
            n->name = copy_tok(p, p->t);
            n->len = p->t->len;
            n->line = p->t->line;
            n->col = p->t->col;
            advance(p);
            advance(p);
            if (!(n->val = parse_expr(p)))
                return false;
            template_ptrs_push(&named, n, p->a);
        } else {
            if (named.len) {
                perr(p, p->t, "positional argument after a named argument");
                return false;
            }
            template_expr *e = parse_expr(p);
            if (!e)
                return false;
            template_ptrs_push(&pos, e, p->a);
        }
        if (!accept_punct(p, ","))
            break;
    }
    if (!expect_punct(p, ")"))
        return false;
    out->pos = (template_expr **)pos.items;
    out->npos = pos.len;
    if (named.len) {
        out->named = arena_alloc(p->a, named.len * sizeof(template_named));
        for (size_t i = 0; i < named.len; i++)
            out->named[i] = *(template_named *)named.items[i];
    }
    out->nnamed = named.len;
    return true;
}

static template_filter_call *
parse_filter_call(parser *p)
{
    if (p->t->kind != TK_NAME) {
        char tmp[64];
        perr(p, p->t, "expected a filter name, got %s", describe(p->t, tmp, sizeof tmp));
        return NULL;
    }
    template_filter_call *f = arena_zalloc(p->a, sizeof(template_filter_call));
    f->name = copy_tok(p, p->t);
    f->len = p->t->len;
    f->line = p->t->line;
    f->col = p->t->col;
    advance(p);
    if (accept_punct(p, "(") && !parse_args(p, &f->args))
        return NULL;
    template_ptrs_push(&p->u->filters, f, p->a);
    return f;
}

static template_expr *
literal(parser *p, const token *t, value *v)
{
    template_expr *e = new_expr(p, TEMPLATE_EX_LITERAL, t);
    e->u.lit = v;
    return e;
}

static template_expr *
parse_primary(parser *p)
{
    const token *t = p->t;
    src_pos at = SRC_POS(p->u->diag_file, t->line, t->col);
    char tmp[64];
    switch (t->kind) {
    case TK_NAME:
        if (is_keyword(t))
            break;
        advance(p);
        if (is_name(t, "true") || is_name(t, "True"))
            return literal(p, t, value_new_bool(p->a, true, at));
        if (is_name(t, "false") || is_name(t, "False"))
            return literal(p, t, value_new_bool(p->a, false, at));
        if (is_name(t, "none") || is_name(t, "None") || is_name(t, "null"))
            return literal(p, t, value_new_null(p->a, at));
        {
            template_expr *e = new_expr(p, TEMPLATE_EX_NAME, t);
            e->u.name.name = copy_tok(p, t);
            e->u.name.len = t->len;
            return e;
        }
    case TK_STRING:
        advance(p);
        return literal(p, t, value_new_string_ref(p->a, t->s, t->len, at));
    case TK_NUMBER:
        advance(p);
        return literal(p, t, value_new_number(p->a, t->num, at));
    case TK_PUNCT:
        if (is_punct(t, "(")) {
            advance(p);
            template_expr *e = parse_expr(p);
            if (!e || !expect_punct(p, ")"))
                return NULL;
            return e;
        }
        if (is_punct(t, "[") || is_punct(t, "{")) {
            bool dict = is_punct(t, "{");
            const char *close = dict ? "}" : "]";
            advance(p);
            template_ptrs items = {0}, keys = {0};
            while (!is_punct(p->t, close)) {
                if (dict) {
                    template_expr *k = parse_expr(p);
                    if (!k || !expect_punct(p, ":"))
                        return NULL;
                    template_ptrs_push(&keys, k, p->a);
                }
                template_expr *v = parse_expr(p);
                if (!v)
                    return NULL;
                template_ptrs_push(&items, v, p->a);
                if (!accept_punct(p, ","))
                    break;
            }
            if (!expect_punct(p, close))
                return NULL;
            template_expr *e = new_expr(p, dict ? TEMPLATE_EX_DICT : TEMPLATE_EX_LIST, t);
            e->u.list.items = (template_expr **)items.items;
            e->u.list.keys = dict ? (template_expr **)keys.items : NULL;
            e->u.list.n = items.len;
            return finish(p, e);
        }
        break;
    default:
        break;
    }
    perr(p, t, "expected an expression, got %s", describe(t, tmp, sizeof tmp));
    return NULL;
}

/* a.b, a::b, a[i], f(args) */
static template_expr *
parse_postfix(parser *p, template_expr *e)
{
    char tmp[64];
    while (e) {
        const token *t = p->t;
        if (is_punct(t, ".") || is_punct(t, "::")) {
            advance(p);
            const token *n = p->t;
            if (n->kind != TK_NAME && !(n->kind == TK_NUMBER && is_punct(t, "."))) {
                perr(p, n, "expected an attribute name after '%.*s', got %s", (int)t->len, t->s,
                     describe(n, tmp, sizeof tmp));
                return NULL;
            }
            advance(p);
            template_expr *a = new_expr(p, TEMPLATE_EX_ATTR, t);
            a->u.attr.obj = e;
            a->u.attr.name = copy_tok(p, n);
            a->u.attr.len = n->len;
            e = finish(p, a);
        } else if (is_punct(t, "[")) {
            advance(p);
            template_expr *idx = parse_expr(p);
            if (!idx || !expect_punct(p, "]"))
                return NULL;
            template_expr *a = new_expr(p, TEMPLATE_EX_INDEX, t);
            a->u.index.obj = e;
            a->u.index.index = idx;
            e = finish(p, a);
        } else if (is_punct(t, "(")) {
            if (e->kind != TEMPLATE_EX_NAME &&
                !(e->kind == TEMPLATE_EX_ATTR && e->u.attr.obj->kind == TEMPLATE_EX_NAME)) {
                perr(p, t, "only macros and functions can be called");
                return NULL;
            }
            advance(p);
            template_expr *c = new_expr(p, TEMPLATE_EX_CALL, t);
            c->line = e->line;
            c->col = e->col;
            c->u.call.callee = e;
            if (!parse_args(p, &c->u.call.args))
                return NULL;
            if (e->kind == TEMPLATE_EX_NAME && e->u.name.len == 5 &&
                memcmp(e->u.name.name, "super", 5) == 0 && p->block_depth == 0) {
                token at = {TK_EOF, NULL, 0, 0, e->line, e->col};
                perr(p, &at, "super() outside of a block");
                return NULL;
            }
            template_ptrs_push(&p->u->calls, c, p->a);
            e = finish(p, c);
        } else {
            break;
        }
    }
    return e;
}

/* | filter(args), is [not] test(args) */
static template_expr *
parse_filters(parser *p, template_expr *e)
{
    char tmp[64];
    while (e) {
        const token *t = p->t;
        if (is_punct(t, "|")) {
            advance(p);
            template_filter_call *f = parse_filter_call(p);
            if (!f)
                return NULL;
            template_expr *a = new_expr(p, TEMPLATE_EX_FILTER, t);
            a->line = f->line;
            a->col = f->col;
            a->u.filter.input = e;
            a->u.filter.f = f;
            e = finish(p, a);
        } else if (is_name(t, "is")) {
            advance(p);
            bool negate = false;
            if (is_name(p->t, "not")) {
                negate = true;
                advance(p);
            }
            const token *n = p->t;
            if (n->kind != TK_NAME) {
                perr(p, n, "expected a test name after 'is', got %s", describe(n, tmp, sizeof tmp));
                return NULL;
            }
            const template_test *test = template_test_find(n->s, n->len);
            if (!test) {
                perr(p, n, "unknown test '%.*s'", (int)n->len, n->s);
                return NULL;
            }
            advance(p);
            template_expr *a = new_expr(p, TEMPLATE_EX_TEST, n);
            a->u.test.input = e;
            a->u.test.test = test;
            a->u.test.negate = negate;
            if (accept_punct(p, "(") && !parse_args(p, &a->u.test.args))
                return NULL;
            if (a->u.test.args.npos != test->nargs || a->u.test.args.nnamed) {
                perr(p, n, "test '%s' takes %u argument%s", test->name, test->nargs,
                     test->nargs == 1 ? "" : "s");
                return NULL;
            }
            e = finish(p, a);
        } else {
            break;
        }
    }
    return e;
}

static template_expr *
unary(parser *p, const token *t, template_op op, template_expr *a)
{
    template_expr *e = new_expr(p, TEMPLATE_EX_UNARY, t);
    e->op = (unsigned char)op;
    e->u.bin.a = a;
    return finish(p, e);
}

static template_expr *
binary(parser *p, const token *t, template_expr_kind kind, template_op op, template_expr *a,
       template_expr *b)
{
    template_expr *e = new_expr(p, kind, t);
    e->op = (unsigned char)op;
    e->u.bin.a = a;
    e->u.bin.b = b;
    return finish(p, e);
}

/* As in Jinja, a sign binds tighter than filters and tests: -3 | abs is (-3) | abs. */
static template_expr *
parse_unary(parser *p, bool with_filters)
{
    const token *t = p->t;
    template_expr *e;
    if (is_punct(t, "-") || is_punct(t, "+")) {
        if (!enter(p))
            return NULL;
        advance(p);
        template_expr *a = parse_unary(p, false);
        leave(p);
        e = a ? unary(p, t, t->s[0] == '-' ? TEMPLATE_OP_NEG : TEMPLATE_OP_POS, a) : NULL;
    } else {
        e = parse_primary(p);
    }
    e = parse_postfix(p, e);
    return with_filters ? parse_filters(p, e) : e;
}

/* The binary operators, by level of precedence, lowest first (one table and one function,
 * parse_binary(), as Lua's lparser.c has its priority[] and subexpr()): every level is
 * left-associative; `not`, a prefix, stands between `and` and the comparisons (NOT_LEVEL),
 * and `not in` is one operator of two words. */
typedef struct {
    const char *text;
    bool word; /* a name (and, or, in), not punctuation */
    template_expr_kind kind;
    template_op op;
    int level;
} binop;

enum { NOT_LEVEL = 3 };

static const binop BINOPS[] = {
    {"or", true, TEMPLATE_EX_OR, TEMPLATE_OP_NOT, 1},
    {"and", true, TEMPLATE_EX_AND, TEMPLATE_OP_NOT, 2},
    {"==", false, TEMPLATE_EX_BINARY, TEMPLATE_OP_EQ, 4},
    {"!=", false, TEMPLATE_EX_BINARY, TEMPLATE_OP_NE, 4},
    {"<=", false, TEMPLATE_EX_BINARY, TEMPLATE_OP_LE, 4},
    {">=", false, TEMPLATE_EX_BINARY, TEMPLATE_OP_GE, 4},
    {"<", false, TEMPLATE_EX_BINARY, TEMPLATE_OP_LT, 4},
    {">", false, TEMPLATE_EX_BINARY, TEMPLATE_OP_GT, 4},
    {"in", true, TEMPLATE_EX_BINARY, TEMPLATE_OP_IN, 4},
    {"~", false, TEMPLATE_EX_BINARY, TEMPLATE_OP_CONCAT, 5},
    {"+", false, TEMPLATE_EX_BINARY, TEMPLATE_OP_ADD, 6},
    {"-", false, TEMPLATE_EX_BINARY, TEMPLATE_OP_SUB, 6},
    {"*", false, TEMPLATE_EX_BINARY, TEMPLATE_OP_MUL, 7},
    {"/", false, TEMPLATE_EX_BINARY, TEMPLATE_OP_DIV, 7},
    {"//", false, TEMPLATE_EX_BINARY, TEMPLATE_OP_FLOORDIV, 7},
    {"%", false, TEMPLATE_EX_BINARY, TEMPLATE_OP_MOD, 7},
};
static const binop NOT_IN = {"not in", true, TEMPLATE_EX_BINARY, TEMPLATE_OP_NOT_IN, 4};

/* The binary operator at t, NULL when there is none; *tokens: how many tokens it takes. */
static const binop *
binop_at(const token *t, int *tokens)
{
    *tokens = 1;
    if (is_name(t, "not") && is_name(t + 1, "in")) {
        *tokens = 2;
        return &NOT_IN;
    }
    for (size_t i = 0; i < sizeof BINOPS / sizeof BINOPS[0]; i++)
        if (BINOPS[i].word ? is_name(t, BINOPS[i].text) : is_punct(t, BINOPS[i].text))
            return &BINOPS[i];
    return NULL;
}

/* An operand with every operator above level limit: `not` first when limit allows it
 * (not binds the comparisons and tighter: not a == b is not (a == b)), else a unary
 * operand; then each operator above limit with its right operand, which takes only the
 * operators above that operator's own level. */
static template_expr *
parse_binary(parser *p, int limit)
{
    template_expr *a;
    const token *t = p->t;
    if (limit <= NOT_LEVEL && is_name(t, "not")) {
        if (!enter(p))
            return NULL;
        advance(p);
        template_expr *x = parse_binary(p, NOT_LEVEL);
        leave(p);
        a = x ? unary(p, t, TEMPLATE_OP_NOT, x) : NULL;
    } else {
        a = parse_unary(p, true);
    }
    while (a) {
        int tokens;
        const binop *op = binop_at(p->t, &tokens);
        if (!op || op->level <= limit)
            break;
        t = p->t;
        while (tokens--)
            advance(p);
        template_expr *b = parse_binary(p, op->level);
        a = b ? binary(p, t, op->kind, op->op, a, b) : NULL;
    }
    return a;
}

/* expr := operators ['if' operators ['else' expr]] */
static template_expr *
parse_expr(parser *p)
{
    if (!enter(p))
        return NULL;
    template_expr *e = parse_binary(p, 0);
    if (e && is_name(p->t, "if")) {
        const token *t = p->t;
        advance(p);
        template_expr *c = parse_binary(p, 0), *otherwise = NULL;
        if (c && is_name(p->t, "else")) {
            advance(p);
            if (!(otherwise = parse_expr(p)))
                c = NULL;
        }
        if (c) {
            template_expr *x = new_expr(p, TEMPLATE_EX_COND, t);
            x->u.cond.cond = c;
            x->u.cond.then = e;
            x->u.cond.otherwise = otherwise;
            e = finish(p, x);
        } else {
            e = NULL;
        }
    }
    leave(p);
    return e;
}

/* {====================================================================
 * tags
 * ===================================================================== */

static template_node *parse_body(parser *p, const char *const *stops, int *stop);

static template_node *
new_node(parser *p, template_node_kind kind, const token *at)
{
    template_node *n = arena_zalloc(p->a, sizeof(template_node));
    n->kind = (unsigned char)kind;
    n->line = at->line;
    n->col = at->col;
    return n;
}

static bool
push_open(parser *p, const char *kw, const char *const *stops, const token *at)
{
    if (p->nopen >= TEMPLATE_MAX_PARSE_DEPTH) {
        perr(p, at, "nesting too deep (more than %d levels)", TEMPLATE_MAX_PARSE_DEPTH);
        p->fatal = true;
        return false;
    }
    p->open[p->nopen++] = (open_tag){kw, stops, at->line, at->col};
    return true;
}

static void
unclosed(parser *p, const token *open, const char *kw)
{
    perr(p, open, "unclosed '%s' (missing {%% end%s %%})", kw, kw);
}

/* A body that must end with {% end<kw> %}; p->t is just after the opening tag. Returns
 * the body, or NULL with *ok false after reporting that it is unclosed. */
static template_node *
body_until_end(parser *p, const char *kw, const char *const *stops, const token *open, bool *ok)
{
    int stop;
    *ok = false;
    if (!push_open(p, kw, stops, open))
        return NULL;
    if (!enter(p)) {
        p->nopen--;
        return NULL;
    }
    template_node *body = parse_body(p, stops, &stop);
    leave(p);
    p->nopen--;
    if (stop < 0)
        unclosed(p, open, kw);
    else
        *ok = true;
    return body;
}

static const char *const stops_if[] = {"elif", "else", "endif", NULL};
static const char *const stops_endif[] = {"endif", NULL};
static const char *const stops_for[] = {"else", "endfor", NULL};
static const char *const stops_endfor[] = {"endfor", NULL};
static const char *const stops_block[] = {"endblock", NULL};
static const char *const stops_macro[] = {"endmacro", NULL};
static const char *const stops_set[] = {"endset", NULL};
static const char *const stops_filter[] = {"endfilter", NULL};

static template_node *
parse_if(parser *p, const token *open)
{
    template_node *n = new_node(p, TEMPLATE_ND_IF, open);
    template_ptrs conds = {0}, bodies = {0};
    template_expr *c = parse_expr(p);
    tag_end(p, c != NULL);
    if (!push_open(p, "if", stops_if, open))
        return NULL;
    if (!enter(p)) {
        p->nopen--;
        return NULL;
    }
    for (;;) {
        int stop;
        template_node *body = parse_body(p, stops_if, &stop);
        template_ptrs_push(&conds, c, p->a);
        template_ptrs_push(&bodies, body, p->a);
        if (stop == 0) { /* elif */
            c = parse_expr(p);
            tag_end(p, c != NULL);
            continue;
        }
        if (stop == 1) { /* else */
            tag_end(p, true);
            p->open[p->nopen - 1].stops = stops_endif;
            n->u.if_.otherwise = parse_body(p, stops_endif, &stop);
            if (stop == 0)
                tag_end(p, true);
            else
                unclosed(p, open, "if");
        } else if (stop == 2) {
            tag_end(p, true);
        } else {
            unclosed(p, open, "if");
        }
        break;
    }
    leave(p);
    p->nopen--;
    n->u.if_.conds = (template_expr **)conds.items;
    n->u.if_.bodies = (template_node **)bodies.items;
    n->u.if_.n = conds.len;
    return n;
}

static bool
expect_name(parser *p, const char *what)
{
    if (p->t->kind == TK_NAME && !is_keyword(p->t))
        return true;
    char tmp[64];
    perr(p, p->t, "expected %s, got %s", what, describe(p->t, tmp, sizeof tmp));
    return false;
}

static template_node *
parse_for(parser *p, const token *open)
{
    template_node *n = new_node(p, TEMPLATE_ND_FOR, open);
    bool ok = expect_name(p, "a loop variable name");
    if (ok) {
        n->u.for_.var1 = copy_tok(p, p->t);
        n->u.for_.len1 = p->t->len;
        advance(p);
        if (accept_punct(p, ",")) {
            ok = expect_name(p, "a second loop variable name");
            if (ok) {
                n->u.for_.var2 = copy_tok(p, p->t);
                n->u.for_.len2 = p->t->len;
                advance(p);
            }
        }
    }
    if (ok && !is_name(p->t, "in")) {
        char tmp[64];
        perr(p, p->t, "expected 'in', got %s", describe(p->t, tmp, sizeof tmp));
        ok = false;
    }
    if (ok) {
        advance(p);
        ok = (n->u.for_.iter = parse_binary(p, 0)) != NULL;
    }
    if (ok && is_name(p->t, "if")) {
        advance(p);
        ok = (n->u.for_.filter = parse_binary(p, 0)) != NULL;
    }
    tag_end(p, ok);
    if (!push_open(p, "for", stops_for, open))
        return NULL;
    if (!enter(p)) {
        p->nopen--;
        return NULL;
    }
    int stop;
    p->loop_depth++;
    n->u.for_.body = parse_body(p, stops_for, &stop);
    p->loop_depth--;
    if (stop == 0) {
        tag_end(p, true);
        p->open[p->nopen - 1].stops = stops_endfor;
        n->u.for_.otherwise = parse_body(p, stops_endfor, &stop);
        stop = stop == 0 ? 1 : -1;
    }
    if (stop == 1)
        tag_end(p, true);
    else
        unclosed(p, open, "for");
    leave(p);
    p->nopen--;
    return n;
}

static template_node *
parse_set(parser *p, const token *open, bool global)
{
    if (!expect_name(p, "a variable name")) {
        tag_end(p, false);
        return NULL;
    }
    template_node *n = new_node(p, TEMPLATE_ND_SET, open);
    n->u.set.name = copy_tok(p, p->t);
    n->u.set.len = p->t->len;
    n->u.set.global = global;
    advance(p);
    if (accept_punct(p, "=")) {
        n->u.set.val = parse_expr(p);
        tag_end(p, n->u.set.val != NULL);
        return n->u.set.val ? n : NULL;
    }
    if (!global && p->t->kind == TK_TAG_CLOSE) { /* {% set x %}...{% endset %} */
        advance(p);
        n->kind = TEMPLATE_ND_SET_BLOCK;
        bool ok;
        n->u.set.body = body_until_end(p, "set", stops_set, open, &ok);
        if (ok)
            tag_end(p, true);
        return n;
    }
    char tmp[64];
    perr(p, p->t, "expected '=' after the variable name, got %s", describe(p->t, tmp, sizeof tmp));
    tag_end(p, false);
    return NULL;
}

static template_node *
parse_include(parser *p, const token *open)
{
    template_node *n = new_node(p, TEMPLATE_ND_INCLUDE, open);
    n->u.include.name = parse_expr(p);
    bool ok = n->u.include.name != NULL;
    if (ok && is_name(p->t, "ignore")) {
        advance(p);
        if (is_name(p->t, "missing")) {
            advance(p);
            n->u.include.ignore_missing = true;
        } else {
            char tmp[64];
            perr(p, p->t, "expected 'missing' after 'ignore', got %s",
                 describe(p->t, tmp, sizeof tmp));
            ok = false;
        }
    }
    if (ok && is_name(p->t, "cached")) {
        advance(p);
        n->u.include.cached = true;
    }
    if (!tag_end(p, ok))
        return NULL;
    template_ptrs_push(&p->u->includes, n, p->a);
    return n;
}

static bool
expect_string(parser *p, const char *after)
{
    if (p->t->kind == TK_STRING)
        return true;
    char tmp[64];
    perr(p, p->t, "expected a template name in quotes after '%s', got %s", after,
         describe(p->t, tmp, sizeof tmp));
    return false;
}

static void
parse_extends(parser *p, const token *open)
{
    if (p->nopen || p->seen_content || p->u->extends) {
        perr(p, open, "'extends' must be the first tag in the template");
        tag_end(p, false);
        return;
    }
    p->seen_content = true;
    if (!expect_string(p, "extends")) {
        tag_end(p, false);
        return;
    }
    p->u->extends = copy_tok(p, p->t);
    p->u->ext_line = p->t->line;
    p->u->ext_col = p->t->col;
    advance(p);
    tag_end(p, true);
}

/* The optional name after endblock/endmacro must repeat the opening one. */
static void
end_with_name(parser *p, const char *kw, const char *name, size_t len)
{
    if (p->t->kind == TK_NAME) {
        if (p->t->len != len || memcmp(p->t->s, name, len) != 0)
            perr(p, p->t, "end%s '%.*s' does not match %s '%.*s'", kw, (int)p->t->len, p->t->s, kw,
                 (int)len, name);
        advance(p);
    }
    tag_end(p, true);
}

static template_node *
parse_block(parser *p, const token *open)
{
    if (!expect_name(p, "a block name")) {
        tag_end(p, false);
        return NULL;
    }
    const token *name = p->t;
    template_node *n = new_node(p, TEMPLATE_ND_BLOCK, open);
    n->u.block.name = copy_tok(p, name);
    n->u.block.len = name->len;
    advance(p);
    tag_end(p, true);
    const template_block_def *prev = template_find_block(p->u, name->s, name->len);
    if (prev) {
        size_t id = diag_report(p->d, DIAG_ERROR, SRC_POS(p->u->diag_file, name->line, name->col),
                                "block '%.*s' defined twice", (int)name->len, name->s);
        diag_note(p->d, id, SRC_POS(p->u->diag_file, prev->node->line, prev->node->col),
                  "first defined here");
        p->errors++;
    } else {
        template_block_def *b = arena_zalloc(p->a, sizeof(template_block_def));
        b->name = n->u.block.name;
        b->len = name->len;
        b->node = n;
        template_ptrs_push(&p->u->blocks, b, p->a);
    }
    bool ok;
    p->block_depth++;
    n->u.block.body = body_until_end(p, "block", stops_block, open, &ok);
    p->block_depth--;
    if (ok)
        end_with_name(p, "block", n->u.block.name, n->u.block.len);
    return n;
}

static void
parse_macro(parser *p, const token *open)
{
    bool top = p->nopen == 0 && !p->in_macro;
    if (!top)
        perr(p, open, "'macro' must be at the top level of the template");
    template_macro *m = arena_zalloc(p->a, sizeof(template_macro));
    m->owner = p->u;
    bool ok = expect_name(p, "a macro name");
    if (ok) {
        m->name = copy_tok(p, p->t);
        m->len = p->t->len;
        m->line = p->t->line;
        m->col = p->t->col;
        advance(p);
        ok = expect_punct(p, "(");
    }
    template_ptrs names = {0}, defaults = {0};
    while (ok && !is_punct(p->t, ")")) {
        if (!(ok = expect_name(p, "a parameter name")))
            break;
        template_ptrs_push(&names, (void *)p->t, p->a);
        advance(p);
        template_expr *def = NULL;
        if (accept_punct(p, "=") && !(def = parse_expr(p)))
            ok = false;
        template_ptrs_push(&defaults, def, p->a);
        if (!accept_punct(p, ","))
            break;
    }
    ok = ok && expect_punct(p, ")");
    tag_end(p, ok);
    m->nparams = names.len;
    m->params = arena_alloc(p->a, (names.len + 1) * sizeof(char *));
    m->param_lens = arena_alloc(p->a, (names.len + 1) * sizeof(size_t));
    for (size_t i = 0; i < names.len; i++) {
        const token *t = names.items[i];
        m->params[i] = copy_tok(p, t);
        m->param_lens[i] = t->len;
    }
    m->defaults = (template_expr **)defaults.items;
    bool was = p->in_macro, body_ok;
    p->in_macro = true;
    m->body = body_until_end(p, "macro", stops_macro, open, &body_ok);
    p->in_macro = was;
    if (body_ok)
        end_with_name(p, "macro", m->name ? m->name : "", m->name ? m->len : 0);
    if (!top || !m->name) /* registered even after an error in the parameters: calls */
        return;           /* to it should not be reported as unknown as well */
    const template_macro *prev = template_find_macro(p->u, m->name, m->len);
    if (prev) {
        size_t id = diag_report(p->d, DIAG_ERROR, SRC_POS(p->u->diag_file, m->line, m->col),
                                "macro '%s' defined twice", m->name);
        diag_note(p->d, id, SRC_POS(p->u->diag_file, prev->line, prev->col), "first defined here");
        p->errors++;
        return;
    }
    template_ptrs_push(&p->u->macros, m, p->a);
}

static void
parse_import(parser *p, const token *open)
{
    if (p->nopen || p->in_macro) {
        perr(p, open, "'import' must be at the top level of the template");
        tag_end(p, false);
        return;
    }
    if (!expect_string(p, "import")) {
        tag_end(p, false);
        return;
    }
    template_import *im = arena_zalloc(p->a, sizeof(template_import));
    im->target_name = copy_tok(p, p->t);
    im->line = p->t->line;
    im->col = p->t->col;
    advance(p);
    char tmp[64];
    if (!is_name(p->t, "as")) {
        perr(p, p->t, "expected 'as', got %s", describe(p->t, tmp, sizeof tmp));
        tag_end(p, false);
        return;
    }
    advance(p);
    if (!expect_name(p, "a name for the imported macros")) {
        tag_end(p, false);
        return;
    }
    im->alias = copy_tok(p, p->t);
    im->alias_len = p->t->len;
    advance(p);
    if (tag_end(p, true))
        template_ptrs_push(&p->u->imports, im, p->a);
}

static template_node *
parse_filter_block(parser *p, const token *open)
{
    template_node *n = new_node(p, TEMPLATE_ND_FILTER_BLOCK, open);
    template_ptrs calls = {0};
    bool ok = true;
    do {
        template_filter_call *f = parse_filter_call(p);
        if (!f) {
            ok = false;
            break;
        }
        template_ptrs_push(&calls, f, p->a);
    } while (accept_punct(p, "|"));
    tag_end(p, ok);
    n->u.filter.calls = (template_filter_call **)calls.items;
    n->u.filter.n = calls.len;
    bool body_ok;
    n->u.filter.body = body_until_end(p, "filter", stops_filter, open, &body_ok);
    if (body_ok)
        tag_end(p, true);
    return n;
}

/* p->t is at '{%' followed by a name that is not a stop word of the current body. */
static template_node *
parse_tag(parser *p)
{
    const token *open = p->t, *kw = p->t + 1;
    advance(p);
    advance(p);
    if (!is_name(kw, "extends"))
        p->seen_content = true;
    if (is_name(kw, "if"))
        return parse_if(p, open);
    if (is_name(kw, "for"))
        return parse_for(p, open);
    if (is_name(kw, "set"))
        return parse_set(p, open, false);
    if (is_name(kw, "set_global"))
        return parse_set(p, open, true);
    if (is_name(kw, "include"))
        return parse_include(p, open);
    if (is_name(kw, "block"))
        return parse_block(p, open);
    if (is_name(kw, "filter"))
        return parse_filter_block(p, open);
    if (is_name(kw, "extends")) {
        parse_extends(p, open);
        return NULL;
    }
    if (is_name(kw, "macro")) {
        parse_macro(p, open);
        return NULL;
    }
    if (is_name(kw, "import")) {
        parse_import(p, open);
        return NULL;
    }
    if (is_name(kw, "break") || is_name(kw, "continue")) {
        if (!p->loop_depth) {
            perr(p, kw, "'%.*s' outside of a loop", (int)kw->len, kw->s);
            tag_end(p, false);
            return NULL;
        }
        template_node *n =
            new_node(p, is_name(kw, "break") ? TEMPLATE_ND_BREAK : TEMPLATE_ND_CONTINUE, open);
        return tag_end(p, true) ? n : NULL;
    }
    if (is_name(kw, "raw")) {
        perr(p, p->t, "expected '%%}' after 'raw'");
        tag_end(p, false);
        return NULL;
    }
    perr(p, kw, "unknown tag '%.*s'", (int)kw->len, kw->s);
    tag_end(p, false);
    return NULL;
}

static int
stop_index(const char *const *stops, const token *kw)
{
    for (int i = 0; stops && stops[i]; i++)
        if (is_name(kw, stops[i]))
            return i;
    return -1;
}

static bool
is_closing_word(const token *kw)
{
    return is_name(kw, "else") || is_name(kw, "elif") ||
           (kw->len > 3 && memcmp(kw->s, "end", 3) == 0);
}

/* Parses until a tag in stops (consumed up to and including its keyword; *stop is its
 * index), the end of the template, or a tag that closes an enclosing body (both leave
 * *stop -1 and consume nothing). A closing tag that nothing opened is reported here. */
static template_node *
parse_body(parser *p, const char *const *stops, int *stop)
{
    template_node *head = NULL, **tail = &head;
    char tmp[64];
    for (;;) {
        const token *t = p->t;
        template_node *n = NULL;
        if (p->fatal) {
            *stop = -1;
            return head;
        }
        switch (t->kind) {
        case TK_EOF:
            *stop = -1;
            return head;
        case TK_TEXT: {
            size_t i = 0;
            while (i < t->len && is_space(t->s[i]))
                i++;
            if (i < t->len)
                p->seen_content = true;
            n = new_node(p, TEMPLATE_ND_TEXT, t);
            n->u.text.ptr = arena_strndup(p->a, t->s, t->len);
            n->u.text.len = t->len;
            advance(p);
            break;
        }
        case TK_VAR_OPEN: {
            p->seen_content = true;
            advance(p);
            template_expr *e = parse_expr(p);
            if (!e) {
                skip_tag(p);
                break;
            }
            if (p->t->kind != TK_VAR_CLOSE) {
                perr(p, p->t, "expected '}}', got %s", describe(p->t, tmp, sizeof tmp));
                skip_tag(p);
                break;
            }
            advance(p);
            n = new_node(p, TEMPLATE_ND_OUTPUT, t);
            n->u.output = e;
            break;
        }
        case TK_TAG_OPEN: {
            const token *kw = t + 1;
            if (kw->kind != TK_NAME) {
                perr(p, kw, "expected a tag name, got %s", describe(kw, tmp, sizeof tmp));
                advance(p);
                skip_tag(p);
                break;
            }
            int i = stop_index(stops, kw);
            if (i >= 0) {
                advance(p);
                advance(p);
                *stop = i;
                return head;
            }
            if (is_closing_word(kw)) {
                for (size_t k = 0; k < p->nopen; k++)
                    if (stop_index(p->open[k].stops, kw) >= 0) {
                        *stop = -1;
                        return head;
                    }
                if (is_name(kw, "else"))
                    perr(p, kw, "'else' outside of 'if' or 'for'");
                else if (is_name(kw, "elif"))
                    perr(p, kw, "'elif' outside of 'if'");
                else
                    perr(p, kw, "'%.*s' without matching '%.*s'", (int)kw->len, kw->s,
                         (int)kw->len - 3, kw->s + 3);
                advance(p);
                skip_tag(p);
                break;
            }
            n = parse_tag(p);
            break;
        }
        default: /* a stray token: cannot happen after a clean lex */
            advance(p);
            break;
        }
        if (n) {
            *tail = n;
            tail = &n->next;
        }
    }
}

bool
template_parse(template_unit *u, const char *src, size_t len, arena *a, diag *d)
{
    lexer lx = {src, len, 0, 1, 1, NULL, 0, 0, u, a, d, 0};
    lex(&lx);
    if (lx.errors) { /* the token stream has holes: parsing would only add noise */
        free(lx.toks);
        u->broken = true;
        return false;
    }
    parser *p = xcalloc(1, sizeof(parser));
    p->t = lx.toks;
    p->u = u;
    p->a = a;
    p->d = d;
    int stop;
    u->body = parse_body(p, NULL, &stop);
    bool ok = p->errors == 0;
    free(p);
    free(lx.toks);
    if (!ok)
        u->broken = true;
    return ok;
}
