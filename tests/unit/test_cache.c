/* SPDX-License-Identifier: MIT
 * test_cache.c - the cache of incremental builds (cache.h): records saved and read back,
 * written to a temporary file as they come (spooled), the file refused whole when
 * damaged or written for another output folder, not written again when its records are
 * the same, handed over in memory. */
#include "harness.h"

#include "cache.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256], out[300], path[400];

/* Records render/p<i> for every other place i of pages, plugins and nul; spooled: put
 * in the opposite order, and spooled to path after the first of them. */
static cache_next *
sample_of(size_t pages, bool spooled)
{
    cache_next *n = cache_next_new(NULL);
    size_t first = cache_next_reserve(n, pages);
    INT_EQ(cache_next_reserve(n, 0), first + pages, "reserving nothing");
    buf b = BUF_INIT;
    size_t filled = (pages + 1) / 2;
    for (size_t k = 0; k < filled; k++) { /* every other place filled */
        size_t i = 2 * (spooled ? filled - 1 - k : k);
        char key[32];
        snprintf(key, sizeof key, "render/p%zu", i);
        buf_printf(&b, "data of page %zu", i);
        cache_next_put_slot(n, first + i, key, &b);
        OK(b.len == 0, "the data is taken");
        if (spooled && k == 0)
            cache_next_spool(n, path, true);
    }
    buf_puts(&b, "plugins' results");
    cache_next_put(n, "plugins", &b);
    buf_append(&b, "\0binary\0", 8);
    cache_next_put(n, "nul", &b);
    buf_free(&b);
    return n;
}

static cache_next *
sample(size_t pages)
{
    return sample_of(pages, false);
}

static cache_next *
sample_spooled(size_t pages)
{
    return sample_of(pages, true);
}

/* Records kept from c (render/p0 and plugins) and a new one (render/p1). */
static cache_next *
kept_sample(const cache *c)
{
    cache_next *k = cache_next_new(c);
    size_t at = cache_next_reserve(k, 2);
    size_t len;
    const void *data = cache_get(c, "render/p0", &len);
    cache_next_keep(k, at, "render/p0", data, len);
    data = cache_get(c, "plugins", &len);
    cache_next_keep(k, SIZE_MAX, "plugins", data, len);
    buf nb = BUF_INIT;
    buf_puts(&nb, "new");
    cache_next_put_slot(k, at + 1, "render/p1", &nb);
    return k;
}

static void
expect_records(const cache *c, size_t pages, const char *what)
{
    size_t len;
    for (size_t i = 0; i < pages; i++) {
        char key[32], want[64];
        snprintf(key, sizeof key, "render/p%zu", i);
        const char *data = cache_get(c, key, &len);
        if (i % 2) {
            OK(!data && len == 0, "%s: place %zu left empty is no record", what, i);
            continue;
        }
        snprintf(want, sizeof want, "data of page %zu", i);
        OK(data && len == strlen(want) && memcmp(data, want, len) == 0, "%s: record %s", what, key);
    }
    const char *data = cache_get(c, "plugins", &len);
    OK(data && len == 16 && memcmp(data, "plugins' results", 16) == 0, "%s: plugins", what);
    data = cache_get(c, "nul", &len);
    OK(data && len == 8 && memcmp(data, "\0binary\0", 8) == 0, "%s: bytes with NUL", what);
    OK(!cache_get(c, "absent", &len) && len == 0, "%s: no such record", what);
}

/* A key put twice is found at its last record, as saved and as handed over in memory; the
 * keys of 3,000 records (the index probes past its first slots) all found, none that was
 * not put. */
