/* SPDX-License-Identifier: MIT
 * test_output.c - the output tree: nested writes, rejected paths, planted symbolic
 * links, duplicate paths, parallel writes, static copies, atomic commit and abort,
 * where the output may go, the temporary trees of killed or interrupted builds, and the
 * files an incremental build carries over from the previous tree. */
#include "harness.h"

#include "buf.h"
#include "output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* output_begin with no guards and no --force */
static output *
begin(const char *out_dir, diag *d)
{
    return output_begin(&(output_options){out_dir, NULL, NULL, false, false}, d);
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
    output *o = begin(path_of("public"), d);
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
    output *o = begin(path_of("public"), d);
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
    output *o = begin(path_of("public"), d);
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
    /* and beneath it, where the missing directories are made from the deepest one there */
    OK(!write_str(o, "evil/deep/x.html", "pwned", d), "write beneath a directory link fails");
    OK(!exists("outside/deep"), "no directory made through it");
    OK(write_str(o, "n1/n2/n3/x.html", "x", d) && write_str(o, "n1/n2/y.html", "y", d) &&
           write_str(o, "n1/n2/n4/z.html", "z", d),
       "new directories made at any depth, beside ones there");
    /* a page's dir/index.html has dir made first (create_in_new_dir), never through a link */
    OK(!write_str(o, "evil/index.html", "pwned", d), "a page in a directory link fails");
    OK(!write_str(o, "evil/deep/index.html", "pwned", d), "a page beneath a directory link fails");
    OK(!exists("outside/index.html") && !exists("outside/deep"), "nothing made through the link");
    OK(write_str(o, "m1/m2/m3/index.html", "3", d) && write_str(o, "m1/m2/index.html", "2", d) &&
           write_str(o, "m1/m2/m4/index.html", "4", d) && write_str(o, "m1/index.html", "1", d) &&
           write_str(o, "index.html", "0", d),
       "pages in new folders at any depth, in folders there, and at the root");
    char page[512];
    snprintf(page, sizeof page, "%s/m1/m2/m4/index.html", tmp);
    FILE_EQ(page, "4");
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
    OK(!write_str(o, "ok/index.html", "pwned", d), "a page in a swapped directory fails");
    OK(!exists("outside/index.html"), "no page written through the swapped directory");
    INT_EQ(diag_error_count(d), 7, "seven errors");
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

    output *o = begin(path_of("public"), d);
    OK(write_str(o, "index.html", "new home", d), "write");
    output_abort(o);
    FILE_EQ("public/index.html", "home");
    FILE_EQ("public/projects/x/index.html", "x");
    OK(find_tmp() == NULL, "abort leaves no temporary tree");

    o = begin(path_of("public/"), d); /* a trailing slash is fine */
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
    OK(!begin("/", d), "refuse /");
    OK(!begin("///", d), "refuse ///");
    OK(!begin(".", d), "refuse .");
    OK(!begin("..", d), "refuse ..");
    OK(!begin("", d), "refuse empty");
    char cwd[512];
    OK(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
    OK(!begin(cwd, d), "refuse the current directory");
    int here = open(".", O_RDONLY | O_DIRECTORY);
    mkdir(path_of("public/inner"), 0755);
    OK(chdir(path_of("public/inner")) == 0, "chdir below public");
    OK(!begin(path_of("public"), d), "refuse a parent of the current directory");
    OK(!begin("../../public", d), "refuse it by a relative path too");
    OK(fchdir(here) == 0, "chdir back");
    close(here);
    rmdir(path_of("public/inner"));
    OK(diag_has(d, "it is the current directory or contains it"), "message");
    put_file("plain", "x");
    OK(!begin(path_of("plain"), d), "refuse a file");
    OK(diag_has(d, "exists and is not a directory"), "message for a file");
    char target[512];
    snprintf(target, sizeof target, "%s/public", base);
    OK(symlink(target, path_of("linked")) == 0, "make a link");
    OK(!begin(path_of("linked"), d), "refuse a symbolic link");
    OK(diag_has(d, "is a symbolic link"), "message for a link");
    OK(!begin(path_of("missing/public"), d), "missing parent");
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

/* Runs fn on THREADS threads at once, all on o; the number of writes that failed. */
static int
run_threads(void *(*fn)(void *), output *o, diag *d)
{
    pthread_t t[THREADS];
    job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (job){o, d, i, 0};
        pthread_create(&t[i], NULL, fn, &jobs[i]);
    }
    int failed = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        failed += jobs[i].failed;
    }
    return failed;
}

