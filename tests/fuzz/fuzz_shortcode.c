/* SPDX-License-Identifier: MIT
 * fuzz_shortcode.c - libFuzzer target for shortcodes in Markdown: shortcode_expand with
 * a callback that echoes each call, then markdown_render of the expanded text, then
 * shortcode_fill_html and shortcode_fill_text, as site.c does for a page. Any bytes must
 * go through without a crash or sanitizer report, and: the expansion fails exactly when
 * an error was reported; every call found ran once and left exactly one token, numbered
 * in order, whose prefix does not occur in the input; with no call the text is the input
 * itself; valid UTF-8 in gives valid UTF-8 HTML out; diagnostics are valid UTF-8. */
#include "fuzz_common.h"
#include "markdown.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks that st->src holds exactly st->n tokens <prefix><i>Z, i = 0, 1, ... in order.
 * Text ending in a piece of the prefix ("CLFS") right before a token makes a match that
 * is not followed by a digit; shortcode_fill_html skips those, and so does this. */
static void
check_tokens(const shortcode_text *st)
{
    size_t plen = strlen(st->prefix), found = 0;
    const char *p = st->src, *end = st->src + st->len;
    while ((p = memmem(p, (size_t)(end - p), st->prefix, plen)) != NULL) {
        if (p + plen == end || p[plen] < '0' || p[plen] > '9') {
            p++;
            continue;
        }
        char want[32];
        int n = snprintf(want, sizeof want, "%zuZ", found);
        if ((size_t)(end - p) < plen + (size_t)n || memcmp(p + plen, want, (size_t)n) != 0)
            abort();
        found++;
        p += plen + (size_t)n;
    }
    if (found != st->n)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    markdown_global_init(); /* idempotent */
    const char *src = (const char *)data;
    arena *a = arena_new();
    diag *d = diag_new();
    int calls = 0;
    unsigned first_line = 1 + size % 7; /* a body after some front matter */
    shortcode_text st;
    bool ok =
        shortcode_expand(&st, src, size, "fuzz.md", first_line, fuzz_echo_shortcode, &calls, a, d);
    if (ok != (diag_error_count(d) == 0) || (size_t)calls != st.n)
        abort();
    if (st.n == 0 && (st.src != src || st.len != size))
        abort();
    if (st.n) {
        if (memmem(src, size, st.prefix, strlen(st.prefix)))
            abort();
        check_tokens(&st);
    }

    markdown_options opt = {size % 2 == 1, size % 40, size % 30, NULL, NULL};
    markdown_result md;
    markdown_render(&md, st.src, st.len, &opt, "fuzz.md", first_line, a, d);
    const char *html = shortcode_fill_html(&st, md.html, a);
    const char *summary = shortcode_fill_text(&st, md.summary, a);
    /* shortcode arguments reach the HTML without the Markdown reader's U+FFFD replacement,
     * so only valid input promises valid output */
    if (text_utf8_valid(src, size) &&
        (!text_utf8_valid(html, strlen(html)) || !text_utf8_valid(summary, strlen(summary))))
        abort();
    fuzz_check_diags(d);
    diag_free(d);
    arena_free(a);
    return 0;
}
