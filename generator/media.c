/* SPDX-License-Identifier: MIT
 * media.c - the media pass (see media.h). */
#include "media.h"

#include "buf.h"
#include "fs.h"
#include "markdown.h"
#include "page.h"
#include "pool.h"
#include "strtab.h"
#include "text.h"
#include "value.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* One source image, made once however many pages show it. */
typedef struct source_image {
    const char *root; /* the folder its rel is beneath: the site's, or the theme's */
    const char *rel;  /* "content/projects/x/photo.jpg", "static/img/y.png" */
    const char *name; /* as messages name it */
    const char *stem; /* of the published names, from the page's folder: "photo", "img/a" */
    src_pos at;       /* the first `src` that names it */
    bool ok;
    image_set set;
    const char *why;
    const page *owner; /* the page whose folder the variants go to (the first to show it) */
} source_image;

struct media {
    const media_options *o;
    output *out;
    image_counts *counts;
    arena *a;
    source_image *images; /* every source made, each once; n_images of them */
    size_t n_images, cap_images;
    strtab by_rel;      /* "s<rel>" (the site's) or "t<rel>" (the theme's) -> index + 1 */
    const char **files; /* published, relative to the output folder; n_files of them */
    size_t n_files, cap_files;
    strtab published; /* the same, as a set */
};

typedef struct media_job {
    const media_options *o;
    source_image *images;
    arena **arenas; /* one per worker */
    image_counts *counts;
} media_job;

media *
media_new(const media_options *o, output *out, image_counts *counts, arena *a)
{
    media *m = arena_zalloc(a, sizeof *m);
    *m = (media){.o = o, .out = out, .counts = counts, .a = a};
    return m;
}

void
media_free(media *m)
{
    if (m) {
        strtab_free(&m->by_rel);
        strtab_free(&m->published);
    }
}

const char *const *
media_files(const media *m, size_t *n)
{
    *n = m->n_files;
    return m->files;
}

/* The index of the source found in m->images, added when it is new. */
static size_t
add_source(media *m, const source_image *found)
{
    const char *key = arena_printf(m->a, "%c%s", found->root == m->o->root ? 's' : 't', found->rel);
    size_t k = (size_t)(uintptr_t)strtab_get(&m->by_rel, key);
    if (k)
        return k - 1;
    m->images = arena_grow(m->a, m->images, m->n_images, &m->cap_images, sizeof *m->images, 16);
    m->images[m->n_images++] = *found;
    strtab_put(&m->by_rel, key, (void *)(uintptr_t)m->n_images);
    return m->n_images - 1;
}

/* The stem of the published names of the file rel (from the page's folder): rel without
 * its extension. */
static const char *
stem_of(const char *rel, arena *a)
{
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    const char *dot = strrchr(base, '.');
    return arena_strndup(a, rel, dot && dot > base ? (size_t)(dot - rel) : strlen(rel));
}

/* The image map of p: its own, or a translation's original's. */
static const value *
image_of(const page *p)
{
    const value *img = value_map_get(p->front, "image");
    if (!img && p->original)
        img = value_map_get(p->original->front, "image");
    return img && img->type == VALUE_MAP ? img : NULL;
}

static const char *
text_of(const value *map, const char *key)
{
    const value *v = value_map_get(map, key);
    return v && v->type == VALUE_STRING ? v->as.str.ptr : NULL;
}

/* The folder of the page's file ("content/projects/x" for .../x/index.md and for
 * .../x.md's "content/projects"). */
static const char *
page_folder(const page *p, arena *a)
{
    const char *slash = strrchr(p->path, '/');
    return arena_strndup(a, p->path, slash ? (size_t)(slash - p->path) : 0);
}

/* Where src names a file: beside the page, or (/path) under content/static, else the
 * theme's static/ (into img); false after reporting at the src. */
