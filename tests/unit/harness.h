/* SPDX-License-Identifier: MIT
 * harness.h - a tiny unit-test harness (after cmark's api_test/harness.c). Each test
 * binary includes it once, calls the checks, and ends with `return harness_done();`,
 * which prints `N passed, N failed` and exits non-zero on any failure. */
#ifndef CLINFOLIO_HARNESS_H
#define CLINFOLIO_HARNESS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int harness_passed, harness_failed;

#define OK(cond, ...)                                             \
    do {                                                          \
        if (cond) {                                               \
            harness_passed++;                                     \
        } else {                                                  \
            harness_failed++;                                     \
            fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                         \
            fputc('\n', stderr);                                  \
        }                                                         \
    } while (0)

#define INT_EQ(got, want, msg)                                   \
    do {                                                         \
        long long g_ = (long long)(got), w_ = (long long)(want); \
        OK(g_ == w_, "%s: got %lld, want %lld", msg, g_, w_);    \
    } while (0)

#define STR_EQ(got, want, msg)                                                        \
    do {                                                                              \
        const char *g_ = (got), *w_ = (want);                                         \
        OK(g_ &&w_ &&strcmp(g_, w_) == 0, "%s:\n  got:  \"%s\"\n  want: \"%s\"", msg, \
           g_ ? g_ : "(null)", w_ ? w_ : "(null)");                                   \
    } while (0)

/* Removes a test's scratch folder (made with mkdtemp), with everything in it. */
static inline void
harness_rm_rf(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", path);
}

/* Writes text to root/rel, creating the folders of rel below root; exits on failure. */
static inline void
harness_write_file(const char *root, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(path, 0755) != 0 && errno != EEXIST) {
                perror(path);
                exit(2);
            }
            *p = '/';
        }
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

static int
harness_done(void)
{
    printf("%d passed, %d failed\n", harness_passed, harness_failed);
    return harness_failed ? 1 : 0;
}

#endif
