/* SPDX-License-Identifier: MIT
 * markdown.c - GFM to HTML through cmark-gfm 0.29, plus what the site model needs from
 * the tree: heading ids, the table of contents, the summary and a word count. Pass 2
 * (pages), on worker threads. The only file that includes cmark-gfm. */
#include "markdown.h"

#include "buf.h"
#include "fs.h"
#include "strtab.h"
#include "text.h"
#include "xalloc.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TABLE_COLUMNS  200
#define MAX_TABLE_PADDING  100000 /* empty cells cmark-gfm would add to short rows */
#define MIN_OUTPUT_CAP     (16u << 20)
#define OUTPUT_CAP_FACTOR  64
#define SUMMARY_WORD_SLACK 20 /* look this many characters back for a space */

/* cmark-gfm 0.29 adds and removes the extensions' special inline characters ('~', '|',
 * ':', 'w') in a global table around every inline parse (cmark_parser_finish and table
 * rows inside cmark_parser_feed), so two parses at once lose each other's characters.
 * Held around parser creation, feeding and finishing; rendering runs in parallel. */
static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;

void
markdown_global_init(void)
{
    cmark_gfm_core_extensions_ensure_registered();
}

/* {====================================================================
 * characters
 * ===================================================================== */

/* Decodes the character at s; returns its length (an invalid byte: 1, cp U+FFFD). */
static size_t
decode(const char *str, size_t len, unsigned *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = text_utf8_seq(str, len);
    switch (n) {
    case 1:
        *cp = s[0];
        break;
    case 2:
        *cp = ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
        break;
    case 3:
        *cp = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
        break;
    case 4:
        *cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) |
              (s[3] & 0x3Fu);
        break;
    default:
        *cp = 0xFFFD;
        n = 1;
        break;
    }
    return n;
}

static bool
is_space(unsigned cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' ||
           cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x3000;
}

/* Ideographs, kana and hangul: each one is a word. */
static bool
is_cjk(unsigned cp)
{
    return (cp >= 0x2E80 && cp <= 0x2FDF) || (cp >= 0x3040 && cp <= 0x31FF && cp != 0x30FB) ||
           (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFF66 && cp <= 0xFF9F) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

/* Punctuation and symbols: part of a word when inside one, never a word alone. */
static bool
is_punct(unsigned cp)
{
    if (cp < 0x80)
        return !((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'));
    return (cp >= 0xA1 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 ||
           (cp >= 0x2010 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) || cp == 0x30FB ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
           (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
           (cp >= 0xFF5B && cp <= 0xFF65);
}

static size_t
count_words(const char *s, size_t len)
{
    size_t words = 0;
    bool in_word = false, has_alnum = false;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        i += decode(s + i, len - i, &cp);
        bool cjk = is_cjk(cp);
        if (cjk || is_space(cp) || (cp >= 0x3000 && cp <= 0x303F)) {
            words += in_word && has_alnum;
            in_word = has_alnum = false;
            words += cjk;
            continue;
        }
        in_word = true;
        if (!is_punct(cp))
            has_alnum = true;
    }
    return words + (in_word && has_alnum);
}

/* Appends s with runs of white space folded to one space, none at either end. */
static void
fold_space(buf *out, const char *s, size_t len)
{
    size_t start = out->len;
    bool pending = false;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        size_t n = decode(s + i, len - i, &cp);
        if (is_space(cp) && cp != 0xA0) {
            pending = true;
        } else {
            if (pending && out->len > start)
                buf_putc(out, ' ');
            pending = false;
            buf_append(out, s + i, n);
        }
        i += n;
    }
}

/* Appends s with every invalid UTF-8 byte replaced by U+FFFD. cmark-gfm 0.29 validates
 * its input, yet a footnote-like "[^中文\n中文]" comes out cut inside a character. */
static void
put_utf8(buf *out, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len;) {
        size_t n = text_utf8_seq(s + i, len - i);
        if (n) {
            i += n;
            continue;
        }
        buf_append(out, s + start, i - start);
        buf_puts(out, "\xEF\xBF\xBD");
        start = ++i;
    }
    buf_append(out, s + start, len - start);
}

/* The text of a TEXT, CODE or CODE_BLOCK node, as valid UTF-8. */
static void
put_literal(buf *out, cmark_node *n)
{
    const char *s = cmark_node_get_literal(n);
    if (s)
        put_utf8(out, s, strlen(s));
}

/* }==================================================================== */

/* {====================================================================
 * the wide-table guard
 * ===================================================================== */

/* A table delimiter row ("|---|:-:|") after container markers: its column count, or 0.
 * Generous on purpose: counting too many columns only makes the guard stricter. */
static size_t
delimiter_columns(const char *s, size_t len)
{
    size_t cols = 0;
    bool dash = false, pipe = false;
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '-':
            dash = true;
            break;
        case '|':
            pipe = true;
            cols += dash;
            dash = false;
            break;
        case ':':
        case ' ':
        case '\t':
            break;
        default:
            return 0;
        }
    }
    cols += dash;
    return pipe ? cols : 0;
}

