/* SPDX-License-Identifier: MIT
 * test_template.c - unit tests of the template engine through its public API:
 * expressions, escaping, every built-in filter, loops, inheritance, include, whitespace
 * control, errors and their positions, limits, plugin filters, loading a directory, and
 * rendering one set from several threads. More syntax examples: tests/spec/templates.txt. */
#include "harness.h"

#include "arena.h"
#include "buf.h"
#include "diag.h"
#include "template.h"
#include "value.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* {====================================================================
 * helpers
 * ===================================================================== */

static arena *A; /* written by main only, before any thread starts */

/* A context map: {"title": "<script>alert(1)</script>", "n": 3, ...}. */
static value *
make_ctx(void)
{
    value *ctx = value_new_map(A, SRC_NONE);
    value_map_set(ctx, "title", value_new_cstr(A, "<script>alert(1)</script>", SRC_NONE), A);
    value_map_set(ctx, "n", value_new_number(A, 3, SRC_NONE), A);
    value_map_set(ctx, "empty", value_new_cstr(A, "", SRC_NONE), A);
    value_map_set(ctx, "nothing", value_new_null(A, SRC_NONE), A);
    value_date d;
    value_date_parse(&d, "2023-01-05", 10);
    value_map_set(ctx, "day", value_new_date(A, d, SRC_NONE), A);
    value *list = value_new_list(A, SRC_NONE);
    const char *names[] = {"b", "a", "c"};
    const char *cohorts[] = {"2023", "2022", "2023"};
    for (int i = 0; i < 3; i++) {
        value *p = value_new_map(A, SRC_NONE);
        value_map_set(p, "name", value_new_cstr(A, names[i], SRC_NONE), A);
        value_map_set(p, "cohort", value_new_cstr(A, cohorts[i], SRC_NONE), A);
        value_map_set(p, "n", value_new_number(A, i + 1, SRC_NONE), A);
        value *o = value_new_map(A, SRC_NONE);
        value_map_set(o, "rank", value_new_number(A, 3 - i, SRC_NONE), A);
        value_map_set(p, "o", o, A);
        value_list_push(list, p, A);
    }
    value_map_set(ctx, "pages", list, A);
    return ctx;
}

/* Compiles {name: src} pairs (NULL-terminated), links, renders the first. Returns the
 * output (or NULL after a failure) and the diagnostics in *diags; free() both. */
static char *
render_files(const char *const *files, const value *ctx, char **diags)
{
    arena *a = arena_new(), *scratch = arena_new();
    diag *d = diag_new();
    template_options opt = {"https://example.org/sub/"};
    template_set *ts = template_set_new(a, &opt);
    bool ok = true;
    for (size_t i = 0; files[i]; i += 2)
        ok &= template_set_add(ts, files[i], files[i + 1], strlen(files[i + 1]), files[i], d);
    ok = template_set_link(ts, d) && ok;
    buf out = BUF_INIT;
    if (ok)
        ok = template_render(&out, ts, files[0], ctx, scratch, d);
    *diags = diag_to_string(d);
    diag_free(d);
    arena_free(scratch);
    arena_free(a);
    if (!ok) {
        buf_free(&out);
        return NULL;
    }
    return buf_detach(&out);
}

static char *
render1(const char *src, const value *ctx, char **diags)
{
    const char *files[] = {"t.html", src, NULL};
    return render_files(files, ctx, diags);
}

/* Renders src and checks the output and that nothing was reported. */
static void
check(const char *src, const value *ctx, const char *want, int line)
{
    char *diags;
    char *got = render1(src, ctx, &diags);
    OK(got && strcmp(got, want) == 0 && !*diags,
       "line %d: %s\n  got:   \"%s\"\n  want:  \"%s\"\n  diags: %s", line, src,
       got ? got : "(failed)", want, diags);
    free(got);
    free(diags);
}
#define CHECK(src, want) check(src, ctx, want, __LINE__)

/* Renders src and checks that it fails with exactly these diagnostics. */
static void
check_err(const char *src, const value *ctx, const char *want, int line)
{
    char *diags;
    char *got = render1(src, ctx, &diags);
    OK(!got && strcmp(diags, want) == 0, "line %d: %s\n  got:  \"%s\"\n  want: \"%s\"", line, src,
       diags, want);
    free(got);
    free(diags);
}
#define CHECK_ERR(src, want) check_err(src, ctx, want, __LINE__)

/* {====================================================================
 * tests
 * ===================================================================== */

