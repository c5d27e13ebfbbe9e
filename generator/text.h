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
/* Characters (code points) in valid UTF-8; an invalid byte counts as one. */
size_t text_utf8_count(const char *s, size_t len);
/* Bytes of the first n characters of s (never cuts a sequence). */
size_t text_utf8_prefix(const char *s, size_t len, size_t n);
/* Appends s with invalid UTF-8 replaced by U+FFFD and control characters other than
 * \t \n dropped: what XML 1.0 (feeds, sitemaps) may carry. */
void text_clean_xml(buf *out, const char *s, size_t len);

/* &, <, >, " and ' as entities. */
void text_html_escape(buf *out, const char *s, size_t len);
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

/* Trimmed of ASCII white space at both ends: returns the new start, sets *len. */
/* FNV-1a hash of a NUL-terminated string (for the open-addressing tables). */
size_t text_hash(const char *s);

const char *text_trim(const char *s, size_t *len);

#endif
