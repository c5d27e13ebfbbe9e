/* SPDX-License-Identifier: MIT
 * memo.c - what a build takes from the last one and keeps for the next (see memo.h and
 * generator/README.md, "Incremental builds"): the records "inputs" and "files" (nothing
 * changed at all), "salt", "plugins", "content/<page>", "generate", "render-fingerprint"
 * and "render/<output>", each with the key its pass checks. Part of the build pass. */
#include "memo.h"

#include "buf.h"
#include "cache.h"
#include "fs.h"
#include "hash.h"
#include "inputs.h"
#include "plugin.h"
#include "pool.h"
#include "selfcheck.h"
#include "serial.h"
#include "sitereads.h"
#include "strtab.h"
#include "xalloc.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* One file's rules diagnostics (the "rules" record): made under key at instant made,
 * holding until until; diags are their bytes (serial_put_diags), borrowed from the last
 * build's record or owned (xmalloc'd) when owned is set. */
typedef struct rules_entry {
    const char *path; /* NULL: none for this file */
    uint64_t key;
    int64_t made, until;
    const char *diags;
    size_t len;
    bool owned;
} rules_entry;

struct memo {
    const build_options *opt;
    /* the inputs' fingerprint (memo_unchanged): what it reads, and its thread */
    const config *cfg;
    const char *theme, *datadir;
    pthread_t fingerprinter;
    bool fingerprinting;
    buf path;          /* the cache file */
    cache *prev;       /* the last build's records, or NULL; values read from it point into
                        * it (serial_get_text), so it is freed by memo_close, at the end */
    bool prev_stale;   /* a commit failed half-way: prev no longer says what the output is */
    cache_next *next;  /* this build's */
    uint64_t inputs;   /* inputs_key() of this build */
    inputs_seen *seen; /* the files under content/ as inputs_key() found them (the loads') */
    /* page loads: the callbacks, what the schema files are (their metadata), the place of
     * file 0's record, how many were restored */
    site_load_memo loads;
    uint64_t schema_files;
    size_t first_file;
    atomic_size_t loaded;
    atomic_size_t unread; /* of those, by their metadata (recall_unread) */
    /* the rules' diagnostics: the last build's by path, and this build's by file */
    strtab prev_rules;
    rules_entry *prev_rule_entries, *rule_entries;
    buf prev_rules_bytes; /* the last build's record, in one piece: prev_rules point into it */
    size_t n_rules;
    atomic_size_t rules_restored;
    /* Markdown: the callbacks, the place of page 0's record, how many were restored */
    site_content_memo content;
    size_t first_page;
    search_memo search; /* the current search_write_files() call's */
    size_t first_search;
    size_t first_search_file;
    output *search_out; /* where it keeps the files of its unchanged blocks */
    atomic_size_t restored;
    /* renders: prev when its renders were made as this build's are, else NULL; the place
     * of output 0's record */
    const cache *renders;
    size_t first_output;
    sitereads *site_reads; /* the renders' reads of `site`, by group */
    /* plugins_key() of this build, when computed: the generate key builds on it */
    uint64_t plugins_key;
    bool plugins_keyed;
    /* page hooks: the callbacks, the program and plugins' hash, the place of the current
     * plugin's page 0 record, each page's hash (recall makes it, remember uses it), and
     * per worker a memo of the hashes of the current plugin's run */
    plugin_page_memo hooks;
    uint64_t hooks_salt;
    size_t first_hook;
    /* page_facts hooks: their callbacks, the place of the current plugin's page 0 record,
     * how many were recalled */
    plugin_page_memo facts;
    size_t first_facts;
    size_t facts_calls;
    atomic_size_t facts_restored;
    uint64_t *hook_page_hash;
    bool hook_hashes_made; /* hook_page_hash holds this plugin's pages (else recall makes it) */
    deps_memo **hook_memos;
    size_t hook_workers;
    size_t hook_calls;
    atomic_size_t hooks_restored;
};

/* {====================================================================
 * the program, the cache, records carried over
 * ===================================================================== */

/* This program's own bytes: another build of clinfolio may render differently. Read once
 * per process (main thread). */
static uint64_t
program_hash(void)
{
    static uint64_t h;
    static bool done;
    if (done)
        return h;
    done = true;
    h = hash_str(0, CLINFOLIO_VERSION);
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    char block[65536];
    ssize_t k;
    while (fd >= 0 && (k = read(fd, block, sizeof block)) > 0)
        h = hash_bytes(h, block, (size_t)k);
    if (fd >= 0)
        close(fd);
    return h;
}

/* What a render depends on besides the values it reads: the program, the templates and
 * the plugins (their filters). */
static uint64_t
render_fingerprint(const template_set *ts, const plugin_host *host)
{
    return hash_u64(hash_u64(program_hash(), template_set_hash(ts)), plugin_host_hash(host));
}

/* The last build's cache of out_dir, when it can be used. */
static cache *
load_cache(const build_options *opt, const char *path)
{
    if (opt->clean || opt->check_only)
        return NULL;
    const char *why = NULL;
    cache *c =
        cache_load(path, opt->out_dir, opt->workers ? opt->workers : pool_default_workers(), &why);
    if (!c && opt->cache_notes)
        fprintf(stderr, "clinfolio: cache %s not used (%s): everything is built afresh\n", path,
                why);
    return c;
}

/* The cache clinfolio serve keeps in memory, when it is still the output folder's. */
static cache *
take_memory(const build_options *opt)
{
    cache *c = *opt->memory;
    *opt->memory = NULL;
    if (!opt->clean && cache_still_for(c, opt->out_dir))
        return c;
    cache_free(c);
    return NULL;
}

/* Appends a record's name "<kind>/<path>" to name (without printf: an edit build at
 * 10,000 pages names about 40,000 records). */
static void
record_name(buf *name, const char *kind, const char *path)
{
    buf_puts(name, kind);
    buf_putc(name, '/');
    buf_puts(name, path);
}

/* A record of the last build used again as it was: into the next cache (slot, or a new
 * record when slot is SIZE_MAX), borrowing its bytes from the last cache, which lives
 * until memo_close() (after the save). */
static void
carry_over(cache_next *next, size_t slot, const char *key, const void *data, size_t len)
{
    cache_next_keep(next, slot, key, data, len);
}

/* A record used again, carried over into place slot or put there anew: its diagnostics
 * reported, and counted. */
static void
count_taken(diag *pd, diag *d, atomic_size_t *count)
{
    diag_merge(d, pd);
    atomic_fetch_add_explicit(count, 1, memory_order_relaxed);
}

/* A record used again as it is: carried over into place slot (count_taken). */
static void
take_record(memo *m, size_t slot, const char *name, const void *data, size_t len, diag *pd, diag *d,
            atomic_size_t *count)
{
    carry_over(m->next, slot, name, data, len);
    count_taken(pd, d, count);
}

static void fingerprint(memo *m, arena *a);

static void *
fingerprint_main(void *arg)
{
    memo *m = arg;
    arena *a = arena_new();
    fingerprint(m, a);
    arena_free(a);
    return NULL;
}

memo *
memo_open(const build_options *opt, const config *cfg, const char *theme, const char *datadir)
{
    if (opt->check_only)
        return NULL;
    memo *m = xcalloc(1, sizeof *m);
    m->opt = opt;
    m->cfg = cfg;
    m->theme = theme;
    m->datadir = datadir;
    m->path = BUF_INIT;
    cache_path(&m->path, opt->out_dir);
    /* the inputs' metadata (a walk of every folder: 15 ms at 10,000 pages) while the cache
     * is read and checked */
    m->fingerprinting = theme && pthread_create(&m->fingerprinter, NULL, fingerprint_main, m) == 0;
    m->prev = opt->memory ? take_memory(opt) : load_cache(opt, m->path.ptr);
    m->next = cache_next_new(m->prev);
    return m;
}

/* The fingerprint thread's result, once it is there. */
static void
join_fingerprint(memo *m)
{
    if (m->fingerprinting)
        pthread_join(m->fingerprinter, NULL);
    m->fingerprinting = false;
}

bool
memo_has_previous(const memo *m)
{
    return m && m->prev;
}

const inputs_seen *
memo_seen(const memo *m)
{
    return m && !m->fingerprinting ? m->seen : NULL;
}

uint64_t
memo_salt(const memo *m)
{
    return m ? m->loads.salt : 0;
}

/* {====================================================================
 * nothing changed: the inputs' fingerprint, the output's files
 * ===================================================================== */

/* Every input of the build by its files' metadata (inputs.h), the options and the
 * program: the same key, the same site. The folders come as real paths (see
 * memo_unchanged()). */
static uint64_t
inputs_key(const build_options *opt, const char *root, const config *cfg, const char *theme,
           const char *datadir, inputs_seen *seen, arena *a)
{
    uint64_t h = hash_str(program_hash(), opt->base_url);
    h = hash_u64(h, (uint64_t)opt->drafts | (uint64_t)opt->future << 1);
    h = hash_str(h, getenv("SOURCE_DATE_EPOCH"));
    static const char *const rels[] = {"site.yaml", "schema.yaml", "content",
                                       "templates", "plugins",     "i18n"};
    buf path = BUF_INIT;
    for (size_t i = 0; i < sizeof rels / sizeof rels[0]; i++) {
        buf_clear(&path);
        fs_join(&path, root, rels[i]);
        h = inputs_hash_seen(h, path.ptr, strcmp(rels[i], "content") == 0 ? seen : NULL);
    }
    for (const char **f = config_bibliography_files(cfg, a); *f;
         f++) { /* site.yaml's bibliography */
        buf_clear(&path);
        fs_join(&path, root, *f);
        h = inputs_hash(h, path.ptr);
    }
    h = inputs_hash(h, theme ? theme : "");
    buf_clear(&path);
    fs_join(&path, datadir, "plugins");
    h = inputs_hash(h, path.ptr);
    buf_free(&path);
    return h;
}