static void
test_expressions(const value *ctx)
{
    CHECK("{{ 1 + 2 * 3 - 4 / 2 }}", "5");
    CHECK("{{ (1 + 2) * 3 }}|{{ 2 * 3 % 4 }}|{{ 10 // 3 * 3 }}", "9|2|9");
    CHECK("{{ 1 + 2 ~ 3 }}", "33");       /* ~ binds looser than + */
    CHECK("{{ 1 < 2 == true }}", "true"); /* left to right */
    CHECK("{{ not 1 and 0 }}|{{ not (1 and 0) }}", "false|true");
    CHECK("{{ 0 or nothing or 'x' }}", "x");
    /* the levels of BINOPS (template_parse.c): not above and, below the comparisons */
    CHECK("{{ not 1 == 2 }}|{{ 1 and not 0 }}|{{ not not 1 }}", "true|true|true");
    CHECK("{{ 1 not in [2] }}|{{ not 1 in [1] }}|{{ 2 ~ 3 == '23' }}", "true|false|true");
    CHECK("{{ 1 + 1 == 2 and 3 > 2 or false }}|{{ 0 and 1 or 2 }}|{{ 1 or 0 and 0 }}", "true|2|1");
    CHECK("{{ 10 - 2 - 3 }}|{{ 100 / 10 / 5 }}|{{ 2 * 3 // 4 }}", "5|2|1");
    CHECK_ERR("{{ 1 == not 0 }}", "t.html:1:9: error: expected an expression, got 'not'\n");
    CHECK("{{ n * 2 if n > 2 else 0 }}", "6");
    CHECK("{{ n is odd and n in [1, 3] }}", "true");
    CHECK("{{ 'a' ~ n ~ true }}", "a3true");
    CHECK("{{ -n | abs }}|{{ -(n | abs) }}", "3|-3");
    CHECK("{{ pages[0].name }}{{ pages[-1]['name'] }}{{ pages.1.name }}", "bca");
    CHECK("{{ 0.1 + 0.2 }}", "0.30000000000000004");
    CHECK("{{ 2.50 }}|{{ 007 }}", "2.5|7");
    CHECK_ERR("{{ 1e3 }}", "t.html:1:5: error: expected '}}', got 'e3'\n"); /* no exponents */
    CHECK_ERR("{{ -not }}", "t.html:1:5: error: expected an expression, got 'not'\n");
}

static void
test_escaping(const value *ctx)
{
    CHECK("{{ title }}", "&lt;script&gt;alert(1)&lt;/script&gt;");
    CHECK("{{ title | safe }}", "<script>alert(1)</script>");
    CHECK("{{ title | escape }}", "&lt;script&gt;alert(1)&lt;/script&gt;");
    CHECK("{{ title | escape | escape }}", "&lt;script&gt;alert(1)&lt;/script&gt;");
    CHECK("{{ title | safe | upper }}", "<SCRIPT>ALERT(1)</SCRIPT>"); /* case keeps safe */
    CHECK("{{ title | safe | replace('x', 'y') }}", "&lt;script&gt;alert(1)&lt;/script&gt;");
    CHECK("{{ '<b>' | safe ~ title }}", "<b>&lt;script&gt;alert(1)&lt;/script&gt;");
    CHECK("{{ \"'\\\"&\" }}", "&#39;&quot;&amp;");
    CHECK("<p title=\"{{ title }}\">", "<p title=\"&lt;script&gt;alert(1)&lt;/script&gt;\">");
    CHECK("{% set s %}<i>{{ title }}</i>{% endset %}{{ s }}",
          "<i>&lt;script&gt;alert(1)&lt;/script&gt;</i>");
    /* macro output is safe, its arguments are escaped inside */
    CHECK("{% macro m(x) %}<b>{{ x }}</b>{% endmacro %}{{ m(title) }}",
          "<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>");
    CHECK("{{ pages | map(attribute='name') | json }}",
          "[&quot;b&quot;,&quot;a&quot;,&quot;c&quot;]");

    /* .txt and .json templates do not escape */
    const char *txt[] = {"robots.txt", "{{ title }}", NULL};
    char *diags, *got = render_files(txt, ctx, &diags);
    STR_EQ(got, "<script>alert(1)</script>", "txt templates are not escaped");
    free(got);
    free(diags);
    const char *js[] = {"index.json", "{{ pages | map(attribute='n') | json }}", NULL};
    got = render_files(js, ctx, &diags);
    STR_EQ(got, "[1,2,3]", "json templates are not escaped");
    free(got);
    free(diags);
}

