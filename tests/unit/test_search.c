/* SPDX-License-Identifier: MIT
 * test_search.c - the search tokenizer (case, diacritics, full-width forms, Chinese
 * bigrams, Hangul, kana, mixed text, punctuation, invalid UTF-8, long words, empty text)
 * and the index files (meta.json, term shards, document blocks: exact bytes for a small
 * index, shards cut by size and sorted, the same bytes from 1 and 4 threads).
 * With --tokenize it prints, for each line of standard input, the index's tokens and the
 * query's, tab-separated on two lines: tests/search_test.py compares them with search.js. */
#include "harness.h"

#include "files.h"

#include "search.h"
#include "serial.h"
#include "value.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
join_token(const char *tok, size_t len, void *payload)
{
    buf *b = payload;
    if (b->len)
        buf_putc(b, ' ');
    buf_append(b, tok, len);
}

/* the tokens of s, space-separated (in a static buffer, valid until the next call) */
static const char *
tokens(const char *s, bool query)
{
    static buf b = BUF_INIT;
    buf_clear(&b);
    search_tokenize(s, strlen(s), query, join_token, &b);
    return b.ptr;
}

static void
test_tokenizer(void)
{
    STR_EQ(tokens("Émile ZOLA's Café", false), "emile zola s cafe", "case and diacritics folded");
    STR_EQ(tokens("naïve façade Ångström", true), "naive facade angstrom", "Latin marks dropped");
    STR_EQ(tokens("ＡＢＣ１２３ ﬁle ①", false), "abc123 file 1", "compatibility forms (NFKD)");
    STR_EQ(tokens("e\xcc\x81t\xc3\xa9", false), "ete", "a combining mark and a precomposed one");
    STR_EQ(tokens("Straße ΣΟΦΙΑ", false), "straße σοφια", "ß kept, Greek lower-cased");
    STR_EQ(tokens("防雾护目镜", false), "防 雾 防雾 护 雾护 目 护目 镜 目镜",
           "Chinese in the index: characters and bigrams");
    STR_EQ(tokens("防雾护目镜", true), "防雾 雾护 护目 目镜", "Chinese in a query: bigrams only");
    STR_EQ(tokens("镜", true), "镜", "one Chinese character in a query");
    STR_EQ(tokens("3D打印，护目镜。", true), "3d 打印 护目 目镜", "mixed text, CJK punctuation");
    STR_EQ(tokens("COVID-19 (2024) a.b/c", true), "covid 19 2024 a b c", "punctuation splits");
    STR_EQ(tokens("한국어", true), "한국 국어", "Hangul syllables stay whole");
    STR_EQ(tokens("カタカナ", true), "カタ タカ カナ", "katakana");
    STR_EQ(tokens("が", false), "か", "kana voicing mark dropped (NFKD)");
    STR_EQ(tokens("ab\xff"
                  "cd",
                  true),
           "ab cd", "an invalid byte separates");
    STR_EQ(tokens("", true), "", "empty text");
    STR_EQ(tokens("  ,.;  — ", false), "", "only separators");
    STR_EQ(tokens("abcdefghijklmnopqrstuvwxyz0123456789 x", true),
           "abcdefghijklmnopqrstuvwxyz012345 x", "a word is cut at 32 characters");
}

/* {====================================================================
 * the index files
 * ===================================================================== */

/* The number search_emit_fn gives the file at path: 2B for d-B.json, 2B + 1 for f-B.json,
 * shards + K for t-K.json when the shards are numbered (a memo reserved them from shards;
 * else SIZE_MAX), SIZE_MAX for any other. */
static size_t
file_number(const char *path, size_t shards)
{
    const char *name = strrchr(path, '/') + 1;
    if (name[0] == 't' && name[1] == '-')
        return shards == SIZE_MAX ? SIZE_MAX : shards + strtoul(name + 2, NULL, 10);
    if ((name[0] != 'd' && name[0] != 'f') || name[1] != '-')
        return SIZE_MAX;
    return 2 * strtoul(name + 2, NULL, 10) + (name[0] == 'f');
}

/* emits come from the pool's threads, several at once */
static pthread_mutex_t emit_lock = PTHREAD_MUTEX_INITIALIZER;

/* collect_file for search_write_files (the files' keys are not needed), in the order the
 * threads emit them: compare with sorted_files() */
static bool
collect_search(void *payload, const char *path, const char *data, size_t len, uint64_t key,
               size_t file, diag *d)
{
    pthread_mutex_lock(&emit_lock); /* the pool's threads: the harness's counts are not atomic */
    OK(file == file_number(path, SIZE_MAX) && (key == 0 || file != SIZE_MAX),
       "%s: emitted as file %zu with key %llx", path, file, (unsigned long long)key);
    bool ok = collect_file(payload, path, data, len, d);
    pthread_mutex_unlock(&emit_lock);
    return ok;
}

static char *sorted_files(const files *f);