static void
test_parallel(void)
{
    diag *d = diag_new();
    output *o = begin(path_of("public"), d);
    INT_EQ(run_threads(writer, o, d), 0, "every parallel write succeeded");
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

    output *o = begin(path_of("public"), d);
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

/* issue 8: clinfolio check claims every path in a dry tree, with the errors of a real one,
 * and writes nothing anywhere */
static void
test_dry(void)
{
    diag *d = diag_new();
    int before = count_entries(base);
    output *o = output_begin_dry();
    OK(write_str(o, "index.html", "home", d), "a page");
    OK(!write_str(o, "index.html", "again", d), "the same path twice");
    OK(!write_str(o, ".clinfolio-output", "x", d), "the marker's path is taken, as in a tree");
    OK(output_copy_tree(o, path_of("cstatic/css"), "content/static/css", "css", d),
       "static files are read and claimed");
    OK(!output_copy_tree(o, path_of("tstatic"), "themes/t/static", "", d),
       "a static file on a page's path");
    OK(!write_str(o, "css/site.css", "generated", d), "a page on a static file's path");
    OK(!write_str(o, "../up.html", "x", d), "a path outside the tree");
    OK(output_commit(o, d), "commit succeeds");
    INT_EQ(count_entries(base), before, "nothing created");
    OK(diag_has(d, "clinfolio: error: two pages write index.html"), "two pages");
    OK(diag_has(d, "themes/t/static/index.html: error: static file collides with a page at "
                   "index.html"),
       "static after a page");
    OK(diag_has(d, "content/static/css/site.css: error: static file collides with a page at "
                   "css/site.css"),
       "page after a static file");
    OK(diag_has(d, "clinfolio: error: cannot write '../up.html' to the output folder: "),
       "a bad path names the output folder");
    INT_EQ(diag_error_count(d), 5, "five errors");
    diag_free(d);
    output_abort(output_begin_dry()); /* abort frees it too */
}

/* {=== where the output may go (issue #7: -o deleted the site, a home folder, anything) ===*/

static void
test_guards(void)
{
    diag *d = diag_new();
    /* a site: site/content/projects, site/themes/t, site/templates */
    mkdir(path_of("site"), 0755);
    mkdir(path_of("site/content"), 0755);
    mkdir(path_of("site/content/projects"), 0755);
    mkdir(path_of("site/themes"), 0755);
    mkdir(path_of("site/themes/t"), 0755);
    put_file("site/site.yaml", "title: x\n");
    put_file("site/content/projects/p.md", "precious");
    char root[512], content[512], themes[512], templates[512], theme[512];
    snprintf(root, sizeof root, "%s/site", base);
    snprintf(content, sizeof content, "%s/site/content", base);
    snprintf(themes, sizeof themes, "%s/site/themes", base);
    snprintf(templates, sizeof templates, "%s/site/templates", base);
    snprintf(theme, sizeof theme, "%s/site/themes/t", base);
    const output_guard above[] = {{root, "the site folder"}, {NULL, NULL}};
    const output_guard near[] = {{content, "the site's content folder"},
                                 {themes, "the site's themes folder"},
                                 {templates, "the site's templates folder"},
                                 {theme, "the theme's folder"},
                                 {NULL, NULL}};
    static const struct {
        const char *rel, *why;
    } refused[] = {
        {"site", "it is the site folder or contains it"},
        {".", "it would replace the current directory"},
        {"site/content", "it is the site's content folder or lies inside it"},
        {"site/content/projects", "it is the site's content folder or lies inside it"},
        {"site/content/new", "it is the site's content folder or lies inside it"},
        {"site/themes/t", "it is the site's themes folder or lies inside it"},
        {"site/templates", "it is the site's templates folder or lies inside it"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        for (int force = 0; force < 2; force++) {
            diag *d1 = diag_new();
            output_options oo = {path_of(refused[i].rel), above, near, force, false};
            output *o = output_begin(&oo, d1);
            OK(!o, "refused%s: %s", force ? " with --force" : "", refused[i].rel);
            OK(diag_has(d1, refused[i].why), "why %s is refused", refused[i].rel);
            output_abort(o);
            diag_free(d1);
        }
    }
    /* the site's ancestor, by a path that goes through a symbolic link */
    char link[512];
    snprintf(link, sizeof link, "%s/site-link", base);
    OK(symlink(root, link) == 0, "link to the site");
    output_options oo = {base, above, near, true, false};
    OK(!output_begin(&oo, d), "the folder holding the site is refused");
    oo.out_dir = path_of("site-link/content");
    OK(!output_begin(&oo, d), "content/ through a link to the site is refused");
    /* the theme in use, wherever it is */
    char elsewhere_theme[512];
    snprintf(elsewhere_theme, sizeof elsewhere_theme, "%s/elsewhere/theme", base);
    const output_guard near_theme[] = {{elsewhere_theme, "the theme's folder"}, {NULL, NULL}};
    mkdir(path_of("elsewhere"), 0755);
    mkdir(path_of("elsewhere/theme"), 0755);
    oo = (output_options){path_of("elsewhere/theme/static"), NULL, near_theme, true, false};
    OK(!output_begin(&oo, d), "a folder inside the theme is refused");
    OK(diag_has(d, "it is the theme's folder or lies inside it"), "message for the theme");
    oo.out_dir = path_of("elsewhere");
    OK(!output_begin(&oo, d), "a folder holding the theme is refused");
    OK(diag_has(d, "it contains the theme's folder"), "message for a folder holding the theme");
    FILE_EQ("site/content/projects/p.md", "precious");
    OK(find_tmp() == NULL, "no temporary tree left by refusals");

    /* a public/ beside the sources is fine */
    oo = (output_options){path_of("site/public"), above, near, false, false};
    output *o = output_begin(&oo, d);
    OK(o != NULL, "site/public is fine");
    OK(o && output_commit(o, d), "commit site/public");
    FILE_EQ("site/public/" OUTPUT_MARKER, "This folder was generated by clinfolio. Every build "
                                          "replaces all of it: keep nothing of your own here.\n");
    unlink(link);
    harness_rm_rf(path_of("site"));
    harness_rm_rf(path_of("elsewhere"));
    diag_free(d);
}

static void
test_home(void)
{
    diag *d = diag_new();
    mkdir(path_of("home"), 0755);
    mkdir(path_of("home/.ssh"), 0700);
    put_file("home/.ssh/id_ed25519", "secret");
    char *saved = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", path_of("home"), 1);
    output_options oo = {path_of("home"), NULL, NULL, true, false};
    OK(!output_begin(&oo, d), "the home folder is refused, even with --force");
    OK(diag_has(d, "it is your home directory or contains it"), "message for home");
    oo.out_dir = base;
    OK(!output_begin(&oo, d), "a folder holding the home folder is refused");
    oo.out_dir = path_of("home/public");
    output *o = output_begin(&oo, d);
    OK(o != NULL, "a folder inside home is fine");
    output_abort(o);
    FILE_EQ("home/.ssh/id_ed25519", "secret");
    if (saved)
        setenv("HOME", saved, 1);
    else
        unsetenv("HOME");
    free(saved);
    harness_rm_rf(path_of("home"));
    diag_free(d);
}

/* An existing folder is replaced only when empty or marked, or with --force. */
static void
test_marker(void)
{
    diag *d = diag_new();
    mkdir(path_of("mine"), 0755);
    put_file("mine/thesis.docx", "years of work");
    char mine[512], empty[512];
    snprintf(mine, sizeof mine, "%s/mine", base);
    snprintf(empty, sizeof empty, "%s/empty", base);
    output_options oo = {mine, NULL, NULL, false, false};
    OK(!output_begin(&oo, d), "a folder with files and no marker is refused");
    OK(diag_has(d, "refusing to replace"), "message");
    OK(diag_has(d, "has no .clinfolio-output file"), "message names the marker");
    FILE_EQ("mine/thesis.docx", "years of work");
    /* a marker that is a directory or a link does not count */
    mkdir(path_of("mine/" OUTPUT_MARKER), 0755);
    OK(!output_begin(&oo, d), "a marker that is a directory does not count");
    rmdir(path_of("mine/" OUTPUT_MARKER));
    char target[512];
    snprintf(target, sizeof target, "%s/mine/thesis.docx", base);
    OK(symlink(target, path_of("mine/" OUTPUT_MARKER)) == 0, "a marker link");
    OK(!output_begin(&oo, d), "a marker that is a symbolic link does not count");
    unlink(path_of("mine/" OUTPUT_MARKER));
    /* --force replaces it */
    oo.force = true;
    output *o = output_begin(&oo, d);
    OK(o != NULL, "--force accepts it");
    OK(o && write_str(o, "index.html", "site", d) && output_commit(o, d), "commit with --force");
    OK(!exists("mine/thesis.docx"), "replaced");
    FILE_EQ("mine/index.html", "site");
    /* now it carries the marker: no --force needed */
    oo.force = false;
    o = output_begin(&oo, d);
    OK(o != NULL, "a marked folder is accepted");
    OK(o && output_commit(o, d), "commit");
    /* an empty folder is fine */
    mkdir(path_of("empty"), 0755);
    oo.out_dir = empty;
    o = output_begin(&oo, d);
    OK(o != NULL, "an empty folder is accepted");
    OK(o && output_commit(o, d), "commit into the empty folder");
    OK(exists("empty/" OUTPUT_MARKER), "marker written");
    INT_EQ(diag_error_count(d), 3, "three refusals");
    harness_rm_rf(path_of("mine"));
    harness_rm_rf(path_of("empty"));
    diag_free(d);
}

/* }=== */

/* {=== temporary trees of builds that did not finish ===*/

/* unlinkat, wrapped (-Wl,--wrap=unlinkat): the process ends after this many more calls
 * when it is >= 0, as a build killed while it removes a tree would */
int __real_unlinkat(int dir, const char *name, int flags);
int __wrap_unlinkat(int dir, const char *name, int flags);
static int unlinks_left = -1;

int
__wrap_unlinkat(int dir, const char *name, int flags)
{
    if (unlinks_left == 0)
        _exit(3);
    if (unlinks_left > 0)
        unlinks_left--;
    return __real_unlinkat(dir, name, flags);
}

/* Runs fn in a child process; its exit status. */
static int
in_child(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void
killed_while_rendering(void)
{
    diag *d = diag_new();
    output *o = begin(path_of("public"), d);
    write_str(o, "index.html", "half", d);
    _exit(o ? 0 : 1); /* no abort: as SIGKILL would */
}

static void
killed_while_removing_the_old_tree(void)
{
    diag *d = diag_new();
    output *o = begin(path_of("public"), d);
    write_str(o, "index.html", "newer", d);
    unlinks_left = 5; /* dies a few files into removing the old tree */
    output_commit(o, d);
    _exit(1);
}

static void
interrupted(void)
{
    diag *d = diag_new();
    output *o = begin(path_of("public"), d);
    write_str(o, "index.html", "interrupted", d);
    output_remove_temporaries(); /* what a signal does */
    _exit(o ? 0 : 1);
}

static void
test_leftovers(void)
{
    diag *d = diag_new();
    /* a previous output with enough files that its removal can be cut short */
    output *o = begin(path_of("public"), d);
    char rel[64];
    for (int i = 0; i < 50; i++) {
        snprintf(rel, sizeof rel, "p/%d/index.html", i);
        write_str(o, rel, "old", d);
    }
    write_str(o, "index.html", "old", d);
    OK(output_commit(o, d), "a previous output");

    INT_EQ(in_child(killed_while_rendering), 0, "a build killed while rendering");
    OK(find_tmp() != NULL, "it left its temporary tree");
    char *left = find_tmp();
    OK(left && strstr(left, ".tmp-") && strchr(strstr(left, ".tmp-") + 5, '-'),
       "the name holds the pid: %s", left ? left : "(none)");
    struct stat st;
    OK(stat(path_of(left ? left : "?"), &st) == 0 && (st.st_mode & 07777) == 0700,
       "the leftover is private (0700)");
    /* a folder that only looks like one, with files and no marker, is not ours */
    mkdir(path_of(".public.tmp-1-abcdef"), 0755);
    put_file(".public.tmp-1-abcdef/notes.txt", "mine");

    o = begin(path_of("public"), d);
    OK(o != NULL, "the next build starts");
    OK(count_entries(base) >= 1, "entries");
    INT_EQ(diag_error_count(d) + diag_warning_count(d), 0, "no diagnostics");
    output_abort(o);
    OK(find_tmp() != NULL && strcmp(find_tmp(), ".public.tmp-1-abcdef") == 0,
       "the killed build's tree is gone, the look-alike stays");
    FILE_EQ(".public.tmp-1-abcdef/notes.txt", "mine");
    harness_rm_rf(path_of(".public.tmp-1-abcdef"));
    FILE_EQ("public/index.html", "old");

    /* killed after the swap, while removing the old tree: the new site is in place,
     * the half-removed old one is closed to readers and removed by the next build */
    INT_EQ(in_child(killed_while_removing_the_old_tree), 3, "killed while removing");
    FILE_EQ("public/index.html", "newer");
    left = find_tmp();
    OK(left != NULL, "the old tree is left half-removed");
    OK(left && stat(path_of(left), &st) == 0 && (st.st_mode & 07777) == 0700,
       "its permissions were closed first (%o)", st.st_mode & 07777);
    char marker[300];
    snprintf(marker, sizeof marker, "%s/%s", left ? left : "?", OUTPUT_MARKER);
    OK(exists(marker), "its marker goes last, so it is still recognised");
    o = begin(path_of("public"), d);
    OK(find_tmp() && o, "next build");
    output_abort(o);
    OK(find_tmp() == NULL, "the next build removed the half-removed tree");

    /* a live build's tree is left alone */
    int ready[2], go[2];
    OK(pipe(ready) == 0 && pipe(go) == 0, "pipes");
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        diag *cd = diag_new();
        output *co = begin(path_of("public"), cd);
        char c = co ? 'y' : 'n';
        ssize_t w = write(ready[1], &c, 1);
        ssize_t r = read(go[0], &c, 1); /* hold the tree until the parent says */
        output_abort(co);
        _exit(w == 1 && r == 1 ? 0 : 1);
    }
    char c = 0;
    OK(read(ready[0], &c, 1) == 1 && c == 'y', "a concurrent build started");
    o = begin(path_of("public"), d);
    OK(o != NULL, "a second build starts beside it");
    int trees = 0;
    DIR *dp = opendir(base);
    struct dirent *de;
    while (dp && (de = readdir(dp)))
        trees += strncmp(de->d_name, ".public.tmp-", 12) == 0;
    closedir(dp);
    INT_EQ(trees, 2, "the live build's tree was not taken for a leftover");
    output_abort(o);
    OK(write(go[1], "x", 1) == 1, "release the other build");
    int status;
    waitpid(pid, &status, 0);
    OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the other build ended well");
    OK(find_tmp() == NULL, "no tree left");
    close(ready[0]);
    close(ready[1]);
    close(go[0]);
    close(go[1]);

    /* what a signal does: the temporary tree goes, the output stays */
    INT_EQ(in_child(interrupted), 0, "interrupted build");
    OK(find_tmp() == NULL, "output_remove_temporaries removed the tree");
    FILE_EQ("public/index.html", "newer");
    diag_free(d);
}

/* `clinfolio serve`'s private folder: registered, it goes with the temporary trees when
 * a signal ends the process (the build inside it included); forgotten, it stays. */
static void
serve_interrupted(void)
{
    diag *d = diag_new();
    output_set_private_dir(path_of("private"));
    output *o = begin(path_of("private/site"), d);
    write_str(o, "index.html", "being built", d);
    output_remove_temporaries(); /* what a signal does */
    _exit(o ? 0 : 1);
}

static void
serve_forgotten(void)
{
    output_set_private_dir(path_of("kept"));
    output_set_private_dir(NULL);
    output_remove_temporaries();
    _exit(0);
}

static void
test_private_dir(void)
{
    struct stat st;
    OK(mkdir(path_of("private"), 0700) == 0, "mkdir private");
    harness_write_file(base, "private/site/index.html", "the last good build");
    harness_write_file(base, "private/site/" OUTPUT_MARKER, "");
    harness_write_file(base, "private/site/deep/er/x.css", "x");
    INT_EQ(in_child(serve_interrupted), 0, "a signal while serve builds");
    OK(lstat(path_of("private"), &st) != 0 && errno == ENOENT, "the private folder is gone");
    harness_write_file(base, "kept/a.txt", "a");
    INT_EQ(in_child(serve_forgotten), 0, "a forgotten private folder");
    OK(lstat(path_of("kept/a.txt"), &st) == 0, "a forgotten folder is left alone");
}

/* }=== */

/* {=== incremental builds (issue #10): files carried over from the previous tree ===*/

/* The identity of base/rel (lstat), zeros when it is missing. */
static output_file_id
id_of(const char *rel)
{
    struct stat st;
    if (lstat(path_of(rel), &st) != 0)
        return (output_file_id){0, 0, 0, 0, 0};
    return (output_file_id){st.st_dev, st.st_ino, (uint64_t)st.st_size, st.st_mtim.tv_sec,
                            st.st_mtim.tv_nsec};
}

static bool
id_eq(output_file_id a, output_file_id b)
{
    return a.dev == b.dev && a.ino == b.ino && a.size == b.size && a.mtime_sec == b.mtime_sec &&
           a.mtime_nsec == b.mtime_nsec;
}

static uint64_t
ino_of(const char *rel)
{
    return id_of(rel).ino;
}

/* The number of entries of base/dir whose name starts with prefix (temporary trees). */
static int
count_prefixed(const char *dir, const char *prefix)
{
    int n = 0;
    DIR *dp = opendir(path_of(dir));
    struct dirent *de;
    while (dp && (de = readdir(dp)))
        n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
    if (dp)
        closedir(dp);
    return n;
}

static int
diag_count(diag *d)
{
    return (int)(diag_error_count(d) + diag_warning_count(d));
}

static void
test_keep(void)
{
    diag *d = diag_new();
    char out[512];
    snprintf(out, sizeof out, "%s/inc/public", base);
    mkdir(path_of("inc"), 0755);
    harness_write_file(base, "inc/static/sub/g.html", "static g");

    /* the first build: there is no previous tree */
    output *o = begin(out, d);
    output_file_id id = {1, 1, 1, 1, 1};
    OK(!output_keep(o, "a.html", NULL, &id, d), "first build: nothing to keep");
    OK(write_str(o, "a.html", "A", d), "a.html written instead: keep claimed nothing");
    OK(write_str(o, "b/c.html", "C", d), "write b/c.html");
    OK(write_str(o, "d.html", "D", d), "write d.html");
    OK(write_str(o, "e.html", "E", d), "write e.html");
    OK(write_str(o, "f.html", "F", d), "write f.html");
    OK(write_str(o, "sub/g.html", "G", d), "write sub/g.html");
    OK(output_commit(o, d), "commit the first build");
    INT_EQ(diag_count(d), 0, "no diagnostics");

    output_file_id a0 = id_of("inc/public/a.html"), c0 = id_of("inc/public/b/c.html"),
                   d0 = id_of("inc/public/d.html"), e0 = id_of("inc/public/e.html"),
                   f0 = id_of("inc/public/f.html");
    o = begin(out, d);
    OK(output_keep(o, "a.html", &a0, &id, d), "keep a.html as it was");
    OK(id_eq(id, a0), "id_out is the old file's identity");
    OK(output_keep(o, "b/c.html", NULL, NULL, d), "keep without expect, creating b/");
    output_file_id bad = d0;
    bad.size++;
    OK(!output_keep(o, "d.html", &bad, &id, d), "another size: not kept");
    bad = e0;
    bad.ino++;
    OK(!output_keep(o, "e.html", &bad, &id, d), "another inode: not kept");
    bad = f0;
    bad.mtime_nsec = (bad.mtime_nsec + 1) % 1000000000;
    OK(!output_keep(o, "f.html", &bad, &id, d), "another mtime (nanoseconds): not kept");
    bad = f0;
    bad.mtime_sec--;
    OK(!output_keep(o, "f.html", &bad, &id, d), "another mtime (seconds): not kept");
    bad = f0;
    bad.dev++;
    OK(!output_keep(o, "f.html", &bad, &id, d), "another device: not kept");
    OK(!output_keep(o, "missing.html", NULL, &id, d), "a missing file: not kept");
    OK(!output_keep(o, "b", NULL, &id, d), "a directory: not kept");
    OK(!output_keep(o, "../public/f.html", NULL, &id, d), "a bad path: not kept");
    OK(!output_keep(o, "a.html", NULL, &id, d), "a path kept already: not kept again");
    INT_EQ(diag_count(d), 0, "a keep that fails reports nothing");
    OK(write_str(o, "d.html", "D2", d), "d.html: the failed keep claimed nothing");
    OK(write_str(o, "e.html", "E", d), "e.html: the failed keep claimed nothing");
    OK(write_str(o, "f.html", "F", d), "f.html: the failed keeps claimed nothing");
    OK(!write_str(o, "a.html", "A", d), "a kept path collides with a write");
    OK(diag_has(d, "clinfolio: error: two pages write a.html"), "reported like two writes");
    OK(output_keep(o, "sub/g.html", NULL, NULL, d), "keep sub/g.html");
    OK(!output_copy_tree(o, path_of("inc/static"), "content/static", "", d),
       "a static file on a kept page's path");
    OK(diag_has(d, "content/static/sub/g.html: error: static file collides with a page at "
                   "sub/g.html"),
       "reported like a static file after a write");
    INT_EQ(diag_error_count(d), 2, "two errors");
    OK(output_commit(o, d), "commit");
    OK(id_eq(id_of("inc/public/a.html"), a0), "a.html: the same inode and mtime after the commit");
    OK(id_eq(id_of("inc/public/b/c.html"), c0), "b/c.html: the same inode and mtime");
    FILE_EQ("inc/public/a.html", "A");
    FILE_EQ("inc/public/d.html", "D2");
    OK(ino_of("inc/public/d.html") != d0.ino, "d.html is a new file");
    FILE_EQ("inc/public/sub/g.html", "G");
    INT_EQ(count_prefixed("inc", ".public."), 0, "no temporary tree left");

    /* a dry tree keeps nothing */
    diag *dd = diag_new();
    o = output_begin_dry();
    OK(!output_keep(o, "a.html", NULL, &id, dd), "a dry tree keeps nothing");
    OK(write_str(o, "a.html", "A", dd), "and claims nothing");
    INT_EQ(diag_count(dd), 0, "no diagnostics");
    output_commit(o, dd);
    diag_free(dd);
    diag_free(d);
}

/* Symbolic links in the previous tree are never followed nor carried over. */
static void
test_keep_symlinks(void)
{
    diag *d = diag_new();
    char out[512], target[512], link[512];
    snprintf(out, sizeof out, "%s/inc/public", base);
    harness_write_file(base, "inc/outside/target", "precious");
    harness_write_file(base, "inc/outside/t.html", "precious too");
    snprintf(target, sizeof target, "%s/inc/outside", base);
    snprintf(link, sizeof link, "%s/inc/public/lnk", base);
    OK(symlink(target, link) == 0, "a link to a folder outside, in the previous tree");
    snprintf(target, sizeof target, "%s/inc/outside/target", base);
    snprintf(link, sizeof link, "%s/inc/public/flink.html", base);
    OK(symlink(target, link) == 0, "a link to a file outside, in the previous tree");
    OK(symlink("a.html", path_of("inc/public/rel.html")) == 0, "a relative link in it");

    output *o = begin(out, d);
    output_file_id id;
    OK(!output_keep(o, "lnk/target", NULL, &id, d), "not through a linked folder");
    OK(!output_keep(o, "lnk/t.html", NULL, &id, d), "not through a linked folder (2)");
    OK(!output_keep(o, "flink.html", NULL, &id, d), "not a link to a file");
    OK(!output_keep(o, "rel.html", NULL, &id, d), "not a relative link");
    OK(output_write_id(o, "flink.html", "precious", 8, &id, d),
       "the link's target has the same bytes: written, not linked");
    OK(id.ino != ino_of("inc/outside/target"), "a file of its own");
    OK(!exists("inc/outside/flink.html"), "nothing created outside");
    INT_EQ(count_entries(path_of("inc/outside")), 2, "the outside folder is as it was");
    struct stat st;
    OK(lstat(path_of("inc/outside/target"), &st) == 0 && st.st_nlink == 1,
       "the outside file was never linked (%ld links)", (long)st.st_nlink);
    OK(lstat(path_of("inc/outside/t.html"), &st) == 0 && st.st_nlink == 1,
       "the other outside file was never linked");
    OK(write_str(o, "lnk/target", "new", d), "lnk/target is written instead");
    OK(write_str(o, "rel.html", "new", d), "rel.html is written instead");
    INT_EQ(diag_count(d), 0, "no diagnostics");
    output_abort(o);
    FILE_EQ("inc/outside/target", "precious");
    FILE_EQ("inc/outside/t.html", "precious too");
    unlink(path_of("inc/public/lnk"));
    unlink(path_of("inc/public/flink.html"));
    unlink(path_of("inc/public/rel.html"));

    /* a folder without the marker (replaced with --force) is no previous tree */
    harness_write_file(base, "inc/mine/a.html", "A");
    char mine[512];
    snprintf(mine, sizeof mine, "%s/inc/mine", base);
    o = output_begin(&(output_options){mine, NULL, NULL, true, false}, d);
    OK(o != NULL, "--force");
    OK(!output_keep(o, "a.html", NULL, &id, d), "nothing is kept from a folder without a marker");
    uint64_t mine_a = ino_of("inc/mine/a.html");
    OK(write_str(o, "a.html", "A", d), "write it");
    OK(output_commit(o, d), "commit");
    OK(ino_of("inc/mine/a.html") != mine_a, "a.html was written, not linked");
    harness_rm_rf(path_of("inc/mine"));
    diag_free(d);
}

/* output_write_id and static copies link a previous file with the same bytes. */
static void
test_write_identical(void)
{
    diag *d = diag_new();
    char out[512];
    snprintf(out, sizeof out, "%s/inc/public", base);
    harness_write_file(base, "inc/static2/s.css", "body{}");
    harness_write_file(base, "inc/static2/t.css", "old");
    output *o = begin(out, d);
    OK(output_copy_tree(o, path_of("inc/static2"), "content/static", "css", d), "copy");
    OK(write_str(o, "a.html", "A", d), "a.html");
    OK(write_str(o, "d.html", "D2", d), "d.html");
    OK(write_str(o, "e.html", "E", d), "e.html");
    OK(output_write(o, "empty.html", "", 0, d), "empty.html");
    OK(output_commit(o, d), "commit");
    output_file_id a0 = id_of("inc/public/a.html"), d0 = id_of("inc/public/d.html"),
                   e0 = id_of("inc/public/e.html"), s0 = id_of("inc/public/css/s.css"),
                   t0 = id_of("inc/public/css/t.css"), z0 = id_of("inc/public/empty.html");
    /* the same bytes, but the previous file's permissions are not a new file's */
    OK(chmod(path_of("inc/public/e.html"), 0600) == 0, "e.html gets other permissions");
    o = begin(out, d);
    OK(output_copy_tree(o, path_of("inc/static2"), "content/static", "css", d), "copy");
    OK(write_str(o, "a.html", "A", d) && write_str(o, "d.html", "D2", d) &&
           write_str(o, "e.html", "E", d) && output_write(o, "empty.html", "", 0, d),
       "the same bytes again");
    OK(output_commit(o, d), "commit");
    OK(ino_of("inc/public/e.html") != e0.ino, "e.html is written again, not linked");
    struct stat st;
    OK(stat(path_of("inc/public/e.html"), &st) == 0 && (st.st_mode & 0777) != 0600,
       "with a new file's permissions (%o)", st.st_mode & 0777);
    OK(id_eq(id_of("inc/public/a.html"), a0), "a.html is linked");
    e0 = id_of("inc/public/e.html");
    harness_write_file(base, "inc/static2/t.css", "new");

    o = begin(out, d);
    output_file_id ida, idd, ide, idz;
    OK(output_write_id(o, "a.html", "A", 1, &ida, d), "the same bytes");
    OK(id_eq(ida, a0), "id_out: the previous file's identity");
    OK(output_write_id(o, "d.html", "D3", 2, &idd, d), "other bytes, the same length");
    OK(output_write_id(o, "e.html", "E but longer", 12, &ide, d), "another length");
    OK(output_write_id(o, "empty.html", "", 0, &idz, d), "empty, again");
    OK(output_copy_tree(o, path_of("inc/static2"), "content/static", "css", d), "copy again");
    INT_EQ(diag_count(d), 0, "no diagnostics");
    OK(output_commit(o, d), "commit");
    OK(id_eq(id_of("inc/public/a.html"), a0), "a.html: same inode and mtime");
    OK(id_eq(id_of("inc/public/empty.html"), z0), "empty.html: same inode and mtime");
    OK(id_eq(idz, z0), "empty.html: id_out");
    OK(id_eq(id_of("inc/public/css/s.css"), s0), "static s.css: same inode and mtime");
    FILE_EQ("inc/public/d.html", "D3");
    FILE_EQ("inc/public/e.html", "E but longer");
    FILE_EQ("inc/public/css/t.css", "new");
    OK(ino_of("inc/public/d.html") != d0.ino, "d.html: a new inode");
    OK(ino_of("inc/public/e.html") != e0.ino, "e.html: a new inode");
    OK(ino_of("inc/public/css/t.css") != t0.ino, "static t.css: a new inode");
    OK(id_eq(idd, id_of("inc/public/d.html")), "id_out of a written file");
    OK(id_eq(ide, id_of("inc/public/e.html")), "id_out of a written file (2)");
    diag_free(d);
}

/* Writes the files of one build into inc/seq; a "-" content leaves the file out. */
static bool
seq_build(const char *a, const char *c, const char *dd, bool *unchanged, diag *d)
{
    char out[512];
    snprintf(out, sizeof out, "%s/inc/seq", base);
    output *o = begin(out, d);
    if (!o)
        return false;
    bool ok = true;
    if (strcmp(a, "-") != 0)
        ok &= write_str(o, "a", a, d);
    if (strcmp(c, "-") != 0)
        ok &= write_str(o, "b/c", c, d);
    if (strcmp(dd, "-") != 0)
        ok &= write_str(o, "d", dd, d);
    ok &= output_copy_tree(o, path_of("inc/static3"), "content/static", "", d);
    return output_commit_status(o, unchanged, d) && ok;
}

static void
test_unchanged(void)
{
    diag *d = diag_new();
    harness_write_file(base, "inc/static3/s/s.css", "css");
    bool unchanged = true;
    OK(seq_build("A", "C", "D", &unchanged, d), "build 1");
    OK(!unchanged, "the first build changes the output");
    struct stat st0, st;
    OK(stat(path_of("inc/seq"), &st0) == 0, "stat seq");
    uint64_t b0 = ino_of("inc/seq/b"), s0 = ino_of("inc/seq/s");
    output_file_id a0 = id_of("inc/seq/a"), c0 = id_of("inc/seq/b/c"),
                   m0 = id_of("inc/seq/" OUTPUT_MARKER);

    OK(seq_build("A", "C", "D", &unchanged, d), "build 2: the same files");
    OK(unchanged, "build 2 leaves the output unchanged");
    OK(stat(path_of("inc/seq"), &st) == 0 && st.st_ino == st0.st_ino,
       "the output folder is the same folder");
    OK(st.st_mtim.tv_sec == st0.st_mtim.tv_sec && st.st_mtim.tv_nsec == st0.st_mtim.tv_nsec,
       "the output folder's mtime is untouched");
    OK(ino_of("inc/seq/b") == b0 && ino_of("inc/seq/s") == s0, "its folders are the same");
    OK(id_eq(id_of("inc/seq/a"), a0) && id_eq(id_of("inc/seq/b/c"), c0), "its files are the same");
    OK(id_eq(id_of("inc/seq/" OUTPUT_MARKER), m0), "the marker is the same file");
    INT_EQ(count_prefixed("inc", ".seq."), 0, "the temporary tree is gone");
    struct stat sa;
    OK(lstat(path_of("inc/seq/a"), &sa) == 0 && sa.st_nlink == 1, "a has one link again");

    OK(seq_build("A", "C", "-", &unchanged, d), "build 3: one file fewer");
    OK(!unchanged, "build 3 changes the output");
    OK(!exists("inc/seq/d"), "d is gone");
    OK(stat(path_of("inc/seq"), &st) == 0 && st.st_ino != st0.st_ino, "swapped");
    OK(id_eq(id_of("inc/seq/a"), a0) && id_eq(id_of("inc/seq/b/c"), c0),
       "the unchanged files keep their inodes");

    OK(seq_build("A2", "C", "-", &unchanged, d), "build 4: a changes");
    OK(!unchanged, "build 4 changes the output");
    FILE_EQ("inc/seq/a", "A2");
    OK(ino_of("inc/seq/a") != a0.ino, "a is a new file");
    OK(id_eq(id_of("inc/seq/b/c"), c0), "b/c keeps its inode and mtime");

    OK(seq_build("A2", "C", "D", &unchanged, d), "build 5: a file more");
    OK(!unchanged, "build 5 changes the output");
    FILE_EQ("inc/seq/d", "D");

    /* the same files, but the previous tree has something a build would not make */
    OK(mkdir(path_of("inc/seq/extra"), 0755) == 0, "an empty folder in the output");
    OK(seq_build("A2", "C", "D", &unchanged, d), "build 6");
    OK(!unchanged && !exists("inc/seq/extra"), "the folder is removed by a swap");
    OK(symlink("a", path_of("inc/seq/l")) == 0, "a symbolic link in the output");
    OK(seq_build("A2", "C", "D", &unchanged, d), "build 7");
    OK(!unchanged && !exists("inc/seq/l"), "the link is removed by a swap");
    OK(chmod(path_of("inc/seq/b"), 0700) == 0, "a folder with other permissions");
    OK(seq_build("A2", "C", "D", &unchanged, d), "build 8");
    OK(!unchanged, "its permissions are reset by a swap");
    OK(stat(path_of("inc/seq/b"), &st) == 0 && (st.st_mode & 0777) != 0700, "reset");
    harness_write_file(base, "inc/seq/b/new", "x");
    OK(seq_build("A2", "C", "D", &unchanged, d), "build 9");
    OK(!unchanged && !exists("inc/seq/b/new"), "a file added by hand is removed by a swap");
    OK(seq_build("A2", "C", "D", &unchanged, d), "build 10");
    OK(unchanged, "and now it is unchanged again");
    INT_EQ(diag_count(d), 0, "no diagnostics");
    OK(output_commit_status(output_begin_dry(), &unchanged, d) && !unchanged,
       "a dry tree: not unchanged");
    diag_free(d);
}

/* Several threads keep and write at once (also run under ThreadSanitizer). */
enum { KEEP_FILES = 120 };

static void *
keeper(void *arg)
{
    job *j = arg;
    char rel[128], text[64];
    output_file_id id;
    for (int i = 0; i < KEEP_FILES; i++) {
        snprintf(rel, sizeof rel, "k/d%d/t%d-%d.html", i % 7, j->id, i);
        snprintf(text, sizeof text, "%d-%d%s", j->id, i, i % 3 == 2 ? " changed" : "");
        bool ok = i % 3 == 0 ? output_keep(j->o, rel, NULL, &id, j->d)
                             : output_write_id(j->o, rel, text, strlen(text), &id, j->d);
        j->failed += !ok;
    }
    if (!output_keep(j->o, "contested.html", NULL, &id, j->d))
        write_str(j->o, "contested.html", "x", j->d);
    return NULL;
}

static void check_parallel_keep(const char *dir, bool update);

static void
test_parallel_keep(void)
{
    check_parallel_keep("inc/par", false);
}

/* }=== */

/* {=== incremental builds that update the output folder in place (issue #10) ===*/

/* renameat, wrapped (-Wl,--wrap=renameat): the process ends at the call after this many
 * more when it is >= 0, as a build killed while it applies an update would */
int __real_renameat(int from_dir, const char *from, int to_dir, const char *to);
int __wrap_renameat(int from_dir, const char *from, int to_dir, const char *to);
static int renames_left = -1;

int
__wrap_renameat(int from_dir, const char *from, int to_dir, const char *to)
{
    if (renames_left == 0)
        _exit(3);
    if (renames_left > 0)
        renames_left--;
    return __real_renameat(from_dir, from, to_dir, to);
}

static output *
begin_update(const char *out_dir, diag *d)
{
    return output_begin_update(&(output_options){out_dir, NULL, NULL, false, false}, d);
}

/* Lets the coarse file system clock move on, so that a link or a write would show in a
 * ctime or mtime. */
static void
tick(void)
{
    usleep(30000);
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every entry of the tree at path (named rel), one a line: its type and mode, inode,
 * size, mtime and ctime, in name order. */
static void
snap(buf *b, const char *path, const char *rel)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        buf_printf(b, "%s missing\n", rel);
        return;
    }
    buf_printf(b, "%s %o %lu %lld %lld.%09ld %lld.%09ld\n", rel, (unsigned)st.st_mode,
               (unsigned long)st.st_ino, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
               st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
    if (!S_ISDIR(st.st_mode))
        return;
    char **names = NULL;
    size_t n = 0;
    DIR *dp = opendir(path);
    struct dirent *de;
    while (dp && (de = readdir(dp)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            names = realloc(names, (n + 1) * sizeof *names);
            names[n++] = strdup(de->d_name);
        }
    if (dp)
        closedir(dp);
    qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        buf p = BUF_INIT, r = BUF_INIT;
        buf_printf(&p, "%s/%s", path, names[i]);
        buf_printf(&r, "%s/%s", rel, names[i]);
        snap(b, p.ptr, r.ptr);
        buf_free(&p);
        buf_free(&r);
        free(names[i]);
    }
    free(names);
}

/* The snapshot of base/rel; free(). */
static char *
snapshot(const char *rel)
{
    buf b = BUF_INIT;
    snap(&b, path_of(rel), rel);
    return buf_detach(&b);
}

#define SNAPSHOT_EQ(snap0, rel, msg) \
    do {                             \
        char *now_ = snapshot(rel);  \
        STR_EQ(now_, snap0, msg);    \
        free(now_);                  \
    } while (0)

/* Whether base/rel is still the file st0 described: the same inode, mtime and ctime. */
static bool
untouched(const char *rel, const struct stat *st0)
{
    struct stat st;
    return lstat(path_of(rel), &st) == 0 && st.st_ino == st0->st_ino &&
           st.st_mtim.tv_sec == st0->st_mtim.tv_sec && st.st_mtim.tv_nsec == st0->st_mtim.tv_nsec &&
           st.st_ctim.tv_sec == st0->st_ctim.tv_sec && st.st_ctim.tv_nsec == st0->st_ctim.tv_nsec;
}

static struct stat
stat_of(const char *rel)
{
    struct stat st;
    if (lstat(path_of(rel), &st) != 0)
        memset(&st, 0, sizeof st);
    return st;
}

/* A copy of what output_files says, to check after the commit. */
typedef struct listing {
    size_t n;
    char **paths;
    output_file_id *ids;
} listing;

static listing
list_files(const output *o)
{
    const output_file *files;
    listing l = {output_files(o, &files), NULL, NULL};
    l.paths = calloc(l.n + 1, sizeof *l.paths);
    l.ids = calloc(l.n + 1, sizeof *l.ids);
    for (size_t i = 0; i < l.n; i++) {
        l.paths[i] = strdup(files[i].path);
        l.ids[i] = files[i].id;
    }
    return l;
}

static void
listing_free(listing *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->paths[i]);
    free(l->paths);
    free(l->ids);
}

static bool
listing_has(const listing *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->paths[i], path) == 0)
            return true;
    return false;
}

