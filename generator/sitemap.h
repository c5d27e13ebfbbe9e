/* SPDX-License-Identifier: MIT
 * sitemap.h - sitemap.xml in the sitemaps.org 0.9 format, written through libxml2's
 * xmlTextWriter. Pass 4 (output), on the main thread. */
#ifndef CLINFOLIO_SITEMAP_H
#define CLINFOLIO_SITEMAP_H

#include "buf.h"
#include "diag.h"
#include "value.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct sitemap_url {
    const char *loc;    /* absolute, percent-encoded URL (the caller encodes it) */
    value_date lastmod; /* W3C date: YYYY-MM-DD, or a full date-time with its offset */
    bool has_lastmod;
} sitemap_url;

/* Appends a <urlset> with urls[0..n) in the given order, texts cleaned with
 * text_clean_xml. The schema wants at least one URL and search engines read at most
 * 50,000: more than that gives a warning (the file is still written). Deterministic.
 * Returns false after reporting an error when libxml2 fails; out is then unchanged. */
bool sitemap_write(buf *out, const sitemap_url *urls, size_t n, diag *d);

#endif
