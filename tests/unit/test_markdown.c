/* SPDX-License-Identifier: MIT
 * test_markdown.c - GFM features, raw HTML policy, heading ids and the table of
 * contents, summaries, word counts, hostile inputs, parallel rendering, and the pictures
 * of a bundle's images (markdown_page.picture_of, markdown_image_urls). */
#include "harness.h"

#include "markdown.h"
#include "shortcode.h"
#include "text.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static arena *A;

/* Renders s with the given options; diagnostics go to *diag_text (free()). */
static markdown_result
render_opts(const char *s, bool unsafe, size_t summary_chars, char **diag_text, bool *ok)
{
    diag *d = diag_new();
    markdown_result r;
    markdown_options opt = {unsafe, summary_chars, 0, NULL, NULL};
    bool res = markdown_render(&r, s, strlen(s), &opt, "content/x.md", 5, A, d);
    if (ok)
        *ok = res;
    if (diag_text)
        *diag_text = diag_to_string(d);
    diag_free(d);
    return r;
}

static markdown_result
render(const char *s)
{
    return render_opts(s, false, 200, NULL, NULL);
}

#define HAS(hay, needle, msg) \
    OK(strstr((hay), (needle)) != NULL, "%s: no \"%s\" in:\n%s", msg, needle, hay)
#define HASNT(hay, needle, msg) \
    OK(strstr((hay), (needle)) == NULL, "%s: \"%s\" in:\n%s", msg, needle, hay)

static void
test_gfm(void)
{
    markdown_result r = render("| a | b |\n|---|:-:|\n| 1 | 2 |\n");
    HAS(r.html, "<table>", "table");
    HAS(r.html, "<th>a</th>", "table header");
    HAS(r.html, "<td align=\"center\">2</td>", "table alignment");

    r = render("~~gone~~ and ~kept~\n");
    HAS(r.html, "<del>gone</del>", "strikethrough");

    r = render("see www.example.org and https://example.org/x.\n");
    HAS(r.html, "<a href=\"http://www.example.org\">www.example.org</a>", "autolink www");
    HAS(r.html, "<a href=\"https://example.org/x\">https://example.org/x</a>.", "autolink url");

    r = render("- [x] done\n- [ ] todo\n");
    /* labelled for screen readers (WCAG: form elements need labels) */
    HAS(r.html, "<li><input type=\"checkbox\" checked disabled aria-label=\"Done\"> done</li>",
        "task done");
    HAS(r.html, "<li><input type=\"checkbox\" disabled aria-label=\"Not done\"> todo</li>",
        "task open");
    r = render("- [x] a `<input type=\"checkbox\"` in code\n");
    HAS(r.html, "aria-label=\"Done\"> a <code>&lt;input type=&quot;checkbox&quot;</code> in code",
        "escaped checkbox text left alone");

    r = render("Claim.[^1]\n\n[^1]: Source.\n");
    HAS(r.html, "<sup class=\"footnote-ref\"><a href=\"#fn-1\" id=\"fnref-1\"", "footnote ref");
    HAS(r.html, "<li id=\"fn-1\">", "footnote def");
    HAS(r.html, "<section class=\"footnotes\"", "footnote section");

    r = render("*em* **strong** `code`\n\n```c\nint x;\n```\n");
    STR_EQ(r.html,
           "<p><em>em</em> <strong>strong</strong> <code>code</code></p>\n"
           "<pre><code class=\"language-c\">int x;\n</code></pre>\n",
           "core CommonMark");

    diag *d = diag_new();
    markdown_options opt = {false, 200, 100, NULL, NULL};
    OK(markdown_render(&r, NULL, 0, &opt, "x.md", 1, A, d), "NULL input");
    STR_EQ(r.html, "", "NULL input html");
    diag_free(d);
    r = render("");
    STR_EQ(r.html, "", "empty input");
    STR_EQ(r.summary, "", "empty input summary");
    INT_EQ(value_len(r.toc), 0, "empty input toc");
}

static void
test_raw_html(void)
{
    markdown_result r =
        render("<script>alert(1)</script>\n\nhi <b>x</b> [x](javascript:alert(1))\n");
    HASNT(r.html, "<script", "safe: script block dropped");
    HASNT(r.html, "<b>", "safe: inline html dropped");
    HASNT(r.html, "javascript:", "safe: javascript link neutralised");
    HAS(r.html, "<a href=\"\">x</a>", "safe: link kept without its URL");

    r = render_opts("<div class=\"note\">kept</div>\n\nhi <b>x</b>\n\n<script>alert(1)</script>\n",
                    true, 200, NULL, NULL);
    HAS(r.html, "<div class=\"note\">kept</div>", "unsafe: html block kept");
    HAS(r.html, "hi <b>x</b>", "unsafe: inline html kept");
    HASNT(r.html, "<script>", "unsafe: tagfilter still escapes <script>");
    HAS(r.html, "&lt;script>", "unsafe: tagfilter output");

    /* raw HTML that looks like a heading does not get an id, and does not shift ids */
    r = render_opts("<h2>raw</h2>\n\n## Real\n", true, 200, NULL, NULL);
    HAS(r.html, "<h2>raw</h2>", "unsafe raw heading untouched");
    HAS(r.html, "<h2 id=\"real\">Real</h2>", "real heading id in unsafe mode");
    INT_EQ(value_len(r.toc), 1, "toc ignores raw HTML headings");
}

static const char *
toc_field(const markdown_result *r, size_t i, const char *key)
{
    value *v = value_map_get(value_list_get(r->toc, i), key);
    return v && v->type == VALUE_STRING ? v->as.str.ptr : "(missing)";
}

