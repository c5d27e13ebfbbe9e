/* SPDX-License-Identifier: MIT
 * scaffold.c - `clinfolio new` and `clinfolio init`: a page from an archetype, with
 * placeholders filled from site.yaml and the schema, and a small starter site. Runs
 * instead of a build, on the main thread. */
#include "scaffold.h"

#include "arena.h"
#include "build.h"
#include "fs.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* {====================================================================
 * placeholders
 * ===================================================================== */

#define HINT_COLUMN 32 /* where the hint comment of a key line starts */

void
scaffold_yaml_quote(buf *out, const char *s)
{
    buf_putc(out, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf_putc(out, '\\');
            buf_putc(out, (char)c);
        } else if (c == '\n') {
            buf_puts(out, "\\n");
        } else if (c == '\t') {
            buf_puts(out, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            buf_printf(out, "\\x%02x", c);
        } else {
            buf_putc(out, (char)c);
        }
    }
    buf_putc(out, '"');
}

void
scaffold_slug(buf *out, const char *title)
{
    buf slug = BUF_INIT;
    text_slugify(&slug, title, strlen(title));
    size_t len = text_utf8_prefix(slug.ptr, slug.len, slug.len);
    if (len > SCAFFOLD_MAX_SLUG) {
        len = 0;
        for (size_t i = 0; i < slug.len;) {
            size_t n = text_utf8_seq(slug.ptr + i, slug.len - i);
            if (!n || i + n > SCAFFOLD_MAX_SLUG)
                break;
            i += n;
            len = i;
        }
        while (len > 0 && slug.ptr[len - 1] == '-')
            len--;
    }
    buf_append(out, slug.ptr, len);
    buf_free(&slug);
}

/* A cohort as YAML: a year stays a number, anything else is quoted. */
static void
put_scalar(buf *out, const char *s)
{
    size_t n = strspn(s, "0123456789");
    if (n > 0 && n <= 4 && s[n] == '\0')
        buf_puts(out, s);
    else
        scaffold_yaml_quote(out, s);
}

/* Pads the line being written in out (from line_start) to HINT_COLUMN characters. */
static void
pad_to_hint(buf *out, size_t line_start)
{
    size_t chars = text_utf8_count(out->ptr + line_start, out->len - line_start);
    do
        buf_putc(out, ' ');
    while (++chars < HINT_COLUMN);
}

static void
put_flat(buf *out, const char *s)
{
    bool space = false;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') {
            space = true;
            continue;
        }
        if (space && out->len && out->ptr[out->len - 1] != ' ')
            buf_putc(out, ' ');
        space = false;
        buf_putc(out, *s);
    }
}

/* `stages: {}` and every stage of site.yaml as a commented line with its label: to record
 * one, the author replaces {} by the uncommented lines ("# " removed) of the stages
 * reached. {} keeps the page valid (and `stages` present) until then. */
static void
put_stages(buf *out, const scaffold_vars *v)
{
    if (!v->cfg || v->cfg->n_stages == 0)
        return;
    size_t line = out->len;
    buf_puts(out, "stages: {}");
    pad_to_hint(out, line);
    buf_puts(out, "# replace {} by the lines of the stages reached, uncommented\n");
    for (size_t i = 0; i < v->cfg->n_stages; i++) {
        const config_stage *st = &v->cfg->stages[i];
        line = out->len;
        buf_printf(out, "#   %s: %s", st->key, v->date);
        pad_to_hint(out, line);
        buf_printf(out, "# %s", st->label ? st->label : st->key);
        if (st->label_zh)
            buf_printf(out, " · %s", st->label_zh);
        buf_putc(out, '\n');
    }
}

/* The example value of a key, and whether it is written uncommented: a key the schema
 * requires or recommends gets a value that counts as present (an empty text, list or
 * map, the first allowed value, today), so a new page passes `clinfolio check`. */