static void
test_filters(const value *ctx)
{
    /* one line per built-in filter, in the order of themes/README.md */
    CHECK("{{ 'x' | safe }}", "x");
    CHECK("{{ '<' | escape }}{{ '>' | e }}", "&lt;&gt;");
    CHECK("{{ nope | default('d') }}{{ nothing | default(value='n') }}{{ 0 | default(1) }}", "dn0");
    CHECK("{{ empty | default('e', boolean=true) }}", "e");
    CHECK("{{ pages | length }}{{ '中文' | length }}{{ pages | count }}", "323");
    CHECK("{{ ['a', 'b'] | join(', ') }}|{{ pages | join('/', attribute='name') }}", "a, b|b/a/c");
    CHECK("{{ 'aBc' | upper }}{{ 'aBc' | lower }}", "ABCabc");
    CHECK("{{ 'hello world' | capitalize }}|{{ 'hello big world' | title }}",
          "Hello world|Hello Big World");
    CHECK("[{{ '  a  ' | trim }}]", "[a]");
    CHECK("{{ '一二三四五' | truncate(length=3) }}|{{ 'abc' | truncate(length=3) }}|"
          "{{ 'abcdef' | truncate(2, end='') }}",
          "一二三…|abc|ab");
    CHECK("{{ 'The quick brown fox' | truncate(length=13) }}|"
          "{{ 'The quick brown fox' | truncate(length=13, killwords=true) }}|"
          "{{ '发现问题，转化为器械' | truncate(length=8) }}",
          "The quick…|The quick bro…|发现问题…");
    CHECK("{{ 'Hello, World!' | slugify }}", "hello-world");
    CHECK("{{ pages | sort(attribute='name') | map(attribute='name') | join }}", "abc");
    CHECK("{{ pages | sort(attribute='o.rank', reverse=true) | map(attribute='name') | join }}",
          "bac");
    CHECK("{{ [2, 1] | reverse }}|{{ 'añb' | reverse }}", "[1,2]|bña");
    CHECK("{{ (pages | first).name }}{{ (pages | last).name }}", "bc");
    CHECK("{{ pages | where(attribute='cohort', value='2023') | map(attribute='name') | join }}",
          "bc");
    CHECK(
        "{% for g in pages | group_by(attribute='cohort') %}{{ g.grouper }}={{ g.list | length }};"
        "{% endfor %}",
        "2023=2;2022=1;");
    CHECK("{{ 'css/a.css' | abs_url }} {{ '/img/x.png' | rel_url }}",
          "https://example.org/sub/css/a.css /sub/img/x.png");
    CHECK("{{ '<p>a <b>b</b></p>' | striptags }}", "a b");
    CHECK("{{ 'a.b.c' | replace('.', '/') }}", "a/b/c");
    CHECK("{{ 'a b' | split | join('+') }}|{{ 'a;b' | split(pat=';') | last }}", "a+b|b");
    CHECK("{{ 'a b&c' | urlencode }}|{{ '/a/' | urlencode_strict }}", "a%20b%26c|%2Fa%2F");
    CHECK("{{ {'k': [1, true, none]} | json | safe }}|{{ 'x' | json_encode | safe }}",
          "{\"k\":[1,true,null]}|\"x\"");
    CHECK("{{ 'one two three' | wordcount }}", "3");
    CHECK("{{ 3.14159 | round(3) }}|{{ -2.5 | round }}|{{ 2.01 | round(1, 'ceil') }}",
          "3.142|-3|2.1");
    CHECK("{{ '12' | int + 1 }}|{{ '1.5' | float * 2 }}|{{ 'x' | float(default=2) }}", "13|3|2");
    CHECK("{{ pages | map(attribute='o.rank') }}", "[3,2,1]");
    CHECK("{{ [1, 2, 1, 3, 2] | unique }}", "[1,2,3]");
    CHECK("{{ [1, 2, 3] | slice(end=-1) }}|{{ 'abcdef' | slice(2, 4) }}", "[1,2]|cd");
    CHECK("{{ [1] | concat(with=2) | concat([3]) }}", "[1,2,3]");
    CHECK("{{ day | date }}|{{ day | date(format='%A %B %e') }}", "2023-01-05|Thursday January 5");
    CHECK("{{ 5 | string ~ 5 }}", "55");
    CHECK("{{ -2 | abs }}", "2");
    CHECK("{{ pages | sum(attribute='n') }}|{{ [1.5, 2] | sum }}", "6|3.5");
}

static void
test_loops(const value *ctx)
{
    CHECK("{% for p in pages %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}"
          "{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}",
          "1032truefalse3;2121falsefalse3;3210falsetrue3;");
    CHECK("{% for k, v in {'a': 1, 'b': 2} %}{{ k }}{{ v }}{% endfor %}", "a1b2");
    CHECK("{% for x in [] %}x{% else %}none{% endfor %}", "none");
    CHECK("{% for x in nothing %}x{% else %}none{% endfor %}", "none");
    CHECK("{% for c in '中文' %}[{{ c }}]{% endfor %}", "[中][文]");
    CHECK("{% for p in pages if p.cohort == '2023' %}{{ p.name }}{{ loop.length }}{% endfor %}",
          "b2c2");
    CHECK("{% for i in range(3) %}{% for j in range(2) %}{{ i }}{{ j }} {% endfor %}{% endfor %}",
          "00 01 10 11 20 21 ");
    CHECK("{% for i in range(5) %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}", "012");
    CHECK("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }}", "1");
    CHECK("{% for x in [1, 2] %}{{ loop.cycle('a', 'b') }}{% endfor %}", "ab");
    CHECK_ERR("{% for x in 5 %}{% endfor %}", "t.html:1:13: error: cannot iterate over number\n");
    CHECK_ERR("{% for k, v in [1] %}{% endfor %}",
              "t.html:1:16: error: 'for k, v in' needs a map, got list\n");
}

