/* SPDX-License-Identifier: MIT
 * cache.h - what the last build rendered, kept beside its output for the next build
 * (incremental builds): for each rendered file, its path, the identity of the file it
 * wrote (device, inode, size, modification time) and the reads of its render (deps.h).
 * A build whose renders would read the same values links the previous file instead of
 * rendering. The file is checked whole on reading (magic, format, fingerprint, the
 * output folder it describes, a checksum); anything amiss and it is ignored, never
 * trusted in part. Main thread only. */
#ifndef CLINFOLIO_CACHE_H
#define CLINFOLIO_CACHE_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cache_file_id {
    uint64_t dev, ino, size;
    int64_t mtime_sec, mtime_nsec;
} cache_file_id;

typedef struct cache_entry {
    const char *path; /* relative to the output folder */
    cache_file_id id;
    const void *deps; /* a deps_log's data */
    size_t deps_len;
} cache_entry;

typedef struct cache cache;

/* The cache file of out_dir: ".clinfolio-cache/<name>.cache" in out_dir's parent
 * ("public" -> ".clinfolio-cache/public.cache"), appended to out. */
void cache_path(buf *out, const char *out_dir);

/* Reads the cache at path, for a build whose inputs outside the pages' values hash to
 * fingerprint and whose output folder is out_dir. NULL when there is none or it cannot
 * be used; *why then says why ("none", "damaged", "another build's", "another output
 * folder's"), for -v. */
cache *cache_load(const char *path, uint64_t fingerprint, const char *out_dir, const char **why);
/* The entry of the file rel, NULL when there is none. */
const cache_entry *cache_find(const cache *c, const char *rel);
void cache_free(cache *c);

/* Writes entries[0..n) (those with a NULL path are skipped) as the cache of out_dir as it
 * is now, replacing path atomically (a temporary file renamed over it; the folder is
 * made when missing). False when it could not (the next build is then a full one);
 * *why says why. */
bool cache_save(const char *path, uint64_t fingerprint, const char *out_dir,
                const cache_entry *entries, size_t n, const char **why);

#endif
