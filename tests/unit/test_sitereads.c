/* SPDX-License-Identifier: MIT
 * test_sitereads.c - the renders' reads of `site`, kept once per group (sitereads.h): a
 * group's verdict is made per `site` value (two languages that logged the same reads are
 * told apart), a group the last build did not keep, or whose bytes are not its id's, is
 * never taken as unchanged, and the groups a build needs are saved as records. */
#include "harness.h"

#include "cache.h"
#include "sitereads.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static char root[256], out[300];

/* A root context {site: {title: <title>}}. */
static value *
root_with_title(const char *title, arena *a)
{
    value *site = value_new_map(a, SRC_NONE);
    value_map_set(site, "title", value_new_cstr(a, title, SRC_NONE), a);
    value *ctx = value_new_map(a, SRC_NONE);
    value_map_set(ctx, "site", site, a);
    return ctx;
}

/* The bytes of a log of one read, site.title whole, as a render of ctx logs it split at
 * `site` (the part sitereads keeps), appended to b. */
static void
site_title_reads(buf *b, const value *ctx, deps_memo *memo)
{
    deps_log own, site_part;
    deps_log_init(&own, memo);
    deps_log_init(&site_part, memo);
    deps_log_split(&own, &site_part, "site");
    const value *site = value_map_get(ctx, "site");
    const value *title = value_map_get(site, "title");
    deps_path step_site = {NULL, "site", 4, 0, DEPS_ATTR, 0, site};
    deps_path step_title = {&step_site, "title", 5, 0, DEPS_ATTR, 0, title};
    deps_log_add(&own, &step_title, DEPS_DEEP, title);
    OK(own.n == 0 && site_part.n == 1, "the read of site.title is in the split part");
    buf_append(b, site_part.data.ptr, site_part.data.len);
    deps_log_free(&own);
    deps_log_free(&site_part);
}

/* A cache holding what g saves (its needed groups), in memory for out. */
static cache *
saved(sitereads *g)
{
    cache_next *n = cache_next_new(NULL);
    sitereads_save(g, n);
    cache *c = cache_next_take(n, NULL, out);
    cache_next_free(n);
    return c;
}

int
main(void)
{
    snprintf(root, sizeof root, "/tmp/clinfolio-test-sitereads-%d", (int)getpid());
    snprintf(out, sizeof out, "%s/public", root);
    mkdir(root, 0755);
    mkdir(out, 0755);
    arena *a = arena_new(), *scratch = arena_new();
    deps_memo *memo = deps_memo_new();

    /* the last build: two languages whose sites had the same title logged the same bytes */
    value *zh = root_with_title("Programme", a), *en = root_with_title("Programme", a);
    buf zh_reads = BUF_INIT, en_reads = BUF_INIT;
    site_title_reads(&zh_reads, zh, memo);
    site_title_reads(&en_reads, en, memo);
    OK(zh_reads.len == en_reads.len && memcmp(zh_reads.ptr, en_reads.ptr, zh_reads.len) == 0,
       "the same reads of equal sites are the same bytes");
    sitereads *last = sitereads_new(NULL);
    uint64_t id = sitereads_put(last, zh_reads.ptr, zh_reads.len);
    OK(id != 0 && sitereads_put(last, en_reads.ptr, en_reads.len) == id,
       "the same bytes are one group");
    INT_EQ(sitereads_put(last, "", 0), 0, "no reads: no group");
    INT_EQ(sitereads_count(last), 1, "one group needed");
    cache *prev = saved(last);
    OK(prev != NULL, "the last build's groups saved");
    sitereads_free(last);

    /* this build: the English title changed, the Chinese did not */
    value *zh2 = root_with_title("Programme", a), *en2 = root_with_title("Programme 2", a);
    deps_memo *memo2 = deps_memo_new();
    sitereads *g = sitereads_new(prev);
    OK(sitereads_check(g, id, zh2, memo2, scratch), "unchanged site: the group is the same");
    OK(!sitereads_check(g, id, en2, memo2, scratch),
       "the other language's site changed: not the same, though the first verdict was");
    OK(sitereads_check(g, id, zh2, memo2, scratch) && !sitereads_check(g, id, en2, memo2, scratch),
       "each site keeps its verdict");
    OK(sitereads_check(g, 0, en2, memo2, scratch), "no group: nothing to check");
    OK(!sitereads_check(g, id ^ 2, zh2, memo2, scratch),
       "a group the last build did not keep is never the same");
    INT_EQ(sitereads_count(g), 0, "checked is not needed");
    sitereads_need(g, id);
    cache *next = saved(g);
    size_t len = 0;
    char key[32];
    snprintf(key, sizeof key, "reads/%016llx", (unsigned long long)id);
    const void *kept = next ? cache_get(next, key, &len) : NULL;
    OK(kept && len == zh_reads.len && memcmp(kept, zh_reads.ptr, len) == 0,
       "a needed group is kept with its bytes");
    sitereads_free(g);
    cache_free(next);

    /* a record under the id whose bytes are not the group's */
    cache_next *n = cache_next_new(NULL);
    buf other = BUF_INIT;
    buf_append(&other, en_reads.ptr, en_reads.len);
    other.ptr[other.len - 1] ^= 1; /* the read's hash */
    cache_next_put(n, key, &other);
    cache *bad = cache_next_take(n, NULL, out);
    cache_next_free(n);
    g = sitereads_new(bad);
    OK(!sitereads_check(g, id, zh2, memo2, scratch), "bytes that are not the id's: not trusted");
    sitereads_free(g);
    cache_free(bad);

    cache_free(prev);
    buf_free(&other);
    buf_free(&zh_reads);
    buf_free(&en_reads);
    deps_memo_free(memo);
    deps_memo_free(memo2);
    arena_free(scratch);
    arena_free(a);
    rmdir(out);
    rmdir(root);
    return harness_done();
}
