/* SPDX-License-Identifier: MIT
 * search.h - the static search index (issue 14): words of every page, tokenized the way
 * the theme's search.js tokenizes a query, written as JSON files the browser fetches a
 * few at a time. Part of the writing pass, after feed and sitemap; pure (pages in, files
 * out through a callback). */
#ifndef CLINFOLIO_SEARCH_H
#define CLINFOLIO_SEARCH_H

#include "buf.h"
#include "diag.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The fields a word is found in, best first: a page ranks by the best field each query
 * word is in (search.js: title 100, meta 10, body 1). */
typedef enum search_field {
    SEARCH_BODY = 1,  /* the page's text */
    SEARCH_META = 2,  /* summary and the keys of site.yaml search.keys: clinical need,
                       * team names, tags, department, cohort, ... */
    SEARCH_TITLE = 3, /* the title */
} search_field;

/* A word is cut after this many characters (long runs are URLs, hashes, identifiers);
 * search.js cuts a query word the same way. */
#define SEARCH_MAX_TOKEN_CHARS 32
/* Characters of text kept per page for the result snippet (summary, then the body) in
 * its document block, and in its text block, for a match further on. */
#define SEARCH_SNIPPET_CHARS 480
#define SEARCH_TEXT_CHARS    20000
/* Pages per document block d-N.json: a result list fetches the blocks of its hits. */
#define SEARCH_BLOCK_DOCS 10
/* A term shard t-N.json is closed once it passes this many bytes (a term's postings are
 * never split, so one frequent term may make a shard larger). */
#define SEARCH_SHARD_BYTES (32 * 1024)
/* meta.json "version": bumped when the files' format changes (search.js checks it). */
#define SEARCH_FORMAT_VERSION 2

/* fn(tok, len, payload) for every token of s[0..len) (UTF-8; an invalid byte is
 * U+FFFD, a separator), in text order, possibly repeated. Each character is decomposed
 * (NFKD, except Hangul syllables), its combining marks dropped and lower-cased: "Émile"
 * gives "emile", "ＡＢＣ" "abc". A run of letters and digits outside the CJK scripts is
 * one token (cut at SEARCH_MAX_TOKEN_CHARS). A run of Han, Hiragana, Katakana or Hangul
 * characters gives its overlapping bigrams; for_query false (the index) also gives each
 * of its characters, for_query true (a query) only a run of one character alone, so
 * "护目镜" gives 护目 目镜 as a query and 护目 目镜 护 目 镜 in the index. Thread-safe. */
typedef void (*search_token_fn)(const char *tok, size_t len, void *payload);
void search_tokenize(const char *s, size_t len, bool for_query, search_token_fn fn, void *payload);

/* One page to index (all strings UTF-8, borrowed until search_write_files returns). */
typedef struct search_doc {
    const char *url;          /* "/projects/x/" */
    const char *title;        /* SEARCH_TITLE */
    const char *section;      /* "projects", "" for a top-level page: shown with the result */
    const char *summary;      /* SEARCH_META, and the start of the snippet: a summary of
                               * the page's own (NULL when it is the body's start) */
    const char *const *metas; /* n_metas more SEARCH_META texts */
    size_t n_metas;
    const char *body_html; /* the page's HTML: its text is SEARCH_BODY and the snippet's rest */
    uint64_t body_hash;    /* value_string_hash() of body_html when the caller knows it (a page
                            * restored from the cache), else 0: made here then */
    /* What the document is made from, when the caller can name it without making its texts
     * (build.c: a hash of the page's value and HTML, the language and site.yaml), else 0.
     * Not 0, it is what a memo keeps the document's terms and block by, in place of a hash
     * of its texts, so that its texts (summary, metas, body) need only be there once they
     * are read: see search_fill. */
    uint64_t source;
} search_doc;

/* Makes the texts of document i (summary, metas, n_metas, body_html, body_hash) in the
 * caller's array of documents, which search_write_files() reads them from after: called
 * once for each document whose texts are read (all of them without a memo; with one, those
 * whose terms it does not hold, and, for a document without a source, to make its key), on
 * the pool's threads (worker: which one), several documents at once. */
typedef struct search_fill {
    void (*fn)(size_t i, size_t worker, void *payload);
    void *payload;
} search_fill;

