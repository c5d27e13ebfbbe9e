/* SPDX-License-Identifier: MIT
 * image.c - responsive images with libvips (see image.h). libvips is opened with dlopen()
 * and its functions are declared here, not taken from its headers, which would bring
 * GLib's into every compile: each declaration matches the C ABI of libvips 8.x
 * (VipsImage * as void *, gboolean and enums as int). */
#include "image.h"

#include "buf.h"
#include "hash.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What is made of a source; a change of any of it makes new files (a new hash). Version 2:
 * libvips without orc (open_vips()), whose pixels can differ from version 1's. */
static const int WIDTHS[] = {480, 960, 1600};
#define N_WIDTHS   (sizeof WIDTHS / sizeof WIDTHS[0])
#define JPEG_Q     82
#define WEBP_Q     80
#define RECIPE     "clinfolio-image 2 q82 q80 strip, no orc"
#define SIZE_DOWN  2 /* VIPS_SIZE_DOWN: never enlarge */
#define FAIL_ERROR 2 /* VIPS_FAIL_ON_ERROR: a damaged file is an error, not a grey block */
#define MAX_COORD  10000000

static struct vips {
    void *lib;
    const char *why; /* why it could not be opened */
    int (*init)(const char *argv0);
    void (*shutdown)(void);
    void (*concurrency_set)(int n);
    void (*cache_set_max)(int n);
    const char *(*find_load_buffer)(const void *data, size_t size);
    void *(*new_from_buffer)(const void *buf, size_t len, const char *options, ...);
    int (*get_width)(const void *image);
    int (*get_height)(const void *image);
    int (*get_orientation_swap)(void *image);
    int (*thumbnail_buffer)(void *buf, size_t len, void **out, int width, ...);
    int (*jpegsave_buffer)(void *in, void **buf, size_t *len, ...);
    int (*pngsave_buffer)(void *in, void **buf, size_t *len, ...);
    int (*webpsave_buffer)(void *in, void **buf, size_t *len, ...);
    int (*copy)(void *in, void **out, ...);
    char **(*get_fields)(void *image);
    int (*remove)(void *image, const char *name);
    void (*strfreev)(char **strings);
    const char *(*error_buffer)(void);
    void (*error_clear)(void);
    void (*object_unref)(void *object);
    void (*g_free)(void *p);
} vips;

static pthread_once_t vips_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t error_lock = PTHREAD_MUTEX_INITIALIZER;

#define FIND(field, name)                                       \
    do {                                                        \
        *(void **)&vips.field = dlsym(vips.lib, name);          \
        if (!vips.field) {                                      \
            vips.why = "libvips lacks " name " (libvips 8.x?)"; \
            return;                                             \
        }                                                       \
    } while (0)

#if defined(__SANITIZE_ADDRESS__)
/* AddressSanitizer builds only, in the object that loads libvips (so linked wherever images
 * are made: the program, unit tests, fuzz replays). The sanitizer runtime of GCC 12
 * (Debian 12) intercepts __tls_get_addr and takes a dynamic TLS block at offset 16 of a
 * page for glibc 2.19's layout, reading its bounds from the two words before it: under glibc
 * 2.25+ those are heap garbage (tls={0x42e, 0x800001102} in libvips's threads), and
 * LeakSanitizer's tracer dies scanning them at exit ("Tracer caught signal 11: addr=0x438",
 * one demo build in 55 to 99). Not intercepting only leaves dynamic TLS out of the leak scan's
 * roots (google/sanitizers#1322). */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
    return "intercept_tls_get_addr=0";
}
#endif

