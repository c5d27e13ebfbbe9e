/* SPDX-License-Identifier: MIT
 * output.h - the output tree: built in a private temporary directory beside the output
 * directory, never written outside it, and swapped into place in one step at the end.
 * Pass 4 (output); output_write may run on several worker threads at once. */
#ifndef CLINFOLIO_OUTPUT_H
#define CLINFOLIO_OUTPUT_H

#include "diag.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct output output;

/* Starts a build of out_dir ("public"): creates "<parent>/.<name>.tmp-XXXXXX" (mode
 * 0700 until the commit) next to it, so the final rename stays on one file system.
 * Refuses an out_dir that is "/", ".", "..", the current directory or one of its
 * parents, a symbolic link, or an existing non-directory; the parent must exist.
 * Returns NULL after reporting an error. Free with output_commit() or output_abort(). */
output *output_begin(const char *out_dir, diag *d);

/* Writes data[0..len) to rel ("projects/x/index.html") inside the tree, creating the
 * parent directories. rel must be relative, with no empty, "." or ".." component, no
 * backslash and no control character. Every component is opened beneath the tree
 * without following symbolic links (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS when
 * the kernel has it, else O_NOFOLLOW one component at a time) and the file must not
 * exist yet. Each path may be written once: a second write reports "two pages write
 * <rel>" (or a collision with a copied static file) and fails. Thread-safe: workers may
 * write different files at once. Returns false after reporting an error. */
bool output_write(output *o, const char *rel, const void *data, size_t len, diag *d);

/* Copies the regular files under src_dir (a path, named diag_dir in diagnostics, e.g.
 * "content/static") into rel ("" for the root of the tree), recursively, in name
 * order. Symbolic links are skipped with a warning "symbolic link not copied", as are
 * other non-regular files. The first copy of a path wins: copy content/static before
 * the theme's static folder and the content's files replace the theme's. A file that
 * collides with a page written by output_write (before or after) is an error. A
 * missing src_dir copies nothing. Returns false if an error was reported. */
bool output_copy_tree(output *o, const char *src_dir, const char *diag_dir, const char *rel,
                      diag *d);

/* Makes the tree the new out_dir: with renameat2(RENAME_EXCHANGE) when out_dir exists
 * (readers see the old tree or the new one, never a mix; the old tree keeps its mode
 * bits), then removes the old tree without following symbolic links; a plain rename
 * when it does not exist. On a file system without RENAME_EXCHANGE it falls back to two
 * renames. Frees o. On failure reports an error, removes the new tree and leaves
 * out_dir as it was. Failing to remove the old tree is a warning. */
bool output_commit(output *o, diag *d);

/* Removes the temporary tree (out_dir is untouched) and frees o. NULL is a no-op. */
void output_abort(output *o);

#endif
