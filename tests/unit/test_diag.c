/* SPDX-License-Identifier: MIT
 * test_diag.c - diagnostics: counts, sorting, notes, --strict, `checks:` switches, JSON. */
#include "harness.h"

#include "diag.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void
test_strict(void)
{
    diag *d = diag_new();
    diag_report(d, DIAG_WARNING, SRC_POS("a.md", 2, 1), "before");
    diag_set_strict(d, true);
    diag_report_code(d, DIAG_WARNING, "stage-order", SRC_POS("a.md", 1, 1), "after");
    diag_report_code(d, DIAG_ERROR, "bad-value", SRC_POS("b.md", 1, 1), "an error");
    INT_EQ(diag_warning_count(d), 1, "the warning before --strict stays one");
    INT_EQ(diag_error_count(d), 2, "the warning after --strict is an error");
    char *s = diag_to_string(d);
    STR_EQ(s,
           "a.md:1:1: error: after\n"
           "a.md:2:1: warning: before\n"
           "b.md:1:1: error: an error\n",
           "printed sorted, with the strict level");
    free(s);
    diag_free(d);
}

/* diag_print_json into a string; free() it. */
static char *
json_of(const diag *d, bool errors_only)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    diag_print_json(d, f, errors_only);
    fclose(f);
    return text;
}

static void
test_json(void)
{
    diag *d = diag_new();
    char *s = json_of(d, false);
    STR_EQ(s, "[]", "no diagnostics: an empty array");
    free(s);

    size_t id = diag_report_code(d, DIAG_WARNING, "stage-order", SRC_POS("content/中文.md", 3, 7),
                                 "stage \"a\" \\ b\nnext\tline 临床需求");
    diag_note(d, id, SRC_POS("site.yaml", 2, 0), "the order");
    diag_report(d, DIAG_ERROR, SRC_NONE, "whole run");
    diag_report(d, DIAG_WARNING, SRC_POS("bad\xff.md", 0, 0), "whole file");
    s = json_of(d, false);
    STR_EQ(s,
           "[\n"
           "  {\"file\":null,\"line\":null,\"column\":null,\"level\":\"error\",\"code\":"
           "\"error\",\"message\":\"whole run\",\"notes\":[]},\n"
           "  {\"file\":\"bad\xef\xbf\xbd.md\",\"line\":null,\"column\":null,\"level\":"
           "\"warning\",\"code\":\"warning\",\"message\":\"whole file\",\"notes\":[]},\n"
           "  {\"file\":\"content/中文.md\",\"line\":3,\"column\":7,\"level\":\"warning\","
           "\"code\":\"stage-order\",\"message\":\"stage \\\"a\\\" \\\\ b\\nnext\\tline "
           "临床需求\",\"notes\":[{\"file\":\"site.yaml\",\"line\":2,\"column\":null,"
           "\"message\":\"the order\"}]}\n"
           "]",
           "sorted as text is, escaped, null for what is unknown, code or level, notes");
    free(s);
    s = json_of(d, true);
    STR_EQ(s,
           "[\n"
           "  {\"file\":null,\"line\":null,\"column\":null,\"level\":\"error\",\"code\":"
           "\"error\",\"message\":\"whole run\",\"notes\":[]}\n"
           "]",
           "errors only");
    free(s);
    diag_free(d);

    /* control characters quoted from user text never reach the JSON raw */
    d = diag_new();
    diag_report(d, DIAG_ERROR, SRC_POS("a\x01\x7f.md", 1, 1), "bell\a del\x7f cr\r");
    s = json_of(d, false);
    STR_EQ(s,
           "[\n  {\"file\":\"a\\u007f.md\",\"line\":1,\"column\":1,\"level\":\"error\",\"code\":"
           "\"error\",\"message\":\"bell del\\u007f cr\\u000d\",\"notes\":[]}\n]",
           "C0 controls dropped as in messages, DEL and CR escaped");
    free(s);
    diag_free(d);
}

