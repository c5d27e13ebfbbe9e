/* SPDX-License-Identifier: MIT
 * test_schema.c - schema.yaml: loading (theme, site, both merged, neither), compile errors,
 * each type's check with its exact message and position, unknown keys with and without a
 * suggestion, enumerations with a suggestion, missing keys, the message budget.
 * Identifier types are checked through a fake ident_parse defined here (the linker takes
 * it before the library's ident.o), so these tests do not depend on ident.c's rules. */
#include "schema.h"

#include "front.h"
#include "ident.h"

#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static arena *A;

/* The fake: "GOOD..." is valid, anything else fails with a message naming the form. */
bool
ident_parse(ident *out, ident_kind kind, const char *s, size_t len, const char **why)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    if (len >= 4 && memcmp(s, "GOOD", 4) == 0)
        return true;
    *why = kind == IDENT_PATENT ? "a fake patent such as GOOD1"
           : kind == IDENT_NMPA ? "a fake NMPA number such as GOOD2"
                                : "a fake trial such as GOOD3";
    return false;
}

/* {====================================================================
 * helpers
 * ===================================================================== */

static const schema *
compile(const char *yaml, char **diags)
{
    diag *d = diag_new();
    value *v = front_parse_yaml(yaml, strlen(yaml), "schema.yaml", 1, true, NULL, A, d);
    const schema *s = v ? schema_compile(v, A, d) : NULL;
    OK((s == NULL) == (diag_error_count(d) > 0), "compile returns NULL iff errors:\n%s", yaml);
    *diags = diag_to_string(d);
    diag_free(d);
    return s;
}

static const schema *
compile_clean(const char *yaml)
{
    char *s;
    const schema *sc = compile(yaml, &s);
    OK(sc && *s == '\0', "clean compile of:\n%s\ngot:\n%s", yaml, s);
    free(s);
    return sc;
}

/* Checks front (YAML) as a page of section "projects" of schema sc; returns the
 * diagnostics as text (free it). */
static char *
check_page(const schema *sc, const char *front, bool recommended, bool *ok)
{
    static const char *const known[] = {"title", "date", "stages", "department"};
    diag *d = diag_new();
    value *f = front_parse_yaml(front, strlen(front), "p.md", 2, true, NULL, A, d);
    unsigned budget = 0;
    schema_page pg = {"p.md", known, 4, recommended, &budget};
    const schema_section *sec = schema_find_section(sc, "projects");
    OK(f && sec, "front matter and section");
    bool r = f && sec ? schema_check_page(sec, f, &pg, A, d) : false;
    OK(r == (diag_error_count(d) == 0), "check returns false iff errors:\n%s", front);
    if (ok)
        *ok = r;
    char *s = diag_to_string(d);
    diag_free(d);
    return s;
}