static void
test_inheritance(const value *ctx)
{
    const char *files[] = {
        "page.html",
        "{% extends \"mid.html\" %}{% block title %}P>{{ super() }}{% endblock %}"
        "{% block body %}[{{ title }}]{% endblock %}",
        "mid.html",
        "{% extends \"base.html\" %}{% block title %}M>{{ super() }}{% endblock %}"
        "{% block foot %}mid foot{% endblock %}",
        "base.html",
        "<t>{% block title %}B{% endblock %}</t><b>{% block body %}{% endblock %}</b>"
        "<f>{% block foot %}base foot{% endblock %}</f>",
        NULL};
    char *diags, *got = render_files(files, ctx, &diags);
    STR_EQ(got, "<t>P>M>B</t><b>[&lt;script&gt;alert(1)&lt;/script&gt;]</b><f>mid foot</f>",
           "three levels with super()");
    STR_EQ(diags, "", "no diagnostics");
    free(got);
    free(diags);

    /* rendering the middle template directly uses its own chain */
    const char *mid_first[] = {files[2], files[3], files[4], files[5], NULL};
    got = render_files(mid_first, ctx, &diags);
    STR_EQ(got, "<t>M>B</t><b></b><f>mid foot</f>", "middle template");
    free(got);
    free(diags);

    /* a block missing from the parent is never rendered; super() in a root block fails */
    const char *nosuper[] = {"a.html", "{% block x %}{{ super() }}{% endblock %}", NULL};
    got = render_files(nosuper, ctx, &diags);
    OK(!got, "super() without a parent block fails");
    STR_EQ(diags, "a.html:1:17: error: super(): block 'x' has no parent definition\n",
           "super() error");
    free(got);
    free(diags);

    const char *missing[] = {"a.html", "{% extends 'nope.html' %}", NULL};
    got = render_files(missing, ctx, &diags);
    STR_EQ(diags, "a.html:1:12: error: parent template 'nope.html' not found\n", "missing parent");
    free(got);
    free(diags);
}

static void
test_include(const value *ctx)
{
    const char *files[] = {"page.html",
                           "{% for p in pages %}{% include 'partials/p.html' %}{% endfor %}",
                           "partials/p.html", "<{{ p.name }}:{{ n }}:{{ loop.index }}>", NULL};
    char *diags, *got = render_files(files, ctx, &diags);
    STR_EQ(got, "<b:3:1><a:3:2><c:3:3>", "include sees loop variables and the root");
    free(got);
    free(diags);

    const char *rec[] = {"a.html", "x{% include 'b.html' %}", "b.html", "{% include 'a.html' %}",
                         NULL};
    got = render_files(rec, ctx, &diags);
    OK(!got, "include recursion fails");
    STR_EQ(diags, "a.html:1:2: error: too many nested include and macro calls (limit 64)\n",
           "include recursion error");
    free(got);
    free(diags);

    CHECK_ERR("{% include 'nope.html' %}",
              "t.html:1:12: error: included template 'nope.html' not found\n");
    CHECK_ERR("{% set n = 'nope.html' %}{% include n %}",
              "t.html:1:37: error: included template 'nope.html' not found\n");
    CHECK("{% include 'nope.html' ignore missing %}ok", "ok");
}

static void
test_whitespace_and_raw(const value *ctx)
{
    CHECK("a \n {{- n -}} \n b", "a3b");
    CHECK("a \n {%- if true -%} \n b \n {%- endif -%} \n c", "abc");
    CHECK("a \n {#- c -#} \n b", "ab");
    CHECK("a {{ n }} b", "a 3 b");
    CHECK("{% if true %}\nx\n{% endif %}\n", "\nx\n\n"); /* no implicit trimming */
    CHECK("{% raw %}{{ n }}{% if %}{# #}{% endraw %}", "{{ n }}{% if %}{# #}");
    CHECK("{%raw%}a{%endraw%}|{%- raw %} b {% endraw -%} |", "a| b |");
    CHECK("{{ '{{ x }}' }}", "{{ x }}");
}

static void
test_undefined(const value *ctx)
{
    CHECK("[{{ nope }}][{{ nope.a.b }}][{{ nope[0] }}][{{ n.x }}][{{ pages[9].name }}]",
          "[][][][][]");
    CHECK("{% if nope %}y{% else %}n{% endif %}{% if not nope.a %}!{% endif %}", "n!");
    CHECK("{{ nope is defined }}{{ nope is undefined }}{{ nothing is defined }}", "falsetruetrue");
    CHECK("{{ nope | length }}{{ nope | join }}{{ nope | upper }}", "0");
    CHECK("{{ 'x' in nope }}{{ nope == nope }}", "falsetrue");
    CHECK_ERR("{{ nope + 1 }}", "t.html:1:9: error: cannot apply '+' to undefined and number\n");
    CHECK_ERR("{{ nope < 1 }}", "t.html:1:9: error: cannot compare undefined < number\n");
}

