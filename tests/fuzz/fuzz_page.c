/* SPDX-License-Identifier: MIT
 * fuzz_page.c - libFuzzer target for a whole content page: the input is written to
 * content/projects/p.md of a small temporary site (a fixed site.yaml with the default
 * stages and three taxonomies, a home page and one other project), which then goes
 * through the passes of `clinfolio build` up to the rendered bytes: site_load (front
 * matter split and parse, the built-in, stage and schema.yaml checks (a programme schema
 * with every type; missing recommended keys are reported for inputs of a size divisible
 * by 3), URLs, taxonomies, the template values), shortcodes with a callback that echoes
 * each call, Markdown, the links pass, and every output rendered with a small fixed
 * template set that prints what a page shows. Nothing is written out. Any bytes must go
 * through without a crash or sanitizer report, and: each pass fails exactly when it
 * reported an error; a failed render reported one; valid UTF-8 in gives valid UTF-8 pages
 * out; diagnostics are valid UTF-8. Odd-sized inputs build with --drafts. */
#include "fuzz_common.h"
#include "links.h"
#include "schema.h"
#include "site.h"
#include "template.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char site_yaml[] = "title: Fuzz programme · 模糊\n"
                                "base_url: https://example.org/sub/\n"
                                "summary_length: 40\n"
                                "taxonomies:\n"
                                "  - {name: tags, title: Tags}\n"
                                "  - {name: cohort, path: cohorts, title: Cohorts}\n"
                                "  - department\n";

/* every schema type, nested lists and maps, as the default theme's programme schema */
static const char schema_yaml[] =
    "sections:\n"
    "  projects:\n"
    "    keys:\n"
    "      date: {recommended: true}\n"
    "      clinical_need: {type: text, recommended: true}\n"
    "      team: {type: list, items: {type: map, keys: {name: {type: text, required: true},\n"
    "             role: {type: enum, required: true, values: [student, nurse, mentor]}}}}\n"
    "      device_class: {type: enum, values: {I: low, II: moderate, III: high}}\n"
    "      website: url\n"
    "      beds: integer\n"
    "      score: number\n"
    "      pilot: bool\n"
    "      started: date\n"
    "      outcomes:\n"
    "        type: map\n"
    "        keys:\n"
    "          patents: {type: list, items: {type: map, keys: {number: {type: patent, required: "
    "true}}}}\n"
    "          awards: {type: list, items: {type: map, keys: {name: text, year: year}}}\n"
    "          funding: money\n"
    "          registration: {type: list, items: {type: map, keys: {number: nmpa, date: date}}}\n"
    "          trials: {type: list, items: trial}\n";

static const char home_md[] = "---\ntitle: Home\n---\nWelcome.\n";

static const char other_md[] = "---\n"
                               "title: Other project\n"
                               "date: 2023-03-01\n"
                               "cohort: 2023\n"
                               "tags: [PPE, airway]\n"
                               "stages: {need: 2023-01-05, transfer: 2023-03-08}\n"
                               "---\n"
                               "An older project.\n";

/* name, source: every template the outputs look for, each printing what it is given */
static const char *const templates[] = {
    "base.html",
    "<title>{% block title %}{{ site.title }}{% endblock %}</title>"
    "{% for m in site.menu %}{{ m }}{% endfor %}<main>{% block body %}{% endblock %}</main>",
    "partials/card.html",
    "<li><a href=\"{{ p.url }}\">{{ p.title }}</a> {{ p.date }} {{ p.summary }} "
    "{{ p.cohort | default(value='-') }} {{ p.kind }}</li>",
    "page.html",
    "{% extends \"base.html\" %}{% block title %}{{ page.title }} | {{ super() }}{% endblock %}"
    "{% block body %}<h1>{{ page.title }}</h1>{{ page.slug }} {{ page.url }} {{ page.permalink }}"
    " {{ page.path }} {{ page.section }} {{ page.kind }} {{ page.date }} {{ page.updated }}"
    " {{ page.draft }} {{ page.days_total }} {{ page.word_count }} {{ page.reading_time }}"
    "<p>{{ page.summary }}</p>"
    "{% for h in page.toc %}<a href=\"#{{ h.id }}\">{{ h.level }} {{ h.title }}</a>{% endfor %}"
    "{% for s in page.stages %}{{ s.key }} {{ s.label }} {{ s.label_zh }} {{ s.date }}"
    " {{ s.note }} {{ s.days }};{% endfor %}"
    "{% for name, terms in page.terms %}{{ name }}:{% for t in terms %}"
    "<a href=\"{{ t.url }}\">{{ t.name }}</a>{% endfor %}{% endfor %}"
    "{% for k, v in page.params %}{{ k }}={{ v }};{% endfor %}{{ page.params | json }}"
    "{% if page.lower %}{{ page.lower.title }}{% endif %}"
    "{% if page.higher %}{{ page.higher.title }}{% endif %}"
    "{{ page.content | safe }}{% endblock %}",
    "index.html",
    "{% extends \"base.html\" %}{% block body %}{{ page.content | safe }}"
    "{% for p in site.projects | slice(end=site.home.latest) %}"
    "{% include \"partials/card.html\" %}{% endfor %}"
    "{% for c in site.cohorts %}{{ c.name }} {{ c.count }}{% endfor %}{% endblock %}",
    "section.html",
    "{% extends \"base.html\" %}{% block body %}{{ section.title }} {{ section.content | safe }}"
    "{% for p in section.pages %}{% include \"partials/card.html\" %}{% endfor %}{% endblock %}",
    "taxonomy.html",
    "{% extends \"base.html\" %}{% block body %}{{ taxonomy.title }}{% for t in taxonomy.terms %}"
    "<a href=\"{{ t.url }}\">{{ t.name }} {{ t.slug }} {{ t.count }}</a>{% endfor %}{% endblock %}",
    "term.html",
    "{% extends \"base.html\" %}{% block body %}{{ term.name }} {{ term.permalink }}"
    "{% for p in term.pages %}{% include \"partials/card.html\" %}{% endfor %}{% endblock %}",
    "404.html",
    "{% extends \"base.html\" %}{% block body %}Not found{% endblock %}",
    NULL,
};

