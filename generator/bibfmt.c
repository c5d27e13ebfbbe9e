/* SPDX-License-Identifier: MIT
 * bibfmt.c - GB/T 7714-2015 (numeric) and Vancouver references and citation marks, as
 * HTML. Called on the main thread when citations are resolved (site.c). */
#include "bibfmt.h"

#include "text.h"

#include <stdlib.h>
#include <string.h>

bool
bibfmt_style_parse(bibfmt_style *out, const char *name)
{
    if (name && strcmp(name, "gb-t-7714") == 0)
        *out = BIBFMT_GBT7714;
    else if (name && strcmp(name, "vancouver") == 0)
        *out = BIBFMT_VANCOUVER;
    else
        return false;
    return true;
}

/* {====================================================================
 * pieces of a reference
 * ===================================================================== */

static void
esc(buf *out, const char *s)
{
    text_html_escape(out, s, strlen(s));
}

/* s in upper case: ASCII letters and the Latin-1 ones (ü -> Ü); the rest as it is. */
static void
put_upper(buf *out, const char *s)
{
    buf b = BUF_INIT;
    for (size_t i = 0, len = strlen(s); i < len;) {
        unsigned cp;
        size_t n = text_decode(s + i, len - i, &cp);
        if (cp >= 'a' && cp <= 'z')
            buf_putc(&b, (char)(cp - 32));
        else if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) /* à..þ: À..Þ, 0x20 below */
            buf_printf(&b, "%c%c", (char)0xC3, (char)(0x80 + (cp - 0x20 - 0xC0)));
        else
            buf_append(&b, s + i, n);
        i += n;
    }
    esc(out, b.ptr);
    buf_free(&b);
}

/* The initials of given names: "Paul G." -> "P G" (sep " ") or "PG" (sep ""). */
static void
put_initials(buf *out, const char *given, const char *sep)
{
    bool first = true;
    for (const char *p = given; *p;) {
        while (*p == ' ' || *p == '-' || *p == '.' || *p == '\xc2') /* and the no-break space */
            p += *p == '\xc2' && p[1] == '\xa0' ? 2 : 1;
        if (!*p)
            break;
        size_t n = text_utf8_seq(p, strlen(p));
        buf one = BUF_INIT;
        buf_append(&one, p, n ? n : 1);
        if (!first)
            buf_puts(out, sep);
        put_upper(out, one.ptr);
        buf_free(&one);
        first = false;
        p += n ? n : 1;
        while (*p && *p != ' ' && *p != '-' && *p != '.')
            p++;
    }
}

/* One name: "YOCK P G" (GB/T 7714), "Yock PG" (Vancouver), or as written. */
static void
put_name(buf *out, const bib_name *n, bibfmt_style style)
{
    if (n->literal) {
        esc(out, n->family);
        return;
    }
    if (style == BIBFMT_GBT7714)
        put_upper(out, n->family);
    else
        esc(out, n->family);
    if (n->given && *n->given) {
        buf_putc(out, ' ');
        put_initials(out, n->given, style == BIBFMT_GBT7714 ? " " : "");
    }
}

/* The names, the first three (GB/T 7714) or six (Vancouver) of more, then "等" or "et
 * al.". */
static void
put_names(buf *out, const bib_name *names, size_t n, bool more, bool zh, bibfmt_style style)
{
    size_t max = style == BIBFMT_GBT7714 ? 3 : 6;
    for (size_t i = 0; i < n && i < max; i++) {
        if (i)
            buf_puts(out, ", ");
        put_name(out, &names[i], style);
    }
    if (n > max || more)
        buf_puts(out, zh && style == BIBFMT_GBT7714 ? ", 等" : ", et al.");
}

/* ". " unless out ends with one already (a part that was empty). */
static void
put_stop(buf *out)
{
    if (out->len < 2 || strcmp(out->ptr + out->len - 2, ". ") != 0)
        buf_puts(out, ". ");
}

/* ". " after the names, or only " " after "et al." */
static void
end_names(buf *out)
{
    buf_puts(out, out->len && out->ptr[out->len - 1] == '.' ? " " : ". ");
}

/* Whether s ends in a mark that ends a sentence (no "." after it). */
static bool
ends_sentence(const char *s)
{
    size_t n = strlen(s);
    return n && strchr(".?!", s[n - 1]);
}

/* s and ". " (or only ". " when s already ends a sentence: "Is it? "). */
static void
put_sentence(buf *out, const char *s)
{
    esc(out, s);
    buf_puts(out, ends_sentence(s) ? " " : ". ");
}

