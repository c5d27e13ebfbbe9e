/* SPDX-License-Identifier: MIT
 * test_config.c - site.yaml: defaults, base_url normalisation and --base-url, required
 * keys, unknown keys, type errors with their exact text and positions, stages and
 * taxonomies. Each case writes site.yaml into a fresh temporary folder. */
#include "config.h"

#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static arena *A;
static char root[64]; /* the temporary site folder */

/* {====================================================================
 * helpers
 * ===================================================================== */

static void
write_site_yaml(const char *yaml)
{
    char path[128];
    snprintf(path, sizeof path, "%s/site.yaml", root);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(yaml, f);
    fclose(f);
}

/* Loads yaml as site.yaml; *diags gets the diagnostics as text (free it). Checks that
 * the result is false exactly when an error was reported. */
static bool
load(config *c, const char *yaml, const char *override, char **diags)
{
    if (yaml)
        write_site_yaml(yaml);
    diag *d = diag_new();
    bool ok = config_load(c, root, override, A, d);
    OK(ok == (diag_error_count(d) == 0), "config_load returns false iff errors (%s)",
       yaml ? yaml : "(no file)");
    *diags = diag_to_string(d);
    diag_free(d);
    return ok;
}

/* Loads yaml that must load without any diagnostic. */
static bool
load_clean(config *c, const char *yaml, const char *override)
{
    char *s;
    bool ok = load(c, yaml, override, &s);
    OK(ok && *s == '\0', "clean load of:\n%s\nunexpected diagnostics:\n%s", yaml, s);
    free(s);
    return ok;
}

/* The diagnostics of loading yaml must be exactly want; ok_want is the return. */
#define DIAGS_EQ(yaml, ok_want, want)                                \
    do {                                                             \
        config c_;                                                   \
        char *s_;                                                    \
        bool ok_ = load(&c_, (yaml), NULL, &s_);                     \
        OK(ok_ == (ok_want), "config_load result for:\n%s", (yaml)); \
        STR_EQ(s_, (want), yaml);                                    \
        free(s_);                                                    \
    } while (0)

#define BASE "base_url: https://x.org/\n"

/* {====================================================================
 * defaults
 * ===================================================================== */

static void
test_defaults(void)
{
    config c;
    if (!load_clean(&c, "title: T\nbase_url: https://x.org\n", NULL))
        return;
    STR_EQ(c.file, "site.yaml", "file name for diagnostics");
    STR_EQ(c.title, "T", "title");
    STR_EQ(c.description, "", "description defaults to empty");
    STR_EQ(c.language, "en", "language default");
    STR_EQ(c.theme, "default", "theme default");
    STR_EQ(c.author, "", "author default");
    STR_EQ(c.currency, "CNY", "currency default");
    STR_EQ(c.base_url, "https://x.org/", "base_url gets a trailing '/'");
    STR_EQ(c.base_path, "/", "base_path of a bare host");
    INT_EQ(c.summary_length, 200, "summary_length default");
    OK(!c.unsafe_html, "unsafe_html defaults to false");
    INT_EQ(c.feed_limit, 20, "feed limit default");
    INT_EQ(c.n_feed_sections, 3, "three default feed sections");
    if (c.n_feed_sections == 3) {
        STR_EQ(c.feed_sections[0], "news", "feed section 0");
        STR_EQ(c.feed_sections[1], "projects", "feed section 1");
        STR_EQ(c.feed_sections[2], "reports", "feed section 2");
    }
    INT_EQ(c.home_latest, 6, "home latest default");

    static const char *const keys[] = {"need",         "idea",           "design",  "prototype",
                                       "patent_filed", "patent_granted", "testing", "clinical",
                                       "registration", "transfer",       "market",  "startup"};
    INT_EQ(c.n_stages, 12, "12 default stages");
    for (size_t i = 0; i < c.n_stages && i < 12; i++) {
        STR_EQ(c.stages[i].key, keys[i], "default stage key in order");
        OK(c.stages[i].label && *c.stages[i].label, "default stage %zu has a label", i);
        OK(c.stages[i].label_zh && *c.stages[i].label_zh, "default stage %zu has a label_zh", i);
    }
    if (c.n_stages == 12) {
        STR_EQ(c.stages[0].label, "Clinical need", "first stage label");
        STR_EQ(c.stages[0].label_zh, "临床需求", "first stage label_zh");
    }
    INT_EQ(config_stage_index(&c, "need", 4), 0, "index of need");
    INT_EQ(config_stage_index(&c, "design", 6), 2, "index of design");
    INT_EQ(config_stage_index(&c, "startup", 7), 11, "index of the last stage");
    INT_EQ(config_stage_index(&c, "designer", 6), 2, "index uses len bytes of the key");
    INT_EQ(config_stage_index(&c, "design", 5), -1, "a prefix of a key is not a key");
    INT_EQ(config_stage_index(&c, "Design", 6), -1, "keys are case-sensitive");
    INT_EQ(config_stage_index(&c, "", 0), -1, "empty key");
    STR_EQ(config_stage_list(&c, A),
           "need, idea, design, prototype, patent_filed, patent_granted, testing, clinical, "
           "registration, transfer, market, startup",
           "config_stage_list");

    INT_EQ(c.n_taxonomies, 1, "one default taxonomy");
    if (c.n_taxonomies == 1) {
        STR_EQ(c.taxonomies[0].name, "tags", "default taxonomy name");
        STR_EQ(c.taxonomies[0].path, "tags", "default taxonomy path");
        OK(c.taxonomies[0].title && *c.taxonomies[0].title, "default taxonomy has a title");
    }
    OK(c.raw && c.raw->type == VALUE_MAP && value_len(c.raw) == 2, "raw holds site.yaml");
    STR_EQ(value_str(value_map_get(c.raw, "title")), "T", "raw title");
}