/* A file's identity in a record (5 u64: dev, ino, size, mtime seconds and nanoseconds),
 * and back. */
static void
put_file_id(serial_writer *w, const output_file_id *id)
{
    uint64_t f[] = {id->dev, id->ino, id->size, (uint64_t)id->mtime_sec, (uint64_t)id->mtime_nsec};
    for (size_t k = 0; k < 5; k++)
        serial_put_u64(w, f[k]);
}

static output_file_id
get_file_id(serial_reader *r)
{
    uint64_t f[5];
    for (size_t k = 0; k < 5; k++)
        f[k] = serial_get_u64(r);
    return (output_file_id){f[0], f[1], f[2], (int64_t)f[3], (int64_t)f[4]};
}

/* A file of the output by the hash of its path, then its path. */
typedef struct hashed_file {
    uint64_t hash;
    const output_file *file;
} hashed_file;

static int
cmp_hashed_files(const void *pa, const void *pb)
{
    const hashed_file *a = pa, *b = pb;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    return strcmp(a->file->path, b->file->path);
}

/* The bytes of the record "files": every file of the output with its identity after the
 * commit, in an order of their paths (not the order the threads wrote them in, so that
 * the slices of an edit's record are mostly the last build's: a few identities change).
 * Reads only the files' list: a thread of its own makes it while the main thread reads
 * the last build's list and makes the `inputs` record (memo_before_commit()). */
typedef struct files_record {
    const output_file *files;
    size_t n;
    buf rec;
} files_record;

static void *
make_files_record(void *payload)
{
    files_record *f = payload;
    hashed_file *order = xcalloc(f->n + 1, sizeof *order);
    for (size_t i = 0; i < f->n; i++)
        order[i] = (hashed_file){hash_str(0, f->files[i].path), &f->files[i]};
    qsort(order, f->n, sizeof *order, cmp_hashed_files);
    serial_writer w = SERIAL_WRITER(&f->rec);
    serial_put_varint(&w, f->n);
    for (size_t i = 0; i < f->n; i++) {
        serial_put_str(&w, order[i].file->path);
        put_file_id(&w, &order[i].file->id);
    }
    free(order);
    return NULL;
}

/* The paths of the record "files" (for output_set_previous_files), in a; false when
 * they cannot be read, or (check set) when a file is no longer what the record says. */
static bool
previous_files(const cache *prev, const char *out_dir, bool check, const char ***paths, size_t *n,
               arena *a)
{
    size_t len;
    buf bytes = BUF_INIT;
    const void *data = cache_get_sliced(prev, "files", &bytes, &len);
    serial_reader r = SERIAL_READER(data, len);
    *n = serial_get_varint(&r);
    if (!data || !r.ok || *n > len) {
        buf_free(&bytes);
        return false;
    }
    *paths = arena_alloc(a, (*n + 1) * sizeof(char *));
    buf path = BUF_INIT;
    bool same = true;
    for (size_t i = 0; i < *n && r.ok && same; i++) {
        (*paths)[i] = serial_get_str(&r, a);
        output_file_id f = get_file_id(&r);
        r.ok &= (*paths)[i] != NULL;
        struct stat st;
        if (check && r.ok) {
            buf_clear(&path);
            fs_join(&path, out_dir, (*paths)[i]);
            same = lstat(path.ptr, &st) == 0 && S_ISREG(st.st_mode) &&
                   (uint64_t)st.st_dev == f.dev && (uint64_t)st.st_ino == f.ino &&
                   (uint64_t)st.st_size == f.size && st.st_mtim.tv_sec == f.mtime_sec &&
                   st.st_mtim.tv_nsec == f.mtime_nsec;
        }
    }
    buf_free(&path);
    bool ok = r.ok && same && r.p == r.end;
    buf_free(&bytes); /* the paths are copies in a */
    return ok;
}

/* The bytes of the record "inputs": the inputs' key, until when the clock cannot change the
 * site (site_valid_until), the build's figures and every diagnostic it reported. */
static buf
inputs_record(uint64_t key, int64_t valid_until, const build_stats *st, diag *d)
{
    buf rec = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    serial_put_u64(&w, key);
    serial_put_u64(&w, (uint64_t)valid_until);
    size_t f[] = {st->pages, st->outputs, st->renders, st->markdown, st->files};
    for (size_t k = 0; k < 5; k++)
        serial_put_varint(&w, f[k]);
    serial_put_diags_sorted(&w, d);
    return rec;
}

/* Whether the last build had the same inputs (by key), the clock has not passed a date
 * of the site since, and every file it wrote is still there as it wrote it: then its
 * diagnostics are reported again and its figures copied, and nothing else is to do. */
static bool
nothing_changed(const build_options *opt, const cache *prev, uint64_t key, build_stats *st,
                arena *a, diag *d)
{
    size_t len, n;
    buf bytes = BUF_INIT;
    const void *data = cache_get_sliced(prev, "inputs", &bytes, &len);
    serial_reader r = SERIAL_READER(data, len);
    size_t f[5];
    const char **paths;
    if (!data || serial_get_u64(&r) != key || (int64_t)serial_get_u64(&r) <= (int64_t)time(NULL)) {
        buf_free(&bytes);
        return false;
    }
    for (size_t k = 0; k < 5; k++)
        f[k] = serial_get_varint(&r);
    if (!r.ok || !previous_files(prev, opt->out_dir, true, &paths, &n, a)) {
        buf_free(&bytes);
        return false;
    }
    diag *pd = diag_new();
    bool ok = serial_get_diags(&r, pd, a) && r.p == r.end; /* the texts copied */
    buf_free(&bytes);
    if (ok) {
        diag_merge(d, pd);
        *st = (build_stats){.pages = f[0],
                            .outputs = f[1],
                            .renders = f[2],
                            .kept = f[2],
                            .markdown = f[3],
                            .files = f[4],
                            .files_kept = f[4],
                            .files_unread = f[4], /* none read: their metadata said so */
                            .rules_kept = f[4],
                            .markdown_kept = f[3],
                            .plugins_kept = true,
                            .unchanged = true};
    }
    diag_free(pd);
    return ok;
}

/* path's realpath() in a, or path itself when it has none (it is then hashed as given) */
static const char *
real_path(const char *path, arena *a)
{
    char *real = realpath(path, NULL);
    if (!real)
        return path;
    const char *copy = arena_strdup(a, real);
    free(real);
    return copy;
}

/* m->inputs and m->schema_files; reads only m's options, config and folders (on the
 * fingerprint thread, with an arena of its own). */
static void
fingerprint(memo *m, arena *a)
{
    /* the files' names go into the keys, so "-s ." and "-s /home/me/site" must name them
     * alike: else one build with the other spelling would parse and render every page */
    const char *root = real_path(m->opt->root, a), *real_theme = real_path(m->theme, a);
    buf path = BUF_INIT;
    fs_join(&path, root, "schema.yaml");
    m->schema_files = inputs_hash(0, path.ptr);
    buf_clear(&path);
    fs_join(&path, real_theme, "schema.yaml");
    m->schema_files = inputs_hash(m->schema_files, path.ptr);
    buf_free(&path);
    m->seen = inputs_seen_new();
    m->inputs = inputs_key(m->opt, root, m->cfg, real_theme, real_path(m->datadir, a), m->seen, a);
}

bool
memo_unchanged(memo *m, build_stats *st, arena *a, diag *d)
{
    if (!m || !m->theme)
        return false;
    if (!m->fingerprinting)
        fingerprint(m, a); /* no thread could be made */
    join_fingerprint(m);
    return m->prev && nothing_changed(m->opt, m->prev, m->inputs, st, a, d);
}

/* {====================================================================
 * page loads: each file's front matter and checks, or what they gave last time
 * ===================================================================== */

/* The last build's record "<kind>/<path>" (its name into *name, for the caller to free),
 * when there is one made for key: then *data and *len are its bytes and r reads on
 * after the key. */
static bool
find_page_record(const memo *m, const char *kind, const char *path, uint64_t key, buf *name,
                 const void **data, size_t *len, serial_reader *r)
{
    record_name(name, kind, path);
    *data = cache_getn(m->prev, name->ptr, name->len, len);
    *r = SERIAL_READER_BORROWING(*data, *len); /* m->prev lasts as long as the build */
    return *data && serial_get_u64(r) == key && r->ok;
}

/* Ends a page's record (in w) with its diagnostics and puts it into place slot as
 * "<kind>/<path>"; frees the record's buffer. */
static void
put_page_record(memo *m, size_t slot, const char *kind, const char *path, serial_writer *w,
                diag *diags)
{
    buf name = BUF_INIT;
    serial_put_diags(w, diags);
    record_name(&name, kind, path);
    cache_next_put_slot(m->next, slot, name.ptr, w->out);
    buf_free(&name);
    buf_free(w->out);
}

static void
start_loads(void *payload, size_t n)
{
    memo *m = payload;
    m->first_file = cache_next_reserve(m->next, n);
}

/* The rules' diagnostics of each file, one record for all ("rules": their count, then
 * each one's path, key, instants made and until, and diagnostics as bytes, in scan
 * order): at 10,000 pages the rules made 9,000 warnings a build, 200 million
 * instructions, most of them formatting the messages again. */
static void
start_rules(void *payload, size_t n)
{
    memo *m = payload;
    m->rule_entries = xcalloc(n + 1, sizeof(rules_entry));
    m->n_rules = n;
    size_t len;
    const void *data = cache_get_sliced(m->prev, "rules", &m->prev_rules_bytes, &len);
    if (!data)
        return;
    serial_reader r = SERIAL_READER_BORROWING(data, len);
    size_t count = serial_get_varint(&r);
    if (!r.ok || count > len) /* an entry takes a byte at least */
        return;
    m->prev_rule_entries = xcalloc(count + 1, sizeof(rules_entry));
    strtab_reserve(&m->prev_rules, count);
    for (size_t i = 0; i < count && r.ok; i++) {
        rules_entry *e = &m->prev_rule_entries[i];
        size_t plen;
        e->path = (const char *)serial_get_bytes(&r, &plen);
        e->key = serial_get_u64(&r);
        e->made = (int64_t)serial_get_u64(&r);
        e->until = (int64_t)serial_get_u64(&r);
        e->diags = (const char *)serial_get_bytes(&r, &e->len);
        if (r.ok && e->path && e->diags && plen && strlen(e->path) == plen - 1) /* its NUL */
            strtab_put(&m->prev_rules, e->path, e);
    }
    if (!r.ok || r.p != r.end) /* damaged: none is used */
        strtab_free(&m->prev_rules);
}

