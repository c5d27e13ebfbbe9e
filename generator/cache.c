/* SPDX-License-Identifier: MIT
 * cache.c - the incremental build's cache file (see cache.h). Layout (serial.h):
 *   "CLFCACHE" | format u64 |
 *   the records' data, in the order the passes' threads wrote them |
 *   the index: output folder's device u64, inode u64 | records u64 | the keys' bytes
 *   u64 (all of them, in full) | per record, in place order: where its data starts
 *   (varint), its key (the keys are all here, so that reading the index touches none of
 *   the data's pages) as the length of the start it shares with the record's before
 *   (varint) and the rest (varint length and bytes: a kind's keys come together, "render/
 *   projects/..." after "render/projects/...", and at 10,000 pages the index written at
 *   every build was 5.6 MB with whole keys, 3.0 so), the data's length (varint), hash u64
 *   of the data |
 *   where the index starts u64 | checksum u64
 * The checksum is of the content (the folder, and each record's key's hash and data hash
 * in place order), not of the bytes, so that the same records written in another order
 * compare equal. The records are found by key through an index of their own (slots of
 * record numbers, each record with its key's hash), not a strtab: 73,000 keys at 10,000
 * pages went into a strtab in 17 ms of every build's start, one cache miss after another.
 * Part of the build pass (build.c); records are put by the passes' threads
 * (cache_next_put_slot, cache_next_keep), the rest on the main thread. */
#include "cache.h"

#include "hash.h"
#include "pool.h"
#include "serial.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xxh_x86dispatch.h> /* libxxhash's x86 builds export the dispatcher */
#define RECORD_HASH XXH3_64bits_dispatch
#else
#define RECORD_HASH XXH3_64bits
#endif

#define MAGIC "CLFCACHE"
/* 6: the records' hashes are XXH3; 7: the checksum takes key hashes; 8: keys share starts */
#define FORMAT       8u
#define HEADER_BYTES 16 /* magic and format */
#define TAIL_BYTES   16 /* where the index starts and the checksum */
/* 64 GiB: a cache of 100,000 pages takes about 2 GiB, and up to as much again of records
 * replaced since it was last written whole (cache_next_spool) */
#define MAX_CACHE_BYTES ((uint64_t)1 << 36)

typedef struct record {
    char *key;
    const void *data;
    size_t len;
    uint64_t hash;     /* data_hash() */
    uint64_t key_hash; /* key_hash() */
    size_t key_len;
} record;

struct cache {
    uint64_t checksum; /* of the content read (see above) */
    char *data;        /* the file mapped; records point into it (NULL: records own theirs) */
    size_t map_len;    /* the file's size */
    record *records;
    size_t n;
    char *key_block; /* the keys of a cache read from a file, one after another (NULL:
                      * each record owns its key) */
    uint32_t *slots; /* the index by key: a record's number + 1 in its key's slot or the
                      * next free one after it (0: free); mask + 1 of them, at most half
                      * full */
    size_t mask;
    uint64_t dev, ino;           /* the output folder it was written for (cache_next_take) */
    uint64_t file_dev, file_ino; /* the file itself, for appending to it (cache_next_spool) */
    size_t live;                 /* the bytes of its records' data */
    size_t garbage;  /* the bytes before its index that no record uses (replaced ones) */
    uint64_t serial; /* unique to it: which cache a thread's last_found is of */
};

/* The serials of caches and cache_nexts, each its own (0: none). */
static atomic_ullong serials;

void
cache_path(buf *out, const char *out_dir)
{
    size_t n = strlen(out_dir);
    while (n > 1 && out_dir[n - 1] == '/')
        n--;
    size_t slash = n;
    while (slash > 0 && out_dir[slash - 1] != '/')
        slash--;
    buf_append(out, out_dir, slash);
    buf_puts(out, ".clinfolio-cache/");
    buf_append(out, out_dir + slash, n - slash);
    buf_puts(out, ".cache");
}

void
cache_images_dir(buf *out, const char *out_dir)
{
    cache_path(out, out_dir);
    char *slash = strrchr(out->ptr, '/'); /* cache_path always puts one */
    out->len = (size_t)(slash - out->ptr);
    out->ptr[out->len] = '\0';
    buf_puts(out, "/images");
}

static bool
tree_id(const char *out_dir, uint64_t *dev, uint64_t *ino)
{
    struct stat st;
    if (lstat(out_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return false;
    *dev = (uint64_t)st.st_dev;
    *ino = (uint64_t)st.st_ino;
    return true;
}

/* The file at path mapped read-only (its pages are read as the records are used, not
 * copied into the heap first), with its size and identity; NULL when it is not a regular
 * file or cannot be mapped. A file only ever grows while it is mapped (cache_next_spool
 * appends, and cuts back only what it appended), so the mapping stays valid. */
static char *
map_file(const char *path, size_t *len, uint64_t *dev, uint64_t *ino)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return NULL;
    struct stat st;
    char *data = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size <= MAX_CACHE_BYTES) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        data = m == MAP_FAILED ? NULL : m;
        *len = (size_t)st.st_size;
        *dev = (uint64_t)st.st_dev;
        *ino = (uint64_t)st.st_ino;
    }
    close(fd);
    return data;
}

