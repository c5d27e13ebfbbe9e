/* SPDX-License-Identifier: MIT
 * fuzz_cache.c - libFuzzer target for what incremental builds read back from their cache
 * file (which anyone can damage): any bytes, read as a value tree with positions, as
 * diagnostics, and as a render's log of reads checked against a small context (whose pages
 * are anchors), must be read or refused without a crash or sanitizer report; a refused
 * value reader stays failed; a value read back writes the same bytes again (serial.h,
 * deps.h). */
#include "deps.h"
#include "front.h"
#include "serial.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char CTX[] = "page: {title: T, tags: [a, b], n: 1.50, when: 2023-01-02}\n"
                          "site: {pages: [{title: A, status: x}, {title: B}], data: {m: {k: 1}}}\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new();
    diag *d = diag_new();
    value *ctx = front_parse_yaml(CTX, sizeof CTX - 1, "ctx.yaml", 1, true, NULL, a, d);
    if (!ctx)
        abort();
    /* pages are anchors (value.anchor), as site.c marks them */
    value *site = value_map_get(ctx, "site");
    value *pages = value_map_get(site, "pages");
    value_map_get(ctx, "page")->anchor = true;
    for (size_t i = 0; i < pages->as.list.len; i++)
        pages->as.list.items[i]->anchor = true;

    /* a value, and then it again from its own bytes */
    serial_reader r = SERIAL_READER(data, size);
    value *v = serial_get_value(&r, a);
    if (!r.ok && v)
        abort();
    if (!r.ok && serial_get_u64(&r) != 0)
        abort(); /* a failed reader reads nothing more */
    if (v) {
        buf b = BUF_INIT, b2 = BUF_INIT;
        serial_writer w = SERIAL_WRITER(&b);
        serial_put_value(&w, v);
        serial_reader r2 = SERIAL_READER(b.ptr, b.len);
        value *again = serial_get_value(&r2, a);
        if (!again || !r2.ok || r2.p != r2.end || !value_equal(v, again))
            abort();
        serial_writer w2 = SERIAL_WRITER(&b2);
        serial_put_value(&w2, again);
        if (b.len != b2.len || memcmp(b.ptr, b2.ptr, b.len) != 0)
            abort();
        buf_free(&b);
        buf_free(&b2);
    }

    /* diagnostics */
    serial_reader rd = SERIAL_READER(data, size);
    diag *got = diag_new();
    serial_get_diags(&rd, got, a);
    diag_free(got);

    /* a render's reads against the context */
    deps_memo *memo = deps_memo_new();
    arena *scratch = arena_new();
    deps_check(data, size, ctx, memo, scratch);
    arena_free(scratch);
    deps_memo_free(memo);

    diag_free(d);
    arena_free(a);
    return 0;
}
