/* SPDX-License-Identifier: MIT
 * search.c - the static search index: the tokenizer (libunistring: NFKD, marks, case,
 * scripts) and the index files (term shards, document blocks, meta.json). Part of the
 * writing pass; the pages' words are read on the worker pool. */
#include "search.h"

#include "arena.h"
#include "hash.h"
#include "pool.h"
#include "progress.h"
#include "selfcheck.h"
#include "serial.h"
#include "text.h"
#include "value.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

/* {====================================================================
 * tokenizer (search.js's tokenize() is the same, rule for rule)
 * ===================================================================== */

/* NFKD of one character can be 18 characters long (U+FDFA) */
#define FOLD_MAX 32

/* Hangul syllables (kept whole) and the two big blocks of ideographs, which NFKD, marks
 * and case leave as they are: the common case of Chinese text, without a table lookup */
static bool
is_plain_cjk(ucs4_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0xAC00 && cp <= 0xD7A3);
}

/* The folded form of cp into out: decomposed (NFKD; Hangul syllables kept whole, so
 * that their bigrams stay syllables), combining marks dropped, lower-cased. Returns how
 * many characters it wrote (0 for a lone mark). */
static size_t
fold_char(ucs4_t cp, ucs4_t out[FOLD_MAX])
{
    if (cp < 0x80) {
        out[0] = cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
        return 1;
    }
    if (is_plain_cjk(cp)) {
        out[0] = cp;
        return 1;
    }
    size_t n = FOLD_MAX;
    ucs4_t *d = u32_normalize(UNINORM_NFKD, &cp, 1, out, &n);
    if (!d) { /* cannot happen for one valid character; keep it as it is */
        out[0] = cp;
        return 1;
    }
    if (d != out) { /* longer than FOLD_MAX: keep what fits */
        memcpy(out, d, FOLD_MAX * sizeof *out);
        free(d);
        n = FOLD_MAX;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!uc_is_general_category(out[i], UC_CATEGORY_M))
            out[k++] = uc_tolower(out[i]);
    return k;
}

typedef enum char_kind { KIND_SEP, KIND_WORD, KIND_CJK } char_kind;

static char_kind
kind_of(ucs4_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? KIND_WORD : KIND_SEP;
    if (is_plain_cjk(c))
        return KIND_CJK;
    if (!uc_is_general_category(c, UC_CATEGORY_L) && !uc_is_general_category(c, UC_CATEGORY_N))
        return KIND_SEP;
    const uc_script_t *sc = uc_script(c);
    const char *name = sc ? sc->name : "";
    if (strcmp(name, "Han") == 0 || strcmp(name, "Hiragana") == 0 ||
        strcmp(name, "Katakana") == 0 || strcmp(name, "Hangul") == 0)
        return KIND_CJK;
    return KIND_WORD;
}

typedef struct tokenizer {
    bool for_query;
    search_token_fn fn;
    void *payload;
    char word[SEARCH_MAX_TOKEN_CHARS * 4 + 1];
    size_t word_len, word_chars;
    char prev[8];    /* the CJK character before, as UTF-8 */
    size_t prev_len; /* 0: none (not in a CJK run) */
    size_t run;      /* characters of the CJK run so far */
} tokenizer;

static void
end_word(tokenizer *t)
{
    if (t->word_len)
        t->fn(t->word, t->word_len, t->payload);
    t->word_len = t->word_chars = 0;
}

static void
end_run(tokenizer *t)
{
    if (t->for_query && t->run == 1)
        t->fn(t->prev, t->prev_len, t->payload);
    t->prev_len = t->run = 0;
}

static void
put_char(tokenizer *t, ucs4_t c)
{
    uint8_t u[8];
    int len = c < 0x80 ? (u[0] = (uint8_t)c, 1) : u8_uctomb(u, c, sizeof u);
    if (len <= 0)
        return;
    switch (kind_of(c)) {
    case KIND_WORD:
        end_run(t);
        if (t->word_chars < SEARCH_MAX_TOKEN_CHARS) {
            memcpy(t->word + t->word_len, u, (size_t)len);
            t->word_len += (size_t)len;
            t->word_chars++;
        }
        break;
    case KIND_CJK:
        end_word(t);
        if (!t->for_query)
            t->fn((const char *)u, (size_t)len, t->payload);
        if (t->prev_len) {
            char pair[16];
            memcpy(pair, t->prev, t->prev_len);
            memcpy(pair + t->prev_len, u, (size_t)len);
            t->fn(pair, t->prev_len + (size_t)len, t->payload);
        }
        memcpy(t->prev, u, (size_t)len);
        t->prev_len = (size_t)len;
        t->run++;
        break;
    case KIND_SEP:
        end_word(t);
        end_run(t);
        break;
    }
}

