/* SPDX-License-Identifier: MIT
 * text.c - UTF-8 text helpers. */
#include "text.h"

#include <stdint.h>
#include <string.h>

size_t
text_utf8_seq(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    if (len == 0)
        return 0;
    if (s[0] < 0x80)
        return 1;
    size_t n;
    unsigned cp;
    if ((s[0] & 0xE0) == 0xC0) {
        n = 2;
        cp = s[0] & 0x1F;
    } else if ((s[0] & 0xF0) == 0xE0) {
        n = 3;
        cp = s[0] & 0x0F;
    } else if ((s[0] & 0xF8) == 0xF0) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

size_t
text_decode(const char *str, size_t len, unsigned *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = text_utf8_seq(str, len);
    switch (n) {
    case 1:
        *cp = s[0];
        break;
    case 2:
        *cp = ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
        break;
    case 3:
        *cp = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
        break;
    case 4:
        *cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) |
              (s[3] & 0x3Fu);
        break;
    default:
        *cp = 0xFFFD;
        n = 1;
        break;
    }
    return n;
}

bool
text_is_space(unsigned cp)
{
    return text_is_ascii_space(cp) || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x3000;
}

bool
text_is_cjk(unsigned cp)
{
    return (cp >= 0x2E80 && cp <= 0x2FDF) || (cp >= 0x3040 && cp <= 0x31FF && cp != 0x30FB) ||
           (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFF66 && cp <= 0xFF9F) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

bool
text_is_punct(unsigned cp)
{
    if (cp < 0x80)
        return !text_is_ascii_alnum(cp);
    return (cp >= 0xA1 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 ||
           (cp >= 0x2010 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) || cp == 0x30FB ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
           (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
           (cp >= 0xFF5B && cp <= 0xFF65);
}

/* Clause and sentence ends a CJK text may be cut after: 。！？；，、： and their ASCII
 * forms. */
static bool
ends_clause(unsigned cp)
{
    return cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F || cp == 0xFF1B || cp == 0xFF0C ||
           cp == 0x3001 || cp == 0xFF1A || cp == '.' || cp == '!' || cp == '?' || cp == ';' ||
           cp == ',' || cp == ':';
}

/* The start of the character that ends at byte `end` of s (end > 0). */
static size_t
char_before(const char *s, size_t end)
{
    size_t i = end;
    do
        i--;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80);
    return i;
}

size_t
text_shorten_point(const char *s, size_t len, size_t max, bool *cut)
{
    *cut = text_utf8_count(s, len) > max;
    if (!*cut)
        return len;
    size_t at = text_utf8_prefix(s, len, max);
    size_t floor = text_utf8_prefix(s, len, max / 2); /* never keep less than half */
    unsigned before = ' ', after;
    if (at > 0)
        text_decode(s + char_before(s, at), len - char_before(s, at), &before);
    text_decode(s + at, len - at, &after);
    if (text_is_cjk(before) || text_is_cjk(after)) {
        /* after the last clause end in the kept half, else between two characters */
        for (size_t i = at; i > floor;) {
            size_t k = char_before(s, i);
            unsigned cp;
            text_decode(s + k, len - k, &cp);
            if (ends_clause(cp)) {
                at = i;
                break;
            }
            i = k;
        }
    } else if (!text_is_space(before) && !text_is_space(after) && !text_is_punct(after)) {
        /* inside a word: back to the space before it, unless that keeps less than half */
        for (size_t i = at; i > floor;) {
            size_t k = char_before(s, i);
            if (s[k] == ' ') {
                at = k;
                break;
            }
            i = k;
        }
    }
    /* no dangling separator before the ellipsis */
    for (bool trimmed = true; trimmed && at > 0;) {
        static const char *const trailing[] = {" ",
                                               ",",
                                               ";",
                                               ":",
                                               ".",
                                               "-",
                                               "\xEF\xBC\x8C",
                                               "\xE3\x80\x81",
                                               "\xEF\xBC\x9B",
                                               "\xEF\xBC\x9A",
                                               "\xE3\x80\x82"}; /* ，、；：。 */
        trimmed = false;
        for (size_t k = 0; k < sizeof trailing / sizeof trailing[0]; k++) {
            size_t n = strlen(trailing[k]);
            if (at > n && memcmp(s + at - n, trailing[k], n) == 0) {
                at -= n;
                trimmed = true;
                break;
            }
        }
    }
    return at;
}

bool
text_mostly_cjk(const char *s, size_t len)
{
    size_t cjk = 0, other = 0;
    for (size_t i = 0; i < len;) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x80) { /* ASCII: a letter or digit counts as other, the rest not at all */
            other += text_is_ascii_alnum(b);
            i++;
            continue;
        }
        unsigned cp;
        i += text_decode(s + i, len - i, &cp);
        if (text_is_cjk(cp))
            cjk++;
        else if (!text_is_space(cp) && !text_is_punct(cp))
            other++;
    }
    return cjk > 0 && cjk >= other;
}

