/* SPDX-License-Identifier: MIT
 * profile.c - the rows of `build --profile`: one table for every kind, under one lock. A
 * build has a few dozen templates and plugin hooks, so a row is found by a scan. */
#include "profile.h"

#include "xalloc.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct row {
    char *name;
    size_t runs, kept;
    double total_ms, max_ms;
} row;

typedef struct slow_render {
    char *path;
    const char *name; /* its template's row's */
    double ms;
} slow_render;

struct profile {
    pthread_mutex_t lock;
    row *rows[PROFILE_KINDS];
    size_t n[PROFILE_KINDS], cap[PROFILE_KINDS];
    slow_render slowest[PROFILE_SLOWEST]; /* the most milliseconds first, then by path */
    size_t n_slowest;
};

profile *
profile_new(void)
{
    profile *p = xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    return p;
}

void
profile_free(profile *p)
{
    if (!p)
        return;
    for (int k = 0; k < PROFILE_KINDS; k++) {
        for (size_t i = 0; i < p->n[k]; i++)
            free(p->rows[k][i].name);
        free(p->rows[k]);
    }
    for (size_t i = 0; i < p->n_slowest; i++)
        free(p->slowest[i].path);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* The row of name, made when it is the first; under the lock. */
static row *
row_of(profile *p, profile_kind k, const char *name)
{
    for (size_t i = 0; i < p->n[k]; i++)
        if (strcmp(p->rows[k][i].name, name) == 0)
            return &p->rows[k][i];
    p->rows[k] = xgrow(p->rows[k], p->n[k], &p->cap[k], sizeof(row), 16);
    row *r = &p->rows[k][p->n[k]++];
    *r = (row){.name = xstrdup(name)};
    return r;
}

/* One run of ms milliseconds more in r; under the lock. */
static void
add_run(row *r, double ms)
{
    r->runs++;
    r->total_ms += ms;
    if (ms > r->max_ms)
        r->max_ms = ms;
}

void
profile_add(profile *p, profile_kind k, const char *name, double ms)
{
    pthread_mutex_lock(&p->lock);
    add_run(row_of(p, k, name), ms);
    pthread_mutex_unlock(&p->lock);
}

/* Whether a render of ms milliseconds of path goes before b among the slowest (ties by
 * path: the same list for any order of the renders). */
static bool
slower(double ms, const char *path, const slow_render *b)
{
    return ms != b->ms ? ms > b->ms : strcmp(path, b->path) < 0;
}

void
profile_add_render(profile *p, const char *name, const char *path, double ms)
{
    pthread_mutex_lock(&p->lock);
    row *r = row_of(p, PROFILE_TEMPLATE, name);
    add_run(r, ms);
    size_t at = p->n_slowest;
    while (at > 0 && slower(ms, path, &p->slowest[at - 1]))
        at--;
    if (at < PROFILE_SLOWEST) {
        if (p->n_slowest == PROFILE_SLOWEST)
            free(p->slowest[--p->n_slowest].path);
        memmove(&p->slowest[at + 1], &p->slowest[at], (p->n_slowest - at) * sizeof(slow_render));
        p->slowest[at] = (slow_render){xstrdup(path), r->name, ms};
        p->n_slowest++;
    }
    pthread_mutex_unlock(&p->lock);
}

void
profile_keep(profile *p, const char *name)
{
    pthread_mutex_lock(&p->lock);
    row_of(p, PROFILE_TEMPLATE, name)->kept++;
    pthread_mutex_unlock(&p->lock);
}

size_t
profile_count(const profile *p, profile_kind k, const char *name, size_t *kept)
{
    *kept = 0;
    for (size_t i = 0; i < p->n[k]; i++)
        if (strcmp(p->rows[k][i].name, name) == 0) {
            *kept = p->rows[k][i].kept;
            return p->rows[k][i].runs;
        }
    return 0;
}

static int
cmp_rows(const void *a, const void *b)
{
    const row *x = *(const row *const *)a, *y = *(const row *const *)b;
    if (x->total_ms != y->total_ms)
        return x->total_ms > y->total_ms ? -1 : 1;
    return strcmp(x->name, y->name);
}

void
profile_print(FILE *f, const profile *p, size_t threads)
{
    static const char *const heads[PROFILE_KINDS] = {"template", "plugin hook"};
    if (!p->n[PROFILE_TEMPLATE] && !p->n[PROFILE_PLUGIN]) {
        fputs("profile: no template rendered and no plugin hook called (nothing changed since "
              "the last build)\n",
              f);
        return;
    }
    fprintf(f, "profile (milliseconds of one thread each; the build ran on %zu thread%s)\n",
            threads, threads == 1 ? "" : "s");
    for (int k = 0; k < PROFILE_KINDS; k++) {
        if (!p->n[k])
            continue;
        const row **order = xcalloc(p->n[k], sizeof *order);
        for (size_t i = 0; i < p->n[k]; i++)
            order[i] = &p->rows[k][i];
        qsort(order, p->n[k], sizeof *order, cmp_rows);
        int width = 24; /* the longest name's */
        for (size_t i = 0; i < p->n[k]; i++)
            if (strlen(order[i]->name) > (size_t)width)
                width = (int)strlen(order[i]->name);
        fprintf(f, "%-*s %8s %8s %11s %9s %9s\n", width, heads[k],
                k == PROFILE_TEMPLATE ? "renders" : "calls", k == PROFILE_TEMPLATE ? "kept" : "",
                "total", "mean", "max");
        for (size_t i = 0; i < p->n[k]; i++) {
            const row *r = order[i];
            char kept[24] = "";
            if (k == PROFILE_TEMPLATE)
                snprintf(kept, sizeof kept, "%zu", r->kept);
            fprintf(f, "%-*s %8zu %8s %11.1f %9.3f %9.3f\n", width, r->name, r->runs, kept,
                    r->total_ms, r->runs ? r->total_ms / (double)r->runs : 0.0, r->max_ms);
        }
        if (k == PROFILE_TEMPLATE && p->n_slowest) {
            static const char head[] = "slowest renders: template";
            int w = width > (int)strlen(head) ? width : (int)strlen(head);
            fprintf(f, "%-*s %11s  %s\n", w, head, "ms", "output");
            for (size_t i = 0; i < p->n_slowest; i++)
                fprintf(f, "%-*s %11.3f  %s\n", w, p->slowest[i].name, p->slowest[i].ms,
                        p->slowest[i].path);
        }
        free(order);
    }
}
