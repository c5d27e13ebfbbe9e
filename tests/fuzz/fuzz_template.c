/* SPDX-License-Identifier: MIT
 * fuzz_template.c - libFuzzer target for the template engine: the input is compiled as
 * one template beside a few fixed ones (a base to extend, a partial to include, macros to
 * import), linked, and rendered against a small fixed context with a filter added from C
 * (as a plugin adds one). Any bytes must compile or be reported, and a linked set must
 * render or report, without a crash or sanitizer report; a failure always has an error,
 * diagnostics are valid UTF-8, and a second render gives the same bytes. The input's
 * length picks the name (.html autoescapes, .txt does not), so corpus files stay plain
 * templates. */
#include "deps.h"
#include "fuzz_common.h"
#include "template.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fixed[] = {
    "base.html",
    "<title>{% block title %}Site{% endblock %}</title><main>{% block body %}base"
    "{% endblock %}</main>{% block foot %}{{ site.title }}{% endblock %}",
    "partials/item.html",
    "<li>{{ p.name | default(value='?') }} {{ p.n }}</li>",
    "macros.html",
    "{% macro badge(text, kind='info') %}<span class=\"{{ kind }}\">{{ text }}</span>"
    "{% endmacro %}{% macro tree(items) %}<ul>{% for i in items %}<li>{{ i.name }}"
    "{% if i.children %}{{ self::tree(i.children) }}{% endif %}</li>{% endfor %}</ul>"
    "{% endmacro %}",
    NULL,
};

/* A filter added from C, as plugin_add_filters does: upper-cases a string input and
 * appends the first argument; anything else is an error at the call. */
static bool
shout(value **out, const value *input, const value *args, arena *scratch, diag *d, src_pos at,
      void *payload)
{
    (void)payload;
    if (!input || input->type != VALUE_STRING) {
        diag_report(d, DIAG_ERROR, at, "shout needs a string");
        return false;
    }
    buf b = BUF_INIT;
    for (size_t i = 0; i < input->as.str.len; i++) {
        char c = input->as.str.ptr[i];
        buf_putc(&b, c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c);
    }
    const value *mark = value_map_get(args, "0");
    if (mark)
        value_to_text(&b, mark);
    *out = value_new_string(scratch, b.ptr, b.len, SRC_NONE);
    buf_free(&b);
    return true;
}

/* The root variables: {site, page, pages, menu, n}. */
static value *
make_ctx(arena *a)
{
    value *ctx = value_new_map(a, SRC_NONE);
    value *site = value_new_map(a, SRC_NONE);
    value_map_set(site, "title", value_new_cstr(a, "Golden <Programme> 金标", SRC_NONE), a);
    value_map_set(site, "base_url", value_new_cstr(a, "https://example.org/sub/", SRC_NONE), a);
    value_map_set(ctx, "site", site, a);
    value *page = value_new_map(a, SRC_NONE);
    value_map_set(page, "title", value_new_cstr(a, "Anti-fog <goggles> & 防雾", SRC_NONE), a);
    value_map_set(page, "content", value_new_cstr(a, "<p>Hello <b>world</b></p>", SRC_NONE), a);
    value_map_set(page, "draft", value_new_bool(a, false, SRC_NONE), a);
    value_map_set(page, "nothing", value_new_null(a, SRC_NONE), a);
    value_date day;
    value_date_parse(&day, "2023-01-05T10:30:00+08:00", 25);
    value_map_set(page, "date", value_new_date(a, day, SRC_NONE), a);
    value *tags = value_new_list(a, SRC_NONE);
    value_list_push(tags, value_new_cstr(a, "PPE", SRC_NONE), a);
    value_list_push(tags, value_new_cstr(a, "airway", SRC_NONE), a);
    value_map_set(page, "tags", tags, a);
    value_map_set(ctx, "page", page, a);
    value *pages = value_new_list(a, SRC_NONE);
    const char *names[] = {"b", "a", "c"};
    const char *cohorts[] = {"2023", "2022", "2023"};
    for (int i = 0; i < 3; i++) {
        value *p = value_new_map(a, SRC_NONE);
        value_map_set(p, "name", value_new_cstr(a, names[i], SRC_NONE), a);
        value_map_set(p, "cohort", value_new_cstr(a, cohorts[i], SRC_NONE), a);
        value_map_set(p, "n", value_new_number(a, i + 1.5, SRC_NONE), a);
        value_list_push(pages, p, a);
    }
    value_map_set(ctx, "pages", pages, a);
    value *menu = value_new_list(a, SRC_NONE);
    value *child = value_new_map(a, SRC_NONE);
    value_map_set(child, "name", value_new_cstr(a, "child", SRC_NONE), a);
    value *children = value_new_list(a, SRC_NONE);
    value_list_push(children, child, a);
    value *item = value_new_map(a, SRC_NONE);
    value_map_set(item, "name", value_new_cstr(a, "top", SRC_NONE), a);
    value_map_set(item, "children", children, a);
    value_list_push(menu, item, a);
    value_map_set(ctx, "menu", menu, a);
    value_map_set(ctx, "n", value_new_number(a, -3, SRC_NONE), a);
    return ctx;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new(), *scratch = arena_new();
    const value *ctx = make_ctx(a);
    diag *d = diag_new();
    template_options opt = {"https://example.org/sub/"};
    template_set *ts = template_set_new(a, &opt);
    template_set_add_filter(ts, "shout", shout, NULL);
    for (size_t i = 0; fixed[i]; i += 2)
        if (!template_set_add(ts, fixed[i], fixed[i + 1], strlen(fixed[i + 1]), fixed[i], d))
            abort(); /* the fixed templates are valid */
    const char *name = size % 2 ? "t.txt" : "t.html";
    bool ok = template_set_add(ts, name, (const char *)data, size, name, d);
    if (!ok && diag_error_count(d) == 0)
        abort();
    if (template_set_link(ts, d)) {
        if (!ok)
            abort(); /* a template that did not compile must fail the link */
        buf out = BUF_INIT, again = BUF_INIT;
        bool rendered = template_render(&out, ts, name, ctx, scratch, d);
        if ((!rendered && diag_error_count(d) == 0) || out.ptr[out.len] != '\0')
            abort();
        /* a linked set is immutable: the same render gives the same bytes */
        if (rendered) {
            arena_reset(scratch);
            if (!template_render(&again, ts, name, ctx, scratch, d) || again.len != out.len ||
                memcmp(again.ptr, out.ptr, out.len) != 0)
                abort();
            /* logging the reads, and reusing the outputs of `cached` includes (the second
             * render reuses the first's), changes nothing either */
            deps_memo *memo = deps_memo_new();
            deps_log log;
            deps_log_init(&log, memo);
            template_frags *frags = template_frags_new(template_frags_budget(1));
            for (int round = 0; round < 2; round++) {
                template_cache *cache = template_cache_new(frags);
                buf logged = BUF_INIT;
                arena_reset(scratch);
                deps_log_reset(&log);
                if (!template_render_logged(&logged, ts, name, ctx, scratch, &log, cache, d) ||
                    logged.len != out.len || memcmp(logged.ptr, out.ptr, out.len) != 0)
                    abort();
                buf_free(&logged);
                template_cache_free(cache);
            }
            template_frags_free(frags);
            deps_log_free(&log);
            deps_memo_free(memo);
        }
        buf_free(&again);
        buf_free(&out);
    } else if (diag_error_count(d) == 0) {
        abort();
    }
    fuzz_check_diags(d);
    diag_free(d);
    arena_free(scratch);
    arena_free(a);
    return 0;
}