static void
test_errors(const value *ctx)
{
    CHECK_ERR("{{ n | nope }}", "t.html:1:8: error: unknown filter 'nope'\n");
    CHECK_ERR("\n\n  {% nope %}", "t.html:3:6: error: unknown tag 'nope'\n");
    CHECK_ERR("{% endif %}", "t.html:1:4: error: 'endif' without matching 'if'\n");
    CHECK_ERR("{% if n %}\n{% for x in pages %}\n",
              "t.html:1:1: error: unclosed 'if' (missing {% endif %})\n"
              "t.html:2:1: error: unclosed 'for' (missing {% endfor %})\n");
    CHECK_ERR("{% if n %}", "t.html:1:1: error: unclosed 'if' (missing {% endif %})\n");
    CHECK_ERR("{{ n ", "t.html:1:1: error: unclosed '{{' (expected '}}')\n");
    CHECK_ERR("{% if n  \n{{ x }}", "t.html:1:1: error: unclosed '{%' (expected '%}')\n");
    CHECK_ERR("{{ (1 + }}", "t.html:1:9: error: expected an expression, got '}}'\n");
    CHECK_ERR("{{ 'abc }}", "t.html:1:4: error: unterminated string\n");
    CHECK_ERR("{{ a b }}", "t.html:1:6: error: expected '}}', got 'b'\n");
    CHECK_ERR("{% block a %}{% endblock %}{% block a %}{% endblock b %}",
              "t.html:1:37: error: block 'a' defined twice\n"
              "t.html:1:1: note: first defined here\n" /* notes print after their error */
              "t.html:1:53: error: endblock 'b' does not match block 'a'\n");
    CHECK_ERR(" x {% extends 'b.html' %}",
              "t.html:1:4: error: 'extends' must be the first tag in the template\n");
    CHECK_ERR("{% if %}{% endif %}", "t.html:1:7: error: expected an expression, got '%}'\n");
    CHECK_ERR("{% for in x %}{% endfor %}",
              "t.html:1:8: error: expected a loop variable name, got 'in'\n");
    CHECK_ERR("{% set x 1 %}",
              "t.html:1:10: error: expected '=' after the variable name, got a number\n");
    CHECK_ERR("{% if n %}{% macro m() %}{% endmacro %}{% endif %}",
              "t.html:1:11: error: 'macro' must be at the top level of the template\n");
    CHECK_ERR("{{ n | truncate(length=1, length=2) }}",
              "t.html:1:27: error: argument 'length' given twice\n");
    CHECK_ERR("{% import 'nope.html' as m %}{{ m.x() }}",
              "t.html:1:11: error: imported template 'nope.html' not found\n");
    CHECK_ERR("{{ 1 % 0 }}", "t.html:1:6: error: modulo by zero\n");
    CHECK_ERR("{{ 1 // 0 }}", "t.html:1:6: error: division by zero\n");
    CHECK_ERR("{{ 'a' | round }}",
              "t.html:1:10: error: filter 'round': expected a number, got string\n");
    CHECK_ERR(
        "{{ pages | sort(attribute=1) }}",
        "t.html:1:12: error: filter 'sort': argument 'attribute' must be a string, got number\n");
    CHECK_ERR("{{ n | join }}", "t.html:1:8: error: filter 'join': expected a list, got number\n");
    CHECK_ERR("{{ range(1000000) }}", "t.html:1:4: error: range() of more than 100000 items\n");
    CHECK_ERR("{{ n is divisibleby(0) }}",
              "t.html:1:9: error: test 'divisibleby' needs a non-zero number\n");
    /* numbers far out of range (found by fuzzing) */
    CHECK_ERR("{{ 1e300 }}", "t.html:1:5: error: expected '}}', got 'e300'\n");
    CHECK_ERR(
        "{{ 777777777777777777777 | date }}",
        "t.html:1:28: error: filter 'date': 7.77778e+20 seconds is out of range for a date\n");
    CHECK("{{ 'abc' | truncate(length=99999999999999999999999) }}", "abc");
    CHECK("{{ 1000000000000000000000000000000000000000000000000000000000000000000000 }}", "1e+69");
    CHECK("{% set big = 10000000000000000000000000000000000000000 %}"
          "{% set inf = big * big * big * big * big * big * big * big %}"
          "{{ [1, 2] | slice(inf - inf) }}|{{ 'abc' | truncate(inf) }}|{{ 'abc'[inf - inf] }}",
          "[1,2]|abc|");
    CHECK_ERR("{{ 'x' in 5 }}",
              "t.html:1:8: error: 'in' needs a list, map or string, got number\n");
    CHECK("\x01", "\x01"); /* control characters in text are text */

    /* columns count characters: CJK and other multi-byte text before the error */
    CHECK_ERR("项目：{{ n | nope }}", "t.html:1:11: error: unknown filter 'nope'\n");
    CHECK_ERR("第一行\n《临床》 {% frob %}", "t.html:2:9: error: unknown tag 'frob'\n");
    CHECK_ERR("é {{ 😀 }}", "t.html:1:6: error: unexpected character '😀'\n");
    CHECK_ERR("<p>中文</p>{{ title | date }}",
              "t.html:1:21: error: filter 'date': '<script>alert(1)</script>' is not a date "
              "(expected YYYY-MM-DD)\n");
}

static void
test_runtime_error_stops(const value *ctx)
{
    /* the page is partial and the error points at the filter */
    arena *a = arena_new(), *scratch = arena_new();
    diag *d = diag_new();
    template_set *ts = template_set_new(a, NULL);
    const char *src = "<p>{{ n }}</p>\n<p>{{ title | date }}</p><p>after</p>";
    OK(template_set_add(ts, "x.html", src, strlen(src), "themes/t/templates/x.html", d), "add");
    OK(template_set_link(ts, d), "link");
    buf out = BUF_INIT;
    OK(!template_render(&out, ts, "x.html", ctx, scratch, d), "render fails");
    char *s = diag_to_string(d);
    STR_EQ(s,
           "themes/t/templates/x.html:2:15: error: filter 'date': '<script>alert(1)</script>' is "
           "not a date (expected YYYY-MM-DD)\n",
           "runtime error");
    free(s);
    OK(strstr(out.ptr, "after") == NULL, "rendering stopped");
    buf_free(&out);
    OK(!template_render(&out, ts, "nope.html", ctx, scratch, d), "unknown template");
    s = diag_to_string(d);
    OK(strstr(s, "clinfolio: error: template 'nope.html' not found\n") != NULL, "%s", s);
    free(s);
    OK(template_set_has(ts, "x.html") && !template_set_has(ts, "y.html"), "template_set_has");
    buf_free(&out);
    diag_free(d);
    arena_free(scratch);
    arena_free(a);
}