/* Scans the source the way cmark-gfm finds tables and reports whether the table
 * extension is safe to use on it (see markdown.h); warns when not. Errs on the side of
 * seeing tables: lines end at \n, \r\n or \r as in cmark, container markers ('>' and
 * indentation) are skipped, and a table runs until the next blank line. */
static bool
tables_are_safe(const char *src, size_t len, const char *file, unsigned first_line, diag *d)
{
    size_t cols = 0, padding = 0;
    unsigned line = first_line, table_line = 0;
    bool prev_text = false, in_table = false;
    for (size_t i = 0; i < len; line++) {
        size_t end = i;
        while (end < len && src[end] != '\n' && src[end] != '\r')
            end++;
        size_t next = end < len && src[end] == '\r' && end + 1 < len && src[end + 1] == '\n'
                          ? end + 2
                          : end + (end < len);
        size_t b = i, e = end;
        while (b < e && (src[b] == ' ' || src[b] == '\t' || src[b] == '>'))
            b++;
        while (e > b && (src[e - 1] == ' ' || src[e - 1] == '\t'))
            e--;
        bool blank = b == e;
        size_t c = blank || !prev_text ? 0 : delimiter_columns(src + b, e - b);
        i = next;
        prev_text = !blank;
        if (c > MAX_TABLE_COLUMNS) {
            diag_report(d, DIAG_WARNING, SRC_POS(file, line - 1, 0),
                        "table with %zu columns (more than %d); the tables of this page are "
                        "shown as text",
                        c, MAX_TABLE_COLUMNS);
            return false;
        }
        if (c > 0 && (!in_table || c > cols)) {
            cols = c;
            table_line = line - 1;
            in_table = true;
        } else if (in_table && blank) {
            in_table = false;
        } else if (in_table) {
            size_t cells = 1;
            for (size_t k = b; k < e; k++)
                cells += src[k] == '|';
            padding += cells < cols ? cols - cells : 0;
            if (padding > MAX_TABLE_PADDING) {
                diag_report(d, DIAG_WARNING, SRC_POS(file, table_line, 0),
                            "tables would be padded with more than %d empty cells; the tables "
                            "of this page are shown as text",
                            MAX_TABLE_PADDING);
                return false;
            }
        }
    }
    return true;
}

/* }==================================================================== */

/* {====================================================================
 * heading ids: the ids used so far, each with the next suffix to try
 * ===================================================================== */

/* A unique id from slug: slug itself, else slug-1, slug-2, ... (owned by a). ids maps
 * each id used to the next "-N" to try when it comes again (as a number, at least 1). */
static const char *
unique_id(strtab *ids, const char *slug, arena *a)
{
    uintptr_t k = (uintptr_t)strtab_get(ids, slug);
    const char *id;
    if (!k) {
        id = arena_strdup(a, slug);
    } else {
        do
            id = arena_printf(a, "%s-%lu", slug, (unsigned long)k++);
        while (strtab_has(ids, id));
        strtab_put(ids, slug, (void *)k);
    }
    strtab_put(ids, id, (void *)(uintptr_t)1);
    return id;
}

/* }==================================================================== */

