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

/* The same page in another language: <xhtml:link rel="alternate" hreflang href>. */
typedef struct sitemap_alternate {
    const char *hreflang; /* "zh", "en", "x-default" */
    const char *href;     /* absolute, percent-encoded */
} sitemap_alternate;

typedef struct sitemap_url {
    const char *loc;    /* absolute, percent-encoded URL (the caller encodes it) */
    value_date lastmod; /* W3C date: YYYY-MM-DD, or a full date-time with its offset */
    bool has_lastmod;
    const sitemap_alternate *alternates; /* every language's version, itself included */
    size_t n_alternates;
} sitemap_url;

/* Appends a <urlset> with urls[0..n) in the given order, texts cleaned with
 * text_clean_xml. The schema wants at least one URL and search engines read at most
 * 50,000: more than that gives a warning (the file is still written). Deterministic.
 * Returns false after reporting an error when libxml2 fails; out is then unchanged. */
bool sitemap_write(buf *out, const sitemap_url *urls, size_t n, diag *d);

/* Per-file limits of the sitemaps.org protocol: 50,000 URLs and 50 MB (uncompressed). */
#define SITEMAP_MAX_URLS  50000
#define SITEMAP_MAX_BYTES (50u * 1024u * 1024u)

typedef struct sitemap_limits {
    size_t max_urls;  /* URLs per file: SITEMAP_MAX_URLS (smaller in tests) */
    size_t max_bytes; /* bytes per file: SITEMAP_MAX_BYTES (smaller in tests) */
} sitemap_limits;

/* Receives one finished file: its path relative to the output root ("sitemap.xml",
 * "sitemap-1.xml", ...) and its bytes. Returns false after reporting an error. */
typedef bool (*sitemap_emit_fn)(void *ctx, const char *path, const char *data, size_t len, diag *d);

/* The site's sitemap within the limits: when urls[0..n) fit in one file, a <urlset> as
 * "sitemap.xml" (sitemap_write); otherwise "sitemap-1.xml", "sitemap-2.xml", ... of at most
 * lim->max_urls URLs and lim->max_bytes bytes each, in order, and "sitemap.xml" becomes a
 * <sitemapindex> listing them as base_url + "sitemap-K.xml" (base_url ends in '/').
 * Files are emitted in that order, the index last. A single URL whose entry is larger than
 * max_bytes still gets a file of its own. Deterministic. Returns false after an error. */
bool sitemap_write_files(const sitemap_url *urls, size_t n, const sitemap_limits *lim,
                         const char *base_url, sitemap_emit_fn emit, void *ctx, diag *d);

/* A hash of everything sitemap_write_files() reads of its arguments: the same key, the
 * same files (an incremental build keeps them without writing them again: memo_files). */
uint64_t sitemap_key(const sitemap_url *urls, size_t n, const sitemap_limits *lim,
                     const char *base_url);

#endif