static bool
example_value(buf *out, const schema_key *k, const scaffold_vars *v)
{
    bool wanted = k->required || k->recommended;
    if (strcmp(k->name, "date") == 0 || k->type == SCHEMA_DATE) {
        buf_puts(out, v->date);
        return wanted;
    }
    if (strcmp(k->name, "cohort") == 0 || k->type == SCHEMA_YEAR) {
        if (v->cohort)
            put_scalar(out, v->cohort);
        else
            buf_append(out, v->date, 4);
        return wanted || v->cohort;
    }
    if (strcmp(k->name, "department") == 0 && v->department) {
        scaffold_yaml_quote(out, v->department);
        return true;
    }
    static const struct {
        schema_type type;
        const char *example;
        bool empty; /* counts as present, says nothing: written when the key is wanted */
    } examples[] = {
        {SCHEMA_TEXT, "\"\"", true},   {SCHEMA_ANY, "\"\"", true},
        {SCHEMA_LIST, "[]", true},     {SCHEMA_MAP, "{}", true},
        {SCHEMA_NUMBER, "0", false},   {SCHEMA_INTEGER, "0", false},
        {SCHEMA_BOOL, "false", false}, {SCHEMA_MONEY, "{amount: 0, currency: CNY}", false},
    };
    if (k->type == SCHEMA_ENUM && k->n_values) {
        buf_puts(out, k->values[0]); /* the first allowed value; the hint lists them all */
        return wanted;
    }
    for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++)
        if (examples[i].type == k->type) {
            buf_puts(out, examples[i].example);
            return wanted && examples[i].empty;
        }
    return false; /* an identifier, a URL: nothing to suggest */
}

static void
put_hint(buf *out, const schema_key *k)
{
    buf_puts(out, "# ");
    if (k->label)
        buf_printf(out, "%s: ", k->label);
    if (k->description)
        put_flat(out, k->description);
    else if (k->type != SCHEMA_ANY)
        buf_printf(out, "%s", schema_type_name(k->type));
    if (k->type == SCHEMA_ENUM && k->n_values) {
        buf_puts(out, " One of:");
        for (size_t i = 0; i < k->n_values; i++)
            buf_printf(out, "%s %s", i ? "," : "", k->values[i]);
        buf_putc(out, '.');
    } else if (k->type == SCHEMA_LIST && k->items && k->items->type == SCHEMA_MAP) {
        buf_puts(out, " Items: {");
        for (size_t i = 0; i < k->items->n_keys; i++)
            buf_printf(out, "%s%s", i ? ", " : "", k->items->keys[i].name);
        buf_putc(out, '}');
    }
    const char *need = k->required ? "(required)" : k->recommended ? "(recommended)" : NULL;
    if (need)
        buf_printf(out, "%s%s", out->ptr[out->len - 1] == ' ' ? "" : " ", need);
}

static bool
is_present(const char *const *present, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(present[i], name) == 0)
            return true;
    return false;
}

static void
put_key(buf *out, const schema_key *k, const scaffold_vars *v)
{
    if (strcmp(k->name, "stages") == 0) {
        put_stages(out, v);
        return;
    }
    buf val = BUF_INIT;
    bool live = example_value(&val, k, v);
    size_t line = out->len;
    buf_printf(out, "%s%s:%s%s", live ? "" : "# ", k->name, val.len ? " " : "", val.ptr);
    buf_free(&val);
    pad_to_hint(out, line);
    put_hint(out, k);
    buf_putc(out, '\n');
}

static bool
section_has(const schema_section *sec, const char *name)
{
    for (size_t i = 0; sec && i < sec->n_keys; i++)
        if (strcmp(sec->keys[i].name, name) == 0)
            return true;
    return false;
}

/* The keys of the section not already in the archetype; then the --cohort and
 * --department values the archetype had no place for. */
static void
put_schema(buf *out, const scaffold_vars *v, const char *const *present, size_t n_present)
{
    size_t n = v->sec ? v->sec->n_keys : 0;
    for (size_t i = 0; i < n; i++) {
        const schema_key *k = &v->sec->keys[i];
        if (!is_present(present, n_present, k->name))
            put_key(out, k, v);
    }
    static const schema_key cohort = {
        .name = "cohort", .type = SCHEMA_ANY, .description = "The cohort (a year)."};
    static const schema_key department = {
        .name = "department", .type = SCHEMA_ANY, .description = "The clinical department."};
    if (v->cohort && !is_present(present, n_present, "cohort") && !section_has(v->sec, "cohort"))
        put_key(out, &cohort, v);
    if (v->department && !is_present(present, n_present, "department") &&
        !section_has(v->sec, "department"))
        put_key(out, &department, v);
}

/* The top-level keys the archetype's front matter writes itself (`key:` or `# key:`),
 * and `stages` when it places {{ stages }}: {{ schema }} leaves them out. Memory owned
 * by a. */