/* {====================================================================
 * walking the tree
 * ===================================================================== */

/* Appends the text of node's inline content (no raw HTML), white space folded. */
static void
plain_text(buf *out, cmark_node *node)
{
    buf raw = BUF_INIT;
    cmark_iter *it = cmark_iter_new(node);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER)
            continue;
        switch (cmark_node_get_type(n)) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
            put_literal(&raw, n);
            break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
            buf_putc(&raw, ' ');
            break;
        default:
            break;
        }
    }
    cmark_iter_free(it);
    fold_space(out, raw.ptr, raw.len);
    buf_free(&raw);
}

typedef struct walk {
    cmark_node **headings;
    size_t n_headings, cap_headings;
    cmark_node *summary; /* the first top-level paragraph */
    buf text;            /* all running text, blocks separated by spaces */
} walk;

static void
walk_tree(walk *w, cmark_node *doc)
{
    cmark_iter *it = cmark_iter_new(doc);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        cmark_node_type type = cmark_node_get_type(n);
        if (ev == CMARK_EVENT_EXIT) {
            if ((type & CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_BLOCK)
                buf_putc(&w->text, ' '); /* "a|b" in a table is two words */
            continue;
        }
        switch (type) {
        case CMARK_NODE_HEADING:
            if (w->n_headings == w->cap_headings) {
                w->cap_headings = w->cap_headings ? w->cap_headings * 2 : 16;
                w->headings = xrealloc(w->headings, w->cap_headings * sizeof(cmark_node *));
            }
            w->headings[w->n_headings++] = n;
            break;
        case CMARK_NODE_PARAGRAPH:
            if (!w->summary && cmark_node_parent(n) == doc)
                w->summary = n;
            break;
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
            put_literal(&w->text, n);
            break;
        case CMARK_NODE_CODE_BLOCK:
            put_literal(&w->text, n);
            buf_putc(&w->text, ' ');
            break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
        case CMARK_NODE_THEMATIC_BREAK:
        case CMARK_NODE_HTML_BLOCK:
            buf_putc(&w->text, ' ');
            break;
        default:
            break;
        }
    }
    cmark_iter_free(it);
}

/* Replaces heading h by a custom block holding its own rendering with an id attribute:
 * the id lives in the tree, so raw HTML that looks like a heading cannot confuse it. */
static void
set_heading_id(cmark_node *h, const char *id, int options, cmark_llist *exts)
{
    int level = cmark_node_get_heading_level(h);
    char *html = cmark_render_html(h, options, exts);
    char open[8];
    int n = snprintf(open, sizeof open, "<h%d>", level);
    if (n > 0 && (size_t)n < sizeof open && strncmp(html, open, (size_t)n) == 0) {
        buf b = BUF_INIT;
        buf_printf(&b, "<h%d id=\"", level);
        text_html_escape(&b, id, strlen(id));
        buf_puts(&b, "\">");
        buf_puts(&b, html + n);
        cmark_node *block = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
        if (cmark_node_set_on_enter(block, b.ptr) && cmark_node_insert_before(h, block))
            cmark_node_free(h);
        else
            cmark_node_free(block);
        buf_free(&b);
    }
    free(html); /* cmark's default allocator is malloc */
}

/* }==================================================================== */

/* cmark-gfm's task-list checkboxes have no label, which fails WCAG ("form elements
 * must have labels"); give each an aria-label saying what its state means. */
static const char *
label_task_checkboxes(const char *html, arena *a)
{
    static const struct {
        const char *from, *to;
    } boxes[] = {
        {"<input type=\"checkbox\" checked=\"\" disabled=\"\" />",
         "<input type=\"checkbox\" checked disabled aria-label=\"Done\">"},
        {"<input type=\"checkbox\" disabled=\"\" />",
         "<input type=\"checkbox\" disabled aria-label=\"Not done\">"},
    };
    if (!strstr(html, "<input type=\"checkbox\""))
        return html;
    buf b = BUF_INIT;
    const char *p = html;
    for (;;) {
        const char *next = strstr(p, "<input type=\"checkbox\"");
        if (!next)
            break;
        buf_append(&b, p, (size_t)(next - p));
        size_t k = 0;
        while (k < 2 && strncmp(next, boxes[k].from, strlen(boxes[k].from)) != 0)
            k++;
        if (k < 2) {
            buf_puts(&b, boxes[k].to);
            p = next + strlen(boxes[k].from);
        } else {
            buf_putc(&b, '<');
            p = next + 1;
        }
    }
    buf_puts(&b, p);
    const char *out = arena_strndup(a, b.ptr, b.len);
    buf_free(&b);
    return out;
}