static bool
resolve(source_image *img, const page *p, const char *src, src_pos at, const media_options *o,
        arena *a, diag *d)
{
    const char *why = NULL;
    if (strstr(src, "://") || strncmp(src, "//", 2) == 0 || strncmp(src, "data:", 5) == 0)
        why = "it must be a file of the site, not a URL";
    const char *rel = src[0] == '/' ? src + 1 : src;
    if (!why && (why = fs_bad_rel(rel)) != NULL)
        why = arena_printf(a, "not a path to a file (%s)", why);
    if (why) {
        diag_report(d, DIAG_ERROR, at, "image '%s': %s", src, why);
        return false;
    }
    img->root = o->root;
    if (src[0] != '/') {
        img->rel = arena_printf(a, "%s/%s", page_folder(p, a), rel);
    } else {
        img->rel = arena_printf(a, "content/static/%s", rel);
        buf path = BUF_INIT;
        fs_join(&path, o->root, img->rel);
        bool here = fs_kind_of(path.ptr) != FS_OTHER; /* FS_OTHER: nothing there */
        buf_free(&path);
        if (!here) { /* the theme's static/ serves the same paths */
            img->root = o->theme;
            img->rel = arena_printf(a, "static/%s", rel);
        }
    }
    img->name = img->root == o->root ? img->rel : arena_printf(a, "%s/%s", o->theme_name, img->rel);
    buf path = BUF_INIT;
    fs_join(&path, img->root, img->rel);
    bool found = fs_kind_of(path.ptr) == FS_FILE;
    buf_free(&path);
    if (!found) {
        diag_report(d, DIAG_ERROR, at, "image '%s': no file %s%s", src, img->name,
                    src[0] == '/' ? " (nor in the theme's static/)" : "");
        return false;
    }
    const char *base = strrchr(rel, '/'); /* a /path: its name only */
    img->stem = stem_of(src[0] == '/' && base ? base + 1 : rel, a);
    img->at = at;
    img->owner = p;
    return true;
}

static void
make_one(size_t i, size_t worker, void *payload)
{
    media_job *j = payload;
    source_image *img = &j->images[i];
    arena *a = j->arenas[worker];
    buf data = BUF_INIT;
    diag *quiet = diag_new(); /* a read failure is reported below, at the page's src */
    if (!fs_read_input(&data, img->root, img->rel, img->name, IMAGE_MAX_BYTES, quiet)) {
        img->why = "cannot be read (missing, a symbolic link, not a regular file, or too large)";
    } else {
        const char *cache = j->o->cache_dir;
        img->ok =
            image_make(data.ptr, data.len, cache, j->o->encode, &img->set, j->counts, a, &img->why);
    }
    diag_free(quiet);
    buf_free(&data);
}

/* "projects/x" of "projects/x/index.html" (the folder a page's files go to). */
static const char *
out_folder(const page *p, arena *a)
{
    const char *slash = strrchr(p->out_path, '/');
    return arena_strndup(a, p->out_path, slash ? (size_t)(slash - p->out_path) : 0);
}

/* Reads a variant the image cache holds (a regular file, not through a link at its
 * name); false after reporting. */
static bool
read_variant(buf *out, const char *path, diag *d)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    bool ok = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
              (size_t)st.st_size <= IMAGE_MAX_BYTES;
    while (ok) {
        buf_grow(out, 65536);
        ssize_t n = read(fd, out->ptr + out->len, out->cap - out->len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        ok = n >= 0;
        if (n <= 0)
            break;
        out->len += (size_t)n;
        out->ptr[out->len] = '\0';
    }
    int err = errno;
    if (fd >= 0)
        close(fd);
    if (!ok) {
        char tmp[128];
        diag_report(d, DIAG_ERROR, SRC_POS(path, 0, 0),
                    "cannot read this image file of the cache: %s (remove the folder; the "
                    "next build makes it again)",
                    fs_strerror(err, tmp, sizeof tmp));
    }
    return ok;
}

/* Writes rel (a path in the output folder) unless this build published it already (two
 * sources of the same bytes and stem have the same names); false after reporting. */
static bool
put_file(media *m, const char *rel, const buf *data, diag *d)
{
    if (strtab_has(&m->published, rel))
        return true;
    if (!output_write_id(m->out, rel, data->ptr ? data->ptr : "", data->len, NULL, d))
        return false;
    m->files = arena_grow(m->a, m->files, m->n_files, &m->cap_files, sizeof(char *), 16);
    m->files[m->n_files++] = rel;
    strtab_put(&m->published, rel, NULL);
    return true;
}

/* "<stem>-<hash>-<width>.<ext>": the published name of variant v of img. */
static const char *
variant_name(const source_image *img, const image_variant *v, arena *a)
{
    return arena_printf(a, "%s-%.8llx-%d.%s", img->stem, (unsigned long long)(img->set.hash >> 32),
                        v->width, v->ext);
}

