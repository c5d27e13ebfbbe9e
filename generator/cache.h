/* SPDX-License-Identifier: MIT
 * cache.h - what the last build computed, kept beside its output for the next build
 * (incremental builds): named records of bytes (the reads and file of every render, the
 * plugins' results, each page's HTML, ...), each of which its pass checks against its
 * own inputs. The file as a whole is checked on reading (magic, format, the output
 * folder it was written for, each record's hash, a checksum); anything amiss and it is
 * ignored, never trusted in part. A build's records go to the file as they come
 * (cache_next_spool), so that they do not add to its peak memory: appended to the last
 * build's file, which keeps the records this build keeps where they are (a one-page edit
 * writes a few records, not the whole cache again), or, when half of that file is records
 * since replaced, to a temporary file that takes the cache's name when the build is saved.
 * Main thread unless said otherwise. */
#ifndef CLINFOLIO_CACHE_H
#define CLINFOLIO_CACHE_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct cache cache;

/* The cache file of out_dir: ".clinfolio-cache/<name>.cache" in out_dir's parent
 * ("public" -> ".clinfolio-cache/public.cache"), appended to out. */
void cache_path(buf *out, const char *out_dir);

/* The folder of out_dir's image variants (image.h), beside its cache file:
 * ".clinfolio-cache/images" in out_dir's parent, appended to out. */
void cache_images_dir(buf *out, const char *out_dir);

/* Reads the cache at path, written for out_dir as it is now (the same folder: device and
 * inode), checking every record against its hash on `workers` threads. NULL when there
 * is none or it cannot be used; *why then says why ("none", "damaged", "another output
 * folder's"), for -v. */
cache *cache_load(const char *path, const char *out_dir, size_t workers, const char **why);
/* The bytes of the record key (NULL, *len 0, when there is none). */
const void *cache_get(const cache *c, const char *key, size_t *len);
/* The same for a key of klen bytes (a record name made in a buf: not measured again). */
const void *cache_getn(const cache *c, const char *key, size_t klen, size_t *len);
/* The bytes cache_next_put_sliced() put as key, in one piece: appended to out (which
 * holds them until freed), *len of them; NULL, *len 0, when there are none or a slice
 * is missing or not as long as the record key says. */
const void *cache_get_sliced(const cache *c, const char *key, buf *out, size_t *len);
void cache_free(cache *c);

/* The records of this build, for the next: put by the passes, saved after the commit. */
typedef struct cache_next cache_next;

/* Records kept in memory (for cache_next_take); prev (or NULL) is the cache that
 * cache_next_keep() borrows records from, which must outlive n. */
cache_next *cache_next_new(const cache *prev);
/* From now on, n's records are written as they come: appended to prev's file when
 * append_ok, path is still that file as prev read it and at least half of it is prev's
 * records (a failed build cuts off what it appended), else to a temporary file beside
 * path (its folder made when missing), "<path>.tmp-<pid>", which cache_next_save()
 * renames to path and cache_next_free() removes when not saved; those already put are
 * written now. append_ok false: the caller expects to keep few of prev's records (a build
 * whose settings changed makes nearly every record anew); appended, they would leave the
 * file mostly replaced records, which the next build would copy out again. They stay in
 * memory when no file can be written (cache_next_save then says why). First removes the
 * temporary files beside path of builds whose process is gone (killed: nothing of theirs
 * could run). Main thread, while no thread puts records. */
void cache_next_spool(cache_next *n, const char *path, bool append_ok);
/* What the threads gathered of their records so far written to the spool file (each
 * thread writes its records a run at a time, or at the save). Main thread, while no
 * thread puts records. */
void cache_next_flush(cache_next *n);
/* Reserves count places for cache_next_put_slot (one per output, filled by worker
 * threads); returns the first one's number. Main thread, while no thread fills slots. */
size_t cache_next_reserve(cache_next *n, size_t count);
/* Adds the record key (copied) with data's bytes (taken: data is left empty). Main
 * thread only. */
void cache_next_put(cache_next *n, const char *key, buf *data);
/* Adds data (taken) as the record key, in slices of CACHE_SLICE_BYTES: the record key holds
 * the length and the number of slices, each slice is the record "<key>#<i>", and a slice
 * the same as the previous cache's is kept, not written again, so that a record made
 * whole every build of which an edit changes a few bytes (the rules' findings, the output's
 * files, the build's diagnostics) writes the slices those bytes are in. Main thread only. */
#define CACHE_SLICE_BYTES (16 * 1024)
void cache_next_put_sliced(cache_next *n, const char *key, buf *data);
/* A record of the previous cache used again as it is: its bytes are borrowed, not
 * copied, so prev (the cache they are in) must outlive n, or n be taken (which copies
 * them), unless n is spooled. Into reserved place i (threads may fill different places
 * at once), or as a new record when i is SIZE_MAX (main thread). */
void cache_next_keep(cache_next *n, size_t i, const char *key, const void *data, size_t len);
/* Every record of the previous cache whose key starts with prefix, used again as it is
 * (as cache_next_keep() each, new records in the previous cache's order): a pass that
 * knows a whole kind of records still holds carries them over without naming each one.
 * Returns how many. Main thread, while no thread puts records. */
size_t cache_next_keep_prefix(cache_next *n, const char *prefix);
/* The same into reserved place i; threads may fill different places at once. A place
 * left empty is no record. */
void cache_next_put_slot(cache_next *n, size_t i, const char *key, buf *data);
/* Writes every record as the cache of out_dir as it is now, replacing path atomically
 * (the temporary file renamed over it; the folder is made when missing; or the new index
 * and tail appended to prev's file, which a reader then finds at its end), unless prev
 * (the cache read from path, or NULL) holds the same records already (then path is left
 * as it is). False when it could not (the next build then starts afresh); *why says why.
 * n can be freed after, not saved again. */
bool cache_next_save(cache_next *n, const cache *prev, const char *path, const char *out_dir,
                     const char **why);
void cache_next_free(cache_next *n);
/* For a thread that ends the process (a signal, the plugin watchdog): removes the
 * temporary file of every cache being written, and cuts what a build appended off the
 * last build's file (which then reads as before). No cache is saved after. */
void cache_remove_temporaries(void);

/* The records of n (made by cache_next_new) as a cache of out_dir as it is now, without
 * a file (clinfolio serve keeps it in memory for the next rebuild): n is left empty.
 * Records kept from prev (the cache they were borrowed from, or NULL) are moved out of
 * prev when it holds them in memory (itself taken), else copied: prev is then only fit
 * to be freed. NULL when out_dir is gone, or n is spooled. */
cache *cache_next_take(cache_next *n, cache *prev, const char *out_dir);
/* Whether c was made for out_dir as it is now (the same folder: device and inode). */
bool cache_still_for(const cache *c, const char *out_dir);

#endif
