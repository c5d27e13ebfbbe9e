/* SPDX-License-Identifier: MIT
 * output.h - the output tree: built in a private temporary directory beside the output
 * directory, never written outside it, and swapped into place in one step at the end;
 * or, for an incremental build, the output directory updated in place file by file.
 * Pass 4 (output); output_write, output_write_id and output_keep may run on several
 * worker threads at once. */
#ifndef CLINFOLIO_OUTPUT_H
#define CLINFOLIO_OUTPUT_H

#include "diag.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct output output;

/* The file clinfolio writes into every output tree. A folder holding it (or an empty one)
 * may be replaced by a build; any other existing folder is refused unless `force`. */
#define OUTPUT_MARKER ".clinfolio-output"

/* A folder the output must keep away from, and what it is, for messages: "the site
 * folder", "the site's content folder". */
typedef struct output_guard {
    const char *path;
    const char *what;
} output_guard;

typedef struct output_options {
    const char *out_dir; /* "public", "site/public", "/srv/www" */
    /* folders the output may neither be nor contain, even with force: the site folder
     * (the current folder and the home folder are always refused too); ends with a NULL
     * path, may be NULL */
    const output_guard *not_above;
    /* folders the output may neither be, contain, nor lie inside, even with force: the
     * site's content/, themes/, templates/, plugins/, the theme in use; as not_above */
    const output_guard *not_near;
    bool force; /* replace an existing non-empty folder that has no OUTPUT_MARKER */
    /* out_dir does not outlive this process (clinfolio serve's private folder): an
     * update's files and journal are not flushed to disk (fsync), which a crash would
     * need and a rebuild would wait for */
    bool no_sync;
} output_options;

/* Starts a build of out_dir: removes the stale temporary trees a killed build left
 * beside it, then creates "<parent>/.<name>.tmp-<pid>-XXXXXX" (mode 0700 until the
 * commit, flock'ed while this process lives, holding OUTPUT_MARKER from the start) next
 * to it, so the final rename stays on one file system. Refuses an out_dir that is "/",
 * ".", "..", the current or home directory or one of their parents, a folder of
 * not_above or not_near as described there, a symbolic link, an existing
 * non-directory, or an existing non-empty folder without OUTPUT_MARKER (unless
 * force); the parent must exist. When out_dir exists, is a real directory and holds
 * OUTPUT_MARKER, it is kept open as "the previous tree", from which unchanged files are
 * carried over as hard links (output_keep, output_write_id, output_copy_tree; the marker
 * too, when its text is the same). Returns NULL after reporting an error. Free with
 * output_commit() or output_abort(). */
output *output_begin(const output_options *opt, diag *d);

/* Starts an incremental build that updates out_dir in place (issue #10), for a rebuild
 * that changes few of its files: output_begin's guards and refusals (reported alike),
 * but out_dir must exist as a real directory (not a symbolic link) holding OUTPUT_MARKER,
 * and no other update of it may be running (an flock on out_dir, held until the commit
 * or abort), and it must be on the file system of its parent (not a mount point);
 * otherwise returns NULL and reports NOTHING, and the caller starts a full
 * build with output_begin instead. Like output_begin it first removes (or, when they
 * hold a complete journal, finishes: see output_commit_status) the temporary trees killed
 * builds left, then makes a private "staging" tree beside out_dir, named, locked,
 * marked and removed by output_remove_temporaries() exactly like output_begin's, but
 * never swapped in. In such a tree:
 * - output_keep checks out_dir/rel (as output_keep checks the previous tree: beneath
 *   out_dir, no symbolic link, a regular file of this user with a new file's mode bits,
 *   equal to *expect) and claims it as kept: no link, no directory, nothing written;
 * - output_write_id and output_copy_tree claim a path as kept (writing nothing) when
 *   out_dir has there such a file with exactly the same bytes; otherwise they write the
 *   file into the staging tree, to be moved into out_dir by the commit;
 * - *id_out is the identity of the kept file, or of the staged one (the commit renames
 *   it: the inode and mtime stay);
 * - out_dir's own OUTPUT_MARKER is left as it is.
 * Free with output_commit() or output_abort(). */
output *output_begin_update(const output_options *opt, diag *d);

/* A tree that is never written, for `clinfolio check`: output_write and
 * output_copy_tree check paths and collisions as for a real tree (and that each static
 * file can be opened), but create nothing, on disk or in memory beyond the set of paths;
 * messages name it "the output folder". output_commit frees it and succeeds;
 * output_abort frees it. */
output *output_begin_dry(void);

/* Removes every temporary tree of this process's unfinished builds (never an output
 * folder), for a process about to end early: a signal, the plugin watchdog. Safe to
 * call from any thread while a build runs; a commit in progress finishes its renames
 * first, and no commit completes afterwards. The process must end soon after. */