/* Publishes the variants of img beside its owner page; false after reporting. */
static bool
publish(media *m, const source_image *img, diag *d)
{
    const char *folder = out_folder(img->owner, m->a);
    bool ok = true;
    for (size_t i = 0; i < img->set.n && ok; i++) {
        const image_variant *v = &img->set.v[i];
        buf data = BUF_INIT;
        if (m->o->encode) {
            buf path = BUF_INIT;
            buf_printf(&path, "%s/%s", m->o->cache_dir, v->cache_name);
            ok = read_variant(&data, path.ptr, d);
            buf_free(&path);
        }
        const char *rel =
            arena_printf(m->a, "%s%s%s", folder, *folder ? "/" : "", variant_name(img, v, m->a));
        ok = ok && put_file(m, rel, &data, d);
        buf_free(&data);
    }
    return ok;
}

/* Makes the sources images[from..] on the pool and publishes those made; the others keep
 * their why for the caller to report. False after reporting an error while publishing. */
static bool
make_sources(media *m, size_t from, diag *d)
{
    media_job job = {m->o, m->images + from, m->o->worker_arenas, m->counts};
    pool_run(m->o->workers, m->n_images - from, make_one, &job);
    bool ok = true;
    for (size_t k = from; k < m->n_images; k++)
        if (m->images[k].ok)
            ok &= publish(m, &m->images[k], d);
    return ok;
}

/* The URL of variant v of img: beside its owner page, percent-encoded. */
static const char *
variant_url(const source_image *img, const image_variant *v, arena *a)
{
    buf b = BUF_INIT;
    buf_puts(&b, img->owner->url);
    const char *name = variant_name(img, v, a);
    text_url_encode_path(&b, name, strlen(name));
    const char *url = arena_strndup(a, b.ptr, b.len);
    buf_free(&b);
    return url;
}

/* "url 480w, url 960w" of the variants of one type. */
static const char *
srcset(const source_image *img, const char *ext, arena *a)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < img->set.n; i++) {
        const image_variant *v = &img->set.v[i];
        if (strcmp(v->ext, ext) == 0)
            buf_printf(&b, "%s%s %dw", b.len ? ", " : "", variant_url(img, v, a), v->width);
    }
    const char *s = arena_strndup(a, b.ptr ? b.ptr : "", b.len);
    buf_free(&b);
    return s;
}

/* The picture of a source made: its widest fallback, its srcsets. */
static void
picture_of(markdown_picture *pic, const source_image *img, arena *a)
{
    const image_variant *largest = &img->set.v[img->set.n - 1]; /* the fallback's widest */
    *pic = (markdown_picture){variant_url(img, largest, a),
                              srcset(img, largest->ext, a),
                              NULL,
                              largest->width,
                              largest->height,
                              NULL};
    if (strcmp(largest->ext, "webp") != 0)
        pic->webp_srcset = srcset(img, "webp", a);
}

/* page.image: {src, alt, credit, width, height, type, srcset, webp_srcset, permalink}. */
static value *
image_value(const page *p, const source_image *img, const value *front_img, arena *a)
{
    const image_variant *largest = &img->set.v[img->set.n - 1];
    markdown_picture pic;
    picture_of(&pic, img, a);
    value *m = value_new_map(a, front_img->pos);
    const char *alt = text_of(p->front, "image_alt");
    if (!alt)
        alt = text_of(front_img, "alt");
    const char *credit = text_of(front_img, "credit");
    const char *name = pic.src + strlen(img->owner->url);
    value_map_set(m, "src", value_new_cstr(a, pic.src, SRC_NONE), a);
    value_map_set(m, "permalink",
                  value_new_cstr(a, arena_printf(a, "%s%s", img->owner->permalink, name), SRC_NONE),
                  a);
    value_map_set(m, "alt", value_new_cstr(a, alt ? alt : "", SRC_NONE), a);
    if (credit)
        value_map_set(m, "credit", value_new_cstr(a, credit, SRC_NONE), a);
    value_map_set(m, "width", value_new_number(a, pic.width, SRC_NONE), a);
    value_map_set(m, "height", value_new_number(a, pic.height, SRC_NONE), a);
    value_map_set(m, "type", value_new_cstr(a, largest->type, SRC_NONE), a);
    value_map_set(m, "srcset", value_new_cstr(a, pic.srcset, SRC_NONE), a);
    if (pic.webp_srcset)
        value_map_set(m, "webp_srcset", value_new_cstr(a, pic.webp_srcset, SRC_NONE), a);
    return m;
}