static void
open_vips(void)
{
    vips.lib = dlopen("libvips.so.42", RTLD_NOW | RTLD_LOCAL);
    if (!vips.lib) {
        vips.why = "images need libvips, which is not installed (Debian: apt-get install "
                   "libvips42)";
        return;
    }
    FIND(init, "vips_init");
    FIND(shutdown, "vips_shutdown");
    FIND(concurrency_set, "vips_concurrency_set");
    FIND(cache_set_max, "vips_cache_set_max");
    FIND(find_load_buffer, "vips_foreign_find_load_buffer");
    FIND(new_from_buffer, "vips_image_new_from_buffer");
    FIND(get_width, "vips_image_get_width");
    FIND(get_height, "vips_image_get_height");
    FIND(get_orientation_swap, "vips_image_get_orientation_swap");
    FIND(thumbnail_buffer, "vips_thumbnail_buffer");
    FIND(jpegsave_buffer, "vips_jpegsave_buffer");
    FIND(pngsave_buffer, "vips_pngsave_buffer");
    FIND(webpsave_buffer, "vips_webpsave_buffer");
    FIND(copy, "vips_copy");
    FIND(get_fields, "vips_image_get_fields");
    FIND(remove, "vips_image_remove");
    FIND(strfreev, "g_strfreev");
    FIND(error_buffer, "vips_error_buffer");
    FIND(error_clear, "vips_error_clear");
    FIND(object_unref, "g_object_unref");
    FIND(g_free, "g_free");
    if (vips.init("clinfolio") != 0) {
        vips.why = "libvips did not start";
        return;
    }
    atexit(vips.shutdown); /* ends its worker threads before the process's own exit */
    /* liborc before 0.4.34 (Debian 12 has 0.4.33) frees JIT code without its lock: two
     * workers, one freeing an operation's vector program while the other compiles one,
     * corrupt its chunk list (a crash in orc_code_free, one demo build in about 150).
     * libvips's plain C paths are slower (the demo's 54 image files: 1.9 s -> 2.3 s, made
     * once and then cached) and round some pixels differently; libvips 8.16+ has no orc,
     * nothing to turn off. */
    void (*vector_set_enabled)(int enabled);
    *(void **)&vector_set_enabled = dlsym(vips.lib, "vips_vector_set_enabled");
    if (vector_set_enabled)
        vector_set_enabled(0);
    vips.concurrency_set(1); /* the build's workers make images side by side */
    vips.cache_set_max(0);   /* each image is made once: nothing to keep */
}

/* libvips's message of the last failure (its buffer is shared by all threads). */
static const char *
vips_message(arena *a)
{
    pthread_mutex_lock(&error_lock);
    const char *m = vips.error_buffer();
    size_t len = strlen(m);
    while (len && (m[len - 1] == '\n' || m[len - 1] == ' '))
        len--;
    const char *nl = memchr(m, '\n', len); /* its first line says enough */
    char *out = arena_strndup(a, m, nl ? (size_t)(nl - m) : len);
    vips.error_clear();
    pthread_mutex_unlock(&error_lock);
    return *out ? out : "libvips failed";
}

/* The source's format from libvips's loader: the extension of the fallback format, or NULL
 * (WebP: no fallback) through *fallback; false when it is no format we publish. */
static bool
source_format(const char *loader, const char **fallback)
{
    if (strstr(loader, "Jpeg")) {
        *fallback = "jpg";
        return true;
    }
    if (strstr(loader, "Png") || strstr(loader, "Gif")) {
        *fallback = "png";
        return true;
    }
    if (strstr(loader, "Webp")) {
        *fallback = NULL;
        return true;
    }
    return false;
}

static bool
exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Writes data[0..len) to path through a temporary file renamed over it, so a reader (a
 * build running at the same time) never sees half a file. */
static bool
write_atomically(const char *path, const void *data, size_t len)
{
    buf tmp = BUF_INIT;
    buf_printf(&tmp, "%s.tmp-%ld-%lx", path, (long)getpid(), (unsigned long)pthread_self());
    int fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    bool ok = fd >= 0;
    const char *p = data;
    while (ok && len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        if (ok) {
            p += w;
            len -= (size_t)w;
        }
    }
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    ok = ok && rename(tmp.ptr, path) == 0;
    if (!ok)
        unlink(tmp.ptr);
    buf_free(&tmp);
    return ok;
}

