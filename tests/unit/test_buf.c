/* SPDX-License-Identifier: MIT
 * test_buf.c - buf_printf and arena_printf: formatted in one pass when the text fits the
 * room at hand, measured and formatted again when it does not; the same text either way.
 * An arena, an array or a buf asked for more than memory can hold aborts rather than wrap
 * its size; xgrow() doubles an array's room. */
#include "arena.h"
#include "buf.h"
#include "xalloc.h"

#include "harness.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

/* A string of n copies of c (static: the tests are single-threaded). */
static const char *
repeat(char c, size_t n)
{
    static char s[8192];
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void
test_buf_printf(void)
{
    buf b = BUF_INIT;
    buf_printf(&b, "%d-%s", 42, "x");
    STR_EQ(b.ptr, "42-x", "into an empty buf");
    INT_EQ(b.len, 4, "its length");
    buf_printf(&b, "%s", "");
    INT_EQ(b.len, 4, "nothing printed: length kept");
    STR_EQ(b.ptr, "42-x", "and the text");
    /* each length across the room left (a first try that fits, one that just does not) */
    bool ok = true;
    for (size_t n = 0; n < 300 && ok; n++) {
        buf c = BUF_INIT;
        buf_puts(&c, "ab");
        buf_printf(&c, "<%s>", repeat('q', n));
        ok = c.len == n + 4 && c.ptr[0] == 'a' && c.ptr[2] == '<' && c.ptr[n + 3] == '>' &&
             c.ptr[n + 4] == '\0' && strspn(c.ptr + 3, "q") == n;
        buf_free(&c);
    }
    OK(ok, "texts of 4 to 303 bytes appended whole, each NUL-terminated");
    buf_clear(&b);
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, "%d,", i);
    OK(b.len == 3890 && strncmp(b.ptr, "0,1,2,", 6) == 0 && strcmp(b.ptr + b.len - 4, "999,") == 0,
       "a thousand appends: %zu bytes", b.len);
    buf_clear(&b);
    buf_printf(&b, "%s|%s", repeat('z', 5000), "end");
    OK(b.len == 5004 && strcmp(b.ptr + 5000, "|end") == 0, "a text of 5004 bytes at once");
    buf_free(&b);
}

/* buf_put_uint: decimal digits as printf's %llu gives them, appended */
static void
test_buf_put_uint(void)
{
    const uint64_t cases[] = {0, 7, 9, 10, 99, 100, 4294967295u, 4294967296u, UINT64_MAX};
    bool same = true;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        buf b = BUF_INIT, want = BUF_INIT;
        buf_puts(&b, "x");
        buf_put_uint(&b, cases[i]);
        buf_printf(&want, "x%llu", (unsigned long long)cases[i]);
        same &= b.len == want.len && strcmp(b.ptr, want.ptr) == 0 &&
                buf_uint_len(cases[i]) == want.len - 1;
        buf_free(&b);
        buf_free(&want);
    }
    OK(same, "buf_put_uint appends what %%llu prints, 0 to UINT64_MAX; buf_uint_len its length");
}

static void
test_arena_printf(void)
{
    arena *a = arena_new();
    STR_EQ(arena_printf(a, "%zu", (size_t)12345), "12345", "a number");
    STR_EQ(arena_printf(a, "%s", ""), "", "an empty text");
    bool ok = true;
    for (size_t n = 100; n < 160 && ok; n++) { /* across the stack buffer's 128 bytes */
        const char *s = arena_printf(a, "%s!", repeat('r', n));
        ok = strlen(s) == n + 1 && s[n] == '!' && strspn(s, "r") == n;
    }
    OK(ok, "texts of 101 to 160 bytes whole");
    const char *big = arena_printf(a, "%s%d", repeat('w', 6000), 7);
    OK(strlen(big) == 6001 && big[6000] == '7', "a text of 6001 bytes");
    /* formats of texts only are joined without vsnprintf: the same as snprintf gives */
    STR_EQ(arena_printf(a, "%s%s/", "/sub/", "projects"), "/sub/projects/",
           "two texts and a slash");
    STR_EQ(arena_printf(a, "content/%s", "news"), "content/news", "literal text first");
    STR_EQ(arena_printf(a, "%s", "only"), "only", "one text");
    STR_EQ(arena_printf(a, "no conversion"), "no conversion", "no conversion at all");
    STR_EQ(arena_printf(a, "%s(%s)%s", "", "x", ""), "(x)", "empty texts");
    char ks[201];
    memset(ks, 'k', 200);
    ks[200] = '\0';
    const char *long_join = arena_printf(a, "<%s|%s>", repeat('j', 300), ks);
    OK(strlen(long_join) == 503 && long_join[301] == '|' && long_join[502] == '>',
       "texts past the stack buffer joined whole");
    STR_EQ(arena_printf(a, "%s%%%s", "a", "b"), "a%b", "%% still goes through printf");
    STR_EQ(arena_printf(a, "%.2s|%s", "abc", "d"), "ab|d", "a precision still goes through printf");
    arena_free(a);
}

