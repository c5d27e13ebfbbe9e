/* SPDX-License-Identifier: MIT
 * test_sitemap.c - sitemap.xml is well-formed, in the sitemaps.org namespace, with one
 * <url> per page in order and W3C dates; past the per-file limits, sitemap-K.xml files and
 * a sitemap index, each valid for the sitemaps.org XSDs in tests/validate (run from the
 * repository root, as the Makefile and tests/run.sh do). */
#include "harness.h"

#include "sitemap.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include <stdlib.h>
#include <string.h>

static const char *const NS = "http://www.sitemaps.org/schemas/sitemap/0.9";

/* The n-th element child of node (0-based), or NULL. */
static xmlNodePtr
child(xmlNodePtr node, int n)
{
    for (xmlNodePtr c = node ? node->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && n-- == 0)
            return c;
    return NULL;
}

static int
count_children(xmlNodePtr node)
{
    int n = 0;
    for (xmlNodePtr c = node->children; c; c = c->next)
        n += c->type == XML_ELEMENT_NODE;
    return n;
}

static void
check_node(xmlNodePtr node, const char *name, const char *text, const char *msg)
{
    OK(node && strcmp((const char *)node->name, name) == 0, "%s: element %s", msg, name);
    if (!node)
        return;
    OK(node->ns && strcmp((const char *)node->ns->href, NS) == 0, "%s: namespace", msg);
    if (text) {
        xmlChar *s = xmlNodeGetContent(node);
        STR_EQ((const char *)s, text, msg);
        xmlFree(s);
    }
}

/* The files sitemap_write_files emitted, in order. */
typedef struct emitted {
    char path[32][32];
    buf data[32];
    int n;
} emitted;

static bool
collect(void *ctx, const char *path, const char *data, size_t len, diag *d)
{
    (void)d;
    emitted *e = ctx;
    if (e->n >= 32)
        return false;
    snprintf(e->path[e->n], sizeof e->path[0], "%s", path);
    e->data[e->n] = (buf)BUF_INIT;
    buf_append(&e->data[e->n], data, len);
    e->n++;
    return true;
}

static void
emitted_free(emitted *e)
{
    for (int i = 0; i < e->n; i++)
        buf_free(&e->data[i]);
    e->n = 0;
}

/* doc valid for the XSD at xsd_path (0 = valid, as xmlSchemaValidateDoc) */
static int
validate(const char *xsd_path, xmlDocPtr doc)
{
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(xsd_path);
    xmlSchemaPtr schema = pc ? xmlSchemaParse(pc) : NULL;
    xmlSchemaValidCtxtPtr vc = schema ? xmlSchemaNewValidCtxt(schema) : NULL;
    int rc = vc ? xmlSchemaValidateDoc(vc, doc) : -1;
    if (vc)
        xmlSchemaFreeValidCtxt(vc);
    if (schema)
        xmlSchemaFree(schema);
    if (pc)
        xmlSchemaFreeParserCtxt(pc);
    return rc;
}

/* data parses, has root element root_name with n_children element children, and is
 * valid for xsd_path */
static void
check_file(const buf *data, const char *xsd_path, const char *root_name, int n_children,
           const char *msg)
{
    xmlDocPtr doc = xmlReadMemory(data->ptr, (int)data->len, msg, NULL, XML_PARSE_NONET);
    OK(doc != NULL, "%s parses", msg);
    if (!doc)
        return;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    check_node(root, root_name, NULL, msg);
    int n = count_children(root);
    OK(n == n_children, "%s: %d children, want %d", msg, n, n_children);
    int rc = validate(xsd_path, doc);
    OK(rc == 0, "%s valid for %s (%d):\n%s", msg, xsd_path, rc, data->ptr);
    xmlFreeDoc(doc);
}