static bool
recall_rules(void *payload, size_t i, const page *p, uint64_t key, int64_t now, int64_t *until,
             arena *a, diag *d)
{
    memo *m = payload;
    const rules_entry *e = strtab_get(&m->prev_rules, p->path);
    if (!e || e->key != key || now < e->made || now >= e->until)
        return false;
    serial_reader r = SERIAL_READER_BORROWING(e->diags, e->len);
    bool ok = serial_get_diags(&r, d, a) && r.p == r.end;
    if (ok) {
        m->rule_entries[i] = *e; /* borrowed: prev lives until memo_close */
        m->rule_entries[i].path = p->path;
        *until = e->until;
        atomic_fetch_add_explicit(&m->rules_restored, 1, memory_order_relaxed);
    }
    return ok;
}

static void
remember_rules(void *payload, size_t i, const page *p, uint64_t key, int64_t made, int64_t until,
               diag *page_diags)
{
    memo *m = payload;
    buf b = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&b);
    serial_put_diags(&w, page_diags);
    m->rule_entries[i] = (rules_entry){p->path, key, made, until, NULL, b.len, true};
    m->rule_entries[i].diags = buf_detach(&b);
}

static void
drop_rules(memo *m)
{
    for (size_t i = 0; i < m->n_rules; i++)
        if (m->rule_entries[i].owned)
            free((char *)m->rule_entries[i].diags);
    free(m->rule_entries);
    free(m->prev_rule_entries);
    strtab_free(&m->prev_rules);
    buf_free(&m->prev_rules_bytes);
    m->rule_entries = m->prev_rule_entries = NULL;
    m->n_rules = 0;
}

static void
end_rules(void *payload)
{
    memo *m = payload;
    buf rec = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    size_t count = 0;
    for (size_t i = 0; i < m->n_rules; i++)
        count += m->rule_entries[i].path != NULL;
    serial_put_varint(&w, count);
    for (size_t i = 0; i < m->n_rules; i++) {
        rules_entry *e = &m->rule_entries[i];
        if (!e->path)
            continue;
        serial_put_bytes(&w, e->path, strlen(e->path) + 1);
        serial_put_u64(&w, e->key);
        serial_put_u64(&w, (uint64_t)e->made);
        serial_put_u64(&w, (uint64_t)e->until);
        serial_put_bytes(&w, e->diags, e->len);
    }
    cache_next_put_sliced(m->next, "rules", &rec); /* an edit changes a slice or two */
    drop_rules(m);
}

/* p's known values (page.known_vals) from hashes[0..n), the deep hashes of its front
 * matter's pairs' values, and stages, its stages': the pairs' in their places, then the
 * front matter itself (`page.params`, made from its pairs' hashes), then the stages.
 * hashes has room for n + 2 and becomes p's. */
static void
set_known(page *p, uint64_t *hashes, size_t n, uint64_t stages, arena *a)
{
    const value **vals = arena_alloc(a, (n + 2) * sizeof *vals);
    for (size_t i = 0; i < n; i++)
        vals[i] = p->front->as.map.pairs[i].val;
    size_t k = n;
    if (n) {
        vals[k] = p->front;
        hashes[k++] = deps_hash_map_of(p->front, hashes);
    }
    if (p->stages) {
        vals[k] = p->stages;
        hashes[k++] = stages;
    }
    p->known_vals = vals;
    p->known_hashes = hashes;
    p->n_known = k;
}

static size_t
front_len(const page *p)
{
    return p->front && p->front->type == VALUE_MAP ? p->front->as.map.len : 0;
}

/* The deep hashes of p's front matter pairs' values and of its stages (their count first),
 * which a restored page's early hash then takes instead of walking those values again: at
 * 10,000 pages, a body edit's early hashes (plugins_key()) 222 to 96 million instructions.
 * p takes them too (set_known), so that a page parsed in this build is not walked a second
 * time either. The sanitizer builds check them (memo_hash_pages(), SELF_CHECKS). */
static void
remember_known(serial_writer *w, page *p, arena *a)
{
    size_t n = front_len(p);
    uint64_t *hashes = arena_alloc(a, (n + 2) * sizeof *hashes);
    serial_put_varint(w, n);
    for (size_t i = 0; i < n; i++) {
        hashes[i] = deps_hash(p->front->as.map.pairs[i].val, DEPS_DEEP, NULL);
        serial_put_u64(w, hashes[i]);
    }
    uint64_t stages = deps_hash(p->stages, DEPS_DEEP, NULL);
    serial_put_u64(w, stages);
    set_known(p, hashes, n, stages, a);
}

/* The hashes remember_known() wrote, as p's known values. False when they do not fit p's
 * front matter. */
static bool
recall_known(serial_reader *r, page *p, arena *a)
{
    size_t n = serial_get_varint(r);
    if (!r->ok || n != front_len(p))
        return false;
    uint64_t *hashes = arena_alloc(a, (n + 2) * sizeof *hashes);
    for (size_t i = 0; i < n; i++)
        hashes[i] = serial_get_u64(r);
    uint64_t stages = serial_get_u64(r);
    if (!r->ok)
        return false;
    set_known(p, hashes, n, stages, a);
    return true;
}

/* What of a file's metadata says it is the same file, untouched (inputs.h counts the
 * same): its device, inode, size, and modification and change times. */
#define FILE_SIG 7
/* A page record's metadata: 1 and sig, or 0 and zeros when unknown (sig NULL). */
static void
put_sig(serial_writer *w, const uint64_t *sig)
{
    serial_put_u64(w, sig != NULL);
    for (size_t k = 0; k < FILE_SIG; k++)
        serial_put_u64(w, sig ? sig[k] : 0);
}

/* What put_sig() wrote, into sig; whether it was known. */
static bool
get_sig(serial_reader *r, uint64_t sig[FILE_SIG])
{
    bool known = serial_get_u64(r) == 1;
    for (size_t k = 0; k < FILE_SIG; k++)
        sig[k] = serial_get_u64(r);
    return known;
}

/* Where a page record's metadata starts: after its load key and its bytes' hash. */
#define PAGE_SIG_AT 16

static void
file_sig(uint64_t sig[FILE_SIG], const struct stat *st)
{
    uint64_t f[FILE_SIG] = {(uint64_t)st->st_dev,          (uint64_t)st->st_ino,
                            (uint64_t)st->st_size,         (uint64_t)st->st_mtim.tv_sec,
                            (uint64_t)st->st_mtim.tv_nsec, (uint64_t)st->st_ctim.tv_sec,
                            (uint64_t)st->st_ctim.tv_nsec};
    memcpy(sig, f, sizeof f);
}

/* "page/<path>" -> key, the file's hash and metadata (a flag, then FILE_SIG numbers), the
 * front matter, the fields page_parse() sets (title, slug, date, updated, draft, weight,
 * summary, cohort, stages, days, template), where the body starts in the file and its
 * length and line, whether it may call shortcodes, the hashes of remember_known(), and
 * the diagnostics. r is past the metadata; src is the file's bytes (len of them), or NULL
 * when they were not read (the body is read when needed: site_page_body). */
static bool
recall_fields(memo *m, size_t i, page *p, serial_reader *r, const char *name, const void *data,
              size_t rlen, const char *src, size_t len, const uint64_t *restamp, arena *a, diag *d)
{
    page q = *p; /* path, section, kind as page_init left them */
    q.front = serial_get_value(r, a);
    q.title = serial_get_str(r, a);
    q.slug = serial_get_str(r, a);
    q.date = serial_get_value(r, a);
    q.updated = serial_get_value(r, a);
    q.draft = serial_get_varint(r) != 0;
    uint64_t bits = serial_get_u64(r);
    memcpy(&q.weight, &bits, sizeof bits);
    q.summary = serial_get_str(r, a);
    q.cohort = serial_get_str(r, a);
    q.stages = serial_get_value(r, a);
    q.days_total = (long)(int64_t)serial_get_u64(r);
    q.template_name = serial_get_str(r, a);
    q.template_pos = serial_get_pos(r, a);
    q.body_at = serial_get_varint(r);
    q.body_len = serial_get_varint(r);
    q.body_line = (unsigned)serial_get_varint(r);
    q.calls = serial_get_varint(r) != 0;
    bool known = recall_known(r, &q, a);
    diag *pd = NULL;
    bool ok = r->ok && known && q.front && q.title && q.slug &&
              (!src || (q.body_at <= len && q.body_len <= len - q.body_at)) &&
              serial_get_diags_new(r, &pd, a) && r->p == r->end;
    if (ok && restamp) { /* the same bytes, other metadata: kept with the file's now */
        buf rec = BUF_INIT;
        serial_writer w = SERIAL_WRITER(&rec);
        buf_append(&rec, data, PAGE_SIG_AT);
        put_sig(&w, restamp);
        buf_append(&rec, (const char *)data + rec.len, rlen - rec.len);
        cache_next_put_slot(m->next, m->first_file + i, name, &rec);
        buf_free(&rec);
        count_taken(pd, d, &m->loaded);
    } else if (ok) {
        take_record(m, m->first_file + i, name, data, rlen, pd, d, &m->loaded);
    }
    if (ok) {
        q.body = src ? src + q.body_at : NULL;
        *p = q;
    }
    diag_free(pd);
    return ok;
}