/* Whether fn(arg) ends the process with "out of memory" and SIGABRT (in a child). */
static void
aborts_out_of_memory(void (*fn)(size_t), size_t arg, const char *what)
{
    int err[2];
    OK(pipe(err) == 0, "a pipe");
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(err[1], 2);
        fn(arg);
        _exit(0); /* it came back: the size wrapped */
    }
    close(err[1]);
    char msg[64] = {0};
    ssize_t n = read(err[0], msg, sizeof msg - 1);
    close(err[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    OK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "%s %zu: aborted (status %d)", what, arg,
       status);
    OK(n > 0 && strstr(msg, "clinfolio: out of memory"), "%s %zu: says why", what, arg);
}

static void
alloc_in_arena(size_t size)
{
    arena_alloc(arena_new(), size);
}

/* an array of 8-byte items, full at cap items, grown by one */
static void
grow_full(size_t cap)
{
    xgrow(NULL, cap, &cap, 8, 16);
}

static void
grow_in_arena(size_t cap)
{
    arena_grow(arena_new(), NULL, cap, &cap, 8, 16);
}

/* a buf of one byte given extra more */
static void
buf_extra(size_t extra)
{
    buf b = BUF_INIT;
    buf_putc(&b, 'x');
    buf_grow(&b, extra);
}

/* arena_alloc of a size whose rounding up wraps (a cmark-gfm calloc overflowing in
 * markdown.c's allocator asks for SIZE_MAX), an array grown past what a size_t counts
 * (xgrow(), arena_grow()), a buf asked for more than a size_t holds: "out of memory" and
 * SIGABRT, not a size that wrapped. */
static void
test_too_big(void)
{
    static const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 3, SIZE_MAX / 2 + 1};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        aborts_out_of_memory(alloc_in_arena, sizes[k], "arena_alloc");
    /* 2 * cap items of 8 bytes wrap from SIZE_MAX / 16 + 1 on; 2 * cap itself past SIZE_MAX / 2 */
    static const size_t caps[] = {SIZE_MAX / 16 + 1, SIZE_MAX / 2 + 1, SIZE_MAX};
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        aborts_out_of_memory(grow_full, caps[k], "xgrow from");
        aborts_out_of_memory(grow_in_arena, caps[k], "arena_grow from");
    }
    aborts_out_of_memory(buf_extra, SIZE_MAX - 1, "buf_grow by");
    aborts_out_of_memory(buf_extra, SIZE_MAX, "buf_grow by");
}

/* xgrow: room for one more only when full, twice the room each time (first when there is
 * none), the items kept */
static void
test_xgrow(void)
{
    int *items = NULL;
    size_t n = 0, cap = 0, grew = 0, last_cap = 0;
    bool doubled = true;
    for (int i = 0; i < 1000; i++) {
        items = xgrow(items, n, &cap, sizeof *items, 4);
        if (cap != last_cap) {
            doubled &= last_cap ? cap == 2 * last_cap : cap == 4;
            grew++;
            last_cap = cap;
        }
        items[n++] = i;
    }
    OK(doubled, "4, then twice the room each time");
    INT_EQ(grew, 9, "nine growths for 1,000 items (4 ... 1,024)");
    INT_EQ(cap, 1024, "its room");
    bool kept = true;
    for (int i = 0; i < 1000; i++)
        kept &= items[i] == i;
    OK(kept, "every item kept");
    int *same = xgrow(items, 10, &cap, sizeof *items, 4);
    OK(same == items && cap == 1024, "room left: the same array, the same room");
    free(items);
    INT_EQ(xgrow_cap(0, 8, 0), 1, "first 0: room for one");
}

/* Whether p[0..n) is all zero. */
static bool
all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* arena_zalloc is zero wherever its bytes come from: a first block used and reset, a
 * block of its own for a big size (malloc'd: maybe memory freed dirty), and the mapped
 * blocks an arena gets past 8 MB (zero already, not set again: they are never reused). */
static void
test_arena_zero(void)
{
    arena *a = arena_new();
    memset(arena_alloc(a, 1000), 0xab, 1000);
    arena_reset(a);
    OK(all_zero(arena_zalloc(a, 1000), 1000), "zero in a first block reused after a reset");
    unsigned char *dirty = malloc(40000);
    memset(dirty, 0xcd, 40000);
    free(dirty);
    OK(all_zero(arena_zalloc(a, 40000), 40000), "zero in a block of its own");
    bool ok = true;
    for (size_t i = 0; i < 1000; i++) { /* 12 MB, past where mapped blocks start */
        memset(arena_alloc(a, 12000), 0xef, 12000);
        size_t n = 1 + i * 7 % 3000;
        ok = ok && all_zero(arena_zalloc(a, n), n);
    }
    OK(ok, "zero in every block, mapped ones too");
    arena_reset(a);
    ok = true;
    for (size_t i = 0; i < 1000; i++) {
        memset(arena_alloc(a, 12000), 0x5a, 12000);
        ok = ok && all_zero(arena_zalloc(a, 100), 100);
    }
    OK(ok, "and after a reset");
    arena_free(a);
}

int
main(void)
{
    test_buf_printf();
    test_arena_printf();
    test_arena_zero();
    test_too_big();
    test_xgrow();
    test_buf_put_uint();
    return harness_done();
}
