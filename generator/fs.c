/* SPDX-License-Identifier: MIT
 * fs.c - read input files beneath a folder without following symbolic links, with the
 * type and size checked on the open descriptor; list directories in a deterministic
 * order. Used by every pass that reads the site. */
#include "fs.h"

#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* CLINFOLIO_NO_OPENAT2 builds the per-component fallback only (to test it), as in output.c */
#if defined(SYS_openat2) && !defined(CLINFOLIO_NO_OPENAT2)
#define HAVE_OPENAT2 1
#include <linux/openat2.h>
#endif

const char *
fs_strerror(int err, char *tmp, size_t size)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
    return strerror_r(err, tmp, size); /* GNU: returns the message */
#else
    return strerror_r(err, tmp, size) == 0 ? tmp : "unknown error";
#endif
}

/* "16 MiB", or "100 bytes" for a limit that is not a whole number of MiB (tests) */
static const char *
limit_text(char *tmp, size_t size, size_t limit)
{
    if (limit % ((size_t)1 << 20) == 0)
        snprintf(tmp, size, "%zu MiB", limit >> 20);
    else
        snprintf(tmp, size, "%zu bytes", limit);
    return tmp;
}

void
fs_report_too_large(diag *d, src_pos at, const char *what, size_t size, size_t limit,
                    const char *limit_of)
{
    char tmp[32];
    diag_report(d, DIAG_ERROR, at, "%s of %zu bytes is larger than %s (the limit for %s)", what,
                size, limit_text(tmp, sizeof tmp, limit), limit_of);
}

/* {====================================================================
 * opening beneath a folder
 * ===================================================================== */

/* Checked before either way of opening, so openat2 and the fallback refuse the same
 * paths. */
const char *
fs_bad_rel(const char *rel)
{
    if (!*rel)
        return "empty path";
    if (rel[0] == '/')
        return "absolute path";
    for (const char *p = rel;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0)
            return "empty path component";
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return "'.' or '..' in path";
        if (!slash)
            return NULL;
        p = slash + 1;
    }
}

/* O_DIRECTORY refuses a symbolic link with ENOTDIR before O_NOFOLLOW or
 * RESOLVE_NO_SYMLINKS can say ELOOP: err, or ELOOP when name in dir is a link. */