/* Page ranges with a hyphen: "431–436" -> "431-436". */
static void
put_pages(buf *out, const char *pages)
{
    buf b = BUF_INIT;
    for (const char *p = pages; *p; p++) {
        if (strncmp(p, "–", 3) == 0 || strncmp(p, "—", 3) == 0) {
            buf_putc(&b, '-');
            p += 2;
        } else {
            buf_putc(&b, *p);
        }
    }
    esc(out, b.ptr);
    buf_free(&b);
}

/* A link whose text is its address; a URL that is not http(s) stays text. */
static void
put_url(buf *out, const char *url)
{
    bool web = strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0;
    if (!web) {
        esc(out, url);
        return;
    }
    buf_puts(out, "<a href=\"");
    esc(out, url);
    buf_puts(out, "\">");
    esc(out, url);
    buf_puts(out, "</a>");
}

/* "DOI:10.xxx" as a link to https://doi.org/10.xxx (the DOI percent-encoded there). */
static void
put_doi(buf *out, const char *label, const char *doi)
{
    buf href = BUF_INIT;
    buf_puts(&href, "https://doi.org/");
    for (const unsigned char *p = (const unsigned char *)doi; *p; p++) {
        if (*p <= ' ' || *p >= 0x7f || strchr("\"<>#%{}|\\^`[]?", *p))
            buf_printf(&href, "%%%02X", *p);
        else
            buf_putc(&href, (char)*p);
    }
    buf_puts(out, label);
    buf_puts(out, "<a href=\"");
    esc(out, href.ptr);
    buf_puts(out, "\">");
    esc(out, doi);
    buf_puts(out, "</a>");
    buf_free(&href);
}

/* An edition: "2" -> "2nd ed." (English) or "2版" (Chinese); other text as written. */
static void
put_edition(buf *out, const char *ed, bool zh)
{
    char *end;
    long n = strtol(ed, &end, 10);
    if (*end || n <= 0) {
        put_sentence(out, ed);
        return;
    }
    if (zh) {
        buf_printf(out, "%ld版. ", n);
        return;
    }
    const char *suffix = n % 100 >= 11 && n % 100 <= 13 ? "th"
                         : n % 10 == 1                  ? "st"
                         : n % 10 == 2                  ? "nd"
                         : n % 10 == 3                  ? "rd"
                                                        : "th";
    buf_printf(out, "%ld%s ed. ", n, suffix);
}

/* "Address: Publisher<sep>Year" with what is known of it (sep: ", " in GB/T 7714, "; " in
 * Vancouver). */
static void
put_imprint(buf *out, const bib_entry *e, const char *sep)
{
    if (e->address) {
        esc(out, e->address);
        buf_puts(out, e->publisher ? ": " : sep);
    }
    if (e->publisher) {
        esc(out, e->publisher);
        if (e->year)
            buf_puts(out, sep);
    }
    if (e->year)
        esc(out, e->year);
}

/* }==================================================================== */

/* {====================================================================
 * GB/T 7714-2015, numeric
 * ===================================================================== */

static const char *
gbt_code(const bib_entry *e)
{
    static const char *const codes[] = {
        [BIB_ARTICLE] = "J",     [BIB_BOOK] = "M",     [BIB_CHAPTER] = "M",   [BIB_PAPER] = "C",
        [BIB_PROCEEDINGS] = "C", [BIB_THESIS] = "D",   [BIB_REPORT] = "R",    [BIB_STANDARD] = "S",
        [BIB_PATENT] = "P",      [BIB_WEBPAGE] = "EB", [BIB_NEWSPAPER] = "N", [BIB_OTHER] = "Z",
    };
    return codes[e->type];
}

/* The online part: "[cited date]. URL" (after the publication facts), when the entry was
 * read online. */
static void
gbt_online(buf *out, const bib_entry *e)
{
    if (e->urldate) {
        buf_putc(out, '[');
        esc(out, e->urldate);
        buf_putc(out, ']');
    }
    put_stop(out);
    if (e->url) {
        put_url(out, e->url);
        buf_puts(out, ". ");
    }
}