/* The length of the ASCII run at the start of s (up to len), 8 bytes at a time: most of
 * what is checked (a plugin's SVG, the HTML of a page) is ASCII. */
static size_t
ascii_run(const char *s, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ULL)
            break;
    }
    while (i < len && (unsigned char)s[i] < 0x80)
        i++;
    return i;
}

bool
text_utf8_valid(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        i += ascii_run(s + i, len - i);
        if (i == len)
            break;
        size_t n = text_utf8_seq(s + i, len - i);
        if (!n)
            return false;
        i += n;
    }
    return true;
}

size_t
text_utf8_count(const char *s, size_t len)
{
    size_t count = 0;
    for (size_t i = 0; i < len; count++) {
        size_t run = ascii_run(s + i, len - i);
        if (run > 1) { /* all but its last byte counted here, that one below */
            count += run - 1;
            i += run - 1;
        }
        size_t n = text_utf8_seq(s + i, len - i);
        i += n ? n : 1;
    }
    return count;
}

size_t
text_utf8_prefix(const char *s, size_t len, size_t chars)
{
    size_t i = 0;
    while (i < len && chars > 0) {
        size_t run = ascii_run(s + i, len - i < chars ? len - i : chars);
        if (run) { /* ASCII: a character a byte */
            i += run;
            chars -= run;
            continue;
        }
        size_t n = text_utf8_seq(s + i, len - i);
        i += n ? n : 1;
        chars--;
    }
    return i;
}

void
text_clean_xml(buf *out, const char *s, size_t len)
{
    size_t run = 0; /* the start of the bytes not yet appended, all allowed */
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x80) { /* most of a URL or title: appended as one run */
            i++;
            continue;
        }
        size_t n = text_utf8_seq(s + i, len - i);
        /* XML 1.0 forbids C0 controls but tab, newline and carriage return, and
         * U+FFFE/U+FFFF; a byte that starts no UTF-8 sequence becomes U+FFFD */
        bool bad = !n || (n == 1 && c != '\t' && c != '\n' && c != '\r') ||
                   (n == 3 && c == 0xEF && (unsigned char)s[i + 1] == 0xBF &&
                    (unsigned char)s[i + 2] >= 0xBE);
        if (bad) {
            buf_append(out, s + run, i - run);
            if (!n)
                buf_puts(out, "\xEF\xBF\xBD");
        }
        i += n ? n : 1;
        if (bad)
            run = i;
    }
    buf_append(out, s + run, len - run);
}

/* What HTML escaping makes of c: its entity, or NULL when c stays as it is. */
static const char *
html_entity(char c)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&#39;";
    default:
        return NULL;
    }
}

bool
text_html_needs_escape(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (html_entity(s[i]))
            return true;
    return false;
}

void
text_html_escape(buf *out, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *rep = html_entity(s[i]);
        if (!rep)
            continue;
        buf_append(out, s + start, i - start);
        buf_puts(out, rep);
        start = i + 1;
    }
    buf_append(out, s + start, len - start);
}

static void
put_codepoint(buf *out, unsigned long cp)
{
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    char b[4];
    if (cp < 0x80) {
        buf_putc(out, (char)cp);
        return;
    }
    if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        buf_append(out, b, 2);
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        buf_append(out, b, 3);
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        buf_append(out, b, 4);
    }
}

