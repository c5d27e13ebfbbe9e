/* SPDX-License-Identifier: MIT
 * test_front.c - front matter splitting, YAML typing and positions, every diagnostic's
 * exact text, and hostile inputs (aliases, deep nesting, huge scalars). */
#include "front.h"

#include "harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static arena *A;

/* {====================================================================
 * helpers
 * ===================================================================== */

/* Parses yaml (file "t.yaml", first line 1, a map required); NULL on errors. */
static value *
parse(const char *yaml)
{
    diag *d = diag_new();
    value *v = front_parse_yaml(yaml, strlen(yaml), "t.yaml", 1, true, NULL, A, d);
    if (diag_error_count(d)) {
        char *s = diag_to_string(d);
        fprintf(stderr, "unexpected diagnostics for \"%s\":\n%s", yaml, s);
        free(s);
    }
    diag_free(d);
    return v;
}

/* The diagnostics of parsing yaml[0..len) as text; *result gets the returned value. */
static char *
errors_n(const char *yaml, size_t len, unsigned first_line, bool require_map,
         const front_limits *lim, value **result)
{
    diag *d = diag_new();
    value *v = front_parse_yaml(yaml, len, "t.yaml", first_line, require_map, lim, A, d);
    if (result)
        *result = v;
    char *s = diag_to_string(d);
    /* every call with errors returns NULL, and NULL always comes with an error */
    OK((v == NULL) == (diag_error_count(d) > 0), "NULL iff errors for \"%.40s\"", yaml);
    diag_free(d);
    return s;
}

#define ERRS_EQ(yaml, want)                                               \
    do {                                                                  \
        char *got_ = errors_n((yaml), strlen(yaml), 1, true, NULL, NULL); \
        STR_EQ(got_, (want), yaml);                                       \
        free(got_);                                                       \
    } while (0)

/* The value at key "v" of a one-line document "v: <text>". */
static value *
typed(const char *text)
{
    char doc[256];
    int n = snprintf(doc, sizeof doc, "v: %s\n", text);
    if (n < 0 || (size_t)n >= sizeof doc)
        return NULL;
    value *m = parse(doc);
    return m ? value_map_get(m, "v") : NULL;
}

/* {====================================================================
 * front_split
 * ===================================================================== */

static void
split_ok(front_doc *doc, const char *src, size_t len)
{
    diag *d = diag_new();
    OK(front_split(doc, src, len, "f.md", d), "front_split succeeds");
    INT_EQ(diag_error_count(d), 0, "no diagnostics from front_split");
    diag_free(d);
}

static bool
slice_is(const char *p, size_t len, const char *want)
{
    return p && len == strlen(want) && memcmp(p, want, len) == 0;
}

static void
test_split(void)
{
    front_doc doc;
    const char *src;

    src = "# Title\n\ntext\n";
    split_ok(&doc, src, strlen(src));
    OK(!doc.has_front, "no front matter");
    OK(doc.body == src && doc.body_len == strlen(src), "whole file is body");
    INT_EQ(doc.body_line, 1, "body line without front matter");
    OK(doc.yaml == NULL && doc.yaml_len == 0 && doc.yaml_line == 0, "no yaml slice");

    split_ok(&doc, "", 0);
    OK(!doc.has_front && doc.body_len == 0, "empty file");

    src = "---\ntitle: x\nn: 1\n---\nBody\n";
    split_ok(&doc, src, strlen(src));
    OK(doc.has_front, "front matter found");
    OK(slice_is(doc.yaml, doc.yaml_len, "title: x\nn: 1\n"), "yaml slice");
    INT_EQ(doc.yaml_line, 2, "yaml line");
    OK(slice_is(doc.body, doc.body_len, "Body\n"), "body slice");
    INT_EQ(doc.body_line, 5, "body line");
    OK(doc.yaml == src + 4, "yaml points into src");

    src = "\xEF\xBB\xBF---\na: 1\n---\nB";
    split_ok(&doc, src, strlen(src));
    OK(doc.has_front, "front matter after a BOM");
    OK(slice_is(doc.yaml, doc.yaml_len, "a: 1\n"), "yaml after a BOM");
    OK(slice_is(doc.body, doc.body_len, "B"), "body after a BOM");
    INT_EQ(doc.body_line, 4, "body line after a BOM");

    src = "\xEF\xBB\xBFtext";
    split_ok(&doc, src, strlen(src));
    OK(!doc.has_front && slice_is(doc.body, doc.body_len, "text"), "BOM dropped from body");

    src = "---\r\na: 1\r\nb: 2\r\n---\r\nBody\r\n";
    split_ok(&doc, src, strlen(src));
    OK(doc.has_front, "CRLF fences");
    OK(slice_is(doc.yaml, doc.yaml_len, "a: 1\r\nb: 2\r\n"), "CRLF yaml slice");
    OK(slice_is(doc.body, doc.body_len, "Body\r\n"), "CRLF body");
    INT_EQ(doc.body_line, 5, "CRLF body line");

    src = "---\na: 1\n---\ntext\n---\nmore\n---\n";
    split_ok(&doc, src, strlen(src));
    OK(slice_is(doc.yaml, doc.yaml_len, "a: 1\n"), "first closing fence ends the yaml");
    OK(slice_is(doc.body, doc.body_len, "text\n---\nmore\n---\n"), "later --- stay in the body");

    src = "---\n---\nBody";
    split_ok(&doc, src, strlen(src));
    OK(doc.has_front && doc.yaml_len == 0, "empty front matter");
    OK(slice_is(doc.body, doc.body_len, "Body"), "body after empty front matter");
    INT_EQ(doc.body_line, 3, "body line after empty front matter");

    src = "---\na: 1\n...\nBody";
    split_ok(&doc, src, strlen(src));
    OK(doc.has_front && slice_is(doc.yaml, doc.yaml_len, "a: 1\n"), "'...' closes");
    OK(slice_is(doc.body, doc.body_len, "Body"), "body after '...'");

    src = "--- \t\na: 1\n---  \nBody";
    split_ok(&doc, src, strlen(src));
    OK(doc.has_front && slice_is(doc.body, doc.body_len, "Body"), "fences with trailing blanks");

    src = "---\na: 1\n---";
    split_ok(&doc, src, strlen(src));
    OK(doc.has_front && doc.body_len == 0, "closing fence at the end of the file");
    INT_EQ(doc.body_line, 4, "body line after a final fence");

    src = "----\na: 1\n---\n";
    split_ok(&doc, src, strlen(src));
    OK(!doc.has_front && doc.body == src, "'----' is no fence");

    src = "--- a: 1\n---\n";
    split_ok(&doc, src, strlen(src));
    OK(!doc.has_front, "'--- text' is no fence");

    src = "---\na: 1\n---x\n ---\nb";
    diag *d = diag_new();
    OK(!front_split(&doc, src, strlen(src), "content/x.md", d), "unclosed fence fails");
    char *s = diag_to_string(d);
    STR_EQ(s,
           "content/x.md:1:1: error: front matter is not closed: the '---' on line 1 needs a "
           "closing '---' line\n",
           "unclosed fence message");
    free(s);
    OK(!doc.has_front && doc.body == src, "after failure the whole file is body");
    diag_free(d);

    d = diag_new();
    OK(!front_split(&doc, "---", 3, "f.md", d), "a lone '---' is unclosed");
    INT_EQ(diag_error_count(d), 1, "one error for a lone '---'");
    diag_free(d);

    /* NUL bytes do not end anything: slicing is by length */
    static const char nul[] = "---\na: \"x\"\n---\nbo\0dy";
    split_ok(&doc, nul, sizeof nul - 1);
    INT_EQ(doc.body_len, 5, "body with a NUL byte keeps its length");
}

