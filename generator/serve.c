/* SPDX-License-Identifier: MIT
 * serve.c - `clinfolio serve`: the site built into a private folder, served by
 * libmicrohttpd (a thread per connection), rebuilt when inotify sees a source change,
 * with live reload over Server-Sent Events and an error overlay after a failed rebuild.
 * The only user of libmicrohttpd. Runs the whole pipeline (build.h) once per change. */
#include "serve.h"

#include "arena.h"
#include "build.h"
#include "cache.h"
#include "config.h"
#include "diag.h"
#include "fs.h"
#include "output.h"
#include "pool.h"
#include "strtab.h"
#include "text.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Quiet time after the last change before a rebuild starts: an editor's save (write a
 * temporary file, rename it over the page) is one rebuild, not three. */
#define DEBOUNCE_MS 20
/* The same after an event that ends a save (a file closed after writing, renamed into
 * place, deleted): what may follow it comes within microseconds, and the reload comes
 * sooner by the difference. A file still being written, or renamed away (as vim does
 * before it writes the new one), waits DEBOUNCE_MS. */
#define DEBOUNCE_SETTLED_MS 3
/* A rebuild starts at the latest this long after the first change of a burst. */
#define DEBOUNCE_MAX_MS 1000
/* Idle event streams get a comment this often, so a closed tab ends its thread. */
#define PING_SECONDS 15
/* The overlay lists this many errors (with their notes and source lines) at most; every
 * page carries it, and the terminal has them all. */
#define OVERLAY_MAX_ERRORS 50
/* A kept-alive connection with no request for this long is closed (its thread ends). */
#define IDLE_SECONDS 60
/* The model's memory kept from one rebuild for the next (arena_keep_blocks()), in 2 MiB
 * blocks: as many as the last rebuild took (keep_blocks_of_last_rebuild()), and never
 * more than 512 MiB, more than three times what an edit's rebuild of 10,000 pages takes
 * (69 blocks; the first, full build 176: strace of their mmap). */
#define KEPT_BLOCKS 256

/* {====================================================================
 * content types and request paths
 * ===================================================================== */

