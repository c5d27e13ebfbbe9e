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
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_TABLE_COLUMNS 200
#define MAX_TABLE_PADDING 100000 /* empty cells cmark-gfm would add to short rows */
#define MIN_OUTPUT_CAP    (16u << 20)
#define OUTPUT_CAP_FACTOR 64

/* cmark-gfm 0.29 adds the extensions' special inline characters (strikethrough's '~',
 * autolink's ':' and 'w') to two global tables around every inline parse and removes them
 * after, in cmark_manage_extensions_special_characters() (called by cmark_parser_finish and
 * by the table extension for each row inside cmark_parser_feed), so two parses at once
 * lose each other's characters. Every parse here attaches both extensions, so the tables
 * can hold their characters for good: markdown_global_init() sets them once, and the
 * definition below, which the dynamic linker calls in place of the library's (the
 * Makefile exports it from the program), leaves them as they are. Parsing then runs in
 * parallel. When that is not so (the library's own definition is the one called, which
 * the self-test in markdown_global_init() sees), every parse holds parse_lock instead,
 * and the definition below does what the library's does. The tables are the only
 * state cmark-gfm 0.29 changes while parsing besides the parser's own. */
static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;
static bool parse_in_parallel; /* set once by markdown_global_init() */
static atomic_bool interposed; /* the definition below was called by cmark-gfm */
static void (*library_manage)(cmark_parser *, int);

void cmark_manage_extensions_special_characters(cmark_parser *parser, int add);

void
cmark_manage_extensions_special_characters(cmark_parser *parser, int add)
{
    if (parse_in_parallel)
        return; /* the tables hold the characters for good: nothing to do, nothing shared
                 * written by the parses of the pool's threads */
    atomic_store_explicit(&interposed, true, memory_order_relaxed);
    if (library_manage)
        library_manage(parser, add);
}

/* The page context of the calling thread: written only by markdown_set_page on that
 * thread (site.c, around each page's conversion). */
static _Thread_local const markdown_page *page_ctx;

void
markdown_set_page(const markdown_page *pg)
{
    page_ctx = pg;
}

/* A parser with the two extensions that have special characters, fed src. */
static cmark_node *
parse_sample(cmark_parser **parser, const char *src)
{
    *parser = cmark_parser_new(CMARK_OPT_DEFAULT);
    cmark_parser_attach_syntax_extension(*parser, cmark_find_syntax_extension("strikethrough"));
    cmark_parser_attach_syntax_extension(*parser, cmark_find_syntax_extension("autolink"));
    cmark_parser_feed(*parser, src, strlen(src));
    return cmark_parser_finish(*parser);
}

/* Whether sample parses as it must: struck through and linked. */
static bool
sample_ok(void)
{
    static const char sample[] = "~~a~~ www.example.org";
    cmark_parser *parser;
    cmark_node *doc = parse_sample(&parser, sample);
    char *html =
        cmark_render_html(doc, CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(parser));
    bool ok = strstr(html, "<del>a</del>") && strstr(html, "href=\"http://www.example.org\"");
    free(html);
    cmark_node_free(doc);
    cmark_parser_free(parser);
    return ok;
}

static void
init_once(void)
{
    cmark_gfm_core_extensions_ensure_registered();
    library_manage = (void (*)(cmark_parser *, int))dlsym(
        RTLD_NEXT, "cmark_manage_extensions_special_characters");
    if (!library_manage || !sample_ok() || !atomic_load(&interposed))
        return; /* parses hold parse_lock */
    cmark_parser *parser;
    cmark_node *doc = parse_sample(&parser, "");
    library_manage(parser, 1); /* the characters, for good */
    parse_in_parallel = true;
    if (!sample_ok()) { /* as the library leaves them after a parse */
        library_manage(parser, 0);
        parse_in_parallel = false;
    }
    cmark_node_free(doc);
    cmark_parser_free(parser);
}

void
markdown_global_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_once);
}

bool
markdown_parses_in_parallel(void)
{
    return parse_in_parallel;
}

/* {====================================================================
 * a parsed document's memory
 * ===================================================================== */

/* cmark-gfm allocates a page's tree as thousands of small blocks, and malloc and free of
 * each took about 3% of a build: a parse takes them from an arena of its own instead
 * (cmark_mem has no argument for it: the thread's parse in progress, one at a time), and
 * frees them whole. */
static _Thread_local arena *tree_arena;

#define TREE_HEAD 16 /* a block's size, before it (arena_alloc's alignment kept) */

static void *
tree_realloc(void *p, size_t size)
{
    /* a size the arena refuses (it aborts) stays one when the head is added */
    unsigned char *block =
        arena_alloc(tree_arena, size > SIZE_MAX - TREE_HEAD ? SIZE_MAX : TREE_HEAD + size);
    memcpy(block, &size, sizeof size);
    if (p) {
        size_t old;
        memcpy(&old, (unsigned char *)p - TREE_HEAD, sizeof old);
        memcpy(block + TREE_HEAD, p, old < size ? old : size);
    }
    return block + TREE_HEAD;
}

static void *
tree_calloc(size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total))
        total = SIZE_MAX; /* refused by the arena */
    void *p = tree_realloc(NULL, total);
    memset(p, 0, total);
    return p;
}

static void
tree_free(void *p)
{
    (void)p; /* with the arena, in parsed_free */
}

static cmark_mem tree_mem = {tree_calloc, tree_realloc, tree_free};

/* A parsed document: its parser, its tree, and their memory. Nodes made to go in the tree
 * take the same memory (cmark-gfm inserts no node of another allocator); HTML rendered
 * from its nodes comes from malloc (render_html). */
typedef struct parsed {
    cmark_parser *parser;
    cmark_node *doc;
    arena *tree;
} parsed;

/* Parses src with the GFM extensions (without tables when !tables), under parse_lock
 * unless parses run in parallel (see above). The caller ends with parsed_free(). */
