/* SPDX-License-Identifier: MIT
 * fs.h - reading the site's input files safely (beneath a folder, no symbolic links, only
 * regular files, bounded sizes), sorted directory listings, and the build's size limits.
 * Writing the output tree belongs to output.h. */
#ifndef CLINFOLIO_FS_H
#define CLINFOLIO_FS_H

#include "buf.h"
#include "diag.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* {====================================================================
 * size limits: every one in this place, each listed with its exact message under
 * "Limits" in README.md. They bound what one hostile or mistaken file can cost (memory,
 * time, disk) far above what a hand-written site needs. Sizes are checked before the
 * bytes are read or written, so a 2 GiB file costs nothing but the message.
 * ===================================================================== */

/* One input file read whole: a content page, site.yaml, a template, a plugin. A page is
 * held in memory through the whole build, with its HTML; 16 MiB is about 3000 printed
 * pages of text. Static files are copied in chunks and have no limit. */
#define FS_MAX_INPUT ((size_t)16 << 20)
/* The YAML between a page's `---` fences: metadata, read into value trees several times
 * its size; also the default of front.h's largest single scalar. */
#define FS_MAX_FRONT_MATTER ((size_t)1 << 20)
/* The Markdown text given to cmark-gfm, whose sizes are 32-bit: well below that. A page's
 * Markdown is at most its file, so pages meet FS_MAX_INPUT first. */
#define FS_MAX_MARKDOWN ((size_t)64 << 20)
/* One rendered page, checked before it is written: a template looping over the site
 * (a listing of every page on every page) must fail rather than fill the disk. */
#define FS_MAX_OUTPUT ((size_t)64 << 20)

/* Reports `<what> of <size> bytes is larger than <limit> (the limit for <limit_of>)` at
 * `at`, the limit in MiB when it is a whole number of them. */
void fs_report_too_large(diag *d, src_pos at, const char *what, size_t size, size_t limit,
                         const char *limit_of);

/* }==================================================================== */

/* strerror for worker threads (strerror is not thread-safe): the message for err,
 * possibly written into tmp. */
const char *fs_strerror(int err, char *tmp, size_t size);

/* {====================================================================
 * inputs beneath a folder
 *
 * root is the folder the path is relative to, normally the site folder: it may be given
 * any way (`../site`, a symbolic link to the site) and is opened as a directory first.
 * rel is then resolved beneath that descriptor, one component at a time, with openat2
 * (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), or, where the kernel refuses openat2 (ENOSYS,
 * EPERM under seccomp, E2BIG, EINVAL), with O_NOFOLLOW on every component; building
 * fs.c with -DCLINFOLIO_NO_OPENAT2 uses only the latter. A symbolic link anywhere in rel
 * (content/projects swapped for a link during a build) fails, as do an absolute rel and
 * empty, "." and ".." components. Files are opened with O_NONBLOCK, so a FIFO or a
 * device never blocks the open, and refused unless fstat says regular file. Every
 * failure is reported as `<diag_name>: error: cannot read: <reason>` (diag_name is the
 * path as users know it: relative to the site folder, or absolute for installed files).
 * ===================================================================== */

/* A build's root, opened once: until the matching fs_release_root, every read beneath
 * the same root string (strcmp) uses this descriptor instead of opening the folder
 * again for each file. Holds of one root nest; while one root is held, reads beneath
 * another open it per read as before. A root that cannot be opened is not held (each
 * read then reports why). Thread-safe; a release never closes the folder under a read
 * in progress. */
void fs_hold_root(const char *root);
void fs_release_root(const char *root);

/* Why rel is not a plain relative path (empty, absolute, or with an empty, "." or ".."
 * component), or NULL when it is one. */
const char *fs_bad_rel(const char *rel);

/* Opens the regular file rel beneath root for reading and fills *st from the open
 * descriptor (fstat: nothing can change between the check and the read). Returns the
 * descriptor (O_CLOEXEC, O_NONBLOCK, which regular files ignore; close() it), or -1
 * after reporting. */
int fs_open_input(struct stat *st, const char *root, const char *rel, const char *diag_name,
                  diag *d);

/* The metadata of the regular file rel beneath root without opening it (fstatat, the
 * last component not followed; an earlier one is, so the result names a file to compare
 * with one seen before, never one to read): false when there is none or it is not a
 * regular file, with nothing reported (reading it then says why). */
bool fs_stat_input(struct stat *st, const char *root, const char *rel);

/* Appends the whole file rel beneath root to out, opened as by fs_open_input. A file
 * larger than limit bytes (by fstat before anything is read, or by growing while it is
 * read: at most limit + 1 bytes are read) is refused with
 * `<diag_name>: error: file of N bytes is larger than L MiB (the limit for an input
 * file)`. out may have grown on failure; the caller frees it either way. */
bool fs_read_input(buf *out, const char *root, const char *rel, const char *diag_name, size_t limit,
                   diag *d);

/* fs_open_input and fs_read_input (with the limit FS_MAX_INPUT) for callers that hold a
 * joined path. When diag_name is relative, it is the file's path inside the site and
 * path must be <root>/<diag_name> (as fs_join makes it): the file is opened beneath
 * <root>, so no symbolic link on diag_name's components is followed. When diag_name is
 * absolute (an installed theme or plugin) or path does not end in it, the file is opened
 * beneath its own folder. */
int fs_open_file(struct stat *st, const char *path, const char *diag_name, diag *d);
bool fs_read_file(buf *out, const char *path, const char *diag_name, diag *d);

/* }==================================================================== */

typedef enum fs_kind { FS_OTHER, FS_FILE, FS_DIR, FS_SYMLINK } fs_kind;

typedef struct fs_entry {
    char *name;   /* file name only */
    fs_kind kind; /* as lstat gives it (readdir's d_type where the file system has it):
                   * a symlink is FS_SYMLINK, never followed; FS_OTHER is a FIFO, a
                   * device or a socket */
} fs_entry;

/* The entries of dir except "." and "..", sorted by name (bytewise) so every walk is
 * deterministic; entries removed while the folder is read are left out. Free with
 * fs_entries_free(). On failure reports `<diag_name>: error: cannot open directory:
 * <reason>` and returns false. */
bool fs_list_dir(fs_entry **out, size_t *count, const char *dir, const char *diag_name, diag *d);
/* fs_list_dir for the folder rel beneath root, opened as fs_open_input opens files (a
 * symbolic link anywhere in rel is refused). */
bool fs_list_input(fs_entry **out, size_t *count, const char *root, const char *rel,
                   const char *diag_name, diag *d);
void fs_entries_free(fs_entry *entries, size_t count);

bool fs_is_dir(const char *path);
bool fs_is_file(const char *path);
/* What path is, without following a symbolic link (lstat); FS_OTHER when it does not
 * exist either. */
fs_kind fs_kind_of(const char *path);
/* The kind of an entry whose lstat() mode is mode. */
fs_kind fs_kind_of_mode(mode_t mode);

/* Joins a and b with one '/' into out (cleared first). */
void fs_join(buf *out, const char *a, const char *b);

#endif
