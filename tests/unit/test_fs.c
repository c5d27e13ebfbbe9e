/* SPDX-License-Identifier: MIT
 * test_fs.c - reading inputs (issue #7, findings 2 and 3): symbolic links to outside
 * files and on intermediate folders refused, also when swapped in after a listing;
 * FIFOs refused without blocking; size limits checked before reading; the site folder
 * given through a symbolic link or "..". test_fs_fallback.c runs the same checks on the
 * O_NOFOLLOW walk that replaces openat2 on kernels without it. */
#include "harness.h"

#include "buf.h"
#include "diag.h"
#include "fs.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[64];  /* a fresh directory under /tmp for this run */
static char root[128]; /* base/site: the site folder */

static char *
path_of(const char *rel)
{
    static char p[4][512]; /* rotating, so several results can be used together */
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", base, rel);
    return p[k];
}

static void
must(bool ok, const char *what)
{
    if (!ok) {
        perror(what);
        exit(2);
    }
}

static void
put_file(const char *rel, const char *text)
{
    FILE *f = fopen(path_of(rel), "w");
    must(f != NULL, rel);
    fputs(text, f);
    fclose(f);
}

/* A file of size bytes without writing them (a sparse file: holes read as zeros). */
static void
put_sparse(const char *rel, off_t size)
{
    int fd = open(path_of(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    must(fd >= 0 && ftruncate(fd, size) == 0, rel);
    close(fd);
}

static void
replace_with_link(const char *rel, const char *target)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path_of(rel));
    must(system(cmd) == 0, rel);
    must(symlink(target, path_of(rel)) == 0, rel);
}

/* The build stops a regression that blocks (a FIFO opened for reading waits for a
 * writer) instead of hanging: SIGALRM ends the test binary, which then has no summary. */
static void
arm_alarm(void)
{
    signal(SIGALRM, SIG_DFL);
    alarm(20);
}

typedef struct result {
    bool ok;
    buf text;
    char *msgs; /* the diagnostics as printed */
} result;

static result
read_input(const char *rel, size_t limit)
{
    result r = {false, BUF_INIT, NULL};
    diag *d = diag_new();
    arm_alarm();
    r.ok = fs_read_input(&r.text, root, rel, rel, limit, d);
    alarm(0);
    r.msgs = diag_to_string(d);
    diag_free(d);
    return r;
}

/* fs_read_file as page.c, config.c, template.c and plugin.c called it before: a joined
 * path and the name relative to the site. */
static result
read_file(const char *rel)
{
    result r = {false, BUF_INIT, NULL};
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    diag *d = diag_new();
    arm_alarm();
    r.ok = fs_read_file(&r.text, path, rel, d);
    alarm(0);
    r.msgs = diag_to_string(d);
    diag_free(d);
    return r;
}

static void
result_free(result *r)
{
    buf_free(&r->text);
    free(r->msgs);
}

#define REFUSED(r, want_msg, label)                                                             \
    do {                                                                                        \
        OK(!(r).ok, "%s: read, want refused", label);                                           \
        OK(!strstr((r).text.ptr, "SECRET"), "%s: the outside file was read", label);            \
        OK(strstr((r).msgs, want_msg) != NULL, "%s: message\n  got:  %s\n  want: ...%s", label, \
           (r).msgs, want_msg);                                                                 \
    } while (0)

static void
test_regular(void)
{
    result r = read_input("site.yaml", FS_MAX_INPUT);
    OK(r.ok, "site.yaml: %s", r.msgs);
    STR_EQ(r.text.ptr, "title: t\n", "site.yaml read whole");
    result_free(&r);

    r = read_file("content/a.md");
    OK(r.ok, "fs_read_file content/a.md: %s", r.msgs);
    STR_EQ(r.text.ptr, "# A\n", "fs_read_file reads a regular file");
    result_free(&r);
}

