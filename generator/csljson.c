/* SPDX-License-Identifier: MIT
 * csljson.c - CSL-JSON bibliographies (an array of items, as Zotero and pandoc write
 * them) through jansson, the only user of jansson.h. Main thread, with bibtex.c. */
#include "bib.h"
#include "bibfile.h"

#include "text.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* A string member (a number is taken as its text: "volume": 11), or NULL. */
static const char *
member(const json_t *item, const char *name, arena *a)
{
    const json_t *v = json_object_get(item, name);
    if (json_is_string(v))
        return json_string_length(v) ? arena_strdup(a, json_string_value(v)) : NULL;
    if (json_is_integer(v))
        return arena_printf(a, "%lld", (long long)json_integer_value(v));
    return NULL;
}

/* A CSL date {"date-parts": [[2021, 3, 18]]} (or {"raw": "..."}) as "2021-03-18", and its
 * year into *year. */
static const char *
date_of(const json_t *item, const char *name, const char **year, arena *a)
{
    const json_t *d = json_object_get(item, name);
    const json_t *parts = json_array_get(json_object_get(d, "date-parts"), 0);
    if (!json_is_array(parts)) {
        const char *raw = member(d, "raw", a);
        if (year && raw && strlen(raw) >= 4)
            *year = arena_strndup(a, raw, 4);
        return raw;
    }
    buf b = BUF_INIT;
    for (size_t i = 0; i < json_array_size(parts) && i < 3; i++) {
        const json_t *p = json_array_get(parts, i);
        long long n = json_is_integer(p)  ? json_integer_value(p)
                      : json_is_string(p) ? atoll(json_string_value(p))
                                          : 0;
        buf_printf(&b, i ? "-%02lld" : "%lld", n);
        if (i == 0 && year)
            *year = arena_printf(a, "%lld", n);
    }
    const char *r = b.len ? arena_strndup(a, b.ptr, b.len) : NULL;
    buf_free(&b);
    return r;
}

/* [{family, given} | {literal}] into *out. */
static size_t
names_of(bib_name **out, const json_t *item, const char *name, arena *a)
{
    const json_t *list = json_object_get(item, name);
    size_t n = 0;
    *out = arena_zalloc(a, (json_array_size(list) + 1) * sizeof(bib_name));
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *p = json_array_get(list, i);
        bib_name nm = {member(p, "family", a), member(p, "given", a), false};
        if (!nm.family) {
            nm = (bib_name){member(p, "literal", a), NULL, true};
        } else if (bib_has_cjk(nm.family)) { /* 张 + 三: written together, family first */
            nm = (bib_name){arena_printf(a, "%s%s", nm.family, nm.given ? nm.given : ""), NULL,
                            true};
        }
        if (nm.family)
            (*out)[n++] = nm;
    }
    return n;
}

/* The line of the item whose id is key in text (jansson keeps no positions): where
 * `"id"` is followed by the key; 0 when not found. */
static unsigned
line_of_id(const char *text, size_t len, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = text; (p = memmem(p, len - (size_t)(p - text), "\"id\"", 4));) {
        const char *q = p + 4;
        while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r' || *q == ':')
            q++;
        if (*q == '"' && strncmp(q + 1, key, klen) == 0 && q[1 + klen] == '"') {
            unsigned line = 1;
            for (const char *c = text; c < p; c++)
                line += *c == '\n';
            return line;
        }
        p += 4;
    }
    return 0;
}

static void
add_item(bib *b, const json_t *item, const char *rel, const char *text, size_t len, arena *a,
         diag *d)
{
    bib_entry e = {0};
    e.key = member(item, "id", a);
    if (!e.key) {
        diag_report(d, DIAG_ERROR, SRC_POS(rel, 0, 0),
                    "CSL-JSON: an item without an \"id\" (each item needs one, the key cited)");
        return;
    }
    e.at = SRC_POS(rel, line_of_id(text, len, e.key), 0);
    e.type = bib_type_of(member(item, "type", a), NULL, true);
    e.n_authors = names_of(&e.authors, item, "author", a);
    e.n_editors = names_of(&e.editors, item, "editor", a);
    e.title = member(item, "title", a);
    e.container = member(item, "container-title", a);
    e.edition = member(item, "edition", a);
    e.volume = member(item, "volume", a);
    e.issue = member(item, "issue", a);
    e.pages = member(item, "page", a);
    e.publisher = member(item, "publisher", a);
    e.address = member(item, "publisher-place", a);
    e.date = date_of(item, "issued", &e.year, a);
    e.number = member(item, "number", a);
    e.urldate = date_of(item, "accessed", NULL, a);
    e.doi = member(item, "DOI", a);
    e.url = member(item, "URL", a);
    const char *lang = member(item, "language", a);
    e.zh = lang ? bib_language_is_zh(lang) : bib_has_cjk(e.title);
    bib_add(b, &e, d);
}

bool
bib_read_csl(bib *b, const char *rel, const char *text, size_t len, arena *a, diag *d)
{
    json_error_t err;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        unsigned line = err.line > 0 ? (unsigned)err.line : 0;
        diag_report(d, DIAG_ERROR,
                    SRC_POS(rel, line, line && err.column > 0 ? (unsigned)err.column : 0),
                    "CSL-JSON: %s", err.text);
        return false;
    }
    bool ok = json_is_array(root);
    if (!ok)
        diag_report(d, DIAG_ERROR, SRC_POS(rel, 1, 1),
                    "CSL-JSON: a bibliography is an array of items ([{\"id\": ...}, ...])");
    size_t errors = diag_error_count(d);
    for (size_t i = 0; ok && i < json_array_size(root); i++) {
        const json_t *item = json_array_get(root, i);
        if (json_is_object(item))
            add_item(b, item, rel, text, len, a, d);
        else
            diag_report(d, DIAG_ERROR, SRC_POS(rel, 0, 0), "CSL-JSON: item %zu is not an object",
                        i + 1);
    }
    json_decref(root);
    return ok && diag_error_count(d) == errors;
}
