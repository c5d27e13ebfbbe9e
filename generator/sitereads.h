/* SPDX-License-Identifier: MIT
 * sitereads.h - the reads of `site` that renders share (incremental builds).
 *
 * A render's log (deps.h) is split in two (deps_log_split): what it read from `site`,
 * and the rest. The first part is the same bytes for most outputs of a template (the
 * site's title, menu, strings, URLs), so it is kept once, as the record "reads/<id>" (id:
 * a hash of its bytes), and a render's record names it by id. A check of a group of reads
 * against the `site` of a build is made once and its verdict given to every render that
 * names the group: at 10,000 pages, about 11,000 renders name a few dozen groups.
 * Thread-safe (render workers check and put at once); sitereads_save on the main thread. */
#ifndef CLINFOLIO_SITEREADS_H
#define CLINFOLIO_SITEREADS_H

#include "arena.h"
#include "cache.h"
#include "deps.h"
#include "value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sitereads sitereads;

/* The groups of this build; prev (or NULL) is the cache whose groups a check reads, and
 * which must outlive g. */
sitereads *sitereads_new(const cache *prev);
void sitereads_free(sitereads *g);

/* The id of the group of reads data[0..len) (0 when len is 0: no reads of `site`), now
 * needed by this build (a render's record names it). */
uint64_t sitereads_put(sitereads *g, const void *data, size_t len);

/* Whether the reads of group id (0: none) see the same through root (an output's context:
 * they start at its `site`) as when they were logged. False when prev holds no such group
 * or its bytes are not those of id. The verdict is made once per group and `site` value;
 * dm and scratch are the calling worker's (deps_check). */
bool sitereads_check(sitereads *g, uint64_t id, const value *root, deps_memo *dm, arena *scratch);

/* Group id (checked true) is needed by this build: a render kept names it. */
void sitereads_need(sitereads *g, uint64_t id);

/* Puts every group this build needs into next, as "reads/<id>" (in the order of their
 * ids): those of the last build kept as they are, the new ones from their bytes. */
void sitereads_save(sitereads *g, cache_next *next);

/* How many groups this build needs (tests). */
size_t sitereads_count(const sitereads *g);

#endif