/* How many files of l are not, in base/dir, the file l says they are. */
static int
listing_mismatches(const listing *l, const char *dir)
{
    int bad = 0;
    char rel[300];
    for (size_t i = 0; i < l->n; i++) {
        snprintf(rel, sizeof rel, "%s/%s", dir, l->paths[i]);
        if (!id_eq(id_of(rel), l->ids[i])) {
            fprintf(stderr, "output_files: %s is not on disk as listed\n", rel);
            bad++;
        }
    }
    return bad;
}

static void
test_update(void)
{
    diag *d = diag_new();
    char out[512];
    snprintf(out, sizeof out, "%s/upd/public", base);
    mkdir(path_of("upd"), 0755);
    harness_write_file(base, "upd/static/s.css", "css");
    harness_write_file(base, "upd/static/t.css", "old");

    /* build 1, a full one */
    output *o = begin(out, d);
    OK(write_str(o, "a.html", "A", d) && write_str(o, "b/c.html", "C", d) &&
           write_str(o, "d.html", "D", d) && write_str(o, "same.html", "S", d) &&
           write_str(o, "gone/x.html", "X", d) && write_str(o, "gone2/deep/y.html", "Y", d),
       "build 1");
    OK(output_copy_tree(o, path_of("upd/static"), "content/static", "css", d), "static files");
    listing l1 = list_files(o);
    INT_EQ(l1.n, 8, "a whole tree lists its files, not the marker");
    OK(listing_has(&l1, "gone2/deep/y.html") && listing_has(&l1, "css/t.css") &&
           !listing_has(&l1, OUTPUT_MARKER),
       "the paths");
    OK(output_commit(o, d), "commit build 1");
    INT_EQ(listing_mismatches(&l1, "upd/public"), 0, "whole tree: output_files is on disk");
    struct stat root0 = stat_of("upd/public"), a0 = stat_of("upd/public/a.html"),
                b0 = stat_of("upd/public/b"), c0 = stat_of("upd/public/b/c.html"),
                d0 = stat_of("upd/public/d.html"), same0 = stat_of("upd/public/same.html"),
                s0 = stat_of("upd/public/css/s.css"), m0 = stat_of("upd/public/" OUTPUT_MARKER);
    output_file_id a0id = id_of("upd/public/a.html"), same0id = id_of("upd/public/same.html");
    tick();
    char *snap0 = snapshot("upd/public");

    /* an update that is aborted changes nothing */
    o = begin_update(out, d);
    OK(o != NULL, "an update begins");
    INT_EQ(count_prefixed("upd", ".public.tmp-"), 1, "with a staging tree beside the output");
    OK(write_str(o, "a.html", "A changed", d), "write");
    output_abort(o);
    SNAPSHOT_EQ(snap0, "upd/public", "an aborted update changes nothing");
    INT_EQ(count_prefixed("upd", ".public."), 0, "no staging tree left");

    /* build 2: an update */
    o = begin_update(out, d);
    OK(o != NULL, "build 2 begins");
    output_set_previous_files(o, (const char *const *)l1.paths, l1.n);
    output_file_id id, idd, idn;
    OK(output_keep(o, "a.html", &a0id, &id, d) && id_eq(id, a0id), "keep a.html");
    OK(output_write_id(o, "same.html", "S", 1, &id, d) && id_eq(id, same0id),
       "the same bytes: kept, id_out of the kept file");
    OK(output_write_id(o, "d.html", "D2", 2, &idd, d), "d.html changes");
    OK(output_keep(o, "b/c.html", NULL, NULL, d), "keep b/c.html");
    OK(output_write_id(o, "new/folder/n.html", "N", 1, &idn, d), "a new file in a new folder");
    harness_write_file(base, "upd/static/t.css", "new");
    OK(output_copy_tree(o, path_of("upd/static"), "content/static", "css", d), "static again");
    diag *dd = diag_new();
    OK(!write_str(o, "a.html", "A", dd), "a kept path collides with a write");
    OK(diag_has(dd, "two pages write a.html"), "reported like two writes");
    diag_free(dd);
    SNAPSHOT_EQ(snap0, "upd/public", "nothing changes in the output before the commit");
    listing l2 = list_files(o);
    INT_EQ(l2.n, 7, "output_files: every claimed path");
    OK(listing_has(&l2, "a.html") && listing_has(&l2, "same.html") &&
           listing_has(&l2, "b/c.html") && listing_has(&l2, "d.html") &&
           listing_has(&l2, "new/folder/n.html") && listing_has(&l2, "css/s.css") &&
           listing_has(&l2, "css/t.css"),
       "the kept, staged and copied paths");
    bool unchanged = true;
    OK(output_commit_status(o, &unchanged, d) && !unchanged, "commit the update");
    INT_EQ(diag_count(d), 0, "no diagnostics");
    OK(untouched("upd/public/a.html", &a0), "kept a.html: same inode, mtime and ctime");
    OK(untouched("upd/public/same.html", &same0), "same.html: same inode, mtime and ctime");
    OK(untouched("upd/public/b/c.html", &c0), "b/c.html: same inode, mtime and ctime");
    OK(untouched("upd/public/css/s.css", &s0), "static s.css: same inode, mtime and ctime");
    OK(untouched("upd/public/" OUTPUT_MARKER, &m0), "the marker is untouched");
    OK(stat_of("upd/public").st_ino == root0.st_ino, "the output folder was updated in place");
    OK(stat_of("upd/public/b").st_ino == b0.st_ino, "so were its folders");
    FILE_EQ("upd/public/d.html", "D2");
    OK(ino_of("upd/public/d.html") != d0.st_ino, "the old d.html is no longer there");
    OK(id_eq(idd, id_of("upd/public/d.html")), "id_out of a staged file: its final identity");
    FILE_EQ("upd/public/new/folder/n.html", "N");
    OK(id_eq(idn, id_of("upd/public/new/folder/n.html")), "id_out of a new file");
    FILE_EQ("upd/public/css/t.css", "new");
    OK(!exists("upd/public/gone/x.html") && !exists("upd/public/gone"),
       "a file no longer claimed is removed, and its emptied folder");
    OK(!exists("upd/public/gone2"), "emptied folders are removed up the path");
    INT_EQ(count_prefixed("upd", ".public."), 0, "the staging tree is gone");
    INT_EQ(listing_mismatches(&l2, "upd/public"), 0, "update: output_files is on disk");

    /* build 3: nothing changes */
    tick();
    char *snap1 = snapshot("upd/public");
    o = begin_update(out, d);
    output_set_previous_files(o, (const char *const *)l2.paths, l2.n);
    bool all = true;
    for (size_t i = 0; i < l2.n; i++)
        all &= output_keep(o, l2.paths[i], &l2.ids[i], NULL, d);
    OK(all, "every file kept");
    unchanged = false;
    OK(output_commit_status(o, &unchanged, d) && unchanged, "build 3 changes nothing");
    SNAPSHOT_EQ(snap1, "upd/public", "no file or folder of the output changed, ctimes included");
    INT_EQ(count_prefixed("upd", ".public."), 0, "the staging tree is gone");

    /* build 4: no list of the previous files; the output folder is walked */
    harness_write_file(base, "upd/public/hand/made.txt", "mine");
    harness_write_file(base, "upd/outside/o.txt", "precious");
    char target[512];
    snprintf(target, sizeof target, "%s/upd/outside", base);
    OK(symlink(target, path_of("upd/public/lnk")) == 0, "a link to a folder outside");
    o = begin_update(out, d);
    for (size_t i = 0; i < l2.n; i++)
        if (strcmp(l2.paths[i], "b/c.html") != 0)
            output_keep(o, l2.paths[i], &l2.ids[i], NULL, d);
    OK(output_commit_status(o, &unchanged, d) && !unchanged, "build 4 removes files");
    OK(!exists("upd/public/b/c.html") && !exists("upd/public/b"), "b/c.html and b/ are gone");
    OK(!exists("upd/public/hand"), "a file made by hand is gone, and its folder");
    OK(exists("upd/public/lnk"), "a symbolic link is no regular file: left");
    FILE_EQ("upd/outside/o.txt", "precious");
    FILE_EQ("upd/public/a.html", "A");
    OK(exists("upd/public/" OUTPUT_MARKER), "the marker stays");
    INT_EQ(diag_count(d), 0, "no diagnostics");
    unlink(path_of("upd/public/lnk"));
    free(snap0);
    free(snap1);
    listing_free(&l1);
    listing_free(&l2);
    diag_free(d);
}

