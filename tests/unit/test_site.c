/* SPDX-License-Identifier: MIT
 * test_site.c - the site model on small sites written into temporary folders: pretty
 * URLs, base paths, permalinks, drafts, ordering, skipped files, duplicate URLs,
 * taxonomy terms, the output list and the build date. No theme: site_load renders
 * nothing. */
#include "site.h"

#include "page.h"
#include "scan.h"

#include "harness.h"

#include "inputs.h"
#include "markdown.h"
#include "text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[64];  /* /tmp/clinfolio-test-site-XXXXXX */
static char dir[128];  /* the current site folder, under base */
static int site_count; /* numbers the site folders */

/* {====================================================================
 * helpers: writing sites
 * ===================================================================== */

static void
mkdir_p(const char *path)
{
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
                perror(tmp);
                exit(2);
            }
            *p = '/';
        }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
        perror(tmp);
        exit(2);
    }
}

/* Writes dir/rel, creating its folders. */
static void
put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdir_p(path);
    *slash = '/';
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

/* Starts a new site folder with this site.yaml. */
static void
new_site(const char *site_yaml)
{
    snprintf(dir, sizeof dir, "%s/site%d", base, ++site_count);
    mkdir_p(dir);
    put("site.yaml", site_yaml);
}

#define SITE_YAML "title: Lab\nbase_url: https://x.org/\n"

/* {====================================================================
 * helpers: loading and looking
 * ===================================================================== */

typedef struct loaded {
    site *s;
    arena *a;
    arena *w[8];
    size_t nw;
    char *diags;
    size_t errors, warnings;
} loaded;

static loaded
load_with_future(bool drafts, const char *base_url, size_t workers, bool future)
{
    loaded l;
    memset(&l, 0, sizeof l);
    l.a = arena_new();
    l.nw = workers;
    for (size_t i = 0; i < workers; i++)
        l.w[i] = arena_new();
    site_options opt = {dir, drafts, base_url, workers, l.w, NULL, NULL, false, future, NULL, NULL};
    diag *d = diag_new();
    l.s = site_load(&opt, l.a, d);
    l.errors = diag_error_count(d);
    l.warnings = diag_warning_count(d);
    l.diags = diag_to_string(d);
    OK((l.s == NULL) == (l.errors > 0), "site_load returns NULL iff errors (%s)", dir);
    diag_free(d);
    return l;
}

static loaded
load_with(bool drafts, const char *base_url, size_t workers)
{
    return load_with_future(drafts, base_url, workers, false);
}

/* Loads the current site, which must load without errors. */
static loaded
load_ok(void)
{
    loaded l = load_with(false, NULL, 1);
    OK(l.s != NULL, "site %s loads; diagnostics:\n%s", dir, l.diags);
    return l;
}

static void
unload(loaded *l)
{
    site_free(l->s);
    free(l->diags);
    for (size_t i = 0; i < l->nw; i++)
        arena_free(l->w[i]);
    arena_free(l->a);
    memset(l, 0, sizeof *l);
}

static const site_output *
find_output(const site *s, const char *path)
{
    size_t n;
    const site_output *o = site_outputs(s, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(o[i].path, path) == 0)
            return &o[i];
    return NULL;
}

static size_t
count_outputs(const site *s, const char *path)
{
    size_t n, c = 0;
    const site_output *o = site_outputs(s, &n);
    for (size_t i = 0; i < n; i++)
        c += strcmp(o[i].path, path) == 0;
    return c;
}

static page *
find_page(const site *s, const char *path)
{
    size_t n;
    page *const *p = site_pages(s, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i]->path, path) == 0)
            return p[i];
    return NULL;
}

/* The string at a dotted path of an output's context, or NULL. */
static const char *
ctx_str(const site_output *o, const char *dotted)
{
    return o ? value_str(value_path(o->ctx, dotted)) : NULL;
}

static bool
has_template(const site_output *o, const char *name)
{
    for (size_t i = 0; o && i < 4 && o->templates[i]; i++)
        if (strcmp(o->templates[i], name) == 0)
            return true;
    return false;
}

/* The expected output paths, in any order, each exactly once, and nothing else. */
static void
expect_outputs(const site *s, const char *const *want, size_t n_want, const char *what)
{
    size_t n;
    const site_output *o = site_outputs(s, &n);
    INT_EQ(n, n_want, what);
    for (size_t i = 0; i < n_want; i++)
        INT_EQ(count_outputs(s, want[i]), 1, want[i]);
    for (size_t i = 0; i < n; i++) {
        bool expected = false;
        for (size_t k = 0; k < n_want; k++)
            expected |= strcmp(o[i].path, want[k]) == 0;
        OK(expected, "%s: unexpected output %s", what, o[i].path);
    }
}

/* {====================================================================
 * URLs and outputs
 * ===================================================================== */

static void
write_basic_site(const char *site_yaml)
{
    new_site(site_yaml);
    put("content/_index.md", "---\ntitle: Home page\n---\nWelcome.\n");
    put("content/about.md", "---\ntitle: About us\n---\nAbout the lab.\n");
    put("content/projects/_index.md", "---\ntitle: Our projects\n---\nAll of them.\n");
    put("content/projects/anti-fog.md",
        "---\ntitle: Anti-fog Goggles\ndate: 2023-03-01\n---\nClear sight.\n");
    put("content/projects/Second Project.md", "---\ntitle: Second\ndate: 2023-05-01\n---\nMore.\n");
    put("content/projects/custom.md",
        "---\ntitle: Custom\ndate: 2022-01-01\nslug: My Custom Slug\n---\nText.\n");
    put("content/news/2023/item.md", "---\ntitle: News item\ndate: 2023-06-01\n---\nNews.\n");
    /* none of these is a page; each would fail the load (no title) if it were read */
    put("content/README.md", "# Notes for writers\n");
    put("content/projects/readme.md", "notes\n");
    put("content/.hidden.md", "no title\n");
    put("content/.drafts/x.md", "no title\n");
    put("content/#autosave.md", "no title\n");
    put("content/about.md~", "no title\n");
    put("content/projects/notes.txt", "not markdown\n");
}