/* Decodes the entity at s (s[0] == '&'); returns bytes consumed, 0 if not one. */
static size_t
decode_entity(buf *out, const char *s, size_t len)
{
    static const struct {
        const char *name;
        const char *text;
    } named[] = {{"&amp;", "&"}, {"&lt;", "<"},   {"&gt;", ">"},  {"&quot;", "\""},
                 {"&#39;", "'"}, {"&apos;", "'"}, {"&nbsp;", " "}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        size_t n = strlen(named[i].name);
        if (n <= len && memcmp(s, named[i].name, n) == 0) {
            buf_puts(out, named[i].text);
            return n;
        }
    }
    if (len > 3 && s[1] == '#') {
        size_t i = 2;
        int base = 10;
        if (s[2] == 'x' || s[2] == 'X') {
            base = 16;
            i++;
        }
        unsigned long cp = 0;
        size_t start = i;
        while (i < len && i - start < 8) {
            char c = s[i];
            int dgt = c >= '0' && c <= '9'                 ? c - '0'
                      : base == 16 && c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : base == 16 && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                           : -1;
            if (dgt < 0)
                break;
            cp = cp * (unsigned long)base + (unsigned long)dgt;
            i++;
        }
        if (i > start && i < len && s[i] == ';') {
            put_codepoint(out, cp);
            return i + 1;
        }
    }
    return 0;
}

/* Whether s[0..len) starts a tag: '<' then a letter, '/', '!' or '?' ("1 < 2" does not). */
static bool
starts_tag(const char *s, size_t len)
{
    if (len < 2 || s[0] != '<')
        return false;
    char c = s[1];
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '!' || c == '?';
}

void
text_strip_tags(buf *out, const char *s, size_t len)
{
    size_t start_len = out->len;
    bool space = true; /* suppress leading white space */
    buf ent = BUF_INIT;
    for (size_t i = 0; i < len;) {
        char c = s[i];
        if (c == '<' && starts_tag(s + i, len - i)) {
            const char *end = memchr(s + i, '>', len - i);
            if (end) {
                i = (size_t)(end - s) + 1;
                continue;
            }
        }
        size_t n = 0;
        if (c == '&') {
            buf_clear(&ent);
            n = decode_entity(&ent, s + i, len - i);
        }
        /* white space, written or as an entity (&nbsp; &#32;), folds into one space */
        bool white = n ? (ent.len == 1 && (ent.ptr[0] == ' ' || ent.ptr[0] == '\t' ||
                                           ent.ptr[0] == '\n' || ent.ptr[0] == '\r')) ||
                             (ent.len == 2 && (unsigned char)ent.ptr[0] == 0xC2 &&
                              (unsigned char)ent.ptr[1] == 0xA0)
                       : c == ' ' || c == '\n' || c == '\t' || c == '\r';
        if (white) {
            if (!space)
                buf_putc(out, ' ');
            space = true;
            i += n ? n : 1;
            continue;
        }
        space = false;
        if (n) {
            buf_append(out, ent.ptr, ent.len);
            i += n;
            continue;
        }
        /* this byte and those after it up to the next tag, entity or white space */
        size_t j = i + 1;
        while (j < len && s[j] != '<' && s[j] != '&' && s[j] != ' ' && s[j] != '\n' &&
               s[j] != '\t' && s[j] != '\r')
            j++;
        buf_append(out, s + i, j - i);
        i = j;
    }
    buf_free(&ent);
    while (out->len > start_len && out->ptr[out->len - 1] == ' ')
        buf_truncate(out, out->len - 1);
}

