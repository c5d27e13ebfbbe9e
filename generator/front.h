/* SPDX-License-Identifier: MIT
 * front.h - front matter: split the `---` YAML block from the top of a content file and
 * read YAML (front matter, site.yaml) into value trees that remember source positions.
 * Pass 2 of the pipeline; the only module that uses libyaml. */
#ifndef CLINFOLIO_FRONT_H
#define CLINFOLIO_FRONT_H

#include "arena.h"
#include "diag.h"
#include "value.h"

#include <stdbool.h>
#include <stddef.h>

/* A content file cut in two. Every slice points into the src given to front_split(). */
typedef struct front_doc {
    const char *yaml; /* between the fences, with its line ends; NULL when !has_front */
    size_t yaml_len;
    unsigned yaml_line; /* 1-based line of yaml[0] in the file (2); 0 when !has_front */
    const char *body;   /* the Markdown after the closing fence (or the whole file) */
    size_t body_len;
    unsigned body_line; /* 1-based line of body[0] in the file */
    bool has_front;     /* false: no front matter, the whole file is body */
} front_doc;

/* Splits src[0..len) into front matter and body. Front matter is present when the file
 * starts (after an optional UTF-8 BOM) with a line `---`; it ends at the next line that is
 * `---` or `...`. Fence lines may carry trailing blanks and end in LF, CRLF or the end of
 * the input; a later `---` belongs to the body. The BOM is never part of body or yaml.
 * Never allocates; src must outlive *out.
 * Fails only for an opening fence without a closing one: reports
 * `file:1:1: error: front matter is not closed ...` and returns false (*out then holds
 * the whole file as body). */
bool front_split(front_doc *out, const char *src, size_t len, const char *file, diag *d);

/* Limits against hostile YAML. A zero field means its default. */
typedef struct front_limits {
    unsigned max_depth; /* nested lists/maps; default 64 */
    size_t max_scalar;  /* bytes in one scalar; default 1 MiB */
    size_t max_nodes;   /* scalars + lists + maps; default 100000 */
} front_limits;

#define FRONT_MAX_DEPTH  64u
#define FRONT_MAX_SCALAR ((size_t)1 << 20)
#define FRONT_MAX_NODES  ((size_t)100000)
/* Errors reported per YAML text (and per page by the schema check): enough to fix a
 * file, bounded against hostile input. */
#define FRONT_MAX_ERRORS 20u

/* Parses yaml[0..len) (UTF-8, an optional BOM) into a value tree owned by a; text is
 * copied, so yaml may be freed afterwards. file must outlive the values (it is stored in
 * every value's pos); first_line is the 1-based file line of yaml[0].
 * Positions: pos (and key_pos for map keys) is where the node starts, the column counting
 * characters from 1.
 *
 * Typing follows the YAML 1.2 core schema for plain (unquoted, untagged) scalars:
 * `~ null Null NULL` and empty -> null; `true True TRUE false False FALSE` -> bool;
 * decimal, 0x and 0o integers, floats, `.inf -.inf .nan` (and case forms) -> number;
 * YYYY-MM-DD with an optional time and offset (value_date_parse) -> date; everything else
 * (yes, no, on, 1_000, 2023-5-1) -> string. Quoted and block scalars are strings. The
 * tags !!str !!int !!float !!bool !!null !!timestamp force a type (!!seq and !!map are
 * accepted on lists and maps). Map keys are kept as written, as text. A number keeps its
 * scalar text as written (value.number_text: `1.10`, `0755`), which is what it prints as.
 *
 * Maps are built in insertion order without repeated keys; lists keep their order.
 * An empty document (nothing, comments, or an empty `---`) yields an empty map.
 *
 * Errors, each reported as `file:line:col: error: message`, make it return NULL:
 * libyaml's syntax errors (with a note at libyaml's context mark), invalid UTF-8 and
 * control characters, anchors and aliases, other tags, a duplicate key (at the second,
 * naming the first's line), a list or map as a key, a plain scalar that looks like a date
 * (YYYY-MM-DD, then nothing or [Tt ] and a digit) but is not one ("invalid date
 * '2023-02-30'"), a tagged scalar that does not fit its tag, more than one document,
 * a non-map root when require_map, and the limits (which stop reading at once). Other
 * errors keep going, up to FRONT_MAX_ERRORS per call, so one run shows them together.
 * limits may be NULL for the defaults. */
value *front_parse_yaml(const char *yaml, size_t len, const char *file, unsigned first_line,
                        bool require_map, const front_limits *limits, arena *a, diag *d);

/* A page's front matter: front_parse_yaml with require_map and the default limits, except
 * that errors which leave the tree whole (an invalid date, a scalar that does not fit its
 * tag, an unsupported tag, an alias, a duplicate key, a list or map as a key) do not lose
 * it, so the caller can still check the schema and report every error of the page in
 * one run. Such a tree comes back with *ok false; each node standing in for a reported
 * value has `invalid` set (a bad scalar is kept as its text, an alias as null), a
 * rejected key is left out, and a repeated key keeps both entries (lookups find the
 * first). Returns
 * NULL (and *ok false) when the tree is incomplete: a syntax error, invalid UTF-8, a
 * limit, too many errors, more than one document, or a root that is not a map. */
value *front_parse_page(bool *ok, const char *yaml, size_t len, const char *file,
                        unsigned first_line, arena *a, diag *d);

#endif
