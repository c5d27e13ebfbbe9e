/* SPDX-License-Identifier: MIT
 * fs.h - reading the site's input files: whole files, sorted directory listings.
 * Writing the output tree belongs to output.h. */
#ifndef CLINFOLIO_FS_H
#define CLINFOLIO_FS_H

#include "buf.h"
#include "diag.h"

#include <stdbool.h>
#include <stddef.h>

/* Appends the whole file at path to out. On failure reports `path: error: cannot read:
 * <reason>` (diag_name is the path as users know it, relative to the site root). */
/* strerror for worker threads (strerror is not thread-safe): the message for err,
 * possibly written into tmp. */
const char *fs_strerror(int err, char *tmp, size_t size);

bool fs_read_file(buf *out, const char *path, const char *diag_name, diag *d);

typedef enum fs_kind { FS_OTHER, FS_FILE, FS_DIR, FS_SYMLINK } fs_kind;

typedef struct fs_entry {
    char *name;   /* file name only */
    fs_kind kind; /* from lstat: a symlink is FS_SYMLINK, never followed */
} fs_entry;

/* The entries of dir except "." and "..", sorted by name (bytewise) so every walk is
 * deterministic. Free with fs_entries_free(). On failure reports and returns false. */
bool fs_list_dir(fs_entry **out, size_t *count, const char *dir, const char *diag_name, diag *d);
void fs_entries_free(fs_entry *entries, size_t count);

bool fs_is_dir(const char *path);
bool fs_is_file(const char *path);

/* Joins a and b with one '/' into out (cleared first). */
void fs_join(buf *out, const char *a, const char *b);

#endif
