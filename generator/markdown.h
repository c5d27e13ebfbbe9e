/* SPDX-License-Identifier: MIT
 * markdown.h - Markdown (GFM) to HTML through cmark-gfm, with heading ids, a table of
 * contents, the first paragraph as a plain-text summary and a word count. The only
 * module that includes cmark-gfm. Runs on worker threads, part of pass 2 (pages). */
#ifndef CLINFOLIO_MARKDOWN_H
#define CLINFOLIO_MARKDOWN_H

#include "arena.h"
#include "buf.h"
#include "diag.h"
#include "value.h"

#include <stdbool.h>
#include <stddef.h>

/* Registers cmark-gfm's core extensions in its (unlocked, global) registry, and sets the
 * extensions' special characters for good when this program's definition of
 * cmark_manage_extensions_special_characters() is the one cmark-gfm calls (see
 * markdown.c). Call from main before any thread calls markdown_render(); later calls do
 * nothing. */
void markdown_global_init(void);
/* Whether parses run in parallel (else one at a time): for -v and the tests. */
bool markdown_parses_in_parallel(void);

/* Looks up the page written in the content file `path` (a link to "foo.md" resolved
 * against the linking file: "content/projects/foo.md"). Returns its URL (borrowed; it
 * must outlive the result), or NULL with *why set to a static reason ("there is no such
 * page", "it is a draft, which is not published"). Called from worker threads. */
typedef const char *(*markdown_page_url_fn)(const char *path, const char **why, void *payload);

/* Where a piece of the text markdown_render reads came from: the bytes
 * text[text_start..text_end) replaced source[source_start..source_end) (a shortcode call
 * replaced by its token). */
typedef struct markdown_span {
    size_t source_start, source_end, text_start, text_end;
} markdown_span;

/* What markdown_render knows of the page beyond its text (site.c sets it per page). */
/* A figure the built-in shortcode `figure` describes (site.c): numbered like an image with
 * a "Figure:" caption when its call is alone in its paragraph. Every field is HTML-escaped
 * already, except id. */
typedef struct markdown_figure {
    const char *img;     /* <img src="..." alt="..." /> */
    const char *caption; /* the caption's HTML, "" for none */
    const char *source;  /* the source note's HTML, or NULL */
    const char *id;      /* "fig:x", or NULL */
    const char *credit;  /* the image's credit (who made it), HTML, or NULL */
} markdown_figure;

/* A responsive image made of a file of the page's bundle (media.c), for a Markdown image
 * or the figure shortcode: the file in a few widths, as WebP and in its own format. The
 * URLs are percent-encoded already. */
typedef struct markdown_picture {
    const char *src;         /* the widest file in the source's format (the fallback) */
    const char *srcset;      /* "url 480w, url 960w, ..." of the files in that format */
    const char *webp_srcset; /* the same in WebP, or NULL (a WebP source: srcset is) */
    int width, height;       /* of the widest file */
    const char *error;       /* else: why there is none, for a message at the image
                              * ("image 'x.jpg': no file content/x/x.jpg"); the rest unset */
} markdown_picture;

/* Appends the <picture> of pic: a WebP <source> (when there is one) and an <img> with src,
 * srcset, sizes, width, height, alt, title (when not NULL or empty), id (likewise),
 * loading="lazy" and decoding="async", as the theme's partials/picture.html writes it.
 * alt_html and title_html are HTML-escaped already; sizes and id are escaped here. */
void markdown_picture_html(buf *out, const markdown_picture *pic, const char *sizes,
                           const char *alt_html, const char *title_html, const char *id);