/* img without its metadata: a copy with every EXIF, XMP and IPTC field (and the
 * orientation, applied already) removed. The savers' own "strip" is not enough: libvips
 * 8.14's WebP saver writes the EXIF block (with the GPS position) regardless. */
static void *
without_metadata(void *img)
{
    void *copy = NULL;
    if (vips.copy(img, &copy, NULL) != 0)
        return NULL;
    char **fields = vips.get_fields(copy);
    for (size_t i = 0; fields && fields[i]; i++) {
        const char *f = fields[i];
        if (strncmp(f, "exif-", 5) == 0 || strcmp(f, "xmp-data") == 0 ||
            strcmp(f, "iptc-data") == 0 || strcmp(f, "orientation") == 0 ||
            strncmp(f, "png-comment-", 12) == 0 || strcmp(f, "gif-comment") == 0)
            vips.remove(copy, f);
    }
    vips.strfreev(fields);
    return copy;
}

static uint32_t
le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void
put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Removes the EXIF and XMP chunks of the WebP file data[0..*len) in place (libvips 8.14
 * writes an EXIF chunk whatever "strip" says), clearing their flags in VP8X and fixing
 * the RIFF size. Leaves data that is no WebP as it is. */
static void
webp_drop_metadata(unsigned char *data, size_t *len)
{
    if (*len < 12 || memcmp(data, "RIFF", 4) != 0 || memcmp(data + 8, "WEBP", 4) != 0)
        return;
    size_t at = 12, to = 12;
    while (at + 8 <= *len) {
        size_t size = le32(data + at + 4), whole = 8 + size + (size & 1);
        if (whole > *len - at)
            return; /* damaged: libvips's own output never is */
        bool drop = memcmp(data + at, "EXIF", 4) == 0 || memcmp(data + at, "XMP ", 4) == 0;
        if (!drop) {
            memmove(data + to, data + at, whole);
            if (memcmp(data + to, "VP8X", 4) == 0 && size >= 1)
                data[to + 8] &= (unsigned char)~(0x08 | 0x04); /* the EXIF and XMP flags */
            to += whole;
        }
        at += whole;
    }
    *len = to;
    put_le32(data + 4, (uint32_t)(to - 8));
}

/* Encodes the variant v of the source into path. */
static bool
encode(const void *data, size_t len, const image_variant *v, const char *path, arena *a,
       const char **why)
{
    void *img = NULL;
    /* thumbnail: shrink-on-load, the EXIF orientation applied, never enlarged */
    if (vips.thumbnail_buffer((void *)data, len, &img, v->width, "height", MAX_COORD, "size",
                              SIZE_DOWN, "option_string", "fail_on=error", NULL) != 0) {
        *why = vips_message(a);
        return false;
    }
    void *bare = without_metadata(img);
    vips.object_unref(img);
    if (!bare) {
        *why = vips_message(a);
        return false;
    }
    img = bare;
    void *bytes = NULL;
    size_t n = 0;
    int r;
    /* strip: no EXIF (GPS), XMP, IPTC or comment in what is published */
    if (strcmp(v->ext, "webp") == 0)
        r = vips.webpsave_buffer(img, &bytes, &n, "Q", WEBP_Q, "strip", 1, NULL);
    else if (strcmp(v->ext, "jpg") == 0)
        r = vips.jpegsave_buffer(img, &bytes, &n, "Q", JPEG_Q, "strip", 1, "optimize_coding", 1,
                                 NULL);
    else
        r = vips.pngsave_buffer(img, &bytes, &n, "strip", 1, "compression", 6, NULL);
    vips.object_unref(img);
    if (r != 0) {
        *why = vips_message(a);
        return false;
    }
    if (strcmp(v->ext, "webp") == 0)
        webp_drop_metadata(bytes, &n);
    bool ok = write_atomically(path, bytes, n);
    vips.g_free(bytes);
    if (!ok)
        *why = arena_printf(a, "cannot write %s: %s", path, strerror(errno));
    return ok;
}

