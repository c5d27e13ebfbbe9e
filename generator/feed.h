/* SPDX-License-Identifier: MIT
 * feed.h - the RSS 2.0 feed (feed.xml), written through libxml2's xmlTextWriter so
 * every text is escaped. Pass 4 (output), on the main thread. */
#ifndef CLINFOLIO_FEED_H
#define CLINFOLIO_FEED_H

#include "buf.h"
#include "diag.h"
#include "value.h"

#include <stdbool.h>
#include <stddef.h>

/* Initialises libxml2 (xmlInitParser) for this module and sitemap.c. Call once from
 * main before starting threads: main itself does not include libxml2. */
void feed_global_init(void);

typedef struct feed_channel {
    const char *title;       /* required by RSS; NULL is written as "" */
    const char *link;        /* the site's absolute URL; NULL is written as "" */
    const char *description; /* NULL is written as "" */
    const char *language;    /* "en", "zh-CN"; NULL or "": left out */
    const char *self_url;    /* absolute URL of feed.xml (atom:link rel="self"); NULL: left out */
    value_date last_build;
    bool has_last_build;
} feed_channel;

typedef struct feed_item {
    const char *title;       /* NULL: left out */
    const char *link;        /* absolute URL; NULL: left out */
    const char *guid;        /* NULL: the link; isPermaLink="true" when it equals link */
    const char *description; /* plain text (the summary); NULL: left out */
    value_date date;         /* pubDate */
    bool has_date;
} feed_item;

/* Appends an RSS 2.0 document with the channel and items[0..n) in the given order.
 * Every text is first cleaned with text_clean_xml (libxml2 2.9 would copy control
 * characters and invalid UTF-8 into the output as they are), dates are RFC 822. The
 * same input always gives the same bytes. Returns false after reporting an error when
 * libxml2 fails (out of memory); out is then unchanged. */
bool feed_write_rss(buf *out, const feed_channel *ch, const feed_item *items, size_t n, diag *d);

#endif