/* The hash of a record's data, and the checksum's step over one record. */
static uint64_t
data_hash(const void *data, size_t len)
{
    /* XXH3 (libxxhash): every record is hashed when it is put and checked when the cache
     * is loaded, 180 MB at 10,000 pages; through libxxhash's dispatcher, which picks the
     * widest vector unit the processor has (the same hash: AVX-512 here, 21 ms a pass over
     * 178 MB of 2.4 KB records against 28 with the SSE2 default build of XXH3_64bits) */
    return RECORD_HASH(data, len);
}

static uint64_t
checksum_step(uint64_t sum, uint64_t key_hash, uint64_t hash)
{
    return hash_u64(hash_u64(sum, key_hash), hash);
}

/* The hash of a record's key: its place in the index, and its part of the checksum. */
static uint64_t
key_hash(const char *key, size_t len)
{
    return hash_bytes(0x6b6579, key, len);
}

/* The slot of c's index that holds key (len bytes, hash kh), or the free one where it
 * would go. */
static size_t
slot_of(const cache *c, const char *key, size_t len, uint64_t kh)
{
    size_t s = kh & c->mask;
    for (; c->slots[s]; s = (s + 1) & c->mask) {
        const record *e = &c->records[c->slots[s] - 1];
        if (e->key_hash == kh && e->key_len == len && memcmp(e->key, key, len) == 0)
            break;
    }
    return s;
}

/* c's record of key (len bytes, hash kh), or NULL. */
static record *
find_record(const cache *c, const char *key, size_t len, uint64_t kh)
{
    if (!c || !c->slots)
        return NULL;
    uint32_t at = c->slots[slot_of(c, key, len, kh)];
    return at ? &c->records[at - 1] : NULL;
}

/* The index of c's records (its n first): a key put twice is found at its last record,
 * as a table that replaces a key's value would have it. */
static void
index_records(cache *c)
{
    size_t cap = 16;
    while (cap < 2 * c->n)
        cap *= 2;
    c->slots = xcalloc(cap, sizeof *c->slots);
    c->mask = cap - 1;
    for (size_t i = 0; i < c->n; i++) {
        const record *e = &c->records[i];
        c->slots[slot_of(c, e->key, e->key_len, e->key_hash)] = (uint32_t)(i + 1);
    }
}

static uint64_t
checksum_start(uint64_t dev, uint64_t ino, size_t count)
{
    return hash_u64(hash_u64(hash_u64(FORMAT, dev), ino), count);
}

/* The records' data checked against their hashes, a slice of records per job. */
#define VERIFY_SLICE 256

typedef struct verify_job {
    const record *records;
    size_t n;
    atomic_bool bad;
} verify_job;

static void
verify_slice(size_t i, size_t worker, void *payload)
{
    (void)worker;
    verify_job *j = payload;
    for (size_t k = i * VERIFY_SLICE; k < j->n && k < (i + 1) * VERIFY_SLICE; k++)
        if (data_hash(j->records[k].data, j->records[k].len) != j->records[k].hash) {
            atomic_store(&j->bad, true);
            return;
        }
}