void
search_tokenize(const char *s, size_t len, bool for_query, search_token_fn fn, void *payload)
{
    tokenizer t = {.for_query = for_query, .fn = fn, .payload = payload};
    const uint8_t *p = (const uint8_t *)s, *end = p + len;
    while (p < end) {
        if (*p < 0x80) { /* ASCII folds to itself but for case */
            ucs4_t c = *p >= 'A' && *p <= 'Z' ? *p + 32u : *p;
            put_char(&t, c);
            p++;
            /* the rest of a run of ASCII letters and digits, as put_char would take it one
             * by one (the run's first did the transitions): most of a page's text */
            if (kind_of(c) != KIND_WORD)
                continue;
            for (; p < end && t.word_chars < SEARCH_MAX_TOKEN_CHARS; p++) {
                uint8_t b = *p;
                if (b >= 'A' && b <= 'Z')
                    b = (uint8_t)(b + 32);
                else if (!((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')))
                    break;
                t.word[t.word_len++] = (char)b;
                t.word_chars++;
            }
            continue;
        }
        ucs4_t cp;
        int n = u8_mbtouc(&cp, p, (size_t)(end - p)); /* invalid: U+FFFD, a separator */
        p += n > 0 ? n : 1;
        ucs4_t folded[FOLD_MAX];
        size_t k = fold_char(cp, folded);
        for (size_t i = 0; i < k; i++)
            put_char(&t, folded[i]);
    }
    end_word(&t);
    end_run(&t);
}

/* {====================================================================
 * one page's terms (on the worker pool)
 * ===================================================================== */

typedef struct doc_term {
    uint32_t off; /* in doc_terms.text, NUL-terminated */
    uint32_t len;
    uint64_t hash;
    unsigned field;
} doc_term;

/* A page's distinct terms in order of first appearance, each with the best field it is
 * in (a hash set: a page's text repeats its words), and its snippet text. */
typedef struct doc_terms {
    buf text; /* the terms, each NUL-terminated */
    doc_term *terms;
    size_t n, cap;
    uint32_t *slots; /* 1 + index into terms, 0 when free; n_slots a power of 2 */
    size_t n_slots;
    buf snippet;
} doc_terms;

typedef struct collect {
    doc_terms *dt;
    unsigned field;
} collect;

static void
rehash(doc_terms *dt)
{
    free(dt->slots);
    dt->n_slots = dt->n_slots ? dt->n_slots * 2 : 256;
    dt->slots = xcalloc(dt->n_slots, sizeof *dt->slots);
    for (size_t i = 0; i < dt->n; i++) {
        size_t k = dt->terms[i].hash & (dt->n_slots - 1);
        while (dt->slots[k])
            k = (k + 1) & (dt->n_slots - 1);
        dt->slots[k] = (uint32_t)i + 1;
    }
}

static void
collect_token(const char *tok, size_t len, void *payload)
{
    collect *c = payload;
    doc_terms *dt = c->dt;
    if (dt->n * 2 >= dt->n_slots)
        rehash(dt);
    uint64_t h = hash_bytes(0, tok, len);
    size_t k = h & (dt->n_slots - 1);
    for (; dt->slots[k]; k = (k + 1) & (dt->n_slots - 1)) {
        doc_term *t = &dt->terms[dt->slots[k] - 1];
        if (t->hash == h && t->len == len && memcmp(dt->text.ptr + t->off, tok, len) == 0) {
            if (c->field > t->field)
                t->field = c->field;
            return;
        }
    }
    dt->terms = xgrow(dt->terms, dt->n, &dt->cap, sizeof *dt->terms, 64);
    dt->slots[k] = (uint32_t)dt->n + 1;
    dt->terms[dt->n++] = (doc_term){(uint32_t)dt->text.len, (uint32_t)len, h, c->field};
    buf_append(&dt->text, tok, len);
    buf_putc(&dt->text, '\0');
}

static void
add_text(doc_terms *dt, const char *s, unsigned field)
{
    if (!s)
        return;
    collect c = {dt, field};
    search_tokenize(s, strlen(s), false, collect_token, &c);
}

/* summary (unless the body starts with it), then the body's text, cut to
 * SEARCH_TEXT_CHARS characters */
static void
make_snippet(buf *out, const char *summary, const buf *body)
{
    size_t slen = summary ? strlen(summary) : 0;
    if (slen && !(body->len >= slen && memcmp(body->ptr, summary, slen) == 0)) {
        buf_append(out, summary, slen);
        if (body->len)
            buf_putc(out, ' ');
    }
    buf_append(out, body->ptr, body->len);
    buf_truncate(out, text_utf8_prefix(out->ptr, out->len, SEARCH_TEXT_CHARS));
}

/* Pages tokenized at once (see search_write_files). */
#define SEARCH_CHUNK_DOCS 512

/* A block of documents (d-B.json, f-B.json): what it is made of, and which of its files
 * are kept as the last build wrote them. */
typedef struct doc_block {
    uint64_t key; /* its documents' URLs and doc_key()s; never 0 */
    bool kept_d, kept_f;
} doc_block;

static bool
block_kept(const doc_block *b)
{
    return b->kept_d && b->kept_f;
}

/* The documents' texts made when first read (search_fill): made[i] once document i's are. */
typedef struct doc_texts {
    const search_fill *fill; /* NULL: every document's texts are there */
    unsigned char *made;
} doc_texts;

static void
need_texts(const doc_texts *t, size_t i, size_t worker)
{
    if (t->fill && !t->made[i]) {
        t->fill->fn(i, worker, t->fill->payload);
        t->made[i] = 1;
    }
}

typedef struct terms_job {
    const search_doc *docs; /* the chunk's */
    doc_terms *out;
    const search_memo *memo;
    size_t first;            /* the number of the chunk's first document */
    const uint64_t *keys;    /* the chunk's doc_key()s, when memo */
    const doc_block *blocks; /* all of them: a kept block's snippets are not needed */
    const bool *changed;     /* with the last index (update_index): which documents it does
                              * not hold as they are; the others' terms are not wanted,
                              * only their snippets. NULL: every document's terms */
    const doc_texts *texts;  /* all of them, numbered from 0 */
} terms_job;

/* What a document's terms are made of (its URL names the record, not its key): its source
 * when it has one, else its texts. */
static uint64_t
doc_key(const search_doc *doc)
{
    if (doc->source) /* tagged apart from the hashes of texts below */
        return hash_u64(hash_u64(SEARCH_FORMAT_VERSION, 0x736f757263650aULL), doc->source);
    uint64_t h = hash_u64(SEARCH_FORMAT_VERSION, 0x7365617263680aULL); /* "search" */
    h = hash_str(hash_str(hash_str(h, doc->title), doc->section), doc->summary);
    h = hash_u64(h, doc->n_metas);
    for (size_t k = 0; k < doc->n_metas; k++)
        h = hash_str(h, doc->metas[k]);
    const char *html = doc->body_html;
    return hash_u64(h, doc->body_hash ? doc->body_hash
                       : html         ? value_string_hash(html, strlen(html))
                                      : 0);
}

/* A document's terms (each with its field) and snippet as bytes, and back (the snippet
 * only when want_snippet); false when the bytes do not decode (dt is then as it was:
 * empty). */
static void
terms_to_bytes(const doc_terms *dt, buf *out)
{
    serial_writer w = SERIAL_WRITER(out);
    serial_put_varint(&w, dt->n);
    for (size_t k = 0; k < dt->n; k++) {
        serial_put_varint(&w, dt->terms[k].field);
        serial_put_bytes(&w, dt->text.ptr + dt->terms[k].off, dt->terms[k].len);
    }
    serial_put_bytes(&w, dt->snippet.ptr, dt->snippet.len);
}

static bool
terms_from_bytes(doc_terms *dt, const void *data, size_t len, bool want_terms, bool want_snippet)
{
    serial_reader r = SERIAL_READER(data, len);
    size_t n = serial_get_varint(&r);
    if (!r.ok || n > len)
        return false;
    if (want_terms) {
        dt->terms = xcalloc(n + 1, sizeof *dt->terms);
        dt->cap = n + 1;
    }
    size_t seen = 0;
    for (size_t k = 0; k < n && r.ok; k++, seen++) {
        unsigned field = (unsigned)serial_get_varint(&r);
        size_t tlen;
        const char *t = serial_get_bytes(&r, &tlen);
        if (!r.ok || field > SEARCH_TITLE || tlen > UINT32_MAX)
            break;
        if (!want_terms) /* the index has them already (update_index) */
            continue;
        dt->terms[dt->n++] =
            (doc_term){(uint32_t)dt->text.len, (uint32_t)tlen, hash_bytes(0, t, tlen), field};
        buf_append(&dt->text, t, tlen);
        buf_putc(&dt->text, '\0');
    }
    size_t slen;
    const char *snippet = serial_get_bytes(&r, &slen);
    if (!r.ok || seen != n || r.p != r.end) {
        buf_free(&dt->text);
        free(dt->terms);
        *dt = (doc_terms){0};
        return false;
    }
    if (want_snippet) /* else its block is kept as the last build wrote it */
        buf_append(&dt->snippet, snippet, slen);
    return true;
}

static void
terms_one(size_t i, size_t worker, void *payload)
{
    terms_job *j = payload;
    const search_doc *doc = &j->docs[i];
    doc_terms *dt = &j->out[i];
    uint64_t key = j->memo ? j->keys[i] : 0;
    const void *kept;
    size_t kept_len;
    bool want_snippet = !block_kept(&j->blocks[(j->first + i) / SEARCH_BLOCK_DOCS]);
    bool want_terms = !j->changed || j->changed[i];
    if (j->memo &&
        j->memo->recall(j->memo->payload, j->first + i, doc->url, key, &kept, &kept_len) &&
        ((!want_terms && !want_snippet) || /* carried over for the next build, no more */
         terms_from_bytes(dt, kept, kept_len, want_terms, want_snippet)))
        return;
    need_texts(j->texts, j->first + i, worker);
    buf body = BUF_INIT;
    if (doc->body_html)
        text_strip_tags(&body, doc->body_html, strlen(doc->body_html));
    add_text(dt, doc->title, SEARCH_TITLE);
    add_text(dt, doc->summary, SEARCH_META);
    for (size_t k = 0; k < doc->n_metas; k++)
        add_text(dt, doc->metas[k], SEARCH_META);
    collect c = {dt, SEARCH_BODY};
    search_tokenize(body.ptr, body.len, false, collect_token, &c);
    free(dt->slots); /* the set is done with */
    dt->slots = NULL;
    make_snippet(&dt->snippet, doc->summary, &body);
    buf_free(&body);
    if (j->memo) {
        buf bytes = BUF_INIT;
        terms_to_bytes(dt, &bytes);
        j->memo->remember(j->memo->payload, j->first + i, doc->url, key, &bytes);
    }
}

/* {====================================================================
 * the whole index (main thread)
 * ===================================================================== */

/* A term and its postings. While the index is made or updated they are numbers in post,
 * (doc << 2) | field in document order; sealed (seal_term) they are bytes in span, as the
 * index record and t-K.json have them: each posting's (doc - previous doc) << 2 | field,
 * a varint. A term of the last index that no changed document has, before or now, stays
 * as that index's bytes (text and span point into them), only checked, and a term one
 * has is spliced (splice_term): at 10,000 pages a body edit decoded, merged and encoded
 * again 1.6 million postings for one page. */
typedef struct term {
    const char *text; /* len bytes; not NUL-terminated when the last index's */
    size_t len;
    uint64_t hash;  /* hash_bytes(0, text, len), for the terms made here (find_term) */
    uint32_t *post; /* NULL once sealed */
    size_t n, cap;  /* n: its postings, in post or in span */
    const unsigned char *span;
    size_t span_len;
    size_t entry_len; /* once sealed: the bytes of its entry in a shard */
} term;

typedef struct term_index {
    term **slots; /* open addressing by the terms' hashes (computed once per page) */
    size_t n_slots;
    term **terms;
    size_t n, cap;
    arena *a;
} term_index;

static void
grow_slots(term_index *ix)
{
    size_t n_slots = ix->n_slots ? ix->n_slots * 2 : 4096;
    term **slots = xcalloc(n_slots, sizeof *slots);
    for (size_t i = 0; i < ix->n; i++) {
        size_t k = ix->terms[i]->hash & (n_slots - 1);
        while (slots[k])
            k = (k + 1) & (n_slots - 1);
        slots[k] = ix->terms[i];
    }
    free(ix->slots);
    ix->slots = slots;
    ix->n_slots = n_slots;
}

/* The term text[0..len) (hash: hash_bytes(0, text, len)), added without postings when
 * ix has none. */
static term *
find_term(term_index *ix, const char *text, size_t len, uint64_t hash)
{
    if ((ix->n + 1) * 2 > ix->n_slots)
        grow_slots(ix);
    size_t k = hash & (ix->n_slots - 1);
    term *t;
    while ((t = ix->slots[k]) &&
           !(t->hash == hash && t->len == len && memcmp(t->text, text, len) == 0))
        k = (k + 1) & (ix->n_slots - 1);
    if (!t) {
        t = arena_zalloc(ix->a, sizeof *t);
        t->text = arena_strndup(ix->a, text, len);
        t->len = len;
        t->hash = hash;
        ix->slots[k] = t;
        ix->terms = xgrow(ix->terms, ix->n, &ix->cap, sizeof *ix->terms, 1024);
        ix->terms[ix->n++] = t;
    }
    return t;
}

static void
grow_postings(term *t, size_t more)
{
    if (t->n + more <= t->cap)
        return;
    t->cap = t->cap ? t->cap * 2 : 4;
    if (t->cap < t->n + more)
        t->cap = t->n + more;
    t->post = xrealloc(t->post, t->cap * sizeof *t->post);
}

/* A posting after those of earlier documents (the full index is made in document order). */
static void
add_posting(term_index *ix, const char *text, size_t len, uint64_t hash, uint32_t doc,
            unsigned field)
{
    term *t = find_term(ix, text, len, hash);
    grow_postings(t, 1);
    t->post[t->n++] = doc << 2 | field;
}

/* A posting in document order among the others (update_index). */
static void
insert_posting(term_index *ix, const char *text, size_t len, uint64_t hash, uint32_t doc,
               unsigned field)
{
    term *t = find_term(ix, text, len, hash);
    grow_postings(t, 1);
    size_t lo = 0, hi = t->n; /* the first posting of a later document */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->post[mid] >> 2 < doc)
            lo = mid + 1;
        else
            hi = mid;
    }
    memmove(t->post + lo + 1, t->post + lo, (t->n - lo) * sizeof *t->post);
    t->post[lo] = doc << 2 | field;
    t->n++;
}

/* The order of UTF-8 bytes (strcmp's, for texts that may not end in a NUL) */
static int
cmp_text(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

static int
cmp_terms(const void *pa, const void *pb)
{
    const term *a = *(const term *const *)pa, *b = *(const term *const *)pb;
    return cmp_text(a->text, a->len, b->text, b->len);
}

/* The bytes of t's entry in a shard, `"text":[p,p,...]` (put_entry()), whose postings
 * have `digits` digits in all. */
static size_t
entry_len(const term *t, size_t digits, buf *tmp)
{
    buf_clear(tmp);
    value_json_string(tmp, t->text, t->len);
    return tmp->len + 3 + (t->n ? t->n - 1 : 0) + digits; /* :[ ] and the commas */
}

/* A span being written into a buffer (seal_term, splice_term): the document of its last
 * posting, how many postings it has and how many digits those written by span_put() take
 * in a shard. */
typedef struct span_writer {
    serial_writer w;
    uint32_t doc;
    size_t n;
    int64_t digits;
} span_writer;

static void
span_put(span_writer *s, uint32_t doc, unsigned field)
{
    uint64_t v = (uint64_t)(doc - s->doc) << 2 | field;
    serial_put_varint(&s->w, v);
    s->digits += (int64_t)buf_uint_len(v);
    s->doc = doc;
    s->n++;
}

/* The span written (s's buffer) as t's, in a, with its count; t's post array freed. */
static void
span_end(term *t, const span_writer *s, arena *a)
{
    t->span_len = s->w.out->len;
    unsigned char *span = arena_alloc(a, t->span_len + 1);
    memcpy(span, s->w.out->ptr, t->span_len);
    t->span = span;
    t->n = s->n;
    free(t->post);
    t->post = NULL;
    t->cap = 0;
}

/* t's postings from post to span (in a), and its entry's length. */
static void
seal_term(term *t, arena *a, buf *tmp)
{
    buf_clear(tmp);
    span_writer s = {SERIAL_WRITER(tmp), 0, 0, 0};
    for (size_t p = 0; p < t->n; p++)
        span_put(&s, t->post[p] >> 2, t->post[p] & 3);
    span_end(t, &s, a);
    t->entry_len = entry_len(t, (size_t)s.digits, tmp);
}

/* The postings of a span, in order: the next one's value ((doc - previous doc) << 2 |
 * field), false at the end. */
typedef struct span_reader {
    serial_reader r;
    size_t left;
} span_reader;

static span_reader
span_read(const term *t)
{
    return (span_reader){SERIAL_READER(t->span, t->span_len), t->n};
}

static bool
span_next(span_reader *s, size_t *v)
{
    if (!s->left)
        return false;
    s->left--;
    *v = serial_get_varint(&s->r);
    return true;
}

static bool
emit_file(const char *dir, const char *name, const buf *data, uint64_t key, size_t file,
          search_emit_fn emit, void *payload, diag *d)
{
    buf path = BUF_INIT;
    buf_printf(&path, "%s%s", dir, name);
    bool ok = emit(payload, path.ptr, data->ptr, data->len, key, file, d);
    buf_free(&path);
    return ok;
}

/* Files made on the calling thread and written on the pool, a batch at a time. */
#define SEARCH_WRITE_BATCH 64

typedef struct file_job {
    const char *dir;
    buf *data; /* [SEARCH_WRITE_BATCH]: each file's bytes */
    char (*name)[32];
    uint64_t *key; /* [SEARCH_WRITE_BATCH]: its contents' key and place (search_emit_fn) */
    size_t *file;
    search_emit_fn emit;
    void *payload;
    diag **diags; /* per file: what its emit reported, merged in file order */
    bool *ok;
} file_job;

static void
write_one_shard(size_t i, size_t worker, void *payload)
{
    (void)worker;
    file_job *j = payload;
    j->diags[i] = diag_new();
    j->ok[i] = emit_file(j->dir, j->name[i], &j->data[i], j->key[i], j->file[i], j->emit,
                         j->payload, j->diags[i]);
}

/* Emits the n files of a batch on the pool, their diagnostics in order. */
static bool
emit_batch(file_job *j, size_t n, size_t workers, diag *d)
{
    pool_run(workers, n, write_one_shard, j);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        diag_merge(d, j->diags[i]);
        diag_free(j->diags[i]);
        ok &= j->ok[i];
        buf_clear(&j->data[i]);
    }
    return ok;
}

/* t's entry in a shard (t sealed) */
static void
put_entry(buf *shard, const term *t)
{
    value_json_string(shard, t->text, t->len);
    buf_puts(shard, ":[");
    span_reader sr = span_read(t);
    size_t v;
    for (size_t p = 0; span_next(&sr, &v); p++) {
        if (p)
            buf_putc(shard, ',');
        buf_put_uint(shard, v);
    }
    buf_putc(shard, ']');
}

/* Shard k: terms [first, end) of the index, and the key of its contents. */
typedef struct shard_plan {
    size_t first, end;
    uint64_t key;
} shard_plan;

/* Where the shards start and end, as writing them would decide (a shard ends after the
 * term that takes it to SEARCH_SHARD_BYTES), and each one's key (its number, its terms
 * and their postings): found without writing them, so that a shard the last build wrote
 * from the same key is kept as it is. *n: how many. */
static shard_plan *
plan_shards(const term_index *ix, size_t *n)
{
    shard_plan *plan = xcalloc(ix->n + 1, sizeof *plan);
    size_t k = 0, bytes = 0;
    for (size_t i = 0; i < ix->n; i++) {
        const term *t = ix->terms[i];
        if (bytes == 0) {
            plan[k].first = i;
            plan[k].key = hash_u64(SEARCH_FORMAT_VERSION, k);
        }
        bytes += 1 + t->entry_len; /* the '{' before the first, a ',' before the others */
        uint64_t h = hash_bytes(hash_u64(plan[k].key, t->len), t->text, t->len);
        plan[k].key = hash_bytes(hash_u64(h, t->n), t->span, t->span_len);
        if (bytes >= SEARCH_SHARD_BYTES || i + 1 == ix->n) {
            plan[k].end = i + 1;
            plan[k].key |= 1; /* 0 names no contents (emit) */
            k++;
            bytes = 0;
        }
    }
    *n = k;
    return plan;
}

/* t-K.json files, and the first term of each into *firsts (a JSON list's items); with
 * memo, a shard made from the same terms and postings as the last build's is kept */
static bool
write_shards(const term_index *ix, const char *dir, buf *firsts, size_t workers,
             const search_memo *memo, search_emit_fn emit, void *payload, diag *d)
{
    bool ok = true;
    buf data[SEARCH_WRITE_BATCH];
    char name[SEARCH_WRITE_BATCH][32];
    uint64_t keys[SEARCH_WRITE_BATCH];
    size_t files[SEARCH_WRITE_BATCH];
    diag *diags[SEARCH_WRITE_BATCH];
    bool oks[SEARCH_WRITE_BATCH];
    for (size_t b = 0; b < SEARCH_WRITE_BATCH; b++)
        data[b] = BUF_INIT;
    file_job job = {dir, data, name, keys, files, emit, payload, diags, oks};
    size_t n_shards;
    shard_plan *plan = plan_shards(ix, &n_shards);
    bool keep = memo && memo->keep && memo->reserve;
    size_t base = keep ? memo->reserve(memo->payload, n_shards) : SIZE_MAX;
    buf path = BUF_INIT;
    size_t in_batch = 0;
    for (size_t k = 0; k < n_shards; k++) {
        buf_puts(firsts, k ? "," : "");
        const term *first = ix->terms[plan[k].first];
        value_json_string(firsts, first->text, first->len);
        buf_clear(&path);
        buf_printf(&path, "%st-%zu.json", dir, k);
        if (keep && memo->keep(memo->payload, path.ptr, plan[k].key, base + k))
            continue;
        buf *shard = &data[in_batch];
        buf_putc(shard, '{');
        for (size_t i = plan[k].first; i < plan[k].end; i++) {
            if (i > plan[k].first)
                buf_putc(shard, ',');
            put_entry(shard, ix->terms[i]);
        }
        buf_puts(shard, "}\n");
        snprintf(name[in_batch], sizeof name[0], "t-%zu.json", k);
        keys[in_batch] = keep ? plan[k].key : 0;
        files[in_batch] = keep ? base + k : SIZE_MAX;
        if (++in_batch == SEARCH_WRITE_BATCH) {
            ok &= emit_batch(&job, in_batch, workers, d);
            in_batch = 0;
        }
    }
    if (in_batch)
        ok &= emit_batch(&job, in_batch, workers, d);
    buf_free(&path);
    free(plan);
    for (size_t b = 0; b < SEARCH_WRITE_BATCH; b++)
        buf_free(&data[b]);
    return ok;
}

typedef struct keys_job {
    const search_doc *docs;
    uint64_t *keys;
    const doc_texts *texts;
} keys_job;

static void
key_one(size_t i, size_t worker, void *payload)
{
    keys_job *j = payload;
    if (!j->docs[i].source) /* its key is made of its texts */
        need_texts(j->texts, i, worker);
    j->keys[i] = doc_key(&j->docs[i]);
}

/* Each block's key (its documents' URLs and keys, the block's number) and, with memo->keep,
 * which of its files the last build wrote from the same key and still stand (kept). */
static void
keep_blocks(const search_doc *docs, const uint64_t *keys, size_t n, const char *dir,
            const search_memo *memo, doc_block *blocks, size_t n_blocks)
{
    buf path = BUF_INIT;
    for (size_t b = 0; b < n_blocks; b++) {
        uint64_t h = hash_u64(SEARCH_BLOCK_DOCS, b);
        for (size_t i = b * SEARCH_BLOCK_DOCS; i < n && i < (b + 1) * SEARCH_BLOCK_DOCS; i++)
            h = hash_str(hash_u64(h, keys[i]), docs[i].url);
        blocks[b].key = h | 1; /* 0 names no contents (emit) */
        if (!memo->keep)
            continue;
        buf_clear(&path);
        buf_printf(&path, "%sd-%zu.json", dir, b);
        blocks[b].kept_d = memo->keep(memo->payload, path.ptr, blocks[b].key, 2 * b);
        buf_clear(&path);
        buf_printf(&path, "%sf-%zu.json", dir, b);
        blocks[b].kept_f = memo->keep(memo->payload, path.ptr, blocks[b].key, 2 * b + 1);
    }
    buf_free(&path);
}

typedef struct blocks_job {
    const search_doc *docs;
    const doc_terms *dts;
    size_t n;
    const char *dir;
    const doc_block *blocks;
    search_emit_fn emit;
    void *payload;
    diag **diags; /* per block */
    bool *ok;
} blocks_job;

/* d-B.json and f-B.json of block b, but those kept as they were */
static void
write_block(size_t b, size_t worker, void *payload)
{
    (void)worker;
    blocks_job *j = payload;
    const doc_block *blk = &j->blocks[b];
    diag *d = j->diags[b] = diag_new();
    j->ok[b] = true;
    if (block_kept(blk))
        return;
    buf block = BUF_INIT, texts = BUF_INIT;
    size_t end = (b + 1) * SEARCH_BLOCK_DOCS < j->n ? (b + 1) * SEARCH_BLOCK_DOCS : j->n;
    for (size_t i = b * SEARCH_BLOCK_DOCS; i < end; i++) {
        const search_doc *doc = &j->docs[i];
        const buf *text = &j->dts[i].snippet;
        bool first = i % SEARCH_BLOCK_DOCS == 0;
        buf_puts(&texts, first ? "[" : ",\n");
        value_json_string(&texts, text->ptr, text->len);
        buf_puts(&block, first ? "[{\"url\":" : ",\n{\"url\":");
        value_json_cstr(&block, doc->url);
        buf_puts(&block, ",\"title\":");
        value_json_cstr(&block, doc->title);
        buf_puts(&block, ",\"section\":");
        value_json_cstr(&block, doc->section);
        buf_puts(&block, ",\"text\":");
        value_json_string(&block, text->ptr,
                          text_utf8_prefix(text->ptr, text->len, SEARCH_SNIPPET_CHARS));
        buf_putc(&block, '}');
    }
    buf_puts(&block, "]\n");
    buf_puts(&texts, "]\n");
    char name[32];
    snprintf(name, sizeof name, "d-%zu.json", b);
    if (!blk->kept_d)
        j->ok[b] &= emit_file(j->dir, name, &block, blk->key, 2 * b, j->emit, j->payload, d);
    snprintf(name, sizeof name, "f-%zu.json", b);
    if (!blk->kept_f)
        j->ok[b] &= emit_file(j->dir, name, &texts, blk->key, 2 * b + 1, j->emit, j->payload, d);
    buf_free(&block);
    buf_free(&texts);
}

/* Every block's files on the pool, their diagnostics in block order. */
static bool
write_blocks(const search_doc *docs, const doc_terms *dts, size_t n, const char *dir,
             const doc_block *blocks, size_t n_blocks, size_t workers, search_emit_fn emit,
             void *payload, diag *d)
{
    blocks_job job = {docs,
                      dts,
                      n,
                      dir,
                      blocks,
                      emit,
                      payload,
                      xcalloc(n_blocks + 1, sizeof(diag *)),
                      xcalloc(n_blocks + 1, sizeof(bool))};
    pool_run(workers, n_blocks, write_block, &job);
    bool ok = true;
    for (size_t b = 0; b < n_blocks; b++) {
        diag_merge(d, job.diags[b]);
        diag_free(job.diags[b]);
        ok &= job.ok[b];
    }
    free(job.diags);
    free(job.ok);
    return ok;
}

/* {====================================================================
 * the index kept for the next build: a rebuild tokenizes the documents that changed and
 * updates the postings of the last index, instead of reading every document's terms
 * ===================================================================== */

/* The documents' URLs in order: an index's document numbers are positions in it. */
static uint64_t
urls_hash(const search_doc *docs, size_t n)
{
    uint64_t h = hash_u64(SEARCH_FORMAT_VERSION, n);
    for (size_t i = 0; i < n; i++)
        h = hash_str(h, docs[i].url);
    return h;
}

/* ix (terms sorted and sealed) with the keys of the documents it was made from: URLs'
 * hash u64 | documents varint | doc_key() u64 each | terms varint | per term its text
 * (bytes), postings varint, its entry's length varint and its span (each posting as in
 * t-K.json, a varint). */
static void
index_to_bytes(const term_index *ix, const uint64_t *keys, size_t n, uint64_t urls, buf *out)
{
    serial_writer w = SERIAL_WRITER(out);
    serial_put_u64(&w, urls);
    serial_put_varint(&w, n);
    for (size_t i = 0; i < n; i++)
        serial_put_u64(&w, keys[i]);
    serial_put_varint(&w, ix->n);
    for (size_t i = 0; i < ix->n; i++) {
        const term *t = ix->terms[i];
        serial_put_bytes(&w, t->text, t->len);
        serial_put_varint(&w, t->n);
        serial_put_varint(&w, t->entry_len);
        buf_append(out, (const char *)t->span, t->span_len);
    }
}

/* ix without its terms (those of the last index it was reading stay in its arena). */
static void
drop_terms(term_index *ix)
{
    free(ix->terms);
    ix->terms = NULL;
    ix->n = ix->cap = 0;
}

/* Reads the span of count postings at r (of a term of an index of n documents) into t,
 * sealed: false when a posting is out of bounds or out of order. */
static bool
read_span(serial_reader *r, size_t count, size_t n, term *t)
{
    const unsigned char *start = r->p;
    /* a field 1 to 3 and a step of at least one document after the first, told at the
     * end: every posting is checked, 1.6 million at 10,000 pages */
    size_t v = serial_get_varint(r), doc = v >> 2;
    bool bad = (v & 3) == 0 || doc >= n;
    for (size_t p = 1; p < count; p++) {
        v = serial_get_varint(r);
        size_t step = v >> 2;
        bad |= ((v & 3) == 0) | (step - 1 >= n); /* step 0 wraps round */
        doc += step;
    }
    if (!r->ok || bad || doc >= n)
        return false;
    t->n = count;
    t->span = start;
    t->span_len = (size_t)(r->p - start);
    return true;
}

/* The last build's index (index_to_bytes) into ix, empty, when it was made for the same
 * documents' URLs in the same order: its terms sealed, in its bytes (which must last as
 * long as ix); old_keys[i] the key document i had and changed[i] whether it differs from
 * keys[i]. False when it cannot be used (ix is then left empty): anything out of order
 * or out of bounds, as a damaged record would have it. */
static bool
index_from_bytes(term_index *ix, const void *data, size_t len, const uint64_t *keys, size_t n,
                 uint64_t urls, uint64_t *old_keys, bool *changed)
{
    serial_reader r = SERIAL_READER(data, len);
    if (serial_get_u64(&r) != urls || serial_get_varint(&r) != n || !r.ok)
        return false;
    for (size_t i = 0; i < n && r.ok; i++) {
        old_keys[i] = serial_get_u64(&r);
        changed[i] = old_keys[i] != keys[i];
    }
    size_t n_terms = serial_get_varint(&r);
    bool ok = r.ok && n_terms <= len;
    if (ok) {
        ix->terms = xcalloc(n_terms + 1, sizeof *ix->terms);
        ix->cap = n_terms + 1;
    }
    term *all = ok ? arena_zalloc(ix->a, (n_terms + 1) * sizeof *all) : NULL;
    const term *last = NULL;
    for (size_t i = 0; ok && i < n_terms; i++) {
        term *t = &all[i];
        t->text = serial_get_bytes(&r, &t->len);
        size_t count = serial_get_varint(&r);
        t->entry_len = serial_get_varint(&r);
        /* sorted and distinct, and each text a term (no NUL) */
        ok = r.ok && count > 0 && count <= n && !memchr(t->text, '\0', t->len) &&
             (!last || cmp_text(last->text, last->len, t->text, t->len) < 0) &&
             read_span(&r, count, n, t);
        ix->terms[ix->n++] = t;
        last = t;
    }
    if (ok && r.ok && r.p == r.end)
        return true;
    drop_terms(ix);
    return false;
}

/* Term t from was, a term of the last index (sealed): was's postings but those of the
 * changed documents, with t's among them (in post: the changed documents' now); t sealed.
 * was's bytes are copied as they are but from the first posting that changes to the last
 * (no changed document after last_changed), whose numbers are read: a frequent word's
 * 10,000 postings are not taken apart for one page. */
static void
splice_term(term *t, const term *was, const bool *changed, size_t last_changed, arena *a, buf *tmp)
{
    buf_clear(tmp);
    span_writer s = {SERIAL_WRITER(tmp), 0, 0, 0};
    serial_reader r = SERIAL_READER(was->span, was->span_len);
    const unsigned char *run = r.p; /* was's bytes not copied yet, all as they were */
    size_t add = 0;
    int64_t dropped = 0; /* the digits of was's postings that went or were written anew */
    uint32_t in_doc = 0;
    uint32_t next_add = t->n ? t->post[0] >> 2 : UINT32_MAX;
    for (size_t left = was->n; left > 0; left--) {
        const unsigned char *at = r.p;
        size_t v = serial_get_varint(&r);
        uint32_t doc = in_doc + (uint32_t)(v >> 2);
        if (s.doc == in_doc && doc < next_add && !changed[doc]) {
            in_doc = s.doc = doc; /* after the same document as before: the same bytes */
            s.n++;
            if (doc >= last_changed && add == t->n) {
                s.n += left - 1; /* and so are all the others */
                break;
            }
            continue;
        }
        buf_append(tmp, (const char *)run, (size_t)(at - run));
        for (; next_add < doc; next_add = ++add < t->n ? t->post[add] >> 2 : UINT32_MAX)
            span_put(&s, next_add, t->post[add] & 3);
        if (changed[doc]) { /* its posting goes */
            dropped += (int64_t)buf_uint_len(v);
        } else if (s.doc != in_doc) { /* after another document than before */
            dropped += (int64_t)buf_uint_len(v);
            span_put(&s, doc, v & 3);
        } else {
            buf_append(tmp, (const char *)at, (size_t)(r.p - at));
            s.doc = doc;
            s.n++;
        }
        in_doc = doc;
        run = r.p;
    }
    buf_append(tmp, (const char *)run, (size_t)(r.end - run)); /* and after a break the rest */
    for (; add < t->n; add++)
        span_put(&s, t->post[add] >> 2, t->post[add] & 3);
    /* its entry: one comma more a posting, and the digits (nothing when it has none left) */
    t->entry_len =
        (size_t)((int64_t)was->entry_len + (int64_t)s.n - (int64_t)was->n + s.digits - dropped);
    span_end(t, &s, a);
}

/* The sanitizer builds (selfcheck.h) check a spliced term: its postings are its count
 * and fill its span, and its entry is as long as the length planned for it (when it has
 * postings: one without goes). */
static void
check_spliced(const term *t, buf *tmp)
{
    span_reader sr = span_read(t);
    size_t v;
    while (span_next(&sr, &v))
        ;
    buf_clear(tmp);
    put_entry(tmp, t);
    if (!sr.r.ok || sr.r.p != sr.r.end || (t->n && tmp->len != t->entry_len))
        internal_error("search term '%.*s': its spliced postings or entry's length are wrong",
                       (int)t->len, t->text);
}

/* The index of the last build (ix, sealed) updated for the changed documents, whose terms
 * then and now are in was[i] and dts[i]: only the terms either has are made again
 * (dirty), the others stay as the last index's bytes. ix is then what reading every
 * document's terms would have made (terms sorted, none without postings, all sealed). */
static void
update_index(term_index *ix, const bool *changed, const doc_terms *was, const doc_terms *dts,
             size_t n)
{
    term_index dirty = {NULL, 0, NULL, 0, 0, ix->a};
    size_t last_changed = 0;
    for (size_t i = 0; i < n; i++)
        for (int now = 0; changed[i] && now < 2; now++) {
            last_changed = i;
            const doc_terms *dt = now ? &dts[i] : &was[i];
            for (size_t k = 0; k < dt->n; k++)
                find_term(&dirty, dt->text.ptr + dt->terms[k].off, dt->terms[k].len,
                          dt->terms[k].hash);
        }
    /* each dirty term in the last index's place of its own; those it does not have are
     * new, to be merged in */
    term **fresh = xcalloc(dirty.n + 1, sizeof *fresh);
    const term **old = xcalloc(dirty.n + 1, sizeof *old);
    size_t n_fresh = 0;
    for (size_t j = 0; j < dirty.n; j++) {
        term *t = dirty.terms[j];
        term **at = bsearch(&t, ix->terms, ix->n, sizeof *ix->terms, cmp_terms);
        if (at) {
            old[j] = *at;
            *at = t;
        } else {
            fresh[n_fresh++] = t;
        }
    }
    for (size_t i = 0; i < n; i++) { /* the changed documents' postings now */
        const doc_terms *dt = &dts[i];
        for (size_t k = 0; changed[i] && k < dt->n; k++)
            insert_posting(&dirty, dt->text.ptr + dt->terms[k].off, dt->terms[k].len,
                           dt->terms[k].hash, (uint32_t)i, dt->terms[k].field);
    }
    buf tmp = BUF_INIT;
    for (size_t j = 0; j < dirty.n; j++)
        if (old[j]) {
            splice_term(dirty.terms[j], old[j], changed, last_changed, ix->a, &tmp);
            if (SELF_CHECKS)
                check_spliced(dirty.terms[j], &tmp);
        } else
            seal_term(dirty.terms[j], ix->a, &tmp);
    buf_free(&tmp);
    /* the new terms sorted, merged into the last index's order; the empty ones dropped */
    qsort(fresh, n_fresh, sizeof *fresh, cmp_terms);
    term **merged = xcalloc(ix->n + n_fresh + 1, sizeof *merged);
    size_t a = 0, b = 0, m = 0;
    while (a < ix->n || b < n_fresh) {
        bool take_old = b == n_fresh || (a < ix->n && cmp_terms(&ix->terms[a], &fresh[b]) < 0);
        term *t = take_old ? ix->terms[a++] : fresh[b++];
        if (t->n)
            merged[m++] = t;
    }
    free(ix->terms);
    ix->terms = merged;
    ix->cap = ix->n + n_fresh + 1;
    ix->n = m;
    free(fresh);
    free(old);
    free(dirty.terms);
    free(dirty.slots);
}

/* The terms of the changed documents as the last index has them (their records under
 * the keys they had), into was; false when one is not there any more. */
static bool
recall_was(const search_doc *docs, const uint64_t *old_keys, const bool *changed, size_t n,
           const search_memo *memo, doc_terms *was)
{
    for (size_t i = 0; i < n; i++) {
        const void *data;
        size_t len;
        if (changed[i] &&
            !(memo->recall_old(memo->payload, docs[i].url, old_keys[i], &data, &len) &&
              terms_from_bytes(&was[i], data, len, true, false)))
            return false;
    }
    return true;
}

static void
free_doc_terms(doc_terms *dts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        buf_free(&dts[i].text);
        buf_free(&dts[i].snippet);
        free(dts[i].terms);
        free(dts[i].slots);
    }
    free(dts);
}

