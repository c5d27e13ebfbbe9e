/* SPDX-License-Identifier: MIT
 * progress.h - the progress line of a long build on a terminal: one line, rewritten in
 * place, naming the pass and how many of its items are done ("rendering 3400/10000"). */
#ifndef CLINFOLIO_PROGRESS_H
#define CLINFOLIO_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

typedef struct progress progress;

/* Starts a thread that shows the line on out (a terminal; main.c decides) once the build
 * has run for delay_ms, then rewrites it every 100 ms while it changes. At most one
 * progress exists at a time (pool_run reports to it). Free with progress_free(). */
progress *progress_new(FILE *out, unsigned delay_ms);

/* Stops the thread and erases the line if it was shown, so the next line printed starts
 * on a clean line. p may be NULL. */
void progress_free(progress *p);

/* The pass now running ("loading pages", "plugins"); its count starts when pool_run
 * calls progress_items(). name must outlive the pass (a string literal). p may be NULL. */
void progress_pass(progress *p, const char *name);

/* Called by pool_run from the calling thread: the pass has n items, none done yet. */
void progress_items(size_t n);
/* For a pass that runs the pool several times over parts of its items (the search index,
 * 512 pages at a time): it has n items in all, and the pool's progress_items calls leave
 * the count alone until the next progress_pass. */
void progress_items_all(size_t n);

/* One item done: an atomic increment, safe from any thread; nothing without a progress. */
void progress_tick(void);

#endif