cache *
cache_load(const char *path, const char *out_dir, size_t workers, const char **why)
{
    size_t len = 0;
    uint64_t file_dev = 0, file_ino = 0;
    char *data = map_file(path, &len, &file_dev, &file_ino);
    if (!data) {
        *why = "none";
        return NULL;
    }
    *why = "damaged";
    cache *c = xcalloc(1, sizeof *c);
    c->serial = atomic_fetch_add(&serials, 1) + 1;
    c->data = data;
    c->map_len = len;
    c->file_dev = file_dev;
    c->file_ino = file_ino;
    if (len < HEADER_BYTES + 3 * 8 + TAIL_BYTES || memcmp(data, MAGIC, 8) != 0)
        goto fail;
    serial_reader head = SERIAL_READER(data + 8, 8);
    if (serial_get_u64(&head) != FORMAT) {
        *why = "another version's";
        goto fail;
    }
    serial_reader tail = SERIAL_READER(data + len - TAIL_BYTES, TAIL_BYTES);
    uint64_t index_at = serial_get_u64(&tail);
    c->checksum = serial_get_u64(&tail);
    if (index_at < HEADER_BYTES || index_at > len - TAIL_BYTES)
        goto fail;
    serial_reader r = SERIAL_READER(data + index_at, len - TAIL_BYTES - index_at);
    c->dev = serial_get_u64(&r);
    c->ino = serial_get_u64(&r);
    uint64_t n = serial_get_u64(&r);
    uint64_t key_bytes = serial_get_u64(&r);
    /* an entry takes 12 bytes at least; the index numbers records in 32 bits; the keys,
     * whole, are not 32 times the index (at 10,000 pages 1.4 times: a damaged count must not
     * ask for more memory than that) */
    if (!r.ok || n > (uint64_t)(r.end - r.p) / 12 || n >= UINT32_MAX ||
        key_bytes > (uint64_t)(r.end - r.p) * 32)
        goto fail;
    uint64_t sum = checksum_start(c->dev, c->ino, n);
    c->records = xcalloc(n + 1, sizeof(record));
    /* the keys in one block, each whole with its NUL: 73,000 records at 10,000 pages, read
     * in 30 ms with an allocation each, 24 ms so (four edit builds each) */
    c->key_block = xmalloc((size_t)key_bytes + n + 1);
    char *key_at = c->key_block, *key_end = c->key_block + key_bytes + n;
    const char *before = "";
    size_t before_len = 0;
    for (size_t i = 0; i < n; i++) {
        record *e = &c->records[i];
        size_t at = serial_get_varint(&r), shared = serial_get_varint(&r), rest_len;
        const char *rest = serial_get_bytes(&r, &rest_len);
        e->len = serial_get_varint(&r);
        uint64_t hash = serial_get_u64(&r);
        size_t klen = shared + rest_len;
        if (!r.ok || at < HEADER_BYTES || at > index_at || shared > before_len || klen == 0 ||
            klen + 1 > (size_t)(key_end - key_at) || e->len > index_at - at)
            goto fail;
        if (memchr(rest, '\0', rest_len))
            goto fail;
        e->key = key_at;
        memcpy(e->key, before, shared);
        memcpy(e->key + shared, rest, rest_len);
        e->key[klen] = '\0';
        key_at += klen + 1;
        before = e->key;
        before_len = klen;
        e->data = data + at;
        e->hash = hash;
        c->live += e->len;
        e->key_hash = key_hash(e->key, klen);
        e->key_len = klen;
        sum = checksum_step(sum, e->key_hash, hash);
        c->n = i + 1;
    }
    if (r.p != r.end || sum != c->checksum || c->live > index_at - HEADER_BYTES)
        goto fail;
    index_records(c);
    /* every record's data against its hash, on the pool (a 10,000-page site's 250 MB) */
    verify_job vj = {c->records, c->n, false};
    pool_run(workers, (c->n + VERIFY_SLICE - 1) / VERIFY_SLICE, verify_slice, &vj);
    if (atomic_load(&vj.bad))
        goto fail;
    c->garbage = index_at - HEADER_BYTES - c->live;
    if (!cache_still_for(c, out_dir)) {
        *why = "another output folder's";
        goto fail;
    }
    *why = NULL;
    return c;
fail:
    cache_free(c);
    return NULL;
}

/* The record this thread's last cache_get() found: the memo keeps most records it reads
 * as they are (cache_next_keep() of their bytes right after), which then need not be
 * looked up again by their key (at 10,000 pages an edit keeps some 50,000) */
static _Thread_local struct {
    uint64_t serial; /* the cache's (a cache made later may have a freed one's address) */
    const record *e;
} last_found;

const void *
cache_get(const cache *c, const char *key, size_t *len)
{
    return cache_getn(c, key, strlen(key), len);
}

const void *
cache_getn(const cache *c, const char *key, size_t klen, size_t *len)
{
    const record *e = find_record(c, key, klen, key_hash(key, klen));
    last_found.serial = c ? c->serial : 0;
    last_found.e = e;
    *len = e ? e->len : 0;
    return e ? e->data : NULL;
}

/* "<key>#<i>": a slice's record. */
static void
slice_name(buf *name, const char *key, size_t i)
{
    buf_clear(name);
    buf_printf(name, "%s#%zu", key, i);
}

const void *
cache_get_sliced(const cache *c, const char *key, buf *out, size_t *len)
{
    *len = 0;
    size_t head_len;
    const void *head = cache_get(c, key, &head_len);
    serial_reader r = SERIAL_READER(head, head_len);
    uint64_t total = serial_get_u64(&r), count = serial_get_u64(&r);
    if (!head || !r.ok || r.p != r.end || total > (uint64_t)1 << 40 ||
        count != (total + CACHE_SLICE_BYTES - 1) / CACHE_SLICE_BYTES)
        return NULL; /* (a length no cache holds, before it is rounded up) */
    size_t start = out->len;
    buf name = BUF_INIT;
    for (uint64_t i = 0; i < count; i++) {
        slice_name(&name, key, (size_t)i);
        size_t part_len, want = i + 1 < count ? CACHE_SLICE_BYTES : total - i * CACHE_SLICE_BYTES;
        const void *part = cache_get(c, name.ptr, &part_len);
        if (!part || part_len != want) {
            buf_free(&name);
            out->len = start;
            return NULL;
        }
        buf_append(out, part, part_len);
    }
    buf_free(&name);
    *len = (size_t)total;
    return total ? out->ptr + start : "";
}