/* The last index updated for the documents that changed (update_index); false when there
 * is none for these documents or it cannot be used: ix is then empty. */
static bool
index_updated(term_index *ix, const search_doc *docs, size_t n, const char *dir,
              const uint64_t *keys, uint64_t urls, const search_memo *memo, doc_terms *dts,
              const doc_block *blocks, const doc_texts *texts, size_t workers)
{
    const void *last;
    size_t last_len;
    if (!urls || !memo->recall_index(memo->payload, dir, &last, &last_len))
        return false;
    uint64_t *old_keys = xcalloc(n + 1, sizeof *old_keys);
    bool *changed = xcalloc(n + 1, sizeof *changed);
    doc_terms *was = xcalloc(n + 1, sizeof *was);
    bool ok = index_from_bytes(ix, last, last_len, keys, n, urls, old_keys, changed);
    /* before this build's terms: a memo may keep a document's new terms in place of its old */
    if (ok && !recall_was(docs, old_keys, changed, n, memo, was)) {
        drop_terms(ix);
        ok = false;
    }
    if (ok) {
        /* the terms of the documents that changed made again (the others' records give
         * only the snippets of the blocks written again) */
        terms_job job = {docs, dts, memo, 0, keys, blocks, changed, texts};
        pool_run(workers, n, terms_one, &job);
        update_index(ix, changed, was, dts, n);
    }
    free_doc_terms(was, n);
    free(old_keys);
    free(changed);
    return ok;
}

