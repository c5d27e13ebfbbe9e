/* SPDX-License-Identifier: MIT
 * links.c - the links pass (after the generated files, before templates): every internal
 * link and image of the pages' Markdown against the outputs, the static files and the
 * target page's ids. */
#include "links.h"

#include "buf.h"
#include "fs.h"
#include "strtab.h"
#include "text.h"

#include <string.h>

typedef struct checker {
    const site *s;
    const links_files *files;
    const char *base_path; /* "/" or "/sub/" */
    strtab outputs;        /* output path -> its page (NULL: a list, feed, plugin file) */
    diag *d;
} checker;

/* Whether rel (a path under the output folder) is a file of content/static/ or the
 * theme's static/, which the static pass copies to the root. */
static bool
is_static(const checker *c, const char *rel)
{
    const char *dirs[2] = {"content/static", "static"};
    const char *roots[2] = {c->files->root, c->files->theme};
    bool found = false;
    for (size_t i = 0; i < 2 && !found; i++) {
        if (!roots[i])
            continue;
        buf dir = BUF_INIT, path = BUF_INIT;
        fs_join(&dir, roots[i], dirs[i]);
        fs_join(&path, dir.ptr, rel);
        found = fs_is_file(path.ptr);
        buf_free(&dir);
        buf_free(&path);
    }
    return found;
}

/* Looks up the output at rel (a normalised path, no leading '/'; dir: it ended in '/').
 * Returns whether something is published there; *target is its page, if any. */
static bool
find_target(const checker *c, const char *rel, bool dir, const page **target)
{
    buf key = BUF_INIT;
    bool found = false;
    *target = NULL;
    if (!dir && *rel && strtab_has(&c->outputs, rel)) {
        *target = strtab_get(&c->outputs, rel);
        found = true;
    } else {
        buf_printf(&key, "%s%sindex.html", rel, *rel ? "/" : "");
        if (strtab_has(&c->outputs, key.ptr)) { /* "/x/" and "/x" (the server adds '/') */
            *target = strtab_get(&c->outputs, key.ptr);
            found = true;
        }
    }
    if (!found)
        found = is_static(c, dir ? key.ptr : rel);
    buf_free(&key);
    return found;
}

/* Whether the page's content has an element with id="frag" (frag percent-decoded). */
static bool
has_id(const page *p, const char *frag)
{
    buf id = BUF_INIT, needle = BUF_INIT;
    text_url_decode(&id, frag, strlen(frag));
    buf_puts(&needle, " id=\"");
    text_html_escape(&needle, id.ptr, id.len);
    buf_putc(&needle, '"');
    bool found = p->md.html && strstr(p->md.html, needle.ptr) != NULL;
    buf_free(&id);
    buf_free(&needle);
    return found;
}

/* A relative link written as a path from the page's file ("../static/img/x.png", as
 * GitHub shows it) to a file of content/static/: a note with the URL that file gets. */
static void
note_static_path(const checker *c, const page *p, const char *dest, size_t path_len, size_t id)
{
    static const char prefix[] = "content/static/";
    buf src = BUF_INIT;
    const char *slash = strrchr(p->path, '/');
    if (text_path_push(&src, p->path, slash ? (size_t)(slash - p->path) : 0) &&
        text_path_push(&src, dest, path_len) && strncmp(src.ptr, prefix, sizeof prefix - 1) == 0) {
        buf file = BUF_INIT;
        fs_join(&file, c->files->root, src.ptr);
        if (fs_is_file(file.ptr))
            diag_note(c->d, id, SRC_POS(src.ptr, 0, 0),
                      "this file is published at %s%s: link to that URL", c->base_path,
                      src.ptr + sizeof prefix - 1);
        buf_free(&file);
    }
    buf_free(&src);
}

