/* SPDX-License-Identifier: MIT
 * test_sitemap.c - sitemap.xml is well-formed, in the sitemaps.org namespace, with one
 * <url> per page in order and W3C dates. (The XSD check is an integration test.) */
#include "harness.h"

#include "sitemap.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

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

int
main(void)
{
    xmlInitParser();
    sitemap_url urls[] = {
        {"https://example.org/", {2023, 3, 1, 0, 0, 0, 0, false, false}, true},
        {"https://example.org/projects/%E9%98%B2/", {2023, 3, 1, 8, 30, 0, 480, true, true}, true},
        {"https://example.org/about/?a=1&b=2\x01", {0}, false},
    };
    buf out = BUF_INIT;
    diag *d = diag_new();
    OK(sitemap_write(&out, urls, 3, d), "sitemap written");
    INT_EQ(diag_error_count(d) + diag_warning_count(d), 0, "no diagnostics");
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
    xmlCleanupParser();
    return harness_done();
}