static void
test_urls(void)
{
    write_basic_site(SITE_YAML);
    loaded l = load_ok();
    if (!l.s) {
        unload(&l);
        return;
    }
    STR_EQ(l.diags, "", "no diagnostics for the basic site");
    STR_EQ(site_config(l.s)->title, "Lab", "site_config");

    size_t n;
    page *const *pages = site_pages(l.s, &n);
    INT_EQ(n, 5, "five single pages (no _index.md, README.md, dotfiles, editor files)");
    OK(find_page(l.s, "content/README.md") == NULL, "content/README.md skipped");
    OK(find_page(l.s, "content/projects/readme.md") == NULL, "readme.md skipped (any case)");
    OK(find_page(l.s, "content/.hidden.md") == NULL, "dotfile skipped");

    /* newest first, the undated page last */
    static const char *const order[] = {
        "content/news/2023/item.md", "content/projects/Second Project.md",
        "content/projects/anti-fog.md", "content/projects/custom.md", "content/about.md"};
    for (size_t i = 0; i < n && i < 5; i++)
        STR_EQ(pages[i]->path, order[i], "site_pages order: newest first");

    /* pretty URLs */
    page *p = find_page(l.s, "content/projects/anti-fog.md");
    OK(p != NULL, "anti-fog loaded");
    if (p) {
        STR_EQ(p->section, "projects", "section of a project");
        STR_EQ(p->slug, "anti-fog", "slug from the file name");
        STR_EQ(p->url, "/projects/anti-fog/", "project URL");
        STR_EQ(p->permalink, "https://x.org/projects/anti-fog/", "project permalink");
        STR_EQ(p->out_path, "projects/anti-fog/index.html", "project output path");
    }
    p = find_page(l.s, "content/projects/Second Project.md");
    if (p) {
        STR_EQ(p->slug, "second-project", "slug from a file name with a space and capitals");
        STR_EQ(p->url, "/projects/second-project/", "URL from such a file name");
    }
    p = find_page(l.s, "content/projects/custom.md");
    if (p) {
        STR_EQ(p->slug, "my-custom-slug", "front matter slug, slugified");
        STR_EQ(p->url, "/projects/my-custom-slug/", "URL from the front matter slug");
        STR_EQ(p->permalink, "https://x.org/projects/my-custom-slug/", "its permalink");
    }
    p = find_page(l.s, "content/about.md");
    if (p) {
        STR_EQ(p->section, "", "a top-level page has no section");
        STR_EQ(p->url, "/about/", "top-level page URL");
        STR_EQ(p->permalink, "https://x.org/about/", "top-level permalink");
        STR_EQ(p->out_path, "about/index.html", "top-level output path");
    }
    p = find_page(l.s, "content/news/2023/item.md");
    if (p) {
        STR_EQ(p->section, "news", "the first folder is the section");
        STR_EQ(p->url, "/news/item/", "a page in a sub-folder of a section");
    }
    for (size_t i = 0; i < n; i++) {
        OK(strncmp(pages[i]->permalink, "https://x.org/", 14) == 0,
           "permalink %s is absolute under base_url", pages[i]->permalink);
        OK(pages[i]->url[0] == '/' && pages[i]->url[strlen(pages[i]->url) - 1] == '/',
           "URL %s starts and ends with '/'", pages[i]->url);
    }

    /* outputs */
    static const char *const want[] = {"index.html",
                                       "about/index.html",
                                       "projects/anti-fog/index.html",
                                       "projects/second-project/index.html",
                                       "projects/my-custom-slug/index.html",
                                       "news/item/index.html",
                                       "projects/index.html",
                                       "news/index.html",
                                       "tags/index.html",
                                       "search/index.html",
                                       "404.html"};
    expect_outputs(l.s, want, sizeof want / sizeof *want, "outputs of the basic site");

    const site_output *o = find_output(l.s, "index.html");
    OK(o != NULL, "home output");
    STR_EQ(ctx_str(o, "page.title"), "Home page", "home title from content/_index.md");
    STR_EQ(ctx_str(o, "page.url"), "/", "home URL");
    STR_EQ(ctx_str(o, "page.kind"), "home", "home kind");
    STR_EQ(ctx_str(o, "site.title"), "Lab", "site.title in every context");
    STR_EQ(o ? o->permalink : NULL, "https://x.org/", "home permalink");
    OK(o && o->in_sitemap, "home in the sitemap");

    o = find_output(l.s, "projects/anti-fog/index.html");
    STR_EQ(ctx_str(o, "page.title"), "Anti-fog Goggles", "page context title");
    STR_EQ(ctx_str(o, "page.url"), "/projects/anti-fog/", "page context url");
    STR_EQ(o ? o->permalink : NULL, "https://x.org/projects/anti-fog/", "output permalink");
    OK(o && o->lastmod && o->lastmod->type == VALUE_DATE && o->lastmod->as.date.year == 2023 &&
           o->lastmod->as.date.month == 3 && o->lastmod->as.date.day == 1,
       "lastmod of a page is its date");
    OK(has_template(o, "page.html"), "a single page can use page.html");
    OK(o && o->in_sitemap, "pages in the sitemap");

    o = find_output(l.s, "projects/index.html");
    STR_EQ(ctx_str(o, "section.title"), "Our projects", "section title from its _index.md");
    STR_EQ(ctx_str(o, "section.url"), "/projects/", "section URL");
    value *list = o ? value_path(o->ctx, "section.pages") : NULL;
    INT_EQ(value_len(list), 3, "three pages in projects");
    STR_EQ(value_str(value_map_get(value_list_get(list, 0), "title")), "Second",
           "section pages newest first");
    STR_EQ(value_str(value_map_get(value_list_get(list, 2), "title")), "Custom",
           "oldest project last");
    o = find_output(l.s, "news/index.html");
    STR_EQ(ctx_str(o, "section.url"), "/news/", "section without _index.md");
    INT_EQ(value_len(o ? value_path(o->ctx, "section.pages") : NULL), 1, "one news page");

    o = find_output(l.s, "404.html");
    OK(o && !o->in_sitemap, "404 is not in the sitemap");
    STR_EQ(o ? o->permalink : NULL, "https://x.org/404.html", "404 permalink");

    size_t no;
    const site_output *outs = site_outputs(l.s, &no);
    for (size_t i = 0; i < no; i++)
        OK(outs[i].permalink && strncmp(outs[i].permalink, "https://x.org/", 14) == 0,
           "output %s has an absolute permalink", outs[i].path);

    /* a second load gives the same outputs in the same order */
    loaded again = load_ok();
    if (again.s) {
        size_t n2;
        const site_output *o2 = site_outputs(again.s, &n2);
        bool same = n2 == no;
        for (size_t i = 0; same && i < no; i++)
            same = strcmp(o2[i].path, outs[i].path) == 0;
        OK(same, "site_outputs order is deterministic");
    }
    unload(&again);

    /* and so does a load on four workers */
    loaded par = load_with(false, NULL, 4);
    OK(par.s != NULL, "loads on four workers: %s", par.diags);
    if (par.s) {
        size_t n2, np;
        const site_output *o2 = site_outputs(par.s, &n2);
        bool same = n2 == no;
        for (size_t i = 0; same && i < no; i++)
            same = strcmp(o2[i].path, outs[i].path) == 0;
        OK(same, "four workers give the same outputs in the same order");
        page *const *pp = site_pages(par.s, &np);
        same = np == n;
        for (size_t i = 0; same && i < n; i++)
            same = strcmp(pp[i]->path, pages[i]->path) == 0;
        OK(same, "four workers give the same page order");
    }
    unload(&par);
    unload(&l);
}