/* {====================================================================
 * typing
 * ===================================================================== */

static void
expect_type(const char *text, value_type t)
{
    value *v = typed(text);
    OK(v && v->type == t, "'%s' should be a %s, got %s", text, value_type_name(t),
       v ? value_type_name(v->type) : "(nothing)");
}

static void
expect_number(const char *text, double want)
{
    value *v = typed(text);
    OK(v && v->type == VALUE_NUMBER && v->as.number == want, "'%s' should be the number %g", text,
       want);
}

static void
expect_string(const char *text, const char *want)
{
    value *v = typed(text);
    OK(v && v->type == VALUE_STRING && strcmp(v->as.str.ptr, want) == 0,
       "'%s' should be the string \"%s\"", text, want);
}

static void
test_typing(void)
{
    /* null */
    const char *nulls[] = {"~", "null", "Null", "NULL", "", "!!null ''", "!!null ~"};
    for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
        expect_type(nulls[i], VALUE_NULL);
    expect_string("nULL", "nULL");
    expect_string("'null'", "null");

    /* bool */
    const char *trues[] = {"true", "True", "TRUE", "!!bool \"true\""};
    for (size_t i = 0; i < sizeof trues / sizeof *trues; i++) {
        value *v = typed(trues[i]);
        OK(v && v->type == VALUE_BOOL && v->as.boolean, "'%s' is true", trues[i]);
    }
    const char *falses[] = {"false", "False", "FALSE"};
    for (size_t i = 0; i < sizeof falses / sizeof *falses; i++) {
        value *v = typed(falses[i]);
        OK(v && v->type == VALUE_BOOL && !v->as.boolean, "'%s' is false", falses[i]);
    }
    /* YAML 1.1 booleans are strings in 1.2 (no Norway problem) */
    const char *words[] = {"yes", "no", "on", "off", "y", "n", "tRUE", "NO"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        expect_string(words[i], words[i]);

    /* integers */
    expect_number("0", 0);
    expect_number("-12", -12);
    expect_number("+7", 7);
    expect_number("0123", 123);
    expect_number("0x1F", 31);
    expect_number("0xff", 255);
    expect_number("0o17", 15);
    expect_number("13800138000", 13800138000.0);
    expect_string("1_000", "1_000");
    expect_string("0x", "0x");
    expect_string("0o8", "0o8");
    expect_string("0xG", "0xG");
    expect_string("-0x1", "-0x1");
    expect_string("1 000", "1 000");

    /* floats */
    expect_number("1.5", 1.5);
    expect_number("-.5", -0.5);
    expect_number("1e3", 1000);
    expect_number("1.", 1);
    expect_number("6.02E+23", 6.02e23);
    expect_number("0.1", 0.1);
    expect_number("-2.5e-3", -2.5e-3);
    const char *infs[] = {".inf", ".Inf", ".INF", "+.inf"};
    for (size_t i = 0; i < sizeof infs / sizeof *infs; i++) {
        value *v = typed(infs[i]);
        OK(v && v->type == VALUE_NUMBER && isinf(v->as.number) && v->as.number > 0, "'%s' is +inf",
           infs[i]);
    }
    value *v = typed("-.Inf");
    OK(v && v->type == VALUE_NUMBER && isinf(v->as.number) && v->as.number < 0, "-.Inf");
    const char *nans[] = {".nan", ".NaN", ".NAN"};
    for (size_t i = 0; i < sizeof nans / sizeof *nans; i++) {
        v = typed(nans[i]);
        OK(v && v->type == VALUE_NUMBER && isnan(v->as.number), "'%s' is NaN", nans[i]);
    }
    const char *not_numbers[] = {"1.2.3", "e3",        "1e",  "1e+",   ".",    "+",
                                 "-.nan", ".infinity", "1,5", "12abc", "0b101"};
    for (size_t i = 0; i < sizeof not_numbers / sizeof *not_numbers; i++)
        expect_string(not_numbers[i], not_numbers[i]);

    /* dates */
    v = typed("2023-01-05");
    OK(v && v->type == VALUE_DATE && v->as.date.year == 2023 && v->as.date.month == 1 &&
           v->as.date.day == 5 && !v->as.date.has_time,
       "plain date");
    v = typed("2023-01-05T08:30:00+08:00");
    OK(v && v->type == VALUE_DATE && v->as.date.has_time && v->as.date.hour == 8 &&
           v->as.date.minute == 30 && v->as.date.has_offset && v->as.date.offset_min == 480,
       "timestamp with offset");
    v = typed("2023-01-05 08:30");
    OK(v && v->type == VALUE_DATE && v->as.date.has_time && !v->as.date.has_offset,
       "date with a space and a time");
    v = typed("2024-02-29");
    OK(v && v->type == VALUE_DATE && v->as.date.day == 29, "leap day");
    expect_string("2023-05-01 Kickoff", "2023-05-01 Kickoff");
    expect_string("2023-1-5", "2023-1-5");
    expect_string("2023-01-05x", "2023-01-05x");
    expect_number("2023", 2023);

    /* quoted and block scalars are strings */
    expect_string("\"true\"", "true");
    expect_string("'12'", "12");
    expect_string("\"2023-02-30\"", "2023-02-30");
    expect_string("'~'", "~");
    expect_string("\"\"", "");
    expect_string("'it''s'", "it's");
    expect_string("\"caf\\u00e9\"", "caf\xC3\xA9");
    value *m = parse("v: |\n  12\n  true\nw: >-\n  a\n  b\n");
    OK(m && value_str(value_map_get(m, "v")) &&
           strcmp(value_str(value_map_get(m, "v")), "12\ntrue\n") == 0,
       "literal block is a string");
    OK(m && value_str(value_map_get(m, "w")) &&
           strcmp(value_str(value_map_get(m, "w")), "a b") == 0,
       "folded block is a string");
    m = parse("v: \"a\\0b\"\n");
    v = m ? value_map_get(m, "v") : NULL;
    OK(v && v->type == VALUE_STRING && v->as.str.len == 3 && v->as.str.ptr[1] == '\0' &&
           v->as.str.ptr[3] == '\0',
       "escaped NUL kept, string NUL-terminated at len");

    /* explicit tags force the type */
    expect_string("!!str 2023", "2023");
    expect_string("!!str true", "true");
    expect_string("!!str", "");
    expect_string("!<tag:yaml.org,2002:str> 5", "5");
    expect_number("!!int \"12\"", 12);
    expect_number("!!int 0x10", 16);
    expect_number("!!float 1", 1);
    expect_number("!!float '2.5'", 2.5);
    v = typed("!!timestamp \"2023-01-05\"");
    OK(v && v->type == VALUE_DATE && v->as.date.day == 5, "!!timestamp on a quoted date");
    m = parse("l: !!seq [1]\nm: !!map {a: 1}\n");
    OK(m && value_len(value_map_get(m, "l")) == 1 && value_len(value_map_get(m, "m")) == 1,
       "!!seq and !!map accepted on lists and maps");

    /* keys are text as written, never typed */
    m = parse("1: a\ntrue: b\n~: c\n2023-02-30: d\n\"q\": e\n");
    OK(m && value_len(m) == 5, "five keys");
    if (m && value_len(m) == 5) {
        STR_EQ(m->as.map.pairs[0].key, "1", "int key as text");
        STR_EQ(m->as.map.pairs[1].key, "true", "bool key as text");
        STR_EQ(m->as.map.pairs[2].key, "~", "null key as text");
        STR_EQ(m->as.map.pairs[3].key, "2023-02-30", "date-like key is no error");
        STR_EQ(m->as.map.pairs[4].key, "q", "quoted key");
    }
}

/* A number keeps its text as written for display; its value, JSON and comparisons stay
 * numeric (issue 7, finding 7: `1.10` printed as `1.1`, `0755` as `755`). */
static void
test_number_text(void)
{
    static const struct {
        const char *yaml, *text, *json;
        double n;
    } cases[] = {
        {"1.10", "1.10", "1.1", 1.1},
        {"0755", "0755", "755", 755},
        {"2023", "2023", "2023", 2023},
        {"0x1F", "0x1F", "31", 31},
        {"0o17", "0o17", "15", 15},
        {"+7", "+7", "7", 7},
        {"-.5", "-.5", "-0.5", -0.5},
        {"1e3", "1e3", "1000", 1000},
        {"6.02E+23", "6.02E+23", "6.02e+23", 6.02e23},
        {"1.", "1.", "1", 1},
        {"-0", "-0", "0", 0},
        {"!!int \"12\"", "12", "12", 12},
        {"!!float 1", "1", "1", 1},
        {".inf", ".inf", "null", INFINITY},
        {"13800138000", "13800138000", "13800138000", 13800138000.0},
    };
    arena *a = arena_new();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const value *v = typed(cases[i].yaml);
        OK(v && v->type == VALUE_NUMBER && v->as.number == cases[i].n, "'%s' is the number %g",
           cases[i].yaml, cases[i].n);
        if (!v)
            continue;
        STR_EQ(value_to_cstr(v, a), cases[i].text, cases[i].yaml);
        buf b = BUF_INIT;
        value_to_text(&b, v);
        STR_EQ(b.ptr, cases[i].text, cases[i].yaml);
        buf_free(&b);
        value_to_json(&b, v, 0);
        STR_EQ(b.ptr, cases[i].json, cases[i].yaml);
        buf_free(&b);
    }
    /* ordering and equality use the number: 1.10 == 1.1 < 1.2 */
    value *m = parse("a: 1.10\nb: 1.1\nc: 1.2\nd: 0755\n");
    OK(m && value_equal(value_map_get(m, "a"), value_map_get(m, "b")), "1.10 equals 1.1");
    OK(m && value_compare(value_map_get(m, "a"), value_map_get(m, "c")) < 0, "1.10 < 1.2");
    OK(m && value_map_get(m, "d")->as.number == 755, "0755 is decimal 755");
    /* a list or map prints as JSON, numbers numeric */
    m = parse("l: [1.10, 0755]\n");
    buf b = BUF_INIT;
    value_to_text(&b, m ? value_map_get(m, "l") : NULL);
    STR_EQ(b.ptr, "[1.1,755]", "JSON of a list of YAML numbers");
    buf_free(&b);
    arena_free(a);
}

