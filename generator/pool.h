/* SPDX-License-Identifier: MIT
 * pool.h - run n independent jobs on worker threads (pages load and render in
 * parallel). Jobs are handed out in index order through one atomic counter. */
#ifndef CLINFOLIO_POOL_H
#define CLINFOLIO_POOL_H

#include <stddef.h>

/* fn(i, worker, payload) for every i in [0, n), on at most `workers` threads; worker is
 * in [0, workers) and lets jobs use per-worker state (a scratch arena). Returns when
 * every job is done. workers <= 1 runs everything on the calling thread. */
void pool_run(size_t workers, size_t n, void (*fn)(size_t i, size_t worker, void *payload),
              void *payload);

/* Online processors, at least 1 (the default for -j). */
size_t pool_default_workers(void);

/* Milliseconds on the monotonic clock, for timing passes and rebuilds. */
double pool_now_ms(void);

#endif
