/* SPDX-License-Identifier: MIT
 * test_check.c - the summary of `clinfolio check` on a small site written into a temporary
 * folder: the stage table per cohort (projects without a cohort last, a CJK cohort name
 * padded by characters), the counts per check, the stale projects; the exact text, and
 * the JSON document. */
#include "check.h"

#include "harness.h"
#include "site.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char root[64]; /* /tmp/clinfolio-test-check-XXXXXX */

static void
put(const char *rel, const char *text)
{
    harness_write_file(root, rel, text);
}

typedef void (*print_fn)(const check_report *r, const diag *d, FILE *f);

static char *
print_to_string(print_fn fn, const check_report *r, const diag *d)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    fn(r, d, f);
    fclose(f);
    return text;
}

static void
print_json(const check_report *r, const diag *d, FILE *f)
{
    check_report_print_json(r, d, f, false);
}

static void
test_summary(void)
{
    put("site.yaml", "title: T\nbase_url: https://x.org/\nstages: [need, prototype, transfer]\n"
                     "taxonomies: [cohort]\n");
    put("content/projects/a.md", "---\ntitle: A\ndate: 2024-06-01\ncohort: 2024\nstatus: "
                                 "active\nstages:\n  need: 2024-01-01\n  prototype: 2024-05-01\n"
                                 "---\n");
    put("content/projects/b.md", "---\ntitle: B\ndate: 2022-01-01\ncohort: 2022\nstatus: active\n"
                                 "stages:\n  need: 2022-01-01\n---\n");
    put("content/projects/c.md", "---\ntitle: C\ndate: 2024-02-01\ncohort: 试点班\n---\n");
    put("content/projects/d.md", "---\ntitle: D\ndate: 2024-03-01\nstages:\n  need: 2024-03-01\n"
                                 "  transfer: 2024-02-01\n---\n");
    put("content/news/n.md", "---\ntitle: N\ndate: 2024-01-01\n---\n");

    arena *a = arena_new();
    arena *w = arena_new();
    site_options opt = {root, false, NULL, 1, &w, NULL, NULL, false, false, NULL, NULL};
    diag *d = diag_new();
    site *s = site_load(&opt, a, d);
    OK(s != NULL, "the site loads");
    check_report *r = check_report_new();
    if (s)
        check_report_collect(r, s);
    site_free(s);
    arena_free(w); /* the report keeps its own copies */
    arena_free(a);

    char *text = print_to_string(check_report_print_text, r, d);
    STR_EQ(text,
           "checked 5 pages, 4 projects (build date 2024-06-01): 0 errors, 2 warnings\n"
           "\n"
           "projects without a date for each stage, per cohort:\n"
           "  stage        2022    2024  试点班  (none)\n"
           "  projects        1       1       1       1\n"
           "  need            0       0       1       0\n"
           "  prototype       1       0       1       1\n"
           "  transfer        1       1       1       0\n"
           "\n"
           "errors and warnings by check:\n"
           "  stage-order         1 warning\n"
           "  stale-project       1 warning\n"
           "\n"
           "stale projects (no date, update or stage in the 12 months before 2024-06-01):\n"
           "  content/projects/b.md (newest date 2022-01-01, status active)\n",
           "the text summary");
    free(text);

    char *json = print_to_string(print_json, r, d);
    OK(json && strncmp(json, "{\"findings\": [\n  {\"file\":\"content/projects/b.md\"", 48) == 0,
       "findings first: %s", json ? json : "(null)");
    OK(json && strstr(json, "\"cohort\": null") && strstr(json, "\"cohort\": \"试点班\"") &&
           strstr(json, "\"stale_projects\": [\n    {\n      \"file\": \"content/projects/b.md\","),
       "summary: cohorts and stale projects: %s", json ? json : "(null)");
    OK(json && strstr(json, "\"checks\": {\n    \"stage-order\": {\n      \"errors\": 0,\n"
                            "      \"warnings\": 1\n    },"),
       "counts per check: %s", json ? json : "(null)");
    size_t len = json ? strlen(json) : 0;
    OK(len > 2 && strcmp(json + len - 2, "}\n") == 0, "one document, one final newline");
    free(json);
    check_report_free(r);
    diag_free(d);

    /* a site that did not load: the counts only */
    d = diag_new();
    r = check_report_new();
    diag_report(d, DIAG_ERROR, SRC_POS("site.yaml", 0, 0), "cannot read");
    text = print_to_string(check_report_print_text, r, d);
    STR_EQ(text,
           "the site did not load: 1 error, 0 warnings\n\nerrors and warnings by check:\n"
           "  error               1 error\n",
           "without a site");
    free(text);
    json = print_to_string(print_json, r, d);
    OK(json && strstr(json, "\"build_date\": null") && strstr(json, "\"cohorts\": []") &&
           strstr(json, "\"errors\": 1"),
       "JSON without a site: %s", json ? json : "(null)");
    free(json);
    check_report_free(r);
    diag_free(d);
}

int
main(void)
{
    snprintf(root, sizeof root, "/tmp/clinfolio-test-check-XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 2;
    }
    test_summary();
    harness_rm_rf(root);
    return harness_done();
}
