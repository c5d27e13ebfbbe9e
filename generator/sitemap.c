/* SPDX-License-Identifier: MIT
 * sitemap.c - sitemaps.org 0.9 through libxml2's xmlTextWriter, into memory. Pass 4
 * (output). */
#include "sitemap.h"

#include "hash.h"
#include "text.h"

#include <libxml/xmlwriter.h>

#include <stdio.h>
#include <string.h>

static bool
write_text_element(xmlTextWriterPtr w, buf *tmp, const char *name, const char *s, size_t len)
{
    buf_clear(tmp);
    text_clean_xml(tmp, s, len);
    return xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST tmp->ptr) >= 0;
}

/* Writes the children of the root element; tmp is scratch space. */
typedef bool (*body_fn)(xmlTextWriterPtr w, buf *tmp, const void *arg);

/* An XML document with root element root in the sitemaps.org namespace, its children
 * written by body, appended to out. Returns false after reporting when libxml2 fails. */
static bool
write_document(buf *out, const char *root, bool xhtml, body_fn body, const void *arg, diag *d)
{
    xmlBufferPtr mem = xmlBufferCreate();
    xmlTextWriterPtr w = mem ? xmlNewTextWriterMemory(mem, 0) : NULL;
    bool ok = w != NULL;
    buf tmp = BUF_INIT;
    if (w) {
        ok = xmlTextWriterSetIndent(w, 1) >= 0 &&
             xmlTextWriterSetIndentString(w, BAD_CAST "  ") >= 0 &&
             xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) >= 0 &&
             xmlTextWriterStartElement(w, BAD_CAST root) >= 0 &&
             xmlTextWriterWriteAttribute(
                 w, BAD_CAST "xmlns", BAD_CAST "http://www.sitemaps.org/schemas/sitemap/0.9") >= 0;
        if (ok && xhtml) /* language alternates (Google's xhtml:link extension) */
            ok = xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns:xhtml",
                                             BAD_CAST "http://www.w3.org/1999/xhtml") >= 0;
        ok = ok && body(w, &tmp, arg);
        ok = ok && xmlTextWriterEndDocument(w) >= 0; /* closes the root, flushes */
        xmlFreeTextWriter(w);
    }
    if (ok)
        buf_append(out, (const char *)xmlBufferContent(mem), (size_t)xmlBufferLength(mem));
    else
        diag_report(d, DIAG_ERROR, SRC_NONE, "cannot write sitemap.xml: libxml2 failed");
    if (mem)
        xmlBufferFree(mem);
    buf_free(&tmp);
    return ok;
}

typedef struct url_range {
    const sitemap_url *urls;
    size_t n;
} url_range;

static bool
write_urls(xmlTextWriterPtr w, buf *tmp, const void *arg)
{
    const url_range *r = arg;
    buf date = BUF_INIT;
    bool ok = true;
    for (size_t i = 0; ok && i < r->n; i++) {
        const sitemap_url *u = &r->urls[i];
        const char *loc = u->loc ? u->loc : "";
        ok = xmlTextWriterStartElement(w, BAD_CAST "url") >= 0 &&
             write_text_element(w, tmp, "loc", loc, strlen(loc));
        if (ok && u->has_lastmod) {
            buf_clear(&date);
            value_date_iso(&date, &u->lastmod);
            ok = write_text_element(w, tmp, "lastmod", date.ptr, date.len);
        }
        for (size_t k = 0; ok && k < u->n_alternates; k++) {
            const sitemap_alternate *alt = &u->alternates[k];
            buf_clear(tmp);
            text_clean_xml(tmp, alt->href, strlen(alt->href));
            ok = xmlTextWriterStartElement(w, BAD_CAST "xhtml:link") >= 0 &&
                 xmlTextWriterWriteAttribute(w, BAD_CAST "rel", BAD_CAST "alternate") >= 0 &&
                 xmlTextWriterWriteAttribute(w, BAD_CAST "hreflang", BAD_CAST alt->hreflang) >= 0 &&
                 xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST tmp->ptr) >= 0 &&
                 xmlTextWriterEndElement(w) >= 0;
        }
        ok = ok && xmlTextWriterEndElement(w) >= 0;
    }
    buf_free(&date);
    return ok;
}

/* A <urlset> of urls[0..n) appended to out, no warning. */
static bool
write_urlset(buf *out, const sitemap_url *urls, size_t n, diag *d)
{
    url_range r = {urls, n};
    bool xhtml = false;
    for (size_t i = 0; i < n && !xhtml; i++)
        xhtml = urls[i].n_alternates > 0;
    return write_document(out, "urlset", xhtml, write_urls, &r, d);
}