static void
test_base_path(void)
{
    write_basic_site("title: Lab\nbase_url: https://x.org/sub\n");
    put("content/projects/防雾 护目镜.md", "---\ntitle: 防雾护目镜\ndate: 2021-01-01\n---\n正文\n");
    loaded l = load_ok();
    if (l.s) {
        page *p = find_page(l.s, "content/projects/anti-fog.md");
        STR_EQ(p ? p->url : NULL, "/sub/projects/anti-fog/", "URL under a base path");
        STR_EQ(p ? p->permalink : NULL, "https://x.org/sub/projects/anti-fog/",
               "permalink under a base path");
        STR_EQ(p ? p->out_path : NULL, "projects/anti-fog/index.html",
               "output paths do not include the base path");
        p = find_page(l.s, "content/about.md");
        STR_EQ(p ? p->url : NULL, "/sub/about/", "top-level URL under a base path");
        const site_output *o = find_output(l.s, "index.html");
        STR_EQ(ctx_str(o, "page.url"), "/sub/", "home URL is the base path");
        STR_EQ(o ? o->permalink : NULL, "https://x.org/sub/", "home permalink is base_url");
        o = find_output(l.s, "projects/index.html");
        STR_EQ(ctx_str(o, "section.url"), "/sub/projects/", "section URL under a base path");
        o = find_output(l.s, "404.html");
        STR_EQ(o ? o->permalink : NULL, "https://x.org/sub/404.html", "404 under a base path");

        /* a Chinese file name: the slug keeps the characters; the permalink is an ASCII
         * URL (percent-encoded UTF-8) */
        p = find_page(l.s, "content/projects/防雾 护目镜.md");
        OK(p != NULL, "page with a Chinese file name");
        if (p) {
            STR_EQ(p->slug, "防雾-护目镜", "Chinese slug from the file name");
            STR_EQ(p->out_path, "projects/防雾-护目镜/index.html", "Chinese output folder");
            STR_EQ(p->permalink,
                   "https://x.org/sub/projects/%E9%98%B2%E9%9B%BE-%E6%8A%A4%E7%9B%AE%E9%95%9C/",
                   "Chinese permalink percent-encoded");
            OK(strncmp(p->url, "/sub/projects/", 14) == 0, "Chinese URL under the base path");
        }
    }
    unload(&l);

    /* --base-url overrides site.yaml */
    loaded o = load_with(false, "http://localhost:1313/", 1);
    OK(o.s != NULL, "loads with a base_url override: %s", o.diags);
    if (o.s) {
        page *p = find_page(o.s, "content/projects/anti-fog.md");
        STR_EQ(p ? p->url : NULL, "/projects/anti-fog/", "override without a path");
        STR_EQ(p ? p->permalink : NULL, "http://localhost:1313/projects/anti-fog/",
               "permalink from the override");
    }
    unload(&o);
}

/* {====================================================================
 * drafts and ordering
 * ===================================================================== */

static void
test_drafts(void)
{
    new_site(SITE_YAML);
    put("content/projects/a.md", "---\ntitle: A\ndraft: true\ndate: 2024-01-01\n---\n");
    put("content/projects/b.md", "---\ntitle: B\ndraft: false\ndate: 2023-01-01\n---\n");
    put("content/projects/c.md", "---\ntitle: C\ndate: 2022-01-01\n---\n");
    put("content/d.md", "---\ntitle: D\ndraft: true\n---\n");
    /* a draft with the same slug as a published page is no conflict while unpublished */
    put("content/projects/z.md", "---\ntitle: Z\ndraft: true\nslug: b\n---\n");

    loaded l = load_ok();
    if (l.s) {
        size_t n;
        site_pages(l.s, &n);
        INT_EQ(n, 2, "drafts left out");
        OK(find_page(l.s, "content/projects/a.md") == NULL, "draft a not published");
        OK(find_page(l.s, "content/d.md") == NULL, "draft d not published");
        OK(find_page(l.s, "content/projects/b.md") != NULL, "draft: false is published");
        OK(find_output(l.s, "projects/a/index.html") == NULL, "no output for a draft");
        OK(find_output(l.s, "d/index.html") == NULL, "no output for a top-level draft");
        const site_output *o = find_output(l.s, "projects/index.html");
        INT_EQ(value_len(o ? value_path(o->ctx, "section.pages") : NULL), 2,
               "drafts not listed in their section");
        /* the build date ignores drafts (published pages only) */
        const value *bd = site_build_date(l.s);
        OK(bd && bd->type == VALUE_DATE && bd->as.date.year == 2023,
           "build date from published pages only");
    }
    unload(&l);

    /* drafts = true publishes them, and then the slug clash is an error */
    l = load_with(true, NULL, 1);
    OK(l.s == NULL, "with drafts, z.md's slug clashes with b.md");
    STR_EQ(l.diags,
           "content/projects/z.md:4:7: error: duplicate URL '/projects/b/' (also used by "
           "content/projects/b.md)\n"
           "content/projects/b.md: note: the first page with that URL\n",
           "the clash names both files, at the slug");
    unload(&l);
    put("content/projects/z.md", "---\ntitle: Z\ndraft: true\n---\n");
    l = load_with(true, NULL, 1);
    OK(l.s != NULL, "with drafts: %s", l.diags);
    if (l.s) {
        size_t n;
        page *const *p = site_pages(l.s, &n);
        INT_EQ(n, 5, "drafts published with drafts = true");
        OK(n >= 1 && strcmp(p[0]->path, "content/projects/a.md") == 0,
           "the newest page (a draft) first");
        OK(find_output(l.s, "d/index.html") != NULL, "top-level draft published");
    }
    unload(&l);
}