/* The summary: text cut to max characters, see markdown.h. */
static const char *
make_summary(const char *s, size_t len, size_t max, arena *a)
{
    if (max == 0 || text_utf8_count(s, len) <= max)
        return arena_strndup(a, s, len);
    size_t cut = text_utf8_prefix(s, len, max);
    unsigned before, after;
    size_t back = cut;
    do
        back--;
    while (back > 0 && ((unsigned char)s[back] & 0xC0) == 0x80);
    decode(s + back, len - back, &before);
    decode(s + cut, len - cut, &after);
    bool mid_word = !is_space(before) && !is_space(after) && !is_cjk(before) && !is_cjk(after) &&
                    !is_punct(after);
    if (mid_word) {
        size_t chars = 0;
        for (size_t i = cut; i > 0 && chars < SUMMARY_WORD_SLACK; chars++) {
            do
                i--;
            while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80);
            if (s[i] == ' ') {
                if (i > 0)
                    cut = i;
                break;
            }
        }
    }
    size_t keep = cut;
    for (;;) {
        static const char *const trailing[] = {" ",
                                               ",",
                                               ";",
                                               ":",
                                               ".",
                                               "-",
                                               "\xEF\xBC\x8C",
                                               "\xE3\x80\x81",
                                               "\xEF\xBC\x9B",
                                               "\xEF\xBC\x9A",
                                               "\xE3\x80\x82"}; /* ，、；：。 */
        bool trimmed = false;
        for (size_t k = 0; k < sizeof trailing / sizeof trailing[0]; k++) {
            size_t n = strlen(trailing[k]);
            if (keep > n && memcmp(s + keep - n, trailing[k], n) == 0) {
                keep -= n;
                trimmed = true;
                break;
            }
        }
        if (!trimmed)
            break;
    }
    return arena_printf(a, "%.*s…", (int)keep, s);
}

static void
empty_result(markdown_result *out, arena *a)
{
    out->html = "";
    out->summary = "";
    out->toc = value_new_list(a, SRC_NONE);
    out->word_count = 0;
}

/* Parses src with the GFM extensions (without tables when !tables): the parse runs under
 * parse_lock, see markdown.h. The caller frees the tree and *parser. */
static cmark_node *
parse_document(cmark_parser **parser, const char *src, size_t len, int options, bool tables)
{
    static const char *const ext_names[] = {"table", "strikethrough", "autolink", "tagfilter",
                                            "tasklist"};
    pthread_mutex_lock(&parse_lock);
    *parser = cmark_parser_new(options);
    for (size_t i = tables ? 0 : 1; i < sizeof ext_names / sizeof ext_names[0]; i++) {
        cmark_syntax_extension *ext = cmark_find_syntax_extension(ext_names[i]);
        assert(ext && "markdown_global_init() not called");
        if (ext)
            cmark_parser_attach_syntax_extension(*parser, ext);
    }
    cmark_parser_feed(*parser, src, len);
    cmark_node *doc = cmark_parser_finish(*parser);
    pthread_mutex_unlock(&parse_lock);
    return doc;
}