static const char **
present_keys(size_t *n, const char *text, size_t len, arena *a)
{
    const char **keys = NULL;
    size_t cap = 0;
    *n = 0;
    size_t i = 0, line_no = 0;
    while (i < len) {
        const char *line = text + i;
        const char *nl = memchr(line, '\n', len - i);
        size_t ll = nl ? (size_t)(nl - line) : len - i;
        i += ll + (nl ? 1 : 0);
        size_t rest = ll >= 3 ? ll - 3 : 0;
        if (ll >= 3 && strncmp(line, "---", 3) == 0 && (text_trim(line + 3, &rest), rest == 0) &&
            line_no++ > 0)
            break; /* the end of the front matter */
        size_t k = 0;
        if (ll > 1 && line[0] == '#' && line[1] == ' ')
            k = 2;
        size_t start = k;
        while (k < ll && (line[k] == '_' || line[k] == '-' || (line[k] >= 'a' && line[k] <= 'z') ||
                          (line[k] >= 'A' && line[k] <= 'Z') || (line[k] >= '0' && line[k] <= '9')))
            k++;
        const char *name = NULL;
        if (k > start && k < ll && line[k] == ':')
            name = arena_strndup(a, line + start, k - start);
        size_t tl = ll;
        const char *t = text_trim(line, &tl);
        if (tl >= 4 && strncmp(t, "{{", 2) == 0 && strncmp(t + tl - 2, "}}", 2) == 0) {
            size_t il = tl - 4;
            const char *in = text_trim(t + 2, &il);
            if (il == 6 && strncmp(in, "stages", 6) == 0)
                name = "stages";
        }
        if (!name)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            const char **grown = arena_alloc(a, cap * sizeof *grown);
            if (*n)
                memcpy(grown, keys, *n * sizeof *keys);
            keys = grown;
        }
        keys[(*n)++] = name;
    }
    return keys;
}

static bool
is_name(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z')))
            return false;
    return true;
}

/* An inline placeholder: appends its text, or returns false for an unknown name. */
static bool
put_inline(buf *out, const char *name, const scaffold_vars *v)
{
    if (strcmp(name, "title") == 0)
        scaffold_yaml_quote(out, v->title);
    else if (strcmp(name, "date") == 0)
        buf_puts(out, v->date);
    else if (strcmp(name, "year") == 0)
        buf_append(out, v->date, 4);
    else if (strcmp(name, "slug") == 0)
        buf_puts(out, v->slug);
    else if (strcmp(name, "kind") == 0)
        buf_puts(out, v->kind);
    else if (strcmp(name, "section") == 0)
        buf_puts(out, v->section);
    else if (strcmp(name, "cohort") == 0) {
        if (v->cohort)
            put_scalar(out, v->cohort);
        else
            buf_append(out, v->date, 4);
    } else if (strcmp(name, "department") == 0)
        scaffold_yaml_quote(out, v->department ? v->department : "");
    else
        return false;
    return true;
}

#define PLACEHOLDERS "title, date, year, slug, kind, section, cohort, department, stages, schema"

