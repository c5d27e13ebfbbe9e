/* SPDX-License-Identifier: MIT
 * sitemap.c - sitemaps.org 0.9 through libxml2's xmlTextWriter, into memory. Pass 4
 * (output). */
#include "sitemap.h"

#include "text.h"

#include <libxml/xmlwriter.h>

#include <string.h>

#define SITEMAP_MAX_URLS 50000 /* sitemaps.org: per file */

static bool
write_text_element(xmlTextWriterPtr w, buf *tmp, const char *name, const char *s, size_t len)
{
    buf_clear(tmp);
    text_clean_xml(tmp, s, len);
    return xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST tmp->ptr) >= 0;
}

bool
sitemap_write(buf *out, const sitemap_url *urls, size_t n, diag *d)
{
    if (n > SITEMAP_MAX_URLS)
        diag_report(d, DIAG_WARNING, SRC_NONE,
                    "sitemap.xml lists %zu URLs; search engines read at most %d per file", n,
                    SITEMAP_MAX_URLS);
    xmlBufferPtr mem = xmlBufferCreate();
    xmlTextWriterPtr w = mem ? xmlNewTextWriterMemory(mem, 0) : NULL;
    bool ok = w != NULL;
    buf tmp = BUF_INIT, date = BUF_INIT;
    if (w) {
        ok = xmlTextWriterSetIndent(w, 1) >= 0 &&
             xmlTextWriterSetIndentString(w, BAD_CAST "  ") >= 0 &&
             xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) >= 0 &&
             xmlTextWriterStartElement(w, BAD_CAST "urlset") >= 0 &&
             xmlTextWriterWriteAttribute(
                 w, BAD_CAST "xmlns", BAD_CAST "http://www.sitemaps.org/schemas/sitemap/0.9") >= 0;
        for (size_t i = 0; ok && i < n; i++) {
            const char *loc = urls[i].loc ? urls[i].loc : "";
            ok = xmlTextWriterStartElement(w, BAD_CAST "url") >= 0 &&
                 write_text_element(w, &tmp, "loc", loc, strlen(loc));
            if (ok && urls[i].has_lastmod) {
                buf_clear(&date);
                value_date_iso(&date, &urls[i].lastmod);
                ok = write_text_element(w, &tmp, "lastmod", date.ptr, date.len);
            }
            ok = ok && xmlTextWriterEndElement(w) >= 0;
        }
        ok = ok && xmlTextWriterEndDocument(w) >= 0; /* closes urlset, flushes */
        xmlFreeTextWriter(w);
    }
    if (ok)
        buf_append(out, (const char *)xmlBufferContent(mem), (size_t)xmlBufferLength(mem));
    else
        diag_report(d, DIAG_ERROR, SRC_NONE, "cannot write sitemap.xml: libxml2 failed");
    if (mem)
        xmlBufferFree(mem);
    buf_free(&tmp);
    buf_free(&date);
    return ok;
}