static void
test_order(void)
{
    new_site(SITE_YAML);
    /* 2023-01-05T20:00+08:00 is 12:00Z; 2023-01-05T13:00Z is an hour later */
    put("content/news/a.md", "---\ntitle: A\ndate: 2023-01-05T20:00:00+08:00\n---\n");
    put("content/news/b.md", "---\ntitle: B\ndate: 2023-01-05T13:00:00Z\n---\n");
    put("content/news/c.md", "---\ntitle: C\ndate: 2023-01-04\n---\n");
    put("content/news/d.md", "---\ntitle: D\ndate: 2024-02-29\n---\n");
    put("content/news/e.md", "---\ntitle: E\n---\n");
    put("content/news/f.md", "---\ntitle: F\ndate: 2019-12-31\nupdated: 2025-01-01\n---\n");
    loaded l = load_ok();
    if (l.s) {
        size_t n;
        page *const *p = site_pages(l.s, &n);
        static const char *const want[] = {"D", "B", "A", "C", "F", "E"};
        INT_EQ(n, 6, "six pages");
        for (size_t i = 0; i < n && i < 6; i++)
            STR_EQ(p[i]->title, want[i], "newest first, by instant; undated last");
        /* prev/next links follow the section order: lower is older */
        const site_output *o = find_output(l.s, "news/b/index.html");
        STR_EQ(ctx_str(o, "page.lower.title"), "A", "lower of B is the older A");
        STR_EQ(ctx_str(o, "page.higher.title"), "D", "higher of B is the newer D");
        o = find_output(l.s, "news/d/index.html");
        OK(o && value_path(o->ctx, "page.higher")->type == VALUE_NULL, "the newest has no higher");
        /* the build date is the newest date or updated of any page */
        const value *bd = site_build_date(l.s);
        OK(bd && bd->type == VALUE_DATE && bd->as.date.year == 2025 && bd->as.date.month == 1,
           "build date from 'updated'");
        o = find_output(l.s, "news/f/index.html");
        OK(o && o->lastmod && o->lastmod->as.date.year == 2025, "lastmod is the newer 'updated'");
    }
    unload(&l);
}

static void
test_build_date_env(void)
{
    new_site(SITE_YAML);
    put("content/a.md", "---\ntitle: A\ndate: 2023-01-05\n---\n");
    setenv("SOURCE_DATE_EPOCH", "86400", 1);
    loaded l = load_ok();
    const value *bd = l.s ? site_build_date(l.s) : NULL;
    OK(bd && bd->type == VALUE_DATE && bd->as.date.year == 1970 && bd->as.date.month == 1 &&
           bd->as.date.day == 2 && bd->as.date.hour == 0,
       "SOURCE_DATE_EPOCH=86400 is 1970-01-02T00:00Z");
    unload(&l);
    setenv("SOURCE_DATE_EPOCH", "soon", 1);
    l = load_ok();
    bd = l.s ? site_build_date(l.s) : NULL;
    OK(bd && bd->type == VALUE_DATE && bd->as.date.year == 2023,
       "a bad SOURCE_DATE_EPOCH is ignored");
    INT_EQ(l.warnings, 1, "with a warning");
    OK(strstr(l.diags, "SOURCE_DATE_EPOCH") != NULL, "the warning names it: %s", l.diags);
    unload(&l);
    unsetenv("SOURCE_DATE_EPOCH");
}

/* issue 8: a page dated in the future is not published without --future, warns, and never
 * sets the build date (nor does a future 'updated'); with SOURCE_DATE_EPOCH the future is
 * after it. site_load takes --future in site_options.future. */
static loaded
load_future(bool future)
{
    loaded l = load_with_future(false, NULL, 1, future);
    OK(l.s != NULL, "site %s loads: %s", dir, l.diags);
    return l;
}

static void
test_future_pages(void)
{
    new_site(SITE_YAML);
    put("content/news/old.md", "---\ntitle: Old\ndate: 2024-05-01\n---\n");
    put("content/news/later.md", "---\ntitle: Later\ndate: 2024-03-01\nupdated: 2999-01-01\n---\n");
    put("content/news/future.md", "---\ntitle: Future\ndate: 2999-01-01\n---\n");
    loaded l = load_future(false);
    if (l.s) {
        size_t n;
        site_pages(l.s, &n);
        INT_EQ(n, 2, "the future page is not published");
        OK(find_page(l.s, "content/news/future.md") == NULL, "future.md left out");
        OK(find_output(l.s, "news/future/index.html") == NULL, "no output for it");
        const value *bd = site_build_date(l.s);
        OK(bd && bd->as.date.year == 2024 && bd->as.date.month == 5,
           "the build date is the newest date that is not in the future");
        STR_EQ(l.diags,
               "content/news/future.md:3:7: warning: 'date' 2999-01-01 is in the future: the page "
               "is not published (--future publishes it)\n"
               "content/news/later.md:4:10: warning: 'updated' 2999-01-01 is in the future\n",
               "both warned");
    }
    unload(&l);
    l = load_future(true);
    if (l.s) {
        size_t n;
        page *const *p = site_pages(l.s, &n);
        INT_EQ(n, 3, "--future publishes it");
        OK(n && strcmp(p[0]->path, "content/news/future.md") == 0, "first, as the newest");
        const value *bd = site_build_date(l.s);
        OK(bd && bd->as.date.year == 2024 && bd->as.date.month == 5,
           "even published, a future page does not set the build date");
        const site_output *o = find_output(l.s, "index.html");
        OK(o && o->lastmod && o->lastmod->as.date.year == 2024, "nor the home page's lastmod");
    }
    unload(&l);
    /* SOURCE_DATE_EPOCH is now: 2024-04-01, so old.md (2024-05-01) is in the future */
    setenv("SOURCE_DATE_EPOCH", "1711929600", 1);
    l = load_future(false);
    if (l.s) {
        size_t n;
        site_pages(l.s, &n);
        INT_EQ(n, 1, "after SOURCE_DATE_EPOCH is the future");
        OK(find_page(l.s, "content/news/later.md") != NULL, "only later.md is published");
    }
    unload(&l);
    unsetenv("SOURCE_DATE_EPOCH");
}

/* site_valid_until(): the earliest date after now in any page's front matter, a draft's and
 * a nested stage date too, for the unchanged build's shortcut to end then; none (INT64_MAX)
 * when SOURCE_DATE_EPOCH is now, which never moves */