static int
link_errno(int dir, const char *name, int err)
{
    struct stat st;
    if (err == ENOTDIR && fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        return ELOOP;
    return err;
}

/* The fallback: rel one component at a time, each opened with O_NOFOLLOW. -1 and errno
 * on failure; a symbolic link anywhere is ELOOP, as with openat2. */
static int
open_walk(int dir, const char *rel, int flags)
{
    char path[PATH_MAX];
    size_t len = strlen(rel);
    if (len >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, rel, len + 1);
    int cur = dir;
    for (char *p = path;;) {
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        int next = openat(cur, p, slash ? O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC : flags);
        int err = next < 0 ? link_errno(cur, p, errno) : 0;
        if (cur != dir)
            close(cur);
        errno = err;
        if (next < 0 || !slash)
            return next;
        cur = next;
        p = slash + 1;
    }
}

/* Opens rel beneath the directory descriptor dir with flags (which must hold O_NOFOLLOW
 * and O_CLOEXEC); -1 and errno on failure. */
static int
open_beneath(int dir, const char *rel, int flags)
{
#ifdef HAVE_OPENAT2
    struct open_how how = {.flags = (unsigned)flags,
                           .resolve =
                               RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
    for (int tries = 0;; tries++) {
        int fd = (int)syscall(SYS_openat2, dir, rel, &how, sizeof how);
        if (fd >= 0)
            return fd;
        if (errno == EAGAIN && tries < 16)
            continue; /* a rename raced the lookup: the kernel asks to retry */
        if (errno != ENOSYS && errno != EPERM && errno != E2BIG && errno != EINVAL) {
            errno = link_errno(dir, rel, errno); /* a link at the end of rel */
            return -1;                           /* ELOOP: a symbolic link; ENOENT, EACCES, ... */
        }
        break; /* an old kernel or a seccomp filter: the fallback */
    }
#endif
    return open_walk(dir, rel, flags);
}

static void
report_errno(diag *d, const char *diag_name, const char *what, int err)
{
    char tmp[256];
    const char *why = err == ELOOP ? "symbolic link not followed (inputs must be real files)"
                                   : fs_strerror(err, tmp, sizeof tmp);
    diag_report(d, DIAG_ERROR, SRC_POS(diag_name, 0, 0), "%s: %s", what, why);
}

/* The root a build holds (fs_hold_root): its descriptor, lent to every read beneath it
 * instead of opening the folder once per file (10,000 opens and closes for a
 * 10,000-page build). `users` counts the reads under way, so that the last of a
 * release and those reads closes the descriptor, never one still in use. */
static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char *path; /* NULL: none held */
    int fd;
    size_t holds, users;
} held_root = {NULL, -1, 0, 0};

static void
drop_held(void) /* the caller holds held_lock */
{
    if (held_root.path && held_root.holds == 0 && held_root.users == 0) {
        close(held_root.fd);
        free(held_root.path);
        held_root.path = NULL;
        held_root.fd = -1;
    }
}

void
fs_hold_root(const char *root)
{
    pthread_mutex_lock(&held_lock);
    if (held_root.path && held_root.holds > 0 && strcmp(held_root.path, root) == 0) {
        held_root.holds++;
    } else if (!held_root.path) {
        /* the root is the one place a symbolic link is followed: the user named it */
        int fd = open(*root ? root : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            held_root.path = xstrdup(root);
            held_root.fd = fd;
            held_root.holds = 1;
        }
    } /* another root is held, or the last hold's descriptor waits for a read to end (it
       * may be of a folder since replaced): opened per read, as without a hold */
    pthread_mutex_unlock(&held_lock);
}

void
fs_release_root(const char *root)
{
    pthread_mutex_lock(&held_lock);
    if (held_root.path && strcmp(held_root.path, root) == 0 && held_root.holds > 0) {
        held_root.holds--;
        drop_held();
    }
    pthread_mutex_unlock(&held_lock);
}

/* A descriptor of root for one read, *lent when it is the held one (give it back with
 * return_root); -1 and errno when root cannot be opened. */
static int
borrow_root(const char *root, bool *lent)
{
    pthread_mutex_lock(&held_lock);
    *lent = held_root.path && held_root.holds > 0 && strcmp(held_root.path, root) == 0;
    int fd = *lent ? held_root.fd : -1;
    if (*lent)
        held_root.users++;
    pthread_mutex_unlock(&held_lock);
    return *lent ? fd : open(*root ? root : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static void
return_root(int dir, bool lent)
{
    if (!lent) {
        if (dir >= 0)
            close(dir);
        return;
    }
    pthread_mutex_lock(&held_lock);
    held_root.users--;
    drop_held();
    pthread_mutex_unlock(&held_lock);
}

/* Opens rel beneath root with flags; -1 after reporting `<diag_name>: error: <what>: ...`. */
static int
open_input(const char *root, const char *rel, int flags, const char *diag_name, const char *what,
           diag *d)
{
    const char *bad = fs_bad_rel(rel);
    if (bad) {
        diag_report(d, DIAG_ERROR, SRC_POS(diag_name, 0, 0), "%s: %s", what, bad);
        return -1;
    }
    bool lent;
    int dir = borrow_root(root, &lent);
    int fd = dir < 0 ? -1 : open_beneath(dir, rel, flags);
    int err = errno;
    return_root(dir, lent);
    if (fd < 0)
        report_errno(d, diag_name, what, err);
    return fd;
}

bool
fs_stat_input(struct stat *st, const char *root, const char *rel)
{
    if (fs_bad_rel(rel))
        return false;
    bool lent;
    int dir = borrow_root(root, &lent);
    bool ok = dir >= 0 && fstatat(dir, rel, st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st->st_mode);
    return_root(dir, lent);
    return ok;
}

fs_kind
fs_kind_of_mode(mode_t mode)
{
    return S_ISLNK(mode) ? FS_SYMLINK : S_ISDIR(mode) ? FS_DIR : S_ISREG(mode) ? FS_FILE : FS_OTHER;
}

static const char *
kind_name(mode_t mode)
{
    return S_ISDIR(mode)                    ? "a directory"
           : S_ISFIFO(mode)                 ? "a named pipe"
           : S_ISCHR(mode) || S_ISBLK(mode) ? "a device"
           : S_ISSOCK(mode)                 ? "a socket"
                                            : "of an unknown kind";
}

int
fs_open_input(struct stat *st, const char *root, const char *rel, const char *diag_name, diag *d)
{
    /* O_NONBLOCK: opening a FIFO without a writer, or a device, must not wait */
    int fd = open_input(root, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC,
                        diag_name, "cannot read", d);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0) {
        report_errno(d, diag_name, "cannot read", errno);
        close(fd);
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        diag_report(d, DIAG_ERROR, SRC_POS(diag_name, 0, 0), "cannot read: not a regular file (%s)",
                    kind_name(st->st_mode));
        close(fd);
        return -1;
    }
    return fd;
}

bool
fs_read_input(buf *out, const char *root, const char *rel, const char *diag_name, size_t limit,
              diag *d)
{
    struct stat st;
    int fd = fs_open_input(&st, root, rel, diag_name, d);
    if (fd < 0)
        return false;
    if ((uintmax_t)st.st_size > limit) {
        fs_report_too_large(d, SRC_POS(diag_name, 0, 0), "file", (size_t)st.st_size, limit,
                            "an input file");
        close(fd);
        return false;
    }
    /* room for the size fstat gave and one byte more, to see the end or a grown file */
    buf_grow(out, (size_t)st.st_size + 1);
    bool ok = true;
    for (size_t got = 0;;) {
        if (out->len + 1 == out->cap)
            buf_grow(out, 64 * 1024);
        size_t room = out->cap - out->len - 1;
        if (room > limit + 1 - got)
            room = limit + 1 - got; /* never more than one byte past the limit */
        ssize_t n = read(fd, out->ptr + out->len, room);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            report_errno(d, diag_name, "cannot read", errno);
            ok = false;
            break;
        }
        if (n == 0)
            break;
        got += (size_t)n;
        out->len += (size_t)n;
        out->ptr[out->len] = '\0';
        /* the size fstat gave, and less than asked: the end of a regular file, without a
         * second read to see it (10,000 system calls of a 10,000-page build); not for a
         * file of size 0 (/proc's), whose reads may stop short before their end */
        bool at_end = st.st_size > 0 && got == (size_t)st.st_size && (size_t)n < room;
        if (got > limit) {
            char tmp[32];
            diag_report(d, DIAG_ERROR, SRC_POS(diag_name, 0, 0),
                        "file grew larger than %s while it was read (the limit for an input "
                        "file)",
                        limit_text(tmp, sizeof tmp, limit));
            ok = false;
            break;
        }
        if (at_end)
            break;
    }
    close(fd);
    return ok;
}

/* The folder a joined path is read beneath (free() it), and where rel starts in path:
 * <root> when path is <root>/<diag_name> with diag_name relative, else the file's own
 * folder. */
static char *
split_path(const char *path, const char *diag_name, size_t *rel_at)
{
    size_t plen = strlen(path), dlen = strlen(diag_name);
    if (diag_name[0] != '/' && plen == dlen && strcmp(path, diag_name) == 0)
        *rel_at = 0;
    else if (diag_name[0] != '/' && plen > dlen && path[plen - dlen - 1] == '/' &&
             strcmp(path + plen - dlen, diag_name) == 0)
        *rel_at = plen - dlen;
    else
        *rel_at = strrchr(path, '/') ? (size_t)(strrchr(path, '/') - path) + 1 : 0;
    char *root = xmalloc(*rel_at + 2);
    if (*rel_at == 0) {
        memcpy(root, ".", 2);
    } else if (*rel_at == 1) {
        memcpy(root, "/", 2); /* "/x": the root folder */
    } else {
        memcpy(root, path, *rel_at - 1);
        root[*rel_at - 1] = '\0';
    }
    return root;
}

int
fs_open_file(struct stat *st, const char *path, const char *diag_name, diag *d)
{
    size_t rel_at;
    char *root = split_path(path, diag_name, &rel_at);
    int fd = fs_open_input(st, root, path + rel_at, diag_name, d);
    free(root);
    return fd;
}

bool
fs_read_file(buf *out, const char *path, const char *diag_name, diag *d)
{
    size_t rel_at;
    char *root = split_path(path, diag_name, &rel_at);
    bool ok = fs_read_input(out, root, path + rel_at, diag_name, FS_MAX_INPUT, d);
    free(root);
    return ok;
}

/* }==================================================================== */

/* {====================================================================
 * directory listings
 * ===================================================================== */

static int
cmp_entry(const void *a, const void *b)
{
    return strcmp(((const fs_entry *)a)->name, ((const fs_entry *)b)->name);
}

/* The kind of the entry de of dp: the one readdir gives (no symbolic link followed, as
 * lstat), else, on a file system that gives none, lstat's. False when it is gone. */
static bool
kind_of_entry(DIR *dp, const struct dirent *de, fs_kind *kind)
{
#ifdef CLINFOLIO_NO_D_TYPE /* tests/unit/test_fs_fallback.c: the lstat path */
    unsigned char type = DT_UNKNOWN;
#else
    unsigned char type = de->d_type;
#endif
    switch (type) { /* a folder of 10,000 pages: 10 ms of lstat calls saved */
    case DT_REG:
        *kind = FS_FILE;
        return true;
    case DT_DIR:
        *kind = FS_DIR;
        return true;
    case DT_LNK:
        *kind = FS_SYMLINK;
        return true;
    case DT_FIFO:
    case DT_CHR:
    case DT_BLK:
    case DT_SOCK:
        *kind = FS_OTHER;
        return true;
    default:
        break;
    }
    struct stat st;
    if (fstatat(dirfd(dp), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return false; /* removed since readdir saw it */
    *kind = fs_kind_of_mode(st.st_mode);
    return true;
}

/* Lists and closes dp. */
static void
list(fs_entry **out, size_t *count, DIR *dp)
{
    size_t n = 0, cap = 0;
    fs_entry *items = NULL;
    struct dirent *de;
    while ((de = readdir(dp))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        fs_kind kind;
        if (!kind_of_entry(dp, de, &kind))
            continue;
        items = xgrow(items, n, &cap, sizeof(fs_entry), 16);
        items[n++] = (fs_entry){xstrdup(de->d_name), kind};
    }
    closedir(dp);
    if (n)
        qsort(items, n, sizeof(fs_entry), cmp_entry);
    *out = items;
    *count = n;
}

bool
fs_list_dir(fs_entry **out, size_t *count, const char *dir, const char *diag_name, diag *d)
{
    *out = NULL;
    *count = 0;
    DIR *dp = opendir(dir);
    if (!dp) {
        report_errno(d, diag_name, "cannot open directory", errno);
        return false;
    }
    list(out, count, dp);
    return true;
}

bool
fs_list_input(fs_entry **out, size_t *count, const char *root, const char *rel,
              const char *diag_name, diag *d)
{
    *out = NULL;
    *count = 0;
    int fd = open_input(root, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, diag_name,
                        "cannot open directory", d);
    if (fd < 0)
        return false;
    DIR *dp = fdopendir(fd);
    if (!dp) {
        report_errno(d, diag_name, "cannot open directory", errno);
        close(fd);
        return false;
    }
    list(out, count, dp);
    return true;
}

/* }==================================================================== */

void
fs_entries_free(fs_entry *entries, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(entries[i].name);
    free(entries);
}

bool
fs_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool
fs_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

fs_kind
fs_kind_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? fs_kind_of_mode(st.st_mode) : FS_OTHER;
}

void
fs_join(buf *out, const char *a, const char *b)
{
    buf_clear(out);
    buf_puts(out, a);
    if (out->len && out->ptr[out->len - 1] != '/' && *b)
        buf_putc(out, '/');
    buf_puts(out, b);
}