static void
test_headings(void)
{
    markdown_result r = render("# Title\n\n## Intro\n\ntext\n\n## Intro\n\n### Intro 1\n\n"
                               "## 项目 背景\n\n#### Deep *dive* `x`\n\n##### Five\n\n## !!!\n\n"
                               "Setext\n------\n\n> ## Quoted\n");
    HAS(r.html, "<h1 id=\"title\">Title</h1>", "h1 id");
    HAS(r.html, "<h2 id=\"intro\">Intro</h2>", "h2 id");
    HAS(r.html, "<h2 id=\"intro-1\">Intro</h2>", "duplicate gets -1");
    HAS(r.html, "<h3 id=\"intro-1-1\">Intro 1</h3>", "collision with a generated id");
    HAS(r.html, "<h2 id=\"项目-背景\">项目 背景</h2>", "Chinese heading id");
    HAS(r.html, "<h4 id=\"deep-dive-x\">Deep <em>dive</em> <code>x</code></h4>", "inline markup");
    HAS(r.html, "<h5 id=\"five\">Five</h5>", "h5 id");
    HAS(r.html, "<h2 id=\"section\">!!!</h2>", "empty slug");
    HAS(r.html, "<h2 id=\"setext\">Setext</h2>", "setext heading");
    HAS(r.html, "<blockquote>\n<h2 id=\"quoted\">Quoted</h2>\n</blockquote>", "nested heading");
    /* a third and fourth repeat, after other headings: the count of each slug is kept */
    markdown_result rep = render("# A\n# A\n# A\n# B\n# A\n# A-1\n");
    HAS(rep.html, "<h1 id=\"a-2\">A</h1>", "third A");
    HAS(rep.html, "<h1 id=\"a-3\">A</h1>", "fourth A, after B");
    HAS(rep.html, "<h1 id=\"a-1-1\">A-1</h1>", "A-1 after the generated a-1");

    INT_EQ(value_len(r.toc), 8, "toc has h2-h4 only");
    STR_EQ(toc_field(&r, 0, "id"), "intro", "toc[0].id");
    STR_EQ(toc_field(&r, 3, "id"), "项目-背景", "toc[3].id");
    STR_EQ(toc_field(&r, 3, "title"), "项目 背景", "toc[3].title");
    STR_EQ(toc_field(&r, 4, "title"), "Deep dive x", "toc[4].title is plain text");
    value *lvl = value_map_get(value_list_get(r.toc, 4), "level");
    OK(lvl && lvl->type == VALUE_NUMBER && lvl->as.number == 4, "toc[4].level == 4");
    value *first = value_list_get(r.toc, 0);
    INT_EQ(first->pos.line, 5 + 2, "toc position is the heading's line in the file");

    /* many identical headings: ids stay unique */
    buf many = BUF_INIT;
    for (int i = 0; i < 300; i++)
        buf_puts(&many, "## Same\n\n");
    r = render(many.ptr);
    HAS(r.html, "<h2 id=\"same-299\">", "300th duplicate");
    buf_free(&many);
}

static void
test_summary(void)
{
    markdown_result r = render("# Title\n\nFirst *paragraph* here,\nsecond line.\n\nNext.\n");
    STR_EQ(r.summary, "First paragraph here, second line.", "paragraph after heading");

    r = render("> quoted\n\n- item\n\nBody text.\n");
    STR_EQ(r.summary, "Body text.", "first top-level paragraph");
    r = render("- only a list\n");
    STR_EQ(r.summary, "", "no paragraph");

    const char *zh = "临床创新项目旨在把一线医护人员发现的问题转化为可以落地的医疗器械和服务。";
    r = render_opts(zh, false, 10, NULL, NULL);
    STR_EQ(r.summary, "临床创新项目旨在把一…", "Chinese cut on characters");
    OK(text_utf8_valid(r.summary, strlen(r.summary)), "summary is valid UTF-8");
    INT_EQ(text_utf8_count(r.summary, strlen(r.summary)), 11, "10 characters + ellipsis");
    for (size_t n = 1; n < 40; n++) {
        r = render_opts(zh, false, n, NULL, NULL);
        if (!text_utf8_valid(r.summary, strlen(r.summary)))
            OK(0, "summary cut at %zu characters is invalid UTF-8", n);
    }

    r = render_opts("The quick brown fox jumps over the lazy dog.", false, 18, NULL, NULL);
    STR_EQ(r.summary, "The quick brown…", "Latin cut on a word boundary");
    r = render_opts("The quick brown fox.", false, 100, NULL, NULL);
    STR_EQ(r.summary, "The quick brown fox.", "short enough: no ellipsis");
    r = render_opts("Supercalifragilisticexpialidociousandthensome", false, 10, NULL, NULL);
    STR_EQ(r.summary, "Supercalif…", "no space near: cut inside the word");
    r = render_opts("One, two, three", false, 4, NULL, NULL);
    STR_EQ(r.summary, "One…", "trailing punctuation trimmed");
    r = render_opts("Long text here", false, 0, NULL, NULL);
    STR_EQ(r.summary, "Long text here", "0: no limit");
    r = render("A <b>bold</b> &amp; [link](http://x) ![alt text](i.png)\n");
    STR_EQ(r.summary, "A bold & link alt text", "plain text: tags out, entities decoded");
    r = render("  Two\tspaces \t here,\nthen\u2003an em space; \u00a0kept \n");
    STR_EQ(r.summary, "Two spaces here, then an em space; \u00a0kept",
           "plain text: white space runs folded to one space, none at the ends, NBSP kept");

    /* Chinese: after the last clause end that keeps half the limit */
    const char *clauses =
        "临床创新项目旨在把一线医护人员发现的问题，转化为可以落地的医疗器械和服务。";
    r = render_opts(clauses, false, 30, NULL, NULL);
    STR_EQ(r.summary, "临床创新项目旨在把一线医护人员发现的问题…", "Chinese cut after a clause");
    r = render_opts(clauses, false, 36, NULL, NULL);
    STR_EQ(r.summary, "临床创新项目旨在把一线医护人员发现的问题…",
           "the clause end is the last one");
    /* a mostly Chinese paragraph takes summary_chars_cjk, an English one summary_chars */
    markdown_result mr;
    arena *a = arena_new();
    diag *d = diag_new();
    markdown_options two = {false, 200, 30, NULL, NULL};
    OK(markdown_render(&mr, clauses, strlen(clauses), &two, "t.md", 1, a, d), "renders");
    STR_EQ(mr.summary, "临床创新项目旨在把一线医护人员发现的问题…", "Chinese: the CJK limit");
    const char *en = "A device for the ward, proposed by nurses in 2023, with English text "
                     "that is longer than thirty characters.";
    OK(markdown_render(&mr, en, strlen(en), &two, "t.md", 1, a, d), "renders");
    STR_EQ(mr.summary, en, "English: the Latin limit (200) keeps it whole");
    arena_free(a);
    diag_free(d);
}

static void
test_word_count(void)
{
    INT_EQ(render("Hello world, this is a test.\n").word_count, 6, "Latin");
    INT_EQ(render("你好世界\n").word_count, 4, "CJK characters");
    INT_EQ(render("Hello 世界 world，你好！\n").word_count, 6, "mixed CJK/Latin");
    INT_EQ(render("Hello 世界 world，你好！\n").cjk_count, 4, "of them CJK characters");
    INT_EQ(render("Hello world\n").cjk_count, 0, "no CJK characters");
    INT_EQ(render("# Head\n\nun*believ*able — well-known 42\n").word_count, 4,
           "heading, inline markup joins, dash alone is not a word");
    INT_EQ(render("| a | b |\n|---|---|\n| c | d |\n").word_count, 4, "table cells");
    INT_EQ(render("<div>raw html words</div>\n\ntext\n").word_count, 1, "raw HTML not counted");
    INT_EQ(render("カタカナ와 한글\n").word_count, 7, "kana and hangul");
    INT_EQ(render("one\ttwo\fthree\vfour  five\n").word_count, 5, "every ASCII white space");
    INT_EQ(render("a - b -- c ... 7 ()\n").word_count, 4, "ASCII punctuation alone is no word");
    INT_EQ(render("x2 2x _a_ (b)\n").word_count, 4, "letters, digits and marks around them");
    INT_EQ(render("café naïve\u3000end\n").word_count, 3, "Latin-1 letters, ideographic space");
}