/* {====================================================================
 * structure and positions
 * ===================================================================== */

static void
test_structure(void)
{
    value *m = parse("a:\n  b:\n    - 1\n    - [2, 3]\n    - {c: d}\n  e: []\nf: {}\n");
    OK(m && m->type == VALUE_MAP && value_len(m) == 2, "nested: root map with two keys");
    value *b = m ? value_path(m, "a.b") : NULL;
    OK(b && b->type == VALUE_LIST && value_len(b) == 3, "a.b is a list of 3");
    value *inner = value_list_get(b, 1);
    OK(inner && inner->type == VALUE_LIST && value_len(inner) == 2 &&
           value_list_get(inner, 1)->as.number == 3,
       "flow list inside a block list");
    value *cd = value_list_get(b, 2);
    OK(cd && cd->type == VALUE_MAP && value_str(value_map_get(cd, "c")) &&
           strcmp(value_str(value_map_get(cd, "c")), "d") == 0,
       "flow map inside a block list");
    value *e = m ? value_path(m, "a.e") : NULL;
    OK(e && e->type == VALUE_LIST && value_len(e) == 0, "empty flow list");
    value *f = m ? value_map_get(m, "f") : NULL;
    OK(f && f->type == VALUE_MAP && value_len(f) == 0, "empty flow map");

    m = parse("team: [{name: Li, role: student}, {name: Wang, role: surgeon}]\n");
    value *team = m ? value_map_get(m, "team") : NULL;
    OK(team && value_len(team) == 2, "flow list of flow maps");
    value *li = value_list_get(team, 0);
    OK(li && value_str(value_map_get(li, "name")) &&
           strcmp(value_str(value_map_get(li, "name")), "Li") == 0 &&
           strcmp(value_str(value_map_get(li, "role")), "student") == 0,
       "{name: Li, role: student}");
    buf j = BUF_INIT;
    if (m)
        value_to_json(&j, m, 0);
    STR_EQ(j.ptr,
           "{\"team\":[{\"name\":\"Li\",\"role\":\"student\"},{\"name\":\"Wang\",\"role\":"
           "\"surgeon\"}]}",
           "flow style as JSON");
    buf_free(&j);

    /* insertion order is kept */
    m = parse("z: 1\na: 2\nm: 3\n");
    OK(m && value_len(m) == 3 && strcmp(m->as.map.pairs[0].key, "z") == 0 &&
           strcmp(m->as.map.pairs[2].key, "m") == 0,
       "map keeps insertion order");

    /* empty documents are empty maps */
    const char *empties[] = {"", "# only a comment\n", "---\n", "\n\n", "--- # c\n...\n", "{}\n"};
    for (size_t i = 0; i < sizeof empties / sizeof *empties; i++) {
        value *v = parse(empties[i]);
        OK(v && v->type == VALUE_MAP && value_len(v) == 0, "empty document %zu is an empty map", i);
    }
    diag *d = diag_new();
    value *v = front_parse_yaml(NULL, 0, "t.yaml", 1, true, NULL, A, d);
    OK(v && v->type == VALUE_MAP && value_len(v) == 0, "NULL input is an empty map");
    diag_free(d);

    /* a non-map root is fine when no map is required */
    d = diag_new();
    v = front_parse_yaml("[]", 2, "t.yaml", 1, false, NULL, A, d);
    OK(v && v->type == VALUE_LIST && value_len(v) == 0, "empty list root");
    v = front_parse_yaml("- a\n- b\n", 8, "t.yaml", 1, false, NULL, A, d);
    OK(v && v->type == VALUE_LIST && value_len(v) == 2, "list root without require_map");
    v = front_parse_yaml("hello", 5, "t.yaml", 1, false, NULL, A, d);
    OK(v && value_str(v) && strcmp(value_str(v), "hello") == 0, "scalar root");
    INT_EQ(diag_error_count(d), 0, "no errors for non-map roots without require_map");
    diag_free(d);

    /* a directive and an explicit document are fine */
    v = parse("%YAML 1.1\n---\na: 1\n...\n");
    OK(v && value_len(v) == 1, "directive and explicit document");
}