static parsed
parse_document(const char *src, size_t len, int options, bool tables)
{
    static const char *const ext_names[] = {"table", "strikethrough", "autolink", "tagfilter",
                                            "tasklist"};
    assert(!tree_arena && "one parse at a time on a thread");
    parsed p = {NULL, NULL, arena_new()};
    tree_arena = p.tree;
    if (!parse_in_parallel)
        pthread_mutex_lock(&parse_lock);
    p.parser = cmark_parser_new_with_mem(options, &tree_mem);
    for (size_t i = tables ? 0 : 1; i < sizeof ext_names / sizeof ext_names[0]; i++) {
        cmark_syntax_extension *ext = cmark_find_syntax_extension(ext_names[i]);
        assert(ext && "markdown_global_init() not called");
        if (ext)
            cmark_parser_attach_syntax_extension(p.parser, ext);
    }
    cmark_parser_feed(p.parser, src, len);
    p.doc = cmark_parser_finish(p.parser);
    if (!parse_in_parallel)
        pthread_mutex_unlock(&parse_lock);
    return p;
}

static void
parsed_free(parsed *p)
{
    assert(tree_arena == p->tree);
    arena_free(p->tree); /* the tree and the parser: all they hold is in it */
    tree_arena = NULL;
}

/* The HTML of node n (of a parsed tree), from malloc: for free(). */
static char *
render_html(cmark_node *n, int options, cmark_llist *exts)
{
    return cmark_render_html_with_mem(n, options, exts, cmark_get_default_mem_allocator());
}

/* }==================================================================== */

/* {====================================================================
 * characters
 * ===================================================================== */

static size_t
count_words(const char *s, size_t len, size_t *cjk_chars)
{
    size_t words = 0;
    *cjk_chars = 0;
    bool in_word = false, has_alnum = false;
    for (size_t i = 0; i < len;) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x80) { /* most text: no call per character */
            if (text_is_ascii_space(b)) {
                words += in_word && has_alnum;
                in_word = has_alnum = false;
            } else {
                in_word = true;
                has_alnum |= text_is_ascii_alnum(b);
            }
            i++;
            continue;
        }
        unsigned cp;
        i += text_decode(s + i, len - i, &cp);
        bool cjk = text_is_cjk(cp);
        if (cjk || text_is_space(cp) || (cp >= 0x3000 && cp <= 0x303F)) {
            words += in_word && has_alnum;
            in_word = has_alnum = false;
            words += cjk;
            *cjk_chars += cjk;
            continue;
        }
        in_word = true;
        if (!text_is_punct(cp))
            has_alnum = true;
    }
    return words + (in_word && has_alnum);
}

/* Appends s with runs of white space folded to one space, none at either end. The text
 * between spaces goes in one piece. */
static void
fold_space(buf *out, const char *s, size_t len)
{
    size_t start = out->len;
    bool pending = false;
    size_t run = 0; /* where the text not yet appended starts */
    for (size_t i = 0; i < len;) {
        unsigned cp = (unsigned char)s[i];
        size_t n = cp < 0x80 ? 1 : text_decode(s + i, len - i, &cp);
        if (text_is_space(cp) && cp != 0xA0) {
            buf_append(out, s + run, i - run);
            run = i + n;
            pending = true;
        } else if (pending) {
            if (out->len > start)
                buf_putc(out, ' ');
            pending = false;
        }
        i += n;
    }
    buf_append(out, s + run, len - run);
}

/* Appends s with every invalid UTF-8 byte replaced by U+FFFD. cmark-gfm 0.29 validates
 * its input, yet a footnote-like "[^中文\n中文]" comes out cut inside a character. */
static void
put_utf8(buf *out, const char *s, size_t len)
{
    if (text_utf8_valid(s, len)) { /* nearly always: checked a word at a time */
        buf_append(out, s, len);
        return;
    }
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
            w->headings =
                xgrow(w->headings, w->n_headings, &w->cap_headings, sizeof(cmark_node *), 16);
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

/* The nodes of type under root (root too), in document order: *n of them; free() the
 * array. Collected before the caller changes the tree, which an iterator must not see. */
static cmark_node **
nodes_of_type(cmark_node *root, cmark_node_type type, size_t *n)
{
    cmark_node **found = NULL;
    size_t cap = 0;
    *n = 0;
    cmark_iter *it = cmark_iter_new(root);
    for (cmark_event_type ev; (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;) {
        cmark_node *node = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(node) != type)
            continue;
        found = xgrow(found, *n, &cap, sizeof(cmark_node *), 8);
        found[(*n)++] = node;
    }
    cmark_iter_free(it);
    return found;
}

/* Replaces every image under root that check_content gave a picture (its user data: the
 * <picture> HTML, owned by the arena) by an inline custom node holding it, so it renders
 * as it is, with raw HTML off too. Runs right before a subtree is rendered: until then the
 * image stays an image for the figure rules, the word count and the summary. */
static void
swap_pictures(cmark_node *root)
{
    size_t n;
    cmark_node **found = nodes_of_type(root, CMARK_NODE_IMAGE, &n);
    for (size_t i = 0; i < n; i++) {
        if (!cmark_node_get_user_data(found[i]))
            continue;
        cmark_node *pic = cmark_node_new_with_mem(CMARK_NODE_CUSTOM_INLINE, &tree_mem);
        if (cmark_node_set_on_enter(pic, cmark_node_get_user_data(found[i])) &&
            cmark_node_insert_before(found[i], pic))
            cmark_node_free(found[i]);
        else
            cmark_node_free(pic);
    }
    free(found);
}

/* Replaces heading h by a custom block holding its own rendering with an id attribute:
 * the id lives in the tree, so raw HTML that looks like a heading cannot confuse it. */
static void
set_heading_id(cmark_node *h, const char *id, int options, cmark_llist *exts)
{
    int level = cmark_node_get_heading_level(h);
    swap_pictures(h);
    char *html = render_html(h, options, exts);
    char open[8];
    int n = snprintf(open, sizeof open, "<h%d>", level);
    if (n > 0 && (size_t)n < sizeof open && strncmp(html, open, (size_t)n) == 0) {
        buf b = BUF_INIT;
        buf_printf(&b, "<h%d id=\"", level);
        text_html_escape(&b, id, strlen(id));
        buf_puts(&b, "\">");
        buf_puts(&b, html + n);
        cmark_node *block = cmark_node_new_with_mem(CMARK_NODE_CUSTOM_BLOCK, &tree_mem);
        if (cmark_node_set_on_enter(block, b.ptr) && cmark_node_insert_before(h, block))
            cmark_node_free(h);
        else
            cmark_node_free(block);
        buf_free(&b);
    }
    free(html); /* cmark's default allocator is malloc */
}

/* }==================================================================== */

/* {====================================================================
 * content checks: links, dropped raw HTML, foreign shortcodes
 * ===================================================================== */

typedef struct checker {
    const char *src; /* the text cmark-gfm read */
    size_t len;
    const char *file;
    unsigned first_line;
    size_t *line_start; /* byte offset of each line of src, cmark's line ends */
    size_t n_lines;
    const markdown_page *pg;   /* the thread's page context, or NULL */
    size_t *source_line_start; /* likewise of pg->source, when it has spans */
    size_t n_source_lines;
    const markdown_options *opt;
    markdown_link *links;
    size_t n_links, cap_links;
    size_t n_html, n_foreign, n_alt;          /* warnings of each kind so far */
    size_t last_html, last_foreign, last_alt; /* the last one reported, for the note */
    bool ok;
    arena *a;
    diag *d;
} checker;

/* Line starts of s[0..len) as cmark-gfm counts lines: \n, \r\n and \r end one. */
static size_t *
index_lines(const char *s, size_t len, size_t *n_lines)
{
    size_t cap = 64, n = 1;
    size_t *start = xmalloc(cap * sizeof(size_t));
    start[0] = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\n' && s[i] != '\r')
            continue;
        if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
            i++;
        start = xgrow(start, n, &cap, sizeof(size_t), 64);
        start[n++] = i + 1;
    }
    *n_lines = n;
    return start;
}

