/* SPDX-License-Identifier: MIT
 * scan.h - pass 2 of the build: which files of content/ are pages. A page is a Markdown
 * file (x.md, or a bundle's index.md) beneath content/, not hidden, not an editor's
 * backup, not a README.md, not in content/static/ (copied as it is by the output pass);
 * symbolic links are not followed. Reads folders only, never a page's bytes. */
#ifndef CLINFOLIO_SCAN_H
#define CLINFOLIO_SCAN_H

#include "arena.h"
#include "config.h"
#include "diag.h"
#include "inputs.h"

#include <stdbool.h>
#include <stddef.h>

/* One page's file. */
typedef struct scan_source {
    const char *rel;      /* "content/projects/x.md" */
    const char *sec_name; /* its section, the first folder beneath content/: "projects", or "" */
    bool is_index; /* an _index file (_index.md, _index.<code>.md): a section's or the home */
} scan_source;

/* The pages of root/content, in a stable order (each folder's entries sorted, folders
 * depth first), allocated in a: *sources, *n (0 when there is no content/ folder). cfg
 * tells which x.<code>.md suffixes name a language. seen (or NULL): the folders the
 * build's fingerprint listed (inputs_seen_list()), taken instead of listing them again.
 * False after an error (reported to d, as warnings are: a link, a FIFO, a page beside a
 * bundle's index.md). */
bool scan_content(const char *root, const config *cfg, const inputs_seen *seen,
                  scan_source **sources, size_t *n, arena *a, diag *d);

#endif
