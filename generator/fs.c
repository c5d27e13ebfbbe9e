/* SPDX-License-Identifier: MIT
 * fs.c - read input files and list directories in a deterministic order. */
#include "fs.h"

#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *
fs_strerror(int err, char *tmp, size_t size)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
    return strerror_r(err, tmp, size); /* GNU: returns the message */
#else
    return strerror_r(err, tmp, size) == 0 ? tmp : "unknown error";
#endif
}

bool
fs_read_file(buf *out, const char *path, const char *diag_name, diag *d)
{
    char tmp[256];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        diag_report(d, DIAG_ERROR, SRC_POS(diag_name, 0, 0), "cannot read: %s",
                    fs_strerror(errno, tmp, sizeof tmp));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        buf_grow(out, (size_t)st.st_size);
    for (;;) {
        buf_grow(out, 64 * 1024);
        ssize_t n = read(fd, out->ptr + out->len, out->cap - out->len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            diag_report(d, DIAG_ERROR, SRC_POS(diag_name, 0, 0), "cannot read: %s",
                        fs_strerror(errno, tmp, sizeof tmp));
            close(fd);
            return false;
        }
        if (n == 0)
            break;
        out->len += (size_t)n;
        out->ptr[out->len] = '\0';
    }
    close(fd);
    return true;
}

static int
cmp_entry(const void *a, const void *b)
{
    return strcmp(((const fs_entry *)a)->name, ((const fs_entry *)b)->name);
}

bool
fs_list_dir(fs_entry **out, size_t *count, const char *dir, const char *diag_name, diag *d)
{
    char tmp[256];
    *out = NULL;
    *count = 0;
    DIR *dp = opendir(dir);
    if (!dp) {
        diag_report(d, DIAG_ERROR, SRC_POS(diag_name, 0, 0), "cannot open directory: %s",
                    fs_strerror(errno, tmp, sizeof tmp));
        return false;
    }
    size_t n = 0, cap = 0;
    fs_entry *items = NULL;
    struct dirent *de;
    while ((de = readdir(dp))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        fs_kind kind = FS_OTHER;
        if (fstatat(dirfd(dp), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            if (S_ISLNK(st.st_mode))
                kind = FS_SYMLINK;
            else if (S_ISDIR(st.st_mode))
                kind = FS_DIR;
            else if (S_ISREG(st.st_mode))
                kind = FS_FILE;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            items = xrealloc(items, cap * sizeof(fs_entry));
        }
        items[n++] = (fs_entry){xstrdup(de->d_name), kind};
    }
    closedir(dp);
    if (n)
        qsort(items, n, sizeof(fs_entry), cmp_entry);
    *out = items;
    *count = n;
    return true;
}

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

void
fs_join(buf *out, const char *a, const char *b)
{
    buf_clear(out);
    buf_puts(out, a);
    if (out->len && out->ptr[out->len - 1] != '/' && *b)
        buf_putc(out, '/');
    buf_puts(out, b);
}
