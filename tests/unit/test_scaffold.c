/* SPDX-License-Identifier: MIT
 * test_scaffold.c - clinfolio new: titles quoted for YAML (read back by front.c), file
 * slugs (CJK, long titles), archetype placeholders (inline, blocks, shortcodes kept,
 * errors at their position), and scaffold_page's refusal to replace a file. */
#include "scaffold.h"

#include "front.h"
#include "harness.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Quotes title, reads `title: <quoted>` back with the YAML reader: the same text. */
static void
round_trip(const char *title)
{
    buf yaml = BUF_INIT;
    buf_puts(&yaml, "title: ");
    scaffold_yaml_quote(&yaml, title);
    buf_putc(&yaml, '\n');
    arena *a = arena_new();
    diag *d = diag_new();
    value *v = front_parse_yaml(yaml.ptr, yaml.len, "t.md", 1, true, NULL, a, d);
    const value *t = v ? value_map_get(v, "title") : NULL;
    OK(t && value_str(t) && strcmp(value_str(t), title) == 0, "round trip of %s (as %s)", title,
       yaml.ptr);
    INT_EQ(diag_error_count(d), 0, "no YAML error");
    diag_free(d);
    arena_free(a);
    buf_free(&yaml);
}

static void
test_quote(void)
{
    round_trip("Anti-fog: goggles");
    round_trip("It's \"here\" \\ #1");
    round_trip("防雾护目镜：第二版 - key: value");
    round_trip("- starts like a list");
    round_trip("tab\there, newline\nthere");
    round_trip("true");
    round_trip("2024-01-02");
}

static void
slug_is(const char *title, const char *want)
{
    buf b = BUF_INIT;
    scaffold_slug(&b, title);
    STR_EQ(b.ptr, want, title);
    buf_free(&b);
}

static void
test_slug(void)
{
    slug_is("Anti-fog: \"Goggles\" (v2)", "anti-fog-goggles-v2");
    slug_is("防雾 护目镜：第二版", "防雾-护目镜-第二版");
    slug_is("?!", "");
    /* 30 CJK characters are 90 bytes: cut at a character, within SCAFFOLD_MAX_SLUG */
    buf b = BUF_INIT;
    scaffold_slug(&b, "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十");
    INT_EQ(b.len, 78, "26 characters of 3 bytes");
    OK(text_utf8_valid(b.ptr, b.len), "the cut slug is valid UTF-8");
    buf_clear(&b);
    scaffold_slug(&b, "aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff "
                      "gggggggggg hhhhhhhhhh");
    OK(b.len <= SCAFFOLD_MAX_SLUG && b.ptr[b.len - 1] != '-', "cut, no '-' at the end: %s", b.ptr);
    buf_free(&b);
}

static char *
expand(const char *text, const scaffold_vars *v, bool *ok, char **diags)
{
    buf out = BUF_INIT;
    diag *d = diag_new();
    *ok = scaffold_expand(&out, text, strlen(text), "archetypes/project.md", v, d);
    *diags = diag_to_string(d);
    diag_free(d);
    return buf_detach(&out);
}