static void
test_small_index(void)
{
    const char *metas[] = {"Zhou Jiaxin\n麻醉科"};
    search_doc docs[] = {
        {"/p/a/", "Anti-fog goggles", "projects", "Goggles that stay clear.", metas, 1,
         "<p>Goggles that stay clear.</p>\n<p>A <em>fog</em> test &amp; more.</p>\n", 0, 0},
        {"/n/b/", "News <b>", "news", NULL, NULL, 0, "<p>Fog in the ward.</p>", 0, 0},
    };
    files f = {BUF_INIT, 0};
    diag *d = diag_new();
    OK(search_write_files(docs, 2, "search/en/", 1, NULL, NULL, collect_search, &f, d),
       "small index written");
    INT_EQ(f.n, 4, "one shard, one block and its text block, meta.json");
    STR_EQ(file_of(&f, "search/en/meta.json"),
           "{\"version\":2,\"docs\":2,\"block\":10,\"shards\":[\"a\"]}\n", "meta.json");
    STR_EQ(file_of(&f, "search/en/t-0.json"),
           "{\"a\":[1],\"anti\":[3],\"b\":[7],\"clear\":[2],\"fog\":[3,5],\"goggles\":[3],"
           "\"in\":[5],\"jiaxin\":[2],\"more\":[1],\"news\":[7],\"stay\":[2],\"test\":[1],"
           "\"that\":[2],\"the\":[5],\"ward\":[5],\"zhou\":[2],\"科\":[2],\"醉\":[2],\"醉科\":[2],"
           "\"麻\":[2],\"麻醉\":[2]}\n",
           "postings: (doc delta) * 4 + best field, terms in byte order");
    STR_EQ(file_of(&f, "search/en/d-0.json"),
           "[{\"url\":\"/p/a/\",\"title\":\"Anti-fog goggles\",\"section\":\"projects\","
           "\"text\":\"Goggles that stay clear. A fog test & more.\"},\n"
           "{\"url\":\"/n/b/\",\"title\":\"News \\u003cb>\",\"section\":\"news\","
           "\"text\":\"Fog in the ward.\"}]\n",
           "document block: snippet without the summary twice, JSON-escaped");
    STR_EQ(file_of(&f, "search/en/f-0.json"),
           "[\"Goggles that stay clear. A fog test & more.\",\n\"Fog in the ward.\"]\n",
           "text block: the same texts (short ones whole in both)");
    buf_free(&f.all);
    diag_free(d);
}

/* A long text: its first SEARCH_SNIPPET_CHARS characters in the document block, up to
 * SEARCH_TEXT_CHARS in the text block (characters, not bytes: 中 is three bytes). */
static void
test_long_text(void)
{
    buf html = BUF_INIT, want = BUF_INIT;
    buf_puts(&html, "<p>");
    for (size_t i = 0; i < SEARCH_TEXT_CHARS + 100; i++)
        buf_puts(&html, i == 1000 ? "\xe4\xb8\xad" : "x"); /* 中 at character 1000 */
    buf_puts(&html, "</p>");
    search_doc doc = {"/p/", "T", "projects", NULL, NULL, 0, html.ptr, 0, 0};
    files f = {BUF_INIT, 0};
    diag *d = diag_new();
    OK(search_write_files(&doc, 1, "s/", 1, NULL, NULL, collect_search, &f, d),
       "long index written");
    const char *found = file_of(&f, "s/d-0.json"); /* file_of's buffer is reused */
    char *block = found ? strdup(found) : NULL;
    const char *texts = file_of(&f, "s/f-0.json");
    const char *bt = block ? strstr(block, "\"text\":\"") : NULL;
    OK(bt && strspn(bt + 8, "x") == SEARCH_SNIPPET_CHARS && bt[8 + SEARCH_SNIPPET_CHARS] == '"',
       "the document block: the first 480 characters");
    buf_puts(&want, "[\"");
    for (size_t i = 0; i < SEARCH_TEXT_CHARS; i++)
        buf_puts(&want, i == 1000 ? "\xe4\xb8\xad" : "x");
    buf_puts(&want, "\"]\n");
    OK(texts && strcmp(texts, want.ptr) == 0,
       "the text block: 20,000 characters, the 中 among them");
    free(block);
    buf_free(&f.all);
    buf_free(&html);
    buf_free(&want);
    diag_free(d);
}

