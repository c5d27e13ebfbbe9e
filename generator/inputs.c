/* SPDX-License-Identifier: MIT
 * inputs.c - the fingerprint of input files by their metadata (see inputs.h). Part of
 * the build pass: memo.c's fingerprint thread (or the main thread, when no thread could be
 * made). */
#include "inputs.h"

#include "arena.h"
#include "buf.h"
#include "fs.h"
#include "hash.h"
#include "strtab.h"
#include "xalloc.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct inputs_seen {
    strtab files; /* path -> a struct stat in a */
    strtab dirs;  /* a folder's path ("content/projects") -> its inputs_listing, in a */
    arena *a;
};

/* A folder's entries as the walk saw them, in name order (as fs_list_dir() sorts them). */
typedef struct inputs_listing {
    fs_entry *entries;
    size_t n;
} inputs_listing;

inputs_seen *
inputs_seen_new(void)
{
    inputs_seen *seen = xcalloc(1, sizeof *seen);
    seen->a = arena_new();
    return seen;
}

void
inputs_seen_free(inputs_seen *seen)
{
    if (!seen)
        return;
    strtab_free(&seen->files);
    strtab_free(&seen->dirs);
    arena_free(seen->a);
    free(seen);
}

bool
inputs_seen_stat(const inputs_seen *seen, const char *rel, struct stat *st)
{
    const struct stat *was = seen ? strtab_get(&seen->files, rel) : NULL;
    if (was)
        *st = *was;
    return was != NULL;
}

const fs_entry *
inputs_seen_list(const inputs_seen *seen, const char *rel, size_t *n)
{
    const inputs_listing *l = seen ? strtab_get(&seen->dirs, rel) : NULL;
    *n = l ? l->n : 0;
    return l ? l->entries : NULL;
}

/* Keeps st as the metadata of the file rel (its path so far, in the walk's buffer). */
static void
keep_seen(inputs_seen *seen, const buf *rel, const struct stat *st)
{
    struct stat *copy = arena_alloc(seen->a, sizeof *copy);
    *copy = *st;
    strtab_put(&seen->files, arena_strndup(seen->a, rel->ptr, rel->len), copy);
}

static uint64_t
stat_hash(uint64_t h, const struct stat *st)
{
    int64_t f[] = {(int64_t)st->st_size, (int64_t)st->st_ino, (int64_t)st->st_dev,
                   (int64_t)st->st_mode, st->st_mtim.tv_sec,  st->st_mtim.tv_nsec,
                   st->st_ctim.tv_sec,   st->st_ctim.tv_nsec};
    return hash_bytes(h, f, sizeof f);
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

bool
inputs_left_out(const char *name)
{
    size_t n = strlen(name);
    return name[0] == '.' || name[0] == '#' || name[n - 1] == '~';
}

/* The entries of the open folder fd (closed here), in name order; with seen, the regular
 * files are kept there by their path (rel: the folder's, with a '/' after it), and the
 * folder's entries but those left out, with their kinds, by the folder's path. */
static uint64_t
walk(uint64_t h, int fd, unsigned depth, inputs_seen *seen, buf *rel)
{
    DIR *dir = fdopendir(fd);
    if (!dir) {
        close(fd);
        return hash_u64(h, 1);
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        if (inputs_left_out(e->d_name)) /* "." and ".." too */
            continue;
        names = xgrow(names, n, &cap, sizeof(char *), 64);
        /* with seen, in its arena once: the folder's listing keeps them */
        names[n++] = seen ? arena_strdup(seen->a, e->d_name) : xstrdup(e->d_name);
    }
    qsort(names, n, sizeof(char *), cmp_names);
    inputs_listing *listing = NULL;
    if (seen) { /* room for this folder's files at once: a folder of 10,000 pages would
                 * otherwise grow the table (and hash every key again) ten times */
        strtab_reserve(&seen->files, seen->files.len + n);
        listing = arena_zalloc(seen->a, sizeof *listing);
        listing->entries = arena_alloc(seen->a, (n + 1) * sizeof *listing->entries);
        strtab_put(&seen->dirs, arena_strndup(seen->a, rel->ptr, rel->len ? rel->len - 1 : 0),
                   listing);
    }
    h = hash_u64(h, n);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        h = hash_bytes(h, names[i], strlen(names[i]) + 1);
        if (fstatat(dirfd(dir), names[i], &st, AT_SYMLINK_NOFOLLOW) != 0) {
            h = hash_u64(h, 2);
        } else {
            h = stat_hash(h, &st);
            size_t at = seen ? rel->len : 0;
            if (listing) /* an entry gone since readdir() is none, as for fs_list_dir() */
                listing->entries[listing->n++] = (fs_entry){names[i], fs_kind_of_mode(st.st_mode)};
            if (seen)
                buf_puts(rel, names[i]);
            if (seen && S_ISREG(st.st_mode))
                keep_seen(seen, rel, &st);
            if (S_ISDIR(st.st_mode) && depth < 64) {
                int sub =
                    openat(dirfd(dir), names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (seen)
                    buf_putc(rel, '/');
                h = sub >= 0 ? walk(h, sub, depth + 1, seen, rel) : hash_u64(h, 3);
            }
            if (seen)
                buf_truncate(rel, at);
        }
        if (!seen)
            free(names[i]);
    }
    free(names);
    closedir(dir);
    return h;
}

uint64_t
inputs_hash_seen(uint64_t h, const char *path, inputs_seen *seen)
{
    h = hash_bytes(h, path, strlen(path) + 1);
    struct stat st;
    if (lstat(path, &st) != 0)
        return hash_u64(h, 4);
    h = stat_hash(h, &st);
    if (!S_ISDIR(st.st_mode))
        return h;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return hash_u64(h, 5);
    buf rel = BUF_INIT; /* "content/": the folder's last name */
    if (seen) {
        const char *slash = strrchr(path, '/');
        buf_puts(&rel, slash ? slash + 1 : path);
        buf_putc(&rel, '/');
    }
    h = walk(h, fd, 0, seen, &rel);
    buf_free(&rel);
    return h;
}

uint64_t
inputs_hash(uint64_t h, const char *path)
{
    return inputs_hash_seen(h, path, NULL);
}