static void
test_limits(const value *ctx)
{
    buf src = BUF_INIT;
    char *diags, *got;

    /* deep parentheses: an error, not a stack overflow */
    buf_puts(&src, "{{ ");
    for (int i = 0; i < 100000; i++)
        buf_putc(&src, '(');
    buf_puts(&src, "1 }}");
    got = render1(src.ptr, ctx, &diags);
    OK(!got && strstr(diags, "nesting too deep (more than 256 levels)"), "parens: %s", diags);
    OK(strchr(diags, '\n') == strrchr(diags, '\n'), "one error only: %s", diags);
    free(got);
    free(diags);

    /* a long flat chain builds a deep tree without recursion in the parser */
    buf_clear(&src);
    buf_puts(&src, "{{ 1");
    for (int i = 0; i < 50000; i++)
        buf_puts(&src, " + 1");
    buf_puts(&src, " }}");
    got = render1(src.ptr, ctx, &diags);
    OK(!got && strstr(diags, "expression too deeply nested"), "chain: %s", diags);
    free(got);
    free(diags);

    /* 200 levels are fine */
    buf_clear(&src);
    buf_puts(&src, "{{ ");
    for (int i = 0; i < 200; i++)
        buf_puts(&src, "(1 + ");
    buf_puts(&src, "1");
    for (int i = 0; i < 200; i++)
        buf_putc(&src, ')');
    buf_puts(&src, " }}");
    got = render1(src.ptr, ctx, &diags);
    STR_EQ(got, "201", "200 nested levels");
    free(got);
    free(diags);

    /* deeply nested tags */
    buf_clear(&src);
    for (int i = 0; i < 10000; i++)
        buf_puts(&src, "{% if true %}");
    got = render1(src.ptr, ctx, &diags);
    OK(!got && strstr(diags, "nesting too deep") && strchr(diags, '\n') == strrchr(diags, '\n'),
       "nested ifs: %s", diags);
    free(got);
    free(diags);

    /* unary operators and not */
    buf_clear(&src);
    buf_puts(&src, "{{ ");
    for (int i = 0; i < 200; i++)
        buf_puts(&src, "not ");
    for (int i = 0; i < 200; i++)
        buf_puts(&src, "- ");
    buf_puts(&src, "1 }}");
    got = render1(src.ptr, ctx, &diags);
    OK(!got && strstr(diags, "nesting too deep"), "not -: %s", diags);
    free(got);
    free(diags);

    /* endless macro recursion */
    got = render1("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", ctx, &diags);
    OK(!got && strstr(diags, "t.html:1:20: error: too many nested include and macro calls"),
       "macro recursion: %s", diags);
    free(got);
    free(diags);

    /* recursion through a macro whose body nests deeply: the render nesting cap */
    buf_clear(&src);
    buf_puts(&src, "{% macro f(n) %}");
    for (int i = 0; i < 120; i++)
        buf_puts(&src, "{% if true %}{% for x in [1] %}");
    buf_puts(&src, "{{ f(n + 1) }}");
    for (int i = 0; i < 120; i++)
        buf_puts(&src, "{% endfor %}{% endif %}");
    buf_puts(&src, "{% endmacro %}{{ f(0) }}");
    got = render1(src.ptr, ctx, &diags);
    OK(!got && strstr(diags, "error: template nesting too deep (more than 1000 levels)"),
       "render nesting: %s", diags);
    free(got);
    free(diags);

    /* a huge line of text and a tag at its end: the column is still right */
    buf_clear(&src);
    for (int i = 0; i < 100000; i++)
        buf_puts(&src, "字");
    buf_puts(&src, "{% nope %}");
    got = render1(src.ptr, ctx, &diags);
    STR_EQ(diags, "t.html:1:100004: error: unknown tag 'nope'\n", "column on a long line");
    free(got);
    free(diags);

    /* many unclosed tags: reported once each up to a cap, in linear time */
    buf_clear(&src);
    for (int i = 0; i < 200000; i++)
        buf_puts(&src, "{{ ");
    got = render1(src.ptr, ctx, &diags);
    int lines = 0;
    for (const char *q = diags; *q; q++)
        lines += *q == '\n';
    OK(!got && lines == 50 && strncmp(diags, "t.html:1:1: error: unclosed '{{'", 32) == 0,
       "unclosed tags: %d lines", lines);
    free(got);
    free(diags);

    /* invalid UTF-8 in text passes through, inside a tag it is reported */
    got = render1("\xff\xfe {{ n }}", ctx, &diags);
    STR_EQ(got, "\xff\xfe 3", "invalid UTF-8 in text");
    free(got);
    free(diags);
    got = render1("{{ \xff }}", ctx, &diags);
    STR_EQ(diags, "t.html:1:4: error: unexpected byte 0xFF\n", "invalid UTF-8 in a tag");
    free(got);
    free(diags);

    /* NUL bytes in the source */
    const char nul[] = "a\0b{{ n }}";
    arena *a = arena_new(), *scratch = arena_new();
    diag *d = diag_new();
    template_set *ts = template_set_new(a, NULL);
    OK(template_set_add(ts, "n.txt", nul, sizeof nul - 1, "n.txt", d) && template_set_link(ts, d),
       "NUL in source");
    buf out = BUF_INIT;
    OK(template_render(&out, ts, "n.txt", ctx, scratch, d) && out.len == 4 &&
           memcmp(out.ptr, "a\0b3", 4) == 0,
       "NUL passes through");
    buf_free(&out);
    diag_free(d);
    arena_free(scratch);
    arena_free(a);
    buf_free(&src);
}