static void
test_checks(void)
{
    diag *d = diag_new();
    diag_set_check(d, "stale-project", DIAG_CHECK_OFF);
    diag_set_check(d, "stage-order", DIAG_CHECK_ERROR);
    diag_set_check(d, "bad-value", DIAG_CHECK_OFF);
    diag_set_check(d, "future-date", DIAG_CHECK_OFF);
    diag_set_check(d, "future-date", DIAG_CHECK_WARNING); /* set again: replaced */
    size_t id = diag_report_code(d, DIAG_WARNING, "stale-project", SRC_POS("a.md", 1, 1), "stale");
    diag_note(d, id, SRC_POS("a.md", 2, 1), "a note of a switched-off warning");
    diag_report_code(d, DIAG_WARNING, "stage-order", SRC_POS("a.md", 3, 1), "order");
    diag_report_code(d, DIAG_ERROR, "bad-value", SRC_POS("a.md", 4, 1), "an error stays");
    diag_report_code(d, DIAG_WARNING, "future-date", SRC_POS("a.md", 5, 1), "future");
    diag_report(d, DIAG_WARNING, SRC_POS("a.md", 6, 1), "no code");
    INT_EQ(diag_error_count(d), 2, "the switched warning and the error");
    INT_EQ(diag_warning_count(d), 2, "the switched-off warning is not counted");
    char *s = diag_to_string(d);
    STR_EQ(s,
           "a.md:3:1: error: order\n"
           "a.md:4:1: error: an error stays\n"
           "a.md:5:1: warning: future\n"
           "a.md:6:1: warning: no code\n",
           "off: neither the warning nor its note is printed");
    free(s);
    size_t n;
    diag_code_count *c = diag_count_codes(d, &n);
    INT_EQ(n, 4, "four codes counted");
    if (n == 4) {
        STR_EQ(c[0].code, "bad-value", "sorted by code");
        INT_EQ(c[0].errors, 1, "bad-value errors");
        STR_EQ(c[1].code, "future-date", "then future-date");
        INT_EQ(c[1].warnings, 1, "future-date warnings");
        STR_EQ(c[2].code, "stage-order", "then stage-order");
        INT_EQ(c[2].errors, 1, "stage-order as an error");
        INT_EQ(c[2].warnings, 0, "stage-order no longer a warning");
        STR_EQ(c[3].code, "warning", "no code: the level's name");
    }
    free(c);
    char *j = json_of(d, false);
    OK(j && !strstr(j, "stale"), "off: not in the JSON either");
    free(j);
    /* --strict after checks: a warning left a warning becomes an error, off stays off */
    diag_set_strict(d, true);
    diag_report_code(d, DIAG_WARNING, "future-date", SRC_POS("b.md", 1, 1), "future");
    diag_report_code(d, DIAG_WARNING, "stale-project", SRC_POS("b.md", 2, 1), "stale");
    INT_EQ(diag_error_count(d), 3, "--strict turns the warning into an error");
    INT_EQ(diag_warning_count(d), 2, "--strict leaves a switched-off check off");
    diag_free(d);
}

/* diag_merge: a page's diagnostics collected apart (on a worker) join the build's in their
 * order, notes after their entries, under the build's --strict and `checks:`. */
static void
test_merge(void)
{
    diag *d = diag_new();
    diag_set_strict(d, true);
    diag_set_check(d, "stale-project", DIAG_CHECK_OFF);
    diag_report(d, DIAG_ERROR, SRC_POS("z.md", 1, 1), "already there");
    diag *page = diag_new();
    diag_set_context(SRC_POS("content/p.md", 1, 1), "while processing content/p.md");
    size_t id = diag_report(page, DIAG_WARNING, SRC_POS("plugins/x.lua", 8, 0), "second");
    diag_note(page, id, SRC_POS("plugins/x.lua", 2, 0), "raised here");
    diag_report(page, DIAG_WARNING, SRC_POS("plugins/x.lua", 8, 0), "third");
    diag_report_code(page, DIAG_WARNING, "stale-project", SRC_POS("a.md", 1, 1), "off");
    diag_set_context(SRC_NONE, NULL);
    INT_EQ(diag_warning_count(page), 3, "the page's own diag: plain warnings");
    diag_merge(d, page);
    diag_free(page);
    INT_EQ(diag_error_count(d), 3, "--strict of the build applies to merged warnings");
    INT_EQ(diag_warning_count(d), 0, "and `checks: off` drops one");
    char *s = diag_to_string(d);
    STR_EQ(s,
           "plugins/x.lua:8: error: second\n"
           "content/p.md:1:1: note: while processing content/p.md\n"
           "plugins/x.lua:2: note: raised here\n"
           "plugins/x.lua:8: error: third\n"
           "content/p.md:1:1: note: while processing content/p.md\n"
           "z.md:1:1: error: already there\n",
           "merged in order, each with its notes");
    free(s);
    diag_free(d);
}