static void
test_files(void)
{
    static const char *const SITEMAP_XSD = "tests/validate/sitemap.xsd";
    static const char *const INDEX_XSD = "tests/validate/siteindex.xsd";
    char locs[8][48];
    sitemap_url urls[8] = {{0}};
    for (int i = 0; i < 8; i++) {
        snprintf(locs[i], sizeof locs[i], "https://example.org/p/%d/", i);
        urls[i].loc = locs[i];
        urls[i].lastmod = (value_date){2024, 1, 1 + i, 0, 0, 0, 0, false, false};
        urls[i].has_lastmod = true;
    }
    diag *d = diag_new();
    emitted e = {0};

    /* within the limits: one urlset as sitemap.xml, as sitemap_write writes it */
    sitemap_limits three = {3, SITEMAP_MAX_BYTES};
    OK(sitemap_write_files(urls, 3, &three, "https://example.org/", collect, &e, d),
       "3 URLs written");
    INT_EQ(e.n, 1, "3 URLs at 3 per file: one file");
    STR_EQ(e.path[0], "sitemap.xml", "the one file");
    buf one = BUF_INIT;
    sitemap_write(&one, urls, 3, d);
    OK(e.n == 1 && e.data[0].len == one.len && memcmp(e.data[0].ptr, one.ptr, one.len) == 0,
       "same bytes as sitemap_write");
    buf_free(&one);
    if (e.n == 1)
        check_file(&e.data[0], SITEMAP_XSD, "urlset", 3, "single sitemap.xml");
    emitted_free(&e);

    /* 8 URLs at 3 per file: sitemap-1.xml (3), -2 (3), -3 (2), then the index */
    OK(sitemap_write_files(urls, 8, &three, "https://example.org/", collect, &e, d),
       "8 URLs written");
    INT_EQ(e.n, 4, "three sitemaps and the index");
    if (e.n == 4) {
        STR_EQ(e.path[0], "sitemap-1.xml", "first file");
        STR_EQ(e.path[1], "sitemap-2.xml", "second file");
        STR_EQ(e.path[2], "sitemap-3.xml", "third file");
        STR_EQ(e.path[3], "sitemap.xml", "the index last");
        check_file(&e.data[0], SITEMAP_XSD, "urlset", 3, "sitemap-1.xml");
        check_file(&e.data[1], SITEMAP_XSD, "urlset", 3, "sitemap-2.xml");
        check_file(&e.data[2], SITEMAP_XSD, "urlset", 2, "sitemap-3.xml");
        check_file(&e.data[3], INDEX_XSD, "sitemapindex", 3, "sitemap index");
        OK(strstr(e.data[2].ptr, "<loc>https://example.org/p/7/</loc>") &&
               strstr(e.data[2].ptr, "<loc>https://example.org/p/6/</loc>") &&
               !strstr(e.data[2].ptr, "/p/5/"),
           "URLs in order:\n%s", e.data[2].ptr);
        const char *index =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
            "  <sitemap>\n    <loc>https://example.org/sitemap-1.xml</loc>\n  </sitemap>\n"
            "  <sitemap>\n    <loc>https://example.org/sitemap-2.xml</loc>\n  </sitemap>\n"
            "  <sitemap>\n    <loc>https://example.org/sitemap-3.xml</loc>\n  </sitemap>\n"
            "</sitemapindex>\n";
        STR_EQ(e.data[3].ptr, index, "index layout");
    }
    emitted_free(&e);

    /* the byte limit: a file of 3 URLs is larger than 400 bytes, so fewer per file */
    sitemap_limits small = {50000, 400};
    OK(sitemap_write_files(urls, 8, &small, "https://example.org/", collect, &e, d),
       "byte-limited sitemaps written");
    OK(e.n > 2, "several files under the byte limit (%d)", e.n);
    int total = 0;
    for (int i = 0; i + 1 < e.n; i++) {
        OK(e.data[i].len <= 400, "%s: %zu bytes <= 400", e.path[i], e.data[i].len);
        xmlDocPtr doc = xmlReadMemory(e.data[i].ptr, (int)e.data[i].len, "x", NULL, 0);
        if (doc) {
            total += count_children(xmlDocGetRootElement(doc));
            xmlFreeDoc(doc);
        }
    }
    INT_EQ(total, 8, "every URL in one of the files");
    if (e.n > 0) {
        STR_EQ(e.path[e.n - 1], "sitemap.xml", "the index last");
        check_file(&e.data[e.n - 1], INDEX_XSD, "sitemapindex", e.n - 1, "byte-limited index");
    }
    emitted_free(&e);
    INT_EQ(diag_error_count(d) + diag_warning_count(d), 0, "no diagnostics");
    diag_free(d);
}