typedef struct markdown_page {
    markdown_page_url_fn page_url; /* links to .md files; NULL: left as written */
    void *payload;                 /* for page_url */
    const char *source;            /* the text as written, when the text given to
                                    * markdown_render was made from it by replacing
                                    * spans (sorted, not overlapping): positions are
                                    * reported in the source; NULL: none */
    size_t source_len;
    const markdown_span *spans;
    size_t n_spans;
    /* the plain text of a heading with its spans' replacements filled back in (a
     * shortcode's output text for its token), so heading ids come from what the reader
     * sees; returns text itself when nothing changes; NULL: the text as it is */
    const char *(*fill_text)(const char *text, void *fill_payload, arena *a);
    void *fill_payload;
    /* the HTML of the shortcode call whose token is exactly text, else NULL: a "Table:"
     * caption after a paragraph that is one call whose output is a <table> numbers that
     * table; NULL: none */
    const char *(*token_html)(const void *fill_payload, const char *text);
    /* the figure whose call made the output html (token_html's answer), else NULL;
     * NULL: none */
    const markdown_figure *(*figure_of)(const void *figure_payload, const char *html);
    const void *figure_payload; /* for figure_of and picture_of */
    /* the picture of an image whose destination is url as written, when url names an
     * image file of the page's bundle (media.c made it, or says why not), else NULL: the
     * image stays an <img> and goes to the links pass; NULL: none */
    const markdown_picture *(*picture_of)(const void *figure_payload, const char *url);
} markdown_page;

/* Until it is cleared (NULL), markdown_render on the calling thread uses *pg (borrowed:
 * it must stay valid while set). Per thread, as diag_set_context is: page_render_markdown
 * (page.c) builds the options, and this keeps the page's context out of them. */
void markdown_set_page(const markdown_page *pg);

typedef struct markdown_options {
    bool unsafe_html;         /* keep raw HTML and javascript: links; false strips them */
    size_t summary_chars;     /* cut the summary to this many characters; 0: no limit */
    size_t summary_chars_cjk; /* the same for a mostly Chinese summary; 0: summary_chars */
    const char *lang;         /* the page's language ("zh", "en", "zh-Hans"): captions read
                               * "表 2" for zh and zh-*, "Table 2." otherwise; NULL: English */
    const char *image_sizes;  /* the sizes attribute of a picture (markdown.image_sizes);
                               * NULL: "100vw" */
} markdown_options;

/* A numbered table of the page (a table with a "Table:" caption), for cross-references. */
typedef struct markdown_label {
    const char *id;   /* "tbl:cohorts", or NULL when the caption gives none */
    const char *kind; /* "table" */
    unsigned number;  /* 1, 2, ... per kind in document order */
    src_pos at;       /* the caption paragraph */
} markdown_label;

/* A link or image destination of the page, for the links pass (links.h). */
typedef struct markdown_link {
    const char *dest; /* as rendered: a link to a .md file already rewritten to its URL */
    src_pos at;       /* the link's '[' or the image's '!' (a reference link: its use) */
    bool image;
} markdown_link;

typedef struct markdown_result {
    const char *html;     /* the HTML fragment, owned by a */
    const char *summary;  /* plain text of the first top-level paragraph, white space folded;
                           * when longer than summary_chars (summary_chars_cjk) characters
                           * it is cut as text_shorten_point() says (a word boundary, or
                           * after a CJK clause) and "…" is appended, so it holds at most
                           * the limit + 1 characters.
                           * "" when the text has no top-level paragraph. Owned by a. */
    value *toc;           /* list of {level (number), id, title} maps for every h2-h4, in
                           * document order; owned by a. Positions point at the heading and
                           * borrow `file`. */
    size_t word_count;    /* words of running text (not raw HTML); a run of letters and
                           * digits between spaces is one word, each CJK character is one */
    size_t cjk_count;     /* how many of them are CJK characters (reading time) */
    markdown_link *links; /* every link and image with a destination, in document order;
                           * n_links of them, owned by a */
    size_t n_links;
    markdown_label *labels; /* the numbered tables, in document order; n_labels of them,
                             * owned by a */
    size_t n_labels;
} markdown_result;

/* Captions (issue 13): a paragraph "Table: text {#id}" right after a table (GFM) becomes
 * that table's <caption>, with the label "Table N." ("表 N" in Chinese) in
 * <span class="caption-label">, and the table gets id="id" ({#id} is optional; id
 * characters A-Z a-z 0-9 : _ -). Only captioned tables are numbered, per page in document
 * order. A "Table:" paragraph after anything else stays text with a warning; an id given
 * twice on one page is an error at the second. Works with raw HTML off: the captioned
 * table is rendered into a custom block, like a heading with its id. */