/* n pages of distinct words, so that the terms fill several shards */
static void
test_shards(void)
{
    enum { N = 1100 }; /* three chunks of SEARCH_CHUNK_DOCS (512) */
    static char bodies[N][400];
    search_doc docs[N];
    for (int i = 0; i < N; i++) {
        int len = 0;
        for (int k = 0; k < 20; k++)
            len += snprintf(bodies[i] + len, sizeof bodies[i] - (size_t)len, "w%05d ", i * 20 + k);
        docs[i] = (search_doc){"/x/", "t", "", NULL, NULL, 0, bodies[i], 0, 0};
    }
    files one = {BUF_INIT, 0}, four = {BUF_INIT, 0};
    diag *d = diag_new();
    OK(search_write_files(docs, N, "s/", 1, NULL, NULL, collect_search, &one, d),
       "big index written");
    OK(search_write_files(docs, N, "s/", 4, NULL, NULL, collect_search, &four, d),
       "big index, 4 threads");
    char *one_text = sorted_files(&one), *four_text = sorted_files(&four);
    OK(strcmp(one_text, four_text) == 0, "the same files from 1 and 4 threads");
    free(one_text);
    free(four_text);
    OK(file_of(&one, "s/d-109.json") && !file_of(&one, "s/d-110.json"), "110 blocks of 10 pages");
    /* the last page's own word, and the title word of every page across the chunks */
    OK(strstr(one.all.ptr, "\"w21999\":[4397]"), "the last page's word: (1099 << 2) + body");
    const char *t0 = file_of(&one, "s/t-0.json");
    OK(t0 && strncmp(t0, "{\"t\":[3,7,7,", 11) == 0 && strstr(t0, "7,7]") &&
           (size_t)(strstr(t0, "]") - t0) == 5 + 2 * N,
       "a title word in every page, through every chunk: 3 then 1100 - 1 times 7");
    const char *meta = file_of(&one, "s/meta.json");
    OK(meta && strstr(meta, "\"shards\":[\"t\",\"w0"), "meta lists the shards' first terms");
    /* every shard below the cut size plus one term, and starting with its listed term */
    int shards = 0;
    char name[32], first[64];
    for (;; shards++) {
        snprintf(name, sizeof name, "s/t-%d.json", shards);
        const char *t = file_of(&one, name);
        if (!t)
            break;
        OK(strlen(t) < SEARCH_SHARD_BYTES + 64, "%s is about the cut size", name);
        snprintf(first, sizeof first, "{\"%s", shards == 0 ? "t\"" : "w");
        OK(strncmp(t, first, strlen(first)) == 0, "%s starts with a term", name);
    }
    OK(shards >= 3, "22000 terms fill several shards (%d)", shards);
    buf_free(&one.all);
    buf_free(&four.all);
    diag_free(d);
}

/* A memo of the documents' terms in memory, as memo.c keeps them in the cache. */
#define KEPT_DOCS 256 /* documents a test's memo holds */

typedef struct kept {
    char url[KEPT_DOCS][32];
    uint64_t key[KEPT_DOCS];
    buf data[KEPT_DOCS];
    size_t n;
    atomic_size_t recalled, remembered;
} kept;

static bool
kept_recall(void *payload, size_t i, const char *url, uint64_t key, const void **data, size_t *len)
{
    (void)i;
    kept *k = payload;
    for (size_t j = 0; j < k->n; j++)
        if (strcmp(k->url[j], url) == 0 && k->key[j] == key) {
            *data = k->data[j].ptr;
            *len = k->data[j].len;
            atomic_fetch_add(&k->recalled, 1);
            return true;
        }
    return false;
}

static void
kept_remember(void *payload, size_t i, const char *url, uint64_t key, buf *data)
{
    kept *k = payload;
    snprintf(k->url[i], sizeof k->url[i], "%s", url); /* one call: place i is the document's */
    k->key[i] = key;
    buf_free(&k->data[i]);
    k->data[i] = *data;
    *data = (buf)BUF_INIT;
    if (k->n <= i)
        k->n = i + 1;
    atomic_fetch_add(&k->remembered, 1);
}

/* The files of a memo test's builds: without the memo, with it (first and again), then
 * after an edit with it and without. */
typedef struct memo_runs {
    files plain, first, again, edited, edited_plain;
} memo_runs;
#define MEMO_RUNS_INIT                                              \
    {                                                               \
        {BUF_INIT, 0}, {BUF_INIT, 0}, {BUF_INIT, 0}, {BUF_INIT, 0}, \
        {                                                           \
            BUF_INIT, 0                                             \
        }                                                           \
    }

/* The runs wrote the same files with the memo as without, before and after the edit, and
 * the edit's word is in the index; then their files and k's records are freed. */
static void
check_runs(memo_runs *r, kept *k, const char *what, const char *word)
{
    char *plain = sorted_files(&r->plain), *first = sorted_files(&r->first),
         *again = sorted_files(&r->again), *edited = sorted_files(&r->edited),
         *edited_plain = sorted_files(&r->edited_plain);
    OK(strcmp(plain, first) == 0 && strcmp(plain, again) == 0,
       "%s: the same files, with or without it", what);
    OK(strcmp(edited, edited_plain) == 0 && strstr(edited, word), "%s: the edit is in the index",
       what);
    char *texts[] = {plain, first, again, edited, edited_plain};
    files *all[] = {&r->plain, &r->first, &r->again, &r->edited, &r->edited_plain};
    for (size_t i = 0; i < 5; i++) {
        free(texts[i]);
        buf_free(&all[i]->all);
    }
    for (size_t i = 0; i < k->n; i++)
        buf_free(&k->data[i]);
}