static void
test_index(void)
{
    cache_next *n = cache_next_new(NULL);
    buf b = BUF_INIT;
    for (size_t i = 0; i < 3000; i++) {
        char key[32];
        snprintf(key, sizeof key, "page/p%zu", i);
        buf_printf(&b, "v%zu", i);
        cache_next_put(n, key, &b);
    }
    buf_puts(&b, "first");
    cache_next_put(n, "twice", &b);
    buf_puts(&b, "second");
    cache_next_put(n, "twice", &b);
    buf_free(&b);
    const char *why = NULL;
    char file[450];
    snprintf(file, sizeof file, "%s.index", path);
    OK(cache_next_save(n, NULL, file, out, &why), "saved 3,002 records");
    cache *c = cache_load(file, out, 2, &why);
    size_t len, found = 0;
    for (size_t i = 0; c && i < 3000; i++) {
        char key[32], want[32];
        snprintf(key, sizeof key, "page/p%zu", i);
        snprintf(want, sizeof want, "v%zu", i);
        const char *data = cache_get(c, key, &len);
        found += data && len == strlen(want) && memcmp(data, want, len) == 0;
    }
    INT_EQ(found, 3000, "every key found with its own data");
    OK(!cache_get(c, "page/p3000", &len) && !cache_get(c, "page/p", &len) &&
           !cache_get(c, "page/p12 ", &len) && !cache_get(c, "", &len),
       "keys never put are not found");
    const char *data = cache_get(c, "twice", &len);
    OK(data && len == 6 && memcmp(data, "second", 6) == 0, "a key put twice: its last record");
    cache_free(c);
    unlink(file);
    cache_next_free(n);
}

static void
put_str(cache_next *n, const char *key, const char *data)
{
    buf b = BUF_INIT;
    buf_puts(&b, data);
    cache_next_put(n, key, &b);
    buf_free(&b);
}

static bool
has_str(const cache *c, const char *key, const char *want)
{
    size_t len;
    const char *data = cache_get(c, key, &len);
    return want ? data && len == strlen(want) && memcmp(data, want, len) == 0 : !data;
}

/* cache_next_keep_prefix(): the records of the last cache whose keys start with a prefix,
 * each once (a key put twice: its last record), carried into the next cache, whether it
 * is saved to a new file or appended to the last one's; no others. */
static void
test_keep_prefix(void)
{
    char file[450];
    snprintf(file, sizeof file, "%s.prefix", path);
    cache_next *n = cache_next_new(NULL);
    INT_EQ(cache_next_keep_prefix(n, "facts/"), 0, "no previous cache: nothing kept");
    put_str(n, "facts/a/p1", "A1");
    put_str(n, "facts/a/p2", "A2 old");
    put_str(n, "facts/ab/p1", "AB1");
    put_str(n, "facts/b/p1", "B1");
    put_str(n, "hook/a/p1", "H1");
    put_str(n, "facts/a/p2", "A2");
    put_str(n, "facts/a/", "A");
    const char *why = NULL;
    OK(cache_next_save(n, NULL, file, out, &why), "saved the records to carry");
    cache_next_free(n);
    cache *c = cache_load(file, out, 2, &why);
    OK(c != NULL, "read back");
    for (int append = 0; c && append < 2; append++) {
        char next_file[460];
        snprintf(next_file, sizeof next_file, "%s%s", file, append ? "" : ".next");
        struct stat was, is;
        stat(file, &was);
        cache_next *k = cache_next_new(c);
        if (append)
            cache_next_spool(k, file, true);
        size_t kept = cache_next_keep_prefix(k, "facts/a/");
        OK(kept == 3, "%s: three records kept (%zu)", append ? "appended" : "new file", kept);
        put_str(k, "other", "O");
        OK(cache_next_save(k, c, next_file, out, &why), "saved the next cache");
        cache_next_free(k);
        if (append)
            OK(stat(file, &is) == 0 && is.st_ino == was.st_ino && is.st_size > was.st_size,
               "appended to the last cache's file, not written anew");
        cache *d = cache_load(next_file, out, 2, &why);
        OK(d && has_str(d, "facts/a/p1", "A1") && has_str(d, "facts/a/p2", "A2") &&
               has_str(d, "facts/a/", "A") && has_str(d, "other", "O"),
           "%s: the kept records, a key put twice with its last data", append ? "appended" : "new");
        OK(d && has_str(d, "facts/ab/p1", NULL) && has_str(d, "facts/b/p1", NULL) &&
               has_str(d, "hook/a/p1", NULL),
           "%s: no record of another prefix", append ? "appended" : "new");
        cache_free(d);
        if (!append)
            unlink(next_file);
    }
    cache_free(c);
    unlink(file);
}

