/* SPDX-License-Identifier: MIT
 * cache.h - what the last build computed, kept beside its output for the next build
 * (incremental builds): named records of bytes (the reads and file of every render, the
 * plugins' results, each page's HTML, ...), each of which its pass checks against its
 * own inputs. The file as a whole is checked on reading (magic, format, the output
 * folder it was written for, a checksum); anything amiss and it is ignored, never
 * trusted in part. Main thread only. */
#ifndef CLINFOLIO_CACHE_H
#define CLINFOLIO_CACHE_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct cache cache;

/* One record: a key ("render/projects/x/index.html") and its bytes. */
typedef struct cache_record {
    const char *key;
    const void *data;
    size_t len;
    bool borrowed; /* data belongs to the previous cache (cache_next_keep) */
} cache_record;

/* The cache file of out_dir: ".clinfolio-cache/<name>.cache" in out_dir's parent
 * ("public" -> ".clinfolio-cache/public.cache"), appended to out. */
void cache_path(buf *out, const char *out_dir);

/* Reads the cache at path, written for out_dir as it is now (the same folder: device and
 * inode). NULL when there is none or it cannot be used; *why then says why ("none",
 * "damaged", "another output folder's"), for -v. */
cache *cache_load(const char *path, const char *out_dir, const char **why);
/* The bytes of the record key (NULL, *len 0, when there is none). */
const void *cache_get(const cache *c, const char *key, size_t *len);
void cache_free(cache *c);

/* The records of this build, for the next: put by the passes, saved after the commit. */
typedef struct cache_next cache_next;

cache_next *cache_next_new(void);
/* Reserves count places for cache_next_put_slot (one per output, filled by worker
 * threads); returns the first one's number. Main thread, while no thread fills slots. */
size_t cache_next_reserve(cache_next *n, size_t count);
/* Adds the record key (copied) with data's bytes (taken: data is left empty). Main
 * thread only. */
void cache_next_put(cache_next *n, const char *key, buf *data);
/* A record of the previous cache used again as it is: its bytes are borrowed, not
 * copied, so prev (the cache they are in) must outlive n, or n be taken (which copies
 * them). Into reserved place i, or as a new record when i is SIZE_MAX (main thread). */
void cache_next_keep(cache_next *n, size_t i, const char *key, const void *data, size_t len);
/* The same into reserved place i; threads may fill different places at once. A place
 * left empty is no record. */
void cache_next_put_slot(cache_next *n, size_t i, const char *key, buf *data);
/* Writes every record as the cache of out_dir as it is now, replacing path atomically
 * (a temporary file renamed over it; the folder is made when missing), unless prev (the
 * cache read from path, or NULL) holds the same bytes already. False when it could not
 * (the next build then starts afresh); *why says why. */
bool cache_next_save(const cache_next *n, const cache *prev, const char *path, const char *out_dir,
                     const char **why);
void cache_next_free(cache_next *n);

/* The records of n as a cache of out_dir as it is now, without a file (clinfolio serve
 * keeps it in memory for the next rebuild): n is left empty. NULL when out_dir is gone. */
cache *cache_next_take(cache_next *n, const char *out_dir);
/* Whether c was made for out_dir as it is now (the same folder: device and inode). */
bool cache_still_for(const cache *c, const char *out_dir);

#endif