static void
test_valid_until(void)
{
    new_site(SITE_YAML);
    put("content/projects/a.md", "---\ntitle: A\ndate: 2020-01-01\nstages:\n  need: 2020-01-01\n"
                                 "  prototype: 2998-05-01\n---\n");
    put("content/projects/b.md", "---\ntitle: B\ndate: 2999-01-02\n---\n");
    put("content/projects/c.md", "---\ntitle: C\ndate: 2021-01-01\ndraft: true\n"
                                 "review: 2998-04-30T12:00:00+02:00\n---\n");
    loaded l = load_with_future(false, NULL, 2, true);
    value_date want = {
        .year = 2998, .month = 4, .day = 30, .hour = 10, .has_time = true, .has_offset = true};
    OK(l.s && site_valid_until(l.s) == value_date_epoch(&want),
       "the earliest future date of any page, a draft's included: %lld against %lld",
       l.s ? (long long)site_valid_until(l.s) : -1LL, (long long)value_date_epoch(&want));
    unload(&l);
    setenv("SOURCE_DATE_EPOCH", "1711929600", 1);
    l = load_with_future(false, NULL, 2, true);
    OK(l.s && site_valid_until(l.s) == INT64_MAX, "no end with SOURCE_DATE_EPOCH");
    unload(&l);
    unsetenv("SOURCE_DATE_EPOCH");
}

/* {====================================================================
 * duplicates and errors
 * ===================================================================== */

static void
test_duplicates(void)
{
    new_site(SITE_YAML);
    put("content/projects/a.md", "---\ntitle: A\n---\n");
    put("content/projects/z.md", "---\ntitle: Z\nslug: A\n---\n");
    loaded l = load_with(false, NULL, 1);
    OK(l.s == NULL, "a duplicate slug fails the load");
    STR_EQ(l.diags,
           "content/projects/z.md:3:7: error: duplicate URL '/projects/a/' (also used by "
           "content/projects/a.md)\n"
           "content/projects/a.md: note: the first page with that URL\n",
           "duplicate slug names both files");
    unload(&l);

    /* two file names that slugify the same */
    new_site("title: Lab\nbase_url: https://x.org/sub/\n");
    put("content/Hello World.md", "---\ntitle: One\n---\n");
    put("content/hello-world.md", "---\ntitle: Two\n---\n");
    l = load_with(false, NULL, 1);
    OK(l.s == NULL, "file names with the same slug fail");
    OK(strstr(l.diags, "duplicate URL '/sub/hello-world/'") != NULL &&
           strstr(l.diags, "content/Hello World.md") != NULL &&
           strstr(l.diags, "content/hello-world.md") != NULL,
       "both files named, URL with the base path: %s", l.diags);
    INT_EQ(l.errors, 1, "one error for one clash");
    unload(&l);

    /* a page cannot take a taxonomy's URL */
    new_site(SITE_YAML);
    put("content/tags.md", "---\ntitle: Tags page\n---\n");
    l = load_with(false, NULL, 1);
    OK(l.s == NULL, "a page at /tags/ fails");
    OK(strstr(l.diags, "content/tags.md:1:1: error: duplicate URL '/tags/'") != NULL,
       "clash with the tags list: %s", l.diags);
    unload(&l);
}

/* Regression (a bug found by these tests, now fixed): site.c promises "generated lists claim first:
 * a page cannot take /tags/ or /projects/", but section list URLs are only claimed when the section
 * has an _index.md. Without one, content/projects.md (URL /projects/) and the projects section list
 * both become the output projects/index.html, and site_load reports nothing; the same happens with
 * a section folder named like a taxonomy (content/tags/x.md makes a "tags" section list at
 * tags/index.html, which the tags taxonomy list also writes). */
static void
test_section_url_clash(void)
{
    new_site(SITE_YAML);
    put("content/projects.md", "---\ntitle: Projects overview\n---\n");
    put("content/projects/a.md", "---\ntitle: A\n---\n");
    loaded l = load_with(false, NULL, 1);
    OK(l.s == NULL && strstr(l.diags, "duplicate URL '/projects/'") != NULL,
       "content/projects.md and the projects section list share /projects/ without an "
       "error; diagnostics: \"%s\"",
       l.diags);
    if (l.s)
        INT_EQ(count_outputs(l.s, "projects/index.html"), 1,
               "projects/index.html is produced twice");
    unload(&l);

    new_site(SITE_YAML);
    put("content/tags/x.md", "---\ntitle: X\n---\n");
    l = load_with(false, NULL, 1);
    OK(l.s == NULL && strstr(l.diags, "duplicate URL '/tags/'") != NULL,
       "a 'tags' section list and the tags taxonomy share /tags/ without an error; "
       "diagnostics: \"%s\"",
       l.diags);
    if (l.s)
        INT_EQ(count_outputs(l.s, "tags/index.html"), 1, "tags/index.html is produced twice");
    unload(&l);
}

static void
test_errors(void)
{
    /* every bad page is reported, not just the first */
    new_site(SITE_YAML);
    put("content/projects/a.md", "---\ndate: 2023-01-01\n---\nno title\n");
    put("content/projects/b.md", "---\ntitle: B\ndate: 2023-02-30\n---\n");
    put("content/projects/c.md", "---\ntitle: C\n---\n");
    loaded l = load_with(false, NULL, 2);
    OK(l.s == NULL, "bad pages fail the load");
    INT_EQ(l.errors, 2, "both bad pages reported");
    OK(strstr(l.diags, "content/projects/a.md") != NULL, "a.md named: %s", l.diags);
    OK(strstr(l.diags, "content/projects/b.md:3:7: error: invalid date '2023-02-30'") != NULL,
       "b.md's bad date at its position: %s", l.diags);
    unload(&l);

    /* a bad site.yaml stops before content */
    new_site("title: Lab\n");
    put("content/a.md", "no front matter, no title\n");
    l = load_with(false, NULL, 1);
    OK(l.s == NULL, "config errors fail the load");
    OK(strstr(l.diags, "missing required key 'base_url'") != NULL, "config error: %s", l.diags);
    unload(&l);

    /* no content folder: a home page, the taxonomy list and the 404 page */
    new_site("title: Empty\nbase_url: https://x.org/\ndescription: Nothing yet\n");
    l = load_ok();
    if (l.s) {
        size_t n;
        site_pages(l.s, &n);
        INT_EQ(n, 0, "no pages");
        static const char *const want[] = {"index.html", "tags/index.html", "search/index.html",
                                           "404.html"};
        expect_outputs(l.s, want, 4, "outputs of an empty site");
        const site_output *o = find_output(l.s, "index.html");
        STR_EQ(ctx_str(o, "page.title"), "Empty", "home without _index.md: the site title");
        STR_EQ(ctx_str(o, "page.url"), "/", "home URL without _index.md");
    }
    unload(&l);
}

/* {====================================================================
 * taxonomies
 * ===================================================================== */