/* The code point of a valid UTF-8 sequence of n bytes. */
static unsigned
text_utf8_decode(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n == 2)
        return ((u[0] & 0x1Fu) << 6) | (u[1] & 0x3Fu);
    if (n == 3)
        return ((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
    return ((u[0] & 0x07u) << 18) | ((u[1] & 0x3Fu) << 12) | ((u[2] & 0x3Fu) << 6) | (u[3] & 0x3Fu);
}

/* Unicode blocks of punctuation, symbols and spaces: separators in a slug. */
static bool
is_symbol_block(unsigned cp)
{
    static const unsigned ranges[][2] = {
        {0x00A0, 0x00BF},   {0x00D7, 0x00D7}, {0x00F7, 0x00F7}, /* Latin-1 signs */
        {0x2000, 0x206F},                                       /* general punctuation */
        {0x20A0, 0x20CF},                                       /* currency */
        {0x2100, 0x214F},                                       /* letterlike: ™ ℃ № */
        {0x2190, 0x23FF},                                       /* arrows, math, technical */
        {0x2500, 0x27BF},                                       /* box, shapes, dingbats */
        {0x27C0, 0x2BFF},                                       /* more arrows and math */
        {0x3000, 0x303F},                                       /* CJK punctuation 、。「」 */
        {0xFE10, 0xFE1F},   {0xFE30, 0xFE4F},                   /* vertical, compat forms */
        {0xFF00, 0xFF0F},   {0xFF1A, 0xFF20},                   /* fullwidth punctuation */
        {0xFF3B, 0xFF40},   {0xFF5B, 0xFF65}, {0xFFF0, 0xFFFF}, /* specials */
        {0x1F000, 0x1FAFF},                                     /* emoji, playing cards */
        {0xE0000, 0xE007F},                                     /* tags (flag sequences) */
        {0xFE00, 0xFE0F},                                       /* variation selectors */
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (cp >= ranges[i][0] && cp <= ranges[i][1])
            return true;
    return false;
}

void
text_slugify(buf *out, const char *s, size_t len)
{
    size_t start = out->len;
    bool dash = false;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t n = text_utf8_seq(s + i, len - i);
        if (!n) {
            i++; /* invalid byte: a separator */
            dash = true;
            continue;
        }
        bool keep;
        char lower = (char)c;
        if (n == 1) {
            keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
            if (c >= 'A' && c <= 'Z')
                lower = (char)(c - 'A' + 'a');
        } else {
            /* non-ASCII: keep letters of other scripts (CJK, Cyrillic, accented Latin);
             * drop punctuation, symbols, arrows, emoji and spaces (no Unicode tables:
             * the blocks that hold no letters) */
            unsigned cp = text_utf8_decode(s + i, n);
            keep = !is_symbol_block(cp);
        }
        if (!keep) {
            dash = true;
            i += n;
            continue;
        }
        if (dash && out->len > start)
            buf_putc(out, '-');
        dash = false;
        if (n == 1)
            buf_putc(out, lower);
        else
            buf_append(out, s + i, n);
        i += n;
    }
}

void
text_url_encode_path(buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            buf_putc(out, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(out, e, 3);
        }
    }
}

int
text_hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

void
text_url_decode(buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int h1, h2;
        if (s[i] == '%' && i + 2 < len && (h1 = text_hex_digit(s[i + 1])) >= 0 &&
            (h2 = text_hex_digit(s[i + 2])) >= 0) {
            buf_putc(out, (char)(h1 * 16 + h2));
            i += 2;
        } else {
            buf_putc(out, s[i]);
        }
    }
}

/* One segment of text_path_push. */
static bool
push_segment(buf *out, const char *s, size_t len)
{
    if (len == 0 || (len == 1 && s[0] == '.'))
        return true;
    if (len == 2 && s[0] == '.' && s[1] == '.') {
        if (out->len == 0)
            return false;
        size_t k = out->len;
        while (k > 0 && out->ptr[k - 1] != '/')
            k--;
        out->len = k ? k - 1 : 0;
        out->ptr[out->len] = '\0';
        return true;
    }
    if (out->len)
        buf_putc(out, '/');
    text_url_decode(out, s, len);
    return true;
}

bool
text_path_push(buf *out, const char *s, size_t len)
{
    size_t b = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '/')
            continue;
        if (!push_segment(out, s + b, i - b))
            return false;
        b = i + 1;
    }
    return true;
}

/* {====================================================================
 * URL schemes and URL attributes
 * ===================================================================== */