/* Every document's terms into ix, sealed. */
static void
index_whole(term_index *ix, const search_doc *docs, size_t n, const uint64_t *keys,
            const search_memo *memo, doc_terms *dts, const doc_block *blocks,
            const doc_texts *texts, size_t workers)
{
    /* in document order, so every term's postings come sorted; a chunk of pages at a
     * time, whose terms go once merged (all of a 10,000-page site's at once were 60 MiB
     * more at the build's peak), only the snippets staying for the blocks */
    for (size_t first = 0; first < n; first += SEARCH_CHUNK_DOCS) {
        size_t count = n - first < SEARCH_CHUNK_DOCS ? n - first : SEARCH_CHUNK_DOCS;
        terms_job job = {docs + first, dts + first, memo, first, keys ? keys + first : NULL,
                         blocks,       NULL,        texts};
        pool_run(workers, count, terms_one, &job);
        for (size_t i = first; i < first + count; i++) {
            doc_terms *dt = &dts[i];
            for (size_t k = 0; k < dt->n; k++)
                add_posting(ix, dt->text.ptr + dt->terms[k].off, dt->terms[k].len,
                            dt->terms[k].hash, (uint32_t)i, dt->terms[k].field);
            buf_free(&dt->text);
            free(dt->terms);
            dt->terms = NULL;
            dt->n = dt->cap = 0;
        }
    }
    if (ix->n)
        qsort(ix->terms, ix->n, sizeof *ix->terms, cmp_terms);
    buf tmp = BUF_INIT;
    for (size_t i = 0; i < ix->n; i++)
        seal_term(ix->terms[i], ix->a, &tmp);
    buf_free(&tmp);
}

