/* SPDX-License-Identifier: MIT
 * progress.c - the progress line of a long build: counters that the worker pool bumps
 * with atomics, and a timer thread that prints them; the build's passes only name
 * themselves. */
#include "progress.h"

#include "xalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct progress {
    FILE *out;
    unsigned delay_ms;
    _Atomic(const char *) pass;
    atomic_size_t done, total;
    atomic_bool whole; /* progress_items_all: progress_items changes nothing */
    pthread_t thread;
    pthread_mutex_t lock; /* guards stop, with wake */
    pthread_cond_t wake;
    bool stop;
    bool shown; /* a line is on the terminal (timer thread only, then progress_free) */
};

/* The progress the pool reports to: written by progress_new and progress_free on the
 * main thread, read by pool_run and its workers. */
static _Atomic(progress *) current;

static double
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
put(progress *p, const char *s, size_t len)
{
    fwrite(s, 1, len, p->out);
    fflush(p->out);
}

static void
show(progress *p, char *last, size_t last_size)
{
    const char *pass = atomic_load(&p->pass);
    if (!pass)
        return;
    size_t total = atomic_load(&p->total), done = atomic_load(&p->done);
    char line[160];
    int n = total ? snprintf(line, sizeof line, "\r%s %zu/%zu\033[K", pass,
                             done < total ? done : total, total)
                  : snprintf(line, sizeof line, "\r%s\033[K", pass);
    if (n < 0 || (size_t)n >= sizeof line || strcmp(line, last) == 0)
        return;
    put(p, line, (size_t)n);
    snprintf(last, last_size, "%s", line);
    p->shown = true;
}

static void *
timer_main(void *arg)
{
    progress *p = arg;
    double start = now_ms();
    char last[160] = "";
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        struct timespec until; /* 100 ms from now on the condition's clock (monotonic) */
        clock_gettime(CLOCK_MONOTONIC, &until);
        long long ns = (long long)until.tv_sec * 1000000000LL + until.tv_nsec + 100000000LL;
        until = (struct timespec){(time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL)};
        pthread_cond_timedwait(&p->wake, &p->lock, &until);
        if (!p->stop && now_ms() - start >= p->delay_ms)
            show(p, last, sizeof last);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

progress *
progress_new(FILE *out, unsigned delay_ms)
{
    progress *p = xcalloc(1, sizeof *p);
    p->out = out;
    p->delay_ms = delay_ms;
    atomic_init(&p->pass, NULL);
    atomic_init(&p->done, 0);
    atomic_init(&p->total, 0);
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&p->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&p->thread, NULL, timer_main, p) != 0) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL; /* no line: the build goes on without it */
    }
    atomic_store(&current, p);
    return p;
}

void
progress_free(progress *p)
{
    if (!p)
        return;
    atomic_store(&current, NULL);
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    if (p->shown)
        put(p, "\r\033[K", 4);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

void
progress_pass(progress *p, const char *name)
{
    if (!p)
        return;
    atomic_store(&p->whole, false);
    atomic_store(&p->total, 0);
    atomic_store(&p->done, 0);
    atomic_store(&p->pass, name);
}

void
progress_items(size_t n)
{
    progress *p = atomic_load(&current);
    if (!p || atomic_load(&p->whole))
        return;
    atomic_store(&p->done, 0);
    atomic_store(&p->total, n);
}

void
progress_items_all(size_t n)
{
    progress *p = atomic_load(&current);
    if (!p)
        return;
    atomic_store(&p->done, 0);
    atomic_store(&p->total, n);
    atomic_store(&p->whole, true);
}

void
progress_tick(void)
{
    progress *p = atomic_load(&current);
    if (p)
        atomic_fetch_add_explicit(&p->done, 1, memory_order_relaxed);
}