void output_remove_temporaries(void);

/* Registers dir (a path to a folder of this process's own, copied), which
 * output_remove_temporaries() then removes whole, after the temporary trees:
 * `clinfolio serve` builds into such a private folder, and Ctrl-C must not leave it
 * behind. NULL forgets it. One folder at a time; thread-safe. */
void output_set_private_dir(const char *dir);

/* Writes data[0..len) to rel ("projects/x/index.html") inside the tree, creating the
 * parent directories. rel must be relative, with no empty, "." or ".." component, no
 * backslash and no control character. Every component is opened beneath the tree
 * without following symbolic links (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS when
 * the kernel has it, else O_NOFOLLOW one component at a time) and the file must not
 * exist yet. Each path may be written once: a second write reports "two pages write
 * <rel>" (or a collision with a copied static file) and fails. Thread-safe: workers may
 * write different files at once. A previous file with the same bytes is linked instead
 * (see output_write_id). Returns false after reporting an error. */
bool output_write(output *o, const char *rel, const void *data, size_t len, diag *d);

/* Whether a write into the tree failed because of the medium (a full disk or quota, the
 * file size limit, a read-only or failing device): the first such failure is reported
 * with a note that the build stops, and every later write or copy fails without a
 * message, so that a full disk gives one error, not one per file. The build fails; its
 * passes may stop early. Thread-safe. */
bool output_failed(const output *o);

/* A file's identity, as fstat gives it: the same identity means the same file, untouched
 * (an incremental build keeps it from one build to the next to find a page it need not
 * render again). */
typedef struct output_file_id {
    uint64_t dev, ino, size;
    int64_t mtime_sec;
    int64_t mtime_nsec;
} output_file_id;

/* output_write, which also fills *id_out (may be NULL) with the identity of the file now
 * at rel in the tree (zeros on a dry tree). When the previous tree (the out_dir this
 * build replaces, if it exists and holds OUTPUT_MARKER) has at rel a regular file of this
 * process's user, with the mode bits a new file gets, whose bytes are exactly
 * data[0..len), that file is hard-linked into the tree instead of written (same inode,
 * same mtime): a rebuild that produces the same bytes rewrites nothing. The previous
 * file is read through a descriptor opened beneath the previous tree as files are
 * created beneath the new one (no symbolic link followed). Anything else (no such file,
 * other bytes, a link that fails: EXDEV, EPERM, EMLINK) writes the file as before.
 * Thread-safe like output_write. Returns false after reporting an error. */
bool output_write_id(output *o, const char *rel, const void *data, size_t len,
                     output_file_id *id_out, diag *d);

/* Room for n more paths to be claimed (written, kept or copied): the table of claims is
 * not grown under its lock while the render workers keep files side by side. */
void output_reserve(output *o, size_t n);

/* Carries the previous tree's file rel over into the tree unchanged: a hard link (same
 * inode, same mtime), creating the parent directories as output_write does, and claims
 * rel like output_write, so a later write or static copy of rel collides with it and is
 * reported exactly as after a write. The previous tree's directories are opened beneath
 * it without following symbolic links, and rel must be a regular file there (not a
 * symbolic link) of this process's user with the mode bits a new file gets; when expect
 * is not NULL, its dev, ino, size and mtime (seconds and nanoseconds) must all equal
 * *expect. On success fills *id_out (may be NULL) with the identity of the file now in
 * the tree and returns true. Otherwise (a dry tree, no previous tree, a bad path, rel
 * already claimed, the file missing or different from expect, a link that fails:
 * EXDEV, EPERM, EMLINK, a file system without hard links) returns false, reports
 * NOTHING and claims nothing: the caller renders the file and writes it with
 * output_write, which reports a bad path or a collision as it would have anyway.
 * Thread-safe: render workers may keep and write different files at once. */
bool output_keep(output *o, const char *rel, const output_file_id *expect, output_file_id *id_out,
                 diag *d);

/* Copies the regular files under src_dir (a path, named diag_dir in diagnostics, e.g.
 * "content/static") into rel ("" for the root of the tree), recursively, in name
 * order. Symbolic links are skipped with a warning "symbolic link not copied", as are
 * other non-regular files. The first copy of a path wins: copy content/static before
 * the theme's static folder and the content's files replace the theme's. A file that
 * collides with a page written by output_write (before or after) is an error. A
 * missing src_dir copies nothing. A file whose bytes are those of the previous tree's
 * file at the same path is linked, not copied (as in output_write_id). Returns false if
 * an error was reported. */
bool output_copy_tree(output *o, const char *src_dir, const char *diag_dir, const char *rel,
                      diag *d);

