/* SPDX-License-Identifier: MIT
 * cite.h - citations (issue 13): which bibliography and style each page uses, the
 * built-in shortcodes cite(key=...) and references(), and the numbered marks and
 * reference list that replace their placeholders once the Markdown is converted. Main
 * thread: after the site model (bibliographies), during shortcode expansion (calls), and
 * after the content pass (resolution, every build, so cached conversions stay valid). */
#ifndef CLINFOLIO_CITE_H
#define CLINFOLIO_CITE_H

#include "arena.h"
#include "buf.h"
#include "config.h"
#include "diag.h"
#include "page.h"
#include "shortcode.h"

#include <stdbool.h>
#include <stddef.h>

/* The placeholder of a page's k-th cite call: CITE_MARK "<k>\x01"; the reference list's:
 * CITE_LIST_MARK. Never in Markdown output for text without control characters. */
#define CITE_MARK \
    "\x01"        \
    "clinfolio-cite-"
#define CITE_LIST_MARK \
    "\x01"             \
    "clinfolio-references\x01"

/* The bibliography and citation style of each of pages[0..n): `bibliography` (a file or a
 * list, relative to the page's folder and inside content/) and `citation_style` from its
 * front matter (a translation takes its original's), else from site.yaml (`bibliography`
 * relative to the site folder). Reads each distinct list of files once (bib_load: main
 * thread only). Errors: a missing file at the key naming it, an unknown style (the
 * allowed ones listed), the files' own errors. Returns false after reporting. */
bool cite_load(page *const *pages, size_t n, const config *cfg, const char *root, arena *a,
               diag *d);

/* The built-in shortcode cite(key="a" | key="a, b" | keys="a, b"[, locator="p. 12"]) of p:
 * checks its arguments and keys against p's bibliography, records the call in p->cites
 * and appends a placeholder. False after an error at the call or an argument. */
bool cite_shortcode(buf *html, const shortcode_call *call, page *p, arena *a, diag *d);

/* The built-in shortcode references(): where p's reference list goes (at most once). */
bool cite_references_shortcode(buf *html, const shortcode_call *call, page *p, diag *d);

/* p's citations numbered in the order of first citation: marks[k] the HTML of call k,
 * *list the reference list (<section class="references" id="references"> with the
 * heading 参考文献 when lang is Chinese, else References; only the works cited), or ""
 * when p cites nothing. Memory owned by a. */
void cite_resolve(const char ***marks, const char **list, const page *p, const char *lang,
                  arena *a);

#endif