bool
scaffold_expand(buf *out, const char *text, size_t len, const char *file, const scaffold_vars *v,
                diag *d)
{
    arena *a = arena_new();
    size_t n_present;
    const char **present = present_keys(&n_present, text, len, a);
    bool ok = true;
    unsigned line_no = 1;
    for (size_t i = 0; i < len;) {
        const char *line = text + i;
        const char *nl = memchr(line, '\n', len - i);
        size_t ll = nl ? (size_t)(nl - line) : len - i;
        size_t next = i + ll + (nl ? 1 : 0);
        size_t k = 0;
        while (k < ll) {
            const char *open = k + 1 < ll ? memmem(line + k, ll - k, "{{", 2) : NULL;
            const char *close =
                open ? memmem(open + 2, (size_t)(line + ll - open - 2), "}}", 2) : NULL;
            if (!close) {
                buf_append(out, line + k, ll - k);
                k = ll;
                break;
            }
            size_t at = (size_t)(open - line);
            buf_append(out, line + k, at - k);
            k = (size_t)(close - line) + 2;
            size_t il = (size_t)(close - open - 2);
            const char *in = text_trim(open + 2, &il);
            if ((at > 0 && line[at - 1] == '\\') || !is_name(in, il)) {
                buf_append(out, open, (size_t)(close + 2 - open)); /* a shortcode call */
                continue;
            }
            char name[32];
            snprintf(name, sizeof name, "%.*s", (int)(il < 31 ? il : 31), in);
            src_pos pos = SRC_POS(file, line_no, diag_col_from_byte(line, at));
            bool block = strcmp(name, "stages") == 0 || strcmp(name, "schema") == 0;
            if (block) {
                size_t tl = ll;
                text_trim(line, &tl);
                if (tl != (size_t)(close + 2 - open)) {
                    diag_report(d, DIAG_ERROR, pos, "'{{ %s }}' must be alone on its line", name);
                    ok = false;
                    continue;
                }
                out->len -= at; /* drop the indentation written before it */
                out->ptr[out->len] = '\0';
                if (name[1] == 't')
                    put_stages(out, v);
                else
                    put_schema(out, v, present, n_present);
                k = ll + 1; /* the block ends its own lines */
                break;
            }
            if (!put_inline(out, name, v)) {
                diag_report(d, DIAG_ERROR, pos, "unknown placeholder '%s' (placeholders: %s)", name,
                            PLACEHOLDERS);
                ok = false;
            }
        }
        if (nl && k <= ll)
            buf_putc(out, '\n');
        i = next;
        line_no++;
    }
    arena_free(a);
    return ok;
}

/* }==================================================================== */

/* {====================================================================
 * writing files
 * ===================================================================== */

/* Creates root/rel with text, never replacing a file (O_EXCL). */
static bool
write_new(const char *root, const char *rel, const char *text, size_t len, diag *d)
{
    buf path = BUF_INIT;
    fs_join(&path, root, rel);
    int fd = open(path.ptr, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    bool ok = fd >= 0;
    if (!ok && errno == EEXIST)
        diag_report(d, DIAG_ERROR, SRC_POS(rel, 0, 0),
                    "already exists; clinfolio never replaces a page (choose another title, or "
                    "remove the file first)");
    else if (!ok)
        diag_report(d, DIAG_ERROR, SRC_POS(rel, 0, 0), "cannot create: %s", strerror(errno));
    for (size_t done = 0; ok && done < len;) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            diag_report(d, DIAG_ERROR, SRC_POS(rel, 0, 0), "cannot write: %s",
                        w < 0 ? strerror(errno) : "no space written");
            ok = false;
            unlink(path.ptr);
            break;
        }
        done += (size_t)w;
    }
    if (fd >= 0 && close(fd) != 0 && ok) {
        diag_report(d, DIAG_ERROR, SRC_POS(rel, 0, 0), "cannot write: %s", strerror(errno));
        unlink(path.ptr);
        ok = false;
    }
    buf_free(&path);
    return ok;
}

/* Makes the folder root/rel unless it is there. */
static bool
make_dir(const char *root, const char *rel, diag *d)
{
    buf path = BUF_INIT;
    fs_join(&path, root, rel);
    bool ok = mkdir(path.ptr, 0777) == 0 || (errno == EEXIST && fs_is_dir(path.ptr));
    if (!ok)
        diag_report(d, DIAG_ERROR, SRC_POS(rel, 0, 0), "cannot create folder: %s",
                    errno == EEXIST ? "a file of that name is in the way" : strerror(errno));
    buf_free(&path);
    return ok;
}

/* }==================================================================== */

/* {====================================================================
 * clinfolio new
 * ===================================================================== */

static const char *const kinds[][2] = {
    {"project", "projects"},
    {"report", "reports"},
    {"news", "news"},
};

/* The archetype used when neither the site nor its theme has one. */
static const char builtin_archetype[] = "---\n"
                                        "title: {{ title }}\n"
                                        "date: {{ date }}\n"
                                        "draft: true\n"
                                        "{{ schema }}\n"
                                        "---\n"
                                        "Write the page here, in Markdown.\n";

/* Reads the archetype of o->kind into text: the site's, else the theme's (theme is its
 * folder), else the built-in one; *file is how diagnostics name it. */