static const struct {
    const char *ext;
    const char *type;
} content_types[] = {
    {"atom", "application/atom+xml; charset=utf-8"},
    {"avif", "image/avif"},
    {"bib", "application/x-bibtex; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"gif", "image/gif"},
    {"htm", "text/html; charset=utf-8"},
    {"html", "text/html; charset=utf-8"},
    {"ico", "image/x-icon"},
    {"ics", "text/calendar; charset=utf-8"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"js", "text/javascript; charset=utf-8"},
    {"json", "application/json; charset=utf-8"},
    {"map", "application/json; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"otf", "font/otf"},
    {"pdf", "application/pdf"},
    {"png", "image/png"},
    {"ris", "application/x-research-info-systems; charset=utf-8"},
    {"rss", "application/rss+xml; charset=utf-8"},
    {"svg", "image/svg+xml; charset=utf-8"},
    {"tsv", "text/tab-separated-values; charset=utf-8"},
    {"ttf", "font/ttf"},
    {"txt", "text/plain; charset=utf-8"},
    {"webmanifest", "application/manifest+json; charset=utf-8"},
    {"webm", "video/webm"},
    {"webp", "image/webp"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"xhtml", "application/xhtml+xml; charset=utf-8"},
    {"xml", "application/xml; charset=utf-8"},
    {"yaml", "application/yaml; charset=utf-8"},
    {"yml", "application/yaml; charset=utf-8"},
};

const char *
serve_content_type(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;
    const char *dot = strrchr(base, '.');
    if (dot && dot != base)
        for (size_t i = 0; i < sizeof content_types / sizeof content_types[0]; i++)
            if (strcasecmp(dot + 1, content_types[i].ext) == 0)
                return content_types[i].type;
    return "application/octet-stream";
}

/* Decodes %XX once into out (a malformed escape stays as it is: it is never decoded
 * again); false on NUL, a control character or a backslash. */
static bool
decode_path(buf *out, const char *raw)
{
    text_url_decode(out, raw, strlen(raw));
    for (size_t i = 0; i < out->len; i++) {
        unsigned char c = (unsigned char)out->ptr[i];
        if (c < 0x20 || c == 0x7f || c == '\\')
            return false;
    }
    return true;
}

/* Whether every segment of the relative path rel is a plain name (no empty, "." or ".."
 * segment); a trailing '/' is allowed. */
static bool
plain_segments(const char *rel)
{
    const char *p = rel;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        if (!end)
            break;
        p = end + 1;
    }
    return true;
}

serve_path
serve_map_path(buf *out, const char *raw, const char *base_path)
{
    buf_clear(out);
    if (raw[0] != '/' || raw[1] == '/')
        return SERVE_PATH_BAD;
    buf path = BUF_INIT;
    serve_path r = SERVE_PATH_BAD;
    if (!decode_path(&path, raw) || path.ptr[1] == '/')
        goto done;
    if (!plain_segments(path.ptr + 1) && path.len > 1)
        goto done;
    size_t base_len = strlen(base_path);
    if (strncmp(path.ptr, base_path, base_len) == 0) {
        buf_puts(out, path.ptr + base_len);
        r = SERVE_PATH_FILE;
    } else if (path.len + 1 == base_len && strncmp(path.ptr, base_path, path.len) == 0) {
        r = SERVE_PATH_REDIRECT;
    } else {
        r = SERVE_PATH_OUTSIDE;
    }
done:
    buf_free(&path);
    return r;
}

void
serve_inject(buf *html, const char *extra)
{
    static const char tag[] = "</body>";
    size_t at = html->len;
    for (size_t i = html->len; i >= sizeof tag - 1; i--)
        if (strncasecmp(html->ptr + i - (sizeof tag - 1), tag, sizeof tag - 1) == 0) {
            at = i - (sizeof tag - 1);
            break;
        }
    size_t n = strlen(extra);
    buf_grow(html, n);
    memmove(html->ptr + at + n, html->ptr + at, html->len - at + 1);
    memcpy(html->ptr + at, extra, n);
    html->len += n;
}

/* }==================================================================== */

/* {====================================================================
 * the server's state
 * ===================================================================== */

typedef struct stream stream;

/* A page of the fast render (build_options.first), served from memory until the rebuild
 * that rendered it ends. */
typedef struct early_page {
    char *path; /* in the tree: "projects/x/index.html" */
    char *html;
    size_t len;
} early_page;

typedef struct server {
    const serve_options *opt;
    char *dir;        /* the private folder (mode 0700) */
    char *site_dir;   /* <dir>/site: the served tree, updated by each good build */
    cache *memory;    /* what the last build remembered, for the next (cache.h) */
    char origin[128]; /* "http://127.0.0.1:1313" */
    struct MHD_Daemon *daemon;
    pthread_mutex_t lock; /* guards what follows; the request threads read it */
    pthread_cond_t changed;
    unsigned long gen; /* rebuilds so far (good or failed) */
    bool css_only;     /* the last rebuild changed only stylesheets, and it succeeded */
    bool built;        /* a build succeeded: site_dir exists */
    char *overlay;     /* the error overlay of the last rebuild, when it failed */
    char *base_path;   /* the last good build's base path: "/" or "/sub/" */
    stream *streams;   /* the open event streams: their pages render first */
    /* the pages the running rebuild rendered first, and the generation they belong to
     * (gen + 1; 0 while there are none) */
    early_page *early;
    size_t n_early;
    unsigned long early_gen;
    /* the serving thread's own: the diagnostics of the last good build, as printed, cut
     * into lines (the keys of `printed`), so a rebuild prints only new warnings */
    char *printed_text;
    strtab printed;
} server;

/* What a request needs of the state, copied under the lock. */
typedef struct snapshot {
    unsigned long gen;
    bool built;
    char *overlay;
    char *base_path;
} snapshot;

static void
take_snapshot(snapshot *out, server *s)
{
    pthread_mutex_lock(&s->lock);
    out->gen = s->gen;
    out->built = s->built;
    out->overlay = s->overlay ? xstrdup(s->overlay) : NULL;
    out->base_path = xstrdup(s->base_path);
    pthread_mutex_unlock(&s->lock);
}

static void
snapshot_fini(snapshot *snap)
{
    free(snap->overlay);
    free(snap->base_path);
}

/* }==================================================================== */

/* {====================================================================
 * the error overlay
 * ===================================================================== */

/* The position of a diagnostic line `file:line:col: error: ...` (or note:; col may be
 * missing): the file's length, *lineno and *col (0 when missing). False when the line has
 * no position. */
static bool
parse_position(size_t *file_len, unsigned *lineno, unsigned *col, const char *line, size_t len)
{
    const char *p = memmem(line, len, ": error: ", 9);
    if (!p)
        p = memmem(line, len, ": note: ", 8);
    if (!p)
        return false;
    unsigned nums[2] = {0, 0}; /* read from the right: [":" col] ":" line */
    int n = 0;
    while (n < 2) {
        const char *q = p;
        while (q > line && q[-1] >= '0' && q[-1] <= '9')
            q--;
        if (q == p || q == line || q[-1] != ':')
            break;
        nums[n++] = (unsigned)strtoul(q, NULL, 10);
        p = q - 1;
    }
    *lineno = n == 2 ? nums[1] : nums[0];
    *col = n == 2 ? nums[0] : 0;
    *file_len = (size_t)(p - line);
    return n > 0 && *lineno > 0;
}

/* Appends `  12 | text` and, when col is known, a caret under that character. */
static void
append_quoted_line(buf *b, const char *s, size_t len, unsigned lineno, unsigned col)
{
    buf_printf(b, "%6u | ", lineno);
    text_html_escape(b, s, len);
    buf_putc(b, '\n');
    if (col == 0)
        return;
    buf_puts(b, "       | ");
    unsigned c = 1; /* characters, not bytes: one space per UTF-8 sequence */
    for (size_t i = 0; i < len && c < col; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80) {
            buf_putc(b, s[i] == '\t' ? '\t' : ' ');
            c++;
        }
    buf_puts(b, "^\n");
}

/* For a diagnostic line with a position in a file of the site, its source line. */
static void
append_source_line(buf *b, const char *root, const char *line, size_t len)
{
    size_t file_len;
    unsigned lineno, col;
    if (!parse_position(&file_len, &lineno, &col, line, len))
        return;
    buf file = BUF_INIT, text = BUF_INIT;
    buf_append(&file, line, file_len);
    diag *d = diag_new(); /* a file that cannot be read has no source line, that is all */
    if (!fs_bad_rel(file.ptr) && fs_read_input(&text, root, file.ptr, file.ptr, FS_MAX_INPUT, d)) {
        const char *s = text.ptr;
        for (unsigned i = 1; i < lineno && s; i++)
            if ((s = strchr(s, '\n')))
                s++;
        if (s)
            append_quoted_line(b, s, strcspn(s, "\n"), lineno, col);
    }
    diag_free(d);
    buf_free(&text);
    buf_free(&file);
}

/* The overlay shown over every page after a failed rebuild: each error (and its notes)
 * as the terminal shows it, with the source line. built: a good build is being served. */
static char *
make_overlay(const diag *d, const char *root, bool built)
{
    char *text = NULL;
    size_t text_len = 0;
    FILE *f = open_memstream(&text, &text_len);
    if (!f)
        return xstrdup("");
    diag_print(d, f, true);
    fclose(f);
    buf b = BUF_INIT;
    size_t errors = diag_error_count(d);
    buf_printf(&b,
               "<div id=\"clinfolio-errors\" role=\"alert\" style=\"position:fixed;inset:0;"
               "z-index:2147483647;overflow:auto;margin:0;padding:1.5em;background:#1e1e1e;"
               "color:#f5f5f5;font:14px/1.5 ui-monospace,monospace;text-align:left\">"
               "<p style=\"margin:0 0 1em;font-weight:bold;color:#ff8a80\">clinfolio serve: "
               "the %s failed with %zu error%s%s</p>"
               "<pre style=\"margin:0;white-space:pre-wrap;color:inherit;background:none\">",
               built ? "rebuild" : "build", errors, errors == 1 ? "" : "s",
               built ? "; under this is the last good build" : "");
    size_t shown = 0;
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (!memmem(line, len, ": note: ", 8) && ++shown > OVERLAY_MAX_ERRORS) {
            buf_printf(&b, "\n... and %zu more: see the terminal\n", errors - OVERLAY_MAX_ERRORS);
            break;
        }
        text_html_escape(&b, line, len);
        buf_putc(&b, '\n');
        append_source_line(&b, root, line, len);
        line = end ? end + 1 : NULL;
    }
    buf_puts(&b, "</pre></div>");
    free(text);
    return buf_detach(&b);
}