bool
markdown_render(markdown_result *out, const char *src, size_t len, const markdown_options *opt,
                const char *file, unsigned first_line, arena *a, diag *d)
{
    empty_result(out, a);
    if (!src) {
        src = "";
        len = 0;
    }
    if (first_line == 0)
        first_line = 1;
    if (len > FS_MAX_MARKDOWN) { /* cmark-gfm sizes are int32 */
        fs_report_too_large(d, SRC_POS(file, first_line, 0), "Markdown text", len, FS_MAX_MARKDOWN,
                            "a page's Markdown");
        return false;
    }
    bool tables = tables_are_safe(src, len, file, first_line, d);
    int options = CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_FOOTNOTES;
    if (opt->unsafe_html)
        options |= CMARK_OPT_UNSAFE;

    cmark_parser *parser;
    cmark_node *doc = parse_document(&parser, src, len, options, tables);
    cmark_llist *exts = cmark_parser_get_syntax_extensions(parser);

    walk w = {NULL, 0, 0, NULL, BUF_INIT};
    walk_tree(&w, doc);
    out->word_count = count_words(w.text.ptr, w.text.len);
    buf_free(&w.text);

    buf text = BUF_INIT;
    if (w.summary) {
        plain_text(&text, w.summary);
        out->summary = make_summary(text.ptr, text.len, opt->summary_chars, a);
    }

    strtab ids = STRTAB_INIT;
    buf slug = BUF_INIT;
    for (size_t i = 0; i < w.n_headings; i++) {
        cmark_node *h = w.headings[i];
        buf_clear(&text);
        plain_text(&text, h);
        buf_clear(&slug);
        text_slugify(&slug, text.ptr, text.len);
        const char *id = unique_id(&ids, slug.len ? slug.ptr : "section", a);
        int level = cmark_node_get_heading_level(h);
        if (level >= 2 && level <= 4) {
            src_pos at = SRC_POS(file, first_line + (unsigned)cmark_node_get_start_line(h) - 1, 0);
            value *entry = value_new_map(a, at);
            value_map_set(entry, "level", value_new_number(a, level, at), a);
            value_map_set(entry, "id", value_new_cstr(a, id, at), a);
            value_map_set(entry, "title", value_new_string(a, text.ptr, text.len, at), a);
            value_list_push(out->toc, entry, a);
        }
        set_heading_id(h, id, options, exts); /* frees h */
    }
    buf_free(&slug);
    buf_free(&text);
    strtab_free(&ids);
    free(w.headings);

    bool ok = true;
    char *html = cmark_render_html(doc, options, exts);
    size_t html_len = strlen(html);
    size_t cap =
        len > MIN_OUTPUT_CAP / OUTPUT_CAP_FACTOR ? len * OUTPUT_CAP_FACTOR : MIN_OUTPUT_CAP;
    if (html_len > cap) {
        diag_report(d, DIAG_ERROR, SRC_POS(file, first_line, 0),
                    "the Markdown text expands to %zu bytes of HTML (more than %zu); are "
                    "link references repeated many times?",
                    html_len, cap);
        ok = false;
    } else if (text_utf8_valid(html, html_len)) {
        out->html = arena_strndup(a, html, html_len);
    } else {
        buf fixed = BUF_INIT;
        put_utf8(&fixed, html, html_len);
        out->html = arena_strndup(a, fixed.ptr, fixed.len);
        buf_free(&fixed);
    }
    free(html);
    if (ok)
        out->html = label_task_checkboxes(out->html, a);
    cmark_node_free(doc);
    cmark_parser_free(parser);
    return ok;
}

bool *
markdown_code_lines(const char *src, size_t len, size_t n_lines)
{
    bool *code = xcalloc(n_lines + 2, sizeof(bool));
    /* the same parser setup as markdown_render, so block structure agrees with it */
    cmark_parser *parser;
    cmark_node *doc = parse_document(&parser, src, len, CMARK_OPT_FOOTNOTES, true);
    cmark_iter *it = cmark_iter_new(doc);
    for (cmark_event_type ev; (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;) {
        cmark_node *n = cmark_iter_get_node(it);
        int type = cmark_node_get_type(n);
        if (ev != CMARK_EVENT_ENTER ||
            (type != CMARK_NODE_CODE_BLOCK && type != CMARK_NODE_HTML_BLOCK))
            continue;
        int first = cmark_node_get_start_line(n), last = cmark_node_get_end_line(n);
        for (int l = first; l >= 1 && l <= last && (size_t)l <= n_lines; l++)
            code[l] = true;
    }
    cmark_iter_free(it);
    cmark_node_free(doc);
    cmark_parser_free(parser);
    return code;
}