static void
test_taxonomies(void)
{
    new_site(SITE_YAML "taxonomies: [tags, cohort]\n");
    put("content/projects/a.md",
        "---\ntitle: A\ndate: 2023-05-01\ntags: [AI, Eye Care, ai]\ncohort: 2023\n---\n");
    put("content/projects/b.md", "---\ntitle: B\ndate: 2024-05-01\ntags: AI\ncohort: 2024\n---\n");
    put("content/projects/c.md",
        "---\ntitle: C\ndate: 2022-05-01\ntags: [\"  eye care \", \"!!!\"]\ncohort: "
        "\"2023\"\n---\n");
    put("content/projects/d.md", "---\ntitle: D\ntags: []\n---\n");
    loaded l = load_ok();
    if (!l.s) {
        unload(&l);
        return;
    }
    OK(l.warnings == 1 && strstr(l.diags, "'tags' value '!!!' has no letters or digits") != NULL,
       "a tag without letters warns: %s", l.diags);
    static const char *const want[] = {
        "index.html",
        "projects/a/index.html",
        "projects/b/index.html",
        "projects/c/index.html",
        "projects/d/index.html",
        "projects/index.html",
        "tags/index.html",
        "tags/ai/index.html",
        "tags/eye-care/index.html",
        "cohort/index.html",
        "cohort/2023/index.html",
        "cohort/2024/index.html",
        "search/index.html",
        "404.html",
    };
    expect_outputs(l.s, want, sizeof want / sizeof *want, "outputs with two taxonomies");

    const site_output *o = find_output(l.s, "cohort/2023/index.html");
    STR_EQ(ctx_str(o, "term.name"), "2023", "cohort 2023 (a number) is the term \"2023\"");
    STR_EQ(ctx_str(o, "term.slug"), "2023", "term slug");
    STR_EQ(ctx_str(o, "term.url"), "/cohort/2023/", "term URL");
    STR_EQ(ctx_str(o, "term.permalink"), "https://x.org/cohort/2023/", "term permalink");
    value *count = o ? value_path(o->ctx, "term.count") : NULL;
    OK(count && count->type == VALUE_NUMBER && count->as.number == 2,
       "number 2023 and text \"2023\" are one term with two pages");
    value *pages = o ? value_path(o->ctx, "term.pages") : NULL;
    STR_EQ(value_str(value_map_get(value_list_get(pages, 0), "title")), "A",
           "term pages newest first");
    STR_EQ(ctx_str(o, "taxonomy.name"), "cohort", "taxonomy in a term's context");
    OK(o && o->permalink && strcmp(o->permalink, "https://x.org/cohort/2023/") == 0,
       "term output permalink");

    o = find_output(l.s, "tags/ai/index.html");
    count = o ? value_path(o->ctx, "term.count") : NULL;
    OK(count && count->as.number == 2, "AI, ai and AI again: one term, two pages (got %g)",
       count ? count->as.number : -1);
    o = find_output(l.s, "tags/eye-care/index.html");
    STR_EQ(ctx_str(o, "term.name"), "Eye Care", "the term keeps the name first seen");
    count = o ? value_path(o->ctx, "term.count") : NULL;
    OK(count && count->as.number == 2, "'Eye Care' and '  eye care ' are one term");

    o = find_output(l.s, "tags/index.html");
    value *terms = o ? value_path(o->ctx, "taxonomy.terms") : NULL;
    INT_EQ(value_len(terms), 2, "two tags");

    /* page side */
    page *a = find_page(l.s, "content/projects/a.md");
    STR_EQ(a ? a->cohort : NULL, "2023", "page cohort as text");
    o = find_output(l.s, "projects/a/index.html");
    STR_EQ(ctx_str(o, "page.cohort"), "2023", "page.cohort in the context");
    value *tags = o ? value_path(o->ctx, "page.terms.tags") : NULL;
    INT_EQ(value_len(tags), 2, "page a has two distinct tags");
    value *coh = o ? value_path(o->ctx, "page.terms.cohort") : NULL;
    STR_EQ(value_str(value_map_get(value_list_get(coh, 0), "url")), "/cohort/2023/",
           "page's cohort term URL");

    /* site.cohorts: newest cohort first */
    o = find_output(l.s, "index.html");
    value *cohorts = o ? value_path(o->ctx, "site.cohorts") : NULL;
    INT_EQ(value_len(cohorts), 2, "two cohorts");
    STR_EQ(value_str(value_map_get(value_list_get(cohorts, 0), "name")), "2024",
           "newest cohort first");
    unload(&l);

    /* declared terms: a name given on several pages is one term, by any of its names; a
     * misspelt one warns on every page that gives it (the term of a text is remembered
     * only when it gave no warning) */
    new_site(SITE_YAML "taxonomies:\n  - name: department\n    terms:\n"
                       "      nursing: {en: Nursing}\n      cardiology: {en: Cardiology}\n");
    put("content/projects/a.md", "---\ntitle: A\ndepartment: Nursing\n---\n");
    put("content/projects/b.md", "---\ntitle: B\ndepartment: Nursing\n---\n");
    put("content/projects/c.md", "---\ntitle: C\ndepartment: Nursng\n---\n");
    put("content/projects/d.md", "---\ntitle: D\ndepartment: [Cardiology, Nursng]\n---\n");
    l = load_ok();
    if (l.s) {
        o = find_output(l.s, "department/nursing/index.html");
        count = o ? value_path(o->ctx, "term.count") : NULL;
        OK(count && count->as.number == 2, "Nursing on two pages: one term of two pages");
        OK(l.warnings == 2 &&
               strstr(l.diags, "content/projects/c.md:3:13: warning: 'department' value "
                               "'Nursng' is not one of the terms") != NULL &&
               strstr(l.diags, "content/projects/d.md:3:26: warning: 'department' value "
                               "'Nursng' is not one of the terms") != NULL,
           "the misspelt name warns on both pages: %s", l.diags);
    }
    unload(&l);

    /* a taxonomy value of the wrong type is an error */
    new_site(SITE_YAML "taxonomies: [tags, department]\n");
    put("content/a.md", "---\ntitle: A\ndepartment: {x: 1}\n---\n");
    l = load_with(false, NULL, 1);
    OK(l.s == NULL, "a map as a taxonomy value fails");
    OK(strstr(l.diags, "content/a.md:3:13: error: 'department' must be text or a list of text, "
                       "not map") != NULL,
       "taxonomy type error: %s", l.diags);
    unload(&l);
}

/* {====================================================================
 * pagination (issue 10)
 * ===================================================================== */

static double
ctx_num(const site_output *o, const char *dotted)
{
    const value *v = o ? value_path(o->ctx, dotted) : NULL;
    return v && v->type == VALUE_NUMBER ? v->as.number : -1;
}