/* }==================================================================== */

/* {====================================================================
 * HTTP: files, the error page, redirects, the event stream
 * ===================================================================== */

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    return reply(c, status, "text/plain; charset=utf-8", xstrdup(text), strlen(text));
}

static enum MHD_Result
redirect(struct MHD_Connection *c, const char *location)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Location", location);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_MOVED_PERMANENTLY, r);
    MHD_destroy_response(r);
    return ret;
}

/* The live-reload script and, after a failed rebuild, the overlay. */
static void
add_live_reload(buf *html, const snapshot *snap)
{
    char script[1536];
    /* only a visible page holds a stream (browsers allow six connections per host over
     * HTTP/1.1); a page shown again reconnects with the same `since`, so it reloads if a
     * rebuild happened while it was hidden; `page` names it for the fast render */
    snprintf(script, sizeof script,
             "<script>(function(){var es=null;function open(){if(es)return;"
             "es=new EventSource(\"%s?since=%lu&page=\"+"
             "encodeURIComponent(location.pathname));"
             "es.addEventListener(\"reload\",function(e){if(e.data===\"css\"){"
             "document.querySelectorAll('link[rel~=\"stylesheet\"]').forEach(function(l){"
             "var u=new URL(l.href);u.searchParams.set(\"clinfolio\",Date.now());"
             "l.href=u.href;});}else{location.reload();}});}"
             "function close(){if(es){es.close();es=null;}}"
             "document.addEventListener(\"visibilitychange\",function(){"
             "if(document.hidden)close();else open();});"
             "window.addEventListener(\"pagehide\",close);"
             "window.addEventListener(\"pageshow\",function(){if(!document.hidden)open();});"
             "if(!document.hidden)open();})();</script>",
             SERVE_EVENTS_PATH, snap->gen);
    if (snap->overlay)
        serve_inject(html, snap->overlay);
    serve_inject(html, script);
}

/* Before the first good build: a page with the overlay (or a note), refreshed by the
 * event stream when a build succeeds. */
static enum MHD_Result
reply_not_built(struct MHD_Connection *c, const snapshot *snap)
{
    buf html = BUF_INIT;
    buf_puts(&html, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<title>clinfolio serve</title></head><body><main><h1>The site has not "
                    "built yet</h1><p>Fix the errors listed here; the page reloads when the "
                    "site builds.</p></main></body></html>\n");
    add_live_reload(&html, snap);
    size_t len = html.len;
    return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/html; charset=utf-8", buf_detach(&html),
                 len);
}

static void
http_date(char *out, size_t size, time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* Whether the client's copy is current: If-None-Match when it is sent (a list of tags,
 * or "*"), else If-Modified-Since (not for HTML, whose overlay changes without the file). */
static bool
not_modified(struct MHD_Connection *c, const char *etag, time_t mtime, bool html)
{
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    if (inm)
        return strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL;
    const char *ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Modified-Since");
    if (!ims || html)
        return false;
    struct tm tm = {0};
    const char *end = strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return end && *end == '\0' && mtime <= timegm(&tm);
}

/* Sends the open file fd (name: its path in the tree) with status, ETag and Last-Modified;
 * HTML is read and gets the live-reload script. Takes fd. */
static enum MHD_Result
send_file(struct MHD_Connection *c, const snapshot *snap, int fd, const struct stat *st,
          const char *name, unsigned status)
{
    const char *type = serve_content_type(name);
    bool html = strncmp(type, "text/html", 9) == 0;
    char etag[128], modified[64];
    uintmax_t mtime_ns =
        (uintmax_t)st->st_mtim.tv_sec * 1000000000u + (uintmax_t)st->st_mtim.tv_nsec;
    if (html) /* with the build generation: the same file with or without the overlay */
        snprintf(etag, sizeof etag, "\"%jx-%jx-%jx-g%lu\"", (uintmax_t)st->st_size, mtime_ns,
                 (uintmax_t)st->st_ino, snap->gen);
    else
        snprintf(etag, sizeof etag, "\"%jx-%jx-%jx\"", (uintmax_t)st->st_size, mtime_ns,
                 (uintmax_t)st->st_ino);
    http_date(modified, sizeof modified, st->st_mtim.tv_sec);
    struct MHD_Response *r = NULL;
    if (status == MHD_HTTP_OK && not_modified(c, etag, st->st_mtim.tv_sec, html)) {
        close(fd);
        status = MHD_HTTP_NOT_MODIFIED;
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    } else if (html) {
        buf page = BUF_INIT;
        char chunk[65536];
        ssize_t n;
        while ((n = read(fd, chunk, sizeof chunk)) > 0 && page.len < FS_MAX_OUTPUT)
            buf_append(&page, chunk, (size_t)n);
        close(fd);
        if (n < 0) {
            buf_free(&page);
            return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the page\n");
        }
        add_live_reload(&page, snap);
        size_t len = page.len;
        r = MHD_create_response_from_buffer(len, buf_detach(&page), MHD_RESPMEM_MUST_FREE);
    } else {
        r = MHD_create_response_from_fd64((uint64_t)st->st_size, fd);
    }
    if (!r) {
        if (!html && status != MHD_HTTP_NOT_MODIFIED)
            close(fd);
        return MHD_NO;
    }
    if (status != MHD_HTTP_NOT_MODIFIED)
        MHD_add_response_header(r, "Content-Type", type);
    if (status != MHD_HTTP_NOT_FOUND) {
        MHD_add_response_header(r, "ETag", etag);
        MHD_add_response_header(r, "Last-Modified", modified);
    }
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Opens rel beneath the served tree: regular files only, no symbolic links (fs.h). */
static int
open_served(struct stat *st, const server *s, const char *rel)
{
    diag *d = diag_new(); /* a missing file is a 404, not a diagnostic */
    int fd = fs_open_input(st, s->site_dir, rel, rel, d);
    diag_free(d);
    return fd;
}

static enum MHD_Result
reply_not_found(struct MHD_Connection *c, server *s, const snapshot *snap)
{
    struct stat st;
    int fd = open_served(&st, s, "404.html");
    if (fd < 0)
        return reply_text(c, MHD_HTTP_NOT_FOUND, "404 not found\n");
    return send_file(c, snap, fd, &st, "404.html", MHD_HTTP_NOT_FOUND);
}

/* The running rebuild's fast-rendered page at name, copied (NULL: none), with the
 * generation it belongs to in *gen. */
static char *
take_early(server *s, const char *name, size_t *len, unsigned long *gen)
{
    char *html = NULL;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_early && !html; i++)
        if (strcmp(s->early[i].path, name) == 0) {
            html = xmalloc(s->early[i].len + 1);
            memcpy(html, s->early[i].html, s->early[i].len + 1);
            *len = s->early[i].len;
            *gen = s->early_gen;
        }
    pthread_mutex_unlock(&s->lock);
    return html;
}