/* The same diagnostics reported in two orders (as the pool's threads may): r reports the
 * three entries and their notes in the order of perm. */
static diag *
reported(const int perm[3])
{
    diag *d = diag_new();
    for (int k = 0; k < 3; k++) {
        size_t id;
        switch (perm[k]) {
        case 0:
            id = diag_report(d, DIAG_WARNING, SRC_POS("b.md", 3, 1), "late summary");
            diag_note(d, id, SRC_POS("b.md", 1, 1), "first note");
            diag_note(d, id, SRC_POS("a.md", 9, 1), "second note");
            break;
        case 1:
            diag_report_code(d, DIAG_WARNING, "stale-project", SRC_POS("a.md", 2, 1), "stale");
            break;
        default:
            id = diag_report(d, DIAG_ERROR, SRC_POS("a.md", 2, 1), "same place, another one");
            diag_note(d, id, SRC_POS("c.md", 1, 1), "its note");
        }
    }
    return d;
}

static void
test_sorted(void)
{
    static const int orders[2][3] = {{0, 1, 2}, {2, 0, 1}};
    diag_item *items[2];
    size_t n[2];
    diag *d[2];
    for (int k = 0; k < 2; k++) {
        d[k] = reported(orders[k]);
        n[k] = diag_items_sorted(d[k], &items[k]);
    }
    INT_EQ(n[0], 6, "every entry and note");
    bool same = n[0] == n[1];
    for (size_t i = 0; same && i < n[0]; i++) {
        const diag_item *a = &items[0][i], *b = &items[1][i];
        same = a->level == b->level && a->code == b->code && strcmp(a->msg, b->msg) == 0 &&
               strcmp(a->at.file, b->at.file) == 0 && a->at.line == b->at.line &&
               a->parent == b->parent;
    }
    OK(same, "the same list whatever the order of the reports");
    /* by position (a.md:2 before b.md:3), at one place the entry without a note first (as
     * diag_print); each entry followed by its notes in report order, which name it by its
     * new place */
    const char *want[] = {"stale",      "same place, another one",
                          "its note",   "late summary",
                          "first note", "second note"};
    size_t parents[] = {SIZE_MAX, SIZE_MAX, 1, SIZE_MAX, 3, 3};
    bool order = n[0] == 6;
    for (size_t i = 0; order && i < 6; i++)
        order = strcmp(items[0][i].msg, want[i]) == 0 && items[0][i].parent == parents[i];
    OK(order, "sorted, each entry with its notes after it");
    /* reported again from the list, they print as the original did */
    diag *again = diag_new();
    size_t ids[6];
    for (size_t i = 0; i < n[0]; i++) {
        const diag_item *e = &items[0][i];
        ids[i] = diag_report_text(again, e->level, e->code, e->at,
                                  e->parent == SIZE_MAX ? SIZE_MAX : ids[e->parent], e->msg,
                                  strlen(e->msg));
    }
    char *s0 = diag_to_string(d[0]), *s1 = diag_to_string(again);
    STR_EQ(s1, s0, "reported again, the same text");
    free(s0);
    free(s1);
    diag_free(again);
    for (int k = 0; k < 2; k++) {
        free(items[k]);
        diag_free(d[k]);
    }
    /* an entry `checks:` switched off is stored too (hidden, with its notes), where
     * printing leaves it out */
    diag *off = diag_new();
    diag_set_check(off, "stale-project", DIAG_CHECK_OFF);
    size_t id = diag_report_code(off, DIAG_WARNING, "stale-project", SRC_POS("a.md", 1, 1), "off");
    diag_note(off, id, SRC_POS("a.md", 2, 1), "its note");
    diag_report(off, DIAG_WARNING, SRC_POS("b.md", 1, 1), "on");
    diag_item *kept;
    size_t n_kept = diag_items_sorted(off, &kept);
    OK(n_kept == 3 && kept[0].hidden && strcmp(kept[0].msg, "off") == 0 && kept[1].hidden &&
           kept[1].parent == 0 && !kept[2].hidden && strcmp(kept[2].msg, "on") == 0,
       "entries switched off are kept, hidden, with their notes");
    char *printed = diag_to_string(off);
    STR_EQ(printed, "b.md:1:1: warning: on\n", "and printing leaves them out");
    free(printed);
    free(kept);
    diag_free(off);
}

int
main(void)
{
    test_sorted();
    test_strict();
    test_json();
    test_checks();
    test_merge();
    return harness_done();
}
