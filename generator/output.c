/* SPDX-License-Identifier: MIT
 * output.c - build the output tree in a private temporary directory through directory
 * file descriptors (nothing is resolved outside it, no symbolic link is followed) and
 * swap it into place atomically. Pass 4 (output). */
#include "output.h"

#include "buf.h"
#include "fs.h"
#include "strtab.h"
#include "text.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* CLINFOLIO_NO_OPENAT2 builds the per-component fallback only (to test it) */
#if defined(SYS_openat2) && !defined(CLINFOLIO_NO_OPENAT2)
#define HAVE_OPENAT2 1
#include <linux/openat2.h>
#endif

struct output {
    char *out_dir;        /* as given, for messages */
    char *parent;         /* the directory holding out_dir, as a path */
    char *name;           /* out_dir's last component */
    char *tmp_name;       /* ".<name>.tmp-XXXXXX", in parent */
    int parent_fd;        /* parent, opened once: every rename happens relative to it */
    int tmp_fd;           /* the tree being built */
    atomic_int openat2;   /* 1 until the kernel refuses openat2 (ENOSYS, seccomp) */
    pthread_mutex_t lock; /* guards claims */
    strtab claims;        /* path -> the static file copied there (its diagnostic name), or
                           * PAGE for a rendered page; keys and names are owned */
};

static char PAGE[] = "a page"; /* the value of a rendered page's claim */

/* strerror is not thread-safe */
#define errtext fs_strerror

static void
report_errno(diag *d, src_pos at, int err, const char *what, const char *dir, const char *rel)
{
    char tmp[128];
    diag_report(d, DIAG_ERROR, at, "%s %s%s%s: %s", what, dir, *rel ? "/" : "", rel,
                errtext(err, tmp, sizeof tmp));
}

/* {====================================================================
 * the set of paths written so far
 * ===================================================================== */

typedef enum claim_result { CLAIM_NEW, CLAIM_PAGE, CLAIM_COPY } claim_result;

/* Claims path for a page (origin NULL) or a copied file. When it was already claimed,
 * says by what and sets *prev_origin (valid while o lives). */
static claim_result
claim_path(output *o, const char *path, const char *origin, const char **prev_origin)
{
    pthread_mutex_lock(&o->lock);
    const char *prev = strtab_get(&o->claims, path);
    claim_result r = CLAIM_NEW;
    if (prev) {
        r = prev == PAGE ? CLAIM_PAGE : CLAIM_COPY;
        *prev_origin = prev == PAGE ? NULL : prev;
    } else {
        strtab_put(&o->claims, xstrdup(path), origin ? xstrdup(origin) : PAGE);
    }
    pthread_mutex_unlock(&o->lock);
    return r;
}

/* }==================================================================== */

/* {====================================================================
 * files beneath the tree
 * ===================================================================== */