/* The title with its type code: "Title: Number[S]", "Title[J/OL]", "Title[EB/OL]". */
static void
gbt_title(buf *out, const bib_entry *e)
{
    esc(out, e->title ? e->title : e->key);
    if (e->number && (e->type == BIB_STANDARD || e->type == BIB_PATENT || e->type == BIB_REPORT ||
                      e->type == BIB_OTHER)) {
        buf_puts(out, ": ");
        esc(out, e->number);
    }
    bool online = e->type == BIB_WEBPAGE || (e->url && e->urldate);
    buf_printf(out, "[%s%s]", gbt_code(e), online ? "/OL" : "");
}

static void
gbt_reference(buf *out, const bib_entry *e)
{
    if (e->n_authors) {
        put_names(out, e->authors, e->n_authors, e->more_authors, e->zh, BIBFMT_GBT7714);
        end_names(out);
    }
    gbt_title(out, e);
    if (e->type == BIB_CHAPTER || e->type == BIB_PAPER) {
        buf_puts(out, "//");
        if (e->n_editors) {
            put_names(out, e->editors, e->n_editors, false, e->zh, BIBFMT_GBT7714);
            end_names(out);
        }
        if (e->container)
            put_sentence(out, e->container);
    } else {
        buf_puts(out, ". ");
    }
    if (e->edition && (e->type == BIB_BOOK || e->type == BIB_CHAPTER))
        put_edition(out, e->edition, e->zh);
    switch (e->type) {
    case BIB_ARTICLE:
    case BIB_NEWSPAPER:
        if (e->container) {
            esc(out, e->container);
            buf_puts(out, ", ");
        }
        esc(out, e->type == BIB_NEWSPAPER && e->date ? e->date : e->year ? e->year : "");
        if (e->volume) {
            buf_puts(out, ", ");
            esc(out, e->volume);
        }
        if (e->issue || (e->type == BIB_NEWSPAPER && e->pages)) {
            buf_putc(out, '(');
            esc(out, e->issue ? e->issue : e->pages);
            buf_putc(out, ')');
        }
        if (e->pages && e->type == BIB_ARTICLE) {
            buf_puts(out, ": ");
            put_pages(out, e->pages);
        }
        break;
    case BIB_PATENT:
        esc(out, e->date ? e->date : e->year ? e->year : "");
        break;
    case BIB_WEBPAGE:
        put_imprint(out, e, ", ");
        if (e->date && (!e->year || strcmp(e->date, e->year) != 0)) {
            buf_putc(out, '(');
            esc(out, e->date);
            buf_putc(out, ')');
        }
        break;
    default:
        put_imprint(out, e, ", ");
        if (e->pages) {
            buf_puts(out, ": ");
            put_pages(out, e->pages);
        }
        break;
    }
    gbt_online(out, e);
    if (e->doi) {
        put_doi(out, "DOI:", e->doi);
        buf_puts(out, ". ");
    }
    while (out->len && out->ptr[out->len - 1] == ' ')
        out->len--;
    out->ptr[out->len] = '\0';
}

/* }==================================================================== */

/* {====================================================================
 * Vancouver (ICMJE, NLM's Citing Medicine)
 * ===================================================================== */

