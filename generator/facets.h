/* SPDX-License-Identifier: MIT
 * facets.h - the project list's filters (issue 14): each project's cohort, department,
 * status and furthest stage, counted for the list's template (section.facets) and written
 * as small data files that the theme's project-list.js filters the whole list with. Pure:
 * template values in, a value or files out. The count is made once per language in the site
 * pass and used by both: the values it reads (the projects' facets) are final there; the
 * rows read what the media pass adds later (page.image) when they are written. */
#ifndef CLINFOLIO_FACETS_H
#define CLINFOLIO_FACETS_H

#include "arena.h"
#include "deps.h"
#include "diag.h"
#include "value.h"

#include <stdbool.h>

/* The section whose list has facets, and its facets in their order: a taxonomy of that
 * name gives its terms, "stage" the furthest dated stage, any other name the page's value
 * of that key (slugified). */
#define FACETS_SECTION "projects"
#define FACETS_N       4
extern const char *const facets_names[FACETS_N]; /* cohort, department, status, stage */
/* The key of "no value" (projects without a cohort): never a slug, which has no '_'. */
#define FACETS_NONE "_none"
/* Projects per rows-K.json file: a page of 50 filtered rows fetches the few files that
 * hold them; 200 rows are 30-60 KB. */
#define FACETS_ROWS_PER_FILE 200
/* index.json "version": bumped when the files' format changes (project-list.js checks it). */
#define FACETS_FORMAT_VERSION 1

/* "facets/<code>/": the folder of a language's data files, relative to the output folder
 * (and to the base path, for its URL). Memory owned by a. */
const char *facets_dir(const char *lang_code, arena *a);

/* The projects of the language whose `site` value is site_ctx (its `projects`,
 * `taxonomies`, `cohorts`, `stages`), counted; site_ctx must outlive it. */
typedef struct facets facets;
facets *facets_count(const value *site_ctx);
void facets_free(facets *f);

/* section.facets of the projects counted in f: a map from each facet's name to
 * {values: [{value, name, url, count}]}, the values with at least one project, in the
 * order of site.cohorts, of the taxonomy's terms, of site.stages, or else by value;
 * `value` is the slug (the term's, the stage's key), `name` the term's name, the stage's key
 * or the value as first written, `url` the term's page or "". A last item {value:
 * FACETS_NONE, none: true, count} counts the projects without a value. Memory owned by a. */
value *facets_value(const facets *f, arena *a);

/* Writes the data files of the projects of f into dir (facets_dir()), each handed to emit
 * (false after it reported a failure); the same bytes for the same values:
 *   index.json  {"version", "count": projects, "rows": FACETS_ROWS_PER_FILE,
 *                "facets": [names], "values": [[keys of each facet's values]],
 *                "projects": [[v0, v1, v2, v3, days], ...]}: project i is the i-th of
 *                site.projects (newest first); vK is the index of its value in
 *                values[K], -1 for none, or a list of indexes when it has several; days
 *                is days_total, -1 without it
 *   rows-K.json [[title, url, lang, [reached], date, thumb], ...] for projects K * rows
 *                ...: lang is the page's text language where it is not the list's, else
 *                ""; reached the indexes in site.stages of its dated stages; date the
 *                furthest stage's (YYYY-MM-DD, or ""); thumb 0, or [src, width, height,
 *                webp] of page.image's narrowest variant (src relative to url when under
 *                it; webp 1 when the same name ending in .webp exists).
 * Returns false when an emit failed. */
typedef bool (*facets_emit_fn)(void *payload, const char *path, const char *data, size_t len,
                               diag *d);
bool facets_write_files(const facets *f, const char *dir, facets_emit_fn emit, void *payload,
                        diag *d);
/* The files of facets_write_files() one at a time, for a build that keeps the others: how
 * many rows-K.json files f makes, rows-<file>.json alone, index.json alone. */
size_t facets_rows_files(const facets *f);
bool facets_write_rows(const facets *f, const char *dir, size_t file, facets_emit_fn emit,
                       void *payload, diag *d);
bool facets_write_index(const facets *f, const char *dir, facets_emit_fn emit, void *payload,
                        diag *d);

/* A hash of every value of site_ctx that facets_count() and facets_write_files() read:
 * the same hash, the same files (for the same program). page_hashes[i] stands for what they
 * read of project i (site_ctx.projects[i]: its facets' values, title, URL, language,
 * stages, days_total and image; a build's early page hashes, which leave out its contents),
 * n of them; the rest (the facets' taxonomies and site.cohorts without their pages' maps,
 * the stages, the language) is hashed here, through memo. */
uint64_t facets_key(const value *site_ctx, const uint64_t *page_hashes, size_t n, deps_memo *memo);
/* As facets_key(), for rows-<file>.json alone: page_hashes[i] stands for project
 * file * FACETS_ROWS_PER_FILE + i of the n the file holds (what a row reads of it: its
 * title, URL, language, stages and image), and site_ctx's stages and language are hashed
 * here. An edit of one project's facts makes its own rows file again, not every file. */
uint64_t facets_rows_key(const value *site_ctx, const uint64_t *page_hashes, size_t n, size_t file,
                         deps_memo *memo);

#endif