/* An update of a folder that does not outlive the process (serve's, no_sync) is
 * committed like any other, only not flushed to disk. */
static void
test_update_no_sync(void)
{
    diag *d = diag_new();
    char out[512];
    snprintf(out, sizeof out, "%s/nosync/public", base);
    mkdir(path_of("nosync"), 0755);
    output *o = begin(out, d);
    OK(o && write_str(o, "a.html", "A", d) && write_str(o, "b.html", "B", d) && output_commit(o, d),
       "no_sync: a full build");
    o = output_begin_update(&(output_options){out, NULL, NULL, false, true}, d);
    OK(o != NULL, "no_sync: an update begins");
    OK(output_keep(o, "a.html", NULL, NULL, d) && write_str(o, "b.html", "B2", d) &&
           write_str(o, "c.html", "C", d) && output_commit(o, d),
       "no_sync: the update is committed");
    FILE_EQ("nosync/public/a.html", "A");
    FILE_EQ("nosync/public/b.html", "B2");
    FILE_EQ("nosync/public/c.html", "C");
    INT_EQ(count_prefixed("nosync", ".public."), 0, "no_sync: no staging tree left");
    INT_EQ(diag_error_count(d), 0, "no_sync: no error");
    diag_free(d);
}

/* output_begin_update returns NULL, reporting nothing, where a full build must be made;
 * the guards are output_begin's. */