static bool
read_archetype(buf *text, const char **file, const scaffold_page_options *o, const char *theme,
               const char *theme_name, arena *a, diag *d)
{
    const char *rel = arena_printf(a, "archetypes/%s.md", o->kind);
    const char *name = rel;
    buf path = BUF_INIT;
    fs_join(&path, o->root, rel);
    if (!fs_is_file(path.ptr)) {
        fs_join(&path, theme, rel);
        name = arena_printf(a, "%s/%s", theme_name, rel);
    }
    bool ok = true;
    if (fs_is_file(path.ptr)) {
        ok = fs_read_file(text, path.ptr, name, d);
    } else {
        name = "(built-in archetype)";
        buf_puts(text, builtin_archetype);
    }
    *file = name;
    buf_free(&path);
    return ok;
}

bool
scaffold_page(buf *path, const scaffold_page_options *o, diag *d)
{
    buf_clear(path);
    const char *section = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(o->kind, kinds[i][0]) == 0)
            section = kinds[i][1];
    if (!section) {
        diag_report(d, DIAG_ERROR, SRC_NONE,
                    "unknown kind of page '%s' (kinds: project, report, news)", o->kind);
        return false;
    }
    buf slug = BUF_INIT;
    scaffold_slug(&slug, o->slug ? o->slug : o->title);
    if (slug.len == 0) {
        diag_report(d, DIAG_ERROR, SRC_NONE,
                    "the %s '%s' has no letter or digit to make a file name of",
                    o->slug ? "slug" : "title", o->slug ? o->slug : o->title);
        buf_free(&slug);
        return false;
    }
    arena *a = arena_new();
    config cfg;
    const char *theme_name = NULL, *theme = NULL;
    const schema *sch = NULL;
    buf text = BUF_INIT, page = BUF_INIT;
    const char *file = NULL;
    bool ok = config_load(&cfg, o->root, NULL, a, d) &&
              (theme = build_find_theme(&cfg, o->root, o->datadir, &theme_name, a, d)) &&
              schema_load(&sch, o->root, theme, theme_name, a, d) &&
              read_archetype(&text, &file, o, theme, theme_name, a, d);
    if (ok) {
        scaffold_vars v = {o->title,      o->date,  o->kind,
                           section,       slug.ptr, o->cohort,
                           o->department, &cfg,     schema_find_section(sch, section)};
        ok = scaffold_expand(&page, text.ptr, text.len, file, &v, d);
    }
    if (ok) {
        const char *dir = arena_printf(a, "content/%s", section);
        buf_printf(path, "%s/%s.md", dir, slug.ptr);
        ok = make_dir(o->root, "content", d) && make_dir(o->root, dir, d) &&
             write_new(o->root, path->ptr, page.ptr, page.len, d);
    }
    buf_free(&text);
    buf_free(&page);
    buf_free(&slug);
    arena_free(a);
    return ok;
}

/* }==================================================================== */

/* {====================================================================
 * clinfolio init
 * ===================================================================== */

/* The starter site: each file's path and text. The example project is published (with
 * every key the schema recommends) so that the report's figures count something. */