bool
sitemap_write(buf *out, const sitemap_url *urls, size_t n, diag *d)
{
    if (n > SITEMAP_MAX_URLS)
        diag_report(d, DIAG_WARNING, SRC_NONE,
                    "sitemap.xml lists %zu URLs; search engines read at most %d per file", n,
                    SITEMAP_MAX_URLS);
    return write_urlset(out, urls, n, d);
}

typedef struct index_files {
    size_t n_files;
    const char *base_url;
} index_files;

static bool
write_index_entries(xmlTextWriterPtr w, buf *tmp, const void *arg)
{
    const index_files *f = arg;
    buf loc = BUF_INIT;
    bool ok = true;
    for (size_t k = 1; ok && k <= f->n_files; k++) {
        buf_clear(&loc);
        buf_printf(&loc, "%ssitemap-%zu.xml", f->base_url, k);
        ok = xmlTextWriterStartElement(w, BAD_CAST "sitemap") >= 0 &&
             write_text_element(w, tmp, "loc", loc.ptr, loc.len) && xmlTextWriterEndElement(w) >= 0;
    }
    buf_free(&loc);
    return ok;
}

/* The <sitemapindex> listing base_url + "sitemap-K.xml" for K in 1..n_files. */
static bool
write_index(buf *out, size_t n_files, const char *base_url, diag *d)
{
    index_files f = {n_files, base_url};
    return write_document(out, "sitemapindex", false, write_index_entries, &f, d);
}

bool
sitemap_write_files(const sitemap_url *urls, size_t n, const sitemap_limits *lim,
                    const char *base_url, sitemap_emit_fn emit, void *ctx, diag *d)
{
    size_t max_urls = lim->max_urls ? lim->max_urls : 1;
    buf xml = BUF_INIT, path = BUF_INIT;
    bool ok = true;
    if (n <= max_urls) {
        ok = write_urlset(&xml, urls, n, d);
        if (ok && xml.len <= lim->max_bytes) {
            ok = emit(ctx, "sitemap.xml", xml.ptr, xml.len, d);
            goto done;
        }
    }
    /* several files: take as many URLs as fit, shrinking a chunk that is too large in
     * proportion to its excess (one URL always fits, whatever its size) */
    size_t n_files = 0;
    for (size_t i = 0; ok && i < n; n_files++) {
        size_t count = n - i < max_urls ? n - i : max_urls;
        for (;;) {
            buf_clear(&xml);
            ok = write_urlset(&xml, urls + i, count, d);
            if (!ok || xml.len <= lim->max_bytes || count == 1)
                break;
            size_t fit = (size_t)((double)count * (double)lim->max_bytes / (double)xml.len);
            count = fit < count ? (fit ? fit : 1) : count - 1;
        }
        if (!ok)
            break;
        buf_clear(&path);
        buf_printf(&path, "sitemap-%zu.xml", n_files + 1);
        ok = emit(ctx, path.ptr, xml.ptr, xml.len, d);
        i += count;
    }
    if (ok) {
        buf_clear(&xml);
        ok = write_index(&xml, n_files, base_url, d) &&
             emit(ctx, "sitemap.xml", xml.ptr, xml.len, d);
    }
done:
    buf_free(&xml);
    buf_free(&path);
    return ok;
}

uint64_t
sitemap_key(const sitemap_url *urls, size_t n, const sitemap_limits *lim, const char *base_url)
{
    uint64_t h = hash_u64(hash_u64(hash_u64(0x736974656d6170, n), lim->max_urls), lim->max_bytes);
    h = hash_str(h, base_url);
    for (size_t i = 0; i < n; i++) {
        const sitemap_url *u = &urls[i];
        const value_date *t = &u->lastmod;
        h = hash_u64(hash_str(h, u->loc ? u->loc : ""), u->has_lastmod);
        if (u->has_lastmod) {
            int f[] = {t->year,   t->month,      t->day,      t->hour,      t->minute,
                       t->second, t->offset_min, t->has_time, t->has_offset};
            for (size_t k = 0; k < sizeof f / sizeof *f; k++)
                h = hash_u64(h, (uint64_t)(int64_t)f[k]);
        }
        h = hash_u64(h, u->n_alternates);
        for (size_t k = 0; k < u->n_alternates; k++)
            h = hash_str(hash_str(h, u->alternates[k].hreflang), u->alternates[k].href);
    }
    return h;
}
