/* SPDX-License-Identifier: MIT
 * fuzz_front.c - libFuzzer target for front_split + front_parse_yaml: any bytes must give
 * either a value tree (and no error) or NULL with at least one error, without a crash or
 * sanitizer report. The tree must hold valid UTF-8, NUL-terminated strings, positions
 * inside the input, and no repeated keys. Odd-sized inputs run under small limits, so the
 * limit paths are reached with small files; corpus files stay plain pages. */
#include "front.h"
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks one tree; recursion is fine here because depth is capped by the limits. */
static void
check(const value *v, unsigned first_line, unsigned last_line, unsigned depth, unsigned max_depth)
{
    if (!v || !v->pos.file || strcmp(v->pos.file, "fuzz.md") != 0 || v->pos.line < first_line ||
        v->pos.line > last_line || v->pos.col == 0 ||
        ((v->type == VALUE_LIST || v->type == VALUE_MAP) && depth > max_depth))
        abort();
    switch (v->type) {
    case VALUE_STRING:
        if (v->as.str.ptr[v->as.str.len] != '\0' || !text_utf8_valid(v->as.str.ptr, v->as.str.len))
            abort();
        break;
    case VALUE_LIST:
        for (size_t i = 0; i < v->as.list.len; i++)
            check(v->as.list.items[i], first_line, last_line, depth + 1, max_depth);
        break;
    case VALUE_MAP:
        for (size_t i = 0; i < v->as.map.len; i++) {
            const value_pair *p = &v->as.map.pairs[i];
            if (p->key[p->key_len] != '\0' || !text_utf8_valid(p->key, p->key_len) ||
                p->key_pos.line < first_line || p->key_pos.line > last_line)
                abort();
            for (size_t j = 0; j < i && i < 64; j++) /* sampled: the first 64 keys */
                if (v->as.map.pairs[j].key_len == p->key_len &&
                    memcmp(v->as.map.pairs[j].key, p->key, p->key_len) == 0)
                    abort();
            check(p->val, first_line, last_line, depth + 1, max_depth);
        }
        break;
    default:
        break;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    arena *a = arena_new();
    diag *d = diag_new();
    front_limits small = {8, 256, 500};
    const front_limits *lim = size % 2 ? &small : NULL;
    unsigned max_depth = lim ? small.max_depth : FRONT_MAX_DEPTH;
    unsigned lines = 1;
    for (size_t i = 0; i < size; i++) /* an upper bound on libyaml's line breaks */
        lines += strchr("\n\r\x85\xA8\xA9", src[i]) != NULL && src[i] != '\0';

    front_doc doc;
    if (front_split(&doc, src, size, "fuzz.md", d)) {
        if (doc.body < src || doc.body + doc.body_len > src + size)
            abort();
        const char *yaml = doc.has_front ? doc.yaml : src; /* no front matter: parse it all */
        size_t yaml_len = doc.has_front ? doc.yaml_len : size;
        unsigned first = doc.has_front ? doc.yaml_line : 1;
        size_t before = diag_error_count(d);
        value *v = front_parse_yaml(yaml, yaml_len, "fuzz.md", first, size % 3 != 0, lim, a, d);
        if ((v == NULL) != (diag_error_count(d) > before))
            abort();
        if (v)
            check(v, first, first + lines, 1, max_depth);
    } else if (diag_error_count(d) != 1) {
        abort();
    }
    char *text = diag_to_string(d);
    if (!text_utf8_valid(text, strlen(text)))
        abort(); /* messages quote user text: it must come out as valid UTF-8 */
    free(text);
    diag_free(d);
    arena_free(a);
    return 0;
}