static void
expect_check(const schema *sc, const char *front, const char *want)
{
    char *got = check_page(sc, front, false, NULL);
    STR_EQ(got, want, front);
    free(got);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

/* {====================================================================
 * loading and merging
 * ===================================================================== */

static const char theme_yaml[] =
    "sections:\n"
    "  projects:\n"
    "    keys:\n"
    "      status: {type: enum, values: [active, stopped]}\n"
    "      team:\n"
    "        type: list\n"
    "        items: {type: map, keys: {name: text, role: {type: enum, values: [student]}}}\n"
    "      company: text\n"
    "      trials: {type: list, items: trial}\n"
    "  news:\n"
    "    keys: {author: text}\n";

static void
test_load(void)
{
    char root[] = "/tmp/clinfolio-schema-XXXXXX";
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        exit(2);
    }
    char theme[128];
    snprintf(theme, sizeof theme, "%s/themes", root);
    mkdir(theme, 0700);
    snprintf(theme, sizeof theme, "%s/themes/t", root);
    mkdir(theme, 0700);

    /* neither file: no schema, no error */
    diag *d = diag_new();
    const schema *s = (const schema *)1;
    OK(schema_load(&s, root, theme, "themes/t", A, d) && s == NULL, "no schema.yaml anywhere");
    INT_EQ(diag_error_count(d), 0, "no errors without files");

    /* the theme's alone */
    write_file(theme, "schema.yaml", theme_yaml);
    OK(schema_load(&s, root, theme, "themes/t", A, d) && s, "the theme's schema");
    INT_EQ(s ? s->n_sections : 0, 2, "two sections");
    const schema_section *p = schema_find_section(s, "projects");
    INT_EQ(p ? p->n_keys : 0, 4, "four project keys");
    OK(schema_find_section(s, "reports") == NULL, "no reports section");
    OK(schema_find_section(NULL, "projects") == NULL, "no schema, no section");
    /* an installed theme is named by its absolute path */
    OK(schema_load(&s, root, theme, theme, A, d) && s && s->n_sections == 2,
       "the theme's schema read by its absolute name");

    /* the site's over it: values replaced whole, a key replaced by one with a type, keys
     * and a section added */
    write_file(root, "schema.yaml",
               "sections:\n"
               "  projects:\n"
               "    keys:\n"
               "      status: {values: [active, transferred], required: true}\n"
               "      team: {items: {keys: {role: {values: [student, nurse]}}}}\n"
               "      company: {type: list, items: text}\n"
               "      device_class: {type: enum, values: [I, II, III]}\n"
               "      trials: {items: {required: true}}\n"
               "  reports:\n"
               "    keys: {doi: text}\n");
    OK(schema_load(&s, root, theme, "themes/t", A, d) && s, "merged schema");
    INT_EQ(diag_error_count(d), 0, "no errors merging");
    p = schema_find_section(s, "projects");
    INT_EQ(p ? p->n_keys : 0, 5, "five project keys after the merge");
    OK(schema_find_section(s, "news") && schema_find_section(s, "reports"), "sections merged");
    char *got = check_page(s,
                           "title: x\n"
                           "status: stopped\n"
                           "team: [{name: A, role: nurse}, {name: B, role: studen}]\n"
                           "company: Acme\n"
                           "device_class: II\n"
                           "trials: [GOOD1, x]\n",
                           false, NULL);
    STR_EQ(got,
           "p.md:3:9: error: 'status' must be one of active, transferred, not 'stopped'\n"
           "p.md:4:48: error: 'team[1].role' must be one of student, nurse, not 'studen' "
           "(did you mean 'student'?)\n"
           "p.md:5:10: error: 'company' must be a list such as [a, b], not 'Acme'\n"
           "p.md:7:17: error: 'trials[1]': 'x' is not a valid trial registration: a fake trial "
           "such as GOOD3\n",
           "the site's schema over the theme's");
    free(got);
    got = check_page(s, "title: x\nteam: [{name: A, role: student}]\n", false, NULL);
    STR_EQ(got, "p.md:1:1: error: missing required key 'status'\n", "required from the site");
    free(got);

    /* the site's alone (no theme folder given): a key without a type cannot take values */
    OK(!schema_load(&s, root, NULL, NULL, A, d) && !s, "the site's changes without the theme");
    char *msg = diag_to_string(d);
    STR_EQ(msg,
           "schema.yaml:4:24: error: 'values' is for type enum, and 'status' has no 'type'\n"
           "schema.yaml:5:21: error: 'items' is for type list, and 'team' has no 'type'\n"
           "schema.yaml:8:23: error: 'items' is for type list, and 'trials' has no 'type'\n",
           "the site's schema alone");
    free(msg);

    /* errors in the file, at their position */
    diag_free(d);
    d = diag_new();
    write_file(root, "schema.yaml", "sections:\n  projects:\n    keys:\n      x: {type: txt}\n");
    OK(!schema_load(&s, root, theme, "themes/t", A, d) && !s, "a bad schema.yaml fails");
    msg = diag_to_string(d);
    STR_EQ(msg,
           "schema.yaml:4:17: error: unknown type 'txt' (types: text, number, integer, bool, "
           "date, year, url, enum, list, map, money, patent, nmpa, trial)\n",
           "unknown type at its position");
    free(msg);
    diag_free(d);
    d = diag_new();
    write_file(theme, "schema.yaml", "sections: [projects\n");
    char site_file[160];
    snprintf(site_file, sizeof site_file, "%s/schema.yaml", root);
    unlink(site_file);
    OK(!schema_load(&s, root, theme, "themes/t", A, d), "a YAML error in the theme's file");
    msg = diag_to_string(d);
    OK(strncmp(msg, "themes/t/schema.yaml:", 21) == 0, "named by the theme's name: %s", msg);
    free(msg);
    diag_free(d);
    harness_rm_rf(root);
}