/* A page of the fast render, with the live-reload script of the generation it belongs
 * to (its stream then waits for the rebuild after that one). */
static enum MHD_Result
send_early(struct MHD_Connection *c, const snapshot *snap, char *html, size_t len,
           unsigned long gen)
{
    buf page = {html, len, len + 1};
    snapshot early = *snap;
    early.gen = gen;
    early.overlay = NULL;
    add_live_reload(&page, &early);
    size_t n = page.len;
    return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", buf_detach(&page), n);
}

/* A path beneath the base path: the file, a folder's index.html (a folder named without
 * its slash is redirected to it, as web servers do), else 404.html with status 404. */
static enum MHD_Result
serve_path_file(struct MHD_Connection *c, server *s, const snapshot *snap, const char *url,
                const char *rel)
{
    buf name = BUF_INIT;
    struct stat st;
    enum MHD_Result ret;
    bool folder = rel[0] == '\0' || rel[strlen(rel) - 1] == '/';
    buf_printf(&name, "%s%s", rel, folder ? "index.html" : "");
    const char *base = strrchr(name.ptr, '/');
    if (strcmp(base ? base + 1 : name.ptr, OUTPUT_MARKER) == 0) { /* clinfolio's, not the site's */
        buf_free(&name);
        return reply_not_found(c, s, snap);
    }
    size_t early_len;
    unsigned long early_gen;
    char *early = take_early(s, name.ptr, &early_len, &early_gen);
    int fd = early ? -1 : open_served(&st, s, name.ptr);
    if (early) {
        ret = send_early(c, snap, early, early_len, early_gen);
    } else if (fd >= 0) {
        ret = send_file(c, snap, fd, &st, name.ptr, MHD_HTTP_OK);
    } else if (!folder &&
               (buf_printf(&name, "/index.html"), (fd = open_served(&st, s, name.ptr)) >= 0)) {
        close(fd);
        buf loc = BUF_INIT;
        buf_printf(&loc, "%s/", url);
        ret = redirect(c, loc.ptr);
        buf_free(&loc);
    } else {
        ret = reply_not_found(c, s, snap);
    }
    buf_free(&name);
    return ret;
}

/* One open event stream: what it has sent so far, and the page it reloads. */
struct stream {
    server *s;
    unsigned long seen; /* the generation the page was served at */
    bool greeted;
    char *page;          /* its output path ("projects/x/index.html"), or NULL: unknown */
    stream *prev, *next; /* in s->streams, under s->lock */
};

/* Whether st's page is one the running rebuild rendered first (under s->lock). */
static bool
early_for(const server *s, const stream *st)
{
    if (!st->page || s->early_gen != s->gen + 1)
        return false;
    for (size_t i = 0; i < s->n_early; i++)
        if (strcmp(s->early[i].path, st->page) == 0)
            return true;
    return false;
}

/* Copies one event (a few bytes; libmicrohttpd offers a block of 1024) into out. */
static ssize_t
put_event(char *out, size_t max, const char *text)
{
    size_t n = strlen(text);
    if (n > max)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    memcpy(out, text, n);
    return (ssize_t)n;
}

/* Blocks (a thread per connection) until a rebuild newer than the page, or until the
 * running rebuild rendered its page first (then the end of that rebuild is no news to it),
 * then sends `event: reload` with data "css" (only stylesheets changed) or "page"; a
 * comment every PING_SECONDS finds closed connections. */
static ssize_t
stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    stream *st = cls;
    server *s = st->s;
    if (!st->greeted) {
        st->greeted = true;
        return put_event(out, max, "retry: 500\n: clinfolio\n\n");
    }
    pthread_mutex_lock(&s->lock);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += PING_SECONDS;
    int rc = 0;
    /* seen may be gen + 1: a page of the fast render, which the rebuild's end leaves as it is */
    while (s->gen <= st->seen && !(s->gen == st->seen && early_for(s, st)) && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&s->changed, &s->lock, &until);
    bool early = s->gen == st->seen && early_for(s, st);
    bool fresh = s->gen > st->seen || early;
    bool css = !early && s->css_only && s->gen == st->seen + 1;
    if (fresh)
        st->seen = early ? s->early_gen : s->gen;
    pthread_mutex_unlock(&s->lock);
    if (!fresh)
        return put_event(out, max, ": ping\n\n");
    return put_event(out, max,
                     css ? "event: reload\ndata: css\n\n" : "event: reload\ndata: page\n\n");
}

/* The output path of the page a stream's script runs on: its `page` argument, the
 * page's location.pathname %-encoded once more (the argument reaches us as sent). NULL
 * when it names no HTML file of the site. */
static char *
stream_page(struct MHD_Connection *c, const char *base_path)
{
    const char *arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "page");
    if (!arg)
        return NULL;
    buf pathname = BUF_INIT, rel = BUF_INIT;
    text_url_decode(&pathname, arg, strlen(arg));
    char *page = NULL;
    if (serve_map_path(&rel, pathname.ptr, base_path) == SERVE_PATH_FILE) {
        if (rel.len == 0 || rel.ptr[rel.len - 1] == '/')
            buf_puts(&rel, "index.html");
        size_t n = rel.len;
        if (n > 5 && strcmp(rel.ptr + n - 5, ".html") == 0)
            page = buf_detach(&rel);
    }
    buf_free(&pathname);
    buf_free(&rel);
    return page;
}