/* The metadata the fingerprint's walk took of the input file rel (site-relative), when it
 * saw it as a regular file: the loads' fstatat, answered from memory. */
static bool
stat_seen(void *payload, const char *rel, struct stat *st)
{
    const memo *m = payload;
    return inputs_seen_stat(m->seen, rel, st);
}

/* File i's record when made from these bytes (key: their load key); when the file's
 * metadata (st, or NULL) is not the record's any more (a `touch`, a checkout), the record
 * is kept with the new one, so that the next build need not read the file. */
static bool
recall_page(void *payload, size_t i, page *p, uint64_t key, const char *src, size_t len,
            const struct stat *st, arena *a, diag *d)
{
    memo *m = payload;
    buf name = BUF_INIT;
    const void *data;
    size_t rlen;
    serial_reader r;
    bool ok = find_page_record(m, "page", p->path, key, &name, &data, &rlen, &r);
    if (ok) {
        p->file_hash = serial_get_u64(&r);
        uint64_t sig[FILE_SIG], now[FILE_SIG];
        bool had = get_sig(&r, sig); /* the metadata of the file read then */
        if (st)
            file_sig(now, st);
        bool restamp = st && (!had || memcmp(sig, now, sizeof sig) != 0);
        ok = recall_fields(m, i, p, &r, name.ptr, data, rlen, src, len, restamp ? now : NULL, a, d);
    }
    buf_free(&name);
    return ok;
}

/* File i's record when it was made from a file with this metadata (st) and for this salt
 * (base: the load key without the bytes): the file is not read. */
static bool
recall_unread(void *payload, size_t i, page *p, const struct stat *st, uint64_t base, uint64_t *key,
              arena *a, diag *d)
{
    memo *m = payload;
    buf name = BUF_INIT;
    record_name(&name, "page", p->path);
    size_t rlen;
    const void *data = cache_getn(m->prev, name.ptr, name.len, &rlen);
    serial_reader r = SERIAL_READER_BORROWING(data, rlen);
    uint64_t was = serial_get_u64(&r), hash = serial_get_u64(&r);
    uint64_t sig[FILE_SIG], now[FILE_SIG];
    bool ok = get_sig(&r, sig) && data && was == hash_u64(base, hash);
    file_sig(now, st);
    ok = ok && r.ok && memcmp(sig, now, sizeof sig) == 0 &&
         recall_fields(m, i, p, &r, name.ptr, data, rlen, NULL, 0, NULL, a, d);
    if (ok) {
        p->file_hash = hash;
        *key = was;
        atomic_fetch_add_explicit(&m->unread, 1, memory_order_relaxed);
    }
    buf_free(&name);
    return ok;
}

static void
remember_page(void *payload, size_t i, page *p, uint64_t key, const struct stat *st, arena *a,
              diag *page_diags)
{
    memo *m = payload;
    buf rec = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    serial_put_u64(&w, key);
    serial_put_u64(&w, p->file_hash);
    uint64_t sig[FILE_SIG];
    if (st)
        file_sig(sig, st);
    put_sig(&w, st ? sig : NULL);
    serial_put_value(&w, p->front);
    serial_put_str(&w, p->title);
    serial_put_str(&w, p->slug);
    serial_put_value(&w, p->date);
    serial_put_value(&w, p->updated);
    serial_put_varint(&w, p->draft);
    uint64_t bits;
    memcpy(&bits, &p->weight, sizeof bits);
    serial_put_u64(&w, bits);
    serial_put_str(&w, p->summary);
    serial_put_str(&w, p->cohort);
    serial_put_value(&w, p->stages);
    serial_put_u64(&w, (uint64_t)(int64_t)p->days_total);
    serial_put_str(&w, p->template_name);
    serial_put_pos(&w, p->template_pos);
    serial_put_varint(&w, p->body_at);
    serial_put_varint(&w, p->body_len);
    serial_put_varint(&w, p->body_line);
    serial_put_varint(&w, p->calls);
    remember_known(&w, p, a);
    put_page_record(m, m->first_file + i, "page", p->path, &w, page_diags);
}

/* Whether prev (or NULL) has the record name holding key (one u64), which is put as
 * next's record name: the keys a whole pass is checked by ("salt", "render-fingerprint"). */
static bool
same_u64_record(const cache *prev, cache_next *next, const char *name, uint64_t key)
{
    size_t len;
    const void *data = cache_get(prev, name, &len);
    serial_reader r = SERIAL_READER(data, len);
    bool same = data && serial_get_u64(&r) == key && r.ok;
    buf rec = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    serial_put_u64(&w, key);
    cache_next_put(next, name, &rec);
    buf_free(&rec);
    return same;
}

const site_load_memo *
memo_loads(memo *m, const config *cfg)
{
    if (!m)
        return NULL;
    deps_memo *dm = deps_memo_new();
    uint64_t salt =
        hash_u64(hash_u64(program_hash(), deps_hash(cfg->raw, DEPS_DEEP, dm)), m->schema_files);
    deps_memo_free(dm);
    /* the build goes on from here (memo_unchanged said so): its records go to the cache
     * file as they come, unless serve keeps them in memory; appended to the last build's
     * file only when that build had the same salt ("salt": the program, site.yaml, the
     * schema), else nearly every record is made anew (at 10,000 pages a build after a new
     * binary left a file of 434 MB, 184 of them in use, which the next edit copied out) */
    join_fingerprint(m); /* its walk's metadata is the loads' (stat_seen) */
    bool same = same_u64_record(m->prev, m->next, "salt", salt);
    if (!m->opt->memory)
        cache_next_spool(m->next, m->path.ptr, same);
    m->loads = (site_load_memo){start_loads,   stat_seen,   recall_page,  recall_unread,
                                remember_page, start_rules, recall_rules, remember_rules,
                                end_rules,     m,           salt};
    return &m->loads;
}

size_t
memo_loads_restored(const memo *m, size_t *unread)
{
    *unread = m ? atomic_load(&m->unread) : 0;
    return m ? atomic_load(&m->loaded) : 0;
}

size_t
memo_rules_restored(const memo *m)
{
    return m ? atomic_load(&m->rules_restored) : 0;
}

/* {====================================================================
 * plugins: site_loaded and page hooks, or what they returned last time
 * ===================================================================== */

/* The keys of a page's map that change after the model, once plugins_key() has hashed
 * the pages: page.data (the page hooks, site_share_data()), PLUGIN_CONTENT_KEYS (the
 * Markdown's results, fill_page_content()), and lower and higher, the neighbours' links,
 * whose summary fill_page_content() sets. */
static const char *const LATE_KEYS[] = {"data",         "content", "summary", "toc", "word_count",
                                        "reading_time", "lower",   "higher",  NULL};

/* The deep hash of page p's map as it is now, its pairs set before the plugins hashed
 * once per build (p->early_hash): at 10,000 pages, a body edit's page hashes before the
 * render took 45-54 ms when each was a deep hash of the whole map, 25-29 ms with the early
 * hash; the late pairs' values then take the hashes made as they were set (page.late_vals,
 * link_hash; the sanitizer builds check them against a walk): the render phase 60-67 to
 * 49-55 ms, at 1,000 pages 0.7% fewer instructions in all (the hashing moved, not gone:
 * a link was walked four times a build, now twice). */
/* p's known values (page.known_vals), or NULL. */
static const deps_known *
known_of(const page *p, deps_known *known)
{
    *known = (deps_known){p->known_vals, p->known_hashes, p->n_known};
    return p->known_vals ? known : NULL;
}

/* The values of p's late pairs whose hashes were made as they were set (page.late_vals,
 * the links of lower and higher), into vals and hashes (room for PAGE_LATE_MAX + 2). */
static const deps_known *
late_known_of(const page *p, deps_known *known, const value **vals, uint64_t *hashes)
{
    size_t n = 0;
    for (size_t k = 0; k < PAGE_LATE_MAX; k++)
        if (p->late_vals[k]) {
            vals[n] = p->late_vals[k];
            hashes[n++] = p->late_hashes[k];
        }
    const page *near[] = {p->lower, p->higher};
    for (size_t k = 0; k < 2; k++)
        if (near[k] && near[k]->link && near[k]->link_hash) {
            vals[n] = near[k]->link;
            hashes[n++] = near[k]->link_hash;
        }
    *known = (deps_known){vals, hashes, n};
    return known;
}

/* The deep hash of p's map after its early pairs' (deps_hash_late()). */
static uint64_t
late_hash(const page *p, uint64_t early)
{
    deps_known known;
    const value *vals[PAGE_LATE_MAX + 2];
    uint64_t hashes[PAGE_LATE_MAX + 2];
    return deps_hash_late(early, p->ctx, LATE_KEYS, late_known_of(p, &known, vals, hashes));
}

static uint64_t
page_hash(page *p)
{
    deps_known known;
    if (!p->early_hash)
        p->early_hash = deps_hash_early(p->ctx, LATE_KEYS, known_of(p, &known));
    return late_hash(p, p->early_hash);
}

typedef struct page_hashes {
    page *const *pages;
    uint64_t *hash;
    bool check; /* see memo_hash_pages() */
} page_hashes;

static void
hash_one_page(size_t i, size_t worker, void *payload)
{
    (void)worker;
    page_hashes *j = payload;
    page *p = j->pages[i];
    if (j->check && p->early_hash && p->early_hash != deps_hash_early(p->ctx, LATE_KEYS, NULL))
        internal_error("%s: a key of its page map that is not in memo.c's LATE_KEYS changed "
                       "after the plugins",
                       p->path);
    j->hash[i] = page_hash(p);
    if (j->check && j->hash[i] != deps_hash_late(p->early_hash, p->ctx, LATE_KEYS, NULL))
        internal_error("%s: a value of its page map changed after its hash was made "
                       "(page.late_vals, link_hash)",
                       p->path);
}