static const char *const site_files[][2] = {
    {"site.yaml",
     "# site.yaml: the settings of this clinfolio site. Every key is described in the README\n"
     "# (\"Configuration\"); `clinfolio build` tells you at once about a key it does not know.\n"
     "\n"
     "# The site's name and a sentence about it (the home page, the feed, search engines).\n"
     "title: My Clinical Innovation Programme · 临床创新项目\n"
     "description: Medical-device projects of our students, residents and nurses, from the "
     "clinical need to the market.\n"
     "# The address the site is published at; links and the feed use it. `clinfolio build\n"
     "# --base-url http://localhost:8080/` replaces it for a local preview.\n"
     "base_url: https://example.org/\n"
     "# The language of the pages (the lang attribute) and of dates.\n"
     "language: en\n"
     "# A site in two languages lists them instead (the first is published at /, the other\n"
     "# under /en/; content/x.en.md translates content/x.md): README, \"Languages\".\n"
     "#languages:\n"
     "#  - {code: zh, name: 中文, title: 临床创新项目}\n"
     "#  - {code: en, name: English, title: My Clinical Innovation Programme}\n"
     "# The theme: themes/<name>/ here, else the one installed with clinfolio.\n"
     "theme: default\n"
     "# Who publishes the site (the feed and the page footers).\n"
     "author: Programme Office\n"
     "# The currency of amounts written without one (funding: {amount: 50000}).\n"
     "currency: CNY\n"
     "# Characters kept in a page's summary when it does not write one (a mostly\n"
     "# Chinese one: summary_length_cjk), cut at a word or clause boundary.\n"
     "summary_length: 200\n"
     "summary_length_cjk: 100\n"
     "# Raw HTML in the Markdown is dropped (and warned about) unless this is true.\n"
     "markdown: {unsafe_html: false}\n"
     "# feed.xml: how many entries, from which sections.\n"
     "feed: {limit: 20, sections: [news, projects, reports]}\n"
     "# How many of the latest pages the home page lists.\n"
     "home: {latest: 6}\n"
     "# Entries per page of a section list or a tag page (/projects/page/2/, ...); 0 = all.\n"
     "paginate: 50\n"
     "# The links of the navigation bar.\n"
     "menu:\n"
     "  - {name: Projects, url: /projects/}\n"
     "  - {name: Cohorts, url: /cohorts/}\n"
     "  - {name: Reports, url: /reports/}\n"
     "  - {name: About, url: /about/}\n"
     "# The stages every project goes through, in order. A project page dates the stages it\n"
     "# reached (stages: {need: 2025-03-01, ...}); `clinfolio new project` lists them all.\n"
     "stages:\n"
     "  - {key: need, label: Clinical need, label_zh: 临床需求}\n"
     "  - {key: idea, label: Idea, label_zh: 创意}\n"
     "  - {key: design, label: Design, label_zh: 设计}\n"
     "  - {key: prototype, label: Prototype, label_zh: 原型}\n"
     "  - {key: patent_filed, label: Patent filed, label_zh: 专利申请}\n"
     "  - {key: patent_granted, label: Patent granted, label_zh: 专利授权}\n"
     "  - {key: testing, label: Testing, label_zh: 检测}\n"
     "  - {key: clinical, label: Clinical evaluation, label_zh: 临床评价}\n"
     "  - {key: registration, label: Registration, label_zh: 注册}\n"
     "  - {key: transfer, label: Transfer, label_zh: 成果转化}\n"
     "  - {key: market, label: Market, label_zh: 上市}\n"
     "  - {key: startup, label: Startup, label_zh: 创业}\n"
     "# Front matter keys that get a list page per value (/cohorts/2025/, /departments/...).\n"
     "taxonomies:\n"
     "  - {name: tags, title: Tags}\n"
     "  - {name: department, path: departments, title: Departments}\n"
     "  - {name: cohort, path: cohorts, title: Cohorts}\n"
     "# The cohort_metrics plugin: figures grouped by these keys, and the stage that counts\n"
     "# as a conversion (metric(name=\"conversion_rate\")).\n"
     "metrics: {group_by: [department], conversion_stage: transfer}\n"
     "# Plugins run in this order: plugins/<name>.lua here, else the installed ones.\n"
     "# cohort_metrics gives the report's metric() and metrics_table() shortcodes,\n"
     "# stage_timeline the stage charts.\n"
     "plugins: [cohort_metrics, stage_timeline]\n"
     "# Consistency checks: each is error, warning or off. An active project with nothing dated\n"
     "# in the last stale_months is stale.\n"
     "checks:\n"
     "  stale-project: warning\n"
     "  stale_months: 12\n"
     "# Anything the theme's templates read as site.params.<key>.\n"
     "params:\n"
     "  institution: My University Hospital\n"
     "  institution_zh: 大学附属医院\n"
     "  tagline: From the ward's pain point to a product on the shelf.\n"
     "  tagline_zh: 从临床痛点到上市产品\n"
     "  contact_email: innovation@example.org\n"
     "  address: Innovation Centre, Building 1\n"},
    {"content/_index.md",
     "---\n"
     "title: My Clinical Innovation Programme\n"
     "description: Medical-device projects of the programme, cohort by cohort.\n"
     "---\n"
     "Our programme (临床创新项目) trains medical students, residents and nurses to turn problems\n"
     "they meet on the ward into working medical devices. Every project below is written by its\n"
     "own team; the figures on this site are computed from those pages.\n"},
    {"content/about.md",
     "---\n"
     "title: About the programme\n"
     "summary: What the programme is and how a project moves from a clinical need to a product.\n"
     "---\n"
     "Teams of students start from a clinical need raised by a department, work with a clinical\n"
     "mentor and an engineer through design and prototypes, and carry the idea as far as it goes:\n"
     "patents, testing, registration and technology transfer.\n"
     "\n"
     "## Writing a page\n"
     "\n"
     "Each project keeps its own page in `content/projects/`. To start one:\n"
     "\n"
     "    clinfolio new project \"Title of the project\" --cohort 2025 --department Cardiology\n"
     "\n"
     "then fill in the front matter it lists, and remove `draft: true` when the page is ready.\n"},
    {"content/projects/example-project.md",
     "---\n"
     "title: Example project — a tourniquet timer\n"
     "date: 2025-06-20\n"
     "cohort: 2025\n"
     "department: Emergency\n"
     "clinical_need: Tourniquets left on too long during busy emergency shifts harm patients' "
     "limbs\n"
     "team:\n"
     "  - {name: Example Student, role: student}\n"
     "  - {name: Example Mentor, role: mentor}\n"
     "tags: [example]\n"
     "device_class: II\n"
     "status: finished\n"
     "stages:\n"
     "  need: 2025-03-03\n"
     "  idea: 2025-03-17\n"
     "  design: 2025-04-14\n"
     "  prototype: {date: 2025-06-02, note: First clip-on timer printed and tried on a training "
     "arm}\n"
     "summary: An example project page; replace it with your own (`clinfolio new project "
     "\"Title\"`).\n"
     "---\n"
     "A clip-on timer for emergency tourniquets that shows how long the tourniquet has been on\n"
     "and alarms before the limit. This page is an example of a project page: its front matter\n"
     "records the cohort, the department, the team and the date each stage was reached.\n"
     "\n"
     "## Clinical need\n"
     "\n"
     "Emergency nurses asked for a way to see, at a glance, how long each tourniquet has been on.\n"
     "\n"
     "## Design\n"
     "\n"
     "A small timer that clips onto the strap and starts when it is closed.\n"},
    {"content/reports/example-report.md",
     "---\n"
     "title: \"Programme report: an example\"\n"
     "date: 2025-07-01\n"
     "authors:\n"
     "  - {name: Example Author, affiliation: Programme Office, corresponding: true}\n"
     "keywords: [medical device innovation, example]\n"
     "summary: An example report whose figures are computed from the project pages when the site "
     "is built.\n"
     "---\n"
     "## Results\n"
     "\n"
     "The portfolio holds {{ metric(name=\"projects\") }} projects with\n"
     "{{ metric(name=\"students\") }} named students; {{ metric(name=\"stages.prototype\") }}\n"
     "reached a prototype.\n"
     "\n"
     "{{ metrics_table(group=\"cohort\", caption=\"Outcomes by cohort\") }}\n"
     "\n"
     "The figures above come from the project pages each time the site is built, through the\n"
     "`metric` and `metrics_table` shortcodes of the cohort_metrics plugin.\n"},
};

