/* SPDX-License-Identifier: MIT
 * scan.c - pass 2: the page files of content/ (see scan.h). */
#include "scan.h"

#include "fs.h"
#include "page.h"

#include <string.h>
#include <strings.h>

typedef struct scan {
    scan_source *items;
    size_t len, cap;
    const config *cfg;       /* which x.<code>.md suffixes name a language */
    const inputs_seen *seen; /* the folders the fingerprint listed, or NULL */
} scan;

static void
warn_symlink(const char *rel, diag *d)
{
    /* a link could publish any file of the machine (Hugo does): never follow */
    diag_report(d, DIAG_WARNING, SRC_POS(rel, 0, 0),
                "symbolic link not followed (content must be real files)");
}

/* Whether a folder's entries make it a page bundle (an index.md or index.<lang>.md
 * among them); *section_index tells whether an _index file is there too. */
static bool
is_bundle_folder(const char *rel, const fs_entry *ents, size_t n, bool *section_index)
{
    bool bundle = false;
    *section_index = false;
    buf path = BUF_INIT; /* "<rel>/<child>", one buffer for the folder's files */
    buf_puts(&path, rel);
    buf_putc(&path, '/');
    size_t dir_end = path.len;
    for (size_t i = 0; i < n; i++) {
        if (ents[i].kind != FS_FILE || inputs_left_out(ents[i].name))
            continue; /* an editor's _index.md~ makes no section */
        size_t dir_len;
        const char *child = ents[i].name;
        buf_truncate(&path, dir_end);
        buf_puts(&path, child);
        bundle |= page_is_bundle(path.ptr, &dir_len);
        *section_index |= strncmp(child, "_index.", 7) == 0;
    }
    buf_free(&path);
    return bundle;
}

static bool
scan_dir(scan *sc, const char *root, const char *rel, const char *sec_name, int depth, arena *a,
         diag *d)
{
    size_t n;
    fs_entry *owned = NULL; /* listed here, freed here */
    /* as the fingerprint saw it (which is what the next build compares with), else
     * beneath the root, as the pages are read: a folder swapped for a link is refused */
    const fs_entry *ents = inputs_seen_list(sc->seen, rel, &n);
    if (!ents && !fs_list_input(&owned, &n, root, rel, rel, d))
        return false;
    if (!ents)
        ents = owned;
    bool ok = true;
    bool section_index, bundle = is_bundle_folder(rel, ents, n, &section_index);
    for (size_t i = 0; bundle && i < n; i++) {
        const char *name = ents[i].name;
        size_t len = strlen(name), dir_len;
        if (ents[i].kind != FS_FILE || len < 4 || strcmp(name + len - 3, ".md") != 0 ||
            inputs_left_out(name) || strcasecmp(name, "README.md") == 0)
            continue;
        const char *child = arena_join(a, rel, name);
        if (!page_is_bundle(child, &dir_len)) {
            diag_report(d, DIAG_WARNING, SRC_POS(child, 0, 0),
                        "not a page: in a page bundle (a folder with an index.md), only "
                        "index.md is a page; the other files are its resources");
        } else if (depth == 0) {
            diag_report(d, DIAG_ERROR, SRC_POS(child, 0, 0),
                        "not a page: the home page is content/_index.md");
            ok = false;
        } else if (section_index) {
            diag_report(d, DIAG_ERROR, SRC_POS(child, 0, 0),
                        "a folder is a section (_index.md) or a page bundle (index.md), not "
                        "both: rename one of them");
            ok = false;
        } else {
            sc->items = arena_grow(a, sc->items, sc->len, &sc->cap, sizeof(scan_source), 16);
            /* content/about/index.md is a top-level page, as content/about.md is */
            sc->items[sc->len++] = (scan_source){child, depth == 1 ? "" : sec_name, false};
        }
    }
    for (size_t i = 0; !bundle && i < n; i++) {
        const char *name = ents[i].name;
        if (inputs_left_out(name))
            continue; /* hidden and editor files */
        const char *child = arena_join(a, rel, name);
        if (ents[i].kind == FS_SYMLINK) {
            warn_symlink(child, d);
            continue;
        }
        if (ents[i].kind == FS_OTHER) {
            /* reading a FIFO would wait for a writer, a device would never end */
            diag_report(d, DIAG_WARNING, SRC_POS(child, 0, 0),
                        "not a regular file or folder (a FIFO, device or socket); skipped");
            continue;
        }
        if (ents[i].kind == FS_DIR) {
            if (depth == 0 && strcmp(name, "static") == 0)
                continue; /* copied as-is by the output pass */
            if (depth > 32) {
                diag_report(d, DIAG_ERROR, SRC_POS(child, 0, 0), "folders nested too deeply");
                ok = false;
                continue;
            }
            ok &= scan_dir(sc, root, child, depth == 0 ? arena_strdup(a, name) : sec_name,
                           depth + 1, a, d);
            continue;
        }
        size_t len = strlen(name);
        if (ents[i].kind != FS_FILE || len < 4 || strcmp(name + len - 3, ".md") != 0)
            continue;
        if (strcasecmp(name, "README.md") == 0)
            continue; /* notes for the site's writers (content/README.md), not a page */
        sc->items = arena_grow(a, sc->items, sc->len, &sc->cap, sizeof(scan_source), 16);
        size_t stem; /* "_index" of "_index.md" and "_index.en.md" */
        page_language(sc->cfg, child, &stem);
        bool is_index = stem >= 7 && strncmp(child + stem - 7, "/_index", 7) == 0;
        sc->items[sc->len++] = (scan_source){child, sec_name, is_index};
    }
    if (owned)
        fs_entries_free(owned, n);
    return ok;
}

bool
scan_content(const char *root, const config *cfg, const inputs_seen *seen, scan_source **sources,
             size_t *n, arena *a, diag *d)
{
    *sources = NULL;
    *n = 0;
    buf content = BUF_INIT;
    fs_join(&content, root, "content");
    fs_kind kind = fs_kind_of(content.ptr);
    buf_free(&content);
    if (kind == FS_SYMLINK)
        warn_symlink("content", d);
    if (kind != FS_DIR)
        return true; /* no pages: the site is its home and lists, empty */
    scan sc = {0};
    sc.cfg = cfg;
    sc.seen = seen;
    if (!scan_dir(&sc, root, "content", "", 0, a, d))
        return false;
    *sources = sc.items;
    *n = sc.len;
    return true;
}