/* The stream's end (its connection closed): out of s->streams, then freed. */
static void
stream_free(void *cls)
{
    stream *st = cls;
    server *s = st->s;
    pthread_mutex_lock(&s->lock);
    if (st->prev)
        st->prev->next = st->next;
    else
        s->streams = st->next;
    if (st->next)
        st->next->prev = st->prev;
    pthread_mutex_unlock(&s->lock);
    free(st->page);
    free(st);
}

static enum MHD_Result
serve_events(struct MHD_Connection *c, server *s)
{
    stream *st = xcalloc(1, sizeof *st);
    st->s = s;
    const char *since = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
    pthread_mutex_lock(&s->lock);
    char *base_path = xstrdup(s->base_path);
    pthread_mutex_unlock(&s->lock);
    st->page = stream_page(c, base_path);
    free(base_path);
    pthread_mutex_lock(&s->lock);
    /* a page of the fast render belongs to the generation after the current one */
    unsigned long newest = s->early_gen ? s->early_gen : s->gen;
    st->seen = since ? strtoul(since, NULL, 10) : newest;
    if (st->seen > newest)
        st->seen = newest;
    st->next = s->streams;
    if (s->streams)
        s->streams->prev = st;
    s->streams = st;
    pthread_mutex_unlock(&s->lock);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024, stream_read, st, stream_free);
    if (!r) {
        stream_free(st);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/event-stream");
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
handle_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
               const char *version, const char *upload_data, size_t *upload_data_size,
               void **con_cls)
{
    (void)version, (void)upload_data;
    server *s = cls;
    /* the first call has the headers only: answering then (before the request is whole)
     * makes libmicrohttpd close the connection; the next call has the (empty) body */
    static int headers_seen; /* never written: its address marks a connection's first call */
    if (!*con_cls) {
        *con_cls = &headers_seen;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* a body (GET and HEAD have none) is read and dropped */
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        struct MHD_Response *r =
            MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (!r)
            return MHD_NO;
        MHD_add_response_header(r, "Allow", "GET, HEAD");
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (strcmp(url, SERVE_EVENTS_PATH) == 0)
        return serve_events(c, s);
    snapshot snap;
    take_snapshot(&snap, s);
    buf rel = BUF_INIT;
    enum MHD_Result ret;
    serve_path kind = serve_map_path(&rel, url, snap.base_path);
    if (kind == SERVE_PATH_BAD)
        ret = reply_text(c, MHD_HTTP_BAD_REQUEST, "400 bad request\n");
    else if (!snap.built)
        ret = reply_not_built(c, &snap);
    else if (kind == SERVE_PATH_REDIRECT || (kind == SERVE_PATH_OUTSIDE && strcmp(url, "/") == 0))
        ret = redirect(c, snap.base_path);
    else if (kind == SERVE_PATH_OUTSIDE)
        ret = reply_not_found(c, s, &snap);
    else
        ret = serve_path_file(c, s, &snap, url, rel.ptr);
    buf_free(&rel);
    snapshot_fini(&snap);
    return ret;
}

/* The path reaches the handler as sent: serve_map_path decodes it once, itself. */
static size_t
keep_escapes(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls, (void)c;
    return strlen(s);
}

/* }==================================================================== */

/* {====================================================================
 * rebuilds
 * ===================================================================== */

/* Prints the diagnostics of a build to the terminal: after a failed build its errors
 * (with their notes); after a good one the warnings the last good build did not have
 * (every one after the first build), so an edit shows what it added, not the whole
 * list again. Returns how many warnings there were. */
static size_t
print_diagnostics(server *s, const diag *d, bool ok)
{
    if (!ok) {
        diag_print(d, stderr, true);
        return diag_warning_count(d);
    }
    char *text = diag_to_string(d);
    strtab now = STRTAB_INIT;
    bool show = false;
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        if (!strstr(line, ": note: ")) /* a note goes with the diagnostic before it */
            show = !strtab_has(&s->printed, line);
        if (show)
            fprintf(stderr, "%s\n", line);
        strtab_put(&now, line, NULL);
        if (!end)
            break;
        line = end + 1;
    }
    strtab_free(&s->printed);
    free(s->printed_text);
    s->printed = now;
    s->printed_text = text;
    return diag_warning_count(d);
}

/* The pages the open event streams show, for the fast render; each owned, n of them. */
static char **
open_pages(server *s, size_t *n)
{
    char **pages = NULL;
    size_t cap = 0;
    *n = 0;
    pthread_mutex_lock(&s->lock);
    for (const stream *st = s->streams; st; st = st->next) {
        bool dup = !st->page;
        for (size_t i = 0; i < *n && !dup; i++)
            dup = strcmp(pages[i], st->page) == 0;
        if (dup)
            continue;
        pages = xgrow(pages, *n, &cap, sizeof(char *), 8);
        pages[(*n)++] = xstrdup(st->page);
    }
    pthread_mutex_unlock(&s->lock);
    return pages;
}

/* build_options.first_ready: a page open in a browser, rendered anew before the rest of
 * the rebuild; its stream sends the reload now, and requests get it from memory until the
 * rebuild ends. */