/* the titles of paginator.pages, joined with "," */
static const char *
pager_titles(const site_output *o, char *out, size_t size)
{
    const value *l = o ? value_path(o->ctx, "paginator.pages") : NULL;
    out[0] = '\0';
    for (size_t i = 0; l && l->type == VALUE_LIST && i < l->as.list.len; i++) {
        const char *t = value_str(value_map_get(l->as.list.items[i], "title"));
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%s%s", i ? "," : "", t ? t : "?");
    }
    return out;
}

static void
test_pagination(void)
{
    /* 5 projects at 2 per page: projects/, projects/page/2/, projects/page/3/; the tag
     * of all five likewise; a tag of one project has one page */
    new_site("title: Lab\nbase_url: https://x.org/sub/\npaginate: 2\ntaxonomies: [tags]\n");
    for (int i = 1; i <= 5; i++) {
        char rel[64], text[160];
        snprintf(rel, sizeof rel, "content/projects/p%d.md", i);
        snprintf(text, sizeof text, "---\ntitle: P%d\ndate: 2024-0%d-01\ntags: [all%s]\n---\nx\n",
                 i, i, i == 3 ? ", three" : "");
        put(rel, text);
    }
    loaded l = load_ok();
    if (!l.s)
        return;
    const char *want[] = {
        "index.html",
        "404.html",
        "projects/p1/index.html",
        "projects/p2/index.html",
        "projects/p3/index.html",
        "projects/p4/index.html",
        "projects/p5/index.html",
        "projects/index.html",
        "projects/page/2/index.html",
        "projects/page/3/index.html",
        "tags/index.html",
        "tags/all/index.html",
        "tags/all/page/2/index.html",
        "tags/all/page/3/index.html",
        "tags/three/index.html",
        "search/index.html",
    };
    expect_outputs(l.s, want, sizeof want / sizeof *want, "paginate: 2, 5 projects");
    char titles[128];
    const site_output *p1 = find_output(l.s, "projects/index.html");
    const site_output *p2 = find_output(l.s, "projects/page/2/index.html");
    const site_output *p3 = find_output(l.s, "projects/page/3/index.html");
    STR_EQ(pager_titles(p1, titles, sizeof titles), "P5,P4", "page 1: the newest two");
    STR_EQ(pager_titles(p2, titles, sizeof titles), "P3,P2", "page 2");
    STR_EQ(pager_titles(p3, titles, sizeof titles), "P1", "page 3: the rest");
    OK(ctx_num(p2, "paginator.number") == 2, "page 2: number");
    OK(ctx_num(p2, "paginator.total") == 3, "page 2: total");
    OK(ctx_num(p2, "paginator.count") == 5, "page 2: count");
    STR_EQ(ctx_str(p2, "paginator.url"), "/sub/projects/page/2/", "page 2: url");
    STR_EQ(ctx_str(p2, "paginator.permalink"), "https://x.org/sub/projects/page/2/",
           "page 2: permalink");
    STR_EQ(ctx_str(p2, "paginator.first_url"), "/sub/projects/", "first_url");
    STR_EQ(ctx_str(p2, "paginator.last_url"), "/sub/projects/page/3/", "last_url");
    STR_EQ(ctx_str(p2, "paginator.prev_url"), "/sub/projects/", "page 2: prev_url is page 1");
    STR_EQ(ctx_str(p2, "paginator.next_url"), "/sub/projects/page/3/", "page 2: next_url");
    STR_EQ(ctx_str(p1, "paginator.prev_url"), "", "page 1: no prev_url");
    STR_EQ(ctx_str(p3, "paginator.next_url"), "", "page 3: no next_url");
    STR_EQ(ctx_str(p2, "section.url"), "/sub/projects/", "page 2: the section is the section");
    STR_EQ(p2 ? p2->permalink : NULL, "https://x.org/sub/projects/page/2/", "page 2 permalink");
    OK(p2 && p2->in_sitemap && has_template(p2, "section.html"), "page 2: sitemap, template");
    const site_output *t2 = find_output(l.s, "tags/all/page/2/index.html");
    STR_EQ(pager_titles(t2, titles, sizeof titles), "P3,P2", "term page 2");
    STR_EQ(ctx_str(t2, "term.name"), "all", "term page 2: its term");
    STR_EQ(ctx_str(t2, "paginator.prev_url"), "/sub/tags/all/", "term page 2: prev_url");
    const site_output *t3 = find_output(l.s, "tags/three/index.html");
    OK(ctx_num(t3, "paginator.total") == 1, "a short term: one page");
    STR_EQ(ctx_str(t3, "paginator.next_url"), "", "a short term: no next_url");
    unload(&l);

    /* paginate: 0 is one list page with every page */
    new_site("title: Lab\nbase_url: https://x.org/\npaginate: 0\n");
    for (int i = 1; i <= 3; i++) {
        char rel[64], text[128];
        snprintf(rel, sizeof rel, "content/projects/p%d.md", i);
        snprintf(text, sizeof text, "---\ntitle: P%d\ndate: 2024-0%d-01\n---\nx\n", i, i);
        put(rel, text);
    }
    l = load_ok();
    if (!l.s)
        return;
    OK(!find_output(l.s, "projects/page/2/index.html"), "paginate: 0: no page 2");
    STR_EQ(pager_titles(find_output(l.s, "projects/index.html"), titles, sizeof titles), "P3,P2,P1",
           "paginate: 0: every page on page 1");
    unload(&l);
}

/* Pass 2 alone (scan.h): which files are pages, in which order, with their section; what
 * is skipped; no content/ folder (none) and content/ a link (a warning, none). */