static void
test_settings(void)
{
    config c;
    const char *yaml = "title: Lab\n"
                       "description: Devices from the ward\n"
                       "base_url: https://lab.example.org/portfolio\n"
                       "language: zh-CN\n"
                       "theme: my_theme-2\n"
                       "author: Dr. Li\n"
                       "currency: USD\n"
                       "summary_length: 0\n"
                       "markdown:\n  unsafe_html: true\n"
                       "feed:\n  limit: 5\n  sections: [news, events]\n"
                       "home: {latest: 3}\n"
                       "menu: [{name: Home, url: /}]\n"
                       "params: {x: 1}\n"
                       "metrics: {a: 1}\n"
                       "plugins: [x]\n"
                       "copyright: c\n";
    if (!load_clean(&c, yaml, NULL))
        return;
    STR_EQ(c.title, "Lab", "title");
    STR_EQ(c.description, "Devices from the ward", "description");
    STR_EQ(c.base_url, "https://lab.example.org/portfolio/", "base_url with a path");
    STR_EQ(c.base_path, "/portfolio/", "base_path from the URL");
    STR_EQ(c.language, "zh-CN", "language");
    STR_EQ(c.theme, "my_theme-2", "theme with '-' and '_'");
    STR_EQ(c.author, "Dr. Li", "author");
    STR_EQ(c.currency, "USD", "currency");
    INT_EQ(c.summary_length, 0, "summary_length 0 is allowed");
    OK(c.unsafe_html, "markdown.unsafe_html");
    INT_EQ(c.feed_limit, 5, "feed.limit");
    INT_EQ(c.n_feed_sections, 2, "feed.sections count");
    if (c.n_feed_sections == 2) {
        STR_EQ(c.feed_sections[0], "news", "feed.sections[0]");
        STR_EQ(c.feed_sections[1], "events", "feed.sections[1]");
    }
    INT_EQ(c.home_latest, 3, "home.latest");
    OK(value_map_get(c.raw, "menu") && value_len(value_map_get(c.raw, "menu")) == 1,
       "menu kept in raw");

    /* numbers are accepted as their text */
    if (load_clean(&c, "title: 2023\n" BASE "author: 42\nsummary_length: 1e3\n", NULL)) {
        STR_EQ(c.title, "2023", "a numeric title as text");
        STR_EQ(c.author, "42", "a numeric author as text");
        INT_EQ(c.summary_length, 1000, "1e3 is a whole number");
    }
    /* explicit nulls mean "use the default" for optional keys */
    if (load_clean(&c, "title: T\n" BASE "theme: ~\nlanguage:\nfeed:\nhome: ~\n", NULL)) {
        STR_EQ(c.theme, "default", "theme: ~ is the default");
        STR_EQ(c.language, "en", "language: (empty) is the default");
        INT_EQ(c.feed_limit, 20, "feed: (empty) keeps the limit default");
        INT_EQ(c.n_feed_sections, 3, "and the section defaults");
        INT_EQ(c.home_latest, 6, "home: ~ keeps the default");
    }
    /* feed with a limit only keeps the default sections */
    if (load_clean(&c, "title: T\n" BASE "feed: {limit: 0}\n", NULL)) {
        INT_EQ(c.feed_limit, 0, "feed limit 0");
        INT_EQ(c.n_feed_sections, 3, "default sections with a limit only");
    }
    /* a BOM and CRLF line ends are fine */
    if (load_clean(&c, "\xEF\xBB\xBFtitle: T\r\nbase_url: https://x.org/a\r\n", NULL)) {
        STR_EQ(c.title, "T", "title after a BOM");
        STR_EQ(c.base_path, "/a/", "CRLF base_url");
    }
}