static void
van_reference(buf *out, const bib_entry *e)
{
    if (e->n_authors) {
        put_names(out, e->authors, e->n_authors, e->more_authors, e->zh, BIBFMT_VANCOUVER);
        end_names(out);
    }
    esc(out, e->title ? e->title : e->key);
    if (e->type == BIB_THESIS)
        buf_puts(out, " [dissertation]");
    if (e->type == BIB_WEBPAGE)
        buf_puts(out, " [Internet]");
    buf_puts(out, e->title && ends_sentence(e->title) ? " " : ". ");
    if ((e->type == BIB_CHAPTER || e->type == BIB_PAPER) && (e->n_editors || e->container)) {
        buf_puts(out, "In: ");
        if (e->n_editors) {
            put_names(out, e->editors, e->n_editors, false, e->zh, BIBFMT_VANCOUVER);
            buf_puts(out, e->n_editors > 1 ? ", editors. " : ", editor. ");
        }
        if (e->container)
            put_sentence(out, e->container);
    }
    if (e->edition && (e->type == BIB_BOOK || e->type == BIB_CHAPTER))
        put_edition(out, e->edition, false);
    if ((e->type == BIB_STANDARD || e->type == BIB_PATENT) && e->number)
        put_sentence(out, e->number);
    switch (e->type) {
    case BIB_ARTICLE:
    case BIB_NEWSPAPER:
        if (e->container)
            put_sentence(out, e->container);
        esc(out, e->type == BIB_NEWSPAPER && e->date ? e->date : e->year ? e->year : "");
        if (e->volume) {
            buf_putc(out, ';');
            esc(out, e->volume);
        }
        if (e->issue) {
            buf_putc(out, '(');
            esc(out, e->issue);
            buf_putc(out, ')');
        }
        if (e->pages) {
            buf_putc(out, ':');
            put_pages(out, e->pages);
        }
        buf_puts(out, ". ");
        break;
    case BIB_PATENT:
        esc(out, e->date ? e->date : e->year ? e->year : "");
        buf_puts(out, ". ");
        break;
    case BIB_WEBPAGE:
        put_imprint(out, e, "; ");
        if (e->date || e->urldate) {
            buf_puts(out, " [");
            if (e->date && (!e->year || strcmp(e->date, e->year) != 0))
                buf_printf(out, "updated %s%s", e->date, e->urldate ? "; " : "");
            if (e->urldate)
                buf_printf(out, "cited %s", e->urldate);
            buf_putc(out, ']');
        }
        buf_puts(out, ". ");
        break;
    default:
        put_imprint(out, e, "; ");
        if (e->pages && (e->type == BIB_CHAPTER || e->type == BIB_PAPER)) {
            buf_puts(out, ". p. ");
            put_pages(out, e->pages);
        }
        put_stop(out);
        if (e->type == BIB_REPORT && e->number) {
            buf_puts(out, "Report No.: ");
            put_sentence(out, e->number);
        }
        break;
    }
    if (e->doi) {
        put_doi(out, "doi:", e->doi);
        buf_puts(out, ". ");
    }
    if (e->url) {
        buf_puts(out, "Available from: ");
        put_url(out, e->url);
    }
    while (out->len && out->ptr[out->len - 1] == ' ')
        out->len--;
    out->ptr[out->len] = '\0';
}

/* }==================================================================== */

void
bibfmt_reference(buf *out, const bib_entry *e, bibfmt_style style)
{
    if (style == BIBFMT_GBT7714)
        gbt_reference(out, e);
    else
        van_reference(out, e);
}

void
bibfmt_label(buf *out, size_t n, bibfmt_style style)
{
    buf_printf(out, style == BIBFMT_GBT7714 ? "[%zu]" : "%zu.", n);
}

/* {====================================================================
 * citation marks
 * ===================================================================== */

static int
cmp_cited(const void *a, const void *b)
{
    size_t x = ((const bibfmt_cited *)a)->number, y = ((const bibfmt_cited *)b)->number;
    return x < y ? -1 : x > y;
}

static void
put_number_link(buf *out, const bibfmt_cited *w)
{
    buf_puts(out, "<a href=\"#ref-");
    esc(out, w->key);
    buf_printf(out, "\">%zu</a>", w->number);
}

/* A locator without "p." / "pp." (GB/T 7714 writes only the page after the mark). */
static const char *
bare_pages(const char *loc)
{
    if (strncmp(loc, "pp.", 3) == 0)
        loc += 3;
    else if (strncmp(loc, "p.", 2) == 0)
        loc += 2;
    while (*loc == ' ')
        loc++;
    return loc;
}

void
bibfmt_citation(buf *out, bibfmt_cited *works, size_t n, const char *locator, bibfmt_style style)
{
    qsort(works, n, sizeof *works, cmp_cited);
    size_t m = 0; /* repeats dropped */
    for (size_t i = 0; i < n; i++)
        if (!m || works[m - 1].number != works[i].number)
            works[m++] = works[i];
    bool gbt = style == BIBFMT_GBT7714;
    buf_puts(out, gbt ? "<sup class=\"citation\">[" : "<span class=\"citation\">[");
    for (size_t i = 0; i < m;) {
        size_t j = i; /* works[i..j] consecutive */
        while (j + 1 < m && works[j + 1].number == works[j].number + 1)
            j++;
        if (i)
            buf_puts(out, gbt ? "," : ", ");
        put_number_link(out, &works[i]);
        if (j >= i + 2) {
            buf_puts(out, gbt ? "-" : "–");
            put_number_link(out, &works[j]);
            i = j + 1;
        } else {
            i++;
        }
    }
    if (locator && *locator && gbt) {
        buf_putc(out, ']');
        esc(out, bare_pages(locator));
        buf_puts(out, "</sup>");
    } else if (locator && *locator) {
        buf_puts(out, ", ");
        esc(out, locator);
        buf_puts(out, "]</span>");
    } else {
        buf_puts(out, gbt ? "]</sup>" : "]</span>");
    }
}

/* }==================================================================== */