/* terms remembered and recalled give the same files; a changed page is tokenized again */
static void
test_memo(void)
{
    const char *bodies[] = {"<p>Goggles, 防雾护目镜.</p>", "<p>A drain.</p>", "<p>Fog.</p>"};
    search_doc docs[3];
    for (int i = 0; i < 3; i++)
        docs[i] = (search_doc){
            i == 0 ? "/a/" : i == 1 ? "/b/" : "/c/", "Title", "p", "Sum", NULL, 0, bodies[i], 0, 0};
    kept k = {0};
    search_memo memo = {.recall = kept_recall, .remember = kept_remember, .payload = &k};
    memo_runs r = MEMO_RUNS_INIT;
    diag *d = diag_new();
    OK(search_write_files(docs, 3, "s/", 1, NULL, NULL, collect_search, &r.plain, d) &&
           search_write_files(docs, 3, "s/", 2, &memo, NULL, collect_search, &r.first, d),
       "memo: written");
    INT_EQ(atomic_load(&k.remembered), 3, "memo: every document's terms remembered");
    OK(search_write_files(docs, 3, "s/", 2, &memo, NULL, collect_search, &r.again, d),
       "memo: again");
    INT_EQ(atomic_load(&k.recalled), 3, "memo: every document's terms recalled");
    docs[1].body_html = "<p>A drain and a valve.</p>";
    OK(search_write_files(docs, 3, "s/", 2, &memo, NULL, collect_search, &r.edited, d) &&
           search_write_files(docs, 3, "s/", 1, NULL, NULL, collect_search, &r.edited_plain, d),
       "memo: an edit");
    INT_EQ(atomic_load(&k.recalled), 5, "memo: the unchanged documents recalled");
    INT_EQ(atomic_load(&k.remembered), 4, "memo: the edited one tokenized again");
    check_runs(&r, &k, "memo", "\"valve\"");
    diag_free(d);
}

/* search_fill: the texts of the documents made when the index reads them, from full */
typedef struct filler {
    search_doc *docs;
    const search_doc *full;
    atomic_size_t calls;
} filler;

static void
fill_texts(size_t i, size_t worker, void *payload)
{
    (void)worker;
    filler *f = payload;
    f->docs[i].summary = f->full[i].summary;
    f->docs[i].metas = f->full[i].metas;
    f->docs[i].n_metas = f->full[i].n_metas;
    f->docs[i].body_html = f->full[i].body_html;
    atomic_fetch_add(&f->calls, 1);
}

/* Documents with only their URL, title, section and source, as build.c gives them. */
static void
heads_only(search_doc *docs, const search_doc *full, size_t n)
{
    for (size_t i = 0; i < n; i++)
        docs[i] = (search_doc){.url = full[i].url,
                               .title = full[i].title,
                               .section = full[i].section,
                               .source = full[i].source};
}

/* documents with a source: their texts are made only when their terms are not remembered
 * (and a document without one, to make its key), and the files are those of the whole
 * documents */
static void
test_fill(void)
{
    const char *metas[] = {"cardiology"};
    search_doc full[3] = {
        {"/a/", "Goggles", "p", "Sum", metas, 1, "<p>Anti-fog 护目镜.</p>", 0, 11},
        {"/b/", "Drain", "p", NULL, NULL, 0, "<p>A drain.</p>", 0, 22},
        {"/c/", "Fog", "p", NULL, NULL, 0, "<p>Fog.</p>", 0, 0}, /* no source */
    };
    search_doc docs[3];
    filler fl = {docs, full, 0};
    search_fill fill = {fill_texts, &fl};
    kept k = {0};
    search_memo memo = {.recall = kept_recall, .remember = kept_remember, .payload = &k};
    memo_runs r = MEMO_RUNS_INIT;
    diag *d = diag_new();
    OK(search_write_files(full, 3, "s/", 1, NULL, NULL, collect_search, &r.plain, d),
       "fill: whole documents");
    heads_only(docs, full, 3);
    OK(search_write_files(docs, 3, "s/", 2, &memo, &fill, collect_search, &r.first, d),
       "fill: first build");
    INT_EQ(atomic_load(&fl.calls), 3, "fill: every document's texts made once");
    heads_only(docs, full, 3);
    atomic_store(&fl.calls, 0);
    OK(search_write_files(docs, 3, "s/", 2, &memo, &fill, collect_search, &r.again, d),
       "fill: again");
    INT_EQ(atomic_load(&fl.calls), 1, "fill: only the texts of the document without a source");
    full[1].body_html = "<p>A drain and a valve.</p>";
    full[1].source = 23;
    heads_only(docs, full, 3);
    atomic_store(&fl.calls, 0);
    OK(search_write_files(docs, 3, "s/", 2, &memo, &fill, collect_search, &r.edited, d) &&
           search_write_files(full, 3, "s/", 1, NULL, NULL, collect_search, &r.edited_plain, d),
       "fill: an edit");
    INT_EQ(atomic_load(&fl.calls), 2, "fill: the edited document's texts, and the sourceless");
    check_runs(&r, &k, "fill", "\"valve\"");
    diag_free(d);
}