/* ---- plugin filters ---- */

static bool
plugin_filter(value **out, const value *input, const value *args, arena *scratch, diag *d,
              src_pos at, void *payload)
{
    buf b = BUF_INIT;
    buf_puts(&b, payload);
    buf_putc(&b, ':');
    value_to_text(&b, input);
    buf_putc(&b, ':');
    value_to_json(&b, args, 0);
    if (input && value_str(input) && strcmp(value_str(input), "fail") == 0) {
        diag_report(d, DIAG_ERROR, at, "plugin filter failed");
        buf_free(&b);
        return false;
    }
    *out = value_new_string(scratch, b.ptr, b.len, SRC_NONE);
    buf_free(&b);
    return true;
}

static void
test_plugin_filter(const value *ctx)
{
    arena *a = arena_new(), *scratch = arena_new();
    diag *d = diag_new();
    template_set *ts = template_set_new(a, NULL);
    const char *src = "{{ n | p(1, 'x', named=nope) }}|{{ nope | p }}|{{ '<' | upper }}";
    OK(template_set_add(ts, "t.html", src, strlen(src), "t.html", d), "add before the filter");
    /* registered after the template: filters are resolved by the link */
    static char tag_p[] = "P", tag_u[] = "U";
    template_set_add_filter(ts, "p", plugin_filter, tag_p);
    template_set_add_filter(ts, "upper", plugin_filter, tag_u); /* replaces the built-in */
    OK(template_set_link(ts, d), "link");
    buf out = BUF_INIT;
    OK(template_render(&out, ts, "t.html", ctx, scratch, d), "render");
    STR_EQ(out.ptr,
           "P:3:{&quot;0&quot;:1,&quot;1&quot;:&quot;x&quot;,&quot;named&quot;:null}|P::{}|"
           "U:&lt;:{}",
           "plugin filter output is escaped");
    buf_free(&out);

    const char *bad = "x{{ 'fail' | p }}";
    OK(template_set_add(ts, "bad.html", bad, strlen(bad), "bad.html", d), "add bad");
    OK(template_set_link(ts, d), "relink");
    OK(!template_render(&out, ts, "bad.html", ctx, scratch, d), "plugin failure stops");
    char *s = diag_to_string(d);
    STR_EQ(s, "bad.html:1:14: error: plugin filter failed\n", "plugin error position");
    free(s);
    buf_free(&out);
    diag_free(d);
    arena_free(scratch);
    arena_free(a);
}

/* ---- loading a directory ---- */

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void
test_load_dir(const value *ctx)
{
    char dir[] = "/tmp/clinfolio-tpl-XXXXXX";
    OK(mkdtemp(dir) != NULL, "mkdtemp");
    buf p = BUF_INIT;
#define PATH(rel) (buf_clear(&p), buf_printf(&p, "%s/%s", dir, rel), p.ptr)
    mkdir(PATH("partials"), 0700);
    mkdir(PATH(".git"), 0700);
    write_file(PATH("base.html"), "<{% block b %}{% endblock %}>");
    write_file(PATH("page.html"), "{% extends 'base.html' %}{% block b %}{% include "
                                  "'partials/x.html' %}{% endblock %}");
    write_file(PATH("partials/x.html"), "x{{ n }}");
    write_file(PATH("partials/broken.xml"), "{% if %}");
    write_file(PATH("robots.txt"), "{{ title }}");
    write_file(PATH("notes.md"), "{% not a template %}");
    write_file(PATH(".git/x.html"), "{% nope %}");
    arena *a = arena_new(), *scratch = arena_new();
    diag *d = diag_new();
    template_set *ts = template_set_new(a, NULL);
    OK(!template_set_load_dir(ts, dir, "themes/t/templates", d),
       "load_dir reports the broken file");
    char *s = diag_to_string(d);
    STR_EQ(
        s,
        "themes/t/templates/partials/broken.xml:1:1: error: unclosed 'if' (missing {% endif %})\n"
        "themes/t/templates/partials/broken.xml:1:7: error: expected an expression, got '%}'\n",
        "diagnostic path");
    free(s);
    OK(template_set_has(ts, "page.html") && template_set_has(ts, "partials/x.html") &&
           template_set_has(ts, "robots.txt") && !template_set_has(ts, "notes.md") &&
           !template_set_has(ts, ".git/x.html"),
       "names relative to the directory");
    OK(!template_set_link(ts, d), "link fails with a broken template");

    /* without the broken file */
    unlink(PATH("partials/broken.xml"));
    template_set *ts2 = template_set_new(a, NULL);
    diag *d2 = diag_new();
    OK(template_set_load_dir(ts2, dir, "themes/t/templates", d2) && template_set_link(ts2, d2),
       "load and link");
    buf out = BUF_INIT;
    OK(template_render(&out, ts2, "page.html", ctx, scratch, d2), "render page.html");
    STR_EQ(out.ptr, "<x3>", "page.html output");
    buf_free(&out);

    diag *d3 = diag_new();
    template_set *ts3 = template_set_new(a, NULL);
    OK(!template_set_load_dir(ts3, PATH("missing"), "themes/none", d3), "missing directory");
    s = diag_to_string(d3);
    STR_EQ(s, "themes/none: error: cannot open directory: No such file or directory\n",
           "missing directory message");
    free(s);

    unlink(PATH("base.html"));
    unlink(PATH("page.html"));
    unlink(PATH("partials/x.html"));
    unlink(PATH("robots.txt"));
    unlink(PATH("notes.md"));
    unlink(PATH(".git/x.html"));
    rmdir(PATH("partials"));
    rmdir(PATH(".git"));
    rmdir(dir);
#undef PATH
    buf_free(&p);
    diag_free(d);
    diag_free(d2);
    diag_free(d3);
    arena_free(scratch);
    arena_free(a);
}

