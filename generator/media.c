/* SPDX-License-Identifier: MIT
 * media.c - the media pass (see media.h). */
#include "media.h"

#include "buf.h"
#include "fs.h"
#include "page.h"
#include "pool.h"
#include "strtab.h"
#include "value.h"

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
    const char *stem; /* of the published names: "photo" */
    src_pos at;       /* the first `src` that names it */
    bool ok;
    image_set set;
    const char *why;
    const page *owner; /* the page whose folder the variants go to (the first to show it) */
} source_image;

typedef struct media_job {
    const media_options *o;
    source_image *images;
    arena **arenas; /* one per worker */
    image_counts *counts;
} media_job;

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
    const char *base = strrchr(img->rel, '/');
    base = base ? base + 1 : img->rel;
    const char *dot = strrchr(base, '.');
    img->stem = arena_strndup(a, base, dot && dot > base ? (size_t)(dot - base) : strlen(base));
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

/* Publishes the variants of img beside its owner page; false after reporting. */
static bool
publish(const source_image *img, const media_options *o, output *out, arena *a, diag *d)
{
    const char *folder = out_folder(img->owner, a);
    bool ok = true;
    for (size_t i = 0; i < img->set.n && ok; i++) {
        const image_variant *v = &img->set.v[i];
        buf data = BUF_INIT;
        if (o->encode) {
            buf path = BUF_INIT;
            buf_printf(&path, "%s/%s", o->cache_dir, v->cache_name);
            ok = read_variant(&data, path.ptr, d);
            buf_free(&path);
        }
        const char *rel =
            arena_printf(a, "%s%s%s-%.8llx-%d.%s", folder, *folder ? "/" : "", img->stem,
                         (unsigned long long)(img->set.hash >> 32), v->width, v->ext);
        ok = ok && output_write_id(out, rel, data.ptr ? data.ptr : "", data.len, NULL, d);
        buf_free(&data);
    }
    return ok;
}

/* "url 480w, url 960w" of the variants of one type. */
static const char *
srcset(const source_image *img, const char *base, const char *ext, arena *a)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < img->set.n; i++) {
        const image_variant *v = &img->set.v[i];
        if (strcmp(v->ext, ext) == 0)
            buf_printf(&b, "%s%s%s-%.8llx-%d.%s %dw", b.len ? ", " : "", base, img->stem,
                       (unsigned long long)(img->set.hash >> 32), v->width, v->ext, v->width);
    }
    const char *s = arena_strndup(a, b.ptr ? b.ptr : "", b.len);
    buf_free(&b);
    return s;
}

/* page.image: {src, alt, credit, width, height, type, srcset, webp_srcset, permalink}. */
static value *
image_value(const page *p, const source_image *img, const value *front_img, arena *a)
{
    const image_variant *largest = &img->set.v[img->set.n - 1]; /* the fallback's widest */
    const char *url = img->owner->url, *abs = img->owner->permalink;
    const char *name =
        arena_printf(a, "%s-%.8llx-%d.%s", img->stem, (unsigned long long)(img->set.hash >> 32),
                     largest->width, largest->ext);
    value *m = value_new_map(a, front_img->pos);
    const char *alt = text_of(p->front, "image_alt");
    if (!alt)
        alt = text_of(front_img, "alt");
    const char *credit = text_of(front_img, "credit");
    value_map_set(m, "src", value_new_cstr(a, arena_printf(a, "%s%s", url, name), SRC_NONE), a);
    value_map_set(m, "permalink", value_new_cstr(a, arena_printf(a, "%s%s", abs, name), SRC_NONE),
                  a);
    value_map_set(m, "alt", value_new_cstr(a, alt ? alt : "", SRC_NONE), a);
    if (credit)
        value_map_set(m, "credit", value_new_cstr(a, credit, SRC_NONE), a);
    value_map_set(m, "width", value_new_number(a, largest->width, SRC_NONE), a);
    value_map_set(m, "height", value_new_number(a, largest->height, SRC_NONE), a);
    value_map_set(m, "type", value_new_cstr(a, largest->type, SRC_NONE), a);
    value_map_set(m, "srcset", value_new_cstr(a, srcset(img, url, largest->ext, a), SRC_NONE), a);
    if (strcmp(largest->ext, "webp") != 0)
        value_map_set(m, "webp_srcset", value_new_cstr(a, srcset(img, url, "webp", a), SRC_NONE),
                      a);
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
copy_bundle_files(const page *p, const media_options *o, output *out, arena *a, diag *d)
{
    size_t dir_len;
    if (!page_is_bundle(p->path, &dir_len) || p->original)
        return true;
    const char *dir = arena_strndup(a, p->path, dir_len);
    fs_entry *ents;
    size_t n;
    if (!fs_list_input(&ents, &n, o->root, dir, dir, d))
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
        ok = fs_read_input(&data, o->root, rel, rel, FS_MAX_INPUT, d) &&
             output_write_id(out, arena_printf(a, "%s/%s", folder, name), data.ptr ? data.ptr : "",
                             data.len, NULL, d);
        buf_free(&data);
    }
    fs_entries_free(ents, n);
    return ok;
}