/* An output folder over builds, as the build's output and memo keep files: the files of
 * the last build (path, the key they were emitted with, bytes) and those of this one,
 * written or kept. */
typedef struct shelf {
    char path[2][64][32];
    uint64_t key[2][64];
    buf data[2][64];
    size_t n[2];
    int now;      /* this build's side, 1 - now the last build's */
    size_t kept;  /* files kept this build */
    bool lose_d2; /* d-2.json was deleted since the last build */
    kept terms;   /* the documents' terms */
    buf index;    /* the last build's whole index, when has_index */
    bool has_index;
    void (*damage)(buf *index); /* done to the index before the next build reads it */
} shelf;

/* Where the shelf's memo numbers the shards from (after the blocks of every test) */
#define SHELF_SHARDS 100

static size_t
shelf_reserve(void *payload, size_t n)
{
    (void)payload;
    OK(n > 0 && n < 10, "places for the shards: %zu", n);
    return SHELF_SHARDS;
}

static void
shelf_put(shelf *sh, const char *path, uint64_t key, const char *data, size_t len)
{
    size_t i = sh->n[sh->now]++;
    snprintf(sh->path[sh->now][i], sizeof sh->path[0][0], "%s", path);
    sh->key[sh->now][i] = key;
    buf_clear(&sh->data[sh->now][i]);
    buf_append(&sh->data[sh->now][i], data, len);
}

static bool
shelf_emit(void *payload, const char *path, const char *data, size_t len, uint64_t key, size_t file,
           diag *d)
{
    (void)d;
    pthread_mutex_lock(&emit_lock); /* the pool's threads: the harness's counts are not atomic */
    OK((key != 0) == (file != SIZE_MAX) && file == file_number(path, SHELF_SHARDS),
       "%s: a key and a number for a block's or a shard's file, none for meta.json", path);
    shelf_put(payload, path, key, data, len);
    pthread_mutex_unlock(&emit_lock);
    return true;
}

static bool
shelf_keep(void *payload, const char *path, uint64_t key, size_t file)
{
    OK(file == file_number(path, SHELF_SHARDS), "%s: kept as file %zu", path, file);
    shelf *sh = payload;
    int last = 1 - sh->now;
    for (size_t i = 0; i < sh->n[last]; i++)
        if (strcmp(sh->path[last][i], path) == 0 && key && sh->key[last][i] == key &&
            !(sh->lose_d2 && strstr(path, "d-2.json"))) {
            shelf_put(sh, path, key, sh->data[last][i].ptr, sh->data[last][i].len);
            sh->kept++;
            return true;
        }
    return false;
}

static bool
shelf_recall(void *payload, size_t i, const char *url, uint64_t key, const void **data, size_t *len)
{
    return kept_recall(&((shelf *)payload)->terms, i, url, key, data, len);
}

static void
shelf_remember(void *payload, size_t i, const char *url, uint64_t key, buf *data)
{
    kept_remember(&((shelf *)payload)->terms, i, url, key, data);
}

/* The document's terms the last build remembered (kept_remember replaces them only when
 * they change, after this is asked), not counted as recalled. */
static bool
shelf_recall_old(void *payload, const char *url, uint64_t key, const void **data, size_t *len)
{
    const kept *k = &((shelf *)payload)->terms;
    for (size_t j = 0; j < k->n; j++)
        if (strcmp(k->url[j], url) == 0 && k->key[j] == key) {
            *data = k->data[j].ptr;
            *len = k->data[j].len;
            return true;
        }
    return false;
}

static bool
shelf_recall_index(void *payload, const char *dir, const void **data, size_t *len)
{
    shelf *sh = payload;
    OK(strcmp(dir, "s/") == 0, "the index of s/");
    if (sh->damage && sh->has_index)
        sh->damage(&sh->index);
    sh->damage = NULL;
    *data = sh->index.ptr;
    *len = sh->index.len;
    return sh->has_index;
}

static void
shelf_remember_index(void *payload, const char *dir, buf *data)
{
    (void)dir;
    shelf *sh = payload;
    buf_free(&sh->index);
    sh->index = *data;
    *data = (buf)BUF_INIT;
    sh->has_index = true;
}

static void
shelf_free(shelf *sh)
{
    for (int side = 0; side < 2; side++)
        for (size_t i = 0; i < 64; i++)
            buf_free(&sh->data[side][i]);
    for (size_t i = 0; i < sh->terms.n; i++)
        buf_free(&sh->terms.data[i]);
    buf_free(&sh->index);
    free(sh);
}