static void
test_update_refusals(void)
{
    diag *d = diag_new();
    OK(begin_update(path_of("upd/none"), d) == NULL, "a missing folder");
    mkdir(path_of("upd/empty"), 0755);
    OK(begin_update(path_of("upd/empty"), d) == NULL, "an empty folder");
    harness_write_file(base, "upd/mine/a.txt", "mine");
    OK(begin_update(path_of("upd/mine"), d) == NULL, "a folder without the marker");
    harness_write_file(base, "upd/plain", "a file");
    OK(begin_update(path_of("upd/plain"), d) == NULL, "a file");
    char target[512];
    snprintf(target, sizeof target, "%s/upd/public", base);
    OK(symlink(target, path_of("upd/linked")) == 0, "a link to an output folder");
    OK(begin_update(path_of("upd/linked"), d) == NULL, "a symbolic link");
    INT_EQ(diag_count(d), 0, "nothing reported");
    INT_EQ(count_prefixed("upd", ".none.") + count_prefixed("upd", ".empty.") +
               count_prefixed("upd", ".mine.") + count_prefixed("upd", ".plain.") +
               count_prefixed("upd", ".linked."),
           0, "no temporary tree made");
    FILE_EQ("upd/mine/a.txt", "mine");
    OK(exists("upd/empty"), "the empty folder stays");

    const output_guard site[] = {{target, "the site folder"}, {NULL, NULL}};
    OK(output_begin_update(&(output_options){target, site, NULL, false, false}, d) == NULL,
       "a guarded folder");
    OK(diag_has(d, "refusing to use"), "refused as output_begin refuses it");

    /* a second update of the same folder at once: NULL, the caller builds in full */
    diag *d2 = diag_new();
    output *o = begin_update(target, d2);
    OK(o != NULL, "an update");
    OK(begin_update(target, d2) == NULL, "a second update of the same folder at once");
    output_abort(o);
    o = begin_update(target, d2);
    OK(o != NULL, "once the first is over, another");
    output_abort(o);
    INT_EQ(diag_count(d2), 0, "nothing reported");
    unlink(path_of("upd/linked"));
    unlink(path_of("upd/plain"));
    diag_free(d2);
    diag_free(d);
}