static void
test_symlinks(void)
{
    /* a link to a file outside the site, relative and absolute */
    must(symlink("../../outside/secret.txt", path_of("site/content/rel.md")) == 0, "symlink");
    must(symlink(path_of("outside/secret.txt"), path_of("site/content/abs.md")) == 0, "symlink");
    const char *links[] = {"content/rel.md", "content/abs.md"};
    for (size_t i = 0; i < 2; i++) {
        result r = read_input(links[i], FS_MAX_INPUT);
        REFUSED(r, ": error: cannot read: symbolic link not followed", links[i]);
        result_free(&r);
        r = read_file(links[i]);
        REFUSED(r, ": error: cannot read: symbolic link not followed", links[i]);
        result_free(&r);
    }
    /* a link to a file inside the site is refused too: links are never followed */
    must(symlink("a.md", path_of("site/content/inside.md")) == 0, "symlink");
    result r = read_input("content/inside.md", FS_MAX_INPUT);
    OK(!r.ok && strstr(r.msgs, "symbolic link not followed"), "link inside: %s", r.msgs);
    result_free(&r);

    /* a link on an intermediate folder: content/projects -> outside/projects */
    must(symlink("../../outside/projects", path_of("site/content/projects")) == 0, "symlink");
    r = read_input("content/projects/x.md", FS_MAX_INPUT);
    REFUSED(r, "content/projects/x.md: error: cannot read: symbolic link not followed",
            "intermediate link");
    result_free(&r);
    r = read_file("content/projects/x.md");
    REFUSED(r, "content/projects/x.md: error: cannot read: symbolic link not followed",
            "fs_read_file, intermediate link");
    result_free(&r);

    diag *d = diag_new();
    fs_entry *ents;
    size_t n;
    OK(!fs_list_input(&ents, &n, root, "content/projects", "content/projects", d),
       "listing through a link");
    char *msgs = diag_to_string(d);
    OK(strstr(msgs, "content/projects: error: cannot open directory: symbolic link not "
                    "followed") != NULL,
       "listing message: %s", msgs);
    free(msgs);
    diag_free(d);

    /* paths that leave the folder */
    r = read_input("../outside/secret.txt", FS_MAX_INPUT);
    REFUSED(r, "cannot read: '.' or '..' in path", "..");
    result_free(&r);
    r = read_input(path_of("outside/secret.txt"), FS_MAX_INPUT);
    REFUSED(r, "cannot read: absolute path", "absolute");
    result_free(&r);
}

/* What a build racing an attacker sees: the scan listed real files and folders, then
 * they were swapped for links and a FIFO before the read. */
static void
test_swapped_after_listing(void)
{
    must(mkdir(path_of("site/content/news"), 0755) == 0, "mkdir");
    put_file("site/content/news/n.md", "news\n");
    put_file("site/content/b.md", "b\n");
    put_file("site/content/c.md", "c\n");
    diag *d = diag_new();
    fs_entry *ents;
    size_t n;
    OK(fs_list_input(&ents, &n, root, "content", "content", d), "list content");
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ents[i].name, "news") == 0)
            seen += ents[i].kind == FS_DIR;
        if (strcmp(ents[i].name, "b.md") == 0 || strcmp(ents[i].name, "c.md") == 0)
            seen += ents[i].kind == FS_FILE;
    }
    INT_EQ(seen, 3, "listed as real files and a folder");
    fs_entries_free(ents, n);
    diag_free(d);

    replace_with_link("site/content/news", "../../outside/projects");
    replace_with_link("site/content/b.md", "../../outside/secret.txt");
    must(unlink(path_of("site/content/c.md")) == 0 &&
             mkfifo(path_of("site/content/c.md"), 0644) == 0,
         "mkfifo");
    result r = read_input("content/news/x.md", FS_MAX_INPUT);
    REFUSED(r, "cannot read: symbolic link not followed", "folder swapped for a link");
    result_free(&r);
    r = read_input("content/b.md", FS_MAX_INPUT);
    REFUSED(r, "cannot read: symbolic link not followed", "file swapped for a link");
    result_free(&r);
    r = read_input("content/c.md", FS_MAX_INPUT);
    REFUSED(r, "content/c.md: error: cannot read: not a regular file (a named pipe)",
            "file swapped for a FIFO");
    result_free(&r);
}

/* The kind fs_list_input gives the entry name of content/ (-1: not listed). */
static int
kind_listed(const char *name)
{
    diag *d = diag_new();
    fs_entry *ents;
    size_t n;
    int kind = -1;
    if (fs_list_input(&ents, &n, root, "content", "content", d)) {
        for (size_t i = 0; i < n; i++)
            if (strcmp(ents[i].name, name) == 0)
                kind = (int)ents[i].kind;
        fs_entries_free(ents, n);
    }
    diag_free(d);
    return kind;
}

static void
test_special_files(void)
{
    must(mkfifo(path_of("site/content/fifo.md"), 0644) == 0, "mkfifo");
    result r = read_input("content/fifo.md", FS_MAX_INPUT);
    REFUSED(r, "content/fifo.md: error: cannot read: not a regular file (a named pipe)", "FIFO");
    result_free(&r);
    r = read_file("content/fifo.md");
    REFUSED(r, "content/fifo.md: error: cannot read: not a regular file (a named pipe)",
            "fs_read_file, FIFO");
    result_free(&r);

    r = read_input("content", FS_MAX_INPUT);
    REFUSED(r, "content: error: cannot read: not a regular file (a directory)", "directory");
    result_free(&r);

    /* the listing tells a FIFO from a file, so the scan can warn about it, and a symbolic
     * link is itself, not what it points to */
    must(symlink("fifo.md", path_of("site/content/link.md")) == 0, "symlink");
    OK(kind_listed("fifo.md") == FS_OTHER, "a FIFO is listed as FS_OTHER");
    OK(kind_listed("link.md") == FS_SYMLINK, "a symbolic link is listed as FS_SYMLINK");
}