/* {====================================================================
 * base_url
 * ===================================================================== */

static void
expect_base(const char *url, const char *want_url, const char *want_path)
{
    char yaml[256];
    snprintf(yaml, sizeof yaml, "title: T\nbase_url: %s\n", url);
    config c;
    if (load_clean(&c, yaml, NULL)) {
        STR_EQ(c.base_url, want_url, url);
        STR_EQ(c.base_path, want_path, url);
    }
}

static void
expect_bad_base(const char *yaml_value, const char *shown)
{
    char yaml[256], want[512];
    snprintf(yaml, sizeof yaml, "title: T\nbase_url: %s\n", yaml_value);
    snprintf(want, sizeof want,
             "site.yaml:2:11: error: base_url must be an absolute http(s) URL such as "
             "https://example.org/, not '%s'\n",
             shown);
    DIAGS_EQ(yaml, false, want);
}

static void
test_base_url(void)
{
    expect_base("https://x.org", "https://x.org/", "/");
    expect_base("https://x.org/", "https://x.org/", "/");
    expect_base("http://x.org/sub", "http://x.org/sub/", "/sub/");
    expect_base("https://x.org/sub/", "https://x.org/sub/", "/sub/");
    expect_base("https://x.org/a/b", "https://x.org/a/b/", "/a/b/");
    expect_base("http://localhost:1313", "http://localhost:1313/", "/");
    expect_base("https://x.org:8443/sub", "https://x.org:8443/sub/", "/sub/");

    expect_bad_base("x.org", "x.org");
    expect_bad_base("/sub/", "/sub/");
    expect_bad_base("ftp://x.org/", "ftp://x.org/");
    expect_bad_base("//x.org/", "//x.org/");
    expect_bad_base("\"https://\"", "https://");
    expect_bad_base("https:///x", "https:///x");
    expect_bad_base("https//x.org", "https//x.org");
    expect_bad_base("\"https://x.org/a b\"", "https://x.org/a b");
    expect_bad_base("https://x.org/?q=1", "https://x.org/?q=1");
    expect_bad_base("\"https://x.org/#top\"", "https://x.org/#top");
    expect_bad_base("mailto:me@x.org", "mailto:me@x.org");
    expect_bad_base("5", "5"); /* a number is text, and not a URL */

    DIAGS_EQ("title: T\nbase_url: [https://x.org/]\n", false,
             "site.yaml:2:11: error: 'base_url' must be a string, not list\n");
    DIAGS_EQ("title: T\nbase_url: {a: 1}\n", false,
             "site.yaml:2:11: error: 'base_url' must be a string, not map\n");
    DIAGS_EQ("title: T\n", false,
             "site.yaml:1:1: error: missing required key 'base_url' (e.g. base_url: "
             "https://example.org/)\n");
    DIAGS_EQ("title: T\nbase_url:\n", false,
             "site.yaml:2:10: error: missing required key 'base_url' (e.g. base_url: "
             "https://example.org/)\n");

    /* --base-url replaces site.yaml's, and may stand in for a missing one */
    config c;
    if (load_clean(&c, "title: T\nbase_url: https://x.org/\n", "http://localhost:8080/preview")) {
        STR_EQ(c.base_url, "http://localhost:8080/preview/", "override wins");
        STR_EQ(c.base_path, "/preview/", "base_path from the override");
    }
    if (load_clean(&c, "title: T\n", "https://y.org"))
        STR_EQ(c.base_url, "https://y.org/", "override without base_url in site.yaml");
    if (load_clean(&c, "title: T\nbase_url: not a url\n", "https://y.org/"))
        STR_EQ(c.base_url, "https://y.org/", "override replaces an invalid site.yaml value");
    char *s;
    OK(!load(&c, "title: T\n" BASE, "y.org", &s), "an invalid override fails");
    STR_EQ(s,
           "clinfolio: error: base_url must be an absolute http(s) URL such as "
           "https://example.org/, not 'y.org'\n",
           "an invalid override has no position in site.yaml");
    free(s);
}

