/* SPDX-License-Identifier: MIT
 * test_feed.c - the RSS feed parses with libxml2, carries the expected elements, and
 * stays well-formed with control characters and invalid UTF-8 in its texts. */
#include "harness.h"

#include "feed.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <stdlib.h>
#include <string.h>

static xmlDocPtr
parse(const buf *b)
{
    return xmlReadMemory(b->ptr, (int)b->len, "feed.xml", NULL, XML_PARSE_NONET);
}

/* The string value of an XPath expression ("" when nothing matches); free() it. */
static char *
xpath_str(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(ctx, BAD_CAST "atom", BAD_CAST "http://www.w3.org/2005/Atom");
    xmlXPathObjectPtr obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    xmlChar *s = obj ? xmlXPathCastToString(obj) : NULL;
    char *r = strdup(s ? (const char *)s : "(xpath error)");
    xmlFree(s);
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
    return r;
}

#define XP_EQ(doc, expr, want)             \
    do {                                   \
        char *got_ = xpath_str(doc, expr); \
        STR_EQ(got_, want, expr);          \
        free(got_);                        \
    } while (0)

static void
test_basic(void)
{
    feed_channel ch = {"Harbin <Clinical> & Co",
                       "https://example.org/",
                       "Projects & news",
                       "en",
                       "https://example.org/feed.xml",
                       {2023, 3, 1, 8, 30, 0, 480, true, true},
                       true};
    feed_item items[] = {
        {"Anti-fog goggles",
         "https://example.org/projects/anti-fog/",
         NULL,
         "Summary \"here\"",
         {2023, 1, 5, 0, 0, 0, 0, false, false},
         true},
        {"Second", "https://example.org/news/b/", "urn:x:b", NULL, {0}, false},
        {"防雾护目镜",
         "https://example.org/projects/%E9%98%B2/",
         "https://example.org/projects/%E9%98%B2/",
         "中文摘要",
         {2022, 12, 31, 23, 59, 59, 0, true, true},
         true},
    };
    buf out = BUF_INIT;
    diag *d = diag_new();
    OK(feed_write_rss(&out, &ch, items, 3, d), "feed written");
    INT_EQ(diag_error_count(d), 0, "no errors");
    xmlDocPtr doc = parse(&out);
    OK(doc != NULL, "feed parses:\n%s", out.ptr);
    if (doc) {
        XP_EQ(doc, "name(/*)", "rss");
        XP_EQ(doc, "string(/rss/@version)", "2.0");
        XP_EQ(doc, "string(/rss/channel/title)", "Harbin <Clinical> & Co");
        XP_EQ(doc, "string(/rss/channel/link)", "https://example.org/");
        XP_EQ(doc, "string(/rss/channel/description)", "Projects & news");
        XP_EQ(doc, "string(/rss/channel/language)", "en");
        XP_EQ(doc, "string(/rss/channel/lastBuildDate)", "Wed, 01 Mar 2023 08:30:00 +0800");
        XP_EQ(doc, "string(/rss/channel/atom:link/@href)", "https://example.org/feed.xml");
        XP_EQ(doc, "string(/rss/channel/atom:link/@rel)", "self");
        XP_EQ(doc, "string(/rss/channel/atom:link/@type)", "application/rss+xml");
        XP_EQ(doc, "string(count(/rss/channel/item))", "3");
        XP_EQ(doc, "string(/rss/channel/item[1]/guid)", "https://example.org/projects/anti-fog/");
        XP_EQ(doc, "string(/rss/channel/item[1]/guid/@isPermaLink)", "true");
        XP_EQ(doc, "string(/rss/channel/item[1]/pubDate)", "Thu, 05 Jan 2023 00:00:00 +0000");
        XP_EQ(doc, "string(/rss/channel/item[1]/description)", "Summary \"here\"");
        XP_EQ(doc, "string(/rss/channel/item[2]/guid)", "urn:x:b");
        XP_EQ(doc, "string(/rss/channel/item[2]/guid/@isPermaLink)", "false");
        XP_EQ(doc, "string(count(/rss/channel/item[2]/pubDate))", "0");
        XP_EQ(doc, "string(count(/rss/channel/item[2]/description))", "0");
        XP_EQ(doc, "string(/rss/channel/item[3]/title)", "防雾护目镜");
        XP_EQ(doc, "string(/rss/channel/item[3]/guid/@isPermaLink)", "true");
        XP_EQ(doc, "string(/rss/channel/item[3]/pubDate)", "Sat, 31 Dec 2022 23:59:59 +0000");
        xmlFreeDoc(doc);
    }
    OK(strncmp(out.ptr,
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" "
               "xmlns:atom=\"http://www.w3.org/2005/Atom\">\n  <channel>\n",
               strlen("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" "
                      "xmlns:atom=\"http://www.w3.org/2005/Atom\">\n  <channel>\n")) == 0,
       "document start:\n%s", out.ptr);

    buf again = BUF_INIT;
    feed_write_rss(&again, &ch, items, 3, d);
    OK(again.len == out.len && memcmp(again.ptr, out.ptr, out.len) == 0, "deterministic");
    buf_free(&again);
    buf_free(&out);
    diag_free(d);
}

static void
test_hostile_text(void)
{
    feed_channel ch = {"Ti\x01tle\x1b[31m \xff\xfe",
                       "https://example.org/?a=1&b=2",
                       NULL,
                       NULL,
                       "https://example.org/feed.xml\x7f",
                       {0},
                       false};
    feed_item items[] = {
        {"bad \x0c form feed \xc3\x28 \xed\xa0\x80 surrogate \xef\xbf\xbe",
         "https://example.org/x/",
         "https://example.org/x/",
         "]]> <![CDATA[ x \x00 y",
         {0},
         false},
    };
    buf out = BUF_INIT;
    diag *d = diag_new();
    OK(feed_write_rss(&out, &ch, items, 1, d), "hostile feed written");
    xmlDocPtr doc = parse(&out);
    OK(doc != NULL, "hostile feed is well-formed:\n%s", out.ptr);
    if (doc) {
        XP_EQ(doc, "string(/rss/channel/title)", "Title[31m \xEF\xBF\xBD\xEF\xBF\xBD");
        XP_EQ(doc, "string(/rss/channel/link)", "https://example.org/?a=1&b=2");
        XP_EQ(doc, "string(/rss/channel/description)", "");
        XP_EQ(doc, "string(count(/rss/channel/language))", "0");
        XP_EQ(doc, "string(/rss/channel/item/description)", "]]> <![CDATA[ x ");
        xmlFreeDoc(doc);
    }
    buf_free(&out);

    OK(feed_write_rss(&out, &ch, NULL, 0, d), "feed without items");
    doc = parse(&out);
    OK(doc != NULL, "empty feed is well-formed");
    if (doc)
        xmlFreeDoc(doc);
    buf_free(&out);
    diag_free(d);
}

int
main(void)
{
    feed_global_init();
    test_basic();
    test_hostile_text();
    xmlCleanupParser();
    return harness_done();
}