static const char *const site_dirs[] = {"content", "content/projects", "content/reports"};

/* Whether dir is there and holds nothing; reports a non-empty folder or a file. */
static bool
empty_or_new(bool *exists, const char *dir, diag *d)
{
    *exists = false;
    errno = 0;
    fs_kind kind = fs_kind_of(dir);
    if (kind == FS_OTHER && errno == ENOENT)
        return true;
    if (kind != FS_DIR) {
        diag_report(d, DIAG_ERROR, SRC_POS(dir, 0, 0), "not a folder");
        return false;
    }
    *exists = true;
    fs_entry *entries;
    size_t n;
    if (!fs_list_dir(&entries, &n, dir, dir, d))
        return false;
    fs_entries_free(entries, n);
    if (n > 0)
        diag_report(d, DIAG_ERROR, SRC_POS(dir, 0, 0),
                    "folder is not empty; clinfolio init only fills a new or empty folder");
    return n == 0;
}

bool
scaffold_site(const char *dir, diag *d)
{
    bool exists;
    if (!empty_or_new(&exists, dir, d))
        return false;
    if (!exists && mkdir(dir, 0777) != 0) {
        diag_report(d, DIAG_ERROR, SRC_POS(dir, 0, 0), "cannot create folder: %s", strerror(errno));
        return false;
    }
    bool ok = true;
    for (size_t i = 0; ok && i < sizeof site_dirs / sizeof site_dirs[0]; i++)
        ok = make_dir(dir, site_dirs[i], d);
    for (size_t i = 0; ok && i < sizeof site_files / sizeof site_files[0]; i++)
        ok = write_new(dir, site_files[i][0], site_files[i][1], strlen(site_files[i][1]), d);
    return ok;
}

/* }==================================================================== */
