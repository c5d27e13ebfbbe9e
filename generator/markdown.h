/* SPDX-License-Identifier: MIT
 * markdown.h - Markdown (GFM) to HTML through cmark-gfm, with heading ids, a table of
 * contents, the first paragraph as a plain-text summary and a word count. The only
 * module that includes cmark-gfm. Runs on worker threads, part of pass 2 (pages). */
#ifndef CLINFOLIO_MARKDOWN_H
#define CLINFOLIO_MARKDOWN_H

#include "arena.h"
#include "diag.h"
#include "value.h"

#include <stdbool.h>
#include <stddef.h>

/* Registers cmark-gfm's core extensions in its (unlocked, global) registry. Call once
 * from main before any thread calls markdown_render(). */
void markdown_global_init(void);

typedef struct markdown_options {
    bool unsafe_html;     /* keep raw HTML and javascript: links; false strips them */
    size_t summary_chars; /* cut the summary to this many characters; 0: no limit */
} markdown_options;

typedef struct markdown_result {
    const char *html;    /* the HTML fragment, owned by a */
    const char *summary; /* plain text of the first top-level paragraph, white space folded;
                          * when longer than summary_chars characters it is cut (on a
                          * space when one is within 20 characters of the limit and the cut
                          * would split a word, else between two characters) and "…" is
                          * appended, so it holds at most summary_chars + 1 characters.
                          * "" when the text has no top-level paragraph. Owned by a. */
    value *toc;          /* list of {level (number), id, title} maps for every h2-h4, in
                          * document order; owned by a. Positions point at the heading and
                          * borrow `file`. */
    size_t word_count;   /* words of running text (not raw HTML); a run of letters and
                          * digits between spaces is one word, each CJK character is one */
} markdown_result;

/* Converts src[0..len) (the page body, which starts on line first_line of `file`) with
 * the GFM extensions table, strikethrough, autolink, tagfilter, tasklist and footnotes.
 * Invalid UTF-8 and NUL bytes become U+FFFD. Every h1-h6 gets id="<slug>" (text_slugify
 * of its text, "section" when that is empty, "-1", "-2", ... appended to repeats).
 *
 * Hostile input: a table wider than 200 columns, or tables whose short rows would be
 * padded with more than 100,000 empty cells, turn off table parsing for the page with a
 * warning (cmark-gfm 0.29 pads every row to the header's width). HTML larger than
 * max(16 MiB, 64 * len) is refused with an error.
 *
 * Thread-safe once markdown_global_init() ran; cmark-gfm's parsing step is serialised
 * internally because 0.29 keeps the extensions' special characters in a global table.
 * Always fills *out (with empty strings on failure); returns false after reporting an
 * error to d. All results are owned by a. */
bool markdown_render(markdown_result *out, const char *src, size_t len, const markdown_options *opt,
                     const char *file, unsigned first_line, arena *a, diag *d);

/* Which lines of src[0..len) (1-based, n_lines of them) are inside a code block or an
 * HTML block, as markdown_render will read them: shortcodes are not expanded there.
 * The result has n_lines + 2 entries; free() it. */
bool *markdown_code_lines(const char *src, size_t len, size_t n_lines);

#endif