/* The widths made of a source w pixels wide: those of WIDTHS below w, and w itself when it
 * is below the largest. */
static size_t
widths_for(int w, int *out)
{
    size_t n = 0;
    for (size_t i = 0; i < N_WIDTHS; i++)
        if (WIDTHS[i] < w)
            out[n++] = WIDTHS[i];
    if (w <= WIDTHS[N_WIDTHS - 1])
        out[n++] = w;
    else if (n < N_WIDTHS)
        out[n++] = WIDTHS[N_WIDTHS - 1];
    return n;
}

bool
image_make(const void *data, size_t len, const char *cache_dir, bool encode_files, image_set *out,
           image_counts *counts, arena *a, const char **why)
{
    memset(out, 0, sizeof *out);
    pthread_once(&vips_once, open_vips);
    if (vips.why) {
        *why = vips.why;
        return false;
    }
    if (len > IMAGE_MAX_BYTES) {
        *why = arena_printf(a, "the file is larger than %zu MiB", IMAGE_MAX_BYTES >> 20);
        return false;
    }
    const char *loader = vips.find_load_buffer(data, len);
    const char *fallback = NULL;
    if (!loader || !source_format(loader, &fallback)) {
        if (!loader)
            vips_message(a); /* clears it */
        *why = "not an image in a format the web shows (JPEG, PNG, WebP or GIF)";
        return false;
    }
    /* the header only: the size is known before a pixel is decoded */
    void *head = vips.new_from_buffer(data, len, "", NULL);
    if (!head) {
        *why = vips_message(a);
        return false;
    }
    uint64_t w = (uint64_t)vips.get_width(head), h = (uint64_t)vips.get_height(head);
    bool swap = vips.get_orientation_swap(head) != 0;
    vips.object_unref(head);
    if (w * h > IMAGE_MAX_PIXELS) {
        *why = arena_printf(a,
                            "the image is %llu x %llu pixels, more than %llu megapixels (a "
                            "limit against decompression bombs): make it smaller",
                            (unsigned long long)w, (unsigned long long)h,
                            (unsigned long long)(IMAGE_MAX_PIXELS / 1000000));
        return false;
    }
    out->width = (int)(swap ? h : w);
    out->height = (int)(swap ? w : h);
    out->hash = hash_bytes(hash_str(0, RECIPE), data, len);
    int widths[N_WIDTHS + 1];
    size_t nw = widths_for(out->width, widths);
    size_t groups = fallback ? 2 : 1;
    out->v = arena_zalloc(a, nw * groups * sizeof(image_variant));
    for (size_t g = 0; g < groups; g++)
        for (size_t i = 0; i < nw; i++) {
            image_variant *v = &out->v[out->n++];
            v->ext = g == 0 ? "webp" : fallback;
            v->type = g == 0                         ? "image/webp"
                      : strcmp(fallback, "jpg") == 0 ? "image/jpeg"
                                                     : "image/png";
            v->width = widths[i];
            /* as libvips rounds: the height for that width, at least 1 */
            uint64_t vh = ((uint64_t)out->height * (uint64_t)widths[i] * 2 + (uint64_t)out->width) /
                          (2 * (uint64_t)out->width);
            v->height = vh ? (int)vh : 1;
            v->cache_name =
                arena_printf(a, "%016llx-%d.%s", (unsigned long long)out->hash, widths[i], v->ext);
        }
    if (!encode_files)
        return true;
    if (mkdir(cache_dir, 0755) != 0 && errno != EEXIST) {
        *why = arena_printf(a, "cannot make the image cache %s: %s", cache_dir, strerror(errno));
        return false;
    }
    for (size_t i = 0; i < out->n; i++) {
        const char *path = arena_printf(a, "%s/%s", cache_dir, out->v[i].cache_name);
        if (exists(path)) {
            atomic_fetch_add(&counts->cached, 1);
            continue;
        }
        if (!encode(data, len, &out->v[i], path, a, why))
            return false;
        atomic_fetch_add(&counts->encoded, 1);
    }
    return true;
}