/* Why rel is not a path inside the tree, or NULL when it is fine. */
static const char *
bad_path(const char *rel)
{
    if (!*rel)
        return "empty path";
    if (rel[0] == '/')
        return "absolute path";
    for (const char *p = rel; *p; p++) {
        if (*p == '\\')
            return "backslash in path";
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return "control character in path";
    }
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

/* Opens (creating as needed) the directory rel[0..len) beneath the tree; -1 and errno
 * on failure. A symbolic link anywhere on the way fails with ELOOP or ENOTDIR. */
static int
open_dir_beneath(output *o, const char *rel, size_t len)
{
    if (len == 0)
        return fcntl(o->tmp_fd, F_DUPFD_CLOEXEC, 0);
    char path[PATH_MAX];
    if (len >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, rel, len);
    path[len] = '\0';
#ifdef HAVE_OPENAT2
    if (atomic_load(&o->openat2)) {
        struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                               .resolve =
                                   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
        int fd = (int)syscall(SYS_openat2, o->tmp_fd, path, &how, sizeof how);
        if (fd >= 0)
            return fd;
        if (errno == ENOSYS || errno == EPERM || errno == EINVAL || errno == E2BIG)
            atomic_store(&o->openat2, 0); /* old kernel or seccomp: per component */
        else if (errno != ENOENT)
            return -1; /* ELOOP, EXDEV, ENOTDIR: a symbolic link or a file in the way */
    }
#endif
    /* create what is missing, one component at a time; another worker may create the
     * same directory at the same moment, so EEXIST is fine */
    int cur = fcntl(o->tmp_fd, F_DUPFD_CLOEXEC, 0);
    for (char *p = path; cur >= 0 && p;) {
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        int next = -1;
        if (mkdirat(cur, p, 0777) == 0 || errno == EEXIST)
            next = openat(cur, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int err = errno;
        close(cur);
        errno = err;
        cur = next;
        p = slash ? slash + 1 : NULL;
    }
    return cur;
}

/* Creates the file rel in the tree (it must not exist); -1 and errno on failure. */
static int
create_file(output *o, const char *rel)
{
    const char *slash = strrchr(rel, '/');
    size_t dir_len = slash ? (size_t)(slash - rel) : 0;
    int dir = open_dir_beneath(o, rel, dir_len);
    if (dir < 0)
        return -1;
    /* O_EXCL: never through a symbolic link, never over a file planted there */
    int fd = openat(dir, slash ? slash + 1 : rel,
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    int err = errno;
    close(dir);
    errno = err;
    return fd;
}

static bool
write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Writes the (already claimed) file; reports against `at`. */
static bool
write_file(output *o, const char *rel, const void *data, size_t len, src_pos at, diag *d)
{
    int fd = create_file(o, rel);
    if (fd < 0) {
        report_errno(d, at, errno, "cannot write", o->out_dir, rel);
        return false;
    }
    bool ok = write_all(fd, data, len);
    int err = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (!ok)
        report_errno(d, at, err, "cannot write", o->out_dir, rel);
    return ok;
}

/* Removes name (a file, a symbolic link or a whole directory tree) from dir, never
 * following a symbolic link. Returns 0, or -1 with errno. */
static int
remove_tree(int dir, const char *name)
{
    if (unlinkat(dir, name, 0) == 0 || errno == ENOENT)
        return 0;
    if (errno != EISDIR && errno != EPERM)
        return -1;
    int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    DIR *dp = fdopendir(fd);
    if (!dp) {
        close(fd);
        return -1;
    }
    /* read every name first: removing entries while readdir runs is unspecified */
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(dp))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = xrealloc(names, cap * sizeof(char *));
        }
        names[n++] = xstrdup(de->d_name);
    }
    int rc = 0, err = 0;
    for (size_t i = 0; i < n; i++) {
        if (remove_tree(dirfd(dp), names[i]) != 0 && rc == 0) {
            rc = -1;
            err = errno;
        }
        free(names[i]);
    }
    free(names);
    closedir(dp);
    if (rc == 0 && unlinkat(dir, name, AT_REMOVEDIR) != 0)
        return -1;
    errno = err;
    return rc;
}

/* }==================================================================== */

/* {====================================================================
 * begin, write, copy, commit, abort
 * ===================================================================== */

static void
output_free(output *o)
{
    if (o->tmp_fd >= 0)
        close(o->tmp_fd);
    if (o->parent_fd >= 0)
        close(o->parent_fd);
    for (size_t i = 0; i < o->claims.cap; i++) {
        if (!o->claims.keys[i])
            continue;
        free((char *)o->claims.keys[i]);
        if (o->claims.vals[i] != PAGE)
            free(o->claims.vals[i]);
    }
    strtab_free(&o->claims);
    pthread_mutex_destroy(&o->lock);
    free(o->out_dir);
    free(o->parent);
    free(o->name);
    free(o->tmp_name);
    free(o);
}

/* True when the directory `inner` is `outer` or lies inside it (both real paths). */
static bool
path_within(const char *inner, const char *outer)
{
    size_t n = strlen(outer);
    if (strcmp(outer, "/") == 0)
        return true;
    return strncmp(inner, outer, n) == 0 && (inner[n] == '\0' || inner[n] == '/');
}

