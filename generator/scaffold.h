/* SPDX-License-Identifier: MIT
 * scaffold.h - new files for authors: `clinfolio new` (a page from an archetype, with the
 * stages of site.yaml and the schema's keys as hints) and `clinfolio init` (a small
 * working site). Not a build pass: it runs instead of a build. */
#ifndef CLINFOLIO_SCAFFOLD_H
#define CLINFOLIO_SCAFFOLD_H

#include "buf.h"
#include "config.h"
#include "diag.h"
#include "schema.h"

#include <stdbool.h>

/* The longest slug (bytes) `new` makes a file name of; cut at a character. */
#define SCAFFOLD_MAX_SLUG 80

/* What an archetype's placeholders are filled with (scaffold_expand). */
typedef struct scaffold_vars {
    const char *title; /* as typed; {{ title }} writes it as a quoted YAML string */
    const char *date;  /* YYYY-MM-DD */
    const char *kind, *section, *slug;
    const char *cohort;        /* --cohort, or NULL (then the year of date) */
    const char *department;    /* --department, or NULL */
    const config *cfg;         /* the stages; may be NULL */
    const schema_section *sec; /* the section's keys, or NULL */
} scaffold_vars;

/* Appends text[0..len) (an archetype named file in diagnostics) to out with every
 * `{{ name }}` placeholder filled; `{{` before anything but a lone name (a shortcode
 * call) and `\{{` are copied as written. Inline: title, date, year, slug, kind, section,
 * cohort, department. Alone on their line: stages (every stage of site.yaml as a
 * commented line with its label), schema (every key of the section not written in the
 * archetype, with a hint from its description). An unknown name, or a block placeholder
 * that is not alone on its line, is an error at its position. */
bool scaffold_expand(buf *out, const char *text, size_t len, const char *file,
                     const scaffold_vars *v, diag *d);

/* Appends s as a double-quoted YAML scalar that reads back as s. */
void scaffold_yaml_quote(buf *out, const char *s);

/* Appends the file name slug of title: text_slugify, cut to SCAFFOLD_MAX_SLUG bytes at a
 * character. Appends nothing when the title has no letter or digit. */
void scaffold_slug(buf *out, const char *title);

typedef struct scaffold_page_options {
    const char *root;    /* the site folder (holds site.yaml) */
    const char *datadir; /* installed themes; NULL: build_default_datadir() */
    const char *kind;    /* project, report or news */
    const char *title;
    const char *cohort;     /* or NULL */
    const char *department; /* or NULL */
    const char *date;       /* today, YYYY-MM-DD */
    const char *slug;       /* the file name's text (slugified), or NULL: from the title */
} scaffold_page_options;

/* Writes content/<section>/<slug>.md beneath root from the archetype of kind:
 * <root>/archetypes/<kind>.md, else the theme's archetypes/<kind>.md, else a built-in
 * one. Never replaces a file. Sets *path (cleared first) to the file written, relative
 * to root. Returns false after reporting. */
bool scaffold_page(buf *path, const scaffold_page_options *o, diag *d);

/* Creates a small site in dir (made if missing; an existing folder must be empty):
 * site.yaml with comments, the home page, an about page, an example project and a report
 * with the metric shortcodes, using the installed theme and plugins. Returns false after
 * reporting. */
bool scaffold_site(const char *dir, diag *d);

#endif
