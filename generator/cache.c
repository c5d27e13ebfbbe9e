/* SPDX-License-Identifier: MIT
 * cache.c - the incremental build's cache file (see cache.h). Layout (serial.h):
 *   "CLFCACHE" | format u64 | output folder's device u64, inode u64 | records u64 |
 *   per record: key (bytes), data (bytes) | checksum u64 of all before it
 * Part of the build pass (build.c), main thread. */
#include "cache.h"

#include "hash.h"
#include "serial.h"
#include "strtab.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC           "CLFCACHE"
#define FORMAT          3u
#define MAX_CACHE_BYTES ((size_t)1 << 31) /* 2 GiB: far beyond 100,000 pages' records */

typedef struct record {
    char *key;
    const void *data;
    size_t len;
} record;

struct cache {
    uint64_t checksum; /* of the file as read */
    char *data;        /* the whole file; records point into it (NULL: records own theirs) */
    record *records;
    size_t n;
    strtab by_key;
    uint64_t dev, ino; /* the output folder it was written for (cache_next_take) */
};

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

static uint64_t checksum_of(const char *data, size_t len);

static char *
read_all(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return NULL;
    struct stat st;
    char *data = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= MAX_CACHE_BYTES) {
        size_t size = (size_t)st.st_size, got = 0;
        data = xmalloc(size + 1);
        while (got < size) {
            ssize_t k = read(fd, data + got, size - got);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                break;
            got += (size_t)k;
        }
        if (got != size) {
            free(data);
            data = NULL;
        }
        *len = size;
    }
    close(fd);
    return data;
}

cache *
cache_load(const char *path, const char *out_dir, const char **why)
{
    size_t len = 0;
    char *data = read_all(path, &len);
    if (!data) {
        *why = "none";
        return NULL;
    }
    *why = "damaged";
    cache *c = xcalloc(1, sizeof *c);
    c->data = data;
    if (len < 8 + 8 * 5 || memcmp(data, MAGIC, 8) != 0)
        goto fail;
    serial_reader tail = SERIAL_READER(data + len - 8, 8);
    c->checksum = serial_get_u64(&tail);
    if (c->checksum != checksum_of(data, len - 8))
        goto fail;
    serial_reader r = SERIAL_READER(data + 8, len - 16);
    if (serial_get_u64(&r) != FORMAT) {
        *why = "another version's";
        goto fail;
    }
    c->dev = serial_get_u64(&r);
    c->ino = serial_get_u64(&r);
    if (!cache_still_for(c, out_dir)) {
        *why = "another output folder's";
        goto fail;
    }
    uint64_t n = serial_get_u64(&r);
    if (!r.ok || n > (uint64_t)(r.end - r.p) / 2) /* a record takes two bytes at least */
        goto fail;
    c->records = xcalloc(n + 1, sizeof(record));
    for (size_t i = 0; i < n; i++) {
        record *e = &c->records[i];
        size_t klen;
        const char *key = serial_get_bytes(&r, &klen);
        e->data = serial_get_bytes(&r, &e->len);
        if (!r.ok || !klen || memchr(key, '\0', klen))
            goto fail;
        e->key = xmalloc(klen + 1);
        memcpy(e->key, key, klen);
        e->key[klen] = '\0';
        c->n = i + 1;
        strtab_put(&c->by_key, e->key, e);
    }
    if (r.p != r.end)
        goto fail;
    *why = NULL;
    return c;
fail:
    cache_free(c);
    return NULL;
}

const void *
cache_get(const cache *c, const char *key, size_t *len)
{
    const record *e = c ? strtab_get(&c->by_key, key) : NULL;
    *len = e ? e->len : 0;
    return e ? e->data : NULL;
}

void
cache_free(cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->records[i].key);
        if (!c->data)
            free((void *)c->records[i].data);
    }
    free(c->records);
    strtab_free(&c->by_key);
    free(c->data);
    free(c);
}

struct cache_next {
    cache_record *records; /* empty ones are reserved slots not filled */
    size_t n, cap;
};

cache_next *
cache_next_new(void)
{
    return xcalloc(1, sizeof(cache_next));
}

static void
grow(cache_next *n, size_t more)
{
    if (n->n + more <= n->cap)
        return;
    n->cap = (n->n + more) * 2;
    n->records = xrealloc(n->records, n->cap * sizeof(cache_record));
}

size_t
cache_next_reserve(cache_next *n, size_t count)
{
    if (!count)
        return n->n;
    grow(n, count);
    memset(n->records + n->n, 0, count * sizeof(cache_record));
    n->n += count;
    return n->n - count;
}

static void
take(cache_record *r, const char *key, buf *data)
{
    r->key = xstrdup(key);
    r->len = data->len;
    r->data = buf_detach(data);
    r->borrowed = false;
}

void
cache_next_put(cache_next *n, const char *key, buf *data)
{
    grow(n, 1);
    take(&n->records[n->n++], key, data);
}

void
cache_next_put_slot(cache_next *n, size_t i, const char *key, buf *data)
{
    take(&n->records[i], key, data);
}

void
cache_next_keep(cache_next *n, size_t i, const char *key, const void *data, size_t len)
{
    if (i == SIZE_MAX) {
        grow(n, 1);
        i = n->n++;
    }
    n->records[i] = (cache_record){xstrdup(key), data, len, true};
}

void
cache_next_free(cache_next *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        free((char *)n->records[i].key);
        if (!n->records[i].borrowed)
            free((void *)n->records[i].data);
    }
    free(n->records);
    free(n);
}

