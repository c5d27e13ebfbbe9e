/* SPDX-License-Identifier: MIT
 * cache.c - the incremental build's cache file (see cache.h). Layout, integers
 * little-endian:
 *   "CLFCACHE" | format u32 | fingerprint u64 | output folder's device u64, inode u64 |
 *   entries u64 | per entry: path (varint length, bytes), dev, ino, size, mtime sec,
 *   mtime nsec (u64 each), deps (varint length, bytes) | checksum u64 of all before it
 * Part of the build pass (build.c), main thread. */
#include "cache.h"

#include "hash.h"
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
#define FORMAT          1u
#define MAX_CACHE_BYTES ((size_t)1 << 31) /* 2 GiB: far beyond 100,000 pages' reads */

struct cache {
    char *data; /* the whole file; entries point into it */
    cache_entry *entries;
    size_t n;
    strtab by_path;
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

/* {====================================================================
 * encoding
 * ===================================================================== */

static void
put_u64(buf *b, uint64_t x)
{
    char tmp[8];
    for (int i = 0; i < 8; i++)
        tmp[i] = (char)(x >> (8 * i));
    buf_append(b, tmp, 8);
}

static void
put_varint(buf *b, size_t x)
{
    do {
        buf_putc(b, (char)((x & 0x7f) | (x > 0x7f ? 0x80 : 0)));
        x >>= 7;
    } while (x);
}

static void
put_bytes(buf *b, const void *p, size_t len)
{
    put_varint(b, len);
    buf_append(b, p, len);
}

typedef struct reader {
    const unsigned char *p, *end;
    bool ok;
} reader;

static uint64_t
get_u64(reader *r)
{
    if (r->end - r->p < 8) {
        r->ok = false;
        return 0;
    }
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x |= (uint64_t)r->p[i] << (8 * i);
    r->p += 8;
    return x;
}

static const unsigned char *
get_bytes(reader *r, size_t *len)
{
    size_t x = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (shift > 56 || r->p == r->end) {
            r->ok = false;
            return NULL;
        }
        unsigned char c = *r->p++;
        x |= (size_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            break;
    }
    if ((size_t)(r->end - r->p) < x) {
        r->ok = false;
        return NULL;
    }
    const unsigned char *s = r->p;
    r->p += x;
    *len = x;
    return s;
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

/* {====================================================================
 * reading
 * ===================================================================== */

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
cache_load(const char *path, uint64_t fingerprint, const char *out_dir, const char **why)
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
    reader r = {(const unsigned char *)data, (const unsigned char *)data + len, true};
    if (len < 8 + 4 + 8 * 5 || memcmp(data, MAGIC, 8) != 0)
        goto fail;
    r.p += 8;
    reader tail = {r.end - 8, r.end, true};
    if (get_u64(&tail) != hash_bytes(0, data, len - 8))
        goto fail;
    r.end -= 8;
    uint32_t format =
        (uint32_t)r.p[0] | (uint32_t)r.p[1] << 8 | (uint32_t)r.p[2] << 16 | (uint32_t)r.p[3] << 24;
    r.p += 4;
    if (format != FORMAT || get_u64(&r) != fingerprint) {
        *why = "another build's";
        goto fail;
    }
    uint64_t dev = get_u64(&r), ino = get_u64(&r), now_dev, now_ino;
    if (!tree_id(out_dir, &now_dev, &now_ino) || dev != now_dev || ino != now_ino) {
        *why = "another output folder's";
        goto fail;
    }
    uint64_t n = get_u64(&r);
    if (!r.ok || n > (uint64_t)(r.end - r.p) / (1 + 5 * 8 + 1))
        goto fail;
    c->entries = xcalloc(n + 1, sizeof(cache_entry));
    for (size_t i = 0; i < n; i++) {
        cache_entry *e = &c->entries[i];
        size_t plen;
        const unsigned char *p = get_bytes(&r, &plen);
        if (!r.ok || !plen || memchr(p, '\0', plen))
            goto fail;
        /* the path is followed by at least 40 bytes: end it in place after copying */
        char *name = xmalloc(plen + 1);
        memcpy(name, p, plen);
        name[plen] = '\0';
        e->path = name;
        c->n = i + 1;
        e->id.dev = get_u64(&r);
        e->id.ino = get_u64(&r);
        e->id.size = get_u64(&r);
        e->id.mtime_sec = (int64_t)get_u64(&r);
        e->id.mtime_nsec = (int64_t)get_u64(&r);
        e->deps = get_bytes(&r, &e->deps_len);
        if (!r.ok)
            goto fail;
        strtab_put(&c->by_path, e->path, e);
    }
    if (r.p != r.end)
        goto fail;
    *why = NULL;
    return c;
fail:
    cache_free(c);
    return NULL;
}

const cache_entry *
cache_find(const cache *c, const char *rel)
{
    return c ? strtab_get(&c->by_path, rel) : NULL;
}

void
cache_free(cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free((char *)c->entries[i].path);
    free(c->entries);
    strtab_free(&c->by_path);
    free(c->data);
    free(c);
}

/* {====================================================================
 * writing
 * ===================================================================== */

bool
cache_save(const char *path, uint64_t fingerprint, const char *out_dir, const cache_entry *entries,
           size_t n, const char **why)
{
    uint64_t dev, ino;
    if (!tree_id(out_dir, &dev, &ino)) {
        *why = "the output folder is missing";
        return false;
    }
    buf b = BUF_INIT;
    buf_append(&b, MAGIC, 8);
    char format[4] = {(char)FORMAT, 0, 0, 0};
    buf_append(&b, format, 4);
    put_u64(&b, fingerprint);
    put_u64(&b, dev);
    put_u64(&b, ino);
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += entries[i].path != NULL;
    put_u64(&b, count);
    for (size_t i = 0; i < n; i++) {
        const cache_entry *e = &entries[i];
        if (!e->path)
            continue;
        put_bytes(&b, e->path, strlen(e->path));
        put_u64(&b, e->id.dev);
        put_u64(&b, e->id.ino);
        put_u64(&b, e->id.size);
        put_u64(&b, (uint64_t)e->id.mtime_sec);
        put_u64(&b, (uint64_t)e->id.mtime_nsec);
        put_bytes(&b, e->deps, e->deps_len);
    }
    put_u64(&b, hash_bytes(0, b.ptr, b.len));

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
        size_t done = 0;
        while (fd >= 0 && done < b.len) {
            ssize_t k = write(fd, b.ptr + done, b.len - done);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                break;
            done += (size_t)k;
        }
        ok = fd >= 0 && done == b.len && close(fd) == 0 && rename(tmp.ptr, path) == 0;
        if (!ok) {
            *why = "cannot write it";
            if (fd >= 0)
                unlink(tmp.ptr);
        }
    }
    buf_free(&tmp);
    buf_free(&dir);
    buf_free(&b);
    return ok;
}