/* {====================================================================
 * required keys, unknown keys, wrong types
 * ===================================================================== */

static void
test_required_and_unknown(void)
{
    DIAGS_EQ(BASE, false, "site.yaml:1:1: error: missing required key 'title'\n");
    DIAGS_EQ("description: d\n" BASE, false,
             "site.yaml:1:1: error: missing required key 'title'\n");
    DIAGS_EQ("title: [a, b]\n" BASE, false,
             "site.yaml:1:8: error: 'title' must be a string, not list\n");
    DIAGS_EQ("title: true\n" BASE, false,
             "site.yaml:1:8: error: 'title' must be a string, not bool\n");

    /* unknown keys warn at the key and do not fail the load */
    DIAGS_EQ("title: T\n" BASE "titel: x\n", true,
             "site.yaml:3:1: warning: unknown key 'titel' in site.yaml (a typo? custom "
             "settings belong under 'params')\n");
    DIAGS_EQ("title: T\n" BASE "params:\n  mine: 1\n  Mine: 2\nColor: red\n  \n", true,
             "site.yaml:6:1: warning: unknown key 'Color' in site.yaml (a typo? custom "
             "settings belong under 'params')\n");
    DIAGS_EQ("x: 1\ntitle: T\n" BASE "y: 2\n", true,
             "site.yaml:1:1: warning: unknown key 'x' in site.yaml (a typo? custom settings "
             "belong under 'params')\n"
             "site.yaml:4:1: warning: unknown key 'y' in site.yaml (a typo? custom settings "
             "belong under 'params')\n");
    /* and are still reported next to errors (both at 1:1: their order is not checked) */
    {
        config c;
        char *s;
        OK(!load(&c, "titel: x\n" BASE, NULL, &s), "a misspelt title fails");
        OK(strstr(s, "site.yaml:1:1: error: missing required key 'title'\n") != NULL,
           "missing title reported: %s", s);
        OK(strstr(s, "site.yaml:1:1: warning: unknown key 'titel' in site.yaml") != NULL,
           "misspelt key reported: %s", s);
        free(s);
    }

    /* the file itself */
    config c;
    char *s;
    char path[128];
    snprintf(path, sizeof path, "%s/site.yaml", root);
    unlink(path);
    OK(!load(&c, NULL, NULL, &s), "no site.yaml fails");
    STR_EQ(s, "site.yaml: error: cannot read: No such file or directory\n", "missing site.yaml");
    free(s);
    DIAGS_EQ("- title\n- base_url\n", false,
             "site.yaml:1:1: error: expected a map of 'key: value' lines here, not a list\n");
    DIAGS_EQ("title: T\n" BASE "title: U\n", false,
             "site.yaml:3:1: error: duplicate key 'title' (first defined on line 1)\n");
    DIAGS_EQ("title: T\n" BASE "a: [1, 2\n", false,
             "site.yaml:4:1: error: did not find expected ',' or ']'\n"
             "site.yaml:3:4: note: while parsing a flow sequence\n");
}

/* Regression (a bug found by these tests, now fixed): config.h says missing required keys are
 * errors, but an explicit empty title
 * ("title:" or "title: ~", which YAML reads as null) passes: config_load returns true
 * with c.title == NULL (config.c checks `!value_map_get(rootv, "title")`, which is
 * false when the key is present with a null value). */