static bool
is_image_name(const char *name)
{
    static const char *const exts[] = {".jpg", ".jpeg", ".png", ".webp", ".gif"};
    size_t len = strlen(name);
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t n = strlen(exts[i]);
        if (len > n && strcasecmp(name + len - n, exts[i]) == 0)
            return true;
    }
    return false;
}

/* The files of p's bundle other than pages and images, copied beside it. */
static bool
copy_bundle_files(media *m, const page *p, diag *d)
{
    size_t dir_len;
    if (!page_is_bundle(p->path, &dir_len) || p->original)
        return true;
    arena *a = m->a;
    const char *dir = arena_strndup(a, p->path, dir_len);
    fs_entry *ents;
    size_t n;
    if (!fs_list_input(&ents, &n, m->o->root, dir, dir, d))
        return false;
    bool ok = true;
    const char *folder = out_folder(p, a);
    for (size_t i = 0; i < n && ok; i++) {
        const char *name = ents[i].name;
        size_t len = strlen(name);
        if (ents[i].kind != FS_FILE || name[0] == '.' || name[len - 1] == '~' ||
            (len > 3 && strcmp(name + len - 3, ".md") == 0) || is_image_name(name))
            continue;
        const char *rel = arena_printf(a, "%s/%s", dir, name);
        buf data = BUF_INIT;
        ok = fs_read_input(&data, m->o->root, rel, rel, FS_MAX_INPUT, d) &&
             put_file(m, arena_printf(a, "%s/%s", folder, name), &data, d);
        buf_free(&data);
    }
    fs_entries_free(ents, n);
    return ok;
}

/* The page whose folder a page's files are published in: a translation's original, when
 * that is published, else the page itself. */
static const page *
owner_of(const page *p)
{
    return p->original && p->original->out_path ? p->original : p;
}

bool
media_run(media *m, site *s, diag *d)
{
    arena *a = m->a;
    size_t n_all;
    page *const *all = site_all_pages(s, &n_all);
    /* pages[i] shows images[which[i]] (SIZE_MAX: none) */
    size_t *which = arena_alloc(a, (n_all + 1) * sizeof *which);
    size_t first = m->n_images;
    bool ok = true;
    strtab shown = STRTAB_INIT; /* an original's path -> its place in which[] */
    /* originals first, then the translations, which show their original's image */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n_all; i++) {
            const page *p = all[i];
            /* a translation's image is its original's, published once in its folder (when
             * the original is published) */
            const page *from = owner_of(p);
            if (pass != (from != p))
                continue; /* before the lookups: a page's image is looked for once */
            const value *img = image_of(p);
            const value *src = img ? value_map_get(img, "src") : NULL;
            which[i] = SIZE_MAX;
            if (!src || src->type != VALUE_STRING || !*src->as.str.ptr)
                continue;
            if (from != p) { /* the original's, or nothing after its error */
                const size_t *of = strtab_get(&shown, from->path);
                which[i] = of ? *of : SIZE_MAX;
                continue;
            }
            source_image found = {0};
            if (!resolve(&found, p, src->as.str.ptr, src->pos, m->o, a, d)) {
                ok = false;
                continue;
            }
            which[i] = add_source(m, &found);
            strtab_put(&shown, p->path, &which[i]);
        }
    strtab_free(&shown);
    if (!ok)
        return false;
    ok = make_sources(m, first, d);
    for (size_t k = first; k < m->n_images; k++)
        if (!m->images[k].ok) {
            diag_report(d, DIAG_ERROR, m->images[k].at, "image %s: %s", m->images[k].name,
                        m->images[k].why);
            ok = false;
        }
    for (size_t i = 0; ok && i < n_all; i++) {
        page *p = all[i];
        ok &= copy_bundle_files(m, p, d);
        if (which[i] == SIZE_MAX)
            continue;
        value *v = image_value(p, &m->images[which[i]], image_of(p), a);
        value_map_set(p->ctx, "image", v, a);
        if (p->link)
            page_link_set(p, "image", v, a);
    }
    return ok;
}

/* {====================================================================
 * the images of a bundle's Markdown and figure calls (media_run_content)
 * ===================================================================== */

/* A picture of a page waiting for its source to be made. */
typedef struct wanted {
    page *p;
    size_t picture; /* in p->pictures */
    size_t image;   /* in m->images */
} wanted;

typedef struct content_scan {
    media *m;
    page *p;
    const char *dir; /* the bundle's folder: "content/projects/x" */
    wanted *wants;
    size_t n_wants, cap_wants;
} content_scan;

