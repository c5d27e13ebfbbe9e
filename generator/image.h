/* SPDX-License-Identifier: MIT
 * image.h - responsive images: a photo or figure (JPEG, PNG, WebP, GIF) written in a few
 * widths (480, 960 and 1600 pixels, never wider than the source) as WebP and in its own
 * format (JPEG, or PNG for PNG and GIF), upright (the EXIF orientation applied) and
 * without any metadata (EXIF with its GPS position, XMP, IPTC, comments). The files are
 * kept in a cache folder under names made of a hash of the source's bytes, so an image
 * that did not change is never encoded again. libvips does the work; it is loaded with
 * dlopen() when the first image comes, so a site without images does not pay for its
 * hundred libraries at start-up. Thread-safe: workers may make different images at once. */
#ifndef CLINFOLIO_IMAGE_H
#define CLINFOLIO_IMAGE_H

#include "arena.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A source larger than this is refused before it is decoded (a small file can hold a
 * picture of billions of pixels: a decompression bomb). 50 megapixels is above any
 * phone camera's photo. */
#define IMAGE_MAX_PIXELS ((uint64_t)50 * 1000 * 1000)
/* A source file larger than this is refused before it is read. */
#define IMAGE_MAX_BYTES ((size_t)64 << 20)

typedef struct image_variant {
    const char *cache_name; /* in the cache folder: "<hash>-<width>.<ext>" */
    const char *ext;        /* "webp", "jpg", "png" */
    const char *type;       /* "image/webp", "image/jpeg", "image/png" */
    int width, height;
} image_variant;

/* The variants of one source: the WebP ones, then those in its own format (none for a
 * WebP source), each group by growing width. */
typedef struct image_set {
    image_variant *v;
    size_t n;
    int width, height; /* the source's, upright */
    uint64_t hash;     /* of the source's bytes and what is made of them */
} image_set;

/* Counters of a build (-v): variants encoded, and found in the cache. */
typedef struct image_counts {
    atomic_size_t encoded, cached;
} image_counts;

/* Makes the variants of the source data[0..len) in cache_dir (made when missing): those
 * already there are kept. With encode false (clinfolio check) only the source is read and
 * checked. False with *why (a message in a, without the file's name) when the source is
 * not an image libvips reads, is too large, or libvips is missing or fails. */
bool image_make(const void *data, size_t len, const char *cache_dir, bool encode, image_set *out,
                image_counts *counts, arena *a, const char **why);

#endif