static void
test_invalid_utf8(void)
{
    markdown_result r = render("bad \xff\xfe bytes \xe4\xb8 here\n\n## T\xc3\x28itle\n");
    OK(text_utf8_valid(r.html, strlen(r.html)), "html is valid UTF-8");
    OK(text_utf8_valid(r.summary, strlen(r.summary)), "summary is valid UTF-8");
    HAS(r.html, "\xEF\xBF\xBD", "replacement character");
    /* cmark-gfm 0.29 cuts a footnote-like bracket across lines inside a character */
    r = render("[^中文\n中文]x\n\n[^\0\n\0]\n");
    OK(text_utf8_valid(r.html, strlen(r.html)), "html valid after cmark's cut: %s", r.html);
    OK(text_utf8_valid(r.summary, strlen(r.summary)), "summary valid after cmark's cut");
    const char nul[] = "a\0b\n";
    diag *d = diag_new();
    markdown_options opt = {false, 200, 100, NULL, NULL};
    markdown_result r2;
    OK(markdown_render(&r2, nul, sizeof nul - 1, &opt, "x.md", 1, A, d), "NUL byte accepted");
    HAS(r2.html,
        "a\xEF\xBF\xBD"
        "b",
        "NUL becomes U+FFFD");
    diag_free(d);
}

static void
test_hostile(void)
{
    /* 2000-column table: cmark-gfm 0.29 would render 40 MB from 12 KB */
    buf s = BUF_INIT;
    buf_puts(&s, "intro\n\n|");
    for (int i = 0; i < 2000; i++)
        buf_puts(&s, "a|");
    buf_puts(&s, "\n|");
    for (int i = 0; i < 2000; i++)
        buf_puts(&s, "-|");
    buf_puts(&s, "\n");
    for (int i = 0; i < 2000; i++)
        buf_puts(&s, "a\n");
    char *dt;
    bool ok;
    markdown_result r = render_opts(s.ptr, false, 200, &dt, &ok);
    OK(ok, "wide table: still renders");
    OK(strlen(r.html) < 200000, "wide table: small output (%zu bytes)", strlen(r.html));
    HASNT(r.html, "<table>", "wide table: no table");
    STR_EQ(dt,
           "content/x.md:7: warning: table with 2000 columns (more than 200); the tables of "
           "this page are shown as text\n",
           "wide table: warning on the header line");
    free(dt);

    /* the same with \r line endings, which cmark-gfm also accepts */
    for (size_t i = 0; i < s.len; i++)
        if (s.ptr[i] == '\n')
            s.ptr[i] = '\r';
    r = render_opts(s.ptr, false, 200, &dt, &ok);
    HASNT(r.html, "<table>", "wide table with CR line ends: no table");
    OK(strstr(dt, "2000 columns") != NULL, "CR line ends: warning: %s", dt);
    free(dt);

    /* 150 columns (allowed) but 1000 one-cell rows: 149,000 empty cells */
    buf_clear(&s);
    buf_puts(&s, "|");
    for (int i = 0; i < 150; i++)
        buf_puts(&s, "a|");
    buf_puts(&s, "\n|");
    for (int i = 0; i < 150; i++)
        buf_puts(&s, "-|");
    buf_puts(&s, "\n");
    for (int i = 0; i < 1000; i++)
        buf_puts(&s, "a\n");
    r = render_opts(s.ptr, false, 200, &dt, &ok);
    HASNT(r.html, "<table>", "padded table: no table");
    OK(strstr(dt, "padded with more than 100000 empty cells") != NULL, "padding warning: %s", dt);
    free(dt);

    /* 5,000 nested block quotes */
    buf_clear(&s);
    for (int i = 0; i < 5000; i++)
        buf_putc(&s, '>');
    buf_puts(&s, " deep\n");
    r = render_opts(s.ptr, false, 200, NULL, &ok);
    OK(ok && strstr(r.html, "deep") != NULL, "5000 nested block quotes");
    buf_clear(&s);
    for (int i = 0; i < 5000; i++)
        buf_puts(&s, "> ");
    buf_puts(&s, "## deep heading\n");
    r = render_opts(s.ptr, false, 200, NULL, &ok);
    OK(ok && strstr(r.html, "<h2 id=\"deep-heading\">") != NULL, "heading under 5000 quotes");

    /* link reference expansion: ~300 KB of input would become 51 MB of HTML */
    buf_clear(&s);
    buf_puts(&s, "[a]: http://");
    for (int i = 0; i < 1000; i++)
        buf_putc(&s, 'x');
    buf_puts(&s, "\n\n");
    for (int i = 0; i < 100000; i++)
        buf_puts(&s, "[a]");
    r = render_opts(s.ptr, false, 200, &dt, &ok);
    OK(!ok, "reference bomb refused");
    OK(strncmp(dt, "content/x.md:5: error: the Markdown text expands to", 51) == 0,
       "reference bomb error: %s", dt);
    STR_EQ(r.html, "", "reference bomb: empty html");
    free(dt);
    buf_free(&s);
}

/* {=== parallel rendering: cmark-gfm's global special-character table ===*/

/* With cmark-gfm's own cmark_manage_extensions_special_characters() and no lock, this
 * loses strikethrough and autolinks in dozens of the 120 renders (checked with cmark-gfm
 * 0.29.0.gfm.6); markdown.c's definition keeps the characters, so parses run in
 * parallel (and else hold a lock). */
enum { THREADS = 4, ROUNDS = 30 };
static char *par_src;
static const char *par_want;

static void *
par_worker(void *arg)
{
    int *bad = arg;
    arena *a = arena_new();
    diag *d = diag_new();
    markdown_options opt = {false, 200, 100, NULL, NULL};
    for (int i = 0; i < ROUNDS; i++) {
        markdown_result r;
        markdown_render(&r, par_src, strlen(par_src), &opt, "p.md", 1, a, d);
        if (strcmp(r.html, par_want) != 0)
            (*bad)++;
        arena_reset(a);
    }
    diag_free(d);
    arena_free(a);
    return NULL;
}