static void
expect_pos(const value *v, unsigned line, unsigned col, const char *what)
{
    OK(v && v->pos.file && strcmp(v->pos.file, "x.md") == 0 && v->pos.line == line &&
           v->pos.col == col,
       "%s: want x.md:%u:%u, got %s:%u:%u", what, line, col, v && v->pos.file ? v->pos.file : "?",
       v ? v->pos.line : 0, v ? v->pos.col : 0);
}

static void
test_positions(void)
{
    front_doc doc;
    char *s;
    /* as if after a fence on line 1: the YAML starts on line 2 */
    const char *y = "title: 中文 x\n"
                    "标题: 中文 x\n"
                    "m: {标题: 中文, n: 5}\n"
                    "list:\n"
                    "  - a\n"
                    "  - [b, \"c\"]\n"
                    "cjk: 防雾护目镜\n"
                    "\n"
                    "date: 2023-01-05\n";
    diag *d = diag_new();
    value *m = front_parse_yaml(y, strlen(y), "x.md", 2, true, NULL, A, d);
    INT_EQ(diag_error_count(d), 0, "positions document parses");
    diag_free(d);
    OK(m != NULL, "positions document");
    if (!m)
        return;
    expect_pos(m, 2, 1, "root map");
    expect_pos(value_map_get(m, "title"), 2, 8, "title value");
    const value_pair *p = value_map_pair(m, "标题");
    OK(p && p->key_pos.line == 3 && p->key_pos.col == 1, "CJK key position");
    expect_pos(value_map_get(m, "标题"), 3, 5, "value after a CJK key (characters, not bytes)");
    value *mm = value_map_get(m, "m");
    expect_pos(mm, 4, 4, "flow map");
    expect_pos(value_map_get(mm, "标题"), 4, 9, "CJK value in a flow map");
    expect_pos(value_map_get(mm, "n"), 4, 16, "value after CJK on the same line");
    p = value_map_pair(mm, "n");
    OK(p && p->key_pos.line == 4 && p->key_pos.col == 13, "key after CJK on the same line");
    value *list = value_map_get(m, "list");
    expect_pos(list, 6, 3, "block list");
    expect_pos(value_list_get(list, 0), 6, 5, "first item");
    expect_pos(value_list_get(list, 1), 7, 5, "inner flow list");
    expect_pos(value_list_get(value_list_get(list, 1), 1), 7, 9, "quoted item");
    expect_pos(value_map_get(m, "date"), 10, 7, "date after a blank line");

    /* a BOM (site.yaml is parsed whole) is not a character */
    d = diag_new();
    m = front_parse_yaml("\xEF\xBB\xBF"
                         "a: 1\n",
                         8, "x.md", 1, true, NULL, A, d);
    expect_pos(m ? value_map_get(m, "a") : NULL, 1, 4, "value after a BOM");
    diag_free(d);
    s = errors_n("\xEF\xBB\xBF"
                 "a: \x01\n",
                 8, 1, true, NULL, NULL);
    STR_EQ(s, "t.yaml:1:4: error: control character U+0001 is not allowed in YAML\n",
           "offset after a BOM");
    free(s);
    d = diag_new();
    OK(front_split(&doc, NULL, 0, "x.md", d) && !doc.has_front && doc.body_len == 0,
       "NULL source is an empty body");
    diag_free(d);

    /* CRLF counts one line per CRLF */
    d = diag_new();
    m = front_parse_yaml("a: 1\r\nb: 2\r\n", 12, "x.md", 2, true, NULL, A, d);
    expect_pos(m ? value_map_get(m, "b") : NULL, 3, 4, "CRLF line counting");
    diag_free(d);

    /* the whole pipeline: split, then parse at yaml_line */
    const char *src =
        "\xEF\xBB\xBF---\r\ntitle: T\r\nn: 中 x\r\ndate: 2023-02-30\r\n---\r\nbody\r\n";
    d = diag_new();
    OK(front_split(&doc, src, strlen(src), "x.md", d), "split for pipeline test");
    m = front_parse_yaml(doc.yaml, doc.yaml_len, "x.md", doc.yaml_line, true, NULL, A, d);
    OK(m == NULL, "bad date fails the page");
    s = diag_to_string(d);
    STR_EQ(s, "x.md:4:7: error: invalid date '2023-02-30'\n", "bad date position in the file");
    free(s);
    diag_free(d);
}