static void
test_limits(void)
{
    /* 2 GiB, sparse: refused from fstat, nothing read or allocated */
    put_sparse("site/content/huge.md", (off_t)2 << 30);
    result r = read_input("content/huge.md", FS_MAX_INPUT);
    OK(!r.ok, "2 GiB file read");
    OK(r.text.cap < 4096 && r.text.len == 0, "2 GiB file: %zu bytes allocated, %zu read",
       r.text.cap, r.text.len);
    STR_EQ(r.msgs,
           "content/huge.md: error: file of 2147483648 bytes is larger than 16 MiB (the "
           "limit for an input file)\n",
           "2 GiB message");
    result_free(&r);
    r = read_file("content/huge.md");
    OK(!r.ok && r.text.cap < 4096, "fs_read_file, 2 GiB: %zu bytes allocated", r.text.cap);
    result_free(&r);

    /* exactly at the limit is read; one byte more is not */
    put_sparse("site/content/at.md", (off_t)FS_MAX_INPUT);
    r = read_input("content/at.md", FS_MAX_INPUT);
    OK(r.ok, "a file of exactly 16 MiB: %s", r.msgs);
    INT_EQ(r.text.len, FS_MAX_INPUT, "all of it read");
    result_free(&r);
    put_sparse("site/content/over.md", (off_t)FS_MAX_INPUT + 1);
    r = read_input("content/over.md", FS_MAX_INPUT);
    OK(!r.ok && r.text.len == 0, "16 MiB + 1 byte refused");
    STR_EQ(r.msgs,
           "content/over.md: error: file of 16777217 bytes is larger than 16 MiB (the limit "
           "for an input file)\n",
           "16 MiB + 1 message");
    result_free(&r);

    /* a small limit the same way */
    put_file("site/content/ten.md", "0123456789");
    r = read_input("content/ten.md", 10);
    OK(r.ok && r.text.len == 10, "10 bytes at a limit of 10");
    result_free(&r);
    r = read_input("content/ten.md", 9);
    STR_EQ(r.msgs,
           "content/ten.md: error: file of 10 bytes is larger than 9 bytes (the limit for an "
           "input file)\n",
           "10 bytes at a limit of 9");
    result_free(&r);
}

/* A file whose size fstat does not know (procfs says 0) is read only to limit + 1 bytes:
 * the bound that also stops a file growing while it is read. */
static void
test_growing(void)
{
    diag *d = diag_new();
    buf b = BUF_INIT;
    struct stat st;
    if (stat("/proc/self/status", &st) != 0 || st.st_size != 0) {
        printf("skipped: no /proc/self/status of size 0\n");
        diag_free(d);
        return;
    }
    OK(!fs_read_input(&b, "/proc/self", "status", "status", 16, d), "read past the limit");
    OK(b.len <= 17, "read %zu bytes, at most limit + 1", b.len);
    char *msgs = diag_to_string(d);
    STR_EQ(msgs,
           "status: error: file grew larger than 16 bytes while it was read (the limit for "
           "an input file)\n",
           "grown message");
    free(msgs);
    buf_free(&b);
    diag_free(d);
}

/* fs_open_file, for output.c's static copies: the descriptor of a regular file beneath
 * the site folder; a FIFO or a linked static folder is refused without blocking. */
static void
test_open_file(void)
{
    must(mkdir(path_of("site/content/static"), 0755) == 0, "mkdir");
    put_file("site/content/static/a.txt", "static\n");
    must(mkfifo(path_of("site/content/static/pipe.txt"), 0644) == 0, "mkfifo");
    must(symlink("../../outside", path_of("site/content/assets")) == 0, "symlink");
    char path[512];
    struct stat st;
    diag *d = diag_new();
    snprintf(path, sizeof path, "%s/content/static/a.txt", root);
    int fd = fs_open_file(&st, path, "content/static/a.txt", d);
    char got[16] = "";
    OK(fd >= 0 && st.st_size == 7 && read(fd, got, sizeof got - 1) == 7, "a static file");
    STR_EQ(got, "static\n", "its bytes");
    if (fd >= 0)
        close(fd);

    snprintf(path, sizeof path, "%s/content/static/pipe.txt", root);
    arm_alarm();
    fd = fs_open_file(&st, path, "content/static/pipe.txt", d);
    alarm(0);
    INT_EQ(fd, -1, "a FIFO");
    snprintf(path, sizeof path, "%s/content/assets/secret.txt", root);
    INT_EQ(fs_open_file(&st, path, "content/assets/secret.txt", d), -1, "a linked folder");
    char *msgs = diag_to_string(d);
    STR_EQ(msgs,
           "content/assets/secret.txt: error: cannot read: symbolic link not followed (inputs "
           "must be real files)\n"
           "content/static/pipe.txt: error: cannot read: not a regular file (a named pipe)\n",
           "messages");
    free(msgs);
    diag_free(d);
}