int
main(void)
{
    xmlInitParser();
    sitemap_url urls[] = {
        {"https://example.org/", {2023, 3, 1, 0, 0, 0, 0, false, false}, true, NULL, 0},
        {"https://example.org/projects/%E9%98%B2/",
         {2023, 3, 1, 8, 30, 0, 480, true, true},
         true,
         NULL,
         0},
        {"https://example.org/about/?a=1&b=2\x01", {0}, false, NULL, 0},
    };
    buf out = BUF_INIT;
    diag *d = diag_new();
    OK(sitemap_write(&out, urls, 3, d), "sitemap written");
    INT_EQ(diag_error_count(d) + diag_warning_count(d), 0, "no diagnostics");
    OK(!strstr(out.ptr, "xhtml"), "no language alternates: no xhtml namespace");
    {
        sitemap_alternate alts[] = {{"x-default", "https://example.org/a/"},
                                    {"zh", "https://example.org/a/"},
                                    {"en", "https://example.org/en/a/?x=1&y=2"}};
        sitemap_url two[] = {{"https://example.org/a/", {0}, false, alts, 3},
                             {"https://example.org/b/", {0}, false, NULL, 0}};
        buf alt = BUF_INIT;
        OK(sitemap_write(&alt, two, 2, d), "sitemap with alternates written");
        OK(strstr(alt.ptr, "xmlns:xhtml=\"http://www.w3.org/1999/xhtml\"") != NULL,
           "alternates: the xhtml namespace on urlset");
        OK(strstr(alt.ptr, "<lastmod>") == NULL &&
               strstr(alt.ptr, "<xhtml:link rel=\"alternate\" hreflang=\"en\" "
                               "href=\"https://example.org/en/a/?x=1&amp;y=2\"/>") != NULL,
           "alternates: one xhtml:link per language, escaped");
        OK(strstr(alt.ptr, "hreflang=\"x-default\"") != NULL, "alternates: x-default");
        buf_free(&alt);
    }
    xmlDocPtr doc = xmlReadMemory(out.ptr, (int)out.len, "sitemap.xml", NULL, XML_PARSE_NONET);
    OK(doc != NULL, "sitemap parses:\n%s", out.ptr);
    if (doc) {
        xmlNodePtr root = xmlDocGetRootElement(doc);
        check_node(root, "urlset", NULL, "root");
        INT_EQ(count_children(root), 3, "three urls");
        check_node(child(root, 0), "url", NULL, "url 1");
        check_node(child(child(root, 0), 0), "loc", "https://example.org/", "loc 1");
        check_node(child(child(root, 0), 1), "lastmod", "2023-03-01", "lastmod date");
        check_node(child(child(root, 1), 1), "lastmod", "2023-03-01T08:30:00+08:00",
                   "lastmod date-time");
        check_node(child(child(root, 2), 0), "loc", "https://example.org/about/?a=1&b=2",
                   "loc escaped, control character dropped");
        INT_EQ(count_children(child(root, 2)), 1, "no lastmod when absent");
        xmlFreeDoc(doc);
    }
    const char *head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
                       "  <url>\n    <loc>https://example.org/</loc>\n";
    OK(strncmp(out.ptr, head, strlen(head)) == 0, "layout:\n%s", out.ptr);

    buf again = BUF_INIT;
    sitemap_write(&again, urls, 3, d);
    OK(again.len == out.len && memcmp(again.ptr, out.ptr, out.len) == 0, "deterministic");
    buf_free(&again);
    buf_free(&out);

    /* more than 50,000 URLs: written, with a warning */
    size_t n = 50001;
    sitemap_url *many = calloc(n, sizeof *many);
    for (size_t i = 0; i < n; i++)
        many[i].loc = "https://example.org/x/";
    OK(sitemap_write(&out, many, n, d), "large sitemap written");
    INT_EQ(diag_warning_count(d), 1, "warning past 50,000 URLs");
    free(many);
    buf_free(&out);
    diag_free(d);
    test_files();
    xmlCleanupParser();
    return harness_done();
}
