/* SPDX-License-Identifier: MIT
 * text.h - UTF-8 text helpers shared by every pass: validation, counting and cutting
 * by characters (Chinese has no spaces), HTML escaping, slugs and URL encoding. */
#ifndef CLINFOLIO_TEXT_H
#define CLINFOLIO_TEXT_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

/* Length in bytes of the valid UTF-8 sequence at s (1-4), or 0 if s[0..len) does not
 * start with one (overlong forms, surrogates and values past U+10FFFF are invalid). */
size_t text_utf8_seq(const char *s, size_t len);
bool text_utf8_valid(const char *s, size_t len);
/* The value of a hexadecimal digit (0-9, a-f, A-F), or -1. */
int text_hex_digit(char ch);
/* Characters (code points) in valid UTF-8; an invalid byte counts as one. */
size_t text_utf8_count(const char *s, size_t len);
/* Bytes of the first n characters of s (never cuts a sequence). */
size_t text_utf8_prefix(const char *s, size_t len, size_t n);
/* Decodes the character at s into *cp; returns its length (an invalid byte: 1, and
 * U+FFFD). */
size_t text_decode(const char *s, size_t len, unsigned *cp);
/* White space, including no-break and ideographic spaces. */
bool text_is_space(unsigned cp);
/* The ASCII ones of text_is_space (space, \t \n \v \f \r) and the ASCII letters and
 * digits: inline, for loops that take ASCII without a call per character. */