/* The deep hash of each page's map, made on the pool (free() the array). */
static uint64_t *
hash_pages(page *const *pages, size_t n, size_t workers, bool check)
{
    page_hashes job = {pages, xcalloc(n + 1, sizeof(uint64_t)), check};
    pool_run(workers, n, hash_one_page, &job);
    return job.hash;
}

/* The sanitizer builds (selfcheck.h) check that what page_hash() relies on holds: the
 * pairs of a page's map but LATE_KEYS are what they were before the plugins. */
void
memo_hash_pages(const memo *m, page *const *pages, size_t n, deps_memo **memos, size_t workers)
{
    if (!m)
        return;
    uint64_t *hash = hash_pages(pages, n, workers, SELF_CHECKS);
    for (size_t i = 0; i < n; i++)
        pages[i]->ctx_hash = hash[i];
    for (size_t w = 0; w < workers; w++)
        for (size_t i = 0; i < n; i++)
            deps_memo_put_deep(memos[w], pages[i]->ctx, hash[i]);
    free(hash);
}

/* Each page hook's result, when the page's value and the values of `site` the hook read
 * are what they were: "hook/<plugin>/<path>" -> key (hook_key()), the keys of `site` it
 * read, its result (or none) and its diagnostics. A facts edit runs the site_loaded hooks
 * again (they see every page) but a page hook only for that page. */
static void
start_hooks(void *payload, size_t n)
{
    memo *m = payload;
    m->first_hook = cache_next_reserve(m->next, n);
    /* the first plugin with page hooks sees the pages plugins_key() hashed; the next ones
     * see what the earlier ones added to page.data */
    m->hook_hashes_made = m->hook_calls == 0;
    m->hook_calls += n;
    /* fresh memos for each plugin: the pages' maps changed by the last one's results */
    for (size_t w = 0; w < m->hook_workers; w++) {
        deps_memo_free(m->hook_memos[w]);
        m->hook_memos[w] = deps_memo_new();
    }
}

static void
end_hooks(memo *m)
{
    if (!m)
        return;
    for (size_t w = 0; w < m->hook_workers; w++)
        deps_memo_free(m->hook_memos[w]);
    free(m->hook_memos);
    free(m->hook_page_hash);
    m->hook_memos = NULL;
    m->hook_page_hash = NULL;
    m->hook_workers = 0;
}

/* The key of a page hook's result: the program and plugins, the plugin, the page's value
 * and the values of the keys of site in keys[0..len) (each ended by '\0'). */
static uint64_t
hook_key(const memo *m, const char *plugin, uint64_t page_hash, const value *site_ctx,
         const char *keys, size_t len, deps_memo *dm)
{
    uint64_t h = hash_u64(hash_str(m->hooks_salt, plugin), page_hash);
    for (const char *k = keys; k < keys + len; k += strlen(k) + 1)
        h = hash_u64(hash_str(h, k), deps_hash(value_map_get(site_ctx, k), DEPS_DEEP, dm));
    return h;
}

/* A kind of per-page hook record, "<kind>/<plugin>/<path>": "hook" (page hooks) or
 * "facts" (page_facts hooks), the first of its places in the next cache (a page's record
 * goes to first + its place in the pages), the count of those recalled, and whether
 * m->hook_page_hash holds the pages as this plugin's hooks see them. */
typedef struct per_page_kind {
    const char *name;
    size_t first;
    atomic_size_t *restored;
    bool hashes_made;
} per_page_kind;

/* The record of the call's page hook, its result into *result, or into *bytes when bytes
 * is not NULL (checked, not made). */
static bool
recall_per_page(memo *m, per_page_kind k, const plugin_page_call *c, value **result,
                plugin_bytes *bytes, arena *a, diag *d)
{
    const page *p = c->p;
    deps_memo *dm = m->hook_memos[c->worker];
    if (!k.hashes_made) { /* a later plugin's: p's early hash is plugins_key()'s */
        deps_known known;
        uint64_t early =
            p->early_hash ? p->early_hash : deps_hash_early(p->ctx, LATE_KEYS, known_of(p, &known));
        m->hook_page_hash[c->i] = late_hash(p, early);
    }
    if (!m->prev)
        return false;
    buf name = BUF_INIT;
    buf_puts(&name, k.name);
    buf_putc(&name, '/');
    record_name(&name, c->plugin, p->path);
    size_t len, keys_len;
    const void *data = cache_getn(m->prev, name.ptr, name.len, &len);
    serial_reader r = SERIAL_READER_BORROWING(data, len);
    uint64_t key = serial_get_u64(&r);
    const char *keys = serial_get_bytes(&r, &keys_len);
    bool ok =
        data && r.ok && (!keys_len || keys[keys_len - 1] == '\0') &&
        hook_key(m, c->plugin, m->hook_page_hash[c->i], c->site_ctx, keys, keys_len, dm) == key;
    if (ok) {
        bool has = serial_get_varint(&r) != 0;
        value *v = NULL;
        const unsigned char *start = r.p;
        if (has && bytes) /* checked, not made (nor its positions: no arena) */
            serial_skip_value(&r, NULL);
        else if (has)
            v = serial_get_value(&r, a);
        plugin_bytes value_bytes = {has ? start : NULL, has ? (size_t)(r.p - start) : 0};
        diag *pd = NULL;
        ok = r.ok && (v || !has || bytes) && serial_get_diags_new(&r, &pd, a) && r.p == r.end;
        if (ok) {
            if (bytes)
                *bytes = value_bytes;
            else
                *result = v;
            take_record(m, k.first + c->i, name.ptr, data, len, pd, d, k.restored);
        }
        diag_free(pd);
    }
    buf_free(&name);
    return ok;
}

static void
remember_per_page(memo *m, per_page_kind k, const plugin_page_call *c,
                  const plugin_site_reads *reads, const value *result, diag *pd)
{
    if (reads->all) /* it went through every key of site: run it again every time */
        return;
    buf keys = BUF_INIT; /* each key once, in the order first read */
    for (const char *key = reads->keys; key < reads->keys + reads->len; key += strlen(key) + 1) {
        size_t klen = strlen(key);
        bool seen = false;
        for (const char *q = keys.ptr; !seen && q < keys.ptr + keys.len; q += strlen(q) + 1)
            seen = strcmp(q, key) == 0;
        if (!seen)
            buf_append(&keys, key, klen + 1);
    }
    buf rec = BUF_INIT, record_kind = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    serial_put_u64(&w, hook_key(m, c->plugin, m->hook_page_hash[c->i], c->site_ctx, keys.ptr,
                                keys.len, m->hook_memos[c->worker]));
    serial_put_bytes(&w, keys.ptr, keys.len);
    serial_put_varint(&w, result != NULL);
    if (result)
        serial_put_value(&w, result);
    record_name(&record_kind, k.name, c->plugin);
    put_page_record(m, k.first + c->i, record_kind.ptr, c->p->path, &w, pd);
    buf_free(&record_kind);
    buf_free(&keys);
}

static per_page_kind
hook_kind(memo *m)
{
    return (per_page_kind){"hook", m->first_hook, &m->hooks_restored, m->hook_hashes_made};
}

static bool
recall_hook(void *payload, const plugin_page_call *c, value **result, arena *a, diag *d)
{
    memo *m = payload;
    return recall_per_page(m, hook_kind(m), c, result, NULL, a, d);
}

static void
remember_hook(void *payload, const plugin_page_call *c, const plugin_site_reads *reads,
              const value *result, diag *pd)
{
    memo *m = payload;
    remember_per_page(m, hook_kind(m), c, reads, result, pd);
}

/* The page_facts hooks' results: "facts/<plugin>/<path>", as a page hook's (the same key:
 * the page's value, the values of `site` it read). They run before anything changes the
 * pages, so the pages are as plugins_key() hashed them. */
static void
start_facts(void *payload, size_t n)
{
    memo *m = payload;
    m->first_facts = cache_next_reserve(m->next, n);
    m->facts_calls += n;
    for (size_t w = 0; w < m->hook_workers; w++)
        if (!m->hook_memos[w])
            m->hook_memos[w] = deps_memo_new();
}

static per_page_kind
facts_kind(memo *m)
{
    return (per_page_kind){"facts", m->first_facts, &m->facts_restored, true};
}

/* A page_facts result as its record's bytes (plugin_page_memo.recall_bytes): site_loaded
 * makes Lua tables of them, so a value of them made here would only be copied again (at
 * 10,000 pages a facts edit made 20,000 such values, half of the records' recall) */
static bool
recall_facts(void *payload, const plugin_page_call *c, plugin_bytes *bytes, arena *a, diag *d)
{
    memo *m = payload;
    return recall_per_page(m, facts_kind(m), c, NULL, bytes, a, d);
}

static void
remember_facts(void *payload, const plugin_page_call *c, const plugin_site_reads *reads,
               const value *result, diag *pd)
{
    memo *m = payload;
    remember_per_page(m, facts_kind(m), c, reads, result, pd);
}

/* site_loaded's result was recalled, so the page_facts hooks do not run: their records go
 * on to the next build as they are (a record whose key no longer holds is found so when
 * the hooks run again). Their diagnostics are in the "plugins" record. The same key means
 * the same pages, whose records are all the last build's "facts/<plugin>/" records: carried
 * as a kind, not looked up one by one (at 10,000 pages 20,000 lookups, 14 ms of a body
 * edit on the main thread). */
static void
carry_facts(memo *m, plugin_host *host)
{
    size_t n_names;
    const char **names = plugin_page_facts_names(host, &n_names);
    buf prefix = BUF_INIT;
    for (size_t k = 0; k < n_names; k++) {
        buf_clear(&prefix);
        buf_puts(&prefix, "facts/");
        record_name(&prefix, names[k], "");
        cache_next_keep_prefix(m->next, prefix.ptr);
    }
    buf_free(&prefix);
}

/* Everything the hooks see (the site value, every page's through it) and the plugins'
 * code: the same key, the same results. The pages are hashed on the pool first, then the
 * site with their hashes known; *page_hash takes the pages' hashes (free() it), which the
 * first plugin's page hooks see as they are (hook_key()). Fresh memos: the hooks change
 * the maps. */