static void
test_compile_errors(void)
{
    static const struct {
        const char *yaml, *want;
    } cases[] = {
        {"sections:\n  projects:\n    keys:\n      s: {type: enum}\n",
         "schema.yaml:4:10: error: enum 's' needs 'values': a list such as [a, b]\n"},
        {"sections:\n  projects:\n    keys:\n      s: {type: text, value: [a]}\n",
         "schema.yaml:4:23: error: unknown key 'value' in the specification of 's' (keys: type, "
         "required, recommended, description, label, values, items, keys)\n"},
        {"sections:\n  projects:\n    keys:\n      s: {type: text, values: [a]}\n",
         "schema.yaml:4:31: error: 'values' is for type enum, not text\n"},
        {"sections:\n  projects:\n    keys:\n      m: map\n",
         "schema.yaml:4:10: error: 'm' of type map needs a specification with 'keys'\n"},
        {"sections:\n  projects:\n    kyes: {}\n",
         "schema.yaml:3:5: error: unknown key 'kyes' in section 'projects' (keys: keys, "
         "description)\n"},
        {"section: {}\n",
         "schema.yaml:1:1: error: unknown key 'section' in schema.yaml (keys: sections)\n"},
        {"sections:\n  projects:\n    keys:\n      r: {type: text, required: yes}\n",
         "schema.yaml:4:33: error: 'required' must be true or false, not string\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got;
        const schema *s = compile(cases[i].yaml, &got);
        OK(s == NULL, "compile fails: %s", cases[i].yaml);
        STR_EQ(got, cases[i].want, cases[i].yaml);
        free(got);
    }
    /* enum values as a map of value: meaning */
    const schema *s = compile_clean("sections:\n  projects:\n    keys:\n"
                                    "      c: {type: enum, values: {I: low, II: moderate}}\n");
    const schema_section *p = schema_find_section(s, "projects");
    OK(p && p->n_keys == 1 && p->keys[0].n_values == 2, "values from a map");
    if (p && p->keys[0].n_values == 2) {
        STR_EQ(p->keys[0].values[1], "II", "second value");
        STR_EQ(p->keys[0].value_notes[1], "moderate", "its meaning");
    }
}

/* {====================================================================
 * types
 * ===================================================================== */

static const char types_yaml[] =
    "sections:\n"
    "  projects:\n"
    "    keys:\n"
    "      t: text\n"
    "      n: number\n"
    "      i: integer\n"
    "      b: bool\n"
    "      d: date\n"
    "      y: year\n"
    "      u: url\n"
    "      e: {type: enum, values: [active, transferred]}\n"
    "      l: {type: list, items: integer}\n"
    "      m: {type: map, keys: {name: {type: text, required: true}, n: number}}\n"
    "      money: money\n"
    "      pat: patent\n"
    "      reg: nmpa\n"
    "      tri: trial\n"
    "      any: {description: presence only}\n";

static void
test_types_good(const schema *s)
{
    expect_check(s,
                 "t: Some text\n"
                 "n: -1.5e3\n"
                 "i: 42\n"
                 "b: false\n"
                 "d: 2023-03-01\n"
                 "y: 2023\n"
                 "u: https://example.org/x\n"
                 "e: transferred\n"
                 "l: [1, 2, 3]\n"
                 "m: {name: A, n: 0x1F}\n"
                 "money: {amount: 1200.50, currency: CNY}\n"
                 "pat: GOOD-123\n"
                 "reg: GOOD\n"
                 "tri: GOOD3\n"
                 "any: [anything, {at: all}]\n"
                 "t2: ~\n"
                 "title: t\n"
                 "date: 2024-01-01\n",
                 "p.md:17:1: warning: unknown key 't2' (not a built-in key, a taxonomy or a key "
                 "of schema.yaml for this section)\n");
    /* numbers are text too (as written); empty values are absent */
    expect_check(s, "t: 1.10\nn:\nm: {name: 2023}\nmoney: {amount: 5}\n", "");
}

static void
test_types_bad(const schema *s)
{
    expect_check(s, "t: [a]\n", "p.md:2:4: error: 't' must be text, not list\n");
    expect_check(s, "t: true\n", "p.md:2:4: error: 't' must be text, not true\n");
    expect_check(s, "n: '12a'\n", "p.md:2:4: error: 'n' must be a number, not '12a'\n");
    expect_check(s, "n: .nan\n", "p.md:2:4: error: 'n' must be a number, not .nan\n");
    expect_check(s, "i: 1.5\n", "p.md:2:4: error: 'i' must be a whole number, not 1.5\n");
    expect_check(s, "b: yes\n", "p.md:2:4: error: 'b' must be true or false, not 'yes'\n");
    expect_check(s, "d: 2023/03/01\n",
                 "p.md:2:4: error: 'd' must be a date such as 2023-03-01, not '2023/03/01'\n");
    expect_check(s, "d: '2022-07-07'\n",
                 "p.md:2:4: error: 'd' must be a date such as 2023-03-01, not the text "
                 "'2022-07-07' (remove the quotes)\n");
    expect_check(s, "y: 23\n", "p.md:2:4: error: 'y' must be a year such as 2023, not 23\n");
    /* text that would be right without its quotes */
    expect_check(s, "y: '2023'\n",
                 "p.md:2:4: error: 'y' must be a year such as 2023, not the text '2023' (remove "
                 "the quotes)\n");
    expect_check(s, "y: '23'\n", "p.md:2:4: error: 'y' must be a year such as 2023, not '23'\n");
    expect_check(s, "b: \"true\"\n",
                 "p.md:2:4: error: 'b' must be true or false, not the text 'true' (remove the "
                 "quotes)\n");
    expect_check(s, "n: \"-12.5\"\n",
                 "p.md:2:4: error: 'n' must be a number, not the text '-12.5' (remove the "
                 "quotes)\n");
    expect_check(s, "i: \"12.5\"\n", "p.md:2:4: error: 'i' must be a whole number, not '12.5'\n");
    expect_check(s, "n: '1.2.3'\n", "p.md:2:4: error: 'n' must be a number, not '1.2.3'\n");
    expect_check(s, "u: 'data:text/html,x'\n",
                 "p.md:2:4: error: 'u' must be a URL with http:, https:, mailto: or a relative "
                 "URL, not 'data:text/html,x'\n");
    expect_check(s, "l: [1, x, ]\n", "p.md:2:8: error: 'l[1]' must be a whole number, not 'x'\n");
    expect_check(s, "l: [1, ~]\n", "p.md:2:8: error: 'l[1]' must be a whole number, not null\n");
    expect_check(s, "m: [a]\n", "p.md:2:4: error: 'm' must be a map of {name, n}, not list\n");
    expect_check(s, "m: {n: 1, nme: x}\n",
                 "p.md:2:4: error: missing required key 'name' in 'm'\n"
                 "p.md:2:11: warning: unknown key 'nme' in 'm' (did you mean 'name'?)\n");
    expect_check(s, "m: {name: ~}\n", "p.md:2:5: error: missing required key 'name' in 'm'\n");
    expect_check(s, "money: 5000\n",
                 "p.md:2:8: error: 'money' must be an amount such as {amount: 50000, currency: "
                 "CNY}, not 5000\n");
    expect_check(s, "money: {amount: .inf, currency: cny}\n",
                 "p.md:2:17: error: 'money.amount' must be a number such as 50000 (no separators, "
                 "units or .nan), not .inf\n"
                 "p.md:2:33: error: 'money.currency' must be a currency code of 3 capital letters "
                 "such as CNY or USD, not 'cny'\n");
    expect_check(s, "money: {currency: USD, amont: 3}\n",
                 "p.md:2:8: error: missing required key 'amount' in 'money'\n"
                 "p.md:2:24: warning: unknown key 'amont' in 'money' (did you mean 'amount'?)\n");
}

static void
test_identifiers(const schema *s)
{
    expect_check(s, "pat: CN123\n",
                 "p.md:2:6: error: 'pat': 'CN123' is not a valid patent number: a fake patent "
                 "such as GOOD1\n");
    /* an unquoted number: its text as written goes to ident_parse */
    expect_check(s, "pat: 202320158462.9\n",
                 "p.md:2:6: error: 'pat': 202320158462.9 is not a valid patent number: a fake "
                 "patent such as GOOD1\n");
    expect_check(s, "reg: x\n",
                 "p.md:2:6: error: 'reg': 'x' is not a valid NMPA registration or filing number: "
                 "a fake NMPA number such as GOOD2\n");
    expect_check(s, "tri: NCT1\n",
                 "p.md:2:6: error: 'tri': 'NCT1' is not a valid trial registration: a fake trial "
                 "such as GOOD3\n");
    expect_check(s, "tri: [GOOD]\n",
                 "p.md:2:6: error: 'tri' must be a trial registration such as ChiCTR2300071234 or "
                 "NCT01234567, not list\n");
}

/* {====================================================================
 * unknown keys, enumerations, missing keys, the budget
 * ===================================================================== */

static void
test_unknown_keys(const schema *s)
{
    expect_check(s, "departmnet: Cardiology\n",
                 "p.md:2:1: warning: unknown key 'departmnet' (did you mean 'department'?)\n");
    expect_check(s, "stage: {need: 2024-01-01}\n",
                 "p.md:2:1: warning: unknown key 'stage' (did you mean 'stages'?)\n");
    expect_check(s, "Title: x\n",
                 "p.md:2:1: warning: unknown key 'Title' (did you mean 'title'?)\n");
    expect_check(s, "mone: {amount: 1}\n",
                 "p.md:2:1: warning: unknown key 'mone' (did you mean 'money'?)\n");
    /* two characters: only a change of case is suggested */
    expect_check(s, "tt: x\n",
                 "p.md:2:1: warning: unknown key 'tt' (not a built-in key, a taxonomy or a key of "
                 "schema.yaml for this section)\n");
    expect_check(s, "T: x\n", "p.md:2:1: warning: unknown key 'T' (did you mean 't'?)\n");
}

static void
test_enum(const schema *s)
{
    expect_check(s, "e: transfered\n",
                 "p.md:2:4: error: 'e' must be one of active, transferred, not 'transfered' (did "
                 "you mean 'transferred'?)\n");
    expect_check(s, "e: Active\n",
                 "p.md:2:4: error: 'e' must be one of active, transferred, not 'Active' (did you "
                 "mean 'active'?)\n");
    expect_check(s, "e: dormant\n",
                 "p.md:2:4: error: 'e' must be one of active, transferred, not 'dormant'\n");
    expect_check(s, "e: [active]\n",
                 "p.md:2:4: error: 'e' must be one of active, transferred, not list\n");
}

static void
test_missing(void)
{
    const schema *s = compile_clean("sections:\n  projects:\n    keys:\n"
                                    "      need: {type: text, required: true}\n"
                                    "      team: {type: list, recommended: true}\n"
                                    "      date: {recommended: true}\n");
    bool ok;
    char *got = check_page(s, "title: x\n", false, &ok);
    STR_EQ(got, "p.md:1:1: error: missing required key 'need'\n", "required only");
    OK(!ok, "a missing required key is an error");
    free(got);
    got = check_page(s, "title: x\nneed: y\nteam:\n", true, &ok);
    STR_EQ(got,
           "p.md:1:1: warning: missing recommended key 'date'\n"
           "p.md:4:1: warning: missing recommended key 'team'\n",
           "recommended when asked");
    OK(ok, "missing recommended keys are warnings");
    free(got);
}

static void
test_budget(const schema *s)
{
    buf front = BUF_INIT;
    for (int i = 0; i < 500; i++)
        buf_printf(&front, "unknown_key_number_%d: x\n", i);
    char *got = check_page(s, front.ptr, false, NULL);
    size_t lines = 0;
    for (const char *p = got; *p; p++)
        lines += *p == '\n';
    INT_EQ(lines, FRONT_MAX_ERRORS + 1, "messages stop at FRONT_MAX_ERRORS, with a note");
    OK(strstr(got, "note: too many problems; the rest of this front matter was not checked"),
       "the note: %s", got);
    free(got);
    buf_free(&front);
}

static void
test_suggest(void)
{
    static const char *const names[] = {"department", "stages", "title", "I",
                                        "II",         "III",    "状态",  "负责人"};
    const size_t n = sizeof names / sizeof names[0];
    STR_EQ(schema_suggest("departmnet", 10, names, n), "department", "transposition");
    STR_EQ(schema_suggest("DEPARTMENT", 10, names, n), "department", "case");
    OK(schema_suggest("IV", 2, names, n) == NULL, "no guess for two characters");
    STR_EQ(schema_suggest("ii", 2, names, n), "II", "a change of case for two characters");
    OK(schema_suggest("title", 5, names, n) == NULL, "an exact name is no suggestion");
    OK(schema_suggest("tilte", 5, names, n), "1 for five characters");
    OK(schema_suggest("tle", 3, names, n) == NULL, "two edits are too many for three characters");
    STR_EQ(schema_suggest("负责任", strlen("负责任"), names, n), "负责人", "CJK, one character");
    OK(schema_suggest("状", strlen("状"), names, n) == NULL, "CJK, one character is too short");
}

int
main(void)
{
    A = arena_new();
    test_load();
    test_compile_errors();
    const schema *s = compile_clean(types_yaml);
    if (s) {
        test_types_good(s);
        test_types_bad(s);
        test_identifiers(s);
        test_unknown_keys(s);
        test_enum(s);
        test_budget(s);
    }
    test_missing();
    test_suggest();
    arena_free(A);
    return harness_done();
}