bool
search_write_files(const search_doc *docs, size_t n, const char *dir, size_t workers,
                   const search_memo *memo, const search_fill *fill, search_emit_fn emit,
                   void *payload, diag *d)
{
    doc_texts texts = {fill, fill ? xcalloc(n + 1, 1) : NULL};
    doc_terms *dts = xcalloc(n + 1, sizeof *dts);
    size_t n_blocks = (n + SEARCH_BLOCK_DOCS - 1) / SEARCH_BLOCK_DOCS;
    doc_block *blocks = xcalloc(n_blocks + 1, sizeof *blocks);
    uint64_t *keys = NULL;
    if (memo) { /* the documents' keys, then the blocks they leave as they were */
        keys = xcalloc(n + 1, sizeof *keys);
        keys_job kj = {docs, keys, &texts};
        pool_run(workers, n, key_one, &kj);
        keep_blocks(docs, keys, n, dir, memo, blocks, n_blocks);
    }
    term_index ix = {NULL, 0, NULL, 0, 0, arena_new()};
    progress_items_all(n); /* the progress line counts the pages, not each chunk's */
    bool indexed = memo && memo->recall_index && memo->recall_old;
    uint64_t urls = indexed ? urls_hash(docs, n) : 0;
    if (!index_updated(&ix, docs, n, dir, keys, urls, memo, dts, blocks, &texts, workers))
        index_whole(&ix, docs, n, keys, memo, dts, blocks, &texts, workers);

    buf meta = BUF_INIT;
    buf_printf(&meta, "{\"version\":%d,\"docs\":%zu,\"block\":%d,\"shards\":[",
               SEARCH_FORMAT_VERSION, n, SEARCH_BLOCK_DOCS);
    bool ok = write_shards(&ix, dir, &meta, workers, memo, emit, payload, d);
    buf_puts(&meta, "]}\n");
    ok &= write_blocks(docs, dts, n, dir, blocks, n_blocks, workers, emit, payload, d);
    ok &= emit_file(dir, "meta.json", &meta, 0, SIZE_MAX, emit, payload, d);
    if (urls) { /* last: the terms still in the last index's bytes are read until here */
        buf bytes = BUF_INIT;
        index_to_bytes(&ix, keys, n, urls, &bytes);
        memo->remember_index(memo->payload, dir, &bytes);
    }

    buf_free(&meta);
    free(ix.terms);
    free(ix.slots);
    arena_free(ix.a);
    free_doc_terms(dts, n);
    free(blocks);
    free(keys);
    free(texts.made);
    return ok;
}
