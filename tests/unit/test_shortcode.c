/* SPDX-License-Identifier: MIT
 * test_shortcode.c - finding shortcode calls in Markdown (never in code), their
 * arguments and positions, syntax errors, and putting the HTML back. */
#include "harness.h"

#include "markdown.h"
#include "shortcode.h"

#include <stdlib.h>

/* The callback: "<name>[k=v;...]" as HTML, or an error for the name "fail". */
static bool
echo(buf *html, const shortcode_call *call, void *payload, diag *d)
{
    int *calls = payload;
    (*calls)++;
    if (strcmp(call->name, "fail") == 0) {
        diag_report(d, DIAG_ERROR, call->at, "fail was called");
        return false;
    }
    if (strcmp(call->name, "block") == 0) {
        buf_puts(html, "<figure>B</figure>");
        return true;
    }
    buf_printf(html, "<%s>[", call->name);
    for (size_t i = 0; i < call->args->as.map.len; i++) {
        const value_pair *p = &call->args->as.map.pairs[i];
        buf_printf(html, "%s%s=", i ? ";" : "", p->key);
        value_to_text(html, p->val);
        buf_printf(html, "@%u:%u", p->val->pos.line, p->val->pos.col);
    }
    buf_puts(html, "]");
    return true;
}

typedef struct run {
    shortcode_text st;
    bool ok;
    int calls;
    char *diags;
    arena *a;
} run;

static run
expand(const char *md)
{
    run r = {0};
    r.a = arena_new();
    diag *d = diag_new();
    r.ok = shortcode_expand(&r.st, md, strlen(md), "p.md", 5, echo, &r.calls, r.a, d);
    r.diags = diag_to_string(d);
    diag_free(d);
    return r;
}

static void
done(run *r)
{
    free(r->diags);
    arena_free(r->a);
}

/* The expanded Markdown with tokens replaced back by the HTML (as text, for checks). */
static const char *
filled(run *r)
{
    char *src = arena_strndup(r->a, r->st.src, r->st.len);
    return shortcode_fill_html(&r->st, src, r->a);
}

static void
test_no_calls(void)
{
    const char *md = "Plain text with { braces } and {{ page.title }}.\n";
    run r = expand(md);
    OK(r.ok && r.st.src == md && r.st.n == 0, "text without a call is left as it is");
    done(&r);
    r = expand("single { braces {x{ only, and one at the end {");
    OK(r.ok && r.st.n == 0 && !r.st.prefix, "single braces are no call, and not scanned");
    done(&r);
    r = expand("{a{ {b} {{metric()}}");
    OK(r.ok && r.st.n == 1, "a call after single braces is found");
    done(&r);
}

static void
test_arguments_and_positions(void)
{
    run r = expand("Line one.\nA {{ metric(name=\"a \\\"q\\\"\", n=-2.5, on=true, s='x') }} b.\n");
    OK(r.ok, "a call with every argument type: %s", r.diags);
    INT_EQ(r.st.n, 1, "one call");
    /* the body starts on line 5 of p.md: the call is on line 6 */
    STR_EQ(filled(&r),
           "Line one.\nA <metric>[name=a \"q\"@6:18;n=-2.5@6:31;on=true@6:40;s=x@6:48] b.\n",
           "arguments, escapes and positions");
    done(&r);

    r = expand("{{metric()}} and {{ multi(\n  a=1,\n  b=2\n) }}\n");
    OK(r.ok && r.st.n == 2, "no spaces, and a call over several lines: %s", r.diags);
    STR_EQ(filled(&r), "<metric>[] and <multi>[a=1@6:5;b=2@7:5]\n", "multi-line arguments");
    done(&r);
}

static void
test_code_is_left_alone(void)
{
    const char *md = "Inline `{{ a() }}` and ``x `{{ b() }}` y`` code.\n"
                     "\n"
                     "```\n"
                     "{{ c() }}\n"
                     "```\n"
                     "\n"
                     "    {{ d() }}\n"
                     "\n"
                     "- item\n"
                     "\n"
                     "      {{ e() }}\n"
                     "\n"
                     "~~~~ lua\n"
                     "{{ f() }}\n"
                     "~~~~\n"
                     "Escaped \\{{ g() }} and real {{ h() }}.\n"
                     "A `span\n"
                     "over {{ i() }} lines` too.\n";
    run r = expand(md);
    OK(r.ok, "no errors: %s", r.diags);
    INT_EQ(r.calls, 1, "only h() is a call: code spans, fenced, indented and list code are not");
    OK(strstr(filled(&r), "real <h>[].") != NULL, "h expanded: %s", filled(&r));
    OK(strstr(filled(&r), "`{{ a() }}`") && strstr(filled(&r), "\\{{ g() }}") &&
           strstr(filled(&r), "over {{ i() }} lines`"),
       "the others stay as written");
    done(&r);

    r = expand("An `unclosed backtick and {{ j() }}.\n");
    INT_EQ(r.calls, 1, "an unclosed backtick is literal, the call after it runs");
    done(&r);
}

static void
test_errors(void)
{
    run r = expand("x\n{{ m(a=1, a=2) }} {{ m(b=unquoted) }} {{ m(c=\"open) }}\n{{ m(1) }} "
                   "{{ fail() }} {{ m(d=1 }}\n");
    OK(!r.ok, "errors fail the expansion");
    STR_EQ(r.diags,
           "p.md:6:11: error: argument 'a' is given twice\n"
           "p.md:6:26: error: malformed shortcode call: an argument value must be a \"string\", "
           "a number, true or false\n"
           "p.md:6:46: error: malformed shortcode call: a string is not closed on its line\n"
           "p.md:7:6: error: malformed shortcode call: expected an argument name (arguments "
           "are name=value)\n"
           "p.md:7:12: error: fail was called\n"
           "p.md:7:34: error: malformed shortcode call: expected ',' or ')' after an argument\n",
           "every error, with its position");
    done(&r);
}

static void
test_fill(void)
{
    run r = expand("{{ block() }}\n\nText {{ block() }} and {{ inline(x=1) }}.\n");
    OK(r.ok && r.st.n == 3, "three calls");
    char *html = arena_printf(r.a, "<p>%s0Z</p>\n<p>Text %s1Z and %s2Z.</p>\n", r.st.prefix,
                              r.st.prefix, r.st.prefix);
    STR_EQ(shortcode_fill_html(&r.st, html, r.a),
           "<figure>B</figure>\n<p>Text <figure>B</figure> and <inline>[x=1@7:36].</p>\n",
           "a block alone replaces its paragraph; elsewhere it is inline");
    char *text = arena_printf(r.a, "Text %s2Z here", r.st.prefix);
    STR_EQ(shortcode_fill_text(&r.st, text, r.a), "Text [x=1@7:36] here",
           "text gets the output without tags");
    char *cut = arena_printf(r.a, "Text CLF\xE2\x80\xA6");
    STR_EQ(shortcode_fill_text(&r.st, cut, r.a), "Text\xE2\x80\xA6",
           "a token cut by the summary length is dropped");
    done(&r);

    r = expand("The text says CLFSC0Z already: {{ inline() }}\n");
    STR_EQ(r.st.prefix, "CLFSCQ", "the token prefix avoids text of the page");
    STR_EQ(filled(&r), "The text says CLFSC0Z already: <inline>[]\n", "the page's text is kept");
    done(&r);
}

int
main(void)
{
    markdown_global_init();
    test_no_calls();
    test_arguments_and_positions();
    test_code_is_left_alone();
    test_errors();
    test_fill();
    return harness_done();
}