static void
test_override(const value *ctx)
{
    arena *a = arena_new(), *scratch = arena_new();
    diag *d = diag_new();
    template_set *ts = template_set_new(a, NULL);
    template_set_add(ts, "x.html", "theme", 5, "themes/t/x.html", d);
    template_set_add(ts, "x.html", "site {{ n }}", 12, "templates/x.html", d);
    OK(template_set_link(ts, d), "link");
    buf out = BUF_INIT;
    OK(template_render(&out, ts, "x.html", ctx, scratch, d), "render");
    STR_EQ(out.ptr, "site 3", "the later template wins");
    buf_free(&out);
    diag_free(d);
    arena_free(scratch);
    arena_free(a);
}

/* ---- threads ---- */

typedef struct job {
    const template_set *ts;
    const value *ctx;
    const char *want;
    int mismatches;
} job;

static void *
worker(void *arg)
{
    job *j = arg;
    arena *scratch = arena_new();
    diag *d = diag_new();
    for (int i = 0; i < 300; i++) {
        buf out = BUF_INIT;
        if (!template_render(&out, j->ts, "page.html", j->ctx, scratch, d) ||
            strcmp(out.ptr, j->want) != 0)
            j->mismatches++;
        buf_free(&out);
        arena_reset(scratch);
    }
    diag_free(d);
    arena_free(scratch);
    return NULL;
}

static void
test_threads(const value *ctx)
{
    arena *a = arena_new(), *scratch = arena_new();
    diag *d = diag_new();
    template_set *ts = template_set_new(a, NULL);
    const char *base = "<h1>{% block title %}{{ title }}{% endblock %}</h1>"
                       "{% block body %}{% endblock %}";
    const char *page =
        "{% extends 'base.html' %}{% import 'm.html' as m %}"
        "{% block title %}{{ super() | upper }}{% endblock %}"
        "{% block body %}{% for g in pages | sort(attribute='name') | group_by(attribute='cohort') "
        "%}"
        "{{ m.item(g.grouper, g.list | map(attribute='name') | join(',')) }}"
        "{% include 'p.html' %}{{ loop.index }}{% endfor %}{{ day | date('%B') }}{% endblock %}";
    const char *macros = "{% macro item(k, v) %}[{{ k }}={{ v }}]{% endmacro %}";
    const char *part = "{% set x = g.list | length %}({{ x * 2 }})";
    template_set_add(ts, "base.html", base, strlen(base), "base.html", d);
    template_set_add(ts, "page.html", page, strlen(page), "page.html", d);
    template_set_add(ts, "m.html", macros, strlen(macros), "m.html", d);
    template_set_add(ts, "p.html", part, strlen(part), "p.html", d);
    OK(template_set_link(ts, d), "link");
    buf want = BUF_INIT;
    OK(template_render(&want, ts, "page.html", ctx, scratch, d), "single-threaded render");
    STR_EQ(want.ptr,
           "<h1>&LT;SCRIPT&GT;ALERT(1)&LT;/SCRIPT&GT;</h1>[2022=a](2)1[2023=b,c](4)2January",
           "reference output");
    job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){ts, ctx, want.ptr, 0};
        pthread_create(&th[i], NULL, worker, &jobs[i]);
    }
    int mismatches = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        mismatches += jobs[i].mismatches;
    }
    INT_EQ(mismatches, 0, "renders that differed across 4 threads");
    INT_EQ(diag_error_count(d), 0, "no errors");
    buf_free(&want);
    diag_free(d);
    arena_free(scratch);
    arena_free(a);
}

int
main(void)
{
    A = arena_new();
    const value *ctx = make_ctx();
    test_expressions(ctx);
    test_escaping(ctx);
    test_filters(ctx);
    test_loops(ctx);
    test_inheritance(ctx);
    test_include(ctx);
    test_whitespace_and_raw(ctx);
    test_undefined(ctx);
    test_errors(ctx);
    test_runtime_error_stops(ctx);
    test_limits(ctx);
    test_plugin_filter(ctx);
    test_load_dir(ctx);
    test_override(ctx);
    test_threads(ctx);
    arena_free(A);
    return harness_done();
}