/* What an update finds in place of a previous file, and symbolic links in the output. */
static void
test_update_mismatch(void)
{
    diag *d = diag_new();
    char out[512], target[512];
    snprintf(out, sizeof out, "%s/upd/mm", base);
    output *o = begin(out, d);
    OK(write_str(o, "l.html", "L", d) && write_str(o, "f.html", "F", d) &&
           write_str(o, "r.html", "R", d) && write_str(o, "a/b.html", "B", d) &&
           write_str(o, "ok.html", "OK", d),
       "build 1");
    OK(output_commit(o, d), "commit");
    output_file_id l0 = id_of("upd/mm/l.html"), f0 = id_of("upd/mm/f.html"),
                   r0 = id_of("upd/mm/r.html"), b0 = id_of("upd/mm/a/b.html");
    harness_write_file(base, "upd/out2/t.html", "precious");
    harness_write_file(base, "upd/out2/b.html", "precious too");
    snprintf(target, sizeof target, "%s/upd/out2/t.html", base);
    OK(unlink(path_of("upd/mm/l.html")) == 0 && symlink(target, path_of("upd/mm/l.html")) == 0,
       "l.html becomes a link to a file outside");
    OK(unlink(path_of("upd/mm/f.html")) == 0 && mkdir(path_of("upd/mm/f.html"), 0755) == 0,
       "f.html becomes a folder");
    harness_write_file(base, "upd/mm/f.html/inner.txt", "inner");
    OK(unlink(path_of("upd/mm/r.html")) == 0, "r.html is replaced");
    harness_write_file(base, "upd/mm/r.html", "R");
    harness_rm_rf(path_of("upd/mm/a"));
    snprintf(target, sizeof target, "%s/upd/out2", base);
    OK(symlink(target, path_of("upd/mm/a")) == 0, "a/ becomes a link to a folder outside");

    o = begin_update(out, d);
    OK(o != NULL, "update");
    output_file_id id;
    OK(!output_keep(o, "l.html", &l0, &id, d), "a symbolic link: not kept");
    OK(!output_keep(o, "l.html", NULL, &id, d), "a symbolic link, without expect: not kept");
    OK(!output_keep(o, "f.html", &f0, &id, d), "a folder: not kept");
    OK(!output_keep(o, "r.html", &r0, &id, d), "another file with the same bytes: not kept");
    OK(!output_keep(o, "a/b.html", &b0, &id, d), "through a linked folder: not kept");
    OK(!output_keep(o, "a/t.html", NULL, &id, d), "through a linked folder: not kept (2)");
    INT_EQ(diag_count(d), 0, "a failed keep reports nothing");
    OK(write_str(o, "l.html", "precious", d), "l.html: the failed keeps claimed nothing");
    OK(write_str(o, "f.html", "F2", d), "f.html");
    OK(write_str(o, "r.html", "R2", d), "r.html");
    OK(write_str(o, "a/b.html", "precious too", d), "a/b.html, the bytes of the file outside");
    OK(output_keep(o, "ok.html", NULL, NULL, d), "keep ok.html");
    bool unchanged = true;
    OK(!output_commit_status(o, &unchanged, d), "the linked folder fails the commit");
    OK(!unchanged, "not unchanged");
    char msg[600];
    snprintf(msg, sizeof msg, "clinfolio: error: cannot update %s/a/b.html: ", out);
    OK(diag_has(d, msg), "the error names the path");
    INT_EQ(diag_error_count(d), 1, "one error");
    FILE_EQ("upd/out2/t.html", "precious");
    FILE_EQ("upd/out2/b.html", "precious too");
    INT_EQ(count_entries(path_of("upd/out2")), 2, "nothing written outside");
    struct stat st;
    OK(lstat(path_of("upd/out2/t.html"), &st) == 0 && st.st_nlink == 1, "never linked");
    OK(lstat(path_of("upd/mm/l.html"), &st) == 0 && S_ISREG(st.st_mode),
       "the link l.html was replaced by a file");
    FILE_EQ("upd/mm/l.html", "precious");
    FILE_EQ("upd/mm/f.html", "F2");
    FILE_EQ("upd/mm/r.html", "R2");
    FILE_EQ("upd/mm/ok.html", "OK");
    OK(lstat(path_of("upd/mm/a"), &st) == 0 && S_ISLNK(st.st_mode), "a is still the link");
    INT_EQ(count_prefixed("upd", ".mm."), 0, "the staging tree is gone");
    unlink(path_of("upd/mm/a"));
    diag_free(d);
}