/* Whether c's sliced record key holds want[0..len). */
static bool
has_sliced(const cache *c, const char *key, const char *want, size_t len)
{
    buf got = BUF_INIT;
    buf_puts(&got, "before");
    size_t got_len;
    const char *data = cache_get_sliced(c, key, &got, &got_len);
    bool same =
        data && got_len == len && memcmp(data, want, len) == 0 && memcmp(got.ptr, "before", 6) == 0;
    buf_free(&got);
    return same;
}

/* cache_next_put_sliced(): a big record in slices, read back whole; in the next build the
 * slices that did not change are kept where they are (appended: the file grows by one
 * slice, not by the record), and a missing slice makes the record missing. */
static void
test_sliced(void)
{
    char file[450];
    snprintf(file, sizeof file, "%s.sliced", path);
    size_t len = 2 * CACHE_SLICE_BYTES + 100;
    char *big = malloc(len);
    for (size_t i = 0; i < len; i++)
        big[i] = (char)('a' + i * 7 % 26);
    cache_next *n = cache_next_new(NULL);
    buf b = BUF_INIT;
    buf_append(&b, big, len);
    cache_next_put_sliced(n, "rules", &b);
    OK(b.len == 0, "the data is taken");
    cache_next_put_sliced(n, "empty", &b);
    const char *why = NULL;
    OK(cache_next_save(n, NULL, file, out, &why), "saved a sliced record");
    cache_next_free(n);
    cache *c = cache_load(file, out, 2, &why);
    OK(c && has_sliced(c, "rules", big, len), "read back whole, after what out held");
    size_t slice_len;
    OK(c && cache_get(c, "rules#2", &slice_len) && slice_len == 100, "in three slices");
    OK(c && has_sliced(c, "empty", "", 0), "an empty record: no slice");
    OK(c && !has_sliced(c, "other", "", 0), "a record never put is missing");

    /* the next build changes one byte of the middle slice */
    struct stat was, is;
    stat(file, &was);
    cache_next *k = cache_next_new(c);
    cache_next_spool(k, file, true);
    big[CACHE_SLICE_BYTES + 5] ^= 1;
    buf_append(&b, big, len);
    cache_next_put_sliced(k, "rules", &b);
    OK(cache_next_save(k, c, file, out, &why), "saved the next build's");
    cache_next_free(k);
    cache_free(c);
    stat(file, &is);
    OK(is.st_ino == was.st_ino && is.st_size > was.st_size &&
           is.st_size - was.st_size < CACHE_SLICE_BYTES + 1024,
       "appended the changed slice alone (%lld bytes)", (long long)(is.st_size - was.st_size));
    c = cache_load(file, out, 2, &why);
    OK(c && has_sliced(c, "rules", big, len), "read back with the change");
    cache_free(c);

    /* a slice missing, or not as long as the record says: the record is missing */
    n = cache_next_new(NULL);
    buf_append(&b, big, len);
    cache_next_put_sliced(n, "rules", &b);
    put_str(n, "rules#1", "short");
    OK(cache_next_save(n, NULL, file, out, &why), "saved with a slice replaced");
    cache_next_free(n);
    c = cache_load(file, out, 2, &why);
    size_t got_len = 1;
    OK(c && !cache_get_sliced(c, "rules", &b, &got_len) && got_len == 0 && b.len == 0,
       "a slice of another length: no record, nothing added to out");
    cache_free(c);
    /* a head whose length, rounded up to slices, wraps around to none */
    n = cache_next_new(NULL);
    buf head = BUF_INIT;
    for (int byte = 0; byte < 16; byte++) /* 2^64 - 1 bytes, then 0 slices */
        buf_putc(&head, byte < 8 ? (char)0xff : 0);
    cache_next_put(n, "wraps", &head);
    OK(cache_next_save(n, NULL, file, out, &why), "saved a head of 2^64 - 1 bytes in no slice");
    cache_next_free(n);
    c = cache_load(file, out, 2, &why);
    got_len = 1;
    OK(c && !cache_get_sliced(c, "wraps", &b, &got_len) && got_len == 0,
       "a length no slices hold: no record");
    buf_free(&b);
    cache_free(c);
    free(big);
    unlink(file);
}