static void
test_scan_content(void)
{
    new_site(SITE_YAML);
    put("content/_index.md", "---\ntitle: Home\n---\n");
    put("content/about.md", "---\ntitle: About\n---\n");
    put("content/projects/_index.md", "---\ntitle: Projects\n---\n");
    put("content/projects/b.md", "---\ntitle: B\n---\n");
    put("content/projects/a.md", "---\ntitle: A\n---\n");
    put("content/projects/deep/c.md", "---\ntitle: C\n---\n");
    put("content/projects/bundle/index.md", "---\ntitle: Bundle\n---\n");
    put("content/projects/bundle/notes.txt", "a resource\n");
    put("content/team/index.md", "---\ntitle: Team\n---\n");
    put("content/README.md", "notes\n");
    put("content/.hidden.md", "x\n");
    put("content/draft.md~", "x\n");
    put("content/static/x.md", "copied as it is\n");
    arena *a = arena_new();
    diag *d = diag_new();
    config cfg;
    OK(config_load(&cfg, dir, NULL, a, d), "site.yaml loads");
    scan_source *src;
    size_t n;
    OK(scan_content(dir, &cfg, NULL, &src, &n, a, d), "the scan succeeds");
    INT_EQ(diag_error_count(d) + diag_warning_count(d), 0, "nothing to say");
    const char *want[][3] = {
        {"content/_index.md", "", "index"},
        {"content/about.md", "", "page"},
        {"content/projects/_index.md", "projects", "index"},
        {"content/projects/a.md", "projects", "page"},
        {"content/projects/b.md", "projects", "page"},
        {"content/projects/bundle/index.md", "projects", "page"},
        {"content/projects/deep/c.md", "projects", "page"},
        {"content/team/index.md", "", "page"},
    };
    size_t n_want = sizeof want / sizeof want[0];
    INT_EQ(n, n_want, "eight pages: README.md, hidden, editor, static and resource files are not");
    for (size_t i = 0; i < n && i < n_want; i++) {
        STR_EQ(src[i].rel, want[i][0], "the pages in order, each folder's entries sorted");
        STR_EQ(src[i].sec_name, want[i][1], "the section: the first folder beneath content/");
        OK(src[i].is_index == (strcmp(want[i][2], "index") == 0), "%s: an _index file or not",
           src[i].rel);
    }
    diag_free(d);

    /* the same from the folders a fingerprint's walk listed (inputs_seen_list()), with a
     * link, a FIFO and a page beside a bundle's index.md to warn of, as listing them again
     * does; a folder the walk did not list is listed by the scan */
    {
        char from[512], to[512];
        snprintf(from, sizeof from, "%s/content/about.md", dir);
        snprintf(to, sizeof to, "%s/content/projects/linked.md", dir);
        OK(symlink(from, to) == 0, "a link among the pages");
        snprintf(to, sizeof to, "%s/content/projects/pipe.md", dir);
        OK(mkfifo(to, 0600) == 0, "a FIFO among the pages");
        put("content/projects/bundle/extra.md", "---\ntitle: Extra\n---\n");
        /* editor files, which neither the walk nor the scan looks at: a bundle's, and an
         * _index backup in a bundle's folder (which made it a section too, an error) */
        put("content/projects/bundle/#extra.md", "autosave\n");
        put("content/team/_index.md~", "backup\n");
        diag *d1 = diag_new(), *d2 = diag_new();
        scan_source *listed, *seen_src;
        size_t n_listed, n_seen;
        OK(scan_content(dir, &cfg, NULL, &listed, &n_listed, a, d1), "listed again: scanned");
        inputs_seen *seen = inputs_seen_new();
        char content[512];
        snprintf(content, sizeof content, "%s/content", dir);
        inputs_hash_seen(0, content, seen);
        size_t n_top;
        OK(inputs_seen_list(seen, "content", &n_top) && n_top > 0 &&
               !inputs_seen_list(seen, "content/nowhere", &n_top),
           "the walk listed content/ and its folders only");
        OK(scan_content(dir, &cfg, seen, &seen_src, &n_seen, a, d2), "as the walk saw it: scanned");
        INT_EQ(n_seen, n_listed, "as the walk saw it: the same pages");
        for (size_t i = 0; i < n_seen && i < n_listed; i++)
            OK(strcmp(seen_src[i].rel, listed[i].rel) == 0 &&
                   strcmp(seen_src[i].sec_name, listed[i].sec_name) == 0 &&
                   seen_src[i].is_index == listed[i].is_index,
               "as the walk saw it: %s as listed again", listed[i].rel);
        char *m1 = diag_to_string(d1), *m2 = diag_to_string(d2);
        STR_EQ(m2, m1, "as the walk saw it: the same warnings (a link, a FIFO, a bundle's page)");
        OK(diag_warning_count(d1) == 3, "three warnings: %s", m1);
        free(m1);
        free(m2);
        inputs_seen_free(seen);
        diag_free(d1);
        diag_free(d2);
    }

    new_site(SITE_YAML); /* no content/ folder: no page, no message */
    d = diag_new();
    OK(scan_content(dir, &cfg, NULL, &src, &n, a, d) && n == 0 && diag_warning_count(d) == 0,
       "no content/ folder: no pages");
    diag_free(d);

    char target[256], link[256];
    snprintf(target, sizeof target, "%s/site%d/content", base, site_count - 1);
    snprintf(link, sizeof link, "%s/content", dir);
    OK(symlink(target, link) == 0, "content/ made a symbolic link");
    d = diag_new();
    OK(scan_content(dir, &cfg, NULL, &src, &n, a, d) && n == 0, "content/ a link: not followed");
    INT_EQ(diag_warning_count(d), 1, "content/ a link: one warning");
    diag_free(d);
    arena_free(a);
}

/* Which content files are the page of a page bundle, and their folder. */
static void
test_bundle_names(void)
{
    size_t folder = 0;
    OK(page_is_bundle("content/projects/x/index.md", &folder) &&
           folder == strlen("content/projects/x"),
       "index.md is a bundle's page, its folder content/projects/x");
    OK(page_is_bundle("content/projects/x/index.en.md", &folder) &&
           folder == strlen("content/projects/x"),
       "index.en.md too (a translation)");
    OK(!page_is_bundle("content/projects/x.md", &folder), "x.md is no bundle");
    OK(!page_is_bundle("content/projects/x/_index.md", &folder), "_index.md is a section's");
    OK(!page_is_bundle("content/projects/x/index.a.b.md", &folder), "index.a.b.md: two dots");
    OK(!page_is_bundle("content/projects/x/index..md", &folder), "index..md: an empty language");
    OK(!page_is_bundle("content/projects/x/indexes.md", &folder), "indexes.md");
    OK(!page_is_bundle("index.md", &folder), "a name without a folder");
    OK(!page_is_bundle("content/projects/x/index.mdx", &folder), "another extension");
}

int
main(void)
{
    markdown_global_init();
    unsetenv("SOURCE_DATE_EPOCH");
    snprintf(base, sizeof base, "/tmp/clinfolio-test-site-XXXXXX");
    if (!mkdtemp(base)) {
        perror("mkdtemp");
        return 2;
    }
    test_scan_content();
    test_bundle_names();
    test_urls();
    test_base_path();
    test_drafts();
    test_order();
    test_build_date_env();
    test_future_pages();
    test_valid_until();
    test_duplicates();
    test_section_url_clash();
    test_errors();
    test_taxonomies();
    test_pagination();
    harness_rm_rf(base);
    return harness_done();
}