output *
output_begin(const char *out_dir, diag *d)
{
    char tmp[128];
    src_pos at = SRC_NONE;
    size_t len = out_dir ? strlen(out_dir) : 0;
    while (len > 1 && out_dir[len - 1] == '/')
        len--;
    if (len == 0) {
        diag_report(d, DIAG_ERROR, at, "no output directory given");
        return NULL;
    }
    char *dir = xmalloc(len + 1);
    memcpy(dir, out_dir, len);
    dir[len] = '\0';
    char *slash = strrchr(dir, '/');
    const char *name = slash ? slash + 1 : dir;
    if (strcmp(dir, "/") == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        diag_report(d, DIAG_ERROR, at,
                    "refusing to use '%s' as the output directory: it would replace the "
                    "current directory or one of its parents",
                    dir);
        free(dir);
        return NULL;
    }

    output *o = xcalloc(1, sizeof(output));
    o->out_dir = dir;
    if (!slash) {
        o->parent = xstrdup(".");
    } else if (slash == dir) {
        o->parent = xstrdup("/");
    } else {
        o->parent = xmalloc((size_t)(slash - dir) + 1);
        memcpy(o->parent, dir, (size_t)(slash - dir));
        o->parent[slash - dir] = '\0';
    }
    o->name = xstrdup(name);
    o->tmp_fd = -1;
    atomic_init(&o->openat2, 1);
    pthread_mutex_init(&o->lock, NULL);

    o->parent_fd = open(o->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (o->parent_fd < 0) {
        diag_report(d, DIAG_ERROR, at, "cannot open %s (the directory holding %s): %s", o->parent,
                    dir, errtext(errno, tmp, sizeof tmp));
        output_free(o);
        return NULL;
    }
    struct stat st;
    if (fstatat(o->parent_fd, o->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        const char *why = S_ISLNK(st.st_mode)    ? "is a symbolic link (give its target)"
                          : !S_ISDIR(st.st_mode) ? "exists and is not a directory"
                                                 : NULL;
        if (why) {
            diag_report(d, DIAG_ERROR, at, "output directory %s %s", dir, why);
            output_free(o);
            return NULL;
        }
    }

    /* the real path of out_dir must not hold the current directory: the swap would
     * take the site itself away */
    char *real_parent = realpath(o->parent, NULL), *cwd = getcwd(NULL, 0);
    bool refuse = false;
    if (real_parent && cwd) {
        buf real = BUF_INIT;
        fs_join(&real, real_parent, o->name);
        refuse = path_within(cwd, real.ptr);
        buf_free(&real);
    }
    free(real_parent);
    free(cwd);
    if (refuse) {
        diag_report(d, DIAG_ERROR, at,
                    "refusing to use '%s' as the output directory: it is the current "
                    "directory or contains it",
                    dir);
        output_free(o);
        return NULL;
    }

    buf path = BUF_INIT;
    buf_printf(&path, "%s/.%s.tmp-XXXXXX", o->parent, o->name);
    if (!mkdtemp(path.ptr)) {
        diag_report(d, DIAG_ERROR, at, "cannot create a temporary directory beside %s: %s", dir,
                    errtext(errno, tmp, sizeof tmp));
        buf_free(&path);
        output_free(o);
        return NULL;
    }
    o->tmp_name = xstrdup(strrchr(path.ptr, '/') + 1);
    buf_free(&path);
    o->tmp_fd = openat(o->parent_fd, o->tmp_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (o->tmp_fd < 0) {
        diag_report(d, DIAG_ERROR, at, "cannot open the temporary directory %s/%s: %s", o->parent,
                    o->tmp_name, errtext(errno, tmp, sizeof tmp));
        output_abort(o);
        return NULL;
    }
    return o;
}

bool
output_write(output *o, const char *rel, const void *data, size_t len, diag *d)
{
    const char *why = bad_path(rel);
    if (why) {
        diag_report(d, DIAG_ERROR, SRC_NONE, "cannot write '%s' to %s: %s", rel, o->out_dir, why);
        return false;
    }
    const char *prev = NULL;
    switch (claim_path(o, rel, NULL, &prev)) {
    case CLAIM_PAGE:
        diag_report(d, DIAG_ERROR, SRC_NONE, "two pages write %s", rel);
        return false;
    case CLAIM_COPY:
        diag_report(d, DIAG_ERROR, SRC_POS(prev, 0, 0), "static file collides with a page at %s",
                    rel);
        return false;
    case CLAIM_NEW:
        break;
    }
    return write_file(o, rel, data, len, SRC_NONE, d);
}

/* Copies one regular file; reports against its diagnostic name. */
static bool
copy_file(output *o, const char *src, const char *diag_name, const char *rel, char *chunk,
          size_t chunk_size, diag *d)
{
    src_pos at = SRC_POS(diag_name, 0, 0);
    char tmp[128];
    const char *why = bad_path(rel);
    if (why) {
        diag_report(d, DIAG_ERROR, at, "cannot copy to '%s': %s", rel, why);
        return false;
    }
    const char *prev = NULL;
    switch (claim_path(o, rel, diag_name, &prev)) {
    case CLAIM_PAGE:
        diag_report(d, DIAG_ERROR, at, "static file collides with a page at %s", rel);
        return false;
    case CLAIM_COPY:
        return true; /* the first copy wins (content/static over the theme's) */
    case CLAIM_NEW:
        break;
    }
    int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (in < 0 || fstat(in, &st) != 0) {
        diag_report(d, DIAG_ERROR, at, "cannot read: %s", errtext(errno, tmp, sizeof tmp));
        if (in >= 0)
            close(in);
        return false;
    }
    if (!S_ISREG(st.st_mode)) { /* replaced since it was listed */
        diag_report(d, DIAG_WARNING, at, "not a regular file; not copied");
        close(in);
        return true;
    }
    int out = create_file(o, rel);
    if (out < 0) {
        report_errno(d, at, errno, "cannot write", o->out_dir, rel);
        close(in);
        return false;
    }
    bool ok = true;
    for (;;) {
        ssize_t n = read(in, chunk, chunk_size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            diag_report(d, DIAG_ERROR, at, "cannot read: %s", errtext(errno, tmp, sizeof tmp));
            ok = false;
            break;
        }
        if (n == 0)
            break;
        if (!write_all(out, chunk, (size_t)n)) {
            report_errno(d, at, errno, "cannot write", o->out_dir, rel);
            ok = false;
            break;
        }
    }
    close(in);
    if (close(out) != 0 && ok) {
        report_errno(d, at, errno, "cannot write", o->out_dir, rel);
        ok = false;
    }
    return ok;
}

static bool
copy_dir(output *o, const char *src, const char *diag_dir, const char *rel, char *chunk,
         size_t chunk_size, diag *d)
{
    fs_entry *entries;
    size_t n;
    if (!fs_list_dir(&entries, &n, src, diag_dir, d))
        return false;
    bool ok = true;
    buf s = BUF_INIT, dn = BUF_INIT, r = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        fs_join(&s, src, entries[i].name);
        fs_join(&dn, diag_dir, entries[i].name);
        fs_join(&r, rel, entries[i].name);
        switch (entries[i].kind) {
        case FS_DIR:
            ok &= copy_dir(o, s.ptr, dn.ptr, r.ptr, chunk, chunk_size, d);
            break;
        case FS_FILE:
            ok &= copy_file(o, s.ptr, dn.ptr, r.ptr, chunk, chunk_size, d);
            break;
        case FS_SYMLINK:
            diag_report(d, DIAG_WARNING, SRC_POS(dn.ptr, 0, 0), "symbolic link not copied");
            break;
        case FS_OTHER:
            diag_report(d, DIAG_WARNING, SRC_POS(dn.ptr, 0, 0), "not a regular file; not copied");
            break;
        }
    }
    buf_free(&s);
    buf_free(&dn);
    buf_free(&r);
    fs_entries_free(entries, n);
    return ok;
}

bool
output_copy_tree(output *o, const char *src_dir, const char *diag_dir, const char *rel, diag *d)
{
    struct stat st;
    if (lstat(src_dir, &st) != 0)
        return true; /* no static folder */
    if (S_ISLNK(st.st_mode)) {
        diag_report(d, DIAG_WARNING, SRC_POS(diag_dir, 0, 0), "symbolic link not copied");
        return true;
    }
    if (!S_ISDIR(st.st_mode)) {
        diag_report(d, DIAG_ERROR, SRC_POS(diag_dir, 0, 0), "not a directory");
        return false;
    }
    if (*rel && bad_path(rel)) {
        diag_report(d, DIAG_ERROR, SRC_POS(diag_dir, 0, 0), "cannot copy to '%s': %s", rel,
                    bad_path(rel));
        return false;
    }
    size_t chunk_size = 64 * 1024;
    char *chunk = xmalloc(chunk_size);
    bool ok = copy_dir(o, src_dir, diag_dir, rel, chunk, chunk_size, d);
    free(chunk);
    return ok;
}

bool
output_commit(output *o, diag *d)
{
    char tmp[128];
    src_pos at = SRC_NONE;
    struct stat st;
    bool exists = fstatat(o->parent_fd, o->name, &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (exists && !S_ISDIR(st.st_mode)) {
        diag_report(d, DIAG_ERROR, at, "output directory %s is no longer a directory", o->out_dir);
        output_abort(o);
        return false;
    }
    /* the new tree gets the old one's permissions (0755 for a first build) */
    if (fchmod(o->tmp_fd, exists ? st.st_mode & 07777 : 0755) != 0) {
        diag_report(d, DIAG_ERROR, at, "cannot set the permissions of %s/%s: %s", o->parent,
                    o->tmp_name, errtext(errno, tmp, sizeof tmp));
        output_abort(o);
        return false;
    }
    if (!exists) {
        if (renameat(o->parent_fd, o->tmp_name, o->parent_fd, o->name) != 0) {
            diag_report(d, DIAG_ERROR, at, "cannot rename %s/%s to %s: %s", o->parent, o->tmp_name,
                        o->out_dir, errtext(errno, tmp, sizeof tmp));
            output_abort(o);
            return false;
        }
        output_free(o);
        return true;
    }

    const char *old = o->tmp_name; /* after the exchange it names the old tree */
    char *old_name = NULL;
    if (renameat2(o->parent_fd, o->tmp_name, o->parent_fd, o->name, RENAME_EXCHANGE) != 0) {
        if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
            diag_report(d, DIAG_ERROR, at, "cannot replace %s: %s", o->out_dir,
                        errtext(errno, tmp, sizeof tmp));
            output_abort(o);
            return false;
        }
        /* no RENAME_EXCHANGE here (NFS, some FUSE): move the old tree over an empty
         * placeholder, then the new one into place; out_dir is briefly missing */
        buf path = BUF_INIT;
        buf_printf(&path, "%s/.%s.old-XXXXXX", o->parent, o->name);
        bool moved = false;
        if (mkdtemp(path.ptr)) {
            old_name = xstrdup(strrchr(path.ptr, '/') + 1);
            if (renameat(o->parent_fd, o->name, o->parent_fd, old_name) == 0) {
                moved = renameat(o->parent_fd, o->tmp_name, o->parent_fd, o->name) == 0;
                if (!moved) {
                    int err = errno;
                    renameat(o->parent_fd, old_name, o->parent_fd, o->name); /* put it back */
                    errno = err;
                }
            } else {
                int err = errno;
                unlinkat(o->parent_fd, old_name, AT_REMOVEDIR);
                errno = err;
            }
        }
        buf_free(&path);
        if (!moved) {
            diag_report(d, DIAG_ERROR, at, "cannot replace %s: %s", o->out_dir,
                        errtext(errno, tmp, sizeof tmp));
            free(old_name);
            output_abort(o);
            return false;
        }
        old = old_name;
    }
    if (remove_tree(o->parent_fd, old) != 0)
        diag_report(d, DIAG_WARNING, at, "cannot remove the previous output, now in %s/%s: %s",
                    o->parent, old, errtext(errno, tmp, sizeof tmp));
    free(old_name);
    output_free(o);
    return true;
}

void
output_abort(output *o)
{
    if (!o)
        return;
    if (o->tmp_name)
        remove_tree(o->parent_fd, o->tmp_name);
    output_free(o);
}

/* }==================================================================== */