/* Files as one text ("== path\n" and the bytes of each) in path order, to compare. */
typedef struct entry {
    const char *path, *data;
    size_t len;
} entry;

static int
cmp_entries(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->path, ((const entry *)b)->path);
}

static char *
sorted_text(entry *e, size_t n)
{
    qsort(e, n, sizeof *e, cmp_entries);
    buf all = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        buf_printf(&all, "== %s\n", e[i].path);
        buf_append(&all, e[i].data, e[i].len);
    }
    return buf_detach(&all);
}

/* One build of docs into sh: its files, written or kept. */
static char *
shelf_build(shelf *sh, const search_doc *docs, size_t n)
{
    sh->now = 1 - sh->now;
    for (size_t i = 0; i < sh->n[sh->now]; i++)
        buf_free(&sh->data[sh->now][i]);
    sh->n[sh->now] = 0;
    sh->kept = 0;
    search_memo memo = {shelf_recall,       shelf_remember,       shelf_keep,       shelf_reserve,
                        shelf_recall_index, shelf_remember_index, shelf_recall_old, sh};
    diag *d = diag_new();
    OK(search_write_files(docs, n, "s/", 2, &memo, NULL, shelf_emit, sh, d), "shelf build");
    diag_free(d);
    entry e[64];
    for (size_t i = 0; i < sh->n[sh->now]; i++)
        e[i] = (entry){sh->path[sh->now][i], sh->data[sh->now][i].ptr, sh->data[sh->now][i].len};
    return sorted_text(e, sh->n[sh->now]);
}

/* The files f collected, in path order. */
static char *
sorted_files(const files *f)
{
    size_t cap = f->n + 1, k = 0;
    entry *e = xcalloc(cap, sizeof *e);
    char *copy = f->all.ptr ? xstrdup(f->all.ptr) : NULL; /* cut up below */
    for (char *p = copy; p && *p && k < cap;) {           /* "== path\n" bytes, ... */
        char *nl = strchr(p, '\n');
        char *next = strstr(nl, "\n== ");
        next = next ? next + 1 : nl + strlen(nl);
        *nl = '\0';
        e[k++] = (entry){p + 3, nl + 1, (size_t)(next - nl - 1)};
        p = next;
    }
    char *text = sorted_text(e, k);
    free(e);
    free(copy);
    return text;
}

/* The files of the same index written whole. */
static char *
plain_build(const search_doc *docs, size_t n)
{
    files f = {BUF_INIT, 0};
    diag *d = diag_new();
    OK(search_write_files(docs, n, "s/", 1, NULL, NULL, collect_search, &f, d), "plain build");
    diag_free(d);
    char *text = sorted_files(&f);
    buf_free(&f.all);
    return text;
}

/* A build of docs[0..n) into sh keeps n_kept files and gives the files of an index
 * written whole (holding `has`, when not NULL). */
static void
expect_build(shelf *sh, const search_doc *docs, size_t n, size_t n_kept, const char *what,
             const char *has)
{
    char *got = shelf_build(sh, docs, n), *want = plain_build(docs, n);
    INT_EQ(sh->kept, n_kept, what);
    STR_EQ(got, want, what);
    OK(!has || strstr(got, has), "%s: the files hold %s", what, has ? has : "");
    free(got);
    free(want);
}

/* Damages to a remembered index (see search.c's index_to_bytes) */
static void
cut_index(buf *index)
{
    index->len -= 3;
}

/* A reader over the index at its first term (after the URLs' hash, the count, the keys
 * and the number of terms). */
static serial_reader
at_first_term(const buf *index)
{
    serial_reader r = SERIAL_READER(index->ptr, index->len);
    serial_get_u64(&r);
    size_t n = serial_get_varint(&r);
    for (size_t i = 0; i < n; i++)
        serial_get_u64(&r);
    serial_get_varint(&r);
    return r;
}

/* where the first term's first posting is (one byte: documents below 32) */
static size_t
first_posting_at(const buf *index)
{
    serial_reader r = at_first_term(index);
    size_t len;
    serial_get_bytes(&r, &len); /* its text */
    serial_get_varint(&r);      /* its postings */
    serial_get_varint(&r);      /* its entry's length */
    return (size_t)((const char *)r.p - index->ptr);
}

static void
bad_doc_index(buf *index) /* the first term's first posting names document 31 of 25 */
{
    index->ptr[first_posting_at(index)] = (char)(31 << 2 | 1);
}

static void
field_index(buf *index) /* the first term's first posting in another field: still valid */
{
    char *p = &index->ptr[first_posting_at(index)];
    *p = (char)((*p & ~3) | ((*p & 3) == 1 ? 2 : 1));
}

static void
unsorted_index(buf *index) /* the first term's first byte after every other */
{
    serial_reader r = at_first_term(index);
    serial_get_varint(&r); /* the text's length */
    index->ptr[(const char *)r.p - index->ptr] = '~';
}