static void
test_parallel(void)
{
    buf src = BUF_INIT;
    for (int i = 0; i < 1000; i++)
        buf_puts(&src, "~~del~~ www.example.org\n\n| a | b |\n|---|---|\n| ~~c~~ | d |\n\n");
    par_src = src.ptr;
    par_want = render(par_src).html;
    OK(strstr(par_want, "<del>") && strstr(par_want, "<table>"), "parallel: extensions on");
    OK(markdown_parses_in_parallel(), "parses run in parallel: cmark-gfm calls markdown.c's "
                                      "cmark_manage_extensions_special_characters()");
    pthread_t t[THREADS];
    int bad[THREADS] = {0};
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, par_worker, &bad[i]);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    int total = 0;
    for (int i = 0; i < THREADS; i++)
        total += bad[i];
    INT_EQ(total, 0, "renders from 4 threads all match the single-threaded one");
    buf_free(&src);
}

/* }=== */

/* {====================================================================
 * links, dropped raw HTML and foreign shortcodes (issue #8)
 * ===================================================================== */

static void
link_eq(const markdown_result *r, size_t i, const char *dest, unsigned line, unsigned col,
        bool image)
{
    if (i >= r->n_links) {
        OK(false, "link %zu missing (%zu links)", i, r->n_links);
        return;
    }
    const markdown_link *l = &r->links[i];
    STR_EQ(l->dest, dest, "link destination");
    STR_EQ(l->at.file, "content/x.md", "link file");
    INT_EQ(l->at.line, line, dest);
    INT_EQ(l->at.col, col, dest);
    INT_EQ(l->image, image, dest);
}

static void
test_links(void)
{
    /* the body starts on line 5 of content/x.md */
    markdown_result r = render("Intro [a](/x/) and ![i](img.png)\n"
                               "\n"
                               "中文说明：[图](/y/#节) ![图片](../p.png)\n"
                               "\n"
                               "| t | u |\n|---|---|\n| 表 [c](/z/) | [d](#d) |\n"
                               "\n"
                               "> quote\n> [q](../q/) `[no](/code/)`\n"
                               "\n"
                               "[ext](https://e.org/) <https://a.org> [r] [m](mailto:x@y.z)\n"
                               "\n"
                               "    [indented](/code-block/)\n"
                               "\n"
                               "[r]: /ref/\n");
    INT_EQ(r.n_links, 8, "relative links and images only");
    link_eq(&r, 0, "/x/", 5, 7, false);
    link_eq(&r, 1, "img.png", 5, 20, true);
    link_eq(&r, 2, "/y/#节", 7, 6, false); /* after five CJK characters: column 6, byte 16 */
    link_eq(&r, 3, "../p.png", 7, 17, true);
    link_eq(&r, 4, "/z/", 11, 5, false);
    link_eq(&r, 5, "#d", 11, 16, false);
    link_eq(&r, 6, "../q/", 14, 3, false);
    link_eq(&r, 7, "/ref/", 16, 39, false);
}

static void
test_raw_html_warnings(void)
{
    char *dt;
    render_opts("<div class=\"card\">\nx\n</div>\n\n中文 <b>bold</b> <!-- note --> "
                "<span style=\"color:red; font-weight:bold; text-decoration:underline\">r</span>\n",
                false, 200, &dt, NULL);
    STR_EQ(dt,
           "content/x.md:5:1: warning: raw HTML dropped (markdown.unsafe_html is false): "
           "<div class=\"card\">\n"
           "content/x.md:9:4: warning: raw HTML dropped (markdown.unsafe_html is false): <b>\n"
           "content/x.md:9:30: warning: raw HTML dropped (markdown.unsafe_html is false): "
           "<span style=\"color:red; font-weight:bold; text-decoration:un…\n",
           "one warning per dropped element, not closing tags or comments");
    free(dt);
    render_opts("<div>x</div>\n\n<b>y</b>\n", true, 200, &dt, NULL);
    STR_EQ(dt, "", "unsafe_html: raw HTML is kept, no warning");
    free(dt);
    render_opts("`<b>` and\n\n    <div>\n", false, 200, &dt, NULL);
    STR_EQ(dt, "", "HTML in code is text");
    free(dt);

    buf many = BUF_INIT;
    for (int i = 0; i < MARKDOWN_MAX_WARNINGS + 3; i++)
        buf_puts(&many, "<i>x</i>\n");
    render_opts(many.ptr, false, 200, &dt, NULL);
    size_t n = 0;
    for (const char *p = dt; (p = strstr(p, "warning: raw HTML")); p++)
        n++;
    INT_EQ(n, MARKDOWN_MAX_WARNINGS, "warnings capped per page");
    HAS(dt,
        "content/x.md: note: 3 more raw HTML elements were dropped on this page; only the "
        "first 20 are listed\n",
        "a note counts the rest");
    free(dt);
    buf_free(&many);
}

static void
test_foreign_shortcodes(void)
{
    char *dt;
    render_opts("As in {% cite smith2020 %}, see {{< toc >}}.\n"
                "\n"
                "中文：{{% note %}} and {{ site.title }}\n"
                "\n"
                "Escaped \\{{ metric(name=\"x\") }} and \\{% raw %}, code `{{< toc >}}`, {{ }} "
                "and {{ unclosed\n"
                "\n"
                "```\n{% include x.html %}\n```\n",
                false, 200, &dt, NULL);
    STR_EQ(dt,
           "content/x.md:5:7: warning: '{% cite smith2020 %}' looks like a Jekyll (Liquid) tag; "
           "clinfolio shortcodes are written {{ name(arg=...) }}\n"
           "content/x.md:5:33: warning: '{{< toc >}}' looks like a Hugo shortcode; clinfolio "
           "shortcodes are written {{ name(arg=...) }}\n"
           "content/x.md:7:4: warning: '{{% note %}}' looks like a Hugo shortcode; clinfolio "
           "shortcodes are written {{ name(arg=...) }}\n"
           "content/x.md:7:21: warning: '{{ site.title }}' looks like a Jekyll (Liquid) "
           "variable; clinfolio shortcodes are written {{ name(arg=...) }}\n",
           "Hugo and Liquid tags outside code, not escaped ones");
    free(dt);
}

static const char *
lookup(const char *path, const char **why, void *payload)
{
    INT_EQ(*(int *)payload, 42, "payload passed through");
    if (strcmp(path, "content/foo.md") == 0)
        return "/sub/projects/foo/";
    if (strcmp(path, "content/news/中文 x.md") == 0)
        return "/sub/news/zh/";
    *why = strcmp(path, "content/draft.md") == 0 ? "a draft" : "not a page";
    return NULL;
}