/* Writes the index of docs[0..n) (a document's number is its index: the order ties are
 * listed in) as files relative to dir ("search/en/"), each handed to emit, which returns
 * false after reporting a failure:
 *   meta.json   {"version", "docs", "block", "shards": [first term of each shard]}
 *   t-K.json    {"term": [postings], ...} for the terms from shards[K] up to shards[K+1]
 *               (sorted by UTF-8 bytes, i.e. code points); postings are numbers
 *               (doc - previous doc) * 4 + field, the documents in increasing order
 *   d-B.json    [{"url", "title", "section", "text"}, ...] for documents B * block ...,
 *               text the first SEARCH_SNIPPET_CHARS characters of summary and body
 *   f-B.json    ["text", ...] the same documents' text up to SEARCH_TEXT_CHARS, which a
 *               result loads when its match comes after the first part
 * Every file is the same bytes for the same docs, whatever `workers` (the threads that
 * tokenize pages). Returns false when an emit failed. */

/* Writes data[0..len) at path. A block's file (d-B.json, f-B.json) comes with its number
 * in the call, `file` (2B and 2B + 1), and with a memo its key, which names what it was
 * made from, for a later build to keep it (search_memo.keep); any other file with SIZE_MAX
 * and key 0. Called on the pool's threads, several files at once. False after reporting a
 * failure. */
typedef bool (*search_emit_fn)(void *payload, const char *path, const char *data, size_t len,
                               uint64_t key, size_t file, diag *d);

/* What a build keeps for the next (memo.c), so that a rebuild tokenizes only the pages that
 * changed and writes only the document blocks that hold them:
 * - For document i of the call, named by its URL: recall gives the bytes remembered
 *   under key (false when there are none), remember keeps data (taken). Called on the
 *   worker threads.
 * - keep claims block file number `file` (as search_emit_fn numbers them), which the last
 *   build emitted at path with this key, when it is still there untouched; false (nothing
 *   claimed, nothing reported) when it is not: the file is written again. Main thread. May
 *   be NULL (nothing is kept).
 * - reserve gives the number of the first of n more files (the term shards, counted once
 *   the index is made), numbered on from the blocks' for keep and search_emit_fn. Main
 *   thread. May be NULL (then no shard is kept).
 * - recall_index gives the bytes of the whole index the last build remembered for dir
 *   (false when there are none; they must stay as they are until search_write_files
 *   returns), remember_index keeps this build's (taken). Main thread. May be NULL (no
 *   index is kept).
 * - recall_old gives the bytes the last build remembered for the document at url under
 *   key (its key then, which the index holds), before this call's recall and remember of
 *   the same document, so that only the terms it had or has are read in that index.
 *   Main thread. May be NULL (then no index is kept either). */
typedef struct search_memo {
    bool (*recall)(void *payload, size_t i, const char *url, uint64_t key, const void **data,
                   size_t *len);
    void (*remember)(void *payload, size_t i, const char *url, uint64_t key, buf *data);
    bool (*keep)(void *payload, const char *path, uint64_t key, size_t file);
    size_t (*reserve)(void *payload, size_t n);
    bool (*recall_index)(void *payload, const char *dir, const void **data, size_t *len);
    void (*remember_index)(void *payload, const char *dir, buf *data);
    bool (*recall_old)(void *payload, const char *url, uint64_t key, const void **data,
                       size_t *len);
    void *payload;
} search_memo;

/* memo may be NULL (nothing kept); fill may be NULL (every document's texts are there). A
 * block whose documents (URL, title, section, summary, texts and body, or their sources)
 * are those the last build wrote it from is kept as that build left it (both its files,
 * d-B and f-B), without being made again; so is a term shard (t-K) made from the same
 * terms with the same postings. With an index the last build remembered for the same
 * documents' URLs in the same order, only the documents whose contents changed are
 * tokenized (and filled): their postings in that index are replaced (the files are the
 * same bytes as from reading every document). */
bool search_write_files(const search_doc *docs, size_t n, const char *dir, size_t workers,
                        const search_memo *memo, const search_fill *fill, search_emit_fn emit,
                        void *payload, diag *d);

#endif