/* Blocks whose documents did not change are kept as the last build wrote them: both
 * files, without being made again; an edited document's block is written again, and a
 * block whose file is gone too. Every build gives the files of an index written whole. */
static void
test_blocks_kept(void)
{
    enum { N = 25 }; /* blocks 0 and 1 of ten documents, block 2 of five */
    static char urls[N][16], bodies[N][64];
    search_doc docs[N];
    for (int i = 0; i < N; i++) {
        snprintf(urls[i], sizeof urls[i], "/p/%d/", i);
        snprintf(bodies[i], sizeof bodies[i], "<p>Page %d, words w%d.</p>", i, i);
        docs[i] = (search_doc){urls[i], "Title", "projects", NULL, NULL, 0, bodies[i], 0, 0};
    }
    shelf *sh = calloc(1, sizeof *sh);
    expect_build(sh, docs, N, 0, "the first build: every file written", NULL);
    OK(sh->has_index, "the whole index is remembered");
    expect_build(sh, docs, N, 7,
                 "the same documents: the three blocks' six files and the shard kept", NULL);
    INT_EQ(sh->n[sh->now], 6 + 2, "every file again, only meta.json written");
    /* a page restored from the cache comes with its HTML's hash (search_doc.body_hash):
     * the same documents, the same keys */
    for (int i = 0; i < N; i++)
        docs[i].body_hash = value_string_hash(bodies[i], strlen(bodies[i]));
    expect_build(sh, docs, N, 7, "the HTML's hashes given: the same keys, every file kept", NULL);
    for (int i = 0; i < N; i++)
        docs[i].body_hash = 0;
    size_t tokenized = atomic_load(&sh->terms.remembered);
    /* "w12" goes (no other page has it), "new" comes: the last index updated */
    snprintf(bodies[12], sizeof bodies[12], "<p>Page 12, new words.</p>");
    expect_build(sh, docs, N, 4, "an edit in block 1: blocks 0 and 2 kept", "new words");
    INT_EQ(atomic_load(&sh->terms.remembered), tokenized + 1, "only the edited page tokenized");
    snprintf(bodies[12], sizeof bodies[12], "<p>Page 12, words w12 w3 w0.</p>");
    snprintf(bodies[20], sizeof bodies[20], "<p>Page 20, new words, title.</p>");
    expect_build(sh, docs, N, 2, "two edits: a term back, a posting before others", "\"w12\"");
    INT_EQ(atomic_load(&sh->terms.remembered), tokenized + 3, "only the two edited pages");
    /* an index that does not decode, or is out of order, is not used: the files are right */
    void (*damages[])(buf *) = {cut_index, bad_doc_index, unsorted_index};
    for (size_t k = 0; k < sizeof damages / sizeof *damages; k++) {
        sh->damage = damages[k];
        snprintf(bodies[5], sizeof bodies[5], "<p>Page 5, damage %zu.</p>", k);
        expect_build(sh, docs, N, 4, "a damaged last index: not used", "damage");
    }
    /* the last index is what the next build starts from: a posting changed in it (which
     * the cache's record hash would refuse) shows in the files */
    sh->damage = field_index;
    char *got = shelf_build(sh, docs, N), *want = plain_build(docs, N);
    OK(strcmp(got, want) != 0, "the last index is used, not every page's terms");
    free(got);
    free(want);
    /* with an edit too: the terms page 7 did not and does not have stay the last index's
     * bytes (the damaged term "0" is page 0's), the others are made again */
    sh->has_index = false;
    expect_build(sh, docs, N, 6, "a new index: the shard written again", NULL);
    sh->damage = field_index;
    snprintf(bodies[7], sizeof bodies[7], "<p>Page 7, other words.</p>");
    got = shelf_build(sh, docs, N);
    want = plain_build(docs, N);
    OK(strcmp(got, want) != 0, "an edit: the terms it does not touch are the last index's");
    OK(strstr(got, "\"other\":[") && !strstr(got, "\"w7\":["), "an edit: its terms made again");
    free(got);
    free(want);
    sh->has_index = false;
    expect_build(sh, docs, N, 6, "without a last index: every page's terms", NULL);
    docs[3].url = "/p/three/"; /* another URL, the same page: the same terms and postings */
    expect_build(sh, docs, N, 5, "a page's new URL: its block written again, the shard kept",
                 "/p/three/");
    sh->lose_d2 = true;
    expect_build(sh, docs, N, 6, "d-2.json gone since: written again, f-2.json and the shard kept",
                 NULL);
    sh->lose_d2 = false;
    expect_build(sh, docs, N - 1, 4, "a page less in block 2: blocks 0 and 1 kept", NULL);

    shelf_free(sh);
}

/* The term shards (t-K.json) of the build sh made last. */
static size_t
shelf_shards(const shelf *sh)
{
    size_t n = 0;
    for (size_t i = 0; i < sh->n[sh->now]; i++)
        n += strstr(sh->path[sh->now][i], "/t-") != NULL;
    return n;
}