static void
test_md_links(void)
{
    int payload = 42;
    markdown_page pg = {lookup, &payload, NULL, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL};
    markdown_set_page(&pg);
    char *dt;
    bool ok;
    markdown_result r = render_opts("[a](foo.md) [b](./foo.md#results) [c](news/../foo.md?x=1) "
                                    "[d](/content/foo.md) [e](news/%E4%B8%AD%E6%96%87%20x.md)\n"
                                    "\n"
                                    "![img](foo.md) [web](https://e.org/foo.md) `[code](bar.md)`\n",
                                    false, 200, &dt, &ok);
    OK(ok, "good .md links: %s", dt);
    STR_EQ(dt, "", "no diagnostics");
    free(dt);
    HAS(r.html, "<a href=\"/sub/projects/foo/\">a</a>", "relative to the file's folder");
    HAS(r.html, "<a href=\"/sub/projects/foo/#results\">b</a>", "fragment kept");
    HAS(r.html, "<a href=\"/sub/projects/foo/?x=1\">c</a>", "query kept");
    HAS(r.html, "<a href=\"/sub/projects/foo/\">d</a>", "from the site folder");
    HAS(r.html, "<a href=\"/sub/news/zh/\">e</a>", "percent-decoded");
    HAS(r.html, "<img src=\"foo.md\" alt=\"img\" />", "images are not rewritten");
    HAS(r.html, "<a href=\"https://e.org/foo.md\">web</a>", "external links are not");
    link_eq(&r, 1, "/sub/projects/foo/#results", 5, 13, false);

    r = render_opts("[x](bar.md) 中文 [y](draft.md) [z](../../up.md)\n", false, 200, &dt, &ok);
    OK(!ok, "a broken .md link is an error");
    STR_EQ(dt,
           "content/x.md:5:1: error: broken link 'bar.md': content/bar.md is not a page\n"
           "content/x.md:5:16: error: broken link 'draft.md': content/draft.md is a draft\n"
           "content/x.md:5:30: error: broken link '../../up.md': it points outside the site "
           "folder\n",
           "errors at each link");
    free(dt);
    markdown_set_page(NULL);
    r = render("[a](foo.md)\n");
    HAS(r.html, "<a href=\"foo.md\">a</a>", "without a lookup: left as written");
}

static bool
echo_call(buf *html, const shortcode_call *call, void *payload, diag *d)
{
    (void)payload;
    (void)d;
    buf_printf(html, "<b>%s</b>", call->name);
    return true;
}

/* Positions are in the file as written, though the Markdown holds the calls' tokens. */
static void
test_positions_after_shortcodes(void)
{
    const char *body = "中文 {{ metric(name=\"长的名字\") }} then [l](/x/)\n"
                       "{{ m(\n"
                       "  a=1) }} [k](/y/) {{< toc >}} <div>\n";
    diag *d = diag_new();
    shortcode_text st;
    OK(shortcode_expand(&st, body, strlen(body), "content/x.md", 5, echo_call, NULL, A, d),
       "expanded");
    INT_EQ(st.n, 2, "two calls");
    markdown_page pg = {NULL, NULL, body, strlen(body), st.spans, st.n,
                        NULL, NULL, NULL, NULL,         NULL,     NULL};
    markdown_set_page(&pg);
    markdown_result r;
    markdown_options opt = {false, 200, 100, NULL, NULL};
    markdown_render(&r, st.src, st.len, &opt, "content/x.md", 5, A, d);
    markdown_set_page(NULL);
    link_eq(&r, 0, "/x/", 5, 35, false);
    link_eq(&r, 1, "/y/", 7, 11, false);
    char *dt = diag_to_string(d);
    STR_EQ(dt,
           "content/x.md:7:20: warning: '{{< toc >}}' looks like a Hugo shortcode; clinfolio "
           "shortcodes are written {{ name(arg=...) }}\n"
           "content/x.md:7:32: warning: raw HTML dropped (markdown.unsafe_html is false): <div>\n",
           "warnings after calls, at their place in the file");
    free(dt);
    diag_free(d);
}

static const char *
fill_from(const char *text, void *payload, arena *a)
{
    return shortcode_fill_text(payload, text, a);
}

/* A shortcode in a heading: the id is made from its output, never from its token (found by
 * fuzz_shortcode: "## Results {{ x() }}" had the id "results-clfsc1z"). */
static void
test_heading_with_shortcode(void)
{
    const char *body = "## Results {{ count() }}\n";
    diag *d = diag_new();
    shortcode_text st;
    OK(shortcode_expand(&st, body, strlen(body), "content/x.md", 5, echo_call, NULL, A, d),
       "expanded");
    markdown_page pg = {NULL,      NULL, body, strlen(body), st.spans, st.n,
                        fill_from, &st,  NULL, NULL,         NULL,     NULL};
    markdown_set_page(&pg);
    markdown_result r;
    markdown_options opt = {false, 200, 100, NULL, NULL};
    markdown_render(&r, st.src, st.len, &opt, "content/x.md", 5, A, d);
    markdown_set_page(NULL);
    OK(strstr(r.html, "id=\"results-count\"") != NULL, "id from the output: %s", r.html);
    OK(!strstr(r.html, "clfsc"), "no token in the id: %s", r.html);
    const value *entry = value_list_get(r.toc, 0);
    STR_EQ(value_str(value_map_get(entry, "id")), "results-count", "the TOC has the same id");
    INT_EQ(diag_error_count(d) + diag_warning_count(d), 0, "no diagnostics");
    diag_free(d);
}

/* Issue 13: "Table: caption {#tbl:id}" after a table becomes its numbered <caption>. */
static markdown_result
render_lang(const char *s, bool unsafe, const char *lang, char **diag_text)
{
    diag *d = diag_new();
    markdown_result r;
    markdown_options opt = {unsafe, 200, 0, lang, NULL};
    markdown_render(&r, s, strlen(s), &opt, "content/x.md", 5, A, d);
    *diag_text = diag_to_string(d);
    diag_free(d);
    return r;
}