bool
media_run(site *s, const media_options *o, output *out, image_counts *counts, arena *a, diag *d)
{
    size_t n_all;
    page *const *all = site_all_pages(s, &n_all);
    /* the sources, each once: pages[i] shows images[which[i]] (SIZE_MAX: none) */
    source_image *images = arena_zalloc(a, (n_all + 1) * sizeof *images);
    size_t *which = arena_alloc(a, (n_all + 1) * sizeof *which);
    size_t n_images = 0;
    bool ok = true;
    strtab shown = STRTAB_INIT; /* an original's path -> its place in which[] */
    /* originals first, then the translations, which show their original's image */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n_all; i++) {
            const page *p = all[i];
            const value *img = image_of(p);
            const value *src = img ? value_map_get(img, "src") : NULL;
            /* a translation's image is its original's, published once in its folder (when
             * the original is published) */
            const page *from = p->original && p->original->out_path ? p->original : p;
            if (pass != (from != p))
                continue;
            which[i] = SIZE_MAX;
            if (!src || src->type != VALUE_STRING || !*src->as.str.ptr)
                continue;
            if (from != p) { /* the original's, or nothing after its error */
                const size_t *of = strtab_get(&shown, from->path);
                which[i] = of ? *of : SIZE_MAX;
                continue;
            }
            source_image found = {0};
            if (!resolve(&found, p, src->as.str.ptr, src->pos, o, a, d)) {
                ok = false;
                continue;
            }
            size_t k = 0;
            while (k < n_images &&
                   !(images[k].root == found.root && !strcmp(images[k].rel, found.rel)))
                k++;
            if (k == n_images)
                images[n_images++] = found;
            which[i] = k;
            strtab_put(&shown, p->path, &which[i]);
        }
    strtab_free(&shown);
    if (!ok)
        return false;
    media_job job = {o, images, o->worker_arenas, counts};
    pool_run(o->workers, n_images, make_one, &job);
    for (size_t k = 0; k < n_images; k++) {
        source_image *img = &images[k];
        if (!img->ok) {
            diag_report(d, DIAG_ERROR, img->at, "image %s: %s", img->name, img->why);
            ok = false;
            continue;
        }
        ok &= publish(img, o, out, a, d);
    }
    for (size_t i = 0; ok && i < n_all; i++) {
        page *p = all[i];
        ok &= copy_bundle_files(p, o, out, a, d);
        if (which[i] == SIZE_MAX)
            continue;
        value *v = image_value(p, &images[which[i]], image_of(p), a);
        value_map_set(p->ctx, "image", v, a);
        if (p->link)
            value_map_set(p->link, "image", v, a);
    }
    return ok;
}