static void
test_null_title(void)
{
    config c;
    char *s;
    bool ok = load(&c, "title:\n" BASE, NULL, &s);
    OK(!ok, "'title:' (null) should fail like a missing title; got ok with title %s",
       c.title ? c.title : "(NULL)");
    OK(strstr(s, "error: missing required key 'title'") != NULL,
       "'title:' (null) should report a missing title, got \"%s\"", s);
    free(s);
    ok = load(&c, "title: ~\n" BASE, NULL, &s);
    OK(!ok, "'title: ~' should fail like a missing title");
    free(s);
}

/* Regression (a bug found by these tests, now fixed): site_load promises to report all errors, not
 * stop at the first; config_load only reports a missing base_url while no other error was found
 * (load_base_url's `if (l->ok)` meant to avoid a second message after a base_url type error, but it
 * also hides the missing base_url after a missing title or any earlier error). */
static void
test_all_missing_reported(void)
{
    config c;
    char *s;
    OK(!load(&c, "description: d\n", NULL, &s), "nothing required given fails");
    STR_EQ(s,
           "site.yaml:1:1: error: missing required key 'title'\n"
           "site.yaml:1:1: error: missing required key 'base_url' (e.g. base_url: "
           "https://example.org/)\n",
           "both missing required keys are reported");
    free(s);
    OK(!load(&c, "title: T\nsummary_length: -1\n", NULL, &s), "bad count and no base_url");
    OK(strstr(s, "missing required key 'base_url'") != NULL,
       "a missing base_url is reported after another error, got:\n%s", s);
    free(s);
}

static void
test_types(void)
{
    /* counts */
    const char *count_err = "site.yaml:3:17: error: 'summary_length' must be a whole number of "
                            "at least 0\n";
    DIAGS_EQ("title: T\n" BASE "summary_length: -1\n", false, count_err);
    DIAGS_EQ("title: T\n" BASE "summary_length: 1.5\n", false, count_err);
    DIAGS_EQ("title: T\n" BASE "summary_length: \"200\"\n", false, count_err);
    DIAGS_EQ("title: T\n" BASE "summary_length: true\n", false, count_err);
    DIAGS_EQ("title: T\n" BASE "summary_length: [1]\n", false, count_err);
    DIAGS_EQ("title: T\n" BASE "summary_length: 2000000000\n", false, count_err);
    DIAGS_EQ("title: T\n" BASE "summary_length: .inf\n", false, count_err);
    /* NaN passes every range check; config.c then converts it to size_t, which is
     * undefined behaviour in C (it happens to give a value != NaN on x86-64). */
    DIAGS_EQ("title: T\n" BASE "summary_length: .nan\n", false, count_err);
    DIAGS_EQ("title: T\n" BASE "feed: {limit: -5}\n", false,
             "site.yaml:3:15: error: 'limit' must be a whole number of at least 0\n");
    DIAGS_EQ("title: T\n" BASE "home:\n  latest: many\n", false,
             "site.yaml:4:11: error: 'latest' must be a whole number of at least 0\n");

    /* maps, lists, bools */
    DIAGS_EQ("title: T\n" BASE "markdown: {unsafe_html: yes}\n", false,
             "site.yaml:3:25: error: 'unsafe_html' must be true or false, not string\n");
    DIAGS_EQ("title: T\n" BASE "markdown: true\n", false,
             "site.yaml:3:11: error: 'markdown' must be a mapping, not bool\n");
    DIAGS_EQ("title: T\n" BASE "feed: [news]\n", false,
             "site.yaml:3:7: error: 'feed' must be a mapping, not list\n");
    DIAGS_EQ("title: T\n" BASE "feed: {sections: news}\n", false,
             "site.yaml:3:18: error: 'sections' must be a list, not string\n");
    DIAGS_EQ("title: T\n" BASE "feed: {sections: [news, 3, [x]]}\n", false,
             "site.yaml:3:25: error: 'feed.sections item' must be a section name, not number\n"
             "site.yaml:3:28: error: 'feed.sections item' must be a section name, not list\n");
    DIAGS_EQ("title: T\n" BASE "home: 6\n", false,
             "site.yaml:3:7: error: 'home' must be a mapping, not number\n");
    DIAGS_EQ("title: T\n" BASE "params: [1]\n", false,
             "site.yaml:3:9: error: 'params' must be a mapping, not list\n");
    DIAGS_EQ("title: T\n" BASE "menu: {home: /}\n", false,
             "site.yaml:3:7: error: 'menu' must be a list, not map\n");
    DIAGS_EQ("title: T\n" BASE "description: [a]\n", false,
             "site.yaml:3:14: error: 'description' must be a string, not list\n");
    DIAGS_EQ("title: T\n" BASE "language: {a: 1}\n", false,
             "site.yaml:3:11: error: 'language' must be a string, not map\n");
    DIAGS_EQ("title: T\n" BASE "currency: 2023-01-05\n", false,
             "site.yaml:3:11: error: 'currency' must be a string, not date\n");

    /* themes name a folder */
    DIAGS_EQ("title: T\n" BASE "theme: my theme\n", false,
             "site.yaml:3:8: error: theme must be a folder name under themes/, not 'my theme'\n");
    DIAGS_EQ("title: T\n" BASE "theme: ../evil\n", false,
             "site.yaml:3:8: error: theme must be a folder name under themes/, not '../evil'\n");
    DIAGS_EQ("title: T\n" BASE "theme: \"\"\n", false,
             "site.yaml:3:8: error: theme must be a folder name under themes/, not ''\n");
    DIAGS_EQ("title: T\n" BASE "theme: [a]\n", false,
             "site.yaml:3:8: error: 'theme' must be a string, not list\n");

    /* every error of one file is collected, in file order */
    DIAGS_EQ("title: T\n" BASE "theme: a/b\nsummary_length: x\nhome: {latest: -1}\n", false,
             "site.yaml:3:8: error: theme must be a folder name under themes/, not 'a/b'\n"
             "site.yaml:4:17: error: 'summary_length' must be a whole number of at least 0\n"
             "site.yaml:5:16: error: 'latest' must be a whole number of at least 0\n");
}