static void
early_ready(void *payload, const char *path, const char *html, size_t len)
{
    server *s = payload;
    early_page e = {xstrdup(path), xmalloc(len + 1), len};
    memcpy(e.html, html, len);
    e.html[len] = '\0';
    pthread_mutex_lock(&s->lock);
    s->early = xrealloc(s->early, (s->n_early + 1) * sizeof *s->early);
    s->early[s->n_early++] = e;
    s->early_gen = s->gen + 1;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

/* Tells the requests how a rebuild ended: the overlay (NULL after a good build), the base
 * path, whether only stylesheets changed; then the next generation, which wakes the event
 * streams. The pages of the fast render belong to that generation; after a failure they
 * do not, and their streams reload too (to the last good page, with the overlay). */
static void
publish(server *s, bool ok, char *overlay, const char *base_path, bool css_only)
{
    pthread_mutex_lock(&s->lock);
    bool had_overlay = s->overlay != NULL;
    free(s->overlay);
    s->overlay = overlay;
    if (ok || !s->built) { /* before a good build, the URL printed is still right */
        s->built |= ok;
        free(s->base_path);
        s->base_path = xstrdup(base_path);
    }
    s->css_only = ok && css_only && !had_overlay;
    s->gen += ok || !s->early_gen ? 1 : 2;
    for (size_t i = 0; i < s->n_early; i++) {
        free(s->early[i].path);
        free(s->early[i].html);
    }
    free(s->early);
    s->early = NULL;
    s->n_early = 0;
    s->early_gen = 0;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

/* A rebuild's state for build_options.committed. */
typedef struct rebuild_end {
    server *s;
    const char *base_path;
    bool css_only;
    bool published;
} rebuild_end;

/* build_options.committed: a good rebuild's files are in place; the pages reload now, not
 * after the build wrote its cache and freed its memory. */
static void
committed(void *payload)
{
    rebuild_end *e = payload;
    publish(e->s, true, NULL, e->base_path, e->css_only);
    e->published = true;
}

/* The one way the served tree changes: an incremental build of the private folder, whose
 * commit replaces each changed file in one step (readers see the old file or the new one);
 * a failed build leaves the last good tree and sets the overlay. The pages open in a
 * browser render first and reload at once (early_ready), the others at the commit
 * (committed). css_only: every changed source was a stylesheet. */
static bool
rebuild(server *s, bool first, bool css_only)
{
    const serve_options *opt = s->opt;
    arena *a = arena_new();
    diag *quiet = diag_new(); /* site.yaml's errors come again from the build */
    config cfg;
    const char *base_path = "/";
    if (config_load(&cfg, opt->root, NULL, a, quiet))
        base_path = cfg.base_path;
    diag_free(quiet);
    char *base_url = arena_printf(a, "%s%s", s->origin, base_path);
    rebuild_end end = {s, base_path, css_only, false};
    build_options bo = {.root = opt->root,
                        .out_dir = s->site_dir,
                        .base_url = base_url,
                        .drafts = opt->drafts,
                        .future = opt->future,
                        .workers = opt->workers,
                        .datadir = opt->datadir,
                        .memory = &s->memory,
                        .no_sync = true,
                        .first_ready = early_ready,
                        .first_payload = s,
                        .committed = committed,
                        .committed_payload = &end};
    size_t n_shown = 0;
    char **shown = first ? NULL : open_pages(s, &n_shown);
    bo.first = (const char *const *)shown;
    bo.n_first = n_shown;
    build_stats st = {0};
    diag *d = diag_new();
    double t0 = pool_now_ms();
    bool ok = build_site(&bo, &st, d);
    double ms = pool_now_ms() - t0;
    if (!end.published) /* a failure, or nothing to commit */
        publish(s, ok, ok ? NULL : make_overlay(d, opt->root, s->built), base_path, css_only);
    size_t warnings = print_diagnostics(s, d, ok);
    for (size_t i = 0; i < n_shown; i++)
        free(shown[i]);
    free(shown);
    /* "rebuilt 3 pages": those rendered again; the others were unchanged (cache.h) */
    size_t pages = first ? st.pages : st.renders - st.kept;
    if (ok && warnings)
        printf("%s %zu page%s in %.0f ms (%zu warning%s; new ones are printed)\n",
               first ? "built" : "rebuilt", pages, pages == 1 ? "" : "s", ms, warnings,
               warnings == 1 ? "" : "s");
    else if (ok)
        printf("%s %zu page%s in %.0f ms\n", first ? "built" : "rebuilt", pages,
               pages == 1 ? "" : "s", ms);
    else
        printf("%s failed with %zu error%s in %.0f ms; serving the last good build\n",
               first ? "build" : "rebuild", diag_error_count(d),
               diag_error_count(d) == 1 ? "" : "s", ms);
    if (opt->verbose)
        build_stats_print_times(stdout, &st);
    fflush(stdout);
    diag_free(d);
    arena_free(a);
    return ok;
}

/* }==================================================================== */

/* {====================================================================
 * watching the sources: inotify on site.yaml and every folder under content/,
 * templates/, themes/ and plugins/
 * ===================================================================== */

#define DIR_EVENTS                                                                      \
    (IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
     IN_ATTRIB | IN_DELETE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW)

static const char *const watched_folders[] = {"content", "templates", "themes", "plugins", "i18n"};

typedef struct watcher {
    int fd;
    const char *root;
    int root_wd;
    char **paths; /* by watch descriptor: the folder's path relative to root */
    size_t cap;
    /* the first components of site.yaml's bibliography files (config_bibliography_files): names
     * at the root whose changes count, as site.yaml's do; keys owned by the table */
    strtab extra;
} watcher;

static void
set_path(watcher *w, int wd, char *rel)
{
    if ((size_t)wd >= w->cap) {
        size_t cap = (size_t)wd * 2 + 16;
        w->paths = xrealloc(w->paths, cap * sizeof(char *));
        memset(w->paths + w->cap, 0, (cap - w->cap) * sizeof(char *));
        w->cap = cap;
    }
    free(w->paths[wd]);
    w->paths[wd] = rel;
}

/* Editors' scratch files: hidden files, backups, swap files, vim's write test. */
static bool
ignored_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] == '.' || (n > 0 && name[n - 1] == '~') || strcmp(name, "4913") == 0 ||
           (n > 4 && (strcmp(name + n - 4, ".swp") == 0 || strcmp(name + n - 4, ".swx") == 0));
}

/* Watches the folder rel and every folder beneath it (not through symbolic links). */
static void
watch_tree(watcher *w, const char *rel)
{
    buf path = BUF_INIT;
    fs_join(&path, w->root, rel);
    int wd = inotify_add_watch(w->fd, path.ptr, DIR_EVENTS);
    if (wd < 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            fprintf(stderr, "clinfolio: cannot watch %s: %s\n", rel, strerror(errno));
        buf_free(&path);
        return;
    }
    set_path(w, wd, xstrdup(rel));
    DIR *dir = opendir(path.ptr);
    struct dirent *de;
    while (dir && (de = readdir(dir))) {
        if (ignored_name(de->d_name))
            continue;
        bool is_dir = de->d_type == DT_DIR;
        if (de->d_type == DT_UNKNOWN) {
            struct stat st;
            is_dir = fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                     S_ISDIR(st.st_mode);
        }
        if (is_dir) {
            buf sub = BUF_INIT;
            fs_join(&sub, rel, de->d_name);
            watch_tree(w, sub.ptr);
            buf_free(&sub);
        }
    }
    if (dir)
        closedir(dir);
    buf_free(&path);
}