/* {====================================================================
 * diagnostics, exact text
 * ===================================================================== */

static void
test_errors(void)
{
    /* libyaml's own errors, converted */
    char *s = errors_n("title: x\nsummary: a: b\n", 23, 3, true, NULL, NULL);
    STR_EQ(s, "t.yaml:4:11: error: mapping values are not allowed in this context\n",
           "libyaml error with the line offset");
    free(s);
    ERRS_EQ("a: \"abc\n", "t.yaml:2:1: error: found unexpected end of stream\n"
                          "t.yaml:1:4: note: while scanning a quoted scalar\n");
    ERRS_EQ("a:\n  b: 1\n c: 2\n", "t.yaml:3:2: error: did not find expected key\n"
                                   "t.yaml:1:1: note: while parsing a block mapping\n");
    ERRS_EQ("a: [1, 2\n", "t.yaml:2:1: error: did not find expected ',' or ']'\n"
                          "t.yaml:1:4: note: while parsing a flow sequence\n");
    ERRS_EQ("a:\n\tb: 1\n", "t.yaml:2:1: error: found character that cannot start any token (a "
                            "tab: YAML is indented with spaces)\n"
                            "t.yaml:2:1: note: while scanning for the next token\n");
    ERRS_EQ("名字: 中文: x\n",
            "t.yaml:1:7: error: mapping values are not allowed in this context\n");
    ERRS_EQ("a: !e!x 1\n", "t.yaml:1:4: error: found undefined tag handle\n"
                           "t.yaml:1:4: note: while parsing a node\n");

    /* encoding */
    ERRS_EQ("a: ok\nb: x\xFF\n",
            "t.yaml:2:5: error: invalid UTF-8 byte 0xFF; the file must be saved as UTF-8\n");
    ERRS_EQ("a: 中文\xE4\xB8\n",
            "t.yaml:1:6: error: invalid UTF-8 byte 0xE4; the file must be saved as UTF-8\n");
    ERRS_EQ("a: \xC0\xAF\n", /* overlong '/' */
            "t.yaml:1:4: error: invalid UTF-8 byte 0xC0; the file must be saved as UTF-8\n");
    ERRS_EQ("a: \xED\xA0\x80\n", /* a UTF-16 surrogate */
            "t.yaml:1:4: error: invalid UTF-8 byte 0xED; the file must be saved as UTF-8\n");
    ERRS_EQ("\xFF\xFE"
            "a\0:\0", /* UTF-16 is not accepted */
            "t.yaml:1:1: error: invalid UTF-8 byte 0xFF; the file must be saved as UTF-8\n");
    ERRS_EQ("a: 1\nb: x\x01y\n",
            "t.yaml:2:5: error: control character U+0001 is not allowed in YAML\n");
    ERRS_EQ("a: 中\xC2\x9F\n",
            "t.yaml:1:5: error: control character U+009F is not allowed in YAML\n");
    s = errors_n("a: 1\nb: \0\n", 10, 1, true, NULL, NULL);
    STR_EQ(s, "t.yaml:2:4: error: control character U+0000 is not allowed in YAML\n", "NUL byte");
    free(s);

    /* anchors, aliases, tags */
    ERRS_EQ("x: &x {a: *x}\n", "t.yaml:1:4: error: anchors and aliases are not supported\n");
    ERRS_EQ("a: 1\nb: *a\n", "t.yaml:2:4: error: anchors and aliases are not supported\n");
    ERRS_EQ("base: &b {x: 1}\nother:\n  <<: *b\n",
            "t.yaml:1:7: error: anchors and aliases are not supported\n");
    ERRS_EQ("*a : 1\n", "t.yaml:1:1: error: anchors and aliases are not supported\n");
    ERRS_EQ("a: !foo x\n", "t.yaml:1:4: error: unsupported tag '!foo' (allowed: !!str, !!int, "
                           "!!float, !!bool, !!null, !!timestamp)\n");
    ERRS_EQ("a: !!binary aGk=\n", "t.yaml:1:4: error: unsupported tag '!!binary' (allowed: !!str, "
                                  "!!int, !!float, !!bool, !!null, !!timestamp)\n");
    ERRS_EQ("a: !!set {x}\n", "t.yaml:1:4: error: unsupported tag '!!set' on a map\n");
    ERRS_EQ("a: !!str [x]\n", "t.yaml:1:4: error: unsupported tag '!!str' on a list\n");
    ERRS_EQ("!x k: v\n", "t.yaml:1:1: error: unsupported tag '!x' on a map key\n");
    ERRS_EQ("a: !!int abc\n", "t.yaml:1:4: error: invalid !!int value 'abc'\n");
    ERRS_EQ("a: !!float x1\n", "t.yaml:1:4: error: invalid !!float value 'x1'\n");
    ERRS_EQ("a: !!bool yes\n",
            "t.yaml:1:4: error: invalid !!bool value 'yes' (use true or false)\n");
    ERRS_EQ("a: !!null x\n", "t.yaml:1:4: error: invalid !!null value 'x'\n");
    ERRS_EQ("a: !!timestamp 2023-5-1\n", "t.yaml:1:4: error: invalid date '2023-5-1'\n");

    /* dates that look like dates but are not */
    ERRS_EQ("date: 2023-02-30\n", "t.yaml:1:7: error: invalid date '2023-02-30'\n");
    ERRS_EQ("date: 2023-13-01\n", "t.yaml:1:7: error: invalid date '2023-13-01'\n");
    ERRS_EQ("date: 2023-02-29\n", "t.yaml:1:7: error: invalid date '2023-02-29'\n");
    ERRS_EQ("d: 2023-01-01T25:00\n", "t.yaml:1:4: error: invalid date '2023-01-01T25:00'\n");
    ERRS_EQ("d: 2023-01-01 10:00 meeting\n",
            "t.yaml:1:4: error: invalid date '2023-01-01 10:00 meeting'\n");
    ERRS_EQ("stages:\n  need: {date: 2023-00-10}\n",
            "t.yaml:2:16: error: invalid date '2023-00-10'\n");

    /* keys */
    ERRS_EQ("a: 1\nb: 2\na: 3\n",
            "t.yaml:3:1: error: duplicate key 'a' (first defined on line 1)\n");
    ERRS_EQ("m: {x: 1, y: 2, x: 3}\n",
            "t.yaml:1:17: error: duplicate key 'x' (first defined on line 1)\n");
    ERRS_EQ("t: 1\n\"t\": 2\n't': 3\n",
            "t.yaml:2:1: error: duplicate key 't' (first defined on line 1)\n"
            "t.yaml:3:1: error: duplicate key 't' (first defined on line 1)\n");
    ERRS_EQ("a:\n  k: 1\nb:\n  k: 2\n", ""); /* same key in different maps */
    ERRS_EQ("? [a, b]\n: c\n", "t.yaml:1:3: error: a map key must be text, not a list\n");
    ERRS_EQ("{[a]: b}\n", "t.yaml:1:2: error: a map key must be text, not a list\n");
    ERRS_EQ("? {a: 1}\n: c\n", "t.yaml:1:3: error: a map key must be text, not a map\n");

    /* many keys: duplicates are found by sorting, and reported in file order */
    buf big = BUF_INIT;
    for (int i = 0; i < 40; i++)
        buf_printf(&big, "k%d: %d\n", i % 30, i);
    s = errors_n(big.ptr, big.len, 1, true, NULL, NULL);
    const char *want = "t.yaml:31:1: error: duplicate key 'k0' (first defined on line 1)\n"
                       "t.yaml:32:1: error: duplicate key 'k1' (first defined on line 2)\n";
    OK(strncmp(s, want, strlen(want)) == 0, "duplicates in a big map:\n%s", s);
    size_t lines = 0;
    for (const char *c = s; *c; c++)
        lines += *c == '\n';
    INT_EQ(lines, 10, "ten duplicates in a big map");
    free(s);
    buf_free(&big);

    /* a long key is shortened in messages */
    s = errors_n("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: 1\n"
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: 2\n",
                 152, 1, true, NULL, NULL);
    STR_EQ(s,
           "t.yaml:2:1: error: duplicate key "
           "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' (first defined on "
           "line 1)\n",
           "long key shortened");
    free(s);
    ERRS_EQ("\"a\\nb\": 1\n\"a\\nb\": 2\n",
            "t.yaml:2:1: error: duplicate key 'a?b' (first defined on line 1)\n");

    /* documents and roots */
    ERRS_EQ("a: 1\n---\nb: 2\n", "t.yaml:2:1: error: only one YAML document is allowed here\n");
    ERRS_EQ("- a\n- b\n",
            "t.yaml:1:1: error: expected a map of 'key: value' lines here, not a list\n");
    ERRS_EQ("just text\n",
            "t.yaml:1:1: error: expected a map of 'key: value' lines here, not a string\n");
    ERRS_EQ("~\n", "t.yaml:1:1: error: expected a map of 'key: value' lines here, not a null\n");

    /* several errors are collected in one run */
    ERRS_EQ("a: 2023-02-30\nb: !!int x\na: 1\n",
            "t.yaml:1:4: error: invalid date '2023-02-30'\n"
            "t.yaml:2:4: error: invalid !!int value 'x'\n"
            "t.yaml:3:1: error: duplicate key 'a' (first defined on line 1)\n");

    /* but not without bound */
    buf many = BUF_INIT;
    for (int i = 0; i < 100; i++)
        buf_printf(&many, "d%d: 2023-02-30\n", i);
    s = errors_n(many.ptr, many.len, 1, true, NULL, NULL);
    size_t errs = 0;
    for (const char *c = s; (c = strstr(c, ": error: ")) != NULL; c++)
        errs++;
    INT_EQ(errs, 20, "at most 20 errors per call");
    OK(strstr(s, "t.yaml:20:6: error: invalid date '2023-02-30'\n"
                 "t.yaml:20:6: note: too many errors; the rest of this YAML was not checked\n") !=
           NULL,
       "a note says where checking stopped:\n%s", s);
    free(s);
    buf_free(&many);
}