void
cache_free(cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        if (!c->key_block)
            free(c->records[i].key);
        if (!c->data)
            free((void *)c->records[i].data);
    }
    free(c->records);
    free(c->key_block);
    free(c->slots);
    if (c->data)
        munmap(c->data, c->map_len);
    free(c);
}

/* One record of the next cache: in memory (data), or in the spool file (at). */
typedef struct next_record {
    const char *key; /* NULL: a place reserved and not filled */
    const void *data;
    size_t len;
    uint64_t hash; /* data_hash() */
    uint64_t at;   /* where its data starts in the spool file */
    bool borrowed; /* data belongs to the previous cache (cache_next_keep) */
    /* the previous cache's record that this one keeps as it is (its key is borrowed too:
     * most of a one-page edit's 73,000 records at 10,000 pages), or NULL (the key is
     * this record's own copy) */
    const record *kept;
    size_t key_len;
    uint64_t key_hash; /* key_hash() */
} next_record;

/* A thread's run of the spool file: the records it spools, one after another in buf, up
 * to SPOOL_RUN bytes; when the next does not fit, or at the save, their place in the file
 * is taken at once and one pwrite() writes them (a pwrite() per record was 73,000 system
 * calls of 3 KB for a clean build of 10,000 pages: 135 ms against 40 for runs of 256 KB,
 * a file's worth by hand). */
#define SPOOL_RUN ((size_t)256 * 1024)

typedef struct spool_run {
    char *buf; /* SPOOL_RUN bytes, NULL until the first record */
    size_t len;
    size_t *recs; /* the records in buf (their indexes: the array may grow), whose `at`
                   * the flush sets */
    size_t n, cap;
    struct spool_run *next; /* cache_next.runs */
} spool_run;

struct cache_next {
    next_record *records;
    size_t n, cap;
    uint64_t serial; /* unique to it: which cache_next a thread's run is of (thread_run) */
    spool_run *runs; /* every thread's, under runs_lock */
    pthread_mutex_t runs_lock;
    const cache *prev;  /* what kept records are borrowed from (their hash is known) */
    int fd;             /* the spool file, or -1: the records stay in memory */
    buf spool;          /* its name */
    atomic_ullong end;  /* its next free byte */
    atomic_bool failed; /* a write to it failed */
    /* appending to prev's own file (its first base_len bytes, then what this build
     * writes): a record kept from prev stays where it is */
    bool append;
    uint64_t base_len;
    struct cache_next *live_next; /* in live_head while it has a file open */
};

/* The caches being written, for cache_remove_temporaries() (a signal, or the plugin
 * watchdog, ends the process): put in and taken out under live_lock by the building
 * thread, which holds it too while it renames or cuts a file; read by the thread that
 * ends the process. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static cache_next *live_head;

static void
live_add(cache_next *n)
{
    pthread_mutex_lock(&live_lock);
    n->live_next = live_head;
    live_head = n;
    pthread_mutex_unlock(&live_lock);
}

/* Under live_lock. */
static void
live_remove(cache_next *n)
{
    for (cache_next **p = &live_head; *p; p = &(*p)->live_next)
        if (*p == n) {
            *p = n->live_next;
            return;
        }
}

void
cache_remove_temporaries(void)
{
    pthread_mutex_lock(&live_lock);
    for (cache_next *n = live_head; n; n = n->live_next) {
        if (n->append) /* the last build's file as it was (a worker may yet write past its
                          end: the next build then finds it damaged, and starts afresh) */
            (void)ftruncate(n->fd, (off_t)n->base_len);
        else
            unlink(n->spool.ptr);
    }
    live_head = NULL;
    /* live_lock stays held: the process is ending, and no save may rename now */
}

/* Removes the temporary files "<name>.tmp-<pid>" beside path of builds that ended without
 * removing theirs (killed, or the machine stopped): those whose process is gone. A file
 * of a build still running (another process of that number) is left alone. */