/* Stops watching the folder rel (moved out of the site) and the folders beneath it. */
static void
unwatch_tree(watcher *w, const char *rel)
{
    size_t n = strlen(rel);
    for (size_t wd = 0; wd < w->cap; wd++)
        if (w->paths[wd] && (int)wd != w->root_wd && strncmp(w->paths[wd], rel, n) == 0 &&
            (w->paths[wd][n] == '\0' || w->paths[wd][n] == '/'))
            inotify_rm_watch(w->fd, (int)wd); /* its IN_IGNORED frees the path */
}

static bool
watcher_init(watcher *w, const char *root)
{
    *w = (watcher){.fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK), .root = root, .root_wd = -1};
    if (w->fd < 0)
        return false;
    w->root_wd = inotify_add_watch(w->fd, root, DIR_EVENTS & ~(unsigned)IN_DONT_FOLLOW);
    if (w->root_wd < 0)
        return false;
    set_path(w, w->root_wd, xstrdup(""));
    for (size_t i = 0; i < sizeof watched_folders / sizeof watched_folders[0]; i++)
        watch_tree(w, watched_folders[i]);
    return true;
}

/* The files at the site's root a build reads: site.yaml and the site's schema.yaml. */
static bool
is_site_file(const char *name)
{
    return strcmp(name, "site.yaml") == 0 || strcmp(name, "schema.yaml") == 0;
}

static bool
is_watched_folder(const char *name)
{
    for (size_t i = 0; i < sizeof watched_folders / sizeof watched_folders[0]; i++)
        if (strcmp(name, watched_folders[i]) == 0)
            return true;
    return false;
}

/* After each build: watches what site.yaml's bibliography names outside the watched
 * folders (a root file by its name, a folder with watch_tree). */
static void
watch_site_files(watcher *w)
{
    arena *a = arena_new();
    diag *quiet = diag_new();
    config cfg;
    if (config_load(&cfg, w->root, NULL, a, quiet)) {
        for (const char **f = config_bibliography_files(&cfg, a); *f; f++) {
            size_t top = strcspn(*f, "/");
            char *name = xstrdup(*f);
            name[top] = '\0';
            if (is_watched_folder(name) || strtab_has(&w->extra, name)) {
                free(name);
                continue;
            }
            if ((*f)[top] == '/')
                watch_tree(w, name);
            strtab_put(&w->extra, name, NULL);
        }
    }
    diag_free(quiet);
    arena_free(a);
}

/* Reads the pending events. Returns whether one of them is a change of the sources;
 * *css_only is cleared when a changed file is not a stylesheet, *settled tells whether
 * the last change ended a save (DEBOUNCE_SETTLED_MS). */
static bool
read_events(watcher *w, bool *css_only, bool *settled)
{
    char chunk[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool changed = false;
    ssize_t n;
    while ((n = read(w->fd, chunk, sizeof chunk)) > 0) {
        for (char *p = chunk; p < chunk + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            p += sizeof *ev + ev->len;
            const char *name = ev->len ? ev->name : "";
            const char *dir = ev->wd >= 0 && (size_t)ev->wd < w->cap ? w->paths[ev->wd] : NULL;
            if (ev->mask & IN_Q_OVERFLOW) {
                changed = true;
                *css_only = false;
                *settled = false;
                continue;
            }
            if (!dir)
                continue;
            if (ev->mask & IN_IGNORED) {
                set_path(w, ev->wd, NULL);
                continue;
            }
            if (ev->wd == w->root_wd) { /* only the site's files and folders count */
                if (!is_site_file(name) && !is_watched_folder(name) && !strtab_has(&w->extra, name))
                    continue;
            } else if (ev->len == 0 || ignored_name(name)) {
                continue;
            }
            buf rel = BUF_INIT;
            if (ev->wd == w->root_wd)
                buf_puts(&rel, name);
            else
                fs_join(&rel, dir, name);
            if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO)))
                watch_tree(w, rel.ptr);
            if ((ev->mask & IN_ISDIR) && (ev->mask & IN_MOVED_FROM))
                unwatch_tree(w, rel.ptr);
            buf_free(&rel);
            size_t len = strlen(name);
            if ((ev->mask & IN_ISDIR) || len < 4 || strcasecmp(name + len - 4, ".css") != 0)
                *css_only = false;
            *settled = !(ev->mask & IN_ISDIR) &&
                       (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE)) != 0;
            changed = true;
        }
    }
    return changed;
}

/* Waits for a change, then for DEBOUNCE_MS without one, or DEBOUNCE_SETTLED_MS when the
 * last one ended a save (at most DEBOUNCE_MAX_MS in all). */
static void
wait_for_change(watcher *w, bool *css_only)
{
    struct pollfd pfd = {w->fd, POLLIN, 0};
    bool settled = false;
    *css_only = true;
    for (;;) {
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
            return;
        if (read_events(w, css_only, &settled))
            break;
    }
    double start = pool_now_ms();
    while (pool_now_ms() - start < DEBOUNCE_MAX_MS) {
        int r = poll(&pfd, 1, settled ? DEBOUNCE_SETTLED_MS : DEBOUNCE_MS);
        if (r == 0)
            break;
        if (r > 0)
            read_events(w, css_only, &settled);
    }
}

/* }==================================================================== */

/* {====================================================================
 * serve_run
 * ===================================================================== */

/* Listens on addr:port (port 0: any). Returns the socket, or -1 with errno. */
static int
listen_on(const char *addr, int port, bool *v6)
{
    struct sockaddr_storage ss = {0};
    socklen_t len;
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        len = sizeof *in4;
        *v6 = false;
    } else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        len = sizeof *in6;
        *v6 = true;
    } else {
        errno = EINVAL;
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 64) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