static char rf_out[512];

/* An update of rf_out (its files' texts ending in `v`) killed after `renames` renames
 * of its commit. */
static void
killed_applying(int renames, const char *v)
{
    diag *d = diag_new();
    output *o = begin_update(rf_out, d);
    if (!o)
        _exit(1);
    char text[4][8];
    snprintf(text[0], sizeof text[0], "A%s", v);
    snprintf(text[1], sizeof text[1], "C%s", v);
    snprintf(text[2], sizeof text[2], "D%s", v);
    snprintf(text[3], sizeof text[3], "N%s", v);
    write_str(o, "a", text[0], d);
    write_str(o, "b/c", text[1], d);
    write_str(o, "d", text[2], d);
    write_str(o, "new/n", text[3], d);
    output_keep(o, "e", NULL, NULL, d); /* old/x is not claimed: removed */
    renames_left = renames;
    output_commit(o, d);
    _exit(1);
}

static void
killed_after_two_files(void)
{
    killed_applying(3, "2"); /* the journal, a and b/c */
}

static void
killed_writing_the_journal(void)
{
    killed_applying(0, "3");
}

/* Makes by hand a staging tree that a killed update left, holding the files (rel, text
 * pairs, NULL-ended) and a journal with the given text. */
static void
hand_made_tree(const char *journal, const char *const *files)
{
    char dir[64], rel[300];
    snprintf(dir, sizeof dir, "upd/.rf.tmp-999999-abcdef");
    OK(mkdir(path_of(dir), 0700) == 0, "a staging tree by hand");
    snprintf(rel, sizeof rel, "%s/%s", dir, OUTPUT_MARKER);
    put_file(rel, "marker");
    for (size_t i = 0; files[i]; i += 2) {
        snprintf(rel, sizeof rel, "%s/%s", dir, files[i]);
        harness_write_file(base, rel, files[i + 1]);
    }
    snprintf(rel, sizeof rel, "%s/.clinfolio-journal", dir);
    put_file(rel, journal);
}