/* The site folder may be given any way: through a symbolic link, or with "..". */
static void
test_root(void)
{
    char linked[256], dotted[256];
    snprintf(linked, sizeof linked, "%s/site-link", base);
    snprintf(dotted, sizeof dotted, "%s/outside/../site", base);
    must(symlink("site", linked) == 0, "symlink");
    const char *roots[] = {linked, dotted};
    for (size_t i = 0; i < 2; i++) {
        diag *d = diag_new();
        buf b = BUF_INIT;
        OK(fs_read_input(&b, roots[i], "site.yaml", "site.yaml", FS_MAX_INPUT, d), "root %s",
           roots[i]);
        STR_EQ(b.ptr, "title: t\n", roots[i]);
        buf_free(&b);
        diag_free(d);
    }
    /* an installed file (absolute name) is read beneath its own folder, so links above
     * it are followed, but not one on the file itself */
    diag *d = diag_new();
    buf b = BUF_INIT;
    char path[300];
    snprintf(path, sizeof path, "%s/site.yaml", linked);
    OK(fs_read_file(&b, path, path, d), "installed file through a linked folder");
    buf_free(&b);
    snprintf(path, sizeof path, "%s/content/rel.md", linked);
    OK(!fs_read_file(&b, path, path, d) && !strstr(b.ptr, "SECRET"),
       "installed file that is a link");
    buf_free(&b);
    diag_free(d);
}

/* A held root (fs_hold_root): reads beneath it use the folder opened then, so a folder
 * put in its place during the hold is not seen until the last release; holds nest; a
 * held root still refuses a symbolic link beneath it; another root reads as before. */
static bool
reads_as(const char *at, const char *rel, const char *want)
{
    diag *d = diag_new();
    buf b = BUF_INIT;
    bool ok = fs_read_input(&b, at, rel, rel, FS_MAX_INPUT, d) && strcmp(b.ptr, want) == 0;
    buf_free(&b);
    diag_free(d);
    return ok;
}

static void
test_held_root(void)
{
    char held[256], moved[256];
    snprintf(held, sizeof held, "%s/held", base);
    snprintf(moved, sizeof moved, "%s/held-moved", base);
    must(mkdir(held, 0755) == 0, "mkdir");
    put_file("held/f.txt", "first\n");
    fs_hold_root(held);
    fs_hold_root(held); /* nested */
    OK(reads_as(held, "f.txt", "first\n"), "a held root reads");
    must(rename(held, moved) == 0 && mkdir(held, 0755) == 0, "swap");
    put_file("held/f.txt", "second\n");
    OK(reads_as(held, "f.txt", "first\n"), "a held root is the folder opened when held");
    OK(reads_as(root, "site.yaml", "title: t\n"), "another root reads while one is held");
    symlink("../outside/secret.txt", path_of("held-moved/link.txt"));
    OK(!reads_as(held, "link.txt", "SECRET\n"), "a held root still refuses a link beneath it");
    fs_release_root(held);
    OK(reads_as(held, "f.txt", "first\n"), "still held after one of two releases");
    fs_release_root(held);
    OK(reads_as(held, "f.txt", "second\n"), "released: the folder now at the path");
    fs_release_root(held); /* one release too many: nothing to do */
    OK(reads_as(held, "f.txt", "second\n"), "a release without a hold changes nothing");
}

int
main(void)
{
    snprintf(base, sizeof base, "/tmp/clinfolio-fs-XXXXXX");
    must(mkdtemp(base) != NULL, "mkdtemp");
    snprintf(root, sizeof root, "%s/site", base);
    must(mkdir(path_of("site"), 0755) == 0 && mkdir(path_of("site/content"), 0755) == 0 &&
             mkdir(path_of("outside"), 0755) == 0 && mkdir(path_of("outside/projects"), 0755) == 0,
         "mkdir");
    put_file("site/site.yaml", "title: t\n");
    put_file("site/content/a.md", "# A\n");
    put_file("outside/secret.txt", "SECRET\n");
    put_file("outside/projects/x.md", "SECRET project\n");
#ifdef CLINFOLIO_NO_OPENAT2
    printf("fs.c built with CLINFOLIO_NO_OPENAT2: the O_NOFOLLOW walk\n");
#endif

    test_regular();
    test_symlinks();
    test_limits();
    test_growing();
    test_root();
    test_held_root();
    /* last: before the fix they blocked until the alarm */
    test_swapped_after_listing();
    test_special_files();
    test_open_file();

    harness_rm_rf(base);
    return harness_done();
}