/* Adds a picture to c->p for url; returns it. */
static markdown_picture *
add_picture(content_scan *c, const char *url)
{
    page *p = c->p;
    p->pictures =
        arena_grow(c->m->a, p->pictures, p->n_pictures, &p->cap_pictures, sizeof *p->pictures, 4);
    p->pictures[p->n_pictures] = (struct page_picture){url, {0}};
    return &p->pictures[p->n_pictures++].pic;
}

/* The path url names inside the bundle ("img/a.jpg" of "./img/a.jpg", percent-escapes
 * decoded) into rel, or false when it is no path inside it: a URL with a scheme, a /path,
 * one with ?query or #fragment, one leaving the bundle. */
static bool
bundle_path(buf *rel, const char *url)
{
    text_url_scheme sch;
    text_url_scheme_read(&sch, url, strlen(url), false);
    if (sch.kind == TEXT_URL_SCHEME || url[0] == '/' || url[0] == '\\' || strpbrk(url, "?#"))
        return false;
    return text_path_push(rel, url, strlen(url)) && rel->len > 0;
}

/* Takes note of url, which an image or a figure of c->p shows. */
static void
want(content_scan *c, const char *url)
{
    media *m = c->m;
    for (size_t k = 0; k < c->p->n_pictures; k++)
        if (strcmp(c->p->pictures[k].url, url) == 0)
            return;
    buf rel = BUF_INIT, path = BUF_INIT;
    if (bundle_path(&rel, url)) {
        const char *file = arena_printf(m->a, "%s/%s", c->dir, rel.ptr);
        fs_join(&path, m->o->root, file);
        if (fs_kind_of(path.ptr) == FS_OTHER) {
            add_picture(c, url)->error = arena_printf(m->a, "image '%s': no file %s", url, file);
        } else if (is_image_name(rel.ptr)) {
            source_image found = {.root = m->o->root, .rel = file, .name = file};
            found.stem = stem_of(rel.ptr, m->a);
            found.owner = owner_of(c->p);
            size_t image = add_source(m, &found);
            add_picture(c, url);
            c->wants = xrealloc(c->wants, (c->n_wants + 1) * sizeof *c->wants);
            c->wants[c->n_wants++] = (wanted){c->p, c->p->n_pictures - 1, image};
        }
    }
    buf_free(&rel);
    buf_free(&path);
}

/* The images page i of s shows by a path inside its bundle, noted in c. */
static void
scan_page(content_scan *c, site *s, size_t i)
{
    size_t dir_len, len;
    if (!page_is_bundle(c->p->path, &dir_len))
        return;
    c->dir = arena_strndup(c->m->a, c->p->path, dir_len);
    for (size_t k = 0; k < c->p->n_figures; k++)
        want(c, c->p->figures[k].src);
    const char *text = site_page_text(s, i, &len);
    if (!memmem(text, len, "![", 2))
        return; /* no image: not parsed */
    size_t n;
    const char **urls = markdown_image_urls(text, len, &n, c->m->a);
    for (size_t k = 0; k < n; k++)
        want(c, urls[k]);
}

bool
media_run_content(media *m, site *s, diag *d)
{
    size_t n_all, first = m->n_images;
    page *const *all = site_all_pages(s, &n_all);
    content_scan c = {m, NULL, NULL, NULL, 0, 0};
    for (size_t i = 0; i < n_all; i++) {
        c.p = all[i];
        scan_page(&c, s, i);
    }
    bool ok = make_sources(m, first, d);
    for (size_t k = 0; k < c.n_wants; k++) {
        const source_image *img = &m->images[c.wants[k].image];
        markdown_picture *pic = &c.wants[k].p->pictures[c.wants[k].picture].pic;
        if (img->ok)
            picture_of(pic, img, m->a);
        else
            pic->error = arena_printf(m->a, "image %s: %s", img->name, img->why);
    }
    free(c.wants);
    for (size_t i = 0; i < n_all; i++) /* a Markdown image's error: at the image */
        for (size_t k = 0; k < all[i]->n_figures; k++) {
            const struct page_figure *f = &all[i]->figures[k];
            for (size_t j = 0; j < all[i]->n_pictures; j++)
                if (all[i]->pictures[j].pic.error && strcmp(all[i]->pictures[j].url, f->src) == 0) {
                    diag_report(d, DIAG_ERROR, f->src_at, "%s", all[i]->pictures[j].pic.error);
                    ok = false;
                }
        }
    return ok;
}