static void
rewrite(const char *file, void (*change)(char *data, size_t *len))
{
    FILE *f = fopen(file, "rb");
    char *data = malloc(1 << 20);
    size_t len = fread(data, 1, 1 << 20, f);
    fclose(f);
    change(data, &len);
    f = fopen(file, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
    free(data);
}

static bool
exists(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0;
}

static void
flip(char *d, size_t *len)
{
    d[*len / 2] ^= 0x20;
}
static void
cut(char *d, size_t *len)
{
    (void)d;
    *len -= 9;
}
static void
magic(char *d, size_t *len)
{
    (void)len;
    d[0] = 'X';
}
static void
flip_late(char *d, size_t *len) /* the data of render/p520, the 261st record */
{
    char *at = memmem(d, *len, "data of page 520", 16);
    if (at)
        at[15] ^= 0x01;
}
static void
flip_first(char *d, size_t *len) /* the first record's data, just after the header */
{
    (void)len;
    d[16] ^= 0x01;
}
static void
flip_key(char *d, size_t *len) /* a record's key, which only the index holds */
{
    char *at = memmem(d, *len, "render/p", 8);
    if (at)
        at[7] ^= 0x01;
}
/* Where the index starts (the tail's first number, little-endian). */
static size_t
index_start(const char *d, size_t len)
{
    uint64_t at = 0;
    for (int i = 7; i >= 0; i--)
        at = at << 8 | (unsigned char)d[len - 16 + (size_t)i];
    return (size_t)at;
}
/* The index's fields: device, inode, records, the keys' bytes, then the first entry: where
 * its data starts (one byte: 16, just after the header), the start it shares with the key
 * before (0, there is none) and the rest of its key. */
static void
shared_too_long(char *d, size_t *len) /* the first key shares 5 bytes with no key */
{
    d[index_start(d, *len) + 33] = 5;
}
static void
key_bytes_short(char *d, size_t *len) /* the keys said to take 1 byte in all */
{
    size_t at = index_start(d, *len) + 24;
    memset(d + at, 0, 8);
    d[at] = 1;
}
static void
key_bytes_huge(char *d, size_t *len) /* a count of key bytes no index this long holds */
{
    memset(d + index_start(d, *len) + 24, 0x7f, 8);
}
static void
flip_index(char *d, size_t *len) /* the last entry's hash */
{
    d[*len - 17] ^= 0x01;
}

int
main(void)
{
    snprintf(root, sizeof root, "%s/clinfolio-test-cache-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(root))
        return 1;
    snprintf(out, sizeof out, "%s/public", root);
    mkdir(out, 0755);
    buf p = BUF_INIT;
    cache_path(&p, out);
    snprintf(path, sizeof path, "%s", p.ptr);
    buf_free(&p);
    char want[400];
    snprintf(want, sizeof want, "%s/.clinfolio-cache/public.cache", root);
    STR_EQ(path, want, "the cache is beside the output folder");
    buf q = BUF_INIT;
    cache_path(&q, "public/");
    STR_EQ(q.ptr, ".clinfolio-cache/public.cache", "a relative output folder with a slash");
    buf_free(&q);

    const char *why = NULL;
    OK(!cache_load(path, out, 2, &why) && strcmp(why, "none") == 0, "no cache yet");

    cache_next *n = sample(5);
    OK(cache_next_save(n, NULL, path, out, &why), "saved");
    cache *c = cache_load(path, out, 2, &why);
    OK(c != NULL, "read back: %s", why ? why : "");
    expect_records(c, 5, "from the file");
    test_index();
    test_keep_prefix();
    test_sliced();

    /* records kept from the previous cache (borrowed bytes): saved and taken alike */
    cache_next *k = kept_sample(c);
    size_t len;
    const void *data;
    char kept_path[450];
    snprintf(kept_path, sizeof kept_path, "%s.kept", path);
    OK(cache_next_save(k, NULL, kept_path, out, &why), "saved with kept records");
    cache *ck = cache_load(kept_path, out, 2, &why);
    data = cache_get(ck, "plugins", &len);
    OK(ck && data && len == 16 && memcmp(data, "plugins' results", 16) == 0,
       "a kept record is saved as it was");
    data = cache_get(ck, "render/p1", &len);
    OK(data && len == 3 && memcmp(data, "new", 3) == 0, "a new record beside it");
    cache_free(ck);
    cache_next_free(k);
    k = kept_sample(c);
    cache *taken = cache_next_take(k, c, out); /* copies what it borrowed from a file */
    cache_next_free(k);

    /* the same bytes are not written again */
    struct stat before, after;
    stat(path, &before);
    usleep(20000);
    OK(cache_next_save(n, c, path, out, &why), "saved again");
    stat(path, &after);
    OK(before.st_ino == after.st_ino && before.st_mtim.tv_nsec == after.st_mtim.tv_nsec,
       "the same bytes: the file is not written again");
    cache_free(c); /* the cache the kept records came from */
    data = cache_get(taken, "render/p0", &len);
    OK(taken && data && len == strlen("data of page 0") && memcmp(data, "data of page 0", len) == 0,
       "a taken cache holds its own copy of kept records");
    cache_free(taken);
    cache_next_free(n);

    /* damaged copies are refused whole */
    void (*changes[])(char *,
                      size_t *) = {flip,          cut,        magic,           flip_first,
                                   flip_key,      flip_index, shared_too_long, key_bytes_short,
                                   key_bytes_huge};
    for (size_t i = 0; i < sizeof changes / sizeof *changes; i++) {
        n = sample(5);
        OK(cache_next_save(n, NULL, path, out, &why), "saved");
        cache_next_free(n);
        rewrite(path, changes[i]);
        why = NULL;
        OK(!cache_load(path, out, 2, &why) && why && strcmp(why, "damaged") == 0,
           "damaged copy %zu refused (%s)", i, why ? why : "");
    }
    /* the records are checked on the pool, 256 at a time: a damaged one in a later slice
     * (the 261st of 300 records) too */
    for (size_t workers = 1; workers <= 4; workers *= 2) {
        n = sample(600);
        OK(cache_next_save(n, NULL, path, out, &why), "saved");
        cache_next_free(n);
        c = cache_load(path, out, workers, &why);
        OK(c && cache_get(c, "render/p598", &len), "a big cache, %zu workers: loaded", workers);
        cache_free(c);
        rewrite(path, flip_late);
        why = NULL;
        OK(!cache_load(path, out, workers, &why) && why && strcmp(why, "damaged") == 0,
           "a big cache with a record damaged, %zu workers: refused (%s)", workers, why ? why : "");
    }

    /* spooled: written as the records come, renamed into place by the save */
    char spool[450];
    snprintf(spool, sizeof spool, "%s.tmp-%ld", path, (long)getpid());
    n = sample_spooled(5);
    OK(exists(spool), "a spooled cache is written to %s as it goes", spool);
    OK(cache_next_save(n, NULL, path, out, &why), "spooled: saved");
    OK(!exists(spool), "spooled: the temporary file became the cache");
    cache_next_free(n);
    c = cache_load(path, out, 2, &why);
    OK(c != NULL, "spooled: read back: %s", why ? why : "");
    expect_records(c, 5, "spooled");
    /* the same records written in another order: the file is left as it is */
    stat(path, &before);
    n = sample(5);
    OK(cache_next_save(n, c, path, out, &why), "the same records from memory");
    stat(path, &after);
    OK(before.st_ino == after.st_ino, "the same records in another order: not written again");
    cache_next_free(n);
    cache_free(c);
    /* a spooled cache not saved (a failed build) leaves no file and the old cache */
    stat(path, &before);
    n = sample_spooled(3);
    cache_next_free(n);
    stat(path, &after);
    OK(!exists(spool) && before.st_ino == after.st_ino,
       "a spooled cache not saved: no temporary file, the old cache in place");
    n = sample_spooled(3);
    OK(!cache_next_take(n, NULL, out), "a spooled cache cannot be taken into memory");
    cache_next_free(n);

    /* written for another output folder (the folder replaced: another inode) */
    n = sample(3);
    OK(cache_next_save(n, NULL, path, out, &why), "saved");
    cache_next_free(n);
    char moved[400];
    snprintf(moved, sizeof moved, "%s/old", root);
    rename(out, moved);
    mkdir(out, 0755);
    OK(!cache_load(path, out, 2, &why) && strcmp(why, "another output folder's") == 0,
       "another output folder's cache is refused");

    /* handed over in memory */
    n = sample(7);
    c = cache_next_take(n, NULL, out);
    OK(c && cache_still_for(c, out), "taken for the output folder");
    expect_records(c, 7, "in memory");
    cache_next_free(n);
    char moved2[400];
    snprintf(moved2, sizeof moved2, "%s/old2", root);
    rename(out, moved2); /* kept, so that its inode is not used again at once */
    mkdir(out, 0755);
    OK(!cache_still_for(c, out), "no longer for a replaced output folder");
    cache_free(c);

    /* a cache taken from records kept from one in memory moves them, not copies them */
    n = sample(5);
    cache *mem = cache_next_take(n, NULL, out);
    cache_next_free(n);
    size_t len0;
    const void *p0 = cache_get(mem, "render/p0", &len0);
    cache_next *k2 = kept_sample(mem);
    cache *moved_to = cache_next_take(k2, mem, out);
    cache_next_free(k2);
    size_t len1;
    const void *p1 = cache_get(moved_to, "render/p0", &len1);
    OK(p0 && p1 == p0 && len1 == len0, "a record kept from a cache in memory is moved");
    size_t left;
    OK(!cache_get(mem, "render/p0", &left) && left == 0, "the cache it came from lost it");
    cache_free(mem); /* frees what it still holds, not the moved bytes */
    OK(memcmp(p1, "data of page 0", len1) == 0, "the moved bytes outlive their old cache");
    const char *plugins = cache_get(moved_to, "plugins", &len1);
    OK(plugins && len1 == 16 && memcmp(plugins, "plugins' results", 16) == 0,
       "a second moved record");
    const char *fresh = cache_get(moved_to, "render/p1", &len1);
    OK(fresh && len1 == 3 && memcmp(fresh, "new", 3) == 0, "a new record beside them");
    cache_free(moved_to);

    /* appended: a build spooled after a cache was read adds its records to that file;
     * the records it keeps stay where they are */
    n = sample(40);
    OK(cache_next_save(n, NULL, path, out, &why), "saved whole");
    cache_next_free(n);
    c = cache_load(path, out, 2, &why);
    stat(path, &before);
    k = kept_sample(c);
    cache_next_spool(k, path, true);
    stat(path, &after);
    OK(after.st_ino == before.st_ino && !exists(spool) && after.st_size > before.st_size,
       "appending: the new record goes to the end of the same file (%lld -> %lld bytes)",
       (long long)before.st_size, (long long)after.st_size);
    OK(after.st_size - before.st_size == 3, /* "new": the keys go in the index, at the save */
       "appending: kept records are not written again");
    OK(cache_next_save(k, c, path, out, &why), "appended: saved");
    cache_next_free(k);
    cache_free(c);
    stat(path, &after);
    OK(after.st_ino == before.st_ino, "appended: the same file, not renamed over");
    c = cache_load(path, out, 2, &why);
    OK(c != NULL, "appended: read back: %s", why ? why : "");
    data = cache_get(c, "render/p0", &len);
    OK(data && len == strlen("data of page 0") && memcmp(data, "data of page 0", len) == 0,
       "appended: a kept record");
    data = cache_get(c, "render/p1", &len);
    OK(data && len == 3 && memcmp(data, "new", 3) == 0, "appended: the new record");
    OK(!cache_get(c, "render/p2", &len), "appended: a record not kept is gone");
    /* a build that appends and is not saved (it failed) cuts off what it wrote */
    stat(path, &before);
    k = kept_sample(c);
    cache_next_spool(k, path, true);
    cache_next_free(k);
    stat(path, &after);
    OK(after.st_ino == before.st_ino && after.st_size == before.st_size,
       "appending, not saved: the file is as it was (%lld bytes)", (long long)after.st_size);
    cache *again = cache_load(path, out, 2, &why);
    OK(again != NULL, "appending, not saved: the cache before it still reads");
    cache_free(again);
    /* another build wrote to the file since it was read: a file of its own, renamed */
    k = kept_sample(c);
    buf other = BUF_INIT;
    buf_puts(&other, "another");
    cache_next_put(k, "render/p3", &other); /* not the records c has: written */
    int fd = open(path, O_WRONLY | O_APPEND);
    OK(fd >= 0 && write(fd, "x", 1) == 1, "the file grows behind the cache's back");
    close(fd);
    cache_next_spool(k, path, true);
    OK(exists(spool), "a file changed since it was read is not appended to");
    OK(cache_next_save(k, c, path, out, &why), "saved whole instead");
    cache_next_free(k);
    cache_free(c);
    stat(path, &after);
    OK(after.st_ino != before.st_ino, "renamed over the changed file");
    c = cache_load(path, out, 2, &why);
    OK(c && cache_get(c, "render/p0", &len), "and read back: %s", why ? why : "");
    /* replaced records take more room than those in use: written whole again, without
     * them; then appended to again */
    for (int round = 0; round < 4; round++) {
        stat(path, &before);
        cache_next *big = cache_next_new(c);
        cache_next_spool(big, path, true);
        size_t at = cache_next_reserve(big, 1);
        buf nb = BUF_INIT;
        for (int j = 0; j < 200; j++)
            buf_printf(&nb, "record of round %d ", round);
        size_t want_len = nb.len;
        cache_next_put_slot(big, at, "render/p0", &nb);
        OK(cache_next_save(big, c, path, out, &why), "round %d: saved", round);
        cache_next_free(big);
        cache_free(c);
        stat(path, &after);
        c = cache_load(path, out, 2, &why);
        data = cache_get(c, "render/p0", &len);
        OK(data && len == want_len && memcmp(data, "record of round ", 16) == 0 &&
               ((const char *)data)[16] == '0' + round,
           "round %d: read back", round);
        if (round == 2) /* rounds 0 and 1 replaced more than the record round 2 keeps */
            OK(after.st_ino != before.st_ino && after.st_size < (off_t)(want_len + 200),
               "round 2: most of the file replaced records: written whole (%lld bytes)",
               (long long)after.st_size);
        else
            OK(after.st_ino == before.st_ino && after.st_size > before.st_size,
               "round %d: appended (%lld -> %lld bytes)", round, (long long)before.st_size,
               (long long)after.st_size);
    }
    /* append_ok false (the build expects to keep little): a file of its own where it
     * would have appended (as the same build with append_ok true shows) */
    for (int ok_to_append = 1; ok_to_append >= 0; ok_to_append--) {
        cache_next *base = cache_next_new(NULL); /* a file of live records only */
        cache_next_spool(base, path, true);
        buf bb = BUF_INIT;
        for (int j = 0; j < 100; j++)
            buf_printf(&bb, "base record ");
        cache_next_put(base, "render/p8", &bb);
        OK(cache_next_save(base, NULL, path, out, &why), "base saved");
        cache_next_free(base);
        cache_free(c);
        c = cache_load(path, out, 2, &why);
        stat(path, &before);
        cache_next *anew = cache_next_new(c);
        cache_next_spool(anew, path, ok_to_append);
        buf fb = BUF_INIT;
        buf_puts(&fb, "made anew");
        cache_next_put(anew, "render/p9", &fb);
        OK(cache_next_save(anew, c, path, out, &why), "saved (append_ok %d)", ok_to_append);
        cache_next_free(anew);
        cache_free(c);
        stat(path, &after);
        if (ok_to_append)
            OK(after.st_ino == before.st_ino && after.st_size > before.st_size,
               "append_ok: appended (%lld -> %lld bytes)", (long long)before.st_size,
               (long long)after.st_size);
        else
            OK(after.st_ino != before.st_ino && after.st_size < before.st_size,
               "append_ok false: written whole, without the old records (%lld -> %lld bytes)",
               (long long)before.st_size, (long long)after.st_size);
        c = cache_load(path, out, 2, &why);
        OK(c && cache_get(c, "render/p9", &len) && !cache_get(c, "render/p8", &len),
           "append_ok %d: its records only", ok_to_append);
    }
    /* an appended tail damaged: refused whole */
    rewrite(path, flip_index);
    OK(!cache_load(path, out, 2, &why) && why && strcmp(why, "damaged") == 0,
       "a damaged appended index is refused");
    cache_free(c);

    /* nothing at all */
    n = cache_next_new(NULL);
    OK(cache_next_reserve(n, 0) == 0, "an empty site reserves nothing");
    OK(cache_next_save(n, NULL, path, out, &why), "an empty cache is saved");
    c = cache_load(path, out, 2, &why);
    OK(c != NULL, "and read back");
    cache_free(c);
    cache_next_free(n);
    harness_rm_rf(root);
    return harness_done();
}