static void
remove_stale_spools(const char *path)
{
    const char *slash = strrchr(path, '/');
    buf dir = BUF_INIT, prefix = BUF_INIT;
    buf_append(&dir, path, slash ? (size_t)(slash - path) : 0);
    if (!dir.len)
        buf_putc(&dir, '.');
    buf_printf(&prefix, "%s.tmp-", slash ? slash + 1 : path);
    int dfd = open(dir.ptr, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *dp = dfd >= 0 ? fdopendir(dfd) : NULL;
    for (struct dirent *e; dp && (e = readdir(dp));) {
        if (strncmp(e->d_name, prefix.ptr, prefix.len) != 0)
            continue;
        char *end;
        const char *digits = e->d_name + prefix.len;
        long pid = strtol(digits, &end, 10);
        if (end == digits || *end || pid <= 0 || pid > INT_MAX || pid == (long)getpid() ||
            kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        unlinkat(dirfd(dp), e->d_name, 0);
    }
    if (dp)
        closedir(dp);
    else if (dfd >= 0)
        close(dfd);
    buf_free(&dir);
    buf_free(&prefix);
}

cache_next *
cache_next_new(const cache *prev)
{
    cache_next *n = xcalloc(1, sizeof(cache_next));
    n->prev = prev;
    n->fd = -1;
    n->spool = BUF_INIT;
    n->serial = atomic_fetch_add(&serials, 1) + 1;
    pthread_mutex_init(&n->runs_lock, NULL);
    return n;
}

/* The calling thread's run of n's spool file, made at its first record. A thread keeps
 * the serial of the cache_next its run is of: another one's (a later build's) is never
 * mistaken for it, even at the address of a freed one. */
static spool_run *
thread_run(cache_next *n)
{
    static _Thread_local uint64_t serial;
    static _Thread_local spool_run *run;
    if (serial != n->serial) {
        run = xcalloc(1, sizeof *run);
        pthread_mutex_lock(&n->runs_lock);
        run->next = n->runs;
        n->runs = run;
        pthread_mutex_unlock(&n->runs_lock);
        serial = n->serial;
    }
    return run;
}

static bool write_at(int fd, const void *p, size_t len, uint64_t at);

/* Writes what run holds at the end of the file, its records told where, and empties it. */
static void
flush_run(cache_next *n, spool_run *run)
{
    if (!run->len)
        return;
    uint64_t at = atomic_fetch_add(&n->end, (unsigned long long)run->len);
    for (size_t i = 0; i < run->n; i++)
        n->records[run->recs[i]].at += at; /* it held its offset in buf */
    if (!write_at(n->fd, run->buf, run->len, at))
        atomic_store(&n->failed, true);
    run->len = run->n = 0;
}

void
cache_next_flush(cache_next *n)
{
    for (spool_run *run = n->runs; run && n->fd >= 0; run = run->next)
        flush_run(n, run);
}

/* Every thread's run written (the save, with no thread spooling) and freed. */
static void
end_runs(cache_next *n, bool write)
{
    for (spool_run *run = n->runs, *next; run; run = next) {
        next = run->next;
        if (write)
            flush_run(n, run);
        free(run->buf);
        free(run->recs);
        free(run);
    }
    n->runs = NULL;
}

/* Makes path's folder (when missing) and the temporary file beside path; false, with
 * *why, when it cannot. */
static bool
open_spool(cache_next *n, const char *path, const char **why)
{
    buf dir = BUF_INIT;
    const char *slash = strrchr(path, '/');
    buf_append(&dir, path, slash ? (size_t)(slash - path) : 0);
    struct stat st;
    bool ok = false;
    if (dir.len && mkdir(dir.ptr, 0755) != 0 && errno != EEXIST) {
        *why = "cannot make its folder";
    } else if (dir.len && (lstat(dir.ptr, &st) != 0 || !S_ISDIR(st.st_mode))) {
        *why = "its folder is not a folder";
    } else {
        buf_clear(&n->spool);
        buf_printf(&n->spool, "%s.tmp-%ld", path, (long)getpid());
        n->fd = open(n->spool.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        buf head = BUF_INIT;
        serial_writer w = SERIAL_WRITER(&head);
        buf_append(&head, MAGIC, 8);
        serial_put_u64(&w, FORMAT);
        ok = n->fd >= 0 && pwrite(n->fd, head.ptr, head.len, 0) == (ssize_t)head.len;
        buf_free(&head);
        atomic_store(&n->end, HEADER_BYTES);
        atomic_store(&n->failed, false);
        if (!ok)
            *why = "cannot write it";
    }
    buf_free(&dir);
    if (!ok && n->fd >= 0) {
        close(n->fd);
        unlink(n->spool.ptr);
        n->fd = -1;
    }
    if (ok)
        live_add(n);
    return ok;
}

/* Opens prev's own file at path to append this build's records to it, when it is still
 * the file prev mapped, as prev mapped it (no other build wrote to it since; the flock
 * keeps a concurrent one off until the save), and its records replaced since it was
 * written whole take no more room than those still in use (past that it is written whole
 * again, without them). */
static bool
open_append(cache_next *n, const char *path)
{
    const cache *prev = n->prev;
    if (!prev || !prev->data || prev->garbage > prev->live)
        return false;
    int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return false;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0 || fstat(fd, &st) != 0 ||
        (uint64_t)st.st_dev != prev->file_dev || (uint64_t)st.st_ino != prev->file_ino ||
        (uint64_t)st.st_size != prev->map_len) {
        close(fd);
        return false;
    }
    n->fd = fd;
    n->append = true;
    n->base_len = prev->map_len;
    atomic_store(&n->end, prev->map_len);
    atomic_store(&n->failed, false);
    live_add(n);
    return true;
}

static void spool_record(cache_next *n, next_record *r);

/* The records put so far into the spool file, just opened. */
static void
spool_all(cache_next *n)
{
    for (size_t i = 0; i < n->n; i++)
        if (n->records[i].key)
            spool_record(n, &n->records[i]);
    flush_run(n, thread_run(n)); /* in the file from here on */
}

void
cache_next_spool(cache_next *n, const char *path, bool append_ok)
{
    const char *why;
    remove_stale_spools(path);
    if (n->fd < 0 && ((append_ok && open_append(n, path)) || open_spool(n, path, &why)))
        spool_all(n); /* else in memory: the save says why */
}

static bool
write_at(int fd, const void *p, size_t len, uint64_t at)
{
    const char *s = p;
    while (len) {
        ssize_t w = pwrite(fd, s, len, (off_t)at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        s += w;
        len -= (size_t)w;
        at += (uint64_t)w;
    }
    return true;
}

/* The record of prev that a record key (klen bytes, hash kh) of data[0..len) borrowed from
 * prev keeps (NULL when it is not prev's record as it is). */
static const record *
kept_record(const cache_next *n, const char *key, size_t klen, uint64_t kh, const void *data,
            size_t len, bool borrowed)
{
    const record *e = borrowed ? find_record(n->prev, key, klen, kh) : NULL;
    return e && e->data == data && e->len == len ? e : NULL;
}

/* Writes r's data at the end of the spool file (its key goes in the index); r then holds
 * where. When appending to prev's file, a record kept from it is not written again: r
 * holds where it is. */
static void
spool_record(cache_next *n, next_record *r)
{
    const record *e = n->append ? r->kept : NULL;
    if (e) {
        r->at = (uint64_t)((const char *)e->data - n->prev->data);
        r->data = NULL;
        return;
    }
    if (r->len > SPOOL_RUN / 8) { /* a large record: written as it is */
        r->at = atomic_fetch_add(&n->end, (unsigned long long)r->len);
        if (!write_at(n->fd, r->data, r->len, r->at))
            atomic_store(&n->failed, true);
    } else {
        spool_run *run = thread_run(n);
        if (run->len + r->len > SPOOL_RUN)
            flush_run(n, run);
        if (!run->buf)
            run->buf = xmalloc(SPOOL_RUN);
        run->recs = xgrow(run->recs, run->n, &run->cap, sizeof *run->recs, 256);
        run->recs[run->n++] = (size_t)(r - n->records);
        r->at = run->len; /* flush_run() adds where the run goes */
        memcpy(run->buf + run->len, r->data, r->len);
        run->len += r->len;
    }
    if (!r->borrowed)
        free((void *)r->data);
    r->data = NULL;
}

static void
grow(cache_next *n, size_t more)
{
    if (n->n + more <= n->cap)
        return;
    n->cap = (n->n + more) * 2;
    n->records = xrealloc(n->records, n->cap * sizeof(next_record));
}

size_t
cache_next_reserve(cache_next *n, size_t count)
{
    if (!count)
        return n->n;
    grow(n, count);
    memset(n->records + n->n, 0, count * sizeof(next_record));
    n->n += count;
    return n->n - count;
}

/* Place i, or a new one when i is SIZE_MAX (main thread). */
static next_record *
place_at(cache_next *n, size_t i)
{
    if (i == SIZE_MAX) {
        grow(n, 1);
        i = n->n++;
    }
    return &n->records[i];
}

/* Fills place i with record e of the previous cache, kept as it is (key and data
 * borrowed). */
static void
place_kept(cache_next *n, size_t i, const record *e)
{
    next_record *r = place_at(n, i);
    *r = (next_record){.key = e->key,
                       .data = e->data,
                       .len = e->len,
                       .hash = e->hash,
                       .borrowed = true,
                       .kept = e,
                       .key_len = e->key_len,
                       .key_hash = e->key_hash};
    if (n->fd >= 0)
        spool_record(n, r);
}

/* Fills place i (a new one when SIZE_MAX: main thread) with key and data. */
static void
place(cache_next *n, size_t i, const char *key, const void *data, size_t len, bool borrowed)
{
    const record *found = last_found.e;
    if (borrowed && found && n->prev && last_found.serial == n->prev->serial &&
        found->data == data && found->len == len &&
        strcmp(found->key, key) == 0) { /* what cache_get() just found: prev's, as it is */
        place_kept(n, i, found);
        return;
    }
    size_t klen = strlen(key);
    uint64_t kh = key_hash(key, klen);
    const record *e = kept_record(n, key, klen, kh, data, len, borrowed);
    if (e) {
        place_kept(n, i, e);
        return;
    }
    next_record *r = place_at(n, i);
    *r = (next_record){.key = xstrdup(key),
                       .data = data,
                       .len = len,
                       .hash = data_hash(data, len),
                       .borrowed = borrowed,
                       .key_len = klen,
                       .key_hash = kh};
    if (n->fd >= 0)
        spool_record(n, r);
}

void
cache_next_put(cache_next *n, const char *key, buf *data)
{
    size_t len = data->len;
    place(n, SIZE_MAX, key, buf_detach(data), len, false);
}

void
cache_next_put_sliced(cache_next *n, const char *key, buf *data)
{
    size_t len = data->len, count = (len + CACHE_SLICE_BYTES - 1) / CACHE_SLICE_BYTES;
    buf head = BUF_INIT, name = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&head);
    serial_put_u64(&w, len);
    serial_put_u64(&w, count);
    cache_next_put(n, key, &head);
    for (size_t i = 0; i < count; i++) {
        size_t at = i * CACHE_SLICE_BYTES;
        size_t part = len - at < CACHE_SLICE_BYTES ? len - at : CACHE_SLICE_BYTES;
        slice_name(&name, key, i);
        const record *was = find_record(n->prev, name.ptr, name.len, key_hash(name.ptr, name.len));
        if (was && was->len == part && memcmp(was->data, data->ptr + at, part) == 0) {
            place_kept(n, SIZE_MAX, was);
        } else {
            buf slice = BUF_INIT;
            buf_append(&slice, data->ptr + at, part);
            cache_next_put(n, name.ptr, &slice);
        }
    }
    buf_free(&name);
    buf_free(data);
}

void
cache_next_put_slot(cache_next *n, size_t i, const char *key, buf *data)
{
    size_t len = data->len;
    place(n, i, key, buf_detach(data), len, false);
}

void
cache_next_keep(cache_next *n, size_t i, const char *key, const void *data, size_t len)
{
    place(n, i, key, data, len, true);
}

size_t
cache_next_keep_prefix(cache_next *n, const char *prefix)
{
    const cache *prev = n->prev;
    size_t plen = strlen(prefix), kept = 0;
    for (size_t i = 0; prev && i < prev->n; i++) {
        const record *e = &prev->records[i];
        if (e->key_len < plen || memcmp(e->key, prefix, plen) != 0 ||
            find_record(prev, e->key, e->key_len, e->key_hash) != e)
            continue; /* another key, or one a later record of prev replaced */
        place_kept(n, SIZE_MAX, e);
        kept++;
    }
    return kept;
}

/* Closes and removes the spool file, if any; when appending to the previous cache's
 * file, cuts off what this build wrote, which leaves that cache as it was. */
static void
drop_spool(cache_next *n)
{
    if (n->fd < 0)
        return;
    pthread_mutex_lock(&live_lock);
    live_remove(n);
    if (n->append) {
        if (ftruncate(n->fd, (off_t)n->base_len) != 0) {
            /* what was appended stays after the old tail: the next build finds the file
             * damaged and starts afresh */
        }
        n->append = false;
    } else {
        unlink(n->spool.ptr);
    }
    close(n->fd);
    n->fd = -1;
    pthread_mutex_unlock(&live_lock);
}

void
cache_next_free(cache_next *n)
{
    if (!n)
        return;
    end_runs(n, false);
    pthread_mutex_destroy(&n->runs_lock);
    drop_spool(n); /* not saved */
    for (size_t i = 0; i < n->n; i++) {
        if (!n->records[i].kept)
            free((char *)n->records[i].key);
        if (!n->records[i].borrowed)
            free((void *)n->records[i].data);
    }
    free(n->records);
    buf_free(&n->spool);
    free(n);
}

/* The bytes of a record kept from prev, for a cache of its own: moved out of prev when
 * prev's record owns them (a rebuild of serve would otherwise copy every page's records
 * again), else copied. */
static const void *
own_kept(cache *prev, const char *key, const void *data, size_t len)
{
    size_t klen = strlen(key);
    record *e = prev && !prev->data ? find_record(prev, key, klen, key_hash(key, klen)) : NULL;
    if (e && e->data == data) {
        e->data = NULL;
        e->len = 0;
        return data;
    }
    void *copy = xmalloc(len + 1);
    memcpy(copy, data, len);
    return copy;
}

cache *
cache_next_take(cache_next *next, cache *prev, const char *out_dir)
{
    if (next->fd >= 0) /* its records are in the spool file, not here */
        return NULL;
    cache *c = xcalloc(1, sizeof *c);
    c->serial = atomic_fetch_add(&serials, 1) + 1;
    if (!tree_id(out_dir, &c->dev, &c->ino)) {
        free(c);
        return NULL;
    }
    c->records = xcalloc(next->n + 1, sizeof(record));
    size_t count = 0;
    for (size_t i = 0; i < next->n; i++)
        count += next->records[i].key != NULL;
    c->checksum = checksum_start(c->dev, c->ino, count);
    for (size_t i = 0; i < next->n; i++) {
        next_record *r = &next->records[i];
        if (!r->key)
            continue;
        c->checksum = checksum_step(c->checksum, r->key_hash, r->hash);
        record *e = &c->records[c->n++];
        const void *data = r->borrowed ? own_kept(prev, r->key, r->data, r->len) : r->data;
        /* a key borrowed from prev is copied: c outlives prev */
        char *key = r->kept ? xstrdup(r->key) : (char *)r->key;
        *e = (record){key, data, r->len, r->hash, r->key_hash, r->key_len};
        c->live += r->len;
        *r = (next_record){0};
    }
    index_records(c);
    return c;
}

bool
cache_still_for(const cache *c, const char *out_dir)
{
    uint64_t dev, ino;
    return c && tree_id(out_dir, &dev, &ino) && dev == c->dev && ino == c->ino;
}

bool
cache_next_save(cache_next *next, const cache *prev, const char *path, const char *out_dir,
                const char **why)
{
    uint64_t dev, ino;
    if (!tree_id(out_dir, &dev, &ino)) {
        *why = "the output folder is missing";
        return false;
    }
    size_t count = 0;
    for (size_t i = 0; i < next->n; i++)
        count += next->records[i].key != NULL;
    uint64_t sum = checksum_start(dev, ino, count);
    size_t key_bytes = 0;
    for (size_t i = 0; i < next->n; i++) {
        const next_record *r = &next->records[i];
        if (r->key) {
            sum = checksum_step(sum, r->key_hash, r->hash);
            key_bytes += r->key_len;
        }
    }
    if (prev && prev->checksum == sum) { /* the same records are there already */
        drop_spool(next);
        return true;
    }
    if (next->fd < 0) { /* in memory so far */
        if (!open_spool(next, path, why))
            return false;
        spool_all(next);
    }
    end_runs(next, true); /* every record where the index says */
    buf index = BUF_INIT;
    /* sized once (3.0 MB at 10,000 pages): per record at most four varints of 10 bytes and
     * a hash, and its key */
    buf_grow(&index, 6 * 8 + count * 48 + key_bytes);
    serial_writer w = SERIAL_WRITER(&index);
    serial_put_u64(&w, dev);
    serial_put_u64(&w, ino);
    serial_put_u64(&w, count);
    serial_put_u64(&w, key_bytes);
    const char *before = "";
    size_t before_len = 0;
    for (size_t i = 0; i < next->n; i++) {
        const next_record *r = &next->records[i];
        if (!r->key)
            continue;
        size_t shared = 0;
        while (shared < before_len && shared < r->key_len && before[shared] == r->key[shared])
            shared++;
        serial_put_varint(&w, (size_t)r->at);
        serial_put_varint(&w, shared);
        serial_put_bytes(&w, r->key + shared, r->key_len - shared);
        serial_put_varint(&w, r->len);
        serial_put_u64(&w, r->hash);
        before = r->key;
        before_len = r->key_len;
    }
    uint64_t index_at = atomic_load(&next->end);
    serial_put_u64(&w, index_at);
    serial_put_u64(&w, sum);
    bool ok = !atomic_load(&next->failed) && write_at(next->fd, index.ptr, index.len, index_at);
    buf_free(&index);
    if (!ok) {
        *why = "cannot write it";
        drop_spool(next);
        return false;
    }
    pthread_mutex_lock(&live_lock); /* the file is the cache from here on */
    live_remove(next);
    if (next->append) {            /* the new index and tail end prev's file: nothing to rename */
        ok = close(next->fd) == 0; /* and the flock goes */
        next->fd = -1;
        next->append = false;
    } else {
        ok = close(next->fd) == 0;
        next->fd = -1;
        ok = ok && rename(next->spool.ptr, path) == 0;
        if (!ok)
            unlink(next->spool.ptr);
    }
    pthread_mutex_unlock(&live_lock);
    if (!ok)
        *why = "cannot write it";
    return ok;
}