/* {====================================================================
 * stages and taxonomies
 * ===================================================================== */

static void
test_stages(void)
{
    config c;
    if (load_clean(&c,
                   "title: T\n" BASE "stages:\n"
                   "  - need\n"
                   "  - {key: proto, label: Prototype, label_zh: 原型}\n"
                   "  - key: sold\n",
                   NULL)) {
        INT_EQ(c.n_stages, 3, "three custom stages");
        if (c.n_stages == 3) {
            STR_EQ(c.stages[0].key, "need", "a key alone");
            STR_EQ(c.stages[0].label, "need", "label defaults to the key");
            OK(c.stages[0].label_zh == NULL, "no label_zh");
            STR_EQ(c.stages[1].key, "proto", "key from a map");
            STR_EQ(c.stages[1].label, "Prototype", "label from a map");
            STR_EQ(c.stages[1].label_zh, "原型", "label_zh");
            STR_EQ(c.stages[2].label, "sold", "map without label: the key");
        }
        INT_EQ(config_stage_index(&c, "proto", 5), 1, "index of a custom stage");
        INT_EQ(config_stage_index(&c, "design", 6), -1, "default stages are replaced");
        STR_EQ(config_stage_list(&c, A), "need, proto, sold", "custom stage list");
    }
    DIAGS_EQ("title: T\n" BASE "stages: [a, b, a]\n", false,
             "site.yaml:3:16: error: stage 'a' is listed twice\n");
    DIAGS_EQ("title: T\n" BASE "stages: [\"a b\"]\n", false,
             "site.yaml:3:10: error: a stage needs a 'key' made of letters, digits, '-' and "
             "'_'\n");
    DIAGS_EQ("title: T\n" BASE "stages:\n  - {label: X}\n", false,
             "site.yaml:4:5: error: a stage needs a 'key' made of letters, digits, '-' and "
             "'_'\n");
    DIAGS_EQ("title: T\n" BASE "stages:\n  - [a]\n", false,
             "site.yaml:4:5: error: 'stages item' must be a key or {key, label, label_zh}, not "
             "list\n");
    DIAGS_EQ("title: T\n" BASE "stages: need\n", false,
             "site.yaml:3:9: error: 'stages' must be a list, not string\n");
    DIAGS_EQ("title: T\n" BASE "stages:\n  - {key: a, label: [x]}\n", false,
             "site.yaml:4:21: error: 'label' must be a string, not list\n");
}