static uint64_t
plugins_key(const plugin_host *host, site *s, size_t workers, uint64_t **page_hash)
{
    size_t n;
    page *const *pages = site_hook_pages(s, &n);
    uint64_t *hash = hash_pages(pages, n, workers, false);
    deps_memo *dm = deps_memo_new();
    for (size_t i = 0; i < n; i++)
        deps_memo_put_deep(dm, pages[i]->ctx, hash[i]);
    uint64_t key = hash_u64(hash_u64(program_hash(), plugin_host_hash(host)),
                            deps_hash(site_context(s), DEPS_DEEP, dm));
    deps_memo_free(dm);
    *page_hash = hash;
    return key;
}

/* The record "plugins": the key, site.data and what the site_loaded hooks reported. Each
 * page's page.data is not in it: the page hooks' results are in their own records
 * ("hook/<plugin>/<path>", recalled on the pool as when a facts edit runs site_loaded
 * again), which the record would otherwise hold a second time (most of its bytes: a
 * timeline per project). Restores them into the site when the key matches (true). */
static bool
restore_site_data(const cache *prev, cache_next *next, uint64_t key, site *s, arena *a, diag *d)
{
    size_t len;
    const void *data = cache_get(prev, "plugins", &len);
    serial_reader r = SERIAL_READER_BORROWING(data, len);
    if (!data || serial_get_u64(&r) != key)
        return false;
    value *site_data = serial_get_value(&r, a);
    diag *pd = diag_new();
    bool ok = r.ok && site_data && site_data->type == VALUE_MAP && serial_get_diags(&r, pd, a) &&
              r.p == r.end;
    if (ok) {
        value_map_set(site_context(s), "data", site_data, a);
        diag_merge(d, pd);
        if (next)
            carry_over(next, SIZE_MAX, "plugins", data, len);
    }
    diag_free(pd);
    return ok;
}

static void
remember_site_data(cache_next *next, uint64_t key, site *s, diag *pd)
{
    buf rec = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    serial_put_u64(&w, key);
    serial_put_value(&w, value_map_get(site_context(s), "data"));
    serial_put_diags(&w, pd);
    cache_next_put(next, "plugins", &rec);
    buf_free(&rec);
}

bool
memo_run_plugins(memo *m, plugin_host *host, site *s, size_t workers, arena **load_arenas,
                 bool *restored, arena *a, diag *d)
{
    const cache *prev = m ? m->prev : NULL;
    cache_next *next = m ? m->next : NULL;
    uint64_t *page_hash = NULL;
    uint64_t key = next ? plugins_key(host, s, workers, &page_hash) : 0;
    if (next) {
        m->plugins_key = key;
        m->plugins_keyed = true;
    }
    bool site_restored = prev && restore_site_data(prev, next, key, s, a, d);
    size_t n;
    page *const *pages = site_hook_pages(s, &n);
    const plugin_page_memo *hooks = NULL;
    if (next) {
        m->hooks = (plugin_page_memo){
            .start = start_hooks, .recall = recall_hook, .remember = remember_hook, .payload = m};
        m->facts = (plugin_page_memo){.start = start_facts,
                                      .recall_bytes = recall_facts,
                                      .remember = remember_facts,
                                      .payload = m};
        m->hooks_salt = hash_u64(program_hash(), plugin_host_hash(host));
        m->hook_page_hash = page_hash; /* as the first plugin's page hooks see the pages */
        m->hook_workers = workers;
        m->hook_memos = xcalloc(workers, sizeof(deps_memo *));
        hooks = &m->hooks;
    } else {
        free(page_hash);
    }
    size_t n_facts; /* the pages site_loaded sees: hook pages' first n_facts */
    page *const *facts_pages = site_pages(s, &n_facts);
    if (!site_restored) {
        diag *sd = diag_new(); /* the hooks' diagnostics, to be remembered with site.data */
        bool ok = plugin_run_page_facts(host, site_context(s), facts_pages, n_facts, workers,
                                        next ? &m->facts : NULL, sd);
        /* the first plugin's page hooks on the other threads meanwhile: most do not read
         * site.data, and those that do run again after */
        if (ok)
            plugin_start_page_hooks(host, site_context(s), pages, n, workers, load_arenas, hooks);
        ok = ok && plugin_run_site_loaded(host, site_context(s), workers, sd);
        plugin_stop_page_hooks(host);
        if (ok && next && diag_error_count(sd) == 0)
            remember_site_data(next, key, s, sd);
        diag_merge(d, sd);
        diag_free(sd);
        if (!ok) {
            end_hooks(m);
            return false;
        }
    } else if (next) {
        carry_facts(m, host);
    }
    bool ok =
        plugin_run_page_hooks(host, site_context(s), pages, n, workers, load_arenas, hooks, d);
    end_hooks(m);
    /* nothing ran: every page hook's result was recalled too */
    *restored = site_restored && m && atomic_load(&m->hooks_restored) == m->hook_calls;
    return ok;
}

size_t
memo_hooks_restored(const memo *m, size_t *calls)
{
    *calls = m ? m->hook_calls : 0;
    return m ? atomic_load(&m->hooks_restored) : 0;
}

size_t
memo_facts_restored(const memo *m, size_t *calls)
{
    *calls = m ? m->facts_calls : 0;
    return m ? atomic_load(&m->facts_restored) : 0;
}

/* {====================================================================
 * Markdown: each page's conversion, or what it gave last time (site_content_memo)
 * ===================================================================== */

/* "content/<path>" -> key, the HTML, the summary, the table of contents, the word count,
 * the links (destination, position, image), the numbered tables and figures (id, kind,
 * number, position: what refs from other pages read) and the diagnostics. */
static bool
recall_content(void *payload, size_t i, page *p, uint64_t key, arena *a, diag *d)
{
    (void)i;
    memo *m = payload;
    buf name = BUF_INIT;
    const void *data;
    size_t len;
    serial_reader r;
    if (!find_page_record(m, "content", p->path, key, &name, &data, &len, &r)) {
        buf_free(&name);
        return false;
    }
    size_t html_len;
    markdown_result md = {0};
    md.html = serial_get_text(&r, &html_len, a);
    uint64_t html_hash = serial_get_u64(&r);
    const char *summary = serial_get_str(&r, a);
    md.toc = serial_get_value(&r, a);
    md.word_count = serial_get_varint(&r);
    md.cjk_count = serial_get_varint(&r);
    md.n_links = serial_get_varint(&r);
    if (!r.ok || md.n_links > len) {
        buf_free(&name);
        return false;
    }
    md.links = arena_alloc(a, (md.n_links + 1) * sizeof(markdown_link));
    for (size_t k = 0; k < md.n_links && r.ok; k++) {
        md.links[k].dest = serial_get_str(&r, a);
        md.links[k].at = serial_get_pos(&r, a);
        md.links[k].image = serial_get_varint(&r) != 0;
        r.ok &= md.links[k].dest != NULL;
    }
    md.n_labels = serial_get_varint(&r);
    if (!r.ok || md.n_labels > len) {
        buf_free(&name);
        return false;
    }
    md.labels = arena_alloc(a, (md.n_labels + 1) * sizeof(markdown_label));
    for (size_t k = 0; k < md.n_labels && r.ok; k++) {
        bool has_id = serial_get_varint(&r) != 0;
        md.labels[k].id = has_id ? serial_get_str(&r, a) : NULL;
        md.labels[k].kind = serial_get_str(&r, a);
        md.labels[k].number = (unsigned)serial_get_varint(&r);
        md.labels[k].at = serial_get_pos(&r, a);
        r.ok &= md.labels[k].kind != NULL && (!has_id || md.labels[k].id != NULL);
    }
    diag *pd = NULL;
    bool ok =
        r.ok && md.html && html_hash && summary && serial_get_diags_new(&r, &pd, a) && r.p == r.end;
    if (ok) {
        p->md = md;
        p->html_hashed = md.html;
        p->html_hash = html_hash;
        p->html_hashed_len = html_len;
        p->summary = summary;
        diag_merge(d, pd);
        carry_over(m->next, m->first_page + i, name.ptr, data, len); /* for the build after */
        atomic_fetch_add_explicit(&m->restored, 1, memory_order_relaxed);
    }
    buf_free(&name);
    diag_free(pd);
    return ok;
}

static void
remember_content(void *payload, size_t i, const page *p, uint64_t key, diag *page_diags)
{
    memo *m = payload;
    buf rec = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    serial_put_u64(&w, key);
    size_t html_len = strlen(p->md.html);
    serial_put_text(&w, p->md.html, html_len);
    serial_put_u64(&w, value_string_hash(p->md.html, html_len)); /* page.content's next time */
    serial_put_str(&w, p->summary);
    serial_put_value(&w, p->md.toc);
    serial_put_varint(&w, p->md.word_count);
    serial_put_varint(&w, p->md.cjk_count);
    serial_put_varint(&w, p->md.n_links);
    for (size_t k = 0; k < p->md.n_links; k++) {
        serial_put_str(&w, p->md.links[k].dest);
        serial_put_pos(&w, p->md.links[k].at);
        serial_put_varint(&w, p->md.links[k].image);
    }
    serial_put_varint(&w, p->md.n_labels);
    for (size_t k = 0; k < p->md.n_labels; k++) {
        const markdown_label *l = &p->md.labels[k];
        serial_put_varint(&w, l->id != NULL);
        if (l->id)
            serial_put_str(&w, l->id);
        serial_put_str(&w, l->kind);
        serial_put_varint(&w, l->number);
        serial_put_pos(&w, l->at);
    }
    put_page_record(m, m->first_page + i, "content", p->path, &w, page_diags);
}