static void
test_table_captions(void)
{
    const char *md = "| a | b |\n|---|---|\n| 1 | 2 |\n\nTable: First *one* {#tbl:first}\n\n"
                     "Text.\n\n| c |\n|---|\n| 3 |\n\nTable: Second\n";
    for (int unsafe = 0; unsafe < 2; unsafe++) {
        char *msgs;
        markdown_result r = render_lang(md, unsafe, "en", &msgs);
        HAS(r.html,
            "<table id=\"tbl:first\">\n<caption><span class=\"caption-label\">Table 1.</span> "
            "First <em>one</em></caption>\n<thead>",
            "first table captioned with its id");
        HAS(r.html,
            "<table>\n<caption><span class=\"caption-label\">Table 2.</span> Second</caption>",
            "second table numbered, no id");
        HASNT(r.html, "Table:", "the caption paragraphs are gone");
        HASNT(r.html, "{#", "the id marker is gone");
        STR_EQ(msgs, "", "no diagnostics");
        free(msgs);
        INT_EQ(r.n_labels, 2, "two numbered objects");
        if (r.n_labels == 2) {
            STR_EQ(r.labels[0].id, "tbl:first", "first id");
            INT_EQ(r.labels[0].number, 1, "first number");
            OK(r.labels[1].id == NULL, "the second has no id");
            INT_EQ(r.labels[1].number, 2, "second number");
        }
    }

    char *msgs;
    markdown_result r = render_lang(md, false, "zh", &msgs);
    HAS(r.html, "<caption><span class=\"caption-label\">表 1</span> First <em>one</em></caption>",
        "Chinese label");
    HAS(r.html, "<span class=\"caption-label\">表 2</span> Second", "Chinese label 2");
    free(msgs);
    r = render_lang(md, false, "zh-Hans", &msgs);
    HAS(r.html, "<span class=\"caption-label\">表 1</span>", "zh-Hans is Chinese");
    free(msgs);
    r = render_lang(md, false, NULL, &msgs);
    HAS(r.html, "<span class=\"caption-label\">Table 1.</span>", "no language: English");
    free(msgs);

    /* a raw HTML tag in the caption is still dropped in safe mode */
    r = render_lang("| a |\n|---|\n| 1 |\n\nTable: x <b>y</b>\n", false, "en", &msgs);
    HASNT(r.html, "<b>", "raw HTML dropped in the caption");
    free(msgs);

    /* a Table: paragraph that follows no table stays text, with a warning */
    r = render_lang("Intro.\n\nTable: lonely {#tbl:x}\n", false, "en", &msgs);
    HAS(r.html, "<p>Table: lonely {#tbl:x}</p>", "stray caption kept as text");
    STR_EQ(msgs,
           "content/x.md:7:1: warning: a 'Table:' caption must follow a table; it is shown "
           "as text\n",
           "stray caption warning");
    free(msgs);

    /* a bad id: the marker stays in the text, with a warning */
    r = render_lang("| a |\n|---|\n| 1 |\n\nTable: t {#tbl x}\n", false, "en", &msgs);
    HAS(r.html, "Table 1.</span> t {#tbl x}</caption>", "bad id left in the caption");
    free(msgs);

    /* two objects with the same id on one page: an error at the second */
    diag *d = diag_new();
    markdown_options opt = {false, 200, 0, "en", NULL};
    const char *dup = "| a |\n|---|\n| 1 |\n\nTable: A {#tbl:a}\n\n| b |\n|---|\n| 2 |\n\n"
                      "Table: B {#tbl:a}\n";
    bool ok = markdown_render(&r, dup, strlen(dup), &opt, "content/x.md", 5, A, d);
    OK(!ok, "duplicate id fails");
    msgs = diag_to_string(d);
    STR_EQ(msgs,
           "content/x.md:15:1: error: duplicate id 'tbl:a' on this page\n"
           "content/x.md:9:1: note: 'tbl:a' was first given here\n",
           "duplicate id error");
    free(msgs);
    diag_free(d);
}

/* Issue 13: an image alone in its paragraph with a "Figure:" caption or a title becomes a
 * numbered <figure>, numbered apart from the tables. */
static void
test_figures(void)
{
    const char *md = "![A chart](/img/a.png)\n\nFigure: Projects *by* year {#fig:years}\n\n"
                     "| a |\n|---|\n| 1 |\n\nTable: T {#tbl:t}\n\n"
                     "![Funnel](/img/b.png \"The <funnel>\")\n\n"
                     "Inline ![x](/img/c.png \"not a figure\") image.\n\n"
                     "![plain](/img/d.png)\n";
    for (int unsafe = 0; unsafe < 2; unsafe++) {
        char *msgs;
        markdown_result r = render_lang(md, unsafe, "en", &msgs);
        HAS(r.html,
            "<figure id=\"fig:years\">\n<img src=\"/img/a.png\" alt=\"A chart\" />\n"
            "<figcaption><span class=\"caption-label\">Figure 1.</span> Projects <em>by</em> "
            "year</figcaption>\n</figure>\n",
            "figure with a caption paragraph");
        HAS(r.html, "<span class=\"caption-label\">Table 1.</span> T</caption>",
            "tables are numbered apart");
        HAS(r.html,
            "<figure>\n<img src=\"/img/b.png\" alt=\"Funnel\" title=\"The &lt;funnel&gt;\" />\n"
            "<figcaption><span class=\"caption-label\">Figure 2.</span> The "
            "&lt;funnel&gt;</figcaption>\n</figure>\n",
            "figure from the title");
        HAS(r.html, "<p>Inline <img src=\"/img/c.png\"", "an inline image is no figure");
        HAS(r.html, "<p><img src=\"/img/d.png\" alt=\"plain\" /></p>",
            "an image without title or caption is no figure");
        STR_EQ(msgs, "", "no diagnostics");
        free(msgs);
        INT_EQ(r.n_labels, 3, "three numbered objects");
        if (r.n_labels == 3) {
            STR_EQ(r.labels[0].id, "fig:years", "figure id");
            STR_EQ(r.labels[0].kind, "figure", "figure kind");
            STR_EQ(r.labels[1].kind, "table", "table kind");
            INT_EQ(r.labels[1].number, 1, "table number");
            INT_EQ(r.labels[2].number, 2, "second figure number");
        }
    }
    char *msgs;
    markdown_result r = render_lang(md, false, "zh", &msgs);
    HAS(r.html, "<figcaption><span class=\"caption-label\">图 1</span> Projects", "Chinese label");
    free(msgs);
    r = render_lang("Text.\n\nFigure: lost\n", false, "en", &msgs);
    STR_EQ(msgs,
           "content/x.md:7:1: warning: a 'Figure:' caption must follow an image or a chart alone "
           "in its paragraph; it is shown as text\n",
           "stray figure caption");
    free(msgs);
}

/* Issue 13: a "Source:" (or "来源：") paragraph right after a "Figure:" or "Table:" caption
 * becomes the object's source note, labelled in the page's language. */
