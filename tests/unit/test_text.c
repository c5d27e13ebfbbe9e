/* SPDX-License-Identifier: MIT
 * test_text.c - UTF-8 helpers (sequences, validity, counting and cutting by
 * characters), XML cleaning, HTML escaping, tag stripping, slugs, URL path encoding,
 * trimming, URL schemes and URL attributes. */
#include "text.h"

#include "harness.h"

#include <stdlib.h>
#include <string.h>

/* {====================================================================
 * helpers: run a buf-appending function on a C string (or bytes) and compare
 * ===================================================================== */

typedef void (*text_fn)(buf *out, const char *s, size_t len);

static char *
run_n(text_fn fn, const char *s, size_t len)
{
    buf b = BUF_INIT;
    fn(&b, s, len);
    return buf_detach(&b);
}

#define CHECK_N(fn, in, len, want)                \
    do {                                          \
        char *got_ = run_n((fn), (in), (len));    \
        STR_EQ(got_, (want), #fn "(\"" in "\")"); \
        free(got_);                               \
    } while (0)

#define CHECK(fn, in, want) CHECK_N(fn, in, strlen(in), want)

#define SLUG(in, want)        CHECK(text_slugify, in, want)
#define ESC(in, want)         CHECK(text_html_escape, in, want)
#define STRIP(in, want)       CHECK(text_strip_tags, in, want)
#define URLENC(in, want)      CHECK(text_url_encode_path, in, want)
#define CLEAN(in, want)       CHECK(text_clean_xml, in, want)
#define CLEAN_N(in, n, want)  CHECK_N(text_clean_xml, in, n, want)
#define URLENC_N(in, n, want) CHECK_N(text_url_encode_path, in, n, want)

#define FFFD "\xEF\xBF\xBD"

/* {====================================================================
 * UTF-8
 * ===================================================================== */

static size_t
seq(const char *s)
{
    return text_utf8_seq(s, strlen(s));
}

static void
test_utf8_seq(void)
{
    INT_EQ(text_utf8_seq("", 0), 0, "empty");
    INT_EQ(text_utf8_seq("abc", 0), 0, "len 0 reads nothing");
    INT_EQ(seq("a"), 1, "ASCII");
    INT_EQ(seq("\x7F"), 1, "DEL is ASCII");
    INT_EQ(text_utf8_seq("\0", 1), 1, "NUL is a one-byte character");
    INT_EQ(seq("é"), 2, "é");
    INT_EQ(seq("中文"), 3, "only the first character: 中");
    INT_EQ(seq("😀"), 4, "emoji");

    /* the edges of each length */
    INT_EQ(seq("\xC2\x80"), 2, "U+0080");
    INT_EQ(seq("\xDF\xBF"), 2, "U+07FF");
    INT_EQ(seq("\xE0\xA0\x80"), 3, "U+0800");
    INT_EQ(seq("\xED\x9F\xBF"), 3, "U+D7FF");
    INT_EQ(seq("\xEE\x80\x80"), 3, "U+E000");
    INT_EQ(seq("\xEF\xBF\xBF"), 3, "U+FFFF");
    INT_EQ(seq("\xF0\x90\x80\x80"), 4, "U+10000");
    INT_EQ(seq("\xF4\x8F\xBF\xBF"), 4, "U+10FFFF");

    /* overlong forms */
    INT_EQ(seq("\xC0\xAF"), 0, "overlong '/' (C0)");
    INT_EQ(seq("\xC1\xBF"), 0, "overlong C1");
    INT_EQ(seq("\xE0\x80\xAF"), 0, "overlong 3-byte '/'");
    INT_EQ(seq("\xE0\x9F\xBF"), 0, "overlong U+07FF in 3 bytes");
    INT_EQ(seq("\xF0\x80\x80\xAF"), 0, "overlong 4-byte '/'");
    INT_EQ(seq("\xF0\x8F\xBF\xBF"), 0, "overlong U+FFFF in 4 bytes");
    /* surrogates */
    INT_EQ(seq("\xED\xA0\x80"), 0, "U+D800");
    INT_EQ(seq("\xED\xBF\xBF"), 0, "U+DFFF");
    INT_EQ(seq("\xED\xB0\x80"), 0, "U+DC00");
    /* past U+10FFFF and impossible lead bytes */
    INT_EQ(seq("\xF4\x90\x80\x80"), 0, "U+110000");
    INT_EQ(seq("\xF5\x80\x80\x80"), 0, "lead F5");
    INT_EQ(seq("\xF7\xBF\xBF\xBF"), 0, "lead F7");
    INT_EQ(seq("\xF8\x88\x80\x80\x80"), 0, "5-byte form");
    INT_EQ(seq("\xFC\x84\x80\x80\x80\x80"), 0, "6-byte form");
    INT_EQ(seq("\xFE"), 0, "FE");
    INT_EQ(seq("\xFF"), 0, "FF");
    /* continuation bytes alone, truncation, bad continuations */
    INT_EQ(seq("\x80"), 0, "lone continuation 80");
    INT_EQ(seq("\xBF"), 0, "lone continuation BF");
    INT_EQ(seq("\xE4\xB8"), 0, "truncated 中");
    INT_EQ(text_utf8_seq("\xE4\xB8\xAD", 2), 0, "len cuts 中: nothing past len is read");
    INT_EQ(text_utf8_seq("\xF0\x9F\x98\x80", 3), 0, "len cuts an emoji");
    INT_EQ(seq("\xE4\x41\xAD"), 0, "ASCII where a continuation belongs");
    INT_EQ(seq("\xC3"
               "A"),
           0, "C3 then 'A'");
    INT_EQ(seq("\xE4\xB8\xE4"), 0, "lead byte where a continuation belongs");
    INT_EQ(seq("\xF0\x9F\x98\xC0"), 0, "bad 4th byte");
}

static void
test_utf8_valid_count_prefix(void)
{
    OK(text_utf8_valid("", 0), "empty is valid");
    OK(text_utf8_valid(NULL, 0), "NULL with len 0 is valid");
    const char *good = "hello 中文 é 😀 \xF4\x8F\xBF\xBF";
    OK(text_utf8_valid(good, strlen(good)), "mixed valid text");
    OK(text_utf8_valid("a\0b", 3), "NUL bytes are valid");
    OK(!text_utf8_valid("abc\xFF", 4), "FF at the end");
    OK(!text_utf8_valid("\xE4\xB8\xAD\xE6\x96", 5), "a truncated second character");
    OK(text_utf8_valid("\xE4\xB8\xAD\xE6\x96", 3), "only len bytes are checked");
    OK(!text_utf8_valid("\xC0\xAF", 2), "overlong");
    OK(!text_utf8_valid("\xED\xA0\x80\xED\xB0\x80", 6), "a UTF-16 surrogate pair (CESU-8)");

    INT_EQ(text_utf8_count("", 0), 0, "count empty");
    INT_EQ(text_utf8_count("abc", 3), 3, "count ASCII");
    INT_EQ(text_utf8_count("中文abc", strlen("中文abc")), 5, "count CJK and ASCII");
    INT_EQ(text_utf8_count("😀é", strlen("😀é")), 2, "count 4- and 2-byte");
    INT_EQ(text_utf8_count("a\xFF"
                           "b",
                           3),
           3, "an invalid byte counts as one");
    INT_EQ(text_utf8_count("\xE4\xB8", 2), 2, "a truncated sequence: each byte counts one");
    INT_EQ(text_utf8_count("\x80\x80\x80", 3), 3, "three lone continuation bytes");
    INT_EQ(text_utf8_count("中文", 4), 2, "a cut character at the end counts per byte");
    INT_EQ(text_utf8_count("a\0b", 3), 3, "NUL counts");

    const char *s = "中文abc";
    size_t n = strlen(s);
    INT_EQ(text_utf8_prefix(s, n, 0), 0, "prefix of 0 characters");
    INT_EQ(text_utf8_prefix(s, n, 1), 3, "prefix of 1 CJK character");
    INT_EQ(text_utf8_prefix(s, n, 2), 6, "prefix of 2 CJK characters");
    INT_EQ(text_utf8_prefix(s, n, 3), 7, "prefix reaching ASCII");
    INT_EQ(text_utf8_prefix(s, n, 5), n, "prefix of exactly all");
    INT_EQ(text_utf8_prefix(s, n, 100), n, "prefix longer than the text");
    INT_EQ(text_utf8_prefix("😀x", 5, 1), 4, "never cuts an emoji");
    INT_EQ(text_utf8_prefix("a\xFF中", 5, 2), 2, "an invalid byte is one character");
    INT_EQ(text_utf8_prefix("a\xFF中", 5, 3), 5, "then the whole 中");
    INT_EQ(text_utf8_prefix("中文", 4, 2), 4, "stays within len");
    INT_EQ(text_utf8_prefix("", 0, 3), 0, "prefix of empty");

    /* prefix and count agree on every cut of a mixed string */
    const char *mix = "a中😀é\xFF"
                      "b";
    size_t ml = strlen(mix), total = text_utf8_count(mix, ml);
    INT_EQ(total, 6, "count of the mixed string");
    bool agree = true;
    for (size_t k = 0; k <= total; k++)
        agree &= text_utf8_count(mix, text_utf8_prefix(mix, ml, k)) == k;
    OK(agree, "count(prefix(k)) == k for every k");

    /* ASCII runs longer than a word of 8 bytes, ending at a character or at the count */
    const char *run = "abcdefghijklmnopqrst中uvwxyz0123456789";
    size_t rl = strlen(run), rtotal = text_utf8_count(run, rl);
    INT_EQ(text_utf8_prefix(run, rl, 20), 20, "a run of 20 ASCII bytes");
    INT_EQ(text_utf8_prefix(run, rl, 21), 23, "then the 中 after it");
    INT_EQ(text_utf8_prefix(run, rl, 9), 9, "a count inside the run");
    INT_EQ(text_utf8_prefix(run, 12, 30), 12, "len inside the run");
    agree = true;
    for (size_t k = 0; k <= rtotal; k++)
        agree &= text_utf8_count(run, text_utf8_prefix(run, rl, k)) == k;
    OK(agree, "count(prefix(k)) == k for every k of a long run");
}

static void
test_clean_xml(void)
{
    CLEAN("plain text", "plain text");
    CLEAN("中文 é 😀", "中文 é 😀");
    CLEAN("a\tb\nc", "a\tb\nc");
    CLEAN("a\x01"
          "b\x08"
          "c\x0B"
          "d\x0C"
          "e\x1F"
          "f",
          "abcdef");
    CLEAN_N("a\0b", 3, "ab");
    CLEAN("x\xFFy", "x" FFFD "y");
    CLEAN("x\xC0\xAFy", "x" FFFD FFFD "y"); /* overlong: two bad bytes */
    CLEAN(FFFD, FFFD);                      /* U+FFFD itself is fine */
    CLEAN("a\xEF\xBF\xBE"
          "b\xEF\xBF\xBF"
          "c",
          "abc");                          /* U+FFFE and U+FFFF are not XML characters */
    CLEAN("\xEF\xBF\xBC", "\xEF\xBF\xBC"); /* U+FFFC is */
    CLEAN("a\x7F"
          "b",
          "a\x7F"
          "b"); /* DEL is allowed in XML 1.0 */
    /* the runs of allowed bytes around what is dropped or replaced, at either end */
    CLEAN("\x01"
          "ab\x02",
          "ab");
    CLEAN("\xC3\xA9\x01\xFF", "\xC3\xA9" FFFD);
    CLEAN("\xFF"
          "ab"
          "\xEF\xBF\xBF"
          "cd\x1F",
          FFFD "abcd");

    /* whatever the input, the output is valid UTF-8 without C0 controls but \t \n */
    const char *nasty[] = {"\xE4\xB8", "\xED\xA0\x80",       "\xF4\x90\x80\x80",
                           "\x80\x81", "\x1B[31mred\x1B[0m", "\xF0\x9F\x98"};
    for (size_t i = 0; i < sizeof nasty / sizeof *nasty; i++) {
        char *got = run_n(text_clean_xml, nasty[i], strlen(nasty[i]));
        OK(text_utf8_valid(got, strlen(got)), "clean_xml output %zu is valid UTF-8", i);
        bool ctrl = false;
        for (const char *c = got; *c; c++)
            ctrl |= (unsigned char)*c < 0x20 && *c != '\t' && *c != '\n';
        OK(!ctrl, "clean_xml output %zu has no control characters", i);
        OK(strstr(got, FFFD) != NULL || i == 4, "invalid input %zu became U+FFFD", i);
        free(got);
    }
    {
        char *got = run_n(text_clean_xml, "\x1B[31mred\x1B[0m", 12);
        STR_EQ(got, "[31mred[0m", "ESC dropped");
        free(got);
    }

    /* appends */
    buf b = BUF_INIT;
    buf_puts(&b, "<t>");
    text_clean_xml(&b, "a\x01", 2);
    STR_EQ(b.ptr, "<t>a", "clean_xml appends");
    buf_free(&b);
}

/* {====================================================================
 * HTML
 * ===================================================================== */

static void
test_html_escape(void)
{
    ESC("", "");
    ESC("plain", "plain");
    ESC("a & b", "a &amp; b");
    ESC("<script>", "&lt;script&gt;");
    ESC("\"q\"", "&quot;q&quot;");
    ESC("&amp;", "&amp;amp;"); /* no double-escape protection: escapes what it is given */
    ESC("中文 a/b=c`", "中文 a/b=c`");
    char *got = run_n(text_html_escape, "it's", 4);
    OK(strcmp(got, "it&#39;s") == 0 || strcmp(got, "it&#x27;s") == 0 ||
           strcmp(got, "it&apos;s") == 0,
       "' as an entity, got \"%s\"", got);
    free(got);
    got = run_n(text_html_escape, "<>&\"'", 5);
    OK(strchr(got, '<') == NULL && strchr(got, '>') == NULL && strchr(got, '"') == NULL &&
           strchr(got, '\'') == NULL,
       "none of the five left raw: \"%s\"", got);
    free(got);
    got = run_n(text_html_escape, "a\0<", 3);
    OK(memcmp(got, "a\0&lt;", 7) == 0, "NUL bytes passed through, escaping continues");
    free(got);
    buf b = BUF_INIT;
    buf_puts(&b, "x");
    text_html_escape(&b, "<", 1);
    STR_EQ(b.ptr, "x&lt;", "html_escape appends");
    buf_free(&b);
    /* text_html_needs_escape says whether escaping changes a text: for every byte, alone
     * and after plain text */
    bool agree = true;
    for (int c = 0; c < 256; c++) {
        char s[3] = {'a', 'b', (char)c};
        buf e = BUF_INIT;
        text_html_escape(&e, s, 3);
        bool changed = e.len != 3 || memcmp(e.ptr, s, 3) != 0;
        agree &=
            text_html_needs_escape(s, 3) == changed && text_html_needs_escape(s + 2, 1) == changed;
        buf_free(&e);
    }
    OK(agree, "html_needs_escape: true exactly for the bytes html_escape changes");
    OK(!text_html_needs_escape("", 0) && !text_html_needs_escape("中文 a/b", 10),
       "html_needs_escape: false for nothing to escape");
}

static void
test_strip_tags(void)
{
    STRIP("", "");
    STRIP("plain", "plain");
    STRIP("<p>Hello <b>world</b></p>", "Hello world");
    STRIP("<p>\n  Hi\n</p>\n", "Hi");
    STRIP("  a \n\t\r b  ", "a b");
    STRIP("<p>One</p>\n<p>Two</p>", "One Two");
    STRIP("<a href=\"/x\" title=\"t\">link</a> text", "link text");
    STRIP("<br/>", "");
    STRIP("<p>   </p>", "");
    STRIP("a<!-- comment -->b", "ab");
    STRIP("&amp; &lt; &gt; &quot; &#39;", "& < > \" '");
    STRIP("&lt;p&gt; stays text", "<p> stays text");
    STRIP("&amp;lt;", "&lt;"); /* decoded once */
    STRIP("&#20013;&#x6587;", "中文");
    STRIP("&#X41;&#65;", "AA");
    STRIP("&#x1F600;", "😀");
    STRIP("&copy; 2023", "&copy; 2023"); /* not one of the five: left alone */
    STRIP("AT&T", "AT&T");
    STRIP("&amp", "&amp");
    STRIP("&#;", "&#;");
    STRIP("&#x;", "&#x;");
    STRIP("&#65", "&#65");
    STRIP("<p>中文 <em>测试</em></p>", "中文 测试");

    /* numeric entities never make invalid UTF-8 */
    const char *bad_refs[] = {"&#xD800;", "&#xDFFF;", "&#x110000;", "&#0;", "&#99999999;"};
    for (size_t i = 0; i < sizeof bad_refs / sizeof *bad_refs; i++) {
        char *got = run_n(text_strip_tags, bad_refs[i], strlen(bad_refs[i]));
        OK(text_utf8_valid(got, strlen(got)) && strlen(got) > 0,
           "'%s' decodes to valid UTF-8, got \"%s\"", bad_refs[i], got);
        free(got);
    }

    buf b = BUF_INIT;
    buf_puts(&b, "x: ");
    text_strip_tags(&b, "<p> a </p>", 10);
    STR_EQ(b.ptr, "x: a", "strip_tags appends and trims only its own text");
    buf_free(&b);
}

/* Regression (a bug found by these tests, now fixed): text.h promises the result is "trimmed" with
 * white space folded, but a space that comes from an entity (&nbsp; is decoded to ' ', and &#32;)
 * is neither trimmed nor folded: "<p>&nbsp;Hello</p>" gives " Hello" and "a &nbsp; b" gives "a b".
 * (Jinja's striptags gives "Hello" and "a b".) */
static void
test_strip_tags_entity_space(void)
{
    CHECK(text_strip_tags, "<p>&nbsp;Hello</p>", "Hello");
    CHECK(text_strip_tags, "a &nbsp; b", "a b");
    CHECK(text_strip_tags, "&#32;x&#32;", "x");
}

/* Regression (a bug found by these tests, now fixed): text.h says text_strip_tags removes tags, but
 * a '<' that starts no tag (no '>' after it) drops the whole rest of the text: "1 < 2" gives "1"
 * and "x <y" gives "x". (Jinja's striptags leaves "1 < 2" alone.) */
static void
test_strip_tags_lone_lt(void)
{
    CHECK(text_strip_tags, "1 < 2", "1 < 2");
    CHECK(text_strip_tags, "x <y", "x <y");
}

/* {====================================================================
 * slugs and URLs
 * ===================================================================== */

static void
test_slugify(void)
{
    /* the header's examples */
    SLUG("Anti-fog Goggles (v2)", "anti-fog-goggles-v2");
    SLUG("防雾 护目镜", "防雾-护目镜");

    /* ASCII */
    SLUG("Hello World", "hello-world");
    SLUG("ABC123", "abc123");
    SLUG("Hello, World!", "hello-world");
    SLUG("a---b___c", "a-b-c");
    SLUG("a - b", "a-b");
    SLUG("a.b.c", "a-b-c");
    SLUG("C++ & C#", "c-c");
    SLUG("  --Leading and trailing--  ", "leading-and-trailing");
    SLUG("(v2)", "v2");
    SLUG("x", "x");
    SLUG("2023", "2023");
    SLUG("anti-fog.md", "anti-fog-md");
    SLUG("tab\tand\nnewline", "tab-and-newline");

    /* nothing when there is no letter or digit */
    SLUG("", "");
    SLUG("   ", "");
    SLUG("---", "");
    SLUG("!!! ???", "");
    SLUG("，。、", "");

    /* other scripts kept as they are (only ASCII is lowered) */
    SLUG("神经内镜 Sheath v2", "神经内镜-sheath-v2");
    SLUG("2023年度报告", "2023年度报告");
    SLUG("中文，标点：测试。", "中文-标点-测试");
    SLUG("《标题》", "标题");
    SLUG("“Quoted” — text…", "quoted-text");
    SLUG("Crème Brûlée", "crème-brûlée");
    SLUG("ÉCOLE", "École");
    SLUG("Привет мир", "Привет-мир");
    SLUG("a × b ÷ c", "a-b-c");
    SLUG("a · b", "a-b");
    SLUG("a\xC2\xA0"
         "b",
         "a-b"); /* no-break space */
    SLUG("a\xE3\x80\x80"
         "b",
         "a-b");                    /* ideographic space */
    SLUG("ｖ２ 版本", "ｖ２-版本"); /* full-width letters and digits are letters and digits */

    /* invalid UTF-8 separates, never passes through */
    SLUG("a\xFF"
         "b",
         "a-b");
    SLUG("\xE4\xB8"
         "ab",
         "ab");
    char *got = run_n(text_slugify, "x\xED\xA0\x80y\xC0\xAFz", 8);
    OK(text_utf8_valid(got, strlen(got)), "slug of invalid UTF-8 is valid: \"%s\"", got);
    STR_EQ(got, "x-y-z", "invalid bytes become one '-' each run");
    free(got);

    /* appends to what the buffer holds, without a leading '-' */
    buf b = BUF_INIT;
    buf_puts(&b, "projects/");
    text_slugify(&b, "  !Hi there! ", 13);
    STR_EQ(b.ptr, "projects/hi-there", "slugify appends, no leading or trailing '-'");
    buf_clear(&b);
    buf_puts(&b, "x");
    text_slugify(&b, "!!", 2);
    STR_EQ(b.ptr, "x", "nothing appended for a slug without letters");
    buf_free(&b);

    /* a slug of a slug is the same slug */
    const char *titles[] = {"Anti-fog Goggles (v2)", "神经内镜 Sheath v2", "中文，标点：测试。"};
    for (size_t i = 0; i < sizeof titles / sizeof *titles; i++) {
        char *once = run_n(text_slugify, titles[i], strlen(titles[i]));
        char *twice = run_n(text_slugify, once, strlen(once));
        STR_EQ(twice, once, "slugify is idempotent");
        free(once);
        free(twice);
    }
}

/* Regression (a bug found by these tests, now fixed): text.h says only "letters and digits of any
 * script" are kept and "every other run of characters becomes one '-'", but text_slugify keeps
 * every 4-byte character (emoji and other symbols) and symbols outside the few ranges it drops
 * (arrows, trade mark sign, stars): "🚀 Launch Day" gives "🚀-launch-day", "A → B" gives "a-→-b",
 * "Brand™" gives "brand™". */
static void
test_slugify_symbols(void)
{
    CHECK(text_slugify, "🚀 Launch Day", "launch-day");
    CHECK(text_slugify, "A → B", "a-b");
    CHECK(text_slugify, "Brand™", "brand");
    CHECK(text_slugify, "★ Star", "star");
}

static void
test_url_encode(void)
{
    URLENC("", "");
    URLENC("/projects/x/", "/projects/x/");
    URLENC("/projects/a b/", "/projects/a%20b/");
    URLENC("AZaz09-._~/", "AZaz09-._~/");
    URLENC("/项目/", "/%E9%A1%B9%E7%9B%AE/");
    URLENC("神经内镜-sheath", "%E7%A5%9E%E7%BB%8F%E5%86%85%E9%95%9C-sheath");
    URLENC("é", "%C3%A9");
    URLENC("100%", "100%25");
    URLENC("a?b#c", "a%3Fb%23c");
    URLENC("a+b=c&d", "a%2Bb%3Dc%26d");
    URLENC(":@!$'()*,;", "%3A%40%21%24%27%28%29%2A%2C%3B");
    URLENC("[x]", "%5Bx%5D");
    URLENC("\"<>\\^`{|}", "%22%3C%3E%5C%5E%60%7B%7C%7D");
    URLENC("\x7F\x01\xFF", "%7F%01%FF");
    URLENC_N("a\0b", 3, "a%00b");
    /* the result is plain ASCII of unreserved characters, '/' and %XX */
    char *got = run_n(text_url_encode_path, "中 文/a b?", strlen("中 文/a b?"));
    bool ascii = true;
    for (const char *c = got; *c; c++)
        ascii &= (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                 strchr("-._~/%", *c) != NULL;
    OK(ascii, "plain-ASCII URL path: %s", got);
    free(got);
    buf b = BUF_INIT;
    buf_puts(&b, "https://x.org");
    text_url_encode_path(&b, "/a b/", 5);
    STR_EQ(b.ptr, "https://x.org/a%20b/", "url_encode_path appends");
    buf_free(&b);
}

static void
expect_trim(const char *in, size_t start, const char *want)
{
    size_t len = strlen(in);
    const char *p = text_trim(in, &len);
    OK(p == in + start, "trim \"%s\": starts at %zu, got %td", in, start, p - in);
    OK(len == strlen(want) && memcmp(p, want, len) == 0, "trim \"%s\": want \"%s\", got \"%.*s\"",
       in, want, (int)len, p);
}

static void
test_trim(void)
{
    expect_trim("", 0, "");
    expect_trim("abc", 0, "abc");
    expect_trim("  a b \t\n", 2, "a b");
    expect_trim("\r\nx\r\n", 2, "x");
    expect_trim("\t\t", 2, "");
    expect_trim("    ", 4, "");
    expect_trim(" 中文 ", 1, "中文");
    expect_trim("a  ", 0, "a");
    /* only ASCII white space: U+3000 and U+00A0 stay */
    expect_trim("\xE3\x80\x80x\xE3\x80\x80", 0, "\xE3\x80\x80x\xE3\x80\x80");
    expect_trim("\xC2\xA0x", 0, "\xC2\xA0x");

    /* len is honoured: bytes past it are not looked at */
    size_t len = 3;
    const char *p = text_trim(" a bcd", &len);
    OK(len == 1 && *p == 'a', "trim within len");
    len = 0;
    p = text_trim("  ", &len);
    OK(len == 0, "len 0 stays 0");
}

/* {====================================================================
 * URL schemes and URL attributes (issue 7, finding 7)
 * ===================================================================== */

static void
expect_url(const char *url, size_t len, bool html, bool allowed)
{
    OK(text_url_scheme_allowed(url, len, html) == allowed, "%s%s: want %s", html ? "html " : "",
       url, allowed ? "allowed" : "refused");
}

#define URL_OK(u)   expect_url((u), sizeof(u) - 1, false, true)
#define URL_BAD(u)  expect_url((u), sizeof(u) - 1, false, false)
#define ATTR_OK(u)  expect_url((u), sizeof(u) - 1, true, true)
#define ATTR_BAD(u) expect_url((u), sizeof(u) - 1, true, false)

static void
expect_scheme(const char *url, bool html, text_url_kind kind, const char *name)
{
    text_url_scheme sc;
    text_url_scheme_read(&sc, url, strlen(url), html);
    OK(sc.kind == kind, "'%s': kind %d, got %d", url, (int)kind, (int)sc.kind);
    STR_EQ(sc.name, name, url);
}

static void
test_url_scheme(void)
{
    /* relative URLs: a path, a query, a fragment, protocol-relative //host */
    URL_OK("");
    URL_OK("/projects/x/");
    URL_OK("projects/x/");
    URL_OK("./a:b");
    URL_OK("../x");
    URL_OK("?q=javascript:alert(1)");
    URL_OK("#javascript:x");
    URL_OK("//cdn.example.com/a.js");
    URL_OK("x/y:z");
    URL_OK("2023:x");            /* a scheme starts with a letter */
    URL_OK("javascript :x");     /* a space ends the scheme: a relative path */
    URL_OK("javascript");        /* no ':' at all */
    URL_OK("&#106;avascript:x"); /* a URL, not HTML: '&' is a path character */
    /* the allowed schemes, in any case, after leading blanks and controls */
    URL_OK("http://example.org/");
    URL_OK("https://example.org/");
    URL_OK("HTTPS://EXAMPLE.ORG/");
    URL_OK("HtTp://x");
    URL_OK("mailto:office@example.org");
    URL_OK("MailTo:office@example.org");
    URL_OK(" https://x");
    URL_OK("\x01\x1f https://x");
    URL_OK("ht\ttps://x");
    /* everything else with a scheme */
    URL_BAD("javascript:alert(1)");
    URL_BAD("JavaScript:alert(1)");
    URL_BAD("JAVASCRIPT:alert(1)");
    URL_BAD(" javascript:alert(1)");
    URL_BAD("\x01\x02\x1f javascript:alert(1)");
    URL_BAD("\n\r\t javascript:alert(1)");
    URL_BAD("java\tscript:alert(1)");
    URL_BAD("java\nscript:alert(1)");
    URL_BAD("java\rscript:alert(1)");
    URL_BAD("j\ta\tv\ta\ts\tc\tr\ti\tp\tt\t:x");
    URL_BAD("javascript\t:x");
    URL_BAD("\0javascript:x");
    URL_BAD("data:text/html,<script>alert(1)</script>");
    URL_BAD("DATA:image/svg+xml;base64,PHN2Zz4=");
    URL_BAD("vbscript:msgbox");
    URL_BAD("file:///etc/passwd");
    URL_BAD("ftp://example.org/");
    URL_BAD("tel:+8613800138000");
    URL_BAD("c:\\windows");
    URL_BAD("x-custom+a.b:1");
    URL_BAD("httpsx://x");
    URL_BAD("averyveryverylongschemename:x");
    /* len is honoured */
    OK(text_url_scheme_allowed("javascript:x", 10, false), "'javascript' without its ':'");

    /* in an HTML attribute, character references are decoded first, as browsers do */
    ATTR_BAD("&#106;avascript:alert(1)");
    ATTR_BAD("&#x6A;avascript:alert(1)");
    ATTR_BAD("&#X6a;avascript:alert(1)");
    ATTR_BAD("&#0000106;avascript:alert(1)");
    ATTR_BAD("&#106avascript:alert(1)"); /* the ';' is optional */
    ATTR_BAD("javascript&colon;alert(1)");
    ATTR_BAD("java&Tab;script:alert(1)");
    ATTR_BAD("java&NewLine;script:alert(1)");
    ATTR_BAD("&#32;javascript:alert(1)");
    ATTR_BAD("&#9;java&#10;script&#58;x");
    ATTR_BAD("data&#x3a;text/html,x");
    ATTR_OK("&amp;#106;avascript:alert(1)"); /* escaped: the browser sees '&#106;...' */
    ATTR_OK("https&colon;//x");
    ATTR_OK("&#104;ttps://x");
    ATTR_OK("/x?a=1&amp;b=javascript:2");
    ATTR_OK("&#99999999999;x:y"); /* a reference out of range is not a letter */
    ATTR_OK("&unknown;javascript:x");

    /* the scheme as read, for messages */
    expect_scheme(" Java\tScript:alert(1)", false, TEXT_URL_SCHEME, "javascript");
    expect_scheme("HTTP://x", false, TEXT_URL_SCHEME, "http");
    expect_scheme("java", false, TEXT_URL_OPEN, "");
    expect_scheme("", false, TEXT_URL_OPEN, "");
    expect_scheme(" \t", false, TEXT_URL_OPEN, "");
    expect_scheme("/x", false, TEXT_URL_RELATIVE, "");
    expect_scheme("#x", false, TEXT_URL_RELATIVE, "");
    expect_scheme("&#106;avascript:", true, TEXT_URL_SCHEME, "javascript");
    expect_scheme("averyveryverylongschemename:x", false, TEXT_URL_SCHEME, "averyveryverylon");
}

static void
expect_attr(const char *html, bool want, const char *name, const char *value)
{
    text_url_attr at = {0, NULL, 0};
    bool got = text_html_url_attr(&at, html, strlen(html));
    OK(got == want, "'%s': want %s", html, want ? "a URL attribute" : "none");
    if (!got || !want)
        return;
    OK(at.name_len == strlen(name) && memcmp(at.name, name, at.name_len) == 0,
       "'%s': attribute '%s', got '%.*s'", html, name, (int)at.name_len, at.name);
    STR_EQ(html + at.value_start, value, html);
}

static void
test_url_attr(void)
{
    expect_attr("<a href=\"", true, "href", "");
    expect_attr("<a class=\"x\" href='", true, "href", "");
    expect_attr("<img src=", true, "src", "");
    expect_attr("<img alt=\"a\" src= ", true, "src", " ");
    expect_attr("<a href = \"", true, "href", "");
    expect_attr("<a HREF=\"", true, "HREF", "");
    expect_attr("<a href=\"java", true, "href", "java");
    expect_attr("<a href=\" \tjava", true, "href", " \tjava");
    expect_attr("<a href=\"&#106;ava", true, "href", "&#106;ava");
    expect_attr("<a href=\"#", true, "href", "#");
    expect_attr("<form action=\"", true, "action", "");
    expect_attr("<button formaction=\"", true, "formaction", "");
    expect_attr("<video poster=\"", true, "poster", "");
    expect_attr("<blockquote cite=\"", true, "cite", "");
    expect_attr("<object data=\"", true, "data", "");
    expect_attr("<img srcset=\"", true, "srcset", "");
    expect_attr("<use xlink:href=\"", true, "xlink:href", "");
    expect_attr("<a data-href=\"", true, "data-href", "");
    expect_attr("<div data-url=\"", true, "data-url", "");
    expect_attr("<iframe src=\"", true, "src", "");
    expect_attr("<a class=\"x\"href=\"", true, "href", "");
    /* not at the start of a URL attribute's value */
    expect_attr("", false, NULL, NULL);
    expect_attr("<a title=\"", false, NULL, NULL);
    expect_attr("<a class=", false, NULL, NULL);
    expect_attr("<a href=\"/x/", false, NULL, NULL);
    expect_attr("<a href=\"mailto:", false, NULL, NULL);
    expect_attr("<a href=\"x\"", false, NULL, NULL);
    expect_attr("<a href=\"\"", false, NULL, NULL);
    expect_attr("<a href=\"x\" ", false, NULL, NULL);
    expect_attr("<a href=x ", false, NULL, NULL);
    expect_attr("<a href=\"x\" title=\"", false, NULL, NULL);
    expect_attr("<ahref=\"", false, NULL, NULL);
    expect_attr("href=\"", false, NULL, NULL);
    expect_attr("<p>text ", false, NULL, NULL);
    expect_attr("<a href=\"/x\">", false, NULL, NULL);
    expect_attr("<a hreflang=\"", false, NULL, NULL);
    /* a long run of letters before: looked at only so far back */
    char long_value[400] = "<a href=\"";
    memset(long_value + 9, 'a', 300);
    long_value[309] = '\0';
    expect_attr(long_value, false, NULL, NULL);
}

static void
expect_distance(const char *a, const char *b, size_t max, size_t want)
{
    char msg[200];
    snprintf(msg, sizeof msg, "distance '%s' '%s' (max %zu)", a, b, max);
    INT_EQ(text_edit_distance(a, strlen(a), b, strlen(b), max), want, msg);
    snprintf(msg, sizeof msg, "distance '%s' '%s' (max %zu), swapped", b, a, max);
    INT_EQ(text_edit_distance(b, strlen(b), a, strlen(a), max), want, msg);
}

static void
test_edit_distance(void)
{
    expect_distance("", "", 2, 0);
    expect_distance("department", "department", 2, 0);
    expect_distance("departmnet", "department", 2, 1); /* a transposition is one edit */
    expect_distance("stage", "stages", 2, 1);
    expect_distance("outcome", "outcomes", 2, 1);
    expect_distance("transfered", "transferred", 2, 1);
    expect_distance("studnet", "student", 2, 1);
    expect_distance("kitten", "sitting", 5, 3);
    expect_distance("ca", "abc", 5, 3);      /* optimal string alignment, not full Damerau */
    expect_distance("Title", "title", 2, 0); /* case-insensitive */
    expect_distance("ÉLODIE", "élodie", 2, 0);
    expect_distance("МОСКВА", "москва", 2, 0);
    /* characters, not bytes: one CJK character is one edit */
    expect_distance("负责人", "负责任", 2, 1);
    expect_distance("状态", "态状", 2, 1);
    expect_distance("临床需求", "临床", 5, 2);
    expect_distance("a", "中", 2, 1);
    /* invalid UTF-8: each byte is a character matching no code point */
    expect_distance("a\xff", "a\xfe", 2, 1);
    expect_distance("\xc3", "\xc3\xa9", 2, 1);
    /* the bound: max + 1 as soon as it is exceeded */
    expect_distance("abcdef", "uvwxyz", 2, 3);
    expect_distance("abcdef", "uvwxyz", 10, 6);
    expect_distance("a", "abcdefgh", 2, 3);
    expect_distance("department", "", 0, 1);
    /* longer than TEXT_EDIT_MAX_CHARS: never near */
    char longa[200], longb[200];
    memset(longa, 'x', 100);
    longa[100] = '\0';
    memcpy(longb, longa, 101);
    expect_distance(longa, longb, 2, 3);
    longa[TEXT_EDIT_MAX_CHARS] = '\0';
    longb[TEXT_EDIT_MAX_CHARS - 1] = 'y';
    longb[TEXT_EDIT_MAX_CHARS] = '\0';
    expect_distance(longa, longb, 2, 1);
}

/* text_path_push from start: the resulting path, or "(above)" when it went above. */
static void
path_eq(const char *start, const char *push, const char *want)
{
    buf b = BUF_INIT;
    buf_puts(&b, start);
    bool ok = text_path_push(&b, push, strlen(push));
    STR_EQ(ok ? b.ptr : "(above)", want, push);
    buf_free(&b);
}

static void
test_path_push(void)
{
    path_eq("content/news", "../projects/x.md", "content/projects/x.md");
    path_eq("content/news", "./x.md", "content/news/x.md");
    path_eq("content/news", "a//b/./c/", "content/news/a/b/c");
    path_eq("content/news", "../../x.md", "x.md");
    path_eq("content/news", "../../../x.md", "(above)");
    path_eq("", "/content/x.md", "content/x.md");
    path_eq("", "..", "(above)");
    path_eq("projects/x", "..", "projects");
    path_eq("", "%E4%B8%AD%E6%96%87%20x.md", "中文 x.md");
    path_eq("", "100%.md%2", "100%.md%2"); /* not %XX: kept */
    path_eq("", "a%2Fb", "a/b");           /* decoded after the split: one segment */
    CHECK(text_url_decode, "%e4%b8%ad-%41%zz%4", "中-A%zz%4");
}

/* s shortened to max characters as text_shorten_point says, with "…" when cut */
static const char *
shorten(const char *s, size_t max)
{
    static char out[512];
    bool cut;
    size_t keep = text_shorten_point(s, strlen(s), max, &cut);
    snprintf(out, sizeof out, "%.*s%s", (int)keep, s, cut ? "…" : "");
    return out;
}

static void
test_shorten(void)
{
    STR_EQ(shorten("The quick brown fox jumps", 100), "The quick brown fox jumps", "short: whole");
    STR_EQ(shorten("The quick brown fox jumps", 13), "The quick…",
           "Latin: back to a word boundary");
    STR_EQ(shorten("The quick brown fox jumps", 15), "The quick brown…", "at a space: kept");
    STR_EQ(shorten("The quick, brown fox", 11), "The quick…", "a dangling comma dropped");
    STR_EQ(shorten("A supercalifragilistic word", 12), "A supercalif…",
           "a space that keeps less than half: cut in the word");
    STR_EQ(shorten("一线医护人员发现问题，转化为可以落地的器械。", 16), "一线医护人员发现问题…",
           "CJK: after the last clause end");
    STR_EQ(shorten("一线医护人员发现问题转化为可以落地的器械。", 8), "一线医护人员发现…",
           "CJK without a clause end: between characters");
    STR_EQ(shorten("一线医护，人员发现问题转化为可以落地的器械。", 16),
           "一线医护，人员发现问题转化为可以…",
           "a clause end in the first half: between characters");
    OK(text_mostly_cjk("临床创新 ABC", strlen("临床创新 ABC")), "4 CJK, 3 Latin: mostly CJK");
    OK(!text_mostly_cjk("Clinical 创新", strlen("Clinical 创新")), "8 Latin, 2 CJK: not");
    OK(!text_mostly_cjk("", 0), "empty: not");
    OK(text_mostly_cjk("临床 -- !!! ,,, ... \t()", strlen("临床 -- !!! ,,, ... \t()")),
       "ASCII punctuation and space do not count");
    OK(!text_mostly_cjk("临床 a-b, c!", strlen("临床 a-b, c!")), "2 CJK, 3 ASCII letters: not");
    OK(!text_mostly_cjk("临床创新 2023, 7", strlen("临床创新 2023, 7")),
       "digits count: 4 CJK, 5 digits");
}

/* text_utf8_valid and text_utf8_count, which skip ASCII 8 bytes at a time, against a
 * character-by-character reading, with a character that is not ASCII (valid or not) at
 * every place around the 8-byte words, and at every start (unaligned loads). */
static void
test_utf8_ascii_runs(void)
{
    static const char *const odd[] = {"\xFF",     "\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80",
                                      "\xE4\xB8", "\x80"};
    bool ok = true;
    char s[64];
    for (size_t o = 0; o < sizeof odd / sizeof *odd && ok; o++)
        for (size_t start = 0; start < 8 && ok; start++)
            for (size_t len = 0; len <= 40 && ok; len++)
                for (size_t at = 0; at <= len && ok; at++) {
                    char *t = s + start;
                    memset(t, 'a', len);
                    size_t ol = strlen(odd[o]);
                    size_t n = len;
                    if (at < len) { /* the odd character replaces the byte at `at` */
                        memmove(t + at + ol, t + at + 1, len - at - 1);
                        memcpy(t + at, odd[o], ol);
                        n = len - 1 + ol;
                    }
                    bool valid = true;
                    size_t count = 0;
                    for (size_t i = 0; i < n; count++) {
                        size_t k = text_utf8_seq(t + i, n - i);
                        valid &= k != 0;
                        i += k ? k : 1;
                    }
                    ok = text_utf8_valid(t, n) == valid && text_utf8_count(t, n) == count;
                    if (!ok)
                        fprintf(stderr, "odd %zu start %zu len %zu at %zu\n", o, start, len, at);
                }
    OK(ok, "valid and count as read character by character, around every 8-byte word");
}

int
main(void)
{
    test_utf8_seq();
    test_utf8_valid_count_prefix();
    test_utf8_ascii_runs();
    test_clean_xml();
    test_html_escape();
    test_strip_tags();
    test_strip_tags_entity_space();
    test_strip_tags_lone_lt();
    test_slugify();
    test_slugify_symbols();
    test_url_encode();
    test_path_push();
    test_trim();
    test_url_scheme();
    test_url_attr();
    test_edit_distance();
    test_shorten();
    return harness_done();
}