/* Shortcodes through the echo callback, as build.c's expand_page runs them through the
 * plugins. */
static bool
expand(shortcode_text *out, page *p, void *payload, arena *a, diag *d)
{
    return shortcode_expand(out, p->body, p->body_len, p->path, p->body_line, fuzz_echo_shortcode,
                            payload, a, d);
}

static template_set *
load_templates(arena *a, diag *d)
{
    template_options opt = {"https://example.org/sub/"};
    template_set *ts = template_set_new(a, &opt);
    for (size_t i = 0; templates[i]; i += 2)
        if (!template_set_add(ts, templates[i], templates[i + 1], strlen(templates[i + 1]),
                              templates[i], d))
            abort(); /* the fixed templates are valid */
    if (!template_set_link(ts, d))
        abort();
    return ts;
}

/* Every output with the first of its templates that exists, as build.c's render_one. */
static void
render_all(const site *s, const template_set *ts, bool valid_input, arena *scratch, diag *d)
{
    size_t n;
    const site_output *outputs = site_outputs(s, &n);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        for (size_t k = 0; k < 4 && outputs[i].templates[k] && !name; k++)
            if (template_set_has(ts, outputs[i].templates[k]))
                name = outputs[i].templates[k];
        if (!name)
            continue; /* a front matter `template` that this set lacks */
        buf html = BUF_INIT;
        size_t before = diag_error_count(d);
        if (!template_render(&html, ts, name, outputs[i].ctx, scratch, d)) {
            if (diag_error_count(d) == before)
                abort();
        } else if (valid_input && !text_utf8_valid(html.ptr, html.len)) {
            abort();
        }
        buf_free(&html);
        arena_reset(scratch);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready; /* the fixed files, written once */
    if (!ready) {
        markdown_global_init();
        fuzz_write("site.yaml", site_yaml, strlen(site_yaml));
        fuzz_write("schema.yaml", schema_yaml, strlen(schema_yaml));
        fuzz_write("content/_index.md", home_md, strlen(home_md));
        fuzz_write("content/projects/other.md", other_md, strlen(other_md));
        ready = true;
    }
    fuzz_write("content/projects/p.md", data, size);
    arena *a = arena_new(), *load = arena_new(), *scratch = arena_new();
    diag *d = diag_new();
    const schema *sch = NULL;
    if (!schema_load(&sch, fuzz_tmpdir(), NULL, NULL, a, d) || !sch)
        abort(); /* the fixed schema.yaml is valid */
    site_options so = {fuzz_tmpdir(), size % 2 == 1, NULL,  1,    &load, NULL,
                       sch,           size % 3 == 0, false, NULL, NULL};
    site *s = site_load(&so, a, d);
    if ((s == NULL) != (diag_error_count(d) > 0))
        abort();
    int calls = 0;
    if (s) {
        bool ok =
            site_expand_content(s, expand, &calls, d) && site_convert_content(s, NULL, 1, &load, d);
        if (ok != (diag_error_count(d) == 0))
            abort();
        if (ok) {
            links_files lf = {fuzz_tmpdir(), NULL, NULL, 0}; /* the links pass, as build.c */
            links_check(s, &lf, d);
            render_all(s, load_templates(a, d), text_utf8_valid((const char *)data, size), scratch,
                       d);
        }
    }
    fuzz_check_diags(d);
    site_free(s);
    diag_free(d);
    arena_free(scratch);
    arena_free(load);
    arena_free(a);
    return 0;
}