/* {====================================================================
 * limits and hostile inputs
 * ===================================================================== */

static void
test_hostile(void)
{
    /* billion laughs: rejected at the first anchor, nothing is expanded */
    const char *lol =
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
        "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
        "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    size_t used = arena_used(A);
    ERRS_EQ(lol, "t.yaml:1:4: error: anchors and aliases are not supported\n");
    OK(arena_used(A) - used < 64 * 1024, "billion laughs allocates little (%zu bytes)",
       arena_used(A) - used);

    /* 10,000 nested '[' stop at the depth limit */
    buf deep = BUF_INIT;
    buf_puts(&deep, "a: ");
    for (int i = 0; i < 10000; i++)
        buf_putc(&deep, '[');
    char *s = errors_n(deep.ptr, deep.len, 1, true, NULL, NULL);
    STR_EQ(s, "t.yaml:1:67: error: nested too deeply (more than 64 levels)\n", "10000 '['");
    free(s);
    buf_clear(&deep);
    for (int i = 0; i < 10000; i++)
        buf_puts(&deep, "{a: ");
    s = errors_n(deep.ptr, deep.len, 1, true, NULL, NULL);
    STR_EQ(s, "t.yaml:1:257: error: nested too deeply (more than 64 levels)\n", "10000 '{a: '");
    free(s);
    buf_clear(&deep);
    for (int i = 0; i < 10000; i++)
        buf_puts(&deep, "- ");
    s = errors_n(deep.ptr, deep.len, 1, false, NULL, NULL);
    STR_EQ(s, "t.yaml:1:129: error: nested too deeply (more than 64 levels)\n", "10000 '- '");
    free(s);

    /* exactly at the limit is fine; one more is not */
    front_limits lim = {3, 0, 0};
    value *v;
    s = errors_n("a: [[1]]\n", 9, 1, true, &lim, &v);
    STR_EQ(s, "", "depth 3 with max_depth 3");
    free(s);
    s = errors_n("a: [[[1]]]\n", 11, 1, true, &lim, &v);
    STR_EQ(s, "t.yaml:1:6: error: nested too deeply (more than 3 levels)\n", "depth 4");
    free(s);
    buf_free(&deep);

    /* a 2 MB scalar is rejected; 1 MiB is the default limit */
    size_t n = 2 * 1024 * 1024;
    char *huge = malloc(n + 16);
    memcpy(huge, "a: ", 3);
    memset(huge + 3, 'x', n);
    memcpy(huge + 3 + n, "\n", 2);
    s = errors_n(huge, n + 4, 1, true, NULL, NULL);
    STR_EQ(s, "t.yaml:1:4: error: text too long (2097152 bytes; the limit is 1048576)\n",
           "2 MB scalar");
    free(s);
    memcpy(huge, "a: \"", 4);
    memcpy(huge + 4 + 1000, "\"\n", 3);
    lim = (front_limits){0, 1000, 0};
    s = errors_n(huge, 1006, 1, true, &lim, NULL);
    STR_EQ(s, "", "scalar of exactly max_scalar bytes");
    free(s);
    lim.max_scalar = 999;
    s = errors_n(huge, 1006, 1, true, &lim, NULL);
    STR_EQ(s, "t.yaml:1:4: error: text too long (1000 bytes; the limit is 999)\n", "one byte more");
    free(s);
    free(huge);

    /* node limit */
    lim = (front_limits){0, 0, 10};
    s = errors_n("a: [1, 2, 3, 4, 5, 6, 7]\n", 25, 1, true, &lim, NULL);
    STR_EQ(s, "", "10 nodes with max_nodes 10"); /* map, key, list, 7 items */
    free(s);
    s = errors_n("a: [1, 2, 3, 4, 5, 6, 7, 8]\n", 28, 1, true, &lim, NULL);
    STR_EQ(s, "t.yaml:1:26: error: too many values (more than 10)\n", "11 nodes");
    free(s);

    /* a flat map of 40,000 keys loads (the duplicate check is not quadratic) */
    buf wide = BUF_INIT;
    for (int i = 0; i < 40000; i++)
        buf_printf(&wide, "key%d: %d\n", i, i);
    diag *d = diag_new();
    v = front_parse_yaml(wide.ptr, wide.len, "t.yaml", 1, true, NULL, A, d);
    OK(v && value_len(v) == 40000, "40,000 keys");
    OK(v && value_map_get(v, "key39999") && value_map_get(v, "key39999")->as.number == 39999,
       "last of 40,000 keys");
    diag_free(d);
    buf_free(&wide);

    /* one long line of many small items */
    buf flat = BUF_INIT;
    buf_puts(&flat, "a: [");
    for (int i = 0; i < 20000; i++)
        buf_puts(&flat, "1,");
    buf_puts(&flat, "1]\n");
    d = diag_new();
    v = front_parse_yaml(flat.ptr, flat.len, "t.yaml", 1, true, NULL, A, d);
    OK(v && value_len(value_map_get(v, "a")) == 20001, "20,001 items on one line");
    diag_free(d);
    buf_free(&flat);
}