static void
test_taxonomies(void)
{
    config c;
    if (load_clean(&c,
                   "title: T\n" BASE "taxonomies:\n"
                   "  - tags\n"
                   "  - {name: cohort, path: cohorts, title: Cohorts}\n"
                   "  - name: department\n",
                   NULL)) {
        INT_EQ(c.n_taxonomies, 3, "three taxonomies");
        if (c.n_taxonomies == 3) {
            STR_EQ(c.taxonomies[0].name, "tags", "a name alone");
            STR_EQ(c.taxonomies[0].path, "tags", "path defaults to the name");
            STR_EQ(c.taxonomies[0].title, "tags", "title defaults to the name");
            STR_EQ(c.taxonomies[1].name, "cohort", "name from a map");
            STR_EQ(c.taxonomies[1].path, "cohorts", "path from a map");
            STR_EQ(c.taxonomies[1].title, "Cohorts", "title from a map");
            STR_EQ(c.taxonomies[2].path, "department", "map without a path");
        }
    }
    if (load_clean(&c, "title: T\n" BASE "taxonomies: []\n", NULL))
        INT_EQ(c.n_taxonomies, 0, "an empty list turns taxonomies off");
    DIAGS_EQ("title: T\n" BASE "taxonomies: [tags, tags]\n", false,
             "site.yaml:3:20: error: taxonomy 'tags' repeats the name or path of 'tags'\n");
    DIAGS_EQ("title: T\n" BASE "taxonomies:\n  - {name: a, path: x}\n  - {name: b, path: x}\n",
             false, "site.yaml:5:5: error: taxonomy 'b' repeats the name or path of 'a'\n");
    DIAGS_EQ("title: T\n" BASE "taxonomies: [a/b]\n", false,
             "site.yaml:3:14: error: a taxonomy needs a 'name' (and optional 'path') made of "
             "letters, digits, '-' and '_'\n");
    DIAGS_EQ("title: T\n" BASE "taxonomies:\n  - {name: a, path: \"../x\"}\n", false,
             "site.yaml:4:5: error: a taxonomy needs a 'name' (and optional 'path') made of "
             "letters, digits, '-' and '_'\n");
    DIAGS_EQ("title: T\n" BASE "taxonomies: [[a]]\n", false,
             "site.yaml:3:14: error: 'taxonomies item' must be a name or {name, path, title}, "
             "not list\n");
    DIAGS_EQ("title: T\n" BASE "taxonomies: tags\n", false,
             "site.yaml:3:13: error: 'taxonomies' must be a list, not string\n");
}

/* checks: switches go to the diag at once; stale_months; every mistake is said */
static void
test_checks(void)
{
    config c;
    OK(load_clean(&c, "title: T\n" BASE, NULL) && c.stale_months == 12,
       "stale_months: 12 by default");
    write_site_yaml("title: T\n" BASE "checks:\n  stage-order: error\n  future-date: off\n"
                    "  stale-project: warning\n  stale_months: 6\n");
    diag *d = diag_new();
    OK(config_load(&c, root, NULL, A, d), "checks load");
    INT_EQ(c.stale_months, 6, "stale_months read");
    diag_report_code(d, DIAG_WARNING, "stage-order", SRC_POS("a.md", 1, 1), "order");
    diag_report_code(d, DIAG_WARNING, "future-date", SRC_POS("a.md", 2, 1), "future");
    diag_report_code(d, DIAG_WARNING, "stale-project", SRC_POS("a.md", 3, 1), "stale");
    char *s = diag_to_string(d);
    STR_EQ(s, "a.md:1:1: error: order\na.md:3:1: warning: stale\n",
           "error raises, off drops, warning keeps");
    free(s);
    diag_free(d);
    DIAGS_EQ("title: T\n" BASE "checks:\n  stage-ordr: error\n  bad-value: off\n"
             "  future-date: fatal\n  stale-project: [off]\n  stale_months: 0\n",
             false,
             "site.yaml:4:3: warning: unknown check 'stage-ordr' in site.yaml checks (known: "
             "stage-order, future-date, status-stages, patent-stage, stale-project, "
             "registration-class, unknown-key, missing-key, broken-link, broken-anchor, "
             "missing-image, raw-html-dropped, foreign-shortcode, missing-alt, stale_months)\n"
             "site.yaml:5:3: error: check 'bad-value' reports errors, which cannot be switched\n"
             "site.yaml:6:16: error: checks.future-date must be error, warning or off, not "
             "'fatal'\n"
             "site.yaml:7:18: error: checks.stale-project must be error, warning or off, not list\n"
             "site.yaml:8:17: error: checks.stale_months must be a whole number of months from 1 "
             "to 1200\n");
    DIAGS_EQ("title: T\n" BASE "checks: [stage-order]\n", false,
             "site.yaml:3:9: error: 'checks' must be a mapping, not list\n");
    DIAGS_EQ("title: T\n" BASE "checks: {stale_months: 1.5}\n", false,
             "site.yaml:3:24: error: checks.stale_months must be a whole number of months from 1 "
             "to 1200\n");
    DIAGS_EQ("title: T\n" BASE "checks: {stale_months: .nan}\n", false,
             "site.yaml:3:24: error: checks.stale_months must be a whole number of months from 1 "
             "to 1200\n");
}