static void
test_source_notes(void)
{
    const char *md = "![A chart](/img/a.png)\n\nFigure: Funnel {#fig:f}\n\n"
                     "Source: project *pages*, 2022–2024 <b>x</b>\n\n"
                     "| a |\n|---|\n| 1 |\n\nTable: Cohorts {#tbl:c}\n\n来源：项目页面\n\n"
                     "Source: not after a caption\n";
    for (int unsafe = 0; unsafe < 2; unsafe++) {
        char *msgs;
        markdown_result r = render_lang(md, unsafe, "en", &msgs);
        HAS(r.html,
            "<figcaption><span class=\"caption-label\">Figure 1.</span> Funnel <span "
            "class=\"figure-source\"><span class=\"source-label\">Source:</span> project "
            "<em>pages</em>, 2022–2024 ",
            "figure source note at the end of the figcaption");
        HAS(r.html, "</span></figcaption>\n</figure>\n",
            "the note inside the figcaption (nothing may follow it in a figure)");
        HAS(r.html,
            "<caption><span class=\"caption-label\">Table 1.</span> Cohorts <span "
            "class=\"caption-source\"><span class=\"source-label\">Source:</span> "
            "项目页面</span></caption>",
            "table source note in the caption");
        HAS(r.html, "<p>Source: not after a caption</p>", "a lone Source: stays text");
        HASNT(r.html, "来源", "the prefix is gone");
        if (unsafe)
            HAS(r.html, "<b>x</b>", "raw HTML kept when unsafe");
        else
            HASNT(r.html, "<b>", "raw HTML dropped in the note in safe mode");
        STR_EQ(msgs,
               unsafe ? ""
                      : "content/x.md:9:36: warning: raw HTML dropped (markdown.unsafe_html is "
                        "false): <b>\n",
               "no diagnostics but the dropped tag");
        free(msgs);
        INT_EQ(r.n_labels, 2, "two numbered objects");
    }
    char *msgs;
    markdown_result r = render_lang(md, false, "zh", &msgs);
    HAS(r.html,
        "<span class=\"caption-label\">图 1</span> Funnel <span "
        "class=\"figure-source\"><span class=\"source-label\">资料来源：</span>project",
        "Chinese figure source label");
    HAS(r.html,
        "<span class=\"caption-label\">表 1</span> Cohorts <span class=\"caption-source\"><span "
        "class=\"source-label\">资料来源：</span>项目页面</span></caption>",
        "Chinese table source label");
    free(msgs);
    /* an image figure from its title takes no source note: it has no caption paragraph */
    r = render_lang("![a](/a.png \"T\")\n\nSource: s\n", false, "en", &msgs);
    HAS(r.html, "<p>Source: s</p>", "no caption paragraph, no note");
    free(msgs);
}

/* A table made by a shortcode: its own table element with its caption replaced, given
 * the number and the id (issue 13: the demo report's metrics_table). */
static bool
table_call(buf *html, const shortcode_call *call, void *payload, diag *d)
{
    (void)payload;
    (void)d;
    if (strcmp(call->name, "tab") == 0)
        buf_puts(html, "<table class=\"t\" tabindex=\"0\"><caption>Old</caption><tr><td>1</td>"
                       "</tr></table>");
    else if (strcmp(call->name, "chart") == 0)
        buf_puts(html, "<svg class=\"cf-chart cf-wide\" viewBox=\"0 0 9 9\"><text>w</text></svg>\n"
                       "<svg class=\"cf-chart cf-narrow\" display=\"none\"></svg>\n");
    else if (strcmp(call->name, "icon") == 0)
        buf_puts(html, "<svg class=\"icon\"><title>cf-chart</title></svg>");
    else
        buf_printf(html, "<b>%s</b>", call->name);
    return true;
}

/* body (content/x.md from line 5) with its shortcodes run by table_call, rendered in
 * language lang as a page does: the filled HTML, owned by A. */
static const char *
render_calls(markdown_result *r, const char *body, const char *lang, diag *d)
{
    shortcode_text st;
    OK(shortcode_expand(&st, body, strlen(body), "content/x.md", 5, table_call, NULL, A, d),
       "expanded");
    markdown_page pg = {NULL, NULL, body, strlen(body),         st.spans,
                        st.n, NULL, &st,  shortcode_token_html, NULL,
                        NULL, NULL};
    markdown_set_page(&pg);
    markdown_options opt = {false, 200, 100, lang, NULL};
    markdown_render(r, st.src, st.len, &opt, "content/x.md", 5, A, d);
    markdown_set_page(NULL);
    return shortcode_fill_html(&st, r->html, A);
}

static void
test_shortcode_table_caption(void)
{
    const char *body = "| a |\n|---|\n| 1 |\n\nTable: First\n\n{{ tab() }}\n\n"
                       "Table: Made by {{ x() }} {#tbl:made}\n\n{{ x() }}\n\nTable: not a table\n";
    diag *d = diag_new();
    markdown_result r;
    const char *html = render_calls(&r, body, "en", d);
    HAS(html,
        "<table class=\"t\" tabindex=\"0\" id=\"tbl:made\">\n<caption><span "
        "class=\"caption-label\">Table 2.</span> Made by <b>x</b></caption>\n<tr>",
        "the shortcode's table numbered, its caption replaced");
    HASNT(html, "Old", "the old caption is gone");
    char *msgs = diag_to_string(d);
    STR_EQ(msgs,
           "content/x.md:17:1: warning: a 'Table:' caption must follow a table; it is shown as "
           "text\n",
           "a shortcode that is no table takes no caption");
    free(msgs);
    diag_free(d);
}

/* Issue 13: a chart made by a shortcode (funnel, gantt, timeline) with a "Figure:" caption
 * after it becomes a numbered <figure class="chart-figure">, counted with the image figures. */
static void
test_shortcode_chart_figure(void)
{
    const char *body = "![a](a.png)\n\nFigure: Image {#fig:img}\n\n{{ chart() }}\n\n"
                       "Figure: The *funnel* by {{ x() }} {#fig:funnel}\n\n{{ chart() }}\n\n"
                       "Figure: Second chart\n\n{{ icon() }}\n\nFigure: not a chart\n\n"
                       "{{ chart() }}\n\nNo caption.\n";
    for (int zh = 0; zh < 2; zh++) {
        diag *d = diag_new();
        markdown_result r;
        const char *html = render_calls(&r, body, zh ? "zh" : "en", d);
        if (zh) {
            HAS(html,
                "</svg>\n<figcaption><span class=\"caption-label\">图 2</span> The "
                "<em>funnel</em>",
                "Chinese label of a chart");
        } else {
            HAS(html,
                "<figure class=\"chart-figure\" id=\"fig:funnel\">\n<svg class=\"cf-chart "
                "cf-wide\" viewBox=\"0 0 9 9\"><text>w</text></svg>\n<svg class=\"cf-chart "
                "cf-narrow\" display=\"none\"></svg>\n<figcaption><span "
                "class=\"caption-label\">Figure 2.</span> The <em>funnel</em> by "
                "<b>x</b></figcaption>\n</figure>\n",
                "the chart in a numbered figure, after the image's figure 1");
            HAS(html, "<figure class=\"chart-figure\">\n<svg class=\"cf-chart cf-wide\"",
                "a chart figure without an id");
            HAS(html, "<span class=\"caption-label\">Figure 3.</span> Second chart",
                "the second chart is figure 3");
            HAS(html, "<p>Figure: not a chart</p>", "an svg that is no chart takes no caption");
            HAS(html, "</svg>\n\n<p>No caption.</p>", "a chart without a caption stays as it is");
            HASNT(html, "Figure 4", "only captioned charts are numbered");
            INT_EQ(r.n_labels, 3, "three figures");
            if (r.n_labels == 3) {
                STR_EQ(r.labels[1].id, "fig:funnel", "chart figure id");
                STR_EQ(r.labels[1].kind, "figure", "chart figure kind");
                INT_EQ(r.labels[1].number, 2, "chart figure number");
            }
        }
        char *msgs = diag_to_string(d);
        STR_EQ(msgs,
               "content/x.md:19:1: warning: a 'Figure:' caption must follow an image or a chart "
               "alone in its paragraph; it is shown as text\n",
               "a shortcode that is no chart takes no figure caption");
        free(msgs);
        diag_free(d);
    }
    /* a source note under a chart figure (the demo report's funnel) */
    diag *d = diag_new();
    markdown_result r;
    const char *html =
        render_calls(&r, "{{ chart() }}\n\nFigure: F {#fig:f}\n\nSource: project pages\n", "en", d);
    HAS(html,
        "</svg>\n<figcaption><span class=\"caption-label\">Figure 1.</span> F <span "
        "class=\"figure-source\"><span class=\"source-label\">Source:</span> project "
        "pages</span></figcaption>\n</figure>\n",
        "a chart figure's source note");
    diag_free(d);
}