static bool
is_alpha(unsigned c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static bool
is_scheme_char(unsigned c)
{
    return is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

/* A numeric character reference at s (after "&#"): its code point, and the bytes it
 * takes with its optional ';'. Out of range is U+FFFD, as in browsers. */
static unsigned
numeric_ref(const char *s, size_t len, size_t *used)
{
    size_t i = 0;
    unsigned base = 10;
    if (i < len && (s[i] == 'x' || s[i] == 'X')) {
        base = 16;
        i++;
    }
    unsigned long cp = 0;
    size_t start = i;
    for (; i < len; i++) {
        unsigned c = (unsigned char)s[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (base == 16 && is_alpha(c) && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            break;
        cp = cp > 0x10FFFF ? cp : cp * base + d; /* saturates: no overflow */
    }
    if (i == start)
        return 0;
    *used = i + (i < len && s[i] == ';');
    return cp > 0x10FFFF ? 0xFFFD : (unsigned)cp;
}

/* The next character of s at *i: a byte (no byte of a UTF-8 sequence is a scheme
 * character), or in html the code point of a numeric character reference or of a named
 * one that can spell a scheme (&colon; &Tab; ...). */
static unsigned
url_char(const char *s, size_t len, size_t *i, bool html)
{
    static const struct {
        const char *name;
        unsigned c;
    } named[] = {
        {"colon;", ':'}, {"Tab;", '\t'}, {"NewLine;", '\n'}, {"plus;", '+'}, {"period;", '.'}};
    unsigned c = (unsigned char)s[*i];
    (*i)++;
    if (!html || c != '&' || *i >= len)
        return c;
    if (s[*i] == '#') {
        size_t used = 0;
        unsigned cp = numeric_ref(s + *i + 1, len - *i - 1, &used);
        if (used) {
            *i += 1 + used;
            return cp;
        }
        return c;
    }
    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
        size_t n = strlen(named[k].name);
        if (n <= len - *i && memcmp(s + *i, named[k].name, n) == 0) {
            *i += n;
            return named[k].c;
        }
    }
    return c;
}

void
text_url_scheme_read(text_url_scheme *out, const char *s, size_t len, bool html)
{
    size_t n = 0; /* scheme characters seen */
    bool leading = true;
    memset(out, 0, sizeof *out);
    out->kind = TEXT_URL_OPEN;
    for (size_t i = 0; i < len;) {
        unsigned c = url_char(s, len, &i, html);
        if (c == '\t' || c == '\n' || c == '\r') /* dropped anywhere */
            continue;
        if (leading && c <= 0x20) /* C0 control or space, before the URL */
            continue;
        leading = false;
        if (n ? is_scheme_char(c) : is_alpha(c)) {
            if (n < sizeof out->name - 1)
                out->name[n] = (char)(c | (is_alpha(c) ? 0x20 : 0));
            n++;
            continue;
        }
        if (c == ':' && n) {
            out->kind = TEXT_URL_SCHEME;
            return;
        }
        out->kind = TEXT_URL_RELATIVE; /* a character no scheme has: there is none */
        break;
    }
    memset(out->name, 0, sizeof out->name);
}

bool
text_url_scheme_allowed(const char *s, size_t len, bool html)
{
    static const char *const allowed[] = {"http", "https", "mailto"};
    text_url_scheme sc;
    text_url_scheme_read(&sc, s, len, html);
    if (sc.kind != TEXT_URL_SCHEME)
        return true;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (strcmp(sc.name, allowed[i]) == 0)
            return true;
    return false;
}

/* Whether the attribute name[0..len) holds a URL (the table and rules of Go's
 * html/template attrType). */
static bool
is_url_attr(const char *name, size_t len)
{
    static const char *const urls[] = {"action",   "background", "cite",    "classid", "codebase",
                                       "data",     "formaction", "href",    "icon",    "longdesc",
                                       "manifest", "poster",     "profile", "src",     "usemap"};
    char low[64];
    if (len >= sizeof low)
        return false;
    for (size_t i = 0; i < len; i++)
        low[i] = (char)(is_alpha((unsigned char)name[i]) ? name[i] | 0x20 : name[i]);
    low[len] = '\0';
    const char *local = low;
    if (strncmp(local, "data-", 5) == 0)
        local += 5;
    const char *colon = strchr(local, ':');
    if (colon)
        local = colon + 1;
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) /* on every attribute printed */
        if (urls[i][0] == local[0] && strcmp(local, urls[i]) == 0)
            return true;
    return strstr(local, "src") || strstr(local, "uri") || strstr(local, "url");
}

static bool
is_html_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool
text_html_url_attr(text_url_attr *out, const char *html, size_t len)
{
    size_t stop = len > 256 ? len - 256 : 0, i = len;
    /* back over the value so far: characters that may still be (or spell, as references)
     * a scheme, then the blanks and controls a browser skips before a URL */
    while (i > stop && (is_scheme_char((unsigned char)html[i - 1]) || html[i - 1] == '&' ||
                        html[i - 1] == '#' || html[i - 1] == ';' || html[i - 1] == '\t' ||
                        html[i - 1] == '\n' || html[i - 1] == '\r'))
        i--;
    while (i > stop && (unsigned char)html[i - 1] <= 0x20)
        i--;
    size_t value_start = i;
    if (i > stop && (html[i - 1] == '"' || html[i - 1] == '\''))
        i--;
    while (i > stop && is_html_space(html[i - 1]))
        i--;
    if (i == stop || html[i - 1] != '=')
        return false;
    i--;
    while (i > stop && is_html_space(html[i - 1]))
        i--;
    size_t name_end = i;
    while (i > stop && !is_html_space(html[i - 1]) && !strchr("\"'<>/=`", html[i - 1]))
        i--;
    if (i == name_end || i == stop ||
        !(is_html_space(html[i - 1]) || html[i - 1] == '"' || html[i - 1] == '\''))
        return false;
    if (!is_url_attr(html + i, name_end - i))
        return false;
    *out = (text_url_attr){value_start, html + i, name_end - i};
    return true;
}

const char *
text_trim(const char *s, size_t *len)
{
    size_t n = *len;
    while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    *len = n;
    return s;
}

size_t
text_hash(const char *s)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a, 64-bit */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

/* {====================================================================
 * edit distance (did you mean ...?)
 * ===================================================================== */

/* A simple case fold for comparing names: ASCII, Latin-1, Greek and Cyrillic capitals
 * to their small letters (enough for keys and enumeration values; not full Unicode). */
static unsigned
fold_simple(unsigned cp)
{
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7))
        return cp + 0x20;
    if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) /* Greek */
        return cp + 0x20;
    if (cp >= 0x410 && cp <= 0x42F) /* Cyrillic basic */
        return cp + 0x20;
    if (cp >= 0x400 && cp <= 0x40F)
        return cp + 0x50;
    return cp;
}