cache *
cache_next_take(cache_next *next, const char *out_dir)
{
    cache *c = xcalloc(1, sizeof *c);
    if (!tree_id(out_dir, &c->dev, &c->ino)) {
        free(c);
        return NULL;
    }
    c->records = xcalloc(next->n + 1, sizeof(record));
    for (size_t i = 0; i < next->n; i++) {
        cache_record *r = &next->records[i];
        if (!r->key)
            continue;
        record *e = &c->records[c->n++];
        const void *data = r->data;
        if (r->borrowed) { /* the previous cache goes: a copy of its own */
            void *copy = xmalloc(r->len + 1);
            memcpy(copy, r->data, r->len);
            data = copy;
        }
        *e = (record){(char *)r->key, data, r->len};
        *r = (cache_record){NULL, NULL, 0, false};
        strtab_put(&c->by_key, e->key, e);
    }
    return c;
}

bool
cache_still_for(const cache *c, const char *out_dir)
{
    uint64_t dev, ino;
    return c && tree_id(out_dir, &dev, &ino) && dev == c->dev && ino == c->ino;
}

/* The checksum of a cache file: hash_bytes chained over its blocks of CHECKSUM_BLOCK bytes
 * (the last one shorter), so that it can be computed while the file is written. */
#define CHECKSUM_BLOCK 65536

static uint64_t
checksum_of(const char *data, size_t len)
{
    uint64_t h = 0;
    for (size_t at = 0; at < len; at += CHECKSUM_BLOCK)
        h = hash_bytes(h, data + at, len - at < CHECKSUM_BLOCK ? len - at : CHECKSUM_BLOCK);
    return h;
}

/* Where a cache is serialized: a block at a time into the checksum and, when fd is not
 * -1, the file. */
typedef struct sink {
    int fd;
    uint64_t sum;
    bool ok;
    size_t len;
    char block[CHECKSUM_BLOCK];
} sink;

static void
sink_flush(sink *k)
{
    if (!k->len)
        return;
    k->sum = hash_bytes(k->sum, k->block, k->len);
    for (size_t done = 0; k->fd >= 0 && k->ok && done < k->len;) {
        ssize_t w = write(k->fd, k->block + done, k->len - done);
        if (w < 0 && errno == EINTR)
            continue;
        k->ok = w > 0;
        done += w > 0 ? (size_t)w : 0;
    }
    k->len = 0;
}

static void
sink_put(sink *k, const void *p, size_t n)
{
    const char *s = p;
    while (n) {
        size_t room = CHECKSUM_BLOCK - k->len, take = n < room ? n : room;
        memcpy(k->block + k->len, s, take);
        k->len += take;
        s += take;
        n -= take;
        if (k->len == CHECKSUM_BLOCK)
            sink_flush(k);
    }
}

/* A varint or u64 through a small buffer (serial.h's encodings). */
static void
sink_encode(sink *k, bool varint, uint64_t x)
{
    buf b = BUF_INIT;
    serial_writer w = SERIAL_WRITER(&b);
    if (varint)
        serial_put_varint(&w, (size_t)x);
    else
        serial_put_u64(&w, x);
    sink_put(k, b.ptr, b.len);
    buf_free(&b);
}

/* Everything but the checksum; then k->sum is the checksum. */
static void
serialize(sink *k, const cache_next *next, uint64_t dev, uint64_t ino)
{
    size_t count = 0;
    for (size_t i = 0; i < next->n; i++)
        count += next->records[i].key != NULL;
    sink_put(k, MAGIC, 8);
    sink_encode(k, false, FORMAT);
    sink_encode(k, false, dev);
    sink_encode(k, false, ino);
    sink_encode(k, false, count);
    for (size_t i = 0; i < next->n; i++) {
        const cache_record *r = &next->records[i];
        if (!r->key)
            continue;
        size_t klen = strlen(r->key);
        sink_encode(k, true, klen);
        sink_put(k, r->key, klen);
        sink_encode(k, true, r->len);
        sink_put(k, r->data, r->len);
    }
    sink_flush(k);
}

bool
cache_next_save(const cache_next *next, const cache *prev, const char *path, const char *out_dir,
                const char **why)
{
    uint64_t dev, ino;
    if (!tree_id(out_dir, &dev, &ino)) {
        *why = "the output folder is missing";
        return false;
    }
    sink *k = xmalloc(sizeof *k);
    *k = (sink){.fd = -1, .ok = true};
    serialize(k, next, dev, ino);           /* first only the checksum */
    if (prev && prev->checksum == k->sum) { /* the same bytes are there already */
        free(k);
        return true;
    }
    buf dir = BUF_INIT, tmp = BUF_INIT;
    const char *slash = strrchr(path, '/');
    buf_append(&dir, path, slash ? (size_t)(slash - path) : 0);
    bool ok = false;
    struct stat st;
    if (dir.len && mkdir(dir.ptr, 0755) != 0 && errno != EEXIST) {
        *why = "cannot make its folder";
    } else if (dir.len && (lstat(dir.ptr, &st) != 0 || !S_ISDIR(st.st_mode))) {
        *why = "its folder is not a folder";
    } else {
        buf_printf(&tmp, "%s.tmp-%ld", path, (long)getpid());
        int fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        *k = (sink){.fd = fd, .ok = fd >= 0};
        if (fd >= 0) {
            serialize(k, next, dev, ino);
            uint64_t sum = k->sum;
            sink_encode(k, false, sum);
            sink_flush(k);
            ok = k->ok;
            ok &= close(fd) == 0;
        }
        ok = ok && rename(tmp.ptr, path) == 0;
        if (!ok) {
            *why = "cannot write it";
            unlink(tmp.ptr);
        }
    }
    free(k);
    buf_free(&tmp);
    buf_free(&dir);
    return ok;
}