const site_content_memo *
memo_content(memo *m, site *s, size_t n_all)
{
    if (!m)
        return NULL;
    m->first_page = cache_next_reserve(m->next, n_all);
    deps_memo *raw = deps_memo_new();
    uint64_t salt = hash_u64(program_hash(), deps_hash(site_config(s)->raw, DEPS_DEEP, raw));
    deps_memo_free(raw);
    m->content = (site_content_memo){recall_content, remember_content, m, salt};
    return &m->content;
}

size_t
memo_content_restored(const memo *m)
{
    return m ? atomic_load(&m->restored) : 0;
}

/* {====================================================================
 * the search index: each page's terms
 * ===================================================================== */

/* The last build's record of the terms of the document at url, when made for key: its
 * bytes after the key in *data and *len; with carry (its place i), kept for the build after. */
static bool
search_record(memo *m, const char *url, uint64_t key, const void **data, size_t *len, bool carry,
              size_t i)
{
    buf name = BUF_INIT;
    const void *rec;
    size_t rec_len;
    serial_reader r;
    bool found = find_page_record(m, "search", url, hash_u64(program_hash(), key), &name, &rec,
                                  &rec_len, &r);
    if (found) {
        *data = r.p;
        *len = (size_t)(r.end - r.p);
        if (carry)
            carry_over(m->next, m->first_search + i, name.ptr, rec, rec_len);
    }
    buf_free(&name);
    return found;
}

static bool
recall_search(void *payload, size_t i, const char *url, uint64_t key, const void **data,
              size_t *len)
{
    return search_record(payload, url, key, data, len, true, i);
}

/* search_memo.recall_old: a changed document's terms as the last index has them */
static bool
recall_old_search(void *payload, const char *url, uint64_t key, const void **data, size_t *len)
{
    return search_record(payload, url, key, data, len, false, 0);
}

static void
remember_search(void *payload, size_t i, const char *url, uint64_t key, buf *data)
{
    memo *m = payload;
    buf rec = BUF_INIT, name = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    serial_put_u64(&w, hash_u64(program_hash(), key));
    buf_append(&rec, data->ptr, data->len);
    buf_free(data);
    record_name(&name, "search", url);
    cache_next_put_slot(m->next, m->first_search + i, name.ptr, &rec);
    buf_free(&name);
    buf_free(&rec);
}

/* A search block file's record "searchfile/<path>", in its reserved place (any thread):
 * the program's hash mixed with the key search.c gave the file's contents, then the
 * file's identity. */
static void
put_search_file(memo *m, size_t file, const char *name, uint64_t key, const output_file_id *id)
{
    buf rec = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    serial_put_u64(&w, hash_u64(program_hash(), key));
    put_file_id(&w, id);
    cache_next_put_slot(m->next, m->first_search_file + file, name, &rec);
    buf_free(&rec);
}

/* search_memo.keep: the file the last build wrote at path from the same key, claimed in
 * the output when it is still there untouched (output_keep), as the renders' files are. */
static bool
keep_search_file(void *payload, const char *path, uint64_t key, size_t file)
{
    memo *m = payload;
    buf name = BUF_INIT;
    const void *rec;
    size_t len;
    serial_reader r;
    output_file_id got;
    bool kept = find_page_record(m, "searchfile", path, hash_u64(program_hash(), key), &name, &rec,
                                 &len, &r);
    output_file_id want = get_file_id(&r);
    kept = kept && r.ok && r.p == r.end && output_keep(m->search_out, path, &want, &got, NULL);
    if (kept && memcmp(&got, &want, sizeof got) == 0) /* the very same file: the same record */
        cache_next_keep(m->next, m->first_search_file + file, name.ptr, rec, len);
    else if (kept)
        put_search_file(m, file, name.ptr, key, &got);
    buf_free(&name);
    return kept;
}

void
memo_search_wrote(memo *m, const char *path, uint64_t key, size_t file, const output_file_id *id)
{
    if (!m)
        return;
    buf name = BUF_INIT;
    record_name(&name, "searchfile", path);
    put_search_file(m, file, name.ptr, key, id);
    buf_free(&name);
}

/* "searchindex/<dir>": the program's hash, then the whole index search.c made (the keys
 * of its documents in it), for the next build to update. */
static bool
recall_search_index(void *payload, const char *dir, const void **data, size_t *len)
{
    memo *m = payload;
    buf name = BUF_INIT;
    const void *rec;
    size_t rec_len;
    serial_reader r;
    bool found = find_page_record(m, "searchindex", dir, program_hash(), &name, &rec, &rec_len, &r);
    if (found) {
        *data = r.p;
        *len = (size_t)(r.end - r.p);
    }
    buf_free(&name);
    return found;
}

static void
remember_search_index(void *payload, const char *dir, buf *data)
{
    memo *m = payload;
    buf rec = BUF_INIT, name = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    serial_put_u64(&w, program_hash());
    buf_append(&rec, data->ptr, data->len);
    buf_free(data);
    record_name(&name, "searchindex", dir);
    /* the same index (a rebuild that changed no page's words): the same record */
    size_t last_len;
    const void *last = cache_get(m->prev, name.ptr, &last_len);
    if (last && rec.len == last_len && memcmp(rec.ptr, last, rec.len) == 0)
        cache_next_keep(m->next, SIZE_MAX, name.ptr, last, last_len);
    else
        cache_next_put(m->next, name.ptr, &rec);
    buf_free(&name);
    buf_free(&rec);
}

/* search_memo.reserve: places for n more search files (the term shards), after the
 * blocks' */
static size_t
reserve_search_files(void *payload, size_t n)
{
    memo *m = payload;
    return cache_next_reserve(m->next, n) - m->first_search_file;
}

const search_memo *
memo_search(memo *m, size_t n, output *out)
{
    if (!m)
        return NULL;
    m->first_search = cache_next_reserve(m->next, n);
    /* a place for each block's two files (search_emit_fn numbers them) */
    m->first_search_file =
        cache_next_reserve(m->next, 2 * ((n + SEARCH_BLOCK_DOCS - 1) / SEARCH_BLOCK_DOCS));
    m->search_out = out;
    m->search = (search_memo){
        recall_search,       remember_search,       keep_search_file,  reserve_search_files,
        recall_search_index, remember_search_index, recall_old_search, m};
    return &m->search;
}

/* {====================================================================
 * files made whole from a key (memo_files): the sitemap
 * ===================================================================== */

void
memo_files_begin(memo *m, memo_files *f, const char *kind, output *out)
{
    *f = (memo_files){
        .m = m, .place = m ? cache_next_reserve(m->next, 1) : 0, .kind = kind, .out = out};
}

static void
add_file(memo_files *f, const char *path, const output_file_id *id, bool kept)
{
    f->files = xgrow(f->files, f->n, &f->cap, sizeof *f->files, 4);
    f->files[f->n++] = (struct memo_file){xstrdup(path), *id, kept};
}

/* "files/<kind>": the program's hash mixed with the key, the count of files, then each
 * one's path and identity. */
bool
memo_files_keep(memo_files *f, uint64_t key)
{
    f->key = key;
    if (!f->m)
        return false;
    buf name = BUF_INIT;
    const void *rec;
    size_t len;
    serial_reader r;
    bool all = find_page_record(f->m, "files", f->kind, hash_u64(program_hash(), key), &name, &rec,
                                &len, &r);
    size_t n = all ? serial_get_varint(&r) : 0;
    all = all && r.ok && n > 0 && n <= len;
    bool same = true;
    for (size_t i = 0; all && i < n; i++) {
        const char *path = serial_get_str(&r, NULL); /* borrowed: no arena */
        output_file_id want = get_file_id(&r), got;
        all = r.ok && path && output_keep(f->out, path, &want, &got, NULL);
        if (all) {
            same &= memcmp(&got, &want, sizeof got) == 0;
            add_file(f, path, &got, true);
        }
    }
    all = all && r.p == r.end;
    if (all && same) { /* the very same files: the same record (memo_files_end) */
        f->carried = rec;
        f->carried_len = len;
    }
    buf_free(&name);
    return all;
}

bool
memo_files_write(memo_files *f, const char *path, const void *data, size_t len, diag *d)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->files[i].kept && strcmp(f->files[i].path, path) == 0)
            return true; /* claimed by memo_files_keep: these bytes are its */
    output_file_id id;
    if (!output_write_id(f->out, path, data, len, &id, d))
        return false;
    add_file(f, path, &id, false);
    return true;
}

void
memo_files_end(memo_files *f)
{
    buf name = BUF_INIT;
    if (f->m)
        record_name(&name, "files", f->kind);
    if (f->m && f->carried) {
        cache_next_keep(f->m->next, f->place, name.ptr, f->carried, f->carried_len);
    } else if (f->m && f->n) {
        buf rec = BUF_INIT;
        serial_writer w = SERIAL_WRITER(&rec);
        serial_put_u64(&w, hash_u64(program_hash(), f->key));
        serial_put_varint(&w, f->n);
        for (size_t i = 0; i < f->n; i++) {
            serial_put_str(&w, f->files[i].path);
            put_file_id(&w, &f->files[i].id);
        }
        cache_next_put_slot(f->m->next, f->place, name.ptr, &rec);
        buf_free(&rec);
    }
    buf_free(&name);
    for (size_t i = 0; i < f->n; i++)
        free(f->files[i].path);
    free(f->files);
    *f = (memo_files){0};
}

/* {====================================================================
 * generate hooks
 * ===================================================================== */

/* What the generate hooks see: the plugins, the program and the site (with its pages'
 * contents unless with_content is false: then PLUGIN_CONTENT_KEYS are left out). Without
 * the contents, that site is what the page hooks made of the site plugins_key() hashed
 * (the hooks are pure, and the passes between them change only PLUGIN_CONTENT_KEYS), so
 * that key stands for it and the site is not hashed again. */