static void
test_expand(void)
{
    config_stage stages[] = {{"need", "Clinical need", "临床需求"}, {"idea", "Idea", NULL}};
    config cfg = {.stages = stages, .n_stages = 2};
    static const char *const values[] = {"active", "stopped"};
    schema_key keys[] = {
        {.name = "cohort", .type = SCHEMA_ANY, .recommended = true},
        {.name = "status",
         .type = SCHEMA_ENUM,
         .recommended = true,
         .values = (const char **)values,
         .n_values = 2,
         .description = "Where it stands."},
        {.name = "clinical_need", .type = SCHEMA_TEXT, .label = "Clinical need"},
        {.name = "stages", .type = SCHEMA_ANY, .recommended = true},
    };
    schema_section sec = {"projects", keys, 4};
    scaffold_vars v = {"A: \"b\"", "2025-03-04", "project", "projects", "a-b",
                       NULL,       "ICU",        &cfg,      &sec};
    bool ok;
    char *diags;
    char *got = expand("---\ntitle: {{ title }}\ndate: {{date}}\ndepartment: {{ department }}\n"
                       "{{ stages }}\n{{ schema }}\n---\n{{ metric(name=\"x\") }} \\{{ title }}\n",
                       &v, &ok, &diags);
    OK(ok, "expanded");
    STR_EQ(diags, "", "no diagnostics");
    STR_EQ(got,
           "---\n"
           "title: \"A: \\\"b\\\"\"\n"
           "date: 2025-03-04\n"
           "department: \"ICU\"\n"
           "stages: {}                      # replace {} by the lines of the stages reached, "
           "uncommented\n"
           "#   need: 2025-03-04            # Clinical need · 临床需求\n"
           "#   idea: 2025-03-04            # Idea\n"
           "cohort: 2025                    # (recommended)\n"
           "status: active                  # Where it stands. One of: active, stopped. "
           "(recommended)\n"
           "# clinical_need: \"\"             # Clinical need: text\n"
           "---\n"
           "{{ metric(name=\"x\") }} \\{{ title }}\n",
           "placeholders filled, stages and schema blocks, the shortcode kept");
    free(got);
    free(diags);

    got = expand("---\ntitle: {{ titel }}\nx: {{ stages }}\n---\n", &v, &ok, &diags);
    OK(!ok, "unknown placeholders fail");
    STR_EQ(diags,
           "archetypes/project.md:2:8: error: unknown placeholder 'titel' (placeholders: title, "
           "date, year, slug, kind, section, cohort, department, stages, schema)\n"
           "archetypes/project.md:3:4: error: '{{ stages }}' must be alone on its line\n",
           "errors at their positions");
    free(got);
    free(diags);
}

/* The text of root/rel (at most 255 bytes), or "" when it cannot be read. */
static void
read_text(char *text, size_t size, const char *root, const char *rel)
{
    char file[256];
    snprintf(file, sizeof file, "%s/%s", root, rel);
    text[0] = '\0';
    FILE *f = fopen(file, "r");
    if (f) {
        size_t n = fread(text, 1, size - 1, f);
        text[n] = '\0';
        fclose(f);
    }
}

static void
test_page_refuses_to_replace(void)
{
    char root[] = "/tmp/clinfolio-scaffold-XXXXXX";
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        exit(2);
    }
    harness_write_file(root, "site.yaml",
                       "title: T\nbase_url: https://example.org/\ntheme: t\n"
                       "stages: [{key: need, label: Need}]\n");
    harness_write_file(root, "themes/t/archetypes/news.md",
                       "---\ntitle: {{ title }}\ndate: {{ date }}\ndraft: true\n---\nHi.\n");
    scaffold_page_options o = {root, NULL, "news", "Hello, world", NULL, NULL, "2025-01-02", NULL};
    buf path = BUF_INIT;
    diag *d = diag_new();
    OK(scaffold_page(&path, &o, d), "written");
    STR_EQ(path.ptr, "content/news/hello-world.md", "the path");
    char text[256];
    read_text(text, sizeof text, root, "content/news/hello-world.md");
    STR_EQ(text, "---\ntitle: \"Hello, world\"\ndate: 2025-01-02\ndraft: true\n---\nHi.\n",
           "the theme's archetype, filled");
    OK(!scaffold_page(&path, &o, d), "a second time: refused");
    char *diags = diag_to_string(d);
    STR_EQ(diags,
           "content/news/hello-world.md: error: already exists; clinfolio never replaces a page "
           "(choose another title, or remove the file first)\n",
           "the message");
    free(diags);
    diag_free(d);

    /* the site's archetype comes before the theme's; without either, the built-in one */
    harness_write_file(root, "archetypes/news.md", "---\ntitle: {{ title }}\n---\nSite.\n");
    d = diag_new();
    o.title = "Second";
    OK(scaffold_page(&path, &o, d), "written from the site's archetype");
    read_text(text, sizeof text, root, "content/news/second.md");
    STR_EQ(text, "---\ntitle: \"Second\"\n---\nSite.\n", "the site's archetype, filled");
    o.kind = "report";
    OK(scaffold_page(&path, &o, d), "written from the built-in archetype");
    read_text(text, sizeof text, root, "content/reports/second.md");
    STR_EQ(text,
           "---\ntitle: \"Second\"\ndate: 2025-01-02\ndraft: true\n---\nWrite the page here, in "
           "Markdown.\n",
           "the built-in archetype (no schema: no keys)");
    INT_EQ(diag_error_count(d), 0, "no errors");
    diag_free(d);
    buf_free(&path);
    harness_rm_rf(root);
}

int
main(void)
{
    test_quote();
    test_slug();
    test_expand();
    test_page_refuses_to_replace();
    return harness_done();
}