/* The bytes of line (1-based in src) without its line end; false past the end. */
static bool
line_text(const checker *c, int line, const char **s, size_t *len)
{
    if (line < 1 || (size_t)line > c->n_lines)
        return false;
    size_t b = c->line_start[line - 1];
    size_t e = (size_t)line < c->n_lines ? c->line_start[line] : c->len;
    while (e > b && (c->src[e - 1] == '\n' || c->src[e - 1] == '\r'))
        e--;
    *s = c->src + b;
    *len = e - b;
    return true;
}

/* The offset in the page's source of byte off of src: the same offset, or moved over the
 * spans before it (a shortcode token: its call's start). */
static size_t
source_offset(const checker *c, size_t off)
{
    const markdown_span *sp = c->pg->spans;
    size_t lo = 0, hi = c->pg->n_spans; /* the first span starting after off */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (sp[mid].text_start <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return off;
    const markdown_span *last = &sp[lo - 1];
    if (off < last->text_end)
        return last->source_start;
    return off - last->text_end + last->source_end;
}

/* The position of byte `byte` (0-based) of line `line` of src, in the page's file (in its
 * source when src replaced spans of it), the column in characters (cmark-gfm counts bytes
 * from 1). */
static src_pos
pos_at(const checker *c, int line, size_t byte)
{
    const char *s;
    size_t len;
    if (!line_text(c, line, &s, &len))
        return SRC_POS(c->file, c->first_line, 0);
    unsigned file_line = c->first_line + (unsigned)line - 1;
    if (byte > len)
        return SRC_POS(c->file, file_line, 0);
    if (!c->source_line_start)
        return SRC_POS(c->file, file_line, diag_col_from_byte(s, byte));
    size_t off = source_offset(c, (size_t)(s - c->src) + byte);
    size_t lo = 0, hi = c->n_source_lines; /* the last line starting at or before off */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (c->source_line_start[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    const char *start = c->pg->source + c->source_line_start[lo];
    return SRC_POS(c->file, c->first_line + (unsigned)lo,
                   diag_col_from_byte(start, off - c->source_line_start[lo]));
}

static src_pos
node_pos(const checker *c, cmark_node *n)
{
    int col = cmark_node_get_start_column(n);
    return pos_at(c, cmark_node_get_start_line(n), col > 0 ? (size_t)col - 1 : 0);
}

/* Quotes s[0..len) for a message: its first line, cut to 60 characters with "…". */
static const char *
quote(const char *s, size_t len, arena *a)
{
    const char *nl = memchr(s, '\n', len);
    if (nl)
        len = (size_t)(nl - s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    if (text_utf8_count(s, len) <= 60)
        return arena_strndup(a, s, len);
    return arena_printf(a, "%.*s…", (int)text_utf8_prefix(s, len, 60), s);
}

/* Reports one warning of a capped kind: the first MARKDOWN_MAX_WARNINGS per page. */
static void
warn_capped(checker *c, size_t *count, size_t *last, const char *code, src_pos at, const char *msg)
{
    if (++*count <= MARKDOWN_MAX_WARNINGS)
        *last = diag_report_code(c->d, DIAG_WARNING, code, at, "%s", msg);
}

static void
note_capped(checker *c, size_t count, size_t last, const char *what)
{
    if (count > MARKDOWN_MAX_WARNINGS)
        diag_note(c->d, last, SRC_POS(c->file, 0, 0),
                  "%zu more %s on this page; only the first %d are listed",
                  count - MARKDOWN_MAX_WARNINGS, what, MARKDOWN_MAX_WARNINGS);
}

static void
check_html(checker *c, cmark_node *n)
{
    const char *s = cmark_node_get_literal(n);
    if (!s)
        return;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (s[0] != '<' || s[1] == '/' || s[1] == '!' || s[1] == '?')
        return; /* closing tags (their opening tag is reported), comments, declarations */
    const char *gt = strchr(s, '>');
    size_t len = gt ? (size_t)(gt - s) + 1 : strlen(s);
    warn_capped(c, &c->n_html, &c->last_html, "raw-html-dropped", node_pos(c, n),
                arena_printf(c->a, "raw HTML dropped (markdown.unsafe_html is false): %s",
                             quote(s, len, c->a)));
}

/* Where text s[0..len) of a text node that starts at byte `from` of `line` is in the
 * source: its byte on the line, or (size_t)-1 when it is not there as written or a
 * backslash escapes its first character (then it was meant as text). */
static size_t
find_in_source(const checker *c, int line, size_t from, const char *s, size_t len)
{
    const char *t;
    size_t tlen;
    if (!line_text(c, line, &t, &tlen) || from > tlen)
        return (size_t)-1;
    const char *hit = memmem(t + from, tlen - from, s, len);
    if (!hit)
        return (size_t)-1;
    size_t k = (size_t)(hit - t), slashes = 0;
    while (k > slashes && t[k - slashes - 1] == '\\')
        slashes++;
    return slashes % 2 ? (size_t)-1 : k;
}

/* The end of a Hugo or Liquid tag starting at s[0] ("{{< x >}}", "{{% x %}}", "{% x %}",
 * "{{ x }}"), or 0; *kind names it. */
static size_t
foreign_tag(const char *s, size_t len, const char **kind)
{
    static const struct {
        const char *open, *close, *kind;
    } tags[] = {
        {"{{<", ">}}", "a Hugo shortcode"},
        {"{{%", "%}}", "a Hugo shortcode"},
        {"{%", "%}", "a Jekyll (Liquid) tag"},
        {"{{", "}}", "a Jekyll (Liquid) variable"},
    };
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        size_t on = strlen(tags[i].open), cn = strlen(tags[i].close);
        if (len < on + cn || memcmp(s, tags[i].open, on) != 0)
            continue;
        const char *end = memmem(s + on, len - on, tags[i].close, cn);
        if (!end)
            continue;
        const char *p = s + on;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p == end)
            continue; /* "{{ }}": nothing inside */
        *kind = tags[i].kind;
        return (size_t)(end - s) + cn;
    }
    return 0;
}

static void
check_text(checker *c, cmark_node *n)
{
    const char *s = cmark_node_get_literal(n);
    size_t len = s ? strlen(s) : 0;
    int line = cmark_node_get_start_line(n), col = cmark_node_get_start_column(n);
    size_t from = col > 0 ? (size_t)col - 1 : 0;
    for (size_t i = 0; i + 1 < len; i++) {
        const char *kind;
        size_t end = s[i] == '{' ? foreign_tag(s + i, len - i, &kind) : 0;
        if (!end)
            continue;
        size_t at = find_in_source(c, line, from, s + i, end);
        if (at != (size_t)-1) {
            from = at + end;
            warn_capped(c, &c->n_foreign, &c->last_foreign, "foreign-shortcode",
                        pos_at(c, line, at),
                        arena_printf(c->a,
                                     "'%s' looks like %s; clinfolio shortcodes are written "
                                     "{{ name(arg=...) }}",
                                     quote(s + i, end, c->a), kind));
        }
        i += end - 1;
    }
}

/* A destination naming a .md file: no scheme, not //host, the path ends in ".md". */
static bool
is_md_link(const char *url, size_t *path_len)
{
    text_url_scheme sch;
    size_t len = strlen(url);
    text_url_scheme_read(&sch, url, len, false);
    if (sch.kind == TEXT_URL_SCHEME || (url[0] == '/' && url[1] == '/'))
        return false;
    size_t n = strcspn(url, "?#");
    *path_len = n;
    return n > 3 && strncasecmp(url + n - 3, ".md", 3) == 0;
}

/* The destination of a link to a .md file: the page's URL, or NULL after an error. */
static const char *
resolve_md_link(checker *c, const char *url, size_t path_len, src_pos at)
{
    buf path = BUF_INIT;
    bool inside = true;
    if (url[0] != '/') {
        const char *slash = strrchr(c->file, '/');
        inside = text_path_push(&path, c->file, slash ? (size_t)(slash - c->file) : 0);
    }
    inside = inside && text_path_push(&path, url, path_len);
    const char *why = "outside the site folder";
    const char *page = inside ? page_ctx->page_url(path.ptr, &why, page_ctx->payload) : NULL;
    const char *dest = NULL;
    if (page)
        dest = arena_printf(c->a, "%s%s", page, url + path_len);
    else if (!inside)
        diag_report_code(c->d, DIAG_ERROR, "broken-link", at,
                         "broken link '%s': it points outside the site folder", url);
    else
        diag_report_code(c->d, DIAG_ERROR, "broken-link", at, "broken link '%s': %s is %s", url,
                         path.ptr, why);
    buf_free(&path);
    return dest;
}

void
markdown_picture_html(buf *out, const markdown_picture *pic, const char *sizes,
                      const char *alt_html, const char *title_html, const char *id)
{
    buf sz = BUF_INIT;
    text_html_escape(&sz, sizes, strlen(sizes));
    buf_puts(out, "<picture>");
    if (pic->webp_srcset)
        buf_printf(out, "<source type=\"image/webp\" srcset=\"%s\" sizes=\"%s\">", pic->webp_srcset,
                   sz.ptr);
    buf_printf(out,
               "<img src=\"%s\" srcset=\"%s\" sizes=\"%s\" width=\"%d\" height=\"%d\" alt=\"%s\"",
               pic->src, pic->srcset, sz.ptr, pic->width, pic->height, alt_html);
    if (title_html && *title_html)
        buf_printf(out, " title=\"%s\"", title_html);
    if (id && *id) {
        buf_puts(out, " id=\"");
        text_html_escape(out, id, strlen(id));
        buf_putc(out, '"');
    }
    buf_puts(out, " loading=\"lazy\" decoding=\"async\"></picture>");
    buf_free(&sz);
}

/* Warns when image n has no alt text (what it shows, for readers who cannot see it). */
static void
check_alt(checker *c, cmark_node *n, const char *url, src_pos at)
{
    buf alt = BUF_INIT;
    plain_text(&alt, n);
    if (!alt.len)
        warn_capped(c, &c->n_alt, &c->last_alt, "missing-alt", at,
                    arena_printf(c->a,
                                 "image '%s' has no alt text: write what it shows between the "
                                 "brackets, for readers who cannot see it",
                                 quote(url, strlen(url), c->a)));
    buf_free(&alt);
}

/* Image n (at its '!') as the picture pic of the page's bundle: its HTML kept as the node's
 * user data for swap_pictures, or pic's error reported. */
static void
set_picture(checker *c, cmark_node *n, const markdown_picture *pic, src_pos at)
{
    if (pic->error) {
        diag_report(c->d, DIAG_ERROR, at, "%s", pic->error);
        c->ok = false;
        return;
    }
    buf alt = BUF_INIT, html = BUF_INIT, title = BUF_INIT;
    plain_text(&html, n); /* the alt text as cmark writes it: the text, without markup */
    text_html_escape(&alt, html.ptr, html.len);
    const char *t = cmark_node_get_title(n);
    if (t)
        text_html_escape(&title, t, strlen(t));
    buf_clear(&html);
    const char *sizes = c->opt->image_sizes ? c->opt->image_sizes : "100vw";
    markdown_picture_html(&html, pic, sizes, alt.ptr, title.ptr, NULL);
    cmark_node_set_user_data(n, arena_strndup(c->a, html.ptr, html.len));
    buf_free(&alt);
    buf_free(&html);
    buf_free(&title);
}

static void
check_link(checker *c, cmark_node *n, bool image)
{
    const char *url = cmark_node_get_url(n);
    if (!url || !*url)
        return;
    src_pos at = node_pos(c, n);
    if (image)
        check_alt(c, n, url, at);
    const markdown_picture *pic = image && page_ctx && page_ctx->picture_of
                                      ? page_ctx->picture_of(page_ctx->figure_payload, url)
                                      : NULL;
    if (pic) { /* published as its variants, never as written: nothing for the links pass */
        set_picture(c, n, pic, at);
        return;
    }
    size_t path_len;
    if (!image && page_ctx && page_ctx->page_url && is_md_link(url, &path_len)) {
        const char *dest = resolve_md_link(c, url, path_len, at);
        if (!dest) {
            c->ok = false;
            return;
        }
        cmark_node_set_url(n, dest);
        url = dest;
    } else {
        text_url_scheme sch;
        text_url_scheme_read(&sch, url, strlen(url), false);
        if (sch.kind == TEXT_URL_SCHEME)
            return; /* external: not checked */
    }
    c->links = arena_grow(c->a, c->links, c->n_links, &c->cap_links, sizeof(markdown_link), 16);
    c->links[c->n_links++] = (markdown_link){arena_strdup(c->a, url), at, image};
}

/* Walks doc once: rewrites .md links, collects links, reports raw HTML and foreign
 * shortcodes (not in code: code spans and blocks are not TEXT nodes). */
static bool
check_content(checker *c, cmark_node *doc)
{
    c->line_start = index_lines(c->src, c->len, &c->n_lines);
    c->pg = page_ctx;
    if (c->pg && c->pg->source && c->pg->n_spans)
        c->source_line_start = index_lines(c->pg->source, c->pg->source_len, &c->n_source_lines);
    cmark_iter *it = cmark_iter_new(doc);
    for (cmark_event_type ev; (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;) {
        cmark_node *n = cmark_iter_get_node(it);
        if (ev != CMARK_EVENT_ENTER)
            continue;
        switch (cmark_node_get_type(n)) {
        case CMARK_NODE_LINK:
            check_link(c, n, false);
            break;
        case CMARK_NODE_IMAGE:
            check_link(c, n, true);
            break;
        case CMARK_NODE_HTML_BLOCK:
        case CMARK_NODE_HTML_INLINE:
            if (!c->opt->unsafe_html)
                check_html(c, n);
            break;
        case CMARK_NODE_TEXT:
            check_text(c, n);
            break;
        default:
            break;
        }
    }
    cmark_iter_free(it);
    note_capped(c, c->n_html, c->last_html, "raw HTML elements were dropped");
    note_capped(c, c->n_foreign, c->last_foreign, "Hugo or Jekyll tags were found");
    note_capped(c, c->n_alt, c->last_alt, "images have no alt text");
    return c->ok; /* the caller frees the line indexes */
}

/* }==================================================================== */

/* {====================================================================
 * numbered tables and figures: "Table: caption {#tbl:id}" after a table (markdown.h)
 * ===================================================================== */

/* The kinds of numbered objects: a table with a "Table:" paragraph after it, an image alone
 * in its paragraph with a "Figure:" paragraph after it or a title. */
typedef struct object_kind {
    const char *name;         /* markdown_label.kind */
    const char *prefix;       /* of the caption paragraph */
    const char *en, *zh;      /* the label's word: "Table" ("Table 2."), "表" ("表 2") */
    const char *open, *close; /* the element around the object and its caption */
    const char *cap_open, *cap_close;
} object_kind;

static const object_kind kinds[] = {
    {"table", MARKDOWN_TABLE_PREFIX, "Table", "表", "<table", NULL, "<caption>", "</caption>\n"},
    {"figure", MARKDOWN_FIGURE_PREFIX, "Figure", "图", "<figure", "</figure>\n", "<figcaption>",
     "</figcaption>\n"},
};
enum { KIND_TABLE, KIND_FIGURE, N_KINDS };

static bool
is_chinese(const char *lang)
{
    return lang && strncmp(lang, "zh", 2) == 0 && (lang[2] == '\0' || lang[2] == '-');
}

void
markdown_label_text(buf *out, const char *kind, unsigned number, const char *lang)
{
    const object_kind *k = &kinds[strcmp(kind, "figure") == 0 ? KIND_FIGURE : KIND_TABLE];
    buf_printf(out, "%s %u", is_chinese(lang) ? k->zh : k->en, number);
}

/* The output of the shortcode call paragraph n is made of (markdown_page.token_html), its
 * leading white space skipped, when it starts with the element tag (e.g. "<table"); else
 * NULL. */
static const char *
token_output(cmark_node *n, const char *tag)
{
    if (!page_ctx || !page_ctx->token_html || !n || cmark_node_get_type(n) != CMARK_NODE_PARAGRAPH)
        return NULL;
    cmark_node *t = cmark_node_first_child(n);
    if (!t || cmark_node_get_type(t) != CMARK_NODE_TEXT || cmark_node_next(t))
        return NULL;
    const char *html = page_ctx->token_html(page_ctx->fill_payload, cmark_node_get_literal(t));
    while (html && (*html == ' ' || *html == '\n' || *html == '\t'))
        html++;
    size_t len = strlen(tag);
    return html && strncmp(html, tag, len) == 0 && (html[len] == ' ' || html[len] == '>') ? html
                                                                                          : NULL;
}

/* The output of the shortcode call paragraph n when it is a <table>, else NULL. */
static const char *
token_table(cmark_node *n)
{
    return token_output(n, "<table");
}

/* The output of the shortcode call paragraph n when it is a chart (an <svg class="cf-chart
 * ...">, e.g. funnel, gantt, timeline), else NULL. */
static const char *
token_chart(cmark_node *n)
{
    const char *html = token_output(n, "<svg");
    const char *gt = html ? strchr(html, '>') : NULL;
    const char *cls = html ? strstr(html, "class=\"cf-chart") : NULL;
    return gt && cls && cls < gt ? html : NULL;
}

/* The figure the shortcode call paragraph n describes (the built-in figure), else NULL. */
static const markdown_figure *
token_figure(cmark_node *n)
{
    const char *html = NULL;
    if (page_ctx && page_ctx->figure_of) /* its image: a picture when made of a bundle's file */
        html = token_output(n, "<img") ? token_output(n, "<img") : token_output(n, "<picture");
    return html ? page_ctx->figure_of(page_ctx->figure_payload, html) : NULL;
}

/* A table of the Markdown, or a paragraph that is a shortcode call making a table. */
static bool
is_table(cmark_node *n)
{
    const char *t = n ? cmark_node_get_type_string(n) : NULL;
    return (t && strcmp(t, "table") == 0) || token_table(n);
}

/* A paragraph holding one image and nothing else. */
static bool
is_lone_image(cmark_node *n)
{
    cmark_node *img = n ? cmark_node_first_child(n) : NULL;
    return cmark_node_get_type(n) == CMARK_NODE_PARAGRAPH && img &&
           cmark_node_get_type(img) == CMARK_NODE_IMAGE && !cmark_node_next(img);
}

/* What a "Figure:" caption may follow: an image alone in its paragraph, or a paragraph that
 * is a shortcode call making a chart. */
static bool
is_figure(cmark_node *n)
{
    return is_lone_image(n) || token_chart(n);
}

/* A paragraph whose text starts with prefix (its text nodes merged). */
static bool
starts_with(cmark_node *n, const char *prefix)
{
    if (!n || cmark_node_get_type(n) != CMARK_NODE_PARAGRAPH)
        return false;
    cmark_node *first = cmark_node_first_child(n);
    if (!first || cmark_node_get_type(first) != CMARK_NODE_TEXT)
        return false;
    const char *s = cmark_node_get_literal(first);
    size_t word = strlen(prefix) - 1; /* cmark may split the text at ':' */
    if (!s || strncmp(s, prefix, word) != 0)
        return false;
    cmark_consolidate_text_nodes(n);
    s = cmark_node_get_literal(cmark_node_first_child(n));
    return s && strncmp(s, prefix, word + 1) == 0;
}

/* A paragraph whose text starts with the prefix of kind k. */
static bool
is_caption(cmark_node *n, const object_kind *k)
{
    return starts_with(n, k->prefix);
}

/* The prefix a source note paragraph n starts with, else NULL. */
static const char *
source_prefix(cmark_node *n)
{
    if (starts_with(n, MARKDOWN_SOURCE_PREFIX))
        return MARKDOWN_SOURCE_PREFIX;
    return starts_with(n, MARKDOWN_SOURCE_PREFIX_ZH) ? MARKDOWN_SOURCE_PREFIX_ZH : NULL;
}

static bool
is_id_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == ':' || ch == '_' || ch == '-';
}

/* Takes a trailing "{#id}" off the caption's last text node: the id (owned by a), or NULL
 * when there is none or it is not an id (then the text stays as it is). */
static const char *
take_caption_id(cmark_node *par, arena *a)
{
    cmark_node *last = cmark_node_last_child(par);
    if (!last || cmark_node_get_type(last) != CMARK_NODE_TEXT)
        return NULL;
    const char *s = cmark_node_get_literal(last);
    size_t len = s ? strlen(s) : 0;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len < 4 || s[len - 1] != '}')
        return NULL;
    size_t open = len - 1;
    while (open > 0 && is_id_char(s[open - 1]))
        open--;
    if (open < 2 || open == len - 1 || s[open - 1] != '#' || s[open - 2] != '{')
        return NULL;
    const char *id = arena_strndup(a, s + open, len - 1 - open);
    size_t keep = open - 2;
    while (keep && (s[keep - 1] == ' ' || s[keep - 1] == '\t'))
        keep--;
    char *rest = arena_strndup(a, s, keep);
    cmark_node_set_literal(last, rest);
    return id;
}

/* Takes prefix and the spaces after it off the first text node of paragraph par. */
static void
take_prefix(cmark_node *par, const char *prefix, arena *a)
{
    cmark_node *first = cmark_node_first_child(par);
    const char *s = cmark_node_get_literal(first) + strlen(prefix);
    while (*s == ' ' || *s == '\t')
        s++;
    cmark_node_set_literal(first, arena_strdup(a, s));
}

/* A rendering of a paragraph without its <p> and </p>\n: false when it is not one. */
static bool
strip_p(const char *html, const char **inner, size_t *len)
{
    size_t n = strlen(html);
    if (n < 8 || strncmp(html, "<p>", 3) != 0 || strcmp(html + n - 5, "</p>\n") != 0)
        return false;
    *inner = html + 3;
    *len = n - 8;
    return true;
}

/* Appends the source note's label and its HTML src[0..len). */
static void
source_note(buf *b, const char *src, size_t len, const char *lang)
{
    buf_puts(b, "<span class=\"source-label\">");
    buf_puts(b, is_chinese(lang) ? "资料来源：</span>" : "Source:</span> ");
    buf_append(b, src, len);
}

/* The object's element with its id, label and caption: obj is a table or an image
 * paragraph, rendered and replaced by one custom block, as headings with ids are. cap is
 * the caption paragraph (freed with obj) or NULL (the image's title is the caption); src is
 * the source note paragraph, its prefix taken off (freed with obj), or NULL. */
static void
caption_object(cmark_node *obj, cmark_node *cap, cmark_node *src, const object_kind *k,
               const markdown_label *l, const char *lang, int options, cmark_llist *exts)
{
    /* a table a shortcode made: its output, with its own caption left out */
    const char *made = k == &kinds[KIND_TABLE] ? token_table(obj) : NULL;
    /* a chart a shortcode made: its output whole, in a <figure class="chart-figure"> */
    const char *chart = k == &kinds[KIND_FIGURE] ? token_chart(obj) : NULL;
    /* a figure the built-in shortcode describes: its image, caption and note */
    const markdown_figure *fig = k == &kinds[KIND_FIGURE] ? token_figure(obj) : NULL;
    buf title = BUF_INIT; /* an image's title, the caption when there is no cap */
    if (!made && !chart && !fig && k == &kinds[KIND_FIGURE] && !cap) {
        const char *t = cmark_node_get_title(cmark_node_first_child(obj));
        if (t)
            text_html_escape(&title, t, strlen(t));
    }
    swap_pictures(obj); /* frees the image: its title is copied above */
    if (cap)
        swap_pictures(cap);
    if (src)
        swap_pictures(src);
    char *html = render_html(obj, options, exts);
    char *cap_html = cap ? render_html(cap, options, exts) : NULL;
    char *src_html = src ? render_html(src, options, exts) : NULL;
    const char *note = NULL;
    size_t note_len = 0;
    const char *body = html, *caption = "", *attrs = "";
    size_t body_len = strlen(html), caption_len = 0, attrs_len = 0;
    bool fine;
    if (made) {
        const char *gt = strchr(made, '>');
        fine = gt != NULL;
        if (fine) {
            attrs = made + strlen("<table");
            attrs_len = (size_t)(gt - attrs);
            body = gt + 1;
            while (*body == ' ' || *body == '\n' || *body == '\t')
                body++;
            const char *end = strstr(body, "</caption>");
            if (strncmp(body, "<caption", 8) == 0 && end)
                body = end + strlen("</caption>");
            body_len = strlen(body);
        }
    } else if (chart) {
        static const char cls[] = " class=\"chart-figure\"";
        fine = true;
        attrs = cls;
        attrs_len = sizeof cls - 1;
        body = chart;
        body_len = strlen(chart);
        while (body_len && (body[body_len - 1] == '\n' || body[body_len - 1] == ' '))
            body_len--;
    } else if (fig) {
        fine = true;
        body = fig->img;
        body_len = strlen(body);
        caption = fig->caption;
        caption_len = strlen(caption);
        note = fig->source;
        note_len = note ? strlen(note) : 0;
    } else if (k == &kinds[KIND_TABLE]) {
        static const char open[] = "<table>\n";
        fine = strncmp(html, open, sizeof open - 1) == 0;
        body += sizeof open - 1;
        body_len -= sizeof open - 1;
    } else {
        fine = strip_p(html, &body, &body_len);
        if (!cap) {
            caption = title.ptr;
            caption_len = title.len;
        }
    }
    if (cap_html)
        fine = fine && strip_p(cap_html, &caption, &caption_len);
    if (src_html)
        fine = fine && strip_p(src_html, &note, &note_len);
    if (fine) {
        buf b = BUF_INIT;
        buf_puts(&b, k->open);
        buf_append(&b, attrs, attrs_len);
        if (l->id) {
            buf_puts(&b, " id=\"");
            text_html_escape(&b, l->id, strlen(l->id));
            buf_putc(&b, '"');
        }
        buf_puts(&b, ">\n");
        if (k == &kinds[KIND_FIGURE]) {
            buf_append(&b, body, body_len);
            buf_putc(&b, '\n');
        }
        buf_puts(&b, k->cap_open);
        buf_puts(&b, "<span class=\"caption-label\">");
        markdown_label_text(&b, k->name, l->number, lang);
        if (!is_chinese(lang))
            buf_putc(&b, '.');
        buf_puts(&b, "</span>");
        if (caption_len) {
            buf_putc(&b, ' ');
            buf_append(&b, caption, caption_len);
        }
        if (fig && fig->credit) {
            buf_puts(&b, " <span class=\"figure-credit\">");
            buf_puts(&b, fig->credit);
            buf_puts(&b, "</span>");
        }
        if (note) { /* in the caption: a <figure> allows nothing after its <figcaption> */
            buf_puts(&b, k == &kinds[KIND_TABLE] ? " <span class=\"caption-source\">"
                                                 : " <span class=\"figure-source\">");
            source_note(&b, note, note_len, lang);
            buf_puts(&b, "</span>");
        }
        buf_puts(&b, k->cap_close);
        if (k == &kinds[KIND_TABLE])
            buf_append(&b, body, body_len);
        else
            buf_puts(&b, k->close);
        cmark_node *block = cmark_node_new_with_mem(CMARK_NODE_CUSTOM_BLOCK, &tree_mem);
        if (cmark_node_set_on_enter(block, b.ptr) && cmark_node_insert_before(obj, block)) {
            cmark_node_free(obj);
            if (cap)
                cmark_node_free(cap);
            if (src)
                cmark_node_free(src);
        } else {
            cmark_node_free(block);
        }
        buf_free(&b);
    }
    buf_free(&title);
    free(src_html);
    free(cap_html);
    free(html);
}

typedef struct numbering {
    checker *c;
    markdown_result *out;
    size_t cap_labels;
    unsigned count[N_KINDS];
    strtab ids; /* id -> index + 1 in out->labels */
    int options;
    cmark_llist *exts;
} numbering;

/* Numbers obj (of kind k; cap: its caption paragraph or NULL; src: the source note
 * paragraph after cap or NULL); false after an error. */
static bool
number_object(numbering *nb, cmark_node *obj, cmark_node *cap, cmark_node *src,
              const object_kind *k, src_pos at)
{
    checker *c = nb->c;
    markdown_result *out = nb->out;
    const markdown_figure *fig = cap ? NULL : token_figure(obj);
    const char *id = cap ? take_caption_id(cap, c->a) : fig ? fig->id : NULL;
    if (id) {
        uintptr_t seen = (uintptr_t)strtab_get(&nb->ids, id);
        if (seen) {
            size_t e = diag_report(c->d, DIAG_ERROR, at, "duplicate id '%s' on this page", id);
            diag_note(c->d, e, out->labels[seen - 1].at, "'%s' was first given here", id);
            return false;
        }
    }
    if (cap)
        take_prefix(cap, k->prefix, c->a);
    if (src)
        take_prefix(src, source_prefix(src), c->a);
    out->labels =
        arena_grow(c->a, out->labels, out->n_labels, &nb->cap_labels, sizeof(markdown_label), 8);
    markdown_label *l = &out->labels[out->n_labels++];
    *l = (markdown_label){id, k->name, ++nb->count[k - kinds], at};
    if (id)
        strtab_put(&nb->ids, id, (void *)(uintptr_t)out->n_labels);
    caption_object(obj, cap, src, k, l, c->opt->lang, nb->options, nb->exts);
    return true;
}

/* Numbers the captioned tables and figures of doc (markdown.h); false after an error (a
 * duplicate id). The labels go to out. */
static bool
number_objects(checker *c, cmark_node *doc, markdown_result *out, int options, cmark_llist *exts)
{
    size_t n;
    cmark_node **pars = nodes_of_type(doc, CMARK_NODE_PARAGRAPH, &n);
    bool ok = true;
    numbering nb = {c, out, 0, {0}, STRTAB_INIT, options, exts};
    /* in document order; a paragraph freed with the object it captions is never visited
     * again: captions come after their object */
    for (size_t i = 0; i < n; i++) {
        cmark_node *par = pars[i], *prev = cmark_node_previous(par);
        const object_kind *k = NULL;
        if (is_caption(par, &kinds[KIND_TABLE]))
            k = &kinds[KIND_TABLE];
        else if (is_caption(par, &kinds[KIND_FIGURE]))
            k = &kinds[KIND_FIGURE];
        if (k && (k == &kinds[KIND_TABLE] ? is_table(prev) : is_figure(prev))) {
            /* a source note is the next paragraph in document order: skipped, as it may
             * be freed with the object */
            cmark_node *src = source_prefix(cmark_node_next(par)) ? cmark_node_next(par) : NULL;
            if (src)
                i++;
            ok = number_object(&nb, prev, par, src, k, node_pos(c, par)) && ok;
        } else if (k) {
            diag_report_code(
                c->d, DIAG_WARNING, "stray-caption", node_pos(c, par),
                "a '%s' caption must follow %s; it is shown as text", k->prefix,
                k == &kinds[KIND_TABLE] ? "a table" : "an image or a chart alone in its paragraph");
        } else if (token_figure(par)) {
            ok = number_object(&nb, par, NULL, NULL, &kinds[KIND_FIGURE], node_pos(c, par)) && ok;
        } else if (is_lone_image(par)) {
            const char *title = cmark_node_get_title(cmark_node_first_child(par));
            cmark_node *next = cmark_node_next(par);
            if (title && *title && !(next && is_caption(next, &kinds[KIND_FIGURE])))
                ok = number_object(&nb, par, NULL, NULL, &kinds[KIND_FIGURE], node_pos(c, par)) &&
                     ok;
        }
    }
    strtab_free(&nb.ids);
    free(pars);
    return ok;
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

/* The summary: text cut to max characters (max_cjk for a mostly Chinese one), see
 * markdown.h. */
static const char *
make_summary(const char *s, size_t len, size_t max, size_t max_cjk, arena *a)
{
    if (max_cjk && text_mostly_cjk(s, len))
        max = max_cjk;
    bool cut = false;
    size_t keep = max ? text_shorten_point(s, len, max, &cut) : len;
    return cut ? arena_printf(a, "%.*s…", (int)keep, s) : arena_strndup(a, s, len);
}

static void
empty_result(markdown_result *out, arena *a)
{
    out->html = "";
    out->summary = "";
    out->toc = value_new_list(a, SRC_NONE);
    out->word_count = 0;
    out->links = NULL;
    out->n_links = 0;
    out->labels = NULL;
    out->n_labels = 0;
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

    parsed pd = parse_document(src, len, options, tables);
    cmark_node *doc = pd.doc;
    cmark_llist *exts = cmark_parser_get_syntax_extensions(pd.parser);

    checker c = {.src = src,
                 .len = len,
                 .file = file,
                 .first_line = first_line,
                 .opt = opt,
                 .ok = true,
                 .a = a,
                 .d = d};
    bool ok = check_content(&c, doc); /* before the headings are rendered: links in them */
    out->links = c.links;
    out->n_links = c.n_links;

    walk w = {NULL, 0, 0, NULL, BUF_INIT};
    walk_tree(&w, doc);
    out->word_count = count_words(w.text.ptr, w.text.len, &out->cjk_count);
    buf_free(&w.text);

    buf text = BUF_INIT;
    if (w.summary) {
        plain_text(&text, w.summary);
        out->summary =
            make_summary(text.ptr, text.len, opt->summary_chars, opt->summary_chars_cjk, a);
    }

    strtab ids = STRTAB_INIT;
    buf slug = BUF_INIT;
    for (size_t i = 0; i < w.n_headings; i++) {
        cmark_node *h = w.headings[i];
        buf_clear(&text);
        plain_text(&text, h);
        buf_clear(&slug);
        /* a shortcode in the heading: the id comes from its output, not its token */
        const char *seen = page_ctx && page_ctx->fill_text
                               ? page_ctx->fill_text(text.ptr, page_ctx->fill_payload, a)
                               : text.ptr;
        text_slugify(&slug, seen, strlen(seen));
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

    ok = number_objects(&c, doc, out, options, exts) && ok; /* after the word count */
    free(c.line_start);
    free(c.source_line_start);
    swap_pictures(doc);

    char *html = render_html(doc, options, exts);
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
    parsed_free(&pd);
    return ok;
}

const char **
markdown_image_urls(const char *src, size_t len, size_t *n, arena *a)
{
    const char **urls = NULL;
    size_t cap = 0;
    *n = 0;
    if (len > FS_MAX_MARKDOWN) /* markdown_render refuses it */
        return NULL;
    parsed pd = parse_document(src, len, CMARK_OPT_FOOTNOTES, true);
    cmark_node *doc = pd.doc;
    strtab seen = STRTAB_INIT;
    size_t n_images;
    cmark_node **images = nodes_of_type(doc, CMARK_NODE_IMAGE, &n_images);
    for (size_t i = 0; i < n_images; i++) {
        const char *url = cmark_node_get_url(images[i]);
        if (!url || !*url || strtab_has(&seen, url))
            continue;
        urls = arena_grow(a, urls, *n, &cap, sizeof(char *), 8);
        urls[(*n)++] = arena_strdup(a, url);
        strtab_put(&seen, urls[*n - 1], NULL);
    }
    free(images);
    strtab_free(&seen);
    parsed_free(&pd);
    return urls;
}

bool *
markdown_code_lines(const char *src, size_t len, size_t n_lines)
{
    bool *code = xcalloc(n_lines + 2, sizeof(bool));
    /* the same parser setup as markdown_render, so block structure agrees with it */
    parsed pd = parse_document(src, len, CMARK_OPT_FOOTNOTES, true);
    cmark_iter *it = cmark_iter_new(pd.doc);
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
    parsed_free(&pd);
    return code;
}