/* markdown_page.picture_of for the tests: a.jpg has a picture, gone.jpg an error */
static const markdown_picture *
pictures(const void *payload, const char *url)
{
    static const markdown_picture a = {"/p/a-1-960.jpg",
                                       "/p/a-1-480.jpg 480w, /p/a-1-960.jpg 960w",
                                       "/p/a-1-480.webp 480w, /p/a-1-960.webp 960w",
                                       960,
                                       640,
                                       NULL};
    static const markdown_picture gone = {
        NULL, NULL, NULL, 0, 0, "image 'gone.jpg': no file content/x/gone.jpg"};
    (void)payload;
    if (strcmp(url, "a.jpg") == 0)
        return &a;
    return strcmp(url, "gone.jpg") == 0 ? &gone : NULL;
}

/* Images of the page's bundle (issue 14): pictures in a sentence, in a numbered figure and
 * in a heading, errors at the '!' (columns in characters), missing alt text; the scan of
 * the media pass. */
static void
test_pictures(void)
{
    markdown_page pg = {NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, pictures};
    markdown_set_page(&pg);
    static const char pic[] =
        "<picture><source type=\"image/webp\" srcset=\"/p/a-1-480.webp 480w, /p/a-1-960.webp "
        "960w\" sizes=\"100vw\"><img src=\"/p/a-1-960.jpg\" srcset=\"/p/a-1-480.jpg 480w, "
        "/p/a-1-960.jpg 960w\" sizes=\"100vw\" width=\"960\" height=\"640\" alt=\"The *ward* &amp; "
        "bed\" title=\"On &quot;the&quot; ward\" loading=\"lazy\" decoding=\"async\"></picture>";
    char *dt;
    bool ok;
    markdown_result r =
        render_opts("On the ward: ![The \\*ward\\* & *bed*](a.jpg \"On \\\"the\\\" ward\"), "
                    "![x](b.jpg).\n",
                    false, 200, &dt, &ok);
    OK(ok, "pictures: %s", dt);
    STR_EQ(dt, "", "no diagnostics");
    free(dt);
    buf want = BUF_INIT;
    buf_printf(&want, "<p>On the ward: %s, <img src=\"b.jpg\" alt=\"x\" />.</p>\n", pic);
    STR_EQ(r.html, want.ptr, "the picture in the sentence, its alt and title escaped");
    INT_EQ(r.n_links, 1, "only the other image goes to the links pass");
    STR_EQ(r.links[0].dest, "b.jpg", "b.jpg");
    STR_EQ(r.summary, "On the ward: The *ward* & bed, x.", "the alt text still in the summary");

    r = render("![A ward](a.jpg)\n\nFigure: The ward {#fig:ward}\n\n## Here ![A ward](a.jpg)\n");
    HAS(r.html, "<figure id=\"fig:ward\">\n<picture><source", "the figure holds the picture");
    HAS(r.html, "alt=\"A ward\" loading=\"lazy\" decoding=\"async\"></picture>\n<figcaption>",
        "before its caption");
    HAS(r.html, "<h2 id=\"here-a-ward\">Here <picture>", "a picture in a heading");
    r = render("![A ward](a.jpg \"The ward\")\n");
    HAS(r.html,
        "title=\"The ward\" loading=\"lazy\" decoding=\"async\"></picture>\n"
        "<figcaption><span class=\"caption-label\">Figure 1.</span> The ward</figcaption>",
        "an image with a title: numbered, its title the caption");

    r = render_opts("病房：![原型](gone.jpg) and ![](a.jpg)\n", false, 200, &dt, &ok);
    OK(!ok, "an image without its file is an error");
    STR_EQ(dt,
           "content/x.md:5:4: error: image 'gone.jpg': no file content/x/gone.jpg\n"
           "content/x.md:5:24: warning: image 'a.jpg' has no alt text: write what it shows "
           "between the brackets, for readers who cannot see it\n",
           "the error at the '!', in characters; the warning for the empty alt");
    free(dt);
    markdown_set_page(NULL);

    size_t n;
    const char *src = "![a](x.png) ![b][ref] ![c](x.png) `![d](code.png)`\n\n"
                      "    ![e](indented.png)\n\n[ref]: img/y.jpg\n\n[link](z.jpg)\n";
    const char **urls = markdown_image_urls(src, strlen(src), &n, A);
    INT_EQ(n, 2, "two images: repeats once, code and links left out");
    STR_EQ(urls[0], "x.png", "the first image");
    STR_EQ(urls[1], "img/y.jpg", "a reference image's destination");
    buf_free(&want);
}

int
main(void)
{
    markdown_global_init();
    A = arena_new();
    test_gfm();
    test_raw_html();
    test_headings();
    test_summary();
    test_word_count();
    test_invalid_utf8();
    test_hostile();
    test_heading_with_shortcode();
    test_parallel();
    test_links();
    test_raw_html_warnings();
    test_foreign_shortcodes();
    test_md_links();
    test_positions_after_shortcodes();
    test_table_captions();
    test_figures();
    test_source_notes();
    test_shortcode_table_caption();
    test_shortcode_chart_figure();
    test_pictures();
    arena_free(A);
    return harness_done();
}
