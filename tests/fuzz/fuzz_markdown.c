/* SPDX-License-Identifier: MIT
 * fuzz_markdown.c - libFuzzer target for markdown_render: any bytes must render without
 * a crash or sanitizer report, to valid UTF-8, with a summary no longer than asked.
 * The options come from the input's length so corpus files stay plain Markdown. */
#include "markdown.h"
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    markdown_global_init(); /* idempotent */
    arena *a = arena_new();
    diag *d = diag_new();
    markdown_options opt = {size % 2 == 1, size % 50, size % 30, NULL, NULL}; /* 0: no limit */
    markdown_result r;
    markdown_render(&r, (const char *)data, size, &opt, "fuzz.md", 1, a, d);
    size_t html_len = strlen(r.html), summary_len = strlen(r.summary);
    if (!text_utf8_valid(r.html, html_len) || !text_utf8_valid(r.summary, summary_len))
        abort();
    if (opt.summary_chars && text_utf8_count(r.summary, summary_len) > opt.summary_chars + 1)
        abort();
    if (!r.toc || r.toc->type != VALUE_LIST)
        abort();
    diag_free(d);
    arena_free(a);
    return 0;
}
