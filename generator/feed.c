/* SPDX-License-Identifier: MIT
 * feed.c - RSS 2.0 through libxml2's xmlTextWriter, into memory. Pass 4 (output). */
#include "feed.h"

#include "text.h"

#include <libxml/parser.h>
#include <libxml/xmlwriter.h>

#include <string.h>

void
feed_global_init(void)
{
    xmlInitParser();
}

/* The writer, a scratch buffer for cleaned text, and whether every call succeeded. */
typedef struct xml {
    xmlTextWriterPtr w;
    buf tmp;
    bool ok;
} xml;

static const xmlChar *
clean(xml *x, const char *s)
{
    buf_clear(&x->tmp);
    if (s)
        text_clean_xml(&x->tmp, s, strlen(s));
    return (const xmlChar *)x->tmp.ptr;
}

static void
check(xml *x, int rc)
{
    if (rc < 0)
        x->ok = false;
}

static void
element(xml *x, const char *name, const char *text)
{
    check(x, xmlTextWriterWriteElement(x->w, BAD_CAST name, clean(x, text)));
}

static void
attribute(xml *x, const char *name, const char *text)
{
    check(x, xmlTextWriterWriteAttribute(x->w, BAD_CAST name, clean(x, text)));
}

static void
date_element(xml *x, const char *name, const value_date *date)
{
    buf b = BUF_INIT;
    value_date_rfc822(&b, date);
    element(x, name, b.ptr);
    buf_free(&b);
}

static void
write_item(xml *x, const feed_item *it)
{
    check(x, xmlTextWriterStartElement(x->w, BAD_CAST "item"));
    if (it->title)
        element(x, "title", it->title);
    if (it->link)
        element(x, "link", it->link);
    const char *guid = it->guid ? it->guid : it->link;
    if (guid) {
        check(x, xmlTextWriterStartElement(x->w, BAD_CAST "guid"));
        bool permalink = it->link && strcmp(guid, it->link) == 0;
        attribute(x, "isPermaLink", permalink ? "true" : "false");
        check(x, xmlTextWriterWriteString(x->w, clean(x, guid)));
        check(x, xmlTextWriterEndElement(x->w));
    }
    if (it->has_date)
        date_element(x, "pubDate", &it->date);
    if (it->description)
        element(x, "description", it->description);
    check(x, xmlTextWriterEndElement(x->w));
}

bool
feed_write_rss(buf *out, const feed_channel *ch, const feed_item *items, size_t n, diag *d)
{
    xmlBufferPtr mem = xmlBufferCreate();
    xmlTextWriterPtr w = mem ? xmlNewTextWriterMemory(mem, 0) : NULL;
    xml x = {w, BUF_INIT, w != NULL};
    if (w) {
        check(&x, xmlTextWriterSetIndent(w, 1));
        check(&x, xmlTextWriterSetIndentString(w, BAD_CAST "  "));
        check(&x, xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL));
        check(&x, xmlTextWriterStartElement(w, BAD_CAST "rss"));
        attribute(&x, "version", "2.0");
        attribute(&x, "xmlns:atom", "http://www.w3.org/2005/Atom");
        check(&x, xmlTextWriterStartElement(w, BAD_CAST "channel"));
        element(&x, "title", ch->title);
        element(&x, "link", ch->link);
        element(&x, "description", ch->description);
        if (ch->language && *ch->language)
            element(&x, "language", ch->language);
        if (ch->has_last_build)
            date_element(&x, "lastBuildDate", &ch->last_build);
        if (ch->self_url) {
            check(&x, xmlTextWriterStartElement(w, BAD_CAST "atom:link"));
            attribute(&x, "href", ch->self_url);
            attribute(&x, "rel", "self");
            attribute(&x, "type", "application/rss+xml");
            check(&x, xmlTextWriterEndElement(w));
        }
        for (size_t i = 0; i < n; i++)
            write_item(&x, &items[i]);
        check(&x, xmlTextWriterEndDocument(w)); /* closes channel and rss, flushes */
        xmlFreeTextWriter(w);
    }
    if (x.ok)
        buf_append(out, (const char *)xmlBufferContent(mem), (size_t)xmlBufferLength(mem));
    else
        diag_report(d, DIAG_ERROR, SRC_NONE, "cannot write the RSS feed: libxml2 failed");
    if (mem)
        xmlBufferFree(mem);
    buf_free(&x.tmp);
    return x.ok;
}