static void
check_link(checker *c, const page *p, const markdown_link *l)
{
    const char *dest = l->dest;
    text_url_scheme sch;
    text_url_scheme_read(&sch, dest, strlen(dest), false);
    if (sch.kind == TEXT_URL_SCHEME || (dest[0] == '/' && dest[1] == '/'))
        return; /* external (a shortcode may have printed one) */
    size_t path_len = strcspn(dest, "?#");
    const char *hash = strchr(dest, '#');
    const char *kind = l->image ? "image" : "link";
    const char *code = l->image ? "missing-image" : "broken-link";
    const page *target = p;
    if (path_len > 0) {
        buf rel = BUF_INIT;
        size_t base_len = strlen(c->base_path);
        bool inside = true;
        if (dest[0] == '/') {
            if (strncmp(dest, c->base_path, base_len) != 0 &&
                !(path_len == base_len - 1 && strncmp(dest, c->base_path, path_len) == 0)) {
                diag_report_code(c->d, DIAG_WARNING, code, l->at,
                                 "broken %s '%s': outside the site, whose URLs start with '%s'",
                                 kind, dest, c->base_path);
                return;
            }
            size_t skip = path_len < base_len ? path_len : base_len;
            inside = text_path_push(&rel, dest + skip, path_len - skip);
        } else {
            const char *url = p->url + base_len; /* "projects/x/": its folder */
            inside = text_path_push(&rel, url, strlen(url)) && text_path_push(&rel, dest, path_len);
        }
        char last = dest[path_len - 1];
        bool dir = last == '/' || (last == '.' && (path_len == 1 || dest[path_len - 2] == '/' ||
                                                   dest[path_len - 2] == '.'));
        bool found = inside && find_target(c, rel.ptr, dir, &target);
        size_t id = 0;
        if (!inside)
            id = diag_report_code(c->d, DIAG_WARNING, code, l->at,
                                  "broken %s '%s': it goes above the site's root", kind, dest);
        else if (!found && l->image)
            id = diag_report_code(c->d, DIAG_WARNING, code, l->at,
                                  "missing image '%s': no file %s%s%s in content/static/, the "
                                  "theme's static/ or the generated files",
                                  dest, c->base_path, rel.ptr, dir && rel.len ? "/" : "");
        else if (!found)
            id = diag_report_code(c->d, DIAG_WARNING, code, l->at,
                                  "broken link '%s': no page or file is published at %s%s%s", dest,
                                  c->base_path, rel.ptr, dir && rel.len ? "/" : "");
        if (!found && dest[0] != '/')
            note_static_path(c, p, dest, path_len, id);
        buf_free(&rel);
        if (!found)
            return;
    }
    if (hash && hash[1] && target && target->md.html && !has_id(target, hash + 1))
        diag_report_code(c->d, DIAG_WARNING, "broken-anchor", l->at,
                         "broken anchor '%s': %s has no heading or footnote with id '%s'", dest,
                         target->path, hash + 1);
}

void
links_check(const site *s, const links_files *files, diag *d)
{
    checker c = {s, files, site_config(s)->base_path, STRTAB_INIT, d};
    size_t n_outputs, n_pages;
    const site_output *outputs = site_outputs(s, &n_outputs);
    page *const *pages = site_all_pages(s, &n_pages);
    strtab_reserve(&c.outputs, n_outputs + files->n_generated);
    for (size_t i = 0; i < n_outputs; i++)
        strtab_put(&c.outputs, outputs[i].path, NULL);
    for (size_t i = 0; i < files->n_generated; i++)
        strtab_put(&c.outputs, files->generated[i], NULL);
    for (size_t i = 0; i < n_pages; i++)
        if (pages[i]->out_path && strtab_has(&c.outputs, pages[i]->out_path))
            strtab_put(&c.outputs, pages[i]->out_path, pages[i]);
    for (size_t i = 0; i < n_pages; i++)
        for (size_t k = 0; k < pages[i]->md.n_links; k++)
            check_link(&c, pages[i], &pages[i]->md.links[k]);
    strtab_free(&c.outputs);
}
