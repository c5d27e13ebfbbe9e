/* SPDX-License-Identifier: MIT
 * test_serve.c - clinfolio serve's request paths (decoding once, traversal refused, the
 * base path), content types and the live-reload injection. */
#include "serve.h"

#include "harness.h"

/* serve_map_path's result, and the relative path when it is a file. */
static void
map_ok(const char *raw, const char *base, const char *want)
{
    buf out = BUF_INIT;
    serve_path r = serve_map_path(&out, raw, base);
    OK(r == SERVE_PATH_FILE, "%s under %s: got %d, want a file", raw, base, (int)r);
    STR_EQ(out.ptr, want, raw);
    buf_free(&out);
}

static void
map_is(const char *raw, const char *base, serve_path want)
{
    buf out = BUF_INIT;
    serve_path r = serve_map_path(&out, raw, base);
    OK(r == want, "%s under %s: got %d, want %d", raw, base, (int)r, (int)want);
    if (r != SERVE_PATH_FILE)
        STR_EQ(out.ptr, "", "no path unless a file");
    buf_free(&out);
}

static void
test_paths(void)
{
    map_ok("/", "/", "");
    map_ok("/index.html", "/", "index.html");
    map_ok("/projects/", "/", "projects/");
    map_ok("/projects/anti-fog/", "/", "projects/anti-fog/");
    map_ok("/css/style.css", "/", "css/style.css");
    map_ok("/caf%C3%A9/", "/", "café/");
    map_ok("/a%20b.txt", "/", "a b.txt");
    map_ok("/%25", "/", "%"); /* decoded once: "%25" is a literal '%' */
    map_ok("/%252e%252e/x", "/", "%2e%2e/x");
    map_ok("/.well-known/x", "/", ".well-known/x");
    map_ok("/a..b/c", "/", "a..b/c");

    /* traversal, after decoding */
    map_is("/../site.yaml", "/", SERVE_PATH_BAD);
    map_is("/..", "/", SERVE_PATH_BAD);
    map_is("/a/../../etc/passwd", "/", SERVE_PATH_BAD);
    map_is("/%2e%2e/%2e%2e/etc/passwd", "/", SERVE_PATH_BAD);
    map_is("/%2E%2E/site.yaml", "/", SERVE_PATH_BAD);
    map_is("/.%2e/site.yaml", "/", SERVE_PATH_BAD);
    map_is("/%2F..", "/", SERVE_PATH_BAD);
    map_is("/x%2F..%2F..%2Fsite.yaml", "/", SERVE_PATH_BAD);
    map_is("/./index.html", "/", SERVE_PATH_BAD);
    map_is("/a/./b", "/", SERVE_PATH_BAD);
    /* absolute, empty segments, backslash, NUL, control characters, bad escapes */
    map_is("//etc/passwd", "/", SERVE_PATH_BAD);
    map_is("/%2Fetc/passwd", "/", SERVE_PATH_BAD);
    map_is("/a//b", "/", SERVE_PATH_BAD);
    map_is("etc/passwd", "/", SERVE_PATH_BAD);
    map_is("", "/", SERVE_PATH_BAD);
    map_is("/..%5C..%5Csite.yaml", "/", SERVE_PATH_BAD);
    map_is("/a\\b", "/", SERVE_PATH_BAD);
    map_is("/index.html%00.css", "/", SERVE_PATH_BAD);
    map_is("/a%0Ab", "/", SERVE_PATH_BAD);
    map_is("/a%7f", "/", SERVE_PATH_BAD);
    /* a malformed escape is kept as it is, never decoded later */
    map_ok("/a%", "/", "a%");
    map_ok("/a%2", "/", "a%2");
    map_ok("/a%zz", "/", "a%zz");

    /* a base path: served beneath it, redirected without its slash, else outside */
    map_ok("/sub/", "/sub/", "");
    map_ok("/sub/projects/x/", "/sub/", "projects/x/");
    map_ok("/s%75b/a.css", "/sub/", "a.css");
    map_is("/sub", "/sub/", SERVE_PATH_REDIRECT);
    map_is("/", "/sub/", SERVE_PATH_OUTSIDE);
    map_is("/subway/", "/sub/", SERVE_PATH_OUTSIDE);
    map_is("/other/x", "/sub/", SERVE_PATH_OUTSIDE);
    map_is("/sub/../site.yaml", "/sub/", SERVE_PATH_BAD);
    map_is("/sub/%2e%2e/%2e%2e/etc/passwd", "/sub/", SERVE_PATH_BAD);
}

static void
test_content_types(void)
{
    static const char *const cases[][2] = {
        {"index.html", "text/html; charset=utf-8"},
        {"a/B.HTML", "text/html; charset=utf-8"},
        {"css/style.css", "text/css; charset=utf-8"},
        {"x.js", "text/javascript; charset=utf-8"},
        {"logo.svg", "image/svg+xml; charset=utf-8"},
        {"feed.xml", "application/xml; charset=utf-8"},
        {"data.json", "application/json; charset=utf-8"},
        {"export.csv", "text/csv; charset=utf-8"},
        {"robots.txt", "text/plain; charset=utf-8"},
        {"a.png", "image/png"},
        {"a.jpg", "image/jpeg"},
        {"a.jpeg", "image/jpeg"},
        {"a.gif", "image/gif"},
        {"a.webp", "image/webp"},
        {"favicon.ico", "image/x-icon"},
        {"f.woff", "font/woff"},
        {"f.woff2", "font/woff2"},
        {"f.ttf", "font/ttf"},
        {"report.pdf", "application/pdf"},
        {"reports/x/cite.bib", "application/x-bibtex; charset=utf-8"},
        {"reports/x/cite.ris", "application/x-research-info-systems; charset=utf-8"},
        {"archive.tar.gz", "application/octet-stream"},
        {"Makefile", "application/octet-stream"},
        {".css", "application/octet-stream"}, /* a hidden file, not an extension */
        {"css.d/readme", "application/octet-stream"},
        {"x.", "application/octet-stream"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        STR_EQ(serve_content_type(cases[i][0]), cases[i][1], cases[i][0]);
}

static void
inject(const char *html, const char *extra, const char *want)
{
    buf b = BUF_INIT;
    buf_puts(&b, html);
    serve_inject(&b, extra);
    STR_EQ(b.ptr, want, html);
    INT_EQ(b.len, strlen(want), "length");
    buf_free(&b);
}

static void
test_inject(void)
{
    inject("<html><body><p>x</p></body></html>\n", "<s>",
           "<html><body><p>x</p><s></body></html>\n");
    /* the last </body>: one in a code sample comes earlier */
    inject("<body><code>&lt;/body&gt;</body></body>", "<s>",
           "<body><code>&lt;/body&gt;</body><s></body>");
    inject("<BODY>x</BODY>", "<s>", "<BODY>x<s></BODY>");
    inject("<p>no body tag</p>", "<s>", "<p>no body tag</p><s>");
    inject("", "<s>", "<s>");
    inject("</body>", "", "</body>");
}

int
main(void)
{
    test_paths();
    test_content_types();
    test_inject();
    return harness_done();
}
