/* SPDX-License-Identifier: MIT
 * media.h - the media pass: each page's featured image (front matter `image: {src, alt,
 * credit}`) made responsive by image.c and published beside the page, described for
 * templates as page.image; and the other files of page bundles (content/x/y/index.md with
 * files beside it) copied beside their page. Images are published only as the variants
 * image.c makes (their EXIF, GPS position included, stripped), never as uploaded. Runs
 * after the site pass and before the plugins, which see page.image; images are made on the
 * worker pool, the rest on the main thread. */
#ifndef CLINFOLIO_MEDIA_H
#define CLINFOLIO_MEDIA_H

#include "arena.h"
#include "diag.h"
#include "image.h"
#include "output.h"
#include "site.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct media_options {
    const char *root;       /* the site folder */
    const char *theme;      /* the theme's folder (its static/ serves /paths too) */
    const char *theme_name; /* for messages */
    const char *cache_dir;  /* where image variants are kept between builds */
    bool encode;            /* false for clinfolio check: images are read and checked only */
    size_t workers;
    arena **worker_arenas; /* one per worker, living as long as the build (build.c's) */
} media_options;

/* Publishes the media of every published page of s into out and sets page.image; counts
 * the variants encoded and reused. False after reporting an error (a missing or unreadable
 * image, one too large) at the page's `image` key. */
bool media_run(site *s, const media_options *o, output *out, image_counts *counts, arena *a,
               diag *d);

#endif