static inline bool
text_is_ascii_space(unsigned c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}
static inline bool
text_is_ascii_alnum(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
/* Ideographs, kana and hangul: each one is a word. */
bool text_is_cjk(unsigned cp);
/* Punctuation and symbols: part of a word when inside one, never a word alone. */
bool text_is_punct(unsigned cp);
/* Whether most letters of s are CJK characters (for limits counted in characters, where
 * a Chinese character carries a word). */
bool text_mostly_cjk(const char *s, size_t len);
/* Where to cut s to keep at most max characters, for an ellipsis to follow: the byte
 * length to keep, with *cut true; all of len (*cut false) when s is short enough. A
 * Latin text is cut at a word boundary, a CJK text after its last clause or sentence
 * end (。！？；，、：), neither of them when that would keep less than half of max (then
 * between two characters); separators left at the end (" , ; : . -" and their CJK
 * forms) are dropped. Never cuts a UTF-8 sequence. */
size_t text_shorten_point(const char *s, size_t len, size_t max, bool *cut);

/* Appends s with invalid UTF-8 replaced by U+FFFD and control characters other than
 * \t \n dropped: what XML 1.0 (feeds, sitemaps) may carry. */
void text_clean_xml(buf *out, const char *s, size_t len);

/* &, <, >, " and ' as entities. */
void text_html_escape(buf *out, const char *s, size_t len);
/* Whether text_html_escape() would change s[0..len). */
bool text_html_needs_escape(const char *s, size_t len);
/* Text of an HTML fragment: tags removed, the five basic entities and numeric entities
 * decoded, runs of white space folded to one space, trimmed. */
void text_strip_tags(buf *out, const char *s, size_t len);

/* A URL path segment from a title or file name: ASCII letters lowered, letters and
 * digits of any script kept, every other run of characters becomes one '-', no '-' at
 * either end. "Anti-fog Goggles (v2)" -> "anti-fog-goggles-v2", "防雾 护目镜" -> "防雾-护目镜".
 * Appends nothing when s has no letter or digit. */
void text_slugify(buf *out, const char *s, size_t len);
/* Percent-encodes every byte outside RFC 3986 unreserved characters and '/', so a
 * UTF-8 path becomes a plain-ASCII URL path. */
void text_url_encode_path(buf *out, const char *s, size_t len);
/* Appends s with every %XX (two hex digits) decoded to its byte; other text as it is. */
void text_url_decode(buf *out, const char *s, size_t len);
/* Appends the '/'-separated segments of the path s[0..len) to the path in out (kept
 * without a leading or trailing '/'), each percent-decoded; "" and "." segments are
 * skipped and ".." removes the last one. Returns false when ".." would go above the
 * start (out is then left partly changed). For links: "content/news" + "../x.md". */
bool text_path_push(buf *out, const char *s, size_t len);

/* URL schemes, read as browsers read them (the WHATWG URL parser): leading C0 controls
 * and spaces are skipped, TAB, LF and CR are dropped anywhere, the scheme is an ASCII
 * letter then letters, digits, '+', '-' or '.', ended by ':', in any case. So
 * " Java\tScript:x" has the scheme "javascript"; "/a:b", "?q", "#f" and "//host/x"
 * have none. With html, s is the raw text of an HTML attribute value and character
 * references (&#106; &#x6A; &#106 without ';', &colon; &Tab; &NewLine; ...) are decoded
 * first, as the browser does before it reads the URL. */
typedef enum text_url_kind {
    TEXT_URL_RELATIVE, /* no scheme: a path, ?query, #fragment or //host */
    TEXT_URL_OPEN,     /* nothing but scheme characters yet ("", "java"): no scheme, but
                        * text appended to it may still make one */
    TEXT_URL_SCHEME,   /* a scheme and its ':' */
} text_url_kind;

typedef struct text_url_scheme {
    text_url_kind kind;
    char name[17]; /* TEXT_URL_SCHEME: the scheme lower-cased, cut at 16 bytes; else "" */
} text_url_scheme;

void text_url_scheme_read(text_url_scheme *out, const char *s, size_t len, bool html);

/* The one allow-list for links that content can reach (front matter, site.yaml menus,
 * the abs_url and rel_url filters, values printed into URL attributes): a URL without a
 * scheme (relative, protocol-relative //host included), or http:, https: or mailto:.
 * javascript:, data:, vbscript:, file: and every other scheme are refused. */
bool text_url_scheme_allowed(const char *s, size_t len, bool html);
#define TEXT_URL_ALLOWED "http:, https:, mailto: or a relative URL"

/* Where a template value is about to be written into HTML: whether html[0..len) ends at
 * the start of the value of a URL attribute (`<a href="`, `<img src=`, `<a href="java`:
 * only blanks and characters that may still become a scheme written so far). URL
 * attributes are href, src, action, formaction, cite, data, poster, background, icon,
 * longdesc, manifest, profile, usemap, codebase, classid, and any whose name contains
 * src, uri or url (srcset, data-url), after a data- or namespace prefix (data-href,
 * xlink:href), as in Go's html/template. A heuristic on text, not an HTML parser: it
 * looks back at most 256 bytes and needs the attribute name after white space or a
 * quote. */
typedef struct text_url_attr {
    size_t value_start; /* offset in html where the attribute value begins */
    const char *name;   /* the attribute name as written, in html */
    size_t name_len;
} text_url_attr;

bool text_html_url_attr(text_url_attr *out, const char *html, size_t len);

/* Trimmed of ASCII white space at both ends: returns the new start, sets *len. */
/* FNV-1a hash of a NUL-terminated string (bib.c's table of entries by key). */
size_t text_hash(const char *s);

const char *text_trim(const char *s, size_t *len);

/* The Damerau-Levenshtein distance (optimal string alignment: insertions, deletions,
 * substitutions and transpositions of neighbours, each 1) between a[0..alen) and
 * b[0..blen), counted in characters (UTF-8 code points, an invalid byte is one) and
 * case-insensitive for ASCII, Latin-1, Greek and Cyrillic letters. Bounded for hostile
 * input: returns max + 1 as soon as the distance is known to exceed max, and whenever
 * either text is longer than TEXT_EDIT_MAX_CHARS characters. For "did you mean ...?". */
#define TEXT_EDIT_MAX_CHARS 64
size_t text_edit_distance(const char *a, size_t alen, const char *b, size_t blen, size_t max);

#endif