static void
test_update_rollforward(void)
{
    diag *d = diag_new();
    snprintf(rf_out, sizeof rf_out, "%s/upd/rf", base);
    output *o = begin(rf_out, d);
    OK(write_str(o, "a", "A", d) && write_str(o, "b/c", "C", d) && write_str(o, "d", "D", d) &&
           write_str(o, "e", "E", d) && write_str(o, "old/x", "X", d),
       "build 1");
    OK(output_commit(o, d), "commit");
    struct stat e0 = stat_of("upd/rf/e");

    INT_EQ(in_child(killed_after_two_files), 3, "an update killed while applying");
    FILE_EQ("upd/rf/a", "A2");
    FILE_EQ("upd/rf/b/c", "C2");
    FILE_EQ("upd/rf/d", "D");
    OK(!exists("upd/rf/new/n") && exists("upd/rf/old/x"), "half applied");
    INT_EQ(count_prefixed("upd", ".rf.tmp-"), 1, "its staging tree is left");
    o = begin_update(rf_out, d);
    OK(o != NULL, "the next update begins");
    FILE_EQ("upd/rf/a", "A2");
    FILE_EQ("upd/rf/b/c", "C2");
    FILE_EQ("upd/rf/d", "D2");
    FILE_EQ("upd/rf/new/n", "N2");
    FILE_EQ("upd/rf/e", "E");
    OK(untouched("upd/rf/e", &e0), "a kept file is untouched");
    OK(!exists("upd/rf/old"), "the removals are done too");
    INT_EQ(count_prefixed("upd", ".rf.tmp-"), 1, "the leftover is gone: only the new tree");
    output_abort(o);
    INT_EQ(count_prefixed("upd", ".rf."), 0, "no tree left");
    INT_EQ(diag_count(d), 0, "no diagnostics");

    /* killed before its journal was complete: the output was not touched yet */
    char *snap0 = snapshot("upd/rf");
    INT_EQ(in_child(killed_writing_the_journal), 3, "an update killed writing its journal");
    INT_EQ(count_prefixed("upd", ".rf.tmp-"), 1, "its staging tree is left");
    o = begin_update(rf_out, d);
    OK(o != NULL, "the next update begins");
    output_abort(o);
    SNAPSHOT_EQ(snap0, "upd/rf", "the leftover is just removed");
    INT_EQ(count_prefixed("upd", ".rf."), 0, "no tree left");

    /* a journal made by hand, finished by a full build's output_begin */
    hand_made_tree("clinfolio-journal 1\nS a\nS z/h\nR e\nend\n",
                   (const char *const[]){"a", "A3", "z/h", "H", NULL});
    o = begin(rf_out, d);
    OK(o != NULL, "a full build begins");
    output_abort(o);
    FILE_EQ("upd/rf/a", "A3");
    FILE_EQ("upd/rf/z/h", "H");
    OK(!exists("upd/rf/e"), "e removed");
    INT_EQ(count_prefixed("upd", ".rf."), 0, "no tree left");

    /* incomplete or damaged journals: the tree is removed, nothing applied */
    static const char *const journals[] = {
        "clinfolio-journal 1\nS a\n",              /* cut short */
        "clinfolio-journal 1\nS a\nend\nS d\n",    /* something after the end */
        "clinfolio-journal 1\nS a\nR ../x\nend\n", /* a path outside */
        "clinfolio-journal 9\nS a\nend\n",         /* another format */
    };
    harness_write_file(base, "upd/x", "outside the output");
    for (size_t i = 0; i < sizeof journals / sizeof journals[0]; i++) {
        char *snap1 = snapshot("upd/rf");
        hand_made_tree(journals[i], (const char *const[]){"a", "A4", NULL});
        o = begin_update(rf_out, d);
        OK(o != NULL, "an update begins");
        output_abort(o);
        SNAPSHOT_EQ(snap1, "upd/rf", "a journal that is not complete is not applied");
        INT_EQ(count_prefixed("upd", ".rf."), 0, "the tree is removed");
        free(snap1);
    }
    FILE_EQ("upd/x", "outside the output");
    INT_EQ(diag_count(d), 0, "no diagnostics");
    free(snap0);
    diag_free(d);
}

/* Several threads keep and write at once (also under TSan), in a whole tree built in
 * base/dir or, with update, in an update of base/dir. */
static void
check_parallel_keep(const char *dir, bool update)
{
    diag *d = diag_new();
    char out[512], rel[128], text[64];
    snprintf(out, sizeof out, "%s/%s", base, dir);
    output *o = begin(out, d);
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < KEEP_FILES; i++) {
            snprintf(rel, sizeof rel, "k/d%d/t%d-%d.html", i % 7, t, i);
            snprintf(text, sizeof text, "%d-%d", t, i);
            write_str(o, rel, text, d);
        }
    write_str(o, "contested.html", "x", d);
    OK(output_commit(o, d), "the previous tree");
    static uint64_t before[THREADS][KEEP_FILES];
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < KEEP_FILES; i++) {
            snprintf(rel, sizeof rel, "%s/k/d%d/t%d-%d.html", dir, i % 7, t, i);
            before[t][i] = ino_of(rel);
        }

    o = update ? begin_update(out, d) : begin(out, d);
    OK(o != NULL, "begin");
    INT_EQ(run_threads(keeper, o, d), 0, "every keep and write succeeded");
    INT_EQ(diag_error_count(d), THREADS - 1, "the contested path: one winner");
    OK(diag_has(d, "two pages write contested.html"), "contested message");
    listing l = list_files(o);
    INT_EQ(l.n, THREADS * KEEP_FILES + 1, "output_files: every path once");
    bool unchanged = true;
    OK(output_commit_status(o, &unchanged, d) && !unchanged, "commit: a third changed");
    int kept = 0, fresh = 0, bad = 0;
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < KEEP_FILES; i++) {
            snprintf(rel, sizeof rel, "%s/k/d%d/t%d-%d.html", dir, i % 7, t, i);
            snprintf(text, sizeof text, "%d-%d%s", t, i, i % 3 == 2 ? " changed" : "");
            char *got = slurp(rel);
            bad += strcmp(got, text) != 0;
            free(got);
            if (ino_of(rel) == before[t][i])
                kept++;
            else
                fresh++;
        }
    INT_EQ(bad, 0, "every file has its content");
    INT_EQ(kept, THREADS * (KEEP_FILES - KEEP_FILES / 3), "kept or identical: the same inode");
    INT_EQ(fresh, THREADS * (KEEP_FILES / 3), "changed: a new inode");
    INT_EQ(listing_mismatches(&l, dir), 0, "output_files is on disk");
    const char *name = strrchr(dir, '/') + 1;
    char prefix[64];
    snprintf(prefix, sizeof prefix, ".%s.", name);
    buf parent = BUF_INIT;
    buf_append(&parent, dir, (size_t)(name - 1 - dir));
    INT_EQ(count_prefixed(parent.ptr, prefix), 0, "no temporary tree left");
    buf_free(&parent);
    listing_free(&l);
    diag_free(d);
}

static void
test_update_threads(void)
{
    check_parallel_keep("upd/par", true);
}

/* }=== */

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
    test_dry();
    test_guards();
    test_home();
    test_marker();
    test_leftovers();
    test_private_dir();
    test_keep();
    test_keep_symlinks();
    test_write_identical();
    test_unchanged();
    test_parallel_keep();
    test_update();
    test_update_no_sync();
    test_update_refusals();
    test_update_mismatch();
    test_update_rollforward();
    test_update_threads();
    harness_rm_rf(base);
    return harness_done();
}
