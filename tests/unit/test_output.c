/* SPDX-License-Identifier: MIT
 * test_output.c - the output tree: nested writes, rejected paths, planted symbolic
 * links, duplicate paths, parallel writes, static copies, atomic commit and abort. */
#include "harness.h"

#include "buf.h"
#include "output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[64]; /* a fresh directory under /tmp for this run */

static char *
path_of(const char *rel)
{
    static char p[4][512]; /* rotating, so two results can be used together */
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", base, rel);
    return p[k];
}

static void
put_file(const char *rel, const char *text)
{
    FILE *f = fopen(path_of(rel), "w");
    if (!f) {
        perror(rel);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

/* The contents of base/rel, or "(missing)"; free(). */
static char *
slurp(const char *rel)
{
    FILE *f = fopen(path_of(rel), "r");
    if (!f)
        return strdup("(missing)");
    buf b = BUF_INIT;
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_append(&b, tmp, n);
    fclose(f);
    return buf_detach(&b);
}

#define FILE_EQ(rel, want)       \
    do {                         \
        char *got_ = slurp(rel); \
        STR_EQ(got_, want, rel); \
        free(got_);              \
    } while (0)

static bool
exists(const char *rel)
{
    struct stat st;
    return lstat(path_of(rel), &st) == 0;
}

/* The name of the one temporary tree in base (for planting links), or NULL. */
static char *
find_tmp(void)
{
    static char name[256];
    DIR *dp = opendir(base);
    struct dirent *de;
    char *found = NULL;
    while (dp && (de = readdir(dp)))
        if (strncmp(de->d_name, ".public.tmp-", 12) == 0) {
            snprintf(name, sizeof name, "%s", de->d_name);
            found = name;
        }
    if (dp)
        closedir(dp);
    return found;
}

static int
count_entries(const char *dir)
{
    int n = 0;
    DIR *dp = opendir(dir);
    struct dirent *de;
    while (dp && (de = readdir(dp)))
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    if (dp)
        closedir(dp);
    return n;
}

static bool
diag_has(diag *d, const char *text)
{
    char *s = diag_to_string(d);
    bool r = strstr(s, text) != NULL;
    if (!r)
        fprintf(stderr, "diagnostics (no \"%s\"):\n%s", text, s);
    free(s);
    return r;
}

static bool
write_str(output *o, const char *rel, const char *text, diag *d)
{
    return output_write(o, rel, text, strlen(text), d);
}

static void
test_write_and_commit(void)
{
    diag *d = diag_new();
    output *o = output_begin(path_of("public"), d);
    OK(o != NULL, "begin");
    OK(find_tmp() != NULL, "temporary tree beside public");
    OK(!exists("public"), "public not created before the commit");
    OK(write_str(o, "index.html", "home", d), "write index.html");
    OK(write_str(o, "projects/x/index.html", "x", d), "nested write");
    OK(write_str(o, "projects/y/index.html", "y", d), "sibling write");
    OK(write_str(o, "a/b/c/d/e.txt", "deep", d), "deep write");
    OK(write_str(o, "项目/索引.html", "中文", d), "UTF-8 names");
    OK(output_write(o, "empty.txt", "", 0, d), "empty file");
    OK(output_commit(o, d), "commit into a new directory");
    INT_EQ(diag_error_count(d), 0, "no errors");
    FILE_EQ("public/index.html", "home");
    FILE_EQ("public/projects/x/index.html", "x");
    FILE_EQ("public/projects/y/index.html", "y");
    FILE_EQ("public/a/b/c/d/e.txt", "deep");
    FILE_EQ("public/项目/索引.html", "中文");
    FILE_EQ("public/empty.txt", "");
    OK(find_tmp() == NULL, "no temporary tree left");
    struct stat st;
    OK(stat(path_of("public"), &st) == 0 && (st.st_mode & 07777) == 0755,
       "first build is 0755 (%o)", st.st_mode & 07777);
    diag_free(d);
}

static void
test_bad_paths(void)
{
    diag *d = diag_new();
    output *o = output_begin(path_of("public"), d);
    static const char *const bad[] = {
        "../x", "/abs", "a//b", "a/./b", "",          "a/",   "./a",
        ".",    "..",   "a/..", "a\\b",  "x/../../y", "a\nb", "a/../../../../etc/passwd"};
    size_t n = sizeof bad / sizeof bad[0];
    for (size_t i = 0; i < n; i++)
        OK(!write_str(o, bad[i], "bad", d), "rejected: \"%s\"", bad[i]);
    INT_EQ(diag_error_count(d), n, "one error each");
    OK(diag_has(d, "'.' or '..' in path"), "message for ..");
    OK(diag_has(d, "absolute path"), "message for /abs");
    OK(diag_has(d, "empty path component"), "message for a//b");
    OK(!exists("x") && !exists("y"), "nothing written outside");

    OK(write_str(o, "dup.html", "first", d), "first write");
    OK(!write_str(o, "dup.html", "second", d), "second write of the same path fails");
    OK(diag_has(d, "clinfolio: error: two pages write dup.html"), "duplicate message");
    OK(write_str(o, "file", "f", d), "a file");
    OK(!write_str(o, "file/below.html", "x", d), "a file used as a directory");
    output_abort(o);
    OK(find_tmp() == NULL, "abort removes the temporary tree");
    diag_free(d);
}

static void
test_symlinks(void)
{
    diag *d = diag_new();
    mkdir(path_of("outside"), 0755);
    put_file("outside/target", "precious");
    output *o = output_begin(path_of("public"), d);
    char *tmp = find_tmp();
    OK(tmp != NULL, "found the temporary tree");
    if (!o || !tmp) {
        output_abort(o);
        diag_free(d);
        return;
    }
    char link[512], target[512];
    /* a link to a directory outside, used as a parent directory */
    snprintf(link, sizeof link, "%s/%s/evil", base, tmp);
    snprintf(target, sizeof target, "%s/outside", base);
    OK(symlink(target, link) == 0, "plant a directory link");
    OK(!write_str(o, "evil/x.html", "pwned", d), "write through a directory link fails");
    OK(!exists("outside/x.html"), "nothing written through it");
    /* a link as the file itself */
    snprintf(link, sizeof link, "%s/%s/file.html", base, tmp);
    snprintf(target, sizeof target, "%s/outside/target", base);
    OK(symlink(target, link) == 0, "plant a file link");
    OK(!write_str(o, "file.html", "pwned", d), "write onto a file link fails");
    FILE_EQ("outside/target", "precious");
    /* a directory swapped for a link after it was created */
    OK(write_str(o, "ok/a.html", "a", d), "write a/ok.html");
    char from[512], to[512];
    snprintf(from, sizeof from, "%s/%s/ok", base, tmp);
    snprintf(to, sizeof to, "%s/%s/ok-moved", base, tmp);
    OK(rename(from, to) == 0, "move ok/ away");
    snprintf(target, sizeof target, "%s/outside", base);
    OK(symlink(target, from) == 0, "plant ok -> outside");
    OK(!write_str(o, "ok/b.html", "pwned", d), "write through a swapped directory fails");
    OK(!exists("outside/b.html"), "nothing written through the swapped directory");
    INT_EQ(diag_error_count(d), 3, "three errors");
    OK(diag_has(d, "cannot write"), "error says what failed");
    output_abort(o);
    OK(find_tmp() == NULL, "abort removes the tree with its links");
    FILE_EQ("outside/target", "precious");
    OK(exists("outside"), "abort does not follow the links");
    diag_free(d);
}

static void
test_replace_and_abort(void)
{
    diag *d = diag_new();
    /* the existing tree from test_write_and_commit, plus a link out of it */
    char link[512], target[512];
    snprintf(link, sizeof link, "%s/public/projects/link", base);
    snprintf(target, sizeof target, "%s/outside", base);
    OK(symlink(target, link) == 0, "old tree links outside");
    chmod(path_of("public"), 0750);

    output *o = output_begin(path_of("public"), d);
    OK(write_str(o, "index.html", "new home", d), "write");
    output_abort(o);
    FILE_EQ("public/index.html", "home");
    FILE_EQ("public/projects/x/index.html", "x");
    OK(find_tmp() == NULL, "abort leaves no temporary tree");

    o = output_begin(path_of("public/"), d); /* a trailing slash is fine */
    OK(write_str(o, "index.html", "new home", d), "write");
    OK(write_str(o, "news/n/index.html", "n", d), "write");
    OK(output_commit(o, d), "commit over an existing tree");
    INT_EQ(diag_error_count(d) + diag_warning_count(d), 0, "no diagnostics");
    FILE_EQ("public/index.html", "new home");
    FILE_EQ("public/news/n/index.html", "n");
    OK(!exists("public/projects"), "old contents gone");
    OK(!exists("public/a"), "old contents gone (deep)");
    FILE_EQ("outside/target", "precious");
    OK(find_tmp() == NULL, "old tree removed");
    INT_EQ(count_entries(base), 2, "base holds only public and outside");
    struct stat st;
    OK(stat(path_of("public"), &st) == 0 && (st.st_mode & 07777) == 0750,
       "mode of the old tree kept (%o)", st.st_mode & 07777);
    diag_free(d);
}

static void
test_refusals(void)
{
    diag *d = diag_new();
    OK(!output_begin("/", d), "refuse /");
    OK(!output_begin("///", d), "refuse ///");
    OK(!output_begin(".", d), "refuse .");
    OK(!output_begin("..", d), "refuse ..");
    OK(!output_begin("", d), "refuse empty");
    char cwd[512];
    OK(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
    OK(!output_begin(cwd, d), "refuse the current directory");
    int here = open(".", O_RDONLY | O_DIRECTORY);
    mkdir(path_of("public/inner"), 0755);
    OK(chdir(path_of("public/inner")) == 0, "chdir below public");
    OK(!output_begin(path_of("public"), d), "refuse a parent of the current directory");
    OK(!output_begin("../../public", d), "refuse it by a relative path too");
    OK(fchdir(here) == 0, "chdir back");
    close(here);
    rmdir(path_of("public/inner"));
    OK(diag_has(d, "it is the current directory or contains it"), "message");
    put_file("plain", "x");
    OK(!output_begin(path_of("plain"), d), "refuse a file");
    OK(diag_has(d, "exists and is not a directory"), "message for a file");
    char target[512];
    snprintf(target, sizeof target, "%s/public", base);
    OK(symlink(target, path_of("linked")) == 0, "make a link");
    OK(!output_begin(path_of("linked"), d), "refuse a symbolic link");
    OK(diag_has(d, "is a symbolic link"), "message for a link");
    OK(!output_begin(path_of("missing/public"), d), "missing parent");
    OK(diag_has(d, "cannot open"), "message for a missing parent");
    unlink(path_of("plain"));
    unlink(path_of("linked"));
    OK(find_tmp() == NULL, "no temporary tree left by refusals");
    diag_free(d);
}

/* {=== parallel writes ===*/

enum { THREADS = 4, FILES = 200 };
typedef struct job {
    output *o;
    diag *d;
    int id, failed;
} job;

static void *
writer(void *arg)
{
    job *j = arg;
    char rel[128], text[64];
    for (int i = 0; i < FILES; i++) {
        /* shared directories, created by whichever thread comes first */
        snprintf(rel, sizeof rel, "shared/d%d/e%d/t%d-%d.html", i % 10, i % 3, j->id, i);
        snprintf(text, sizeof text, "%d-%d", j->id, i);
        if (!write_str(j->o, rel, text, j->d))
            j->failed++;
    }
    /* every thread also tries one path that all of them write */
    snprintf(text, sizeof text, "%d", j->id);
    write_str(j->o, "contested.html", text, j->d);
    return NULL;
}

static void
test_parallel(void)
{
    diag *d = diag_new();
    output *o = output_begin(path_of("public"), d);
    pthread_t t[THREADS];
    job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (job){o, d, i, 0};
        pthread_create(&t[i], NULL, writer, &jobs[i]);
    }
    int failed = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        failed += jobs[i].failed;
    }
    INT_EQ(failed, 0, "every parallel write succeeded");
    INT_EQ(diag_error_count(d), THREADS - 1, "the contested path: one winner");
    OK(diag_has(d, "two pages write contested.html"), "contested message");
    OK(output_commit(o, d), "commit");
    int bad = 0;
    for (int id = 0; id < THREADS; id++)
        for (int i = 0; i < FILES; i++) {
            char rel[128], want[64];
            snprintf(rel, sizeof rel, "public/shared/d%d/e%d/t%d-%d.html", i % 10, i % 3, id, i);
            snprintf(want, sizeof want, "%d-%d", id, i);
            char *got = slurp(rel);
            bad += strcmp(got, want) != 0;
            free(got);
        }
    INT_EQ(bad, 0, "every file has its content");
    diag_free(d);
}

/* }=== */

static void
test_copy_tree(void)
{
    diag *d = diag_new();
    mkdir(path_of("cstatic"), 0755);
    mkdir(path_of("cstatic/css"), 0755);
    put_file("cstatic/a.txt", "content a");
    put_file("cstatic/css/site.css", "body{}");
    put_file("cstatic/page.html", "static page");
    char target[512];
    snprintf(target, sizeof target, "%s/outside/target", base);
    OK(symlink(target, path_of("cstatic/leak.txt")) == 0, "content link to a file");
    snprintf(target, sizeof target, "%s/outside", base);
    OK(symlink(target, path_of("cstatic/leakdir")) == 0, "content link to a directory");
    mkdir(path_of("tstatic"), 0755);
    mkdir(path_of("tstatic/css"), 0755);
    put_file("tstatic/a.txt", "theme a");
    put_file("tstatic/css/theme.css", "theme");
    put_file("tstatic/index.html", "theme index");

    output *o = output_begin(path_of("public"), d);
    OK(write_str(o, "index.html", "home", d), "page first");
    OK(output_copy_tree(o, path_of("cstatic"), "content/static", "", d), "copy content static");
    OK(!output_copy_tree(o, path_of("tstatic"), "themes/t/static", "", d),
       "theme static: its index.html collides with a page");
    OK(output_copy_tree(o, path_of("nope"), "content/nope", "", d), "missing folder: no-op");
    OK(output_copy_tree(o, path_of("cstatic/css"), "content/static/css", "assets/css", d),
       "copy under a prefix");
    OK(!write_str(o, "page.html", "generated", d), "a page after a static file collides");
    OK(output_commit(o, d), "commit");
    FILE_EQ("public/index.html", "home");
    FILE_EQ("public/a.txt", "content a");
    FILE_EQ("public/css/site.css", "body{}");
    FILE_EQ("public/css/theme.css", "theme");
    FILE_EQ("public/page.html", "static page");
    FILE_EQ("public/assets/css/site.css", "body{}");
    OK(!exists("public/leak.txt"), "file link not copied");
    OK(!exists("public/leakdir"), "directory link not copied");
    OK(diag_has(d, "content/static/leak.txt: warning: symbolic link not copied"), "link warning");
    OK(diag_has(d, "content/static/leakdir: warning: symbolic link not copied"), "dir warning");
    OK(diag_has(d, "themes/t/static/index.html: error: static file collides with a page at "
                   "index.html"),
       "collision reported at the static file");
    OK(diag_has(d, "content/static/page.html: error: static file collides with a page at "
                   "page.html"),
       "collision reported at the static file (page second)");
    INT_EQ(diag_error_count(d), 2, "two errors");
    diag_free(d);
}

int
main(void)
{
    snprintf(base, sizeof base, "/tmp/clinfolio-test-output-XXXXXX");
    if (!mkdtemp(base)) {
        perror("mkdtemp");
        return 2;
    }
    test_write_and_commit();
    test_bad_paths();
    test_symlinks();
    test_replace_and_abort();
    test_refusals();
    test_parallel();
    test_copy_tree();
    harness_rm_rf(base);
    return harness_done();
}
