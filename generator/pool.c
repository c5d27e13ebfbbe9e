/* SPDX-License-Identifier: MIT
 * pool.c - a minimal fork-join thread pool. */
#include "pool.h"

#include "progress.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef struct shared {
    atomic_size_t next; /* the next job index to hand out */
    size_t n;
    void (*fn)(size_t, size_t, void *);
    void *payload;
} shared;

typedef struct worker_arg {
    shared *sh;
    size_t id;
} worker_arg;

static void *
worker_main(void *p)
{
    worker_arg *w = p;
    for (;;) {
        size_t i = atomic_fetch_add(&w->sh->next, 1);
        if (i >= w->sh->n)
            break;
        w->sh->fn(i, w->id, w->sh->payload);
        progress_tick();
    }
    return NULL;
}

void
pool_run(size_t workers, size_t n, void (*fn)(size_t i, size_t worker, void *payload),
         void *payload)
{
    progress_items(n);
    if (workers > n)
        workers = n;
    if (workers <= 1) {
        for (size_t i = 0; i < n; i++) {
            fn(i, 0, payload);
            progress_tick();
        }
        return;
    }
    shared sh = {.n = n, .fn = fn, .payload = payload};
    atomic_init(&sh.next, 0);
    pthread_t *threads = xcalloc(workers, sizeof(pthread_t));
    worker_arg *args = xcalloc(workers, sizeof(worker_arg));
    size_t started = 0;
    for (size_t w = 1; w < workers; w++) {
        args[w] = (worker_arg){&sh, w};
        if (pthread_create(&threads[w], NULL, worker_main, &args[w]) != 0)
            break; /* fewer threads: the remaining ones take the jobs */
        started = w;
    }
    args[0] = (worker_arg){&sh, 0};
    worker_main(&args[0]);
    for (size_t w = 1; w <= started; w++)
        pthread_join(threads[w], NULL);
    free(threads);
    free(args);
}

size_t
pool_default_workers(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (size_t)n : 1;
}

double
pool_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