/* {====================================================================
 * plugin limits that grow with the site
 * ===================================================================== */

static void
test_plugin_limits_scale(void)
{
    config c;
    if (!load_clean(&c, "title: T\n" BASE, NULL))
        return;
    config small = c;
    config_scale_plugin_limits(&small, 1000);
    INT_EQ(small.plugin_memory_mb, 256, "1,000 pages: the 256 MiB floor");
    INT_EQ(small.plugin_instructions, 0, "1,000 pages: instructions not counted");
    OK(!small.plugin_instructions_set, "instructions: not set");
    INT_EQ(small.plugin_seconds, 10, "1,000 pages: the 10 s floor");
    config big = c;
    config_scale_plugin_limits(&big, 100000);
    INT_EQ(big.plugin_memory_mb, 1563, "100,000 pages x 16 KiB (rounded up)");
    INT_EQ(big.plugin_instructions, 0, "100,000 pages: instructions not counted");
    INT_EQ(big.plugin_seconds, 200, "100,000 pages / 500 per second");

    /* a limit site.yaml sets stays as it is; the others still scale; null is unset */
    if (!load_clean(&c,
                    "title: T\n" BASE "plugin_limits:\n  memory_mb: 64\n  seconds: 5\n"
                    "  instructions: null\n",
                    NULL))
        return;
    config_scale_plugin_limits(&c, 100000);
    INT_EQ(c.plugin_memory_mb, 64, "memory_mb set: kept");
    INT_EQ(c.plugin_seconds, 5, "seconds set: kept");
    INT_EQ(c.plugin_instructions, 0, "instructions null: not counted");
    OK(!c.plugin_instructions_set, "instructions null: not set");
    if (!load_clean(&c, "title: T\n" BASE "plugin_limits: {instructions: 5000}\n", NULL))
        return;
    config_scale_plugin_limits(&c, 100000);
    OK(c.plugin_instructions_set && c.plugin_instructions == 5000,
       "instructions set: counted, kept");
}

static void
test_paginate(void)
{
    config c;
    if (load_clean(&c, "title: T\n" BASE, NULL))
        INT_EQ(c.paginate, 50, "paginate: 50 by default");
    if (load_clean(&c, "title: T\n" BASE "paginate: 0\n", NULL))
        INT_EQ(c.paginate, 0, "paginate: 0 (off)");
    DIAGS_EQ("title: T\n" BASE "paginate: -2\n", false,
             "site.yaml:3:11: error: 'paginate' must be a whole number of at least 0\n");
}

int
main(void)
{
    snprintf(root, sizeof root, "/tmp/clinfolio-test-config-XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 2;
    }
    A = arena_new();
    test_defaults();
    test_settings();
    test_base_url();
    test_required_and_unknown();
    test_null_title();
    test_all_missing_reported();
    test_types();
    test_stages();
    test_taxonomies();
    test_checks();
    test_plugin_limits_scale();
    test_paginate();
    arena_free(A);
    harness_rm_rf(root);
    return harness_done();
}