static uint64_t
generate_key(const memo *m, const plugin_host *host, site *s, bool with_content)
{
    if (!with_content && m->plugins_keyed)
        return hash_u64(m->plugins_key, 0x67656e); /* "gen" */
    deps_memo *dm = deps_memo_new();
    const value *ctx = site_context(s);
    uint64_t h = hash_u64(hash_u64(program_hash(), plugin_host_hash(host)), with_content);
    h = hash_u64(h, with_content ? deps_hash(ctx, DEPS_DEEP, dm)
                                 : deps_hash_except(ctx, PLUGIN_CONTENT_KEYS, 2, dm));
    deps_memo_free(dm);
    return h;
}

/* The record "generate": whether the hooks read the pages' contents, the key
 * (generate_key), the files (path, content or template and page value, origin) and the
 * hooks' diagnostics. */
static bool
restore_generated(const memo *m, const plugin_host *host, site *s, plugin_output **outs,
                  size_t *n_outs, bool *with_content, uint64_t *key, bool *keyed, arena *a, diag *d)
{
    size_t len;
    const void *data = cache_get(m->prev, "generate", &len);
    serial_reader r = SERIAL_READER_BORROWING(data, len);
    *with_content = serial_get_varint(&r) != 0;
    if (!data || !r.ok)
        return false;
    *key = generate_key(m, host, s, *with_content);
    *keyed = true;
    if (serial_get_u64(&r) != *key)
        return false;
    size_t n = serial_get_varint(&r);
    if (!r.ok || n > len)
        return false;
    plugin_output *o = arena_zalloc(a, (n + 1) * sizeof(plugin_output));
    for (size_t i = 0; i < n && r.ok; i++) {
        o[i].path = serial_get_str(&r, a);
        const void *content = serial_get_bytes(&r, &o[i].content_len);
        bool has_content = serial_get_varint(&r) != 0;
        o[i].content = has_content && content ? arena_strndup(a, content, o[i].content_len) : NULL;
        o[i].template_name = serial_get_str(&r, a);
        o[i].data = serial_get_value(&r, a);
        o[i].origin = serial_get_pos(&r, a);
        r.ok &= o[i].path && (o[i].content || o[i].template_name);
    }
    diag *pd = diag_new();
    bool ok = r.ok && serial_get_diags(&r, pd, a) && r.p == r.end;
    if (ok) {
        diag_merge(d, pd);
        *outs = o;
        *n_outs = n;
        carry_over(m->next, SIZE_MAX, "generate", data, len);
    }
    diag_free(pd);
    return ok;
}

static void
remember_generated(cache_next *next, bool with_content, uint64_t key, const plugin_output *o,
                   size_t n, diag *pd)
{
    buf rec = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    serial_put_varint(&w, with_content);
    serial_put_u64(&w, key);
    serial_put_varint(&w, n);
    for (size_t i = 0; i < n; i++) {
        serial_put_str(&w, o[i].path);
        serial_put_bytes(&w, o[i].content ? o[i].content : "", o[i].content_len);
        serial_put_varint(&w, o[i].content != NULL);
        serial_put_str(&w, o[i].template_name);
        serial_put_value(&w, o[i].data);
        serial_put_pos(&w, o[i].origin);
    }
    serial_put_diags(&w, pd);
    cache_next_put(next, "generate", &rec);
    buf_free(&rec);
}

bool
memo_run_generate(memo *m, plugin_host *host, site *s, plugin_output **outs, size_t *n, arena *a,
                  diag *d)
{
    bool keyed = false; /* key is generate_key(with_content), computed already */
    bool with_content = false;
    uint64_t key = 0;
    if (m && m->prev && restore_generated(m, host, s, outs, n, &with_content, &key, &keyed, a, d))
        return true;
    diag *pd = diag_new(); /* the hooks' diagnostics, to be remembered */
    bool read_content;
    bool ran = plugin_run_generate(host, site_context(s), outs, n, &read_content, pd);
    if (ran && m && diag_error_count(pd) == 0) {
        if (!keyed || with_content != read_content) /* the same key: not hashed again */
            key = generate_key(m, host, s, read_content);
        remember_generated(m->next, read_content, key, *outs, *n, pd);
    }
    diag_merge(d, pd);
    diag_free(pd);
    return ran;
}

/* {====================================================================
 * renders
 * ===================================================================== */

/* The previous cache, for the renders, when they were made by this fingerprint. */
static const cache *
renders_of(const build_options *opt, const cache *prev, uint64_t fingerprint, cache_next *next)
{
    bool same = same_u64_record(prev, next, "render-fingerprint", fingerprint);
    if (prev && !same && opt->cache_notes)
        fprintf(stderr, "clinfolio: the templates, plugins or program changed: every page is "
                        "rendered\n");
    return same ? prev : NULL;
}

void
memo_start_renders(memo *m, const template_set *ts, const plugin_host *host, size_t n_outputs)
{
    if (!m)
        return;
    cache_next_flush(m->next); /* the model's and the Markdown's records, in the file */
    m->renders = renders_of(m->opt, m->prev, render_fingerprint(ts, host), m->next);
    m->first_output = cache_next_reserve(m->next, n_outputs);
    m->site_reads = sitereads_new(m->renders);
}

/* A render's record: "render/<path>" -> the identity of the file it wrote (5 u64), the
 * template it was rendered with (a page's `template:` is not a value it reads), the group
 * of its reads of `site` (sitereads.h; 0: none) and its other reads (deps.h). */
static void
render_key(buf *key, const char *path)
{
    buf_clear(key);
    record_name(key, "render", path);
}

static void
put_render(memo *m, size_t i, const char *key, const output_file_id *id, const char *template_name,
           uint64_t site_reads, const void *deps, size_t len)
{
    buf rec = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&rec);
    put_file_id(&w, id);
    serial_put_str(&w, template_name);
    serial_put_u64(&w, site_reads);
    buf_append(&rec, deps, len);
    cache_next_put_slot(m->next, m->first_output + i, key, &rec);
    buf_free(&rec);
}

bool
memo_keep_render(memo *m, size_t i, const site_output *o, const char *template_name, output *out,
                 deps_memo *dm, arena *scratch, diag *d)
{
    if (!m || !m->renders)
        return false;
    buf key = BUF_INIT;
    render_key(&key, o->path);
    size_t len;
    const void *data = cache_getn(m->renders, key.ptr, key.len, &len);
    serial_reader r = SERIAL_READER(data, len);
    output_file_id want = get_file_id(&r), got;
    const char *name = serial_get_str(&r, scratch); /* the template the page chose */
    uint64_t site_reads = serial_get_u64(&r);
    bool kept = data && r.ok && name && strcmp(name, template_name) == 0 &&
                deps_check(r.p, (size_t)(r.end - r.p), o->ctx, dm, scratch) &&
                sitereads_check(m->site_reads, site_reads, o->ctx, dm, scratch) &&
                output_keep(out, o->path, &want, &got, d);
    if (kept)
        sitereads_need(m->site_reads, site_reads);
    if (kept && memcmp(&got, &want, sizeof got) == 0) /* the very same file: the same record */
        cache_next_keep(m->next, m->first_output + i, key.ptr, data, len);
    else if (kept)
        put_render(m, i, key.ptr, &got, template_name, site_reads, r.p, (size_t)(r.end - r.p));
    buf_free(&key);
    return kept;
}

void
memo_put_render(memo *m, size_t i, const char *path, const output_file_id *id,
                const char *template_name, const deps_log *log)
{
    buf key = BUF_INIT;
    render_key(&key, path);
    uint64_t site_reads =
        log->split ? sitereads_put(m->site_reads, log->split->data.ptr, log->split->data.len) : 0;
    put_render(m, i, key.ptr, id, template_name, site_reads, log->data.ptr, log->data.len);
    buf_free(&key);
}

/* {====================================================================
 * the commit
 * ===================================================================== */

void
memo_before_commit(memo *m, output *out, const site *s, const build_stats *st, arena *a, diag *d)
{
    if (!m)
        return;
    if (m->site_reads)
        sitereads_save(m->site_reads, m->next);
    files_record fr = {.rec = BUF_INIT};
    fr.n = output_files(out, &fr.files);
    pthread_t maker; /* at 10,000 pages about 4 ms, beside the 4.2 of the two lines below */
    bool apart = pthread_create(&maker, NULL, make_files_record, &fr) == 0;
    if (!apart)
        make_files_record(&fr);
    const char **paths;
    size_t n;
    if (m->prev && previous_files(m->prev, m->opt->out_dir, false, &paths, &n, a))
        output_set_previous_files(out, paths, n);
    buf inputs = inputs_record(m->inputs, site_valid_until(s), st, d);
    if (apart)
        pthread_join(maker, NULL);
    cache_next_put_sliced(m->next, "files", &fr.rec);  /* in this order, as ever */
    cache_next_put_sliced(m->next, "inputs", &inputs); /* the diagnostics mostly as they were */
}

void
memo_after_commit(memo *m, bool committed)
{
    if (!m)
        return;
    const build_options *opt = m->opt;
    const char *why = NULL;
    if (committed && opt->memory) {
        *opt->memory = cache_next_take(m->next, m->prev, opt->out_dir);
    } else if (committed && !cache_next_save(m->next, m->prev, m->path.ptr, opt->out_dir, &why)) {
        if (opt->cache_notes)
            fprintf(stderr, "clinfolio: cache %s not written (%s)\n", m->path.ptr, why);
    } else if (!committed && m->prev) {
        /* an update that failed half-way: the next build is a full one (prev is freed by
         * memo_close: the values read from it live as long as the build) */
        unlink(m->path.ptr);
        m->prev_stale = true;
    }
}

void
memo_close(memo *m)
{
    if (!m)
        return;
    join_fingerprint(m); /* a build that ended before memo_unchanged() */
    drop_rules(m);
    const build_options *opt = m->opt;
    if (opt->memory && !*opt->memory && !m->prev_stale) /* the output is still as prev says */
        *opt->memory = m->prev;
    else
        cache_free(m->prev);
    cache_next_free(m->next);
    sitereads_free(m->site_reads);
    inputs_seen_free(m->seen);
    buf_free(&m->path);
    free(m);
}
