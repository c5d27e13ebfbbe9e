/* SPDX-License-Identifier: MIT
 * media.h - the media pass: the images pages show, made responsive by image.c and
 * published beside their page: each page's featured image (front matter `image: {src, alt,
 * credit}`, described for templates as page.image) and the images of a page bundle
 * (content/x/y/index.md with files beside it) that its Markdown and its figure calls show
 * (page.pictures, which the Markdown pass turns into <picture>s); and the other files of
 * page bundles, copied beside their page. Images are published only as the variants
 * image.c makes (their EXIF, GPS position included, stripped), never as uploaded, each
 * source once however many pages show it. Two steps: the featured images after the site
 * pass and before the plugins, which see page.image; the bundles' images after the
 * shortcodes, whose figure calls name some. Images are made on the worker pool, the rest
 * on the main thread. */
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

typedef struct media media;

/* The media of one build: files go to out, the variants encoded and reused are counted in
 * counts (o, out and counts are borrowed and must outlive it). Memory in a; free the rest
 * with media_free(). */
media *media_new(const media_options *o, output *out, image_counts *counts, arena *a);
void media_free(media *m);

/* Publishes the featured image and the bundle's other files of every published page of s
 * and sets page.image. False after reporting an error (a missing or unreadable image, one
 * too large) at the page's `image` key. */
bool media_run(media *m, site *s, diag *d);

/* After site_expand_content: for each published page of a bundle (a translation uses its
 * original's), the images its Markdown (markdown_image_urls) and its figure calls name by
 * a path inside the bundle ("ward.jpg", "./ward.jpg", "img/ward.jpg"; percent-escapes
 * decoded) are made and published beside the page and listed in page.pictures, or listed
 * with the error the Markdown pass reports at the image: no such file, not an image, too
 * large. A figure's error is reported here, at its src. Paths leaving the bundle, URLs,
 * /paths and files that are no JPEG, PNG, WebP or GIF (a PDF, an SVG: copied by media_run)
 * are left alone. False after an error. */
bool media_run_content(media *m, site *s, diag *d);

/* Every file published so far (relative to the output folder: "projects/x/leaflet.pdf"),
 * for the links pass; *n of them, borrowed from m. */
const char *const *media_files(const media *m, size_t *n);

#endif
