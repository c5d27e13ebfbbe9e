/* SPDX-License-Identifier: MIT
 * profile.h - `clinfolio build --profile`: where a build's time went, by template and by
 * plugin hook (as `hugo --templateMetrics` and `jekyll build --profile` show it). Threads
 * add what they timed to one table under a lock (a few tens of thousands of adds in a
 * build of 10,000 pages); profile_print() lists the rows, the most time first. */
#ifndef CLINFOLIO_PROFILE_H
#define CLINFOLIO_PROFILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct profile profile;

/* The kinds of rows, each printed as a table of its own. */
typedef enum { PROFILE_TEMPLATE, PROFILE_PLUGIN, PROFILE_KINDS } profile_kind;

profile *profile_new(void);
void profile_free(profile *p);

/* One run of `name` of kind k (a template's render; a plugin's hook call, named
 * "<plugin> <hook>") that took ms milliseconds (pool_now_ms() before and after).
 * Thread-safe. */
void profile_add(profile *p, profile_kind k, const char *name, double ms);
/* One render of the output `path` with template `name`: profile_add() of it, and kept
 * among the PROFILE_SLOWEST slowest renders when it is one. Thread-safe. */
enum { PROFILE_SLOWEST = 10 };
void profile_add_render(profile *p, const char *name, const char *path, double ms);
/* One render of template `name` skipped: its output was unchanged and kept. Thread-safe. */
void profile_keep(profile *p, const char *name);

/* How many runs and kept ones `name` of kind k has (0 when none; for tests). */
size_t profile_count(const profile *p, profile_kind k, const char *name, size_t *kept);

/* The tables, each sorted by total time (then name), with the runs, the kept ones (for
 * templates), the total, mean and longest milliseconds, then the slowest renders (their
 * milliseconds, template and output path). threads: the build's workers. */
void profile_print(FILE *f, const profile *p, size_t threads);

#endif
