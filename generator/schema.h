/* SPDX-License-Identifier: MIT
 * schema.h - the project schema: `schema.yaml` of the theme and of the site, compiled once
 * before the pages load into an immutable tree of key specifications, and the check of a
 * page's front matter against it (pass 3, on the page-load workers). */
#ifndef CLINFOLIO_SCHEMA_H
#define CLINFOLIO_SCHEMA_H

#include "arena.h"
#include "diag.h"
#include "value.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum schema_type {
    SCHEMA_ANY, /* no `type`: only presence is checked (a built-in key such as `date`) */
    SCHEMA_TEXT,
    SCHEMA_NUMBER,
    SCHEMA_INTEGER,
    SCHEMA_BOOL,
    SCHEMA_DATE,
    SCHEMA_YEAR,
    SCHEMA_URL,
    SCHEMA_ENUM,
    SCHEMA_LIST,
    SCHEMA_MAP,
    SCHEMA_MONEY,
    SCHEMA_PATENT,
    SCHEMA_NMPA,
    SCHEMA_TRIAL,
} schema_type;

typedef struct schema_key schema_key;

struct schema_key {
    const char *name; /* "" for a list's item specification */
    schema_type type;
    bool required;            /* absent: an error `missing-key` */
    bool recommended;         /* absent: a warning `missing-key` when asked for (check) */
    const char *description;  /* or NULL */
    const char *label;        /* or NULL */
    const char **values;      /* SCHEMA_ENUM: the allowed values, in order */
    const char **value_notes; /* what each value means, or NULL entries */
    size_t n_values;
    const schema_key *items; /* SCHEMA_LIST: every item's specification */
    const schema_key *keys;  /* SCHEMA_MAP: its keys, in order */
    size_t n_keys;
    src_pos at; /* where the specification was written (its schema.yaml) */
};

/* The keys of the pages of one section (`content/<name>/`). */
typedef struct schema_section {
    const char *name;
    const schema_key *keys;
    size_t n_keys;
} schema_section;

typedef struct schema {
    const schema_section *sections;
    size_t n_sections;
} schema;

/* Reads <theme_dir>/schema.yaml (named theme_name/schema.yaml in diagnostics) and then
 * <root>/schema.yaml, whose entries replace or add to the theme's: a section or key the
 * theme lacks is added; a key written with `type` replaces the theme's key whole; a key
 * without `type` changes only the fields it writes (an enum's `values` list is replaced
 * whole). theme_dir may be NULL (no theme). Sets *out to the compiled schema (owned by
 * a, never changed afterwards, so page-load workers share it), or to NULL when neither
 * file exists. Returns false after reporting errors in either file at their position. */
bool schema_load(const schema **out, const char *root, const char *theme_dir,
                 const char *theme_name, arena *a, diag *d);

/* Compiles one schema.yaml value tree (positions in it name the file); what schema_load
 * does after merging. Returns NULL after reporting errors. Memory owned by a. */
const schema *schema_compile(const value *root, arena *a, diag *d);

/* The name of a type as schema.yaml writes it ("text", "enum", ...; "any" for SCHEMA_ANY). */
const char *schema_type_name(schema_type t);

/* The section's specification, or NULL when the schema does not name it (s may be NULL). */
const schema_section *schema_find_section(const schema *s, const char *name);

/* What schema_check_page needs besides the front matter. */
typedef struct schema_page {
    const char *file;         /* the page, as diagnostics name it */
    const char *const *known; /* other keys the page may have (built-ins, taxonomies) */
    size_t n_known;
    bool recommended; /* warn about missing `recommended` keys */
    unsigned *budget; /* messages reported for this page so far, shared with
                       * the caller; stops at FRONT_MAX_ERRORS (front.h) */
} schema_page;

/* Checks a page's front matter map against sec: unknown keys (a warning `unknown-key`,
 * with "did you mean 'x'?" when a known key is close), types (`bad-type`), enumerations
 * (`bad-value` with the allowed values), amounts (`bad-amount`), identifiers
 * (`bad-identifier`, through ident_parse), dates written in quotes (`quoted-date`),
 * missing keys (`missing-key`), each at the value's (or key's) position. Values whose
 * `invalid` is set were reported by the YAML reader and are skipped. Thread-safe.
 * Returns false when an error was reported. */
bool schema_check_page(const schema_section *sec, const value *front, const schema_page *pg,
                       arena *a, diag *d);

/* Whether v is text that reads as a date (`'2022-07-07'`): a date someone quoted. */
bool schema_quoted_date(const value *v);

/* The closest of names[0..n) to word, within the distance "did you mean" allows (2, 1
 * for words of 3-5 characters, only a change of case for shorter ones): the first of the
 * nearest, or NULL. */
const char *schema_suggest(const char *word, size_t len, const char *const *names, size_t n);

#endif
