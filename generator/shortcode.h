/* SPDX-License-Identifier: MIT
 * shortcode.h - Tera-style shortcodes in Markdown: `{{ metric(name="projects") }}`.
 * Calls are found in the Markdown source (never inside code spans or code blocks, nor
 * after a backslash: `\{{` is the Markdown escape for a literal `{{`), run through a
 * callback, and replaced by placeholder tokens that Markdown leaves alone; after the
 * Markdown conversion the tokens are replaced by the calls' HTML. So a shortcode's HTML
 * survives even when raw HTML is off, and is never re-read as Markdown. */
#ifndef CLINFOLIO_SHORTCODE_H
#define CLINFOLIO_SHORTCODE_H

#include "arena.h"
#include "diag.h"
#include "markdown.h"
#include "value.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct shortcode_call {
    const char *name; /* "metric" */
    value *args;      /* VALUE_MAP of name -> string | number | bool, with positions */
    src_pos at;       /* the `{{` */
} shortcode_call;

/* Runs one call: appends its HTML to html and returns true, or reports an error (at
 * call->at or an argument's position) and returns false. */
typedef bool (*shortcode_fn)(buf *html, const shortcode_call *call, void *payload, diag *d);

/* For the built-in shortcodes (ref, cite): call's arguments, each one of names[0..n)
 * (else an error at the argument's name listing them: "shortcode 'ref': unknown argument
 * 'x' (arguments: id, page)") with a non-empty string (else an error at the value);
 * values[i] is the string given for names[i], or NULL. False after reporting. */
bool shortcode_string_args(const char **values, const shortcode_call *call,
                           const char *const *names, size_t n, diag *d);

typedef struct shortcode_text {
    const char *src; /* the Markdown with every call replaced by a token */
    size_t len;
    const char **html;    /* html[i]: the output of call i */
    size_t n;             /* number of calls */
    const char *prefix;   /* tokens are <prefix><i>Z; the prefix does not occur in the input */
    markdown_span *spans; /* spans[i]: where call i was in the input and its token is in
                           * src, for positions in the input (markdown_set_page) */
} shortcode_text;

/* Whether src[0..len) may hold a call: it holds "{{" (NULL holds none). Without one,
 * shortcode_expand() finds none. */
bool shortcode_may_call(const char *src, size_t len);

/* Finds and runs the calls in src[0..len), the Markdown of `file` starting at line
 * first_line. With no call, out->src is src itself. A malformed call (`{{ name(` not
 * followed by valid arguments and `) }}`) is an error at its position. Returns false when
 * an error was reported (every call is still tried, so all errors show). Memory in a. */
bool shortcode_expand(shortcode_text *out, const char *src, size_t len, const char *file,
                      unsigned first_line, shortcode_fn fn, void *payload, arena *a, diag *d);

/* The HTML with every token replaced by its call's output; a token that is a paragraph
 * of its own (`<p>TOKEN</p>`) and whose output is a block (a table, figure, div, svg, ...)
 * replaces the whole paragraph. Returns html itself when there are no calls. */
const char *shortcode_fill_html(const shortcode_text *st, const char *html, arena *a);

/* The output of the call whose token is exactly text (no more, no less), else NULL.
 * st is a const shortcode_text * (markdown_page.token_html). */
const char *shortcode_token_html(const void *st, const char *text);

/* Plain text (a summary, a heading title) with each token replaced by its output's text
 * (tags stripped); a token cut off at the end (by a summary's length limit) is dropped. */
const char *shortcode_fill_text(const shortcode_text *st, const char *text, arena *a);

#endif