/* Binds the port asked for, or the default one and up to SERVE_PORT_TRIES - 1 after it,
 * and sets s->origin. Returns the socket, or after printing why -2 (a bad address, or
 * the port asked for is taken: exit status 2) or -1. */
static int
open_port(server *s)
{
    const serve_options *opt = s->opt;
    int port = opt->port < 0 ? SERVE_DEFAULT_PORT : opt->port;
    int tries = opt->port < 0 ? SERVE_PORT_TRIES : 1;
    bool v6 = false;
    int fd = -1;
    for (int i = 0; i < tries && fd < 0; i++, port++) {
        fd = listen_on(opt->bind, port, &v6);
        if (fd >= 0)
            break;
        if (errno == EINVAL) {
            fprintf(stderr, "clinfolio: error: --bind wants an IPv4 or IPv6 address, not '%s'\n",
                    opt->bind);
            return -2;
        }
        if (errno == EADDRINUSE && opt->port > 0) { /* the port asked for, as a usage error */
            fprintf(stderr,
                    "clinfolio: error: port %d is in use (another serve?); choose another "
                    "with -p, or -p 0 for any free port\n",
                    port);
            return -2;
        }
        if (errno != EADDRINUSE || i + 1 == tries) {
            fprintf(stderr, "clinfolio: error: cannot listen on %s port %d: %s\n", opt->bind, port,
                    strerror(errno));
            return -1;
        }
        fprintf(stderr, "clinfolio: port %d is in use; trying %d\n", port, port + 1);
    }
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    port =
        ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
    /* a wildcard address is reached through loopback */
    const char *host = opt->bind;
    if (strcmp(host, "0.0.0.0") == 0)
        host = "127.0.0.1";
    else if (strcmp(host, "::") == 0)
        host = "::1";
    snprintf(s->origin, sizeof s->origin, v6 ? "http://[%s]:%d" : "http://%s:%d", host, port);
    return fd;
}

static void
open_browser(const char *url)
{
    extern char **environ;
    char *argv[] = {(char *)"xdg-open", (char *)url, NULL};
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    if (posix_spawnp(&pid, "xdg-open", &fa, NULL, argv, environ) != 0)
        fprintf(stderr, "clinfolio: cannot run xdg-open; open %s yourself\n", url);
    posix_spawn_file_actions_destroy(&fa);
}

/* Makes the private folder under $TMPDIR (else /tmp), registered for removal on a signal. */
static bool
make_private_dir(server *s)
{
    const char *tmp = getenv("TMPDIR");
    buf tmpl = BUF_INIT;
    buf_printf(&tmpl, "%s/clinfolio-serve-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmpl.ptr)) { /* mode 0700 */
        fprintf(stderr, "clinfolio: error: cannot create a private folder %s: %s\n", tmpl.ptr,
                strerror(errno));
        buf_free(&tmpl);
        return false;
    }
    s->dir = buf_detach(&tmpl);
    output_set_private_dir(s->dir);
    buf tree = BUF_INIT;
    fs_join(&tree, s->dir, "site");
    s->site_dir = buf_detach(&tree);
    return true;
}

/* After a rebuild: as many blocks kept as it took, so that an idle serve holds the memory
 * of its last rebuild, not of its largest (the first build, a full one, takes about twice
 * what an edit's takes). */
static void
keep_blocks_of_last_rebuild(void)
{
    size_t taken = arena_blocks_taken();
    arena_keep_blocks(taken < KEPT_BLOCKS ? taken : KEPT_BLOCKS);
}

int
serve_run(const serve_options *opt)
{
    server s = {.opt = opt, .base_path = xstrdup("/")};
    pthread_mutex_init(&s.lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_cond_init(&s.changed, &ca); /* CLOCK_REALTIME, as stream_read waits */
    watcher w = {.fd = -1};
    int status = 1;
    int sock = -1;
    if (!make_private_dir(&s))
        goto done;
    sock = open_port(&s);
    if (sock < 0) {
        status = sock == -2 ? 2 : 1;
        goto done;
    }
    arena_keep_blocks(KEPT_BLOCKS);
    /* watching starts before the first build: nothing saved during it is missed */
    if (!watcher_init(&w, opt->root)) {
        fprintf(stderr, "clinfolio: error: cannot watch %s: %s\n", opt->root, strerror(errno));
        goto done;
    }
    rebuild(&s, true, false);
    keep_blocks_of_last_rebuild();
    watch_site_files(&w);
    s.daemon = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
        handle_request, &s, MHD_OPTION_LISTEN_SOCKET, sock, MHD_OPTION_UNESCAPE_CALLBACK,
        keep_escapes, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_SECONDS, MHD_OPTION_END);
    if (!s.daemon) {
        fprintf(stderr, "clinfolio: error: cannot start the HTTP server\n");
        goto done;
    }
    sock = -1; /* the daemon's now */
    pthread_mutex_lock(&s.lock);
    char *url = xstrdup(s.base_path);
    pthread_mutex_unlock(&s.lock);
    printf("serving %s at %s%s (Ctrl-C to stop)\n", opt->root, s.origin, url);
    fflush(stdout);
    if (opt->open_browser) {
        buf full = BUF_INIT;
        buf_printf(&full, "%s%s", s.origin, url);
        open_browser(full.ptr);
        buf_free(&full);
    }
    free(url);
    for (;;) {
        bool css_only;
        wait_for_change(&w, &css_only);
        rebuild(&s, false, css_only);
        keep_blocks_of_last_rebuild();
        watch_site_files(&w);
    }
done:
    if (sock >= 0)
        close(sock);
    if (s.daemon)
        MHD_stop_daemon(s.daemon);
    if (w.fd >= 0)
        close(w.fd);
    for (size_t i = 0; i < w.cap; i++)
        free(w.paths[i]);
    free(w.paths);
    for (size_t i = 0; i < w.extra.cap; i++)
        free((char *)w.extra.keys[i]);
    strtab_free(&w.extra);
    /* the process ends next: remove the private folder as a signal would */
    if (s.dir)
        output_remove_temporaries();
    free(s.dir);
    free(s.site_dir);
    cache_free(s.memory);
    free(s.base_path);
    free(s.overlay);
    strtab_free(&s.printed);
    free(s.printed_text);
    arena_keep_blocks(0);
    return status;
}

/* }==================================================================== */