/* A shard made from the same terms with the same postings as the last build's is kept;
 * a word added at the end of the index changes only the last shard (or starts one). */
static void
test_shards_kept(void)
{
    enum { N = 25, WORDS = 300 }; /* 7,500 terms: three shards of 32 KB or so */
    static char urls[N][16], bodies[N][WORDS * 8 + 64];
    search_doc docs[N];
    for (int i = 0; i < N; i++) {
        snprintf(urls[i], sizeof urls[i], "/p/%d/", i);
        int len = 0;
        for (int k = 0; k < WORDS; k++)
            len +=
                snprintf(bodies[i] + len, sizeof bodies[i] - (size_t)len, "w%05d ", i * WORDS + k);
        docs[i] = (search_doc){urls[i], "Title", "projects", NULL, NULL, 0, bodies[i], 0, 0};
    }
    shelf *sh = calloc(1, sizeof *sh);
    expect_build(sh, docs, N, 0, "many terms: every file written", NULL);
    size_t shards = shelf_shards(sh);
    OK(shards >= 3, "7,500 terms in several shards (%zu)", shards);
    expect_build(sh, docs, N, 6 + shards, "the same documents: every block and shard kept", NULL);
    strcat(bodies[24], " zzzz"); /* after every other term; page 24 is in block 2 */
    char *got = shelf_build(sh, docs, N), *want = plain_build(docs, N);
    STR_EQ(got, want, "a last word added: the files of an index written whole");
    INT_EQ(sh->kept, 4 + shelf_shards(sh) - 1,
           "a last word added: blocks 0 and 1 and every shard but the last kept");
    free(got);
    free(want);
    shelf_free(sh);
}

/* Words of page i for edit round r: word k of the list in about one page of 1 + k * k / 2,
 * so that frequent words have postings one after the other and rare ones postings many
 * pages apart (varints of two bytes, numbers of three digits). */
static void
random_body(char *out, size_t cap, int i, int r)
{
    static const char *words[] = {"valve",  "stent",   "sensor", "pump", "catheter", "splint",
                                  "needle", "monitor", "护目镜", "导管", "clip",     "mask"};
    uint32_t x = (uint32_t)(i * 2654435761u) ^ (uint32_t)(r * 40503u + 1);
    int len = snprintf(out, cap, "<p>p%d", i);
    for (size_t k = 0; k < sizeof words / sizeof *words; k++) {
        x = x * 1103515245u + 12345u;
        if ((x >> 16) % (1 + k * k / 2) == 0)
            len += snprintf(out + len, cap - (size_t)len, " %s", words[k]);
    }
    snprintf(out + len, cap - (size_t)len, "</p>");
}

/* Edits of one to three pages at a time over a last index of 250 pages: every build's
 * files are those of the index written whole (the terms they touch spliced into the last
 * index's postings, the others its bytes). */
static void
test_index_edits(void)
{
    enum { N = 250, ROUNDS = 40 };
    static char urls[N][16], bodies[N][160];
    search_doc docs[N];
    for (int i = 0; i < N; i++) {
        snprintf(urls[i], sizeof urls[i], "/p/%d/", i);
        random_body(bodies[i], sizeof bodies[i], i, 0);
        docs[i] = (search_doc){urls[i], "Title", "projects", NULL, NULL, 0, bodies[i], 0, 0};
    }
    shelf *sh = calloc(1, sizeof *sh);
    bool same = true;
    uint32_t x = 7;
    for (int r = 0; r <= ROUNDS && same; r++) {
        for (int e = 0; r > 0 && e < 1 + r % 3; e++) {
            x = x * 1103515245u + 12345u;
            int i = r % 5 == 0 ? (e ? N - 1 : 0) : (int)((x >> 16) % N); /* the ends too */
            if (r % 7 == 3)
                snprintf(bodies[i], sizeof bodies[i], "<p>p%d</p>", i); /* its words gone */
            else
                random_body(bodies[i], sizeof bodies[i], i, r);
        }
        char *got = shelf_build(sh, docs, N), *want = plain_build(docs, N);
        same = strcmp(got, want) == 0;
        OK(same, "edit round %d: the files of the index written whole", r);
        free(got);
        free(want);
    }
    OK(sh->has_index, "the index is remembered");
    shelf_free(sh);
}

/* --tokenize: what tests/search_test.py compares with search.js */
static int
print_tokens(void)
{
    char line[4096];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        for (int q = 0; q < 2; q++) {
            buf b = BUF_INIT;
            search_tokenize(line, strlen(line), q, join_token, &b);
            printf("%s\n", b.ptr);
            buf_free(&b);
        }
    }
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--tokenize") == 0)
        return print_tokens();
    test_tokenizer();
    test_small_index();
    test_long_text();
    test_shards();
    test_memo();
    test_fill();
    test_blocks_kept();
    test_shards_kept();
    test_index_edits();
    return harness_done();
}