/* Folded code points of s, at most max of them; returns how many, or max + 1 when s
 * has more. An invalid byte is a character of its own that matches no code point. */
static size_t
fold_chars(unsigned *out, const char *s, size_t len, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < len; n++) {
        if (n == max)
            return max + 1;
        size_t k = text_utf8_seq(s + i, len - i);
        out[n] = k ? fold_simple(k == 1 ? (unsigned char)s[i] : text_utf8_decode(s + i, k))
                   : 0x110000u + (unsigned char)s[i];
        i += k ? k : 1;
    }
    return n;
}

size_t
text_edit_distance(const char *a, size_t alen, const char *b, size_t blen, size_t max)
{
    unsigned x[TEXT_EDIT_MAX_CHARS], y[TEXT_EDIT_MAX_CHARS];
    size_t n = fold_chars(x, a, alen, TEXT_EDIT_MAX_CHARS);
    size_t m = fold_chars(y, b, blen, TEXT_EDIT_MAX_CHARS);
    if (n > TEXT_EDIT_MAX_CHARS || m > TEXT_EDIT_MAX_CHARS || (n > m ? n - m : m - n) > max)
        return max + 1;
    /* optimal string alignment: three rows of the Damerau-Levenshtein table */
    size_t rows[3][TEXT_EDIT_MAX_CHARS + 1];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= m; j++)
        prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        size_t row_min = cur[0];
        for (size_t j = 1; j <= m; j++) {
            size_t cost = x[i - 1] != y[j - 1];
            size_t d = prev[j - 1] + cost;
            if (prev[j] + 1 < d)
                d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] &&
                prev2[j - 2] + 1 < d)
                d = prev2[j - 2] + 1; /* a transposition of neighbours */
            cur[j] = d;
            if (d < row_min)
                row_min = d;
        }
        if (row_min > max)
            return max + 1; /* every later row is at least as far */
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[m] > max ? max + 1 : prev[m];
}