/* Appends the label of the number-th object of kind ("table", "figure") in language lang
 * (markdown_options.lang): "Table 2", "Figure 1"; "表 2", "图 1" in Chinese. Captions add
 * "." in English; cross-references (site.c) use it as it is. */
void markdown_label_text(buf *out, const char *kind, unsigned number, const char *lang);

#define MARKDOWN_TABLE_PREFIX  "Table:"
#define MARKDOWN_FIGURE_PREFIX "Figure:"
/* A paragraph starting with one of these right after a caption paragraph is the object's
 * source note: <p class="figure-source"> in the <figure>, <span class="caption-source"> in a
 * table's <caption>, labelled "Source:" or "资料来源：" by the page's language. */
#define MARKDOWN_SOURCE_PREFIX    "Source:"
#define MARKDOWN_SOURCE_PREFIX_ZH "来源："

/* Converts src[0..len) (the page body, which starts on line first_line of `file`) with
 * the GFM extensions table, strikethrough, autolink, tagfilter, tasklist and footnotes.
 * Invalid UTF-8 and NUL bytes become U+FFFD. Every h1-h6 gets id="<slug>" (text_slugify
 * of its text, "section" when that is empty, "-1", "-2", ... appended to repeats).
 *
 * Links by source file: a link (not an image) without a scheme whose path ends in ".md"
 * names a content file, relative to `file`'s folder ("../news/x.md") or, starting with
 * '/', to the site folder ("/content/news/x.md"), as GitHub reads it; with a lookup set
 * by markdown_set_page its destination becomes that page's URL (query and #fragment
 * kept). A target the lookup does not know is an error `broken-link` at the link.
 *
 * Content warnings, at their position (columns in characters): raw HTML dropped because
 * unsafe_html is false (`raw-html-dropped`: every HTML block and inline tag except
 * comments and closing tags), and text outside code that looks like a Hugo shortcode
 * ("{{< x >}}", "{{% x %}}") or a Jekyll Liquid tag or variable ("{% x %}", "{{ x }}")
 * (`foreign-shortcode`), and an image without alt text (`missing-alt`); at most
 * MARKDOWN_MAX_WARNINGS of each kind per page, then a note.
 *
 * Images of the page's bundle: an image whose destination the page's picture_of knows
 * becomes that <picture> (markdown_picture_html, with the image's alt text and title),
 * also inside a numbered figure, and is left out of the links; when picture_of gives an
 * error, it is reported at the image's '!'.
 *
 * Hostile input: a table wider than 200 columns, or tables whose short rows would be
 * padded with more than 100,000 empty cells, turn off table parsing for the page with a
 * warning (cmark-gfm 0.29 pads every row to the header's width). HTML larger than
 * max(16 MiB, 64 * len) is refused with an error.
 *
 * Thread-safe once markdown_global_init() ran; cmark-gfm's parsing step runs one at a
 * time unless markdown_parses_in_parallel() (0.29 keeps the extensions' special
 * characters in a global table).
 * Always fills *out (with empty strings on failure); returns false after reporting an
 * error to d. All results are owned by a. */
#define MARKDOWN_MAX_WARNINGS 20

bool markdown_render(markdown_result *out, const char *src, size_t len, const markdown_options *opt,
                     const char *file, unsigned first_line, arena *a, diag *d);

/* The destinations of the images of src[0..len) (Markdown as markdown_render reads it),
 * as written and in document order, each once; *n of them, owned by a. For the media
 * pass, which makes the pictures before the pages are converted. */
const char **markdown_image_urls(const char *src, size_t len, size_t *n, arena *a);

/* Which lines of src[0..len) (1-based, n_lines of them) are inside a code block or an
 * HTML block, as markdown_render will read them: shortcodes are not expanded there.
 * The result has n_lines + 2 entries; free() it. */
bool *markdown_code_lines(const char *src, size_t len, size_t n_lines);

#endif