/* front_parse_page keeps a whole tree after errors, so the page's schema is still
 * checked: every error of a page in one run (issue 7, finding 7). */
static void
test_page(void)
{
    const char *y = "title: !!int Beta\n"
                    "date: 2024-02-30\n"
                    "when: *nowhere\n"
                    "tags: !!str [a]\n"
                    "draft: maybe\n"
                    "draft: true\n"
                    "? [k]\n"
                    ": v\n";
    diag *d = diag_new();
    bool ok = true;
    value *m = front_parse_page(&ok, y, strlen(y), "x.md", 2, A, d);
    OK(m && m->type == VALUE_MAP, "a tree after errors that leave it whole");
    OK(!ok, "*ok false after errors");
    char *s = diag_to_string(d);
    STR_EQ(s,
           "x.md:2:8: error: invalid !!int value 'Beta'\n"
           "x.md:3:7: error: invalid date '2024-02-30'\n"
           "x.md:4:7: error: anchors and aliases are not supported\n"
           "x.md:5:7: error: unsupported tag '!!str' on a list\n"
           "x.md:7:1: error: duplicate key 'draft' (first defined on line 6)\n"
           "x.md:8:3: error: a map key must be text, not a list\n",
           "the YAML errors, each once");
    free(s);
    const value *v = value_map_get(m, "title");
    OK(v && v->invalid && value_str(v) && strcmp(value_str(v), "Beta") == 0,
       "a bad scalar stands in as its text, flagged");
    v = value_map_get(m, "date");
    OK(v && v->invalid && v->type == VALUE_STRING, "an invalid date is flagged");
    v = value_map_get(m, "when");
    OK(v && v->invalid && v->type == VALUE_NULL, "an alias stands in as a flagged null");
    v = value_map_get(m, "tags");
    OK(v && v->invalid && v->type == VALUE_LIST, "a wrongly tagged list is flagged");
    v = value_map_get(m, "draft");
    OK(v && !v->invalid && value_str(v) && strcmp(value_str(v), "maybe") == 0,
       "a repeated key: the first entry is found");
    INT_EQ(value_len(m), 6, "the list key is left out, both 'draft' entries stay");
    diag_free(d);

    /* a big map is indexed (value_map_index): every key found, a repeated one at its first
     * entry as without an index */
    buf many_keys = BUF_INIT;
    for (int i = 0; i < 100; i++)
        buf_printf(&many_keys, "key%d: %d\n", i, i);
    buf_puts(&many_keys, "key7: again\n");
    d = diag_new();
    m = front_parse_page(&ok, many_keys.ptr, many_keys.len, "x.md", 2, A, d);
    OK(m && !ok && m->as.map.index != NULL, "a map of 101 keys has an index");
    bool all = m != NULL;
    for (int i = 0; all && i < 100; i++) {
        char k[16];
        snprintf(k, sizeof k, "key%d", i);
        v = value_map_get(m, k);
        all = v && v->type == VALUE_NUMBER && v->as.number == i;
    }
    OK(all, "each of 100 keys found through the index");
    OK(m && value_len(m) == 101 && value_map_get(m, "key100") == NULL &&
           value_map_get(m, "key") == NULL,
       "absent keys are absent");
    diag_free(d);
    buf_free(&many_keys);
    d = diag_new();
    m = front_parse_page(&ok, "a: 1\nb: 2\n", 10, "x.md", 2, A, d);
    OK(m && m->as.map.index == NULL, "a small map has none");
    diag_free(d);

    /* a clean page: *ok true, nothing flagged */
    d = diag_new();
    m = front_parse_page(&ok, "title: A\n", 9, "x.md", 2, A, d);
    OK(m && ok && !value_map_get(m, "title")->invalid, "a clean page is ok");
    diag_free(d);

    /* an incomplete tree is not returned: a syntax error, or not a map */
    const char *broken[] = {"title: [unclosed\ndate: 2024-02-30\n", "- a\n", "!!int x\n",
                            "a: 1\n---\nb: 2\n"};
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        d = diag_new();
        ok = true;
        m = front_parse_page(&ok, broken[i], strlen(broken[i]), "x.md", 2, A, d);
        OK(!m && !ok && diag_error_count(d) == 1, "NULL and one error for \"%s\"", broken[i]);
        diag_free(d);
    }

    /* the YAML error limit still stops reading, and then no tree comes back */
    buf many = BUF_INIT;
    for (unsigned i = 0; i < FRONT_MAX_ERRORS + 5; i++)
        buf_printf(&many, "k%u: !!int x\n", i);
    d = diag_new();
    m = front_parse_page(&ok, many.ptr, many.len, "x.md", 2, A, d);
    OK(!m && !ok, "too many errors: NULL");
    INT_EQ(diag_error_count(d), FRONT_MAX_ERRORS, "errors stop at the limit");
    diag_free(d);
    buf_free(&many);
}

int
main(void)
{
    A = arena_new();
    test_split();
    test_typing();
    test_number_text();
    test_structure();
    test_positions();
    test_errors();
    test_hostile();
    test_page();
    arena_free(A);
    return harness_done();
}
