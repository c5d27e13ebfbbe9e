/* SPDX-License-Identifier: MIT
 * links.h - the links pass: once every page's Markdown is converted and every output is
 * known (pages, lists, plugin files), check the internal links and images the Markdown
 * holds (markdown_result.links) against them and the static files. Main thread. */
#ifndef CLINFOLIO_LINKS_H
#define CLINFOLIO_LINKS_H

#include "diag.h"
#include "site.h"

#include <stddef.h>

typedef struct links_files {
    const char *root;             /* the site folder: its content/static/ is served from the root */
    const char *theme;            /* the theme folder (its static/ likewise), or NULL */
    const char *const *generated; /* files written besides the site's outputs, relative to
                                   * the output folder ("metrics.json", "feed.xml") */
    size_t n_generated;
} links_files;

/* Warns about every internal link of a published page that leads nowhere: a path (root-
 * relative with the site's base path, or relative to the page's URL) that is no output,
 * generated file or static file (`broken-link`; `missing-image` for an image), and a
 * #fragment that is no id in the target page's content (`broken-anchor`: headings,
 * footnotes, and the raw HTML and shortcode output of the page; ids a template adds are
 * not known, and only pages made from Markdown are checked). External links (with a
 * scheme, or //host) are not checked. Warnings only: returns nothing. */
void links_check(const site *s, const links_files *files, diag *d);

#endif