/* For an update tree: the paths of the files out_dir held after the previous build (as
 * the caller recorded them, e.g. from output_files), copied. The commit then removes
 * those of them that this build did not claim, instead of walking out_dir whole to find
 * them. Paths that are not valid output paths (see output_write) are ignored; so is the
 * call on a tree of another kind. Call it before output_commit; a second call replaces
 * the first list. */
void output_set_previous_files(output *o, const char *const *rels, size_t n);

/* One file of the tree, as output_files lists it. */
typedef struct output_file {
    const char *path;  /* relative to out_dir, "projects/x/index.html" */
    output_file_id id; /* what it is in out_dir once the commit succeeded */
} output_file;

/* How many files were written into the tree so far (not kept or linked as they were in
 * the previous tree or out_dir): 0 means the tree holds nothing new yet. Thread-safe. */
size_t output_fresh_count(const output *o);

/* Every path claimed in the tree with a file so far (written, copied, kept, linked or
 * the same bytes found in out_dir), OUTPUT_MARKER excluded, with the identity the file
 * has after the commit (a commit moves files, never rewrites them), in no particular
 * order: for the caller to record (in its cache) before output_commit. A path whose write
 * failed is not listed. Sets *files to an array owned by o, valid until the next write,
 * keep or copy and at most until o is committed or aborted; returns its length. For a
 * tree of either kind; a dry tree lists nothing (returns 0). Call it on the building
 * thread once the writers are done. */
size_t output_files(const output *o, const output_file **files);

/* Makes the tree the new out_dir, or, when it is the previous tree again, leaves out_dir
 * untouched (see output_commit_status, which also says which it did, and how an update
 * tree is committed instead): with
 * renameat2(RENAME_EXCHANGE) when out_dir exists (readers see the old tree or the new one, never a
 * mix; the new tree gets the old one's mode bits), then closes the old tree's permissions (0700)
 * and removes it without following symbolic links; a plain rename when it does not exist. On a file
 * system without RENAME_EXCHANGE it falls back to two renames. Frees o. On failure reports an
 * error, removes the new tree and leaves out_dir as it was. Failing to remove the old tree is a
 * warning. */
bool output_commit(output *o, diag *d);

/* output_commit, which first finds out whether the tree is the same as the previous
 * one: no file of it was written (every one was kept or linked by output_keep,
 * output_write_id or output_copy_tree), and the previous tree holds exactly the same
 * names (walked whole: the same directories with the same mode bits and owner, the same
 * regular files as the very same inodes, nothing else), and out_dir is still the folder
 * this build began with. Then nothing is swapped: the temporary tree is removed and
 * out_dir is left completely untouched (the folder and its directories keep their
 * inodes and times; only the files' link counts and ctimes show that the tree linked
 * them for a while), and *unchanged (may be NULL) is set to true. In any other case, or
 * in doubt, it commits as output_commit and sets *unchanged to false (also on failure
 * and for a dry tree). Frees o.
 *
 * An update tree (output_begin_update) is not swapped. The removals are the regular
 * files of out_dir this build did not claim: those of output_set_previous_files's list
 * still there, or, without a list, those a walk of out_dir finds (OUTPUT_MARKER excluded,
 * no symbolic link followed; other entries, such as symbolic links, are left). When
 * nothing was written into the staging tree and there is nothing to remove, *unchanged
 * is set, the staging tree is removed and out_dir is left completely untouched (no file
 * or directory of it changes, ctimes included). Otherwise the staged files are flushed
 * to disk and a journal naming them and the removals is written into the staging tree,
 * then applied: each staged file is renamed over out_dir/<path> (one atomic step per
 * file: a reader sees the old file or the new one, and an old file a reader has open
 * stays readable), creating missing directories beneath out_dir without following
 * symbolic links; then the removals are unlinked, with the directories they leave empty
 * (never out_dir itself); then the staging tree is removed. A build killed while
 * applying leaves the staging tree with its journal, and the next output_begin or
 * output_begin_update of out_dir finishes the update before it removes that tree. An
 * error before the journal is complete leaves out_dir untouched. An error while applying
 * (a symbolic link or a file in the way of a directory, a full disk) is reported with its
 * path, the rest is applied all the same, the staging tree is removed, and false is
 * returned: out_dir then holds a mix of the old and the new build (every file the error
 * did not concern is new; the marker is always there), so the caller must not trust what
 * it recorded of this build (output_files) and should make the next build a full one.
 * Frees o. */
bool output_commit_status(output *o, bool *unchanged, diag *d);

/* Removes the temporary tree (out_dir is untouched) and frees o. NULL is a no-op. */
void output_abort(output *o);

#endif
