/* SPDX-License-Identifier: MIT
 * test_profile.c - build --profile's table (profile.c): runs and kept renders added from
 * several threads at once all count, the tables print the most time first with their
 * totals, means and longest runs, a row that only kept shows its kept count, an empty
 * profile says nothing ran, and the ten slowest renders are listed slowest first. */
#include "profile.h"

#include "harness.h"

#include <pthread.h>

enum { THREADS = 4, ADDS = 2000 };

static profile *shared;

static void *
adder(void *arg)
{
    (void)arg;
    for (int i = 0; i < ADDS; i++) {
        profile_add(shared, PROFILE_TEMPLATE, i % 2 ? "a.html" : "b.html", 0.5);
        profile_keep(shared, "a.html");
        profile_add(shared, PROFILE_PLUGIN, "p page", 0.25);
    }
    return NULL;
}

/* What profile_print() writes, as a string the caller frees. */
static char *
printed(const profile *p, size_t threads)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    profile_print(f, p, threads);
    fclose(f);
    return text;
}

int
main(void)
{
    shared = profile_new();
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, adder, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    size_t kept;
    INT_EQ(profile_count(shared, PROFILE_TEMPLATE, "a.html", &kept), THREADS * ADDS / 2,
           "every run of four threads counts");
    INT_EQ(kept, THREADS * ADDS, "and every kept render");
    INT_EQ(profile_count(shared, PROFILE_PLUGIN, "p page", &kept), THREADS * ADDS, "hook calls");
    INT_EQ(profile_count(shared, PROFILE_PLUGIN, "a.html", &kept), 0, "kinds apart");
    profile_free(shared);

    profile *p = profile_new();
    char *text = printed(p, 2);
    OK(strstr(text, "no template rendered and no plugin hook called") != NULL,
       "an empty profile says nothing ran: %s", text);
    free(text);
    profile_add(p, PROFILE_TEMPLATE, "short.html", 1.0);
    profile_add(p, PROFILE_TEMPLATE, "long.html", 2.0);
    profile_add(p, PROFILE_TEMPLATE, "long.html", 4.0);
    profile_keep(p, "kept.html");
    profile_add(p, PROFILE_PLUGIN, "a_plugin_with_a_long_name shortcode chart", 3.0);
    text = printed(p, 1);
    const char *lng = strstr(text, "long.html"), *sht = strstr(text, "short.html"),
               *kpt = strstr(text, "kept.html");
    OK(strstr(text, "the build ran on 1 thread)") != NULL, "threads: %s", text);
    OK(lng && sht && kpt && lng < sht && sht < kpt, "the most time first: %s", text);
    OK(lng && strncmp(lng + strlen("long.html"), " ", 1) == 0 &&
           strstr(lng, "2        0         6.0     3.000     4.000") != NULL,
       "runs, kept, total, mean and longest: %s", text);
    OK(kpt && strstr(kpt, "0        1         0.0     0.000     0.000") != NULL,
       "a template that only kept: %s", text);
    OK(strstr(text, "a_plugin_with_a_long_name shortcode chart        1") != NULL,
       "a long name widens its table's column: %s", text);
    free(text);
    profile_free(p);

    /* the slowest renders: kept as they come, ties by path, a render of each length */
    p = profile_new();
    for (int i = 1; i <= 30; i++) {
        char path[32];
        snprintf(path, sizeof path, "p%02d/index.html", (i * 7) % 31); /* not in order */
        profile_add_render(p, i % 2 ? "odd.html" : "even.html", path, (double)((i * 7) % 31));
    }
    profile_add_render(p, "tie.html", "a-tie/index.html", 30.0);
    text = printed(p, 2);
    const char *s30 = strstr(text, "a-tie/index.html"), *s30b = strstr(text, "p30/index.html"),
               *s22 = strstr(text, "p22/index.html"), *s21 = strstr(text, "p21/index.html");
    OK(s30 && s30b && s22 && s30 < s30b && s30b < s22, "slowest first, ties by path: %s", text);
    OK(!s21, "no more than the ten slowest: %s", text);
    OK(strstr(text, "slowest renders: template") != NULL &&
           strstr(text, "tie.html                       30.000  a-tie/index.html") != NULL,
       "template, ms and output: %s", text);
    free(text);
    profile_free(p);
    return harness_done();
}
